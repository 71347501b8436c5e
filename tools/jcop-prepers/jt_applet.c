/*
 * jt_applet.c: the last part of a rehearsal, from a fused card with its new
 * keys to a running applet. Over the SCP02 session jt_authenticate opened,
 * the host loads a CAP file into the card (INSTALL [for load], then the Load
 * File in LOAD blocks), installs the applet and makes it selectable, SELECTs
 * it and talks to it; optionally it powers the card off and on and talks to
 * it again, to show that the applet's state is kept in the card's persistent
 * memory. Every step is explained in plain words, printed and recorded in the
 * transcript (and so in the HTML report) like the rest of the rehearsal.
 */
#include <stdlib.h>
#include <string.h>

#include "jc_sw.h"
#include "jh_cap.h"
#include "jh_util.h"
#include "jt_prepers.h"

static size_t jt_put_lv(uint8_t *buf, size_t k, const uint8_t *v, size_t n)
{
    buf[k++] = (uint8_t)n;
    if (n)
        memcpy(buf + k, v, n);
    return k + n;
}

static void jt_aid_hex(const jh_cap_aid *a, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < a->len && k + 3 <= cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%02X", a->b[i]);
    if (k < cap)
        out[k] = 0;
}

/* One exchange expecting 9000 (or, for SELECT of the ISD, 6283 too); 0, 1 or <0. */
static int jt_expect_9000(jt_session *s, const char *what, const uint8_t *c, size_t n)
{
    uint8_t r[300];
    int rn = jt_xchg(s, what, c, n, false, r, sizeof r);
    if (rn < 0)
        return rn;
    uint16_t sw = (uint16_t)(r[rn - 2] << 8 | r[rn - 1]);
    if (sw != 0x9000) {
        char tb[96], msg[200];
        snprintf(msg, sizeof msg, "expected 9000, the card answered %04X (%s)", sw,
                 jc_sw_text(sw, tb, sizeof tb));
        fprintf(s->out, "  FAILED: %s\n", msg);
        jt_judge(s, false, "*9000", msg);
        return 1;
    }
    jt_judge(s, true, "*9000", NULL);
    return 0;
}

static int jt_select_applet(jt_session *s, const jh_cap_aid *aid, const char *hex)
{
    uint8_t c[32];
    char what[96];
    c[0] = 0x00, c[1] = 0xA4, c[2] = 0x04, c[3] = 0x00, c[4] = aid->len;
    memcpy(c + 5, aid->b, aid->len);
    c[5 + aid->len] = 0x00;
    /* SELECT of another application ends the ISD's secure channel (the
     * session library ends the host's too): later commands go to the applet
     * as they are. */
    snprintf(what, sizeof what, "SELECT the applet %s", hex);
    return jt_expect_9000(s, what, c, 6u + aid->len);
}

static int jt_send_list(jt_session *s, const char *const *apdus, size_t n)
{
    if (n)
        jt_note(s, "The next command(s) go to the applet's process method. Their meaning is the "
                   "applet's own: the explainer knows ISO and GlobalPlatform commands, so it "
                   "shows the bytes and the status word the applet chose.");
    for (size_t i = 0; i < n; i++) {
        uint8_t c[262];
        int len = jh_unhex(apdus[i], (size_t)-1, c, sizeof c);
        if (len < 4) {
            fprintf(stderr, "jcop-prepers: --send %s: not a command APDU in hex\n", apdus[i]);
            return JT_EXIT_USAGE;
        }
        char what[96];
        snprintf(what, sizeof what, "the applet's command INS %02X (CLA %02X)", c[1], c[0]);
        int rc = jt_expect_9000(s, what, c, (size_t)len);
        if (rc)
            return rc;
    }
    return 0;
}

