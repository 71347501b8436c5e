/*
 * jb_vm.c: jcop-bench's applet-on-the-card rows (jb_vm.h). The bench applet's
 * CAP (jbench.jca, `jcop-cap asm` at build time) is read with jhcap and
 * installed the way a host does it, through the card core's ISD over SCP02,
 * on an in-process card (jc_card + jcvm_attach); the rows then send it APDUs
 * through jc_card_process, memory-only or on a durable file image.
 *
 * Self-contained on purpose (its own small card wrapper and handshake): the
 * other rows of jcop-bench.c keep their own, and this file changes none.
 */
#define _GNU_SOURCE
#include "jb_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jc_card.h"
#include "jc_crypto.h"
#include "jc_hex.h"
#include "jc_image.h"
#include "jc_profile.h"
#include "jc_scp02.h"
#include "jc_store.h"
#include "jcvm_runtime.h"
#include "jh_cap.h"

static double vm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User and kernel CPU time of this thread, in seconds. */
static void vm_thread_times(double *user, double *sys)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0) {
        *user = *sys = 0;
        return;
    }
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double vm_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Deterministic random source (xorshift64*): the runs are repeatable. */
static int vm_random(void *ctx, uint8_t *out, size_t n)
{
    uint64_t *s = ctx;
    for (size_t i = 0; i < n; i++) {
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        out[i] = (uint8_t)((*s * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return 0;
}

/* The bench's transport key ("JCOP-BENCH-VM001") and the GP test key 40..4F. */
static const uint8_t vm_kt[JC_KT_LEN] = {0x4A, 0x43, 0x4F, 0x50, 0x2D, 0x42, 0x45, 0x4E,
                                         0x43, 0x48, 0x2D, 0x56, 0x4D, 0x30, 0x30, 0x31};
static const uint8_t vm_key[JC_KEY_LEN] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                                           0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F};

typedef struct {
    uint64_t seed;
    jc_env env;
    jc_store *store;
    jc_card *card;
    jcvm_rt *rt;
    uint8_t r[JC_RAPDU_MAX];
    int rlen;
} vm_card;

static void vm_close(vm_card *c)
{
    jc_card_free(c->card);
    jcvm_detach(c->rt);
    jc_store_close(c->store);
    c->card = NULL;
    c->rt = NULL;
    c->store = NULL;
}

/* A powered card on *st: memory-only store when path is NULL, else a new
 * image file at path. The VM comes back from st's runtime section. */
static int vm_open(vm_card *c, const jc_pstate *st, const char *path, char *why, size_t wl)
{
    memset(c, 0, sizeof *c);
    c->seed = 0x6A62766D62656E63ULL;
    int rc = path ? jc_store_create_file(&c->store, path, st) : jc_store_open_memory(&c->store, st);
    if (rc < 0) {
        snprintf(why, wl, "cannot create the %s: %s", path ? path : "memory store",
                 jc_strerror(rc));
        return rc;
    }
    c->env = (jc_env){.random = vm_random,
                      .random_ctx = &c->seed,
                      .commit = jc_store_commit,
                      .commit_ctx = c->store};
    rc = jc_card_create(&c->card, st, &c->env);
    if (rc == 0)
        rc = jcvm_attach(c->card, &c->env, NULL, &c->rt);
    uint8_t atr[JC_ATR_MAX];
    if (rc == 0)
        rc = jc_card_power_on(c->card, atr, sizeof atr);
    if (rc < 0) {
        snprintf(why, wl, "cannot start the card: %s", jc_strerror(rc));
        vm_close(c);
        return rc;
    }
    return 0; /* (power-on returns the ATR's length) */
}

static uint16_t vm_send(vm_card *c, const uint8_t *apdu, size_t len)
{
    c->rlen = jc_card_process(c->card, apdu, len, c->r, sizeof c->r);
    return c->rlen < 2 ? 0 : (uint16_t)(c->r[c->rlen - 2] << 8 | c->r[c->rlen - 1]);
}

/* Send hex, expect 9000; else why names the step. */
static int vm_step(vm_card *c, const char *what, const char *hex, char *why, size_t wl)
{
    uint8_t b[300];
    int n = jc_hex_decode(hex, b, sizeof b);
    uint16_t sw = n < 0 ? 0 : vm_send(c, b, (size_t)n);
    if (sw == 0x9000)
        return 0;
    snprintf(why, wl, "%s answered %04X", what, sw);
    return -1;
}

/* A new card, pre-personalized (CM keys 40..4F, life cycle) and fused; its
 * state in *out (no runtime section yet). */
static int vm_fused(jc_pstate *out, char *why, size_t wl)
{
    uint64_t seed = 0x0123456789ABCDEFULL;
    jc_pstate *st = calloc(1, sizeof *st);
    if (!st)
        return JC_ERR_NOMEM;
    int rc = jc_pstate_init(st, jc_profile_default()->name, vm_kt, vm_random, &seed);
    vm_card c;
    if (rc < 0)
        snprintf(why, wl, "cannot make a card state: %s", jc_strerror(rc));
    else
        rc = vm_open(&c, st, NULL, why, wl);
    free(st);
    if (rc < 0)
        return rc;
    const jc_profile *p = jc_profile_default();
    char hex[200], kt[2 * JC_KT_LEN + 1], key[2 * JC_KEY_LEN + 1];
    jc_hex_encode(vm_kt, JC_KT_LEN, kt);
    jc_hex_encode(vm_key, JC_KEY_LEN, key);
    snprintf(hex, sizeof hex, "00A4040010%s", kt);
    rc = vm_step(&c, "SELECT by the transport key", hex, why, wl);
    if (rc == 0)
        rc = vm_step(&c, "BOOT", "00F00000", why, wl);
    for (int i = 0; i < 3 && rc == 0; i++) {
        uint32_t a = p->cm_key_addr[i];
        snprintf(hex, sizeof hex, "%02XD6%02X%02X10%s", (unsigned)(a >> 16) & 0xFF,
                 (unsigned)(a >> 8) & 0xFF, (unsigned)a & 0xFF, key);
        rc = vm_step(&c, "WRITE MEMORY of a CM key record", hex, why, wl);
    }
    if (rc == 0) {
        uint32_t a = p->cm_lifecycle_addr;
        snprintf(hex, sizeof hex, "%02XD6%02X%02X0101", (unsigned)(a >> 16) & 0xFF,
                 (unsigned)(a >> 8) & 0xFF, (unsigned)a & 0xFF);
        rc = vm_step(&c, "WRITE MEMORY of CM_LIFECYCLE", hex, why, wl);
    }
    if (rc == 0)
        rc = vm_step(&c, "FUSE", "00000000", why, wl);
    if (rc == 0)
        memcpy(out, jc_card_pstate(c.card), sizeof *out); /* no runtime section yet */
    vm_close(&c);
    return rc;
}

/* SELECT the ISD, INITIALIZE UPDATE + EXTERNAL AUTHENTICATE at level 01. */
static int vm_scp02_open(vm_card *c, jc_crypto *cr, jc_scp02 *host, char *why, size_t wl)
{
    char hex[64], aid[2 * JC_AID_MAX + 1];
    const jc_aid *isd = &jc_profile_default()->isd_aid;
    jc_hex_encode(isd->b, isd->len, aid);
    snprintf(hex, sizeof hex, "00A40400%02X%s", (unsigned)isd->len, aid);
    if (vm_step(c, "SELECT of the ISD", hex, why, wl) != 0)
        return -1;
    jc_scp02_keys keys;
    memcpy(keys.enc, vm_key, JC_KEY_LEN);
    memcpy(keys.mac, vm_key, JC_KEY_LEN);
    memcpy(keys.dek, vm_key, JC_KEY_LEN);
    static const uint8_t chal[8] = {0x4A, 0x42, 0x56, 0x4D, 0x01, 0x02, 0x03, 0x04};
    uint8_t apdu[64];
    int n = jc_scp02_host_init_update(host, 0x00, chal, apdu, sizeof apdu);
    uint16_t sw = n < 0 ? 0 : vm_send(c, apdu, (size_t)n);
    if (sw != 0x9000 || c->rlen != (int)JC_SCP02_IU_RESP_LEN + 2 ||
        jc_scp02_host_check_card(host, cr, &keys, c->r, JC_SCP02_IU_RESP_LEN) != 0) {
        snprintf(why, wl, "INITIALIZE UPDATE answered %04X (or a wrong cryptogram)", sw);
        return -1;
    }
    n = jc_scp02_host_ext_auth(host, cr, 0x01, false, apdu, sizeof apdu);
    sw = n < 0 ? 0 : vm_send(c, apdu, (size_t)n);
    if (sw != 0x9000) {
        snprintf(why, wl, "EXTERNAL AUTHENTICATE answered %04X", sw);
        return -1;
    }
    return 0;
}

/* Wrap a command for the open session, send it, expect 9000. */
static int vm_wrapped(vm_card *c, jc_crypto *cr, jc_scp02 *host, const char *what,
                      const uint8_t *capdu, size_t len, char *why, size_t wl)
{
    uint8_t w[300];
    int n = jc_scp02_host_wrap(host, cr, capdu, len, w, sizeof w);
    uint16_t sw = n < 0 ? 0 : vm_send(c, w, (size_t)n);
    if (sw == 0x9000)
        return 0;
    snprintf(why, wl, "%s answered %04X", what, sw);
    return -1;
}

static size_t vm_put_lv(uint8_t *b, size_t k, const uint8_t *v, size_t n)
{
    b[k++] = (uint8_t)n;
    memcpy(b + k, v, n);
    return k + n;
}

/* INSTALL [for load], LOAD blocks, INSTALL [for install and make selectable]
 * of the CAP's package and its first applet, on the ISD's open session. */
static int vm_install(vm_card *c, jc_crypto *cr, jc_scp02 *host, const jh_cap *cap, char *why,
                      size_t wl)
{
    uint8_t cmd[300];
    size_t k = 5;
    k = vm_put_lv(cmd, k, cap->pkg.b, cap->pkg.len);
    cmd[k++] = 0; /* security domain: the ISD */
    cmd[k++] = 0; /* no hash */
    cmd[k++] = 0; /* no load parameters */
    cmd[k++] = 0; /* no token */
    memcpy(cmd, (const uint8_t[]){0x80, 0xE6, 0x02, 0x00, (uint8_t)(k - 5)}, 5);
    if (vm_wrapped(c, cr, host, "INSTALL [for load]", cmd, k, why, wl) != 0)
        return -1;
    long lf_len = jh_cap_load_file(cap, NULL, 0);
    uint8_t *lf = lf_len > 0 ? malloc((size_t)lf_len) : NULL;
    if (!lf || jh_cap_load_file(cap, lf, (size_t)lf_len) != lf_len) {
        free(lf);
        snprintf(why, wl, "cannot build the Load File");
        return -1;
    }
    const size_t block = 200;
    int rc = 0;
    for (size_t off = 0, nr = 0; off < (size_t)lf_len && rc == 0; off += block, nr++) {
        size_t n = (size_t)lf_len - off < block ? (size_t)lf_len - off : block;
        bool last = off + n == (size_t)lf_len;
        uint8_t load[5 + 200] = {0x80, 0xE8, last ? 0x80 : 0x00, (uint8_t)nr, (uint8_t)n};
        memcpy(load + 5, lf + off, n);
        rc = vm_wrapped(c, cr, host, "LOAD", load, 5 + n, why, wl);
    }
    free(lf);
    if (rc != 0)
        return -1;
    const jh_cap_aid *app = &cap->applets[0];
    k = 5;
    k = vm_put_lv(cmd, k, cap->pkg.b, cap->pkg.len);
    k = vm_put_lv(cmd, k, app->b, app->len);        /* module */
    k = vm_put_lv(cmd, k, app->b, app->len);        /* instance */
    cmd[k++] = 1, cmd[k++] = 0x00;                  /* privileges */
    cmd[k++] = 2, cmd[k++] = 0xC9, cmd[k++] = 0x00; /* install parameters: C9 empty */
    cmd[k++] = 0;                                   /* no token */
    memcpy(cmd, (const uint8_t[]){0x80, 0xE6, 0x0C, 0x00, (uint8_t)(k - 5)}, 5);
    return vm_wrapped(c, cr, host, "INSTALL [for install and make selectable]", cmd, k, why, wl);
}

int jb_vm_prepare(const char *cap_path, jc_pstate *out, char *why, size_t whylen)
{
    jh_cap cap;
    char err[200];
    if (jh_cap_read(cap_path, &cap, err, sizeof err) != 0) {
        if (strstr(err, cap_path)) /* jhcap names the file itself */
            snprintf(why, whylen, "%s", err);
        else
            snprintf(why, whylen, "%s: %s", cap_path, err);
        return -1;
    }
    if (cap.n_applets < 1) {
        snprintf(why, whylen, "%s: no applet in the CAP file", cap_path);
        jh_cap_free(&cap);
        return -1;
    }
    jc_pstate *fused = calloc(1, sizeof *fused);
    jc_crypto *cr = NULL;
    int rc = fused ? vm_fused(fused, why, whylen) : JC_ERR_NOMEM;
    vm_card c;
    bool open = false;
    if (rc == 0 && (rc = jc_crypto_create(&cr)) < 0)
        snprintf(why, whylen, "jc_crypto_create failed");
    if (rc == 0)
        open = (rc = vm_open(&c, fused, NULL, why, whylen)) == 0;
    jc_scp02 host;
    memset(&host, 0, sizeof host);
    if (rc == 0)
        rc = vm_scp02_open(&c, cr, &host, why, whylen);
    if (rc == 0)
        rc = vm_install(&c, cr, &host, &cap, why, whylen);
    if (rc == 0 && (rc = jc_pstate_copy(out, jc_card_pstate(c.card))) < 0)
        snprintf(why, whylen, "out of memory");
    if (open)
        vm_close(&c);
    jc_crypto_free(cr);
    free(fused);
    jh_cap_free(&cap);
    return rc;
}

int jb_vm_mkimage(const char *cap_path, const char *image, char *why, size_t whylen)
{
    jc_pstate *st = calloc(1, sizeof *st);
    if (!st)
        return JC_ERR_NOMEM;
    int rc = jb_vm_prepare(cap_path, st, why, whylen);
    if (rc == 0) {
        jc_store *s = NULL;
        rc = jc_store_create_file(&s, image, st);
        if (rc < 0) {
            char buf[200];
            snprintf(why, whylen, "%s: %s", image,
                     jc_store_reason(image, rc, true, buf, sizeof buf));
        }
        jc_store_close(s);
        jc_pstate_release(st);
    }
    free(st);
    return rc;
}

static int vm_select_applet(vm_card *c, char *why, size_t wl)
{
    return vm_step(c, "SELECT of the bench applet", JB_VM_SELECT, why, wl);
}

int jb_vm_echo_core(const jc_pstate *st, long n, double *wall_rate, double *cpu_rate,
                    unsigned long *commits, char *why, size_t whylen)
{
    vm_card c;
    if (vm_open(&c, st, NULL, why, whylen) < 0)
        return -1;
    if (vm_select_applet(&c, why, whylen) != 0) {
        vm_close(&c);
        return -1;
    }
    uint8_t apdu[5 + JB_VM_ECHO_LEN + 1] = {0x80, 0x10, 0x00, 0x00, JB_VM_ECHO_LEN};
    for (int i = 0; i < JB_VM_ECHO_LEN; i++)
        apdu[5 + i] = (uint8_t)(0xA0 + i);
    unsigned long c0 = jc_store_commits(c.store);
    int rc = 0;
    double cpu0 = vm_cpu_now(), t0 = vm_now();
    for (long i = 0; i < n; i++) {
        if (vm_send(&c, apdu, sizeof apdu) != 0x9000 || c.rlen != JB_VM_ECHO_LEN + 2 ||
            memcmp(c.r, apdu + 5, JB_VM_ECHO_LEN) != 0) {
            snprintf(why, whylen, "the echo answered %d bytes, SW %02X%02X", c.rlen,
                     c.rlen >= 2 ? c.r[c.rlen - 2] : 0, c.rlen >= 2 ? c.r[c.rlen - 1] : 0);
            rc = -1;
            break;
        }
    }
    double t = vm_now() - t0, cpu = vm_cpu_now() - cpu0;
    *wall_rate = (double)n / t;
    *cpu_rate = (double)n / cpu;
    *commits = jc_store_commits(c.store) - c0;
    vm_close(&c);
    return rc;
}

double jb_disk_commits(const char *dir, const char *tag, size_t len, long n, uint8_t *buf)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/jcop-bench-%ld-%s.img", dir, (long)getpid(), tag);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    double t0 = vm_now();
    long i;
    for (i = 0; i < n; i++) {
        buf[(size_t)i % len] ^= 1;
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            break;
        bool ok = write(fd, buf, len) == (ssize_t)len && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, path) != 0)
            break;
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) != 0) {
            if (dfd >= 0)
                close(dfd);
            break;
        }
        close(dfd);
    }
    double t = vm_now() - t0;
    unlink(tmp);
    unlink(path);
    return i == n ? t : -1.0;
}

