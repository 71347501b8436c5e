/*
 * jt_explain_main.c: jcop-explain, the command-line face of the explainer.
 *
 * Reads a transcript (file or stdin) in any form jt_tparse.h knows, echoes
 * every line and writes under each completed exchange the explainer's plain
 * lines (harness/explain): the command named, the answer decoded, the status
 * word explained and each state change of the card stated.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jc_profile.h"
#include "jc_card.h"
#include "jc_crypto.h"
#include "jh_explain.h"
#include "jt_tparse.h"

typedef struct {
    jh_explainer ex;
    jh_explanation x;
    FILE *out;
    bool brief;
    bool echo;
    unsigned exchanges;
    unsigned power_events;
} jt_explain_run;

static void jt_print_expl(jt_explain_run *r)
{
    if (r->brief) {
        for (size_t i = 0; i < r->x.n; i++)
            if (r->x.line[i].kind == JH_XL_COMMAND || r->x.line[i].kind == JH_XL_STATUS ||
                r->x.line[i].kind == JH_XL_STATE || r->x.line[i].kind == JH_XL_WARN)
                fprintf(r->out, "    # %s%s\n",
                        r->x.line[i].kind == JH_XL_STATUS  ? "SW "
                        : r->x.line[i].kind == JH_XL_STATE ? "* "
                        : r->x.line[i].kind == JH_XL_WARN  ? "! "
                                                           : "",
                        r->x.line[i].text);
        return;
    }
    jh_explanation_print(r->out, &r->x, "    # ");
}

/* The card's own note on its state (jcopsim trace) wins over what the bytes
 * of a partial transcript suggest; the secure channel and CM_LIFECYCLE seen
 * so far are kept. */
static void jt_resync(jt_explain_run *r, const char *name)
{
    for (int st = JC_CS_OFF; st <= JC_CS_TERMINATED; st++) {
        if (strcmp(jc_card_state_name(st), name) != 0)
            continue;
        if (r->ex.view.card_state == st)
            return;
        jh_card_view keep = r->ex.view;
        jh_explain_assume(&r->ex, st, 0);
        r->ex.view.cm_lifecycle = keep.cm_lifecycle;
        r->ex.view.any_write = keep.any_write;
        if (st >= JC_CS_OP_READY) {
            r->ex.view.sc = keep.sc;
            r->ex.view.sc_level = keep.sc_level;
        }
        fprintf(r->out, "    # * card state (the card's own note): %s\n", jh_state_text(st));
        return;
    }
}

static void jt_on_event(void *ctx, const jt_event *ev)
{
    jt_explain_run *r = ctx;
    switch (ev->kind) {
    case JT_EV_EXCHANGE:
        r->exchanges++;
        jh_explain_exchange_plain(&r->ex, ev->capdu, ev->clen, ev->plain, ev->plen, ev->rapdu,
                                  ev->rlen, &r->x);
        break;
    case JT_EV_POWER_ON:
        r->power_events++;
        jh_explain_power(&r->ex, JH_PWR_ON, ev->atr, ev->atr_len, &r->x);
        break;
    case JT_EV_RESET:
        r->power_events++;
        jh_explain_power(&r->ex, JH_PWR_RESET, ev->atr, ev->atr_len, &r->x);
        break;
    case JT_EV_POWER_OFF:
        r->power_events++;
        jh_explain_power(&r->ex, JH_PWR_OFF, NULL, 0, &r->x);
        break;
    case JT_EV_STATE:
        jt_resync(r, ev->state_name);
        return;
    case JT_EV_APPLET:
        fprintf(r->out, "    # applet (VM): %s\n", ev->note);
        return;
    }
    if (!r->echo)
        fprintf(r->out, "line %u: %s\n", ev->line, r->x.name);
    jt_print_expl(r);
}

static void jt_usage(FILE *f)
{
    fprintf(
        f,
        "usage: jcop-explain [options] [FILE|-]\n"
        "Annotate an APDU transcript of a JCOP card, exchange by exchange: each command named\n"
        "(SELECT by transport key, BOOT, READ MEMORY 0xC00305 = CM_KEY 1, ..., GlobalPlatform\n"
        "commands), each answer decoded, each status word explained, each card state change "
        "stated.\n"
        "\n"
        "Forms read (detected from the first telling line unless --format is given):\n"
        "  harness   jcop-replay transcript: '=> C-APDU' and '<= R-APDU' lines\n"
        "  trace     jcopsim --trace file: '/send C-APDU R-APDU', '/atr ATR', '/reset', '/power "
        "off'\n"
        "  scriptor  scriptor output: '> C-APDU', '< R-APDU : text' (long answers span lines)\n"
        "  gpshell   GPShell with enable_trace: 'Command -->', 'Wrapped command -->', 'Response "
        "<--'\n"
        "  pcscd     pcscd --debug --apdu log: 'APDU:', 'SW:', 'Card ATR:'\n"
        "\n"
        "Options:\n"
        "  -f, --format FORM     one of auto, harness, trace, scriptor, gpshell, pcscd (default "
        "auto)\n"
        "  -p, --profile NAME    card profile whose memory map names addresses (default J2A040)\n"
        "  -s, --assume STATE    the card's state before the first line: unfused or fused\n"
        "                        (default: learnt from the transcript)\n"
        "  -b, --brief           only the command, status word, state changes and warnings\n"
        "  -n, --no-echo         do not copy the transcript; print 'line N: COMMAND' headers\n"
        "  -h, --help            this text\n"
        "  -V, --version         the version\n"
        "\n"
        "Exit status: 0 explained, 1 no exchange found in the input, 2 usage error,\n"
        "3 the input cannot be read. Binary input (a card image, a CAP file) is\n"
        "refused with 1, and nothing of it is copied to the terminal.\n");
}

