/*
 * test_vm_lifecycle.c: two runtime features driven by the project's own
 * applets (simulator/jcvm/tests/applets, objdel.jca and extlen.jca, assembled in memory by the
 * jcop-cap assembler):
 * - object deletion (objdel.jca): requestObjectDeletion frees what nothing
 *   reaches (an array dropped by the applet, one no field ever held), a short
 *   field equal to an array's handle keeps nothing alive, and deleting the
 *   instance and its package gives back every byte and object the install and
 *   the applet took, the JCRE's AID object of the instance included;
 * - extended length (extlen.jca implements javacardx.apdu.ExtendedLength):
 *   case 3E/4E data delivered in APDU-buffer-sized chunks at offset 7, Nc and
 *   getOffsetCdata, extended Le (0000 and above 32767 read as 32767), replies
 *   of several kilobytes; an applet without the interface gets 6700 for an
 *   extended APDU (JCRE 2.2.2 §9.4.4), as every applet does on a card whose
 *   profile has no extended length; Lc above 32767 is 6700.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jca.h"
#include "jcvm.h"
#include "jcvm_int.h"

typedef struct {
    uint8_t lf[65536];
    size_t len;
    jc_aid pkg, app;
} applet;

static applet del_app, ext_app;

static void assemble(const char *name, applet *out)
{
    const char *src = getenv("JCOPSIM_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/simulator/jcvm/tests/applets/%s", src, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    char err[600];
    jca_pkg pkg;
    jca_cap cap;
    if (jca_parse(text, len, path, &pkg, err, sizeof err) != 0)
        fail_msg("%s", err);
    if (jca_build(&pkg, path, &cap, err, sizeof err) != 0)
        fail_msg("%s", err);
    static const unsigned order[] = {1, 2, 4, 3, 6, 7, 8, 10, 5, 9};
    out->len = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        unsigned t = order[i];
        if (!cap.comp[t])
            continue;
        memcpy(out->lf + out->len, cap.comp[t], cap.len[t]);
        out->len += cap.len[t];
    }
    out->pkg.len = pkg.aid.len;
    memcpy(out->pkg.b, pkg.aid.b, out->pkg.len);
    out->app.len = pkg.applets[0].aid.len;
    memcpy(out->app.b, pkg.applets[0].aid.b, out->app.len);
    jca_cap_free(&cap);
    jca_free(&pkg);
}

static int setup(void **state)
{
    (void)state;
    assemble("objdel.jca", &del_app);
    assemble("extlen.jca", &ext_app);
    return 0;
}

static void load(jcvm *vm, const applet *a)
{
    uint16_t sw = 0;
    char why[300] = "";
    if (jcvm_load(vm, a->lf, a->len, &sw, why, sizeof why) != 0)
        fail_msg("LOAD refused (%04X): %s", sw, why);
}

static void install_select(jcvm *vm, const applet *a)
{
    uint16_t sw = 0;
    char why[300] = "";
    if (jcvm_install(vm, &a->pkg, &a->app, &a->app, NULL, 0, 0, &sw, why, sizeof why) != 0)
        fail_msg("INSTALL refused (%04X): %s", sw, why);
    uint8_t sel[5 + 16] = {0x00, 0xA4, 0x04, 0x00, a->app.len};
    memcpy(sel + 5, a->app.b, a->app.len);
    uint8_t resp[300];
    size_t rl = sizeof resp;
    assert_int_equal(jcvm_select(vm, &a->app, 0, sel, 5u + a->app.len, resp, &rl), 0);
    assert_int_equal(resp[rl - 2] << 8 | resp[rl - 1], 0x9000);
}

static uint8_t resp[70000];

/* Send a raw command to the applet; returns the data length, SW in *sw. */
static size_t xfer(jcvm *vm, const applet *a, const uint8_t *cmd, size_t n, uint16_t *sw)
{
    size_t rl = sizeof resp;
    assert_int_equal(jcvm_process(vm, &a->app, 0, cmd, n, resp, &rl), 0);
    assert_true(rl >= 2);
    *sw = (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]);
    return rl - 2;
}

