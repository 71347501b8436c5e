/*
 * jcvm_natives_crypto.c: javacard.security and javacardx.crypto for applets.
 *
 * Each Java crypto object (a key from KeyBuilder.buildKey, a Cipher, a
 * Signature...) is a heap object of 0 cells (KeyPair: 2, its two keys) owned
 * by the creating context, whose class is the API interface or class the
 * applet sees (AESKey, RSAPrivateCrtKey, Cipher...), plus an entry of a side
 * table indexed by the handle that holds the engine object (crypto/jcc.h).
 * The natives check the Java arguments (null -> NullPointerException,
 * offsets and lengths -> ArrayIndexOutOfBoundsException) before calling the
 * engine and turn its result into the exception (1..5 -> CryptoException with
 * that reason).
 *
 * Persistence: keys save their engine blob (jcc_key_save: transient keys no
 * value); Cipher/Signature save their algorithm and the key handle and mode of
 * their last init, and are initialised again after a reload (the API keeps an
 * initialised object initialised across a reset); the other objects save
 * their algorithm. Nothing here is traced: key bytes never reach a trace.
 */
#include "jcvm_natives_crypto.h"

#include <stdlib.h>
#include <string.h>

#include "jcc.h"

#define NAT(name) static int name(jcvm *vm, uint16_t *a, uint16_t *r)
#define S16(x) ((int16_t)(x))

enum { CK_KEY = 1, CK_CIPHER, CK_SIG, CK_MD, CK_RANDOM, CK_KA, CK_CHECKSUM, CK_KEYPAIR };

typedef struct {
    uint8_t kind;
    uint8_t alg;       /* algorithm byte (KeyPair: KeyPair ALG_*) */
    uint16_t init_key; /* Cipher/Signature/KeyAgreement: key of the last init, 0 none */
    uint8_t init_mode;
    uint16_t bits; /* KeyPair: key length */
    union {
        jcc_key *key;
        jcc_cipher *cipher;
        jcc_sig *sig;
        jcc_md *md;
        jcc_ka *ka;
        jcc_checksum *ck;
    } u;
} cobj;

struct jcvm_crypto {
    jcc_ctx *ctx;
    uint64_t fallback; /* state of the stand-in source when none is injected */
    cobj *tab[JCVM_MAX_OBJS];
};

/* ---- context ---- */

/* No random source injected (unit tests of the VM alone): a fixed-seed
   splitmix64 stream, so runs are reproducible. The card core always injects
   its own source (FIDELITY.md). */
static int fallback_random(void *arg, uint8_t *out, size_t n)
{
    uint64_t *s = arg;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        out[i] = (uint8_t)(z ^ (z >> 31));
    }
    return 0;
}

static struct jcvm_crypto *state(jcvm *vm)
{
    if (vm->crypto == NULL) {
        struct jcvm_crypto *c = calloc(1, sizeof *c);
        if (c == NULL)
            return NULL;
        jcc_profile p = vm->cfg.crypto_profile <= JCC_PROFILE_ALL
                            ? (jcc_profile)vm->cfg.crypto_profile
                            : JCC_PROFILE_JCOP241;
        int rc = vm->cfg.random ? jcc_ctx_create(p, vm->cfg.random, vm->cfg.random_ctx, &c->ctx)
                                : jcc_ctx_create(p, fallback_random, &c->fallback, &c->ctx);
        if (rc != JCC_OK) {
            free(c);
            return NULL;
        }
        vm->crypto = c;
    }
    return vm->crypto;
}

static void cobj_free(cobj *o)
{
    if (o == NULL)
        return;
    switch (o->kind) {
    case CK_KEY:
        jcc_key_free(o->u.key);
        break;
    case CK_CIPHER:
        jcc_cipher_free(o->u.cipher);
        break;
    case CK_SIG:
        jcc_sig_free(o->u.sig);
        break;
    case CK_MD:
        jcc_md_free(o->u.md);
        break;
    case CK_KA:
        jcc_ka_free(o->u.ka);
        break;
    case CK_CHECKSUM:
        jcc_checksum_free(o->u.ck);
        break;
    default:
        break;
    }
    free(o);
}

void jcvm_crypto_obj_free(jcvm *vm, uint16_t h)
{
    struct jcvm_crypto *c = vm->crypto;
    if (c == NULL || h == 0 || h >= JCVM_MAX_OBJS || c->tab[h] == NULL)
        return;
    cobj_free(c->tab[h]);
    c->tab[h] = NULL;
    /* an object initialised with this key no longer names it */
    for (unsigned i = 1; i < JCVM_MAX_OBJS; i++)
        if (c->tab[i] && c->tab[i]->init_key == h)
            c->tab[i]->init_key = 0;
}

void jcvm_crypto_wipe(jcvm *vm)
{
    struct jcvm_crypto *c = vm->crypto;
    if (c == NULL)
        return;
    for (unsigned i = 1; i < JCVM_MAX_OBJS; i++) {
        cobj_free(c->tab[i]);
        c->tab[i] = NULL;
    }
}

void jcvm_crypto_free(jcvm *vm)
{
    if (vm->crypto == NULL)
        return;
    jcvm_crypto_wipe(vm);
    jcc_ctx_free(vm->crypto->ctx);
    free(vm->crypto);
    vm->crypto = NULL;
}

/* ---- exceptions and arguments ---- */

static int throw_rc(jcvm *vm, int rc)
{
    if (rc >= 1 && rc <= 5)
        jcvm_throw_api(vm, "CryptoException", (uint16_t)rc);
    else if (rc == JCC_EX_INDEX)
        jcvm_throw_api(vm, "ArrayIndexOutOfBoundsException", 0);
    else if (rc == JCC_EX_NULL)
        jcvm_throw_api(vm, "NullPointerException", 0);
    else
        jcvm_throw_api(vm, "SystemException", 5); /* internal failure: NO_RESOURCE */
    return -1;
}

static int no_resource(jcvm *vm)
{
    jcvm_throw_api(vm, "SystemException", 5);
    return -1;
}

