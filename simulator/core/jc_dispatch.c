/*
 * jc_dispatch.c: the generic command dispatcher (jc_cmd.h). Shared checks in
 * a fixed order before any handler; the persistent-change wrapper (snapshot,
 * handler, commit, rollback). A leaf above the card context (jc_cardctx.c):
 * the applications (pre-perso mode, ISD) hand it their tables; it knows none
 * of them.
 */
#include "jc_cmd.h"

#include <string.h>

#include "jc_cardctx.h"

const jc_cmd *jc_cmd_find(const jc_card *card, const jc_cmd *table, size_t n, const jc_apdu *apdu,
                          uint16_t *sw)
{
    bool ins_seen = false;
    for (size_t i = 0; i < n; i++) {
        if (table[i].ins != apdu->ins)
            continue;
        ins_seen = true;
        if ((apdu->cla & table[i].cla_mask) == table[i].cla)
            return &table[i];
    }
    if (sw)
        *sw = ins_seen ? card->profile->sw.wrong_cla.sw : card->profile->sw.unknown_ins.sw;
    return NULL;
}

/* The volatile state a persistent handler may change (FUSE deselects the
 * root applet): restored with the persistent state on a failed commit. */
typedef struct {
    bool root_selected;
    bool booted;
    jc_aid selected;
    bool sel_instance;
    jc_gp_vol gp;
} vol_snapshot;

static void vol_save(const jc_card *card, vol_snapshot *v)
{
    v->root_selected = card->root_selected;
    v->booted = card->booted;
    v->selected = card->selected;
    v->sel_instance = card->sel_instance;
    v->gp = card->gp;
}

static void vol_restore(jc_card *card, const vol_snapshot *v)
{
    card->root_selected = v->root_selected;
    card->booted = v->booted;
    card->selected = v->selected;
    card->sel_instance = v->sel_instance;
    card->gp = v->gp;
}

static uint16_t check_lengths(const jc_card *card, const jc_cmd *row, const jc_apdu *a)
{
    uint16_t bad = card->profile->sw.wrong_length.sw;
    uint16_t f = row->flags;
    if ((f & JC_CMD_NEEDS_DATA) && a->lc == 0)
        return bad;
    if ((f & JC_CMD_NO_DATA) && a->lc != 0)
        return bad;
    if (a->extended && !(f & JC_CMD_EXTENDED_OK))
        return bad;
    if ((f & JC_CMD_NEEDS_LE) && !a->has_le)
        return bad;
    if ((f & JC_CMD_NO_LE) && a->has_le)
        return bad;
    return 0;
}

uint16_t jc_dispatch(jc_card *card, const jc_cmd *table, size_t n, const jc_apdu *apdu,
                     jc_resp *resp)
{
    return jc_dispatch_sm(card, table, n, NULL, apdu, resp);
}

uint16_t jc_dispatch_sm(jc_card *card, const jc_cmd *table, size_t n, jc_cmd_unwrap unwrap,
                        const jc_apdu *wire, jc_resp *resp)
{
    uint16_t sw = 0;
    /* Unknown instructions and classes are answered before secure messaging,
     * so they neither need nor end a session. */
    const jc_cmd *row = jc_cmd_find(card, table, n, wire, &sw);
    if (!row)
        return sw;
    return jc_dispatch_row(card, row, unwrap, wire, resp);
}

uint16_t jc_dispatch_row(jc_card *card, const jc_cmd *row, jc_cmd_unwrap unwrap,
                         const jc_apdu *wire, jc_resp *resp)
{
    uint16_t sw = 0;
    jc_apdu clear = *wire;
    if (unwrap && !(row->flags & (JC_CMD_SM_SELF | JC_CMD_SM_NONE))) {
        sw = unwrap(card, wire, &clear);
        if (sw != 0)
            return sw;
    }
    const jc_apdu *apdu = &clear;
    if (!(row->states & JC_ST(jc_ctx_state(card))))
        return card->profile->sw.wrong_state.sw;
    if ((row->flags & JC_CMD_NEEDS_SC) && !jc_gp_vol_sc_open(card))
        return card->profile->sw.security.sw;
    sw = check_lengths(card, row, apdu);
    if (sw)
        return sw;

    if (card->env.trace) {
        jc_event ev = {.kind = JC_EV_INFO, .text = row->name};
        card->env.trace(card->env.trace_ctx, &ev);
    }

    bool persistent = (row->flags & JC_CMD_PERSISTENT) != 0;
    /* a memory-only card without a runtime needs no snapshot: nothing can fail */
    bool snap = persistent && (card->env.commit || jc_rt_active(card));
    vol_snapshot vs;
    if (snap) {
        memcpy(&card->snap, &card->st, sizeof(card->st));
        vol_save(card, &vs);
    }
    sw = row->handler(card, apdu, resp);
    if (!jc_sw_is_success(sw)) {
        if (snap) {
            jc_card_restore_snap(card);
            vol_restore(card, &vs);
        }
        if (persistent)
            jc_rt_rollback(card);
        return sw; /* data with an error SW is the handler's choice (IDENTIFY + 6A82) */
    }
    if (snap && (memcmp(&card->snap, &card->st, sizeof(card->st)) != 0 || jc_rt_dirty(card))) {
        int rc = jc_card_commit(card);
        if (rc < 0) {
            jc_card_restore_snap(card);
            vol_restore(card, &vs);
            jc_resp_clear(resp);
            jc_card_warn(card, "commit of the card image failed: change rolled back");
            return card->profile->sw.memory_failure.sw;
        }
    }
    return sw;
}
