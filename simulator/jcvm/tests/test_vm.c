/*
 * test_vm.c: the interpreter, linker and JCRE on applets assembled here
 * (jcvm_test_app.h): each bytecode family computes a short that comes back
 * as the status word; exceptions, handlers and finally; transactions and the
 * JCRE's auto-abort; budgets against runaway code; memory safety of
 * unverified code; linker refusals; save/restore of the persistent state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jcvm.h"
#include "jcvm_cap.h"
#include "jcvm_test_app.h"

static tbuf tb;
static char last_trace[4096];

static void trace(void *ctx, const char *line)
{
    (void)ctx;
    size_t l = strlen(last_trace);
    snprintf(last_trace + l, sizeof last_trace - l, "%s\n", line);
}

static jc_aid aid_of(const uint8_t *b, size_t n)
{
    jc_aid a;
    a.len = (uint8_t)n;
    memcpy(a.b, b, n);
    return a;
}

static jcvm *vm_with(const tapp_spec *s, const jcvm_config *cfg)
{
    jcvm_config c;
    if (cfg)
        c = *cfg;
    else
        jcvm_config_default(&c);
    /* these tests exercise the interpreter itself, some on bodies no verifier would pass
       (unbalanced stack heights, deliberately broken code): LOAD skips the verifier here;
       test_verifier_at_load shows the card's LOAD refusing such code */
    c.no_verify = true;
    c.trace = trace;
    last_trace[0] = 0;
    jcvm *vm = jcvm_new(&c);
    assert_non_null(vm);
    size_t n = tapp_build(s, &tb);
    uint16_t sw = 0;
    char why[200] = "";
    if (jcvm_load(vm, tb.b, n, &sw, why, sizeof why) != 0)
        fail_msg("load refused %04X: %s", sw, why);
    jc_aid pkg = aid_of(TAPP_PKG, sizeof TAPP_PKG), app = aid_of(TAPP_APP, sizeof TAPP_APP);
    if (jcvm_install(vm, &pkg, &app, &app, NULL, 0, 0, &sw, why, sizeof why) != 0)
        fail_msg("install refused %04X: %s", sw, why);
    return vm;
}

static uint16_t send(jcvm *vm, const uint8_t *apdu, size_t len, uint8_t *resp, size_t *rl)
{
    jc_aid app = aid_of(TAPP_APP, sizeof TAPP_APP);
    size_t cap = *rl;
    jcvm_process(vm, &app, 0, apdu, len, resp, rl);
    assert_true(*rl >= 2 && *rl <= cap);
    return (uint16_t)(resp[*rl - 2] << 8 | resp[*rl - 1]);
}

static uint16_t run_once(jcvm *vm)
{
    static const uint8_t apdu[] = {0x80, 0x10, 0x00, 0x00};
    uint8_t resp[300];
    size_t rl = sizeof resp;
    return send(vm, apdu, sizeof apdu, resp, &rl);
}

typedef struct {
    const char *name;
    uint8_t body[64];
    size_t len;
    uint16_t sw;
    uint8_t stack, locals;
} family_case;

#define B(...) {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})

