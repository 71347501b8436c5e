#!/usr/bin/env bash
# run-fuzz.sh: the bounded fuzzing run (ctest label "fuzz" in a -DJCOPSIM_FUZZ=ON
# clang build; CI calls it with a time limit). Each libFuzzer target runs for
# SECONDS on a scratch copy of its seed corpus (the tree is never written);
# the executions per target are printed; a crash, leak or timeout fails the run
# and leaves the reproducer in WORK/artifacts/ (copy it into
# simulator/fuzz/corpus/<entry>/ so the replay test keeps it).
#
# usage: run-fuzz.sh --bin-dir BUILD [--seconds N] [--work DIR] [--jobs J] [TARGET...]
#        (TARGET = apdu image vpcd script crypto cap bytecode natives; default all that were built)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin_dir= seconds=60 work= targets=()
while [ $# -gt 0 ]; do
    case "$1" in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run-fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
    esac
done
if [ -z "$bin_dir" ]; then
    echo "run-fuzz.sh: give --bin-dir (a build configured with -DCMAKE_C_COMPILER=clang -DJCOPSIM_FUZZ=ON)" >&2
    exit 2
fi
case "$seconds" in ''|*[!0-9]*) echo "run-fuzz.sh: --seconds wants a number" >&2; exit 2 ;; esac
[ -n "$work" ] || work="$bin_dir/fuzz-work"
if [ ${#targets[@]} -eq 0 ]; then
    for e in apdu image vpcd script crypto cap bytecode natives; do targets+=("$e"); done
fi

mkdir -p "$work/artifacts"
status=0 ran=0
for e in "${targets[@]}"; do
    exe=$(find "$bin_dir" -type f -name "fuzz_$e" -perm -u+x | head -n 1)
    if [ -z "$exe" ]; then
        echo "run-fuzz.sh: fuzz_$e not built in $bin_dir: skipped" >&2
        continue
    fi
    seeds="$here/corpus/$e"
    [ -d "$seeds" ] || seeds="$here/../../harness/fuzz/corpus/$e" # the harness's parsers
    scratch="$work/corpus-$e"
    mkdir -p "$scratch"
    cp -n "$seeds"/* "$scratch"/ 2>/dev/null
    max_len=4096
    case "$e" in image|cap) max_len=65536 ;; vpcd) max_len=70000 ;; esac
    log="$work/fuzz_$e.log"
    # -timeout: one input may take this long; -rss_limit_mb: a leak or an
    # unbounded allocation is a finding.
    "$exe" -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$e-" "$scratch" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    ran=$((ran + 1))
    if [ $rc -ne 0 ]; then
        status=1
        echo "fuzz_$e: FAILED (exit $rc) after ${execs:-?} executions; see $log and $work/artifacts/"
        grep -m 5 -E 'ERROR|SUMMARY|oracle failed|Test unit written' "$log"
    else
        echo "fuzz_$e: ${execs:-?} executions in ${seconds}s, ${cov:-cov ?}, no crash"
    fi
done
if [ $ran -eq 0 ]; then
    echo "run-fuzz.sh: no fuzz target found in $bin_dir" >&2
    exit 3
fi
exit $status
