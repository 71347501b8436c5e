/*
 * jh_session.c: the host side of a card session (see jh_session.h).
 */
#include "jh_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jc_card.h"
#include "jc_rng.h"
#include "jc_sysrand.h"
#include "jh_expect.h"
#include "jh_util.h"

int jh_session_init(jh_session *s, jh_reader *rd)
{
    memset(s, 0, sizeof *s);
    s->rd = rd;
    s->direct = rd ? rd->direct : NULL;
    jc_scp02_reset(&s->sc);
    s->wire = malloc(JH_SES_WIRE_MAX);
    if (!s->wire)
        return JC_ERR_NOMEM;
    int rc = jc_crypto_create(&s->crypto);
    if (rc < 0) {
        free(s->wire);
        s->wire = NULL;
        return rc;
    }
    return 0;
}

void jh_session_free(jh_session *s)
{
    jc_scp02_reset(&s->sc); /* wipes the session keys */
    jc_crypto_free(s->crypto);
    free(s->wire);
    s->crypto = NULL;
    s->wire = NULL;
}

const char *jh_session_reason(const jh_session *s, int rc)
{
    return s->rd->err[0] ? s->rd->err : jc_strerror(rc < 0 ? rc : JC_ERR_IO);
}

void jh_session_end(jh_session *s)
{
    jc_scp02_reset(&s->sc);
}

bool jh_session_is_open(const jh_session *s)
{
    return jc_scp02_is_open(&s->sc);
}

int jh_session_wrap(jh_session *s, const uint8_t *plain, size_t n, jh_wrap rule)
{
    s->wrapped = false;
    bool own_iu = s->own_iu;
    s->own_iu = false;
    if (n > JH_SES_WIRE_MAX) {
        snprintf(s->err, sizeof s->err, "cannot wrap the command under SCP02: %s",
                 jc_strerror(JC_ERR_ARG));
        return JC_ERR_ARG;
    }
    /* A hand-written INITIALIZE UPDATE starts a new session on the card: it is
     * never wrapped, and the host's session ends. */
    if (n >= 2 && (plain[0] & 0xC0) == 0x80 && plain[1] == 0x50 && !own_iu)
        jc_scp02_reset(&s->sc);
    if (rule != JH_WRAP_NEVER && n >= 4 && jc_scp02_is_open(&s->sc) && !(plain[0] & 0x04) &&
        (rule == JH_WRAP_ALWAYS || (plain[0] & 0xFC) == 0x80)) {
        int k = jc_scp02_host_wrap(&s->sc, s->crypto, plain, n, s->wire, JH_SES_WIRE_MAX);
        if (k < 0) {
            snprintf(s->err, sizeof s->err, "cannot wrap the command under SCP02: %s",
                     jc_strerror(k));
            return k;
        }
        s->wire_len = (size_t)k;
        s->wrapped = s->sc.level != JC_SCP02_LEVEL_NONE;
        return 0;
    }
    if (n)
        memcpy(s->wire, plain, n); /* never from NULL (an empty command) */
    s->wire_len = n;
    return 0;
}

/* b with [from, n) replaced by 2A when hide is set. */
static void set_masked(uint8_t **dst, size_t *dlen, const uint8_t *b, size_t n, bool hide,
                       size_t from, size_t to)
{
    if (!hide || from >= n) {
        jh_entry_set_bytes(dst, dlen, b, n);
        return;
    }
    uint8_t *m = malloc(n);
    if (!m)
        return;
    memcpy(m, b, n);
    memset(m + from, 0x2A, (to < n ? to : n) - from);
    jh_entry_set_bytes(dst, dlen, m, n);
    free(m);
}

static void record_state(const jh_session *s, jh_entry *e, bool before)
{
    int st = s->rd->ops->state(s->rd);
    if (st < 0)
        return;
    e->has_state = true;
    if (before)
        e->state_before = e->state_after = st;
    else
        e->state_after = st;
}

int jh_session_power(jh_session *s, jh_entry *e, jh_ses_power kind, uint8_t *atr, size_t cap)
{
    const jh_reader_ops *op = s->rd->ops;
    if (e) {
        record_state(s, e, true);
        if (op->set_sink)
            op->set_sink(s->rd, e);
    }
    int n = 0;
    if (kind == JH_SES_POWER_OFF) {
        op->power_off(s->rd);
    } else if (kind == JH_SES_RESET) {
        n = op->reset(s->rd, atr, cap);
    } else {
        if (op->powered(s->rd))
            op->power_off(s->rd);
        n = op->power_on(s->rd, atr, cap);
    }
    if (e && op->set_sink)
        op->set_sink(s->rd, NULL);
    jc_scp02_reset(&s->sc);
    if (n < 0) {
        snprintf(s->err, sizeof s->err, "%s failed: %s",
                 kind == JH_SES_RESET ? "reset" : "power-on", jh_session_reason(s, n));
        return n;
    }
    if (e) {
        record_state(s, e, false);
        if (kind != JH_SES_POWER_OFF) {
            e->atr_len = (size_t)n < sizeof e->atr ? (size_t)n : sizeof e->atr;
            if (atr != e->atr)
                memcpy(e->atr, atr, e->atr_len);
        }
    }
    return n;
}

