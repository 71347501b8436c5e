"""jrvpcd.py: the reader's side of the vpcd protocol, for the reliability tests.

Where it sits: jcopsim (simulator/daemon) talks to vsmartcard's vpcd inside
pcscd. These tests need no pcscd: this module plays vpcd's part on 127.0.0.1
(normal mode: it listens, jcopsim connects, and reconnects after every drop),
starts and kills jcopsim by PID, and speaks the frames (2-byte big-endian
length + body; 1-byte controls 00 off, 01 on, 02 reset, 04 ATR). It also holds
a host-side SCP02 written from the GlobalPlatform 2.1.1 text with
pycryptodome, independent of the card's C code. Every wait has a deadline.
"""
import os
import select
import signal
import socket
import struct
import subprocess
import time

from Cryptodome.Cipher import DES, DES3


class VpcdError(Exception):
    pass


class CardGone(VpcdError):
    """The card closed the link (killed, power cut) while we waited for an answer."""


def _recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise VpcdError("timeout waiting for the card")
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        try:
            chunk = sock.recv(n - len(buf))
        except (ConnectionResetError, OSError) as e:
            raise CardGone(str(e))
        if not chunk:
            raise CardGone("card closed the link")
        buf += chunk
    return buf


class Reader:
    """One vpcd slot: a listening socket on 127.0.0.1 and the card's current link."""

    def __init__(self, port=0, timeout=10.0):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", port))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.conn = None
        self.timeout = timeout

    def close(self):
        self.drop()
        self.lsock.close()

    def drop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def accept(self, deadline=None):
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise VpcdError("no card connected within the deadline")
            r, _, _ = select.select([self.lsock], [], [], left)
            if r:
                c, _ = self.lsock.accept()
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return c

    def send_frame(self, body):
        try:
            self.conn.sendall(struct.pack(">H", len(body)) + body)
        except OSError as e:
            raise CardGone(str(e))

    def recv_frame(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        (n,) = struct.unpack(">H", _recv_exact(self.conn, 2, deadline))
        return _recv_exact(self.conn, n, deadline) if n else b""

    def wait_card(self, deadline=None):
        """Accept the card, go through its re-announce (first 04 answered with an
        empty frame, then a reconnect), and power it on. Returns the ATR."""
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        self.drop()
        while True:
            self.conn = self.accept(deadline)
            self.send_frame(b"\x04")
            try:
                atr = self.recv_frame()
            except CardGone:
                self.drop()
                continue
            if atr == b"":
                self.drop()  # the re-announce: the card reconnects at once
                continue
            break
        self.send_frame(b"\x01")
        self.send_frame(b"\x04")
        return self.recv_frame()

    def control(self, b):
        self.send_frame(bytes([b]))
        if b == 4:
            return self.recv_frame()
        return None

    def transmit(self, apdu):
        if isinstance(apdu, str):
            apdu = bytes.fromhex(apdu.replace(" ", ""))
        self.send_frame(apdu)
        r = self.recv_frame()
        if len(r) < 2:
            raise VpcdError("answer shorter than a status word: %s" % r.hex())
        return r

    def sw(self, apdu):
        r = self.transmit(apdu)
        return r[-2] << 8 | r[-1]


class Card:
    """A jcopsim process serving IMAGE to a Reader, started and stopped by PID."""

    def __init__(self, jcopsim, image, reader, extra=(), log=None, prefix=()):
        self.jcopsim = jcopsim
        self.prefix = list(prefix)  # e.g. valgrind and its options
        self.image = image
        self.reader = reader
        self.extra = list(extra)
        self.log = log
        self.proc = None

    def start(self, extra=()):
        args = self.prefix + [self.jcopsim, "--image", self.image, "--connect", "127.0.0.1:%d" % self.reader.port,
                "--retry-budget", "20"] + self.extra + list(extra)
        errf = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=errf)
        if self.log:
            errf.close()
        return self.proc

    def kill(self, sig=signal.SIGKILL):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        return self.wait()

    def wait(self, timeout=20):
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise VpcdError("jcopsim %d did not exit within %ss" % (self.proc.pid, timeout))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        return self.wait()


# ---------------------------------------------------------------- SCP02 host
# GP 2.1.1 Appendix E, i=15: session keys by 3DES-CBC of (constant | counter |
# 0^12) under the static key; cryptograms are full-3DES MACs (ISO 9797-1 M2
# padding); C-MAC is the retail MAC (single DES chain, 3DES last block) with
# the ICV encrypted by single DES under the C-MAC key's first half.

