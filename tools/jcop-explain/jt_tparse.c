/*
 * jt_tparse.c: the transcript reader behind jcop-explain (see jt_tparse.h).
 * Each form is one small line handler; all share the hex-run reader and the
 * pending command/response buffers, and emit events through p->fn.
 */
#include <ctype.h>
#include <string.h>

#include "jc_hex.h"
#include "jt_tparse.h"

static const char *const jt_fmt_names[] = {
    [JT_FMT_AUTO] = "auto",         [JT_FMT_HARNESS] = "harness", [JT_FMT_TRACE] = "trace",
    [JT_FMT_SCRIPTOR] = "scriptor", [JT_FMT_GPSHELL] = "gpshell", [JT_FMT_PCSCD] = "pcscd",
};

const char *jt_format_name(jt_format f)
{
    return (f >= JT_FMT_AUTO && f <= JT_FMT_PCSCD) ? jt_fmt_names[f] : "?";
}

int jt_format_parse(const char *name)
{
    for (int i = JT_FMT_AUTO; i <= JT_FMT_PCSCD; i++)
        if (strcmp(name, jt_fmt_names[i]) == 0)
            return i;
    return -1;
}

static int jt_hexval(int c)
{
    return jc_hex_nibble(c); /* the project's one hex codec (jc_hex.h) */
}

/* Read whitespace-separated hex tokens from s while each is pure hex of even
 * length; append to out (at *n). Returns the number of bytes read, or -1 on overflow. */
static int jt_hex_run(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    size_t start = *n;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *e = s;
        while (*e && !isspace((unsigned char)*e))
            e++;
        size_t tl = (size_t)(e - s);
        if (tl == 0 || tl % 2)
            break;
        bool hex = true;
        for (size_t i = 0; i < tl; i++)
            if (jt_hexval((unsigned char)s[i]) < 0)
                hex = false;
        if (!hex)
            break;
        if (*n + tl / 2 > cap)
            return -1;
        for (size_t i = 0; i < tl; i += 2)
            out[(*n)++] =
                (uint8_t)(jt_hexval((unsigned char)s[i]) << 4 | jt_hexval((unsigned char)s[i + 1]));
        s = e;
    }
    return (int)(*n - start);
}

static bool jt_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *jt_skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

jt_format jt_format_guess(const char *line)
{
    const char *s = jt_skip_ws(line);
    if (jt_starts(s, "=> ") || jt_starts(s, "<= "))
        return JT_FMT_HARNESS;
    if (jt_starts(s, "/send ") || jt_starts(s, "/atr") || jt_starts(s, "/reset"))
        return JT_FMT_TRACE;
    if (strstr(s, "Command --> ") || strstr(s, "Response <-- ") || jt_starts(s, "--> ") ||
        jt_starts(s, "<-- "))
        return JT_FMT_GPSHELL;
    if (strstr(s, " APDU: ") || strstr(s, " SW: ") || strstr(s, "Card ATR: "))
        return JT_FMT_PCSCD;
    if ((s[0] == '>' || s[0] == '<') && s[1] == ' ')
        return JT_FMT_SCRIPTOR;
    return JT_FMT_AUTO;
}

void jt_parser_init(jt_parser *p, jt_format fmt, jt_event_fn fn, void *ctx)
{
    p->fmt = fmt;
    p->lineno = 0;
    p->cmd_line = 0;
    p->have_cmd = p->have_plain = p->in_resp = false;
    p->clen = p->plen = p->rlen = 0;
    p->bad_lines = 0;
    p->fn = fn;
    p->ctx = ctx;
}

/* Emit the pending exchange (with or without an answer). */
static void jt_flush(jt_parser *p)
{
    if (!p->have_cmd) {
        p->in_resp = false;
        p->rlen = 0;
        return;
    }
    jt_event ev = {
        .kind = JT_EV_EXCHANGE,
        .line = p->cmd_line,
        .capdu = p->cmd,
        .clen = p->clen,
        .plain = p->have_plain ? p->plain : NULL,
        .plen = p->have_plain ? p->plen : 0,
        .rapdu = p->rlen >= 2 ? p->resp : NULL,
        .rlen = p->rlen >= 2 ? p->rlen : 0,
    };
    p->fn(p->ctx, &ev);
    p->have_cmd = p->have_plain = p->in_resp = false;
    p->clen = p->plen = p->rlen = 0;
}

