#!/bin/sh
# vm/rig-e2e.sh REPLAY RIG JCOPSIM PROBE BUILD SHARED OUTDIR: the same as run-e2e.sh through the
# rig (pcscd -> vpcd -> jcopsim on a durable image): GPShell's install -file of echo.cap over
# SCP02, then two more rig sessions, each a new daemon process on the image, talk to the applet.
# Exit 77 (skipped) when the shared applets are absent.
set -eu
replay=$1 rig=$2 jcopsim=$3 probe=$4 build=$5 shared=$6 dir=$7
here=$(cd "$(dirname "$0")" && pwd)
kt=000102030405060708090A0B0C0D0E0F
if [ ! -f "$shared/echo/echo.cap" ]; then
    echo "skipped: $shared/echo/echo.cap absent"
    exit 77
fi
rm -rf "$dir"
mkdir -p "$dir"
cp "$shared/echo/echo.cap" "$dir/echo.cap"
cp "$here/install-echo.gpsh" "$dir/install-echo.gpsh"
# a fresh unfused image with the suite's transport key
"$replay" -q --kt $kt --image "$dir/card.img" "$here/fresh.jcsh"
session() {
    timeout 300 "$rig" -q --build "$build" --jcopsim "$jcopsim" --probe "$probe" \
        --card "$dir/card.img" -- \
        sh -c 'exec timeout 120 "$0" -q --reader "$JCOP_READER" --allow-irreversible "$1"' \
        "$replay" "$1"
}
session "$dir/install-echo.gpsh"
session "$here/talk-echo.jcsh"
session "$here/echo-after-restart.jcsh"
echo "rig-e2e.sh: installed through GP, ran, and kept its state across two daemon restarts"
