/*
 * jc_gp_isd.c: the Issuer Security Domain's card and key commands, rows of
 * the ISD table in jc_fused.c: GET DATA (GP 2.1.1 §9.3), INITIALIZE UPDATE and
 * EXTERNAL AUTHENTICATE (§E.5, through jc_scp02), SET STATUS for the card
 * life cycle and application locking (§9.10, §5.1), PUT KEY (§9.8). The
 * dispatcher has already checked state, secure channel and lengths, and the
 * data field is clear (unwrapped). Persistent changes are committed by the
 * dispatcher (JC_CMD_PERSISTENT rows); the sequence counter is committed here.
 */
#include <string.h>

#include "jc_cmd.h"
#include "jc_gp.h"
#include "jc_sw.h"

/* ------------------------------------------------------------------ GET DATA */

/* The key set INITIALIZE UPDATE with KVN 00 uses: the first used slot. */
static int first_keyset(const jc_card *card)
{
    for (int i = 0; i < JC_MAX_KEYSETS; i++)
        if (card->st.keysets[i].used)
            return i;
    return -1;
}

static int keyset_by_kvn(const jc_card *card, uint8_t kvn)
{
    for (int i = 0; i < JC_MAX_KEYSETS; i++)
        if (card->st.keysets[i].used && card->st.keysets[i].kvn == kvn)
            return i;
    return -1;
}

/* Write tag (1 or 2 bytes), length and value; with_tl false writes the value only. */
static uint16_t put_tlv(const jc_card *card, jc_resp *resp, uint16_t tag, const uint8_t *v, size_t n,
                        bool with_tl)
{
    uint8_t hdr[4];
    size_t h = 0;
    if (tag > 0xFF)
        hdr[h++] = (uint8_t)(tag >> 8);
    hdr[h++] = (uint8_t)tag;
    hdr[h++] = (uint8_t)n;
    if ((with_tl && jc_resp_put(resp, hdr, h) < 0) || jc_resp_put(resp, v, n) < 0)
        return card->profile->sw.wrong_length.sw;
    return JC_SW_OK;
}

uint16_t jc_gp_get_data(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    const jc_gp_policy *pol = &card->profile->gp;
    bool tl = (a->cla & 0x80u) != 0; /* CLA 80/84: whole TLV; CLA 00: value only */
    uint16_t tag = (uint16_t)(a->p1 << 8 | a->p2);
    uint8_t v[128];
    size_t n = 0;
    switch (tag) {
    case 0x9F7F:
        jc_gp_isd_cplc(card, v); /* STORE DATA 9F67 / 9F66 over the profile's */
        return put_tlv(card, resp, tag, v, JC_CPLC_LEN, tl);
    case 0x0066:
    case 0x0042:
    case 0x0045: {
        const uint8_t *obj;
        size_t len = tag == 0x66   ? jc_gp_isd_card_data(card, &obj)
                     : tag == 0x42 ? jc_gp_isd_iin(card, &obj)
                                   : jc_gp_isd_cin(card, &obj);
        if (len == 0)
            break;
        return put_tlv(card, resp, tag, obj, len, tl);
    }
    case 0x0067:
        if (p->card_caps_len == 0)
            break;
        return put_tlv(card, resp, 0x67, p->card_caps, p->card_caps_len, tl);
    case 0x00CF:
        return put_tlv(card, resp, 0xCF, card->st.kdd, JC_KDD_LEN, tl);
    case 0x00C1: {
        int k = first_keyset(card);
        if (k < 0)
            break;
        v[0] = (uint8_t)(card->st.keysets[k].counter >> 8);
        v[1] = (uint8_t)card->st.keysets[k].counter;
        return put_tlv(card, resp, 0xC1, v, 2, tl);
    }
    case 0x00E0:
        /* Key Information Template: one C0 per key (id, KVN, type 80 DES, length 10). */
        for (int k = 0; k < JC_MAX_KEYSETS && n + 18 <= sizeof(v); k++) {
            const jc_keyset *ks = &card->st.keysets[k];
            if (!ks->used)
                continue;
            for (uint8_t id = 1; id <= 3; id++) {
                const uint8_t c0[6] = {0xC0, 0x04, id, ks->kvn, 0x80, JC_KEY_LEN};
                memcpy(v + n, c0, sizeof(c0));
                n += sizeof(c0);
            }
        }
        return put_tlv(card, resp, 0xE0, v, n, tl);
    default:
        break;
    }
    return pol->not_found.sw;
}

