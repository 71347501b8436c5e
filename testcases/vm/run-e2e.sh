#!/bin/sh
# vm/run-e2e.sh REPLAY KT SHARED OUTDIR: install a converter's CAP through GlobalPlatform on a
# durable card image, then talk to the applet from two later processes on the same image.
# Exit 77 (skipped) when the shared applets are absent (a user's clone).
set -eu
replay=$1 kt=$2 shared=$3 out=$4
here=$(dirname "$0")
if [ ! -f "$shared/echo/echo.cap" ]; then
    echo "skipped: $shared/echo/echo.cap absent"
    exit 77
fi
mkdir -p "$out"
rm -f "$out/vm.img"
cp "$shared/echo/echo.cap" "$out/echo.cap"
cp "$here/install-echo.gpsh" "$out/install-echo.gpsh"
"$replay" --kt "$kt" --image "$out/vm.img" "$out/install-echo.gpsh"
"$replay" --kt "$kt" --image "$out/vm.img" "$here/talk-echo.jcsh"
"$replay" --kt "$kt" --image "$out/vm.img" "$here/echo-after-restart.jcsh"
