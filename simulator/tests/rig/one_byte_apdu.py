#!/usr/bin/python3
"""Issue 18, item 1, as the user met it: an application transmits a single byte
through pcscd and vpcd. vpcd frames it as a 1-byte frame, which is what its
power controls look like. The reader must not hang:
  - 80 (no control of vpcd's) is answered by the card: 6700;
  - 00 (power off to the card) gets no answer as a control; jcopsim sees the
    silence that follows (pcscd's presence poll waits behind the transmit),
    drops the connection, and the transmit returns an error within seconds;
  - after either, a new client of the same reader works.
Each transmit runs in a child process under a deadline, so a hang fails the test
instead of blocking it."""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigcard import Card, Failure, main

DEADLINE = 20  # seconds; jcopsim gives up on a lone 00 after 3 s

CHILD = r"""
import sys
from smartcard import scard as S
sys.path.insert(0, sys.argv[3])
from rigcard import Card
with Card(sys.argv[1]) as c:
    rv, resp = c.raw(sys.argv[2])
    print("%08X %s" % (rv & 0xFFFFFFFF, resp))
"""


def transmit_in_child(byte_hex):
    here = os.path.dirname(os.path.abspath(__file__))
    t = time.monotonic()
    try:
        r = subprocess.run([sys.executable, "-c", CHILD, os.environ["JCOP_READER"], byte_hex, here],
                           capture_output=True, text=True, timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        raise Failure("a transmit of the single byte %s hung for %d s: the reader is stuck" %
                      (byte_hex, DEADLINE))
    took = time.monotonic() - t
    print("  1-byte C-APDU %s -> %s (%.1f s)" % (byte_hex, r.stdout.strip() or r.stderr.strip(), took))
    return r.stdout.split()


def reader_works():
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            with Card(os.environ["JCOP_READER"]) as c:
                c.tx("00A4040000", "*", "SELECT after the 1-byte C-APDU")
                return
        except Failure as e:
            if time.monotonic() > deadline:
                raise Failure("the reader did not come back after a 1-byte C-APDU: %s" % e)
            time.sleep(0.2)


def test():
    out = transmit_in_child("80")
    if out[:2] != ["00000000", "6700"]:
        raise Failure("1-byte C-APDU 80: expected 6700 from the card, got %s" % out)
    reader_works()
    transmit_in_child("00")  # any outcome but a hang: an error, or an empty answer
    reader_works()


if __name__ == "__main__":
    main(test)