/* ------------------------------------------------------------------ SCP02 */

uint16_t jc_gp_init_update(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    const jc_gp_policy *pol = &card->profile->gp;
    jc_gp_session_end(card, "INITIALIZE UPDATE: a new session starts");
    if (a->p2 != 0x00)
        return JC_SW_INCORRECT_P1P2;
    if (a->lc != 8)
        return p->sw.wrong_length.sw;
    int k = a->p1 == 0x00 ? first_keyset(card) : keyset_by_kvn(card, a->p1);
    if (k < 0)
        return pol->unknown_kvn.sw;
    jc_keyset *ks = &card->st.keysets[k];
    if (ks->counter >= pol->counter_max) {
        jc_card_warn(card, "sequence counter exhausted: no more sessions with this key set");
        return p->sw.wrong_state.sw;
    }
    jc_crypto *c = jc_gp_crypto(card);
    if (c == NULL)
        return p->sw.memory_failure.sw;
    uint8_t card_chal[6];
    if (p->scp02_i & JC_SCP02_I_PSEUDO_CHALLENGE) {
        /* i b7 (i=55): the pseudo-random challenge of GP 2.2.1 §E.4.2.3, over
         * the AID of the application opening the channel (the ISD here). */
        if (jc_scp02_pseudo_challenge(c, ks->key[1], ks->counter, card->selected.b,
                                      card->selected.len, card_chal) != JC_OK)
            return JC_SW_UNKNOWN;
    } else if (card->env.random(card->env.random_ctx, card_chal, sizeof(card_chal)) < 0) {
        return JC_SW_UNKNOWN;
    }
    jc_scp02_keys keys;
    memcpy(keys.enc, ks->key[0], JC_KEY_LEN);
    memcpy(keys.mac, ks->key[1], JC_KEY_LEN);
    memcpy(keys.dek, ks->key[2], JC_KEY_LEN);
    uint8_t *out = jc_resp_reserve(resp, JC_SCP02_IU_RESP_LEN);
    if (out == NULL)
        return p->sw.wrong_length.sw;
    int rc = jc_scp02_card_init_update(&card->gp.sc, c, &keys, ks->kvn, ks->counter, card->st.kdd,
                                       a->data, card_chal, out);
    memset(&keys, 0, sizeof(keys));
    if (rc != JC_SW_OK) {
        jc_resp_clear(resp);
        return JC_SW_UNKNOWN;
    }
    card->gp.sc_keyset = k;
    return JC_SW_OK;
}

/* EXTERNAL AUTHENTICATE; defer: an application's processSecurity (the VM
 * runs): the counter's commit waits for the end of the APDU (jc_gp_api.c)
 * instead of a commit while the applet's code is running. */
