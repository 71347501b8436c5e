/*
 * jh_report.c: transcript, TAP and JUnit writers and the --diff comparison
 * (formats in jh_report.h). They only read the run record; status-word names
 * come from the shared table (simulator/core/jc_sw.h).
 */
#include "jh_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_sw.h"
#include "jh_expect.h"
#include "jh_util.h"

static void hexline(FILE *f, const char *prefix, const uint8_t *b, size_t n)
{
    fputs(prefix, f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02X", b[i]);
}

/* hexline with the bytes [from, to) hidden as "**" (a masked secret). */
static void hexline_masked(FILE *f, const char *prefix, const uint8_t *b, size_t n, bool mask,
                           size_t from, size_t to)
{
    fputs(prefix, f);
    for (size_t i = 0; i < n; i++) {
        if (mask && i >= from && i < to)
            fputs("**", f);
        else
            fprintf(f, "%02X", b[i]);
    }
}

static const char *verdict_word(jh_verdict v)
{
    switch (v) {
    case JH_VERDICT_PASS:
        return "ok";
    case JH_VERDICT_FAIL:
        return "FAILED";
    case JH_VERDICT_ERROR:
        return "ERROR";
    default:
        return "";
    }
}

/* The verdict word, green when it held, red when it failed (colour only). */
static void verdict_out(FILE *f, const jh_entry *e, bool colour)
{
    if (!e->verdict)
        return;
    const char *sgr = e->verdict == JH_VERDICT_PASS   ? JH_SGR(colour, "32")
                      : e->verdict == JH_VERDICT_NONE ? ""
                                                      : JH_SGR(colour, "1;31");
    fprintf(f, "  %s%s%s", sgr, verdict_word(e->verdict), *sgr ? JH_SGR_OFF(colour) : "");
}

void jh_report_entry(FILE *f, const jh_entry *e)
{
    jh_report_entry_c(f, e, false);
}

void jh_report_entry_c(FILE *f, const jh_entry *e, bool colour)
{
    switch (e->kind) {
    case JH_ENTRY_APDU: {
        fprintf(f, "%s:%u: %s", e->file, e->line, e->verb);
        verdict_out(f, e, colour);
        fputc('\n', f);
        hexline_masked(f, "=> ", e->capdu, e->capdu_len, e->masked & JH_MASK_CDATA, 5,
                       e->capdu_len);
        fputc('\n', f);
        if (e->wrapped) {
            hexline_masked(f, "   (plain ", e->plain, e->plain_len, e->masked & JH_MASK_CDATA, 5,
                           e->plain_len);
            fputs(")\n", f);
        }
        hexline_masked(f, "<= ", e->rapdu, e->rapdu_len, e->masked & JH_MASK_RDATA, 0,
                       e->rapdu_len >= 2 ? e->rapdu_len - 2 : 0);
        char buf[96];
        fprintf(f, "  %s: %s\n", jc_sw_name(e->sw), jc_sw_text(e->sw, buf, sizeof buf));
        break;
    }
    case JH_ENTRY_POWER_ON:
    case JH_ENTRY_RESET:
        fprintf(f, "%s:%u: %s", e->file, e->line, e->verb);
        verdict_out(f, e, colour);
        fputc('\n', f);
        if (e->atr_len) {
            hexline(f, e->kind == JH_ENTRY_RESET ? "-- reset, ATR " : "-- power on, ATR ", e->atr,
                    e->atr_len);
            fputc('\n', f);
        }
        break;
    case JH_ENTRY_POWER_OFF:
        fprintf(f, "%s:%u: %s\n-- power off\n", e->file, e->line, e->verb);
        break;
    case JH_ENTRY_NOTE:
        fprintf(f, "-- %s\n", e->note ? e->note : e->verb);
        break;
    case JH_ENTRY_REFUSED:
        fprintf(f, "%s:%u: %s  REFUSED\n", e->file, e->line, e->verb);
        hexline(f, "=> (not sent) ", e->capdu, e->capdu_len);
        fputc('\n', f);
        break;
    }
    if (e->note && e->kind != JH_ENTRY_NOTE)
        fprintf(f, "-- %s\n", e->note);
    if (e->message)
        fprintf(f, "%s:%u: %s\n", e->file, e->line, e->message);
}

void jh_report_summary(FILE *f, const jh_transcript *t)
{
    jh_report_summary_c(f, t, false);
}

void jh_report_summary_c(FILE *f, const jh_transcript *t, bool colour)
{
    static const char *words[] = {"PASS", "FAIL", "SCRIPT ERROR", "ENVIRONMENT ERROR"};
    int st = t->status >= 0 && t->status <= 3 ? t->status : 3;
    fprintf(f, "# %s: %u held, %u failed, %u errors, %u not judged: %s%s%s\n",
            t->script ? t->script : "?", t->n_pass, t->n_fail, t->n_error, t->n_unjudged,
            st == 0 ? JH_SGR(colour, "1;32") : JH_SGR(colour, "1;31"), words[st],
            JH_SGR_OFF(colour));
}

void jh_report_transcript(FILE *f, const jh_transcript *t)
{
    fprintf(f, "# %s (%s) on %s\n", t->script ? t->script : "?", t->format ? t->format : "?",
            t->backend ? t->backend : "?");
    for (size_t i = 0; i < t->n_entries; i++)
        jh_report_entry(f, &t->entries[i]);
    if (t->error)
        fprintf(f, "%s:%u: %s\n", t->error_file ? t->error_file : "?", t->error_line, t->error);
    jh_report_summary(f, t);
}

/* ---------------------------------------------------------------- TAP */

static void tap_text(FILE *f, const char *s)
{
    for (; s && *s; s++)
        fputc(*s == '\n' || *s == '#' ? ' ' : *s, f);
}

void jh_report_tap(FILE *f, const jh_transcript *const *runs, size_t n)
{
    fprintf(f, "TAP version 13\n");
    unsigned k = 0;
    for (size_t r = 0; r < n; r++) {
        const jh_transcript *t = runs[r];
        fprintf(f, "# %s on %s\n", t->script ? t->script : "?", t->backend ? t->backend : "?");
        for (size_t i = 0; i < t->n_entries; i++) {
            const jh_entry *e = &t->entries[i];
            if (e->kind == JH_ENTRY_NOTE)
                continue;
            bool bad = e->verdict == JH_VERDICT_FAIL || e->verdict == JH_VERDICT_ERROR;
            fprintf(f, "%s %u - %s:%u %s", bad ? "not ok" : "ok", ++k, e->file, e->line, e->verb);
            if (e->capdu_len) {
                fputs(" ", f);
                hexline(f, "", e->plain ? e->plain : e->capdu,
                        e->plain ? e->plain_len : e->capdu_len);
            }
            if (e->verdict == JH_VERDICT_NONE)
                fputs(" # SKIP not judged", f);
            fputc('\n', f);
            if (bad) {
                fprintf(f, "  ---\n  message: \"%s:%u: ", e->file, e->line);
                tap_text(f, e->message);
                fputs("\"\n", f);
                if (e->expect) {
                    fputs("  expected: \"", f);
                    tap_text(f, e->expect);
                    fputs("\"\n", f);
                }
                if (e->rapdu_len)
                    hexline(f, "  got: \"", e->rapdu, e->rapdu_len), fputs("\"\n", f);
                fputs("  ...\n", f);
            }
        }
        if (t->error) {
            fprintf(f, "not ok %u - %s:%u: ", ++k, t->error_file ? t->error_file : "?",
                    t->error_line);
            tap_text(f, t->error);
            fputc('\n', f);
        }
    }
    fprintf(f, "1..%u\n", k);
}

/* ---------------------------------------------------------------- JUnit */

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = (s[0] & 0xE0) == 0xC0   ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (n == 0 || (n == 2 && s[0] < 0xC2) || (n == 4 && s[0] > 0xF4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0)
        return 0; /* overlong */
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0)
        return 0; /* surrogates */
    if (n == 4 && s[0] == 0xF0 && s[1] < 0x90)
        return 0;
    if (n == 4 && s[0] == 0xF4 && s[1] >= 0x90)
        return 0;
    return n;
}

