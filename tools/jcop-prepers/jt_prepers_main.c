/*
 * jt_prepers_main.c: jcop-prepers, the pre-personalization tutorial as a
 * safe guided tool. Subcommands (a table, one handler each): plan, backup,
 * twin, rehearse, apply, verify. The card is any PC/SC reader (--reader) or
 * the in-process virtual card (--image FILE, or a fresh one), reached through
 * the harness's reader interface. PROTECT and FUSE go to a card only from
 * `rehearse` (virtual cards; a PC/SC reader needs --allow-irreversible) and
 * from `apply --protect/--fuse` after a typed confirmation naming the card.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jc_card.h"
#include "jc_image.h"
#include "jc_store.h"
#include "jh_html.h"
#include "jh_util.h"
#include "jt_prepers.h"

typedef struct {
    const char *cmd;
    const char *reader;
    int reader_index;
    const char *image;
    const char *kt_hex;
    const char *profile;
    const char *plan_file;
    const char *save_plan;
    const char *backup_file;
    const char *out;
    const char *html;
    const char *key_hex[3];
    const char *all_keys_hex;
    const char *gpin_hex;
    const char *gpin_ascii;
    const char *lifecycle_hex;
    const char *atr_hist_hex;
    const char *atr_iface_hex;
    const char *kvn_hex;
    bool protect, fuse, yes, allow_irreversible, show_keys, quiet;
    const char *applet; /* rehearse: a CAP file to load, install and talk to */
    const char *send[16], *send_after[16];
    size_t n_send, n_send_after;
} jt_opts;