int jh_session_send(jh_session *s, jh_entry *e, const uint8_t *plain, size_t n, unsigned mask,
                    uint8_t *rapdu, size_t cap)
{
    const jh_reader_ops *op = s->rd->ops;
    if (e) {
        bool hc = (mask & JH_SES_MASK_CDATA) != 0;
        set_masked(&e->capdu, &e->capdu_len, s->wire, s->wire_len, hc, 5, s->wire_len);
        set_masked(&e->plain, &e->plain_len, plain, n, hc, 5, n);
        e->masked |= (uint8_t)(mask & (JH_SES_MASK_CDATA | JH_SES_MASK_RDATA));
        e->wrapped = s->wrapped;
        record_state(s, e, true);
        if (op->set_sink)
            op->set_sink(s->rd, e);
    }
    int k = op->transmit(s->rd, s->wire, s->wire_len, rapdu, cap);
    if (e && op->set_sink)
        op->set_sink(s->rd, NULL);
    if (k < 2) {
        if (k >= 0)
            k = JC_ERR_IO;
        snprintf(s->err, sizeof s->err, "transmit failed: %s", jh_session_reason(s, k));
        if (e) {
            e->verdict = JH_VERDICT_ERROR;
            jh_entry_set_text(&e->message, s->err);
        }
        return k;
    }
    uint16_t sw = (uint16_t)(rapdu[k - 2] << 8 | rapdu[k - 1]);
    if (e) {
        set_masked(&e->rapdu, &e->rapdu_len, rapdu, (size_t)k, (mask & JH_SES_MASK_RDATA) != 0, 0,
                   (size_t)k - 2);
        e->sw = sw;
        record_state(s, e, false);
    }
    /* A SELECT ends the card's secure channel; so does a MAC failure. */
    if (n >= 2 && (plain[0] & 0xFC) == 0x00 && plain[1] == 0xA4)
        jc_scp02_reset(&s->sc);
    if (s->wrapped && sw == 0x6982)
        jc_scp02_reset(&s->sc);
    return k;
}

int jh_session_exchange(jh_session *s, jh_entry *e, const uint8_t *plain, size_t n, jh_wrap rule,
                        unsigned mask, uint8_t *rapdu, size_t cap)
{
    int rc = jh_session_wrap(s, plain, n, rule);
    if (rc < 0)
        return rc;
    return jh_session_send(s, e, plain, n, mask, rapdu, cap);
}

void jh_session_judge(jh_entry *e, const char *expect, const uint8_t *b, size_t n)
{
    if (!expect)
        return;
    jh_entry_set_text(&e->expect, expect);
    int m = jh_expect_match(expect, b, n);
    if (m == 1) {
        e->verdict = JH_VERDICT_PASS;
        return;
    }
    char *got = jh_tohex_dup(b, n);
    char msg[1024];
    if (m < 0) {
        e->verdict = JH_VERDICT_ERROR;
        snprintf(msg, sizeof msg, "bad expectation \"%s\"", expect);
    } else {
        e->verdict = JH_VERDICT_FAIL;
        snprintf(msg, sizeof msg, "expected %s, got %s", expect, got && *got ? got : "(nothing)");
    }
    jh_entry_set_text(&e->message, msg);
    free(got);
}

int jh_session_challenge(jh_session *s, uint8_t *out, size_t n)
{
    if (s->seed) {
        if (!s->prng)
            s->prng = s->seed ^ 0x6A68686F73742121ull;
        jc_splitmix_fill(&s->prng, out, n);
        return 0;
    }
    int rc = (s->sysrand ? s->sysrand : jc_sysrand)(NULL, out, n);
    if (rc < 0) {
        snprintf(s->err, sizeof s->err, "the system random source failed (%s): no host challenge",
                 jc_strerror(rc));
        return JC_ERR_RANDOM;
    }
    return 0;
}

int jh_session_init_update(jh_session *s, uint8_t kvn, const uint8_t chal[8], uint8_t *apdu,
                           size_t cap)
{
    jc_scp02_reset(&s->sc);
    int n = jc_scp02_host_init_update(&s->sc, kvn, chal, apdu, cap);
    s->own_iu = n > 0;
    return n;
}

int jh_session_check_card(jh_session *s, const jc_scp02_keys *keys, const uint8_t *rapdu,
                          size_t rlen)
{
    if (rlen != JC_SCP02_IU_RESP_LEN + 2 || rapdu[rlen - 2] != 0x90 || rapdu[rlen - 1] != 0x00)
        return JC_ERR_ARG;
    return jc_scp02_host_check_card(&s->sc, s->crypto, keys, rapdu, JC_SCP02_IU_RESP_LEN);
}

int jh_session_ext_auth(jh_session *s, uint8_t level, bool with_le, uint8_t *apdu, size_t cap)
{
    return jc_scp02_host_ext_auth(&s->sc, s->crypto, level, with_le, apdu, cap);
}
