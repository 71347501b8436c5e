#!/usr/bin/python3
"""An independent client personalizes jcopsim's applet through pcscd -> vpcd.

Run inside the private pcscd rig (tools/rig/jcop-rig) on a NEW card whose transport key is --kt,
with --cap naming perso.cap (testcases/perso/perso.jca assembled by `jcop-cap asm`): the card is
pre-personalized and FUSED like gp_host.py does (irreversible: --allow-irreversible is required),
then, with pyscard and this folder's SCP02 host (scp02_vectors.py) only:
  - INSTALL [for load], LOAD (the CAP's components in the load order), INSTALL [for install and
    make selectable] of the applet over SCP02 level 01;
  - INSTALL [for personalization] and two STORE DATA blocks: the ISD hands each to the applet's
    org.globalplatform.Application.processData (GP 2.1.1 section 7.3), which keeps the block's
    data and sets its life cycle to 0F on the last one (GET STATUS shows 0F);
  - the applet selected answers the data and its life cycle; INITIALIZE UPDATE / EXTERNAL
    AUTHENTICATE sent to it open SCP02 (its SecureChannel.processSecurity); a C-MACed write is
    taken, the same write with one wrong MAC bit is refused with 6982 and the data stays.
Exit 0 when every check held, 1 on the first failed check, 3 without a reader.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gp_host import ISD, TEST_KEYS, Failure, Reader, prepersonalize  # noqa: E402

PKG = "F06A636F7073696D50"
APP = "F06A636F7073696D5001"
# JCVM 2.2 section 6.2: the order a card loads the components in (Descriptor and Debug left out)
LOAD_ORDER = ["Header", "Directory", "Import", "Applet", "Class", "Method", "StaticField",
              "Export", "ConstantPool", "RefLocation"]


def lfdb_of(cap_path):
    with zipfile.ZipFile(cap_path) as z:
        names = {os.path.basename(n)[:-4]: n for n in z.namelist() if n.endswith(".cap")}
        return b"".join(z.read(names[c]) for c in LOAD_ORDER if c in names)


def install(r, keys, lfdb):
    if r.auth(keys, 0x01) != "9000":
        raise Failure("SCP02 level 01 on the ISD")
    body = "09" + PKG + "08" + ISD + "000000"
    r.tx("80E60200%02X%s00" % (len(body) // 2, body), "009000", "INSTALL [for load]")
    lf = b"\xC4\x82" + len(lfdb).to_bytes(2, "big") + lfdb
    blocks = [lf[i:i + 180] for i in range(0, len(lf), 180)]
    for n, b in enumerate(blocks):
        p1 = 0x80 if n == len(blocks) - 1 else 0x00
        r.tx("80E8%02X%02X%02X%s00" % (p1, n, len(b), b.hex()), "009000", "LOAD block %d" % n)
    body = "09" + PKG + "0A" + APP + "0A" + APP + "0100" + "02C900" + "00"
    r.tx("80E60C00%02X%s00" % (len(body) // 2, body), "009000", "INSTALL [install + selectable]")
    r.tx("80F24002024F0000", "E3134F0A%s9F700107C501009000" % APP, "GET STATUS: SELECTABLE")


def personalize(r):
    r.tx("80E62000%02X00000A%s000000" % (16, APP), "009000", "INSTALL [for personalization]")
    r.tx("80E20000040A0B0C0D", "9000", "STORE DATA block 0 -> processData")
    r.tx("80E2800104DEADBEEF", "9000", "STORE DATA block 1 (last) -> processData")
    r.tx("80F24002024F0000", "E3134F0A%s9F70010FC501009000" % APP, "GET STATUS: the applet set 0F")
    r.end_session()


def applet_session(r, keys):
    r.tx("00A404000A" + APP + "00", "9000", "SELECT the applet")
    r.tx("80CA000000", "DEADBEEF9000", "the applet's data, kept by processData")
    r.tx("80E0000001", "0F9000", "getCardContentState()")
    r.tx("80D0000003A1A2A3", "6982", "write without a session: refused by the applet")
    if r.auth(keys, 0x01) != "9000":
        raise Failure("SCP02 through the applet's processSecurity")
    r.tx("80D0000002CAFE", "9000", "C-MACed write: unwrapped and taken")
    bad = bytearray(r.host.wrap(bytes.fromhex("80D0000002BEEF")))
    bad[-1] ^= 0x01
    data, sw1, sw2 = r.conn.transmit(list(bad))
    got = "%02X%02X" % (sw1, sw2)
    print("ok %-40s %s -> %s" % ("write with a wrong C-MAC", bytes(bad).hex().upper()[:40], got))
    if got != "6982":
        raise Failure("a wrong C-MAC answered %s, expected 6982" % got)
    r.end_session()
    r.tx("80CA000000", "CAFE9000", "the data of the good write only")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", default=os.environ.get("JCOP_READER"))
    ap.add_argument("--kt", default="404142434445464748494A4B4C4D4E4F")
    ap.add_argument("--cap", required=True, help="perso.cap (jcop-cap asm testcases/perso/perso.jca)")
    ap.add_argument("--allow-irreversible", action="store_true",
                    help="required: this script FUSEs the card")
    a = ap.parse_args()
    if not a.allow_irreversible:
        print("perso_host: refusing to FUSE a card without --allow-irreversible", file=sys.stderr)
        return 2
    lfdb = lfdb_of(a.cap)
    try:
        r = Reader(a.reader)
    except SystemExit:
        print("perso_host: no PC/SC reader (run it inside tools/rig/jcop-rig)", file=sys.stderr)
        return 3
    keys = (TEST_KEYS,) * 3
    try:
        prepersonalize(r, a.kt)
        install(r, keys, lfdb)
        personalize(r)
        applet_session(r, keys)
    except Failure as e:
        print("not ok: %s" % e)
        return 1
    print("# perso_host: all %d exchanges as expected" % r.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
