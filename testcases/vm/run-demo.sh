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
"$replay" --kt "$kt" --explain --html "$out/report.html" "$out/install-hello.gpsh" > "$out/run.out" 2>&1 || {
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
# the VM's own events: the method entered from the JCRE, named (install, then process() with
# the API's signature), and the object install() allocates (the applet, persistent, owned by
# the new instance); in --explain and in the HTML report
for ev in "applet (VM): enter install([BSB)V, method @" \
    "applet (VM): enter process(Ljavacard/framework/APDU;)V of class@0000, method @" \
    "applet (VM): new class@0000 (1 cell): 2 bytes, persistent, owner F06A636F7073696D4801"; do
    for f in "$out/run.out" "$out/report.html"; do
        if ! grep -qF "$ev" "$f"; then
            grep -n "applet (VM)" "$f" | head -40
            echo "run-demo.sh: $f lacks the applet event: $ev"
            exit 1
        fi
    done
done
# without --trace-vm no bytecode lines; with --trace-vm=5 at most 5 per command, then the cut
if grep -q "applet (VM): bc " "$out/run.out"; then
    echo "run-demo.sh: bytecode lines without --trace-vm"
    exit 1
fi
"$replay" --kt "$kt" --explain --trace-vm=5 "$out/install-hello.gpsh" > "$out/trace-vm.out" 2>&1 || {
    cat "$out/trace-vm.out"
    echo "run-demo.sh: jcop-replay --trace-vm failed"
    exit 1
}
bc=$(grep -c "applet (VM): bc pkg [0-9]* pc [0-9]* op [0-9A-F][0-9A-F] sp " "$out/trace-vm.out" || true)
cut=$(grep -c "applet (VM): bytecode trace cut at 5 lines for this command" "$out/trace-vm.out" || true)
# install() and the two process() calls each run more than 5 bytecodes
if [ "$cut" -lt 3 ] || [ "$bc" -lt 15 ]; then
    grep -n "applet (VM)" "$out/trace-vm.out" | head -40
    echo "run-demo.sh: --trace-vm=5: $bc bytecode lines, $cut cuts"
    exit 1
fi
per=$(awk '/applet \(VM\): bc /{n++} /^[^ ]/{if(n>m)m=n; n=0} END{if(n>m)m=n; print m+0}' "$out/trace-vm.out")
if [ "$per" -gt 5 ]; then
    echo "run-demo.sh: --trace-vm=5 let $per bytecode lines through for one command"
    exit 1
fi
echo "run-demo.sh: --trace-vm=5: $bc bytecode lines, $cut commands cut at the bound"
echo "run-demo.sh: hello.cap assembled, installed over SCP02 and answered its greeting twice"
