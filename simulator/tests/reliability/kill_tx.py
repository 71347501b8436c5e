#!/usr/bin/python3
"""kill_tx.py: SIGKILL jcopsim N times while an applet runs transactions, through pcscd.

Where it sits: issue 17 (the applet runtime under faults), DESIGN.md §3 "durable
before acknowledged" and the runtime's transactions (JCSystem.beginTransaction /
commitTransaction). Runs INSIDE the rig (tools/rig/jcop-rig: a private pcscd, one
jcopsim card on a new image with transport key 000102..0F) as a PC/SC client
(Debian's /usr/bin/python3, pyscard).

1. jcop-replay runs install-txlog.gpsh through the rig's reader: pre-personalize,
   FUSE, SCP02 at level 03, install txlog.cap (assembled from txlog.jca).
2. N rounds: connect, SELECT the applet, read its counter and its 16-entry log
   (INS 20) and check them against what this client was told; then send
   transactions (INS 10 with a fresh 4-byte nonce: in one applet transaction the
   counter + 1 and the log entry {counter, nonce, check}) as fast as the card
   answers, while a timer SIGKILLs the jcopsim process (its PID from `jcop-rig ctl
   pid card 0`, a process of this rig) after a random delay; restart it on the
   same image (`ctl start-card 0`, `ctl wait-card 0`) and go on. After the last
   kill, one more restart and check.

What is checked after every restart:
  - no acknowledged transaction lost: counter >= the last counter the card
    answered (a lower counter = an acknowledged transaction rolled back);
  - none beyond: counter <= acknowledged + 1, and + 1 only when a transaction
    was in flight at the kill (then it counts as applied from here on);
  - none half applied: the log is exactly what the counter implies: for each
    slot k the newest value v <= counter with v % 16 == k holds {v, the nonce the
    client sent with v, the check short}, a slot with no such v >= 1 is zero;
    so the entry of the counter's own value is there and nothing beyond it.
  - every answer in between: the counter the card returns is the previous + 1.

--no-transaction sends INS 16: the same two updates without beginTransaction /
commitTransaction; the card commits once per APDU, so a kill still loses the
whole APDU or none of it and the same checks hold.
--split sends each transaction as two commands (INS 12: counter + 1; INS 14: the
entry), i.e. an update that is NOT atomic, and expects these checks to see a
half-applied state within --kills kills: exit 0 when they do (the checks bite),
1 when they never do. Deterministic for a --seed (delays and nonces; printed)
except where the kills land.

Every PC/SC call and every rig action has a deadline (--call-timeout: the
watchdog prints the Python stacks and exits 1); the card is killed only by the
PID the rig reports for its card process, which must be a jcopsim.

usage: kill_tx.py --replay JCOP_REPLAY --cap TXLOG.cap --gpsh INSTALL.gpsh
                  [--kills N] [--seed S] [--max-delay SEC] [--split | --no-transaction]
                  (inside jcop-rig)
exit 0 every check held, 1 a check failed, 2 usage, 3 environment.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rig"))
from rigcard import Card, Failure, ctl, is_dead, reader, rig_pid  # noqa: E402

from smartcard import scard as S  # noqa: E402

APPLET = "F06A636F7073696D5401"
SLOTS = 16
ENTRY = 10


class Lost(Failure):
    """An acknowledged transaction is not on the card."""


class Beyond(Failure):
    """The card holds more than was acknowledged plus the one in flight."""


class HalfApplied(Failure):
    """The log does not match the counter: part of a transaction is there."""


class Watchdog:
    """A deadline for one blocking step (a PC/SC call, a rig action): when it
    passes, print what was waited for and every thread's stack, then exit 1."""

    def __init__(self, seconds, what):
        self.seconds, self.what = seconds, what
        self.timer = threading.Timer(seconds, self.fire)
        self.timer.daemon = True

    def fire(self):
        print("kill_tx: FAIL: no progress within %.0f s: %s" % (self.seconds, self.what), flush=True)
        faulthandler.dump_traceback(all_threads=True)
        os._exit(1)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()


def entry(v, nonce):
    c = v.to_bytes(4, "big")
    chk = (int.from_bytes(c[:2], "big") ^ int.from_bytes(c[2:], "big") ^ int.from_bytes(nonce[:2], "big")
           ^ int.from_bytes(nonce[2:], "big") ^ 0x5AA5)
    return c + nonce + chk.to_bytes(2, "big")


