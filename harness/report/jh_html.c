/*
 * jh_html.c: writes the self-contained HTML report of a run (see jh_html.h).
 *
 * One pass over the run record drives the explainer (harness/explain) to get
 * the plain lines and the card state after each entry; the state path feeds
 * the SVG timeline, the READ/WRITE MEMORY traffic (or the images given by
 * the caller) feeds the memory table. Everything is escaped; the page loads
 * nothing from anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_state.h"
#include "jc_sw.h"
#include "jh_explain.h"
#include "jh_html.h"
#include "jh_util.h"

#define JH_NSTATES 9
static const int jh_tl_states[JH_NSTATES] = {
    JC_CS_UNFUSED_IDLE,     JC_CS_ROOT_SELECTED, JC_CS_BOOTED,
    JC_CS_BOOTED_PROTECTED, JC_CS_OP_READY,      JC_CS_INITIALIZED,
    JC_CS_SECURED,          JC_CS_CARD_LOCKED,   JC_CS_TERMINATED,
};
static const char *const jh_tl_label1[JH_NSTATES] = {"UNFUSED",   "ROOT SELECTED", "BOOTED",
                                                     "PROTECTED", "OP_READY",      "INITIALIZED",
                                                     "SECURED",   "CARD_LOCKED",   "TERMINATED"};
static const char *const jh_tl_label2[JH_NSTATES] = {
    "nothing selected", "by transport key", "memory open", "writes closed", "fused (01)",
    "fused (07)",       "fused (0F)",       "fused (7F)",  "fused (FF)"};

static int jh_tl_index(int state)
{
    for (int i = 0; i < JH_NSTATES; i++)
        if (jh_tl_states[i] == state)
            return i;
    return -1;
}

typedef struct {
    int state;      /* timeline state reached */
    unsigned idx;   /* its column, jh_tl_index(state): only known states enter the path */
    unsigned entry; /* entry index that reached it */
} jh_step;

typedef struct {
    FILE *f;
    const jh_transcript *t;
    const jh_html_opts *o;
    jh_step *path;
    size_t n_path;
    int16_t *before; /* JC_MEM_SIZE each, -1 unknown */
    int16_t *after;
    bool *written;
} jh_html;

static void jh_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
            break;
        }
    }
}

/* Hex of b; bytes [from, to) hidden when mask is set: one marked span of "**"
 * per byte, so a hidden key never reads as real bytes (the recorder's
 * placeholder is 2A). */
static void jh_hexout_m(FILE *f, const uint8_t *b, size_t n, size_t max, bool mask, size_t from,
                        size_t to)
{
    for (size_t i = 0; i < n && i < max; i++) {
        if (mask && i >= from && i < to) {
            size_t end = to < n ? to : n;
            fprintf(f,
                    "<span class=\"masked\" title=\"%zu bytes hidden (--show-keys shows them)\">",
                    end - i);
            for (; i < end && i < max; i++)
                fputs("**", f);
            fputs("</span>", f);
            i--;
            continue;
        }
        fprintf(f, "%02X", b[i]);
    }
    if (n > max)
        fprintf(f, "&hellip; (%zu bytes)", n);
}

static void jh_hexout(FILE *f, const uint8_t *b, size_t n, size_t max)
{
    jh_hexout_m(f, b, n, max, false, 0, 0);
}

/* The "where" cell: the script's name and line, the whole path in a tooltip,
 * so a long path neither squeezes the APDU columns nor hides the file. */
static void jh_where(FILE *f, const jh_entry *e)
{
    if (!e->file) {
        fputs("<td class=\"where\">", f);
        return;
    }
    const char *base = strrchr(e->file, '/');
    base = base ? base + 1 : e->file;
    fputs("<td class=\"where\" title=\"", f);
    jh_esc(f, e->file);
    fprintf(f, ":%u\">", e->line);
    jh_esc(f, base);
    fprintf(f, ":%u ", e->line);
}

