/*
 * jc_cmd.h: command tables and the generic dispatcher.
 *
 * After routing (jc_card.c: unfused -> jc_prefuse.c's table, fused ->
 * jc_fused_process), the selected application's command table is searched
 * once by INS and CLA, and the shared checks run before any handler, in this
 * order:
 *   6D00 no row has this INS; 6E00 no row with this INS accepts the CLA;
 *   then the application's secure messaging (its unwrap function: C-MAC check,
 *   decryption) unless the row says otherwise (JC_CMD_SM_SELF, JC_CMD_SM_NONE);
 *   6985 the row does not allow the card's state; 6982 the row needs a secure
 *   channel and none is open; 6700 the lengths break the row's flags.
 * (the values come from the profile's jc_sw_policy). Rows flagged
 * JC_CMD_PERSISTENT are wrapped: snapshot of the persistent state -> handler ->
 * env.commit -> on failure roll back and answer 6581 (or, for an injected power
 * cut, record card->fault = JC_ERR_POWER_CUT so jc_card_process returns it).
 * With env.commit NULL (memory-only card) and no runtime no snapshot is taken.
 */
#ifndef JC_CMD_H
#define JC_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "jc_apdu.h"
#include "jc_types.h"

/* Row flags */
#define JC_CMD_NEEDS_DATA 0x0001u  /* Lc > 0 required (else 6700) */
#define JC_CMD_NO_DATA 0x0002u     /* Lc must be 0 (else 6700) */
#define JC_CMD_EXTENDED_OK 0x0004u /* extended-length form accepted (else 6700) */
#define JC_CMD_PERSISTENT 0x0008u  /* changes persistent state: commit before answering */
#define JC_CMD_NEEDS_SC 0x0010u    /* a secure channel must be open (else 6982) */
#define JC_CMD_NEEDS_LE 0x0020u    /* Le required (else 6700) */
#define JC_CMD_NO_LE 0x0040u       /* Le must be absent (else 6700) */
#define JC_CMD_SM_SELF                                                                             \
    0x0080u /* the handler runs its own secure messaging (INITIALIZE                               \
             * UPDATE, EXTERNAL AUTHENTICATE): no unwrap before it */
#define JC_CMD_SM_NONE                                                                             \
    0x0100u /* answered without secure messaging: neither needs nor                                \
             * ends a session (commands gone after FUSE) */

/* Bit for a jc_card_state in a row's state mask. */
#define JC_ST(s) (1u << (unsigned)(s))
#define JC_ST_ANY 0xFFFFFFFFu

typedef uint16_t (*jc_cmd_handler)(jc_card *card, const jc_apdu *apdu, jc_resp *resp);

typedef struct {
    const char *name; /* "READ MEMORY" */
    uint8_t cla_mask; /* (CLA & cla_mask) == cla */
    uint8_t cla;
    uint8_t ins;
    uint32_t states; /* JC_ST() bits of the states in which it is allowed */
    uint16_t flags;  /* JC_CMD_* */
    jc_cmd_handler handler;
} jc_cmd;

/* Find the row for apdu (INS then CLA) or NULL; *sw gets 6D00/6E00 when NULL. */
const jc_cmd *jc_cmd_find(const jc_card *card, const jc_cmd *table, size_t n, const jc_apdu *apdu,
                          uint16_t *sw);

/* An application's secure messaging, run between the row lookup and the
 * checks: 0 to go on with *clear (the command as the handler sees it), or
 * the SW that answers the command. */
typedef uint16_t (*jc_cmd_unwrap)(jc_card *card, const jc_apdu *apdu, jc_apdu *clear);

/* The shared checks and the handler of a row already found with
 * jc_cmd_find (the OPEN finds its row to know whether the command is its). */
uint16_t jc_dispatch_row(jc_card *card, const jc_cmd *row, jc_cmd_unwrap unwrap,
                         const jc_apdu *apdu, jc_resp *resp);

/* jc_dispatch with the application's secure messaging (unwrap may be NULL). */
uint16_t jc_dispatch_sm(jc_card *card, const jc_cmd *table, size_t n, jc_cmd_unwrap unwrap,
                        const jc_apdu *apdu, jc_resp *resp);

/* Run the shared checks and the handler of the matching row. Returns the SW.
 * A handler answering an error SW must leave only the data it means to send
 * (IDENTIFY sends data with 6A82); a persistent row answering an error SW has
 * its persistent changes rolled back. */
uint16_t jc_dispatch(jc_card *card, const jc_cmd *table, size_t n, const jc_apdu *apdu,
                     jc_resp *resp);

/* The card's command tables, read-only, for programs that document or cover
 * them (the conformance suite's coverage matrix). Table i (0-based) of
 * jc_cmd_table_count(): its rows, with *n and a short name ("prefuse",
 * "fused-open", "fused-isd"). NULL when i is out of range. */
size_t jc_cmd_table_count(void);
const jc_cmd *jc_cmd_table_at(size_t i, const char **name, size_t *n);

/* True for SWs after which a persistent change is kept (9000, 61xx, 62xx, 63xx). */
static inline int jc_sw_is_success(uint16_t sw)
{
    uint8_t sw1 = (uint8_t)(sw >> 8);
    return sw1 == 0x90 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63;
}

#endif
