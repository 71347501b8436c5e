/*
 * jc_gp_store.c: STORE DATA to the Issuer Security Domain (GP 2.1.1 §9.11)
 * and the ISD side of INSTALL [for personalization] (§9.5.2.3.5), rows of the
 * ISD table in jc_fused.c; and the ISD data objects STORE DATA may set, read
 * back by GET DATA (jc_gp_isd.c).
 *
 * The row is not JC_CMD_PERSISTENT: the ISD's objects are committed here
 * (jc_card_commit), so that a block the application answers with an error
 * still counts in the block sequence (the dispatcher would roll it back).
 *
 * Blocks: P1 b8 marks the last block, P2 numbers the blocks from 00, strictly
 * sequential (the SD checks the sequence, §9.11.2.2). Blocks for the ISD
 * itself are gathered and their BER-TLV data objects applied together at the
 * last block (42 IIN, 45 CIN, 4F the ISD's AID, 66 Card Data: the ISD's list of
 * §9.11.2.3; 9F67
 * and 9F66, the CPLC pre-personalization and personalization fields that
 * GlobalPlatformPro's --set-pre-perso / --set-perso send). After INSTALL [for
 * personalization] the blocks go to that application instead.
 */
#include <string.h>

#include "jc_cmd.h"
#include "jc_gp.h"
#include "jc_instance.h"
#include "jc_sw.h"

/* CPLC offsets of the parts 9F67 and 9F66 replace (jcop-facts §3 layout). */
#define CPLC_PREPERSO_AT 26u
#define CPLC_PERSO_AT 34u


/* ------------------------------------------------------------ ISD data objects */

int jc_gp_isd_index(const jc_card *card)
{
    for (int i = 0; i < JC_MAX_REGISTRY; i++)
        if (card->st.reg[i].kind == JC_REG_ISD)
            return i;
    return -1;
}

const jc_aid *jc_gp_isd_aid(const jc_card *card)
{
    int i = jc_gp_isd_index(card);
    return i >= 0 ? &card->st.reg[i].aid : &card->profile->isd_aid;
}

/* The profile's FCI (6F L 84 len AID, then the rest) with the ISD's AID. */
uint16_t jc_gp_isd_fci(const jc_card *card, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    const jc_aid *aid = jc_gp_isd_aid(card);
    const uint8_t *f = p->fci;
    if (p->fci_len < 4 || f[0] != 0x6F || f[1] >= 0x80 || f[2] != 0x84 || 4u + f[3] > p->fci_len ||
        jc_gp_aid_eq(aid, f + 4, f[3]))
        return jc_resp_put(resp, f, p->fci_len) < 0 ? JC_SW_WRONG_LENGTH : JC_SW_OK;
    size_t rest = p->fci_len - 4u - f[3];
    uint8_t head[4 + JC_AID_MAX] = {0x6F, (uint8_t)(2u + aid->len + rest), 0x84, aid->len};
    memcpy(head + 4, aid->b, aid->len);
    if (jc_resp_put(resp, head, 4u + aid->len) < 0 || jc_resp_put(resp, f + 4 + f[3], rest) < 0)
        return JC_SW_WRONG_LENGTH;
    return JC_SW_OK;
}

size_t jc_gp_isd_iin(const jc_card *card, const uint8_t **v)
{
    const jc_isd_data *d = &card->st.isd;
    *v = d->iin_len ? d->iin : card->profile->iin;
    return d->iin_len ? d->iin_len : card->profile->iin_len;
}

size_t jc_gp_isd_cin(const jc_card *card, const uint8_t **v)
{
    const jc_isd_data *d = &card->st.isd;
    *v = d->cin_len ? d->cin : card->profile->cin;
    return d->cin_len ? d->cin_len : card->profile->cin_len;
}

size_t jc_gp_isd_card_data(const jc_card *card, const uint8_t **v)
{
    const jc_isd_data *d = &card->st.isd;
    *v = d->card_data_len ? d->card_data : card->profile->card_data;
    return d->card_data_len ? d->card_data_len : card->profile->card_data_len;
}

void jc_gp_isd_cplc(const jc_card *card, uint8_t out[JC_CPLC_LEN])
{
    const jc_isd_data *d = &card->st.isd;
    memcpy(out, card->profile->cplc, JC_CPLC_LEN);
    if (d->cplc_set & JC_ISD_CPLC_PREPERSO)
        memcpy(out + CPLC_PREPERSO_AT, d->cplc_preperso, JC_ISD_CPLC_PART);
    if (d->cplc_set & JC_ISD_CPLC_PERSO)
        memcpy(out + CPLC_PERSO_AT, d->cplc_perso, JC_ISD_CPLC_PART);
}