class Model:
    """What the card answered so far: the last acknowledged counter and the nonce
    each counter value was written with."""

    def __init__(self):
        self.acked = 0
        self.nonces = {}
        self.pending = None  # (counter, nonce) of the transaction in flight at the kill

    def check(self, state):
        """state: the 164 bytes of INS 20. Returns True when the in-flight
        transaction was found applied."""
        c = int.from_bytes(state[:4], "big")
        log = state[4:]
        applied = False
        if c < self.acked:
            raise Lost("counter %d, but the card acknowledged %d: %d acknowledged transaction(s) lost"
                       % (c, self.acked, self.acked - c))
        if c > self.acked:
            if self.pending is None or c != self.pending[0]:
                raise Beyond("counter %d, acknowledged %d, %s" % (
                    c, self.acked, "in flight %d" % self.pending[0] if self.pending else "nothing in flight"))
            self.nonces[c] = self.pending[1]
            self.acked = c
            applied = True
        for k in range(SLOTS):
            v = c - ((c - k) % SLOTS)
            got = log[k * ENTRY:(k + 1) * ENTRY]
            want = entry(v, self.nonces[v]) if v >= 1 else bytes(ENTRY)
            if got != want:
                gv = int.from_bytes(got[:4], "big")
                chk_ok = got == entry(gv, got[4:8]) or got == bytes(ENTRY)
                raise HalfApplied("counter %d but log slot %d holds %s (counter %d, check %s), expected %s%s" % (
                    c, k, got.hex(), gv, "consistent" if chk_ok else "INCONSISTENT", want.hex(),
                    " (the entry of the counter's own value)" if v == c else ""))
        self.pending = None
        return applied


def card_pid():
    """The PID of the rig's card 0, checked to be a jcopsim process."""
    return rig_pid("card", 0)


def tx(card, apdu, a, what):
    with Watchdog(a.call_timeout, "transmit of %s" % what):
        return card.raw(apdu)


def read_state(card, a):
    rv, resp = tx(card, "8020000000", a, "INS 20 (read)")
    if rv != S.SCARD_S_SUCCESS or len(resp) != 2 * 166 or not resp.endswith("9000"):
        raise Failure("INS 20 answered %s (%s)" % (resp or "-", S.SCardGetErrorMessage(rv)))
    return bytes.fromhex(resp[:-4])


def connect(rdr, a):
    with Watchdog(a.call_timeout, "connect to %s" % rdr):
        card = Card(rdr)
    rv, resp = tx(card, "00A404000A" + APPLET, a, "SELECT txlog")
    if rv != S.SCARD_S_SUCCESS or resp != "9000":
        card.close()
        raise Failure("SELECT %s answered %s (%s)" % (APPLET, resp or "-", S.SCardGetErrorMessage(rv)))
    return card


