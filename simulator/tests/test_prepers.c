/*
 * test_prepers.c: every pre-personalization command in every card state
 * (DESIGN.md §4), the memory window's edges, what SELECT and power cycles do
 * to the volatile state, and the FUSE transition (ISD keys, life cycle from
 * CM_LIFECYCLE, registry). Expected answers come from DESIGN.md §4 and
 * jcop-facts.md, written out in the tables below.
 */
#include "jc_test_util.h"

#include "jc_profile.h"

#define KT_SELECT "00A4040010" TU_KT_HEX
#define IDENTIFY "00A4040009A000000167413000FF"
#define ID_J2A040_UNFUSED "02210033000000004E583031314300 03ED103C"
#define ID_J2A040_FUSED "02210033000000004E583031314301 03ED103C"
#define FCI_J2A040                                                                                 \
    "6F658408A000000003000000A5599F6501FF9F6E06479100783300734A06072A864886FC6B01600C060A2A864886" \
    "FC6B02020101630906072A864886FC6B03640B06092A864886FC6B040215650B06092B8510864864020103660C06" \
    "0A2B060104012A026E0102"

enum { S_IDLE, S_ROOT, S_BOOTED, S_PROT, S_FUSED, S_COUNT };
static const char *state_names[S_COUNT] = {"IDLE", "ROOT", "BOOTED", "PROTECTED", "FUSED"};
static const jc_card_state card_states[S_COUNT] = {
    JC_CS_UNFUSED_IDLE, JC_CS_ROOT_SELECTED, JC_CS_BOOTED, JC_CS_BOOTED_PROTECTED, JC_CS_OP_READY};

/* Drive a fresh card into state s. */
static jc_card *card_in(int s, jc_pstate *st, tu_rng *rng)
{
    tu_new_state(st, NULL, 7);
    jc_card *card = tu_card(st, rng, NULL);
    if (s >= S_ROOT)
        assert_int_equal(tu_sw(card, KT_SELECT), 0x9000);
    if (s >= S_BOOTED)
        assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    if (s >= S_PROT)
        assert_int_equal(tu_sw(card, "00100000"), 0x9000);
    if (s >= S_FUSED)
        assert_int_equal(tu_sw(card, "00000000"), 0x9000);
    assert_int_equal(jc_card_state_get(card), card_states[s]);
    return card;
}

typedef struct {
    const char *what;
    const char *capdu;
    /* exact R-APDU hex; "*" prefix = SW only after any data; "-" = not judged
     * here (after FUSE the GlobalPlatform engine decides: see test_gp_*) */
    const char *expect[S_COUNT];
} matrix_row;

