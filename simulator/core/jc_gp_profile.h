/*
 * jc_gp_profile.h: the GlobalPlatform decisions of each card profile, as
 * data. The ISD (jc_gp_*.c) reads every status word and option it chooses
 * where the GP 2.1.1 specification or the public JCOP traces are silent from
 * here, each with its label and source, so FIDELITY.md and the tools can list
 * them. Looked up by the profile's name; an unknown profile gets the J2A040
 * decisions.
 */
#ifndef JC_GP_PROFILE_H
#define JC_GP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_profile.h"

typedef struct {
    jc_sw_rule no_session_order;      /* EXT AUTH without INIT UPDATE: 6985 */
    jc_sw_rule auth_failed;           /* EXT AUTH bad MAC or cryptogram: 6300 */
    jc_sw_rule mac_failed;            /* later C-MAC failure / missing MAC: 6982 */
    jc_sw_rule unknown_kvn;           /* INIT UPDATE / PUT KEY unknown KVN: 6A88 */
    jc_sw_rule not_found;             /* GET DATA tag, DELETE/GET STATUS nothing: 6A88 */
    jc_sw_rule bad_transition;        /* SET STATUS not allowed: 6985 */
    jc_sw_rule bad_kcv;               /* PUT KEY wrong KCV: 9485 */
    jc_sw_rule duplicate_aid;         /* INSTALL/LOAD existing AID: 6985 */
    jc_sw_rule load_sequence;         /* LOAD block out of order: 6A86 */
    jc_sw_rule referenced;            /* DELETE of a still-referenced ELF: 6985 */
    jc_sw_rule make_selectable;       /* INSTALL [for make selectable]: 6A86 on J2A040, 9000 */
    jc_sw_rule channel;               /* CLA with a logical channel != 0: 6881 */
    jc_sw_rule locked_select;         /* CARD_LOCKED: SELECT of the ISD answers 6283 + FCI */
    jc_sw_rule locked_select_app;     /* CARD_LOCKED: SELECT of an application 6A81 */
    jc_sw_rule content_ok;            /* LOAD/INSTALL/DELETE answer 00 + 9000 */
    jc_sw_rule key_last;              /* DELETE [key] of the only key set: 6985 */
    jc_sw_rule key_in_use;            /* DELETE [key] of the session's key set: 6985 */
    jc_sw_rule key_single;            /* DELETE [key] of one key (D0) of an SCP02 set: 6985 */
    jc_sw_rule store_sequence;        /* STORE DATA block out of sequence: 6A86 */
    jc_sw_rule perso_forward;         /* STORE DATA for the application being personalized */
    bool factory_set_replaced;        /* first added key set takes the factory FF set's place */
    uint16_t counter_max;             /* INIT UPDATE refused (6985) once the counter is here */
    uint16_t response_max;            /* GET STATUS bytes per answer before 6310 */
} jc_gp_policy;

/* The GP decisions for a profile (never NULL). */
const jc_gp_policy *jc_gp_policy_for(const jc_profile *p);

/* Iteration over the status-word decisions, for FIDELITY.md and the tools:
 * rule i (0..) with a plain-language name in *what; NULL past the end. */
const jc_sw_rule *jc_gp_policy_rule_at(const jc_gp_policy *pol, size_t i, const char **what);

#endif
