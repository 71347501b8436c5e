/*
 * jc_card.c: the card's public entry points (jc_card.h). Creates a card from
 * a persistent state, handles power (ATR latched from the configuration block),
 * and processes C-APDUs: parse (jc_apdu.c) -> route by fuse state (unfused:
 * jc_prefuse.c, fused: jc_fused.c) -> R-APDU = response data || SW. Reports
 * C-APDUs, R-APDUs, power and state changes to the injected trace sink.
 */
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_cardctx.h"
#include "jc_cmd.h"
#include "jc_fused.h"
#include "jc_gp.h"
#include "jc_image.h"
#include "jc_instance.h"
#include "jc_prefuse.h"
#include "jc_runtime.h"
#include "jc_sw.h"

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

int jc_card_set_runtime(jc_card *card, const jc_runtime_ops *ops, void *rt)
{
    if (!card)
        return JC_ERR_ARG;
    card->rt_ops = NULL;
    card->rt = NULL;
    card->sel_instance = false;
    if (!ops)
        return 0;
    if (!ops->load || !ops->install || !ops->select || !ops->process || !ops->deselect ||
        !ops->delete_instance || !ops->delete_package || !ops->reset || !ops->save ||
        !ops->restore || !ops->dirty)
        return JC_ERR_ARG;
    if (ops->restore(rt, card->st.rt, card->st.rt_len) < 0) {
        jc_card_warn(card, "the application runtime refused the image's runtime section");
        return JC_ERR_CORRUPT;
    }
    card->rt_ops = ops;
    card->rt = rt;
    if (card->powered)
        ops->reset(rt);
    return 0;
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
    jc_card_state old = jc_ctx_state(card);
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
        jc_card_state_event(card, old, jc_ctx_state(card), ev.text);
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
    jc_card_state old = jc_ctx_state(card);
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
    if ((jc_rt_dirty(card) || card->api_n > 0) && card->fault == 0 && jc_card_commit(card) < 0) {
        /* the runtime's state changed (an applet wrote persistent data, or
         * changed a life cycle or opened a session through the GP API) but
         * could not be made durable: rolled back, the answer is 6581 */
        jc_gp_api_undo(card);
        if (card->fault == 0) {
            jc_resp_clear(&r);
            jc_card_warn(card, "commit of the card image failed: the applet's change rolled back");
            sw = card->profile->sw.memory_failure.sw;
        }
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

/* The tables in the order a command meets them: unfused, then the fused card's
 * OPEN (SELECT) and ISD. */
static const struct {
    const char *name;
    const jc_cmd *(*get)(size_t *n);
} jc_cmd_tables[] = {
    {.name = "prefuse", .get = jc_prefuse_table},
    {.name = "fused-open", .get = jc_fused_open_table},
    {.name = "fused-isd", .get = jc_fused_isd_table},
};

size_t jc_cmd_table_count(void)
{
    return sizeof(jc_cmd_tables) / sizeof(jc_cmd_tables[0]);
}

const jc_cmd *jc_cmd_table_at(size_t i, const char **name, size_t *n)
{
    if (i >= jc_cmd_table_count())
        return NULL;
    if (name)
        *name = jc_cmd_tables[i].name;
    return jc_cmd_tables[i].get(n);
}

jc_card_state jc_card_state_get(const jc_card *card)
{
    return jc_ctx_state(card);
}

const jc_pstate *jc_card_pstate(const jc_card *card)
{
    return card ? &card->st : NULL;
}

bool jc_card_powered(const jc_card *card)
{
    return card && card->powered;
}
