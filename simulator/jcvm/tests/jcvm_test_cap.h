/*
 * jcvm_test_cap.h: helpers of the VM's tests. tcap_* assembles a small CAP
 * image (Load File Data Block) from its parts in memory, computing Header and
 * Directory, so tests need no files; tcap_read_zip reads the components of a
 * converter's CAP file (ZIP, with libzip: tests only) in LOAD order.
 */
#ifndef JCVM_TEST_CAP_H
#define JCVM_TEST_CAP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

typedef struct {
    uint8_t b[65536];
    size_t n;
} tbuf;

static inline void tb_put(tbuf *t, const void *p, size_t n)
{
    memcpy(t->b + t->n, p, n);
    t->n += n;
}
static inline void tb_u1(tbuf *t, unsigned v)
{
    t->b[t->n++] = (uint8_t)v;
}
static inline void tb_u2(tbuf *t, unsigned v)
{
    tb_u1(t, v >> 8);
    tb_u1(t, v & 0xFF);
}

/* Parts of a test CAP. Byte strings are component infos without tag/size.
 * Imports: javacard.framework 1.3 (token 0) and java.lang 1.0 (token 1) unless n_imports given. */
typedef struct {
    const uint8_t *pkg_aid;
    size_t pkg_aid_len;
    const uint8_t *applet_aid; /* NULL: library package */
    size_t applet_aid_len;
    uint16_t install_offset;
    const uint8_t *imports; /* raw Import info after the count; NULL = default */
    size_t imports_len;
    unsigned n_imports;
    const uint8_t *cp; /* raw entries (4 bytes each) */
    size_t cp_len;
    const uint8_t *cls; /* Class info */
    size_t cls_len;
    const uint8_t *meth; /* Method info */
    size_t meth_len;
    const uint8_t *sf; /* StaticField info; NULL = empty image */
    size_t sf_len;
    uint16_t sf_image;     /* Directory static field image size */
    const uint8_t *refloc; /* RefLocation info; NULL = empty */
    size_t refloc_len;
    const uint8_t *exp; /* Export info; NULL = none */
    size_t exp_len;
} tcap_parts;

static inline void tb_comp(tbuf *t, unsigned tag, const uint8_t *info, size_t n)
{
    tb_u1(t, tag);
    tb_u2(t, (unsigned)n);
    tb_put(t, info, n);
}

static const uint8_t tcap_default_imports[] = {0x03, 0x01, 0x07, 0xA0, 0x00, 0x00, 0x00,
                                               0x62, 0x01, 0x01, 0x00, 0x01, 0x07, 0xA0,
                                               0x00, 0x00, 0x00, 0x62, 0x00, 0x01};

