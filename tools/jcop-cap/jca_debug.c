/*
 * jca_debug.c: the Debug component (JCVM 2.2.2 §6.14, tag 12) written from
 * what a .jca text knows, and read back, bounds-checked, for `jcop-cap dump`
 * and `disasm`.
 *
 * Layout (all big-endian): string_count u2, strings (u2 length + UTF-8 bytes),
 * package_name_index u2, class_count u2, classes. A class: name, access (u2
 * ACC_* of §6.14.1), location (Class component offset), superclass name,
 * source file name, interface_count u1, field_count u2, method_count u2,
 * interface name indices, fields, methods. A field: name, descriptor, access,
 * contents u4 (instance: 00 00 00 token; static: 00 00 + static image offset;
 * primitive constant: its value). A method: name, descriptor, access, location
 * (Method component offset, 0 when abstract), header_size u1, body_size u2,
 * variable_count u2, line_count u2, variables (index u1, name, descriptor,
 * start_pc, length), lines (start_pc, end_pc, source_line); pcs count from the
 * method's first bytecode.
 *
 * What the writer decides where the .jca is silent (jcop-cap(1) says it too):
 * names are in the JVM's slash form (jcopsim/demo/hello/HelloApplet); the
 * source file is the .jca file's own name and the line table maps each run of
 * instructions to its .jca line (start_pc and end_pc both inclusive: end_pc is
 * the last byte of the run's last instruction); the .jca names no local
 * variables, so every variable table is empty.
 */
#include "jca.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm_api.h"

/* ---- writer ---- */

typedef struct {
    char **s;
    size_t n, cap;
} strtab;

static unsigned str_index(strtab *t, const char *s)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->s[i], s) == 0)
            return (unsigned)i;
    if (t->n == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 32;
        char **q = realloc(t->s, nc * sizeof *q);
        if (!q) {
            fputs("jcop-cap: out of memory\n", stderr);
            exit(3);
        }
        t->s = q;
        t->cap = nc;
    }
    size_t l = strlen(s);
    char *c = malloc(l + 1);
    if (!c) {
        fputs("jcop-cap: out of memory\n", stderr);
        exit(3);
    }
    memcpy(c, s, l + 1);
    t->s[t->n] = c;
    return (unsigned)t->n++;
}

/* A class reference as a slash-form name: this package's class, or an API class of
   an import ("javacard/framework/Applet"), or "import2.class7" when it is neither. */
static void ref_name(const jca_pkg *p, const jca_classref *r, char *out, size_t n)
{
    if (!r->external) {
        snprintf(out, n, "%s/%s", p->name, r->name);
        return;
    }
    if (r->pkg < p->nimports) {
        const jca_aid *a = &p->imports[r->pkg].aid;
        for (unsigned k = 0; k < jcvm_api_n_pkgs; k++) {
            if (jcvm_api_pkgs[k].aid_len != a->len || memcmp(jcvm_api_pkgs[k].aid, a->b, a->len))
                continue;
            for (unsigned c = 0; c < jcvm_api_n_classes; c++)
                if (jcvm_api_classes[c].pkg == (int)k && jcvm_api_classes[c].token == r->cls) {
                    size_t l = (size_t)snprintf(out, n, "%s/%s", jcvm_api_pkgs[k].name,
                                                jcvm_api_classes[c].name);
                    for (size_t i = 0; i < l && i < n; i++)
                        if (out[i] == '.')
                            out[i] = '/';
                    return;
                }
        }
    }
    snprintf(out, n, "import%u.class%u", r->pkg, r->cls);
}

static void type_desc(const jca_pkg *p, const jca_type *t, char *out, size_t n)
{
    if (t->prim) {
        snprintf(out, n, "%s%c", t->array ? "[" : "", t->prim);
        return;
    }
    char cn[2 * JCA_NAME_MAX + 8];
    ref_name(p, &t->cls, cn, sizeof cn);
    snprintf(out, n, "%sL%s;", t->array ? "[" : "", cn);
}

static unsigned member_access(unsigned a)
{
    unsigned v =
        a & (JCA_ACC_PUBLIC | JCA_ACC_PRIVATE | JCA_ACC_PROTECTED | JCA_ACC_STATIC | JCA_ACC_FINAL);
    return v | ((a & JCA_ACC_ABSTRACT) ? 0x0400u : 0);
}

