/*
 * test_tearing.c: a power cut at every persistent write an applet causes
 * (issue 17 item 1; FIDELITY.md "Tearing").
 *
 * In process, over the VM's runtime entry points the card core uses (load,
 * install, select, process, deselect, delete, save/restore; jc_runtime.h):
 * the test plays the core, committing the VM's persistent state as the
 * image's runtime section after every command, as the core does before each
 * answer. The applet is applets/tear.jca (assembled at build time by
 * `jcop-cap asm`): a field and a static, an array element, Util.arrayCopy,
 * arrayCopyNonAtomic, arrayFillNonAtomic, a transaction of ten updates (run
 * three times: the transaction loop), an aborted transaction, allocation in
 * and out of a transaction, object deletion, OwnerPIN.check right and wrong,
 * in and out of a transaction; the scenario also loads, installs and deletes.
 *
 * A reference run counts the VM's persistent writes per step and keeps the
 * state before and after each step (read back from the committed image by a
 * fresh VM: package, instance, object count and the applet's dump). Then for
 * every write point k of the whole scenario: run it again from an empty card
 * with the power cut before write k; the image must load in a fresh VM and
 * show exactly the state the EEPROM model gives: in the interrupted step,
 * every atomic unit completed before the cut applied, the others (the cut one
 * and an open transaction, an in-flight LOAD, INSTALL or DELETE) not at all.
 * A mismatch names the step, the cut point and each unit seen before, after
 * or mixed. A self-check shows the checker catches a transaction that was not
 * rolled back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm.h"
#include "jh_cap.h"

/* ---- the state a fresh VM reads back from an image ---- */
enum {
    E_PKG,
    E_INST,
    E_OBJS, /* persistent objects (garbage included, as on a card before object deletion) */
    E_F,    /* 2 bytes */
    E_S = E_F + 2,
    E_ARR = E_S + 2,
    E_LOG = E_ARR + 8,
    E_OBJ = E_LOG + 8, /* obj.length, 0 for null */
    E_TRIES,
    E_FAIL,
    E_N
};
#define M(e) (1ull << (e))
#define MR(e, n) ((((1ull << (n)) - 1ull)) << (e))
#define M_APPLET (MR(E_F, E_N - E_F) | M(E_INST) | M(E_OBJS))
static const char *el_name(int e)
{
    static char b[24];
    if (e == E_PKG)
        return "package";
    if (e == E_INST)
        return "instance";
    if (e == E_OBJS)
        return "object count";
    if (e < E_S)
        return "f";
    if (e < E_ARR)
        return "s";
    if (e < E_LOG) {
        snprintf(b, sizeof b, "arr[%d]", e - E_ARR);
        return b;
    }
    if (e < E_OBJ) {
        snprintf(b, sizeof b, "log[%d]", e - E_LOG);
        return b;
    }
    return e == E_OBJ ? "obj.length" : e == E_TRIES ? "PIN tries" : "lastFail";
}

/* ---- the scenario ---- */
enum { S_LOAD, S_INSTALL, S_SELECT, S_APDU, S_DESELECT, S_DEL_INST, S_DEL_PKG };
typedef struct {
    const char *name;
    uint64_t mask; /* the state elements it changes */
    int wps;       /* persistent writes it takes; -1: every remaining one of the step */
    int delta;     /* != 0: the unit adds delta to its elements (else: their final value) */
} unit;
typedef struct {
    const char *name;
    int kind;
    const char *apdu;
    uint16_t sw;
    unit units[6];
} step;

