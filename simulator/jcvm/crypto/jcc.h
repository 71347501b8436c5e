/*
 * jcc.h: the cryptographic engine behind javacard.security and javacardx.crypto
 * (keys, Cipher, Signature, MessageDigest, RandomData, KeyPair, KeyAgreement,
 * Checksum). Pure C over OpenSSL 3 libcrypto, no VM dependency: the Java Card
 * VM's natives marshal Java arrays into (pointer, length) pairs, call these
 * functions and turn the result code into the Java exception.
 *
 * Conventions for every function:
 * - The result is a jcc_rc: JCC_OK (0); 1..5 = CryptoException with that reason
 *   (the values of CryptoException's constants); negative = another Java
 *   exception (JCC_EX_INDEX -> ArrayIndexOutOfBoundsException, JCC_EX_NULL ->
 *   NullPointerException) or an internal failure (JCC_ERR_*, the native maps
 *   it to SystemException/6F00). Nothing is written to an output buffer nor
 *   any state changed when a call fails, except where a function says so.
 * - Inputs are (pointer, length); an output is (pointer, capacity) where the
 *   native passes &array[off] and array.length - off: an output that does not
 *   fit gives JCC_EX_INDEX. Bounds of the input offsets are the native's job.
 *   Input and output may overlap (the engine works through its own buffer).
 * - Algorithm and type numbers are the Java Card API's (2.2.2, plus the 3.0.1
 *   constants JCOP 2.4.2 implements). Which ones a card has is the profile's
 *   (jcc_profile): anything else is JCC_NO_SUCH_ALGORITHM at getInstance/buildKey.
 * - Randomness comes only from the jcc_random_fn given at jcc_ctx_create:
 *   RandomData, key-pair generation, RSA padding and ECDSA nonces are all
 *   drawn from it (libcrypto's own generator is replaced inside the engine's
 *   private library context), so a card run under --seed is reproducible.
 * - Key bytes are never traced: the engine has no trace at all.
 * - Cipher/Signature/KeyAgreement init copy the key's value: changing or
 *   clearing the key object afterwards does not affect an initialised object
 *   (the VM re-initialises objects whose transient key was cleared, see
 *   jcc_key_clear).
 */
#ifndef JCC_H
#define JCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- results ---------------------------------------------------------- */

typedef enum {
    JCC_OK = 0,
    /* CryptoException reasons (javacard.security.CryptoException). */
    JCC_ILLEGAL_VALUE = 1,
    JCC_UNINITIALIZED_KEY = 2,
    JCC_NO_SUCH_ALGORITHM = 3,
    JCC_INVALID_INIT = 4,
    JCC_ILLEGAL_USE = 5,
    /* Other Java exceptions. */
    JCC_EX_INDEX = -1, /* ArrayIndexOutOfBoundsException (output too short, bad length) */
    JCC_EX_NULL = -2,  /* NullPointerException */
    /* Internal failures (not an applet error: SystemException / 6F00). */
    JCC_ERR_NOMEM = -10,
    JCC_ERR_CRYPTO = -11, /* libcrypto failed unexpectedly */
    JCC_ERR_RANDOM = -12, /* the injected random source failed */
    JCC_ERR_ARG = -13,    /* the caller broke the C contract (NULL context...) */
} jcc_rc;

/* A short name for a result ("ILLEGAL_VALUE", "ArrayIndexOutOfBounds"...). */
const char *jcc_strerror(int rc);

/* ---- Java Card constants ------------------------------------------------ */

/* javacard.security.KeyBuilder TYPE_* */
enum {
    JCC_TYPE_DES_TRANSIENT_RESET = 1,
    JCC_TYPE_DES_TRANSIENT_DESELECT = 2,
    JCC_TYPE_DES = 3,
    JCC_TYPE_RSA_PUBLIC = 4,
    JCC_TYPE_RSA_PRIVATE = 5,
    JCC_TYPE_RSA_CRT_PRIVATE = 6,
    JCC_TYPE_DSA_PUBLIC = 7,
    JCC_TYPE_DSA_PRIVATE = 8,
    JCC_TYPE_EC_F2M_PUBLIC = 9,
    JCC_TYPE_EC_F2M_PRIVATE = 10,
    JCC_TYPE_EC_FP_PUBLIC = 11,
    JCC_TYPE_EC_FP_PRIVATE = 12,
    JCC_TYPE_AES_TRANSIENT_RESET = 13,
    JCC_TYPE_AES_TRANSIENT_DESELECT = 14,
    JCC_TYPE_AES = 15,
    JCC_TYPE_KOREAN_SEED_TRANSIENT_RESET = 16,
    JCC_TYPE_KOREAN_SEED_TRANSIENT_DESELECT = 17,
    JCC_TYPE_KOREAN_SEED = 18,
    JCC_TYPE_HMAC_TRANSIENT_RESET = 19,
    JCC_TYPE_HMAC_TRANSIENT_DESELECT = 20,
    JCC_TYPE_HMAC = 21,
};

