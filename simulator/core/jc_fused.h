/*
 * jc_fused.h: the fused card's OPEN (SELECT) and ISD (jc_fused.c).
 */
#ifndef JC_FUSED_H
#define JC_FUSED_H

#include <stddef.h>
#include <stdint.h>

#include "jc_apdu.h"
#include "jc_cmd.h"
#include "jc_types.h"

/* Every APDU of a fused card: OPEN (SELECT), then the selected application. */
uint16_t jc_fused_process(jc_card *card, const jc_apdu *apdu, jc_resp *resp);
/* Power-up / reset: select the ISD or the Default Selected application. */
void jc_fused_power_up(jc_card *card);
/* The OPEN's and the ISD's command tables (for jc_cmd_table_at). */
const jc_cmd *jc_fused_open_table(size_t *n);
const jc_cmd *jc_fused_isd_table(size_t *n);

#endif
