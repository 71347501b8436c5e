/*
 * jc_scp02.c: SCP02 (i=15) sessions for the card's ISD and for host-side
 * callers (harness verbs, tests). Both ends compute the C-MAC the same way,
 * so the wrap (host) and unwrap (card) paths share mac_command() below: a
 * retail MAC over the modified header (CLA with the channel bits cleared and
 * bit 04 set, Lc = clear length + 8) and the clear data, chained through the
 * previous C-MAC encrypted with single DES under K1 of the C-MAC session key.
 * C-DEC (level 03) encrypts a non-empty data field after the MAC is computed.
 */
#include "jc_scp02.h"

#include <string.h>

#include "jc_err.h"
#include "jc_sw.h"

#define SCP02_ID 0x02u

void jc_scp02_reset(jc_scp02 *s)
{
    if (s != NULL)
        memset(s, 0, sizeof(*s));
}

bool jc_scp02_is_open(const jc_scp02 *s)
{
    return s != NULL && s->phase == JC_SCP02_OPEN;
}

/* Derive the S-ENC and C-MAC session keys; keep the static DEK for later
 * (most sessions never use the session DEK, so it is derived on demand). */
static int derive_all(jc_scp02 *s, jc_crypto *c, const jc_scp02_keys *keys, uint16_t counter)
{
    int rc = jc_scp02_derive(c, keys->enc, JC_SCP02_CONST_ENC, counter, s->s_enc);
    if (rc == JC_OK)
        rc = jc_scp02_derive(c, keys->mac, JC_SCP02_CONST_CMAC, counter, s->c_mac);
    memcpy(s->static_dek, keys->dek, JC_3DES_KEY_LEN);
    return rc;
}

/* The session DEK of s. */
static int session_dek(const jc_scp02 *s, jc_crypto *c, uint8_t dek[JC_3DES_KEY_LEN])
{
    return jc_scp02_derive(c, s->static_dek, JC_SCP02_CONST_DEK, s->counter, dek);
}

/* C-MAC of a command: hdr (CLA INS P1 P2; CLA made 84-style), Lc' = clear_len + 8,
 * clear data. chained: use the encrypted previous MAC as ICV, else zero. */
static int mac_command(jc_scp02 *s, jc_crypto *c, const uint8_t hdr[4], const uint8_t *clear,
                       size_t clear_len, bool chained, uint8_t mac[8])
{
    uint8_t buf[5 + 255];
    if (clear_len > 255 - 8)
        return JC_ERR_ARG;
    buf[0] = (uint8_t)((hdr[0] & ~0x03u) | 0x04u);
    buf[1] = hdr[1];
    buf[2] = hdr[2];
    buf[3] = hdr[3];
    buf[4] = (uint8_t)(clear_len + 8);
    if (clear_len > 0)
        memcpy(buf + 5, clear, clear_len);
    uint8_t icv[8] = {0};
    if (chained) {
        int rc = jc_des_ecb_encrypt(c, s->c_mac, s->mac_chain, 8, icv);
        if (rc != JC_OK)
            return rc;
    }
    return jc_mac_retail(c, s->c_mac, icv, buf, 5 + clear_len, mac);
}

/* ------------------------------------------------------------------ card side */

int jc_scp02_pseudo_challenge(jc_crypto *c, const uint8_t static_mac[JC_3DES_KEY_LEN],
                              uint16_t counter, const uint8_t *aid, size_t aid_len,
                              uint8_t card_chal[6])
{
    if (c == NULL || static_mac == NULL || aid == NULL || card_chal == NULL || aid_len == 0 ||
        aid_len > 16)
        return JC_ERR_ARG;
    uint8_t c_mac[JC_3DES_KEY_LEN];
    uint8_t mac[8];
    int rc = jc_scp02_derive(c, static_mac, JC_SCP02_CONST_CMAC, counter, c_mac);
    if (rc == JC_OK)
        rc = jc_mac_retail(c, c_mac, NULL, aid, aid_len, mac);
    if (rc == JC_OK)
        memcpy(card_chal, mac, 6);
    memset(c_mac, 0, sizeof(c_mac));
    return rc;
}

