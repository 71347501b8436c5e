/*
 * jd_vpcd.c: the vpcd transport (see jd_vpcd.h): frames in and out of a
 * non-blocking socket, waits in ppoll with the caller's signal mask (so a
 * SIGTERM that arrives at any moment ends the wait, race-free), the connection
 * loop in both directions with backoff and the re-announce. It knows nothing of
 * cards beyond jd_card_ops.
 */
#define _GNU_SOURCE
#include "jd_vpcd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const char *jd_strerror(int err)
{
    switch (err) {
    case JD_OK:
        return "ok";
    case JD_ERR_CLOSED:
        return "peer closed the connection";
    case JD_ERR_TRUNCATED:
        return "peer closed in the middle of a frame";
    case JD_ERR_MALFORMED:
        return "malformed frame (empty)";
    case JD_ERR_TIMEOUT:
        return "the rest of a frame never arrived";
    case JD_ERR_IO:
        return "socket error";
    case JD_ERR_STOPPED:
        return "stopped by a signal";
    case JD_ERR_UNREACHABLE:
        return "vpcd unreachable within the retry budget";
    case JD_ERR_ADDR:
        return "address unusable";
    case JD_ERR_CARD:
        return "card fault";
    case JD_ERR_LONE_CONTROL:
        return "a power control byte followed by silence (a 1-byte C-APDU a client sent)";
    default:
        return "unknown transport error";
    }
}

static uint64_t jd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool jd_stopped(const volatile sig_atomic_t *stop)
{
    return stop != NULL && *stop != 0;
}

/* Wait for events on fd (fd < 0: just wait) for at most timeout_ms (<0: for
 * ever). Returns >0 ready, 0 timeout, JD_ERR_STOPPED, JD_ERR_IO. */
static int jd_wait(int fd, short events, int timeout_ms, const volatile sig_atomic_t *stop,
                   const sigset_t *mask)
{
    if (jd_stopped(stop))
        return JD_ERR_STOPPED;
    struct pollfd p = {.fd = fd, .events = events};
    struct timespec ts = {.tv_sec = timeout_ms / 1000,
                          .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
    int r = ppoll(fd >= 0 ? &p : NULL, fd >= 0 ? 1 : 0, timeout_ms < 0 ? NULL : &ts, mask);
    if (r < 0) {
        if (errno == EINTR)
            return jd_stopped(stop) ? JD_ERR_STOPPED : 0;
        return JD_ERR_IO;
    }
    return r;
}

void jd_conn_init(jd_conn *c, int fd, const volatile sig_atomic_t *stop, const sigset_t *waitmask)
{
    c->fd = fd;
    c->rx_start = c->rx_end = 0;
    c->stop = stop;
    c->waitmask = waitmask;
    if (c->frame_timeout_ms == 0)
        c->frame_timeout_ms = 5000;
    if (fd >= 0) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    }
}

