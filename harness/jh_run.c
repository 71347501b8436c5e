/*
 * jh_run.c: the runner (see jh_run.h). One handler per step kind, in a table
 * indexed by jh_step_kind; every card exchange goes through exchange(), which
 * is the single place that powers the card up when needed, refuses
 * irreversible commands on guarded readers, wraps under SCP02, records the
 * entry, updates the response variables and judges the expectation.
 */
#include "jh_run.h"
#include "jc_hex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_crypto.h"
#include "jc_scp02.h"
#include "jh_session.h"
#include "jh_expect.h"
#include "jh_util.h"
#include "jh_vars.h"
#include "jh_cap.h"

#define MAX_HOST_KEYSETS 16

typedef struct {
    bool used;
    uint8_t kvn;
    uint8_t mask;
    uint8_t key[3][16];
} hostkeys;

typedef struct {
    jh_reader *rd;
    const jh_run_opts *o;
    jh_transcript *t;
    const jh_step *st;
    jh_vars vars;
    jh_session ses; /* power, wrapping, recording: the one host session library */
    hostkeys keys[MAX_HOST_KEYSETS];
    int status;
    bool stop;
    uint8_t *rbuf;
    size_t rlen;
    uint8_t *cbuf;
} run;

/* The buffer a /send is evaluated into: a short or extended APDU plus SCP02 overhead. */
#define CBUF_MAX JH_SES_WIRE_MAX

/* ---------------------------------------------------------------- safety */

