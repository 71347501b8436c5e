/*
 * jc_prefuse.h: the pre-personalization mode, the application of an unfused
 * card (jc_prefuse.c).
 */
#ifndef JC_PREFUSE_H
#define JC_PREFUSE_H

#include <stddef.h>
#include <stdint.h>

#include "jc_apdu.h"
#include "jc_cmd.h"
#include "jc_types.h"

/* SELECT/IDENTIFY/KT routing, then the pre-FUSE table. */
uint16_t jc_prefuse_process(jc_card *card, const jc_apdu *apdu, jc_resp *resp);
/* The FUSE transition: creates the ISD from the memory. */
void jc_fuse_apply(jc_card *card);
/* The pre-FUSE command table (for jc_cmd_table_at). */
const jc_cmd *jc_prefuse_table(size_t *n);

#endif