static void jd_quickack(int fd)
{
    int one = 1;
    /* Not sticky: the kernel falls back to delayed ACKs, so this is done for
     * every frame. Fails harmlessly on a non-TCP socket (unit tests). */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

/* Read more bytes into the buffer. mid_frame: a frame has started, so the wait
 * is bounded and EOF means truncation. */
static int jd_fill(jd_conn *c, bool mid_frame, uint64_t deadline)
{
    if (c->rx_end == sizeof c->rx) { /* make room: move the unread bytes to the front */
        memmove(c->rx, c->rx + c->rx_start, c->rx_end - c->rx_start);
        c->rx_end -= c->rx_start;
        c->rx_start = 0;
    }
    /* Between frames the next request is never there yet (vpcd waits for each
     * answer): wait first and save a read that would fail with EAGAIN. */
    bool wait_first = !mid_frame && c->rx_start == c->rx_end;
    for (;;) {
        if (wait_first) {
            wait_first = false;
            int w = jd_wait(c->fd, POLLIN, -1, c->stop, c->waitmask);
            if (w < 0)
                return w;
        }
        ssize_t n = read(c->fd, c->rx + c->rx_end, sizeof c->rx - c->rx_end);
        if (n > 0) {
            c->rx_end += (size_t)n;
            return JD_OK;
        }
        if (n == 0)
            return mid_frame ? JD_ERR_TRUNCATED : JD_ERR_CLOSED;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return JD_ERR_IO;
        int timeout = -1;
        if (mid_frame) {
            uint64_t now = jd_now_ms();
            if (now >= deadline)
                return JD_ERR_TIMEOUT;
            timeout = (int)(deadline - now);
        }
        int w = jd_wait(c->fd, POLLIN, timeout, c->stop, c->waitmask);
        if (w < 0)
            return w;
        if (w == 0 && mid_frame && jd_now_ms() >= deadline)
            return JD_ERR_TIMEOUT;
    }
}

int jd_frame_read(jd_conn *c, const uint8_t **body, size_t *len)
{
    uint64_t deadline = 0;
    bool started = c->rx_end > c->rx_start;
    if (started)
        deadline = jd_now_ms() + c->frame_timeout_ms;
    while (c->rx_end - c->rx_start < 2) {
        int r = jd_fill(c, started, deadline);
        if (r < 0)
            return r;
        if (!started) {
            started = true;
            deadline = jd_now_ms() + c->frame_timeout_ms;
        }
    }
    jd_quickack(c->fd);
    size_t n = ((size_t)c->rx[c->rx_start] << 8) | c->rx[c->rx_start + 1];
    if (n == 0) {
        c->rx_start += 2;
        return JD_ERR_MALFORMED;
    }
    if (c->rx_start + 2 + n > sizeof c->rx) { /* the frame would not fit behind: compact */
        memmove(c->rx, c->rx + c->rx_start, c->rx_end - c->rx_start);
        c->rx_end -= c->rx_start;
        c->rx_start = 0;
    }
    while (c->rx_end - c->rx_start < 2 + n) {
        int r = jd_fill(c, true, deadline);
        if (r < 0)
            return r;
    }
    *body = c->rx + c->rx_start + 2;
    *len = n;
    c->rx_start += 2 + n;
    if (c->rx_start == c->rx_end)
        c->rx_start = c->rx_end = 0;
    return JD_OK;
}

int jd_frame_write(jd_conn *c, const uint8_t *body, size_t len)
{
    if (len > JD_FRAME_MAX)
        return JD_ERR_MALFORMED;
    c->tx[0] = (uint8_t)(len >> 8);
    c->tx[1] = (uint8_t)len;
    if (len > 0 && body != c->tx + 2)
        memmove(c->tx + 2, body, len);
    size_t off = 0, total = len + 2;
    while (off < total) {
        ssize_t n = send(c->fd, c->tx + off, total - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int w = jd_wait(c->fd, POLLOUT, (int)c->frame_timeout_ms, c->stop, c->waitmask);
            if (w < 0)
                return w;
            if (w == 0)
                return JD_ERR_TIMEOUT;
            continue;
        }
        return JD_ERR_IO;
    }
    return JD_OK;
}

static void jd_log(const jd_card_ops *ops, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void jd_log(const jd_card_ops *ops, void *ctx, const char *fmt, ...)
{
    if (ops->log == NULL)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ops->log(ctx, line);
}

/* A 1-byte frame that is no vpcd control: a client's C-APDU, answered by the
 * card. Returns JD_OK to go on serving, or the error that ends the connection. */
static int jd_serve_one_byte_apdu(jd_conn *c, const jd_card_ops *ops, void *ctx, uint8_t byte,
                                  int *card_err)
{
    jd_log(ops, ctx, "vpcd: 1-byte frame %02X is no control: a 1-byte C-APDU", byte);
    int n = ops->apdu(ctx, &byte, 1, c->tx + 2, JD_FRAME_MAX);
    if (n < 2) {
        *card_err = n < 0 ? n : JD_ERR_CARD;
        return JD_ERR_CARD;
    }
    return jd_frame_write(c, c->tx + 2, (size_t)n);
}

/* After a power control (00, 01, 02): see jd_serve in jd_vpcd.h. */
static int jd_lone_control_watch(jd_conn *c, const jd_card_ops *ops, void *ctx, uint8_t ctl)
{
    if (c->lone_control_ms == 0 || c->rx_end > c->rx_start)
        return JD_OK;
    int w = jd_wait(c->fd, POLLIN, (int)c->lone_control_ms, c->stop, c->waitmask);
    if (w != 0)
        return w < 0 ? w : JD_OK;
    jd_log(ops, ctx,
           "vpcd: control %02X was followed by %u ms of silence: a client sent the 1-byte "
           "C-APDU %02X, which vpcd cannot frame; closing the connection so its transmit fails "
           "instead of hanging",
           ctl, c->lone_control_ms, ctl);
    return JD_ERR_LONE_CONTROL;
}

int jd_serve(jd_conn *c, const jd_card_ops *ops, void *ctx, bool *announce, int *card_err)
{
    for (;;) {
        const uint8_t *body;
        size_t len;
        int r = jd_frame_read(c, &body, &len);
        if (r < 0)
            return r;
        if (len == 1) {
            int cr = 0;
            switch (body[0]) {
            case JD_CTL_POWER_OFF:
                cr = ops->power_off(ctx);
                break;
            case JD_CTL_POWER_ON:
                cr = ops->power_on(ctx);
                break;
            case JD_CTL_RESET:
                cr = ops->reset(ctx);
                break;
            case JD_CTL_ATR:
                if (*announce) {
                    *announce = false;
                    return jd_frame_write(c, NULL, 0);
                }
                cr = ops->atr(ctx, c->tx + 2, JD_FRAME_MAX);
                if (cr > 0)
                    r = jd_frame_write(c, c->tx + 2, (size_t)cr);
                else if (cr == 0)
                    cr = JD_ERR_CARD; /* an empty ATR would drop the card */
                break;
            default: /* no control of vpcd's: a client's 1-byte C-APDU */
                r = jd_serve_one_byte_apdu(c, ops, ctx, body[0], card_err);
                break;
            }
            if (cr < 0) {
                *card_err = cr;
                return JD_ERR_CARD;
            }
            if (r < 0)
                return r;
            if (body[0] <= JD_CTL_RESET && (r = jd_lone_control_watch(c, ops, ctx, body[0])) < 0)
                return r;
            continue;
        }
        int n = ops->apdu(ctx, body, len, c->tx + 2, JD_FRAME_MAX);
        if (n < 2) {
            *card_err = n < 0 ? n : JD_ERR_CARD;
            return JD_ERR_CARD;
        }
        r = jd_frame_write(c, c->tx + 2, (size_t)n);
        if (r < 0)
            return r;
    }
}

/* ---- addresses and sockets ---- */

int jd_parse_hostport(const char *s, char *host, size_t cap, unsigned *port)
{
    const char *colon;
    const char *h = s;
    size_t hl;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (end == NULL || end[1] != ':')
            return JD_ERR_ADDR;
        h = s + 1;
        hl = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return JD_ERR_ADDR;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= cap)
        return JD_ERR_ADDR;
    char *endp;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &endp, 10);
    if (errno != 0 || *endp != '\0' || colon[1] == '\0' || p == 0 || p > 65535)
        return JD_ERR_ADDR;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (unsigned)p;
    return JD_OK;
}

