/*
 * test_runtime.c: the card's side of the application runtime (jc_runtime.h)
 * with a fake runtime that records every call, can refuse a load, fail an
 * install or a select, answers commands with data of its own and marks its
 * persistent state dirty on request. Checks that the ISD calls load at the
 * last LOAD block and install at INSTALL [for install] (a refusal registers
 * nothing), that SELECT and later commands reach the instance with the C-APDU
 * as received, that deselect/delete/reset come when they should, that a
 * dirty runtime is committed before the answer and rolled back with 6581
 * when the commit fails, and that the image carries the runtime section (an
 * image without one still loads).
 */
#include "test_gp_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include "jc_runtime.h"
#include "jc_store.h"

/* The test CAP of test_gp_content.c (capbuild.py --lfdb). */
#define LFDB                                                                                       \
    "01001ADECAFFED010204000108F06A636F7073696D076A636F7073696D020021001A0021000D000B001A000E001E" \
    "000A000900000000000000000000000001010004000B01020107A000000062010103000D0109F06A636F7073696D" \
    "01000806000E000000800300FF0007010000001507001E000110188C00017A02308F00043D8C00028B00037A0120" \
    "136D008D00057A08000A0000000000000000000005001A0006018003000680030006000001038003010100000206" \
    "800700090009000000050407040309"
#define PKG "F06A636F7073696D"
#define APP "F06A636F7073696D01"
#define INSTALL_FOR_LOAD "80E602001508" PKG "08A00000000300000000000000"
/* INSTALL [for install and make selectable], privileges 00, C9 = 1122 */
#define INSTALL_APP                                                                                \
    "80E60C002508" PKG "09" APP "09" APP "0100"                                                    \
    "04C9021122"                                                                                   \
    "0000"

/* ------------------------------------------------------------------ the fake */

typedef struct {
    char log[4096];
    bool refuse_load, fail_install, refuse_select;
    int fail_restore;
    /* persistent state: packages loaded, instances, a counter */
    int packages, instances;
    uint8_t counter;
    bool dirty;
    size_t lfdb_len;
    uint8_t params[16];
    size_t params_len;
    uint8_t priv;
    uint8_t last_apdu[64];
    size_t last_len;
    uint8_t last_channel;
    int restores;
} fake_rt;

