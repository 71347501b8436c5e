#!/usr/bin/python3
"""An independent GlobalPlatform host for jcopsim, through pcscd -> vpcd.

Written from GP 2.1.1 and jcop-facts.md only (SCP02 from scp02_vectors.py,
python3-pycryptodome; PC/SC from pyscard), without looking at the card's C
code. Run inside the private pcscd rig (tools/rig/jcop-rig) on a NEW card
whose transport key is --kt: the card is pre-personalized like the tutorial
(keys 40..4F into the three CM_KEY records, CM_LIFECYCLE 01, PROTECT) and FUSED,
which is irreversible, so the script refuses to run without --allow-irreversible.

Then, on the fused card: Card Data and CPLC; SCP02 at levels 01 and 03; 6300
with wrong keys; PUT KEY of a new key set and a session with it; INSTALL [for
load], LOAD and INSTALL of a CAP assembled by capbuild.py; GET STATUS; the
applet selected (no code runs: 6D00); DELETE; the card life cycle
OP_READY -> INITIALIZED -> SECURED -> CARD_LOCKED -> SECURED -> TERMINATED.
Exit 0 when every check held, 1 on the first failed check, 3 without a reader.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import hashlib
import os
import sys

from Cryptodome.Cipher import DES, DES3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capbuild  # noqa: E402
from scp02_vectors import Host, des3_cbc, pad  # noqa: E402

TEST_KEYS = bytes(range(0x40, 0x50))
ISD = "A000000003000000"
CARD_DATA = ("664C734A06072A864886FC6B01600C060A2A864886FC6B02020101630906072A864886FC6B03640B06092A8648"
             "86FC6B040215650B06092B8510864864020103660C060A2B060104012A026E0102")


class Failure(Exception):
    pass


def kcv(key):
    return DES3.new(key, DES3.MODE_ECB).encrypt(bytes(8))[:3]


class Reader:
    def __init__(self, name):
        from smartcard.System import readers
        from smartcard.CardConnection import CardConnection
        found = [r for r in readers() if str(r) == name] if name else readers()
        if not found:
            raise SystemExit(3)
        self.conn = found[0].createConnection()
        self.conn.connect(CardConnection.T1_protocol)
        self.host = None
        self.n = 0

    def tx(self, apdu_hex, expect=None, what=""):
        """Send (wrapped when a session is open); check the SW (and data when
        expect holds more than 4 hex digits; '*' prefix = SW only)."""
        plain = bytes.fromhex(apdu_hex)
        apdu = self.host.wrap(plain) if self.host is not None else plain
        data, sw1, sw2 = self.conn.transmit(list(apdu))
        resp = bytes(data) + bytes([sw1, sw2])
        self.n += 1
        got = resp.hex().upper()
        if expect is not None:
            exp = expect.replace(" ", "").upper()
            ok = got[-4:] == exp[1:] if exp.startswith("*") else (got == exp if len(exp) > 4 else got[-4:] == exp)
            if not ok:
                raise Failure("%s: %s -> %s, expected %s" % (what or apdu_hex, apdu.hex().upper(), got, exp))
        print("ok %-40s %s -> %s" % (what, apdu.hex().upper()[:40], got[:40]))
        return resp

    def end_session(self):
        self.host = None

    def auth(self, keys, level, kvn=0, expect_ok=True, le=True):
        """INITIALIZE UPDATE + EXTERNAL AUTHENTICATE; returns the EXT AUTH SW."""
        self.host = None
        hc = os.urandom(8)
        r = self.tx("8050%02X0008%s00" % (kvn, hc.hex()), None, "INITIALIZE UPDATE")
        if r[-2:] != b"\x90\x00":
            return r[-2:].hex().upper()
        if len(r) != 30 or r[11] != 0x02:
            raise Failure("INITIALIZE UPDATE answer %s: not 28 bytes of SCP02" % r.hex())
        try:
            host = Host(keys, hc, r[:28])
        except ValueError:
            if expect_ok:
                raise Failure("card cryptogram does not verify with the expected keys")
            # Build the EXTERNAL AUTHENTICATE anyway, with our (wrong) keys.
            host = Host.__new__(Host)
            from scp02_vectors import full_mac, session_key  # noqa: F401
            enc, mac, dek = keys
            host.counter, host.card_chal, host.host_chal = r[12:14], r[14:20], hc
            host.s_enc = session_key(enc, b"\x01\x82", host.counter)
            host.c_mac = session_key(mac, b"\x01\x01", host.counter)
            host.dek = session_key(dek, b"\x01\x81", host.counter)
        ea = host.ext_auth(level) + (b"\x00" if le else b"")
        data, sw1, sw2 = self.conn.transmit(list(ea))
        sw = "%02X%02X" % (sw1, sw2)
        print("ok %-40s %s -> %s" % ("EXTERNAL AUTHENTICATE %02X" % level, ea.hex().upper()[:40], sw))
        if sw == "9000":
            self.host = host
        return sw


def prepersonalize(r, kt):
    r.tx("00A4040000", "6A82", "unfused: nothing selected")
    r.tx("00A4040010" + kt, "9000", "SELECT root applet (KT)")
    r.tx("00F00000", "9000", "BOOT")
    for rec in (0xC00305, 0xC00321, 0xC0033D):
        r.tx("C0D6%04X10%s" % (rec & 0xFFFF, TEST_KEYS.hex()), "9000", "WRITE CM_KEY")
        r.tx("C0B0%04X10" % (rec & 0xFFFF), TEST_KEYS.hex() + "9000", "READ CM_KEY back")
    r.tx("C0D6030101" "01", "9000", "WRITE CM_LIFECYCLE 01")
    r.tx("00100000", "9000", "PROTECT")
    r.tx("00000000", "9000", "FUSE")


def card_data_and_cplc(r):
    r.tx("00A4040000", "*9000", "SELECT ISD (empty AID)")
    r.tx("80CA006600", CARD_DATA + "9000", "GET DATA Card Data")
    cplc = r.tx("80CA9F7F00", "*9000", "GET DATA CPLC")
    if len(cplc) != 3 + 42 + 2 or cplc[:3] != bytes.fromhex("9F7F2A"):
        raise Failure("CPLC layout: %s" % cplc.hex())
    fci = r.tx("00A4040008" + ISD, "*9000", "SELECT ISD")
    i = fci.find(bytes.fromhex("9F6E06"))
    if i < 0 or fci[i + 3:i + 9] != cplc[3 + 4:3 + 10]:
        raise Failure("FCI 9F6E does not match CPLC OSID|date|level")
    r.tx("00CA9F7F00", cplc[3:].hex() , "GET DATA CPLC, CLA 00 (value only)")


def sessions(r):
    keys = (TEST_KEYS,) * 3
    if r.auth(keys, 0x01) != "9000":
        raise Failure("level 01 with keys 40..4F")
    r.tx("80F28000024F0000", "08%s019E9000" % ISD, "GET STATUS ISD (legacy, C-MAC)")
    r.tx("80F22002024F0000", "E30D4F07A00000000353509F7001019000", "GET STATUS ELF (TLV)")
    r.tx("80CA00E000", "E012C00401FF8010C00402FF8010C00403FF80109000", "key information, factory FF")
    if r.auth(keys, 0x03, le=False) != "9000":
        raise Failure("level 03 with keys 40..4F")
    r.tx("80F24000024F0000", "6A88", "GET STATUS apps (none), C-DEC")
    r.tx("80F28002024F0000", "E3114F08%s9F700101C5019E9000" % ISD, "GET STATUS ISD (TLV), C-DEC")
    # wrong keys: the host sees the wrong card cryptogram, the card answers 6300
    bad = (TEST_KEYS[::-1],) * 3
    sw = r.auth(bad, 0x01, expect_ok=False)
    if sw != "6300":
        raise Failure("EXTERNAL AUTHENTICATE with wrong keys answered %s, expected 6300" % sw)
    r.end_session()
    r.tx("80F28000024F0000", "6982", "no session after 6300")


def put_key(r):
    keys = (TEST_KEYS,) * 3
    new = (bytes.fromhex("00112233445566778899AABBCCDDEEFF"),
           bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"),
           bytes.fromhex("1F1E1D1C1B1A19181716151413121110"))
    if r.auth(keys, 0x03) != "9000":
        raise Failure("level 03 before PUT KEY")
    dek = r.host.dek
    data = b"\x01" + b"".join(b"\x80\x10" + DES3.new(dek, DES3.MODE_ECB).encrypt(k) + b"\x03" + kcv(k)
                              for k in new)
    want = "01" + "".join(kcv(k).hex() for k in new) + "9000"
    r.tx("80D80081%02X%s00" % (len(data), data.hex()), want, "PUT KEY add KVN 01")
    r.tx("80CA00E000", "E012C00401018010C00402018010C00403018010" "9000", "key information, KVN 01")
    r.end_session()
    if r.auth(keys, 0x01, kvn=0xFF) != "6A88":
        raise Failure("the factory set FF should be gone")
    if r.auth(new, 0x01, kvn=0x01) != "9000":
        raise Failure("session with the new key set")
    r.tx("80CA00C100", "C10200019000", "sequence counter of the new set")
    return new


def content(r, keys):
    comps = capbuild.build_components()
    lfdb = capbuild.lfdb(comps)
    pkg, app = capbuild.DEFAULT_PKG.hex().upper(), capbuild.DEFAULT_APPLET.hex().upper()
    if r.auth(keys, 0x03) != "9000":
        raise Failure("level 03 before LOAD")
    sha1 = hashlib.sha1(lfdb).hexdigest()
    body = "08" + pkg + "08" + ISD + "14" + sha1 + "0000"
    r.tx("80E60200%02X%s00" % (len(body) // 2, body), "009000", "INSTALL [for load] with hash")
    lf = b"\xC4" + (b"\x81" + bytes([len(lfdb)]) if len(lfdb) < 256 else b"\x82" + len(lfdb).to_bytes(2, "big")) + lfdb
    blocks = [lf[i:i + 100] for i in range(0, len(lf), 100)]
    for n, b in enumerate(blocks):
        p1 = 0x80 if n == len(blocks) - 1 else 0x00
        r.tx("80E8%02X%02X%02X%s00" % (p1, n, len(b), b.hex()), "009000", "LOAD block %d" % n)
    r.tx("80F21000024F0000", "07A0000000035350010001" "08A000000003535041" "08%s010001" "09%s" "9000" % (pkg, app),
         "GET STATUS load files + modules")
    body = "08" + pkg + "09" + app + "09" + app + "0100" + "02C900" + "00"
    r.tx("80E60C00%02X%s00" % (len(body) // 2, body), "009000", "INSTALL [install + selectable]")
    r.tx("80F24002024F0000", "E3124F09%s9F700107C50100" "9000" % app, "GET STATUS apps (TLV)")
    r.tx("80E60C00%02X%s00" % (len(body) // 2, body), "6985", "INSTALL again: duplicate")
    r.end_session()
    r.tx("00A4040009" + app + "00", "9000", "SELECT the applet")
    r.tx("80CA006600", "6D00", "applet code is not executed")
    r.tx("00A4040000", "*9000", "SELECT ISD")
    if r.auth(keys, 0x01) != "9000":
        raise Failure("level 01 before DELETE")
    r.tx("80E40080%02X4F%02X%s00" % (len(pkg) // 2 + 2, len(pkg) // 2, pkg), "009000", "DELETE package + related")
    r.tx("80F24000024F0000", "6A88", "GET STATUS apps: gone")
    r.tx("80F22000024F0000", "07A00000000353500100" "9000", "GET STATUS load files: ours gone")


def keys_and_perso(r, keys):
    """PUT KEY as a chain of three commands (P1 b8), DELETE [key] (D2), STORE DATA to the ISD
    (GlobalPlatformPro's --set-pre-perso object 9F67, IIN 42 in two blocks). Returns the keys of
    the set that remains."""
    if r.auth(keys, 0x03) != "9000":
        raise Failure("level 03 before the PUT KEY chain")
    dek = r.host.dek
    for key_id in (1, 2, 3):
        blk = b"\x02\x80\x10" + DES3.new(dek, DES3.MODE_ECB).encrypt(TEST_KEYS) + b"\x03" + kcv(TEST_KEYS)
        p1 = 0x80 if key_id < 3 else 0x00
        r.tx("80D8%02X%02X%02X%s00" % (p1, key_id, len(blk), blk.hex()), "02" + kcv(TEST_KEYS).hex() + "9000",
             "PUT KEY chain, key %d" % key_id)
    r.tx("80CA00E000", "E024C00401018010C00402018010C00403018010C00401028010C00402028010C00403028010"
         "9000", "key information: sets 01 and 02")
    r.tx("80E4000003D20101", "6985", "DELETE [key] of the session's set")
    test = (TEST_KEYS,) * 3
    if r.auth(test, 0x01, kvn=0x02) != "9000":
        raise Failure("session with the chained set 02")
    r.tx("80E4000003D20101", "009000", "DELETE [key] set 01 (GPPro --delete-key)")
    r.tx("80E4000003D20101", "6A88", "DELETE [key] set 01 again")
    r.tx("80CA00E000", "E012C00401028010C00402028010C00403028010" "9000", "key information: set 02")
    before = r.tx("80CA9F7F00", "*9000", "CPLC before STORE DATA")[3:45]
    prepers = bytes.fromhex("4321108512345678")
    r.tx("80E280000B9F6708" + prepers.hex(), "9000", "STORE DATA 9F67 (GPPro --set-pre-perso)")
    after = r.tx("80CA9F7F00", "*9000", "CPLC after STORE DATA")[3:45]
    if after != before[:26] + prepers + before[34:]:
        raise Failure("CPLC after 9F67: %s" % after.hex())
    r.tx("80E20000054203A1B2C3", "9000", "STORE DATA block 00: IIN")
    r.tx("80E2800103450155", "9000", "STORE DATA block 01 (last): CIN")
    r.tx("80CA004200", "4203A1B2C39000", "IIN from STORE DATA")
    r.tx("80E2800503450155", "6A86", "STORE DATA out of sequence")
    r.end_session()
    if r.auth(keys, 0x01, kvn=0x01) != "6A88":
        raise Failure("set 01 should be deleted")
    return test


def life_cycle(r, keys):
    fci_prefix = "6F658408" + ISD
    if r.auth(keys, 0x01) != "9000":
        raise Failure("level 01 before SET STATUS")
    r.tx("80F0800F", "6985", "OP_READY -> SECURED skipped: refused")
    for lcs in ("07", "0F", "7F"):
        r.tx("80F080" + lcs, "9000", "SET STATUS " + lcs)
        r.tx("80F28000024F0000", "08%s%s9E9000" % (ISD, lcs), "GET STATUS ISD life cycle")
    r.tx("80D8008143" + "00" * 0x43 + "00", "6985", "PUT KEY refused in CARD_LOCKED")
    r.end_session()
    resp = r.tx("00A4040000", "*6283", "SELECT while CARD_LOCKED: 6283 + FCI")
    if not resp.hex().upper().startswith(fci_prefix):
        raise Failure("no FCI with 6283")
    if r.auth(keys, 0x03) != "9000":
        raise Failure("session in CARD_LOCKED")
    r.tx("80F0800F", "9000", "unlock: back to SECURED")
    r.tx("80F080FF", "9000", "TERMINATED")
    r.end_session()
    r.tx("80CA006600", CARD_DATA + "9000", "TERMINATED: GET DATA still answers")
    r.tx("80500000080102030405060708", "6985", "TERMINATED: INITIALIZE UPDATE refused")
    r.tx("00A4040000", "6985", "TERMINATED: SELECT refused")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", default=os.environ.get("JCOP_READER"))
    ap.add_argument("--kt", default="404142434445464748494A4B4C4D4E4F")
    ap.add_argument("--allow-irreversible", action="store_true",
                    help="required: this script FUSEs and TERMINATEs the card")
    a = ap.parse_args()
    if not a.allow_irreversible:
        print("gp_host: refusing to FUSE and TERMINATE a card without --allow-irreversible", file=sys.stderr)
        return 2
    try:
        r = Reader(a.reader)
    except SystemExit:
        print("gp_host: no PC/SC reader (run it inside tools/rig/jcop-rig)", file=sys.stderr)
        return 3
    try:
        prepersonalize(r, a.kt)
        card_data_and_cplc(r)
        sessions(r)
        new = put_key(r)
        content(r, new)
        remaining = keys_and_perso(r, new)
        life_cycle(r, remaining)
    except Failure as e:
        print("not ok: %s" % e)
        return 1
    print("# gp_host: all %d exchanges as expected" % r.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