/* KeyBuilder LENGTH_* (bits; the HMAC ones are the block size in bytes) */
enum {
    JCC_LENGTH_DES = 64,
    JCC_LENGTH_DES3_2KEY = 128,
    JCC_LENGTH_DES3_3KEY = 192,
    JCC_LENGTH_RSA_512 = 512,
    JCC_LENGTH_RSA_736 = 736,
    JCC_LENGTH_RSA_768 = 768,
    JCC_LENGTH_RSA_896 = 896,
    JCC_LENGTH_RSA_1024 = 1024,
    JCC_LENGTH_RSA_1280 = 1280,
    JCC_LENGTH_RSA_1536 = 1536,
    JCC_LENGTH_RSA_1984 = 1984,
    JCC_LENGTH_RSA_2048 = 2048,
    JCC_LENGTH_EC_FP_112 = 112,
    JCC_LENGTH_EC_FP_128 = 128,
    JCC_LENGTH_EC_FP_160 = 160,
    JCC_LENGTH_EC_FP_192 = 192,
    JCC_LENGTH_EC_FP_224 = 224,
    JCC_LENGTH_EC_FP_256 = 256,
    JCC_LENGTH_EC_FP_384 = 384,
    JCC_LENGTH_AES_128 = 128,
    JCC_LENGTH_AES_192 = 192,
    JCC_LENGTH_AES_256 = 256,
    JCC_LENGTH_KOREAN_SEED_128 = 128,
    JCC_LENGTH_HMAC_SHA_1_BLOCK_64 = 64,
    JCC_LENGTH_HMAC_SHA_256_BLOCK_64 = 64,
    JCC_LENGTH_HMAC_SHA_384_BLOCK_128 = 128,
    JCC_LENGTH_HMAC_SHA_512_BLOCK_128 = 128,
};

/* javacardx.crypto.Cipher ALG_* and MODE_* */
enum {
    JCC_CIPHER_DES_CBC_NOPAD = 1,
    JCC_CIPHER_DES_CBC_ISO9797_M1 = 2,
    JCC_CIPHER_DES_CBC_ISO9797_M2 = 3,
    JCC_CIPHER_DES_CBC_PKCS5 = 4,
    JCC_CIPHER_DES_ECB_NOPAD = 5,
    JCC_CIPHER_DES_ECB_ISO9797_M1 = 6,
    JCC_CIPHER_DES_ECB_ISO9797_M2 = 7,
    JCC_CIPHER_DES_ECB_PKCS5 = 8,
    JCC_CIPHER_RSA_ISO14888 = 9,
    JCC_CIPHER_RSA_PKCS1 = 10,
    JCC_CIPHER_RSA_ISO9796 = 11,
    JCC_CIPHER_RSA_NOPAD = 12,
    JCC_CIPHER_AES_BLOCK_128_CBC_NOPAD = 13,
    JCC_CIPHER_AES_BLOCK_128_ECB_NOPAD = 14,
    JCC_CIPHER_RSA_PKCS1_OAEP = 15,
    JCC_CIPHER_KOREAN_SEED_ECB_NOPAD = 16,
    JCC_CIPHER_KOREAN_SEED_CBC_NOPAD = 17,
    JCC_CIPHER_MODE_DECRYPT = 1,
    JCC_CIPHER_MODE_ENCRYPT = 2,
};

