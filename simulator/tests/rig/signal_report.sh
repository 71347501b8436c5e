#!/usr/bin/env bash
# signal_report.sh RIG [RIG OPTIONS]: a command that dies by a signal inside the
# rig is named with its signal on the rig's stderr, and the rig exits 128+N; a
# Python command gets faulthandler from the rig (PYTHONFAULTHANDLER=1), so its
# crash shows the Python stack; a command that merely fails gets no such line.
# Started through rig-test.sh (skips where the rig cannot run).
set -u
rig=$1
shift
fail() { echo "FAIL: $*" >&2; exit 1; }
ulimit -c 0 # the crashes below are on purpose: no core files
# The rig keeps its folder after a failing command: keep those out of /tmp.
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/signal-report.XXXXXX") || exit 3
export TMPDIR
trap 'rm -rf -- "$TMPDIR"' EXIT

# run EXPECTED_STATUS COMMAND...: the rig's exit status and stderr (in $err).
run() {
    local want=$1 rc
    shift
    err=$("$rig" -q "$@" 2>&1 >/dev/null)
    rc=$?
    [ "$rc" -eq "$want" ] || fail "rig exit $rc for '${*: -1}', expected $want; it said: $err"
}

py_crash='import ctypes; ctypes.string_at(0)'
run 139 "$@" -- /usr/bin/python3 -c "$py_crash"
grep -qF "jcop-rig: command '/usr/bin/python3 -c $py_crash' killed by signal 11 (SIGSEGV)" <<<"$err" ||
    fail "no SIGSEGV report naming the command: $err"
grep -q "Fatal Python error: Segmentation fault" <<<"$err" ||
    fail "no faulthandler stack from the crashed Python client: $err"
echo "# python3 SIGSEGV: $(grep 'killed by signal' <<<"$err")"

usr1=$(kill -l USR1)
run $((128 + usr1)) "$@" -- /bin/sh -c 'kill -USR1 $$'
grep -qF "killed by signal $usr1 (SIGUSR1)" <<<"$err" || fail "no SIGUSR1 report: $err"
echo "# sh SIGUSR1: $(grep 'killed by signal' <<<"$err")"

run 3 "$@" -- /bin/sh -c 'exit 3'
if grep -q "killed by signal" <<<"$err"; then fail "a plain exit 3 was reported as a signal: $err"; fi
echo "# sh exit 3: no signal report"
echo PASS
