/*
 * jca_desc.c: the Descriptor component (JCVM 2.2.2 §6.13) of a package
 * assembled from .jca: one class descriptor per class (fields, then methods,
 * in the order the .jca declares them) and the type descriptors, shared by
 * every constant-pool entry, method and field whose type encodes the same.
 */
#include "jca.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    jca_pkg *p;
    const char *fname;
    char *err;
    size_t errlen;
    int failed;
    jca_buf types;  /* type descriptors */
    size_t hdr_len; /* 2 + 2 * cp count: offset of the first type descriptor */
} dctx;

__attribute__((format(printf, 3, 4)))
static int dfail(dctx *c, int line, const char *fmt, ...)
{
    if (!c->failed) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(c->err, c->errlen, "%s:%d: %s", c->fname, line, msg);
    }
    c->failed = 1;
    return -1;
}

static int class_offset(dctx *c, const jca_classref *r, int line, unsigned *out)
{
    if (r->external) {
        *out = 0x8000u | ((unsigned)r->pkg << 8) | r->cls;
        return 0;
    }
    for (size_t i = 0; i < c->p->nclasses; i++)
        if (strcmp(c->p->classes[i].name, r->name) == 0) {
            *out = c->p->classes[i].offset;
            return 0;
        }
    return dfail(c, line, "class %s is not in this package", r->name);
}

/* Class reference of a JVM class descriptor body "a/b/C" (no L ;). */
static int resolve(dctx *c, const char *name, size_t n, int line, unsigned *out)
{
    size_t pl = strlen(c->p->name);
    if (n > pl + 1 && memcmp(name, c->p->name, pl) == 0 && name[pl] == '/' &&
        !memchr(name + pl + 1, '/', n - pl - 1)) {
        jca_classref r = {0};
        if (n - pl - 1 >= sizeof(r.name))
            return dfail(c, line, "class name too long");
        memcpy(r.name, name + pl + 1, n - pl - 1);
        return class_offset(c, &r, line, out);
    }
    jca_descmap *lists[2] = {c->p->cpdescs, NULL};
    size_t counts[2] = {c->p->ncpdescs, 0};
    for (int l = 0; l < 1; l++)
        for (size_t i = 0; i < counts[l]; i++) {
            const char *d = lists[l][i].desc;
            if (d[0] == 'L' && strlen(d) == n + 2 && memcmp(d + 1, name, n) == 0)
                return class_offset(c, &lists[l][i].cls, line, out);
        }
    for (size_t k = 0; k < c->p->nclasses; k++)
        for (size_t m = 0; m < c->p->classes[k].nmethods; m++) {
            jca_method *mm = &c->p->classes[k].methods[m];
            for (size_t i = 0; i < mm->ndescs; i++) {
                const char *d = mm->descs[i].desc;
                if (d[0] == 'L' && strlen(d) == n + 2 && memcmp(d + 1, name, n) == 0)
                    return class_offset(c, &mm->descs[i].cls, line, out);
            }
        }
    return dfail(c, line, "no .descriptor gives the class reference of L%.*s;", (int)n, name);
}

typedef struct {
    uint8_t nib[512];
    size_t n;
} nibs;

static int nib_add(nibs *t, unsigned v)
{
    if (t->n >= sizeof(t->nib))
        return -1;
    t->nib[t->n++] = (uint8_t)(v & 0xF);
    return 0;
}

static int nib_ref(nibs *t, unsigned ref)
{
    for (int s = 12; s >= 0; s -= 4)
        if (nib_add(t, ref >> s))
            return -1;
    return 0;
}

/* One JVM type at *s; advances *s. */
static int enc_jvm(dctx *c, const char **s, nibs *t, int line)
{
    int arr = 0;
    if (**s == '[') {
        arr = 1;
        (*s)++;
    }
    char ch = **s;
    static const char prim[] = "VZBSI";
    const char *pp = ch ? strchr(prim, ch) : NULL;
    if (pp) {
        (*s)++;
        unsigned code = (unsigned)(pp - prim) + 1; /* V=1 Z=2 B=3 S=4 I=5 */
        if (arr && code == 1)
            return dfail(c, line, "array of void");
        return nib_add(t, arr ? code + 8 : code);
    }
    if (ch == 'L') {
        const char *semi = strchr(*s, ';');
        if (!semi)
            return dfail(c, line, "unterminated class descriptor");
        unsigned ref = 0;
        if (resolve(c, *s + 1, (size_t)(semi - *s - 1), line, &ref))
            return -1;
        *s = semi + 1;
        if (nib_add(t, arr ? 0xE : 0x6) || nib_ref(t, ref))
            return dfail(c, line, "type too long");
        return 0;
    }
    return dfail(c, line, "bad type descriptor at '%s'", *s);
}

