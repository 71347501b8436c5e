/*
 * test_jcc_pk.c: RSA, ECDSA, ECDH and key-pair generation, cross-checked
 * against libcrypto's own API used independently in the test (the process's
 * default library context): a key made by OpenSSL is loaded into engine keys
 * component by component, and what one side signs or encrypts the other
 * verifies or decrypts. PKCS#1 v1.5 signatures are deterministic, so the
 * engine's bytes must equal OpenSSL's. Also: generation is reproducible from
 * the injected random source, and the exception reasons.
 */
#include "jcc_test.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

static test_rng rng;
static EVP_PKEY *ossl_rsa; /* RSA-1024 made by OpenSSL once */

static int setup(void **state)
{
    ossl_rsa = EVP_RSA_gen(1024);
    return ossl_rsa == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    EVP_PKEY_free(ossl_rsa);
    return 0;
}

static void set_bn(jcc_key *k, jcc_comp comp, EVP_PKEY *pk, const char *name, int width)
{
    BIGNUM *b = NULL;
    uint8_t buf[512];
    assert_int_equal(EVP_PKEY_get_bn_param(pk, name, &b), 1);
    int n = width ? width : BN_num_bytes(b);
    assert_true(BN_bn2binpad(b, buf, n) == n);
    assert_int_equal(jcc_key_set(k, comp, buf, (size_t)n), JCC_OK);
    BN_free(b);
}

/* Engine keys (public, CRT private, plain private) holding ossl_rsa. */
static void rsa_keys(jcc_ctx *c, jcc_key **pub, jcc_key **crt, jcc_key **priv)
{
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_PUBLIC, 1024, pub), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_CRT_PRIVATE, 1024, crt), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_PRIVATE, 1024, priv), JCC_OK);
    set_bn(*pub, JCC_COMP_MODULUS, ossl_rsa, OSSL_PKEY_PARAM_RSA_N, 128);
    assert_false(jcc_key_is_initialized(*pub));
    set_bn(*pub, JCC_COMP_EXPONENT, ossl_rsa, OSSL_PKEY_PARAM_RSA_E, 0);
    assert_true(jcc_key_is_initialized(*pub));
    set_bn(*priv, JCC_COMP_MODULUS, ossl_rsa, OSSL_PKEY_PARAM_RSA_N, 128);
    set_bn(*priv, JCC_COMP_EXPONENT, ossl_rsa, OSSL_PKEY_PARAM_RSA_D, 128);
    set_bn(*crt, JCC_COMP_P, ossl_rsa, OSSL_PKEY_PARAM_RSA_FACTOR1, 64);
    set_bn(*crt, JCC_COMP_Q, ossl_rsa, OSSL_PKEY_PARAM_RSA_FACTOR2, 64);
    set_bn(*crt, JCC_COMP_DP1, ossl_rsa, OSSL_PKEY_PARAM_RSA_EXPONENT1, 0);
    set_bn(*crt, JCC_COMP_DQ1, ossl_rsa, OSSL_PKEY_PARAM_RSA_EXPONENT2, 0);
    assert_false(jcc_key_is_initialized(*crt));
    set_bn(*crt, JCC_COMP_PQ, ossl_rsa, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, 0);
    assert_true(jcc_key_is_initialized(*crt));
}

