/*
 * test_jcc_sym.c: known-answer tests of the engine's digests, symmetric
 * ciphers, MACs and checksums, and the Java Card rules around them (chunking,
 * padding, reset after doFinal, the exception reasons). Vectors: FIPS 180
 * examples ("abc"), RFC 1321 (MD5), the RIPEMD-160 authors' page, NIST SP
 * 800-38A (AES), FIPS 81 (DES), RFC 4269 (SEED), RFC 4231 (HMAC), the
 * CRC catalogue check values of "123456789".
 */
#include "jcc_test.h"

#include <openssl/evp.h>

static test_rng rng;

/* One-shot (or update+final when split > 0) through a fresh digest. */
static void digest(jcc_ctx *c, int alg, const char *msg, size_t split, const char *want)
{
    jcc_md *m = NULL;
    uint8_t out[64];
    size_t n = 0, len = strlen(msg);
    assert_int_equal(jcc_md_new(c, alg, &m), JCC_OK);
    if (split > 0 && split < len) {
        assert_int_equal(jcc_md_update(m, (const uint8_t *)msg, split), JCC_OK);
        assert_int_equal(jcc_md_final(m, (const uint8_t *)msg + split, len - split, out, 64, &n),
                         JCC_OK);
    } else {
        assert_int_equal(jcc_md_final(m, (const uint8_t *)msg, len, out, 64, &n), JCC_OK);
    }
    assert_hex(out, n, want);
    assert_int_equal(jcc_md_length(m), n);
    /* doFinal resets: the same message again gives the same digest. */
    assert_int_equal(jcc_md_final(m, (const uint8_t *)msg, len, out, 64, &n), JCC_OK);
    assert_hex(out, n, want);
    jcc_md_free(m);
}