static uint16_t ext_auth(jc_card *card, const jc_apdu *a, bool defer)
{
    const jc_profile *p = card->profile;
    const jc_gp_policy *pol = &card->profile->gp;
    jc_crypto *c = jc_gp_crypto(card);
    if (c == NULL)
        return p->sw.memory_failure.sw;
    if (card->gp.sc.phase != JC_SCP02_INITIATED) {
        jc_gp_session_end(card, "EXTERNAL AUTHENTICATE without INITIALIZE UPDATE: session closed");
        return pol->no_session_order.sw;
    }
    /* the MAC covers CLA with the channel bits 0 (GP 2.1.1 §E.4.4) */
    uint8_t hdr[4] = {(uint8_t)(a->cla & ~0x03u), a->ins, a->p1, a->p2};
    bool mac_ok = false;
    int sw = jc_scp02_card_ext_auth(&card->gp.sc, c, hdr, a->data, a->lc, &mac_ok);
    if (mac_ok) {
        /* The first C-MAC of the session verified: the counter goes up, durably. */
        jc_keyset *ks = &card->st.keysets[card->gp.sc_keyset];
        if (defer) {
            if (!jc_api_record(card, JC_API_COUNTER, (uint8_t)card->gp.sc_keyset, ks->counter)) {
                jc_gp_session_end(card, NULL);
                return p->sw.memory_failure.sw;
            }
            ks->counter++;
        } else {
            ks->counter++;
            if (jc_card_commit(card) < 0) {
                ks->counter--;
                jc_gp_session_end(card, NULL);
                return p->sw.memory_failure.sw;
            }
        }
    }
    if (sw < 0) {
        jc_gp_session_end(card, NULL);
        return JC_SW_UNKNOWN;
    }
    if (sw == JC_SW_AUTH_FAILED)
        jc_card_warn(card, "EXTERNAL AUTHENTICATE failed (C-MAC or host cryptogram): session reset");
    else if (sw == JC_SW_OK) {
        card->gp.sc_open = true;
        jc_card_info(card, "secure channel open");
    }
    return sw == JC_SW_AUTH_FAILED ? pol->auth_failed.sw : (uint16_t)sw;
}

uint16_t jc_gp_ext_auth(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    (void)resp;
    return ext_auth(card, a, false);
}

uint16_t jc_gp_ext_auth_app(jc_card *card, const jc_apdu *a)
{
    return ext_auth(card, a, true);
}

/* ------------------------------------------------------------------ SET STATUS */

static jc_card_state state_of(uint8_t lcs)
{
    jc_card_state s = jc_lcs_state(lcs);
    return s == JC_CS_OFF ? JC_CS_OP_READY : s;
}

/* GP 2.1.1 §5.1: the card life-cycle transitions the ISD may perform. */
static bool transition_allowed(uint8_t from, uint8_t to)
{
    if (to == JC_LCS_TERMINATED)
        return from != JC_LCS_TERMINATED;
    return (from == JC_LCS_OP_READY && to == JC_LCS_INITIALIZED) ||
           (from == JC_LCS_INITIALIZED && to == JC_LCS_SECURED) ||
           (from == JC_LCS_SECURED && to == JC_LCS_CARD_LOCKED) ||
           (from == JC_LCS_CARD_LOCKED && to == JC_LCS_SECURED);
}

static uint16_t set_card_status(jc_card *card, uint8_t target)
{
    const jc_gp_policy *pol = &card->profile->gp;
    uint8_t from = card->st.card_lcs;
    if (!transition_allowed(from, target)) {
        jc_card_warn(card, "SET STATUS: this card life-cycle transition is not allowed");
        return pol->bad_transition.sw;
    }
    card->st.card_lcs = target;
    for (size_t i = 0; i < JC_MAX_REGISTRY; i++)
        if (card->st.reg[i].kind == JC_REG_ISD)
            card->st.reg[i].lcs = target;
    jc_card_state_event(card, state_of(from), state_of(target),
                        target == JC_LCS_TERMINATED ? "SET STATUS: card TERMINATED (irreversible)"
                        : target == JC_LCS_CARD_LOCKED ? "SET STATUS: card locked"
                                                       : "SET STATUS: card life cycle changed");
    return JC_SW_OK;
}