int jb_vm_txn_bench(const jc_pstate *st, const char *dir, long n, long chunk, int round,
                    double *rate, double *raw_rate, size_t *image_len, double *card_user_per,
                    double *card_sys_per, char *why, size_t whylen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/jcop-bench-%ld-txn.img", dir, (long)getpid());
    vm_card c;
    if (vm_open(&c, st, path, why, whylen) < 0)
        return -1;
    int rc = vm_select_applet(&c, why, whylen);
    struct stat sb;
    uint8_t *buf = NULL;
    if (rc == 0 && stat(path, &sb) != 0) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc == 0) {
        *image_len = (size_t)sb.st_size;
        buf = calloc(1, *image_len);
        rc = buf ? 0 : -1;
    }
    unsigned long before = jc_store_commits(c.store);
    uint8_t apdu[5 + JB_VM_TXN_LEN] = {0x80, 0x20, 0x00, 0x00, JB_VM_TXN_LEN};
    double t_card = 0, t_raw = 0, user_card = 0, sys_card = 0;
    long done = 0;
    uint16_t counter = 0;
    for (long k = 0; rc == 0 && done < n; k++) {
        long m = n - done < chunk ? n - done : chunk;
        bool raw_first = (k + round) % 2 == 1;
        double tr = raw_first ? jb_disk_commits(dir, "vmraw", *image_len, m, buf) : 0;
        double u0, s0, u1, s1;
        vm_thread_times(&u0, &s0);
        double t0 = vm_now();
        for (long i = done; i < done + m && rc == 0; i++) {
            for (int b = 0; b < JB_VM_TXN_LEN; b++)
                apdu[5 + b] = (uint8_t)(i + b); /* new bytes every time */
            uint16_t sw = vm_send(&c, apdu, sizeof apdu);
            uint16_t got = c.rlen == 4 ? (uint16_t)(c.r[0] << 8 | c.r[1]) : 0;
            if (sw != 0x9000 || c.rlen != 4 || (i > 0 && got != (uint16_t)(counter + 1))) {
                snprintf(why, whylen, "the transaction APDU answered %d bytes, SW %04X", c.rlen,
                         sw);
                rc = -1;
            }
            counter = got;
        }
        t_card += vm_now() - t0;
        vm_thread_times(&u1, &s1);
        user_card += u1 - u0;
        sys_card += s1 - s0;
        if (!raw_first)
            tr = jb_disk_commits(dir, "vmraw", *image_len, m, buf);
        if (tr < 0 && rc == 0) {
            snprintf(why, whylen, "raw write/fsync/rename in %s failed: %s", dir, strerror(errno));
            rc = -1;
        }
        t_raw += tr > 0 ? tr : 0;
        done += m;
    }
    if (rc == 0 && jc_store_commits(c.store) - before != (unsigned long)n) {
        snprintf(why, whylen, "%lu commits for %ld transactions",
                 jc_store_commits(c.store) - before, n);
        rc = -1;
    }
    *rate = (double)n / t_card;
    *raw_rate = (double)n / t_raw;
    *card_user_per = user_card / (double)n;
    *card_sys_per = sys_card / (double)n;
    free(buf);
    vm_close(&c);
    unlink(path);
    return rc;
}
