/*
 * test_cmac.c: inside an SCP02 session at level 01 (C-MAC) and 03 (C-MAC and
 * C-DEC), every command class that needs the session (GET STATUS, SET STATUS,
 * PUT KEY, INSTALL, LOAD, DELETE) and GET DATA under secure messaging are
 * refused with 6982 when their C-MAC is missing or wrong, and the session is
 * closed: the next correctly wrapped command is refused too (GP 2.1.1 Table
 * 9-8, §E.4.4; GP 2.2.1 §E.1.6). A mutation run found that removing either
 * C-MAC failure return of secure messaging left every other test green.
 */
#include "test_gp_util.h"

/* One command of each class, as the host would send it in clear. */
static const struct {
    const char *what;
    const char *capdu;
} cmds[] = {
    {"GET STATUS", "80F28000024F0000"}, {"SET STATUS", "80F0800700"},
    {"PUT KEY", "80D8000100"},          {"INSTALL", "80E602000D08F06A636F7073696D0000000000"},
    {"LOAD", "80E8800003C4010100"},     {"DELETE", "80E400000A4F08F06A636F7073696D00"},
    {"GET DATA", "80CA006600"},
};

/* Send bytes as they are (no host wrapping). */
static uint16_t raw(gt_fix *f, const uint8_t *c, size_t n)
{
    uint8_t r[JC_RAPDU_MAX];
    uint16_t sw;
    gt_xfer(f, c, n, r, sizeof(r), &sw);
    return sw;
}

/* After a refusal the session must be gone: a correctly wrapped GET STATUS
 * (which needs the session) is refused as well. */
static void assert_session_closed(gt_fix *f, const char *what, uint8_t level)
{
    uint16_t sw = gt_send(f, "80F28000024F0000", NULL, 0);
    if (sw != 0x6982)
        print_error("%s at level %02X: session still open after a C-MAC failure (%04X)\n", what,
                    level, sw);
    assert_int_equal(sw, 0x6982);
}

static void test_missing_cmac(void **state)
{
    (void)state;
    static const uint8_t levels[] = {0x01, 0x03};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
            gt_fix *f = gt_new("J2A040");
            assert_int_equal(gt_auth(f, 0, levels[l]), 0x9000);
            uint8_t c[300];
            int n = tu_hex(cmds[i].capdu, c, sizeof(c));
            assert_true(n >= 4);
            uint16_t sw = raw(f, c, (size_t)n); /* CLA 80: no C-MAC */
            if (sw != 0x6982)
                print_error("%s without C-MAC at level %02X: %04X\n", cmds[i].what, levels[l], sw);
            assert_int_equal(sw, 0x6982);
            assert_true(strstr(f->trace.last_warn, "without its C-MAC") != NULL);
            assert_session_closed(f, cmds[i].what, levels[l]);
            gt_free(f);
        }
    }
}

static void test_bad_cmac(void **state)
{
    (void)state;
    static const uint8_t levels[] = {0x01, 0x03};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
            for (int where = 0; where < 2; where++) { /* a MAC byte, then a data byte */
                gt_fix *f = gt_new("J2A040");
                assert_int_equal(gt_auth(f, 0, levels[l]), 0x9000);
                uint8_t c[300], w[300];
                int n = tu_hex(cmds[i].capdu, c, sizeof(c));
                int wn = jc_scp02_host_wrap(&f->host, f->crypto, c, (size_t)n, w, sizeof(w));
                assert_true(wn > 13);
                /* the last byte of the C-MAC (before Le when there is one), or
                 * the first byte of the (encrypted) data */
                size_t lc = w[4];
                size_t at = where == 0 ? 5 + lc - 1 : 5;
                w[at] ^= 0x01;
                uint16_t sw = raw(f, w, (size_t)wn);
                if (sw != 0x6982)
                    print_error("%s with a bad C-MAC (%s) at level %02X: %04X\n", cmds[i].what,
                                where ? "data" : "MAC", levels[l], sw);
                assert_int_equal(sw, 0x6982);
                assert_session_closed(f, cmds[i].what, levels[l]);
                gt_free(f);
            }
        }
    }
}

/* A C-MAC outside any session, and at level 00 (no C-MAC agreed) a command
 * whose C-MAC does not verify: 6982, nothing executed. */
static void test_cmac_outside_session(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        gt_fix *f = gt_new("J2A040");
        uint8_t c[300];
        int n = tu_hex(cmds[i].capdu, c, sizeof(c));
        c[0] = 0x84;
        uint16_t sw = raw(f, c, (size_t)n);
        if (sw != 0x6982)
            print_error("%s with CLA 84 and no session: %04X\n", cmds[i].what, sw);
        assert_int_equal(sw, 0x6982);
        /* level 00: plain commands pass, a made-up C-MAC does not */
        assert_int_equal(gt_auth(f, 0, 0x00), 0x9000);
        uint8_t m[300];
        memcpy(m, c, (size_t)n);
        size_t lc = n > 5 ? c[4] : 0;
        m[4] = (uint8_t)(lc + 8);
        memset(m + 5 + lc, 0xA5, 8);
        size_t mn = 5 + lc + 8;
        if ((size_t)n == 6 + lc || n == 5)
            m[mn++] = 0x00; /* Le */
        sw = raw(f, m, mn);
        if (sw != 0x6982)
            print_error("%s with a made-up C-MAC at level 00: %04X\n", cmds[i].what, sw);
        assert_int_equal(sw, 0x6982);
        jc_scp02_reset(&f->host);
        gt_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_cmac),
        cmocka_unit_test(test_bad_cmac),
        cmocka_unit_test(test_cmac_outside_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
