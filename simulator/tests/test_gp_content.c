/*
 * test_gp_content.c: the ISD's registry through real APDUs: INSTALL [for
 * load] and LOAD of a CAP built by testcases/gp-host/capbuild.py (its Load
 * File Data Block below, and its SHA-1 computed with Python's hashlib),
 * INSTALL [for install (and make selectable)], GET STATUS in both formats
 * with 6310 paging, a selected applet answering 6D00, DELETE with and
 * without related objects, the Default Selected privilege, and LOAD errors.
 * Every GET STATUS answer is compared byte for byte with the GP 2.1.1 layout
 * (Tables 9-22..9-24, gp211-reference.md §4.1-4.2).
 */
#include "test_gp_util.h"

/* capbuild.py --lfdb: package F06A636F7073696D 1.0, applet F06A636F7073696D01 */
#define LFDB                                                                                       \
    "01001ADECAFFED010204000108F06A636F7073696D076A636F7073696D020021001A0021000D000B001A000E001E" \
    "000A000900000000000000000000000001010004000B01020107A000000062010103000D0109F06A636F7073696D" \
    "01000806000E000000800300FF0007010000001507001E000110188C00017A02308F00043D8C00028B00037A0120" \
    "136D008D00057A08000A0000000000000000000005001A0006018003000680030006000001038003010100000206" \
    "800700090009000000050407040309"
#define LFDB_SHA1 "21D451A389278D983CA1F5648A376651A731A3FE"
#define PKG "F06A636F7073696D"
#define APP "F06A636F7073696D01"
/* The same CAP with package F06A636F7073696E (capbuild.py --pkg ...6E --applet ...6E01) */
#define LFDB_OTHER_PKG_PREFIX "01001ADECAFFED010204000108F06A636F7073696E"

/* Send the Load File C4 <len> LFDB in blocks of `block` bytes. Returns the last SW. */
static uint16_t load_blocks(gt_fix *f, const char *lfdb_hex, size_t block)
{
    uint8_t lf[600];
    size_t n = 0;
    uint8_t lfdb[512];
    int ln = tu_hex(lfdb_hex, lfdb, sizeof(lfdb));
    assert_true(ln > 0 && ln < 400);
    lf[n++] = 0xC4;
    if (ln >= 0x80)
        lf[n++] = 0x81;
    lf[n++] = (uint8_t)ln;
    size_t uln = ln > 0 && ln < 400 ? (size_t)ln : 0;
    memcpy(lf + n, lfdb, uln);
    n += uln;
    uint16_t sw = 0;
    uint8_t no = 0;
    for (size_t off = 0; off < n; off += block, no++) {
        size_t len = n - off < block ? n - off : block;
        char cmd[600];
        sprintf(cmd, "80E8%02X%02X%02X", off + len == n ? 0x80 : 0x00, no, (unsigned)len);
        tu_tohex(lf + off, len, cmd + strlen(cmd));
        strcat(cmd, "00");
        char out[64];
        sw = gt_send(f, cmd, out, sizeof(out));
        if (sw != 0x9000)
            return sw;
        assert_string_equal(out, "009000"); /* LOAD answers 00 + 9000 */
    }
    return sw;
}

#define INSTALL_FOR_LOAD "80E602001508" PKG "08A00000000300000000000000"
/* the same with no security domain named (any profile's ISD) */
#define INSTALL_FOR_LOAD_ANY "80E602000D08" PKG "0000000000"
#define INSTALL_AND_SELECTABLE "80E60C002308" PKG "09" APP "09" APP "010002C900" "0000"