static void test_rsa_signatures(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 3);
    jcc_key *pub, *crt, *priv;
    rsa_keys(c, &pub, &crt, &priv);
    const uint8_t *msg = (const uint8_t *)"The quick brown fox jumps over the lazy dog";
    size_t ml = strlen((const char *)msg), n, len;
    uint8_t sig[128], ref[128];
    size_t refl = sizeof(ref);
    /* OpenSSL's own SHA-256 PKCS#1 signature. */
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, ossl_rsa), 1);
    assert_int_equal(EVP_DigestSign(m, ref, &refl, msg, ml), 1);
    EVP_MD_CTX_free(m);
    jcc_sig *s = NULL;
    bool ok;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_RSA_SHA_256_PKCS1, &s), JCC_OK);
    assert_int_equal(jcc_sig_length(s, &len), JCC_INVALID_INIT);
    jcc_key *signers[] = {crt, priv};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(jcc_sig_init(s, signers[i], JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
        assert_int_equal(jcc_sig_length(s, &len), JCC_OK);
        assert_int_equal(len, 128);
        assert_int_equal(jcc_sig_update(s, msg, 10), JCC_OK);
        /* A short output is refused before anything is consumed: the first
         * ten bytes are still in the digest. */
        assert_int_equal(jcc_sig_sign(s, msg + 10, ml - 10, sig, 127, &n), JCC_EX_INDEX);
        assert_int_equal(jcc_sig_sign(s, msg + 10, ml - 10, sig, sizeof(sig), &n), JCC_OK);
        assert_int_equal(n, refl);
        assert_memory_equal(sig, ref, refl);
    }
    assert_int_equal(jcc_sig_init(s, pub, JCC_SIG_MODE_VERIFY, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_verify(s, msg, ml, ref, refl, &ok), JCC_OK);
    assert_true(ok);
    ref[5] ^= 1;
    assert_int_equal(jcc_sig_verify(s, msg, ml, ref, refl, &ok), JCC_OK);
    assert_false(ok);
    assert_int_equal(jcc_sig_verify(s, msg, ml, ref, refl - 1, &ok), JCC_OK);
    assert_false(ok);
    /* Key inconsistent with the mode: ILLEGAL_VALUE. */
    assert_int_equal(jcc_sig_init(s, pub, JCC_SIG_MODE_SIGN, NULL, 0), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_sig_init(s, crt, JCC_SIG_MODE_VERIFY, NULL, 0), JCC_ILLEGAL_VALUE);
    jcc_sig_free(s);

    /* PSS (salt = digest length): the engine signs, OpenSSL verifies. */
    assert_int_equal(jcc_sig_new(c, JCC_SIG_RSA_SHA_256_PKCS1_PSS, &s), JCC_OK);
    assert_int_equal(jcc_sig_init(s, crt, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_sign(s, msg, ml, sig, sizeof(sig), &n), JCC_OK);
    EVP_PKEY_CTX *pc = NULL;
    m = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(m, &pc, EVP_sha256(), NULL, ossl_rsa), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 32), 1);
    assert_int_equal(EVP_DigestVerify(m, sig, n, msg, ml), 1);
    EVP_MD_CTX_free(m);
    assert_int_equal(jcc_sig_init(s, pub, JCC_SIG_MODE_VERIFY, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_verify(s, msg, ml, sig, n, &ok), JCC_OK);
    assert_true(ok);
    jcc_sig_free(s);
    /* JCOP 2.4.1 has SHA-1 PKCS#1 but neither SHA-256 PKCS#1 nor PSS. */
    jcc_ctx *c1 = test_ctx(JCC_PROFILE_JCOP241, &rng, 3);
    assert_int_equal(jcc_sig_new(c1, JCC_SIG_RSA_SHA_256_PKCS1, &s), JCC_NO_SUCH_ALGORITHM);
    assert_int_equal(jcc_sig_new(c1, JCC_SIG_RSA_SHA_PKCS1_PSS, &s), JCC_NO_SUCH_ALGORITHM);
    assert_int_equal(jcc_sig_new(c1, JCC_SIG_RSA_SHA_PKCS1, &s), JCC_OK);
    jcc_sig_free(s);
    jcc_ctx_free(c1);
    jcc_key_free(pub);
    jcc_key_free(crt);
    jcc_key_free(priv);
    jcc_ctx_free(c);
}

/* The ISO/IEC 9796-2 scheme 1 representative the test expects (written from the standard's
   layout, option 1 trailer BC): header 6A + the first N-22 bytes for a longer message, 4A for a
   message of exactly N-22 bytes, 4B BB.. BA padding for a shorter one; then SHA-1(M), BC. */
static void iso9796_x(const uint8_t *m, size_t ml, size_t n, uint8_t *x)
{
    size_t cap = n - 22, rec = ml < cap ? ml : cap, p = n - 21 - rec;
    uint8_t h[20];
    SHA1(m, ml, h);
    if (ml > cap) {
        x[0] = 0x6A;
    } else if (p == 1) {
        x[0] = 0x4A;
    } else {
        x[0] = 0x4B;
        for (size_t i = 1; i + 1 < p; i++)
            x[i] = 0xBB;
        x[p - 1] = 0xBA;
    }
    memcpy(x + p, m, rec);
    memcpy(x + p + rec, h, 20);
    x[n - 1] = 0xBC;
}

/* ALG_RSA_SHA_ISO9796: the engine's signature equals OpenSSL's raw RSA (no padding, its own
   API in the default library context) over the expected representative, for partial recovery,
   an exact fit, a short and an empty message, with update across the recoverable part; the
   engine verifies its signatures and refuses another message, a changed signature, a wrong
   length and a value not below the modulus. */
static void test_rsa_iso9796(void **state)
{
    (void)state;
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP241, &rng, 9);
    jcc_key *pub, *crt, *priv;
    rsa_keys(c, &pub, &crt, &priv);
    uint8_t msg[200], x[128], ref[128], sig[128];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 13 + 5);
    const size_t lens[] = {200, 107, 106, 105, 10, 0};
    jcc_sig *s = NULL, *v = NULL;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_RSA_SHA_ISO9796, &s), JCC_OK);
    assert_int_equal(jcc_sig_new(c, JCC_SIG_RSA_SHA_ISO9796, &v), JCC_OK);
    assert_int_equal(jcc_sig_init(v, pub, JCC_SIG_MODE_VERIFY, NULL, 0), JCC_OK);
    for (size_t t = 0; t < sizeof(lens) / sizeof(lens[0]); t++) {
        size_t ml = lens[t], n = 0, refl = sizeof(ref);
        iso9796_x(msg, ml, 128, x);
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(ossl_rsa, NULL);
        assert_int_equal(EVP_PKEY_sign_init(pc), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING), 1);
        assert_int_equal(EVP_PKEY_sign(pc, ref, &refl, x, 128), 1);
        EVP_PKEY_CTX_free(pc);
        assert_int_equal(refl, 128);
        jcc_key *signer = t % 2 ? priv : crt;
        assert_int_equal(jcc_sig_init(s, signer, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
        /* update 100 bytes first (crossing the recoverable part's end for the long ones) */
        size_t first = ml > 100 ? 100 : ml / 2;
        assert_int_equal(jcc_sig_update(s, msg, first), JCC_OK);
        assert_int_equal(jcc_sig_sign(s, msg + first, ml - first, sig, sizeof(sig), &n), JCC_OK);
        assert_int_equal(n, 128);
        if (memcmp(sig, ref, 128) != 0)
            fail_msg("ISO 9796-2 signature of a %zu-byte message differs from the reference", ml);
        bool ok = false;
        assert_int_equal(jcc_sig_verify(v, msg, ml, sig, n, &ok), JCC_OK);
        assert_true(ok);
        if (ml > 0) {
            msg[ml - 1] ^=
                1; /* another message (its last byte: outside the recoverable part too) */
            assert_int_equal(jcc_sig_verify(v, msg, ml, sig, n, &ok), JCC_OK);
            assert_false(ok);
            msg[ml - 1] ^= 1;
        }
    }
    bool ok = true;
    sig[64] ^= 4;
    assert_int_equal(jcc_sig_verify(v, msg, 0, sig, 128, &ok), JCC_OK);
    assert_false(ok);
    assert_int_equal(jcc_sig_verify(v, msg, 0, sig, 127, &ok), JCC_OK);
    assert_false(ok);
    memset(sig, 0xFF, sizeof(sig)); /* not below the modulus */
    assert_int_equal(jcc_sig_verify(v, msg, 0, sig, 128, &ok), JCC_OK);
    assert_false(ok);
    /* on both JCOP profiles (JCAlgTest: every 2.4.x file says yes) */
    jcc_ctx *c2 = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 9);
    jcc_sig *s2 = NULL;
    assert_int_equal(jcc_sig_new(c2, JCC_SIG_RSA_SHA_ISO9796, &s2), JCC_OK);
    jcc_sig_free(s2);
    jcc_ctx_free(c2);
    jcc_sig_free(s);
    jcc_sig_free(v);
    jcc_key_free(pub);
    jcc_key_free(crt);
    jcc_key_free(priv);
    jcc_ctx_free(c);
}

