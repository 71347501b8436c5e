/*
 * test_jh_session.c: the rules of the host session library (jh_session.h)
 * that jcop-replay, jcop-prepers and jcop-bench share, against a mock reader
 * that keeps the last command it was given and answers a chosen SW.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jc_card.h"
#include "jh_session.h"

typedef struct {
    jh_reader base;
    bool powered;
    uint8_t last[300];
    size_t last_len;
    uint16_t sw;
    int fail; /* transmit returns this when < 0 */
    int state;
} mock;

static int m_power_on(jh_reader *b, uint8_t *atr, size_t cap)
{
    mock *m = (mock *)b;
    m->powered = true;
    m->state = JC_CS_UNFUSED_IDLE;
    assert_true(cap >= 2);
    atr[0] = 0x3B;
    atr[1] = 0x00;
    return 2;
}

static int m_reset(jh_reader *b, uint8_t *atr, size_t cap)
{
    return m_power_on(b, atr, cap);
}

static void m_power_off(jh_reader *b)
{
    ((mock *)b)->powered = false;
    ((mock *)b)->state = JC_CS_OFF;
}

static bool m_powered(const jh_reader *b)
{
    return ((const mock *)b)->powered;
}

static int m_transmit(jh_reader *b, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    mock *m = (mock *)b;
    if (m->fail < 0) {
        snprintf(b->err, sizeof b->err, "mock reader unplugged");
        return m->fail;
    }
    assert_true(n <= sizeof m->last && cap >= 4);
    memcpy(m->last, c, n);
    m->last_len = n;
    r[0] = 0xAB;
    r[1] = 0xCD;
    r[2] = (uint8_t)(m->sw >> 8);
    r[3] = (uint8_t)m->sw;
    return 4;
}

static int m_state(const jh_reader *b)
{
    return ((const mock *)b)->state;
}

static void m_set_sink(jh_reader *b, jh_entry *e)
{
    (void)b;
    (void)e;
}

static void m_close(jh_reader *b)
{
    (void)b;
}

static const jh_reader_ops mock_ops = {
    .kind = "mock",
    .power_on = m_power_on,
    .reset = m_reset,
    .power_off = m_power_off,
    .powered = m_powered,
    .transmit = m_transmit,
    .state = m_state,
    .set_sink = m_set_sink,
    .close = m_close,
};

