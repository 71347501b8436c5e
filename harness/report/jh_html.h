/*
 * jh_html.h: the self-contained HTML report of a run (no network: inline CSS
 * and SVG, no script). Written by `jcop-replay --html FILE` and by
 * `jcop-prepers rehearse --html FILE` from the harness's run record
 * (harness/jh_transcript.h).
 *
 * The page shows: a summary (script, backend, verdict counts), the card's
 * state timeline (an SVG of the JCOP states, unfused to TERMINATED, with the
 * path the run took drawn and numbered), the transcript with the explainer's
 * lines under each exchange (harness/explain), and the named memory fields
 * before and after the run with every changed byte highlighted.
 */
#ifndef JH_HTML_H
#define JH_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "jh_transcript.h"

typedef struct {
    const char *title;   /* NULL: "jcopsim run: <script>" */
    const char *profile; /* profile naming memory fields; NULL = default */
    /* Optional images of the memory window [JC_MEM_BASE, JC_MEM_END)
     * (JC_MEM_SIZE bytes, e.g. jc_pstate.mem) before and after the run. When
     * absent, the report rebuilds what the transcript shows: READ MEMORY
     * answers and WRITE MEMORY data; bytes it never saw are shown as "..". */
    const uint8_t *mem_before;
    const uint8_t *mem_after;
    /* The card's state before the first entry (jc_card_state), -1 = learn it
     * from the transcript. Entries with has_state override the explainer. */
    int initial_state;
    /* Names of memory fields whose bytes are secret (keys, GPIN): shown as
     * "**" in the memory table (still marked when they changed) and in the
     * data of READ/WRITE MEMORY exchanges touching them. NULL-terminated;
     * NULL = none. */
    const char *const *masked_fields;
} jh_html_opts;

/* Write the report to f. Returns 0, or JC_ERR_IO when writing failed. */
int jh_html_write(FILE *f, const jh_transcript *t, const jh_html_opts *opts);
/* Same into a new file at path (replaced if it exists). Returns 0 or JC_ERR_IO. */
int jh_html_write_file(const char *path, const jh_transcript *t, const jh_html_opts *opts);

#endif
