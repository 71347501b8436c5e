/*
 * jc_prefuse.c: the unfused JCOP (DESIGN.md §4 "Before FUSE").
 *
 * jc_card_process routes every APDU of an unfused card here. SELECT is always
 * handled (IDENTIFY answers its bytes + 6A82; the 16-byte transport key KT
 * selects the root applet; anything else answers 6A82 and deselects); any
 * other command answers 6A82 unless the root applet is selected, and then goes
 * through the pre-FUSE command table: BOOT, READ MEMORY, WRITE MEMORY, PROTECT,
 * FUSE. Every status word comes from the profile's jc_sw_policy. FUSE is the
 * transition to the GlobalPlatform card (jc_fuse_apply).
 */
#include <string.h>

#include "jc_cardctx.h"
#include "jc_cmd.h"
#include "jc_prefuse.h"

static void deselect_root(jc_card *card, const char *why)
{
    jc_card_state old = jc_ctx_state(card);
    card->root_selected = false;
    card->booted = false;
    jc_card_state_event(card, old, jc_ctx_state(card), why);
}

static uint16_t h_select(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    if (jc_is_identify_aid(card, a)) {
        if (p->identify_deselects)
            deselect_root(card, "IDENTIFY deselects the root applet");
        return jc_identify_answer(card, resp);
    }
    if (a->cla == 0x00 && a->p1 == 0x04 && a->p2 == 0x00 && a->lc == JC_KT_LEN &&
        jc_ct_memcmp(a->data, card->st.kt, JC_KT_LEN) == 0) {
        jc_card_state old = jc_ctx_state(card);
        card->root_selected = true;
        card->booted = false;
        jc_card_state_event(card, old, jc_ctx_state(card), "root applet selected by KT");
        return p->sw.select_ok.sw;
    }
    deselect_root(card, "SELECT other than KT deselects the root applet");
    return p->sw.select_failed.sw;
}

static uint16_t h_boot(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    jc_card_state old = jc_ctx_state(card);
    card->booted = true;
    jc_card_state_event(card, old, jc_ctx_state(card), "BOOT: memory access open");
    return card->profile->sw.done.sw;
}

static uint16_t h_read(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    uint32_t addr = jc_apdu_addr24(a);
    if (!jc_mem_in_window(addr, a->le))
        return card->profile->sw.out_of_window.sw;
    if (jc_resp_put(resp, jc_mem_at(card, addr), a->le) < 0)
        return card->profile->sw.wrong_length.sw;
    return card->profile->sw.done.sw;
}

static uint16_t h_write(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    uint32_t addr = jc_apdu_addr24(a);
    if (!jc_mem_in_window(addr, a->lc))
        return p->sw.out_of_window.sw;
    if (card->st.flags & JC_PF_PROTECTED)
        return p->sw.write_protected.sw;
    memcpy(jc_mem_at(card, addr), a->data, a->lc);
    if (card->env.trace) {
        jc_event ev = {.kind = JC_EV_MEM_WRITE, .addr = addr, .data = a->data, .len = a->lc};
        card->env.trace(card->env.trace_ctx, &ev);
    }
    return p->sw.done.sw;
}

static uint16_t h_protect(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    if (card->st.flags & JC_PF_PROTECTED)
        return p->sw.protect_again.sw;
    jc_card_state old = jc_ctx_state(card);
    card->st.flags |= JC_PF_PROTECTED;
    jc_card_state_event(card, old, jc_ctx_state(card), "PROTECT: memory writes now refused");
    return p->sw.done.sw;
}

