/*
 * jc_sysrand.h: the system's random source (getrandom), with the signature of
 * jc_env.random. The card core makes no randomness of its own; the programs
 * that run a real (non-reproducible) card or make new keys inject this one.
 */
#ifndef JC_SYSRAND_H
#define JC_SYSRAND_H

#include <stddef.h>
#include <stdint.h>

/* Fill out[0..n) from getrandom; ctx is unused. Returns 0 or JC_ERR_RANDOM. */
int jc_sysrand(void *ctx, uint8_t *out, size_t n);

#endif