static void test_digests(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_ALL, &rng, 1);
    digest(c, JCC_MD_SHA, "abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    digest(c, JCC_MD_SHA_224, "abc", 0, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
    digest(c, JCC_MD_SHA_256, "abc", 2,
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    digest(c, JCC_MD_SHA_384, "abc", 0,
           "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
           "8086072ba1e7cc2358baeca134c825a7");
    digest(c, JCC_MD_SHA_512, "abc", 0,
           "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
           "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    digest(c, JCC_MD_MD5, "abc", 1, "900150983cd24fb0d6963f7d28e17f72");
    digest(c, JCC_MD_RIPEMD160, "abc", 0, "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    /* Short output buffer: ArrayIndexOutOfBounds, nothing consumed. */
    jcc_md *m = NULL;
    uint8_t out[32];
    size_t n;
    assert_int_equal(jcc_md_new(c, JCC_MD_SHA_256, &m), JCC_OK);
    assert_int_equal(jcc_md_final(m, (const uint8_t *)"abc", 3, out, 31, &n), JCC_EX_INDEX);
    assert_int_equal(jcc_md_final(m, (const uint8_t *)"abc", 3, out, 32, &n), JCC_OK);
    assert_hex(out, n, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    jcc_md_free(m);
    jcc_ctx_free(c);
}

/* Encrypt then decrypt through the engine, checking the ciphertext. */
static void cipher_kat(jcc_ctx *c, int alg, jcc_key *k, const char *ivhex, const char *pthex,
                       const char *cthex)
{
    jcc_cipher *x = NULL;
    uint8_t iv[16], pt[256], ct[256], out[256];
    size_t ivl = ivhex ? hex(ivhex, iv, sizeof(iv)) : 0, ptl = hex(pthex, pt, sizeof(pt));
    size_t ctl = hex(cthex, ct, sizeof(ct)), n = 0, m = 0;
    assert_int_equal(jcc_cipher_new(c, alg, &x), JCC_OK);
    assert_int_equal(jcc_cipher_init(x, k, JCC_CIPHER_MODE_ENCRYPT, ivhex ? iv : NULL, ivl),
                     JCC_OK);
    assert_int_equal(jcc_cipher_final(x, pt, ptl, out, sizeof(out), &n), JCC_OK);
    assert_int_equal(n, ctl);
    assert_memory_equal(out, ct, ctl);
    /* Again after doFinal, in odd chunks: the same bytes (reset to the init IV). */
    size_t cuts[] = {1, 7, 9, 0};
    size_t pos = 0, total = 0;
    for (int i = 0; cuts[i] != 0 && pos + cuts[i] <= ptl; i++) {
        assert_int_equal(
            jcc_cipher_update(x, pt + pos, cuts[i], out + total, sizeof(out) - total, &m), JCC_OK);
        pos += cuts[i];
        total += m;
    }
    assert_int_equal(jcc_cipher_final(x, pt + pos, ptl - pos, out + total, sizeof(out) - total, &m),
                     JCC_OK);
    assert_int_equal(total + m, ctl);
    assert_memory_equal(out, ct, ctl);
    /* Decrypt. */
    assert_int_equal(jcc_cipher_init(x, k, JCC_CIPHER_MODE_DECRYPT, ivhex ? iv : NULL, ivl),
                     JCC_OK);
    assert_int_equal(jcc_cipher_update(x, ct, 5, out, sizeof(out), &m), JCC_OK);
    assert_int_equal(jcc_cipher_final(x, ct + 5, ctl - 5, out + m, sizeof(out) - m, &n), JCC_OK);
    assert_int_equal(m + n, ptl);
    assert_memory_equal(out, pt, ptl);
    jcc_cipher_free(x);
}

static void test_aes_sp800_38a(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP241, &rng, 1);
    const char *pt = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
                     "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
    jcc_key *k128 = test_secret(c, JCC_TYPE_AES, 128, "2b7e151628aed2a6abf7158809cf4f3c");
    cipher_kat(c, JCC_CIPHER_AES_BLOCK_128_ECB_NOPAD, k128, NULL, pt,
               "3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf"
               "43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4");
    cipher_kat(c, JCC_CIPHER_AES_BLOCK_128_CBC_NOPAD, k128, "000102030405060708090a0b0c0d0e0f", pt,
               "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2"
               "73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7");
    jcc_key *k256 = test_secret(c, JCC_TYPE_AES_TRANSIENT_DESELECT, 256,
                                "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    cipher_kat(c, JCC_CIPHER_AES_BLOCK_128_ECB_NOPAD, k256, NULL, pt,
               "f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870"
               "b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7");
    jcc_key_free(k128);
    jcc_key_free(k256);
    jcc_ctx_free(c);
}

static void test_des_fips81(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP241, &rng, 1);
    jcc_key *k = test_secret(c, JCC_TYPE_DES, 64, "0123456789abcdef");
    const char *pt =
        "4e6f77206973207468652074696d6520666f7220616c6c20"; /* "Now is the time for all " */
    cipher_kat(c, JCC_CIPHER_DES_ECB_NOPAD, k, NULL, pt,
               "3fa40e8a984d48156a271787ab8883f9893d51ec4b563b53");
    cipher_kat(c, JCC_CIPHER_DES_CBC_NOPAD, k, "1234567890abcdef", pt,
               "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6");
    /* A two-key 3DES key K1||K1 is single DES. */
    jcc_key *k2 =
        test_secret(c, JCC_TYPE_DES_TRANSIENT_RESET, 128, "0123456789abcdef0123456789abcdef");
    cipher_kat(c, JCC_CIPHER_DES_ECB_NOPAD, k2, NULL, pt,
               "3fa40e8a984d48156a271787ab8883f9893d51ec4b563b53");
    /* MAC8 NOPAD is the last CBC block; MAC4 its first four bytes. */
    jcc_sig *s = NULL;
    uint8_t m[8], p[24], iv[8];
    size_t n, pl = hex(pt, p, sizeof(p));
    hex("1234567890abcdef", iv, 8);
    assert_int_equal(jcc_sig_new(c, JCC_SIG_DES_MAC8_NOPAD, &s), JCC_OK);
    assert_int_equal(jcc_sig_init(s, k, JCC_SIG_MODE_SIGN, iv, 8), JCC_OK);
    assert_int_equal(jcc_sig_update(s, p, 3), JCC_OK);
    assert_int_equal(jcc_sig_sign(s, p + 3, pl - 3, m, sizeof(m), &n), JCC_OK);
    assert_hex(m, n, "683788499a7c05f6");
    bool ok = false;
    assert_int_equal(jcc_sig_init(s, k, JCC_SIG_MODE_VERIFY, iv, 8), JCC_OK);
    assert_int_equal(jcc_sig_verify(s, p, pl, m, 8, &ok), JCC_OK);
    assert_true(ok);
    m[7] ^= 1;
    assert_int_equal(jcc_sig_verify(s, p, pl, m, 8, &ok), JCC_OK);
    assert_false(ok);
    /* Not block aligned, no padding: ILLEGAL_USE. */
    assert_int_equal(jcc_sig_verify(s, p, pl - 1, m, 8, &ok), JCC_ILLEGAL_USE);
    jcc_sig_free(s);
    assert_int_equal(jcc_sig_new(c, JCC_SIG_DES_MAC4_NOPAD, &s), JCC_NO_SUCH_ALGORITHM);
    jcc_key_free(k);
    jcc_key_free(k2);
    jcc_ctx_free(c);
}

static void test_seed_rfc4269(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 1);
    jcc_cipher *x = NULL;
    if (jcc_cipher_new(c, JCC_CIPHER_KOREAN_SEED_ECB_NOPAD, &x) == JCC_NO_SUCH_ALGORITHM) {
        jcc_ctx_free(c);
        skip(); /* libcrypto without its legacy provider has no SEED */
    }
    jcc_cipher_free(x);
    jcc_key *k = test_secret(c, JCC_TYPE_KOREAN_SEED, 128, "00000000000000000000000000000000");
    cipher_kat(c, JCC_CIPHER_KOREAN_SEED_ECB_NOPAD, k, NULL, "000102030405060708090A0B0C0D0E0F",
               "5EBAC6E0054E166819AFF1CC6D346CDB");
    jcc_key_free(k);
    jcc_ctx_free(c);
}

/* Paddings: ISO 9797 M1/M2 and PKCS#5 add what they should and strip it. */
static void test_paddings(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP241, &rng, 1);
    jcc_key *k =
        test_secret(c, JCC_TYPE_DES, 192, "0123456789abcdeffedcba987654321089abcdef01234567");
    jcc_cipher *raw = NULL, *x = NULL;
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_DES_ECB_NOPAD, &raw), JCC_OK);
    assert_int_equal(jcc_cipher_init(raw, k, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    struct {
        int alg;
        size_t len;
        const char *padded; /* the expected padded plaintext (hex), message = 11 22 33 ... */
    } cases[] = {
        {JCC_CIPHER_DES_ECB_ISO9797_M1, 3, "1122330000000000"},
        {JCC_CIPHER_DES_ECB_ISO9797_M1, 8, "1122334455667788"},
        {JCC_CIPHER_DES_ECB_ISO9797_M1, 0, "0000000000000000"},
        {JCC_CIPHER_DES_ECB_ISO9797_M2, 3, "1122338000000000"},
        {JCC_CIPHER_DES_ECB_ISO9797_M2, 8, "11223344556677888000000000000000"},
        {JCC_CIPHER_DES_CBC_PKCS5, 3, "1122330505050505"},
        {JCC_CIPHER_DES_CBC_PKCS5, 8, "11223344556677880808080808080808"},
    };
    uint8_t msg[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t padded[16], want[16], got[16], back[16];
        size_t pl = hex(cases[i].padded, padded, sizeof(padded)), n, wl, bl;
        jcc_cipher *ref = raw;
        jcc_cipher *cbc = NULL;
        if (cases[i].alg == JCC_CIPHER_DES_CBC_PKCS5) {
            assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_DES_CBC_NOPAD, &cbc), JCC_OK);
            assert_int_equal(jcc_cipher_init(cbc, k, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
            ref = cbc;
        }
        assert_int_equal(jcc_cipher_final(ref, padded, pl, want, sizeof(want), &wl), JCC_OK);
        jcc_cipher_free(cbc);
        assert_int_equal(jcc_cipher_new(c, cases[i].alg, &x), JCC_OK);
        assert_int_equal(jcc_cipher_init(x, k, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
        assert_int_equal(jcc_cipher_final(x, msg, cases[i].len, got, sizeof(got), &n), JCC_OK);
        assert_int_equal(n, wl);
        assert_memory_equal(got, want, wl);
        assert_int_equal(jcc_cipher_init(x, k, JCC_CIPHER_MODE_DECRYPT, NULL, 0), JCC_OK);
        assert_int_equal(jcc_cipher_final(x, got, n, back, sizeof(back), &bl), JCC_OK);
        if (cases[i].alg == JCC_CIPHER_DES_ECB_ISO9797_M1) {
            assert_int_equal(bl, pl); /* M1 cannot be stripped: the padded text comes back */
            assert_memory_equal(back, padded, pl);
        } else {
            assert_int_equal(bl, cases[i].len);
            assert_memory_equal(back, msg, bl);
        }
        jcc_cipher_free(x);
    }
    /* Bad padding on decryption: ILLEGAL_USE (a block whose plaintext is not M2/PKCS5 padded). */
    uint8_t bad[8], out[16];
    size_t n;
    assert_int_equal(jcc_cipher_final(raw, msg, 8, bad, 8, &n), JCC_OK);
    int algs[] = {JCC_CIPHER_DES_ECB_ISO9797_M2, JCC_CIPHER_DES_CBC_PKCS5};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(jcc_cipher_new(c, algs[i], &x), JCC_OK);
        assert_int_equal(jcc_cipher_init(x, k, JCC_CIPHER_MODE_DECRYPT, NULL, 0), JCC_OK);
        assert_int_equal(jcc_cipher_final(x, bad, 8, out, sizeof(out), &n), JCC_ILLEGAL_USE);
        /* Not a whole number of blocks: ILLEGAL_USE too. */
        assert_int_equal(jcc_cipher_final(x, bad, 7, out, sizeof(out), &n), JCC_ILLEGAL_USE);
        jcc_cipher_free(x);
    }
    jcc_cipher_free(raw);
    jcc_key_free(k);
    jcc_ctx_free(c);
}

/* The exception reasons of Cipher. */
static void test_cipher_exceptions(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP241, &rng, 1);
    jcc_cipher *x = NULL;
    jcc_key *des = NULL,
            *aes = test_secret(c, JCC_TYPE_AES, 128, "2b7e151628aed2a6abf7158809cf4f3c");
    uint8_t in[32] = {0}, out[32];
    size_t n;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_DES, 128, &des), JCC_OK);
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_AES_BLOCK_128_CBC_NOPAD, &x), JCC_OK);
    /* Used before init. */
    assert_int_equal(jcc_cipher_update(x, in, 16, out, 32, &n), JCC_INVALID_INIT);
    assert_int_equal(jcc_cipher_final(x, in, 16, out, 32, &n), JCC_INVALID_INIT);
    /* Wrong key type, bad mode, uninitialised key, wrong IV length. */
    assert_int_equal(jcc_cipher_init(x, des, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_cipher_init(x, aes, 3, NULL, 0), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_cipher_init(x, aes, JCC_CIPHER_MODE_ENCRYPT, in, 8), JCC_ILLEGAL_VALUE);
    jcc_key_clear(aes);
    assert_false(jcc_key_is_initialized(aes));
    assert_int_equal(jcc_cipher_init(x, aes, JCC_CIPHER_MODE_ENCRYPT, NULL, 0),
                     JCC_UNINITIALIZED_KEY);
    jcc_key_free(aes);
    aes = test_secret(c, JCC_TYPE_AES, 128, "2b7e151628aed2a6abf7158809cf4f3c");
    assert_int_equal(jcc_cipher_init(x, aes, JCC_CIPHER_MODE_ENCRYPT, in, 16), JCC_OK);
    /* Not block aligned, empty, short output. */
    assert_int_equal(jcc_cipher_final(x, in, 15, out, 32, &n), JCC_ILLEGAL_USE);
    assert_int_equal(jcc_cipher_final(x, in, 0, out, 32, &n), JCC_ILLEGAL_USE);
    assert_int_equal(jcc_cipher_final(x, in, 32, out, 31, &n), JCC_EX_INDEX);
    assert_int_equal(jcc_cipher_update(x, in, 20, out, 15, &n), JCC_EX_INDEX);
    /* update buffers the partial block: 20 bytes in -> 16 out, 4 held. */
    assert_int_equal(jcc_cipher_update(x, in, 20, out, 32, &n), JCC_OK);
    assert_int_equal(n, 16);
    assert_int_equal(jcc_cipher_final(x, in, 12, out, 32, &n), JCC_OK);
    assert_int_equal(n, 16);
    jcc_cipher_free(x);
    /* ECB takes no IV. */
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_AES_BLOCK_128_ECB_NOPAD, &x), JCC_OK);
    assert_int_equal(jcc_cipher_init(x, aes, JCC_CIPHER_MODE_ENCRYPT, in, 16), JCC_ILLEGAL_VALUE);
    jcc_cipher_free(x);
    /* Profiles: JCOP 2.4.1 has DES_CBC_PKCS5 and no OAEP, no DES_ECB_PKCS5; 2.4.2 lacks PKCS5. */
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_DES_CBC_PKCS5, &x), JCC_OK);
    jcc_cipher_free(x);
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_DES_ECB_PKCS5, &x), JCC_NO_SUCH_ALGORITHM);
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_RSA_PKCS1_OAEP, &x), JCC_NO_SUCH_ALGORITHM);
    assert_int_equal(jcc_cipher_new(c, 99, &x), JCC_NO_SUCH_ALGORITHM);
    assert_null(x);
    jcc_ctx *c2 = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 1);
    assert_int_equal(jcc_cipher_new(c2, JCC_CIPHER_DES_CBC_PKCS5, &x), JCC_NO_SUCH_ALGORITHM);
    jcc_ctx_free(c2);
    jcc_key_free(aes);
    jcc_key_free(des);
    jcc_ctx_free(c);
}

