/*
 * jc_card.h: the public face of the card core.
 *
 * The card core is pure: bytes in, bytes out. A caller (the jcopsim daemon, the
 * harness's in-process reader, a test) creates a card from a persistent state
 * (see jc_state.h), powers it on to get the ATR, and feeds it C-APDUs. The core
 * does no I/O: randomness, tracing and durable commits of the persistent state
 * are injected through jc_env. A command that changes persistent state calls
 * env.commit before its response is returned; if the commit fails the change is
 * rolled back and the card answers 6581 (memory failure).
 */
#ifndef JC_CARD_H
#define JC_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_types.h"
#include "jc_err.h"
#include "jc_state.h"

/* Create a card holding a copy of *st (validated: unknown profile -> JC_ERR_PROFILE).
 * The card starts powered off. */
int jc_card_create(jc_card **out, const jc_pstate *st, const jc_env *env);
void jc_card_free(jc_card *card);

/* Cold power-up: clears volatile state, latches and returns the ATR built from
 * the cold-start configuration block. Returns the ATR length, or <0. */
int jc_card_power_on(jc_card *card, uint8_t *atr, size_t cap);
/* Warm reset: clears volatile state, ATR from the warm-start block. */
int jc_card_reset(jc_card *card, uint8_t *atr, size_t cap);
void jc_card_power_off(jc_card *card);
/* The ATR latched at the last power-on/reset (what a vpcd 04 request gets). */
int jc_card_atr(const jc_card *card, uint8_t *atr, size_t cap);

/* Process one C-APDU. Writes the R-APDU (data + SW1 SW2) into rapdu and returns
 * its length (>= 2), or a negative JC_ERR_* (not powered, buffer < 2 bytes,
 * power cut injected by commit). Malformed APDUs get an ISO SW, never an error. */
int jc_card_process(jc_card *card, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap);

/* The persistent state the card holds now (its runtime section included). */
const jc_pstate *jc_card_pstate(const jc_card *card);
jc_card_state jc_card_state_get(const jc_card *card);
bool jc_card_powered(const jc_card *card);

#endif
