#!/usr/bin/python3
"""Signatures made by an applet on the card, checked by an independent implementation, through pcscd.

Run inside tools/rig/jcop-rig on a NEW J2E145 card (JCOP 2.4.2 R3: the profile with
ALG_RSA_SHA_256_PKCS1 and ALG_ECDSA_SHA_256; JCOP 2.4.1 has neither). The host is independent of
the card's code: PC/SC from pyscard, SCP02 from this folder's pycryptodome host (gp_host.py,
scp02_vectors.py), and every signature is verified with Debian's python3-cryptography (OpenSSL
behind Python's API, not the simulator's engine). Steps:

1. pre-personalize and FUSE the card (keys 40..4F; irreversible: needs --allow-irreversible);
2. `jcop-cap asm` of the project's applet cryptokat.jca, then over SCP02 (C-MAC): INSTALL [for
   load], LOAD, INSTALL [for install and make selectable];
3. RSA-2048: the applet generates a KeyPair(ALG_RSA_CRT, 2048), signs a host-chosen random message
   with ALG_RSA_SHA_256_PKCS1 and exports the modulus and exponent; the host verifies, and checks
   that a changed message and a changed signature do NOT verify; a second message signed by the
   kept Signature object verifies too;
4. P-256: the applet builds its own EC F(p) keys and sets the P-256 domain parameters (FIPS 186-4
   D.1.2.3, sent by the host: setFieldFP, setA, setB, setG, setR, setK), generates the pair over
   them, signs with ALG_ECDSA_SHA_256 and exports W; the signature must be strict ASN.1 DER
   (SEQUENCE of two INTEGERs, re-encoding gives the same bytes), verify under W on the named curve
   P-256, and not verify for a changed message;
5. ECDH through the applet: KeyAgreement ALG_EC_SVDP_DH_PLAIN of the card's private key with a
   host key equals the host's own ECDH with the card's W;
6. ISO 9796-2: the applet signs with ALG_RSA_SHA_ISO9796 under a new RSA-2048 CRT pair; the host
   opens the signature with the public key (Python's pow, s^e mod n) and checks the ISO/IEC
   9796-2 scheme 1 representative: 6A || first 234 bytes of the message || SHA-1 || BC for a
   long message, 4B BB.. BA || message || SHA-1 || BC for a short one.

Exit 0 when every check held, 1 at the first failed one, 2 usage, 3 without a reader.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gp_host import Failure, Reader, TEST_KEYS, prepersonalize  # noqa: E402

ISD_J2E145 = "A000000151000000"
PKG = "F06A636F7073696D43"
APP = "F06A636F7073696D4301"
# CAP components in the order of the Load File Data Block (JCVM 2.2.2 section 6.1):
# Header, Directory, Import, Applet, Class, Method, Static Field, Export, Constant Pool,
# Reference Location (Descriptor and Debug are not loaded).
LOAD_ORDER = ["Header", "Directory", "Import", "Applet", "Class", "Method", "StaticField", "Export",
              "ConstantPool", "RefLocation"]

# P-256 domain parameters (FIPS 186-4 D.1.2.3), in the form ECKey's setters take.
P256 = {
    1: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",  # setFieldFP: p
    2: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",  # setA: p - 3
    3: "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",  # setB
    4: "04" "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
       "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",  # setG: uncompressed
    5: "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",  # setR: order n
}
KEYPAIR_RSA_CRT, KEYPAIR_EC_FP = 2, 5
SIG_RSA_SHA_256_PKCS1, SIG_ECDSA_SHA_256 = 40, 33
KA_EC_SVDP_DH_PLAIN = 3
SIG_RSA_SHA_ISO9796 = 9


def load_file(jcop_cap, jca):
    """Assemble the applet with jcop-cap and return its Load File Data Block."""
    with tempfile.TemporaryDirectory() as d:
        cap = os.path.join(d, "cryptokat.cap")
        subprocess.run([jcop_cap, "asm", "-o", cap, jca], check=True, timeout=60)
        with zipfile.ZipFile(cap) as z:
            names = {n.rsplit("/", 1)[-1]: n for n in z.namelist()}
            return b"".join(z.read(names[c + ".cap"]) for c in LOAD_ORDER if c + ".cap" in names)


def install(r, lfdb):
    keys = (TEST_KEYS,) * 3
    r.tx("00A4040000", "*9000", "SELECT ISD")
    if r.auth(keys, 0x01) != "9000":
        raise Failure("SCP02 level 01 with keys 40..4F")
    body = "%02X%s%02X%s000000" % (len(PKG) // 2, PKG, len(ISD_J2E145) // 2, ISD_J2E145)
    r.tx("80E60200%02X%s00" % (len(body) // 2, body), "009000", "INSTALL [for load]")
    n = len(lfdb)
    lf = b"\xC4" + (bytes([n]) if n < 128 else b"\x81" + bytes([n]) if n < 256 else b"\x82" + n.to_bytes(2, "big")) + lfdb
    blocks = [lf[i:i + 200] for i in range(0, len(lf), 200)]
    for i, b in enumerate(blocks):
        p1 = 0x80 if i == len(blocks) - 1 else 0x00
        r.tx("80E8%02X%02X%02X%s00" % (p1, i, len(b), b.hex()), "009000", "LOAD block %d" % i)
    body = "%02X%s%02X%s%02X%s" "0100" "02C900" "00" % (len(PKG) // 2, PKG, len(APP) // 2, APP, len(APP) // 2, APP)
    r.tx("80E60C00%02X%s00" % (len(body) // 2, body), "009000", "INSTALL [install + selectable]")
    r.end_session()
    r.tx("00A404000A" + APP + "00", "9000", "SELECT cryptokat")


def call(r, ins, p1, p2, data=b"", what=""):
    apdu = "80%02X%02X%02X" % (ins, p1, p2)
    apdu += ("%02X%s00" % (len(data), data.hex())) if data else "00"
    resp = r.tx(apdu, "*9000", what or "INS %02X" % ins)
    return resp[:-2]


def expect_invalid(verify, what):
    try:
        verify()
    except InvalidSignature:
        print("ok %-40s does not verify, as it must" % what)
        return
    raise Failure("%s verified: the check cannot tell a wrong signature" % what)


def rsa_2048(r):
    msg = os.urandom(48)
    sig = call(r, 0x16, KEYPAIR_RSA_CRT, SIG_RSA_SHA_256_PKCS1, b"\x08\x00" + msg, "RSA-2048 genKeyPair + sign")
    n = int.from_bytes(call(r, 0x18, 0, 0, what="RSAPublicKey.getModulus"), "big")
    e = int.from_bytes(call(r, 0x18, 1, 0, what="RSAPublicKey.getExponent"), "big")
    if n.bit_length() != 2048 or len(sig) != 256:
        raise Failure("modulus of %d bits, signature of %d bytes" % (n.bit_length(), len(sig)))
    pub = rsa.RSAPublicNumbers(e, n).public_key()
    try:
        pub.verify(sig, msg, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise Failure("the card's RSA-2048 SHA-256 PKCS#1 signature does not verify")
    print("ok %-40s e=%d, verified by python3-cryptography" % ("RSA-2048 signature", e))
    other = bytes([msg[0] ^ 1]) + msg[1:]
    expect_invalid(lambda: pub.verify(sig, other, padding.PKCS1v15(), hashes.SHA256()), "RSA: another message")
    bad = sig[:100] + bytes([sig[100] ^ 0x10]) + sig[101:]
    expect_invalid(lambda: pub.verify(bad, msg, padding.PKCS1v15(), hashes.SHA256()), "RSA: a changed signature")
    msg2 = os.urandom(100)
    sig2 = call(r, 0x1A, 1, 0, msg2, "RSA: the kept Signature signs again")
    try:
        pub.verify(sig2, msg2, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise Failure("the second RSA signature does not verify")
    print("ok %-40s verified" % "RSA: second message")


def p256(r):
    call(r, 0x20, 0, 0, b"\x01\x00", "buildKey EC_FP_PUBLIC/PRIVATE 256")
    names = {1: "setFieldFP", 2: "setA", 3: "setB", 4: "setG", 5: "setR"}
    for p1, value in P256.items():
        call(r, 0x20, p1, 0, bytes.fromhex(value), names[p1] + " (P-256)")
    call(r, 0x20, 6, 0, b"\x00\x01", "setK 1")
    msg = os.urandom(64)
    sig = call(r, 0x22, 0, SIG_ECDSA_SHA_256, b"\x00\x00" + msg, "P-256 genKeyPair + ECDSA sign")
    w = call(r, 0x18, 2, 0, what="ECPublicKey.getW")
    if len(w) != 65 or w[0] != 0x04:
        raise Failure("W is not an uncompressed P-256 point: %s" % w.hex())
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), w)
    # ALG_ECDSA_SHA_256 returns ASN.1 DER: SEQUENCE { INTEGER r, INTEGER s }, minimal encoding
    if sig[0] != 0x30 or sig[1] != len(sig) - 2:
        raise Failure("ECDSA signature is not a DER SEQUENCE: %s" % sig.hex())
    rr, ss = decode_dss_signature(sig)
    order = int(P256[5], 16)
    if not (0 < rr < order and 0 < ss < order):
        raise Failure("r or s out of range")
    if encode_dss_signature(rr, ss) != sig:
        raise Failure("ECDSA signature is not strict DER (re-encoding differs): %s" % sig.hex())
    try:
        pub.verify(sig, msg, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Failure("the card's P-256 ECDSA-SHA-256 signature does not verify")
    print("ok %-40s DER, %d bytes, verified by python3-cryptography" % ("P-256 signature", len(sig)))
    other = msg[:-1] + bytes([msg[-1] ^ 0x80])
    expect_invalid(lambda: pub.verify(sig, other, ec.ECDSA(hashes.SHA256())), "ECDSA: another message")
    # ECDH through the applet: the card's secret with the host's point = the host's with W
    host = ec.generate_private_key(ec.SECP256R1())
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    hp = host.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    card_secret = call(r, 0x24, KA_EC_SVDP_DH_PLAIN, 0, hp, "KeyAgreement EC_SVDP_DH_PLAIN")
    if card_secret != host.exchange(ec.ECDH(), pub):
        raise Failure("ECDH: card %s, host %s" % (card_secret.hex(), host.exchange(ec.ECDH(), pub).hex()))
    print("ok %-40s the card's and the host's shared x agree" % "ECDH P-256")


def iso9796_expected(msg, n_bytes):
    """ISO/IEC 9796-2 scheme 1, option 1 (trailer BC), as EMV uses it."""
    cap = n_bytes - 22
    h = hashlib.sha1(msg).digest()
    if len(msg) > cap:
        return b"\x6A" + msg[:cap] + h + b"\xBC"
    pad = n_bytes - 21 - len(msg)
    head = b"\x4A" if pad == 1 else b"\x4B" + b"\xBB" * (pad - 2) + b"\xBA"
    return head + msg + h + b"\xBC"


def iso9796(r):
    long_msg, short_msg = os.urandom(240), os.urandom(30)
    sig = call(r, 0x16, KEYPAIR_RSA_CRT, SIG_RSA_SHA_ISO9796, b"\x08\x00" + long_msg, "RSA-2048 + ISO 9796-2 sign")
    n = int.from_bytes(call(r, 0x18, 0, 0, what="RSAPublicKey.getModulus"), "big")
    e = int.from_bytes(call(r, 0x18, 1, 0, what="RSAPublicKey.getExponent"), "big")
    for m, s in ((long_msg, sig), (short_msg, call(r, 0x1A, 1, 0, short_msg, "ISO 9796-2 sign, short message"))):
        if len(s) != 256:
            raise Failure("ISO 9796-2 signature of %d bytes" % len(s))
        x = pow(int.from_bytes(s, "big"), e, n).to_bytes(256, "big")
        if x != iso9796_expected(m, 256):
            raise Failure("ISO 9796-2 representative of a %d-byte message: %s" % (len(m), x.hex()))
        if x == iso9796_expected(m[:-1] + bytes([m[-1] ^ 1]), 256):
            raise Failure("the ISO 9796-2 check cannot tell another message")
        print("ok %-40s s^e mod n = %s..%s" % ("ISO 9796-2, %d-byte message" % len(m), x[:2].hex(), x[-2:].hex()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", default=os.environ.get("JCOP_READER"))
    ap.add_argument("--kt", default="404142434445464748494A4B4C4D4E4F")
    ap.add_argument("--jcop-cap", required=True, help="the jcop-cap program")
    ap.add_argument("--jca", required=True, help="simulator/jcvm/tests/applets/cryptokat.jca")
    ap.add_argument("--allow-irreversible", action="store_true", help="required: this script FUSEs the card")
    a = ap.parse_args()
    if not a.allow_irreversible:
        print("applet_sign: refusing to FUSE a card without --allow-irreversible", file=sys.stderr)
        return 2
    lfdb = load_file(a.jcop_cap, a.jca)
    print("# cryptokat load file: %d bytes, SHA-1 %s" % (len(lfdb), hashlib.sha1(lfdb).hexdigest()))
    try:
        r = Reader(a.reader)
    except SystemExit:
        print("applet_sign: no PC/SC reader (run it inside tools/rig/jcop-rig)", file=sys.stderr)
        return 3
    try:
        prepersonalize(r, a.kt)
        install(r, lfdb)
        rsa_2048(r)
        p256(r)
        iso9796(r)
    except Failure as e:
        print("not ok: %s" % e)
        return 1
    print("# applet_sign: all %d exchanges as expected" % r.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