static int jt_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int jt_err(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("jcop-prepers: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static int jt_hex_arg(const char *name, const char *v, uint8_t *out, size_t min, size_t max,
                      size_t *n)
{
    int k = jh_hex_parse(v, out, max);
    if (k < (int)min || k > (int)max) {
        if (min == max)
            return jt_err(JT_EXIT_USAGE, "--%s takes %zu hex bytes", name, min);
        return jt_err(JT_EXIT_USAGE, "--%s takes %zu to %zu hex bytes", name, min, max);
    }
    if (n)
        *n = (size_t)k;
    return 0;
}

/* ---- the plan from options ------------------------------------------------- */

static int jt_build_plan(const jt_opts *o, jt_plan *p, bool *random_keys)
{
    char err[300];
    *random_keys = false;
    if (o->plan_file) {
        int rc = jt_plan_load(p, o->plan_file, err, sizeof err);
        if (rc)
            return jt_err(rc, "%s", err);
        return 0;
    }
    jt_plan_defaults(p);
    if (o->profile)
        snprintf(p->profile, sizeof p->profile, "%s", o->profile);
    bool keys = false;
    if (o->all_keys_hex) {
        if (jt_hex_arg("key", o->all_keys_hex, p->key[0], 16, 16, NULL))
            return JT_EXIT_USAGE;
        memcpy(p->key[1], p->key[0], 16);
        memcpy(p->key[2], p->key[0], 16);
        keys = true;
    }
    static const char *const kn[3] = {"enc", "mac", "dek"};
    int given = 0;
    for (int k = 0; k < 3; k++)
        if (o->key_hex[k]) {
            if (jt_hex_arg(kn[k], o->key_hex[k], p->key[k], 16, 16, NULL))
                return JT_EXIT_USAGE;
            given++;
        }
    if (given && given < 3 && !keys)
        return jt_err(JT_EXIT_USAGE,
                      "give all three of --enc --mac --dek (or --key for all three)");
    keys = keys || given == 3;
    if (o->gpin_hex) {
        if (jt_hex_arg("gpin", o->gpin_hex, p->gpin, 1, 16, &p->gpin_len))
            return JT_EXIT_USAGE;
    } else if (o->gpin_ascii) {
        size_t n = strlen(o->gpin_ascii);
        if (n < 1 || n > 16)
            return jt_err(JT_EXIT_USAGE, "--gpin-ascii takes 1 to 16 characters");
        memcpy(p->gpin, o->gpin_ascii, n);
        p->gpin_len = n;
    }
    if (o->lifecycle_hex && jt_hex_arg("lifecycle", o->lifecycle_hex, &p->lifecycle, 1, 1, NULL))
        return JT_EXIT_USAGE;
    if (o->atr_hist_hex) {
        if (jt_hex_arg("atr-hist", o->atr_hist_hex, p->atr_hist, 0, 15, &p->atr_hist_len))
            return JT_EXIT_USAGE;
        p->have_atr_hist = true;
    }
    if (o->atr_iface_hex) {
        if (jt_hex_arg("atr-iface", o->atr_iface_hex, p->atr_iface, 1, 15, &p->atr_iface_len))
            return JT_EXIT_USAGE;
        p->have_atr_iface = true;
    }
    if (jt_plan_random(p, !keys, p->gpin_len == 0) != 0)
        return jt_err(JT_EXIT_ENV, "the system random source (getrandom) failed");
    *random_keys = !keys;
    int rc = jt_plan_check(p, err, sizeof err);
    if (rc)
        return jt_err(rc, "%s", err);
    if (o->save_plan) {
        if (access(o->save_plan, F_OK) == 0)
            return jt_err(JT_EXIT_USAGE,
                          "%s exists: choose a new file for the plan (it holds keys)",
                          o->save_plan);
        rc = jt_plan_save(p, o->save_plan, err, sizeof err);
        if (rc)
            return jt_err(rc, "%s", err);
        fprintf(stdout, "plan saved to %s (mode 0600; it holds the new keys)\n", o->save_plan);
    }
    return 0;
}

static void jt_print_keys(const jt_opts *o, const jt_plan *p, bool random_keys)
{
    static const char *const kn[3] = {"ENC (CM_KEY1)", "MAC (CM_KEY2)", "DEK (CM_KEY3)"};
    printf("profile %s, CM_LIFECYCLE %02X (%s after FUSE), GPIN %zu bytes\n", p->profile,
           p->lifecycle, jh_lcs_name(p->lifecycle), p->gpin_len);
    for (int k = 0; k < 3; k++) {
        printf("new %s: ", kn[k]);
        if (o->show_keys)
            jt_hex(stdout, p->key[k], 16);
        else
            printf("%s (hidden; --show-keys prints it)", random_keys ? "random" : "given");
        putchar('\n');
    }
    if (random_keys && !o->save_plan && !o->plan_file)
        printf("note: the keys are random and not saved anywhere: use --save-plan FILE to keep "
               "them\n");
}

/* ---- readers --------------------------------------------------------------- */

static int jt_open(const jt_opts *o, const char *image, const uint8_t *kt, jh_reader **rd)
{
    char err[256] = "";
    int rc;
    if (o->reader || o->reader_index >= 0) {
        rc = jh_reader_pcsc_open(rd, o->reader, o->reader_index >= 0 ? o->reader_index : 0, err,
                                 sizeof err);
    } else if (image) {
        jh_card_opts co = {.image = image, .profile = o->profile, .kt = kt};
        rc = jh_reader_card_open(rd, &co, err, sizeof err);
    } else {
        return jt_err(JT_EXIT_USAGE,
                      "%s needs a card: --reader NAME (PC/SC) or --image FILE (virtual card)",
                      o->cmd);
    }
    if (rc < 0)
        return jt_err(JT_EXIT_ENV, "%s", err[0] ? err : jc_strerror(rc));
    return 0;
}

static int jt_kt(const jt_opts *o, uint8_t kt[16], bool required)
{
    if (!o->kt_hex) {
        if (required)
            return jt_err(
                JT_EXIT_USAGE,
                "give the card's transport key with --kt HEX (16 bytes, from the seller)");
        return 1;
    }
    return jt_hex_arg("kt", o->kt_hex, kt, 16, 16, NULL);
}

static const jc_profile *jt_profile(const jt_opts *o, const jt_plan *p)
{
    const char *name = p ? p->profile : o->profile;
    const jc_profile *pr = name ? jc_profile_find(name) : NULL;
    return pr ? pr : jc_profile_default();
}

/* IDENTIFY and require a given fuse state (0 unfused, 1 fused). Returns 0 or an exit code. */
static int jt_require_fuse_state(jt_session *s, int want, uint8_t *id, size_t *idlen)
{
    uint8_t buf[32];
    int n = jt_identify(s, buf, sizeof buf);
    if (n < 15) {
        fprintf(stderr, "jcop-prepers: the card does not answer JCOP IDENTIFY: not a JCOP card?\n");
        return JT_EXIT_FAIL;
    }
    if (id) {
        memcpy(id, buf, (size_t)n);
        *idlen = (size_t)n;
    }
    if (buf[14] != want) {
        fprintf(stderr, "jcop-prepers: the card is %s (IDENTIFY byte 14 = %02X)%s\n",
                buf[14] == 1 ? "already fused" : "not fused", buf[14],
                buf[14] == 1 ? ": nothing to pre-personalize; use 'verify'" : "");
        return JT_EXIT_FAIL;
    }
    return 0;
}

static int jt_select_boot(jt_session *s, const uint8_t kt[16])
{
    jt_plan dummy;
    jt_plan_defaults(&dummy);
    jt_step st[2];
    jt_step *all = calloc(JT_STEPS_MAX, sizeof *all);
    if (!all)
        return JT_EXIT_ENV;
    jt_plan_steps(&dummy, kt, false, false, all, JT_STEPS_MAX);
    st[0] = all[0];
    st[1] = all[1];
    free(all);
    int rc = jt_run_step(s, &st[0]);
    if (rc == 1) {
        fprintf(stderr,
                "jcop-prepers: the transport key was refused (wrong KT, or a fused card)\n");
        return JT_EXIT_FAIL;
    }
    if (rc < 0)
        return JT_EXIT_ENV;
    rc = jt_run_step(s, &st[1]);
    return rc == 0 ? 0 : rc < 0 ? JT_EXIT_ENV : JT_EXIT_FAIL;
}

/* READ MEMORY of n bytes at addr into out (chunks of 255). Returns 0 or an exit code. */
static int jt_read_mem(jt_session *s, uint32_t addr, size_t n, uint8_t *out, bool secret,
                       const char *what)
{
    uint8_t c[5], r[300];
    size_t done = 0;
    while (done < n) {
        size_t k = n - done > 255 ? 255 : n - done;
        uint32_t a = addr + (uint32_t)done;
        c[0] = (uint8_t)(a >> 16), c[1] = 0xB0, c[2] = (uint8_t)(a >> 8), c[3] = (uint8_t)a,
        c[4] = (uint8_t)k;
        int rn = jt_xchg(s, what, c, 5, secret, r, sizeof r);
        if (rn < 0)
            return JT_EXIT_ENV;
        if (rn != (int)k + 2 || r[rn - 2] != 0x90 || r[rn - 1] != 0x00) {
            fprintf(stderr, "jcop-prepers: READ MEMORY 0x%06X failed (SW %02X%02X)\n", a, r[rn - 2],
                    r[rn - 1]);
            return JT_EXIT_FAIL;
        }
        memcpy(out + done, r, k);
        done += k;
    }
    return 0;
}

/* ---- subcommands ------------------------------------------------------------- */

static int jt_cmd_plan(const jt_opts *o)
{
    jt_plan p;
    bool rnd;
    int rc = jt_build_plan(o, &p, &rnd);
    if (rc)
        return rc;
    uint8_t kt[16] = {0};
    if (o->kt_hex && jt_kt(o, kt, true))
        return JT_EXIT_USAGE;
    jt_print_keys(o, &p, rnd);
    jt_step *st = calloc(JT_STEPS_MAX, sizeof *st);
    if (!st)
        return JT_EXIT_ENV;
    size_t n = jt_plan_steps(&p, kt, true, true, st, JT_STEPS_MAX);
    jh_explainer ex;
    jh_explanation *x = malloc(sizeof *x);
    if (!x) {
        free(st);
        return JT_EXIT_ENV;
    }
    jh_explain_init(&ex, p.profile);
    jh_explain_assume(&ex, JC_CS_UNFUSED_IDLE, 0);
    printf("\nThe sequence (%zu APDUs). Reads of old values and read-backs check every write "
           "before PROTECT.\n",
           n);
    for (size_t i = 0; i < n; i++) {
        const jt_step *s = &st[i];
        printf("\n%2zu. %s\n    ", i + 1, s->what);
        bool hide =
            s->secret && !o->show_keys && s->kind != JT_STEP_READ && s->kind != JT_STEP_CHECK;
        for (size_t b = 0; b < s->len; b++) {
            if (s->kind == JT_STEP_SELECT_KT && b >= 5 && !o->kt_hex)
                fputs("KT", stdout); /* no --kt: the seller's transport key goes here */
            else if (hide && b >= 5)
                fputs("**", stdout);
            else
                printf("%02X", s->capdu[b]);
        }
        putchar('\n');
        /* explain as if the card answered 9000 */
        uint8_t ok[300];
        size_t rl = 0;
        if (s->kind == JT_STEP_READ || s->kind == JT_STEP_CHECK)
            rl = s->n;
        memset(ok, 0, rl);
        if (s->kind == JT_STEP_CHECK)
            memcpy(ok, s->want, rl);
        ok[rl] = 0x90, ok[rl + 1] = 0x00;
        jh_explain_exchange(&ex, s->capdu, s->len, ok, rl + 2, x);
        for (size_t k = 0; k < x->n; k++) {
            const char *t = x->line[k].text;
            if (x->line[k].kind == JH_XL_STATUS || strncmp(t, "read ", 5) == 0)
                continue;
            if (s->secret && !o->show_keys && strncmp(t, "new bytes ", 10) == 0)
                t = "new bytes (hidden; --show-keys prints them)";
            printf("    %s%s\n",
                   x->line[k].kind == JH_XL_STATE  ? "* "
                   : x->line[k].kind == JH_XL_WARN ? "! "
                                                   : "",
                   t);
        }
    }
    printf(
        "\nNot written: the bytes a public vendor script also writes (0xC00122, 0xC00124, 0xC0029A "
        "and\nthe bytes before the second and third key records): their meaning is not "
        "published.\n");
    printf(
        "\nAfter FUSE: power the card up again, SELECT the ISD, authenticate (SCP02) with the new "
        "keys and\n"
        "list the registry. 'jcop-prepers rehearse' runs all of this on a virtual card first.\n");
    free(x);
    free(st);
    return 0;
}

static int jt_cmd_backup(const jt_opts *o)
{
    uint8_t kt[16];
    if (jt_kt(o, kt, true))
        return JT_EXIT_USAGE;
    const char *out = o->backup_file ? o->backup_file : o->out;
    if (!out)
        return jt_err(JT_EXIT_USAGE, "backup needs --out FILE (created with mode 0600)");
    if (access(out, F_OK) == 0)
        return jt_err(JT_EXIT_USAGE, "%s exists: a backup is never overwritten", out);
    jh_reader *rd;
    int rc = jt_open(o, o->image, NULL, &rd);
    if (rc)
        return rc;
    jt_session s;
    if (jt_session_open(&s, rd, "jcop-prepers backup", stdout, !o->quiet, o->show_keys) != 0) {
        jh_reader_close(rd);
        return JT_EXIT_ENV;
    }
    const jc_profile *pr = jt_profile(o, NULL);
    jt_backup b;
    memset(&b, 0, sizeof b);
    snprintf(b.reader, sizeof b.reader, "%s", rd->desc);
    memcpy(b.kt, kt, 16);
    uint8_t atr[40];
    int n = jt_power_on(&s, atr, sizeof atr);
    if (n < 0) {
        rc = JT_EXIT_ENV;
        goto done;
    }
    b.atr_len = (size_t)n < sizeof b.atr ? (size_t)n : sizeof b.atr;
    memcpy(b.atr, atr, b.atr_len);
    if ((rc = jt_require_fuse_state(&s, 0, b.identify, &b.identify_len)))
        goto done;
    if ((rc = jt_select_boot(&s, kt)))
        goto done;
    for (int k = 0; k < 3; k++) {
        char w[64];
        snprintf(w, sizeof w, "read CM_KEY%d", k + 1);
        if ((rc = jt_read_mem(&s, pr->cm_key_addr[k], 16, b.cm_key[k], true, w)))
            goto done;
    }
    if ((rc =
             jt_read_mem(&s, pr->cm_lifecycle_addr, 1, &b.lifecycle, false, "read CM_LIFECYCLE")) ||
        (rc = jt_read_mem(&s, pr->gpin_len_addr, 1, &b.gpin_len, false, "read GPIN_LEN")))
        goto done;
    size_t gl = b.gpin_len >= 1 && b.gpin_len <= 16 ? b.gpin_len : 16;
    if ((rc = jt_read_mem(&s, pr->gpin_addr, gl, b.gpin, true, "read GPIN")))
        goto done;
    if ((rc = jt_read_mem(&s, pr->atr_iface_addr - 3, sizeof b.cold, b.cold, false,
                          "read the cold-start configuration block")) ||
        (rc = jt_read_mem(&s, pr->atr_iface_addr - 3 + pr->atr_warm_offset, sizeof b.warm, b.warm,
                          false, "read the warm-start configuration block")))
        goto done;
    jt_card_name(b.identify, b.identify_len, (const uint8_t(*)[16])b.cm_key, b.name, sizeof b.name);
    char err[300];
    if ((rc = jt_backup_save(&b, out, err, sizeof err))) {
        jt_err(rc, "%s", err);
        goto done;
    }
    printf(
        "\nbackup of card %s saved to %s (mode 0600: it holds the transport key and the CM keys)\n",
        b.name, out);
    rc = 0;
done:
    jt_power_off(&s);
    jt_session_close(&s);
    jh_reader_close(rd);
    memset(&b, 0, sizeof b);
    return rc;
}

static int jt_rnd(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    return jt_random(out, n) == 0 ? 0 : JC_ERR_RANDOM;
}

static int jt_cmd_twin(const jt_opts *o)
{
    uint8_t kt[16];
    if (jt_kt(o, kt, true))
        return JT_EXIT_USAGE;
    if (!o->out)
        return jt_err(JT_EXIT_USAGE, "twin needs --out IMAGE (a new card image file)");
    if (access(o->out, F_OK) == 0)
        return jt_err(JT_EXIT_USAGE, "%s exists: the twin goes to a new file", o->out);
    jh_reader *rd;
    int rc = jt_open(o, o->image, NULL, &rd);
    if (rc)
        return rc;
    jt_session s;
    if (jt_session_open(&s, rd, "jcop-prepers twin", stdout, !o->quiet, o->show_keys) != 0) {
        jh_reader_close(rd);
        return JT_EXIT_ENV;
    }
    jc_pstate *st = calloc(1, sizeof *st);
    uint8_t atr[40];
    rc = JT_EXIT_ENV;
    if (!st || jt_power_on(&s, atr, sizeof atr) < 0)
        goto done;
    if ((rc = jt_require_fuse_state(&s, 0, NULL, NULL)) || (rc = jt_select_boot(&s, kt)))
        goto done;
    const jc_profile *pr = jt_profile(o, NULL);
    if (jc_pstate_init(st, pr->name, kt, jt_rnd, NULL) != 0) {
        rc = jt_err(JT_EXIT_ENV, "cannot make a card of profile %s", pr->name);
        goto done;
    }
    printf("reading the whole memory window 0x%06X..0x%06X (%u bytes)...\n", JC_MEM_BASE,
           JC_MEM_END - 1, (unsigned)JC_MEM_SIZE);
    s.quiet_io = true;
    rc = jt_read_mem(&s, JC_MEM_BASE, JC_MEM_SIZE, st->mem, true, "read the memory window");
    s.quiet_io = false;
    if (rc)
        goto done;
    jc_store *store;
    int e = jc_store_create_file(&store, o->out, st);
    if (e < 0) {
        char why[300];
        rc = jt_err(JT_EXIT_ENV, "cannot create %s: %s", o->out,
                    jc_store_reason(o->out, e, true, why, sizeof why));
        goto done;
    }
    jc_store_close(store);
    printf("twin saved to %s: an unfused %s card with this card's memory and transport key (mode "
           "0600)\n"
           "rehearse on it with: jcop-prepers rehearse --image %s --plan PLAN\n",
           o->out, pr->name, o->out);
    rc = 0;
done:
    jt_power_off(&s);
    jt_session_close(&s);
    jh_reader_close(rd);
    if (st)
        memset(st, 0, sizeof *st);
    free(st);
    return rc;
}

/* Run the writes (and PROTECT/FUSE when asked); checks_only skips the writes
 * and only reads back (a card that already holds the plan). Returns 0 or an exit code. */
static int jt_run_plan(jt_session *s, const jt_plan *p, const uint8_t kt[16], bool protect,
                       bool fuse, bool checks_only)
{
    jt_step *st = calloc(JT_STEPS_MAX, sizeof *st);
    if (!st)
        return JT_EXIT_ENV;
    size_t n = jt_plan_steps(p, kt, protect, fuse, st, JT_STEPS_MAX);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (checks_only && st[i].kind == JT_STEP_WRITE)
            continue;
        int r = jt_run_step(s, &st[i]);
        rc = r == 0 ? 0 : r < 0 ? JT_EXIT_ENV : JT_EXIT_FAIL;
        if (rc)
            fprintf(stderr, "jcop-prepers: stopped at step %zu (%s)%s\n", i + 1, st[i].what,
                    i + 1 < n && (st[n - 1].kind == JT_STEP_FUSE) ? ": FUSE was not sent" : "");
    }
    free(st);
    return rc;
}