int jc_scp02_card_init_update(jc_scp02 *s, jc_crypto *c, const jc_scp02_keys *keys, uint8_t kvn,
                              uint16_t counter, const uint8_t kdd[10], const uint8_t host_chal[8],
                              const uint8_t card_chal[6], uint8_t out[JC_SCP02_IU_RESP_LEN])
{
    if (s == NULL || c == NULL || keys == NULL || kdd == NULL || host_chal == NULL ||
        card_chal == NULL || out == NULL)
        return JC_ERR_ARG;
    jc_scp02_reset(s);
    int rc = derive_all(s, c, keys, counter);
    uint8_t crypt[8];
    if (rc == JC_OK)
        rc = jc_scp02_card_cryptogram(c, s->s_enc, host_chal, counter, card_chal, crypt);
    if (rc != JC_OK) {
        jc_scp02_reset(s);
        return rc;
    }
    s->kvn = kvn;
    s->counter = counter;
    memcpy(s->host_chal, host_chal, 8);
    memcpy(s->card_chal, card_chal, 6);
    memcpy(out, kdd, 10);
    out[10] = kvn;
    out[11] = SCP02_ID;
    out[12] = (uint8_t)(counter >> 8);
    out[13] = (uint8_t)counter;
    memcpy(out + 14, card_chal, 6);
    memcpy(out + 20, crypt, 8);
    s->phase = JC_SCP02_INITIATED;
    return JC_SW_OK;
}

int jc_scp02_card_ext_auth(jc_scp02 *s, jc_crypto *c, const uint8_t hdr[4], const uint8_t *data,
                           size_t lc, bool *mac_ok)
{
    if (mac_ok != NULL)
        *mac_ok = false;
    if (s == NULL || c == NULL || hdr == NULL || (lc > 0 && data == NULL))
        return JC_ERR_ARG;
    if (s->phase != JC_SCP02_INITIATED)
        return JC_SW_CONDITIONS_OF_USE;
    uint8_t p1 = hdr[2];
    if (p1 != JC_SCP02_LEVEL_NONE && p1 != JC_SCP02_LEVEL_CMAC && p1 != JC_SCP02_LEVEL_CDEC) {
        jc_scp02_reset(s);
        return JC_SW_INCORRECT_P1P2;
    }
    if (lc != 16) {
        jc_scp02_reset(s);
        return JC_SW_WRONG_LENGTH;
    }
    if ((hdr[0] & 0x04u) == 0) { /* no C-MAC on a command that needs one */
        jc_scp02_reset(s);
        return JC_SW_AUTH_FAILED;
    }
    uint8_t mac[8];
    int rc = mac_command(s, c, hdr, data, 8, false, mac);
    if (rc != JC_OK) {
        jc_scp02_reset(s);
        return rc;
    }
    if (!jc_ct_equal(mac, data + 8, 8)) {
        jc_scp02_reset(s);
        return JC_SW_AUTH_FAILED;
    }
    if (mac_ok != NULL)
        *mac_ok = true;
    uint8_t host_crypt[8];
    rc = jc_scp02_host_cryptogram(c, s->s_enc, s->host_chal, s->counter, s->card_chal, host_crypt);
    if (rc != JC_OK) {
        jc_scp02_reset(s);
        return rc;
    }
    if (!jc_ct_equal(host_crypt, data, 8)) {
        jc_scp02_reset(s);
        return JC_SW_AUTH_FAILED;
    }
    memcpy(s->mac_chain, mac, 8);
    s->level = p1;
    s->phase = JC_SCP02_OPEN;
    return JC_SW_OK;
}

