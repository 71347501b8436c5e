/*
 * jcopsim.c: the daemon. It puts a card on vpcd so that pcscd, and through it
 * any PC/SC tool, sees a JCOP card:
 *
 *   image file --(jcstore)--> jc_pstate --> jc_card (jccore) <--(jd_card_ops)-- jdvpcd <== vpcd
 *
 * It loads an image (or creates one, or runs a memory-only card), wires the
 * card's environment (random = jc_sysrand, commit = the store, durable before
 * the answer leaves; trace = jd_trace), and hands the card to the vpcd
 * transport, which connects to vpcd (normal mode) or waits for it (reversed
 * mode) and reconnects whenever the link drops. SIGTERM/SIGINT end it cleanly
 * between two exchanges: a commit is never interrupted, so the image on disk is
 * always a whole one.
 *
 * An unpowered card asked for its ATR (vpcd's presence poll, control 04) is not
 * powered on: it answers the ATR its next cold power-on would give, computed by
 * a silent power cycle and cached until the card is powered again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jcvm_runtime.h"
#include "jc_hex.h"
#include "jc_image.h"
#include "jc_profile.h"
#include "jc_store.h"
#include "jc_t0.h"
#include "jd_trace.h"
#include "jd_vpcd.h"
#include "jc_sysrand.h"

/* Exit codes (the project's, plus 4 for the power-cut test option). */
enum { JD_EXIT_OK = 0, JD_EXIT_USAGE = 2, JD_EXIT_ENV = 3, JD_EXIT_POWER_CUT = 4 };

/* The one mutable file-scope object: a signal handler can reach nothing else. */
static volatile sig_atomic_t jd_stop;

static void jd_on_signal(int sig)
{
    (void)sig;
    jd_stop = 1;
}

typedef struct {
    jc_card *card;
    jcvm_rt *vm; /* the Java Card VM running the card's applets */
    jc_store *store;
    jd_trace trace;
    uint8_t cold_atr[JC_ATR_MAX];
    int cold_atr_len;                   /* 0 = not known: compute at the next 04 while unpowered */
    bool power_cut;                     /* the card reported JC_ERR_POWER_CUT */
    unsigned long vm_cut_at, vm_writes; /* --cut-vm-write-at: the write to cut; writes so far */
    const char *vm_cut_what;            /* what that write was (a string of the VM's) */
    jc_t0 *t0; /* --t0: answers as a T=0 card (jc_t0.h); NULL = as the card gives them */
} jd_daemon;

/* --t0: the ATR in its T=0 form (TD1 and TCK removed). */
static int jd_t0_atr(const jd_daemon *js, uint8_t *atr, int n, size_t cap)
{
    if (js->t0 == NULL || n <= 0)
        return n;
    uint8_t t0[JC_ATR_MAX];
    int k = jc_t0_atr(atr, (size_t)n, t0, sizeof t0);
    if (k < 0 || (size_t)k > cap)
        return n; /* an ATR it cannot read stays as it is */
    memcpy(atr, t0, (size_t)k);
    return k;
}

/* ---- jd_card_ops ---- */

static int jd_power_on(void *ctx)
{
    jd_daemon *js = ctx;
    uint8_t atr[JC_ATR_MAX];
    int n = jc_card_power_on(js->card, atr, sizeof atr);
    if (n < 0)
        return n;
    js->cold_atr_len = 0;
    if (js->t0 != NULL)
        jc_t0_reset(js->t0);
    jd_trace_power_on(&js->trace, atr, (size_t)n, NULL);
    return 0;
}

static int jd_power_off(void *ctx)
{
    jd_daemon *js = ctx;
    if (jc_card_powered(js->card)) {
        jc_card_power_off(js->card);
        jd_trace_power_off(&js->trace, NULL);
    }
    return 0;
}

static int jd_reset(void *ctx)
{
    jd_daemon *js = ctx;
    uint8_t atr[JC_ATR_MAX];
    if (!jc_card_powered(js->card))
        return jd_power_on(ctx); /* a warm reset of an unpowered card is a cold start */
    int n = jc_card_reset(js->card, atr, sizeof atr);
    if (n < 0)
        return n;
    if (js->t0 != NULL)
        jc_t0_reset(js->t0);
    jd_trace_reset(&js->trace, atr, (size_t)n);
    return 0;
}

