/*
 * jc_t0.h: the card's answers as a T=0 card gives them (ISO/IEC 7816-3
 * §10.3.4, 7816-4 §5.3; GP 2.1.1 §A.2 via gp211-reference §3.2), a layer
 * over jc_card_process for the transports that offer a T=0 card (jcopsim
 * --t0, jcop-replay --t0). It uses only the card's public entry points and
 * keeps its own state, which the caller clears at every power-up and reset.
 *
 * A command whose answer carries data:
 *   - case 2 (no data, Le): Le equal to the data's length (00 = 256) gets the
 *     data and the status word at once; another Le gets 6Cxx (xx = the length)
 *     and the answer is kept: the same command sent again with Le = xx gets it
 *     without running the command a second time;
 *   - case 3 or 4 (data sent; under T=0 the card sees a case-3 TPDU): 61xx
 *     (xx = the length, 00 for 256 or more) and the answer is kept for
 *     GET RESPONSE `00 C0 00 00 Le`, which gives Le bytes and 61yy while more
 *     remain, the command's own status word with the last piece, and 6Cxx for
 *     an Le larger than what remains;
 *   - an error status word (not 90xx, 62xx, 63xx) goes alone: T=0 carries no
 *     data with it.
 * Any other command drops a kept answer; GET RESPONSE with nothing kept goes to
 * the card (which answers it as before: 6D00). Answers without data, and
 * extended-length commands, pass unchanged.
 */
#ifndef JC_T0_H
#define JC_T0_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_card.h"

typedef struct {
    bool pending;     /* an answer is kept for GET RESPONSE */
    bool replay;      /* ... or for the same case-2 command with the right Le */
    uint8_t hdr[4];   /* that command's CLA INS P1 P2 */
    size_t len, off;  /* kept data and how much went out */
    uint8_t sw1, sw2; /* the command's own status word */
    const char *note; /* what the last call did (NULL: nothing T=0-specific) */
    uint8_t data[JC_RAPDU_MAX];
} jc_t0;

/* Forget any kept answer (power-up, reset, power-off). */
void jc_t0_reset(jc_t0 *t);

/* One command through the T=0 rules above. Returns the R-APDU length
 * (data + SW) or a negative JC_ERR_* from the card. */
int jc_t0_transmit(jc_t0 *t, jc_card *card, const uint8_t *capdu, size_t len, uint8_t *rapdu,
                   size_t cap);

/* The T=0 form of an ATR: TS, T0 with Y1 and K, TA1/TB1/TC1 as they were,
 * no TD1 (so T=0 only, ISO/IEC 7816-3 §8.2.3), the historical bytes, and no
 * TCK (absent when only T=0 is offered). Returns the length or JC_ERR_FORMAT
 * for an ATR it cannot read. */
int jc_t0_atr(const uint8_t *atr, size_t len, uint8_t *out, size_t cap);

#endif
