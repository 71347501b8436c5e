#!/usr/bin/env bash
# test_jcop_cap.sh: jcop-cap on the project's own .jca example (no ../shared):
# asm -> info/dump/disasm/verify/diff; broken .jca refused with file:line and
# exit 2; assembled but wrong bytecode refused by the verifier (exit 1) with a
# reason naming the method and pc; imports the card lacks refused by verify.
# usage: test_jcop_cap.sh JCOP_CAP SOURCE_DIR(tools/jcop-cap)
set -uo pipefail
J=$(realpath "$1") SRC=$2
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
HELLO=$SRC/examples/hello.jca

# 1. the example assembles, is accepted, and reads back
if "$J" asm -o "$T/hello.cap" "$HELLO" >"$T/out" 2>&1; then ok "asm hello.jca"; else no "asm hello.jca: $(cat "$T/out")"; fi
out=$("$J" info "$T/hello.cap" 2>&1)
grep -q "applet        F06A636F7073696D4801" <<<"$out" && grep -q "javacard/framework/Util.arrayCopyNonAtomic" <<<"$out" \
    && ok "info names the applet AID and the API methods called" || no "info: $out"
"$J" verify "$T/hello.cap" >"$T/out" 2>&1 && grep -q accepted "$T/out" && ok "verify accepts hello" || no "verify hello: $(cat "$T/out")"
out=$("$J" disasm "$T/hello.cap" 2>&1)
grep -q "invokestatic     7   // static method javacard/framework/Util.arrayCopyNonAtomic" <<<"$out" \
    && grep -q "if_scmpeq        -> " <<<"$out" && ok "disasm resolves API names and branch targets" || no "disasm: $out"
out=$("$J" dump "$T/hello.cap" 2>&1)
grep -q "array init 0: byte, 14 bytes: 48656C6C6F2C206A636F7073696D" <<<"$out" && ok "dump decodes the static array initializer" || no "dump: $out"
"$J" asm -o "$T/again.cap" "$HELLO" >/dev/null 2>&1
"$J" diff "$T/hello.cap" "$T/again.cap" >/dev/null && ok "asm is deterministic (diff: same)" || no "asm twice differs"
"$J" asm -o "$T/default.jca" "$HELLO" >/dev/null 2>&1   # any output name
cp "$HELLO" "$T/h2.jca" && (cd "$T" && "$J" asm h2.jca >/dev/null) && [ -f "$T/h2.cap" ] && ok "asm default output FILE.cap" || no "asm default output"

# 2. broken .jca: file:line: message, exit 2 (sed expression | expected line | message part)
bad() {
    local name=$1 expr=$2 line=$3 msg=$4
    sed "$expr" "$HELLO" >"$T/bad.jca"
    "$J" asm -o "$T/bad.cap" "$T/bad.jca" >"$T/out" 2>&1
    local rc=$?
    if [ $rc -eq 2 ] && grep -q "^$T/bad.jca:$line: .*$msg" "$T/out"; then ok "refused: $name"
    else no "$name: rc $rc, $(cat "$T/out")"; fi
}
bad "unknown instruction" 's/^\(\t*\)sconst_1;$/\1sconst_9;/' 99 "unknown instruction 'sconst_9'"
bad "undefined label" 's/ifeq L2;/ifeq L99;/' 93 "label L99 is not defined"
bad "missing ;" 's/^\(\t*\)arraylength;/\1arraylength/' 110 "does not end with"
bad "operand out of range" 's/bspush 64;/bspush 640;/' 101 "640 out of range"
bad "wrong operand count" 's/invokevirtual 3;/invokevirtual 3 4;/' 81 "takes 1 operand"
bad "short AID" 's/\.aid 0xF0:0x6A:0x63:0x6F:0x70:0x73:0x69:0x6D:0x48;/.aid 0xF0:0x6A;/' 7 "AID shorter"
bad "unknown class in CP" 's/staticMethodRef HelloApplet\/<init>()V;/staticMethodRef Nope\/<init>()V;/' 25 "class Nope is not in this package"
bad "no such field" 's/instanceFieldRef byte HelloApplet\/greetings;/instanceFieldRef byte HelloApplet\/nothing;/' 41 "no field nothing"
bad "unterminated package" '$d' 134 "missing"
bad "bad directive" 's/\.locals 2;/.lokals 2;/' 87 "unknown directive '.lokals'"
bad "import token beyond imports" 's/invokestatic 9;/invokestatic 9;/; s/staticMethodRef 0.7.1(S)V;/staticMethodRef 5.7.1(S)V;/' 39 "package token 5"
printf '\x00\x01' >"$T/nul.jca"
"$J" asm "$T/nul.jca" >"$T/out" 2>&1; [ $? -eq 2 ] && grep -q "nul.jca:1:" "$T/out" && ok "refused: binary input" || no "binary: $(cat "$T/out")"
"$J" asm "$T/missing.jca" >"$T/out" 2>&1; [ $? -eq 3 ] && ok "missing file: exit 3" || no "missing file"