static int jd_atr(void *ctx, uint8_t *atr, size_t cap)
{
    jd_daemon *js = ctx;
    if (jc_card_powered(js->card))
        return jd_t0_atr(js, atr, jc_card_atr(js->card, atr, cap), cap);
    if (js->cold_atr_len == 0) {
        js->trace.quiet = true;
        int n = jc_card_power_on(js->card, js->cold_atr, sizeof js->cold_atr);
        jc_card_power_off(js->card);
        js->trace.quiet = false;
        if (n <= 0)
            return n < 0 ? n : JC_ERR_FORMAT;
        js->cold_atr_len = n;
    }
    if (cap < (size_t)js->cold_atr_len)
        return JC_ERR_BUFFER;
    memcpy(atr, js->cold_atr, (size_t)js->cold_atr_len);
    return jd_t0_atr(js, atr, js->cold_atr_len, cap);
}

static int jd_apdu(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap)
{
    jd_daemon *js = ctx;
    if (!jc_card_powered(js->card)) {
        uint8_t atr[JC_ATR_MAX];
        int a = jc_card_power_on(js->card, atr, sizeof atr);
        if (a < 0)
            return a;
        js->cold_atr_len = 0;
        if (js->t0 != NULL)
            jc_t0_reset(js->t0);
        jd_trace_power_on(&js->trace, atr, (size_t)a,
                          "implicit power-on: APDU to an unpowered card");
    }
    int n = js->t0 != NULL ? jc_t0_transmit(js->t0, js->card, capdu, len, rapdu, cap)
                           : jc_card_process(js->card, capdu, len, rapdu, cap);
    if (js->t0 != NULL && js->t0->note != NULL && n >= 2)
        jd_trace_note(&js->trace, js->t0->note);
    if (n == JC_ERR_POWER_CUT) {
        js->power_cut = true;
        jd_trace_note(&js->trace, "power cut injected (--cut-power-at): no answer sent");
        return n;
    }
    if (n < 2) {
        /* An internal fault: answer "no precise diagnosis" rather than drop the card. */
        char msg[96];
        snprintf(msg, sizeof msg, "internal fault %d (%s): answered 6F00", n, jc_strerror(n));
        jd_trace_note(&js->trace, msg);
        rapdu[0] = 0x6F;
        rapdu[1] = 0x00;
        n = 2;
    }
    jd_trace_exchange(&js->trace, capdu, len, rapdu, (size_t)n);
    return n;
}

static void jd_disconnected(void *ctx, int why)
{
    jd_daemon *js = ctx;
    if (jc_card_powered(js->card)) {
        char msg[96];
        if (why == JD_ERR_STOPPED)
            snprintf(msg, sizeof msg, "jcopsim stopped by a signal");
        else
            snprintf(msg, sizeof msg, "link to vpcd lost (%s): the card loses power",
                     jd_strerror(why));
        jc_card_power_off(js->card);
        jd_trace_power_off(&js->trace, msg);
    }
}

static void jd_log(void *ctx, const char *msg)
{
    jd_daemon *js = ctx;
    if (js->trace.verbose)
        fprintf(stderr, "jcopsim: %s\n", msg);
}

/* ---- options ---- */

typedef struct {
    const char *image;
    bool create;
    bool memory;
    const char *profile;
    const char *kt_hex;
    bool listen;
    char host[256];
    unsigned port;
    unsigned slot;
    unsigned retry_budget_s;
    const char *trace_path;
    bool verbose;
    unsigned trace_vm; /* --trace-vm[=N]: bytecode trace lines per command, 0 = off */
    unsigned long cut_power_at;
    unsigned long cut_vm_write_at;
    bool no_announce;
    bool t0;
} jd_options;

/* --cut-vm-write-at: count the VM's persistent writes; cut before the chosen one. */
static bool jd_vm_write_point(void *ctx, const char *what)
{
    jd_daemon *js = ctx;
    if (++js->vm_writes != js->vm_cut_at)
        return false;
    js->vm_cut_what = what;
    return true;
}

/* The cut: the image gets the state the card recovers (the card's persistent
 * state with the VM's recovered section; blob NULL: a LOAD, INSTALL or DELETE
 * in flight, undone whole, so the last committed image stands), then the
 * process ends without answering, as a card pulled out. */
