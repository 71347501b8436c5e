/*
 * test_loadfile.c: the Load File / CAP component parser (jc_loadfile) on
 * hand-built byte arrays: a valid file with and without a DAP block and with
 * short and long C4 lengths, every truncation of it, and malformed forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jc_card.h"
#include "jc_loadfile.h"

/* Components of a tiny package A0000000620301 v1.0 with applet A000000062030101. */
static const uint8_t HEADER[] = {0x01, 0x00, 0x11, 0xDE, 0xCA, 0xFF, 0xED, 0x01, 0x02, 0x04,
                                 0x00, 0x01, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01};
static const uint8_t DIRECTORY[] = {0x02, 0x00, 0x04, 0x00, 0x10, 0x00, 0x1F};
static const uint8_t IMPORT[] = {0x04, 0x00, 0x0B, 0x01, 0x00, 0x01, 0x07,
                                 0xA0, 0x00, 0x00, 0x00, 0x62, 0x01, 0x01};
static const uint8_t APPLET[] = {0x03, 0x00, 0x0C, 0x01, 0x08, 0xA0, 0x00, 0x00,
                                 0x00, 0x62, 0x03, 0x01, 0x01, 0x00, 0x10};
static const uint8_t METHOD[] = {0x07, 0x00, 0x03, 0x00, 0x7A, 0x00};

static size_t cat(uint8_t *out, const uint8_t *const *parts, const size_t *lens, size_t n)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(out + off, parts[i], lens[i]);
        off += lens[i];
    }
    return off;
}

static size_t build_lfdb(uint8_t *out)
{
    const uint8_t *parts[] = {HEADER, DIRECTORY, IMPORT, APPLET, METHOD};
    const size_t lens[] = {sizeof(HEADER), sizeof(DIRECTORY), sizeof(IMPORT), sizeof(APPLET),
                           sizeof(METHOD)};
    return cat(out, parts, lens, 5);
}

/* C4 with the given length form (1, 2 = 81 xx, 3 = 82 xxxx), optional DAP block first. */
static size_t build_loadfile(uint8_t *out, int form, int with_dap)
{
    uint8_t lfdb[256];
    size_t n = build_lfdb(lfdb);
    size_t off = 0;
    if (with_dap) {
        static const uint8_t dap[] = {0xE2, 0x0F, 0x4F, 0x08, 0xA0, 0x00, 0x00, 0x00, 0x03,
                                      0x00, 0x00, 0x00, 0xC3, 0x03, 0x11, 0x22, 0x33};
        memcpy(out, dap, sizeof(dap));
        off = sizeof(dap);
    }
    out[off++] = 0xC4;
    if (form == 2) {
        out[off++] = 0x81;
    } else if (form == 3) {
        out[off++] = 0x82;
        out[off++] = (uint8_t)(n >> 8);
    }
    out[off++] = (uint8_t)n;
    memcpy(out + off, lfdb, n);
    return off + n;
}

static void check_parsed(const jc_loadfile *lf)
{
    static const uint8_t pkg[] = {0xA0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01};
    static const uint8_t app[] = {0xA0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01, 0x01};
    static const uint8_t fw[] = {0xA0, 0x00, 0x00, 0x00, 0x62, 0x01, 0x01};
    assert_int_equal(lf->pkg_aid.len, sizeof(pkg));
    assert_memory_equal(lf->pkg_aid.b, pkg, sizeof(pkg));
    assert_int_equal(lf->pkg_major, 1);
    assert_int_equal(lf->pkg_minor, 0);
    assert_int_equal(lf->cap_major, 2);
    assert_int_equal(lf->cap_minor, 1);
    assert_int_equal(lf->flags, 0x04);
    assert_int_equal(lf->n_applets, 1);
    assert_int_equal(lf->applets[0].len, sizeof(app));
    assert_memory_equal(lf->applets[0].b, app, sizeof(app));
    assert_int_equal(lf->n_imports, 1);
    assert_int_equal(lf->imports[0].major, 1);
    assert_memory_equal(lf->imports[0].aid.b, fw, sizeof(fw));
    assert_int_equal(lf->components, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 7));
}

static void test_valid_forms(void **state)
{
    (void)state;
    for (int form = 1; form <= 3; form++) {
        for (int dap = 0; dap <= 1; dap++) {
            uint8_t buf[512];
            size_t n = build_loadfile(buf, form, dap);
            jc_loadfile lf;
            assert_int_equal(jc_loadfile_parse(buf, n, &lf), JC_OK);
            check_parsed(&lf);
            assert_int_equal(lf.n_dap, dap);
            assert_int_equal(lf.lfdb_len, build_lfdb((uint8_t[256]){0}));
        }
    }
}

static void test_every_truncation_fails(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t n = build_loadfile(buf, 3, 1);
    for (size_t cut = 0; cut < n; cut++) {
        jc_loadfile lf;
        assert_int_equal(jc_loadfile_parse(buf, cut, &lf), JC_ERR_FORMAT);
    }
    /* LFDB truncated inside a component, with a consistent C4 length. */
    uint8_t lfdb[256];
    size_t ln = build_lfdb(lfdb);
    for (size_t cut = 1; cut < ln; cut++) {
        jc_loadfile lf;
        memset(&lf, 0, sizeof(lf));
        int rc = jc_loadfile_parse_lfdb(lfdb, cut, &lf);
        /* Cutting exactly between components after the Header is well formed. */
        bool boundary = cut == sizeof(HEADER) || cut == sizeof(HEADER) + sizeof(DIRECTORY) ||
                        cut == sizeof(HEADER) + sizeof(DIRECTORY) + sizeof(IMPORT) ||
                        cut == sizeof(HEADER) + sizeof(DIRECTORY) + sizeof(IMPORT) + sizeof(APPLET);
        assert_int_equal(rc, boundary ? JC_OK : JC_ERR_FORMAT);
    }
}

