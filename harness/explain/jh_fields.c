/*
 * jh_fields.c: names for memory addresses, so the explainer and the HTML
 * report can say "CM_KEY1" instead of 0xC00305.
 *
 * The names, addresses, lengths and labels are the card's own profile data
 * (simulator/core/jc_profile.h, the fields of each jc_profile): one copy.
 */
#include <string.h>

#include "jh_explain.h"
#include "jc_profile.h"

/* The card's own profile data (simulator/core/jc_profile.h): the one copy. */
static const jc_profile *jh_profile(const char *profile)
{
    const jc_profile *p = (profile && *profile) ? jc_profile_find(profile) : NULL;
    return p ? p : jc_profile_default();
}

int jh_field_count(const char *profile)
{
    if (profile && *profile && !jc_profile_find(profile))
        return 0;
    return (int)jh_profile(profile)->n_fields;
}

int jh_field_get(const char *profile, int i, jh_field *out)
{
    const jc_profile *p = jh_profile(profile);
    if (i < 0 || (size_t)i >= p->n_fields || !out ||
        (profile && *profile && !jc_profile_find(profile)))
        return -1;
    const jc_field *f = &p->fields[i];
    *out = (jh_field){.name = f->name,
                      .addr = f->addr,
                      .len = f->len,
                      .label = jc_label_name(f->label),
                      .what = f->desc};
    return 0;
}

uint32_t jh_profile_cm_lifecycle_addr(const char *profile)
{
    return jh_profile(profile)->cm_lifecycle_addr;
}

int jh_field_find(const char *profile, uint32_t addr, jh_field *out, uint32_t *offset)
{
    int n = jh_field_count(profile);
    jh_field f;
    for (int i = 0; i < n; i++) {
        if (jh_field_get(profile, i, &f) == 0 && addr >= f.addr && addr < f.addr + f.len) {
            if (out)
                *out = f;
            if (offset)
                *offset = addr - f.addr;
            return 0;
        }
    }
    return -1;
}