static const matrix_row matrix[] = {
    {"SELECT KT", KT_SELECT, {"9000", "9000", "9000", "9000", "6A82"}},
    {"IDENTIFY",
     IDENTIFY,
     {ID_J2A040_UNFUSED "6A82", ID_J2A040_UNFUSED "6A82", ID_J2A040_UNFUSED "6A82",
      ID_J2A040_UNFUSED "6A82", ID_J2A040_FUSED "6A82"}},
    {"BOOT", "00F00000", {"6A82", "9000", "9000", "9000", "6D00"}},
    {"BOOT CLA 80", "80F00000", {"6A82", "6E00", "6E00", "6E00", "-"}},
    {"BOOT with data", "00F0000001AA", {"6A82", "6700", "6700", "6700", "-"}},
    {"READ 16 at CM_KEY1", "C0B0030510", {"6A82", "6985", "*9000", "*9000", "6E00"}},
    {"READ extended", "C0B00305000010", {"6A82", "6985", "*9000", "*9000", "6E00"}},
    {"READ without Le", "C0B00305", {"6A82", "6985", "6700", "6700", "6E00"}},
    {"READ with data", "C0B0030501AA10", {"6A82", "6985", "6700", "6700", "6E00"}},
    {"READ CLA 00", "00B0030510", {"6A82", "6985", "6B00", "6B00", "-"}},
    {"WRITE", "C0D6030502AABB", {"6A82", "6985", "9000", "6982", "6E00"}},
    {"WRITE extended", "C0D60305000002AABB", {"6A82", "6985", "9000", "6982", "6E00"}},
    {"WRITE without data", "C0D60305", {"6A82", "6985", "6700", "6700", "6E00"}},
    {"WRITE CLA 00", "00D6030502AABB", {"6A82", "6985", "6B00", "6B00", "-"}},
    {"PROTECT", "00100000", {"6A82", "6985", "9000", "9000", "6D00"}},
    {"PROTECT CLA 80", "80100000", {"6A82", "6E00", "6E00", "6E00", "-"}},
    {"FUSE", "00000000", {"6A82", "6985", "9000", "9000", "6D00"}},
    {"FUSE with Le 00", "0000000000", {"6A82", "6985", "9000", "9000", "-"}},
    {"FUSE with data", "0000000001AA", {"6A82", "6985", "6700", "6700", "-"}},
    {"FUSE CLA C0", "C0000000", {"6A82", "6E00", "6E00", "6E00", "6E00"}},
    {"unknown INS", "00120000", {"6A82", "6D00", "6D00", "6D00", "6D00"}},
    {"GET DATA (GP only)", "00CA9F7F00", {"6A82", "6D00", "6D00", "6D00", "-"}},
    {"SELECT ISD",
     "00A4040008A000000003000000",
     {"6A82", "6A82", "6A82", "6A82", FCI_J2A040 "9000"}},
    {"SELECT empty AID", "00A4040000", {"6A82", "6A82", "6A82", "6A82", FCI_J2A040 "9000"}},
    {"SELECT empty AID, no Le", "00A40400", {"6A82", "6A82", "6A82", "6A82", FCI_J2A040 "9000"}},
    {"SELECT wrong KT",
     "00A40400104041424344454647484A4A4B4C4D4E4F",
     {"6A82", "6A82", "6A82", "6A82", "6A82"}},
    {"malformed (Lc 2, 1 byte)", "00A4040002AA", {"6700", "6700", "6700", "6700", "6700"}},
    {"header only 3 bytes", "00A404", {"6700", "6700", "6700", "6700", "6700"}},
};

static void test_state_matrix(void **state)
{
    (void)state;
    static char out[2 * JC_RAPDU_MAX + 1];
    for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
        for (int s = 0; s < S_COUNT; s++) {
            if (strcmp(matrix[i].expect[s], "-") == 0)
                continue;
            jc_pstate st;
            tu_rng rng = {.s = 3};
            jc_card *card = card_in(s, &st, &rng);
            int n = tu_send(card, matrix[i].capdu, out, sizeof(out));
            assert_true(n >= 2);
            const char *exp = matrix[i].expect[s];
            char want[1024];
            uint8_t tmp[512];
            bool sw_only = exp[0] == '*';
            int m = tu_hex(sw_only ? exp + 1 : exp, tmp, sizeof(tmp));
            assert_true(m >= 2);
            tu_tohex(tmp, (size_t)m, want);
            const char *got = sw_only ? out + 2 * (n - 2) : out;
            if (strcmp(got, want) != 0)
                print_error("%s in %s: got %s, expected %s\n", matrix[i].what, state_names[s], out,
                            want);
            assert_string_equal(got, want);
            jc_card_free(card);
        }
    }
}

typedef struct {
    const char *capdu;
    const char *sw;
    int data_len; /* expected response data length for 9000 */
} window_row;

static const window_row window[] = {
    {"C0B000F001", "9000", 1},   /* first readable byte */
    {"C0B000EF01", "6B00", 0},   /* one below */
    {"C0B000EF02", "6B00", 0},   /* crossing the low edge */
    {"C0B095FF01", "9000", 1},   /* last byte before 0xC09600 */
    {"C0B095FF02", "6B00", 0},   /* crossing 0xC09600 */
    {"C0B0950000", "9000", 256}, /* Le 00 = 256, ends exactly at 0xC09600 */
    {"C0B0950100", "6B00", 0},   /* 256 from 0xC09501 crosses */
    {"C0B0960001", "6B00", 0},   /* 0xC09600 itself */
    {"C0B0FFFF01", "6B00", 0},     {"C1B0000001", "6B00", 0},          /* CLA other than C0 */
    {"BFB0FFFF01", "6B00", 0},     {"C0B000F0009510", "9000", 0x9510}, /* the whole window, extended
                                                                        */
    {"C0B000F0000000", "6B00", 0},                                     /* Le 0000 = 65536 crosses */
    {"C0D695FF0142", "9000", 0},   {"C0D695FF024243", "6B00", 0},      {"C0D600EF0142", "6B00", 0},
    {"C0D600F00142", "9000", 0},   {"C1D600000142", "6B00", 0},
};

