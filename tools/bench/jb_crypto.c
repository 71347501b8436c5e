/*
 * jb_crypto.c: jcop-bench's crypto rows. The project's crypto applet
 * (simulator/jcvm/tests/applets/cryptokat.jca, assembled in memory) runs on an
 * in-process Java Card VM with the JCOP 2.4.2 R3 (J2E145) algorithm set; each
 * APDU makes the applet repeat one operation on objects it keeps (INS 1A
 * Signature.sign, INS 1C Cipher.doFinal), so the figures are what an applet
 * gets through the natives and the engine, per CPU-second of this thread.
 */
#include "jb_crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jca.h"
#include "jcvm.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Deterministic source: the run is repeatable. */
static int rnd(void *ctx, uint8_t *out, size_t n)
{
    uint64_t *s = ctx;
    for (size_t i = 0; i < n; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        out[i] = (uint8_t)(*s >> 24);
    }
    return 0;
}

typedef struct {
    jcvm *vm;
    jc_aid app;
    uint64_t seed;
} card;

static uint16_t send(card *c, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *d, size_t n)
{
    uint8_t cmd[261] = {0x80, ins, p1, p2, (uint8_t)n};
    memcpy(cmd + 5, d, n);
    cmd[5 + n] = 0;
    uint8_t resp[600];
    size_t rl = sizeof resp;
    jcvm_process(c->vm, &c->app, 0, cmd, 6 + n, resp, &rl);
    return rl >= 2 ? (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]) : 0;
}

static int open_card(card *c, const char *jca, char *why, size_t whylen)
{
    FILE *f = fopen(jca, "rb");
    if (f == NULL) {
        snprintf(why, whylen, "%s: cannot open", jca);
        return -1;
    }
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    jca_pkg pkg;
    jca_cap cap;
    if (jca_parse(text, len, jca, &pkg, why, whylen) != 0)
        return -1;
    if (jca_build(&pkg, jca, &cap, why, whylen) != 0) {
        jca_free(&pkg);
        return -1;
    }
    static const unsigned order[] = {1, 2, 4, 3, 6, 7, 8, 10, 5, 9};
    static uint8_t lf[65536];
    size_t n = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (cap.comp[order[i]] && n + cap.len[order[i]] <= sizeof lf) {
            memcpy(lf + n, cap.comp[order[i]], cap.len[order[i]]);
            n += cap.len[order[i]];
        }
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.crypto_profile = 1; /* J2E145: RSA SHA-256, ECDSA SHA-256 */
    c->seed = 0x6A636F7073696Dull;
    cfg.random = rnd;
    cfg.random_ctx = &c->seed;
    c->vm = jcvm_new(&cfg);
    jc_aid p = {.len = pkg.aid.len};
    memcpy(p.b, pkg.aid.b, p.len);
    c->app.len = pkg.applets[0].aid.len;
    memcpy(c->app.b, pkg.applets[0].aid.b, c->app.len);
    jca_cap_free(&cap);
    jca_free(&pkg);
    uint16_t sw = 0;
    if (c->vm == NULL || jcvm_load(c->vm, lf, n, &sw, why, whylen) != 0 ||
        jcvm_install(c->vm, &p, &c->app, &c->app, NULL, 0, 0, &sw, why, whylen) != 0)
        return -1;
    uint8_t sel[5 + 16] = {0x00, 0xA4, 0x04, 0x00, c->app.len}, resp[300];
    memcpy(sel + 5, c->app.b, c->app.len);
    size_t rl = sizeof resp;
    jcvm_select(c->vm, &c->app, 0, sel, 5u + c->app.len, resp, &rl);
    return 0;
}

/* Repeat (ins, p1 = per_apdu) until `total` operations are done; rates per
   CPU-second and per wall second. */
static int measure(card *c, uint8_t ins, unsigned per_apdu, long total, const uint8_t *d, size_t n,
                   double *cpu_rate, double *wall_rate)
{
    double c0 = cpu_now(), w0 = wall_now();
    long done = 0;
    while (done < total) {
        unsigned k = (unsigned)(total - done < (long)per_apdu ? total - done : (long)per_apdu);
        if (send(c, ins, (uint8_t)k, 0, d, n) != 0x9000)
            return -1;
        done += k;
    }
    double dc = cpu_now() - c0, dw = wall_now() - w0;
    *cpu_rate = dc > 0 ? (double)total / dc : 0;
    *wall_rate = dw > 0 ? (double)total / dw : 0;
    return 0;
}

int jb_crypto_run(const char *jca, jb_crypto_kind kind, long ops, double *cpu_rate,
                  double *wall_rate, char *why, size_t whylen)
{
    card c = {0};
    int rc = -1;
    if (open_card(&c, jca, why, whylen) != 0)
        goto out;
    uint8_t d[250];
    memset(d, 0x5A, sizeof d);
    switch (kind) {
    case JB_CRYPTO_RSA2048: /* KeyPair ALG_RSA_CRT 2048, Signature ALG_RSA_SHA_256_PKCS1 */
        d[0] = 0x08;
        d[1] = 0x00;
        if (send(&c, 0x16, 2, 40, d, 34) != 0x9000)
            break;
        rc = measure(&c, 0x1A, 50, ops, d, 32, cpu_rate, wall_rate);
        break;
    case JB_CRYPTO_P256: /* KeyPair ALG_EC_FP 256, Signature ALG_ECDSA_SHA_256 */
        d[0] = 0x01;
        d[1] = 0x00;
        if (send(&c, 0x16, 5, 33, d, 34) != 0x9000)
            break;
        rc = measure(&c, 0x1A, 200, ops, d, 32, cpu_rate, wall_rate);
        break;
    case JB_CRYPTO_AES128: { /* AES-128 ECB NOPAD encrypt, 15 blocks per doFinal */
        uint8_t k[40] = {15, 0, 128, 0};
        memset(k + 4, 0x2B, 16);
        k[20] = 0; /* no IV */
        k[21] = 0; /* outOff 0 */
        k[22] = 0;
        memset(k + 23, 0, 16);
        if (send(&c, 0x10, 14, 2, k, 39) != 0x9000)
            break;
        long calls = ops / 15 > 0 ? ops / 15 : 1;
        rc = measure(&c, 0x1C, 255, calls, d, 240, cpu_rate, wall_rate);
        *cpu_rate *= 15;
        *wall_rate *= 15;
        break;
    }
    }
    if (rc != 0 && why[0] == '\0')
        snprintf(why, whylen, "the applet did not answer 9000");
out:
    jcvm_free(c.vm);
    return rc;
}
