#!/usr/bin/env bash
# test_report_browser.sh: the HTML report of a rehearsal, rendered by headless
# Chromium. Checks what the page holds after rendering (--dump-dom: state
# names, the path taken, transcript rows, changed bytes highlighted, keys
# masked, nothing loaded from outside) and what was drawn (a screenshot:
# pixels of the highlight and of the visited/final state colours).
# usage: test_report_browser.sh PREPERS WORKDIR PNG_COLORS_PY [REPLAY TUTORIAL_SCRIPT]
set -uo pipefail
P=$1 W=$2 COLORS=$3 REPLAY=${4:-} TUT=${5:-}
rm -rf "$W" && mkdir -p "$W"
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
has() { if grep -qF -- "$2" "$W/dom.html"; then ok "$1"; else bad "$1 (missing: $2)"; fi; }
hasnt() { if grep -qF -- "$2" "$W/dom.html"; then bad "$1 (found: $2)"; else ok "$1"; fi; }
KEY=A1A2A3A4A5A6A7A8A9AAABACADAEAFB0
chrome() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --user-data-dir="$W/chrome" "$@" 2>>"$W/chrome.log"
}

timeout 120 "$P" rehearse --kt 000102030405060708090A0B0C0D0E0F --key $KEY --gpin-ascii 1234 \
    --html "$W/report.html" > "$W/rehearse.out" 2>&1 || bad "rehearsal (exit $?)"
[ -s "$W/report.html" ] || { echo "not ok - no report"; exit 1; }
chrome --dump-dom "file://$W/report.html" > "$W/dom.html"
[ -s "$W/dom.html" ] || { echo "not ok - chromium rendered nothing"; cat "$W/chrome.log"; exit 1; }

has "title" "<h1>jcop-prepers rehearsal"
for s in UNFUSED "ROOT SELECTED" BOOTED PROTECTED OP_READY; do
    has "state $s visited" "data-state=\"$s\" data-visited=\"yes\""
done
for s in INITIALIZED SECURED CARD_LOCKED TERMINATED; do
    has "state $s not visited" "data-state=\"$s\" data-visited=\"no\""
done
has "final state drawn" 'class="node visited final"'
has "path: fused, OP_READY" "fused, OP_READY — after"
rows=$(grep -o '<tr id="e[0-9]*" class="entry' "$W/dom.html" | wc -l)
if [ "$rows" -ge 30 ]; then ok "transcript has $rows rows"; else bad "transcript has $rows rows"; fi
has "BOOT explained" "BOOT (JCOP pre-personalization): opens the memory"
has "FUSE warned" "FUSE is irreversible"
has "SCP02 shown" "secure channel: open at level 01"
has "CM_LIFECYCLE changed" '<tr class="field changed" data-field="CM_LIFECYCLE">'
has "CM_LIFECYCLE new byte highlighted" '<mark class="chg">01</mark>'
has "GPIN_LEN highlighted" '<tr class="field changed" data-field="GPIN_LEN">'
hasnt "key masked in the report" "$KEY"
hasnt "key bytes not highlighted" '<mark class="chg">A1</mark>'
has "masked key marked as changed" '<mark class="chg masked">**</mark>'
has "CM_KEY1 row changed" '<tr class="field changed" data-field="CM_KEY1">'
hasnt "nothing loaded from the network" 'src="http'
hasnt "no script" "<script"
# the transport key of the SELECT is hidden as such, not shown as placeholder bytes 2A
has "masked KT shown as masked" '00A4040010<span class="masked"'
hasnt "no masked secret reads as bytes 2A" "2A2A2A2A2A2A2A2A"

chrome --screenshot="$W/shot.png" --window-size=1400,2600 "file://$W/report.html" >/dev/null
out=$(/usr/bin/python3 "$COLORS" "$W/shot.png" FFD54F 9FC5FF CFE3FF)
echo "$out" | sed 's/^/# pixels /'
n_mark=$(echo "$out" | awk '$1=="FFD54F"{print $2}')
n_final=$(echo "$out" | awk '$1=="9FC5FF"{print $2}')
n_visit=$(echo "$out" | awk '$1=="CFE3FF"{print $2}')
[ "${n_mark:-0}" -gt 50 ] && ok "highlighted bytes drawn ($n_mark px)" || bad "highlighted bytes drawn (${n_mark:-0} px)"
[ "${n_final:-0}" -gt 500 ] && ok "final state drawn ($n_final px)" || bad "final state drawn (${n_final:-0} px)"
[ "${n_visit:-0}" -gt 2000 ] && ok "visited states drawn ($n_visit px)" || bad "visited states drawn (${n_visit:-0} px)"

# with --show-keys the new key appears, highlighted as changed
timeout 120 "$P" rehearse --kt 000102030405060708090A0B0C0D0E0F --key $KEY --gpin-ascii 1234 --show-keys \
    --html "$W/report-keys.html" > "$W/rehearse-keys.out" 2>&1 || bad "rehearsal --show-keys (exit $?)"
chrome --dump-dom "file://$W/report-keys.html" > "$W/dom.html"
has "--show-keys: key highlighted" '<mark class="chg">A1</mark> <mark class="chg">A2</mark>'

