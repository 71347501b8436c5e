/*
 * jt_session.c: how jcop-prepers talks to a card. Every exchange goes
 * through the harness's reader interface (in-process card or PC/SC), is
 * recorded in a run transcript (for the HTML report), printed with secrets
 * masked unless --show-keys, and explained by the one explainer. Power,
 * wrapping, recording and the SCP02 host steps are the harness's session
 * library (jh_session.h), the same code jcop-replay and jcop-bench use: after
 * EXTERNAL AUTHENTICATE, GlobalPlatform commands (CLA 80..83) are wrapped by
 * the host side of SCP02 from the card core (jc_scp02.h); a SELECT ends it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_crypto.h"
#include "jc_sw.h"
#include "jt_prepers.h"

int jt_session_open(jt_session *s, jh_reader *rd, const char *title, FILE *out, bool explain,
                    bool show_keys)
{
    memset(s, 0, sizeof *s);
    s->rd = rd;
    s->out = out;
    s->explain = explain;
    s->show_keys = show_keys;
    s->step_file = "jcop-prepers";
    if (jh_transcript_init(&s->t, title, "jcop-prepers", rd ? rd->desc : "") != 0)
        return JT_EXIT_ENV;
    jh_explain_init(&s->ex, NULL);
    if (jh_session_init(&s->ses, rd) != 0) {
        jh_transcript_free(&s->t);
        return JT_EXIT_ENV;
    }
    return 0;
}

void jt_session_close(jt_session *s)
{
    jh_explain_set_keys(&s->ex, NULL, NULL);
    jh_session_free(&s->ses);
    jh_transcript_free(&s->t);
}

void jt_note(jt_session *s, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(s->out, "%s\n", buf);
    jh_entry *e = jh_transcript_add(&s->t, s->step_file, ++s->step_no, "note", JH_ENTRY_NOTE);
    if (e)
        jh_entry_set_text(&e->note, buf);
}

static void jt_print_expl(jt_session *s, bool secret)
{
    if (!s->explain)
        return;
    for (size_t i = 0; i < s->x.n; i++) {
        const jh_xline *l = &s->x.line[i];
        if (secret && !s->show_keys && l->kind == JH_XL_DETAIL &&
            (strncmp(l->text, "new bytes ", 10) == 0 || strncmp(l->text, "read ", 5) == 0)) {
            fprintf(s->out, "     %s\n",
                    l->text[0] == 'n' ? "new bytes (hidden; --show-keys prints them)"
                                      : "read (hidden; --show-keys prints them)");
            continue;
        }
        static const char *const tag[] = {[JH_XL_COMMAND] = "",
                                          [JH_XL_DETAIL] = "  ",
                                          [JH_XL_STATUS] = "  SW ",
                                          [JH_XL_STATE] = "  * ",
                                          [JH_XL_WARN] = "  ! "};
        fprintf(s->out, "     %s%s\n", tag[l->kind], l->text);
    }
}

static void jt_print_bytes(const jt_session *s, const char *arrow, const uint8_t *b, size_t n,
                           bool secret, size_t from, size_t to)
{
    if (!s->out)
        return;
    fprintf(s->out, "  %s ", arrow);
    for (size_t i = 0; i < n; i++) {
        if (secret && !s->show_keys && i >= from && i < to)
            fputs("**", s->out);
        else
            fprintf(s->out, "%02X", b[i]);
    }
    fputc('\n', s->out);
}

int jt_power_on(jt_session *s, uint8_t *atr, size_t cap)
{
    jh_entry *e =
        jh_transcript_add(&s->t, s->step_file, ++s->step_no, "power on", JH_ENTRY_POWER_ON);
    int n = jh_session_power(&s->ses, e, JH_SES_POWER_ON, atr, cap);
    if (n < 0) {
        fprintf(s->out, "  %s\n", s->ses.err);
        if (e) {
            e->verdict = JH_VERDICT_ERROR;
            jh_entry_set_text(&e->message, s->ses.err);
        }
        return n;
    }
    fprintf(s->out, "power on: ATR ");
    jt_hex(s->out, atr, (size_t)n);
    fputc('\n', s->out);
    jh_explain_power(&s->ex, JH_PWR_ON, atr, (size_t)n, &s->x);
    int st = s->rd->ops->state(s->rd);
    if (st >= 0 && s->ex.view.card_state != st)
        jh_explain_assume(&s->ex, st, 0);
    jt_print_expl(s, false);
    return n;
}

void jt_power_off(jt_session *s)
{
    jh_entry *e =
        jh_transcript_add(&s->t, s->step_file, ++s->step_no, "power off", JH_ENTRY_POWER_OFF);
    jh_session_power(&s->ses, e, JH_SES_POWER_OFF, NULL, 0);
    jh_explain_power(&s->ex, JH_PWR_OFF, NULL, 0, &s->x);
}

static int jt_xchg_inner(jt_session *s, const char *what, const uint8_t *capdu, size_t len,
                         bool secret, uint8_t *rapdu, size_t cap);

int jt_xchg(jt_session *s, const char *what, const uint8_t *capdu, size_t len, bool secret,
            uint8_t *rapdu, size_t cap)
{
    int w = jh_session_wrap(&s->ses, capdu, len, JH_WRAP_AUTO);
    if (w < 0) {
        fprintf(s->out, "  %s\n", s->ses.err);
        return w;
    }
    FILE *saved_out = s->out;
    bool saved_explain = s->explain;
    if (s->quiet_io) {
        s->out = NULL;
        s->explain = false;
    }
    int n = jt_xchg_inner(s, what, capdu, len, secret, rapdu, cap);
    s->out = saved_out;
    s->explain = saved_explain;
    return n;
}

static int jt_xchg_inner(jt_session *s, const char *what, const uint8_t *capdu, size_t len,
                         bool secret, uint8_t *rapdu, size_t cap)
{
    const uint8_t *wire = s->ses.wire;
    size_t wlen = s->ses.wire_len;
    bool wrapped = s->ses.wrapped;
    if (s->out)
        fprintf(s->out, "-- %s\n", what);
    /* a READ of a secret answers the secret; a write or SELECT KT carries it */
    bool is_read = len == 5 && capdu[1] == 0xB0;
    jt_print_bytes(s, "=>", wire, wlen, secret && !is_read, 5, wlen);
    /* the entry first, so the in-process card's events (the VM's applet
     * events among them) are recorded on it during the exchange */
    jh_entry *e = jh_transcript_add(&s->t, s->step_file, ++s->step_no, what, JH_ENTRY_APDU);
    /* READ/WRITE MEMORY go to the transcript as they are: the HTML report hides
     * the secret fields itself (jh_html_opts.masked_fields), so it can still
     * show that they changed. Other secrets (the KT in SELECT) are masked. */
    bool is_mem = len >= 5 && (capdu[1] == 0xB0 || capdu[1] == 0xD6);
    unsigned mask = 0;
    if (secret && !is_mem && !s->show_keys)
        mask = is_read ? JH_SES_MASK_RDATA : JH_SES_MASK_CDATA;
    int n = jh_session_send(&s->ses, e, capdu, len, mask, rapdu, cap);
    if (n < 2) {
        fprintf(s->out ? s->out : stderr, "  %s\n", s->ses.err);
        return n < 0 ? n : JC_ERR_IO;
    }
    jt_print_bytes(s, "<=", rapdu, (size_t)n, secret && is_read, 0, (size_t)n - 2);
    jh_explain_exchange_plain(&s->ex, wire, wlen, wrapped ? capdu : NULL, len, rapdu, (size_t)n,
                              &s->x);
    jt_print_expl(s, secret);
    for (size_t i = 0; e && s->out && i < e->n_events; i++)
        if (e->events[i].kind == JC_EV_INFO && e->events[i].text &&
            strncmp(e->events[i].text, "VM: ", 4) == 0)
            fprintf(s->out, "     applet (VM): %s\n", e->events[i].text + 4);
    return n;
}

