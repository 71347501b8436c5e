/*
 * jc_crypto.c: DES/3DES, ISO 9797-1 MACs and the SCP02 derivations on top of
 * OpenSSL 3 EVP. Used by jc_scp02.c (card and host sides) and the ISD's PUT
 * KEY. All modes are built on one three-key DES-EDE3-ECB cipher (faster than
 * two-key DES-EDE in OpenSSL 3 on the machines measured): a two-key key
 * K1||K2 runs as K1||K2||K1 and single DES as K1||K1||K1. CBC and the MACs
 * chain the blocks here, so a context needs only a key (no fetch, no
 * allocation).
 *
 * Keying an EVP context (EVP_CipherInit_ex2: parameter handling and two DES
 * key schedules) costs more than the few blocks an SCP02 step encrypts, and a
 * session uses the same handful of keys again and again (static ENC/MAC/DEK
 * for every derivation, S-ENC twice, C-MAC and its K1||K1 for every command).
 * So each direction keeps JC_CRYPTO_SLOTS contexts, each keyed once and
 * reused while its key is the one asked for (round-robin replacement). ECB
 * over whole blocks with padding off leaves no state in a context between
 * calls, so a reused context gives the same bytes as a freshly keyed one.
 */
#include "jc_crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "jc_err.h"

#define JC_CRYPTO_SLOTS 6

/* One keyed context and the key it holds. */
typedef struct {
    EVP_CIPHER_CTX *x;
    uint8_t key[24];
    bool keyed;
} jc_keyslot;

struct jc_crypto {
    EVP_CIPHER *ede_ecb;                 /* fetched once */
    jc_keyslot enc[JC_CRYPTO_SLOTS];     /* encryption contexts */
    jc_keyslot dec[JC_CRYPTO_SLOTS];     /* decryption contexts */
    unsigned next_enc, next_dec;         /* the slot replaced next */
};

int jc_crypto_create(jc_crypto **out)
{
    if (out == NULL)
        return JC_ERR_ARG;
    *out = NULL;
    jc_crypto *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return JC_ERR_NOMEM;
    static const uint8_t zero_key[24] = {0};
    c->ede_ecb = EVP_CIPHER_fetch(NULL, "DES-EDE3-ECB", NULL);
    if (c->ede_ecb == NULL) {
        jc_crypto_free(c);
        return JC_ERR_CRYPTO;
    }
    for (unsigned i = 0; i < 2u * JC_CRYPTO_SLOTS; i++) {
        bool encrypt = i < JC_CRYPTO_SLOTS;
        jc_keyslot *k = encrypt ? &c->enc[i] : &c->dec[i - JC_CRYPTO_SLOTS];
        k->x = EVP_CIPHER_CTX_new();
        if (k->x == NULL ||
            EVP_CipherInit_ex2(k->x, c->ede_ecb, zero_key, NULL, encrypt ? 1 : 0, NULL) != 1) {
            jc_crypto_free(c);
            return JC_ERR_CRYPTO;
        }
        EVP_CIPHER_CTX_set_padding(k->x, 0);
    }
    *out = c;
    return JC_OK;
}

void jc_crypto_free(jc_crypto *c)
{
    if (c == NULL)
        return;
    for (unsigned i = 0; i < JC_CRYPTO_SLOTS; i++) {
        EVP_CIPHER_CTX_free(c->enc[i].x);
        EVP_CIPHER_CTX_free(c->dec[i].x);
    }
    EVP_CIPHER_free(c->ede_ecb);
    OPENSSL_cleanse(c, sizeof(*c)); /* the cached keys */
    free(c);
}

/* A context keyed with key: a slot that already holds it, else the next slot
 * in turn, re-keyed. NULL when libcrypto fails (that slot is then unkeyed). */
