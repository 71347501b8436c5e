/*
 * fuzz_apdu.c: the card core's APDU engine fed whole sessions.
 *
 * Where it sits: this is what the jcopsim daemon and the harness's in-process
 * reader do with a card (power on, APDUs, resets, power cycles, a restart from
 * the stored image), driven by fuzzer bytes instead of vpcd. The card is
 * either a new unfused card or a card fused in-process first (so the
 * GlobalPlatform layer is reached), and a host-side SCP02 session can be opened
 * with the card's real keys so wrapped commands get past the C-MAC.
 *
 * Input: byte 0 chooses the card (bit 0 fused, bit 1 the second profile);
 * then a sequence of operations, one op byte each (low nibble):
 *   0 APDU: length byte L, then L bytes      1 APDU: 2-byte length, then bytes
 *   2 warm reset    3 power off + cold power on    4 power off
 *   5 SELECT KT + BOOT    6 SELECT the ISD (empty AID)
 *   7 open SCP02: level byte (00/01/03 by value % 3)   8 wrapped APDU: L, bytes
 *   9 restart from the committed image (encode, decode, new card, power on)
 *   10 the same restart in a used heap: freed blocks of the card's size,
 *      filled with A5, are what the new card's allocation reuses (a
 *      long-running host creates cards after other work)
 *   other: APDU of (op >> 4) bytes
 * Oracles (abort = a finding): every answer is >= 2 bytes with a plausible SW1,
 * or "not powered" on an unpowered card; every commit is an image that decodes
 * and re-encodes to the same bytes; a fused image never becomes unfused; the
 * transport key never changes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_card_int.h" /* sizeof(struct jc_card), for the used-heap restart */
#include "jc_image.h"
#include "jc_profile.h"
#include "jc_scp02.h"
#include "jf_fuzz.h"

typedef struct {
    uint8_t *img;         /* last committed image bytes */
    uint8_t *img2;        /* the same state decoded and encoded again */
    size_t img_len;
    uint8_t kt[JC_KT_LEN];
    bool was_fused;
    jc_pstate *scratch;   /* decode target of the commit oracle */
} jf_apdu_commit;

static int jf_apdu_commit_cb(void *ctx, const jc_pstate *st)
{
    jf_apdu_commit *cc = ctx;
    int n = jc_image_encode(st, cc->img, cc->img_len);
    JF_CHECK(n == (int)jc_image_size(st));
    JF_CHECK(jc_image_decode(cc->img, (size_t)n, cc->scratch) == 0);
    JF_CHECK(jc_image_encode(cc->scratch, cc->img2, cc->img_len) == n);
    JF_CHECK(memcmp(cc->img, cc->img2, (size_t)n) == 0);
    JF_CHECK(memcmp(st->kt, cc->kt, JC_KT_LEN) == 0);
    if (cc->was_fused)
        JF_CHECK((st->flags & JC_PF_FUSED) != 0); /* irreversible */
    if (st->flags & JC_PF_FUSED)
        cc->was_fused = true;
    return 0;
}

typedef struct {
    jc_card *card;
    jc_env env;
    jc_pstate *st;
    jf_apdu_commit commit;
    jf_rng rng;
    jc_crypto *crypto;
    jc_scp02 host;
    bool host_open;
    uint8_t rapdu[JC_RAPDU_MAX];
    uint8_t wrapped[300];
    bool verbose; /* JF_TRACE set: print each exchange (checking what a seed reaches) */
} jf_apdu;

static int jf_apdu_send(jf_apdu *f, const uint8_t *capdu, size_t len)
{
    int r = jc_card_process(f->card, capdu, len, f->rapdu, sizeof f->rapdu);
    if (!jc_card_powered(f->card)) {
        JF_CHECK(r == JC_ERR_NOT_POWERED);
        return r;
    }
    JF_CHECK(r >= 2 && (size_t)r <= sizeof f->rapdu);
    if (f->verbose) {
        fprintf(stderr, "  => ");
        for (size_t i = 0; i < len && i < 40; i++)
            fprintf(stderr, "%02X", capdu[i]);
        fprintf(stderr, "%s  <= %02X%02X (%d bytes)\n", len > 40 ? "..." : "", f->rapdu[r - 2],
                f->rapdu[r - 1], r);
    }
    uint8_t sw1 = f->rapdu[r - 2];
    JF_CHECK((sw1 >= 0x60 && sw1 <= 0x6F) || (sw1 >= 0x90 && sw1 <= 0x9F));
    return r;
}

