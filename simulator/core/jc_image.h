/*
 * jc_image.h: the card image format, pure (bytes <-> jc_pstate, no I/O).
 *
 * An image is a versioned byte string with an integrity check (SHA-256 over
 * everything before it). Decoding validates magic, version, lengths, the
 * check and every field's range before touching the output, so a truncated,
 * corrupted or hand-edited image is refused whole, never loaded half-way.
 * The store (simulator/store/jc_store.h) writes these bytes durably.
 */
#ifndef JC_IMAGE_H
#define JC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "jc_state.h"

/* Encoded size of an image without optional sections. */
size_t jc_image_encoded_size(void);
/* The size of st's image: jc_image_encoded_size() plus the optional ISD data
 * section when STORE DATA wrote some (at most JC_IMAGE_MAX_EXTRA more). */
size_t jc_image_size_of(const jc_pstate *st);
#define JC_IMAGE_MAX_EXTRA 256u

/* Encode st into buf (cap >= jc_image_size_of(st)). Returns the length or <0. */
int jc_image_encode(const jc_pstate *st, uint8_t *buf, size_t cap);

/* Decode and validate. Returns 0, or JC_ERR_TRUNCATED / JC_ERR_CORRUPT /
 * JC_ERR_VERSION / JC_ERR_FORMAT / JC_ERR_PROFILE; *st is untouched on error. */
int jc_image_decode(const uint8_t *buf, size_t len, jc_pstate *st);

/* A new unfused card of the named profile: memory from the profile's defaults,
 * random CM_KEY records and GPIN from rnd, the transport key kt (or random when
 * kt is NULL). Returns 0 or <0 (JC_ERR_PROFILE, JC_ERR_RANDOM). */
int jc_pstate_init(jc_pstate *st, const char *profile, const uint8_t *kt,
                   int (*rnd)(void *ctx, uint8_t *out, size_t n), void *rnd_ctx);

#endif
