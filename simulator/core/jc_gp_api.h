/*
 * jc_gp_api.h: the services the OPEN and the Issuer Security Domain give an
 * application's own code (GP 2.1.1 §6.2.1 and §6.2.3; the org.globalplatform
 * API of Appendix A.2: GPSystem and SecureChannel). The application runtime
 * calls them while an applet's code runs inside jc_card_process, for the
 * instance whose code it is (`app`, its registry AID), on the channel of the
 * command being processed: the secure channel is that channel's ISD session.
 *
 * Persistent changes (an application's life cycle, the card's, the sequence
 * counter of an EXTERNAL AUTHENTICATE an applet forwards) are not committed
 * while the applet runs: jc_card_process commits them with the runtime's state
 * after the command and undoes them when that commit fails (answer 6581).
 */
#ifndef JC_GP_API_H
#define JC_GP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_state.h"
#include "jc_types.h"

/* GPSystem.getCardState(): the card life cycle (0F before FUSE: none). */
uint8_t jc_gp_api_card_state(const jc_card *card);
/* GPSystem.getCardContentState(): the registry's life cycle of app, or -1
 * when app has no registry entry (its install() is running). */
int jc_gp_api_app_state(const jc_card *card, const jc_aid *app);
/* GPSystem.setCardContentState(state): an application-specific state
 * (b1-b3 set, b8 clear) for app itself; false for anything else, for an
 * application that is LOCKED or not registered. */
bool jc_gp_api_set_app_state(jc_card *card, const jc_aid *app, uint8_t state);
/* GPSystem.lockCard() / terminateCard(): with the Card Lock / Card Terminate
 * privilege of app; lock only from SECURED (§6.7.2), terminate from any
 * state. True when the card is (now) in that state. */
bool jc_gp_api_lock_card(jc_card *card, const jc_aid *app);
bool jc_gp_api_terminate_card(jc_card *card, const jc_aid *app);

/* SecureChannel.getSecurityLevel(): 00 without an open session, else 80
 * (AUTHENTICATED) | the EXTERNAL AUTHENTICATE level (01 C-MAC, 02 C-DEC). */
uint8_t jc_gp_api_security_level(const jc_card *card);
/* SecureChannel.processSecurity(): the command as received (INITIALIZE
 * UPDATE, EXTERNAL AUTHENTICATE); response data into out (at most cap).
 * Returns the SW: 9000 done, 6E00/6D00 not a security command, else the
 * ISD's answer to it. */
uint16_t jc_gp_api_process_security(jc_card *card, const uint8_t *apdu, size_t len, uint8_t *out,
                                    size_t cap, size_t *out_len);
/* SecureChannel.unwrap(buf, off, len): the command at buf[off] (CLA INS P1
 * P2 Lc data, len = 5 + Lc); with secure messaging (CLA b3) its C-MAC is
 * checked and C-DEC data decrypted in place, Lc and CLA b3 cleared. Returns
 * the new length (5 + clear Lc; len itself without secure messaging) or -1
 * with *sw (6982: the session ends; 6700: len is not 5 + Lc). buf holds at
 * least off + len bytes. */
int jc_gp_api_unwrap(jc_card *card, uint8_t *buf, size_t off, size_t len, uint16_t *sw);
/* SecureChannel.decryptData(buf, off, len): 3DES-ECB with the session's DEK
 * in place (SCP02 sensitive data: no padding removed). Returns len or -1
 * with *sw (6985 no session, 6700 len not a multiple of 8). */
int jc_gp_api_decrypt(jc_card *card, uint8_t *buf, size_t off, size_t len, uint16_t *sw);
/* SecureChannel.resetSecurity(): the channel's session ends. */
void jc_gp_api_reset_security(jc_card *card);

#endif