static void jd_vm_power_cut(void *ctx, const uint8_t *blob, size_t len)
{
    jd_daemon *js = ctx;
    int rc = 0;
    if (blob != NULL) {
        jc_pstate st = *jc_card_pstate(js->card);
        st.rt = (uint8_t *)(uintptr_t)blob;
        st.rt_len = (uint32_t)len;
        rc = jc_store_commit(js->store, &st);
    }
    jd_trace_note(&js->trace, "power cut injected (--cut-vm-write-at): no answer sent");
    if (js->trace.file != NULL)
        fflush(js->trace.file);
    if (rc < 0) {
        fprintf(stderr,
                "jcopsim: power cut at VM write %lu: the recovered state could not be "
                "written: %s\n",
                js->vm_writes, jc_strerror(rc));
        _exit(JD_EXIT_ENV);
    }
    fprintf(stderr,
            "jcopsim: power cut injected before VM persistent write %lu (%s; %s): exiting\n",
            js->vm_writes, js->vm_cut_what,
            blob != NULL ? "recovered state written" : "command undone whole");
    _exit(JD_EXIT_POWER_CUT);
}

static void jd_usage(FILE *f)
{
    fprintf(
        f,
        "usage: jcopsim --image FILE [OPTIONS]             serve an existing card image\n"
        "       jcopsim --new --image FILE [--profile NAME] [--kt HEX] [OPTIONS]\n"
        "       jcopsim --memory [--profile NAME] [--kt HEX | --image FILE] [OPTIONS]\n"
        "\n"
        "A virtual NXP JCOP card for PC/SC tools, through vsmartcard's vpcd and pcscd.\n"
        "\n"
        "Card:\n"
        "  --image FILE        the card image (kept durable: each change is written,\n"
        "                      fsynced and renamed before the card answers)\n"
        "  --new               create FILE as a new unfused card (must not exist)\n"
        "  --memory            memory-only card, nothing written (from --image FILE if given)\n"
        "  --profile NAME      card model for a new card (default %s; --list-profiles)\n"
        "  --kt HEX            transport key of a new card, 32 hex digits (default random)\n"
        "  --t0                offer the card as a T=0 card: a T=0 ATR, case-2/4 answers as\n"
        "                      6Cxx / 61xx + GET RESPONSE (the profile's card otherwise)\n"
        "vpcd:\n"
        "  --connect HOST:PORT connect to vpcd (normal mode; default 127.0.0.1:%u)\n"
        "  --listen HOST:PORT  reversed mode: wait for vpcd to connect (loopback advised)\n"
        "  --port N            port of slot 0 (default %u)\n"
        "  --slot N            vpcd slot, added to the port (default 0)\n"
        "  --retry-budget SEC  normal mode: give up after SEC seconds without vpcd (default 30,\n"
        "                      0 = never)\n"
        "Records:\n"
        "  --trace FILE        append the session to FILE as a replayable jcop-replay script\n"
        "  -v, --verbose       log power events and exchanges with status-word names to stderr\n"
        "  --trace-vm[=N]      with --trace or -v: the applets' bytecode trace too (package,\n"
        "                      pc, opcode, stack depth, and each invocation by name), at most N\n"
        "                      lines per command (default 200, 1..100000)\n"
        "Test:\n"
        "  --cut-power-at N    the N-th durable write from now fails as a power cut: the\n"
        "                      process exits at once (code 4) without answering\n"
        "  --cut-vm-write-at N the power is cut before the N-th persistent write the Java\n"
        "                      Card VM makes from now (a field, array element, Util copy,\n"
        "                      allocation, transaction commit, install, delete...): the image\n"
        "                      gets what a card recovers there (every earlier write, an open\n"
        "                      transaction rolled back, LOAD/INSTALL/DELETE undone whole) and\n"
        "                      the process exits (code 4) without answering\n"
        "\n"
        "An unpowered card answers vpcd's ATR request with the ATR of its next cold\n"
        "power-on without powering up. Every new link to vpcd starts with one empty ATR\n"
        "answer and a reconnect, so pcscd registers a fresh insertion.\n"
        "Exit: 0 stopped by SIGTERM/SIGINT/SIGHUP, 2 usage, 3 unusable image or vpcd unreachable,\n"
        "4 power cut injected by --cut-power-at or --cut-vm-write-at.\n",
        jc_profile_default()->name, JD_DEFAULT_PORT, JD_DEFAULT_PORT);
}

