#!/usr/bin/python3
"""jcopsim against a fake vpcd (no pcscd, no root): the wire protocol as
vpcd-facts.md describes it, checked byte for byte.

The test listens on 127.0.0.1 like vpcd's normal mode; jcopsim connects. It
checks the re-announce (the first 04 of every new link gets an empty frame and
the link is closed), power on / ATR / APDU / warm reset / power off, the ATR of
an unpowered card, volatile state cleared by reset and power-off, a maximum-size
frame, malformed input (truncated frame, empty frame, peer closing mid-frame)
answered by a reconnect and never a crash, the trace file, SIGTERM (exit 0), and
--cut-power-at (exit 4, no answer, the image keeps the old value).

usage: fake_vpcd.py JCOPSIM
JCOPSIM_WRAPPER (optional) runs jcopsim under a tool, e.g. valgrind with
--error-exitcode: any error then shows as a wrong exit code.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import select
import shlex
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

KT = "404142434445464748494A4B4C4D4E4F"
ATR = "3BF81300008131FE454A434F5076323431B7"
# Deadline for each step; under a wrapper (valgrind) on a loaded 2-core machine
# jcopsim needs well over 10 s to start, which made the valgrind run fail at random.
TIMEOUT = 60 if os.environ.get("JCOPSIM_WRAPPER") else 10
WRAPPER = shlex.split(os.environ.get("JCOPSIM_WRAPPER", ""))


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    print("ok: " + what)


class FakeVpcd:
    def __init__(self):
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.srv.settimeout(TIMEOUT)
        self.port = self.srv.getsockname()[1]
        self.conn = None

    def accept(self):
        if self.conn:
            self.conn.close()
        self.conn, _ = self.srv.accept()
        self.conn.settimeout(TIMEOUT)

    def send_raw(self, b):
        self.conn.sendall(b)

    def send(self, payload):
        self.conn.sendall(struct.pack(">H", len(payload)) + payload)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            part = self.conn.recv(n - len(buf))
            if not part:
                return None
            buf += part
        return buf

    def recv_frame(self):
        hdr = self.recv_exact(2)
        if hdr is None:
            return None
        (n,) = struct.unpack(">H", hdr)
        return self.recv_exact(n) if n else b""

    def closed_by_peer(self):
        try:
            return self.conn.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def ctl(self, b):
        self.send(bytes([b]))

    def atr(self):
        self.ctl(4)
        return self.recv_frame()

    def apdu(self, hexs):
        self.send(bytes.fromhex(hexs))
        r = self.recv_frame()
        return r.hex().upper() if r is not None else None

    def announce_cycle(self, what):
        """A new link: the first 04 gets an empty frame, then jcopsim closes and
        reconnects at once."""
        self.accept()
        r = self.atr()
        check(r == b"", what + ": first 04 of a new link answered with an empty frame")
        check(self.closed_by_peer(), what + ": jcopsim closed the announce link")
        self.accept()


def wait_exit(proc, what, code):
    try:
        rc = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise Failure(what + ": jcopsim did not exit")
    check(rc == code, "%s: exit code %d (want %d)" % (what, rc, code))


def session(jcopsim, tmp):
    v = FakeVpcd()
    trace = os.path.join(tmp, "trace.jcsh")
    proc = subprocess.Popen(WRAPPER + [jcopsim, "--memory", "--kt", KT, "--connect", "127.0.0.1:%d" % v.port,
                             "--trace", trace, "-v"], stderr=open(os.path.join(tmp, "log"), "w"))
    try:
        v.announce_cycle("start")
        check(v.atr() == bytes.fromhex(ATR), "unpowered card answers 04 with its cold ATR")
        v.ctl(1)
        check(v.atr() == bytes.fromhex(ATR), "power on, then 04 gives the ATR")
        check(v.apdu("00A4040000") == "6A82", "unfused card, nothing selected: 6A82")
        check(v.apdu("00A4040010" + KT) == "9000", "SELECT by KT: 9000")
        check(v.apdu("00F00000") == "9000", "BOOT: 9000")
        check(v.apdu("C0B0040701") == "059000", "READ GPIN length: 05 9000")
        v.ctl(2)
        check(v.atr() == bytes.fromhex(ATR), "warm reset, then 04 gives the ATR")
        check(v.apdu("00F00000") == "6A82", "BOOT after a warm reset: root applet deselected, 6A82")
        check(v.apdu("00A4040010" + KT) == "9000", "SELECT by KT again")
        v.ctl(0)
        check(v.atr() == bytes.fromhex(ATR), "powered-off card still answers 04")
        check(v.apdu("00F00000") == "6A82", "APDU after power off: implicit power-on, state cleared")
        big = bytes([0xC0, 0xD6, 0x10, 0x00, 0x00]) + struct.pack(">H", 65528) + bytes(65528)
        check(len(big) == 65535, "a 65535-byte frame is built")
        v.send(big)
        r = v.recv_frame()
        check(r is not None and len(r) >= 2, "a maximum-size frame gets an answer (%s)" %
              (r[-2:].hex().upper() if r else None))
        check(v.apdu("00A4040000") is not None, "still serving after it")

        v.send_raw(b"\x00\x05\x00\xA4")  # truncated: the peer closes mid-frame
        v.conn.close()
        v.conn = None
        v.announce_cycle("after a truncated frame")
        v.ctl(1)
        check(v.apdu("00A4040000") == "6A82", "serving again after a truncated frame")
        v.send_raw(b"\x00\x00")  # an empty frame: no vpcd sends it
        check(v.closed_by_peer(), "an empty frame makes jcopsim drop the link")
        v.announce_cycle("after an empty frame")
        v.ctl(1)
        check(v.apdu("00A4040000") == "6A82", "serving again after an empty frame")
        # a 1-byte frame that is no control of vpcd's is a client's C-APDU
        check(v.apdu("7F") == "6700", "a 1-byte frame that is no control is answered 6700")
        check(v.apdu("00A4040000") == "6A82", "serving after a 1-byte C-APDU")
        # a power-off followed by silence is a client's 1-byte C-APDU 00 that vpcd
        # framed as a control: jcopsim drops the link so vpcd's transmit fails
        t0 = time.monotonic()
        v.ctl(0)
        check(v.closed_by_peer() and time.monotonic() - t0 < 8,
              "a lone 00 followed by silence: jcopsim drops the link (after %.1f s)" % (time.monotonic() - t0))
        v.announce_cycle("after a lone power-off")
        v.ctl(1)
        check(v.apdu("00A4040000") == "6A82", "serving again after a lone power-off")
        v.conn.close()  # pcscd going away: jcopsim reconnects by itself
        v.conn = None
        v.announce_cycle("after the peer closed between frames")
        v.ctl(1)
        check(v.apdu("00A4040000") == "6A82", "serving after the reconnect")

        proc.send_signal(signal.SIGTERM)
        wait_exit(proc, "SIGTERM", 0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = open(trace).read().splitlines()
    check(lines[0].startswith("# jcopsim trace"), "trace: header comment")
    check("/atr " + ATR in lines, "trace: /atr line")
    check("/reset" in lines, "trace: /reset line")
    check("/power off" in lines, "trace: /power off line")
    check("/send 00A4040010%s 9000" % KT in lines, "trace: /send with the observed answer")
    check("/send C0B0040701 059000" in lines, "trace: /send with data and SW")
    check(lines[-1] == "/power off" or lines[-1].startswith("#"), "trace: ends powered off")
    for ln in lines:
        ok = ln.startswith("#") or ln in ("/reset", "/power off") or ln.startswith("/atr ") \
            or (ln.startswith("/send ") and len(ln.split()) == 3)
        if not ok:
            raise Failure("trace line outside the script language: " + ln)


def power_cut(jcopsim, tmp):
    img = os.path.join(tmp, "card.img")
    v = FakeVpcd()
    args = WRAPPER + [jcopsim, "--image", img, "--connect", "127.0.0.1:%d" % v.port]
    proc = subprocess.Popen(WRAPPER + [jcopsim, "--new", "--image", img, "--kt", KT, "--connect",
                             "127.0.0.1:%d" % v.port], stderr=subprocess.DEVNULL)
    v.announce_cycle("new image")
    v.ctl(1)
    v.apdu("00A4040010" + KT)
    v.apdu("00F00000")
    check(v.apdu("C0D6500002AAAA") == "9000", "durable write acknowledged")
    proc.send_signal(signal.SIGTERM)
    wait_exit(proc, "SIGTERM after a write", 0)
    proc = subprocess.Popen(args + ["--cut-power-at", "1"], stderr=subprocess.DEVNULL)
    v.announce_cycle("power-cut run")
    v.ctl(1)
    v.apdu("00A4040010" + KT)
    v.apdu("00F00000")
    v.send(bytes.fromhex("C0D6500002BBBB"))
    check(v.recv_frame() is None, "power cut: no answer, link closed")
    wait_exit(proc, "--cut-power-at 1", 4)
    proc = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    v.announce_cycle("after the power cut")
    v.ctl(1)
    v.apdu("00A4040010" + KT)
    v.apdu("00F00000")
    check(v.apdu("C0B0500002") == "AAAA9000", "the image holds the last acknowledged write")
    proc.send_signal(signal.SIGTERM)
    wait_exit(proc, "SIGTERM", 0)


def reversed_mode(jcopsim, tmp):
    """jcopsim --listen: the fake vpcd connects to the card, as vpcd's reversed mode does."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    proc = subprocess.Popen(WRAPPER + [jcopsim, "--memory", "--kt", KT, "--listen", "127.0.0.1:%d" % port],
                            stderr=subprocess.DEVNULL)
    v = FakeVpcd()

    def connect():
        deadline = time.monotonic() + TIMEOUT
        while True:
            s = socket.socket()
            s.settimeout(TIMEOUT)
            try:
                s.connect(("127.0.0.1", port))
                return s
            except ConnectionRefusedError:
                s.close()
                if time.monotonic() > deadline:
                    raise Failure("jcopsim never listened on port %d" % port)
                select.select([], [], [], 0.02)  # poll for the listener, with a deadline

    try:
        v.conn = connect()
        check(v.atr() == b"", "reversed mode: first 04 answered with an empty frame")
        check(v.closed_by_peer(), "reversed mode: the card closed the announce link")
        v.conn = connect()
        v.ctl(1)
        check(v.atr() == bytes.fromhex(ATR), "reversed mode: ATR")
        check(v.apdu("00A4040010" + KT) == "9000", "reversed mode: SELECT by KT")
        proc.send_signal(signal.SIGTERM)
        wait_exit(proc, "reversed mode SIGTERM", 0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    jcopsim = sys.argv[1]
    with tempfile.TemporaryDirectory(dir=os.environ.get("JCOPSIM_TEST_TMP")) as tmp:
        try:
            session(jcopsim, tmp)
            power_cut(jcopsim, tmp)
            reversed_mode(jcopsim, tmp)
        except (Failure, OSError, socket.timeout) as e:
            print("FAIL: %s" % e, file=sys.stderr)
            log = os.path.join(tmp, "log")
            if os.path.exists(log):
                sys.stderr.write(open(log).read()[-3000:])
            return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
