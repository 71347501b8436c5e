/*
 * jc_types.h: what every layer says about a card: trace events, the
 * observable card states and the names of the GP card life-cycle bytes, the
 * injected environment (jc_env) and the opaque jc_card. jc_card.h (the public
 * entry points) and the core's internal jc_cardctx.h both include it.
 */
#ifndef JC_TYPES_H
#define JC_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_state.h"

/* Trace events, reported to env.trace (may be NULL). Pointers are valid only
 * during the callback. */
typedef enum {
    JC_EV_CAPDU = 1, /* data/len: the C-APDU as received */
    JC_EV_RAPDU,     /* data/len: the R-APDU as sent */
    JC_EV_STATE,     /* old_state -> new_state (jc_card_state values); text says why */
    JC_EV_MEM_WRITE, /* addr, len: a memory write; data: the new bytes */
    JC_EV_WARN,      /* text: something a user should know (fused unprotected, bad ATR config) */
    JC_EV_INFO,      /* text: a plain-language note (command name, decision applied) */
    JC_EV_POWER,     /* text: "power on", "power off", "warm reset" */
} jc_event_kind;

typedef struct {
    jc_event_kind kind;
    const uint8_t *data;
    size_t len;
    uint32_t addr;
    int old_state;
    int new_state;
    const char *text;
} jc_event;

/* Observable card states (for traces, the harness's --explain and coverage). */
typedef enum {
    JC_CS_OFF = 0,          /* not powered */
    JC_CS_UNFUSED_IDLE,     /* unfused, nothing selected */
    JC_CS_ROOT_SELECTED,    /* unfused, root applet selected by KT, not booted */
    JC_CS_BOOTED,           /* unfused, booted, memory open */
    JC_CS_BOOTED_PROTECTED, /* unfused, booted, PROTECT done */
    JC_CS_OP_READY,         /* fused, ISD card life cycle OP_READY (01) */
    JC_CS_INITIALIZED,      /* 07 */
    JC_CS_SECURED,          /* 0F */
    JC_CS_CARD_LOCKED,      /* 7F */
    JC_CS_TERMINATED,       /* FF */
} jc_card_state;
const char *jc_card_state_name(int state);
/* The fused state a GP card life-cycle byte (01, 07, 0F, 7F, FF) stands for,
 * or JC_CS_OFF for any other byte. */
jc_card_state jc_lcs_state(uint8_t lcs);
/* Name of a GP card life-cycle byte (01 OP_READY, 07, 0F, 7F, FF), or "unknown". */
const char *jc_lcs_name(uint8_t lcs);

typedef struct {
    /* Fill out[0..n) with random bytes; return 0, or <0 on failure. Required. */
    int (*random)(void *ctx, uint8_t *out, size_t n);
    void *random_ctx;
    /* Optional trace sink. */
    void (*trace)(void *ctx, const jc_event *ev);
    void *trace_ctx;
    /* Optional durable commit of the whole persistent state. Called after a
     * command changed persistent state and before its answer leaves the card.
     * Return 0 when durable, <0 on failure. NULL = memory-only card. */
    int (*commit)(void *ctx, const jc_pstate *st);
    void *commit_ctx;
} jc_env;

typedef struct jc_card jc_card;

#endif
