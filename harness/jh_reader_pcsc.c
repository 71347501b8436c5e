/*
 * jh_reader_pcsc.c: the PC/SC backend of jh_reader.h, through libpcsclite.
 * It works with any reader: a real card or jcopsim behind vpcd. Nothing here
 * trusts a reader's name, so guard_irreversible is always set and the runner
 * refuses irreversible commands unless the user allowed them.
 *
 * SCardTransmit has no deadline of its own and vpcd never times out: a card
 * that does not answer blocks for ever. Wrap jcop-replay in `timeout` when
 * talking to readers you do not control.
 *
 * Under T=0 the backend fetches 61xx data with GET RESPONSE and repeats a
 * command answered 6Cxx with the right Le, so scripts see T=1 answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>

#include "jc_card.h"
#include "jh_reader.h"

typedef struct {
    jh_reader base;
    SCARDCONTEXT ctx;
    bool have_ctx;
    SCARDHANDLE card;
    bool connected;
    DWORD proto;
    char name[256];
} pcsc_reader;

static void pcsc_err(pcsc_reader *r, const char *what, LONG rv)
{
    snprintf(r->base.err, sizeof r->base.err, "%s on \"%.120s\": %.80s (0x%08lX)", what, r->name,
             pcsc_stringify_error(rv), (unsigned long)rv);
}

static int read_atr(pcsc_reader *r, uint8_t *atr, size_t cap)
{
    char rname[512];
    DWORD rlen = sizeof rname, state = 0, proto = 0;
    BYTE buf[MAX_ATR_SIZE];
    DWORD alen = sizeof buf;
    LONG rv = SCardStatus(r->card, rname, &rlen, &state, &proto, buf, &alen);
    if (rv != SCARD_S_SUCCESS) {
        pcsc_err(r, "SCardStatus", rv);
        return JC_ERR_IO;
    }
    if (alen > cap)
        return JC_ERR_BUFFER;
    memcpy(atr, buf, alen);
    return (int)alen;
}

static int p_power_on(jh_reader *base, uint8_t *atr, size_t cap)
{
    pcsc_reader *r = (pcsc_reader *)base;
    LONG rv;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (r->connected)
            rv = SCardReconnect(r->card, SCARD_SHARE_EXCLUSIVE,
                                SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_UNPOWER_CARD,
                                &r->proto);
        else
            rv = SCardConnect(r->ctx, r->name, SCARD_SHARE_EXCLUSIVE,
                              SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &r->card, &r->proto);
        if (rv == SCARD_W_RESET_CARD)
            continue; /* pcscd just powered a new card up: once more */
        break;
    }
    if (rv != SCARD_S_SUCCESS) {
        pcsc_err(r, r->connected ? "SCardReconnect" : "SCardConnect", rv);
        return JC_ERR_IO;
    }
    r->connected = true;
    return read_atr(r, atr, cap);
}

static int p_reset(jh_reader *base, uint8_t *atr, size_t cap)
{
    pcsc_reader *r = (pcsc_reader *)base;
    if (!r->connected)
        return p_power_on(base, atr, cap);
    LONG rv = SCardReconnect(r->card, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                             SCARD_RESET_CARD, &r->proto);
    if (rv != SCARD_S_SUCCESS) {
        pcsc_err(r, "SCardReconnect", rv);
        return JC_ERR_IO;
    }
    return read_atr(r, atr, cap);
}

static void p_power_off(jh_reader *base)
{
    pcsc_reader *r = (pcsc_reader *)base;
    if (r->connected)
        SCardDisconnect(r->card, SCARD_UNPOWER_CARD);
    r->connected = false;
}

static bool p_powered(const jh_reader *base)
{
    return ((const pcsc_reader *)base)->connected;
}

static int raw_transmit(pcsc_reader *r, const uint8_t *c, size_t len, uint8_t *out, size_t cap)
{
    const SCARD_IO_REQUEST *pci = r->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    DWORD rlen = (DWORD)cap;
    LONG rv = SCardTransmit(r->card, pci, c, (DWORD)len, NULL, out, &rlen);
    if (rv != SCARD_S_SUCCESS) {
        pcsc_err(r, "SCardTransmit", rv);
        return JC_ERR_IO;
    }
    if (rlen < 2) {
        snprintf(r->base.err, sizeof r->base.err, "reader \"%.120s\" returned %lu bytes (no SW)",
                 r->name, (unsigned long)rlen);
        return JC_ERR_IO;
    }
    return (int)rlen;
}

