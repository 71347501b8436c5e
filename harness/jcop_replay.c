/*
 * jcop_replay.c: the jcop-replay program. Reads the command line, loads each
 * script (jh_script.h), opens a card (in-process by default, or a PC/SC
 * reader: jh_reader.h), runs the script (jh_run.h), prints the transcript as
 * it goes (with --explain, the explainer's lines from harness/explain), and
 * writes TAP / JUnit / HTML reports and the --diff verdict at the end.
 * Exit status: 0 every expectation held, 1 one failed (or a command was
 * refused, or --diff found a divergence), 2 usage or script error, 3
 * environment error. With several scripts the worst status wins.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jc_profile.h"
#include "jc_card.h"
#include "jc_state.h"
#include "jh_reader.h"
#include "jh_report.h"
#include "jh_run.h"
#include "jh_script.h"
#include "jh_transcript.h"
#include "jh_util.h"
#include "jh_explain.h"
#include "jh_html.h"

typedef struct {
    const char *format;
    const char *image;
    const char *profile;
    bool t0;
    uint8_t kt[16];
    bool have_kt;
    uint64_t seed;
    unsigned trace_vm; /* --trace-vm[=N] */
    const char *reader;
    int reader_index;
    bool allow_irreversible;
    bool keep_going;
    bool explain;
    bool tap;
    bool quiet;
    const char *junit;
    const char *html;
    const char *diff;
    const char **vars; /* --var NAME=VALUE, in the order given */
    size_t n_vars;
    int report_mode; /* --report-mode, -1 = the private default (0600) */
} cli;

typedef struct {
    const cli *c;
    FILE *out;
    bool colour; /* verdicts in colour: stdout is a terminal and NO_COLOR is unset */
    jh_explainer ex;
    bool assumed;
} printer;

static void usage(FILE *f)
{
    fputs("Usage: jcop-replay [OPTIONS] SCRIPT...\n"
          "Replay APDU scripts (JCShell .jcsh, GPShell .gpsh/.txt, scriptor .scriptor/.apdu,\n"
          "jcopsim --trace files) against the in-process JCOP card or a PC/SC reader, and\n"
          "check every expected answer.\n\n"
          "Card (default: a fresh in-process card of the default profile, memory-only):\n"
          "      --image FILE          in-process card on a durable image (created if missing)\n"
          "      --profile NAME        card profile for a new card (J2A040, J2E145, ...)\n"
          "      --t0                  the in-process card answers as a T=0 card (61xx, 6Cxx);\n"
          "                            the reader fetches GET RESPONSE, --explain shows each step\n"
          "      --kt HEX              transport key (16 bytes) for a new card; without it the\n"
          "                            default card's key is random, so a script that SELECTs by\n"
          "                            transport key (testcases/ use 000102...0F) needs --kt\n"
          "                            or --image\n"
          "      --seed N              deterministic card randomness and host challenges\n"
          "      --trace-vm[=N]        with --explain: the VM's bytecode trace (package, pc,\n"
          "                            opcode, stack depth, invocations by name), at most N\n"
          "                            lines per command (default 200; in-process card\n"
          "                            only: jcopsim --trace-vm records a PC/SC session's)\n"
          "      --reader NAME         use the PC/SC reader NAME instead\n"
          "      --reader-index N      use the N-th PC/SC reader (0-based)\n"
          "      --allow-irreversible  let FUSE, PROTECT and one-way SET STATUS reach a PC/SC "
          "reader\n"
          "Script:\n"
          "  -f, --format FMT          jcsh, gpsh or scriptor (default: from the extension)\n"
          "  -k, --keep-going          go on after a failed expectation (default: stop)\n"
          "      --var NAME=VALUE      define ${NAME} for the scripts (repeatable); it wins over\n"
          "                            the script's own /set-var NAME\n"
          "Output:\n"
          "  -x, --explain             explain every command, answer and state change\n"
          "  -q, --quiet               no transcript, only the summary and errors\n"
          "      --tap                 TAP on stdout instead of the transcript\n"
          "      --junit FILE          JUnit XML report (one test case per script)\n"
          "      --html FILE           self-contained HTML report\n"
          "      --diff GOLDEN         compare the exchanges with a golden transcript or trace;\n"
          "                            print the first divergence, exit 1 on one\n"
          "      --report-mode MODE    file mode of the --junit and --html reports (octal, e.g.\n"
          "                            0640 or 0644 for a CI artefact collector; default 0600:\n"
          "                            reports can hold keys; never writable by others)\n"
          "  -h, --help                this help\n"
          "  -V, --version             version\n\n"
          "Exit: 0 all expectations held, 1 a check failed, 2 usage/script error,\n"
          "3 environment error (no reader, no pcscd, unusable image).\n"
          "PC/SC transmits have no deadline (vpcd never times out): run under `timeout`.\n",
          f);
}