/* A byte array argument the current context may access, else exception. */
static jcvm_obj *barr(jcvm *vm, uint16_t h)
{
    if (h == 0) {
        jcvm_throw_api(vm, "NullPointerException", 0);
        return NULL;
    }
    jcvm_obj *o = &vm->objs[h];
    if (h >= JCVM_MAX_OBJS || o->kind != OK_ARR_BYTE) {
        jcvm_throw_api(vm, "SecurityException", 0);
        return NULL;
    }
    uint16_t ctx = jcvm_cur_ctx_pkg(vm);
    if (ctx != 0 && o->owner_pkg != ctx && !(o->flags & OF_GLOBAL)) {
        jcvm_throw_api(vm, "SecurityException", 0);
        return NULL;
    }
    return o;
}

/* An input range [off, off+len) of a byte array. */
static const uint8_t *in_range(jcvm *vm, uint16_t h, uint16_t off_c, uint16_t len_c)
{
    jcvm_obj *o = barr(vm, h);
    if (o == NULL)
        return NULL;
    int16_t off = S16(off_c), len = S16(len_c);
    if (off < 0 || len < 0 || (int32_t)off + len > o->len) {
        jcvm_throw_api(vm, "ArrayIndexOutOfBoundsException", 0);
        return NULL;
    }
    return (const uint8_t *)o->data + off;
}

/* An output starting at off: pointer and capacity (array length - off). */
static uint8_t *out_at(jcvm *vm, uint16_t h, uint16_t off_c, size_t *cap)
{
    jcvm_obj *o = barr(vm, h);
    if (o == NULL)
        return NULL;
    int16_t off = S16(off_c);
    if (off < 0 || off > o->len) {
        jcvm_throw_api(vm, "ArrayIndexOutOfBoundsException", 0);
        return NULL;
    }
    if (!(o->flags & OF_TRANSIENT))
        vm->dirty = true;
    *cap = (size_t)(o->len - off);
    return (uint8_t *)o->data + off;
}

static cobj *get(jcvm *vm, uint16_t h, int kind)
{
    struct jcvm_crypto *c = vm->crypto;
    if (c == NULL || h == 0 || h >= JCVM_MAX_OBJS || c->tab[h] == NULL || c->tab[h]->kind != kind)
        return NULL;
    return c->tab[h];
}

/* `this` of a crypto method: always one of ours (the class is the API's). */
static cobj *self(jcvm *vm, uint16_t h, int kind)
{
    cobj *o = get(vm, h, kind);
    if (o == NULL)
        jcvm_throw_api(vm, "CryptoException", JCC_INVALID_INIT);
    return o;
}

/* A new heap object of API class cls (package pkg) with `cells` cells,
   owned by the current context, bound to engine object o. 0 = exception. */
static uint16_t new_obj(jcvm *vm, const char *pkg, const char *cls, cobj *o)
{
    struct jcvm_crypto *c = state(vm);
    uint32_t cid = jcvm_api_cid(pkg, cls);
    uint16_t h = c ? jcvm_alloc(vm, OK_INST, jcvm_instance_cells(vm, cid), cid, 0,
                                (uint8_t)jcvm_cur_ctx_pkg(vm), (uint8_t)jcvm_cur_ctx_inst(vm))
                   : 0;
    if (h == 0) {
        cobj_free(o);
        no_resource(vm);
        return 0;
    }
    c->tab[h] = o;
    vm->dirty = true;
    return h;
}

static cobj *cnew(int kind, int alg)
{
    cobj *o = calloc(1, sizeof *o);
    if (o) {
        o->kind = (uint8_t)kind;
        o->alg = (uint8_t)alg;
    }
    return o;
}

/* ---- keys ---- */

static const char *key_iface(int type)
{
    switch (type) {
    case JCC_TYPE_DES_TRANSIENT_RESET:
    case JCC_TYPE_DES_TRANSIENT_DESELECT:
    case JCC_TYPE_DES:
        return "DESKey";
    case JCC_TYPE_AES_TRANSIENT_RESET:
    case JCC_TYPE_AES_TRANSIENT_DESELECT:
    case JCC_TYPE_AES:
        return "AESKey";
    case JCC_TYPE_KOREAN_SEED_TRANSIENT_RESET:
    case JCC_TYPE_KOREAN_SEED_TRANSIENT_DESELECT:
    case JCC_TYPE_KOREAN_SEED:
        return "KoreanSEEDKey";
    case JCC_TYPE_HMAC_TRANSIENT_RESET:
    case JCC_TYPE_HMAC_TRANSIENT_DESELECT:
    case JCC_TYPE_HMAC:
        return "HMACKey";
    case JCC_TYPE_RSA_PUBLIC:
        return "RSAPublicKey";
    case JCC_TYPE_RSA_PRIVATE:
        return "RSAPrivateKey";
    case JCC_TYPE_RSA_CRT_PRIVATE:
        return "RSAPrivateCrtKey";
    case JCC_TYPE_EC_FP_PUBLIC:
        return "ECPublicKey";
    case JCC_TYPE_EC_FP_PRIVATE:
        return "ECPrivateKey";
    default:
        return NULL;
    }
}

static uint16_t key_obj(jcvm *vm, jcc_key *k)
{
    cobj *o = cnew(CK_KEY, 0);
    if (o == NULL) {
        jcc_key_free(k);
        no_resource(vm);
        return 0;
    }
    o->u.key = k;
    return new_obj(vm, "javacard.security", key_iface(jcc_key_type(k)), o);
}

static int build_key(jcvm *vm, int type, int bits, uint16_t *h)
{
    struct jcvm_crypto *c = state(vm);
    if (c == NULL)
        return no_resource(vm);
    if (key_iface(type) == NULL)
        return throw_rc(vm, JCC_NO_SUCH_ALGORITHM);
    jcc_key *k;
    int rc = jcc_key_build(c->ctx, type, bits, &k);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    *h = key_obj(vm, k);
    return *h ? 0 : -1;
}

