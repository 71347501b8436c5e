/*
 * jc_gp_content.c: the ISD's registry and card content management, rows of
 * the ISD table in jc_fused.c: GET STATUS (GP 2.1.1 §9.4, legacy and TLV
 * formats, 6310 paging), INSTALL [for load] / LOAD (§9.5.2.3.1, §9.6; the Load
 * File is buffered in volatile memory and parsed with jc_loadfile on the last
 * block), INSTALL [for install] / [for make selectable] (§9.5.2.3.2-3) and
 * DELETE (§9.2). The registry lives in the persistent state (st.reg); the
 * dispatcher commits it before the answer leaves the card. Applet code is
 * never executed: an installed applet is a registry entry, nothing more.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "jc_cmd.h"
#include "jc_gp.h"
#include "jc_loadfile.h"
#include "jc_runtime.h"
#include "jc_sw.h"

/* Read one LV field at d[*off] (length limit max); NULL-safe. */
static bool lv(const uint8_t *d, size_t n, size_t *off, size_t max, const uint8_t **v, size_t *vl)
{
    if (*off >= n)
        return false;
    size_t l = d[*off];
    if (l > max || n - *off - 1 < l)
        return false;
    *v = d + *off + 1;
    *vl = l;
    *off += 1 + l;
    return true;
}

/* "what: why" into line (why may be NULL or empty). */
static const char *rt_line(char *line, size_t cap, const char *what, const char *why)
{
    size_t n = 0;
    for (const char *parts[3] = {what, why && why[0] ? ": " : "", why ? why : ""}, **p = parts;
         p < parts + 3; p++)
        for (const char *c = *p; *c && n + 1 < cap; c++)
            line[n++] = *c;
    line[n] = '\0';
    return line;
}

/* Find the value of a one-byte tag in the install parameters field (GP 2.1.1
 * §9.5.2.3.2: C9 application specific parameters, then optional TLVs).
 * Absent -> true with *v NULL, *vl 0; malformed -> false. */
static bool install_param(const uint8_t *d, size_t n, uint8_t tag, const uint8_t **v, size_t *vl)
{
    *v = NULL;
    *vl = 0;
    size_t off = 0;
    while (off < n) {
        if (n - off < 2)
            return false;
        uint8_t t = d[off];
        size_t l = d[off + 1];
        if (l > n - off - 2)
            return false;
        if (t == tag && *v == NULL) {
            *v = d + off + 2;
            *vl = l;
        }
        off += 2 + l;
    }
    return true;
}

/* ------------------------------------------------------------------ GET STATUS */

static bool in_scope(const jc_reg_entry *e, uint8_t p1)
{
    switch (p1) {
    case 0x80: return e->kind == JC_REG_ISD;
    case 0x40: return e->kind == JC_REG_APP || e->kind == JC_REG_SD;
    case 0x20:
    case 0x10: return e->kind == JC_REG_ELF;
    default: return false;
    }
}

