#!/usr/bin/env bash
# quickstart-run.sh BUILD_DIR: the README's main job. It starts the private
# pcscd rig (tools/rig/jcop-rig: its own pcscd, vsmartcard's vpcd, jcopsim on a
# new J2A040 image in the rig's temporary folder) and runs the JCOP
# pre-personalization tutorial on that virtual card with `jcop-prepers
# rehearse`, through PC/SC like any tool: SELECT with the transport key, BOOT,
# the writes of new random keys, GPIN and CM_LIFECYCLE with read-back, PROTECT,
# FUSE, then a power cycle and an SCP02 authentication with the new keys and
# the registry. Then the journey goes on to a running applet: the project's own
# demo applet (tools/jcop-cap/examples/hello.jca, assembled at build time by
# `jcop-cap asm` into BUILD/demo/hello.cap) is loaded over the SCP02 channel
# (INSTALL [for load], LOAD), installed and made selectable, SELECTed and asked
# twice for its greeting with its counter; after a power cycle it is asked
# again: the counter went on, kept in the card's persistent memory. Every
# exchange is printed with its explanation; the last lines say whether the
# journey succeeded and where the HTML report is.
# The card is virtual, so its FUSE harms nothing; no real reader is touched.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-}
if [ -z "$build" ] || [ ! -d "$build" ]; then
    echo "usage: $0 BUILD_DIR   (run as root; see tools/quickstart.sh)" >&2
    exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "quickstart-run: run as root: the rig starts a private pcscd in its own namespaces" >&2
    exit 3
fi
prepers=$build/tools/jcop-prepers/jcop-prepers
if [ ! -x "$prepers" ]; then
    echo "quickstart-run: $prepers is missing: build first (tools/quickstart.sh builds)" >&2
    exit 3
fi
cap=$build/demo/hello.cap
if [ ! -s "$cap" ]; then
    echo "quickstart-run: $cap is missing: build first (tools/quickstart.sh builds; jcop-cap asm makes it)" >&2
    exit 3
fi
out=${JCOPSIM_QUICKSTART_DIR:-$build/quickstart}
mkdir -p "$out"
report=$out/rehearsal.html
trace=$out/card-trace.jcsh # the card's own trace: jcop-explain shows the VM's applet events in it
rm -f "$report" "$trace"
# A transport key for the new virtual card, as a seller would give one.
kt=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F')
echo "quickstart: a new virtual JCOP (J2A040) with transport key $kt, behind a private pcscd and vpcd"
"$here/rig/jcop-rig" -q --build "$build" --new-card J2A040 --arg "--kt=$kt" --arg "--trace=$trace" -- \
    bash -c 'exec timeout 300 "$1" rehearse --reader "$JCOP_READER" --kt "$2" --allow-irreversible \
        --html "$3" --applet "$4" --send 8040000000 --send 8040000000 --send-after-reset 8040000000' \
    quickstart "$prepers" "$kt" "$report" "$cap"
rc=$?
echo
if [ $rc -eq 0 ]; then
    echo "quickstart: the tutorial ran through pcscd and vpcd; the fused virtual card accepted an SCP02"
    echo "quickstart: authentication (INITIALIZE UPDATE + EXTERNAL AUTHENTICATE) with the new keys,"
    echo "quickstart: then loaded and installed the demo applet $cap (built from"
    echo "quickstart: tools/jcop-cap/examples/hello.jca by jcop-cap asm) over that channel; the applet"
    echo "quickstart: answered its greeting through PC/SC, and its counter survived a power cycle."
else
    echo "quickstart: the rehearsal did not complete (exit $rc); the transcript above says where it stopped."
fi
if [ -s "$report" ]; then
    echo "quickstart: HTML report: $report"
fi
if [ -s "$trace" ]; then
    echo "quickstart: the card's own trace: $trace; what the card's Java Card VM did with the applet"
    echo "quickstart: (package loaded, instance installed, selected): $build/tools/jcop-explain/jcop-explain $trace"
fi
exit $rc