int jca_debug(const jca_pkg *p, int **sf_off, const char *fname, jca_buf *out)
{
    strtab t = {0};
    jca_buf body = {0};
    const char *base = strrchr(fname, '/') ? strrchr(fname, '/') + 1 : fname;
    unsigned src = str_index(&t, base);
    jca_u2(&body, str_index(&t, p->name));
    jca_u2(&body, (unsigned)p->nclasses);
    for (size_t i = 0; i < p->nclasses; i++) {
        const jca_class *k = &p->classes[i];
        char nm[2 * JCA_NAME_MAX + 8];
        snprintf(nm, sizeof nm, "%s/%s", p->name, k->name);
        jca_u2(&body, str_index(&t, nm));
        unsigned acc = (k->access & (JCA_ACC_PUBLIC | JCA_ACC_FINAL)) |
                       (k->is_interface ? 0x0200u | 0x0400u : 0) |
                       ((k->access & JCA_ACC_ABSTRACT) ? 0x0400u : 0) |
                       (k->shareable ? 0x0800u : 0);
        jca_u2(&body, acc);
        jca_u2(&body, k->offset);
        if (k->has_super && !k->is_interface)
            ref_name(p, &k->super, nm, sizeof nm);
        else
            snprintf(nm, sizeof nm, "java/lang/Object");
        jca_u2(&body, str_index(&t, nm));
        jca_u2(&body, src);
        size_t nif = k->is_interface ? k->nsupers : k->nimpls;
        jca_u1(&body, (unsigned)nif);
        jca_u2(&body, (unsigned)k->nfields);
        jca_u2(&body, (unsigned)k->nmethods);
        for (size_t j = 0; j < nif; j++) {
            ref_name(p, k->is_interface ? &k->supers[j] : &k->impls[j].iface, nm, sizeof nm);
            jca_u2(&body, str_index(&t, nm));
        }
        for (size_t f = 0; f < k->nfields; f++) {
            const jca_field *fd = &k->fields[f];
            char d[2 * JCA_NAME_MAX + 16];
            type_desc(p, &fd->type, d, sizeof d);
            jca_u2(&body, str_index(&t, fd->name));
            jca_u2(&body, str_index(&t, d));
            jca_u2(&body, member_access(fd->access));
            if (!(fd->access & JCA_ACC_STATIC)) {
                jca_u2(&body, 0);
                jca_u2(&body, fd->token >= 0 ? (unsigned)fd->token : 0xFFu);
            } else if (sf_off && sf_off[i] && sf_off[i][f] >= 0) {
                jca_u2(&body, 0);
                jca_u2(&body, (unsigned)sf_off[i][f]);
            } else {
                uint32_t v = (uint32_t)(int32_t)fd->init;
                jca_u2(&body, v >> 16);
                jca_u2(&body, v & 0xFFFF);
            }
        }
        for (size_t j = 0; j < k->nmethods; j++) {
            const jca_method *m = &k->methods[j];
            int abstract = k->is_interface || (m->access & JCA_ACC_ABSTRACT);
            const char *paren = strchr(m->sig, '(');
            jca_u2(&body, str_index(&t, m->name));
            jca_u2(&body, str_index(&t, paren ? paren : m->sig));
            jca_u2(&body, member_access(m->access | (k->is_interface ? JCA_ACC_ABSTRACT : 0)));
            jca_u2(&body, abstract ? 0 : m->offset);
            jca_u1(&body, abstract ? 0 : (unsigned)m->header_len);
            jca_u2(&body, abstract ? 0 : m->code_len);
            jca_u2(&body, 0); /* variable_count: the .jca names no locals */
            /* runs of instructions of one .jca line */
            jca_buf lines = {0};
            unsigned nl = 0;
            for (size_t q = 0; !abstract && q < m->ncode;) {
                size_t r = q;
                while (r + 1 < m->ncode && m->code[r + 1].line == m->code[q].line)
                    r++;
                uint32_t end = r + 1 < m->ncode ? m->code[r + 1].pc : m->code_len;
                jca_u2(&lines, m->code[q].pc);
                jca_u2(&lines, end ? end - 1 : 0);
                jca_u2(&lines, (unsigned)m->code[q].line);
                nl++;
                q = r + 1;
            }
            jca_u2(&body, nl);
            jca_put(&body, lines.b, lines.n);
            free(lines.b);
        }
    }
    jca_u2(out, (unsigned)t.n);
    for (size_t i = 0; i < t.n; i++) {
        size_t l = strlen(t.s[i]);
        jca_u2(out, (unsigned)l);
        jca_put(out, t.s[i], l);
        free(t.s[i]);
    }
    free(t.s);
    jca_put(out, body.b, body.n);
    free(body.b);
    return 0;
}

