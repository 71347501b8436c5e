/*
 * jc_gp.h: internals shared by the GlobalPlatform ISD modules. jc_fused.c is
 * the entry point (routing, SELECT, secure messaging, then the ISD command
 * table); jc_gp_isd.c holds the card and key handlers (GET DATA, INITIALIZE
 * UPDATE, EXTERNAL AUTHENTICATE, SET STATUS, PUT KEY); jc_gp_content.c the
 * registry handlers (GET STATUS, INSTALL, LOAD, DELETE).
 */
#ifndef JC_GP_H
#define JC_GP_H

#include <stdbool.h>
#include <stdint.h>

#include "jc_apdu.h"
#include "jc_cardctx.h"
#include "jc_profile.h"

/* The crypto context of the card, created on first use (NULL on failure). */
jc_crypto *jc_gp_crypto(jc_card *card);
/* End the secure channel and what depends on it (paging, a LOAD in progress). */
void jc_gp_session_end(jc_card *card, const char *why);

/* Registry helpers (jc_gp_content.c). */
int jc_gp_reg_find(const jc_card *card, const uint8_t *aid, size_t len);
int jc_gp_reg_free_slot(const jc_card *card);
bool jc_gp_aid_eq(const jc_aid *a, const uint8_t *b, size_t len);

/* Handlers (ISD table rows). */
uint16_t jc_gp_get_data(jc_card *card, const jc_apdu *a, jc_resp *resp);
uint16_t jc_gp_init_update(jc_card *card, const jc_apdu *a, jc_resp *resp);
uint16_t jc_gp_ext_auth(jc_card *card, const jc_apdu *a, jc_resp *resp);
uint16_t jc_gp_set_status(jc_card *card, const jc_apdu *a, jc_resp *resp);
uint16_t jc_gp_put_key(jc_card *card, const jc_apdu *a, jc_resp *resp);
uint16_t jc_gp_get_status(jc_card *card, const jc_apdu *a, jc_resp *resp);
uint16_t jc_gp_install(jc_card *card, const jc_apdu *a, jc_resp *resp);
uint16_t jc_gp_load(jc_card *card, const jc_apdu *a, jc_resp *resp);
uint16_t jc_gp_delete(jc_card *card, const jc_apdu *a, jc_resp *resp);

#endif
