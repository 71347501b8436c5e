/*
 * test_jh_vars.c: the variable table and ${NAME} expansion: set, overwrite,
 * several and adjacent references, literal '$', values kept verbatim, and
 * every error (undefined, unterminated, bad name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jh_vars.h"

static void test_set_get(void **state)
{
    jh_vars v;
    jh_vars_init(&v);
    assert_null(jh_vars_get(&v, "KT"));
    assert_int_equal(jh_vars_set(&v, "KT", "0001"), 0);
    assert_string_equal(jh_vars_get(&v, "KT"), "0001");
    assert_int_equal(jh_vars_set(&v, "KT", "FFFF"), 0);
    assert_string_equal(jh_vars_get(&v, "KT"), "FFFF");
    assert_int_equal(v.n, 1);
    assert_int_equal(jh_vars_set(&v, "a.b-c_9", ""), 0);
    assert_string_equal(jh_vars_get(&v, "a.b-c_9"), "");
    assert_int_equal(jh_vars_set(&v, "9x", "1"), -1);
    assert_int_equal(jh_vars_set(&v, "", "1"), -1);
    assert_int_equal(jh_vars_set(&v, "a b", "1"), -1);
    jh_vars_free(&v);
}

typedef struct {
    const char *in;
    const char *out; /* NULL = error */
} expand_case;

static const expand_case cases[] = {
    {.in = "00A4040010${KT}", .out = "00A4040010000102"},
    {.in = "${KT}${KT}", .out = "000102000102"},
    {.in = "${A} ${B}", .out = "aa bb"},
    {.in = "no variables", .out = "no variables"},
    {.in = "cost $5 and $", .out = "cost $5 and $"},
    {.in = "${SELF}", .out = "${KT}"}, /* values are not expanded again */
    {.in = "", .out = ""},
    {.in = "${UNDEFINED}", .out = NULL},
    {.in = "x ${KT", .out = NULL},
    {.in = "${}", .out = NULL},
    {.in = "${1abc}", .out = NULL},
    {.in = "${a b}", .out = NULL},
};

static void test_expand(void **state)
{
    jh_vars v;
    jh_vars_init(&v);
    assert_int_equal(jh_vars_set(&v, "KT", "000102"), 0);
    assert_int_equal(jh_vars_set(&v, "A", "aa"), 0);
    assert_int_equal(jh_vars_set(&v, "B", "bb"), 0);
    assert_int_equal(jh_vars_set(&v, "SELF", "${KT}"), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        char err[128] = "";
        int rc = jh_vars_expand(&v, cases[i].in, &out, err, sizeof err);
        if (cases[i].out) {
            if (rc != 0)
                fail_msg("\"%s\": %s", cases[i].in, err);
            assert_string_equal(out, cases[i].out);
            free(out);
        } else {
            if (rc != -1)
                fail_msg("\"%s\" expanded to \"%s\"", cases[i].in, out);
            assert_true(err[0] != '\0');
        }
    }
    char *out = NULL;
    char err[128];
    assert_int_equal(jh_vars_expand(&v, "${UNDEFINED}", &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "UNDEFINED"));
    jh_vars_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_get),
        cmocka_unit_test(test_expand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
