/*
 * jc_image.c: the card image format (jc_image.h) and new-card creation.
 *
 * The store (simulator/store) writes these bytes; jcop-image shows them. The
 * encoding is explicit, field by field, big-endian, independent of the C
 * struct layout:
 *   "JCOPSIMG" | version u16 | profile[24] | kt[16] | flags | mem[JC_MEM_SIZE]
 *   | card_lcs | kdd[10] | keysets (8 x {used, kvn, counter u16, 3 x 16 key})
 *   | registry (32 x {kind, lcs, priv, aid, elf, module, n_modules,
 *     8 x module aid, ver_major, ver_minor}; an aid is {len, 16 bytes})
 *   [ | ISD data section: iin_len iin[16] | cin_len cin[16] | card_data_len
 *       card_data[127] | cplc_set | cplc_preperso[8] | cplc_perso[8] ]
 *   [ | runtime section: format u16 (1) | length u32 | the runtime's blob ]
 *   | SHA-256 of everything before it.
 * The runtime section (jc_runtime.h) is present only when the state holds
 * one, announced by bit 0x40 of the encoded flags byte (IMG_F_RUNTIME, never a
 * jc_pstate flag), which the digest covers: an image cut before its section
 * is refused, and an image of a card that never had a runtime is the same
 * version-1 image as before the runtime existed.
 * The ISD data section (what STORE DATA wrote to the ISD) follows the same
 * rule with bit 0x20 (IMG_F_ISD): present only when the state holds some.
 * Decoding checks magic, version, length and digest, then every field's range
 * and the consistency of the fuse flag with the GP state, into a local copy;
 * the caller's struct is written only when all of it is valid.
 */
#include "jc_image.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "jc_err.h"
#include "jc_profile.h"

#define IMG_MAGIC "JCOPSIMG"
#define IMG_MAGIC_LEN 8u
#define IMG_VERSION 1u
#define IMG_DIGEST_LEN 32u
#define IMG_AID_SIZE (1u + JC_AID_MAX)
#define IMG_KEYSET_SIZE (4u + 3u * JC_KEY_LEN)
#define IMG_REG_SIZE (3u + 3u * IMG_AID_SIZE + 1u + JC_MAX_MODULES * IMG_AID_SIZE + 2u)
#define IMG_F_RUNTIME 0x40u
#define IMG_F_ISD 0x20u
#define IMG_ISD_SIZE                                                                               \
    (3u + 2u * JC_ISD_ID_MAX + JC_ISD_CARD_DATA_MAX + 1u + 2u * JC_ISD_CPLC_PART)
#define IMG_OFF_FLAGS (IMG_MAGIC_LEN + 2u + JC_PROFILE_NAME_MAX + JC_KT_LEN)
#define IMG_RT_FORMAT 1u
#define IMG_RT_HEAD 6u /* format u16 | length u32 */
#define IMG_BODY_SIZE                                                                              \
    (IMG_MAGIC_LEN + 2u + JC_PROFILE_NAME_MAX + JC_KT_LEN + 1u + JC_MEM_SIZE + 1u + JC_KDD_LEN +   \
     JC_MAX_KEYSETS * IMG_KEYSET_SIZE + JC_MAX_REGISTRY * IMG_REG_SIZE)

size_t jc_image_encoded_size(void)
{
    return IMG_BODY_SIZE + IMG_DIGEST_LEN;
}

static bool isd_data_present(const jc_pstate *st)
{
    static const jc_isd_data none;
    return memcmp(&st->isd, &none, sizeof(none)) != 0;
}

size_t jc_image_size(const jc_pstate *st)
{
    size_t n = jc_image_encoded_size();
    if (st && isd_data_present(st))
        n += IMG_ISD_SIZE;
    if (st && st->rt_len > 0)
        n += IMG_RT_HEAD + st->rt_len;
    return n;
}

void jc_pstate_release(jc_pstate *st)
{
    if (!st)
        return;
    free(st->rt);
    st->rt = NULL;
    st->rt_len = 0;
}

int jc_pstate_copy(jc_pstate *dst, const jc_pstate *src)
{
    if (!dst || !src)
        return JC_ERR_ARG;
    uint8_t *rt = NULL;
    if (src->rt_len > 0) {
        if (!src->rt)
            return JC_ERR_ARG;
        rt = malloc(src->rt_len);
        if (!rt)
            return JC_ERR_NOMEM;
        memcpy(rt, src->rt, src->rt_len);
    }
    memcpy(dst, src, sizeof(*dst));
    dst->rt = rt;
    return 0;
}