/* After FUSE: IDENTIFY, authenticate with the new keys, list the registry. cycle:
 * power the card off and on first (after a FUSE in the same session); verify
 * has just powered the card up, and one power-up shows one "power on". */
static int jt_check_fused(jt_session *s, const jt_plan *p, uint8_t kvn, bool cycle)
{
    uint8_t atr[40];
    const jc_profile *pr = jc_profile_find(p->profile);
    if (!pr)
        pr = jc_profile_default();
    if (cycle) {
        jt_power_off(s);
        if (jt_power_on(s, atr, sizeof atr) < 0)
            return JT_EXIT_ENV;
    }
    int rc = jt_require_fuse_state(s, 1, NULL, NULL);
    if (rc)
        return rc;
    int a = jt_authenticate(s, pr, (const uint8_t(*)[16])p->key, kvn);
    if (a != 0)
        return a < 0 ? JT_EXIT_ENV : JT_EXIT_FAIL;
    uint8_t lcs = 0;
    if (jt_get_status(s, 0x80, &lcs) != 0)
        return JT_EXIT_FAIL;
    jt_get_status(s, 0x40, NULL);
    jt_get_status(s, 0x20, NULL);
    printf("\ncard life cycle: %s (%02X)\n", jh_lcs_name(lcs), lcs);
    if (lcs != p->lifecycle) {
        printf("FAILED: the plan's CM_LIFECYCLE %02X should give %s\n", p->lifecycle,
               jh_lcs_name(p->lifecycle));
        return JT_EXIT_FAIL;
    }
    return 0;
}

