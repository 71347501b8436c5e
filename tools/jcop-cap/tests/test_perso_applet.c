/*
 * test_perso_applet.c: the project's personalization applet
 * (testcases/perso/perso.jca), assembled in memory, on a fused card whose
 * runtime is the VM (jcvm_attach): the card core's ISD loads and installs
 * it over SCP02, INSTALL [for personalization] + STORE DATA reach its
 * org.globalplatform.Application.processData (GP 2.1.1 §7.3), and, selected,
 * it opens an SCP02 session through SecureChannel.processSecurity and
 * unwraps its own commands: a good C-MAC is taken, a bad one refused (6982)
 * and the session ends. GPSystem's life cycle calls read and write the
 * registry (GET STATUS shows them), and a failed commit undoes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jca.h"
#include "jcvm_runtime.h"
#include "test_gp_util.h"

#define PKG "F06A636F7073696D50"
#define APP "F06A636F7073696D5001"
#define HELLO_PKG "F06A636F7073696D48"
#define HELLO_APP "F06A636F7073696D4801"

static int fail_commits; /* the next n commits fail (a full disk, a pulled card) */

static int perso_commit(void *ctx, const jc_pstate *st)
{
    (void)st;
    if (fail_commits > 0) {
        fail_commits--;
        return JC_ERR_IO;
    }
    (*(int *)ctx)++;
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 20);
    *len = b ? fread(b, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    return b;
}

/* The Load File (C4 + the LFDB in the load order) of a .jca of the source tree. */
static size_t load_file(const char *rel, uint8_t *out, size_t max)
{
    const char *src = getenv("JCOPSIM_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", src, rel);
    size_t len = 0;
    char *text = slurp(path, &len);
    assert_non_null(text);
    jca_pkg pkg;
    char err[600];
    if (jca_parse(text, len, path, &pkg, err, sizeof err) != 0)
        fail_msg("%s", err);
    free(text);
    jca_cap cap;
    if (jca_build(&pkg, path, &cap, err, sizeof err) != 0)
        fail_msg("%s", err);
    static const unsigned order[] = {1, 2, 4, 3, 6, 7, 8, 10, 5, 9};
    size_t n = 4;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        unsigned t = order[i];
        if (!cap.comp[t])
            continue;
        assert_true(n + cap.len[t] <= max);
        memcpy(out + n, cap.comp[t], cap.len[t]);
        n += cap.len[t];
    }
    out[0] = 0xC4;
    out[1] = 0x82;
    out[2] = (uint8_t)((n - 4) >> 8);
    out[3] = (uint8_t)(n - 4);
    jca_cap_free(&cap);
    jca_free(&pkg);
    return n;
}

typedef struct {
    gt_fix gt;
    jcvm_rt *rt;
} fix;

/* The card's trace as the tests count it (tu_trace_cb), and the VM's "enter" events of
   processData, which the trace names through the org.globalplatform.Application interface
   the applet implements (DESIGN.md §9, "Explained"). */
static unsigned process_data_entered;

static void perso_trace(void *ctx, const jc_event *ev)
{
    tu_trace_cb(ctx, ev);
    if (ev->text && strstr(ev->text, "enter processData(") != NULL)
        process_data_entered++;
}

static fix *open_card(void)
{
    fix *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->gt.rand.rng.s = 77;
    jc_pstate *st = malloc(sizeof(*st));
    assert_non_null(st);
    gt_fused_state(st, "J2A040");
    jc_env env = {.random = gt_random,
                  .random_ctx = &f->gt.rand,
                  .trace = perso_trace,
                  .trace_ctx = &f->gt.trace,
                  .commit = perso_commit,
                  .commit_ctx = &f->gt.commits};
    assert_int_equal(jc_card_create(&f->gt.card, st, &env), 0);
    free(st);
    assert_int_equal(jcvm_attach(f->gt.card, &env, NULL, &f->rt), 0);
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_power_on(f->gt.card, atr, sizeof(atr)) > 0);
    assert_int_equal(jc_crypto_create(&f->gt.crypto), 0);
    uint8_t k[16];
    tu_hex(GT_KEYS, k, 16);
    memcpy(f->gt.keys.enc, k, 16);
    memcpy(f->gt.keys.mac, k, 16);
    memcpy(f->gt.keys.dek, k, 16);
    fail_commits = 0;
    return f;
}

