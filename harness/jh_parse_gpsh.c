/*
 * jh_parse_gpsh.c: the GPShell form (.gpsh, .txt), the form of the public
 * JCOP pre-personalization scripts. One command per line with `-option value`
 * pairs, `//` comments. A keyword table names, per command, the options it
 * accepts and the parser that turns them into a jh_step. Every command that
 * talks to the card carries GPShell's own check as an implicit expectation:
 * SW 9000 (SELECT also tolerates 6283; GET STATUS pages on 6310, checked by
 * the runner; PUT KEY checks the key check values).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jh_expect.h"
#include "jh_script.h"
#include "jh_util.h"

#define MAX_OPTS 16

typedef struct {
    int n;
    const char *name[MAX_OPTS];
    const char *value[MAX_OPTS];
} opts;

static const char *opt(const opts *o, const char *name)
{
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->name[i], name))
            return o->value[i];
    return NULL;
}

typedef int (*gpsh_fn)(jh_parse *p, const char *verb, const opts *o);

static jh_step *add(jh_parse *p, jh_step_kind kind, const char *verb, const char *expect)
{
    jh_step *st = jh_parse_add(p, kind, verb);
    if (!st) {
        jh_parse_error(p, "out of memory");
        return NULL;
    }
    if (expect) {
        st->expect = jh_strdup(expect);
        st->expect_implicit = true;
        if (!st->expect) {
            jh_parse_error(p, "out of memory");
            return NULL;
        }
    }
    return st;
}

static int hex_arg(jh_parse *p, const char *verb, const char *optname, const char *v, size_t min,
                   size_t max, char **dst)
{
    if (!v)
        return jh_parse_error(p, "%s needs -%s", verb, optname);
    size_t cap = strlen(v) / 2 + 1;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return jh_parse_error(p, "out of memory");
    int n = jh_unhex(v, (size_t)-1, buf, cap);
    free(buf);
    if (n < 0)
        return jh_parse_error(p, "%s -%s: bad hex \"%s\"", verb, optname, v);
    if ((size_t)n < min || (size_t)n > max)
        return jh_parse_error(p, "%s -%s: %d bytes (%zu to %zu expected)", verb, optname, n, min,
                              max);
    *dst = jh_strdup(v);
    return *dst ? 0 : jh_parse_error(p, "out of memory");
}

static int do_note(jh_parse *p, const char *verb, const opts *o)
{
    jh_step *st = add(p, JH_STEP_NOTE, verb, NULL);
    if (!st)
        return JH_SCRIPT_ERR;
    st->arg = jh_strdup(verb);
    return st->arg ? 0 : jh_parse_error(p, "out of memory");
}

static int do_connect(jh_parse *p, const char *verb, const opts *o)
{
    jh_step *st = add(p, JH_STEP_POWER_ON, verb, NULL);
    if (!st)
        return JH_SCRIPT_ERR;
    const char *r = opt(o, "reader");
    const char *rn = opt(o, "readerNumber");
    long num;
    if (rn && jh_parse_int(rn, 0, 64, &num) < 0)
        return jh_parse_error(p, "card_connect -readerNumber: \"%s\" is not a number", rn);
    char note[300];
    if (r || rn) {
        snprintf(note, sizeof note,
                 "card_connect %s %s: ignored (the card is chosen on the command line)",
                 r ? "-reader" : "-readerNumber", r ? r : rn);
        st->arg = jh_strdup(note);
        if (!st->arg)
            return jh_parse_error(p, "out of memory");
    }
    return 0;
}

static int do_disconnect(jh_parse *p, const char *verb, const opts *o)
{
    return add(p, JH_STEP_POWER_OFF, verb, NULL) ? 0 : JH_SCRIPT_ERR;
}

static int do_select(jh_parse *p, const char *verb, const opts *o)
{
    jh_step *st = add(p, JH_STEP_SELECT, verb, "*9000|*6283");
    if (!st)
        return JH_SCRIPT_ERR;
    return hex_arg(p, verb, "AID", opt(o, "AID"), 0, 16, &st->arg);
}

static int send_common(jh_parse *p, const char *verb, const opts *o, const char *expect)
{
    jh_step *st = add(p, JH_STEP_SEND, verb, expect);
    if (!st)
        return JH_SCRIPT_ERR;
    const char *sc = opt(o, "sc");
    long scv = 1;
    if (sc && jh_parse_int(sc, 0, 1, &scv) < 0)
        return jh_parse_error(p, "%s -sc must be 0 or 1", verb);
    st->wrap = scv ? JH_WRAP_ALWAYS : JH_WRAP_NEVER;
    return hex_arg(p, verb, "APDU", opt(o, "APDU"), 4, 65535 + 7, &st->arg);
}

static int do_send_apdu(jh_parse *p, const char *verb, const opts *o)
{
    return send_common(p, verb, o, "*9000");
}

static int do_send_apdu_nostop(jh_parse *p, const char *verb, const opts *o)
{
    return send_common(p, verb, o, NULL);
}

/* Keys of open_sc / put_sc_key: -key K, or -enc_key -mac_key -kek_key. */
static int keys_arg(jh_parse *p, const char *verb, const opts *o, jh_step *st)
{
    const char *k = opt(o, "key");
    const char *names[3] = {"enc_key", "mac_key", "kek_key"};
    if (k) {
        if (jh_parse_key16(k, st->keys[0]) < 0)
            return jh_parse_error(p, "%s -key: \"%s\" is not a 16-byte hex key", verb, k);
        memcpy(st->keys[1], st->keys[0], 16);
        memcpy(st->keys[2], st->keys[0], 16);
    } else {
        for (int i = 0; i < 3; i++) {
            const char *v = opt(o, names[i]);
            if (!v)
                return jh_parse_error(p, "%s needs -key or -enc_key, -mac_key and -kek_key", verb);
            if (jh_parse_key16(v, st->keys[i]) < 0)
                return jh_parse_error(p, "%s -%s: \"%s\" is not a 16-byte hex key", verb, names[i],
                                      v);
        }
    }
    st->have_keys = true;
    st->key_mask = 7;
    return 0;
}