static uint8_t jt_kvn(const jt_opts *o)
{
    uint8_t k = 0;
    if (o->kvn_hex)
        jh_hex_parse(o->kvn_hex, &k, 1);
    return k;
}

/* Names of the secret fields (keys, GPIN) of the profile, for the report. */
static void jt_secret_fields(const jc_profile *pr, const char *names[5])
{
    uint32_t addr[4] = {pr->cm_key_addr[0], pr->cm_key_addr[1], pr->cm_key_addr[2], pr->gpin_addr};
    int n = 0;
    for (int i = 0; i < 4; i++) {
        jh_field f;
        if (jh_field_find(pr->name, addr[i], &f, NULL) == 0)
            names[n++] = f.name;
    }
    names[n] = NULL;
}

static int jt_cmd_rehearse(const jt_opts *o)
{
    jt_plan p;
    bool rnd;
    int rc = jt_build_plan(o, &p, &rnd);
    if (rc)
        return rc;
    const jc_profile *pr = jt_profile(o, &p);
    bool pcsc = o->reader || o->reader_index >= 0;
    if (pcsc && !o->allow_irreversible)
        return jt_err(
            JT_EXIT_USAGE,
            "rehearse on a PC/SC reader sends PROTECT and FUSE: no reader is trusted by its "
            "name, so add --allow-irreversible when it is a virtual card (jcopsim)");
    jt_print_keys(o, &p, rnd);
    char dir[] = "/tmp/jcop-prepers-XXXXXX", image[64] = "";
    uint8_t kt[16];
    jc_pstate *before = calloc(1, sizeof *before), *after = calloc(1, sizeof *after);
    if (!before || !after) {
        free(before), free(after);
        return JT_EXIT_ENV;
    }
    jh_reader *rd = NULL;
    if (!pcsc) {
        /* a twin image (copied: the twin stays unfused) or a fresh card */
        if (!mkdtemp(dir)) {
            rc = jt_err(JT_EXIT_ENV, "cannot make a folder in /tmp: %s", strerror(errno));
            goto out;
        }
        snprintf(image, sizeof image, "%s/card.img", dir);
        if (o->image) {
            jc_store *src;
            int e = jc_store_open_file(&src, o->image, before);
            if (e < 0) {
                char why[300];
                rc = jt_err(JT_EXIT_ENV, "cannot load the twin %s: %s", o->image,
                            jc_store_reason(o->image, e, false, why, sizeof why));
                goto out;
            }
            jc_store_close(src);
            if (before->flags & JC_PF_FUSED) {
                rc = jt_err(JT_EXIT_FAIL, "%s is already fused: rehearse needs an unfused twin",
                            o->image);
                goto out;
            }
            printf("rehearsing on a copy of the twin %s (the twin itself stays unfused)\n",
                   o->image);
        } else {
            uint8_t k[16];
            if (jt_kt(o, k, false) == 0)
                memcpy(kt, k, 16);
            else if (jt_random(kt, 16) != 0) {
                rc = jt_err(JT_EXIT_ENV, "getrandom failed");
                goto out;
            }
            if (jc_pstate_init(before, pr->name, kt, jt_rnd, NULL) != 0) {
                rc = jt_err(JT_EXIT_ENV, "cannot make a %s card", pr->name);
                goto out;
            }
            printf("rehearsing on a fresh virtual %s card\n", pr->name);
        }
        memcpy(kt, before->kt, 16);
        jc_store *st;
        int e = jc_store_create_file(&st, image, before);
        if (e < 0) {
            rc = jt_err(JT_EXIT_ENV, "cannot create %s: %s", image, jc_strerror(e));
            goto out;
        }
        jc_store_close(st);
        if ((rc = jt_open(o, image, NULL, &rd)))
            goto out;
    } else {
        if (jt_kt(o, kt, true)) {
            rc = JT_EXIT_USAGE;
            goto out;
        }
        if ((rc = jt_open(o, NULL, NULL, &rd)))
            goto out;
        printf("rehearsing on the PC/SC reader's card (--allow-irreversible given)\n");
    }
    jt_session s;
    if (jt_session_open(&s, rd, "jcop-prepers rehearsal", stdout, !o->quiet, o->show_keys) != 0) {
        rc = JT_EXIT_ENV;
        goto out;
    }
    uint8_t atr[40];
    printf("\n== 1. power on and identify\n");
    if (jt_power_on(&s, atr, sizeof atr) < 0)
        rc = JT_EXIT_ENV;
    if (!rc)
        rc = jt_require_fuse_state(&s, 0, NULL, NULL);
    if (!rc) {
        printf("\n== 2. pre-personalization: SELECT, BOOT, writes with read-back, PROTECT, FUSE\n");
        rc = jt_run_plan(&s, &p, kt, true, true, false);
    }
    if (!rc) {
        printf("\n== 3. the fused card: authenticate with the new keys, list the registry\n");
        rc = jt_check_fused(&s, &p, jt_kvn(o), true);
    }
    if (!rc && o->applet) {
        printf("\n== 4. an applet: load, install, select and talk to it over the new keys\n");
        rc = jt_run_applet(&s, o->applet, o->send, o->n_send, o->send_after, o->n_send_after);
    }
    jt_power_off(&s);
    s.t.status = rc;
    jh_transcript_count(&s.t);
    printf("\n== rehearsal %s: %u steps held, %u failed\n", rc == 0 ? "PASSED" : "FAILED",
           s.t.n_pass, s.t.n_fail + s.t.n_error);
    if (rc == 0)
        printf("SCP02 authentication with the new keys succeeded on the fused card: the plan is "
               "safe to apply.\n");
    if (rc == 0 && o->applet)
        printf("The applet of %s was loaded, installed and answered as expected.\n", o->applet);
    if (o->html) {
        bool have_after = false;
        if (!pcsc) {
            jc_store *st;
            if (jc_store_open_file(&st, image, after) == 0) {
                jc_store_close(st);
                have_after = true;
            }
        }
        const char *secret[5];
        jt_secret_fields(pr, secret);
        jh_html_opts ho = {
            .title = o->show_keys ? "jcop-prepers rehearsal"
                                  : "jcop-prepers rehearsal (keys and GPIN masked)",
            .profile = pr->name,
            .mem_before = pcsc ? NULL : before->mem,
            .mem_after = have_after ? after->mem : NULL,
            .initial_state = -1,
            .masked_fields = o->show_keys ? NULL : secret,
        };
        if (jh_html_write_file(o->html, &s.t, &ho) != 0)
            fprintf(stderr, "jcop-prepers: cannot write %s\n", o->html);
        else
            printf("HTML report: %s\n", o->html);
    }
    jt_session_close(&s);
out:
    jh_reader_close(rd);
    if (image[0])
        unlink(image);
    if (dir[strlen(dir) - 1] != 'X')
        rmdir(dir);
    jc_pstate_release(before); /* the VM state section the loads allocated */
    jc_pstate_release(after);
    memset(before, 0, sizeof *before);
    memset(after, 0, sizeof *after);
    free(before), free(after);
    memset(&p, 0, sizeof p);
    return rc;
}

