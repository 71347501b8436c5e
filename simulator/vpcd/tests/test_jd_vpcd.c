/*
 * test_jd_vpcd.c: the vpcd frame reader and the protocol loop, fed through a
 * socketpair: well-formed frames, every way a frame can be cut or malformed,
 * a maximum-size frame, and a long run of pseudo-random garbage. The reader
 * must return each frame whole or a clean error, never crash or overrun.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "jd_vpcd.h"

static size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p != '\0'; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            continue; /* spaces separate fields for readability */
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

typedef struct {
    const char *name;
    const char *input; /* bytes the peer sends */
    int keep_open;     /* 1: the peer stays connected (timeout case) */
    int n_frames;      /* frames expected before the error */
    size_t lens[4];    /* their lengths */
    int final;         /* the error that ends the stream */
} frame_case;

static const frame_case frame_cases[] = {
    {.name = "one control", .input = "0001 04", .n_frames = 1, .lens = {1}, .final = JD_ERR_CLOSED},
    {.name = "two frames in one write",
     .input = "0001 04 0001 01",
     .n_frames = 2,
     .lens = {1, 1},
     .final = JD_ERR_CLOSED},
    {.name = "apdu",
     .input = "0005 00A4040000",
     .n_frames = 1,
     .lens = {5},
     .final = JD_ERR_CLOSED},
    {.name = "nothing", .input = "", .n_frames = 0, .final = JD_ERR_CLOSED},
    {.name = "half a header", .input = "00", .n_frames = 0, .final = JD_ERR_TRUNCATED},
    {.name = "header only", .input = "0005", .n_frames = 0, .final = JD_ERR_TRUNCATED},
    {.name = "body cut",
     .input = "0001 04 0005 00A4",
     .n_frames = 1,
     .lens = {1},
     .final = JD_ERR_TRUNCATED},
    {.name = "empty frame",
     .input = "0001 04 0000",
     .n_frames = 1,
     .lens = {1},
     .final = JD_ERR_MALFORMED},
    {.name = "length never arrives",
     .input = "0005 00A4",
     .keep_open = 1,
     .n_frames = 0,
     .final = JD_ERR_TIMEOUT},
};

static void run_frame_case(const frame_case *fc)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    uint8_t in[64];
    size_t n = hex2bin(fc->input, in, sizeof in);
    assert_int_equal(write(sv[1], in, n), (ssize_t)n);
    if (!fc->keep_open)
        close(sv[1]);
    jd_conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->frame_timeout_ms = 50;
    jd_conn_init(c, sv[0], NULL, NULL);
    for (int i = 0; i < fc->n_frames; i++) {
        const uint8_t *body;
        size_t len;
        assert_int_equal(jd_frame_read(c, &body, &len), JD_OK);
        assert_int_equal(len, fc->lens[i]);
    }
    const uint8_t *body;
    size_t len;
    int r = jd_frame_read(c, &body, &len);
    if (r != fc->final)
        fail_msg("%s: got %d (%s), want %d", fc->name, r, jd_strerror(r), fc->final);
    close(sv[0]);
    if (fc->keep_open)
        close(sv[1]);
    free(c);
}

static void test_frame_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof frame_cases / sizeof frame_cases[0]; i++)
        run_frame_case(&frame_cases[i]);
}

/* Feed bytes from a child process (they may exceed the socket buffer). */
static pid_t feed(int fd, const uint8_t *buf, size_t len)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(fd, buf + off, len - off);
            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    return pid;
}

static void test_max_frame_then_next(void **state)
{
    (void)state;
    size_t total = 2 + JD_FRAME_MAX + 3;
    uint8_t *buf = malloc(total);
    assert_non_null(buf);
    buf[0] = 0xFF;
    buf[1] = 0xFF;
    for (size_t i = 0; i < JD_FRAME_MAX; i++)
        buf[2 + i] = (uint8_t)(i * 7u);
    memcpy(buf + 2 + JD_FRAME_MAX, "\x00\x01\x04", 3);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t pid = feed(sv[1], buf, total);
    close(sv[1]);
    jd_conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    jd_conn_init(c, sv[0], NULL, NULL);
    const uint8_t *body;
    size_t len;
    assert_int_equal(jd_frame_read(c, &body, &len), JD_OK);
    assert_int_equal(len, JD_FRAME_MAX);
    assert_memory_equal(body, buf + 2, JD_FRAME_MAX);
    assert_int_equal(jd_frame_read(c, &body, &len), JD_OK);
    assert_int_equal(len, 1);
    assert_int_equal(body[0], 0x04);
    assert_int_equal(jd_frame_read(c, &body, &len), JD_ERR_CLOSED);
    waitpid(pid, NULL, 0);
    close(sv[0]);
    free(c);
    free(buf);
}

