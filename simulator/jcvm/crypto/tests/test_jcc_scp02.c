/*
 * test_jcc_scp02.c: the engine's DES primitives against the SCP02 vectors
 * the card core's tests use (test_scp02.c): session-key derivation is
 * DES_CBC_NOPAD with the 2-key 3DES static key and a zero IV; the key check
 * value is DES_ECB_NOPAD over zeros; and the core's ISO 9797-1 MACs (full
 * 3DES, retail) must equal the engine's ALG_DES_MAC8_ISO9797_M2 and
 * ALG_DES_MAC8_ISO9797_1_M2_ALG3 on random messages of every length 0..40.
 */
#include "jcc_test.h"

#include "jc_crypto.h"

static test_rng rng;

static void test_scp02_derivation(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP241, &rng, 7);
    jcc_key *k = test_secret(c, JCC_TYPE_DES, 128, "404142434445464748494A4B4C4D4E4F");
    jcc_cipher *x = NULL;
    uint8_t in[16] = {0}, out[16];
    size_t n;
    struct {
        uint16_t counter, constant;
        const char *want;
    } v[] = {
        {0x069F, 0x0182, "A7E638E94A6AEC1AB596BA9E46FF2B7F"},
        {0x069F, 0x0101, "3D19A0E1F74FFE5260157E1E150AC67E"},
        {0x06A1, 0x0181, "B035339904B1478F86764BBFC6CEE06B"},
        {0x0007, 0x0102, "EF14C57DB4BB9015E88963D9D920A588"},
    };
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_DES_CBC_NOPAD, &x), JCC_OK);
    assert_int_equal(jcc_cipher_init(x, k, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        in[0] = (uint8_t)(v[i].constant >> 8);
        in[1] = (uint8_t)v[i].constant;
        in[2] = (uint8_t)(v[i].counter >> 8);
        in[3] = (uint8_t)v[i].counter;
        assert_int_equal(jcc_cipher_final(x, in, 16, out, 16, &n), JCC_OK);
        assert_hex(out, n, v[i].want);
    }
    jcc_cipher_free(x);
    uint8_t zero[8] = {0};
    assert_int_equal(jcc_cipher_new(c, JCC_CIPHER_DES_ECB_NOPAD, &x), JCC_OK);
    assert_int_equal(jcc_cipher_init(x, k, JCC_CIPHER_MODE_ENCRYPT, NULL, 0), JCC_OK);
    assert_int_equal(jcc_cipher_final(x, zero, 8, out, 16, &n), JCC_OK);
    assert_hex(out, 3, "8BAF47");
    jcc_cipher_free(x);
    jcc_key_free(k);
    jcc_ctx_free(c);
}

static void test_macs_match_core(void **state)
{
    jcc_ctx *c = test_ctx(JCC_PROFILE_JCOP242R3, &rng, 7);
    jc_crypto *core = NULL;
    assert_int_equal(jc_crypto_create(&core), 0);
    uint8_t key[16], msg[40], want[8], got[8];
    test_random(&rng, key, 16);
    jcc_key *k = NULL;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_DES_TRANSIENT_DESELECT, 128, &k), JCC_OK);
    assert_int_equal(jcc_key_set(k, JCC_COMP_SECRET, key, 16), JCC_OK);
    jcc_sig *full = NULL, *retail = NULL;
    assert_int_equal(jcc_sig_new(c, JCC_SIG_DES_MAC8_ISO9797_M2, &full), JCC_OK);
    assert_int_equal(jcc_sig_new(c, JCC_SIG_DES_MAC8_ISO9797_1_M2_ALG3, &retail), JCC_OK);
    assert_int_equal(jcc_sig_init(full, k, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
    assert_int_equal(jcc_sig_init(retail, k, JCC_SIG_MODE_SIGN, NULL, 0), JCC_OK);
    for (size_t len = 0; len <= sizeof(msg); len++) {
        size_t n, half = len / 2;
        test_random(&rng, msg, len);
        assert_int_equal(jc_mac_full3des(core, key, NULL, msg, len, want), 0);
        assert_int_equal(jcc_sig_update(full, msg, half), JCC_OK);
        assert_int_equal(jcc_sig_sign(full, msg + half, len - half, got, 8, &n), JCC_OK);
        assert_memory_equal(got, want, 8);
        assert_int_equal(jc_mac_retail(core, key, NULL, msg, len, want), 0);
        assert_int_equal(jcc_sig_sign(retail, msg, len, got, 8, &n), JCC_OK);
        assert_memory_equal(got, want, 8);
    }
    /* The retail MAC needs a 2-key key. */
    jcc_key *k3 = NULL;
    assert_int_equal(jcc_key_build(c, JCC_TYPE_DES, 192, &k3), JCC_OK);
    uint8_t kb[24] = {1};
    assert_int_equal(jcc_key_set(k3, JCC_COMP_SECRET, kb, 24), JCC_OK);
    assert_int_equal(jcc_sig_init(retail, k3, JCC_SIG_MODE_SIGN, NULL, 0), JCC_ILLEGAL_VALUE);
    jcc_key_free(k3);
    jcc_sig_free(full);
    jcc_sig_free(retail);
    jcc_key_free(k);
    jc_crypto_free(core);
    jcc_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scp02_derivation),
        cmocka_unit_test(test_macs_match_core),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
