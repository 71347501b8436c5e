#!/usr/bin/python3
"""security.py: the security promises of simulator/THREAT-MODEL.md, checked.

Where it sits: beside crash_kill.py and power_cut.py, it drives jcopsim over
the vpcd protocol on 127.0.0.1 (jrvpcd.py, no pcscd) and checks, one case
each (a table of named checks, all run, failures listed):
  loopback-default   with no address jcopsim connects to 127.0.0.1, no warning
  listen-loopback    --listen 127.0.0.1:P binds 127.0.0.1 only (/proc/net/tcp)
  warn-nonloopback   --connect / --listen on a non-loopback address warns
  image-0600         a new image and a --trace file are 0600 under umask 000; the
                     image stays 0600 after commits
  tools-0600         jcop-image new and jcop-prepers backup files are 0600 (when built)
  fuse-flag-cleared  a fused image with the fuse flag cleared by hand is refused
                     (exit 3, file unchanged); with the digest recomputed too
                     (a forger's edit) it is refused by the consistency check
  no-unfuse-option   no option of jcopsim or jcop-image mentions un-fusing; --new
                     never overwrites an image; --memory on a fused image stays fused
  bounded-trickle    a peer that announces a 65535-byte frame and trickles bytes:
                     RSS stays bounded, the frame deadline drops the link, the
                     card comes back and answers
  bounded-garbage    random bytes and random frames (up to 65535 bytes): RSS
                     bounded, the daemon survives and serves a clean session
  listen-flood       --listen: 200 peers at once sending garbage; RSS bounded, a
                     clean peer is served afterwards
  ct-compare         the core compares the transport key, cryptograms, MACs and
                     KCVs with its constant-time helpers (no memcmp on secrets)

usage: security.py --jcopsim PATH --source DIR [--jcop-image PATH] [--jcop-prepers PATH]
                   [--only NAMES] [--skip NAMES]
exit 0 all held, 1 a check failed, 3 environment.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import hashlib
import os
import random
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jrvpcd  # noqa: E402

KT = "404142434445464748494A4B4C4D4E4F"
FLAGS_OFF = 50  # jc_image.c: magic 8 | version 2 | profile 24 | kt 16 | flags


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Env:
    def __init__(self, a):
        self.a = a
        self.work = tempfile.mkdtemp(prefix="jcopsim-sec-")
        self.n = 0

    def path(self, name):
        return os.path.join(self.work, name)

    def new_image(self, name, fused=False):
        """A new image (optionally fused through the vpcd protocol); returns its path."""
        img = self.path(name)
        r = jrvpcd.Reader()
        c = jrvpcd.Card(self.a.jcopsim, img, r, log=self.path("jcopsim.log"))
        c.start(["--new", "--kt", KT])
        try:
            r.wait_card()
            if fused:
                for apdu in ("00A4040010" + KT, "00F00000", "00100000", "00000000"):
                    check(r.sw(apdu) == 0x9000, "%s failed while fusing" % apdu)
        finally:
            c.stop()
            r.close()
        return img

    def jcopsim(self, args, timeout=10):
        return subprocess.run([self.a.jcopsim] + args, capture_output=True, text=True, timeout=timeout)


def t_loopback_default(e):
    # jcopsim's default is 127.0.0.1:35963; give only the port so the host is the default.
    r = jrvpcd.Reader()
    img = e.new_image("lo.img")
    p = subprocess.Popen([e.a.jcopsim, "--image", img, "--port", str(r.port), "--retry-budget", "5"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        conn = r.accept()
        peer = conn.getpeername()[0]
        conn.close()
        check(peer == "127.0.0.1", "default connection came from %s" % peer)
    finally:
        p.terminate()
        _, err = p.communicate(timeout=10)
        r.close()
    check("warning" not in err, "warning on the default address: %s" % err.strip())


def t_listen_loopback(e):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    img = e.new_image("listen.img")
    p = subprocess.Popen([e.a.jcopsim, "--image", img, "--listen", "127.0.0.1:%d" % port],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        found = None
        while time.monotonic() < deadline and found is None:
            with open("/proc/net/tcp") as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    addr, st = fields[1], fields[3]
                    ip, prt = addr.split(":")
                    if int(prt, 16) == port and st == "0A":  # LISTEN
                        found = ip
            if found is None:
                time.sleep(0.02)
        check(found is not None, "jcopsim --listen never listened on port %d" % port)
        check(found == "0100007F", "jcopsim --listen bound %s, not 127.0.0.1" % found)
    finally:
        p.terminate()
        _, err = p.communicate(timeout=10)
    check("warning" not in err, "warning for a loopback listen: %s" % err.strip())


def t_warn_nonloopback(e):
    for args in (["--connect", "192.0.2.1:9"], ["--listen", "0.0.0.0:0"]):
        r = e.jcopsim(["--memory", "--retry-budget", "1"] + args, timeout=15) \
            if args[0] == "--connect" else None
        if r is None:
            p = subprocess.Popen([e.a.jcopsim, "--memory", "--listen", "0.0.0.0:%d" % free_port()],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(0)  # the warning is printed before the first wait
            try:
                err = read_until(p.stderr, "warning", 10)
            finally:
                p.terminate()
                p.communicate(timeout=10)
        else:
            err = r.stderr
        check(re.search(r"warning.*not a loopback", err) is not None,
              "no warning for %s: %r" % (" ".join(args), err))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def read_until(stream, word, timeout):
    out = []
    result = {}

    def reader():
        for line in stream:
            out.append(line)
            if word in line:
                break
        result["done"] = True

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    t.join(timeout)
    return "".join(out)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def t_image_0600(e):
    old = os.umask(0)
    try:
        img = e.new_image("mode.img")
        check(mode_of(img) == 0o600, "new image mode %o" % mode_of(img))
        r = jrvpcd.Reader()
        c = jrvpcd.Card(e.a.jcopsim, img, r)
        trace = e.path("session.jcsh")
        c.start(["--trace", trace])
        try:
            r.wait_card()
            check(mode_of(trace) == 0o600, "--trace file mode %o" % mode_of(trace))
            r.sw("00A4040010" + KT)
            r.sw("00F00000")
            check(r.sw("C0D6500004DEADBEEF") == 0x9000, "WRITE failed")
        finally:
            c.stop()
            r.close()
        check(mode_of(img) == 0o600, "image mode after a commit %o" % mode_of(img))
    finally:
        os.umask(old)


def t_tools_0600(e):
    old = os.umask(0)
    try:
        ran = []
        if e.a.jcop_image:
            out = e.path("tool.img")
            r = subprocess.run([e.a.jcop_image, "new", "--kt", KT, "--seed", "1", out],
                               capture_output=True, text=True, timeout=30)
            check(r.returncode == 0, "jcop-image new failed: %s" % r.stderr.strip())
            check(mode_of(out) == 0o600, "jcop-image new made mode %o" % mode_of(out))
            ran.append("jcop-image")
            if e.a.jcop_prepers:
                bk = e.path("backup.txt")
                r = subprocess.run([e.a.jcop_prepers, "backup", "--image", out, "--kt", KT, "--out", bk],
                                   capture_output=True, text=True, timeout=30)
                check(r.returncode == 0, "jcop-prepers backup failed: %s" % (r.stderr or r.stdout).strip())
                check(mode_of(bk) == 0o600, "jcop-prepers backup made mode %o" % mode_of(bk))
                ran.append("jcop-prepers backup")
        return "checked: " + (", ".join(ran) if ran else "no tool built")
    finally:
        os.umask(old)


def t_fuse_flag_cleared(e):
    fused = e.new_image("fused.img", fused=True)
    data = open(fused, "rb").read()
    check(data[FLAGS_OFF] & 0x02, "the fused image has no fuse flag at offset %d" % FLAGS_OFF)
    # 1. by hand: clear the flag, leave the digest
    naive = bytearray(data)
    naive[FLAGS_OFF] &= ~0x02 & 0xFF
    p = e.path("naive.img")
    open(p, "wb").write(naive)
    r = e.jcopsim(["--image", p, "--memory", "--retry-budget", "1"])
    check(r.returncode == 3, "jcopsim accepted a hand-edited image (exit %d)" % r.returncode)
    check(open(p, "rb").read() == bytes(naive), "jcopsim changed the refused image")
    # 2. a forger: clear the flag and recompute the SHA-256 (the last 32 bytes)
    forged = bytearray(naive)
    forged[-32:] = hashlib.sha256(bytes(forged[:-32])).digest()
    p2 = e.path("forged.img")
    open(p2, "wb").write(forged)
    r = e.jcopsim(["--image", p2, "--memory", "--retry-budget", "1"])
    check(r.returncode == 3, "jcopsim accepted a fused image whose flag was cleared and digest "
                             "recomputed (exit %d): the GP state must refuse it" % r.returncode)
    # 3. the refused files are also refused by jcop-image show
    if e.a.jcop_image:
        for q in (p, p2):
            r = subprocess.run([e.a.jcop_image, "show", q], capture_output=True, text=True, timeout=30)
            check(r.returncode == 3, "jcop-image show accepted %s (exit %d)" % (q, r.returncode))


def t_no_unfuse_option(e):
    # "unfused" (a new card is unfused) is fine; an option to un-fuse is not.
    words = re.compile(r"\b(un-?fuse|de-?fuse|refuse)\b|\b(clear|reset|undo|revert)\w*\b.*\bfuse", re.I)
    helps = [("jcopsim", e.jcopsim(["--help"]).stdout)]
    if e.a.jcop_image:
        helps.append(("jcop-image", subprocess.run([e.a.jcop_image, "--help"], capture_output=True,
                                                   text=True, timeout=10).stdout))
    for name, text in helps:
        check(len(text) > 100, "%s --help printed nothing" % name)
        for line in text.splitlines():
            check(not words.search(line), "%s --help offers: %s" % (name, line.strip()))
    fused = e.new_image("fused2.img", fused=True)
    before = open(fused, "rb").read()
    r = e.jcopsim(["--new", "--image", fused, "--retry-budget", "1"])
    check(r.returncode != 0, "jcopsim --new over an existing image succeeded")
    check(open(fused, "rb").read() == before, "jcopsim --new changed an existing image")
    if e.a.jcop_image:
        r = subprocess.run([e.a.jcop_image, "new", fused], capture_output=True, text=True, timeout=10)
        check(r.returncode != 0, "jcop-image new overwrote an existing image")
        check(open(fused, "rb").read() == before, "jcop-image new changed an existing image")
    # a memory-only run of a fused image is fused
    rd = jrvpcd.Reader()
    p = subprocess.Popen([e.a.jcopsim, "--image", fused, "--memory", "--connect",
                          "127.0.0.1:%d" % rd.port], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rd.wait_card()
        ident = rd.transmit("00A4040009A000000167413000FF")
        check(len(ident) > 15 and ident[14] == 1, "IDENTIFY of a fused image in memory: %s" % ident.hex())
        check(rd.sw("00A4040010" + KT) == 0x6A82, "the KT still selects on a fused card")
    finally:
        p.terminate()
        p.wait(10)
        rd.close()


def serve_probe(r):
    """After the peer misbehaved: the card comes back and answers a clean session."""
    r.wait_card()
    check(r.sw("00A4040010" + KT) == 0x9000, "SELECT KT failed after the attack")
    check(r.sw("00F00000") == 0x9000, "BOOT failed after the attack")


def t_bounded_trickle(e):
    img = e.new_image("trickle.img")
    r = jrvpcd.Reader(timeout=20)
    c = jrvpcd.Card(e.a.jcopsim, img, r, log=e.path("jcopsim.log"))
    c.start()
    try:
        r.wait_card()
        base = rss_kb(c.proc.pid)
        peak = base
        r.conn.sendall(b"\xff\xff")  # a 65535-byte frame announced
        t0 = time.monotonic()
        dropped = False
        sent = 0
        while time.monotonic() - t0 < 15:
            try:
                r.conn.sendall(os.urandom(64))
                sent += 64
            except OSError:
                dropped = True
                break
            peak = max(peak, rss_kb(c.proc.pid))
            rr, _, _ = __import__("select").select([r.conn], [], [], 0.2)
            if rr and r.conn.recv(1) == b"":
                dropped = True
                break
        check(c.proc.poll() is None, "jcopsim died under a trickling peer (exit %s)" % c.proc.poll())
        check(dropped, "jcopsim kept a trickling frame open for 15 s (no frame deadline)")
        check(peak - base < 4096, "RSS grew by %d kB under a trickling peer" % (peak - base))
        serve_probe(r)
        return "trickled %d bytes; dropped after %.1f s; RSS %d kB -> peak %d kB" % (
            sent, time.monotonic() - t0, base, peak)
    finally:
        c.stop()
        r.close()


def t_bounded_garbage(e):
    img = e.new_image("garbage.img")
    r = jrvpcd.Reader(timeout=20)
    c = jrvpcd.Card(e.a.jcopsim, img, r, log=e.path("jcopsim.log"))
    c.start()
    rnd = random.Random(8)
    total = 0
    try:
        r.wait_card()
        base = rss_kb(c.proc.pid)
        peak = base
        for round_i in range(40):
            # random frames (some huge), then raw random bytes; drain answers meanwhile
            stop = threading.Event()

            def drain(sock):
                try:
                    while not stop.is_set():
                        rr, _, _ = __import__("select").select([sock], [], [], 0.05)
                        if rr and not sock.recv(65536):
                            return
                except OSError:
                    return

            t = threading.Thread(target=drain, args=(r.conn,), daemon=True)
            t.start()
            try:
                for _ in range(20):
                    n = rnd.choice([1, 2, 4, 5, 300, 4096, 65535])
                    body = bytes(rnd.getrandbits(8) for _ in range(min(n, 64))) + b"\x00" * max(0, n - 64)
                    r.conn.sendall(struct.pack(">H", n) + body)
                    total += n + 2
                    peak = max(peak, rss_kb(c.proc.pid))
                junk = os.urandom(rnd.randrange(1, 200000))
                r.conn.sendall(junk)
                total += len(junk)
            except OSError:
                pass  # the card dropped the link: it reconnects
            stop.set()
            t.join()
            peak = max(peak, rss_kb(c.proc.pid))
            check(c.proc.poll() is None, "jcopsim died on garbage (round %d, exit %s)" % (round_i, c.proc.poll()))
            r.wait_card()  # accept its reconnection (after a drop) or a fresh link
        check(peak - base < 8192, "RSS grew by %d kB under garbage" % (peak - base))
        serve_probe(r)
        return "%d bytes of garbage in 40 rounds; RSS %d kB -> peak %d kB" % (total, base, peak)
    finally:
        c.stop()
        r.close()


def t_listen_flood(e):
    """--listen: 200 peers connect at once and send garbage; jcopsim serves them
    one at a time, keeps bounded memory, and a clean peer is served at the end."""
    port = free_port()
    img = e.new_image("flood.img")
    p = subprocess.Popen([e.a.jcopsim, "--image", img, "--listen", "127.0.0.1:%d" % port],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socks = []
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                first = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                check(time.monotonic() < deadline, "jcopsim --listen never accepted")
                time.sleep(0.02)
        first.close()
        base = rss_kb(p.pid)
        peak = base
        # non-blocking connects: jcopsim's backlog is 1, the rest wait in the
        # kernel (SYN queue), which is the bounded behaviour we want
        for i in range(200):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            socks.append(s)
        time.sleep(0.2)
        garbage = 0
        for i, s in enumerate(socks):
            try:
                garbage += s.send(os.urandom(4096) if i % 2 else b"\x00\x00" + os.urandom(100))
            except OSError:
                pass
            peak = max(peak, rss_kb(p.pid))
        for s in socks:
            s.close()
        socks = []
        # a clean peer: the re-announce (empty 04 answer, close), then a session
        deadline = time.monotonic() + 30
        served = False
        while not served and time.monotonic() < deadline:
            peak = max(peak, rss_kb(p.pid))
            check(p.poll() is None, "jcopsim died under a connection flood (exit %s)" % p.poll())
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                continue
            try:
                s.sendall(b"\x00\x01\x04")
                hdr = s.recv(2)
                if len(hdr) == 2 and hdr != b"\x00\x00":
                    served = True
            except OSError:
                pass
            finally:
                s.close()
        check(served, "no clean session served within 30 s after the flood")
        check(peak - base < 8192, "RSS grew by %d kB under a connection flood" % (peak - base))
        return "200 peers, %d bytes of garbage; RSS %d kB -> peak %d kB; a clean peer served after" % (
            garbage, base, peak)
    finally:
        for s in socks:
            s.close()
        p.terminate()
        p.wait(10)


def t_ct_compare(e):
    core = os.path.join(e.a.source, "simulator", "core")
    secret = re.compile(r"\b(kt|mac|cmac|crypt\w*|cryptogram|kcv\w*|key\w*|pin|gpin|host_crypt)\b", re.I)
    bad = []
    for fn in sorted(os.listdir(core)):
        if not fn.endswith(".c"):
            continue
        for no, line in enumerate(open(os.path.join(core, fn)), 1):
            for m in re.finditer(r"\b(memcmp|strcmp|strncmp|bcmp)\s*\(([^;]*)", line):
                if secret.search(m.group(2)):
                    bad.append("%s:%d: %s" % (fn, no, line.strip()))
    check(not bad, "non-constant-time compare of a secret:\n  " + "\n  ".join(bad))


CHECKS = [
    ("loopback-default", t_loopback_default),
    ("listen-loopback", t_listen_loopback),
    ("warn-nonloopback", t_warn_nonloopback),
    ("image-0600", t_image_0600),
    ("tools-0600", t_tools_0600),
    ("fuse-flag-cleared", t_fuse_flag_cleared),
    ("no-unfuse-option", t_no_unfuse_option),
    ("bounded-trickle", t_bounded_trickle),
    ("bounded-garbage", t_bounded_garbage),
    ("listen-flood", t_listen_flood),
    ("ct-compare", t_ct_compare),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jcopsim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--jcop-image", default="")
    ap.add_argument("--jcop-prepers", default="")
    ap.add_argument("--only", default="", help="comma-separated check names")
    ap.add_argument("--skip", default="", help="comma-separated check names")
    a = ap.parse_args()
    if not os.access(a.jcopsim, os.X_OK):
        print("security: jcopsim not found at %s" % a.jcopsim)
        return 3
    e = Env(a)
    failed = []
    for name, fn in CHECKS:
        if (a.only and name not in a.only.split(",")) or name in a.skip.split(","):
            continue
        try:
            note = fn(e)
            print("ok   %s%s" % (name, (": " + note) if note else ""))
        except (Failed, jrvpcd.VpcdError, subprocess.TimeoutExpired, OSError) as x:
            print("FAIL %s: %s" % (name, x))
            failed.append(name)
    if failed:
        print("security: %d check(s) failed: %s; files kept in %s" % (len(failed), ", ".join(failed), e.work))
        return 1
    shutil.rmtree(e.work)
    print("security: all checks held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