static void test_window_edges(void **state)
{
    (void)state;
    static char out[2 * JC_RAPDU_MAX + 1];
    jc_pstate st;
    tu_rng rng = {.s = 3};
    jc_card *card = card_in(S_BOOTED, &st, &rng);
    for (size_t i = 0; i < sizeof(window) / sizeof(window[0]); i++) {
        int n = tu_send(card, window[i].capdu, out, sizeof(out));
        assert_true(n >= 2);
        if (strcmp(out + 2 * (n - 2), window[i].sw) != 0)
            print_error("%s: got SW %s, expected %s\n", window[i].capdu, out + 2 * (n - 2),
                        window[i].sw);
        assert_string_equal(out + 2 * (n - 2), window[i].sw);
        assert_int_equal(n - 2, window[i].data_len);
    }
    /* the writes at the edges landed */
    const jc_pstate *ps = jc_card_pstate(card);
    assert_int_equal(ps->mem[0], 0x42);
    assert_int_equal(ps->mem[JC_MEM_SIZE - 1], 0x42);
    jc_card_free(card);
}

static void test_read_write_roundtrip(void **state)
{
    (void)state;
    jc_pstate st;
    tu_rng rng = {.s = 3};
    jc_card *card = card_in(S_BOOTED, &st, &rng);
    /* the read returns exactly what the image holds (random CM_KEY1) */
    char want[64];
    tu_tohex(st.mem + (0xC00305 - JC_MEM_BASE), 16, want);
    strcat(want, "9000");
    TU_EXPECT(card, "C0B0030510", want);
    TU_EXPECT(card, "C0D6030510404142434445464748495051525354555657", "6700"); /* Lc 16, 18 bytes */
    TU_EXPECT(card, "C0D6030510404142434445464748494A4B4C4D4E4F", "9000");
    TU_EXPECT(card, "C0B0030510", "404142434445464748494A4B4C4D4E4F9000");
    TU_EXPECT(card, "C0B0040701", "059000"); /* GPIN length default 5 */
    jc_card_free(card);
}

static void test_select_clears_boot(void **state)
{
    (void)state;
    jc_pstate st;
    tu_rng rng = {.s = 3};
    jc_card *card = card_in(S_BOOTED, &st, &rng);
    /* re-selecting the KT clears BOOT */
    assert_int_equal(tu_sw(card, KT_SELECT), 0x9000);
    assert_int_equal(jc_card_state_get(card), JC_CS_ROOT_SELECTED);
    assert_int_equal(tu_sw(card, "C0B0030510"), 0x6985);
    /* any other SELECT deselects */
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    assert_int_equal(tu_sw(card, "00A4040008A000000003000000"), 0x6A82);
    assert_int_equal(jc_card_state_get(card), JC_CS_UNFUSED_IDLE);
    assert_int_equal(tu_sw(card, "C0B0030510"), 0x6A82);
    /* IDENTIFY deselects too */
    assert_int_equal(tu_sw(card, KT_SELECT), 0x9000);
    assert_int_equal(tu_sw(card, IDENTIFY), 0x6A82);
    assert_int_equal(tu_sw(card, "00F00000"), 0x6A82);
    jc_card_free(card);
}