static void test_load_install_status_delete(void **state)
{
    (void)state;
    for (uint8_t level = 1; level <= 3; level += 2) {
        gt_fix *f = gt_new("J2A040");
        assert_int_equal(gt_auth(f, 0, level), 0x9000);
        GT_EXPECT(f, "80F24000024F0000", "6A88"); /* a fresh card lists no application */
        GT_EXPECT(f, INSTALL_FOR_LOAD, "009000");
        assert_int_equal(load_blocks(f, LFDB, level == 1 ? 239 : 100), 0x9000);
        /* legacy P1=20: len AID | LCS 01 | 00 */
        GT_EXPECT(f, "80F22000024F0000", "07A00000000353500100" "08" PKG "0100" "9000");
        /* legacy P1=10: + number of modules | (len module AID)* */
        GT_EXPECT(f, "80F21000024F0000",
                  "07A0000000035350010001" "08A000000003535041" "08" PKG "010001" "09" APP "9000");
        /* TLV P1=10: E3 { 4F, 9F70, 84 } (no C5 for load files) */
        GT_EXPECT(f, "80F21002024F0000",
                  "E3174F07A00000000353509F7001018408A000000003535041"
                  "E3194F08" PKG "9F7001018409" APP "9000");
        /* prefix search by RID F06A636F70 */
        GT_EXPECT(f, "80F22002074F05F06A636F7000", "E30E4F08" PKG "9F7001019000");
        GT_EXPECT(f, "80F22002074F05F06A636F7100", "6A88");
        /* INSTALL [for install and make selectable] */
        GT_EXPECT(f, INSTALL_AND_SELECTABLE, "009000");
        GT_EXPECT(f, "80F24000024F0000", "09" APP "0700" "9000");
        GT_EXPECT(f, "80F24002024F0000", "E3124F09" APP "9F700107C50100" "9000");
        GT_EXPECT(f, INSTALL_AND_SELECTABLE, "6985");  /* same instance AID again */
        /* a module that is not in the load file; a load file that is not on the card */
        GT_EXPECT(f, "80E60C002308" PKG "09F06A636F7073696D02" "09F06A636F7073696D03" "010002C9000000",
                  "6A88");
        GT_EXPECT(f, "80E60C002308F06A636F7073696E" "09" APP "09F06A636F7073696D03" "010002C9000000",
                  "6A88");
        /* DELETE of the load file alone while an instance uses it: 6985 */
        GT_EXPECT(f, "80E400000A4F08" PKG "00", "6985");
        /* SELECT the applet: 9000; its code is not executed: 6D00 to everything */
        jc_scp02 saved = f->host;
        jc_scp02_reset(&f->host);
        GT_EXPECT(f, "00A4040009" APP "00", "9000");
        GT_EXPECT(f, "80CA006600", "6D00");
        GT_EXPECT(f, "00B0000000", "6D00");
        GT_EXPECT(f, "80500000080102030405060708", "6D00");
        GT_EXPECT(f, "00A4040008" PKG "00", "9000"); /* partial AID selects the applet too */
        GT_SW(f, "00A4040000", 0x9000);
        /* DELETE the instance (P2 00), then everything of the load file (P2 80) */
        f->host = saved;
        jc_scp02_reset(&f->host);
        assert_int_equal(gt_auth(f, 0, level), 0x9000);
        GT_EXPECT(f, "80E400000B4F09" APP "00", "009000");
        GT_EXPECT(f, "80F24000024F0000", "6A88");
        GT_EXPECT(f, "80E400000B4F09" APP "00", "6A88");
        GT_EXPECT(f, INSTALL_AND_SELECTABLE, "009000");
        GT_EXPECT(f, "80E400800A4F08" PKG "00", "009000");
        GT_EXPECT(f, "80F24000024F0000", "6A88");
        GT_EXPECT(f, "80F22000024F0000", "07A000000003535001009000");
        GT_EXPECT(f, "80E400000A4F08" PKG "00", "6A88");
        /* the ISD itself cannot be deleted */
        GT_EXPECT(f, "80E400000A4F08A00000000300000000", "6985");
        gt_free(f);
    }
}

static void test_load_errors(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    /* LOAD without INSTALL [for load] */
    GT_EXPECT(f, "80E8800003C4010100", "6985");
    /* a skipped block number: 6A86, and the load is dropped */
    GT_EXPECT(f, INSTALL_FOR_LOAD, "009000");
    GT_EXPECT(f, "80E8000003C4810100", "009000");
    GT_EXPECT(f, "80E8000203AABBCC00", "6A86");
    GT_EXPECT(f, "80E8000103AABBCC00", "6985");
    /* a repeated block number */
    GT_EXPECT(f, INSTALL_FOR_LOAD, "009000");
    GT_EXPECT(f, "80E8000003C4810100", "009000");
    GT_EXPECT(f, "80E8000003C4810100", "6A86");
    /* a malformed Load File (no Header component): 6A80, nothing registered */
    GT_EXPECT(f, INSTALL_FOR_LOAD, "009000");
    GT_EXPECT(f, "80E8800007C405020001AA0000", "6A80");
    GT_EXPECT(f, "80F22000024F0000", "07A000000003535001009000");
    /* the CAP's package AID differs from INSTALL [for load]'s: 6A80 */
    GT_EXPECT(f, "80E602001508F06A636F7073696E08A00000000300000000000000", "009000");
    assert_int_equal(load_blocks(f, LFDB, 200), 0x6A80);
    /* INSTALL [for load] of an AID already registered */
    GT_EXPECT(f, "80E602001407A000000003535008A000000003000000000000", "6985");
    /* another security domain named: 6A88; a 5-byte hash: 6A80 */
    GT_EXPECT(f, "80E602001508" PKG "08A00000000300000100000000", "6A88");
    GT_EXPECT(f, "80E602001A08" PKG "08A000000003000000051122334455000000", "6A80");
    /* with the right SHA-1 of the LFDB the load passes; with a wrong one 6A80 */
    GT_EXPECT(f, "80E602002908" PKG "08A00000000300000014" LFDB_SHA1 "000000", "009000");
    assert_int_equal(load_blocks(f, LFDB, 120), 0x9000);
    GT_EXPECT(f, "80E400800A4F08" PKG "00", "009000");
    GT_EXPECT(f, "80E602002908" PKG "08A00000000300000014" LFDB_SHA1 "000000", "009000");
    char bad[600] = LFDB;
    bad[strlen(bad) - 1] = '8'; /* last byte of the ReferenceLocation component changed */
    assert_int_equal(load_blocks(f, bad, 120), 0x6A80);
    GT_EXPECT(f, "80F22000024F0000", "07A000000003535001009000");
    /* INSTALL with P1 for extradition, and P2 not 00 */
    GT_EXPECT(f, "80E61000020000", "6A86");
    GT_EXPECT(f, "80E60201020000", "6A86");
    /* a truncated LV field */
    GT_EXPECT(f, "80E602000308F06A00", "6A80");
    gt_free(f);
}

