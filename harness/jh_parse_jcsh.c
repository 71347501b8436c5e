/*
 * jh_parse_jcsh.c: the JCShell form (.jcsh), jcop-replay's native language,
 * and the form of `jcopsim --trace` files. One line, one command; a keyword
 * table maps each command to a small parser that fills one jh_step.
 *
 *   # comment (also //)         /atr [ATR]            /reset [ATR]
 *   /power on|off [ATR]         /send APDU [R-APDU]   /select AID [R-APDU]
 *   /set-var NAME value         /echo text            /include FILE
 *   /identify [R-APDU]          /card [-a AID]        /terminal ... (ignored)
 *   set-key KVN/ID/DES-ECB/KEY | KVN/ENC/MAC/DEK | KVN/KEY   (one or more words)
 *   init-update [KVN]           ext-auth [plain|mac|enc] [le]   (le: Le=00 at the end)
 * Card-manager verbs may also be written with a leading '/'.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jh_expect.h"
#include "jh_script.h"
#include "jh_util.h"
#include "jh_vars.h"

typedef int (*jcsh_fn)(jh_parse *p, const char *verb, char *rest);

/* Split the first data expression off rest: blanks inside "...", |...| and
 * #(...) do not end it. Returns the expression (NUL-terminated in place) and
 * sets *after to the remainder (trimmed). */
static char *first_expr(char *rest, char **after)
{
    char *p = rest;
    bool quote = false, pipe = false;
    int depth = 0;
    while (*p) {
        if (*p == '"')
            quote = !quote;
        else if (*p == '|' && !quote)
            pipe = !pipe;
        else if (!quote && !pipe && p[0] == '#' && p[1] == '(') {
            depth++;
            p++;
        } else if (!quote && !pipe && *p == ')' && depth > 0)
            depth--;
        else if (!quote && !pipe && depth == 0 && jh_is_blank((unsigned char)*p))
            break;
        p++;
    }
    if (*p)
        *p++ = '\0';
    *after = jh_trim(p);
    return rest;
}

static bool has_var(const char *s)
{
    return s && strstr(s, "${") != NULL;
}

static int set_expect(jh_parse *p, jh_step *st, const char *text)
{
    if (!text || !*text)
        return 0;
    if (!has_var(text)) {
        char err[128];
        if (jh_expect_check(text, err, sizeof err) < 0)
            return jh_parse_error(p, "bad expectation \"%s\": %s", text, err);
    }
    st->expect = jh_strdup(text);
    return st->expect ? 0 : jh_parse_error(p, "out of memory");
}

static int check_data(jh_parse *p, const char *what, const char *expr, size_t min, size_t max)
{
    if (has_var(expr))
        return 0;
    size_t cap = max + 1;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return jh_parse_error(p, "out of memory");
    char err[128];
    int n = jh_data_eval(expr, buf, cap, err, sizeof err);
    free(buf);
    if (n < 0)
        return jh_parse_error(p, "bad %s \"%.80s\": %s", what, expr, err);
    if ((size_t)n < min || (size_t)n > max)
        return jh_parse_error(p, "bad %s \"%s\": %d bytes (%zu to %zu expected)", what, expr, n,
                              min, max);
    return 0;
}

static jh_step *add(jh_parse *p, jh_step_kind kind, const char *verb)
{
    jh_step *st = jh_parse_add(p, kind, verb);
    if (!st)
        jh_parse_error(p, "out of memory");
    return st;
}

static int atr_like(jh_parse *p, const char *verb, char *rest, jh_step_kind kind)
{
    jh_step *st = add(p, kind, verb);
    return st ? set_expect(p, st, rest) : JH_SCRIPT_ERR;
}

static int do_atr(jh_parse *p, const char *verb, char *rest)
{
    return atr_like(p, verb, rest, JH_STEP_ATR);
}

static int do_reset(jh_parse *p, const char *verb, char *rest)
{
    return atr_like(p, verb, rest, JH_STEP_RESET);
}