/* Encode one registry entry; returns its length or 0 when it does not fit in cap. */
static size_t encode_entry(const jc_card *card, const jc_reg_entry *e, uint8_t p1, bool tlv,
                           uint8_t *out, size_t cap)
{
    uint8_t b[256];
    size_t n = 0;
    uint8_t lcs = e->kind == JC_REG_ISD ? card->st.card_lcs : e->lcs;
    bool elf = e->kind == JC_REG_ELF;
    if (!tlv) {
        b[n++] = e->aid.len;
        memcpy(b + n, e->aid.b, e->aid.len);
        n += e->aid.len;
        b[n++] = lcs;
        b[n++] = elf ? 0x00 : e->priv;
        if (p1 == 0x10) {
            b[n++] = e->n_modules;
            for (size_t m = 0; m < e->n_modules && m < JC_MAX_MODULES; m++) {
                b[n++] = e->modules[m].len;
                memcpy(b + n, e->modules[m].b, e->modules[m].len);
                n += e->modules[m].len;
            }
        }
    } else {
        b[n++] = 0xE3;
        b[n++] = 0x81; /* length: 81 xx, shortened below when < 128 */
        b[n++] = 0;
        b[n++] = 0x4F;
        b[n++] = e->aid.len;
        memcpy(b + n, e->aid.b, e->aid.len);
        n += e->aid.len;
        b[n++] = 0x9F;
        b[n++] = 0x70;
        b[n++] = 0x01;
        b[n++] = lcs;
        if (!elf) {
            b[n++] = 0xC5;
            b[n++] = 0x01;
            b[n++] = e->priv;
        }
        if (p1 == 0x10) {
            for (size_t m = 0; m < e->n_modules && m < JC_MAX_MODULES; m++) {
                b[n++] = 0x84;
                b[n++] = e->modules[m].len;
                memcpy(b + n, e->modules[m].b, e->modules[m].len);
                n += e->modules[m].len;
            }
        }
        size_t inner = n - 3;
        if (inner < 0x80) {
            memmove(b + 2, b + 3, inner);
            b[1] = (uint8_t)inner;
            n--;
        } else {
            b[2] = (uint8_t)inner;
        }
    }
    if (n > cap)
        return 0;
    memcpy(out, b, n);
    return n;
}

uint16_t jc_gp_get_status(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_gp_policy *pol = &card->profile->gp;
    jc_gp_vol *g = &card->gp;
    uint8_t p1 = a->p1, p2 = a->p2;
    if (p1 != 0x80 && p1 != 0x40 && p1 != 0x20 && p1 != 0x10)
        return JC_SW_INCORRECT_P1P2;
    if ((p2 & ~0x03u) != 0)
        return JC_SW_INCORRECT_P1P2;
    bool tlv = (p2 & 0x02u) != 0;
    if (tlv && !card->profile->get_status_tlv)
        return JC_SW_INCORRECT_P1P2;
    bool next = (p2 & 0x01u) != 0;
    /* Search data: 4F len prefix (other TLVs after it are ignored). */
    if (a->lc < 2 || a->data[0] != 0x4F || a->data[1] > JC_AID_MAX || a->lc < 2u + a->data[1])
        return JC_SW_WRONG_DATA;
    size_t start = 0;
    if (next) {
        if (!g->gs_pending || g->gs_p1 != p1 || g->gs_p2 != (p2 & 0x02u) || p1 == 0x80)
            return JC_SW_INCORRECT_P1P2;
        start = g->gs_next;
    } else {
        g->gs_prefix.len = a->data[1];
        memcpy(g->gs_prefix.b, a->data + 2, a->data[1]);
    }
    g->gs_pending = false;
    size_t room = jc_resp_room(resp);
    if (room > pol->response_max)
        room = pol->response_max;
    size_t used = 0;
    bool any = false;
    for (size_t i = start; i < JC_MAX_REGISTRY; i++) {
        const jc_reg_entry *e = &card->st.reg[i];
        if (!in_scope(e, p1) || e->aid.len < g->gs_prefix.len ||
            memcmp(e->aid.b, g->gs_prefix.b, g->gs_prefix.len) != 0)
            continue;
        uint8_t *out = resp->buf + resp->len;
        size_t n = encode_entry(card, e, p1, tlv, out, room - used);
        if (n == 0) {
            if (!any)
                return card->profile->sw.wrong_length.sw; /* one entry larger than an answer */
            g->gs_pending = true;
            g->gs_p1 = p1;
            g->gs_p2 = p2 & 0x02u;
            g->gs_next = (uint8_t)i;
            return JC_SW_MORE_DATA;
        }
        resp->len += n;
        used += n;
        any = true;
    }
    if (!any)
        return pol->not_found.sw;
    return JC_SW_OK;
}

/* ------------------------------------------------------------------ INSTALL */

