#!/bin/sh
# rig_record_replay.sh REPLAY RIG JCOPSIM PROBE BUILD EXAMPLES WORKDIR
# A session recorded by `jcopsim --trace` replays with jcop-replay unchanged:
#  1. a new card image (KT 000102..0F) is made and an untouched copy kept;
#  2. examples/record-prepers.jcsh runs through the rig (pcscd -> vpcd -> jcopsim on that image,
#     --trace on), with --allow-irreversible;
#  3. the trace replays in-process on a copy of the untouched image: every answer must match;
#  4. the script's in-process run on another copy is --diff'ed against the trace: no divergence.
set -e
replay=$1 rig=$2 jcopsim=$3 probe=$4 build=$5 ex=$6 dir=$7
kt=000102030405060708090A0B0C0D0E0F
rm -rf "$dir"
mkdir -p "$dir"
"$replay" -q --kt $kt --image "$dir/card.img" "$ex/still-unfused.jcsh"
cp "$dir/card.img" "$dir/card0.img"
timeout 300 "$rig" -q --build "$build" --jcopsim "$jcopsim" --probe "$probe" \
    --card "$dir/card.img" --arg "--trace=$dir/session.trace" -- \
    sh -c 'exec timeout 120 "$0" -q --reader "$JCOP_READER" --allow-irreversible "$1"' \
    "$replay" "$ex/record-prepers.jcsh"
echo "--- recorded trace:"
cat "$dir/session.trace"
grep -q '^/send 00000000 9000' "$dir/session.trace"
cp "$dir/card0.img" "$dir/replay.img"
"$replay" --image "$dir/replay.img" "$dir/session.trace"
cp "$dir/card0.img" "$dir/diff.img"
"$replay" -q --image "$dir/diff.img" --diff "$dir/session.trace" "$ex/record-prepers.jcsh"
echo "rig_record_replay.sh: the recorded session replayed unchanged"
