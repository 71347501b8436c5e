#!/usr/bin/env bash
# bench-rig.sh: the whole benchmark of issue 9 in one run, one table.
#
#   1. jcop-bench inproc: the card core in-process (memory-only and file
#      image) and the conformance suite through jcop-replay;
#   2. under jcop-rig (a private pcscd in its own mount and network
#      namespaces): jcopsim on slot 0 against the trivial C card on slot 1 of
#      the same pcscd, alternated rounds, ratio; the bench applet's echo
#      (INS 10, 16 bytes) on a second jcopsim (slot 2: a fused image made by
#      `jcop-bench mkimage`, the applet installed through its ISD) against
#      the trivial card echoing the same bytes, ratio; the daemon's peak RSS;
#      the time from a jcopsim start to "card present" (probe timestamps);
#   3. still in the rig, where Debian's vicc runs (python3-virtualsmartcard,
#      with its two fixes done in a temporary folder: PYTHONPATH and a
#      Crypto -> Cryptodome alias), jcopsim against vicc as packaged and
#      against vicc with the TCP_QUICKACK fix of vpcd-facts.md (a
#      sitecustomize.py in the same temporary folder). Nothing is changed in
#      the system.
# Prints the machine, the command and the Markdown table on stdout.
# usage: bench-rig.sh [--build DIR] [--dir DIR] [--quick] [--cpu N] [--no-vicc]
#                     [--apdus N] [--rounds R] [--vicc-apdus N]
set -uo pipefail

self=$(readlink -f "${BASH_SOURCE[0]}")
here=$(dirname "$self")

usage() {
    cat <<'EOF'
usage: bench-rig.sh [OPTIONS]
Runs jcop-bench in-process, then through a private pcscd (jcop-rig, root):
jcopsim against the trivial C card and against Debian's vicc. Prints the
machine, the command and one Markdown table (medians and ratios).
  --build DIR       build folder holding jcop-bench, jcopsim, jcop-replay,
                    jcop-trivial-card, jcop-rig-probe (default: the current folder)
  --dir DIR         folder for the file images of the durable-write figures
                    (default /var/tmp: a real disk, not a tmpfs)
  --apdus N         APDUs per round and card through pcscd (default 20000)
  --rounds R        rounds (default 5), the median is reported
  --pcsc-rounds R   rounds of jcopsim against the trivial card (default 7)
  --vicc-apdus N    APDUs per round against vicc with the QUICKACK fix (default 5000);
                    vicc as packaged gets N/100 (it runs at about 21 APDU/s)
  --cpu N           pin everything (benchmark, pcscd, cards) to CPU N
  --no-vicc         skip vicc
  --quick           tiny counts (checks the plumbing; figures meaningless)
  -h, --help
exit: 0 measured, 1 a measurement failed, 2 usage, 3 environment
EOF
}

die() {
    echo "bench-rig: $2" >&2
    exit "$1"
}

