/*
 * jh_explain.c: turns one exchange (C-APDU + R-APDU) into plain-language
 * lines and follows the card's state across a transcript.
 *
 * Flow: jh_explain_exchange parses the C-APDU (ISO 7816-4 cases 1-4, short
 * and extended), picks a describer from the command table below by CLA/INS
 * and by what the transcript says about the card (unfused root applet or
 * fused ISD), lets it name the command and decode the answer, explains the
 * status word with the shared table (jc_sw.h), then applies the state change
 * the answer implies and states it. Nothing here talks to a card.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jc_apdu.h"
#include "jc_card.h"
#include "jc_cmd.h"
#include "jc_crypto.h"
#include "jc_hex.h"
#include "jc_profile.h"
#include "jc_sw.h"
#include "jh_explain.h"

/* ---- small helpers ------------------------------------------------------ */

typedef struct {
    bool ok;  /* well-formed ISO 7816-4 APDU */
    bool ext; /* extended length */
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;
    size_t lc;
    bool has_le;
    size_t le;
} jh_apdu;

/* The card's own parser (jc_apdu.h) decides what is well-formed; the header
 * bytes of a malformed command are kept so it can still be named. */
static void jh_apdu_parse(const uint8_t *b, size_t n, jh_apdu *a)
{
    memset(a, 0, sizeof *a);
    if (n < 4)
        return;
    jc_apdu c;
    a->ok = jc_apdu_parse(b, n, &c) == 0;
    a->cla = b[0];
    a->ins = b[1];
    a->p1 = b[2];
    a->p2 = b[3];
    if (!a->ok) {
        a->ext = n > 7 && b[4] == 0;
        return;
    }
    a->ext = c.extended;
    a->data = c.lc ? c.data : NULL;
    a->lc = c.lc;
    a->has_le = c.has_le;
    a->le = c.le;
}

__attribute__((format(printf, 3, 4))) static void jh_add(jh_explanation *x, jh_xline_kind k,
                                                         const char *fmt, ...)
{
    if (x->n >= JH_XLINES_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->line[x->n].text, JH_XLINE_MAX, fmt, ap);
    va_end(ap);
    x->line[x->n].kind = k;
    x->n++;
}

/* Hex of b[0..n) into buf (truncated with "..." when too long). */
static const char *jh_hex(char *buf, size_t cap, const uint8_t *b, size_t n)
{
    size_t o = 0;
    if (cap == 0)
        return buf;
    for (size_t i = 0; i < n; i++) {
        if (o + 2 + 4 >= cap) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        jc_hex_encode(b + i, 1, buf + o); /* two digits and a NUL */
        o += 2;
    }
    buf[o] = 0;
    return buf;
}

/* Printable ASCII of b, '.' for the rest. */
static const char *jh_ascii(char *buf, size_t cap, const uint8_t *b, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        buf[o++] = (b[i] >= 0x20 && b[i] < 0x7F) ? (char)b[i] : '.';
    buf[o] = 0;
    return buf;
}

int jh_hex_parse(const char *s, uint8_t *out, size_t cap)
{
    if (!s)
        return 0;
    return jc_hex_decode_sep(s, (size_t)-1, " \t:-\r\n", out, cap); /* the one hex codec */
}

/* ---- names -------------------------------------------------------------- */

const char *jh_state_text(int s)
{
    switch (s) {
    case JC_CS_OFF:
        return "powered off";
    case JC_CS_UNFUSED_IDLE:
        return "unfused, nothing selected";
    case JC_CS_ROOT_SELECTED:
        return "unfused, root applet selected";
    case JC_CS_BOOTED:
        return "unfused, booted (memory open)";
    case JC_CS_BOOTED_PROTECTED:
        return "unfused, booted and protected";
    case JC_CS_OP_READY:
        return "fused, OP_READY";
    case JC_CS_INITIALIZED:
        return "fused, INITIALIZED";
    case JC_CS_SECURED:
        return "fused, SECURED";
    case JC_CS_CARD_LOCKED:
        return "fused, CARD_LOCKED";
    case JC_CS_TERMINATED:
        return "fused, TERMINATED";
    default:
        return "unknown";
    }
}

const char *jh_lcs_name(uint8_t lcs)
{
    return jc_lcs_name(lcs); /* the core's one table */
}

/* A fused card with an unknown life-cycle byte is taken as OP_READY. */
static int jh_lcs_state(uint8_t lcs)
{
    jc_card_state s = jc_lcs_state(lcs);
    return s == JC_CS_OFF ? JC_CS_OP_READY : (int)s;
}

/* Life cycle of an application / load file entry in GET STATUS. */
static const char *jh_app_lcs_name(uint8_t scope, uint8_t lcs)
{
    if (scope == 0x80)
        return jh_lcs_name(lcs);
    if (scope == 0x20 || scope == 0x10)
        return lcs == 0x01 ? "LOADED" : "unknown";
    if (lcs == 0x03)
        return "INSTALLED";
    if (lcs == 0x07)
        return "SELECTABLE";
    if (lcs == 0x0F)
        return "PERSONALIZED";
    if ((lcs & 0x83) == 0x83)
        return "LOCKED";
    return "application-specific";
}

/* Is aid[0..n) the IDENTIFY AID (isd false) or the ISD AID (isd true) of
 * one of the card's profiles (jc_profile.h)? */
static bool jh_profile_aid(const uint8_t *aid, size_t n, bool isd)
{
    for (size_t i = 0; i < jc_profile_count(); i++) {
        const jc_profile *p = jc_profile_at(i);
        const uint8_t *b = isd ? p->isd_aid.b : p->identify_aid;
        size_t len = isd ? p->isd_aid.len : p->identify_aid_len;
        if (n && n == len && memcmp(aid, b, n) == 0)
            return true;
    }
    return false;
}

/* ---- the card view ------------------------------------------------------ */

static int jh_view_state(const jh_card_view *v)
{
    if (!v->known)
        return -1;
    if (v->fused)
        return jh_lcs_state(v->card_lcs);
    if (v->sel != JH_SEL_ROOT)
        return JC_CS_UNFUSED_IDLE;
    if (!v->booted)
        return JC_CS_ROOT_SELECTED;
    return v->protect_sent ? JC_CS_BOOTED_PROTECTED : JC_CS_BOOTED;
}

void jh_explain_init(jh_explainer *ex, const char *profile)
{
    memset(ex, 0, sizeof *ex);
    if (profile)
        snprintf(ex->profile, sizeof ex->profile, "%s", profile);
    ex->view.card_state = -1;
    ex->view.cm_lifecycle = -1;
}

void jh_explain_assume(jh_explainer *ex, int card_state, uint8_t card_lcs)
{
    jh_card_view *v = &ex->view;
    v->known = card_state >= 0;
    v->fused = card_state >= JC_CS_OP_READY;
    v->booted = card_state == JC_CS_BOOTED || card_state == JC_CS_BOOTED_PROTECTED;
    v->protect_sent = card_state == JC_CS_BOOTED_PROTECTED;
    v->sel = (card_state >= JC_CS_ROOT_SELECTED && card_state <= JC_CS_BOOTED_PROTECTED)
                 ? JH_SEL_ROOT
             : v->fused ? JH_SEL_ISD
                        : JH_SEL_NONE;
    v->card_lcs = v->fused ? (card_lcs ? card_lcs : 0x01) : 0;
    if (v->fused && !card_lcs) {
        static const uint8_t map[] = {[JC_CS_OP_READY] = 0x01,
                                      [JC_CS_INITIALIZED] = 0x07,
                                      [JC_CS_SECURED] = 0x0F,
                                      [JC_CS_CARD_LOCKED] = 0x7F,
                                      [JC_CS_TERMINATED] = 0xFF};
        if (card_state < (int)sizeof map)
            v->card_lcs = map[card_state];
    }
    v->sc = JH_SC_NONE;
    v->card_state = card_state == JC_CS_OFF ? JC_CS_OFF : jh_view_state(v);
}

void jh_explain_set_keys(jh_explainer *ex, const uint8_t keys[3][16], void *crypto)
{
    ex->have_keys = keys && crypto;
    ex->crypto = ex->have_keys ? crypto : NULL;
    if (ex->have_keys)
        memcpy(ex->key, keys, sizeof ex->key);
    else
        memset(ex->key, 0, sizeof ex->key);
    ex->have_session = false;
}

/* ---- decoders of answers ------------------------------------------------ */

/* IDENTIFY after the ROM info: the combo byte (S10, S11), and a 20th byte some
 * cards send (S9) whose meaning no public source gives. */
static void jh_decode_identify_tail(jh_explanation *x, const uint8_t *d, size_t n)
{
    if (n >= 19)
        jh_add(x, JH_XL_DETAIL,
               "combo %02X (byte 18, named COMBO by S10; its coding is not public)", d[18]);
    if (n >= 20)
        jh_add(x, JH_XL_DETAIL, "byte 19 = %02X: sent by some cards, meaning not public", d[19]);
}

