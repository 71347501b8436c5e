/*
 * test_hostile.c: hostile applets against the VM API (jcvm.h). Each case is a
 * small applet in Java Card Assembly (assembled in memory by the project's
 * .jca assembler, then, for the cases the assembler cannot express, patched
 * as raw CAP bytes) whose process() misbehaves on INS 41: forged references,
 * the firewall's temporary objects kept in fields, reads past an array, stack
 * under/overflow, a jump outside the method, a constant-pool index out of
 * range, an infinite loop, deep recursion, heap exhaustion.
 *
 * Each is either refused by LOAD (the bytecode verifier) with its reason, and
 * then nothing of it stays on the card, or stopped by the runtime with the
 * status word of its exception (6F00 for an uncaught one or an exhausted
 * budget). In both cases a victim applet (the project's hello.jca, installed
 * first, its counter at 1) keeps its data and answers, the hostile applet (when
 * loaded) still answers a harmless command, and the state saves and restores.
 *
 * A case fails when the check it relies on is removed: the refusal reasons
 * and status words are asserted, not just "some error".
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jca.h"
#include "jcvm.h"
#include "jcvm_cap.h"
#include "jcvm_verify.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 20);
    *len = b ? fread(b, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    return b;
}

/* LFDB in the load order (no Descriptor), as test_asm_run.c. */
static size_t lfdb(const jca_cap *cap, uint8_t *out, size_t max)
{
    static const unsigned order[] = {1, 2, 4, 3, 6, 7, 8, 10, 5, 9};
    size_t n = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        unsigned t = order[i];
        if (!cap->comp[t])
            continue;
        assert_true(n + cap->len[t] <= max);
        memcpy(out + n, cap->comp[t], cap->len[t]);
        n += cap->len[t];
    }
    return n;
}

static int assemble_text(const char *text, size_t len, const char *name, jca_pkg *pkg, jca_cap *cap,
                         char *err, size_t errlen)
{
    if (jca_parse(text, len, name, pkg, err, errlen) != 0)
        return -1;
    if (jca_build(pkg, name, cap, err, errlen) != 0) {
        jca_free(pkg);
        return -1;
    }
    return 0;
}

/* The hostile applet: process() answers 9000 to anything but INS 41, and runs
 * the case's body on INS 41 (APDU in local 1, buffer in local 2). */