void jh_xml_escape(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned char c = *p;
        switch (c) {
        case '&':
            fputs("&amp;", f);
            p++;
            continue;
        case '<':
            fputs("&lt;", f);
            p++;
            continue;
        case '>':
            fputs("&gt;", f);
            p++;
            continue;
        case '"':
            fputs("&quot;", f);
            p++;
            continue;
        case '\'':
            fputs("&apos;", f);
            p++;
            continue;
        default:
            break;
        }
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            fputc('?', f);
            p++;
            continue;
        }
        size_t n = utf8_len(p);
        if (n == 0) {
            fputc('?', f);
            p++;
            continue;
        }
        fwrite(p, 1, n, f);
        p += n;
    }
}

/* The transcript as a string (for <system-out>). */
static char *transcript_text(const jh_transcript *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    jh_report_transcript(m, t);
    fclose(m);
    return buf;
}

int jh_report_junit(FILE *f, const jh_transcript *const *runs, size_t n)
{
    unsigned failures = 0, errors = 0;
    for (size_t r = 0; r < n; r++) {
        if (runs[r]->status == 1)
            failures++;
        else if (runs[r]->status >= 2)
            errors++;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"jcop-replay\" tests=\"%zu\" failures=\"%u\" errors=\"%u\">\n", n,
            failures, errors);
    fprintf(f,
            "  <testsuite name=\"jcop-replay\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" "
            "skipped=\"0\">\n",
            n, failures, errors);
    for (size_t r = 0; r < n; r++) {
        const jh_transcript *t = runs[r];
        fputs("    <testcase classname=\"jcop-replay.", f);
        jh_xml_escape(f, t->format ? t->format : "script");
        fputs("\" name=\"", f);
        jh_xml_escape(f, t->script);
        fputs("\" file=\"", f);
        jh_xml_escape(f, t->script);
        fprintf(f, "\" assertions=\"%u\">\n", t->n_pass + t->n_fail + t->n_error);
        if (t->status == 1) {
            const jh_entry *first = NULL;
            unsigned nbad = 0;
            for (size_t i = 0; i < t->n_entries; i++) {
                const jh_entry *e = &t->entries[i];
                if (e->verdict == JH_VERDICT_FAIL || e->verdict == JH_VERDICT_ERROR) {
                    if (!first)
                        first = e;
                    nbad++;
                }
            }
            char head[1200];
            if (first)
                snprintf(head, sizeof head, "%s:%u: %s", first->file, first->line,
                         first->message ? first->message : "failed");
            else
                snprintf(head, sizeof head, "%s: failed", t->script ? t->script : "?");
            fputs("      <failure type=\"expectation\" message=\"", f);
            jh_xml_escape(f, head);
            fprintf(f, "\">%u failed step(s)\n", nbad);
            for (size_t i = 0; i < t->n_entries; i++) {
                const jh_entry *e = &t->entries[i];
                if (e->verdict != JH_VERDICT_FAIL && e->verdict != JH_VERDICT_ERROR)
                    continue;
                char line[1400];
                snprintf(line, sizeof line, "%s:%u: %s: %s\n", e->file, e->line, e->verb,
                         e->message ? e->message : "failed");
                jh_xml_escape(f, line);
            }
            fputs("</failure>\n", f);
        } else if (t->status >= 2) {
            char head[1200];
            snprintf(head, sizeof head, "%s:%u: %s", t->error_file ? t->error_file : "?",
                     t->error_line, t->error ? t->error : "error");
            fprintf(f, "      <error type=\"%s\" message=\"",
                    t->status == 2 ? "script" : "environment");
            jh_xml_escape(f, head);
            fputs("\">", f);
            jh_xml_escape(f, head);
            fputs("</error>\n", f);
        }
        char *out = transcript_text(t);
        fputs("      <system-out>", f);
        jh_xml_escape(f, out ? out : "");
        fputs("</system-out>\n", f);
        free(out);
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return ferror(f) ? -1 : 0;
}

/* ---------------------------------------------------------------- --diff */

void jh_golden_free(jh_golden *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->items[i].capdu);
        free(g->items[i].rapdu);
    }
    free(g->items);
    g->items = NULL;
    g->n = 0;
}