static const char jh_css[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#1b1b1b;background:#fff}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;width:100%;font-size:.9em}"
    "td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}"
    "th{background:#f2f2f2}.hex{font-family:monospace;word-break:break-all}"
    "tr.fail td{background:#fde8e8}tr.error td{background:#fff1d6}tr.pass td.verdict{color:#16702e}"
    "tr.fail td.verdict,tr.error td.verdict{color:#b00020;font-weight:bold}"
    "ul.x{margin:2px 0 0 0;padding-left:1.2em}ul.x li{margin:0}"
    "li.state{color:#0645ad;font-weight:bold}li.warn{color:#b00020}li.status{color:#444}"
    "mark.chg{background:#ffd54f;color:#000;font-weight:bold}"
    "span.unk{color:#999}.summary span{margin-right:1.5em}"
    "span.masked{background:#e6e6e6;color:#666;letter-spacing:.05em}"
    "td.where{max-width:14em;overflow-wrap:anywhere;font-size:.85em}td.hex{min-width:16ch}"
    "svg text{font-family:system-ui,sans-serif}"
    "rect.node{fill:#f4f4f4;stroke:#888}rect.node.visited{fill:#cfe3ff;stroke:#0645ad;stroke-width:"
    "2}"
    "rect.node.final{fill:#9fc5ff;stroke:#002f7a;stroke-width:3}"
    "path.step{fill:none;stroke:#d0480b;stroke-width:2}circle.step{fill:#d0480b}"
    "text.stepno{fill:#fff;font-size:11px;font-weight:bold}";

/* ---- pass 1: states and memory ------------------------------------------- */

static void jh_path_add(jh_html *h, int state, unsigned entry)
{
    int idx = jh_tl_index(state);
    if (idx < 0)
        return;
    if (h->n_path && h->path[h->n_path - 1].state == state)
        return;
    h->path[h->n_path++] = (jh_step){.state = state, .idx = (unsigned)idx, .entry = entry};
}

static void jh_mem_read(jh_html *h, uint32_t addr, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t a = addr + (uint32_t)i;
        if (a < JC_MEM_BASE || a >= JC_MEM_END)
            continue;
        size_t k = a - JC_MEM_BASE;
        if (!h->written[k] && h->before[k] < 0)
            h->before[k] = d[i];
        h->after[k] = d[i];
    }
}

static void jh_mem_write(jh_html *h, uint32_t addr, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t a = addr + (uint32_t)i;
        if (a < JC_MEM_BASE || a >= JC_MEM_END)
            continue;
        size_t k = a - JC_MEM_BASE;
        h->written[k] = true;
        h->after[k] = d[i];
    }
}

/* Explain entry e with ex (updating it), into x. Returns false when there is nothing to explain. */
static bool jh_explain_entry(jh_explainer *ex, const jh_entry *e, jh_explanation *x)
{
    switch (e->kind) {
    case JH_ENTRY_APDU:
        jh_explain_exchange_plain(ex, e->capdu, e->capdu_len, e->wrapped ? e->plain : NULL,
                                  e->wrapped ? e->plain_len : 0, e->rapdu, e->rapdu_len, x);
        return true;
    case JH_ENTRY_POWER_ON:
        jh_explain_power(ex, JH_PWR_ON, e->atr, e->atr_len, x);
        return true;
    case JH_ENTRY_RESET:
        jh_explain_power(ex, JH_PWR_RESET, e->atr, e->atr_len, x);
        return true;
    case JH_ENTRY_POWER_OFF:
        jh_explain_power(ex, JH_PWR_OFF, NULL, 0, x);
        return true;
    case JH_ENTRY_REFUSED: {
        jh_explainer scratch = *ex; /* nothing was sent: the card did not change */
        jh_explain_exchange(&scratch, e->capdu, e->capdu_len, NULL, 0, x);
        return true;
    }
    default:
        return false;
    }
}

