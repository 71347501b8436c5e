/*
 * jcc_sig.c: javacard.security.Signature. Three kinds:
 * - block-cipher MACs (DES MAC4/MAC8 with no padding, ISO 9797-1 method 1 or
 *   2, PKCS#5; the ISO 9797-1 algorithm 3 "retail" MAC; AES and SEED CBC-MAC):
 *   CBC over the block engine of jcc_cipher.c, the partial block buffered;
 * - HMAC (EVP_MAC);
 * - RSA (PKCS#1 v1.5 and PSS with the digest's length as salt length) and
 *   ECDSA (DER-encoded (r, s), as Java Card returns it): the message is hashed
 *   here with EVP_MD as it arrives, and EVP_PKEY signs or verifies the digest;
 * - RSA SHA-1 ISO 9796-2 (ALG_RSA_SHA_ISO9796): the message representative of
 *   ISO/IEC 9796-2 digital signature scheme 1 is formatted here (it is data
 *   layout: header, the recoverable part of the message, the SHA-1 of the whole
 *   message from EVP_MD, trailer), and libcrypto does the RSA operation on it
 *   (EVP_PKEY sign / verify-recover with RSA_NO_PADDING).
 * sign/verify return the object to its state right after init.
 */
#include "jcc_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

typedef enum { K_MAC, K_HMAC, K_RSA, K_ECDSA } sig_kind;
typedef enum { SP_NONE, SP_M1, SP_M2, SP_PKCS5 } sig_pad;

struct jcc_sig {
    jcc_ctx *c;
    uint8_t alg;
    sig_kind kind;
    jcc_fam fam; /* MAC: key family */
    sig_pad pad;
    bool retail;
    size_t maclen;
    int md_alg; /* RSA/ECDSA/HMAC digest */
    bool pss;
    bool iso9796; /* ALG_RSA_SHA_ISO9796 */
    bool inited, sign;
    bool key_lost; /* the transient key it was initialised with was cleared */
    /* MAC */
    jcc_blk blk;
    uint8_t iv0[16], chain[16], buf[16];
    size_t buflen, total;
    /* HMAC */
    EVP_MAC *mac;
    EVP_MAC_CTX *mx;
    uint8_t hkey[128];
    size_t hkey_len;
    /* RSA / ECDSA */
    EVP_MD *md;
    EVP_MD_CTX *mdx;
    EVP_PKEY *pk;
    size_t siglen;
    /* ISO 9796-2: the first siglen - 22 bytes of the message (its recoverable part) and the
       message's length so far */
    uint8_t rec[JCC_RSA_MAX_BYTES];
    size_t rec_len, msg_len;
};