static const family_case families[] = {
    /* constants and short arithmetic (16-bit wrap) */
    {"sspush", B(0x11, 0x12, 0x34), 0x1234, 2, 0},
    {"bspush sign-extends", B(0x10, 0x80), 0xFF80, 2, 0},
    {"sadd", B(0x11, 0x12, 0x34, 0x11, 0x11, 0x11, 0x41), 0x2345, 2, 0},
    {"sadd wraps", B(0x11, 0x7F, 0xFF, 0x04, 0x41), 0x8000, 2, 0},
    {"ssub", B(0x03, 0x04, 0x43), 0xFFFF, 2, 0},
    {"smul wraps", B(0x11, 0x01, 0x00, 0x11, 0x01, 0x01, 0x45), 0x0100, 2, 0},
    {"sdiv -32768/-1", B(0x11, 0x80, 0x00, 0x02, 0x47), 0x8000, 2, 0},
    {"sdiv truncates toward 0", B(0x10, 0xF9, 0x05, 0x47), 0xFFFD, 2, 0},
    {"srem sign of dividend", B(0x10, 0xF9, 0x05, 0x49), 0xFFFF, 2, 0},
    {"sneg", B(0x08, 0x4B), 0xFFFB, 2, 0},
    {"sshl", B(0x04, 0x10, 0x0F, 0x4D), 0x8000, 2, 0},
    {"sshr arithmetic", B(0x11, 0x80, 0x00, 0x04, 0x4F), 0xC000, 2, 0},
    {"sushr sign-extends to 32 bits (JCVM 7.5)", B(0x11, 0x80, 0x00, 0x04, 0x51), 0xC000, 2, 0},
    {"sushr of 1FFE>>16 with int-size shift", B(0x11, 0xFF, 0xFC, 0x10, 0x11, 0x51), 0x7FFF, 2, 0},
    {"sand/sor/sxor",
     B(0x11, 0x0F, 0xF0, 0x11, 0x3C, 0x3C, 0x53, 0x11, 0x00, 0x01, 0x55, 0x11, 0xFF, 0xFF, 0x57),
     0xF3CE, 3, 0},
    {"s2b", B(0x11, 0x01, 0x80, 0x5B), 0xFF80, 2, 0},
    /* locals and sinc */
    {"sstore/sload", B(0x11, 0x43, 0x21, 0x2F, 0x1C), 0x4321, 2, 1},
    {"sinc", B(0x06, 0x2F, 0x59, 0x00, 0xFE, 0x1C), 0x0001, 2, 1},
    {"sinc_w", B(0x03, 0x2F, 0x96, 0x00, 0x10, 0x00, 0x1C), 0x1000, 2, 1},
    /* stack ops */
    {"dup/pop", B(0x05, 0x3D, 0x41, 0x06, 0x3B), 0x0004, 3, 0},
    {"swap_x", B(0x04, 0x05, 0x40, 0x11, 0x43), 0x0001, 3, 0},
    {"dup_x 0x12", B(0x04, 0x05, 0x3F, 0x12, 0x41, 0x41), 0x0005, 4, 0},
    /* branches: sum 1..10 with a loop */
    {"loop sum",
     B(0x03, 0x2F, 0x03, 0x30, 0x59, 0x01, 0x01, 0x1C, 0x1D, 0x41, 0x2F, 0x1D, 0x10, 0x0A, 0x6C,
       0xF6, 0x1C),
     55, 3, 2},
    {"ifeq taken", B(0x03, 0x60, 0x05, 0x11, 0x00, 0x01, 0x11, 0x00, 0x02), 0x0002, 2, 0},
    {"goto_w", B(0xA8, 0x00, 0x06, 0x04, 0x70, 0x03, 0x05), 0x0002, 2, 0},
    {"if_scmpge_w not taken", B(0x03, 0x04, 0xA5, 0x00, 0x06, 0x06, 0x70, 0x03, 0x07), 0x0003, 2,
     0},
    /* switches */
    {"stableswitch hit",
     B(0x05, 0x73, 0x00, 0x17, 0x00, 0x01, 0x00, 0x03, 0x00, 0x0D, 0x00, 0x12, 0x00, 0x17, 0x11,
       0x00, 0x11, 0x70, 0x0C, 0x11, 0x00, 0x22, 0x70, 0x07, 0x11, 0x00, 0x33, 0x70, 0x02),
     0x0022, 2, 0},
    {"stableswitch default",
     B(0x08, 0x73, 0x00, 0x17, 0x00, 0x01, 0x00, 0x03, 0x00, 0x0D, 0x00, 0x12, 0x00, 0x17, 0x11,
       0x00, 0x11, 0x70, 0x0C, 0x11, 0x00, 0x22, 0x70, 0x07, 0x11, 0x00, 0x33, 0x70, 0x02),
     0x0033, 2, 0},
    {"slookupswitch",
     B(0x10, 0x64, 0x75, 0x00, 0x17, 0x00, 0x02, 0x00, 0x05, 0x00, 0x0D, 0x00, 0x64, 0x00, 0x12,
       0x11, 0x00, 0x11, 0x70, 0x0C, 0x11, 0x00, 0x22, 0x70, 0x07, 0x11, 0x00, 0x33, 0x70, 0x02),
     0x0022, 2, 0},
    /* fields, statics, calls */
    {"putfield_s_this/getfield_s_this", B(0x11, 0x0B, 0xCD, 0xB7, 0x0B, 0xAF, 0x0B), 0x0BCD, 2, 0},
    {"putstatic/getstatic", B(0x11, 0x55, 0xAA, 0x81, 0x00, 0x0C, 0x7D, 0x00, 0x0C), 0x55AA, 2, 0},
    {"invokestatic", B(0x11, 0x00, 0x41, 0x8D, 0x00, 0x0F), 0x0042, 2, 0},
    /* arrays */
    {"byte array store/load",
     B(0x06, 0x90, 0x0B, 0x2D, 0x1A, 0x04, 0x10, 0x9C, 0x38, 0x1A, 0x04, 0x25), 0xFF9C, 4, 2},
    {"short array + arraylength", B(0x07, 0x90, 0x0C, 0x92), 0x0004, 2, 0},
    {"array index caught", B(0x04, 0x90, 0x0B, 0x05, 0x25, 0x11, 0x00, 0x00), 0x6F02, 3, 0},
    /* instanceof of arrays and objects */
    {"instanceof byte[]", B(0x04, 0x90, 0x0B, 0x95, 0x0B, 0x00, 0x00), 0x0001, 2, 0},
    {"instanceof short[] of byte[]", B(0x04, 0x90, 0x0B, 0x95, 0x0C, 0x00, 0x00), 0x0000, 2, 0},
    {"instanceof null", B(0x01, 0x95, 0x00, 0x00, 0x01), 0x0000, 2, 0},
    {"instanceof this", B(0x18, 0x95, 0x00, 0x00, 0x01), 0x0001, 2, 0},
};

