#!/usr/bin/env bash
# test_debug_cli.sh: jcop-cap and the Debug component, on the project's own example (no
# ../shared): asm --debug writes one (CAP format 2.2); dump decodes it; disasm uses its class,
# method and field names and its .jca lines; without it disasm says so; diff shows only the
# Header, Directory and Debug changed; a hand-made malformed Debug component is refused by dump
# and disasm with "FILE: Debug component: reason" and exit 2, nothing printed, while verify (the
# card's checks, which ignore it) accepts the CAP.
# usage: test_debug_cli.sh JCOP_CAP SOURCE_DIR(tools/jcop-cap)
set -uo pipefail
J=$(realpath "$1") SRC=$2
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
HELLO=$SRC/examples/hello.jca
K=jcopsim/demo/hello/HelloApplet

"$J" asm -o "$T/plain.cap" "$HELLO" >/dev/null 2>&1 || no "asm hello.jca"
if "$J" asm --debug -o "$T/debug.cap" "$HELLO" >"$T/out" 2>&1; then ok "asm --debug"; else no "asm --debug: $(cat "$T/out")"; fi
"$J" asm -o "$T/g.cap" -g "$HELLO" >/dev/null 2>&1 && "$J" diff "$T/debug.cap" "$T/g.cap" >/dev/null \
    && ok "-g is --debug, and the output is deterministic" || no "asm -g"

out=$("$J" info "$T/debug.cap" 2>&1)
grep -q "CAP format    2.2" <<<"$out" && grep -q " Debug [0-9]" <<<"$out" && ok "info: CAP 2.2 with a Debug component" || no "info: $out"

out=$("$J" dump "$T/debug.cap" 2>&1)
grep -q "sizes: .* Descriptor [0-9]* Debug [1-9][0-9]*$" <<<"$out" && ok "dump: the Directory lists the Debug size" || no "dump directory: $out"
grep -q "^Debug component (tag 12, " <<<"$out" \
    && grep -qF "  class $K access 0x0001 at class@0000 extends javacard/framework/Applet, source hello.jca" <<<"$out" \
    && grep -qF "    field greetings B access 0x0002, token 0" <<<"$out" \
    && grep -qF "    field GREETING [B access 0x001A, static image offset 0" <<<"$out" \
    && grep -qE "^    method process\(Ljavacard/framework/APDU;\)V access 0x0001 at @0015, header 2, body [0-9]+ bytes, 0 variables, [0-9]+ lines" <<<"$out" \
    && grep -qE "^      line [0-9]+: pc 0\.\.0$" <<<"$out" \
    && ok "dump decodes the Debug component: class, super, source, fields, methods, lines" || no "dump: $out"

out=$("$J" disasm "$T/debug.cap" 2>&1)
grep -q "names and lines from the Debug component" <<<"$out" \
    && grep -qF "method @0015 $K.process(Ljavacard/framework/APDU;)V" <<<"$out" \
    && grep -qF "// static field $K.GREETING [B" <<<"$out" \
    && grep -qF "// instance field $K.greetings B" <<<"$out" \
    && grep -qF "// static method $K.<init>()V" <<<"$out" \
    && grep -qF "// class $K" <<<"$out" \
    && ok "disasm names the CAP's own classes, methods and fields" || no "disasm names: $out"
# each instruction carries the .jca line it came from: the first of process() is its first line
first=$(awk '/^method @0015/{m=1} m && /^ +0: /{print; exit}' <<<"$out")
line=$(grep -o '\[hello.jca:[0-9]*\]' <<<"$first" | tr -dc 0-9)
[ -n "$line" ] && sed -n "${line}p" "$HELLO" | grep -q "aload_0" \
    && ok "disasm: pc 0 of process() at hello.jca:$line, which holds aload_0" || no "disasm lines: $first"
out=$("$J" disasm "$T/plain.cap" 2>&1)
grep -q "no Debug component: classes by offset" <<<"$out" && ! grep -q "hello.jca:" <<<"$out" \
    && ok "disasm without a Debug component says so" || no "disasm plain: $out"
# the bytecode is the same: only the names and lines differ
diff <("$J" disasm "$T/plain.cap" | grep -oE '^ +[0-9]+: [a-z_0-9]+') \
    <("$J" disasm "$T/debug.cap" | grep -oE '^ +[0-9]+: [a-z_0-9]+') >/dev/null \
    && ok "disasm: the same instructions with and without --debug" || no "instructions differ"
out=$("$J" diff "$T/plain.cap" "$T/debug.cap" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "^Header       DIFFER" <<<"$out" && grep -q "^Directory    DIFFER" <<<"$out" \
    && grep -q "^Debug        only in" <<<"$out" && [ "$(grep -c ' same ' <<<"$out")" -ge 8 ] \
    && ok "diff: Header (2.2), Directory (12 sizes) and Debug differ, the rest is the same" || no "diff: $out"

# a hand-made malformed Debug component: its package_name_index points past the strings
/usr/bin/python3 - "$T/debug.cap" "$T/bad.cap" <<'PY' || no "making bad.cap"
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
    for it in zi.infolist():
        data = zi.read(it.filename)
        if it.filename.endswith("/Debug.cap"):
            b = bytearray(data)
            o, ns = 5, b[3] << 8 | b[4]
            for _ in range(ns):
                o += 2 + (b[o] << 8 | b[o + 1])
            b[o], b[o + 1] = 0x7F, 0xFF
            data = bytes(b)
        zo.writestr(it, data)
PY
for cmd in dump disasm; do
    "$J" $cmd "$T/bad.cap" >"$T/out" 2>"$T/err"; rc=$?
    [ $rc = 2 ] && [ ! -s "$T/out" ] && grep -q "^$T/bad.cap: Debug component: package_name_index at byte [0-9]* is string 32767 of [0-9]*$" "$T/err" \
        && ok "$cmd refuses a malformed Debug component: file: message, exit 2, nothing printed" \
        || no "$cmd bad.cap: rc $rc, $(cat "$T/err" "$T/out" | head -5)"
done
"$J" verify "$T/bad.cap" >"$T/out" 2>&1 && grep -q accepted "$T/out" \
    && ok "verify accepts it: the card ignores the Debug component (JCVM 2.2.2 §6.2)" || no "verify bad.cap: $(cat "$T/out")"
"$J" dump --debug "$T/debug.cap" >/dev/null 2>&1; [ $? = 2 ] && ok "--debug outside asm: usage error" || no "dump --debug accepted"

echo "1..$n"
[ $fails = 0 ]
