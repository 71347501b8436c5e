/*
 * jcop-rig-probe.c: the rig's small PC/SC client. The rig (jcop-rig) and the
 * tests use it to wait for readers and cards with a deadline (never a fixed
 * sleep), to print the reader list, and to measure APDU rates of two readers
 * side by side (the benchmark of issue 3/9). It talks to whatever pcscd serves
 * the current mount namespace, which under the rig is the rig's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <winscard.h>

static uint64_t jt_probe_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static double jt_probe_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A short pause inside a deadline loop (poll with no descriptors). */
static void jt_probe_pause(unsigned ms)
{
    (void)poll(NULL, 0, (int)ms);
}

typedef struct {
    SCARDCONTEXT ctx;
    bool have;
    uint64_t deadline;
} jt_probe;

static LONG jt_probe_context(jt_probe *p)
{
    if (p->have)
        return SCARD_S_SUCCESS;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
    if (rv == SCARD_S_SUCCESS)
        p->have = true;
    return rv;
}

static void jt_probe_drop(jt_probe *p)
{
    if (p->have)
        SCardReleaseContext(p->ctx);
    p->have = false;
}

/* Reader names, NUL-separated, double NUL at the end, into buf. */
static LONG jt_probe_readers(jt_probe *p, char *buf, DWORD cap)
{
    LONG rv = jt_probe_context(p);
    if (rv != SCARD_S_SUCCESS)
        return rv;
    DWORD len = cap;
    rv = SCardListReaders(p->ctx, NULL, buf, &len);
    if (rv == SCARD_E_NO_SERVICE || rv == SCARD_F_COMM_ERROR || rv == SCARD_E_SERVICE_STOPPED ||
        rv == SCARD_E_INVALID_HANDLE)
        jt_probe_drop(p);
    return rv;
}

static int jt_probe_cmd_list(jt_probe *p, int min_readers)
{
    char buf[8192];
    for (;;) {
        LONG rv = jt_probe_readers(p, buf, sizeof buf);
        if (rv == SCARD_S_SUCCESS) {
            int n = 0;
            for (char *r = buf; *r != '\0'; r += strlen(r) + 1)
                n++;
            if (n >= min_readers) {
                for (char *r = buf; *r != '\0'; r += strlen(r) + 1)
                    printf("%s\n", r);
                return 0;
            }
        }
        if (jt_probe_now_ms() >= p->deadline) {
            fprintf(stderr, "jcop-rig-probe: no %d reader(s) before the deadline: %s\n",
                    min_readers, pcsc_stringify_error(rv));
            return rv == SCARD_E_NO_SERVICE ? 3 : 1;
        }
        jt_probe_pause(50);
    }
}

/* Wait until the reader's state has all bits of want (PRESENT or EMPTY). */
static int jt_probe_cmd_wait(jt_probe *p, const char *reader, DWORD want)
{
    SCARD_READERSTATE rs = {.szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE};
    LONG rv = SCARD_E_TIMEOUT;
    for (;;) {
        uint64_t now = jt_probe_now_ms();
        if (now >= p->deadline)
            break;
        rv = jt_probe_context(p);
        if (rv == SCARD_S_SUCCESS) {
            DWORD left = (DWORD)(p->deadline - now);
            rv = SCardGetStatusChange(p->ctx, rs.dwCurrentState == SCARD_STATE_UNAWARE ? 0 : left,
                                      &rs, 1);
            if (rv == SCARD_S_SUCCESS) {
                DWORD st = rs.dwEventState;
                bool ok = (st & want) == want;
                if (want == SCARD_STATE_PRESENT && (st & SCARD_STATE_MUTE))
                    ok = false;
                if (ok)
                    return 0;
                rs.dwCurrentState = st & ~(DWORD)SCARD_STATE_CHANGED;
                continue;
            }
            if (rv == SCARD_E_TIMEOUT)
                continue;
            rs.dwCurrentState = SCARD_STATE_UNAWARE;
            if (rv != SCARD_E_UNKNOWN_READER && rv != SCARD_E_READER_UNAVAILABLE)
                jt_probe_drop(p); /* pcscd gone or restarting: reconnect to it */
        }
        jt_probe_pause(50);
    }
    fprintf(stderr, "jcop-rig-probe: reader '%s' did not become %s before the deadline (%s)\n",
            reader, want == SCARD_STATE_PRESENT ? "present" : "empty", pcsc_stringify_error(rv));
    return 1;
}