static void close_card(fix *f)
{
    jc_card_power_off(f->gt.card);
    jc_card_free(f->gt.card);
    jcvm_detach(f->rt);
    jc_crypto_free(f->gt.crypto);
    free(f);
}

/* INSTALL [for load], LOAD blocks, INSTALL [for install and make selectable]
 * with privileges priv, inside the fixture's open session. */
static void install(fix *f, const char *jca, const char *pkg, const char *app, uint8_t priv)
{
    static uint8_t lf[65536];
    size_t n = load_file(jca, lf, sizeof lf);
    char cmd[1200];
    size_t pl = strlen(pkg) / 2;
    snprintf(cmd, sizeof cmd, "80E60200%02zX%02zX%s08A000000003000000000000", pl + 13, pl, pkg);
    GT_EXPECT(&f->gt, cmd, "009000");
    size_t blocks = (n + 199) / 200;
    for (size_t b = 0; b < blocks; b++) {
        size_t len = b + 1 < blocks ? 200 : n - 200 * b;
        int at =
            snprintf(cmd, sizeof cmd, "80E8%02X%02zX%02zX", b + 1 < blocks ? 0x00 : 0x80, b, len);
        tu_tohex(lf + 200 * b, len, cmd + at);
        GT_EXPECT(&f->gt, cmd, "009000");
    }
    size_t al = strlen(app) / 2;
    snprintf(cmd, sizeof cmd, "80E60C00%02zX%02zX%s%02zX%s%02zX%s01%02X02C90000", pl + 2 * al + 9,
             pl, pkg, al, app, al, app, priv);
    GT_EXPECT(&f->gt, cmd, "009000");
}

/* The registry's life cycle of APP in a legacy GET STATUS of applications. */
static int app_lcs(fix *f)
{
    char out[1200];
    assert_int_equal(gt_send(&f->gt, "80F24000024F0000", out, sizeof out), 0x9000);
    const char *at = strstr(out, "0A" APP);
    if (at == NULL)
        return -1;
    unsigned v = 0;
    sscanf(at + 22, "%2x", &v);
    return (int)v;
}

static uint16_t counter(fix *f)
{
    const jc_pstate *st = jc_card_pstate(f->gt.card);
    return st->keysets[0].counter;
}

/* Send a hex command as it is (no wrapping: the applet does not unwrap it,
 * so the host's C-MAC chain must not move); the R-APDU as hex. */
static void raw(fix *f, const char *hex, const char *want)
{
    uint8_t c[300], r[300];
    char got[700];
    int n = tu_hex(hex, c, sizeof c);
    uint16_t sw = 0;
    int rn = gt_xfer(&f->gt, c, (size_t)n, r, sizeof r, &sw);
    tu_tohex(r, (size_t)rn, got);
    if (strcmp(got, want) != 0)
        print_error("%s -> %s, expected %s\n", hex, got, want);
    assert_string_equal(got, want);
}

static void personalize(fix *f)
{
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    install(f, "testcases/perso/perso.jca", PKG, APP, 0x00);
    assert_int_equal(app_lcs(f), 0x07);
    GT_EXPECT(&f->gt, "80E620001000000A" APP "000000", "009000");
    /* block 0: processData keeps 0A0B0C0D */
    GT_EXPECT(&f->gt, "80E20000040A0B0C0D", "9000");
    /* block 1: processData throws ISOException 6A80: its reason is the answer */
    GT_EXPECT(&f->gt, "80E2000102EE01", "6A80");
    /* block 2, the last: the data replaced, the application's state 0F */
    GT_EXPECT(&f->gt, "80E2800203112233", "9000");
    assert_int_equal(app_lcs(f), 0x0F);
    /* the personalization is over: STORE DATA is the ISD's again */
    GT_EXPECT(&f->gt, "80E28000044202AAAA", "9000");
}

