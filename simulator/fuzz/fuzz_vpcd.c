/*
 * fuzz_vpcd.c: the vpcd frame reader and the serving loop fed whatever a peer
 * could send.
 *
 * Where it sits: jcopsim's link to vpcd (simulator/vpcd, jd_frame_read and
 * jd_serve) reads 2-byte-length frames from a TCP socket. Here the fuzzer's
 * bytes arrive on one end of a socket pair whose writing side is then shut, so
 * every read ends (EOF) without a wait. Byte 0 chooses the mode: bit 0 clear,
 * read frames until the reader reports an error; bit 0 set, jd_serve with a
 * real card core (memory-only) behind jd_card_ops, a thread draining the
 * answers; bit 1 asks for the re-announce path first.
 * Oracles: no crash; each frame is 1..65535 bytes and lies inside the
 * connection's buffer; the reader ends with one of its documented codes.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jc_card.h"
#include "jc_image.h"
#include "jc_profile.h"
#include "jd_vpcd.h"
#include "jf_fuzz.h"

typedef struct {
    jc_card *card;
} jf_vcard;

static int jf_v_power_on(void *ctx)
{
    uint8_t atr[JC_ATR_MAX];
    jf_vcard *v = ctx;
    return jc_card_power_on(v->card, atr, sizeof atr) < 0 ? -1 : 0;
}

static int jf_v_power_off(void *ctx)
{
    jf_vcard *v = ctx;
    jc_card_power_off(v->card);
    return 0;
}

static int jf_v_reset(void *ctx)
{
    uint8_t atr[JC_ATR_MAX];
    jf_vcard *v = ctx;
    if (!jc_card_powered(v->card))
        return jf_v_power_on(ctx);
    return jc_card_reset(v->card, atr, sizeof atr) < 0 ? -1 : 0;
}

static int jf_v_atr(void *ctx, uint8_t *atr, size_t cap)
{
    jf_vcard *v = ctx;
    if (!jc_card_powered(v->card) && jf_v_power_on(ctx) < 0)
        return -1;
    return jc_card_atr(v->card, atr, cap);
}

static int jf_v_apdu(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap)
{
    jf_vcard *v = ctx;
    JF_CHECK(len >= 1 && len <= JD_FRAME_MAX); /* 1: a client's 1-byte C-APDU */
    if (!jc_card_powered(v->card) && jf_v_power_on(ctx) < 0)
        return -1;
    int n = jc_card_process(v->card, capdu, len, rapdu, cap);
    JF_CHECK(n >= 2 && (size_t)n <= cap);
    return n;
}

static void jf_v_disconnected(void *ctx, int why)
{
    jf_vcard *v = ctx;
    (void)why;
    jc_card_power_off(v->card);
}

static void *jf_drain(void *arg)
{
    int fd = *(int *)arg;
    uint8_t buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 200000)
        return 0;
    int sv[2];
    JF_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    int big = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    uint8_t mode = data[0];
    for (size_t off = 1; off < size;) {
        ssize_t w = write(sv[0], data + off, size - off);
        JF_CHECK(w > 0);
        off += (size_t)w;
    }
    JF_CHECK(shutdown(sv[0], SHUT_WR) == 0);

    jd_conn *c = malloc(sizeof *c);
    JF_CHECK(c != NULL);
    jd_conn_init(c, sv[1], NULL, NULL);
    c->frame_timeout_ms = 1000;

    if ((mode & 1u) == 0) {
        for (;;) {
            const uint8_t *body;
            size_t len;
            int r = jd_frame_read(c, &body, &len);
            if (r != JD_OK) {
                JF_CHECK(r == JD_ERR_CLOSED || r == JD_ERR_TRUNCATED || r == JD_ERR_MALFORMED);
                if (r != JD_ERR_MALFORMED)
                    break;
                continue; /* the caller would drop the link; reading on must stay safe */
            }
            JF_CHECK(len >= 1 && len <= JD_FRAME_MAX);
            JF_CHECK(body >= c->rx + 2 && body + len <= c->rx + sizeof c->rx);
        }
    } else {
        jc_pstate *st = malloc(sizeof *st);
        JF_CHECK(st != NULL);
        jf_rng rng = {.s = 11};
        JF_CHECK(jc_pstate_init(st, jc_profile_default()->name, NULL, jf_random, &rng) == 0);
        jc_env env = {.random = jf_random, .random_ctx = &rng};
        jf_vcard v = {0};
        JF_CHECK(jc_card_create(&v.card, st, &env) == 0);
        jd_card_ops ops = {.power_on = jf_v_power_on, .power_off = jf_v_power_off,
                           .reset = jf_v_reset, .atr = jf_v_atr, .apdu = jf_v_apdu,
                           .disconnected = jf_v_disconnected};
        pthread_t th;
        JF_CHECK(pthread_create(&th, NULL, jf_drain, &sv[0]) == 0);
        bool announce = (mode & 2u) != 0;
        int card_err = 0;
        int r;
        do {
            r = jd_serve(c, &ops, &v, &announce, &card_err);
        } while (r == JD_OK && !announce);
        JF_CHECK(r == JD_OK || r == JD_ERR_CLOSED || r == JD_ERR_TRUNCATED ||
                 r == JD_ERR_MALFORMED || r == JD_ERR_IO);
        shutdown(sv[1], SHUT_RDWR);
        pthread_join(th, NULL);
        jc_card_free(v.card);
        free(st);
    }
    close(sv[0]);
    close(sv[1]);
    free(c);
    return 0;
}
