/*
 * jt_plan.c: the pre-personalization plan of jcop-prepers: its defaults and
 * checks, the APDU sequence it becomes (addresses from the card profile, the
 * one copy of the memory map), and the plan and backup files (mode 0600,
 * "key hex" lines) that carry keys between plan, rehearse, apply and verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jt_prepers.h"
#include "jc_sysrand.h"

int jt_random(uint8_t *out, size_t n)
{
    return jc_sysrand(NULL, out, n) == 0 ? 0 : JT_EXIT_ENV;
}

void jt_hex(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02X", b[i]);
}

static const jc_profile *jt_prof(const char *name)
{
    const jc_profile *p = name[0] ? jc_profile_find(name) : NULL;
    return p ? p : jc_profile_default();
}

void jt_plan_defaults(jt_plan *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->profile, sizeof p->profile, "%s", jc_profile_default()->name);
    p->lifecycle = 0x01;
}

int jt_plan_random(jt_plan *p, bool keys, bool gpin)
{
    if (keys && jt_random(&p->key[0][0], sizeof p->key) != 0)
        return JT_EXIT_ENV;
    if (gpin) {
        uint8_t r[5];
        if (jt_random(r, sizeof r) != 0)
            return JT_EXIT_ENV;
        for (size_t i = 0; i < 5; i++)
            p->gpin[i] = (uint8_t)('0' + r[i] % 10);
        p->gpin_len = 5;
    }
    return 0;
}

int jt_plan_check(const jt_plan *p, char *err, size_t cap)
{
    const jc_profile *pr = jc_profile_find(p->profile);
    if (!pr) {
        snprintf(err, cap, "unknown profile '%s'", p->profile);
        return JT_EXIT_USAGE;
    }
    if (p->lifecycle != 0x01 && p->lifecycle != 0x07 && p->lifecycle != 0x0F) {
        snprintf(err, cap,
                 "CM_LIFECYCLE must be 01 (OP_READY), 07 (INITIALIZED) or 0F (SECURED), not %02X",
                 p->lifecycle);
        return JT_EXIT_USAGE;
    }
    if (p->gpin_len < 1 || p->gpin_len > pr->gpin_max) {
        snprintf(err, cap, "the GPIN must have 1 to %u bytes", pr->gpin_max);
        return JT_EXIT_USAGE;
    }
    for (int k = 0; k < 3; k++) {
        bool zero = true;
        for (int i = 0; i < 16; i++)
            zero &= p->key[k][i] == 0;
        if (zero) {
            snprintf(err, cap,
                     "key %d is all zero: give real keys or let the tool draw random ones", k + 1);
            return JT_EXIT_USAGE;
        }
    }
    if (p->have_atr_iface &&
        (p->atr_iface_len < 1 || p->atr_iface_len + 1 > pr->atr_iface_field_len)) {
        snprintf(err, cap, "--atr-iface takes T0 and interface bytes: 1 to %u bytes",
                 pr->atr_iface_field_len - 1u);
        return JT_EXIT_USAGE;
    }
    if (p->have_atr_hist &&
        (p->atr_hist_len > 15 || p->atr_hist_len + 1 > pr->atr_hist_field_len)) {
        snprintf(err, cap, "--atr-hist takes at most %u historical bytes on %s",
                 (unsigned)(pr->atr_hist_field_len - 1 < 15 ? pr->atr_hist_field_len - 1 : 15),
                 pr->name);
        return JT_EXIT_USAGE;
    }
    return 0;
}

static jt_step *jt_add(jt_step *steps, size_t *n, size_t max, jt_step_kind k, const char *what)
{
    if (*n >= max)
        return NULL;
    jt_step *s = &steps[(*n)++];
    memset(s, 0, sizeof *s);
    s->kind = k;
    s->expect_sw = 0x9000;
    snprintf(s->what, sizeof s->what, "%s", what);
    return s;
}

static void jt_mem_apdu(jt_step *s, uint8_t ins, uint32_t addr, const uint8_t *data, size_t n)
{
    s->capdu[0] = (uint8_t)(addr >> 16);
    s->capdu[1] = ins;
    s->capdu[2] = (uint8_t)(addr >> 8);
    s->capdu[3] = (uint8_t)addr;
    s->capdu[4] = (uint8_t)n;
    s->addr = addr;
    s->n = n;
    if (data) {
        memcpy(s->capdu + 5, data, n);
        s->len = 5 + n;
    } else {
        s->len = 5;
    }
}

/* A field write plus its read-back check. */
static void jt_write_field(jt_step *steps, size_t *n, size_t max, uint32_t addr,
                           const uint8_t *data, size_t len, bool secret, const char *what)
{
    char w[96];
    snprintf(w, sizeof w, "write %s", what);
    jt_step *s = jt_add(steps, n, max, JT_STEP_WRITE, w);
    if (!s)
        return;
    jt_mem_apdu(s, 0xD6, addr, data, len);
    s->secret = secret;
    const uint8_t *written = s->capdu + 5; /* the steps array does not move */
    snprintf(w, sizeof w, "read back %s", what);
    s = jt_add(steps, n, max, JT_STEP_CHECK, w);
    if (!s)
        return;
    jt_mem_apdu(s, 0xB0, addr, NULL, len);
    s->secret = secret;
    s->want = written;
}