/* Card events the VM forwards: reset/tear (CBC IV to zeros, buffered data
 * dropped) and the clearing of the transient key an object was initialised with. */
static void test_card_events(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP241, &rng, 1);
    jcc_key *k =
        test_secret(c, JCC_TYPE_AES_TRANSIENT_RESET, 128, "2b7e151628aed2a6abf7158809cf4f3c");
    jcc_cipher *x = NULL, *z = NULL;
    uint8_t iv[16], in[32], a[32], b[32];
    size_t n, m;
    memset(iv, 0x5A, 16);
    for (int i = 0; i < 32; i++)
        in[i] = (uint8_t)i;
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_AES_BLOCK_128_CBC_NOPAD, &x), JCC_OK);
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_AES_BLOCK_128_CBC_NOPAD, &z), JCC_OK);
    assert_int_equal(jcc_cipher_init(z, k, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_final(z, in, 32, b, 32, &m), JCC_OK); /* zero IV */
    assert_int_equal(jcc_cipher_init(x, k, JCC_CIPHER_MODE_ENCRYPT, iv, 16), JCC_OK);
    assert_int_equal(jcc_cipher_update(x, in, 7, a, 32, &n), JCC_OK);
    jcc_cipher_card_reset(x);
    assert_int_equal(jcc_cipher_final(x, in, 32, a, 32, &n), JCC_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(a, b, 32);
    jcc_cipher_key_cleared(x);
    assert_int_equal(jcc_cipher_final(x, in, 32, a, 32, &n), JCC_UNINITIALIZED_KEY);
    assert_int_equal(jcc_cipher_update(x, in, 32, a, 32, &n), JCC_UNINITIALIZED_KEY);
    assert_int_equal(jcc_cipher_init(x, k, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_final(x, in, 32, a, 32, &n), JCC_OK);
    jcc_sig *s = NULL;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_AES_MAC_128_NOPAD, &s), JCC_OK);
    assert_int_equal(jcc_sig_init(s, k, JCC_SIG_MODE_SIGN, iv, 16), JCC_OK);
    assert_int_equal(jcc_sig_update(s, in, 5), JCC_OK);
    jcc_sig_card_reset(s);
    assert_int_equal(jcc_sig_sign(s, in, 32, a, 16, &n), JCC_OK);
    assert_memory_equal(a, b + 16, 16); /* CBC-MAC with a zero IV = last CBC block */
    jcc_sig_key_cleared(s);
    assert_int_equal(jcc_sig_sign(s, in, 32, a, 16, &n), JCC_UNINITIALIZED_KEY);
    jcc_sig_free(s);
    jcc_cipher_free(x);
    jcc_cipher_free(z);
    /* Checksum: back to the default initial value. */
    jcc_checksum *ck = NULL;
    assert_int_equal(jcc_checksum_new(c, JCC_CHECKSUM_ISO3309_CRC16, &ck), JCC_OK);
    assert_int_equal(jcc_checksum_init(ck, (const uint8_t *)"\xFF\xFF", 2), JCC_OK);
    assert_int_equal(jcc_checksum_update(ck, in, 3), JCC_OK);
    jcc_checksum_card_reset(ck);
    assert_int_equal(jcc_checksum_final(ck, (const uint8_t *)"123456789", 9, a, 2, &n), JCC_OK);
    assert_hex(a, n, "2189");
    jcc_checksum_free(ck);
    jcc_key_free(k);
    jcc_ctx_free(c);
}