NAT(n_build_key)
{
    /* externalAccess = true: JCOP has no key-encryption interface access mode */
    if (a[2])
        return throw_rc(vm, JCC_NO_SUCH_ALGORITHM);
    if (build_key(vm, (int8_t)a[0], S16(a[1]), &r[0]) < 0)
        return -1;
    return 1;
}

static cobj *key_self(jcvm *vm, uint16_t h)
{
    return self(vm, h, CK_KEY);
}

/* Objects initialised with key h: their key value is gone. */
static void key_cleared(jcvm *vm, uint16_t h)
{
    struct jcvm_crypto *c = vm->crypto;
    for (unsigned i = 1; c && i < JCVM_MAX_OBJS; i++) {
        cobj *o = c->tab[i];
        if (o == NULL || o->init_key != h)
            continue;
        if (o->kind == CK_CIPHER)
            jcc_cipher_key_cleared(o->u.cipher);
        else if (o->kind == CK_SIG)
            jcc_sig_key_cleared(o->u.sig);
    }
}

static void key_changed(jcvm *vm, uint16_t h)
{
    if (jcc_key_transient(vm->crypto->tab[h]->u.key) == JCC_PERSISTENT)
        vm->dirty = true;
}

NAT(n_key_clear)
{
    (void)r;
    cobj *k = key_self(vm, a[0]);
    if (k == NULL)
        return -1;
    jcc_key_clear(k->u.key);
    key_changed(vm, a[0]);
    key_cleared(vm, a[0]);
    return 0;
}
NAT(n_key_size)
{
    cobj *k = key_self(vm, a[0]);
    if (k == NULL)
        return -1;
    r[0] = (uint16_t)jcc_key_size(k->u.key);
    return 1;
}
NAT(n_key_type)
{
    cobj *k = key_self(vm, a[0]);
    if (k == NULL)
        return -1;
    r[0] = (uint16_t)jcc_key_type(k->u.key);
    return 1;
}
NAT(n_key_inited)
{
    cobj *k = key_self(vm, a[0]);
    if (k == NULL)
        return -1;
    r[0] = jcc_key_is_initialized(k->u.key);
    return 1;
}

static int set_comp(jcvm *vm, uint16_t *a, jcc_comp comp, bool fixed)
{
    cobj *k = key_self(vm, a[0]);
    if (k == NULL)
        return -1;
    size_t n = fixed ? jcc_key_secret_len(k->u.key) : (size_t)(uint16_t)S16(a[3]);
    if (!fixed && S16(a[3]) < 0)
        return throw_rc(vm, JCC_EX_INDEX);
    const uint8_t *p = in_range(vm, a[1], a[2], (uint16_t)n);
    if (p == NULL)
        return -1;
    int rc = jcc_key_set(k->u.key, comp, p, n);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    key_changed(vm, a[0]);
    return 0;
}

static int get_comp(jcvm *vm, uint16_t *a, uint16_t *r, jcc_comp comp)
{
    cobj *k = key_self(vm, a[0]);
    if (k == NULL)
        return -1;
    size_t cap, len = 0;
    uint8_t *p = out_at(vm, a[1], a[2], &cap);
    if (p == NULL)
        return -1;
    int rc = jcc_key_get(k->u.key, comp, p, cap, &len);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    r[0] = (uint16_t)len;
    return 1;
}

NAT(n_set_fixed)
{
    (void)r;
    return set_comp(vm, a, JCC_COMP_SECRET, true);
}
NAT(n_set_hmac)
{
    (void)r;
    return set_comp(vm, a, JCC_COMP_SECRET, false);
}