static const char hostile_fmt[] =
    ".package jcopsim/hostile/h {\n"
    ".aid 0xF0:0x6A:0x63:0x6F:0x70:0x73:0x69:0x6D:0x58;\n"
    ".version 1.0;\n"
    ".imports {\n"
    "0xA0:0x0:0x0:0x0:0x62:0x1:0x1 1.3;\n"
    "0xA0:0x0:0x0:0x0:0x62:0x0:0x1 1.0;\n"
    "}\n"
    ".applet {\n"
    "0xF0:0x6A:0x63:0x6F:0x70:0x73:0x69:0x6D:0x58:0x1 H;\n"
    "}\n"
    ".constantPool {\n"
    "staticMethodRef 0.3.0()V;\n"      /* 0 Applet.<init> */
    ".classRef H;\n"                   /* 1 */
    "staticMethodRef H/<init>()V;\n"   /* 2 */
    "virtualMethodRef 0.3.1()V;\n"     /* 3 register() */
    "virtualMethodRef 0.10.1()[B;\n"   /* 4 getBuffer() */
    "virtualMethodRef 0.3.3()Z;\n"     /* 5 selectingApplet() */
    "staticMethodRef 0.7.1(S)V;\n"     /* 6 ISOException.throwIt */
    "staticFieldRef byte[] H/keep;\n"  /* 7 */
    "staticMethodRef H/rec()V;\n"      /* 8 */
    "instanceFieldRef short H/f;\n"    /* 9 */
    "instanceFieldRef byte[] H/arr;\n" /* 10 */
    /* 11..23: natives fuzz_bytecode calls with random arguments (Util, JCSystem) */
    "staticMethodRef 0.16.1([BS[BSS)S;\n"
    "staticMethodRef 0.16.2([BS[BSS)S;\n"
    "staticMethodRef 0.16.3([BSSB)S;\n"
    "staticMethodRef 0.16.0([BS[BSS)B;\n"
    "staticMethodRef 0.16.4([BS)S;\n"
    "staticMethodRef 0.16.6([BSS)S;\n"
    "staticMethodRef 0.8.13(SB)[B;\n"
    "staticMethodRef 0.8.1()V;\n"
    "staticMethodRef 0.8.2()V;\n"
    "staticMethodRef 0.8.0()V;\n"
    "staticMethodRef 0.8.16(B)S;\n"
    "staticMethodRef 0.8.18()V;\n"
    "staticMethodRef 0.8.7()B;\n"
    "}\n"
    ".class public H 0 extends 0.3 {\n"
    ".fields {\n"
    "private short f 0;\n"
    "private byte[] arr 1;\n"
    "static byte[] keep;\n"
    "}\n"
    ".publicMethodTable 7 {\n"
    "equals(Ljava/lang/Object;)Z;\n"
    "register()V;\n"
    "register([BSB)V;\n"
    "selectingApplet()Z;\n"
    "deselect()V;\n"
    "getShareableInterfaceObject(Ljavacard/framework/AID;B)Ljavacard/framework/Shareable;;\n"
    "select()Z;\n"
    "process(Ljavacard/framework/APDU;)V;\n"
    "}\n"
    ".packageMethodTable 0 {\n"
    "}\n"
    ".method private <init>()V {\n"
    ".stack 2;\n"
    ".locals 0;\n"
    "L0: aload_0;\n"
    "invokespecial 0;\n"
    "aload_0;\n"
    "sconst_4;\n"
    "newarray 11;\n"
    "putfield_a 10;\n"
    "return;\n"
    "}\n"
    ".method public static install([BSB)V 0 {\n"
    ".stack 2;\n"
    ".locals 0;\n"
    "L0: new 1;\n"
    "dup;\n"
    "invokespecial 2;\n"
    "invokevirtual 3;\n"
    "return;\n"
    "}\n"
    ".method private static rec()V {\n"
    ".stack 0;\n"
    ".locals 0;\n"
    "L0: invokestatic 8;\n"
    "return;\n"
    "}\n"
    ".method public process(Ljavacard/framework/APDU;)V 7 {\n"
    ".stack %d;\n"
    ".locals %d;\n"
    ".descriptor Ljavacard/framework/APDU; 0.10;\n"
    "L0: aload_0;\n"
    "invokevirtual 5;\n"
    "ifeq L2;\n"
    "L1: return;\n"
    "L2: aload_1;\n"
    "invokevirtual 4;\n"
    "astore_2;\n"
    "aload_2;\n"
    "sconst_1;\n"
    "baload;\n"
    "bspush 65;\n"
    "if_scmpeq L3;\n"
    "return;\n"
    "L3: nop;\n"
    "%s"
    "}\n"
    "}\n"
    "}\n";

typedef struct {
    const char *name;
    const char *body; /* after L3 (one statement per line) */
    int stack, locals;
    /* optional raw patch of the Method component: replace the first `n` bytes equal to
       `find` (after the process() prologue) with `repl` */
    uint8_t find[4], repl[4];
    size_t npatch;
    const char *refused; /* the verifier must refuse it with this in its reason, or NULL */
    uint16_t sw;         /* the card (LOAD accepts it): the answer to INS 41 */
    uint32_t budget;     /* max_bytecodes for the case (0 = the default) */
    int sweep;           /* then also P1P2 = 1..sweep: each 9000 or 6F00, the victim intact */
} hcase;

