/*
 * jc_card.c: the card's public entry points (jc_card.h). Creates a card from
 * a persistent state, handles power (ATR latched from the configuration block),
 * and processes C-APDUs: parse (jc_apdu.c) -> route by fuse state (unfused:
 * jc_prefuse.c, fused: jc_fused.c) -> R-APDU = response data || SW. Reports
 * C-APDUs, R-APDUs, power and state changes to the injected trace sink.
 */
#include <stdlib.h>
#include <string.h>

#include "jc_card_int.h"
#include "jc_image.h"
#include "jc_sw.h"

const char *jc_strerror(int err)
{
    switch (err) {
    case JC_OK:
        return "success";
    case JC_ERR_ARG:
        return "invalid argument";
    case JC_ERR_NOMEM:
        return "out of memory";
    case JC_ERR_IO:
        return "input/output error";
    case JC_ERR_CORRUPT:
        return "card image is corrupt (integrity check failed)";
    case JC_ERR_VERSION:
        return "card image format version not supported";
    case JC_ERR_TRUNCATED:
        return "card image is truncated";
    case JC_ERR_RANDOM:
        return "random source failed";
    case JC_ERR_CRYPTO:
        return "cryptographic library failed";
    case JC_ERR_NOT_POWERED:
        return "card is not powered";
    case JC_ERR_PROFILE:
        return "unknown card profile";
    case JC_ERR_BUFFER:
        return "buffer too small";
    case JC_ERR_FORMAT:
        return "malformed input";
    case JC_ERR_POWER_CUT:
        return "power cut (injected)";
    default:
        return "unknown error";
    }
}

const char *jc_card_state_name(int state)
{
    switch (state) {
    case JC_CS_OFF:
        return "OFF";
    case JC_CS_UNFUSED_IDLE:
        return "UNFUSED_IDLE";
    case JC_CS_ROOT_SELECTED:
        return "ROOT_SELECTED";
    case JC_CS_BOOTED:
        return "BOOTED";
    case JC_CS_BOOTED_PROTECTED:
        return "BOOTED_PROTECTED";
    case JC_CS_OP_READY:
        return "OP_READY";
    case JC_CS_INITIALIZED:
        return "INITIALIZED";
    case JC_CS_SECURED:
        return "SECURED";
    case JC_CS_CARD_LOCKED:
        return "CARD_LOCKED";
    case JC_CS_TERMINATED:
        return "TERMINATED";
    default:
        return "UNKNOWN";
    }
}

jc_card_state jc_lcs_state(uint8_t lcs)
{
    switch (lcs) {
    case 0x01:
        return JC_CS_OP_READY;
    case 0x07:
        return JC_CS_INITIALIZED;
    case 0x0F:
        return JC_CS_SECURED;
    case 0x7F:
        return JC_CS_CARD_LOCKED;
    case 0xFF:
        return JC_CS_TERMINATED;
    default:
        return JC_CS_OFF;
    }
}

const char *jc_lcs_name(uint8_t lcs)
{
    jc_card_state s = jc_lcs_state(lcs);
    return s == JC_CS_OFF ? "unknown" : jc_card_state_name(s);
}

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
    return 0;
}

void jc_card_restore_snap(jc_card *card)
{
    uint8_t *rt = card->st.rt;
    uint32_t rt_len = card->st.rt_len;
    memcpy(&card->st, &card->snap, sizeof(card->st));
    card->st.rt = rt;
    card->st.rt_len = rt_len;
}

jc_card_state jc_card_state_get(const jc_card *card)
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

const jc_pstate *jc_card_pstate(const jc_card *card)
{
    return card ? &card->st : NULL;
}

bool jc_card_powered(const jc_card *card)
{
    return card && card->powered;
}

int jc_card_create(jc_card **out, const jc_pstate *st, const jc_env *env)
{
    if (!out || !st || !env || !env->random)
        return JC_ERR_ARG;
    *out = NULL;
    if (!memchr(st->profile, '\0', sizeof(st->profile)))
        return JC_ERR_PROFILE;
    const jc_profile *p = jc_profile_find(st->profile);
    if (!p)
        return JC_ERR_PROFILE;
    /* calloc: the GP volatile state holds pointers that jc_gp_vol_reset frees. */
    jc_card *card = calloc(1, sizeof(*card));
    if (!card)
        return JC_ERR_NOMEM;
    card->profile = p;
    card->env = *env;
    if (jc_pstate_copy(&card->st, st) < 0) {
        free(card);
        return JC_ERR_NOMEM;
    }
    card->powered = false;
    card->atr_len = 0;
    card->atr_malformed = false;
    card->root_selected = false;
    card->booted = false;
    memset(&card->selected, 0, sizeof(card->selected));
    card->fault = 0;
    jc_gp_vol_reset(card);
    *out = card;
    return JC_OK;
}

