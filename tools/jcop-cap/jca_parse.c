/*
 * jca_parse.c: read Java Card Assembly text (the reference converter's -out JCA
 * form) into a jca_pkg. Line-oriented: each statement sits on one line.
 */
#include "jca.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm_opcodes.h"

#define MAXW 1024

typedef struct {
    const char *fname;
    const char *p, *end;
    int line;
    char buf[65536];
    char *w[MAXW];
    int nw;
    int opens;  /* line ends with '{' */
    int closes; /* line is '}' */
    char *err;
    size_t errlen;
    int failed;
} rd;

__attribute__((format(printf, 2, 3)))
static int fail(rd *r, const char *fmt, ...)
{
    if (!r->failed) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(r->err, r->errlen, "%s:%d: %s", r->fname, r->line, msg);
    }
    r->failed = 1;
    return -1;
}

static void *grow(void *ptr, size_t *n, size_t sz)
{
    void *q = realloc(ptr, (*n + 1) * sz);
    if (!q) {
        fputs("jcop-cap: out of memory\n", stderr);
        exit(3);
    }
    memset((char *)q + *n * sz, 0, sz);
    (*n)++;
    return q;
}
#define PUSH(arr, n) ((arr) = grow((arr), &(n), sizeof(*(arr))), &(arr)[(n)-1])

/* Next non-empty logical line split into words. 0 at EOF, 1 ok, -1 error. */
static int next_line(rd *r)
{
    for (;;) {
        if (r->p >= r->end)
            return 0;
        const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
        size_t n = nl ? (size_t)(nl - r->p) : (size_t)(r->end - r->p);
        r->line++;
        if (n >= sizeof(r->buf))
            return fail(r, "line too long");
        memcpy(r->buf, r->p, n);
        r->buf[n] = 0;
        r->p = nl ? nl + 1 : r->end;
        char *c = strstr(r->buf, "//");
        if (c)
            *c = 0;
        for (char *q = r->buf; *q; q++)
            if (*q == '\r')
                *q = ' ';
        r->nw = 0;
        r->opens = r->closes = 0;
        char *s = r->buf;
        while (*s) {
            while (*s && isspace((unsigned char)*s))
                s++;
            if (!*s)
                break;
            if (r->nw == MAXW)
                return fail(r, "too many words on a line");
            r->w[r->nw++] = s;
            while (*s && !isspace((unsigned char)*s))
                s++;
            if (*s)
                *s++ = 0;
        }
        if (r->nw == 0)
            continue;
        char *last = r->w[r->nw - 1];
        size_t ll = strlen(last);
        if (strcmp(last, "{") == 0) {
            r->opens = 1;
            r->nw--;
        } else if (strcmp(last, "}") == 0 && r->nw == 1) {
            r->closes = 1;
            r->nw = 0;
        } else if (ll > 1 && last[ll - 1] == '{') {
            r->opens = 1;
            last[ll - 1] = 0;
        } else if (last[ll - 1] == ';') {
            last[ll - 1] = 0;
            if (ll == 1)
                r->nw--;
        } else {
            return fail(r, "statement does not end with ';', '{' or '}'");
        }
        return 1;
    }
}

static int num(rd *r, const char *s, long lo, long hi, long *out)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 0);
    if (*s == 0 || *e || errno)
        return fail(r, "'%s' is not a number", s);
    if (v < lo || v > hi)
        return fail(r, "%s out of range [%ld, %ld]", s, lo, hi);
    *out = v;
    return 0;
}

static int parse_aid(rd *r, const char *s, jca_aid *aid)
{
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", s);
    aid->len = 0;
    for (char *t = strtok(tmp, ":"); t; t = strtok(NULL, ":")) {
        long v = 0;
        if (num(r, t, 0, 255, &v))
            return -1;
        if (aid->len == JCA_AID_MAX)
            return fail(r, "AID longer than 16 bytes");
        aid->b[aid->len++] = (uint8_t)v;
    }
    if (aid->len < 5)
        return fail(r, "AID shorter than 5 bytes");
    return 0;
}

static int parse_version(rd *r, const char *s, int *maj, int *min)
{
    unsigned a, b;
    char c;
    if (sscanf(s, "%u.%u%c", &a, &b, &c) != 2 || a > 255 || b > 255)
        return fail(r, "'%s' is not a version major.minor", s);
    *maj = (int)a;
    *min = (int)b;
    return 0;
}

