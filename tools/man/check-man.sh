#!/usr/bin/env bash
# check-man.sh: every man page renders without a groff warning, and every long
# option a program's --help lists is documented in its page.
# usage: check-man.sh GROFF MAN_DIR BUILD_DIR PAGE...
set -uo pipefail
G=$1 M=$2 B=$3; shift 3
fails=0
for page in "$@"; do
    warn=$("$G" -man -Tutf8 -ww -z "$M/$page" 2>&1)
    if [ -n "$warn" ]; then echo "not ok - $page renders with warnings:"; echo "$warn"; fails=$((fails + 1))
    else echo "ok - $page renders cleanly"; fi
    prog=${page%.1}
    bin=$(find "$B" -type f -perm -u+x -name "$prog" 2>/dev/null | head -1)
    # jcop-rig is a script of the source tree (tools/rig), not a build product
    [ -n "$bin" ] || [ ! -x "$M/../rig/$prog" ] || bin=$M/../rig/$prog
    [ -n "$bin" ] || { echo "# $prog not built: options not checked"; continue; }
    text=$("$G" -man -Tascii -rHY=0 -rLL=250n "$M/$page" 2>/dev/null | sed "s/.\x08//g")
    for opt in $("$bin" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        if ! grep -qF -- "$opt" <<<"$text"; then
            echo "not ok - $page does not document $opt"; fails=$((fails + 1))
        fi
    done
    echo "ok - $page checked against $prog --help"
done
exit $((fails > 0))