/* --report-mode: an octal mode for the reports, readable beyond the owner on
 * request (a CI collector running as another user), never writable by others. */
static int parse_report_mode(const char *s)
{
    char *end;
    long m = strtol(s, &end, 8);
    if (!*s || *end || m < 0 || m > 0777 || (m & 0400) == 0) {
        fprintf(stderr,
                "jcop-replay: --report-mode wants an octal file mode such as 0644 (got %s)\n", s);
        return -1;
    }
    if (m & 0022) {
        fprintf(stderr,
                "jcop-replay: --report-mode %s lets others write the reports: refused (0644 at "
                "most)\n",
                s);
        return -1;
    }
    return (int)m;
}

static int apply_report_mode(const cli *c)
{
    const char *paths[] = {c->junit, c->html};
    int rc = 0;
    if (c->report_mode < 0)
        return 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (paths[i] && chmod(paths[i], (mode_t)c->report_mode) != 0) {
            fprintf(stderr, "jcop-replay: cannot set mode %04o on %s: %s\n", c->report_mode,
                    paths[i], strerror(errno));
            rc = -1;
        }
    return rc;
}

static uint8_t lcs_of_state(int s)
{
    switch (s) {
    case JC_CS_OP_READY:
        return 0x01;
    case JC_CS_INITIALIZED:
        return 0x07;
    case JC_CS_SECURED:
        return 0x0F;
    case JC_CS_CARD_LOCKED:
        return 0x7F;
    case JC_CS_TERMINATED:
        return 0xFF;
    default:
        return 0x00;
    }
}

/* One line per state change: when the card reported its own change (in-process
 * card), its line says it, with the state's meaning; the explainer's line on the
 * same change (read from the bytes) is dropped, so a change is never told twice
 * in two vocabularies. */
static bool has_card_state_event(const jh_entry *e)
{
    for (size_t i = 0; i < e->n_events; i++)
        if (e->events[i].kind == JC_EV_STATE)
            return true;
    return false;
}

static void drop_explainer_state_lines(jh_explanation *x)
{
    size_t k = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (x->line[i].kind == JH_XL_STATE && strncmp(x->line[i].text, "card state:", 11) == 0)
            continue;
        if (k != i)
            x->line[k] = x->line[i];
        k++;
    }
    x->n = k;
}

