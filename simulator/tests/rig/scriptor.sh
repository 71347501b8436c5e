#!/usr/bin/env bash
# scriptor (pcsc-tools), a PC/SC client the project did not write, replays the
# tutorial's APDU sequence through the rig, and every answer is checked:
# SELECT by KT, BOOT, the three CM_KEY reads, GPIN length and GPIN, writing the
# test keys 40..4F and CM_LIFECYCLE 01, reading them back, PROTECT, a refused
# write, FUSE, then the root applet is gone.
set -u
kt=404142434445464748494A4B4C4D4E4F
keys=404142434445464748494A4B4C4D4E4F
fail() { echo "FAIL: $*" >&2; exit 1; }
any() { printf '%*s' $((2 * $1)) '' | tr ' ' '?'; }

# APDU | expected answer (hex, '?' any nibble)
steps=(
    "00A4040010$kt|9000"
    "00F00000|9000"
    "C0B0030510|$(any 16)9000"
    "C0B0032110|$(any 16)9000"
    "C0B0033D10|$(any 16)9000"
    "C0B0040701|059000"
    "C0B0041205|$(any 5)9000"
    "C0D6030510$keys|9000"
    "C0D6032110$keys|9000"
    "C0D6033D10$keys|9000"
    "C0D603010101|9000"
    "C0B0030510|${keys}9000"
    "C0B0032110|${keys}9000"
    "C0B0033D10|${keys}9000"
    "C0B0030101|019000"
    "00100000|9000"
    "C0D6030510$keys|6982"
    "00000000|9000"
    "00A4040010$kt|6A82"
)
script=$(mktemp)
trap 'rm -f "$script"' EXIT
for s in "${steps[@]}"; do echo "${s%%|*}"; done >"$script"
out=$(timeout 30 scriptor -r "$JCOP_READER" "$script" 2>&1) || fail "scriptor failed: $out"
echo "$out"
# scriptor prints "< XX XX ... : text", wrapping long answers: join them.
mapfile -t answers < <(awk '
    /^< / { collecting = 1; buf = substr($0, 3); if (buf ~ / : /) { sub(/ : .*/, "", buf); print buf; collecting = 0 }; next }
    collecting { buf = buf " " $0; if ($0 ~ / : /) { sub(/ : .*/, "", buf); print buf; collecting = 0 } }
' <<<"$out" | tr -d ' ')
[ ${#answers[@]} -eq ${#steps[@]} ] || fail "${#answers[@]} answers for ${#steps[@]} commands"
for i in "${!steps[@]}"; do
    want=${steps[$i]#*|}
    got=${answers[$i]}
    [[ "$got" =~ ^${want//\?/[0-9A-F]}$ ]] || fail "step $((i + 1)) ${steps[$i]%%|*}: got $got, want $want"
done
echo "PASS: ${#steps[@]} answers checked"