static void test_store_data_reaches_process_data(void **state)
{
    (void)state;
    fix *f = open_card();
    process_data_entered = 0;
    personalize(f);
    assert_true(process_data_entered > 0); /* the trace names the method STORE DATA reached */
    /* the applet, selected, answers the data processData kept, and its state */
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "00A404000A" APP "00", "9000");
    GT_EXPECT(&f->gt, "80CA000000", "1122339000");
    GT_EXPECT(&f->gt, "80E0000001", "0F9000");
    /* setCardContentState from the applet: 1F is application specific; 83
     * (LOCKED) and 05 (b1-b3 not set) are refused, the state unchanged */
    GT_EXPECT(&f->gt, "80E21F0001", "019000");
    GT_EXPECT(&f->gt, "80E2830001", "009000");
    GT_EXPECT(&f->gt, "80E2050001", "009000");
    GT_EXPECT(&f->gt, "80E0000001", "1F9000");
    /* the state is the registry's: the ISD's GET STATUS shows it */
    GT_SW(&f->gt, "00A4040000", 0x9000);
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    assert_int_equal(app_lcs(f), 0x1F);
    close_card(f);
}

static void test_applet_without_application(void **state)
{
    (void)state;
    fix *f = open_card();
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    install(f, "tools/jcop-cap/examples/hello.jca", HELLO_PKG, HELLO_APP, 0x00);
    GT_EXPECT(&f->gt, "80E620001000000A" HELLO_APP "000000", "009000");
    /* hello implements no org.globalplatform.Application: refused (6985,
     * FIDELITY.md), its process() is not called with the block */
    GT_EXPECT(&f->gt, "80E28000040A0B0C0D", "6985");
    close_card(f);
}

static void test_secure_channel_through_the_applet(void **state)
{
    (void)state;
    fix *f = open_card();
    personalize(f);
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "00A404000A" APP "00", "9000");
    /* a write without a session: getSecurityLevel() is 00, the applet says 6982 */
    GT_EXPECT(&f->gt, "80D0000003A1A2A3", "6982");
    /* INITIALIZE UPDATE and EXTERNAL AUTHENTICATE to the selected applet go
     * through SecureChannel.processSecurity to the ISD's SCP02: the session
     * opens, the sequence counter goes up and is committed with the APDU */
    uint16_t before = counter(f);
    int commits = f->gt.commits;
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    assert_int_equal(counter(f), before + 1);
    assert_true(f->gt.commits > commits);
    /* getSecurityLevel: AUTHENTICATED | C_MAC */
    raw(f, "80E4000001", "819000");
    /* a MACed write is unwrapped by the applet: taken */
    GT_EXPECT(&f->gt, "80D0000003A1A2A3", "9000");
    /* decryptData with the session DEK (3DES-ECB) after unwrap */
    static const char key[] = "00112233445566778899AABBCCDDEEFF";
    uint8_t k16[16], e16[16];
    char cmd[80];
    tu_hex(key, k16, 16);
    assert_int_equal(jc_scp02_host_dek_encrypt(&f->gt.host, f->gt.crypto, k16, e16), 0);
    strcpy(cmd, "80D2000010");
    tu_tohex(e16, 16, cmd + 10);
    GT_EXPECT(&f->gt, cmd, "00112233445566778899AABBCCDDEEFF9000");
    /* a wrong C-MAC: refused with 6982, the data unchanged, the session ends */
    uint8_t c[64], w[64], r[300];
    int n = tu_hex("80D0000003B1B2B3", c, sizeof c);
    n = jc_scp02_host_wrap(&f->gt.host, f->gt.crypto, c, (size_t)n, w, sizeof w);
    assert_true(n > 8);
    w[n - 1] ^= 0x01;
    uint16_t sw = 0;
    gt_xfer(&f->gt, w, (size_t)n, r, sizeof r, &sw);
    assert_int_equal(sw, 0x6982);
    /* the next command with the right MAC chain finds no session: 6982 */
    GT_EXPECT(&f->gt, "80D0000003C1C2C3", "6982");
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "80CA000000", "A1A2A39000");
    /* a wrong MAC key: EXTERNAL AUTHENTICATE refused (the ISD's 6300), no session */
    f->gt.keys.mac[0] ^= 0x10; /* not a parity bit */
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x6300);
    f->gt.keys.mac[0] ^= 0x10; /* not a parity bit */
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "80D0000003D1D2D3", "6982");
    GT_EXPECT(&f->gt, "80CA000000", "A1A2A39000");
    /* level 03: AUTHENTICATED | C_MAC | C_DECRYPTION; resetSecurity ends it */
    assert_int_equal(gt_auth(&f->gt, 0, 3), 0x9000);
    raw(f, "80E4000001", "839000");
    GT_EXPECT(&f->gt, "80D0000003E1E2E3", "9000");
    raw(f, "80E6000001", "009000");
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "80D0000003F1F2F3", "6982");
    GT_EXPECT(&f->gt, "80CA000000", "E1E2E39000");
    close_card(f);
}