size_t jt_plan_steps(const jt_plan *p, const uint8_t kt[16], bool protect, bool fuse,
                     jt_step *steps, size_t max)
{
    const jc_profile *pr = jt_prof(p->profile);
    static const char *const key_what[3] = {"CM_KEY1 (new ENC key)", "CM_KEY2 (new MAC key)",
                                            "CM_KEY3 (new DEK key)"};
    size_t n = 0;
    jt_step *s =
        jt_add(steps, &n, max, JT_STEP_SELECT_KT, "select the root applet with the transport key");
    if (!s)
        return n;
    static const uint8_t sel[] = {0x00, 0xA4, 0x04, 0x00, 0x10};
    memcpy(s->capdu, sel, 5);
    memcpy(s->capdu + 5, kt, 16);
    s->len = 21;
    s->secret = true;
    s = jt_add(steps, &n, max, JT_STEP_BOOT, "BOOT: open the memory");
    if (!s)
        return n;
    static const uint8_t boot[] = {0x00, 0xF0, 0x00, 0x00};
    memcpy(s->capdu, boot, 4);
    s->len = 4;

    /* the values before, for the record */
    s = jt_add(steps, &n, max, JT_STEP_READ, "read CM_LIFECYCLE (old value)");
    if (!s)
        return n;
    jt_mem_apdu(s, 0xB0, pr->cm_lifecycle_addr, NULL, 1);
    for (int k = 0; k < 3; k++) {
        char w[96];
        snprintf(w, sizeof w, "read CM_KEY%d (old key)", k + 1);
        s = jt_add(steps, &n, max, JT_STEP_READ, w);
        if (!s)
            return n;
        jt_mem_apdu(s, 0xB0, pr->cm_key_addr[k], NULL, 16);
        s->secret = true;
    }
    s = jt_add(steps, &n, max, JT_STEP_READ, "read GPIN_LEN (old value)");
    if (!s)
        return n;
    jt_mem_apdu(s, 0xB0, pr->gpin_len_addr, NULL, 1);

    jt_write_field(steps, &n, max, pr->cm_lifecycle_addr, &p->lifecycle, 1, false, "CM_LIFECYCLE");
    for (int k = 0; k < 3; k++)
        jt_write_field(steps, &n, max, pr->cm_key_addr[k], p->key[k], 16, true, key_what[k]);
    uint8_t glen = (uint8_t)p->gpin_len;
    jt_write_field(steps, &n, max, pr->gpin_len_addr, &glen, 1, false, "GPIN_LEN");
    jt_write_field(steps, &n, max, pr->gpin_addr, p->gpin, p->gpin_len, true, "GPIN");
    uint8_t field[17];
    if (p->have_atr_iface) {
        /* the field: length, then T0 and the interface bytes (jcop-facts §2) */
        field[0] = (uint8_t)p->atr_iface_len;
        memcpy(field + 1, p->atr_iface, p->atr_iface_len);
        jt_write_field(steps, &n, max, pr->atr_iface_addr, field, p->atr_iface_len + 1, false,
                       "ATR T0 and interface bytes (cold start)");
        jt_write_field(steps, &n, max, pr->atr_iface_addr + pr->atr_warm_offset, field,
                       p->atr_iface_len + 1, false, "ATR T0 and interface bytes (warm start)");
    }
    if (p->have_atr_hist) {
        field[0] = (uint8_t)p->atr_hist_len;
        memcpy(field + 1, p->atr_hist, p->atr_hist_len);
        jt_write_field(steps, &n, max, pr->atr_hist_addr, field, p->atr_hist_len + 1, false,
                       "ATR historical bytes (cold start)");
        jt_write_field(steps, &n, max, pr->atr_hist_addr + pr->atr_warm_offset, field,
                       p->atr_hist_len + 1, false, "ATR historical bytes (warm start)");
    }
    if (protect) {
        s = jt_add(steps, &n, max, JT_STEP_PROTECT, "PROTECT: close the memory for writes");
        if (!s)
            return n;
        static const uint8_t prot[] = {0x00, 0x10, 0x00, 0x00};
        memcpy(s->capdu, prot, 4);
        s->len = 4;
    }
    if (fuse) {
        s = jt_add(steps, &n, max, JT_STEP_FUSE, "FUSE: end pre-personalization (irreversible)");
        if (!s)
            return n;
        memset(s->capdu, 0, 4);
        s->len = 4;
    }
    return n;
}