/* "p.c" external class ref or an internal class name. */
static int parse_classref(rd *r, const char *s, jca_classref *c)
{
    memset(c, 0, sizeof(*c));
    unsigned p, k;
    char x;
    if (isdigit((unsigned char)s[0])) {
        if (sscanf(s, "%u.%u%c", &p, &k, &x) != 2 || p > 127 || k > 255)
            return fail(r, "'%s' is not a class reference pkg.class", s);
        c->external = 1;
        c->pkg = (uint8_t)p;
        c->cls = (uint8_t)k;
        return 0;
    }
    if (!isalpha((unsigned char)s[0]) && s[0] != '_' && s[0] != '$')
        return fail(r, "'%s' is not a class name", s);
    if (strlen(s) >= JCA_NAME_MAX)
        return fail(r, "class name too long");
    snprintf(c->name, sizeof(c->name), "%s", s);
    return 0;
}

static int parse_type(rd *r, const char *s, jca_type *t)
{
    memset(t, 0, sizeof(*t));
    char tmp[JCA_NAME_MAX];
    size_t n = strlen(s);
    if (n >= sizeof(tmp))
        return fail(r, "type too long");
    memcpy(tmp, s, n + 1);
    if (n > 2 && strcmp(tmp + n - 2, "[]") == 0) {
        t->array = 1;
        tmp[n - 2] = 0;
    }
    if (strcmp(tmp, "byte") == 0)
        t->prim = 'B';
    else if (strcmp(tmp, "short") == 0)
        t->prim = 'S';
    else if (strcmp(tmp, "boolean") == 0)
        t->prim = 'Z';
    else if (strcmp(tmp, "int") == 0)
        t->prim = 'I';
    else
        return parse_classref(r, tmp, &t->cls);
    return 0;
}

static unsigned access_word(const char *w)
{
    static const struct {
        const char *n;
        unsigned f;
    } a[] = {{"public", JCA_ACC_PUBLIC},       {"private", JCA_ACC_PRIVATE},
             {"protected", JCA_ACC_PROTECTED}, {"static", JCA_ACC_STATIC},
             {"final", JCA_ACC_FINAL},         {"abstract", JCA_ACC_ABSTRACT}};
    for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
        if (strcmp(w, a[i].n) == 0)
            return a[i].f;
    return 0;
}

/* Split "name(sig)ret" into name and sig. */
static int split_method(rd *r, const char *s, char *name, char *sig)
{
    const char *par = strchr(s, '(');
    if (!par || par == s || !strchr(par, ')'))
        return fail(r, "'%s' is not name(signature)return", s);
    size_t n = (size_t)(par - s);
    if (n >= JCA_NAME_MAX || strlen(par) >= JCA_SIG_MAX)
        return fail(r, "method name or signature too long");
    memcpy(name, s, n);
    name[n] = 0;
    snprintf(sig, JCA_SIG_MAX, "%s", par);
    return 0;
}