def _pad80(b):
    b = b + b"\x80"
    while len(b) % 8:
        b += b"\x00"
    return b


def _3des_cbc(key, data, iv=b"\x00" * 8):
    return DES3.new(key, DES3.MODE_CBC, iv).encrypt(data)


def full_mac(key, data):
    return _3des_cbc(key, _pad80(data))[-8:]


def retail_mac(key, data, iv):
    d = _pad80(data)
    k1, k2 = key[:8], key[8:]
    h = iv
    for i in range(0, len(d) - 8, 8):
        h = DES.new(k1, DES.MODE_ECB).encrypt(bytes(a ^ b for a, b in zip(h, d[i:i + 8])))
    last = bytes(a ^ b for a, b in zip(h, d[-8:]))
    h = DES.new(k1, DES.MODE_ECB).encrypt(last)
    h = DES.new(k2, DES.MODE_ECB).decrypt(h)
    return DES.new(k1, DES.MODE_ECB).encrypt(h)


def kcv(key):
    return DES3.new(key, DES3.MODE_ECB).encrypt(b"\x00" * 8)[:3]


class Scp02:
    """Host side of one SCP02 session over a Reader."""

    def __init__(self, reader, enc, mac, dek):
        self.r = reader
        self.keys = (enc, mac, dek)
        self.level = None
        self.icv = None

    def open(self, level=1, kvn=0, host_chal=bytes(range(1, 9))):
        r = self.r.transmit(bytes([0x80, 0x50, kvn, 0x00, 0x08]) + host_chal + b"\x00")
        return self.open_from(r, level, host_chal)

    def open_from(self, r, level, host_chal):
        """EXTERNAL AUTHENTICATE after an INITIALIZE UPDATE the caller sent with
        host_chal and whose answer is r."""
        if len(r) != 30 or r[-2:] != b"\x90\x00":
            raise VpcdError("INITIALIZE UPDATE answered %s" % r.hex())
        counter, card_chal, card_crypt = r[12:14], r[14:20], r[20:28]
        enc, mac, dek = self.keys

        def derive(k, const):
            return _3des_cbc(k, const + counter + b"\x00" * 12)

        self.s_enc = derive(enc, b"\x01\x82")
        self.s_mac = derive(mac, b"\x01\x01")
        self.s_dek = derive(dek, b"\x01\x81")
        if full_mac(self.s_enc, host_chal + counter + card_chal) != card_crypt:
            raise VpcdError("card cryptogram does not verify: wrong keys")
        host_crypt = full_mac(self.s_enc, counter + card_chal + host_chal)
        hdr = bytes([0x84, 0x82, level, 0x00, 0x10])
        cmac = retail_mac(self.s_mac, hdr + host_crypt, b"\x00" * 8)
        self.icv = cmac
        self.level = level
        return self.r.sw(hdr + host_crypt + cmac)

    def wrap(self, apdu):
        """Wrap a short case-3/4 APDU at level 01 (C-MAC); level 03 encrypts too."""
        if isinstance(apdu, str):
            apdu = bytes.fromhex(apdu.replace(" ", ""))
        cla, ins, p1, p2 = apdu[:4]
        lc = apdu[4] if len(apdu) > 5 else 0
        data = apdu[5:5 + lc] if len(apdu) > 5 else b""
        le = apdu[5 + lc:] if len(apdu) > 5 + lc else b""
        if self.level == 0:
            return apdu
        icv = DES.new(self.s_mac[:8], DES.MODE_ECB).encrypt(self.icv)
        hdr = bytes([cla | 0x04, ins, p1, p2, lc + 8])
        mac = retail_mac(self.s_mac, hdr + data, icv)
        self.icv = mac
        if self.level == 3 and data:
            data = _3des_cbc(self.s_enc, _pad80(data))
            hdr = bytes([cla | 0x04, ins, p1, p2, len(data) + 8])
        return hdr + data + mac + le

    def send(self, apdu):
        return self.r.transmit(self.wrap(apdu))

    def put_key_apdu(self, old_kvn, new_kvn, keys):
        body = bytes([new_kvn])
        for k in keys:
            body += b"\x80\x10" + DES3.new(self.s_dek, DES3.MODE_ECB).encrypt(k) + b"\x03" + kcv(k)
        return bytes([0x80, 0xD8, old_kvn, 0x81, len(body)]) + body + b"\x00"


def image_flags(path):
    """The flags byte of a card image (jc_image.c: magic 8, version 2, profile 24, kt 16)."""
    with open(path, "rb") as f:
        return f.read()[50]
