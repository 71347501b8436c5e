/*
 * test_jt_explain.c: the explainer (harness/explain) and the transcript
 * reader of jcop-explain (tools/jcop-explain/jt_tparse.c), table-driven.
 *
 * Each case is a transcript of exchanges (hex, as a tool would print them)
 * with, per exchange, a phrase that must appear among the explanation lines
 * and the card state the explainer must reach. Expected phrases and states
 * come from jcop-facts.md (commands, addresses, SCP02 vectors of §4) and
 * DESIGN.md §4, not from the explainer's code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jc_card.h"
#include "jh_explain.h"
#include "jt_tparse.h"

typedef struct {
    const char *capdu;
    const char *rapdu;  /* NULL: no answer */
    const char *phrase; /* must appear in some line */
    int state;          /* expected state after, -2 = do not check */
} xstep;

static bool has_phrase(const jh_explanation *x, const char *p)
{
    for (size_t i = 0; i < x->n; i++)
        if (strstr(x->line[i].text, p))
            return true;
    return false;
}

static void dump(const jh_explanation *x)
{
    for (size_t i = 0; i < x->n; i++)
        print_message("    [%d] %s\n", (int)x->line[i].kind, x->line[i].text);
}

static void run_steps(const xstep *st, size_t n, int assume)
{
    jh_explainer ex;
    jh_explanation *x = malloc(sizeof *x);
    assert_non_null(x);
    jh_explain_init(&ex, NULL);
    if (assume >= 0)
        jh_explain_assume(&ex, assume, 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t c[300], r[300];
        int cl = jh_hex_parse(st[i].capdu, c, sizeof c);
        int rl = st[i].rapdu ? jh_hex_parse(st[i].rapdu, r, sizeof r) : 0;
        assert_true(cl >= 0 && rl >= 0);
        jh_explain_exchange(&ex, c, (size_t)cl, st[i].rapdu ? r : NULL, (size_t)rl, x);
        if (!has_phrase(x, st[i].phrase)) {
            print_message("step %zu (%s): missing \"%s\" in:\n", i, st[i].capdu, st[i].phrase);
            dump(x);
            fail();
        }
        if (st[i].state != -2 && x->state_after != st[i].state) {
            print_message("step %zu (%s): state %d, want %d\n", i, st[i].capdu, x->state_after,
                          st[i].state);
            dump(x);
            fail();
        }
    }
    free(x);
}

#define KT "000102030405060708090A0B0C0D0E0F"

/* The tutorial on an unfused card (jcop-facts §1, §2; DESIGN §4). */
static const xstep tutorial[] = {
    {"00A4040009A000000167413000FF", "02210033000000004E58303131430003ED103C6A82",
     "FUSE STATE (byte 14) = 00", JC_CS_UNFUSED_IDLE},
    {"00A4040010" KT, "9000", "transport key", JC_CS_ROOT_SELECTED},
    {"00F00000", "9000", "BOOT", JC_CS_BOOTED},
    {"C0B0030510", "000102030405060708090A0B0C0D0E0F9000", "0xC00305, 16 bytes = CM_KEY1",
     JC_CS_BOOTED},
    {"C0B0032110", "000102030405060708090A0B0C0D0E0F9000", "CM_KEY2", JC_CS_BOOTED},
    {"C0B0033D10", "000102030405060708090A0B0C0D0E0F9000", "CM_KEY3", JC_CS_BOOTED},
    {"C0B0040701", "059000", "GPIN_LEN", JC_CS_BOOTED},
    {"C0B0041205", "31323334359000", "= GPIN", JC_CS_BOOTED},
    {"C0D6030101"
     "01",
     "9000", "CM_LIFECYCLE := 01", JC_CS_BOOTED},
    {"C0D6030510404142434445464748494A4B4C4D4E4F", "9000", "WRITE MEMORY 0xC00305", JC_CS_BOOTED},
    {"C0D6960001"
     "00",
     "6B00", "outside the memory window", JC_CS_BOOTED},
    {"00100000", "9000", "PROTECT", JC_CS_BOOTED_PROTECTED},
    {"C0D6030510404142434445464748494A4B4C4D4E4F", "6982", "after PROTECT", JC_CS_BOOTED_PROTECTED},
    {"00000000", "9000", "FUSE is irreversible", JC_CS_OP_READY},
    {"00A4040010" KT, "6A82", "SELECT", JC_CS_OP_READY},
};

static void test_tutorial(void **state)
{
    (void)state;
    run_steps(tutorial, sizeof tutorial / sizeof tutorial[0], -1);
}

/* Unfused with nothing selected: 6A82 to everything; BOOT refused. */
static const xstep unselected[] = {
    {"00F00000", "6A82", "6A82 to everything", JC_CS_UNFUSED_IDLE},
    {"00A4040010" KT, "6A82", "wrong transport key", JC_CS_UNFUSED_IDLE},
};

static void test_unselected(void **state)
{
    (void)state;
    run_steps(unselected, sizeof unselected / sizeof unselected[0], JC_CS_UNFUSED_IDLE);
}

