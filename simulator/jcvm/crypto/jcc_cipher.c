/*
 * jcc_cipher.c: javacardx.crypto.Cipher. The symmetric algorithms (DES/3DES,
 * AES, Korean SEED in ECB or CBC, with the API's paddings) run on the block
 * engine (jcc_blk: an ECB EVP context keyed once at init, CBC chained here so
 * that update/doFinal can split the data anywhere); RSA (PKCS#1 v1.5, no
 * padding, OAEP) goes through EVP_PKEY of the key.
 *
 * Java Card semantics kept here: update outputs whole blocks and buffers the
 * rest (and, when decrypting a padded algorithm, the last whole block, so that
 * doFinal can check and strip the padding); doFinal returns the object to its
 * state right after init (CBC back to the init IV); a message that is not
 * block aligned, or empty, for a no-padding algorithm, and bad padding on
 * decryption are ILLEGAL_USE; RSA update only collects input.
 */
#include "jcc_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

/* ---- block engine ------------------------------------------------------------ */

static EVP_CIPHER_CTX *ecb_ctx(const EVP_CIPHER *ciph, const uint8_t *key, bool encrypt)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    if (x == NULL)
        return NULL;
    if (EVP_CipherInit_ex2(x, ciph, key, NULL, encrypt ? 1 : 0, NULL) != 1) {
        EVP_CIPHER_CTX_free(x);
        return NULL;
    }
    EVP_CIPHER_CTX_set_padding(x, 0);
    return x;
}

int jcc_blk_key(jcc_ctx *c, jcc_blk *b, const jcc_key *k, bool encrypt, bool retail)
{
    const uint8_t *kb = jcc_slot(k, JCC_S_SECRET);
    size_t kl = k->len[JCC_S_SECRET];
    uint8_t k3[24];
    jcc_blk nb = {0};
    switch (jcc_type_family(k->type)) {
    case JCC_FAM_DES:
        nb.bs = 8;
        if (retail) {
            if (kl != 16)
                return JCC_ILLEGAL_VALUE;
            /* K1 and K2 as single DES (3DES with K||K||K). */
            memcpy(k3, kb, 8);
            memcpy(k3 + 8, kb, 8);
            memcpy(k3 + 16, kb, 8);
            nb.k1 = ecb_ctx(c->des_ecb, k3, true);
            nb.x = ecb_ctx(c->des_ecb, k3, true);
            memcpy(k3, kb + 8, 8);
            memcpy(k3 + 8, kb + 8, 8);
            memcpy(k3 + 16, kb + 8, 8);
            nb.k2 = ecb_ctx(c->des_ecb, k3, false);
            OPENSSL_cleanse(k3, sizeof(k3));
            if (nb.k1 == NULL || nb.k2 == NULL || nb.x == NULL) {
                jcc_blk_free(&nb);
                return JCC_ERR_CRYPTO;
            }
            break;
        }
        memcpy(k3, kb, 8);
        memcpy(k3 + 8, kl >= 16 ? kb + 8 : kb, 8);
        memcpy(k3 + 16, kl == 24 ? kb + 16 : kb, 8);
        nb.x = ecb_ctx(c->des_ecb, k3, encrypt);
        OPENSSL_cleanse(k3, sizeof(k3));
        break;
    case JCC_FAM_AES:
        nb.bs = 16;
        nb.x = ecb_ctx(c->aes_ecb[kl == 16 ? 0 : kl == 24 ? 1 : 2], kb, encrypt);
        break;
    case JCC_FAM_SEED:
        if (c->seed_ecb == NULL)
            return JCC_NO_SUCH_ALGORITHM;
        nb.bs = 16;
        nb.x = ecb_ctx(c->seed_ecb, kb, encrypt);
        break;
    default:
        return JCC_ILLEGAL_VALUE;
    }
    if (nb.x == NULL)
        return JCC_ERR_CRYPTO;
    jcc_blk_free(b);
    *b = nb;
    return JCC_OK;
}

