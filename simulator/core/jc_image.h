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

/* Exact encoded size of an image without a runtime section. */
size_t jc_image_encoded_size(void);
/* Exact encoded size of st's image (with its ISD data and runtime sections, if any). */
size_t jc_image_size(const jc_pstate *st);

/* Encode st into buf (cap >= jc_image_size(st)). Returns the length or <0. */
int jc_image_encode(const jc_pstate *st, uint8_t *buf, size_t cap);

/* An encoder for a store that writes image after image of one card: the same
 * bytes as jc_image_encode, but it keeps the last image and the SHA-256 state
 * of its front, and hashes only from the first 64-byte block that changed
 * (the runtime section is last: an applet's commit rehashes little more than
 * it). No I/O; not shared between threads. */
typedef struct jc_image_enc jc_image_enc;
int jc_image_enc_new(jc_image_enc **out);
void jc_image_enc_free(jc_image_enc *e);
/* Encode st; *out points at the image in the encoder (valid until the next
 * call). Returns the length (jc_image_size(st)) or <0. */
int jc_image_enc_encode(jc_image_enc *e, const jc_pstate *st, const uint8_t **out);
/* Bytes the last jc_image_enc_encode fed to SHA-256 (tests, benchmark). */
size_t jc_image_enc_hashed(const jc_image_enc *e);

/* Decode and validate. Returns 0, or JC_ERR_TRUNCATED / JC_ERR_CORRUPT /
 * JC_ERR_VERSION / JC_ERR_FORMAT / JC_ERR_PROFILE / JC_ERR_NOMEM; *st is
 * untouched on error. A runtime section lands in st->rt (malloc'd: release it
 * with jc_pstate_release); st's previous st->rt is not freed. */
int jc_image_decode(const uint8_t *buf, size_t len, jc_pstate *st);

/* Free st's runtime section (st->rt = NULL, st->rt_len = 0). */
void jc_pstate_release(jc_pstate *st);
/* *dst = *src with a copy of src's runtime section of its own. 0 or <0
 * (JC_ERR_NOMEM: *dst untouched). */
int jc_pstate_copy(jc_pstate *dst, const jc_pstate *src);

/* A new unfused card of the named profile: memory from the profile's defaults,
 * random CM_KEY records and GPIN from rnd, the transport key kt (or random when
 * kt is NULL). Returns 0 or <0 (JC_ERR_PROFILE, JC_ERR_RANDOM). */
int jc_pstate_init(jc_pstate *st, const char *profile, const uint8_t *kt,
                   int (*rnd)(void *ctx, uint8_t *out, size_t n), void *rnd_ctx);

#endif