static int parse_cp(rd *r, jca_pkg *pkg)
{
    for (;;) {
        int k = next_line(r);
        if (k <= 0)
            return k < 0 ? -1 : fail(r, "unexpected end of file in .constantPool");
        if (r->closes)
            return 0;
        if (r->opens)
            return fail(r, "unexpected block in .constantPool");
        const char *kw = r->w[0];
        if (strcmp(kw, ".descriptor") == 0) {
            if (r->nw != 3)
                return fail(r, ".descriptor needs a type descriptor and a class reference");
            jca_descmap *d = PUSH(pkg->cpdescs, pkg->ncpdescs);
            snprintf(d->desc, sizeof(d->desc), "%s", r->w[1]);
            if (parse_classref(r, r->w[2], &d->cls))
                return -1;
            continue;
        }
        jca_cpent *e = PUSH(pkg->cp, pkg->ncp);
        e->line = r->line;
        e->ext_token = -1;
        if (strcmp(kw, ".classRef") == 0) {
            if (r->nw != 2)
                return fail(r, ".classRef needs one class reference");
            e->tag = 1;
            if (parse_classref(r, r->w[1], &e->cls))
                return -1;
            continue;
        }
        int field = 0;
        if (strcmp(kw, "instanceFieldRef") == 0) {
            e->tag = 2;
            field = 1;
        } else if (strcmp(kw, "staticFieldRef") == 0) {
            e->tag = 5;
            field = 1;
        } else if (strcmp(kw, "virtualMethodRef") == 0) {
            e->tag = 3;
        } else if (strcmp(kw, "superMethodRef") == 0) {
            e->tag = 4;
        } else if (strcmp(kw, "staticMethodRef") == 0) {
            e->tag = 6;
        } else {
            return fail(r, "unknown constant pool entry '%s'", kw);
        }
        const char *ref;
        if (field) {
            if (r->nw != 3)
                return fail(r, "%s needs a type and a field", kw);
            if (parse_type(r, r->w[1], &e->ftype))
                return -1;
            ref = r->w[2];
        } else {
            if (r->nw != 2)
                return fail(r, "%s needs one method reference", kw);
            ref = r->w[1];
        }
        if (isdigit((unsigned char)ref[0])) {
            unsigned p, c, t;
            int used = 0;
            if (sscanf(ref, "%u.%u.%u%n", &p, &c, &t, &used) != 3 || p > 127 || c > 255 || t > 255)
                return fail(r, "'%s' is not pkg.class.token", ref);
            e->cls.external = 1;
            e->cls.pkg = (uint8_t)p;
            e->cls.cls = (uint8_t)c;
            e->ext_token = (int)t;
            if (!field) {
                if (ref[used] != '(')
                    return fail(r, "'%s' lacks a signature", ref);
                snprintf(e->sig, sizeof(e->sig), "%s", ref + used);
            } else if (ref[used]) {
                return fail(r, "'%s' is not pkg.class.token", ref);
            }
        } else {
            /* Class/member: the last '/' before any signature */
            const char *par = strchr(ref, '(');
            const char *sl = NULL;
            for (const char *q = ref; *q && (!par || q < par); q++)
                if (*q == '/')
                    sl = q;
            if (!sl || sl == ref)
                return fail(r, "'%s' is not Class/member", ref);
            char cname[JCA_NAME_MAX];
            size_t n = (size_t)(sl - ref);
            if (n >= sizeof(cname))
                return fail(r, "class name too long");
            memcpy(cname, ref, n);
            cname[n] = 0;
            if (parse_classref(r, cname, &e->cls))
                return -1;
            if (field) {
                if (strlen(sl + 1) >= JCA_NAME_MAX)
                    return fail(r, "field name too long");
                snprintf(e->member, sizeof(e->member), "%s", sl + 1);
            } else if (split_method(r, sl + 1, e->member, e->sig)) {
                return -1;
            }
        }
    }
}

static int parse_fields(rd *r, jca_class *c)
{
    for (;;) {
        int k = next_line(r);
        if (k <= 0)
            return k < 0 ? -1 : fail(r, "unexpected end of file in .fields");
        if (r->closes)
            return 0;
        jca_field *f = PUSH(c->fields, c->nfields);
        f->line = r->line;
        f->token = -1;
        int i = 0;
        unsigned a;
        while (i < r->nw && (a = access_word(r->w[i])) != 0) {
            f->access |= a;
            i++;
        }
        if (r->nw - i < 2)
            return fail(r, "field needs a type and a name");
        if (parse_type(r, r->w[i], &f->type))
            return -1;
        if (strlen(r->w[i + 1]) >= JCA_NAME_MAX)
            return fail(r, "field name too long");
        snprintf(f->name, sizeof(f->name), "%s", r->w[i + 1]);
        i += 2;
        if (i < r->nw && strcmp(r->w[i], "=") != 0) {
            long t = 0;
            if (num(r, r->w[i], 0, 255, &t))
                return -1;
            f->token = (int)t;
            i++;
        }
        if (i < r->nw) {
            if (strcmp(r->w[i], "=") != 0 || i + 1 >= r->nw)
                return fail(r, "expected '= value'");
            f->has_init = 1;
            /* rejoin the rest (an initializer has no spaces, but be lenient) */
            char val[65536] = "";
            size_t vl = 0;
            for (int j = i + 1; j < r->nw; j++) {
                size_t l = strlen(r->w[j]);
                if (vl + l + 1 >= sizeof(val))
                    return fail(r, "initializer too long");
                memcpy(val + vl, r->w[j], l);
                vl += l;
                val[vl] = 0;
            }
            long lo = -2147483647L - 1, hi = 2147483647L;
            int w = 4;
            if (f->type.prim == 'B' || f->type.prim == 'Z') {
                lo = -128;
                hi = 255;
                w = 1;
            } else if (f->type.prim == 'S') {
                lo = -32768;
                hi = 65535;
                w = 2;
            }
            if (f->type.prim == 0)
                return fail(r, "a reference field cannot have an initial value");
            if (f->type.array) {
                if (val[0] != '{' || val[vl - 1] != '}')
                    return fail(r, "array initializer must be {v,v,...}");
                val[vl - 1] = 0;
                for (char *t = strtok(val + 1, ","); t; t = strtok(NULL, ",")) {
                    long v = 0;
                    if (num(r, t, lo, hi, &v))
                        return -1;
                    uint8_t *na = realloc(f->arr, (f->arr_count + 1) * (size_t)w);
                    if (!na)
                        return fail(r, "out of memory");
                    f->arr = na;
                    for (int b = 0; b < w; b++)
                        f->arr[f->arr_count * (size_t)w + (size_t)b] =
                            (uint8_t)((unsigned long)v >> (8 * (w - 1 - b)));
                    f->arr_count++;
                }
            } else if (num(r, val, lo, hi, &f->init)) {
                return -1;
            }
        }
    }
}

