/*
 * jh_run.h: the runner. It walks a parsed script (jh_script.h) step by step
 * against a reader (jh_reader.h), expands ${NAME} variables, wraps commands
 * under the host side of SCP02 (simulator/core/jc_scp02.h, the card's own
 * module), refuses irreversible commands on PC/SC readers unless allowed,
 * judges expectations (jh_expect.h) and records everything in a transcript
 * (jh_transcript.h). It prints nothing: on_entry sees each finished entry.
 */
#ifndef JH_RUN_H
#define JH_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "jh_reader.h"
#include "jh_script.h"
#include "jh_transcript.h"

/* Exit statuses (also jh_transcript.status). */
enum {
    JH_EXIT_OK = 0,     /* every expectation held */
    JH_EXIT_FAIL = 1,   /* an expectation failed, or a command was refused */
    JH_EXIT_SCRIPT = 2, /* script error (file:line: message) or usage error */
    JH_EXIT_ENV = 3,    /* environment: no reader, no pcscd, unusable image, transport failure */
};

typedef struct {
    bool allow_irreversible; /* send FUSE/PROTECT/one-way SET STATUS to guarded readers */
    bool keep_going;         /* go on after a failed expectation (default: stop) */
    uint64_t seed;           /* host challenges: 0 = the system's source, else deterministic */
    const uint8_t
        *host_challenge; /* tests: this 8-byte host challenge for every INITIALIZE UPDATE */
    /* The system random source for host challenges when seed is 0 (NULL =
     * jc_sysrand, simulator/store). A failure stops the run with exit 3:
     * never a predictable challenge. Tests inject a failing one. */
    int (*sysrand)(void *ctx, uint8_t *out, size_t n);
    void (*on_entry)(void *ctx, const jh_transcript *t, const jh_entry *e);
    void *on_entry_ctx;
    /* Variables given from outside ("NAME=VALUE", jcop-replay --var): defined
     * before the first step; a /set-var of the same name keeps them (a note
     * says so). Names the runner sets itself (jh_run_reserved_var) are refused. */
    const char *const *vars;
    size_t n_vars;
} jh_run_opts;

/* Run sc on rd, appending to t (initialised by the caller). Returns the exit
 * status, also stored in t->status (t->error* set for 2 and 3). */
int jh_run(jh_reader *rd, const jh_script *sc, const jh_run_opts *o, jh_transcript *t);

/* True for the names the runner sets after exchanges (response, data, sw,
 * sw1, sw2, atr): not settable from outside. */
bool jh_run_reserved_var(const char *name);

/* Split "NAME=VALUE" into name (copied into name, cap bytes) and *value.
 * Returns 0, or -1 (no '=', bad or reserved name) with err set. */
int jh_run_var_arg(const char *arg, char *name, size_t cap, const char **value, char *err,
                   size_t errcap);

/* The irreversible command a C-APDU is, or NULL: "FUSE", "PROTECT",
 * "SET STATUS to INITIALIZED" (SECURED, CARD_LOCKED, TERMINATED). */
const char *jh_irreversible(const uint8_t *capdu, size_t len);

/* Decode IDENTIFY data (19 or 20 bytes) into text; returns 0 or -1 when too short. */
int jh_identify_decode(const uint8_t *d, size_t n, char *out, size_t cap);

#endif
