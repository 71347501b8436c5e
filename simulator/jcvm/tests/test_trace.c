/*
 * test_trace.c: the applet-level events of the VM's trace (jcvm_trace.c) on
 * applets assembled here (jcvm_test_app.h): the method entered from the JCRE
 * named, objects allocated with type, size, lifetime and owner, exceptions
 * caught with the throwing pc and the handler, exceptions leaving the applet,
 * the bounds that keep an allocation loop or a catch loop from flooding the
 * trace, and the bounded bytecode trace with its invocations named.
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
static char lines[1 << 16];
static unsigned n_lines;

static void trace(void *ctx, const char *line)
{
    (void)ctx;
    size_t l = strlen(lines);
    snprintf(lines + l, sizeof lines - l, "%s\n", line);
    n_lines++;
}

static jc_aid aid_of(const uint8_t *b, size_t n)
{
    jc_aid a;
    a.len = (uint8_t)n;
    memcpy(a.b, b, n);
    return a;
}

static jcvm *vm_with(const tapp_spec *s, jcvm_config *c)
{
    c->no_verify = true; /* the bodies below are not all verifiable (see test_vm.c) */
    c->trace = trace;
    jcvm *vm = jcvm_new(c);
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

/* One command; the trace holds only its lines. */
static uint16_t run_once(jcvm *vm)
{
    static const uint8_t apdu[] = {0x80, 0x10, 0x00, 0x00};
    uint8_t resp[300];
    size_t rl = sizeof resp;
    jc_aid app = aid_of(TAPP_APP, sizeof TAPP_APP);
    lines[0] = 0;
    n_lines = 0;
    jcvm_process(vm, &app, 0, apdu, sizeof apdu, resp, &rl);
    assert_true(rl >= 2);
    return (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]);
}