static void jh_decode_identify(jh_explanation *x, const uint8_t *d, size_t n)
{
    char h[64], a[16];
    if (n < 15) {
        jh_add(x, JH_XL_DETAIL, "IDENTIFY data too short (%zu bytes) to decode", n);
        return;
    }
    jh_add(x, JH_XL_DETAIL,
           "IDENTIFY: fabkey %02X, patch %02X, target %02X%s, mask id %02X, custom mask %s", d[0],
           d[1], d[2], d[2] == 0x01 ? " (SmartMX)" : "", d[3], jh_hex(h, sizeof h, d + 4, 4));
    jh_add(x, JH_XL_DETAIL, "mask name \"%s\", FUSE STATE (byte 14) = %02X: %s",
           jh_ascii(a, sizeof a, d + 8, 6), d[14],
           d[14] == 0x00   ? "the card is NOT fused (pre-personalization still possible)"
           : d[14] == 0x01 ? "the card is fused (a GlobalPlatform card)"
                           : "unknown fuse state value");
    if (n >= 18)
        jh_add(x, JH_XL_DETAIL, "ROM info %s%s", jh_hex(h, sizeof h, d + 15, 3), n >= 19 ? "" : "");
    jh_decode_identify_tail(x, d, n);
}

/* Walk a BER-TLV list; calls back for each (tag, value). Returns false on a malformed list. */
typedef void (*jh_tlv_fn)(void *ctx, unsigned tag, const uint8_t *v, size_t n);
static bool jh_tlv_walk(const uint8_t *d, size_t n, jh_tlv_fn fn, void *ctx)
{
    size_t i = 0;
    while (i < n) {
        unsigned tag = d[i++];
        if ((tag & 0x1F) == 0x1F) {
            if (i >= n)
                return false;
            tag = tag << 8 | d[i++];
        }
        if (i >= n)
            return false;
        size_t len = d[i++];
        if (len == 0x81) {
            if (i >= n)
                return false;
            len = d[i++];
        } else if (len == 0x82) {
            if (i + 1 >= n)
                return false;
            len = (size_t)d[i] << 8 | d[i + 1];
            i += 2;
        } else if (len > 0x80) {
            return false;
        }
        if (len > n - i)
            return false;
        fn(ctx, tag, d + i, len);
        i += len;
    }
    return true;
}

/* An OID's value bytes in dotted form ("1.2.840.114283.2.2.1.1"). */
static const char *jh_oid_text(char *buf, size_t cap, const uint8_t *v, size_t n)
{
    size_t used = 0;
    unsigned long arc = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used + 24 < cap; i++) {
        arc = arc << 7 | (v[i] & 0x7Fu);
        if (v[i] & 0x80)
            continue;
        if (i == 0 || used == 0) {
            unsigned long first = arc < 80 ? arc / 40 : 2;
            used += (size_t)snprintf(buf + used, cap - used, "%lu.%lu", first, arc - first * 40);
        } else {
            used += (size_t)snprintf(buf + used, cap - used, ".%lu", arc);
        }
        arc = 0;
    }
    return buf;
}

/* GlobalPlatform's arc, 1.2.840.114283 (S12 appendix F). */
static const uint8_t jh_gp_oid[] = {0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B};

/* One object of card recognition data (tag 73 of the FCI, or inside GET DATA 0066):
 * each is an OID saying what the card is and speaks. */
static void jh_crd_item(void *ctx, unsigned tag, const uint8_t *v, size_t n)
{
    jh_explanation *x = ctx;
    char o[96];
    const uint8_t *oid = v;
    size_t on = n;
    if (tag != 0x06) { /* 60, 63..66 wrap one OID */
        if (n < 2 || v[0] != 0x06 || v[1] > n - 2)
            return;
        oid = v + 2;
        on = v[1];
    }
    bool gp = on > sizeof jh_gp_oid && memcmp(oid, jh_gp_oid, sizeof jh_gp_oid) == 0;
    const uint8_t *rest = oid + sizeof jh_gp_oid;
    size_t rn = gp ? on - sizeof jh_gp_oid : 0;
    jh_oid_text(o, sizeof o, oid, on);
    switch (tag) {
    case 0x06:
        jh_add(x, JH_XL_DETAIL, "  recognition data: %s%s", o,
               gp && rn == 1 && rest[0] == 1 ? " = GlobalPlatform card recognition data" : "");
        break;
    case 0x60:
        if (gp && rn >= 2 && rest[0] == 2) {
            char ver[16] = "";
            size_t u = 0;
            for (size_t i = 1; i < rn && u + 4 < sizeof ver; i++)
                u += (size_t)snprintf(ver + u, sizeof ver - u, i > 1 ? ".%u" : "%u", rest[i]);
            jh_add(x, JH_XL_DETAIL, "  GlobalPlatform version %s (%s)", ver, o);
        } else {
            jh_add(x, JH_XL_DETAIL, "  card management type and version: %s", o);
        }
        break;
    case 0x63:
        jh_add(x, JH_XL_DETAIL, "  card identification scheme: %s%s", o,
               gp && rn == 1 && rest[0] == 3 ? " (GlobalPlatform's)" : "");
        break;
    case 0x64:
        if (gp && rn == 3 && rest[0] == 4)
            jh_add(x, JH_XL_DETAIL, "  secure channel: SCP%02X with i=%02X (%s)", rest[1], rest[2],
                   o);
        else
            jh_add(x, JH_XL_DETAIL, "  secure channel protocol: %s", o);
        break;
    case 0x65:
        jh_add(x, JH_XL_DETAIL, "  card configuration details: %s", o);
        break;
    case 0x66:
        jh_add(x, JH_XL_DETAIL, "  card/chip details: %s%s", o,
               on >= 7 && oid[0] == 0x2B && oid[1] == 0x06 && oid[5] == 0x2A
                   ? " (Java Card platform, Sun's arc 1.3.6.1.4.1.42)"
                   : "");
        break;
    default:
        break;
    }
}

/* Card recognition data (GP 2.1.1 appendix F): tag 73's contents. */
static void jh_decode_recognition_data(jh_explanation *x, const uint8_t *v, size_t n)
{
    if (!jh_tlv_walk(v, n, jh_crd_item, x))
        jh_add(x, JH_XL_DETAIL, "  (the card recognition data is malformed)");
}

/* The privileges byte of GP 2.1.1 (Table 9-7), bit by bit. */
static const char *jh_privileges_text(char *buf, size_t cap, uint8_t p)
{
    static const char *const bit[8] = {"mandated DAP verification",
                                       "CVM management",
                                       "default selected",
                                       "card terminate",
                                       "card lock",
                                       "delegated management",
                                       "DAP verification",
                                       "security domain"};
    size_t used = 0;
    buf[0] = '\0';
    for (int b = 7; b >= 0; b--)
        if (p & (1u << b))
            used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0, "%s%s",
                                     used ? ", " : "", bit[b]);
    if (!p)
        snprintf(buf, cap, "none");
    return buf;
}

static void jh_fci_item(void *ctx, unsigned tag, const uint8_t *v, size_t n)
{
    jh_explanation *x = ctx;
    char h[80];
    switch (tag) {
    case 0x6F:
        jh_tlv_walk(v, n, jh_fci_item, ctx);
        break;
    case 0xA5:
        jh_tlv_walk(v, n, jh_fci_item, ctx);
        break;
    case 0x84:
        jh_add(x, JH_XL_DETAIL, "FCI: selected AID %s", jh_hex(h, sizeof h, v, n));
        break;
    case 0x9F65:
        jh_add(x, JH_XL_DETAIL, "FCI: maximum command length %u bytes", n ? v[0] : 0);
        break;
    case 0x9F6E:
        jh_add(x, JH_XL_DETAIL, "FCI: 9F6E %s (CPLC OS id, release date, release level)",
               jh_hex(h, sizeof h, v, n));
        break;
    case 0x73:
        jh_add(x, JH_XL_DETAIL, "FCI: security domain management data (card recognition data):");
        jh_decode_recognition_data(x, v, n);
        break;
    default:
        break;
    }
}

typedef struct {
    jh_explanation *x;
} jh_kit_ctx;

static void jh_kit_item(void *ctx, unsigned tag, const uint8_t *v, size_t n)
{
    jh_explanation *x = ctx;
    if (tag == 0xE0) {
        jh_tlv_walk(v, n, jh_kit_item, ctx);
    } else if (tag == 0xC0 && n >= 4) {
        jh_add(x, JH_XL_DETAIL, "key id %u, version %02X, type %02X%s, %u bytes", v[0], v[1], v[2],
               v[2] == 0x80   ? " (DES)"
               : v[2] == 0x88 ? " (AES)"
                              : "",
               v[3]);
    }
}

static const char *const jh_cplc_names[] = {"IC fabricator",
                                            "IC type",
                                            "OS id",
                                            "OS release date",
                                            "OS release level",
                                            "IC fabrication date",
                                            "IC serial number",
                                            "IC batch identifier",
                                            "IC module fabricator",
                                            "IC module packaging date",
                                            "ICC manufacturer",
                                            "IC embedding date",
                                            "IC pre-personalizer",
                                            "IC pre-perso equipment date",
                                            "IC pre-perso equipment id",
                                            "IC personalizer",
                                            "IC personalization date",
                                            "IC personalization equipment id"};
static const uint8_t jh_cplc_len[] = {2, 2, 2, 2, 2, 2, 4, 2, 2, 2, 2, 2, 2, 2, 4, 2, 2, 4};