static void jh_resync(jh_explainer *ex, const jh_entry *e)
{
    if (!e->has_state)
        return;
    if (ex->view.card_state != e->state_after) {
        jh_sc_state sc = ex->view.sc;
        uint8_t lvl = ex->view.sc_level;
        int cm = ex->view.cm_lifecycle;
        bool w = ex->view.any_write;
        jh_explain_assume(ex, e->state_after, 0);
        ex->view.cm_lifecycle = cm;
        ex->view.any_write = w;
        if (e->state_after >= JC_CS_OP_READY) {
            ex->view.sc = sc;
            ex->view.sc_level = lvl;
        }
    }
}

static void jh_pass1(jh_html *h)
{
    jh_explainer ex;
    jh_explanation *x = malloc(sizeof *x);
    if (!x)
        return;
    jh_explain_init(&ex, h->o->profile);
    if (h->o->initial_state >= 0) {
        jh_explain_assume(&ex, h->o->initial_state, 0);
        jh_path_add(h, h->o->initial_state, 0);
    }
    for (size_t i = 0; i < h->t->n_entries; i++) {
        const jh_entry *e = &h->t->entries[i];
        if (e->has_state && i == 0 && h->o->initial_state < 0)
            jh_path_add(h, e->state_before, 0);
        if (!jh_explain_entry(&ex, e, x))
            continue;
        if (e->kind == JH_ENTRY_APDU && x->sw == 0x9000 && x->mem_addr) {
            if (strcmp(x->name, "READ MEMORY") == 0 && e->rapdu_len > 2)
                jh_mem_read(h, x->mem_addr, e->rapdu, e->rapdu_len - 2);
            else if (strcmp(x->name, "WRITE MEMORY") == 0 && e->capdu_len > 5)
                jh_mem_write(h, x->mem_addr, e->capdu + 5, e->capdu_len - 5);
        }
        jh_resync(&ex, e);
        int st = e->has_state ? e->state_after : x->state_after;
        if (e->kind != JH_ENTRY_REFUSED && st >= 0)
            jh_path_add(h, st, (unsigned)i + 1);
    }
    free(x);
    if (h->o->mem_before)
        for (size_t k = 0; k < JC_MEM_SIZE; k++)
            h->before[k] = h->o->mem_before[k];
    if (h->o->mem_after)
        for (size_t k = 0; k < JC_MEM_SIZE; k++)
            h->after[k] = h->o->mem_after[k];
    if (h->o->mem_before && !h->o->mem_after) /* after = before + the writes seen */
        for (size_t k = 0; k < JC_MEM_SIZE; k++)
            if (!h->written[k])
                h->after[k] = h->before[k];
}

/* ---- sections ------------------------------------------------------------- */