static int jd_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int jd_parse_kt(const char *hex, uint8_t kt[JC_KT_LEN])
{
    return jc_hex_decode(hex, kt, JC_KT_LEN) == JC_KT_LEN ? 0 : -1;
}

static int jd_usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "jcopsim: %s%s%s (see jcopsim --help)\n", msg, arg ? ": " : "", arg ? arg : "");
    return JD_EXIT_USAGE;
}

/* Returns -1 to go on, or an exit code. */
static int jd_parse(int argc, char **argv, jd_options *o)
{
    enum {
        O_NEW = 256,
        O_MEMORY,
        O_PROFILE,
        O_KT,
        O_CONNECT,
        O_LISTEN,
        O_PORT,
        O_SLOT,
        O_BUDGET,
        O_TRACE,
        O_CUT,
        O_CUT_VM,
        O_VERSION,
        O_LIST,
        O_NO_ANNOUNCE,
        O_T0,
        O_TRACE_VM
    };
    static const struct option opts[] = {{"image", required_argument, NULL, 'i'},
                                         {"new", no_argument, NULL, O_NEW},
                                         {"memory", no_argument, NULL, O_MEMORY},
                                         {"profile", required_argument, NULL, O_PROFILE},
                                         {"kt", required_argument, NULL, O_KT},
                                         {"connect", required_argument, NULL, O_CONNECT},
                                         {"listen", required_argument, NULL, O_LISTEN},
                                         {"port", required_argument, NULL, O_PORT},
                                         {"slot", required_argument, NULL, O_SLOT},
                                         {"retry-budget", required_argument, NULL, O_BUDGET},
                                         {"trace", required_argument, NULL, O_TRACE},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"cut-power-at", required_argument, NULL, O_CUT},
                                         {"cut-vm-write-at", required_argument, NULL, O_CUT_VM},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, O_VERSION},
                                         {"list-profiles", no_argument, NULL, O_LIST},
                                         {"no-reannounce", no_argument, NULL, O_NO_ANNOUNCE},
                                         {"t0", no_argument, NULL, O_T0},
                                         {"trace-vm", optional_argument, NULL, O_TRACE_VM},
                                         {NULL, 0, NULL, 0}};
    int c;
    unsigned long v;
    while ((c = getopt_long(argc, argv, "i:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            o->image = optarg;
            break;
        case O_NEW:
            o->create = true;
            break;
        case O_MEMORY:
            o->memory = true;
            break;
        case O_PROFILE:
            o->profile = optarg;
            break;
        case O_T0:
            o->t0 = true;
            break;
        case O_KT:
            o->kt_hex = optarg;
            break;
        case O_CONNECT:
        case O_LISTEN:
            if (jd_parse_hostport(optarg, o->host, sizeof o->host, &o->port) != JD_OK)
                return jd_usage_error("bad address, want HOST:PORT", optarg);
            o->listen = c == O_LISTEN;
            break;
        case O_PORT:
            if (jd_parse_uint(optarg, 65535, &v) != 0 || v == 0)
                return jd_usage_error("bad --port", optarg);
            o->port = (unsigned)v;
            break;
        case O_SLOT:
            if (jd_parse_uint(optarg, 64, &v) != 0)
                return jd_usage_error("bad --slot", optarg);
            o->slot = (unsigned)v;
            break;
        case O_BUDGET:
            if (jd_parse_uint(optarg, 86400, &v) != 0)
                return jd_usage_error("bad --retry-budget", optarg);
            o->retry_budget_s = (unsigned)v;
            break;
        case O_TRACE:
            o->trace_path = optarg;
            break;
        case 'v':
            o->verbose = true;
            break;
        case O_TRACE_VM:
            v = 200;
            if (optarg != NULL && (jd_parse_uint(optarg, 100000, &v) != 0 || v == 0))
                return jd_usage_error("--trace-vm=N needs N from 1 to 100000", optarg);
            o->trace_vm = (unsigned)v;
            break;
        case O_CUT:
            if (jd_parse_uint(optarg, 1000000000ul, &v) != 0 || v == 0)
                return jd_usage_error("bad --cut-power-at", optarg);
            o->cut_power_at = v;
            break;
        case O_CUT_VM:
            if (jd_parse_uint(optarg, 1000000000ul, &v) != 0 || v == 0)
                return jd_usage_error("bad --cut-vm-write-at", optarg);
            o->cut_vm_write_at = v;
            break;
        case O_NO_ANNOUNCE:
            o->no_announce = true;
            break;
        case 'h':
            jd_usage(stdout);
            return JD_EXIT_OK;
        case O_VERSION:
            printf("jcopsim %s\n", JCOPSIM_VERSION);
            return JD_EXIT_OK;
        case O_LIST:
            for (size_t i = 0; jc_profile_at(i) != NULL; i++)
                printf("%-10s %s\n", jc_profile_at(i)->name, jc_profile_at(i)->description);
            return JD_EXIT_OK;
        default:
            return jd_usage_error("unknown option", NULL);
        }
    }
    if (optind < argc)
        return jd_usage_error("unexpected argument", argv[optind]);
    if (o->create && o->memory)
        return jd_usage_error("--new and --memory exclude each other", NULL);
    if (!o->memory && o->image == NULL)
        return jd_usage_error("no card: give --image FILE, --new --image FILE or --memory", NULL);
    if ((o->profile != NULL || o->kt_hex != NULL) && !o->create && !(o->memory && o->image == NULL))
        return jd_usage_error("--profile and --kt only apply to a new card (--new or --memory)",
                              NULL);
    if (o->cut_power_at != 0 && o->cut_vm_write_at != 0)
        return jd_usage_error("--cut-power-at and --cut-vm-write-at exclude each other", NULL);
    if (o->trace_vm && o->trace_path == NULL && !o->verbose)
        return jd_usage_error("--trace-vm adds to a record: give --trace FILE or -v", NULL);
    if (o->port + o->slot > 65535)
        return jd_usage_error("port + slot beyond 65535", NULL);
    if (o->profile != NULL && jc_profile_lookup(o->profile) == NULL) {
        char names[128];
        fprintf(stderr,
                "jcopsim: unknown profile '%s': valid profiles are %s (case does not matter; "
                "--list-profiles describes them)\n",
                o->profile, jc_profile_names(names, sizeof names));
        return JD_EXIT_USAGE;
    }
    if (o->profile != NULL)
        o->profile = jc_profile_lookup(o->profile)->name;
    return -1;
}