typedef struct {
    uint8_t *p;
} wr;

static void put(wr *w, const void *src, size_t n)
{
    memcpy(w->p, src, n);
    w->p += n;
}
static void put_u8(wr *w, uint8_t v)
{
    *w->p++ = v;
}
static void put_u16(wr *w, uint16_t v)
{
    put_u8(w, (uint8_t)(v >> 8));
    put_u8(w, (uint8_t)v);
}
static void put_u32(wr *w, uint32_t v)
{
    put_u16(w, (uint16_t)(v >> 16));
    put_u16(w, (uint16_t)v);
}
static void put_aid(wr *w, const jc_aid *a)
{
    put_u8(w, a->len);
    put(w, a->b, JC_AID_MAX);
}

static int sha256(const uint8_t *data, size_t len, uint8_t out[IMG_DIGEST_LEN])
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != IMG_DIGEST_LEN)
        return JC_ERR_CRYPTO;
    return 0;
}

/* Everything but the digest into buf (room for jc_image_size(st)); returns
 * the body's length or <0. */
static int encode_body(const jc_pstate *st, uint8_t *buf, size_t cap)
{
    if (!st || !buf)
        return JC_ERR_ARG;
    if (st->rt_len > JC_RT_SECTION_MAX || (st->rt_len > 0 && !st->rt))
        return JC_ERR_ARG;
    if (cap < jc_image_size(st))
        return JC_ERR_BUFFER;
    wr w = {.p = buf};
    put(&w, IMG_MAGIC, IMG_MAGIC_LEN);
    put_u16(&w, IMG_VERSION);
    uint8_t name[JC_PROFILE_NAME_MAX] = {0};
    size_t nl = strnlen(st->profile, JC_PROFILE_NAME_MAX - 1u);
    memcpy(name, st->profile, nl);
    put(&w, name, sizeof(name));
    put(&w, st->kt, JC_KT_LEN);
    bool isd = isd_data_present(st);
    put_u8(&w, (uint8_t)(st->flags | (st->rt_len > 0 ? IMG_F_RUNTIME : 0u) |
                         (isd ? IMG_F_ISD : 0u)));
    put(&w, st->mem, JC_MEM_SIZE);
    put_u8(&w, st->card_lcs);
    put(&w, st->kdd, JC_KDD_LEN);
    for (unsigned i = 0; i < JC_MAX_KEYSETS; i++) {
        const jc_keyset *k = &st->keysets[i];
        put_u8(&w, k->used);
        put_u8(&w, k->kvn);
        put_u16(&w, k->counter);
        for (unsigned j = 0; j < 3; j++)
            put(&w, k->key[j], JC_KEY_LEN);
    }
    for (unsigned i = 0; i < JC_MAX_REGISTRY; i++) {
        const jc_reg_entry *e = &st->reg[i];
        put_u8(&w, e->kind);
        put_u8(&w, e->lcs);
        put_u8(&w, e->priv);
        put_aid(&w, &e->aid);
        put_aid(&w, &e->elf);
        put_aid(&w, &e->module);
        put_u8(&w, e->n_modules);
        for (unsigned j = 0; j < JC_MAX_MODULES; j++)
            put_aid(&w, &e->modules[j]);
        put_u8(&w, e->ver_major);
        put_u8(&w, e->ver_minor);
    }
    if ((size_t)(w.p - buf) != IMG_BODY_SIZE)
        return JC_ERR_FORMAT;
    if (isd) {
        const jc_isd_data *d = &st->isd;
        put_u8(&w, d->iin_len);
        put(&w, d->iin, JC_ISD_ID_MAX);
        put_u8(&w, d->cin_len);
        put(&w, d->cin, JC_ISD_ID_MAX);
        put_u8(&w, d->card_data_len);
        put(&w, d->card_data, JC_ISD_CARD_DATA_MAX);
        put_u8(&w, d->cplc_set);
        put(&w, d->cplc_preperso, JC_ISD_CPLC_PART);
        put(&w, d->cplc_perso, JC_ISD_CPLC_PART);
    }
    if (st->rt_len > 0) {
        put_u16(&w, IMG_RT_FORMAT);
        put_u32(&w, st->rt_len);
        put(&w, st->rt, st->rt_len);
    }
    return (int)(w.p - buf);
}