/* One BER-TLV header at d[0..n): tag (1 or 2 bytes), length (short form or
 * 81/82). Returns the header length, or 0 when malformed or truncated. */
static size_t tlv_head(const uint8_t *d, size_t n, uint16_t *tag, size_t *len)
{
    size_t h = 0;
    if (n < 2)
        return 0;
    *tag = d[h++];
    if ((*tag & 0x1Fu) == 0x1Fu) {
        if (d[h] & 0x80u)
            return 0; /* tags longer than two bytes: none of ours */
        *tag = (uint16_t)(*tag << 8 | d[h++]);
    }
    if (h >= n)
        return 0;
    uint8_t l = d[h++];
    if (l < 0x80u) {
        *len = l;
    } else if (l == 0x81u && h + 1 <= n) {
        *len = d[h++];
    } else if (l == 0x82u && h + 2 <= n) {
        *len = (size_t)d[h] << 8 | d[h + 1];
        h += 2;
    } else {
        return 0;
    }
    return *len <= n - h ? h : 0;
}

/* Apply the gathered data objects to a copy of the ISD data; the card's is
 * replaced only when every object is valid (all or nothing). */
static uint16_t apply_isd_objects(jc_card *card, const uint8_t *d, size_t n)
{
    jc_isd_data isd = card->st.isd;
    jc_aid new_aid = {0};
    if (n == 0)
        return JC_SW_WRONG_DATA;
    for (size_t off = 0; off < n;) {
        uint16_t tag;
        size_t len;
        size_t h = tlv_head(d + off, n - off, &tag, &len);
        if (h == 0)
            return JC_SW_WRONG_DATA;
        const uint8_t *v = d + off + h;
        switch (tag) {
        case 0x42:
        case 0x45:
            if (len < 1 || len > JC_ISD_ID_MAX)
                return JC_SW_WRONG_DATA;
            memset(tag == 0x42 ? isd.iin : isd.cin, 0, JC_ISD_ID_MAX);
            memcpy(tag == 0x42 ? isd.iin : isd.cin, v, len);
            *(tag == 0x42 ? &isd.iin_len : &isd.cin_len) = (uint8_t)len;
            break;
        case 0x66:
            if (len < 1 || len > JC_ISD_CARD_DATA_MAX)
                return JC_SW_WRONG_DATA;
            memset(isd.card_data, 0, sizeof(isd.card_data));
            memcpy(isd.card_data, v, len);
            isd.card_data_len = (uint8_t)len;
            break;
        case 0x9F67:
        case 0x9F66:
            if (len != JC_ISD_CPLC_PART)
                return JC_SW_WRONG_DATA;
            memcpy(tag == 0x9F67 ? isd.cplc_preperso : isd.cplc_perso, v, len);
            isd.cplc_set |= tag == 0x9F67 ? JC_ISD_CPLC_PREPERSO : JC_ISD_CPLC_PERSO;
            break;
        case 0x4F: {
            /* a new ISD AID (GPPro --rename-isd): not another entry's */
            if (len < 5 || len > JC_AID_MAX)
                return JC_SW_WRONG_DATA;
            int at = jc_gp_reg_find(card, v, len);
            if (at >= 0 && at != jc_gp_isd_index(card))
                return (&card->profile->gp)->duplicate_aid.sw;
            memset(&new_aid, 0, sizeof(new_aid));
            new_aid.len = (uint8_t)len;
            memcpy(new_aid.b, v, len);
            break;
        }
        default:
            /* anything else: not taken (Table 9-63) */
            jc_card_warn(card, "STORE DATA: a data object the ISD does not take");
            return JC_SW_WRONG_DATA;
        }
        off += h + len;
    }
    jc_isd_data before = card->st.isd;
    int isd_at = jc_gp_isd_index(card);
    jc_aid aid_before = isd_at >= 0 ? card->st.reg[isd_at].aid : card->profile->isd_aid;
    card->st.isd = isd;
    if (new_aid.len && isd_at >= 0) {
        /* renamed: the ISD stays selected under its new name */
        card->st.reg[isd_at].aid = new_aid;
        card->selected = new_aid;
    }
    if (jc_card_commit(card) < 0) {
        card->st.isd = before;
        if (new_aid.len && isd_at >= 0) {
            card->st.reg[isd_at].aid = aid_before;
            card->selected = aid_before;
        }
        jc_card_warn(card, "commit of the card image failed: STORE DATA rolled back");
        return card->profile->sw.memory_failure.sw;
    }
    jc_card_info(card, "STORE DATA: ISD data objects stored");
    return JC_SW_OK;
}

