#!/usr/bin/env bash
# test_newcomer.sh: the rough edges a new user met (issue 18), each checked as
# the user met it, without pcscd (the rig's are in simulator/tests/rig).
# usage: test_newcomer.sh SRC_DIR WORKDIR JCOPSIM JCOP_REPLAY JCOP_PREPERS JCOP_EXPLAIN JCOP_IMAGE
set -uo pipefail
SRC=$1 W=$2 JS=$3 RP=$4 PP=$5 EX=$6 IM=$7
rm -rf "$W" && mkdir -p "$W"
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
# run NAME WANT CMD...: exit code WANT; output (both streams) in $W/NAME.out
run() {
    local name=$1 want=$2
    shift 2
    timeout 60 "$@" >"$W/$name.out" 2>&1 </dev/null
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name exits $want"; else
        bad "$name exits $rc, want $want"
        tail -20 "$W/$name.out" | sed 's/^/    /'
    fi
}
has() { # has NAME PATTERN WHAT: the output of NAME matches PATTERN (grep -E)
    if grep -qE -- "$2" "$W/$1.out"; then ok "$3"; else
        bad "$3 (no /$2/ in $1's output)"
        tail -10 "$W/$1.out" | sed 's/^/    /'
    fi
}
lacks() {
    if grep -qE -- "$2" "$W/$1.out"; then bad "$3 (/$2/ in $1's output)"; else ok "$3"; fi
}

# Item 1: a C-APDU shorter than 4 bytes never reaches a reader: file:line, exit 2,
# in every script language (the rig side is simulator/tests/rig/one_byte_apdu.py).
printf '/send 00\n' >"$W/short.jcsh"
printf '00\n' >"$W/short.scriptor"
printf 'send_apdu -sc 0 -APDU 04\n' >"$W/short.gpsh"
printf '/set-var X 00\n/send ${X}\n' >"$W/short-var.jcsh"
for f in short.jcsh short.scriptor short.gpsh short-var.jcsh; do
    run "$f" 2 "$RP" "$W/$f"
    has "$f" "$f:[0-9]+: " "$f: a 1-byte C-APDU is refused with file:line"
done

# Item 3: the cause, not "input/output error".
run js-missing 3 "$JS" --image "$W/missing.img"
has js-missing 'No such file or directory' "jcopsim --image missing.img says No such file"
: >"$W/exists.img"
run js-exists 3 "$JS" --new --image "$W/exists.img"
has js-exists 'the file exists' "jcopsim --new --image exists.img says it exists"
run pp-missing 3 "$PP" rehearse --image "$W/missing.img"
has pp-missing 'No such file or directory' "jcop-prepers rehearse --image missing.img says No such file"
lacks pp-missing 'input/output error' "jcop-prepers rehearse --image missing.img: no input/output error"

# Item 4: the default in-process card's transport key is stated where the user looks.
KT=000102030405060708090A0B0C0D0E0F
run rp-help 0 "$RP" --help
has rp-help 'random' "jcop-replay --help says the default card's transport key is random"
if grep -q 'random' "$SRC/tools/man/jcop-replay.1"; then ok "jcop-replay(1) says the default key is random"; else
    bad "jcop-replay(1) does not state the default card's transport key"; fi
printf '/select %s\n' $KT >"$W/kt.jcsh"
run rp-wrong-kt 0 "$RP" --explain "$W/kt.jcsh"
has rp-wrong-kt "give the card's key with --kt or use --image" "a 6A82 to a transport-key SELECT says what to do"
run js-trace 3 "$JS" --memory --profile J2E145 --kt $KT --trace="$W/t.trace" --connect 127.0.0.1:1 --retry-budget 1
cp "$W/t.trace" "$W/trace.out"
has trace "To replay.*jcop-replay --profile J2E145 --kt $KT" "a trace records how to replay it on a card like its own"

