#!/bin/sh
# expect.sh STATUS TEXT COMMAND...: run COMMAND, show its output, and succeed only when it exits
# with STATUS and its output (stdout + stderr) contains TEXT (a fixed string; "" = any).
want=$1; text=$2; shift 2
out=$("$@" 2>&1); got=$?
printf '%s\n' "$out"
if [ "$got" -ne "$want" ]; then
  echo "expect.sh: exit status $got, expected $want" >&2; exit 1
fi
if [ -n "$text" ] && ! printf '%s\n' "$out" | grep -qF -- "$text"; then
  echo "expect.sh: output lacks: $text" >&2; exit 1
fi
exit 0