int jc_image_encode(const jc_pstate *st, uint8_t *buf, size_t cap)
{
    int body = encode_body(st, buf, cap);
    if (body < 0)
        return body;
    int rc = sha256(buf, (size_t)body, buf + body);
    if (rc < 0)
        return rc;
    return (int)jc_image_size(st);
}

/* ---------------------------------------------------------------- incremental encoder */

#define ENC_BLOCK 64u /* SHA-256's block: a digest state covers whole blocks */

struct jc_image_enc {
    uint8_t *cur, *prev; /* this and the last image, each cap bytes */
    size_t cap;
    size_t prev_body; /* body length of prev; 0 = none yet */
    EVP_MD_CTX *mid;  /* SHA-256 over prev[0, mid_len) (== the new image's, when unchanged) */
    EVP_MD_CTX *work;
    size_t mid_len; /* a multiple of ENC_BLOCK */
    size_t hashed;  /* bytes the last encode fed to SHA-256 */
};

int jc_image_enc_new(jc_image_enc **out)
{
    if (!out)
        return JC_ERR_ARG;
    *out = NULL;
    jc_image_enc *e = calloc(1, sizeof(*e));
    if (!e)
        return JC_ERR_NOMEM;
    e->mid = EVP_MD_CTX_new();
    e->work = EVP_MD_CTX_new();
    if (!e->mid || !e->work || EVP_DigestInit_ex(e->mid, EVP_sha256(), NULL) != 1) {
        jc_image_enc_free(e);
        return JC_ERR_CRYPTO;
    }
    *out = e;
    return 0;
}

void jc_image_enc_free(jc_image_enc *e)
{
    if (!e)
        return;
    free(e->cur);
    free(e->prev);
    EVP_MD_CTX_free(e->mid);
    EVP_MD_CTX_free(e->work);
    free(e);
}

static int enc_grow(jc_image_enc *e, size_t n)
{
    if (n <= e->cap)
        return 0;
    uint8_t *c = realloc(e->cur, n);
    if (!c)
        return JC_ERR_NOMEM;
    e->cur = c;
    uint8_t *p = realloc(e->prev, n); /* keeps the last image for the comparison */
    if (!p)
        return JC_ERR_NOMEM;
    e->prev = p;
    e->cap = n;
    return 0;
}

/* The image in the encoder's buffer: the same bytes as jc_image_encode, but
 * SHA-256 resumes from a saved state of a prefix (whole blocks) that equals
 * the last image, instead of hashing the unchanged front again. The runtime
 * section comes last, so a commit of the applets' heap hashes that section
 * (a few KB of a ~45 KB image). */
int jc_image_enc_encode(jc_image_enc *e, const jc_pstate *st, const uint8_t **out)
{
    if (!e || !st || !out)
        return JC_ERR_ARG;
    size_t len = jc_image_size(st);
    int rc = enc_grow(e, len);
    if (rc < 0)
        return rc;
    int n = encode_body(st, e->cur, e->cap);
    if (n < 0)
        return n;
    size_t body = (size_t)n;
    /* the first block that differs from the last image (or the end of either) */
    size_t same = 0, lim = body < e->prev_body ? body : e->prev_body;
    while (same + ENC_BLOCK <= lim && memcmp(e->cur + same, e->prev + same, ENC_BLOCK) == 0)
        same += ENC_BLOCK;
    /* The saved state stays at or before the runtime section's front: the
     * applets' commits change bytes anywhere in the section, and a state
     * past the next change would mean hashing everything again. */
    size_t rt_front =
        (st->rt_len > 0 ? body - (IMG_RT_HEAD + st->rt_len) : body) / ENC_BLOCK * ENC_BLOCK;
    size_t from = e->mid_len <= same ? e->mid_len : 0;
    /* where the next change is expected: where this one was (mid then
     * covers only bytes that equal the last image's), or, the first time,
     * the section. Any keep >= from is sound: mid = SHA-256 of cur[0, keep). */
    size_t keep = e->prev_body == 0 || same > rt_front ? rt_front : same;
    if (keep < from)
        keep = from;
    if (from == 0 && EVP_DigestInit_ex(e->mid, EVP_sha256(), NULL) != 1)
        goto crypto;
    /* mid moves to the new unchanged prefix: the bytes between are the same in both images */
    if (keep > from && EVP_DigestUpdate(e->mid, e->cur + from, keep - from) != 1)
        goto crypto;
    e->mid_len = keep;
    unsigned int dl = 0;
    if (EVP_MD_CTX_copy_ex(e->work, e->mid) != 1 ||
        EVP_DigestUpdate(e->work, e->cur + keep, body - keep) != 1 ||
        EVP_DigestFinal_ex(e->work, e->cur + body, &dl) != 1 || dl != IMG_DIGEST_LEN)
        goto crypto;
    e->hashed = body - from;
    uint8_t *t = e->prev; /* the new image becomes the one to compare with */
    e->prev = e->cur;
    e->cur = t;
    e->prev_body = body;
    *out = e->prev;
    return (int)len;
crypto:
    /* a digest state of unknown content: start over next time */
    e->prev_body = 0;
    e->mid_len = 0;
    return JC_ERR_CRYPTO;
}