static void fk_log(fake_rt *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fk_log(fake_rt *f, const char *fmt, ...)
{
    size_t n = strlen(f->log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->log + n, sizeof(f->log) - n, fmt, ap);
    va_end(ap);
}

static int fk_load(void *rt, const uint8_t *lfdb, size_t len, uint16_t *sw, char *why,
                   size_t whylen)
{
    fake_rt *f = rt;
    fk_log(f, "load(%zu);", len);
    f->lfdb_len = len;
    if (f->refuse_load) {
        *sw = 0x6A88;
        snprintf(why, whylen, "import of an absent package");
        return -1;
    }
    f->packages++;
    f->dirty = true;
    return 0;
}

static int fk_install(void *rt, const jc_aid *pkg, const jc_aid *module, const jc_aid *instance,
                      const uint8_t *params, size_t params_len, uint8_t privileges, uint16_t *sw,
                      char *why, size_t whylen)
{
    fake_rt *f = rt;
    fk_log(f, "install(%u,%u,%u);", pkg->len, module->len, instance->len);
    if (f->fail_install) {
        *sw = 0x6A80;
        snprintf(why, whylen, "install() threw");
        return -1;
    }
    f->params_len = params_len < sizeof(f->params) ? params_len : sizeof(f->params);
    if (f->params_len)
        memcpy(f->params, params, f->params_len);
    f->priv = privileges;
    f->instances++;
    f->dirty = true;
    return 0;
}

static void keep_apdu(fake_rt *f, uint8_t channel, const uint8_t *apdu, size_t len)
{
    f->last_channel = channel;
    f->last_len = len < sizeof(f->last_apdu) ? len : sizeof(f->last_apdu);
    if (f->last_len)
        memcpy(f->last_apdu, apdu, f->last_len);
}

static int fk_select(void *rt, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                     size_t len, uint8_t *resp, size_t *resp_len)
{
    fake_rt *f = rt;
    fk_log(f, "select(%u);", channel);
    keep_apdu(f, channel, apdu, len);
    if (apdu == NULL) { /* implicit selection: select() only, nothing written */
        assert_int_equal(len, 0);
        *resp_len = 0;
        return f->refuse_select ? JC_RT_REFUSED : JC_RT_SELECTED;
    }
    assert_true(*resp_len >= 4);
    if (f->refuse_select) {
        resp[0] = 0x69;
        resp[1] = 0x99;
        *resp_len = 2;
        return JC_RT_REFUSED;
    }
    resp[0] = 0x5E;
    resp[1] = instance->b[instance->len - 1];
    resp[2] = 0x90;
    resp[3] = 0x00;
    *resp_len = 4;
    return JC_RT_SELECTED;
}

/* INS 10: counter++ (persistent); INS 20: runtime fault; else data CAFE +
 * counter and SW 9000. */
static int fk_process(void *rt, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                      size_t len, uint8_t *resp, size_t *resp_len)
{
    fake_rt *f = rt;
    (void)instance;
    fk_log(f, "process(%02X);", len > 1 ? apdu[1] : 0);
    keep_apdu(f, channel, apdu, len);
    if (len > 1 && apdu[1] == 0x20)
        return -1;
    if (len > 1 && apdu[1] == 0x10) {
        f->counter++;
        f->dirty = true;
    }
    assert_true(*resp_len >= 5);
    resp[0] = 0xCA;
    resp[1] = 0xFE;
    resp[2] = f->counter;
    resp[3] = 0x90;
    resp[4] = 0x00;
    *resp_len = 5;
    return 0;
}

static void fk_deselect(void *rt, const jc_aid *instance, uint8_t channel)
{
    (void)instance;
    fk_log(rt, "deselect(%u);", channel);
}

static int fk_delete_instance(void *rt, const jc_aid *instance, uint16_t *sw)
{
    fake_rt *f = rt;
    (void)instance;
    (void)sw;
    fk_log(f, "delete_instance;");
    f->instances--;
    f->dirty = true;
    return 0;
}

static int fk_delete_package(void *rt, const jc_aid *pkg, uint16_t *sw)
{
    fake_rt *f = rt;
    (void)pkg;
    (void)sw;
    fk_log(f, "delete_package;");
    f->packages--;
    f->dirty = true;
    return 0;
}

static void fk_reset(void *rt)
{
    fk_log(rt, "reset;");
}

static int fk_save(void *rt, uint8_t **blob, size_t *len)
{
    fake_rt *f = rt;
    fk_log(f, "save;");
    *blob = malloc(7);
    if (!*blob)
        return JC_ERR_NOMEM;
    memcpy(*blob, "FAKE", 4);
    (*blob)[4] = (uint8_t)f->packages;
    (*blob)[5] = (uint8_t)f->instances;
    (*blob)[6] = f->counter;
    *len = 7;
    f->dirty = false;
    return 0;
}

static int fk_restore(void *rt, const uint8_t *blob, size_t len)
{
    fake_rt *f = rt;
    f->restores++;
    fk_log(f, "restore(%zu);", len);
    if (f->fail_restore)
        return -1;
    if (len == 0) {
        f->packages = f->instances = f->counter = 0;
    } else {
        if (len != 7 || memcmp(blob, "FAKE", 4) != 0)
            return -1;
        f->packages = blob[4];
        f->instances = blob[5];
        f->counter = blob[6];
    }
    f->dirty = false;
    return 0;
}

static bool fk_dirty(void *rt)
{
    return ((fake_rt *)rt)->dirty;
}

static const jc_runtime_ops fake_ops = {
    .load = fk_load,
    .install = fk_install,
    .select = fk_select,
    .process = fk_process,
    .deselect = fk_deselect,
    .delete_instance = fk_delete_instance,
    .delete_package = fk_delete_package,
    .reset = fk_reset,
    .save = fk_save,
    .restore = fk_restore,
    .dirty = fk_dirty,
};

/* ------------------------------------------------------------------ fixture */

typedef struct {
    int commits;
    int fail_next;   /* the next n commits fail */
    jc_pstate *last; /* copy of the last committed state (with its section) */
} commit_log;

static int rt_commit(void *ctx, const jc_pstate *st)
{
    commit_log *c = ctx;
    if (c->fail_next > 0) {
        c->fail_next--;
        return JC_ERR_IO;
    }
    c->commits++;
    if (c->last)
        jc_pstate_release(c->last);
    else
        c->last = malloc(sizeof(*c->last));
    assert_non_null(c->last);
    assert_int_equal(jc_pstate_copy(c->last, st), 0);
    return 0;
}

typedef struct {
    gt_fix gt;
    fake_rt rt;
    commit_log commits;
} rt_fix;

static rt_fix *rt_open(const jc_pstate *st, bool with_runtime)
{
    rt_fix *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->gt.rand.rng.s = 77;
    jc_env env = {.random = gt_random,
                  .random_ctx = &f->gt.rand,
                  .trace = tu_trace_cb,
                  .trace_ctx = &f->gt.trace,
                  .commit = rt_commit,
                  .commit_ctx = &f->commits};
    assert_int_equal(jc_card_create(&f->gt.card, st, &env), 0);
    if (with_runtime)
        assert_int_equal(jc_card_set_runtime(f->gt.card, &fake_ops, &f->rt), 0);
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_power_on(f->gt.card, atr, sizeof(atr)) > 0);
    assert_int_equal(jc_crypto_create(&f->gt.crypto), 0);
    uint8_t k[16];
    tu_hex(GT_KEYS, k, 16);
    memcpy(f->gt.keys.enc, k, 16);
    memcpy(f->gt.keys.mac, k, 16);
    memcpy(f->gt.keys.dek, k, 16);
    return f;
}