static bool sig_alg(jcc_sig *s, int alg)
{
    s->pad = SP_NONE;
    s->fam = JCC_FAM_DES;
    s->kind = K_MAC;
    switch (alg) {
    case JCC_SIG_DES_MAC4_NOPAD:
        s->maclen = 4;
        return true;
    case JCC_SIG_DES_MAC8_NOPAD:
        s->maclen = 8;
        return true;
    case JCC_SIG_DES_MAC4_ISO9797_M1:
        s->maclen = 4;
        s->pad = SP_M1;
        return true;
    case JCC_SIG_DES_MAC8_ISO9797_M1:
        s->maclen = 8;
        s->pad = SP_M1;
        return true;
    case JCC_SIG_DES_MAC4_ISO9797_M2:
        s->maclen = 4;
        s->pad = SP_M2;
        return true;
    case JCC_SIG_DES_MAC8_ISO9797_M2:
        s->maclen = 8;
        s->pad = SP_M2;
        return true;
    case JCC_SIG_DES_MAC4_PKCS5:
        s->maclen = 4;
        s->pad = SP_PKCS5;
        return true;
    case JCC_SIG_DES_MAC8_PKCS5:
        s->maclen = 8;
        s->pad = SP_PKCS5;
        return true;
    case JCC_SIG_DES_MAC4_ISO9797_1_M2_ALG3:
        s->maclen = 4;
        s->pad = SP_M2;
        s->retail = true;
        return true;
    case JCC_SIG_DES_MAC8_ISO9797_1_M2_ALG3:
        s->maclen = 8;
        s->pad = SP_M2;
        s->retail = true;
        return true;
    case JCC_SIG_AES_MAC_128_NOPAD:
        s->maclen = 16;
        s->fam = JCC_FAM_AES;
        return true;
    case JCC_SIG_KOREAN_SEED_MAC_NOPAD:
        s->maclen = 16;
        s->fam = JCC_FAM_SEED;
        return true;
    default:
        break;
    }
    s->kind = K_HMAC;
    s->fam = JCC_FAM_HMAC;
    switch (alg) {
    case JCC_SIG_HMAC_SHA1:
        s->md_alg = JCC_MD_SHA;
        return true;
    case JCC_SIG_HMAC_SHA_256:
        s->md_alg = JCC_MD_SHA_256;
        return true;
    case JCC_SIG_HMAC_SHA_384:
        s->md_alg = JCC_MD_SHA_384;
        return true;
    case JCC_SIG_HMAC_SHA_512:
        s->md_alg = JCC_MD_SHA_512;
        return true;
    case JCC_SIG_HMAC_MD5:
        s->md_alg = JCC_MD_MD5;
        return true;
    case JCC_SIG_HMAC_RIPEMD160:
        s->md_alg = JCC_MD_RIPEMD160;
        return true;
    default:
        break;
    }
    s->kind = K_RSA;
    s->fam = JCC_FAM_RSA_PUB;
    switch (alg) {
    case JCC_SIG_RSA_SHA_ISO9796:
        s->md_alg = JCC_MD_SHA;
        s->iso9796 = true;
        return true;
    case JCC_SIG_RSA_SHA_PKCS1:
        s->md_alg = JCC_MD_SHA;
        return true;
    case JCC_SIG_RSA_MD5_PKCS1:
        s->md_alg = JCC_MD_MD5;
        return true;
    case JCC_SIG_RSA_RIPEMD160_PKCS1:
        s->md_alg = JCC_MD_RIPEMD160;
        return true;
    case JCC_SIG_RSA_SHA_224_PKCS1:
        s->md_alg = JCC_MD_SHA_224;
        return true;
    case JCC_SIG_RSA_SHA_256_PKCS1:
        s->md_alg = JCC_MD_SHA_256;
        return true;
    case JCC_SIG_RSA_SHA_384_PKCS1:
        s->md_alg = JCC_MD_SHA_384;
        return true;
    case JCC_SIG_RSA_SHA_512_PKCS1:
        s->md_alg = JCC_MD_SHA_512;
        return true;
    default:
        break;
    }
    s->pss = true;
    switch (alg) {
    case JCC_SIG_RSA_SHA_PKCS1_PSS:
        s->md_alg = JCC_MD_SHA;
        return true;
    case JCC_SIG_RSA_MD5_PKCS1_PSS:
        s->md_alg = JCC_MD_MD5;
        return true;
    case JCC_SIG_RSA_RIPEMD160_PKCS1_PSS:
        s->md_alg = JCC_MD_RIPEMD160;
        return true;
    case JCC_SIG_RSA_SHA_224_PKCS1_PSS:
        s->md_alg = JCC_MD_SHA_224;
        return true;
    case JCC_SIG_RSA_SHA_256_PKCS1_PSS:
        s->md_alg = JCC_MD_SHA_256;
        return true;
    case JCC_SIG_RSA_SHA_384_PKCS1_PSS:
        s->md_alg = JCC_MD_SHA_384;
        return true;
    case JCC_SIG_RSA_SHA_512_PKCS1_PSS:
        s->md_alg = JCC_MD_SHA_512;
        return true;
    default:
        break;
    }
    s->pss = false;
    s->kind = K_ECDSA;
    s->fam = JCC_FAM_EC_PUB;
    switch (alg) {
    case JCC_SIG_ECDSA_SHA:
        s->md_alg = JCC_MD_SHA;
        return true;
    case JCC_SIG_ECDSA_SHA_224:
        s->md_alg = JCC_MD_SHA_224;
        return true;
    case JCC_SIG_ECDSA_SHA_256:
        s->md_alg = JCC_MD_SHA_256;
        return true;
    case JCC_SIG_ECDSA_SHA_384:
        s->md_alg = JCC_MD_SHA_384;
        return true;
    case JCC_SIG_ECDSA_SHA_512:
        s->md_alg = JCC_MD_SHA_512;
        return true;
    default:
        return false;
    }
}

