/*
 * jh_expect.c: the expectation matcher (language in jh_expect.h). Each
 * alternative is compiled into a list of byte tests (value + nibble mask) and
 * star tokens, then matched with the classic greedy glob algorithm that
 * remembers the last star for backtracking: linear in practice, never
 * exponential.
 */
#include "jh_expect.h"
#include "jc_hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jh_util.h"

typedef struct {
    uint8_t star; /* 1 = any run of bytes */
    uint8_t value;
    uint8_t mask; /* bits that must equal value */
} tok;

static int nib(int c, uint8_t *v, uint8_t *m)
{
    int h = jc_hex_nibble(c);
    if (h >= 0) {
        *v = (uint8_t)h;
        *m = 0xF;
    } else if (c == '?' || c == 'x' || c == 'X') {
        *v = 0;
        *m = 0;
    } else {
        return -1;
    }
    return 0;
}

/* Compile alternative s[0..n) into toks (cap >= n + 1). Returns count or -1. */
static int compile(const char *s, size_t n, tok *toks, char *err, size_t errcap)
{
    int nt = 0;
    int half = 0;
    uint8_t hv = 0, hm = 0;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (jh_is_blank(c))
            continue;
        any = true;
        if (c == '*') {
            if (half) {
                snprintf(err, errcap, "odd number of hex digits before '*'");
                return -1;
            }
            if (nt == 0 || !toks[nt - 1].star)
                toks[nt++] = (tok){.star = 1};
            continue;
        }
        uint8_t v, m;
        if (nib(c, &v, &m) < 0) {
            snprintf(err, errcap, "unexpected character '%c' (hex digit, ?, x, * or | expected)",
                     c >= 0x20 && c < 0x7F ? c : '?');
            return -1;
        }
        if (!half) {
            hv = v;
            hm = m;
            half = 1;
        } else {
            toks[nt++] = (tok){.value = (uint8_t)(hv << 4 | v), .mask = (uint8_t)(hm << 4 | m)};
            half = 0;
        }
    }
    if (!any) {
        snprintf(err, errcap, "empty alternative");
        return -1;
    }
    if (half) {
        snprintf(err, errcap, "odd number of hex digits");
        return -1;
    }
    return nt;
}

static int glob(const tok *t, size_t nt, const uint8_t *b, size_t n)
{
    size_t ti = 0, bi = 0;
    size_t star_t = (size_t)-1, star_b = 0;
    while (bi < n) {
        if (ti < nt && !t[ti].star && (b[bi] & t[ti].mask) == (t[ti].value & t[ti].mask)) {
            ti++;
            bi++;
        } else if (ti < nt && t[ti].star) {
            star_t = ti++;
            star_b = bi;
        } else if (star_t != (size_t)-1) {
            ti = star_t + 1;
            bi = ++star_b;
        } else {
            return 0;
        }
    }
    while (ti < nt && t[ti].star)
        ti++;
    return ti == nt;
}

/* Walk the alternatives; when b is NULL only check. */
static int run(const char *pattern, const uint8_t *b, size_t n, char *err, size_t errcap)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errcap = sizeof dummy;
    }
    size_t plen = strlen(pattern);
    tok *toks = malloc((plen + 1) * sizeof *toks);
    if (!toks) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    int matched = 0;
    const char *p = pattern;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t alen = bar ? (size_t)(bar - p) : strlen(p);
        int nt = compile(p, alen, toks, err, errcap);
        if (nt < 0) {
            free(toks);
            return -1;
        }
        if (b && !matched && glob(toks, (size_t)nt, b, n))
            matched = 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    free(toks);
    return matched;
}

int jh_expect_check(const char *pattern, char *err, size_t errcap)
{
    return run(pattern, NULL, 0, err, errcap) < 0 ? -1 : 0;
}

int jh_expect_match(const char *pattern, const uint8_t *b, size_t n)
{
    static const uint8_t none[1] = {0};
    return run(pattern, b ? b : none, b ? n : 0, NULL, 0);
}
