/*
 * jcop-bench.c: the benchmark of issue 9. It measures the card core, the
 * store and the PC/SC path, and prints one Markdown table whose rows all have
 * the same six columns (measurement, median, unit, detail, target, verdict).
 * bench-rig.sh runs it three times and concatenates the rows:
 *
 *   jcop-bench [inproc]  in-process card core (jccore + jcstore, no transport):
 *                        simple APDUs/s, SCP02 handshakes/s (host side from
 *                        jc_scp02.h), durable writes/s and handshakes/s on a
 *                        file image, and the conformance suite's wall time
 *                        through jcop-replay's in-process card;
 *   jcop-bench pcsc A B  a libpcsclite client: APDUs/s on reader A (jcopsim)
 *                        against reader B (the trivial C card, or vicc),
 *                        alternated round by round, with the ratio A/B;
 *   jcop-bench proc PID  the daemon's peak and current RSS (/proc/PID/status);
 *   jcop-bench row ...   one row from values measured elsewhere (the rig's
 *                        start-to-card-present times).
 *
 * Every rate is the median over rounds of (operations / wall time) on one
 * thread: "per core". Nothing here is a test of speed: the ctest smoke test
 * checks only that the table is well formed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <winscard.h>

#include "jc_card.h"
#include "jcvm_runtime.h"
#include "jc_image.h"
#include "jc_profile.h"
#include "jc_hex.h"
#include "jc_scp02.h"
#include "jh_session.h"
#include "jc_store.h"
#include "jb_crypto.h"
#include "jb_vm.h"

extern char **environ;

enum { JB_EXIT_OK = 0, JB_EXIT_FAIL = 1, JB_EXIT_USAGE = 2, JB_EXIT_ENV = 3 };

/* ------------------------------------------------------------------ timing */

static double jb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: a rate per CPU-second ignores the time the
 * scheduler gave to other processes (a shared 2-vCPU machine). */
static double jb_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int jb_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median, min and max of v[0..n) (v is sorted in place). */
typedef struct {
    double median, min, max;
    int n;
} jb_stats;

static jb_stats jb_summarize(double *v, int n)
{
    jb_stats s = {.n = n};
    if (n <= 0)
        return s;
    qsort(v, (size_t)n, sizeof *v, jb_cmp_double);
    s.min = v[0];
    s.max = v[n - 1];
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    return s;
}

/* ------------------------------------------------------------------ the table */

typedef enum { JB_T_NONE = 0, JB_T_GE, JB_T_LE, JB_T_LT } jb_target_op;

typedef struct {
    jb_target_op op;
    double value;
} jb_target;