int jt_run_applet(jt_session *s, const char *cap_path, const char *const *send, size_t n_send,
                  const char *const *after, size_t n_after)
{
    jh_cap cap;
    char err[256];
    if (jh_cap_read(cap_path, &cap, err, sizeof err) < 0) {
        fprintf(stderr, "jcop-prepers: %s: %s\n", cap_path, err);
        return JT_EXIT_ENV;
    }
    int rc = 0;
    uint8_t *lf = NULL;
    if (cap.n_applets == 0) {
        fprintf(stderr, "jcop-prepers: %s holds a library package (no applet to install)\n",
                cap_path);
        rc = JT_EXIT_USAGE;
        goto out;
    }
    long lf_len = jh_cap_load_file(&cap, NULL, 0);
    lf = lf_len > 0 ? malloc((size_t)lf_len) : NULL;
    if (!lf || jh_cap_load_file(&cap, lf, (size_t)lf_len) != lf_len) {
        fprintf(stderr, "jcop-prepers: cannot build the load file of %s\n", cap_path);
        rc = JT_EXIT_ENV;
        goto out;
    }
    char pkg[40], app[40];
    jt_aid_hex(&cap.pkg, pkg, sizeof pkg);
    jt_aid_hex(&cap.applets[0], app, sizeof app);
    const size_t block = 247; /* C-MAC adds 8 bytes: 5 + 247 + 8 fits a short APDU */
    size_t nblocks = ((size_t)lf_len + block - 1) / block;
    jt_note(s,
            "The CAP file %s holds the package %s (version %u.%u) with the applet %s. The card's "
            "Issuer Security Domain accepts new code only over the secure channel just opened: "
            "every command below carries a C-MAC made with the new keys.",
            cap_path, pkg, cap.pkg_major, cap.pkg_minor, app);

    uint8_t c[300];
    size_t k = 5;
    static const uint8_t none[1];
    k = jt_put_lv(c, k, cap.pkg.b, cap.pkg.len);
    k = jt_put_lv(c, k, none, 0); /* the ISD receives it */
    c[k++] = 0x00;                /* no load file data block hash */
    c[k++] = 0x00;                /* no load parameters */
    c[k++] = 0x00;                /* no load token */
    memcpy(c, (uint8_t[]){0x80, 0xE6, 0x02, 0x00, (uint8_t)(k - 5)}, 5);
    c[k++] = 0x00;
    if ((rc = jt_expect_9000(s, "INSTALL [for load] of the package", c, k)))
        goto out;
    jt_note(s,
            "LOAD sends the Load File: tag C4 and the CAP's components one after the other "
            "(Header, Directory, Import, Applet, Class, Method, StaticField, Export, ConstantPool, "
            "ReferenceLocation; Descriptor and Debug stay on the host), %ld bytes in %zu "
            "block(s); the last block (P1 80) makes the card link the package.",
            lf_len, nblocks);
    for (size_t i = 0; i < nblocks; i++) {
        size_t off = i * block;
        size_t n = (size_t)lf_len - off < block ? (size_t)lf_len - off : block;
        memcpy(c, (uint8_t[]){0x80, 0xE8, i + 1 == nblocks ? 0x80 : 0x00, (uint8_t)i, (uint8_t)n},
               5);
        memcpy(c + 5, lf + off, n);
        c[5 + n] = 0x00;
        char what[96];
        snprintf(what, sizeof what, "LOAD block %zu of %zu%s", i + 1, nblocks,
                 i + 1 == nblocks ? " (the last)" : "");
        if ((rc = jt_expect_9000(s, what, c, 6 + n)))
            goto out;
    }
    static const uint8_t params[] = {0xC9, 0x00};
    static const uint8_t priv = 0x00;
    k = 5;
    k = jt_put_lv(c, k, cap.pkg.b, cap.pkg.len);
    k = jt_put_lv(c, k, cap.applets[0].b, cap.applets[0].len);
    k = jt_put_lv(c, k, cap.applets[0].b, cap.applets[0].len);
    k = jt_put_lv(c, k, &priv, 1);
    k = jt_put_lv(c, k, params, sizeof params);
    c[k++] = 0x00; /* no install token */
    memcpy(c, (uint8_t[]){0x80, 0xE6, 0x0C, 0x00, (uint8_t)(k - 5)}, 5);
    c[k++] = 0x00;
    jt_note(s,
            "INSTALL [for install and make selectable] runs the applet's install method: the "
            "card creates the applet instance %s (privileges 00, empty application "
            "parameters C9 00) and makes it selectable.",
            app);
    if ((rc = jt_expect_9000(s, "INSTALL [for install and make selectable] of the applet", c, k)))
        goto out;
    jt_get_status(s, 0x40, NULL);
    jt_note(s, "The applet is in the registry. SELECT by its AID makes it the card's current "
               "application: the secure channel with the ISD ends, and every further command goes "
               "to the applet's process method.");
    if ((rc = jt_select_applet(s, &cap.applets[0], app)))
        goto out;
    if ((rc = jt_send_list(s, send, n_send)))
        goto out;
    if (n_after > 0) {
        uint8_t atr[40];
        jt_note(s, "Power off and on: the card forgets its RAM (the selection, transient arrays) "
                   "and keeps its persistent memory, where the applet instance and its fields "
                   "live.");
        jt_power_off(s);
        if (jt_power_on(s, atr, sizeof atr) < 0) {
            rc = JT_EXIT_ENV;
            goto out;
        }
        if ((rc = jt_select_applet(s, &cap.applets[0], app)))
            goto out;
        if ((rc = jt_send_list(s, after, n_after)))
            goto out;
    }
    jt_note(s, "The applet %s was loaded, installed, selected and answered through %s.", app,
            s->rd && s->rd->desc[0] ? s->rd->desc : "the reader");
out:
    free(lf);
    jh_cap_free(&cap);
    return rc;
}