/* AES CBC-MAC against libcrypto's own AES-CBC (last block). */
static void test_aes_mac(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 1);
    jcc_key *k = test_secret(c, JCC_TYPE_AES, 128, "2b7e151628aed2a6abf7158809cf4f3c");
    uint8_t msg[48], want[48], mac[16], key[16];
    for (int i = 0; i < 48; i++)
        msg[i] = (uint8_t)(i * 7);
    hex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
    EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
    int ol;
    assert_int_equal(EVP_EncryptInit_ex2(e, EVP_aes_128_cbc(), key, NULL, NULL), 1);
    EVP_CIPHER_CTX_set_padding(e, 0);
    assert_int_equal(EVP_EncryptUpdate(e, want, &ol, msg, 48), 1);
    EVP_CIPHER_CTX_free(e);
    jcc_sig *s = NULL;
    size_t n, len;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_AES_MAC_128_NOPAD, &s), JCC_OK);
    assert_int_equal(jcc_sig_length(s, &len), JCC_OK);
    assert_int_equal(len, 16);
    assert_int_equal(jcc_sig_init(s, k, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_update(s, msg, 17), JCC_OK);
    assert_int_equal(jcc_sig_sign(s, msg + 17, 31, mac, 15, &n), JCC_EX_INDEX);
    assert_int_equal(jcc_sig_sign(s, msg + 17, 31, mac, 16, &n), JCC_OK);
    assert_memory_equal(mac, want + 32, 16);
    /* The object restarted after sign: the same MAC again. */
    assert_int_equal(jcc_sig_sign(s, msg, 48, mac, 16, &n), JCC_OK);
    assert_memory_equal(mac, want + 32, 16);
    jcc_sig_free(s);
    jcc_key_free(k);
    jcc_ctx_free(c);
}

