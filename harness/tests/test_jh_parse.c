/*
 * test_jh_parse.c: the three script languages. Every command of each
 * language produces the expected step (kind, arguments, expectation, line);
 * every error is reported with its file and line; data expressions
 * (|ascii|, #(...), quotes) evaluate to the right bytes; /include resolves
 * relative to the including file and detects cycles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jh_script.h"
#include "jh_util.h"

static jh_script parse_ok(const char *format, const char *text)
{
    jh_script s;
    int rc = jh_script_parse_text(&s, "t/script", text, format);
    if (rc != 0)
        fail_msg("parse failed: %s:%u: %s", s.err_file, s.err_line, s.err);
    return s;
}

/* ---------------------------------------------------------------- JCShell */

static void test_jcsh_commands(void **state)
{
    jh_script s =
        parse_ok("jcsh", "# comment\n"                                              /* 1 */
                         "\n"                                                       /* 2 */
                         "/atr 3BF8*\n"                                             /* 3 */
                         "/reset\n"                                                 /* 4 */
                         "/power on 3B*\n"                                          /* 5 */
                         "/power off\n"                                             /* 6 */
                         "/send 00A4040000 6A82\n"                                  /* 7 */
                         "/send \"00 A4 04 00 #(|JCOP|)\" *9000|6A82\n"             /* 8 */
                         "/select A000000003000000 6F*9000\n"                       /* 9 */
                         "/set-var KT 00 01 02\n"                                   /* 10 */
                         "/echo hello ${KT}\n"                                      /* 11 */
                         "/identify ????????????????????????????00*6A82\n"          /* 12 */
                         "set-key 255/1/DES-ECB/404142434445464748494A4B4C4D4E4F\n" /* 13 */
                         "init-update 255\n"                                        /* 14 */
                         "ext-auth enc\n"                                           /* 15 */
                         "/ext-auth plain\n"                                        /* 16 */
                         "/send 00A40400${KT}\n"                                    /* 17 */
                         "/card -a A000000003000000\n"                              /* 18 */
                         "/terminal \"PCSC|Reader 0\"\n"                            /* 19 */
                         "   // another comment\n"                                  /* 20 */
                         "/close\n"                                                 /* 21 */
                         "ext-auth\n"                                               /* 22 */
                         "init-update\r\n");                                        /* 23 */
    static const struct {
        jh_step_kind kind;
        unsigned line;
        const char *verb;
        const char *arg;
        const char *expect;
    } want[] = {
        {JH_STEP_ATR, 3, "/atr", NULL, "3BF8*"},
        {JH_STEP_RESET, 4, "/reset", NULL, NULL},
        {JH_STEP_POWER_ON, 5, "/power", NULL, "3B*"},
        {JH_STEP_POWER_OFF, 6, "/power", NULL, NULL},
        {JH_STEP_SEND, 7, "/send", "00A4040000", "6A82"},
        {JH_STEP_SEND, 8, "/send", "\"00 A4 04 00 #(|JCOP|)\"", "*9000|6A82"},
        {JH_STEP_SELECT, 9, "/select", "A000000003000000", "6F*9000"},
        {JH_STEP_SET_VAR, 10, "/set-var", "KT", NULL},
        {JH_STEP_ECHO, 11, "/echo", "hello ${KT}", NULL},
        {JH_STEP_IDENTIFY, 12, "/identify", NULL, "????????????????????????????00*6A82"},
        {JH_STEP_SET_KEY, 13, "set-key", NULL, NULL},
        {JH_STEP_INIT_UPDATE, 14, "init-update", NULL, NULL},
        {JH_STEP_EXT_AUTH, 15, "ext-auth", NULL, NULL},
        {JH_STEP_EXT_AUTH, 16, "/ext-auth", NULL, NULL},
        {JH_STEP_SEND, 17, "/send", "00A40400${KT}", NULL},
        {JH_STEP_SELECT, 18, "/card", "A000000003000000", NULL},
        {JH_STEP_NOTE, 19, "/terminal", NULL, NULL},
        {JH_STEP_POWER_OFF, 21, "/close", NULL, NULL},
        {JH_STEP_EXT_AUTH, 22, "ext-auth", NULL, NULL},
        {JH_STEP_INIT_UPDATE, 23, "init-update", NULL, NULL},
    };
    assert_int_equal(s.n_steps, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s.n_steps; i++) {
        const jh_step *st = &s.steps[i];
        assert_int_equal(st->kind, want[i].kind);
        assert_int_equal(st->line, want[i].line);
        assert_string_equal(st->file, "t/script");
        assert_string_equal(st->verb, want[i].verb);
        if (want[i].arg)
            assert_string_equal(st->arg, want[i].arg);
        if (want[i].expect)
            assert_string_equal(st->expect, want[i].expect);
        else
            assert_null(st->expect);
    }
    assert_string_equal(s.steps[7].arg2, "00 01 02");
    assert_int_equal(s.steps[10].kvn, 255);
    assert_int_equal(s.steps[10].key_mask, 1);
    assert_int_equal(s.steps[10].keys[0][0], 0x40);
    assert_int_equal(s.steps[11].kvn, 255);
    assert_int_equal(s.steps[12].level, 0x03);
    assert_int_equal(s.steps[13].level, 0x00);
    assert_int_equal(s.steps[18].level, 0x01); /* default: C-MAC */
    assert_int_equal(s.steps[19].kvn, 0);      /* default: first key set */
    jh_script_free(&s);
}