static uint16_t install_for_load(jc_card *card, const uint8_t *d, size_t n)
{
    const jc_gp_policy *pol = &card->profile->gp;
    const uint8_t *elf, *sd, *hash, *params, *token;
    size_t elf_l, sd_l, hash_l, params_l, token_l, off = 0;
    if (!lv(d, n, &off, JC_AID_MAX, &elf, &elf_l) || !lv(d, n, &off, JC_AID_MAX, &sd, &sd_l) ||
        !lv(d, n, &off, 255, &hash, &hash_l) || !lv(d, n, &off, 255, &params, &params_l) ||
        !lv(d, n, &off, 255, &token, &token_l) || off != n || elf_l < 5)
        return JC_SW_WRONG_DATA;
    if (sd_l != 0 && !jc_gp_aid_eq(jc_gp_isd_aid(card), sd, sd_l))
        return pol->not_found.sw; /* only the ISD accepts load files here */
    if (hash_l != 0 && hash_l != 20)
        return JC_SW_WRONG_DATA; /* SHA-1 only */
    if (jc_gp_reg_find(card, elf, elf_l) >= 0)
        return pol->duplicate_aid.sw;
    jc_gp_vol *g = &card->gp;
    if (g->load_buf == NULL)
        g->load_buf = malloc(JC_GP_LOAD_MAX);
    if (g->load_buf == NULL)
        return JC_SW_NOT_ENOUGH_MEMORY;
    g->load_active = true;
    g->load_elf.len = (uint8_t)elf_l;
    memcpy(g->load_elf.b, elf, elf_l);
    g->load_next = 0;
    g->load_len = 0;
    g->load_has_hash = hash_l == 20;
    if (g->load_has_hash)
        memcpy(g->load_hash, hash, 20);
    jc_card_info(card, "INSTALL [for load]: LOAD blocks may follow");
    return JC_SW_OK;
}

