/*
 * jh_session.h: the host side of a card session, one library for every host
 * tool (jcop-replay's runner jh_run.c, jcop-prepers' jt_session.c and
 * jcop-bench). A session is a reader (jh_reader.h) plus the host half of
 * SCP02 (simulator/core/jc_scp02.h, the card's own module) and decides, in one
 * place, the rules the tools used to repeat:
 *  - power: a power-up or reset ends the secure channel; "power on" is always
 *    a cold power-up (a powered card is powered off first);
 *  - wrapping (jh_wrap, jh_script.h): JH_WRAP_AUTO wraps GlobalPlatform
 *    commands (CLA 80..83) while a channel is open, JH_WRAP_ALWAYS any class,
 *    JH_WRAP_NEVER none; a command that already carries the secure messaging
 *    bit (CLA 84, EXTERNAL AUTHENTICATE) goes out as written; an INITIALIZE
 *    UPDATE is never wrapped and ends the host's channel (a new one starts);
 *  - after the answer: a SELECT ends the channel (the card's does), and so
 *    does 6982 to a wrapped command (the card dropped its channel);
 *  - recording: an exchange fills a transcript entry with the command as sent
 *    and as meant, the card's events, the state before and after and the
 *    answer; secrets are masked there on request (jcop-prepers' keys);
 *  - judging an answer against an expectation (jh_expect.h), one message;
 *  - error texts: "transmit failed: ...", "power-on failed: ...",
 *    "cannot wrap the command under SCP02: ...".
 * jh_session_transmit is the direct exchange (no wrapping, no recording): the
 * benchmark's hot loop uses it, so going through a session costs one call.
 */
#ifndef JH_SESSION_H
#define JH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_card.h"
#include "jc_crypto.h"
#include "jc_scp02.h"
#include "jh_reader.h"
#include "jh_script.h"
#include "jh_transcript.h"

/* The largest command a session sends: an extended APDU plus SCP02 overhead. */
#define JH_SES_WIRE_MAX (65535u + 16u)

typedef struct {
    jh_reader *rd;
    jc_card *direct; /* rd->direct: the direct exchange calls the card itself */
    jc_crypto *crypto;
    jc_scp02 sc;   /* the host half of the secure channel */
    uint8_t *wire; /* the last command as it goes out (JH_SES_WIRE_MAX bytes) */
    size_t wire_len;
    bool wrapped; /* the last command went out under SCP02 (C-MAC or more) */
    bool own_iu;  /* the next INITIALIZE UPDATE is the session's own */
    /* Host challenges: seed != 0 makes them deterministic (tests, --seed);
     * else sysrand (NULL = jc_sysrand, simulator/store): the one system
     * random source, whose failure stops the exchange (never a fallback). */
    uint64_t seed;
    uint64_t prng;
    int (*sysrand)(void *ctx, uint8_t *out, size_t n);
    char err[384]; /* the last failure, one line */
} jh_session;

typedef enum { JH_SES_POWER_ON, JH_SES_RESET, JH_SES_POWER_OFF } jh_ses_power;

/* Which bytes of a recorded exchange are secrets (jh_entry.masked): with a
 * mask the entry holds 2A ('*') instead. */
enum { JH_SES_MASK_CDATA = JH_MASK_CDATA, JH_SES_MASK_RDATA = JH_MASK_RDATA };

/* 0, or JC_ERR_NOMEM / JC_ERR_CRYPTO (libcrypto). rd is borrowed. */
int jh_session_init(jh_session *s, jh_reader *rd);
void jh_session_free(jh_session *s);

/* The reader's reason for a failure rc (its err line, else jc_strerror). */
const char *jh_session_reason(const jh_session *s, int rc);

/* Power the card (the channel ends), recording on e when not NULL: the
 * card's events, the state before and after, the ATR. Returns the ATR length
 * (0 for off) or <0 with s->err "power-on failed: ..." / "reset failed: ...". */
int jh_session_power(jh_session *s, jh_entry *e, jh_ses_power kind, uint8_t *atr, size_t cap);

/* End the host's channel (a new INITIALIZE UPDATE is needed). */
void jh_session_end(jh_session *s);
bool jh_session_is_open(const jh_session *s);

/* Prepare plain for the wire under the rule: s->wire/wire_len/wrapped.
 * Returns 0, or <0 with s->err "cannot wrap the command under SCP02: ...". */
int jh_session_wrap(jh_session *s, const uint8_t *plain, size_t n, jh_wrap rule);

/* The direct exchange: the reader's transmit, nothing else (a borrowed
 * in-process card is called without the reader's indirection: jcop-bench's
 * hot loop costs what jc_card_process costs). Returns the R-APDU length
 * (>= 2) or <0. */
static inline int jh_session_transmit(jh_session *s, const uint8_t *capdu, size_t len,
                                      uint8_t *rapdu, size_t cap)
{
    if (s->direct)
        return jc_card_process(s->direct, capdu, len, rapdu, cap);
    return s->rd->ops->transmit(s->rd, capdu, len, rapdu, cap);
}

/* Send s->wire (after jh_session_wrap) for the command plain, recording on e
 * when e is not NULL (mask: JH_SES_MASK_* bits to hide), then apply the rules
 * after the answer. Returns the R-APDU length (>= 2), or <0 with s->err
 * "transmit failed: ..." (and e->verdict ERROR with that message). */
int jh_session_send(jh_session *s, jh_entry *e, const uint8_t *plain, size_t n, unsigned mask,
                    uint8_t *rapdu, size_t cap);

/* jh_session_wrap then jh_session_send. */
int jh_session_exchange(jh_session *s, jh_entry *e, const uint8_t *plain, size_t n, jh_wrap rule,
                        unsigned mask, uint8_t *rapdu, size_t cap);

/* Judge bytes against an expectation (NULL: no verdict): PASS, or FAIL with
 * "expected X, got Y", or ERROR for a bad expectation. */
void jh_session_judge(jh_entry *e, const char *expect, const uint8_t *b, size_t n);

/* The host challenge of the next INITIALIZE UPDATE (see seed/sysrand; set
 * them after jh_session_init). Returns 0, or JC_ERR_RANDOM with s->err "the
 * system random source failed (...): no host challenge". */
int jh_session_challenge(jh_session *s, uint8_t *out, size_t n);

/* SCP02, host side. INITIALIZE UPDATE for key version kvn with an 8-byte
 * host challenge (the channel starts over): the command length or <0. Sent
 * through jh_session_wrap it keeps the channel it starts (any other
 * INITIALIZE UPDATE ends the host's channel). */
int jh_session_init_update(jh_session *s, uint8_t kvn, const uint8_t chal[8], uint8_t *apdu,
                           size_t cap);
/* Check the card's answer (R-APDU with SW) to INITIALIZE UPDATE with keys:
 * 0, JC_ERR_ARG (not 28 bytes + 9000), JC_ERR_CRYPTO (wrong keys) or <0. */
int jh_session_check_card(jh_session *s, const jc_scp02_keys *keys, const uint8_t *rapdu,
                          size_t rlen);
/* EXTERNAL AUTHENTICATE at level: the command length or <0. */
int jh_session_ext_auth(jh_session *s, uint8_t level, bool with_le, uint8_t *apdu, size_t cap);

#endif
