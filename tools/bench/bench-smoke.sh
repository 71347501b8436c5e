#!/bin/sh
# bench-smoke.sh: the ctest smoke test of jcop-bench. Runs the in-process
# benchmark with tiny counts (figures meaningless) and checks that the table
# is well formed: a header, six cells per row, every expected measurement
# present, a number or "n/a" as median, a known verdict. It asserts nothing
# about speed. Also checks the `crypto`, `row` and `proc` commands and a usage error.
# usage: bench-smoke.sh JCOP_BENCH [JCOP_REPLAY|""] SUITE_DIR
set -u
bench=$1 replay=${2:-} suite=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jcop-bench-smoke.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "bench-smoke: $*" >&2
    echo "--- output:" >&2
    cat "$tmp/out" >&2 2>/dev/null
    exit 1
}

# One jcop-replay per script (not ctest: this runs inside ctest), with the
# suite's transport key.
kt=$(awk '$1 == "/set-var" && $2 == "KT" {print $3}' "$suite/lib/vars.jcsh" 2>/dev/null)
set -- --quick --dir "$tmp" --suite "$suite"
[ -n "$replay" ] && set -- "$@" --replay "$replay"
[ -n "$kt" ] && set -- "$@" --replay-arg=--kt "--replay-arg=$kt"
timeout 240 "$bench" "$@" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/err" >&2; fail "jcop-bench exited $rc"; }

# well-formed table: header, separator, then rows of exactly six cells
check_table() { # check_table FILE EXPECTED_ROWS
    awk -v want="$2" -F'|' '
        NR == 1 { if ($0 != "| measurement | median | unit | detail | target | verdict |") { print "bad header: " $0; bad = 1 } next }
        NR == 2 { if ($0 !~ /^\|(-+:?\|)+$/) { print "bad separator: " $0; bad = 1 } next }
        {
            rows++
            if (NF != 8 || $1 != "" || $8 != "") { print "row " NR " has not 6 cells: " $0; bad = 1; next }
            m = $3; gsub(/^ +| +$/, "", m)
            v = $7; gsub(/^ +| +$/, "", v)
            if (m !~ /^[0-9][0-9,]*(\.[0-9]+)?$/ && m != "n/a") { print "row " NR ": median not a number: " m; bad = 1 }
            if (v != "met" && v != "MISSED" && v != "-" && v != "n/a") { print "row " NR ": verdict " v; bad = 1 }
            if (m == "n/a" && v != "n/a") { print "row " NR ": n/a median with verdict " v; bad = 1 }
        }
        END { if (rows != want) { print "expected " want " rows, got " rows; bad = 1 } exit bad }' "$1"
}
msg=$(check_table "$tmp/out" 16) || fail "$msg"
for what in "in-process READ MEMORY 16 B" "in-process SELECT unknown AID" "in-process SCP02 handshake" \
    "... the card side alone" "conformance suite in-process" "durable WRITE MEMORY 16 B" \
    "... the disk alone" "... ratio card / disk alone" \
    "SCP02 handshake on a file image" "JCVM bytecodes, arithmetic loop" "JCVM echo applet" \
    "JCVM echo applet through the card core" "durable applet transaction" \
    "... the disk alone: same-sized write" "... ratio applet transaction / disk alone" \
    "... the card's own CPU time per transaction"; do
    grep -q "^| $what" "$tmp/out" || fail "no row '$what'"
done
# The bench applet (jbench.cap, assembled by the build) installs through the ISD and runs:
# its rows are measured, never n/a, and the transaction ratio is a positive number.
grep -E '^\| (JCVM echo applet through|durable applet transaction|\.\.\. ratio applet)[^|]*\| n/a' "$tmp/out" &&
    fail "bench applet rows not measured"
awk -F'|' '/^\| \.\.\. ratio applet transaction/ { m = $3; gsub(/[ ,]/, "", m); exit !(m + 0 > 0) }' "$tmp/out" ||
    fail "transaction ratio is not a positive number"
# The Java Card VM rows run applets assembled in the bench: always measurable.
grep -E '^\| JCVM [^|]*\| n/a' "$tmp/out" && fail "JCVM rows not measured"
# The simple-APDU and durable-write rows are always measurable on any core.
grep -E '^\| in-process READ MEMORY[^|]*\| n/a' "$tmp/out" && fail "READ MEMORY not measured"
grep -E '^\| durable WRITE MEMORY[^|]*\| n/a' "$tmp/out" && fail "durable writes not measured"
# No image may be left behind.
[ -z "$(ls "$tmp" | grep '\.img')" ] || fail "image files left in $tmp"

# applet: the bench applet rows alone (same four measured rows and the cost row)
timeout 120 "$bench" applet --quick --dir "$tmp" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "applet failed"; }
msg=$(check_table "$tmp/out" 5) || fail "$msg"
grep -q '| n/a |' "$tmp/out" && fail "an applet row was not measured"
# mkimage: a fused image with the bench applet (the pcscd echo row's card); never over a file
"$bench" mkimage "$tmp/applet.img" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "mkimage failed"; }
[ -s "$tmp/applet.img" ] || fail "mkimage wrote no image"
"$bench" mkimage "$tmp/applet.img" 2>/dev/null && fail "mkimage wrote over an existing image"
"$bench" mkimage --cap "$tmp/none.cap" "$tmp/other.img" 2>/dev/null && fail "mkimage without a CAP file succeeded"
[ -e "$tmp/other.img" ] && fail "mkimage left an image although the CAP file is missing"
rm -f "$tmp/applet.img"
# No image may be left behind by the applet rows.
[ -z "$(ls "$tmp" | grep '\.img')" ] || fail "image files left in $tmp"

# crypto: the three applet rows, measured (never n/a: the applet answers 9000)
timeout 120 "$bench" crypto --quick --rounds 1 >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "crypto failed"; }
msg=$(check_table "$tmp/out" 3) || fail "$msg"
for what in "applet RSA-2048 signature" "applet ECDSA P-256 signature" "applet AES-128 ECB encryption"; do
    grep -q "^| $what" "$tmp/out" || fail "no row '$what'"
done
grep -q '| n/a |' "$tmp/out" && fail "a crypto row was not measured"

# row: median of the given values, verdict from the target
"$bench" row "three values" s "<2" 3 1 2 >"$tmp/out" || fail "row command failed"
check_table "$tmp/out" 1 >/dev/null || fail "row output malformed"
grep -q '^| three values | 2.00 | s | 1.000..3.000 over 3 runs | < 2.00 | MISSED |$' "$tmp/out" ||
    fail "row median/verdict wrong"
"$bench" row --no-header "two values" x ">=0.9" 0.95 0.97 >"$tmp/out" || fail "row --no-header failed"
grep -q '| 0.960 | x |.*| met |$' "$tmp/out" || fail "row of two values: median should be 0.960, met"

# proc: this shell's own RSS
"$bench" proc --label "smoke shell" $$ >"$tmp/out" || fail "proc command failed"
check_table "$tmp/out" 1 >/dev/null || fail "proc output malformed"

# usage errors exit 2
"$bench" --apdus 0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--apdus 0 should be a usage error"
"$bench" row x s "~1" 1 >/dev/null 2>&1
[ $? -eq 2 ] || fail "a bad target should be a usage error"
echo "bench-smoke: table well formed"
exit 0