# the same report written by jcop-replay --html for the tutorial script
if [ -n "$REPLAY" ] && [ -x "$REPLAY" ]; then
    timeout 120 "$REPLAY" --kt 000102030405060708090A0B0C0D0E0F --html "$W/replay.html" "$TUT" > "$W/replay.out" 2>&1 \
        || bad "jcop-replay --html (exit $?)"
    chrome --dump-dom "file://$W/replay.html" > "$W/dom.html"
    has "replay: OP_READY reached" 'data-state="OP_READY" data-visited="yes"'
    has "replay: CM_KEY1 changed" '<tr class="field changed" data-field="CM_KEY1">'
    has "replay: the new key highlighted" '<mark class="chg">40</mark> <mark class="chg">41</mark>'
    has "replay: script lines shown" 'tutorial.jcsh:'
    has "replay: verdicts shown" '<td class="verdict">held'

    # A script deep in long folder names: the path must not squeeze the APDU
    # column (measured by the browser on a copy of the report allowed to run
    # one measuring script).
    long=$W/$(printf 'a-rather-long-folder-name-%.0s' 1 2 3 4 5 6)/$(printf 'and-deeper-%.0s' 1 2 3 4 5 6)
    mkdir -p "$long" && cp "$TUT" "$long/tutorial.jcsh"
    timeout 120 "$REPLAY" --kt 000102030405060708090A0B0C0D0E0F --html "$W/long.html" "$long/tutorial.jcsh" \
        > "$W/long.out" 2>&1 || bad "jcop-replay --html, long path (exit $?)"
    sed -e 's|<meta http-equiv="Content-Security-Policy"[^>]*>||' \
        -e 's|</body>|<script>var w=0,s=0;document.querySelectorAll("tr.entry").forEach(function(t){if(t.dataset.kind==="1"){w=Math.max(w,t.children[1].offsetWidth);s=Math.max(s,t.children[2].offsetWidth);}});document.body.insertAdjacentHTML("beforeend","<pre id=measure>where="+w+" sent="+s+"</pre>");</script></body>|' \
        "$W/long.html" > "$W/long-measure.html"
    m=$(chrome --window-size=1200,900 --dump-dom "file://$W/long-measure.html" | grep -o 'where=[0-9]* sent=[0-9]*')
    echo "# long path, widest cells: $m"
    lw=$(echo "$m" | sed -n 's/where=\([0-9]*\).*/\1/p') ls=$(echo "$m" | sed -n 's/.*sent=\([0-9]*\)/\1/p')
    if [ -n "$lw" ] && [ "${ls:-0}" -ge 120 ] && [ "$ls" -gt "$lw" ]; then ok "a long path does not squeeze the APDU column"
    else bad "a long path squeezes the APDU column ($m)"; fi
    has_long() { grep -qF -- "$2" "$W/long.html" && ok "$1" || bad "$1 (missing: $2)"; }
    has_long "the whole path stays in a tooltip" "title=\"$long/tutorial.jcsh:"
fi
# The main job's whole journey (tools/quickstart-run.sh): after the SCP02
# authentication, the demo applet assembled at build time by jcop-cap asm
# (JT_DEMO_CAP) is loaded, installed, selected and talked to; the report shows
# each of those steps, explained, and the greeting counter going on after a
# power cycle (kept in persistent memory).
if [ -n "${JT_DEMO_CAP:-}" ]; then
    if [ -s "$JT_DEMO_CAP" ]; then
        timeout 120 "$P" rehearse --kt 000102030405060708090A0B0C0D0E0F --key $KEY --gpin-ascii 1234 \
            --html "$W/journey.html" --applet "$JT_DEMO_CAP" --send 8040000000 --send 8040000000 \
            --send-after-reset 8040000000 > "$W/journey.out" 2>&1 || bad "rehearsal with --applet (exit $?)"
        chrome --dump-dom "file://$W/journey.html" > "$W/dom.html"
        has "journey: SCP02 still shown" "secure channel: open at level 01"
        has "journey: INSTALL for load" "INSTALL [for load] of the package"
        has "journey: LOAD's last block" "(the last)"
        has "journey: LOAD explained" "LOAD sends the Load File"
        has "journey: INSTALL for install" "INSTALL [for install and make selectable] of the applet"
        has "journey: SELECT the applet" "SELECT the applet F06A636F7073696D4801"
        has "journey: the applet's command" "s command INS 40 (CLA 80)"
        has "journey: power cycle explained" "keeps its persistent memory"
        has "journey: VM event install" "applet (VM): applet instance F06A636F7073696D4801 installed"
        has "journey: VM event select" "applet (VM): applet F06A636F7073696D4801 selected on channel 0"
        has "journey: the end explained" "was loaded, installed, selected and answered"
        # "Hello, jcopsim" and the counter 01, 02, then 03 after the power cycle
        for n in 01 02 03; do
            if grep -qE "48656C6C6F2C206A636F707369 ?6D ?$n ?9000|48 65 6C 6C 6F.*6D $n 90 00" "$W/dom.html"; then
                ok "journey: greeting with counter $n"
            else bad "journey: greeting with counter $n"; fi
        done
        grep -q "were loaded, installed\|was loaded, installed and answered as expected" "$W/journey.out" \
            && ok "journey: the summary line" || bad "journey: the summary line"
    else
        bad "the demo CAP $JT_DEMO_CAP is missing (built by the jcopsim-demo-cap target)"
    fi
fi
exit $((fails > 0))
