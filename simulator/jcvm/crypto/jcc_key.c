/*
 * jcc_key.c: key objects (KeyBuilder.buildKey and the Key interfaces), their
 * zeroising clear, and their persistent form for the card image.
 *
 * A key is its type, its size and up to JCC_SLOTS byte strings (components),
 * each with a capacity fixed by the size, kept in one buffer that is
 * zeroised with OPENSSL_cleanse on clear and free. Nothing here interprets
 * the numbers: jcc_pkey.c turns a ready key into an EVP_PKEY when it is used.
 */
#include "jcc_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

uint32_t jcc_crc32_update(uint32_t crc, const uint8_t *p, size_t n);

jcc_fam jcc_type_family(int type)
{
    switch (type) {
    case JCC_TYPE_DES_TRANSIENT_RESET:
    case JCC_TYPE_DES_TRANSIENT_DESELECT:
    case JCC_TYPE_DES:
        return JCC_FAM_DES;
    case JCC_TYPE_AES_TRANSIENT_RESET:
    case JCC_TYPE_AES_TRANSIENT_DESELECT:
    case JCC_TYPE_AES:
        return JCC_FAM_AES;
    case JCC_TYPE_KOREAN_SEED_TRANSIENT_RESET:
    case JCC_TYPE_KOREAN_SEED_TRANSIENT_DESELECT:
    case JCC_TYPE_KOREAN_SEED:
        return JCC_FAM_SEED;
    case JCC_TYPE_HMAC_TRANSIENT_RESET:
    case JCC_TYPE_HMAC_TRANSIENT_DESELECT:
    case JCC_TYPE_HMAC:
        return JCC_FAM_HMAC;
    case JCC_TYPE_RSA_PUBLIC:
        return JCC_FAM_RSA_PUB;
    case JCC_TYPE_RSA_PRIVATE:
        return JCC_FAM_RSA_PRIV;
    case JCC_TYPE_RSA_CRT_PRIVATE:
        return JCC_FAM_RSA_CRT;
    case JCC_TYPE_EC_FP_PUBLIC:
        return JCC_FAM_EC_PUB;
    case JCC_TYPE_EC_FP_PRIVATE:
        return JCC_FAM_EC_PRIV;
    default:
        return JCC_FAM_NONE;
    }
}

bool jcc_type_valid(int type, int bits)
{
    switch (jcc_type_family(type)) {
    case JCC_FAM_DES:
        return bits == 64 || bits == 128 || bits == 192;
    case JCC_FAM_AES:
        return bits == 128 || bits == 192 || bits == 256;
    case JCC_FAM_SEED:
        return bits == 128;
    case JCC_FAM_HMAC:
        return bits == 64 || bits == 128;
    case JCC_FAM_RSA_PUB:
    case JCC_FAM_RSA_PRIV:
    case JCC_FAM_RSA_CRT:
        return bits >= 512 && bits <= 2048 && bits % 32 == 0;
    case JCC_FAM_EC_PUB:
    case JCC_FAM_EC_PRIV:
        return bits >= 112 && bits <= 384;
    default:
        return false;
    }
}

int jcc_comp_slot(jcc_fam f, jcc_comp comp)
{
    switch (f) {
    case JCC_FAM_DES:
    case JCC_FAM_AES:
    case JCC_FAM_SEED:
    case JCC_FAM_HMAC:
        return comp == JCC_COMP_SECRET ? JCC_S_SECRET : -1;
    case JCC_FAM_RSA_PUB:
    case JCC_FAM_RSA_PRIV:
        return comp == JCC_COMP_MODULUS ? JCC_S_N : comp == JCC_COMP_EXPONENT ? JCC_S_E : -1;
    case JCC_FAM_RSA_CRT:
        switch (comp) {
        case JCC_COMP_P:
            return JCC_S_P;
        case JCC_COMP_Q:
            return JCC_S_Q;
        case JCC_COMP_DP1:
            return JCC_S_DP;
        case JCC_COMP_DQ1:
            return JCC_S_DQ;
        case JCC_COMP_PQ:
            return JCC_S_PQ;
        default:
            return -1;
        }
    case JCC_FAM_EC_PUB:
    case JCC_FAM_EC_PRIV:
        switch (comp) {
        case JCC_COMP_FIELD:
            return JCC_S_FIELD;
        case JCC_COMP_A:
            return JCC_S_A;
        case JCC_COMP_B:
            return JCC_S_B;
        case JCC_COMP_G:
            return JCC_S_G;
        case JCC_COMP_R:
            return JCC_S_R;
        case JCC_COMP_W:
            return f == JCC_FAM_EC_PUB ? JCC_S_KEY : -1;
        case JCC_COMP_S:
            return f == JCC_FAM_EC_PRIV ? JCC_S_KEY : -1;
        default:
            return -1;
        }
    default:
        return -1;
    }
}