static void jf_apdu_send_hex(jf_apdu *f, const char *hex)
{
    uint8_t b[64];
    int n = jc_hex_decode(hex, b, sizeof b);
    JF_CHECK(n > 0);
    jf_apdu_send(f, b, (size_t)n);
}

static void jf_apdu_select_kt_boot(jf_apdu *f)
{
    uint8_t b[5 + JC_KT_LEN] = {0x00, 0xA4, 0x04, 0x00, JC_KT_LEN};
    memcpy(b + 5, f->st->kt, JC_KT_LEN);
    jf_apdu_send(f, b, sizeof b);
    jf_apdu_send_hex(f, "00F00000");
}

/* A new card of the chosen profile; fused in-process when asked. */
static void jf_apdu_setup(jf_apdu *f, uint8_t flags)
{
    const char *profile = jc_profile_default()->name;
    if ((flags & 2u) && jc_profile_at(1) != NULL)
        profile = jc_profile_at(1)->name;
    uint8_t kt[JC_KT_LEN];
    JF_CHECK(jc_hex_decode("404142434445464748494A4B4C4D4E4F", kt, sizeof kt) == JC_KT_LEN);
    JF_CHECK(jc_pstate_init(f->st, profile, kt, jf_random, &f->rng) == 0);
    memcpy(f->commit.kt, kt, JC_KT_LEN);
    f->env = (jc_env){.random = jf_random, .random_ctx = &f->rng, .commit = jf_apdu_commit_cb,
                      .commit_ctx = &f->commit};
    JF_CHECK(jc_card_create(&f->card, f->st, &f->env) == 0);
    uint8_t atr[JC_ATR_MAX];
    JF_CHECK(jc_card_power_on(f->card, atr, sizeof atr) > 0);
    if (flags & 1u) {
        jf_apdu_select_kt_boot(f);
        jf_apdu_send_hex(f, "00000000"); /* FUSE */
        JF_CHECK(jc_card_pstate(f->card)->flags & JC_PF_FUSED);
        jc_card_power_off(f->card);
        JF_CHECK(jc_card_power_on(f->card, atr, sizeof atr) > 0);
    }
}

/* Open a host SCP02 session with the card's first key set. */
static void jf_apdu_open_sc(jf_apdu *f, uint8_t level)
{
    const jc_pstate *st = jc_card_pstate(f->card);
    f->host_open = false;
    if (!(st->flags & JC_PF_FUSED) || !jc_card_powered(f->card))
        return;
    jc_scp02_keys keys;
    memcpy(keys.enc, st->keysets[0].key[0], JC_KEY_LEN);
    memcpy(keys.mac, st->keysets[0].key[1], JC_KEY_LEN);
    memcpy(keys.dek, st->keysets[0].key[2], JC_KEY_LEN);
    static const uint8_t host_chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t apdu[32];
    int n = jc_scp02_host_init_update(&f->host, 0x00, host_chal, apdu, sizeof apdu);
    JF_CHECK(n > 0);
    int r = jf_apdu_send(f, apdu, (size_t)n);
    if (r != 30 || f->rapdu[28] != 0x90)
        return;
    if (jc_scp02_host_check_card(&f->host, f->crypto, &keys, f->rapdu, 28) != 0)
        return;
    n = jc_scp02_host_ext_auth(&f->host, f->crypto, level, false, apdu, sizeof apdu);
    JF_CHECK(n > 0);
    r = jf_apdu_send(f, apdu, (size_t)n);
    f->host_open = r == 2 && f->rapdu[0] == 0x90 && f->rapdu[1] == 0x00;
}

/* Restart from the committed image, as jcopsim does after a crash; with
 * dirty_heap, the card's allocation most likely reuses memory of its size
 * that held other data (glibc reuses freed blocks). */