static void test_garbage(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 20; seed++) {
        size_t total = 200000;
        uint8_t *buf = malloc(total);
        assert_non_null(buf);
        uint32_t x = seed * 2654435761u;
        for (size_t i = 0; i < total; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)(x >> 16);
        }
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        pid_t pid = feed(sv[1], buf, total);
        close(sv[1]);
        jd_conn *c = calloc(1, sizeof *c);
        assert_non_null(c);
        jd_conn_init(c, sv[0], NULL, NULL);
        size_t consumed = 0;
        int r;
        for (;;) {
            const uint8_t *body;
            size_t len;
            r = jd_frame_read(c, &body, &len);
            if (r != JD_OK)
                break;
            assert_true(len >= 1 && len <= JD_FRAME_MAX);
            /* the frame is the bytes the peer sent at that position */
            assert_int_equal(((size_t)buf[consumed] << 8) | buf[consumed + 1], len);
            assert_memory_equal(body, buf + consumed + 2, len);
            consumed += 2 + len;
        }
        assert_true(r == JD_ERR_TRUNCATED || r == JD_ERR_MALFORMED || r == JD_ERR_CLOSED);
        waitpid(pid, NULL, 0);
        close(sv[0]);
        free(c);
        free(buf);
    }
}

/* ---- the protocol loop, with a fake card ---- */

typedef struct {
    int on, off, reset, atr, apdu, lost;
    int fail_apdu; /* answer the next APDU with this fatal code */
} fake_card;

static int fk_on(void *ctx)
{
    ((fake_card *)ctx)->on++;
    return 0;
}
static int fk_off(void *ctx)
{
    ((fake_card *)ctx)->off++;
    return 0;
}
static int fk_reset(void *ctx)
{
    ((fake_card *)ctx)->reset++;
    return 0;
}
static int fk_atr(void *ctx, uint8_t *atr, size_t cap)
{
    ((fake_card *)ctx)->atr++;
    assert_true(cap >= 3);
    memcpy(atr, "\x3B\x00\x11", 3);
    return 3;
}
static int fk_apdu(void *ctx, const uint8_t *c, size_t len, uint8_t *r, size_t cap)
{
    fake_card *f = ctx;
    f->apdu++;
    if (f->fail_apdu)
        return f->fail_apdu;
    if (len == 1) { /* a 1-byte C-APDU: wrong length */
        r[0] = 0x67;
        r[1] = 0x00;
        return 2;
    }
    /* echo the INS then 9000 */
    assert_true(len >= 2 && cap >= 3);
    r[0] = c[1];
    r[1] = 0x90;
    r[2] = 0x00;
    return 3;
}
static void fk_lost(void *ctx, int why)
{
    (void)why;
    ((fake_card *)ctx)->lost++;
}

static const jd_card_ops fake_ops = {.power_on = fk_on,
                                     .power_off = fk_off,
                                     .reset = fk_reset,
                                     .atr = fk_atr,
                                     .apdu = fk_apdu,
                                     .disconnected = fk_lost};

typedef struct {
    const char *name;
    bool announce;
    const char *input;
    const char *output; /* frames the card must send back */
    int result;
    bool announce_after;
    fake_card counts;
    int fail_apdu;
    int card_err;
} serve_case;

static const serve_case serve_cases[] = {
    {.name = "re-announce answers the first 04 empty and stops",
     .announce = true,
     .input = "0001 04 0001 04",
     .output = "0000",
     .result = JD_OK,
     .announce_after = false,
     .counts = {.atr = 0}},
    {.name = "power on, ATR, APDU, power off",
     .announce = false,
     .input = "0001 01 0001 04 0005 00A4040000 0001 00",
     .output = "0003 3B0011 0003 A49000",
     .result = JD_ERR_CLOSED,
     .counts = {.on = 1, .atr = 1, .apdu = 1, .off = 1}},
    {.name = "controls before the announce are served",
     .announce = true,
     .input = "0001 00 0001 02 0001 04",
     .output = "0000",
     .result = JD_OK,
     .counts = {.off = 1, .reset = 1}},
    {.name = "a 1-byte frame that is no vpcd control is a client's C-APDU, answered",
     .announce = false,
     .input = "0001 7F 0001 04",
     .output = "0002 6700 0003 3B0011",
     .result = JD_ERR_CLOSED,
     .counts = {.atr = 1, .apdu = 1}},
    {.name = "card fault ends the loop unanswered",
     .announce = false,
     .input = "0004 00000000 0001 04",
     .output = "",
     .result = JD_ERR_CARD,
     .fail_apdu = -13,
     .card_err = -13,
     .counts = {.apdu = 1}},
    {.name = "short apdu goes to the card",
     .announce = false,
     .input = "0002 0010",
     .output = "0003 109000",
     .result = JD_ERR_CLOSED,
     .counts = {.apdu = 1}},
};

