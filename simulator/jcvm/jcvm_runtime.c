/*
 * jcvm_runtime.c: the adapter between the card core's runtime contract
 * (jc_runtime.h) and the VM (jcvm.h): trace lines become JC_EV_INFO events,
 * randomness comes from the card's source, org.globalplatform's GPSystem and
 * SecureChannel are the core's OPEN and ISD services (jc_gp_api.h: the
 * registry's life cycles, the ISD's SCP02 session of the command's channel),
 * and a STORE DATA after INSTALL [for personalization] reaches the instance's
 * Application.processData.
 */
#include "jcvm_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jc_gp_api.h"
#include "jc_profile.h"

struct jcvm_rt {
    jcvm *vm;
    jc_card *card;
    jc_env env;
};

static void rt_trace(void *ctx, const char *line)
{
    jcvm_rt *rt = ctx;
    if (rt->env.trace == NULL)
        return;
    /* "VM: " marks the applet events among the card's INFO notes (which also
     * name every command), so the harness and jcop-explain can show them. */
    char text[240];
    snprintf(text, sizeof text, "VM: %s", line);
    jc_event ev = {.kind = JC_EV_INFO, .text = text};
    rt->env.trace(rt->env.trace_ctx, &ev);
}

static int rt_random(void *ctx, uint8_t *buf, size_t n)
{
    jcvm_rt *rt = ctx;
    return rt->env.random ? rt->env.random(rt->env.random_ctx, buf, n) : -1;
}

static uint8_t rt_card_state(void *ctx)
{
    return jc_gp_api_card_state(((jcvm_rt *)ctx)->card);
}

/* ---- org.globalplatform through the core (jc_gp_api.h) ---- */

static uint8_t rt_app_state(void *ctx, const jc_aid *instance)
{
    jcvm_rt *rt = ctx;
    int s = jc_gp_api_app_state(rt->card, instance);
    /* no registry entry: its install() runs (GP 2.1.1 A.2: not to be called there) */
    return s < 0 ? 0x03 : (uint8_t)s;
}

static bool rt_set_app_state(void *ctx, const jc_aid *instance, uint8_t state)
{
    return jc_gp_api_set_app_state(((jcvm_rt *)ctx)->card, instance, state);
}

static bool rt_lock_card(void *ctx, const jc_aid *instance)
{
    return jc_gp_api_lock_card(((jcvm_rt *)ctx)->card, instance);
}

static bool rt_terminate_card(void *ctx, const jc_aid *instance)
{
    return jc_gp_api_terminate_card(((jcvm_rt *)ctx)->card, instance);
}

static uint8_t rt_sc_level(void *ctx)
{
    return jc_gp_api_security_level(((jcvm_rt *)ctx)->card);
}

static int rt_sc_unwrap(void *ctx, uint8_t *buf, size_t off, size_t len, uint16_t *sw)
{
    return jc_gp_api_unwrap(((jcvm_rt *)ctx)->card, buf, off, len, sw);
}

static void rt_sc_reset(void *ctx)
{
    jc_gp_api_reset_security(((jcvm_rt *)ctx)->card);
}

static uint16_t rt_sc_process(void *ctx, const uint8_t *apdu, size_t len, uint8_t *out, size_t cap,
                              size_t *out_len)
{
    return jc_gp_api_process_security(((jcvm_rt *)ctx)->card, apdu, len, out, cap, out_len);
}

static int rt_sc_decrypt(void *ctx, uint8_t *buf, size_t off, size_t len, uint16_t *sw)
{
    return jc_gp_api_decrypt(((jcvm_rt *)ctx)->card, buf, off, len, sw);
}

static int op_load(void *rt, const uint8_t *lfdb, size_t len, uint16_t *sw, char *why, size_t wl)
{
    return jcvm_load(((jcvm_rt *)rt)->vm, lfdb, len, sw, why, wl);
}

static int op_install(void *rt, const jc_aid *pkg, const jc_aid *module, const jc_aid *instance,
                      const uint8_t *params, size_t params_len, uint8_t privileges, uint16_t *sw,
                      char *why, size_t wl)
{
    return jcvm_install(((jcvm_rt *)rt)->vm, pkg, module, instance, params, params_len, privileges,
                        sw, why, wl);
}

static int op_select(void *rt, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                     size_t len, uint8_t *resp, size_t *resp_len)
{
    int r = jcvm_select(((jcvm_rt *)rt)->vm, instance, channel, apdu, len, resp, resp_len);
    return r < 0 ? r : r == 0 ? JC_RT_SELECTED : JC_RT_REFUSED;
}

static int op_process(void *rt, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                      size_t len, uint8_t *resp, size_t *resp_len)
{
    return jcvm_process(((jcvm_rt *)rt)->vm, instance, channel, apdu, len, resp, resp_len);
}

static void op_deselect(void *rt, const jc_aid *instance, uint8_t channel)
{
    jcvm_deselect(((jcvm_rt *)rt)->vm, instance, channel);
}

static int op_delete_instance(void *rt, const jc_aid *instance, uint16_t *sw)
{
    jcvm *vm = ((jcvm_rt *)rt)->vm;
    if (!jcvm_has_instance(vm, instance))
        return 0; /* an entry from before the runtime */
    return jcvm_delete_instance(vm, instance, sw);
}

