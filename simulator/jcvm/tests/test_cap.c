/*
 * test_cap.c: the CAP parser (jcvm_cap.h): a small CAP assembled here parses
 * into the expected model; every truncation, a duplicated component, an
 * inconsistent Directory and out-of-range offsets are refused with a reason;
 * the shared applets' CAPs parse when ../shared/applets is present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jcvm_cap.h"
#include "jcvm_test_cap.h"

static const uint8_t PKG[] = {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x7F};
static const uint8_t APP[] = {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x7F, 0x01};
/* class 0: extends framework.Applet (0.3), no fields, no virtual methods */
static const uint8_t CLS[] = {0x00, 0x80, 0x03, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00};
/* no handlers; install([BSB)V at 1: max_stack 1, nargs 3, locals 0: return */
static const uint8_t METH[] = {0x00, 0x01, 0x30, 0x7A};
/* cp 0: classref internal class 0 */
static const uint8_t CP[] = {0x01, 0x00, 0x00, 0x00};

static tcap_parts base_parts(void)
{
    tcap_parts p = {0};
    p.pkg_aid = PKG;
    p.pkg_aid_len = sizeof PKG;
    p.applet_aid = APP;
    p.applet_aid_len = sizeof APP;
    p.install_offset = 1;
    p.cp = CP;
    p.cp_len = sizeof CP;
    p.cls = CLS;
    p.cls_len = sizeof CLS;
    p.meth = METH;
    p.meth_len = sizeof METH;
    return p;
}

static tbuf tb;

static void test_parse_minimal(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    size_t n = tcap_build(&p, &tb);
    jcvm_cap *cap = NULL;
    char why[160];
    assert_int_equal(jcvm_cap_parse(tb.b, n, &cap, why, sizeof why), 0);
    assert_non_null(cap);
    assert_int_equal(cap->cap_major, 2);
    assert_int_equal(cap->cap_minor, 1);
    assert_int_equal(cap->pkg.aid.len, sizeof PKG);
    assert_memory_equal(cap->pkg.aid.b, PKG, sizeof PKG);
    assert_int_equal(cap->n_applets, 1);
    assert_int_equal(cap->applets[0].install_offset, 1);
    assert_int_equal(cap->n_imports, 2);
    assert_int_equal(cap->imports[0].major, 1);
    assert_int_equal(cap->imports[0].minor, 3);
    assert_int_equal(cap->n_cp, 1);
    assert_int_equal(cap->cp[0].tag, JCVM_CP_CLASSREF);
    assert_int_equal(cap->n_classes, 1);
    assert_true(cap->classes[0].super.external);
    assert_int_equal(cap->classes[0].super.pkg, 0);
    assert_int_equal(cap->classes[0].super.token, 3);
    jcvm_cap_method m;
    assert_true(jcvm_cap_method_at(cap, 1, &m));
    assert_int_equal(m.nargs, 3);
    assert_int_equal(m.max_stack, 1);
    assert_int_equal(m.code, 3);
    assert_int_equal(m.end, 4);
    assert_false(jcvm_cap_method_at(cap, 2, &m));
    jcvm_cap_free(cap);
}

static void expect_refused(const uint8_t *b, size_t n, const char *part)
{
    jcvm_cap *cap = (jcvm_cap *)1;
    char why[200];
    int rc = jcvm_cap_parse(b, n, &cap, why, sizeof why);
    if (rc == 0)
        fail_msg("accepted (expected a refusal mentioning '%s')", part ? part : "anything");
    assert_null(cap);
    assert_true(strlen(why) > 0);
    if (part != NULL && strstr(why, part) == NULL)
        fail_msg("reason '%s' does not mention '%s'", why, part);
}

static void test_every_truncation_refused(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    size_t n = tcap_build(&p, &tb);
    for (size_t k = 0; k < n; k++)
        expect_refused(tb.b, k, NULL);
}

static void test_duplicate_component(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    size_t n = tcap_build(&p, &tb);
    /* append a second ConstantPool */
    uint8_t extra[] = {5, 0, 2, 0, 0};
    memcpy(tb.b + n, extra, sizeof extra);
    expect_refused(tb.b, n + sizeof extra, "twice");
}

static void test_directory_mismatch(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    size_t n = tcap_build(&p, &tb);
    /* Directory info starts after the Header component: its Method size entry (index 7) */
    size_t dir = 3 + tb.b[2] + 3;
    tb.b[dir + 2 * 6 + 1] ^= 0x01;
    expect_refused(tb.b, n, "Directory");
}

static void test_bad_magic(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    size_t n = tcap_build(&p, &tb);
    tb.b[3] = 0xCA;
    expect_refused(tb.b, n, "DECAFFED");
}

