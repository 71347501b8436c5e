/*
 * jh_cap.c: CAP (ZIP) reader with libzip. Finds each component file by its
 * name under one `.../javacard/` folder, checks that its tag and u2 size
 * match the file, concatenates them in the reference load order, and lets
 * the card core's jc_loadfile parser read the package and applet AIDs from
 * the result, so host and card agree on what a Load File contains.
 */
#include "jh_cap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "jc_loadfile.h"

/* Reference load order; Descriptor (11) and Debug (12) are recognised and dropped. */
static const struct {
    const char *file;
    uint8_t tag;
    int load; /* 1 = part of the LFDB */
} components[] = {
    {.file = "Header.cap", .tag = 1, .load = 1},
    {.file = "Directory.cap", .tag = 2, .load = 1},
    {.file = "Import.cap", .tag = 4, .load = 1},
    {.file = "Applet.cap", .tag = 3, .load = 1},
    {.file = "Class.cap", .tag = 6, .load = 1},
    {.file = "Method.cap", .tag = 7, .load = 1},
    {.file = "StaticField.cap", .tag = 8, .load = 1},
    {.file = "Export.cap", .tag = 10, .load = 1},
    {.file = "ConstantPool.cap", .tag = 5, .load = 1},
    {.file = "RefLocation.cap", .tag = 9, .load = 1},
    {.file = "Descriptor.cap", .tag = 11, .load = 0},
    {.file = "Debug.cap", .tag = 12, .load = 0},
};
#define N_COMPONENTS (sizeof(components) / sizeof(components[0]))
#define COMPONENT_MAX (65535u + 3u)

static void set_err(char *err, size_t errlen, const char *msg, const char *arg)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
}

const char *jh_cap_strerror(int err)
{
    switch (err) {
    case JH_CAP_OK: return "success";
    case JH_CAP_ERR_IO: return "cannot read the CAP file";
    case JH_CAP_ERR_ZIP: return "not a ZIP archive";
    case JH_CAP_ERR_FORMAT: return "malformed CAP file";
    case JH_CAP_ERR_NOMEM: return "out of memory";
    case JH_CAP_ERR_ARG: return "invalid argument";
    default: return "unknown error";
    }
}

void jh_cap_free(jh_cap *cap)
{
    if (cap == NULL)
        return;
    free(cap->lfdb);
    for (size_t t = 0; t < JH_CAP_NTAGS; t++)
        free(cap->comp[t]);
    memset(cap, 0, sizeof(*cap));
}

/* Index of the component named by the last path element of name, or -1;
 * *dirlen gets the length of the folder part (up to and including '/'). */
static int component_of(const char *name, size_t *dirlen)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    *dirlen = (size_t)(base - name);
    /* The folder must be ".../javacard/" (or "javacard/"). */
    static const char jc[] = "javacard/";
    if (*dirlen < sizeof(jc) - 1 || memcmp(base - (sizeof(jc) - 1), jc, sizeof(jc) - 1) != 0)
        return -1;
    if (*dirlen > sizeof(jc) - 1 && base[-(int)sizeof(jc)] != '/')
        return -1;
    for (size_t i = 0; i < N_COMPONENTS; i++)
        if (strcmp(base, components[i].file) == 0)
            return (int)i;
    return -1;
}

static int read_entry(zip_t *z, zip_uint64_t idx, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z, idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        set_err(err, errlen, "cannot stat a ZIP entry", NULL);
        return JH_CAP_ERR_ZIP;
    }
    if (st.size < 3 || st.size > COMPONENT_MAX) {
        set_err(err, errlen, "component of impossible size", st.name);
        return JH_CAP_ERR_FORMAT;
    }
    uint8_t *buf = malloc((size_t)st.size);
    if (buf == NULL)
        return JH_CAP_ERR_NOMEM;
    zip_file_t *f = zip_fopen_index(z, idx, 0);
    zip_int64_t got = f ? zip_fread(f, buf, st.size) : -1;
    if (f)
        zip_fclose(f);
    if (got < 0 || (zip_uint64_t)got != st.size) {
        free(buf);
        set_err(err, errlen, "cannot read ZIP entry", st.name);
        return JH_CAP_ERR_ZIP;
    }
    *out = buf;
    *len = (size_t)st.size;
    return JH_CAP_OK;
}