static void test_power_cycle_volatile(void **state)
{
    (void)state;
    jc_pstate st;
    tu_rng rng = {.s = 3};
    jc_card *card = card_in(S_BOOTED, &st, &rng);
    uint8_t atr[JC_ATR_MAX];
    assert_int_equal(tu_sw(card, "C0D6041201AA"), 0x9000);
    assert_int_equal(tu_sw(card, "00100000"), 0x9000);
    jc_card_power_off(card);
    assert_false(jc_card_powered(card));
    uint8_t r[8];
    assert_int_equal(jc_card_process(card, (const uint8_t *)"\x00\xF0\x00\x00", 4, r, sizeof(r)),
                     JC_ERR_NOT_POWERED);
    assert_true(jc_card_power_on(card, atr, sizeof(atr)) > 0);
    assert_int_equal(jc_card_state_get(card), JC_CS_UNFUSED_IDLE);
    assert_int_equal(tu_sw(card, "00F00000"), 0x6A82); /* selection lost */
    assert_int_equal(tu_sw(card, KT_SELECT), 0x9000);
    assert_int_equal(tu_sw(card, "C0B0041201"), 0x6985); /* BOOT lost */
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    assert_int_equal(jc_card_state_get(card), JC_CS_BOOTED_PROTECTED); /* PROTECT kept */
    TU_EXPECT(card, "C0B0041201", "AA9000");                           /* memory kept */
    assert_int_equal(tu_sw(card, "C0D6041201BB"), 0x6982);
    /* warm reset clears the volatile state too */
    assert_true(jc_card_reset(card, atr, sizeof(atr)) > 0);
    assert_int_equal(tu_sw(card, "C0B0041201"), 0x6A82);
    jc_card_free(card);
}

typedef struct {
    uint8_t cm_lifecycle;
    uint8_t card_lcs;
    bool warns;
} lcs_row;

static const lcs_row lcs_rows[] = {
    {0x01, 0x01, false}, {0x07, 0x07, false}, {0x0F, 0x0F, false},
    {0x00, 0x01, true},  {0x7F, 0x01, true},  {0x55, 0x01, true},
};

static void test_fuse_creates_isd(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(lcs_rows) / sizeof(lcs_rows[0]); i++) {
        jc_pstate st;
        tu_rng rng = {.s = 3};
        tu_trace tr = {0};
        tu_new_state(&st, NULL, 11);
        jc_card *card = tu_card(&st, &rng, &tr);
        char apdu[64];
        assert_int_equal(tu_sw(card, KT_SELECT), 0x9000);
        assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
        snprintf(apdu, sizeof(apdu), "C0D6030101%02X", lcs_rows[i].cm_lifecycle);
        assert_int_equal(tu_sw(card, apdu), 0x9000);
        assert_int_equal(tu_sw(card, "00100000"), 0x9000);
        unsigned warns_before = tr.count[JC_EV_WARN];
        assert_int_equal(tu_sw(card, "00000000"), 0x9000);
        assert_int_equal(tr.count[JC_EV_WARN] > warns_before, lcs_rows[i].warns);
        const jc_pstate *ps = jc_card_pstate(card);
        assert_true(ps->flags & JC_PF_FUSED);
        assert_false(ps->flags & JC_PF_FUSED_UNPROTECTED);
        assert_int_equal(ps->card_lcs, lcs_rows[i].card_lcs);
        assert_int_equal(ps->keysets[0].used, 1);
        assert_int_equal(ps->keysets[0].kvn, 0xFF);
        assert_int_equal(ps->keysets[0].counter, 0);
        assert_memory_equal(ps->keysets[0].key[0], st.mem + (0xC00305 - JC_MEM_BASE), 16);
        assert_memory_equal(ps->keysets[0].key[1], st.mem + (0xC00321 - JC_MEM_BASE), 16);
        assert_memory_equal(ps->keysets[0].key[2], st.mem + (0xC0033D - JC_MEM_BASE), 16);
        for (int k = 1; k < JC_MAX_KEYSETS; k++)
            assert_int_equal(ps->keysets[k].used, 0);
        /* registry: ISD + the pre-installed load file (jcop-facts §8) */
        uint8_t isd[] = {0xA0, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00};
        uint8_t elf[] = {0xA0, 0x00, 0x00, 0x00, 0x03, 0x53, 0x50};
        uint8_t mod[] = {0xA0, 0x00, 0x00, 0x00, 0x03, 0x53, 0x50, 0x41};
        assert_int_equal(ps->reg[0].kind, JC_REG_ISD);
        assert_int_equal(ps->reg[0].priv, 0x9E);
        assert_int_equal(ps->reg[0].lcs, lcs_rows[i].card_lcs);
        assert_int_equal(ps->reg[0].aid.len, 8);
        assert_memory_equal(ps->reg[0].aid.b, isd, 8);
        assert_int_equal(ps->reg[1].kind, JC_REG_ELF);
        assert_int_equal(ps->reg[1].lcs, 0x01);
        assert_int_equal(ps->reg[1].aid.len, 7);
        assert_memory_equal(ps->reg[1].aid.b, elf, 7);
        assert_int_equal(ps->reg[1].n_modules, 1);
        assert_memory_equal(ps->reg[1].modules[0].b, mod, 8);
        assert_int_equal(ps->reg[2].kind, JC_REG_FREE);
        /* KDD = 0000 || CPLC fabrication date, serial, batch */
        uint8_t kdd[10] = {0x00, 0x00, 0x10, 0x70, 0x01, 0x08, 0x08, 0x95, 0x52, 0x58};
        assert_memory_equal(ps->kdd, kdd, 10);
        jc_card_free(card);
    }
}