static int parse_table(rd *r, char (**tab)[JCA_SIG_MAX * 2], size_t *n)
{
    for (;;) {
        int k = next_line(r);
        if (k <= 0)
            return k < 0 ? -1 : fail(r, "unexpected end of file in method table");
        if (r->closes)
            return 0;
        if (r->nw != 1)
            return fail(r, "method table entry must be name(signature)return");
        *tab = grow(*tab, n, sizeof(**tab));
        snprintf((*tab)[*n - 1], sizeof(**tab), "%s", r->w[0]);
    }
}

static int label_index(jca_method *m, const char *name, int define, rd *r)
{
    for (size_t i = 0; i < m->nlabels; i++) {
        if (strcmp(m->labels[i].label, name) == 0) {
            if (define && m->labels[i].pc != UINT32_MAX)
                return fail(r, "label %s defined twice", name);
            if (define)
                m->labels[i].pc = 0;
            return (int)i;
        }
    }
    if (strlen(name) >= sizeof(m->labels[0].label))
        return fail(r, "label name too long");
    jca_label *l = PUSH(m->labels, m->nlabels);
    snprintf(l->label, sizeof(l->label), "%s", name);
    l->pc = define ? 0 : UINT32_MAX;
    return (int)(m->nlabels - 1);
}

static int add_target(rd *r, jca_method *m, jca_insn *in, const char *name)
{
    int li = label_index(m, name, 0, r);
    if (li < 0)
        return -1;
    int *t = realloc(in->targets, (in->ntargets + 1) * sizeof(int));
    if (!t)
        return fail(r, "out of memory");
    in->targets = t;
    in->targets[in->ntargets++] = li;
    return 0;
}

