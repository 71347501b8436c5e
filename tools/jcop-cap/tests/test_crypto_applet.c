/*
 * test_crypto_applet.c: javacard.security / javacardx.crypto through the VM,
 * driven by the project's own applet (simulator/jcvm/tests/applets/
 * cryptokat.jca, assembled in memory by the jcop-cap assembler): known-answer
 * tests (NIST SP 800-38A AES, FIPS 46 DES, FIPS 180 / RFC 1321 digests, and
 * libcrypto's own results for the modes and MACs without a published vector),
 * every CryptoException reason the natives map, RSA-2048 and P-256 key pairs
 * generated on the card whose signatures libcrypto verifies independently, the
 * profile's NO_SUCH_ALGORITHM, and a key that survives the card image.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "jca.h"
#include "jcvm.h"

static jca_cap cap;
static jca_pkg pkg;
static uint8_t lf[65536];
static size_t lf_len;
static jc_aid pkg_aid, app_aid;

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("JCOPSIM_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/simulator/jcvm/tests/applets/cryptokat.jca", src);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    char err[600];
    if (jca_parse(text, len, path, &pkg, err, sizeof err) != 0)
        fail_msg("%s", err);
    if (jca_build(&pkg, path, &cap, err, sizeof err) != 0)
        fail_msg("%s", err);
    static const unsigned order[] = {1, 2, 4, 3, 6, 7, 8, 10, 5, 9};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        unsigned t = order[i];
        if (!cap.comp[t])
            continue;
        memcpy(lf + lf_len, cap.comp[t], cap.len[t]);
        lf_len += cap.len[t];
    }
    pkg_aid.len = pkg.aid.len;
    memcpy(pkg_aid.b, pkg.aid.b, pkg_aid.len);
    app_aid.len = pkg.applets[0].aid.len;
    memcpy(app_aid.b, pkg.applets[0].aid.b, app_aid.len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    jca_cap_free(&cap);
    jca_free(&pkg);
    return 0;
}

/* A test random source: splitmix64 from a seed (what jcop-replay --seed gives a card). */
static int seeded_random(void *ctx, uint8_t *buf, size_t n)
{
    uint64_t *x = ctx;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        buf[i] = (uint8_t)(z ^ (z >> 31));
    }
    return 0;
}

/* A card with the applet installed and selected; profile 0 J2A040, 1 J2E145, 2 every algorithm
   of the engine; seed non-NULL: the card's random source is seeded_random over *seed. */
static jcvm *card_seeded(uint8_t profile, uint64_t *seed)
{
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.crypto_profile = profile;
    if (seed) {
        cfg.random = seeded_random;
        cfg.random_ctx = seed;
    }
    jcvm *vm = jcvm_new(&cfg);
    assert_non_null(vm);
    uint16_t sw = 0;
    char why[300] = "";
    if (jcvm_load(vm, lf, lf_len, &sw, why, sizeof why) != 0)
        fail_msg("LOAD refused (%04X): %s", sw, why);
    if (jcvm_install(vm, &pkg_aid, &app_aid, &app_aid, NULL, 0, 0, &sw, why, sizeof why) != 0)
        fail_msg("INSTALL refused (%04X): %s", sw, why);
    uint8_t sel[5 + 16] = {0x00, 0xA4, 0x04, 0x00, app_aid.len};
    memcpy(sel + 5, app_aid.b, app_aid.len);
    uint8_t resp[300];
    size_t rl = sizeof resp;
    jcvm_select(vm, &app_aid, 0, sel, 5u + app_aid.len, resp, &rl);
    assert_int_equal(resp[rl - 2] << 8 | resp[rl - 1], 0x9000);
    return vm;
}

static jcvm *card(uint8_t profile)
{
    return card_seeded(profile, NULL);
}

/* Send 80 ins p1 p2 Lc data 00; the answer's data into out (returns its
   length) and the status word into *sw. */
static size_t send(jcvm *vm, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *d, size_t n,
                   uint8_t *out, uint16_t *sw)
{
    uint8_t cmd[261] = {0x80, ins, p1, p2, (uint8_t)n};
    assert_true(n <= 255);
    if (n > 0)
        memcpy(cmd + 5, d, n);
    cmd[5 + n] = 0;
    uint8_t resp[600];
    size_t rl = sizeof resp;
    /* no data: case 2 (80 ins p1 p2 Le) */
    jcvm_process(vm, &app_aid, 0, cmd, n ? 6 + n : 5, resp, &rl);
    assert_true(rl >= 2);
    *sw = (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]);
    if (out)
        memcpy(out, resp, rl - 2);
    return rl - 2;
}

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2)
        sscanf(h, "%2hhx", &out[n++]);
    return n;
}

enum { F_NOSET = 1 };

