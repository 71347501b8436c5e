/*
 * test_gp_util.h: fixtures of the GlobalPlatform tests (test_gp_*.c): a
 * card taken through the tutorial's pre-personalization (keys 40..4F written
 * to the three CM_KEY records, CM_LIFECYCLE 01, PROTECT, FUSE), a scripted
 * random source (so card challenges are the published ones), a commit counter,
 * and a host session built with jc_scp02's host side (itself checked against
 * published vectors in test_scp02.c). Header-only, on top of jc_test_util.h.
 */
#ifndef TEST_GP_UTIL_H
#define TEST_GP_UTIL_H

#include "jc_test_util.h"

#include "jc_card_int.h"
#include "jc_crypto.h"
#include "jc_scp02.h"

#define GT_KEYS "404142434445464748494A4B4C4D4E4F"

/* Random source that first serves scripted bytes, then xorshift. */
typedef struct {
    uint8_t script[64];
    size_t len, pos;
    tu_rng rng;
} gt_rand;

static inline int gt_random(void *ctx, uint8_t *out, size_t n)
{
    gt_rand *r = ctx;
    for (size_t i = 0; i < n; i++) {
        if (r->pos < r->len)
            out[i] = r->script[r->pos++];
        else
            tu_random(&r->rng, out + i, 1);
    }
    return 0;
}

static inline void gt_script(gt_rand *r, const char *hex)
{
    int n = tu_hex(hex, r->script, sizeof(r->script));
    assert_true(n >= 0);
    r->len = (size_t)n;
    r->pos = 0;
}

static inline int gt_commit(void *ctx, const jc_pstate *st)
{
    (void)st;
    (*(int *)ctx)++;
    return 0;
}

typedef struct {
    jc_card *card;
    gt_rand rand;
    tu_trace trace;
    int commits;
    jc_crypto *crypto;
    jc_scp02 host;
    jc_scp02_keys keys;
} gt_fix;

/* A fused J2A040 (or profile) card in OP_READY with keys 40..4F, KVN FF. */
static inline void gt_fused_state(jc_pstate *out, const char *profile)
{
    jc_pstate *st = malloc(sizeof(*st));
    assert_non_null(st);
    tu_new_state(st, profile, 11);
    tu_rng rng = {.s = 9};
    jc_card *card = tu_card(st, &rng, NULL);
    assert_int_equal(tu_sw(card, "00A4040010" TU_KT_HEX), 0x9000);
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    const char *writes[] = {"C0D6030101" "01", "C0D6030510" GT_KEYS, "C0D6031D01" "01",
                            "C0D6032110" GT_KEYS, "C0D6033901" "01", "C0D6033D10" GT_KEYS};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(tu_sw(card, writes[i]), 0x9000);
    assert_int_equal(tu_sw(card, "00100000"), 0x9000);
    assert_int_equal(tu_sw(card, "00000000"), 0x9000);
    memcpy(out, jc_card_pstate(card), sizeof(*out));
    jc_card_free(card);
    free(st);
}

static inline void gt_open_card(gt_fix *f, const jc_pstate *st)
{
    jc_env env = {.random = gt_random, .random_ctx = &f->rand, .trace = tu_trace_cb,
                  .trace_ctx = &f->trace, .commit = gt_commit, .commit_ctx = &f->commits};
    assert_int_equal(jc_card_create(&f->card, st, &env), 0);
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_power_on(f->card, atr, sizeof(atr)) > 0);
}

static inline gt_fix *gt_new(const char *profile)
{
    gt_fix *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->rand.rng.s = 77;
    jc_pstate *st = malloc(sizeof(*st));
    assert_non_null(st);
    gt_fused_state(st, profile);
    gt_open_card(f, st);
    free(st);
    assert_int_equal(jc_crypto_create(&f->crypto), 0);
    uint8_t k[16];
    tu_hex(GT_KEYS, k, 16);
    memcpy(f->keys.enc, k, 16);
    memcpy(f->keys.mac, k, 16);
    memcpy(f->keys.dek, k, 16);
    return f;
}

