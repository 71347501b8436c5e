/*
 * jc_sw.c: names and texts of status words (jc_sw.h). The card answers with
 * the numbers; the harness, the tools and the trace explain them through here.
 * Ranges (61xx, 6Cxx, 63Cx) are recognised before the table lookup.
 */
#include "jc_sw.h"

#include <stddef.h>

typedef struct {
    uint16_t sw;
    const char *name;
    const char *text;
} jc_sw_entry;

static const jc_sw_entry sw_table[] = {
#define JC_SW_ROW(v, sym, txt) {.sw = (v), .name = #sym, .text = (txt)},
    JC_SW_LIST(JC_SW_ROW)
#undef JC_SW_ROW
};

static const jc_sw_entry *sw_find(uint16_t sw)
{
    for (size_t i = 0; i < sizeof(sw_table) / sizeof(sw_table[0]); i++)
        if (sw_table[i].sw == sw)
            return &sw_table[i];
    return NULL;
}

const char *jc_sw_name(uint16_t sw)
{
    if ((sw & 0xFF00u) == 0x6100u)
        return "BYTES_REMAINING";
    if ((sw & 0xFF00u) == 0x6C00u)
        return "WRONG_LE";
    if ((sw & 0xFFF0u) == 0x63C0u)
        return "COUNTER";
    const jc_sw_entry *e = sw_find(sw);
    return e ? e->name : "UNKNOWN_SW";
}

/* Small formatter: text + decimal number, no stdio in the core. */
static const char *fmt_range(char *buf, unsigned cap, const char *prefix, unsigned n,
                             const char *suffix, const char *fallback)
{
    if (!buf || cap == 0)
        return fallback;
    unsigned i = 0;
    for (const char *p = prefix; *p && i + 1 < cap; p++)
        buf[i++] = *p;
    char digits[4];
    unsigned nd = 0;
    do {
        digits[nd++] = (char)('0' + n % 10u);
        n /= 10u;
    } while (n && nd < sizeof(digits));
    while (nd && i + 1 < cap)
        buf[i++] = digits[--nd];
    for (const char *p = suffix; *p && i + 1 < cap; p++)
        buf[i++] = *p;
    buf[i] = '\0';
    return buf;
}

const char *jc_sw_text(uint16_t sw, char *buf, unsigned cap)
{
    if ((sw & 0xFF00u) == 0x6100u)
        return fmt_range(buf, cap, "", (sw & 0xFFu) ? (sw & 0xFFu) : 256u,
                         " more bytes available (GET RESPONSE)", "more bytes available");
    if ((sw & 0xFF00u) == 0x6C00u)
        return fmt_range(buf, cap,
                         "wrong Le: resend with Le = ", (sw & 0xFFu) ? (sw & 0xFFu) : 256u, "",
                         "wrong Le");
    if ((sw & 0xFFF0u) == 0x63C0u)
        return fmt_range(buf, cap, "verification failed, ", sw & 0x0Fu, " tries left",
                         "verification failed (counter)");
    const jc_sw_entry *e = sw_find(sw);
    return e ? e->text : "unknown status word";
}