int jc_scp02_card_unwrap(jc_scp02 *s, jc_crypto *c, const uint8_t hdr[4], const uint8_t *data,
                         size_t lc, uint8_t *out, size_t cap, size_t *out_len)
{
    if (s == NULL || c == NULL || hdr == NULL || out == NULL || out_len == NULL ||
        (lc > 0 && data == NULL))
        return JC_ERR_ARG;
    *out_len = 0;
    if (s->phase != JC_SCP02_OPEN || (hdr[0] & 0x04u) == 0 || lc < 8 || lc > 255 || cap < lc) {
        jc_scp02_reset(s);
        return JC_SW_SECURITY_STATUS;
    }
    size_t body = lc - 8;
    size_t clear_len = body;
    if (s->level == JC_SCP02_LEVEL_CDEC && body > 0) {
        if (body % 8 != 0 || jc_3des_cbc(c, false, s->s_enc, NULL, data, body, out) != JC_OK) {
            jc_scp02_reset(s);
            return JC_SW_SECURITY_STATUS;
        }
        int n = jc_unpad80(out, body);
        if (n < 0) {
            jc_scp02_reset(s);
            return JC_SW_SECURITY_STATUS;
        }
        clear_len = (size_t)n;
    } else if (body > 0) {
        memcpy(out, data, body);
    }
    uint8_t mac[8];
    if (mac_command(s, c, hdr, out, clear_len, true, mac) != JC_OK ||
        !jc_ct_equal(mac, data + body, 8)) {
        jc_scp02_reset(s);
        return JC_SW_SECURITY_STATUS;
    }
    memcpy(s->mac_chain, mac, 8);
    *out_len = clear_len;
    return JC_SW_OK;
}

int jc_scp02_dek_decrypt(const jc_scp02 *s, jc_crypto *c, const uint8_t *in, size_t len, uint8_t *out)
{
    uint8_t dek[JC_3DES_KEY_LEN];
    if (s == NULL)
        return JC_ERR_ARG;
    int rc = session_dek(s, c, dek);
    return rc == JC_OK ? jc_3des_ecb(c, false, dek, in, len, out) : rc;
}

/* ------------------------------------------------------------------ host side */

int jc_scp02_host_init_update(jc_scp02 *s, uint8_t kvn, const uint8_t host_chal[8], uint8_t *apdu,
                              size_t cap)
{
    if (s == NULL || host_chal == NULL || apdu == NULL)
        return JC_ERR_ARG;
    if (cap < 14)
        return JC_ERR_BUFFER;
    jc_scp02_reset(s);
    memcpy(s->host_chal, host_chal, 8);
    s->kvn = kvn;
    apdu[0] = 0x80;
    apdu[1] = 0x50;
    apdu[2] = kvn;
    apdu[3] = 0x00;
    apdu[4] = 0x08;
    memcpy(apdu + 5, host_chal, 8);
    apdu[13] = 0x00;
    return 14;
}

int jc_scp02_host_check_card(jc_scp02 *s, jc_crypto *c, const jc_scp02_keys *keys,
                             const uint8_t *resp, size_t len)
{
    if (s == NULL || c == NULL || keys == NULL || resp == NULL)
        return JC_ERR_ARG;
    if (len != JC_SCP02_IU_RESP_LEN || resp[11] != SCP02_ID)
        return JC_ERR_FORMAT;
    uint8_t host_chal[8];
    memcpy(host_chal, s->host_chal, 8);
    jc_scp02_reset(s);
    memcpy(s->host_chal, host_chal, 8);
    s->kvn = resp[10];
    s->counter = (uint16_t)((resp[12] << 8) | resp[13]);
    memcpy(s->card_chal, resp + 14, 6);
    int rc = derive_all(s, c, keys, s->counter);
    uint8_t crypt[8];
    if (rc == JC_OK)
        rc = jc_scp02_card_cryptogram(c, s->s_enc, s->host_chal, s->counter, s->card_chal, crypt);
    if (rc != JC_OK) {
        jc_scp02_reset(s);
        return rc;
    }
    if (!jc_ct_equal(crypt, resp + 20, 8)) {
        jc_scp02_reset(s);
        return JC_ERR_CRYPTO;
    }
    s->phase = JC_SCP02_INITIATED;
    return JC_OK;
}

