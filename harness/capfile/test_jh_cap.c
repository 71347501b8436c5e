/*
 * test_jh_cap.c: the CAP reader. ZIP archives are built in memory with libzip
 * (components in a scrambled archive order, Debug/Descriptor present, broken
 * variants); the CAP written by testcases/gp-host/capbuild.py (path in
 * JHCAP_TEST_CAP, made by the jhcap_build_cap fixture) is read from disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zip.h>

#include "jh_cap.h"

typedef struct {
    const char *name;
    const uint8_t *data;
    size_t len;
} entry;

/* Build a ZIP in memory; returns a malloc'd buffer. */
static uint8_t *make_zip(const entry *e, size_t n, size_t *out_len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(src);
    zip_source_keep(src);
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *f = zip_source_buffer(z, e[i].data, e[i].len, 0);
        assert_non_null(f);
        assert_true(zip_file_add(z, e[i].name, f, ZIP_FL_OVERWRITE) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    assert_int_equal(zip_source_open(src), 0);
    assert_int_equal(zip_source_seek(src, 0, SEEK_END), 0);
    zip_int64_t size = zip_source_tell(src);
    assert_true(size > 0);
    assert_int_equal(zip_source_seek(src, 0, SEEK_SET), 0);
    uint8_t *buf = malloc((size_t)size);
    assert_non_null(buf);
    assert_int_equal(zip_source_read(src, buf, (zip_uint64_t)size), size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
    *out_len = (size_t)size;
    return buf;
}

static const uint8_t HEADER[] = {0x01, 0x00, 0x11, 0xDE, 0xCA, 0xFF, 0xED, 0x01, 0x02, 0x04,
                                 0x03, 0x01, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01};
static const uint8_t DIRECTORY[] = {0x02, 0x00, 0x01, 0x22};
static const uint8_t IMPORT[] = {0x04, 0x00, 0x01, 0x00};
static const uint8_t APPLET[] = {0x03, 0x00, 0x0C, 0x01, 0x08, 0xA0, 0x00, 0x00,
                                 0x00, 0x62, 0x03, 0x01, 0x01, 0x00, 0x10};
static const uint8_t CLASS[] = {0x06, 0x00, 0x01, 0x66};
static const uint8_t METHOD[] = {0x07, 0x00, 0x01, 0x77};
static const uint8_t STATICF[] = {0x08, 0x00, 0x01, 0x88};
static const uint8_t CPOOL[] = {0x05, 0x00, 0x01, 0x55};
static const uint8_t REFLOC[] = {0x09, 0x00, 0x01, 0x99};
static const uint8_t EXPORT[] = {0x0A, 0x00, 0x01, 0xAA};
static const uint8_t DESCR[] = {0x0B, 0x00, 0x01, 0xBB};
static const uint8_t DEBUG[] = {0x0C, 0x00, 0x01, 0xCC};

#define E(n, a) {.name = "com/x/javacard/" n, .data = (a), .len = sizeof(a)}

static void test_order_and_aids(void **state)
{
    (void)state;
    /* Archive order scrambled; Debug and Descriptor must be dropped. */
    const entry es[] = {E("Debug.cap", DEBUG),       E("RefLocation.cap", REFLOC),
                        E("Method.cap", METHOD),     E("Applet.cap", APPLET),
                        E("Descriptor.cap", DESCR),  E("ConstantPool.cap", CPOOL),
                        E("Header.cap", HEADER),     E("Export.cap", EXPORT),
                        E("StaticField.cap", STATICF), E("Class.cap", CLASS),
                        E("Import.cap", IMPORT),     E("Directory.cap", DIRECTORY),
                        {.name = "META-INF/MANIFEST.MF", .data = (const uint8_t *)"x", .len = 1}};
    size_t zl;
    uint8_t *zip = make_zip(es, sizeof(es) / sizeof(es[0]), &zl);
    jh_cap cap;
    char err[128] = "";
    assert_int_equal(jh_cap_read_mem(zip, zl, &cap, err, sizeof(err)), JH_CAP_OK);
    /* Expected: Header Directory Import Applet Class Method StaticField Export ConstantPool RefLocation */
    uint8_t want[256];
    size_t wl = 0;
    const uint8_t *order[] = {HEADER, DIRECTORY, IMPORT, APPLET, CLASS,
                              METHOD, STATICF,   EXPORT, CPOOL,  REFLOC};
    const size_t lens[] = {sizeof(HEADER), sizeof(DIRECTORY), sizeof(IMPORT), sizeof(APPLET),
                           sizeof(CLASS),  sizeof(METHOD),    sizeof(STATICF), sizeof(EXPORT),
                           sizeof(CPOOL),  sizeof(REFLOC)};
    for (size_t i = 0; i < 10; i++) {
        memcpy(want + wl, order[i], lens[i]);
        wl += lens[i];
    }
    assert_int_equal(cap.lfdb_len, wl);
    assert_memory_equal(cap.lfdb, want, wl);
    assert_int_equal(cap.pkg.len, 7);
    assert_memory_equal(cap.pkg.b, HEADER + 13, 7);
    assert_int_equal(cap.pkg_major, 1);
    assert_int_equal(cap.pkg_minor, 3);
    assert_int_equal(cap.n_applets, 1);
    assert_int_equal(cap.applets[0].len, 8);
    assert_memory_equal(cap.applets[0].b, APPLET + 5, 8);
    assert_string_equal(cap.path, "com/x/javacard");
    /* Load File: C4 81 len (the LFDB is 128..255 bytes? no: short form here). */
    uint8_t lf[300];
    long n = jh_cap_load_file(&cap, lf, sizeof(lf));
    assert_int_equal(n, (long)(2 + wl));
    assert_int_equal(lf[0], 0xC4);
    assert_int_equal(lf[1], wl);
    assert_int_equal(jh_cap_load_file(&cap, NULL, 0), n);
    assert_int_equal(jh_cap_load_file(&cap, lf, (size_t)n - 1), JH_CAP_ERR_ARG);
    jh_cap_free(&cap);
    free(zip);
}

static void test_broken(void **state)
{
    (void)state;
    static const uint8_t wrong_size[] = {0x06, 0x00, 0x05, 0x66};
    const struct {
        const char *what;
        entry es[3];
        size_t n;
    } cases[] = {
        {"no header", {E("Class.cap", CLASS)}, 1},
        {"component tag differs from its file name", {E("Header.cap", HEADER), E("Class.cap", METHOD)}, 2},
        {"size field differs from the file", {E("Header.cap", HEADER), E("Class.cap", wrong_size)}, 2},
        {"two packages",
         {E("Header.cap", HEADER), {.name = "org/y/javacard/Class.cap", .data = CLASS, .len = sizeof(CLASS)}},
         2},
        {"header outside a javacard folder",
         {{.name = "com/x/Header.cap", .data = HEADER, .len = sizeof(HEADER)}},
         1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t zl;
        uint8_t *zip = make_zip(cases[i].es, cases[i].n, &zl);
        jh_cap cap;
        char err[128] = "";
        int rc = jh_cap_read_mem(zip, zl, &cap, err, sizeof(err));
        if (rc != JH_CAP_ERR_FORMAT)
            fail_msg("%s: got %d", cases[i].what, rc);
        assert_true(err[0] != '\0');
        assert_null(cap.lfdb);
        free(zip);
    }
    /* Not a ZIP at all. */
    jh_cap cap;
    assert_int_equal(jh_cap_read_mem(HEADER, sizeof(HEADER), &cap, NULL, 0), JH_CAP_ERR_ZIP);
    assert_int_equal(jh_cap_read("/nonexistent/x.cap", &cap, NULL, 0), JH_CAP_ERR_IO);
}

/* The CAP of the independent Python builder. */
static void test_python_built_cap(void **state)
{
    (void)state;
    const char *path = getenv("JHCAP_TEST_CAP");
    if (path == NULL)
        skip();
    jh_cap cap;
    char err[256] = "";
    int rc = jh_cap_read(path, &cap, err, sizeof(err));
    if (rc != JH_CAP_OK)
        fail_msg("%s: %s", path, err);
    static const uint8_t pkg[] = {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D};
    assert_int_equal(cap.pkg.len, sizeof(pkg));
    assert_memory_equal(cap.pkg.b, pkg, sizeof(pkg));
    assert_int_equal(cap.n_applets, 1);
    assert_int_equal(cap.applets[0].len, 9);
    assert_memory_equal(cap.applets[0].b, pkg, sizeof(pkg));
    assert_int_equal(cap.applets[0].b[8], 0x01);
    /* Walk the LFDB: tags in the reference load order (no Export in this CAP). */
    static const uint8_t tags[] = {1, 2, 4, 3, 6, 7, 8, 5, 9};
    size_t off = 0, t = 0;
    while (off < cap.lfdb_len) {
        assert_true(t < sizeof(tags));
        assert_int_equal(cap.lfdb[off], tags[t++]);
        off += 3u + ((size_t)cap.lfdb[off + 1] << 8 | cap.lfdb[off + 2]);
    }
    assert_int_equal(off, cap.lfdb_len);
    assert_int_equal(t, sizeof(tags));
    jh_cap_free(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_aids),
        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_python_built_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