/* javacard.security.Signature ALG_* (2.2.2 = 1..32, 3.0.1 additions 33..46) and MODE_* */
enum {
    JCC_SIG_DES_MAC4_NOPAD = 1,
    JCC_SIG_DES_MAC8_NOPAD = 2,
    JCC_SIG_DES_MAC4_ISO9797_M1 = 3,
    JCC_SIG_DES_MAC8_ISO9797_M1 = 4,
    JCC_SIG_DES_MAC4_ISO9797_M2 = 5,
    JCC_SIG_DES_MAC8_ISO9797_M2 = 6,
    JCC_SIG_DES_MAC4_PKCS5 = 7,
    JCC_SIG_DES_MAC8_PKCS5 = 8,
    JCC_SIG_RSA_SHA_ISO9796 = 9,
    JCC_SIG_RSA_SHA_PKCS1 = 10,
    JCC_SIG_RSA_MD5_PKCS1 = 11,
    JCC_SIG_RSA_RIPEMD160_ISO9796 = 12,
    JCC_SIG_RSA_RIPEMD160_PKCS1 = 13,
    JCC_SIG_DSA_SHA = 14,
    JCC_SIG_RSA_SHA_RFC2409 = 15,
    JCC_SIG_RSA_MD5_RFC2409 = 16,
    JCC_SIG_ECDSA_SHA = 17,
    JCC_SIG_AES_MAC_128_NOPAD = 18,
    JCC_SIG_DES_MAC4_ISO9797_1_M2_ALG3 = 19,
    JCC_SIG_DES_MAC8_ISO9797_1_M2_ALG3 = 20,
    JCC_SIG_RSA_SHA_PKCS1_PSS = 21,
    JCC_SIG_RSA_MD5_PKCS1_PSS = 22,
    JCC_SIG_RSA_RIPEMD160_PKCS1_PSS = 23,
    JCC_SIG_HMAC_SHA1 = 24,
    JCC_SIG_HMAC_SHA_256 = 25,
    JCC_SIG_HMAC_SHA_384 = 26,
    JCC_SIG_HMAC_SHA_512 = 27,
    JCC_SIG_HMAC_MD5 = 28,
    JCC_SIG_HMAC_RIPEMD160 = 29,
    JCC_SIG_RSA_SHA_ISO9796_MR = 30,
    JCC_SIG_RSA_RIPEMD160_ISO9796_MR = 31,
    JCC_SIG_KOREAN_SEED_MAC_NOPAD = 32,
    JCC_SIG_ECDSA_SHA_256 = 33,
    JCC_SIG_ECDSA_SHA_384 = 34,
    JCC_SIG_AES_MAC_192_NOPAD = 35,
    JCC_SIG_AES_MAC_256_NOPAD = 36,
    JCC_SIG_ECDSA_SHA_224 = 37,
    JCC_SIG_ECDSA_SHA_512 = 38,
    JCC_SIG_RSA_SHA_224_PKCS1 = 39,
    JCC_SIG_RSA_SHA_256_PKCS1 = 40,
    JCC_SIG_RSA_SHA_384_PKCS1 = 41,
    JCC_SIG_RSA_SHA_512_PKCS1 = 42,
    JCC_SIG_RSA_SHA_224_PKCS1_PSS = 43,
    JCC_SIG_RSA_SHA_256_PKCS1_PSS = 44,
    JCC_SIG_RSA_SHA_384_PKCS1_PSS = 45,
    JCC_SIG_RSA_SHA_512_PKCS1_PSS = 46,
    JCC_SIG_MODE_SIGN = 1,
    JCC_SIG_MODE_VERIFY = 2,
};

/* MessageDigest ALG_* (SHA_224 is 3.0.1) */
enum {
    JCC_MD_SHA = 1,
    JCC_MD_MD5 = 2,
    JCC_MD_RIPEMD160 = 3,
    JCC_MD_SHA_256 = 4,
    JCC_MD_SHA_384 = 5,
    JCC_MD_SHA_512 = 6,
    JCC_MD_SHA_224 = 7,
};

/* RandomData, KeyPair, KeyAgreement (DH_PLAIN is 3.0.1), Checksum ALG_* */
enum {
    JCC_RANDOM_PSEUDO = 1,
    JCC_RANDOM_SECURE = 2,
    JCC_KEYPAIR_RSA = 1,
    JCC_KEYPAIR_RSA_CRT = 2,
    JCC_KEYPAIR_DSA = 3,
    JCC_KEYPAIR_EC_F2M = 4,
    JCC_KEYPAIR_EC_FP = 5,
    JCC_KA_EC_SVDP_DH = 1,  /* = ALG_EC_SVDP_DH_KDF: SHA-1 of the shared x */
    JCC_KA_EC_SVDP_DHC = 2, /* with cofactor, SHA-1 */
    JCC_KA_EC_SVDP_DH_PLAIN = 3,
    JCC_KA_EC_SVDP_DHC_PLAIN = 4,
    JCC_CHECKSUM_ISO3309_CRC16 = 1,
    JCC_CHECKSUM_ISO3309_CRC32 = 2,
};

