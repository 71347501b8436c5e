/*
 * jh_transcript.h: the in-memory record of one script run of jcop-replay.
 *
 * The runner (jh_run.c) appends one jh_entry per executed step: where it came
 * from in the script (file:line, the verb as written), what went to the card
 * (C-APDU as sent, and the plain command before SCP02 wrapping), what came
 * back (R-APDU, SW, or the ATR at power events), the expectation and the
 * verdict, and, for the in-process card, the card state before and after plus
 * the core's trace events seen during the step. The report writers (text
 * transcript, TAP, JUnit in jh_report.c; HTML in harness/report/) and the
 * explainer (harness/explain/) only read this structure.
 *
 * Ownership: a jh_transcript owns every pointer reachable from it (strings
 * and byte buffers are heap copies); jh_transcript_free releases them all.
 * This layout is a stable interface: fields are only ever added at the end.
 */
#ifndef JH_TRANSCRIPT_H
#define JH_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What kind of exchange an entry records. */
typedef enum {
    JH_ENTRY_APDU = 1,  /* a C-APDU went out and an R-APDU came back */
    JH_ENTRY_POWER_ON,  /* cold power-up (or PC/SC connect): atr holds the ATR */
    JH_ENTRY_RESET,     /* warm reset: atr holds the ATR */
    JH_ENTRY_POWER_OFF, /* power off / disconnect */
    JH_ENTRY_NOTE,      /* no card traffic: /echo, /set-var, set-key, GPShell no-ops;
                           note holds the text */
    JH_ENTRY_REFUSED,   /* an irreversible command refused on a PC/SC reader:
                           capdu holds what would have been sent, nothing was sent */
} jh_entry_kind;

/* jh_entry.masked: which bytes of an exchange are hidden secrets. */
enum {
    JH_MASK_CDATA = 1, /* capdu and plain from byte 5 on (the command data: a key, a KT) */
    JH_MASK_RDATA = 2, /* rapdu before SW1 SW2 (a key read back) */
};

/* How an entry was judged. */
typedef enum {
    JH_VERDICT_NONE = 0, /* no expectation: recorded, not judged */
    JH_VERDICT_PASS,     /* the expectation held */
    JH_VERDICT_FAIL,     /* the expectation did not hold (message says why) */
    JH_VERDICT_ERROR,    /* the step could not run (refused, transport error,
                            script error found at run time); message says why */
} jh_verdict;

/* One event the card core reported during the step (in-process backend only).
 * Mirrors jc_event (jc_card.h) with owned copies. */
typedef struct {
    int kind;      /* jc_event_kind value */
    uint32_t addr; /* JC_EV_MEM_WRITE: address */
    uint8_t *data; /* JC_EV_MEM_WRITE: new bytes; NULL otherwise */
    size_t len;
    int old_state; /* JC_EV_STATE: jc_card_state values */
    int new_state;
    char *text; /* may be NULL */
} jh_event;

typedef struct {
    /* Where the step came from. */
    char *file;    /* script path as given (or as resolved for /include) */
    unsigned line; /* 1-based line of the step's first line */
    char *verb;    /* the command as written: "/send", "send_apdu", "ext-auth", "apdu" ... */
    jh_entry_kind kind;

    /* Traffic. For JH_ENTRY_APDU capdu is what went on the wire (wrapped under
     * SCP02 when wrapped is true); plain is the command before wrapping (equal
     * to capdu when not wrapped). rapdu includes SW1 SW2. */
    uint8_t *capdu;
    size_t capdu_len;
    uint8_t *plain;
    size_t plain_len;
    bool wrapped;
    uint8_t *rapdu;
    size_t rapdu_len;
    uint16_t sw; /* SW1<<8|SW2 of rapdu; 0 when there is none */
    /* Secrets the recorder replaced by placeholder bytes (JH_MASK_*): reports
     * show those bytes as hidden, never as the placeholder's hex. */
    uint8_t masked;
    uint8_t atr[33]; /* JH_ENTRY_POWER_ON / JH_ENTRY_RESET */
    size_t atr_len;

    /* Judgement. */
    char *expect; /* the expectation text after ${} expansion, NULL = none */
    jh_verdict verdict;
    char *message; /* failure/error text without the file:line prefix, or NULL */
    char *note;    /* free text: /echo output, decoded IDENTIFY, SCP02 session info */

    /* Card state (in-process backend only; has_state false otherwise). */
    bool has_state;
    int state_before; /* jc_card_state */
    int state_after;
    jh_event *events;
    size_t n_events;
} jh_entry;

typedef struct {
    char *script;  /* the script path as given on the command line */
    char *format;  /* "jcsh", "gpsh" or "scriptor" */
    char *backend; /* e.g. "in-process J2A040 memory-only (not durable)", "pcsc \"Virtual PCD 00
                      00\"" */
    jh_entry *entries;
    size_t n_entries;
    size_t cap_entries;
    unsigned n_pass; /* counts of entries by verdict */
    unsigned n_fail;
    unsigned n_error;
    unsigned n_unjudged;
    /* A script error (exit 2) or environment error (exit 3) that stopped the run:
     * error_file:error_line: error. error is NULL when none. */
    int status; /* the run's exit status: 0 all held, 1 a check failed, 2 script error, 3
                   environment */
    char *error;
    char *error_file;
    unsigned error_line;
} jh_transcript;

/* Initialise an empty transcript; script/format/backend are copied (may be NULL). */
int jh_transcript_init(jh_transcript *t, const char *script, const char *format,
                       const char *backend);
/* Append a zeroed entry with file/line/verb copied; returns it, or NULL on out of memory.
 * The pointer is valid until the next append. */
jh_entry *jh_transcript_add(jh_transcript *t, const char *file, unsigned line, const char *verb,
                            jh_entry_kind kind);
/* Helpers that copy into an entry (replace previous contents). Return 0 or JC_ERR_NOMEM. */
int jh_entry_set_bytes(uint8_t **dst, size_t *dst_len, const uint8_t *src, size_t len);
int jh_entry_set_text(char **dst, const char *text);
int jh_entry_add_event(jh_entry *e, int kind, uint32_t addr, const uint8_t *data, size_t len,
                       int old_state, int new_state, const char *text);
/* Recount n_pass/n_fail/n_error/n_unjudged from the entries. */
void jh_transcript_count(jh_transcript *t);
void jh_transcript_free(jh_transcript *t);

#endif