static void test_bytecode_families(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        const family_case *c = &families[i];
        tapp_spec s = {
            .body = c->body, .body_len = c->len, .max_stack = c->stack, .max_locals = c->locals};
        static const tapp_handler aioobe[] = {{0, 5, 5, 14}};
        uint8_t body[80];
        if (strcmp(c->name, "array index caught") == 0) {
            /* 0..4 iconst/newarray/sconst/baload; handler at 5: pop the exception, push 6F02 */
            memcpy(body, c->body, 5);
            body[5] = 0x3B;
            body[6] = 0x11;
            body[7] = 0x6F;
            body[8] = 0x02;
            s.body = body;
            s.body_len = 9;
            s.handlers = aioobe;
            s.n_handlers = 1;
        }
        jcvm *vm = vm_with(&s, NULL);
        uint16_t sw = run_once(vm);
        if (sw != c->sw)
            fail_msg("%s: SW %04X, expected %04X\n%s", c->name, sw, c->sw, last_trace);
        jcvm_free(vm);
    }
}

static void expect_sw(const uint8_t *body, size_t len, uint8_t stack, uint8_t locals, uint16_t want,
                      const char *trace_part)
{
    tapp_spec s = {.body = body, .body_len = len, .max_stack = stack, .max_locals = locals};
    jcvm *vm = vm_with(&s, NULL);
    uint16_t sw = run_once(vm);
    if (sw != want)
        fail_msg("SW %04X, expected %04X\n%s", sw, want, last_trace);
    if (trace_part && strstr(last_trace, trace_part) == NULL)
        fail_msg("trace lacks '%s':\n%s", trace_part, last_trace);
    /* the VM still answers afterwards */
    jcvm_free(vm);
}

static void test_uncaught_exceptions(void **state)
{
    (void)state;
    const uint8_t div0[] = {0x04, 0x03, 0x47};
    expect_sw(div0, sizeof div0, 2, 0, 0x6F00, "ArithmeticException");
    const uint8_t npe[] = {0x01, 0x93};
    expect_sw(npe, sizeof npe, 2, 0, 0x6F00, "NullPointerException");
    const uint8_t neg[] = {0x02, 0x90, 0x0B};
    expect_sw(neg, sizeof neg, 2, 0, 0x6F00, "NegativeArraySizeException");
}