int jcc_blk_run(jcc_blk *b, bool cbc, bool encrypt, uint8_t *chain, const uint8_t *src, size_t n,
                uint8_t *dst)
{
    int ol = 0;
    unsigned bs = b->bs;
    if (n == 0)
        return JCC_OK;
    if (!cbc)
        return EVP_CipherUpdate(b->x, dst, &ol, src, (int)n) == 1 ? JCC_OK : JCC_ERR_CRYPTO;
    uint8_t t[16], s[16];
    for (size_t i = 0; i < n; i += bs) {
        if (encrypt) {
            for (unsigned j = 0; j < bs; j++)
                t[j] = src[i + j] ^ chain[j];
            if (EVP_CipherUpdate(b->x, dst + i, &ol, t, (int)bs) != 1)
                return JCC_ERR_CRYPTO;
            memcpy(chain, dst + i, bs);
        } else {
            memcpy(s, src + i, bs);
            if (EVP_CipherUpdate(b->x, t, &ol, s, (int)bs) != 1)
                return JCC_ERR_CRYPTO;
            for (unsigned j = 0; j < bs; j++)
                dst[i + j] = t[j] ^ chain[j];
            memcpy(chain, s, bs);
        }
    }
    return JCC_OK;
}

void jcc_blk_free(jcc_blk *b)
{
    EVP_CIPHER_CTX_free(b->x);
    EVP_CIPHER_CTX_free(b->k1);
    EVP_CIPHER_CTX_free(b->k2);
    memset(b, 0, sizeof(*b));
}

/* ---- Cipher ---------------------------------------------------------------------- */

typedef enum { PAD_NONE, PAD_M1, PAD_M2, PAD_PKCS5 } pad_kind;

struct jcc_cipher {
    jcc_ctx *c;
    uint8_t alg;
    jcc_fam fam; /* key family the algorithm takes (RSA: JCC_FAM_RSA_PUB for all three) */
    bool cbc;
    pad_kind pad;
    bool inited, encrypt;
    bool key_lost; /* the transient key it was initialised with was cleared */
    /* symmetric */
    jcc_blk blk;
    uint8_t iv0[16], chain[16], buf[16];
    size_t buflen;
    size_t total; /* input bytes since init or the last doFinal */
    /* RSA */
    EVP_PKEY *pk;
    bool private_key;
    int rsa_pad;
    uint8_t *rbuf; /* up to the modulus length */
    size_t rlen, k;
};

static bool cipher_alg(int alg, jcc_fam *fam, bool *cbc, pad_kind *pad)
{
    *cbc = false;
    *pad = PAD_NONE;
    switch (alg) {
    case JCC_CIPHER_DES_CBC_NOPAD:
        *cbc = true;
        *fam = JCC_FAM_DES;
        return true;
    case JCC_CIPHER_DES_CBC_ISO9797_M1:
        *cbc = true;
        *pad = PAD_M1;
        *fam = JCC_FAM_DES;
        return true;
    case JCC_CIPHER_DES_CBC_ISO9797_M2:
        *cbc = true;
        *pad = PAD_M2;
        *fam = JCC_FAM_DES;
        return true;
    case JCC_CIPHER_DES_CBC_PKCS5:
        *cbc = true;
        *pad = PAD_PKCS5;
        *fam = JCC_FAM_DES;
        return true;
    case JCC_CIPHER_DES_ECB_NOPAD:
        *fam = JCC_FAM_DES;
        return true;
    case JCC_CIPHER_DES_ECB_ISO9797_M1:
        *pad = PAD_M1;
        *fam = JCC_FAM_DES;
        return true;
    case JCC_CIPHER_DES_ECB_ISO9797_M2:
        *pad = PAD_M2;
        *fam = JCC_FAM_DES;
        return true;
    case JCC_CIPHER_DES_ECB_PKCS5:
        *pad = PAD_PKCS5;
        *fam = JCC_FAM_DES;
        return true;
    case JCC_CIPHER_AES_BLOCK_128_CBC_NOPAD:
        *cbc = true;
        *fam = JCC_FAM_AES;
        return true;
    case JCC_CIPHER_AES_BLOCK_128_ECB_NOPAD:
        *fam = JCC_FAM_AES;
        return true;
    case JCC_CIPHER_KOREAN_SEED_CBC_NOPAD:
        *cbc = true;
        *fam = JCC_FAM_SEED;
        return true;
    case JCC_CIPHER_KOREAN_SEED_ECB_NOPAD:
        *fam = JCC_FAM_SEED;
        return true;
    case JCC_CIPHER_RSA_PKCS1:
    case JCC_CIPHER_RSA_NOPAD:
    case JCC_CIPHER_RSA_PKCS1_OAEP:
        *fam = JCC_FAM_RSA_PUB;
        return true;
    default:
        return false;
    }
}