/* Typed confirmation naming the card. Returns true when the user typed the name. */
static bool jt_confirm(const jt_opts *o, const char *action, const char *name)
{
    if (o->yes) {
        printf("%s: confirmed by --yes for card %s\n", action, name);
        return true;
    }
    printf("\n%s cannot be undone. Type the card's name (%s) to send it, anything else stops: ",
           action, name);
    fflush(stdout);
    char line[128];
    if (!fgets(line, sizeof line, stdin))
        return false;
    line[strcspn(line, "\r\n")] = 0;
    return strcmp(line, name) == 0;
}

static int jt_cmd_apply(const jt_opts *o)
{
    if (!o->plan_file || !o->backup_file)
        return jt_err(JT_EXIT_USAGE,
                      "apply needs --plan FILE (new keys) and --backup FILE (the card's identity)");
    if (o->fuse && !o->protect)
        return jt_err(JT_EXIT_USAGE,
                      "--fuse needs --protect too (the tutorial's order: writes, PROTECT, FUSE)");
    jt_plan p;
    jt_backup b;
    char err[300];
    int rc = jt_plan_load(&p, o->plan_file, err, sizeof err);
    if (rc)
        return jt_err(rc, "%s", err);
    if ((rc = jt_backup_load(&b, o->backup_file, err, sizeof err)))
        return jt_err(rc, "%s", err);
    uint8_t kt[16];
    memcpy(kt, b.kt, 16);
    if (o->kt_hex && jt_kt(o, kt, true))
        return JT_EXIT_USAGE;
    jh_reader *rd;
    if ((rc = jt_open(o, o->image, NULL, &rd)))
        return rc;
    jt_session s;
    if (jt_session_open(&s, rd, "jcop-prepers apply", stdout, !o->quiet, o->show_keys) != 0) {
        jh_reader_close(rd);
        return JT_EXIT_ENV;
    }
    const jc_profile *pr = jt_profile(o, &p);
    uint8_t atr[40], id[32], keys[3][16];
    size_t idlen = 0;
    printf("== 1. is this the card of the backup (%s)?\n", b.name);
    if (jt_power_on(&s, atr, sizeof atr) < 0) {
        rc = JT_EXIT_ENV;
        goto done;
    }
    if ((rc = jt_require_fuse_state(&s, 0, id, &idlen)) || (rc = jt_select_boot(&s, kt)))
        goto done;
    for (int k = 0; k < 3 && !rc; k++)
        rc = jt_read_mem(&s, pr->cm_key_addr[k], 16, keys[k], true,
                         "read a CM key to check the card's identity");
    if (rc)
        goto done;
    bool same_id = idlen == b.identify_len && memcmp(id, b.identify, idlen) == 0;
    bool old_keys = memcmp(keys, b.cm_key, sizeof keys) == 0;
    bool new_keys = memcmp(keys, p.key, sizeof keys) == 0;
    if (!same_id || !(old_keys || new_keys)) {
        fprintf(stderr,
                "jcop-prepers: REFUSED: this card is not the card of %s (%s): its %s differ%s.\n"
                "Make a backup of this card first (jcop-prepers backup).\n",
                o->backup_file, b.name, same_id ? "CM keys" : "IDENTIFY bytes", same_id ? "" : "s");
        rc = JT_EXIT_FAIL;
        goto done;
    }
    printf("  ok: the card is %s (%s)\n", b.name,
           new_keys ? "already holds the plan's keys" : "as backed up");
    if (new_keys) {
        /* a second run (e.g. after a PROTECT-only run): check, do not write again */
        printf(
            "\n== 2. the card already holds the plan's keys: reading every planned value back\n");
        if ((rc = jt_run_plan(&s, &p, kt, false, false, true))) {
            fprintf(stderr,
                    "jcop-prepers: the card holds the new keys but not every planned value%s\n",
                    "; if it is protected, it cannot be written any more");
            goto done;
        }
    } else {
        printf("\n== 2. writes with read-back\n");
        if ((rc = jt_run_plan(&s, &p, kt, false, false, false)))
            goto done;
    }
    if (!o->protect) {
        printf("\nStopped before PROTECT and FUSE (not asked): the card holds the new values and "
               "is still unfused.\n"
               "Rehearse, then run again with --protect --fuse.\n");
        goto done;
    }
    if (!jt_confirm(o, "PROTECT", b.name)) {
        printf(
            "PROTECT not sent: the name did not match. The card is written and still unfused.\n");
        rc = JT_EXIT_FAIL;
        goto done;
    }
    jt_step st[JT_STEPS_MAX];
    size_t n = jt_plan_steps(&p, kt, true, true, st, JT_STEPS_MAX);
    if ((rc = jt_run_step(&s, &st[n - 2])) != 0) {
        rc = rc < 0 ? JT_EXIT_ENV : JT_EXIT_FAIL;
        goto done;
    }
    if (!o->fuse) {
        printf("\nStopped before FUSE (not asked): the card is protected and still unfused.\n");
        goto done;
    }
    if (!jt_confirm(o, "FUSE", b.name)) {
        printf("FUSE not sent: the name did not match. The card is protected and still unfused.\n");
        rc = JT_EXIT_FAIL;
        goto done;
    }
    if ((rc = jt_run_step(&s, &st[n - 1])) != 0) {
        rc = rc < 0 ? JT_EXIT_ENV : JT_EXIT_FAIL;
        goto done;
    }
    printf("\n== 3. the fused card: authenticate with the new keys\n");
    rc = jt_check_fused(&s, &p, jt_kvn(o), true);
    if (rc == 0)
        printf("card %s is fused and answers to the new keys.\n", b.name);
done:
    jt_power_off(&s);
    jt_session_close(&s);
    jh_reader_close(rd);
    memset(&p, 0, sizeof p), memset(&b, 0, sizeof b), memset(keys, 0, sizeof keys);
    return rc;
}