# ---------------------------------------------------------------- inside the rig
# Runs as the rig's COMMAND: JCOP_READER_0 is jcopsim, JCOP_READER_1 the trivial card.
inside() {
    local bench=$1 apdus=$2 rounds=$3 vicc_apdus=$4 vicc=$5 replay=$6 script=$7 pcsc_rounds=$8 status=0
    "$bench" pcsc --no-header --apdus "$apdus" --rounds "$pcsc_rounds" --target 0.90 \
        --label-a "jcopsim (file image)" --label-b "trivial C card" \
        "$JCOP_READER_0" "$JCOP_READER_1" || status=1

    # The bench applet's echo on card 2 (fused image, applet selected once)
    # against the trivial card echoing INS 10: both answer the 16 bytes + 9000,
    # every answer checked.
    local data=000102030405060708090A0B0C0D0E0F
    "$bench" pcsc --no-header --apdus "$apdus" --rounds "$pcsc_rounds" --target 0.90 \
        --select 00A404000AF06A636F7073696D4201 --apdu "8010000010${data}00" --expect "${data}9000" \
        --label-a "jcopsim (fused file image), bench applet echo" --label-b "trivial C card echoing INS 10" \
        "$JCOP_READER_2" "$JCOP_READER_1" || status=1

    # Peak RSS once the daemon has done everything once: pre-personalization,
    # FUSE and an SCP02 session (a conformance script through PC/SC), so that
    # libcrypto's DES and the ISD's state are in the figure.
    local pid what="jcopsim daemon (after the pcscd rounds)"
    if [ -n "$replay" ] && [ -n "$script" ]; then
        if timeout 60 "$replay" -q --reader "$JCOP_READER_0" --allow-irreversible "$script" >/dev/null; then
            what="jcopsim daemon (after the pcscd rounds, FUSE and an SCP02 session: $(basename "$script"))"
        else
            echo "bench-rig: $(basename "$script") through PC/SC failed; RSS without it" >&2
        fi
    fi
    pid=$("$JCOP_RIG" ctl pid card 0)
    "$bench" proc --no-header --label "$what" "$pid" || status=1

    # Start to card present: stop card 0, wait until its reader is empty,
    # then time start-card .. the probe's SCardGetStatusChange seeing it present.
    local -a starts=()
    local i t0 t1
    for ((i = 0; i < 3; i++)); do
        "$JCOP_RIG" ctl kill-card 0 TERM && "$JCOP_RIG" ctl wait-empty 0 20 || { status=1; break; }
        t0=$(date +%s%N)
        "$JCOP_RIG" ctl start-card 0 && "$JCOP_RIG" ctl wait-card 0 20 >/dev/null || { status=1; break; }
        t1=$(date +%s%N)
        starts+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
    done
    if [ ${#starts[@]} -gt 0 ]; then
        "$bench" row --no-header "jcopsim start to card present in pcscd (restart on its image; includes the re-announce and one presence poll)" \
            s - "${starts[@]}" || status=1
    fi
    pid=$("$JCOP_RIG" ctl pid card 0)
    "$bench" proc --no-header --label "jcopsim daemon (fresh start, idle)" "$pid" || status=1

    [ "$vicc" = 1 ] || return "$status"
    # vicc on slot 1 instead of the trivial card.
    shim=$(mktemp -d "${TMPDIR:-/tmp}/jcop-bench-vicc.XXXXXX") || return 3
    ln -s /usr/lib/python3/dist-packages/Cryptodome "$shim/Crypto"
    mkdir "$shim/quickack"
    cat >"$shim/quickack/sitecustomize.py" <<'EOF'
# The card-side fix of vpcd-facts.md for vicc: TCP_QUICKACK after every recv
# (Linux; not sticky), so vpcd's two-send frames are not held by Nagle + delayed ACK.
import socket

_recv = socket.socket.recv


def _recv_quickack(self, *args, **kwargs):
    data = _recv(self, *args, **kwargs)
    try:
        self.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    except OSError:
        pass
    return data


socket.socket.recv = _recv_quickack
EOF
    vicc_pid=""
    stop_vicc() {
        if [ -n "$vicc_pid" ] && kill -0 "$vicc_pid" 2>/dev/null; then
            kill -TERM "$vicc_pid" 2>/dev/null
            local end=$((SECONDS + 5))
            while kill -0 "$vicc_pid" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.05; done
            kill -0 "$vicc_pid" 2>/dev/null && kill -KILL "$vicc_pid" 2>/dev/null
            wait "$vicc_pid" 2>/dev/null
        fi
        vicc_pid=""
    }
    trap 'stop_vicc; rm -rf -- "$shim"' EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    "$JCOP_RIG" ctl kill-card 1 TERM && "$JCOP_RIG" ctl wait-empty 1 20 || { rm -rf "$shim"; return 1; }
    local port=$((JCOP_RIG_PORT + 1)) mode n label pp
    for mode in packaged quickack; do
        if [ "$mode" = packaged ]; then
            pp="/usr/lib/python3/site-packages/virtualsmartcard:$shim"
            n=$((vicc_apdus / 100 > 20 ? vicc_apdus / 100 : 20))
            label="vicc as packaged (Python)"
        else
            pp="/usr/lib/python3/site-packages/virtualsmartcard:$shim:$shim/quickack"
            n=$vicc_apdus
            label="vicc + QUICKACK shim (Python)"
        fi
        PYTHONPATH=$pp /usr/bin/python3 /usr/bin/vicc -t iso7816 -H 127.0.0.1 -P "$port" \
            >>"$JCOP_RIG_LOGDIR/vicc-$mode.log" 2>&1 </dev/null &
        vicc_pid=$!
        if ! timeout 25 "$JCOP_RIG_PROBE" -t 20000 wait-present "$JCOP_READER_1" >/dev/null; then
            echo "bench-rig: vicc ($mode) did not appear (log: $JCOP_RIG_LOGDIR/vicc-$mode.log)" >&2
            printf '| through pcscd -> vpcd: %s | n/a | APDU/s | vicc did not start: %s | - | n/a |\n' \
                "$label" "$(tail -n1 "$JCOP_RIG_LOGDIR/vicc-$mode.log" | tr '|' '/')"
            stop_vicc
            continue
        fi
        "$bench" pcsc --no-header --apdus "$n" --rounds 3 \
            --label-a "jcopsim (file image)" --label-b "$label" \
            "$JCOP_READER_0" "$JCOP_READER_1" | grep -v "^| through pcscd -> vpcd: jcopsim" || status=1
        stop_vicc
        timeout 25 "$JCOP_RIG_PROBE" -t 20000 wait-empty "$JCOP_READER_1" >/dev/null || status=1
    done
    return "$status"
}

if [ "${1:-}" = --inside ]; then
    shift
    inside "$@"
    exit $?
fi

# ---------------------------------------------------------------- outside
build=$PWD dir=/var/tmp apdus=20000 rounds=5 pcsc_rounds=7 vicc_apdus=5000 cpu="" vicc=1 quick=0
orig_args=("$@")
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=${2:?}; shift 2 ;;
    --dir) dir=${2:?}; shift 2 ;;
    --apdus) apdus=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --pcsc-rounds) pcsc_rounds=${2:?}; shift 2 ;;
    --vicc-apdus) vicc_apdus=${2:?}; shift 2 ;;
    --cpu) cpu=${2:?}; shift 2 ;;
    --no-vicc) vicc=0; shift ;;
    --quick) quick=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench-rig: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for v in "$apdus" "$rounds" "$pcsc_rounds" "$vicc_apdus"; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || die 2 "counts must be positive integers"
