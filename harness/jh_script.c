/*
 * jh_script.c: loading a script: files, lines, /include resolution, the
 * language chosen by extension, error positions, and the data expressions of
 * JCShell (hex, "...", |ascii|, #(...)). The per-language keyword tables are
 * in jh_parse_jcsh.c, jh_parse_gpsh.c and jh_parse_scriptor.c.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "jh_script.h"
#include "jc_hex.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jh_util.h"

static const struct {
    const char *ext;
    const char *format;
} ext_table[] = {
    {.ext = ".jcsh", .format = "jcsh"},     {.ext = ".jcs", .format = "jcsh"},
    {.ext = ".trace", .format = "jcsh"},    {.ext = ".gpsh", .format = "gpsh"},
    {.ext = ".txt", .format = "gpsh"},      {.ext = ".scriptor", .format = "scriptor"},
    {.ext = ".apdu", .format = "scriptor"},
};

const char *jh_format_from_path(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof ext_table / sizeof ext_table[0]; i++) {
        size_t e = strlen(ext_table[i].ext);
        if (n > e && strcmp(path + n - e, ext_table[i].ext) == 0)
            return ext_table[i].format;
    }
    return NULL;
}

bool jh_format_valid(const char *format)
{
    return format &&
           (!strcmp(format, "jcsh") || !strcmp(format, "gpsh") || !strcmp(format, "scriptor"));
}

int jh_parse_error(jh_parse *p, const char *fmt, ...)
{
    jh_script *s = p->s;
    if (s->err[0])
        return JH_SCRIPT_ERR;
    snprintf(s->err_file, sizeof s->err_file, "%s", p->file ? p->file : "?");
    s->err_line = p->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    if (!s->err[0])
        snprintf(s->err, sizeof s->err, "error");
    return JH_SCRIPT_ERR;
}

jh_step *jh_parse_add(jh_parse *p, jh_step_kind kind, const char *verb)
{
    jh_script *s = p->s;
    if (s->n_steps == s->cap_steps) {
        size_t ncap = s->cap_steps ? 2 * s->cap_steps : 64;
        jh_step *ns = realloc(s->steps, ncap * sizeof *ns);
        if (!ns)
            return NULL;
        s->steps = ns;
        s->cap_steps = ncap;
    }
    jh_step *st = &s->steps[s->n_steps];
    memset(st, 0, sizeof *st);
    st->verb = jh_strdup(verb);
    if (!st->verb)
        return NULL;
    st->kind = kind;
    st->file = p->file;
    st->line = p->line;
    st->kvn = -1;
    st->new_kvn = -1;
    st->priv = -1;
    s->n_steps++;
    return st;
}

int jh_split_words(char *line, char **words, int max)
{
    int n = 0;
    char *p = line;
    while (*p && n < max) {
        while (jh_is_blank((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char *start = p;
        bool quoted = false;
        while (*p && (quoted || !jh_is_blank((unsigned char)*p))) {
            if (*p == '"')
                quoted = !quoted;
            p++;
        }
        if (*p)
            *p++ = '\0';
        words[n++] = start;
    }
    return n;
}

int jh_parse_key16(const char *s, uint8_t out[16])
{
    uint8_t buf[16];
    if (jh_unhex(s, (size_t)-1, buf, sizeof buf) != 16)
        return -1;
    memcpy(out, buf, 16);
    return 0;
}

int jh_parse_int(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- data expressions */

#define DX_MAX_DEPTH 32 /* #( nesting */

typedef struct {
    const char *p;
    int depth;
    uint8_t *out;
    size_t cap;
    size_t len;
    char *err;
    size_t errcap;
} dx;

static int dx_put(dx *d, uint8_t b)
{
    if (d->len >= d->cap) {
        snprintf(d->err, d->errcap, "data longer than %zu bytes", d->cap);
        return -1;
    }
    d->out[d->len++] = b;
    return 0;
}