size_t jc_image_enc_hashed(const jc_image_enc *e)
{
    return e ? e->hashed : 0;
}

typedef struct {
    const uint8_t *p;
} rd;

static void get(rd *r, void *dst, size_t n)
{
    memcpy(dst, r->p, n);
    r->p += n;
}
static uint8_t get_u8(rd *r)
{
    return *r->p++;
}
static uint16_t get_u16(rd *r)
{
    uint16_t v = (uint16_t)(r->p[0] << 8 | r->p[1]);
    r->p += 2;
    return v;
}
static bool get_aid(rd *r, jc_aid *a)
{
    a->len = get_u8(r);
    get(r, a->b, JC_AID_MAX);
    if (a->len > JC_AID_MAX)
        return false;
    /* bytes past the length must be zero so one state has one encoding */
    for (unsigned i = a->len; i < JC_AID_MAX; i++)
        if (a->b[i])
            return false;
    return true;
}

/* A length field with its bytes: len <= max and zero past it (one encoding). */
static bool lv_valid(uint8_t len, const uint8_t *v, size_t max)
{
    if (len > max)
        return false;
    for (size_t i = len; i < max; i++)
        if (v[i])
            return false;
    return true;
}

static bool part_valid(bool set, const uint8_t *v)
{
    for (size_t i = 0; !set && i < JC_ISD_CPLC_PART; i++)
        if (v[i])
            return false;
    return true;
}

static bool isd_data_valid(const jc_isd_data *d)
{
    return lv_valid(d->iin_len, d->iin, JC_ISD_ID_MAX) &&
           lv_valid(d->cin_len, d->cin, JC_ISD_ID_MAX) &&
           lv_valid(d->card_data_len, d->card_data, JC_ISD_CARD_DATA_MAX) &&
           !(d->cplc_set & ~(JC_ISD_CPLC_PREPERSO | JC_ISD_CPLC_PERSO)) &&
           part_valid(d->cplc_set & JC_ISD_CPLC_PREPERSO, d->cplc_preperso) &&
           part_valid(d->cplc_set & JC_ISD_CPLC_PERSO, d->cplc_perso);
}

static bool lcs_valid_card(uint8_t v)
{
    return v == JC_LCS_OP_READY || v == JC_LCS_INITIALIZED || v == JC_LCS_SECURED ||
           v == JC_LCS_CARD_LOCKED || v == JC_LCS_TERMINATED;
}

