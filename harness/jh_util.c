/*
 * jh_util.c: hex conversion, string copies and the growable buffer used by
 * the parsers, the runner and the report writers.
 */
#include "jh_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jc_hex.h"

bool jh_is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int jh_unhex(const char *s, size_t n, uint8_t *out, size_t cap)
{
    return jc_hex_decode_sep(s, n, " \t\r\n\v\f", out, cap); /* the one hex codec */
}

char *jh_tohex_dup(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (s)
        jc_hex_encode(b, n, s);
    return s;
}

char *jh_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *jh_strdup(const char *s)
{
    return s ? jh_strndup(s, strlen(s)) : NULL;
}

char *jh_trim(char *s)
{
    while (jh_is_blank((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && jh_is_blank((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

void jh_buf_init(jh_buf *b)
{
    memset(b, 0, sizeof *b);
}

static bool grow(jh_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < b->len + extra + 1)
        ncap *= 2;
    char *ns = realloc(b->s, ncap);
    if (!ns) {
        b->oom = true;
        return false;
    }
    b->s = ns;
    b->cap = ncap;
    return true;
}

void jh_buf_putn(jh_buf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void jh_buf_puts(jh_buf *b, const char *s)
{
    jh_buf_putn(b, s, strlen(s));
}

void jh_buf_putc(jh_buf *b, char c)
{
    jh_buf_putn(b, &c, 1);
}

void jh_buf_printf(jh_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void jh_buf_hex(jh_buf *b, const uint8_t *p, size_t n)
{
    if (!grow(b, 2 * n))
        return;
    jc_hex_encode(p, n, b->s + b->len);
    b->len += 2 * n;
}

char *jh_buf_take(jh_buf *b)
{
    if (b->oom) {
        jh_buf_free(b);
        return NULL;
    }
    char *s = b->s ? b->s : jh_strdup("");
    jh_buf_init(b);
    return s;
}

void jh_buf_free(jh_buf *b)
{
    free(b->s);
    jh_buf_init(b);
}

bool jh_colour_wanted(FILE *f)
{
    const char *no = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    if (no && *no)
        return false;
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(fileno(f)) == 1;
}

FILE *jh_fopen_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077) != 0)
        fchmod(fd, 0600);
    FILE *f = fdopen(fd, "w");
    if (!f)
        close(fd);
    return f;
}