/* ---- profiles: which algorithms a card has ------------------------------- */

typedef enum {
    JCC_PROFILE_JCOP241 = 0,   /* JCOP 2.4.1 (J2A040 target; measured on J2A080-class cards) */
    JCC_PROFILE_JCOP242R3 = 1, /* JCOP 2.4.2 R3 (J2E145) */
    JCC_PROFILE_ALL = 2,       /* everything the engine implements (tests, tools) */
} jcc_profile;

/* The API classes a profile question is about. */
typedef enum {
    JCC_API_CIPHER,
    JCC_API_SIGNATURE,
    JCC_API_DIGEST,
    JCC_API_RANDOM,
    JCC_API_KEYPAIR, /* with a key length */
    JCC_API_KEYAGREEMENT,
    JCC_API_CHECKSUM,
    JCC_API_KEY, /* KeyBuilder type with a key length */
} jcc_api;

/* Whether the profile supports alg (and, for JCC_API_KEY/KEYPAIR, that
 * length in bits): the answer getInstance/buildKey gives. */
bool jcc_profile_supports(jcc_profile p, jcc_api api, int alg, int bits);
/* The profile's name ("JCOP 2.4.1" ...). */
const char *jcc_profile_name(jcc_profile p);

/* ---- the engine context ------------------------------------------------ */

/* The injected random source: fill out[0..n), return 0 (non-zero = failure). */
typedef int (*jcc_random_fn)(void *arg, uint8_t *out, size_t n);

typedef struct jcc_ctx jcc_ctx;

/* One per card. Owns a private libcrypto library context whose random
 * generator is `random`. Returns JCC_OK, JCC_ERR_NOMEM or JCC_ERR_CRYPTO. */
int jcc_ctx_create(jcc_profile profile, jcc_random_fn random, void *random_arg, jcc_ctx **out);
void jcc_ctx_free(jcc_ctx *c);
jcc_profile jcc_ctx_profile(const jcc_ctx *c);

/* ---- keys (KeyBuilder, Key, DESKey, AESKey, RSA*, EC*, HMACKey) -------- */

typedef struct jcc_key jcc_key;

/* KeyBuilder.buildKey(type, bits, externalAccess): NO_SUCH_ALGORITHM when the
 * profile lacks that type or length. The key starts uninitialised. */
int jcc_key_build(jcc_ctx *c, int type, int bits, jcc_key **out);
/* Free (zeroising first); NULL accepted. */
void jcc_key_free(jcc_key *k);

int jcc_key_type(const jcc_key *k); /* Key.getType */
int jcc_key_size(const jcc_key *k); /* Key.getSize (bits) */
bool jcc_key_is_initialized(const jcc_key *k);
/* Key.clearKey: every component zeroised (OPENSSL_cleanse) and unset. The VM
 * also calls it for transient keys on the event jcc_key_transient names. */
void jcc_key_clear(jcc_key *k);

typedef enum {
    JCC_PERSISTENT = 0,
    JCC_TRANSIENT_RESET = 1,    /* clear on card reset / power loss */
    JCC_TRANSIENT_DESELECT = 2, /* clear when the owning applet is deselected */
} jcc_key_life;
jcc_key_life jcc_key_transient(const jcc_key *k);

/* Key components, for the setX/getX methods. */
typedef enum {
    JCC_COMP_SECRET = 0, /* DESKey/AESKey/KoreanSEEDKey/HMACKey key */
    JCC_COMP_MODULUS,    /* RSAPublicKey, RSAPrivateKey */
    JCC_COMP_EXPONENT,   /* RSAPublicKey, RSAPrivateKey */
    JCC_COMP_P,          /* RSAPrivateCrtKey */
    JCC_COMP_Q,
    JCC_COMP_DP1,
    JCC_COMP_DQ1,
    JCC_COMP_PQ,
    JCC_COMP_FIELD, /* ECKey setFieldFP / getField */
    JCC_COMP_A,
    JCC_COMP_B,
    JCC_COMP_G,
    JCC_COMP_R,
    JCC_COMP_W, /* ECPublicKey */
    JCC_COMP_S, /* ECPrivateKey */
} jcc_comp;

