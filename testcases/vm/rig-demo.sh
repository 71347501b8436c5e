#!/bin/sh
# vm/rig-demo.sh REPLAY RIG JCOPSIM PROBE BUILD JCOP_CAP JCA EXPLAIN OUTDIR: the demo applet through
# the rig with the daemon's --trace file: jcop-cap asm of hello.jca, then jcop-replay runs
# install-hello.gpsh through pcscd -> vpcd -> jcopsim --trace=FILE --trace-vm=5; jcop-explain on
# that trace must show the VM's applet events (package loaded, instance installed, applet
# selected, process() entered) and the bounded bytecode trace.
set -eu
replay=$1 rig=$2 jcopsim=$3 probe=$4 build=$5 jcopcap=$6 jca=$7 explain=$8 dir=$9
here=$(cd "$(dirname "$0")" && pwd)
kt=000102030405060708090A0B0C0D0E0F
rm -rf "$dir"
mkdir -p "$dir"
"$jcopcap" asm -o "$dir/hello.cap" "$jca"
cp "$here/install-hello.gpsh" "$dir/install-hello.gpsh"
timeout 300 "$rig" -q --build "$build" --jcopsim "$jcopsim" --probe "$probe" \
    --new-card J2A040 --kt $kt --arg "--trace=$dir/trace.jcsh" --arg "--trace-vm=5" -- \
    sh -c 'exec timeout 120 "$0" -q --reader "$JCOP_READER" --allow-irreversible "$1"' \
    "$replay" "$dir/install-hello.gpsh"
"$explain" "$dir/trace.jcsh" > "$dir/explained.txt"
for ev in "applet (VM): package F06A636F7073696D48 1.0 loaded" \
    "applet (VM): applet instance F06A636F7073696D4801 installed" \
    "applet (VM): applet F06A636F7073696D4801 selected on channel 0" \
    "applet (VM): enter process(Ljavacard/framework/APDU;)V" \
    "applet (VM): bc pkg " "applet (VM): bytecode trace cut at 5 lines for this command"; do
    if ! grep -qF "$ev" "$dir/explained.txt"; then
        echo "rig-demo.sh: jcop-explain of the daemon's trace lacks: $ev"
        grep -n 'VM' "$dir/trace.jcsh" || true
        exit 1
    fi
done
echo "rig-demo.sh: the daemon's trace holds the applet events and jcop-explain shows them"