static int parse_insn(rd *r, jca_method *m, char **w, int nw, int label)
{
    const jcvm_opinfo *op = jcvm_op_by_name(w[0]);
    if (!op || (op->flags & JCVM_OPF_RESERVED))
        return fail(r, "unknown instruction '%s'", w[0]);
    jca_insn *in = PUSH(m->code, m->ncode);
    in->line = r->line;
    in->opcode = op->opcode;
    in->label = label;
    int want = 0;
    long lim[4][2];
    switch (op->opnd) {
    case JCVM_OPND_NONE:
        break;
    case JCVM_OPND_S1:
        want = 1, lim[0][0] = -128, lim[0][1] = 127;
        break;
    case JCVM_OPND_S2:
        want = 1, lim[0][0] = -32768, lim[0][1] = 32767;
        break;
    case JCVM_OPND_S4:
        want = 1, lim[0][0] = -2147483647L - 1, lim[0][1] = 2147483647L;
        break;
    case JCVM_OPND_LOCAL:
    case JCVM_OPND_CP1:
    case JCVM_OPND_ATYPE:
    case JCVM_OPND_MN:
        want = 1, lim[0][0] = 0, lim[0][1] = 255;
        break;
    case JCVM_OPND_CP2:
        want = 1, lim[0][0] = 0, lim[0][1] = 65535;
        break;
    case JCVM_OPND_LOCAL_S1:
        want = 2, lim[0][0] = 0, lim[0][1] = 255, lim[1][0] = -128, lim[1][1] = 127;
        break;
    case JCVM_OPND_LOCAL_S2:
        want = 2, lim[0][0] = 0, lim[0][1] = 255, lim[1][0] = -32768, lim[1][1] = 32767;
        break;
    case JCVM_OPND_TYPE_CP2:
        want = 2, lim[0][0] = 0, lim[0][1] = 255, lim[1][0] = 0, lim[1][1] = 65535;
        break;
    case JCVM_OPND_IFACE:
        want = 3, lim[0][0] = 0, lim[0][1] = 255, lim[1][0] = 0, lim[1][1] = 65535;
        lim[2][0] = 0, lim[2][1] = 255;
        break;
    case JCVM_OPND_BR1:
    case JCVM_OPND_BR2:
        if (nw != 2)
            return fail(r, "%s needs one label", w[0]);
        return add_target(r, m, in, w[1]);
    case JCVM_OPND_STABLESW:
    case JCVM_OPND_ITABLESW: {
        long b = op->opnd == JCVM_OPND_STABLESW ? 32768 : 2147483648L;
        long lo = 0, hi = 0;
        if (nw < 4 || add_target(r, m, in, w[1]) || num(r, w[2], -b, b - 1, &lo) ||
            num(r, w[3], -b, b - 1, &hi))
            return r->failed ? -1 : fail(r, "%s needs default low high labels...", w[0]);
        if (hi < lo || hi - lo >= 32768)
            return fail(r, "%s range %ld..%ld is empty or too large", w[0], lo, hi);
        if ((long)nw != 4 + (hi - lo + 1))
            return fail(r, "%s %ld..%ld needs %ld labels, %d given", w[0], lo, hi, hi - lo + 1,
                        nw - 4);
        in->ops[0] = lo, in->ops[1] = hi, in->nops = 2;
        for (int i = 4; i < nw; i++)
            if (add_target(r, m, in, w[i]))
                return -1;
        return 0;
    }
    case JCVM_OPND_SLOOKUPSW:
    case JCVM_OPND_ILOOKUPSW: {
        long b = op->opnd == JCVM_OPND_SLOOKUPSW ? 32768 : 2147483648L;
        long np = 0;
        if (nw < 3 || add_target(r, m, in, w[1]) || num(r, w[2], 0, 65535, &np))
            return r->failed ? -1 : fail(r, "%s needs default npairs {match label}...", w[0]);
        if ((long)nw != 3 + 2 * np)
            return fail(r, "%s with %ld pairs needs %ld words after npairs, %d given", w[0], np,
                        2 * np, nw - 3);
        in->ops[0] = np, in->nops = 1;
        in->matches = calloc((size_t)np + 1, sizeof(long));
        if (!in->matches)
            return fail(r, "out of memory");
        for (long i = 0; i < np; i++) {
            if (num(r, w[3 + 2 * i], -b, b - 1, &in->matches[i]) ||
                add_target(r, m, in, w[4 + 2 * i]))
                return -1;
            if (i > 0 && in->matches[i] <= in->matches[i - 1])
                return fail(r, "%s matches must be strictly increasing", w[0]);
        }
        return 0;
    }
    }
    if (nw - 1 != want)
        return fail(r, "%s takes %d operand%s, %d given", w[0], want, want == 1 ? "" : "s", nw - 1);
    for (int i = 0; i < want; i++)
        if (num(r, w[1 + i], lim[i][0], lim[i][1], &in->ops[i]))
            return -1;
    in->nops = want;
    return 0;
}