/* "1234567.8" -> "1,234,568" (rounded to `decimals` places, grouped by thousands). */
static void jb_fmt(double v, int decimals, char *out, size_t cap)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    const char *dot = strchr(raw, '.');
    size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t start = raw[0] == '-' ? 1 : 0;
    size_t o = 0;
    for (size_t i = 0; i < int_len && o + 2 < cap; i++) {
        if (i > start && (int_len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    if (dot) {
        for (const char *p = dot; *p && o + 1 < cap; p++)
            out[o++] = *p;
    }
    out[o] = '\0';
}

static int jb_decimals_for(double v)
{
    if (v >= 100.0)
        return 0;
    if (v >= 1.0)
        return 2;
    return 3;
}

static void jb_header(void)
{
    printf("| measurement | median | unit | detail | target | verdict |\n");
    printf("|---|---:|---|---|---|---|\n");
}

/* A row with a measured value. detail may be NULL. */
static void jb_row(const char *what, double median, const char *unit, const char *detail,
                   jb_target t)
{
    char m[64], tv[64], target[80];
    jb_fmt(median, jb_decimals_for(median), m, sizeof m);
    const char *verdict = "-";
    switch (t.op) {
    case JB_T_NONE:
        snprintf(target, sizeof target, "-");
        break;
    case JB_T_GE:
        jb_fmt(t.value, jb_decimals_for(t.value), tv, sizeof tv);
        snprintf(target, sizeof target, ">= %s", tv);
        verdict = median >= t.value ? "met" : "MISSED";
        break;
    case JB_T_LE:
        jb_fmt(t.value, jb_decimals_for(t.value), tv, sizeof tv);
        snprintf(target, sizeof target, "<= %s", tv);
        verdict = median <= t.value ? "met" : "MISSED";
        break;
    case JB_T_LT:
        jb_fmt(t.value, jb_decimals_for(t.value), tv, sizeof tv);
        snprintf(target, sizeof target, "< %s", tv);
        verdict = median < t.value ? "met" : "MISSED";
        break;
    }
    printf("| %s | %s | %s | %s | %s | %s |\n", what, m, unit, detail && *detail ? detail : "-",
           target, verdict);
    fflush(stdout);
}

/* A row for something that could not be measured. */
static void jb_row_na(const char *what, const char *unit, const char *why, jb_target t)
{
    char tv[64], target[80] = "-";
    if (t.op != JB_T_NONE) {
        jb_fmt(t.value, jb_decimals_for(t.value), tv, sizeof tv);
        snprintf(target, sizeof target, "%s %s", t.op == JB_T_GE ? ">=" : t.op == JB_T_LE ? "<=" : "<",
                 tv);
    }
    printf("| %s | n/a | %s | %s | %s | n/a |\n", what, unit, why, target);
    fflush(stdout);
}

/* Row from per-round values: median, detail "min..max over R rounds of N". */
static void jb_row_rounds(const char *what, double *v, int rounds, long per_round, const char *unit,
                          jb_target t)
{
    jb_stats s = jb_summarize(v, rounds);
    char lo[64], hi[64], n[64], detail[256];
    jb_fmt(s.min, jb_decimals_for(s.min), lo, sizeof lo);
    jb_fmt(s.max, jb_decimals_for(s.max), hi, sizeof hi);
    jb_fmt((double)per_round, 0, n, sizeof n);
    snprintf(detail, sizeof detail, "%s..%s over %d rounds of %s", lo, hi, rounds, n);
    jb_row(what, s.median, unit, detail, t);
}

/* A CPU-bound in-process row, "per core": the median is the rate per
 * CPU-second of the benchmark thread (cpu[]), which a busy shared machine
 * does not lower; the detail gives the wall-clock rates (v[]) as well. */
static void jb_row_rounds_cpu(const char *what, double *v, double *cpu, int rounds, long per_round,
                              const char *unit, jb_target t)
{
    jb_stats s = jb_summarize(v, rounds);
    jb_stats c = jb_summarize(cpu, rounds);
    char lo[64], hi[64], n[64], wm[64], detail[400];
    jb_fmt(c.min, jb_decimals_for(c.min), lo, sizeof lo);
    jb_fmt(c.max, jb_decimals_for(c.max), hi, sizeof hi);
    jb_fmt((double)per_round, 0, n, sizeof n);
    jb_fmt(s.median, jb_decimals_for(s.median), wm, sizeof wm);
    snprintf(detail, sizeof detail, "per CPU-second of one thread, %s..%s over %d rounds of %s; "
             "wall clock median %s", lo, hi, rounds, n, wm);
    jb_row(what, c.median, unit, detail, t);
}

/* ------------------------------------------------------------------ crypto rows */

/* RSA-2048 and ECDSA P-256 signatures and AES-128 blocks through the project's
 * crypto applet on the in-process VM (jb_crypto.c); no targets: the figures
 * describe the simulator (a real JCOP needs tens to hundreds of ms per RSA
 * signature). quick: tiny counts (smoke). */
static int jb_crypto(const char *jca, int rounds, int quick, bool header)
{
    static const struct {
        jb_crypto_kind kind;
        const char *what, *unit;
        long ops;
    } rows[] = {
        {JB_CRYPTO_RSA2048, "applet RSA-2048 signature (CRT, ALG_RSA_SHA_256_PKCS1), J2E145 set",
         "signatures/s", 400},
        {JB_CRYPTO_P256, "applet ECDSA P-256 signature (ALG_ECDSA_SHA_256), J2E145 set", "signatures/s",
         4000},
        {JB_CRYPTO_AES128, "applet AES-128 ECB encryption (Cipher.doFinal of 15 blocks)", "blocks/s",
         1500000},
    };
    if (header)
        jb_header();
    jb_target none = {0};
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        double cpu[1000], wall[1000];
        long ops = quick ? (rows[r].kind == JB_CRYPTO_AES128 ? 150 : 2) : rows[r].ops;
        for (int i = 0; i < rounds; i++) {
            char why[300] = "";
            if (jb_crypto_run(jca, rows[r].kind, ops, &cpu[i], &wall[i], why, sizeof why) != 0) {
                jb_row_na(rows[r].what, rows[r].unit, why, none);
                return JB_EXIT_FAIL;
            }
        }
        jb_row_rounds_cpu(rows[r].what, wall, cpu, rounds, ops, rows[r].unit, none);
    }
    return JB_EXIT_OK;
}

/* ------------------------------------------------------------------ in-process card */

/* Deterministic random source (xorshift64*): the benchmark is repeatable. */
typedef struct {
    uint64_t s;
} jb_rng;

static int jb_random(void *ctx, uint8_t *out, size_t n)
{
    jb_rng *r = ctx;
    for (size_t i = 0; i < n; i++) {
        r->s ^= r->s >> 12;
        r->s ^= r->s << 25;
        r->s ^= r->s >> 27;
        out[i] = (uint8_t)((r->s * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return 0;
}

static const uint8_t jb_kt[JC_KT_LEN] = {0x4A, 0x43, 0x4F, 0x50, 0x2D, 0x42, 0x45, 0x4E,
                                         0x43, 0x48, 0x2D, 0x4B, 0x54, 0x30, 0x30, 0x31};
/* The well-known GP test key 40..4F, as ENC, MAC and DEK. */
static const uint8_t jb_key[JC_KEY_LEN] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                                           0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F};
#define JB_WRITE_ADDR 0xC01000u /* an unnamed spot of the window, for durable writes */

/* A card and where it keeps its image. */
typedef struct {
    jb_rng rng;
    jc_env env;
    jc_store *store;
    jc_card *card;
    jcvm_rt *vm;
    jh_reader *rd;  /* the card as a reader (borrowed: jh_reader_card_borrow) */
    jh_session ses; /* the host session library every host tool uses */
    uint8_t r[JC_RAPDU_MAX];
    int rlen;
} jb_card;

static void jb_card_close(jb_card *c)
{
    jh_session_free(&c->ses);
    jh_reader_close(c->rd);
    c->rd = NULL;
    jc_card_free(c->card);
    jcvm_detach(c->vm);
    c->vm = NULL;
    jc_store_close(c->store);
    c->card = NULL;
    c->store = NULL;
}

/* Open a card on *st: memory-only store when path is NULL, else a new image file. */
static int jb_card_open(jb_card *c, const jc_pstate *st, const char *path)
{
    memset(c, 0, sizeof *c);
    c->rng.s = 0x6A636F7073696D31ULL;
    int rc = path ? jc_store_create_file(&c->store, path, st) : jc_store_open_memory(&c->store, st);
    if (rc < 0)
        return rc;
    c->env = (jc_env){.random = jb_random, .random_ctx = &c->rng, .commit = jc_store_commit,
                      .commit_ctx = c->store};
    rc = jc_card_create(&c->card, st, &c->env);
    if (rc == 0)
        rc = jcvm_attach(c->card, &c->env, NULL, &c->vm);
    if (rc == 0)
        rc = jh_reader_card_borrow(&c->rd, c->card, "jcop-bench card");
    if (rc == 0)
        rc = jh_session_init(&c->ses, c->rd);
    if (rc < 0) {
        jb_card_close(c);
        return rc;
    }
    uint8_t atr[JC_ATR_MAX];
    rc = jh_session_power(&c->ses, NULL, JH_SES_POWER_ON, atr, sizeof atr);
    if (rc < 0) {
        jb_card_close(c);
        return rc;
    }
    return 0;
}

/* Send one APDU as it is (the session's direct exchange: no wrapping, no
 * recording); returns its SW (or 0 on an internal fault). */
static uint16_t jb_send(jb_card *c, const uint8_t *apdu, size_t len)
{
    c->rlen = jh_session_transmit(&c->ses, apdu, len, c->r, sizeof c->r);
    if (c->rlen < 2)
        return 0;
    return (uint16_t)((c->r[c->rlen - 2] << 8) | c->r[c->rlen - 1]);
}

static uint16_t jb_send_hex(jb_card *c, const char *hex)
{
    uint8_t b[300];
    int n = jc_hex_decode(hex, b, sizeof b);
    return n < 0 ? 0 : jb_send(c, b, (size_t)n);
}

/* SELECT the root applet by KT, then BOOT. */
static int jb_boot(jb_card *c)
{
    uint8_t sel[5 + JC_KT_LEN] = {0x00, 0xA4, 0x04, 0x00, JC_KT_LEN};
    memcpy(sel + 5, jb_kt, JC_KT_LEN);
    if (jb_send(c, sel, sizeof sel) != 0x9000)
        return -1;
    return jb_send_hex(c, "00F00000") == 0x9000 ? 0 : -1;
}

static int jb_write(jb_card *c, uint32_t addr, const uint8_t *data, uint8_t len)
{
    uint8_t w[5 + 255] = {(uint8_t)(addr >> 16), 0xD6, (uint8_t)(addr >> 8), (uint8_t)addr, len};
    memcpy(w + 5, data, len);
    return jb_send(c, w, 5u + len) == 0x9000 ? 0 : -1;
}

/* A new unfused card of the default profile with the bench's KT. */
static int jb_new_state(jc_pstate *st)
{
    jb_rng rng = {.s = 0x0123456789ABCDEFULL};
    return jc_pstate_init(st, jc_profile_default()->name, jb_kt, jb_random, &rng);
}

/* A fused card (OP_READY) whose key set FF holds 40..4F three times: the
 * pre-personalization writes the CM_KEY records and CM_LIFECYCLE, then FUSE. */
static int jb_fused_state(jc_pstate *out, char *why, size_t whycap)
{
    jc_pstate *st = malloc(sizeof *st);
    if (!st)
        return JC_ERR_NOMEM;
    int rc = jb_new_state(st);
    jb_card c;
    if (rc == 0)
        rc = jb_card_open(&c, st, NULL);
    free(st);
    if (rc < 0) {
        snprintf(why, whycap, "cannot create a card: %s", jc_strerror(rc));
        return rc;
    }
    const jc_profile *p = jc_profile_default();
    uint8_t one = 0x01;
    rc = -1;
    if (jb_boot(&c) != 0)
        snprintf(why, whycap, "SELECT KT + BOOT failed");
    else if (jb_write(&c, p->cm_key_addr[0], jb_key, JC_KEY_LEN) != 0 ||
             jb_write(&c, p->cm_key_addr[1], jb_key, JC_KEY_LEN) != 0 ||
             jb_write(&c, p->cm_key_addr[2], jb_key, JC_KEY_LEN) != 0 ||
             jb_write(&c, p->cm_lifecycle_addr, &one, 1) != 0)
        snprintf(why, whycap, "WRITE MEMORY of the CM records failed");
    else if (jb_send_hex(&c, "00000000") != 0x9000)
        snprintf(why, whycap, "FUSE failed");
    else {
        memcpy(out, jc_card_pstate(c.card), sizeof *out);
        rc = 0;
    }
    jb_card_close(&c);
    return rc;
}

/* Rate of `n` copies of one APDU expecting `sw`; <0 on a wrong answer. */
static double jb_apdu_rate(jb_card *c, const uint8_t *apdu, size_t len, uint16_t sw, long n,
                           double *cpu_rate)
{
    double c0 = jb_cpu_now();
    double t0 = jb_now();
    for (long i = 0; i < n; i++) {
        if (jb_send(c, apdu, len) != sw)
            return -1.0;
    }
    double t = jb_now() - t0;
    if (cpu_rate)
        *cpu_rate = (double)n / (jb_cpu_now() - c0);
    return (double)n / t;
}

/* One SCP02 handshake and a wrapped GET STATUS, host side from the session
 * library (jh_session.h over jc_scp02.h). Returns 0, or -1 with the step that
 * failed in *why. */
typedef struct {
    jc_scp02_keys keys;
    uint8_t level;
    uint64_t chal; /* host challenge counter: deterministic, distinct per session */
    const char *why;
    uint16_t why_sw;
    double card_s; /* time spent inside jc_card_process (the card side alone) */
} jb_host;

/* jb_send, timing the card alone. */
static uint16_t jb_send_timed(jb_host *h, jb_card *c, const uint8_t *apdu, size_t len)
{
    double t0 = jb_now();
    uint16_t sw = jb_send(c, apdu, len);
    h->card_s += jb_now() - t0;
    return sw;
}

static int jb_handshake(jb_host *h, jb_card *c)
{
    uint8_t apdu[300], chal[8];
    uint64_t v = ++h->chal;
    for (int i = 0; i < 8; i++)
        chal[i] = (uint8_t)(v >> (56 - 8 * i));
    int n = jh_session_init_update(&c->ses, 0x00, chal, apdu, sizeof apdu);
    if (n < 0) {
        h->why = "host INITIALIZE UPDATE";
        return -1;
    }
    uint16_t sw = jb_send_timed(h, c, apdu, (size_t)n);
    if (sw != 0x9000 || c->rlen != (int)JC_SCP02_IU_RESP_LEN + 2) {
        h->why = "INITIALIZE UPDATE";
        h->why_sw = sw;
        return -1;
    }
    if (jh_session_check_card(&c->ses, &h->keys, c->r, (size_t)c->rlen) != 0) {
        h->why = "card cryptogram";
        return -1;
    }
    n = jh_session_ext_auth(&c->ses, h->level, false, apdu, sizeof apdu);
    if (n < 0) {
        h->why = "host EXTERNAL AUTHENTICATE";
        return -1;
    }
    sw = jb_send_timed(h, c, apdu, (size_t)n);
    if (sw != 0x9000) {
        h->why = "EXTERNAL AUTHENTICATE";
        h->why_sw = sw;
        return -1;
    }
    /* GET STATUS of the ISD, TLV answer: 80 F2 80 02 02 4F 00 00 */
    static const uint8_t gs[] = {0x80, 0xF2, 0x80, 0x02, 0x02, 0x4F, 0x00, 0x00};
    if (jh_session_wrap(&c->ses, gs, sizeof gs, JH_WRAP_AUTO) < 0) {
        h->why = "host wrap of GET STATUS";
        return -1;
    }
    sw = jb_send_timed(h, c, c->ses.wire, c->ses.wire_len);
    if (sw != 0x9000) {
        h->why = "wrapped GET STATUS";
        h->why_sw = sw;
        return -1;
    }
    return 0;
}

/* Handshakes per second over `rounds` rounds of `n`, on a fresh card per
 * round made from *fused (memory-only when dir is NULL, else a file image in
 * dir). The sequence counter grows by one per session, so a round is capped
 * well below its 16-bit range by starting a fresh card each round. */
static int jb_bench_handshakes(const jc_pstate *fused, const char *dir, long n, int rounds,
                               uint8_t level, double *rates, double *card_rates,
                               double *cpu_rates, char *why, size_t whycap)
{
    jb_host h = {.level = level};
    memcpy(h.keys.enc, jb_key, JC_KEY_LEN);
    memcpy(h.keys.mac, jb_key, JC_KEY_LEN);
    memcpy(h.keys.dek, jb_key, JC_KEY_LEN);
    int rc = 0;
    char path[4096];
    for (int r = 0; r < rounds && rc == 0; r++) {
        jb_card c;
        if (dir)
            snprintf(path, sizeof path, "%s/jcop-bench-%ld-hs%d.img", dir, (long)getpid(), r);
        int orc = jb_card_open(&c, fused, dir ? path : NULL);
        if (orc < 0) {
            snprintf(why, whycap, "cannot open the card%s%s: %s", dir ? " image " : "", dir ? path : "",
                     jc_strerror(orc));
            rc = -1;
            break;
        }
        h.card_s = 0;
        double c0 = jb_cpu_now();
        double t0 = jb_now();
        for (long i = 0; i < n; i++) {
            if (jb_handshake(&h, &c) != 0) {
                if (h.why_sw)
                    snprintf(why, whycap, "%s answered %04X", h.why, h.why_sw);
                else
                    snprintf(why, whycap, "%s failed", h.why);
                rc = -1;
                break;
            }
        }
        double wall = jb_now() - t0, cpu = jb_cpu_now() - c0;
        rates[r] = (double)n / wall;
        if (cpu_rates)
            cpu_rates[r] = (double)n / cpu;
        /* The card's CPU time, estimated as the thread's CPU time times the
         * card's share of the wall time (reading a thread CPU clock around
         * every APDU would cost more than a short APDU). */
        if (card_rates)
            card_rates[r] = (double)n / (cpu * h.card_s / wall);
        jb_card_close(&c);
        if (dir)
            unlink(path);
    }
    return rc;
}

/* The disk's own ceiling for a durable write, measured the way the file store
 * commits (jc_store.c): write an image-sized temporary file, fsync, rename it
 * over the image, fsync the folder. Returns writes/s, or <0 on an I/O error. */
static double jb_raw_commit_rate(const char *dir, long n)
{
    size_t len = jc_image_encoded_size();
    uint8_t *buf = calloc(1, len);
    if (!buf)
        return -1.0;
    double t = jb_disk_commits(dir, "raw", len, n, buf);
    free(buf);
    return t > 0 ? (double)n / t : -1.0;
}

/* Durable WRITE MEMORY of 16 bytes on a file image in dir, n per round,
 * alternating every `chunk` writes with the bare disk doing the same commits
 * (jb_raw_commit_rate), so that a busy disk weighs on both alike. */
static int jb_bench_writes(const jc_pstate *st, const char *dir, long n, long chunk, int round,
                           double *rate, double *raw_rate, char *why, size_t whycap)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/jcop-bench-%ld-wr.img", dir, (long)getpid());
    jb_card c;
    int orc = jb_card_open(&c, st, path);
    if (orc < 0) {
        snprintf(why, whycap, "cannot create %s: %s", path, jc_strerror(orc));
        return -1;
    }
    int rc = 0;
    if (jb_boot(&c) != 0) {
        snprintf(why, whycap, "SELECT KT + BOOT failed");
        rc = -1;
    }
    unsigned long before = jc_store_commits(c.store);
    uint8_t data[16];
    double t_card = 0, t_raw = 0;
    long done = 0;
    for (long k = 0; rc == 0 && done < n; k++) {
        long m = n - done < chunk ? n - done : chunk;
        bool raw_first = (k + round) % 2 == 1;
        double rr = raw_first ? jb_raw_commit_rate(dir, m) : 0;
        double t0 = jb_now();
        for (long i = done; i < done + m && rc == 0; i++) {
            for (int b = 0; b < 16; b++)
                data[b] = (uint8_t)(i + b); /* a change every time: each write is committed */
            if (jb_write(&c, JB_WRITE_ADDR, data, sizeof data) != 0) {
                snprintf(why, whycap, "WRITE MEMORY failed");
                rc = -1;
            }
        }
        t_card += jb_now() - t0;
        if (!raw_first)
            rr = jb_raw_commit_rate(dir, m);
        if (rr <= 0 && rc == 0) {
            snprintf(why, whycap, "raw write/fsync/rename in %s failed: %s", dir, strerror(errno));
            rc = -1;
        }
        t_raw += rr > 0 ? (double)m / rr : 0;
        done += m;
    }
    if (rc == 0 && jc_store_commits(c.store) - before != (unsigned long)n) {
        snprintf(why, whycap, "%lu commits for %ld writes", jc_store_commits(c.store) - before, n);
        rc = -1;
    }
    *rate = (double)n / t_card;
    *raw_rate = (double)n / t_raw;
    jb_card_close(&c);
    unlink(path);
    return rc;
}


/* ------------------------------------------------------------------ conformance suite */

static bool jb_is_script(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".jcsh") == 0 || strcmp(dot, ".gpsh") == 0 ||
                   strcmp(dot, ".scriptor") == 0);
}

