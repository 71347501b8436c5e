/*
 * jcc_pk.c: public-key keys as libcrypto sees them. Turns a ready RSA or EC
 * key into an EVP_PKEY of the engine's library context (so its operations
 * draw randomness from the card's source), generates key pairs into key
 * objects (KeyPair.genKeyPair), and does KeyAgreement (ECDH).
 *
 * Java Card keys carry less than libcrypto wants: an RSAPrivateKey is only
 * (n, d) and an RSAPrivateCrtKey only (p, q, dp, dq, q^-1 mod p), while
 * OpenSSL's RSA needs the public exponent e (for blinding). For a CRT key, e
 * is recovered from dp and dq (e = dp^-1 mod p-1 when e < p-1, true of every
 * practical key); for a plain private key, e is the one kept when the key
 * pair was generated, else the first of 65537, 3, 17, 257, 5 that inverts d.
 * A key where neither works is refused with ILLEGAL_VALUE at init (recorded
 * in simulator/FIDELITY.md). All arithmetic is BN's.
 */
#include "jcc_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

size_t jcc_key_modulus_len(const jcc_key *k)
{
    return (k->bits + 7u) / 8u;
}

static BIGNUM *slot_bn(const jcc_key *k, int slot)
{
    return BN_bin2bn(jcc_slot(k, slot), k->len[slot], NULL);
}

static int fromdata(jcc_ctx *c, const char *name, int selection, OSSL_PARAM_BLD *bld,
                    EVP_PKEY **out)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(c->lib, name, NULL);
    int rc = JCC_ILLEGAL_VALUE;
    if (params == NULL || pc == NULL)
        rc = JCC_ERR_NOMEM;
    else if (EVP_PKEY_fromdata_init(pc) == 1 && EVP_PKEY_fromdata(pc, out, selection, params) == 1)
        rc = JCC_OK;
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(params);
    return rc;
}

/* Whether e inverts d modulo n (checked on 2: (2^d)^e == 2 mod n). */
static bool e_fits(const BIGNUM *n, const BIGNUM *d, const BIGNUM *e, BN_CTX *bc)
{
    BIGNUM *two = BN_new(), *t = BN_new();
    bool ok = false;
    if (two != NULL && t != NULL && BN_set_word(two, 2) && BN_mod_exp(t, two, d, n, bc) &&
        BN_mod_exp(t, t, e, n, bc))
        ok = BN_cmp(t, two) == 0;
    BN_free(two);
    BN_free(t);
    return ok;
}

static const unsigned long COMMON_E[] = {65537, 3, 17, 257, 5};

