/*
 * test_image.c: the card image format (jc_image.h): round trip, new-card
 * contents (jc_pstate_init), and refusal of every damaged form: truncated,
 * too long, flipped byte, wrong magic, wrong version, unknown profile, and
 * hand-edited images that are internally consistent by digest but not by
 * meaning (fuse flag cleared on a fused card, GP state on an unfused one).
 */
#include "jc_test_util.h"

#include <openssl/evp.h>

#include "jc_profile.h"

static uint8_t *encode(const jc_pstate *st, size_t *len)
{
    *len = jc_image_encoded_size();
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    assert_int_equal(jc_image_encode(st, buf, *len), (int)*len);
    return buf;
}

/* Re-seal a hand-edited image with a fresh SHA-256 (computed here, with
 * libcrypto directly) so only the semantic checks can refuse it. */
static void reseal(uint8_t *buf, size_t len)
{
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(buf, len - 32, buf + len - 32, &n, EVP_sha256(), NULL), 1);
}

static void fused_state(jc_pstate *st)
{
    tu_new_state(st, NULL, 5);
    tu_rng rng = {.s = 9};
    jc_card *card = tu_card(st, &rng, NULL);
    assert_int_equal(tu_sw(card, "00A4040010" TU_KT_HEX), 0x9000);
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    assert_int_equal(tu_sw(card, "C0D603010101"), 0x9000);
    assert_int_equal(tu_sw(card, "00100000"), 0x9000);
    assert_int_equal(tu_sw(card, "00000000"), 0x9000);
    memcpy(st, jc_card_pstate(card), sizeof(*st));
    jc_card_free(card);
}

static void test_roundtrip(void **state)
{
    (void)state;
    jc_pstate a, b;
    for (int fused = 0; fused < 2; fused++) {
        if (fused)
            fused_state(&a);
        else
            tu_new_state(&a, "J2E145", 77);
        size_t len;
        uint8_t *buf = encode(&a, &len);
        assert_memory_equal(buf, "JCOPSIMG", 8);
        memset(&b, 0xEE, sizeof(b));
        assert_int_equal(jc_image_decode(buf, len, &b), 0);
        assert_string_equal(a.profile, b.profile);
        assert_memory_equal(a.kt, b.kt, JC_KT_LEN);
        assert_int_equal(a.flags, b.flags);
        assert_memory_equal(a.mem, b.mem, JC_MEM_SIZE);
        assert_int_equal(a.card_lcs, b.card_lcs);
        assert_memory_equal(a.kdd, b.kdd, JC_KDD_LEN);
        assert_memory_equal(a.keysets, b.keysets, sizeof(a.keysets));
        for (int i = 0; i < JC_MAX_REGISTRY; i++) {
            assert_int_equal(a.reg[i].kind, b.reg[i].kind);
            assert_memory_equal(&a.reg[i].aid, &b.reg[i].aid, sizeof(jc_aid));
            assert_int_equal(a.reg[i].n_modules, b.reg[i].n_modules);
        }
        /* encoding is deterministic: re-encoding gives the same bytes */
        size_t len2;
        uint8_t *buf2 = encode(&b, &len2);
        assert_memory_equal(buf, buf2, len);
        free(buf);
        free(buf2);
    }
}

static void test_new_card(void **state)
{
    (void)state;
    jc_pstate st, st2;
    tu_new_state(&st, NULL, 1);
    tu_new_state(&st2, NULL, 2);
    assert_string_equal(st.profile, "J2A040");
    uint8_t kt[16];
    tu_hex(TU_KT_HEX, kt, 16);
    assert_memory_equal(st.kt, kt, 16);
    assert_int_equal(st.flags, 0);
    assert_int_equal(st.mem[0xC00407 - JC_MEM_BASE], 5);
    assert_int_equal(st.mem[0xC00301 - JC_MEM_BASE], 0);
    /* keys differ between seeds and between records */
    assert_memory_not_equal(st.mem + (0xC00305 - JC_MEM_BASE), st2.mem + (0xC00305 - JC_MEM_BASE),
                            16);
    assert_memory_not_equal(st.mem + (0xC00305 - JC_MEM_BASE), st.mem + (0xC00321 - JC_MEM_BASE),
                            16);
    assert_memory_not_equal(st.mem + (0xC00412 - JC_MEM_BASE), st2.mem + (0xC00412 - JC_MEM_BASE),
                            5);
    /* random KT when none is given */
    tu_rng rng = {.s = 3};
    assert_int_equal(jc_pstate_init(&st2, "J2A040", NULL, tu_random, &rng), 0);
    assert_memory_not_equal(st2.kt, kt, 16);
    assert_int_equal(jc_pstate_init(&st2, "NOPE", NULL, tu_random, &rng), JC_ERR_PROFILE);
}

