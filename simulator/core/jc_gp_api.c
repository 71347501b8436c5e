/*
 * jc_gp_api.c: the OPEN's and the ISD's services to an application's code
 * (jc_gp_api.h): GPSystem's life cycles from the registry, SecureChannel on
 * the ISD's SCP02 session of the command's channel. Persistent changes are
 * recorded (jc_api_record) and committed by jc_card_process after the
 * command, never while the applet's code runs.
 */
#include "jc_gp_api.h"

#include <string.h>

#include "jc_cardctx.h"
#include "jc_gp.h"
#include "jc_scp02.h"
#include "jc_sw.h"

/* The registry entry of an application (APP or SD), -1 when none. */
static int app_entry(const jc_card *card, const jc_aid *app)
{
    if (app == NULL || app->len == 0)
        return -1;
    int i = jc_gp_reg_find(card, app->b, app->len);
    if (i < 0)
        return -1;
    uint8_t kind = card->st.reg[i].kind;
    return kind == JC_REG_APP || kind == JC_REG_SD ? i : -1;
}

uint8_t jc_gp_api_card_state(const jc_card *card)
{
    return card->st.card_lcs ? card->st.card_lcs : JC_LCS_SECURED;
}

int jc_gp_api_app_state(const jc_card *card, const jc_aid *app)
{
    int i = app_entry(card, app);
    return i < 0 ? -1 : card->st.reg[i].lcs;
}

bool jc_gp_api_set_app_state(jc_card *card, const jc_aid *app, uint8_t state)
{
    /* GP 2.1.1 A.2 GPSystem.setCardContentState: application-specific states
     * 07..7F with b1-b3 set; INSTALLED and LOCKED are refused (§5.3.1) */
    if ((state & 0x07u) != 0x07u || (state & JC_APP_LCS_LOCKED_BIT))
        return false;
    int i = app_entry(card, app);
    if (i < 0)
        return false;
    jc_reg_entry *e = &card->st.reg[i];
    if (e->lcs & JC_APP_LCS_LOCKED_BIT)
        return false;
    if (e->lcs == state)
        return true;
    if (!jc_api_record(card, JC_API_APP_LCS, (uint8_t)i, e->lcs))
        return false;
    e->lcs = state;
    jc_card_info(card, "GPSystem.setCardContentState: the application's life cycle changed");
    return true;
}

/* The card life cycle becomes `to` by an application's request. */
static bool card_to(jc_card *card, uint8_t to, const char *why)
{
    uint8_t from = card->st.card_lcs;
    int isd = jc_gp_isd_index(card);
    if (!jc_api_record(card, JC_API_CARD_LCS, 0, from))
        return false;
    card->st.card_lcs = to;
    if (isd >= 0)
        card->st.reg[isd].lcs = to;
    jc_card_state_event(card, jc_lcs_state(from), jc_lcs_state(to), why);
    return true;
}

bool jc_gp_api_lock_card(jc_card *card, const jc_aid *app)
{
    int i = app_entry(card, app);
    if (i < 0 || !(card->st.reg[i].priv & JC_PRIV_CARD_LOCK))
        return false;
    if (card->st.card_lcs == JC_LCS_CARD_LOCKED)
        return true;
    if (card->st.card_lcs != JC_LCS_SECURED) /* §6.7.2: from SECURED only */
        return false;
    return card_to(card, JC_LCS_CARD_LOCKED, "GPSystem.lockCard: card locked by an application");
}

bool jc_gp_api_terminate_card(jc_card *card, const jc_aid *app)
{
    int i = app_entry(card, app);
    if (i < 0 || !(card->st.reg[i].priv & JC_PRIV_CARD_TERMINATE))
        return false;
    if (card->st.card_lcs == JC_LCS_TERMINATED)
        return true;
    if (card->st.card_lcs == JC_LCS_NONE)
        return false;
    return card_to(card, JC_LCS_TERMINATED,
                   "GPSystem.terminateCard: card TERMINATED by an application (irreversible)");
}

void jc_gp_api_undo(jc_card *card)
{
    bool counter = false;
    while (card->api_n > 0) {
        const jc_api_undo *u = &card->api_undo[--card->api_n];
        switch (u->kind) {
        case JC_API_APP_LCS:
            card->st.reg[u->idx].lcs = (uint8_t)u->old;
            break;
        case JC_API_CARD_LCS: {
            int isd = jc_gp_isd_index(card);
            card->st.card_lcs = (uint8_t)u->old;
            if (isd >= 0)
                card->st.reg[isd].lcs = (uint8_t)u->old;
            break;
        }
        case JC_API_COUNTER:
            card->st.keysets[u->idx].counter = u->old;
            counter = true;
            break;
        default:
            break;
        }
    }
    if (counter) /* a session whose counter is not durable must not go on */
        jc_gp_session_end(card, "the sequence counter could not be committed: session closed");
}