done
[ -z "$cpu" ] || [[ "$cpu" =~ ^[0-9]+$ ]] || die 2 "--cpu wants a CPU number"
[ -d "$dir" ] || die 3 "--dir $dir is not a folder"
work=$(mktemp -d "$dir/jcop-bench-rig.XXXXXX") || die 3 "cannot make a folder in $dir"
trap 'rm -rf -- "$work"' EXIT
build=$(readlink -f "$build")
find_prog() {
    local f
    f=$(find "$build" -name "$1" -type f -perm -u+x 2>/dev/null | head -n1)
    [ -n "$f" ] || die 3 "$1 not found under $build (build it, or give --build DIR)"
    echo "$f"
}
bench=$(find_prog jcop-bench) || exit 3
replay=$(find "$build" -name jcop-replay -type f -perm -u+x 2>/dev/null | head -n1)
# The bench applet's CAP (jcop-cap asm of tools/bench/jbench.jca at build time).
capf=$(find "$build" -name jbench.cap -type f 2>/dev/null | head -n1)
capopt=()
[ -z "$capf" ] || capopt=(--cap "$capf")
rig=$here/../rig/jcop-rig
[ -x "$rig" ] || rig=$(command -v jcop-rig) || die 3 "jcop-rig not found"
src=$(readlink -f "$here/../..")

pin=()
[ -z "$cpu" ] || pin=(taskset -c "$cpu")
inproc=()
if [ "$quick" = 1 ]; then
    inproc=(--quick)
    apdus=200 rounds=1 pcsc_rounds=1 vicc_apdus=200
fi
# The suite as its ctest registration runs it; without one, every script with
# jcop-replay and the suite's transport key (lib/vars.jcsh).
inproc+=(--ctest "$build" --suite "$src/testcases/conformance" "${capopt[@]}")
kt=$(awk '$1 == "/set-var" && $2 == "KT" {print $3}' "$src/testcases/conformance/lib/vars.jcsh" 2>/dev/null)
[ -n "$replay" ] && inproc+=(--replay "$replay")
[ -n "$kt" ] && inproc+=(--replay-arg=--kt "--replay-arg=$kt")

# The machine and the command, for RESULTS.md.
echo "## Machine"
echo
echo "- $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), kernel $(uname -r), $(nproc) vCPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
echo "- $(free -m | awk '/^Mem:/ {print $2}') MiB RAM; file images in $dir ($(df -T "$dir" | awk 'NR==2 {print $2}'))"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)${cpu:+; everything pinned to CPU $cpu}"
echo "- pcscd $(dpkg-query -W -f='${Version}' pcscd 2>/dev/null), vsmartcard-vpcd $(dpkg-query -W -f='${Version}' vsmartcard-vpcd 2>/dev/null), $(openssl version 2>/dev/null | cut -d' ' -f1-2)"
echo "- commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown), build $(grep -m1 CMAKE_BUILD_TYPE:STRING "$build/CMakeCache.txt" 2>/dev/null | cut -d= -f2)"
echo
echo "Command: \`tools/bench/bench-rig.sh ${orig_args[*]}\`"
echo
status=0
"${pin[@]}" "$bench" inproc "${inproc[@]}" --rounds "$rounds" --dir "$dir" || status=1
# The daemon's card gets the suite's KT, so that a conformance script can
# pre-personalize, FUSE and open an SCP02 session through PC/SC.
card=(--new-card J2A040:0)
script=""
if [ -n "$kt" ] && [ -n "$replay" ]; then
    card+=(--arg "--kt=$kt")
    script=$src/testcases/conformance/fused/op-ready-sc01.jcsh
    [ -f "$script" ] || script=""
fi
# Card 2: a fused image with the bench applet installed through its ISD.
"$bench" mkimage "${capopt[@]}" "$work/applet.img" || die 3 "jcop-bench mkimage failed"
card+=(--trivial-card=1 --card "$work/applet.img:2")
"${pin[@]}" "$rig" -q --build "$build" "${card[@]}" -- \
    bash "$self" --inside "$bench" "$apdus" "$rounds" "$vicc_apdus" "$vicc" "$replay" "$script" \
    "$pcsc_rounds"
rc=$?
# the rig's own environment errors (not root, no pcscd, a card that never came) stay 3
[ "$rc" -eq 0 ] || { [ "$rc" -eq 3 ] && status=3 || status=1; }
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
