#!/bin/sh
# vm/run-demo.sh REPLAY JCOP_CAP JCA KT OUTDIR: the README's applet path with the project's own
# demo applet (no ../shared needed): `jcop-cap asm` of tools/jcop-cap/examples/hello.jca, then
# jcop-replay runs install-hello.gpsh (pre-personalization, FUSE, SCP02, install -file hello.cap,
# SELECT, two greetings) on an in-process card, and the transcript must show the greeting with
# its counter 01 then 02, and --explain must show the applet events (package loaded, instance
# installed, applet selected).
set -eu
replay=$1 jcopcap=$2 jca=$3 kt=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
"$jcopcap" asm -o "$out/hello.cap" "$jca"
cp "$here/install-hello.gpsh" "$out/install-hello.gpsh"
"$replay" --kt "$kt" --explain "$out/install-hello.gpsh" > "$out/run.out" 2>&1 || {
    cat "$out/run.out"
    echo "run-demo.sh: jcop-replay failed"
    exit 1
}
hello=48656C6C6F2C206A636F707369 # "Hello, jcops" ... the answer's hex, compacted below
for n in 01 02; do
    if ! tr -d ' ' < "$out/run.out" | grep -q "${hello}6D${n}9000"; then
        cat "$out/run.out"
        echo "run-demo.sh: the greeting with counter $n is missing"
        exit 1
    fi
done
# --explain shows the VM's applet events (jcvm_runtime.c's "VM: " notes)
for ev in "applet (VM): package F06A636F7073696D48 1.0 loaded" \
    "applet (VM): applet instance F06A636F7073696D4801 installed" \
    "applet (VM): applet F06A636F7073696D4801 selected on channel 0"; do
    if ! grep -qF "$ev" "$out/run.out"; then
        cat "$out/run.out"
        echo "run-demo.sh: --explain lacks the applet event: $ev"
        exit 1
    fi
done
echo "run-demo.sh: hello.cap assembled, installed over SCP02 and answered its greeting twice"