static void jh_timeline(jh_html *h)
{
    FILE *f = h->f;
    const int bw = 112, bh = 46, gap = 18, fusegap = 40, top = 90, left = 10;
    int xs[JH_NSTATES];
    for (int i = 0; i < JH_NSTATES; i++)
        xs[i] = left + i * (bw + gap) + (i >= 4 ? fusegap : 0);
    int width = xs[JH_NSTATES - 1] + bw + left;
    int height = top + bh + 90;
    bool visited[JH_NSTATES] = {0};
    for (size_t i = 0; i < h->n_path; i++)
        visited[h->path[i].idx] = true;
    int final = h->n_path ? (int)h->path[h->n_path - 1].idx : -1;

    fputs("<h2 id=\"timeline\">Card state timeline</h2>\n", f);
    fprintf(f,
            "<svg id=\"state-svg\" role=\"img\" aria-label=\"card state timeline\" viewBox=\"0 0 "
            "%d %d\" "
            "width=\"100%%\" style=\"max-width:%dpx\" xmlns=\"http://www.w3.org/2000/svg\">\n",
            width, height, width);
    fputs("<defs><marker id=\"arr\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
          "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
          "fill=\"#d0480b\"/>"
          "</marker></defs>\n",
          f);
    fprintf(f,
            "<text x=\"%d\" y=\"20\" font-size=\"13\" fill=\"#555\">unfused: "
            "pre-personalization</text>\n",
            xs[0]);
    fprintf(f,
            "<text x=\"%d\" y=\"20\" font-size=\"13\" fill=\"#555\">fused: GlobalPlatform card "
            "life cycle</text>\n",
            xs[4]);
    int fx = xs[4] - fusegap / 2 - gap / 2;
    fprintf(f,
            "<line x1=\"%d\" y1=\"28\" x2=\"%d\" y2=\"%d\" stroke=\"#b00020\" "
            "stroke-dasharray=\"5,4\"/>\n",
            fx, fx, height - 10);
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#b00020\" "
            "text-anchor=\"middle\">FUSE</text>\n",
            fx, height - 2);
    for (int i = 0; i < JH_NSTATES; i++) {
        fprintf(f,
                "<g class=\"state\" data-state=\"%s\" data-visited=\"%s\">"
                "<rect class=\"node%s%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\"/>"
                "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\" "
                "text-anchor=\"middle\">%s</text>"
                "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" "
                "fill=\"#444\">%s</text></g>\n",
                jh_tl_label1[i], visited[i] ? "yes" : "no", visited[i] ? " visited" : "",
                i == final ? " final" : "", xs[i], top, bw, bh, xs[i] + bw / 2, top + 19,
                jh_tl_label1[i], xs[i] + bw / 2, top + 35, jh_tl_label2[i]);
    }
    /* the path: arcs above for forward steps, below for backward ones */
    for (size_t i = 1; i < h->n_path; i++) {
        int a = (int)h->path[i - 1].idx, b = (int)h->path[i].idx;
        int x1 = xs[a] + bw / 2, x2 = xs[b] + bw / 2;
        bool fwd = b > a;
        int span = abs(b - a);
        int y = fwd ? top : top + bh;
        int lift = 16 + 10 * (span > 6 ? 6 : span) + (int)(i % 3) * 5;
        int cy = fwd ? y - lift : y + lift;
        fprintf(f,
                "<path class=\"step\" d=\"M%d,%d C%d,%d %d,%d %d,%d\" marker-end=\"url(#arr)\"/>\n",
                x1 + (fwd ? 8 : -8), y, x1, cy, x2, cy, x2 + (fwd ? -8 : 8), y);
        int mx = (x1 + x2) / 2, my = fwd ? y - lift * 3 / 4 : y + lift * 3 / 4;
        fprintf(f,
                "<circle class=\"step\" cx=\"%d\" cy=\"%d\" r=\"8\"/><text class=\"stepno\" "
                "x=\"%d\" y=\"%d\" "
                "text-anchor=\"middle\">%zu</text>\n",
                mx, my, mx, my + 4, i);
    }
    fputs("</svg>\n<ol id=\"path\">\n", f);
    for (size_t i = 0; i < h->n_path; i++) {
        const jh_step *s = &h->path[i];
        fprintf(f, "<li data-state=\"%s\">", jh_tl_label1[s->idx]);
        jh_esc(f, jh_state_text(s->state));
        if (s->entry) {
            const jh_entry *e = &h->t->entries[s->entry - 1];
            fprintf(f, " &mdash; after <a href=\"#e%u\">step %u</a>", s->entry, s->entry);
            if (e->file) {
                fputs(" (", f);
                jh_esc(f, e->file);
                fprintf(f, ":%u)", e->line);
            }
        } else {
            fputs(" &mdash; at the start", f);
        }
        fputs("</li>\n", f);
    }
    fputs("</ol>\n", f);
}

static bool jh_masked(const jh_html_opts *o, const char *field);