static void jh_decode_cplc(jh_explanation *x, const uint8_t *d, size_t n)
{
    char h[16];
    if (n >= 3 && d[0] == 0x9F && d[1] == 0x7F) {
        d += 3;
        n -= 3;
    }
    size_t o = 0;
    char line[JH_XLINE_MAX];
    size_t lo = 0;
    line[0] = 0;
    for (size_t i = 0; i < sizeof jh_cplc_len && o + jh_cplc_len[i] <= n; i++) {
        int w = snprintf(line + lo, sizeof line - lo, "%s%s %s", lo ? ", " : "", jh_cplc_names[i],
                         jh_hex(h, sizeof h, d + o, jh_cplc_len[i]));
        if (w < 0 || (size_t)w >= sizeof line - lo) {
            jh_add(x, JH_XL_DETAIL, "CPLC: %s", line);
            lo = 0;
            line[0] = 0;
            snprintf(line, sizeof line, "%s %s", jh_cplc_names[i],
                     jh_hex(h, sizeof h, d + o, jh_cplc_len[i]));
            lo = strlen(line);
        } else {
            lo += (size_t)w;
        }
        if (i == 0 && d[o] == 0x47 && d[o + 1] == 0x90) {
            int w2 = snprintf(line + lo, sizeof line - lo, " (NXP)");
            if (w2 > 0 && (size_t)w2 < sizeof line - lo)
                lo += (size_t)w2;
        }
        o += jh_cplc_len[i];
    }
    if (lo)
        jh_add(x, JH_XL_DETAIL, "CPLC: %s", line);
}

/* GET DATA 0066: 66 L 73 L {recognition data}; with CLA 00 the value only (73 ...). */
static void jh_card_data_item(void *ctx, unsigned tag, const uint8_t *v, size_t n)
{
    if (tag == 0x66)
        jh_tlv_walk(v, n, jh_card_data_item, ctx);
    else if (tag == 0x73)
        jh_decode_recognition_data(ctx, v, n);
}

static void jh_decode_card_data(jh_explanation *x, const uint8_t *d, size_t n)
{
    if (!jh_tlv_walk(d, n, jh_card_data_item, x))
        jh_add(x, JH_XL_DETAIL, "  (the card data is malformed)");
}

static void jh_decode_get_data(jh_explanation *x, unsigned tag, const uint8_t *d, size_t n)
{
    char h[100];
    if (!n)
        return;
    switch (tag) {
    case 0x9F7F:
        jh_decode_cplc(x, d, n);
        break;
    case 0x00E0:
        jh_tlv_walk(d, n, jh_kit_item, x);
        break;
    case 0x0066:
        jh_add(x, JH_XL_DETAIL, "card recognition data (%zu bytes):", n);
        jh_decode_card_data(x, d, n);
        break;
    case 0x00C1: {
        const uint8_t *v = d;
        size_t m = n;
        if (m >= 2 && d[0] == 0xC1) {
            v = d + 2;
            m -= 2;
        }
        if (m >= 2)
            jh_add(x, JH_XL_DETAIL, "sequence counter %02X%02X", v[0], v[1]);
        break;
    }
    default:
        jh_add(x, JH_XL_DETAIL, "data %s", jh_hex(h, sizeof h, d, n));
        break;
    }
}

static const char *jh_get_data_name(unsigned tag)
{
    switch (tag) {
    case 0x9F7F:
        return "CPLC (card production life cycle data)";
    case 0x0042:
        return "IIN (issuer identification number)";
    case 0x0045:
        return "CIN (card image number)";
    case 0x00CF:
        return "KDD (key diversification data)";
    case 0x00C1:
        return "SCP02 sequence counter";
    case 0x0066:
        return "Card Data (card recognition data)";
    case 0x0067:
        return "Card Capabilities";
    case 0x00E0:
        return "Key Information Template";
    case 0x9F6E:
        return "application production life cycle data";
    default:
        return "an object this tool does not know";
    }
}

/* A privileges byte, spelled out under the line that shows it. */
static void jh_explain_privileges(jh_explanation *x, uint8_t p)
{
    char t[200];
    jh_add(x, JH_XL_DETAIL, "  privileges %02X = %s", p, jh_privileges_text(t, sizeof t, p));
}

/* GET STATUS answer, TLV (E3) or legacy format. */
typedef struct {
    jh_explanation *x;
    uint8_t scope;
    char aid[40], lcs[40], priv[8];
} jh_gs_ctx;

static void jh_gs_item(void *ctx, unsigned tag, const uint8_t *v, size_t n)
{
    jh_gs_ctx *c = ctx;
    char h[40];
    if (tag == 0xE3) {
        c->aid[0] = c->lcs[0] = c->priv[0] = 0;
        jh_tlv_walk(v, n, jh_gs_item, ctx);
        jh_add(c->x, JH_XL_DETAIL, "%s %s: life cycle %s%s%s",
               c->scope == 0x80   ? "ISD"
               : c->scope == 0x40 ? "application"
                                  : "load file",
               c->aid, c->lcs, c->priv[0] ? ", privileges " : "", c->priv);
        if (c->priv[0])
            jh_explain_privileges(c->x, (uint8_t)strtoul(c->priv, NULL, 16));
    } else if (tag == 0x4F) {
        jh_hex(c->aid, sizeof c->aid, v, n);
    } else if (tag == 0x9F70 && n >= 1) {
        snprintf(c->lcs, sizeof c->lcs, "%s (%02X)", jh_app_lcs_name(c->scope, v[0]), v[0]);
    } else if (tag == 0xC5 && n >= 1) {
        snprintf(c->priv, sizeof c->priv, "%02X", v[0]);
    } else if (tag == 0x84) {
        jh_add(c->x, JH_XL_DETAIL, "  module %s", jh_hex(h, sizeof h, v, n));
    }
}

static void jh_decode_get_status(jh_explanation *x, uint8_t p1, uint8_t p2, const uint8_t *d,
                                 size_t n)
{
    char h[40];
    if (!n)
        return;
    if (d[0] == 0xE3) {
        jh_gs_ctx c = {.x = x, .scope = p1};
        if (!jh_tlv_walk(d, n, jh_gs_item, &c))
            jh_add(x, JH_XL_DETAIL, "(the TLV records are malformed)");
        return;
    }
    size_t i = 0;
    while (i < n) {
        size_t al = d[i];
        if (i + 1 + al + 2 > n)
            break;
        const uint8_t *aid = d + i + 1;
        uint8_t lcs = d[i + 1 + al], priv = d[i + 2 + al];
        i += 3 + al;
        jh_add(x, JH_XL_DETAIL, "%s %s: life cycle %s (%02X), privileges %02X",
               p1 == 0x80   ? "ISD"
               : p1 == 0x40 ? "application"
                            : "load file",
               jh_hex(h, sizeof h, aid, al), jh_app_lcs_name(p1, lcs), lcs, priv);
        if (p1 != 0x20 && p1 != 0x10)
            jh_explain_privileges(x, priv);
        if (p1 == 0x10 && i < n) {
            size_t nm = d[i++];
            for (size_t k = 0; k < nm && i < n; k++) {
                size_t ml = d[i++];
                if (i + ml > n)
                    break;
                jh_add(x, JH_XL_DETAIL, "  module %s", jh_hex(h, sizeof h, d + i, ml));
                i += ml;
            }
        }
    }
    (void)p2;
}

/* ---- command describers -------------------------------------------------- */

typedef struct {
    jh_explainer *ex;
    jh_explanation *x;
    const jh_apdu *a;
    const uint8_t *rd; /* response data (without SW) */
    size_t rn;
    uint16_t sw;
    bool answered;
    const uint8_t *pd; /* plain data of a wrapped command (without C-MAC), NULL if encrypted */
    size_t pn;
    bool encrypted;
} jh_ctx;

static bool jh_ok(const jh_ctx *c)
{
    return c->answered && c->sw == 0x9000;
}

static void jh_mem_name(jh_ctx *c, uint32_t addr, uint32_t len, char *out, size_t cap)
{
    jh_field f;
    uint32_t off;
    if (jh_field_find(c->ex->profile, addr, &f, &off) == 0) {
        if (off == 0 && len == f.len)
            snprintf(out, cap, "%s", f.name);
        else if (off == 0)
            snprintf(out, cap, "%s (%u of %u bytes)", f.name, len, f.len);
        else
            snprintf(out, cap, "%s +%u", f.name, off);
    } else if (addr >= 0xC00123 && addr < 0xC00146) {
        snprintf(out, cap, "cold-start configuration +0x%02X", addr - 0xC00123);
    } else if (addr >= 0xC00146 && addr < 0xC00169) {
        snprintf(out, cap, "warm-start configuration +0x%02X", addr - 0xC00146);
    } else if (addr >= 0xC00169 && addr < 0xC00200) {
        snprintf(out, cap, "contactless configuration +0x%02X", addr - 0xC00169);
    } else {
        snprintf(out, cap, "no named field");
    }
}

/* 6A82 to a SELECT by transport key: what the user does about it. jcop-replay's
 * in-process card has a random transport key unless --kt gives one. */
static void jh_explain_wrong_kt(jh_explanation *x)
{
    jh_add(x, JH_XL_DETAIL,
           "6A82 here: wrong transport key (or a card already fused, its root applet gone): give "
           "the card's key with --kt or use --image (jcop-replay's default card has a random "
           "transport key)");
}