/* Build the card's persistent state and its store. Returns 0 or an exit code. */
static int jd_open_card(const jd_options *o, jd_daemon *js, jc_pstate *st)
{
    int r;
    if (o->create || (o->memory && o->image == NULL)) {
        const char *profile = o->profile ? o->profile : jc_profile_default()->name;
        uint8_t kt[JC_KT_LEN];
        if (o->kt_hex != NULL && jd_parse_kt(o->kt_hex, kt) != 0)
            return jd_usage_error("--kt wants 32 hex digits", o->kt_hex);
        r = jc_pstate_init(st, profile, o->kt_hex ? kt : NULL, jc_sysrand, NULL);
        if (r == JC_ERR_PROFILE)
            return jd_usage_error("unknown profile (see --list-profiles)", profile);
        if (r < 0) {
            fprintf(stderr, "jcopsim: cannot create a card: %s\n", jc_strerror(r));
            return JD_EXIT_ENV;
        }
        r = o->create ? jc_store_create_file(&js->store, o->image, st)
                      : jc_store_open_memory(&js->store, st);
        if (r < 0) {
            char why[300];
            fprintf(stderr, "jcopsim: cannot create image %s: %s\n",
                    o->image ? o->image : "in memory",
                    jc_store_reason(o->image, r, true, why, sizeof why));
            return JD_EXIT_ENV;
        }
        return 0;
    }
    jc_store *file;
    r = jc_store_open_file(&file, o->image, st);
    if (r < 0) {
        char why[300];
        fprintf(stderr, "jcopsim: cannot use image %s: %s%s\n", o->image,
                jc_store_reason(o->image, r, false, why, sizeof why),
                access(o->image, F_OK) == 0 ? "; the file was left unchanged" : "");
        return JD_EXIT_ENV;
    }
    if (!o->memory) {
        js->store = file;
        return 0;
    }
    jc_store_close(file);
    r = jc_store_open_memory(&js->store, st);
    if (r < 0) {
        fprintf(stderr, "jcopsim: cannot open a memory store: %s\n", jc_strerror(r));
        return JD_EXIT_ENV;
    }
    return 0;
}

