#!/usr/bin/env bash
# The benchmark's baseline card through the rig: it is seen by pcscd, has its
# T=1 ATR, and answers 9000 to any APDU but INS 10 with data, which it echoes
# (so the benchmark compares like with like).
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
atr=$(timeout 20 opensc-tool -r "$JCOP_READER" -a) || fail "no ATR"
[ "$atr" = "3b:f8:13:00:00:81:31:fe:45:54:52:49:56:49:41:4c:39:84" ] || fail "ATR $atr"
out=$(timeout 20 opensc-tool -r "$JCOP_READER" -s 00A4040000 -s 8050000008AABBCCDDEEFF001100) || fail "transmit"
[ "$(grep -c 'SW1=0x90, SW2=0x00' <<<"$out")" = 2 ] || fail "answers: $out"
# INS 10 with data: the data back, then 9000 (the benchmark's echo row compares
# jcopsim's echo applet with this card moving the same bytes)
out=$(timeout 20 opensc-tool -r "$JCOP_READER" -s 8010000003AABBCC00) || fail "transmit echo"
grep -q 'SW1=0x90, SW2=0x00' <<<"$out" && grep -qi 'AA BB CC' <<<"$out" || fail "echo: $out"
echo PASS