# 3. assembles, but the card's verifier refuses (exit 1, method and pc named)
vbad() {
    local name=$1 expr=$2 msg=$3
    sed "$expr" "$HELLO" >"$T/v.jca"
    if ! "$J" asm -o "$T/v.cap" "$T/v.jca" >"$T/out" 2>&1; then no "$name: did not assemble: $(cat "$T/out")"; return; fi
    "$J" verify "$T/v.cap" >"$T/out" 2>&1
    local rc=$?
    if [ $rc -eq 1 ] && grep -q "REFUSED (verifier): method @0x[0-9A-F]\{4\}.*$msg" "$T/out"; then ok "verifier refuses: $name"
    else no "$name: rc $rc, $(cat "$T/out")"; fi
}
vbad "max_stack too small" '0,/\.stack 5;/s//.stack 4;/' "pc 31 (getstatic_a): operand stack above max_stack 4"
vbad "short arithmetic on a reference" 's/^\(\t*\)s2b;$/\1aload_0;/' "needs a short on the stack, finds a reference"
vbad "local outside max_locals" 's/sstore_3;/sstore 9;/' "local 9 outside the method's 4 locals"
vbad "getfield on a static field ref" 's/getfield_b 10;/getfield_b 6;/' "constant pool entry 6 is a static field reference, not an instance field reference"
vbad "field width against the Descriptor" 's/getfield_b 10;/getfield_s 10;/' "pc 41 (getfield_s): constant pool entry 10 is a field of a byte or boolean type"
vbad "invokestatic of a virtual method ref" 's/invokestatic 9;/invokestatic 8;/' "entry 8 is a virtual method reference, not a static method reference"
vbad "cp index out of range" 's/invokestatic 9;/invokestatic 60;/' "constant pool index 60 out of range"
last=$(grep -n 'return;' "$HELLO" | tail -1 | cut -d: -f1)
vbad "falls off the end" "${last}s/return;/nop;/" "pc 61 (nop): execution falls off the end of the method"
vbad "stack heights differ at a join" 's/^\(\t*\)L1:\treturn;/\1L1:\tsconst_0;\n\t\t\t\t\tgoto L2;/' "stack height"
vbad "read of an unwritten local" 's/^\(\t*\)sload_3;$/\1sload_3;/; 0,/astore_2;/s//pop;/' "local 2 holds an unwritten local"
vbad "return type mismatch" 's/^\(\t\t\t\t\t\)return;$/\1sconst_0;\n\1sreturn;/' "returns a short from a method declared to return nothing"
vbad "an int where a short is needed" 's/^\(\t*\)sconst_1;$/\1iconst_1;/' "pc 14 (baload): needs a short on the stack, finds an int"

# 4. linker: an import the card lacks, named with exit 1
sed 's|^\t\t0xA0:0x0:0x0:0x0:0x62:0x0:0x1 1.0;.*|&\n\t\t0xA0:0x0:0x0:0x0:0x62:0x2:0x2 1.3;\t\t//javacardx/biometry|' "$HELLO" >"$T/bio.jca"
"$J" asm -o "$T/bio.cap" "$T/bio.jca" >/dev/null 2>&1
"$J" verify "$T/bio.cap" >"$T/out" 2>&1
[ $? -eq 1 ] && grep -q "import 2 javacardx.biometry 1.3, the J2A040 card has 1.2" "$T/out" \
    && ok "verify names an API package version the card lacks" || no "biometry: $(cat "$T/out")"
sed 's|^\t\t0xA0:0x0:0x0:0x0:0x62:0x0:0x1 1.0;.*|&\n\t\t0xF0:0x1:0x2:0x3:0x4 1.0;|' "$HELLO" >"$T/lib.jca"
"$J" asm -o "$T/lib.cap" "$T/lib.jca" >/dev/null 2>&1
"$J" verify "$T/lib.cap" >"$T/out" 2>&1
[ $? -eq 1 ] && grep -q "import 2 F001020304 1.0 is neither an API package" "$T/out" && ok "verify names an unknown package" || no "unknown pkg: $(cat "$T/out")"
sed 's|0xA0:0x0:0x0:0x0:0x62:0x1:0x1 1.3;|0xA0:0x0:0x0:0x0:0x62:0x1:0x1 1.6;|' "$HELLO" >"$T/v16.jca"
"$J" asm -o "$T/v16.cap" "$T/v16.jca" >/dev/null 2>&1
"$J" verify "$T/v16.cap" >"$T/out" 2>&1
[ $? -eq 1 ] && grep -q "javacard.framework 1.6, the J2A040 card has 1.3" "$T/out" && ok "verify refuses a newer API version" || no "1.6: $(cat "$T/out")"

sed 's|^\t\tinstanceFieldRef byte HelloApplet/greetings;|&\n\t\t.classRef 0.99;|' "$HELLO" >"$T/nocls.jca"
"$J" asm -o "$T/nocls.cap" "$T/nocls.jca" >/dev/null 2>&1
"$J" verify "$T/nocls.cap" >"$T/out" 2>&1
[ $? -eq 1 ] && grep -q "REFUSED (LOAD, SW 6A80): .*constant pool 11: class 0.99 not found" "$T/out" \
    && ok "verify runs the card's own LOAD: unknown API class token" || no "class 0.99: $(cat "$T/out")"

# 5. not a CAP; usage
echo "not a zip" >"$T/x.cap"
"$J" info "$T/x.cap" >/dev/null 2>&1; [ $? -eq 3 ] && ok "info on a non-CAP: exit 3" || no "non-CAP"
"$J" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && ok "unknown subcommand: exit 2" || no "unknown subcommand"
"$J" --help | grep -q "jcop-cap asm" && ok "--help" || no "--help"
echo "1..$n"
exit $((fails > 0))