static void test_hmac_rfc4231(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_ALL, &rng, 1);
    jcc_key *k = NULL;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_HMAC, 64, &k), JCC_OK);
    assert_int_equal(jcc_key_set(k, JCC_COMP_SECRET, (const uint8_t *)"Jefe", 4), JCC_OK);
    jcc_sig *s = NULL;
    uint8_t mac[32];
    size_t n;
    const char *msg = "what do ya want for nothing?";
    assert_int_equal(jcc_sig_new(c, JCC_SIG_HMAC_SHA_256, &s), JCC_OK);
    assert_int_equal(jcc_sig_init(s, k, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_update(s, (const uint8_t *)msg, 10), JCC_OK);
    assert_int_equal(jcc_sig_sign(s, (const uint8_t *)msg + 10, strlen(msg) - 10, mac, 32, &n),
                     JCC_OK);
    assert_hex(mac, n, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    jcc_sig_free(s);
    jcc_key_free(k);
    jcc_ctx_free(c);
    /* Neither JCOP 2.4.x profile has HMAC. */
    c = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 1);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_HMAC, 64, &k), JCC_NO_SUCH_ALGORITHM);
    assert_int_equal(jcc_sig_new(c, JCC_SIG_HMAC_SHA1, &s), JCC_NO_SUCH_ALGORITHM);
    jcc_ctx_free(c);
}