static void jh_cmd_select(jh_ctx *c)
{
    jh_card_view *v = &c->ex->view;
    const jh_apdu *a = c->a;
    char h[80];
    bool identify = jh_profile_aid(a->data, a->lc, false);
    bool isd = jh_profile_aid(a->data, a->lc, true);
    if (a->p1 != 0x04) {
        snprintf(c->x->name, sizeof c->x->name, "SELECT");
        jh_add(c->x, JH_XL_COMMAND, "SELECT with P1=%02X (not by DF name)", a->p1);
    } else if (identify) {
        snprintf(c->x->name, sizeof c->x->name, "SELECT IDENTIFY");
        jh_add(c->x, JH_XL_COMMAND,
               "SELECT the JCOP IDENTIFY application: asks the card who it is (answers data with "
               "6A82)");
        if (c->rn) {
            jh_decode_identify(c->x, c->rd, c->rn);
            if (c->rn >= 15 && (c->rd[14] == 0 || c->rd[14] == 1)) {
                bool fused = c->rd[14] == 1;
                if (!v->known || v->fused != fused) {
                    v->known = true;
                    v->fused = fused;
                    if (fused && !v->card_lcs)
                        v->card_lcs = 0x01;
                }
            }
        }
        /* On the JCOP model IDENTIFY counts as any other SELECT: the root
         * applet is deselected and BOOT is lost (a profile decision). */
        if (v->known && !v->fused && v->sel == JH_SEL_ROOT) {
            v->sel = JH_SEL_NONE;
            v->booted = false;
            jh_add(c->x, JH_XL_DETAIL,
                   "IDENTIFY deselects the root applet: BOOT is lost (model decision)");
        }
        return;
    } else if (a->lc == 0) {
        snprintf(c->x->name, sizeof c->x->name, "SELECT (default)");
        jh_add(c->x, JH_XL_COMMAND,
               "SELECT with an empty AID: selects the Issuer Security Domain of a fused card");
    } else if (isd) {
        snprintf(c->x->name, sizeof c->x->name, "SELECT ISD");
        jh_add(c->x, JH_XL_COMMAND, "SELECT the Issuer Security Domain %s",
               jh_hex(h, sizeof h, a->data, a->lc));
    } else if (a->lc == 16 && !(v->known && v->fused)) {
        snprintf(c->x->name, sizeof c->x->name, "SELECT (transport key)");
        jh_add(c->x, JH_XL_COMMAND,
               "SELECT by DF name with a 16-byte name: the transport key (KT) that opens the root "
               "applet "
               "of an unfused JCOP");
    } else {
        snprintf(c->x->name, sizeof c->x->name, "SELECT");
        jh_add(c->x, JH_XL_COMMAND, "SELECT application %s", jh_hex(h, sizeof h, a->data, a->lc));
    }
    if (!c->answered)
        return;
    if (c->rn)
        jh_tlv_walk(c->rd, c->rn, jh_fci_item, c->x);
    bool kt_like = a->p1 == 0x04 && a->lc == 16 && !isd;
    if (c->sw == 0x9000 || c->sw == 0x6283) {
        if (kt_like && !(v->known && v->fused) && c->rn == 0) {
            v->known = true;
            v->fused = false;
            v->sel = JH_SEL_ROOT;
            v->booted = false;
        } else if (isd || a->lc == 0 || (c->rn && c->rd[0] == 0x6F && v->fused)) {
            if (!v->fused || !v->known) {
                v->known = true;
                v->fused = true;
                if (!v->card_lcs)
                    v->card_lcs = c->sw == 0x6283 ? 0x7F : 0x01;
            }
            v->sel = JH_SEL_ISD;
            v->sc = JH_SC_NONE;
        } else {
            v->sel = JH_SEL_OTHER;
            v->sc = JH_SC_NONE;
        }
        if (c->sw == 0x6283)
            jh_add(c->x, JH_XL_DETAIL, "6283 on SELECT: the card is CARD_LOCKED");
    } else {
        if (v->known && !v->fused) {
            if (kt_like && c->sw == 0x6A82)
                jh_explain_wrong_kt(c->x);
            v->sel = JH_SEL_NONE;
            v->booted = false;
        } else if (v->known && v->fused) {
            if (v->sc != JH_SC_NONE)
                jh_add(c->x, JH_XL_DETAIL,
                       "a failed SELECT ends the secure channel; the ISD stays selected");
            v->sc = JH_SC_NONE;
        } else if (kt_like && c->sw == 0x6A82) {
            jh_explain_wrong_kt(c->x);
        }
    }
}

static bool jh_root_context(const jh_card_view *v)
{
    /* The pre-personalization commands make sense unless the card is known to be fused. */
    return !(v->known && v->fused);
}

static void jh_cmd_boot(jh_ctx *c)
{
    jh_card_view *v = &c->ex->view;
    snprintf(c->x->name, sizeof c->x->name, "BOOT");
    jh_add(c->x, JH_XL_COMMAND,
           "BOOT (JCOP pre-personalization): opens the memory for READ/WRITE MEMORY, PROTECT and "
           "FUSE");
    if (jh_ok(c)) {
        v->known = true;
        v->fused = false;
        v->sel = JH_SEL_ROOT;
        v->booted = true;
        jh_add(c->x, JH_XL_WARN,
               "from here an all-zero APDU (00 00 00 00) is FUSE: check every byte you send");
    }
}

static void jh_cmd_protect(jh_ctx *c)
{
    jh_card_view *v = &c->ex->view;
    snprintf(c->x->name, sizeof c->x->name, "PROTECT");
    c->x->irreversible = true;
    jh_add(c->x, JH_XL_COMMAND,
           "PROTECT (JCOP pre-personalization): closes memory writes before FUSE (sent after the "
           "writes)");
    if (jh_ok(c)) {
        v->protect_sent = true;
        v->booted = true;
        v->sel = JH_SEL_ROOT;
        v->known = true;
        v->fused = false;
    }
}

/* Why FUSE cannot be taken back: the card has no command left that could. */
static void jh_explain_why_fuse_is_final(jh_explanation *x)
{
    jh_add(x, JH_XL_DETAIL,
           "why it cannot be undone: FUSE deletes the root applet, the only application that "
           "answers BOOT, READ/WRITE MEMORY, PROTECT and FUSE; the fused card is a GlobalPlatform "
           "card, and no GlobalPlatform command recreates that applet or reopens its memory, so "
           "nothing sent to the card afterwards can bring pre-personalization back");
}

/* INITIALIZE UPDATE refused: what the status word says about the key sets. */
static void jh_explain_init_update_refused(jh_ctx *c)
{
    if (!c->answered)
        return;
    if (c->sw == 0x6A88)
        jh_add(c->x, JH_XL_DETAIL,
               "6A88: the card holds no key set with version %02X (referenced data not found); a "
               "freshly fused card has one key set, version FF (the CM_KEY records): ask for 00 "
               "(the first key set) or FF, or add a set with PUT KEY first",
               c->a->p1);
}

static void jh_cmd_fuse(jh_ctx *c)
{
    jh_card_view *v = &c->ex->view;
    snprintf(c->x->name, sizeof c->x->name, "FUSE");
    c->x->irreversible = true;
    jh_add(
        c->x, JH_XL_COMMAND,
        "FUSE (00 00 00 00): ends pre-personalization for ever; the root applet disappears and the "
        "GlobalPlatform ISD takes over with the keys from CM_KEY 1-3");
    jh_add(c->x, JH_XL_WARN, "FUSE is irreversible");
    jh_explain_why_fuse_is_final(c->x);
    if (c->a->lc)
        jh_add(c->x, JH_XL_DETAIL, "FUSE carries no data: this one has %zu bytes", c->a->lc);
    if (jh_ok(c)) {
        bool unprotected = !v->protect_sent;
        v->known = true;
        v->fused = true;
        v->booted = false;
        v->protect_sent = false;
        v->sel = JH_SEL_NONE;
        v->sc = JH_SC_NONE;
        uint8_t lc = v->cm_lifecycle >= 0 ? (uint8_t)v->cm_lifecycle : 0x01;
        if (lc != 0x01 && lc != 0x07 && lc != 0x0F) {
            if (v->cm_lifecycle >= 0)
                jh_add(c->x, JH_XL_WARN,
                       "CM_LIFECYCLE was written %02X, not 01/07/0F: the card starts OP_READY", lc);
            lc = 0x01;
        }
        v->card_lcs = lc;
        if (v->cm_lifecycle < 0)
            jh_add(c->x, JH_XL_DETAIL,
                   "CM_LIFECYCLE was not written in this transcript: the life cycle comes from its "
                   "stored value");
        if (!v->any_write)
            jh_add(c->x, JH_XL_WARN,
                   "no WRITE MEMORY in this transcript: the card keeps the CM keys it had (read "
                   "them before fusing!)");
        if (unprotected)
            jh_add(c->x, JH_XL_WARN, "the card was fused without PROTECT");
    }
}

/* A named field and its label. The label is the field's; when the field's own
 * text says part of it is assumed (the CM_KEY records exist at these addresses,
 * their ENC/MAC/DEK mapping is a model decision), the label says which part it
 * covers, so "[confirmed]" never stands beside "mapping assumed". */
static void jh_explain_field(jh_explanation *x, const jh_field *f)
{
    if (strcmp(f->label, "assumed") != 0 && strstr(f->what, "assumed"))
        jh_add(x, JH_XL_DETAIL, "%s: %s [%s, except what it says is assumed]", f->name, f->what,
               f->label);
    else
        jh_add(x, JH_XL_DETAIL, "%s: %s [%s]", f->name, f->what, f->label);
}

static bool jh_shadow_has(const jh_explainer *ex, uint32_t addr, size_t n)
{
    if (addr < JH_SHADOW_BASE || addr - JH_SHADOW_BASE + n > JH_SHADOW_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint32_t k = addr - JH_SHADOW_BASE + (uint32_t)i;
        if (!(ex->mem_known[k / 8] & (1u << (k % 8))))
            return false;
    }
    return true;
}