static uint16_t install_for_install(jc_card *card, uint8_t p1, const uint8_t *d, size_t n)
{
    const jc_gp_policy *pol = &card->profile->gp;
    const uint8_t *elf, *mod, *app, *priv, *params, *token;
    size_t elf_l, mod_l, app_l, priv_l, params_l, token_l, off = 0;
    if (!lv(d, n, &off, JC_AID_MAX, &elf, &elf_l) || !lv(d, n, &off, JC_AID_MAX, &mod, &mod_l) ||
        !lv(d, n, &off, JC_AID_MAX, &app, &app_l) || !lv(d, n, &off, 3, &priv, &priv_l) ||
        !lv(d, n, &off, 255, &params, &params_l) || !lv(d, n, &off, 255, &token, &token_l) ||
        off != n || elf_l < 5 || mod_l < 5 || (priv_l != 1 && priv_l != 3))
        return JC_SW_WRONG_DATA;
    if (app_l == 0) {
        app = mod;
        app_l = mod_l;
    }
    if (app_l < 5)
        return JC_SW_WRONG_DATA;
    int e = jc_gp_reg_find(card, elf, elf_l);
    if (e < 0 || card->st.reg[e].kind != JC_REG_ELF)
        return pol->not_found.sw;
    const jc_reg_entry *lf = &card->st.reg[e];
    int m = -1;
    for (int i = 0; i < lf->n_modules && i < JC_MAX_MODULES; i++)
        if (jc_gp_aid_eq(&lf->modules[i], mod, mod_l))
            m = i;
    if (m < 0)
        return pol->not_found.sw;
    if (jc_gp_reg_find(card, app, app_l) >= 0)
        return pol->duplicate_aid.sw;
    uint8_t pv = priv[0];
    bool selectable = p1 == 0x0C;
    int isd = -1;
    if (pv & JC_PRIV_DEFAULT_SELECTED) { /* Default Selected: only with make selectable, only while
                                            the ISD holds it */
        isd = jc_gp_isd_index(card);
        if (!selectable)
            return JC_SW_WRONG_DATA;
        if (isd < 0 || !(card->st.reg[isd].priv & JC_PRIV_DEFAULT_SELECTED))
            return card->profile->sw.wrong_state.sw;
    }
    int slot = jc_gp_reg_free_slot(card);
    if (slot < 0)
        return JC_SW_NOT_ENOUGH_MEMORY;
    if (jc_rt_active(card)) {
        jc_aid inst = {.len = (uint8_t)app_l};
        memcpy(inst.b, app, app_l);
        const uint8_t *c9 = NULL;
        size_t c9_l = 0;
        if (!install_param(params, params_l, 0xC9, &c9, &c9_l))
            return JC_SW_WRONG_DATA;
        uint16_t sw = JC_SW_WRONG_DATA;
        char why[160] = "";
        if (card->rt_ops->install(card->rt, &lf->aid, &lf->modules[m], &inst, c9, c9_l, pv, &sw,
                                  why, sizeof(why)) != 0) {
            char line[256];
            jc_card_warn(
                card, rt_line(line, sizeof(line), "INSTALL: the applet's install() failed", why));
            return sw == JC_SW_OK ? JC_SW_WRONG_DATA : sw;
        }
    }
    jc_reg_entry *ne = &card->st.reg[slot];
    memset(ne, 0, sizeof(*ne));
    ne->kind = (pv & JC_PRIV_SECURITY_DOMAIN) ? JC_REG_SD : JC_REG_APP;
    ne->lcs = selectable ? JC_APP_LCS_SELECTABLE : JC_APP_LCS_INSTALLED;
    ne->priv = pv;
    ne->aid.len = (uint8_t)app_l;
    memcpy(ne->aid.b, app, app_l);
    ne->elf = lf->aid;
    ne->module = lf->modules[m];
    if (isd >= 0)
        card->st.reg[isd].priv &= (uint8_t)~JC_PRIV_DEFAULT_SELECTED;
    jc_card_info(card, selectable ? "INSTALL: application installed and selectable"
                                  : "INSTALL: application installed");
    return JC_SW_OK;
}

static uint16_t install_make_selectable(jc_card *card, const uint8_t *d, size_t n)
{
    const jc_gp_policy *pol = &card->profile->gp;
    if (pol->make_selectable.sw != JC_SW_OK)
        return pol->make_selectable.sw; /* what the profile's real card answers, whatever named */
    const uint8_t *elf, *mod, *app, *priv, *params, *token;
    size_t elf_l, mod_l, app_l, priv_l, params_l, token_l, off = 0;
    if (!lv(d, n, &off, JC_AID_MAX, &elf, &elf_l) || !lv(d, n, &off, JC_AID_MAX, &mod, &mod_l) ||
        !lv(d, n, &off, JC_AID_MAX, &app, &app_l) || !lv(d, n, &off, 3, &priv, &priv_l) ||
        !lv(d, n, &off, 255, &params, &params_l) || !lv(d, n, &off, 255, &token, &token_l) ||
        off != n || app_l < 5 || (priv_l != 1 && priv_l != 3))
        return JC_SW_WRONG_DATA;
    int i = jc_gp_reg_find(card, app, app_l);
    if (i < 0 || (card->st.reg[i].kind != JC_REG_APP && card->st.reg[i].kind != JC_REG_SD))
        return pol->not_found.sw;
    jc_reg_entry *e = &card->st.reg[i];
    if (e->lcs != JC_APP_LCS_INSTALLED)
        return card->profile->sw.wrong_state.sw;
    if (priv[0] & JC_PRIV_DEFAULT_SELECTED) {
        int isd = jc_gp_isd_index(card);
        if (isd < 0 || !(card->st.reg[isd].priv & JC_PRIV_DEFAULT_SELECTED))
            return card->profile->sw.wrong_state.sw;
        card->st.reg[isd].priv &= (uint8_t)~JC_PRIV_DEFAULT_SELECTED;
        e->priv |= JC_PRIV_DEFAULT_SELECTED;
    }
    e->lcs = JC_APP_LCS_SELECTABLE;
    jc_card_info(card, "INSTALL [for make selectable]: application selectable");
    return JC_SW_OK;
}

