/*
 * fuzz_crypto.c: libFuzzer target over the Java Card crypto engine
 * (simulator/jcvm/crypto): what an applet can do to it through the natives,
 * with arbitrary arguments, plus key blobs as they come back from a card
 * image.
 *
 * Input: byte 0 picks the profile (mod 3); then op codes, each followed by
 * its arguments (bytes taken from the input; missing bytes read as 0):
 *   0 build key     type, size index           (into one of 4 key slots)
 *   1 set component slot, comp, len, bytes
 *   2 key pair      alg, slot a, slot b
 *   3 save + load   slot (the blob reloads and re-saves to the same bytes)
 *   4 load raw      len(2), bytes (a corrupt blob: refused or canonical)
 *   5 cipher        alg, slot, mode, iv?, then update/final lengths
 *   6 signature     alg, slot, mode, lengths, sign or verify
 *   7 digest        alg, len
 *   8 checksum      alg, init len, len
 *   9 key agreement alg, slot, point len
 * Oracles (abort = finding): every result is a documented jcc_rc; an output
 * length never exceeds the capacity given; a failed call writes nothing past
 * the capacity (guard bytes); an accepted blob re-saves to exactly itself.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "jcc.h"
#include "jf_fuzz.h"

#define SLOTS 4
#define CAP 600

static const int TYPES[] = {JCC_TYPE_DES,          JCC_TYPE_DES_TRANSIENT_RESET,
                            JCC_TYPE_AES,          JCC_TYPE_KOREAN_SEED,
                            JCC_TYPE_HMAC,         JCC_TYPE_RSA_PUBLIC,
                            JCC_TYPE_RSA_PRIVATE,  JCC_TYPE_RSA_CRT_PRIVATE,
                            JCC_TYPE_EC_FP_PUBLIC, JCC_TYPE_EC_FP_PRIVATE,
                            JCC_TYPE_DSA_PUBLIC,   0};
static const int SIZES[] = {64, 128, 192, 256, 512, 736, 160, 224, 320, 384, 1024, 100};

static bool known_rc(int rc)
{
    return (rc >= JCC_OK && rc <= JCC_ILLEGAL_USE) || rc == JCC_EX_INDEX || rc == JCC_EX_NULL ||
           rc == JCC_ERR_ARG || rc == JCC_ERR_CRYPTO;
}

/* Output buffer with guard bytes after the capacity handed to the engine. */
typedef struct {
    uint8_t b[CAP + 16];
    size_t cap;
} outbuf;

static void out_prepare(outbuf *o, jf_reader *r)
{
    o->cap = (size_t)(jf_byte(r)) * 3 % CAP;
    memset(o->b, 0xEE, sizeof(o->b));
}

static void out_check(const outbuf *o, int rc, size_t n)
{
    JF_CHECK(known_rc(rc));
    if (rc == JCC_OK)
        JF_CHECK(n <= o->cap);
    for (size_t i = o->cap; i < sizeof(o->b); i++)
        JF_CHECK(o->b[i] == 0xEE);
}

static const uint8_t *take(jf_reader *r, size_t *len)
{
    static const uint8_t zeros[CAP] = {0};
    size_t want = *len;
    const uint8_t *p = jf_take(r, len);
    if (*len < want) {
        *len = want < CAP ? want : CAP; /* missing bytes read as zeros */
        return zeros;
    }
    return p;
}

