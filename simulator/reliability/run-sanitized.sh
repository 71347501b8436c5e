#!/usr/bin/env bash
# run-sanitized.sh: the whole tree under AddressSanitizer + UndefinedBehaviorSanitizer.
#
# Configures a separate build folder with -DJCOPSIM_SANITIZE=ON (cmake/options.cmake),
# builds everything, and runs the test suite there, so every unit test, every
# fuzz corpus replay and every daemon test runs sanitized; any report aborts
# the test that hit it (-fno-sanitize-recover=all). The valgrind test is left
# out of this build (valgrind and ASan do not mix); the rig tests run when the
# caller is root (they start a private pcscd).
#
# usage: run-sanitized.sh [--build-dir DIR] [--jobs N] [-- CTEST_ARGS...]
#   default DIR: <source>/../build-sanitize; e.g. `run-sanitized.sh -- -LE long`
# exit: ctest's status (0 all passed), 3 configure or build failed.
set -uo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build="$src/../build-sanitize"
jobs=$(nproc 2>/dev/null || echo 2)
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) echo "run-sanitized.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

# Leaks are errors; a UBSan report prints its stack; ASan keeps going in forks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

cmake -S "$src" -B "$build" -DJCOPSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
    { echo "run-sanitized.sh: configure failed in $build" >&2; exit 3; }
cmake --build "$build" -j"$jobs" ||
    { echo "run-sanitized.sh: build failed in $build" >&2; exit 3; }
ctest --test-dir "$build" --output-on-failure -j"$jobs" "$@"
