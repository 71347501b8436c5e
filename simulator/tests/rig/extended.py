#!/usr/bin/python3
"""An extended APDU of several kilobytes through pcscd and vpcd: WRITE MEMORY with
an extended Lc, then READ MEMORY with an extended Le; the bytes come back intact
(and a short READ of a slice agrees)."""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigcard import KT, Card, main, read_mem

ADDR = 0xC01000
SIZE = 6000


def test():
    data = "".join("%02X" % ((i * 7 + 3) & 0xFF) for i in range(SIZE))
    with Card(os.environ["JCOP_READER_0"]) as c:
        c.tx("00A4040010" + KT, "9000", "SELECT by KT")
        c.tx("00F00000", "9000", "BOOT")
        c.tx("C0D6%04X00%04X%s" % (ADDR & 0xFFFF, SIZE, data), "9000", "extended WRITE MEMORY")
        c.tx("C0B0%04X00%04X" % (ADDR & 0xFFFF, SIZE), data + "9000", "extended READ MEMORY")
        read_mem(c, ADDR + 4000, 32, data[8000:8064])


if __name__ == "__main__":
    main(test)