/* ---- files ------------------------------------------------------------------ */

static FILE *jt_create_0600(const char *path, char *err, size_t cap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, cap, "cannot create %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fchmod(fd, 0600) != 0) { /* an existing file keeps its mode otherwise */
        snprintf(err, cap, "cannot set mode 0600 on %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        snprintf(err, cap, "cannot write %s", path);
    }
    return f;
}

static int jt_close_written(FILE *f, const char *path, char *err, size_t cap)
{
    int bad = ferror(f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        snprintf(err, cap, "writing %s failed", path);
        return JT_EXIT_ENV;
    }
    return 0;
}

static void jt_kv_hex(FILE *f, const char *k, const uint8_t *b, size_t n)
{
    fprintf(f, "%s ", k);
    jt_hex(f, b, n);
    fputc('\n', f);
}

int jt_plan_save(const jt_plan *p, const char *path, char *err, size_t cap)
{
    FILE *f = jt_create_0600(path, err, cap);
    if (!f)
        return JT_EXIT_ENV;
    fprintf(f, "# jcop-prepers plan: the new keys of a card. Keep it secret (mode 0600).\n");
    fprintf(f, "profile %s\n", p->profile);
    jt_kv_hex(f, "enc", p->key[0], 16);
    jt_kv_hex(f, "mac", p->key[1], 16);
    jt_kv_hex(f, "dek", p->key[2], 16);
    jt_kv_hex(f, "gpin", p->gpin, p->gpin_len);
    fprintf(f, "lifecycle %02X\n", p->lifecycle);
    if (p->have_atr_iface)
        jt_kv_hex(f, "atr-iface", p->atr_iface, p->atr_iface_len);
    if (p->have_atr_hist)
        jt_kv_hex(f, "atr-hist", p->atr_hist, p->atr_hist_len);
    return jt_close_written(f, path, err, cap);
}