# Item 5: a script with no steps is an error, not a PASS.
printf '# nothing but a comment\n\n' >"$W/empty.jcsh"
: >"$W/zero.gpsh"
run rp-empty 2 "$RP" "$W/empty.jcsh"
has rp-empty 'empty.jcsh:1: no steps' "an empty .jcsh is a file:line error"
run rp-zero 2 "$RP" "$W/zero.gpsh"
lacks rp-zero 'PASS' "an empty .gpsh does not PASS"

# Item 6: --profile checked the same way everywhere; names in any case.
names='J2A040, J2E145'
run p-js 2 "$JS" --memory --profile nope
run p-rp 2 "$RP" --profile nope "$W/kt.jcsh"
run p-pp 2 "$PP" plan --profile nope
run p-im 2 "$IM" new --profile nope "$W/p.img"
run p-ex 2 "$EX" --profile nope "$W/kt.jcsh"
for t in p-js p-rp p-pp p-im p-ex; do has $t "unknown profile 'nope': valid profiles are $names" "$t: unknown profile refused with the valid names"; done
run p-rp-lower 0 "$RP" --profile j2e145 --kt $KT "$W/kt.jcsh"
has p-rp-lower 'in-process J2E145' "jcop-replay --profile j2e145 makes a J2E145"
run p-pp-lower 0 "$PP" plan --profile j2e145
has p-pp-lower 'profile J2E145' "jcop-prepers plan --profile j2e145 plans for J2E145"
run p-im-lower 0 "$IM" new --profile j2e145 "$W/lower.img"
run p-ex-lower 0 "$EX" --profile j2e145 "$SRC/tools/tests/data/$(ls "$SRC/tools/tests/data" | head -n1)"
run p-list 0 "$JS" --list-profiles
has p-list '^J2E145' "jcopsim --list-profiles lists the profiles"

# Item 8: README and man pages.
if [ -s "$SRC/tools/man/jcop-rig.1" ]; then ok "jcop-rig has a man page"; else bad "jcop-rig has no man page"; fi
if grep -q 'sudo' "$SRC/README.md"; then bad "the README still starts a command with sudo"; else ok "no sudo in the README"; fi
if grep -q 'as root' "$SRC/README.md"; then ok "the README says as root"; else bad "the README does not say as root"; fi
run fused-probe 1 "$RP" "$SRC/testcases/safe/fused-probe.jcsh"
has fused-probe 'needs a FUSED card' "safe/fused-probe.jcsh on an unfused card says it needs a fused one"

# Item 11: small things users notice.
TUT=$SRC/testcases/tutorial.jcsh
# colour on a terminal (script(1) gives the program a pseudo-terminal), none otherwise
esc=$'\033['
if command -v script >/dev/null; then
    TERM=xterm script -qec "'$RP' --kt $KT '$TUT'" /dev/null >"$W/tty.out" 2>&1 </dev/null
    if grep -qF "$esc" "$W/tty.out"; then ok "colour on a terminal"; else bad "no colour on a terminal"; fi
    NO_COLOR=1 TERM=xterm script -qec "'$RP' --kt $KT '$TUT'" /dev/null >"$W/nocolor.out" 2>&1 </dev/null
    if grep -qF "$esc" "$W/nocolor.out"; then bad "colour despite NO_COLOR"; else ok "NO_COLOR turns colour off"; fi
else
    echo "# script(1) missing: colour on a terminal not checked"