static int rsa_pkey(jcc_ctx *c, const jcc_key *k, EVP_PKEY **out)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BN_CTX *bc = BN_CTX_new_ex(c->lib);
    BIGNUM *n = NULL, *e = NULL, *d = NULL, *p = NULL, *q = NULL, *dp = NULL, *dq = NULL,
           *qi = NULL, *p1 = NULL, *q1 = NULL, *eq = NULL, *phi = NULL;
    int rc = JCC_ERR_NOMEM, sel = EVP_PKEY_KEYPAIR;
    if (bld == NULL || bc == NULL)
        goto done;
    switch (jcc_type_family(k->type)) {
    case JCC_FAM_RSA_PUB:
        n = slot_bn(k, JCC_S_N);
        e = slot_bn(k, JCC_S_E);
        sel = EVP_PKEY_PUBLIC_KEY;
        if (n == NULL || e == NULL)
            goto done;
        rc = JCC_ILLEGAL_VALUE;
        if (BN_is_zero(n) || !BN_is_odd(n) || BN_is_zero(e))
            goto done;
        break;
    case JCC_FAM_RSA_PRIV:
        n = slot_bn(k, JCC_S_N);
        d = slot_bn(k, JCC_S_E);
        if (n == NULL || d == NULL)
            goto done;
        rc = JCC_ILLEGAL_VALUE;
        if (BN_is_zero(n) || !BN_is_odd(n) || BN_is_zero(d))
            goto done;
        if (jcc_slot_set(k, JCC_S_HIDDEN_E)) {
            e = slot_bn(k, JCC_S_HIDDEN_E);
        } else {
            e = BN_new();
            for (size_t i = 0; e != NULL && i < sizeof(COMMON_E) / sizeof(COMMON_E[0]); i++) {
                if (BN_set_word(e, COMMON_E[i]) && e_fits(n, d, e, bc))
                    break;
                BN_zero(e);
            }
            if (e == NULL || BN_is_zero(e))
                goto done;
        }
        break;
    case JCC_FAM_RSA_CRT:
        p = slot_bn(k, JCC_S_P);
        q = slot_bn(k, JCC_S_Q);
        dp = slot_bn(k, JCC_S_DP);
        dq = slot_bn(k, JCC_S_DQ);
        qi = slot_bn(k, JCC_S_PQ);
        n = BN_new();
        e = BN_new();
        d = BN_new();
        p1 = BN_new();
        q1 = BN_new();
        eq = BN_new();
        phi = BN_new();
        if (!p || !q || !dp || !dq || !qi || !n || !e || !d || !p1 || !q1 || !eq || !phi)
            goto done;
        rc = JCC_ILLEGAL_VALUE;
        if (BN_cmp(p, BN_value_one()) <= 0 || BN_cmp(q, BN_value_one()) <= 0 ||
            !BN_mul(n, p, q, bc) || !BN_sub(p1, p, BN_value_one()) ||
            !BN_sub(q1, q, BN_value_one()) || !BN_mul(phi, p1, q1, bc))
            goto done;
        if (BN_mod_inverse(e, dp, p1, bc) == NULL || BN_mod_inverse(eq, dq, q1, bc) == NULL) {
            ERR_clear_error();
            goto done;
        }
        if (BN_cmp(e, eq) != 0) {
            /* e larger than p-1 or q-1: try the usual values. */
            BN_zero(e);
            for (size_t i = 0; i < sizeof(COMMON_E) / sizeof(COMMON_E[0]); i++) {
                if (BN_set_word(eq, COMMON_E[i]) && BN_mod_mul(d, eq, dp, p1, bc) && BN_is_one(d) &&
                    BN_mod_mul(d, eq, dq, q1, bc) && BN_is_one(d)) {
                    BN_copy(e, eq);
                    break;
                }
            }
            if (BN_is_zero(e))
                goto done;
        }
        if (BN_mod_inverse(d, e, phi, bc) == NULL) {
            ERR_clear_error();
            goto done;
        }
        break;
    default:
        rc = JCC_ILLEGAL_VALUE;
        goto done;
    }
    rc = JCC_ERR_NOMEM;
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
        (d != NULL && !OSSL_PARAM_BLD_push_BN_pad(bld, OSSL_PKEY_PARAM_RSA_D, d, BN_num_bytes(n))))
        goto done;
    if (p != NULL && (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
                      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
                      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
                      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
                      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi)))
        goto done;
    rc = fromdata(c, "RSA", sel, bld, out);
done:
    BN_free(n);
    BN_free(e);
    BN_clear_free(d);
    BN_clear_free(p);
    BN_clear_free(q);
    BN_clear_free(dp);
    BN_clear_free(dq);
    BN_clear_free(qi);
    BN_clear_free(p1);
    BN_clear_free(q1);
    BN_free(eq);
    BN_clear_free(phi);
    BN_CTX_free(bc);
    OSSL_PARAM_BLD_free(bld);
    ERR_clear_error();
    return rc;
}

/* Push an EC key's domain parameters. */
static bool push_ec_params(OSSL_PARAM_BLD *bld, const jcc_key *k, BIGNUM **bns)
{
    bns[0] = slot_bn(k, JCC_S_FIELD);
    bns[1] = slot_bn(k, JCC_S_A);
    bns[2] = slot_bn(k, JCC_S_B);
    bns[3] = slot_bn(k, JCC_S_R);
    bns[4] = BN_new();
    if (!bns[0] || !bns[1] || !bns[2] || !bns[3] || !bns[4] || !BN_set_word(bns[4], k->cofactor))
        return false;
    return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_EC_FIELD_TYPE, SN_X9_62_prime_field,
                                           0) &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_P, bns[0]) &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_A, bns[1]) &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_B, bns[2]) &&
           OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_EC_GENERATOR, jcc_slot(k, JCC_S_G),
                                            k->len[JCC_S_G]) &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_ORDER, bns[3]) &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_COFACTOR, bns[4]);
}