const char *jh_irreversible(const uint8_t *c, size_t n)
{
    if (n == 0)
        return NULL;
    bool all_zero = true;
    for (size_t i = 0; i < n && i < 4; i++)
        if (c[i])
            all_zero = false;
    if (all_zero)
        return n >= 4 ? "FUSE (00 00 00 00)" : "an all-zero buffer (FUSE risk)";
    if (n < 4)
        return NULL;
    if (c[0] == 0x00 && c[1] == 0x10 && c[2] == 0x00 && c[3] == 0x00)
        return "PROTECT (00 10 00 00)";
    if ((c[0] == 0x80 || c[0] == 0x84) && c[1] == 0xF0 && c[2] == 0x80) {
        switch (c[3]) {
        case 0x07:
            return "SET STATUS to INITIALIZED";
        case 0x0F:
            return "SET STATUS to SECURED";
        case 0x7F:
            return "SET STATUS to CARD_LOCKED";
        case 0xFF:
            return "SET STATUS to TERMINATED";
        default:
            break;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- IDENTIFY */

int jh_identify_decode(const uint8_t *d, size_t n, char *out, size_t cap)
{
    if (n < 19) {
        snprintf(out, cap, "IDENTIFY answer too short (%zu bytes, 19 expected)", n);
        return -1;
    }
    char name[7];
    for (int i = 0; i < 6; i++)
        name[i] = d[8 + i] >= 0x20 && d[8 + i] < 0x7F ? (char)d[8 + i] : '.';
    name[6] = '\0';
    const char *fuse = d[14] == 0x00 ? "unfused" : d[14] == 0x01 ? "fused" : "unknown";
    snprintf(out, cap,
             "IDENTIFY: fabkey %02X, patch %02X, target %02X%s, mask id %02X, custom mask "
             "%02X%02X%02X%02X, "
             "mask name \"%s\", fuse state %02X (%s), ROM info %02X%02X%02X, combo %02X",
             d[0], d[1], d[2], d[2] == 0x01 ? " (SmartMX)" : "", d[3], d[4], d[5], d[6], d[7], name,
             d[14], fuse, d[15], d[16], d[17], d[18]);
    return 0;
}

/* ---------------------------------------------------------------- helpers */

static void raise_status(run *r, int status)
{
    if (status > r->status)
        r->status = status;
}

static void fatal(run *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fatal(run *r, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    raise_status(r, status);
    r->stop = true;
    if (!r->t->error) {
        jh_entry_set_text(&r->t->error, msg);
        jh_entry_set_text(&r->t->error_file, r->st ? r->st->file : r->t->script);
        r->t->error_line = r->st ? r->st->line : 0;
    }
}

static jh_entry *new_entry(run *r, jh_entry_kind kind, const char *verb)
{
    jh_entry *e =
        jh_transcript_add(r->t, r->st->file, r->st->line, verb ? verb : r->st->verb, kind);
    if (!e)
        fatal(r, JH_EXIT_ENV, "out of memory");
    return e;
}

static void finish(run *r, jh_entry *e)
{
    if (e->verdict == JH_VERDICT_FAIL || e->verdict == JH_VERDICT_ERROR) {
        raise_status(r, JH_EXIT_FAIL);
        if (!r->o->keep_going)
            r->stop = true;
    }
    if (r->o->on_entry)
        r->o->on_entry(r->o->on_entry_ctx, r->t, e);
}

static void fail_msg(jh_entry *e, jh_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_msg(jh_entry *e, jh_verdict v, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->verdict = v;
    jh_entry_set_text(&e->message, msg);
}

/* Expand ${} in s (NULL stays NULL). Returns 0 or -1 after a script error. */
static int expand(run *r, const char *s, char **out)
{
    *out = NULL;
    if (!s)
        return 0;
    char err[256];
    if (jh_vars_expand(&r->vars, s, out, err, sizeof err) < 0) {
        fatal(r, JH_EXIT_SCRIPT, "%s", err);
        return -1;
    }
    return 0;
}

/* Host challenge bytes (the session library's one source): a failure is an
 * environment error, never a fallback. */
static int host_random(run *r, uint8_t *out, size_t n)
{
    if (jh_session_challenge(&r->ses, out, n) < 0) {
        fatal(r, JH_EXIT_ENV, "%s", r->ses.err);
        return -1;
    }
    return 0;
}

static void set_response_vars(run *r, const uint8_t *b, size_t n)
{
    char *hex = jh_tohex_dup(b, n);
    if (!hex)
        return;
    jh_vars_set(&r->vars, "response", hex);
    char sw[5];
    memcpy(sw, hex + 2 * (n - 2), 4);
    sw[4] = '\0';
    jh_vars_set(&r->vars, "sw", sw);
    char s1[3] = {sw[0], sw[1], 0}, s2[3] = {sw[2], sw[3], 0};
    jh_vars_set(&r->vars, "sw1", s1);
    jh_vars_set(&r->vars, "sw2", s2);
    hex[2 * (n - 2)] = '\0';
    jh_vars_set(&r->vars, "data", hex);
    free(hex);
}

/* Power up when the card is off (a script may start with /send). */
static int ensure_powered(run *r)
{
    if (r->rd->ops->powered(r->rd))
        return 0;
    jh_entry *e = new_entry(r, JH_ENTRY_POWER_ON, "(power-on)");
    if (!e)
        return -1;
    int n = jh_session_power(&r->ses, e, JH_SES_POWER_ON, e->atr, sizeof e->atr);
    if (n < 0) {
        fail_msg(e, JH_VERDICT_ERROR, "%s", r->ses.err);
        fatal(r, JH_EXIT_ENV, "%s", r->ses.err);
        finish(r, e);
        return -1;
    }
    char hex[2 * 33 + 1];
    jc_hex_encode(e->atr, e->atr_len, hex);
    jh_vars_set(&r->vars, "atr", hex);
    finish(r, e);
    return 0;
}

/* Wrapping rules (jh_session.h): by the step's form, or GP commands. */
enum { WRAP_NO = JH_WRAP_NEVER, WRAP_CLA80 = JH_WRAP_AUTO, WRAP_ANY = JH_WRAP_ALWAYS };

/* The one exchange path. Returns 0 when the command was sent and the entry
 * finished (verdict may be FAIL), -1 when the run must stop. The answer is
 * left in r->rbuf[0..r->rlen). */
static int exchange_ex(run *r, const char *verb, const uint8_t *plain, size_t n, int wrap,
                       const char *expect, jh_entry **pending)
{
    if (pending)
        *pending = NULL;
    r->rlen = 0;
    const char *danger = jh_irreversible(plain, n);
    if (r->rd->guard_irreversible && danger && !r->o->allow_irreversible) {
        jh_entry *e = new_entry(r, JH_ENTRY_REFUSED, verb);
        if (!e)
            return -1;
        jh_entry_set_bytes(&e->capdu, &e->capdu_len, plain, n);
        jh_entry_set_bytes(&e->plain, &e->plain_len, plain, n);
        if (expect)
            jh_entry_set_text(&e->expect, expect);
        fail_msg(e, JH_VERDICT_ERROR,
                 "refused: %s is irreversible and %s is a PC/SC reader; nothing was sent "
                 "(pass --allow-irreversible to send it)",
                 danger, r->rd->desc);
        finish(r, e);
        return r->stop ? -1 : 0;
    }
    if (ensure_powered(r) < 0)
        return -1;
    if (jh_session_wrap(&r->ses, plain, n, (jh_wrap)wrap) < 0) {
        fatal(r, JH_EXIT_SCRIPT, "%s", r->ses.err);
        return -1;
    }
    const uint8_t *wire = r->ses.wire;
    size_t wlen = r->ses.wire_len;
    const char *danger2 = jh_irreversible(wire, wlen);
    if (r->rd->guard_irreversible && danger2 && !r->o->allow_irreversible) {
        /* cannot happen for a safe plain command, but never send one by accident */
        fatal(r, JH_EXIT_FAIL, "refused: %s", danger2);
        return -1;
    }
    jh_entry *e = new_entry(r, JH_ENTRY_APDU, verb);
    if (!e)
        return -1;
    int k = jh_session_send(&r->ses, e, plain, n, 0, r->rbuf, JC_RAPDU_MAX);
    if (k < 2) {
        fatal(r, JH_EXIT_ENV, "%s", r->ses.err);
        finish(r, e);
        return -1;
    }
    r->rlen = (size_t)k;
    set_response_vars(r, r->rbuf, r->rlen);
    jh_session_judge(e, expect, r->rbuf, r->rlen);
    if (pending) {
        *pending = e; /* the caller annotates, then calls finish() */
        return 0;
    }
    finish(r, e);
    return r->stop ? -1 : 0;
}

static int exchange(run *r, const char *verb, const uint8_t *plain, size_t n, int wrap,
                    const char *expect, bool implicit)
{
    (void)implicit;
    return exchange_ex(r, verb, plain, n, wrap, expect, NULL);
}

/* ---------------------------------------------------------------- handlers */

static int note_entry(run *r, const char *text)
{
    jh_entry *e = new_entry(r, JH_ENTRY_NOTE, NULL);
    if (!e)
        return -1;
    jh_entry_set_text(&e->note, text);
    finish(r, e);
    return 0;
}

static int power_entry(run *r, jh_entry_kind kind)
{
    char *expect;
    if (expand(r, r->st->expect, &expect) < 0)
        return -1;
    jh_entry *e = new_entry(r, kind, NULL);
    if (!e) {
        free(expect);
        return -1;
    }
    jh_ses_power how = kind == JH_ENTRY_POWER_OFF ? JH_SES_POWER_OFF
                       : kind == JH_ENTRY_RESET   ? JH_SES_RESET
                                                  : JH_SES_POWER_ON;
    int n = jh_session_power(&r->ses, e, how, e->atr, sizeof e->atr);
    if (n < 0) {
        const char *why = jh_session_reason(&r->ses, n);
        fail_msg(e, JH_VERDICT_ERROR, "%s failed: %s", r->st->verb, why);
        fatal(r, JH_EXIT_ENV, "%s failed: %s", r->st->verb, why);
        finish(r, e);
        free(expect);
        return -1;
    }
    if (kind != JH_ENTRY_POWER_OFF) {
        char hex[2 * 33 + 1];
        jc_hex_encode(e->atr, e->atr_len, hex);
        jh_vars_set(&r->vars, "atr", hex);
        jh_session_judge(e, expect, e->atr, e->atr_len);
    }
    if (r->st->arg)
        jh_entry_set_text(&e->note, r->st->arg);
    free(expect);
    finish(r, e);
    return 0;
}

static int do_atr(run *r)
{
    return power_entry(r, JH_ENTRY_POWER_ON);
}

static int do_reset(run *r)
{
    return power_entry(r, JH_ENTRY_RESET);
}

static int do_power_off(run *r)
{
    return power_entry(r, JH_ENTRY_POWER_OFF);
}

/* Evaluate a data expression argument after expansion. */
static int eval_arg(run *r, const char *what, uint8_t *buf, size_t cap)
{
    char *text;
    if (expand(r, r->st->arg ? r->st->arg : "", &text) < 0)
        return -1;
    char err[160];
    int n = jh_data_eval(text, buf, cap, err, sizeof err);
    if (n < 0)
        fatal(r, JH_EXIT_SCRIPT, "bad %s \"%.80s\": %s", what, text, err);
    free(text);
    return n;
}

static int do_send(run *r)
{
    int n = eval_arg(r, "C-APDU", r->cbuf, CBUF_MAX);
    if (n < 0)
        return -1;
    if (n < 4) {
        fatal(r, JH_EXIT_SCRIPT, "C-APDU of %d bytes: at least CLA INS P1 P2 expected", n);
        return -1;
    }
    uint8_t *plain = malloc((size_t)n);
    if (!plain) {
        fatal(r, JH_EXIT_ENV, "out of memory");
        return -1;
    }
    memcpy(plain, r->cbuf, (size_t)n);
    /* A hand-written INITIALIZE UPDATE ends the host's session (jh_session_wrap). */
    char *expect;
    int rc = -1;
    if (expand(r, r->st->expect, &expect) == 0) {
        int wrap = r->st->wrap == JH_WRAP_NEVER    ? WRAP_NO
                   : r->st->wrap == JH_WRAP_ALWAYS ? WRAP_ANY
                                                   : WRAP_CLA80;
        rc = exchange(r, r->st->verb, plain, (size_t)n, wrap, expect, r->st->expect_implicit);
        free(expect);
    }
    free(plain);
    return rc;
}

static int do_select(run *r)
{
    uint8_t aid[256];
    int n = eval_arg(r, "AID", aid, sizeof aid);
    if (n < 0)
        return -1;
    uint8_t apdu[5 + 256];
    size_t len;
    memcpy(apdu, (uint8_t[]){0x00, 0xA4, 0x04, 0x00}, 4);
    if (n == 0) {
        apdu[4] = 0x00; /* 00A4040000: select the default application (ISD) */
        len = 5;
    } else {
        apdu[4] = (uint8_t)n;
        memcpy(apdu + 5, aid, (size_t)n);
        len = 5 + (size_t)n;
    }
    char *expect;
    if (expand(r, r->st->expect, &expect) < 0)
        return -1;
    int rc = exchange(r, r->st->verb, apdu, len, WRAP_NO, expect, r->st->expect_implicit);
    free(expect);
    return rc;
}

bool jh_run_reserved_var(const char *name)
{
    static const char *const reserved[] = {"response", "data", "sw", "sw1", "sw2", "atr"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(name, reserved[i]) == 0)
            return true;
    return false;
}

int jh_run_var_arg(const char *arg, char *name, size_t cap, const char **value, char *err,
                   size_t errcap)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : 0;
    if (!eq || n == 0 || n >= cap) {
        snprintf(err, errcap, "--var %s: give NAME=VALUE", arg);
        return -1;
    }
    memcpy(name, arg, n);
    name[n] = '\0';
    if (!jh_var_name_ok(name)) {
        snprintf(err, errcap,
                 "--var %s: a name starts with a letter or '_' and holds letters, digits, '_', "
                 "'.', '-'",
                 arg);
        return -1;
    }
    if (jh_run_reserved_var(name)) {
        snprintf(err, errcap, "--var %s: %s is set by the runner after every exchange", arg, name);
        return -1;
    }
    *value = eq + 1;
    return 0;
}

/* The index of NAME among the outside variables, or -1. */
static int outside_var(const run *r, const char *name)
{
    for (size_t i = 0; i < r->o->n_vars; i++) {
        const char *v = r->o->vars[i];
        const char *eq = strchr(v, '=');
        if (eq && (size_t)(eq - v) == strlen(name) && strncmp(v, name, (size_t)(eq - v)) == 0)
            return (int)i;
    }
    return -1;
}

static int do_set_var(run *r)
{
    if (outside_var(r, r->st->arg) >= 0) {
        char text[300];
        snprintf(text, sizeof text, "%.100s = %.150s (kept: given by --var)", r->st->arg,
                 jh_vars_get(&r->vars, r->st->arg));
        return note_entry(r, text);
    }
    char *value;
    if (expand(r, r->st->arg2, &value) < 0)
        return -1;
    if (jh_vars_set(&r->vars, r->st->arg, value) < 0) {
        free(value);
        fatal(r, JH_EXIT_SCRIPT, "cannot set variable %s", r->st->arg);
        return -1;
    }
    char text[600];
    snprintf(text, sizeof text, "%s = %.500s", r->st->arg, value);
    free(value);
    return note_entry(r, text);
}

static int do_echo(run *r)
{
    char *text;
    if (expand(r, r->st->arg, &text) < 0)
        return -1;
    int rc = note_entry(r, text);
    free(text);
    return rc;
}

static int do_note(run *r)
{
    return note_entry(r, r->st->arg ? r->st->arg : r->st->verb);
}

static int do_exit(run *r)
{
    r->stop = true;
    return note_entry(r, "exit: the rest of the script is not run");
}

static int do_identify(run *r)
{
    static const uint8_t apdu[] = {0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00,
                                   0x00, 0x01, 0x67, 0x41, 0x30, 0x00, 0xFF};
    char *expect;
    if (expand(r, r->st->expect, &expect) < 0)
        return -1;
    jh_entry *e;
    int rc = exchange_ex(r, r->st->verb, apdu, sizeof apdu, WRAP_NO, expect, &e);
    free(expect);
    if (!e)
        return rc;
    char text[400];
    jh_identify_decode(r->rbuf, r->rlen - 2, text, sizeof text);
    jh_entry_set_text(&e->note, text);
    finish(r, e);
    return r->stop ? -1 : 0;
}

static hostkeys *keyset_slot(run *r, uint8_t kvn, bool create)
{
    for (int i = 0; i < MAX_HOST_KEYSETS; i++)
        if (r->keys[i].used && r->keys[i].kvn == kvn)
            return &r->keys[i];
    if (!create)
        return NULL;
    for (int i = 0; i < MAX_HOST_KEYSETS; i++) {
        if (!r->keys[i].used) {
            memset(&r->keys[i], 0, sizeof r->keys[i]);
            r->keys[i].used = true;
            r->keys[i].kvn = kvn;
            return &r->keys[i];
        }
    }
    return NULL;
}

static int store_keys(run *r, uint8_t kvn, uint8_t mask, const uint8_t keys[3][16])
{
    hostkeys *k = keyset_slot(r, kvn, true);
    if (!k) {
        fatal(r, JH_EXIT_SCRIPT, "more than %d key versions", MAX_HOST_KEYSETS);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        if (mask & (1u << i))
            memcpy(k->key[i], keys[i], 16);
    k->mask |= mask;
    return 0;
}

static int do_set_key(run *r)
{
    if (store_keys(r, (uint8_t)r->st->kvn, r->st->key_mask, r->st->keys) < 0)
        return -1;
    jh_buf b;
    jh_buf_init(&b);
    jh_buf_printf(&b, "host key set %d:", r->st->kvn);
    static const char *names[3] = {"ENC", "MAC", "DEK"};
    for (int i = 0; i < 3; i++) {
        if (!(r->st->key_mask & (1u << i)))
            continue;
        uint8_t kcv[3] = {0};
        jc_kcv(r->ses.crypto, r->st->keys[i], kcv);
        jh_buf_printf(&b, " %s KCV %02X%02X%02X", names[i], kcv[0], kcv[1], kcv[2]);
    }
    char *text = jh_buf_take(&b);
    int rc = note_entry(r, text ? text : "set-key");
    free(text);
    return rc;
}

/* INITIALIZE UPDATE with the host keys: explicit (open_sc) or looked up by KVN. */
static int init_update(run *r, const char *verb, uint8_t kvn, const jc_scp02_keys *explicit_keys)
{
    if (ensure_powered(r) < 0) /* a power-up resets the session: do it first */
        return -1;
    uint8_t chal[8], apdu[16];
    if (r->o->host_challenge)
        memcpy(chal, r->o->host_challenge, sizeof chal);
    else if (host_random(r, chal, sizeof chal) < 0)
        return -1;
    int n = jh_session_init_update(&r->ses, kvn, chal, apdu, sizeof apdu);
    if (n < 0) {
        fatal(r, JH_EXIT_SCRIPT, "cannot build INITIALIZE UPDATE: %s", jc_strerror(n));
        return -1;
    }
    jh_entry *e;
    if (exchange_ex(r, verb, apdu, (size_t)n, WRAP_NO, "*9000", &e) < 0 || !e)
        return -1;
    if (e->verdict != JH_VERDICT_PASS) {
        finish(r, e);
        return r->stop ? -1 : 0;
    }
    if (r->rlen != JC_SCP02_IU_RESP_LEN + 2) {
        fail_msg(e, JH_VERDICT_FAIL,
                 "INITIALIZE UPDATE: expected 28 bytes and 9000 (SCP02), got %zu bytes", r->rlen);
        finish(r, e);
        return r->stop ? -1 : 0;
    }
    uint8_t card_kvn = r->rbuf[10];
    jc_scp02_keys keys;
    if (explicit_keys) {
        keys = *explicit_keys;
    } else {
        hostkeys *k = keyset_slot(r, kvn ? kvn : card_kvn, false);
        if (!k && !kvn) {
            int used = 0;
            for (int i = 0; i < MAX_HOST_KEYSETS; i++)
                if (r->keys[i].used) {
                    used++;
                    k = &r->keys[i];
                }
            if (used != 1)
                k = NULL;
        }
        if (!k || k->mask != 7) {
            finish(r, e);
            fatal(r, JH_EXIT_SCRIPT,
                  "init-update: no complete set-key for key version %u (card uses %u)",
                  kvn ? kvn : card_kvn, card_kvn);
            return -1;
        }
        memcpy(keys.enc, k->key[0], 16);
        memcpy(keys.mac, k->key[1], 16);
        memcpy(keys.dek, k->key[2], 16);
    }
    int rc = jh_session_check_card(&r->ses, &keys, r->rbuf, r->rlen);
    char note[160];
    if (rc == JC_ERR_CRYPTO) {
        fail_msg(e, JH_VERDICT_FAIL,
                 "card cryptogram does not verify: wrong keys for key version %02X", card_kvn);
    } else if (rc < 0) {
        fail_msg(e, JH_VERDICT_FAIL, "INITIALIZE UPDATE answer not understood: %s",
                 jc_strerror(rc));
    } else {
        snprintf(note, sizeof note,
                 "SCP02 key version %02X, sequence counter %04X, card cryptogram verified",
                 card_kvn, r->ses.sc.counter);
        jh_entry_set_text(&e->note, note);
    }
    finish(r, e);
    return r->stop ? -1 : 0;
}

static int ext_auth(run *r, const char *verb, uint8_t level, bool with_le)
{
    if (r->ses.sc.phase != JC_SCP02_INITIATED) {
        fatal(r, JH_EXIT_SCRIPT, "%s without a successful init-update", verb);
        return -1;
    }
    uint8_t apdu[32];
    int n = jh_session_ext_auth(&r->ses, level, with_le, apdu, sizeof apdu);
    if (n < 0) {
        fatal(r, JH_EXIT_SCRIPT, "cannot build EXTERNAL AUTHENTICATE: %s", jc_strerror(n));
        return -1;
    }
    size_t before = r->t->n_entries;
    int rc = exchange(r, verb, apdu, (size_t)n, WRAP_NO, "9000", true);
    if (r->t->n_entries > before && r->t->entries[r->t->n_entries - 1].verdict != JH_VERDICT_PASS)
        jc_scp02_reset(&r->ses.sc);
    return rc;
}

static int do_init_update(run *r)
{
    return init_update(r, r->st->verb, (uint8_t)(r->st->kvn < 0 ? 0 : r->st->kvn), NULL);
}

static int do_ext_auth(run *r)
{
    return ext_auth(r, r->st->verb, r->st->level, r->st->with_le);
}

static int do_open_sc(run *r)
{
    jc_scp02_keys keys;
    memcpy(keys.enc, r->st->keys[0], 16);
    memcpy(keys.mac, r->st->keys[1], 16);
    memcpy(keys.dek, r->st->keys[2], 16);
    if (init_update(r, r->st->verb, (uint8_t)r->st->kvn, &keys) < 0 ||
        r->ses.sc.phase != JC_SCP02_INITIATED)
        return r->stop ? -1 : 0;
    return ext_auth(r, r->st->verb, r->st->level, false);
}

static int do_get_data(run *r)
{
    uint8_t apdu[5] = {0x80, 0xCA, (uint8_t)(r->st->p1p2 >> 8), (uint8_t)r->st->p1p2, 0x00};
    return exchange(r, r->st->verb, apdu, sizeof apdu, WRAP_CLA80, r->st->expect, true);
}

static int do_get_status(run *r)
{
    uint8_t apdu[8] = {0x80, 0xF2, (uint8_t)r->st->p1p2, 0x02, 0x02, 0x4F, 0x00, 0x00};
    for (int page = 0; page < 64; page++) {
        size_t before = r->t->n_entries;
        if (exchange(r, r->st->verb, apdu, sizeof apdu, WRAP_CLA80, "*9000|*6310", true) < 0)
            return -1;
        if (r->t->n_entries == before || r->t->entries[r->t->n_entries - 1].sw != 0x6310)
            return 0;
        apdu[3] = 0x03; /* next occurrence */
    }
    fatal(r, JH_EXIT_FAIL, "GET STATUS still answers 6310 after 64 pages");
    return -1;
}

static int do_put_key(run *r)
{
    if (!jc_scp02_is_open(&r->ses.sc)) {
        fatal(r, JH_EXIT_SCRIPT, "put_sc_key needs an open secure channel (open_sc first)");
        return -1;
    }
    uint8_t apdu[5 + 1 + 3 * 22 + 1];
    size_t k = 0;
    apdu[k++] = 0x80;
    apdu[k++] = 0xD8;
    apdu[k++] = (uint8_t)r->st->kvn;
    apdu[k++] = 0x81;
    apdu[k++] = 1 + 3 * 22;
    apdu[k++] = (uint8_t)r->st->new_kvn;
    char expect[64];
    int off = snprintf(expect, sizeof expect, "%02X", r->st->new_kvn);
    for (int i = 0; i < 3; i++) {
        uint8_t enc[16], kcv[3];
        if (jc_scp02_host_dek_encrypt(&r->ses.sc, r->ses.crypto, r->st->keys[i], enc) < 0 ||
            jc_kcv(r->ses.crypto, r->st->keys[i], kcv) < 0) {
            fatal(r, JH_EXIT_ENV, "crypto failure building PUT KEY");
            return -1;
        }
        apdu[k++] = 0x80;
        apdu[k++] = 0x10;
        memcpy(apdu + k, enc, 16);
        k += 16;
        apdu[k++] = 0x03;
        memcpy(apdu + k, kcv, 3);
        k += 3;
        off += snprintf(expect + off, sizeof expect - (size_t)off, "%02X%02X%02X", kcv[0], kcv[1],
                        kcv[2]);
    }
    apdu[k++] = 0x00;
    snprintf(expect + off, sizeof expect - (size_t)off, "9000");
    size_t before = r->t->n_entries;
    int rc = exchange(r, r->st->verb, apdu, k, WRAP_CLA80, expect, true);
    if (r->t->n_entries > before && r->t->entries[r->t->n_entries - 1].verdict == JH_VERDICT_PASS)
        store_keys(r, (uint8_t)r->st->new_kvn, 7, r->st->keys);
    return rc;
}

static int do_delete(run *r)
{
    uint8_t aid[32];
    int n = jh_unhex(r->st->arg, (size_t)-1, aid, sizeof aid);
    if (n < 0) {
        fatal(r, JH_EXIT_SCRIPT, "bad AID");
        return -1;
    }
    uint8_t apdu[5 + 2 + 32 + 1];
    size_t k = 0;
    apdu[k++] = 0x80;
    apdu[k++] = 0xE4;
    apdu[k++] = 0x00;
    apdu[k++] = 0x80;
    apdu[k++] = (uint8_t)(2 + n);
    apdu[k++] = 0x4F;
    apdu[k++] = (uint8_t)n;
    memcpy(apdu + k, aid, (size_t)n);
    k += (size_t)n;
    apdu[k++] = 0x00;
    return exchange(r, r->st->verb, apdu, k, WRAP_CLA80, r->st->expect, true);
}

/* Append an LV field. */
static size_t put_lv(uint8_t *buf, size_t k, const uint8_t *v, size_t n)
{
    buf[k++] = (uint8_t)n;
    if (n)
        memcpy(buf + k, v, n);
    return k + n;
}

/* GPShell's install: INSTALL [for load], LOAD blocks, then INSTALL [for
 * install and make selectable] for every applet of the CAP. */
static int do_install(run *r)
{
    jh_cap cap;
    char err[256];
    int rc = jh_cap_read(r->st->arg, &cap, err, sizeof err);
    if (rc < 0) {
        fatal(r, JH_EXIT_SCRIPT, "install: %s: %s", r->st->arg, err);
        return -1;
    }
    uint8_t sd[16];
    int sdlen = r->st->arg2 ? jh_unhex(r->st->arg2, (size_t)-1, sd, sizeof sd) : 0;
    uint8_t apdu[300];
    size_t k = 5;
    k = put_lv(apdu, k, cap.pkg.b, cap.pkg.len);
    k = put_lv(apdu, k, sd, sdlen < 0 ? 0 : (size_t)sdlen);
    apdu[k++] = 0x00; /* no load file data block hash */
    apdu[k++] = 0x00; /* no load parameters */
    apdu[k++] = 0x00; /* no load token */
    memcpy(apdu, (uint8_t[]){0x80, 0xE6, 0x02, 0x00, (uint8_t)(k - 5)}, 5);
    apdu[k++] = 0x00;
    rc = exchange(r, r->st->verb, apdu, k, WRAP_CLA80, "*9000", true);
    long lf_len = rc < 0 || r->stop ? -1 : jh_cap_load_file(&cap, NULL, 0);
    uint8_t *lf = lf_len > 0 ? malloc((size_t)lf_len) : NULL;
    if (lf && jh_cap_load_file(&cap, lf, (size_t)lf_len) != lf_len) {
        free(lf);
        lf = NULL;
    }
    if (!lf) {
        jh_cap_free(&cap);
        if (!r->stop)
            fatal(r, JH_EXIT_SCRIPT, "install: cannot build the load file of %s", r->st->arg);
        return -1;
    }
    size_t block = r->ses.sc.level == JC_SCP02_LEVEL_CDEC ? 239 : 247;
    size_t nblocks = ((size_t)lf_len + block - 1) / block;
    for (size_t i = 0; i < nblocks && !r->stop; i++) {
        size_t off = i * block;
        size_t n = (size_t)lf_len - off < block ? (size_t)lf_len - off : block;
        memcpy(apdu,
               (uint8_t[]){0x80, 0xE8, i + 1 == nblocks ? 0x80 : 0x00, (uint8_t)i, (uint8_t)n}, 5);
        memcpy(apdu + 5, lf + off, n);
        apdu[5 + n] = 0x00;
        exchange(r, r->st->verb, apdu, 6 + n, WRAP_CLA80, "*9000", true);
    }
    free(lf);
    static const uint8_t params[] = {0xC9, 0x00};
    for (size_t a = 0; a < cap.n_applets && !r->stop; a++) {
        k = 5;
        k = put_lv(apdu, k, cap.pkg.b, cap.pkg.len);
        k = put_lv(apdu, k, cap.applets[a].b, cap.applets[a].len);
        k = put_lv(apdu, k, cap.applets[a].b, cap.applets[a].len);
        uint8_t priv = r->st->priv < 0 ? 0x00 : (uint8_t)r->st->priv;
        k = put_lv(apdu, k, &priv, 1);
        k = put_lv(apdu, k, params, sizeof params);
        apdu[k++] = 0x00; /* no install token */
        memcpy(apdu, (uint8_t[]){0x80, 0xE6, 0x0C, 0x00, (uint8_t)(k - 5)}, 5);
        apdu[k++] = 0x00;
        exchange(r, r->st->verb, apdu, k, WRAP_CLA80, "*9000", true);
    }
    jh_cap_free(&cap);
    return r->stop ? -1 : 0;
}

typedef int (*step_fn)(run *r);
static const step_fn handlers[] = {
    [JH_STEP_ATR] = do_atr,
    [JH_STEP_RESET] = do_reset,
    [JH_STEP_POWER_ON] = do_atr,
    [JH_STEP_POWER_OFF] = do_power_off,
    [JH_STEP_SEND] = do_send,
    [JH_STEP_SELECT] = do_select,
    [JH_STEP_SET_VAR] = do_set_var,
    [JH_STEP_ECHO] = do_echo,
    [JH_STEP_IDENTIFY] = do_identify,
    [JH_STEP_SET_KEY] = do_set_key,
    [JH_STEP_INIT_UPDATE] = do_init_update,
    [JH_STEP_EXT_AUTH] = do_ext_auth,
    [JH_STEP_OPEN_SC] = do_open_sc,
    [JH_STEP_GET_DATA] = do_get_data,
    [JH_STEP_GET_STATUS] = do_get_status,
    [JH_STEP_PUT_KEY] = do_put_key,
    [JH_STEP_DELETE] = do_delete,
    [JH_STEP_INSTALL] = do_install,
    [JH_STEP_NOTE] = do_note,
    [JH_STEP_EXIT] = do_exit,
};

int jh_run(jh_reader *rd, const jh_script *sc, const jh_run_opts *o, jh_transcript *t)
{
    run r = {.rd = rd, .o = o, .t = t};
    jh_vars_init(&r.vars);
    r.rbuf = malloc(JC_RAPDU_MAX);
    r.cbuf = malloc(CBUF_MAX);
    if (!r.rbuf || !r.cbuf || jh_session_init(&r.ses, rd) < 0) {
        fatal(&r, JH_EXIT_ENV, "out of memory or libcrypto failure");
        goto out;
    }
    r.ses.seed = o->seed;
    r.ses.sysrand = o->sysrand;
    for (size_t i = 0; i < o->n_vars && !r.stop; i++) {
        char name[128], err[300];
        const char *value;
        if (jh_run_var_arg(o->vars[i], name, sizeof name, &value, err, sizeof err) < 0)
            fatal(&r, JH_EXIT_SCRIPT, "%s", err);
        else if (jh_vars_set(&r.vars, name, value) < 0)
            fatal(&r, JH_EXIT_ENV, "out of memory");
    }
    for (size_t i = 0; i < sc->n_steps && !r.stop; i++) {
        r.st = &sc->steps[i];
        step_fn fn =
            (size_t)r.st->kind < sizeof handlers / sizeof handlers[0] ? handlers[r.st->kind] : NULL;
        if (!fn) {
            fatal(&r, JH_EXIT_SCRIPT, "internal: no handler for step kind %d", (int)r.st->kind);
            break;
        }
        r.rd->err[0] = '\0';
        fn(&r);
    }
out:
    jh_session_free(&r.ses);
    free(r.rbuf);
    free(r.cbuf);
    jh_vars_free(&r.vars);
    jh_transcript_count(t);
    t->status = r.status;
    return r.status;
}