static void test_failed_commit_undoes_gp_changes(void **state)
{
    (void)state;
    fix *f = open_card();
    personalize(f);
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "00A404000A" APP "00", "9000");
    /* the commit after the APDU fails: 6581, the life cycle stays 0F */
    fail_commits = 1;
    GT_EXPECT(&f->gt, "80E21F0001", "6581");
    GT_EXPECT(&f->gt, "80E0000001", "0F9000");
    /* the counter of a session opened through the applet: undone with its
     * session when the commit fails */
    uint16_t before = counter(f);
    uint8_t c[64], r[300];
    uint16_t sw = 0;
    static const uint8_t hc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int n = jc_scp02_host_init_update(&f->gt.host, 0, hc, c, sizeof c);
    int rn = gt_xfer(&f->gt, c, (size_t)n, r, sizeof r, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(
        jc_scp02_host_check_card(&f->gt.host, f->gt.crypto, &f->gt.keys, r, (size_t)rn - 2), 0);
    n = jc_scp02_host_ext_auth(&f->gt.host, f->gt.crypto, 1, false, c, sizeof c);
    fail_commits = 1;
    gt_xfer(&f->gt, c, (size_t)n, r, sizeof r, &sw);
    assert_int_equal(sw, 0x6581);
    assert_int_equal(counter(f), before);
    GT_EXPECT(&f->gt, "80D0000003A1A2A3", "6982");
    close_card(f);
}

static uint8_t card_lcs(fix *f)
{
    return jc_card_pstate(f->gt.card)->card_lcs;
}

static void test_lock_and_terminate_need_privilege(void **state)
{
    (void)state;
    fix *f = open_card();
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    install(f, "testcases/perso/perso.jca", PKG, APP, 0x00);
    /* a second instance with the Card Lock and Card Terminate privileges */
    GT_EXPECT(&f->gt,
              "80E60C002609" PKG "0A" APP "0AF06A636F7073696D5002"
              "0118"
              "02C900"
              "00",
              "009000");
    GT_SW(&f->gt, "80F08007", 0x9000);
    /* lockCard from OP_READY/INITIALIZED: refused (GP 2.1.1 §6.7.2: from SECURED only) */
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "00A404000AF06A636F7073696D500200", "9000");
    GT_EXPECT(&f->gt, "80F0000001", "009000");
    assert_int_equal(card_lcs(f), 0x07);
    GT_SW(&f->gt, "00A4040000", 0x9000);
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    GT_SW(&f->gt, "80F0800F", 0x9000);
    /* without the privileges: false, the card stays SECURED */
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "00A404000A" APP "00", "9000");
    GT_EXPECT(&f->gt, "80F0000001", "009000");
    GT_EXPECT(&f->gt, "80F2000001", "009000");
    assert_int_equal(card_lcs(f), 0x0F);
    /* with Card Lock: CARD_LOCKED, committed; the applet loses the selection
     * (only the ISD is selectable): its next command (INS E0) is the ISD's, which
     * knows no E0 (6D00), and
     * selecting it is refused as in CARD_LOCKED (6A81) */
    int commits = f->gt.commits;
    GT_EXPECT(&f->gt, "00A404000AF06A636F7073696D500200", "9000");
    GT_EXPECT(&f->gt, "80F0000001", "019000");
    assert_int_equal(card_lcs(f), 0x7F);
    assert_true(f->gt.commits > commits);
    GT_SW(&f->gt, "80E0000001", 0x6D00);
    GT_SW(&f->gt, "00A404000AF06A636F7073696D500200", 0x6A81);
    /* the ISD unlocks; with Card Terminate: TERMINATED */
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    GT_SW(&f->gt, "80F0800F", 0x9000);
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "00A404000AF06A636F7073696D500200", "9000");
    GT_EXPECT(&f->gt, "80F2000001", "019000");
    assert_int_equal(card_lcs(f), 0xFF);
    GT_SW(&f->gt, "80E0000001", 0x6D00);
    close_card(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_data_reaches_process_data),
        cmocka_unit_test(test_applet_without_application),
        cmocka_unit_test(test_secure_channel_through_the_applet),
        cmocka_unit_test(test_failed_commit_undoes_gp_changes),
        cmocka_unit_test(test_lock_and_terminate_need_privilege),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