static int do_power(jh_parse *p, const char *verb, char *rest)
{
    char *after;
    char *what = first_expr(rest, &after);
    if (!strcasecmp(what, "on"))
        return atr_like(p, verb, after, JH_STEP_POWER_ON);
    if (!strcasecmp(what, "off")) {
        if (*after)
            return jh_parse_error(p, "/power off takes no expectation");
        return add(p, JH_STEP_POWER_OFF, verb) ? 0 : JH_SCRIPT_ERR;
    }
    return jh_parse_error(p, "/power needs on or off");
}

static int data_step(jh_parse *p, const char *verb, char *rest, jh_step_kind kind, const char *what,
                     size_t min, size_t max)
{
    char *after;
    char *expr = first_expr(rest, &after);
    if (!*expr && kind == JH_STEP_SEND)
        return jh_parse_error(p, "%s needs a C-APDU", verb);
    if (check_data(p, what, expr, min, max) < 0)
        return JH_SCRIPT_ERR;
    jh_step *st = add(p, kind, verb);
    if (!st)
        return JH_SCRIPT_ERR;
    st->arg = jh_strdup(expr);
    if (!st->arg)
        return jh_parse_error(p, "out of memory");
    return set_expect(p, st, after);
}

static int do_send(jh_parse *p, const char *verb, char *rest)
{
    return data_step(p, verb, rest, JH_STEP_SEND, "C-APDU", 4, 65535 + 7);
}

static int do_select(jh_parse *p, const char *verb, char *rest)
{
    if (!*rest)
        return jh_parse_error(p, "/select needs an AID");
    return data_step(p, verb, rest, JH_STEP_SELECT, "AID", 0, 255);
}

static int do_card(jh_parse *p, const char *verb, char *rest)
{
    char *words[4];
    int n = jh_split_words(rest, words, 4);
    const char *aid = "";
    if (n == 2 && !strcmp(words[0], "-a"))
        aid = words[1];
    else if (n != 0)
        return jh_parse_error(p, "/card takes only -a <AID>");
    if (check_data(p, "AID", aid, 0, 16) < 0)
        return JH_SCRIPT_ERR;
    jh_step *st = add(p, JH_STEP_SELECT, verb);
    if (!st)
        return JH_SCRIPT_ERR;
    st->arg = jh_strdup(aid);
    return st->arg ? 0 : jh_parse_error(p, "out of memory");
}

static int do_set_var(jh_parse *p, const char *verb, char *rest)
{
    char *name = rest;
    char *value = rest;
    while (*value && !jh_is_blank((unsigned char)*value))
        value++;
    if (*value)
        *value++ = '\0';
    value = jh_trim(value);
    if (!*name)
        return jh_parse_error(p, "/set-var needs a name and a value");
    if (!jh_var_name_ok(name))
        return jh_parse_error(p, "bad variable name \"%s\"", name);
    jh_step *st = add(p, JH_STEP_SET_VAR, verb);
    if (!st)
        return JH_SCRIPT_ERR;
    st->arg = jh_strdup(name);
    st->arg2 = jh_strdup(value);
    return st->arg && st->arg2 ? 0 : jh_parse_error(p, "out of memory");
}

static int do_echo(jh_parse *p, const char *verb, char *rest)
{
    jh_step *st = add(p, JH_STEP_ECHO, verb);
    if (!st)
        return JH_SCRIPT_ERR;
    st->arg = jh_strdup(rest);
    return st->arg ? 0 : jh_parse_error(p, "out of memory");
}

static int do_include(jh_parse *p, const char *verb, char *rest)
{
    if (!*rest)
        return jh_parse_error(p, "/include needs a file name");
    size_t n = strlen(rest);
    if (n >= 2 && rest[0] == '"' && rest[n - 1] == '"') {
        rest[n - 1] = '\0';
        rest++;
    }
    char path[PATH_MAX];
    if (rest[0] == '/') {
        snprintf(path, sizeof path, "%s", rest);
    } else {
        const char *slash = strrchr(p->file, '/');
        int dl = slash ? (int)(slash - p->file) : 0;
        if (slash)
            snprintf(path, sizeof path, "%.*s/%s", dl, p->file, rest);
        else
            snprintf(path, sizeof path, "%s", rest);
    }
    return jh_parse_file(p, path, "jcsh");
}

