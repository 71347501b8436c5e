/*
 * jf_fuzz.h: helpers shared by the fuzz targets (simulator/fuzz/fuzz_*.c):
 * an oracle check that aborts (so libFuzzer and the corpus replay both see a
 * crash), a cursor over the fuzzer's bytes, a deterministic random source for
 * the card's env (hex parsing comes from jc_hex.h). Header-only, static
 * inline: each target is one translation unit plus the replay main or libFuzzer.
 */
#ifndef JF_FUZZ_H
#define JF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jc_hex.h"

/* An oracle failed: say where, then abort (a crash to libFuzzer and ctest). */
#define JF_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz oracle failed: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A cursor over the input. */
typedef struct {
    const uint8_t *p;
    size_t n;
} jf_reader;

/* Next byte, or 0 at the end. */
static inline uint8_t jf_byte(jf_reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

/* Up to *len bytes (fewer at the end: *len is updated). */
static inline const uint8_t *jf_take(jf_reader *r, size_t *len)
{
    const uint8_t *p = r->p;
    if (*len > r->n)
        *len = r->n;
    r->p += *len;
    r->n -= *len;
    return p;
}

/* Deterministic random source (xorshift64*), for jc_env.random. */
typedef struct {
    uint64_t s;
} jf_rng;

static inline int jf_random(void *ctx, uint8_t *out, size_t n)
{
    jf_rng *r = ctx;
    for (size_t i = 0; i < n; i++) {
        r->s ^= r->s >> 12;
        r->s ^= r->s << 25;
        r->s ^= r->s >> 27;
        out[i] = (uint8_t)((r->s * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return 0;
}


#endif
