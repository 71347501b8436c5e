/*
 * test_jcc_key.c: key objects: buildKey per profile, component setters and
 * getters with their reasons, clearKey, transient lifetimes, and the saved
 * form (round trip of every key kind, refusal of every truncation and every
 * single-byte corruption).
 */
#include "jcc_test.h"

static test_rng rng;

/* Whether needle[0..nl) occurs in hay[0..hl). */
static bool contains(const uint8_t *hay, size_t hl, const uint8_t *needle, size_t nl)
{
    for (size_t i = 0; i + nl <= hl; i++)
        if (memcmp(hay + i, needle, nl) == 0)
            return true;
    return false;
}

static void test_build(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP241, &rng, 1);
    jcc_key *k = NULL;
    struct {
        int type, bits, rc;
    } cases[] = {
        {JCC_TYPE_DES, 64, JCC_OK},
        {JCC_TYPE_DES_TRANSIENT_RESET, 192, JCC_OK},
        {JCC_TYPE_DES, 100, JCC_NO_SUCH_ALGORITHM},
        {JCC_TYPE_AES_TRANSIENT_DESELECT, 256, JCC_OK},
        {JCC_TYPE_AES, 64, JCC_NO_SUCH_ALGORITHM},
        {JCC_TYPE_RSA_PUBLIC, 2048, JCC_OK},
        {JCC_TYPE_RSA_PRIVATE, 1984, JCC_OK},
        {JCC_TYPE_RSA_PUBLIC, 4096, JCC_NO_SUCH_ALGORITHM},
        {JCC_TYPE_RSA_CRT_PRIVATE, 736, JCC_NO_SUCH_ALGORITHM},
        {JCC_TYPE_EC_FP_PRIVATE, 256, JCC_OK},
        {JCC_TYPE_EC_FP_PUBLIC, 320, JCC_OK},
        {JCC_TYPE_EC_FP_PUBLIC, 384, JCC_NO_SUCH_ALGORITHM},
        {JCC_TYPE_EC_F2M_PUBLIC, 163, JCC_NO_SUCH_ALGORITHM},
        {JCC_TYPE_DSA_PUBLIC, 1024, JCC_NO_SUCH_ALGORITHM},
        {JCC_TYPE_HMAC, 64, JCC_NO_SUCH_ALGORITHM},
        {JCC_TYPE_KOREAN_SEED, 128, JCC_OK},
        {0, 128, JCC_NO_SUCH_ALGORITHM},
        {99, 128, JCC_NO_SUCH_ALGORITHM},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(jcc_key_build(c, cases[i].type, cases[i].bits, &k), cases[i].rc);
        if (cases[i].rc == JCC_OK) {
            assert_int_equal(jcc_key_type(k), cases[i].type);
            assert_int_equal(jcc_key_size(k), cases[i].bits);
            assert_false(jcc_key_is_initialized(k));
            jcc_key_free(k);
        } else {
            assert_null(k);
        }
    }
    jcc_ctx_free(c);
}