static void test_rsa_cipher(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_ALL, &rng, 4);
    jcc_key *pub, *crt, *priv;
    rsa_keys(c, &pub, &crt, &priv);
    uint8_t msg[117], ct[128], pt[128];
    size_t n, m, ol;
    test_random(&rng, msg, sizeof(msg));
    jcc_cipher *x = NULL;
    /* PKCS#1: the engine encrypts (in two pieces), OpenSSL decrypts; and back. */
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_RSA_PKCS1, &x), JCC_OK);
    assert_int_equal(jcc_cipher_init(x, pub, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_update(x, msg, 50, ct, sizeof(ct), &m), JCC_OK);
    assert_int_equal(m, 0);
    assert_int_equal(jcc_cipher_final(x, msg + 50, 67, ct, sizeof(ct), &n), JCC_OK);
    assert_int_equal(n, 128);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(ossl_rsa, NULL);
    ol = sizeof(pt);
    assert_int_equal(EVP_PKEY_decrypt_init(pc), 1);
    assert_int_equal(EVP_PKEY_decrypt(pc, pt, &ol, ct, n), 1);
    assert_int_equal(ol, sizeof(msg));
    assert_memory_equal(pt, msg, ol);
    jcc_key *decrypters[] = {crt, priv};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(jcc_cipher_init(x, decrypters[i], JCC_CIPHER_MODE_DECRYPT, NULL, 0),
                         JCC_OK);
        assert_int_equal(jcc_cipher_final(x, ct, n, pt, sizeof(pt), &m), JCC_OK);
        assert_int_equal(m, sizeof(msg));
        assert_memory_equal(pt, msg, m);
    }
    /* Too long for PKCS#1 (k - 11), bad padding, wrong length, IV, short output. */
    assert_int_equal(jcc_cipher_init(x, pub, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_final(x, ct, 118, pt, sizeof(pt), &m), JCC_ILLEGAL_USE);
    assert_int_equal(jcc_cipher_final(x, msg, 10, pt, 127, &m), JCC_EX_INDEX);
    assert_int_equal(jcc_cipher_init(x, crt, JCC_CIPHER_MODE_DECRYPT, NULL, 0), JCC_OK);
    ct[127] ^= 0x55;
    assert_int_equal(jcc_cipher_final(x, ct, 128, pt, sizeof(pt), &m), JCC_ILLEGAL_USE);
    assert_int_equal(jcc_cipher_final(x, ct, 127, pt, sizeof(pt), &m), JCC_ILLEGAL_USE);
    assert_int_equal(jcc_cipher_init(x, crt, JCC_CIPHER_MODE_DECRYPT, msg, 8), JCC_ILLEGAL_VALUE);
    /* Private-key encryption (PKCS#1 type 1) is recovered with the public key. */
    assert_int_equal(jcc_cipher_init(x, crt, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_final(x, msg, 20, ct, sizeof(ct), &n), JCC_OK);
    assert_int_equal(jcc_cipher_init(x, pub, JCC_CIPHER_MODE_DECRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_final(x, ct, n, pt, sizeof(pt), &m), JCC_OK);
    assert_int_equal(m, 20);
    assert_memory_equal(pt, msg, 20);
    jcc_cipher_free(x);
    /* NOPAD: exactly k bytes, below the modulus; OpenSSL agrees on the value. */
    uint8_t raw[128];
    test_random(&rng, raw, 128);
    raw[0] = 0x01;
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_RSA_NOPAD, &x), JCC_OK);
    assert_int_equal(jcc_cipher_init(x, pub, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_final(x, raw, 127, ct, sizeof(ct), &n), JCC_ILLEGAL_USE);
    assert_int_equal(jcc_cipher_final(x, raw, 128, ct, sizeof(ct), &n), JCC_OK);
    uint8_t ref[128];
    ol = sizeof(ref);
    assert_int_equal(EVP_PKEY_encrypt_init(pc), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_encrypt(pc, ref, &ol, raw, 128), 1);
    assert_memory_equal(ct, ref, 128);
    assert_int_equal(jcc_cipher_init(x, priv, JCC_CIPHER_MODE_DECRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_final(x, ct, 128, pt, sizeof(pt), &m), JCC_OK);
    assert_memory_equal(pt, raw, 128);
    jcc_cipher_free(x);
    /* OAEP (SHA-1): the engine encrypts, OpenSSL decrypts; private encryption refused. */
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_RSA_PKCS1_OAEP, &x), JCC_OK);
    assert_int_equal(jcc_cipher_init(x, crt, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_cipher_init(x, pub, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_final(x, msg, 86, ct, sizeof(ct), &n), JCC_OK);
    assert_int_equal(EVP_PKEY_decrypt_init(pc), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING), 1);
    ol = sizeof(pt);
    assert_int_equal(EVP_PKEY_decrypt(pc, pt, &ol, ct, n), 1);
    assert_int_equal(ol, 86);
    assert_memory_equal(pt, msg, 86);
    assert_int_equal(jcc_cipher_final(x, msg, 87, ct, sizeof(ct), &n), JCC_ILLEGAL_USE);
    jcc_cipher_free(x);
    EVP_PKEY_CTX_free(pc);
    jcc_key_free(pub);
    jcc_key_free(crt);
    jcc_key_free(priv);
    jcc_ctx_free(c);
}

/* An OpenSSL EVP_PKEY (default context) for an uncompressed P-256 point. */
static EVP_PKEY *p256_pub(const uint8_t *pt, size_t len)
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, len);
    OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pk = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
    assert_int_equal(EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, p), 1);
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(b);
    return pk;
}