#define COMP(nm, comp)                                                                             \
    NAT(n_set_##nm)                                                                                \
    {                                                                                              \
        (void)r;                                                                                   \
        return set_comp(vm, a, comp, false);                                                       \
    }                                                                                              \
    NAT(n_get_##nm)                                                                                \
    {                                                                                              \
        return get_comp(vm, a, r, comp);                                                           \
    }
NAT(n_get_secret)
{
    return get_comp(vm, a, r, JCC_COMP_SECRET);
}
COMP(modulus, JCC_COMP_MODULUS)
COMP(exponent, JCC_COMP_EXPONENT)
COMP(p, JCC_COMP_P)
COMP(q, JCC_COMP_Q)
COMP(dp1, JCC_COMP_DP1)
COMP(dq1, JCC_COMP_DQ1)
COMP(pq, JCC_COMP_PQ)
COMP(field, JCC_COMP_FIELD)
COMP(ea, JCC_COMP_A)
COMP(eb, JCC_COMP_B)
COMP(eg, JCC_COMP_G)
COMP(er, JCC_COMP_R)
COMP(w, JCC_COMP_W)
COMP(s, JCC_COMP_S)

NAT(n_set_k)
{
    (void)r;
    cobj *k = key_self(vm, a[0]);
    if (k == NULL)
        return -1;
    int rc = jcc_key_set_k(k->u.key, a[1]);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    key_changed(vm, a[0]);
    return 0;
}
NAT(n_get_k)
{
    cobj *k = key_self(vm, a[0]);
    if (k == NULL)
        return -1;
    uint16_t v = 0;
    int rc = jcc_key_get_k(k->u.key, &v);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    r[0] = v;
    return 1;
}

/* The key argument of an init: a key object, else exception. */
static cobj *key_arg(jcvm *vm, uint16_t h)
{
    if (h == 0) {
        jcvm_throw_api(vm, "NullPointerException", 0);
        return NULL;
    }
    cobj *k = get(vm, h, CK_KEY);
    if (k == NULL)
        jcvm_throw_api(vm, "CryptoException", JCC_ILLEGAL_VALUE);
    return k;
}

/* ---- getInstance ---- */

static int instance(jcvm *vm, uint16_t *r, int kind, int alg, bool shared)
{
    struct jcvm_crypto *c = state(vm);
    if (c == NULL)
        return no_resource(vm);
    /* shared access: JCOP implements no shared instances */
    if (shared)
        return throw_rc(vm, JCC_NO_SUCH_ALGORITHM);
    cobj *o = cnew(kind, alg);
    if (o == NULL)
        return no_resource(vm);
    int rc;
    const char *pkg = "javacard.security", *cls;
    switch (kind) {
    case CK_CIPHER:
        rc = jcc_cipher_new(c->ctx, alg, &o->u.cipher);
        pkg = "javacardx.crypto";
        cls = "Cipher";
        break;
    case CK_SIG:
        rc = jcc_sig_new(c->ctx, alg, &o->u.sig);
        cls = "Signature";
        break;
    case CK_MD:
        rc = jcc_md_new(c->ctx, alg, &o->u.md);
        cls = "MessageDigest";
        break;
    case CK_RANDOM:
        rc = jcc_random_check(c->ctx, alg);
        cls = "RandomData";
        break;
    case CK_KA:
        rc = jcc_ka_new(c->ctx, alg, &o->u.ka);
        cls = "KeyAgreement";
        break;
    default:
        rc = jcc_checksum_new(c->ctx, alg, &o->u.ck);
        cls = "Checksum";
        break;
    }
    if (rc != JCC_OK) {
        free(o);
        return throw_rc(vm, rc);
    }
    r[0] = new_obj(vm, pkg, cls, o);
    return r[0] ? 1 : -1;
}

NAT(n_cipher_get)
{
    return instance(vm, r, CK_CIPHER, (int8_t)a[0], a[1] != 0);
}
NAT(n_sig_get)
{
    return instance(vm, r, CK_SIG, (int8_t)a[0], a[1] != 0);
}
NAT(n_md_get)
{
    return instance(vm, r, CK_MD, (int8_t)a[0], a[1] != 0);
}
NAT(n_rnd_get)
{
    return instance(vm, r, CK_RANDOM, (int8_t)a[0], false);
}
NAT(n_ka_get)
{
    return instance(vm, r, CK_KA, (int8_t)a[0], a[1] != 0);
}
NAT(n_ck_get)
{
    return instance(vm, r, CK_CHECKSUM, (int8_t)a[0], a[1] != 0);
}

static int get_alg(jcvm *vm, uint16_t *a, uint16_t *r, int kind)
{
    cobj *o = self(vm, a[0], kind);
    if (o == NULL)
        return -1;
    r[0] = (uint16_t)(int8_t)o->alg;
    return 1;
}
NAT(n_cipher_alg)
{
    return get_alg(vm, a, r, CK_CIPHER);
}
NAT(n_sig_alg)
{
    return get_alg(vm, a, r, CK_SIG);
}
NAT(n_md_alg)
{
    return get_alg(vm, a, r, CK_MD);
}
NAT(n_ka_alg)
{
    return get_alg(vm, a, r, CK_KA);
}
NAT(n_ck_alg)
{
    return get_alg(vm, a, r, CK_CHECKSUM);
}

/* ---- Cipher and Signature ---- */

static int do_init(cobj *o, const jcc_key *key, int mode, const uint8_t *iv, size_t n)
{
    return o->kind == CK_CIPHER ? jcc_cipher_init(o->u.cipher, key, mode, iv, n)
                                : jcc_sig_init(o->u.sig, key, mode, iv, n);
}

static int init_common(jcvm *vm, uint16_t *a, int kind, bool with_iv)
{
    cobj *o = self(vm, a[0], kind);
    if (o == NULL)
        return -1;
    cobj *k = key_arg(vm, a[1]);
    if (k == NULL)
        return -1;
    const uint8_t *iv = NULL;
    size_t n = 0;
    if (with_iv) {
        iv = in_range(vm, a[3], a[4], a[5]);
        if (iv == NULL)
            return -1;
        n = (size_t)S16(a[5]);
    }
    int rc = do_init(o, k->u.key, (int8_t)a[2], iv, n);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    o->init_key = a[1];
    o->init_mode = (uint8_t)a[2];
    vm->dirty = true;
    return 0;
}
NAT(n_cipher_init)
{
    (void)r;
    return init_common(vm, a, CK_CIPHER, false);
}
NAT(n_cipher_init_iv)
{
    (void)r;
    return init_common(vm, a, CK_CIPHER, true);
}
NAT(n_sig_init)
{
    (void)r;
    return init_common(vm, a, CK_SIG, false);
}
NAT(n_sig_init_iv)
{
    (void)r;
    return init_common(vm, a, CK_SIG, true);
}

/* (this, in, inOff, inLen, out, outOff) -> written */
typedef int (*io_fn)(cobj *o, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *w);
static int io_common(jcvm *vm, uint16_t *a, uint16_t *r, int kind, io_fn fn)
{
    cobj *o = self(vm, a[0], kind);
    if (o == NULL)
        return -1;
    const uint8_t *in = in_range(vm, a[1], a[2], a[3]);
    if (in == NULL)
        return -1;
    size_t cap, w = 0;
    uint8_t *out = out_at(vm, a[4], a[5], &cap);
    if (out == NULL)
        return -1;
    int rc = fn(o, in, (size_t)S16(a[3]), out, cap, &w);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    r[0] = (uint16_t)w;
    return 1;
}
static int f_cupdate(cobj *o, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *w)
{
    return jcc_cipher_update(o->u.cipher, in, n, out, cap, w);
}
static int f_cfinal(cobj *o, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *w)
{
    return jcc_cipher_final(o->u.cipher, in, n, out, cap, w);
}
static int f_sign(cobj *o, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *w)
{
    return jcc_sig_sign(o->u.sig, in, n, out, cap, w);
}
static int f_mdfinal(cobj *o, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *w)
{
    return jcc_md_final(o->u.md, in, n, out, cap, w);
}
static int f_ckfinal(cobj *o, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *w)
{
    return jcc_checksum_final(o->u.ck, in, n, out, cap, w);
}
static int f_kagen(cobj *o, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *w)
{
    return jcc_ka_generate(o->u.ka, in, n, out, cap, w);
}
NAT(n_cipher_update)
{
    return io_common(vm, a, r, CK_CIPHER, f_cupdate);
}
NAT(n_cipher_final)
{
    return io_common(vm, a, r, CK_CIPHER, f_cfinal);
}
NAT(n_sig_sign)
{
    return io_common(vm, a, r, CK_SIG, f_sign);
}
NAT(n_md_final)
{
    return io_common(vm, a, r, CK_MD, f_mdfinal);
}
NAT(n_ck_final)
{
    return io_common(vm, a, r, CK_CHECKSUM, f_ckfinal);
}
NAT(n_ka_gen)
{
    return io_common(vm, a, r, CK_KA, f_kagen);
}

/* (this, in, inOff, inLen) */
static int update_common(jcvm *vm, uint16_t *a, int kind)
{
    cobj *o = self(vm, a[0], kind);
    if (o == NULL)
        return -1;
    const uint8_t *in = in_range(vm, a[1], a[2], a[3]);
    if (in == NULL)
        return -1;
    size_t n = (size_t)S16(a[3]);
    int rc = kind == CK_SIG  ? jcc_sig_update(o->u.sig, in, n)
             : kind == CK_MD ? jcc_md_update(o->u.md, in, n)
                             : jcc_checksum_update(o->u.ck, in, n);
    return rc == JCC_OK ? 0 : throw_rc(vm, rc);
}
NAT(n_sig_update)
{
    (void)r;
    return update_common(vm, a, CK_SIG);
}
NAT(n_md_update)
{
    (void)r;
    return update_common(vm, a, CK_MD);
}
NAT(n_ck_update)
{
    (void)r;
    return update_common(vm, a, CK_CHECKSUM);
}

NAT(n_sig_length)
{
    cobj *o = self(vm, a[0], CK_SIG);
    if (o == NULL)
        return -1;
    size_t n = 0;
    int rc = jcc_sig_length(o->u.sig, &n);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    r[0] = (uint16_t)n;
    return 1;
}
NAT(n_sig_verify)
{
    cobj *o = self(vm, a[0], CK_SIG);
    if (o == NULL)
        return -1;
    const uint8_t *in = in_range(vm, a[1], a[2], a[3]);
    if (in == NULL)
        return -1;
    const uint8_t *sg = in_range(vm, a[4], a[5], a[6]);
    if (sg == NULL)
        return -1;
    bool ok = false;
    int rc = jcc_sig_verify(o->u.sig, in, (size_t)S16(a[3]), sg, (size_t)S16(a[6]), &ok);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    r[0] = ok;
    return 1;
}

/* ---- MessageDigest ---- */
NAT(n_md_length)
{
    cobj *o = self(vm, a[0], CK_MD);
    if (o == NULL)
        return -1;
    r[0] = (uint16_t)jcc_md_length(o->u.md);
    return 1;
}
NAT(n_md_reset)
{
    (void)r;
    cobj *o = self(vm, a[0], CK_MD);
    if (o == NULL)
        return -1;
    int rc = jcc_md_reset(o->u.md);
    return rc == JCC_OK ? 0 : throw_rc(vm, rc);
}

/* ---- RandomData ---- */
NAT(n_rnd_generate)
{
    (void)r;
    if (self(vm, a[0], CK_RANDOM) == NULL)
        return -1;
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    if (in_range(vm, a[1], a[2], a[3]) == NULL)
        return -1;
    if (!(o->flags & OF_TRANSIENT))
        vm->dirty = true;
    int rc =
        jcc_random_generate(vm->crypto->ctx, (uint8_t *)o->data + S16(a[2]), (size_t)S16(a[3]));
    return rc == JCC_OK ? 0 : throw_rc(vm, rc);
}
NAT(n_rnd_seed)
{
    (void)r;
    if (self(vm, a[0], CK_RANDOM) == NULL)
        return -1;
    /* the card's source is its own: the seed is checked and ignored */
    return in_range(vm, a[1], a[2], a[3]) ? 0 : -1;
}

/* ---- KeyAgreement ---- */
NAT(n_ka_init)
{
    (void)r;
    cobj *o = self(vm, a[0], CK_KA);
    if (o == NULL)
        return -1;
    cobj *k = key_arg(vm, a[1]);
    if (k == NULL)
        return -1;
    int rc = jcc_ka_init(o->u.ka, k->u.key);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    o->init_key = a[1];
    vm->dirty = true;
    return 0;
}

/* ---- Checksum ---- */
NAT(n_ck_init)
{
    (void)r;
    cobj *o = self(vm, a[0], CK_CHECKSUM);
    if (o == NULL)
        return -1;
    const uint8_t *p = in_range(vm, a[1], a[2], a[3]);
    if (p == NULL)
        return -1;
    int rc = jcc_checksum_init(o->u.ck, p, (size_t)S16(a[3]));
    return rc == JCC_OK ? 0 : throw_rc(vm, rc);
}

/* ---- KeyPair: cells 0 = public key, 1 = private key ---- */

static void kp_set(jcvm *vm, uint16_t h, uint16_t pub, uint16_t priv)
{
    uint16_t *c = vm->objs[h].data;
    if (vm->objs[h].len >= 2) {
        c[0] = pub;
        c[1] = priv;
    }
    vm->dirty = true;
}
static uint16_t kp_cell(jcvm *vm, uint16_t h, unsigned i)
{
    return vm->objs[h].len >= 2 ? ((uint16_t *)vm->objs[h].data)[i] : 0;
}

NAT(n_kp_init)
{
    (void)r;
    struct jcvm_crypto *c = state(vm);
    if (c == NULL)
        return no_resource(vm);
    int alg = (int8_t)a[1], bits = S16(a[2]);
    int rc = jcc_keypair_check(c->ctx, alg, bits);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    int tpub, tpriv;
    switch (alg) {
    case JCC_KEYPAIR_RSA:
        tpub = JCC_TYPE_RSA_PUBLIC;
        tpriv = JCC_TYPE_RSA_PRIVATE;
        break;
    case JCC_KEYPAIR_RSA_CRT:
        tpub = JCC_TYPE_RSA_PUBLIC;
        tpriv = JCC_TYPE_RSA_CRT_PRIVATE;
        break;
    case JCC_KEYPAIR_EC_FP:
        tpub = JCC_TYPE_EC_FP_PUBLIC;
        tpriv = JCC_TYPE_EC_FP_PRIVATE;
        break;
    default:
        return throw_rc(vm, JCC_NO_SUCH_ALGORITHM);
    }
    cobj *o = cnew(CK_KEYPAIR, alg);
    if (o == NULL)
        return no_resource(vm);
    o->bits = (uint16_t)bits;
    cobj_free(c->tab[a[0]]);
    c->tab[a[0]] = o;
    uint16_t pub, priv;
    if (build_key(vm, tpub, bits, &pub) < 0)
        return -1;
    if (build_key(vm, tpriv, bits, &priv) < 0)
        return -1;
    kp_set(vm, a[0], pub, priv);
    return 0;
}

static int pair_alg(int tpub, int tpriv)
{
    if (tpub == JCC_TYPE_RSA_PUBLIC && tpriv == JCC_TYPE_RSA_PRIVATE)
        return JCC_KEYPAIR_RSA;
    if (tpub == JCC_TYPE_RSA_PUBLIC && tpriv == JCC_TYPE_RSA_CRT_PRIVATE)
        return JCC_KEYPAIR_RSA_CRT;
    if (tpub == JCC_TYPE_EC_FP_PUBLIC && tpriv == JCC_TYPE_EC_FP_PRIVATE)
        return JCC_KEYPAIR_EC_FP;
    return -1;
}

NAT(n_kp_init_keys)
{
    (void)r;
    struct jcvm_crypto *c = state(vm);
    if (c == NULL)
        return no_resource(vm);
    cobj *pub = get(vm, a[1], CK_KEY), *priv = get(vm, a[2], CK_KEY);
    /* spec: null or mismatched keys -> ILLEGAL_VALUE */
    if (pub == NULL || priv == NULL)
        return throw_rc(vm, JCC_ILLEGAL_VALUE);
    int alg = pair_alg(jcc_key_type(pub->u.key), jcc_key_type(priv->u.key));
    if (alg < 0 || jcc_key_size(pub->u.key) != jcc_key_size(priv->u.key))
        return throw_rc(vm, JCC_ILLEGAL_VALUE);
    cobj *o = cnew(CK_KEYPAIR, alg);
    if (o == NULL)
        return no_resource(vm);
    o->bits = (uint16_t)jcc_key_size(pub->u.key);
    cobj_free(c->tab[a[0]]);
    c->tab[a[0]] = o;
    kp_set(vm, a[0], a[1], a[2]);
    return 0;
}

NAT(n_kp_gen)
{
    (void)r;
    cobj *o = self(vm, a[0], CK_KEYPAIR);
    if (o == NULL)
        return -1;
    cobj *pub = get(vm, kp_cell(vm, a[0], 0), CK_KEY);
    cobj *priv = get(vm, kp_cell(vm, a[0], 1), CK_KEY);
    if (pub == NULL || priv == NULL)
        return throw_rc(vm, JCC_ILLEGAL_VALUE);
    int rc = jcc_keypair_generate(vm->crypto->ctx, o->alg, pub->u.key, priv->u.key);
    if (rc != JCC_OK)
        return throw_rc(vm, rc);
    vm->dirty = true;
    key_cleared(vm, kp_cell(vm, a[0], 0));
    key_cleared(vm, kp_cell(vm, a[0], 1));
    return 0;
}
NAT(n_kp_public)
{
    if (self(vm, a[0], CK_KEYPAIR) == NULL)
        return -1;
    r[0] = kp_cell(vm, a[0], 0);
    return 1;
}
NAT(n_kp_private)
{
    if (self(vm, a[0], CK_KEYPAIR) == NULL)
        return -1;
    r[0] = kp_cell(vm, a[0], 1);
    return 1;
}

/* ---- binding by class and signature ---- */

typedef struct {
    const char *cls; /* "*Key" = every key interface (name ends in Key) */
    const char *sig;
    jcvm_native_fn fn;
} cbind;

static const cbind cbinds[] = {
    {"KeyBuilder", "buildKey(BSZ)Ljavacard/security/Key;", n_build_key},
    {"*Key", "clearKey()V", n_key_clear},
    {"*Key", "getSize()S", n_key_size},
    {"*Key", "getType()B", n_key_type},
    {"*Key", "isInitialized()Z", n_key_inited},
    {"DESKey", "setKey([BS)V", n_set_fixed},
    {"AESKey", "setKey([BS)V", n_set_fixed},
    {"KoreanSEEDKey", "setKey([BS)V", n_set_fixed},
    {"HMACKey", "setKey([BSS)V", n_set_hmac},
    {"*Key", "getKey([BS)B", n_get_secret},
    {"RSAPublicKey", "setModulus([BSS)V", n_set_modulus},
    {"RSAPublicKey", "setExponent([BSS)V", n_set_exponent},
    {"RSAPublicKey", "getModulus([BS)S", n_get_modulus},
    {"RSAPublicKey", "getExponent([BS)S", n_get_exponent},
    {"RSAPrivateKey", "setModulus([BSS)V", n_set_modulus},
    {"RSAPrivateKey", "setExponent([BSS)V", n_set_exponent},
    {"RSAPrivateKey", "getModulus([BS)S", n_get_modulus},
    {"RSAPrivateKey", "getExponent([BS)S", n_get_exponent},
    {"RSAPrivateCrtKey", "setP([BSS)V", n_set_p},
    {"RSAPrivateCrtKey", "setQ([BSS)V", n_set_q},
    {"RSAPrivateCrtKey", "setDP1([BSS)V", n_set_dp1},
    {"RSAPrivateCrtKey", "setDQ1([BSS)V", n_set_dq1},
    {"RSAPrivateCrtKey", "setPQ([BSS)V", n_set_pq},
    {"RSAPrivateCrtKey", "getP([BS)S", n_get_p},
    {"RSAPrivateCrtKey", "getQ([BS)S", n_get_q},
    {"RSAPrivateCrtKey", "getDP1([BS)S", n_get_dp1},
    {"RSAPrivateCrtKey", "getDQ1([BS)S", n_get_dq1},
    {"RSAPrivateCrtKey", "getPQ([BS)S", n_get_pq},
    {"EC*", "setFieldFP([BSS)V", n_set_field},
    {"EC*", "setA([BSS)V", n_set_ea},
    {"EC*", "setB([BSS)V", n_set_eb},
    {"EC*", "setG([BSS)V", n_set_eg},
    {"EC*", "setR([BSS)V", n_set_er},
    {"EC*", "setK(S)V", n_set_k},
    {"EC*", "getField([BS)S", n_get_field},
    {"EC*", "getA([BS)S", n_get_ea},
    {"EC*", "getB([BS)S", n_get_eb},
    {"EC*", "getG([BS)S", n_get_eg},
    {"EC*", "getR([BS)S", n_get_er},
    {"EC*", "getK()S", n_get_k},
    {"ECPublicKey", "setW([BSS)V", n_set_w},
    {"ECPublicKey", "getW([BS)S", n_get_w},
    {"ECPrivateKey", "setS([BSS)V", n_set_s},
    {"ECPrivateKey", "getS([BS)S", n_get_s},
    {"Cipher", "getInstance(BZ)Ljavacardx/crypto/Cipher;", n_cipher_get},
    {"Cipher", "getAlgorithm()B", n_cipher_alg},
    {"Cipher", "init(Ljavacard/security/Key;B)V", n_cipher_init},
    {"Cipher", "init(Ljavacard/security/Key;B[BSS)V", n_cipher_init_iv},
    {"Cipher", "update([BSS[BS)S", n_cipher_update},
    {"Cipher", "doFinal([BSS[BS)S", n_cipher_final},
    {"Signature", "getInstance(BZ)Ljavacard/security/Signature;", n_sig_get},
    {"Signature", "getAlgorithm()B", n_sig_alg},
    {"Signature", "getLength()S", n_sig_length},
    {"Signature", "init(Ljavacard/security/Key;B)V", n_sig_init},
    {"Signature", "init(Ljavacard/security/Key;B[BSS)V", n_sig_init_iv},
    {"Signature", "update([BSS)V", n_sig_update},
    {"Signature", "sign([BSS[BS)S", n_sig_sign},
    {"Signature", "verify([BSS[BSS)Z", n_sig_verify},
    {"MessageDigest", "getInstance(BZ)Ljavacard/security/MessageDigest;", n_md_get},
    {"MessageDigest", "getAlgorithm()B", n_md_alg},
    {"MessageDigest", "getLength()B", n_md_length},
    {"MessageDigest", "reset()V", n_md_reset},
    {"MessageDigest", "update([BSS)V", n_md_update},
    {"MessageDigest", "doFinal([BSS[BS)S", n_md_final},
    {"RandomData", "getInstance(B)Ljavacard/security/RandomData;", n_rnd_get},
    {"RandomData", "generateData([BSS)V", n_rnd_generate},
    {"RandomData", "setSeed([BSS)V", n_rnd_seed},
    {"KeyAgreement", "getInstance(BZ)Ljavacard/security/KeyAgreement;", n_ka_get},
    {"KeyAgreement", "getAlgorithm()B", n_ka_alg},
    {"KeyAgreement", "init(Ljavacard/security/PrivateKey;)V", n_ka_init},
    {"KeyAgreement", "generateSecret([BSS[BS)S", n_ka_gen},
    {"Checksum", "getInstance(BZ)Ljavacard/security/Checksum;", n_ck_get},
    {"Checksum", "getAlgorithm()B", n_ck_alg},
    {"Checksum", "init([BSS)V", n_ck_init},
    {"Checksum", "update([BSS)V", n_ck_update},
    {"Checksum", "doFinal([BSS[BS)S", n_ck_final},
    {"KeyPair", "<init>(BS)V", n_kp_init},
    {"KeyPair", "<init>(Ljavacard/security/PublicKey;Ljavacard/security/PrivateKey;)V",
     n_kp_init_keys},
    {"KeyPair", "genKeyPair()V", n_kp_gen},
    {"KeyPair", "getPublic()Ljavacard/security/PublicKey;", n_kp_public},
    {"KeyPair", "getPrivate()Ljavacard/security/PrivateKey;", n_kp_private},
};

static bool cls_match(const char *pat, const char *name)
{
    size_t pl = strlen(pat), nl = strlen(name);
    if (pat[0] == '*')
        return nl >= pl - 1 && strcmp(name + nl - (pl - 1), pat + 1) == 0;
    if (pat[pl - 1] == '*')
        return strncmp(pat, name, pl - 1) == 0;
    return strcmp(pat, name) == 0;
}

jcvm_native_fn jcvm_crypto_native(int i)
{
    if (i < 0 || (unsigned)i >= jcvm_api_n_methods)
        return NULL;
    const jcvm_api_method *m = &jcvm_api_methods[i];
    const jcvm_api_class *c = &jcvm_api_classes[m->cls];
    const char *pk = jcvm_api_pkgs[c->pkg].name;
    if (strcmp(pk, "javacard.security") != 0 && strcmp(pk, "javacardx.crypto") != 0)
        return NULL;
    for (size_t b = 0; b < sizeof cbinds / sizeof cbinds[0]; b++)
        if (cls_match(cbinds[b].cls, c->name) && strcmp(cbinds[b].sig, m->sig) == 0)
            return cbinds[b].fn;
    return NULL;
}

/* ---- card events ---- */

void jcvm_crypto_clear_transient(jcvm *vm, uint8_t flag, int only_pkg)
{
    struct jcvm_crypto *c = vm->crypto;
    if (c == NULL)
        return;
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++) {
        cobj *o = c->tab[h];
        if (o == NULL || o->kind != CK_KEY)
            continue;
        if (only_pkg >= 0 && vm->objs[h].owner_pkg != only_pkg + 1)
            continue;
        jcc_key_life life = jcc_key_transient(o->u.key);
        if ((life == JCC_TRANSIENT_RESET && (flag & OF_T_RESET)) ||
            (life == JCC_TRANSIENT_DESELECT && (flag & OF_T_DESELECT))) {
            jcc_key_clear(o->u.key);
            key_cleared(vm, (uint16_t)h);
        }
    }
    if (!(flag & OF_T_RESET) || only_pkg >= 0)
        return;
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++) {
        cobj *o = c->tab[h];
        if (o == NULL)
            continue;
        if (o->kind == CK_CIPHER)
            jcc_cipher_card_reset(o->u.cipher);
        else if (o->kind == CK_SIG)
            jcc_sig_card_reset(o->u.sig);
        else if (o->kind == CK_MD)
            jcc_md_reset(o->u.md);
        else if (o->kind == CK_CHECKSUM)
            jcc_checksum_card_reset(o->u.ck);
    }
}

