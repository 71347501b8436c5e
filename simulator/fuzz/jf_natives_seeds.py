#!/usr/bin/python3
"""jf_natives_seeds.py: writes the hand-made seeds of fuzz_natives (corpus/natives)
from named calls, so they survive a change of the API method table's numbering.

usage: jf_natives_seeds.py B/simulator/fuzz/fuzz_natives_replay simulator/fuzz/corpus/natives
(the crash-* reproducers in that folder are kept as found, not written here)
"""
import faulthandler
import os
import re
import subprocess
import sys
import tempfile

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log

with tempfile.NamedTemporaryFile() as empty:
    LIST = subprocess.run([sys.argv[1], empty.name], env=dict(os.environ, JF_NATIVES_LIST="1"),
                          capture_output=True, text=True, check=True).stderr.splitlines()
calls, news = {}, {}
for l in LIST:
    p = l.split()
    if len(p) < 3: continue
    if p[0] == 'call': calls[p[2]] = int(p[1])
    elif p[0] == 'new': news[p[2]] = int(p[1])
def nargs(sig):
    a = sig[sig.index('(')+1:sig.index(')')]
    n=0;i=0
    while i < len(a):
        while a[i]=='[': i+=1
        if a[i]=='L': i=a.index(';',i)
        n+=1; i+=1
    return n
# arg helpers
NULL=[0]
def P(k): return [1,k]
def E(i): return [4,i]            # edge table index
def S(v): v&=0xFFFF; return [5,v>>8,v&0xFF]
def B(v): return [6,v]            # 0..23
def L(k,d): return [7+8*(d+1),k] # length of pool k + d (d in -1,0,1)
def call(name, *args, this=0):
    k = calls[name]; sig = name.split('.',1)[1]
    static = name in STATIC
    out=[0, k>>8, k&0xFF]
    n = nargs(sig) + (0 if static else 1)
    a = list(args)
    if not static: a = [NULL]+a
    assert len(a)==n, (name, len(a), n)
    for x in a: out+=x
    if not static: out.append(this)
    return out
