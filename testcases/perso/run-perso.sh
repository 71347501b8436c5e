#!/bin/sh
# perso/run-perso.sh REPLAY JCOP_CAP JCA OUTDIR [RIG JCOPSIM PROBE BUILD]: personalization of the
# project's applet (perso.jca) in GPShell's form (perso.gpsh): jcop-cap asm, then jcop-replay on an
# in-process card, or, with the rig's arguments, through pcscd -> vpcd -> jcopsim. The transcript
# must show what the applet's org.globalplatform calls did: STORE DATA after INSTALL [for
# personalization] reached processData (the data read back, the life cycle 0F in GET STATUS and
# from getCardContentState), the SCP02 session opened through the selected applet's
# processSecurity, its C-MACed write taken and a wrong C-MAC refused with 6982. In-process the card
# is a durable image, and perso-readback.gpsh in a new process reads the data and 0F back.
set -eu
replay=$1 jcopcap=$2 jca=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
kt=000102030405060708090A0B0C0D0E0F
rm -rf "$out"
mkdir -p "$out"
"$jcopcap" asm -o "$out/perso.cap" "$jca"
cp "$here/perso.gpsh" "$out/perso.gpsh"
if [ $# -ge 8 ]; then
    rig=$5 jcopsim=$6 probe=$7 build=$8
    timeout 300 "$rig" -q --build "$build" --jcopsim "$jcopsim" --probe "$probe" \
        --new-card J2A040 --kt $kt -- \
        sh -c 'exec timeout 120 "$0" --reader "$JCOP_READER" --allow-irreversible "$1" > "$2" 2>&1' \
        "$replay" "$out/perso.gpsh" "$out/run.out" || {
        cat "$out/run.out" 2>/dev/null || true
        echo "run-perso.sh: jcop-replay through the rig failed"
        exit 1
    }
else
    # on a durable image, then a new process on the same image reads the applet back
    "$replay" --kt $kt --image "$out/card.img" "$out/perso.gpsh" > "$out/run.out" 2>&1 || {
        cat "$out/run.out"
        echo "run-perso.sh: jcop-replay failed"
        exit 1
    }
    "$replay" --image "$out/card.img" "$here/perso-readback.gpsh" > "$out/readback.out" 2>&1 || {
        cat "$out/readback.out"
        echo "run-perso.sh: jcop-replay of perso-readback.gpsh failed"
        exit 1
    }
    back=$(grep '^<= ' "$out/readback.out" | sed 's/^<= \([0-9A-F]*\).*/\1/' | tr '\n' ' ')
    case " $back" in
    *" 9000 A1A2A39000 0F9000"*) ;;
    *)
        cat "$out/readback.out"
        echo "run-perso.sh: after a restart the applet does not answer its data and life cycle"
        exit 1
        ;;
    esac
fi
# the answers, in order, each on the line after its command ("<= R-APDU")
answers=$(grep '^<= ' "$out/run.out" | sed 's/^<= \([0-9A-F]*\).*/\1/' | tr '\n' ' ')
for want in "E3134F0AF06A636F7073696D50019F70010FC501009000 9000 0A0B0C0D0E0F9000 0F9000" \
    "9000 6982 A1A2A39000"; do
    case " $answers" in
    *" $want"*) ;;
    *)
        cat "$out/run.out"
        echo "run-perso.sh: the answers lack the sequence: $want"
        exit 1
        ;;
    esac
done
# the wrong C-MAC is the one refused: its line is followed by 6982
if ! grep -A1 '^=> 84D000000BB1B2B30000000000000000' "$out/run.out" | grep -q '^<= 6982'; then
    cat "$out/run.out"
    echo "run-perso.sh: the write with a wrong C-MAC was not refused with 6982"
    exit 1
fi
echo "run-perso.sh: STORE DATA reached processData; the applet's SCP02 session took a good C-MAC and refused a wrong one (6982)"