/* ext-auth [LEVEL] [le]: the level (default mac) and GlobalPlatformPro's Le=00, in either order. */
static void test_jcsh_ext_auth_le(void **state)
{
    jh_script s = parse_ok("jcsh", "ext-auth mac le\n"
                                   "ext-auth le\n"
                                   "ext-auth LE enc\n"
                                   "/ext-auth plain le\n"
                                   "ext-auth mac\n");
    static const struct {
        uint8_t level;
        bool with_le;
    } want[] = {{0x01, true}, {0x01, true}, {0x03, true}, {0x00, true}, {0x01, false}};
    assert_int_equal(s.n_steps, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s.n_steps; i++) {
        assert_int_equal(s.steps[i].kind, JH_STEP_EXT_AUTH);
        assert_int_equal(s.steps[i].level, want[i].level);
        assert_int_equal(s.steps[i].with_le, want[i].with_le);
    }
    jh_script_free(&s);
}

static void test_jcsh_set_key_forms(void **state)
{
    jh_script s = parse_ok(
        "jcsh", "set-key 1/404142434445464748494A4B4C4D4E4F\n"
                "set-key 0x20/000102030405060708090A0B0C0D0E0F/101112131415161718191A1B1C1D1E1F/"
                "202122232425262728292A2B2C2D2E2F\n"
                "set-key 255/2/DES-ECB/404142434445464748494A4B4C4D4E4F 255/3/DES/"
                "505152535455565758595A5B5C5D5E5F\n");
    assert_int_equal(s.n_steps, 3);
    assert_int_equal(s.steps[0].kvn, 1);
    assert_int_equal(s.steps[0].key_mask, 7);
    assert_int_equal(s.steps[0].keys[2][15], 0x4F);
    assert_int_equal(s.steps[1].kvn, 0x20);
    assert_int_equal(s.steps[1].key_mask, 7);
    assert_int_equal(s.steps[1].keys[0][0], 0x00);
    assert_int_equal(s.steps[1].keys[1][0], 0x10);
    assert_int_equal(s.steps[1].keys[2][0], 0x20);
    assert_int_equal(s.steps[2].key_mask, 6);
    assert_int_equal(s.steps[2].keys[1][0], 0x40);
    assert_int_equal(s.steps[2].keys[2][0], 0x50);
    jh_script_free(&s);
}

typedef struct {
    const char *format;
    const char *text;
    unsigned line;
    const char *msg; /* substring of the message */
} error_case;

