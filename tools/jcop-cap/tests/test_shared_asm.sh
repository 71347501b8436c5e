#!/usr/bin/env bash
# test_shared_asm.sh: `jcop-cap asm` of every shared applet's .jca gives the
# same components, byte for byte, as the reference converter's CAP beside it
# (ZIP entry order aside), and `jcop-cap verify` accepts every reference CAP
# (the shareable client with its server as --library). Exit 77 (skipped) when
# ../shared/applets is absent.
# usage: test_shared_asm.sh JCOP_CAP SHARED_APPLETS_DIR
set -uo pipefail
J=$1 S=$2
if [ ! -d "$S" ]; then echo "skipped: $S absent"; exit 77; fi
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT
n=0 fails=0
for jca in "$S"/*/*.jca "$S"/shareable/*/*.jca; do
    [ -f "$jca" ] || continue
    ref=${jca%.jca}.cap
    name=$(basename "$jca" .jca)
    n=$((n + 1))
    if ! "$J" asm -o "$T/$name.cap" "$jca" >"$T/out" 2>&1; then
        fails=$((fails + 1)); echo "not ok $n - asm $name: $(cat "$T/out")"; continue
    fi
    if "$J" diff "$T/$name.cap" "$ref" >"$T/out" 2>&1; then
        echo "ok $n - $name: $(grep -c same "$T/out") components identical to the reference CAP"
    else
        fails=$((fails + 1)); echo "not ok $n - $name differs:"; grep -v same "$T/out"
    fi
    n=$((n + 1))
    lib=()
    [ "$name" = shclient ] && lib=(--library "$S/shareable/server/shserver.cap")
    if "$J" verify "${lib[@]}" "$ref" >"$T/out" 2>&1; then echo "ok $n - verify accepts $name.cap"
    else fails=$((fails + 1)); echo "not ok $n - verify $name.cap: $(cat "$T/out")"; fi
done
[ $n -ge 22 ] || { echo "not ok - only $n checks: shared applets incomplete"; fails=$((fails + 1)); }
echo "1..$n"
exit $((fails > 0))