/* EC key (or just its parameters plus the point pt) -> EVP_PKEY. */
static int ec_pkey(jcc_ctx *c, const jcc_key *k, const uint8_t *pt, size_t pt_len, bool params_only,
                   EVP_PKEY **out)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bns[6] = {0};
    int rc = JCC_ERR_NOMEM, sel;
    if (bld == NULL || !push_ec_params(bld, k, bns))
        goto done;
    if (params_only) {
        sel = EVP_PKEY_KEY_PARAMETERS;
    } else if (pt != NULL) {
        if (!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, pt_len))
            goto done;
        sel = EVP_PKEY_PUBLIC_KEY;
    } else if (jcc_type_family(k->type) == JCC_FAM_EC_PUB) {
        if (!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, jcc_slot(k, JCC_S_KEY),
                                              k->len[JCC_S_KEY]))
            goto done;
        sel = EVP_PKEY_PUBLIC_KEY;
    } else {
        bns[5] = slot_bn(k, JCC_S_KEY);
        if (bns[5] == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bns[5]))
            goto done;
        sel = EVP_PKEY_KEYPAIR;
    }
    rc = fromdata(c, "EC", sel, bld, out);
    if (rc == JCC_OK && sel == EVP_PKEY_PUBLIC_KEY) {
        /* fromdata does not check the point: a point off the curve is refused here. */
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(c->lib, *out, NULL);
        if (pc == NULL || EVP_PKEY_public_check(pc) != 1) {
            EVP_PKEY_free(*out);
            *out = NULL;
            rc = JCC_ILLEGAL_VALUE;
        }
        EVP_PKEY_CTX_free(pc);
    }
done:
    for (int i = 0; i < 6; i++)
        BN_clear_free(bns[i]);
    OSSL_PARAM_BLD_free(bld);
    ERR_clear_error();
    return rc;
}

int jcc_pkey_from_key(jcc_ctx *c, const jcc_key *k, EVP_PKEY **out)
{
    *out = NULL;
    if (!jcc_key_ready(k))
        return JCC_UNINITIALIZED_KEY;
    switch (jcc_type_family(k->type)) {
    case JCC_FAM_RSA_PUB:
    case JCC_FAM_RSA_PRIV:
    case JCC_FAM_RSA_CRT:
        return rsa_pkey(c, k, out);
    case JCC_FAM_EC_PUB:
    case JCC_FAM_EC_PRIV:
        return ec_pkey(c, k, NULL, 0, false, out);
    default:
        return JCC_ILLEGAL_VALUE;
    }
}

int jcc_pkey_ec_peer(jcc_ctx *c, const jcc_key *k, const uint8_t *pt, size_t len, EVP_PKEY **out)
{
    *out = NULL;
    if (len == 0)
        return JCC_ILLEGAL_VALUE;
    return ec_pkey(c, k, pt, len, false, out);
}

/* ---- KeyPair ------------------------------------------------------------------- */

int jcc_keypair_check(jcc_ctx *c, int alg, int bits)
{
    if (c == NULL)
        return JCC_ERR_ARG;
    return jcc_profile_supports(c->profile, JCC_API_KEYPAIR, alg, bits) ? JCC_OK
                                                                        : JCC_NO_SUCH_ALGORITHM;
}

/* Store BN b into slot, left-padded to width bytes (0 = minimal length). */
static bool put_bn(jcc_key *k, int slot, const BIGNUM *b, int width)
{
    uint8_t tmp[2 * JCC_RSA_MAX_BYTES + 2];
    int n = width > 0 ? width : BN_num_bytes(b);
    if (n <= 0 || n > k->cap[slot] || (size_t)n > sizeof(tmp) || BN_bn2binpad(b, tmp, n) < 0)
        return false;
    jcc_key_put(k, slot, tmp, (size_t)n);
    OPENSSL_cleanse(tmp, sizeof(tmp));
    return true;
}

static bool get_put(jcc_key *k, int slot, const EVP_PKEY *pk, const char *name, int width)
{
    BIGNUM *b = NULL;
    bool ok = EVP_PKEY_get_bn_param(pk, name, &b) == 1 && put_bn(k, slot, b, width);
    BN_clear_free(b);
    return ok;
}