static const error_case errors[] = {
    /* JCShell */
    {"jcsh", "/atr\n/frobnicate 00\n", 2, "unknown command \"/frobnicate\""},
    {"jcsh", "\n\n/send 00A4G0\n", 3, "bad C-APDU"},
    {"jcsh", "/send 00A404\n", 1, "3 bytes"},
    {"jcsh", "/send 00A4040\n", 1, "odd number"},
    {"jcsh", "/send\n", 1, "needs a C-APDU"},
    {"jcsh", "/send 00A40400 90Z0\n", 1, "bad expectation"},
    {"jcsh", "/send 00A40400 9000|\n", 1, "bad expectation"},
    {"jcsh", "/send 00A40400#(0102\n", 1, "unterminated #("},
    {"jcsh", "/send 00A40400|abc\n", 1, "unterminated |ascii|"},
    {"jcsh", "/send 00A4040001)\n", 1, "')' without '#('"},
    {"jcsh", "/select\n", 1, "needs an AID"},
    {"jcsh", "/select A0000000 90000\n", 1, "bad expectation"},
    {"jcsh", "/power up\n", 1, "on or off"},
    {"jcsh", "/power off 9000\n", 1, "no expectation"},
    {"jcsh", "/atr 3BF\n", 1, "bad expectation"},
    {"jcsh", "/set-var\n", 1, "needs a name"},
    {"jcsh", "/set-var 1abc 00\n", 1, "bad variable name"},
    {"jcsh", "# x\n/include\n", 2, "needs a file name"},
    {"jcsh", "/include does-not-exist.jcsh\n", 1, "cannot open"},
    {"jcsh", "set-key\n", 1, "set-key needs"},
    {"jcsh", "set-key 256/404142434445464748494A4B4C4D4E4F\n", 1, "KVN"},
    {"jcsh", "set-key 1/4041\n", 1, "16-byte"},
    {"jcsh", "set-key 1/4/DES-ECB/404142434445464748494A4B4C4D4E4F\n", 1, "key id"},
    {"jcsh", "set-key 1/1/AES/404142434445464748494A4B4C4D4E4F\n", 1, "not supported"},
    {"jcsh",
     "set-key 1/1/DES-ECB/404142434445464748494A4B4C4D4E4F "
     "2/2/DES-ECB/404142434445464748494A4B4C4D4E4F\n",
     1, "one key version"},
    {"jcsh", "init-update 300\n", 1, "key version"},
    {"jcsh", "init-update 1 2\n", 1, "key version"},
    {"jcsh", "ext-auth secret\n", 1, "plain, mac or enc"},
    {"jcsh", "ext-auth le le\n", 1, "optionally le"},
    {"jcsh", "ext-auth mac enc\n", 1, "optionally le"},
    {"jcsh", "ext-auth mac le 00\n", 1, "optionally le"},
    {"jcsh", "ext-auth le secret\n", 1, "optionally le"},
    {"jcsh", "/card -b 00\n", 1, "-a"},
    {"jcsh", "atr\n", 1, "unknown command"},
    {"jcsh", "set-key 1/4041424344454647 2 3 4 5 6 7 8 9\n", 1, "too many words"},
    {"jcsh",
     "/send "
     "00A40400#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(#(00)))))))))))))))"
     ")))))))))))))))))))\n",
     1, "nested deeper"},
    /* GPShell */
    {"gpsh", "mode_211\nfoo\n", 2, "unknown command \"foo\""},
    {"gpsh", "send_apdu -sc 0 -APDU 00A4GG\n", 1, "bad hex"},
    {"gpsh", "send_apdu -sc 0\n", 1, "needs -APDU"},
    {"gpsh", "send_apdu -sc 2 -APDU 00A40400\n", 1, "-sc must be 0 or 1"},
    {"gpsh", "send_apdu -sc 0 -APDU\n", 1, "needs a value"},
    {"gpsh", "send_apdu -xyz 0 -APDU 00A40400\n", 1, "unknown option -xyz"},
    {"gpsh", "send_apdu 00A40400\n", 1, "not an option"},
    {"gpsh", "// c\n\nselect\n", 3, "needs -AID"},
    {"gpsh", "select -AID 0102030405060708090A0B0C0D0E0F1011\n", 1, "17 bytes"},
    {"gpsh", "open_sc -security 1 -keyind 0 -keyver 0\n", 1, "needs -key"},
    {"gpsh", "open_sc -security 2 -key 404142434445464748494A4B4C4D4E4F\n", 1, "-security 2"},
    {"gpsh", "open_sc -security 9 -key 404142434445464748494A4B4C4D4E4F\n", 1, "-security"},
    {"gpsh", "open_sc -key 4041\n", 1, "16-byte"},
    {"gpsh", "open_sc -scpimpl 0x55 -key 404142434445464748494A4B4C4D4E4F\n", 1, "i=15"},
    {"gpsh", "get_data\n", 1, "-identifier"},
    {"gpsh", "get_data -identifier 9F\n", 1, "-identifier"},
    {"gpsh", "get_status -element 30\n", 1, "-element"},
    {"gpsh", "put_sc_key -keyver 0 -key 404142434445464748494A4B4C4D4E4F\n", 1, "-newkeyver"},
    {"gpsh", "put_sc_key -keyver 0 -newkeyver 200 -key 404142434445464748494A4B4C4D4E4F\n", 1,
     "newkeyver"},
    {"gpsh", "delete\n", 1, "needs -AID"},
    {"gpsh", "delete -AID 0102\n", 1, "5 to 16"},
    {"gpsh", "install -sdAID A000000003000000\n", 1, "-file"},
    {"gpsh", "install -file x.cap -priv 1234\n", 1, "-priv"},
    {"gpsh", "card_connect -readerNumber x\n", 1, "not a number"},
    {"gpsh", "delete_key -keyind 1\n", 1, "needs -keyver"},
    {"gpsh", "delete_key -keyver 0\n", 1, "needs a -keyind"},
    {"gpsh", "delete_key -keyver 300\n", 1, "-keyver"},
    {"gpsh", "store_data -dataFormat 0x10\n", 1, "needs -data"},
    {"gpsh", "store_data -data 9F6708XY\n", 1, "bad hex"},
    {"gpsh", "install_for_personalization -aid 0102\n", 1, "5 to 16"},
    {"gpsh",
     "mode_211\nsend_apdu -sc 0 -sc 0 -sc 0 -sc 0 -sc 0 -sc 0 -sc 0 -sc 0 -sc 0 -sc 0 -sc 0 -sc 0 "
     "-sc 0 -sc 0 -sc 0 -sc 0 -sc 0\n",
     2, "too many words"},
    /* scriptor */
    {"scriptor", "# c\n00A4040000\nhello\n", 3, "not a hex APDU"},
    {"scriptor", "00A4\n", 1, "at least CLA INS P1 P2"},
    {"scriptor", "00A4040000\n00 A4 \\\n04 0\n", 2, "not a hex APDU"},
};

