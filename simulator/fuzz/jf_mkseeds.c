/*
 * jf_mkseeds.c: writes the image seeds of corpus/image/ (run by hand after an
 * image-format change; not part of any test): a new unfused card of each
 * profile, a card fused in-process, a truncated image, and a fused image whose
 * fuse flag was cleared by hand (digest left as it was: the integrity check
 * must refuse it).
 *
 * usage: jf_mkseeds OUTDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_image.h"
#include "jc_profile.h"
#include "jf_fuzz.h"

static void jf_write(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    JF_CHECK(f != NULL);
    JF_CHECK(fwrite(b, 1, n, f) == n);
    JF_CHECK(fclose(f) == 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: jf_mkseeds OUTDIR\n");
        return 2;
    }
    size_t n = jc_image_encoded_size();
    uint8_t *img = malloc(n);
    jc_pstate *st = malloc(sizeof *st);
    JF_CHECK(img && st);
    jf_rng rng = {.s = 42};
    uint8_t kt[JC_KT_LEN];
    JF_CHECK(jc_hex_decode("404142434445464748494A4B4C4D4E4F", kt, sizeof kt) == JC_KT_LEN);
    for (size_t i = 0; jc_profile_at(i) != NULL; i++) {
        char name[64];
        JF_CHECK(jc_pstate_init(st, jc_profile_at(i)->name, kt, jf_random, &rng) == 0);
        JF_CHECK(jc_image_encode(st, img, n) == (int)n);
        snprintf(name, sizeof name, "unfused-%s.img", jc_profile_at(i)->name);
        jf_write(argv[1], name, img, n);
    }
    JF_CHECK(jc_pstate_init(st, jc_profile_default()->name, kt, jf_random, &rng) == 0);
    jc_env env = {.random = jf_random, .random_ctx = &rng};
    jc_card *card = NULL;
    JF_CHECK(jc_card_create(&card, st, &env) == 0);
    uint8_t atr[JC_ATR_MAX], r[300];
    JF_CHECK(jc_card_power_on(card, atr, sizeof atr) > 0);
    uint8_t sel[5 + JC_KT_LEN] = {0x00, 0xA4, 0x04, 0x00, JC_KT_LEN};
    memcpy(sel + 5, kt, JC_KT_LEN);
    static const uint8_t boot[] = {0x00, 0xF0, 0x00, 0x00}, prot[] = {0x00, 0x10, 0x00, 0x00},
                         fuse[] = {0x00, 0x00, 0x00, 0x00};
    JF_CHECK(jc_card_process(card, sel, sizeof sel, r, sizeof r) == 2);
    JF_CHECK(jc_card_process(card, boot, sizeof boot, r, sizeof r) == 2);
    JF_CHECK(jc_card_process(card, prot, sizeof prot, r, sizeof r) == 2);
    JF_CHECK(jc_card_process(card, fuse, sizeof fuse, r, sizeof r) == 2 && r[0] == 0x90);
    JF_CHECK(jc_image_encode(jc_card_pstate(card), img, n) == (int)n);
    jf_write(argv[1], "fused.img", img, n);
    jf_write(argv[1], "truncated.img", img, 200);
    img[8 + 2 + JC_PROFILE_NAME_MAX + JC_KT_LEN] &= (uint8_t)~JC_PF_FUSED; /* flags byte */
    jf_write(argv[1], "fuse-flag-cleared.img", img, n);
    jf_write(argv[1], "not-an-image.img", (const uint8_t *)"JCOPSIMG\0\1hello", 15);
    jc_card_free(card);
    free(st);
    free(img);
    return 0;
}