static rt_fix *rt_new(void)
{
    jc_pstate *st = malloc(sizeof(*st));
    assert_non_null(st);
    gt_fused_state(st, "J2A040");
    rt_fix *f = rt_open(st, true);
    free(st);
    return f;
}

static void rt_free(rt_fix *f)
{
    jc_card_power_off(f->gt.card);
    jc_card_free(f->gt.card);
    jc_crypto_free(f->gt.crypto);
    if (f->commits.last) {
        jc_pstate_release(f->commits.last);
        free(f->commits.last);
    }
    free(f);
}

/* The Load File (C4 L LFDB) in blocks of 200 bytes; the last SW. */
static uint16_t load_all(rt_fix *f)
{
    uint8_t lf[600];
    uint8_t lfdb[512];
    int ln = tu_hex(LFDB, lfdb, sizeof(lfdb));
    assert_true(ln > 0x80 && ln < 256);
    size_t uln = ln > 0x80 && ln < 256 ? (size_t)ln : 0;
    size_t n = 0;
    lf[n++] = 0xC4;
    lf[n++] = 0x81;
    lf[n++] = (uint8_t)uln;
    memcpy(lf + n, lfdb, uln);
    n += uln;
    uint16_t sw = 0;
    uint8_t no = 0;
    for (size_t off = 0; off < n; off += 200, no++) {
        size_t len = n - off < 200 ? n - off : 200;
        char cmd[600];
        sprintf(cmd, "80E8%02X%02X%02X", off + len == n ? 0x80 : 0x00, no, (unsigned)len);
        tu_tohex(lf + off, len, cmd + strlen(cmd));
        sw = gt_send(&f->gt, cmd, NULL, 0);
        if (sw != 0x9000)
            return sw;
    }
    return sw;
}

#define WARNED(f, text) assert_non_null(strstr((f)->gt.trace.last_warn, (text)))

static bool logged(const rt_fix *f, const char *what)
{
    return strstr(f->rt.log, what) != NULL;
}

/* ------------------------------------------------------------------ tests */

static void test_refused_load_registers_nothing(void **state)
{
    (void)state;
    rt_fix *f = rt_new();
    f->rt.refuse_load = true;
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    GT_EXPECT(&f->gt, INSTALL_FOR_LOAD, "009000");
    int before = f->commits.commits;
    assert_int_equal(load_all(f), 0x6A88); /* the runtime's SW */
    if (!logged(f, "load(199);"))          /* the LFDB alone, without its C4 81 C7 */
        print_error("log: %s\n", f->rt.log);
    assert_true(logged(f, "load(199);"));
    assert_int_equal(f->commits.commits, before);
    GT_EXPECT(&f->gt, "80F22000024F0000", "07A000000003535001009000"); /* no new ELF */
    WARNED(f, "import of an absent package");
    assert_null(jc_card_pstate(f->gt.card)->rt);
    rt_free(f);
}

