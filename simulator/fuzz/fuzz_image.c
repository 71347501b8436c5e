/*
 * fuzz_image.c: the card-image loader (jc_image_decode) fed arbitrary bytes.
 *
 * Where it sits: jcopsim, jcop-image and the harness's --image all load an
 * image file through jc_store_open_file -> jc_image_decode before a card
 * exists. A damaged or hand-edited file must be refused whole, never loaded
 * half-way, never crash anything.
 * Oracles: decode never crashes; a refused image leaves the output untouched;
 * an accepted image re-encodes to exactly the input bytes (so nothing outside
 * the checked fields is silently ignored), and a card built from it powers up
 * and answers a few commands without a fault.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_image.h"
#include "jf_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jc_pstate *st = malloc(sizeof *st);
    jc_pstate *before = malloc(sizeof *before);
    JF_CHECK(st != NULL && before != NULL);
    memset(st, 0xA5, sizeof *st);
    memcpy(before, st, sizeof *st);
    int r = jc_image_decode(data, size, st);
    if (r != 0) {
        JF_CHECK(r < 0);
        JF_CHECK(memcmp(st, before, sizeof *st) == 0); /* refused whole */
        free(st);
        free(before);
        return 0;
    }
    size_t n = jc_image_size(st);
    JF_CHECK(size == n);
    uint8_t *again = malloc(n);
    JF_CHECK(again != NULL);
    JF_CHECK(jc_image_encode(st, again, n) == (int)n);
    JF_CHECK(memcmp(again, data, n) == 0);
    free(again);

    jf_rng rng = {.s = 7};
    jc_env env = {.random = jf_random, .random_ctx = &rng};
    jc_card *card = NULL;
    r = jc_card_create(&card, st, &env);
    if (r == 0) {
        uint8_t atr[JC_ATR_MAX];
        static const uint8_t cmds[][5] = {
            {0x00, 0xA4, 0x04, 0x00, 0x00}, /* SELECT ISD by empty AID */
            {0x80, 0xCA, 0x9F, 0x7F, 0x00}, /* GET DATA CPLC */
            {0x80, 0xF2, 0x80, 0x00, 0x00}, /* GET STATUS */
            {0xC0, 0xB0, 0x01, 0x00, 0x10}, /* READ MEMORY */
        };
        uint8_t *rapdu = malloc(JC_RAPDU_MAX);
        JF_CHECK(rapdu != NULL);
        JF_CHECK(jc_card_power_on(card, atr, sizeof atr) >= 0);
        for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
            JF_CHECK(jc_card_process(card, cmds[i], sizeof cmds[i], rapdu, JC_RAPDU_MAX) >= 2);
        JF_CHECK(jc_card_reset(card, atr, sizeof atr) >= 0);
        free(rapdu);
        jc_card_free(card);
    }
    free(st);
    free(before);
    return 0;
}
