#!/usr/bin/env bash
# The stuck-reader trap of vpcd-facts.md, shown on purpose: the rig runs this
# with jcopsim --no-reannounce, and kill_restart.py must then fail exactly by
# the restarted card never appearing. This proves the kill/restart test can
# fail, and that jcopsim's re-announce is what makes it pass.
set -u
here=$(dirname "$0")
out=$(timeout 120 /usr/bin/python3 "$here/kill_restart.py" 3 8 2>&1)
rc=$?
echo "$out" | grep -v '^  [=<]'
if [ "$rc" -eq 1 ] && grep -q 'ctl wait-card 0 8 failed' <<<"$out"; then
    echo "PASS: without the re-announce the restarted card stayed invisible (the trap)"
    exit 0
fi
echo "FAIL: expected the trap (exit 1, card never present), got exit $rc" >&2
exit 1
