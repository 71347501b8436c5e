/*
 * jc_fused.c: the fused card's entry point, jc_fused_process, called by
 * jc_card_process for every APDU once FUSE was sent (DESIGN.md §4 "After
 * FUSE"). It plays the OPEN's part: SELECT (ISD, empty AID, registry
 * applications, IDENTIFY), routing to the selected application (an installed
 * applet's code is not executed: it answers 6D00 to everything), secure
 * messaging (C-MAC check and C-DEC decryption through jc_scp02), and then the
 * ISD's command table, whose rows carry the card states of GP 2.1.1 Table 9-1
 * and the security each command needs. The handlers are in jc_gp_isd.c and
 * jc_gp_content.c.
 */
#include <stdlib.h>
#include <string.h>

#include "jc_cmd.h"
#include "jc_fused.h"
#include "jc_instance.h"
#include "jc_gp.h"
#include "jc_sw.h"

static bool isd_selected(const jc_card *card)
{
    return jc_gp_aid_eq(jc_gp_isd_aid(card), card->selected.b, card->selected.len);
}

static bool app_selectable(const jc_reg_entry *e)
{
    return (e->kind == JC_REG_APP || e->kind == JC_REG_SD) &&
           (e->lcs & JC_APP_LCS_SELECTABLE_BIT) && !(e->lcs & JC_APP_LCS_LOCKED_BIT);
}

/* Select what the basic channel gets at power-up on the active channel: the
 * ISD, or the holder of the Default Selected privilege. */
static void select_default(jc_card *card)
{
    card->selected = *jc_gp_isd_aid(card);
    card->sel_instance = false;
    uint8_t lcs = card->st.card_lcs;
    if (lcs == JC_LCS_CARD_LOCKED || lcs == JC_LCS_TERMINATED)
        return; /* CARD_LOCKED, TERMINATED: the ISD is selected */
    for (size_t i = 0; i < JC_MAX_REGISTRY; i++) {
        const jc_reg_entry *e = &card->st.reg[i];
        if (app_selectable(e) && (e->priv & JC_PRIV_DEFAULT_SELECTED)) {
            /* Default Selected privilege (GP 2.1.1 §6.6.2.4) */
            if (jc_rt_active(card))
                jc_rt_select_implicit(card, &e->aid);
            else
                card->selected = e->aid;
            return;
        }
    }
}

void jc_fused_power_up(jc_card *card)
{
    select_default(card);
}

/* SELECT by name, handled by the OPEN whatever is selected. */
static uint16_t h_select(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    const jc_gp_policy *pol = &card->profile->gp;
    jc_gp_session_end(card, "SELECT: the secure channel ends");
    if (jc_is_identify_aid(card, a))
        return jc_identify_answer(card, resp);
    bool locked = card->st.card_lcs == JC_LCS_CARD_LOCKED;
    if (a->p1 != 0x04)
        return p->sw.select_failed.sw;
    const jc_aid *isd = jc_gp_isd_aid(card); /* the profile's, or STORE DATA's 4F */
    if (a->lc == 0 || jc_gp_aid_eq(isd, a->data, a->lc) ||
        (a->lc >= 5 && a->lc < isd->len && memcmp(isd->b, a->data, a->lc) == 0)) {
        jc_rt_deselect(card);
        card->selected = *isd;
        if (jc_gp_isd_fci(card, resp) != JC_SW_OK)
            return p->sw.wrong_length.sw;
        if (locked) {
            jc_card_info(card, "card is CARD_LOCKED: ISD selected with warning 6283");
            return pol->locked_select.sw;
        }
        return p->sw.done.sw;
    }
    /* Registry applications: exact match first, then a partial (prefix) match. */
    int hit = -1;
    for (int pass = 0; pass < 2 && hit < 0; pass++) {
        for (size_t i = 0; i < JC_MAX_REGISTRY; i++) {
            const jc_reg_entry *e = &card->st.reg[i];
            if (!app_selectable(e) || a->lc > e->aid.len || memcmp(e->aid.b, a->data, a->lc) != 0)
                continue;
            if (pass == 0 && e->aid.len != a->lc)
                continue;
            hit = (int)i;
            break;
        }
    }
    if (hit < 0)
        return p->sw.select_failed.sw; /* the current selection stays */
    if (locked)
        return pol->locked_select_app.sw;
    jc_rt_deselect(card);
    if (jc_rt_active(card)) {
        bool selected = false;
        jc_aid inst = card->st.reg[hit].aid;
        uint16_t sw = jc_rt_select(card, &inst, a, resp, &selected);
        memset(&card->selected, 0, sizeof(card->selected));
        if (selected) {
            card->selected = inst;
            card->sel_instance = true;
            jc_card_info(card, "application selected: its select() accepted");
        } else {
            jc_card_info(card, "application not selected: nothing is selected on the channel");
        }
        return sw;
    }
    card->selected = card->st.reg[hit].aid;
    jc_card_info(card, "application selected (its code is not executed: it answers 6D00)");
    return p->sw.done.sw;
}