/* Parse until end of string (nested = 0) or ')' (nested = 1). */
static int dx_seq(dx *d, int nested)
{
    int hi = -1;
    for (;;) {
        int c = (unsigned char)*d->p;
        if (c == '\0' || c == ')' || c == '|' || c == '#') {
            if (hi >= 0) {
                snprintf(d->err, d->errcap, "odd number of hex digits");
                return -1;
            }
        }
        if (c == '\0') {
            if (nested) {
                snprintf(d->err, d->errcap, "unterminated #(");
                return -1;
            }
            return 0;
        }
        if (c == ')') {
            if (!nested) {
                snprintf(d->err, d->errcap, "')' without '#('");
                return -1;
            }
            d->p++;
            return 0;
        }
        if (c == '|') {
            const char *end = strchr(d->p + 1, '|');
            if (!end) {
                snprintf(d->err, d->errcap, "unterminated |ascii|");
                return -1;
            }
            for (const char *q = d->p + 1; q < end; q++)
                if (dx_put(d, (uint8_t)*q) < 0)
                    return -1;
            d->p = end + 1;
            continue;
        }
        if (c == '#') {
            if (d->p[1] != '(') {
                snprintf(d->err, d->errcap, "'#' must start #(...)");
                return -1;
            }
            if (d->depth >= DX_MAX_DEPTH) {
                snprintf(d->err, d->errcap, "#(...) nested deeper than %d", DX_MAX_DEPTH);
                return -1;
            }
            d->p += 2;
            d->depth++;
            size_t at = d->len;
            if (dx_put(d, 0) < 0)
                return -1;
            if (dx_seq(d, 1) < 0)
                return -1;
            d->depth--;
            size_t inner = d->len - at - 1;
            if (inner > 255) {
                snprintf(d->err, d->errcap, "#(...) holds %zu bytes, more than 255", inner);
                return -1;
            }
            d->out[at] = (uint8_t)inner;
            continue;
        }
        if (c == '"' || jh_is_blank(c)) {
            d->p++;
            continue;
        }
        int v = jc_hex_nibble(c);
        if (v < 0) {
            snprintf(d->err, d->errcap, "bad hex digit '%c'", c >= 0x20 && c < 0x7F ? c : '?');
            return -1;
        }
        d->p++;
        if (hi < 0) {
            hi = v;
        } else {
            if (dx_put(d, (uint8_t)(hi << 4 | v)) < 0)
                return -1;
            hi = -1;
        }
    }
}

int jh_data_eval(const char *expr, uint8_t *out, size_t cap, char *err, size_t errcap)
{
    dx d = {.p = expr, .out = out, .cap = cap, .err = err, .errcap = errcap};
    if (dx_seq(&d, 0) < 0)
        return -1;
    return (int)d.len;
}

/* ---------------------------------------------------------------- files */

static char *read_file(const char *path, char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    jh_buf b;
    jh_buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (memchr(chunk, '\0', n)) {
            snprintf(err, errcap, "%s holds NUL bytes: not a script", path);
            fclose(f);
            jh_buf_free(&b);
            return NULL;
        }
        jh_buf_putn(&b, chunk, n);
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errcap, "cannot read %s", path);
        jh_buf_free(&b);
        return NULL;
    }
    char *s = jh_buf_take(&b);
    if (!s)
        snprintf(err, errcap, "out of memory reading %s", path);
    return s;
}

static const char *add_file(jh_script *s, const char *path)
{
    char **nf = realloc(s->files, (s->n_files + 1) * sizeof *nf);
    if (!nf)
        return NULL;
    s->files = nf;
    char *d = jh_strdup(path);
    if (!d)
        return NULL;
    s->files[s->n_files++] = d;
    return d;
}