static int enc_sig(dctx *c, const char *sig, nibs *t, int line)
{
    const char *s = sig;
    if (*s++ != '(')
        return dfail(c, line, "bad signature %s", sig);
    while (*s && *s != ')')
        if (enc_jvm(c, &s, t, line))
            return -1;
    if (*s != ')')
        return dfail(c, line, "bad signature %s", sig);
    s++;
    if (enc_jvm(c, &s, t, line))
        return -1;
    if (*s)
        return dfail(c, line, "junk after signature %s", sig);
    return 0;
}

static int enc_ftype(dctx *c, const jca_type *ft, nibs *t, int line)
{
    if (ft->prim) {
        unsigned code = ft->prim == 'Z' ? 2 : ft->prim == 'B' ? 3 : ft->prim == 'S' ? 4 : 5;
        return nib_add(t, ft->array ? code + 8 : code);
    }
    unsigned ref = 0;
    if (class_offset(c, &ft->cls, line, &ref))
        return -1;
    if (nib_add(t, ft->array ? 0xE : 0x6) || nib_ref(t, ref))
        return dfail(c, line, "type too long");
    return 0;
}

/* Offset of the type descriptor (relative to type_descriptor_info), adding it. */
static unsigned type_offset(dctx *c, const nibs *t)
{
    uint8_t enc[300];
    size_t el = 0;
    enc[el++] = (uint8_t)t->n;
    for (size_t i = 0; i < t->n; i += 2)
        enc[el++] = (uint8_t)((t->nib[i] << 4) | (i + 1 < t->n ? t->nib[i + 1] : 0));
    size_t pos = 0;
    while (pos < c->types.n) {
        size_t l = 1 + (c->types.b[pos] + 1u) / 2;
        if (l == el && memcmp(c->types.b + pos, enc, el) == 0)
            return (unsigned)(c->hdr_len + pos);
        pos += l;
    }
    jca_put(&c->types, enc, el);
    return (unsigned)(c->hdr_len + pos);
}

static int is_constant(const jca_field *f)
{
    return (f->access & JCA_ACC_STATIC) && (f->access & JCA_ACC_FINAL) && f->type.prim &&
           !f->type.array && f->has_init;
}

int jca_descriptor(jca_pkg *p, int **sf_off, uint8_t **out, size_t *len, char *err, size_t errlen,
                   const char *fname);