static void jt_power(jt_parser *p, jt_event_kind k, const uint8_t *atr, size_t n)
{
    jt_flush(p);
    jt_event ev = {.kind = k, .line = p->lineno, .atr = atr, .atr_len = n};
    p->fn(p->ctx, &ev);
}

static void jt_command(jt_parser *p, const char *hex)
{
    jt_flush(p);
    p->clen = 0;
    if (jt_hex_run(hex, p->cmd, sizeof p->cmd, &p->clen) <= 0) {
        p->bad_lines++;
        return;
    }
    p->have_cmd = true;
    p->cmd_line = p->lineno;
}

/* Lines saying "ATR" followed by hex: the power-up (or reset) of the card. */
static bool jt_atr_line(jt_parser *p, const char *s)
{
    const char *a = strstr(s, "ATR");
    if (!a)
        return false;
    a += 3;
    while (*a == ':' || *a == ' ' || *a == '=')
        a++;
    uint8_t atr[64];
    size_t n = 0;
    if (jt_hex_run(a, atr, sizeof atr, &n) < 2)
        return false;
    jt_power(p, strstr(s, "reset") || strstr(s, "Reset") ? JT_EV_RESET : JT_EV_POWER_ON, atr, n);
    return true;
}

static void jt_line_harness(jt_parser *p, const char *s)
{
    if (jt_starts(s, "=> ")) {
        jt_command(p, s + 3);
    } else if (jt_starts(s, "(plain ") && p->have_cmd && !p->have_plain) {
        /* the command before SCP02 wrapping, printed under the wire form */
        p->plen = 0;
        if (jt_hex_run(s + 7, p->plain, sizeof p->plain, &p->plen) > 0)
            p->have_plain = true;
    } else if (jt_starts(s, "<= ")) {
        p->rlen = 0;
        if (jt_hex_run(s + 3, p->resp, sizeof p->resp, &p->rlen) < 2)
            p->bad_lines++;
        jt_flush(p);
    } else if (jt_starts(s, "/power off") || strstr(s, "power off")) {
        jt_power(p, JT_EV_POWER_OFF, NULL, 0);
    } else {
        jt_atr_line(p, s);
    }
}

static void jt_line_trace(jt_parser *p, const char *s)
{
    if (jt_starts(s, "/send ")) {
        const char *c = jt_skip_ws(s + 6);
        const char *e = c;
        while (*e && !isspace((unsigned char)*e))
            e++;
        char tok[2 * 300];
        size_t tl = (size_t)(e - c);
        jt_flush(p);
        p->clen = p->rlen = 0;
        /* The C-APDU is the first token; the observed answer the second. */
        if (tl == 0 || tl >= sizeof tok) {
            /* very long APDU: read the whole run and split it at the last token */
            if (jt_hex_run(c, p->cmd, sizeof p->cmd, &p->clen) <= 0) {
                p->bad_lines++;
                return;
            }
        } else {
            memcpy(tok, c, tl);
            tok[tl] = 0;
            if (jt_hex_run(tok, p->cmd, sizeof p->cmd, &p->clen) <= 0) {
                p->bad_lines++;
                return;
            }
            jt_hex_run(e, p->resp, sizeof p->resp, &p->rlen);
        }
        p->have_cmd = true;
        p->cmd_line = p->lineno;
        jt_flush(p);
    } else if (jt_starts(s, "/atr") || jt_starts(s, "/power on")) {
        uint8_t atr[64];
        size_t n = 0;
        jt_hex_run(s + (s[1] == 'a' ? 4 : 9), atr, sizeof atr, &n);
        jt_power(p, JT_EV_POWER_ON, atr, n);
    } else if (jt_starts(s, "/reset")) {
        uint8_t atr[64];
        size_t n = 0;
        jt_hex_run(s + 6, atr, sizeof atr, &n);
        jt_power(p, JT_EV_RESET, atr, n);
    } else if (jt_starts(s, "/power off")) {
        jt_power(p, JT_EV_POWER_OFF, NULL, 0);
    } else if (jt_starts(s, "# VM: ")) {
        /* the card's VM on its applets: install, select, exceptions, transactions */
        jt_event ev = {.kind = JT_EV_APPLET, .line = p->lineno, .note = s + 6};
        p->fn(p->ctx, &ev);
    } else if (jt_starts(s, "# state:")) {
        /* "# state: OLD -> NEW: why": the card's own word on its state */
        const char *a = strstr(s, "-> ");
        if (a) {
            char name[40];
            size_t n = strcspn(a + 3, ": \t");
            if (n && n < sizeof name) {
                memcpy(name, a + 3, n);
                name[n] = 0;
                jt_event ev = {.kind = JT_EV_STATE, .line = p->lineno, .state_name = name};
                p->fn(p->ctx, &ev);
            }
        }
    }
}

