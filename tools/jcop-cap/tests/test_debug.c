/*
 * test_debug.c: the Debug component (JCVM 2.2.2 §6.14) that `jcop-cap asm
 * --debug` writes from examples/hello.jca: read back, it names the package,
 * the class with its super, fields and methods, each method's location,
 * header and body sizes agree with the Method component as the card's CAP
 * parser sees it, and its line table maps pcs to the .jca lines of the
 * instructions. The Header says CAP format 2.2 and the Directory lists the
 * Debug size. The card LOADs the CAP without the Debug component (as the host
 * tools send it) and with one appended to the Load File Data Block, well
 * formed or not: §6.2 says it is not meant for the card, so LOAD ignores it,
 * and the applet runs either way. A malformed Debug component is refused by
 * the reader with a reason.
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
#include "jcvm_cap.h"

static jca_pkg pkg;
static jca_cap cap;

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("JCOPSIM_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/tools/jcop-cap/examples/hello.jca", src);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    char err[600];
    if (jca_parse(text, len, path, &pkg, err, sizeof err) != 0)
        fail_msg("%s", err);
    pkg.debug = 1;
    if (jca_build(&pkg, path, &cap, err, sizeof err) != 0)
        fail_msg("%s", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    jca_cap_free(&cap);
    jca_free(&pkg);
    return 0;
}

/* LFDB in the load order, optionally with a Debug component at the end. */
static size_t lfdb(uint8_t *out, size_t max, const uint8_t *debug, size_t dlen)
{
    static const unsigned order[] = {1, 2, 4, 3, 6, 7, 8, 10, 5, 9};
    size_t n = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        unsigned t = order[i];
        if (!cap.comp[t])
            continue;
        assert_true(n + cap.len[t] <= max);
        memcpy(out + n, cap.comp[t], cap.len[t]);
        n += cap.len[t];
    }
    if (debug) {
        assert_true(n + dlen <= max);
        memcpy(out + n, debug, dlen);
        n += dlen;
    }
    return n;
}

static const char *str(const jca_dbg *d, unsigned i)
{
    return d->strings[i];
}

static void test_written_and_read_back(void **state)
{
    (void)state;
    assert_non_null(cap.comp[12]);
    assert_int_equal(cap.comp[12][0], 12);
    size_t size = (size_t)(cap.comp[12][1] << 8 | cap.comp[12][2]);
    assert_int_equal(size + 3, cap.len[12]);
    /* Header: CAP format 2.2 (minor first); Directory: 12 sizes, Debug's among them */
    assert_int_equal(cap.comp[1][3 + 4], 2);
    assert_int_equal(cap.comp[1][3 + 5], 2);
    assert_int_equal(cap.comp[2][2], 2 * 12 + 9);
    assert_int_equal(cap.comp[2][3 + 22] << 8 | cap.comp[2][3 + 23], size);

    jca_dbg d;
    char why[300];
    if (jca_dbg_read(cap.comp[12] + 3, size, &d, why, sizeof why) != 0)
        fail_msg("%s", why);
    assert_string_equal(str(&d, d.package), "jcopsim/demo/hello");
    assert_int_equal(d.nclasses, 1);
    const jca_dbg_class *k = &d.classes[0];
    assert_string_equal(str(&d, k->name), "jcopsim/demo/hello/HelloApplet");
    assert_string_equal(str(&d, k->super), "javacard/framework/Applet");
    assert_string_equal(str(&d, k->source), "hello.jca");
    assert_int_equal(k->access, 0x0001);
    assert_int_equal(k->nfields, 2);
    assert_string_equal(str(&d, k->fields[0].name), "greetings");
    assert_string_equal(str(&d, k->fields[0].desc), "B");
    assert_int_equal(k->fields[0].contents, 0); /* instance field token 0 */
    assert_string_equal(str(&d, k->fields[1].name), "GREETING");
    assert_string_equal(str(&d, k->fields[1].desc), "[B");
    assert_int_equal(k->fields[1].access & 0x0008, 0x0008);

    /* every method: location, header and body as the card's parser sees the Method component */
    static uint8_t lf[65536];
    size_t n = lfdb(lf, sizeof lf, NULL, 0);
    jcvm_cap *parsed = NULL;
    if (jcvm_cap_parse(lf, n, &parsed, why, sizeof why) != 0)
        fail_msg("%s", why);
    assert_int_equal(k->nmethods, 3);
    const char *names[] = {"<init>", "install", "process"};
    for (unsigned m = 0; m < 3; m++) {
        const jca_dbg_method *md = &k->methods[m];
        assert_string_equal(str(&d, md->name), names[m]);
        jcvm_cap_method cm;
        assert_true(jcvm_cap_method_at(parsed, md->location, &cm));
        assert_int_equal(md->header, cm.code - cm.offset);
        assert_int_equal(md->body, cm.end - cm.code);
        assert_true(md->nlines > 0);
        assert_int_equal(md->lines[0].start, 0);
        assert_int_equal(md->lines[md->nlines - 1].end, md->body - 1);
        const jca_dbg_class *kk = NULL;
        assert_ptr_equal(jca_dbg_method_at(&d, md->location, &kk), md);
        assert_ptr_equal(kk, k);
    }
    assert_string_equal(str(&d, k->methods[2].desc), "(Ljavacard/framework/APDU;)V");
    /* the line table: each instruction of process() at its .jca line */
    const jca_method *pm = NULL;
    for (size_t j = 0; j < pkg.classes[0].nmethods; j++)
        if (strcmp(pkg.classes[0].methods[j].name, "process") == 0)
            pm = &pkg.classes[0].methods[j];
    assert_non_null(pm);
    const jca_dbg_method *dm = &k->methods[2];
    for (size_t q = 0; q < pm->ncode; q++) {
        unsigned line = 0;
        for (unsigned l = 0; l < dm->nlines; l++)
            if (pm->code[q].pc >= dm->lines[l].start && pm->code[q].pc <= dm->lines[l].end)
                line = dm->lines[l].line;
        assert_int_equal(line, (unsigned)pm->code[q].line);
    }
    jcvm_cap_free(parsed);
    jca_dbg_free(&d);
}

