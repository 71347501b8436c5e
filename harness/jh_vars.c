/*
 * jh_vars.c: the variable table of a script run and ${NAME} expansion
 * (rules in jh_vars.h). Expansion happens when a step runs, so a step can use
 * the answer to the step before it.
 */
#include "jh_vars.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jh_util.h"

void jh_vars_init(jh_vars *vs)
{
    vs->v = NULL;
    vs->n = 0;
}

static int name_char(int c, int first)
{
    if (isalpha(c) || c == '_')
        return 1;
    return !first && (isdigit(c) || c == '.' || c == '-');
}

int jh_var_name_ok(const char *name)
{
    if (!name || !*name)
        return 0;
    for (size_t i = 0; name[i]; i++)
        if (!name_char((unsigned char)name[i], i == 0))
            return 0;
    return 1;
}

const char *jh_vars_get(const jh_vars *vs, const char *name)
{
    for (size_t i = 0; i < vs->n; i++)
        if (strcmp(vs->v[i].name, name) == 0)
            return vs->v[i].value;
    return NULL;
}

int jh_vars_set(jh_vars *vs, const char *name, const char *value)
{
    if (!jh_var_name_ok(name))
        return -1;
    char *nv = jh_strdup(value ? value : "");
    if (!nv)
        return -1;
    for (size_t i = 0; i < vs->n; i++) {
        if (strcmp(vs->v[i].name, name) == 0) {
            free(vs->v[i].value);
            vs->v[i].value = nv;
            return 0;
        }
    }
    jh_var *grown = realloc(vs->v, (vs->n + 1) * sizeof *grown);
    char *nn = jh_strdup(name);
    if (!grown || !nn) {
        if (grown)
            vs->v = grown;
        free(nn);
        free(nv);
        return -1;
    }
    vs->v = grown;
    vs->v[vs->n].name = nn;
    vs->v[vs->n].value = nv;
    vs->n++;
    return 0;
}

int jh_vars_expand(const jh_vars *vs, const char *in, char **out, char *err, size_t errcap)
{
    jh_buf b;
    jh_buf_init(&b);
    const char *p = in;
    while (*p) {
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            if (!end) {
                snprintf(err, errcap, "unterminated ${ in \"%.40s\"", p);
                jh_buf_free(&b);
                return -1;
            }
            char name[128];
            size_t n = (size_t)(end - (p + 2));
            if (n == 0 || n >= sizeof name) {
                snprintf(err, errcap, "bad variable name in \"%.40s\"", p);
                jh_buf_free(&b);
                return -1;
            }
            memcpy(name, p + 2, n);
            name[n] = '\0';
            const char *val = jh_var_name_ok(name) ? jh_vars_get(vs, name) : NULL;
            if (!val) {
                snprintf(err, errcap, "%s variable ${%s}",
                         jh_var_name_ok(name) ? "undefined" : "bad name for", name);
                jh_buf_free(&b);
                return -1;
            }
            jh_buf_puts(&b, val);
            p = end + 1;
        } else {
            jh_buf_putc(&b, *p++);
        }
    }
    char *s = jh_buf_take(&b);
    if (!s) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    *out = s;
    return 0;
}

void jh_vars_free(jh_vars *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].name);
        free(vs->v[i].value);
    }
    free(vs->v);
    jh_vars_init(vs);
}