static int jb_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The suite's scripts: DIR/<group>/<script>, every group but lib/ (included
 * pieces, not tests). Returns the count, or -1. */
static int jb_suite_scripts(const char *dir, char ***out)
{
    char **list = NULL;
    int n = 0, cap = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "lib") == 0)
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        DIR *sd = opendir(sub);
        if (!sd)
            continue;
        struct dirent *f;
        while ((f = readdir(sd)) != NULL) {
            if (!jb_is_script(f->d_name))
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                char **nl = realloc(list, (size_t)cap * sizeof *nl);
                if (!nl)
                    break;
                list = nl;
            }
            size_t len = strlen(sub) + strlen(f->d_name) + 2;
            list[n] = malloc(len);
            if (list[n])
                snprintf(list[n++], len, "%s/%s", sub, f->d_name);
        }
        closedir(sd);
    }
    closedir(d);
    if (n > 0)
        qsort(list, (size_t)n, sizeof *list, jb_cmp_str);
    *out = list;
    return n;
}

/* Run `replay [args] -q SCRIPT` once per script (one process per script, as
 * ctest runs them), output to /dev/null. Returns the wall time, counts passes. */
static double jb_run_suite(const char *replay, char **args, int nargs, char **scripts, int n,
                           int *passed, int *spawn_failed)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char **argv = calloc((size_t)nargs + 4, sizeof *argv);
    *passed = 0;
    *spawn_failed = 0;
    double t0 = jb_now();
    for (int i = 0; argv && i < n; i++) {
        int k = 0;
        argv[k++] = (char *)replay;
        for (int a = 0; a < nargs; a++)
            argv[k++] = args[a];
        argv[k++] = (char *)"-q";
        argv[k++] = scripts[i];
        argv[k] = NULL;
        pid_t pid;
        if (posix_spawn(&pid, replay, &fa, NULL, argv, environ) != 0) {
            (*spawn_failed)++;
            continue;
        }
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            (*passed)++;
    }
    double t = jb_now() - t0;
    free(argv);
    posix_spawn_file_actions_destroy(&fa);
    return t;
}


/* Run argv (PATH searched) with stdout to out_path (or /dev/null), stderr to
 * /dev/null; returns the exit status (0..255), or -1 when it cannot start. */
static int jb_run_cmd(char **argv, const char *out_path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The in-process conformance suite as its ctest registration runs it
 * (testcases/suite: labels conformance AND inprocess), serially. Returns the
 * number of tests (0 when none is registered, <0 when ctest cannot run). */
static int jb_ctest_count(const char *build)
{
    char tmp[] = "/tmp/jcop-bench-ctest.XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    close(fd);
    char *argv[] = {"ctest", "--test-dir", (char *)build, "-N", "-L", "conformance", "-L",
                    "inprocess", NULL};
    int rc = jb_run_cmd(argv, tmp);
    int n = -1;
    FILE *f = rc == 0 ? fopen(tmp, "r") : NULL;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "Total Tests: %d", &n) == 1)
            break;
    }
    if (f)
        fclose(f);
    unlink(tmp);
    return n;
}