#define TX "transaction (all or nothing)"
#define TXM (MR(E_F, 2) | MR(E_ARR, 8) | MR(E_LOG, 2))
/* clang-format off */
static const step steps[] = {
    {"LOAD", S_LOAD, NULL, 0, {{"LOAD (the whole command)", M(E_PKG) | M(E_OBJS), -1, 0}}},
    {"INSTALL", S_INSTALL, NULL, 0, {{"INSTALL (the whole command)", M_APPLET, -1, 0}}},
    {"SELECT", S_SELECT, "00A404000AF06A636F7073696D5401", 0x9000, {{NULL, 0, 0, 0}}},
    {"INS 10: f++ then s++", S_APDU, "00100000", 0x9000,
     {{"putfield f", MR(E_F, 2), 1, 0}, {"putstatic s", MR(E_S, 2), 1, 0}}},
    {"INS 20: arr[3] = 33", S_APDU, "00200333", 0x9000, {{"bastore arr[3]", M(E_ARR + 3), 1, 0}}},
    {"INS 30: Util.arrayCopy 8 bytes", S_APDU, "0030000008A0A1A2A3A4A5A6A7", 0x9000,
     {{"Util.arrayCopy arr[0..8)", MR(E_ARR, 8), 1, 0}}},
    {"INS 32: Util.arrayCopyNonAtomic 4 bytes", S_APDU, "0032000004B0B1B2B3", 0x9000,
     {{"log[0]", M(E_LOG), 1, 0}, {"log[1]", M(E_LOG + 1), 1, 0},
      {"log[2]", M(E_LOG + 2), 1, 0}, {"log[3]", M(E_LOG + 3), 1, 0}}},
    {"INS 34: Util.arrayFillNonAtomic 4 bytes", S_APDU, "00345A00", 0x9000,
     {{"log[4]", M(E_LOG + 4), 1, 0}, {"log[5]", M(E_LOG + 5), 1, 0},
      {"log[6]", M(E_LOG + 6), 1, 0}, {"log[7]", M(E_LOG + 7), 1, 0}}},
    {"INS 40: transaction 1 of the loop", S_APDU, "00400000", 0x9000, {{TX, TXM, -1, 0}}},
    {"INS 40: transaction 2 of the loop", S_APDU, "00400000", 0x9000, {{TX, TXM, -1, 0}}},
    {"INS 40: transaction 3 of the loop", S_APDU, "00400000", 0x9000, {{TX, TXM, -1, 0}}},
    {"INS 42: aborted transaction", S_APDU, "00420000", 0x9000,
     {{"aborted transaction (never visible)", MR(E_F, 2) | M(E_ARR), -1, 0}}},
    {"INS 50: obj = new byte[16]", S_APDU, "00501000", 0x9000,
     {{"newarray", M(E_OBJS), 1, 0}, {"putfield obj", M(E_OBJ), 1, 0}}},
    {"INS 52: obj = new byte[5] in a transaction", S_APDU, "00520500", 0x9000,
     {{TX, M(E_OBJS) | M(E_OBJ), -1, 0}}},
    {"INS 54: obj = null, requestObjectDeletion", S_APDU, "00540000", 0x9000,
     {{"putfield obj", M(E_OBJ), 1, 0}, {"object deletion (all or none)", M(E_OBJS), 1, 0}}},
    {"INS 60: wrong PIN", S_APDU, "006000000411111111", 0x63C2,
     {{"OwnerPIN try counter", M(E_TRIES), 1, 0}, {"putfield lastFail", M(E_FAIL), 1, 0}}},
    {"INS 62: wrong PIN inside a transaction", S_APDU, "006200000422222222", 0x9000,
     {{"OwnerPIN try counter (not part of the transaction)", M(E_TRIES), 1, 0},
      {TX, MR(E_F, 2), -1, 0}}},
    {"INS 60: right PIN", S_APDU, "006000000400000000", 0x9000,
     {{"OwnerPIN try counter down before the comparison", M(E_TRIES), 1, -1},
      {"OwnerPIN try counter reset", M(E_TRIES), 1, 0}}},
    {"DESELECT", S_DESELECT, NULL, 0, {{NULL, 0, 0, 0}}},
    {"DELETE instance", S_DEL_INST, NULL, 0x9000,
     {{"DELETE instance (the whole command)", M_APPLET, -1, 0}}},
    {"DELETE package", S_DEL_PKG, NULL, 0x9000,
     {{"DELETE package (the whole command)", M(E_PKG) | M(E_OBJS), -1, 0}}},
};
/* clang-format on */
#define N_STEPS (sizeof steps / sizeof steps[0])

