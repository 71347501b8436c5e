/*
 * test_hex.c: the one hex codec (jc_hex.h) every layer parses options,
 * scripts and seeds with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jc_hex.h"

static void test_nibble(void **state)
{
    (void)state;
    const char *digits = "0123456789abcdefABCDEF";
    const int values[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                          11, 12, 13, 14, 15, 10, 11, 12, 13, 14, 15};
    for (size_t i = 0; digits[i]; i++)
        assert_int_equal(jc_hex_nibble(digits[i]), values[i]);
    const char *bad = "gG/:@`xX? \n";
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(jc_hex_nibble(bad[i]), -1);
    assert_int_equal(jc_hex_nibble(0), -1);
    assert_int_equal(jc_hex_nibble(0xC0), -1);
}

static void test_decode(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t cap;
        int want;
        uint8_t bytes[4];
    } cases[] = {
        {"", 4, 0, {0}},
        {"00", 4, 1, {0x00}},
        {"A0ff", 4, 2, {0xA0, 0xFF}},
        {"DEADbeef", 4, 4, {0xDE, 0xAD, 0xBE, 0xEF}},
        {"DEADBEEF00", 4, -1, {0}}, /* longer than cap */
        {"ABC", 4, -1, {0}},        /* odd count */
        {"A", 4, -1, {0}},
        {"0G", 4, -1, {0}},    /* not hex */
        {"00 11", 4, -1, {0}}, /* no separators */
        {"G0", 4, -1, {0}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t out[4] = {0};
        assert_int_equal(jc_hex_decode(cases[i].in, out, cases[i].cap), cases[i].want);
        if (cases[i].want > 0)
            assert_memory_equal(out, cases[i].bytes, (size_t)cases[i].want);
    }
}

/* With separators (the harness's script data, the explainer's input). */
static void test_decode_sep(void **state)
{
    (void)state;
    uint8_t out[4] = {0};
    assert_int_equal(jc_hex_decode_sep("00 11\t2a", (size_t)-1, " \t", out, 4), 3);
    assert_int_equal(out[2], 0x2A);
    assert_int_equal(jc_hex_decode_sep("0 0:1-1", (size_t)-1, " :-", out, 4), 2);
    assert_int_equal(out[1], 0x11);
    assert_int_equal(jc_hex_decode_sep("00:11", (size_t)-1, " ", out, 4), -1); /* ':' not skipped */
    assert_int_equal(jc_hex_decode_sep("001122", 4, "", out, 4), 2);           /* n limits */
    assert_int_equal(jc_hex_decode_sep("0 1 2", (size_t)-1, " ", out, 4), -1); /* odd count */
    assert_int_equal(jc_hex_decode_sep("0011223344", (size_t)-1, "", out, 4), -1); /* cap */
    assert_int_equal(jc_hex_decode_sep("", (size_t)-1, NULL, out, 4), 0);
}

static void test_encode(void **state)
{
    (void)state;
    const uint8_t b[] = {0x00, 0x0F, 0xA5, 0xFF};
    char out[9];
    memset(out, 'z', sizeof(out));
    jc_hex_encode(b, sizeof(b), out);
    assert_string_equal(out, "000FA5FF");
    jc_hex_encode(b, 0, out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nibble),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_decode_sep),
        cmocka_unit_test(test_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
