#!/usr/bin/env bash
# opensc-tool, a PC/SC client the project did not write, through the rig:
# reads the ATR and sends APDUs (SELECT by the transport key, BOOT, a READ);
# then checks jcopsim's trace recorded the same session in the harness's script
# language (JCOP_TEST_TRACE names the trace file given to the card) and, when
# JCOP_REPLAY names jcop-replay, that the harness replays it with every answer held.
set -u
kt=404142434445464748494A4B4C4D4E4F
fail() { echo "FAIL: $*" >&2; exit 1; }

atr=$(timeout 20 opensc-tool -r "$JCOP_READER" -a) || fail "opensc-tool -a failed"
[ "$atr" = "3b:f8:13:00:00:81:31:fe:45:4a:43:4f:50:76:32:34:31:b7" ] || fail "ATR '$atr'"
echo "ATR $atr"

out=$(timeout 20 opensc-tool -r "$JCOP_READER" -s 00A4040000 -s 00A4040010$kt -s 00F00000 -s C0B0040701) ||
    fail "opensc-tool -s failed"
echo "$out"
sws=$(grep -o 'SW1=0x.., SW2=0x..' <<<"$out" | tr '\n' ' ')
[ "$sws" = "SW1=0x6A, SW2=0x82 SW1=0x90, SW2=0x00 SW1=0x90, SW2=0x00 SW1=0x90, SW2=0x00 " ] ||
    fail "status words: $sws"
grep -qx '05 *\.' <<<"$out" || grep -q '^05 ' <<<"$out" || fail "GPIN length byte 05 not read"

if [ -n "${JCOP_TEST_TRACE:-}" ]; then
    t=$JCOP_TEST_TRACE
    [ -s "$t" ] || fail "no trace $t"
    head -n1 "$t" | grep -q '^# jcopsim trace' || fail "trace header"
    grep -qx '/atr 3BF81300008131FE454A434F5076323431B7' "$t" || fail "trace: no /atr line"
    grep -qx '/send 00A4040000 6A82' "$t" || fail "trace: no /send of the empty SELECT"
    grep -qx "/send 00A4040010$kt 9000" "$t" || fail "trace: no /send of the KT SELECT"
    grep -qx '/send C0B0040701 059000' "$t" || fail "trace: no /send of the READ with its data"
    bad=$(grep -v -E '^(#.*|/atr [0-9A-F]+|/reset|/power off|/send [0-9A-F]+ [0-9A-F]{4,})$' "$t" | head -n3)
    [ -z "$bad" ] || fail "trace lines outside the script language: $bad"
    echo "trace $t: $(grep -c '^/send' "$t") exchanges recorded"
    # The trace is a script: the harness replays it on an in-process card with
    # the same transport key, and every recorded answer must hold again.
    if [ -n "${JCOP_REPLAY:-}" ] && [ -x "$JCOP_REPLAY" ]; then
        timeout 60 "$JCOP_REPLAY" -q -f jcsh --kt $kt "$t" || fail "jcop-replay of the trace failed"
    fi
fi
echo PASS
