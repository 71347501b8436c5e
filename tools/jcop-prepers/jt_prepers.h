/*
 * jt_prepers.h: the parts of jcop-prepers, the tutorial as a safe guided tool.
 *
 * jt_plan.c builds the pre-personalization sequence from a plan (new keys,
 * GPIN, CM_LIFECYCLE, optional ATR bytes; addresses from the card profile,
 * simulator/core/jc_profile.h) and reads/writes plan and backup files (mode
 * 0600). jt_session.c talks to a card through the harness's reader interface
 * (harness/jh_reader.h: in-process card or any PC/SC reader), records a run
 * transcript (harness/jh_transcript.h) for the HTML report, prints each
 * exchange with the explainer's lines (harness/explain) with secrets masked,
 * and does the host side of SCP02 (simulator/core/jc_scp02.h).
 * jt_prepers_main.c holds the subcommands: plan, backup, twin, rehearse,
 * apply, verify.
 */
#ifndef JT_PREPERS_H
#define JT_PREPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jc_profile.h"
#include "jc_scp02.h"
#include "jh_explain.h"
#include "jh_reader.h"
#include "jh_session.h"
#include "jh_transcript.h"

/* Exit statuses (DESIGN.md §8). */
enum { JT_EXIT_OK = 0, JT_EXIT_FAIL = 1, JT_EXIT_USAGE = 2, JT_EXIT_ENV = 3 };

/* ---- plan ----------------------------------------------------------------- */

typedef struct {
    char profile[24];
    uint8_t key[3][16]; /* new CM_KEY 1..3 (ENC, MAC, DEK) */
    uint8_t gpin[16];
    size_t gpin_len;
    uint8_t lifecycle;     /* CM_LIFECYCLE: 01, 07 or 0F */
    uint8_t atr_iface[16]; /* T0 and interface bytes (without the length byte); len 0 = keep */
    size_t atr_iface_len;
    uint8_t atr_hist[16]; /* historical bytes; len 0 = keep */
    size_t atr_hist_len;
    bool have_atr_hist, have_atr_iface;
} jt_plan;

/* One APDU of the sequence. */
typedef enum {
    JT_STEP_SELECT_KT = 1,
    JT_STEP_BOOT,
    JT_STEP_READ,
    JT_STEP_WRITE,
    JT_STEP_CHECK,
    JT_STEP_PROTECT,
    JT_STEP_FUSE,
} jt_step_kind;

#define JT_STEPS_MAX 48
typedef struct {
    jt_step_kind kind;
    uint8_t capdu[5 + 255 + 1];
    size_t len;
    uint16_t expect_sw; /* 9000 */
    bool secret;        /* data (or answer) holds a key or the GPIN */
    uint32_t addr;      /* READ/WRITE/CHECK */
    size_t n;
    const uint8_t *want; /* CHECK: bytes the read must give (points into the plan) */
    char what[96];       /* "write CM_KEY1 (new ENC key)" */
} jt_step;

/* Fill defaults: default profile, lifecycle 01, GPIN length 0 (keep), no keys. */
void jt_plan_defaults(jt_plan *p);
/* Random keys from getrandom(2) (and a random 5-digit GPIN when none given).
 * Returns 0 or JT_EXIT_ENV. */
int jt_plan_random(jt_plan *p, bool keys, bool gpin);
/* Validate against the profile: lifecycle 01/07/0F, GPIN length 1..gpin_max, ATR
 * fields fitting their slots, keys not all equal to zero. err gets a reason. */
int jt_plan_check(const jt_plan *p, char *err, size_t cap);
/* The sequence: SELECT KT, BOOT, reads of the old values, writes, read-back
 * checks, PROTECT (when protect), FUSE (when fuse). Returns the step count. */
size_t jt_plan_steps(const jt_plan *p, const uint8_t kt[16], bool protect, bool fuse,
                     jt_step *steps, size_t max);

/* Plan and backup files: "key value" lines, '#' comments, created with mode 0600.
 * Load returns 0 or JT_EXIT_USAGE (file:line message in err) / JT_EXIT_ENV (cannot read). */
int jt_plan_save(const jt_plan *p, const char *path, char *err, size_t cap);
int jt_plan_load(jt_plan *p, const char *path, char *err, size_t cap);