static void test_load_install_commit_section(void **state)
{
    (void)state;
    rt_fix *f = rt_new();
    assert_int_equal(gt_auth(&f->gt, 0, 3), 0x9000);
    GT_EXPECT(&f->gt, INSTALL_FOR_LOAD, "009000");
    assert_int_equal(load_all(f), 0x9000);
    /* the ELF and the runtime's package reached the image in the LOAD's commit */
    assert_int_equal(f->rt.packages, 1);
    assert_false(f->rt.dirty);
    assert_non_null(f->commits.last);
    assert_int_equal(f->commits.last->rt_len, 7);
    assert_memory_equal(f->commits.last->rt, "FAKE\x01\x00\x00", 7);

    /* a failing install: the runtime's SW, no registry entry, nothing kept */
    f->rt.fail_install = true;
    GT_EXPECT(&f->gt, INSTALL_APP, "6A80");
    GT_EXPECT(&f->gt, "80F24000024F0000", "6A88");
    assert_int_equal(f->rt.instances, 0);
    /* a good one: C9's value and the privileges reach install() */
    f->rt.fail_install = false;
    GT_EXPECT(&f->gt, INSTALL_APP, "009000");
    GT_EXPECT(&f->gt, "80F24000024F0000",
              "09" APP "0700"
              "9000");
    assert_int_equal(f->rt.params_len, 2);
    assert_memory_equal(f->rt.params, "\x11\x22", 2);
    assert_int_equal(f->rt.priv, 0x00);
    assert_memory_equal(f->commits.last->rt, "FAKE\x01\x01\x00", 7);
    rt_free(f);
}

static rt_fix *rt_installed(void)
{
    rt_fix *f = rt_new();
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    GT_EXPECT(&f->gt, INSTALL_FOR_LOAD, "009000");
    assert_int_equal(load_all(f), 0x9000);
    GT_EXPECT(&f->gt, INSTALL_APP, "009000");
    jc_scp02_reset(&f->gt.host);
    f->rt.log[0] = '\0';
    return f;
}

static void test_select_process_deselect(void **state)
{
    (void)state;
    rt_fix *f = rt_installed();
    /* SELECT reaches select() with the whole C-APDU; its answer is the card's */
    GT_EXPECT(&f->gt, "00A4040009" APP "00", "5E019000");
    assert_true(logged(f, "select(0);"));
    assert_int_equal(f->rt.last_len, 15);
    /* later commands reach process() as received: GET RESPONSE, chaining CLA */
    GT_EXPECT(&f->gt, "0001020300", "CAFE009000");
    GT_EXPECT(&f->gt, "00C0000000", "CAFE009000");
    assert_int_equal(f->rt.last_apdu[1], 0xC0);
    GT_EXPECT(&f->gt, "1001000002AABB", "CAFE009000");
    assert_int_equal(f->rt.last_len, 7);
    assert_memory_equal(f->rt.last_apdu, "\x10\x01\x00\x00\x02\xAA\xBB", 7);
    /* GP commands go to the applet too while it is selected */
    GT_EXPECT(&f->gt, "80CA006600", "CAFE009000");
    /* a runtime fault: 6F00 */
    GT_EXPECT(&f->gt, "0020000000", "6F00");
    /* SELECT of the ISD: deselect() first */
    GT_SW(&f->gt, "00A4040000", 0x9000);
    assert_true(logged(f, "deselect(0);"));
    f->rt.log[0] = '\0';
    GT_SW(&f->gt, "80CA006600", 0x9000); /* the ISD answers again (Card Data) */
    assert_string_equal(f->rt.log, "");
    /* a refused select: 6999, nothing selected, nothing processed */
    f->rt.refuse_select = true;
    GT_EXPECT(&f->gt, "00A4040009" APP "00", "6999");
    f->rt.log[0] = '\0';
    GT_EXPECT(&f->gt, "0001020300", "6D00");
    assert_string_equal(f->rt.log, "");
    /* a reset: reset(), and the ISD selected (no deselect at power loss) */
    f->rt.refuse_select = false;
    GT_EXPECT(&f->gt, "00A4040009" APP "00", "5E019000");
    uint8_t atr[JC_ATR_MAX];
    f->rt.log[0] = '\0';
    assert_true(jc_card_reset(f->gt.card, atr, sizeof(atr)) > 0);
    assert_string_equal(f->rt.log, "reset;");
    GT_SW(&f->gt, "80CA006600", 0x9000);
    assert_string_equal(f->rt.log, "reset;");
    rt_free(f);
}