static int failing_rng(void *ctx, uint8_t *out, size_t n)
{
    return JC_ERR_RANDOM;
}

static void test_new_card_rng_failure(void **state)
{
    (void)state;
    jc_pstate st;
    assert_int_equal(jc_pstate_init(&st, NULL, NULL, failing_rng, NULL), JC_ERR_RANDOM);
}

typedef enum {
    ED_TRUNC,
    ED_LONGER,
    ED_FLIP,
    ED_MAGIC,
    ED_VERSION,
    ED_PROFILE,
    ED_CLEAR_FUSE,
    ED_LCS_UNFUSED,
    ED_FLAGS,
    ED_AIDLEN
} edit_kind;

typedef struct {
    const char *what;
    edit_kind kind;
    size_t arg;
    bool fused;
    int expect;
} corrupt_row;

static const corrupt_row corrupt[] = {
    {"empty", ED_TRUNC, 0, false, JC_ERR_TRUNCATED},
    {"magic only", ED_TRUNC, 8, false, JC_ERR_TRUNCATED},
    {"half", ED_TRUNC, 20000, false, JC_ERR_TRUNCATED},
    {"one byte short", ED_TRUNC, 1, false, JC_ERR_TRUNCATED},
    {"one byte more", ED_LONGER, 0, false, JC_ERR_FORMAT},
    {"flip in memory", ED_FLIP, 100, false, JC_ERR_CORRUPT},
    {"flip in kt", ED_FLIP, 40, false, JC_ERR_CORRUPT},
    {"flip in digest", ED_FLIP, (size_t)-1, false, JC_ERR_CORRUPT},
    {"flip in fuse flags", ED_FLIP, 50, true, JC_ERR_CORRUPT},
    {"wrong magic", ED_MAGIC, 0, false, JC_ERR_FORMAT},
    {"wrong version", ED_VERSION, 2, false, JC_ERR_VERSION},
    {"version 0", ED_VERSION, 0, false, JC_ERR_VERSION},
    {"unknown profile", ED_PROFILE, 0, false, JC_ERR_PROFILE},
    {"fuse flag cleared on a fused card", ED_CLEAR_FUSE, 0, true, JC_ERR_FORMAT},
    {"card life cycle on an unfused card", ED_LCS_UNFUSED, 0, false, JC_ERR_FORMAT},
    {"unknown flag bit", ED_FLAGS, 0, false, JC_ERR_FORMAT},
    {"AID length 17", ED_AIDLEN, 0, true, JC_ERR_FORMAT},
};

/* Offsets of the encoding (jc_image.c's layout comment). */
#define OFF_VERSION 8u
#define OFF_PROFILE 10u
#define OFF_KT (OFF_PROFILE + 24u)
#define OFF_FLAGS (OFF_KT + 16u)
#define OFF_MEM (OFF_FLAGS + 1u)
#define OFF_LCS (OFF_MEM + JC_MEM_SIZE)
#define OFF_KDD (OFF_LCS + 1u)
#define OFF_KEYSETS (OFF_KDD + 10u)
#define OFF_REG (OFF_KEYSETS + 8u * 52u)