static void test_ecdsa(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 5);
    jcc_key *pub = NULL, *priv = NULL;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PUBLIC, 256, &pub), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PRIVATE, 256, &priv), JCC_OK);
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_EC_FP, pub, priv), JCC_OK);
    assert_true(jcc_key_is_initialized(pub));
    assert_true(jcc_key_is_initialized(priv));
    uint8_t w[65], field[32], sig[80];
    size_t wl, fl, n, len;
    uint16_t k;
    assert_int_equal(jcc_key_get(pub, JCC_COMP_W, w, sizeof(w), &wl), JCC_OK);
    assert_int_equal(wl, 65);
    assert_int_equal(w[0], 0x04);
    assert_int_equal(jcc_key_get(priv, JCC_COMP_FIELD, field, sizeof(field), &fl), JCC_OK);
    assert_hex(field, fl, "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    assert_int_equal(jcc_key_get_k(pub, &k), JCC_OK);
    assert_int_equal(k, 1);
    /* The engine signs (DER), OpenSSL verifies. */
    const uint8_t *msg = (const uint8_t *)"sign me";
    jcc_sig *s = NULL;
    bool ok;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_ECDSA_SHA_256, &s), JCC_OK);
    assert_int_equal(jcc_sig_init(s, priv, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_length(s, &len), JCC_OK);
    assert_int_equal(len, 72);
    assert_int_equal(jcc_sig_sign(s, msg, 7, sig, sizeof(sig), &n), JCC_OK);
    assert_int_equal(sig[0], 0x30);
    assert_true(n <= 72);
    EVP_PKEY *opub = p256_pub(w, wl);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, opub), 1);
    assert_int_equal(EVP_DigestVerify(m, sig, n, msg, 7), 1);
    EVP_MD_CTX_free(m);
    assert_int_equal(jcc_sig_init(s, pub, JCC_SIG_MODE_VERIFY, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_verify(s, msg, 7, sig, n, &ok), JCC_OK);
    assert_true(ok);
    assert_int_equal(jcc_sig_verify(s, msg, 6, sig, n, &ok), JCC_OK);
    assert_false(ok);
    assert_int_equal(jcc_sig_verify(s, msg, 7, sig, 3, &ok), JCC_OK); /* not DER: false */
    assert_false(ok);
    EVP_PKEY_free(opub);

    /* A key and signature made by OpenSSL alone; the engine's public key gets
     * the domain parameters one by one, as an applet sets them. */
    EVP_PKEY *okey = EVP_EC_gen("prime256v1");
    uint8_t osig[80], buf[133];
    size_t osl = sizeof(osig), bl;
    m = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sha1(), NULL, okey), 1);
    assert_int_equal(EVP_DigestSign(m, osig, &osl, msg, 7), 1);
    EVP_MD_CTX_free(m);
    jcc_key *vk = NULL;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PUBLIC, 256, &vk), JCC_OK);
    struct {
        jcc_comp comp;
        const char *name;
    } bn[] = {{JCC_COMP_FIELD, OSSL_PKEY_PARAM_EC_P},
              {JCC_COMP_A, OSSL_PKEY_PARAM_EC_A},
              {JCC_COMP_B, OSSL_PKEY_PARAM_EC_B},
              {JCC_COMP_R, OSSL_PKEY_PARAM_EC_ORDER}};
    for (int i = 0; i < 4; i++) {
        BIGNUM *b = NULL;
        assert_int_equal(EVP_PKEY_get_bn_param(okey, bn[i].name, &b), 1);
        int l = BN_bn2binpad(b, buf, 32);
        assert_int_equal(jcc_key_set(vk, bn[i].comp, buf, (size_t)l), JCC_OK);
        BN_free(b);
    }
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(okey, OSSL_PKEY_PARAM_EC_GENERATOR, buf, sizeof(buf), &bl),
        1);
    assert_int_equal(jcc_key_set(vk, JCC_COMP_G, buf, bl), JCC_OK);
    assert_false(jcc_key_is_initialized(vk));
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(okey, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &bl), 1);
    assert_int_equal(jcc_key_set(vk, JCC_COMP_W, buf, bl), JCC_OK);
    assert_int_equal(jcc_key_set_k(vk, 1), JCC_OK);
    assert_true(jcc_key_is_initialized(vk));
    jcc_sig *s1 = NULL;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_ECDSA_SHA, &s1), JCC_OK);
    assert_int_equal(jcc_sig_init(s1, vk, JCC_SIG_MODE_VERIFY, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_verify(s1, msg, 7, osig, osl, &ok), JCC_OK);
    assert_true(ok);
    /* A point off the curve is refused at init. */
    buf[40] ^= 1;
    assert_int_equal(jcc_key_set(vk, JCC_COMP_W, buf, bl), JCC_OK);
    assert_int_equal(jcc_sig_init(s1, vk, JCC_SIG_MODE_VERIFY, NULL, 0), JCC_ILLEGAL_VALUE);
    jcc_sig_free(s1);
    EVP_PKEY_free(okey);
    jcc_key_free(vk);
    jcc_sig_free(s);
    /* JCOP 2.4.1: ECDSA_SHA only. */
    jcc_ctx *c1 = test_ctx(JCC_PROFILE_JCOP241, &rng, 3);
    assert_int_equal(jcc_sig_new(c1, JCC_SIG_ECDSA_SHA_256, &s), JCC_NO_SUCH_ALGORITHM);
    jcc_ctx_free(c1);
    jcc_key_free(pub);
    jcc_key_free(priv);
    jcc_ctx_free(c);
}