static unsigned count(const char *what)
{
    unsigned n = 0;
    for (const char *p = lines; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

static void has(const char *what)
{
    if (strstr(lines, what) == NULL)
        fail_msg("the trace lacks '%s':\n%s", what, lines);
}

static void test_install_and_entry_named(void **state)
{
    (void)state;
    const uint8_t body[] = {0x11, 0x90, 0x00};
    tapp_spec s = {.body = body, .body_len = sizeof body, .max_stack = 2};
    jcvm_config c;
    jcvm_config_default(&c);
    lines[0] = 0;
    jcvm *vm = vm_with(&s, &c);
    /* install(): entered by name, the applet object allocated by it, persistent, owned by
       the new instance */
    has("enter install([BSB)V, method @");
    has("(package F06A636F7073696D70)");
    has("new class@");
    has("persistent, owner F06A636F7073696D7001");
    assert_int_equal(run_once(vm), 0x9000);
    /* process(): the API's name and signature, as the applet overrides it */
    has("enter process(Ljavacard/framework/APDU;)V of class@");
    assert_int_equal(count("enter "), 1);
    assert_int_equal(count("new "), 0);
    jcvm_free(vm);
}

static void test_allocation_loop_bounded(void **state)
{
    (void)state;
    /* for (i = 0; i < 100; i++) new byte[16]; then 9000 */
    const uint8_t body[] = {0x03, 0x31, 0x10, 0x10, 0x90, 0x0B, 0x3B, 0x59, 0x02,
                            0x01, 0x1E, 0x10, 0x64, 0x6C, 0xF5, 0x11, 0x90, 0x00};
    tapp_spec s = {.body = body, .body_len = sizeof body, .max_stack = 2, .max_locals = 1};
    jcvm_config c;
    jcvm_config_default(&c);
    jcvm *vm = vm_with(&s, &c);
    assert_int_equal(run_once(vm), 0x9000);
    /* eight shown one by one, the rest counted: one summary with the totals */
    assert_int_equal(count("new byte[16]: 16 bytes, persistent, owner F06A636F7073696D7001"), 8);
    has("further allocations of this entry are counted");
    has("100 objects allocated in all in this entry (1600 bytes); the 92 after the first 8 were "
        "counted, not shown");
    if (n_lines > 12)
        fail_msg("an allocation loop of 100 gave %u trace lines:\n%s", n_lines, lines);
    /* the next command starts its own count */
    assert_int_equal(run_once(vm), 0x9000);
    assert_int_equal(count("new byte[16]"), 8);
    jcvm_free(vm);
}

static void test_caught_and_uncaught(void **state)
{
    (void)state;
    /* for (i = 0; i < 20; i++) try { 1 / 0 } catch (ArithmeticException e) {}; then 9000 */
    const uint8_t body[] = {0x03, 0x31, 0x04, 0x03, 0x47, 0x3B, 0x3B, 0x59, 0x02,
                            0x01, 0x1E, 0x10, 0x14, 0x6C, 0xF5, 0x11, 0x90, 0x00};
    static const tapp_handler h[] = {{2, 3, 6, 13}};
    tapp_spec s = {.body = body,
                   .body_len = sizeof body,
                   .max_stack = 2,
                   .max_locals = 1,
                   .handlers = h,
                   .n_handlers = 1};
    jcvm_config c;
    jcvm_config_default(&c);
    jcvm *vm = vm_with(&s, &c);
    assert_int_equal(run_once(vm), 0x9000);
    /* where it was thrown (the sdiv at pc 4) and the handler (pc 6), as disasm counts pcs */
    assert_int_equal(count("caught ArithmeticException thrown at method @"), 8);
    has(" pc 4, by the handler at method @");
    has(" pc 6");
    has("20 exceptions caught in all in this entry; the 12 after the first 8 were counted");
    /* only the test applet's way of answering (ISOException 9000 after the body, pc 18)
       leaves the applet; the ArithmeticExceptions did not */
    assert_int_equal(count("not caught"), 1);
    has("ISOException 9000 thrown at method @");
    has(" pc 18, not caught by the applet");
    jcvm_free(vm);

    /* ISOException.throwIt(6985) in the epilogue (pc 3): leaves the applet, named as such */
    const uint8_t body2[] = {0x11, 0x69, 0x85};
    tapp_spec s2 = {.body = body2, .body_len = sizeof body2, .max_stack = 2};
    jcvm_config_default(&c);
    vm = vm_with(&s2, &c);
    assert_int_equal(run_once(vm), 0x6985);
    has("ISOException 6985 thrown at method @");
    has(" pc 3, not caught by the applet");
    assert_int_equal(count("caught ISOException"), 0);
    /* the JCRE's own line on the status word stays */
    has("process: ISOException 6985");
    jcvm_free(vm);
}

static void test_bytecode_trace_bounded(void **state)
{
    (void)state;
    /* the allocation loop runs ~800 bytecodes: at most 10 lines of them, then one cut */
    const uint8_t body[] = {0x03, 0x31, 0x10, 0x10, 0x90, 0x0B, 0x3B, 0x59, 0x02,
                            0x01, 0x1E, 0x10, 0x64, 0x6C, 0xF5, 0x11, 0x90, 0x00};
    tapp_spec s = {.body = body, .body_len = sizeof body, .max_stack = 2, .max_locals = 1};
    jcvm_config c;
    jcvm_config_default(&c);
    c.trace_bytecodes = true;
    c.trace_max = 10;
    jcvm *vm = vm_with(&s, &c);
    assert_int_equal(run_once(vm), 0x9000);
    assert_int_equal(count("\nbc pkg ") + (strncmp(lines, "bc pkg ", 7) == 0), 10);
    assert_int_equal(count("bytecode trace cut at 10 lines for this command"), 1);
    jcvm_free(vm);

    /* unbounded, a short body: the invocation of throwIt is named */
    const uint8_t body2[] = {0x11, 0x69, 0x85};
    tapp_spec s2 = {.body = body2, .body_len = sizeof body2, .max_stack = 2};
    jcvm_config_default(&c);
    c.trace_bytecodes = true;
    vm = vm_with(&s2, &c);
    assert_int_equal(run_once(vm), 0x6985);
    has("call javacard.framework.ISOException.throwIt(S)V");
    assert_int_equal(count("bc pkg "), 2); /* sspush, invokestatic */
    assert_int_equal(count("cut at"), 0);
    jcvm_free(vm);

    /* without trace_bytecodes no bytecode line at all */
    jcvm_config_default(&c);
    vm = vm_with(&s2, &c);
    assert_int_equal(run_once(vm), 0x6985);
    assert_int_equal(count("bc pkg "), 0);
    assert_int_equal(count("call "), 0);
    jcvm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_and_entry_named),
        cmocka_unit_test(test_allocation_loop_bounded),
        cmocka_unit_test(test_caught_and_uncaught),
        cmocka_unit_test(test_bytecode_trace_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
