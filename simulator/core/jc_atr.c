/*
 * jc_atr.c: the ATR from the configuration block in the memory window
 * (DESIGN.md §4 "ATR"). jc_card latches it at power-on (cold block) and at a
 * warm reset (warm block, cold + profile->atr_warm_offset).
 *
 * Layout of a block (jcop-facts §2, S5): an interface field `len T0 iface...`
 * and a historical field `len hist...`. The ATR is TS, T0 (stored high nibble,
 * historical count as low nibble), the interface bytes as stored, the
 * historical bytes and TCK (XOR of T0..last). A configuration whose lengths do
 * not fit their fields, or whose interface bytes disagree with the Y/TD
 * indicators, is "malformed": it is served anyway with lengths clamped.
 */
#include <string.h>

#include "jc_atr.h"
#include "jc_err.h"

/* Number of interface bytes that T0 and the TDi chain announce, given the
 * bytes actually stored (iface[0..n)). Returns SIZE_MAX on a chain that runs
 * past the stored bytes. */
static size_t iface_expected(uint8_t t0, const uint8_t *iface, size_t n)
{
    size_t need = 0;
    uint8_t y = (uint8_t)(t0 >> 4);
    for (;;) {
        size_t here = (size_t)((y & 1u) + ((y >> 1) & 1u) + ((y >> 2) & 1u) + ((y >> 3) & 1u));
        need += here;
        if (!(y & 0x8u))
            return need;
        if (need > n)
            return (size_t)-1;
        y = (uint8_t)(iface[need - 1] >> 4); /* TDi is the last byte of this group */
    }
}

size_t jc_atr_build(const jc_profile *p, const uint8_t *mem, bool warm, uint8_t *atr, size_t cap,
                    bool *malformed)
{
    uint32_t off = warm ? p->atr_warm_offset : 0;
    const uint8_t *fi = mem + (p->atr_iface_addr + off - JC_MEM_BASE);
    const uint8_t *fh = mem + (p->atr_hist_addr + off - JC_MEM_BASE);
    bool bad = false;

    /* Interface field: len, then T0 and interface bytes (len counts T0). */
    size_t ilen = fi[0];
    size_t imax = (size_t)p->atr_iface_field_len - 1u;
    if (imax > 16u)
        imax = 16u;
    if (ilen == 0 || ilen > imax) {
        bad = true;
        ilen = ilen == 0 ? 1u : imax;
    }
    uint8_t t0 = fi[1];
    size_t niface = ilen - 1u;
    if (iface_expected(t0, fi + 2, niface) != niface)
        bad = true;

    size_t hlen = fh[0];
    size_t hmax = (size_t)p->atr_hist_field_len - 1u;
    if (hmax > 15u)
        hmax = 15u;
    if (hlen > hmax) {
        bad = true;
        hlen = hmax;
    }

    size_t total = 2u + niface + hlen + 1u;
    if (total > JC_ATR_MAX) { /* cannot happen with the clamps, but never overrun */
        bad = true;
        niface = JC_ATR_MAX - 3u - hlen;
        total = JC_ATR_MAX;
    }
    if (malformed)
        *malformed = bad;
    if (cap < total)
        return 0;
    size_t i = 0;
    atr[i++] = p->atr_ts;
    atr[i++] = (uint8_t)((t0 & 0xF0u) | (uint8_t)hlen);
    memcpy(atr + i, fi + 2, niface);
    i += niface;
    memcpy(atr + i, fh + 1, hlen);
    i += hlen;
    uint8_t tck = 0;
    for (size_t k = 1; k < i; k++)
        tck ^= atr[k];
    atr[i++] = tck;
    return i;
}