static int jt_cmd_verify(const jt_opts *o)
{
    jt_plan p;
    bool rnd;
    if (!o->plan_file && !o->all_keys_hex && !o->key_hex[0])
        return jt_err(JT_EXIT_USAGE,
                      "verify needs the keys: --plan FILE, or --key / --enc --mac --dek");
    jt_opts o2 = *o;
    o2.save_plan = NULL;
    int rc = jt_build_plan(&o2, &p, &rnd);
    if (rc)
        return rc;
    jh_reader *rd;
    if ((rc = jt_open(o, o->image, NULL, &rd)))
        return rc;
    jt_session s;
    if (jt_session_open(&s, rd, "jcop-prepers verify", stdout, !o->quiet, o->show_keys) != 0) {
        jh_reader_close(rd);
        return JT_EXIT_ENV;
    }
    uint8_t atr[40];
    if (jt_power_on(&s, atr, sizeof atr) < 0)
        rc = JT_EXIT_ENV;
    else
        rc = jt_check_fused(&s, &p, jt_kvn(o), false);
    jt_power_off(&s);
    printf("\nverify: %s\n",
           rc == 0 ? "the card is fused and the keys open a secure channel" : "FAILED");
    jt_session_close(&s);
    jh_reader_close(rd);
    memset(&p, 0, sizeof p);
    return rc;
}

