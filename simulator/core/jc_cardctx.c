/*
 * jc_cardctx.c: the card's context, the floor every other module of the core
 * stands on (jc_cardctx.h): trace events, the observable card state, the
 * commit of the persistent state with the application runtime's section, the
 * volatile GlobalPlatform state's reset, and the IDENTIFY answer both the
 * unfused and the fused card give. It calls nothing above it: the
 * dispatcher, the applications (pre-perso mode, ISD, applet instances) and
 * jc_card.c's routing call into it, never the other way round.
 */
#include <stdlib.h>
#include <string.h>

#include "jc_cardctx.h"
#include "jc_runtime.h"
#include "jc_sw.h"

int jc_ct_memcmp(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(x[i] ^ y[i]);
    return d != 0;
}

void jc_card_trace(const jc_card *card, const jc_event *ev)
{
    if (card->env.trace)
        card->env.trace(card->env.trace_ctx, ev);
}

void jc_card_warn(const jc_card *card, const char *text)
{
    if (card->env.trace) {
        jc_event ev = {.kind = JC_EV_WARN, .text = text};
        card->env.trace(card->env.trace_ctx, &ev);
    }
}

void jc_card_info(const jc_card *card, const char *text)
{
    if (card->env.trace) {
        jc_event ev = {.kind = JC_EV_INFO, .text = text};
        card->env.trace(card->env.trace_ctx, &ev);
    }
}

void jc_card_state_event(const jc_card *card, jc_card_state old_state, jc_card_state new_state,
                         const char *why)
{
    if (card->env.trace && old_state != new_state) {
        jc_event ev = {.kind = JC_EV_STATE,
                       .old_state = (int)old_state,
                       .new_state = (int)new_state,
                       .text = why};
        card->env.trace(card->env.trace_ctx, &ev);
    }
}

/* Commit the persistent state, with the runtime's state staged into it when
 * it changed: the runtime section and the rest of the card reach the image
 * in one commit. On failure the runtime goes back to the last committed
 * section. */
int jc_card_commit(jc_card *card)
{
    uint8_t *old = card->st.rt;
    uint32_t old_len = card->st.rt_len;
    bool staged = false;
    int rc = 0;
    if (jc_rt_dirty(card)) {
        uint8_t *blob = NULL;
        size_t len = 0;
        rc = card->rt_ops->save(card->rt, &blob, &len);
        if (rc >= 0 && len > JC_RT_SECTION_MAX)
            rc = JC_ERR_NOMEM;
        if (rc < 0) {
            free(blob);
            jc_rt_rollback(card);
            jc_card_warn(card, "the application runtime could not save its state");
            return rc == JC_ERR_POWER_CUT ? JC_ERR_NOMEM : rc;
        }
        if (len == 0) {
            free(blob);
            blob = NULL;
        }
        card->st.rt = blob;
        card->st.rt_len = (uint32_t)len;
        staged = true;
    }
    if (card->env.commit)
        rc = card->env.commit(card->env.commit_ctx, &card->st);
    if (rc < 0) {
        if (rc == JC_ERR_POWER_CUT)
            card->fault = JC_ERR_POWER_CUT;
        if (staged) {
            free(card->st.rt);
            card->st.rt = old;
            card->st.rt_len = old_len;
            if (card->rt_ops->restore(card->rt, old, old_len) < 0)
                jc_card_warn(card, "the application runtime could not return to its last state");
        }
        return rc;
    }
    if (staged)
        free(old);
    card->api_n = 0; /* the GP API's changes are durable now */
    return 0;
}

bool jc_api_record(jc_card *card, uint8_t kind, uint8_t idx, uint16_t old)
{
    for (uint8_t i = 0; i < card->api_n; i++)
        if (card->api_undo[i].kind == kind && card->api_undo[i].idx == idx)
            return true; /* the first old value is the one to go back to */
    if (card->api_n >= JC_API_UNDO_MAX)
        return false;
    card->api_undo[card->api_n++] = (jc_api_undo){.kind = kind, .idx = idx, .old = old};
    return true;
}

void jc_card_restore_snap(jc_card *card)
{
    uint8_t *rt = card->st.rt;
    uint32_t rt_len = card->st.rt_len;
    memcpy(&card->st, &card->snap, sizeof(card->st));
    card->st.rt = rt;
    card->st.rt_len = rt_len;
    card->api_n = 0; /* the snapshot put back the GP API's changes too */
}