void jc_card_free(jc_card *card)
{
    if (!card)
        return;
    jc_gp_vol_reset(card); /* releases the crypto contexts and any LOAD buffer */
    jc_pstate_release(&card->st);
    free(card);
}

static void clear_volatile(jc_card *card)
{
    card->root_selected = false;
    card->booted = false;
    memset(&card->selected, 0, sizeof(card->selected));
    card->sel_instance = false;
    jc_gp_vol_reset(card);
}

static int power_up(jc_card *card, bool warm, uint8_t *atr, size_t cap)
{
    jc_card_state old = jc_card_state_get(card);
    clear_volatile(card);
    card->powered = true;
    if (card->rt_ops)
        card->rt_ops->reset(card->rt);
    card->atr_len = jc_atr_build(card->profile, card->st.mem, warm, card->atr, sizeof(card->atr),
                                 &card->atr_malformed);
    if (card->st.flags & JC_PF_FUSED)
        jc_fused_power_up(card);
    if (card->env.trace) {
        jc_event ev = {.kind = JC_EV_POWER, .text = warm ? "warm reset" : "power on"};
        card->env.trace(card->env.trace_ctx, &ev);
        if (card->atr_malformed)
            jc_card_warn(card, warm ? "malformed warm-start ATR configuration: served anyway"
                                    : "malformed cold-start ATR configuration: served anyway");
        jc_card_state_event(card, old, jc_card_state_get(card), ev.text);
    }
    return jc_card_atr(card, atr, cap);
}

int jc_card_power_on(jc_card *card, uint8_t *atr, size_t cap)
{
    if (!card)
        return JC_ERR_ARG;
    return power_up(card, false, atr, cap);
}

int jc_card_reset(jc_card *card, uint8_t *atr, size_t cap)
{
    if (!card)
        return JC_ERR_ARG;
    if (!card->powered)
        return power_up(card, false, atr, cap);
    return power_up(card, true, atr, cap);
}

void jc_card_power_off(jc_card *card)
{
    if (!card)
        return;
    jc_card_state old = jc_card_state_get(card);
    clear_volatile(card);
    card->powered = false;
    if (card->env.trace) {
        jc_event ev = {.kind = JC_EV_POWER, .text = "power off"};
        card->env.trace(card->env.trace_ctx, &ev);
        jc_card_state_event(card, old, JC_CS_OFF, "power off");
    }
}

int jc_card_atr(const jc_card *card, uint8_t *atr, size_t cap)
{
    if (!card)
        return JC_ERR_ARG;
    if (!card->powered)
        return JC_ERR_NOT_POWERED;
    if (!atr || cap < card->atr_len)
        return JC_ERR_BUFFER;
    memcpy(atr, card->atr, card->atr_len);
    return (int)card->atr_len;
}

int jc_card_process(jc_card *card, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap)
{
    if (!card || !rapdu || (!capdu && len))
        return JC_ERR_ARG;
    if (cap < 2)
        return JC_ERR_BUFFER;
    if (!card->powered)
        return JC_ERR_NOT_POWERED;
    if (card->env.trace) {
        jc_event ev = {.kind = JC_EV_CAPDU, .data = capdu, .len = len};
        card->env.trace(card->env.trace_ctx, &ev);
    }
    card->fault = 0;
    jc_resp r;
    jc_resp_init(&r, card->rbuf, JC_RAPDU_MAX - 2u);
    jc_apdu a;
    uint16_t sw = jc_apdu_parse(capdu, len, &a);
    if (sw != 0)
        sw = card->profile->sw.wrong_length.sw;
    else if (card->st.flags & JC_PF_FUSED)
        sw = jc_fused_process(card, &a, &r);
    else
        sw = jc_prefuse_process(card, &a, &r);
    if (jc_rt_dirty(card) && card->fault == 0 && jc_card_commit(card) < 0 && card->fault == 0) {
        /* the runtime's state changed (an applet wrote persistent data) but
         * could not be made durable: rolled back, the answer is 6581 */
        jc_resp_clear(&r);
        jc_card_warn(card, "commit of the card image failed: the applet's change rolled back");
        sw = card->profile->sw.memory_failure.sw;
    }

    if (card->fault) {
        int fault = card->fault;
        card->fault = 0;
        jc_card_power_off(card);
        return fault;
    }
    if (r.len + 2u > cap)
        return JC_ERR_BUFFER;
    r.buf[r.len] = (uint8_t)(sw >> 8);
    r.buf[r.len + 1] = (uint8_t)sw;
    size_t n = r.len + 2u;
    memcpy(rapdu, r.buf, n);
    if (card->env.trace) {
        jc_event ev = {.kind = JC_EV_RAPDU, .data = rapdu, .len = n};
        card->env.trace(card->env.trace_ctx, &ev);
    }
    return (int)n;
}