static void test_corrupt_refused(void **state)
{
    (void)state;
    jc_pstate unfused, fused;
    tu_new_state(&unfused, NULL, 4);
    fused_state(&fused);
    for (size_t i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
        const corrupt_row *c = &corrupt[i];
        size_t len;
        uint8_t *buf = encode(c->fused ? &fused : &unfused, &len);
        uint8_t *img = malloc(len + 1);
        assert_non_null(img);
        memcpy(img, buf, len);
        size_t use = len;
        switch (c->kind) {
        case ED_TRUNC:
            use = c->arg <= 8 && c->arg != 1 ? c->arg : len - c->arg;
            break;
        case ED_LONGER:
            img[len] = 0;
            use = len + 1;
            break;
        case ED_FLIP:
            img[c->arg == (size_t)-1 ? len - 1 : (c->arg == 50 ? OFF_FLAGS : OFF_MEM + c->arg)] ^=
                0x01;
            break;
        case ED_MAGIC:
            img[0] = 'X';
            break;
        case ED_VERSION:
            img[OFF_VERSION] = 0;
            img[OFF_VERSION + 1] = (uint8_t)c->arg;
            reseal(img, len);
            break;
        case ED_PROFILE:
            memcpy(img + OFF_PROFILE, "J9Z999", 6);
            reseal(img, len);
            break;
        case ED_CLEAR_FUSE:
            img[OFF_FLAGS] &= (uint8_t)~JC_PF_FUSED;
            reseal(img, len);
            break;
        case ED_LCS_UNFUSED:
            img[OFF_LCS] = 0x01;
            reseal(img, len);
            break;
        case ED_FLAGS:
            img[OFF_FLAGS] |= 0x80;
            reseal(img, len);
            break;
        case ED_AIDLEN:
            img[OFF_REG + 3] = 17;
            reseal(img, len);
            break;
        }
        jc_pstate out;
        memset(&out, 0xA5, sizeof(out));
        jc_pstate before;
        memcpy(&before, &out, sizeof(out));
        int rc = jc_image_decode(img, use, &out);
        if (rc != c->expect)
            print_error("%s: got %d (%s), expected %d\n", c->what, rc, jc_strerror(rc), c->expect);
        assert_int_equal(rc, c->expect);
        assert_memory_equal(&out, &before, sizeof(out)); /* untouched on error */
        free(img);
        free(buf);
    }
}

static void test_every_truncation(void **state)
{
    (void)state;
    jc_pstate st, out;
    tu_new_state(&st, NULL, 4);
    size_t len;
    uint8_t *buf = encode(&st, &len);
    for (size_t n = 0; n < len; n += (n < 64 ? 1 : 997))
        assert_true(jc_image_decode(buf, n, &out) < 0);
    assert_int_equal(jc_image_decode(buf, len, &out), 0);
    free(buf);
}

/* The ISD data section (STORE DATA): an image without it is exactly the
 * section-less size; with it, it round-trips; a section that is empty, cut,
 * malformed or on an unfused card is refused. */
static void test_isd_section(void **state)
{
    (void)state;
    jc_pstate *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    assert_non_null(a);
    assert_non_null(b);
    fused_state(a);
    assert_int_equal(jc_image_size(a), jc_image_encoded_size());
    a->isd.iin_len = 2;
    a->isd.iin[0] = 0x12;
    a->isd.iin[1] = 0x34;
    a->isd.cplc_set = JC_ISD_CPLC_PERSO;
    memset(a->isd.cplc_perso, 0x5A, JC_ISD_CPLC_PART);
    size_t len = jc_image_size(a);
    assert_true(len > jc_image_encoded_size() &&
                len <= jc_image_encoded_size() + 256);
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    assert_int_equal(jc_image_encode(a, buf, len - 1), JC_ERR_BUFFER);
    assert_int_equal(jc_image_encode(a, buf, len), (int)len);
    memset(b, 0xEE, sizeof(*b));
    assert_int_equal(jc_image_decode(buf, len, b), 0);
    assert_memory_equal(&a->isd, &b->isd, sizeof(a->isd));
    assert_int_equal(b->flags, a->flags); /* the section bit is no card flag */
    /* cut before the digest, or one byte too many */
    assert_int_equal(jc_image_decode(buf, len - 1, b), JC_ERR_TRUNCATED);
    buf[len] = 0;
    assert_int_equal(jc_image_decode(buf, len + 1, b), JC_ERR_FORMAT);
    /* a length past its field, bytes past a length, an unknown cplc_set bit */
    size_t sec = jc_image_encoded_size() - 32;
    uint8_t keep = buf[sec];
    buf[sec] = 17;
    reseal(buf, len);
    assert_int_equal(jc_image_decode(buf, len, b), JC_ERR_FORMAT);
    buf[sec] = 1; /* iin[1] = 34 is now past the length */
    reseal(buf, len);
    assert_int_equal(jc_image_decode(buf, len, b), JC_ERR_FORMAT);
    buf[sec] = keep;
    size_t set_at = sec + 3 + 2 * JC_ISD_ID_MAX + JC_ISD_CARD_DATA_MAX;
    buf[set_at] = 0x04;
    reseal(buf, len);
    assert_int_equal(jc_image_decode(buf, len, b), JC_ERR_FORMAT);
    /* an empty section is written as none, so one is refused */
    memset(&a->isd, 0, sizeof(a->isd));
    a->isd.iin_len = 1;
    assert_int_equal(jc_image_encode(a, buf, len), (int)len);
    buf[sec] = 0;
    buf[sec + 1] = 0;
    reseal(buf, len);
    assert_int_equal(jc_image_decode(buf, len, b), JC_ERR_FORMAT);
    /* ISD data on an unfused card */
    tu_new_state(a, NULL, 5);
    a->isd.cin_len = 1;
    a->isd.cin[0] = 1;
    len = jc_image_size(a);
    assert_int_equal(jc_image_encode(a, buf, len), (int)len);
    assert_int_equal(jc_image_decode(buf, len, b), JC_ERR_FORMAT);
    free(buf);
    free(a);
    free(b);
}

