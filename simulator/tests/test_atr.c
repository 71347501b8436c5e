/*
 * test_atr.c: the ATR built from the configuration block (DESIGN.md §4):
 * exact ATRs of both profiles (jcop-facts §6), the warm block on a warm
 * reset, a written configuration taking effect at the next power-up, and
 * malformed configurations served with a warning. Expected ATRs are the
 * published ones, or derived by hand in the comments (TCK = XOR T0..end).
 */
#include "jc_test_util.h"

static void atr_hex(jc_card *card, bool warm, char *out)
{
    uint8_t atr[JC_ATR_MAX];
    int n = warm ? jc_card_reset(card, atr, sizeof(atr)) : jc_card_power_on(card, atr, sizeof(atr));
    assert_true(n > 0);
    tu_tohex(atr, (size_t)n, out);
}

typedef struct {
    const char *profile;
    const char *atr;
} profile_atr;

static const profile_atr published[] = {
    {"J2A040", "3BF81300008131FE454A434F5076323431B7"},
    {"J2E145", "3BF91300008131FE454A434F503234325233A2"},
};

static void test_profile_atrs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(published) / sizeof(published[0]); i++) {
        jc_pstate st;
        tu_new_state(&st, published[i].profile, 3);
        tu_rng rng = {.s = 1};
        tu_trace tr = {0};
        jc_card *card = tu_card(&st, &rng, &tr);
        char hex[2 * JC_ATR_MAX + 1];
        uint8_t atr[JC_ATR_MAX];
        int n = jc_card_atr(card, atr, sizeof(atr));
        assert_true(n > 0);
        tu_tohex(atr, (size_t)n, hex);
        assert_string_equal(hex, published[i].atr);
        atr_hex(card, true, hex); /* warm block holds the same bytes */
        assert_string_equal(hex, published[i].atr);
        assert_int_equal(tr.count[JC_EV_WARN], 0);
        jc_card_free(card);
    }
}

typedef struct {
    const char *what;
    const char *writes[3]; /* WRITE MEMORY APDUs after BOOT */
    const char *cold_atr;  /* expected after the next power-up */
    const char *warm_atr;  /* expected after a warm reset */
    bool warns;
} atr_row;

static const atr_row rows[] = {
    /* "JCOPv242": TCK B7 ^ '1' ^ '2' = B4 */
    {"new historical bytes",
     {"C0D6013609084A434F5076323432"},
     "3BF81300008131FE454A434F5076323432B4",
     "3BF81300008131FE454A434F5076323431B7",
     false},
    /* warm block only: cold unchanged */
    {"warm block",
     {"C0D6015909084A434F5076323432"},
     "3BF81300008131FE454A434F5076323431B7",
     "3BF81300008131FE454A434F5076323432B4",
     false},
    /* 4 historical bytes "JCOP": T0 F4; TCK (XOR T0..end, computed with python3) FA */
    {"shorter historical bytes",
     {"C0D6013605044A434F50"},
     "3BF41300008131FE454A434F50FA",
     "3BF81300008131FE454A434F5076323431B7",
     false},
    /* historical length 20 > field: clamped to 8, warned */
    {"historical length too big",
     {"C0D6013601 14"},
     "3BF81300008131FE454A434F5076323431B7",
     "3BF81300008131FE454A434F5076323431B7",
     true},
    /* T0 announces TA1..TD1 but only 2 interface bytes stored: served, warned;
     * bytes: 3B F8 13 00 4A..31, TCK = F8^13^00^(4A^43^4F^50^76^32^34^31) */
    {"interface bytes short",
     {"C0D6012603 03F01300"},
     "3BF813004A434F5076323431BC",
     "3BF81300008131FE454A434F5076323431B7",
     true},
    /* interface length 0: served as T0 only (the stored T0 byte), warned */
    {"interface length 0",
     {"C0D6012601 00"},
     "3BF84A434F5076323431AF",
     "3BF81300008131FE454A434F5076323431B7",
     true},
};

static void test_written_config(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        jc_pstate st;
        tu_new_state(&st, NULL, 3);
        tu_rng rng = {.s = 1};
        tu_trace tr = {0};
        jc_card *card = tu_card(&st, &rng, &tr);
        char before[2 * JC_ATR_MAX + 1], hex[2 * JC_ATR_MAX + 1];
        uint8_t atr[JC_ATR_MAX];
        tu_tohex(atr, (size_t)jc_card_atr(card, atr, sizeof(atr)), before);
        assert_int_equal(tu_sw(card, "00A4040010" TU_KT_HEX), 0x9000);
        assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
        for (int w = 0; w < 3 && rows[i].writes[w]; w++)
            assert_int_equal(tu_sw(card, rows[i].writes[w]), 0x9000);
        /* latched: unchanged until the next power-up */
        tu_tohex(atr, (size_t)jc_card_atr(card, atr, sizeof(atr)), hex);
        assert_string_equal(hex, before);
        jc_card_power_off(card);
        atr_hex(card, false, hex);
        if (strcmp(hex, rows[i].cold_atr) != 0)
            print_error("%s: cold %s, expected %s\n", rows[i].what, hex, rows[i].cold_atr);
        assert_string_equal(hex, rows[i].cold_atr);
        assert_int_equal(tr.count[JC_EV_WARN] > 0, rows[i].warns);
        atr_hex(card, true, hex);
        if (strcmp(hex, rows[i].warm_atr) != 0)
            print_error("%s: warm %s, expected %s\n", rows[i].what, hex, rows[i].warm_atr);
        assert_string_equal(hex, rows[i].warm_atr);
        jc_card_free(card);
    }
}

static void test_atr_buffer_and_power(void **state)
{
    (void)state;
    jc_pstate st;
    tu_new_state(&st, NULL, 3);
    tu_rng rng = {.s = 1};
    jc_env env = {.random = tu_random, .random_ctx = &rng};
    jc_card *card = NULL;
    assert_int_equal(jc_card_create(&card, &st, &env), 0);
    uint8_t atr[JC_ATR_MAX];
    assert_false(jc_card_powered(card));
    assert_int_equal(jc_card_atr(card, atr, sizeof(atr)), JC_ERR_NOT_POWERED);
    assert_int_equal(jc_card_power_on(card, atr, 4), JC_ERR_BUFFER);
    assert_true(jc_card_powered(card));
    assert_int_equal(jc_card_atr(card, atr, sizeof(atr)), 18);
    jc_card_free(card);
    /* unknown profile and missing random source refused */
    strcpy(st.profile, "J0000");
    assert_int_equal(jc_card_create(&card, &st, &env), JC_ERR_PROFILE);
    strcpy(st.profile, "J2A040");
    env.random = NULL;
    assert_int_equal(jc_card_create(&card, &st, &env), JC_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_atrs),
        cmocka_unit_test(test_written_config),
        cmocka_unit_test(test_atr_buffer_and_power),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
