/*
 * jh_util.h: small helpers every harness module uses: hex in and out, a
 * growable string buffer, string copies. Nothing here knows about scripts or
 * cards; the parsers, the matcher, the runner and the reports build on it.
 */
#ifndef JH_UTIL_H
#define JH_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/* Parse hex digits from s[0..n) (n = (size_t)-1: up to the NUL), ignoring
 * blanks. Returns the byte count, or -1 on a bad digit, an odd digit count or
 * more than cap bytes. */
int jh_unhex(const char *s, size_t n, uint8_t *out, size_t cap);
/* Same into a new heap string (NULL on out of memory). */
char *jh_tohex_dup(const uint8_t *b, size_t n);

/* Open path for writing (truncated) as a private file: created 0600, an existing
 * regular file narrowed to 0600. Reports and transcripts can hold keys. */
FILE *jh_fopen_private(const char *path);
/* Whether text for f may carry colour: f is a terminal, NO_COLOR is unset or
 * empty (no-color.org) and TERM is not "dumb". */
bool jh_colour_wanted(FILE *f);
/* SGR sequences for the few colours used, or "" when colour is off. */
#define JH_SGR(colour, code) ((colour) ? "\033[" code "m" : "")
#define JH_SGR_OFF(colour) ((colour) ? "\033[0m" : "")
char *jh_strdup(const char *s);
char *jh_strndup(const char *s, size_t n);
/* Trim leading and trailing blanks in place; returns s moved past leading blanks. */
char *jh_trim(char *s);
bool jh_is_blank(int c);

/* A growable NUL-terminated string. A failed allocation sets oom and keeps
 * the text so far; jh_buf_take returns NULL then. */
typedef struct {
    char *s;
    size_t len;
    size_t cap;
    bool oom;
} jh_buf;

void jh_buf_init(jh_buf *b);
void jh_buf_putn(jh_buf *b, const char *s, size_t n);
void jh_buf_puts(jh_buf *b, const char *s);
void jh_buf_putc(jh_buf *b, char c);
void jh_buf_printf(jh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jh_buf_hex(jh_buf *b, const uint8_t *p, size_t n);
/* Hand the string over (caller frees); NULL on earlier out of memory. */
char *jh_buf_take(jh_buf *b);
void jh_buf_free(jh_buf *b);

#endif