static void explain_entry(printer *p, const jh_entry *e)
{
    jh_explanation x;
    memset(&x, 0, sizeof x);
    if (!p->assumed && e->has_state) {
        jh_explain_assume(&p->ex, e->state_before, lcs_of_state(e->state_before));
        p->assumed = true;
    }
    int n = 0;
    switch (e->kind) {
    case JH_ENTRY_APDU:
        n = jh_explain_exchange(&p->ex, e->plain, e->plain_len, e->rapdu, e->rapdu_len, &x);
        break;
    case JH_ENTRY_POWER_ON:
        n = jh_explain_power(&p->ex, JH_PWR_ON, e->atr, e->atr_len, &x);
        break;
    case JH_ENTRY_RESET:
        n = jh_explain_power(&p->ex, JH_PWR_RESET, e->atr, e->atr_len, &x);
        break;
    case JH_ENTRY_POWER_OFF:
        n = jh_explain_power(&p->ex, JH_PWR_OFF, NULL, 0, &x);
        break;
    case JH_ENTRY_REFUSED:
        n = jh_explain_exchange(&p->ex, e->capdu, e->capdu_len, NULL, 0, &x);
        break;
    default:
        break;
    }
    if (n > 0 && has_card_state_event(e))
        drop_explainer_state_lines(&x);
    if (n > 0)
        jh_explanation_print(p->out, &x, "   | ");
    for (size_t i = 0; i < e->n_events; i++) {
        const jh_event *ev = &e->events[i];
        if (ev->kind == JC_EV_WARN)
            fprintf(p->out, "   ! card: %s\n", ev->text ? ev->text : "warning");
        else if (ev->kind == JH_EV_LINK)
            fprintf(p->out, "   | %s\n", ev->text ? ev->text : "");
        else if (ev->kind == JC_EV_INFO && ev->text && strncmp(ev->text, "VM: ", 4) == 0)
            fprintf(p->out, "   | applet (VM): %s\n", ev->text + 4); /* jcvm_runtime.c */
        else if (ev->kind == JC_EV_STATE)
            fprintf(p->out, "   | card state: %s -> %s%s%s (now %s)\n",
                    jc_card_state_name(ev->old_state), jc_card_state_name(ev->new_state),
                    ev->text ? ": " : "", ev->text ? ev->text : "", jh_state_text(ev->new_state));
    }
}

static void on_entry(void *ctx, const jh_transcript *t, const jh_entry *e)
{
    printer *p = ctx;
    if (!p->out) {
        /* quiet and TAP modes still name every failed step on stderr */
        if (e->message && (e->verdict == JH_VERDICT_FAIL || e->verdict == JH_VERDICT_ERROR))
            fprintf(stderr, "%s:%u: %s\n", e->file, e->line, e->message);
        return;
    }
    jh_report_entry_c(p->out, e, p->colour);
    if (p->c->explain)
        explain_entry(p, e);
    fflush(p->out);
}

static int open_reader(const cli *c, jh_reader **rd, char *err, size_t errcap)
{
    if (c->reader || c->reader_index >= 0)
        return jh_reader_pcsc_open(rd, c->reader, c->reader_index, err, errcap);
    jh_card_opts o = {
        .image = c->image,
        .profile = c->profile,
        .kt = c->have_kt ? c->kt : NULL,
        .seed = c->seed,
        .t0 = c->t0,
        .trace_vm = c->trace_vm,
    };
    return jh_reader_card_open(rd, &o, err, errcap);
}

/* A copy of the card's memory window, or NULL (PC/SC, out of memory). */
static uint8_t *memory_snapshot(const jh_reader *rd)
{
    const uint8_t *m = rd->ops->memory ? rd->ops->memory(rd) : NULL;
    uint8_t *copy = m ? malloc(JC_MEM_SIZE) : NULL;
    if (copy)
        memcpy(copy, m, JC_MEM_SIZE);
    return copy;
}

/* Run one script; fills t (and, for --html, the memory before and after).
 * Returns its exit status. */