static void run_applet(const uint8_t *lf, size_t n)
{
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
    uint8_t resp[300];
    size_t rl = sizeof resp;
    uint8_t cmd[] = {0x80, 0x40, 0x00, 0x00, 0x00};
    jcvm_process(vm, &a, 0, cmd, sizeof cmd, resp, &rl);
    assert_int_equal(rl, 17);
    assert_memory_equal(resp, "Hello, jcopsim", 14);
    assert_int_equal(resp[15] << 8 | resp[16], 0x9000);
    jcvm_free(vm);
}

static void test_card_loads_with_or_without(void **state)
{
    (void)state;
    static uint8_t lf[65536];
    /* as GP tools send it: no Debug in the LFDB, the Directory still counting it */
    run_applet(lf, lfdb(lf, sizeof lf, NULL, 0));
    /* a tool that sends it anyway: LOAD ignores it */
    run_applet(lf, lfdb(lf, sizeof lf, cap.comp[12], cap.len[12]));
    /* and a malformed one (its string table cut short) is ignored too */
    uint8_t bad[] = {12, 0x00, 0x04, 0x00, 0x05, 0x00, 0x40};
    run_applet(lf, lfdb(lf, sizeof lf, bad, sizeof bad));
}

static void expect_refused(const uint8_t *info, size_t n, const char *part)
{
    jca_dbg d;
    char why[300] = "";
    if (jca_dbg_read(info, n, &d, why, sizeof why) == 0)
        fail_msg("a malformed Debug component was read (want '%s')", part);
    if (strstr(why, part) == NULL)
        fail_msg("reason '%s' lacks '%s'", why, part);
    assert_non_null(strstr(why, "Debug component: "));
}

static void test_malformed_refused(void **state)
{
    (void)state;
    size_t size = cap.len[12] - 3;
    uint8_t *info = malloc(size + 4);
    assert_non_null(info);
    memcpy(info, cap.comp[12] + 3, size);
    expect_refused(info, 0, "empty");
    /* every truncation is refused, none crashes */
    for (size_t cut = 1; cut < size; cut++) {
        jca_dbg d;
        char why[300];
        if (jca_dbg_read(info, cut, &d, why, sizeof why) == 0)
            fail_msg("the component cut at %zu of %zu bytes was read", cut, size);
    }
    /* bytes after the last class */
    info[size] = 0;
    expect_refused(info, size + 1, "bytes after the last class");
    /* a string longer than the component */
    info[2] = 0x7F;
    expect_refused(info, size, "string 0 at byte 2 runs past the component");
    memcpy(info, cap.comp[12] + 3, size);
    /* package_name_index beyond the string table: find it after the strings */
    size_t o = 2;
    unsigned ns = (unsigned)(info[0] << 8 | info[1]);
    for (unsigned i = 0; i < ns; i++)
        o += 2u + (size_t)(info[o] << 8 | info[o + 1]);
    info[o] = 0x01;
    expect_refused(info, size, "package_name_index");
    memcpy(info, cap.comp[12] + 3, size);
    /* a NUL inside a string */
    info[4] = 0;
    expect_refused(info, size, "NUL byte");
    free(info);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_written_and_read_back),
        cmocka_unit_test(test_card_loads_with_or_without),
        cmocka_unit_test(test_malformed_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
