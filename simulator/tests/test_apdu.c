/*
 * test_apdu.c: the C-APDU parser (jc_apdu_parse) on every ISO 7816-3 case,
 * short and extended, and on every malformed form; and the bounded response
 * builder. Table-driven: one row per encoding.
 */
#include "jc_test_util.h"

#include "jc_apdu.h"
#include "jc_sw.h"

typedef struct {
    const char *hex;
    uint16_t sw; /* 0 = parses */
    uint8_t apdu_case;
    uint32_t lc;
    uint32_t le;
    bool has_le;
    bool extended;
} parse_row;

static const parse_row rows[] = {
    /* well-formed */
    {"00A40400", 0, 1, 0, 0, false, false},
    {"00B0000005", 0, 2, 0, 5, true, false},
    {"00A4040001", 0, 2, 0, 1, true, false}, /* 5 bytes: P3 is always Le */
    {"00B0000000", 0, 2, 0, 256, true, false},
    {"00B0000001", 0, 2, 0, 1, true, false},
    {"00B00000FF", 0, 2, 0, 255, true, false},
    {"00A4040002AABB", 0, 3, 2, 0, false, false},
    {"00A4040001AA", 0, 3, 1, 0, false, false},
    {"00A4040002AABB00", 0, 4, 2, 256, true, false},
    {"00A4040002AABB10", 0, 4, 2, 16, true, false},
    {"00B0000000000A", 0, 2, 0, 10, true, true},
    {"00B00000000000", 0, 2, 0, 65536, true, true},
    {"00B00000000100", 0, 2, 0, 256, true, true},
    {"00A40400000001", 0, 2, 0, 1, true, true}, /* 7 bytes, P3 00: case 2E */
    {"00D6000000000211 22", 0, 3, 2, 0, false, true},
    {"00D60000000002112200 00", 0, 4, 2, 65536, true, true},
    {"00D600000000021122 0010", 0, 4, 2, 16, true, true},
    /* malformed */
    {"", 0x6700, 0, 0, 0, false, false},
    {"00", 0x6700, 0, 0, 0, false, false},
    {"00A4", 0x6700, 0, 0, 0, false, false},
    {"00A404", 0x6700, 0, 0, 0, false, false},
    {"00A4040002AA", 0x6700, 0, 0, 0, false, false},              /* Lc says 2, 1 byte */
    {"00A4040002AABBCCDD", 0x6700, 0, 0, 0, false, false},        /* Lc 2, 4 bytes */
    {"00A404000000", 0x6700, 0, 0, 0, false, false},              /* 6 bytes, P3 00 */
    {"00D60000000000AA", 0x6700, 0, 0, 0, false, false},          /* extended Lc 0000 with data */
    {"00D6000000000211", 0x6700, 0, 0, 0, false, false},          /* extended Lc 2, 1 byte */
    {"00D600000000021122 00", 0x6700, 0, 0, 0, false, false},     /* extended, 1-byte Le */
    {"00D600000000021122 000000", 0x6700, 0, 0, 0, false, false}, /* 3-byte Le */
    {"00D60000 00 00", 0x6700, 0, 0, 0, false, false},            /* 6 bytes */
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        parse_row r = rows[i];
        uint8_t buf[300];
        int n = tu_hex(r.hex, buf, sizeof(buf));
        assert_true(n >= 0);
        /* copy into an exactly sized heap block so ASan catches any overread */
        uint8_t *exact = malloc(n ? (size_t)n : 1u);
        assert_non_null(exact);
        memcpy(exact, buf, (size_t)n);
        jc_apdu a;
        uint16_t sw = jc_apdu_parse(n ? exact : NULL, (size_t)n, &a);
        if (sw != r.sw)
            print_error("row %zu (%s): sw %04X, expected %04X\n", i, r.hex, sw, r.sw);
        assert_int_equal(sw, r.sw);
        if (r.sw == 0) {
            assert_int_equal(a.apdu_case, r.apdu_case);
            assert_int_equal(a.lc, r.lc);
            assert_int_equal(a.le, r.le);
            assert_int_equal(a.has_le, r.has_le);
            assert_int_equal(a.extended, r.extended);
            assert_int_equal(a.cla, exact[0]);
            assert_int_equal(a.ins, exact[1]);
            assert_int_equal(a.p1, exact[2]);
            assert_int_equal(a.p2, exact[3]);
            if (r.lc) {
                size_t off = r.extended ? 7u : 5u;
                assert_ptr_equal(a.data, exact + off);
            } else {
                assert_null(a.data);
            }
        }
        free(exact);
    }
}

/* Every length 0..300 of random bytes parses or fails without overreading. */
static void test_parse_fuzzish(void **state)
{
    (void)state;
    tu_rng rng = {.s = 42};
    for (int round = 0; round < 2000; round++) {
        uint8_t len8;
        tu_random(&rng, &len8, 1);
        size_t len = len8 % 12u + (round % 3 == 0 ? (size_t)len8 : 0u);
        uint8_t *b = malloc(len ? len : 1u);
        assert_non_null(b);
        tu_random(&rng, b, len);
        if (len > 4 && round % 2)
            b[4] = 0; /* exercise the extended paths */
        jc_apdu a;
        uint16_t sw = jc_apdu_parse(b, len, &a);
        if (sw == 0) {
            size_t hdr = a.extended ? 7u : 5u;
            if (a.lc)
                assert_true(a.data == b + hdr && a.data + a.lc <= b + len);
        } else {
            assert_int_equal(sw, JC_SW_WRONG_LENGTH);
        }
        free(b);
    }
}

static void test_extended_max(void **state)
{
    (void)state;
    /* case 3E with Lc = 65535 - 7 - ... : the largest that fits a vpcd frame */
    size_t lc = JC_CAPDU_MAX - 7u;
    uint8_t *b = calloc(1, JC_CAPDU_MAX);
    assert_non_null(b);
    b[0] = 0xC0;
    b[1] = 0xD6;
    b[5] = (uint8_t)(lc >> 8);
    b[6] = (uint8_t)lc;
    jc_apdu a;
    assert_int_equal(jc_apdu_parse(b, JC_CAPDU_MAX, &a), 0);
    assert_int_equal(a.apdu_case, 3);
    assert_int_equal(a.lc, lc);
    free(b);
}

static void test_resp_builder(void **state)
{
    (void)state;
    uint8_t buf[8];
    jc_resp r;
    jc_resp_init(&r, buf, sizeof(buf));
    assert_int_equal(jc_resp_put(&r, "abcdef", 6), 0);
    assert_int_equal(jc_resp_room(&r), 2);
    assert_true(jc_resp_put(&r, "xyz", 3) < 0); /* refused whole */
    assert_int_equal(r.len, 6);
    assert_int_equal(jc_resp_put_u8(&r, 'g'), 0);
    assert_non_null(jc_resp_reserve(&r, 1));
    assert_null(jc_resp_reserve(&r, 1));
    assert_true(jc_resp_put_u8(&r, 'h') < 0);
    assert_int_equal(r.len, 8);
    jc_resp_clear(&r);
    assert_int_equal(r.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_fuzzish),
        cmocka_unit_test(test_extended_max),
        cmocka_unit_test(test_resp_builder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