static int int_arg(jh_parse *p, const char *verb, const char *name, const char *v, long lo, long hi,
                   long dflt, long *out)
{
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (jh_parse_int(v, lo, hi, out) < 0)
        return jh_parse_error(p, "%s -%s: \"%s\" must be a number from %ld to %ld", verb, name, v,
                              lo, hi);
    return 0;
}

static int do_open_sc(jh_parse *p, const char *verb, const opts *o)
{
    jh_step *st = add(p, JH_STEP_OPEN_SC, verb, NULL);
    if (!st)
        return JH_SCRIPT_ERR;
    long sec, kvn, keyind, scp;
    if (int_arg(p, verb, "security", opt(o, "security"), 0, 3, 1, &sec) < 0 ||
        int_arg(p, verb, "keyver", opt(o, "keyver"), 0, 255, 0, &kvn) < 0 ||
        int_arg(p, verb, "keyind", opt(o, "keyind"), 0, 0, 0, &keyind) < 0 ||
        int_arg(p, verb, "scp", opt(o, "scp"), 2, 2, 2, &scp) < 0)
        return JH_SCRIPT_ERR;
    if (sec == 2)
        return jh_parse_error(
            p, "open_sc -security 2 (C-DEC without C-MAC) does not exist: use 0, 1 or 3");
    const char *impl = opt(o, "scpimpl");
    if (impl && strcasecmp(impl, "0x15") && strcasecmp(impl, "21") && strcasecmp(impl, "15"))
        return jh_parse_error(p, "open_sc -scpimpl %s: only SCP02 i=15 (0x15) is supported", impl);
    st->level = (uint8_t)sec;
    st->kvn = (int)kvn;
    return keys_arg(p, verb, o, st);
}