/* Field ranges and the fuse flag's consistency with the GP state. */
static int validate(const jc_pstate *st)
{
    if (!memchr(st->profile, '\0', JC_PROFILE_NAME_MAX) || st->profile[0] == '\0')
        return JC_ERR_FORMAT;
    if (!jc_profile_find(st->profile))
        return JC_ERR_PROFILE;
    if (st->flags & ~(uint8_t)(JC_PF_PROTECTED | JC_PF_FUSED | JC_PF_FUSED_UNPROTECTED))
        return JC_ERR_FORMAT;
    bool fused = (st->flags & JC_PF_FUSED) != 0;
    if ((st->flags & JC_PF_FUSED_UNPROTECTED) && !fused)
        return JC_ERR_FORMAT;
    if ((st->flags & JC_PF_FUSED_UNPROTECTED) && (st->flags & JC_PF_PROTECTED))
        return JC_ERR_FORMAT;
    unsigned n_keysets = 0, n_reg = 0, n_isd = 0;
    for (unsigned i = 0; i < JC_MAX_KEYSETS; i++) {
        const jc_keyset *k = &st->keysets[i];
        if (k->used > 1)
            return JC_ERR_FORMAT;
        if (k->used) {
            n_keysets++;
            if (k->kvn == 0x00 || (k->kvn > 0x7F && k->kvn != 0xFF))
                return JC_ERR_FORMAT;
        }
    }
    for (unsigned i = 0; i < JC_MAX_REGISTRY; i++) {
        const jc_reg_entry *e = &st->reg[i];
        if (e->kind > JC_REG_ELF)
            return JC_ERR_FORMAT;
        if (e->kind == JC_REG_FREE)
            continue;
        n_reg++;
        if (e->kind == JC_REG_ISD)
            n_isd++;
        if (e->aid.len < 5 || e->n_modules > JC_MAX_MODULES)
            return JC_ERR_FORMAT;
    }
    if (!isd_data_valid(&st->isd))
        return JC_ERR_FORMAT;
    if (!fused) {
        if (st->card_lcs != JC_LCS_NONE || n_keysets || n_reg || isd_data_present(st))
            return JC_ERR_FORMAT; /* GP state without the fuse flag: refused */
        for (unsigned i = 0; i < JC_KDD_LEN; i++)
            if (st->kdd[i])
                return JC_ERR_FORMAT;
    } else {
        if (!lcs_valid_card(st->card_lcs) || n_isd != 1)
            return JC_ERR_FORMAT;
        if (n_keysets == 0 && st->card_lcs != JC_LCS_TERMINATED)
            return JC_ERR_FORMAT;
    }
    return 0;
}

int jc_image_decode(const uint8_t *buf, size_t len, jc_pstate *st)
{
    if (!buf || !st)
        return JC_ERR_ARG;
    size_t head = len < IMG_MAGIC_LEN ? len : IMG_MAGIC_LEN;
    if (memcmp(buf, IMG_MAGIC, head) != 0)
        return JC_ERR_FORMAT; /* not an image at all */
    if (len < IMG_MAGIC_LEN + 2u)
        return JC_ERR_TRUNCATED;
    uint16_t version = (uint16_t)(buf[IMG_MAGIC_LEN] << 8 | buf[IMG_MAGIC_LEN + 1]);
    if (version != IMG_VERSION)
        return JC_ERR_VERSION;
    if (len < jc_image_encoded_size())
        return JC_ERR_TRUNCATED;
    bool isd = (buf[IMG_OFF_FLAGS] & IMG_F_ISD) != 0;
    size_t rt_at = IMG_BODY_SIZE + (isd ? IMG_ISD_SIZE : 0u); /* where a runtime section starts */
    size_t body = rt_at;
    if (len < body + IMG_DIGEST_LEN)
        return JC_ERR_TRUNCATED;
    uint32_t rt_len = 0;
    if (buf[IMG_OFF_FLAGS] & IMG_F_RUNTIME) {
        if (len < rt_at + IMG_RT_HEAD + IMG_DIGEST_LEN)
            return JC_ERR_TRUNCATED;
        const uint8_t *h = buf + rt_at;
        if ((uint16_t)(h[0] << 8 | h[1]) != IMG_RT_FORMAT)
            return JC_ERR_VERSION;
        rt_len = (uint32_t)h[2] << 24 | (uint32_t)h[3] << 16 | (uint32_t)h[4] << 8 | h[5];
        if (rt_len == 0 || rt_len > JC_RT_SECTION_MAX)
            return JC_ERR_FORMAT; /* an empty section is written as none */
        body += IMG_RT_HEAD + rt_len;
        if (len < body + IMG_DIGEST_LEN)
            return JC_ERR_TRUNCATED;
    }
    if (len > body + IMG_DIGEST_LEN)
        return JC_ERR_FORMAT;
    uint8_t digest[IMG_DIGEST_LEN];
    int rc = sha256(buf, body, digest);
    if (rc < 0)
        return rc;
    if (memcmp(digest, buf + body, IMG_DIGEST_LEN) != 0)
        return JC_ERR_CORRUPT;

    jc_pstate *t = malloc(sizeof(*t));
    if (!t)
        return JC_ERR_NOMEM;
    memset(t, 0, sizeof(*t));
    rd r = {.p = buf + IMG_MAGIC_LEN + 2u};
    bool ok = true;
    get(&r, t->profile, JC_PROFILE_NAME_MAX);
    get(&r, t->kt, JC_KT_LEN);
    t->flags = (uint8_t)(get_u8(&r) & ~(IMG_F_RUNTIME | IMG_F_ISD));
    get(&r, t->mem, JC_MEM_SIZE);
    t->card_lcs = get_u8(&r);
    get(&r, t->kdd, JC_KDD_LEN);
    for (unsigned i = 0; i < JC_MAX_KEYSETS; i++) {
        jc_keyset *k = &t->keysets[i];
        k->used = get_u8(&r);
        k->kvn = get_u8(&r);
        k->counter = get_u16(&r);
        for (unsigned j = 0; j < 3; j++)
            get(&r, k->key[j], JC_KEY_LEN);
    }
    for (unsigned i = 0; i < JC_MAX_REGISTRY; i++) {
        jc_reg_entry *e = &t->reg[i];
        e->kind = get_u8(&r);
        e->lcs = get_u8(&r);
        e->priv = get_u8(&r);
        ok &= get_aid(&r, &e->aid);
        ok &= get_aid(&r, &e->elf);
        ok &= get_aid(&r, &e->module);
        e->n_modules = get_u8(&r);
        for (unsigned j = 0; j < JC_MAX_MODULES; j++)
            ok &= get_aid(&r, &e->modules[j]);
        e->ver_major = get_u8(&r);
        e->ver_minor = get_u8(&r);
    }
    if (isd) {
        jc_isd_data *d = &t->isd;
        d->iin_len = get_u8(&r);
        get(&r, d->iin, JC_ISD_ID_MAX);
        d->cin_len = get_u8(&r);
        get(&r, d->cin, JC_ISD_ID_MAX);
        d->card_data_len = get_u8(&r);
        get(&r, d->card_data, JC_ISD_CARD_DATA_MAX);
        d->cplc_set = get_u8(&r);
        get(&r, d->cplc_preperso, JC_ISD_CPLC_PART);
        get(&r, d->cplc_perso, JC_ISD_CPLC_PART);
        ok &= isd_data_present(t); /* an empty section is written as none */
    }
    rc = ok ? validate(t) : JC_ERR_FORMAT;
    if (rc == 0 && rt_len > 0) {
        t->rt = malloc(rt_len);
        if (!t->rt)
            rc = JC_ERR_NOMEM;
        else
            memcpy(t->rt, buf + rt_at + IMG_RT_HEAD, rt_len);
        t->rt_len = rt_len;
    }
    if (rc == 0)
        memcpy(st, t, sizeof(*t));
    free(t);
    return rc;
}