static int do_identify(jh_parse *p, const char *verb, char *rest)
{
    jh_step *st = add(p, JH_STEP_IDENTIFY, verb);
    return st ? set_expect(p, st, rest) : JH_SCRIPT_ERR;
}

static int do_ignore(jh_parse *p, const char *verb, char *rest)
{
    jh_step *st = add(p, JH_STEP_NOTE, verb);
    if (!st)
        return JH_SCRIPT_ERR;
    char note[300];
    snprintf(note, sizeof note, "%s %s: ignored (the card is chosen on the command line)", verb,
             rest);
    st->arg = jh_strdup(note);
    return st->arg ? 0 : jh_parse_error(p, "out of memory");
}

static int do_close(jh_parse *p, const char *verb, char *rest)
{
    if (*rest)
        return jh_parse_error(p, "%s takes no argument", verb);
    return add(p, JH_STEP_POWER_OFF, verb) ? 0 : JH_SCRIPT_ERR;
}

/* One set-key word into st. */
static int set_key_word(jh_parse *p, jh_step *st, char *word)
{
    char *part[5];
    int n = 0;
    for (char *tok = word; tok && n < 5;) {
        part[n++] = tok;
        char *sl = strchr(tok, '/');
        if (sl)
            *sl = '\0';
        tok = sl ? sl + 1 : NULL;
    }
    long kvn;
    if (n < 2 || jh_parse_int(part[0], 0, 255, &kvn) < 0)
        return jh_parse_error(p, "set-key: \"%s\": KVN (0-255) then keys expected", word);
    if (st->kvn >= 0 && st->kvn != kvn)
        return jh_parse_error(p, "set-key: one key version per line");
    st->kvn = (int)kvn;
    uint8_t k[16];
    if (n == 2) {
        if (jh_parse_key16(part[1], k) < 0)
            return jh_parse_error(p, "set-key: \"%s\" is not a 16-byte hex key", part[1]);
        for (int i = 0; i < 3; i++)
            memcpy(st->keys[i], k, 16);
        st->key_mask = 7;
        return 0;
    }
    if (n == 4 && jh_parse_key16(part[1], k) == 0) {
        for (int i = 0; i < 3; i++)
            if (jh_parse_key16(part[1 + i], st->keys[i]) < 0)
                return jh_parse_error(p, "set-key: \"%s\" is not a 16-byte hex key", part[1 + i]);
        st->key_mask = 7;
        return 0;
    }
    if (n == 4) {
        long id;
        if (jh_parse_int(part[1], 1, 3, &id) < 0)
            return jh_parse_error(p, "set-key: key id \"%s\" must be 1 (ENC), 2 (MAC) or 3 (DEK)",
                                  part[1]);
        if (strcasecmp(part[2], "DES-ECB") && strcasecmp(part[2], "DES") &&
            strcasecmp(part[2], "3DES"))
            return jh_parse_error(p, "set-key: key type \"%s\" not supported (DES-ECB)", part[2]);
        if (jh_parse_key16(part[3], st->keys[id - 1]) < 0)
            return jh_parse_error(p, "set-key: \"%s\" is not a 16-byte hex key", part[3]);
        st->key_mask |= (uint8_t)(1u << (id - 1));
        return 0;
    }
    return jh_parse_error(p, "set-key: \"%s\": use KVN/ID/DES-ECB/KEY, KVN/ENC/MAC/DEK or KVN/KEY",
                          word);
}

static int do_set_key(jh_parse *p, const char *verb, char *rest)
{
    char *words[8];
    int n = jh_split_words(rest, words, 8);
    if (n == 8)
        return jh_parse_error(p, "set-key: too many words on one line");
    if (n == 0)
        return jh_parse_error(p, "set-key needs KVN/ID/DES-ECB/KEY (or KVN/ENC/MAC/DEK, KVN/KEY)");
    jh_step *st = add(p, JH_STEP_SET_KEY, verb);
    if (!st)
        return JH_SCRIPT_ERR;
    for (int i = 0; i < n; i++)
        if (set_key_word(p, st, words[i]) < 0)
            return JH_SCRIPT_ERR;
    return 0;
}