static int jt_probe_connect(jt_probe *p, const char *reader, SCARDHANDLE *h)
{
    DWORD proto;
    LONG rv = SCARD_E_TIMEOUT;
    for (int tries = 0; tries < 3; tries++) { /* a fresh insertion may give one RESET_CARD */
        rv = jt_probe_context(p);
        if (rv == SCARD_S_SUCCESS)
            rv = SCardConnect(p->ctx, reader, SCARD_SHARE_SHARED,
                              SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, h, &proto);
        if (rv == SCARD_S_SUCCESS)
            return 0;
    }
    fprintf(stderr, "jcop-rig-probe: cannot connect to '%s': %s\n", reader,
            pcsc_stringify_error(rv));
    return 3;
}

/* A harmless command for "does the card answer": SELECT by name of an AID that
 * no card holds. An unfused JCOP answers 6A82 and has nothing selected (as at
 * power-up), a fused one 6A82 with its ISD still selected (also as at
 * power-up); the trivial card answers 9000. Any R-APDU of 2 bytes or more
 * counts: the question is whether the card answers, not what. */
static const BYTE jt_probe_ready_apdu[] = {0x00, 0xA4, 0x04, 0x00, 0x08, 0xF0, 0x4A, 0x43,
                                           0x4F, 0x50, 0x52, 0x49, 0x47};

/* Wait until the card in reader answers an APDU: present (not mute), connect,
 * transmit jt_probe_ready_apdu, all retried until the deadline. A fresh
 * insertion may say "card was reset" or "card is unpowered" while pcscd powers
 * the new card up, and a card that has just been restarted may still be the
 * old, gone one for pcscd until its next presence poll ("transaction failed",
 * "no smart card"): each of these means "not ready yet". */
static int jt_probe_cmd_ready(jt_probe *p, const char *reader)
{
    LONG rv = SCARD_E_TIMEOUT;
    const char *step = "wait";
    int tries = 0;
    while (jt_probe_now_ms() < p->deadline) {
        tries++;
        step = "present";
        SCARD_READERSTATE rs = {.szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE};
        rv = jt_probe_context(p);
        if (rv == SCARD_S_SUCCESS)
            rv = SCardGetStatusChange(p->ctx, 0, &rs, 1);
        if (rv == SCARD_S_SUCCESS &&
            (!(rs.dwEventState & SCARD_STATE_PRESENT) || (rs.dwEventState & SCARD_STATE_MUTE))) {
            uint64_t now = jt_probe_now_ms();
            rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
            /* Sleep until the reader changes, at most 200 ms: then look again. */
            if (now < p->deadline) {
                uint64_t left = p->deadline - now;
                (void)SCardGetStatusChange(p->ctx, (DWORD)(left < 200 ? left : 200), &rs, 1);
            }
            continue;
        }
        if (rv == SCARD_S_SUCCESS) {
            SCARDHANDLE h;
            DWORD proto;
            step = "connect";
            rv = SCardConnect(p->ctx, reader, SCARD_SHARE_SHARED,
                              SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &h, &proto);
            if (rv == SCARD_S_SUCCESS) {
                BYTE resp[258];
                DWORD rl = sizeof resp;
                step = "transmit";
                rv = SCardTransmit(h, proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1,
                                   jt_probe_ready_apdu, sizeof jt_probe_ready_apdu, NULL, resp, &rl);
                SCardDisconnect(h, SCARD_LEAVE_CARD);
                if (rv == SCARD_S_SUCCESS && rl >= 2)
                    return 0;
                if (rv == SCARD_S_SUCCESS)
                    rv = SCARD_F_COMM_ERROR; /* an answer without a status word */
            }
        }
        if (rv == SCARD_E_NO_SERVICE || rv == SCARD_F_COMM_ERROR || rv == SCARD_E_SERVICE_STOPPED ||
            rv == SCARD_E_INVALID_HANDLE)
            jt_probe_drop(p); /* pcscd gone or restarting: reconnect to it */
        jt_probe_pause(50);
    }
    fprintf(stderr,
            "jcop-rig-probe: the card in '%s' did not answer before the deadline (%d tries, last "
            "step %s: %s)\n",
            reader, tries, step, pcsc_stringify_error(rv));
    return 1;
}