fi
run pipe 0 "$RP" --kt $KT "$TUT"
lacks pipe "$(printf '\033')" "no colour when standard output is not a terminal"
# one "power on" per power-up in verify
"$IM" new --kt $KT "$W/v.img" >/dev/null 2>&1
"$PP" backup --image "$W/v.img" --kt $KT --out "$W/v.bak" >/dev/null 2>&1
"$PP" plan --save-plan "$W/v.plan" >/dev/null 2>&1
"$PP" apply --image "$W/v.img" --plan "$W/v.plan" --backup "$W/v.bak" --protect --fuse --yes >/dev/null 2>&1
run verify 0 "$PP" verify --image "$W/v.img" --plan "$W/v.plan"
n=$(grep -c '^power on' "$W/verify.out")
if [ "$n" = 1 ]; then ok "verify: one power on for one power-up"; else bad "verify prints $n power on lines for one power-up"; fi
# files the tools write end with a newline
run reports 0 "$RP" --kt $KT --junit "$W/r.xml" --html "$W/r.html" "$TUT"
for f in "$W/r.xml" "$W/r.html" "$W/v.plan" "$W/v.bak" "$W/t.trace"; do
    if [ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" = 0a ]; then ok "${f##*/} ends with a newline"; else
        bad "${f##*/} does not end with a newline"; fi
done
# jcop-explain does not copy binary input to the terminal
run explain-binary 1 "$EX" "$W/v.img"
has explain-binary 'binary data' "jcop-explain names binary input"
if LC_ALL=C grep -q 'JCOPSIMG\|[[:cntrl:]]' <(grep -v 'jcop-explain:' "$W/explain-binary.out"); then
    bad "jcop-explain copied binary input"; else ok "jcop-explain copies nothing of a binary file"; fi
# --report-mode for a CI artefact collector; never writable by others
run mode 0 "$RP" --kt $KT --report-mode 0644 --junit "$W/m.xml" --html "$W/m.html" "$TUT"
[ "$(stat -c %a "$W/m.xml") $(stat -c %a "$W/m.html")" = "644 644" ] && ok "--report-mode 0644 applies to both reports" ||
    bad "--report-mode: modes $(stat -c %a "$W/m.xml") $(stat -c %a "$W/m.html")"
[ "$(stat -c %a "$W/r.xml")" = 600 ] && ok "reports stay 0600 by default" || bad "default report mode $(stat -c %a "$W/r.xml")"
run mode-bad 2 "$RP" --report-mode 0666 --junit "$W/m2.xml" "$TUT"

# Item 9: explanations that do not stop short.
run tut-x 0 "$RP" --kt $KT --explain "$TUT"
has tut-x 'GlobalPlatform version 2\.1\.1' "FCI card recognition data (tag 73): GP version decoded"
has tut-x 'secure channel: SCP02 with i=15' "FCI card recognition data (tag 73): SCP decoded"
has tut-x 'privileges 9E = security domain, card lock, card terminate, default selected, CVM management' \
    "the privileges byte spelled out"
has tut-x 'combo 3C \(byte 18' "IDENTIFY's remaining field (combo) decoded"
has tut-x 'new bytes \(before -> after\): ' "a memory change shown as before -> after"
has tut-x 'why it cannot be undone' "FUSE says why it cannot be undone"
lacks tut-x 'mapping assumed\) \[confirmed\]' "no label contradicting its own text"
lacks tut-x '\* card state:' "one line per state change (the card's own), not two vocabularies"
n=$(grep -c 'card state: ROOT_SELECTED -> BOOTED' "$W/tut-x.out")
[ "$n" = 1 ] && ok "BOOT's state change told once" || bad "BOOT's state change told $n times"
printf '/select %s\n/send 00F00000\n/send C0B0012323\n' $KT >"$W/cfg.jcsh"
run cfg 0 "$RP" --kt $KT --explain "$W/cfg.jcsh"
has cfg 'ATR_COLD_T0_IFACE = 08F01300008131FE45: length 8, T0 F0' "the configuration block read by C0B0012323: ATR bytes"
has cfg 'ATR_COLD_HIST = 084A434F5076323431: length 8, historical bytes "JCOPv241"' \
    "the configuration block read by C0B0012323: historical bytes"
run kvn01 1 "$PP" rehearse -q --kvn 01
has kvn01 'no key set with version 01' "rehearse --kvn 01 on a card without that key set says so"

exit $((fails > 0))
