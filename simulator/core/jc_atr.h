/*
 * jc_atr.h: the ATR a card image will present, built from the configuration
 * block of its memory window (DESIGN.md §4 "ATR"). jc_card latches it at power
 * on/reset; tools (jcop-image show) use it to show and check a configuration.
 */
#ifndef JC_ATR_H
#define JC_ATR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_profile.h"
#include "jc_state.h"

/* ATR from the cold block (warm = false) or the warm block of mem (the
 * profile's memory window). Returns the length (0 when cap is too small);
 * *malformed (may be NULL) tells whether the configuration had to be repaired
 * (lengths clamped, interface bytes not matching T0/TDi). */
size_t jc_atr_build(const jc_profile *p, const uint8_t *mem, bool warm, uint8_t *atr, size_t cap,
                    bool *malformed);

#endif
