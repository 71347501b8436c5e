/*
 * jc_scp02.h: the SCP02 secure channel (GP 2.1.1 Appendix E, i=15), one module
 * for both ends. The card's ISD (jc_gp*.c) uses the card side: answer
 * INITIALIZE UPDATE, check EXTERNAL AUTHENTICATE, then unwrap (C-MAC check,
 * C-DEC decryption) every later command. The harness's `init-update` and
 * `ext-auth` verbs and the tests use the host side: check the card's answer to
 * INITIALIZE UPDATE, build EXTERNAL AUTHENTICATE, then wrap every later
 * command (CLA |= 04, Lc + 8, C-MAC; at level 03 C-DEC of a non-empty data
 * field).
 *
 * A jc_scp02 value holds one session (volatile state). It does no I/O and
 * draws no randomness: the caller supplies the challenges. Card-side calls
 * return a status word (> 0) for the card to answer, or a negative JC_ERR_*;
 * host-side calls return 0 or a negative JC_ERR_*.
 */
#ifndef JC_SCP02_H
#define JC_SCP02_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_crypto.h"

/* Security levels (EXTERNAL AUTHENTICATE P1). */
enum {
    JC_SCP02_LEVEL_NONE = 0x00,  /* authenticated, no secure messaging */
    JC_SCP02_LEVEL_CMAC = 0x01,
    JC_SCP02_LEVEL_CDEC = 0x03,  /* C-DECRYPTION + C-MAC */
};

/* "i" parameter bit b7 (GP 2.2.1 Table E-1): well-known pseudo-random card
 * challenge (i=55), else an unspecified (here: random) one (i=15). */
#define JC_SCP02_I_PSEUDO_CHALLENGE 0x40u

/* Session phase. */
typedef enum {
    JC_SCP02_IDLE = 0,     /* no session */
    JC_SCP02_INITIATED,    /* INITIALIZE UPDATE done, waiting for EXTERNAL AUTHENTICATE */
    JC_SCP02_OPEN,         /* authenticated: later commands follow `level` */
} jc_scp02_phase;

/* Static keys of one key set: ENC, MAC, DEK (key ids 1, 2, 3). */
typedef struct {
    uint8_t enc[JC_3DES_KEY_LEN];
    uint8_t mac[JC_3DES_KEY_LEN];
    uint8_t dek[JC_3DES_KEY_LEN];
} jc_scp02_keys;

typedef struct {
    jc_scp02_phase phase;
    uint8_t level;                    /* JC_SCP02_LEVEL_* once OPEN */
    uint8_t kvn;                      /* key version of the set in use */
    uint16_t counter;                 /* sequence counter the session keys came from */
    uint8_t host_chal[8];
    uint8_t card_chal[6];
    uint8_t s_enc[JC_3DES_KEY_LEN];
    uint8_t c_mac[JC_3DES_KEY_LEN];
    uint8_t static_dek[JC_3DES_KEY_LEN]; /* the session DEK is derived when used (PUT KEY) */
    uint8_t mac_chain[8];             /* last C-MAC (before ICV encryption) */
} jc_scp02;

/* Clear everything (keys included): a closed session. */
void jc_scp02_reset(jc_scp02 *s);
/* True when a session is OPEN. */
bool jc_scp02_is_open(const jc_scp02 *s);

/* ---------------------------------------------------------------- card side */

#define JC_SCP02_IU_RESP_LEN 28u

/* INITIALIZE UPDATE processing after the caller chose the key set: derive the
 * session keys from keys + counter, compute the card cryptogram and write the
 * 28-byte answer: kdd(10) | kvn | 02 | counter(2) | card_chal(6) | cryptogram(8).
 * Leaves the session INITIATED. Returns 0x9000 or a negative error. */
int jc_scp02_card_init_update(jc_scp02 *s, jc_crypto *c, const jc_scp02_keys *keys, uint8_t kvn,
                              uint16_t counter, const uint8_t kdd[10], const uint8_t host_chal[8],
                              const uint8_t card_chal[6], uint8_t out[JC_SCP02_IU_RESP_LEN]);

/* The pseudo-random card challenge of "i" b7 (i=55; GP 2.2.1 §E.4.2.3, an
 * option GP 2.1.1 §E.1.1 does not list): the six leftmost bytes of the retail
 * MAC (single DES plus final triple DES, ICV zero, method-2 padding) over the
 * AID of the application opening the channel, with the C-MAC session key
 * derived from static_mac and counter. Deterministic: the same counter gives
 * the same challenge; it is unique per session because a successful session
 * moves the counter. Returns 0 or a negative error. */
