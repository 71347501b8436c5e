#!/usr/bin/python3
"""Three or more jcopsim cards on one private pcscd (the rig puts two slots on
each vpcd configuration line, so 3-4 cards span two lines), each on its own
image (or memory-only) with its own transport key: every card appears at start-up, answers
only to its own key, keeps its own memory while the others are written at the
same address, and has its own random CM key. Card i has the KT kt_of(i)
(given by the rig test with --kt).

usage: multi_cards.py   (inside jcop-rig with JCOP_CARDS >= 3 new or memory cards, up to 16)
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigcard import Card, Failure, kt_of, main, read_mem, reader, write_mem

ADDR = 0xC06100


def test():
    n = int(os.environ.get("JCOP_CARDS", "0"))
    if n < 3:
        raise Failure("run with 3 or more cards (JCOP_CARDS=%d)" % n)
    images = [os.environ.get("JCOP_IMAGE_%d" % i) for i in range(n)]
    files = [f for f in images if f]  # memory-only cards have none
    if len(set(files)) != len(files):
        raise Failure("two cards share an image: %s" % images)
    readers = [reader(i) for i in range(n)]
    if len(set(readers)) != n:
        raise Failure("two cards share a reader: %s" % readers)
    cards = []
    try:
        for r in readers:
            cards.append(Card(r))
        for i, c in enumerate(cards):
            other = kt_of((i + 1) % n)
            c.tx("00A4040010" + other, "6A82", "card %d refuses card %d's KT" % (i, (i + 1) % n))
            c.tx("00A4040010" + kt_of(i), "9000", "card %d SELECT by its KT" % i)
            c.tx("00F00000", "9000", "card %d BOOT" % i)
        for k in range(4):  # interleaved writes at the same address, one value per card
            for i, c in enumerate(cards):
                write_mem(c, ADDR + 16 * k, ("%X%X" % (i, k)) * 16)
        for k in range(4):
            for i, c in enumerate(cards):
                read_mem(c, ADDR + 16 * k, 16, ("%X%X" % (i, k)) * 16)
        cm = [read_mem(c, 0xC00305, 16) for c in cards]
        if len(set(cm)) != n:
            raise Failure("two new cards have the same random CM key")
    finally:
        for c in cards:
            c.close()
    print("# %d cards, each answering its own state" % n)


if __name__ == "__main__":
    main(test)