static int gen_rsa(jcc_ctx *c, int alg, jcc_key *pub, jcc_key *priv)
{
    int bits = pub->bits, B = (bits + 7) / 8;
    BIGNUM *e = NULL;
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *pc = NULL;
    int rc = JCC_ILLEGAL_VALUE;
    if (jcc_slot_set(pub, JCC_S_E)) {
        e = slot_bn(pub, JCC_S_E);
        if (e == NULL)
            return JCC_ERR_NOMEM;
        if (!BN_is_odd(e) || BN_is_one(e))
            goto done;
    } else {
        e = BN_new();
        if (e == NULL || !BN_set_word(e, 65537))
            goto done;
    }
    rc = JCC_ERR_CRYPTO;
    pc = EVP_PKEY_CTX_new_from_name(c->lib, "RSA", NULL);
    if (pc == NULL || EVP_PKEY_keygen_init(pc) != 1 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(pc, bits) != 1 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(pc, e) != 1)
        goto done;
    if (EVP_PKEY_generate(pc, &pk) != 1) {
        rc = JCC_ILLEGAL_VALUE; /* e.g. an exponent libcrypto refuses */
        goto done;
    }
    jcc_key_clear(pub);
    jcc_key_clear(priv);
    rc = JCC_ERR_CRYPTO;
    if (!get_put(pub, JCC_S_N, pk, OSSL_PKEY_PARAM_RSA_N, B) ||
        !get_put(pub, JCC_S_E, pk, OSSL_PKEY_PARAM_RSA_E, 0))
        goto done;
    if (alg == JCC_KEYPAIR_RSA) {
        if (!get_put(priv, JCC_S_N, pk, OSSL_PKEY_PARAM_RSA_N, B) ||
            !get_put(priv, JCC_S_E, pk, OSSL_PKEY_PARAM_RSA_D, B) ||
            !get_put(priv, JCC_S_HIDDEN_E, pk, OSSL_PKEY_PARAM_RSA_E, 0))
            goto done;
    } else {
        int h = B / 2;
        if (!get_put(priv, JCC_S_P, pk, OSSL_PKEY_PARAM_RSA_FACTOR1, h) ||
            !get_put(priv, JCC_S_Q, pk, OSSL_PKEY_PARAM_RSA_FACTOR2, h) ||
            !get_put(priv, JCC_S_DP, pk, OSSL_PKEY_PARAM_RSA_EXPONENT1, h) ||
            !get_put(priv, JCC_S_DQ, pk, OSSL_PKEY_PARAM_RSA_EXPONENT2, h) ||
            !get_put(priv, JCC_S_PQ, pk, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, h))
            goto done;
    }
    rc = JCC_OK;
done:
    if (rc != JCC_OK && rc != JCC_ILLEGAL_VALUE) {
        jcc_key_clear(pub);
        jcc_key_clear(priv);
    }
    BN_free(e);
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(pc);
    ERR_clear_error();
    return rc;
}

/* The named curve a key size falls back to when the keys carry no parameters. */
static const char *default_curve(int bits)
{
    switch (bits) {
    case 112:
        return "secp112r1";
    case 128:
        return "secp128r1";
    case 160:
        return "secp160r1";
    case 192:
        return "prime192v1";
    case 224:
        return "secp224r1";
    case 256:
        return "prime256v1";
    case 320:
        return "brainpoolP320r1";
    case 384:
        return "secp384r1";
    default:
        return NULL;
    }
}

static bool ec_params_set(const jcc_key *k)
{
    return (k->set & 0x1F) == 0x1F;
}