static void test_errors(void **state)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        jh_script s;
        int rc = jh_script_parse_text(&s, "t/err", errors[i].text, errors[i].format);
        if (rc != JH_SCRIPT_ERR)
            fail_msg("case %zu (%s) accepted: %s", i, errors[i].format, errors[i].text);
        if (s.err_line != errors[i].line || !strstr(s.err, errors[i].msg))
            fail_msg("case %zu: got %s:%u: %s; want line %u with \"%s\"", i, s.err_file, s.err_line,
                     s.err, errors[i].line, errors[i].msg);
        assert_string_equal(s.err_file, "t/err");
        jh_script_free(&s);
    }
}

/* GPShell's key deletion and personalization verbs become wrapped APDUs. */
static void test_gpsh_key_perso_verbs(void **state)
{
    (void)state;
    char data[1200];
    memset(data, 0, sizeof data);
    for (int i = 0; i < 250; i++)
        memcpy(data + 2 * i, "AB", 2);
    char text[1600];
    snprintf(text, sizeof text,
             "delete_key -keyver 2\n"
             "delete_key -keyver 1 -keyind 3\n"
             "delete_key -keyver 0 -keyind 2\n"
             "install_for_personalization -aid D0D1D2D3D4D50101\n"
             "store_data -dataEncryption 0x10 -data 9F67080102108511223344\n"
             "store_data -data %s\n",
             data);
    jh_script s = parse_ok("gpsh", text);
    static const char *want[] = {
        "80E4008003D2010200",
        "80E4008006D00103D2010100",
        "80E4008003D0010200",
        "80E620000E000008D0D1D2D3D4D50101000000",
        "80E290000B9F67080102108511223344",
    };
    assert_int_equal(s.n_steps, 5 + 2);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(s.steps[i].kind, JH_STEP_SEND);
        assert_int_equal(s.steps[i].wrap, JH_WRAP_ALWAYS);
        assert_string_equal(s.steps[i].expect, "*9000");
        assert_string_equal(s.steps[i].arg, want[i]);
    }
    /* 250 bytes: a block of 239 (P1 00, P2 00) and the last of 11 (P1 80, P2 01) */
    assert_int_equal(strncmp(s.steps[5].arg, "80E20000EF", 10), 0);
    assert_int_equal(strlen(s.steps[5].arg), 10 + 2 * 239);
    assert_string_equal(s.steps[6].arg, "80E280010BABABABABABABABABABABAB");
    jh_script_free(&s);
}