static const jc_aid PKG = {9, {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x54}};
static const jc_aid APP = {10, {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x54, 0x01}};

static uint8_t *lfdb;
static size_t lfdb_len;

/* ---- the card: a VM and its committed runtime section ---- */
typedef struct {
    jcvm *vm;
    uint8_t *img; /* the committed section ("the EEPROM"); NULL = empty runtime */
    size_t img_len;
    unsigned long wp, cut_at; /* write points so far; the one to cut before (0 none) */
    bool dead;                /* the power was cut */
    bool no_rollback;         /* self-check: keep the live heap instead of the recovered one */
    char what[80];
} card;

static void set_img(card *c, const uint8_t *b, size_t n)
{
    free(c->img);
    c->img = NULL;
    c->img_len = 0;
    if (n > 0) {
        c->img = malloc(n);
        assert_non_null(c->img);
        memcpy(c->img, b, n);
        c->img_len = n;
    }
}

static bool on_write_point(void *ctx, const char *what)
{
    card *c = ctx;
    c->wp++;
    if (c->cut_at == 0 || c->wp != c->cut_at)
        return false;
    snprintf(c->what, sizeof c->what, "%s", what);
    return true;
}

static void on_power_cut(void *ctx, const uint8_t *blob, size_t len)
{
    card *c = ctx;
    c->dead = true;
    if (c->no_rollback) {
        uint8_t *b = NULL;
        size_t n = 0;
        assert_int_equal(jcvm_save(c->vm, &b, &n), 0);
        set_img(c, b, n);
        free(b);
        return;
    }
    if (blob != NULL)
        set_img(c, blob, len);
    /* blob NULL: a LOAD, INSTALL or DELETE in flight: the last commit stands */
}

static void commit(card *c)
{
    if (c->dead || !jcvm_dirty(c->vm))
        return;
    uint8_t *b = NULL;
    size_t n = 0;
    assert_int_equal(jcvm_save(c->vm, &b, &n), 0);
    set_img(c, b, n);
    free(b);
}

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static uint16_t xfer(jcvm *vm, bool select, const char *hex, uint8_t *resp, size_t *rl)
{
    uint8_t apdu[300];
    size_t n = unhex(hex, apdu);
    *rl = 300;
    int r = select ? jcvm_select(vm, &APP, 0, apdu, n, resp, rl)
                   : jcvm_process(vm, &APP, 0, apdu, n, resp, rl);
    if (r < 0 || *rl < 2)
        return 0;
    return (uint16_t)(resp[*rl - 2] << 8 | resp[*rl - 1]);
}

/* Run step i on the card; returns its status word (0 for steps without one). */
static uint16_t run_step(card *c, size_t i)
{
    const step *s = &steps[i];
    uint16_t sw = 0, gsw = 0;
    uint8_t resp[300];
    size_t rl;
    char why[200];
    switch (s->kind) {
    case S_LOAD:
        sw = jcvm_load(c->vm, lfdb, lfdb_len, &gsw, why, sizeof why) == 0 ? 0 : gsw;
        break;
    case S_INSTALL:
        sw =
            jcvm_install(c->vm, &PKG, &APP, &APP, NULL, 0, 0, &gsw, why, sizeof why) == 0 ? 0 : gsw;
        break;
    case S_SELECT:
        sw = xfer(c->vm, true, s->apdu, resp, &rl);
        break;
    case S_APDU:
        sw = xfer(c->vm, false, s->apdu, resp, &rl);
        break;
    case S_DESELECT:
        jcvm_deselect(c->vm, &APP, 0);
        break;
    case S_DEL_INST:
        jcvm_delete_instance(c->vm, &APP, &sw);
        break;
    case S_DEL_PKG:
        jcvm_delete_package(c->vm, &PKG, &sw);
        break;
    }
    commit(c);
    return sw;
}

