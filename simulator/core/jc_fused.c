/*
 * jc_fused.c: the fused card, minimal model (DESIGN.md §4 "After FUSE").
 *
 * jc_card_process routes every APDU of a fused card to jc_fused_process. This
 * version knows only what issue 2 needs: SELECT of the ISD (its AID or the
 * empty AID) answers the profile's FCI, IDENTIFY still answers, other SELECTs
 * answer 6A82 (the ISD stays selected), CLA C0 6E00, the pre-FUSE instructions
 * and everything else 6D00. The GlobalPlatform engine replaces this body with
 * the full ISD, keeping jc_fused_process as the single entry point.
 */
#include <string.h>

#include "jc_card_int.h"
#include "jc_cmd.h"

void jc_gp_vol_reset(jc_card *card)
{
    memset(&card->gp, 0, sizeof(card->gp));
}

bool jc_gp_vol_sc_open(const jc_card *card)
{
    return card->gp.sc_open;
}

void jc_fused_power_up(jc_card *card)
{
    card->selected = card->profile->isd_aid;
}

static bool is_isd_select(const jc_card *card, const jc_apdu *a)
{
    if (a->p1 != 0x04)
        return false;
    if (a->lc == 0)
        return true; /* empty AID selects the ISD */
    const jc_aid *isd = &card->profile->isd_aid;
    return a->lc == isd->len && memcmp(a->data, isd->b, isd->len) == 0;
}

static uint16_t h_select(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    if (jc_is_identify_aid(card, a))
        return jc_identify_answer(card, resp);
    if (a->cla == 0x00 && is_isd_select(card, a)) {
        card->selected = p->isd_aid;
        if (jc_resp_put(resp, p->fci, p->fci_len) < 0)
            return p->sw.wrong_length.sw;
        return p->sw.done.sw;
    }
    card->gp.sc_open = false; /* a failed SELECT keeps the ISD but ends the secure channel */
    return p->sw.select_failed.sw;
}

static uint16_t h_gone(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    return card->profile->sw.fused_prefuse_ins.sw;
}

#define ST_FUSED                                                                                   \
    (JC_ST(JC_CS_OP_READY) | JC_ST(JC_CS_INITIALIZED) | JC_ST(JC_CS_SECURED) |                     \
     JC_ST(JC_CS_CARD_LOCKED) | JC_ST(JC_CS_TERMINATED))

static const jc_cmd fused_table[] = {
    {.name = "SELECT", .cla_mask = 0xFC, .cla = 0x00, .ins = 0xA4, .states = ST_FUSED,
     .flags = 0, .handler = h_select},
    {.name = "BOOT (gone after FUSE)", .cla_mask = 0x00, .cla = 0x00, .ins = 0xF0,
     .states = ST_FUSED, .flags = 0, .handler = h_gone},
    {.name = "PROTECT (gone after FUSE)", .cla_mask = 0x00, .cla = 0x00, .ins = 0x10,
     .states = ST_FUSED, .flags = 0, .handler = h_gone},
    {.name = "FUSE (gone after FUSE)", .cla_mask = 0x00, .cla = 0x00, .ins = 0x00,
     .states = ST_FUSED, .flags = 0, .handler = h_gone},
};

uint16_t jc_fused_process(jc_card *card, const jc_apdu *apdu, jc_resp *resp)
{
    if (apdu->cla == 0xC0)
        return card->profile->sw.fused_cla_c0.sw;
    return jc_dispatch(card, fused_table, sizeof(fused_table) / sizeof(fused_table[0]), apdu, resp);
}
