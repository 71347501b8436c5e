#!/bin/sh
# vm/run-random-seed.sh REPLAY JCOP_CAP JCA KT OUTDIR: RandomData through an applet comes from the
# card's random source, so it is reproducible under jcop-replay --seed: cryptokat.jca is assembled
# and installed over SCP02 on an in-process card (install-cryptokat.gpsh), which then answers three
# RandomData.generateData calls of 32 bytes. Two runs with --seed 11 must give the same bytes,
# a run with --seed 12 other bytes, and within a run the three answers must differ.
set -eu
replay=$1 jcopcap=$2 jca=$3 kt=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
"$jcopcap" asm -o "$out/cryptokat.cap" "$jca"
cp "$here/install-cryptokat.gpsh" "$out/install-cryptokat.gpsh"
answers() { # seed file: the three 32-byte answers, one per line
    "$replay" --kt "$kt" --seed "$1" "$out/install-cryptokat.gpsh" > "$out/run-$2.out" 2>&1 || {
        cat "$out/run-$2.out"
        echo "run-random-seed.sh: jcop-replay --seed $1 failed"
        exit 1
    }
    # the answer line after each INS 28 command: 32 data bytes and 9000
    awk '/=> 80 ?28/ {want=1; next} want && /<=/ {print; want=0}' "$out/run-$2.out" |
        tr -d ' ' | sed -n 's/^<=\([0-9A-F]\{64\}\)9000.*/\1/p' > "$out/rnd-$2.txt"
    if [ "$(wc -l < "$out/rnd-$2.txt")" -ne 3 ]; then
        cat "$out/run-$2.out"
        echo "run-random-seed.sh: expected three 32-byte RandomData answers with --seed $1"
        exit 1
    fi
}
answers 11 a
answers 11 b
answers 12 c
if ! cmp -s "$out/rnd-a.txt" "$out/rnd-b.txt"; then
    diff "$out/rnd-a.txt" "$out/rnd-b.txt" || true
    echo "run-random-seed.sh: the same --seed gave different RandomData bytes"
    exit 1
fi
if [ "$(sort -u "$out/rnd-a.txt" | wc -l)" -ne 3 ]; then
    echo "run-random-seed.sh: RandomData repeated itself within one run"
    exit 1
fi
if grep -qxF -f "$out/rnd-c.txt" "$out/rnd-a.txt"; then
    echo "run-random-seed.sh: --seed 11 and --seed 12 share RandomData answers"
    exit 1
fi
echo "run-random-seed.sh: --seed 11 twice gave the same 3x32 RandomData bytes, --seed 12 others"
