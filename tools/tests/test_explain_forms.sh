#!/usr/bin/env bash
# test_explain_forms.sh: jcop-explain on every transcript form it reads, with
# checked annotations. The scriptor output and the pcscd --apdu log in data/
# were captured here from pcsc-tools' scriptor and pcscd 1.9.9 talking to
# jcopsim; the jcopsim trace is a slice of a real jcopsim --trace file; the
# GPShell trace follows GPShell's enable_trace layout ("Command -->",
# "Wrapped command -->", "Response <--") with the SCP02 exchanges of
# jcop-facts.md §4. The harness's transcript is made live by jcop-replay.
# usage: test_explain_forms.sh EXPLAIN DATA_DIR WORKDIR [REPLAY TUTORIAL_SCRIPT]
set -uo pipefail
E=$1 D=$2 W=$3 REPLAY=${4:-} TUT=${5:-}
rm -rf "$W" && mkdir -p "$W"
fails=0
expect() { # FILE FORM PHRASE...
    local f=$1 form=$2; shift 2
    local out="$W/$(basename "$f").explained"
    timeout 30 "$E" --format "$form" "$f" > "$out" 2>&1
    local rc=$?
    [ $rc = 0 ] && echo "ok - $form: exit 0" || { echo "not ok - $form: exit $rc"; fails=$((fails + 1)); }
    # auto-detection gives the same annotations
    timeout 30 "$E" "$f" > "$out.auto" 2>&1
    cmp -s "$out" "$out.auto" && echo "ok - $form: detected by itself" || { echo "not ok - $form: auto-detection differs"; fails=$((fails + 1)); }
    for p in "$@"; do
        if grep -qF -- "$p" "$out"; then echo "ok - $form: $p"; else echo "not ok - $form: missing: $p"; fails=$((fails + 1)); fi
    done
}
expect "$D/scriptor-jcopsim.out" scriptor \
    "FUSE STATE (byte 14) = 00: the card is NOT fused" \
    "card state: unfused, nothing selected -> unfused, root applet selected" \
    "READ MEMORY 0xC00305, 16 bytes = CM_KEY1" \
    "CM_LIFECYCLE := 01: after FUSE the card will be OP_READY" \
    "card state: unfused, booted and protected -> fused, OP_READY" \
    "FCI: selected AID A000000003000000" \
    "key diversification data 0000107001080895525" \
    "SW 6A82 FILE_NOT_FOUND"
expect "$D/pcscd-apdu.log" pcscd \
    "historical bytes \"JCOPv241\"" \
    "SELECT the JCOP IDENTIFY application" \
    "BOOT (JCOP pre-personalization)" \
    "read 3D8C88844909D7934567C491DAC2F28C" \
    "READ MEMORY 0xC00407, 1 byte = GPIN_LEN" \
    "FUSE is irreversible" \
    "card cryptogram"
expect "$D/gpshell-trace.txt" gpshell \
    "SELECT the Issuer Security Domain A000000003000000" \
    "INITIALIZE UPDATE (SCP02 step 1): key version 00" \
    "key version 01, SCP 02, sequence counter 069F" \
    "EXTERNAL AUTHENTICATE (SCP02 step 2): security level 01: C-MAC on every command" \
    "secure channel: open at level 01 (C-MAC)" \
    "GET STATUS: list executable load files (TLV format)" \
    "load file A0000000035350: life cycle LOADED (01)" \
    "wrapped for the secure channel: CLA 84"
expect "$D/jcopsim.trace" trace \
    "card state (the card's own note): unfused, booted and protected" \
    "FUSE is irreversible" \
    "card state: unfused, booted and protected -> fused, OP_READY" \
    "secure channel: open at level 01"
