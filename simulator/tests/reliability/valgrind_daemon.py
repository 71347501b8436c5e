#!/usr/bin/python3
"""valgrind_daemon.py: jcopsim under valgrind for a whole short session.

Where it sits: the ASan/UBSan build (simulator/reliability/run-sanitized.sh)
checks every test; this one checks the daemon binary of the ordinary build
with valgrind --leak-check=full, driven over the vpcd protocol on 127.0.0.1
(jrvpcd.py, no pcscd): a new image, the pre-personalization sequence with
reads, writes, an extended write, PROTECT and FUSE, power cycles and warm
resets, the fused ISD (SELECT, GET DATA, an SCP02 session when the card has
one), a malformed frame that makes the daemon drop and re-establish the link,
then SIGTERM. valgrind must report no error and no definite or indirect leak
(--error-exitcode=1), and jcopsim must exit 0.

usage: valgrind_daemon.py --jcopsim PATH [--valgrind PATH]
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jrvpcd  # noqa: E402

KT = "404142434445464748494A4B4C4D4E4F"
KEYS = bytes.fromhex(KT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jcopsim", required=True)
    ap.add_argument("--valgrind", default=shutil.which("valgrind") or "")
    a = ap.parse_args()
    if not a.valgrind:
        print("valgrind_daemon: valgrind not installed")
        return 3
    work = tempfile.mkdtemp(prefix="jcopsim-vg-")
    img = os.path.join(work, "card.img")
    vlog = os.path.join(work, "valgrind.log")
    prefix = [a.valgrind, "--leak-check=full", "--show-leak-kinds=definite,indirect",
              "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=1",
              "--log-file=" + vlog]
    r = jrvpcd.Reader(timeout=60.0)
    c = jrvpcd.Card(a.jcopsim, img, r, prefix=prefix, log=os.path.join(work, "jcopsim.log"))
    c.start(["--new", "--kt", KT, "--trace", os.path.join(work, "trace.jcsh")])
    sent = 0
    try:
        r.wait_card()
        seq = ["00A4040010" + KT, "00F00000", "C0B0030510", "C0B0040701",
               "C0D6030510" + KEYS.hex(), "C0D6032110" + KEYS.hex(), "C0D6033D10" + KEYS.hex(),
               "C0D6030101" + "01", "C0D66000000100" + "5A" * 256, "C0B0600000", "C0B0FFFF10",
               "00EE0000", "00100000", "C0D6500001" + "00", "00000000"]
        for apdu in seq:
            r.transmit(apdu)
            sent += 1
        r.control(0x02)
        r.control(0x04)
        r.control(0x00)
        r.control(0x04)
        r.control(0x01)
        r.control(0x04)
        for apdu in ["00A4040000", "80CA9F7F00", "80CA006600", "00A4040009A000000167413000FF",
                     "80F28000024F0000"]:
            r.transmit(apdu)
            sent += 1
        try:
            sc = jrvpcd.Scp02(r, KEYS, KEYS, KEYS)
            if sc.open(level=1) == 0x9000:
                sc.send("80F28000024F0000")
                sent += 3
        except jrvpcd.VpcdError:
            pass
        r.send_frame(b"")  # a zero-length frame: the daemon drops the link and reconnects
        r.drop()
        r.wait_card()
        r.transmit("00A4040000")
        sent += 1
    finally:
        rc = c.stop()
        r.close()
    report = open(vlog).read()
    summary = [l for l in report.splitlines() if "ERROR SUMMARY" in l or "definitely lost" in l
               or "indirectly lost" in l or "heap blocks were freed" in l or "total heap usage" in l]
    if "ERROR SUMMARY" not in report:
        print("valgrind_daemon: FAIL: no valgrind summary in %s" % vlog)
        return 1
    print("valgrind_daemon: %d APDUs; jcopsim exit %s; %s" % (sent, rc, "; ".join(
        s.split("== ", 1)[-1] for s in summary)))
    if rc != 0:
        print("valgrind_daemon: FAIL: valgrind/jcopsim exit %s; report kept in %s" % (rc, vlog))
        print(report[-4000:])
        return 1
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
