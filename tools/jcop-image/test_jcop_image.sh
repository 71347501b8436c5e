#!/usr/bin/env bash
# jcop-image's command line, end to end: new (mode 0600, deterministic with
# --seed, never overwrites), show (named fields, addresses, ATR), diff (exit 1
# and the changed field), refusal of a corrupt or missing image (exit 3) and
# usage errors (exit 2); show and diff of a fused image (made by the
# make_fused_fixture helper through the in-process card).
# Usage: test_jcop_image.sh path/to/jcop-image path/to/make_fused_fixture
set -u
tool=$1
fixture=$2
dir=$(mktemp -d /tmp/jcop-image-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail=0
check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@"; then echo "ok - $what"; else echo "not ok - $what"; fail=1; fi
}
expect_rc() { # expected rc, description, command...
    local want=$1 what=$2; shift 2
    "$@" >"$dir/out" 2>"$dir/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then echo "ok - $what (exit $rc)"; else
        echo "not ok - $what: exit $rc, expected $want"; cat "$dir/out" "$dir/err"; fail=1; fi
}

expect_rc 0 "--help" "$tool" --help
check "--help names the commands" grep -q "jcop-image new" "$dir/out"
expect_rc 0 "--version" "$tool" --version
check "--version prints a version" grep -Eq "^jcop-image [0-9]+\.[0-9]+" "$dir/out"
expect_rc 2 "no command" "$tool"
expect_rc 2 "unknown command" "$tool" frobnicate
expect_rc 2 "unknown option" "$tool" new --nope "$dir/x.img"
expect_rc 2 "bad --kt" "$tool" new --kt 1234 "$dir/x.img"
expect_rc 2 "unknown profile" "$tool" new --profile J9 "$dir/x.img"
check "usage errors created nothing" test ! -e "$dir/x.img"

KT=000102030405060708090A0B0C0D0E0F
expect_rc 0 "new with --kt and --seed" "$tool" new --kt $KT --seed 7 "$dir/a.img"
check "new prints the KT" grep -q "^KT *$KT" "$dir/out"
check "new prints CM_KEY1..3 and GPIN" bash -c "grep -c '^CM_KEY[123] *[0-9A-F]\{32\}' '$dir/out' | grep -qx 3 && grep -q '^GPIN *[0-9A-F]\{10\} ' '$dir/out'"
check "image mode is 0600" test "$(stat -c %a "$dir/a.img")" = 600
key1=$(awk '/^CM_KEY1/ {print $2}' "$dir/out")
expect_rc 3 "new refuses an existing file" "$tool" new --seed 7 "$dir/a.img"
expect_rc 0 "same seed again" "$tool" new --kt $KT --seed 7 "$dir/a2.img"
check "same seed gives the same image" cmp -s "$dir/a.img" "$dir/a2.img"
expect_rc 0 "random new" "$tool" new --profile J2E145 "$dir/r.img"
check "random KT printed" grep -Eq "^KT +[0-9A-F]{32}" "$dir/out"

expect_rc 0 "show" "$tool" show "$dir/a.img"
check "show: profile" grep -q "^profile  J2A040" "$dir/out"
check "show: unfused" grep -q "unfused" "$dir/out"
check "show: CM_KEY1 with address and the printed value" grep -Eq "CM_KEY1 +0xC00305 16  $key1" "$dir/out"
check "show: GPIN_LEN 05" grep -Eq "GPIN_LEN +0xC00407  1  05 " "$dir/out"
check "show: labels" grep -q "\[confirmed\]" "$dir/out"
check "show: cold ATR of J2A040, well-formed" grep -q "^ATR (cold) 3BF81300008131FE454A434F5076323431B7  well-formed" "$dir/out"
expect_rc 0 "show J2E145" "$tool" show "$dir/r.img"
check "show: J2E145 ATR" grep -q "^ATR (cold) 3BF91300008131FE454A434F503234325233A2" "$dir/out"

expect_rc 0 "diff identical" "$tool" diff "$dir/a.img" "$dir/a2.img"
check "diff says identical" grep -qx "identical" "$dir/out"
expect_rc 0 "new with another seed" "$tool" new --kt $KT --seed 8 "$dir/b.img"
expect_rc 1 "diff of different keys" "$tool" diff "$dir/a.img" "$dir/b.img"
check "diff names CM_KEY1" grep -q "^CM_KEY1 (0xC00305): $key1 -> " "$dir/out"
check "diff does not report the KT" bash -c "! grep -q '^KT' '$dir/out'"

head -c 5000 "$dir/a.img" >"$dir/short.img"
expect_rc 3 "show of a truncated image" "$tool" show "$dir/short.img"
check "truncated: one clear line" grep -q "truncated" "$dir/err"
cp "$dir/a.img" "$dir/flip.img"
printf '\x55' | dd of="$dir/flip.img" bs=1 seek=3000 conv=notrunc 2>/dev/null
expect_rc 3 "show of a corrupted image" "$tool" show "$dir/flip.img"
check "corrupt: says integrity" grep -q "integrity" "$dir/err"
expect_rc 3 "diff with a corrupt image" "$tool" diff "$dir/a.img" "$dir/flip.img"
expect_rc 3 "show of a missing image" "$tool" show "$dir/none.img"
# a fused image: key sets and registry shown, diff names the GP changes
cp "$dir/a.img" "$dir/f.img"
check "fixture fuses a copy" "$fixture" "$dir/f.img" $KT
expect_rc 0 "show fused" "$tool" show "$dir/f.img"
check "show: fused state" grep -q "^state    FUSED" "$dir/out"
check "show: protected and fused flags" grep -q "^flags    protected=yes fused=yes$" "$dir/out"
check "show: OP_READY" grep -q "card life cycle 01 OP_READY" "$dir/out"
check "show: key set FF" grep -q "version FF  sequence counter 0000" "$dir/out"
check "show: ENC key 40..4F" grep -q "ENC 404142434445464748494A4B4C4D4E4F" "$dir/out"
check "show: ISD in the registry" grep -Eq "ISD +A000000003000000  life cycle 01  privileges 9E" "$dir/out"
check "show: pre-installed load file" grep -Eq "load file +A0000000035350  life cycle 01" "$dir/out"
check "show: its module" grep -q "module A000000003535041" "$dir/out"
expect_rc 1 "diff unfused vs fused" "$tool" diff "$dir/a.img" "$dir/f.img"
check "diff: flags" grep -q "^flags: protected 0 -> 1, fused 0 -> 1" "$dir/out"
check "diff: CM_LIFECYCLE" grep -q "^CM_LIFECYCLE (0xC00301): 00 -> 01" "$dir/out"
check "diff: card life cycle" grep -q "^card life cycle: 00 -> 01" "$dir/out"
check "diff: key set" grep -q "^key set slot 0" "$dir/out"
check "diff: registry" grep -q "^registry slot 0: free  (00) -> ISD A000000003000000 (01)" "$dir/out"
exit $fail
