/*
 * jc_hex.h: hex digits in and out, the one implementation every layer uses
 * (the daemon's and tools' options, the harness's scripts and expectations,
 * the fuzz targets' seeds). Pure: no I/O.
 */
#ifndef JC_HEX_H
#define JC_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
int jc_hex_nibble(int c);

/* Decode a whole NUL-terminated string of hex digits (no separators, even
 * count) into out. Returns the number of bytes, or -1 for an odd count, a
 * non-hex character, or more than cap bytes. */
int jc_hex_decode(const char *s, uint8_t *out, size_t cap);

/* Decode at most n characters of s (stopping at a NUL) into out, skipping
 * every character of `skip` (separators: " \t" for spaces, ":-" for MAC-style
 * groups). Returns the number of bytes, or -1 for a character that is neither
 * hex nor skipped, an odd digit count, or more than cap bytes. */
int jc_hex_decode_sep(const char *s, size_t n, const char *skip, uint8_t *out, size_t cap);

/* Write 2*n upper-case hex digits and a NUL into out (room for 2n+1). */
void jc_hex_encode(const uint8_t *b, size_t n, char *out);

#endif
