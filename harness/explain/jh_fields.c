/*
 * jh_fields.c: names for memory addresses, so the explainer and the HTML
 * report can say "CM_KEY1" instead of 0xC00305.
 *
 * The one switch-over point to the card's profile data: jh_field_source()
 * returns the field table of a profile. Until simulator/core/jc_profile.h
 * exports its field table, the table below carries the addresses of
 * jcop-facts.md §2 with their labels; every other function reads fields only
 * through jh_field_source().
 */
#include <string.h>

#include "jh_explain.h"
#ifdef JH_HAVE_PROFILE
#include "jc_profile.h"
#endif

#ifndef JH_HAVE_PROFILE
static const jh_field jh_fields_jcop24x[] = {
    {.name = "CONFIG_C00122",
     .addr = 0xC00122,
     .len = 1,
     .label = "assumed",
     .what = "written FE by both public scripts; meaning unknown"},
    {.name = "ATR_COLD_C00124",
     .addr = 0xC00124,
     .len = 1,
     .label = "assumed",
     .what =
         "cold-start configuration byte written 0B or 0F by the public scripts; meaning unknown"},
    {.name = "ATR_COLD_T0_IFACE",
     .addr = 0xC00126,
     .len = 9,
     .label = "inferred",
     .what = "length, then T0 and the interface bytes of the ATR after a cold reset"},
    {.name = "ATR_COLD_HIST",
     .addr = 0xC00136,
     .len = 16,
     .label = "inferred",
     .what = "length, then the historical bytes of the ATR after a cold reset"},
    {.name = "ATR_WARM_C00147",
     .addr = 0xC00147,
     .len = 1,
     .label = "assumed",
     .what = "warm-start twin of C00124"},
    {.name = "ATR_WARM_T0_IFACE",
     .addr = 0xC00149,
     .len = 9,
     .label = "inferred",
     .what = "length, then T0 and the interface bytes of the ATR after a warm reset"},
    {.name = "ATR_WARM_HIST",
     .addr = 0xC00159,
     .len = 16,
     .label = "inferred",
     .what = "length, then the historical bytes of the ATR after a warm reset"},
    {.name = "UNKNOWN_C0029A",
     .addr = 0xC0029A,
     .len = 2,
     .label = "assumed",
     .what = "written F8 07 by a vendor script; meaning unknown"},
    {.name = "CM_LIFECYCLE",
     .addr = 0xC00301,
     .len = 1,
     .label = "assumed",
     .what = "card manager life cycle taken at FUSE: 01 OP_READY, 07 INITIALIZED, 0F SECURED"},
    {.name = "CM_KEY1",
     .addr = 0xC00305,
     .len = 16,
     .label = "confirmed",
     .what =
         "first card manager key record: becomes the ENC key of the ISD at FUSE (mapping assumed)"},
    {.name = "KEY_STATUS_2",
     .addr = 0xC0031D,
     .len = 1,
     .label = "assumed",
     .what = "written 01 before the second key by a vendor script"},
    {.name = "CM_KEY2",
     .addr = 0xC00321,
     .len = 16,
     .label = "confirmed",
     .what = "second card manager key record: becomes the MAC key at FUSE (mapping assumed)"},
    {.name = "KEY_STATUS_3",
     .addr = 0xC00339,
     .len = 1,
     .label = "assumed",
     .what = "written 01 before the third key by a vendor script"},
    {.name = "CM_KEY3",
     .addr = 0xC0033D,
     .len = 16,
     .label = "confirmed",
     .what = "third card manager key record: becomes the DEK key at FUSE (mapping assumed)"},
    {.name = "GPIN_LEN",
     .addr = 0xC00407,
     .len = 1,
     .label = "confirmed",
     .what = "length of the global PIN (default 5, at most 16)"},
    {.name = "GPIN",
     .addr = 0xC00412,
     .len = 16,
     .label = "confirmed",
     .what = "the global PIN (only the first GPIN-length bytes count)"},
};
#endif

#ifdef JH_HAVE_PROFILE
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
#else
/* Until the card's profile table is available: the published map. */
typedef struct {
    const jh_field *f;
    int n;
} jh_field_table;

static jh_field_table jh_field_source(const char *profile)
{
    (void)profile; /* both JCOP 2.4.x profiles share the published map */
    return (jh_field_table){.f = jh_fields_jcop24x,
                            .n = (int)(sizeof jh_fields_jcop24x / sizeof jh_fields_jcop24x[0])};
}

int jh_field_count(const char *profile)
{
    return jh_field_source(profile).n;
}

int jh_field_get(const char *profile, int i, jh_field *out)
{
    jh_field_table t = jh_field_source(profile);
    if (i < 0 || i >= t.n || !out)
        return -1;
    *out = t.f[i];
    return 0;
}

uint32_t jh_profile_cm_lifecycle_addr(const char *profile)
{
    (void)profile;
    return 0xC00301u;
}
#endif

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