/* Does [addr, addr+len) touch a masked field? */
static bool jh_range_masked(const jh_html_opts *o, uint32_t addr, uint32_t len)
{
    if (!o->masked_fields)
        return false;
    for (uint32_t i = 0; i < len; i++) {
        jh_field fl;
        if (jh_field_find(o->profile, addr + i, &fl, NULL) == 0 && jh_masked(o, fl.name))
            return true;
    }
    return false;
}

static const char *jh_verdict_class(jh_verdict v)
{
    switch (v) {
    case JH_VERDICT_PASS:
        return "pass";
    case JH_VERDICT_FAIL:
        return "fail";
    case JH_VERDICT_ERROR:
        return "error";
    default:
        return "none";
    }
}

static const char *jh_verdict_text(jh_verdict v)
{
    switch (v) {
    case JH_VERDICT_PASS:
        return "held";
    case JH_VERDICT_FAIL:
        return "FAILED";
    case JH_VERDICT_ERROR:
        return "ERROR";
    default:
        return "recorded";
    }
}

static const char *jh_kind_text(jh_entry_kind k)
{
    switch (k) {
    case JH_ENTRY_POWER_ON:
        return "power on";
    case JH_ENTRY_RESET:
        return "reset";
    case JH_ENTRY_POWER_OFF:
        return "power off";
    case JH_ENTRY_NOTE:
        return "note";
    case JH_ENTRY_REFUSED:
        return "REFUSED (not sent)";
    default:
        return "";
    }
}

