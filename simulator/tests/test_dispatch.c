/*
 * test_dispatch.c: the generic dispatcher (jc_cmd.h) on a test table: the
 * order of the shared checks (6D00, 6E00, 6985, 6982, 6700) before any
 * handler, each length flag, and the persistent-change wrapper (commit once,
 * skip an unchanged state, roll back on a failed commit or an error SW).
 */
#include "jc_test_util.h"

#include "jc_card_int.h"
#include "jc_cmd.h"

static int handler_calls;

static uint16_t h_ok(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    handler_calls++;
    jc_resp_put_u8(resp, 0x5A);
    return 0x9000;
}

static uint16_t h_write_mem(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    handler_calls++;
    card->st.mem[0] = a->p1;
    card->root_selected = true; /* a volatile change too */
    return a->p2 ? (uint16_t)(0x6A00 | a->p2) : 0x9000;
}

#define IDLE JC_ST(JC_CS_UNFUSED_IDLE)

static const jc_cmd table[] = {
    {.name = "any-cla",
     .cla_mask = 0x00,
     .cla = 0x00,
     .ins = 0x01,
     .states = IDLE,
     .handler = h_ok},
    {.name = "cla80", .cla_mask = 0xFC, .cla = 0x80, .ins = 0x02, .states = IDLE, .handler = h_ok},
    {.name = "cla00", .cla_mask = 0xFF, .cla = 0x00, .ins = 0x02, .states = IDLE, .handler = h_ok},
    {.name = "booted-only",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x03,
     .states = JC_ST(JC_CS_BOOTED),
     .flags = JC_CMD_NEEDS_DATA,
     .handler = h_ok},
    {.name = "sc",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x04,
     .states = IDLE,
     .flags = JC_CMD_NEEDS_SC | JC_CMD_NEEDS_DATA,
     .handler = h_ok},
    {.name = "needs-data",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x05,
     .states = IDLE,
     .flags = JC_CMD_NEEDS_DATA,
     .handler = h_ok},
    {.name = "no-data",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x06,
     .states = IDLE,
     .flags = JC_CMD_NO_DATA,
     .handler = h_ok},
    {.name = "ext-ok",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x07,
     .states = IDLE,
     .flags = JC_CMD_EXTENDED_OK,
     .handler = h_ok},
    {.name = "needs-le",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x08,
     .states = IDLE,
     .flags = JC_CMD_NEEDS_LE,
     .handler = h_ok},
    {.name = "no-le",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x09,
     .states = IDLE,
     .flags = JC_CMD_NO_LE,
     .handler = h_ok},
    {.name = "persistent",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x0A,
     .states = IDLE,
     .flags = JC_CMD_PERSISTENT,
     .handler = h_write_mem},
};

typedef struct {
    const char *capdu;
    uint16_t sw;
    bool called;
} row;

static const row rows[] = {
    {"00FF0000", 0x6D00, false}, /* unknown INS */
    {"C0010000", 0x9000, true},  /* any CLA */
    {"83020000", 0x9000, true},  /* 80-83 masked */
    {"84020000", 0x6E00, false},       {"00020000", 0x9000, true},
    {"C0020000", 0x6E00, false},     /* INS known, CLA not */
    {"C003000001AA", 0x6E00, false}, /* CLA before state */
    {"00030000", 0x6985, false},     /* state before length */
    {"00040000", 0x6982, false},     /* security before length */
    {"00050000", 0x6700, false},       {"0005000001AA", 0x9000, true},
    {"0006000001AA", 0x6700, false},   {"0006000000", 0x9000, true},
    {"000700000001AA", 0x9000, true},  /* extended accepted */
    {"000600000001AA", 0x6700, false}, /* extended refused */
    {"00080000", 0x6700, false},       {"0008000000", 0x9000, true},
    {"0009000000", 0x6700, false},     {"00090000", 0x9000, true},
};

static jc_card *make_card(jc_pstate *st, tu_rng *rng, jc_env *env)
{
    tu_new_state(st, NULL, 1);
    jc_card *card = NULL;
    assert_int_equal(jc_card_create(&card, st, env), 0);
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_power_on(card, atr, sizeof(atr)) > 0);
    return card;
}

