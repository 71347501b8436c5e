/*
 * jc_t0.c: T=0 answers over jc_card_process (jc_t0.h).
 */
#include "jc_t0.h"

#include <string.h>

void jc_t0_reset(jc_t0 *t)
{
    t->pending = false;
    t->replay = false;
    t->len = 0;
    t->off = 0;
    t->note = NULL;
}

static int put_sw(uint8_t *r, size_t cap, uint8_t sw1, uint8_t sw2)
{
    if (cap < 2)
        return JC_ERR_BUFFER;
    r[0] = sw1;
    r[1] = sw2;
    return 2;
}

/* Give n kept bytes from the current offset, then sw1 sw2. */
static int give(jc_t0 *t, size_t n, uint8_t *r, size_t cap, uint8_t sw1, uint8_t sw2)
{
    if (cap < n + 2)
        return JC_ERR_BUFFER;
    memcpy(r, t->data + t->off, n);
    t->off += n;
    r[n] = sw1;
    r[n + 1] = sw2;
    return (int)n + 2;
}

/* GET RESPONSE with an answer kept: Le bytes (00 = 256). */
static int get_response(jc_t0 *t, uint8_t le_byte, uint8_t *r, size_t cap)
{
    size_t left = t->len - t->off;
    size_t le = le_byte ? le_byte : 256u;
    if (le > left) {
        t->note = "T=0: GET RESPONSE asks for more than is left: 6Cxx with what is left";
        return put_sw(r, cap, 0x6C, (uint8_t)left);
    }
    if (le < left) {
        size_t after = left - le;
        t->note = "T=0: GET RESPONSE, more data left (61xx)";
        return give(t, le, r, cap, 0x61, after >= 256 ? 0x00 : (uint8_t)after);
    }
    t->note = "T=0: GET RESPONSE, the last piece with the command's status word";
    int n = give(t, le, r, cap, t->sw1, t->sw2);
    jc_t0_reset(t);
    t->note = "T=0: GET RESPONSE, the last piece with the command's status word";
    return n;
}

int jc_t0_transmit(jc_t0 *t, jc_card *card, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    t->note = NULL;
    if (n >= 5 && c[1] == 0xC0 && (c[0] & 0xFCu) == 0x00 && c[2] == 0 && c[3] == 0 && n == 5 &&
        t->pending && !t->replay)
        return get_response(t, c[4], r, cap);
    /* the case-2 command answered 6Cxx, sent again with Le = xx */
    if (t->pending && t->replay && n == 5 && memcmp(c, t->hdr, 4) == 0 &&
        (c[4] ? c[4] : 256u) == t->len) {
        int k = give(t, t->len, r, cap, t->sw1, t->sw2);
        jc_t0_reset(t);
        t->note = "T=0: the command again with the right Le: the kept answer, not run twice";
        return k;
    }
    jc_t0_reset(t);
    int rn = jc_card_process(card, c, n, r, cap);
    if (rn <= 2)
        return rn;
    size_t dlen = (size_t)rn - 2;
    uint8_t sw1 = r[dlen], sw2 = r[dlen + 1];
    bool extended = n >= 7 && c[4] == 0x00;
    if (extended || dlen > sizeof(t->data))
        return rn;
    if (sw1 != 0x90 && sw1 != 0x62 && sw1 != 0x63) {
        t->note = "T=0: an error status word carries no data: the data is dropped";
        return put_sw(r, cap, sw1, sw2);
    }
    bool case2 = n == 5;
    size_t le = case2 ? (c[4] ? c[4] : 256u) : 0;
    if (case2 && le == dlen)
        return rn;
    memcpy(t->data, r, dlen);
    t->len = dlen;
    t->off = 0;
    t->sw1 = sw1;
    t->sw2 = sw2;
    t->pending = true;
    if (case2 && dlen <= 256) {
        t->replay = true;
        memcpy(t->hdr, c, 4);
        t->note = "T=0: wrong Le for this answer: 6Cxx, the answer kept for the command again";
        return put_sw(r, cap, 0x6C, (uint8_t)dlen);
    }
    t->note = "T=0: answer data kept for GET RESPONSE (61xx)";
    return put_sw(r, cap, 0x61, dlen >= 256 ? 0x00 : (uint8_t)dlen);
}

int jc_t0_atr(const uint8_t *atr, size_t len, uint8_t *out, size_t cap)
{
    if (len < 2 || (atr[0] != 0x3B && atr[0] != 0x3F))
        return JC_ERR_FORMAT;
    uint8_t y = atr[1] >> 4, k = atr[1] & 0x0Fu;
    size_t i = 2;
    bool has_a = y & 1, has_b = y & 2, has_c = y & 4, more = y & 8;
    size_t first = i; /* TA1 TB1 TC1, copied as they are */
    i += (size_t)has_a + has_b + has_c;
    if (i > len)
        return JC_ERR_FORMAT;
    bool tck = false;
    while (more) { /* skip TD1, TD2, ... and the bytes they announce */
        if (i >= len)
            return JC_ERR_FORMAT;
        uint8_t td = atr[i++];
        if ((td & 0x0Fu) != 0)
            tck = true; /* a protocol other than T=0 offered: the ATR has a TCK */
        uint8_t yi = td >> 4;
        i += (size_t)((yi & 1) + ((yi >> 1) & 1) + ((yi >> 2) & 1));
        more = yi & 8;
    }
    if (i + k + (tck ? 1u : 0u) != len)
        return JC_ERR_FORMAT;
    size_t need = 2u + has_a + has_b + has_c + k;
    if (cap < need)
        return JC_ERR_BUFFER;
    size_t o = 0, n1 = (size_t)has_a + has_b + has_c;
    out[o++] = atr[0];
    out[o++] = (uint8_t)(((has_a ? 1 : 0) | (has_b ? 2 : 0) | (has_c ? 4 : 0)) << 4 | k);
    memcpy(out + o, atr + first, n1);
    o += n1;
    memcpy(out + o, atr + i, k);
    return (int)(o + k);
}