/* ---------------------------------------------------------------- GPShell */

static void test_gpsh_commands(void **state)
{
    jh_script s = parse_ok(
        "gpsh",
        "// GPShell script\n"                              /* 1 */
        "mode_211\n"                                       /* 2 */
        "enable_trace\n"                                   /* 3 */
        "establish_context\n"                              /* 4 */
        "card_connect -readerNumber 1\n"                   /* 5 */
        "select -AID A000000003000000\n"                   /* 6 */
        "send_apdu -sc 0 -APDU 00F00000\n"                 /* 7 */
        "send_apdu -sc 1 -APDU 80CA006600\n"               /* 8 */
        "send_apdu -APDU 80CA9F7F00 // trailing comment\n" /* 9 */
        "open_sc -security 3 -keyind 0 -keyver 255 -enc_key 404142434445464748494A4B4C4D4E4F "
        "-mac_key 505152535455565758595A5B5C5D5E5F -kek_key 606162636465666768696A6B6C6D6E6F "
        "-scp 2 -scpimpl 0x15\n"                                                    /* 10 */
        "get_data -identifier 9F7F\n"                                               /* 11 */
        "get_status -element 40\n"                                                  /* 12 */
        "put_sc_key -keyver 0 -newkeyver 1 -key 404142434445464748494A4B4C4D4E4F\n" /* 13 */
        "delete -AID D0D1D2D3D4D501\n"                                              /* 14 */
        "install -file app.cap -sdAID A000000003000000 -priv 04\n"                  /* 15 */
        "card_disconnect\n"                                                         /* 16 */
        "release_context\n"                                                         /* 17 */
        "send_apdu_nostop -sc 0 -APDU 00A4040000\n");                               /* 18 */
    static const struct {
        jh_step_kind kind;
        unsigned line;
        const char *expect;
    } want[] = {
        {JH_STEP_NOTE, 2, NULL},
        {JH_STEP_NOTE, 3, NULL},
        {JH_STEP_NOTE, 4, NULL},
        {JH_STEP_POWER_ON, 5, NULL},
        {JH_STEP_SELECT, 6, "*9000|*6283"},
        {JH_STEP_SEND, 7, "*9000"},
        {JH_STEP_SEND, 8, "*9000"},
        {JH_STEP_SEND, 9, "*9000"},
        {JH_STEP_OPEN_SC, 10, NULL},
        {JH_STEP_GET_DATA, 11, "*9000"},
        {JH_STEP_GET_STATUS, 12, "*9000"},
        {JH_STEP_PUT_KEY, 13, NULL},
        {JH_STEP_DELETE, 14, "*9000"},
        {JH_STEP_INSTALL, 15, "*9000"},
        {JH_STEP_POWER_OFF, 16, NULL},
        {JH_STEP_NOTE, 17, NULL},
        {JH_STEP_SEND, 18, NULL},
    };
    assert_int_equal(s.n_steps, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s.n_steps; i++) {
        assert_int_equal(s.steps[i].kind, want[i].kind);
        assert_int_equal(s.steps[i].line, want[i].line);
        if (want[i].expect) {
            assert_string_equal(s.steps[i].expect, want[i].expect);
            assert_true(s.steps[i].expect_implicit);
        } else {
            assert_null(s.steps[i].expect);
        }
    }
    assert_non_null(strstr(s.steps[3].arg, "ignored"));
    assert_string_equal(s.steps[4].arg, "A000000003000000");
    assert_int_equal(s.steps[5].wrap, JH_WRAP_NEVER);
    assert_string_equal(s.steps[5].arg, "00F00000");
    assert_int_equal(s.steps[6].wrap, JH_WRAP_ALWAYS);
    assert_int_equal(s.steps[7].wrap, JH_WRAP_ALWAYS); /* GPShell's default -sc 1 */
    assert_int_equal(s.steps[8].level, 3);
    assert_int_equal(s.steps[8].kvn, 255);
    assert_int_equal(s.steps[8].keys[0][0], 0x40);
    assert_int_equal(s.steps[8].keys[1][0], 0x50);
    assert_int_equal(s.steps[8].keys[2][0], 0x60);
    assert_int_equal(s.steps[9].p1p2, 0x9F7F);
    assert_int_equal(s.steps[10].p1p2, 0x40);
    assert_int_equal(s.steps[11].kvn, 0);
    assert_int_equal(s.steps[11].new_kvn, 1);
    assert_int_equal(s.steps[11].keys[2][0], 0x40);
    assert_string_equal(s.steps[12].arg, "D0D1D2D3D4D501");
    assert_string_equal(s.steps[13].arg, "t/app.cap"); /* relative to the script */
    assert_string_equal(s.steps[13].arg2, "A000000003000000");
    assert_int_equal(s.steps[13].priv, 0x04);
    jh_script_free(&s);
}