static jcvm *vm_new(card *c)
{
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    if (c != NULL) {
        cfg.write_point = on_write_point;
        cfg.power_cut = on_power_cut;
        cfg.tear_ctx = c;
    }
    jcvm *vm = jcvm_new(&cfg);
    assert_non_null(vm);
    return vm;
}

/* Power up a fresh VM on the image and read the state back. false: the image
   does not load or the applet does not answer its dump. */
static bool state_of(const uint8_t *img, size_t len, int *v, char *why, size_t wl)
{
    jcvm *vm = vm_new(NULL);
    bool ok = false;
    if (jcvm_restore(vm, img, len) != 0) {
        snprintf(why, wl, "the image does not load (jcvm_restore refused it)");
        goto out;
    }
    jcvm_reset(vm); /* power-up: an open transaction would be rolled back here */
    for (int e = 0; e < E_N; e++)
        v[e] = -1;
    v[E_PKG] = jcvm_has_package(vm, &PKG);
    v[E_INST] = jcvm_has_instance(vm, &APP);
    v[E_OBJS] = (int)jcvm_object_count(vm);
    if (v[E_INST]) {
        uint8_t r[300];
        size_t rl;
        uint16_t sw = xfer(vm, true, "00A404000AF06A636F7073696D5401", r, &rl);
        if (sw != 0x9000) {
            snprintf(why, wl, "the applet answers SELECT %04X after the cut", sw);
            goto out;
        }
        sw = xfer(vm, false, "0036000017", r, &rl);
        if (sw != 0x9000 || rl != 25) {
            snprintf(why, wl, "the applet answers its dump %04X (%zu bytes) after the cut", sw, rl);
            goto out;
        }
        for (int k = 0; k < 23; k++)
            v[E_F + k] = r[k];
    }
    ok = true;
out:
    jcvm_free(vm);
    return ok;
}

/* reference run */
static int before[N_STEPS][E_N], after[N_STEPS][E_N];
static unsigned long wp_start[N_STEPS + 1]; /* write points before step i; [N] = total */

static void reference_run(void)
{
    card c = {0};
    c.vm = vm_new(&c);
    char why[200];
    assert_true(state_of(NULL, 0, before[0], why, sizeof why));
    for (size_t i = 0; i < N_STEPS; i++) {
        if (i > 0)
            memcpy(before[i], after[i - 1], sizeof before[i]);
        wp_start[i] = c.wp;
        uint16_t sw = run_step(&c, i);
        if (sw != steps[i].sw)
            fail_msg("reference run: step '%s' answered %04X, expected %04X", steps[i].name, sw,
                     steps[i].sw);
        if (!state_of(c.img, c.img_len, after[i], why, sizeof why))
            fail_msg("reference run, after '%s': %s", steps[i].name, why);
    }
    wp_start[N_STEPS] = c.wp;
    jcvm_free(c.vm);
    free(c.img);
    /* the table's units against the writes the VM made */
    for (size_t i = 0; i < N_STEPS; i++) {
        unsigned long n = wp_start[i + 1] - wp_start[i];
        unsigned long fixed = 0;
        bool rest = false;
        for (const unit *u = steps[i].units; u->name; u++) {
            if (u->wps < 0)
                rest = true;
            else
                fixed += (unsigned long)u->wps;
        }
        /* every unit must be visible, or a torn one could not be seen */
        int v[E_N] = {0};
        memcpy(v, before[i], sizeof v);
        for (const unit *u = steps[i].units; u->name; u++) {
            bool changed = false;
            for (int e = 0; e < E_N; e++)
                if (u->mask & M(e)) {
                    int w = u->delta ? v[e] + u->delta : after[i][e];
                    changed |= w != v[e];
                    v[e] = w;
                }
            if (!changed && strstr(u->name, "never visible") == NULL)
                fail_msg("step '%s', unit '%s' changes nothing the dump shows", steps[i].name,
                         u->name);
        }
        if (memcmp(v, after[i], sizeof v) != 0)
            fail_msg("step '%s': its units do not add up to the state after it", steps[i].name);
        if (rest ? fixed >= n : fixed != n)
            fail_msg("step '%s': the VM made %lu persistent writes, the test's units expect %s%lu",
                     steps[i].name, n, rest ? "more than " : "", fixed);
    }
}