static int op_delete_package(void *rt, const jc_aid *pkg, uint16_t *sw)
{
    jcvm *vm = ((jcvm_rt *)rt)->vm;
    if (!jcvm_has_package(vm, pkg))
        return 0;
    return jcvm_delete_package(vm, pkg, sw);
}

static int op_personalize(void *rt, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                          size_t len, uint8_t *resp, size_t *resp_len)
{
    int r = jcvm_personalize(((jcvm_rt *)rt)->vm, instance, channel, apdu, len, resp, resp_len);
    return r < 0 ? r : r == 0 ? 0 : JC_RT_NO_PERSO;
}

static void op_reset(void *rt)
{
    jcvm_reset(((jcvm_rt *)rt)->vm);
}

static int op_save(void *rt, uint8_t **blob, size_t *len)
{
    return jcvm_save(((jcvm_rt *)rt)->vm, blob, len);
}

static int op_restore(void *rt, const uint8_t *blob, size_t len)
{
    return jcvm_restore(((jcvm_rt *)rt)->vm, blob, len);
}

static bool op_dirty(void *rt)
{
    return jcvm_dirty(((jcvm_rt *)rt)->vm);
}

const jc_runtime_ops jcvm_runtime_ops = {
    .load = op_load,
    .install = op_install,
    .select = op_select,
    .process = op_process,
    .deselect = op_deselect,
    .delete_instance = op_delete_instance,
    .delete_package = op_delete_package,
    .reset = op_reset,
    .save = op_save,
    .restore = op_restore,
    .dirty = op_dirty,
    .personalize = op_personalize,
};

void jcvm_config_for_card(const jc_card *card, jcvm_config *c)
{
    jcvm_config_default(c);
    /* the crypto algorithm set of the card's JCOP version (jcvm_natives_crypto.c) */
    const jc_pstate *st = card ? jc_card_pstate(card) : NULL;
    const jc_profile *p = st ? jc_profile_find(st->profile) : NULL;
    if (p && p->jcop_version && strncmp(p->jcop_version, "2.4.2", 5) == 0)
        c->crypto_profile = 1;
}

int jcvm_attach(jc_card *card, const jc_env *env, const jcvm_config *cfg, jcvm_rt **out)
{
    *out = NULL;
    jcvm_rt *rt = calloc(1, sizeof *rt);
    if (rt == NULL)
        return JC_ERR_NOMEM;
    rt->card = card;
    if (env)
        rt->env = *env;
    jcvm_config c;
    if (cfg)
        c = *cfg;
    else
        jcvm_config_for_card(card, &c);
    /* extended length is the profile's (JCRE 2.2.2 §9.4.4 leaves it to the card) */
    const jc_pstate *pst = jc_card_pstate(card);
    const jc_profile *prof = pst ? jc_profile_find(pst->profile) : NULL;
    if (prof)
        c.ext_apdu_buffer = prof->apdu_buffer_ext;
    /* no trace in the env: none in the VM either, so its events cost nothing */
    if (c.trace == NULL && rt->env.trace != NULL) {
        c.trace = rt_trace;
        c.trace_ctx = rt;
    }
    if (c.random == NULL) {
        c.random = rt_random;
        c.random_ctx = rt;
    }
    if (c.gp_ctx == NULL) {
        /* the OPEN's and the ISD's services come from this card (hooks the caller left NULL) */
        c.gp_ctx = rt;
        if (c.gp_card_state == NULL)
            c.gp_card_state = rt_card_state;
        if (c.gp_app_state == NULL)
            c.gp_app_state = rt_app_state;
        if (c.gp_set_app_state == NULL)
            c.gp_set_app_state = rt_set_app_state;
        if (c.gp_lock_card == NULL)
            c.gp_lock_card = rt_lock_card;
        if (c.gp_terminate_card == NULL)
            c.gp_terminate_card = rt_terminate_card;
        if (c.sc_security_level == NULL)
            c.sc_security_level = rt_sc_level;
        if (c.sc_unwrap == NULL)
            c.sc_unwrap = rt_sc_unwrap;
        if (c.sc_reset == NULL)
            c.sc_reset = rt_sc_reset;
        if (c.sc_process == NULL)
            c.sc_process = rt_sc_process;
        if (c.sc_decrypt == NULL)
            c.sc_decrypt = rt_sc_decrypt;
        /* wrap: no R-MAC with SCP02 i=15 (and none in GP 2.1.1's SCP02 responses): the
           VM returns the data unchanged when the hook is NULL */
    }
    rt->vm = jcvm_new(&c);
    if (rt->vm == NULL) {
        free(rt);
        return JC_ERR_NOMEM;
    }
    int r = jc_card_set_runtime(card, &jcvm_runtime_ops, rt);
    if (r < 0) {
        jcvm_free(rt->vm);
        free(rt);
        return r;
    }
    *out = rt;
    return 0;
}

void jcvm_detach(jcvm_rt *rt)
{
    if (rt == NULL)
        return;
    jcvm_free(rt->vm);
    free(rt);
}

jcvm *jcvm_rt_vm(jcvm_rt *rt)
{
    return rt ? rt->vm : NULL;
}
