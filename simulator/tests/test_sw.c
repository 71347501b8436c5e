/*
 * test_sw.c: the status-word table (jc_sw.h): names and texts of table
 * entries, the ranges handled before the lookup, unknown values.
 */
#include "jc_test_util.h"

#include "jc_sw.h"

typedef struct {
    uint16_t sw;
    const char *name;
    const char *text;
} sw_row;

static const sw_row rows[] = {
    {0x9000, "OK", "success"},
    {0x6A82, "FILE_NOT_FOUND", "file or application not found"},
    {0x6700, "WRONG_LENGTH", "wrong length (Lc or Le)"},
    {0x6B00, "WRONG_P1P2", "wrong parameters P1-P2 (address outside the memory window)"},
    {0x6581, "MEMORY_FAILURE", "memory failure (the change was not stored)"},
    {0x6310, "MORE_DATA", "more data available (GET STATUS paging)"},
    {0x6110, "BYTES_REMAINING", "16 more bytes available (GET RESPONSE)"},
    {0x6100, "BYTES_REMAINING", "256 more bytes available (GET RESPONSE)"},
    {0x6C05, "WRONG_LE", "wrong Le: resend with Le = 5"},
    {0x63C3, "COUNTER", "verification failed, 3 tries left"},
    {0x1234, "UNKNOWN_SW", "unknown status word"},
};

static void test_sw_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char buf[80];
        assert_string_equal(jc_sw_name(rows[i].sw), rows[i].name);
        assert_string_equal(jc_sw_text(rows[i].sw, buf, sizeof(buf)), rows[i].text);
    }
}

static void test_sw_small_buffer(void **state)
{
    (void)state;
    char buf[4];
    const char *t = jc_sw_text(0x6110, buf, sizeof(buf));
    assert_non_null(t);
    assert_true(strlen(t) < sizeof(buf));
    assert_non_null(jc_sw_text(0x6110, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sw_table),
        cmocka_unit_test(test_sw_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
