/*
 * test_jh_run.c: the runner against a scripted mock reader and against the
 * in-process card. Covers: the irreversible-command guard (refused, nothing
 * sent; sent with --allow-irreversible), the host side of SCP02 with the
 * published kaoh/globalplatform card traces (SOURCES.md S13, S12 appendix E) (level 01 and
 * 03: EXTERNAL AUTHENTICATE and the wrapped GET STATUS byte for byte), wrong
 * keys, run-time variables, exit statuses 0/1/2/3, stop vs keep-going, and a
 * pre-personalization on the real in-process card with its state tracking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_hex.h"
#include "jh_reader.h"
#include "jh_run.h"
#include "jh_script.h"
#include "jh_util.h"

/* ---------------------------------------------------------------- mock reader */

typedef struct {
    const char *c; /* expected C-APDU hex, NULL = accept anything */
    const char *r; /* R-APDU hex */
} exch;

typedef struct {
    jh_reader base;
    const exch *ex;
    size_t n, i;
    int transmits;
    bool powered;
    bool fail_transmit;
    char sent[64][600];
} mock;

static int m_power_on(jh_reader *b, uint8_t *atr, size_t cap)
{
    mock *m = (mock *)b;
    m->powered = true;
    static const uint8_t a[] = {0x3B, 0x80, 0x80, 0x01, 0x01};
    memcpy(atr, a, sizeof a);
    return sizeof a;
}
static void m_power_off(jh_reader *b)
{
    ((mock *)b)->powered = false;
}
static bool m_powered(const jh_reader *b)
{
    return ((const mock *)b)->powered;
}
static int m_transmit(jh_reader *b, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    mock *m = (mock *)b;
    if (m->fail_transmit) {
        snprintf(b->err, sizeof b->err, "mock transport failure");
        return JC_ERR_IO;
    }
    if (m->transmits < 64)
        jc_hex_encode(c, n, m->sent[m->transmits]);
    m->transmits++;
    const char *resp = "6F00";
    if (m->i < m->n) {
        const exch *e = &m->ex[m->i++];
        char hex[600];
        jc_hex_encode(c, n, hex);
        if (!e->c || !strcmp(e->c, hex))
            resp = e->r;
        else
            print_message("mock: expected %s, got %s\n", e->c, hex);
    }
    return jh_unhex(resp, (size_t)-1, r, cap);
}
static int m_state(const jh_reader *b)
{
    return -1;
}
static void m_set_sink(jh_reader *b, jh_entry *e) {}
static void m_close(jh_reader *b) {}

static const jh_reader_ops mock_ops = {
    .kind = "mock",
    .power_on = m_power_on,
    .reset = m_power_on,
    .power_off = m_power_off,
    .powered = m_powered,
    .transmit = m_transmit,
    .state = m_state,
    .set_sink = m_set_sink,
    .close = m_close,
};

static void mock_init(mock *m, const exch *ex, size_t n, bool guard)
{
    memset(m, 0, sizeof *m);
    m->base.ops = &mock_ops;
    m->base.guard_irreversible = guard;
    snprintf(m->base.desc, sizeof m->base.desc, "pcsc \"Mock Reader\"");
    m->ex = ex;
    m->n = n;
}

static int run_text(jh_reader *rd, const char *text, const jh_run_opts *o, jh_transcript *t)
{
    jh_script s;
    int rc = jh_script_parse_text(&s, "t.jcsh", text, "jcsh");
    if (rc != 0)
        fail_msg("parse: %s:%u: %s", s.err_file, s.err_line, s.err);
    jh_transcript_init(t, "t.jcsh", "jcsh", rd->desc);
    rc = jh_run(rd, &s, o, t);
    jh_script_free(&s);
    if (getenv("JH_TEST_VERBOSE")) {
        for (size_t i = 0; i < t->n_entries; i++)
            print_message("entry %zu line %u %s: %s\n", i, t->entries[i].line, t->entries[i].verb,
                          t->entries[i].message ? t->entries[i].message : "-");
        if (t->error)
            print_message("error: %s\n", t->error);
    }
    return rc;
}

/* ---------------------------------------------------------------- the guard */