static void test_ecdh(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_ALL, &rng, 6);
    jcc_key *pa = NULL, *sa = NULL, *pb = NULL, *sb = NULL;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PUBLIC, 256, &pa), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PRIVATE, 256, &sa), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PUBLIC, 256, &pb), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PRIVATE, 256, &sb), JCC_OK);
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_EC_FP, pa, sa), JCC_OK);
    /* B's pair takes A's domain parameters (copied into B's public key first). */
    uint8_t buf[65], wa[65], wb[65];
    size_t l, wal, wbl;
    jcc_comp comps[] = {JCC_COMP_FIELD, JCC_COMP_A, JCC_COMP_B, JCC_COMP_G, JCC_COMP_R};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(jcc_key_get(pa, comps[i], buf, sizeof(buf), &l), JCC_OK);
        assert_int_equal(jcc_key_set(pb, comps[i], buf, l), JCC_OK);
    }
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_EC_FP, pb, sb), JCC_OK);
    assert_int_equal(jcc_key_get(pa, JCC_COMP_W, wa, sizeof(wa), &wal), JCC_OK);
    assert_int_equal(jcc_key_get(pb, JCC_COMP_W, wb, sizeof(wb), &wbl), JCC_OK);
    uint8_t s1[32], s2[32], h1[20], h2[20], d[20];
    size_t n;
    jcc_ka *a = NULL;
    assert_int_equal(jcc_ka_new(c, JCC_KA_EC_SVDP_DH_PLAIN, &a), JCC_OK);
    assert_int_equal(jcc_ka_generate(a, wb, wbl, s1, 32, &n), JCC_INVALID_INIT);
    assert_int_equal(jcc_ka_init(a, pa), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_ka_init(a, sa), JCC_OK);
    assert_int_equal(jcc_ka_generate(a, wb, wbl, s1, 31, &n), JCC_EX_INDEX);
    assert_int_equal(jcc_ka_generate(a, wb, wbl, s1, 32, &n), JCC_OK);
    assert_int_equal(n, 32);
    assert_int_equal(jcc_ka_init(a, sb), JCC_OK);
    assert_int_equal(jcc_ka_generate(a, wa, wal, s2, 32, &n), JCC_OK);
    assert_memory_equal(s1, s2, 32);
    wa[20] ^= 1; /* not on the curve */
    assert_int_equal(jcc_ka_generate(a, wa, wal, s2, 32, &n), JCC_ILLEGAL_VALUE);
    wa[20] ^= 1;
    jcc_ka_free(a);
    /* ALG_EC_SVDP_DH: SHA-1 of the shared x. */
    assert_int_equal(jcc_ka_new(c, JCC_KA_EC_SVDP_DH, &a), JCC_OK);
    assert_int_equal(jcc_ka_init(a, sa), JCC_OK);
    assert_int_equal(jcc_ka_generate(a, wb, wbl, h1, 20, &n), JCC_OK);
    assert_int_equal(n, 20);
    jcc_ka_free(a);
    assert_int_equal(jcc_ka_new(c, JCC_KA_EC_SVDP_DHC, &a), JCC_OK); /* cofactor 1: the same */
    assert_int_equal(jcc_ka_init(a, sb), JCC_OK);
    assert_int_equal(jcc_ka_generate(a, wa, wal, h2, 20, &n), JCC_OK);
    jcc_ka_free(a);
    assert_memory_equal(h1, h2, 20);
    assert_int_equal(EVP_Digest(s1, 32, d, NULL, EVP_sha1(), NULL), 1);
    assert_memory_equal(h1, d, 20);
    jcc_ctx_free(c);
    c = test_ctx(JCC_PROFILE_JCOP241, &rng, 6);
    assert_int_equal(jcc_ka_new(c, JCC_KA_EC_SVDP_DH_PLAIN, &a), JCC_NO_SUCH_ALGORITHM);
    jcc_ctx_free(c);
    jcc_key_free(pa);
    jcc_key_free(sa);
    jcc_key_free(pb);
    jcc_key_free(sb);
}