static void test_serve_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof serve_cases / sizeof serve_cases[0]; i++) {
        const serve_case *sc = &serve_cases[i];
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        uint8_t in[64], want[64], got[128];
        size_t n = hex2bin(sc->input, in, sizeof in);
        assert_int_equal(write(sv[1], in, n), (ssize_t)n);
        shutdown(sv[1], SHUT_WR);
        jd_conn *c = calloc(1, sizeof *c);
        assert_non_null(c);
        jd_conn_init(c, sv[0], NULL, NULL);
        fake_card f = {.fail_apdu = sc->fail_apdu};
        bool announce = sc->announce;
        int card_err = 0;
        int r = jd_serve(c, &fake_ops, &f, &announce, &card_err);
        if (r != sc->result)
            fail_msg("%s: result %d, want %d", sc->name, r, sc->result);
        assert_int_equal(announce, sc->announce_after);
        assert_int_equal(card_err, sc->card_err);
        close(sv[0]);
        size_t wn = hex2bin(sc->output, want, sizeof want);
        ssize_t gn = read(sv[1], got, sizeof got);
        assert_true(gn >= 0);
        if ((size_t)gn != wn || memcmp(got, want, wn) != 0)
            fail_msg("%s: wrong output (%zd bytes, want %zu)", sc->name, gn, wn);
        assert_int_equal(f.on, sc->counts.on);
        assert_int_equal(f.off, sc->counts.off);
        assert_int_equal(f.reset, sc->counts.reset);
        assert_int_equal(f.atr, sc->counts.atr);
        assert_int_equal(f.apdu, sc->counts.apdu);
        close(sv[1]);
        free(c);
    }
}

/* A power control followed by silence is a client's 1-byte C-APDU: the
 * connection ends (JD_ERR_LONE_CONTROL) so vpcd's transmit fails instead of
 * waiting for ever; a control followed by the next frame within the watch is
 * served as before. The peer's end stays open: silence, not EOF. */
static void test_lone_control(void **state)
{
    (void)state;
    static const struct {
        const char *input;
        int result;
        int off, on, reset, atr;
    } cases[] = {
        {"0001 00", JD_ERR_LONE_CONTROL, 1, 0, 0, 0},
        {"0001 01", JD_ERR_LONE_CONTROL, 0, 1, 0, 0},
        {"0001 02", JD_ERR_LONE_CONTROL, 0, 0, 1, 0},
        {"0001 00 0001 04", JD_ERR_TIMEOUT, 1, 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        uint8_t in[16];
        size_t n = hex2bin(cases[i].input, in, sizeof in);
        assert_int_equal(write(sv[1], in, n), (ssize_t)n);
        jd_conn *c = calloc(1, sizeof *c);
        assert_non_null(c);
        c->lone_control_ms = 100;
        jd_conn_init(c, sv[0], NULL, NULL);
        fake_card f = {0};
        bool announce = false;
        int card_err = 0;
        int r;
        if (cases[i].result == JD_ERR_TIMEOUT) {
            /* served past the control; then one byte of a next frame that never
             * completes ends the loop (the frame timeout), with the peer open */
            c->frame_timeout_ms = 50;
            assert_int_equal(write(sv[1], "\x00", 1), 1);
            r = jd_serve(c, &fake_ops, &f, &announce, &card_err);
        } else {
            r = jd_serve(c, &fake_ops, &f, &announce, &card_err);
        }
        if (r != cases[i].result)
            fail_msg("%s: result %d, want %d", cases[i].input, r, cases[i].result);
        assert_int_equal(f.off, cases[i].off);
        assert_int_equal(f.on, cases[i].on);
        assert_int_equal(f.reset, cases[i].reset);
        assert_int_equal(f.atr, cases[i].atr);
        assert_int_equal(f.apdu, 0);
        close(sv[0]);
        close(sv[1]);
        free(c);
    }
}

typedef struct {
    const char *in;
    int result;
    const char *host;
    unsigned port;
} hp_case;

static void test_hostport(void **state)
{
    (void)state;
    static const hp_case cases[] = {
        {"127.0.0.1:35963", JD_OK, "127.0.0.1", 35963},
        {"[::1]:4000", JD_OK, "::1", 4000},
        {"localhost:1", JD_OK, "localhost", 1},
        {"127.0.0.1", JD_ERR_ADDR, NULL, 0},
        {"127.0.0.1:", JD_ERR_ADDR, NULL, 0},
        {"127.0.0.1:65536", JD_ERR_ADDR, NULL, 0},
        {"127.0.0.1:0", JD_ERR_ADDR, NULL, 0},
        {":80", JD_ERR_ADDR, NULL, 0},
        {"[::1]4000", JD_ERR_ADDR, NULL, 0},
        {"host:12x", JD_ERR_ADDR, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char host[64];
        unsigned port = 0;
        int r = jd_parse_hostport(cases[i].in, host, sizeof host, &port);
        assert_int_equal(r, cases[i].result);
        if (r == JD_OK) {
            assert_string_equal(host, cases[i].host);
            assert_int_equal(port, cases[i].port);
        }
    }
    assert_true(jd_host_is_loopback("127.0.0.1"));
    assert_true(jd_host_is_loopback("127.5.6.7"));
    assert_true(jd_host_is_loopback("::1"));
    assert_false(jd_host_is_loopback("0.0.0.0"));
    assert_false(jd_host_is_loopback("192.0.2.1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_table), cmocka_unit_test(test_max_frame_then_next),
        cmocka_unit_test(test_garbage),     cmocka_unit_test(test_serve_table),
        cmocka_unit_test(test_hostport),    cmocka_unit_test(test_lone_control),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
