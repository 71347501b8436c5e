#!/usr/bin/python3
"""Independent SCP02 (i=15) host computation with python3-pycryptodome.

Written from the GlobalPlatform 2.1.1 Appendix E description only, without
looking at the card's C code. It replays the published level-01 and level-03
traces of jcop-facts.md section 4 (keys 40..4F), checks them, and prints the
wrapped bytes of level-03 commands, for which no published vector exists.
simulator/tests/test_scp02.c carries this output as its expected bytes.

Run: /usr/bin/python3 testcases/gp-host/scp02_vectors.py
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import sys

from Cryptodome.Cipher import DES, DES3

KEY = bytes(range(0x40, 0x50))


def des3_cbc(key, data, iv=bytes(8)):
    # DES3 refuses K1 == K2; such keys only occur for the single-DES steps.
    return DES3.new(key, DES3.MODE_CBC, iv=iv).encrypt(data)


def pad(data):
    data = data + b"\x80"
    while len(data) % 8:
        data += b"\x00"
    return data


def full_mac(key, data):
    return des3_cbc(key, pad(data))[-8:]


def retail_mac(key, data, iv=bytes(8)):
    data = pad(data)
    k1 = DES.new(key[:8], DES.MODE_ECB)
    chain = iv
    for i in range(0, len(data) - 8, 8):
        chain = k1.encrypt(bytes(a ^ b for a, b in zip(chain, data[i:i + 8])))
    last = bytes(a ^ b for a, b in zip(chain, data[-8:]))
    return DES3.new(key, DES3.MODE_ECB).encrypt(last)


def session_key(key, const, counter):
    return des3_cbc(key, const + counter + bytes(12))


class Host:
    def __init__(self, keys, host_chal, iu_resp):
        enc, mac, dek = keys
        self.counter = iu_resp[12:14]
        self.card_chal = iu_resp[14:20]
        self.host_chal = host_chal
        self.s_enc = session_key(enc, b"\x01\x82", self.counter)
        self.c_mac = session_key(mac, b"\x01\x01", self.counter)
        self.dek = session_key(dek, b"\x01\x81", self.counter)
        card = full_mac(self.s_enc, host_chal + self.counter + self.card_chal)
        if card != iu_resp[20:28]:
            raise ValueError("card cryptogram mismatch")
        self.last_mac = None

    def ext_auth(self, level):
        crypt = full_mac(self.s_enc, self.counter + self.card_chal + self.host_chal)
        hdr = bytes([0x84, 0x82, level, 0x00, 0x10])
        mac = retail_mac(self.c_mac, hdr + crypt)
        self.last_mac = mac
        self.level = level
        return hdr + crypt + mac

    def wrap(self, apdu):
        cla, ins, p1, p2 = apdu[:4]
        data, le = b"", b""
        if len(apdu) == 5:
            le = apdu[4:5]
        elif len(apdu) > 5:
            lc = apdu[4]
            data = apdu[5:5 + lc]
            le = apdu[5 + lc:]
        icv = DES.new(self.c_mac[:8], DES.MODE_ECB).encrypt(self.last_mac)
        hdr = bytes([(cla & 0xFC) | 0x04, ins, p1, p2, len(data) + 8])
        mac = retail_mac(self.c_mac, hdr + data, icv)
        self.last_mac = mac
        body = data
        if self.level == 3 and data:
            body = des3_cbc(self.s_enc, pad(data))
        return bytes([cla | 0x04, ins, p1, p2, len(body) + 8]) + body + mac + le


def h(s):
    return bytes.fromhex(s.replace(" ", ""))


def main():
    keys = (KEY, KEY, KEY)
    # Published level-01 trace: check the host reproduces it.
    host = Host(keys, h("D5AD539A60CA5E72"),
                h("000074746E6E6E626262 0102 069F AA2A0591E733 67DD78794D04315E"))
    assert host.ext_auth(1) == h("8482010010 7C799B3C771DBAE6 BEF49310977617BA")
    assert host.wrap(h("80F22002024F0000")) == h("84F220020A4F00BB6E71C0EFCFCF0D00")
    # Published level-03 trace.
    host = Host(keys, h("EBAA9E53C696281B"),
                h("000074746E6E6E626262 0102 06A1 5086BBEE58F4 67149061DA4B6EAE"))
    assert host.s_enc == h("590D31AD3295B85CD5F8056246F03212")
    assert host.ext_auth(3) == h("8482030010 05814C116071EB67 D8BA9D9879454564")
    # No published vector from here on: wrapped level-03 commands.
    cmds = [
        "80F22002024F0000",          # GET STATUS P1=20, TLV, data 4F00, Le
        "80F28000024F00",            # GET STATUS P1=80, no Le
        "80CA006600",                # GET DATA, no data: not encrypted
        "80E60C00" "20" "07A0000000620101" "08A000000062010101" "08A000000062010101" "01" "00" "02" "C900" "00",
        "80F0800F",                  # SET STATUS, case 1
    ]
    for c in cmds:
        print(c.upper(), host.wrap(h(c)).hex().upper())
    # DEK encryption of key 40..4F under the level-03 session DEK (PUT KEY).
    print("DEK", host.dek.hex().upper(),
          DES3.new(host.dek, DES3.MODE_ECB).encrypt(KEY).hex().upper())
    # i=55: the pseudo-random card challenge (GP 2.2.1 E.4.2.3): the six leftmost
    # bytes of the retail MAC, with the C-MAC session key of the counter, over the
    # padded AID of the application opening the channel (the ISD).
    for aid, counter, want in (("A000000003000000", "0000", "3D029C31C789"),
                               ("A000000003000000", "0001", "6C7FFC113FB9"),
                               ("A000000003000000", "0002", "598DD3961BFD"),
                               ("A000000003000000", "069F", "A9265B1A3A64"),
                               ("A000000151000000", "0000", "8BA2FFCEA96C"),
                               ("A000000151000000", "0001", "3C2B9786B83B")):
        chal = retail_mac(session_key(KEY, b"\x01\x01", h(counter)), h(aid))[:6]
        assert chal == h(want), (aid, counter, chal.hex())
        print("PSEUDO", aid, counter, chal.hex().upper())
    return 0


if __name__ == "__main__":
    sys.exit(main())