void jc_fuse_apply(jc_card *card)
{
    const jc_profile *p = card->profile;
    jc_pstate *st = &card->st;

    if (!(st->flags & JC_PF_PROTECTED)) {
        st->flags |= JC_PF_FUSED_UNPROTECTED;
        jc_card_warn(card, "FUSE without PROTECT: the card was fused unprotected");
    }
    st->flags |= JC_PF_FUSED;

    bool mapped = true;
    uint8_t cm = *jc_mem_at(card, p->cm_lifecycle_addr);
    st->card_lcs = jc_profile_card_lcs(p, cm, &mapped);
    if (!mapped)
        jc_card_warn(card, "CM_LIFECYCLE holds an unknown value: card life cycle set to OP_READY");

    memset(st->keysets, 0, sizeof(st->keysets));
    st->keysets[0].used = 1;
    st->keysets[0].kvn = p->default_kvn;
    st->keysets[0].counter = 0;
    for (int k = 0; k < 3; k++)
        memcpy(st->keysets[0].key[k], jc_mem_at(card, p->cm_key_addr[k]), JC_KEY_LEN);

    jc_profile_kdd(p, st->kdd);

    memset(st->reg, 0, sizeof(st->reg));
    st->reg[0].kind = JC_REG_ISD;
    st->reg[0].lcs = st->card_lcs;
    st->reg[0].priv = p->isd_priv;
    st->reg[0].aid = p->isd_aid;
    for (size_t i = 0; i < p->n_preinstalled && i + 1 < JC_MAX_REGISTRY; i++)
        st->reg[i + 1] = p->preinstalled[i];
}

static uint16_t h_fuse(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    jc_card_state old = jc_ctx_state(card);
    jc_fuse_apply(card);
    card->root_selected = false;
    card->booted = false;
    memset(&card->selected, 0, sizeof(card->selected));
    jc_gp_vol_reset(card);
    if (card->profile->isd_selected_after_fuse)
        card->selected = card->profile->isd_aid;
    jc_card_state_event(card, old, jc_ctx_state(card),
                        "FUSE: root applet gone, Issuer Security Domain created (irreversible)");
    return card->profile->sw.done.sw;
}

#define ST_ROOT (JC_ST(JC_CS_ROOT_SELECTED) | JC_ST(JC_CS_BOOTED) | JC_ST(JC_CS_BOOTED_PROTECTED))
#define ST_BOOTED (JC_ST(JC_CS_BOOTED) | JC_ST(JC_CS_BOOTED_PROTECTED))

static const jc_cmd prefuse_table[] = {
    {.name = "SELECT",
     .cla_mask = 0x00,
     .cla = 0x00,
     .ins = 0xA4,
     .states = JC_ST_ANY,
     .flags = 0,
     .handler = h_select},
    {.name = "BOOT",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0xF0,
     .states = ST_ROOT,
     .flags = JC_CMD_NO_DATA,
     .handler = h_boot},
    {.name = "READ MEMORY",
     .cla_mask = 0x00,
     .cla = 0x00,
     .ins = 0xB0,
     .states = ST_BOOTED,
     .flags = JC_CMD_NO_DATA | JC_CMD_NEEDS_LE | JC_CMD_EXTENDED_OK,
     .handler = h_read},
    {.name = "WRITE MEMORY",
     .cla_mask = 0x00,
     .cla = 0x00,
     .ins = 0xD6,
     .states = ST_BOOTED,
     .flags = JC_CMD_NEEDS_DATA | JC_CMD_EXTENDED_OK | JC_CMD_PERSISTENT,
     .handler = h_write},
    {.name = "PROTECT",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x10,
     .states = ST_BOOTED,
     .flags = JC_CMD_NO_DATA | JC_CMD_PERSISTENT,
     .handler = h_protect},
    {.name = "FUSE",
     .cla_mask = 0xFF,
     .cla = 0x00,
     .ins = 0x00,
     .states = ST_BOOTED,
     .flags = JC_CMD_NO_DATA | JC_CMD_PERSISTENT,
     .handler = h_fuse},
};
#define JC_PREFUSE_ROWS (sizeof(prefuse_table) / sizeof(prefuse_table[0]))

const jc_cmd *jc_prefuse_table(size_t *n)
{
    *n = JC_PREFUSE_ROWS;
    return prefuse_table;
}

uint16_t jc_prefuse_process(jc_card *card, const jc_apdu *apdu, jc_resp *resp)
{
    if (apdu->ins != 0xA4 && !card->root_selected)
        return card->profile->sw.nothing_selected.sw;
    return jc_dispatch(card, prefuse_table, JC_PREFUSE_ROWS, apdu,
                       resp);
}
