#!/usr/bin/python3
"""Restart the rig's pcscd under a running jcopsim: the card reconnects by itself
(the same process, no restart) and answers again, several times.

usage: pcscd_restart.py [ROUNDS]   (default 3; issue 8's reliability run uses 20)
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigcard import KT, Card, Failure, ctl, main, reader


def card_pid():
    out = subprocess.run([os.environ["JCOP_RIG"], "ctl", "pid", "card", "0"], capture_output=True,
                         text=True, timeout=10)
    return out.stdout.strip()


def test():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rdr = reader(0)
    pid = card_pid()
    with Card(rdr) as c:
        c.tx("00A4040010" + KT, "9000", "SELECT by KT")
    for i in range(rounds):
        print("# pcscd restart %d of %d" % (i + 1, rounds))
        ctl("restart-pcscd")
        ctl("wait-card", 0, 20)
        with Card(rdr) as c:
            c.tx("00A4040000", "6A82", "fresh power-on: nothing selected")
            c.tx("00A4040010" + KT, "9000", "SELECT by KT")
    if card_pid() != pid or not os.path.exists("/proc/%s" % pid):
        raise Failure("the card process changed (%s -> %s): it should have reconnected itself"
                      % (pid, card_pid()))
    print("# card process %s reconnected after %d pcscd restarts" % (pid, rounds))


if __name__ == "__main__":
    main(test)