/* ---------------------------------------------------------------- scriptor */

static void test_bom_and_crlf(void **state)
{
    jh_script s = parse_ok("gpsh", "\xEF\xBB\xBF"
                                   "mode_211\r\nsend_apdu -sc 0 -APDU 00A4040000\r\n");
    assert_int_equal(s.n_steps, 2);
    assert_string_equal(s.steps[1].arg, "00A4040000");
    jh_script_free(&s);
    s = parse_ok("jcsh", "\xEF\xBB\xBF"
                         "/atr\r\n");
    assert_int_equal(s.n_steps, 1);
    jh_script_free(&s);
    s = parse_ok("scriptor", "\xEF\xBB\xBF"
                             "00A4040000\r\nreset\r\n");
    assert_int_equal(s.n_steps, 2);
    jh_script_free(&s);
}

static void test_long_apdus(void **state)
{
    /* a 300-byte APDU in every language (no fixed parser buffer limits it) */
    char hex[2 * 300 + 1];
    for (int i = 0; i < 300; i++)
        memcpy(hex + 2 * i, "AB", 2);
    hex[600] = '\0';
    char text[800];
    snprintf(text, sizeof text, "send_apdu -sc 0 -APDU %s\n", hex);
    jh_script s = parse_ok("gpsh", text);
    assert_int_equal(s.n_steps, 1);
    jh_script_free(&s);
    snprintf(text, sizeof text, "/send %s *9000\n", hex);
    s = parse_ok("jcsh", text);
    jh_script_free(&s);
    snprintf(text, sizeof text, "%s\n", hex);
    s = parse_ok("scriptor", text);
    jh_script_free(&s);
}

