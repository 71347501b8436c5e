#!/usr/bin/python3
"""SCP02 i=55 through PC/SC: the card challenge a J2E145 answers is the pseudo-random one.

An independent host (pyscard + python3-pycryptodome, no code of the card): it pre-personalizes and
fuses the card in the reader (keys 40..4F), checks that the Card Data report SCP02 i=55, then
predicts every INITIALIZE UPDATE card challenge as GP 2.2.1 E.4.2.3 defines it (the six leftmost
bytes of the retail MAC, with the C-MAC session key of the sequence counter, over the padded AID
of the ISD) and checks it, with the card cryptogram and a full EXTERNAL AUTHENTICATE.

Run inside tools/rig/jcop-rig with a J2E145 card; needs --allow-irreversible (it FUSEs).
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gp_host import Failure, Reader, TEST_KEYS, prepersonalize  # noqa: E402
from scp02_vectors import Host, retail_mac, session_key  # noqa: E402

ISD_J2E145 = bytes.fromhex("A000000151000000")


def expected_challenge(counter):
    return retail_mac(session_key(TEST_KEYS, b"\x01\x01", counter), ISD_J2E145)[:6]


def init_update(r):
    hc = os.urandom(8)
    resp = r.tx("80500000 08".replace(" ", "") + hc.hex() + "00", "*9000", "INITIALIZE UPDATE")
    iu = resp[:28]
    counter, chal = iu[12:14], iu[14:20]
    if chal != expected_challenge(counter):
        raise Failure("card challenge %s, expected %s (counter %s)" %
                      (chal.hex(), expected_challenge(counter).hex(), counter.hex()))
    return hc, iu


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", default=os.environ.get("JCOP_READER"))
    ap.add_argument("--kt", default="404142434445464748494A4B4C4D4E4F")
    ap.add_argument("--allow-irreversible", action="store_true")
    a = ap.parse_args()
    if not a.allow_irreversible:
        print("scp02_i55: refusing to FUSE a card without --allow-irreversible", file=sys.stderr)
        return 2
    try:
        r = Reader(a.reader)
    except SystemExit:
        print("scp02_i55: no PC/SC reader (run it inside tools/rig/jcop-rig)", file=sys.stderr)
        return 3
    try:
        prepersonalize(r, a.kt)
        r.tx("00A4040000", "*9000", "SELECT ISD")
        cd = r.tx("80CA006600", "*9000", "Card Data")
        if bytes.fromhex("06092A864886FC6B040255") not in cd:
            raise Failure("Card Data does not report SCP02 i=55: %s" % cd.hex())
        keys = (TEST_KEYS,) * 3
        # without EXTERNAL AUTHENTICATE the counter stays, and so does the challenge
        _, first = init_update(r)
        _, second = init_update(r)
        if first[12:20] != second[12:20]:
            raise Failure("same counter, different challenge")
        for _ in range(3):
            hc, iu = init_update(r)
            host = Host(keys, hc, iu)  # checks the card cryptogram
            ea = host.ext_auth(0x01)
            data, sw1, sw2 = r.conn.transmit(list(ea))
            if (sw1, sw2) != (0x90, 0x00):
                raise Failure("EXTERNAL AUTHENTICATE answered %02X%02X" % (sw1, sw2))
            print("ok %-40s counter %s challenge %s" % ("session", iu[12:14].hex(), iu[14:20].hex()))
        r.end_session()
        _, last = init_update(r)
        if last[12:14] != b"\x00\x03":
            raise Failure("counter after three sessions: %s" % last[12:14].hex())
    except Failure as e:
        print("not ok: %s" % e)
        return 1
    print("# scp02_i55: all %d exchanges as expected" % r.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