static int gen_ec(jcc_ctx *c, jcc_key *pub, jcc_key *priv)
{
    EVP_PKEY *params = NULL, *pk = NULL;
    EVP_PKEY_CTX *pc = NULL;
    const jcc_key *src = ec_params_set(pub) ? pub : ec_params_set(priv) ? priv : NULL;
    int B = (pub->bits + 7) / 8, rc;
    if (src != NULL) {
        rc = ec_pkey(c, src, NULL, 0, true, &params);
        if (rc != JCC_OK)
            goto done;
        pc = EVP_PKEY_CTX_new_from_pkey(c->lib, params, NULL);
        rc = JCC_ERR_CRYPTO;
        if (pc == NULL || EVP_PKEY_keygen_init(pc) != 1)
            goto done;
    } else {
        const char *curve = default_curve(pub->bits);
        rc = JCC_ILLEGAL_VALUE;
        if (curve == NULL)
            goto done;
        rc = JCC_ERR_CRYPTO;
        pc = EVP_PKEY_CTX_new_from_name(c->lib, "EC", NULL);
        if (pc == NULL || EVP_PKEY_keygen_init(pc) != 1 ||
            EVP_PKEY_CTX_set_group_name(pc, curve) != 1)
            goto done;
    }
    if (EVP_PKEY_generate(pc, &pk) != 1) {
        rc = JCC_ILLEGAL_VALUE;
        goto done;
    }
    /* Domain parameters into both keys (from libcrypto, so they are exact). */
    uint8_t pt[2 * JCC_EC_MAX_BYTES + 1], gen[2 * JCC_EC_MAX_BYTES + 1];
    size_t ptl = 0, genl = 0;
    BIGNUM *cof = NULL;
    rc = JCC_ERR_CRYPTO;
    uint16_t cofactor = src != NULL ? src->cofactor : 1;
    bool k_set = src != NULL ? src->k_set : true;
    if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptl) != 1)
        goto done;
    if (src != NULL) {
        memcpy(gen, jcc_slot(src, JCC_S_G), src->len[JCC_S_G]);
        genl = src->len[JCC_S_G];
    } else if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_EC_GENERATOR, gen, sizeof(gen),
                                               &genl) != 1) {
        goto done;
    } else if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_COFACTOR, &cof) == 1) {
        cofactor = (uint16_t)BN_get_word(cof);
        BN_free(cof);
    }
    jcc_key *both[2] = {pub, priv};
    for (int i = 0; i < 2; i++) {
        jcc_key *k = both[i];
        if (src == k)
            continue; /* keeps its own parameters; only the key value changes */
        jcc_key_clear(k);
        if (!get_put(k, JCC_S_FIELD, pk, OSSL_PKEY_PARAM_EC_P, B) ||
            !get_put(k, JCC_S_A, pk, OSSL_PKEY_PARAM_EC_A, B) ||
            !get_put(k, JCC_S_B, pk, OSSL_PKEY_PARAM_EC_B, B) ||
            !get_put(k, JCC_S_R, pk, OSSL_PKEY_PARAM_EC_ORDER, 0) || genl > k->cap[JCC_S_G])
            goto done;
        jcc_key_put(k, JCC_S_G, gen, genl);
        k->cofactor = cofactor;
        k->k_set = k_set;
    }
    if (ptl > pub->cap[JCC_S_KEY])
        goto done;
    jcc_key_put(pub, JCC_S_KEY, pt, ptl);
    if (!get_put(priv, JCC_S_KEY, pk, OSSL_PKEY_PARAM_PRIV_KEY, B))
        goto done;
    rc = JCC_OK;
done:
    EVP_PKEY_free(params);
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(pc);
    ERR_clear_error();
    return rc;
}

int jcc_keypair_generate(jcc_ctx *c, int alg, jcc_key *pub, jcc_key *priv)
{
    if (c == NULL || pub == NULL || priv == NULL)
        return JCC_ERR_ARG;
    if (!jcc_profile_supports(c->profile, JCC_API_KEYPAIR, alg, pub->bits))
        return JCC_NO_SUCH_ALGORITHM;
    jcc_fam pf = jcc_type_family(pub->type), sf = jcc_type_family(priv->type);
    if (pub->bits != priv->bits)
        return JCC_ILLEGAL_VALUE;
    switch (alg) {
    case JCC_KEYPAIR_RSA:
        if (pf != JCC_FAM_RSA_PUB || sf != JCC_FAM_RSA_PRIV)
            return JCC_ILLEGAL_VALUE;
        return gen_rsa(c, alg, pub, priv);
    case JCC_KEYPAIR_RSA_CRT:
        if (pf != JCC_FAM_RSA_PUB || sf != JCC_FAM_RSA_CRT)
            return JCC_ILLEGAL_VALUE;
        return gen_rsa(c, alg, pub, priv);
    case JCC_KEYPAIR_EC_FP:
        if (pf != JCC_FAM_EC_PUB || sf != JCC_FAM_EC_PRIV)
            return JCC_ILLEGAL_VALUE;
        return gen_ec(c, pub, priv);
    default:
        return JCC_NO_SUCH_ALGORITHM;
    }
}

