/*
 * jc_gp_profile.c: the names of the GlobalPlatform decisions of a profile
 * (jc_gp_profile.h); the decisions themselves are profile data (jc_profile.c).
 */
#include "jc_gp_profile.h"

#include <stddef.h>

const jc_gp_policy *jc_gp_policy_for(const jc_profile *p)
{
    return p ? &p->gp : NULL;
}

/* The status-word decisions with their names, in jc_gp_policy order. */
static const struct {
    const char *what;
    size_t offset;
} rule_names[] = {
    {"EXTERNAL AUTHENTICATE without INITIALIZE UPDATE", offsetof(jc_gp_policy, no_session_order)},
    {"EXTERNAL AUTHENTICATE: wrong C-MAC or host cryptogram", offsetof(jc_gp_policy, auth_failed)},
    {"later C-MAC wrong or missing (session closed)", offsetof(jc_gp_policy, mac_failed)},
    {"INITIALIZE UPDATE / PUT KEY: unknown key version", offsetof(jc_gp_policy, unknown_kvn)},
    {"GET DATA tag, GET STATUS scope, DELETE AID not found", offsetof(jc_gp_policy, not_found)},
    {"SET STATUS: transition not allowed", offsetof(jc_gp_policy, bad_transition)},
    {"PUT KEY: key check value does not match", offsetof(jc_gp_policy, bad_kcv)},
    {"INSTALL / LOAD: AID already registered", offsetof(jc_gp_policy, duplicate_aid)},
    {"LOAD: block out of sequence", offsetof(jc_gp_policy, load_sequence)},
    {"DELETE: load file still used / the ISD", offsetof(jc_gp_policy, referenced)},
    {"INSTALL [for make selectable]", offsetof(jc_gp_policy, make_selectable)},
    {"CLA with a logical channel other than 0", offsetof(jc_gp_policy, channel)},
    {"CARD_LOCKED: SELECT of the ISD", offsetof(jc_gp_policy, locked_select)},
    {"CARD_LOCKED: SELECT of an application", offsetof(jc_gp_policy, locked_select_app)},
    {"LOAD / INSTALL / DELETE success (00 + SW)", offsetof(jc_gp_policy, content_ok)},
    {"DELETE [key]: the card's only key set", offsetof(jc_gp_policy, key_last)},
    {"DELETE [key]: the key set of the open session", offsetof(jc_gp_policy, key_in_use)},
    {"DELETE [key]: one key (D0) of an SCP02 key set", offsetof(jc_gp_policy, key_single)},
    {"STORE DATA: block out of sequence", offsetof(jc_gp_policy, store_sequence)},
    {"STORE DATA after INSTALL [for personalization] (applet not run)",
     offsetof(jc_gp_policy, perso_forward)},
};

const jc_sw_rule *jc_gp_policy_rule_at(const jc_gp_policy *pol, size_t i, const char **what)
{
    if (pol == NULL || i >= sizeof(rule_names) / sizeof(rule_names[0]))
        return NULL;
    if (what != NULL)
        *what = rule_names[i].what;
    return (const jc_sw_rule *)(const void *)((const char *)pol + rule_names[i].offset);
}