int jcc_cipher_new(jcc_ctx *c, int alg, jcc_cipher **out)
{
    if (c == NULL || out == NULL)
        return JCC_ERR_ARG;
    *out = NULL;
    jcc_fam fam;
    bool cbc;
    pad_kind pad;
    if (!jcc_profile_supports(c->profile, JCC_API_CIPHER, alg, 0) ||
        !cipher_alg(alg, &fam, &cbc, &pad) || (fam == JCC_FAM_SEED && c->seed_ecb == NULL))
        return JCC_NO_SUCH_ALGORITHM;
    jcc_cipher *x = calloc(1, sizeof(*x));
    if (x == NULL)
        return JCC_ERR_NOMEM;
    x->c = c;
    x->alg = (uint8_t)alg;
    x->fam = fam;
    x->cbc = cbc;
    x->pad = pad;
    *out = x;
    return JCC_OK;
}

static void rsa_reset(jcc_cipher *x)
{
    EVP_PKEY_free(x->pk);
    x->pk = NULL;
    if (x->rbuf != NULL)
        OPENSSL_cleanse(x->rbuf, x->k);
    free(x->rbuf);
    x->rbuf = NULL;
    x->rlen = 0;
}

void jcc_cipher_free(jcc_cipher *x)
{
    if (x == NULL)
        return;
    jcc_blk_free(&x->blk);
    rsa_reset(x);
    OPENSSL_cleanse(x, sizeof(*x));
    free(x);
}

int jcc_cipher_alg(const jcc_cipher *x)
{
    return x->alg;
}

static int rsa_init(jcc_cipher *x, const jcc_key *key, bool encrypt)
{
    jcc_fam f = jcc_type_family(key->type);
    if (f != JCC_FAM_RSA_PUB && f != JCC_FAM_RSA_PRIV && f != JCC_FAM_RSA_CRT)
        return JCC_ILLEGAL_VALUE;
    if (!jcc_key_ready(key))
        return JCC_UNINITIALIZED_KEY;
    bool priv = f != JCC_FAM_RSA_PUB;
    int pad = x->alg == JCC_CIPHER_RSA_PKCS1   ? RSA_PKCS1_PADDING
              : x->alg == JCC_CIPHER_RSA_NOPAD ? RSA_NO_PADDING
                                               : RSA_PKCS1_OAEP_PADDING;
    /* OAEP is for encryption with the public key and decryption with the private. */
    if (pad == RSA_PKCS1_OAEP_PADDING && priv == encrypt)
        return JCC_ILLEGAL_VALUE;
    EVP_PKEY *pk;
    int rc = jcc_pkey_from_key(x->c, key, &pk);
    if (rc != JCC_OK)
        return rc;
    size_t k = (size_t)EVP_PKEY_get_size(pk);
    uint8_t *rbuf = calloc(1, k);
    if (rbuf == NULL) {
        EVP_PKEY_free(pk);
        return JCC_ERR_NOMEM;
    }
    rsa_reset(x);
    x->pk = pk;
    x->rbuf = rbuf;
    x->k = k;
    x->private_key = priv;
    x->rsa_pad = pad;
    return JCC_OK;
}

static void sym_restart(jcc_cipher *x);

int jcc_cipher_init(jcc_cipher *x, const jcc_key *key, int mode, const uint8_t *iv, size_t iv_len)
{
    if (x == NULL)
        return JCC_ERR_ARG;
    if (key == NULL)
        return JCC_EX_NULL;
    if (mode != JCC_CIPHER_MODE_ENCRYPT && mode != JCC_CIPHER_MODE_DECRYPT)
        return JCC_ILLEGAL_VALUE;
    bool encrypt = mode == JCC_CIPHER_MODE_ENCRYPT;
    int rc;
    if (x->fam == JCC_FAM_RSA_PUB) {
        if (iv != NULL)
            return JCC_ILLEGAL_VALUE;
        rc = rsa_init(x, key, encrypt);
    } else {
        if (jcc_type_family(key->type) != x->fam)
            return JCC_ILLEGAL_VALUE;
        if (!jcc_key_ready(key))
            return JCC_UNINITIALIZED_KEY;
        unsigned bs = x->fam == JCC_FAM_DES ? 8 : 16;
        if (iv != NULL && (!x->cbc || iv_len != bs))
            return JCC_ILLEGAL_VALUE;
        rc = jcc_blk_key(x->c, &x->blk, key, encrypt, false);
        if (rc == JCC_OK) {
            memset(x->iv0, 0, sizeof(x->iv0));
            if (iv != NULL)
                memcpy(x->iv0, iv, bs);
            memcpy(x->chain, x->iv0, sizeof(x->chain));
            x->buflen = 0;
        }
    }
    if (rc != JCC_OK)
        return rc;
    x->encrypt = encrypt;
    x->inited = true;
    x->key_lost = false;
    x->total = 0;
    return JCC_OK;
}