uint16_t jc_gp_install(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_gp_policy *pol = &card->profile->gp;
    if (a->p2 != 0x00)
        return JC_SW_INCORRECT_P1P2;
    uint16_t sw;
    switch (a->p1) {
    case 0x02: sw = install_for_load(card, a->data, a->lc); break;
    case 0x04:
    case 0x0C: sw = install_for_install(card, a->p1, a->data, a->lc); break;
    case 0x08: sw = install_make_selectable(card, a->data, a->lc); break;
    case 0x20: sw = jc_gp_install_perso(card, a->data, a->lc); break;
    default: return JC_SW_INCORRECT_P1P2; /* extradition: not modelled */
    }
    if (sw == JC_SW_OK && jc_resp_put_u8(resp, 0x00) < 0)
        return card->profile->sw.wrong_length.sw;
    return sw == JC_SW_OK ? pol->content_ok.sw : sw;
}

/* ------------------------------------------------------------------ LOAD */

static uint16_t load_fail(jc_card *card, uint16_t sw, const char *why)
{
    card->gp.load_active = false;
    card->gp.load_len = 0;
    jc_card_warn(card, why);
    return sw;
}

static uint16_t load_finish(jc_card *card)
{
    const jc_gp_policy *pol = &card->profile->gp;
    jc_gp_vol *g = &card->gp;
    jc_loadfile lf;
    if (jc_loadfile_parse(g->load_buf, g->load_len, &lf) != JC_OK)
        return load_fail(card, JC_SW_WRONG_DATA, "LOAD: the Load File is malformed: load dropped");
    if (!jc_gp_aid_eq(&g->load_elf, lf.pkg_aid.b, lf.pkg_aid.len))
        return load_fail(card, JC_SW_WRONG_DATA,
                         "LOAD: the CAP Header's package AID differs from INSTALL [for load]");
    if (g->load_has_hash) {
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned int mdl = 0;
        if (EVP_Digest(lf.lfdb, lf.lfdb_len, md, &mdl, EVP_sha1(), NULL) != 1 || mdl != 20 ||
            memcmp(md, g->load_hash, 20) != 0)
            return load_fail(card, JC_SW_WRONG_DATA, "LOAD: the Load File Data Block hash differs");
    }
    if (jc_gp_reg_find(card, lf.pkg_aid.b, lf.pkg_aid.len) >= 0)
        return load_fail(card, pol->duplicate_aid.sw, "LOAD: package AID already registered");
    int slot = jc_gp_reg_free_slot(card);
    if (slot < 0)
        return load_fail(card, JC_SW_NOT_ENOUGH_MEMORY, "LOAD: registry full");
    if (jc_rt_active(card)) {
        uint16_t sw = JC_SW_WRONG_DATA;
        char why[160] = "";
        if (card->rt_ops->load(card->rt, lf.lfdb, lf.lfdb_len, &sw, why, sizeof(why)) != 0) {
            char line[256];
            jc_rt_rollback(card);
            return load_fail(card, sw == JC_SW_OK ? JC_SW_WRONG_DATA : sw,
                             rt_line(line, sizeof(line),
                                     "LOAD: the runtime refused the package, nothing registered",
                                     why));
        }
    }
    jc_reg_entry *e = &card->st.reg[slot];
    memset(e, 0, sizeof(*e));
    e->kind = JC_REG_ELF;
    e->lcs = JC_ELF_LCS_LOADED;
    e->aid = lf.pkg_aid;
    e->n_modules = lf.n_applets;
    for (size_t i = 0; i < lf.n_applets; i++)
        e->modules[i] = lf.applets[i];
    e->ver_major = lf.pkg_major;
    e->ver_minor = lf.pkg_minor;
    g->load_active = false;
    g->load_len = 0;
    /* The LOAD row is not a persistent row (its blocks are volatile): commit
     * the new registry entry here, before the answer. */
    if (jc_card_commit(card) < 0) {
        memset(e, 0, sizeof(*e)); /* jc_card_commit took the runtime back as well */
        jc_card_warn(card, "commit of the card image failed: load dropped");
        return card->profile->sw.memory_failure.sw;
    }
    jc_card_info(card, "LOAD: last block, Executable Load File registered");
    return JC_SW_OK;
}

