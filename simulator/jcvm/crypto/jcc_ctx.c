/*
 * jcc_ctx.c: the engine context and the only source of randomness.
 *
 * Each context owns a private OSSL_LIB_CTX with the default provider (and the
 * legacy one, for Korean SEED, when it is installed) and a tiny built-in
 * provider whose one algorithm, "JCC-RAND", is a random generator that calls
 * the injected jcc_random_fn. RAND_set_DRBG_type makes it the library
 * context's primary, public and private generator, so every random byte
 * libcrypto draws for this card (RSA prime candidates and blinding, EC private
 * keys, ECDSA nonces, PKCS#1 type 2 padding, PSS salts, OAEP seeds) comes from
 * the card's source: under --seed a run is reproducible, and RAND_bytes of the
 * process's default context is never used. (Decision recorded in
 * simulator/FIDELITY.md: rather than deriving a DRBG from the source, the
 * source itself is the generator, which keeps one stream per card.)
 */
#include "jcc_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

const char *jcc_strerror(int rc)
{
    switch (rc) {
    case JCC_OK:
        return "OK";
    case JCC_ILLEGAL_VALUE:
        return "CryptoException.ILLEGAL_VALUE";
    case JCC_UNINITIALIZED_KEY:
        return "CryptoException.UNINITIALIZED_KEY";
    case JCC_NO_SUCH_ALGORITHM:
        return "CryptoException.NO_SUCH_ALGORITHM";
    case JCC_INVALID_INIT:
        return "CryptoException.INVALID_INIT";
    case JCC_ILLEGAL_USE:
        return "CryptoException.ILLEGAL_USE";
    case JCC_EX_INDEX:
        return "ArrayIndexOutOfBoundsException";
    case JCC_EX_NULL:
        return "NullPointerException";
    case JCC_ERR_NOMEM:
        return "out of memory";
    case JCC_ERR_CRYPTO:
        return "libcrypto failure";
    case JCC_ERR_RANDOM:
        return "random source failure";
    case JCC_ERR_ARG:
        return "invalid argument";
    default:
        return "unknown result";
    }
}

/* ---- the injected RAND as a provider algorithm ------------------------------ */

typedef struct {
    jcc_random_fn fn;
    void *arg;
} jcc_randprov;

typedef struct {
    jcc_randprov *prov;
    int state;
} jcc_randctx;

static void *jr_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_calls)
{
    (void)parent;
    (void)parent_calls;
    jcc_randctx *r = calloc(1, sizeof(*r));
    if (r != NULL) {
        r->prov = provctx;
        r->state = EVP_RAND_STATE_UNINITIALISED;
    }
    return r;
}

static void jr_freectx(void *vctx)
{
    free(vctx);
}

static int jr_instantiate(void *vctx, unsigned int strength, int pr, const unsigned char *pstr,
                          size_t pstr_len, const OSSL_PARAM params[])
{
    jcc_randctx *r = vctx;
    r->state = EVP_RAND_STATE_READY;
    return 1;
}

static int jr_uninstantiate(void *vctx)
{
    ((jcc_randctx *)vctx)->state = EVP_RAND_STATE_UNINITIALISED;
    return 1;
}

static int jr_generate(void *vctx, unsigned char *out, size_t outlen, unsigned int strength, int pr,
                       const unsigned char *addin, size_t addin_len)
{
    jcc_randctx *r = vctx;
    if (r->prov->fn == NULL)
        return 0;
    return r->prov->fn(r->prov->arg, out, outlen) == 0;
}

static int jr_reseed(void *vctx, int pr, const unsigned char *ent, size_t ent_len,
                     const unsigned char *addin, size_t addin_len)
{
    return 1;
}

static int jr_enable_locking(void *vctx)
{
    return 1;
}

static int jr_lock(void *vctx)
{
    return 1;
}

static void jr_unlock(void *vctx) {}

static const OSSL_PARAM *jr_gettable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM known[] = {
        OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
        OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
        OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
        OSSL_PARAM_END,
    };
    return known;
}

static int jr_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    jcc_randctx *r = vctx;
    OSSL_PARAM *p;
    if ((p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE)) != NULL &&
        !OSSL_PARAM_set_int(p, r->state))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH)) != NULL &&
        !OSSL_PARAM_set_uint(p, 256))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST)) != NULL &&
        !OSSL_PARAM_set_size_t(p, 1u << 16))
        return 0;
    return 1;
}

static const OSSL_DISPATCH jr_functions[] = {
    {OSSL_FUNC_RAND_NEWCTX, (void (*)(void))jr_newctx},
    {OSSL_FUNC_RAND_FREECTX, (void (*)(void))jr_freectx},
    {OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))jr_instantiate},
    {OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))jr_uninstantiate},
    {OSSL_FUNC_RAND_GENERATE, (void (*)(void))jr_generate},
    {OSSL_FUNC_RAND_RESEED, (void (*)(void))jr_reseed},
    {OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))jr_enable_locking},
    {OSSL_FUNC_RAND_LOCK, (void (*)(void))jr_lock},
    {OSSL_FUNC_RAND_UNLOCK, (void (*)(void))jr_unlock},
    {OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (void (*)(void))jr_gettable_ctx_params},
    {OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))jr_get_ctx_params},
    {0, NULL},
};