static const hcase cases[] = {
    /* forged references: a short used as a reference */
    {"forged reference (short stored as reference)",
     "sspush 4660;\nastore_3;\naload_3;\narraylength;\npop;\nreturn;\n",
     3,
     2,
     {0},
     {0},
     0,
     "reference",
     0x6F00,
     0,
     0},
    {"forged reference (getfield on a short)",
     "sconst_2;\ngetfield_s 9;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     "reference",
     0x6F00,
     0,
     0},
    {"forged reference (short as array)",
     "sconst_1;\nsconst_0;\nbaload;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     "reference",
     0x6F00,
     0,
     0},
    /* forged reference through a field read with the wrong width: a short field written with a
       number, read back with getfield_a (the Descriptor that would tell is not part of LOAD) */
    {"forged reference (short field read as reference)",
     "aload_0;\nsconst_3;\nputfield_s 9;\naload_0;\ngetfield_a "
     "9;\nsconst_0;\nbaload;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     NULL,
     0x6F00,
     0,
     0},
    /* every handle: P1P2 stored in the short field, read back as a byte[] and written at index 0
       (the victim's greeting array among them: the firewall must refuse) */
    {"forged reference to every object (write)",
     "aload_0;\naload_2;\nsconst_2;\nbaload;\nbspush 8;\nsshl;\naload_2;\nsconst_3;\nbaload;\n"
     "sspush 255;\nsand;\nsor;\nputfield_s 9;\naload_0;\ngetfield_a 9;\nsconst_0;\nsconst_0;\n"
     "bastore;\nreturn;\n",
     4,
     1,
     {0},
     {0},
     0,
     NULL,
     0x6F00,
     0,
     600},
    /* type confusion: reference arithmetic */
    /* on the card the handle is a number that cannot become a reference again (the forged
       reference cases): harmless, the command completes */
    {"reference used as a short",
     "aload_2;\nsconst_1;\nsadd;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     "short",
     0x9000,
     0,
     0},
    /* firewall: temporary JCRE objects (APDU buffer, APDU object) kept in fields */
    {"global APDU buffer kept in a static field",
     "aload_2;\nputstatic_a 7;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     NULL,
     0x6F00,
     0,
     0},
    {"APDU object kept in a static field",
     "aload_1;\nputstatic_a 7;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     NULL,
     0x6F00,
     0,
     0},
    {"APDU buffer kept in an instance field",
     "aload_0;\naload_2;\nputfield_a 10;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     NULL,
     0x6F00,
     0,
     0},
    /* reads and writes past an array */
    {"read past an array",
     "aload_0;\ngetfield_a 10;\nsconst_4;\nbaload;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     NULL,
     0x6F00,
     0,
     0},
    {"negative index",
     "aload_0;\ngetfield_a 10;\nsconst_m1;\nbaload;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     NULL,
     0x6F00,
     0,
     0},
    {"write past the APDU buffer",
     "aload_2;\nsspush 32767;\nsconst_1;\nbastore;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     NULL,
     0x6F00,
     0,
     0},
    /* operand stack */
    {"stack overflow",
     "sconst_1;\nsconst_1;\nsconst_1;\nsconst_1;\npop;\npop;\npop;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     "stack",
     0x6F00,
     0,
     0},
    {"stack underflow", "pop;\nreturn;\n", 3, 1, {0}, {0}, 0, "stack", 0x6F00, 0, 0},
    {"local outside the frame",
     "sload 9;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     "local",
     0x6F00,
     0,
     0},
    /* control flow: goto +3 (to the return) patched to +0x70 (outside the method) */
    {"jump outside the method",
     "goto L4;\nL4: return;\n",
     3,
     1,
     {0x00, 0x70, 0x02, 0x7A},
     {0x00, 0x70, 0x70, 0x7A},
     4,
     "outside",
     0x6F00,
     0,
     0},
    {"jump into an instruction",
     "sspush 4660;\npop;\ngoto L4;\nL4: return;\n",
     3,
     1,
     {0x70, 0x02, 0x7A},
     {0x70, 0xFD, 0x7A},
     3,
     "not the start of an instruction",
     0x6F00,
     0,
     0},
    /* constant pool */
    {"constant-pool index out of range",
     "getstatic_a 200;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     "constant pool",
     0x6F00,
     0,
     0},
    {"constant-pool entry of the wrong kind",
     "getstatic_a 9;\npop;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     "constant pool",
     0x6F00,
     0,
     0},
    {"invokespecial of an index out of range",
     "aload_0;\ninvokespecial 200;\nreturn;\n",
     3,
     1,
     {0},
     {0},
     0,
     "constant pool",
     0x6F00,
     0,
     0},
    /* an array thrown as an exception (the verifier cannot tell without the Descriptor) */
    {"array thrown as an exception", "aload_2;\nathrow;\n", 3, 1, {0}, {0}, 0, NULL, 0x6F00, 0, 0},
    /* runaway: the budget ends them with 6F00 */
    {"infinite loop", "L4: goto L4;\n", 3, 1, {0}, {0}, 0, NULL, 0x6F00, 200000, 0},
    {"deep recursion", "invokestatic 8;\nreturn;\n", 3, 1, {0}, {0}, 0, NULL, 0x6F00, 0, 0},
    /* heap exhaustion: allocate until NO_RESOURCE (uncaught: 6F00) */
    {"heap exhaustion",
     "L4: sspush 1000;\nnewarray 11;\nputstatic_a 7;\ngoto L4;\n",
     3,
     1,
     {0},
     {0},
     0,
     NULL,
     0x6F00,
     0,
     0},
};

