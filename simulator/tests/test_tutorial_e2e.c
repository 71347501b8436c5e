/*
 * test_tutorial_e2e.c: the pre-personalization tutorial
 * (shared/seed/jcop-prepersonalization-tutorial.txt), end to end, on the
 * in-process card backed by a FILE store: SELECT KT, BOOT, read the three
 * CM_KEY records, the GPIN length and the GPIN, write new keys 40..4F, set
 * CM_LIFECYCLE to 01, PROTECT, FUSE; then reload the image from disk as after
 * a power loss and check the fused card: the KT no longer selects, IDENTIFY
 * says fused, and the ISD answers with the J2A040 FCI of jcop-facts.md §3.
 */
#include "jc_test_util.h"

#include <unistd.h>

#include "jc_store.h"

#define KEYS "404142434445464748494A4B4C4D4E4F"
/* jcop-facts.md §3, S7: a fresh J2A040's answer to SELECT of the ISD */
#define FCI_J2A040                                                                                 \
    "6F658408A000000003000000A5599F6501FF9F6E06479100783300734A06072A864886FC6B01600C060A2A864886" \
    "FC6B02020101630906072A864886FC6B03640B06092A864886FC6B040215650B06092B8510864864020103660C06" \
    "0A2B060104012A026E0102"

static jc_card *open_card(const char *path, jc_store **store, jc_pstate *st, tu_rng *rng,
                          tu_trace *tr)
{
    assert_int_equal(jc_store_open_file(store, path, st), 0);
    jc_env env = {.random = tu_random,
                  .random_ctx = rng,
                  .trace = tu_trace_cb,
                  .trace_ctx = tr,
                  .commit = jc_store_commit,
                  .commit_ctx = *store};
    jc_card *card = NULL;
    assert_int_equal(jc_card_create(&card, st, &env), 0);
    uint8_t atr[JC_ATR_MAX];
    char hex[2 * JC_ATR_MAX + 1];
    int n = jc_card_power_on(card, atr, sizeof(atr));
    assert_int_equal(n, 18);
    tu_tohex(atr, (size_t)n, hex);
    assert_string_equal(hex, "3BF81300008131FE454A434F5076323431B7");
    return card;
}

static void test_tutorial(void **state)
{
    (void)state;
    char dir[] = "/tmp/jc_e2e.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/card.img", dir);

    /* a new card, as `jcop-image new` makes it */
    jc_pstate st;
    tu_new_state(&st, "J2A040", 2024);
    jc_store *store = NULL;
    assert_int_equal(jc_store_create_file(&store, path, &st), 0);
    jc_store_close(store);

    tu_rng rng = {.s = 5};
    tu_trace tr = {0};
    jc_card *card = open_card(path, &store, &st, &rng, &tr);

    /* 1. select the root applet with the transport key; 2. BOOT */
    TU_EXPECT(card, "00A4040010" TU_KT_HEX, "9000");
    TU_EXPECT(card, "00F00000", "9000");

    /* 3. read the three CM_KEY records, the GPIN length and the GPIN: they are
     *    exactly the image's random values */
    static const uint32_t key_addr[3] = {0xC00305, 0xC00321, 0xC0033D};
    char apdu[128], want[128];
    for (int k = 0; k < 3; k++) {
        snprintf(apdu, sizeof(apdu), "C0B0%04X10", (unsigned)(key_addr[k] & 0xFFFF));
        tu_tohex(st.mem + (key_addr[k] - JC_MEM_BASE), 16, want);
        strcat(want, "9000");
        TU_EXPECT(card, apdu, want);
    }
    TU_EXPECT(card, "C0B0040701", "059000");
    tu_tohex(st.mem + (0xC00412 - JC_MEM_BASE), 5, want);
    strcat(want, "9000");
    TU_EXPECT(card, "C0B0041205", want);

    /* 4. write new keys and CM_LIFECYCLE = 01; each write is durable at once */
    for (int k = 0; k < 3; k++) {
        snprintf(apdu, sizeof(apdu), "C0D6%04X10" KEYS, (unsigned)(key_addr[k] & 0xFFFF));
        TU_EXPECT(card, apdu, "9000");
        assert_int_equal(jc_store_commits(store), (unsigned long)k + 1);
    }
    TU_EXPECT(card,
              "C0D6030101"
              "01",
              "9000");
    for (int k = 0; k < 3; k++) {
        snprintf(apdu, sizeof(apdu), "C0B0%04X10", (unsigned)(key_addr[k] & 0xFFFF));
        TU_EXPECT(card, apdu, KEYS "9000");
    }

    /* 5. PROTECT, 6. FUSE */
    TU_EXPECT(card, "00100000", "9000");
    TU_EXPECT(card,
              "C0D6030501"
              "00",
              "6982");
    TU_EXPECT(card, "00000000", "9000");
    assert_int_equal(jc_store_commits(store), 6);
    assert_int_equal(tr.last_new, JC_CS_OP_READY);
    assert_int_equal(jc_card_state_get(card), JC_CS_OP_READY);

    /* power loss: nothing else is written; reload from disk */
    jc_card_free(card);
    jc_store_close(store);
    jc_pstate st2;
    card = open_card(path, &store, &st2, &rng, &tr);
    assert_true(st2.flags & JC_PF_FUSED);
    assert_true(st2.flags & JC_PF_PROTECTED);
    assert_false(st2.flags & JC_PF_FUSED_UNPROTECTED);
    assert_int_equal(st2.card_lcs, 0x01);
    uint8_t keys[16];
    tu_hex(KEYS, keys, 16);
    assert_int_equal(st2.keysets[0].kvn, 0xFF);
    for (int k = 0; k < 3; k++)
        assert_memory_equal(st2.keysets[0].key[k], keys, 16);

    assert_int_equal(jc_card_state_get(card), JC_CS_OP_READY);
    TU_EXPECT(card, "00A4040010" TU_KT_HEX, "6A82"); /* root applet gone */
    TU_EXPECT(card, "00A4040009A000000167413000FF",  /* IDENTIFY: fused */
              "02210033000000004E5830313143"
              "01"
              "03ED103C"
              "6A82");
    TU_EXPECT(card, "00A4040000", FCI_J2A040 "9000"); /* empty AID */
    TU_EXPECT(card, "00A4040008A000000003000000", FCI_J2A040 "9000");
    TU_EXPECT(card, "00F00000", "6D00");
    TU_EXPECT(card, "00000000", "6D00");
    TU_EXPECT(card, "C0B0030510", "6E00");
    jc_card_free(card);
    jc_store_close(store);

    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tutorial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
