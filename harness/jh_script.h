/*
 * jh_script.h: a parsed script, whatever its language, as ONE list of steps.
 *
 * Three languages are read (jh_parse_jcsh.c, jh_parse_gpsh.c,
 * jh_parse_scriptor.c), each through a keyword table; /include is resolved at
 * load time so the runner (jh_run.c) sees a flat list in which every step
 * still knows its file and line. Arguments that may hold ${NAME} are kept as
 * text and expanded when the step runs; arguments without variables are
 * checked here, so a bad hex string is reported as `file:line: message` before
 * anything is sent to a card.
 */
#ifndef JH_SCRIPT_H
#define JH_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    JH_STEP_ATR = 1,     /* cold power cycle, then check expect against the ATR */
    JH_STEP_RESET,       /* warm reset (expect: ATR) */
    JH_STEP_POWER_ON,    /* cold power-up / PC/SC connect (expect: ATR) */
    JH_STEP_POWER_OFF,   /* power off / disconnect */
    JH_STEP_SEND,        /* arg: C-APDU data expression; wrap: see jh_wrap */
    JH_STEP_SELECT,      /* arg: AID expression; SELECT by DF name */
    JH_STEP_SET_VAR,     /* arg: name, arg2: value (expanded) */
    JH_STEP_ECHO,        /* arg: text (expanded) */
    JH_STEP_IDENTIFY,    /* SELECT JCOP IDENTIFY, answer decoded */
    JH_STEP_SET_KEY,     /* kvn + keys: remember a key set for the host side */
    JH_STEP_INIT_UPDATE, /* kvn: INITIALIZE UPDATE with the set-key keys of that kvn */
    JH_STEP_EXT_AUTH,    /* level: EXTERNAL AUTHENTICATE */
    JH_STEP_OPEN_SC,     /* GPShell open_sc: keys + kvn + level in one step */
    JH_STEP_GET_DATA,    /* p1p2: GET DATA tag */
    JH_STEP_GET_STATUS,  /* p1p2: element (80 40 20 10), 6310 paging */
    JH_STEP_PUT_KEY,     /* kvn (to replace, 00 = add), new_kvn, keys; KCVs checked */
    JH_STEP_DELETE,      /* arg: AID */
    JH_STEP_INSTALL,     /* arg: CAP path, arg2: SD AID or NULL, priv */
    JH_STEP_NOTE,        /* no card traffic (mode_211, establish_context, ...) */
    JH_STEP_EXIT,        /* scriptor `exit`: stop here */
} jh_step_kind;

/* How a JH_STEP_SEND is treated when a secure channel is open. */
typedef enum {
    JH_WRAP_AUTO = 0, /* wrapped when a channel at level >= C-MAC is open and CLA is 80..83 */
    JH_WRAP_NEVER,    /* sent as written (GPShell -sc 0, scriptor, traces) */
    JH_WRAP_ALWAYS,   /* must be wrapped (GPShell -sc 1): error without an open channel */
} jh_wrap;

typedef struct {
    jh_step_kind kind;
    const char *file; /* owned by the script's file table */
    unsigned line;
    char *verb; /* as written: "/send", "send_apdu", "apdu", ... */
    char *arg;
    char *arg2;
    char *expect;         /* NULL = not judged (may hold ${...}) */
    bool expect_implicit; /* the expectation comes from the language (GPShell's 9000 check) */
    jh_wrap wrap;
    int kvn;     /* set-key / init-update / open_sc / put_sc_key (-1 = not given) */
    int new_kvn; /* put_sc_key */
    bool have_keys;
    uint8_t keys[3][16]; /* ENC, MAC, DEK */
    uint8_t key_mask;    /* set-key: bit i = keys[i] given */
    uint8_t level;       /* ext-auth / open_sc: 00, 01, 03 */
    bool with_le;        /* ext-auth ... le: EXTERNAL AUTHENTICATE ends with Le=00 (GPPro's form) */
    uint16_t p1p2;       /* get_data tag, get_status element */
    int priv;            /* install privileges, -1 = default */
} jh_step;

typedef struct {
    char *path;   /* the top-level script */
    char *format; /* "jcsh", "gpsh", "scriptor" */
    jh_step *steps;
    size_t n_steps;
    size_t cap_steps;
    char **files; /* every file read (top level first) */
    size_t n_files;
    /* The first error: err_file:err_line: err. */
    char err_file[512];
    unsigned err_line;
    char err[256];
} jh_script;

/* The language for a path: "jcsh" (.jcsh, .jcs, also a jcopsim trace
 * .trace), "gpsh" (.gpsh, .txt), "scriptor" (.scriptor, .apdu); NULL when
 * unknown (the caller then asks for --format). */
const char *jh_format_from_path(const char *path);
/* True for "jcsh", "gpsh", "scriptor". */
bool jh_format_valid(const char *format);

/* Load and parse a script file. format NULL = from the extension. A file
 * without a single step is a script error (it would check nothing). Returns 0;
 * JH_SCRIPT_ERR (script error, s->err* set) or JH_SCRIPT_ERR_IO (top-level
 * file unreadable, s->err set). On error the steps parsed so far stay. */
#define JH_SCRIPT_ERR (-2)
#define JH_SCRIPT_ERR_IO (-3)
int jh_script_load(jh_script *s, const char *path, const char *format);
/* Parse text held in memory as if it were file `name` (tests, fuzzing).
 * /include is resolved relative to name's folder. */
int jh_script_parse_text(jh_script *s, const char *name, const char *text, const char *format);
void jh_script_free(jh_script *s);

/* Evaluate a C-APDU/AID data expression: hex digits and blanks, "..."
 * (quotes only group), |ascii| (the characters' bytes) and #(...) (one length
 * byte, then the bytes inside, nestable, at most 255). Returns the byte count
 * or -1 with err set. */
int jh_data_eval(const char *expr, uint8_t *out, size_t cap, char *err, size_t errcap);

/* ------------------------------------------------------------------------
 * Internal to the parsers (jh_script.c and jh_parse_*.c). */
typedef struct jh_parse jh_parse;
struct jh_parse {
    jh_script *s;
    const char *file; /* current file (owned by s->files) */
    unsigned line;
    int depth;             /* include depth */
    const char *stack[16]; /* include chain, for cycle detection */
};
/* Record an error at the current position (first one wins); returns JH_SCRIPT_ERR. */
int jh_parse_error(jh_parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a step at the current position (verb copied). NULL on out of memory. */
jh_step *jh_parse_add(jh_parse *p, jh_step_kind kind, const char *verb);
/* Parse one file (by path) in the given language, appending steps. */
int jh_parse_file(jh_parse *p, const char *path, const char *format);
/* Split a line into blank-separated words in place (quotes keep blanks inside).
 * Returns the count, at most max. */
int jh_split_words(char *line, char **words, int max);
/* Parse "KEY" hex of exactly 16 bytes; 0 or -1. */
int jh_parse_key16(const char *s, uint8_t out[16]);
/* Parse an integer: decimal, 0x-hex; range-checked. 0 or -1. */
int jh_parse_int(const char *s, long lo, long hi, long *out);

int jh_parse_jcsh_line(jh_parse *p, char *line);
int jh_parse_gpsh_line(jh_parse *p, char *line);
int jh_parse_scriptor_text(jh_parse *p, char *text);

#endif