static const OSSL_ALGORITHM jr_algorithms[] = {
    {"JCC-RAND", "provider=jcc-rand", jr_functions, "the card's injected random source"},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *jr_query(void *provctx, int operation_id, int *no_cache)
{
    *no_cache = 0;
    return operation_id == OSSL_OP_RAND ? jr_algorithms : NULL;
}

static void jr_teardown(void *provctx)
{
    free(provctx);
}

static const OSSL_DISPATCH jr_provider_functions[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))jr_teardown},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))jr_query},
    {0, NULL},
};

static int jr_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                            const OSSL_DISPATCH **out, void **provctx)
{
    jcc_randprov *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return 0;
    *provctx = p;
    *out = jr_provider_functions;
    return 1;
}

/* ---- context -------------------------------------------------------------------- */

int jcc_ctx_create(jcc_profile profile, jcc_random_fn random, void *random_arg, jcc_ctx **out)
{
    if (out == NULL || random == NULL || profile > JCC_PROFILE_ALL)
        return JCC_ERR_ARG;
    *out = NULL;
    jcc_ctx *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return JCC_ERR_NOMEM;
    c->profile = profile;
    c->random = random;
    c->random_arg = random_arg;
    c->scratch = malloc(JCC_MAX_IO + 64);
    c->lib = OSSL_LIB_CTX_new();
    if (c->scratch == NULL || c->lib == NULL)
        goto fail;
    c->prov_default = OSSL_PROVIDER_load(c->lib, "default");
    if (c->prov_default == NULL)
        goto fail;
    /* Korean SEED lives in the legacy provider; without it SEED is absent. */
    c->prov_legacy = OSSL_PROVIDER_try_load(c->lib, "legacy", 1);
    if (OSSL_PROVIDER_add_builtin(c->lib, "jcc-rand", jr_provider_init) != 1)
        goto fail;
    c->prov_rand = OSSL_PROVIDER_load(c->lib, "jcc-rand");
    if (c->prov_rand == NULL)
        goto fail;
    jcc_randprov *rp = OSSL_PROVIDER_get0_provider_ctx(c->prov_rand);
    rp->fn = random;
    rp->arg = random_arg;
    if (RAND_set_DRBG_type(c->lib, "JCC-RAND", "provider=jcc-rand", NULL, NULL) != 1)
        goto fail;
    c->des_ecb = EVP_CIPHER_fetch(c->lib, "DES-EDE3-ECB", "provider=default");
    c->aes_ecb[0] = EVP_CIPHER_fetch(c->lib, "AES-128-ECB", "provider=default");
    c->aes_ecb[1] = EVP_CIPHER_fetch(c->lib, "AES-192-ECB", "provider=default");
    c->aes_ecb[2] = EVP_CIPHER_fetch(c->lib, "AES-256-ECB", "provider=default");
    if (c->prov_legacy != NULL)
        c->seed_ecb = EVP_CIPHER_fetch(c->lib, "SEED-ECB", NULL);
    if (c->des_ecb == NULL || c->aes_ecb[0] == NULL || c->aes_ecb[1] == NULL ||
        c->aes_ecb[2] == NULL)
        goto fail;
    *out = c;
    return JCC_OK;
fail:
    jcc_ctx_free(c);
    return JCC_ERR_CRYPTO;
}

void jcc_ctx_free(jcc_ctx *c)
{
    if (c == NULL)
        return;
    EVP_CIPHER_free(c->des_ecb);
    for (int i = 0; i < 3; i++)
        EVP_CIPHER_free(c->aes_ecb[i]);
    EVP_CIPHER_free(c->seed_ecb);
    /* Each load holds a reference: unload before the library context goes. */
    if (c->prov_rand != NULL)
        OSSL_PROVIDER_unload(c->prov_rand);
    if (c->prov_legacy != NULL)
        OSSL_PROVIDER_unload(c->prov_legacy);
    if (c->prov_default != NULL)
        OSSL_PROVIDER_unload(c->prov_default);
    OSSL_LIB_CTX_free(c->lib);
    if (c->scratch != NULL)
        OPENSSL_cleanse(c->scratch, JCC_MAX_IO + 64);
    free(c->scratch);
    free(c);
}

jcc_profile jcc_ctx_profile(const jcc_ctx *c)
{
    return c->profile;
}

int jcc_rand(jcc_ctx *c, uint8_t *out, size_t n)
{
    if (n == 0)
        return JCC_OK;
    return c->random(c->random_arg, out, n) == 0 ? JCC_OK : JCC_ERR_RANDOM;
}

const char *jcc_md_name(int alg)
{
    switch (alg) {
    case JCC_MD_SHA:
        return "SHA1";
    case JCC_MD_MD5:
        return "MD5";
    case JCC_MD_RIPEMD160:
        return "RIPEMD160";
    case JCC_MD_SHA_256:
        return "SHA256";
    case JCC_MD_SHA_384:
        return "SHA384";
    case JCC_MD_SHA_512:
        return "SHA512";
    case JCC_MD_SHA_224:
        return "SHA224";
    default:
        return NULL;
    }
}