/* Lay out the slots of (type, bits). Returns false for an invalid pair. */
static bool layout(jcc_key *k)
{
    unsigned B = (k->bits + 7u) / 8u;
    uint16_t caps[JCC_SLOTS] = {0};
    unsigned n = 0;
    switch (jcc_type_family(k->type)) {
    case JCC_FAM_DES:
    case JCC_FAM_AES:
    case JCC_FAM_SEED:
        caps[n++] = (uint16_t)B;
        break;
    case JCC_FAM_HMAC:
        caps[n++] = k->bits;
        break; /* HMAC: bytes (block size) */
    case JCC_FAM_RSA_PUB:
        caps[n++] = (uint16_t)B;
        caps[n++] = (uint16_t)B;
        break;
    case JCC_FAM_RSA_PRIV:
        caps[n++] = (uint16_t)B;
        caps[n++] = (uint16_t)B;
        caps[n++] = (uint16_t)B; /* hidden e, kept when a key pair is generated */
        break;
    case JCC_FAM_RSA_CRT:
        for (int i = 0; i < 5; i++)
            caps[n++] = (uint16_t)(B / 2 + 1);
        break;
    case JCC_FAM_EC_PUB:
    case JCC_FAM_EC_PRIV:
        caps[n++] = (uint16_t)B;           /* field */
        caps[n++] = (uint16_t)B;           /* A */
        caps[n++] = (uint16_t)B;           /* B */
        caps[n++] = (uint16_t)(2 * B + 1); /* G */
        caps[n++] = (uint16_t)(B + 1);     /* R */
        caps[n++] =
            jcc_type_family(k->type) == JCC_FAM_EC_PUB ? (uint16_t)(2 * B + 1) : (uint16_t)(B + 1);
        break;
    default:
        return false;
    }
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        k->off[i] = (uint16_t)off;
        k->cap[i] = caps[i];
        off += caps[i];
    }
    k->nslots = (uint8_t)n;
    k->total = off;
    return true;
}

static int key_new(int type, int bits, jcc_key **out)
{
    *out = NULL;
    if (!jcc_type_valid(type, bits))
        return JCC_NO_SUCH_ALGORITHM;
    jcc_key *k = calloc(1, sizeof(*k));
    if (k == NULL)
        return JCC_ERR_NOMEM;
    k->type = (uint8_t)type;
    k->bits = (uint16_t)bits;
    k->cofactor = 1;
    if (!layout(k)) {
        free(k);
        return JCC_NO_SUCH_ALGORITHM;
    }
    k->buf = calloc(1, k->total);
    if (k->buf == NULL) {
        free(k);
        return JCC_ERR_NOMEM;
    }
    *out = k;
    return JCC_OK;
}

int jcc_key_build(jcc_ctx *c, int type, int bits, jcc_key **out)
{
    if (c == NULL || out == NULL)
        return JCC_ERR_ARG;
    *out = NULL;
    if (!jcc_profile_supports(c->profile, JCC_API_KEY, type, bits))
        return JCC_NO_SUCH_ALGORITHM;
    return key_new(type, bits, out);
}

void jcc_key_free(jcc_key *k)
{
    if (k == NULL)
        return;
    if (k->buf != NULL)
        OPENSSL_cleanse(k->buf, k->total);
    free(k->buf);
    free(k);
}

int jcc_key_type(const jcc_key *k)
{
    return k->type;
}

int jcc_key_size(const jcc_key *k)
{
    return k->bits;
}

bool jcc_key_ready(const jcc_key *k)
{
    uint8_t need;
    switch (jcc_type_family(k->type)) {
    case JCC_FAM_RSA_PUB:
    case JCC_FAM_RSA_PRIV:
        need = (1u << JCC_S_N) | (1u << JCC_S_E);
        break;
    case JCC_FAM_RSA_CRT:
        need = 0x1F;
        break;
    case JCC_FAM_EC_PUB:
    case JCC_FAM_EC_PRIV:
        need = 0x3F;
        break;
    default:
        need = 1;
        break;
    }
    return (k->set & need) == need;
}

bool jcc_key_is_initialized(const jcc_key *k)
{
    return jcc_key_ready(k);
}