int jcc_sig_new(jcc_ctx *c, int alg, jcc_sig **out)
{
    if (c == NULL || out == NULL)
        return JCC_ERR_ARG;
    *out = NULL;
    if (!jcc_profile_supports(c->profile, JCC_API_SIGNATURE, alg, 0))
        return JCC_NO_SUCH_ALGORITHM;
    jcc_sig *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return JCC_ERR_NOMEM;
    s->c = c;
    s->alg = (uint8_t)alg;
    if (!sig_alg(s, alg) || (s->fam == JCC_FAM_SEED && c->seed_ecb == NULL)) {
        free(s);
        return JCC_NO_SUCH_ALGORITHM;
    }
    int rc = JCC_OK;
    if (s->kind == K_HMAC) {
        s->mac = EVP_MAC_fetch(c->lib, "HMAC", NULL);
        s->mx = s->mac != NULL ? EVP_MAC_CTX_new(s->mac) : NULL;
        if (s->mx == NULL)
            rc = JCC_NO_SUCH_ALGORITHM;
    } else if (s->kind != K_MAC) {
        s->md = EVP_MD_fetch(c->lib, jcc_md_name(s->md_alg), NULL);
        s->mdx = EVP_MD_CTX_new();
        if (s->md == NULL || s->mdx == NULL)
            rc = JCC_NO_SUCH_ALGORITHM;
    }
    if (rc != JCC_OK) {
        jcc_sig_free(s);
        return rc;
    }
    *out = s;
    return JCC_OK;
}

void jcc_sig_free(jcc_sig *s)
{
    if (s == NULL)
        return;
    jcc_blk_free(&s->blk);
    EVP_MAC_CTX_free(s->mx);
    EVP_MAC_free(s->mac);
    EVP_MD_CTX_free(s->mdx);
    EVP_MD_free(s->md);
    EVP_PKEY_free(s->pk);
    OPENSSL_cleanse(s, sizeof(*s));
    free(s);
}

int jcc_sig_alg(const jcc_sig *s)
{
    return s->alg;
}

/* Maximum DER length of an ECDSA signature over a group of order bytes ob. */
static size_t ecdsa_der_max(size_t ob)
{
    size_t content = 2 * (2 + ob + 1);
    return content < 128 ? 2 + content : 3 + content;
}

int jcc_sig_length(const jcc_sig *s, size_t *len)
{
    switch (s->kind) {
    case K_MAC:
        *len = s->maclen;
        return JCC_OK;
    case K_HMAC:
        *len = (size_t)EVP_MD_get_size(EVP_get_digestbyname(jcc_md_name(s->md_alg)));
        return JCC_OK;
    default:
        if (!s->inited)
            return JCC_INVALID_INIT;
        *len = s->siglen;
        return JCC_OK;
    }
}

static int hmac_start(jcc_sig *s)
{
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)jcc_md_name(s->md_alg), 0),
        OSSL_PARAM_construct_end(),
    };
    return EVP_MAC_init(s->mx, s->hkey, s->hkey_len, params) == 1 ? JCC_OK : JCC_ERR_CRYPTO;
}

static void restart(jcc_sig *s)
{
    memcpy(s->chain, s->iv0, sizeof(s->chain));
    OPENSSL_cleanse(s->buf, sizeof(s->buf));
    s->buflen = 0;
    s->total = 0;
    OPENSSL_cleanse(s->rec, sizeof(s->rec));
    s->rec_len = s->msg_len = 0;
    if (s->kind == K_HMAC)
        hmac_start(s);
    else if (s->kind == K_RSA || s->kind == K_ECDSA)
        EVP_DigestInit_ex2(s->mdx, s->md, NULL);
}