typedef struct {
    mock m;
    jh_session s;
    jh_transcript t;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->m.base.ops = &mock_ops;
    f->m.sw = 0x9000;
    assert_int_equal(jh_session_init(&f->s, &f->m.base), 0);
    assert_int_equal(jh_transcript_init(&f->t, "t", "test", "mock"), 0);
    uint8_t atr[33];
    assert_int_equal(jh_session_power(&f->s, NULL, JH_SES_POWER_ON, atr, sizeof atr), 2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    jh_session_free(&f->s);
    jh_transcript_free(&f->t);
    free(f);
    return 0;
}

/* A channel as EXTERNAL AUTHENTICATE leaves it (keys zero: the bytes of the
 * MAC do not matter here, only that the command is wrapped). */
static void open_channel(jh_session *s)
{
    s->sc.phase = JC_SCP02_OPEN;
    s->sc.level = JC_SCP02_LEVEL_CMAC;
}

static const uint8_t gp_cmd[] = {0x80, 0xF2, 0x80, 0x02, 0x02, 0x4F, 0x00, 0x00};
static const uint8_t iso_cmd[] = {0x00, 0xB0, 0x00, 0x00, 0x10};
static const uint8_t select_cmd[] = {0x00, 0xA4, 0x04, 0x00, 0x00};

static void test_wrap_rules(void **state)
{
    fx *f = *state;
    /* no channel: as written */
    assert_int_equal(jh_session_wrap(&f->s, gp_cmd, sizeof gp_cmd, JH_WRAP_AUTO), 0);
    assert_false(f->s.wrapped);
    assert_memory_equal(f->s.wire, gp_cmd, sizeof gp_cmd);
    open_channel(&f->s);
    /* GP class under AUTO: wrapped (CLA 84, 8-byte C-MAC, Lc + 8) */
    assert_int_equal(jh_session_wrap(&f->s, gp_cmd, sizeof gp_cmd, JH_WRAP_AUTO), 0);
    assert_true(f->s.wrapped);
    assert_int_equal(f->s.wire[0], 0x84);
    assert_int_equal(f->s.wire_len, sizeof gp_cmd + 8);
    /* ISO class under AUTO: as written; under ALWAYS: wrapped; NEVER: never */
    assert_int_equal(jh_session_wrap(&f->s, iso_cmd, sizeof iso_cmd, JH_WRAP_AUTO), 0);
    assert_false(f->s.wrapped);
    assert_int_equal(jh_session_wrap(&f->s, iso_cmd, sizeof iso_cmd, JH_WRAP_ALWAYS), 0);
    assert_true(f->s.wrapped);
    assert_int_equal(f->s.wire[0], 0x04);
    assert_int_equal(jh_session_wrap(&f->s, gp_cmd, sizeof gp_cmd, JH_WRAP_NEVER), 0);
    assert_false(f->s.wrapped);
    /* a command already carrying the SM bit goes out as written */
    static const uint8_t ea[] = {0x84, 0x82, 0x01, 0x00, 0x10, 1, 2, 3, 4, 5, 6,
                                 7,    8,    1,    2,    3,    4, 5, 6, 7, 8};
    assert_int_equal(jh_session_wrap(&f->s, ea, sizeof ea, JH_WRAP_ALWAYS), 0);
    assert_false(f->s.wrapped);
    assert_memory_equal(f->s.wire, ea, sizeof ea);
    assert_true(jh_session_is_open(&f->s));
}

static void test_channel_ends(void **state)
{
    fx *f = *state;
    uint8_t r[16];
    /* a SELECT ends it */
    open_channel(&f->s);
    assert_int_equal(
        jh_session_exchange(&f->s, NULL, select_cmd, sizeof select_cmd, JH_WRAP_AUTO, 0, r, 16), 4);
    assert_false(jh_session_is_open(&f->s));
    /* 6982 to a wrapped command ends it; 6982 to a plain one does not */
    open_channel(&f->s);
    f->m.sw = 0x6982;
    assert_int_equal(
        jh_session_exchange(&f->s, NULL, iso_cmd, sizeof iso_cmd, JH_WRAP_AUTO, 0, r, 16), 4);
    assert_true(jh_session_is_open(&f->s));
    assert_int_equal(
        jh_session_exchange(&f->s, NULL, gp_cmd, sizeof gp_cmd, JH_WRAP_AUTO, 0, r, 16), 4);
    assert_false(jh_session_is_open(&f->s));
    /* a hand-written INITIALIZE UPDATE ends it and is never wrapped */
    f->m.sw = 0x9000;
    open_channel(&f->s);
    static const uint8_t iu[] = {0x80, 0x50, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00};
    assert_int_equal(jh_session_wrap(&f->s, iu, sizeof iu, JH_WRAP_ALWAYS), 0);
    assert_false(f->s.wrapped);
    assert_false(jh_session_is_open(&f->s));
    /* the session's own INITIALIZE UPDATE keeps the channel it starts */
    uint8_t apdu[16], chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int n = jh_session_init_update(&f->s, 0, chal, apdu, sizeof apdu);
    assert_true(n > 0);
    assert_int_equal(jh_session_wrap(&f->s, apdu, (size_t)n, JH_WRAP_AUTO), 0);
    assert_memory_equal(f->s.sc.host_chal, chal, 8); /* kept for the card's cryptogram */
    /* ... but sent again by hand it is foreign: the host's half is cleared */
    assert_int_equal(jh_session_wrap(&f->s, apdu, (size_t)n, JH_WRAP_AUTO), 0);
    assert_int_equal(f->s.sc.host_chal[0], 0);
    /* power ends it */
    open_channel(&f->s);
    uint8_t atr[33];
    assert_int_equal(jh_session_power(&f->s, NULL, JH_SES_RESET, atr, sizeof atr), 2);
    assert_false(jh_session_is_open(&f->s));
}

static void test_record_and_mask(void **state)
{
    fx *f = *state;
    uint8_t r[16];
    static const uint8_t sel_kt[] = {0x00, 0xA4, 0x04, 0x00, 0x03, 0x11, 0x22, 0x33};
    jh_entry *e = jh_transcript_add(&f->t, "f", 1, "select", JH_ENTRY_APDU);
    assert_int_equal(jh_session_exchange(&f->s, e, sel_kt, sizeof sel_kt, JH_WRAP_AUTO,
                                         JH_SES_MASK_CDATA, r, sizeof r),
                     4);
    /* the card got the real bytes; the transcript holds 2A for the data */
    assert_memory_equal(f->m.last, sel_kt, sizeof sel_kt);
    static const uint8_t masked[] = {0x00, 0xA4, 0x04, 0x00, 0x03, 0x2A, 0x2A, 0x2A};
    assert_int_equal(e->capdu_len, sizeof masked);
    assert_memory_equal(e->capdu, masked, sizeof masked);
    assert_memory_equal(e->plain, masked, sizeof masked);
    assert_true(e->masked & JH_MASK_CDATA);
    assert_int_equal(e->sw, 0x9000);
    assert_true(e->has_state);
    /* an answer's data masked, SW kept */
    e = jh_transcript_add(&f->t, "f", 2, "read", JH_ENTRY_APDU);
    assert_int_equal(jh_session_exchange(&f->s, e, iso_cmd, sizeof iso_cmd, JH_WRAP_AUTO,
                                         JH_SES_MASK_RDATA, r, sizeof r),
                     4);
    static const uint8_t rmasked[] = {0x2A, 0x2A, 0x90, 0x00};
    assert_memory_equal(e->rapdu, rmasked, sizeof rmasked);
    assert_memory_equal(e->capdu, iso_cmd, sizeof iso_cmd);
    /* the judge: one message */
    jh_session_judge(e, "6A82", r, 4);
    assert_int_equal(e->verdict, JH_VERDICT_FAIL);
    assert_string_equal(e->message, "expected 6A82, got ABCD9000");
    /* a transport failure: the reader's reason, one text */
    f->m.fail = JC_ERR_IO;
    e = jh_transcript_add(&f->t, "f", 3, "x", JH_ENTRY_APDU);
    assert_true(
        jh_session_exchange(&f->s, e, iso_cmd, sizeof iso_cmd, JH_WRAP_AUTO, 0, r, sizeof r) < 0);
    assert_string_equal(f->s.err, "transmit failed: mock reader unplugged");
    assert_int_equal(e->verdict, JH_VERDICT_ERROR);
    assert_string_equal(e->message, "transmit failed: mock reader unplugged");
}

static int failing_rand(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    (void)out;
    (void)n;
    return JC_ERR_RANDOM;
}

/* One source of host challenges: seeded = repeatable, else the system's,
 * whose failure is an error with its reason (never a fallback). */
static void test_challenge(void **state)
{
    fx *f = *state;
    uint8_t a[8], b[8];
    f->s.sysrand = failing_rand;
    memset(a, 0x55, sizeof a);
    assert_int_equal(jh_session_challenge(&f->s, a, sizeof a), JC_ERR_RANDOM);
    assert_non_null(strstr(f->s.err, "the system random source failed"));
    jh_session t;
    assert_int_equal(jh_session_init(&t, &f->m.base), 0);
    f->s.seed = t.seed = 42;
    assert_int_equal(jh_session_challenge(&f->s, a, sizeof a), 0);
    assert_int_equal(jh_session_challenge(&t, b, sizeof b), 0);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(jh_session_challenge(&t, b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a); /* the next one differs */
    jh_session_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wrap_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_channel_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_and_mask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_challenge, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