int jc_scp02_pseudo_challenge(jc_crypto *c, const uint8_t static_mac[JC_3DES_KEY_LEN],
                              uint16_t counter, const uint8_t *aid, size_t aid_len,
                              uint8_t card_chal[6]);

/* EXTERNAL AUTHENTICATE: hdr = CLA INS P1 P2 as received, data/lc its data
 * field (host cryptogram 8 | C-MAC 8). Checks order (INITIATED, else 6985,
 * session unchanged), P1 (00, 01, 03 else 6A86 + reset), Lc = 16 (else 6700 +
 * reset), then the C-MAC (a CLA without bit 04 counts as a missing C-MAC) and
 * the host cryptogram: 6300 + reset on either. *mac_ok (may be NULL) tells whether the C-MAC verified,
 * which is when the caller increments the persistent sequence counter.
 * On success the session is OPEN at level P1 and 0x9000 is returned. */
int jc_scp02_card_ext_auth(jc_scp02 *s, jc_crypto *c, const uint8_t hdr[4], const uint8_t *data,
                           size_t lc, bool *mac_ok);

/* Unwrap a command received in an OPEN session at level 01/03 (or level 00
 * with CLA bit 04 set, which is checked the same way). hdr = CLA INS P1 P2 as
 * received; data/lc the received data field (clear data or cryptogram, then
 * 8 MAC bytes). On success writes the clear data to out (cap >= lc), its
 * length to *out_len, and returns 0x9000; the MAC becomes the next chain
 * value. On any failure (missing CLA bit, Lc < 8, wrong MAC, bad padding)
 * the session is reset and 0x6982 is returned. */
int jc_scp02_card_unwrap(jc_scp02 *s, jc_crypto *c, const uint8_t hdr[4], const uint8_t *data,
                         size_t lc, uint8_t *out, size_t cap, size_t *out_len);

/* Decrypt PUT KEY key material with the session DEK (3DES-ECB, no padding;
 * the session DEK is derived from the static DEK and the counter here). */
int jc_scp02_dek_decrypt(const jc_scp02 *s, jc_crypto *c, const uint8_t *in, size_t len,
                         uint8_t *out);

/* ---------------------------------------------------------------- host side */

/* Build INITIALIZE UPDATE `80 50 kvn 00 08 host_chal 00` (14 bytes) into apdu;
 * remembers the host challenge. Returns the length (14) or a negative error. */
int jc_scp02_host_init_update(jc_scp02 *s, uint8_t kvn, const uint8_t host_chal[8], uint8_t *apdu,
                              size_t cap);

/* Check the card's answer to INITIALIZE UPDATE (resp = 28 data bytes, SW
 * stripped): parse it, derive the session keys from keys and the reported
 * counter, verify the card cryptogram. Returns 0 (session INITIATED),
 * JC_ERR_FORMAT (length/SCP id), or JC_ERR_CRYPTO when the card cryptogram
 * does not match (wrong keys). */
int jc_scp02_host_check_card(jc_scp02 *s, jc_crypto *c, const jc_scp02_keys *keys,
                             const uint8_t *resp, size_t len);

/* Build EXTERNAL AUTHENTICATE `84 82 level 00 10 <host cryptogram> <C-MAC>`
 * (21 bytes, no Le; with_le appends Le 00) and open the host session at that
 * level. Returns the APDU length or a negative error. */
int jc_scp02_host_ext_auth(jc_scp02 *s, jc_crypto *c, uint8_t level, bool with_le, uint8_t *apdu,
                           size_t cap);

/* Wrap a short C-APDU (case 1-4, raw bytes) for the open session: CLA |= 04,
 * data encrypted at level 03 when non-empty, Lc += 8, C-MAC appended, Le kept.
 * At level 00 the command is copied unchanged. Returns the wrapped length or
 * a negative error (JC_ERR_FORMAT for a malformed or extended APDU,
 * JC_ERR_BUFFER when cap is too small, JC_ERR_ARG when no session is open). */
int jc_scp02_host_wrap(jc_scp02 *s, jc_crypto *c, const uint8_t *capdu, size_t len, uint8_t *out,
                       size_t cap);

/* Encrypt a key for PUT KEY with the session DEK (3DES-ECB). */
int jc_scp02_host_dek_encrypt(const jc_scp02 *s, jc_crypto *c, const uint8_t key[JC_3DES_KEY_LEN],
                              uint8_t out[JC_3DES_KEY_LEN]);

#endif