static int read_zip(zip_t *z, jh_cap *cap, char *err, size_t errlen)
{
    uint8_t *data[N_COMPONENTS] = {0};
    size_t lens[N_COMPONENTS] = {0};
    char dir[256] = "";
    size_t dlen_seen = 0;
    int rc = JH_CAP_OK;
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n && rc == JH_CAP_OK; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
        size_t dlen;
        int c = name ? component_of(name, &dlen) : -1;
        if (c < 0)
            continue;
        if (dlen >= sizeof(dir)) {
            set_err(err, errlen, "package path too long", name);
            rc = JH_CAP_ERR_FORMAT;
        } else if (dlen_seen == 0 && dir[0] == '\0') {
            memcpy(dir, name, dlen);
            dir[dlen] = '\0';
            dlen_seen = dlen;
        } else if (dlen != dlen_seen || memcmp(dir, name, dlen) != 0) {
            set_err(err, errlen, "components of more than one package", name);
            rc = JH_CAP_ERR_FORMAT;
        }
        if (rc == JH_CAP_OK && data[c] != NULL) {
            set_err(err, errlen, "component twice", name);
            rc = JH_CAP_ERR_FORMAT;
        }
        if (rc == JH_CAP_OK)
            rc = read_entry(z, (zip_uint64_t)i, &data[c], &lens[c], err, errlen);
        if (rc == JH_CAP_OK) {
            size_t size = (size_t)data[c][1] << 8 | data[c][2];
            if (data[c][0] != components[c].tag || size + 3 != lens[c]) {
                set_err(err, errlen, "component tag or size does not match its file", name);
                rc = JH_CAP_ERR_FORMAT;
            }
        }
    }
    size_t total = 0;
    for (size_t c = 0; c < N_COMPONENTS && rc == JH_CAP_OK; c++)
        if (components[c].load && data[c] != NULL)
            total += lens[c];
    if (rc == JH_CAP_OK && data[0] == NULL) {
        set_err(err, errlen, "no javacard/Header.cap in the archive", NULL);
        rc = JH_CAP_ERR_FORMAT;
    }
    if (rc == JH_CAP_OK) {
        cap->lfdb = malloc(total);
        if (cap->lfdb == NULL)
            rc = JH_CAP_ERR_NOMEM;
    }
    if (rc == JH_CAP_OK) {
        for (size_t c = 0; c < N_COMPONENTS; c++) {
            if (components[c].load && data[c] != NULL) {
                memcpy(cap->lfdb + cap->lfdb_len, data[c], lens[c]);
                cap->lfdb_len += lens[c];
            }
        }
        jc_loadfile lf;
        memset(&lf, 0, sizeof(lf));
        if (jc_loadfile_parse_lfdb(cap->lfdb, cap->lfdb_len, &lf) != 0) {
            set_err(err, errlen, "Header or Applet component malformed", NULL);
            rc = JH_CAP_ERR_FORMAT;
        } else {
            cap->pkg.len = lf.pkg_aid.len;
            memcpy(cap->pkg.b, lf.pkg_aid.b, lf.pkg_aid.len);
            cap->pkg_major = lf.pkg_major;
            cap->pkg_minor = lf.pkg_minor;
            cap->n_applets = lf.n_applets;
            for (size_t a = 0; a < lf.n_applets && a < JH_CAP_MAX_APPLETS; a++) {
                cap->applets[a].len = lf.applets[a].len;
                memcpy(cap->applets[a].b, lf.applets[a].b, lf.applets[a].len);
            }
            if (dlen_seen > 0)
                dir[dlen_seen - 1] = '\0'; /* drop the trailing '/' */
            snprintf(cap->path, sizeof(cap->path), "%s", dir);
        }
    }
    for (size_t c = 0; c < N_COMPONENTS; c++) {
        if (rc == JH_CAP_OK && data[c] != NULL) {
            cap->comp[components[c].tag] = data[c]; /* ownership moves to cap */
            cap->comp_len[components[c].tag] = lens[c];
        } else {
            free(data[c]);
        }
    }
    if (rc != JH_CAP_OK)
        jh_cap_free(cap);
    return rc;
}

int jh_cap_read_mem(const uint8_t *zipbuf, size_t len, jh_cap *cap, char *err, size_t errlen)
{
    if (cap == NULL || (zipbuf == NULL && len > 0))
        return JH_CAP_ERR_ARG;
    memset(cap, 0, sizeof(*cap));
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(zipbuf, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (z == NULL) {
        if (src)
            zip_source_free(src);
        set_err(err, errlen, "not a ZIP archive", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return JH_CAP_ERR_ZIP;
    }
    zip_error_fini(&ze);
    int rc = read_zip(z, cap, err, errlen);
    zip_discard(z);
    return rc;
}

int jh_cap_read(const char *filename, jh_cap *cap, char *err, size_t errlen)
{
    if (cap == NULL || filename == NULL)
        return JH_CAP_ERR_ARG;
    memset(cap, 0, sizeof(*cap));
    int zerr = 0;
    zip_t *z = zip_open(filename, ZIP_RDONLY, &zerr);
    if (z == NULL) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        set_err(err, errlen, filename, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return zerr == ZIP_ER_OPEN || zerr == ZIP_ER_READ || zerr == ZIP_ER_NOENT ? JH_CAP_ERR_IO
                                                                                  : JH_CAP_ERR_ZIP;
    }
    int rc = read_zip(z, cap, err, errlen);
    zip_discard(z);
    return rc;
}

long jh_cap_load_file(const jh_cap *cap, uint8_t *out, size_t outcap)
{
    if (cap == NULL || cap->lfdb == NULL)
        return JH_CAP_ERR_ARG;
    size_t n = cap->lfdb_len;
    uint8_t hdr[5];
    size_t h = 0;
    hdr[h++] = 0xC4;
    if (n < 0x80) {
        hdr[h++] = (uint8_t)n;
    } else if (n < 0x100) {
        hdr[h++] = 0x81;
        hdr[h++] = (uint8_t)n;
    } else if (n < 0x10000) {
        hdr[h++] = 0x82;
        hdr[h++] = (uint8_t)(n >> 8);
        hdr[h++] = (uint8_t)n;
    } else {
        hdr[h++] = 0x83;
        hdr[h++] = (uint8_t)(n >> 16);
        hdr[h++] = (uint8_t)(n >> 8);
        hdr[h++] = (uint8_t)n;
    }
    if (out == NULL)
        return (long)(h + n);
    if (outcap < h + n)
        return JH_CAP_ERR_ARG;
    memcpy(out, hdr, h);
    memcpy(out + h, cap->lfdb, n);
    return (long)(h + n);
}