static void test_handler_catch_and_finally(void **state)
{
    (void)state;
    /* try { 1/0 } catch (ArithmeticException) { 0x6F11 } */
    const uint8_t body[] = {0x04, 0x03, 0x47, 0x70, 0x06, 0x3B, 0x11, 0x6F, 0x11};
    static const tapp_handler h[] = {{0, 3, 5, 13}};
    tapp_spec s = {
        .body = body, .body_len = sizeof body, .max_stack = 2, .handlers = h, .n_handlers = 1};
    jcvm *vm = vm_with(&s, NULL);
    assert_int_equal(run_once(vm), 0x6F11);
    jcvm_free(vm);
    /* a handler for another class does not catch: uncaught -> 6F00 */
    static const tapp_handler h2[] = {{0, 3, 5, 14}};
    s.handlers = h2;
    vm = vm_with(&s, NULL);
    assert_int_equal(run_once(vm), 0x6F00);
    jcvm_free(vm);
    /* catch type 0 (finally) catches everything, including ISOException */
    const uint8_t body3[] = {0x11, 0x6A, 0x82, 0x8D, 0x00, 0x05, 0x3B, 0x11, 0x12, 0x34};
    static const tapp_handler h3[] = {{0, 6, 6, 0}};
    s.body = body3;
    s.body_len = sizeof body3;
    s.handlers = h3;
    vm = vm_with(&s, NULL);
    assert_int_equal(run_once(vm), 0x1234);
    jcvm_free(vm);
}

static void test_iso_exception_reason(void **state)
{
    (void)state;
    const uint8_t body[] = {0x11, 0x69, 0x85};
    expect_sw(body, sizeof body, 2, 0, 0x6985, NULL);
}

static void test_runaway_budget(void **state)
{
    (void)state;
    /* goto self: the bytecode budget ends it with 6F00 and a trace naming method and pc */
    const uint8_t loop[] = {0x70, 0x00};
    jcvm_config c;
    jcvm_config_default(&c);
    c.max_bytecodes = 100000;
    tapp_spec s = {.body = loop, .body_len = sizeof loop, .max_stack = 2};
    jcvm *vm = vm_with(&s, &c);
    assert_int_equal(run_once(vm), 0x6F00);
    assert_non_null(strstr(last_trace, "budget"));
    assert_non_null(strstr(last_trace, "pc"));
    /* and the next APDU runs again with a fresh budget */
    assert_int_equal(run_once(vm), 0x6F00);
    jcvm_free(vm);
}

static void test_memory_safety_unverified(void **state)
{
    (void)state;
    /* each of these is refused at run time with 6F00 instead of touching memory */
    const uint8_t local_oob[] = {0x16, 0x40}; /* sload 64 */
    expect_sw(local_oob, sizeof local_oob, 2, 1, 0x6F00, "local");
    const uint8_t underflow[] = {0x3B, 0x3B, 0x3B, 0x3B}; /* pop past the frame */
    expect_sw(underflow, sizeof underflow, 2, 0, 0x6F00, "stack");
    const uint8_t overflow[] = {0x03, 0x03, 0x03, 0x03, 0x03}; /* push past max_stack */
    expect_sw(overflow, sizeof overflow, 2, 0, 0x6F00, "stack");
    const uint8_t branch_out[] = {0xA8, 0x7F, 0x00}; /* goto_w far away */
    expect_sw(branch_out, sizeof branch_out, 2, 0, 0x6F00, "branch");
    const uint8_t cp_kind[] = {0x7D, 0x00, 0x04}; /* getstatic_s on a method ref */
    expect_sw(cp_kind, sizeof cp_kind, 2, 0, 0x6F00, "constant pool");
    const uint8_t cp_oob[] = {0x7D, 0x01, 0x00}; /* getstatic_s index 256 */
    expect_sw(cp_oob, sizeof cp_oob, 2, 0, 0x6F00, "constant pool");
    const uint8_t bad_op[] = {0xC0}; /* undefined opcode */
    expect_sw(bad_op, sizeof bad_op, 2, 0, 0x6F00, "undefined");
    const uint8_t int_op[] = {0x0B, 0x5E}; /* iconst_1, i2s: no int here */
    expect_sw(int_op, sizeof int_op, 2, 0, 0x6F00, "int");
    const uint8_t truncated[] = {0x11, 0x12}; /* sspush cut by the epilogue? */
    (void)truncated;
}