static int golden_add(jh_golden *g, unsigned line, const char *c, size_t clen)
{
    jh_golden_item *ni = realloc(g->items, (g->n + 1) * sizeof *ni);
    if (!ni)
        return -1;
    g->items = ni;
    jh_golden_item *it = &ni[g->n];
    it->line = line;
    it->capdu = jh_strndup(c, clen);
    it->rapdu = NULL;
    if (!it->capdu)
        return -1;
    g->n++;
    return 0;
}

/* Normalise a hex word: strip blanks, upper case. */
static char *hexnorm(const char *s)
{
    jh_buf b;
    jh_buf_init(&b);
    for (; *s; s++)
        if (!jh_is_blank((unsigned char)*s))
            jh_buf_putc(&b, (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s));
    return jh_buf_take(&b);
}

int jh_golden_load(const char *path, jh_golden *g, char *err, size_t errcap)
{
    g->items = NULL;
    g->n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errcap, "cannot open golden file %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    int rc = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char *s = jh_trim(line);
        if (!strncmp(s, "=> ", 3) && strncmp(s, "=> (not sent)", 13)) {
            char *hex = jh_trim(s + 3);
            char *sp = hex;
            while (*sp && !jh_is_blank((unsigned char)*sp))
                sp++;
            if (golden_add(g, lineno, hex, (size_t)(sp - hex)) < 0)
                rc = -1;
        } else if (!strncmp(s, "<= ", 3) && g->n && !g->items[g->n - 1].rapdu) {
            char *hex = jh_trim(s + 3);
            char *sp = hex;
            while (*sp && !jh_is_blank((unsigned char)*sp))
                sp++;
            g->items[g->n - 1].rapdu = jh_strndup(hex, (size_t)(sp - hex));
        } else if (!strncmp(s, "/send", 5) && jh_is_blank((unsigned char)s[5])) {
            char *hex = jh_trim(s + 5);
            char *sp = hex;
            while (*sp && !jh_is_blank((unsigned char)*sp))
                sp++;
            if (golden_add(g, lineno, hex, (size_t)(sp - hex)) < 0) {
                rc = -1;
                continue;
            }
            char *rest = jh_trim(sp);
            if (*rest)
                g->items[g->n - 1].rapdu = hexnorm(rest);
        }
        if (rc < 0)
            break;
    }
    free(line);
    fclose(f);
    if (rc < 0)
        snprintf(err, errcap, "out of memory reading %s", path);
    for (size_t i = 0; rc == 0 && i < g->n; i++) {
        char *n = hexnorm(g->items[i].capdu);
        if (n) {
            free(g->items[i].capdu);
            g->items[i].capdu = n;
        }
    }
    if (rc < 0)
        jh_golden_free(g);
    return rc;
}

