/*
 * jd_trace.h: jcopsim's two records of a session. The trace file (--trace) is
 * a script in the harness's JCShell language: /atr at each power-on, /reset at
 * a warm reset, /power off, and one "/send <C-APDU> <R-APDU>" per exchange with
 * the observed answer as its expectation, so a recorded session of any tool can
 * be replayed by jcop-replay and diffed. The card core's events (state changes,
 * warnings, notes, memory writes) become "#" comments after the line they
 * belong to. The verbose log (-v) is the same session, human-readable on
 * stderr, with status-word names. Both are flushed per line.
 */
#ifndef JD_TRACE_H
#define JD_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jc_card.h"

#define JD_TRACE_NOTES_MAX 4096 /* notes kept per line, more with --trace-vm */
#define JD_TRACE_VM_LINE 160    /* room kept per line of the bytecode trace */

typedef struct {
    FILE *file;   /* --trace FILE, or NULL */
    bool verbose; /* -v: log to stderr */
    bool quiet;   /* true while jcopsim probes the ATR of an unpowered card */
    char *notes;  /* core events since the last line (grown up to notes_max) */
    size_t notes_len, notes_cap;
    bool notes_cut;
    unsigned trace_vm; /* --trace-vm: bytecode trace lines kept per command (0: none) */
    unsigned bc_lines; /* bytecode trace lines (VM: bc, VM: call) since the last line */
} jd_trace;

/* Open path for appending (created 0600) and write the header. Returns 0 or
 * JC_ERR_IO. */
int jd_trace_open(jd_trace *t, const char *path, const char *profile, const char *store_desc);
/* One header line saying how to replay the trace on a card like the one that
 * made it (jcopsim builds it: the profile and transport key of a new card, or
 * the image a copy of which the replay needs). */
void jd_trace_reproduce(jd_trace *t, const char *how);
void jd_trace_close(jd_trace *t);

/* jc_env.trace: buffers core events as comments. With trace_vm set, at most
 * trace_vm lines of the VM's bytecode trace are kept per command, then one note
 * says where it was cut. */
void jd_trace_event(void *ctx, const jc_event *ev);

void jd_trace_power_on(jd_trace *t, const uint8_t *atr, size_t len, const char *why);
void jd_trace_reset(jd_trace *t, const uint8_t *atr, size_t len);
void jd_trace_power_off(jd_trace *t, const char *why);
void jd_trace_exchange(jd_trace *t, const uint8_t *capdu, size_t clen, const uint8_t *rapdu,
                       size_t rlen);
/* A free comment line (both records). */
void jd_trace_note(jd_trace *t, const char *text);

#endif
