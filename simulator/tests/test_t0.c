/*
 * test_t0.c: the T=0 layer (jc_t0.h) over a fused J2A040 card: 6Cxx for a
 * wrong Le and the kept answer for the command again, 61xx + GET RESPONSE in
 * pieces for a case-4 answer with the command's own status word last, an
 * error status word without data, answers without data unchanged, and the
 * T=0 form of both profiles' ATRs.
 */
#include "test_gp_util.h"

#include "jc_t0.h"

/* Send hex through the T=0 layer; the R-APDU as hex. */
static void t0_expect(jc_t0 *t, jc_card *card, const char *capdu, const char *want)
{
    uint8_t c[300], r[600];
    char got[1300];
    int n = tu_hex(capdu, c, sizeof(c));
    int rn = jc_t0_transmit(t, card, c, (size_t)n, r, sizeof(r));
    assert_true(rn >= 2);
    tu_tohex(r, (size_t)rn, got);
    if (strcmp(got, want) != 0)
        print_error("%s -> %s, expected %s\n", capdu, got, want);
    assert_string_equal(got, want);
}

#define CPLC                                                                                       \
    "9F7F2A479050384791007833001070010808955258481210770000000019081085303830380000000000000000"

static void test_case2_and_6c(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    jc_t0 *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    /* GET DATA CPLC (45 bytes) with Le 00: 6C2D, then with Le 2D: the data */
    t0_expect(t, f->card, "80CA9F7F00", "6C2D");
    assert_non_null(t->note);
    t0_expect(t, f->card, "80CA9F7F2D", CPLC "9000");
    /* the right Le at once: no 6C */
    t0_expect(t, f->card, "80CA9F7F2D", CPLC "9000");
    assert_null(t->note);
    /* a 6C answer is dropped by any other command */
    t0_expect(t, f->card, "80CA9F7F10", "6C2D");
    t0_expect(t, f->card, "80CA00C100", "6C04");
    t0_expect(t, f->card, "80CA00C104",
              "C1020000"
              "9000");
    /* no data: unchanged; GET RESPONSE with nothing kept goes to the card */
    t0_expect(t, f->card, "80CA00FE00", "6A88");
    t0_expect(t, f->card, "00C0000010", "6D00");
    free(t);
    gt_free(f);
}

static void test_case4_get_response(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    jc_t0 *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    /* SELECT of the ISD (case 4 with Le): 61 67 (the FCI), GET RESPONSE in two pieces */
    t0_expect(t, f->card, "00A4040008A00000000300000000", "6167");
    t0_expect(t, f->card, "00C0000060",
              "6F658408A000000003000000A5599F6501FF9F6E06479100783300734A06072A864886FC6B01600C060A"
              "2A864886FC6B02020101630906072A864886FC6B03640B06092A864886FC6B040215650B06092B851086"
              "4864020103660C060A2B0601"
              "6107");
    t0_expect(t, f->card, "00C0000010", "6C07");
    t0_expect(t, f->card, "00C0000007",
              "04012A026E0102"
              "9000");
    /* case 3 (INITIALIZE UPDATE without Le, as a T=0 TPDU): 611C, then GET RESPONSE */
    t0_expect(t, f->card, "80500000080102030405060708", "611C");
    uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, 0x1C}, r[64];
    int rn = jc_t0_transmit(t, f->card, gr, sizeof(gr), r, sizeof(r));
    assert_int_equal(rn, 30);
    assert_int_equal(r[28], 0x90);
    assert_int_equal(r[10], 0xFF); /* KVN FF, SCP 02 */
    assert_int_equal(r[11], 0x02);
    /* the kept answer is gone after the last piece */
    t0_expect(t, f->card, "00C000001C", "6D00");
    /* an error status word with data (IDENTIFY 6A82 on a fused card) goes alone */
    t0_expect(t, f->card, "00A4040009A000000167413000FF00", "6A82");
    assert_non_null(t->note);
    free(t);
    gt_free(f);
}

static void test_t0_atr(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } v[] = {
        /* J2A040 (T=1 with TA3 TB3 and TCK) and J2E145 */
        {"3BF81300008131FE454A434F5076323431B7", "3B781300004A434F5076323431"},
        {"3BF91300008131FE454A434F503234325233A2", "3B791300004A434F503234325233"},
        {"3B00", "3B00"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t in[40], out[40];
        char got[90];
        int n = tu_hex(v[i].in, in, sizeof(in));
        int k = jc_t0_atr(in, (size_t)n, out, sizeof(out));
        assert_true(k > 0);
        tu_tohex(out, (size_t)k, got);
        assert_string_equal(got, v[i].out);
    }
    uint8_t bad[] = {0x3B, 0xF9, 0x13}, out[40];
    assert_int_equal(jc_t0_atr(bad, sizeof(bad), out, sizeof(out)), JC_ERR_FORMAT);
    uint8_t ts[] = {0x42, 0x00};
    assert_int_equal(jc_t0_atr(ts, sizeof(ts), out, sizeof(out)), JC_ERR_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case2_and_6c),
        cmocka_unit_test(test_case4_get_response),
        cmocka_unit_test(test_t0_atr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