static int do_get_data(jh_parse *p, const char *verb, const opts *o)
{
    jh_step *st = add(p, JH_STEP_GET_DATA, verb, "*9000");
    if (!st)
        return JH_SCRIPT_ERR;
    const char *id = opt(o, "identifier");
    uint8_t tag[2];
    if (!id || jh_unhex(id, (size_t)-1, tag, 2) != 2)
        return jh_parse_error(p, "get_data needs -identifier with 2 hex bytes (e.g. 9F7F)");
    st->p1p2 = (uint16_t)(tag[0] << 8 | tag[1]);
    return 0;
}

static int do_get_status(jh_parse *p, const char *verb, const opts *o)
{
    jh_step *st = add(p, JH_STEP_GET_STATUS, verb, "*9000");
    if (!st)
        return JH_SCRIPT_ERR;
    const char *e = opt(o, "element");
    uint8_t el;
    if (!e || jh_unhex(e, (size_t)-1, &el, 1) != 1 ||
        (el != 0x80 && el != 0x40 && el != 0x20 && el != 0x10))
        return jh_parse_error(p, "get_status needs -element 80, 40, 20 or 10");
    st->p1p2 = el;
    return 0;
}

static int do_put_sc_key(jh_parse *p, const char *verb, const opts *o)
{
    jh_step *st = add(p, JH_STEP_PUT_KEY, verb, NULL);
    if (!st)
        return JH_SCRIPT_ERR;
    long kvn, nkvn;
    if (int_arg(p, verb, "keyver", opt(o, "keyver"), 0, 127, 0, &kvn) < 0)
        return JH_SCRIPT_ERR;
    if (!opt(o, "newkeyver"))
        return jh_parse_error(p, "put_sc_key needs -newkeyver");
    if (int_arg(p, verb, "newkeyver", opt(o, "newkeyver"), 1, 127, 1, &nkvn) < 0)
        return JH_SCRIPT_ERR;
    st->kvn = (int)kvn;
    st->new_kvn = (int)nkvn;
    return keys_arg(p, verb, o, st);
}

static int do_delete(jh_parse *p, const char *verb, const opts *o)
{
    jh_step *st = add(p, JH_STEP_DELETE, verb, "*9000");
    if (!st)
        return JH_SCRIPT_ERR;
    return hex_arg(p, verb, "AID", opt(o, "AID"), 5, 16, &st->arg);
}

static int do_install(jh_parse *p, const char *verb, const opts *o)
{
    jh_step *st = add(p, JH_STEP_INSTALL, verb, "*9000");
    if (!st)
        return JH_SCRIPT_ERR;
    const char *file = opt(o, "file");
    if (!file)
        return jh_parse_error(p, "install needs -file X.cap");
    /* relative to the script's folder, like /include */
    char path[4096];
    const char *slash = strrchr(p->file, '/');
    if (file[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - p->file), p->file, file);
    else
        snprintf(path, sizeof path, "%s", file);
    st->arg = jh_strdup(path);
    if (!st->arg)
        return jh_parse_error(p, "out of memory");
    if (opt(o, "sdAID") && hex_arg(p, verb, "sdAID", opt(o, "sdAID"), 5, 16, &st->arg2) < 0)
        return JH_SCRIPT_ERR;
    const char *priv = opt(o, "priv");
    if (priv) {
        uint8_t pv;
        if (jh_unhex(priv, (size_t)-1, &pv, 1) != 1)
            return jh_parse_error(p, "install -priv: \"%s\" is not one hex byte", priv);
        st->priv = pv;
    }
    return 0;
}

