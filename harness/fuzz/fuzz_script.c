/*
 * fuzz_script.c: the harness's script parsers (JCShell, GPShell, scriptor) and
 * its data-expression evaluator fed arbitrary text.
 *
 * Where it sits: jcop-replay loads a user's script through jh_script_load ->
 * jh_parse_* before anything reaches a card (harness/jh_script.h); a bad
 * script must give `file:line: message`, never a crash. Byte 0 chooses the
 * language (0 jcsh, 1 gpsh, 2 scriptor, 3 the data expression evaluator); the
 * rest is the text (cut at the first NUL). The script is named in a folder
 * that does not exist, so a relative /include fails cleanly; texts naming
 * /dev/ or /proc/ are skipped (an /include of a device would block the
 * fuzzer, not find a bug).
 * Oracles: no crash; an error names a line within the text; every step keeps
 * its file and a line number that exists.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_fuzz.h"
#include "jh_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = malloc(size);
    JF_CHECK(text != NULL);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (strstr(text, "/dev/") != NULL || strstr(text, "/proc/") != NULL) {
        free(text);
        return 0;
    }
    unsigned lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';

    static const char *const fmts[] = {"jcsh", "gpsh", "scriptor"};
    static const char *const names[] = {"/nonexistent-jcopsim-fuzz/s.jcsh",
                                        "/nonexistent-jcopsim-fuzz/s.gpsh",
                                        "/nonexistent-jcopsim-fuzz/s.scriptor"};
    unsigned which = data[0] % 4u;
    if (which == 3) {
        uint8_t out[512];
        char err[256];
        int n = jh_data_eval(text, out, sizeof out, err, sizeof err);
        JF_CHECK(n >= -1 && n <= (int)sizeof out);
        if (n < 0)
            JF_CHECK(memchr(err, '\0', sizeof err) != NULL);
        free(text);
        return 0;
    }
    jh_script s;
    memset(&s, 0, sizeof s);
    int r = jh_script_parse_text(&s, names[which], text, fmts[which]);
    JF_CHECK(r == 0 || r == JH_SCRIPT_ERR || r == JH_SCRIPT_ERR_IO);
    if (r == JH_SCRIPT_ERR && strcmp(s.err_file, names[which]) == 0)
        JF_CHECK(s.err_line <= lines + 1);
    for (size_t i = 0; i < s.n_steps; i++) {
        JF_CHECK(s.steps[i].file != NULL);
        if (strcmp(s.steps[i].file, names[which]) == 0)
            JF_CHECK(s.steps[i].line >= 1 && s.steps[i].line <= lines + 1);
    }
    jh_script_free(&s);
    free(text);
    return 0;
}
