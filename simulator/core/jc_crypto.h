/*
 * jc_crypto.h: the DES/3DES primitives of SCP02, shared by the card (ISD) and
 * the host side (harness verbs, tests). Everything goes through OpenSSL 3 EVP
 * with two-key 3DES; a single-DES step is done as 3DES with the key K1||K1
 * (the DES_* calls are deprecated and single DES sits in the legacy provider).
 *
 * A jc_crypto context owns its EVP objects (fetched and allocated once, at
 * jc_crypto_create); every operation only re-keys them, so there is no
 * allocation while an APDU is processed. A context is not thread-safe: give
 * each card and each host its own.
 *
 * Functions return 0 (JC_OK) or a negative JC_ERR_* (JC_ERR_CRYPTO when
 * libcrypto fails, JC_ERR_ARG for bad lengths).
 */
#ifndef JC_CRYPTO_H
#define JC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JC_DES_BLOCK 8u
#define JC_3DES_KEY_LEN 16u /* two-key 3DES: K1 || K2 */
#define JC_KCV_LEN 3u

typedef struct jc_crypto jc_crypto;

/* Create a context (fetches DES-EDE-ECB once). Returns 0 or JC_ERR_NOMEM/JC_ERR_CRYPTO. */
int jc_crypto_create(jc_crypto **out);
/* Free a context; NULL is accepted. */
void jc_crypto_free(jc_crypto *c);

/* 3DES (two-key) in ECB or CBC mode, no padding: len must be a multiple of 8.
 * iv NULL means eight zero bytes. in and out may be the same buffer. */
int jc_3des_ecb(jc_crypto *c, bool encrypt, const uint8_t key[JC_3DES_KEY_LEN], const uint8_t *in,
                size_t len, uint8_t *out);
int jc_3des_cbc(jc_crypto *c, bool encrypt, const uint8_t key[JC_3DES_KEY_LEN],
                const uint8_t iv[JC_DES_BLOCK], const uint8_t *in, size_t len, uint8_t *out);
/* Single DES ECB encryption with an 8-byte key (done as 3DES K1||K1). */
int jc_des_ecb_encrypt(jc_crypto *c, const uint8_t key[8], const uint8_t *in, size_t len,
                       uint8_t *out);

/* ISO 9797-1 padding method 2: append 80 then 00 up to a multiple of 8 (always
 * at least one byte). Returns the padded length, or 0 if cap is too small. */
size_t jc_pad80(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/* Remove method-2 padding from buf[0..len): returns the clear length, or
 * JC_ERR_FORMAT when the padding is malformed (no 80, non-zero trailer, len
 * not a multiple of 8 or zero). */
int jc_unpad80(const uint8_t *buf, size_t len);

/* ISO 9797-1 MAC algorithm 1 with 3DES (full triple-DES CBC-MAC), padding
 * method 2 applied internally, initial value iv (NULL = zero). */
int jc_mac_full3des(jc_crypto *c, const uint8_t key[JC_3DES_KEY_LEN], const uint8_t iv[JC_DES_BLOCK],
                    const uint8_t *data, size_t len, uint8_t mac[JC_DES_BLOCK]);
/* ISO 9797-1 MAC algorithm 3 (retail MAC: single DES with K1 over all blocks,
 * the last block triple-DES), padding method 2 internally, iv NULL = zero. */
int jc_mac_retail(jc_crypto *c, const uint8_t key[JC_3DES_KEY_LEN], const uint8_t iv[JC_DES_BLOCK],
                  const uint8_t *data, size_t len, uint8_t mac[JC_DES_BLOCK]);

/* Key check value: the first 3 bytes of 3DES-ECB(key, 00 x 8). */
int jc_kcv(jc_crypto *c, const uint8_t key[JC_3DES_KEY_LEN], uint8_t kcv[JC_KCV_LEN]);

/* Constant-time comparison: true when a[0..n) == b[0..n). */
bool jc_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* SCP02 session-key derivation constants (GP 2.1.1 §E.4.1). */
enum {
    JC_SCP02_CONST_CMAC = 0x0101,
    JC_SCP02_CONST_RMAC = 0x0102,
    JC_SCP02_CONST_DEK = 0x0181,
    JC_SCP02_CONST_ENC = 0x0182,
};
/* session key = 3DES-CBC(static key, ICV 0) over constant(2) | counter(2) | 00 x 12. */
int jc_scp02_derive(jc_crypto *c, const uint8_t static_key[JC_3DES_KEY_LEN], uint16_t constant,
                    uint16_t counter, uint8_t session_key[JC_3DES_KEY_LEN]);
/* Card cryptogram: full 3DES MAC (S-ENC, ICV 0) over host_chal | counter | card_chal. */
int jc_scp02_card_cryptogram(jc_crypto *c, const uint8_t s_enc[JC_3DES_KEY_LEN],
                             const uint8_t host_chal[8], uint16_t counter,
                             const uint8_t card_chal[6], uint8_t out[8]);
/* Host cryptogram: full 3DES MAC (S-ENC, ICV 0) over counter | card_chal | host_chal. */
int jc_scp02_host_cryptogram(jc_crypto *c, const uint8_t s_enc[JC_3DES_KEY_LEN],
                             const uint8_t host_chal[8], uint16_t counter,
                             const uint8_t card_chal[6], uint8_t out[8]);

#endif