/* INS 10 / 14 data: ktype kbits flags key ivlen iv outOff input */
static size_t key_cmd(uint8_t *d, uint8_t ktype, uint16_t kbits, uint8_t flags, const uint8_t *key,
                      const uint8_t *iv, size_t ivlen, uint16_t out_off, const uint8_t *in,
                      size_t n)
{
    size_t o = 0;
    d[o++] = ktype;
    d[o++] = (uint8_t)(kbits >> 8);
    d[o++] = (uint8_t)kbits;
    d[o++] = flags;
    memcpy(d + o, key, kbits / 8u);
    o += kbits / 8u;
    d[o++] = (uint8_t)ivlen;
    if (ivlen)
        memcpy(d + o, iv, ivlen);
    o += ivlen;
    d[o++] = (uint8_t)(out_off >> 8);
    d[o++] = (uint8_t)out_off;
    memcpy(d + o, in, n);
    return o + n;
}

static size_t cipher(jcvm *vm, uint8_t alg, uint8_t mode, uint8_t ktype, uint16_t kbits,
                     const uint8_t *key, const uint8_t *iv, size_t ivlen, const uint8_t *in,
                     size_t n, uint8_t *out, uint16_t *sw)
{
    uint8_t d[255];
    size_t dl = key_cmd(d, ktype, kbits, 0, key, iv, ivlen, 0, in, n);
    return send(vm, 0x10, alg, mode, d, dl, out, sw);
}

/* Java Card constants used below */
enum {
    TYPE_DES = 3,
    TYPE_AES = 15,
    LEN_DES = 64,
    LEN_DES3_2 = 128,
    LEN_DES3_3 = 192,
    DES_CBC_NOPAD = 1,
    DES_CBC_M2 = 3,
    DES_ECB_NOPAD = 5,
    DES_ECB_M2 = 7,
    AES_CBC = 13,
    AES_ECB = 14,
    ENC = 2,
    DEC = 1,
    SIG_DES_MAC8_M2 = 6,
    SIG_AES_MAC128 = 18,
    MD_SHA = 1,
    MD_MD5 = 2,
    MD_SHA256 = 4,
    MD_SHA224 = 7,
};

static const char *AES128 = "2B7E151628AED2A6ABF7158809CF4F3C";
static const char *PT4 = "6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51"
                         "30C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710";

static void expect(jcvm *vm, uint8_t alg, uint8_t mode, uint8_t ktype, uint16_t kbits,
                   const char *key_h, const char *iv_h, const char *in_h, const char *out_h)
{
    uint8_t key[32], iv[16], in[128], want[128], got[300];
    unhex(key_h, key);
    size_t ivl = iv_h ? unhex(iv_h, iv) : 0;
    size_t n = unhex(in_h, in), wl = unhex(out_h, want);
    uint16_t sw;
    size_t gl = cipher(vm, alg, mode, ktype, kbits, key, iv, ivl, in, n, got, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(gl, wl);
    assert_memory_equal(got, want, wl);
}

/* NIST SP 800-38A F.1/F.2 (AES), FIPS 46 / SP 800-17 (DES) through Cipher. */
static void test_cipher_vectors(void **state)
{
    (void)state;
    jcvm *vm = card(0);
    /* F.1.1 / F.1.2 ECB-AES128 */
    expect(vm, AES_ECB, ENC, TYPE_AES, 128, AES128, NULL, PT4,
           "3AD77BB40D7A3660A89ECAF32466EF97F5D3D58503B9699DE785895A96FDBAAF"
           "43B1CD7F598ECE23881B00E3ED0306887B0C785E27E8AD3F8223207104725DD4");
    expect(vm, AES_ECB, DEC, TYPE_AES, 128, AES128, NULL, "3AD77BB40D7A3660A89ECAF32466EF97",
           "6BC1BEE22E409F96E93D7E117393172A");
    /* F.1.3 ECB-AES192, F.1.5 ECB-AES256 (first block) */
    expect(vm, AES_ECB, ENC, TYPE_AES, 192, "8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B",
           NULL, "6BC1BEE22E409F96E93D7E117393172A", "BD334F1D6E45F25FF712A214571FA5CC");
    expect(vm, AES_ECB, ENC, TYPE_AES, 256,
           "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4", NULL,
           "6BC1BEE22E409F96E93D7E117393172A", "F3EED1BDB5D2A03C064B5A7E3DB181F8");
    /* F.2.1 / F.2.2 CBC-AES128 */
    expect(vm, AES_CBC, ENC, TYPE_AES, 128, AES128, "000102030405060708090A0B0C0D0E0F", PT4,
           "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2"
           "73BED6B8E3C1743B7116E69E222295163FF1CAA1681FAC09120ECA307586E1A7");
    expect(vm, AES_CBC, DEC, TYPE_AES, 128, AES128, "000102030405060708090A0B0C0D0E0F",
           "7649ABAC8119B246CEE98E9B12E9197D", "6BC1BEE22E409F96E93D7E117393172A");
    /* CBC without an IV starts from zeros: = ECB for one block */
    expect(vm, AES_CBC, ENC, TYPE_AES, 128, AES128, NULL, "6BC1BEE22E409F96E93D7E117393172A",
           "3AD77BB40D7A3660A89ECAF32466EF97");
    /* INS 1C: the kept Cipher (AES-128 ECB encrypt) applied twice in place = E(E(P)) */
    {
        uint8_t two[16], want[16], k[16], got[300];
        uint16_t sw;
        expect(vm, AES_ECB, ENC, TYPE_AES, 128, AES128, NULL, "6BC1BEE22E409F96E93D7E117393172A",
               "3AD77BB40D7A3660A89ECAF32466EF97");
        unhex("6BC1BEE22E409F96E93D7E117393172A", two);
        unhex(AES128, k);
        size_t gl = send(vm, 0x1C, 2, 0, two, 16, got, &sw);
        assert_int_equal(sw, 0x9000);
        assert_int_equal(gl, 16);
        unhex("3AD77BB40D7A3660A89ECAF32466EF97", two);
        EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
        int l = 0;
        EVP_EncryptInit_ex(x, EVP_aes_128_ecb(), NULL, k, NULL);
        EVP_CIPHER_CTX_set_padding(x, 0);
        EVP_EncryptUpdate(x, want, &l, two, 16);
        EVP_CIPHER_CTX_free(x);
        assert_memory_equal(got, want, 16);
    }
    /* DES: the FIPS 46 worked example; 3DES with K1=K2(=K3) degenerates to DES */
    expect(vm, DES_ECB_NOPAD, ENC, TYPE_DES, LEN_DES, "133457799BBCDFF1", NULL, "0123456789ABCDEF",
           "85E813540F0AB405");
    expect(vm, DES_ECB_NOPAD, DEC, TYPE_DES, LEN_DES, "133457799BBCDFF1", NULL, "85E813540F0AB405",
           "0123456789ABCDEF");
    expect(vm, DES_ECB_NOPAD, ENC, TYPE_DES, LEN_DES3_2, "133457799BBCDFF1133457799BBCDFF1", NULL,
           "0123456789ABCDEF", "85E813540F0AB405");
    expect(vm, DES_ECB_NOPAD, ENC, TYPE_DES, LEN_DES3_3,
           "133457799BBCDFF1133457799BBCDFF1133457799BBCDFF1", NULL, "0123456789ABCDEF",
           "85E813540F0AB405");
    jcvm_free(vm);
}

/* libcrypto's answer for a 3DES/AES operation (the independent reference). */
static size_t ref(const EVP_CIPHER *c, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                  size_t n, uint8_t *out)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    assert_int_equal(EVP_EncryptInit_ex(x, c, NULL, key, iv), 1);
    EVP_CIPHER_CTX_set_padding(x, 0);
    assert_int_equal(EVP_EncryptUpdate(x, out, &l1, in, (int)n), 1);
    assert_int_equal(EVP_EncryptFinal_ex(x, out + l1, &l2), 1);
    EVP_CIPHER_CTX_free(x);
    return (size_t)(l1 + l2);
}