static void test_fuse_unprotected_warns(void **state)
{
    (void)state;
    jc_pstate st;
    tu_rng rng = {.s = 3};
    tu_trace tr = {0};
    tu_new_state(&st, NULL, 11);
    jc_card *card = tu_card(&st, &rng, &tr);
    assert_int_equal(tu_sw(card, KT_SELECT), 0x9000);
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    assert_int_equal(tu_sw(card, "C0D6030101 01"), 0x9000);
    assert_int_equal(tu_sw(card, "00000000"), 0x9000);
    assert_true(jc_card_pstate(card)->flags & JC_PF_FUSED_UNPROTECTED);
    assert_non_null(strstr(tr.last_warn, "unprotected"));
    assert_int_equal(tr.last_new, JC_CS_OP_READY);
    assert_true(tr.count[JC_EV_MEM_WRITE] == 1);
    /* irreversible: nothing pre-FUSE works any more, even after a power cycle */
    uint8_t atr[JC_ATR_MAX];
    jc_card_power_off(card);
    assert_true(jc_card_power_on(card, atr, sizeof(atr)) > 0);
    assert_int_equal(tu_sw(card, KT_SELECT), 0x6A82);
    assert_int_equal(tu_sw(card, "00000000"), 0x6D00);
    assert_int_equal(jc_card_state_get(card), JC_CS_OP_READY);
    jc_card_free(card);
}

static void test_garbage_never_crashes(void **state)
{
    (void)state;
    /* random APDUs in every unfused state: always an R-APDU, never a crash,
     * and the persistent state is never changed except through WRITE/PROTECT/FUSE */
    for (int s = S_IDLE; s <= S_ROOT; s++) {
        jc_pstate st;
        tu_rng rng = {.s = 99};
        jc_card *card = card_in(s, &st, &rng);
        uint8_t buf[300], r[JC_RAPDU_MAX];
        for (int i = 0; i < 5000; i++) {
            uint8_t l;
            tu_random(&rng, &l, 1);
            size_t len = l % 40u;
            tu_random(&rng, buf, len);
            if (len >= 2 && (buf[1] == 0xF0))
                buf[1] = 0xF1; /* no BOOT: the memory stays closed */
            int n = jc_card_process(card, buf, len, r, sizeof(r));
            assert_true(n >= 2);
        }
        assert_memory_equal(jc_card_pstate(card)->mem, st.mem, JC_MEM_SIZE);
        assert_int_equal(jc_card_pstate(card)->flags, 0);
        jc_card_free(card);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_matrix),           cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_read_write_roundtrip),   cmocka_unit_test(test_select_clears_boot),
        cmocka_unit_test(test_power_cycle_volatile),   cmocka_unit_test(test_fuse_creates_isd),
        cmocka_unit_test(test_fuse_unprotected_warns), cmocka_unit_test(test_garbage_never_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