static uint16_t set_app_status(jc_card *card, const jc_apdu *a)
{
    const jc_gp_policy *pol = &card->profile->gp;
    if (a->lc < 5 || a->lc > JC_AID_MAX)
        return JC_SW_WRONG_DATA;
    int i = jc_gp_reg_find(card, a->data, a->lc);
    if (i < 0 || (card->st.reg[i].kind != JC_REG_APP && card->st.reg[i].kind != JC_REG_SD))
        return pol->not_found.sw;
    jc_reg_entry *e = &card->st.reg[i];
    bool lock = (a->p2 & 0x80u) != 0;
    if (lock == ((e->lcs & JC_APP_LCS_LOCKED_BIT) != 0))
        return pol->bad_transition.sw; /* already in the requested state */
    e->lcs = lock ? (uint8_t)(e->lcs | JC_APP_LCS_LOCKED_BIT)
                  : (uint8_t)(e->lcs & ~JC_APP_LCS_LOCKED_BIT);
    jc_card_info(card, lock ? "application locked" : "application unlocked");
    return JC_SW_OK;
}

uint16_t jc_gp_set_status(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    if (a->p1 == 0x80)
        return set_card_status(card, a->p2);
    if (a->p1 == 0x40)
        return set_app_status(card, a);
    return JC_SW_INCORRECT_P1P2;
}

/* ------------------------------------------------------------------ PUT KEY */


/* Store the keys of a whole PUT KEY (one command or a finished chain): mask
 * bit k = key id k+1 present in keys[k]. Returns the SW; on success the key
 * set's slot is written. */
static uint16_t put_key_apply(jc_card *card, uint8_t old_kvn, uint8_t new_kvn, uint8_t mask,
                              uint8_t keys[3][JC_KEY_LEN])
{
    const jc_profile *p = card->profile;
    const jc_gp_policy *pol = (&card->profile->gp);
    int slot;
    int clash = keyset_by_kvn(card, new_kvn);
    if (old_kvn == 0x00) {
        /* Add a whole set: ENC, MAC, DEK. */
        if (mask != 0x07 || clash >= 0)
            return JC_SW_WRONG_DATA;
        slot = -1;
        if (pol->factory_set_replaced)
            slot = keyset_by_kvn(card, p->default_kvn);
        for (int i = 0; i < JC_MAX_KEYSETS && slot < 0; i++)
            if (!card->st.keysets[i].used)
                slot = i;
        if (slot < 0)
            return JC_SW_NOT_ENOUGH_MEMORY;
    } else {
        slot = keyset_by_kvn(card, old_kvn);
        if (slot < 0)
            return pol->unknown_kvn.sw;
        if (clash >= 0 && clash != slot)
            return JC_SW_WRONG_DATA;
    }
    jc_keyset *ks = &card->st.keysets[slot];
    bool replaced_factory = ks->used && ks->kvn == p->default_kvn && old_kvn == 0x00;
    ks->used = 1;
    ks->kvn = new_kvn;
    ks->counter = 0; /* any key change resets the set's sequence counter (§E.1.2) */
    for (int k = 0; k < 3; k++)
        if (mask & (1u << k))
            memcpy(ks->key[k], keys[k], JC_KEY_LEN);
    if (slot == card->gp.sc_keyset && jc_scp02_is_open(&card->gp.sc))
        jc_card_info(card, "PUT KEY changed the key set of this session (the session keys stay)");
    if (replaced_factory)
        jc_card_info(card, "PUT KEY: the factory key set was replaced by the new set");
    return JC_SW_OK;
}

