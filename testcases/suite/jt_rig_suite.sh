#!/bin/bash
# jt_rig_suite.sh: the conformance suite's pass through the real PC/SC stack. Runs inside
# `jcop-rig --card IMG0:0 --card IMG1:1 ... -- jt_rig_suite.sh ...` (pcscd -> vpcd -> jcopsim on
# durable images). The steps are dealt round-robin to the rig's cards, one worker per card, the
# workers running side by side. For each step a worker stops its card, puts a copy of the wanted
# starting image in place of the card's image (a fresh unfused card, or the suite's fused card),
# starts the card again, waits until it answers through PC/SC (deadline), and runs jcop-replay on
# the card's reader with --allow-irreversible and one JUnit file per step.
# Step "restart-check": fuse-card.jcsh, then the daemon is restarted (TERM, then KILL) and
# still-fused.jcsh must pass after each restart.
#
# usage: jt_rig_suite.sh REPLAY JUNIT_DIR FRESH_IMG FUSED_IMG STEP...
#   STEP = fresh:SCRIPT[:GOLDEN] | fused:SCRIPT[:GOLDEN] | restart-check:FUSE_SCRIPT:CHECK_SCRIPT
#          | safe-fresh:SCRIPT | safe-fused:SCRIPT   (run WITHOUT --allow-irreversible: the read-only
#            subset must pass as it would on a real card, where the harness refuses FUSE, PROTECT and
#            one-way SET STATUS)
#          | refused-check:FUSE_SCRIPT:CHECK_SCRIPT   (FUSE_SCRIPT without --allow-irreversible must
#            exit 1: the harness refuses PROTECT/FUSE on a PC/SC reader; CHECK_SCRIPT then shows the
#            card is still unfused)
# Exit: 0 all passed, 1 a script failed, 2 usage or script error, 3 environment (a card did not
# come back).
set -u
if [ $# -lt 5 ] || [ -z "${JCOP_RIG:-}" ] || [ -z "${JCOP_CARDS:-}" ]; then
    echo "usage (inside jcop-rig with --card images): jt_rig_suite.sh REPLAY JUNIT_DIR FRESH_IMG FUSED_IMG STEP..." >&2
    exit 2
fi
replay=$1 junit=$2 fresh=$3 fused=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$junit"
status_dir=$(mktemp -d) || exit 3
trap 'rm -rf "$status_dir"' EXIT

# usable K: card K answers a power-up through PC/SC (a harmless script), retried until a deadline.
# (`ctl wait-card` already waits until the card answers an APDU; this also checks a whole power-up.)
usable() {
    local reader deadline=$((SECONDS + 20))
    reader=$(printenv "JCOP_READER_$1")
    while [ $SECONDS -lt $deadline ]; do
        timeout 10 "$replay" --reader "$reader" -q "$here/fresh-card.jcsh" >/dev/null 2>&1 && return 0
        "$JCOP_RIG" ctl wait-card "$1" 1 >/dev/null 2>&1
    done
    return 3
}

# restart K SIGNAL [IMG]: card K stopped with SIGNAL, its image replaced by a copy of IMG (if given),
# started again, and usable.
restart() {
    "$JCOP_RIG" ctl kill-card "$1" "$2" >/dev/null || return 3
    "$JCOP_RIG" ctl wait-empty "$1" 20 >/dev/null || return 3
    if [ -n "${3:-}" ]; then cp "$3" "$(printenv "JCOP_IMAGE_$1")" || return 3; fi
    "$JCOP_RIG" ctl start-card "$1" >/dev/null || return 3
    "$JCOP_RIG" ctl wait-card "$1" 20 >/dev/null || return 3
    usable "$1"
}

# run K INDEX SCRIPT [GOLDEN]: jcop-replay on card K's reader (ALLOW=no: without --allow-irreversible)
run() {
    local name
    name=$(basename "$3")
    name=${name%.*}
    local -a extra=()
    [ -n "${4:-}" ] && extra=(--diff "$4")
    [ "${ALLOW:-yes}" = yes ] && extra+=(--allow-irreversible)
    timeout 120 "$replay" --reader "$(printenv "JCOP_READER_$1")" -q "${extra[@]}" \
        --junit "$junit/rig-$(printf %02d "$2")-$name.xml" "$3"
}

# worker K: the steps whose index is K modulo the number of cards
worker() {
    local k=$1 worst=0 i=0 rc step kind a b img
    note() { [ "$1" -gt "$worst" ] && worst=$1; }
    for step in "${steps[@]}"; do
        i=$((i + 1))
        [ $(((i - 1) % JCOP_CARDS)) -eq "$k" ] || continue
        IFS=: read -r kind a b <<<"$step"
        case $kind in
        fresh | fused | safe-fresh | safe-fused)
            img=$fresh
            [ "${kind#safe-}" = fused ] && img=$fused
            allow=yes
            [ "${kind#safe-}" != "$kind" ] && allow=no
            restart "$k" TERM "$img" || { echo "jt_rig_suite: card $k did not come back for $a" >&2; note 3; break; }
            ALLOW=$allow run "$k" "$i" "$a" "${b:-}"; note $?
            ;;
        refused-check)
            restart "$k" TERM "$fresh" || { note 3; break; }
            # no JUnit file for this run: its failure (the refusal) is the expected outcome
            timeout 120 "$replay" --reader "$(printenv "JCOP_READER_$k")" -q "$a" >/dev/null 2>&1
            rc=$?
            if [ "$rc" -ne 1 ]; then
                echo "jt_rig_suite: $a without --allow-irreversible exited $rc, not 1 (refused)" >&2
                note 1
            fi
            ALLOW=no run "$k" $((i * 100)) "$b"; note $?
            ;;
        restart-check)
            restart "$k" TERM "$fresh" || { note 3; break; }
            run "$k" "$i" "$a"; note $?
            for sig in TERM KILL; do
                restart "$k" "$sig" || { echo "jt_rig_suite: card $k did not come back after $sig" >&2; note 3; break; }
                i2=$((i * 100 + ${#sig}))
                run "$k" "$i2" "$b"; note $?
            done
            ;;
        *)
            echo "jt_rig_suite: bad step '$step'" >&2
            note 2
            ;;
        esac
    done
    echo "$worst" >"$status_dir/worker$k"
}

steps=("$@")
pids=()
for ((k = 0; k < JCOP_CARDS; k++)); do
    worker "$k" &
    pids+=($!)
done
wait "${pids[@]}"
worst=0
for ((k = 0; k < JCOP_CARDS; k++)); do
    rc=$(cat "$status_dir/worker$k" 2>/dev/null || echo 3)
    [ "$rc" -gt "$worst" ] && worst=$rc
done
exit $worst
