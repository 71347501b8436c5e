#!/usr/bin/env bash
# python_faulthandler.sh SOURCE_DIR: every Python program of the project (a .py
# file starting with a python3 #! line: the test clients, the rig tests, the
# host tools the tests run) enables faulthandler, so a crash in a C library
# (pyscard, libpcsclite) leaves the Python stack of every thread in the CI log
# instead of a bare "Segmentation fault". Modules without #! are exempt.
set -u
src=$1
cd "$src" || exit 2
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    files=$(git ls-files --cached --others --exclude-standard '*.py')
else # a source tree without git: skip build folders
    files=$(find . -name '*.py' -not -path '*/build*/*' -not -path './.git/*' | sed 's|^\./||')
fi
n=0 bad=0
for f in $files; do
    head -n1 "$f" | grep -q '^#!.*python' || continue
    n=$((n + 1))
    if ! grep -q '^faulthandler\.enable()' "$f"; then
        echo "FAIL: $f: a Python program without faulthandler.enable() at module level" >&2
        bad=$((bad + 1))
    fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no Python program found under $src" >&2; exit 1; }
[ "$bad" -eq 0 ] || exit 1
echo "PASS: $n Python programs enable faulthandler"