uint16_t jc_gp_load(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_gp_policy *pol = &card->profile->gp;
    jc_gp_vol *g = &card->gp;
    if (!g->load_active || g->load_buf == NULL)
        return card->profile->sw.wrong_state.sw; /* no INSTALL [for load] before */
    if (a->p1 != 0x00 && a->p1 != 0x80)
        return load_fail(card, JC_SW_INCORRECT_P1P2, "LOAD: bad P1: load dropped");
    if (a->p2 != g->load_next)
        return load_fail(card, pol->load_sequence.sw, "LOAD: block out of sequence: load dropped");
    if (a->lc > JC_GP_LOAD_MAX - g->load_len)
        return load_fail(card, JC_SW_NOT_ENOUGH_MEMORY, "LOAD: Load File too large: load dropped");
    memcpy(g->load_buf + g->load_len, a->data, a->lc);
    g->load_len += a->lc;
    g->load_next++;
    uint16_t sw = JC_SW_OK;
    if (a->p1 == 0x80)
        sw = load_finish(card);
    if (sw != JC_SW_OK)
        return sw;
    if (jc_resp_put_u8(resp, 0x00) < 0)
        return card->profile->sw.wrong_length.sw;
    return pol->content_ok.sw;
}

/* ------------------------------------------------------------------ DELETE */

/* Tell the runtime an instance or a load file goes; 0 or the SW refusing it. */
static uint16_t rt_delete(jc_card *card, const jc_reg_entry *e)
{
    if (!jc_rt_active(card))
        return 0;
    uint16_t sw = card->profile->sw.wrong_state.sw;
    int rc = e->kind == JC_REG_ELF ? card->rt_ops->delete_package(card->rt, &e->aid, &sw)
                                   : card->rt_ops->delete_instance(card->rt, &e->aid, &sw);
    if (rc == 0)
        return 0;
    jc_card_warn(card, "DELETE: the runtime refused");
    return sw == JC_SW_OK ? card->profile->sw.wrong_state.sw : sw;
}

static void delete_entry(jc_card *card, int i)
{
    jc_reg_entry *e = &card->st.reg[i];
    if (e->priv & JC_PRIV_DEFAULT_SELECTED) { /* Default Selected goes back to the ISD */
        int isd = jc_gp_isd_index(card);
        if (isd >= 0)
            card->st.reg[isd].priv |= JC_PRIV_DEFAULT_SELECTED;
    }
    memset(e, 0, sizeof(*e));
}

/* DELETE [key] (GP 2.1.1 §9.2.2.3, Table 9-14): D0 01 <key id> and/or
 * D2 01 <KVN>, each at most once. D2 alone deletes every key of that version,
 * i.e. the key set; a key identifier (D0, alone or with D2) names single keys,
 * which this model refuses: its SCP02 key sets are kept whole. The only key set
 * and the set of the open session are kept (labelled decisions). */
