#!/usr/bin/python3
"""Cards restarted at the same time through "$JCOP_RIG" ctl, one thread per card
(the conformance suite's rig pass does this with one worker per card). Each
round, every card at once:
  replace: writes a marker (acknowledged, so durable), stops (TERM), waits until
           its reader is empty, gets its baseline image copied back, starts and
           waits with `ctl wait-card`; it must then answer at once (no retry
           here: wait-card means "answers an APDU") with the baseline value;
  restart: writes a marker, `ctl restart-card`, `ctl wait-card`; the marker
           must still be there (durable before acknowledged);
  kill:    writes a marker, `ctl kill-card` (KILL) and `ctl start-card` at once,
           without waiting for pcscd to see the card leave, then `ctl wait-card`:
           pcscd may still show the dead process's card as present, so a
           wait-card that only looked at presence returned before the new card
           answered ("Transaction failed", "Card is unpowered"); the marker must
           still be there;
and after either, a READ before SELECT+BOOT must be refused (6A82): the card
is a new process with fresh volatile state, not the one before. Every card
answers only to its own transport key kt_of(i), so a reader talking to
another card's process is caught at once.

One PROCESS per card, not one thread (as the conformance suite's rig pass runs
one worker process per card): Debian 12's libpcsclite (1.9.9) is not safe when
threads of one process connect and disconnect at the same time. SCardDisconnect
walks the process-wide list of contexts without its lock while another thread's
SCardEstablishContext/SCardReleaseContext changes that list, and SCardConnect
appends to a context's handle list while another thread's SCardTransmit walks it
(helgrind shows these races on this very client; the threaded version of this
test died by SIGSEGV once). A spawned process has its own libpcsclite, and
rigcard refuses a Card opened outside the main thread.

usage: concurrent_restart.py [ROUNDS]   (inside jcop-rig with 2 or more new cards; default 6)
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigcard import Card, Failure, ctl, kt_of, main, read_mem, reader, write_mem

ADDR = 0xC06200


def open_booted(i, fresh):
    """Card i's handle, root applet selected and booted. fresh: the card process
    has just started, so a READ before SELECT must be refused (6A82)."""
    c = Card(reader(i))
    try:
        if fresh:
                c.tx("C0B0%04X02" % (ADDR & 0xFFFF), "6A82", "card %d: READ before SELECT (fresh process)" % i)
        c.tx("00A4040010" + kt_of(i), "9000", "card %d: SELECT by its own KT" % i)
        c.tx("00F00000", "9000", "card %d: BOOT" % i)
    except Exception:
        c.close()
        raise
    return c


def worker(i, rounds, baseline, barrier, errors):
    """Card i's rounds, in a process of its own (its own libpcsclite). A failed
    check goes to the errors queue and breaks the barrier for the others."""
    try:
        expect = "%02X5A" % i
        for r in range(rounds):
            kind = ("replace", "restart", "kill")[r % 3]
            with open_booted(i, r > 0) as c:
                read_mem(c, ADDR, 2, expect)
                marker = "%02X%02X" % (i, 0x80 + r)
                write_mem(c, ADDR, marker)
            barrier.wait(timeout=60)  # every card restarts at the same moment
            if kind == "replace":
                ctl("kill-card", i, "TERM")
                ctl("wait-empty", i, 20)
                shutil.copyfile(baseline, os.environ["JCOP_IMAGE_%d" % i])
                ctl("start-card", i)
                expect = "%02X5A" % i
            elif kind == "restart":
                ctl("restart-card", i)
                expect = marker
            else:
                ctl("kill-card", i, "KILL")
                ctl("start-card", i)
                expect = marker
            ctl("wait-card", i, 20)
            print("# card %d round %d (%s) back" % (i, r + 1, kind), flush=True)
        with open_booted(i, rounds > 0) as c:
            read_mem(c, ADDR, 2, expect)
    except threading.BrokenBarrierError:  # another card failed: it says why
        errors.put("card %d: stopped at the barrier (another card failed)" % i)
        sys.exit(1)
    except Exception as e:  # report every card's failure, not just the first
        errors.put("card %d: %s" % (i, e))
        barrier.abort()
        sys.exit(1)


def test():
    n = int(os.environ.get("JCOP_CARDS", "0"))
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    if n < 2:
        raise Failure("run with 2 or more cards (JCOP_CARDS=%d)" % n)
    tmp = tempfile.mkdtemp(prefix="concurrent-restart.")
    base = []
    try:
        for i in range(n):  # each card's baseline: its own value, then a copy of its image
            with open_booted(i, False) as c:
                write_mem(c, ADDR, "%02X5A" % i)
            base.append(os.path.join(tmp, "card%d.img" % i))
            shutil.copyfile(os.environ["JCOP_IMAGE_%d" % i], base[i])
        # spawn, not fork: a worker starts from a fresh interpreter, with nothing
        # of the parent's libpcsclite state (the baseline above used it).
        mp = multiprocessing.get_context("spawn")
        barrier = mp.Barrier(n)
        errors = mp.Queue()
        procs = {i: mp.Process(target=worker, args=(i, rounds, base[i], barrier, errors)) for i in range(n)}
        for p in procs.values():
            p.start()
        deaths = []
        while procs:
            for i, p in list(procs.items()):
                p.join(0.1)
                if p.exitcode is None:
                    continue
                del procs[i]
                if p.exitcode != 0:  # the others must not wait for it at the barrier
                    barrier.abort()
                if p.exitcode < 0:
                    deaths.append("card %d: its worker was killed by signal %d (%s)" %
                                  (i, -p.exitcode, signal.Signals(-p.exitcode).name))
        failed = []
        try:
            while True:
                failed.append(errors.get(timeout=1))
        except queue.Empty:
            pass
        if failed or deaths:
            raise Failure("; ".join(sorted(failed) + deaths))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("# %d cards x %d simultaneous restarts, each back with its own state" % (n, rounds))


if __name__ == "__main__":
    main(test)
