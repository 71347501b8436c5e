/*
 * jt_tparse.h: reads the transcript forms jcop-explain understands, line by
 * line, and turns them into exchanges for the explainer (harness/explain).
 *
 * Forms: the harness's transcript (`=> C-APDU`, `(plain C-APDU)` under a
 * wrapped one, `<= R-APDU`), a jcopsim
 * trace (`/send <C-APDU> <R-APDU>`, `/atr`, `/reset`, `/power off`), scriptor
 * output (`> ` / `< ` lines, an SW line ending in `: text`), a GPShell trace
 * (`Command -->` / `Wrapped command -->` / `Response <--`, or bare `-->` /
 * `<--`) and pcscd's `--apdu` debug log (`APDU:` / `SW:` / `Card ATR:`).
 * The parser owns no memory; it calls back for every completed event with
 * the line number where the event began.
 */
#ifndef JT_TPARSE_H
#define JT_TPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    JT_FMT_AUTO = 0,
    JT_FMT_HARNESS,
    JT_FMT_TRACE,
    JT_FMT_SCRIPTOR,
    JT_FMT_GPSHELL,
    JT_FMT_PCSCD,
} jt_format;

const char *jt_format_name(jt_format f);
/* "harness", "trace", "scriptor", "gpshell", "pcscd", "auto" -> value; -1 unknown. */
int jt_format_parse(const char *name);
/* Guess the form from one line; JT_FMT_AUTO when the line says nothing. */
jt_format jt_format_guess(const char *line);

typedef enum {
    JT_EV_EXCHANGE = 1, /* capdu (+ plain when the tool printed it) + rapdu */
    JT_EV_POWER_ON,     /* atr */
    JT_EV_RESET,        /* atr (may be empty) */
    JT_EV_POWER_OFF,
    JT_EV_STATE,  /* a jcopsim trace's own note "# state: A -> B: why": state_name = "B" */
    JT_EV_APPLET, /* a jcopsim trace's applet event "# VM: text" (the card's VM): note = text */
} jt_event_kind;

#define JT_APDU_MAX 65546u
typedef struct {
    jt_event_kind kind;
    unsigned line; /* line where the event began */
    const uint8_t *capdu;
    size_t clen;
    const uint8_t *plain; /* NULL unless the transcript had a separate plain command */
    size_t plen;
    const uint8_t *rapdu; /* NULL when no answer was recorded */
    size_t rlen;
    const uint8_t *atr;
    size_t atr_len;
    const char *state_name;
    const char *note;
} jt_event;

typedef void (*jt_event_fn)(void *ctx, const jt_event *ev);

typedef struct {
    jt_format fmt; /* JT_FMT_AUTO until a line tells */
    unsigned lineno;
    unsigned cmd_line;
    bool have_cmd, have_plain, in_resp;
    uint8_t cmd[JT_APDU_MAX];
    size_t clen;
    uint8_t plain[JT_APDU_MAX];
    size_t plen;
    uint8_t resp[JT_APDU_MAX];
    size_t rlen;
    unsigned bad_lines; /* lines that looked like traffic but held bad hex */
    jt_event_fn fn;
    void *ctx;
} jt_parser;

/* p is large (three APDU buffers): allocate it, do not put it on a small stack. */
void jt_parser_init(jt_parser *p, jt_format fmt, jt_event_fn fn, void *ctx);
/* Feed one line (without or with its newline). */
void jt_parser_line(jt_parser *p, const char *line);
/* Flush a pending command at end of input. */
void jt_parser_end(jt_parser *p);

#endif
