#!/usr/bin/env bash
# quickstart-run.sh BUILD_DIR: the README's main job (for now). Runs the JCOP
# pre-personalization tutorial against a fresh virtual card (jcopsim) through a
# private pcscd and vsmartcard's vpcd, started by the rig (tools/rig/jcop-rig),
# and prints every exchange with a short explanation. The card is a new image
# in the rig's temporary folder, so its FUSE harms nothing.
# A later guided rehearsal tool (jcop-prepers) replaces this script.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-}
if [ -z "$build" ] || [ ! -d "$build" ]; then
    echo "usage: $0 BUILD_DIR   (run as root; see tools/quickstart.sh)" >&2
    exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "quickstart-run: run as root: the rig starts a private pcscd in its own namespaces" >&2
    exit 3
fi
kt=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F')
script=$(mktemp "${TMPDIR:-/tmp}/jcop-quickstart.XXXXXX.py")
trap 'rm -f "$script"' EXIT
cat >"$script" <<'PY'
import os
import sys

from smartcard import scard as S

KT = sys.argv[1]
READER = os.environ["JCOP_READER"]
SW_TEXT = {
    "9000": "success",
    "6A82": "file or application not found",
    "6982": "security status not satisfied",
    "6985": "conditions of use not satisfied",
    "6E00": "class not supported",
    "6D00": "instruction not supported",
    "6700": "wrong length",
    "6B00": "wrong parameters (address outside the memory window)",
}
TEST_KEYS = "404142434445464748494A4B4C4D4E4F"
failures = []


def connect(ctx):
    for _ in range(3):
        rv, card, _p = S.SCardConnect(ctx, READER, S.SCARD_SHARE_SHARED, S.SCARD_PROTOCOL_T1)
        if rv == S.SCARD_S_SUCCESS:
            return card
    sys.exit("quickstart: cannot connect to %s: %s" % (READER, S.SCardGetErrorMessage(rv)))


def step(card, title, apdu, expect_sw, explain):
    rv, resp = S.SCardTransmit(card, S.SCARD_PCI_T1, list(bytes.fromhex(apdu)))
    if rv != S.SCARD_S_SUCCESS:
        sys.exit("quickstart: transmit failed: %s" % S.SCardGetErrorMessage(rv))
    r = bytes(resp).hex().upper()
    data, sw = r[:-4], r[-4:]
    print("\n%s\n  => %s" % (title, apdu))
    print("  <= %s%s  (%s: %s)" % (data + " " if data else "", sw, sw, SW_TEXT.get(sw, "see ISO 7816-4")))
    print("     " + explain)
    if sw != expect_sw:
        print("     !! expected %s" % expect_sw)
        failures.append(title)
    return data


def main():
    rv, ctx = S.SCardEstablishContext(S.SCARD_SCOPE_SYSTEM)
    card = connect(ctx)
    _rv, _n, _st, _pr, atr = S.SCardStatus(card)
    print("Virtual JCOP card in reader '%s'" % READER)
    print("ATR %s (JCOP v2.4.1: historical bytes spell 'JCOPv241')" % bytes(atr).hex().upper())
    print("Transport key (KT) of this new card: %s" % KT)

    step(card, "0. Any command before the root applet is selected", "00A4040000", "6A82",
         "An unfused JCOP answers 6A82 to everything until the transport key selects its root applet.")
    ident = step(card, "0. JCOP IDENTIFY", "00A4040009A000000167413000FF", "6A82",
                 "IDENTIFY answers its bytes with 6A82; byte 14 is the fuse state (00 = not fused).")
    print("     fuse state byte: %s" % ident[28:30])
    step(card, "1. SELECT the root applet by the transport key", "00A4040010" + KT, "9000",
         "SELECT by DF name (P1=04) with the 16-byte KT: the root applet is now selected.")
    step(card, "2. BOOT", "00F00000", "9000", "Opens the memory window [C000F0, C09600) for READ/WRITE MEMORY.")
    for i, a in enumerate(("0305", "0321", "033D")):
        k = step(card, "3. READ MEMORY CM_KEY %d at 0xC0%s" % (i + 1, a), "C0B0%s10" % a, "9000",
                 "CLA||P1||P2 is the 24-bit address; 16 bytes of a random key: save it before FUSE.")
    n = step(card, "3. READ MEMORY GPIN length at 0xC00407", "C0B0040701", "9000",
             "The length of the GPIN (default 5).")
    step(card, "3. READ MEMORY GPIN at 0xC00412", "C0B00412%s" % (n or "05"), "9000", "The global PIN.")
    for i, a in enumerate(("0305", "0321", "033D")):
        step(card, "4. WRITE MEMORY CM_KEY %d = 40..4F" % (i + 1), "C0D6%s10%s" % (a, TEST_KEYS), "9000",
             "The GlobalPlatform test keys: after FUSE they become the ISD's ENC/MAC/DEK keys.")
    step(card, "4. WRITE MEMORY CM_LIFECYCLE (0xC00301) = 01", "C0D6030101" + "01", "9000",
         "01 makes the fused card's Issuer Security Domain start in OP_READY.")
    step(card, "5. PROTECT", "00100000", "9000", "Write-protects the configuration: later writes answer 6982.")
    step(card, "5. WRITE after PROTECT (refused)", "C0D6030510" + TEST_KEYS, "6982",
         "The memory is now read-only.")
    step(card, "6. FUSE (irreversible on a real card; this one is virtual)", "00000000", "9000",
         "The root applet disappears and the GlobalPlatform ISD is created from the keys written above.")
    rv, _p = S.SCardReconnect(card, S.SCARD_SHARE_SHARED, S.SCARD_PROTOCOL_T1, S.SCARD_UNPOWER_CARD)
    if rv != S.SCARD_S_SUCCESS:
        sys.exit("quickstart: power cycle failed: %s" % S.SCardGetErrorMessage(rv))
    print("\n-- power cycle --")
    step(card, "7. SELECT by the transport key again", "00A4040010" + KT, "6A82",
         "After FUSE the root applet is gone: the KT selects nothing.")
    ident = step(card, "7. JCOP IDENTIFY again", "00A4040009A000000167413000FF", "6A82",
                 "Byte 14 is now 01: fused.")
    print("     fuse state byte: %s" % ident[28:30])
    if ident[28:30] != "01":
        failures.append("fuse state after FUSE")
    step(card, "7. SELECT the Issuer Security Domain", "00A4040008A000000003000000", "9000",
         "The ISD answers with its FCI (tag 6F): a GlobalPlatform 2.1.1 card, keys 40..4F, version FF.")
    S.SCardDisconnect(card, S.SCARD_LEAVE_CARD)
    S.SCardReleaseContext(ctx)
    if failures:
        print("\nquickstart: %d step(s) did not answer as expected: %s" % (len(failures), ", ".join(failures)))
        sys.exit(1)
    print("\nquickstart: the tutorial ran through pcscd and vpcd against jcopsim, every answer as expected.")


main()
PY
"$here/rig/jcop-rig" -q --build "$build" --new-card J2A040 --arg "--kt=$kt" -- \
    timeout 60 /usr/bin/python3 "$script" "$kt"