static void jh_shadow_store(jh_explainer *ex, uint32_t addr, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t a = addr + (uint32_t)i;
        if (a < JH_SHADOW_BASE || a - JH_SHADOW_BASE >= JH_SHADOW_LEN)
            continue;
        uint32_t k = a - JH_SHADOW_BASE;
        ex->mem_seen[k] = d[i];
        ex->mem_known[k / 8] |= (uint8_t)(1u << (k % 8));
    }
}

/* A WRITE's data: before -> after when this transcript showed the bytes before
 * (a READ, an earlier WRITE), the new bytes alone otherwise. The line starts
 * with "new bytes" either way: the tools hide it for secrets. */
static void jh_explain_new_bytes(jh_ctx *c, uint32_t addr, const uint8_t *d, size_t n)
{
    char h[100], b[100];
    if (jh_shadow_has(c->ex, addr, n))
        jh_add(c->x, JH_XL_DETAIL, "new bytes (before -> after): %s -> %s",
               jh_hex(b, sizeof b, c->ex->mem_seen + (addr - JH_SHADOW_BASE), n),
               jh_hex(h, sizeof h, d, n));
    else
        jh_add(c->x, JH_XL_DETAIL,
               "new bytes %s (the bytes before were not read in this transcript)",
               jh_hex(h, sizeof h, d, n));
    if (jh_ok(c))
        jh_shadow_store(c->ex, addr, d, n);
}

/* A READ that spans several named fields (C0B0012323 reads the whole cold-start
 * configuration block): each field inside it with its value, the ATR parts
 * decoded. */
static void jh_decode_fields_in(jh_ctx *c, uint32_t addr, const uint8_t *d, size_t n)
{
    int count = jh_field_count(c->ex->profile), shown = 0;
    for (int i = 0; i < count; i++) {
        jh_field f;
        char h[100], a[40];
        if (jh_field_get(c->ex->profile, i, &f) != 0 || f.addr < addr || f.addr >= addr + n ||
            (f.addr == addr && f.len >= n))
            continue;
        size_t len = f.len < addr + n - f.addr ? f.len : addr + n - f.addr;
        const uint8_t *v = d + (f.addr - addr);
        if (strstr(f.name, "HIST") && len >= 1)
            jh_add(c->x, JH_XL_DETAIL, "  %s = %s: length %u, historical bytes \"%s\" [%s]", f.name,
                   jh_hex(h, sizeof h, v, len), v[0],
                   jh_ascii(a, sizeof a, v + 1, len - 1 < v[0] ? len - 1 : v[0]), f.label);
        else if (strstr(f.name, "T0_IFACE") && len >= 2)
            jh_add(c->x, JH_XL_DETAIL,
                   "  %s = %s: length %u, T0 %02X (its low nibble is replaced by the number of "
                   "historical bytes), interface bytes %s [%s]",
                   f.name, jh_hex(h, sizeof h, v, len), v[0], v[1],
                   jh_hex(a, sizeof a, v + 2, len - 2), f.label);
        else
            jh_add(c->x, JH_XL_DETAIL, "  %s = %s: %s [%s]", f.name, jh_hex(h, sizeof h, v, len),
                   f.what, f.label);
        shown++;
    }
    (void)shown;
}

static void jh_cmd_memory(jh_ctx *c, bool write)
{
    jh_card_view *v = &c->ex->view;
    const jh_apdu *a = c->a;
    uint32_t addr = (uint32_t)a->cla << 16 | (uint32_t)a->p1 << 8 | a->p2;
    uint32_t len = write ? (uint32_t)a->lc : (uint32_t)(a->has_le ? a->le : 0);
    char fname[96], h[100];
    jh_mem_name(c, addr, len ? len : 1, fname, sizeof fname);
    snprintf(c->x->name, sizeof c->x->name, write ? "WRITE MEMORY" : "READ MEMORY");
    c->x->mem_addr = addr;
    c->x->mem_len = len;
    jh_add(c->x, JH_XL_COMMAND, "%s 0x%06X, %u byte%s = %s", write ? "WRITE MEMORY" : "READ MEMORY",
           addr, len, len == 1 ? "" : "s", fname);
    jh_field f;
    uint32_t off;
    if (jh_field_find(c->ex->profile, addr, &f, &off) == 0 && off == 0)
        jh_explain_field(c->x, &f);
    if (write && a->lc) {
        jh_explain_new_bytes(c, addr, a->data, a->lc);
        uint32_t lca = jh_profile_cm_lifecycle_addr(c->ex->profile);
        if (addr <= lca && addr + a->lc > lca) {
            uint8_t val = a->data[lca - addr];
            jh_add(c->x, JH_XL_DETAIL, "CM_LIFECYCLE := %02X: after FUSE the card will be %s", val,
                   (val == 0x01 || val == 0x07 || val == 0x0F)
                       ? jh_lcs_name(val)
                       : "OP_READY (the value is not 01/07/0F)");
            if (jh_ok(c))
                v->cm_lifecycle = val;
        }
        if (jh_ok(c)) {
            v->any_write = true;
            c->x->changed_memory = true;
        }
    }
    if (!write && jh_ok(c) && c->rn) {
        jh_add(c->x, JH_XL_DETAIL, "read %s", jh_hex(h, sizeof h, c->rd, c->rn));
        jh_shadow_store(c->ex, addr, c->rd, c->rn);
        jh_decode_fields_in(c, addr, c->rd, c->rn);
    }
    if (jh_ok(c) && !v->known) {
        v->known = true;
        v->fused = false;
        v->sel = JH_SEL_ROOT;
        v->booted = true;
    }
    if (c->answered && c->sw == 0x6B00)
        jh_add(c->x, JH_XL_DETAIL, "the range is outside the memory window [0xC000F0, 0xC09600)");
    if (c->answered && c->sw == 0x6985 && !v->booted)
        jh_add(c->x, JH_XL_DETAIL, "memory commands need BOOT first");
    if (c->answered && c->sw == 0x6982 && write)
        jh_add(c->x, JH_XL_DETAIL, "after PROTECT the memory cannot be written");
}

/* With the static keys: derive S-ENC and the session DEK, check the card cryptogram. */
static void jh_check_card_cryptogram(jh_ctx *c, const uint8_t *d)
{
    jh_explainer *ex = c->ex;
    jc_crypto *cr = ex->crypto;
    uint16_t counter = (uint16_t)(d[12] << 8 | d[13]);
    uint8_t cc[8];
    if (jc_scp02_derive(cr, ex->key[0], JC_SCP02_CONST_ENC, counter, ex->s_enc) != 0 ||
        jc_scp02_derive(cr, ex->key[2], JC_SCP02_CONST_DEK, counter, ex->s_dek) != 0 ||
        jc_scp02_card_cryptogram(cr, ex->s_enc, ex->host_chal, counter, d + 14, cc) != 0) {
        jh_add(c->x, JH_XL_WARN, "cannot check the card cryptogram (crypto failure)");
        return;
    }
    if (memcmp(cc, d + 20, 8) == 0) {
        ex->have_session = true;
        jh_add(c->x, JH_XL_DETAIL, "card cryptogram checked with the given keys: correct");
    } else {
        jh_add(c->x, JH_XL_WARN,
               "card cryptogram does NOT match the given keys: the card holds other keys");
    }
}

static void jh_cmd_init_update(jh_ctx *c)
{
    jh_card_view *v = &c->ex->view;
    const jh_apdu *a = c->a;
    char h[40];
    snprintf(c->x->name, sizeof c->x->name, "INITIALIZE UPDATE");
    jh_add(c->x, JH_XL_COMMAND,
           "INITIALIZE UPDATE (SCP02 step 1): key version %02X%s, host challenge %s", a->p1,
           a->p1 == 0 ? " (= the first key set)" : "", jh_hex(h, sizeof h, a->data, a->lc));
    v->sc = JH_SC_NONE;
    c->ex->have_session = false;
    if (a->lc == 8)
        memcpy(c->ex->host_chal, a->data, 8);
    if (jh_ok(c) && c->rn >= 28) {
        const uint8_t *d = c->rd;
        if (c->ex->have_keys && a->lc == 8)
            jh_check_card_cryptogram(c, d);
        jh_add(c->x, JH_XL_DETAIL, "key diversification data %s", jh_hex(h, sizeof h, d, 10));
        jh_add(c->x, JH_XL_DETAIL, "key version %02X, SCP %02X, sequence counter %02X%02X", d[10],
               d[11], d[12], d[13]);
        jh_add(c->x, JH_XL_DETAIL, "card challenge %s", jh_hex(h, sizeof h, d + 14, 6));
        jh_add(c->x, JH_XL_DETAIL, "card cryptogram %s", jh_hex(h, sizeof h, d + 20, 8));
        v->sc = JH_SC_INIT;
        v->kvn = d[10];
        if (!v->known || !v->fused) {
            v->known = true;
            v->fused = true;
            if (!v->card_lcs)
                v->card_lcs = 0x01;
        }
        v->sel = JH_SEL_ISD;
    } else if (jh_ok(c)) {
        jh_add(c->x, JH_XL_DETAIL, "answer of %zu bytes (SCP02 gives 28)", c->rn);
    } else {
        jh_explain_init_update_refused(c);
    }
}