/* A line no transcript holds: NUL, or a control byte other than tab, CR, LF
 * and form feed (an escape sequence from a binary file would drive the
 * terminal). Bytes from 0x80 up are left to UTF-8 text. */
static bool jt_line_is_binary(const char *line, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f') || c == 0x7F)
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"profile", required_argument, NULL, 'p'},
        {"assume", required_argument, NULL, 's'}, {"brief", no_argument, NULL, 'b'},
        {"no-echo", no_argument, NULL, 'n'},      {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {"key", required_argument, NULL, 'k'},
        {"enc", required_argument, NULL, 1001},   {"mac", required_argument, NULL, 1002},
        {"dek", required_argument, NULL, 1003},   {NULL, 0, NULL, 0},
    };
    jt_format fmt = JT_FMT_AUTO;
    const char *profile = NULL, *assume = NULL;
    bool brief = false, echo = true;
    uint8_t keys[3][16];
    int nkeys = 0; /* bit i: key i given */
    int c;
    while ((c = getopt_long(argc, argv, "f:p:s:bnhVk:", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
        case 1001:
        case 1002:
        case 1003: {
            int i = c == 'k' ? 0 : c - 1001;
            if (jh_hex_parse(optarg, keys[i], 16) != 16) {
                fprintf(stderr, "jcop-explain: a key is 16 bytes (32 hex digits)\n");
                return 2;
            }
            if (c == 'k') {
                memcpy(keys[1], keys[0], 16);
                memcpy(keys[2], keys[0], 16);
                nkeys = 7;
            } else {
                nkeys |= 1 << i;
            }
            break;
        }
        case 'f': {
            int f = jt_format_parse(optarg);
            if (f < 0) {
                fprintf(stderr,
                        "jcop-explain: unknown format '%s' (auto, harness, trace, scriptor, "
                        "gpshell, pcscd)\n",
                        optarg);
                return 2;
            }
            fmt = (jt_format)f;
            break;
        }
        case 'p':
            if (!jc_profile_lookup(optarg)) {
                char names[128];
                fprintf(stderr,
                        "jcop-explain: unknown profile '%s': valid profiles are %s (case does not "
                        "matter)\n",
                        optarg, jc_profile_names(names, sizeof names));
                return 2;
            }
            profile = jc_profile_lookup(optarg)->name;
            break;
        case 's':
            assume = optarg;
            break;
        case 'b':
            brief = true;
            break;
        case 'n':
            echo = false;
            break;
        case 'h':
            jt_usage(stdout);
            return 0;
        case 'V':
            printf("jcop-explain %s\n", JCOPSIM_VERSION);
            return 0;
        default:
            jt_usage(stderr);
            return 2;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "jcop-explain: one transcript at a time (see --help)\n");
        return 2;
    }
    if (assume && strcmp(assume, "unfused") != 0 && strcmp(assume, "fused") != 0) {
        fprintf(stderr, "jcop-explain: --assume takes 'unfused' or 'fused'\n");
        return 2;
    }
    if (nkeys != 0 && nkeys != 7) {
        fprintf(stderr, "jcop-explain: give --key, or all three of --enc --mac --dek\n");
        return 2;
    }
    const char *path = optind < argc ? argv[optind] : "-";
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in) {
        fprintf(stderr, "jcop-explain: cannot read %s: %s\n", path, strerror(errno));
        return 3;
    }
    jt_explain_run *r = calloc(1, sizeof *r);
    jt_parser *p = calloc(1, sizeof *p);
    if (!r || !p) {
        fprintf(stderr, "jcop-explain: out of memory\n");
        return 3;
    }
    r->out = stdout;
    r->brief = brief;
    r->echo = echo;
    jh_explain_init(&r->ex, profile);
    if (assume)
        jh_explain_assume(&r->ex,
                          strcmp(assume, "fused") == 0 ? JC_CS_OP_READY : JC_CS_UNFUSED_IDLE, 0);
    jc_crypto *crypto = NULL;
    if (nkeys) {
        if (jc_crypto_create(&crypto) != 0) {
            fprintf(stderr, "jcop-explain: the crypto library failed\n");
            return 3;
        }
        jh_explain_set_keys(&r->ex, (const uint8_t(*)[16])keys, crypto);
        memset(keys, 0, sizeof keys);
    }
    jt_parser_init(p, fmt, jt_on_event, r);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned lineno = 0;
    bool binary = false;
    while ((got = getline(&line, &cap, in)) != -1) {
        lineno++;
        if (jt_line_is_binary(line, (size_t)got)) {
            /* an image, a CAP file, a core dump: never copied to a terminal */
            fprintf(stderr,
                    "jcop-explain: %s holds binary data (line %u): not a transcript; nothing "
                    "copied\n",
                    path, lineno);
            binary = true;
            break;
        }
        if (echo)
            fputs(line, stdout), (strchr(line, '\n') ? 0 : fputc('\n', stdout));
        jt_parser_line(p, line);
    }
    jt_parser_end(p);
    free(line);
    bool read_err = ferror(in);
    if (in != stdin)
        fclose(in);
    int rc = 0;
    if (binary) {
        rc = 1; /* no exchange explained */
    } else if (read_err) {
        fprintf(stderr, "jcop-explain: error reading %s\n", path);
        rc = 3;
    } else if (r->exchanges == 0) {
        fprintf(stderr, "jcop-explain: no exchange found in %s (form %s); try --format\n", path,
                jt_format_name(p->fmt));
        rc = 1;
    }
    jh_explain_set_keys(&r->ex, NULL, NULL);
    jc_crypto_free(crypto);
    free(p);
    free(r);
    return rc;
}