static EVP_CIPHER_CTX *rekey3(jc_crypto *c, bool encrypt, const uint8_t key[24])
{
    jc_keyslot *slots = encrypt ? c->enc : c->dec;
    for (unsigned i = 0; i < JC_CRYPTO_SLOTS; i++) {
        if (slots[i].keyed && jc_ct_equal(slots[i].key, key, 24))
            return slots[i].x;
    }
    unsigned *next = encrypt ? &c->next_enc : &c->next_dec;
    jc_keyslot *k = &slots[*next];
    *next = (*next + 1u) % JC_CRYPTO_SLOTS;
    k->keyed = false;
    if (EVP_CipherInit_ex2(k->x, NULL, key, NULL, encrypt ? 1 : 0, NULL) != 1)
        return NULL;
    EVP_CIPHER_CTX_set_padding(k->x, 0);
    memcpy(k->key, key, 24);
    k->keyed = true;
    return k->x;
}

/* Two-key 3DES K1||K2 as K1||K2||K1. */
static EVP_CIPHER_CTX *rekey(jc_crypto *c, bool encrypt, const uint8_t key[JC_3DES_KEY_LEN])
{
    uint8_t k3[24];
    memcpy(k3, key, 16);
    memcpy(k3 + 16, key, 8);
    return rekey3(c, encrypt, k3);
}

/* Single DES with K1 as K1||K1||K1 (encryption only). */
static EVP_CIPHER_CTX *rekey_single(jc_crypto *c, const uint8_t key[8])
{
    uint8_t k3[24];
    memcpy(k3, key, 8);
    memcpy(k3 + 8, key, 8);
    memcpy(k3 + 16, key, 8);
    return rekey3(c, true, k3);
}

/* ECB over whole blocks with an already keyed context. */
static int ecb_run(EVP_CIPHER_CTX *x, const uint8_t *in, size_t len, uint8_t *out)
{
    while (len > 0) {
        int chunk = len > 4096 ? 4096 : (int)len;
        int outl = 0;
        if (EVP_CipherUpdate(x, out, &outl, in, chunk) != 1 || outl != chunk)
            return JC_ERR_CRYPTO;
        in += chunk;
        out += chunk;
        len -= (size_t)chunk;
    }
    return JC_OK;
}

/* One block through an already keyed context. */
static int block(EVP_CIPHER_CTX *x, const uint8_t in[8], uint8_t out[8])
{
    int outl = 0;
    if (EVP_CipherUpdate(x, out, &outl, in, (int)JC_DES_BLOCK) != 1 || outl != (int)JC_DES_BLOCK)
        return JC_ERR_CRYPTO;
    return JC_OK;
}

int jc_3des_ecb(jc_crypto *c, bool encrypt, const uint8_t key[JC_3DES_KEY_LEN], const uint8_t *in,
                size_t len, uint8_t *out)
{
    if (c == NULL || key == NULL || len % JC_DES_BLOCK != 0 || (len > 0 && (in == NULL || out == NULL)))
        return JC_ERR_ARG;
    EVP_CIPHER_CTX *x = rekey(c, encrypt, key);
    if (x == NULL)
        return JC_ERR_CRYPTO;
    return ecb_run(x, in, len, out);
}

int jc_3des_cbc(jc_crypto *c, bool encrypt, const uint8_t key[JC_3DES_KEY_LEN],
                const uint8_t iv[JC_DES_BLOCK], const uint8_t *in, size_t len, uint8_t *out)
{
    if (c == NULL || key == NULL || len % JC_DES_BLOCK != 0 || (len > 0 && (in == NULL || out == NULL)))
        return JC_ERR_ARG;
    EVP_CIPHER_CTX *x = rekey(c, encrypt, key);
    if (x == NULL)
        return JC_ERR_CRYPTO;
    uint8_t chain[JC_DES_BLOCK] = {0};
    if (iv != NULL)
        memcpy(chain, iv, JC_DES_BLOCK);
    for (size_t off = 0; off < len; off += JC_DES_BLOCK) {
        uint8_t tmp[JC_DES_BLOCK];
        if (encrypt) {
            for (unsigned i = 0; i < JC_DES_BLOCK; i++)
                tmp[i] = in[off + i] ^ chain[i];
            if (block(x, tmp, out + off) != JC_OK)
                return JC_ERR_CRYPTO;
            memcpy(chain, out + off, JC_DES_BLOCK);
        } else {
            uint8_t cin[JC_DES_BLOCK];
            memcpy(cin, in + off, JC_DES_BLOCK); /* in may alias out */
            if (block(x, cin, tmp) != JC_OK)
                return JC_ERR_CRYPTO;
            for (unsigned i = 0; i < JC_DES_BLOCK; i++)
                out[off + i] = tmp[i] ^ chain[i];
            memcpy(chain, cin, JC_DES_BLOCK);
        }
    }
    return JC_OK;
}