static int jt_probe_cmd_atr(jt_probe *p, const char *reader)
{
    SCARDHANDLE h;
    int r = jt_probe_connect(p, reader, &h);
    if (r != 0)
        return r;
    BYTE atr[64];
    DWORD atr_len = sizeof atr, state, proto;
    char name[512];
    DWORD name_len = sizeof name;
    LONG rv = SCardStatus(h, name, &name_len, &state, &proto, atr, &atr_len);
    SCardDisconnect(h, SCARD_LEAVE_CARD);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "jcop-rig-probe: SCardStatus: %s\n", pcsc_stringify_error(rv));
        return 3;
    }
    for (DWORD i = 0; i < atr_len; i++)
        printf("%02X", atr[i]);
    printf("\n");
    return 0;
}

static int jt_probe_hex(const char *s, BYTE *out, size_t cap, DWORD *len)
{
    size_t n = strlen(s);
    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (BYTE)v;
    }
    *len = (DWORD)(n / 2);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Rate of n APDUs on h, or <0 on a failed transmit. */
static double jt_probe_rate(SCARDHANDLE h, const BYTE *apdu, DWORD len, long n)
{
    BYTE resp[258];
    double t0 = jt_probe_now_s();
    for (long i = 0; i < n; i++) {
        DWORD rl = sizeof resp;
        LONG rv = SCardTransmit(h, SCARD_PCI_T1, apdu, len, NULL, resp, &rl);
        if (rv != SCARD_S_SUCCESS || rl < 2) {
            fprintf(stderr, "jcop-rig-probe: transmit failed: %s\n", pcsc_stringify_error(rv));
            return -1;
        }
    }
    return (double)n / (jt_probe_now_s() - t0);
}

static int jt_probe_cmd_bench(jt_probe *p, const char *ra, const char *rb, long n, int rounds,
                              const char *hex, char **setup, int n_setup)
{
    BYTE apdu[261];
    DWORD alen;
    if (jt_probe_hex(hex, apdu, sizeof apdu, &alen) != 0 || alen < 4) {
        fprintf(stderr, "jcop-rig-probe: bad APDU hex '%s'\n", hex);
        return 2;
    }
    SCARDHANDLE ha, hb;
    if (jt_probe_connect(p, ra, &ha) != 0 || jt_probe_connect(p, rb, &hb) != 0)
        return 3;
    double *a = calloc((size_t)rounds, sizeof *a), *b = calloc((size_t)rounds, sizeof *b);
    double *q = calloc((size_t)rounds, sizeof *q);
    int rc = 0;
    if (a == NULL || b == NULL || q == NULL)
        return 3;
    for (int i = 0; i < n_setup; i++) { /* bring card A into the measured state */
        BYTE sa[261];
        DWORD sl;
        if (jt_probe_hex(setup[i], sa, sizeof sa, &sl) != 0 || sl < 4 ||
            jt_probe_rate(ha, sa, sl, 1) < 0) {
            fprintf(stderr, "jcop-rig-probe: setup APDU '%s' failed\n", setup[i]);
            return 2;
        }
    }
    jt_probe_rate(ha, apdu, alen, n / 10 + 1); /* warm both paths up */
    jt_probe_rate(hb, apdu, alen, n / 10 + 1);
    printf("round  %-28s  %-28s  ratio\n", ra, rb);
    for (int i = 0; i < rounds; i++) {
        if (i % 2 == 0) {
            a[i] = jt_probe_rate(ha, apdu, alen, n);
            b[i] = jt_probe_rate(hb, apdu, alen, n);
        } else {
            b[i] = jt_probe_rate(hb, apdu, alen, n);
            a[i] = jt_probe_rate(ha, apdu, alen, n);
        }
        if (a[i] < 0 || b[i] < 0) {
            rc = 1;
            break;
        }
        q[i] = a[i] / b[i];
        printf("%5d  %22.0f APDU/s  %22.0f APDU/s  %.3f\n", i + 1, a[i], b[i], q[i]);
    }
    if (rc == 0) {
        qsort(a, (size_t)rounds, sizeof *a, cmp_double);
        qsort(b, (size_t)rounds, sizeof *b, cmp_double);
        qsort(q, (size_t)rounds, sizeof *q, cmp_double);
        printf("median %22.0f APDU/s  %22.0f APDU/s  %.3f  (%ld APDUs x %d rounds each, APDU %s)\n",
               a[rounds / 2], b[rounds / 2], q[rounds / 2], n, rounds, hex);
    }
    SCardDisconnect(ha, SCARD_LEAVE_CARD);
    SCardDisconnect(hb, SCARD_LEAVE_CARD);
    free(a), free(b), free(q);
    return rc;
}