static inline void gt_free(gt_fix *f)
{
    jc_card_power_off(f->card);
    jc_card_free(f->card);
    jc_crypto_free(f->crypto);
    free(f);
}

/* Send raw bytes; returns the R-APDU length; SW in *sw. */
static inline int gt_xfer(gt_fix *f, const uint8_t *c, size_t n, uint8_t *r, size_t cap, uint16_t *sw)
{
    int rn = jc_card_process(f->card, c, n, r, cap);
    assert_true(rn >= 2);
    *sw = (uint16_t)(r[rn - 2] << 8 | r[rn - 1]);
    return rn;
}

/* INITIALIZE UPDATE + EXTERNAL AUTHENTICATE with the fixture's keys. Returns
 * the EXTERNAL AUTHENTICATE SW (or the INITIALIZE UPDATE SW when not 9000). */
static inline uint16_t gt_auth(gt_fix *f, uint8_t kvn, uint8_t level)
{
    uint8_t c[64], r[300];
    uint16_t sw;
    static const uint8_t hc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int n = jc_scp02_host_init_update(&f->host, kvn, hc, c, sizeof(c));
    int rn = gt_xfer(f, c, (size_t)n, r, sizeof(r), &sw);
    if (sw != 0x9000)
        return sw;
    assert_int_equal(rn, 30);
    if (jc_scp02_host_check_card(&f->host, f->crypto, &f->keys, r, 28) != 0)
        return 0xFFFF; /* card cryptogram mismatch */
    n = jc_scp02_host_ext_auth(&f->host, f->crypto, level, false, c, sizeof(c));
    gt_xfer(f, c, (size_t)n, r, sizeof(r), &sw);
    return sw;
}

/* Wrap (when a host session is open) and send a hex APDU; the R-APDU as hex. */
static inline uint16_t gt_send(gt_fix *f, const char *hex, char *out, size_t outcap)
{
    uint8_t c[300], w[300], r[JC_RAPDU_MAX];
    int n = tu_hex(hex, c, sizeof(c));
    assert_true(n >= 4);
    const uint8_t *p = c;
    if (jc_scp02_is_open(&f->host)) {
        n = jc_scp02_host_wrap(&f->host, f->crypto, c, (size_t)n, w, sizeof(w));
        if (n <= 0)
            print_error("cannot wrap %s (%d)\n", hex, n);
        assert_true(n > 0);
        p = w;
    }
    uint16_t sw;
    int rn = gt_xfer(f, p, (size_t)n, r, sizeof(r), &sw);
    if (out != NULL) {
        assert_true((size_t)rn * 2 + 1 <= outcap);
        tu_tohex(r, (size_t)rn, out);
    }
    return sw;
}

/* Expect an exact R-APDU (hex) for a (wrapped) command. */
#define GT_EXPECT(f, capdu, expected)                                                              \
    do {                                                                                           \
        char gt_out_[1200];                                                                        \
        uint8_t gt_e_[600];                                                                        \
        char gt_eh_[1200];                                                                         \
        int gt_n_ = tu_hex((expected), gt_e_, sizeof(gt_e_));                                      \
        assert_true(gt_n_ >= 2);                                                                   \
        tu_tohex(gt_e_, (size_t)gt_n_, gt_eh_);                                                    \
        gt_send((f), (capdu), gt_out_, sizeof(gt_out_));                                           \
        if (strcmp(gt_out_, gt_eh_) != 0)                                                          \
            print_error("%s:%d: %s -> %s, expected %s\n", __FILE__, __LINE__, (capdu), gt_out_,    \
                        gt_eh_);                                                                   \
        assert_string_equal(gt_out_, gt_eh_);                                                      \
    } while (0)

#define GT_SW(f, capdu, want)                                                                      \
    do {                                                                                           \
        uint16_t gt_sw_ = gt_send((f), (capdu), NULL, 0);                                          \
        if (gt_sw_ != (want))                                                                      \
            print_error("%s:%d: %s -> %04X, expected %04X\n", __FILE__, __LINE__, (capdu),         \
                        gt_sw_, (unsigned)(want));                                                 \
        assert_int_equal(gt_sw_, (want));                                                          \
    } while (0)

#endif