/* MANAGE CHANNEL (GP 2.1.1 §9.7; gp211-reference §3.13), handled by the OPEN:
 * P1=00 opens a channel (P2=00: the lowest free one, answered as one byte;
 * P2=01..03: that one), P1=80 closes channel P2. */
static uint16_t h_manage_channel(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    const jc_gp_policy *pol = &p->gp;
    if (a->cla & 0x04u)
        return p->sw.channel_sm.sw; /* no secure messaging on MANAGE CHANNEL */
    uint8_t lcs = card->st.card_lcs;
    if (lcs == JC_LCS_CARD_LOCKED || lcs == JC_LCS_TERMINATED)
        return p->sw.channel_locked.sw;
    if (a->p1 == 0x80) {
        if (a->p2 == 0 || a->p2 >= JC_CHANNELS || a->lc != 0 || a->has_le)
            return a->p2 == 0 || a->p2 >= JC_CHANNELS ? JC_SW_INCORRECT_P1P2
                                                      : p->sw.wrong_length.sw;
        if (!card->chan[a->p2].open)
            return p->sw.channel_closed.sw; /* warning: already closed */
        if (a->p2 == card->cur_ch) {
            /* the channel the command came on: its registers are the live
             * ones; they are cleared and parked with the next command */
            jc_rt_deselect(card);
            jc_gp_session_end(card, "MANAGE CHANNEL: the channel closes, its session ends");
            jc_crypto_free(card->gp.crypto);
            free(card->gp.load_buf);
            memset(&card->gp, 0, sizeof(card->gp));
            memset(&card->selected, 0, sizeof(card->selected));
            card->chan[a->p2].open = false;
        } else {
            jc_chan_close(card, a->p2);
        }
        jc_card_info(card, "MANAGE CHANNEL: logical channel closed");
        return p->sw.done.sw;
    }
    if (a->p1 != 0x00 || a->p2 >= JC_CHANNELS || a->lc != 0)
        return a->lc != 0 ? p->sw.wrong_length.sw : JC_SW_INCORRECT_P1P2;
    uint8_t ch = a->p2;
    if (ch == 0) {
        for (ch = 1; ch < JC_CHANNELS && card->chan[ch].open; ch++)
            ;
        if (ch == JC_CHANNELS)
            return pol->channel.sw; /* none free */
        if (!a->has_le)
            return p->sw.wrong_length.sw; /* the card's answer is the channel number */
    } else if (card->chan[ch].open || a->has_le) {
        return card->chan[ch].open ? pol->channel.sw : p->sw.wrong_length.sw;
    }
    /* the new channel starts with the basic channel's default application when
     * opened from channel 0, else with the originating channel's application */
    uint8_t from = card->cur_ch;
    jc_aid origin = card->selected;
    bool origin_instance = card->sel_instance;
    jc_chan_switch(card, ch);
    card->chan[ch].open = true;
    if (from == 0 || !origin_instance) {
        if (from == 0) {
            select_default(card);
        } else {
            card->selected = origin;
            card->sel_instance = false;
        }
    } else {
        jc_rt_select_implicit(card, &origin);
    }
    jc_chan_switch(card, from);
    jc_card_info(card, "MANAGE CHANNEL: logical channel opened");
    if (a->p2 == 0 && jc_resp_put_u8(resp, ch) < 0)
        return p->sw.wrong_length.sw;
    return p->sw.done.sw;
}

static uint16_t h_gone(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    return card->profile->sw.fused_prefuse_ins.sw;
}

#define ST_ALIVE                                                                                   \
    (JC_ST(JC_CS_OP_READY) | JC_ST(JC_CS_INITIALIZED) | JC_ST(JC_CS_SECURED) |                     \
     JC_ST(JC_CS_CARD_LOCKED))
#define ST_FUSED (ST_ALIVE | JC_ST(JC_CS_TERMINATED))
#define ST_MANAGE (JC_ST(JC_CS_OP_READY) | JC_ST(JC_CS_INITIALIZED) | JC_ST(JC_CS_SECURED))

/* Commands of the unfused card: answered before secure messaging, in any form. */
#define GONE (JC_CMD_SM_NONE | JC_CMD_EXTENDED_OK)

