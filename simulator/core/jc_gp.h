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
/* Forget (and wipe) a PUT KEY chain in progress (jc_gp_common.c). */
void jc_gp_put_key_chain_drop(jc_card *card);

/* Registry helpers (jc_gp_content.c). */
int jc_gp_reg_find(const jc_card *card, const uint8_t *aid, size_t len);
int jc_gp_reg_free_slot(const jc_card *card);
bool jc_gp_aid_eq(const jc_aid *a, const uint8_t *b, size_t len);

/* STORE DATA state ends (jc_gp_common.c): block sequence, personalization target. */
void jc_gp_store_end(jc_card *card);
/* The ISD data objects: what STORE DATA wrote, else the profile's. */
size_t jc_gp_isd_iin(const jc_card *card, const uint8_t **v);
size_t jc_gp_isd_cin(const jc_card *card, const uint8_t **v);
size_t jc_gp_isd_card_data(const jc_card *card, const uint8_t **v);
void jc_gp_isd_cplc(const jc_card *card, uint8_t out[JC_CPLC_LEN]);
/* The ISD's AID (its registry entry's: the profile's until STORE DATA 4F
 * renames it), its registry index (-1 when absent), and its FCI with that AID
 * in tag 84 (jc_gp_store.c). */
const jc_aid *jc_gp_isd_aid(const jc_card *card);
int jc_gp_isd_index(const jc_card *card);
uint16_t jc_gp_isd_fci(const jc_card *card, jc_resp *resp);
/* INSTALL [for personalization] (called by jc_gp_install). */
uint16_t jc_gp_install_perso(jc_card *card, const uint8_t *d, size_t n);

/* EXTERNAL AUTHENTICATE forwarded by an application (SecureChannel.
 * processSecurity): the sequence counter's commit is deferred to the end of
 * the APDU (jc_api_record). */
uint16_t jc_gp_ext_auth_app(jc_card *card, const jc_apdu *a);
/* Undo the GP API changes waiting for their commit (jc_gp_api.c; the
 * commit after the APDU failed): values back, a deferred counter's session
 * ended. */
void jc_gp_api_undo(jc_card *card);

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
uint16_t jc_gp_store_data(jc_card *card, const jc_apdu *a, jc_resp *resp);

#endif