/* SCP02 level 01 (jcop-facts §4, kaoh/globalplatform scp02Test.c trace), then GET STATUS. */
static const xstep scp02[] = {
    {"00A4040008A000000003000000", "6F108408A000000003000000A5049F6501FF9000",
     "Issuer Security Domain", JC_CS_OP_READY},
    {"8050000008D5AD539A60CA5E7200", "000074746E6E6E6262620102069FAA2A0591E73367DD78794D04315E9000",
     "key diversification data 000074746E6E6E626262", JC_CS_OP_READY},
    {"84820100107C799B3C771DBAE6BEF49310977617BA", "9000", "secure channel: open at level 01",
     JC_CS_OP_READY},
    {"84F220020A4F00BB6E71C0EFCFCF0D00", "07A000000003535001009000", "load file A0000000035350",
     JC_CS_OP_READY},
    {"84F28000"
     "0A4F00"
     "0000000000000000"
     "00",
     "08A000000003000000019E9000", "life cycle OP_READY (01), privileges 9E", JC_CS_OP_READY},
    {"80F01080", "9000", "SET STATUS", -2},
    {"80F0800F", "9000", "SECURED cannot be undone", JC_CS_SECURED},
};

static void test_scp02(void **state)
{
    (void)state;
    run_steps(scp02, sizeof scp02 / sizeof scp02[0], JC_CS_OP_READY);
}

static const xstep gp_misc[] = {
    {"80CA9F7F00",
     "9F7F2A4790D6004700000000003244342952208448000000000000000015278234323935320000000000000000000"
     "09000",
     "IC fabricator 4790 (NXP)", -2},
    {"80CA00E000", "E012C00401FF8010C00402FF8010C00403FF80109000",
     "key id 1, version FF, type 80 (DES), 16 bytes", -2},
    {"80CA00CF00", "6A88", "DATA_NOT_FOUND", -2},
    {"84E48000"
     "114F07A0000000035350"
     "0000000000000000",
     "009000", "DELETE A0000000035350", -2},
    {"80500000088877665544332211", "6A88", "INITIALIZE UPDATE", -2},
    {"8482010010"
     "000000000000000011223344556677",
     "9000", "malformed", -2},
};

static void test_gp_misc(void **state)
{
    (void)state;
    run_steps(gp_misc, sizeof gp_misc / sizeof gp_misc[0], JC_CS_OP_READY);
}

/* Bad input never crashes: every prefix of a long APDU, random junk. */
static void test_robust(void **state)
{
    (void)state;
    jh_explainer ex;
    jh_explanation *x = malloc(sizeof *x);
    assert_non_null(x);
    jh_explain_init(&ex, NULL);
    uint8_t buf[300];
    uint32_t seed = 12345;
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(round % 270);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (uint8_t)(seed >> 16);
        }
        if (round % 7 == 0 && n > 2)
            buf[1] = 0xA4;
        int k = jh_explain_exchange(&ex, buf, n, buf, n, x);
        assert_true(k >= 1);
        assert_true(x->n <= JH_XLINES_MAX);
        for (size_t i = 0; i < x->n; i++)
            assert_true(strlen(x->line[i].text) < JH_XLINE_MAX);
    }
    jh_explain_power(&ex, JH_PWR_ON, buf, 1, x);
    jh_explain_power(&ex, JH_PWR_ON, (const uint8_t *)"\x3B\xFF\xFF\xFF", 4, x);
    assert_true(has_phrase(x, "malformed") || has_phrase(x, "shorter") ||
                has_phrase(x, "does not match"));
    free(x);
}

static void test_atr(void **state)
{
    (void)state;
    jh_explainer ex;
    jh_explanation x;
    uint8_t atr[40];
    int n = jh_hex_parse("3BF81300008131FE454A434F5076323431B7", atr, sizeof atr);
    jh_explain_init(&ex, NULL);
    jh_explain_power(&ex, JH_PWR_ON, atr, (size_t)n, &x);
    assert_true(has_phrase(&x, "\"JCOPv241\""));
    assert_true(has_phrase(&x, "TCK B7 correct"));
    atr[n - 1] ^= 1;
    jh_explain_power(&ex, JH_PWR_RESET, atr, (size_t)n, &x);
    assert_true(has_phrase(&x, "WRONG"));
}

static void test_fields(void **state)
{
    (void)state;
    jh_field f;
    uint32_t off;
    assert_int_equal(jh_field_find(NULL, 0xC00321, &f, &off), 0);
    assert_string_equal(f.name, "CM_KEY2");
    assert_int_equal(off, 0);
    assert_int_equal(jh_field_find(NULL, 0xC00415, &f, &off), 0);
    assert_string_equal(f.name, "GPIN");
    assert_int_equal(off, 3);
    assert_int_equal(jh_field_find(NULL, 0xC05000, &f, &off), -1);
    assert_int_equal(jh_profile_cm_lifecycle_addr(NULL), 0xC00301);
    assert_int_equal(jh_field_count("NO-SUCH-CARD"), 0);
}