static void test_dirty_commit_and_rollback(void **state)
{
    (void)state;
    rt_fix *f = rt_installed();
    GT_EXPECT(&f->gt, "00A4040009" APP "00", "5E019000");
    int before = f->commits.commits;
    /* a persistent change of the applet: saved and committed before the answer */
    GT_EXPECT(&f->gt, "0010000000", "CAFE019000");
    assert_int_equal(f->commits.commits, before + 1);
    assert_memory_equal(f->commits.last->rt, "FAKE\x01\x01\x01", 7);
    assert_memory_equal(jc_card_pstate(f->gt.card)->rt, "FAKE\x01\x01\x01", 7);
    /* no change: no commit */
    GT_EXPECT(&f->gt, "0001000000", "CAFE019000");
    assert_int_equal(f->commits.commits, before + 1);
    /* the commit fails: 6581 without the applet's data, runtime back to 01 */
    f->commits.fail_next = 1;
    int restores = f->rt.restores;
    GT_EXPECT(&f->gt, "0010000000", "6581");
    assert_int_equal(f->rt.restores, restores + 1);
    assert_int_equal(f->rt.counter, 1);
    assert_memory_equal(jc_card_pstate(f->gt.card)->rt, "FAKE\x01\x01\x01", 7);
    WARNED(f, "commit of the card image failed");
    GT_EXPECT(&f->gt, "0010000000", "CAFE029000");
    rt_free(f);
}

static void test_delete_calls_runtime(void **state)
{
    (void)state;
    rt_fix *f = rt_installed();
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    GT_EXPECT(&f->gt, "80E400000B4F09" APP "00", "009000");
    assert_string_equal(f->rt.log, "delete_instance;save;");
    GT_EXPECT(&f->gt, INSTALL_APP, "009000");
    f->rt.log[0] = '\0';
    /* a failed commit of DELETE: the registry and the runtime keep the instance */
    f->commits.fail_next = 1;
    GT_EXPECT(&f->gt, "80E400800A4F08" PKG "00", "6581");
    assert_int_equal(f->rt.instances, 1);
    assert_int_equal(f->rt.packages, 1);
    GT_EXPECT(&f->gt, "80F24000024F0000",
              "09" APP "0700"
              "9000");
    f->rt.log[0] = '\0';
    GT_EXPECT(&f->gt, "80E400800A4F08" PKG "00", "009000");
    assert_string_equal(f->rt.log, "delete_instance;delete_package;save;");
    assert_int_equal(f->rt.instances, 0);
    assert_int_equal(f->rt.packages, 0);
    rt_free(f);
}

