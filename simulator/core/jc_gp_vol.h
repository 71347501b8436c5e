/*
 * jc_gp_vol.h: volatile GlobalPlatform state of a fused card (selection,
 * secure channel). Lives inside struct jc_card as member `gp` and is reset by
 * jc_card on power on, power off and warm reset through jc_gp_vol_reset.
 *
 * Placeholder written by the card-core engineer; the GlobalPlatform engineer
 * owns this file and extends the struct.
 */
#ifndef JC_GP_VOL_H
#define JC_GP_VOL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct jc_card jc_card;

typedef struct {
    bool sc_open;        /* a secure channel is open */
    uint8_t sc_level;    /* security level of the open session (00, 01, 03) */
} jc_gp_vol;

/* Clear the GP volatile state (power on/off, reset). */
void jc_gp_vol_reset(jc_card *card);
/* True when a secure channel is open (used by the dispatcher for rows flagged
 * JC_CMD_NEEDS_SC). */
bool jc_gp_vol_sc_open(const jc_card *card);

#endif