static void jt_line_scriptor(jt_parser *p, const char *s)
{
    if (s[0] == '>' && (s[1] == ' ' || s[1] == 0)) {
        jt_command(p, s + 1);
    } else if (s[0] == '<' && (s[1] == ' ' || s[1] == 0)) {
        p->rlen = 0;
        p->in_resp = true;
        jt_hex_run(s + 1, p->resp, sizeof p->resp, &p->rlen);
        if (strchr(s, ':'))
            jt_flush(p);
    } else if (p->in_resp) {
        /* continuation of a long answer: hex, the last line ends in ": text" */
        size_t before = p->rlen;
        jt_hex_run(s, p->resp, sizeof p->resp, &p->rlen);
        if (strchr(s, ':') || p->rlen == before)
            jt_flush(p);
    } else {
        jt_atr_line(p, s);
    }
}

static void jt_line_gpshell(jt_parser *p, const char *s)
{
    const char *a;
    if ((a = strstr(s, "Wrapped command --> "))) {
        /* the wire form of the command printed just before */
        if (p->have_cmd && !p->have_plain) {
            memcpy(p->plain, p->cmd, p->clen);
            p->plen = p->clen;
            p->clen = 0;
            if (jt_hex_run(a + 20, p->cmd, sizeof p->cmd, &p->clen) > 0) {
                p->have_plain = !(p->plen == p->clen && memcmp(p->plain, p->cmd, p->clen) == 0);
            } else {
                memcpy(p->cmd, p->plain, p->plen);
                p->clen = p->plen;
            }
        }
    } else if ((a = strstr(s, "Command --> "))) {
        jt_command(p, a + 12);
    } else if (jt_starts(s, "--> ")) {
        jt_command(p, s + 4);
    } else if (strstr(s, "Unwrapped response <-- ")) {
        /* same answer without R-MAC; nothing new for the explainer */
    } else if ((a = strstr(s, "Response <-- ")) || jt_starts(s, "<-- ")) {
        p->rlen = 0;
        jt_hex_run(a ? a + 13 : s + 4, p->resp, sizeof p->resp, &p->rlen);
        jt_flush(p);
    } else {
        jt_atr_line(p, s);
    }
}

static void jt_line_pcscd(jt_parser *p, const char *s)
{
    const char *a;
    if ((a = strstr(s, "Card ATR: "))) {
        uint8_t atr[64];
        size_t n = 0;
        jt_hex_run(a + 10, atr, sizeof atr, &n);
        jt_power(p, JT_EV_POWER_ON, atr, n);
    } else if ((a = strstr(s, " APDU: ")) || jt_starts(s, "APDU: ")) {
        jt_command(p, a ? a + 7 : s + 6);
    } else if ((a = strstr(s, " SW: ")) || jt_starts(s, "SW: ")) {
        p->rlen = 0;
        jt_hex_run(a ? a + 5 : s + 4, p->resp, sizeof p->resp, &p->rlen);
        jt_flush(p);
    }
}

void jt_parser_line(jt_parser *p, const char *line)
{
    char buf[8192];
    p->lineno++;
    size_t n = strcspn(line, "\r\n");
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, line, n);
    buf[n] = 0;
    const char *s = jt_skip_ws(buf);
    if (p->fmt == JT_FMT_AUTO)
        p->fmt = jt_format_guess(s);
    switch (p->fmt) {
    case JT_FMT_HARNESS:
        jt_line_harness(p, s);
        break;
    case JT_FMT_TRACE:
        jt_line_trace(p, s);
        break;
    case JT_FMT_SCRIPTOR:
        jt_line_scriptor(p, s);
        break;
    case JT_FMT_GPSHELL:
        jt_line_gpshell(p, s);
        break;
    case JT_FMT_PCSCD:
        jt_line_pcscd(p, s);
        break;
    default:
        jt_atr_line(p, s);
        break; /* before the form is known, an ATR line still counts */
    }
}

void jt_parser_end(jt_parser *p)
{
    jt_flush(p);
}
