#!/usr/bin/python3
"""An independent pyscard client takes an applet from its CAP file to personalized data that
survives a restart of the card's daemon, through pcscd -> vpcd -> jcopsim.

Written from GP 2.1.1, the Java Card 2.2.2 CAP format and jcop-facts.md (SCP02 of
scp02_vectors.py, the GP host of gp_host.py), without the card's code. Run inside the private rig
(tools/rig/jcop-rig) on a NEW card whose transport key is --kt: the card is pre-personalized and
FUSED (irreversible: --allow-irreversible is required). Then:
- the CAP file (a ZIP) is read with zipfile: its <package>/javacard/*.cap components in the load
  order of JCVM 2.2.2 §6.1 (Descriptor and Debug left out, as GP tools do), the package and
  applet AIDs from the Header and Applet components;
- over SCP02 at level 03: INSTALL [for load] with the Load File Data Block hash, LOAD blocks,
  INSTALL [for install and make selectable], GET STATUS shows the instance SELECTABLE;
- the applet (the project's extlen.jca: implements ExtendedLength; INS 16 keeps the command data,
  INS 18 answers it) is selected and personalized with a short APDU and read back, then with an
  EXTENDED APDU of --perso-len bytes (case 3E) and read back with an extended Le (case 2E);
- the card's daemon is restarted through the rig (jcop-rig ctl restart-card, on the same image);
  a new PC/SC connection selects the applet and reads the same data back;
- with --plain-cap (the demo applet hello.cap, no ExtendedLength): it is installed beside; an
  extended APDU to it is answered 6700 by the card (JCRE 2.2.2 §9.4.4), its short command works.
Exit 0 when every check held, 1 on the first failed check, 3 without a reader.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import hashlib
import os
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gp_host import ISD, TEST_KEYS, Failure, Reader, prepersonalize  # noqa: E402

# JCVM 2.2.2 §6.1: the order in which components are sent in the Load File Data Block
LOAD_ORDER = ["Header", "Directory", "Import", "Applet", "Class", "Method", "StaticField", "Export",
              "ConstantPool", "RefLocation"]


def read_cap(path):
    """The Load File Data Block of a CAP file and its package and first applet AIDs."""
    with zipfile.ZipFile(path) as z:
        comps = {}
        for name in z.namelist():
            parts = name.split("/")
            if len(parts) >= 3 and parts[-2] == "javacard" and parts[-1].endswith(".cap"):
                comps[parts[-1][:-4]] = z.read(name)
    missing = [c for c in ("Header", "Directory", "Import", "Class", "Method", "ConstantPool")
               if c not in comps]
    if missing:
        raise Failure("%s: no %s component" % (path, ", ".join(missing)))
    lfdb = b"".join(comps[c] for c in LOAD_ORDER if c in comps)
    hdr = comps["Header"]  # tag 1, size(2), magic(4), minor, major, flags, package info
    # package info: minor(1) major(1) AID_length(1) AID
    pkg = hdr[3 + 7 + 3:3 + 7 + 3 + hdr[3 + 7 + 2]]
    app = None
    if "Applet" in comps:
        a = comps["Applet"]  # tag 3, size(2), count(1), AID_length(1) AID install_offset(2)
        app = a[5:5 + a[4]]
    return lfdb, pkg, app


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return b"\x81" + bytes([n])
    return b"\x82" + n.to_bytes(2, "big")


def install(r, cap_path):
    lfdb, pkg, app = read_cap(cap_path)
    if app is None:
        raise Failure("%s holds no applet" % cap_path)
    print("# %s: package %s, applet %s, LFDB %d bytes" % (cap_path, pkg.hex().upper(), app.hex().upper(),
                                                          len(lfdb)))
    keys = (TEST_KEYS,) * 3
    if r.auth(keys, 0x03) != "9000":
        raise Failure("SCP02 level 03 before LOAD")
    body = (bytes([len(pkg)]) + pkg + bytes([len(bytes.fromhex(ISD))]) + bytes.fromhex(ISD) +
            b"\x14" + hashlib.sha1(lfdb).digest() + b"\x00\x00")
    r.tx("80E60200%02X%s00" % (len(body), body.hex()), "009000", "INSTALL [for load]")
    lf = b"\xC4" + ber_len(len(lfdb)) + lfdb
    blocks = [lf[i:i + 200] for i in range(0, len(lf), 200)]
    for n, b in enumerate(blocks):
        p1 = 0x80 if n == len(blocks) - 1 else 0x00
        r.tx("80E8%02X%02X%02X%s00" % (p1, n, len(b), b.hex()), "009000", "LOAD block %d" % n)
    body = (bytes([len(pkg)]) + pkg + bytes([len(app)]) + app + bytes([len(app)]) + app +
            b"\x01\x00" + b"\x02\xC9\x00" + b"\x00")
    r.tx("80E60C00%02X%s00" % (len(body), body.hex()), "009000", "INSTALL [for install + selectable]")
    r.tx("80F24002024F0000", "*9000", "GET STATUS applications")
    st = r.tx("80F24000024F0000", "*9000", "GET STATUS applications (legacy)")
    rec = bytes([len(app)]) + app + b"\x07"
    if rec not in st:
        raise Failure("GET STATUS does not list %s SELECTABLE: %s" % (app.hex(), st.hex()))
    r.end_session()
    return app


def pattern(n, seed):
    return bytes((i * 13 + seed) & 0xFF for i in range(n))


def select(r, app):
    r.tx("00A40400%02X%s00" % (len(app), app.hex()), "9000", "SELECT the applet")


def ext_apdu(cla_ins_p1p2, data=b"", le=None):
    """ISO 7816-4 extended form: 00 Lc(2) data [Le(2)], or 00 Le(2) without data."""
    out = bytes.fromhex(cla_ins_p1p2)
    if data:
        out += b"\x00" + len(data).to_bytes(2, "big") + data
        if le is not None:
            out += le.to_bytes(2, "big")
    elif le is not None:
        out += b"\x00" + le.to_bytes(2, "big")
    return out.hex()


def personalize(r, app, perso_len):
    select(r, app)
    r.tx("8018000000", "6985", "nothing personalized yet")
    short = pattern(100, 1)
    r.tx("80160000%02X%s" % (len(short), short.hex()), "9000", "personalize (short APDU)")
    r.tx("8018000000", short.hex() + "9000", "read back (short)")
    data = pattern(perso_len, 7)
    r.tx(ext_apdu("80160000", data), "9000", "personalize: extended APDU of %d bytes" % perso_len)
    r.tx(ext_apdu("80180000", le=0), data.hex() + "9000", "read back: extended Le")
    return data


def restart_daemon():
    rig = os.environ.get("JCOP_RIG")
    if not rig:
        raise Failure("no JCOP_RIG: run inside tools/rig/jcop-rig")
    for action in (["restart-card", "0"], ["wait-card", "0", "30"]):
        rc = subprocess.run(["timeout", "60", rig, "ctl"] + action).returncode
        if rc != 0:
            raise Failure("jcop-rig ctl %s: exit %d" % (" ".join(action), rc))


def reconnect(name, deadline=30.0):
    end = time.monotonic() + deadline
    while True:
        try:
            return Reader(name)
        except Exception as e:  # the reader shows the card again within the deadline
            if time.monotonic() > end:
                raise Failure("no card in %s after the restart: %s" % (name, e))
            time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", default=os.environ.get("JCOP_READER"))
    ap.add_argument("--kt", default="404142434445464748494A4B4C4D4E4F")
    ap.add_argument("--cap", required=True, help="the applet's CAP file (extlen.cap)")
    ap.add_argument("--perso-len", type=int, default=3000)
    ap.add_argument("--plain-cap", help="an applet without ExtendedLength (hello.cap, INS 40)")
    ap.add_argument("--allow-irreversible", action="store_true",
                    help="required: this script FUSEs the card")
    a = ap.parse_args()
    if not a.allow_irreversible:
        print("applet_e2e: refusing to FUSE a card without --allow-irreversible", file=sys.stderr)
        return 2
    try:
        r = Reader(a.reader)
    except SystemExit:
        print("applet_e2e: no PC/SC reader (run it inside tools/rig/jcop-rig)", file=sys.stderr)
        return 3
    try:
        prepersonalize(r, a.kt)
        r.tx("00A4040000", "*9000", "SELECT ISD")
        app = install(r, a.cap)
        data = personalize(r, app, a.perso_len)
        r.tx(ext_apdu("00A40400", app, le=0), "6700", "SELECT in the extended form: the OPEN's, 6700")
        if a.plain_cap:
            r.tx("00A4040000", "*9000", "SELECT ISD")
            plain = install(r, a.plain_cap)
            select(r, plain)
            r.tx(ext_apdu("80400000", le=0), "6700", "extended APDU to an applet without ExtendedLength")
            r.tx("8040000000", "*9000", "its short command")
        n = r.n
        r.conn.disconnect()
        restart_daemon()
        r = reconnect(a.reader)
        r.n = n
        r.tx("00A4040000", "*9000", "after the restart: the ISD answers")
        select(r, app)
        r.tx(ext_apdu("80180000", le=0), data.hex() + "9000", "after the restart: extended read back")
    except Failure as e:
        print("not ok: %s" % e)
        return 1
    print("# applet_e2e: all %d exchanges as expected" % r.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
