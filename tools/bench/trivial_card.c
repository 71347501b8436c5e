/*
 * trivial_card.c: the transport ceiling for the benchmark. A card that answers
 * 9000 to every APDU, over the same vpcd transport (jdvpcd) as jcopsim, so that
 * jcopsim's APDU rate through pcscd can be compared side by side with a card
 * that does no work at all (issue 9). It echoes the data of INS 10 (the bench
 * applet's echo, issue 13) and answers nothing else but 9000. Its ATR has JCOP's interface bytes
 * and the historical bytes "TRIVIAL9", so pcscd picks T=1 for both cards.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jd_vpcd.h"

static volatile sig_atomic_t jt_trivial_stop; /* the one signal flag (async-signal-safe) */

static void jt_trivial_on_signal(int sig)
{
    (void)sig;
    jt_trivial_stop = 1;
}

typedef struct {
    uint8_t atr[32];
    size_t atr_len;
} jt_trivial;

static int jt_trivial_nop(void *ctx)
{
    (void)ctx;
    return 0;
}

static int jt_trivial_atr(void *ctx, uint8_t *atr, size_t cap)
{
    const jt_trivial *t = ctx;
    if (cap < t->atr_len)
        return -1;
    memcpy(atr, t->atr, t->atr_len);
    return (int)t->atr_len;
}

/* 9000 to everything, except INS 10 with data (short Lc), which gets its data
 * back then 9000: the bench applet's echo (jbench.jca), so that both cards
 * move the same bytes in the echo row. */
static int jt_trivial_apdu(void *ctx, const uint8_t *c, size_t len, uint8_t *r, size_t cap)
{
    (void)ctx;
    size_t n = 0;
    if (len >= 6 && c[1] == 0x10 && c[4] != 0 && len >= 5u + c[4] && cap >= c[4] + 2u) {
        n = c[4];
        memcpy(r, c + 5, n);
    }
    r[n] = 0x90;
    r[n + 1] = 0x00;
    return (int)n + 2;
}

static void jt_trivial_lost(void *ctx, int why)
{
    (void)ctx, (void)why;
}

static void jt_trivial_log(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "trivial-card: %s\n", msg);
}

static void jt_trivial_usage(FILE *f)
{
    fprintf(f,
            "usage: jcop-trivial-card [--port N] [--slot N] [--listen HOST:PORT | --connect "
            "HOST:PORT]\n"
            "A card answering 9000 to every APDU over vpcd (benchmark baseline);\n"
            "INS 10 with data gets its data back, then 9000.\n"
            "  --connect HOST:PORT  connect to vpcd (normal mode; default 127.0.0.1:%u)\n"
            "  --listen HOST:PORT   wait for vpcd to connect (reversed mode)\n"
            "  --port N, --slot N   port of slot 0, slot added to it\n"
            "  -v                   log connections to stderr\n",
            JD_DEFAULT_PORT);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
                                         {"slot", required_argument, NULL, 's'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"connect", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    char host[256] = "127.0.0.1";
    unsigned port = JD_DEFAULT_PORT, slot = 0;
    bool listen = false, verbose = false;
    int o;
    while ((o = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
        switch (o) {
        case 'p':
            port = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 's':
            slot = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'l':
        case 'c':
            if (jd_parse_hostport(optarg, host, sizeof host, &port) != JD_OK) {
                fprintf(stderr, "jcop-trivial-card: bad address '%s' (want HOST:PORT)\n", optarg);
                return 2;
            }
            listen = o == 'l';
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            jt_trivial_usage(stdout);
            return 0;
        case 'V':
            printf("jcop-trivial-card %s\n", JCOPSIM_VERSION);
            return 0;
        default:
            jt_trivial_usage(stderr);
            return 2;
        }
    }
    jt_trivial t = {.atr = {0x3B, 0xF8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45}, .atr_len = 9};
    memcpy(t.atr + t.atr_len, "TRIVIAL9", 8);
    t.atr_len += 8;
    uint8_t tck = 0;
    for (size_t i = 1; i < t.atr_len; i++)
        tck ^= t.atr[i];
    t.atr[t.atr_len++] = tck;

    sigset_t block, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &waitmask);
    sigdelset(&waitmask, SIGTERM);
    sigdelset(&waitmask, SIGINT);
    struct sigaction sa = {.sa_handler = jt_trivial_on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    jd_card_ops ops = {.power_on = jt_trivial_nop,
                       .power_off = jt_trivial_nop,
                       .reset = jt_trivial_nop,
                       .atr = jt_trivial_atr,
                       .apdu = jt_trivial_apdu,
                       .disconnected = jt_trivial_lost,
                       .log = verbose ? jt_trivial_log : NULL};
    jd_config cfg = {.listen = listen,
                     .host = host,
                     .port = port,
                     .slot = slot,
                     .retry_budget_ms = 30000,
                     .frame_timeout_ms = 5000,
                     .lone_control_ms = JD_LONE_CONTROL_MS,
                     .stop = &jt_trivial_stop,
                     .waitmask = &waitmask};
    jd_conn *conn = calloc(1, sizeof *conn);
    if (conn == NULL)
        return 3;
    int card_err = 0;
    int r = jd_run(&cfg, conn, &ops, &t, &card_err);
    free(conn);
    if (r == JD_ERR_STOPPED)
        return 0;
    fprintf(stderr, "jcop-trivial-card: %s\n", jd_strerror(r));
    return 3;
}