/* Malformed LFDBs: { byte offset in the LFDB, new value }. */
static const struct {
    const char *what;
    size_t off;
    uint8_t val;
} mutations[] = {
    {"bad magic", 3, 0xDF},
    {"package AID too short", 12, 0x04},
    {"package AID too long", 12, 0x11},
    {"header size beyond the end", 1, 0x40},
    {"applet count 0", sizeof(HEADER) + sizeof(DIRECTORY) + sizeof(IMPORT) + 3, 0x00},
    {"applet count 9", sizeof(HEADER) + sizeof(DIRECTORY) + sizeof(IMPORT) + 3, 0x09},
    {"applet AID length 3", sizeof(HEADER) + sizeof(DIRECTORY) + sizeof(IMPORT) + 4, 0x03},
    {"applet AID longer than the component", sizeof(HEADER) + sizeof(DIRECTORY) + sizeof(IMPORT) + 4,
     0x0A},
    {"import count 2", sizeof(HEADER) + sizeof(DIRECTORY) + 3, 0x02},
    {"import count 17", sizeof(HEADER) + sizeof(DIRECTORY) + 3, 0x11},
    {"directory turned into a second header", sizeof(HEADER), 0x01},
    {"tag 0", sizeof(HEADER), 0x00},
    {"tag 16", sizeof(HEADER), 0x10},
};

static void test_malformed_lfdb(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
        uint8_t lfdb[256];
        size_t n = build_lfdb(lfdb);
        lfdb[mutations[i].off] = mutations[i].val;
        jc_loadfile lf;
        memset(&lf, 0, sizeof(lf));
        if (jc_loadfile_parse_lfdb(lfdb, n, &lf) != JC_ERR_FORMAT)
            fail_msg("accepted: %s", mutations[i].what);
    }
    /* No Header at all. */
    jc_loadfile lf;
    memset(&lf, 0, sizeof(lf));
    assert_int_equal(jc_loadfile_parse_lfdb(DIRECTORY, sizeof(DIRECTORY), &lf), JC_ERR_FORMAT);
    assert_int_equal(jc_loadfile_parse_lfdb(NULL, 0, &lf), JC_ERR_FORMAT);
    /* Header alone is enough (a library package). */
    assert_int_equal(jc_loadfile_parse_lfdb(HEADER, sizeof(HEADER), &lf), JC_OK);
    assert_int_equal(lf.n_applets, 0);
}

static void test_malformed_loadfile(void **state)
{
    (void)state;
    uint8_t buf[512];
    jc_loadfile lf;
    size_t n = build_loadfile(buf, 3, 0);
    /* Trailing byte after C4. */
    buf[n] = 0x00;
    assert_int_equal(jc_loadfile_parse(buf, n + 1, &lf), JC_ERR_FORMAT);
    /* Unknown outer tag. */
    buf[0] = 0xC5;
    assert_int_equal(jc_loadfile_parse(buf, n, &lf), JC_ERR_FORMAT);
    /* Length forms 80 and 84. */
    n = build_loadfile(buf, 3, 0);
    buf[1] = 0x80;
    assert_int_equal(jc_loadfile_parse(buf, n, &lf), JC_ERR_FORMAT);
    buf[1] = 0x84;
    assert_int_equal(jc_loadfile_parse(buf, n, &lf), JC_ERR_FORMAT);
    /* Only a DAP block. */
    static const uint8_t dap_only[] = {0xE2, 0x02, 0x4F, 0x00};
    assert_int_equal(jc_loadfile_parse(dap_only, sizeof(dap_only), &lf), JC_ERR_FORMAT);
    /* Empty. */
    assert_int_equal(jc_loadfile_parse(buf, 0, &lf), JC_ERR_FORMAT);
    /* C4 claims more than is there. */
    n = build_loadfile(buf, 2, 0);
    buf[2] = (uint8_t)(buf[2] + 1);
    assert_int_equal(jc_loadfile_parse(buf, n, &lf), JC_ERR_FORMAT);
}

static void test_ber_len(void **state)
{
    (void)state;
    static const struct {
        uint8_t b[5];
        size_t n;
        int rc;
        size_t val;
        size_t next;
    } v[] = {
        {{0x7F}, 1, JC_OK, 0x7F, 1},
        {{0x81, 0x80}, 2, JC_OK, 0x80, 2},
        {{0x82, 0x01, 0x00}, 3, JC_OK, 0x100, 3},
        {{0x83, 0x01, 0x00, 0x00}, 4, JC_OK, 0x10000, 4},
        {{0x82, 0x01}, 2, JC_ERR_FORMAT, 0, 0},
        {{0x80}, 1, JC_ERR_FORMAT, 0, 0},
        {{0x84, 1, 2, 3, 4}, 5, JC_ERR_FORMAT, 0, 0},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t off = 0, val = 0;
        assert_int_equal(jc_ber_len(v[i].b, v[i].n, &off, &val), v[i].rc);
        if (v[i].rc == JC_OK) {
            assert_int_equal(val, v[i].val);
            assert_int_equal(off, v[i].next);
        }
    }
    size_t off = 0, val;
    assert_int_equal(jc_ber_len(v[0].b, 0, &off, &val), JC_ERR_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_forms),
        cmocka_unit_test(test_every_truncation_fails),
        cmocka_unit_test(test_malformed_lfdb),
        cmocka_unit_test(test_malformed_loadfile),
        cmocka_unit_test(test_ber_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