static int do_init_update(jh_parse *p, const char *verb, char *rest)
{
    char *words[3];
    int n = jh_split_words(rest, words, 3);
    long kvn = 0;
    if (n > 1 || (n == 1 && jh_parse_int(words[0], 0, 255, &kvn) < 0))
        return jh_parse_error(p, "init-update takes one optional key version (0-255)");
    jh_step *st = add(p, JH_STEP_INIT_UPDATE, verb);
    if (!st)
        return JH_SCRIPT_ERR;
    st->kvn = (int)kvn;
    return 0;
}

static const struct {
    const char *name;
    uint8_t level;
} level_table[] = {
    {.name = "plain", .level = 0x00}, {.name = "mac", .level = 0x01},
    {.name = "enc", .level = 0x03},   {.name = "0", .level = 0x00},
    {.name = "1", .level = 0x01},     {.name = "3", .level = 0x03},
    {.name = "cmac", .level = 0x01},  {.name = "cdec", .level = 0x03},
};

/* ext-auth [LEVEL] [le], in either order: LEVEL defaults to mac; "le" appends
 * Le=00 to EXTERNAL AUTHENTICATE, as GlobalPlatformPro sends it. */
static int do_ext_auth(jh_parse *p, const char *verb, char *rest)
{
    char *words[4];
    int n = jh_split_words(rest, words, 4);
    int level = -1;
    bool with_le = false, bad = n > 2;
    for (int w = 0; w < n && !bad; w++) {
        if (!strcasecmp(words[w], "le") && !with_le) {
            with_le = true;
            continue;
        }
        int found = -1;
        for (size_t i = 0; i < sizeof level_table / sizeof level_table[0]; i++)
            if (!strcasecmp(words[w], level_table[i].name))
                found = level_table[i].level;
        if (found < 0 || level >= 0)
            bad = true;
        level = found;
    }
    if (bad)
        return jh_parse_error(p, "ext-auth takes plain, mac or enc, and optionally le");
    jh_step *st = add(p, JH_STEP_EXT_AUTH, verb);
    if (!st)
        return JH_SCRIPT_ERR;
    st->level = (uint8_t)(level < 0 ? 0x01 : level);
    st->with_le = with_le;
    return 0;
}

static const struct {
    const char *name;
    jcsh_fn fn;
} jcsh_table[] = {
    {.name = "/atr", .fn = do_atr},           {.name = "/reset", .fn = do_reset},
    {.name = "/power", .fn = do_power},       {.name = "/send", .fn = do_send},
    {.name = "/select", .fn = do_select},     {.name = "/set-var", .fn = do_set_var},
    {.name = "/echo", .fn = do_echo},         {.name = "/include", .fn = do_include},
    {.name = "/identify", .fn = do_identify}, {.name = "/card", .fn = do_card},
    {.name = "/terminal", .fn = do_ignore},   {.name = "/close", .fn = do_close},
    {.name = "set-key", .fn = do_set_key},    {.name = "init-update", .fn = do_init_update},
    {.name = "ext-auth", .fn = do_ext_auth},
};

int jh_parse_jcsh_line(jh_parse *p, char *line)
{
    char *s = jh_trim(line);
    if (!*s || s[0] == '#' || (s[0] == '/' && s[1] == '/'))
        return 0;
    char *rest = s;
    while (*rest && !jh_is_blank((unsigned char)*rest))
        rest++;
    if (*rest)
        *rest++ = '\0';
    rest = jh_trim(rest);
    const char *key = s;
    /* card-manager verbs may be written with or without the leading '/' */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < sizeof jcsh_table / sizeof jcsh_table[0]; i++)
            if (!strcmp(key, jcsh_table[i].name))
                return jcsh_table[i].fn(p, s, rest);
        if (key[0] != '/')
            break;
        key++;
    }
    return jh_parse_error(p, "unknown command \"%s\"", s);
}