static uint16_t delete_key(jc_card *card, const uint8_t *d, size_t n, jc_resp *resp)
{
    const jc_gp_policy *pol = (&card->profile->gp);
    int key_id = -1, kvn = -1;
    for (size_t off = 0; off < n;) {
        if (n - off < 3 || d[off + 1] != 0x01)
            return JC_SW_WRONG_DATA;
        int *slot = d[off] == 0xD0 ? &key_id : d[off] == 0xD2 ? &kvn : NULL;
        if (slot == NULL || *slot >= 0)
            return JC_SW_WRONG_DATA; /* another tag, or D0/D2 twice */
        *slot = d[off + 2];
        off += 3;
    }
    int set = -1, sets = 0;
    for (int i = 0; i < JC_MAX_KEYSETS; i++) {
        if (!card->st.keysets[i].used)
            continue;
        sets++;
        if (kvn >= 0 && card->st.keysets[i].kvn == kvn)
            set = i;
    }
    if (kvn >= 0 && set < 0)
        return pol->not_found.sw;
    if (key_id >= 0) {
        if (key_id < 1 || key_id > 3)
            return pol->not_found.sw;
        jc_card_warn(card, "DELETE [key]: a single key of an SCP02 key set is not deleted");
        return pol->key_single.sw;
    }
    if (sets <= 1) {
        jc_card_warn(card, "DELETE [key]: the card's only key set is kept");
        return pol->key_last.sw;
    }
    if (jc_gp_vol_sc_open(card) && card->gp.sc_keyset == set) {
        jc_card_warn(card, "DELETE [key]: the key set of the open session is kept");
        return pol->key_in_use.sw;
    }
    memset(&card->st.keysets[set], 0, sizeof(card->st.keysets[set]));
    jc_card_info(card, "DELETE [key]: key set deleted");
    if (jc_resp_put_u8(resp, 0x00) < 0)
        return card->profile->sw.wrong_length.sw;
    return JC_SW_OK; /* 00 + 9000 (Table 9-15) */
}

uint16_t jc_gp_delete(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_gp_policy *pol = &card->profile->gp;
    if (a->p1 != 0x00 || (a->p2 != 0x00 && a->p2 != 0x80))
        return JC_SW_INCORRECT_P1P2;
    const uint8_t *d = a->data;
    size_t n = a->lc;
    if (n >= 1 && (d[0] == 0xD0 || d[0] == 0xD2))
        return delete_key(card, d, n, resp);
    if (n < 2 || d[0] != 0x4F)
        return JC_SW_WRONG_DATA;
    size_t l = d[1];
    if (l < 1 || l > JC_AID_MAX || n - 2 < l)
        return JC_SW_WRONG_DATA;
    const uint8_t *aid = d + 2;
    int i = jc_gp_reg_find(card, aid, l);
    if (i < 0)
        return pol->not_found.sw;
    jc_reg_entry *e = &card->st.reg[i];
    if (e->kind == JC_REG_ISD)
        return pol->referenced.sw; /* the ISD cannot be deleted */
    if (e->kind == JC_REG_ELF) {
        bool related = a->p2 == 0x80;
        for (int k = 0; k < JC_MAX_REGISTRY; k++) {
            const jc_reg_entry *x = &card->st.reg[k];
            if ((x->kind == JC_REG_APP || x->kind == JC_REG_SD) && jc_gp_aid_eq(&x->elf, aid, l) &&
                !related)
                return pol->referenced.sw;
        }
        for (int k = 0; k < JC_MAX_REGISTRY; k++) {
            const jc_reg_entry *x = &card->st.reg[k];
            if ((x->kind == JC_REG_APP || x->kind == JC_REG_SD) && jc_gp_aid_eq(&x->elf, aid, l)) {
                uint16_t sw = rt_delete(card, x);
                if (sw != 0)
                    return sw; /* the dispatcher rolls back what was deleted */
                delete_entry(card, k);
            }
        }
    }
    uint16_t rsw = rt_delete(card, e);
    if (rsw != 0)
        return rsw;
    delete_entry(card, i);
    jc_card_info(card, "DELETE: registry entry removed");
    if (jc_resp_put_u8(resp, 0x00) < 0)
        return card->profile->sw.wrong_length.sw;
    return pol->content_ok.sw;
}
