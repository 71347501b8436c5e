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

#include "jc_gp_profile.h"

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
        jc_card_power_off(f->card); /* frees the GP volatile state (crypto context) */
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

static void test_auth_failures(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    /* management without a secure channel */
    GT_EXPECT(f, "80F28000024F0000", "6982");
    GT_EXPECT(f, "84F28000024F0000", "6982");
    /* EXTERNAL AUTHENTICATE without INITIALIZE UPDATE */
    GT_EXPECT(f, "84820100107C799B3C771DBAE6BEF49310977617BA", "6985");
    /* INITIALIZE UPDATE: unknown KVN, bad P2, bad Lc, extended form */
    GT_EXPECT(f, "8050010008D5AD539A60CA5E7200", "6A88");
    GT_EXPECT(f, "8050000108D5AD539A60CA5E7200", "6A86");
    GT_EXPECT(f, "8050000007D5AD539A60CA5E00", "6700");
    GT_EXPECT(f, "805000000000080102030405060708", "6700");
    /* wrong static keys: the card's cryptogram does not verify on the host,
     * and a forged EXTERNAL AUTHENTICATE gets 6300 without moving the counter */
    f->keys.mac[0] ^= 0xF0; /* not the parity bit: DES ignores it */
    f->keys.enc[0] ^= 0xF0;
    assert_int_equal(gt_auth(f, 0, 1), 0xFFFF);
    uint8_t c[32], r[64];
    uint16_t sw;
    /* the host session is INITIATED with wrong keys: build EXT AUTH anyway */
    int n = jc_scp02_host_ext_auth(&f->host, f->crypto, 1, true, c, sizeof(c));
    assert_true(n < 0); /* the host refuses: its check of the card cryptogram failed */
    jc_scp02 forged = {0};
    uint8_t hc[8] = {0};
    uint8_t iu[14];
    jc_scp02_host_init_update(&forged, 0, hc, iu, sizeof(iu));
    int rn = gt_xfer(f, iu, sizeof(iu), r, sizeof(r), &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(rn, 30);
    /* pretend the card cryptogram verified: derive with the wrong keys */
    forged.phase = JC_SCP02_INITIATED;
    forged.counter = (uint16_t)(r[12] << 8 | r[13]);
    memcpy(forged.card_chal, r + 14, 6);
    jc_scp02_derive(f->crypto, f->keys.enc, JC_SCP02_CONST_ENC, forged.counter, forged.s_enc);
    jc_scp02_derive(f->crypto, f->keys.mac, JC_SCP02_CONST_CMAC, forged.counter, forged.c_mac);
    n = jc_scp02_host_ext_auth(&forged, f->crypto, 1, true, c, sizeof(c));
    assert_int_equal(n, 22);
    gt_xfer(f, c, (size_t)n, r, sizeof(r), &sw);
    assert_int_equal(sw, 0x6300);
    assert_int_equal(jc_card_pstate(f->card)->keysets[0].counter, 0);
    /* the session was reset: EXTERNAL AUTHENTICATE again is out of order */
    gt_xfer(f, c, (size_t)n, r, sizeof(r), &sw);
    assert_int_equal(sw, 0x6985);
    /* right MAC key, wrong ENC key: the C-MAC verifies (the counter goes up),
     * the host cryptogram does not: 6300 */
    tu_hex(GT_KEYS, f->keys.mac, 16);
    jc_scp02_host_init_update(&forged, 0, hc, iu, sizeof(iu));
    gt_xfer(f, iu, sizeof(iu), r, sizeof(r), &sw);
    forged.phase = JC_SCP02_INITIATED;
    forged.counter = (uint16_t)(r[12] << 8 | r[13]);
    memcpy(forged.card_chal, r + 14, 6);
    jc_scp02_derive(f->crypto, f->keys.enc, JC_SCP02_CONST_ENC, forged.counter, forged.s_enc);
    jc_scp02_derive(f->crypto, f->keys.mac, JC_SCP02_CONST_CMAC, forged.counter, forged.c_mac);
    n = jc_scp02_host_ext_auth(&forged, f->crypto, 1, false, c, sizeof(c));
    gt_xfer(f, c, (size_t)n, r, sizeof(r), &sw);
    assert_int_equal(sw, 0x6300);
    assert_int_equal(jc_card_pstate(f->card)->keysets[0].counter, 1);
    GT_EXPECT(f, "80F28000024F0000", "6982");
    gt_free(f);
}

static void test_session_rules(void **state)
{
    (void)state;
    for (uint8_t level = 1; level <= 3; level += 2) {
        gt_fix *f = gt_new("J2A040");
        uint8_t c[64], w[64], r[300];
        uint16_t sw;
        /* a flipped MAC bit: 6982 and the session is closed */
        assert_int_equal(gt_auth(f, 0, level), 0x9000);
        int n = tu_hex("80F28000024F0000", c, sizeof(c));
        n = jc_scp02_host_wrap(&f->host, f->crypto, c, (size_t)n, w, sizeof(w));
        w[n - 2] ^= 0x80;
        gt_xfer(f, w, (size_t)n, r, sizeof(r), &sw);
        assert_int_equal(sw, 0x6982);
        jc_scp02_reset(&f->host);
        GT_EXPECT(f, "80F28000024F0000", "6982");
        /* an unprotected management command inside the session: 6982, closed */
        assert_int_equal(gt_auth(f, 0, level), 0x9000);
        GT_EXPECT(f, "80F28000024F0000", "08A000000003000000019E9000");
        jc_scp02 saved = f->host;
        jc_scp02_reset(&f->host);
        GT_EXPECT(f, "80F28000024F0000", "6982");
        f->host = saved;
        GT_EXPECT(f, "80F28000024F0000", "6982"); /* the session is gone on the card */
        /* unknown INS inside a session: 6D00 and the session goes on */
        assert_int_equal(gt_auth(f, 0, level), 0x9000);
        saved = f->host;
        jc_scp02_reset(&f->host);
        GT_EXPECT(f, "80FF000000", "6D00");
        GT_EXPECT(f, "00F00000", "6D00");
        f->host = saved;
        GT_EXPECT(f, "80F28000024F0000", "08A000000003000000019E9000");
        /* SELECT ends the session */
        jc_scp02_reset(&f->host);
        GT_EXPECT(f, "00A4040000", FCI_J2A040 "9000");
        f->host = saved;
        GT_EXPECT(f, "80F28000024F0000", "6982");
        /* a failed SELECT too, and the ISD stays selected */
        assert_int_equal(gt_auth(f, 0, level), 0x9000);
        saved = f->host;
        jc_scp02_reset(&f->host);
        GT_EXPECT(f, "00A4040005A000000099", "6A82");
        GT_EXPECT(f, "80CA00C100", "C10200049000");
        f->host = saved;
        GT_EXPECT(f, "80F28000024F0000", "6982");
        /* a new INITIALIZE UPDATE ends the open session */
        assert_int_equal(gt_auth(f, 0, level), 0x9000);
        saved = f->host;
        jc_scp02_reset(&f->host);
        assert_int_equal(gt_send(f, "80500000080102030405060708", NULL, 0), 0x9000);
        f->host = saved;
        GT_EXPECT(f, "80F28000024F0000", "6982");
        /* a power cycle ends it */
        assert_int_equal(gt_auth(f, 0, level), 0x9000);
        uint8_t atr[JC_ATR_MAX];
        jc_card_power_off(f->card);
        assert_true(jc_card_power_on(f->card, atr, sizeof(atr)) > 0);
        GT_EXPECT(f, "80F28000024F0000", "6982");
        /* EXT AUTH with Le and with CLA 80 (no C-MAC): 6300 */
        jc_scp02_reset(&f->host);
        static const uint8_t hc[8] = {9, 9, 9, 9, 9, 9, 9, 9};
        n = jc_scp02_host_init_update(&f->host, 0, hc, c, sizeof(c));
        gt_xfer(f, c, (size_t)n, r, sizeof(r), &sw);
        assert_int_equal(jc_scp02_host_check_card(&f->host, f->crypto, &f->keys, r, 28), 0);
        n = jc_scp02_host_ext_auth(&f->host, f->crypto, level, true, c, sizeof(c));
        c[0] = 0x80;
        gt_xfer(f, c, (size_t)n, r, sizeof(r), &sw);
        assert_int_equal(sw, 0x6300);
        gt_free(f);
    }
}

/* ------------------------------------------------------------ SELECT */

static void test_select(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    GT_EXPECT(f, "00A4040000", FCI_J2A040 "9000");
    GT_EXPECT(f, "00A40400", FCI_J2A040 "9000");
    GT_EXPECT(f, "00A4040008A00000000300000000", FCI_J2A040 "9000");
    GT_EXPECT(f, "00A4040007A000000003000000", FCI_J2A040 "9000"); /* partial AID */
    GT_EXPECT(f, "00A4040008A00000000300000100", "6A82");
    /* IDENTIFY still answers after FUSE, byte 14 = 01; it ends nothing else */
    GT_EXPECT(f, "00A4040009A000000167413000FF00", "02210033000000004E58303131430103ED103C6A82");
    GT_EXPECT(f, "00A4000000", "6A82");
    GT_EXPECT(f, "80A4040000", "6E00");
    GT_EXPECT(f, "01A4040000", "6881");
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

/* ------------------------------------------------------------ life cycle */

/* PUT KEY of one 3-key set, every key = key, encrypted with the host's session DEK. */
static void put_key_hex(gt_fix *f, uint8_t p1, uint8_t p2, uint8_t new_kvn, const char *key,
                        const char *kcv, char *out)
{
    uint8_t k[16], e[16];
    tu_hex(key, k, 16);
    assert_int_equal(jc_scp02_host_dek_encrypt(&f->host, f->crypto, k, e), 0);
    char eh[33];
    tu_tohex(e, 16, eh);
    sprintf(out, "80D8%02X%02X43%02X", p1, p2, new_kvn);
    for (int i = 0; i < 3; i++)
        sprintf(out + strlen(out), "8010%s03%s", eh, kcv);
    strcat(out, "00");
}

/* Move a fresh card to card life cycle lcs (01, 07, 0F, 7F, FF) with SET STATUS. */
static void to_state(gt_fix *f, uint8_t lcs)
{
    static const uint8_t path[] = {0x07, 0x0F, 0x7F};
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    if (lcs == 0xFF) {
        GT_EXPECT(f, "80F080FF", "9000");
        jc_scp02_reset(&f->host);
        return;
    }
    for (size_t i = 0; i < 3 && lcs != 0x01; i++) {
        char cmd[16];
        sprintf(cmd, "80F080%02X", path[i]);
        GT_EXPECT(f, cmd, "9000");
        if (path[i] == lcs)
            break;
    }
}

static void test_set_status_matrix(void **state)
{
    (void)state;
    static const uint8_t states[] = {0x01, 0x07, 0x0F, 0x7F, 0xFF};
    static const uint8_t targets[] = {0x01, 0x03, 0x07, 0x0F, 0x7F, 0x80, 0xFF};
    /* GP 2.1.1 §5.1: allowed[from][to] */
    for (size_t i = 0; i < 4; i++) {
        for (size_t t = 0; t < sizeof(targets); t++) {
            gt_fix *f = gt_new("J2A040");
            to_state(f, states[i]);
            uint8_t from = states[i], to = targets[t];
            bool ok = (to == 0xFF) || (from == 0x01 && to == 0x07) || (from == 0x07 && to == 0x0F) ||
                      (from == 0x0F && to == 0x7F) || (from == 0x7F && to == 0x0F);
            char cmd[16];
            sprintf(cmd, "80F080%02X", to);
            GT_SW(f, cmd, ok ? 0x9000 : 0x6985);
            uint8_t now = ok ? to : from;
            assert_int_equal(jc_card_pstate(f->card)->card_lcs, now);
            if (now != 0xFF) {
                char want[64];
                sprintf(want, "08A000000003000000%02X9E9000", now);
                GT_EXPECT(f, "80F28000024F0000", want);
            }
            gt_free(f);
        }
    }
    /* TERMINATED is final: SET STATUS refused with 6985 like everything but GET DATA */
    gt_fix *f = gt_new("J2A040");
    to_state(f, 0xFF);
    GT_EXPECT(f, "80F0800F", "6985");
    GT_EXPECT(f, "80500000080102030405060708", "6985");
    gt_free(f);
}

/* Per-state command table (gp211-reference §1.3): SW of each command, session open
 * (none in TERMINATED, where INITIALIZE UPDATE is refused). */
static void test_state_table(void **state)
{
    (void)state;
    static const uint8_t states[] = {0x01, 0x07, 0x0F, 0x7F, 0xFF};
    static const struct {
        const char *what;
        const char *capdu; /* NULL: PUT KEY built per session */
        uint16_t sw[5];
    } rows[] = {
        {"GET DATA 66", "80CA006600", {0x9000, 0x9000, 0x9000, 0x9000, 0x9000}},
        {"GET DATA CPLC, CLA 00", "00CA9F7F00", {0x9000, 0x9000, 0x9000, 0x9000, 0x9000}},
        {"GET STATUS ISD", "80F28000024F0000", {0x9000, 0x9000, 0x9000, 0x9000, 0x6985}},
        {"GET STATUS ELF", "80F22000024F0000", {0x9000, 0x9000, 0x9000, 0x9000, 0x6985}},
        {"INSTALL [for load]", "80E602001508F06A636F7073696D08A00000000300000000000000",
         {0x9000, 0x9000, 0x9000, 0x6985, 0x6985}},
        {"DELETE absent", "80E40000074F05F0000000FF00", {0x6A88, 0x6A88, 0x6A88, 0x6985, 0x6985}},
        {"PUT KEY add", NULL, {0x9000, 0x9000, 0x9000, 0x6985, 0x6985}},
        {"unknown INS", "80FF000000", {0x6D00, 0x6D00, 0x6D00, 0x6D00, 0x6D00}},
        {"BOOT after FUSE", "00F00000", {0x6D00, 0x6D00, 0x6D00, 0x6D00, 0x6D00}},
    };
    for (size_t s = 0; s < 5; s++) {
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
            gt_fix *f = gt_new("J2A040");
            to_state(f, states[s]);
            if (states[s] != 0xFF) {
                jc_scp02_reset(&f->host);
                assert_int_equal(gt_auth(f, 0, 1), 0x9000);
            }
            char cmd[300];
            if (rows[i].capdu == NULL)
                put_key_hex(f, 0x00, 0x81, 0x01, GT_KEYS, "8BAF47", cmd);
            else
                strcpy(cmd, rows[i].capdu);
            uint16_t sw = gt_send(f, cmd, NULL, 0);
            if (sw != rows[i].sw[s])
                print_error("%s in %02X: %04X, expected %04X\n", rows[i].what, states[s], sw,
                            rows[i].sw[s]);
            assert_int_equal(sw, rows[i].sw[s]);
            gt_free(f);
        }
    }
}

static void test_card_locked_select(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    to_state(f, 0x7F);
    jc_scp02_reset(&f->host);
    GT_EXPECT(f, "00A4040000", FCI_J2A040 "6283");
    GT_EXPECT(f, "00A4040008A000000003000000", FCI_J2A040 "6283");
    /* back to SECURED, then SELECT answers 9000 again */
    assert_int_equal(gt_auth(f, 0, 3), 0x9000);
    GT_EXPECT(f, "80F0800F", "9000");
    jc_scp02_reset(&f->host);
    GT_EXPECT(f, "00A4040000", FCI_J2A040 "9000");
    /* the state survives a power cycle (it is persistent) */
    uint8_t atr[JC_ATR_MAX];
    jc_card_power_off(f->card);
    assert_true(jc_card_power_on(f->card, atr, sizeof(atr)) > 0);
    assert_int_equal(jc_card_state_get(f->card), JC_CS_SECURED);
    gt_free(f);
}

/* ------------------------------------------------------------ PUT KEY */

static void test_put_key(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    char cmd[300];
    assert_int_equal(gt_auth(f, 0, 3), 0x9000);
    /* wrong KCV: 9485, nothing changes */
    put_key_hex(f, 0x00, 0x81, 0x01, GT_KEYS, "8BAF48", cmd);
    GT_EXPECT(f, cmd, "9485");
    assert_int_equal(gt_auth(f, 0, 3), 0x9000);
    GT_EXPECT(f, "80CA00E000", "E012C00401FF8010C00402FF8010C00403FF80109000");
    /* key type 81 (not DES): 9484; truncated block: 6A80; KVN 80: 6A80; unknown P1 KVN: 6A88 */
    put_key_hex(f, 0x00, 0x81, 0x01, GT_KEYS, "8BAF47", cmd);
    char bad[300];
    strcpy(bad, cmd);
    bad[12] = '8'; bad[13] = '1'; /* first key type */
    GT_EXPECT(f, bad, "9484");
    assert_int_equal(gt_auth(f, 0, 3), 0x9000);
    put_key_hex(f, 0x00, 0x81, 0x01, GT_KEYS, "8BAF47", cmd);
    strcpy(bad, cmd);
    bad[8] = '4'; bad[9] = '0'; /* Lc 40: the last KCV is cut */
    bad[strlen(bad) - 8] = '\0';
    strcat(bad, "00");
    GT_EXPECT(f, bad, "6A80");
    assert_int_equal(gt_auth(f, 0, 3), 0x9000);
    put_key_hex(f, 0x00, 0x81, 0x80, GT_KEYS, "8BAF47", cmd);
    GT_EXPECT(f, cmd, "6A80");
    assert_int_equal(gt_auth(f, 0, 3), 0x9000);
    put_key_hex(f, 0x05, 0x81, 0x01, GT_KEYS, "8BAF47", cmd);
    GT_EXPECT(f, cmd, "6A88");
    /* add KVN 01: answer KVN + three KCVs; the factory FF set is replaced */
    assert_int_equal(gt_auth(f, 0, 3), 0x9000);
    put_key_hex(f, 0x00, 0x81, 0x01, GT_KEYS, "8BAF47", cmd);
    GT_EXPECT(f, cmd, "018BAF478BAF478BAF479000");
    GT_EXPECT(f, "80CA00E000", "E012C00401018010C00402018010C00403018010" "9000");
    GT_EXPECT(f, "80CA00C100", "C10200009000"); /* counter reset with the new keys */
    /* adding KVN 01 again: 6A80 */
    put_key_hex(f, 0x00, 0x81, 0x01, GT_KEYS, "8BAF47", cmd);
    GT_EXPECT(f, cmd, "6A80");
    jc_scp02_reset(&f->host);
    assert_int_equal(gt_auth(f, 0xFF, 1), 0x6A88);
    assert_int_equal(gt_auth(f, 0x01, 1), 0x9000);
    /* a second set KVN 02, then replace KVN 02 by KVN 03 */
    put_key_hex(f, 0x00, 0x81, 0x02, GT_KEYS, "8BAF47", cmd);
    GT_EXPECT(f, cmd, "028BAF478BAF478BAF479000");
    put_key_hex(f, 0x02, 0x81, 0x03, GT_KEYS, "8BAF47", cmd);
    GT_EXPECT(f, cmd, "038BAF478BAF478BAF479000");
    GT_EXPECT(f, "80CA00E000",
              "E024C00401018010C00402018010C00403018010C00401038010C00402038010C00403038010" "9000");
    assert_int_equal(gt_auth(f, 0x03, 1), 0x9000);
    assert_int_equal(gt_auth(f, 0x00, 1), 0x9000); /* KVN 00: the first set, 01 */
    assert_int_equal(f->host.kvn, 0x01);
    gt_free(f);
}

/* One key (40..4F, KCV 8BAF47) in a PUT KEY: P1 (b8 = more follow), P2 = its key id. */
static void put_key1_hex(gt_fix *f, uint8_t p1, uint8_t p2, uint8_t new_kvn, char *out)
{
    uint8_t k[16], e[16];
    tu_hex(GT_KEYS, k, 16);
    assert_int_equal(jc_scp02_host_dek_encrypt(&f->host, f->crypto, k, e), 0);
    char eh[33];
    tu_tohex(e, 16, eh);
    sprintf(out, "80D8%02X%02X17%02X8010%s038BAF4700", p1, p2, new_kvn, eh);
}

/* DELETE [key] (GP 2.1.1 §9.2, Table 9-14) with the registry's rules, and
 * PUT KEY chains (P1 b8, Table 9-47) applied at their last command. */
static void test_delete_key_and_chain(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    char cmd[300];
    assert_int_equal(gt_auth(f, 0, 3), 0x9000);
    GT_EXPECT(f, "80E4000003D201FF00", "6985"); /* the card's only key set */
    put_key_hex(f, 0x00, 0x81, 0x01, GT_KEYS, "8BAF47", cmd); /* replaces FF */
    GT_EXPECT(f, cmd, "018BAF478BAF478BAF479000");
    put_key_hex(f, 0x00, 0x81, 0x02, GT_KEYS, "8BAF47", cmd);
    GT_EXPECT(f, cmd, "028BAF478BAF478BAF479000");
    assert_int_equal(gt_auth(f, 0x01, 3), 0x9000);
    GT_EXPECT(f, "80E4000003D2010100", "6985");             /* the session's set */
    GT_EXPECT(f, "80E4000003D2010500", "6A88");             /* no such version */
    GT_EXPECT(f, "80E4000006D00101D2010200", "6985");       /* one key of a set */
    GT_EXPECT(f, "80E4000003D0010400", "6A88");             /* no such key id */
    GT_EXPECT(f, "80E4000006D20102D2010200", "6A80");       /* D2 twice */
    GT_EXPECT(f, "80E4000004D202000200", "6A80");           /* length 2 */
    GT_EXPECT(f, "80E4000003D20102", "009000");             /* GPPro's form, no Le */
    GT_EXPECT(f, "80CA00E000", "E012C00401018010C00402018010C00403018010" "9000");
    GT_EXPECT(f, "80E4008003D2010200", "6A88");             /* gone; GPShell's P2=80 */

    /* a chain of three PUT KEY commands adds set 02 at its last command */
    put_key1_hex(f, 0x80, 0x01, 0x02, cmd);
    GT_EXPECT(f, cmd, "028BAF479000");
    put_key1_hex(f, 0x80, 0x02, 0x02, cmd);
    GT_EXPECT(f, cmd, "028BAF479000");
    GT_EXPECT(f, "80CA00E000", "E012C00401018010C00402018010C00403018010" "9000");
    put_key1_hex(f, 0x80, 0x02, 0x02, cmd); /* key 2 twice: refused, the chain stays */
    GT_EXPECT(f, cmd, "6A80");
    put_key1_hex(f, 0x80, 0x03, 0x04, cmd); /* another new version: refused */
    GT_EXPECT(f, cmd, "6A80");
    put_key1_hex(f, 0x00, 0x03, 0x02, cmd);
    GT_EXPECT(f, cmd, "028BAF479000");
    GT_EXPECT(f, "80CA00E000",
              "E024C00401018010C00402018010C00403018010C00401028010C00402028010C00403028010" "9000");
    assert_int_equal(gt_auth(f, 0x02, 1), 0x9000);
    /* a chain is dropped when its session ends: its last key alone adds nothing */
    put_key1_hex(f, 0x80, 0x01, 0x03, cmd);
    GT_EXPECT(f, cmd, "038BAF479000");
    put_key1_hex(f, 0x80, 0x02, 0x03, cmd);
    GT_EXPECT(f, cmd, "038BAF479000");
    assert_int_equal(gt_auth(f, 0x02, 1), 0x9000);
    put_key1_hex(f, 0x00, 0x03, 0x03, cmd);
    GT_EXPECT(f, cmd, "6A80");
    /* a chain replacing key 2 of set 01 in place: the counter of 01 restarts */
    put_key1_hex(f, 0x81, 0x02, 0x01, cmd);
    GT_EXPECT(f, cmd, "018BAF479000");
    put_key1_hex(f, 0x01, 0x03, 0x01, cmd);
    GT_EXPECT(f, cmd, "018BAF479000");
    assert_int_equal(gt_auth(f, 0x01, 1), 0x9000);
    GT_EXPECT(f, "80CA00C100", "C10200019000");
    gt_free(f);
}

/* STORE DATA 4F renames the ISD (GPPro --rename-isd); the name is durable and
 * selected at power-up; INSTALL [for load] names the ISD by its new AID. */
static void test_rename_isd(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    GT_EXPECT(f, "80E29000094F07D0D1D2D3D4D5D6", "9000");
    jc_card_power_off(f->card);
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_power_on(f->card, atr, sizeof(atr)) > 0);
    jc_scp02_reset(&f->host);
    /* the ISD is selected at power-up under its new name: SCP02 works at once */
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    GT_EXPECT(f, "80F28000024F0000", "07D0D1D2D3D4D5D6019E9000");
    GT_EXPECT(f, "80E602001307A000000003535107D0D1D2D3D4D5D600000000", "009000");
    jc_scp02_reset(&f->host);
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    /* the old name is no security domain any more */
    GT_EXPECT(f, "80E602001407A000000003535208A00000000300000000000000", "6A88");
    gt_free(f);
}

