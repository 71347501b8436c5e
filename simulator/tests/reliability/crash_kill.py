#!/usr/bin/python3
"""crash_kill.py: SIGKILL jcopsim at random moments of a write loop, N times.

Where it sits: DESIGN.md §3 "durable before acknowledged": a WRITE MEMORY that
was answered 9000 is in the image, whatever happens next. This test plays
vpcd's side of the link on 127.0.0.1 (jrvpcd.py, no pcscd), runs jcopsim on a
file image, selects the root applet with the transport key, BOOTs, and writes
16-byte records (round, sequence, random) to random slots of a scratch area of
the memory window as fast as the card answers, while a timer SIGKILLs the
process after a random delay. After every kill it restarts jcopsim on the same
image (which must load), reads the whole area back and checks that every
acknowledged write is there; the one write in flight when the card died may be
old or new, never anything else. Deterministic for a given --seed except for
where the kill lands.

With --mode gp the card is fused first and the loop opens SCP02 sessions
instead: each EXTERNAL AUTHENTICATE persists the sequence counter before it
answers, and after every restart the counter must be exactly where the last
acknowledged session left it (one more if a session was in flight).

usage: crash_kill.py --jcopsim PATH --kills N [--mode memory|gp] [--seed S] [--keep]
exit 0 all checks held, 1 a check failed, 3 environment (no jcopsim, ...).
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import os
import random
import shutil
import signal
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jrvpcd  # noqa: E402

KT = "404142434445464748494A4B4C4D4E4F"
AREA = 0x5000          # low 16 bits of 0xC05000; the window is [0xC000F0, 0xC09600)
SLOTS = 1024           # 16 bytes each: 0xC05000 .. 0xC09000
CHUNK = 256


def fail(msg):
    print("crash_kill: FAIL: " + msg)
    sys.exit(1)


def boot(reader):
    sw = reader.sw("00A4040010" + KT)
    if sw != 0x9000:
        fail("SELECT by transport key answered %04X" % sw)
    sw = reader.sw("00F00000")
    if sw != 0x9000:
        fail("BOOT answered %04X" % sw)


def read_area(reader):
    data = b""
    for off in range(0, SLOTS * 16, CHUNK):
        addr = AREA + off
        r = reader.transmit(bytes([0xC0, 0xB0, addr >> 8, addr & 0xFF, 0x00]))
        if r[-2:] != b"\x90\x00" or len(r) != CHUNK + 2:
            fail("READ MEMORY %04X answered %s (%d bytes)" % (addr, r[-2:].hex(), len(r)))
        data += r[:-2]
    return [data[i * 16:(i + 1) * 16] for i in range(SLOTS)]


def gp_counter_run(a, rnd):
    """--mode gp: a fused card; the loop opens SCP02 sessions (INITIALIZE UPDATE,
    EXTERNAL AUTHENTICATE), each of which persists the sequence counter before
    answering. After every kill, the counter INITIALIZE UPDATE reports must be
    the one the last acknowledged session left, or one more if a session was
    in flight (never lower: a counter that goes back reuses session keys)."""
    work = tempfile.mkdtemp(prefix="jcopsim-crash-gp-")
    image = os.path.join(work, "card.img")
    log = os.path.join(work, "jcopsim.log")
    reader = jrvpcd.Reader(timeout=15.0)
    card = jrvpcd.Card(a.jcopsim, image, reader, log=log)
    card.start(["--new", "--kt", KT])
    reader.wait_card()
    boot(reader)
    for addr in ("0305", "0321", "033D"):
        check_sw(reader, "C0D6" + addr + "10" + KT)
    check_sw(reader, "00000000")  # FUSE
    card.stop()
    keys = bytes.fromhex(KT)
    model = None  # the counter the next INITIALIZE UPDATE must report
    acked = sessions_checked = inflight_new = 0
    pending_prev = False
    for rnd_i in range(1, a.kills + 1):
        card.start()
        try:
            reader.wait_card()
        except jrvpcd.VpcdError as e:
            fail("gp round %d: jcopsim did not come back on the image (%s, exit %s); see %s"
                 % (rnd_i, e, card.proc.poll(), log))
        check_sw(reader, "00A4040000")
        timer = threading.Timer(rnd.uniform(0.0, a.max_delay),
                                lambda p=card.proc.pid: os.kill(p, signal.SIGKILL))
        first = True
        pending = False
        timer.start()
        try:
            while True:
                hc = os.urandom(8)
                r = reader.transmit("8050000008" + hc.hex() + "00")
                if len(r) != 30 or r[-2:] != b"\x90\x00":
                    timer.cancel()
                    fail("gp round %d: INITIALIZE UPDATE answered %s" % (rnd_i, r.hex()))
                counter = r[12] << 8 | r[13]
                if model is not None and counter != model:
                    if not (first and pending_prev and counter == model + 1):
                        timer.cancel()
                        fail("gp round %d: counter %d, the last acknowledged session left %d%s"
                             % (rnd_i, counter, model, " (+1 in flight)" if first and pending_prev else ""))
                    inflight_new += 1
                if first:
                    sessions_checked += 1
                first = False
                model = counter
                # the session (a fresh Scp02 re-sends INITIALIZE UPDATE: use the answer we have)
                sc = jrvpcd.Scp02(reader, keys, keys, keys)
                pending = True
                sw = sc.open_from(r, 1, hc)
                if sw != 0x9000:
                    timer.cancel()
                    fail("gp round %d: EXTERNAL AUTHENTICATE answered %04X" % (rnd_i, sw))
                pending = False
                model = counter + 1
                acked += 1
        except jrvpcd.CardGone:
            pass
        timer.join()
        # a round killed before its first INITIALIZE UPDATE answered checked nothing: the
        # session in flight at the previous kill may still be the one to find applied
        pending_prev = pending or (first and pending_prev)
        rc = card.wait()
        if rc != -signal.SIGKILL:
            fail("gp round %d: jcopsim ended with %s, not by our SIGKILL; see %s" % (rnd_i, rc, log))
        reader.drop()
    reader.close()
    print("crash_kill gp: %d SIGKILLs survived, %d acknowledged sessions (sequence counter commits), "
          "counter checked after every restart (%d times), %d in-flight increments found applied"
          % (a.kills, acked, sessions_checked, inflight_new))
    if not a.keep:
        shutil.rmtree(work)
    return 0


def check_sw(reader, apdu, want=0x9000):
    sw = reader.sw(apdu)
    if sw != want:
        fail("%s answered %04X" % (apdu, sw))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jcopsim", required=True)
    ap.add_argument("--mode", choices=["memory", "gp"], default="memory",
                    help="memory: WRITE MEMORY loop (default); gp: SCP02 sequence-counter loop")
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--max-delay", type=float, default=0.25, help="longest time before a kill, s")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if not os.access(a.jcopsim, os.X_OK):
        print("crash_kill: jcopsim not found at %s" % a.jcopsim)
        return 3
    rnd = random.Random(a.seed)
    if a.mode == "gp":
        return gp_counter_run(a, rnd)
    work = tempfile.mkdtemp(prefix="jcopsim-crash-")
    image = os.path.join(work, "card.img")
    log = os.path.join(work, "jcopsim.log")
    reader = jrvpcd.Reader(timeout=15.0)
    card = jrvpcd.Card(a.jcopsim, image, reader, log=log)
    card.start(["--new", "--kt", KT])
    reader.wait_card()
    boot(reader)
    model = read_area(reader)
    card.stop()

    acked_total = 0
    pending = None
    verified_total = 0
    inflight_new = 0
    t0 = time.monotonic()
    for rnd_i in range(1, a.kills + 1):
        card.start()
        try:
            reader.wait_card()
        except jrvpcd.VpcdError as e:
            rc = card.proc.poll()
            fail("round %d: jcopsim did not come back on the image (%s, exit %s); see %s"
                 % (rnd_i, e, rc, log))
        boot(reader)
        got = read_area(reader)
        for i in range(SLOTS):
            if got[i] != model[i]:
                if pending is not None and i == pending[0] and got[i] == pending[1]:
                    inflight_new += 1
                    model[i] = got[i]
                    continue
                fail("round %d: slot %04X holds %s, the last acknowledged write was %s"
                     % (rnd_i, AREA + 16 * i, got[i].hex(), model[i].hex()))
        verified_total += SLOTS

        # write until the timer kills the card
        delay = rnd.uniform(0.0, a.max_delay)
        timer = threading.Timer(delay, lambda p=card.proc.pid: os.kill(p, signal.SIGKILL))
        timer.start()
        pending = None
        seq = 0
        try:
            while True:
                slot = rnd.randrange(SLOTS)
                val = struct.pack(">IIQ", rnd_i, seq, rnd.getrandbits(64))
                addr = AREA + 16 * slot
                pending = (slot, val)
                r = reader.transmit(bytes([0xC0, 0xD6, addr >> 8, addr & 0xFF, 16]) + val)
                if r != b"\x90\x00":
                    timer.cancel()
                    fail("round %d: WRITE MEMORY %04X answered %s" % (rnd_i, addr, r.hex()))
                model[slot] = val
                pending = None
                acked_total += 1
                seq += 1
        except jrvpcd.CardGone:
            pass
        timer.join()
        rc = card.wait()
        if rc != -signal.SIGKILL:
            fail("round %d: jcopsim ended with %s, not by our SIGKILL; see %s" % (rnd_i, rc, log))
        reader.drop()

    # the last kill: check once more
    card.start()
    reader.wait_card()
    boot(reader)
    got = read_area(reader)
    for i in range(SLOTS):
        if got[i] != model[i] and not (pending and i == pending[0] and got[i] == pending[1]):
            fail("final: slot %04X holds %s, expected %s" % (AREA + 16 * i, got[i].hex(), model[i].hex()))
    verified_total += SLOTS
    card.stop()
    reader.close()
    # temporary files a killed commit left behind (harmless to correctness: the
    # image is renamed whole; reported so the litter is visible)
    leftovers = [f for f in os.listdir(work) if f not in ("card.img", "jcopsim.log")]
    dt = time.monotonic() - t0
    print("crash_kill: %d SIGKILLs survived, %d acknowledged writes, all present; "
          "%d slot reads checked; %d in-flight writes found applied; %.1f s; "
          "%d temporary files left by killed commits"
          % (a.kills, acked_total, verified_total, inflight_new, dt, len(leftovers)))
    if a.keep:
        print("crash_kill: kept %s" % work)
    else:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
