/*
 * jh_parse_scriptor.c: the scriptor form (.scriptor, .apdu, or --format
 * scriptor), as pcsc-tools' scriptor reads it: one APDU in hex per line
 * (blanks allowed), a trailing `\` continues the line, `#` starts a comment
 * line, `reset` resets the card, `exit` ends the script. Steps carry no
 * expectation: scriptor only shows answers, so they are recorded, not judged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jh_script.h"
#include "jh_util.h"

static int scriptor_line(jh_parse *p, char *line)
{
    char *s = jh_trim(line);
    if (!*s || s[0] == '#')
        return 0;
    if (!strcasecmp(s, "reset"))
        return jh_parse_add(p, JH_STEP_RESET, "reset") ? 0 : jh_parse_error(p, "out of memory");
    if (!strcasecmp(s, "exit") || !strcasecmp(s, "quit"))
        return jh_parse_add(p, JH_STEP_EXIT, "exit") ? 0 : jh_parse_error(p, "out of memory");
    size_t cap = strlen(s) / 2 + 1;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return jh_parse_error(p, "out of memory");
    int n = jh_unhex(s, (size_t)-1, buf, cap);
    free(buf);
    if (n < 0)
        return jh_parse_error(p, "not a hex APDU, reset or exit: \"%.60s\"", s);
    if (n < 4)
        return jh_parse_error(p, "APDU of %d bytes: at least CLA INS P1 P2 expected", n);
    jh_step *st = jh_parse_add(p, JH_STEP_SEND, "apdu");
    if (!st)
        return jh_parse_error(p, "out of memory");
    st->wrap = JH_WRAP_NEVER;
    st->arg = jh_strdup(s);
    return st->arg ? 0 : jh_parse_error(p, "out of memory");
}

int jh_parse_scriptor_text(jh_parse *p, char *text)
{
    jh_buf joined;
    jh_buf_init(&joined);
    unsigned first_line = 0;
    unsigned lineno = 0;
    char *line = text;
    int rc = 0;
    while (line && rc == 0) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (!joined.len)
            first_line = lineno;
        bool cont = n && line[n - 1] == '\\' && line[0] != '#';
        if (cont)
            line[n - 1] = ' ';
        jh_buf_puts(&joined, line);
        if (!cont || !nl) {
            p->line = first_line;
            if (joined.oom)
                rc = jh_parse_error(p, "out of memory");
            else if (joined.s)
                rc = scriptor_line(p, joined.s);
            jh_buf_free(&joined);
            if (rc == 0 && p->s->n_steps && p->s->steps[p->s->n_steps - 1].kind == JH_STEP_EXIT)
                break; /* nothing after exit is read */
        } else {
            jh_buf_putc(&joined, ' ');
        }
        line = nl ? nl + 1 : NULL;
    }
    jh_buf_free(&joined);
    return rc;
}