static void test_checksum(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_ALL, &rng, 1);
    jcc_checksum *k = NULL;
    uint8_t out[4];
    size_t n;
    const uint8_t *msg = (const uint8_t *)"123456789";
    /* CRC16: x^16+x^12+x^5+1 LSB first, default initial value 0 (CRC-16/KERMIT's check). */
    assert_int_equal(jcc_checksum_new(c, JCC_CHECKSUM_ISO3309_CRC16, &k), JCC_OK);
    assert_int_equal(jcc_checksum_update(k, msg, 4), JCC_OK);
    assert_int_equal(jcc_checksum_final(k, msg + 4, 5, out, 4, &n), JCC_OK);
    assert_hex(out, n, "2189");
    /* Initial value FFFF: the X.25 CRC before its final complement (~906E). */
    assert_int_equal(jcc_checksum_init(k, (const uint8_t *)"\xFF\xFF", 2), JCC_OK);
    assert_int_equal(jcc_checksum_final(k, msg, 9, out, 4, &n), JCC_OK);
    assert_hex(out, n, "6F91");
    assert_int_equal(jcc_checksum_init(k, out, 3), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_checksum_final(k, msg, 9, out, 1, &n), JCC_EX_INDEX);
    jcc_checksum_free(k);
    /* CRC32: default initial value FFFFFFFF, no final complement (~CBF43926). */
    assert_int_equal(jcc_checksum_new(c, JCC_CHECKSUM_ISO3309_CRC32, &k), JCC_OK);
    assert_int_equal(jcc_checksum_final(k, msg, 9, out, 4, &n), JCC_OK);
    assert_hex(out, n, "340BC6D9");
    jcc_checksum_free(k);
    jcc_ctx_free(c);
    c = test_ctx(JCC_PROFILE_JCOP241, &rng, 1);
    assert_int_equal(jcc_checksum_new(c, JCC_CHECKSUM_ISO3309_CRC32, &k), JCC_NO_SUCH_ALGORITHM);
    jcc_ctx_free(c);
}

