#!/bin/sh
# vm/gppro-e2e.sh REPLAY JCOPCAP JCA OUTDIR [RIG JCOPSIM PROBE BUILD]: a GlobalPlatformPro-style
# session (gppro_script.py: the APDUs of `gp --install`, then personalization) installs the
# project's extlen.jca on a fused card image, and a later process reads its data back. Without
# RIG: jcop-replay's in-process card, one process per script. With RIG: each script in its own rig
# session (pcscd -> vpcd -> a new jcopsim process on the image), so the read-back follows a daemon
# restart.
set -eu
replay=$1 jcopcap=$2 jca=$3 dir=$4
here=$(cd "$(dirname "$0")" && pwd)
kt=000102030405060708090A0B0C0D0E0F
rm -rf "$dir"
mkdir -p "$dir"
"$jcopcap" asm -o "$dir/extlen.cap" "$jca"
/usr/bin/python3 "$here/gppro_script.py" "$dir/extlen.cap" "$dir"
# a fresh image, pre-personalized (keys 40..4F) and fused by the conformance suite's script
"$replay" -q --kt $kt --image "$dir/card.img" "$here/fresh.jcsh"
"$replay" -q --kt $kt --image "$dir/card.img" --allow-irreversible \
    "$here/../conformance/irreversibility/fuse-card.jcsh"
if [ $# -ge 8 ]; then
    rig=$5 jcopsim=$6 probe=$7 build=$8
    session() {
        timeout 300 "$rig" -q --build "$build" --jcopsim "$jcopsim" --probe "$probe" \
            --card "$dir/card.img" -- \
            sh -c 'exec timeout 120 "$0" -q --reader "$JCOP_READER" "$1"' "$replay" "$1"
    }
    session "$dir/gppro-install.jcsh"
    session "$dir/gppro-readback.jcsh"
    echo "gppro-e2e.sh: installed and personalized GPPro-style through the rig, data kept across a daemon restart"
else
    "$replay" -q --image "$dir/card.img" "$dir/gppro-install.jcsh"
    "$replay" -q --image "$dir/card.img" "$dir/gppro-readback.jcsh"
    echo "gppro-e2e.sh: installed and personalized GPPro-style in-process, data kept in the image"
fi