/* CPU time (user + sys) of every waited-for child so far. */
static double jb_children_cpu(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
        return 0.0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double jb_ctest_suite(const char *build, bool *passed, double *cpu)
{
    char *argv[] = {"ctest", "--test-dir", (char *)build, "-Q", "-L", "conformance", "-L",
                    "inprocess", NULL};
    double c0 = jb_children_cpu();
    double t0 = jb_now();
    int rc = jb_run_cmd(argv, NULL);
    double t = jb_now() - t0;
    *cpu = jb_children_cpu() - c0;
    *passed = rc == 0;
    return t;
}

/* ------------------------------------------------------------------ inproc command */

typedef struct {
    long apdus, handshakes, writes, file_handshakes;
    int rounds;
    const char *dir;
    const char *replay;
    const char *suite;
    const char *ctest_build;
    char *replay_args[16];
    int n_replay_args;
    bool header;
    int level;
    long txns;       /* applet transactions per round on a file image (jb_vm.c) */
    const char *cap; /* the bench applet's CAP (jbench.cap) */
} jb_inproc_opts;


/* ------------------------------------------------------------------ Java Card VM */

static int jb_unhex(const char *s, uint8_t *out, size_t cap);

/* A small applet (package F06A636F7073696D70, applet ...7001) whose process()
 * runs 100 x 30000 iterations of `sinc; sload; sspush; if_scmplt` and throws
 * ISOException(0x7530): assembled as the VM's own tests do
 * (simulator/jcvm/tests/jcvm_test_app.h, tapp_build of that body). */
static const char jb_loop_cap[] =
    "010013DECAFFED010204000109F06A636F7073696D7002001F0013001F000E0015004E000C0039000A00040000000000"
    "040000000002010004001502030107A0000000620101000107A000000062000103000E010AF06A636F7073696D700100"
    "0E06000C00800301FF0007010000001B0700390002101C0441780110188C00007A02308F00013D8C00028B00037A8002"
    "0202033203315902011E1175306CF95903011F10646CEF1E8D00057A08000A0004000000000004000005004E00130680"
    "030001000000060000070380030103800A010680070103800A0803800A06068008010680080206800800020000000500"
    "000001810900018105000600000106800807018007000500000209000400000000";

static int jb_jcvm_loop(int rounds)
{
    static uint8_t lfdb[1024];
    int n = jb_unhex(jb_loop_cap, lfdb, sizeof lfdb);
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.max_bytecodes = 50u * 1000u * 1000u;
    jcvm *vm = jcvm_new(&cfg);
    uint16_t sw = 0;
    char why[200] = "";
    jc_aid pkg = {9, {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x70}};
    jc_aid app = {10, {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x70, 0x01}};
    if (vm == NULL || n <= 0 || jcvm_load(vm, lfdb, (size_t)n, &sw, why, sizeof why) != 0 ||
        jcvm_install(vm, &pkg, &app, &app, NULL, 0, 0, &sw, why, sizeof why) != 0) {
        fprintf(stderr, "jcop-bench: the VM loop applet did not load: %04X %s\n", sw, why);
        jcvm_free(vm);
        return JB_EXIT_FAIL;
    }
    double *v = calloc((size_t)rounds, sizeof *v), *cpu = calloc((size_t)rounds, sizeof *cpu);
    static const uint8_t apdu[] = {0x80, 0x10, 0x00, 0x00};
    uint8_t resp[300];
    long per = 0;
    int status = JB_EXIT_OK;
    for (int r = 0; r < rounds && v && cpu; r++) {
        uint64_t b0 = jcvm_bytecodes(vm);
        double c0 = jb_cpu_now(), t0 = jb_now();
        size_t rl = sizeof resp;
        jcvm_process(vm, &app, 0, apdu, sizeof apdu, resp, &rl);
        double t = jb_now() - t0, c = jb_cpu_now() - c0;
        uint64_t nb = jcvm_bytecodes(vm) - b0;
        if (rl != 2 || resp[0] != 0x75 || resp[1] != 0x30) {
            fprintf(stderr, "jcop-bench: the VM loop answered %02X%02X\n", resp[rl - 2],
                    resp[rl - 1]);
            status = JB_EXIT_FAIL;
            break;
        }
        per = (long)nb;
        v[r] = (double)nb / t;
        cpu[r] = (double)nb / c;
    }
    if (status == JB_EXIT_OK && v && cpu)
        jb_row_rounds_cpu("JCVM bytecodes, arithmetic loop (sinc/sload/sspush/if_scmplt), in-process",
                          v, cpu, rounds, per, "bytecodes/s", (jb_target){JB_T_GE, 100000000});
    free(v);
    free(cpu);
    jcvm_free(vm);
    return status;
}

/* The VM's echo applet (same package and applet AIDs, another body): process()
 * does setIncomingAndReceive and setOutgoingAndSend(5, n): INS 10 with 16 bytes
 * comes back with 9000. Measured through the VM API (no card core around it). */
static const char jb_echo_cap[] =
    "010013DECAFFED010204000109F06A636F7073696D7002001F0013001F000E0015004E000C0030000A00040000000000"
    "040000000002010004001502030107A0000000620101000107A000000062000103000E010AF06A636F7073696D700100"
    "0E06000C00800301FF0007010000001B0700300002101C0441780110188C00007A02308F00013D8C00028B00037A8003"
    "0201198B00072F1910051C8B00067A8D00057A08000A0004000000000004000005004E00130680030001000000060000"
    "070380030103800A010680070103800A0803800A06068008010680080206800800020000000500000001810900018105"
    "000600000106800807018007000500000209000400000000";

static int jb_jcvm_echo(int rounds, long n)
{
    static uint8_t lfdb[1024];
    int len = jb_unhex(jb_echo_cap, lfdb, sizeof lfdb);
    jcvm *vm = jcvm_new(NULL);
    uint16_t sw = 0;
    char why[200] = "";
    jc_aid pkg = {9, {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x70}};
    jc_aid app = {10, {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x70, 0x01}};
    if (vm == NULL || len <= 0 || jcvm_load(vm, lfdb, (size_t)len, &sw, why, sizeof why) != 0 ||
        jcvm_install(vm, &pkg, &app, &app, NULL, 0, 0, &sw, why, sizeof why) != 0) {
        fprintf(stderr, "jcop-bench: the VM echo applet did not load: %04X %s\n", sw, why);
        jcvm_free(vm);
        return JB_EXIT_FAIL;
    }
    uint8_t apdu[5 + 16 + 1] = {0x80, 0x10, 0x00, 0x00, 0x10};
    for (int i = 0; i < 16; i++)
        apdu[5 + i] = (uint8_t)i;
    double *v = calloc((size_t)rounds, sizeof *v), *cpu = calloc((size_t)rounds, sizeof *cpu);
    uint8_t resp[300];
    int status = JB_EXIT_OK;
    for (int r = 0; r < rounds && v && cpu && status == JB_EXIT_OK; r++) {
        double c0 = jb_cpu_now(), t0 = jb_now();
        for (long i = 0; i < n; i++) {
            size_t rl = sizeof resp;
            jcvm_process(vm, &app, 0, apdu, sizeof apdu, resp, &rl);
            if (rl != 18 || resp[16] != 0x90) {
                fprintf(stderr, "jcop-bench: the VM echo answered %zu bytes\n", rl);
                status = JB_EXIT_FAIL;
                break;
            }
        }
        v[r] = (double)n / (jb_now() - t0);
        cpu[r] = (double)n / (jb_cpu_now() - c0);
    }
    if (status == JB_EXIT_OK && v && cpu)
        jb_row_rounds_cpu("JCVM echo applet, INS 10 with 16 bytes, VM API in-process", v, cpu, rounds,
                          n, "APDU/s", (jb_target){JB_T_GE, 4500000});
    free(v);
    free(cpu);
    jcvm_free(vm);
    return status;
}

/* ------------------------------------------------------------------ applet on the card core */

/* The bench applet (jbench.jca, jb_vm.c) installed through the ISD of a fused
 * card: its echo through jc_card_process on a memory-only image, and the
 * durable cost of its JCSystem transaction (one commit per APDU) on a file
 * image against the bare disk, alternating every 50. */
static int jb_vm_rows(const jb_inproc_opts *o, const char *dir)
{
    const char *echo_name =
        "JCVM echo applet through the card core (installed over SCP02, selected), "
        "INS 10 with 16 bytes, memory-only image";
    char txn_name[600], raw_name[700], why[600] = "";
    snprintf(txn_name, sizeof txn_name,
             "durable applet transaction (INS 20: JCSystem transaction, counter + 8 array bytes), "
             "file image in %s (fsync + rename)",
             dir);
    const char *ratio_name = "... ratio applet transaction / disk alone (alternating every 50)";
    const char *cpu_name = "... the card's own CPU time per transaction (user space: the VM, the "
                           "image encode and its SHA-256)";
    jb_target echo_t = {JB_T_GE, 4500000}, ratio_t = {JB_T_GE, 0.8}, none = {0};
    jc_pstate *st = calloc(1, sizeof *st);
    double *v = calloc((size_t)o->rounds, sizeof *v), *v2 = calloc((size_t)o->rounds, sizeof *v2);
    double *v3 = calloc((size_t)o->rounds, sizeof *v3), *v4 = calloc((size_t)o->rounds, sizeof *v4);
    int status = JB_EXIT_OK;
    if (!st || !v || !v2 || !v3 || !v4 || jb_vm_prepare(o->cap, st, why, sizeof why) != 0) {
        if (!why[0])
            snprintf(why, sizeof why, "out of memory");
        char msg[700];
        snprintf(msg, sizeof msg, "bench applet not installed: %s", why);
        jb_row_na(echo_name, "APDU/s", msg, echo_t);
        jb_row_na(txn_name, "transactions/s", "see above", none);
        jb_row_na("... the disk alone: same-sized write", "writes/s", "see above", none);
        jb_row_na(ratio_name, "x", "see above", ratio_t);
        jb_row_na(cpu_name, "µs", "see above", none);
        free(st), free(v), free(v2), free(v3), free(v4);
        return JB_EXIT_FAIL;
    }
    /* 1. the echo through the card core, memory-only */
    unsigned long commits = 0;
    for (int r = 0; r < o->rounds && status == JB_EXIT_OK; r++) {
        unsigned long cm = 0;
        if (jb_vm_echo_core(st, o->apdus, &v[r], &v2[r], &cm, why, sizeof why) != 0)
            status = JB_EXIT_FAIL;
        commits += cm;
    }
    if (status != JB_EXIT_OK)
        jb_row_na(echo_name, "APDU/s", why, echo_t);
    else if (commits)
        jb_row_na(echo_name, "APDU/s",
                  "the echo committed the image (it changes nothing persistent)", echo_t);
    else
        jb_row_rounds_cpu(echo_name, v, v2, o->rounds, o->apdus, "APDU/s", echo_t);

    /* 2. the transaction, durable, against the disk alone */
    size_t img_len = 0;
    bool ok = true;
    double *v5 = calloc((size_t)o->rounds, sizeof *v5);
    for (int r = 0; r < o->rounds && ok; r++) {
        double user_per = 0, sys_per = 0;
        ok = v5 && jb_vm_txn_bench(st, dir, o->txns, 50, r, &v[r], &v2[r], &img_len, &user_per,
                                   &sys_per, why, sizeof why) == 0;
        v3[r] = v[r] / v2[r];
        v4[r] = user_per * 1e6;
        if (v5)
            v5[r] = sys_per * 1e6;
    }
    snprintf(raw_name, sizeof raw_name,
             "... the disk alone: same-sized write (%zu B) + fsync + rename + fsync(dir) in %s",
             img_len, dir);
    if (!ok) {
        jb_row_na(txn_name, "transactions/s", why, none);
        jb_row_na(raw_name, "writes/s", "see above", none);
        jb_row_na(ratio_name, "x", "see above", ratio_t);
        jb_row_na(cpu_name, "µs", "see above", none);
        status = JB_EXIT_FAIL;
    } else {
        jb_row_rounds(txn_name, v, o->rounds, o->txns, "transactions/s", none);
        jb_row_rounds(raw_name, v2, o->rounds, o->txns, "writes/s", none);
        jb_row_rounds(ratio_name, v3, o->rounds, o->txns, "x", ratio_t);
        jb_stats u = jb_summarize(v4, o->rounds), k = jb_summarize(v5, o->rounds);
        char detail[300];
        snprintf(detail, sizeof detail,
                 "getrusage of the thread (tick-sampled), %.1f..%.1f over %d rounds of %ld; "
                 "kernel CPU (write, fsync, rename) median %.1f µs",
                 u.min, u.max, o->rounds, o->txns, k.median);
        jb_row(cpu_name, u.median, "µs", detail, none);
    }
    jc_pstate_release(st);
    free(st), free(v), free(v2), free(v3), free(v4), free(v5);
    return status;
}

static int jb_inproc(const jb_inproc_opts *o)
{
    int status = JB_EXIT_OK;
    double *v = calloc((size_t)o->rounds, sizeof *v), *v2 = calloc((size_t)o->rounds, sizeof *v2);
    double *v3 = calloc((size_t)o->rounds, sizeof *v3);
    jc_pstate *st = malloc(sizeof *st), *fused = malloc(sizeof *fused);
    if (!v || !v2 || !v3 || !st || !fused) {
        fprintf(stderr, "jcop-bench: out of memory\n");
        return JB_EXIT_ENV;
    }
    char why[8192] = "";
    if (o->dir) {
        struct stat sb;
        if (stat(o->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "jcop-bench: --dir %s is not a folder\n", o->dir);
            return JB_EXIT_ENV;
        }
    }
    int rc = jb_new_state(st);
    if (rc < 0) {
        fprintf(stderr, "jcop-bench: cannot create a card: %s\n", jc_strerror(rc));
        return JB_EXIT_ENV;
    }
    if (o->header)
        jb_header();

    /* 1. READ MEMORY of 16 bytes on a booted card, memory-only image. */
    jb_card c;
    rc = jb_card_open(&c, st, NULL);
    if (rc < 0 || jb_boot(&c) != 0) {
        fprintf(stderr, "jcop-bench: cannot boot an in-process card\n");
        return JB_EXIT_ENV;
    }
    static const uint8_t read16[] = {0xC0, 0xB0, 0x01, 0x00, 0x10}; /* 16 bytes at 0xC00100 */
    jb_apdu_rate(&c, read16, sizeof read16, 0x9000, o->apdus / 10 + 1, NULL); /* warm-up */
    for (int r = 0; r < o->rounds; r++) {
        v[r] = jb_apdu_rate(&c, read16, sizeof read16, 0x9000, o->apdus, &v2[r]);
        if (v[r] < 0) {
            fprintf(stderr, "jcop-bench: READ MEMORY did not answer 9000\n");
            status = JB_EXIT_FAIL;
            break;
        }
    }
    if (status == JB_EXIT_OK)
        jb_row_rounds_cpu("in-process READ MEMORY 16 B, booted card, memory-only image", v, v2, o->rounds,
                      o->apdus, "APDU/s", (jb_target){JB_T_GE, 2000000});
    jb_card_close(&c);

    /* 1b. the Java Card VM's interpreter on an arithmetic loop */
    if (jb_jcvm_loop(o->rounds) != JB_EXIT_OK)
        status = JB_EXIT_FAIL;
    if (jb_jcvm_echo(o->rounds, o->apdus) != JB_EXIT_OK)
        status = JB_EXIT_FAIL;

    /* 2. SELECT of an unknown AID on an unfused card (6A82). */
    rc = jb_card_open(&c, st, NULL);
    if (rc < 0) {
        fprintf(stderr, "jcop-bench: cannot open an in-process card\n");
        return JB_EXIT_ENV;
    }
    static const uint8_t sel_unknown[] = {0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x00, 0x99};
    jb_apdu_rate(&c, sel_unknown, sizeof sel_unknown, 0x6A82, o->apdus / 10 + 1, NULL);
    bool sel_ok = true;
    for (int r = 0; r < o->rounds; r++) {
        v[r] = jb_apdu_rate(&c, sel_unknown, sizeof sel_unknown, 0x6A82, o->apdus, &v2[r]);
        if (v[r] < 0) {
            fprintf(stderr, "jcop-bench: SELECT of an unknown AID did not answer 6A82\n");
            status = JB_EXIT_FAIL;
            sel_ok = false;
            break;
        }
    }
    if (sel_ok)
        jb_row_rounds_cpu("in-process SELECT unknown AID (6A82), unfused card, memory-only image", v, v2,
                      o->rounds, o->apdus, "APDU/s", (jb_target){JB_T_GE, 2000000});
    jb_card_close(&c);

    /* 3. SCP02 handshakes, memory-only image. */
    char hs_name[160];
    snprintf(hs_name, sizeof hs_name,
             "in-process SCP02 handshake (IU + EA level %02X + wrapped GET STATUS), memory-only image",
             (unsigned)o->level);
    bool have_fused = jb_fused_state(fused, why, sizeof why) == 0;
    const char *hs_card_name =
        "... the card side alone (per CPU-second x the card's share of the wall time)";
    if (!have_fused) {
        jb_row_na(hs_name, "handshakes/s", why, (jb_target){JB_T_GE, 50000});
        jb_row_na(hs_card_name, "handshakes/s", "see above", (jb_target){JB_T_GE, 50000});
    } else if (jb_bench_handshakes(fused, NULL, o->handshakes, o->rounds, (uint8_t)o->level, v,
                                   v2, v3, why, sizeof why) != 0) {
        char msg[8300];
        snprintf(msg, sizeof msg, "ISD not ready: %s", why);
        jb_row_na(hs_name, "handshakes/s", msg, (jb_target){JB_T_GE, 50000});
        jb_row_na(hs_card_name, "handshakes/s", "see above", (jb_target){JB_T_GE, 50000});
    } else {
        jb_row_rounds_cpu(hs_name, v, v3, o->rounds, o->handshakes, "handshakes/s",
                          (jb_target){JB_T_GE, 50000});
        jb_row_rounds(hs_card_name, v2, o->rounds, o->handshakes, "handshakes/s",
                      (jb_target){JB_T_GE, 50000});
    }

    /* 4. The conformance suite through jcop-replay's in-process card: as
     * ctest runs it when a build folder is given, else one process per script. */
    const char *suite_name = "conformance suite in-process (jcop-replay, one process per script)";
    char **scripts = NULL;
    int nct = o->ctest_build ? jb_ctest_count(o->ctest_build) : -1;
    bool use_ctest = o->ctest_build && nct > 0;
    int ns = !use_ctest && o->suite ? jb_suite_scripts(o->suite, &scripts) : -1;
    if (use_ctest) {
        int npass = 0;
        for (int r = 0; r < o->rounds; r++) {
            bool ok;
            v[r] = jb_ctest_suite(o->ctest_build, &ok, &v2[r]);
            npass += ok;
        }
        jb_stats s = jb_summarize(v, o->rounds);
        jb_stats cs = jb_summarize(v2, o->rounds);
        char lo[64], hi[64], detail[300];
        jb_fmt(s.min, 3, lo, sizeof lo);
        jb_fmt(s.max, 3, hi, sizeof hi);
        snprintf(detail, sizeof detail,
                 "ctest -L conformance -L inprocess: %d tests, all passed in %d of %d rounds; "
                 "%s..%s; CPU (user+sys, ctest and children) median %.3f s",
                 nct, npass, o->rounds, lo, hi, cs.median);
        jb_row("conformance suite in-process (its ctest registration, serial, wall time)", s.median,
               "s", detail, (jb_target){JB_T_LT, 0.5});
    } else if (o->ctest_build && !o->replay) {
        jb_row_na("conformance suite in-process (its ctest registration, serial, wall time)", "s",
                  "no ctest test labelled conformance + inprocess in that build", (jb_target){JB_T_LT, 0.5});
    } else if (!o->replay || access(o->replay, X_OK) != 0) {
        jb_row_na(suite_name, "s", "jcop-replay not built", (jb_target){JB_T_LT, 0.5});
    } else if (ns <= 0) {
        jb_row_na(suite_name, "s", "no conformance scripts found", (jb_target){JB_T_LT, 0.5});
    } else {
        int passed = 0, spawn_failed = 0;
        for (int r = 0; r < o->rounds; r++) {
            double c0 = jb_children_cpu();
            v[r] = jb_run_suite(o->replay, (char **)o->replay_args, o->n_replay_args, scripts, ns,
                                &passed, &spawn_failed);
            v2[r] = jb_children_cpu() - c0;
        }
        jb_stats s = jb_summarize(v, o->rounds);
        jb_stats cs = jb_summarize(v2, o->rounds);
        char lo[64], hi[64], detail[300];
        jb_fmt(s.min, 3, lo, sizeof lo);
        jb_fmt(s.max, 3, hi, sizeof hi);
        snprintf(detail, sizeof detail,
                 "%d scripts (%d passed%s), %s..%s over %d rounds; CPU (user+sys) median %.3f s", ns,
                 passed, spawn_failed ? ", some could not start" : "", lo, hi, o->rounds, cs.median);
        jb_row(suite_name, s.median, "s", detail, (jb_target){JB_T_LT, 0.5});
    }
    for (int i = 0; i < ns; i++)
        free(scripts[i]);
    free(scripts);

    /* 5. File image: durable writes and handshakes. */
    char fs_detail[64] = "";
    const char *dir = o->dir ? o->dir : ".";
    snprintf(fs_detail, sizeof fs_detail, "%s", dir);
    char wname[600];
    snprintf(wname, sizeof wname, "durable WRITE MEMORY 16 B, file image in %s (fsync + rename)", fs_detail);
    /* Card writes and the bare disk alternate every 50 writes, so that a busy
     * disk shows in both and the ratio says what the card adds. */
    double *raw_v = calloc((size_t)o->rounds, sizeof *raw_v);
    double *q = calloc((size_t)o->rounds, sizeof *q);
    bool wok = raw_v && q;
    for (int r = 0; wok && r < o->rounds; r++) {
        if (jb_bench_writes(st, dir, o->writes, 50, r, &v[r], &raw_v[r], why, sizeof why) != 0)
            wok = false;
        else
            q[r] = v[r] / raw_v[r];
    }
    if (!wok) {
        jb_row_na(wname, "writes/s", why, (jb_target){JB_T_GE, 500});
    } else {
        jb_row_rounds(wname, v, o->rounds, o->writes, "writes/s", (jb_target){JB_T_GE, 500});
        char rname[700];
        snprintf(rname, sizeof rname,
                 "... the disk alone: image-sized write + fsync + rename + fsync(dir) in %s", fs_detail);
        jb_row_rounds(rname, raw_v, o->rounds, o->writes, "writes/s", (jb_target){JB_T_NONE, 0});
        jb_row_rounds("... ratio card / disk alone (alternating every 50 writes)", q, o->rounds, o->writes, "x",
                      (jb_target){JB_T_NONE, 0});
    }
    free(raw_v);
    free(q);

    char fhname[600];
    snprintf(fhname, sizeof fhname, "SCP02 handshake on a file image in %s (counter committed)", fs_detail);
    if (!have_fused)
        jb_row_na(fhname, "handshakes/s", "no fused card", (jb_target){JB_T_NONE, 0});
    else if (jb_bench_handshakes(fused, dir, o->file_handshakes, o->rounds, (uint8_t)o->level, v,
                                 NULL, NULL, why, sizeof why) != 0) {
        char msg[8300];
        snprintf(msg, sizeof msg, "ISD not ready: %s", why);
        jb_row_na(fhname, "handshakes/s", msg, (jb_target){JB_T_NONE, 0});
    } else
        jb_row_rounds(fhname, v, o->rounds, o->file_handshakes, "handshakes/s",
                      (jb_target){JB_T_NONE, 0});

    /* 6. the bench applet on the card core: echo, durable transaction */
    if (jb_vm_rows(o, dir) != JB_EXIT_OK)
        status = JB_EXIT_FAIL;

    free(v);
    free(v2);
    free(v3);
    free(st);
    free(fused);
    return status;
}

/* ------------------------------------------------------------------ pcsc command */

typedef struct {
    long apdus;
    long chunk;
    int rounds;
    const char *apdu_hex;
    const char *label_a, *label_b;
    double target;
    bool header;
    const char *select_hex; /* sent once to both cards after connecting (A must answer 9000) */
    const char *expect_hex; /* the whole answer every APDU must get (NULL: any with a SW) */
} jb_pcsc_opts;

static int jb_unhex(const char *s, uint8_t *out, size_t cap)
{
    return jc_hex_decode(s, out, cap); /* the project's one hex codec */
}

static LONG jb_connect(SCARDCONTEXT ctx, const char *reader, SCARDHANDLE *h)
{
    DWORD proto;
    LONG rv = SCARD_E_TIMEOUT;
    for (int tries = 0; tries < 3; tries++) { /* a fresh insertion may give one RESET_CARD */
        rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, h,
                          &proto);
        if (rv == SCARD_S_SUCCESS)
            return rv;
    }
    return rv;
}