/* ---- persistence ----
 * Body: records, keys first: 'K' h(2) len(2) blob; 'X' h(2) kind(1) alg(1)
 * init_key(2) mode(1) bits(2). */

typedef struct {
    uint8_t *b;
    size_t n, cap;
    bool bad;
} obuf;
static void put(obuf *w, const void *p, size_t n)
{
    if (w->bad)
        return;
    if (w->n + n > w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 1024;
        while (nc < w->n + n)
            nc *= 2;
        uint8_t *nb = realloc(w->b, nc);
        if (nb == NULL) {
            w->bad = true;
            return;
        }
        w->b = nb;
        w->cap = nc;
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void put1(obuf *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}
static void put2(obuf *w, unsigned v)
{
    put1(w, v >> 8);
    put1(w, v);
}

int jcvm_crypto_save(jcvm *vm, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    struct jcvm_crypto *c = vm->crypto;
    if (c == NULL)
        return 0;
    obuf w = {0};
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++) {
        cobj *o = c->tab[h];
        if (o == NULL || o->kind != CK_KEY || (vm->objs[h].flags & OF_TEMP))
            continue;
        size_t n = 0;
        if (jcc_key_save(o->u.key, NULL, 0, &n) != JCC_OK || n > 0xFFFF)
            goto fail;
        uint8_t *kb = malloc(n ? n : 1);
        if (kb == NULL || jcc_key_save(o->u.key, kb, n, &n) != JCC_OK) {
            free(kb);
            goto fail;
        }
        put1(&w, 'K');
        put2(&w, h);
        put2(&w, (unsigned)n);
        put(&w, kb, n);
        memset(kb, 0, n);
        free(kb);
    }
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++) {
        cobj *o = c->tab[h];
        if (o == NULL || o->kind == CK_KEY || (vm->objs[h].flags & OF_TEMP))
            continue;
        put1(&w, 'X');
        put2(&w, h);
        put1(&w, o->kind);
        put1(&w, o->alg);
        put2(&w, o->init_key);
        put1(&w, o->init_mode);
        put2(&w, o->bits);
    }
    if (w.bad)
        goto fail;
    *out = w.b;
    *len = w.n;
    return 0;
fail:
    if (w.b)
        memset(w.b, 0, w.n);
    free(w.b);
    return -1;
}