static uint16_t run(jc_card *card, const char *hex, jc_resp *r, uint8_t *buf, size_t cap)
{
    static uint8_t b[300];
    int n = tu_hex(hex, b, sizeof(b));
    assert_true(n >= 4);
    jc_apdu a;
    assert_int_equal(jc_apdu_parse(b, (size_t)n, &a), 0);
    jc_resp_init(r, buf, cap);
    return jc_dispatch(card, table, sizeof(table) / sizeof(table[0]), &a, r);
}

static void test_check_order(void **state)
{
    (void)state;
    jc_pstate st;
    tu_rng rng = {.s = 1};
    jc_env env = {.random = tu_random, .random_ctx = &rng};
    jc_card *card = make_card(&st, &rng, &env);
    uint8_t buf[64];
    jc_resp r;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        handler_calls = 0;
        uint16_t sw = run(card, rows[i].capdu, &r, buf, sizeof(buf));
        if (sw != rows[i].sw)
            print_error("%s: %04X, expected %04X\n", rows[i].capdu, sw, rows[i].sw);
        assert_int_equal(sw, rows[i].sw);
        assert_int_equal(handler_calls, rows[i].called ? 1 : 0);
        assert_int_equal(r.len, rows[i].called ? 1u : 0u);
    }
    /* with a secure channel open the security check passes */
    card->gp.sc_open = true;
    handler_calls = 0;
    assert_int_equal(run(card, "0004000001AA", &r, buf, sizeof(buf)), 0x9000);
    assert_int_equal(handler_calls, 1);
    jc_card_free(card);
}

static int commits;
static int commit_rc;
static int count_commit(void *ctx, const jc_pstate *st)
{
    commits++;
    return commit_rc;
}

static void test_persistent_wrapper(void **state)
{
    (void)state;
    jc_pstate st;
    tu_rng rng = {.s = 1};
    jc_env env = {.random = tu_random, .random_ctx = &rng, .commit = count_commit};
    jc_card *card = make_card(&st, &rng, &env);
    uint8_t buf[64];
    jc_resp r;
    commits = 0;
    commit_rc = 0;
    assert_int_equal(run(card, "000A1100", &r, buf, sizeof(buf)), 0x9000);
    assert_int_equal(commits, 1);
    assert_int_equal(card->st.mem[0], 0x11);
    card->root_selected = false;
    assert_int_equal(run(card, "000A1100", &r, buf, sizeof(buf)), 0x9000); /* unchanged */
    assert_int_equal(commits, 1);
    /* error SW: persistent and volatile changes rolled back, no commit */
    card->root_selected = false;
    assert_int_equal(run(card, "000A2280", &r, buf, sizeof(buf)), 0x6A80);
    assert_int_equal(commits, 1);
    assert_int_equal(card->st.mem[0], 0x11);
    assert_false(card->root_selected);
    /* failed commit: 6581, rolled back */
    commit_rc = JC_ERR_IO;
    assert_int_equal(run(card, "000A3300", &r, buf, sizeof(buf)), 0x6581);
    assert_int_equal(commits, 2);
    assert_int_equal(card->st.mem[0], 0x11);
    assert_false(card->root_selected);
    assert_int_equal(card->fault, 0);
    /* power cut: recorded as a fault for jc_card_process */
    commit_rc = JC_ERR_POWER_CUT;
    run(card, "000A4400", &r, buf, sizeof(buf));
    assert_int_equal(card->fault, JC_ERR_POWER_CUT);
    assert_int_equal(card->st.mem[0], 0x11);
    jc_card_free(card);
}

static void test_memory_only_no_commit(void **state)
{
    (void)state;
    jc_pstate st;
    tu_rng rng = {.s = 1};
    jc_env env = {.random = tu_random, .random_ctx = &rng};
    jc_card *card = make_card(&st, &rng, &env);
    uint8_t buf[64];
    jc_resp r;
    assert_int_equal(run(card, "000A5500", &r, buf, sizeof(buf)), 0x9000);
    assert_int_equal(card->st.mem[0], 0x55);
    jc_card_free(card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_order),
        cmocka_unit_test(test_persistent_wrapper),
        cmocka_unit_test(test_memory_only_no_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