def install(rdr, a, work):
    for src in (a.cap, a.gpsh):
        shutil.copy(src, work)
    script = os.path.join(work, os.path.basename(a.gpsh))
    cmd = ["timeout", "120", a.replay, "-q", "--reader", rdr, "--allow-irreversible", script]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=150)
    if r.returncode != 0:
        raise Failure("install: %s exit %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))


def run(a):
    rdr = reader(0)
    rnd = random.Random(a.seed)
    ins = 0x16 if a.no_transaction else 0x10
    work = tempfile.mkdtemp(prefix="jcopsim-kill-tx-")
    try:
        install(rdr, a, work)
    finally:
        shutil.rmtree(work)
    m = Model()
    acked_total = inflight = applied = late_total = 0
    per_round = []
    t0 = time.monotonic()
    for i in range(1, a.kills + 2):
        card = connect(rdr, a)
        try:
            try:
                if m.check(read_state(card, a)):
                    applied += 1
            except Failure as e:
                raise type(e)("after kill %d: %s" % (i - 1, e)) from None
            if i > a.kills:
                break
            pid = card_pid()
            delay = rnd.uniform(0.0, a.max_delay)
            fired = threading.Event()

            def kill(p=pid):
                fired.set()
                os.kill(p, signal.SIGKILL)  # a process this rig started (checked: a jcopsim)

            timer = threading.Timer(delay, kill)
            n = 0
            timer.start()
            try:
                while True:
                    nonce = rnd.getrandbits(32).to_bytes(4, "big")
                    m.pending = (m.acked + 1, nonce)
                    late = fired.is_set()  # the timer had already fired: sent to a dying card
                    if a.split:
                        rv, resp = tx(card, "8012000000", a, "INS 12 (counter)")
                        if rv == S.SCARD_S_SUCCESS and resp:
                            if resp != "%08X9000" % (m.acked + 1):
                                raise Failure("INS 12 answered %s, expected counter %d" % (resp, m.acked + 1))
                            rv, resp = tx(card, "8014000004%s00" % nonce.hex(), a, "INS 14 (log entry)")
                    else:
                        rv, resp = tx(card, "80%02X000004%s00" % (ins, nonce.hex()), a, "INS %02X" % ins)
                    if rv != S.SCARD_S_SUCCESS or not resp:
                        # the card died under the command: an error, or (vpcd read EOF from the
                        # card's socket in the middle of the exchange) "success" with no bytes
                        if not fired.is_set():
                            raise Failure("round %d: transmit failed before the kill: %s"
                                          % (i, S.SCardGetErrorMessage(rv) if rv else "empty answer"))
                        break
                    if resp != "%08X9000" % (m.acked + 1):
                        raise Failure("round %d: a transaction answered %r, expected counter %d (killed: %s)"
                                      % (i, resp, m.acked + 1, fired.is_set()))
                    m.acked += 1
                    m.nonces[m.acked] = nonce
                    m.pending = None
                    n += 1
            finally:
                timer.cancel()
                timer.join()
            end = time.monotonic() + a.call_timeout
            while not is_dead(pid):
                if time.monotonic() > end:
                    raise Failure("card process %d alive %.0f s after SIGKILL" % (pid, a.call_timeout))
                time.sleep(0.001)
        finally:
            with Watchdog(a.call_timeout, "release of the dead card's handle"):
                card.close()
        acked_total += n
        if m.pending is not None:
            inflight += 1
            late_total += late
        per_round.append(n)
        if m.pending is None:
            what = "none in flight"
        else:
            what = "one in flight (counter %d%s)" % (m.pending[0], ", sent after the timer fired" if late else "")
        print("kill %3d: after %.3f s, %3d transactions acknowledged, %s" % (i, delay, n, what), flush=True)
        with Watchdog(a.call_timeout * 3, "restart of card 0"):
            ctl("start-card", 0)
            ctl("wait-card", 0, int(a.call_timeout))
    dt = time.monotonic() - t0
    # temporary files a killed commit left beside the image (the image is renamed whole,
    # and jcopsim removes dead processes' ones at start: at most the last kill's remain)
    image = os.environ.get("JCOP_IMAGE_0", "")
    litter = 0
    if image:
        folder, base = os.path.split(image)
        litter = sum(1 for f in os.listdir(folder or ".") if f.startswith(base + ".tmp."))
    print("kill_tx%s: %d SIGKILLs, %d transactions acknowledged (%d..%d per round), counter %d; "
          "%d kills with a transaction in flight (%d of them sent after the timer fired), %d found applied, "
          "the others rolled back; log checked after each of %d restarts; %.1f s (seed %d); "
          "%d temporary files beside the image" % (
              " --split" if a.split else " --no-transaction" if a.no_transaction else "", a.kills, acked_total, min(per_round), max(per_round), m.acked,
              inflight, late_total, applied, a.kills, dt, a.seed, litter))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--replay", required=True, help="jcop-replay (installs the applet)")
    ap.add_argument("--cap", required=True, help="txlog.cap")
    ap.add_argument("--gpsh", required=True, help="install-txlog.gpsh")
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--max-delay", type=float, default=0.3, help="longest time before a kill, s")
    ap.add_argument("--call-timeout", type=float, default=20.0, help="deadline of each PC/SC call, s")
    ap.add_argument("--split", action="store_true",
                    help="non-atomic transactions (two commands): the checks must catch one")
    ap.add_argument("--no-transaction", action="store_true",
                    help="INS 16: the same updates without JCSystem transaction (one APDU still all or nothing)")
    a = ap.parse_args()
    if "JCOP_RIG" not in os.environ or "JCOP_READER_0" not in os.environ:
        print("kill_tx: run me inside jcop-rig (JCOP_RIG, JCOP_READER_0 unset)")
        return 2
    for f in (a.replay, a.cap, a.gpsh):
        if not os.path.exists(f):
            print("kill_tx: %s not found" % f)
            return 3
    mode = ", split (non-atomic) mode" if a.split else ", no transaction (INS 16)" if a.no_transaction else ""
    print("kill_tx: seed %d, %d kills, delays 0..%.3f s%s" % (a.seed, a.kills, a.max_delay, mode))
    try:
        run(a)
    except HalfApplied as e:
        if a.split:
            print("kill_tx --split: the checks caught the non-atomic update: %s" % e)
            return 0
        print("kill_tx: FAIL (half applied): %s" % e)
        return 1
    except Failure as e:
        print("kill_tx: FAIL: %s" % e)
        return 1
    if a.split:
        print("kill_tx --split: FAIL: %d kills of non-atomic updates and the checks never saw one half "
              "applied" % a.kills)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