static void jh_cmd_ext_auth(jh_ctx *c)
{
    jh_card_view *v = &c->ex->view;
    const jh_apdu *a = c->a;
    static const char *const lv[] = {[0x00] = "00: no secure messaging",
                                     [0x01] = "01: C-MAC on every command",
                                     [0x03] = "03: C-DEC and C-MAC (data encrypted)"};
    const char *lname = a->p1 < 4 && lv[a->p1] ? lv[a->p1] : "an unusual level";
    snprintf(c->x->name, sizeof c->x->name, "EXTERNAL AUTHENTICATE");
    jh_add(c->x, JH_XL_COMMAND, "EXTERNAL AUTHENTICATE (SCP02 step 2): security level %s", lname);
    if (a->lc >= 16) {
        char h[40], m[40];
        jh_add(c->x, JH_XL_DETAIL, "host cryptogram %s, C-MAC %s", jh_hex(h, sizeof h, a->data, 8),
               jh_hex(m, sizeof m, a->data + 8, 8));
    }
    if (v->sc != JH_SC_INIT)
        jh_add(c->x, JH_XL_DETAIL,
               "no INITIALIZE UPDATE answered just before this in the transcript");
    if (jh_ok(c)) {
        v->sc = JH_SC_OPEN;
        v->sc_level = a->p1;
    } else if (c->answered) {
        v->sc = JH_SC_NONE;
        if (c->sw == 0x6300)
            jh_add(c->x, JH_XL_DETAIL, "the card did not accept the host cryptogram: wrong keys?");
    }
}

static void jh_cmd_get_data(jh_ctx *c)
{
    unsigned tag = (unsigned)c->a->p1 << 8 | c->a->p2;
    snprintf(c->x->name, sizeof c->x->name, "GET DATA");
    jh_add(c->x, JH_XL_COMMAND, "GET DATA %04X: %s", tag, jh_get_data_name(tag));
    if (jh_ok(c))
        jh_decode_get_data(c->x, tag, c->rd, c->rn);
}

static void jh_cmd_get_status(jh_ctx *c)
{
    const jh_apdu *a = c->a;
    const char *scope = a->p1 == 0x80   ? "the Issuer Security Domain"
                        : a->p1 == 0x40 ? "applications and security domains"
                        : a->p1 == 0x20 ? "executable load files"
                        : a->p1 == 0x10 ? "executable load files and their modules"
                                        : "an unusual scope";
    snprintf(c->x->name, sizeof c->x->name, "GET STATUS");
    jh_add(c->x, JH_XL_COMMAND, "GET STATUS: list %s (%s format%s)", scope,
           (a->p2 & 0x02) ? "TLV" : "legacy", (a->p2 & 0x01) ? ", next page" : "");
    c->ex->last_status_p1 = a->p1;
    if (c->answered && (c->sw == 0x9000 || c->sw == 0x6310))
        jh_decode_get_status(c->x, a->p1, a->p2, c->rd, c->rn);
    if (c->answered && c->sw == 0x6A88)
        jh_add(c->x, JH_XL_DETAIL,
               "nothing in this scope (real JCOP cards answer 6A88 for an empty scope)");
}

static void jh_cmd_set_status(jh_ctx *c)
{
    jh_card_view *v = &c->ex->view;
    const jh_apdu *a = c->a;
    snprintf(c->x->name, sizeof c->x->name, "SET STATUS");
    if (a->p1 == 0x80) {
        jh_add(c->x, JH_XL_COMMAND, "SET STATUS of the card: to %s (%02X)", jh_lcs_name(a->p2),
               a->p2);
        if (a->p2 == 0x07 || a->p2 == 0x0F || a->p2 == 0x7F || a->p2 == 0xFF) {
            c->x->irreversible = a->p2 != 0x7F;
            if (a->p2 == 0xFF)
                jh_add(c->x, JH_XL_WARN,
                       "TERMINATED is final: the card answers GET DATA only afterwards");
            else if (a->p2 != 0x7F)
                jh_add(c->x, JH_XL_WARN, "%s cannot be undone", jh_lcs_name(a->p2));
        }
        if (jh_ok(c)) {
            v->known = true;
            v->fused = true;
            v->card_lcs = a->p2;
        }
    } else {
        char h[40];
        jh_add(c->x, JH_XL_COMMAND, "SET STATUS of %s %s: life cycle %02X",
               a->p1 == 0x40   ? "application"
               : a->p1 == 0x60 ? "security domain and its applications"
                               : "entry",
               jh_hex(h, sizeof h, c->pd, c->pn), a->p2);
    }
}

static void jh_cmd_put_key(jh_ctx *c)
{
    const jh_apdu *a = c->a;
    char h[40];
    snprintf(c->x->name, sizeof c->x->name, "PUT KEY");
    if (a->p1 == 0)
        jh_add(c->x, JH_XL_COMMAND, "PUT KEY: add a new key set, starting at key id %u%s",
               a->p2 & 0x7F, (a->p2 & 0x80) ? ", several keys" : "");
    else
        jh_add(c->x, JH_XL_COMMAND, "PUT KEY: replace key set %02X, starting at key id %u%s", a->p1,
               a->p2 & 0x7F, (a->p2 & 0x80) ? ", several keys" : "");
    if (c->pd && c->pn >= 1) {
        jh_add(c->x, JH_XL_DETAIL, "new key version %02X", c->pd[0]);
        size_t i = 1;
        unsigned k = 0;
        while (i + 2 <= c->pn) {
            uint8_t type = c->pd[i], len = c->pd[i + 1];
            if (i + 2 + len + 1 > c->pn)
                break;
            uint8_t kl = c->pd[i + 2 + len];
            if (i + 3 + len + kl > c->pn)
                break;
            jh_add(c->x, JH_XL_DETAIL,
                   "key %u: type %02X%s, %u bytes encrypted with the session DEK, check value %s",
                   ++k, type, type == 0x80 ? " (DES)" : "", len,
                   jh_hex(h, sizeof h, c->pd + i + 3 + len, kl));
            if (c->ex->have_session && len == 16 && kl == 3) {
                uint8_t key[16], kcv[3];
                if (jc_3des_ecb(c->ex->crypto, false, c->ex->s_dek, c->pd + i + 2, 16, key) == 0 &&
                    jc_kcv(c->ex->crypto, key, kcv) == 0) {
                    bool good = memcmp(kcv, c->pd + i + 3 + len, 3) == 0;
                    jh_add(c->x, good ? JH_XL_DETAIL : JH_XL_WARN,
                           "key %u decrypted with the session DEK: its check value %s", k,
                           good ? "matches" : "does NOT match (the card will refuse it)");
                }
                memset(key, 0, sizeof key);
            }
            i += 3 + (size_t)len + kl;
        }
    } else if (c->encrypted) {
        jh_add(c->x, JH_XL_DETAIL, "the key data is encrypted (security level 03): not shown");
    }
    if (jh_ok(c) && c->rn >= 1) {
        jh_add(c->x, JH_XL_DETAIL, "card answers key version %02X and check values %s", c->rd[0],
               jh_hex(h, sizeof h, c->rd + 1, c->rn - 1));
    }
}

/* Walk length-value fields; names[i] labels field i. */
static void jh_lv_fields(jh_explanation *x, const uint8_t *d, size_t n, const char *const *names,
                         size_t nn)
{
    char h[80];
    size_t i = 0;
    for (size_t k = 0; k < nn && i < n; k++) {
        size_t l = d[i++];
        if (i + l > n)
            break;
        if (l)
            jh_add(x, JH_XL_DETAIL, "%s %s", names[k], jh_hex(h, sizeof h, d + i, l));
        i += l;
    }
}

static void jh_cmd_install(jh_ctx *c)
{
    const jh_apdu *a = c->a;
    snprintf(c->x->name, sizeof c->x->name, "INSTALL");
    const char *what = (a->p1 & 0x02)           ? "for load"
                       : (a->p1 & 0x0C) == 0x0C ? "for install and make selectable"
                       : (a->p1 & 0x04)         ? "for install"
                       : (a->p1 & 0x08)         ? "for make selectable"
                       : (a->p1 & 0x20)         ? "for personalization"
                       : (a->p1 & 0x10)         ? "for extradition"
                                                : "(unusual P1)";
    jh_add(c->x, JH_XL_COMMAND, "INSTALL [%s]", what);
    if (!c->pd) {
        if (c->encrypted)
            jh_add(c->x, JH_XL_DETAIL, "the data is encrypted (security level 03): not shown");
        return;
    }
    static const char *const load[] = {"load file", "security domain", "hash", "parameters",
                                       "token"};
    static const char *const inst[] = {"load file",  "module",     "application",
                                       "privileges", "parameters", "token"};
    if (a->p1 & 0x02)
        jh_lv_fields(c->x, c->pd, c->pn, load, 5);
    else if (a->p1 & 0x04)
        jh_lv_fields(c->x, c->pd, c->pn, inst, 6);
    else if (a->p1 & 0x08) {
        static const char *const ms[] = {"(empty)",    "(empty)",    "application",
                                         "privileges", "parameters", "token"};
        jh_lv_fields(c->x, c->pd, c->pn, ms, 6);
    }
}

static void jh_cmd_load(jh_ctx *c)
{
    snprintf(c->x->name, sizeof c->x->name, "LOAD");
    jh_add(c->x, JH_XL_COMMAND, "LOAD block %u%s, %zu bytes of the load file", c->a->p2,
           (c->a->p1 & 0x80) ? " (the last block)" : "", c->pd ? c->pn : c->a->lc);
}

static void jh_cmd_delete(jh_ctx *c)
{
    char h[40];
    snprintf(c->x->name, sizeof c->x->name, "DELETE");
    if (c->pd && c->pn >= 2 && c->pd[0] == 0x4F && c->pd[1] + 2u <= c->pn)
        jh_add(c->x, JH_XL_COMMAND, "DELETE %s%s", jh_hex(h, sizeof h, c->pd + 2, c->pd[1]),
               (c->a->p2 & 0x80) ? " and everything that depends on it" : "");
    else
        jh_add(c->x, JH_XL_COMMAND, "DELETE%s", (c->a->p2 & 0x80) ? " with related objects" : "");
    if (c->answered && c->sw == 0x6A88)
        jh_add(c->x, JH_XL_DETAIL, "there is no such entry");
}