static bool obj_ok(jcvm *vm, unsigned h)
{
    return h > 0 && h < JCVM_MAX_OBJS && vm->objs[h].kind == OK_INST && vm->crypto->tab[h] == NULL;
}

int jcvm_crypto_restore(jcvm *vm, const uint8_t *p, size_t len)
{
    struct jcvm_crypto *c = state(vm);
    if (c == NULL)
        return -1;
    size_t i = 0;
    while (i < len) {
        uint8_t t = p[i++];
        if (t == 'K') {
            if (len - i < 4)
                return -1;
            unsigned h = jcvm_rd2(p + i), n = jcvm_rd2(p + i + 2);
            i += 4;
            if (len - i < n || !obj_ok(vm, h))
                return -1;
            jcc_key *k;
            if (jcc_key_load(c->ctx, p + i, n, &k) != JCC_OK)
                return -1;
            i += n;
            cobj *o = cnew(CK_KEY, 0);
            if (o == NULL) {
                jcc_key_free(k);
                return -1;
            }
            o->u.key = k;
            c->tab[h] = o;
        } else if (t == 'X') {
            if (len - i < 9)
                return -1;
            unsigned h = jcvm_rd2(p + i);
            cobj *o = cnew(p[i + 2], (int8_t)p[i + 3]);
            if (o == NULL || !obj_ok(vm, h)) {
                free(o);
                return -1;
            }
            o->init_key = jcvm_rd2(p + i + 4);
            o->init_mode = p[i + 6];
            o->bits = jcvm_rd2(p + i + 7);
            i += 9;
            int alg = (int8_t)o->alg, rc;
            switch (o->kind) {
            case CK_CIPHER:
                rc = jcc_cipher_new(c->ctx, alg, &o->u.cipher);
                break;
            case CK_SIG:
                rc = jcc_sig_new(c->ctx, alg, &o->u.sig);
                break;
            case CK_MD:
                rc = jcc_md_new(c->ctx, alg, &o->u.md);
                break;
            case CK_KA:
                rc = jcc_ka_new(c->ctx, alg, &o->u.ka);
                break;
            case CK_CHECKSUM:
                rc = jcc_checksum_new(c->ctx, alg, &o->u.ck);
                break;
            case CK_RANDOM:
            case CK_KEYPAIR:
                rc = JCC_OK;
                break;
            default:
                rc = JCC_ILLEGAL_VALUE;
                break;
            }
            if (rc != JCC_OK) {
                free(o);
                return -1;
            }
            c->tab[h] = o;
            /* initialised again with the key and mode of its last init */
            cobj *k = o->init_key ? get(vm, o->init_key, CK_KEY) : NULL;
            if (o->init_key && k == NULL)
                o->init_key = 0;
            if (k && jcc_key_is_initialized(k->u.key)) {
                if (o->kind == CK_CIPHER || o->kind == CK_SIG)
                    (void)do_init(o, k->u.key, o->init_mode, NULL, 0);
                else if (o->kind == CK_KA)
                    (void)jcc_ka_init(o->u.ka, k->u.key);
            }
        } else {
            return -1;
        }
    }
    return 0;
}