static void jh_transcript_table(jh_html *h)
{
    FILE *f = h->f;
    static const char *const cls[] = {[JH_XL_COMMAND] = "cmd",
                                      [JH_XL_DETAIL] = "detail",
                                      [JH_XL_STATUS] = "status",
                                      [JH_XL_STATE] = "state",
                                      [JH_XL_WARN] = "warn"};
    jh_explainer ex;
    jh_explanation *x = malloc(sizeof *x);
    if (!x)
        return;
    jh_explain_init(&ex, h->o->profile);
    if (h->o->initial_state >= 0)
        jh_explain_assume(&ex, h->o->initial_state, 0);
    fputs("<h2 id=\"transcript\">Transcript</h2>\n<table id=\"transcript-table\">\n"
          "<tr><th>#</th><th>where</th><th>sent (C-APDU)</th><th>answer (R-APDU)</th><th>SW</th>"
          "<th>expected</th><th>verdict</th><th>explanation</th></tr>\n",
          f);
    for (size_t i = 0; i < h->t->n_entries; i++) {
        const jh_entry *e = &h->t->entries[i];
        bool has = jh_explain_entry(&ex, e, x);
        jh_resync(&ex, e);
        /* secret memory (keys, GPIN): data bytes of READ/WRITE MEMORY hidden */
        bool secret = has && e->kind == JH_ENTRY_APDU && x->mem_len &&
                      jh_range_masked(h->o, x->mem_addr, x->mem_len);
        bool w = (secret && strcmp(x->name, "WRITE MEMORY") == 0) || (e->masked & JH_MASK_CDATA);
        bool r = (secret && strcmp(x->name, "WRITE MEMORY") != 0) || (e->masked & JH_MASK_RDATA);
        fprintf(f, "<tr id=\"e%zu\" class=\"entry %s\" data-kind=\"%d\"><td>%zu</td>", i + 1,
                jh_verdict_class(e->verdict), (int)e->kind, i + 1);
        jh_where(f, e);
        fputs("<b>", f);
        jh_esc(f, e->verb);
        fputs("</b></td><td class=\"hex\">", f);
        if (e->kind == JH_ENTRY_APDU || e->kind == JH_ENTRY_REFUSED) {
            jh_hexout_m(f, e->capdu, e->capdu_len, 300, w, 5, e->capdu_len);
            if (e->wrapped && e->plain) {
                fputs("<br><small>plain: ", f);
                jh_hexout_m(f, e->plain, e->plain_len, 300, w, 5, e->plain_len);
                fputs("</small>", f);
            }
        } else {
            jh_esc(f, jh_kind_text(e->kind));
        }
        fputs("</td><td class=\"hex\">", f);
        if (e->kind == JH_ENTRY_APDU)
            jh_hexout_m(f, e->rapdu, e->rapdu_len, 300, r, 0,
                        e->rapdu_len >= 2 ? e->rapdu_len - 2 : 0);
        else if (e->atr_len) {
            fputs("ATR ", f);
            jh_hexout(f, e->atr, e->atr_len, 40);
        }
        fputs("</td><td class=\"sw\">", f);
        if (e->kind == JH_ENTRY_APDU && e->rapdu_len >= 2) {
            fprintf(f, "%04X ", e->sw);
            jh_esc(f, jc_sw_name(e->sw));
        }
        fputs("</td><td class=\"hex\">", f);
        jh_esc(f, e->expect);
        fprintf(f, "</td><td class=\"verdict\">%s", jh_verdict_text(e->verdict));
        if (e->message) {
            fputs("<br>", f);
            jh_esc(f, e->message);
        }
        fputs("</td><td>", f);
        if (e->note) {
            fputs("<div class=\"note\">", f);
            jh_esc(f, e->note);
            fputs("</div>", f);
        }
        if (has && x->n) {
            fputs("<ul class=\"x\">", f);
            for (size_t k = 0; k < x->n; k++) {
                fprintf(f, "<li class=\"%s\">", cls[x->line[k].kind]);
                const char *t = x->line[k].text;
                if (secret && (strncmp(t, "new bytes ", 10) == 0 || strncmp(t, "read ", 5) == 0))
                    t = t[0] == 'n' ? "new bytes (hidden)" : "read (hidden)";
                jh_esc(f, t);
                fputs("</li>", f);
            }
            fputs("</ul>", f);
        }
        /* the card's VM on its applets (jcvm_runtime.c marks its notes "VM: ") */
        bool vm_open = false;
        for (size_t k = 0; k < e->n_events; k++) {
            const jh_event *ev = &e->events[k];
            if (ev->kind != JC_EV_INFO || !ev->text || strncmp(ev->text, "VM: ", 4) != 0)
                continue;
            fputs(vm_open ? "<li>" : "<ul class=\"x vm\"><li>", f);
            vm_open = true;
            fputs("applet (VM): ", f);
            jh_esc(f, ev->text + 4);
            fputs("</li>", f);
        }
        if (vm_open)
            fputs("</ul>", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    free(x);
}

static bool jh_masked(const jh_html_opts *o, const char *field)
{
    for (const char *const *m = o->masked_fields; m && *m; m++)
        if (strcmp(*m, field) == 0)
            return true;
    return false;
}

/* One row of bytes; returns the number of changed bytes. Masked bytes show as "**". */
static unsigned jh_bytes(FILE *f, const int16_t *v, const int16_t *other, const bool *written,
                         size_t k0, size_t n, bool mark, bool masked)
{
    unsigned changed = 0;
    bool any_chg = false;
    for (size_t i = 0; i < n; i++) {
        size_t k = k0 + i;
        any_chg |= written[k] ? (other[k] < 0 || other[k] != v[k])
                              : (v[k] >= 0 && other[k] >= 0 && other[k] != v[k]);
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = k0 + i;
        bool chg = written[k] ? (other[k] < 0 || other[k] != v[k])
                              : (v[k] >= 0 && other[k] >= 0 && other[k] != v[k]);
        if (i && i % 16 == 0)
            fputs("<br>", f);
        else if (i)
            fputc(' ', f);
        if (chg)
            changed++;
        if (v[k] < 0)
            fputs("<span class=\"unk\">..</span>", f);
        else if (masked) /* the whole field is marked: which bytes changed is a secret too */
            fputs(any_chg && mark ? "<mark class=\"chg masked\">**</mark>" : "**", f);
        else if (chg && mark)
            fprintf(f, "<mark class=\"chg\">%02X</mark>", (unsigned)v[k]);
        else
            fprintf(f, "%02X", (unsigned)v[k]);
    }
    return changed;
}

static void jh_memory_table(jh_html *h)
{
    FILE *f = h->f;
    fputs("<h2 id=\"memory\">Memory fields before and after</h2>\n", f);
    if (h->o->mem_before)
        fputs("<p>From the card images before and after the run. Changed bytes are "
              "highlighted.</p>\n",
              f);
    else
        fputs("<p>Rebuilt from the transcript: READ MEMORY answers give the bytes before, WRITE "
              "MEMORY data the "
              "bytes after; <span class=\"unk\">..</span> marks a byte the run never showed. "
              "Changed bytes are "
              "highlighted.</p>\n",
              f);
    fputs(
        "<table id=\"memory-table\"><tr><th>field</th><th>address</th><th>before</th><th>after</th>"
        "<th>label</th></tr>\n",
        f);
    int n = jh_field_count(h->o->profile);
    for (int i = 0; i < n; i++) {
        jh_field fl;
        if (jh_field_get(h->o->profile, i, &fl) != 0 || fl.addr < JC_MEM_BASE ||
            fl.addr + fl.len > JC_MEM_END)
            continue;
        size_t k0 = fl.addr - JC_MEM_BASE;
        bool any = false, chg = false;
        for (size_t k = k0; k < k0 + fl.len; k++) {
            any |= h->before[k] >= 0 || h->after[k] >= 0;
            chg |= h->written[k]
                       ? (h->before[k] < 0 || h->before[k] != h->after[k])
                       : (h->before[k] >= 0 && h->after[k] >= 0 && h->before[k] != h->after[k]);
        }
        fprintf(f, "<tr class=\"field%s%s\" data-field=\"", chg ? " changed" : "",
                any ? "" : " unseen");
        jh_esc(f, fl.name);
        fputs("\"><td title=\"", f);
        jh_esc(f, fl.what);
        fputs("\">", f);
        jh_esc(f, fl.name);
        fprintf(f, "</td><td class=\"hex\">0x%06X (%u)</td><td class=\"hex before\">", fl.addr,
                fl.len);
        jh_bytes(f, h->before, h->after, h->written, k0, fl.len, false, jh_masked(h->o, fl.name));
        fputs("</td><td class=\"hex after\">", f);
        jh_bytes(f, h->after, h->before, h->written, k0, fl.len, true, jh_masked(h->o, fl.name));
        fprintf(f, "</td><td>%s</td></tr>\n", fl.label);
    }
    fputs("</table>\n", f);
    /* changes outside the named fields */
    unsigned shown = 0;
    for (size_t k = 0; k < JC_MEM_SIZE && shown < 32;) {
        bool chg = h->written[k]
                       ? (h->before[k] < 0 || h->before[k] != h->after[k])
                       : (h->before[k] >= 0 && h->after[k] >= 0 && h->before[k] != h->after[k]);
        jh_field fl;
        if (!chg || jh_field_find(h->o->profile, (uint32_t)(JC_MEM_BASE + k), &fl, NULL) == 0) {
            k++;
            continue;
        }
        size_t e = k;
        while (e < JC_MEM_SIZE && e - k < 32 &&
               (h->written[e]
                    ? (h->before[e] < 0 || h->before[e] != h->after[e])
                    : (h->before[e] >= 0 && h->after[e] >= 0 && h->before[e] != h->after[e])) &&
               jh_field_find(h->o->profile, (uint32_t)(JC_MEM_BASE + e), &fl, NULL) != 0)
            e++;
        if (!shown)
            fputs("<h3>Other changed bytes</h3><table "
                  "id=\"other-changes\"><tr><th>address</th><th>before</th>"
                  "<th>after</th></tr>\n",
                  f);
        fprintf(f, "<tr class=\"changed\"><td class=\"hex\">0x%06zX</td><td class=\"hex before\">",
                JC_MEM_BASE + k);
        jh_bytes(f, h->before, h->after, h->written, k, e - k, false, false);
        fputs("</td><td class=\"hex after\">", f);
        jh_bytes(f, h->after, h->before, h->written, k, e - k, true, false);
        fputs("</td></tr>\n", f);
        shown++;
        k = e;
    }
    if (shown)
        fputs("</table>\n", f);
}

int jh_html_write(FILE *f, const jh_transcript *t, const jh_html_opts *opts)
{
    jh_html_opts defaults = {.initial_state = -1};
    jh_html h = {.f = f, .t = t, .o = opts ? opts : &defaults};
    h.path = calloc(t->n_entries + 2, sizeof *h.path);
    h.before = malloc(JC_MEM_SIZE * sizeof *h.before);
    h.after = malloc(JC_MEM_SIZE * sizeof *h.after);
    h.written = calloc(JC_MEM_SIZE, sizeof *h.written);
    if (!h.path || !h.before || !h.after || !h.written) {
        free(h.path), free(h.before), free(h.after), free(h.written);
        return JC_ERR_NOMEM;
    }
    for (size_t k = 0; k < JC_MEM_SIZE; k++)
        h.before[k] = h.after[k] = -1;
    jh_pass1(&h);

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
          "'unsafe-inline'\">\n<title>",
          f);
    if (h.o->title)
        jh_esc(f, h.o->title);
    else {
        fputs("jcopsim run: ", f);
        jh_esc(f, t->script ? t->script : "(no script)");
    }
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>", jh_css);
    if (h.o->title)
        jh_esc(f, h.o->title);
    else {
        fputs("jcopsim run: ", f);
        jh_esc(f, t->script ? t->script : "(no script)");
    }
    fputs("</h1>\n<p class=\"summary\" id=\"summary\">", f);
    fputs("<span>backend: ", f);
    jh_esc(f, t->backend ? t->backend : "?");
    fputs("</span><span>script form: ", f);
    jh_esc(f, t->format ? t->format : "?");
    fprintf(f,
            "</span><span id=\"counts\">%u held, %u failed, %u errors, %u recorded</span>"
            "<span id=\"status\">exit status %d</span></p>\n",
            t->n_pass, t->n_fail, t->n_error, t->n_unjudged, t->status);
    if (t->error) {
        fputs("<p class=\"warn\" id=\"run-error\"><b>", f);
        jh_esc(f, t->error_file);
        fprintf(f, ":%u:</b> ", t->error_line);
        jh_esc(f, t->error);
        fputs("</p>\n", f);
    }
    fputs("<p><a href=\"#timeline\">state timeline</a> &middot; <a href=\"#memory\">memory</a> "
          "&middot; "
          "<a href=\"#transcript\">transcript</a></p>\n",
          f);
    jh_timeline(&h);
    jh_memory_table(&h);
    jh_transcript_table(&h);
    fputs("<p><small>Written by jcopsim " JCOPSIM_VERSION
          ". Field labels: confirmed = a public source states it; "
          "inferred = a reading of the sources; assumed = a model decision of the "
          "simulator.</small></p>\n"
          "</body></html>\n",
          f);
    free(h.path), free(h.before), free(h.after), free(h.written);
    return ferror(f) ? JC_ERR_IO : 0;
}

int jh_html_write_file(const char *path, const jh_transcript *t, const jh_html_opts *opts)
{
    FILE *f = jh_fopen_private(path);
    if (!f)
        return JC_ERR_IO;
    int rc = jh_html_write(f, t, opts);
    if (fclose(f) != 0 && rc == 0)
        rc = JC_ERR_IO;
    return rc;
}