/* 3DES CBC, ISO 9797 M2 padding, DES MAC8 M2 and AES MAC128 against libcrypto. */
static void test_modes_and_macs(void **state)
{
    (void)state;
    jcvm *vm = card(0);
    uint8_t k3[24], iv[8], in[40], pad[48], want[48], got[300], d[255];
    unhex("0123456789ABCDEFFEDCBA987654321089ABCDEF01234567", k3);
    unhex("0102030405060708", iv);
    for (unsigned i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7 + 1);
    uint16_t sw;
    /* 3-key 3DES CBC NOPAD with IV */
    size_t wl = ref(EVP_des_ede3_cbc(), k3, iv, in, 40, want);
    size_t gl = cipher(vm, DES_CBC_NOPAD, ENC, TYPE_DES, LEN_DES3_3, k3, iv, 8, in, 40, got, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(gl, wl);
    assert_memory_equal(got, want, wl);
    /* ISO 9797-1 M2 padding of 13 bytes: 80 00 00 then ECB */
    memcpy(pad, in, 13);
    memcpy(pad + 13, "\x80\x00\x00", 3);
    uint8_t k2[24];
    memcpy(k2, k3, 16);
    memcpy(k2 + 16, k3, 8);
    wl = ref(EVP_des_ede3_ecb(), k2, NULL, pad, 16, want);
    gl = cipher(vm, DES_ECB_M2, ENC, TYPE_DES, LEN_DES3_2, k3, NULL, 0, in, 13, got, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(gl, 16);
    assert_memory_equal(got, want, 16);
    /* ... and back: the padding is removed */
    gl = cipher(vm, DES_ECB_M2, DEC, TYPE_DES, LEN_DES3_2, k3, NULL, 0, want, 16, got, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(gl, 13);
    assert_memory_equal(got, in, 13);
    /* DES MAC8 ISO9797 M2 (2-key 3DES CBC-MAC of the padded data, zero IV) */
    memcpy(pad, in, 21);
    memcpy(pad + 21, "\x80\x00\x00", 3);
    static const uint8_t zero[16];
    wl = ref(EVP_des_ede3_cbc(), k2, zero, pad, 24, want);
    size_t dl = key_cmd(d, TYPE_DES, LEN_DES3_2, 0, k3, NULL, 0, 0, in, 21);
    gl = send(vm, 0x14, SIG_DES_MAC8_M2, 0, d, dl, got, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(gl, 8);
    assert_memory_equal(got, want + wl - 8, 8);
    /* AES MAC128 NOPAD = last block of AES-CBC, zero IV */
    uint8_t ka[16];
    unhex(AES128, ka);
    wl = ref(EVP_aes_128_cbc(), ka, zero, in, 32, want);
    dl = key_cmd(d, TYPE_AES, 128, 0, ka, NULL, 0, 0, in, 32);
    gl = send(vm, 0x14, SIG_AES_MAC128, 0, d, dl, got, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(gl, 16);
    assert_memory_equal(got, want + 16, 16);
    jcvm_free(vm);
}

static void digest(jcvm *vm, uint8_t alg, const char *msg, const char *want_h)
{
    uint8_t got[300], want[64];
    size_t wl = unhex(want_h, want);
    uint16_t sw;
    size_t gl = send(vm, 0x12, alg, 0, (const uint8_t *)msg, strlen(msg), got, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(gl, wl);
    assert_memory_equal(got, want, wl);
}

/* FIPS 180-4 examples ("abc") and RFC 1321's MD5 test suite. */
static void test_digests(void **state)
{
    (void)state;
    jcvm *vm = card(0);
    digest(vm, MD_SHA, "abc", "A9993E364706816ABA3E25717850C26C9CD0D89D");
    digest(vm, MD_SHA256, "abc",
           "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    digest(vm, MD_MD5, "abc", "900150983CD24FB0D6963F7D28E17F72");
    digest(vm, MD_SHA, "", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
    /* SHA-224 is JCOP 2.4.2's: NO_SUCH_ALGORITHM on the J2A040, FIPS 180-4 on the J2E145 */
    uint16_t sw;
    send(vm, 0x12, MD_SHA224, 0, (const uint8_t *)"abc", 3, NULL, &sw);
    assert_int_equal(sw, 0x6F53);
    jcvm_free(vm);
    vm = card(1);
    digest(vm, MD_SHA224, "abc", "23097D223405D8228642A477BDA255B32AADBCE4BDA0B3F7E36C9DA7");
    jcvm_free(vm);
}

/* Each CryptoException reason the natives give, and the Java exceptions. */
static void test_exceptions(void **state)
{
    (void)state;
    jcvm *vm = card(0);
    uint8_t key[32] = {0}, in[32] = {0}, d[255];
    uint16_t sw;
    /* unsupported algorithm: Cipher.getInstance(99) -> NO_SUCH_ALGORITHM */
    cipher(vm, 99, ENC, TYPE_AES, 128, key, NULL, 0, in, 16, NULL, &sw);
    assert_int_equal(sw, 0x6F53);
    /* wrong key length: buildKey(TYPE_AES, 100) -> NO_SUCH_ALGORITHM (KeyBuilder's reason) */
    size_t dl = key_cmd(d, TYPE_AES, 100, F_NOSET, key, NULL, 0, 0, in, 16);
    send(vm, 0x10, AES_ECB, ENC, d, dl, NULL, &sw);
    assert_int_equal(sw, 0x6F53);
    /* a key of the wrong kind for the algorithm: DES cipher with an AES key -> ILLEGAL_VALUE */
    cipher(vm, DES_ECB_NOPAD, ENC, TYPE_AES, 128, key, NULL, 0, in, 16, NULL, &sw);
    assert_int_equal(sw, 0x6F51);
    /* undefined mode 7 -> ILLEGAL_VALUE */
    cipher(vm, AES_ECB, 7, TYPE_AES, 128, key, NULL, 0, in, 16, NULL, &sw);
    assert_int_equal(sw, 0x6F51);
    /* IV of the wrong length -> ILLEGAL_VALUE */
    cipher(vm, AES_CBC, ENC, TYPE_AES, 128, key, key, 8, in, 16, NULL, &sw);
    assert_int_equal(sw, 0x6F51);
    /* uninitialised key -> UNINITIALIZED_KEY */
    dl = key_cmd(d, TYPE_AES, 128, F_NOSET, key, NULL, 0, 0, in, 16);
    send(vm, 0x10, AES_ECB, ENC, d, dl, NULL, &sw);
    assert_int_equal(sw, 0x6F52);
    /* NOPAD input not a block multiple -> ILLEGAL_USE */
    cipher(vm, AES_ECB, ENC, TYPE_AES, 128, key, NULL, 0, in, 15, NULL, &sw);
    assert_int_equal(sw, 0x6F55);
    /* bad padding on decryption: a block that does not end in 80 00.. -> ILLEGAL_USE */
    cipher(vm, DES_ECB_M2, DEC, TYPE_DES, LEN_DES3_2, key, NULL, 0, in, 8, NULL, &sw);
    assert_int_equal(sw, 0x6F55);
    /* output that does not fit the array -> ArrayIndexOutOfBoundsException (6F0A here) */
    dl = key_cmd(d, TYPE_AES, 128, 0, key, NULL, 0, 250, in, 16);
    send(vm, 0x10, AES_ECB, ENC, d, dl, NULL, &sw);
    assert_int_equal(sw, 0x6F0A);
    /* ... and exactly fitting is fine (245 + 16 = 261, the APDU buffer) */
    dl = key_cmd(d, TYPE_AES, 128, 0, key, NULL, 0, 245, in, 16);
    send(vm, 0x10, AES_ECB, ENC, d, dl, NULL, &sw);
    assert_int_equal(sw, 0x9000);
    jcvm_free(vm);
}

static EVP_PKEY *rsa_pub(const uint8_t *n, size_t nl, const uint8_t *e, size_t el)
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be);
    OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
    assert_int_equal(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, p), 1);
    EVP_PKEY_CTX_free(c);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(b);
    BN_free(bn);
    BN_free(be);
    return k;
}

static EVP_PKEY *p256_pub(const uint8_t *w, size_t wl)
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, w, wl);
    OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
    assert_int_equal(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, p), 1);
    EVP_PKEY_CTX_free(c);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(b);
    return k;
}

static int verify(EVP_PKEY *k, const uint8_t *msg, size_t ml, const uint8_t *sig, size_t sl)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, k), 1);
    int rc = EVP_DigestVerify(m, sig, sl, msg, ml);
    EVP_MD_CTX_free(m);
    return rc;
}