static void dump(const char *name, const uint8_t *lf, size_t n);

static const uint8_t hello_greeting[] = "Hello, jcopsim";

static void send(jcvm *vm, const jc_aid *a, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *rl)
{
    *rl = 300;
    jcvm_process(vm, a, 0, cmd, n, resp, rl);
}

static void do_select(jcvm *vm, const jc_aid *a)
{
    uint8_t sel[5 + 16 + 1] = {0x00, 0xA4, 0x04, 0x00, a->len};
    memcpy(sel + 5, a->b, a->len);
    sel[5 + a->len] = 0;
    uint8_t resp[300];
    size_t rl = sizeof resp;
    jcvm_select(vm, a, 0, sel, 6 + a->len, resp, &rl);
    assert_int_equal(rl, 2);
    assert_int_equal(resp[0] << 8 | resp[1], 0x9000);
}

/* hello's INS 40: greeting + counter, which must be `want` */
static void hello_answers(jcvm *vm, const jc_aid *a, uint8_t want, const char *when)
{
    uint8_t cmd[] = {0x80, 0x40, 0x00, 0x00, 0x00};
    uint8_t resp[300];
    size_t rl;
    do_select(vm, a);
    send(vm, a, cmd, sizeof cmd, resp, &rl);
    if (rl != 17 || memcmp(resp, hello_greeting, 14) != 0 || resp[14] != want ||
        (resp[15] << 8 | resp[16]) != 0x9000)
        fail_msg("%s: the victim answers %zu bytes, counter %u (want %u)", when, rl,
                 rl > 14 ? resp[14] : 0, want);
    jcvm_deselect(vm, a, 0);
}

static jca_cap hello_cap;
static jca_pkg hello_pkg;
static uint8_t hello_lf[65536];
static size_t hello_n;

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("JCOPSIM_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/tools/jcop-cap/examples/hello.jca", src);
    size_t len = 0;
    char *text = slurp(path, &len);
    assert_non_null(text);
    char err[600];
    if (assemble_text(text, len, path, &hello_pkg, &hello_cap, err, sizeof err) != 0)
        fail_msg("%s", err);
    free(text);
    hello_n = lfdb(&hello_cap, hello_lf, sizeof hello_lf);
    dump("hello", hello_lf, hello_n);
    if (getenv("JCOPSIM_DUMP_LFDB")) {
        /* the template of simulator/fuzz/fuzz_bytecode.c: 96 nops where the body goes */
        static char body[96 * 5 + 16], ttext[16384];
        body[0] = 0;
        for (int i = 0; i < 96; i++)
            strcat(body, "nop;\n");
        strcat(body, "return;\n");
        int tl = snprintf(ttext, sizeof ttext, hostile_fmt, 15, 15, body);
        jca_pkg tp;
        jca_cap tc;
        if (assemble_text(ttext, (size_t)tl, "template.jca", &tp, &tc, err, sizeof err) != 0)
            fail_msg("%s", err);
        static uint8_t tlf[65536];
        dump("bytecode-template", tlf, lfdb(&tc, tlf, sizeof tlf));
        jca_cap_free(&tc);
        jca_free(&tp);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    jca_cap_free(&hello_cap);
    jca_free(&hello_pkg);
    return 0;
}