void jcc_key_clear(jcc_key *k)
{
    OPENSSL_cleanse(k->buf, k->total);
    memset(k->len, 0, sizeof(k->len));
    k->set = 0;
    k->cofactor = 1;
    k->k_set = false;
}

jcc_key_life jcc_key_transient(const jcc_key *k)
{
    switch (k->type) {
    case JCC_TYPE_DES_TRANSIENT_RESET:
    case JCC_TYPE_AES_TRANSIENT_RESET:
    case JCC_TYPE_KOREAN_SEED_TRANSIENT_RESET:
    case JCC_TYPE_HMAC_TRANSIENT_RESET:
        return JCC_TRANSIENT_RESET;
    case JCC_TYPE_DES_TRANSIENT_DESELECT:
    case JCC_TYPE_AES_TRANSIENT_DESELECT:
    case JCC_TYPE_KOREAN_SEED_TRANSIENT_DESELECT:
    case JCC_TYPE_HMAC_TRANSIENT_DESELECT:
        return JCC_TRANSIENT_DESELECT;
    default:
        return JCC_PERSISTENT;
    }
}

size_t jcc_key_secret_len(const jcc_key *k)
{
    switch (jcc_type_family(k->type)) {
    case JCC_FAM_DES:
    case JCC_FAM_AES:
    case JCC_FAM_SEED:
        return k->cap[0];
    default:
        return 0;
    }
}

void jcc_key_put(jcc_key *k, int slot, const uint8_t *data, size_t len)
{
    uint8_t *dst = k->buf + k->off[slot];
    OPENSSL_cleanse(dst, k->cap[slot]);
    memcpy(dst, data, len);
    k->len[slot] = (uint16_t)len;
    k->set |= (uint8_t)(1u << slot);
}

int jcc_key_set(jcc_key *k, jcc_comp comp, const uint8_t *data, size_t len)
{
    if (k == NULL)
        return JCC_ERR_ARG;
    if (data == NULL)
        return JCC_EX_NULL;
    jcc_fam f = jcc_type_family(k->type);
    int slot = jcc_comp_slot(f, comp);
    if (slot < 0)
        return JCC_ERR_ARG;
    switch (f) {
    case JCC_FAM_DES:
    case JCC_FAM_AES:
    case JCC_FAM_SEED:
        if (len != k->cap[slot])
            return JCC_EX_INDEX;
        break;
    case JCC_FAM_HMAC:
        if (len == 0 || len > k->cap[slot])
            return JCC_ILLEGAL_VALUE;
        break;
    default:
        if (comp != JCC_COMP_G && comp != JCC_COMP_W) {
            while (len > k->cap[slot] && *data == 0) {
                data++;
                len--;
            }
        }
        if (len == 0 || len > k->cap[slot])
            return JCC_ILLEGAL_VALUE;
        break;
    }
    jcc_key_put(k, slot, data, len);
    return JCC_OK;
}

int jcc_key_get(const jcc_key *k, jcc_comp comp, uint8_t *out, size_t cap, size_t *len)
{
    if (k == NULL || len == NULL)
        return JCC_ERR_ARG;
    int slot = jcc_comp_slot(jcc_type_family(k->type), comp);
    if (slot < 0)
        return JCC_ERR_ARG;
    if (!jcc_slot_set(k, slot))
        return JCC_UNINITIALIZED_KEY;
    if (out == NULL)
        return JCC_EX_NULL;
    if (k->len[slot] > cap)
        return JCC_EX_INDEX;
    memcpy(out, jcc_slot(k, slot), k->len[slot]);
    *len = k->len[slot];
    return JCC_OK;
}

int jcc_key_set_k(jcc_key *k, uint16_t cofactor)
{
    jcc_fam f = jcc_type_family(k->type);
    if (f != JCC_FAM_EC_PUB && f != JCC_FAM_EC_PRIV)
        return JCC_ERR_ARG;
    if (cofactor == 0)
        return JCC_ILLEGAL_VALUE;
    k->cofactor = cofactor;
    k->k_set = true;
    return JCC_OK;
}

int jcc_key_get_k(const jcc_key *k, uint16_t *cofactor)
{
    jcc_fam f = jcc_type_family(k->type);
    if (f != JCC_FAM_EC_PUB && f != JCC_FAM_EC_PRIV)
        return JCC_ERR_ARG;
    if (!k->k_set)
        return JCC_UNINITIALIZED_KEY;
    *cofactor = k->cofactor;
    return JCC_OK;
}