static int run_one(const cli *c, const char *path, jh_transcript *t, uint8_t **mem_before,
                   uint8_t **mem_after)
{
    jh_script sc;
    int rc = jh_script_load(&sc, path, c->format);
    if (rc < 0) {
        jh_transcript_init(t, path, sc.format ? sc.format : c->format, NULL);
        t->status = JH_EXIT_SCRIPT;
        jh_entry_set_text(&t->error, sc.err);
        jh_entry_set_text(&t->error_file, sc.err_file[0] ? sc.err_file : path);
        t->error_line = sc.err_line;
        if (sc.err_line)
            fprintf(stderr, "%s:%u: %s\n", t->error_file, sc.err_line, sc.err);
        else
            fprintf(stderr, "%s: %s\n", t->error_file, sc.err);
        jh_script_free(&sc);
        return JH_EXIT_SCRIPT;
    }
    jh_reader *rd = NULL;
    char err[300];
    if (open_reader(c, &rd, err, sizeof err) < 0) {
        jh_transcript_init(t, path, sc.format, NULL);
        t->status = JH_EXIT_ENV;
        jh_entry_set_text(&t->error, err);
        jh_entry_set_text(&t->error_file, path);
        fprintf(stderr, "jcop-replay: %s\n", err);
        jh_script_free(&sc);
        return JH_EXIT_ENV;
    }
    jh_transcript_init(t, path, sc.format, rd->desc);
    printer p = {
        .c = c, .out = c->tap || c->quiet ? NULL : stdout, .colour = jh_colour_wanted(stdout)};
    jh_explain_init(&p.ex, c->profile);
    if (p.out)
        fprintf(p.out, "# %s (%s) on %s\n", path, sc.format, rd->desc);
    jh_run_opts o = {
        .allow_irreversible = c->allow_irreversible,
        .keep_going = c->keep_going,
        .seed = c->seed,
        .on_entry = on_entry,
        .on_entry_ctx = &p,
        .vars = c->vars,
        .n_vars = c->n_vars,
    };
    if (c->html)
        *mem_before = memory_snapshot(rd);
    rc = jh_run(rd, &sc, &o, t);
    if (c->html)
        *mem_after = memory_snapshot(rd);
    jh_reader_close(rd);
    jh_script_free(&sc);
    if (t->error)
        fprintf(stderr, "%s:%u: %s\n", t->error_file ? t->error_file : path, t->error_line,
                t->error);
    if (!c->tap)
        jh_report_summary_c(stdout, t, jh_colour_wanted(stdout));
    return rc;
}

