/*
 * jc_gp_profile.c: the GlobalPlatform decisions of the JCOP profiles
 * (jc_gp_profile.h). Sources: GP 2.1.1 (Card Specification, Mar 2003) tables,
 * jcop-facts.md §8 (public traces of real JCOP 2.4.x cards), gp211-reference.md.
 */
#include "jc_gp_profile.h"

#include <stddef.h>
#include <string.h>

#define RULE(v, lab, src) {.sw = (v), .label = JC_LABEL_##lab, .source = (src)}

#define JC_GP_POLICY_COMMON                                                                        \
    .no_session_order = RULE(0x6985, ASSUMED, "GP 2.1.1 §E.5.2.1 gives no SW; gp211-reference §3.5"), \
    .auth_failed = RULE(0x6300, INFERRED, "GP 2.1.1 Table E-11 (real cards also send 6982)"),        \
    .mac_failed = RULE(0x6982, INFERRED, "GP 2.1.1 Table 9-8, GP 2.2.1 §E.1.6 security error"),      \
    .unknown_kvn = RULE(0x6A88, INFERRED, "GP 2.1.1 Table E-8, Table 9-51"),                         \
    .not_found = RULE(0x6A88, CONFIRMED, "jcop-facts §8: empty GET STATUS scope, DELETE absent AID"), \
    .bad_transition = RULE(0x6985, ASSUMED, "GP 2.1.1 Table 9-60 lists none; JCardEngine uses 6985"), \
    .bad_kcv = RULE(0x9485, INFERRED, "GP 2.1.1 Table 9-51 (GP 2.3.1 uses 6982)"),                   \
    .duplicate_aid = RULE(0x6985, ASSUMED, "GP 2.1.1 §6.4.1 gives no SW"),                          \
    .load_sequence = RULE(0x6A86, ASSUMED, "GP 2.1.1 §9.6 gives no SW"),                            \
    .referenced = RULE(0x6985, ASSUMED, "GP 2.1.1 §6.4.2 gives no SW"),                             \
    .channel = RULE(0x6881, ASSUMED, "logical channels not modelled; GP 2.1.1 Table 9-8"),          \
    .locked_select = RULE(0x6283, CONFIRMED, "GlobalPlatformPro accepts 6283 as locked (S8)"),       \
    .locked_select_app = RULE(0x6A81, INFERRED, "GP 2.1.1 Table 9-57"),                              \
    .content_ok = RULE(0x9000, CONFIRMED, "jcop-facts §8: LOAD/INSTALL/DELETE answer 00 9000"),      \
    .key_last = RULE(0x6985, ASSUMED, "GP 2.1.1 §9.2 gives no rule: no key set, no management"),      \
    .key_in_use = RULE(0x6985, ASSUMED, "GP 2.1.1 §9.2 gives no rule: the session's keys stay"),      \
    .key_single = RULE(0x6985, ASSUMED, "GP 2.1.1 Table 9-14; the model keeps SCP02 sets whole"),     \
    .store_sequence = RULE(0x6A86, ASSUMED, "GP 2.1.1 §9.11.2.2 gives no SW; as LOAD"),             \
    .perso_forward = RULE(0x6D00, ASSUMED, "applet code not executed: it answers 6D00 (§9.11.1)"),   \
    .factory_set_replaced = true, .counter_max = 0xFFFF, .response_max = 256

static const struct {
    const char *profile;
    jc_gp_policy policy;
} policies[] = {
    {.profile = "J2A040",
     .policy = {JC_GP_POLICY_COMMON,
                .make_selectable = RULE(0x6A86, CONFIRMED,
                                        "jcop-facts §8: J2A 2.4.1 answers 6A86 to INSTALL [for make selectable]")}},
    {.profile = "J2E145",
     .policy = {JC_GP_POLICY_COMMON,
                .make_selectable = RULE(0x9000, ASSUMED, "GP 2.1.1 §9.5.2.3.3; no JCOP 2.4.2 trace")}},
};

const jc_gp_policy *jc_gp_policy_for(const jc_profile *p)
{
    for (size_t i = 0; p != NULL && i < sizeof(policies) / sizeof(policies[0]); i++)
        if (p->name != NULL && strcmp(p->name, policies[i].profile) == 0)
            return &policies[i].policy;
    return &policies[0].policy;
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