static void test_image_section_and_restart(void **state)
{
    (void)state;
    rt_fix *f = rt_installed();
    const jc_pstate *st = jc_card_pstate(f->gt.card);
    assert_int_equal(st->rt_len, 7);
    /* the image carries the section; decoding gives it back */
    size_t n = jc_image_size(st);
    assert_int_equal(n, jc_image_encoded_size() + 6 + 7);
    uint8_t *img = malloc(n + 1);
    assert_non_null(img);
    assert_int_equal(jc_image_encode(st, img, n), (int)n);
    jc_pstate *back = malloc(sizeof(*back));
    assert_non_null(back);
    assert_int_equal(jc_image_decode(img, n, back), 0);
    assert_int_equal(back->rt_len, 7);
    assert_memory_equal(back->rt, "FAKE\x01\x01\x00", 7);
    /* cut before the section, one byte short, one byte more, a flipped
     * section byte: all refused */
    assert_int_equal(jc_image_decode(img, jc_image_encoded_size(), back), JC_ERR_TRUNCATED);
    assert_int_equal(jc_image_decode(img, n - 1, back), JC_ERR_TRUNCATED);
    img[n] = 0;
    assert_int_equal(jc_image_decode(img, n + 1, back), JC_ERR_FORMAT);
    img[n - 33] ^= 1;
    assert_int_equal(jc_image_decode(img, n, back), JC_ERR_CORRUPT);
    img[n - 33] ^= 1;

    /* a new card from the image: the runtime gets the section back */
    rt_fix *g = rt_open(back, true);
    assert_true(strstr(g->rt.log, "restore(7);") != NULL);
    assert_int_equal(g->rt.instances, 1);
    GT_EXPECT(&g->gt, "00A4040009" APP "00", "5E019000");
    rt_free(g);
    /* a runtime that cannot read the section is not attached */
    jc_card *c = NULL;
    jc_env env = {.random = tu_random, .random_ctx = &f->gt.rand.rng};
    assert_int_equal(jc_card_create(&c, back, &env), 0);
    fake_rt bad = {.fail_restore = 1};
    assert_int_equal(jc_card_set_runtime(c, &fake_ops, &bad), JC_ERR_CORRUPT);
    jc_runtime_ops partial = fake_ops;
    partial.dirty = NULL;
    assert_int_equal(jc_card_set_runtime(c, &partial, &bad), JC_ERR_ARG);
    /* without a runtime the section is kept as it is, the applet answers 6D00 */
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_power_on(c, atr, sizeof(atr)) > 0);
    assert_int_equal(tu_sw(c, "00A4040009" APP "00"), 0x9000);
    assert_int_equal(tu_sw(c, "0010000000"), 0x6D00);
    assert_int_equal(jc_card_pstate(c)->rt_len, 7);
    jc_card_free(c);
    jc_pstate_release(back);

    /* an image without a section (every image before the runtime) loads with none */
    jc_pstate *old = malloc(sizeof(*old));
    assert_non_null(old);
    gt_fused_state(old, "J2A040");
    size_t on = jc_image_size(old);
    assert_int_equal(on, jc_image_encoded_size());
    assert_int_equal(jc_image_encode(old, img, on), (int)on);
    assert_int_equal(jc_image_decode(img, on, back), 0);
    assert_null(back->rt);
    assert_int_equal(back->rt_len, 0);
    free(old);
    free(back);
    free(img);
    rt_free(f);
}

/* An instance selected on a supplementary channel gets that channel's
 * number; the basic channel keeps the ISD; closing the channel deselects it;
 * a Default Selected instance is selected implicitly (no APDU) at power-up. */
static void test_instance_on_channel(void **state)
{
    (void)state;
    rt_fix *f = rt_installed();
    GT_EXPECT(&f->gt, "0070000001", "019000");
    GT_EXPECT(&f->gt, "01A4040009" APP "00", "5E019000");
    assert_true(logged(f, "select(1);"));
    GT_EXPECT(&f->gt, "0101000000", "CAFE009000");
    assert_int_equal(f->rt.last_channel, 1);
    assert_int_equal(f->rt.last_apdu[0], 0x01); /* CLA as received */
    f->rt.log[0] = '\0';
    /* channel 0: the ISD, whose session (level 01) the SELECT on 1 left open */
    GT_SW(&f->gt, "80CA006600", 0x6982);
    GT_SW(&f->gt, "00A4040000", 0x9000);
    GT_SW(&f->gt, "80CA006600", 0x9000);
    assert_string_equal(f->rt.log, "");
    GT_EXPECT(&f->gt, "00708001", "9000");
    assert_string_equal(f->rt.log, "deselect(1);");
    rt_free(f);

    /* Default Selected (INSTALL for install and make selectable, privilege 04) */
    f = rt_new();
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    GT_EXPECT(&f->gt, INSTALL_FOR_LOAD, "009000");
    assert_int_equal(load_all(f), 0x9000);
    GT_EXPECT(&f->gt,
              "80E60C002508" PKG "09" APP "09" APP "0104"
              "04C9021122"
              "0000",
              "009000");
    uint8_t atr[JC_ATR_MAX];
    f->rt.log[0] = '\0';
    assert_true(jc_card_reset(f->gt.card, atr, sizeof(atr)) > 0);
    assert_string_equal(f->rt.log, "reset;select(0);");
    assert_int_equal(f->rt.last_len, 0); /* implicit: no APDU */
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "0001000000", "CAFE009000");
    /* a new channel opened from channel 0 starts with the default instance */
    GT_EXPECT(&f->gt, "0070000001", "019000");
    assert_true(logged(f, "select(1);"));
    GT_EXPECT(&f->gt, "0101000000", "CAFE009000");
    rt_free(f);
}