/* The answer every APDU must get (pcsc --expect); len 0 = any. */
static uint8_t jb_pcsc_expect[300];
static size_t jb_pcsc_expect_len;

static double jb_pcsc_rate(SCARDHANDLE h, const uint8_t *apdu, DWORD len, long n)
{
    BYTE resp[300];
    double t0 = jb_now();
    for (long i = 0; i < n; i++) {
        DWORD rl = sizeof resp;
        LONG rv = SCardTransmit(h, SCARD_PCI_T1, apdu, len, NULL, resp, &rl);
        if (rv != SCARD_S_SUCCESS || rl < 2) {
            fprintf(stderr, "jcop-bench: SCardTransmit: %s\n", pcsc_stringify_error(rv));
            return -1.0;
        }
        if (jb_pcsc_expect_len &&
            (rl != jb_pcsc_expect_len || memcmp(resp, jb_pcsc_expect, rl) != 0)) {
            fprintf(stderr,
                    "jcop-bench: a card answered %lu bytes ending %02X%02X, not the expected "
                    "answer\n",
                    (unsigned long)rl, resp[rl - 2], resp[rl - 1]);
            return -1.0;
        }
    }
    return (double)n / (jb_now() - t0);
}

/* --select: one APDU to both cards before the rounds (an applet to select on
 * A; the trivial card answers 9000 to it too); --expect: the answer to check. */
