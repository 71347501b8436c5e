/*
 * test_jh_report.c: the report formats. JUnit XML is parsed back by Python's
 * xml.etree (Debian's /usr/bin/python3), which checks its structure: one
 * testcase per script, a <failure> naming file:line, an <error> for a script
 * error, escaping of markup characters, control characters and invalid
 * UTF-8. TAP test points and plan; the text transcript lines; the --diff
 * comparison against a golden transcript and a jcopsim trace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jh_report.h"
#include "jh_transcript.h"
#include "jh_util.h"

static void add_apdu(jh_transcript *t, const char *file, unsigned line, const char *c,
                     const char *r, const char *expect, jh_verdict v, const char *msg)
{
    jh_entry *e = jh_transcript_add(t, file, line, "/send", JH_ENTRY_APDU);
    assert_non_null(e);
    uint8_t b[64];
    int n = jh_unhex(c, (size_t)-1, b, sizeof b);
    jh_entry_set_bytes(&e->capdu, &e->capdu_len, b, (size_t)n);
    jh_entry_set_bytes(&e->plain, &e->plain_len, b, (size_t)n);
    n = jh_unhex(r, (size_t)-1, b, sizeof b);
    jh_entry_set_bytes(&e->rapdu, &e->rapdu_len, b, (size_t)n);
    e->sw = (uint16_t)(b[n - 2] << 8 | b[n - 1]);
    if (expect)
        jh_entry_set_text(&e->expect, expect);
    e->verdict = v;
    if (msg)
        jh_entry_set_text(&e->message, msg);
}

/* Three runs: passing, failing (with nasty characters), script error. */
static void build_runs(jh_transcript t[3])
{
    jh_transcript_init(&t[0], "ok.jcsh", "jcsh", "in-process J2A040");
    jh_entry *e = jh_transcript_add(&t[0], "ok.jcsh", 1, "/atr", JH_ENTRY_POWER_ON);
    e->atr[0] = 0x3B;
    e->atr_len = 1;
    add_apdu(&t[0], "ok.jcsh", 2, "00A4040000", "6F009000", "*9000", JH_VERDICT_PASS, NULL);
    add_apdu(&t[0], "ok.jcsh", 3, "00F00000", "9000", NULL, JH_VERDICT_NONE, NULL);
    jh_transcript_count(&t[0]);
    t[0].status = 0;

    jh_transcript_init(&t[1], "bad <&\"'>.jcsh", "jcsh", "pcsc \"R\"");
    add_apdu(&t[1], "bad <&\"'>.jcsh", 7, "00A4040000", "6A82", "9000", JH_VERDICT_FAIL,
             "expected 9000, got 6A82 \x01 \xff\xfe <tag> & \"q\"");
    e = jh_transcript_add(&t[1], "bad <&\"'>.jcsh", 9, "/send", JH_ENTRY_REFUSED);
    static const uint8_t fuse[4] = {0};
    jh_entry_set_bytes(&e->capdu, &e->capdu_len, fuse, 4);
    e->verdict = JH_VERDICT_ERROR;
    jh_entry_set_text(&e->message, "refused: FUSE (00 00 00 00) is irreversible");
    jh_transcript_count(&t[1]);
    t[1].status = 1;

    jh_transcript_init(&t[2], "err.gpsh", "gpsh", NULL);
    t[2].status = 2;
    jh_entry_set_text(&t[2].error, "unknown command \"foo\"");
    jh_entry_set_text(&t[2].error_file, "err.gpsh");
    t[2].error_line = 4;
}

static const char junit_checker[] =
    "import sys, xml.etree.ElementTree as ET\n"
    "root = ET.parse(sys.argv[1]).getroot()\n"
    "assert root.tag == 'testsuites', root.tag\n"
    "suites = root.findall('testsuite')\n"
    "assert len(suites) == 1\n"
    "s = suites[0]\n"
    "assert s.get('tests') == '3' and s.get('failures') == '1' and s.get('errors') == '1', "
    "s.attrib\n"
    "cases = s.findall('testcase')\n"
    "assert [c.get('name') for c in cases] == ['ok.jcsh', 'bad <&\"\\'>.jcsh', 'err.gpsh'], "
    "[c.get('name') for c in cases]\n"
    "assert cases[0].find('failure') is None and cases[0].find('error') is None\n"
    "f = cases[1].find('failure')\n"
    "assert f is not None\n"
    "assert f.get('message').startswith('bad <&\"\\'>.jcsh:7: expected 9000, got 6A82'), "
    "f.get('message')\n"
    "assert 'bad <&\"\\'>.jcsh:9: /send: refused' in f.text, f.text\n"
    "assert '<tag> & \"q\"' in f.get('message')\n"
    "e = cases[2].find('error')\n"
    "assert e is not None and e.get('type') == 'script'\n"
    "assert e.get('message') == 'err.gpsh:4: unknown command \"foo\"', e.get('message')\n"
    "out = cases[0].find('system-out').text\n"
    "assert '=> 00A4040000' in out and '<= 6F009000' in out, out\n"
    "print('junit ok')\n";

static void test_junit(void **state)
{
    jh_transcript t[3];
    build_runs(t);
    const jh_transcript *runs[3] = {&t[0], &t[1], &t[2]};
    char xml[] = "/tmp/jh-junit-XXXXXX";
    int fd = mkstemp(xml);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_int_equal(jh_report_junit(f, runs, 3), 0);
    fclose(f);
    char py[] = "/tmp/jh-junit-check-XXXXXX";
    fd = mkstemp(py);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, junit_checker, strlen(junit_checker)),
                     (ssize_t)strlen(junit_checker));
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", py, xml);
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "cat %s", xml);
        (void)system(cmd);
    }
    assert_int_equal(rc, 0);
    unlink(py);
    unlink(xml);
    for (int i = 0; i < 3; i++)
        jh_transcript_free(&t[i]);
}

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    fn(m, arg);
    fclose(m);
    return buf;
}

