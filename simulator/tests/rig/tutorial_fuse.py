#!/usr/bin/python3
"""The tutorial's whole pre-personalization through pcscd and vpcd, FUSE included,
then the card process is restarted on the same image and must still be fused.

Run by the rig on a new card whose transport key is rigcard.KT (an image in the
rig's temporary folder: FUSE is irreversible, and this card exists for it).
Steps: SELECT by KT, BOOT, read the three CM_KEY records and the GPIN, write the
default test keys 40..4F into the three records, CM_LIFECYCLE 01, PROTECT, FUSE.
After the restart: the KT no longer selects (6A82), IDENTIFY byte 14 says fused
(01), and the ISD answers SELECT with its FCI.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigcard import (ATR_J2A040, IDENTIFY, ISD_AID, KT, TEST_KEYS, Card, Failure, ctl, main,
                     read_mem, reader, write_mem)

KEY_RECORDS = (0xC00305, 0xC00321, 0xC0033D)
GPIN_LEN, GPIN = 0xC00407, 0xC00412
CM_LIFECYCLE = 0xC00301


def identify_fuse_byte(card):
    resp = card.tx("00A40400%02X%s" % (len(IDENTIFY) // 2, IDENTIFY), "*6A82", "IDENTIFY")
    data = resp[:-4]
    if len(data) < 2 * 19:
        raise Failure("IDENTIFY gave %d bytes, expected 19 or 20" % (len(data) // 2))
    return data[28:30]


def test():
    rdr = reader(0)
    print("# before FUSE, on %s" % rdr)
    with Card(rdr) as c:
        if c.atr() != ATR_J2A040:
            raise Failure("ATR %s, expected %s" % (c.atr(), ATR_J2A040))
        c.tx("00A4040000", "6A82", "unfused card, nothing selected")
        if identify_fuse_byte(c) != "00":
            raise Failure("IDENTIFY byte 14 of a new card is not 00 (unfused)")
        c.tx("00A4040010" + KT, "9000", "SELECT root applet by KT")
        c.tx("00F00000", "9000", "BOOT")
        old = [read_mem(c, a, 16) for a in KEY_RECORDS]
        n = int(read_mem(c, GPIN_LEN, 1), 16)
        if not 1 <= n <= 16:
            raise Failure("GPIN length %d" % n)
        read_mem(c, GPIN, n)
        for a in KEY_RECORDS:
            write_mem(c, a, TEST_KEYS)
            read_mem(c, a, 16, TEST_KEYS)
        if all(k == TEST_KEYS for k in old):
            raise Failure("the new card's CM keys were already the test keys: not random")
        write_mem(c, CM_LIFECYCLE, "01")
        read_mem(c, CM_LIFECYCLE, 1, "01")
        c.tx("00100000", "9000", "PROTECT")
        write_mem(c, KEY_RECORDS[0], TEST_KEYS, "6982")  # after PROTECT: writes refused
        read_mem(c, KEY_RECORDS[0], 16, TEST_KEYS)        # reads still work
        c.tx("00000000", "9000", "FUSE")

    print("# restarting the card process on the same image")
    ctl("restart-card", 0)
    ctl("wait-card", 0, 20)
    with Card(rdr) as c:
        if c.atr() != ATR_J2A040:
            raise Failure("ATR after restart %s" % c.atr())
        c.tx("00A4040010" + KT, "6A82", "KT SELECT after FUSE")
        if identify_fuse_byte(c) != "01":
            raise Failure("IDENTIFY byte 14 after FUSE is not 01 (fused)")
        c.tx("00A4040008" + ISD_AID, "6F??8408" + ISD_AID + "*9000", "SELECT ISD")
        c.tx("00A4040000", "6F*9000", "SELECT with an empty AID selects the ISD")
        c.tx("C0B0030510", "6E00", "READ MEMORY after FUSE")


if __name__ == "__main__":
    main(test)