/* Set a component from data[0..len). DES/AES/SEED setKey read exactly the
 * key's byte length: pass len = that (jcc_key_secret_len); a shorter array
 * is the native's ArrayIndexOutOfBounds. Big-number components may carry
 * leading zero bytes beyond the key length (they are dropped); a value still
 * longer than the key length -> ILLEGAL_VALUE. A component the key type does
 * not have -> JCC_ERR_ARG (the native calls only the interface's methods). */
int jcc_key_set(jcc_key *k, jcc_comp comp, const uint8_t *data, size_t len);
/* Get a component into out (capacity cap); *len = its byte length (the
 * value the Java getter returns). Unset -> UNINITIALIZED_KEY. */
int jcc_key_get(const jcc_key *k, jcc_comp comp, uint8_t *out, size_t cap, size_t *len);
/* ECKey.setK / getK (the cofactor; 1 until set). */
int jcc_key_set_k(jcc_key *k, uint16_t cofactor);
int jcc_key_get_k(const jcc_key *k, uint16_t *cofactor);
/* Byte length setKey reads for a secret key (8/16/24, 16/24/32, 16); HMAC: 0
 * (HMACKey.setKey takes its own length). */
size_t jcc_key_secret_len(const jcc_key *k);

/* Persistent state of a key, for the card image: a versioned, self-checking
 * blob (type, size, each component). Transient keys save no value (they come
 * back cleared). jcc_key_save with out NULL just reports the size in *len. */
int jcc_key_save(const jcc_key *k, uint8_t *out, size_t cap, size_t *len);
/* Rebuild a key from a blob: any inconsistency (version, type, size,
 * component length, trailing bytes) -> JCC_ILLEGAL_VALUE and no key. The
 * profile is not consulted (the image was built by a card that had the key). */
int jcc_key_load(jcc_ctx *c, const uint8_t *blob, size_t len, jcc_key **out);

/* ---- Cipher ---------------------------------------------------------------- */

typedef struct jcc_cipher jcc_cipher;

/* Cipher.getInstance(alg, false). */
int jcc_cipher_new(jcc_ctx *c, int alg, jcc_cipher **out);
void jcc_cipher_free(jcc_cipher *x);
int jcc_cipher_alg(const jcc_cipher *x);
/* Cipher.init(key, mode[, iv]): iv NULL = the no-IV form (CBC starts from
 * zeros). Wrong key type or mode, an IV for ECB/RSA or of the wrong length ->
 * ILLEGAL_VALUE; key not initialised -> UNINITIALIZED_KEY. */
int jcc_cipher_init(jcc_cipher *x, const jcc_key *key, int mode, const uint8_t *iv, size_t iv_len);
/* Cipher.update: whole blocks go out, a partial block (and, when decrypting
 * with padding, the last whole block) stays buffered. *out_len = bytes written. */
int jcc_cipher_update(jcc_cipher *x, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                      size_t *out_len);
/* Cipher.doFinal: then the object is back in its state right after init. */
int jcc_cipher_final(jcc_cipher *x, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                     size_t *out_len);

/* Card reset or tear (the VM calls it for every Cipher object): an
 * initialised object goes back to its state after init, with a CBC IV of
 * zeros (the API's note). */
void jcc_cipher_card_reset(jcc_cipher *x);
/* The transient key the object was initialised with was cleared (reset,
 * deselect or clearKey): until the next init, update/doFinal throw
 * UNINITIALIZED_KEY. The VM knows which key each object was initialised
 * with (the engine keeps a copy of the value, not a reference). */
void jcc_cipher_key_cleared(jcc_cipher *x);

/* ---- Signature ---------------------------------------------------------- */

typedef struct jcc_sig jcc_sig;

int jcc_sig_new(jcc_ctx *c, int alg, jcc_sig **out);
void jcc_sig_free(jcc_sig *s);
int jcc_sig_alg(const jcc_sig *s);
/* Signature.getLength: the signature's byte length (MAC length, modulus
 * length, the maximum DER length for ECDSA); INVALID_INIT before init for
 * the algorithms whose length depends on the key. */