static void test_irreversible_table(void **state)
{
    static const struct {
        const char *hex;
        bool danger;
    } cases[] = {
        {"00000000", true},      {"0000000000", true}, {"00000000000000", true},
        {"0000", true},          {"00100000", true},   {"80F08007", true},
        {"80F0800F", true},      {"84F0807F", true},   {"84F080FF0000000000000000", true},
        {"80F08001", false},     {"80F04080", false},  {"80F0400F", false},
        {"00A4040000", false},   {"00F00000", false},  {"00100100", false},
        {"C0D603050101", false}, {"01000000", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[32];
        int n = jh_unhex(cases[i].hex, (size_t)-1, b, sizeof b);
        const char *d = jh_irreversible(b, (size_t)n);
        if ((d != NULL) != cases[i].danger)
            fail_msg("%s: %s", cases[i].hex, d ? d : "not irreversible");
    }
}

static void test_guard_refuses(void **state)
{
    static const exch ex[] = {{.c = "00A4040000", .r = "9000"}, {.c = "80F08001", .r = "9000"}};
    mock m;
    mock_init(&m, ex, 2, true);
    jh_run_opts o = {.keep_going = true};
    jh_transcript t;
    int rc = run_text(&m.base,
                      "/send 00A4040000 9000\n"
                      "/send 00000000 9000\n"
                      "/send 00100000 9000\n"
                      "/send 80F0800F\n"
                      "/send 84F080FF\n"
                      "/send 80F08001\n",
                      &o, &t);
    assert_int_equal(rc, JH_EXIT_FAIL);
    assert_int_equal(m.transmits, 2); /* only the two safe commands reached the reader */
    assert_string_equal(m.sent[0], "00A4040000");
    assert_string_equal(m.sent[1], "80F08001");
    int refused = 0;
    for (size_t i = 0; i < t.n_entries; i++) {
        if (t.entries[i].kind != JH_ENTRY_REFUSED)
            continue;
        refused++;
        assert_int_equal(t.entries[i].verdict, JH_VERDICT_ERROR);
        assert_non_null(strstr(t.entries[i].message, "--allow-irreversible"));
        assert_non_null(strstr(t.entries[i].message, "nothing was sent"));
    }
    assert_int_equal(refused, 4);
    assert_int_equal(t.entries[2].line, 2);
    jh_transcript_free(&t);

    /* stop at the first refusal by default */
    mock_init(&m, ex, 2, true);
    jh_run_opts o2 = {0};
    rc = run_text(&m.base, "/send 00000000\n/send 00A4040000\n", &o2, &t);
    assert_int_equal(rc, JH_EXIT_FAIL);
    assert_int_equal(m.transmits, 0);
    jh_transcript_free(&t);

    /* allowed explicitly */
    static const exch ex2[] = {{.c = "00100000", .r = "9000"}, {.c = "00000000", .r = "9000"}};
    mock_init(&m, ex2, 2, true);
    jh_run_opts o3 = {.allow_irreversible = true};
    rc = run_text(&m.base, "/send 00100000 9000\n/send 00000000 9000\n", &o3, &t);
    assert_int_equal(rc, JH_EXIT_OK);
    assert_int_equal(m.transmits, 2);
    jh_transcript_free(&t);

    /* an unguarded backend (the in-process card) needs no flag */
    mock_init(&m, ex2, 2, false);
    rc = run_text(&m.base, "/send 00100000 9000\n/send 00000000 9000\n", &o2, &t);
    assert_int_equal(rc, JH_EXIT_OK);
    assert_int_equal(m.transmits, 2);
    jh_transcript_free(&t);
}

/* ---------------------------------------------------------------- SCP02 host side */

static void test_scp02_level01_vector(void **state)
{
    /* kaoh/globalplatform scp02Test.c trace, keys 40..4F (SOURCES.md S13) */
    static const exch ex[] = {
        {.c = "8050000008D5AD539A60CA5E7200",
         .r = "000074746E6E6E6262620102069FAA2A0591E73367DD78794D04315E9000"},
        {.c = "84820100107C799B3C771DBAE6BEF49310977617BA", .r = "9000"},
        {.c = "84F220020A4F00BB6E71C0EFCFCF0D00", .r = "9000"},
    };
    static const uint8_t hc[8] = {0xD5, 0xAD, 0x53, 0x9A, 0x60, 0xCA, 0x5E, 0x72};
    mock m;
    mock_init(&m, ex, 3, false);
    jh_run_opts o = {.host_challenge = hc};
    jh_transcript t;
    int rc = run_text(&m.base,
                      "set-key 1/1/DES-ECB/404142434445464748494A4B4C4D4E4F "
                      "1/2/DES-ECB/404142434445464748494A4B4C4D4E4F "
                      "1/3/DES-ECB/404142434445464748494A4B4C4D4E4F\n"
                      "init-update 0\n"
                      "ext-auth mac\n"
                      "/send 80F22002024F0000 9000\n",
                      &o, &t);
    assert_int_equal(m.transmits, 3);
    assert_string_equal(m.sent[0], "8050000008D5AD539A60CA5E7200");
    assert_string_equal(m.sent[1], "84820100107C799B3C771DBAE6BEF49310977617BA");
    assert_string_equal(m.sent[2], "84F220020A4F00BB6E71C0EFCFCF0D00");
    assert_int_equal(rc, JH_EXIT_OK);
    const jh_entry *last = &t.entries[t.n_entries - 1];
    assert_true(last->wrapped);
    char plain[64];
    jc_hex_encode(last->plain, last->plain_len, plain);
    assert_string_equal(plain, "80F22002024F0000");
    jh_transcript_free(&t);
}

static void test_scp02_raw_commands_not_wrapped(void **state)
{
    /* after ext-auth: a hand-written CLA 84 command and a new INITIALIZE
     * UPDATE go out as written; the INITIALIZE UPDATE ends the host session,
     * so the CLA 80 command after it is not wrapped either */
    static const exch ex[] = {
        {.c = "8050000008D5AD539A60CA5E7200",
         .r = "000074746E6E6E6262620102069FAA2A0591E73367DD78794D04315E9000"},
        {.c = "84820100107C799B3C771DBAE6BEF49310977617BA", .r = "9000"},
        {.c = "84F2800000", .r = "6982"},
        {.c = "8050000008010203040506070800", .r = "6A88"},
        {.c = "80F28000024F0000", .r = "6982"},
    };
    static const uint8_t hc[8] = {0xD5, 0xAD, 0x53, 0x9A, 0x60, 0xCA, 0x5E, 0x72};
    mock m;
    mock_init(&m, ex, 5, false);
    jh_run_opts o = {.host_challenge = hc};
    jh_transcript t;
    int rc = run_text(&m.base,
                      "set-key 1/404142434445464748494A4B4C4D4E4F\n"
                      "init-update\n"
                      "ext-auth mac\n"
                      "/send 84F2800000 6982\n"
                      "/send 8050000008010203040506070800 6A88\n"
                      "/send 80F28000024F0000 6982\n",
                      &o, &t);
    assert_int_equal(rc, JH_EXIT_OK);
    assert_int_equal(m.transmits, 5);
    assert_string_equal(m.sent[2], "84F2800000");
    assert_string_equal(m.sent[3], "8050000008010203040506070800");
    assert_string_equal(m.sent[4], "80F28000024F0000");
    jh_transcript_free(&t);
}

/* `ext-auth mac le`: the published level-01 EXTERNAL AUTHENTICATE (SOURCES.md S13,
 * kaoh/globalplatform scp02Test.c) with Le=00 appended, as GlobalPlatformPro sends it. The C-MAC
 * covers the header and the host cryptogram, never Le (GP211 §E.4.4), so the MAC and the next
 * wrapped command (whose ICV chains from it) are the published bytes unchanged. */
static void test_scp02_ext_auth_with_le(void **state)
{
    static const exch ex[] = {
        {.c = "8050000008D5AD539A60CA5E7200",
         .r = "000074746E6E6E6262620102069FAA2A0591E73367DD78794D04315E9000"},
        {.c = "84820100107C799B3C771DBAE6BEF49310977617BA00", .r = "9000"},
        {.c = "84F220020A4F00BB6E71C0EFCFCF0D00", .r = "9000"},
    };
    static const uint8_t hc[8] = {0xD5, 0xAD, 0x53, 0x9A, 0x60, 0xCA, 0x5E, 0x72};
    mock m;
    mock_init(&m, ex, 3, false);
    jh_run_opts o = {.host_challenge = hc};
    jh_transcript t;
    int rc = run_text(&m.base,
                      "set-key 1/404142434445464748494A4B4C4D4E4F\n"
                      "init-update 0\n"
                      "ext-auth mac le\n"
                      "/send 80F22002024F0000 9000\n",
                      &o, &t);
    assert_int_equal(rc, JH_EXIT_OK);
    assert_int_equal(m.transmits, 3);
    assert_string_equal(m.sent[1], "84820100107C799B3C771DBAE6BEF49310977617BA00");
    assert_string_equal(m.sent[2], "84F220020A4F00BB6E71C0EFCFCF0D00");
    jh_transcript_free(&t);
}

static void test_scp02_level03_vector(void **state)
{
    static const exch ex[] = {
        {.c = "8050000008EBAA9E53C696281B00",
         .r = "000074746E6E6E626262010206A15086BBEE58F467149061DA4B6EAE9000"},
        {.c = "848203001005814C116071EB67D8BA9D9879454564", .r = "9000"},
    };
    static const uint8_t hc[8] = {0xEB, 0xAA, 0x9E, 0x53, 0xC6, 0x96, 0x28, 0x1B};
    mock m;
    mock_init(&m, ex, 2, false);
    jh_run_opts o = {.host_challenge = hc};
    jh_transcript t;
    /* GPShell form: keys given directly, KVN 0 = first set */
    jh_script s;
    assert_int_equal(
        jh_script_parse_text(
            &s, "t.gpsh",
            "open_sc -security 3 -keyind 0 -keyver 0 -key 404142434445464748494A4B4C4D4E4F\n",
            "gpsh"),
        0);
    jh_transcript_init(&t, "t.gpsh", "gpsh", "mock");
    int rc = jh_run(&m.base, &s, &o, &t);
    assert_int_equal(rc, JH_EXIT_OK);
    assert_int_equal(m.transmits, 2);
    assert_string_equal(m.sent[1], "848203001005814C116071EB67D8BA9D9879454564");
    jh_script_free(&s);
    jh_transcript_free(&t);
}

static void test_scp02_wrong_keys(void **state)
{
    static const exch ex[] = {
        {.c = "8050000008D5AD539A60CA5E7200",
         .r = "000074746E6E6E6262620102069FAA2A0591E73367DD78794D04315E9000"},
    };
    static const uint8_t hc[8] = {0xD5, 0xAD, 0x53, 0x9A, 0x60, 0xCA, 0x5E, 0x72};
    mock m;
    mock_init(&m, ex, 1, false);
    jh_run_opts o = {.host_challenge = hc};
    jh_transcript t;
    int rc = run_text(
        &m.base,
        "set-key 1/404142434445464748494A4B4C4D4C4F\n" /* 4C vs 4E: not just the parity bit */
        "init-update\n"
        "ext-auth\n",
        &o, &t);
    assert_int_equal(rc, JH_EXIT_FAIL);
    assert_int_equal(m.transmits, 1); /* EXTERNAL AUTHENTICATE is not sent */
    const jh_entry *e = &t.entries[t.n_entries - 1];
    assert_int_equal(e->verdict, JH_VERDICT_FAIL);
    assert_non_null(strstr(e->message, "card cryptogram does not verify"));
    jh_transcript_free(&t);

    /* ext-auth without init-update is a script error (exit 2) */
    mock_init(&m, ex, 0, false);
    jh_run_opts o2 = {0};
    rc = run_text(&m.base, "/echo x\next-auth mac\n", &o2, &t);
    assert_int_equal(rc, JH_EXIT_SCRIPT);
    assert_int_equal(t.error_line, 2);
    assert_non_null(strstr(t.error, "init-update"));
    jh_transcript_free(&t);
}

/* The system random source failing: the run stops with exit 3 before any
 * INITIALIZE UPDATE is sent, never with a predictable host challenge. */
static int failing_rand(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    memset(out, 0x55, n); /* what a silent fallback would send */
    return JC_ERR_RANDOM;
}

static void test_host_random_fails_loudly(void **state)
{
    (void)state;
    mock m;
    mock_init(&m, NULL, 0, false);
    jh_run_opts o = {.sysrand = failing_rand};
    jh_transcript t;
    int rc = run_text(&m.base, "set-key 1/404142434445464748494A4B4C4D4E4F\ninit-update\n", &o, &t);
    assert_int_equal(rc, JH_EXIT_ENV);
    assert_int_equal(m.transmits, 0);
    assert_non_null(t.error);
    assert_non_null(strstr(t.error, "random source failed"));
    jh_transcript_free(&t);
}

/* ---------------------------------------------------------------- variables, statuses */

static void test_runtime_variables(void **state)
{
    static const exch ex[] = {
        {.c = "80CA9F7F00", .r = "0A0B6310"},
        {.c = "00D600000A0B", .r = "9000"},
        {.c = "00D600009000", .r = "9000"},
        {.c = "00D60000900A0B", .r = "9000"},
    };
    mock m;
    mock_init(&m, ex, 4, false);
    jh_run_opts o = {0};
    jh_transcript t;
    int rc = run_text(&m.base,
                      "/send 80CA9F7F00 *63??\n"
                      "/set-var SAVED ${data}\n"
                      "/send 00D60000${SAVED} 9000\n"
                      "/send 00D60000${sw} ${sw}|9000\n"
                      "/send 00D60000${sw1}${SAVED}\n"
                      "/echo ${response}\n",
                      &o, &t);
    assert_int_equal(rc, JH_EXIT_OK);
    assert_int_equal(m.transmits, 4);
    assert_string_equal(t.entries[t.n_entries - 1].note, "9000");
    jh_transcript_free(&t);

    mock_init(&m, ex, 0, false);
    rc = run_text(&m.base, "/echo start\n/send 00A40400${NOPE}\n/send 00A4040000\n", &o, &t);
    assert_int_equal(rc, JH_EXIT_SCRIPT);
    assert_int_equal(t.error_line, 2);
    assert_string_equal(t.error_file, "t.jcsh");
    assert_non_null(strstr(t.error, "NOPE"));
    assert_int_equal(m.transmits, 0);
    jh_transcript_free(&t);

    /* bad hex after expansion */
    mock_init(&m, ex, 0, false);
    rc = run_text(&m.base, "/set-var X 0G\n/send 00A40400${X}\n", &o, &t);
    assert_int_equal(rc, JH_EXIT_SCRIPT);
    assert_int_equal(t.error_line, 2);
    jh_transcript_free(&t);
}

static void test_statuses(void **state)
{
    static const exch ex[] = {{.r = "6A82"}, {.r = "9000"}, {.r = "9000"}};
    mock m;
    jh_transcript t;
    /* stop at the first failure */
    mock_init(&m, ex, 3, false);
    jh_run_opts o = {0};
    int rc = run_text(&m.base, "/send 00A4040000 9000\n/send 00A4040000 9000\n", &o, &t);
    assert_int_equal(rc, JH_EXIT_FAIL);
    assert_int_equal(m.transmits, 1);
    const jh_entry *e = &t.entries[t.n_entries - 1];
    assert_int_equal(e->line, 1);
    assert_string_equal(e->message, "expected 9000, got 6A82");
    assert_int_equal(t.n_fail, 1);
    jh_transcript_free(&t);
    /* keep going */
    mock_init(&m, ex, 3, false);
    jh_run_opts o2 = {.keep_going = true};
    rc = run_text(&m.base, "/send 00A4040000 9000\n/send 00A4040000 9000\n/send 00A4040000\n", &o2,
                  &t);
    assert_int_equal(rc, JH_EXIT_FAIL);
    assert_int_equal(m.transmits, 3);
    jh_transcript_count(&t);
    assert_int_equal(t.n_pass, 1);
    assert_int_equal(t.n_fail, 1);
    assert_int_equal(t.n_unjudged, 2); /* the unjudged send and the automatic power-on */
    jh_transcript_free(&t);
    /* transport failure: environment error */
    mock_init(&m, ex, 3, false);
    m.fail_transmit = true;
    rc = run_text(&m.base, "/send 00A4040000 9000\n", &o, &t);
    assert_int_equal(rc, JH_EXIT_ENV);
    assert_non_null(strstr(t.error, "mock transport failure"));
    jh_transcript_free(&t);
    /* the ATR is judged too */
    mock_init(&m, ex, 0, false);
    rc = run_text(&m.base, "/atr 3B808001??\n/atr 3BF8*\n", &o, &t);
    assert_int_equal(rc, JH_EXIT_FAIL);
    assert_int_equal(t.entries[0].verdict, JH_VERDICT_PASS);
    assert_int_equal(t.entries[1].verdict, JH_VERDICT_FAIL);
    jh_transcript_free(&t);
}

/* ---------------------------------------------------------------- in-process card */

static void test_in_process_prepers(void **state)
{
    static const uint8_t kt[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    jh_card_opts co = {.kt = kt, .seed = 42};
    jh_reader *rd;
    char err[256];
    assert_int_equal(jh_reader_card_open(&rd, &co, err, sizeof err), 0);
    assert_false(rd->guard_irreversible);
    assert_non_null(strstr(rd->desc, "memory-only"));
    jh_run_opts o = {.seed = 42};
    jh_transcript t;
    int rc = run_text(rd,
                      "/atr 3BF81300008131FE454A434F5076323431B7\n"
                      "/identify ????????????????????????????00*6A82\n"
                      "/select 000102030405060708090A0B0C0D0E0F 9000\n"
                      "/send 00F00000 9000\n"
                      "/send C0D6030510404142434445464748494A4B4C4D4E4F 9000\n"
                      "/send C0B0030510 404142434445464748494A4B4C4D4E4F9000\n"
                      "/send 00100000 9000\n"
                      "/send 00000000 9000\n"
                      "/atr\n"
                      "/identify ????????????????????????????01*6A82\n",
                      &o, &t);
    if (rc != 0)
        jh_transcript_count(&t);
    assert_int_equal(rc, JH_EXIT_OK);
    assert_int_equal(t.n_fail, 0);
    /* state tracking: BOOT entered the booted state, FUSE the fused one */
    const jh_entry *boot = &t.entries[3];
    assert_true(boot->has_state);
    assert_int_equal(boot->state_before, JC_CS_ROOT_SELECTED);
    assert_int_equal(boot->state_after, JC_CS_BOOTED);
    const jh_entry *fuse = &t.entries[7];
    assert_int_equal(fuse->state_after, JC_CS_OP_READY);
    assert_non_null(strstr(t.entries[1].note, "unfused"));
    assert_non_null(strstr(t.entries[9].note, "fused"));
    jh_transcript_free(&t);
    jh_reader_close(rd);

    /* a wrong KT: the script fails where expected, at its line */
    assert_int_equal(jh_reader_card_open(&rd, &co, err, sizeof err), 0);
    rc = run_text(rd, "/atr\n/select 0F0E0D0C0B0A09080706050403020100 9000\n/send 00F00000 9000\n",
                  &o, &t);
    assert_int_equal(rc, JH_EXIT_FAIL);
    assert_int_equal(t.entries[t.n_entries - 1].line, 2);
    assert_string_equal(t.entries[t.n_entries - 1].message, "expected 9000, got 6A82");
    jh_transcript_free(&t);
    jh_reader_close(rd);

    /* an unusable image is an environment error */
    jh_card_opts bad = {.image = "/proc/version"};
    assert_true(jh_reader_card_open(&rd, &bad, err, sizeof err) < 0);
    assert_non_null(strstr(err, "/proc/version"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_irreversible_table),
        cmocka_unit_test(test_guard_refuses),
        cmocka_unit_test(test_scp02_level01_vector),
        cmocka_unit_test(test_scp02_raw_commands_not_wrapped),
        cmocka_unit_test(test_scp02_ext_auth_with_le),
        cmocka_unit_test(test_scp02_level03_vector),
        cmocka_unit_test(test_scp02_wrong_keys),
        cmocka_unit_test(test_host_random_fails_loudly),
        cmocka_unit_test(test_runtime_variables),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_in_process_prepers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