static int fz_random(void *arg, uint8_t *out, size_t n)
{
    return jf_random(arg, out, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jf_reader r = {data, size};
    jf_rng rng = {0x9E3779B97F4A7C15ULL};
    jcc_ctx *c = NULL;
    if (jcc_ctx_create((jcc_profile)(jf_byte(&r) % 3), fz_random, &rng, &c) != JCC_OK)
        return 0;
    jcc_key *keys[SLOTS] = {0};
    outbuf o;
    size_t n;
    for (int steps = 0; r.n > 0 && steps < 64; steps++) {
        uint8_t op = jf_byte(&r) % 10;
        int rc;
        switch (op) {
        case 0: {
            int s = jf_byte(&r) % SLOTS;
            int type = TYPES[jf_byte(&r) % (sizeof(TYPES) / sizeof(TYPES[0]))];
            int bits = SIZES[jf_byte(&r) % (sizeof(SIZES) / sizeof(SIZES[0]))];
            jcc_key *k = NULL;
            rc = jcc_key_build(c, type, bits, &k);
            JF_CHECK(known_rc(rc) && (rc == JCC_OK) == (k != NULL));
            if (k != NULL) {
                jcc_key_free(keys[s]);
                keys[s] = k;
            }
            break;
        }
        case 1: {
            jcc_key *k = keys[jf_byte(&r) % SLOTS];
            jcc_comp comp = (jcc_comp)(jf_byte(&r) % 15);
            size_t len = jf_byte(&r) * 2u % 300u;
            const uint8_t *p = take(&r, &len);
            if (k == NULL)
                break;
            if (comp == JCC_COMP_SECRET && jcc_key_secret_len(k) > 0 && (len & 1))
                len = jcc_key_secret_len(k);
            rc = jcc_key_set(k, comp, p, len);
            JF_CHECK(known_rc(rc));
            if (jf_byte(&r) & 1)
                jcc_key_set_k(k, (uint16_t)(jf_byte(&r) % 5));
            out_prepare(&o, &r);
            rc = jcc_key_get(k, comp, o.b, o.cap, &n);
            out_check(&o, rc, n);
            break;
        }
        case 2: {
            int alg = jf_byte(&r) % 6;
            jcc_key *a = keys[jf_byte(&r) % SLOTS], *b = keys[jf_byte(&r) % SLOTS];
            if (a == NULL || b == NULL || a == b)
                break;
            if (alg != JCC_KEYPAIR_EC_FP && jcc_key_size(a) > 768)
                break; /* keep each input fast */
            rc = jcc_keypair_generate(c, alg, a, b);
            JF_CHECK(known_rc(rc));
            if (rc == JCC_OK)
                JF_CHECK(jcc_key_is_initialized(a) && jcc_key_is_initialized(b));
            break;
        }
        case 3: {
            jcc_key *k = keys[jf_byte(&r) % SLOTS], *back = NULL;
            uint8_t blob[2048], again[2048];
            size_t bl, al;
            if (k == NULL)
                break;
            JF_CHECK(jcc_key_save(k, blob, sizeof(blob), &bl) == JCC_OK);
            JF_CHECK(jcc_key_load(c, blob, bl, &back) == JCC_OK);
            JF_CHECK(jcc_key_save(back, again, sizeof(again), &al) == JCC_OK);
            JF_CHECK(al == bl && memcmp(blob, again, bl) == 0);
            jcc_key_free(back);
            break;
        }
        case 4: {
            size_t len = (size_t)jf_byte(&r) << 8;
            len |= jf_byte(&r);
            len %= 1200;
            const uint8_t *p = take(&r, &len);
            jcc_key *k = NULL;
            uint8_t again[2048];
            size_t al;
            rc = jcc_key_load(c, p, len, &k);
            JF_CHECK(rc == JCC_OK || (rc == JCC_ILLEGAL_VALUE && k == NULL));
            if (k != NULL) {
                JF_CHECK(jcc_key_save(k, again, sizeof(again), &al) == JCC_OK);
                JF_CHECK(al == len && memcmp(p, again, len) == 0);
                jcc_key_free(k);
            }
            break;
        }
        case 5: {
            jcc_cipher *x = NULL;
            int alg = jf_byte(&r) % 20;
            jcc_key *k = keys[jf_byte(&r) % SLOTS];
            int mode = jf_byte(&r) % 3;
            size_t ivl = jf_byte(&r) % 20;
            const uint8_t *iv = ivl > 0 ? take(&r, &ivl) : NULL;
            rc = jcc_cipher_new(c, alg, &x);
            JF_CHECK(known_rc(rc));
            if (x == NULL)
                break;
            if (k != NULL) {
                rc = jcc_cipher_init(x, k, mode, iv, ivl);
                JF_CHECK(known_rc(rc));
            }
            for (int i = 0; i < 3; i++) {
                size_t len = jf_byte(&r) % 300;
                const uint8_t *p = take(&r, &len);
                out_prepare(&o, &r);
                if (i < 2)
                    rc = jcc_cipher_update(x, p, len, o.b, o.cap, &n);
                else
                    rc = jcc_cipher_final(x, p, len, o.b, o.cap, &n);
                out_check(&o, rc, n);
            }
            jcc_cipher_free(x);
            break;
        }
        case 6: {
            jcc_sig *s = NULL;
            int alg = jf_byte(&r) % 48;
            jcc_key *k = keys[jf_byte(&r) % SLOTS];
            int mode = jf_byte(&r) % 3;
            size_t ivl = jf_byte(&r) % 20;
            const uint8_t *iv = ivl > 0 ? take(&r, &ivl) : NULL;
            rc = jcc_sig_new(c, alg, &s);
            JF_CHECK(known_rc(rc));
            if (s == NULL)
                break;
            if (k != NULL)
                JF_CHECK(known_rc(jcc_sig_init(s, k, mode, iv, ivl)));
            size_t len = jf_byte(&r) % 200;
            const uint8_t *p = take(&r, &len);
            JF_CHECK(known_rc(jcc_sig_update(s, p, len)));
            JF_CHECK(known_rc(jcc_sig_length(s, &n)));
            out_prepare(&o, &r);
            if (jf_byte(&r) & 1) {
                rc = jcc_sig_sign(s, p, len, o.b, o.cap, &n);
                out_check(&o, rc, n);
            } else {
                bool ok;
                size_t sl = jf_byte(&r) % 300;
                const uint8_t *sig = take(&r, &sl);
                JF_CHECK(known_rc(jcc_sig_verify(s, p, len, sig, sl, &ok)));
            }
            jcc_sig_free(s);
            break;
        }
        case 7: {
            jcc_md *m = NULL;
            rc = jcc_md_new(c, jf_byte(&r) % 9, &m);
            JF_CHECK(known_rc(rc));
            size_t len = jf_byte(&r);
            const uint8_t *p = take(&r, &len);
            out_prepare(&o, &r);
            if (m != NULL) {
                rc = jcc_md_final(m, p, len, o.b, o.cap, &n);
                out_check(&o, rc, n);
                jcc_md_free(m);
            }
            break;
        }
        case 8: {
            jcc_checksum *k = NULL;
            rc = jcc_checksum_new(c, jf_byte(&r) % 4, &k);
            JF_CHECK(known_rc(rc));
            size_t il = jf_byte(&r) % 6, len = jf_byte(&r);
            const uint8_t *ip = take(&r, &il);
            const uint8_t *p = take(&r, &len);
            out_prepare(&o, &r);
            if (k != NULL) {
                JF_CHECK(known_rc(jcc_checksum_init(k, ip, il)));
                rc = jcc_checksum_final(k, p, len, o.b, o.cap, &n);
                out_check(&o, rc, n);
                jcc_checksum_free(k);
            }
            break;
        }
        case 9: {
            jcc_ka *a = NULL;
            rc = jcc_ka_new(c, jf_byte(&r) % 6, &a);
            JF_CHECK(known_rc(rc));
            jcc_key *k = keys[jf_byte(&r) % SLOTS];
            size_t pl = jf_byte(&r) % 140;
            const uint8_t *pt = take(&r, &pl);
            out_prepare(&o, &r);
            if (a != NULL) {
                if (k != NULL)
                    JF_CHECK(known_rc(jcc_ka_init(a, k)));
                rc = jcc_ka_generate(a, pt, pl, o.b, o.cap, &n);
                out_check(&o, rc, n);
                jcc_ka_free(a);
            }
            break;
        }
        }
    }
    for (int i = 0; i < SLOTS; i++)
        jcc_key_free(keys[i]);
    jcc_ctx_free(c);
    return 0;
}
