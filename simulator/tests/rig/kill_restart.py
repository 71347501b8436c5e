#!/usr/bin/python3
"""Kill the card process (SIGKILL) while a client holds its handle, let the client
touch the dead handle first (a transmit, then a disconnect with power-off, as a
garbage-collected handle does), and restart the card on the same image at once:
it must come back every time. Without jcopsim's re-announce (the empty answer to
the first 04 of every new link) the reader stays at "no card" for good here
(vpcd-facts.md, "Coming back after a restart"): run with jcopsim --no-reannounce
this test fails, which the ctest rig_stuck_reader_trap checks. Each round also
writes a value acknowledged just before the kill and checks it survived.

usage: kill_restart.py [ROUNDS [WAIT_SECONDS]]   (default 5 rounds, 20 s; issue 8's run uses 20)
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigcard import KT, Card, Failure, ctl, main, read_mem, reader, write_mem

from smartcard import scard as S

ADDR = 0xC05000


def test():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    wait = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rdr = reader(0)
    prev = None
    for i in range(rounds):
        print("# round %d of %d" % (i + 1, rounds))
        c = Card(rdr)
        try:
            c.tx("00A4040010" + KT, "9000", "SELECT by KT")
            c.tx("00F00000", "9000", "BOOT")
            if prev is not None:
                read_mem(c, ADDR, 2, prev)  # the write acknowledged before the last kill
            prev = "%04X" % (0xA500 + i)
            write_mem(c, ADDR, prev)
            ctl("kill-card", 0, "KILL")
            rv, _ = c.raw("00A4040000")  # the client touches the dead handle first
            if rv == S.SCARD_S_SUCCESS:
                raise Failure("a transmit to a killed card succeeded")
            S.SCardDisconnect(c.handle, S.SCARD_UNPOWER_CARD)  # ... and lets it go with power-off
            c.handle = None
        finally:
            c.close()
        ctl("start-card", 0)
        ctl("wait-card", 0, wait)
    with Card(rdr) as c:
        c.tx("00A4040010" + KT, "9000", "SELECT by KT")
        c.tx("00F00000", "9000", "BOOT")
        read_mem(c, ADDR, 2, prev)
    print("# %d kills survived, every acknowledged write kept" % rounds)


if __name__ == "__main__":
    main(test)
