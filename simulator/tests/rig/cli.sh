#!/usr/bin/env bash
# jcopsim's command line without pcscd: help and version, usage errors (2), an
# unusable image refused with exit 3 and left unchanged (missing, corrupted,
# truncated), a new image created 0600 and never overwritten, vpcd unreachable
# within the retry budget (3), and the warning for a non-loopback address.
set -u
js=$1
tmp=$(mktemp -d "${JCOPSIM_TEST_TMP:-/tmp}/jcopsim-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # expect CODE ARGS...: run jcopsim, check its exit code
    local want=$1
    shift
    timeout 20 "$js" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" = "$want" ] || fail "jcopsim $* exited $got, expected $want: $(cat "$tmp/err")"
}
kt=404142434445464748494A4B4C4D4E4F

expect 0 --help
grep -q '^usage: jcopsim' "$tmp/out" || fail "--help text"
expect 0 --version
grep -q '^jcopsim [0-9]' "$tmp/out" || fail "--version text"
expect 0 --list-profiles
grep -q '^J2A040' "$tmp/out" || fail "--list-profiles"

expect 2 --bogus
expect 2
expect 2 --new --memory --image "$tmp/x.img"
expect 2 --new --image "$tmp/x.img" --kt 0011
expect 2 --memory --profile NO_SUCH_CARD
expect 2 --image "$tmp/x.img" --kt $kt
expect 2 --memory --port 0
expect 2 --memory extra-argument
[ ! -e "$tmp/x.img" ] || fail "a usage error created an image"

expect 3 --image "$tmp/missing.img"
grep -q 'cannot use image' "$tmp/err" || fail "message for a missing image: $(cat "$tmp/err")"
grep -q 'No such file or directory' "$tmp/err" || fail "a missing image is not called missing: $(cat "$tmp/err")"

# A new card: created 0600, then vpcd is unreachable within the budget.
expect 3 --new --image "$tmp/card.img" --kt $kt --connect 127.0.0.1:1 --retry-budget 1
grep -q 'unreachable' "$tmp/err" || fail "unreachable message: $(cat "$tmp/err")"
[ -s "$tmp/card.img" ] || fail "the new image was not created"
[ "$(stat -c %a "$tmp/card.img")" = 600 ] || fail "image mode $(stat -c %a "$tmp/card.img")"
cp "$tmp/card.img" "$tmp/orig.img"
expect 3 --new --image "$tmp/card.img" --connect 127.0.0.1:1 --retry-budget 1
cmp -s "$tmp/card.img" "$tmp/orig.img" || fail "--new overwrote an existing image"
grep -q 'exists' "$tmp/err" || fail "--new on an existing image does not say it exists: $(cat "$tmp/err")"
expect 3 --image "$tmp/card.img" --connect 127.0.0.1:1 --retry-budget 1

# Corrupted: one byte flipped in the middle; truncated: the last 100 bytes gone.
size=$(stat -c %s "$tmp/card.img")
cp "$tmp/orig.img" "$tmp/bad.img"
printf '\x5a' | dd of="$tmp/bad.img" bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$tmp/bad.img" "$tmp/orig.img" && printf '\xa5' | dd of="$tmp/bad.img" bs=1 seek=$((size / 2)) conv=notrunc status=none
cp "$tmp/bad.img" "$tmp/bad.copy"
expect 3 --image "$tmp/bad.img" --connect 127.0.0.1:1 --retry-budget 1
grep -q 'cannot use image' "$tmp/err" || fail "corrupt image message: $(cat "$tmp/err")"
cmp -s "$tmp/bad.img" "$tmp/bad.copy" || fail "a refused image was changed"
head -c $((size - 100)) "$tmp/orig.img" >"$tmp/short.img"
expect 3 --image "$tmp/short.img" --connect 127.0.0.1:1 --retry-budget 1
grep -q 'cannot use image' "$tmp/err" || fail "truncated image message"

# Reversed mode on an address that is not loopback: warned, and not bindable here.
expect 3 --memory --listen 192.0.2.1:35963
grep -q 'not a loopback' "$tmp/err" || fail "no loopback warning: $(cat "$tmp/err")"
echo PASS