if [ -n "$REPLAY" ] && [ -x "$REPLAY" ]; then
    timeout 60 "$REPLAY" --kt 000102030405060708090A0B0C0D0E0F "$TUT" > "$W/replay.out" 2>&1
    echo "# jcop-replay exit $?"
    expect "$W/replay.out" harness \
        "transport key (KT)" \
        "READ MEMORY 0xC00321, 16 bytes = CM_KEY2" \
        "PROTECT (JCOP pre-personalization)" \
        "card state: unfused, booted and protected -> fused, OP_READY"
    SC03=$(dirname "$TUT")/conformance/fused/op-ready-sc03.jcsh
    if [ -f "$SC03" ]; then
        timeout 60 "$REPLAY" --kt 000102030405060708090A0B0C0D0E0F "$SC03" > "$W/replay-sc03.out" 2>&1
        expect "$W/replay-sc03.out" harness \
            "security level 03: C-DEC and C-MAC (data encrypted)" \
            "GET DATA 00E0: Key Information Template" \
            "key id 1, version FF, type 80 (DES), 16 bytes" \
            "ISD A000000003000000: life cycle OP_READY (01), privileges 9E"
    fi
fi
# --key: SCP02 checked and level-03 data decrypted, on a session computed with
# pycryptodome (jt_scp02_l3.py), not with the card's code
L3=$(dirname "$0")/jt_scp02_l3.py
if /usr/bin/python3 -c 'import Cryptodome' 2>/dev/null; then
    /usr/bin/python3 "$L3" 00112233445566778899AABBCCDDEEFF > "$W/l3.txt"
    timeout 30 "$E" --key 404142434445464748494A4B4C4D4E4F "$W/l3.txt" > "$W/l3.explained" 2>&1
    for p in "card cryptogram checked with the given keys: correct" \
             "PUT KEY: add a new key set, starting at key id 1, several keys" \
             "data decrypted with the session S-ENC key (C-DEC)" \
             "key 3 decrypted with the session DEK: its check value matches"; do
        grep -qF -- "$p" "$W/l3.explained" && echo "ok - --key: $p" || { echo "not ok - --key: missing: $p"; fails=$((fails + 1)); }
    done
    grep -qi 00112233445566778899AABBCCDDEEFF "$W/l3.explained" && { echo "not ok - --key printed a key"; fails=$((fails + 1)); } || echo "ok - --key prints no key"
    /usr/bin/python3 "$L3" 00112233445566778899AABBCCDDEEFF bad > "$W/l3bad.txt"
    timeout 30 "$E" --key 404142434445464748494A4B4C4D4E4F "$W/l3bad.txt" > "$W/l3bad.explained" 2>&1
    grep -qF "key 1 decrypted with the session DEK: its check value does NOT match" "$W/l3bad.explained" \
        && echo "ok - --key: a wrong KCV is flagged" || { echo "not ok - --key: wrong KCV not flagged"; fails=$((fails + 1)); }
    timeout 30 "$E" --key 00112233445566778899AABBCCDDEEFF "$W/l3.txt" > "$W/l3wrong.explained" 2>&1
    grep -qF "card cryptogram does NOT match the given keys" "$W/l3wrong.explained" \
        && echo "ok - --key: wrong keys flagged" || { echo "not ok - --key: wrong keys not flagged"; fails=$((fails + 1)); }
    grep -qF "data decrypted" "$W/l3wrong.explained" \
        && { echo "not ok - decrypted with wrong keys"; fails=$((fails + 1)); } || echo "ok - nothing decrypted with wrong keys"
else
    echo "# python3-pycryptodome missing: --key not checked"
fi
# refusals
timeout 10 "$E" --format nonsense "$D/gpshell-trace.txt" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && echo "ok - unknown form: exit 2" || { echo "not ok - unknown form: exit $rc"; fails=$((fails + 1)); }
timeout 10 "$E" "$W/does-not-exist" >/dev/null 2>&1; rc=$?
[ $rc = 3 ] && echo "ok - missing file: exit 3" || { echo "not ok - missing file: exit $rc"; fails=$((fails + 1)); }
printf 'hello\nworld\n' > "$W/empty.txt"
timeout 10 "$E" "$W/empty.txt" >/dev/null 2>&1; rc=$?
[ $rc = 1 ] && echo "ok - no exchange: exit 1" || { echo "not ok - no exchange: exit $rc"; fails=$((fails + 1)); }
head -c 20000 /dev/urandom > "$W/junk.bin"
timeout 10 "$E" --format scriptor "$W/junk.bin" >/dev/null 2>&1; rc=$?
[ $rc -le 1 ] && echo "ok - binary junk: exit $rc" || { echo "not ok - binary junk: exit $rc"; fails=$((fails + 1)); }
exit $((fails > 0))
