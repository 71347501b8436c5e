/*
 * jc_rng.h: a deterministic byte stream (splitmix64) for reproducible runs:
 * the harness's and jcop-image's --seed. A card's real randomness is injected
 * through jc_env.random; this is only what callers inject when asked to be
 * repeatable. Never for keys that protect anything.
 */
#ifndef JC_RNG_H
#define JC_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Fill out[0..n) from the stream whose state is *state (advanced). */
void jc_splitmix_fill(uint64_t *state, uint8_t *out, size_t n);

#endif