int jcc_sig_init(jcc_sig *s, const jcc_key *key, int mode, const uint8_t *iv, size_t iv_len)
{
    if (s == NULL)
        return JCC_ERR_ARG;
    if (key == NULL)
        return JCC_EX_NULL;
    if (mode != JCC_SIG_MODE_SIGN && mode != JCC_SIG_MODE_VERIFY)
        return JCC_ILLEGAL_VALUE;
    bool sign = mode == JCC_SIG_MODE_SIGN;
    jcc_fam f = jcc_type_family(key->type);
    int rc;
    switch (s->kind) {
    case K_MAC: {
        if (f != s->fam)
            return JCC_ILLEGAL_VALUE;
        if (!jcc_key_ready(key))
            return JCC_UNINITIALIZED_KEY;
        unsigned bs = f == JCC_FAM_DES ? 8 : 16;
        if (iv != NULL && iv_len != bs)
            return JCC_ILLEGAL_VALUE;
        rc = jcc_blk_key(s->c, &s->blk, key, true, s->retail);
        if (rc != JCC_OK)
            return rc;
        memset(s->iv0, 0, sizeof(s->iv0));
        if (iv != NULL)
            memcpy(s->iv0, iv, bs);
        break;
    }
    case K_HMAC:
        if (f != JCC_FAM_HMAC || iv != NULL)
            return JCC_ILLEGAL_VALUE;
        if (!jcc_key_ready(key))
            return JCC_UNINITIALIZED_KEY;
        OPENSSL_cleanse(s->hkey, sizeof(s->hkey));
        s->hkey_len = key->len[JCC_S_SECRET];
        memcpy(s->hkey, jcc_slot(key, JCC_S_SECRET), s->hkey_len);
        break;
    case K_RSA:
    case K_ECDSA: {
        bool rsa = s->kind == K_RSA;
        bool pubkey = f == (rsa ? JCC_FAM_RSA_PUB : JCC_FAM_EC_PUB);
        bool privkey = rsa ? (f == JCC_FAM_RSA_PRIV || f == JCC_FAM_RSA_CRT) : f == JCC_FAM_EC_PRIV;
        if (iv != NULL || (sign ? !privkey : !pubkey))
            return JCC_ILLEGAL_VALUE;
        if (!jcc_key_ready(key))
            return JCC_UNINITIALIZED_KEY;
        EVP_PKEY *pk;
        rc = jcc_pkey_from_key(s->c, key, &pk);
        if (rc != JCC_OK)
            return rc;
        EVP_PKEY_free(s->pk);
        s->pk = pk;
        s->siglen = rsa ? (size_t)EVP_PKEY_get_size(pk)
                        : ecdsa_der_max((size_t)(EVP_PKEY_get_bits(pk) + 7) / 8);
        if (!rsa) {
            /* the order's size, which can exceed the field's */
            BIGNUM *r = BN_bin2bn(jcc_slot(key, JCC_S_R), key->len[JCC_S_R], NULL);
            if (r != NULL)
                s->siglen = ecdsa_der_max((size_t)BN_num_bytes(r));
            BN_free(r);
        }
        /* ISO 9796-2 needs room for header, SHA-1 and trailer (any JCOP modulus has it) */
        if (s->iso9796 && s->siglen < 23)
            return JCC_ILLEGAL_VALUE;
        break;
    }
    }
    s->sign = sign;
    s->inited = true;
    s->key_lost = false;
    restart(s);
    return JCC_OK;
}

void jcc_sig_card_reset(jcc_sig *s)
{
    if (s == NULL || !s->inited)
        return;
    memset(s->iv0, 0, sizeof(s->iv0));
    restart(s);
}

void jcc_sig_key_cleared(jcc_sig *s)
{
    if (s != NULL && s->inited)
        s->key_lost = true;
}

/* MAC: feed data through CBC, keeping a partial (or, at the end, the last) block. */
static int mac_feed(jcc_sig *s, const uint8_t *in, size_t in_len)
{
    unsigned bs = s->blk.bs;
    uint8_t *sc = s->c->scratch;
    size_t have = s->buflen + in_len;
    size_t run = have / bs * bs;
    if (run == have && run > 0)
        run -= bs; /* the last block may be the final one (retail MAC) */
    memcpy(sc, s->buf, s->buflen);
    if (in_len > 0)
        memcpy(sc + s->buflen, in, in_len);
    int rc = jcc_blk_run(&s->blk, true, true, s->chain, sc, run, sc + have);
    if (rc == JCC_OK) {
        s->buflen = have - run;
        memcpy(s->buf, sc + run, s->buflen);
        s->total += in_len;
    }
    OPENSSL_cleanse(sc, have + run);
    return rc;
}