static void test_make_selectable_and_default(void **state)
{
    (void)state;
    static const char *profiles[] = {"J2A040", "J2E145"};
    for (size_t p = 0; p < 2; p++) {
        gt_fix *f = gt_new(profiles[p]);
        assert_int_equal(gt_auth(f, 0, 1), 0x9000);
        GT_EXPECT(f, INSTALL_FOR_LOAD_ANY, "009000");
        assert_int_equal(load_blocks(f, LFDB, 255), 0x9000);
        /* [for install] only: INSTALLED (03) */
        GT_EXPECT(f, "80E604002308" PKG "09" APP "09" APP "010002C9000000", "009000");
        GT_EXPECT(f, "80F24000024F0000", "09" APP "0300" "9000");
        /* not selectable while INSTALLED */
        jc_scp02 saved = f->host;
        jc_scp02_reset(&f->host);
        GT_EXPECT(f, "00A4040009" APP "00", "6A82");
        f->host = saved;
        GT_EXPECT(f, "80F24000024F0000", "6982"); /* the failed SELECT ended the session */
        jc_scp02_reset(&f->host);
        assert_int_equal(gt_auth(f, 0, 1), 0x9000);
        /* [for make selectable]: J2A040 answers 6A86 (jcop-facts §8), J2E145 moves it to 07 */
        GT_EXPECT(f, "80E60800100000" "09" APP "0100" "0000" "00", p == 0 ? "6A86" : "009000");
        GT_EXPECT(f, "80F24000024F0000", p == 0 ? "09" APP "0300" "9000" : "09" APP "0700" "9000");
        /* absent application: 6A88 (J2A040: 6A86 whatever it names) */
        GT_EXPECT(f, "80E60800100000" "09F06A636F7073696D09" "0100" "0000" "00",
                  p == 0 ? "6A86" : "6A88");
        gt_free(f);
    }
    /* Default Selected (04) with install and make selectable: the applet is selected at
     * power-up; the ISD loses 04 (9E -> 9A) and gets it back when the applet is deleted */
    gt_fix *f = gt_new("J2A040");
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    GT_EXPECT(f, INSTALL_FOR_LOAD, "009000");
    assert_int_equal(load_blocks(f, LFDB, 255), 0x9000);
    GT_EXPECT(f, "80E604002308" PKG "09" APP "09" APP "010402C9000000", "6A80"); /* 04 needs 0C */
    GT_EXPECT(f, "80E60C002308" PKG "09" APP "09" APP "010402C9000000", "009000");
    GT_EXPECT(f, "80F28000024F0000", "08A000000003000000019A9000");
    GT_EXPECT(f, "80F24000024F0000", "09" APP "0704" "9000");
    uint8_t atr[JC_ATR_MAX];
    jc_card_power_off(f->card);
    assert_true(jc_card_power_on(f->card, atr, sizeof(atr)) > 0);
    jc_scp02_reset(&f->host);
    GT_EXPECT(f, "80CA006600", "6D00"); /* the default applet is selected */
    GT_SW(f, "00A4040000", 0x9000);
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    GT_EXPECT(f, "80E400000B4F09" APP "00", "009000");
    GT_EXPECT(f, "80F28000024F0000", "08A000000003000000019E9000");
    gt_free(f);
}

