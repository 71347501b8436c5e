/*
 * jh_expect.h: expectations on card answers (R-APDU or ATR bytes).
 *
 * Language: hex digits, case-insensitive, blanks ignored; `?` or `x` (or `X`)
 * stands for any nibble; `*` for any run of bytes (possibly empty); `|`
 * separates alternatives (the answer must match one). An alternative matches
 * the WHOLE answer, SW included, so `9000` means "no data, SW 9000" and
 * `*9000` "any data, SW 9000". Examples: `*9000`, `61??`, `63C?`, `6F*9000`,
 * `9000|6A82`, `3BF8 13 00 00 81 31 FE 45 *`. Between two `*` (and at the
 * ends) the digits must pair up into whole bytes.
 *
 * The runner judges every step that has an expectation with jh_expect_match;
 * the parsers call jh_expect_check to report a malformed pattern with its line.
 */
#ifndef JH_EXPECT_H
#define JH_EXPECT_H

#include <stddef.h>
#include <stdint.h>

/* 0 when pattern is well formed, -1 otherwise (err gets a short reason). */
int jh_expect_check(const char *pattern, char *err, size_t errcap);
/* 1 when b[0..n) matches pattern, 0 when not, -1 for a malformed pattern. */
int jh_expect_match(const char *pattern, const uint8_t *b, size_t n);

#endif