int jc_scp02_host_ext_auth(jc_scp02 *s, jc_crypto *c, uint8_t level, bool with_le, uint8_t *apdu,
                           size_t cap)
{
    if (s == NULL || c == NULL || apdu == NULL || s->phase != JC_SCP02_INITIATED)
        return JC_ERR_ARG;
    size_t n = with_le ? 22u : 21u;
    if (cap < n)
        return JC_ERR_BUFFER;
    uint8_t hdr[4] = {0x84, 0x82, level, 0x00};
    uint8_t crypt[8], mac[8];
    int rc = jc_scp02_host_cryptogram(c, s->s_enc, s->host_chal, s->counter, s->card_chal, crypt);
    if (rc == JC_OK)
        rc = mac_command(s, c, hdr, crypt, 8, false, mac);
    if (rc != JC_OK)
        return rc;
    memcpy(apdu, hdr, 4);
    apdu[4] = 0x10;
    memcpy(apdu + 5, crypt, 8);
    memcpy(apdu + 13, mac, 8);
    if (with_le)
        apdu[21] = 0x00;
    memcpy(s->mac_chain, mac, 8);
    s->level = level;
    s->phase = JC_SCP02_OPEN;
    return (int)n;
}

int jc_scp02_host_wrap(jc_scp02 *s, jc_crypto *c, const uint8_t *capdu, size_t len, uint8_t *out,
                       size_t cap)
{
    if (s == NULL || c == NULL || capdu == NULL || out == NULL || s->phase != JC_SCP02_OPEN)
        return JC_ERR_ARG;
    if (len < 4)
        return JC_ERR_FORMAT;
    /* Short APDU cases: 1 (4 bytes), 2 (Le), 3 (Lc data), 4 (Lc data Le). */
    size_t lc = 0;
    bool has_le = false;
    uint8_t le = 0;
    if (len == 5) {
        has_le = true;
        le = capdu[4];
    } else if (len > 5) {
        lc = capdu[4];
        if (lc == 0)
            return JC_ERR_FORMAT; /* extended form */
        if (len == 5 + lc) {
            has_le = false;
        } else if (len == 6 + lc) {
            has_le = true;
            le = capdu[len - 1];
        } else {
            return JC_ERR_FORMAT;
        }
    }
    if (s->level == JC_SCP02_LEVEL_NONE) {
        if (cap < len)
            return JC_ERR_BUFFER;
        memmove(out, capdu, len);
        return (int)len;
    }
    if (lc > 255 - 8)
        return JC_ERR_FORMAT;
    const uint8_t *data = capdu + 5;
    size_t body = lc;
    bool encrypt = s->level == JC_SCP02_LEVEL_CDEC && lc > 0;
    if (encrypt)
        body = (lc / 8 + 1) * 8;
    if (body + 8 > 255)
        return JC_ERR_FORMAT;
    size_t n = 5 + body + 8 + (has_le ? 1 : 0);
    if (cap < n)
        return JC_ERR_BUFFER;
    uint8_t hdr[4] = {(uint8_t)((capdu[0] & ~0x03u) | 0x04u), capdu[1], capdu[2], capdu[3]};
    uint8_t mac[8];
    int rc = mac_command(s, c, hdr, data, lc, true, mac);
    if (rc != JC_OK)
        return rc;
    uint8_t tmp[256];
    if (encrypt) {
        size_t p = jc_pad80(data, lc, tmp, sizeof(tmp));
        if (p != body)
            return JC_ERR_FORMAT;
        rc = jc_3des_cbc(c, true, s->s_enc, NULL, tmp, body, tmp);
        if (rc != JC_OK)
            return rc;
    } else if (lc > 0) {
        memcpy(tmp, data, lc);
    }
    out[0] = (uint8_t)(capdu[0] | 0x04u);
    out[1] = capdu[1];
    out[2] = capdu[2];
    out[3] = capdu[3];
    out[4] = (uint8_t)(body + 8);
    memcpy(out + 5, tmp, body);
    memcpy(out + 5 + body, mac, 8);
    if (has_le)
        out[5 + body + 8] = le;
    memcpy(s->mac_chain, mac, 8);
    return (int)n;
}

int jc_scp02_host_dek_encrypt(const jc_scp02 *s, jc_crypto *c, const uint8_t key[JC_3DES_KEY_LEN],
                              uint8_t out[JC_3DES_KEY_LEN])
{
    uint8_t dek[JC_3DES_KEY_LEN];
    if (s == NULL)
        return JC_ERR_ARG;
    int rc = session_dek(s, c, dek);
    return rc == JC_OK ? jc_3des_ecb(c, true, dek, key, JC_3DES_KEY_LEN, out) : rc;
}