static int jb_pcsc_prologue(const jb_pcsc_opts *o, SCARDHANDLE ha, SCARDHANDLE hb)
{
    if (o->expect_hex) {
        int n = jb_unhex(o->expect_hex, jb_pcsc_expect, sizeof jb_pcsc_expect);
        if (n < 2) {
            fprintf(stderr, "jcop-bench: bad --expect hex '%s'\n", o->expect_hex);
            return -1;
        }
        jb_pcsc_expect_len = (size_t)n;
    }
    if (!o->select_hex)
        return 0;
    uint8_t sel[261];
    int n = jb_unhex(o->select_hex, sel, sizeof sel);
    if (n < 4) {
        fprintf(stderr, "jcop-bench: bad --select hex '%s'\n", o->select_hex);
        return -1;
    }
    SCARDHANDLE h[2] = {ha, hb};
    for (int i = 0; i < 2; i++) {
        BYTE resp[300];
        DWORD rl = sizeof resp;
        LONG rv = SCardTransmit(h[i], SCARD_PCI_T1, sel, (DWORD)n, NULL, resp, &rl);
        if (rv != SCARD_S_SUCCESS || rl < 2 || resp[rl - 2] != 0x90 || resp[rl - 1] != 0x00) {
            fprintf(stderr, "jcop-bench: --select %s on card %c: %s, SW %02X%02X\n", o->select_hex,
                    i ? 'B' : 'A', pcsc_stringify_error(rv), rl >= 2 ? resp[rl - 2] : 0,
                    rl >= 2 ? resp[rl - 1] : 0);
            return -1;
        }
    }
    return 0;
}

