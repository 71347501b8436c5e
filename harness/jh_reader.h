/*
 * jh_reader.h: how the runner reaches a card. A small vtable (designated
 * initializers, chosen at run time) with two implementations:
 *  - jh_reader_card.c: the in-process card core (jccore), memory-only or on a
 *    durable image file (jcstore); reports the core's trace events and the
 *    card state, so transcripts can show what changed inside;
 *  - jh_reader_pcsc.c: any PC/SC reader through libpcsclite (a real card, or
 *    jcopsim behind vpcd). `guard_irreversible` is set: the runner refuses
 *    FUSE, PROTECT and one-way SET STATUS there unless --allow-irreversible.
 * Operations return 0 / a length, or a negative JC_ERR_*; err (when given)
 * gets a one-line reason.
 */
#ifndef JH_READER_H
#define JH_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jh_transcript.h"

typedef struct jh_reader jh_reader;

typedef struct {
    const char *kind; /* "in-process", "pcsc" */
    /* Cold power-up (PC/SC: connect, or reconnect unpowering). Returns ATR length. */
    int (*power_on)(jh_reader *r, uint8_t *atr, size_t cap);
    /* Warm reset. Returns ATR length. */
    int (*reset)(jh_reader *r, uint8_t *atr, size_t cap);
    void (*power_off)(jh_reader *r);
    bool (*powered)(const jh_reader *r);
    /* Exchange one C-APDU. Returns the R-APDU length (>= 2) or <0. */
    int (*transmit)(jh_reader *r, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap);
    /* jc_card_state of the card, or -1 when the backend cannot see inside. */
    int (*state)(const jh_reader *r);
    /* Where card events go during the next operations (NULL: dropped). */
    void (*set_sink)(jh_reader *r, jh_entry *e);
    void (*close)(jh_reader *r);
    /* The card's memory window [JC_MEM_BASE, JC_MEM_END) as it is now, or NULL
     * when the backend cannot see inside (PC/SC). May be NULL itself. */
    const uint8_t *(*memory)(const jh_reader *r);
} jh_reader_ops;

struct jc_card;
struct jh_reader {
    const jh_reader_ops *ops;
    /* The in-process card a direct exchange may call (jh_session_transmit)
     * when that is all transmit does (jh_reader_card_borrow), else NULL. */
    struct jc_card *direct;
    bool guard_irreversible; /* true for PC/SC: no reader is trusted by its name */
    char desc[256];          /* "in-process J2A040, memory-only (not durable)" */
    char err[256];           /* last error, one line */
};

/* Event kind (beside the card's JC_EV_*) of a transport step the reader took
 * for a script step: a T=0 exchange (the command, 6Cxx repeats, GET RESPONSE). */
#define JH_EV_LINK 100

/* In-process card. image NULL = memory-only fresh card; an existing image is
 * opened, a missing one created (durable). profile NULL = default; kt NULL =
 * random (or from seed). seed != 0 makes the card's randomness deterministic.
 * Returns 0 or <0 with err set (an environment error: exit 3). */
typedef struct {
    const char *image;
    const char *profile;
    const uint8_t *kt; /* 16 bytes or NULL */
    uint64_t seed;
    bool t0; /* answers as a T=0 card (jc_t0.h); the reader fetches 61xx / repeats 6Cxx */
    /* --trace-vm: 0 off; N: the VM traces every bytecode, at most N lines kept
     * per exchange (then one line saying how many were left out). */
    unsigned trace_vm;
} jh_card_opts;
int jh_reader_card_open(jh_reader **out, const jh_card_opts *o, char *err, size_t errcap);

/* A reader over a card the caller made and keeps (jcop-bench: its own
 * environment and store): no trace events reach the transcript (the card's
 * env has its own trace, if any); closing the reader leaves the card alone.
 * Returns 0 or JC_ERR_NOMEM. */
int jh_reader_card_borrow(jh_reader **out, struct jc_card *card, const char *desc);

/* PC/SC reader by exact name, or by index (name NULL) in SCardListReaders
 * order. Connects lazily at the first power_on. Returns 0, or <0 with err set
 * (no pcscd, no such reader): an environment error. */
int jh_reader_pcsc_open(jh_reader **out, const char *name, int index, char *err, size_t errcap);

static inline void jh_reader_close(jh_reader *r)
{
    if (r)
        r->ops->close(r);
}

#endif
