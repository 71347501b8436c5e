#!/bin/sh
# vm/run-profile-crypto.sh REPLAY JCOP_CAP JCA KT OUTDIR: an applet on jcop-replay's in-process
# card gets the crypto algorithm set of the card's profile. cryptokat.jca is installed over SCP02
# (install-cryptokat.gpsh up to the applet's SELECT, with the profile's ISD AID) and asked for an RSA-CRT 512 key pair that
# signs with Signature.ALG_RSA_SHA_256_PKCS1 (INS 16, P1 02 = KeyPair.ALG_RSA_CRT, P2 28): JCOP
# 2.4.2 (J2E145) has that signature, JCOP 2.4.1 (J2A040) throws CryptoException.NO_SUCH_ALGORITHM
# (6F53), as the JCAlgTest measurements cited in FIDELITY.md say.
set -eu
replay=$1 jcopcap=$2 jca=$3 kt=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
"$jcopcap" asm -o "$out/cryptokat.cap" "$jca"
script() { # ISD AID, GPShell verb for the INS 16 command -> script
    sed -n '1,/^select -AID F06A636F7073696D4301/p' "$here/install-cryptokat.gpsh" |
        sed "s/^select -AID A000000003000000/select -AID $1/"
    echo "$2 -sc 0 -APDU 801602280F020048656C6C6F2C20776F726C6421"
    echo "card_disconnect"
    echo "release_context"
}
run() { # profile ISD-AID expected-SW: the answer to INS 16 must end with the SW
    script "$2" send_apdu_nostop > "$out/profile-$1.gpsh"
    "$replay" --profile "$1" --kt "$kt" "$out/profile-$1.gpsh" > "$out/profile-$1.out" 2>&1 || true
    got=$(awk '/=> 80 ?16/ {want=1; next} want && /<=/ {print; want=0}' "$out/profile-$1.out" |
          sed 's/  .*//' | tr -d ' ' | sed 's/^<=//' | cut -c1-600)
    case "$got" in
    *"$3") ;;
    *)
        cat "$out/profile-$1.out"
        echo "run-profile-crypto.sh: on a $1, the RSA SHA-256 PKCS#1 signature answered '$got', not ...$3"
        exit 1
        ;;
    esac
}
run J2E145 A000000151000000 9000
run J2A040 A000000003000000 6F53
echo "run-profile-crypto.sh: J2E145 signs with ALG_RSA_SHA_256_PKCS1, J2A040 answers 6F53"