static void patch(uint8_t *lf, size_t n, const jca_cap *cap, const hcase *c)
{
    /* search inside the Method component (tag 7) of the LFDB only */
    const uint8_t *m = cap->comp[7];
    size_t mlen = cap->len[7];
    uint8_t *at = NULL;
    for (size_t i = 0; i + mlen <= n && !at; i++)
        if (memcmp(lf + i, m, mlen) == 0)
            at = lf + i;
    assert_non_null(at);
    /* last occurrence: process() is the last method */
    uint8_t *hit = NULL;
    for (size_t i = 0; i + c->npatch <= mlen; i++)
        if (memcmp(at + i, c->find, c->npatch) == 0)
            hit = at + i;
    if (!hit)
        fail_msg("%s: patch pattern not found", c->name);
    memcpy(hit, c->repl, c->npatch);
}

/* JCOPSIM_DUMP_LFDB=DIR: write each case's LFDB there (the seeds of simulator/fuzz/corpus/cap). */
static void dump(const char *name, const uint8_t *lf, size_t n)
{
    const char *dir = getenv("JCOPSIM_DUMP_LFDB");
    if (!dir)
        return;
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/", dir);
    for (const char *q = name; *q && k < 4000; q++)
        path[k++] = (char)(isalnum((unsigned char)*q) ? tolower((unsigned char)*q) : '-');
    path[k] = 0;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(lf, 1, n, f), n);
    fclose(f);
}