/* Read "key value" lines; calls set(ctx, key, value, line) for each; set returns 0 or -1 (bad). */
static int jt_read_kv(const char *path, int (*set)(void *ctx, const char *k, const char *v),
                      void *ctx, char *err, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, cap, "cannot read %s: %s", path, strerror(errno));
        return JT_EXIT_ENV;
    }
    char line[512];
    unsigned no = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        line[strcspn(line, "\r\n")] = 0;
        char *k = line;
        while (*k == ' ' || *k == '\t')
            k++;
        if (!*k || *k == '#')
            continue;
        char *v = k + strcspn(k, " \t");
        if (*v)
            *v++ = 0;
        while (*v == ' ' || *v == '\t')
            v++;
        if (set(ctx, k, v) != 0) {
            snprintf(err, cap, "%s:%u: bad line '%s'", path, no, k);
            rc = JT_EXIT_USAGE;
            break;
        }
    }
    fclose(f);
    return rc;
}

static int jt_hex_exact(const char *v, uint8_t *out, size_t n)
{
    return jh_hex_parse(v, out, n) == (int)n ? 0 : -1;
}

static int jt_plan_set(void *ctx, const char *k, const char *v)
{
    jt_plan *p = ctx;
    int n;
    if (strcmp(k, "profile") == 0) {
        if (strlen(v) >= sizeof p->profile)
            return -1;
        snprintf(p->profile, sizeof p->profile, "%s", v);
    } else if (strcmp(k, "enc") == 0) {
        return jt_hex_exact(v, p->key[0], 16);
    } else if (strcmp(k, "mac") == 0) {
        return jt_hex_exact(v, p->key[1], 16);
    } else if (strcmp(k, "dek") == 0) {
        return jt_hex_exact(v, p->key[2], 16);
    } else if (strcmp(k, "gpin") == 0) {
        if ((n = jh_hex_parse(v, p->gpin, sizeof p->gpin)) < 1)
            return -1;
        p->gpin_len = (size_t)n;
    } else if (strcmp(k, "lifecycle") == 0) {
        return jt_hex_exact(v, &p->lifecycle, 1);
    } else if (strcmp(k, "atr-iface") == 0) {
        if ((n = jh_hex_parse(v, p->atr_iface, sizeof p->atr_iface)) < 1)
            return -1;
        p->atr_iface_len = (size_t)n;
        p->have_atr_iface = true;
    } else if (strcmp(k, "atr-hist") == 0) {
        if ((n = jh_hex_parse(v, p->atr_hist, sizeof p->atr_hist)) < 0)
            return -1;
        p->atr_hist_len = (size_t)n;
        p->have_atr_hist = true;
    } else {
        return -1;
    }
    return 0;
}

int jt_plan_load(jt_plan *p, const char *path, char *err, size_t cap)
{
    jt_plan_defaults(p);
    int rc = jt_read_kv(path, jt_plan_set, p, err, cap);
    if (rc)
        return rc;
    char why[200];
    if (jt_plan_check(p, why, sizeof why) != 0) {
        snprintf(err, cap, "%s: %s", path, why);
        return JT_EXIT_USAGE;
    }
    return 0;
}

int jt_backup_save(const jt_backup *b, const char *path, char *err, size_t cap)
{
    FILE *f = jt_create_0600(path, err, cap);
    if (!f)
        return JT_EXIT_ENV;
    fprintf(f, "# jcop-prepers backup of an unfused card: its transport key and CM keys. Keep it "
               "secret.\n");
    fprintf(f, "name %s\n", b->name);
    fprintf(f, "reader %s\n", b->reader);
    jt_kv_hex(f, "atr", b->atr, b->atr_len);
    jt_kv_hex(f, "identify", b->identify, b->identify_len);
    jt_kv_hex(f, "kt", b->kt, 16);
    jt_kv_hex(f, "cm-key1", b->cm_key[0], 16);
    jt_kv_hex(f, "cm-key2", b->cm_key[1], 16);
    jt_kv_hex(f, "cm-key3", b->cm_key[2], 16);
    fprintf(f, "cm-lifecycle %02X\n", b->lifecycle);
    fprintf(f, "gpin-len %02X\n", b->gpin_len);
    jt_kv_hex(f, "gpin", b->gpin, b->gpin_len <= 16 ? b->gpin_len : 16);
    jt_kv_hex(f, "atr-cold-block", b->cold, sizeof b->cold);
    jt_kv_hex(f, "atr-warm-block", b->warm, sizeof b->warm);
    return jt_close_written(f, path, err, cap);
}