int jc_pstate_init(jc_pstate *st, const char *profile, const uint8_t *kt,
                   int (*rnd)(void *ctx, uint8_t *out, size_t n), void *rnd_ctx)
{
    if (!st || !rnd)
        return JC_ERR_ARG;
    const jc_profile *p = profile ? jc_profile_find(profile) : jc_profile_default();
    if (!p)
        return JC_ERR_PROFILE;
    uint8_t keys[3][JC_KEY_LEN];
    uint8_t gpin[16];
    uint8_t ktr[JC_KT_LEN];
    if (rnd(rnd_ctx, &keys[0][0], sizeof(keys)) < 0 || rnd(rnd_ctx, gpin, sizeof(gpin)) < 0)
        return JC_ERR_RANDOM;
    if (!kt) {
        if (rnd(rnd_ctx, ktr, sizeof(ktr)) < 0)
            return JC_ERR_RANDOM;
        kt = ktr;
    }
    memset(st, 0, sizeof(*st));
    memcpy(st->profile, p->name, strnlen(p->name, JC_PROFILE_NAME_MAX - 1u));
    memcpy(st->kt, kt, JC_KT_LEN);
    for (size_t i = 0; i < p->n_mem_init; i++) {
        const jc_mem_init *m = &p->mem_init[i];
        memcpy(st->mem + (m->addr - JC_MEM_BASE), m->v, m->len);
    }
    for (int k = 0; k < 3; k++)
        memcpy(st->mem + (p->cm_key_addr[k] - JC_MEM_BASE), keys[k], JC_KEY_LEN);
    st->mem[p->gpin_len_addr - JC_MEM_BASE] = p->gpin_len_default;
    memcpy(st->mem + (p->gpin_addr - JC_MEM_BASE), gpin, p->gpin_len_default);
    st->mem[p->cm_lifecycle_addr - JC_MEM_BASE] = p->cm_lifecycle_new;
    return 0;
}
