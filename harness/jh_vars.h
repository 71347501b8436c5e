/*
 * jh_vars.h: script variables and ${NAME} expansion.
 *
 * Names: a letter or '_' then letters, digits, '_', '.', '-'. `${NAME}` is
 * replaced by the value; an undefined name or an unterminated `${` is an
 * error; a `$` not followed by `{` is kept as is. Values are inserted
 * verbatim (no recursive expansion). The runner sets, after every exchange:
 *   response  the whole last R-APDU in hex (data and SW)
 *   data      its data part (empty when only a SW came back)
 *   sw        the SW as 4 hex digits; sw1, sw2 as 2 each
 *   atr       the ATR of the last power-up or reset
 * Scripts set their own with /set-var NAME value.
 */
#ifndef JH_VARS_H
#define JH_VARS_H

#include <stddef.h>

typedef struct {
    char *name;
    char *value;
} jh_var;

typedef struct {
    jh_var *v;
    size_t n;
} jh_vars;

void jh_vars_init(jh_vars *vs);
/* True when name is a valid variable name. */
int jh_var_name_ok(const char *name);
/* Set (copying both); returns 0 or -1 (out of memory or bad name). */
int jh_vars_set(jh_vars *vs, const char *name, const char *value);
/* The value or NULL. */
const char *jh_vars_get(const jh_vars *vs, const char *name);
/* Expand ${...} in in; *out gets a new string. Returns 0, or -1 with err set. */
int jh_vars_expand(const jh_vars *vs, const char *in, char **out, char *err, size_t errcap);
void jh_vars_free(jh_vars *vs);

#endif