/* ISO 9796-2: keep the message's recoverable part (its first siglen - 22 bytes). */
static void iso_feed(jcc_sig *s, const uint8_t *in, size_t n)
{
    if (!s->iso9796)
        return;
    size_t cap = s->siglen - 22;
    size_t take = s->rec_len < cap ? cap - s->rec_len : 0;
    if (take > n)
        take = n;
    if (take > 0)
        memcpy(s->rec + s->rec_len, in, take);
    s->rec_len += take;
    s->msg_len += n;
}

/* The ISO/IEC 9796-2 scheme 1 message representative X of siglen = N bytes for the message fed
   so far and its SHA-1 digest d, with the implicit trailer BC of option 1 (the form EMV's
   signatures use, which the Java Card API names for this algorithm):
   - message longer than the capacity N - 22 (partial recovery):
     6A || its first N - 22 bytes || SHA-1 || BC;
   - message of exactly N - 22 bytes (total recovery): 4A || message || SHA-1 || BC;
   - shorter message (total recovery, padded): 4B BB .. BB BA || message || SHA-1 || BC.
   The leading bits 01 keep X below any modulus of N bytes whose top bit is set. */
static void iso_encode(const jcc_sig *s, const uint8_t *d, uint8_t *x)
{
    size_t n = s->siglen, cap = n - 22, p = n - 21 - s->rec_len;
    if (s->msg_len > cap) {
        x[0] = 0x6A;
    } else if (p == 1) {
        x[0] = 0x4A;
    } else {
        x[0] = 0x4B;
        memset(x + 1, 0xBB, p - 2);
        x[p - 1] = 0xBA;
    }
    memcpy(x + p, s->rec, s->rec_len);
    memcpy(x + p + s->rec_len, d, 20);
    x[n - 1] = 0xBC;
}

/* ISO 9796-2 sign (raw RSA over X) or verify (recover S^e mod n and compare with X). */
static int iso_rsa(jcc_sig *s, const uint8_t *d, const uint8_t *sig, size_t sig_len, uint8_t *out,
                   size_t *out_len, bool *ok)
{
    uint8_t x[JCC_RSA_MAX_BYTES], y[JCC_RSA_MAX_BYTES];
    size_t n = s->siglen, yl = sizeof(y);
    int rc = JCC_ERR_CRYPTO;
    iso_encode(s, d, x);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(s->c->lib, s->pk, NULL);
    if (pc == NULL)
        goto done;
    if (s->sign) {
        *out_len = n;
        if (EVP_PKEY_sign_init(pc) == 1 && EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING) == 1)
            rc = EVP_PKEY_sign(pc, out, out_len, x, n) == 1 ? JCC_OK : JCC_ILLEGAL_USE;
    } else {
        *ok = false;
        if (EVP_PKEY_verify_recover_init(pc) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING) == 1) {
            rc = JCC_OK;
            /* a signature of the wrong length or not below the modulus verifies false */
            if (sig_len == n && EVP_PKEY_verify_recover(pc, y, &yl, sig, sig_len) == 1 && yl <= n) {
                memmove(y + (n - yl), y, yl);
                memset(y, 0, n - yl);
                *ok = CRYPTO_memcmp(x, y, n) == 0;
            }
        }
    }
done:
    EVP_PKEY_CTX_free(pc);
    OPENSSL_cleanse(x, sizeof(x));
    OPENSSL_cleanse(y, sizeof(y));
    return rc;
}

int jcc_sig_update(jcc_sig *s, const uint8_t *in, size_t in_len)
{
    if (s == NULL)
        return JCC_ERR_ARG;
    if (!s->inited)
        return JCC_INVALID_INIT;
    if (s->key_lost)
        return JCC_UNINITIALIZED_KEY;
    if (in == NULL && in_len > 0)
        return JCC_EX_NULL;
    if (in_len > JCC_MAX_IO)
        return JCC_EX_INDEX;
    switch (s->kind) {
    case K_MAC:
        return mac_feed(s, in, in_len);
    case K_HMAC:
        return EVP_MAC_update(s->mx, in, in_len) == 1 ? JCC_OK : JCC_ERR_CRYPTO;
    default:
        iso_feed(s, in, in_len);
        return EVP_DigestUpdate(s->mdx, in, in_len) == 1 ? JCC_OK : JCC_ERR_CRYPTO;
    }
}