static int jb_pcsc(const jb_pcsc_opts *o, const char *ra, const char *rb)
{
    uint8_t apdu[261];
    int alen = jb_unhex(o->apdu_hex, apdu, sizeof apdu);
    if (alen < 4) {
        fprintf(stderr, "jcop-bench: bad APDU hex '%s'\n", o->apdu_hex);
        return JB_EXIT_USAGE;
    }
    SCARDCONTEXT ctx;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "jcop-bench: no pcscd: %s\n", pcsc_stringify_error(rv));
        return JB_EXIT_ENV;
    }
    SCARDHANDLE ha = 0, hb = 0;
    if ((rv = jb_connect(ctx, ra, &ha)) != SCARD_S_SUCCESS ||
        (rv = jb_connect(ctx, rb, &hb)) != SCARD_S_SUCCESS) {
        fprintf(stderr, "jcop-bench: cannot connect to '%s': %s\n", ha ? rb : ra,
                pcsc_stringify_error(rv));
        if (ha)
            SCardDisconnect(ha, SCARD_LEAVE_CARD);
        SCardReleaseContext(ctx);
        return JB_EXIT_ENV;
    }
    double *a = calloc((size_t)o->rounds, sizeof *a), *b = calloc((size_t)o->rounds, sizeof *b);
    double *q = calloc((size_t)o->rounds, sizeof *q);
    int status = JB_EXIT_OK;
    if (!a || !b || !q) {
        status = JB_EXIT_ENV;
        goto out;
    }
    if (jb_pcsc_prologue(o, ha, hb) != 0) {
        status = JB_EXIT_FAIL;
        goto out;
    }
    /* warm both paths up, then alternate which card goes first */
    if (jb_pcsc_rate(ha, apdu, (DWORD)alen, o->apdus / 10 + 1) < 0 ||
        jb_pcsc_rate(hb, apdu, (DWORD)alen, o->apdus / 10 + 1) < 0) {
        status = JB_EXIT_FAIL;
        goto out;
    }
    /* A round sends o->apdus to each card in alternating chunks (A then B,
     * then B then A, ...), so that both cards see the same machine: on a
     * shared 2-vCPU host the load drifts within seconds. */
    for (int i = 0; i < o->rounds; i++) {
        double ta = 0, tb = 0;
        long done = 0;
        for (long k = 0; done < o->apdus; k++) {
            long n = o->apdus - done < o->chunk ? o->apdus - done : o->chunk;
            double rate_a, rate_b;
            if ((k + i) % 2 == 0) {
                rate_a = jb_pcsc_rate(ha, apdu, (DWORD)alen, n);
                rate_b = jb_pcsc_rate(hb, apdu, (DWORD)alen, n);
            } else {
                rate_b = jb_pcsc_rate(hb, apdu, (DWORD)alen, n);
                rate_a = jb_pcsc_rate(ha, apdu, (DWORD)alen, n);
            }
            if (rate_a < 0 || rate_b < 0) {
                status = JB_EXIT_FAIL;
                goto out;
            }
            ta += (double)n / rate_a;
            tb += (double)n / rate_b;
            done += n;
        }
        a[i] = (double)o->apdus / ta;
        b[i] = (double)o->apdus / tb;
        q[i] = a[i] / b[i];
        fprintf(stderr, "jcop-bench: round %d: %s %.0f APDU/s, %s %.0f APDU/s, ratio %.3f\n", i + 1,
                o->label_a, a[i], o->label_b, b[i], q[i]);
    }
    if (o->header)
        jb_header();
    char what[300];
    snprintf(what, sizeof what, "through pcscd -> vpcd: %s, APDU %s", o->label_a, o->apdu_hex);
    jb_row_rounds(what, a, o->rounds, o->apdus, "APDU/s", (jb_target){JB_T_NONE, 0});
    snprintf(what, sizeof what, "through pcscd -> vpcd: %s, APDU %s", o->label_b, o->apdu_hex);
    jb_row_rounds(what, b, o->rounds, o->apdus, "APDU/s", (jb_target){JB_T_NONE, 0});
    snprintf(what, sizeof what, "ratio %s / %s (same pcscd, alternating)", o->label_a,
             o->label_b);
    jb_stats s = jb_summarize(q, o->rounds);
    char lo[64], hi[64], detail[300];
    jb_fmt(s.min, 3, lo, sizeof lo);
    jb_fmt(s.max, 3, hi, sizeof hi);
    snprintf(detail, sizeof detail,
             "median of per-round ratios, %s..%s over %d rounds (cards alternating every %ld APDUs)",
             lo, hi, o->rounds, o->chunk);
    jb_row(what, s.median, "x", detail,
           o->target > 0 ? (jb_target){JB_T_GE, o->target} : (jb_target){JB_T_NONE, 0});
out:
    SCardDisconnect(ha, SCARD_LEAVE_CARD);
    SCardDisconnect(hb, SCARD_LEAVE_CARD);
    SCardReleaseContext(ctx);
    free(a);
    free(b);
    free(q);
    return status;
}

/* ------------------------------------------------------------------ proc and row commands */

/* VmHWM / VmRSS of a process, in KiB; -1 when absent. */
static int jb_proc_kib(long pid, const char *key, long *kib)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t kl = strlen(key);
    *kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            *kib = strtol(line + kl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return *kib < 0 ? -1 : 0;
}

static int jb_proc(long pid, const char *label, bool header)
{
    long hwm, rss;
    if (jb_proc_kib(pid, "VmHWM", &hwm) != 0 || jb_proc_kib(pid, "VmRSS", &rss) != 0) {
        fprintf(stderr, "jcop-bench: cannot read /proc/%ld/status\n", pid);
        return JB_EXIT_ENV;
    }
    if (header)
        jb_header();
    char what[300], detail[128];
    snprintf(what, sizeof what, "%s peak RSS (VmHWM)", label);
    snprintf(detail, sizeof detail, "VmRSS now %.2f MiB", (double)rss / 1024.0);
    jb_row(what, (double)hwm / 1024.0, "MiB", detail, (jb_target){JB_T_LT, 8.0});
    return JB_EXIT_OK;
}

static int jb_parse_target(const char *s, jb_target *t)
{
    if (strcmp(s, "-") == 0) {
        *t = (jb_target){JB_T_NONE, 0};
        return 0;
    }
    const char *num = s;
    if (strncmp(s, ">=", 2) == 0)
        t->op = JB_T_GE, num = s + 2;
    else if (strncmp(s, "<=", 2) == 0)
        t->op = JB_T_LE, num = s + 2;
    else if (s[0] == '<')
        t->op = JB_T_LT, num = s + 1;
    else
        return -1;
    char *end;
    t->value = strtod(num, &end);
    return *num && !*end ? 0 : -1;
}

/* jcop-bench row WHAT UNIT TARGET VALUE... */
static int jb_cmd_row(int argc, char **argv, bool header)
{
    if (argc < 4) {
        fprintf(stderr, "jcop-bench: row WHAT UNIT TARGET VALUE...\n");
        return JB_EXIT_USAGE;
    }
    jb_target t;
    if (jb_parse_target(argv[2], &t) != 0) {
        fprintf(stderr, "jcop-bench: bad target '%s' (want -, >=N, <=N or <N)\n", argv[2]);
        return JB_EXIT_USAGE;
    }
    int n = argc - 3;
    double *v = calloc((size_t)n, sizeof *v);
    if (!v)
        return JB_EXIT_ENV;
    for (int i = 0; i < n; i++) {
        char *end;
        v[i] = strtod(argv[3 + i], &end);
        if (end == argv[3 + i] || *end) {
            fprintf(stderr, "jcop-bench: bad value '%s'\n", argv[3 + i]);
            free(v);
            return JB_EXIT_USAGE;
        }
    }
    if (header)
        jb_header();
    jb_stats s = jb_summarize(v, n);
    char lo[64], hi[64], detail[200];
    jb_fmt(s.min, 3, lo, sizeof lo);
    jb_fmt(s.max, 3, hi, sizeof hi);
    snprintf(detail, sizeof detail, "%s..%s over %d runs", lo, hi, n);
    jb_row(argv[0], s.median, argv[1], detail, t);
    free(v);
    return JB_EXIT_OK;
}

/* ------------------------------------------------------------------ main */

static void jb_usage(FILE *f)
{
    fprintf(f,
            "usage: jcop-bench [inproc] [OPTIONS]          in-process card core and store\n"
            "       jcop-bench pcsc [OPTIONS] READER_A READER_B   through pcscd, A against B\n"
            "       jcop-bench proc [--label NAME] PID      peak RSS of a running daemon\n"
            "       jcop-bench row WHAT UNIT TARGET VALUE...  one row (median of the values)\n"
            "       jcop-bench crypto [--rounds R] [--quick] [FILE.jca]   RSA-2048, ECDSA P-256\n"
            "                       and AES-128 through the crypto applet on the in-process VM\n"
            "       jcop-bench applet [OPTIONS]   the bench applet rows of inproc alone: its echo\n"
            "                       through the card core, its durable transaction vs the disk\n"
            "       jcop-bench mkimage [--cap FILE] IMAGE   a new fused card image (keys 40..4F)\n"
            "                       with the bench applet installed (for the pcscd echo row)\n"
            "Prints a Markdown table: measurement | median | unit | detail | target | verdict.\n"
            "Targets are reported (met / MISSED), never enforced: the exit status says only\n"
            "whether the measurements could be made.\n"
            "inproc:\n"
            "  --apdus N            simple APDUs per round (default 2000000)\n"
            "  --handshakes N       SCP02 handshakes per round, memory-only (default 50000)\n"
            "  --writes N           durable writes per round on a file image (default 1000)\n"
            "  --file-handshakes N  SCP02 handshakes per round on a file image (default 500)\n"
            "  --level L            SCP02 security level of the handshake: 0, 1 or 3 (default 1)\n"
            "  --dir DIR            folder for the file images (default .; use a real disk)\n"
            "  --txns N             applet transactions per round on a file image (default 1000)\n"
            "  --cap FILE           the bench applet's CAP (default: the build's jbench.cap)\n"
            "  --replay PATH        jcop-replay, for the conformance suite's time\n"
            "  --suite DIR          the suite (testcases/conformance: every group but lib/)\n"
            "  --replay-arg ARG     extra jcop-replay argument (repeatable)\n"
            "  --ctest BUILD        time the suite as ctest runs it in BUILD instead\n"
            "                       (ctest -L conformance -L inprocess, serial); falls back\n"
            "                       to --replay/--suite when BUILD registers no such test\n"
            "  --quick              tiny counts and 1 round (smoke test; figures meaningless)\n"
            "pcsc:\n"
            "  --apdus N            APDUs per round and card (default 20000)\n"
            "  --apdu HEX           the APDU (default 00A4040005A000000099: SELECT unknown AID)\n"
            "  --chunk N            cards alternate every N APDUs inside a round (default 1000)\n"
            "  --label-a NAME, --label-b NAME   names in the table\n"
            "  --target RATIO       target for A/B (default none)\n"
            "  --select HEX         an APDU sent once to both cards first (A must answer 9000)\n"
            "  --expect HEX         the whole answer (data + SW) every APDU must get\n"
            "common:\n"
            "  --rounds R           rounds; the median is reported (default 5)\n"
            "  --cpu N              pin this process to CPU N\n"
            "  --no-header          rows only (to append to another table)\n"
            "  -h, --help, -V, --version\n"
            "exit: 0 measured, 1 a card answered wrongly, 2 usage, 3 environment\n");
}

