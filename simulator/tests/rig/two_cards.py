#!/usr/bin/python3
"""Two jcopsim cards on two slots of one pcscd, separate images, used at the same
time: each answers only to its own transport key and keeps its own memory.
Card 0 has KT 4041..4F, card 1 has KT 5051..5F (given by the rig test)."""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigcard import KT, Card, Failure, main, read_mem, reader, write_mem

KT1 = "505152535455565758595A5B5C5D5E5F"
ADDR = 0xC06000


def test():
    if os.environ.get("JCOP_IMAGE_0") == os.environ.get("JCOP_IMAGE_1"):
        raise Failure("both cards on one image")
    with Card(reader(0)) as a, Card(reader(1)) as b:
        b.tx("00A4040010" + KT, "6A82", "card 1 refuses card 0's KT")
        a.tx("00A4040010" + KT1, "6A82", "card 0 refuses card 1's KT")
        a.tx("00A4040010" + KT, "9000", "card 0 SELECT")
        b.tx("00A4040010" + KT1, "9000", "card 1 SELECT")
        a.tx("00F00000", "9000", "card 0 BOOT")
        b.tx("00F00000", "9000", "card 1 BOOT")
        for i in range(8):  # interleaved writes at the same address
            write_mem(a, ADDR + 16 * i, ("A%X" % i) * 16)
            write_mem(b, ADDR + 16 * i, ("B%X" % i) * 16)
        for i in range(8):
            read_mem(a, ADDR + 16 * i, 16, ("A%X" % i) * 16)
            read_mem(b, ADDR + 16 * i, 16, ("B%X" % i) * 16)
        if read_mem(a, 0xC00305, 16) == read_mem(b, 0xC00305, 16):
            raise Failure("the two new cards have the same random CM key")


if __name__ == "__main__":
    main(test)