/* ------------------------------------------------------------ STORE DATA */

uint16_t jc_gp_store_data(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_gp_policy *pol = (&card->profile->gp);
    jc_gp_vol *g = &card->gp;
    bool last = (a->p1 & 0x80u) != 0;
    /* P2 = block number: 00 starts a sequence, the next one continues it. */
    if (a->p2 == 0x00) {
        g->sd_active = true;
        g->sd_len = 0;
    } else if (!g->sd_active || a->p2 != g->sd_next) {
        jc_card_warn(card, "STORE DATA: block out of sequence");
        return pol->store_sequence.sw;
    }
    if (g->perso_active) {
        /* INSTALL [for personalization] before: the blocks are the
         * application's (§9.11.1), forwarded clear (unwrapped, CLA 80) to the
         * application runtime, which hands them to the instance's
         * org.globalplatform.Application.processData (§7.3, §6.2.4); without
         * a runtime the application's code does not run and it answers as
         * every installed applet does. */
        g->sd_next = (uint8_t)(a->p2 + 1u);
        jc_aid target = g->perso_target;
        if (last)
            jc_gp_store_end(card); /* the personalization ends with its last block */
        if (card->rt_ops == NULL) {
            jc_card_info(card, "STORE DATA for the application being personalized: its code is "
                               "not executed");
            return card->profile->gp.perso_forward.sw;
        }
        uint8_t fwd[5 + 255];
        fwd[0] = (uint8_t)(a->cla & ~0x04u);
        fwd[1] = a->ins;
        fwd[2] = a->p1;
        fwd[3] = a->p2;
        fwd[4] = (uint8_t)a->lc;
        memcpy(fwd + 5, a->data, a->lc);
        jc_card_info(card, "STORE DATA forwarded to the application being personalized");
        return jc_rt_personalize(card, &target, fwd, 5u + a->lc, resp);
    }
    /* P1 b7-b4 ([GP221] Table 11-89): encrypted data (b7-b6 = 11) or the DGI
     * structure (b5-b4 = 01) are not what the ISD's objects are. */
    uint8_t enc = (uint8_t)(a->p1 & 0x60u), structure = (uint8_t)(a->p1 & 0x18u);
    if (enc == 0x60u || structure == 0x08u || structure == 0x18u) {
        jc_card_warn(card, "STORE DATA: encrypted or DGI data is not taken by the ISD");
        return JC_SW_WRONG_DATA;
    }
    if (a->lc > sizeof(g->sd_buf) - g->sd_len)
        return JC_SW_NOT_ENOUGH_MEMORY;
    memcpy(g->sd_buf + g->sd_len, a->data, a->lc);
    g->sd_len += a->lc;
    g->sd_next = (uint8_t)(a->p2 + 1u);
    if (!last)
        return JC_SW_OK;
    g->sd_active = false;
    uint16_t sw = apply_isd_objects(card, g->sd_buf, g->sd_len);
    g->sd_len = 0;
    return sw;
}

/* INSTALL [for personalization] (Table 9-33): 00 00 len|AID 00 00 00. The
 * application must be installed (not a load file, not the ISD) and not locked;
 * the STORE DATA commands that follow are its. */
uint16_t jc_gp_install_perso(jc_card *card, const uint8_t *d, size_t n)
{
    const jc_gp_policy *pol = (&card->profile->gp);
    if (n < 3 || d[0] != 0 || d[1] != 0)
        return JC_SW_WRONG_DATA;
    size_t l = d[2];
    if (l < 5 || l > JC_AID_MAX || n != 3u + l + 3u || d[3 + l] || d[4 + l] || d[5 + l])
        return JC_SW_WRONG_DATA;
    int i = jc_gp_reg_find(card, d + 3, l);
    if (i < 0)
        return pol->not_found.sw;
    const jc_reg_entry *e = &card->st.reg[i];
    if (e->kind != JC_REG_APP && e->kind != JC_REG_SD)
        return pol->not_found.sw;
    if (e->lcs & 0x80u)
        return card->profile->sw.wrong_state.sw; /* LOCKED */
    jc_gp_store_end(card);
    card->gp.perso_active = true;
    card->gp.perso_target = e->aid;
    jc_card_info(card, "INSTALL [for personalization]: STORE DATA goes to the application");
    return JC_SW_OK;
}