static void test_install_offset_outside(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    p.install_offset = 9;
    size_t n = tcap_build(&p, &tb);
    expect_refused(tb.b, n, "install offset");
}

static void test_cp_bad_import(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    static const uint8_t cp[] = {0x01, 0x85, 0x03, 0x00};
    p.cp = cp;
    p.cp_len = sizeof cp;
    size_t n = tcap_build(&p, &tb);
    expect_refused(tb.b, n, "import");
}

static void test_cp_bad_tag(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    static const uint8_t cp[] = {0x09, 0x00, 0x00, 0x00};
    p.cp = cp;
    p.cp_len = sizeof cp;
    size_t n = tcap_build(&p, &tb);
    expect_refused(tb.b, n, "unknown tag");
}

static void test_cp_classref_not_class(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    static const uint8_t cp[] = {0x01, 0x00, 0x03, 0x00};
    p.cp = cp;
    p.cp_len = sizeof cp;
    size_t n = tcap_build(&p, &tb);
    expect_refused(tb.b, n, "no class starts");
}

static void test_handler_outside(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    /* one handler covering 4..0x40 */
    static const uint8_t meth[] = {0x01, 0x00, 0x0A, 0x00, 0x40, 0x00,
                                   0x0B, 0x00, 0x00, 0x01, 0x30, 0x7A};
    p.meth = meth;
    p.meth_len = sizeof meth;
    p.install_offset = 9;
    size_t n = tcap_build(&p, &tb);
    expect_refused(tb.b, n, "handler 0");
}

static void test_super_cycle(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    static const uint8_t cls[] = {0x00, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00};
    p.cls = cls;
    p.cls_len = sizeof cls;
    size_t n = tcap_build(&p, &tb);
    expect_refused(tb.b, n, "no class");
}

static void test_static_field_inconsistent(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    /* image 4 bytes: 0 refs, 0 inits, default 2, nondefault 1 (!= 4) */
    static const uint8_t sf[] = {0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x55};
    p.sf = sf;
    p.sf_len = sizeof sf;
    p.sf_image = 4;
    size_t n = tcap_build(&p, &tb);
    expect_refused(tb.b, n, "StaticField");
}

static void test_bitflips_never_crash(void **state)
{
    (void)state;
    tcap_parts p = base_parts();
    size_t n = tcap_build(&p, &tb);
    static tbuf t2;
    int accepted = 0;
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(t2.b, tb.b, n);
            t2.b[i] ^= (uint8_t)(1u << bit);
            jcvm_cap *cap = NULL;
            char why[160];
            if (jcvm_cap_parse(t2.b, n, &cap, why, sizeof why) == 0) {
                accepted++;
                jcvm_cap_free(cap);
            }
        }
    }
    /* some flips (e.g. in AIDs or max_stack) stay structurally valid; most are refused */
    assert_true(accepted < (int)(n * 8) / 2);
}

static void test_shared_applets_parse(void **state)
{
    (void)state;
    char dir[4096];
    if (tcap_shared_dir(dir, sizeof dir) == NULL) {
        print_message("skipped: ../shared/applets absent\n");
        skip();
    }
    static const char *const caps[] = {"echo/echo.cap",
                                       "arith/arith.cap",
                                       "objects/objects.cap",
                                       "persist/persist.cap",
                                       "pin/pin.cap",
                                       "crypto/crypto.cap",
                                       "channels/channels.cap",
                                       "shareable/server/shserver.cap",
                                       "shareable/client/shclient.cap",
                                       "installparams/installparams.cap",
                                       "gpapi/gpapi.cap"};
    int parsed = 0;
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, caps[i]);
        size_t n = tcap_read_zip(path, &tb);
        if (n == 0) {
            print_message("%s: not readable, skipped\n", caps[i]);
            continue;
        }
        jcvm_cap *cap = NULL;
        char why[200];
        if (jcvm_cap_parse(tb.b, n, &cap, why, sizeof why) != 0)
            fail_msg("%s: %s", caps[i], why);
        assert_true(cap->n_classes > 0);
        assert_true(cap->n_method_starts > 0);
        jcvm_cap_free(cap);
        parsed++;
    }
    assert_true(parsed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_minimal),
        cmocka_unit_test(test_every_truncation_refused),
        cmocka_unit_test(test_duplicate_component),
        cmocka_unit_test(test_directory_mismatch),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_install_offset_outside),
        cmocka_unit_test(test_cp_bad_import),
        cmocka_unit_test(test_cp_bad_tag),
        cmocka_unit_test(test_cp_classref_not_class),
        cmocka_unit_test(test_handler_outside),
        cmocka_unit_test(test_super_cycle),
        cmocka_unit_test(test_static_field_inconsistent),
        cmocka_unit_test(test_bitflips_never_crash),
        cmocka_unit_test(test_shared_applets_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