/* The card challenge of INITIALIZE UPDATE: i=55 (J2E145) derives it from the
 * C-MAC session key and the ISD AID (GP 2.2.1 §E.4.2.3), so it repeats while the
 * counter stands still and follows the known answers of scp02_vectors.py; i=15
 * (J2A040) takes it from the injected random source. */
static void test_card_challenge(void **state)
{
    (void)state;
    static const char *iu = "8050000008010203040506070800";
    for (int p = 0; p < 2; p++) {
        gt_fix *f = gt_new(p == 0 ? "J2E145" : "J2A040");
        char a[100], b[100], c[100];
        gt_send(f, iu, a, sizeof(a));
        gt_send(f, iu, b, sizeof(b)); /* no EXTERNAL AUTHENTICATE: the counter stays 0000 */
        assert_int_equal(gt_auth(f, 0, 1), 0x9000); /* counter 0000 -> 0001 */
        f->host.phase = JC_SCP02_IDLE;
        gt_send(f, iu, c, sizeof(c));
        /* kdd(10) kvn 02 counter(2) challenge(6) cryptogram(8) 9000, as hex */
        assert_memory_equal(a + 24, "0000", 4);
        assert_memory_equal(c + 24, "0001", 4);
        if (p == 0) {
            /* J2E145's ISD is A000000151000000 */
            assert_memory_equal(a + 28, "8BA2FFCEA96C", 12);
            assert_memory_equal(b + 28, "8BA2FFCEA96C", 12);
            assert_memory_equal(c + 28, "3C2B9786B83B", 12);
        } else {
            assert_memory_not_equal(a + 28, b + 28, 12);
            assert_memory_not_equal(a + 28, "8BA2FFCEA96C", 12);
        }
        gt_free(f);
    }
}