/* The trace's "To replay" line: a card made new here is made again from its
 * profile and transport key; a card loaded from an image needs that image as it
 * was before this run (the run changes it). */
static void jd_trace_how_to_replay(const jd_options *o, jd_trace *t, const jc_pstate *st)
{
    char how[600];
    if (o->create || (o->memory && o->image == NULL)) {
        char kt[2 * JC_KT_LEN + 1];
        for (size_t i = 0; i < JC_KT_LEN; i++)
            snprintf(kt + 2 * i, 3, "%02X", st->kt[i]);
        snprintf(how, sizeof how,
                 "jcop-replay --profile %s --kt %s TRACE (the card was made new: jcopsim "
                 "--new --profile %s --kt %s)",
                 st->profile, kt, st->profile, kt);
    } else {
        snprintf(how, sizeof how,
                 "jcop-replay --image COPY TRACE, COPY being a copy of %.300s as it was before "
                 "this run (profile %s)",
                 o->image, st->profile);
    }
    jd_trace_reproduce(t, how);
}

static void jd_signals(sigset_t *waitmask)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    /* Blocked except while waiting in ppoll: a signal can only end a wait,
     * never interrupt an exchange or a commit. */
    sigprocmask(SIG_BLOCK, &block, waitmask);
    sigdelset(waitmask, SIGTERM);
    sigdelset(waitmask, SIGINT);
    sigdelset(waitmask, SIGHUP);
    struct sigaction sa = {.sa_handler = jd_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &ign, NULL);
}

