/*
 * jc_apdu.c: C-APDU parsing (ISO 7816-3 §12.1.3 and ISO 7816-4 §5.1) and the
 * response builder. First step of jc_card_process; everything after it sees
 * only a well-formed jc_apdu.
 */
#include "jc_apdu.h"

#include <string.h>

#include "jc_err.h"
#include "jc_sw.h"

static uint16_t parse_fail(jc_apdu *out)
{
    memset(out, 0, sizeof(*out));
    return JC_SW_WRONG_LENGTH;
}

uint16_t jc_apdu_parse(const uint8_t *buf, size_t len, jc_apdu *out)
{
    if (!out)
        return JC_SW_WRONG_LENGTH;
    if (!buf || len < 4)
        return parse_fail(out);
    out->cla = buf[0];
    out->ins = buf[1];
    out->p1 = buf[2];
    out->p2 = buf[3];
    out->lc = 0;
    out->data = NULL;
    out->le = 0;
    out->has_le = false;
    out->extended = false;
    out->raw = buf;
    out->raw_len = len;

    if (len == 4) { /* case 1 */
        out->apdu_case = 1;
        return 0;
    }
    size_t body = len - 4;
    uint8_t b0 = buf[4];
    if (body == 1) { /* case 2S */
        out->apdu_case = 2;
        out->has_le = true;
        out->le = b0 ? b0 : 256u;
        return 0;
    }
    if (b0 != 0) {             /* short, Lc = b0 */
        if (body == 1u + b0) { /* case 3S */
            out->apdu_case = 3;
            out->lc = b0;
            out->data = buf + 5;
            return 0;
        }
        if (body == 2u + b0) { /* case 4S */
            out->apdu_case = 4;
            out->lc = b0;
            out->data = buf + 5;
            out->has_le = true;
            out->le = buf[len - 1] ? buf[len - 1] : 256u;
            return 0;
        }
        return parse_fail(out);
    }
    /* b0 == 0 and body >= 2: extended length */
    if (body < 3)
        return parse_fail(out);
    uint32_t n = ((uint32_t)buf[5] << 8) | buf[6];
    out->extended = true;
    if (body == 3) { /* case 2E */
        out->apdu_case = 2;
        out->has_le = true;
        out->le = n ? n : 65536u;
        return 0;
    }
    if (n == 0) /* extended Lc of zero is not a valid encoding */
        return parse_fail(out);
    if (body == 3u + n) { /* case 3E */
        out->apdu_case = 3;
        out->lc = n;
        out->data = buf + 7;
        return 0;
    }
    if (body == 5u + n) { /* case 4E */
        uint32_t le = ((uint32_t)buf[len - 2] << 8) | buf[len - 1];
        out->apdu_case = 4;
        out->lc = n;
        out->data = buf + 7;
        out->has_le = true;
        out->le = le ? le : 65536u;
        return 0;
    }
    return parse_fail(out);
}

int jc_resp_put(jc_resp *r, const void *p, size_t n)
{
    if (n > r->cap - r->len)
        return JC_ERR_BUFFER;
    if (n)
        memcpy(r->buf + r->len, p, n);
    r->len += n;
    return 0;
}

int jc_resp_put_u8(jc_resp *r, uint8_t b)
{
    if (r->len >= r->cap)
        return JC_ERR_BUFFER;
    r->buf[r->len++] = b;
    return 0;
}

uint8_t *jc_resp_reserve(jc_resp *r, size_t n)
{
    if (n > r->cap - r->len)
        return NULL;
    uint8_t *p = r->buf + r->len;
    r->len += n;
    return p;
}