/* 80 ins p1p2 [Le 00]: the short answer (0 when no data). */
static uint16_t cmd_short(jcvm *vm, uint8_t ins, uint16_t p1p2, uint16_t want_sw)
{
    uint8_t c[5] = {0x80, ins, (uint8_t)(p1p2 >> 8), (uint8_t)p1p2, 0x00};
    uint16_t sw;
    size_t n = xfer(vm, &del_app, c, sizeof c, &sw);
    assert_int_equal(sw, want_sw);
    return n == 2 ? (uint16_t)(resp[0] << 8 | resp[1]) : 0;
}

static uint16_t find_array(jcvm *vm, uint16_t len)
{
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++)
        if (vm->objs[h].kind == OK_ARR_BYTE && vm->objs[h].len == len)
            return (uint16_t)h;
    return 0;
}

/* A card whose persistent memory is below 32767 bytes, so getAvailableMemory is exact. */
static jcvm *small_card(void)
{
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.heap_size = 16384;
    return jcvm_new(&cfg);
}

static void test_request_object_deletion(void **state)
{
    (void)state;
    jcvm *vm = small_card();
    assert_non_null(vm);
    load(vm, &del_app);
    install_select(vm, &del_app);
    uint16_t m0 = cmd_short(vm, 0x24, 0, 0x9000);
    unsigned n0 = jcvm_object_count(vm);
    /* an array nobody keeps: freed at the end of the APDU that requests deletion */
    cmd_short(vm, 0x28, 0x0100, 0x9000);
    unsigned n_aid = jcvm_object_count(vm); /* + the AID object and its bytes + the array */
    assert_int_equal(n_aid, n0 + 3);
    cmd_short(vm, 0x2A, 0, 0x9000);
    assert_int_equal(jcvm_object_count(vm), n0 + 2); /* the AID object stays: its instance lives */
    uint16_t m1 = cmd_short(vm, 0x24, 0, 0x9000);
    /* the instance's AID object (8 + 2) and its 10 bytes (8 + 10) */
    assert_int_equal(m1, m0 - 28);
    /* an array held by a field, then dropped */
    uint16_t m2 = cmd_short(vm, 0x20, 777, 0x9000);
    assert_int_equal(m2, m1 - 777 - 8);
    uint16_t h = find_array(vm, 777);
    assert_true(h != 0);
    /* a short field whose value equals the array's handle keeps nothing alive */
    cmd_short(vm, 0x26, h, 0x9000);
    cmd_short(vm, 0x22, 0, 0x9000);
    assert_int_equal(vm->objs[h].kind, OK_FREE);
    assert_int_equal(cmd_short(vm, 0x24, 0, 0x9000), m1);
    /* without a request nothing is freed */
    cmd_short(vm, 0x28, 0x0100, 0x9000);
    assert_true(find_array(vm, 0x0100) != 0);
    jcvm_free(vm);
}

static void test_delete_gives_memory_back(void **state)
{
    (void)state;
    jcvm *vm = small_card();
    assert_non_null(vm);
    uint32_t heap0 = jcvm_heap_used(vm);
    unsigned objs0 = jcvm_object_count(vm);
    uint16_t first = 0;
    for (int round = 0; round < 3; round++) {
        load(vm, &del_app);
        install_select(vm, &del_app);
        uint16_t m = cmd_short(vm, 0x24, 0, 0x9000);
        if (round == 0)
            first = m;
        /* getAvailableMemory is back where it was for the first instance */
        assert_int_equal(m, first);
        cmd_short(vm, 0x28, 0x0020, 0x9000); /* the instance's AID object, garbage */
        cmd_short(vm, 0x20, 300, 0x9000);    /* an array kept by the instance */
        assert_true(jcvm_heap_used(vm) > heap0);
        jcvm_deselect(vm, &del_app.app, 0);
        uint16_t sw = 0;
        assert_int_equal(jcvm_delete_instance(vm, &del_app.app, &sw), 0);
        assert_int_equal(sw, 0x9000);
        assert_int_equal(jcvm_delete_package(vm, &del_app.pkg, &sw), 0);
        /* every object the install and the applet made is gone, the AID object included */
        assert_int_equal(jcvm_object_count(vm), objs0);
        assert_int_equal(jcvm_heap_used(vm), heap0);
    }
    jcvm_free(vm);
}