/* A GPShell command that becomes one wrapped APDU (given as hex). */
static int add_apdu(jh_parse *p, const char *verb, const char *hex)
{
    jh_step *st = add(p, JH_STEP_SEND, verb, "*9000");
    if (!st)
        return JH_SCRIPT_ERR;
    st->wrap = JH_WRAP_ALWAYS;
    st->arg = jh_strdup(hex);
    return st->arg ? 0 : jh_parse_error(p, "out of memory");
}

/* delete_key -keyver V [-keyind I]: GPShell 2.x's DELETE [key] (GP 2.1.1
 * Table 9-14), P2 80 and Le 00: keyver 0 names the key index alone (D0),
 * keyind FF (the default here) the whole key set (D2), otherwise both. */
static int do_delete_key(jh_parse *p, const char *verb, const opts *o)
{
    long kvn, ind;
    if (int_arg(p, verb, "keyver", opt(o, "keyver"), 0, 255, -1, &kvn) < 0 ||
        int_arg(p, verb, "keyind", opt(o, "keyind"), 0, 255, 0xFF, &ind) < 0)
        return JH_SCRIPT_ERR;
    if (kvn < 0)
        return jh_parse_error(p, "%s needs -keyver", verb);
    if (kvn == 0 && ind == 0xFF)
        return jh_parse_error(p, "%s: -keyver 0 needs a -keyind", verb);
    char hex[40];
    if (kvn == 0)
        snprintf(hex, sizeof hex, "80E4008003D001%02lX00", ind);
    else if (ind == 0xFF)
        snprintf(hex, sizeof hex, "80E4008003D201%02lX00", kvn);
    else
        snprintf(hex, sizeof hex, "80E4008006D001%02lXD201%02lX00", ind, kvn);
    return add_apdu(p, verb, hex);
}

/* install_for_personalization -aid A: INSTALL [for personalization]
 * (GP 2.1.1 Table 9-33): 00 00 len|AID 00 00 00. */
static int do_install_perso(jh_parse *p, const char *verb, const opts *o)
{
    const char *aid = opt(o, "aid") ? opt(o, "aid") : opt(o, "AID");
    char *a = NULL;
    if (hex_arg(p, verb, "aid", aid, 5, 16, &a) < 0)
        return JH_SCRIPT_ERR;
    size_t n = strlen(a) / 2;
    char hex[80];
    snprintf(hex, sizeof hex, "80E62000%02zX0000%02zX%s000000", n + 6, n, a);
    free(a);
    return add_apdu(p, verb, hex);
}

/* store_data [-dataFormat F] [-dataEncryption E] -data D: STORE DATA
 * (GP 2.1.1 §9.11) in blocks of up to 239 bytes (the room a C-DEC session
 * leaves), P1 = the two flag values with b8 on the last block, P2 = the block
 * number from 00. */
static int do_store_data(jh_parse *p, const char *verb, const opts *o)
{
    long fmt, enc;
    char *d = NULL;
    if (int_arg(p, verb, "dataFormat", opt(o, "dataFormat"), 0, 0x7F, 0, &fmt) < 0 ||
        int_arg(p, verb, "dataEncryption", opt(o, "dataEncryption"), 0, 0x7F, 0, &enc) < 0 ||
        hex_arg(p, verb, "data", opt(o, "data"), 1, 256 * 239, &d) < 0)
        return JH_SCRIPT_ERR;
    size_t n = strlen(d) / 2, blocks = (n + 238) / 239;
    int rc = 0;
    for (size_t b = 0; b < blocks && rc == 0; b++) {
        size_t len = b + 1 < blocks ? 239 : n - b * 239;
        char hex[12 + 2 * 239];
        unsigned p1 = (unsigned)(fmt | enc) | (b + 1 == blocks ? 0x80u : 0u);
        snprintf(hex, sizeof hex, "80E2%02X%02X%02zX%.*s", p1 & 0xFFu, (unsigned)b, len,
                 (int)(2 * len), d + 2 * b * 239);
        rc = add_apdu(p, verb, hex);
    }
    free(d);
    return rc;
}