int main(int argc, char **argv)
{
    jd_options o = {.host = "127.0.0.1", .port = JD_DEFAULT_PORT, .retry_budget_s = 30};
    int rc = jd_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;

    jd_daemon js = {.trace = {.verbose = o.verbose, .trace_vm = o.trace_vm}};
    jc_pstate *st = calloc(1, sizeof *st);
    jd_conn *conn = calloc(1, sizeof *conn);
    if (st == NULL || conn == NULL) {
        fprintf(stderr, "jcopsim: out of memory\n");
        return JD_EXIT_ENV;
    }
    rc = jd_open_card(&o, &js, st);
    if (rc != 0)
        goto out;
    if (o.trace_path != NULL &&
        jd_trace_open(&js.trace, o.trace_path, st->profile, jc_store_describe(js.store)) != 0) {
        fprintf(stderr, "jcopsim: cannot write trace %s: %s\n", o.trace_path, strerror(errno));
        rc = JD_EXIT_ENV;
        goto out;
    }
    if (o.trace_path != NULL)
        jd_trace_how_to_replay(&o, &js.trace, st);
    /* no record: no trace at all, so neither the core nor the VM formats events */
    jc_env env = {.random = jc_sysrand,
                  .trace = o.trace_path != NULL || o.verbose ? jd_trace_event : NULL,
                  .trace_ctx = &js.trace,
                  .commit = jc_store_commit,
                  .commit_ctx = js.store};
    if (o.t0 && (js.t0 = calloc(1, sizeof *js.t0)) == NULL) {
        fprintf(stderr, "jcopsim: out of memory\n");
        rc = JD_EXIT_ENV;
        goto out;
    }
    int r = jc_card_create(&js.card, st, &env);
    if (r < 0) {
        fprintf(stderr, "jcopsim: cannot create the card: %s\n", jc_strerror(r));
        rc = JD_EXIT_ENV;
        goto out;
    }
    jcvm_config vcfg;
    jcvm_config_for_card(js.card, &vcfg);
    vcfg.trace_bytecodes = o.trace_vm > 0; /* --trace-vm */
    vcfg.trace_max = o.trace_vm;           /* the VM stops formatting past the bound */
    r = jcvm_attach(js.card, &env, &vcfg, &js.vm);
    if (r < 0) {
        fprintf(stderr, "jcopsim: cannot start the card's Java Card VM: %s\n", jc_strerror(r));
        rc = JD_EXIT_ENV;
        goto out;
    }
    if (o.cut_power_at != 0)
        jc_store_cut_power_at(js.store, o.cut_power_at);
    if (o.cut_vm_write_at != 0) {
        js.vm_cut_at = o.cut_vm_write_at;
        jcvm_set_tear_hooks(jcvm_rt_vm(js.vm), jd_vm_write_point, jd_vm_power_cut, &js);
    }
    if (!jd_host_is_loopback(o.host))
        fprintf(stderr,
                "jcopsim: warning: %s %s is not a loopback address: the card is reachable "
                "from the network\n",
                o.listen ? "listening on" : "connecting to", o.host);
    if (o.verbose)
        fprintf(stderr, "jcopsim: card %s, profile %s, %s, %s\n",
                (st->flags & JC_PF_FUSED) ? "fused" : "unfused", st->profile,
                jc_store_describe(js.store), o.listen ? "reversed mode" : "normal mode");

    sigset_t waitmask;
    jd_signals(&waitmask);
    jd_card_ops ops = {.power_on = jd_power_on,
                       .power_off = jd_power_off,
                       .reset = jd_reset,
                       .atr = jd_atr,
                       .apdu = jd_apdu,
                       .disconnected = jd_disconnected,
                       .log = jd_log};
    jd_config cfg = {.listen = o.listen,
                     .host = o.host,
                     .port = o.port,
                     .slot = o.slot,
                     .retry_budget_ms = o.retry_budget_s * 1000u,
                     .frame_timeout_ms = 5000,
                     /* --no-reannounce shows vpcd's stuck-reader trap on purpose
                      * (rig_stuck_reader_trap): the lone-control watch, which drops and
                      * renews the link too, would clear it, so it goes with it */
                     .lone_control_ms = o.no_announce ? 0 : JD_LONE_CONTROL_MS,
                     .no_announce = o.no_announce,
                     .stop = &jd_stop,
                     .waitmask = &waitmask};
    int card_err = 0;
    r = jd_run(&cfg, conn, &ops, &js, &card_err);
    switch (r) {
    case JD_ERR_STOPPED:
        if (jc_card_powered(js.card)) {
            jc_card_power_off(js.card);
            jd_trace_power_off(&js.trace, "jcopsim stopped by a signal");
        }
        if (o.verbose)
            fprintf(stderr, "jcopsim: stopped; %s is consistent\n", jc_store_describe(js.store));
        rc = JD_EXIT_OK;
        break;
    case JD_ERR_CARD:
        if (card_err == JC_ERR_POWER_CUT) {
            /* Simulated power loss: no answer, no clean-up, as a card pulled out. */
            fprintf(stderr, "jcopsim: power cut injected at durable write %lu: exiting\n",
                    jc_store_commits(js.store) + 1);
            if (js.trace.file != NULL)
                fflush(js.trace.file);
            _exit(JD_EXIT_POWER_CUT);
        }
        fprintf(stderr, "jcopsim: card fault: %s\n", jc_strerror(card_err));
        rc = JD_EXIT_ENV;
        break;
    case JD_ERR_UNREACHABLE:
        fprintf(stderr,
                "jcopsim: vpcd at %s port %u unreachable for %u s: is pcscd running with "
                "vsmartcard-vpcd? (--retry-budget)\n",
                o.host, o.port + o.slot, o.retry_budget_s);
        rc = JD_EXIT_ENV;
        break;
    case JD_ERR_ADDR:
        fprintf(stderr, "jcopsim: cannot %s %s port %u (in use, or not an address here)\n",
                o.listen ? "listen on" : "resolve", o.host, o.port + o.slot);
        rc = JD_EXIT_ENV;
        break;
    default:
        fprintf(stderr, "jcopsim: %s\n", jd_strerror(r));
        rc = JD_EXIT_ENV;
        break;
    }
out:
    if (js.card != NULL)
        jc_card_free(js.card);
    jcvm_detach(js.vm);
    if (js.store != NULL)
        jc_store_close(js.store);
    jd_trace_close(&js.trace);
    free(js.t0);
    free(conn);
    jc_pstate_release(st);
    free(st);
    return rc;
}