static void test_components(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 1);
    jcc_key *k = NULL;
    uint8_t buf[300], out[300];
    size_t n;
    memset(buf, 0xA5, sizeof(buf));
    /* DES: setKey reads exactly the key length. */
    assert_int_equal(jcc_key_build(c, JCC_TYPE_DES, 128, &k), JCC_OK);
    assert_int_equal(jcc_key_secret_len(k), 16);
    assert_int_equal(jcc_key_get(k, JCC_COMP_SECRET, out, sizeof(out), &n), JCC_UNINITIALIZED_KEY);
    assert_int_equal(jcc_key_set(k, JCC_COMP_SECRET, buf, 15), JCC_EX_INDEX);
    assert_int_equal(jcc_key_set(k, JCC_COMP_SECRET, buf, 16), JCC_OK);
    assert_true(jcc_key_is_initialized(k));
    assert_int_equal(jcc_key_get(k, JCC_COMP_SECRET, out, 15, &n), JCC_EX_INDEX);
    assert_int_equal(jcc_key_get(k, JCC_COMP_SECRET, out, sizeof(out), &n), JCC_OK);
    assert_int_equal(n, 16);
    assert_memory_equal(out, buf, 16);
    assert_int_equal(jcc_key_set(k, JCC_COMP_MODULUS, buf, 16), JCC_ERR_ARG);
    assert_int_equal(jcc_key_transient(k), JCC_PERSISTENT);
    jcc_key_clear(k);
    assert_false(jcc_key_is_initialized(k));
    assert_int_equal(jcc_key_get(k, JCC_COMP_SECRET, out, sizeof(out), &n), JCC_UNINITIALIZED_KEY);
    jcc_key_free(k);
    /* RSA: a modulus longer than the key -> ILLEGAL_VALUE, leading zeros dropped. */
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_PUBLIC, 1024, &k), JCC_OK);
    assert_int_equal(jcc_key_set(k, JCC_COMP_MODULUS, buf, 129), JCC_ILLEGAL_VALUE);
    buf[0] = 0;
    assert_int_equal(jcc_key_set(k, JCC_COMP_MODULUS, buf, 129), JCC_OK);
    assert_int_equal(jcc_key_get(k, JCC_COMP_MODULUS, out, sizeof(out), &n), JCC_OK);
    assert_int_equal(n, 128);
    assert_memory_equal(out, buf + 1, 128);
    assert_int_equal(jcc_key_set(k, JCC_COMP_EXPONENT, buf, 0), JCC_ILLEGAL_VALUE);
    assert_false(jcc_key_is_initialized(k));
    jcc_key_free(k);
    /* EC: K defaults to unset, setK 0 is illegal; W only on public, S only on private. */
    uint16_t cof;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PRIVATE, 192, &k), JCC_OK);
    assert_int_equal(jcc_key_get_k(k, &cof), JCC_UNINITIALIZED_KEY);
    assert_int_equal(jcc_key_set_k(k, 0), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_key_set_k(k, 4), JCC_OK);
    assert_int_equal(jcc_key_get_k(k, &cof), JCC_OK);
    assert_int_equal(cof, 4);
    assert_int_equal(jcc_key_set(k, JCC_COMP_W, buf, 49), JCC_ERR_ARG);
    assert_int_equal(jcc_key_set(k, JCC_COMP_G, buf, 50), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_key_set(k, JCC_COMP_G, buf, 49), JCC_OK);
    jcc_key_free(k);
    /* Transient lifetimes. */
    assert_int_equal(jcc_key_build(c, JCC_TYPE_AES_TRANSIENT_RESET, 128, &k), JCC_OK);
    assert_int_equal(jcc_key_transient(k), JCC_TRANSIENT_RESET);
    jcc_key_free(k);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_KOREAN_SEED_TRANSIENT_DESELECT, 128, &k), JCC_OK);
    assert_int_equal(jcc_key_transient(k), JCC_TRANSIENT_DESELECT);
    jcc_key_free(k);
    jcc_ctx_free(c);
}

/* Save k, reload it, save again: the same bytes; then refuse every corruption. */
static void round_trip(jcc_ctx *c, jcc_key *k)
{
    uint8_t blob[2048], again[2048];
    size_t n, m, probe;
    jcc_key *r = NULL;
    assert_int_equal(jcc_key_save(k, NULL, 0, &probe), JCC_OK);
    assert_int_equal(jcc_key_save(k, blob, probe - 1, &n), JCC_EX_INDEX);
    assert_int_equal(jcc_key_save(k, blob, sizeof(blob), &n), JCC_OK);
    assert_int_equal(n, probe);
    assert_int_equal(jcc_key_load(c, blob, n, &r), JCC_OK);
    assert_int_equal(jcc_key_type(r), jcc_key_type(k));
    assert_int_equal(jcc_key_size(r), jcc_key_size(k));
    assert_int_equal(jcc_key_is_initialized(r), jcc_key_is_initialized(k));
    assert_int_equal(jcc_key_save(r, again, sizeof(again), &m), JCC_OK);
    assert_int_equal(m, n);
    assert_memory_equal(again, blob, n);
    jcc_key_free(r);
    for (size_t len = 0; len < n; len++) {
        assert_int_equal(jcc_key_load(c, blob, len, &r), JCC_ILLEGAL_VALUE);
        assert_null(r);
    }
    for (size_t i = 0; i < n; i++) {
        blob[i] ^= 0x10;
        assert_int_equal(jcc_key_load(c, blob, n, &r), JCC_ILLEGAL_VALUE);
        assert_null(r);
        blob[i] ^= 0x10;
    }
}