static const struct {
    const char *name;
    gpsh_fn fn;
    const char *options; /* space-separated, each with one value */
} gpsh_table[] = {
    {.name = "mode_211", .fn = do_note, .options = ""},
    {.name = "mode_201", .fn = do_note, .options = ""},
    {.name = "enable_trace", .fn = do_note, .options = ""},
    {.name = "disable_trace", .fn = do_note, .options = ""},
    {.name = "enable_timer", .fn = do_note, .options = ""},
    {.name = "establish_context", .fn = do_note, .options = ""},
    {.name = "release_context", .fn = do_note, .options = ""},
    {.name = "card_connect", .fn = do_connect, .options = "readerNumber reader protocol"},
    {.name = "card_disconnect", .fn = do_disconnect, .options = ""},
    {.name = "select", .fn = do_select, .options = "AID"},
    {.name = "send_apdu", .fn = do_send_apdu, .options = "sc APDU"},
    {.name = "send_apdu_nostop", .fn = do_send_apdu_nostop, .options = "sc APDU"},
    {.name = "open_sc",
     .fn = do_open_sc,
     .options = "security keyind keyver key enc_key mac_key kek_key scp scpimpl keyDerivation"},
    {.name = "get_data", .fn = do_get_data, .options = "identifier"},
    {.name = "get_status", .fn = do_get_status, .options = "element"},
    {.name = "put_sc_key",
     .fn = do_put_sc_key,
     .options = "keyver newkeyver key enc_key mac_key kek_key current_kek"},
    {.name = "delete", .fn = do_delete, .options = "AID"},
    {.name = "delete_key", .fn = do_delete_key, .options = "keyver keyind"},
    {.name = "install_for_personalization", .fn = do_install_perso, .options = "aid AID"},
    {.name = "store_data",
     .fn = do_store_data,
     .options = "dataFormat dataEncryption responseDataExpected data"},
    {.name = "install",
     .fn = do_install,
     .options = "file sdAID priv nvCodeLimit nvDataLimit vDataLimit instParam AID pkgAID instAID"},
};

static bool option_allowed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        if (len == n && !strncmp(p, name, n))
            return true;
        if (!sp)
            break;
        p = sp + 1;
    }
    return false;
}

int jh_parse_gpsh_line(jh_parse *p, char *line)
{
    char *s = jh_trim(line);
    if (!*s || (s[0] == '/' && s[1] == '/') || s[0] == '#')
        return 0;
    char *words[2 * MAX_OPTS + 2];
    int n = jh_split_words(s, words, (int)(sizeof words / sizeof words[0]));
    if (n == (int)(sizeof words / sizeof words[0]))
        return jh_parse_error(p, "%s: too many words on one line", words[0]);
    for (size_t i = 0; i < sizeof gpsh_table / sizeof gpsh_table[0]; i++) {
        if (strcmp(words[0], gpsh_table[i].name))
            continue;
        opts o = {.n = 0};
        for (int w = 1; w < n; w++) {
            if (!strncmp(words[w], "//", 2))
                break; /* trailing comment */
            if (words[w][0] != '-' || !words[w][1])
                return jh_parse_error(p, "%s: \"%s\" is not an option (-name value)", words[0],
                                      words[w]);
            const char *name = words[w] + 1;
            if (!option_allowed(gpsh_table[i].options, name))
                return jh_parse_error(p, "%s: unknown option -%s", words[0], name);
            if (w + 1 >= n)
                return jh_parse_error(p, "%s: option -%s needs a value", words[0], name);
            if (o.n >= MAX_OPTS)
                return jh_parse_error(p, "%s: too many options", words[0]);
            o.name[o.n] = name;
            o.value[o.n++] = words[++w];
        }
        return gpsh_table[i].fn(p, words[0], &o);
    }
    return jh_parse_error(p, "unknown command \"%s\"", words[0]);
}