uint16_t jc_gp_put_key(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    const jc_profile *p = card->profile;
    const jc_gp_policy *pol = &card->profile->gp;
    bool more = (a->p1 & 0x80u) != 0; /* more PUT KEY commands follow (Table 9-47) */
    uint8_t old_kvn = a->p1 & 0x7Fu;
    uint8_t first_id = a->p2 & 0x7Fu;
    if (first_id == 0)
        first_id = 1;
    const uint8_t *d = a->data;
    size_t n = a->lc;
    if (n < 1)
        return JC_SW_WRONG_DATA;
    uint8_t new_kvn = d[0];
    if (new_kvn < 0x01 || new_kvn > 0x7F)
        return JC_SW_WRONG_DATA;
    jc_crypto *c = jc_gp_crypto(card);
    if (c == NULL)
        return p->sw.memory_failure.sw;
    uint8_t keys[3][JC_KEY_LEN];
    uint8_t kcvs[3][JC_KCV_LEN];
    size_t nkeys = 0, off = 1;
    while (off < n) {
        if (nkeys == 3 || first_id + nkeys > 3)
            return JC_SW_WRONG_DATA;
        if (n - off < 2)
            return JC_SW_WRONG_DATA;
        uint8_t type = d[off], klen = d[off + 1];
        off += 2;
        if (type != 0x80)
            return JC_SW_ALGO_NOT_SUPPORTED;
        if (klen != JC_KEY_LEN || n - off < klen + 1u)
            return JC_SW_WRONG_DATA;
        if (jc_scp02_dek_decrypt(&card->gp.sc, c, d + off, JC_KEY_LEN, keys[nkeys]) != JC_OK)
            return JC_SW_UNKNOWN;
        off += JC_KEY_LEN;
        uint8_t kcv_len = d[off++];
        if (jc_kcv(c, keys[nkeys], kcvs[nkeys]) != JC_OK)
            return JC_SW_UNKNOWN;
        if (kcv_len != 0) {
            if (kcv_len != JC_KCV_LEN || n - off < JC_KCV_LEN)
                return JC_SW_WRONG_DATA;
            if (!jc_ct_equal(kcvs[nkeys], d + off, JC_KCV_LEN)) {
                jc_card_warn(card, "PUT KEY: key check value does not match the decrypted key");
                return pol->bad_kcv.sw;
            }
            off += JC_KCV_LEN;
        }
        nkeys++;
    }
    if (nkeys == 0)
        return JC_SW_WRONG_DATA;
    /* This command's keys with the chain's so far: a chain keeps its old and
     * new key version, and names each key once. A refused command leaves the
     * chain as it was. */
    jc_gp_vol *g = &card->gp;
    uint8_t all[3][JC_KEY_LEN];
    uint8_t mask = 0;
    if (g->pk_chain) {
        if (old_kvn != g->pk_old_kvn || new_kvn != g->pk_new_kvn)
            return JC_SW_WRONG_DATA;
        memcpy(all, g->pk_keys, sizeof(all));
        mask = g->pk_mask;
    }
    for (size_t k = 0; k < nkeys; k++) {
        uint8_t bit = (uint8_t)(1u << (first_id - 1 + k));
        if (mask & bit)
            return JC_SW_WRONG_DATA;
        mask |= bit;
        memcpy(all[first_id - 1 + k], keys[k], JC_KEY_LEN);
    }
    memset(keys, 0, sizeof(keys));
    uint16_t sw = JC_SW_OK;
    if (more) {
        if (!g->pk_chain && old_kvn == 0x00 && keyset_by_kvn(card, new_kvn) >= 0)
            sw = JC_SW_WRONG_DATA; /* refused now rather than at the chain's end */
        else if (!g->pk_chain && old_kvn != 0x00 && keyset_by_kvn(card, old_kvn) < 0)
            sw = pol->unknown_kvn.sw;
        if (sw == JC_SW_OK) {
            g->pk_chain = true;
            g->pk_old_kvn = old_kvn;
            g->pk_new_kvn = new_kvn;
            g->pk_mask = mask;
            memcpy(g->pk_keys, all, sizeof(all));
            jc_card_info(card, "PUT KEY: chained, keys kept until the chain's last command");
        }
    } else {
        sw = put_key_apply(card, old_kvn, new_kvn, mask, all);
        if (sw == JC_SW_OK)
            jc_gp_put_key_chain_drop(card);
    }
    memset(all, 0, sizeof(all));
    if (sw != JC_SW_OK)
        return sw;
    uint8_t *out = jc_resp_reserve(resp, 1 + nkeys * JC_KCV_LEN);
    if (out == NULL)
        return p->sw.wrong_length.sw;
    out[0] = new_kvn;
    for (size_t k = 0; k < nkeys; k++)
        memcpy(out + 1 + k * JC_KCV_LEN, kcvs[k], JC_KCV_LEN);
    return JC_SW_OK;
}