static int parse_method(rd *r, jca_class *c, int first)
{
    jca_method *m = PUSH(c->methods, c->nmethods);
    m->line = r->line;
    m->token = -1;
    m->stack = m->locals = -1;
    int i = first;
    unsigned a;
    while (i < r->nw && (a = access_word(r->w[i])) != 0) {
        m->access |= a;
        i++;
    }
    if (i >= r->nw)
        return fail(r, ".method needs name(signature)return");
    if (split_method(r, r->w[i], m->name, m->sig))
        return -1;
    i++;
    if (i < r->nw) {
        long t = 0;
        if (num(r, r->w[i], 0, 255, &t))
            return -1;
        m->token = (int)t;
        i++;
    }
    if (i != r->nw)
        return fail(r, "unexpected '%s' in .method", r->w[i]);
    if (!r->opens)
        return fail(r, ".method must open a block");
    for (;;) {
        int k = next_line(r);
        if (k <= 0)
            return k < 0 ? -1 : fail(r, "unexpected end of file in .method");
        if (r->closes)
            break;
        char **w = r->w;
        int nw = r->nw;
        int label = -1;
        size_t l0 = strlen(w[0]);
        if (l0 > 1 && w[0][l0 - 1] == ':') {
            w[0][l0 - 1] = 0;
            label = label_index(m, w[0], 1, r);
            if (label < 0)
                return -1;
            w++, nw--;
            if (nw == 0)
                return fail(r, "label without an instruction");
        }
        if (strcmp(w[0], ".stack") == 0 || strcmp(w[0], ".locals") == 0) {
            long v = 0;
            if (nw != 2 || num(r, w[1], 0, 255, &v))
                return r->failed ? -1 : fail(r, "%s needs one number", w[0]);
            if (w[0][1] == 's')
                m->stack = (int)v;
            else
                m->locals = (int)v;
        } else if (strcmp(w[0], ".descriptor") == 0) {
            if (nw != 3)
                return fail(r, ".descriptor needs a type descriptor and a class reference");
            jca_descmap *d = PUSH(m->descs, m->ndescs);
            snprintf(d->desc, sizeof(d->desc), "%s", w[1]);
            if (parse_classref(r, w[2], &d->cls))
                return -1;
        } else if (strcmp(w[0], ".exceptionTable") == 0) {
            if (!r->opens)
                return fail(r, ".exceptionTable must open a block");
            for (;;) {
                k = next_line(r);
                if (k <= 0)
                    return k < 0 ? -1 : fail(r, "unexpected end of file in .exceptionTable");
                if (r->closes)
                    break;
                if (r->nw != 4)
                    return fail(r, "handler needs start end handler catch_type_index");
                jca_handler *h = PUSH(m->handlers, m->nhandlers);
                long ci = 0;
                if ((h->start = label_index(m, r->w[0], 0, r)) < 0 ||
                    (h->end = label_index(m, r->w[1], 0, r)) < 0 ||
                    (h->handler = label_index(m, r->w[2], 0, r)) < 0 ||
                    num(r, r->w[3], 0, 65535, &ci))
                    return -1;
                h->catch_idx = (int)ci;
            }
        } else if (w[0][0] == '.') {
            return fail(r, "unknown directive '%s' in a method", w[0]);
        } else if (r->opens) {
            return fail(r, "unexpected block");
        } else if (parse_insn(r, m, w, nw, label)) {
            return -1;
        }
    }
    for (size_t l = 0; l < m->nlabels; l++) {
        if (m->labels[l].pc == UINT32_MAX) {
            /* undefined label: find a use for the line number */
            for (size_t j = 0; j < m->ncode; j++)
                for (size_t t = 0; t < m->code[j].ntargets; t++)
                    if (m->code[j].targets[t] == (int)l) {
                        r->line = m->code[j].line;
                        return fail(r, "label %s is not defined in this method",
                                    m->labels[l].label);
                    }
            r->line = m->line;
            return fail(r, "label %s is not defined in this method", m->labels[l].label);
        }
    }
    /* pc is reused by the builder; mark defined labels with 0 for now. */
    return 0;
}