static void test_verifier_at_load(void **state)
{
    (void)state;
    /* the card's LOAD runs the bytecode verifier: a method reading a local outside its frame
       is refused with 6A80 and the method and pc in the reason; nothing stays */
    const uint8_t local_oob[] = {0x16, 0x40};
    tapp_spec s = {
        .body = local_oob, .body_len = sizeof local_oob, .max_stack = 2, .max_locals = 1};
    size_t n = tapp_build(&s, &tb);
    jcvm *vm = jcvm_new(NULL);
    uint16_t sw = 0;
    char why[300] = "";
    assert_int_not_equal(jcvm_load(vm, tb.b, n, &sw, why, sizeof why), 0);
    assert_int_equal(sw, 0x6A80);
    if (strstr(why, "local 64") == NULL || strstr(why, "pc") == NULL)
        fail_msg("reason: %s", why);
    jc_aid pkg = aid_of(TAPP_PKG, sizeof TAPP_PKG);
    assert_false(jcvm_has_package(vm, &pkg));
    /* a well-typed body loads */
    const uint8_t ok[] = {0x11, 0x12, 0x34};
    s.body = ok;
    s.body_len = sizeof ok;
    n = tapp_build(&s, &tb);
    if (jcvm_load(vm, tb.b, n, &sw, why, sizeof why) != 0)
        fail_msg("a verifiable package refused: %s", why);
    jcvm_free(vm);
}

static void test_transactions(void **state)
{
    (void)state;
    /* static = 1; begin; static = 2; abort; -> 1 */
    const uint8_t abort[] = {0x04, 0x81, 0x00, 0x0C, 0x8D, 0x00, 0x08, 0x05, 0x81,
                             0x00, 0x0C, 0x8D, 0x00, 0x0A, 0x7D, 0x00, 0x0C};
    expect_sw(abort, sizeof abort, 2, 0, 0x0001, "transaction abort");
    /* commit keeps the value */
    const uint8_t commit[] = {0x04, 0x81, 0x00, 0x0C, 0x8D, 0x00, 0x08, 0x05, 0x81,
                              0x00, 0x0C, 0x8D, 0x00, 0x09, 0x7D, 0x00, 0x0C};
    expect_sw(commit, sizeof commit, 2, 0, 0x0002, "transaction commit");
    /* nested begin: TransactionException IN_PROGRESS, uncaught -> 6F00, then auto-abort */
    const uint8_t nested[] = {0x8D, 0x00, 0x08, 0x8D, 0x00, 0x08, 0x03};
    expect_sw(nested, sizeof nested, 2, 0, 0x6F00, "TransactionException");
    /* process() returning with a transaction open: the JCRE aborts it */
    const uint8_t left_open[] = {0x8D, 0x00, 0x08, 0x11, 0x00, 0x07,
                                 0x81, 0x00, 0x0C, 0x7D, 0x00, 0x0C};
    tapp_spec s = {.body = left_open, .body_len = sizeof left_open, .max_stack = 2};
    jcvm *vm = vm_with(&s, NULL);
    assert_int_equal(run_once(vm), 0x0007);
    assert_non_null(strstr(last_trace, "aborted by the JCRE"));
    jcvm_free(vm);
}