/* Verdict for the last entry. */
void jt_judge(jt_session *s, bool ok, const char *expect, const char *msg)
{
    if (!s->t.n_entries)
        return;
    jh_entry *e = &s->t.entries[s->t.n_entries - 1];
    e->verdict = ok ? JH_VERDICT_PASS : JH_VERDICT_FAIL;
    jh_entry_set_text(&e->expect, expect);
    if (!ok && msg)
        jh_entry_set_text(&e->message, msg);
}

int jt_run_step(jt_session *s, const jt_step *st)
{
    uint8_t r[300];
    char w[140];
    snprintf(w, sizeof w, "%s", st->what);
    int n = jt_xchg(s, w, st->capdu, st->len, st->secret, r, sizeof r);
    if (n < 0)
        return n;
    uint16_t sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
    char exp[16];
    snprintf(exp, sizeof exp, "*%04X", st->expect_sw);
    if (sw != st->expect_sw) {
        char tb[96], msg[200];
        snprintf(msg, sizeof msg, "expected %04X, the card answered %04X (%s)", st->expect_sw, sw,
                 jc_sw_text(sw, tb, sizeof tb));
        fprintf(s->out, "  FAILED: %s\n", msg);
        jt_judge(s, false, exp, msg);
        return 1;
    }
    if (st->kind == JT_STEP_CHECK) {
        if ((size_t)n - 2 != st->n || memcmp(r, st->want, st->n) != 0) {
            fprintf(s->out, "  FAILED: the bytes read back differ from the bytes written\n");
            jt_judge(s, false, "the bytes written",
                     "the bytes read back differ from the bytes written");
            return 1;
        }
        fprintf(s->out, "  ok: the card holds the new bytes\n");
    }
    jt_judge(s, true, exp, NULL);
    return 0;
}

int jt_identify(jt_session *s, uint8_t *data, size_t cap)
{
    static const uint8_t sel[] = {0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00,
                                  0x01, 0x67, 0x41, 0x30, 0x00, 0xFF, 0x00};
    uint8_t r[300];
    int n = jt_xchg(s, "IDENTIFY: who is this card?", sel, sizeof sel, false, r, sizeof r);
    if (n < 17)
        return 0;
    size_t d = (size_t)n - 2 < cap ? (size_t)n - 2 : cap;
    memcpy(data, r, d);
    return (int)d;
}