/* Labels are marked defined by label_index(define=1) only through pc: set it. */
static int parse_class(rd *r, jca_pkg *pkg, int is_iface)
{
    jca_class *c = PUSH(pkg->classes, pkg->nclasses);
    c->is_interface = is_iface;
    c->line = r->line;
    c->token = -1;
    int i = 1;
    unsigned a;
    while (i < r->nw && (a = access_word(r->w[i])) != 0) {
        c->access |= a;
        i++;
    }
    if (i >= r->nw)
        return fail(r, "class needs a name");
    if (strlen(r->w[i]) >= JCA_NAME_MAX)
        return fail(r, "class name too long");
    snprintf(c->name, sizeof(c->name), "%s", r->w[i++]);
    if (i < r->nw && isdigit((unsigned char)r->w[i][0])) {
        long t = 0;
        if (num(r, r->w[i], 0, 255, &t))
            return -1;
        c->token = (int)t;
        i++;
    }
    if (i < r->nw && strcmp(r->w[i], "extends") == 0) {
        if (i + 1 >= r->nw || parse_classref(r, r->w[i + 1], &c->super))
            return r->failed ? -1 : fail(r, "extends needs a class");
        c->has_super = 1;
        i += 2;
    }
    if (i != r->nw)
        return fail(r, "unexpected '%s' in a class header", r->w[i]);
    if (!r->opens)
        return fail(r, "a class must open a block");
    if (!is_iface && !c->has_super)
        return fail(r, "class %s lacks 'extends'", c->name);
    for (;;) {
        int k = next_line(r);
        if (k <= 0)
            return k < 0 ? -1 : fail(r, "unexpected end of file in a class");
        if (r->closes)
            return 0;
        const char *kw = r->w[0];
        if (strcmp(kw, ".shareable") == 0) {
            c->shareable = 1;
        } else if (strcmp(kw, ".superInterfaces") == 0) {
            for (;;) {
                k = next_line(r);
                if (k <= 0)
                    return k < 0 ? -1 : fail(r, "unexpected end of file");
                if (r->closes)
                    break;
                jca_classref *s = PUSH(c->supers, c->nsupers);
                if (r->nw != 1 || parse_classref(r, r->w[0], s))
                    return r->failed ? -1 : fail(r, "superinterface must be one class reference");
            }
        } else if (strcmp(kw, ".fields") == 0) {
            if (parse_fields(r, c))
                return -1;
        } else if (strcmp(kw, ".publicMethodTable") == 0 ||
                   strcmp(kw, ".packageMethodTable") == 0) {
            long base = 0;
            if (r->nw != 2 || num(r, r->w[1], 0, 255, &base))
                return r->failed ? -1 : fail(r, "%s needs its base", kw);
            if (kw[2] == 'u') {
                c->pub_base = (int)base;
                if (parse_table(r, &c->pub_table, &c->npub))
                    return -1;
            } else {
                c->pkg_base = (int)base;
                if (parse_table(r, &c->pkg_table, &c->npkg))
                    return -1;
            }
        } else if (strcmp(kw, ".implementedInterfaceInfoTable") == 0) {
            for (;;) {
                k = next_line(r);
                if (k <= 0)
                    return k < 0 ? -1 : fail(r, "unexpected end of file");
                if (r->closes)
                    break;
                if (r->nw != 2 || strcmp(r->w[0], ".interface") != 0 || !r->opens)
                    return fail(r, "expected '.interface <class> {'");
                struct jca_iface_impl *im = PUSH(c->impls, c->nimpls);
                if (parse_classref(r, r->w[1], &im->iface))
                    return -1;
                for (;;) {
                    k = next_line(r);
                    if (k <= 0)
                        return k < 0 ? -1 : fail(r, "unexpected end of file");
                    if (r->closes)
                        break;
                    long v = 0;
                    if (r->nw != 1 || num(r, r->w[0], 0, 255, &v))
                        return r->failed ? -1 : fail(r, "expected a method token");
                    int *ni = realloc(im->index, (im->nindex + 1) * sizeof(int));
                    if (!ni)
                        return fail(r, "out of memory");
                    im->index = ni;
                    im->index[im->nindex++] = (int)v;
                }
            }
        } else if (strcmp(kw, ".method") == 0) {
            if (parse_method(r, c, 1))
                return -1;
        } else if (r->opens) {
            return fail(r, "unknown block '%s' in a class", kw);
        } else {
            return fail(r, "unknown statement '%s' in a class", kw);
        }
    }
}