/* ---- reader ---- */

typedef struct {
    const uint8_t *b;
    size_t n, o;
    int bad;
} rd;

static unsigned r1(rd *r)
{
    if (r->bad || r->o + 1 > r->n) {
        r->bad = 1;
        return 0;
    }
    return r->b[r->o++];
}

static unsigned r2(rd *r)
{
    unsigned hi = r1(r);
    return hi << 8 | r1(r);
}

__attribute__((format(printf, 3, 4))) static int dfail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

void jca_dbg_free(jca_dbg *d)
{
    for (size_t i = 0; d->strings && i < d->nstrings; i++)
        free(d->strings[i]);
    free(d->strings);
    for (size_t c = 0; d->classes && c < d->nclasses; c++) {
        jca_dbg_class *k = &d->classes[c];
        free(k->ifaces);
        free(k->fields);
        for (size_t m = 0; k->methods && m < k->nmethods; m++) {
            free(k->methods[m].vars);
            free(k->methods[m].lines);
        }
        free(k->methods);
    }
    free(d->classes);
    memset(d, 0, sizeof *d);
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p) {
        fputs("jcop-cap: out of memory\n", stderr);
        exit(3);
    }
    return p;
}

/* A string index read at the current place: checked against the table. */
static int sidx(rd *r, const jca_dbg *d, uint16_t *out, const char *what, char *why, size_t wl)
{
    size_t at = r->o;
    unsigned v = r2(r);
    if (r->bad)
        return dfail(why, wl, "Debug component: truncated at byte %zu (%s)", at, what);
    if (v >= d->nstrings)
        return dfail(why, wl, "Debug component: %s at byte %zu is string %u of %u", what, at, v,
                     d->nstrings);
    *out = (uint16_t)v;
    return 0;
}

#define TRUNC(what)                                                                                \
    do {                                                                                           \
        if (r.bad)                                                                                 \
            return dfail(why, wl, "Debug component: truncated at byte %zu (%s)", r.o, what);       \
    } while (0)

