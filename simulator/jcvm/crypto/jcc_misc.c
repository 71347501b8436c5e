/*
 * jcc_misc.c: MessageDigest (EVP digests), RandomData (the injected source)
 * and Checksum (the two ISO 3309 CRCs, the only arithmetic the engine does
 * itself; also the integrity check of saved keys).
 */
#include "jcc_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- CRC ------------------------------------------------------------------ */

/* Reflected CRC-32 (polynomial 0x04C11DB7, LSB first), no final XOR. */
uint32_t jcc_crc32_update(uint32_t crc, const uint8_t *p, size_t n);
uint32_t jcc_crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc;
}

/* Reflected CRC-16 (polynomial x^16+x^12+x^5+1, LSB first), no final XOR. */
static uint16_t crc16_update(uint16_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)((crc >> 1) ^ (0x8408u & (0u - (crc & 1u))));
    }
    return crc;
}

struct jcc_checksum {
    uint8_t alg;
    uint32_t init, crc;
};

int jcc_checksum_new(jcc_ctx *c, int alg, jcc_checksum **out)
{
    if (c == NULL || out == NULL)
        return JCC_ERR_ARG;
    *out = NULL;
    if (!jcc_profile_supports(c->profile, JCC_API_CHECKSUM, alg, 0))
        return JCC_NO_SUCH_ALGORITHM;
    jcc_checksum *k = calloc(1, sizeof(*k));
    if (k == NULL)
        return JCC_ERR_NOMEM;
    k->alg = (uint8_t)alg;
    /* Default initial values: 0 for CRC16, FFFFFFFF for CRC32 (the API's). */
    k->init = alg == JCC_CHECKSUM_ISO3309_CRC16 ? 0u : 0xFFFFFFFFu;
    k->crc = k->init;
    *out = k;
    return JCC_OK;
}

void jcc_checksum_card_reset(jcc_checksum *k)
{
    k->init = k->crc = k->alg == JCC_CHECKSUM_ISO3309_CRC16 ? 0u : 0xFFFFFFFFu;
}

void jcc_checksum_free(jcc_checksum *k)
{
    free(k);
}

int jcc_checksum_init(jcc_checksum *k, const uint8_t *param, size_t len)
{
    size_t want = k->alg == JCC_CHECKSUM_ISO3309_CRC16 ? 2 : 4;
    if (param == NULL)
        return JCC_EX_NULL;
    if (len != want)
        return JCC_ILLEGAL_VALUE;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = (v << 8) | param[i];
    k->init = k->crc = v;
    return JCC_OK;
}

int jcc_checksum_update(jcc_checksum *k, const uint8_t *in, size_t in_len)
{
    if (in == NULL && in_len > 0)
        return JCC_EX_NULL;
    if (k->alg == JCC_CHECKSUM_ISO3309_CRC16)
        k->crc = crc16_update((uint16_t)k->crc, in, in_len);
    else
        k->crc = jcc_crc32_update(k->crc, in, in_len);
    return JCC_OK;
}

int jcc_checksum_final(jcc_checksum *k, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                       size_t *out_len)
{
    size_t n = k->alg == JCC_CHECKSUM_ISO3309_CRC16 ? 2 : 4;
    if (out == NULL)
        return JCC_EX_NULL;
    if (cap < n)
        return JCC_EX_INDEX;
    int rc = jcc_checksum_update(k, in, in_len);
    if (rc != JCC_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(k->crc >> (8 * (n - 1 - i)));
    *out_len = n;
    k->crc = k->init;
    return JCC_OK;
}

/* ---- MessageDigest ----------------------------------------------------------- */

struct jcc_md {
    uint8_t alg;
    EVP_MD *md;
    EVP_MD_CTX *x;
};

int jcc_md_new(jcc_ctx *c, int alg, jcc_md **out)
{
    if (c == NULL || out == NULL)
        return JCC_ERR_ARG;
    *out = NULL;
    if (!jcc_profile_supports(c->profile, JCC_API_DIGEST, alg, 0) || jcc_md_name(alg) == NULL)
        return JCC_NO_SUCH_ALGORITHM;
    jcc_md *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return JCC_ERR_NOMEM;
    m->alg = (uint8_t)alg;
    m->md = EVP_MD_fetch(c->lib, jcc_md_name(alg), NULL);
    m->x = EVP_MD_CTX_new();
    if (m->md == NULL || m->x == NULL || EVP_DigestInit_ex2(m->x, m->md, NULL) != 1) {
        int rc = m->md == NULL ? JCC_NO_SUCH_ALGORITHM : JCC_ERR_CRYPTO;
        jcc_md_free(m);
        return rc;
    }
    *out = m;
    return JCC_OK;
}

void jcc_md_free(jcc_md *m)
{
    if (m == NULL)
        return;
    EVP_MD_CTX_free(m->x);
    EVP_MD_free(m->md);
    free(m);
}

int jcc_md_alg(const jcc_md *m)
{
    return m->alg;
}

size_t jcc_md_length(const jcc_md *m)
{
    return (size_t)EVP_MD_get_size(m->md);
}

int jcc_md_reset(jcc_md *m)
{
    return EVP_DigestInit_ex2(m->x, m->md, NULL) == 1 ? JCC_OK : JCC_ERR_CRYPTO;
}

int jcc_md_update(jcc_md *m, const uint8_t *in, size_t in_len)
{
    if (in == NULL && in_len > 0)
        return JCC_EX_NULL;
    return EVP_DigestUpdate(m->x, in, in_len) == 1 ? JCC_OK : JCC_ERR_CRYPTO;
}

int jcc_md_final(jcc_md *m, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                 size_t *out_len)
{
    size_t n = jcc_md_length(m);
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    if (out == NULL)
        return JCC_EX_NULL;
    if (cap < n)
        return JCC_EX_INDEX;
    int rc = jcc_md_update(m, in, in_len);
    if (rc != JCC_OK)
        return rc;
    if (EVP_DigestFinal_ex(m->x, d, &dl) != 1)
        return JCC_ERR_CRYPTO;
    memcpy(out, d, dl);
    *out_len = dl;
    return jcc_md_reset(m);
}

/* ---- RandomData ------------------------------------------------------------------ */

int jcc_random_check(jcc_ctx *c, int alg)
{
    if (c == NULL)
        return JCC_ERR_ARG;
    return jcc_profile_supports(c->profile, JCC_API_RANDOM, alg, 0) ? JCC_OK
                                                                    : JCC_NO_SUCH_ALGORITHM;
}

int jcc_random_generate(jcc_ctx *c, uint8_t *out, size_t len)
{
    if (c == NULL)
        return JCC_ERR_ARG;
    if (out == NULL)
        return JCC_EX_NULL;
    return jcc_rand(c, out, len);
}