static void tap3(FILE *f, const void *arg)
{
    const jh_transcript *const *runs = arg;
    jh_report_tap(f, runs, 3);
}

static void test_tap(void **state)
{
    jh_transcript t[3];
    build_runs(t);
    const jh_transcript *runs[3] = {&t[0], &t[1], &t[2]};
    char *out = capture(tap3, runs);
    assert_non_null(strstr(out, "TAP version 13\n"));
    assert_non_null(strstr(out, "ok 1 - ok.jcsh:1 /atr # SKIP not judged\n"));
    assert_non_null(strstr(out, "ok 2 - ok.jcsh:2 /send 00A4040000\n"));
    assert_non_null(strstr(out, "ok 3 - ok.jcsh:3 /send 00F00000 # SKIP not judged\n"));
    assert_non_null(strstr(out, "not ok 4 - bad <&\"'>.jcsh:7 /send 00A4040000\n"));
    assert_non_null(strstr(out, "  message: \"bad <&\"'>.jcsh:7: expected 9000, got 6A82"));
    assert_non_null(strstr(out, "not ok 5 - bad <&\"'>.jcsh:9 /send 00000000\n"));
    assert_non_null(strstr(out, "not ok 6 - err.gpsh:4: unknown command \"foo\"\n"));
    assert_non_null(strstr(out, "\n1..6\n"));
    free(out);
    for (int i = 0; i < 3; i++)
        jh_transcript_free(&t[i]);
}

static void transcript1(FILE *f, const void *arg)
{
    jh_report_transcript(f, arg);
}

static void test_transcript_text(void **state)
{
    jh_transcript t[3];
    build_runs(t);
    char *out = capture(transcript1, &t[1]);
    assert_non_null(strstr(out, "=> 00A4040000\n<= 6A82  FILE_NOT_FOUND"));
    assert_non_null(strstr(out, "bad <&\"'>.jcsh:7: expected 9000, got 6A82"));
    assert_non_null(strstr(out, "REFUSED\n=> (not sent) 00000000\n"));
    assert_non_null(strstr(out, "FAIL\n"));
    free(out);
    out = capture(transcript1, &t[0]);
    assert_non_null(strstr(out, "-- power on, ATR 3B\n"));
    assert_non_null(strstr(out, ": 1 held, 0 failed, 0 errors, 2 not judged: PASS"));
    free(out);
    for (int i = 0; i < 3; i++)
        jh_transcript_free(&t[i]);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_diff(void **state)
{
    jh_transcript t[3];
    build_runs(t);
    char dir[] = "/tmp/jh-diff-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char trace[128], golden[128], bad[128], longer[128];
    snprintf(trace, sizeof trace, "%s/session.trace", dir);
    snprintf(golden, sizeof golden, "%s/golden.txt", dir);
    snprintf(bad, sizeof bad, "%s/bad.trace", dir);
    snprintf(longer, sizeof longer, "%s/longer.trace", dir);
    /* a jcopsim trace: power events are not compared */
    write_text(
        trace,
        "# jcopsim trace\n/atr 3B\n/send 00A4040000 6F009000\n/power off\n/send 00f00000 9000\n");
    /* a jcop-replay transcript */
    write_text(golden, "# x\nok.jcsh:2: /send  ok\n=> 00A4040000\n<= 6F009000  OK: success\n"
                       "ok.jcsh:3: /send\n=> 00F00000\n<= 9000  OK: success\n");
    write_text(bad, "/send 00A4040000 6F009000\n/send 00F00000 6985\n");
    write_text(longer, "/send 00A4040000 *9000\n/send 00F00000 9000\n/send 00100000 9000\n");
    jh_golden g;
    char err[256], msg[512];
    assert_int_equal(jh_golden_load(trace, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(jh_golden_diff(&g, "session.trace", &t[0], msg, sizeof msg), 0);
    jh_golden_free(&g);
    assert_int_equal(jh_golden_load(golden, &g, err, sizeof err), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.items[1].line, 6);
    assert_int_equal(jh_golden_diff(&g, "golden.txt", &t[0], msg, sizeof msg), 0);
    jh_golden_free(&g);
    assert_int_equal(jh_golden_load(bad, &g, err, sizeof err), 0);
    assert_int_equal(jh_golden_diff(&g, "bad.trace", &t[0], msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "exchange 2"));
    assert_non_null(strstr(msg, "ok.jcsh:3"));
    assert_non_null(strstr(msg, "bad.trace:2"));
    assert_non_null(strstr(msg, "expected => 00F00000 <= 6985, got => 00F00000 <= 9000"));
    jh_golden_free(&g);
    assert_int_equal(jh_golden_load(longer, &g, err, sizeof err), 0);
    assert_int_equal(jh_golden_diff(&g, "longer.trace", &t[0], msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "the run ended"));
    assert_non_null(strstr(msg, "longer.trace:3"));
    jh_golden_free(&g);
    assert_int_equal(jh_golden_load("/nonexistent/golden", &g, err, sizeof err), -1);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    for (int i = 0; i < 3; i++)
        jh_transcript_free(&t[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_junit),
        cmocka_unit_test(test_tap),
        cmocka_unit_test(test_transcript_text),
        cmocka_unit_test(test_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
