/*
 * jc_rng.c: the deterministic byte stream of jc_rng.h. Each 64-bit output of
 * splitmix64 gives eight bytes, least significant first.
 */
#include "jc_rng.h"

void jc_splitmix_fill(uint64_t *state, uint8_t *out, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if ((i & 7) == 0) {
            uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            w = z ^ (z >> 31);
        }
        out[i] = (uint8_t)(w >> (8 * (i & 7)));
    }
}