/* ---- command line -------------------------------------------------------------- */

typedef struct {
    const char *name;
    int (*fn)(const jt_opts *o);
    const char *summary;
} jt_command;

static const jt_command jt_commands[] = {
    {.name = "plan",
     .fn = jt_cmd_plan,
     .summary = "print the APDU sequence for the chosen keys, explained"},
    {.name = "backup",
     .fn = jt_cmd_backup,
     .summary = "save the card's CM keys, GPIN, ATR blocks and IDENTIFY (0600)"},
    {.name = "twin",
     .fn = jt_cmd_twin,
     .summary = "copy the card's whole memory window into a new card image"},
    {.name = "rehearse",
     .fn = jt_cmd_rehearse,
     .summary = "run the plan on a virtual card: write, PROTECT, FUSE, authenticate"},
    {.name = "apply",
     .fn = jt_cmd_apply,
     .summary = "run the plan on the real card (PROTECT/FUSE only when asked)"},
    {.name = "verify",
     .fn = jt_cmd_verify,
     .summary = "after FUSE: authenticate with the new keys, print the state"},
};

static void jt_usage(FILE *f)
{
    fprintf(f, "usage: jcop-prepers COMMAND [options]\n"
               "The JCOP pre-personalization tutorial as a safe guided tool.\n\nCommands:\n");
    for (size_t i = 0; i < sizeof jt_commands / sizeof jt_commands[0]; i++)
        fprintf(f, "  %-9s %s\n", jt_commands[i].name, jt_commands[i].summary);
    fprintf(
        f,
        "\nThe card:\n"
        "  -r, --reader NAME         a PC/SC reader, by exact name (a real card, or jcopsim "
        "through vpcd)\n"
        "      --reader-index N      a PC/SC reader by its index in the reader list\n"
        "  -i, --image FILE          an in-process virtual card image (jcop-image, or a twin)\n"
        "  -k, --kt HEX              the transport key (16 bytes); apply takes it from the backup\n"
        "  -P, --profile NAME        card profile (J2A040 default, J2E145)\n"
        "The plan:\n"
        "  -p, --plan FILE           read keys, GPIN, life cycle and ATR bytes from a plan file\n"
        "      --save-plan FILE      save the plan (new file, mode 0600)\n"
        "      --enc HEX --mac HEX --dek HEX, --key HEX (all three)   new CM keys (default: "
        "random)\n"
        "      --gpin HEX | --gpin-ascii TEXT   new GPIN, 1-16 bytes (default: 5 random digits)\n"
        "      --lifecycle HEX       CM_LIFECYCLE: 01 OP_READY (default), 07 INITIALIZED, 0F "
        "SECURED\n"
        "      --atr-iface HEX       T0 and interface bytes of the ATR (optional)\n"
        "      --atr-hist HEX        historical bytes of the ATR, at most 8 on J2A040 (optional)\n"
        "      --kvn HEX             key version for INITIALIZE UPDATE (default 00 = first set)\n"
        "An applet (rehearse, after the SCP02 authentication):\n"
        "      --applet CAP          load and install the CAP's first applet over SCP02, SELECT "
        "it\n"
        "      --send APDU           then send it this command (hex; expects 9000; repeatable)\n"
        "      --send-after-reset APDU   power-cycle, SELECT it again, send this (repeatable)\n"
        "Files and output:\n"
        "  -o, --out FILE            backup file / twin image (never overwritten)\n"
        "  -b, --backup FILE         backup file (backup: output; apply: the card's identity)\n"
        "      --html FILE           rehearse: write the HTML report\n"
        "      --show-keys           print keys and GPIN (masked otherwise)\n"
        "  -q, --quiet               no explanation lines\n"
        "Safety:\n"
        "      --protect             apply: send PROTECT after the writes (typed confirmation)\n"
        "      --fuse                apply: send FUSE after PROTECT (typed confirmation; "
        "irreversible)\n"
        "  -y, --yes                 apply: confirmations answered yes (scripts)\n"
        "      --allow-irreversible  rehearse on a PC/SC reader (only for a virtual card)\n"
        "  -h, --help, -V, --version\n"
        "\nExit status: 0 done, 1 a check failed or a refusal, 2 usage error, 3 environment error\n"
        "(no reader, no pcscd, unreadable file). The real-card paths have been exercised against\n"
        "jcopsim only.\n");
}