static int jt_backup_set(void *ctx, const char *k, const char *v)
{
    jt_backup *b = ctx;
    int n;
    if (strcmp(k, "name") == 0) {
        snprintf(b->name, sizeof b->name, "%s", v);
    } else if (strcmp(k, "reader") == 0) {
        snprintf(b->reader, sizeof b->reader, "%s", v);
    } else if (strcmp(k, "atr") == 0) {
        if ((n = jh_hex_parse(v, b->atr, sizeof b->atr)) < 0)
            return -1;
        b->atr_len = (size_t)n;
    } else if (strcmp(k, "identify") == 0) {
        if ((n = jh_hex_parse(v, b->identify, sizeof b->identify)) < 0)
            return -1;
        b->identify_len = (size_t)n;
    } else if (strcmp(k, "kt") == 0) {
        return jt_hex_exact(v, b->kt, 16);
    } else if (strncmp(k, "cm-key", 6) == 0 && k[6] >= '1' && k[6] <= '3' && !k[7]) {
        return jt_hex_exact(v, b->cm_key[k[6] - '1'], 16);
    } else if (strcmp(k, "cm-lifecycle") == 0) {
        return jt_hex_exact(v, &b->lifecycle, 1);
    } else if (strcmp(k, "gpin-len") == 0) {
        return jt_hex_exact(v, &b->gpin_len, 1);
    } else if (strcmp(k, "gpin") == 0) {
        return jh_hex_parse(v, b->gpin, sizeof b->gpin) < 0 ? -1 : 0;
    } else if (strcmp(k, "atr-cold-block") == 0) {
        return jt_hex_exact(v, b->cold, sizeof b->cold);
    } else if (strcmp(k, "atr-warm-block") == 0) {
        return jt_hex_exact(v, b->warm, sizeof b->warm);
    } else {
        return -1;
    }
    return 0;
}

int jt_backup_load(jt_backup *b, const char *path, char *err, size_t cap)
{
    memset(b, 0, sizeof *b);
    int rc = jt_read_kv(path, jt_backup_set, b, err, cap);
    if (rc == 0 && (!b->name[0] || b->identify_len < 15)) {
        snprintf(err, cap, "%s: not a complete jcop-prepers backup (name, identify missing)", path);
        rc = JT_EXIT_USAGE;
    }
    return rc;
}

void jt_card_name(const uint8_t *identify, size_t ilen, const uint8_t keys[3][16], char *out,
                  size_t cap)
{
    uint8_t md[32];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, identify, ilen) &&
        EVP_DigestUpdate(c, keys, 48) && EVP_DigestFinal_ex(c, md, &mdlen)) {
        /* mask name: IDENTIFY bytes 8..13, ASCII */
        char mask[7] = "JCOP";
        if (ilen >= 14) {
            for (int i = 0; i < 6; i++)
                mask[i] = (identify[8 + i] >= 0x21 && identify[8 + i] < 0x7F)
                              ? (char)identify[8 + i]
                              : '_';
            mask[6] = 0;
        }
        snprintf(out, cap, "%s-%02X%02X%02X%02X", mask, md[0], md[1], md[2], md[3]);
    } else {
        snprintf(out, cap, "unnamed-card");
    }
    EVP_MD_CTX_free(c);
}