/* The file store writes and reads images with a section (their size varies). */
static void test_store_keeps_section(void **state)
{
    (void)state;
    char dir[64], path[96];
    snprintf(dir, sizeof(dir), "/tmp/jc_rt_test.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/card.img", dir);
    jc_pstate *st = malloc(sizeof(*st));
    jc_pstate *back = malloc(sizeof(*back));
    assert_non_null(st);
    assert_non_null(back);
    gt_fused_state(st, "J2A040");
    jc_store *s = NULL;
    assert_int_equal(jc_store_create_file(&s, path, st), 0); /* no section yet */
    uint8_t big[3000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    st->rt = big;
    st->rt_len = sizeof(big);
    assert_int_equal(jc_store_commit(s, st), 0);
    jc_store_close(s);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((size_t)sb.st_size, jc_image_encoded_size() + 6 + sizeof(big));
    assert_int_equal(jc_store_open_file(&s, path, back), 0);
    assert_int_equal(back->rt_len, sizeof(big));
    assert_memory_equal(back->rt, big, sizeof(big));
    /* a smaller section afterwards: the file shrinks with it */
    st->rt_len = 5;
    assert_int_equal(jc_store_commit(s, st), 0);
    jc_store_close(s);
    jc_pstate_release(back);
    assert_int_equal(jc_store_open_file(&s, path, back), 0);
    assert_int_equal(back->rt_len, 5);
    jc_store_close(s);
    jc_pstate_release(back);
    unlink(path);
    rmdir(dir);
    free(st);
    free(back);
}

/* INSTALL [for personalization] then STORE DATA: each block reaches the
 * instance's process() unwrapped (CLA 80), the applet's answer is the card's;
 * after the last block the ISD takes STORE DATA again (GP 2.1.1 §9.11.1). */
static void test_store_data_forwarded(void **state)
{
    (void)state;
    rt_fix *f = rt_installed();
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    char cmd[80];
    snprintf(cmd, sizeof cmd, "80E62000%02X0000%02X%s000000", 6 + (int)strlen(APP) / 2,
             (int)strlen(APP) / 2, APP);
    GT_EXPECT(&f->gt, cmd, "009000");
    f->rt.log[0] = '\0';
    GT_EXPECT(&f->gt, "80E2000003C10101", "CAFE009000");
    assert_true(logged(f, "process(E2);"));
    assert_int_equal(f->rt.last_len, 8);
    assert_memory_equal(f->rt.last_apdu, "\x80\xE2\x00\x00\x03\xC1\x01\x01", 8);
    GT_EXPECT(&f->gt, "80E2800103C10102", "CAFE009000");
    f->rt.log[0] = '\0';
    GT_EXPECT(&f->gt, "80E2800004420247FF", "9000"); /* the ISD's own again */
    assert_string_equal(f->rt.log, "");
    rt_free(f);
}

static void test_without_runtime_unchanged(void **state)
{
    (void)state;
    jc_pstate *st = malloc(sizeof(*st));
    assert_non_null(st);
    gt_fused_state(st, "J2A040");
    rt_fix *f = rt_open(st, false);
    free(st);
    assert_int_equal(gt_auth(&f->gt, 0, 1), 0x9000);
    GT_EXPECT(&f->gt, INSTALL_FOR_LOAD, "009000");
    assert_int_equal(load_all(f), 0x9000);
    GT_EXPECT(&f->gt, INSTALL_APP, "009000");
    jc_scp02_reset(&f->gt.host);
    GT_EXPECT(&f->gt, "00A4040009" APP "00", "9000");
    GT_EXPECT(&f->gt, "0010000000", "6D00");
    assert_null(jc_card_pstate(f->gt.card)->rt);
    assert_string_equal(f->rt.log, "");
    rt_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_load_registers_nothing),
        cmocka_unit_test(test_load_install_commit_section),
        cmocka_unit_test(test_select_process_deselect),
        cmocka_unit_test(test_dirty_commit_and_rollback),
        cmocka_unit_test(test_delete_calls_runtime),
        cmocka_unit_test(test_image_section_and_restart),
        cmocka_unit_test(test_instance_on_channel),
        cmocka_unit_test(test_store_keeps_section),
        cmocka_unit_test(test_store_data_forwarded),
        cmocka_unit_test(test_without_runtime_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