int main(int argc, char **argv)
{
    enum {
        O_READER_INDEX = 256,
        O_SAVE_PLAN,
        O_ENC,
        O_MAC,
        O_DEK,
        O_KEY,
        O_GPIN,
        O_GPIN_ASCII,
        O_LIFECYCLE,
        O_ATR_HIST,
        O_ATR_IFACE,
        O_KVN,
        O_HTML,
        O_SHOW_KEYS,
        O_PROTECT,
        O_FUSE,
        O_ALLOW,
        O_APPLET,
        O_SEND,
        O_SEND_AFTER
    };
    static const struct option opts[] = {
        {"reader", required_argument, NULL, 'r'},
        {"reader-index", required_argument, NULL, O_READER_INDEX},
        {"image", required_argument, NULL, 'i'},
        {"kt", required_argument, NULL, 'k'},
        {"profile", required_argument, NULL, 'P'},
        {"plan", required_argument, NULL, 'p'},
        {"save-plan", required_argument, NULL, O_SAVE_PLAN},
        {"enc", required_argument, NULL, O_ENC},
        {"mac", required_argument, NULL, O_MAC},
        {"dek", required_argument, NULL, O_DEK},
        {"key", required_argument, NULL, O_KEY},
        {"gpin", required_argument, NULL, O_GPIN},
        {"gpin-ascii", required_argument, NULL, O_GPIN_ASCII},
        {"lifecycle", required_argument, NULL, O_LIFECYCLE},
        {"atr-hist", required_argument, NULL, O_ATR_HIST},
        {"atr-iface", required_argument, NULL, O_ATR_IFACE},
        {"kvn", required_argument, NULL, O_KVN},
        {"out", required_argument, NULL, 'o'},
        {"backup", required_argument, NULL, 'b'},
        {"html", required_argument, NULL, O_HTML},
        {"show-keys", no_argument, NULL, O_SHOW_KEYS},
        {"quiet", no_argument, NULL, 'q'},
        {"protect", no_argument, NULL, O_PROTECT},
        {"fuse", no_argument, NULL, O_FUSE},
        {"yes", no_argument, NULL, 'y'},
        {"allow-irreversible", no_argument, NULL, O_ALLOW},
        {"applet", required_argument, NULL, O_APPLET},
        {"send", required_argument, NULL, O_SEND},
        {"send-after-reset", required_argument, NULL, O_SEND_AFTER},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    jt_opts o = {.reader_index = -1};
    int c;
    while ((c = getopt_long(argc, argv, "r:i:k:P:p:o:b:qyhV", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o.reader = optarg;
            break;
        case O_READER_INDEX: {
            char *e;
            long v = strtol(optarg, &e, 10);
            if (*e || v < 0 || v > 64)
                return jt_err(JT_EXIT_USAGE, "--reader-index takes a number 0..64");
            o.reader_index = (int)v;
            break;
        }
        case 'i':
            o.image = optarg;
            break;
        case 'k':
            o.kt_hex = optarg;
            break;
        case 'P':
            o.profile = optarg;
            break;
        case 'p':
            o.plan_file = optarg;
            break;
        case O_SAVE_PLAN:
            o.save_plan = optarg;
            break;
        case O_ENC:
            o.key_hex[0] = optarg;
            break;
        case O_MAC:
            o.key_hex[1] = optarg;
            break;
        case O_DEK:
            o.key_hex[2] = optarg;
            break;
        case O_KEY:
            o.all_keys_hex = optarg;
            break;
        case O_GPIN:
            o.gpin_hex = optarg;
            break;
        case O_GPIN_ASCII:
            o.gpin_ascii = optarg;
            break;
        case O_LIFECYCLE:
            o.lifecycle_hex = optarg;
            break;
        case O_ATR_HIST:
            o.atr_hist_hex = optarg;
            break;
        case O_ATR_IFACE:
            o.atr_iface_hex = optarg;
            break;
        case O_KVN:
            o.kvn_hex = optarg;
            break;
        case 'o':
            o.out = optarg;
            break;
        case 'b':
            o.backup_file = optarg;
            break;
        case O_HTML:
            o.html = optarg;
            break;
        case O_SHOW_KEYS:
            o.show_keys = true;
            break;
        case 'q':
            o.quiet = true;
            break;
        case O_PROTECT:
            o.protect = true;
            break;
        case O_FUSE:
            o.fuse = true;
            break;
        case 'y':
            o.yes = true;
            break;
        case O_ALLOW:
            o.allow_irreversible = true;
            break;
        case O_APPLET:
            o.applet = optarg;
            break;
        case O_SEND:
        case O_SEND_AFTER: {
            uint8_t b[262];
            int n = jh_unhex(optarg, (size_t)-1, b, sizeof b);
            if (n < 4)
                return jt_err(JT_EXIT_USAGE, "--%s takes a command APDU in hex (4 to 261 bytes)",
                              c == O_SEND ? "send" : "send-after-reset");
            const char **list = c == O_SEND ? o.send : o.send_after;
            size_t *cnt = c == O_SEND ? &o.n_send : &o.n_send_after;
            if (*cnt >= 16)
                return jt_err(JT_EXIT_USAGE, "at most 16 --send and 16 --send-after-reset");
            list[(*cnt)++] = optarg;
            break;
        }
        case 'h':
            jt_usage(stdout);
            return 0;
        case 'V':
            printf("jcop-prepers %s\n", JCOPSIM_VERSION);
            return 0;
        default:
            jt_usage(stderr);
            return JT_EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return jt_err(JT_EXIT_USAGE,
                      "give a command: plan, backup, twin, rehearse, apply or verify (see --help)");
    if (argc - optind > 1)
        return jt_err(JT_EXIT_USAGE, "one command at a time ('%s' is extra)", argv[optind + 1]);
    o.cmd = argv[optind];
    if (o.profile && !jc_profile_lookup(o.profile)) {
        char names[128];
        return jt_err(JT_EXIT_USAGE,
                      "unknown profile '%s': valid profiles are %s (case does not matter)",
                      o.profile, jc_profile_names(names, sizeof names));
    }
    if (o.profile)
        o.profile = jc_profile_lookup(o.profile)->name;
    if (o.reader && o.image)
        return jt_err(JT_EXIT_USAGE, "--reader and --image both name a card: choose one");
    if ((o.applet || o.n_send || o.n_send_after) && strcmp(o.cmd, "rehearse") != 0)
        return jt_err(JT_EXIT_USAGE, "--applet, --send and --send-after-reset belong to rehearse");
    if ((o.n_send || o.n_send_after) && !o.applet)
        return jt_err(JT_EXIT_USAGE, "--send and --send-after-reset need --applet CAP");
    if (o.kvn_hex) {
        uint8_t k;
        if (jh_hex_parse(o.kvn_hex, &k, 1) != 1)
            return jt_err(JT_EXIT_USAGE, "--kvn takes one hex byte");
    }
    for (size_t i = 0; i < sizeof jt_commands / sizeof jt_commands[0]; i++)
        if (strcmp(o.cmd, jt_commands[i].name) == 0)
            return jt_commands[i].fn(&o);
    return jt_err(JT_EXIT_USAGE,
                  "unknown command '%s' (plan, backup, twin, rehearse, apply, verify)", o.cmd);
}