int jc_des_ecb_encrypt(jc_crypto *c, const uint8_t key[8], const uint8_t *in, size_t len, uint8_t *out)
{
    if (key == NULL)
        return JC_ERR_ARG;
    uint8_t k11[JC_3DES_KEY_LEN];
    memcpy(k11, key, 8);
    memcpy(k11 + 8, key, 8);
    return jc_3des_ecb(c, true, k11, in, len, out);
}

size_t jc_pad80(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    size_t padded = (len / JC_DES_BLOCK + 1) * JC_DES_BLOCK;
    if (out == NULL || padded > cap || (len > 0 && in == NULL))
        return 0;
    if (len > 0 && in != out)
        memmove(out, in, len);
    out[len] = 0x80;
    memset(out + len + 1, 0, padded - len - 1);
    return padded;
}

int jc_unpad80(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0 || len % JC_DES_BLOCK != 0)
        return JC_ERR_FORMAT;
    /* Look at the last block only: method 2 never pads a whole extra block
     * beyond the 80 marker. Scan without early exit on the data bytes. */
    size_t i = len;
    while (i > len - JC_DES_BLOCK && buf[i - 1] == 0x00)
        i--;
    if (i == len - JC_DES_BLOCK || buf[i - 1] != 0x80)
        return JC_ERR_FORMAT;
    return (int)(i - 1);
}

/* CBC-MAC over data plus method-2 padding, block by block through keyed x,
 * starting from chain. Processes all blocks but keeps the last padded block
 * out when stop_before_last is set, returning it in last. */
static int cbc_mac_blocks(EVP_CIPHER_CTX *x, uint8_t chain[8], const uint8_t *data, size_t len,
                          bool stop_before_last, uint8_t last[8])
{
    size_t full = len / JC_DES_BLOCK; /* whole data blocks; padding block follows */
    uint8_t pad[JC_DES_BLOCK] = {0};
    size_t rem = len % JC_DES_BLOCK;
    if (rem > 0)
        memcpy(pad, data + full * JC_DES_BLOCK, rem);
    pad[rem] = 0x80;
    for (size_t b = 0; b < full; b++) {
        uint8_t tmp[JC_DES_BLOCK];
        for (unsigned i = 0; i < JC_DES_BLOCK; i++)
            tmp[i] = data[b * JC_DES_BLOCK + i] ^ chain[i];
        if (block(x, tmp, chain) != JC_OK)
            return JC_ERR_CRYPTO;
    }
    if (stop_before_last) {
        memcpy(last, pad, JC_DES_BLOCK);
        return JC_OK;
    }
    for (unsigned i = 0; i < JC_DES_BLOCK; i++)
        pad[i] ^= chain[i];
    return block(x, pad, chain);
}