static int p_transmit(jh_reader *base, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap)
{
    pcsc_reader *r = (pcsc_reader *)base;
    if (!r->connected) {
        snprintf(base->err, sizeof base->err, "reader \"%.120s\": not connected", r->name);
        return JC_ERR_NOT_POWERED;
    }
    if (len < 4) {
        /* vpcd frames a 1-byte C-APDU like its power controls and then waits for
         * ever (THREAT-MODEL.md); no card takes fewer than CLA INS P1 P2 anyway. */
        snprintf(base->err, sizeof base->err,
                 "C-APDU of %zu bytes not sent to \"%.120s\": at least CLA INS P1 P2", len,
                 r->name);
        return JC_ERR_ARG;
    }
    int n = raw_transmit(r, capdu, len, rapdu, cap);
    if (n < 0 || r->proto != SCARD_PROTOCOL_T0)
        return n;
    if (rapdu[n - 2] == 0x6C && len >= 4 && len <= 261) {
        uint8_t again[261];
        memcpy(again, capdu, len);
        size_t alen = len == 4 ? 5 : len;
        again[alen - 1] = rapdu[n - 1];
        n = raw_transmit(r, again, alen, rapdu, cap);
        if (n < 0)
            return n;
    }
    size_t total = (size_t)n - 2;
    while (rapdu[total] == 0x61) {
        uint8_t gr[5] = {capdu[0] & 0x03, 0xC0, 0x00, 0x00, rapdu[total + 1]};
        if (total + 258 > cap)
            break;
        int k = raw_transmit(r, gr, sizeof gr, rapdu + total, cap - total);
        if (k < 0)
            return k;
        total += (size_t)k - 2;
    }
    return (int)total + 2;
}

static int p_state(const jh_reader *base)
{
    return -1;
}

static void p_set_sink(jh_reader *base, jh_entry *e) {}

static void p_close(jh_reader *base)
{
    pcsc_reader *r = (pcsc_reader *)base;
    if (r->connected)
        SCardDisconnect(r->card, SCARD_LEAVE_CARD);
    if (r->have_ctx)
        SCardReleaseContext(r->ctx);
    free(r);
}

static const jh_reader_ops pcsc_ops = {
    .kind = "pcsc",
    .power_on = p_power_on,
    .reset = p_reset,
    .power_off = p_power_off,
    .powered = p_powered,
    .transmit = p_transmit,
    .state = p_state,
    .set_sink = p_set_sink,
    .close = p_close,
};

int jh_reader_pcsc_open(jh_reader **out, const char *name, int index, char *err, size_t errcap)
{
    *out = NULL;
    pcsc_reader *r = calloc(1, sizeof *r);
    char *list = NULL;
    if (!r) {
        snprintf(err, errcap, "out of memory");
        return JC_ERR_NOMEM;
    }
    r->base.ops = &pcsc_ops;
    r->base.guard_irreversible = true;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &r->ctx);
    if (rv != SCARD_S_SUCCESS) {
        snprintf(err, errcap, "no PC/SC service (is pcscd running?): %s", pcsc_stringify_error(rv));
        goto fail;
    }
    r->have_ctx = true;
    DWORD len = 0;
    rv = SCardListReaders(r->ctx, NULL, NULL, &len);
    if (rv == SCARD_S_SUCCESS && len > 0) {
        list = malloc(len);
        if (!list) {
            snprintf(err, errcap, "out of memory");
            goto fail;
        }
        rv = SCardListReaders(r->ctx, NULL, list, &len);
    }
    if (rv != SCARD_S_SUCCESS) {
        snprintf(err, errcap, "no PC/SC reader: %s", pcsc_stringify_error(rv));
        goto fail;
    }
    int i = 0;
    const char *found = NULL;
    for (const char *p = list; p && *p; p += strlen(p) + 1, i++) {
        if ((name && !strcmp(p, name)) || (!name && i == index)) {
            found = p;
            break;
        }
    }
    if (!found) {
        if (name)
            snprintf(err, errcap, "no PC/SC reader named \"%s\" (see pcsc_scan or opensc-tool -l)",
                     name);
        else
            snprintf(err, errcap, "no PC/SC reader number %d (%d reader(s) present)", index, i);
        goto fail;
    }
    snprintf(r->name, sizeof r->name, "%s", found);
    snprintf(r->base.desc, sizeof r->base.desc, "pcsc \"%.200s\"", r->name);
    free(list);
    *out = &r->base;
    return 0;
fail:
    free(list);
    p_close(&r->base);
    return JC_ERR_IO;
}