/* Bring the loopback interface up: a fresh network namespace (unshare -n) has
 * it down, and the rig runs pcscd, vpcd and the cards in one. */
static int jt_probe_cmd_lo_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("jcop-rig-probe: socket");
        return 3;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    int rc = 0;
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
        perror("jcop-rig-probe: SIOCGIFFLAGS lo");
        rc = 3;
    } else if (!(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) {
            perror("jcop-rig-probe: SIOCSIFFLAGS lo");
            rc = 3;
        }
    }
    close(fd);
    return rc;
}

static void jt_probe_usage(FILE *f)
{
    fprintf(f,
            "usage: jcop-rig-probe [-t MS] COMMAND ...\n"
            "  list [N]                 print the readers (wait until there are N, default 1)\n"
            "  wait-present READER      wait until a card is present in READER\n"
            "  wait-empty READER        wait until READER has no card\n"
            "  ready READER             wait until the card in READER answers an APDU (a SELECT\n"
            "                           of an AID no card holds, F04A434F50524947)\n"
            "  atr READER               print the card's ATR\n"
            "  bench READER_A READER_B N ROUNDS [APDU [SETUP...]]\n"
            "                           N APDUs on A then on B, ROUNDS times, alternated;\n"
            "                           prints rates, medians and the ratio A/B; SETUP APDUs\n"
            "                           go to A once first (e.g. SELECT by KT, BOOT)\n"
            "  lo-up                    bring the loopback interface up (new network namespace)\n"
            "  -t MS                    deadline for waits (default 10000)\n"
            "exit: 0 ok, 1 deadline passed or a check failed, 2 usage, 3 no pcscd/reader\n");
}

int main(int argc, char **argv)
{
    jt_probe p = {.deadline = 0};
    long timeout = 10000;
    int i = 1;
    if (i < argc && strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
        timeout = strtol(argv[i + 1], NULL, 10);
        i += 2;
    }
    if (i >= argc) {
        jt_probe_usage(stderr);
        return 2;
    }
    p.deadline = jt_probe_now_ms() + (uint64_t)(timeout > 0 ? timeout : 0);
    const char *cmd = argv[i++];
    int rest = argc - i;
    int rc;
    if (strcmp(cmd, "--help") == 0) {
        jt_probe_usage(stdout);
        return 0;
    } else if (strcmp(cmd, "--version") == 0) {
        printf("jcop-rig-probe %s\n", JCOPSIM_VERSION);
        return 0;
    } else if (strcmp(cmd, "lo-up") == 0 && rest == 0) {
        return jt_probe_cmd_lo_up();
    } else if (strcmp(cmd, "list") == 0 && rest <= 1) {
        rc = jt_probe_cmd_list(&p, rest == 1 ? atoi(argv[i]) : 1);
    } else if (strcmp(cmd, "wait-present") == 0 && rest == 1) {
        rc = jt_probe_cmd_wait(&p, argv[i], SCARD_STATE_PRESENT);
    } else if (strcmp(cmd, "wait-empty") == 0 && rest == 1) {
        rc = jt_probe_cmd_wait(&p, argv[i], SCARD_STATE_EMPTY);
    } else if (strcmp(cmd, "ready") == 0 && rest == 1) {
        rc = jt_probe_cmd_ready(&p, argv[i]);
    } else if (strcmp(cmd, "atr") == 0 && rest == 1) {
        rc = jt_probe_cmd_atr(&p, argv[i]);
    } else if (strcmp(cmd, "bench") == 0 && rest >= 4) {
        long n = strtol(argv[i + 2], NULL, 10);
        int rounds = atoi(argv[i + 3]);
        if (n < 1 || rounds < 1) {
            jt_probe_usage(stderr);
            return 2;
        }
        rc = jt_probe_cmd_bench(&p, argv[i], argv[i + 1], n, rounds,
                                rest >= 5 ? argv[i + 4] : "00A4040000", argv + i + 5,
                                rest > 5 ? rest - 5 : 0);
    } else {
        jt_probe_usage(stderr);
        return 2;
    }
    jt_probe_drop(&p);
    return rc;
}
