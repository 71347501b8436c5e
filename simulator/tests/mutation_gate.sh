#!/bin/sh
# mutation_gate.sh: a small mutation gate over the status-word rules of the
# card core. Each mutant removes one refusal (a C-MAC failure, the dispatcher's
# security or state check, a commit failure's 6581) from a scratch copy of
# simulator/core; the core and a few unit tests are compiled against it and at
# least one test must fail. A mutant that survives means a rule no test holds.
# usage: mutation_gate.sh SOURCE_DIR [CC]     exit 0 all killed, 1 a survivor
set -u
src=$1
cc=${2:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests="test_cmac test_dispatch test_gp_isd test_runtime test_store"
libs="$(pkg-config --libs cmocka) -lcrypto"

# file|line text to find (fixed string)|replacement line|what it removes
cat > "$work/mutants" <<'EOF'
jc_fused.c|            return rc > 0 ? (uint16_t)rc : pol->mac_failed.sw;|            (void)rc;|bad C-MAC refused
jc_fused.c|        jc_card_warn(card, "command without its C-MAC inside a secure channel: session closed");|        jc_card_warn(card, "mutant"); if (0)|missing C-MAC refused
jc_dispatch.c|        return card->profile->sw.security.sw;|        ;|row needs a secure channel (6982)
jc_dispatch.c|        return card->profile->sw.wrong_state.sw;|        ;|row not allowed in this state (6985)
jc_dispatch.c|            return card->profile->sw.memory_failure.sw;|            ;|failed commit answers 6581
EOF

status=0
n=0
while IFS='|' read -r file find repl what; do
    n=$((n + 1))
    m="$work/m$n"
    mkdir -p "$m/core" "$m/bin"
    cp "$src"/simulator/core/*.c "$src"/simulator/core/*.h "$m/core/"
    FIND="$find" REPL="$repl" python3 - "$m/core/$file" <<'PY' || { echo "mutant $n ($what): line not found"; status=1; continue; }
import os, sys
p = sys.argv[1]
s = open(p).read()
f, r = os.environ['FIND'], os.environ['REPL']
if s.count(f) != 1:
    sys.exit(1)
open(p, 'w').write(s.replace(f, r))
PY
    killed=""
    for t in $tests; do
        if ! "$cc" -std=c11 -D_POSIX_C_SOURCE=200809L -w -I"$m/core" -I"$src/simulator/tests" \
                -I"$src/simulator/store" -o "$m/bin/$t" "$m"/core/*.c "$src"/simulator/store/*.c \
                "$src/simulator/tests/$t.c" $libs 2>"$m/bin/$t.log"; then
            echo "mutant $n ($what): $t does not build: see below"; cat "$m/bin/$t.log"; status=1
            continue
        fi
        if ! (cd "$m/bin" && timeout 120 "./$t" >/dev/null 2>&1); then
            killed=$t
            break
        fi
    done
    if [ -n "$killed" ]; then
        echo "mutant $n ($what): killed by $killed"
    else
        echo "mutant $n ($what): SURVIVED: no test fails without this rule"
        status=1
    fi
done < "$work/mutants"
exit $status