void jcc_cipher_card_reset(jcc_cipher *x)
{
    if (x == NULL || !x->inited)
        return;
    /* The API: back to the state after init, with a CBC IV of zeros. */
    memset(x->iv0, 0, sizeof(x->iv0));
    sym_restart(x);
    if (x->rbuf != NULL)
        OPENSSL_cleanse(x->rbuf, x->k);
    x->rlen = 0;
}

void jcc_cipher_key_cleared(jcc_cipher *x)
{
    if (x != NULL && x->inited)
        x->key_lost = true;
}

/* Back to the state right after init. */
static void sym_restart(jcc_cipher *x)
{
    memcpy(x->chain, x->iv0, sizeof(x->chain));
    OPENSSL_cleanse(x->buf, sizeof(x->buf));
    x->buflen = 0;
    x->total = 0;
}

int jcc_cipher_update(jcc_cipher *x, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    if (x == NULL || out_len == NULL)
        return JCC_ERR_ARG;
    if (!x->inited)
        return JCC_INVALID_INIT;
    if (x->key_lost)
        return JCC_UNINITIALIZED_KEY;
    if (in == NULL && in_len > 0)
        return JCC_EX_NULL;
    if (in_len > JCC_MAX_IO)
        return JCC_EX_INDEX;
    if (x->fam == JCC_FAM_RSA_PUB) {
        if (x->rlen + in_len > x->k)
            return JCC_ILLEGAL_USE;
        memcpy(x->rbuf + x->rlen, in, in_len);
        x->rlen += in_len;
        *out_len = 0;
        return JCC_OK;
    }
    unsigned bs = x->blk.bs;
    size_t have = x->buflen + in_len;
    size_t run = have / bs * bs;
    if (!x->encrypt && x->pad != PAD_NONE && run == have && run > 0)
        run -= bs; /* keep the last block for doFinal's padding check */
    if (run > 0 && out == NULL)
        return JCC_EX_NULL;
    if (run > cap)
        return JCC_EX_INDEX;
    uint8_t *s = x->c->scratch;
    memcpy(s, x->buf, x->buflen);
    if (in_len > 0)
        memcpy(s + x->buflen, in, in_len);
    int rc = jcc_blk_run(&x->blk, x->cbc, x->encrypt, x->chain, s, run, s + have);
    if (rc != JCC_OK)
        return rc;
    if (run > 0)
        memcpy(out, s + have, run);
    x->buflen = have - run;
    memcpy(x->buf, s + run, x->buflen);
    x->total += in_len;
    OPENSSL_cleanse(s, have + run);
    *out_len = run;
    return JCC_OK;
}

static int rsa_final(jcc_cipher *x, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    if (x->rlen + in_len > x->k)
        return JCC_ILLEGAL_USE;
    uint8_t *s = x->c->scratch;
    size_t n = x->rlen + in_len;
    memcpy(s, x->rbuf, x->rlen);
    if (in_len > 0)
        memcpy(s + x->rlen, in, in_len);
    /* Input lengths the scheme accepts (Java Card: otherwise ILLEGAL_USE). */
    bool len_ok;
    if (!x->encrypt || x->rsa_pad == RSA_NO_PADDING)
        len_ok = n == x->k;
    else if (x->rsa_pad == RSA_PKCS1_PADDING)
        len_ok = n <= x->k - 11;
    else
        len_ok = n <= x->k - 42;
    uint8_t *res = s + x->k;
    size_t rl = x->k;
    int rc = JCC_ILLEGAL_USE;
    EVP_PKEY_CTX *pc = NULL;
    if (!len_ok)
        goto done;
    rc = JCC_ERR_CRYPTO;
    pc = EVP_PKEY_CTX_new_from_pkey(x->c->lib, x->pk, NULL);
    if (pc == NULL)
        goto done;
    int ok;
    if (x->encrypt && !x->private_key)
        ok = EVP_PKEY_encrypt_init(pc);
    else if (x->encrypt)
        ok = EVP_PKEY_sign_init(pc);
    else if (x->private_key)
        ok = EVP_PKEY_decrypt_init(pc);
    else
        ok = EVP_PKEY_verify_recover_init(pc);
    if (ok != 1 || EVP_PKEY_CTX_set_rsa_padding(pc, x->rsa_pad) != 1)
        goto done;
    if (x->encrypt && !x->private_key)
        ok = EVP_PKEY_encrypt(pc, res, &rl, s, n);
    else if (x->encrypt)
        ok = EVP_PKEY_sign(pc, res, &rl, s, n);
    else if (x->private_key)
        ok = EVP_PKEY_decrypt(pc, res, &rl, s, n);
    else
        ok = EVP_PKEY_verify_recover(pc, res, &rl, s, n);
    if (ok != 1) {
        rc = JCC_ILLEGAL_USE; /* bad padding, a value not below the modulus */
        goto done;
    }
    rc = JCC_EX_INDEX;
    if (rl > 0 && out == NULL)
        rc = JCC_EX_NULL;
    if (rl > cap || (rl > 0 && out == NULL))
        goto done;
    memcpy(out, res, rl);
    *out_len = rl;
    rc = JCC_OK;
    x->rlen = 0;
done:
    EVP_PKEY_CTX_free(pc);
    OPENSSL_cleanse(s, 2 * x->k);
    ERR_clear_error();
    return rc;
}