def new(cls): return [7, news[cls]]
STATIC=set(l.split()[2] for l in LIST if l.startswith('call') and re.match(r'(JCSystem|Util|KeyBuilder|GPSystem)\.|.*getInstance', l.split()[2]))
# pool: 0 apdubuf 1 apdu 2 applet 3 AID 4 byte[40] 5 byte[16]T 6 byte[8]T 7 short[8] 8 Object[4]
seeds = {
 'util-bounds': call('Util.arrayCopy([BS[BSS)S', P(4),B(0),P(0),B(0),L(4,1))
   + call('Util.arrayCopyNonAtomic([BS[BSS)S', P(0),E(3),P(4),B(0),B(4))
   + call('Util.arrayFillNonAtomic([BSSB)S', P(5),B(0),L(5,0),B(7))
   + call('Util.arrayCompare([BS[BSS)B', P(7),B(0),P(4),B(0),B(2))
   + call('Util.setShort([BSS)S', P(6),L(6,-1),E(4))
   + call('Util.getShort([BS)S', [3,0x3F,0xFF],B(0))
   + call('Util.arrayCopy([BS[BSS)S', P(4),E(5),P(4),B(0),B(1)),
 'transaction': call('JCSystem.beginTransaction()V')
   + call('Util.arrayCopy([BS[BSS)S', P(0),B(0),P(4),B(0),B(20))
   + new('OwnerPIN') + call('OwnerPIN.<init>(BB)V', B(3),B(8), this=9)
   + call('OwnerPIN.update([BSB)V', P(4),B(0),B(4), this=9)
   + call('OwnerPIN.check([BSB)Z', P(4),B(0),B(4), this=9)
   + call('JCSystem.beginTransaction()V')
   + call('JCSystem.getUnusedCommitCapacity()S')
   + call('JCSystem.makeTransientByteArray(SB)[B', E(4), B(1))
   + call('OwnerPIN.check([BSB)Z', P(4),E(3),B(4), this=9),
 'aes-cipher': call('KeyBuilder.buildKey(BSZ)Ljavacard/security/Key;', B(15), S(128), B(0))
   + call('AESKey.setKey([BS)V', P(4), B(0), this=9)
   + call('Cipher.getInstance(BZ)Ljavacardx/crypto/Cipher;', B(13), B(0))
   + call('Cipher.init(Ljavacard/security/Key;B)V', P(9), B(2), this=10)
   + call('Cipher.doFinal([BSS[BS)S', P(4), B(0), B(16), P(0), L(0,-1), this=10)
   + call('Cipher.update([BSS[BS)S', P(4), B(0), E(4), P(4), B(0), this=10)
   + call('Cipher.doFinal([BSS[BS)S', P(4), B(8), B(16), P(4), B(0), this=10),
 'apdu': call('APDU.getBuffer()[B', this=1)
   + call('APDU.setIncomingAndReceive()S', this=1)
   + call('APDU.receiveBytes(S)S', E(3), this=1)
   + call('APDU.setOutgoing()S', this=1)
   + call('APDU.setOutgoingLength(S)V', E(15), this=1)
   + call('APDU.sendBytes(SS)V', E(3), E(4), this=1)
   + call('APDU.sendBytesLong([BSS)V', P(4), B(0), L(4,1), this=1)
   + call('APDU.setOutgoingAndSend(SS)V', B(0), B(2), this=1),
 'digest-sig': call('MessageDigest.getInstance(BZ)Ljavacard/security/MessageDigest;', B(4), B(0))
   + call('MessageDigest.doFinal([BSS[BS)S', P(4), B(0), L(4,0), P(0), E(15), this=9)
   + call('KeyBuilder.buildKey(BSZ)Ljavacard/security/Key;', B(3), S(128), B(0))
   + call('DESKey.setKey([BS)V', P(4), L(4,-1), this=10)
   + call('DESKey.setKey([BS)V', P(4), B(0), this=10)
   + call('Signature.getInstance(BZ)Ljavacard/security/Signature;', B(1), B(0))
   + call('Signature.init(Ljavacard/security/Key;B)V', P(10), B(1), this=11)
   + call('Signature.sign([BSS[BS)S', P(4), B(0), B(16), P(5), B(12), this=11)
   + call('KeyPair.<init>(BS)V', B(1), S(512), this=12) + new('KeyPair')
   + call('KeyPair.<init>(BS)V', B(1), S(512), this=12)
   + call('KeyPair.genKeyPair()V', this=12),
 'aid-system': call('JCSystem.lookupAID([BSB)Ljavacard/framework/AID;', P(0), B(5), B(7))
   + call('AID.getBytes([BS)B', P(4), L(4,-1), this=3)
   + call('AID.partialEquals([BSB)Z', P(4), E(5), E(3), this=3)
   + new('AID') + call('AID.<init>([BSB)V', P(4), B(0), B(16), this=9)
   + call('AID.RIDEquals(Ljavacard/framework/AID;)Z', [3,0x40,0x00], this=9)
   + call('JCSystem.getAppletShareableInterfaceObject(Ljavacard/framework/AID;B)Ljavacard/framework/Shareable;', P(3), B(0))
   + call('JCSystem.isTransient(Ljava/lang/Object;)B', P(5))
   + call('JCSystem.getAvailableMemory(B)S', B(2))
   + call('JCSystem.makeTransientObjectArray(SB)[Ljava/lang/Object;', E(4), B(2))
   + call('JCSystem.requestObjectDeletion()V'),
 'gp': call('GPSystem.getCardState()B') + call('GPSystem.setATRHistBytes([BSB)Z', P(4), B(0), E(3))
   + call('GPSystem.getCVM(B)Lorg/globalplatform/CVM;', B(17))
   + call('GPSystem.getSecureChannel()Lorg/globalplatform/SecureChannel;')
   + call('GPSystem.setCardContentState(B)Z', E(6))
   + call('GPSystem.lockCard()Z'),
 'keys': new('KeyPair') + call('KeyPair.<init>(BS)V', B(2), S(512), this=9)
   + call('KeyPair.genKeyPair()V', this=9)
   + call('KeyPair.getPublic()Ljavacard/security/PublicKey;', this=9)
   + call('KeyPair.getPrivate()Ljavacard/security/PrivateKey;', this=9)
   + call('RSAPublicKey.getModulus([BS)S', P(0), B(0), this=10)
   + call('RSAPublicKey.getExponent([BS)S', P(4), L(4,-1), this=10)
   + call('RSAPrivateCrtKey.getP([BS)S', P(0), E(15), this=11)
   + call('RSAPrivateCrtKey.setDP1([BSS)V', P(0), B(0), E(4), this=11)
   + new('KeyPair') + call('KeyPair.<init>(BS)V', B(5), S(192), this=12)
   + call('KeyPair.genKeyPair()V', this=12)
   + call('KeyPair.getPublic()Ljavacard/security/PublicKey;', this=12)
   + call('KeyPair.getPrivate()Ljavacard/security/PrivateKey;', this=12)
   + call('ECPublicKey.getW([BS)S', P(0), B(0), this=13)
   + call('ECPublicKey.setW([BSS)V', P(0), B(0), L(0,1), this=13)
   + call('KeyAgreement.getInstance(BZ)Ljavacard/security/KeyAgreement;', B(1), B(0))
   + call('KeyAgreement.init(Ljavacard/security/PrivateKey;)V', P(14), this=15)
   + call('RandomData.getInstance(B)Ljavacard/security/RandomData;', B(2))
   + call('RandomData.generateData([BSS)V', P(4), B(0), L(4,1), this=16)
   + call('Checksum.getInstance(BZ)Ljavacard/security/Checksum;', B(1), B(0))
   + call('Checksum.doFinal([BSS[BS)S', P(0), B(0), E(15), P(0), L(0,-1), this=17),
}
os.makedirs(sys.argv[2], exist_ok=True)
for n, b in seeds.items():
    open(os.path.join(sys.argv[2], n), 'wb').write(bytes(x & 0xFF for x in b))
print(len(seeds), 'seeds written')
