#!/usr/bin/python3
"""jt_scp02_l3.py: a level-03 SCP02 session transcript made with pycryptodome,
independently of the card's code, for jcop-explain's --key test.

The session opening is the published trace of jcop-facts.md §4 (keys 40..4F,
host challenge EBAA9E53C696281B, counter 06A1). After it comes a PUT KEY
adding key set 01 with keys given on the command line, its key blocks
encrypted with the session DEK and the whole data field with C-DEC (S-ENC,
3DES-CBC, ICV 0, padding 80 00..). The C-MAC bytes are placeholders: the
explainer does not check MACs. Output: the harness's '=> / <=' form, wire only.
usage: jt_scp02_l3.py NEWKEY_HEX [BAD]   (BAD: corrupt the first KCV)
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import sys

from Cryptodome.Cipher import DES3

STATIC = bytes.fromhex("404142434445464748494A4B4C4D4E4F")
COUNTER = bytes.fromhex("06A1")


def derive(const):
    return DES3.new(STATIC, DES3.MODE_CBC, iv=bytes(8)).encrypt(bytes.fromhex(const) + COUNTER + bytes(12))


def kcv(key):
    return DES3.new(key, DES3.MODE_ECB).encrypt(bytes(8))[:3]


def main():
    new = bytes.fromhex(sys.argv[1])
    bad = len(sys.argv) > 2
    s_enc, s_dek = derive("0182"), derive("0181")
    blocks = b""
    for i in range(3):
        enc_key = DES3.new(s_dek, DES3.MODE_ECB).encrypt(new)
        check = kcv(new)
        if bad and i == 0:
            check = bytes([check[0] ^ 0xFF]) + check[1:]
        blocks += b"\x80\x10" + enc_key + b"\x03" + check
    plain = b"\x01" + blocks
    padded = plain + b"\x80" + bytes((8 - (len(plain) + 1) % 8) % 8)
    cdec = DES3.new(s_enc, DES3.MODE_CBC, iv=bytes(8)).encrypt(padded)
    wire = bytes([0x84, 0xD8, 0x00, 0x81, len(cdec) + 8]) + cdec + bytes(8) + b"\x00"
    print("=> 00A4040008A000000003000000")
    print("<= 6F108408A000000003000000A5049F6501FF9000")
    print("=> 8050000008EBAA9E53C696281B00")
    print("<= 000074746E6E6E626262010206A15086BBEE58F467149061DA4B6EAE9000")
    print("=> 848203001005814C116071EB67D8BA9D9879454564")
    print("<= 9000")
    print("=> " + wire.hex().upper())
    print("<= 01" + (kcv(new).hex().upper() * 3) + "9000")


main()