static void test_get_status_paging(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    assert_int_equal(gt_auth(f, 0, 3), 0x9000);
    GT_EXPECT(f, INSTALL_FOR_LOAD, "009000");
    assert_int_equal(load_blocks(f, LFDB, 230), 0x9000);
    /* 20 instances with 16-byte AIDs F06A636F7073696D01 0000000000 00xx */
    char aids[20][40];
    for (int i = 0; i < 20; i++) {
        sprintf(aids[i], "%s000000000000%02X", APP, i);
        char cmd[1000];
        snprintf(cmd, sizeof(cmd), "80E60C002A08%s09%s10%.32s010002C9000000", PKG, APP, aids[i]);
        GT_EXPECT(f, cmd, "009000");
    }
    /* next without a first: 6A86 */
    GT_EXPECT(f, "80F24001024F0000", "6A86");
    /* legacy: 19-byte records, 13 fit in 256 bytes */
    for (int fmt = 0; fmt < 2; fmt++) {
        int per = fmt == 0 ? 13 : 9; /* TLV records are 27 bytes */
        int done = 0;
        for (int page = 0; done < 20; page++) {
            char cmd[32], out[1200], want[1200] = "";
            sprintf(cmd, "80F240%02X024F0000", (fmt ? 0x02 : 0x00) | (page ? 0x01 : 0x00));
            int k = 20 - done < per ? 20 - done : per;
            for (int i = done; i < done + k; i++) {
                if (fmt == 0)
                    sprintf(want + strlen(want), "10%.32s0700", aids[i]);
                else
                    sprintf(want + strlen(want), "E3194F10%.32s9F700107C50100", aids[i]);
            }
            done += k;
            strcat(want, done < 20 ? "6310" : "9000");
            gt_send(f, cmd, out, sizeof(out));
            assert_string_equal(out, want);
        }
    }
    /* P1=80 has no next */
    GT_EXPECT(f, "80F28001024F0000", "6A86");
    /* the registry is persistent: it survives a power cycle */
    uint8_t atr[JC_ATR_MAX];
    jc_card_power_off(f->card);
    assert_true(jc_card_power_on(f->card, atr, sizeof(atr)) > 0);
    jc_scp02_reset(&f->host);
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    char want[200];
    sprintf(want, "10%.32s07006310", aids[0]);
    char out[1200];
    gt_send(f, "80F24000024F0000", out, sizeof(out));
    assert_memory_equal(out, want, 2 * 19);
    /* bad P1, bad P2 bits, bad search data */
    GT_EXPECT(f, "80F24100024F0000", "6A86");
    GT_EXPECT(f, "80F24004024F0000", "6A86");
    GT_EXPECT(f, "80F24000025C0000", "6A80");
    GT_EXPECT(f, "80F24000024F0500", "6A80");
    gt_free(f);
}

/* jcop-facts.md §8: a JCOP 2.4.2 R2 card's raw answers under C-MAC, byte for byte. */
static void test_j2e145_published_registry(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2E145");
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    GT_EXPECT(f, "80F28000024F0000", "08A000000151000000019E9000");
    GT_EXPECT(f, "80F24000024F0000", "6A88");
    GT_EXPECT(f, "80F22000024F0000", "07A000000151535001009000");
    GT_EXPECT(f, "80F21000024F0000", "07A00000015153500100" "0108A0000001515350419000");
    /* issue #402's P1=10 TLV entry */
    GT_EXPECT(f, "80F21002024F0000", "E3174F07A00000015153509F7001018408A0000001515350419000");
    gt_free(f);
}

/* SET STATUS P1=40: lock (b8 of the life cycle) and unlock an application. */
static void test_app_lock(void **state)
{
    (void)state;
    gt_fix *f = gt_new("J2A040");
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    GT_EXPECT(f, INSTALL_FOR_LOAD, "009000");
    assert_int_equal(load_blocks(f, LFDB, 255), 0x9000);
    GT_EXPECT(f, INSTALL_AND_SELECTABLE, "009000");
    GT_EXPECT(f, "80F0408009" APP, "9000");
    GT_EXPECT(f, "80F24000024F0000", "09" APP "8700" "9000");
    GT_EXPECT(f, "80F0408009" APP, "6985");        /* already locked */
    GT_EXPECT(f, "80F0408009F06A636F7073696D09", "6A88");
    GT_EXPECT(f, "80F0408008A000000003000000", "6A88"); /* the ISD is not an application */
    GT_EXPECT(f, "80F0200009" APP, "6A86");
    jc_scp02 saved = f->host;
    jc_scp02_reset(&f->host);
    GT_EXPECT(f, "00A4040009" APP "00", "6A82");   /* a locked application is not selectable */
    f->host = saved;
    jc_scp02_reset(&f->host);
    assert_int_equal(gt_auth(f, 0, 1), 0x9000);
    GT_EXPECT(f, "80F0400009" APP, "9000");
    GT_EXPECT(f, "80F24000024F0000", "09" APP "0700" "9000");
    jc_scp02_reset(&f->host);
    GT_EXPECT(f, "00A4040009" APP "00", "9000");
    gt_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_install_status_delete),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_make_selectable_and_default),
        cmocka_unit_test(test_get_status_paging),
        cmocka_unit_test(test_j2e145_published_registry),
        cmocka_unit_test(test_app_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