/* Same seed, same keys and the same ECDSA signature: every random byte comes
 * from the injected source. A different seed: different keys. */
static void gen_all(uint64_t seed, uint8_t *n_out, uint8_t *sig_out, size_t *sig_len)
{
    test_rng r;
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP242R3, &r, seed);
    jcc_key *pub = NULL, *priv = NULL, *ep = NULL, *es = NULL;
    size_t l;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_PUBLIC, 512, &pub), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_CRT_PRIVATE, 512, &priv), JCC_OK);
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_RSA_CRT, pub, priv), JCC_OK);
    assert_int_equal(jcc_key_get(pub, JCC_COMP_MODULUS, n_out, 64, &l), JCC_OK);
    assert_int_equal(l, 64);
    assert_true(n_out[0] & 0x80);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PUBLIC, 256, &ep), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PRIVATE, 256, &es), JCC_OK);
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_EC_FP, ep, es), JCC_OK);
    jcc_sig *s = NULL;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_ECDSA_SHA, &s), JCC_OK);
    assert_int_equal(jcc_sig_init(s, es, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_sign(s, (const uint8_t *)"x", 1, sig_out, 80, sig_len), JCC_OK);
    assert_true(r.drawn > 0);
    jcc_sig_free(s);
    jcc_key_free(pub);
    jcc_key_free(priv);
    jcc_key_free(ep);
    jcc_key_free(es);
    jcc_ctx_free(c);
}