/* RandomData is the injected stream, byte for byte. */
static void test_random_data(void **state)
{
    test_rng ref = {.s = 42};
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP241, &rng, 42);
    uint8_t a[33], b[33];
    assert_int_equal(jcc_random_check(c, JCC_RANDOM_SECURE), JCC_OK);
    assert_int_equal(jcc_random_check(c, 3), JCC_NO_SUCH_ALGORITHM);
    assert_int_equal(jcc_random_generate(c, a, sizeof(a)), JCC_OK);
    test_random(&ref, b, sizeof(b));
    assert_memory_equal(a, b, sizeof(a));
    jcc_ctx_free(c);
}

/* Profile tables: a few facts of each. */
static void test_profiles(void **state)
{
    assert_true(jcc_profile_supports(JCC_PROFILE_JCOP241, JCC_API_DIGEST, JCC_MD_SHA_256, 0));
    assert_false(jcc_profile_supports(JCC_PROFILE_JCOP241, JCC_API_DIGEST, JCC_MD_SHA_224, 0));
    assert_true(jcc_profile_supports(JCC_PROFILE_JCOP242R3, JCC_API_DIGEST, JCC_MD_SHA_224, 0));
    assert_false(jcc_profile_supports(JCC_PROFILE_JCOP242R3, JCC_API_DIGEST, JCC_MD_SHA_512, 0));
    assert_false(
        jcc_profile_supports(JCC_PROFILE_JCOP241, JCC_API_SIGNATURE, JCC_SIG_ECDSA_SHA_256, 0));
    assert_true(
        jcc_profile_supports(JCC_PROFILE_JCOP242R3, JCC_API_SIGNATURE, JCC_SIG_ECDSA_SHA_256, 0));
    assert_true(jcc_profile_supports(JCC_PROFILE_JCOP241, JCC_API_KEY, JCC_TYPE_RSA_PUBLIC, 736));
    assert_false(
        jcc_profile_supports(JCC_PROFILE_JCOP241, JCC_API_KEY, JCC_TYPE_RSA_CRT_PRIVATE, 736));
    assert_true(
        jcc_profile_supports(JCC_PROFILE_JCOP242R3, JCC_API_KEY, JCC_TYPE_RSA_CRT_PRIVATE, 736));
    assert_false(
        jcc_profile_supports(JCC_PROFILE_JCOP242R3, JCC_API_KEY, JCC_TYPE_RSA_PUBLIC, 3072));
    assert_false(
        jcc_profile_supports(JCC_PROFILE_JCOP241, JCC_API_KEY, JCC_TYPE_EC_FP_PRIVATE, 384));
    assert_false(jcc_profile_supports(JCC_PROFILE_JCOP241, JCC_API_KEYPAIR, JCC_KEYPAIR_RSA, 1024));
    assert_true(
        jcc_profile_supports(JCC_PROFILE_JCOP242R3, JCC_API_KEYPAIR, JCC_KEYPAIR_RSA, 1024));
    assert_true(
        jcc_profile_supports(JCC_PROFILE_JCOP241, JCC_API_KEYAGREEMENT, JCC_KA_EC_SVDP_DHC, 0));
    assert_false(
        jcc_profile_supports(JCC_PROFILE_JCOP242R3, JCC_API_KEYAGREEMENT, JCC_KA_EC_SVDP_DHC, 0));
    /* Listed by both cards and implemented since (test_jcc_pk.c's test_rsa_iso9796). */
    assert_true(
        jcc_profile_supports(JCC_PROFILE_JCOP241, JCC_API_SIGNATURE, JCC_SIG_RSA_SHA_ISO9796, 0));
    assert_true(
        jcc_profile_supports(JCC_PROFILE_JCOP242R3, JCC_API_SIGNATURE, JCC_SIG_RSA_SHA_ISO9796, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digests),    cmocka_unit_test(test_aes_sp800_38a),
        cmocka_unit_test(test_des_fips81), cmocka_unit_test(test_seed_rfc4269),
        cmocka_unit_test(test_paddings),   cmocka_unit_test(test_cipher_exceptions),
        cmocka_unit_test(test_aes_mac),    cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_checksum),   cmocka_unit_test(test_random_data),
        cmocka_unit_test(test_profiles),   cmocka_unit_test(test_card_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