int jca_parse(const char *text, size_t len, const char *fname, jca_pkg *pkg, char *err,
              size_t errlen)
{
    memset(pkg, 0, sizeof(*pkg));
    rd *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "%s: out of memory", fname);
        return -1;
    }
    r->fname = fname;
    r->p = text;
    r->end = text + len;
    r->err = err;
    r->errlen = errlen;
    int k, rc = -1, seen_pkg = 0, done = 0, have_aid = 0, have_ver = 0;
    while ((k = next_line(r)) > 0) {
        if (done) {
            fail(r, "text after the package's closing '}'");
            break;
        }
        if (!seen_pkg) {
            if (r->nw != 2 || strcmp(r->w[0], ".package") != 0 || !r->opens) {
                fail(r, "expected '.package <name> {'");
                break;
            }
            snprintf(pkg->name, sizeof(pkg->name), "%s", r->w[1]);
            seen_pkg = 1;
            continue;
        }
        if (r->closes) {
            done = 1;
            continue;
        }
        const char *kw = r->w[0];
        if (strcmp(kw, ".aid") == 0 && r->nw == 2) {
            if (parse_aid(r, r->w[1], &pkg->aid))
                break;
            have_aid = 1;
        } else if (strcmp(kw, ".version") == 0 && r->nw == 2) {
            if (parse_version(r, r->w[1], &pkg->major, &pkg->minor))
                break;
            have_ver = 1;
        } else if (strcmp(kw, ".imports") == 0 && r->opens) {
            while ((k = next_line(r)) > 0 && !r->closes) {
                struct jca_import *im = PUSH(pkg->imports, pkg->nimports);
                if (r->nw != 2 || parse_aid(r, r->w[0], &im->aid) ||
                    parse_version(r, r->w[1], &im->major, &im->minor)) {
                    if (!r->failed)
                        fail(r, "import needs an AID and a version");
                    break;
                }
            }
            if (r->failed || k <= 0)
                break;
        } else if (strcmp(kw, ".applet") == 0 && r->opens) {
            while ((k = next_line(r)) > 0 && !r->closes) {
                struct jca_applet *ap = PUSH(pkg->applets, pkg->napplets);
                if (r->nw != 2 || parse_aid(r, r->w[0], &ap->aid)) {
                    if (!r->failed)
                        fail(r, "applet needs an AID and a class name");
                    break;
                }
                snprintf(ap->cls, sizeof(ap->cls), "%s", r->w[1]);
            }
            if (r->failed || k <= 0)
                break;
        } else if (strcmp(kw, ".constantPool") == 0 && r->opens) {
            if (parse_cp(r, pkg))
                break;
        } else if ((strcmp(kw, ".class") == 0 || strcmp(kw, ".interface") == 0)) {
            if (parse_class(r, pkg, kw[1] == 'i'))
                break;
        } else if (r->opens) {
            fail(r, "unknown block '%s'", kw);
            break;
        } else {
            fail(r, "unknown statement '%s'", kw);
            break;
        }
    }
    if (!r->failed && k == 0) {
        if (!seen_pkg)
            fail(r, "no .package");
        else if (!done)
            fail(r, "unexpected end of file: the package's '}' is missing");
        else if (!have_aid)
            fail(r, ".package lacks .aid");
        else if (!have_ver)
            fail(r, ".package lacks .version");
        else
            rc = 0;
    }
    free(r);
    if (rc != 0)
        jca_free(pkg);
    return rc;
}

void jca_free(jca_pkg *pkg)
{
    for (size_t c = 0; c < pkg->nclasses; c++) {
        jca_class *k = &pkg->classes[c];
        for (size_t f = 0; f < k->nfields; f++)
            free(k->fields[f].arr);
        for (size_t m = 0; m < k->nmethods; m++) {
            jca_method *mm = &k->methods[m];
            for (size_t i = 0; i < mm->ncode; i++) {
                free(mm->code[i].targets);
                free(mm->code[i].matches);
            }
            free(mm->code);
            free(mm->labels);
            free(mm->handlers);
            free(mm->descs);
        }
        for (size_t i = 0; i < k->nimpls; i++)
            free(k->impls[i].index);
        free(k->impls);
        free(k->methods);
        free(k->fields);
        free(k->supers);
        free(k->pub_table);
        free(k->pkg_table);
    }
    free(pkg->classes);
    free(pkg->imports);
    free(pkg->applets);
    free(pkg->cp);
    free(pkg->cpdescs);
    memset(pkg, 0, sizeof(*pkg));
}
