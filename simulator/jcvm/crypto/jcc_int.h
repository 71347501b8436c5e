/*
 * jcc_int.h: what the engine's files share and the natives never see: the
 * context (private libcrypto library context, fetched algorithms, a scratch
 * buffer), the key layout, and helpers that turn a key into an EVP_PKEY.
 */
#ifndef JCC_INT_H
#define JCC_INT_H

#include "jcc.h"

#include <openssl/evp.h>

/* Largest input one call handles (a Java array is at most 32767 bytes). */
#define JCC_MAX_IO 32768u
/* Largest RSA modulus in bytes, largest EC field in bytes. */
#define JCC_RSA_MAX_BYTES 256u
#define JCC_EC_MAX_BYTES 66u

struct jcc_ctx {
    jcc_profile profile;
    jcc_random_fn random;
    void *random_arg;
    OSSL_LIB_CTX *lib; /* default + legacy + the injected RAND */
    OSSL_PROVIDER *prov_default, *prov_legacy, *prov_rand;
    EVP_CIPHER *des_ecb, *aes_ecb[3], *seed_ecb; /* fetched once; seed NULL if no legacy */
    uint8_t *scratch;                            /* JCC_MAX_IO + 64 bytes */
};

/* Component slots of a key (one byte array each, capacity fixed at build). */
enum { JCC_SLOTS = 8 };

struct jcc_key {
    uint8_t type;
    uint16_t bits;
    uint16_t cofactor; /* EC K */
    bool k_set;
    uint8_t *buf;            /* all slots, back to back */
    uint16_t off[JCC_SLOTS]; /* slot offset in buf */
    uint16_t cap[JCC_SLOTS]; /* slot capacity */
    uint16_t len[JCC_SLOTS]; /* slot length when set */
    uint8_t set;             /* bit i = slot i set */
    uint8_t nslots;
    size_t total; /* bytes of buf */
};

/* Key families. */
typedef enum {
    JCC_FAM_DES,
    JCC_FAM_AES,
    JCC_FAM_SEED,
    JCC_FAM_HMAC,
    JCC_FAM_RSA_PUB,
    JCC_FAM_RSA_PRIV,
    JCC_FAM_RSA_CRT,
    JCC_FAM_EC_PUB,
    JCC_FAM_EC_PRIV,
    JCC_FAM_NONE,
} jcc_fam;

jcc_fam jcc_type_family(int type);
/* Whether the engine can build (type, bits) at all (whatever the profile). */
bool jcc_type_valid(int type, int bits);
/* The slot of a component for that family, or -1. */
int jcc_comp_slot(jcc_fam f, jcc_comp comp);
/* Slot indexes used inside the engine. */
enum {
    JCC_S_SECRET = 0,
    JCC_S_N = 0,
    JCC_S_E = 1,
    JCC_S_HIDDEN_E = 2, /* RSA pub/priv; hidden e for generated privates */
    JCC_S_P = 0,
    JCC_S_Q = 1,
    JCC_S_DP = 2,
    JCC_S_DQ = 3,
    JCC_S_PQ = 4, /* CRT */
    JCC_S_FIELD = 0,
    JCC_S_A = 1,
    JCC_S_B = 2,
    JCC_S_G = 3,
    JCC_S_R = 4,
    JCC_S_KEY = 5, /* EC W or S */
};
static inline bool jcc_slot_set(const jcc_key *k, int slot)
{
    return (k->set >> slot) & 1u;
}
static inline const uint8_t *jcc_slot(const jcc_key *k, int slot)
{
    return k->buf + k->off[slot];
}
/* Store into a slot, bypassing the Java-visible checks (used by key-pair
 * generation); len must fit. */
void jcc_key_put(jcc_key *k, int slot, const uint8_t *data, size_t len);
/* Whether all the components the family needs for use are set. */
bool jcc_key_ready(const jcc_key *k);

/* Build an EVP_PKEY (in c->lib) from an initialised RSA or EC key; the EC
 * domain parameters are checked (prime field, point on the curve). Returns a
 * jcc_rc (ILLEGAL_VALUE for inconsistent values). */
int jcc_pkey_from_key(jcc_ctx *c, const jcc_key *k, EVP_PKEY **out);
/* An EVP_PKEY of an EC key's domain parameters and the given public point
 * (for KeyAgreement's peer); ILLEGAL_VALUE when the point is not on the curve. */
int jcc_pkey_ec_peer(jcc_ctx *c, const jcc_key *k, const uint8_t *pt, size_t len, EVP_PKEY **out);
/* Modulus bytes of an RSA key, field bytes of an EC key. */
size_t jcc_key_modulus_len(const jcc_key *k);

/* Block-cipher engine for the DES/AES/SEED ciphers and MACs: ECB contexts
 * keyed once at init; CBC chaining is done over them. */
typedef struct {
    EVP_CIPHER_CTX *x;  /* the key, ECB, in the init direction */
    EVP_CIPHER_CTX *k1; /* retail MAC: single DES K1 encrypt */
    EVP_CIPHER_CTX *k2; /* retail MAC: single DES K2 decrypt */
    unsigned bs;
} jcc_blk;
/* Key x (and, with retail, k1/k2) from a DES/AES/SEED key; ILLEGAL_VALUE for
 * a key this engine cannot use that way. */
int jcc_blk_key(jcc_ctx *c, jcc_blk *b, const jcc_key *k, bool encrypt, bool retail);
/* Run n bytes (a multiple of bs) through x: ECB, or CBC with *chain updated. */
int jcc_blk_run(jcc_blk *b, bool cbc, bool encrypt, uint8_t *chain, const uint8_t *src, size_t n,
                uint8_t *dst);
void jcc_blk_free(jcc_blk *b);

/* Draw from the injected source. */
int jcc_rand(jcc_ctx *c, uint8_t *out, size_t n);

/* Message digest by Java Card algorithm number (NULL if the engine has none). */
const char *jcc_md_name(int alg);

#endif