static int decode(rd *rr, jca_dbg *d, char *why, size_t wl)
{
    rd r = *rr;
    d->nstrings = (uint16_t)r2(&r);
    TRUNC("string_count");
    d->strings = xcalloc(d->nstrings, sizeof(char *));
    for (unsigned i = 0; i < d->nstrings; i++) {
        size_t at = r.o;
        unsigned l = r2(&r);
        if (r.bad || r.o + l > r.n)
            return dfail(why, wl, "Debug component: string %u at byte %zu runs past the component",
                         i, at);
        if (memchr(r.b + r.o, 0, l))
            return dfail(why, wl, "Debug component: string %u at byte %zu holds a NUL byte", i, at);
        d->strings[i] = xcalloc(l + 1, 1);
        memcpy(d->strings[i], r.b + r.o, l);
        r.o += l;
    }
    if (sidx(&r, d, &d->package, "package_name_index", why, wl))
        return -1;
    d->nclasses = (uint16_t)r2(&r);
    TRUNC("class_count");
    d->classes = xcalloc(d->nclasses, sizeof(jca_dbg_class));
    for (unsigned c = 0; c < d->nclasses; c++) {
        jca_dbg_class *k = &d->classes[c];
        if (sidx(&r, d, &k->name, "class name_index", why, wl))
            return -1;
        k->access = (uint16_t)r2(&r);
        k->location = (uint16_t)r2(&r);
        TRUNC("class");
        if (sidx(&r, d, &k->super, "superclass_name_index", why, wl) ||
            sidx(&r, d, &k->source, "source_file_index", why, wl))
            return -1;
        k->nifaces = (uint8_t)r1(&r);
        k->nfields = (uint16_t)r2(&r);
        k->nmethods = (uint16_t)r2(&r);
        TRUNC("class counts");
        k->ifaces = xcalloc(k->nifaces, sizeof(uint16_t));
        k->fields = xcalloc(k->nfields, sizeof(jca_dbg_field));
        k->methods = xcalloc(k->nmethods, sizeof(jca_dbg_method));
        for (unsigned i = 0; i < k->nifaces; i++)
            if (sidx(&r, d, &k->ifaces[i], "interface name index", why, wl))
                return -1;
        for (unsigned f = 0; f < k->nfields; f++) {
            jca_dbg_field *fd = &k->fields[f];
            if (sidx(&r, d, &fd->name, "field name_index", why, wl) ||
                sidx(&r, d, &fd->desc, "field descriptor_index", why, wl))
                return -1;
            fd->access = (uint16_t)r2(&r);
            unsigned hi = r2(&r);
            fd->contents = (uint32_t)hi << 16 | r2(&r);
            TRUNC("field");
        }
        for (unsigned m = 0; m < k->nmethods; m++) {
            jca_dbg_method *md = &k->methods[m];
            if (sidx(&r, d, &md->name, "method name_index", why, wl) ||
                sidx(&r, d, &md->desc, "method descriptor_index", why, wl))
                return -1;
            md->access = (uint16_t)r2(&r);
            md->location = (uint16_t)r2(&r);
            md->header = (uint8_t)r1(&r);
            md->body = (uint16_t)r2(&r);
            md->nvars = (uint16_t)r2(&r);
            md->nlines = (uint16_t)r2(&r);
            TRUNC("method");
            md->vars = xcalloc(md->nvars, sizeof(jca_dbg_var));
            md->lines = xcalloc(md->nlines, sizeof(jca_dbg_line));
            for (unsigned v = 0; v < md->nvars; v++) {
                jca_dbg_var *vr = &md->vars[v];
                vr->index = (uint8_t)r1(&r);
                if (sidx(&r, d, &vr->name, "variable name_index", why, wl) ||
                    sidx(&r, d, &vr->desc, "variable descriptor_index", why, wl))
                    return -1;
                vr->start = (uint16_t)r2(&r);
                vr->length = (uint16_t)r2(&r);
                TRUNC("variable");
                if ((unsigned)vr->start + vr->length > md->body)
                    return dfail(why, wl,
                                 "Debug component: variable %u of method %s ends at pc %u, past "
                                 "the method's %u bytes",
                                 v, d->strings[md->name], vr->start + vr->length, md->body);
            }
            for (unsigned l = 0; l < md->nlines; l++) {
                jca_dbg_line *ln = &md->lines[l];
                ln->start = (uint16_t)r2(&r);
                ln->end = (uint16_t)r2(&r);
                ln->line = (uint16_t)r2(&r);
                TRUNC("line table");
                if (ln->start > ln->end || ln->end >= md->body)
                    return dfail(why, wl,
                                 "Debug component: line entry %u of method %s covers pc %u..%u, "
                                 "outside the method's %u bytes",
                                 l, d->strings[md->name], ln->start, ln->end, md->body);
            }
        }
    }
    if (r.o != r.n)
        return dfail(why, wl, "Debug component: %zu bytes after the last class", r.n - r.o);
    *rr = r;
    return 0;
}

int jca_dbg_read(const uint8_t *info, size_t n, jca_dbg *d, char *why, size_t wl)
{
    memset(d, 0, sizeof *d);
    if (n == 0)
        return dfail(why, wl, "Debug component: empty (its size must be greater than zero)");
    rd r = {.b = info, .n = n};
    if (decode(&r, d, why, wl) != 0) {
        jca_dbg_free(d);
        return -1;
    }
    return 0;
}

const jca_dbg_method *jca_dbg_method_at(const jca_dbg *d, unsigned location,
                                        const jca_dbg_class **cls)
{
    for (unsigned c = 0; d && c < d->nclasses; c++)
        for (unsigned m = 0; m < d->classes[c].nmethods; m++) {
            const jca_dbg_method *md = &d->classes[c].methods[m];
            if (md->location == location && md->header != 0) {
                if (cls)
                    *cls = &d->classes[c];
                return md;
            }
        }
    return NULL;
}

const jca_dbg_class *jca_dbg_class_at(const jca_dbg *d, unsigned location)
{
    for (unsigned c = 0; d && c < d->nclasses; c++)
        if (d->classes[c].location == location)
            return &d->classes[c];
    return NULL;
}
