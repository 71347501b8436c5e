#!/usr/bin/env bash
# test_prepers_rig.sh: every jcop-prepers subcommand against jcopsim through
# the private pcscd rig (pcscd -> vpcd -> jcopsim), and jcop-explain on what
# real tools printed in the same rig (scriptor's output, jcopsim's trace).
#
# usage: test_prepers_rig.sh RIG BUILD PREPERS EXPLAIN WORKDIR
# Two cards: card 0 goes through plan/backup/twin/apply/verify, card 1 is
# rehearsed on directly through PC/SC. Each check prints "ok" or "not ok";
# the script exits 1 at the end if any check failed.
set -uo pipefail
if [ "${1:-}" = inner ]; then
    shift
    P=$1 E=$2 W=$3
    KT=000102030405060708090A0B0C0D0E0F
    fails=0
    ok() { echo "ok - $1"; }
    bad() { echo "not ok - $1"; fails=$((fails + 1)); }
    check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
    run() { # run NAME EXPECTED_RC CMD...: output in $W/NAME.out
        local name=$1 want=$2; shift 2
        timeout 120 "$@" > "$W/$name.out" 2>&1 < /dev/null
        local rc=$?
        if [ "$rc" -eq "$want" ]; then ok "$name exits $want"; else bad "$name exits $rc, want $want"; sed 's/^/    /' "$W/$name.out" | tail -25; fi
    }
    R0=$JCOP_READER_0 R1=$JCOP_READER_1

    # plan: explained sequence, keys hidden, plan file 0600
    run plan 0 "$P" plan --kt $KT --save-plan "$W/plan" --gpin-ascii 24680
    check "plan file has mode 0600" [ "$(stat -c %a "$W/plan")" = 600 ]
    check "plan names BOOT and CM_KEY1" grep -q "WRITE MEMORY 0xC00305, 16 bytes = CM_KEY1" "$W/plan.out"
    enc=$(awk '$1=="enc"{print $2}' "$W/plan")
    check "plan output hides the new keys" bash -c "! grep -qi '$enc' '$W/plan.out'"
    run plan-show-keys 0 "$P" plan --plan "$W/plan" --show-keys
    check "plan --show-keys prints them" grep -qi "$enc" "$W/plan-show-keys.out"

    # backup through PC/SC
    run backup 0 "$P" backup --reader "$R0" --kt $KT --out "$W/backup"
    check "backup file has mode 0600" [ "$(stat -c %a "$W/backup")" = 600 ]
    check "backup holds three CM keys and IDENTIFY" bash -c "grep -c '^cm-key[123] [0-9A-F]\{32\}$' '$W/backup' | grep -qx 3 && grep -q '^identify ' '$W/backup'"
    k1=$(awk '$1=="cm-key1"{print $2}' "$W/backup")
    check "backup output hides the old keys" bash -c "! grep -qi '$k1' '$W/backup.out'"
    run backup-again 2 "$P" backup --reader "$R0" --kt $KT --out "$W/backup"
    run backup-wrong-kt 1 "$P" backup --reader "$R0" --kt FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF --out "$W/backup-bad"

    # twin: the whole window into an image, then rehearse on it in-process
    run twin 0 "$P" twin --reader "$R0" --kt $KT --out "$W/twin.img"
    check "twin image has mode 0600" [ "$(stat -c %a "$W/twin.img")" = 600 ]
    run rehearse-twin 0 "$P" rehearse --image "$W/twin.img" --plan "$W/plan" --html "$W/twin.html"
    check "rehearsal authenticated with the new keys" grep -q "secure channel open (SCP02, C-MAC) with the new keys" "$W/rehearse-twin.out"
    check "rehearsal report written" [ -s "$W/twin.html" ]
    run rehearse-twin-again 0 "$P" rehearse --image "$W/twin.img" --plan "$W/plan" -q

    # rehearse on card 1 through PC/SC: refused without --allow-irreversible
    run rehearse-pcsc-refused 2 "$P" rehearse --reader "$R1" --kt $KT --plan "$W/plan"
    run rehearse-pcsc 0 "$P" rehearse --reader "$R1" --kt $KT --plan "$W/plan" --allow-irreversible --html "$W/pcsc.html"
    check "PC/SC report hides the new key" bash -c "! grep -qi '$enc' '$W/pcsc.html'"
    check "PC/SC report marks CM_KEY1 as changed" grep -q '<tr class="field changed" data-field="CM_KEY1">' "$W/pcsc.html"
    check "PC/SC report shows the path to OP_READY" grep -q 'data-state="OP_READY" data-visited="yes"' "$W/pcsc.html"

    # apply: refusals first
    run apply-fuse-without-protect 2 "$P" apply --reader "$R0" --plan "$W/plan" --backup "$W/backup" --fuse --yes
    sed "s/^cm-key2 .*/cm-key2 00112233445566778899AABBCCDDEEFF/" "$W/backup" > "$W/backup-other"
    run apply-other-card 1 "$P" apply --reader "$R0" --plan "$W/plan" --backup "$W/backup-other" --protect --fuse --yes
    check "apply names the refusal" grep -q "REFUSED: this card is not the card" "$W/apply-other-card.out"
    run apply-writes-only 0 "$P" apply --reader "$R0" --plan "$W/plan" --backup "$W/backup"
    check "apply without flags stops before PROTECT and FUSE" grep -q "Stopped before PROTECT and FUSE" "$W/apply-writes-only.out"
    check "apply without flags sent no PROTECT" bash -c "! grep -q '=> 00100000' '$W/apply-writes-only.out'"
    run verify-unfused 1 "$P" verify --reader "$R0" --plan "$W/plan"
    echo "not-the-name" > "$W/typed"
    timeout 60 "$P" apply --reader "$R0" --plan "$W/plan" --backup "$W/backup" --protect --fuse < "$W/typed" > "$W/apply-typo.out" 2>&1
    rc=$?
    check "a wrong typed name stops PROTECT (exit $rc)" bash -c "[ $rc = 1 ] && grep -q 'PROTECT not sent' '$W/apply-typo.out'"
    name=$(awk '$1=="name"{print $2}' "$W/backup")
    printf '%s\n%s\n' "$name" "$name" > "$W/typed"
    timeout 60 "$P" apply --reader "$R0" --plan "$W/plan" --backup "$W/backup" --protect < "$W/typed" > "$W/apply-protect.out" 2>&1
    rc=$?
    check "the typed card name lets PROTECT through, FUSE not asked (exit $rc)" bash -c "[ $rc = 0 ] && grep -q 'Stopped before FUSE' '$W/apply-protect.out'"
    run apply-fuse 0 "$P" apply --reader "$R0" --plan "$W/plan" --backup "$W/backup" --protect --fuse --yes
    check "apply authenticated after FUSE" grep -q "is fused and answers to the new keys" "$W/apply-fuse.out"
    run verify 0 "$P" verify --reader "$R0" --plan "$W/plan"
    check "verify prints the life cycle" grep -q "card life cycle: OP_READY (01)" "$W/verify.out"
    run backup-fused 1 "$P" backup --reader "$R0" --kt $KT --out "$W/backup-fused"
    run apply-fused 1 "$P" apply --reader "$R0" --plan "$W/plan" --backup "$W/backup" --protect --fuse --yes
    run verify-wrong-keys 1 "$P" verify --reader "$R0" --key 404142434445464748494A4B4C4D4E4F

    # scriptor through the same rig, explained
    printf '00A4040009A000000167413000FF00\n00A4040010%s\n00A4040000\n80CA9F7F00\n' $KT > "$W/probe.scriptor"
    timeout 30 scriptor -r "$R0" "$W/probe.scriptor" > "$W/scriptor.out" 2>&1
    run explain-scriptor 0 "$E" "$W/scriptor.out"
    check "scriptor: IDENTIFY decoded as fused" grep -q "FUSE STATE (byte 14) = 01" "$W/explain-scriptor.out"
    check "scriptor: SW explained" grep -q "SW 6A82 FILE_NOT_FOUND" "$W/explain-scriptor.out"
    check "scriptor: CPLC decoded" grep -q "IC fabricator 4790 (NXP)" "$W/explain-scriptor.out"
    exit $((fails > 0))
fi

RIG=$1 BUILD=$2 P=$3 E=$4 W=$5
rm -rf "$W" && mkdir -p "$W"
KT=000102030405060708090A0B0C0D0E0F
timeout 900 "$RIG" --build "$BUILD" -q \
    --new-card J2A040:0 --arg --kt=$KT --arg --trace="$W/card0.trace" \
    --new-card J2A040:1 --arg --kt=$KT \
    -- bash "$0" inner "$P" "$E" "$W"
rc=$?
# jcopsim's trace of card 0 (the whole story), explained
if [ -s "$W/card0.trace" ]; then
    "$E" "$W/card0.trace" > "$W/explain-trace.out" 2>&1
    erc=$?
    for want in "transport key" "BOOT (JCOP pre-personalization)" "CM_LIFECYCLE := 01" "FUSE is irreversible" \
                "card state: unfused, booted and protected -> fused, OP_READY" "secure channel: open at level 01"; do
        if [ $erc = 0 ] && grep -qF "$want" "$W/explain-trace.out"; then echo "ok - trace explained: $want"
        else echo "not ok - trace explained: $want (exit $erc)"; rc=1; fi
    done
else
    echo "not ok - jcopsim wrote no trace"; rc=1
fi
exit $rc