int jc_mac_full3des(jc_crypto *c, const uint8_t key[JC_3DES_KEY_LEN], const uint8_t iv[JC_DES_BLOCK],
                    const uint8_t *data, size_t len, uint8_t mac[JC_DES_BLOCK])
{
    if (c == NULL || key == NULL || mac == NULL || (len > 0 && data == NULL))
        return JC_ERR_ARG;
    EVP_CIPHER_CTX *x = rekey(c, true, key);
    if (x == NULL)
        return JC_ERR_CRYPTO;
    uint8_t chain[JC_DES_BLOCK] = {0};
    if (iv != NULL)
        memcpy(chain, iv, JC_DES_BLOCK);
    int rc = cbc_mac_blocks(x, chain, data, len, false, NULL);
    if (rc == JC_OK)
        memcpy(mac, chain, JC_DES_BLOCK);
    return rc;
}

int jc_mac_retail(jc_crypto *c, const uint8_t key[JC_3DES_KEY_LEN], const uint8_t iv[JC_DES_BLOCK],
                  const uint8_t *data, size_t len, uint8_t mac[JC_DES_BLOCK])
{
    if (c == NULL || key == NULL || mac == NULL || (len > 0 && data == NULL))
        return JC_ERR_ARG;
    EVP_CIPHER_CTX *x = rekey_single(c, key);
    if (x == NULL)
        return JC_ERR_CRYPTO;
    uint8_t chain[JC_DES_BLOCK] = {0};
    if (iv != NULL)
        memcpy(chain, iv, JC_DES_BLOCK);
    uint8_t last[JC_DES_BLOCK];
    int rc = cbc_mac_blocks(x, chain, data, len, true, last);
    if (rc != JC_OK)
        return rc;
    for (unsigned i = 0; i < JC_DES_BLOCK; i++)
        last[i] ^= chain[i];
    x = rekey(c, true, key);
    if (x == NULL)
        return JC_ERR_CRYPTO;
    return block(x, last, mac);
}

int jc_kcv(jc_crypto *c, const uint8_t key[JC_3DES_KEY_LEN], uint8_t kcv[JC_KCV_LEN])
{
    static const uint8_t zero[JC_DES_BLOCK] = {0};
    uint8_t out[JC_DES_BLOCK];
    if (kcv == NULL)
        return JC_ERR_ARG;
    int rc = jc_3des_ecb(c, true, key, zero, sizeof(zero), out);
    if (rc == JC_OK)
        memcpy(kcv, out, JC_KCV_LEN);
    return rc;
}

bool jc_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    volatile uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (uint8_t)(a[i] ^ b[i]);
    return acc == 0;
}

int jc_scp02_derive(jc_crypto *c, const uint8_t static_key[JC_3DES_KEY_LEN], uint16_t constant,
                    uint16_t counter, uint8_t session_key[JC_3DES_KEY_LEN])
{
    uint8_t in[16] = {(uint8_t)(constant >> 8), (uint8_t)constant, (uint8_t)(counter >> 8),
                      (uint8_t)counter};
    if (session_key == NULL)
        return JC_ERR_ARG;
    return jc_3des_cbc(c, true, static_key, NULL, in, sizeof(in), session_key);
}

int jc_scp02_card_cryptogram(jc_crypto *c, const uint8_t s_enc[JC_3DES_KEY_LEN],
                             const uint8_t host_chal[8], uint16_t counter,
                             const uint8_t card_chal[6], uint8_t out[8])
{
    uint8_t in[16];
    memcpy(in, host_chal, 8);
    in[8] = (uint8_t)(counter >> 8);
    in[9] = (uint8_t)counter;
    memcpy(in + 10, card_chal, 6);
    return jc_mac_full3des(c, s_enc, NULL, in, sizeof(in), out);
}

int jc_scp02_host_cryptogram(jc_crypto *c, const uint8_t s_enc[JC_3DES_KEY_LEN],
                             const uint8_t host_chal[8], uint16_t counter,
                             const uint8_t card_chal[6], uint8_t out[8])
{
    uint8_t in[16];
    in[0] = (uint8_t)(counter >> 8);
    in[1] = (uint8_t)counter;
    memcpy(in + 2, card_chal, 6);
    memcpy(in + 8, host_chal, 8);
    return jc_mac_full3des(c, s_enc, NULL, in, sizeof(in), out);
}
