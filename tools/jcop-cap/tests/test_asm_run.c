/*
 * test_asm_run.c: the project's own example (examples/hello.jca), assembled
 * in memory, runs on the card's VM: LOAD, INSTALL, SELECT, and the applet's
 * answers, so the assembler is checked end to end without ../shared. Also:
 * a branch that does not fit its short form is refused with its line, and the
 * components come in the load order the card expects.
 */
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

/* LFDB in the load order: Header, Directory, Import, Applet, Class, Method,
 * StaticField, Export, ConstantPool, RefLocation (no Descriptor). */
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

static void test_hello_runs(void **state)
{
    (void)state;
    const char *src = getenv("JCOPSIM_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/tools/jcop-cap/examples/hello.jca", src);
    size_t len = 0;
    char *text = slurp(path, &len);
    assert_non_null(text);
    jca_pkg pkg;
    char err[600];
    if (jca_parse(text, len, path, &pkg, err, sizeof err) != 0)
        fail_msg("%s", err);
    free(text);
    jca_cap cap;
    if (jca_build(&pkg, path, &cap, err, sizeof err) != 0)
        fail_msg("%s", err);
    static uint8_t lf[65536];
    size_t n = lfdb(&cap, lf, sizeof lf);

    jcvm_config cfg;
    jcvm_config_default(&cfg);
    jcvm *vm = jcvm_new(&cfg);
    assert_non_null(vm);
    uint16_t sw = 0;
    char why[300] = "";
    if (jcvm_load(vm, lf, n, &sw, why, sizeof why) != 0)
        fail_msg("LOAD refused (%04X): %s", sw, why);
    jc_aid p = {.len = pkg.aid.len}, a = {.len = pkg.applets[0].aid.len};
    memcpy(p.b, pkg.aid.b, p.len);
    memcpy(a.b, pkg.applets[0].aid.b, a.len);
    if (jcvm_install(vm, &p, &a, &a, NULL, 0, 0, &sw, why, sizeof why) != 0)
        fail_msg("INSTALL refused (%04X): %s", sw, why);
    uint8_t sel[5 + 16 + 1] = {0x00, 0xA4, 0x04, 0x00, a.len};
    memcpy(sel + 5, a.b, a.len);
    sel[5 + a.len] = 0;
    uint8_t resp[300];
    size_t rl = sizeof resp;
    jcvm_select(vm, &a, 0, sel, 6 + a.len, resp, &rl);
    assert_int_equal(rl, 2);
    assert_int_equal(resp[0] << 8 | resp[1], 0x9000);
    static const uint8_t hello[] = "Hello, jcopsim";
    for (uint8_t k = 1; k <= 2; k++) {
        uint8_t cmd[] = {0x80, 0x40, 0x00, 0x00, 0x00};
        rl = sizeof resp;
        jcvm_process(vm, &a, 0, cmd, sizeof cmd, resp, &rl);
        assert_int_equal(rl, 14 + 1 + 2);
        assert_memory_equal(resp, hello, 14);
        assert_int_equal(resp[14], k); /* the greeting counter, a persistent field */
        assert_int_equal(resp[15] << 8 | resp[16], 0x9000);
    }
    uint8_t other[] = {0x80, 0x41, 0x00, 0x00};
    rl = sizeof resp;
    jcvm_process(vm, &a, 0, other, sizeof other, resp, &rl);
    assert_int_equal(rl, 2);
    assert_int_equal(resp[0] << 8 | resp[1], 0x6D00);
    jcvm_free(vm);
    jca_cap_free(&cap);
    jca_free(&pkg);
}

static const char *const mini_head =
    ".package t/p {\n"
    "\t.aid 0xF0:0x1:0x2:0x3:0x4;\n"
    "\t.version 1.0;\n"
    "\t.imports {\n\t\t0xA0:0x0:0x0:0x0:0x62:0x0:0x1 1.0;\n\t}\n"
    "\t.constantPool {\n\t\tstaticMethodRef K/f()V;\n\t}\n"
    "\t.class public K 0 extends 0.0 {\n"
    "\t\t.publicMethodTable 1 {\n\t\t\tequals(Ljava/lang/Object;)Z;\n\t\t}\n"
    "\t\t.packageMethodTable 0 {\n\t\t}\n"
    "\t\t.method public static f()V 0 {\n"
    "\t\t\t.stack 0;\n\t\t\t.locals 0;\n";

static int assemble(const char *body, char *err, size_t errlen, jca_cap *cap)
{
    char text[8192];
    snprintf(text, sizeof text, "%s%s\t\t}\n\t}\n}\n", mini_head, body);
    jca_pkg pkg;
    if (jca_parse(text, strlen(text), "t.jca", &pkg, err, errlen) != 0)
        return -1;
    int rc = jca_build(&pkg, "t.jca", cap, err, errlen);
    jca_free(&pkg);
    return rc;
}

static void test_branch_forms(void **state)
{
    (void)state;
    char body[8192] = "\t\t\tL0:\tgoto L1;\n";
    for (int i = 0; i < 130; i++)
        strcat(body, "\t\t\t\tnop;\n");
    strcat(body, "\t\t\tL1:\treturn;\n");
    char err[600] = "";
    jca_cap cap;
    assert_int_not_equal(assemble(body, err, sizeof err, &cap), 0);
    assert_non_null(strstr(err, "t.jca:19: branch of 132 bytes does not fit goto (use goto_w)"));
    body[strlen("\t\t\tL0:\tgoto")] = 0;
    strcat(body, "_w L1;\n");
    for (int i = 0; i < 130; i++)
        strcat(body, "\t\t\t\tnop;\n");
    strcat(body, "\t\t\tL1:\treturn;\n");
    if (assemble(body, err, sizeof err, &cap) != 0)
        fail_msg("%s", err);
    /* goto_w +133 at the method's first byte (after handler count and header) */
    const uint8_t *m = cap.comp[7] + 3;
    assert_int_equal(m[0], 0);    /* no handlers */
    assert_int_equal(m[3], 0xA8); /* goto_w */
    assert_int_equal(m[4] << 8 | m[5], 133);
    assert_int_equal(m[3 + 133], 0x7A);
    jca_cap_free(&cap);
}

static void test_library_package(void **state)
{
    (void)state;
    char err[600] = "";
    jca_cap cap;
    if (assemble("\t\t\t\treturn;\n", err, sizeof err, &cap) != 0)
        fail_msg("%s", err);
    /* no applet: no Applet component; a public class of a library is exported */
    assert_null(cap.comp[3]);
    assert_non_null(cap.comp[10]);
    assert_int_equal(cap.comp[1][9] & 0x06, 0x02); /* Header flags: export, no applet */
    jca_cap_free(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_runs),
        cmocka_unit_test(test_branch_forms),
        cmocka_unit_test(test_library_package),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