/* Assemble the LFDB into out (returns its length). */
static inline size_t tcap_build(const tcap_parts *p, tbuf *out)
{
    tbuf hdr = {.n = 0}, dir = {.n = 0}, app = {.n = 0}, imp = {.n = 0}, cp = {.n = 0};
    tbuf sf = {.n = 0}, rl = {.n = 0};
    static const uint8_t magic[] = {0xDE, 0xCA, 0xFF, 0xED};
    tb_put(&hdr, magic, 4);
    tb_u1(&hdr, 1);
    tb_u1(&hdr, 2);
    tb_u1(&hdr, (p->applet_aid ? 4 : 0) | (p->exp ? 2 : 0));
    tb_u1(&hdr, 0);
    tb_u1(&hdr, 1);
    tb_u1(&hdr, (unsigned)p->pkg_aid_len);
    tb_put(&hdr, p->pkg_aid, p->pkg_aid_len);
    if (p->applet_aid) {
        tb_u1(&app, 1);
        tb_u1(&app, (unsigned)p->applet_aid_len);
        tb_put(&app, p->applet_aid, p->applet_aid_len);
        tb_u2(&app, p->install_offset);
    }
    unsigned nimp = p->imports ? p->n_imports : 2;
    tb_u1(&imp, nimp);
    if (p->imports)
        tb_put(&imp, p->imports, p->imports_len);
    else
        tb_put(&imp, tcap_default_imports, sizeof tcap_default_imports);
    tb_u2(&cp, (unsigned)(p->cp_len / 4));
    tb_put(&cp, p->cp, p->cp_len);
    if (p->sf)
        tb_put(&sf, p->sf, p->sf_len);
    else {
        for (int i = 0; i < 5; i++)
            tb_u2(&sf, 0);
    }
    if (p->refloc)
        tb_put(&rl, p->refloc, p->refloc_len);
    else {
        tb_u2(&rl, 0);
        tb_u2(&rl, 0);
    }
    /* Directory (CAP 2.1: 11 sizes) */
    unsigned sizes[12] = {0};
    sizes[1] = (unsigned)hdr.n;
    sizes[3] = (unsigned)app.n;
    sizes[4] = (unsigned)imp.n;
    sizes[5] = (unsigned)cp.n;
    sizes[6] = (unsigned)p->cls_len;
    sizes[7] = (unsigned)p->meth_len;
    sizes[8] = (unsigned)sf.n;
    sizes[9] = (unsigned)rl.n;
    sizes[10] = p->exp ? (unsigned)p->exp_len : 0;
    sizes[2] = 11 * 2 + 6 + 3;
    for (int i = 1; i <= 11; i++)
        tb_u2(&dir, sizes[i]);
    tb_u2(&dir, p->sf_image);
    unsigned ai_count = 0, ai_size = 0;
    if (p->sf && p->sf_len >= 6) {
        ai_count = (unsigned)(p->sf[4] << 8 | p->sf[5]);
        size_t o = 6;
        for (unsigned i = 0; i < ai_count; i++) {
            unsigned c = (unsigned)(p->sf[o + 1] << 8 | p->sf[o + 2]);
            ai_size += c;
            o += 3 + c;
        }
    }
    tb_u2(&dir, ai_count);
    tb_u2(&dir, ai_size);
    tb_u1(&dir, nimp);
    tb_u1(&dir, p->applet_aid ? 1 : 0);
    tb_u1(&dir, 0);
    out->n = 0;
    tb_comp(out, 1, hdr.b, hdr.n);
    tb_comp(out, 2, dir.b, dir.n);
    tb_comp(out, 4, imp.b, imp.n);
    if (p->applet_aid)
        tb_comp(out, 3, app.b, app.n);
    tb_comp(out, 6, p->cls, p->cls_len);
    tb_comp(out, 7, p->meth, p->meth_len);
    tb_comp(out, 8, sf.b, sf.n);
    if (p->exp)
        tb_comp(out, 10, p->exp, p->exp_len);
    tb_comp(out, 5, cp.b, cp.n);
    tb_comp(out, 9, rl.b, rl.n);
    return out->n;
}

/* The shared applets folder (../shared/applets from the project root), or NULL. */
static inline const char *tcap_shared_dir(char *buf, size_t n)
{
    const char *src = getenv("JCOPSIM_SOURCE_DIR");
    if (src == NULL)
        return NULL;
    snprintf(buf, n, "%s/../shared/applets", src);
    FILE *f = fopen(buf, "r");
    if (f == NULL)
        return NULL;
    fclose(f);
    return buf;
}

/* Read a converter CAP (ZIP) into an LFDB in LOAD order (Header, Directory,
 * Import, Applet, Class, Method, StaticField, Export, ConstantPool,
 * RefLocation, Descriptor). Returns the length, 0 on failure. */
static inline size_t tcap_read_zip(const char *path, tbuf *out)
{
    static const char *const order[] = {"Header",       "Directory",   "Import",      "Applet",
                                        "Class",        "Method",      "StaticField", "Export",
                                        "ConstantPool", "RefLocation", "Descriptor"};
    int err = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    if (z == NULL)
        return 0;
    out->n = 0;
    zip_int64_t ne = zip_get_num_entries(z, 0);
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        char suffix[64];
        snprintf(suffix, sizeof suffix, "/javacard/%s.cap", order[k]);
        for (zip_int64_t i = 0; i < ne; i++) {
            const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
            size_t ln = strlen(name), ls = strlen(suffix);
            if (ln < ls || strcmp(name + ln - ls, suffix) != 0)
                continue;
            zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
            if (f == NULL)
                break;
            zip_int64_t r = zip_fread(f, out->b + out->n, sizeof out->b - out->n);
            zip_fclose(f);
            if (r > 0)
                out->n += (size_t)r;
            break;
        }
    }
    zip_close(z);
    return out->n;
}

#endif
