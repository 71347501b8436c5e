#!/usr/bin/env bash
# newcomer_rig.sh RIG JCOPSIM PROBE WORKDIR: the rig as a new user met it
# (issue 18): a card that ends at once is reported with its own message and
# exit 3 within seconds, not after the readiness deadline; --timeout stops a
# command that hangs and names the reader that no longer answers; a new card's
# transport key is printed and handed to the command; the rig finds the
# repository's build/ by itself and names its options whole; a failed run
# leaves no jcop-rig.* folder behind.
set -u
rig=$1 js=$2 probe=$3 work=$4
rm -rf "$work"
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp # the rig's folders go here: the test can see what is left
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { # run NAME ARGS...: the rig, its exit code in $rc, stderr in $work/NAME.err
    local name=$1 t0=$SECONDS
    shift
    timeout 120 "$@" >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
    took=$((SECONDS - t0))
    echo "$name: exit $rc after ${took}s"
    sed 's/^/    /' "$work/$name.err"
}
left() { # nothing of the rig's may stay in TMPDIR
    [ -z "$(ls -A "$work/tmp")" ] || fail "$1 left $(ls "$work/tmp") behind"
}
base=(--jcopsim "$js" --probe "$probe" --ready-timeout 30)

# 1. Cards that end at once: their own message, exit 3, no wait for the deadline.
head -c 100 /dev/zero >"$work/trunc.img"
run trunc "$rig" "${base[@]}" --card "$work/trunc.img" -- true
[ $rc = 3 ] && [ $took -lt 15 ] || fail "--card trunc.img: exit $rc after ${took}s (want 3, at once)"
grep -q 'cannot use image' "$work/trunc.err" || fail "--card trunc.img: the card's message is not shown"
left "--card trunc.img"
run nope "$rig" "${base[@]}" --new-card NOPE -- true
[ $rc = 3 ] && [ $took -lt 15 ] || fail "--new-card NOPE: exit $rc after ${took}s"
grep -q 'unknown profile' "$work/nope.err" || fail "--new-card NOPE: the card's message is not shown"
left "--new-card NOPE"
run kt12 "$rig" "${base[@]}" --new-card J2A040 --kt 12 -- true
[ $rc = 3 ] && [ $took -lt 15 ] || fail "--kt 12: exit $rc after ${took}s"
grep -q '32 hex digits' "$work/kt12.err" || fail "--kt 12: the card's message is not shown"
left "--kt 12"

# 2. A command that fails leaves nothing behind either (without --keep).
run cmdfail "$rig" "${base[@]}" --memory-card J2A040 -- false
[ $rc = 1 ] || fail "a failing command: rig exit $rc, expected the command's 1"
left "a failing command"

# 3. --timeout: the command holds a transmit to a card that stopped answering.
run hung "$rig" "${base[@]}" --timeout 3 --memory-card J2A040 -- \
    sh -c 'kill -STOP "$JCOP_CARD_PID_0"; exec "$JCOP_RIG_PROBE" -t 600000 ready "$JCOP_READER"'
[ $rc = 124 ] || fail "a hanging command: exit $rc, expected 124"
grep -q "reader 'Virtual PCD 00 00' (card 0) does not answer" "$work/hung.err" ||
    fail "the hung reader is not named"
left "a timed-out command"

# 4. A new card's transport key: printed, and it opens the card.
run key "$rig" "${base[@]}" --new-card J2A040 -- /usr/bin/python3 -c '
import os, sys
sys.path.insert(0, sys.argv[1])
from rigcard import Card
with Card(os.environ["JCOP_READER"]) as c:
    c.tx("00A4040010" + os.environ["JCOP_KT_0"], "9000", "SELECT by the printed key")
' "$(dirname "$0")"
[ $rc = 0 ] || fail "SELECT with JCOP_KT_0 failed"
kt=$(sed -n 's/.*transport key \([0-9A-F]\{32\}\)$/\1/p' "$work/key.err")
[ -n "$kt" ] || fail "the new card's transport key is not printed"
grep -q "$kt" "$work/key.out" || fail "the printed key $kt is not the one the card holds"

# 5. The repository's build/ found without --build; options named whole.
mkdir -p "$work/repo/tools/rig" "$work/repo/build/x" "$work/elsewhere"
cp "$rig" "$work/repo/tools/rig/jcop-rig"
cp "$js" "$probe" "$work/repo/build/x/"
(cd "$work/elsewhere" && run self "$work/repo/tools/rig/jcop-rig" --memory-card J2A040 -- true
    [ $rc = 0 ] || fail "the rig did not find the repository's build/ by itself") || exit 1
mkdir -p "$work/empty"
(cd "$work/elsewhere" && PATH=/usr/sbin:/usr/bin:/sbin:/bin run noprobe "$rig" --build "$work/empty" --memory-card J2A040 -- true
    [ $rc = 3 ] || fail "no probe: exit $rc"
    grep -q -- '--probe PATH' "$work/noprobe.err" || fail "the probe error does not name --probe PATH") || exit 1
left "the whole test"
echo PASS