/* On-card RSA-2048 (CRT) and P-256 key pairs sign; libcrypto verifies from the
   public key the card exports. */
static void test_keygen_sign(void **state)
{
    (void)state;
    jcvm *vm = card(1);
    uint8_t msg[64], d[80], sig[300], n[300], e[8];
    memcpy(msg, "jcopsim: signed on the card, verified by libcrypto", 50);
    uint16_t sw;
    /* KeyPair.ALG_RSA_CRT 2048, Signature.ALG_RSA_SHA_256_PKCS1 (40) */
    d[0] = 0x08;
    d[1] = 0x00;
    memcpy(d + 2, msg, 50);
    size_t sl = send(vm, 0x16, 2, 40, d, 52, sig, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(sl, 256);
    size_t nl = send(vm, 0x18, 0, 0, NULL, 0, n, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(nl, 256);
    assert_true(n[0] & 0x80); /* a full 2048-bit modulus */
    size_t el = send(vm, 0x18, 1, 0, NULL, 0, e, &sw);
    assert_int_equal(sw, 0x9000);
    EVP_PKEY *k = rsa_pub(n, nl, e, el);
    assert_int_equal(verify(k, msg, 50, sig, sl), 1);
    sig[10] ^= 1;
    assert_int_not_equal(verify(k, msg, 50, sig, sl), 1);
    EVP_PKEY_free(k);
    /* KeyPair.ALG_EC_FP 256 (the named curve P-256), Signature.ALG_ECDSA_SHA_256 (33) */
    d[0] = 0x01;
    d[1] = 0x00;
    sl = send(vm, 0x16, 5, 33, d, 52, sig, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(sig[0], 0x30); /* DER SEQUENCE */
    uint8_t w[80];
    size_t wl = send(vm, 0x18, 2, 0, NULL, 0, w, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(wl, 65);
    k = p256_pub(w, wl);
    assert_int_equal(verify(k, msg, 50, sig, sl), 1);
    msg[0] ^= 1;
    assert_int_not_equal(verify(k, msg, 50, sig, sl), 1);
    /* INS 1A: the kept Signature signs again, three times (fresh nonces), still valid */
    sl = send(vm, 0x1A, 3, 0, msg, 50, sig, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(verify(k, msg, 50, sig, sl), 1);
    EVP_PKEY_free(k);
    jcvm_free(vm);
    /* JCOP 2.4.1 has no KeyPair.ALG_RSA (JCAlgTest): NO_SUCH_ALGORITHM from the constructor */
    vm = card(0);
    d[0] = 0x04;
    d[1] = 0x00;
    send(vm, 0x16, 1, 10, d, 52, NULL, &sw);
    assert_int_equal(sw, 0x6F53);
    jcvm_free(vm);
}

/* The generated pair lives in the card image: saved, restored, still there. */
static void test_key_persists(void **state)
{
    (void)state;
    jcvm *vm = card(1);
    uint8_t d[4] = {0x01, 0x00, 'h', 'i'}, w1[80], w2[80];
    uint16_t sw;
    send(vm, 0x16, 5, 33, d, 4, NULL, &sw);
    assert_int_equal(sw, 0x9000);
    size_t l1 = send(vm, 0x18, 2, 0, NULL, 0, w1, &sw);
    assert_int_equal(sw, 0x9000);
    uint8_t *blob = NULL;
    size_t bl = 0;
    assert_int_equal(jcvm_save(vm, &blob, &bl), 0);
    jcvm_free(vm);
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.crypto_profile = 1;
    vm = jcvm_new(&cfg);
    assert_int_equal(jcvm_restore(vm, blob, bl), 0);
    uint8_t sel[5 + 16] = {0x00, 0xA4, 0x04, 0x00, app_aid.len};
    memcpy(sel + 5, app_aid.b, app_aid.len);
    uint8_t resp[300];
    size_t rl = sizeof resp;
    jcvm_select(vm, &app_aid, 0, sel, 5u + app_aid.len, resp, &rl);
    size_t l2 = send(vm, 0x18, 2, 0, NULL, 0, w2, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(l1, l2);
    assert_memory_equal(w1, w2, l1);
    free(blob);
    jcvm_free(vm);
}

static void reselect(jcvm *vm)
{
    uint8_t sel[5 + 16] = {0x00, 0xA4, 0x04, 0x00, app_aid.len};
    memcpy(sel + 5, app_aid.b, app_aid.len);
    uint8_t resp[300];
    size_t rl = sizeof resp;
    jcvm_select(vm, &app_aid, 0, sel, 5u + app_aid.len, resp, &rl);
    assert_int_equal(resp[rl - 2] << 8 | resp[rl - 1], 0x9000);
}

/* Transient keys lose their value on the event their type names, and the
   Cipher initialised with one throws UNINITIALIZED_KEY until the next init; a
   persistent key's Cipher stays initialised across a reset. */
static void test_transient_keys(void **state)
{
    (void)state;
    static const struct {
        uint8_t type;
        int event; /* 0 reset, 1 deselect */
        uint16_t sw_after;
    } cases[] = {
        {13, 0, 0x6F52}, /* TYPE_AES_TRANSIENT_RESET, card reset */
        {14, 1, 0x6F52}, /* TYPE_AES_TRANSIENT_DESELECT, deselect */
        {14, 0, 0x6F52}, /* a reset also clears CLEAR_ON_DESELECT */
        {13, 1, 0x9000}, /* deselect leaves a CLEAR_ON_RESET key alone */
        {15, 0, 0x9000}, /* TYPE_AES (persistent), card reset */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jcvm *vm = card(0);
        uint8_t key[16], in[16] = {0}, got[300];
        unhex(AES128, key);
        uint16_t sw;
        cipher(vm, AES_ECB, ENC, cases[i].type, 128, key, NULL, 0, in, 16, NULL, &sw);
        assert_int_equal(sw, 0x9000);
        send(vm, 0x1C, 1, 0, in, 16, got, &sw);
        assert_int_equal(sw, 0x9000);
        if (cases[i].event == 0)
            jcvm_reset(vm);
        else
            jcvm_deselect(vm, &app_aid, 0);
        reselect(vm);
        send(vm, 0x1C, 1, 0, in, 16, got, &sw);
        if (sw != cases[i].sw_after)
            fail_msg("case %zu: %04X, expected %04X", i, sw, cases[i].sw_after);
        jcvm_free(vm);
    }
}

/* P-256 (FIPS 186-4 D.1.2.3) as the applet's ECKey setters take it (INS 20 P1 1..5). */
static const char *const P256[] = {
    "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
    "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
    "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
    ("046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
     "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5"), /* G, uncompressed */
    "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
};

/* The applet builds its two EC keys and sets P-256 on both (buildKey, setFieldFP .. setK). */
static void own_p256(jcvm *vm)
{
    uint8_t d[80];
    uint16_t sw;
    send(vm, 0x20, 0, 0, (const uint8_t *)"\x01\x00", 2, NULL, &sw);
    assert_int_equal(sw, 0x9000);
    for (uint8_t i = 0; i < 5; i++) {
        size_t n = unhex(P256[i], d);
        send(vm, 0x20, (uint8_t)(i + 1), 0, d, n, NULL, &sw);
        assert_int_equal(sw, 0x9000);
    }
    send(vm, 0x20, 6, 0, (const uint8_t *)"\x00\x01", 2, NULL, &sw);
    assert_int_equal(sw, 0x9000);
}

/* RFC 5903 section 8.1 (256-bit random ECP group): i, g^r and the shared x of g^ir. */
static const char *RFC5903_I = "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433";
static const char *RFC5903_GR = "04D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
                                "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB";
static const char *RFC5903_GIRX =
    "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE";

/* KeyAgreement through the applet: the RFC 5903 P-256 vector on a private key whose curve the
   applet set itself; _PLAIN gives x, SVDP_DH (and DHC: P-256's cofactor is 1) SHA-1 of x; the
   profile's set (JCAlgTest: DH_PLAIN only on 2.4.2, DHC only on 2.4.1); a point off the curve. */
static void test_keyagreement(void **state)
{
    (void)state;
    uint8_t d[80], got[300], girx[32], sha[20];
    uint16_t sw;
    unhex(RFC5903_GIRX, girx);
    size_t hl = 0;
    assert_int_equal(EVP_Q_digest(NULL, "SHA1", NULL, girx, 32, sha, &hl), 1);
    for (uint8_t profile = 0; profile < 2; profile++) {
        jcvm *vm = card(profile);
        own_p256(vm);
        /* the private key has its curve but no S yet: init throws UNINITIALIZED_KEY */
        size_t n = unhex(RFC5903_GR, d);
        send(vm, 0x24, 1, 0, d, n, NULL, &sw);
        assert_int_equal(sw, 0x6F52);
        n = unhex(RFC5903_I, d);
        send(vm, 0x20, 7, 0, d, n, NULL, &sw); /* ecpriv.setS(i) */
        assert_int_equal(sw, 0x9000);
        n = unhex(RFC5903_GR, d);
        /* ALG_EC_SVDP_DH (1): SHA-1 of the shared x, 20 bytes */
        size_t gl = send(vm, 0x24, 1, 0, d, n, got, &sw);
        assert_int_equal(sw, 0x9000);
        assert_int_equal(gl, 20);
        assert_memory_equal(got, sha, 20);
        /* ALG_EC_SVDP_DH_PLAIN (3): the shared x; JCOP 2.4.2 only */
        gl = send(vm, 0x24, 3, 0, d, n, got, &sw);
        if (profile == 1) {
            assert_int_equal(sw, 0x9000);
            assert_int_equal(gl, 32);
            assert_memory_equal(got, girx, 32);
        } else {
            assert_int_equal(sw, 0x6F53);
        }
        /* ALG_EC_SVDP_DHC (2): JCOP 2.4.1 only; cofactor 1 -> the same as SVDP_DH */
        gl = send(vm, 0x24, 2, 0, d, n, got, &sw);
        if (profile == 0) {
            assert_int_equal(sw, 0x9000);
            assert_memory_equal(got, sha, 20);
        } else {
            assert_int_equal(sw, 0x6F53);
        }
        /* the other party's point moved off the curve: ILLEGAL_VALUE */
        d[64] ^= 1;
        send(vm, 0x24, 1, 0, d, n, NULL, &sw);
        assert_int_equal(sw, 0x6F51);
        jcvm_free(vm);
    }
}

/* genKeyPair over the curve the applet set (not a named-curve default), ECDSA SHA-256 that
   libcrypto verifies on the named P-256; ECDH of the generated key with a libcrypto key agrees. */
static void test_own_curve_keygen(void **state)
{
    (void)state;
    jcvm *vm = card(1);
    own_p256(vm);
    uint8_t d[80], sig[300], w[80];
    memcpy(d, "\x00\x00signed over the applet's own curve", 37);
    uint16_t sw;
    size_t sl = send(vm, 0x22, 0, 33, d, 37, sig, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(sig[0], 0x30);
    size_t wl = send(vm, 0x18, 2, 0, NULL, 0, w, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(wl, 65);
    EVP_PKEY *k = p256_pub(w, wl);
    assert_int_equal(verify(k, d + 2, 35, sig, sl), 1);
    d[2] ^= 1;
    assert_int_not_equal(verify(k, d + 2, 35, sig, sl), 1);
    /* ECDH: a libcrypto P-256 key against the card's */
    EVP_PKEY *mine = EVP_EC_gen("P-256");
    assert_non_null(mine);
    uint8_t pt[80], s1[32], got[300];
    size_t ptl = 0, s1l = sizeof s1;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(mine, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &ptl), 1);
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new(mine, NULL);
    assert_int_equal(EVP_PKEY_derive_init(x), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(x, k), 1);
    assert_int_equal(EVP_PKEY_derive(x, s1, &s1l), 1);
    EVP_PKEY_CTX_free(x);
    size_t gl = send(vm, 0x24, 3, 0, pt, ptl, got, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(gl, s1l);
    assert_memory_equal(got, s1, s1l);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(k);
    /* a curve parameter of the wrong size for a 256-bit key: ILLEGAL_VALUE */
    memset(d, 0xFF, 40);
    send(vm, 0x20, 1, 0, d, 40, NULL, &sw);
    assert_int_equal(sw, 0x6F51);
    jcvm_free(vm);
}

/* Checksum through the applet, against the CRC catalogue's check values for "123456789"
   (the variant FIDELITY.md records: CRC-16 reflected x^16+x^12+x^5+1, default initial value 0 =
   CRC-16/KERMIT 0x2189; with initial value FFFF and no final complement 0x906E ^ FFFF = 0x6F91
   (CRC-16/X-25 without its final XOR); CRC-32 reflected, initial FFFFFFFF, no final complement =
   CRC-32/JAMCRC 0x340BC6D9, the complement of the usual CRC-32 0xCBF43926). The applet runs
   update(first half) + doFinal(second half), then doFinal(whole): both must agree (doFinal
   returns the object to its initial value). */
static void check(jcvm *vm, uint8_t alg, const char *init_h, const char *want_h)
{
    uint8_t d[64], got[300], want[4];
    size_t il = init_h ? unhex(init_h, d) : 0;
    memcpy(d + il, "123456789", 9);
    size_t wl = unhex(want_h, want);
    uint16_t sw;
    size_t gl = send(vm, 0x26, alg, (uint8_t)il, d, il + 9, got, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(gl, 2 * wl);
    assert_memory_equal(got, want, wl);
    assert_memory_equal(got + wl, want, wl);
}

static void test_checksum(void **state)
{
    (void)state;
    jcvm *vm = card(0);
    check(vm, 1, NULL, "2189");
    check(vm, 1, "0000", "2189");
    check(vm, 1, "FFFF", "6F91");
    uint8_t d[16] = {0x12, 0x34, 0x56, '1'};
    uint16_t sw;
    /* init with 3 bytes for a CRC16: ILLEGAL_VALUE */
    send(vm, 0x26, 1, 3, d, 4, NULL, &sw);
    assert_int_equal(sw, 0x6F51);
    /* CRC32 is not in the JCOP 2.4.1 set (JCAlgTest): NO_SUCH_ALGORITHM; nor 2.4.2 R3 */
    send(vm, 0x26, 2, 0, d, 4, NULL, &sw);
    assert_int_equal(sw, 0x6F53);
    jcvm_free(vm);
    vm = card(1);
    send(vm, 0x26, 2, 0, d, 4, NULL, &sw);
    assert_int_equal(sw, 0x6F53);
    check(vm, 1, NULL, "2189");
    jcvm_free(vm);
    /* the engine's CRC32 (test profile 2) */
    vm = card(2);
    check(vm, 2, NULL, "340BC6D9");
    check(vm, 2, "FFFFFFFF", "340BC6D9");
    check(vm, 2, "00000000", "2DFD2D88");
    jcvm_free(vm);
}

/* RandomData through the applet: the bytes come from the card's random source, so two cards
   with the same seed give the same bytes and different seeds different ones; setSeed does not
   change them (the card's source is its own); the exceptions. */
static void test_random(void **state)
{
    (void)state;
    uint8_t a[3][300], d[8] = {0x00, 0x05, 0x00, 0x40};
    uint16_t sw;
    const uint64_t seeds[3] = {7, 7, 8};
    for (int i = 0; i < 3; i++) {
        uint64_t s = seeds[i];
        jcvm *vm = card_seeded(0, &s);
        /* ALG_SECURE_RANDOM (2): 64 bytes at APDU buffer offset 5 */
        size_t n = send(vm, 0x28, 2, 0, d, 4, a[i], &sw);
        assert_int_equal(sw, 0x9000);
        assert_int_equal(n, 64);
        if (i == 0) {
            /* the next call gives fresh bytes; ALG_PSEUDO_RANDOM too; setSeed is accepted */
            uint8_t b[300];
            send(vm, 0x28, 1, 1, d, 4, b, &sw);
            assert_int_equal(sw, 0x9000);
            assert_memory_not_equal(a[0], b, 64);
            /* unknown algorithm: NO_SUCH_ALGORITHM */
            send(vm, 0x28, 3, 0, d, 4, NULL, &sw);
            assert_int_equal(sw, 0x6F53);
            /* beyond the APDU buffer (261 bytes): ArrayIndexOutOfBoundsException */
            const uint8_t big[4] = {0x00, 0xF0, 0x00, 0x20};
            send(vm, 0x28, 2, 0, big, 4, NULL, &sw);
            assert_int_equal(sw, 0x6F0A);
        }
        jcvm_free(vm);
    }
    assert_memory_equal(a[0], a[1], 64);
    assert_memory_not_equal(a[0], a[2], 64);
}

/* ALG_RSA_SHA_ISO9796 through the applet on a J2A040 (JCOP 2.4.1 lists it): an RSA-1024 CRT
   pair generated on the card signs; libcrypto opens the signature with the exported public key
   (raw RSA, no padding) and the result must be the ISO/IEC 9796-2 scheme 1 representative
   6A || the message's first 106 bytes || SHA-1(message) || BC (FIDELITY.md); 4B BB..BA || message
   || SHA-1 || BC for a short message signed by the kept Signature object. */
static void test_iso9796(void **state)
{
    (void)state;
    jcvm *vm = card(0);
    uint8_t d[250], sig[300], n[300], e[8], x[128], want[128], h[20];
    for (unsigned i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)(i * 29 + 3);
    d[0] = 0x04;
    d[1] = 0x00;
    uint16_t sw;
    size_t sl = send(vm, 0x16, 2, 9, d, 2 + 150, sig, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(sl, 128);
    size_t nl = send(vm, 0x18, 0, 0, NULL, 0, n, &sw);
    size_t el = send(vm, 0x18, 1, 0, NULL, 0, e, &sw);
    assert_int_equal(nl, 128);
    EVP_PKEY *k = rsa_pub(n, nl, e, el);
    for (int round = 0; round < 2; round++) {
        const uint8_t *m = d + 2;
        size_t ml = round == 0 ? 150 : 12;
        if (round == 1) {
            sl = send(vm, 0x1A, 1, 0, m, ml, sig, &sw);
            assert_int_equal(sw, 0x9000);
        }
        size_t xl = sizeof x;
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
        assert_int_equal(EVP_PKEY_verify_recover_init(c), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 1);
        assert_int_equal(EVP_PKEY_verify_recover(c, x, &xl, sig, sl), 1);
        EVP_PKEY_CTX_free(c);
        assert_int_equal(xl, 128);
        size_t hl = 0;
        assert_int_equal(EVP_Q_digest(NULL, "SHA1", NULL, m, ml, h, &hl), 1);
        size_t p = 1;
        if (round == 0) {
            want[0] = 0x6A;
            memcpy(want + 1, m, 106);
            p = 107;
        } else {
            want[0] = 0x4B;
            p = 128 - 21 - ml;
            memset(want + 1, 0xBB, p - 2);
            want[p - 1] = 0xBA;
            memcpy(want + p, m, ml);
            p += ml;
        }
        memcpy(want + p, h, 20);
        want[127] = 0xBC;
        assert_memory_equal(x, want, 128);
    }
    EVP_PKEY_free(k);
    jcvm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cipher_vectors),   cmocka_unit_test(test_modes_and_macs),
        cmocka_unit_test(test_digests),          cmocka_unit_test(test_exceptions),
        cmocka_unit_test(test_keygen_sign),      cmocka_unit_test(test_key_persists),
        cmocka_unit_test(test_transient_keys),   cmocka_unit_test(test_keyagreement),
        cmocka_unit_test(test_own_curve_keygen), cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_random),           cmocka_unit_test(test_iso9796),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