/* The state after a cut before the step's write point j (0-based). */
static void expected(size_t i, unsigned long j, int *v)
{
    memcpy(v, before[i], sizeof before[i]);
    unsigned long done = 0;
    for (const unit *u = steps[i].units; u->name; u++) {
        if (u->wps < 0 || done + (unsigned long)u->wps > j)
            break; /* this unit was in flight: none of it */
        done += (unsigned long)u->wps;
        for (int e = 0; e < E_N; e++)
            if (u->mask & M(e))
                v[e] = u->delta ? v[e] + u->delta : after[i][e];
    }
}

/* Check one cut; returns NULL or a failure message. */
static const char *check_cut(unsigned long k, bool no_rollback, size_t *step_out, int *got_out)
{
    static char msg[4096];
    card c = {0};
    c.vm = vm_new(&c);
    c.cut_at = k;
    c.no_rollback = no_rollback;
    size_t i = 0;
    for (; i < N_STEPS && !c.dead; i++)
        run_step(&c, i);
    jcvm_free(c.vm);
    if (!c.dead) {
        free(c.img);
        snprintf(msg, sizeof msg, "cut %lu did not fire (the scenario made fewer writes)", k);
        return msg;
    }
    i--;
    *step_out = i;
    unsigned long j = k - 1 - wp_start[i];
    int got[E_N], want[E_N];
    char why[200];
    bool loads = state_of(c.img, c.img_len, got, why, sizeof why);
    free(c.img);
    if (!loads) {
        snprintf(msg, sizeof msg, "cut %lu (write %lu of step '%s', before %s): %s", k, j + 1,
                 steps[i].name, c.what, why);
        return msg;
    }
    expected(i, j, want);
    if (got_out != NULL)
        memcpy(got_out, got, sizeof got);
    if (memcmp(got, want, sizeof got) == 0)
        return NULL;
    int n = snprintf(msg, sizeof msg,
                     "cut %lu (write %lu of %lu of step '%s', before %s): the image is not the "
                     "state a card recovers:",
                     k, j + 1, wp_start[i + 1] - wp_start[i], steps[i].name, c.what);
    for (const unit *u = steps[i].units; u->name && n < (int)sizeof msg - 200; u++) {
        int nb = 0, na = 0, tot = 0;
        for (int e = 0; e < E_N; e++)
            if (u->mask & M(e)) {
                tot++;
                nb += got[e] == before[i][e];
                na += got[e] == after[i][e];
            }
        n += snprintf(msg + n, sizeof msg - (size_t)n, "\n  unit '%s': %s", u->name,
                      nb == tot   ? "before"
                      : na == tot ? "after"
                                  : "MIXED (neither before nor after)");
    }
    for (int e = 0; e < E_N && n < (int)sizeof msg - 100; e++)
        if (got[e] != want[e])
            n += snprintf(msg + n, sizeof msg - (size_t)n,
                          "\n  %s = %d, expected %d (before the step %d, after it %d)", el_name(e),
                          got[e], want[e], before[i][e], after[i][e]);
    return msg;
}