/* The store's incremental encoder (jc_image_enc) writes exactly the bytes of
 * jc_image_encode after any change, and rehashes only from the first changed
 * 64-byte block: a change in the runtime section (last) hashes that end. */
static void enc_check(jc_image_enc *e, const jc_pstate *st, uint8_t *plain)
{
    size_t len = jc_image_size(st);
    const uint8_t *img = NULL;
    assert_int_equal(jc_image_encode(st, plain, len), (int)len);
    assert_int_equal(jc_image_enc_encode(e, st, &img), (int)len);
    assert_memory_equal(img, plain, len);
}

static void test_incremental_encoder(void **state)
{
    (void)state;
    jc_pstate *a = malloc(sizeof(*a));
    assert_non_null(a);
    fused_state(a);
    a->rt_len = 6000;
    a->rt = malloc(8000);
    assert_non_null(a->rt);
    for (uint32_t i = 0; i < 8000; i++)
        a->rt[i] = (uint8_t)(i * 7);
    uint8_t *plain = malloc(jc_image_size(a) + 2000);
    assert_non_null(plain);
    jc_image_enc *e = NULL;
    assert_int_equal(jc_image_enc_new(&e), 0);
    size_t body = jc_image_size(a) - 32;

    enc_check(e, a, plain); /* the first image: all of it hashed */
    assert_int_equal(jc_image_enc_hashed(e), body);
    /* the saved state is at most at the runtime section's front (6 + rt_len
     * bytes before the digest), so its commits hash the section */
    size_t section = 6 + a->rt_len + 64;
    enc_check(e, a, plain); /* unchanged */
    assert_true(jc_image_enc_hashed(e) <= section);
    a->rt[5990] ^= 0x01; /* near the end of the runtime section */
    enc_check(e, a, plain);
    assert_true(jc_image_enc_hashed(e) <= section);
    a->rt[0] ^= 0x80; /* the section's front */
    enc_check(e, a, plain);
    assert_true(jc_image_enc_hashed(e) <= section);
    a->mem[3] ^= 0xFF; /* the front of the image: everything again */
    enc_check(e, a, plain);
    assert_int_equal(jc_image_enc_hashed(e), body);
    a->mem[3] ^= 0x01; /* the same spot again: hashed from its block on */
    enc_check(e, a, plain);
    assert_int_equal(jc_image_enc_hashed(e), body);
    a->rt[5000] ^= 0x10; /* back to the section: all once (the state was at 0), */
    enc_check(e, a, plain);
    assert_int_equal(jc_image_enc_hashed(e), body);
    a->rt[5001] ^= 0x10; /* then cheap commits again */
    enc_check(e, a, plain);
    assert_true(jc_image_enc_hashed(e) <= section);
    a->keysets[0].counter++; /* the SCP02 counter: from its block on */
    enc_check(e, a, plain);
    a->keysets[0].counter++;
    enc_check(e, a, plain);
    assert_true(jc_image_enc_hashed(e) < body - JC_MEM_SIZE);

    /* random changes anywhere, the section growing and shrinking, ISD data
     * appearing: the bytes are always those of jc_image_encode */
    uint64_t r = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 300; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        switch (r % 6) {
        case 0:
            a->mem[(r >> 8) % JC_MEM_SIZE] ^= (uint8_t)(r >> 40) | 1;
            break;
        case 1:
            a->keysets[(r >> 8) % JC_MAX_KEYSETS].counter++;
            break;
        case 2:
            a->rt_len = 1 + (uint32_t)((r >> 8) % 8000);
            break;
        case 3:
            a->isd.iin_len = 1, a->isd.iin[0] = (uint8_t)(r >> 16);
            break;
        default:
            a->rt[(r >> 8) % a->rt_len] ^= (uint8_t)(r >> 32) | 1;
            break;
        }
        enc_check(e, a, plain);
    }
    jc_image_enc_free(e);
    free(plain);
    jc_pstate_release(a);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_new_card),
        cmocka_unit_test(test_new_card_rng_failure),
        cmocka_unit_test(test_corrupt_refused),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_isd_section),
        cmocka_unit_test(test_incremental_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
