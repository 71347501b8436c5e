/*
 * jcc_test.h: helpers shared by the crypto engine's cmocka tests: hex
 * parsing, a deterministic random source, an engine context per profile.
 */
#ifndef JCC_TEST_H
#define JCC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jcc.h"

/* Parse hex (spaces ignored) into out; returns the byte count. */
static inline size_t hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    return n;
}

static inline void assert_hex(const uint8_t *got, size_t len, const char *want)
{
    uint8_t w[1024];
    size_t n = hex(want, w, sizeof(w));
    assert_int_equal(len, n);
    assert_memory_equal(got, w, n);
}

/* Deterministic random source (xorshift64*). */
typedef struct {
    uint64_t s;
    size_t drawn;
} test_rng;

static inline int test_random(void *arg, uint8_t *out, size_t n)
{
    test_rng *r = arg;
    for (size_t i = 0; i < n; i++) {
        r->s ^= r->s >> 12;
        r->s ^= r->s << 25;
        r->s ^= r->s >> 27;
        out[i] = (uint8_t)((r->s * 0x2545F4914F6CDD1DULL) >> 56);
    }
    r->drawn += n;
    return 0;
}

/* A context of the profile, random seeded with seed (rng must outlive it). */
static inline jcc_ctx *test_ctx(jcc_profile p, test_rng *rng, uint64_t seed)
{
    jcc_ctx *c = NULL;
    rng->s = seed;
    rng->drawn = 0;
    assert_int_equal(jcc_ctx_create(p, test_random, rng, &c), JCC_OK);
    return c;
}

/* A secret key of that type/length holding key (hex). */
static inline jcc_key *test_secret(jcc_ctx *c, int type, int bits, const char *keyhex)
{
    jcc_key *k = NULL;
    uint8_t kb[64];
    size_t n = hex(keyhex, kb, sizeof(kb));
    assert_int_equal(jcc_key_build(c, type, bits, &k), JCC_OK);
    assert_int_equal(jcc_key_set(k, JCC_COMP_SECRET, kb, n), JCC_OK);
    return k;
}

#endif