/* ---- persistent form ------------------------------------------------------ */
/*
 * Blob, version 1 (all integers big-endian):
 *   'J' 'K' | version 1 | type | bits(2) | cofactor(2) | flags (bit0 = K set)
 *   | slot count | per slot: length(2), 0xFFFF = not set, then the bytes
 *   | CRC-32 (ISO 3309) of everything before it (4)
 * A transient key saves every slot as not set.
 */
#define BLOB_VERSION 1
#define BLOB_UNSET 0xFFFFu

int jcc_key_save(const jcc_key *k, uint8_t *out, size_t cap, size_t *len)
{
    if (k == NULL || len == NULL)
        return JCC_ERR_ARG;
    bool keep = jcc_key_transient(k) == JCC_PERSISTENT;
    size_t need = 10 + 4;
    for (unsigned i = 0; i < k->nslots; i++)
        need += 2 + ((keep && jcc_slot_set(k, (int)i)) ? k->len[i] : 0);
    *len = need;
    if (out == NULL)
        return JCC_OK;
    if (cap < need)
        return JCC_EX_INDEX;
    uint8_t *p = out;
    *p++ = 'J';
    *p++ = 'K';
    *p++ = BLOB_VERSION;
    *p++ = k->type;
    *p++ = (uint8_t)(k->bits >> 8);
    *p++ = (uint8_t)k->bits;
    *p++ = (uint8_t)(k->cofactor >> 8);
    *p++ = (uint8_t)k->cofactor;
    *p++ = (uint8_t)((keep && k->k_set) ? 1 : 0);
    *p++ = k->nslots;
    for (unsigned i = 0; i < k->nslots; i++) {
        if (keep && jcc_slot_set(k, (int)i)) {
            *p++ = (uint8_t)(k->len[i] >> 8);
            *p++ = (uint8_t)k->len[i];
            memcpy(p, jcc_slot(k, (int)i), k->len[i]);
            p += k->len[i];
        } else {
            *p++ = 0xFF;
            *p++ = 0xFF;
        }
    }
    uint32_t crc = jcc_crc32_update(0xFFFFFFFFu, out, (size_t)(p - out)) ^ 0xFFFFFFFFu;
    *p++ = (uint8_t)(crc >> 24);
    *p++ = (uint8_t)(crc >> 16);
    *p++ = (uint8_t)(crc >> 8);
    *p++ = (uint8_t)crc;
    return JCC_OK;
}

int jcc_key_load(jcc_ctx *c, const uint8_t *blob, size_t len, jcc_key **out)
{
    if (out == NULL)
        return JCC_ERR_ARG;
    *out = NULL;
    if (blob == NULL || len < 14 || blob[0] != 'J' || blob[1] != 'K' || blob[2] != BLOB_VERSION)
        return JCC_ILLEGAL_VALUE;
    uint32_t want = ((uint32_t)blob[len - 4] << 24) | ((uint32_t)blob[len - 3] << 16) |
                    ((uint32_t)blob[len - 2] << 8) | blob[len - 1];
    if ((jcc_crc32_update(0xFFFFFFFFu, blob, len - 4) ^ 0xFFFFFFFFu) != want)
        return JCC_ILLEGAL_VALUE;
    int type = blob[3];
    int bits = (blob[4] << 8) | blob[5];
    uint16_t cof = (uint16_t)((blob[6] << 8) | blob[7]);
    uint8_t flags = blob[8];
    jcc_key *k;
    if (key_new(type, bits, &k) != JCC_OK)
        return JCC_ILLEGAL_VALUE;
    if (blob[9] != k->nslots || cof == 0 || (flags & ~1u) != 0)
        goto bad;
    k->cofactor = cof;
    k->k_set = flags & 1u;
    size_t pos = 10, end = len - 4;
    for (unsigned i = 0; i < k->nslots; i++) {
        if (end - pos < 2)
            goto bad;
        unsigned l = ((unsigned)blob[pos] << 8) | blob[pos + 1];
        pos += 2;
        if (l == BLOB_UNSET)
            continue;
        if (l > k->cap[i] || l > end - pos || l == 0)
            goto bad;
        jcc_key_put(k, (int)i, blob + pos, l);
        pos += l;
    }
    if (pos != end)
        goto bad;
    if (jcc_key_transient(k) != JCC_PERSISTENT && (k->set != 0 || k->k_set))
        goto bad;
    *out = k;
    return JCC_OK;
bad:
    jcc_key_free(k);
    return JCC_ILLEGAL_VALUE;
}