int jcc_sig_length(const jcc_sig *s, size_t *len);
/* Signature.init(key, mode[, iv]); the IV form exists for the DES/AES MACs. */
int jcc_sig_init(jcc_sig *s, const jcc_key *key, int mode, const uint8_t *iv, size_t iv_len);
int jcc_sig_update(jcc_sig *s, const uint8_t *in, size_t in_len);
/* Signature.sign: *sig_len = bytes written. */
int jcc_sig_sign(jcc_sig *s, const uint8_t *in, size_t in_len, uint8_t *sig, size_t cap,
                 size_t *sig_len);
/* Signature.verify: *ok = the boolean the Java method returns. */
int jcc_sig_verify(jcc_sig *s, const uint8_t *in, size_t in_len, const uint8_t *sig, size_t sig_len,
                   bool *ok);

/* The same two events for Signature objects. */
void jcc_sig_card_reset(jcc_sig *s);
void jcc_sig_key_cleared(jcc_sig *s);

/* ---- MessageDigest ------------------------------------------------------- */

typedef struct jcc_md jcc_md;

int jcc_md_new(jcc_ctx *c, int alg, jcc_md **out);
void jcc_md_free(jcc_md *m);
int jcc_md_alg(const jcc_md *m);
size_t jcc_md_length(const jcc_md *m);
int jcc_md_update(jcc_md *m, const uint8_t *in, size_t in_len);
/* doFinal: writes the digest, then resets. */
int jcc_md_final(jcc_md *m, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                 size_t *out_len);
int jcc_md_reset(jcc_md *m);

/* ---- RandomData ---------------------------------------------------------- */

/* RandomData.getInstance: only a profile check (the state is the context's). */
int jcc_random_check(jcc_ctx *c, int alg);
/* generateData: from the injected source. setSeed has no effect (the card's
 * source is its own); it is accepted so applets run. */
int jcc_random_generate(jcc_ctx *c, uint8_t *out, size_t len);

/* ---- KeyPair ------------------------------------------------------------- */

/* KeyPair(alg, bits) check: NO_SUCH_ALGORITHM unless the profile has it. */
int jcc_keypair_check(jcc_ctx *c, int alg, int bits);
/* KeyPair.genKeyPair over the pair's two keys. RSA: the public exponent is
 * the public key's when it is set (must be odd and > 1, else ILLEGAL_VALUE),
 * else 65537. EC: the domain parameters are the public key's when set, else
 * the private key's, else the named curve of that size (secp*r1 / brainpool
 * for 160, see FIDELITY.md). Both keys are overwritten and initialised. */
int jcc_keypair_generate(jcc_ctx *c, int alg, jcc_key *pub, jcc_key *priv);

/* ---- KeyAgreement ----------------------------------------------------------- */

typedef struct jcc_ka jcc_ka;

int jcc_ka_new(jcc_ctx *c, int alg, jcc_ka **out);
void jcc_ka_free(jcc_ka *a);
int jcc_ka_init(jcc_ka *a, const jcc_key *priv);
/* generateSecret: the other party's public point (uncompressed 04|x|y). */
int jcc_ka_generate(jcc_ka *a, const uint8_t *pub, size_t pub_len, uint8_t *out, size_t cap,
                    size_t *out_len);

/* ---- Checksum --------------------------------------------------------------- */

typedef struct jcc_checksum jcc_checksum;

int jcc_checksum_new(jcc_ctx *c, int alg, jcc_checksum **out);
void jcc_checksum_free(jcc_checksum *k);
/* Checksum.init(bArray): the initial value, 2 bytes (CRC16) or 4 (CRC32),
 * big-endian; other lengths -> ILLEGAL_VALUE. */
int jcc_checksum_init(jcc_checksum *k, const uint8_t *param, size_t len);
int jcc_checksum_update(jcc_checksum *k, const uint8_t *in, size_t in_len);
/* doFinal: writes 2 or 4 bytes big-endian, then the object is re-initialised
 * to its initial value. */
/* Card reset or tear: back to the state upon construction (default initial value). */
void jcc_checksum_card_reset(jcc_checksum *k);
int jcc_checksum_final(jcc_checksum *k, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                       size_t *out_len);

#endif
