"""rigcard: the small PC/SC toolkit of the rig tests (Debian's /usr/bin/python3 + pyscard).

The rig (tools/rig/jcop-rig) runs these tests inside its private pcscd namespace
and names the readers in JCOP_READER_<i>. This module opens and releases PC/SC
handles explicitly (never left to the garbage collector: a handle collected
later disconnects with power-off, see vpcd-facts.md), sends APDUs, checks
answers against patterns, and drives the rig's ctl actions (kill, restart).

PC/SC from the main thread only: Debian 12's libpcsclite (1.9.9) is not safe when
threads of one process connect, disconnect, establish or release contexts at the
same time (SCardDisconnect walks the process-wide context list without its lock;
SCardConnect grows a handle list that another thread's SCardTransmit walks). A
test that drives cards side by side runs one process per card (see
concurrent_restart.py); Card refuses to open outside the main thread.
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time

from smartcard import scard as S

KT = "404142434445464748494A4B4C4D4E4F"          # transport key the tests give their new cards
TEST_KEYS = "404142434445464748494A4B4C4D4E4F"   # GP default test keys written by the tutorial
ATR_J2A040 = "3BF81300008131FE454A434F5076323431B7"
IDENTIFY = "A000000167413000FF"
ISD_AID = "A000000003000000"


class Failure(Exception):
    pass


def kt_of(i):
    """Transport key the multi-card rig tests give card i: 4041..4F for card 0,
    5051..5F for card 1, and so on (0x10 more per card)."""
    return "".join("%02X" % ((0x40 + 0x10 * i + k) & 0xFF) for k in range(16))


def reader(i=0):
    r = os.environ.get("JCOP_READER_%d" % i)
    if not r:
        raise Failure("JCOP_READER_%d is not set: run this under jcop-rig" % i)
    return r


def ctl(*args):
    """Run a rig ctl action (kill-card, start-card, restart-pcscd, wait-card ...)."""
    cmd = [os.environ["JCOP_RIG"], "ctl"] + [str(a) for a in args]
    r = subprocess.run(cmd, timeout=60)
    if r.returncode != 0:
        raise Failure("jcop-rig ctl %s failed (%d)" % (" ".join(map(str, args)), r.returncode))


def rig_pid(*what):
    """PID of a process the rig started: rig_pid("card", 0) or rig_pid("pcscd"); a card's PID
    is checked to be a jcopsim process before anyone signals it."""
    r = subprocess.run([os.environ["JCOP_RIG"], "ctl", "pid"] + [str(w) for w in what],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0 or not r.stdout.strip().isdigit():
        raise Failure("jcop-rig ctl pid %s: %r" % (" ".join(map(str, what)), r.stdout + r.stderr))
    pid = int(r.stdout)
    if what and what[0] == "card":
        with open("/proc/%d/comm" % pid) as f:
            comm = f.read().strip()
        if comm != "jcopsim":
            raise Failure("card %s's PID %d is a %r, not jcopsim" % (what[1:], pid, comm))
    return pid


def is_dead(pid):
    """Gone or a zombie (its sockets are closed either way)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True


def kill_now(pid, deadline=10.0):
    """SIGKILL a process the rig started and return once it is dead, polling /proc every
    millisecond (no ctl run in between: the kill lands before pcscd's presence poll)."""
    os.kill(pid, signal.SIGKILL)
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if is_dead(pid):
            return
        time.sleep(0.001)
    raise Failure("process %d still alive %.0f s after SIGKILL" % (pid, deadline))


def h(b):
    return "".join("%02X" % x for x in b)


def unhex(s):
    return list(bytes.fromhex(s.replace(" ", "")))


class Card:
    """One PC/SC context and card handle on a reader, released by close()."""

    def __init__(self, rdr):
        self.reader = rdr
        self.ctx = None
        self.handle = None
        if threading.current_thread() is not threading.main_thread():
            raise Failure("rigcard: a Card opened from thread '%s': PC/SC only from the main thread, "
                          "one process per card (libpcsclite races between threads)"
                          % threading.current_thread().name)
        rv, self.ctx = S.SCardEstablishContext(S.SCARD_SCOPE_SYSTEM)
        if rv != S.SCARD_S_SUCCESS:
            raise Failure("SCardEstablishContext: %s" % S.SCardGetErrorMessage(rv))
        for _ in range(3):  # a fresh insertion may answer one "card was reset"
            rv, self.handle, _proto = S.SCardConnect(self.ctx, rdr, S.SCARD_SHARE_SHARED,
                                                     S.SCARD_PROTOCOL_T1)
            if rv == S.SCARD_S_SUCCESS:
                return
            self.handle = None
        self.close()
        raise Failure("SCardConnect(%s): %s" % (rdr, S.SCardGetErrorMessage(rv)))

    def atr(self):
        rv, _name, _state, _proto, atr = S.SCardStatus(self.handle)
        if rv != S.SCARD_S_SUCCESS:
            raise Failure("SCardStatus: %s" % S.SCardGetErrorMessage(rv))
        return h(atr)

    def raw(self, apdu_hex):
        """Transmit; returns (rv, response hex)."""
        rv, resp = S.SCardTransmit(self.handle, S.SCARD_PCI_T1, unhex(apdu_hex))
        return rv, h(resp) if rv == S.SCARD_S_SUCCESS else ""

    def tx(self, apdu_hex, expect=None, what=""):
        """Send an APDU; check the whole answer against a pattern: hex with '?'
        for a nibble and '*' for any run of bytes (e.g. '*9000', '6A82')."""
        rv, resp = self.raw(apdu_hex)
        if rv != S.SCARD_S_SUCCESS:
            raise Failure("%s %s: transmit failed: %s" % (what, apdu_hex, S.SCardGetErrorMessage(rv)))
        short = resp if len(resp) <= 80 else resp[:60] + "...(%d bytes)" % (len(resp) // 2)
        print("  => %s%s\n  <= %s" % (apdu_hex[:80], "..." if len(apdu_hex) > 80 else "", short))
        if expect is not None and not match(expect, resp):
            raise Failure("%s %s: answer %s, expected %s" % (what, apdu_hex[:40], short, expect))
        return resp

    def close(self):
        if self.handle is not None:
            S.SCardDisconnect(self.handle, S.SCARD_LEAVE_CARD)
            self.handle = None
        if self.ctx is not None:
            S.SCardReleaseContext(self.ctx)
            self.ctx = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def match(pattern, resp_hex):
    rx = ""
    p = pattern.replace(" ", "").upper()
    i = 0
    while i < len(p):
        c = p[i]
        if c == "*":
            rx += "(?:[0-9A-F]{2})*"
            i += 1
        elif c in "?X":
            rx += "[0-9A-F]"
            i += 1
        else:
            rx += re.escape(c)
            i += 1
    return re.fullmatch(rx, resp_hex.upper()) is not None


def read_mem(card, addr, n, expect_data=None):
    """READ MEMORY at a 24-bit address (CLA||P1||P2)."""
    exp = (expect_data + "9000") if expect_data is not None else "?" * (2 * n) + "9000"
    return card.tx("%02XB0%04X%02X" % (addr >> 16, addr & 0xFFFF, n), exp, "READ %06X" % addr)[:-4]


def write_mem(card, addr, data_hex, expect="9000"):
    n = len(data_hex) // 2
    return card.tx("%02XD6%04X%02X%s" % (addr >> 16, addr & 0xFFFF, n, data_hex), expect,
                   "WRITE %06X" % addr)


def main(fn):
    """Run a test function; exit 0 on success, 1 on a failed check."""
    try:
        fn()
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
    print("PASS")
    sys.exit(0)