static int setup(void **state)
{
    (void)state;
    const char *path = getenv("TEAR_CAP");
    if (path == NULL)
        path = TEAR_CAP_DEFAULT;
    jh_cap cap;
    char err[200];
    if (jh_cap_read(path, &cap, err, sizeof err) != 0) {
        fprintf(stderr, "test_tearing: cannot read %s: %s\n", path, err);
        return -1;
    }
    lfdb = malloc(cap.lfdb_len);
    if (lfdb == NULL)
        return -1;
    memcpy(lfdb, cap.lfdb, cap.lfdb_len);
    lfdb_len = cap.lfdb_len;
    jh_cap_free(&cap);
    reference_run();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(lfdb);
    return 0;
}

/* Every write point of the scenario, each unit before or after, never a mix. */
static void test_every_cut_point(void **state)
{
    (void)state;
    unsigned long total = wp_start[N_STEPS];
    unsigned long per_step[N_STEPS] = {0};
    for (unsigned long k = 1; k <= total; k++) {
        size_t i = 0;
        const char *m = check_cut(k, false, &i, NULL);
        if (m != NULL)
            fail_msg("%s", m);
        per_step[i]++;
    }
    /* one more: no cut fires, the scenario completes */
    size_t i;
    const char *m = check_cut(total + 1, false, &i, NULL);
    assert_non_null(m);
    assert_non_null(strstr(m, "did not fire"));
    print_message("test_tearing: %lu cut points, each image loads and shows every atomic unit "
                  "before or after, never a mix:\n",
                  total);
    for (i = 0; i < N_STEPS; i++)
        if (per_step[i] > 0)
            print_message("  %3lu  %s\n", per_step[i], steps[i].name);
    for (i = 0; i < N_STEPS; i++)
        assert_int_equal(per_step[i], wp_start[i + 1] - wp_start[i]);
}

/* The wrong-PIN rule on its own, with a clear message: a cut anywhere after the
   try counter's write leaves it down, inside a transaction too. */
static void test_wrong_pin_costs_a_try(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_STEPS; i++) {
        if (strstr(steps[i].name, "wrong PIN") == NULL)
            continue;
        unsigned long n = wp_start[i + 1] - wp_start[i];
        assert_true(n >= 2);
        for (unsigned long j = 1; j < n; j++) { /* every cut after the counter's write */
            size_t at;
            int got[E_N] = {0};
            const char *m = check_cut(wp_start[i] + j + 1, false, &at, got);
            assert_int_equal(at, i);
            if (got[E_TRIES] != before[i][E_TRIES] - 1)
                fail_msg("step '%s', cut at write %lu: the PIN try counter is %d after the "
                         "restart, expected %d (a tear must not give a free try)",
                         steps[i].name, j + 1, got[E_TRIES], before[i][E_TRIES] - 1);
            if (m != NULL)
                fail_msg("%s", m);
        }
    }
}

/* Self-check: the checker is load-bearing. An image that keeps a transaction's
   writes (no rollback of the in-flight transaction) must be caught. */
static void test_checker_catches_no_rollback(void **state)
{
    (void)state;
    int caught = 0, tried = 0;
    for (size_t i = 0; i < N_STEPS; i++) {
        if (strncmp(steps[i].name, "INS 40", 6) != 0)
            continue;
        unsigned long n = wp_start[i + 1] - wp_start[i];
        for (unsigned long j = 1; j < n; j++) { /* cuts after the first write of the transaction */
            size_t at;
            tried++;
            if (check_cut(wp_start[i] + j + 1, true, &at, NULL) != NULL)
                caught++;
        }
    }
    assert_true(tried > 0);
    if (caught != tried)
        fail_msg("the checker accepted %d of %d images that kept a half-done transaction",
                 tried - caught, tried);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cut_point),
        cmocka_unit_test(test_wrong_pin_costs_a_try),
        cmocka_unit_test(test_checker_catches_no_rollback),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
