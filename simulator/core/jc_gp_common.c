/*
 * jc_gp_common.c: what the ISD's modules share (jc_gp.h): the crypto context,
 * the end of a secure channel session and the registry look-ups. Below jc_fused.c, jc_gp_isd.c and
 * jc_gp_content.c, which all call it; it calls none of them.
 */
#include <stdlib.h>
#include <string.h>

#include "jc_gp.h"

jc_crypto *jc_gp_crypto(jc_card *card)
{
    if (card->gp.crypto == NULL && jc_crypto_create(&card->gp.crypto) != JC_OK)
        card->gp.crypto = NULL;
    return card->gp.crypto;
}

/* Volatile GP state the session's end drops (PUT KEY chain, STORE DATA). */
void jc_gp_put_key_chain_drop(jc_card *card)
{
    card->gp.pk_chain = false;
    card->gp.pk_mask = 0;
    memset(card->gp.pk_keys, 0, sizeof(card->gp.pk_keys));
}

void jc_gp_store_end(jc_card *card)
{
    card->gp.sd_active = false;
    card->gp.sd_next = 0;
    card->gp.sd_len = 0;
    card->gp.perso_active = false;
    memset(&card->gp.perso_target, 0, sizeof(card->gp.perso_target));
}

void jc_gp_session_end(jc_card *card, const char *why)
{
    bool had = card->gp.sc.phase != JC_SCP02_IDLE;
    jc_scp02_reset(&card->gp.sc);
    card->gp.sc_open = false;
    card->gp.sc_keyset = 0;
    card->gp.gs_pending = false;
    jc_gp_put_key_chain_drop(card);
    jc_gp_store_end(card);
    card->gp.load_active = false;
    card->gp.load_len = 0;
    if (had && why != NULL)
        jc_card_info(card, why);
}

bool jc_gp_aid_eq(const jc_aid *a, const uint8_t *b, size_t len)
{
    return a->len == len && len > 0 && memcmp(a->b, b, len) == 0;
}

int jc_gp_reg_find(const jc_card *card, const uint8_t *aid, size_t len)
{
    for (int i = 0; i < JC_MAX_REGISTRY; i++)
        if (card->st.reg[i].kind != JC_REG_FREE && jc_gp_aid_eq(&card->st.reg[i].aid, aid, len))
            return i;
    return -1;
}

int jc_gp_reg_free_slot(const jc_card *card)
{
    for (int i = 0; i < JC_MAX_REGISTRY; i++)
        if (card->st.reg[i].kind == JC_REG_FREE)
            return i;
    return -1;
}