int jt_authenticate(jt_session *s, const jc_profile *prof, const uint8_t keys[3][16], uint8_t kvn)
{
    uint8_t c[64], r[300];
    int n;
    jh_session_end(&s->ses);
    c[0] = 0x00, c[1] = 0xA4, c[2] = 0x04, c[3] = 0x00, c[4] = prof->isd_aid.len;
    memcpy(c + 5, prof->isd_aid.b, prof->isd_aid.len);
    c[5 + prof->isd_aid.len] = 0x00;
    n = jt_xchg(s, "SELECT the Issuer Security Domain", c, 6u + prof->isd_aid.len, false, r,
                sizeof r);
    if (n < 0)
        return n;
    uint16_t sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
    if (sw != 0x9000 && sw != 0x6283) {
        fprintf(s->out, "  FAILED: the ISD did not answer (SW %04X): is the card fused?\n", sw);
        jt_judge(s, false, "*9000", "the ISD did not answer");
        return 1;
    }
    jt_judge(s, true, "*9000|*6283", NULL);
    uint8_t chal[8];
    if (jh_session_challenge(&s->ses, chal, sizeof chal) != 0) {
        /* never a predictable host challenge: stop, and say why */
        fprintf(s->out, "  FAILED: %s\n", s->ses.err);
        return JC_ERR_RANDOM;
    }
    /* the explainer checks the card cryptogram with the same keys */
    jh_explain_set_keys(&s->ex, keys, s->ses.crypto);
    int l = jh_session_init_update(&s->ses, kvn, chal, c, sizeof c);
    if (l < 0)
        return l;
    n = jt_xchg(s, "INITIALIZE UPDATE (SCP02) with the new keys", c, (size_t)l, false, r, sizeof r);
    if (n < 0)
        return n;
    sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
    if (sw == 0x6A88) {
        fprintf(s->out,
                "  FAILED: the card has no key set with version %02X (INITIALIZE UPDATE answered "
                "6A88): a freshly fused card holds one set, version FF (from the CM_KEY records); "
                "use --kvn 00 (the first set) or --kvn FF\n",
                kvn);
        jt_judge(s, false, "28 bytes + 9000", "no key set with that version on the card");
        return 1;
    }
    if (sw != 0x9000 || n != 30) {
        fprintf(s->out, "  FAILED: INITIALIZE UPDATE answered %04X with %d bytes\n", sw, n - 2);
        jt_judge(s, false, "28 bytes + 9000", "unexpected answer to INITIALIZE UPDATE");
        return 1;
    }
    jc_scp02_keys k;
    memcpy(k.enc, keys[0], 16);
    memcpy(k.mac, keys[1], 16);
    memcpy(k.dek, keys[2], 16);
    int rc = jh_session_check_card(&s->ses, &k, r, (size_t)n);
    memset(&k, 0, sizeof k);
    if (rc != 0) {
        fprintf(
            s->out,
            "  FAILED: the card cryptogram does not match: the card does not hold these keys\n");
        jt_judge(s, false, "a card cryptogram made with the plan's keys",
                 "card cryptogram mismatch (wrong keys)");
        return 1;
    }
    fprintf(s->out, "  ok: the card cryptogram proves the card holds the plan's keys\n");
    jt_judge(s, true, "*9000", NULL);
    l = jh_session_ext_auth(&s->ses, JC_SCP02_LEVEL_CMAC, false, c, sizeof c);
    if (l < 0)
        return l;
    n = jt_xchg(s, "EXTERNAL AUTHENTICATE (SCP02, C-MAC)", c, (size_t)l, false, r, sizeof r);
    if (n < 0)
        return n;
    sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
    if (sw != 0x9000) {
        jh_session_end(&s->ses);
        fprintf(s->out, "  FAILED: EXTERNAL AUTHENTICATE answered %04X\n", sw);
        jt_judge(s, false, "*9000", "EXTERNAL AUTHENTICATE refused");
        return 1;
    }
    jt_judge(s, true, "*9000", NULL);
    fprintf(s->out, "  ok: secure channel open (SCP02, C-MAC) with the new keys\n");
    return 0;
}

int jt_get_status(jt_session *s, uint8_t p1, uint8_t *card_lcs)
{
    uint8_t c[] = {0x80, 0xF2, p1, 0x00, 0x02, 0x4F, 0x00, 0x00};
    uint8_t r[300];
    char w[80];
    snprintf(w, sizeof w, "GET STATUS %02X: list the registry", p1);
    int n = jt_xchg(s, w, c, sizeof c, false, r, sizeof r);
    if (n < 0)
        return n;
    uint16_t sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
    bool ok = sw == 0x9000 || sw == 0x6310 || (p1 != 0x80 && sw == 0x6A88);
    jt_judge(s, ok, "*9000|*6310|6A88", ok ? NULL : "GET STATUS refused");
    if (ok && p1 == 0x80 && card_lcs && n >= 2 + 1 && r[0] + 3 <= n - 2)
        *card_lcs = r[1 + r[0]];
    return ok ? 0 : 1;
}
