/*
 * jc_gp_profile.h: the names of the GlobalPlatform decisions of a profile
 * (the jc_gp_policy member `gp` of jc_profile, jc_profile.h), so FIDELITY.md
 * and the tools can list them.
 */
#ifndef JC_GP_PROFILE_H
#define JC_GP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_profile.h"

/* The GP decisions of a profile: &p->gp (never NULL for a profile). */
const jc_gp_policy *jc_gp_policy_for(const jc_profile *p);

/* Iteration over the status-word decisions, for FIDELITY.md and the tools:
 * rule i (0..) with a plain-language name in *what; NULL past the end. */
const jc_sw_rule *jc_gp_policy_rule_at(const jc_gp_policy *pol, size_t i, const char **what);

#endif
