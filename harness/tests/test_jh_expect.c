/*
 * test_jh_expect.c: the expectation matcher, every wildcard form, table-driven:
 * exact hex, ? and x nibbles, * runs (start, middle, end, several, empty),
 * alternatives, blanks and case, and every malformed pattern.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "jh_expect.h"
#include "jh_util.h"

typedef struct {
    const char *pattern;
    const char *answer; /* hex */
    int result;         /* 1 match, 0 no match */
} match_case;

static const match_case cases[] = {
    /* exact */
    {.pattern = "9000", .answer = "9000", .result = 1},
    {.pattern = "9000", .answer = "6A82", .result = 0},
    {.pattern = "9000", .answer = "019000", .result = 0}, /* whole answer: data not allowed */
    {.pattern = "019000", .answer = "019000", .result = 1},
    {.pattern = "9000", .answer = "90", .result = 0},
    /* any data then SW */
    {.pattern = "*9000", .answer = "9000", .result = 1},
    {.pattern = "*9000", .answer = "0102039000", .result = 1},
    {.pattern = "*9000", .answer = "0102036A82", .result = 0},
    {.pattern = "*9000", .answer = "9000900090", .result = 0},
    {.pattern = "*9000", .answer = "9000909000", .result = 1},
    /* nibble wildcards */
    {.pattern = "61??", .answer = "6110", .result = 1},
    {.pattern = "61??", .answer = "6210", .result = 0},
    {.pattern = "61??", .answer = "00611A", .result = 0},
    {.pattern = "63C?", .answer = "63C2", .result = 1},
    {.pattern = "63C?", .answer = "63D2", .result = 0},
    {.pattern = "63cx", .answer = "63CF", .result = 1},
    {.pattern = "63CX", .answer = "63C0", .result = 1},
    {.pattern = "?0??", .answer = "9000", .result = 1},
    {.pattern = "?1??", .answer = "9000", .result = 0},
    {.pattern = "xx", .answer = "", .result = 0},
    /* star in the middle and at the ends */
    {.pattern = "6F*9000", .answer = "6F0584039000", .result = 1},
    {.pattern = "6F*9000", .answer = "6F9000", .result = 1},
    {.pattern = "6F*9000", .answer = "6E0584039000", .result = 0},
    {.pattern = "6F*9000", .answer = "6F058403", .result = 0},
    {.pattern = "3BF8*", .answer = "3BF81300008131FE454A434F5076323431B7", .result = 1},
    {.pattern = "3BF8*", .answer = "3BF9", .result = 0},
    {.pattern = "*", .answer = "", .result = 1},
    {.pattern = "*", .answer = "0102", .result = 1},
    {.pattern = "**9000", .answer = "019000", .result = 1},
    {.pattern = "01*03*9000", .answer = "0102030405039000", .result = 1},
    {.pattern = "01*03*9000", .answer = "0102049000", .result = 0},
    {.pattern = "*0?*9000", .answer = "AA0BCC9000", .result = 1},
    /* backtracking over a partial match */
    {.pattern = "*0102", .answer = "0101010102", .result = 1},
    {.pattern = "*AABB*AABBCC", .answer = "AABBAABBAABBCC", .result = 1},
    /* alternatives */
    {.pattern = "9000|6A82", .answer = "6A82", .result = 1},
    {.pattern = "9000|6A82", .answer = "9000", .result = 1},
    {.pattern = "9000|6A82", .answer = "6A88", .result = 0},
    {.pattern = "*9000|*6283", .answer = "6F006283", .result = 1},
    {.pattern = "61??|*9000", .answer = "611F", .result = 1},
    /* blanks and case */
    {.pattern = " 6f * 90 00 ", .answer = "6F119000", .result = 1},
    {.pattern = "6a82", .answer = "6A82", .result = 1},
    {.pattern = "9000 | 6A82", .answer = "6A82", .result = 1},
    /* an empty answer */
    {.pattern = "9000", .answer = "", .result = 0},
};

static void test_match_table(void **state)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[64];
        int n = jh_unhex(cases[i].answer, (size_t)-1, b, sizeof b);
        assert_true(n >= 0);
        int got = jh_expect_match(cases[i].pattern, b, (size_t)n);
        if (got != cases[i].result)
            fail_msg("pattern \"%s\" vs %s: got %d, want %d", cases[i].pattern, cases[i].answer,
                     got, cases[i].result);
        char err[128];
        assert_int_equal(jh_expect_check(cases[i].pattern, err, sizeof err), 0);
    }
}

static const char *const malformed[] = {
    "900",      /* odd digit count */
    "9000G",    /* bad character */
    "90 0",     /* odd after blanks */
    "9*000",    /* odd before * */
    "9000|",    /* empty alternative */
    "|9000",    /* empty alternative */
    "",         /* nothing */
    "   ",      /* only blanks */
    "90_00",    /* bad separator */
    "${sw}",    /* unexpanded variable */
    "9000|6A8", /* odd in an alternative */
};

static void test_malformed(void **state)
{
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        char err[128] = "";
        if (jh_expect_check(malformed[i], err, sizeof err) != -1)
            fail_msg("\"%s\" accepted", malformed[i]);
        assert_true(err[0] != '\0');
        static const uint8_t ok[2] = {0x90, 0x00};
        assert_int_equal(jh_expect_match(malformed[i], ok, 2), -1);
    }
}

static void test_long_answer(void **state)
{
    /* a 60 KB answer: linear matching, no recursion blow-up */
    static uint8_t big[60000];
    memset(big, 0xAB, sizeof big);
    big[sizeof big - 2] = 0x90;
    big[sizeof big - 1] = 0x00;
    assert_int_equal(jh_expect_match("*9000", big, sizeof big), 1);
    assert_int_equal(jh_expect_match("AB*AB*AB*9001", big, sizeof big), 0);
    assert_int_equal(jh_expect_match("AB*ABAB*9000", big, sizeof big), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_long_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