/* The MAC over everything fed plus in; mac gets s->maclen bytes. */
static int mac_final(jcc_sig *s, const uint8_t *in, size_t in_len, uint8_t *mac)
{
    unsigned bs = s->blk.bs;
    int rc = mac_feed(s, in, in_len);
    if (rc != JCC_OK)
        return rc;
    uint8_t last[32];
    size_t n = s->buflen, run = n;
    memcpy(last, s->buf, n);
    bool empty = s->total == 0;
    switch (s->pad) {
    case SP_NONE:
        if (n % bs != 0 || empty)
            return JCC_ILLEGAL_USE;
        break;
    case SP_M1:
        run = (n % bs != 0 || empty) ? (n / bs + 1) * bs : n;
        memset(last + n, 0, run - n);
        break;
    case SP_M2:
        run = (n / bs + 1) * bs;
        last[n] = 0x80;
        memset(last + n + 1, 0, run - n - 1);
        break;
    case SP_PKCS5:
        run = (n / bs + 1) * bs;
        memset(last + n, (int)(run - n), run - n);
        break;
    }
    uint8_t out[32], t[16];
    int ol;
    rc = jcc_blk_run(&s->blk, true, true, s->chain, last, run, out);
    if (rc == JCC_OK && s->retail) {
        /* ISO 9797-1 output transformation 3: decrypt with K2, encrypt with K1. */
        const uint8_t *h = out + run - bs;
        if (EVP_CipherUpdate(s->blk.k2, t, &ol, h, (int)bs) != 1 ||
            EVP_CipherUpdate(s->blk.k1, out + run - bs, &ol, t, (int)bs) != 1)
            rc = JCC_ERR_CRYPTO;
    }
    if (rc == JCC_OK)
        memcpy(mac, out + run - bs, s->maclen);
    OPENSSL_cleanse(last, sizeof(last));
    OPENSSL_cleanse(out, sizeof(out));
    return rc;
}

static int pkey_ctx(jcc_sig *s, EVP_PKEY_CTX **out)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(s->c->lib, s->pk, NULL);
    *out = pc;
    if (pc == NULL || (s->sign ? EVP_PKEY_sign_init(pc) : EVP_PKEY_verify_init(pc)) != 1 ||
        EVP_PKEY_CTX_set_signature_md(pc, s->md) != 1)
        return JCC_ERR_CRYPTO;
    if (s->kind == K_RSA) {
        if (EVP_PKEY_CTX_set_rsa_padding(pc, s->pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) !=
            1)
            return JCC_ERR_CRYPTO;
        if (s->pss && (EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1 ||
                       EVP_PKEY_CTX_set_rsa_mgf1_md(pc, s->md) != 1))
            return JCC_ERR_CRYPTO;
    }
    return JCC_OK;
}