static void jh_cmd_get_response(jh_ctx *c)
{
    snprintf(c->x->name, sizeof c->x->name, "GET RESPONSE");
    jh_add(c->x, JH_XL_COMMAND, "GET RESPONSE: fetch %zu bytes of the previous answer", c->a->le);
}

static void jh_cmd_store_data(jh_ctx *c)
{
    snprintf(c->x->name, sizeof c->x->name, "STORE DATA");
    jh_add(c->x, JH_XL_COMMAND, "STORE DATA block %u%s", c->a->p2,
           (c->a->p1 & 0x80) ? " (last)" : "");
}

static void jh_cmd_manage_channel(jh_ctx *c)
{
    snprintf(c->x->name, sizeof c->x->name, "MANAGE CHANNEL");
    if (c->a->p1 & 0x80)
        jh_add(c->x, JH_XL_COMMAND, "MANAGE CHANNEL: close logical channel %u", c->a->p2);
    else if (c->a->p2)
        jh_add(c->x, JH_XL_COMMAND, "MANAGE CHANNEL: open logical channel %u", c->a->p2);
    else
        jh_add(c->x, JH_XL_COMMAND, "MANAGE CHANNEL: open a logical channel the card chooses");
    if (jh_ok(c) && !(c->a->p1 & 0x80) && c->rn == 1)
        jh_add(c->x, JH_XL_DETAIL, "the card opened channel %u", c->rd[0]);
}

/* BOOT, PROTECT and FUSE on a fused card: the core keeps a row for each, so
 * that they are answered without touching a secure channel. */
static void jh_cmd_gone(jh_ctx *c)
{
    jh_add(c->x, JH_XL_COMMAND,
           "%s (JCOP pre-personalization): gone after FUSE, this card no longer runs it",
           c->x->name);
}

static void jh_cmd_read(jh_ctx *c)
{
    jh_cmd_memory(c, false);
}
static void jh_cmd_write(jh_ctx *c)
{
    jh_cmd_memory(c, true);
}

/* ---- the table: the core's ------------------------------------------------ */

/* The host's words for each command of the card, keyed by the command's
 * identity in the card core's own tables (jc_cmd.name, jc_cmd_table_at): the
 * names, INS, CLA masks, states and secure messaging flags are the core's;
 * only the explanation is the explainer's. A test (test_jh_explain_table)
 * fails when a core command has no entry here or an entry names none. */
typedef struct {
    const char *core_name;
    void (*fn)(jh_ctx *c);
} jh_cmd_text;

static const jh_cmd_text jh_texts[] = {
    {"SELECT", jh_cmd_select},
    {"BOOT", jh_cmd_boot},
    {"READ MEMORY", jh_cmd_read},
    {"WRITE MEMORY", jh_cmd_write},
    {"PROTECT", jh_cmd_protect},
    {"FUSE", jh_cmd_fuse},
    {"MANAGE CHANNEL", jh_cmd_manage_channel},
    {"GET DATA", jh_cmd_get_data},
    {"INITIALIZE UPDATE", jh_cmd_init_update},
    {"EXTERNAL AUTHENTICATE", jh_cmd_ext_auth},
    {"GET STATUS", jh_cmd_get_status},
    {"SET STATUS", jh_cmd_set_status},
    {"PUT KEY", jh_cmd_put_key},
    {"INSTALL", jh_cmd_install},
    {"LOAD", jh_cmd_load},
    {"DELETE", jh_cmd_delete},
    {"STORE DATA", jh_cmd_store_data},
    {"BOOT (gone after FUSE)", jh_cmd_gone},
    {"PROTECT (gone after FUSE)", jh_cmd_gone},
    {"FUSE (gone after FUSE)", jh_cmd_gone},
};

size_t jh_explain_text_count(void)
{
    return sizeof jh_texts / sizeof jh_texts[0];
}

const char *jh_explain_text_name(size_t i)
{
    return i < jh_explain_text_count() ? jh_texts[i].core_name : NULL;
}

bool jh_explain_knows(const char *core_name)
{
    for (size_t i = 0; i < jh_explain_text_count(); i++)
        if (strcmp(jh_texts[i].core_name, core_name) == 0)
            return true;
    return false;
}

/* The row of the core's table `table` for this APDU (INS, then CLA, as the
 * core's dispatcher looks), or NULL. skip_gone leaves out the rows a fused
 * card keeps for the pre-FUSE commands. */
static const jc_cmd *jh_core_row(const char *table, const jh_apdu *a, bool skip_gone)
{
    for (size_t t = 0; t < jc_cmd_table_count(); t++) {
        const char *tn = NULL;
        size_t n = 0;
        const jc_cmd *rows = jc_cmd_table_at(t, &tn, &n);
        if (!rows || !tn || strcmp(tn, table) != 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            const jc_cmd *r = &rows[i];
            if (r->ins != a->ins || (a->cla & r->cla_mask) != r->cla)
                continue;
            if (skip_gone && (r->flags & JC_CMD_SM_NONE))
                continue;
            return r;
        }
    }
    return NULL;
}

/* The core's row for this APDU in the card's context: on a card not known to
 * be fused the pre-FUSE table first, then the fused card's (a GP command sent
 * to an unfused card is still named); on a fused card only the fused card's
 * tables (the OPEN's, then the ISD's). */
static const jc_cmd *jh_find_row(const jh_card_view *v, const jh_apdu *a, bool *prefuse)
{
    const jc_cmd *r = NULL;
    bool root = jh_root_context(v);
    if (root)
        r = jh_core_row("prefuse", a, false);
    *prefuse = r != NULL;
    if (!r)
        r = jh_core_row("fused-open", a, root);
    if (!r)
        r = jh_core_row("fused-isd", a, root);
    return r;
}

static void (*jh_text_of(const jc_cmd *row))(jh_ctx *c)
{
    for (size_t i = 0; row && i < jh_explain_text_count(); i++)
        if (strcmp(jh_texts[i].core_name, row->name) == 0)
            return jh_texts[i].fn;
    return NULL;
}

/* Commands of the link, not of a card application: T=0's GET RESPONSE (the
 * reader fetches a 61xx answer with it, jc_t0.h). */
static bool jh_link_cmd(const jh_apdu *a)
{
    return (a->cla & 0xFC) == 0x00 && a->ins == 0xC0;
}

/* ---- entry points -------------------------------------------------------- */

static void jh_state_lines(jh_explainer *ex, jh_explanation *x, int before, uint8_t sc_before,
                           uint8_t level_before)
{
    jh_card_view *v = &ex->view;
    int after = jh_view_state(v);
    v->card_state = after;
    if (v->sc == JH_SC_NONE)
        ex->have_session = false; /* no channel, no session keys */
    x->state_before = before;
    x->state_after = after;
    if (after != before && after >= 0) {
        if (before >= 0)
            jh_add(x, JH_XL_STATE, "card state: %s -> %s", jh_state_text(before),
                   jh_state_text(after));
        else
            jh_add(x, JH_XL_STATE, "card state: now known to be %s", jh_state_text(after));
    }
    if (v->sc != sc_before || (v->sc == JH_SC_OPEN && v->sc_level != level_before)) {
        if (v->sc == JH_SC_OPEN)
            jh_add(x, JH_XL_STATE, "secure channel: open at level %02X%s", v->sc_level,
                   v->sc_level == 0x03   ? " (C-MAC and C-DEC)"
                   : v->sc_level == 0x01 ? " (C-MAC)"
                                         : "");
        else if (v->sc == JH_SC_INIT)
            jh_add(x, JH_XL_STATE, "secure channel: initiated, waiting for EXTERNAL AUTHENTICATE");
        else
            jh_add(x, JH_XL_STATE, "secure channel: closed");
    }
}

int jh_explain_exchange(jh_explainer *ex, const uint8_t *capdu, size_t clen, const uint8_t *rapdu,
                        size_t rlen, jh_explanation *x)
{
    return jh_explain_exchange_plain(ex, capdu, clen, NULL, 0, rapdu, rlen, x);
}