static int jb_usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "jcop-bench: %s%s%s (see jcop-bench --help)\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return JB_EXIT_USAGE;
}

static bool jb_parse_long(const char *s, long min, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    enum {
        O_APDUS = 256,
        O_HANDSHAKES,
        O_WRITES,
        O_FILE_HS,
        O_LEVEL,
        O_DIR,
        O_REPLAY,
        O_SUITE,
        O_REPLAY_ARG,
        O_QUICK,
        O_APDU,
        O_LABEL_A,
        O_LABEL_B,
        O_TARGET,
        O_ROUNDS,
        O_CPU,
        O_NO_HEADER,
        O_LABEL,
        O_CTEST,
        O_CHUNK,
        O_TXNS,
        O_CAP,
        O_SELECT,
        O_EXPECT
    };
    static const struct option opts[] = {
        {"apdus", required_argument, NULL, O_APDUS},
        {"handshakes", required_argument, NULL, O_HANDSHAKES},
        {"writes", required_argument, NULL, O_WRITES},
        {"file-handshakes", required_argument, NULL, O_FILE_HS},
        {"level", required_argument, NULL, O_LEVEL},
        {"dir", required_argument, NULL, O_DIR},
        {"replay", required_argument, NULL, O_REPLAY},
        {"suite", required_argument, NULL, O_SUITE},
        {"ctest", required_argument, NULL, O_CTEST},
        {"replay-arg", required_argument, NULL, O_REPLAY_ARG},
        {"quick", no_argument, NULL, O_QUICK},
        {"apdu", required_argument, NULL, O_APDU},
        {"chunk", required_argument, NULL, O_CHUNK},
        {"label-a", required_argument, NULL, O_LABEL_A},
        {"label-b", required_argument, NULL, O_LABEL_B},
        {"label", required_argument, NULL, O_LABEL},
        {"target", required_argument, NULL, O_TARGET},
        {"rounds", required_argument, NULL, O_ROUNDS},
        {"cpu", required_argument, NULL, O_CPU},
        {"no-header", no_argument, NULL, O_NO_HEADER},
        {"txns", required_argument, NULL, O_TXNS},
        {"cap", required_argument, NULL, O_CAP},
        {"select", required_argument, NULL, O_SELECT},
        {"expect", required_argument, NULL, O_EXPECT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "inproc";
    if (argc > 1 && argv[1][0] != '-') {
        cmd = argv[1];
        argv++;
        argc--;
    }
    jb_inproc_opts io = {.apdus = 2000000,
                         .handshakes = 50000,
                         .writes = 1000,
                         .file_handshakes = 500,
                         .rounds = 5,
                         .header = true,
                         .level = 1,
                         .txns = 1000,
                         .cap = JB_VM_CAP};
    jb_pcsc_opts po = {.apdus = 20000, .chunk = 1000, .rounds = 5, .apdu_hex = "00A4040005A000000099",
                       .label_a = "jcopsim", .label_b = "trivial C card", .header = true};
    const char *label = "jcopsim daemon";
    long cpu = -1;
    bool rounds_given = false;
    int o;
    long n;
    while ((o = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
        switch (o) {
        case O_APDUS:
            if (!jb_parse_long(optarg, 1, &n))
                return jb_usage_error("bad --apdus", optarg);
            io.apdus = po.apdus = n;
            break;
        case O_HANDSHAKES:
            if (!jb_parse_long(optarg, 1, &io.handshakes) || io.handshakes > 60000)
                return jb_usage_error("bad --handshakes (1..60000: the sequence counter is 16 bits)", optarg);
            break;
        case O_WRITES:
            if (!jb_parse_long(optarg, 1, &io.writes))
                return jb_usage_error("bad --writes", optarg);
            break;
        case O_FILE_HS:
            if (!jb_parse_long(optarg, 1, &io.file_handshakes) || io.file_handshakes > 60000)
                return jb_usage_error("bad --file-handshakes (1..60000)", optarg);
            break;
        case O_LEVEL:
            if (!jb_parse_long(optarg, 0, &n) || (n != 0 && n != 1 && n != 3))
                return jb_usage_error("bad --level (0, 1 or 3)", optarg);
            io.level = (int)n;
            break;
        case O_DIR: io.dir = optarg; break;
        case O_REPLAY: io.replay = optarg; break;
        case O_SUITE: io.suite = optarg; break;
        case O_CTEST: io.ctest_build = optarg; break;
        case O_REPLAY_ARG:
            if (io.n_replay_args >= (int)(sizeof io.replay_args / sizeof io.replay_args[0]))
                return jb_usage_error("too many --replay-arg", optarg);
            io.replay_args[io.n_replay_args++] = optarg;
            break;
        case O_QUICK:
            io.apdus = 2000;
            io.handshakes = 20;
            io.writes = 5;
            io.file_handshakes = 3;
            io.txns = 5;
            if (!rounds_given)
                io.rounds = 1;
            break;
        case O_APDU: po.apdu_hex = optarg; break;
        case O_CHUNK:
            if (!jb_parse_long(optarg, 1, &po.chunk))
                return jb_usage_error("bad --chunk", optarg);
            break;
        case O_LABEL_A: po.label_a = optarg; break;
        case O_LABEL_B: po.label_b = optarg; break;
        case O_LABEL: label = optarg; break;
        case O_TARGET: {
            char *end;
            po.target = strtod(optarg, &end);
            if (end == optarg || *end || po.target <= 0)
                return jb_usage_error("bad --target", optarg);
            break;
        }
        case O_ROUNDS:
            if (!jb_parse_long(optarg, 1, &n) || n > 1000)
                return jb_usage_error("bad --rounds (1..1000)", optarg);
            io.rounds = po.rounds = (int)n;
            rounds_given = true;
            break;
        case O_CPU:
            if (!jb_parse_long(optarg, 0, &cpu) || cpu >= CPU_SETSIZE)
                return jb_usage_error("bad --cpu", optarg);
            break;
        case O_NO_HEADER: io.header = po.header = false; break;
        case O_TXNS:
            if (!jb_parse_long(optarg, 1, &io.txns))
                return jb_usage_error("bad --txns", optarg);
            break;
        case O_CAP:
            io.cap = optarg;
            break;
        case O_SELECT:
            po.select_hex = optarg;
            break;
        case O_EXPECT:
            po.expect_hex = optarg;
            break;
        case 'h': jb_usage(stdout); return JB_EXIT_OK;
        case 'V': printf("jcop-bench %s\n", JCOPSIM_VERSION); return JB_EXIT_OK;
        default: return jb_usage_error("unknown option", NULL);
        }
    }
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((int)cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            fprintf(stderr, "jcop-bench: cannot pin to CPU %ld: %s\n", cpu, strerror(errno));
            return JB_EXIT_ENV;
        }
    }
    int rest = argc - optind;
    char **args = argv + optind;
    if (strcmp(cmd, "inproc") == 0) {
        if (rest)
            return jb_usage_error("unexpected argument", args[0]);
        return jb_inproc(&io);
    }
    if (strcmp(cmd, "pcsc") == 0) {
        if (rest != 2)
            return jb_usage_error("pcsc wants READER_A READER_B", NULL);
        return jb_pcsc(&po, args[0], args[1]);
    }
    if (strcmp(cmd, "proc") == 0) {
        long pid;
        if (rest != 1 || !jb_parse_long(args[0], 1, &pid))
            return jb_usage_error("proc wants one PID", rest ? args[0] : NULL);
        return jb_proc(pid, label, po.header);
    }
    if (strcmp(cmd, "row") == 0)
        return jb_cmd_row(rest, args, po.header);
    if (strcmp(cmd, "applet") == 0) {
        if (rest)
            return jb_usage_error("unexpected argument", args[0]);
        if (io.header)
            jb_header();
        return jb_vm_rows(&io, io.dir ? io.dir : ".");
    }
    if (strcmp(cmd, "mkimage") == 0) {
        if (rest != 1)
            return jb_usage_error("mkimage wants one IMAGE", rest ? args[1] : NULL);
        char why[600] = "";
        if (jb_vm_mkimage(io.cap, args[0], why, sizeof why) != 0) {
            fprintf(stderr, "jcop-bench: mkimage: %s\n", why);
            return JB_EXIT_FAIL;
        }
        return JB_EXIT_OK;
    }
    if (strcmp(cmd, "crypto") == 0) {
        if (rest > 1)
            return jb_usage_error("crypto wants at most one FILE.jca", args[1]);
        return jb_crypto(rest ? args[0] : JB_CRYPTO_JCA, io.rounds, io.apdus == 2000 ? 1 : 0,
                         io.header);
    }
    return jb_usage_error("unknown command", cmd);
}