static void test_deterministic(void **state)
{
    uint8_t n1[64], n2[64], n3[64], s1[80], s2[80], s3[80];
    size_t l1, l2, l3;
    gen_all(11, n1, s1, &l1);
    gen_all(11, n2, s2, &l2);
    gen_all(12, n3, s3, &l3);
    assert_memory_equal(n1, n2, 64);
    assert_int_equal(l1, l2);
    assert_memory_equal(s1, s2, l1);
    assert_memory_not_equal(n1, n3, 64);
}

static void test_keypair_rules(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 8);
    jcc_key *pub = NULL, *priv = NULL, *crt = NULL;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_PUBLIC, 736, &pub), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_PRIVATE, 736, &priv), JCC_OK);
    /* An even public exponent is refused; 3 is taken. */
    assert_int_equal(jcc_key_set(pub, JCC_COMP_EXPONENT, (const uint8_t *)"\x04", 1), JCC_OK);
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_RSA, pub, priv), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_key_set(pub, JCC_COMP_EXPONENT, (const uint8_t *)"\x03", 1), JCC_OK);
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_RSA, pub, priv), JCC_OK);
    uint8_t e[4];
    size_t l;
    assert_int_equal(jcc_key_get(pub, JCC_COMP_EXPONENT, e, sizeof(e), &l), JCC_OK);
    assert_hex(e, l, "03");
    /* The plain private key signs; the public key verifies. */
    jcc_sig *s = NULL;
    uint8_t sig[92];
    size_t n;
    bool ok;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_RSA_SHA_PKCS1, &s), JCC_OK);
    assert_int_equal(jcc_sig_init(s, priv, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_sign(s, e, 1, sig, sizeof(sig), &n), JCC_OK);
    assert_int_equal(n, 92);
    assert_int_equal(jcc_sig_init(s, pub, JCC_SIG_MODE_VERIFY, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_verify(s, e, 1, sig, n, &ok), JCC_OK);
    assert_true(ok);
    jcc_sig_free(s);
    /* Mismatched pair types, sizes the profile lacks. */
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_RSA_CRT, pub, priv), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_keypair_check(c, JCC_KEYPAIR_RSA, 2048), JCC_OK);
    assert_int_equal(jcc_keypair_check(c, JCC_KEYPAIR_EC_FP, 384), JCC_NO_SUCH_ALGORITHM);
    assert_int_equal(jcc_keypair_check(c, JCC_KEYPAIR_DSA, 1024), JCC_NO_SUCH_ALGORITHM);
    jcc_ctx *c1 = test_ctx(JCC_PROFILE_JCOP241, &rng, 8);
    assert_int_equal(jcc_keypair_check(c1, JCC_KEYPAIR_RSA, 1024), JCC_NO_SUCH_ALGORITHM);
    assert_int_equal(jcc_keypair_check(c1, JCC_KEYPAIR_RSA_CRT, 736), JCC_NO_SUCH_ALGORITHM);
    assert_int_equal(jcc_key_build(c1, JCC_TYPE_RSA_CRT_PRIVATE, 736, &crt), JCC_NO_SUCH_ALGORITHM);
    assert_null(crt);
    jcc_ctx_free(c1);
    jcc_key_free(pub);
    jcc_key_free(priv);
    jcc_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa_signatures), cmocka_unit_test(test_rsa_iso9796),
        cmocka_unit_test(test_rsa_cipher),     cmocka_unit_test(test_ecdsa),
        cmocka_unit_test(test_ecdh),           cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_keypair_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