static int write_html(const cli *c, jh_transcript *const *ts, uint8_t *const *before,
                      uint8_t *const *after, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        if (n == 1)
            snprintf(path, sizeof path, "%s", c->html);
        else
            snprintf(path, sizeof path, "%s.%zu.html", c->html, i + 1);
        jh_html_opts ho = {
            .profile = c->profile,
            .mem_before = before[i],
            .mem_after = after[i],
            .initial_state = -1,
        };
        if (jh_html_write_file(path, ts[i], &ho) < 0) {
            fprintf(stderr, "jcop-replay: cannot write %s\n", path);
            return JH_EXIT_ENV;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli c = {.reader_index = -1, .report_mode = -1};
    enum {
        O_IMAGE = 256,
        O_PROFILE,
        O_T0,
        O_KT,
        O_SEED,
        O_TRACE_VM,
        O_READER,
        O_READER_INDEX,
        O_ALLOW,
        O_TAP,
        O_JUNIT,
        O_HTML,
        O_DIFF,
        O_VAR,
        O_REPORT_MODE
    };
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"image", required_argument, NULL, O_IMAGE},
        {"profile", required_argument, NULL, O_PROFILE},
        {"t0", no_argument, NULL, O_T0},
        {"kt", required_argument, NULL, O_KT},
        {"seed", required_argument, NULL, O_SEED},
        {"trace-vm", optional_argument, NULL, O_TRACE_VM},
        {"reader", required_argument, NULL, O_READER},
        {"reader-index", required_argument, NULL, O_READER_INDEX},
        {"allow-irreversible", no_argument, NULL, O_ALLOW},
        {"keep-going", no_argument, NULL, 'k'},
        {"explain", no_argument, NULL, 'x'},
        {"quiet", no_argument, NULL, 'q'},
        {"tap", no_argument, NULL, O_TAP},
        {"junit", required_argument, NULL, O_JUNIT},
        {"html", required_argument, NULL, O_HTML},
        {"diff", required_argument, NULL, O_DIFF},
        {"var", required_argument, NULL, O_VAR},
        {"report-mode", required_argument, NULL, O_REPORT_MODE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "f:kxqhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (!jh_format_valid(optarg)) {
                fprintf(stderr, "jcop-replay: --format must be jcsh, gpsh or scriptor\n");
                return JH_EXIT_SCRIPT;
            }
            c.format = optarg;
            break;
        case O_IMAGE:
            c.image = optarg;
            break;
        case O_T0:
            c.t0 = true;
            break;
        case O_PROFILE:
            if (!jc_profile_lookup(optarg)) {
                char names[128];
                fprintf(stderr,
                        "jcop-replay: unknown profile '%s': valid profiles are %s (case does not "
                        "matter)\n",
                        optarg, jc_profile_names(names, sizeof names));
                return JH_EXIT_SCRIPT;
            }
            c.profile = jc_profile_lookup(optarg)->name;
            break;
        case O_KT:
            if (jh_unhex(optarg, (size_t)-1, c.kt, sizeof c.kt) != 16) {
                fprintf(stderr, "jcop-replay: --kt needs 16 bytes of hex\n");
                return JH_EXIT_SCRIPT;
            }
            c.have_kt = true;
            break;
        case O_TRACE_VM: {
            char *end = NULL;
            unsigned long v = optarg ? strtoul(optarg, &end, 10) : 200;
            if ((optarg && (*end || !*optarg)) || v == 0 || v > 100000) {
                fprintf(stderr, "jcop-replay: --trace-vm=N needs N from 1 to 100000\n");
                return JH_EXIT_SCRIPT;
            }
            c.trace_vm = (unsigned)v;
            c.explain = true;
            break;
        }
        case O_SEED: {
            char *end;
            c.seed = strtoull(optarg, &end, 0);
            if (*end || !*optarg || c.seed == 0) {
                fprintf(stderr, "jcop-replay: --seed needs a non-zero number\n");
                return JH_EXIT_SCRIPT;
            }
            break;
        }
        case O_READER:
            c.reader = optarg;
            break;
        case O_READER_INDEX: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || !*optarg || v < 0 || v > 255) {
                fprintf(stderr, "jcop-replay: --reader-index needs a number from 0\n");
                return JH_EXIT_SCRIPT;
            }
            c.reader_index = (int)v;
            break;
        }
        case O_ALLOW:
            c.allow_irreversible = true;
            break;
        case 'k':
            c.keep_going = true;
            break;
        case 'x':
            c.explain = true;
            break;
        case 'q':
            c.quiet = true;
            break;
        case O_TAP:
            c.tap = true;
            break;
        case O_JUNIT:
            c.junit = optarg;
            break;
        case O_HTML:
            c.html = optarg;
            break;
        case O_DIFF:
            c.diff = optarg;
            break;
        case O_VAR: {
            char name[128], err[300];
            const char *value;
            if (jh_run_var_arg(optarg, name, sizeof name, &value, err, sizeof err) < 0) {
                fprintf(stderr, "jcop-replay: %s\n", err);
                return JH_EXIT_SCRIPT;
            }
            if (!c.vars && !(c.vars = calloc((size_t)argc, sizeof *c.vars))) {
                fprintf(stderr, "jcop-replay: out of memory\n");
                return JH_EXIT_ENV;
            }
            /* a later --var of the same name replaces the earlier one */
            size_t k = 0;
            while (k < c.n_vars && (strncmp(c.vars[k], optarg, strlen(name)) != 0 ||
                                    c.vars[k][strlen(name)] != '='))
                k++;
            c.vars[k] = optarg;
            if (k == c.n_vars)
                c.n_vars++;
            break;
        }
        case O_REPORT_MODE:
            if ((c.report_mode = parse_report_mode(optarg)) < 0)
                return JH_EXIT_SCRIPT;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("jcop-replay %s\n", JCOPSIM_VERSION);
            return 0;
        default:
            fprintf(stderr, "jcop-replay: see jcop-replay --help\n");
            return JH_EXIT_SCRIPT;
        }
    }
    int nscripts = argc - optind;
    if (nscripts <= 0) {
        fprintf(stderr, "jcop-replay: no script given (see --help)\n");
        return JH_EXIT_SCRIPT;
    }
    if ((c.reader || c.reader_index >= 0) && (c.image || c.profile || c.have_kt)) {
        fprintf(stderr,
                "jcop-replay: --image/--profile/--kt are for the in-process card, not --reader\n");
        return JH_EXIT_SCRIPT;
    }
    if (c.trace_vm && (c.reader || c.reader_index >= 0)) {
        fprintf(stderr, "jcop-replay: --trace-vm is for the in-process card (jcopsim's own trace "
                        "records a PC/SC session)\n");
        return JH_EXIT_SCRIPT;
    }
    if (c.reader && c.reader_index >= 0) {
        fprintf(stderr, "jcop-replay: give --reader or --reader-index, not both\n");
        return JH_EXIT_SCRIPT;
    }
    if (c.diff && nscripts != 1) {
        fprintf(stderr, "jcop-replay: --diff compares one script's run\n");
        return JH_EXIT_SCRIPT;
    }
    jh_transcript *ts = calloc((size_t)nscripts, sizeof *ts);
    jh_transcript **tp = calloc((size_t)nscripts, sizeof *tp);
    uint8_t **mb = calloc((size_t)nscripts, sizeof *mb);
    uint8_t **ma = calloc((size_t)nscripts, sizeof *ma);
    if (!ts || !tp || !mb || !ma) {
        fprintf(stderr, "jcop-replay: out of memory\n");
        return JH_EXIT_ENV;
    }
    int status = 0;
    for (int i = 0; i < nscripts; i++) {
        tp[i] = &ts[i];
        int rc = run_one(&c, argv[optind + i], &ts[i], &mb[i], &ma[i]);
        if (rc > status)
            status = rc;
    }
    if (c.tap)
        jh_report_tap(stdout, (const jh_transcript *const *)tp, (size_t)nscripts);
    if (c.junit) {
        FILE *f = jh_fopen_private(c.junit);
        if (!f || jh_report_junit(f, (const jh_transcript *const *)tp, (size_t)nscripts) < 0 ||
            fclose(f) != 0) {
            fprintf(stderr, "jcop-replay: cannot write %s\n", c.junit);
            if (status < JH_EXIT_ENV)
                status = JH_EXIT_ENV;
        }
    }
    if (c.html) {
        int rc = write_html(&c, tp, mb, ma, (size_t)nscripts);
        if (rc > status)
            status = rc;
    }
    if (apply_report_mode(&c) != 0 && status < JH_EXIT_ENV)
        status = JH_EXIT_ENV;
    if (c.diff && ts[0].status <= JH_EXIT_FAIL) {
        jh_golden g;
        char err[300], msg[1024];
        if (jh_golden_load(c.diff, &g, err, sizeof err) < 0) {
            fprintf(stderr, "jcop-replay: %s\n", err);
            if (status < JH_EXIT_SCRIPT)
                status = JH_EXIT_SCRIPT;
        } else {
            int d = jh_golden_diff(&g, c.diff, &ts[0], msg, sizeof msg);
            printf("# diff: %s\n", msg);
            if (d && status < JH_EXIT_FAIL)
                status = JH_EXIT_FAIL;
            jh_golden_free(&g);
        }
    }
    for (int i = 0; i < nscripts; i++) {
        jh_transcript_free(&ts[i]);
        free(mb[i]);
        free(ma[i]);
    }
    free(ts);
    free(tp);
    free(mb);
    free(ma);
    free(c.vars);
    return status;
}