static int parse_lines(jh_parse *p, char *text, const char *format)
{
    /* a UTF-8 byte-order mark (scripts saved by Windows editors) is not a command */
    if ((unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        text += 3;
    if (!strcmp(format, "scriptor"))
        return jh_parse_scriptor_text(p, text);
    int (*fn)(jh_parse *, char *) =
        !strcmp(format, "gpsh") ? jh_parse_gpsh_line : jh_parse_jcsh_line;
    char *line = text;
    p->line = 0;
    while (line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        p->line++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[n - 1] = '\0';
        int rc = fn(p, line);
        if (rc < 0)
            return rc;
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static int parse_text(jh_parse *p, const char *name, char *text, const char *format)
{
    const char *saved_file = p->file;
    unsigned saved_line = p->line;
    const char *f = add_file(p->s, name);
    if (!f)
        return jh_parse_error(p, "out of memory");
    p->file = f;
    int rc = parse_lines(p, text, format);
    p->file = saved_file;
    p->line = saved_line;
    return rc;
}

int jh_parse_file(jh_parse *p, const char *path, const char *format)
{
    char err[600];
    char real[PATH_MAX];
    if (!realpath(path, real))
        return jh_parse_error(p, "cannot open %s: %s", path, strerror(errno));
    for (int i = 0; i < p->depth; i++)
        if (p->stack[i] && !strcmp(p->stack[i], real))
            return jh_parse_error(p, "include cycle: %s includes itself", path);
    if (p->depth >= (int)(sizeof p->stack / sizeof p->stack[0]))
        return jh_parse_error(p, "includes nested deeper than %zu",
                              sizeof p->stack / sizeof p->stack[0]);
    char *text = read_file(path, err, sizeof err);
    if (!text)
        return jh_parse_error(p, "%s", err);
    char *realcopy = jh_strdup(real);
    if (!realcopy) {
        free(text);
        return jh_parse_error(p, "out of memory");
    }
    p->stack[p->depth++] = realcopy;
    int rc = parse_text(p, path, text, format);
    p->depth--;
    free(realcopy);
    p->stack[p->depth] = NULL;
    free(text);
    return rc;
}

static int script_begin(jh_script *s, const char *path, const char *format)
{
    memset(s, 0, sizeof *s);
    if (!format)
        format = jh_format_from_path(path);
    if (!format) {
        snprintf(s->err_file, sizeof s->err_file, "%s", path);
        snprintf(s->err, sizeof s->err,
                 "unknown script language (extension not .jcsh/.gpsh/.txt/.scriptor/.apdu): use "
                 "--format");
        return JH_SCRIPT_ERR;
    }
    if (!jh_format_valid(format)) {
        snprintf(s->err_file, sizeof s->err_file, "%s", path);
        snprintf(s->err, sizeof s->err, "unknown format \"%s\" (jcsh, gpsh or scriptor)", format);
        return JH_SCRIPT_ERR;
    }
    s->path = jh_strdup(path);
    s->format = jh_strdup(format);
    if (!s->path || !s->format) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return JH_SCRIPT_ERR;
    }
    return 0;
}

int jh_script_load(jh_script *s, const char *path, const char *format)
{
    int rc = script_begin(s, path, format);
    if (rc < 0)
        return rc;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(s->err_file, sizeof s->err_file, "%s", path);
        snprintf(s->err, sizeof s->err, "cannot open script: %s", strerror(errno));
        return JH_SCRIPT_ERR_IO;
    }
    fclose(f);
    jh_parse p = {.s = s};
    rc = jh_parse_file(&p, path, s->format);
    if (rc == 0 && s->n_steps == 0) {
        /* An empty or truncated golden file must not pass in CI. */
        snprintf(s->err_file, sizeof s->err_file, "%s", path);
        s->err_line = p.line ? p.line : 1;
        snprintf(s->err, sizeof s->err,
                 "no steps: an empty script (only comments and blank lines) checks nothing");
        return JH_SCRIPT_ERR;
    }
    return rc;
}

int jh_script_parse_text(jh_script *s, const char *name, const char *text, const char *format)
{
    int rc = script_begin(s, name, format);
    if (rc < 0)
        return rc;
    char *copy = jh_strdup(text);
    if (!copy)
        return JH_SCRIPT_ERR;
    jh_parse p = {.s = s};
    rc = parse_text(&p, name, copy, s->format);
    free(copy);
    return rc;
}

void jh_script_free(jh_script *s)
{
    for (size_t i = 0; i < s->n_steps; i++) {
        free(s->steps[i].verb);
        free(s->steps[i].arg);
        free(s->steps[i].arg2);
        free(s->steps[i].expect);
    }
    free(s->steps);
    for (size_t i = 0; i < s->n_files; i++)
        free(s->files[i]);
    free(s->files);
    free(s->path);
    free(s->format);
    memset(s, 0, sizeof *s);
}
