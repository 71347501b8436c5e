#!/usr/bin/python3
"""jcopsim --t0 through pcscd and vpcd, seen by pyscard: the T=0 ATR, the protocol pcscd
negotiates, and what reaches the application for answers a T=0 card gives as 61xx / 6Cxx.

Independent of the card's code (pyscard only). Run inside tools/rig/jcop-rig with a card started
with --t0; needs --allow-irreversible (it FUSEs the card).
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gp_host import Failure, prepersonalize  # noqa: E402

FCI = ("6F658408A000000003000000A5599F6501FF9F6E06479100783300734A06072A864886FC6B01600C060A2A864886FC6B"
       "02020101630906072A864886FC6B03640B06092A864886FC6B040215650B06092B8510864864020103660C060A2B06"
       "0104012A026E0102")


class T0Reader:
    def __init__(self, name):
        from smartcard.System import readers
        from smartcard.CardConnection import CardConnection
        found = [r for r in readers() if str(r) == name] if name else readers()
        if not found:
            raise SystemExit(3)
        self.conn = found[0].createConnection()
        self.conn.connect(CardConnection.T0_protocol)
        self.T0 = CardConnection.T0_protocol
        self.n = 0

    def tx(self, apdu_hex, expect=None, what=""):
        data, sw1, sw2 = self.conn.transmit(list(bytes.fromhex(apdu_hex)))
        got = (bytes(data) + bytes([sw1, sw2])).hex().upper()
        self.n += 1
        if expect is not None:
            exp = expect.replace(" ", "").upper()
            ok = got[-4:] == exp[1:] if exp.startswith("*") else got == exp
            if not ok:
                raise Failure("%s: %s -> %s, expected %s" % (what, apdu_hex, got, exp))
        print("ok %-44s %s -> %s" % (what, apdu_hex[:30], got[:40]))
        return bytes.fromhex(got)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", default=os.environ.get("JCOP_READER"))
    ap.add_argument("--kt", default="404142434445464748494A4B4C4D4E4F")
    ap.add_argument("--allow-irreversible", action="store_true")
    a = ap.parse_args()
    if not a.allow_irreversible:
        print("t0_pcsc: refusing to FUSE a card without --allow-irreversible", file=sys.stderr)
        return 2
    try:
        r = T0Reader(a.reader)
    except SystemExit:
        print("t0_pcsc: no PC/SC reader (run it inside tools/rig/jcop-rig)", file=sys.stderr)
        return 3
    try:
        atr = bytes(r.conn.getATR()).hex().upper()
        # J2A040's ATR 3BF81300008131FE454A434F5076323431B7 without TD1, TD2, TA3, TB3 and TCK
        if atr != "3B781300004A434F5076323431":
            raise Failure("ATR %s is not the T=0 form" % atr)
        print("ok ATR (T=0 only)                               %s" % atr)
        if r.conn.getProtocol() != r.T0:
            raise Failure("pcscd negotiated protocol %r, not T=0" % r.conn.getProtocol())
        print("ok protocol T=0 negotiated by pcscd")
        prepersonalize(r, a.kt)
        # what pcscd (pcsc-lite) gives the application: the card's 61xx and 6Cxx as they are
        r.tx("00A4040008A00000000300000000", "6167", "SELECT ISD (case 4): 61xx reaches the host")
        r.tx("00C0000067", FCI + "9000", "GET RESPONSE 67: the FCI")
        r.tx("80CA9F7F00", "6C2D", "GET DATA CPLC, Le 00: 6C2D reaches the host")
        cplc = r.tx("80CA9F7F2D", "*9000", "GET DATA CPLC again with Le 2D")
        if len(cplc) != 47 or cplc[:3] != bytes.fromhex("9F7F2A"):
            raise Failure("CPLC %s" % cplc.hex())
        r.tx("80500000080102030405060708", "611C", "INITIALIZE UPDATE (case 3 TPDU): 611C")
        iu = r.tx("00C000001C", "*9000", "GET RESPONSE 1C: the 28 bytes")
        if len(iu) != 30 or iu[11] != 0x02:
            raise Failure("INITIALIZE UPDATE answer %s" % iu.hex())
        r.tx("00C000001C", "6D00", "GET RESPONSE with nothing kept")
    except Failure as e:
        print("not ok: %s" % e)
        return 1
    print("# t0_pcsc: all %d exchanges as expected" % r.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