int jh_golden_diff(const jh_golden *g, const char *golden_name, const jh_transcript *t, char *msg,
                   size_t cap)
{
    size_t gi = 0;
    unsigned k = 0;
    for (size_t i = 0; i < t->n_entries; i++) {
        const jh_entry *e = &t->entries[i];
        if (e->kind != JH_ENTRY_APDU)
            continue;
        k++;
        char *c = jh_tohex_dup(e->capdu, e->capdu_len);
        char *r = jh_tohex_dup(e->rapdu, e->rapdu_len);
        if (!c || !r) {
            free(c);
            free(r);
            snprintf(msg, cap, "out of memory");
            return 1;
        }
        int diverged = 0;
        if (gi >= g->n) {
            snprintf(msg, cap,
                     "first divergence at exchange %u (%s:%u): the golden transcript %s ends here, "
                     "the run sent => %s <= %s",
                     k, e->file, e->line, golden_name, c, r);
            diverged = 1;
        } else {
            const jh_golden_item *it = &g->items[gi];
            int cmatch = jh_expect_match(it->capdu, e->capdu, e->capdu_len);
            int rmatch = !it->rapdu || jh_expect_match(it->rapdu, e->rapdu, e->rapdu_len);
            if (!cmatch || !rmatch) {
                snprintf(msg, cap,
                         "first divergence at exchange %u (%s:%u, %s:%u): expected => %s <= %s, "
                         "got => %s <= %s",
                         k, e->file, e->line, golden_name, it->line, it->capdu,
                         it->rapdu ? it->rapdu : "(any)", c, r);
                diverged = 1;
            }
        }
        free(c);
        free(r);
        if (diverged)
            return 1;
        gi++;
    }
    if (gi < g->n) {
        snprintf(msg, cap, "first divergence at exchange %u: the run ended, %s:%u expected => %s",
                 k + 1, golden_name, g->items[gi].line, g->items[gi].capdu);
        return 1;
    }
    snprintf(msg, cap, "no divergence: %u exchanges match %s", k, golden_name);
    return 0;
}