static void test_save_load(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 9);
    jcc_key *des =
        test_secret(c, JCC_TYPE_DES, 192, "000102030405060708090a0b0c0d0e0f1011121314151617");
    round_trip(c, des);
    jcc_key *empty = NULL;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_AES, 256, &empty), JCC_OK);
    round_trip(c, empty);
    jcc_key *pub = NULL, *crt = NULL, *ep = NULL, *es = NULL;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_PUBLIC, 768, &pub), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_RSA_CRT_PRIVATE, 768, &crt), JCC_OK);
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_RSA_CRT, pub, crt), JCC_OK);
    round_trip(c, pub);
    round_trip(c, crt);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PUBLIC, 224, &ep), JCC_OK);
    assert_int_equal(jcc_key_build(c, JCC_TYPE_EC_FP_PRIVATE, 224, &es), JCC_OK);
    assert_int_equal(jcc_keypair_generate(c, JCC_KEYPAIR_EC_FP, ep, es), JCC_OK);
    round_trip(c, ep);
    round_trip(c, es);
    /* A reloaded private key still signs what the public key verifies. */
    uint8_t blob[1024], sig[80];
    size_t n;
    bool ok;
    jcc_key *es2 = NULL;
    assert_int_equal(jcc_key_save(es, blob, sizeof(blob), &n), JCC_OK);
    assert_int_equal(jcc_key_load(c, blob, n, &es2), JCC_OK);
    jcc_sig *s = NULL;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_ECDSA_SHA_224, &s), JCC_OK);
    assert_int_equal(jcc_sig_init(s, es2, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_sign(s, blob, 10, sig, sizeof(sig), &n), JCC_OK);
    assert_int_equal(jcc_sig_init(s, ep, JCC_SIG_MODE_VERIFY, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_verify(s, blob, 10, sig, n, &ok), JCC_OK);
    assert_true(ok);
    jcc_sig_free(s);
    /* A transient key saves no value: it comes back cleared. */
    jcc_key *t = test_secret(c, JCC_TYPE_DES_TRANSIENT_DESELECT, 64, "0123456789abcdef");
    jcc_key *t2 = NULL;
    assert_int_equal(jcc_key_save(t, blob, sizeof(blob), &n), JCC_OK);
    assert_false(contains(blob, n, (const uint8_t *)"\x01\x23\x45\x67\x89\xab\xcd\xef", 8));
    assert_int_equal(jcc_key_load(c, blob, n, &t2), JCC_OK);
    assert_false(jcc_key_is_initialized(t2));
    assert_int_equal(jcc_key_transient(t2), JCC_TRANSIENT_DESELECT);
    jcc_key *all[] = {des, empty, pub, crt, ep, es, es2, t, t2};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        jcc_key_free(all[i]);
    /* Garbage and NULL. */
    jcc_key *r = NULL;
    assert_int_equal(jcc_key_load(c, NULL, 0, &r), JCC_ILLEGAL_VALUE);
    assert_int_equal(jcc_key_load(c, (const uint8_t *)"JK\x02", 3, &r), JCC_ILLEGAL_VALUE);
    jcc_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_components),
        cmocka_unit_test(test_save_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