static void test_save_restore(void **state)
{
    (void)state;
    /* counter in a static: ++ each APDU */
    const uint8_t inc[] = {0x7D, 0x00, 0x0C, 0x04, 0x41, 0x3D, 0x81, 0x00, 0x0C};
    tapp_spec s = {.body = inc, .body_len = sizeof inc, .max_stack = 3};
    jcvm *vm = vm_with(&s, NULL);
    assert_true(jcvm_dirty(vm));
    assert_int_equal(run_once(vm), 1);
    assert_int_equal(run_once(vm), 2);
    uint8_t *blob = NULL;
    size_t bl = 0;
    assert_int_equal(jcvm_save(vm, &blob, &bl), 0);
    assert_false(jcvm_dirty(vm));
    assert_int_equal(run_once(vm), 3); /* not saved: lost below */
    assert_true(jcvm_dirty(vm));
    jcvm *vm2 = jcvm_new(NULL);
    assert_int_equal(jcvm_restore(vm2, blob, bl), 0);
    assert_false(jcvm_dirty(vm2));
    assert_int_equal(run_once(vm2), 3);
    /* every truncation is refused without a crash, and leaves an empty VM */
    jcvm *vm3 = jcvm_new(NULL);
    jc_aid app = aid_of(TAPP_APP, sizeof TAPP_APP);
    for (size_t k = 1; k < bl; k++) {
        assert_int_not_equal(jcvm_restore(vm3, blob, k), 0);
        assert_false(jcvm_has_instance(vm3, &app));
    }
    /* a corrupt record tag is refused */
    blob[6] ^= 0x55;
    assert_int_not_equal(jcvm_restore(vm3, blob, bl), 0);
    assert_false(jcvm_has_instance(vm3, &app));
    assert_int_equal(jcvm_restore(vm3, NULL, 0), 0); /* the empty runtime */
    free(blob);
    jcvm_free(vm);
    jcvm_free(vm2);
    jcvm_free(vm3);
}

