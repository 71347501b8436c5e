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

#include "jc_state.h"

/* Internal faults of the core and the layers that wrap it: negative codes. */
enum {
    JC_OK = 0,
    JC_ERR_ARG = -1,         /* invalid argument */
    JC_ERR_NOMEM = -2,       /* out of memory */
    JC_ERR_IO = -3,          /* file or socket I/O failed */
    JC_ERR_CORRUPT = -4,     /* image integrity check failed */
    JC_ERR_VERSION = -5,     /* image format version not supported */
    JC_ERR_TRUNCATED = -6,   /* image shorter than its header says */
    JC_ERR_RANDOM = -7,      /* the random source failed */
    JC_ERR_CRYPTO = -8,      /* libcrypto failed */
    JC_ERR_NOT_POWERED = -9, /* APDU sent to a card that is powered off */
    JC_ERR_PROFILE = -10,    /* unknown profile name */
    JC_ERR_BUFFER = -11,     /* caller's buffer too small */
    JC_ERR_FORMAT = -12,     /* malformed input (image fields, hex, ...) */
    JC_ERR_POWER_CUT = -13,  /* power-loss injection fired (test option) */
};
const char *jc_strerror(int err);

/* Sizes. A vpcd frame carries at most 65535 bytes. */
#define JC_CAPDU_MAX 65535u
#define JC_RAPDU_MAX (65536u + 2u)
#define JC_ATR_MAX 33u

/* Trace events, reported to env.trace (may be NULL). Pointers are valid only
 * during the callback. */
typedef enum {
    JC_EV_CAPDU = 1,   /* data/len: the C-APDU as received */
    JC_EV_RAPDU,       /* data/len: the R-APDU as sent */
    JC_EV_STATE,       /* old_state -> new_state (jc_card_state values); text says why */
    JC_EV_MEM_WRITE,   /* addr, len: a memory write; data: the new bytes */
    JC_EV_WARN,        /* text: something a user should know (fused unprotected, bad ATR config) */
    JC_EV_INFO,        /* text: a plain-language note (command name, decision applied) */
    JC_EV_POWER,       /* text: "power on", "power off", "warm reset" */
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
bool jc_card_powered(const jc_card *card);
/* The ATR latched at the last power-on/reset (what a vpcd 04 request gets). */
int jc_card_atr(const jc_card *card, uint8_t *atr, size_t cap);

/* Process one C-APDU. Writes the R-APDU (data + SW1 SW2) into rapdu and returns
 * its length (>= 2), or a negative JC_ERR_* (not powered, buffer < 2 bytes,
 * power cut injected by commit). Malformed APDUs get an ISO SW, never an error. */
int jc_card_process(jc_card *card, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap);

const jc_pstate *jc_card_pstate(const jc_card *card);
jc_card_state jc_card_state_get(const jc_card *card);

#endif