/* ---- extended length ---- */

static jcvm *ext_card(uint16_t ext_buffer)
{
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.ext_apdu_buffer = ext_buffer;
    jcvm *vm = jcvm_new(&cfg);
    assert_non_null(vm);
    load(vm, &ext_app);
    load(vm, &del_app);
    return vm;
}

static uint8_t big[40000];

/* 80 ins 00 00 | 00 Lc(2) data | Le(2) */
static size_t ext_cmd(uint8_t ins, uint16_t p1p2, size_t lc, int le, uint8_t *out)
{
    size_t n = 0;
    out[n++] = 0x80;
    out[n++] = ins;
    out[n++] = (uint8_t)(p1p2 >> 8);
    out[n++] = (uint8_t)p1p2;
    out[n++] = 0x00;
    if (lc > 0) {
        out[n++] = (uint8_t)(lc >> 8);
        out[n++] = (uint8_t)lc;
        for (size_t i = 0; i < lc; i++)
            out[n++] = (uint8_t)(i * 7 + 1);
    }
    if (le >= 0) {
        out[n++] = (uint8_t)(le >> 8);
        out[n++] = (uint8_t)le;
    }
    return n;
}

static void test_extended_length(void **state)
{
    (void)state;
    jcvm *vm = ext_card(2048);
    install_select(vm, &ext_app);
    uint16_t sw;
    /* case 4E, 5000 bytes: three chunks of at most 2048 - 7 bytes at offset 7 */
    size_t n = ext_cmd(0x10, 0, 5000, 0, big);
    uint8_t x = 0;
    for (size_t i = 0; i < 5000; i++)
        x ^= (uint8_t)(i * 7 + 1);
    size_t rn = xfer(vm, &ext_app, big, n, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(rn, 11);
    const uint8_t want[11] = {0x13, 0x88, 0x00, 0x07, 0x00, 0x03, 0x13, 0x88, x, 0x08, 0x00};
    assert_memory_equal(resp, want, 11);
    /* case 3E, 32767 bytes (the most Java Card takes) */
    n = ext_cmd(0x10, 0, 32767, -1, big);
    rn = xfer(vm, &ext_app, big, n, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(resp[0] << 8 | resp[1], 32767);
    assert_int_equal(resp[4] << 8 | resp[5], (32767 + 2040) / 2041);
    assert_int_equal(resp[6] << 8 | resp[7], 32767);
    /* Lc 32768: above Java Card's limit, 6700 without process() */
    n = ext_cmd(0x10, 0, 32768, -1, big);
    rn = xfer(vm, &ext_app, big, n, &sw);
    assert_int_equal(sw, 0x6700);
    assert_int_equal(rn, 0);
    /* a short command to the same applet: offset 5, its buffer is the large one */
    uint8_t s3[8] = {0x80, 0x10, 0x00, 0x00, 0x03, 0x01, 0x02, 0x04};
    rn = xfer(vm, &ext_app, s3, sizeof s3, &sw);
    assert_int_equal(sw, 0x9000);
    const uint8_t want3[11] = {0x00, 0x03, 0x00, 0x05, 0x00, 0x01, 0x00, 0x03, 0x07, 0x08, 0x00};
    assert_memory_equal(resp, want3, 11);
    /* case 2E: 4096 bytes of pattern sent in buffer-sized pieces */
    n = ext_cmd(0x12, 4096, 0, 0, big);
    rn = xfer(vm, &ext_app, big, n, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(rn, 4096);
    for (size_t i = 0; i < 4096; i++)
        if (resp[i] != (uint8_t)i)
            fail_msg("byte %zu of the reply is %02X", i, resp[i]);
    /* extended Le: 0000 and 9000 read as 32767, 0100 as 256; a short Le 00 as 256 */
    static const struct {
        int le;
        uint16_t got;
    } les[] = {{0x0000, 32767}, {0x9000, 32767}, {0x0100, 256}, {0x7FFF, 32767}, {0x0003, 3}};
    for (size_t i = 0; i < sizeof les / sizeof les[0]; i++) {
        n = ext_cmd(0x14, 0, 0, les[i].le, big);
        rn = xfer(vm, &ext_app, big, n, &sw);
        assert_int_equal(sw, 0x9000);
        assert_int_equal(rn, 2);
        assert_int_equal(resp[0] << 8 | resp[1], les[i].got);
    }
    uint8_t s2[5] = {0x80, 0x14, 0x00, 0x00, 0x00};
    rn = xfer(vm, &ext_app, s2, sizeof s2, &sw);
    assert_int_equal(resp[0] << 8 | resp[1], 256);
    jcvm_deselect(vm, &ext_app.app, 0);

    /* an applet without ExtendedLength: 6700 for an extended APDU, short ones as before */
    install_select(vm, &del_app);
    n = ext_cmd(0x24, 0, 0, 2, big);
    rn = xfer(vm, &del_app, big, n, &sw);
    assert_int_equal(sw, 0x6700);
    assert_int_equal(rn, 0);
    n = ext_cmd(0x26, 0, 300, -1, big);
    xfer(vm, &del_app, big, n, &sw);
    assert_int_equal(sw, 0x6700);
    cmd_short(vm, 0x24, 0, 0x9000);
    jcvm_free(vm);
}

/* INS 16 keeps an extended command's data in a persistent array, INS 18 answers it: across the
   VM's persistent blob (what the card image holds) the data come back whole. */
static void test_extended_personalization_persists(void **state)
{
    (void)state;
    jcvm *vm = ext_card(2048);
    install_select(vm, &ext_app);
    uint16_t sw;
    uint8_t get[7] = {0x80, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00};
    xfer(vm, &ext_app, get, sizeof get, &sw);
    assert_int_equal(sw, 0x6985);
    size_t n = ext_cmd(0x16, 0, 6000, -1, big);
    xfer(vm, &ext_app, big, n, &sw);
    assert_int_equal(sw, 0x9000);
    uint8_t *blob = NULL;
    size_t blen = 0;
    assert_int_equal(jcvm_save(vm, &blob, &blen), 0);
    jcvm_free(vm);
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    vm = jcvm_new(&cfg);
    assert_non_null(vm);
    assert_int_equal(jcvm_restore(vm, blob, blen), 0);
    free(blob);
    uint8_t sel[5 + 16] = {0x00, 0xA4, 0x04, 0x00, ext_app.app.len};
    memcpy(sel + 5, ext_app.app.b, ext_app.app.len);
    size_t rl = sizeof resp;
    assert_int_equal(jcvm_select(vm, &ext_app.app, 0, sel, 5u + ext_app.app.len, resp, &rl), 0);
    size_t rn = xfer(vm, &ext_app, get, sizeof get, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(rn, 6000);
    assert_memory_equal(resp, big + 7, 6000);
    jcvm_free(vm);
}

static void test_no_extended_length_profile(void **state)
{
    (void)state;
    jcvm *vm = ext_card(0);
    install_select(vm, &ext_app);
    uint16_t sw;
    size_t n = ext_cmd(0x10, 0, 300, 0, big);
    xfer(vm, &ext_app, big, n, &sw);
    assert_int_equal(sw, 0x6700);
    /* its short commands work, with the 261-byte buffer */
    uint8_t s3[8] = {0x80, 0x10, 0x00, 0x00, 0x03, 0x01, 0x02, 0x04};
    size_t rn = xfer(vm, &ext_app, s3, sizeof s3, &sw);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(rn, 11);
    assert_int_equal(resp[9] << 8 | resp[10], 261);
    jcvm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_object_deletion),
        cmocka_unit_test(test_delete_gives_memory_back),
        cmocka_unit_test(test_extended_length),
        cmocka_unit_test(test_extended_personalization_persists),
        cmocka_unit_test(test_no_extended_length_profile),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