static void jf_apdu_restart(jf_apdu *f, bool dirty_heap)
{
    int n = jc_image_encode(jc_card_pstate(f->card), f->commit.img, f->commit.img_len);
    JF_CHECK(n > 0);
    jc_card_free(f->card);
    f->card = NULL;
    JF_CHECK(jc_image_decode(f->commit.img, (size_t)n, f->st) == 0);
    if (dirty_heap) {
        void *used[4];
        for (int i = 0; i < 4; i++) {
            used[i] = malloc(sizeof(struct jc_card));
            JF_CHECK(used[i] != NULL);
            memset(used[i], 0xA5, sizeof(struct jc_card));
        }
        for (int i = 0; i < 4; i++)
            free(used[i]);
    }
    JF_CHECK(jc_card_create(&f->card, f->st, &f->env) == 0);
    uint8_t atr[JC_ATR_MAX];
    JF_CHECK(jc_card_power_on(f->card, atr, sizeof atr) > 0);
    f->host_open = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    jf_apdu *f = calloc(1, sizeof *f);
    JF_CHECK(f != NULL);
    f->st = calloc(1, sizeof *f->st);
    f->commit.scratch = calloc(1, sizeof *f->commit.scratch);
    f->commit.img_len = jc_image_encoded_size() + 512; /* room for the ISD data section */
    f->commit.img = malloc(f->commit.img_len);
    f->commit.img2 = malloc(f->commit.img_len);
    JF_CHECK(f->st && f->commit.scratch && f->commit.img && f->commit.img2);
    JF_CHECK(jc_crypto_create(&f->crypto) == 0);
    f->rng.s = 0x9E3779B97F4A7C15ull;
    f->verbose = getenv("JF_TRACE") != NULL;
    jf_apdu_setup(f, data[0]);

    jf_reader in = {.p = data + 1, .n = size - 1};
    uint8_t atr[JC_ATR_MAX];
    unsigned ops = 0;
    while (in.n > 0 && ops++ < 4096) {
        uint8_t op = jf_byte(&in);
        size_t len;
        const uint8_t *p;
        switch (op & 0x0Fu) {
        case 0:
            len = jf_byte(&in);
            p = jf_take(&in, &len);
            jf_apdu_send(f, p, len);
            break;
        case 1:
            len = (size_t)jf_byte(&in) << 8;
            len |= jf_byte(&in);
            p = jf_take(&in, &len);
            jf_apdu_send(f, p, len);
            break;
        case 2:
            if (jc_card_powered(f->card))
                JF_CHECK(jc_card_reset(f->card, atr, sizeof atr) > 0);
            f->host_open = false;
            break;
        case 3:
            jc_card_power_off(f->card);
            JF_CHECK(jc_card_power_on(f->card, atr, sizeof atr) > 0);
            f->host_open = false;
            break;
        case 4:
            jc_card_power_off(f->card);
            JF_CHECK(!jc_card_powered(f->card));
            f->host_open = false;
            break;
        case 5:
            jf_apdu_select_kt_boot(f);
            break;
        case 6:
            jf_apdu_send_hex(f, "00A4040000");
            break;
        case 7:
            jf_apdu_open_sc(f, (uint8_t[]){0x00, 0x01, 0x03}[jf_byte(&in) % 3]);
            break;
        case 8: {
            len = jf_byte(&in);
            p = jf_take(&in, &len);
            if (f->host_open) {
                int w = jc_scp02_host_wrap(&f->host, f->crypto, p, len, f->wrapped, sizeof f->wrapped);
                if (w > 0) {
                    jf_apdu_send(f, f->wrapped, (size_t)w);
                    break;
                }
            }
            jf_apdu_send(f, p, len);
            break;
        }
        case 9:
            jf_apdu_restart(f, false);
            break;
        case 10:
            jf_apdu_restart(f, true);
            break;
        default:
            len = op >> 4;
            p = jf_take(&in, &len);
            jf_apdu_send(f, p, len);
            break;
        }
    }

    /* Freed while powered: jc_card_free must release the GP volatile state
     * (crypto contexts, LOAD buffer) itself; LeakSanitizer checks it. */
    jc_card_free(f->card);
    jc_crypto_free(f->crypto);
    free(f->commit.img);
    free(f->commit.img2);
    free(f->commit.scratch);
    free(f->st);
    free(f);
    return 0;
}