static void test_scriptor(void **state)
{
    jh_script s = parse_ok("scriptor", "# scriptor file\n"       /* 1 */
                                       "00 A4 04 00 00\n"        /* 2 */
                                       "reset\n"                 /* 3 */
                                       "00 A4 04 00 \\\n"        /* 4 */
                                       "  08 A000000003000000\n" /* 5 */
                                       "\n"                      /* 6 */
                                       "80CA9F7F00\n"            /* 7 */
                                       "exit\n"                  /* 8 */
                                       "this is never read\n");  /* 9 */
    assert_int_equal(s.n_steps, 5);
    assert_int_equal(s.steps[0].kind, JH_STEP_SEND);
    assert_int_equal(s.steps[0].line, 2);
    assert_int_equal(s.steps[0].wrap, JH_WRAP_NEVER);
    assert_null(s.steps[0].expect);
    assert_int_equal(s.steps[1].kind, JH_STEP_RESET);
    assert_int_equal(s.steps[1].line, 3);
    assert_int_equal(s.steps[2].kind, JH_STEP_SEND);
    assert_int_equal(s.steps[2].line, 4);
    uint8_t b[32];
    char err[64];
    assert_int_equal(jh_data_eval(s.steps[2].arg, b, sizeof b, err, sizeof err), 13);
    assert_int_equal(b[4], 0x08);
    assert_int_equal(b[12], 0x00);
    assert_int_equal(s.steps[3].line, 7);
    assert_int_equal(s.steps[4].kind, JH_STEP_EXIT);
    assert_int_equal(s.steps[4].line, 8);
    jh_script_free(&s);
}

/* ---------------------------------------------------------------- data expressions */