int jcc_cipher_final(jcc_cipher *x, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    if (x == NULL || out_len == NULL)
        return JCC_ERR_ARG;
    if (!x->inited)
        return JCC_INVALID_INIT;
    if (x->key_lost)
        return JCC_UNINITIALIZED_KEY;
    if (in == NULL && in_len > 0)
        return JCC_EX_NULL;
    if (in_len > JCC_MAX_IO)
        return JCC_EX_INDEX;
    if (x->fam == JCC_FAM_RSA_PUB)
        return rsa_final(x, in, in_len, out, cap, out_len);
    unsigned bs = x->blk.bs;
    uint8_t *s = x->c->scratch;
    size_t n = x->buflen + in_len;
    memcpy(s, x->buf, x->buflen);
    if (in_len > 0)
        memcpy(s + x->buflen, in, in_len);
    bool empty = x->total + in_len == 0;
    size_t run = n, res = n;
    if (x->encrypt) {
        switch (x->pad) {
        case PAD_NONE:
            if (n % bs != 0 || empty)
                return JCC_ILLEGAL_USE;
            break;
        case PAD_M1:
            run = (n % bs != 0 || empty) ? (n / bs + 1) * bs : n;
            memset(s + n, 0, run - n);
            break;
        case PAD_M2:
            run = (n / bs + 1) * bs;
            s[n] = 0x80;
            memset(s + n + 1, 0, run - n - 1);
            break;
        case PAD_PKCS5:
            run = (n / bs + 1) * bs;
            memset(s + n, (int)(run - n), run - n);
            break;
        }
        res = run;
    } else if (n % bs != 0 || n == 0) {
        return JCC_ILLEGAL_USE;
    }
    if (res > cap && x->encrypt)
        return JCC_EX_INDEX;
    uint8_t chain[16];
    memcpy(chain, x->chain, sizeof(chain));
    uint8_t *d = s + run;
    int rc = jcc_blk_run(&x->blk, x->cbc, x->encrypt, chain, s, run, d);
    if (rc != JCC_OK)
        goto done;
    if (!x->encrypt) {
        rc = JCC_ILLEGAL_USE;
        if (x->pad == PAD_M2) {
            size_t i = run;
            while (i > run - bs && d[i - 1] == 0)
                i--;
            if (i == run - bs || d[i - 1] != 0x80)
                goto done;
            res = i - 1;
        } else if (x->pad == PAD_PKCS5) {
            uint8_t v = d[run - 1];
            if (v == 0 || v > bs)
                goto done;
            for (size_t i = run - v; i < run; i++)
                if (d[i] != v)
                    goto done;
            res = run - v;
        }
        rc = JCC_EX_INDEX;
        if (res > cap)
            goto done;
    }
    rc = JCC_EX_NULL;
    if (res > 0 && out == NULL)
        goto done;
    if (res > 0)
        memcpy(out, d, res);
    *out_len = res;
    sym_restart(x);
    rc = JCC_OK;
done:
    OPENSSL_cleanse(s, 2 * run + bs);
    OPENSSL_cleanse(chain, sizeof(chain));
    return rc;
}