static void run_case(const hcase *c)
{
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    if (c->budget)
        cfg.max_bytecodes = c->budget;
    jcvm *vm = jcvm_new(&cfg);
    assert_non_null(vm);
    uint16_t sw = 0;
    char why[300] = "";
    if (jcvm_load(vm, hello_lf, hello_n, &sw, why, sizeof why) != 0)
        fail_msg("hello LOAD refused (%04X): %s", sw, why);
    jc_aid hp = {.len = hello_pkg.aid.len}, ha = {.len = hello_pkg.applets[0].aid.len};
    memcpy(hp.b, hello_pkg.aid.b, hp.len);
    memcpy(ha.b, hello_pkg.applets[0].aid.b, ha.len);
    if (jcvm_install(vm, &hp, &ha, &ha, NULL, 0, 0, &sw, why, sizeof why) != 0)
        fail_msg("hello INSTALL refused (%04X): %s", sw, why);
    hello_answers(vm, &ha, 1, "before");

    static char text[16384];
    int tl = snprintf(text, sizeof text, hostile_fmt, c->stack, c->locals, c->body);
    assert_true(tl > 0 && (size_t)tl < sizeof text);
    jca_pkg pkg;
    jca_cap cap;
    char err[600] = "";
    if (assemble_text(text, (size_t)tl, "hostile.jca", &pkg, &cap, err, sizeof err) != 0)
        fail_msg("%s: %s", c->name, err);
    static uint8_t lf[65536];
    size_t n = lfdb(&cap, lf, sizeof lf);
    if (c->npatch)
        patch(lf, n, &cap, c);
    jc_aid p = {.len = pkg.aid.len}, a = {.len = pkg.applets[0].aid.len};
    memcpy(p.b, pkg.aid.b, p.len);
    memcpy(a.b, pkg.applets[0].aid.b, a.len);
    dump(c->name, lf, n);
    unsigned objs0 = jcvm_object_count(vm);
    why[0] = 0;
    if (c->refused) {
        /* the bytecode verifier (as jcop-cap verify runs it) refuses it, naming the fault */
        jcvm_cap *pc = NULL;
        char pw[300] = "";
        if (jcvm_cap_parse(lf, n, &pc, pw, sizeof pw) != 0)
            fail_msg("%s: the CAP does not parse: %s", c->name, pw);
        int vr = jcvm_verify_package(pc, pw, sizeof pw);
        jcvm_cap_free(pc);
        if (vr == 0)
            fail_msg("%s: the verifier accepts it, expected a refusal naming \"%s\"", c->name,
                     c->refused);
        if (strstr(pw, c->refused) == NULL)
            fail_msg("%s: verifier refusal \"%s\", expected \"%s\"", c->name, pw, c->refused);
        print_message("  %-44s verifier: %s\n", c->name, pw);
    }
    /* the card's LOAD (parser and linker; the verifier is off-card, see THREAT-MODEL.md)
       refuses it, or the runtime's own checks stop it */
    int lr = jcvm_load(vm, lf, n, &sw, why, sizeof why);
    bool loaded = lr == 0;
    if (!loaded) {
        if (!c->refused)
            fail_msg("%s: LOAD refused (%04X): %s", c->name, sw, why);
        print_message("  %-44s LOAD refused %04X: %s\n", c->name, sw, why);
        assert_false(jcvm_has_package(vm, &p));
        assert_int_equal(jcvm_object_count(vm), objs0);
    } else {
        if (jcvm_install(vm, &p, &a, &a, NULL, 0, 0, &sw, why, sizeof why) != 0)
            fail_msg("%s: INSTALL refused (%04X): %s", c->name, sw, why);
        do_select(vm, &a);
        uint8_t cmd[] = {0x80, 0x41, 0x00, 0x00, 0x00};
        uint8_t resp[300];
        size_t rl;
        send(vm, &a, cmd, sizeof cmd, resp, &rl);
        assert_true(rl >= 2);
        uint16_t got = (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]);
        if (got != c->sw || rl != 2)
            fail_msg("%s: answered %zu bytes, SW %04X; expected %04X", c->name, rl, got, c->sw);
        print_message("  %-44s card answered %04X\n", c->name, got);
        int n9000 = 0;
        for (int h = 1; h <= c->sweep; h++) {
            uint8_t sc[] = {0x80, 0x41, (uint8_t)(h >> 8), (uint8_t)h, 0x00};
            send(vm, &a, sc, sizeof sc, resp, &rl);
            assert_int_equal(rl, 2);
            uint16_t s2 = (uint16_t)(resp[0] << 8 | resp[1]);
            if (s2 != 0x9000 && s2 != 0x6F00)
                fail_msg("%s: handle %d answered %04X", c->name, h, s2);
            n9000 += s2 == 0x9000;
        }
        if (c->sweep)
            print_message("  %-44s %d handles tried, %d writable (its own objects)\n", c->name,
                          c->sweep, n9000);
        /* the hostile applet still answers a harmless command */
        uint8_t ok[] = {0x80, 0x42, 0x00, 0x00, 0x00};
        send(vm, &a, ok, sizeof ok, resp, &rl);
        assert_int_equal(rl, 2);
        assert_int_equal(resp[0] << 8 | resp[1], 0x9000);
        jcvm_deselect(vm, &a, 0);
    }
    /* the victim's data: greeting intact, counter 1 -> 2 */
    hello_answers(vm, &ha, 2, c->name);
    /* the state saves and restores into a fresh VM, where the victim goes on */
    uint8_t *blob = NULL;
    size_t blen = 0;
    assert_int_equal(jcvm_save(vm, &blob, &blen), 0);
    jcvm *vm2 = jcvm_new(&cfg);
    assert_non_null(vm2);
    if (jcvm_restore(vm2, blob, blen) != 0)
        fail_msg("%s: the saved state does not restore", c->name);
    free(blob);
    hello_answers(vm2, &ha, 3, "after restore");
    if (loaded) {
        /* the hostile applet runs again on the restored state: its harmless answer, and a
           second attack stopped the same way (nothing it kept survives as a weapon) */
        do_select(vm2, &a);
        uint8_t cmd[] = {0x80, 0x41, 0x00, 0x00, 0x00};
        uint8_t resp[300];
        size_t rl;
        send(vm2, &a, cmd, sizeof cmd, resp, &rl);
        assert_int_equal(rl, 2);
        assert_int_equal(resp[0] << 8 | resp[1], c->sw);
        jcvm_deselect(vm2, &a, 0);
        hello_answers(vm2, &ha, 4, "after the second attack");
    }
    jcvm_free(vm2);
    jcvm_free(vm);
    jca_cap_free(&cap);
    jca_free(&pkg);
}

static void test_case(void **state)
{
    run_case((const hcase *)*state);
}

int main(void)
{
    enum { N = sizeof cases / sizeof cases[0] };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++) {
        struct CMUnitTest t = {cases[i].name, test_case, NULL, NULL, (void *)&cases[i]};
        tests[i] = t;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
