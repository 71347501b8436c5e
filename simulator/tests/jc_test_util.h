/*
 * jc_test_util.h: helpers shared by the card-core tests: hex parsing, a
 * deterministic random source, a trace recorder, and "send this hex APDU and
 * return the response as hex" on an in-process card. Header-only (static
 * inline) so each test_*.c stays one program.
 */
#ifndef JC_TEST_UTIL_H
#define JC_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jc_card.h"
#include "jc_image.h"
#include "jc_state.h"

/* Parse hex (spaces allowed) into out; returns the byte count or -1. */
static inline int tu_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else if (*p == ' ')
            continue;
        else
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (int)n : -1;
}

static inline void tu_tohex(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Deterministic random source: xorshift64* seeded by the context. */
typedef struct {
    uint64_t s;
} tu_rng;

static inline int tu_random(void *ctx, uint8_t *out, size_t n)
{
    tu_rng *r = ctx;
    for (size_t i = 0; i < n; i++) {
        r->s ^= r->s >> 12;
        r->s ^= r->s << 25;
        r->s ^= r->s >> 27;
        out[i] = (uint8_t)((r->s * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return 0;
}

/* Trace recorder: counts events per kind and keeps the last warning. */
typedef struct {
    unsigned count[16];
    char last_warn[128];
    int last_old, last_new;
} tu_trace;

static inline void tu_trace_cb(void *ctx, const jc_event *ev)
{
    tu_trace *t = ctx;
    if ((unsigned)ev->kind < 16)
        t->count[ev->kind]++;
    if (ev->kind == JC_EV_WARN && ev->text)
        snprintf(t->last_warn, sizeof(t->last_warn), "%s", ev->text);
    if (ev->kind == JC_EV_STATE) {
        t->last_old = ev->old_state;
        t->last_new = ev->new_state;
    }
}

/* The transport key all fixtures use. */
#define TU_KT_HEX "404142434445464748494A4B4C4D4E4F"

/* A new unfused card of the given profile (NULL = default), KT TU_KT_HEX. */
static inline void tu_new_state(jc_pstate *st, const char *profile, uint64_t seed)
{
    uint8_t kt[16];
    tu_rng rng = {.s = seed ? seed : 1};
    assert_int_equal(tu_hex(TU_KT_HEX, kt, sizeof(kt)), 16);
    assert_int_equal(jc_pstate_init(st, profile, kt, tu_random, &rng), 0);
}

/* Send a hex C-APDU; the R-APDU as uppercase hex goes into out (static
 * per-call buffer owned by the caller). Returns jc_card_process's result. */
static inline int tu_send(jc_card *card, const char *capdu_hex, char *out, size_t outcap)
{
    static uint8_t capdu[JC_CAPDU_MAX];
    static uint8_t rapdu[JC_RAPDU_MAX];
    int n = tu_hex(capdu_hex, capdu, sizeof(capdu));
    assert_true(n >= 0);
    int r = jc_card_process(card, capdu, (size_t)n, rapdu, sizeof(rapdu));
    if (r >= 0) {
        assert_true((size_t)r * 2 + 1 <= outcap);
        tu_tohex(rapdu, (size_t)r, out);
    } else if (outcap) {
        out[0] = '\0';
    }
    return r;
}

/* Send and return only the SW (response data ignored). */
static inline uint16_t tu_sw(jc_card *card, const char *capdu_hex)
{
    static char out[2 * JC_RAPDU_MAX + 1];
    int r = tu_send(card, capdu_hex, out, sizeof(out));
    assert_true(r >= 2);
    unsigned sw = 0;
    sscanf(out + 2 * (r - 2), "%4x", &sw);
    return (uint16_t)sw;
}

/* Assert the R-APDU equals expected hex exactly. */
#define TU_EXPECT(card, capdu, expected)                                                           \
    do {                                                                                           \
        static char tu_out_[2 * JC_RAPDU_MAX + 1];                                                 \
        uint8_t tu_exp_[4096];                                                                     \
        char tu_exphex_[8193];                                                                     \
        int tu_n_ = tu_hex((expected), tu_exp_, sizeof(tu_exp_));                                  \
        assert_true(tu_n_ >= 2);                                                                   \
        tu_tohex(tu_exp_, (size_t)tu_n_, tu_exphex_);                                              \
        assert_true(tu_send((card), (capdu), tu_out_, sizeof(tu_out_)) >= 2);                      \
        assert_string_equal(tu_out_, tu_exphex_);                                                  \
    } while (0)

/* A powered card with the given env extras (trace optional). */
static inline jc_card *tu_card(const jc_pstate *st, tu_rng *rng, tu_trace *trace)
{
    jc_env env = {.random = tu_random, .random_ctx = rng};
    if (trace) {
        env.trace = tu_trace_cb;
        env.trace_ctx = trace;
    }
    jc_card *card = NULL;
    assert_int_equal(jc_card_create(&card, st, &env), 0);
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_power_on(card, atr, sizeof(atr)) > 0);
    return card;
}

#endif