static void test_linker_refusals(void **state)
{
    (void)state;
    const uint8_t body[] = {0x03};
    struct {
        const char *what;
        uint8_t imports[40];
        size_t len;
        unsigned n;
        uint16_t sw;
        const char *reason;
    } cases[] = {
        {"framework 1.4 (card has 1.3)",
         {0x04, 0x01, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x62, 0x01, 0x01,
          0x00, 0x01, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x62, 0x00, 0x01},
         20,
         2,
         0x6A80,
         "version"},
        {"framework 2.0",
         {0x00, 0x02, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x62, 0x01, 0x01,
          0x00, 0x01, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x62, 0x00, 0x01},
         20,
         2,
         0x6A80,
         "version"},
        {"an absent package as import 1",
         {0x03, 0x01, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x62, 0x01, 0x01,
          0x00, 0x01, 0x07, 0xF0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06},
         20,
         2,
         0x6A88,
         "not on the card"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tapp_spec s = {.body = body,
                       .body_len = sizeof body,
                       .max_stack = 2,
                       .imports = cases[i].imports,
                       .imports_len = cases[i].len,
                       .n_imports = cases[i].n};
        size_t n = tapp_build(&s, &tb);
        jcvm *vm = jcvm_new(NULL);
        uint16_t sw = 0;
        char why[200] = "";
        assert_int_not_equal(jcvm_load(vm, tb.b, n, &sw, why, sizeof why), 0);
        if (sw != cases[i].sw || strstr(why, cases[i].reason) == NULL)
            fail_msg("%s: %04X '%s'", cases[i].what, sw, why);
        jc_aid pkg = aid_of(TAPP_PKG, sizeof TAPP_PKG);
        assert_false(jcvm_has_package(vm, &pkg));
        assert_int_equal(jcvm_object_count(vm), 0);
        jcvm_free(vm);
    }
    /* int bytecode flag on a card without int: refused at LOAD */
    tapp_spec s = {
        .body = body, .body_len = sizeof body, .max_stack = 2, .header_flags = JCVM_HDR_INT};
    size_t n = tapp_build(&s, &tb);
    jcvm *vm = jcvm_new(NULL);
    uint16_t sw = 0;
    char why[200] = "";
    assert_int_not_equal(jcvm_load(vm, tb.b, n, &sw, why, sizeof why), 0);
    assert_non_null(strstr(why, "int"));
    jcvm_free(vm);
    /* loading the same package twice: refused, the first stays */
    s.header_flags = 0;
    n = tapp_build(&s, &tb);
    vm = jcvm_new(NULL);
    assert_int_equal(jcvm_load(vm, tb.b, n, &sw, why, sizeof why), 0);
    assert_int_not_equal(jcvm_load(vm, tb.b, n, &sw, why, sizeof why), 0);
    jcvm_free(vm);
}

static void test_install_failure_leaves_nothing(void **state)
{
    (void)state;
    const uint8_t body[] = {0x03};
    tapp_spec s = {.body = body, .body_len = sizeof body, .max_stack = 2};
    size_t n = tapp_build(&s, &tb);
    jcvm_config c;
    jcvm_config_default(&c);
    c.heap_size = 300; /* too small for the applet object and its AID */
    jcvm *vm = jcvm_new(&c);
    uint16_t sw = 0;
    char why[200] = "";
    jc_aid pkg = aid_of(TAPP_PKG, sizeof TAPP_PKG), app = aid_of(TAPP_APP, sizeof TAPP_APP);
    if (jcvm_load(vm, tb.b, n, &sw, why, sizeof why) == 0) {
        unsigned before = jcvm_object_count(vm);
        /* a wrong module AID is refused */
        jc_aid other = app;
        other.b[other.len - 1] ^= 0x7F;
        assert_int_not_equal(jcvm_install(vm, &pkg, &other, &app, NULL, 0, 0, &sw, why, sizeof why),
                             0);
        assert_int_equal(jcvm_object_count(vm), before);
    }
    jcvm_free(vm);
    /* a package with instances cannot be deleted; after the instance it can */
    vm = vm_with(&s, NULL);
    assert_int_not_equal(jcvm_delete_package(vm, &pkg, &sw), 0);
    assert_int_equal(sw, 0x6985);
    assert_int_equal(jcvm_delete_instance(vm, &app, &sw), 0);
    assert_int_equal(jcvm_delete_package(vm, &pkg, &sw), 0);
    assert_int_equal(jcvm_object_count(vm), 0);
    jcvm_free(vm);
}

static void test_apdu_echo_and_states(void **state)
{
    (void)state;
    /* setIncomingAndReceive, copy nothing, setOutgoingAndSend(5, n): echo of the data */
    const uint8_t body[] = {0x19, 0x8B, 0x00, 0x07, 0x2F, 0x19, 0x10,
                            0x05, 0x1C, 0x8B, 0x00, 0x06, 0x7A};
    tapp_spec s = {.body = body, .body_len = sizeof body, .max_stack = 3, .max_locals = 1};
    jcvm *vm = vm_with(&s, NULL);
    const uint8_t apdu[] = {0x80, 0x10, 0x00, 0x00, 0x03, 0xA1, 0xB2, 0xC3, 0x00};
    uint8_t resp[300];
    size_t rl = sizeof resp;
    assert_int_equal(send(vm, apdu, sizeof apdu, resp, &rl), 0x9000);
    assert_int_equal(rl, 5);
    assert_memory_equal(resp, apdu + 5, 3);
    /* a 261-byte case-4 command (Lc 255 + Le) fits the buffer */
    uint8_t big[261];
    memset(big, 0x5A, sizeof big);
    big[0] = 0x80;
    big[1] = 0x10;
    big[2] = big[3] = 0;
    big[4] = 0xFF;
    big[260] = 0x00;
    rl = sizeof resp;
    assert_int_equal(send(vm, big, sizeof big, resp, &rl), 0x9000);
    assert_int_equal(rl, 257);
    jcvm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytecode_families),
        cmocka_unit_test(test_uncaught_exceptions),
        cmocka_unit_test(test_handler_catch_and_finally),
        cmocka_unit_test(test_iso_exception_reason),
        cmocka_unit_test(test_runaway_budget),
        cmocka_unit_test(test_memory_safety_unverified),
        cmocka_unit_test(test_verifier_at_load),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_save_restore),
        cmocka_unit_test(test_linker_refusals),
        cmocka_unit_test(test_install_failure_leaves_nothing),
        cmocka_unit_test(test_apdu_echo_and_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