int jcc_sig_sign(jcc_sig *s, const uint8_t *in, size_t in_len, uint8_t *sig, size_t cap,
                 size_t *sig_len)
{
    if (s == NULL || sig_len == NULL)
        return JCC_ERR_ARG;
    if (!s->inited)
        return JCC_INVALID_INIT;
    if (s->key_lost)
        return JCC_UNINITIALIZED_KEY;
    if ((in == NULL && in_len > 0) || sig == NULL)
        return JCC_EX_NULL;
    if (!s->sign || in_len > JCC_MAX_IO)
        return !s->sign ? JCC_ILLEGAL_USE : JCC_EX_INDEX;
    int rc;
    uint8_t tmp[EVP_MAX_MD_SIZE + 1024];
    size_t n = 0;
    /* The output bound is checked before anything is consumed. */
    size_t need;
    jcc_sig_length(s, &need);
    if (s->kind != K_ECDSA && need > cap)
        return JCC_EX_INDEX;
    switch (s->kind) {
    case K_MAC:
        rc = mac_final(s, in, in_len, tmp);
        n = s->maclen;
        break;
    case K_HMAC:
        rc = JCC_ERR_CRYPTO;
        if (EVP_MAC_update(s->mx, in, in_len) == 1 &&
            EVP_MAC_final(s->mx, tmp, &n, sizeof(tmp)) == 1)
            rc = JCC_OK;
        break;
    default: {
        uint8_t d[EVP_MAX_MD_SIZE];
        unsigned dl = 0;
        EVP_PKEY_CTX *pc = NULL;
        rc = JCC_ERR_CRYPTO;
        n = sizeof(tmp);
        iso_feed(s, in, in_len);
        if (s->iso9796) {
            if (EVP_DigestUpdate(s->mdx, in, in_len) == 1 &&
                EVP_DigestFinal_ex(s->mdx, d, &dl) == 1)
                rc = iso_rsa(s, d, NULL, 0, tmp, &n, NULL);
            ERR_clear_error();
            break;
        }
        if (EVP_DigestUpdate(s->mdx, in, in_len) == 1 && EVP_DigestFinal_ex(s->mdx, d, &dl) == 1 &&
            (rc = pkey_ctx(s, &pc)) == JCC_OK) {
            if (EVP_PKEY_sign(pc, tmp, &n, d, dl) != 1)
                rc = JCC_ILLEGAL_USE; /* e.g. a modulus too short for the digest */
        }
        EVP_PKEY_CTX_free(pc);
        ERR_clear_error();
        break;
    }
    }
    if (rc == JCC_OK && n > cap)
        rc = JCC_EX_INDEX;
    if (rc == JCC_OK) {
        memcpy(sig, tmp, n);
        *sig_len = n;
    }
    OPENSSL_cleanse(tmp, sizeof(tmp));
    restart(s);
    return rc;
}

int jcc_sig_verify(jcc_sig *s, const uint8_t *in, size_t in_len, const uint8_t *sig, size_t sig_len,
                   bool *ok)
{
    if (s == NULL || ok == NULL)
        return JCC_ERR_ARG;
    if (!s->inited)
        return JCC_INVALID_INIT;
    if (s->key_lost)
        return JCC_UNINITIALIZED_KEY;
    if ((in == NULL && in_len > 0) || (sig == NULL && sig_len > 0))
        return JCC_EX_NULL;
    if (s->sign || in_len > JCC_MAX_IO)
        return s->sign ? JCC_ILLEGAL_USE : JCC_EX_INDEX;
    int rc;
    uint8_t tmp[EVP_MAX_MD_SIZE + 64];
    size_t n = 0;
    *ok = false;
    switch (s->kind) {
    case K_MAC:
        rc = mac_final(s, in, in_len, tmp);
        *ok = rc == JCC_OK && sig_len == s->maclen && CRYPTO_memcmp(tmp, sig, sig_len) == 0;
        break;
    case K_HMAC:
        rc = JCC_ERR_CRYPTO;
        if (EVP_MAC_update(s->mx, in, in_len) == 1 &&
            EVP_MAC_final(s->mx, tmp, &n, sizeof(tmp)) == 1) {
            rc = JCC_OK;
            *ok = sig_len == n && CRYPTO_memcmp(tmp, sig, n) == 0;
        }
        break;
    default: {
        uint8_t d[EVP_MAX_MD_SIZE];
        unsigned dl = 0;
        EVP_PKEY_CTX *pc = NULL;
        rc = JCC_ERR_CRYPTO;
        iso_feed(s, in, in_len);
        if (s->iso9796) {
            if (EVP_DigestUpdate(s->mdx, in, in_len) == 1 &&
                EVP_DigestFinal_ex(s->mdx, d, &dl) == 1)
                rc = iso_rsa(s, d, sig, sig_len, NULL, NULL, ok);
            ERR_clear_error();
            break;
        }
        if (EVP_DigestUpdate(s->mdx, in, in_len) == 1 && EVP_DigestFinal_ex(s->mdx, d, &dl) == 1 &&
            (rc = pkey_ctx(s, &pc)) == JCC_OK) {
            /* A signature of the wrong length or not DER verifies false. */
            *ok = (s->kind == K_ECDSA || sig_len == s->siglen) && sig_len > 0 &&
                  EVP_PKEY_verify(pc, sig, sig_len, d, dl) == 1;
        }
        EVP_PKEY_CTX_free(pc);
        ERR_clear_error();
        break;
    }
    }
    OPENSSL_cleanse(tmp, sizeof(tmp));
    restart(s);
    return rc;
}