/* ---- KeyAgreement -------------------------------------------------------------- */

struct jcc_ka {
    jcc_ctx *c;
    uint8_t alg;
    jcc_key *priv; /* a copy of the key given to init */
};

int jcc_ka_new(jcc_ctx *c, int alg, jcc_ka **out)
{
    if (c == NULL || out == NULL)
        return JCC_ERR_ARG;
    *out = NULL;
    if (!jcc_profile_supports(c->profile, JCC_API_KEYAGREEMENT, alg, 0))
        return JCC_NO_SUCH_ALGORITHM;
    jcc_ka *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return JCC_ERR_NOMEM;
    a->c = c;
    a->alg = (uint8_t)alg;
    *out = a;
    return JCC_OK;
}

void jcc_ka_free(jcc_ka *a)
{
    if (a == NULL)
        return;
    jcc_key_free(a->priv);
    free(a);
}

int jcc_ka_init(jcc_ka *a, const jcc_key *priv)
{
    if (priv == NULL)
        return JCC_EX_NULL;
    if (jcc_type_family(priv->type) != JCC_FAM_EC_PRIV)
        return JCC_ILLEGAL_VALUE;
    if (!jcc_key_ready(priv))
        return JCC_UNINITIALIZED_KEY;
    uint8_t blob[1024];
    size_t n;
    jcc_key *copy;
    if (jcc_key_save(priv, blob, sizeof(blob), &n) != JCC_OK ||
        jcc_key_load(a->c, blob, n, &copy) != JCC_OK)
        return JCC_ERR_CRYPTO;
    OPENSSL_cleanse(blob, sizeof(blob));
    jcc_key_free(a->priv);
    a->priv = copy;
    return JCC_OK;
}

int jcc_ka_generate(jcc_ka *a, const uint8_t *pub, size_t pub_len, uint8_t *out, size_t cap,
                    size_t *out_len)
{
    if (a->priv == NULL)
        return JCC_INVALID_INIT;
    if (pub == NULL || out == NULL)
        return JCC_EX_NULL;
    EVP_PKEY *mine = NULL, *peer = NULL;
    EVP_PKEY_CTX *pc = NULL;
    uint8_t secret[JCC_EC_MAX_BYTES];
    size_t sl = sizeof(secret);
    int rc = jcc_pkey_from_key(a->c, a->priv, &mine);
    if (rc != JCC_OK)
        goto done;
    rc = jcc_pkey_ec_peer(a->c, a->priv, pub, pub_len, &peer);
    if (rc != JCC_OK)
        goto done;
    bool cofactor = a->alg == JCC_KA_EC_SVDP_DHC || a->alg == JCC_KA_EC_SVDP_DHC_PLAIN;
    rc = JCC_ERR_CRYPTO;
    pc = EVP_PKEY_CTX_new_from_pkey(a->c->lib, mine, NULL);
    if (pc == NULL || EVP_PKEY_derive_init(pc) != 1 ||
        EVP_PKEY_CTX_set_ecdh_cofactor_mode(pc, cofactor ? 1 : 0) != 1)
        goto done;
    if (EVP_PKEY_derive_set_peer(pc, peer) != 1 || EVP_PKEY_derive(pc, secret, &sl) != 1) {
        rc = JCC_ILLEGAL_VALUE;
        goto done;
    }
    bool plain = a->alg == JCC_KA_EC_SVDP_DH_PLAIN || a->alg == JCC_KA_EC_SVDP_DHC_PLAIN;
    size_t n = plain ? sl : 20;
    rc = JCC_EX_INDEX;
    if (cap < n)
        goto done;
    if (plain) {
        memcpy(out, secret, sl);
    } else {
        uint8_t h[20];
        size_t hl = 0;
        rc = JCC_ERR_CRYPTO;
        if (EVP_Q_digest(a->c->lib, "SHA1", NULL, secret, sl, h, &hl) != 1)
            goto done;
        memcpy(out, h, 20);
    }
    *out_len = n;
    rc = JCC_OK;
done:
    OPENSSL_cleanse(secret, sizeof(secret));
    EVP_PKEY_free(mine);
    EVP_PKEY_free(peer);
    EVP_PKEY_CTX_free(pc);
    ERR_clear_error();
    return rc;
}