static void test_data_eval(void **state)
{
    static const struct {
        const char *expr;
        const char *hex; /* NULL = error */
    } cases[] = {
        {"00A40400", "00A40400"},
        {"00 a4 04 00", "00A40400"},
        {"\"00 A4\" \"04 00\"", "00A40400"},
        {"|JCOP|", "4A434F50"},
        {"|a b|", "612062"},
        {"#(A000000003000000)", "08A000000003000000"},
        {"00A40400#(A000000003000000)00", "00A4040008A00000000300000000"},
        {"#()", "00"},
        {"#(01#(0203))", "0401020203"},
        {"#(|JCOP|)", "044A434F50"},
        {"\"80E6\" #(#(0102) 00)", "80E604020102"
                                   "00"},
        {"", ""},
        {"0", NULL},
        {"0G", NULL},
        {"#", NULL},
        {"#(01", NULL},
        {"01)", NULL},
        {"|abc", NULL},
        {"0|a|", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[64], want[64];
        char err[128];
        int n = jh_data_eval(cases[i].expr, out, sizeof out, err, sizeof err);
        if (!cases[i].hex) {
            if (n >= 0)
                fail_msg("\"%s\" accepted", cases[i].expr);
            continue;
        }
        if (n < 0)
            fail_msg("\"%s\": %s", cases[i].expr, err);
        int wn = jh_unhex(cases[i].hex, (size_t)-1, want, sizeof want);
        assert_int_equal(n, wn);
        assert_memory_equal(out, want, (size_t)n);
    }
    /* #(...) longer than 255 bytes */
    char big[2 * 300 + 8];
    strcpy(big, "#(");
    for (int i = 0; i < 256; i++)
        strcat(big, "AB");
    strcat(big, ")");
    uint8_t out[400];
    char err[128];
    assert_int_equal(jh_data_eval(big, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "255"));
    /* capacity */
    assert_int_equal(jh_data_eval("0102030405", out, 4, err, sizeof err), -1);
}

/* ---------------------------------------------------------------- includes */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_include(void **state)
{
    strcpy(tmpdir, "/tmp/jh-parse-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char sub[128];
    snprintf(sub, sizeof sub, "%s/lib", tmpdir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file("lib/vars.jcsh", "/set-var KT 0001\n");
    write_file("lib/power.jcsh", "/include vars.jcsh\n/power on\n");
    write_file("main.jcsh", "# main\n/include lib/power.jcsh\n/send 00A40400${KT} 9000\n");
    write_file("a.jcsh", "/echo a\n/include b.jcsh\n");
    write_file("b.jcsh", "\n/include a.jcsh\n");
    write_file("self.jcsh", "/include self.jcsh\n");
    write_file("missing.jcsh", "/echo x\n/include lib/nope.jcsh\n");
    write_file("bad.jcsh", "/echo x\n/include lib/broken.jcsh\n");
    write_file("lib/broken.jcsh", "/echo ok\n\n/bogus\n");

    char path[256];
    jh_script s;
    snprintf(path, sizeof path, "%s/main.jcsh", tmpdir);
    assert_int_equal(jh_script_load(&s, path, NULL), 0);
    assert_string_equal(s.format, "jcsh");
    assert_int_equal(s.n_steps, 3);
    assert_int_equal(s.steps[0].kind, JH_STEP_SET_VAR);
    assert_int_equal(s.steps[0].line, 1);
    assert_non_null(strstr(s.steps[0].file, "lib/vars.jcsh"));
    assert_int_equal(s.steps[1].kind, JH_STEP_POWER_ON);
    assert_int_equal(s.steps[1].line, 2);
    assert_non_null(strstr(s.steps[1].file, "lib/power.jcsh"));
    assert_int_equal(s.steps[2].kind, JH_STEP_SEND);
    assert_int_equal(s.steps[2].line, 3);
    assert_string_equal(s.steps[2].file, path);
    jh_script_free(&s);

    snprintf(path, sizeof path, "%s/a.jcsh", tmpdir);
    assert_int_equal(jh_script_load(&s, path, NULL), JH_SCRIPT_ERR);
    assert_non_null(strstr(s.err, "cycle"));
    assert_non_null(strstr(s.err_file, "b.jcsh"));
    assert_int_equal(s.err_line, 2);
    jh_script_free(&s);

    snprintf(path, sizeof path, "%s/self.jcsh", tmpdir);
    assert_int_equal(jh_script_load(&s, path, NULL), JH_SCRIPT_ERR);
    assert_non_null(strstr(s.err, "cycle"));
    assert_int_equal(s.err_line, 1);
    jh_script_free(&s);

    snprintf(path, sizeof path, "%s/missing.jcsh", tmpdir);
    assert_int_equal(jh_script_load(&s, path, NULL), JH_SCRIPT_ERR);
    assert_non_null(strstr(s.err, "cannot open"));
    assert_non_null(strstr(s.err_file, "missing.jcsh"));
    assert_int_equal(s.err_line, 2);
    jh_script_free(&s);

    snprintf(path, sizeof path, "%s/bad.jcsh", tmpdir);
    assert_int_equal(jh_script_load(&s, path, NULL), JH_SCRIPT_ERR);
    assert_non_null(strstr(s.err_file, "lib/broken.jcsh"));
    assert_int_equal(s.err_line, 3);
    jh_script_free(&s);

    snprintf(path, sizeof path, "%s/nothing-here.jcsh", tmpdir);
    assert_int_equal(jh_script_load(&s, path, NULL), JH_SCRIPT_ERR_IO);
    jh_script_free(&s);

    snprintf(path, sizeof path, "%s/main.unknown", tmpdir);
    assert_int_equal(jh_script_load(&s, path, NULL), JH_SCRIPT_ERR);
    assert_non_null(strstr(s.err, "--format"));
    jh_script_free(&s);

    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    assert_int_equal(system(cmd), 0);
}

static void test_format_from_path(void **state)
{
    assert_string_equal(jh_format_from_path("a/b.jcsh"), "jcsh");
    assert_string_equal(jh_format_from_path("x.trace"), "jcsh");
    assert_string_equal(jh_format_from_path("x.gpsh"), "gpsh");
    assert_string_equal(jh_format_from_path("x.txt"), "gpsh");
    assert_string_equal(jh_format_from_path("x.scriptor"), "scriptor");
    assert_string_equal(jh_format_from_path("x.apdu"), "scriptor");
    assert_null(jh_format_from_path("x.sh"));
    assert_null(jh_format_from_path(".jcsh2"));
    assert_true(jh_format_valid("gpsh"));
    assert_false(jh_format_valid("GPSH"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jcsh_commands), cmocka_unit_test(test_jcsh_ext_auth_le),
        cmocka_unit_test(test_jcsh_set_key_forms),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_gpsh_commands),
        cmocka_unit_test(test_gpsh_key_perso_verbs),
        cmocka_unit_test(test_bom_and_crlf),  cmocka_unit_test(test_long_apdus),
        cmocka_unit_test(test_scriptor),      cmocka_unit_test(test_data_eval),
        cmocka_unit_test(test_include),       cmocka_unit_test(test_format_from_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