/* Every GP status-word decision is listed, named, labelled and sourced. */
static void test_policy_listing(void **state)
{
    (void)state;
    static const char *profiles[] = {"J2A040", "J2E145"};
    for (size_t p = 0; p < 2; p++) {
        const jc_gp_policy *pol = jc_gp_policy_for(jc_profile_find(profiles[p]));
        size_t n = 0;
        const char *what = NULL;
        for (const jc_sw_rule *r; (r = jc_gp_policy_rule_at(pol, n, &what)) != NULL; n++) {
            assert_non_null(what);
            assert_non_null(r->source);
            assert_true(r->sw >= 0x6000 && r->sw <= 0x9FFF);
            assert_true(r->label <= JC_LABEL_ASSUMED);
        }
        assert_int_equal(n, 20);
        assert_int_equal(jc_gp_policy_rule_at(pol, 10, &what)->sw, p == 0 ? 0x6A86 : 0x9000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_traces),
        cmocka_unit_test(test_get_data),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_auth_failures),
        cmocka_unit_test(test_session_rules),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_set_status_matrix),
        cmocka_unit_test(test_state_table),
        cmocka_unit_test(test_card_locked_select),
        cmocka_unit_test(test_put_key),
        cmocka_unit_test(test_delete_key_and_chain),
        cmocka_unit_test(test_rename_isd),
        cmocka_unit_test(test_card_challenge),
        cmocka_unit_test(test_policy_listing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
