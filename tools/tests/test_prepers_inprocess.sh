#!/usr/bin/env bash
# test_prepers_inprocess.sh: jcop-prepers on the in-process virtual card (an
# image made by jcop-image), without pcscd: the same story as the rig test for
# machines where the rig cannot run, plus the plan-file and usage errors.
# usage: test_prepers_inprocess.sh PREPERS JCOP_IMAGE WORKDIR
set -uo pipefail
P=$1 IMG=$2 W=$3
rm -rf "$W" && mkdir -p "$W"
KT=000102030405060708090A0B0C0D0E0F
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
run() {
    local name=$1 want=$2; shift 2
    timeout 120 "$@" > "$W/$name.out" 2>&1 < /dev/null
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name exits $want"; else bad "$name exits $rc, want $want"; tail -20 "$W/$name.out" | sed 's/^/    /'; fi
}
timeout 30 "$IMG" new --kt $KT "$W/card.img" > /dev/null 2>&1 || { echo "not ok - jcop-image new"; exit 1; }
C=(--image "$W/card.img")

run plan 0 "$P" plan --save-plan "$W/plan" --lifecycle 0F --atr-hist 4A434F5076323431
check "plan without --kt shows KT as a placeholder" grep -q "00A4040010KTKTKT" "$W/plan.out"
check "plan writes the historical bytes twice (cold and warm)" bash -c "[ \$(grep -c 'ATR historical bytes' '$W/plan.out') -ge 4 ]"
run plan-bad-lifecycle 2 "$P" plan --lifecycle 02
run plan-bad-key 2 "$P" plan --enc 00112233
run plan-zero-key 2 "$P" plan --key 00000000000000000000000000000000
run plan-exists 2 "$P" plan --save-plan "$W/plan"
printf 'profile J2A040\nenc 0011\n' > "$W/bad.plan"
run plan-file-bad 2 "$P" rehearse --plan "$W/bad.plan"
check "bad plan file named with its line" grep -q "bad.plan:2: bad line 'enc'" "$W/plan-file-bad.out"
run no-command 2 "$P"
run unknown-command 2 "$P" erase
run no-card 2 "$P" backup --kt $KT --out "$W/x"

run backup 0 "$P" backup "${C[@]}" --kt $KT --out "$W/backup"
run twin 0 "$P" twin "${C[@]}" --kt $KT --out "$W/twin.img"
run rehearse-twin 0 "$P" rehearse --image "$W/twin.img" --plan "$W/plan" --html "$W/r.html"
check "rehearsal ends SECURED (plan lifecycle 0F)" grep -q "card life cycle: SECURED (0F)" "$W/rehearse-twin.out"
check "the twin stays unfused" bash -c "'$P' backup --image '$W/twin.img' --kt $KT --out '$W/twin-backup' >/dev/null 2>&1"
run apply-writes 0 "$P" apply "${C[@]}" --plan "$W/plan" --backup "$W/backup"
run apply-all 0 "$P" apply "${C[@]}" --plan "$W/plan" --backup "$W/backup" --protect --fuse --yes
run verify 0 "$P" verify "${C[@]}" --plan "$W/plan"
check "verify: SECURED" grep -q "card life cycle: SECURED (0F)" "$W/verify.out"
check "the new ATR historical bytes are served" grep -q "historical bytes \"JCOPv241\"" "$W/verify.out"
run rehearse-j2e145 0 "$P" rehearse -q --profile J2E145
check "J2E145 rehearsal authenticates to its ISD A000000151000000" grep -q "=> 00A4040008A00000015100000000" "$W/rehearse-j2e145.out"
run rehearse-fused-twin 1 "$P" rehearse --image "$W/card.img" --plan "$W/plan"
exit $((fails > 0))