int jh_explain_exchange_plain(jh_explainer *ex, const uint8_t *capdu, size_t clen,
                              const uint8_t *plain, size_t plen, const uint8_t *rapdu, size_t rlen,
                              jh_explanation *x)
{
    jh_card_view *v = &ex->view;
    memset(x, 0, sizeof *x);
    int before = jh_view_state(v);
    uint8_t sc_before = (uint8_t)v->sc, level_before = v->sc_level;
    ex->exchanges++;

    jh_apdu a;
    uint8_t dec[256];
    bool decrypted = false;
    jh_apdu_parse(capdu, capdu ? clen : 0, &a);
    jh_ctx c = {.ex = ex, .x = x, .a = &a};
    if (rapdu && rlen >= 2) {
        c.answered = true;
        c.sw = (uint16_t)(rapdu[rlen - 2] << 8 | rapdu[rlen - 1]);
        c.rd = rapdu;
        c.rn = rlen - 2;
        x->sw = c.sw;
    }

    if (!a.ok) {
        snprintf(x->name, sizeof x->name, "malformed APDU");
        jh_add(x, JH_XL_COMMAND,
               "malformed C-APDU (%zu bytes): not a valid ISO 7816-4 case 1-4 command", clen);
    } else {
        /* Secure messaging: CLA bit 04 on a GP command while a channel is open. */
        c.pd = a.data;
        c.pn = a.lc;
        bool gp_cla = (a.cla & 0xF0) == 0x80 || (a.cla & 0xF0) == 0x00;
        bool prefuse_row = false;
        const jc_cmd *row = jh_find_row(v, &a, &prefuse_row);
        /* The core's rows say which commands take the channel's secure
         * messaging: none of the pre-FUSE table (there CLA is an address
         * byte), not those running their own (JC_CMD_SM_SELF: INITIALIZE
         * UPDATE, EXTERNAL AUTHENTICATE) or none (JC_CMD_SM_NONE). A command
         * no table knows (an applet's) is wrapped when CLA says so. */
        bool sm_row = row ? !prefuse_row && !(row->flags & (JC_CMD_SM_SELF | JC_CMD_SM_NONE))
                          : !(a.ins == 0xB0 || a.ins == 0xD6) && a.ins != 0x82;
        bool wrapped = (a.cla & 0x04) && gp_cla && sm_row;
        jh_apdu pa;
        jh_apdu_parse(plain, plain ? plen : 0, &pa);
        bool have_plain = plain && pa.ok && pa.ins == a.ins;
        if (wrapped && have_plain) {
            c.pd = pa.data;
            c.pn = pa.lc;
        } else if (wrapped) {
            if (a.lc >= 8) {
                c.pn = a.lc - 8;
                if (v->sc == JH_SC_OPEN && v->sc_level == 0x03 && c.pn > 0) {
                    c.encrypted = true;
                    c.pd = NULL;
                    size_t en = c.pn;
                    c.pn = 0;
                    if (ex->have_session && en % 8 == 0 && en <= sizeof dec &&
                        jc_3des_cbc(ex->crypto, false, ex->s_enc, NULL, a.data, en, dec) == 0) {
                        int cl = jc_unpad80(dec, en);
                        if (cl >= 0) {
                            c.pd = dec;
                            c.pn = (size_t)cl;
                            decrypted = true;
                        }
                    }
                }
            }
        }
        if (a.cla == 0x00 && a.ins == 0x00 && a.p1 == 0 && a.p2 == 0 && !jh_root_context(v)) {
            snprintf(x->name, sizeof x->name, "all-zero APDU");
            jh_add(x, JH_XL_COMMAND,
                   "00 00 00 00: FUSE on an unfused card; this card is fused, so it means nothing");
        } else {
            void (*fn)(jh_ctx *) = jh_text_of(row);
            if (fn) {
                /* the core's name; a describer may say more ("SELECT IDENTIFY") */
                const char *paren = strchr(row->name, '(');
                int len = paren ? (int)(paren - row->name) - 1 : (int)strlen(row->name);
                snprintf(x->name, sizeof x->name, "%.*s", len, row->name);
                fn(&c);
            } else if (jh_link_cmd(&a)) {
                jh_cmd_get_response(&c);
            } else {
                snprintf(x->name, sizeof x->name, "CLA %02X INS %02X", a.cla, a.ins);
                jh_add(x, JH_XL_COMMAND,
                       "command CLA %02X INS %02X P1 %02X P2 %02X: not one this explainer knows",
                       a.cla, a.ins, a.p1, a.p2);
            }
        }
        if (wrapped && x->n < JH_XLINES_MAX) {
            if (decrypted)
                jh_add(x, JH_XL_DETAIL, "data decrypted with the session S-ENC key (C-DEC)");
            if (a.lc >= 8)
                jh_add(x, JH_XL_DETAIL,
                       "wrapped for the secure channel: CLA %02X, the last 8 data bytes are the "
                       "C-MAC%s",
                       a.cla, c.encrypted ? "; the data before it is encrypted (C-DEC)" : "");
            if (v->sc != JH_SC_OPEN)
                jh_add(x, JH_XL_DETAIL, "(no open secure channel is visible in this transcript)");
        }
        if (c.answered && v->sc == JH_SC_OPEN && a.ins != 0x82 && c.sw == 0x6982 && wrapped) {
            v->sc = JH_SC_NONE;
            jh_add(x, JH_XL_DETAIL,
                   "6982 on a wrapped command: the C-MAC failed and the card closed the channel");
        }
    }

    if (c.answered) {
        char tb[96];
        const char *text = jc_sw_text(c.sw, tb, sizeof tb);
        jh_add(x, JH_XL_STATUS, "%04X %s: %s", c.sw, jc_sw_name(c.sw), text);
        if (c.sw == 0x6A82 && v->known && !v->fused && v->sel == JH_SEL_NONE &&
            strcmp(x->name, "SELECT (transport key)") != 0 &&
            strcmp(x->name, "SELECT IDENTIFY") != 0)
            jh_add(x, JH_XL_DETAIL,
                   "an unfused card with nothing selected answers 6A82 to everything");
    } else {
        jh_add(x, JH_XL_STATUS, "no answer recorded");
    }
    ex->last_ins = a.ins;
    jh_state_lines(ex, x, before, sc_before, level_before);
    return (int)x->n;
}

static void jh_decode_atr(jh_explanation *x, const uint8_t *atr, size_t n)
{
    char h[100], s[40];
    if (n < 2) {
        jh_add(x, JH_XL_DETAIL, "ATR too short");
        return;
    }
    uint8_t t0 = atr[1];
    unsigned k = t0 & 15;
    size_t i = 2;
    uint8_t y = t0 >> 4;
    bool t_other = false;
    for (;;) {
        uint8_t td = 0;
        if (y & 1)
            i++;
        if (y & 2)
            i++;
        if (y & 4)
            i++;
        if (y & 8) {
            if (i >= n)
                break;
            td = atr[i++];
            if ((td & 15) != 0)
                t_other = true;
            y = td >> 4;
        } else {
            break;
        }
    }
    if (i > n) {
        jh_add(x, JH_XL_DETAIL, "ATR interface bytes run past its end (malformed)");
        return;
    }
    jh_add(x, JH_XL_DETAIL, "ATR: TS %02X, T0 %02X (%u historical bytes), interface bytes %s",
           atr[0], t0, k, jh_hex(h, sizeof h, atr + 2, i - 2));
    if (i + k <= n) {
        jh_add(x, JH_XL_DETAIL, "historical bytes \"%s\"", jh_ascii(s, sizeof s, atr + i, k));
        if (t_other) {
            if (i + k + 1 == n) {
                uint8_t sum = 0;
                for (size_t j = 1; j < n; j++)
                    sum ^= atr[j];
                jh_add(x, sum == 0 ? JH_XL_DETAIL : JH_XL_WARN, "TCK %02X %s", atr[n - 1],
                       sum == 0 ? "correct" : "WRONG (XOR of T0..TCK is not 00)");
            } else {
                jh_add(x, JH_XL_WARN, "the ATR length does not match its T0/TD bytes");
            }
        }
    } else {
        jh_add(x, JH_XL_WARN, "the ATR is shorter than its historical byte count");
    }
}

int jh_explain_power(jh_explainer *ex, jh_power_event ev, const uint8_t *atr, size_t atr_len,
                     jh_explanation *x)
{
    jh_card_view *v = &ex->view;
    memset(x, 0, sizeof *x);
    int before = jh_view_state(v);
    if (v->card_state == JC_CS_OFF)
        before = JC_CS_OFF;
    uint8_t sc_before = (uint8_t)v->sc, level_before = v->sc_level;
    char h[100];
    if (ev == JH_PWR_OFF) {
        snprintf(x->name, sizeof x->name, "power off");
        jh_add(x, JH_XL_COMMAND, "power off: selection, BOOT and any secure channel are lost");
    } else {
        snprintf(x->name, sizeof x->name, ev == JH_PWR_ON ? "power on" : "reset");
        jh_add(x, JH_XL_COMMAND,
               "%s: the card answers its ATR %s; selection, BOOT and secure channel start over",
               ev == JH_PWR_ON ? "power on (cold reset)" : "warm reset",
               jh_hex(h, sizeof h, atr, atr_len));
        if (atr && atr_len)
            jh_decode_atr(x, atr, atr_len);
    }
    v->booted = false;
    v->sc = JH_SC_NONE;
    v->sel = (v->known && v->fused && ev != JH_PWR_OFF) ? JH_SEL_ISD : JH_SEL_NONE;
    if (ev == JH_PWR_OFF) {
        x->state_before = before;
        x->state_after = JC_CS_OFF;
        if (before != JC_CS_OFF)
            jh_add(x, JH_XL_STATE, "card state: %s -> %s", jh_state_text(before),
                   jh_state_text(JC_CS_OFF));
        if (sc_before != JH_SC_NONE)
            jh_add(x, JH_XL_STATE, "secure channel: closed");
        v->card_state = JC_CS_OFF;
        return (int)x->n;
    }
    jh_state_lines(ex, x, before, sc_before, level_before);
    return (int)x->n;
}

void jh_explanation_print(FILE *f, const jh_explanation *x, const char *indent)
{
    static const char *const tag[] = {[JH_XL_COMMAND] = "",
                                      [JH_XL_DETAIL] = "  ",
                                      [JH_XL_STATUS] = "  SW ",
                                      [JH_XL_STATE] = "  * ",
                                      [JH_XL_WARN] = "  ! "};
    for (size_t i = 0; i < x->n; i++)
        fprintf(f, "%s%s%s\n", indent ? indent : "", tag[x->line[i].kind], x->line[i].text);
}