jc_card_state jc_ctx_state(const jc_card *card)
{
    if (!card || !card->powered)
        return JC_CS_OFF;
    if (card->st.flags & JC_PF_FUSED) {
        jc_card_state s = jc_lcs_state(card->st.card_lcs);
        return s == JC_CS_OFF ? JC_CS_OP_READY : s;
    }
    if (!card->root_selected)
        return JC_CS_UNFUSED_IDLE;
    if (!card->booted)
        return JC_CS_ROOT_SELECTED;
    return (card->st.flags & JC_PF_PROTECTED) ? JC_CS_BOOTED_PROTECTED : JC_CS_BOOTED;
}

bool jc_rt_dirty(const jc_card *card)
{
    return card->rt_ops != NULL && card->rt_ops->dirty(card->rt);
}

void jc_rt_rollback(jc_card *card)
{
    if (jc_rt_dirty(card) && card->rt_ops->restore(card->rt, card->st.rt, card->st.rt_len) < 0)
        jc_card_warn(card, "the application runtime could not return to its last committed state");
}

void jc_gp_vol_reset(jc_card *card)
{
    /* jc_card_create calls this on a card fresh from malloc, before the first
     * power-on: gp is uninitialised then and its pointers must not be read.
     * The card has latched no ATR yet at that point (atr_len 0, set by
     * jc_card_create), and the GP state can own heap blocks only after an APDU
     * was processed, i.e. after a power-on latched an ATR (>= 2 bytes). */
    if (card->atr_len != 0) {
        jc_crypto_free(card->gp.crypto);
        free(card->gp.load_buf);
        for (size_t i = 0; i < JC_CHANNELS; i++) {
            jc_crypto_free(card->chan[i].gp.crypto);
            free(card->chan[i].gp.load_buf);
        }
    }
    memset(&card->gp, 0, sizeof(card->gp));
    /* every supplementary channel closes with the volatile state */
    memset(card->chan, 0, sizeof(card->chan));
    card->chan[0].open = true;
    card->cur_ch = 0;
}

void jc_chan_switch(jc_card *card, uint8_t ch)
{
    if (ch == card->cur_ch || ch >= JC_CHANNELS)
        return;
    jc_chan *out = &card->chan[card->cur_ch];
    out->selected = card->selected;
    out->sel_instance = card->sel_instance;
    out->gp = card->gp; /* the parked copy owns the heap blocks now */
    jc_chan *in = &card->chan[ch];
    card->selected = in->selected;
    card->sel_instance = in->sel_instance;
    card->gp = in->gp;
    memset(&in->gp, 0, sizeof(in->gp));
    card->cur_ch = ch;
}

void jc_chan_close(jc_card *card, uint8_t ch)
{
    if (ch == 0 || ch >= JC_CHANNELS || ch == card->cur_ch)
        return;
    jc_chan *c = &card->chan[ch];
    if (c->sel_instance && card->rt_ops)
        card->rt_ops->deselect(card->rt, &c->selected, ch);
    jc_crypto_free(c->gp.crypto);
    free(c->gp.load_buf);
    memset(c, 0, sizeof(*c));
}

bool jc_gp_vol_sc_open(const jc_card *card)
{
    return card->gp.sc_open;
}

bool jc_is_identify_aid(const jc_card *card, const jc_apdu *a)
{
    const jc_profile *p = card->profile;
    return a->ins == 0xA4 && a->p1 == 0x04 && a->lc == p->identify_aid_len &&
           memcmp(a->data, p->identify_aid, p->identify_aid_len) == 0;
}

uint16_t jc_identify_answer(jc_card *card, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    uint8_t *out = jc_resp_reserve(resp, p->identify_len);
    if (!out)
        return card->profile->sw.wrong_length.sw;
    memcpy(out, p->identify, p->identify_len);
    if (p->identify_fuse_offset < p->identify_len)
        out[p->identify_fuse_offset] = (card->st.flags & JC_PF_FUSED) ? 0x01 : 0x00;
    jc_card_info(card, "JCOP IDENTIFY: identification bytes, fuse state at offset 14");
    return p->sw.identify.sw;
}