/* ------------------------------------------------------------ SecureChannel */

uint8_t jc_gp_api_security_level(const jc_card *card)
{
    const jc_scp02 *sc = &card->gp.sc;
    if (!card->gp.sc_open || !jc_scp02_is_open(sc))
        return 0x00;
    uint8_t level = 0x80u; /* AUTHENTICATED */
    if (sc->level & JC_SCP02_LEVEL_CMAC)
        level |= 0x01u; /* C_MAC */
    if (sc->level == JC_SCP02_LEVEL_CDEC)
        level |= 0x02u; /* C_DECRYPTION */
    return level;
}

uint16_t jc_gp_api_process_security(jc_card *card, const uint8_t *apdu, size_t len, uint8_t *out,
                                    size_t cap, size_t *out_len)
{
    *out_len = 0;
    jc_apdu a;
    if (jc_apdu_parse(apdu, len, &a) != 0 || a.extended)
        return card->profile->sw.wrong_length.sw;
    /* the GP proprietary class (80-87 with the channel bits) */
    bool gp_class = (a.cla & 0xF8u) == 0x80u;
    if (a.ins != 0x50 && a.ins != 0x82)
        return JC_SW_INS_NOT_SUPPORTED;
    if (!gp_class || (a.ins == 0x50 && (a.cla & 0x04u)))
        return card->profile->sw.wrong_cla.sw;
    if (a.lc == 0)
        return card->profile->sw.wrong_length.sw;
    uint16_t sw;
    if (a.ins == 0x50) {
        jc_resp r;
        jc_resp_init(&r, out, cap);
        sw = jc_gp_init_update(card, &a, &r);
        *out_len = r.len;
    } else {
        sw = jc_gp_ext_auth_app(card, &a);
    }
    jc_card_info(card, a.ins == 0x50 ? "SecureChannel.processSecurity: INITIALIZE UPDATE"
                                     : "SecureChannel.processSecurity: EXTERNAL AUTHENTICATE");
    return sw;
}

int jc_gp_api_unwrap(jc_card *card, uint8_t *buf, size_t off, size_t len, uint16_t *sw)
{
    uint8_t *cmd = buf + off;
    if (len < 4 || !(cmd[0] & 0x04u))
        return (int)len; /* no secure messaging indicated: no processing (A.2) */
    if (len < 5 || len != 5u + cmd[4]) {
        *sw = card->profile->sw.wrong_length.sw;
        return -1;
    }
    jc_scp02 *sc = &card->gp.sc;
    jc_crypto *c = jc_gp_crypto(card);
    if (!card->gp.sc_open || !jc_scp02_is_open(sc) || c == NULL) {
        jc_gp_session_end(card, NULL);
        *sw = card->profile->gp.mac_failed.sw;
        return -1;
    }
    /* the MAC covers CLA with the channel bits 0 (GP 2.1.1 §E.4.4) */
    uint8_t hdr[4] = {(uint8_t)(cmd[0] & ~0x03u), cmd[1], cmd[2], cmd[3]};
    uint8_t clear[256];
    size_t n = 0;
    int rc = jc_scp02_card_unwrap(sc, c, hdr, cmd + 5, cmd[4], clear, sizeof(clear), &n);
    if (rc != JC_SW_OK) {
        jc_gp_session_end(card, NULL);
        jc_card_warn(card,
                     "SecureChannel.unwrap: C-MAC verification failed: secure channel closed");
        *sw = card->profile->gp.mac_failed.sw;
        return -1;
    }
    memcpy(cmd + 5, clear, n);
    cmd[4] = (uint8_t)n;
    cmd[0] = (uint8_t)(cmd[0] & ~0x04u);
    return (int)(5u + n);
}

int jc_gp_api_decrypt(jc_card *card, uint8_t *buf, size_t off, size_t len, uint16_t *sw)
{
    jc_scp02 *sc = &card->gp.sc;
    jc_crypto *c = jc_gp_crypto(card);
    if (!card->gp.sc_open || !jc_scp02_is_open(sc) || c == NULL) {
        *sw = card->profile->sw.wrong_state.sw;
        return -1;
    }
    uint8_t clear[256];
    if (len % 8u != 0 || len > sizeof(clear)) {
        *sw = card->profile->sw.wrong_length.sw;
        return -1;
    }
    if (len > 0 && jc_scp02_dek_decrypt(sc, c, buf + off, len, clear) != JC_OK) {
        *sw = JC_SW_UNKNOWN;
        return -1;
    }
    memcpy(buf + off, clear, len);
    memset(clear, 0, sizeof(clear));
    return (int)len;
}

void jc_gp_api_reset_security(jc_card *card)
{
    jc_gp_session_end(card, "SecureChannel.resetSecurity: the secure channel ends");
}
