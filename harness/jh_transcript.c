/*
 * jh_transcript.c: building and freeing the run record of jh_transcript.h.
 * The runner appends entries; report writers read them.
 */
#include "jh_transcript.h"

#include <stdlib.h>
#include <string.h>

#include "jc_card.h"

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int jh_transcript_init(jh_transcript *t, const char *script, const char *format,
                       const char *backend)
{
    memset(t, 0, sizeof *t);
    t->script = dup_or_null(script);
    t->format = dup_or_null(format);
    t->backend = dup_or_null(backend);
    if ((script && !t->script) || (format && !t->format) || (backend && !t->backend)) {
        jh_transcript_free(t);
        return JC_ERR_NOMEM;
    }
    return JC_OK;
}

jh_entry *jh_transcript_add(jh_transcript *t, const char *file, unsigned line, const char *verb,
                            jh_entry_kind kind)
{
    if (t->n_entries == t->cap_entries) {
        size_t ncap = t->cap_entries ? t->cap_entries * 2 : 32;
        jh_entry *ne = realloc(t->entries, ncap * sizeof *ne);
        if (!ne)
            return NULL;
        t->entries = ne;
        t->cap_entries = ncap;
    }
    jh_entry *e = &t->entries[t->n_entries];
    memset(e, 0, sizeof *e);
    e->file = dup_or_null(file);
    e->verb = dup_or_null(verb);
    if ((file && !e->file) || (verb && !e->verb)) {
        free(e->file);
        free(e->verb);
        return NULL;
    }
    e->line = line;
    e->kind = kind;
    t->n_entries++;
    return e;
}

int jh_entry_set_bytes(uint8_t **dst, size_t *dst_len, const uint8_t *src, size_t len)
{
    uint8_t *b = NULL;
    if (src && len) {
        b = malloc(len);
        if (!b)
            return JC_ERR_NOMEM;
        memcpy(b, src, len);
    }
    free(*dst);
    *dst = b;
    *dst_len = b ? len : 0;
    return JC_OK;
}

int jh_entry_set_text(char **dst, const char *text)
{
    char *d = dup_or_null(text);
    if (text && !d)
        return JC_ERR_NOMEM;
    free(*dst);
    *dst = d;
    return JC_OK;
}

int jh_entry_add_event(jh_entry *e, int kind, uint32_t addr, const uint8_t *data, size_t len,
                       int old_state, int new_state, const char *text)
{
    jh_event *ne = realloc(e->events, (e->n_events + 1) * sizeof *ne);
    if (!ne)
        return JC_ERR_NOMEM;
    e->events = ne;
    jh_event *ev = &ne[e->n_events];
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->addr = addr;
    ev->old_state = old_state;
    ev->new_state = new_state;
    if (jh_entry_set_bytes(&ev->data, &ev->len, data, len) < 0)
        return JC_ERR_NOMEM;
    ev->text = dup_or_null(text);
    if (text && !ev->text) {
        free(ev->data);
        return JC_ERR_NOMEM;
    }
    e->n_events++;
    return JC_OK;
}

void jh_transcript_count(jh_transcript *t)
{
    t->n_pass = t->n_fail = t->n_error = t->n_unjudged = 0;
    for (size_t i = 0; i < t->n_entries; i++) {
        switch (t->entries[i].verdict) {
        case JH_VERDICT_PASS:
            t->n_pass++;
            break;
        case JH_VERDICT_FAIL:
            t->n_fail++;
            break;
        case JH_VERDICT_ERROR:
            t->n_error++;
            break;
        default:
            t->n_unjudged++;
            break;
        }
    }
}

static void entry_free(jh_entry *e)
{
    free(e->file);
    free(e->verb);
    free(e->capdu);
    free(e->plain);
    free(e->rapdu);
    free(e->expect);
    free(e->message);
    free(e->note);
    for (size_t i = 0; i < e->n_events; i++) {
        free(e->events[i].data);
        free(e->events[i].text);
    }
    free(e->events);
}

void jh_transcript_free(jh_transcript *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_entries; i++)
        entry_free(&t->entries[i]);
    free(t->entries);
    free(t->script);
    free(t->format);
    free(t->backend);
    free(t->error);
    free(t->error_file);
    memset(t, 0, sizeof *t);
}