int jca_descriptor(jca_pkg *p, int **sf_off, uint8_t **out, size_t *len, char *err, size_t errlen,
                   const char *fname)
{
    dctx c = {.p = p, .fname = fname, .err = err, .errlen = errlen};
    c.hdr_len = 2 + 2 * p->ncp;
    jca_buf cpt = {0}, cls = {0};
    int rc = -1;
    /* constant pool types first, in CP order */
    for (size_t i = 0; i < p->ncp; i++) {
        jca_cpent *e = &p->cp[i];
        nibs t = {0};
        if (e->tag == 1) {
            jca_u2(&cpt, 0xFFFF);
            continue;
        }
        if (e->tag == 2 || e->tag == 5) {
            if (enc_ftype(&c, &e->ftype, &t, e->line))
                goto done;
        } else if (enc_sig(&c, e->sig, &t, e->line)) {
            goto done;
        }
        jca_u2(&cpt, type_offset(&c, &t));
    }
    /* classes */
    if (p->nclasses > 255) {
        dfail(&c, 1, "too many classes");
        goto done;
    }
    jca_u1(&cls, (unsigned)p->nclasses);
    size_t handler_index = 0;
    for (size_t i = 0; i < p->nclasses; i++) {
        jca_class *k = &p->classes[i];
        unsigned acc = (k->access & JCA_ACC_PUBLIC ? 0x01 : 0) |
                       (k->access & JCA_ACC_FINAL ? 0x10 : 0) | (k->is_interface ? 0x40 : 0) |
                       (k->access & JCA_ACC_ABSTRACT ? 0x80 : 0);
        size_t nf = 0;
        for (size_t f = 0; f < k->nfields; f++)
            if (!is_constant(&k->fields[f]))
                nf++;
        /* The reference converter lists no superinterfaces for an interface. */
        size_t nifc = k->is_interface ? 0 : k->nimpls;
        jca_u1(&cls, k->token < 0 ? 0xFF : (unsigned)k->token);
        jca_u1(&cls, acc);
        jca_u2(&cls, k->offset);
        jca_u1(&cls, (unsigned)nifc);
        jca_u2(&cls, (unsigned)nf);
        jca_u2(&cls, (unsigned)k->nmethods);
        for (size_t s = 0; s < nifc; s++) {
            unsigned r = 0;
            if (class_offset(&c, k->is_interface ? &k->supers[s] : &k->impls[s].iface, k->line, &r))
                goto done;
            jca_u2(&cls, r);
        }
        /* static fields first in the order of the static image, then instance
         * fields in declaration order (as the reference converter lists them) */
        size_t *order = calloc(k->nfields + 1, sizeof(size_t)), no = 0;
        for (int off = 0; off < 65536 && no < k->nfields; off++) {
            int any = 0;
            for (size_t f = 0; f < k->nfields; f++) {
                if (sf_off[i][f] >= off)
                    any = 1;
                if (sf_off[i][f] == off)
                    order[no++] = f;
            }
            if (!any)
                break;
        }
        for (size_t f = 0; f < k->nfields; f++)
            if (!(k->fields[f].access & JCA_ACC_STATIC))
                order[no++] = f;
        for (size_t oi = 0; oi < no; oi++) {
            size_t f = order[oi];
            jca_field *fd = &k->fields[f];
            unsigned fa = fd->access & (JCA_ACC_PUBLIC | JCA_ACC_PRIVATE | JCA_ACC_PROTECTED |
                                        JCA_ACC_STATIC | JCA_ACC_FINAL);
            jca_u1(&cls, fd->token < 0 ? 0xFF : (unsigned)fd->token);
            jca_u1(&cls, fa);
            if (fd->access & JCA_ACC_STATIC) {
                jca_u1(&cls, 0);
                jca_u2(&cls, (unsigned)sf_off[i][f]);
            } else {
                jca_u2(&cls, k->offset);
                jca_u1(&cls, (unsigned)fd->token);
            }
            if (fd->type.prim && !fd->type.array) {
                unsigned code = fd->type.prim == 'Z'   ? 2
                                : fd->type.prim == 'B' ? 3
                                : fd->type.prim == 'S' ? 4
                                                       : 5;
                jca_u2(&cls, 0x8000u | code);
            } else {
                nibs t = {0};
                if (enc_ftype(&c, &fd->type, &t, fd->line)) {
                    free(order);
                    goto done;
                }
                jca_u2(&cls, type_offset(&c, &t));
            }
        }
        free(order);
        for (size_t m = 0; m < k->nmethods; m++) {
            jca_method *mm = &k->methods[m];
            unsigned ma = (mm->access & (JCA_ACC_PUBLIC | JCA_ACC_PRIVATE | JCA_ACC_PROTECTED |
                                         JCA_ACC_STATIC | JCA_ACC_FINAL | JCA_ACC_ABSTRACT)) |
                          (strcmp(mm->name, "<init>") == 0 ? 0x80 : 0);
            nibs t = {0};
            if (enc_sig(&c, mm->sig, &t, mm->line))
                goto done;
            jca_u1(&cls, mm->token < 0 ? 0xFF : (unsigned)mm->token);
            jca_u1(&cls, ma);
            jca_u2(&cls, k->is_interface ? 0 : mm->offset);
            jca_u2(&cls, type_offset(&c, &t));
            jca_u2(&cls, mm->code_len);
            jca_u2(&cls, (unsigned)mm->nhandlers);
            jca_u2(&cls, mm->nhandlers ? (unsigned)handler_index : 0);
            handler_index += mm->nhandlers;
        }
    }
    jca_buf all = {0};
    jca_put(&all, cls.b, cls.n);
    jca_u2(&all, (unsigned)p->ncp);
    jca_put(&all, cpt.b, cpt.n);
    jca_put(&all, c.types.b, c.types.n);
    *out = all.b;
    *len = all.n;
    rc = 0;
done:
    free(cpt.b);
    free(cls.b);
    free(c.types.b);
    return rc;
}
