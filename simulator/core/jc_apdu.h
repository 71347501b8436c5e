/*
 * jc_apdu.h: the one C-APDU parser and the bounded response builder.
 *
 * jc_card_process hands the raw C-APDU to jc_apdu_parse, which yields one
 * jc_apdu (ISO 7816-3 §12.1 cases 1-4, short and extended) or the status word
 * of a malformed command. Handlers see only the parsed struct and write their
 * response data through jc_resp, a builder over the card's fixed buffer
 * (sized for extended APDUs): no allocation while an APDU is processed.
 */
#ifndef JC_APDU_H
#define JC_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t cla, ins, p1, p2;
    uint32_t lc;         /* Nc: number of data bytes (0 when absent) */
    const uint8_t *data; /* points into the caller's C-APDU; NULL when lc == 0 */
    uint32_t le;         /* Ne: 0 when absent; Le=00 -> 256 (short), 0000 -> 65536 (extended) */
    bool has_le;
    bool extended;
    uint8_t apdu_case;  /* 1..4 */
    const uint8_t *raw; /* the whole C-APDU as received (for an applet runtime) */
    size_t raw_len;
} jc_apdu;

/* Parse buf[0..len). Returns 0 and fills *out, or the status word for a
 * malformed command (6700); *out is then zeroed. Never reads past len. */
uint16_t jc_apdu_parse(const uint8_t *buf, size_t len, jc_apdu *out);

/* 24-bit memory address CLA || P1 || P2 (READ/WRITE MEMORY). */
static inline uint32_t jc_apdu_addr24(const jc_apdu *a)
{
    return ((uint32_t)a->cla << 16) | ((uint32_t)a->p1 << 8) | a->p2;
}

/* Response data builder over a fixed buffer. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
} jc_resp;

static inline void jc_resp_init(jc_resp *r, uint8_t *buf, size_t cap)
{
    r->buf = buf;
    r->cap = cap;
    r->len = 0;
}
static inline void jc_resp_clear(jc_resp *r)
{
    r->len = 0;
}
static inline size_t jc_resp_room(const jc_resp *r)
{
    return r->cap - r->len;
}
/* Append n bytes; returns 0 or JC_ERR_BUFFER (nothing appended). */
int jc_resp_put(jc_resp *r, const void *p, size_t n);
int jc_resp_put_u8(jc_resp *r, uint8_t b);
/* Reserve n bytes at the end and return a pointer to fill, or NULL. */
uint8_t *jc_resp_reserve(jc_resp *r, size_t n);

#endif
