/*
 * jh_report.h: the text forms of a run record (jh_transcript.h): the live
 * transcript jcop-replay prints, TAP, JUnit XML, and the golden-transcript
 * comparison of --diff. The HTML report lives in harness/report/.
 *
 * Transcript lines (stable, also read back as a golden file):
 *   file:line: verb                       the step
 *   => C-APDU                             as sent (wrapped, when wrapped)
 *      (plain C-APDU)                     before SCP02 wrapping
 *   <= R-APDU  SW_NAME: text              the answer
 *   -- power on, ATR 3B...                power events (-- reset, ATR ...; -- power off)
 *   -- text                               notes (/echo, set-key, GPShell no-ops)
 *   file:line: expected X, got Y          a failed expectation
 *   file:line: refused: ...               an irreversible command not sent
 */
#ifndef JH_REPORT_H
#define JH_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "jh_transcript.h"

/* One entry in the transcript form (no explanation). */
void jh_report_entry(FILE *f, const jh_entry *e);
/* The same, with verdicts in colour when colour is set (jh_colour_wanted). */
void jh_report_entry_c(FILE *f, const jh_entry *e, bool colour);
/* The whole transcript, with a header line and a summary line. */
void jh_report_transcript(FILE *f, const jh_transcript *t);
/* The summary line: "script: N held, N failed, N errors, N not judged: PASS|FAIL|...". */
void jh_report_summary(FILE *f, const jh_transcript *t);
void jh_report_summary_c(FILE *f, const jh_transcript *t, bool colour);

/* TAP version 13 over several runs: one test point per entry, unjudged ones
 * as "# SKIP not judged", a script/environment error as one failing point. */
void jh_report_tap(FILE *f, const jh_transcript *const *runs, size_t n);

/* JUnit XML: one <testcase> per script; <failure> lists every failed
 * expectation with file:line, <error> carries a script or environment error;
 * the transcript goes to <system-out>. Returns 0 or -1 on a write error. */
int jh_report_junit(FILE *f, const jh_transcript *const *runs, size_t n);
/* XML-escape text into a buffer-less stream (also maps invalid UTF-8 and
 * control characters to '?'). */
void jh_xml_escape(FILE *f, const char *s);

/* ---- --diff: compare a run with a golden transcript or jcopsim trace ---- */
typedef struct {
    unsigned line; /* line in the golden file */
    char *capdu;   /* hex */
    char *rapdu;   /* expectation text (hex, may hold wildcards), or NULL */
} jh_golden_item;

typedef struct {
    jh_golden_item *items;
    size_t n;
} jh_golden;

/* Read the exchanges of a golden file: jcop-replay transcript lines
 * (=> / <=) or JCShell /send lines (a jcopsim --trace file). Power events
 * are not compared (pcscd powers cards on and off on its own schedule).
 * Returns 0, or -1 with err set. */
int jh_golden_load(const char *path, jh_golden *g, char *err, size_t errcap);
void jh_golden_free(jh_golden *g);
/* Compare: 0 when every exchange matches, 1 at the first divergence (msg
 * describes it: exchange number, script file:line, golden line, expected vs
 * actual). */
int jh_golden_diff(const jh_golden *g, const char *golden_name, const jh_transcript *t, char *msg,
                   size_t cap);

#endif
