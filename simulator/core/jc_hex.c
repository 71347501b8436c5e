/*
 * jc_hex.c: hex digits in and out (jc_hex.h).
 */
#include "jc_hex.h"

#include <stdbool.h>

int jc_hex_nibble(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int jc_hex_decode(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; s[0] != '\0'; s += 2) {
        int hi = jc_hex_nibble((unsigned char)s[0]);
        int lo = hi < 0 ? -1 : jc_hex_nibble((unsigned char)s[1]);
        if (lo < 0 || n >= cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
    }
    return (int)n;
}

int jc_hex_decode_sep(const char *s, size_t n, const char *skip, uint8_t *out, size_t cap)
{
    size_t len = 0;
    int hi = -1;
    for (size_t i = 0; i < n && s[i] != '\0'; i++) {
        int c = (unsigned char)s[i];
        bool skipped = false;
        for (const char *k = skip; k && *k; k++)
            if (c == (unsigned char)*k)
                skipped = true;
        if (skipped)
            continue;
        int v = jc_hex_nibble(c);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (len >= cap)
                return -1;
            out[len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (int)len : -1;
}

void jc_hex_encode(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}
