#!/bin/sh
# rig_refuse_fuse.sh REPLAY EXAMPLES: inside jcop-rig (JCOP_READER set). Without
# --allow-irreversible, FUSE must be refused on the PC/SC reader (exit 1, "refused" printed,
# nothing sent), and the card must still be unfused afterwards.
replay=$1; ex=$2
[ -n "$JCOP_READER" ] || { echo "rig_refuse_fuse.sh: JCOP_READER not set (run inside jcop-rig)" >&2; exit 3; }
out=$(timeout 60 "$replay" --reader "$JCOP_READER" "$ex/fuse-refused.jcsh" 2>&1); st=$?
printf '%s\n' "$out"
[ "$st" -eq 1 ] || { echo "rig_refuse_fuse.sh: exit $st, expected 1" >&2; exit 1; }
printf '%s\n' "$out" | grep -q "fuse-refused.jcsh:8: refused: FUSE" || { echo "no refusal message" >&2; exit 1; }
timeout 60 "$replay" --reader "$JCOP_READER" "$ex/still-unfused.jcsh" || { echo "card was altered" >&2; exit 1; }
echo "rig_refuse_fuse.sh: FUSE refused, card still unfused"
