#!/usr/bin/env bash
# test_newcomer.sh: the rough edges a new user met (issue 18), each checked as
# the user met it, without pcscd (the rig's are in simulator/tests/rig).
# usage: test_newcomer.sh SRC_DIR WORKDIR JCOPSIM JCOP_REPLAY JCOP_PREPERS JCOP_EXPLAIN JCOP_IMAGE
set -uo pipefail
SRC=$1 W=$2 JS=$3 RP=$4 PP=$5 EX=$6 IM=$7
rm -rf "$W" && mkdir -p "$W"
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
# run NAME WANT CMD...: exit code WANT; output (both streams) in $W/NAME.out
run() {
    local name=$1 want=$2
    shift 2
    timeout 60 "$@" >"$W/$name.out" 2>&1 </dev/null
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name exits $want"; else
        bad "$name exits $rc, want $want"
        tail -20 "$W/$name.out" | sed 's/^/    /'
    fi
}
has() { # has NAME PATTERN WHAT: the output of NAME matches PATTERN (grep -E)
    if grep -qE -- "$2" "$W/$1.out"; then ok "$3"; else
        bad "$3 (no /$2/ in $1's output)"
        tail -10 "$W/$1.out" | sed 's/^/    /'
    fi
}
lacks() {
    if grep -qE -- "$2" "$W/$1.out"; then bad "$3 (/$2/ in $1's output)"; else ok "$3"; fi
}

# Item 3: the cause, not "input/output error".
run js-missing 3 "$JS" --image "$W/missing.img"
has js-missing 'No such file or directory' "jcopsim --image missing.img says No such file"
: >"$W/exists.img"
run js-exists 3 "$JS" --new --image "$W/exists.img"
has js-exists 'exists' "jcopsim --new --image exists.img says it exists"
run pp-missing 3 "$PP" rehearse --image "$W/missing.img"
has pp-missing 'No such file or directory' "jcop-prepers rehearse --image missing.img says No such file"
lacks pp-missing 'input/output error' "jcop-prepers rehearse --image missing.img: no input/output error"

exit $((fails > 0))
