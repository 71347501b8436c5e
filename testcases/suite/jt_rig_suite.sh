#!/bin/bash
# jt_rig_suite.sh: the conformance suite's pass through the real PC/SC stack. Runs inside
# `jcop-rig --card IMAGE -- jt_rig_suite.sh ...` (pcscd -> vpcd -> jcopsim on a durable image):
# for each script it stops card 0, puts a copy of the wanted starting image in place of card 0's
# image (a fresh unfused card, or the suite's fused card), starts the card again, waits for it, and
# runs jcop-replay on its PC/SC reader with --allow-irreversible and a JUnit file per script.
# Special step "restart-check": fuse-card.jcsh, then the daemon is restarted (TERM, then KILL) and
# still-fused.jcsh must pass after each restart.
#
# usage: jt_rig_suite.sh REPLAY JUNIT_DIR FRESH_IMG FUSED_IMG STEP...
#   STEP = fresh:SCRIPT | fused:SCRIPT | fused:SCRIPT:GOLDEN | restart-check:FUSE_SCRIPT:CHECK_SCRIPT
# Exit: 0 all passed, 1 a script failed, 2 usage, 3 environment (the card did not come back).
set -u
if [ $# -lt 5 ] || [ -z "${JCOP_RIG:-}" ] || [ -z "${JCOP_IMAGE_0:-}" ]; then
    echo "usage (inside jcop-rig with one --card): jt_rig_suite.sh REPLAY JUNIT_DIR FRESH_IMG FUSED_IMG STEP..." >&2
    exit 2
fi
replay=$1 junit=$2 fresh=$3 fused=$4
here=$(cd "$(dirname "$0")" && pwd)
shift 4
mkdir -p "$junit"
worst=0
count=0
note() { [ "$1" -gt "$worst" ] && worst=$1; }

# usable: card 0 answers a power-up through PC/SC (a harmless script), retried until a deadline.
# (`ctl wait-card` can return while pcscd still shows the previous card process: see the report.)
usable() {
    local deadline=$((SECONDS + 20))
    while [ $SECONDS -lt $deadline ]; do
        timeout 10 "$replay" --reader "$JCOP_READER" -q "$here/fresh-card.jcsh" >/dev/null 2>&1 && return 0
        "$JCOP_RIG" ctl wait-card 0 1 >/dev/null 2>&1
    done
    return 3
}

# restart SIGNAL: card 0 stopped with SIGNAL and started again on whatever $JCOP_IMAGE_0 holds
# (run between kill and start: $2 if given, a command replacing the image)
restart() {
    "$JCOP_RIG" ctl kill-card 0 "$1" >/dev/null || return 3
    "$JCOP_RIG" ctl wait-empty 0 20 >/dev/null || return 3
    if [ -n "${2:-}" ]; then cp "$2" "$JCOP_IMAGE_0" || return 3; fi
    "$JCOP_RIG" ctl start-card 0 >/dev/null || return 3
    "$JCOP_RIG" ctl wait-card 0 20 >/dev/null || return 3
    usable
}

# run SCRIPT [GOLDEN]
run() {
    local name
    name=$(basename "$1")
    name=${name%.*}
    count=$((count + 1))
    local -a extra=()
    [ -n "${2:-}" ] && extra=(--diff "$2")
    timeout 120 "$replay" --reader "$JCOP_READER" --allow-irreversible -q "${extra[@]}" \
        --junit "$junit/rig-$(printf %02d $count)-$name.xml" "$1"
}

for step in "$@"; do
    IFS=: read -r kind a b <<<"$step"
    case $kind in
    fresh | fused)
        img=$fresh
        [ "$kind" = fused ] && img=$fused
        restart TERM "$img" || { echo "jt_rig_suite: card 0 did not come back for $a" >&2; exit 3; }
        run "$a" "${b:-}"
        note $?
        ;;
    restart-check)
        restart TERM "$fresh" || exit 3
        run "$a"; note $?
        for sig in TERM KILL; do
            restart "$sig" || { echo "jt_rig_suite: card 0 did not come back after $sig" >&2; exit 3; }
            run "$b"; note $?
        done
        ;;
    *)
        echo "jt_rig_suite: bad step '$step'" >&2
        exit 2
        ;;
    esac
done
exit $worst