#define N_ROWS(t) (sizeof(t) / sizeof((t)[0]))

/* SELECT is handled by the OPEN in every state but TERMINATED. */
static const jc_cmd open_table[] = {
    {.name = "SELECT",
     .cla_mask = 0xFC,
     .cla = 0x00,
     .ins = 0xA4,
     .states = ST_ALIVE,
     .flags = 0,
     .handler = h_select},
    {.name = "MANAGE CHANNEL",
     .cla_mask = 0xF8,
     .cla = 0x00,
     .ins = 0x70,
     .states = ST_FUSED,
     .flags = 0,
     .handler = h_manage_channel},
};

/* The ISD's commands (GP 2.1.1 Table 9-1; gp211-reference §1.3). GP commands
 * are short APDUs: no row accepts the extended form. CLA 80-87 for the GP
 * proprietary commands (84-87 arrive here unwrapped). */
static const jc_cmd isd_table[] = {
    {.name = "GET DATA",
     .cla_mask = 0x78,
     .cla = 0x00,
     .ins = 0xCA,
     .states = ST_FUSED,
     .flags = 0,
     .handler = jc_gp_get_data},
    {.name = "INITIALIZE UPDATE",
     .cla_mask = 0xFC,
     .cla = 0x80,
     .ins = 0x50,
     .states = ST_ALIVE,
     .flags = JC_CMD_NEEDS_DATA | JC_CMD_SM_SELF,
     .handler = jc_gp_init_update},
    {.name = "EXTERNAL AUTHENTICATE",
     .cla_mask = 0xF8,
     .cla = 0x80,
     .ins = 0x82,
     .states = ST_ALIVE,
     .flags = JC_CMD_NEEDS_DATA | JC_CMD_SM_SELF,
     .handler = jc_gp_ext_auth},
    {.name = "GET STATUS",
     .cla_mask = 0xF8,
     .cla = 0x80,
     .ins = 0xF2,
     .states = ST_ALIVE,
     .flags = JC_CMD_NEEDS_SC | JC_CMD_NEEDS_DATA,
     .handler = jc_gp_get_status},
    {.name = "SET STATUS",
     .cla_mask = 0xF8,
     .cla = 0x80,
     .ins = 0xF0,
     .states = ST_ALIVE,
     .flags = JC_CMD_NEEDS_SC | JC_CMD_PERSISTENT,
     .handler = jc_gp_set_status},
    {.name = "PUT KEY",
     .cla_mask = 0xF8,
     .cla = 0x80,
     .ins = 0xD8,
     .states = ST_MANAGE,
     .flags = JC_CMD_NEEDS_SC | JC_CMD_NEEDS_DATA | JC_CMD_PERSISTENT,
     .handler = jc_gp_put_key},
    {.name = "INSTALL",
     .cla_mask = 0xF8,
     .cla = 0x80,
     .ins = 0xE6,
     .states = ST_MANAGE,
     .flags = JC_CMD_NEEDS_SC | JC_CMD_NEEDS_DATA | JC_CMD_PERSISTENT,
     .handler = jc_gp_install},
    {.name = "LOAD",
     .cla_mask = 0xF8,
     .cla = 0x80,
     .ins = 0xE8,
     .states = ST_MANAGE,
     .flags = JC_CMD_NEEDS_SC | JC_CMD_NEEDS_DATA,
     .handler = jc_gp_load},
    {.name = "DELETE",
     .cla_mask = 0xF8,
     .cla = 0x80,
     .ins = 0xE4,
     .states = ST_MANAGE,
     .flags = JC_CMD_NEEDS_SC | JC_CMD_NEEDS_DATA | JC_CMD_PERSISTENT,
     .handler = jc_gp_delete},
    /* STORE DATA commits its own change (its forwarded blocks keep their sequence) */
    {.name = "STORE DATA",
     .cla_mask = 0xF8,
     .cla = 0x80,
     .ins = 0xE2,
     .states = ST_MANAGE,
     .flags = JC_CMD_NEEDS_SC | JC_CMD_NEEDS_DATA,
     .handler = jc_gp_store_data},
    /* SELECT with a GP class: the ISD knows the INS, not the class (6E00) */
    {.name = "SELECT",
     .cla_mask = 0xFC,
     .cla = 0x00,
     .ins = 0xA4,
     .states = ST_ALIVE,
     .flags = 0,
     .handler = h_select},
    {.name = "BOOT (gone after FUSE)",
     .cla_mask = 0x00,
     .cla = 0x00,
     .ins = 0xF0,
     .states = ST_FUSED,
     .flags = GONE,
     .handler = h_gone},
    {.name = "PROTECT (gone after FUSE)",
     .cla_mask = 0x00,
     .cla = 0x00,
     .ins = 0x10,
     .states = ST_FUSED,
     .flags = GONE,
     .handler = h_gone},
    {.name = "FUSE (gone after FUSE)",
     .cla_mask = 0x00,
     .cla = 0x00,
     .ins = 0x00,
     .states = ST_FUSED,
     .flags = GONE,
     .handler = h_gone},
};

