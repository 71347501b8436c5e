/*
 * test_channels.c: logical channels of a fused card (GP 2.1.1 §9.7, §8.2.3):
 * each channel has its own SCP02 session (opened with CLA 81/85, the C-MAC
 * computed over CLA with the channel bits 0), which commands and SELECTs on
 * the basic channel neither need nor end; closing a channel ends its session;
 * a command without its C-MAC on the channel of a session closes that session.
 */
#include "test_gp_util.h"

static const uint8_t hc[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* INITIALIZE UPDATE + EXTERNAL AUTHENTICATE on channel ch. */
static uint16_t auth_on(gt_fix *f, uint8_t ch, uint8_t level)
{
    uint8_t c[64], r[300];
    uint16_t sw;
    jc_scp02_reset(&f->host);
    int n = jc_scp02_host_init_update(&f->host, 0, hc, c, sizeof(c));
    c[0] |= ch;
    gt_xfer(f, c, (size_t)n, r, sizeof(r), &sw);
    if (sw != 0x9000)
        return sw;
    assert_int_equal(jc_scp02_host_check_card(&f->host, f->crypto, &f->keys, r, 28), 0);
    n = jc_scp02_host_ext_auth(&f->host, f->crypto, level, false, c, sizeof(c));
    c[0] |= ch;
    gt_xfer(f, c, (size_t)n, r, sizeof(r), &sw);
    return sw;
}

/* A command wrapped by the host session (when open), sent on channel ch. */
static uint16_t send_on(gt_fix *f, uint8_t ch, const char *hex, bool wrap)
{
    uint8_t c[300], w[300], r[JC_RAPDU_MAX];
    int n = tu_hex(hex, c, sizeof(c));
    assert_true(n >= 4);
    const uint8_t *p = c;
    if (wrap) {
        n = jc_scp02_host_wrap(&f->host, f->crypto, c, (size_t)n, w, sizeof(w));
        assert_true(n > 0);
        p = w;
    }
    w[0] = (uint8_t)(p[0] | ch);
    if (p != w)
        memcpy(w + 1, p + 1, (size_t)n - 1);
    uint16_t sw;
    gt_xfer(f, w, (size_t)n, r, sizeof(r), &sw);
    return sw;
}

static void test_session_per_channel(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    GT_EXPECT(f, "0070000001", "019000");
    assert_int_equal(auth_on(f, 1, 1), 0x9000);
    assert_int_equal(send_on(f, 1, "80F28000024F0000", true), 0x9000);
    /* channel 0 has no session: management refused there, channel 1's kept */
    assert_int_equal(send_on(f, 0, "80F28000024F0000", false), 0x6982);
    assert_int_equal(send_on(f, 0, "00A4040000", false), 0x9000);
    assert_int_equal(send_on(f, 0, "80CA006600", false), 0x9000);
    assert_int_equal(send_on(f, 1, "80F28000024F0000", true), 0x9000);
    /* a command without its C-MAC on channel 1 ends channel 1's session */
    assert_int_equal(send_on(f, 1, "80F28000024F0000", false), 0x6982);
    assert_int_equal(send_on(f, 1, "80F28000024F0000", true), 0x6982);
    /* a new session on channel 1; closing the channel from channel 0 ends it */
    assert_int_equal(auth_on(f, 1, 1), 0x9000);
    assert_int_equal(send_on(f, 1, "80F28000024F0000", true), 0x9000);
    assert_int_equal(send_on(f, 0, "00708001", false), 0x9000);
    assert_int_equal(send_on(f, 1, "80CA006600", false), 0x6881);
    assert_int_equal(send_on(f, 0, "0070000100", false), 0x6700);
    assert_int_equal(send_on(f, 0, "00700001", false), 0x9000);
    assert_int_equal(send_on(f, 1, "80F28000024F0000", true), 0x6982);
    gt_free(f);
}

static void test_session_on_channel_0_survives(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    assert_int_equal(auth_on(f, 0, 3), 0x9000);
    /* channels open, serve and close while channel 0's level-03 session lasts */
    assert_int_equal(send_on(f, 0, "0070000001", false), 0x9000);
    assert_int_equal(send_on(f, 1, "00A4040000", false), 0x9000);
    assert_int_equal(send_on(f, 1, "80F28000024F0000", false), 0x6982);
    assert_int_equal(send_on(f, 0, "80F28000024F0000", true), 0x9000);
    assert_int_equal(send_on(f, 1, "00708001", false), 0x9000); /* closes itself */
    assert_int_equal(send_on(f, 1, "80CA006600", false), 0x6881);
    assert_int_equal(send_on(f, 0, "80F28000024F0000", true), 0x9000);
    /* a power cycle closes every supplementary channel */
    assert_int_equal(send_on(f, 0, "0070000001", false), 0x9000);
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_reset(f->card, atr, sizeof(atr)) > 0);
    assert_int_equal(send_on(f, 1, "80CA006600", false), 0x6881);
    gt_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_per_channel),
        cmocka_unit_test(test_session_on_channel_0_survives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