static bool jd_addr_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

static int jd_resolve(const char *host, unsigned port, bool passive, struct addrinfo **out)
{
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0};
    return getaddrinfo(host, ps, &hints, out) == 0 ? JD_OK : JD_ERR_ADDR;
}

bool jd_host_is_loopback(const char *host)
{
    struct addrinfo *ai;
    if (jd_resolve(host, 1, false, &ai) != JD_OK)
        return false;
    bool all = true;
    for (struct addrinfo *p = ai; p != NULL; p = p->ai_next)
        all = all && jd_addr_is_loopback(p->ai_addr);
    freeaddrinfo(ai);
    return all;
}

static void jd_tune(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* One connect attempt, non-blocking, bounded by timeout_ms. Returns fd or <0. */
static int jd_connect_once(const jd_config *cfg, const struct addrinfo *ai, int timeout_ms)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return JD_ERR_IO;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        goto ok;
    if (errno != EINPROGRESS)
        goto fail;
    int w = jd_wait(fd, POLLOUT, timeout_ms, cfg->stop, cfg->waitmask);
    if (w <= 0) {
        close(fd);
        return w < 0 ? w : JD_ERR_IO;
    }
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0)
        goto fail;
ok:
    jd_tune(fd);
    return fd;
fail:
    close(fd);
    return JD_ERR_IO;
}