/* ---- the transcript reader ---------------------------------------------------- */

typedef struct {
    unsigned n_ex, n_pwr;
    char cap[8][80];
    char resp[8][80];
    char plain[8][80];
} collected;

static void hexs(char *o, size_t cap, const uint8_t *b, size_t n)
{
    o[0] = 0;
    for (size_t i = 0; i < n && 2 * i + 2 < cap; i++)
        snprintf(o + 2 * i, 3, "%02X", b[i]);
}

static void on_ev(void *ctx, const jt_event *ev)
{
    collected *c = ctx;
    if (ev->kind != JT_EV_EXCHANGE) {
        c->n_pwr++;
        return;
    }
    if (c->n_ex < 8) {
        hexs(c->cap[c->n_ex], 80, ev->capdu, ev->clen);
        hexs(c->resp[c->n_ex], 80, ev->rapdu, ev->rlen);
        hexs(c->plain[c->n_ex], 80, ev->plain, ev->plen);
    }
    c->n_ex++;
}

static void parse(const char *text, jt_format fmt, collected *c, jt_format *seen)
{
    jt_parser *p = malloc(sizeof *p);
    assert_non_null(p);
    memset(c, 0, sizeof *c);
    jt_parser_init(p, fmt, on_ev, c);
    const char *s = text;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char line[512];
        memcpy(line, s, n);
        line[n] = 0;
        jt_parser_line(p, line);
        s += n + (e ? 1 : 0);
    }
    jt_parser_end(p);
    *seen = p->fmt;
    free(p);
}

static void test_forms(void **state)
{
    (void)state;
    collected c;
    jt_format f;
    /* scriptor 1.6.2 as measured here: echo, "> ", "< " with the SW text, long answers on two lines
     */
    parse("Using T=1 protocol\n00F00000\n> 00 F0 00 00 \n< 6A 82 : Wrong parameter(s) P1-P2. File "
          "not found.\n"
          "> C0 B0 03 05 10 \n< 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n90 00 : Normal "
          "processing.\n",
          JT_FMT_AUTO, &c, &f);
    assert_int_equal(f, JT_FMT_SCRIPTOR);
    assert_int_equal(c.n_ex, 2);
    assert_string_equal(c.cap[0], "00F00000");
    assert_string_equal(c.resp[0], "6A82");
    assert_string_equal(c.resp[1], "000102030405060708090A0B0C0D0E0F9000");
    /* pcscd --debug --apdu */
    parse("00000006 Card ATR: 3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7 \n"
          "00000003 APDU: 00 F0 00 00 \n00043636 SW: 6A 82 \n",
          JT_FMT_AUTO, &c, &f);
    assert_int_equal(f, JT_FMT_PCSCD);
    assert_int_equal(c.n_pwr, 1);
    assert_int_equal(c.n_ex, 1);
    assert_string_equal(c.resp[0], "6A82");
    /* GPShell enable_trace: plain and wrapped command, response, unwrapped response */
    parse("Command --> 80F28000024F00\nWrapped command --> 84F280000A4F001122334455667788\n"
          "Response <-- 08A000000003000000019E9000\nUnwrapped response <-- "
          "08A000000003000000019E9000\n",
          JT_FMT_AUTO, &c, &f);
    assert_int_equal(f, JT_FMT_GPSHELL);
    assert_int_equal(c.n_ex, 1);
    assert_string_equal(c.cap[0], "84F280000A4F001122334455667788");
    assert_string_equal(c.plain[0], "80F28000024F00");
    /* harness transcript */
    parse("-- power on, ATR 3BF81300008131FE454A434F5076323431B7\n=> 00F00000\n<= 6A82  "
          "FILE_NOT_FOUND: x\n",
          JT_FMT_AUTO, &c, &f);
    assert_int_equal(f, JT_FMT_HARNESS);
    assert_int_equal(c.n_pwr, 1);
    assert_string_equal(c.resp[0], "6A82");
    /* jcopsim trace */
    parse("# trace\n/atr 3BF81300008131FE454A434F5076323431B7\n/send 00F00000 6A82\n/reset\n/send "
          "00A4040000 6A82\n",
          JT_FMT_AUTO, &c, &f);
    assert_int_equal(f, JT_FMT_TRACE);
    assert_int_equal(c.n_ex, 2);
    assert_int_equal(c.n_pwr, 2);
    assert_string_equal(c.cap[1], "00A4040000");
    /* junk is ignored, odd hex is not traffic */
    parse("=> 0F0\n=> zz\n<= 9\n", JT_FMT_HARNESS, &c, &f);
    assert_int_equal(c.n_ex, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tutorial), cmocka_unit_test(test_unselected),
        cmocka_unit_test(test_scp02),    cmocka_unit_test(test_gp_misc),
        cmocka_unit_test(test_robust),   cmocka_unit_test(test_atr),
        cmocka_unit_test(test_fields),   cmocka_unit_test(test_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