typedef struct {
    char reader[256];
    uint8_t atr[33];
    size_t atr_len;
    uint8_t identify[24];
    size_t identify_len;
    uint8_t kt[16]; /* the transport key used (so apply can reuse it) */
    uint8_t cm_key[3][16];
    uint8_t gpin_len;
    uint8_t gpin[16];
    uint8_t lifecycle;
    uint8_t cold[0x23]; /* ATR configuration blocks */
    uint8_t warm[0x23];
    char name[48]; /* card name for confirmations: "NX011C-1A2B3C4D" */
} jt_backup;

int jt_backup_save(const jt_backup *b, const char *path, char *err, size_t cap);
int jt_backup_load(jt_backup *b, const char *path, char *err, size_t cap);
/* "<mask name>-<first 4 bytes of SHA-256(IDENTIFY || CM keys)>" */
void jt_card_name(const uint8_t *identify, size_t ilen, const uint8_t keys[3][16], char *out,
                  size_t cap);

/* ---- session -------------------------------------------------------------- */

typedef struct {
    jh_reader *rd;
    jh_transcript t;
    jh_explainer ex;
    jh_explanation x;
    FILE *out;
    bool explain; /* print the explainer's lines */
    bool show_keys;
    const char *step_file; /* "where" of transcript entries */
    unsigned step_no;
    jh_session ses; /* power, SCP02 wrapping, recording: the host session library */
    bool quiet_io;  /* do not print exchanges (bulk reads of twin) */
} jt_session;

int jt_session_open(jt_session *s, jh_reader *rd, const char *title, FILE *out, bool explain,
                    bool show_keys);
void jt_session_close(jt_session *s);
/* Power up and record the ATR. Returns the ATR length or <0. */
int jt_power_on(jt_session *s, uint8_t *atr, size_t cap);
void jt_power_off(jt_session *s);
/* One exchange: record, print (masked when secret), explain. Returns the
 * R-APDU length (>= 2) or <0 (transport failure, message printed). */
int jt_xchg(jt_session *s, const char *what, const uint8_t *capdu, size_t len, bool secret,
            uint8_t *rapdu, size_t cap);
/* Verdict for the last recorded exchange: held or failed, with what was expected
 * and (when failed) why. */
void jt_judge(jt_session *s, bool ok, const char *expect, const char *msg);
/* Step 4 of a rehearsal (tools/jcop-prepers/jt_applet.c): over the open SCP02
 * session, load and install the CAP file cap_path (INSTALL [for load], LOAD
 * blocks, INSTALL [for install and make selectable]), SELECT its first applet
 * and send it the APDUs of send[] (hex, each expecting 9000); then, when
 * n_after > 0, power the card off and on, SELECT the applet again and send
 * after[] (its persistent state survived). Returns 0, 1 (a check failed) or an
 * exit code. */
int jt_run_applet(jt_session *s, const char *cap_path, const char *const *send, size_t n_send,
                  const char *const *after, size_t n_after);

/* Run one plan step; returns 0 when the SW (and a CHECK's bytes) are as expected,
 * 1 when not, <0 on transport failure. */
int jt_run_step(jt_session *s, const jt_step *st);
/* SELECT ISD, INITIALIZE UPDATE / EXTERNAL AUTHENTICATE (level 01) with keys.
 * Returns 0 authenticated, 1 refused (wrong keys, bad answer), <0 transport. */
int jt_authenticate(jt_session *s, const jc_profile *prof, const uint8_t keys[3][16], uint8_t kvn);
/* GET STATUS P1 under the open channel: prints the records; returns 0 or 1. */
int jt_get_status(jt_session *s, uint8_t p1, uint8_t *card_lcs);
/* SELECT IDENTIFY; returns the data length (>= 15) or 0 when the card did not answer it. */
int jt_identify(jt_session *s, uint8_t *data, size_t cap);
/* Note line in transcript and output. */
void jt_note(jt_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Random bytes from getrandom(2); 0 or JT_EXIT_ENV. */
int jt_random(uint8_t *out, size_t n);
/* Hex output helper. */
void jt_hex(FILE *f, const uint8_t *b, size_t n);

#endif