static int jd_listen_socket(const jd_config *cfg, unsigned port)
{
    struct addrinfo *ai;
    if (jd_resolve(cfg->host, port, true, &ai) != JD_OK)
        return JD_ERR_ADDR;
    int fd = -1;
    for (struct addrinfo *p = ai; p != NULL && fd < 0; p = p->ai_next) {
        fd = socket(p->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, p->ai_addr, p->ai_addrlen) != 0 || listen(fd, 1) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    return fd >= 0 ? fd : JD_ERR_ADDR;
}

/* Serve one established connection, then close it. */
static int jd_session(int fd, const jd_config *cfg, jd_conn *conn, const jd_card_ops *ops,
                      void *ctx, bool *announce, int *card_err)
{
    unsigned keep = cfg->frame_timeout_ms;
    conn->frame_timeout_ms = keep;
    conn->lone_control_ms = cfg->lone_control_ms;
    jd_conn_init(conn, fd, cfg->stop, cfg->waitmask);
    bool was_announce = *announce;
    int r = jd_serve(conn, ops, ctx, announce, card_err);
    close(fd);
    conn->fd = -1;
    if (was_announce && !*announce && r == JD_OK) {
        jd_log(ops, ctx, "vpcd: re-announced the card (empty ATR), reconnecting");
        return JD_OK;
    }
    if (r != JD_ERR_CARD && r != JD_ERR_STOPPED)
        jd_log(ops, ctx, "vpcd: connection ended: %s", jd_strerror(r));
    ops->disconnected(ctx, r);
    *announce = !cfg->no_announce; /* every new connection after a loss announces once */
    return r;
}

int jd_run(const jd_config *cfg, jd_conn *conn, const jd_card_ops *ops, void *ctx, int *card_err)
{
    unsigned port = cfg->port + cfg->slot;
    if (port == 0 || port > 65535)
        return JD_ERR_ADDR;
    bool announce = !cfg->no_announce;
    *card_err = 0;
    if (cfg->listen) {
        int lfd = jd_listen_socket(cfg, port);
        if (lfd < 0)
            return lfd;
        jd_log(ops, ctx, "vpcd: listening on %s port %u for vpcd", cfg->host, port);
        for (;;) {
            int w = jd_wait(lfd, POLLIN, -1, cfg->stop, cfg->waitmask);
            if (w < 0) {
                close(lfd);
                return w;
            }
            if (w == 0)
                continue;
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0)
                continue;
            jd_tune(fd);
            int r = jd_session(fd, cfg, conn, ops, ctx, &announce, card_err);
            if (r == JD_ERR_CARD || r == JD_ERR_STOPPED) {
                close(lfd);
                return r;
            }
        }
    }
    struct addrinfo *ai;
    if (jd_resolve(cfg->host, port, false, &ai) != JD_OK)
        return JD_ERR_ADDR;
    unsigned backoff = 20;
    uint64_t since = jd_now_ms();
    bool logged = false;
    int result;
    for (;;) {
        int fd = JD_ERR_IO;
        for (struct addrinfo *p = ai; p != NULL && fd < 0; p = p->ai_next) {
            fd = jd_connect_once(cfg, p, 1000);
            if (fd == JD_ERR_STOPPED) {
                result = fd;
                goto out;
            }
        }
        if (fd >= 0) {
            jd_log(ops, ctx, "vpcd: connected to %s port %u", cfg->host, port);
            logged = false;
            int r = jd_session(fd, cfg, conn, ops, ctx, &announce, card_err);
            if (r == JD_ERR_CARD || r == JD_ERR_STOPPED) {
                result = r;
                goto out;
            }
            backoff = 20;
            since = jd_now_ms();
            continue;
        }
        if (!logged) {
            jd_log(ops, ctx, "vpcd: %s port %u not reachable yet, retrying", cfg->host, port);
            logged = true;
        }
        if (cfg->retry_budget_ms != 0 && jd_now_ms() - since >= cfg->retry_budget_ms) {
            result = JD_ERR_UNREACHABLE;
            goto out;
        }
        int w = jd_wait(-1, 0, (int)backoff, cfg->stop, cfg->waitmask);
        if (w < 0) {
            result = w;
            goto out;
        }
        backoff = backoff * 2 > 1000 ? 1000 : backoff * 2;
    }
out:
    freeaddrinfo(ai);
    return result;
}