const jc_cmd *jc_fused_open_table(size_t *n)
{
    *n = N_ROWS(open_table);
    return open_table;
}

const jc_cmd *jc_fused_isd_table(size_t *n)
{
    *n = N_ROWS(isd_table);
    return isd_table;
}


/* Secure messaging before the ISD's table: returns 0 to go on with *clear,
 * or the SW that answers the command. */
static uint16_t secure_messaging(jc_card *card, const jc_apdu *a, jc_apdu *clear)
{
    const jc_gp_policy *pol = &card->profile->gp;
    *clear = *a;
    jc_scp02 *sc = &card->gp.sc;
    if (card->st.card_lcs == JC_LCS_TERMINATED)
        return 0; /* TERMINATED: GET DATA only (the rows' states), no session */
    if (a->cla & 0x04u) {
        if (!jc_scp02_is_open(sc) || a->extended) {
            jc_gp_session_end(card, "command with a C-MAC outside a secure channel: session closed");
            return pol->mac_failed.sw;
        }
        jc_crypto *c = jc_gp_crypto(card);
        if (c == NULL)
            return card->profile->sw.memory_failure.sw;
        /* the MAC covers CLA with the channel bits 0 (GP 2.1.1 §E.4.4) */
        uint8_t hdr[4] = {(uint8_t)(a->cla & ~0x03u), a->ins, a->p1, a->p2};
        size_t n = 0;
        int rc = jc_scp02_card_unwrap(sc, c, hdr, a->data, a->lc, card->gp.clear,
                                      sizeof(card->gp.clear), &n);
        if (rc != JC_SW_OK) {
            jc_gp_session_end(card, NULL);
            jc_card_warn(card, "C-MAC verification failed: secure channel closed");
            return rc > 0 ? (uint16_t)rc : pol->mac_failed.sw;
        }
        clear->lc = (uint32_t)n;
        clear->data = n > 0 ? card->gp.clear : NULL;
        return 0;
    }
    if (jc_scp02_is_open(sc) && sc->level != JC_SCP02_LEVEL_NONE) {
        jc_gp_session_end(card, NULL);
        jc_card_warn(card, "command without its C-MAC inside a secure channel: session closed");
        return pol->mac_failed.sw;
    }
    return 0;
}

uint16_t jc_fused_process(jc_card *card, const jc_apdu *apdu, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    if (apdu->cla == 0xC0)
        return p->sw.fused_cla_c0.sw;
    /* the logical channel: CLA b1-b2 of the first interindustry and the GP
     * proprietary classes; a channel that is not open: 6881 */
    uint8_t cls = apdu->cla & 0xF0u;
    uint8_t ch = (cls == 0x00u || cls == 0x80u) ? (uint8_t)(apdu->cla & 0x03u) : 0u;
    if (!card->chan[ch].open)
        return card->profile->gp.channel.sw;
    jc_chan_switch(card, ch);
    /* the OPEN: SELECT and MANAGE CHANNEL, whatever the channel has selected */
    const jc_cmd *open = jc_cmd_find(card, open_table, N_ROWS(open_table), apdu, NULL);
    if (open != NULL)
        return jc_dispatch_row(card, open, NULL, apdu, resp);
    if (card->sel_instance &&
        (card->st.card_lcs == JC_LCS_CARD_LOCKED || card->st.card_lcs == JC_LCS_TERMINATED)) {
        /* the card was locked or terminated while an applet was selected
         * (GPSystem.lockCard/terminateCard, SET STATUS on another channel):
         * only the ISD is selectable in these states (GP 2.1.1 §6.3.1.1.1,
         * §5.1.1.4-5), so the applet loses the selection and the ISD takes
         * the command */
        jc_rt_deselect(card);
        card->selected = *jc_gp_isd_aid(card);
        jc_card_info(card, "card locked or terminated: the applet is deselected, the ISD selected");
    }
    if (card->sel_instance)
        return jc_rt_process(card, apdu, resp);
    if (!isd_selected(card))
        return p->sw.unknown_ins.sw; /* an installed applet: its code is not executed */
    return jc_dispatch_sm(card, isd_table, N_ROWS(isd_table), secure_messaging, apdu, resp);
}
