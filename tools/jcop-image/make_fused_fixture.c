/*
 * make_fused_fixture: test helper for test_jcop_image.sh. Runs the tutorial's
 * pre-personalization (SELECT KT, BOOT, keys 40..4F, CM_LIFECYCLE 01, PROTECT,
 * FUSE) on the in-process card over an existing image file, so the CLI test
 * can show and diff a fused image. Not installed.
 * Usage: make_fused_fixture IMAGE KT_HEX
 */
#include <stdio.h>
#include <string.h>

#include "jc_card.h"
#include "jc_hex.h"
#include "jc_store.h"

static int no_random(void *ctx, uint8_t *out, size_t n)
{
    memset(out, 0, n);
    return 0;
}

static int hex(const char *s, uint8_t *out, size_t cap)
{
    return jc_hex_decode(s, out, cap); /* the project's one hex codec */
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make_fused_fixture IMAGE KT_HEX\n");
        return 2;
    }
    static jc_pstate st;
    jc_store *store = NULL;
    if (jc_store_open_file(&store, argv[1], &st) < 0) {
        fprintf(stderr, "make_fused_fixture: cannot open %s\n", argv[1]);
        return 3;
    }
    jc_env env = {.random = no_random, .commit = jc_store_commit, .commit_ctx = store};
    jc_card *card = NULL;
    uint8_t atr[JC_ATR_MAX];
    if (jc_card_create(&card, &st, &env) < 0 || jc_card_power_on(card, atr, sizeof(atr)) < 0)
        return 3;
    char sel[64];
    snprintf(sel, sizeof(sel), "00A4040010%s", argv[2]);
    const char *steps[] = {sel,
                           "00F00000",
                           "C0D6030510404142434445464748494A4B4C4D4E4F",
                           "C0D6032110404142434445464748494A4B4C4D4E4F",
                           "C0D6033D10404142434445464748494A4B4C4D4E4F",
                           "C0D603010101",
                           "00100000",
                           "00000000"};
    static uint8_t c[300], r[JC_RAPDU_MAX];
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        int n = hex(steps[i], c, sizeof(c));
        int m = n < 0 ? -1 : jc_card_process(card, c, (size_t)n, r, sizeof(r));
        if (m < 2 || r[m - 2] != 0x90 || r[m - 1] != 0x00) {
            fprintf(stderr, "make_fused_fixture: step %zu (%s) failed\n", i, steps[i]);
            return 1;
        }
    }
    jc_card_free(card);
    jc_store_close(store);
    return 0;
}
