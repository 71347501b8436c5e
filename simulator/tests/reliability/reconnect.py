#!/usr/bin/python3
"""reconnect.py: the card comes back after pcscd restarts and after card restarts.

Where it sits: runs INSIDE the rig (tools/rig/jcop-rig: a private pcscd in its
own mount and network namespace, one jcopsim card), as a PC/SC client with
pyscard's low-level API (Debian's /usr/bin/python3). Two modes, N rounds each:
  pcscd   restart the private pcscd under the running card (jcop-rig ctl
          restart-pcscd); measure the time from the new pcscd's start until the
          card answers a SELECT through it; every round must come back within
          --deadline seconds.
  card    hold a connected handle, SIGKILL the card by its PID (taken before,
          so no ctl run delays the kill), touch the dead handle at once (a
          transmit, before pcscd's presence poll: the stuck-reader trap), start
          the card again and wait until it answers through a new connection.
Prints each round's time and the min/median/max. Every PC/SC wait has a
deadline; every handle is released explicitly.

usage: reconnect.py MODE [--rounds N] [--deadline SEC]   (inside jcop-rig)
exit 0 every round came back, 1 a round did not, 2 usage, 3 environment.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rig"))
from rigcard import Failure, kill_now, rig_pid  # noqa: E402

from smartcard import scard  # noqa: E402

ISD_SELECT = [0x00, 0xA4, 0x04, 0x00, 0x00]
IDENTIFY = [0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x01, 0x67, 0x41, 0x30, 0x00, 0xFF]


def rig(*args):
    r = subprocess.run([os.environ["JCOP_RIG"], "ctl"] + list(args), capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError("jcop-rig ctl %s: exit %d %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout


def ctx_until(deadline):
    """A PC/SC context, retrying while pcscd is not up yet."""
    while True:
        rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rc == scard.SCARD_S_SUCCESS:
            return ctx
        if time.monotonic() > deadline:
            raise TimeoutError("no pcscd: %s" % scard.SCardGetErrorMessage(rc))
        time.sleep(0.02)


def answer_until(reader, deadline, ctx=None):
    """Connect to reader and get an answer to IDENTIFY; retries until the deadline.
    Returns the context used (caller releases)."""
    last = ""
    while True:
        if ctx is None:
            ctx = ctx_until(deadline)
        rc, h, proto = scard.SCardConnect(ctx, reader, scard.SCARD_SHARE_SHARED,
                                          scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if rc == scard.SCARD_S_SUCCESS:
            rc, resp = scard.SCardTransmit(h, proto, IDENTIFY)
            scard.SCardDisconnect(h, scard.SCARD_LEAVE_CARD)
            if rc == scard.SCARD_S_SUCCESS and len(resp) >= 2:
                return ctx
            last = "transmit: " + scard.SCardGetErrorMessage(rc)
        else:
            last = "connect: " + scard.SCardGetErrorMessage(rc)
            if rc in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_INVALID_HANDLE):
                scard.SCardReleaseContext(ctx)
                ctx = None
        if time.monotonic() > deadline:
            if ctx is not None:
                scard.SCardReleaseContext(ctx)
            raise TimeoutError(last)
        time.sleep(0.02)


def mode_pcscd(reader, rounds, deadline_s):
    times = []
    for i in range(1, rounds + 1):
        rig("stop-pcscd")
        t0 = time.monotonic()
        rig("start-pcscd")
        try:
            ctx = answer_until(reader, t0 + deadline_s)
        except TimeoutError as e:
            print("round %d: the card did not come back within %.1f s after pcscd restarted (%s)"
                  % (i, deadline_s, e))
            return None
        dt = time.monotonic() - t0
        scard.SCardReleaseContext(ctx)
        times.append(dt)
        print("pcscd restart %2d: card answering after %.3f s" % (i, dt))
    return times


def mode_card(reader, rounds, deadline_s):
    times = []
    rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        raise RuntimeError("no pcscd")
    try:
        for i in range(1, rounds + 1):
            # a held handle that works
            for attempt in range(2):  # one SCARD_W_RESET_CARD after an insertion is normal
                rc, h, proto = scard.SCardConnect(ctx, reader, scard.SCARD_SHARE_SHARED,
                                                  scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
                if rc == scard.SCARD_S_SUCCESS:
                    rc, resp = scard.SCardTransmit(h, proto, ISD_SELECT)
                    if rc == scard.SCARD_S_SUCCESS:
                        break
                    scard.SCardDisconnect(h, scard.SCARD_LEAVE_CARD)
            if rc != scard.SCARD_S_SUCCESS:
                print("round %d: no working handle before the kill: %s" % (i, scard.SCardGetErrorMessage(rc)))
                return None
            pid = rig_pid("card", 0)
            kill_now(pid)
            t0 = time.monotonic()
            # touch the dead handle first, before pcscd's presence poll notices
            rc, _ = scard.SCardTransmit(h, proto, ISD_SELECT)
            touched = scard.SCardGetErrorMessage(rc) if rc != scard.SCARD_S_SUCCESS else "answered?!"
            scard.SCardDisconnect(h, scard.SCARD_LEAVE_CARD)
            rig("start-card", "0")
            try:
                answer_until(reader, t0 + deadline_s, ctx)
            except TimeoutError as e:
                print("round %d: the card did not come back within %.1f s (%s); the dead handle said: %s"
                      % (i, deadline_s, e, touched))
                return None
            dt = time.monotonic() - t0
            times.append(dt)
            print("card kill %2d: dead handle touched (%s); card answering after %.3f s" % (i, touched, dt))
    finally:
        scard.SCardReleaseContext(ctx)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["pcscd", "card"])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--deadline", type=float, default=5.0)
    a = ap.parse_args()
    reader = os.environ.get("JCOP_READER")
    if not reader or "JCOP_RIG" not in os.environ:
        print("reconnect: run me inside jcop-rig (JCOP_READER, JCOP_RIG unset)")
        return 2
    try:
        times = (mode_pcscd if a.mode == "pcscd" else mode_card)(reader, a.rounds, a.deadline)
    except RuntimeError as e:
        print("reconnect: %s" % e)
        return 3
    except Failure as e:  # the card could not be killed as asked
        print("reconnect: %s" % e)
        return 1
    if times is None:
        return 1
    print("reconnect %s: %d/%d came back; seconds min %.3f median %.3f max %.3f (deadline %.1f)"
          % (a.mode, len(times), a.rounds, min(times), statistics.median(times), max(times), a.deadline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
