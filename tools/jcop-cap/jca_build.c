/*
 * jca_build.c: CAP components (JCVM 2.2.2 chapter 6, CAP format 2.1) from a
 * parsed .jca package: Header, Directory, Applet, Import, ConstantPool, Class,
 * Method, StaticField, RefLocation, Export and Descriptor. Layout decisions
 * (order of methods, static field segments, handler order) follow what the
 * reference converter writes, so that a .jca it produced assembles back to the
 * same component bytes.
 */
#include "jca.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm_opcodes.h"

void jca_put(jca_buf *o, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (o->n + n > o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 256;
        while (nc < o->n + n)
            nc *= 2;
        uint8_t *q = realloc(o->b, nc);
        if (!q) {
            fputs("jcop-cap: out of memory\n", stderr);
            exit(3);
        }
        o->b = q;
        o->cap = nc;
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
void jca_u1(jca_buf *o, unsigned v)
{
    uint8_t b = (uint8_t)v;
    jca_put(o, &b, 1);
}
void jca_u2(jca_buf *o, unsigned v)
{
    jca_u1(o, v >> 8);
    jca_u1(o, v);
}
static void u4(jca_buf *o, unsigned long v)
{
    jca_u2(o, (unsigned)(v >> 16) & 0xFFFF);
    jca_u2(o, (unsigned)v & 0xFFFF);
}

typedef struct {
    jca_pkg *pkg;
    const char *fname;
    char *err;
    size_t errlen;
    int failed;
    /* static field image offsets, parallel to classes/fields (-1: not in image) */
    int **sf_off;
    unsigned image_size, sf_refs, array_init_count, array_init_size;
    jca_buf method, sfield, refloc, byte1, byte2;
} bctx;

__attribute__((format(printf, 3, 4)))
static int bfail(bctx *c, int line, const char *fmt, ...)
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

static jca_class *find_class(jca_pkg *p, const char *name)
{
    for (size_t i = 0; i < p->nclasses; i++)
        if (strcmp(p->classes[i].name, name) == 0)
            return &p->classes[i];
    return NULL;
}

/* Slots taken by the parameters of a signature "(...)R". -1 when malformed. */
static int sig_arg_slots(const char *sig)
{
    int n = 0;
    const char *s = sig;
    if (*s++ != '(')
        return -1;
    while (*s && *s != ')') {
        int arr = 0;
        while (*s == '[') {
            arr = 1;
            s++;
        }
        if (*s == 'L') {
            s = strchr(s, ';');
            if (!s)
                return -1;
            s++;
            n++;
        } else if (strchr("BSZI", *s) && *s) {
            n += (*s == 'I' && !arr) ? 2 : 1;
            s++;
        } else {
            return -1;
        }
    }
    return *s == ')' ? n : -1;
}

static int is_constant(const jca_field *f)
{
    /* compile-time constants: static final primitive with a value */
    return (f->access & JCA_ACC_STATIC) && (f->access & JCA_ACC_FINAL) && f->type.prim &&
           !f->type.array && f->has_init;
}

static int field_size(const jca_field *f)
{
    if (f->type.array || !f->type.prim)
        return 2;
    return f->type.prim == 'I' ? 4 : f->type.prim == 'S' ? 2 : 1;
}

/* ---- Method component ---- */

static int method_in_component(const jca_class *k, const jca_method *m)
{
    (void)m;
    return !k->is_interface;
}

static int layout_methods(bctx *c)
{
    jca_pkg *p = c->pkg;
    size_t nh = 0;
    for (size_t i = 0; i < p->nclasses; i++)
        for (size_t j = 0; j < p->classes[i].nmethods; j++)
            nh += p->classes[i].methods[j].nhandlers;
    if (nh > 255)
        return bfail(c, 1, "%zu exception handlers: at most 255 fit a Method component", nh);
    uint32_t off = 1 + 8 * (uint32_t)nh;
    for (size_t i = 0; i < p->nclasses; i++) {
        jca_class *k = &p->classes[i];
        for (size_t j = 0; j < k->nmethods; j++) {
            jca_method *m = &k->methods[j];
            if (!method_in_component(k, m))
                continue;
            int abstract = (m->access & JCA_ACC_ABSTRACT) != 0;
            int args = sig_arg_slots(m->sig);
            if (args < 0)
                return bfail(c, m->line, "malformed signature %s", m->sig);
            m->nargs = args + ((m->access & JCA_ACC_STATIC) ? 0 : 1);
            if (!abstract && (m->stack < 0 || m->locals < 0))
                return bfail(c, m->line, "method %s lacks .stack or .locals", m->name);
            if (abstract && m->ncode)
                return bfail(c, m->line, "abstract method %s has code", m->name);
            if (!abstract && !m->ncode)
                return bfail(c, m->line, "method %s has no code", m->name);
            int st = m->stack < 0 ? 0 : m->stack, lo = m->locals < 0 ? 0 : m->locals;
            m->header_len = (st > 15 || m->nargs > 15 || lo > 15) ? 4 : 2;
            m->offset = off;
            uint32_t pc = 0;
            for (size_t q = 0; q < m->ncode; q++) {
                jca_insn *in = &m->code[q];
                if (in->label >= 0)
                    m->labels[in->label].pc = pc;
                const jcvm_opinfo *op = jcvm_op(in->opcode);
                uint32_t len = op->len;
                if (op->opnd == JCVM_OPND_STABLESW)
                    len = 7 + 2 * (uint32_t)(in->ntargets - 1);
                else if (op->opnd == JCVM_OPND_ITABLESW)
                    len = 11 + 2 * (uint32_t)(in->ntargets - 1);
                else if (op->opnd == JCVM_OPND_SLOOKUPSW)
                    len = 5 + 4 * (uint32_t)in->ops[0];
                else if (op->opnd == JCVM_OPND_ILOOKUPSW)
                    len = 5 + 6 * (uint32_t)in->ops[0];
                pc += len;
            }
            m->code_len = pc;
            off += (uint32_t)m->header_len + pc;
            if (off > 65535)
                return bfail(c, m->line, "Method component larger than 65535 bytes");
        }
    }
    return 0;
}

static int emit_methods(bctx *c)
{
    jca_pkg *p = c->pkg;
    jca_buf *o = &c->method;
    size_t nh = 0;
    for (size_t i = 0; i < p->nclasses; i++)
        for (size_t j = 0; j < p->classes[i].nmethods; j++)
            nh += p->classes[i].methods[j].nhandlers;
    jca_u1(o, (unsigned)nh);
    /* handlers in method order; stop_bit when no later handler covers this range */
    typedef struct {
        uint32_t start, end, handler;
        int catch_idx;
    } hx;
    hx *all = calloc(nh + 1, sizeof(hx));
    size_t h = 0;
    for (size_t i = 0; i < p->nclasses; i++)
        for (size_t j = 0; j < p->classes[i].nmethods; j++) {
            jca_method *m = &p->classes[i].methods[j];
            uint32_t base = m->offset + (uint32_t)m->header_len;
            for (size_t e = 0; e < m->nhandlers; e++) {
                jca_handler *hd = &m->handlers[e];
                all[h].start = base + m->labels[hd->start].pc;
                all[h].end = base + m->labels[hd->end].pc;
                all[h].handler = base + m->labels[hd->handler].pc;
                all[h].catch_idx = hd->catch_idx;
                if (all[h].end <= all[h].start) {
                    free(all);
                    return bfail(c, m->line, "exception handler %zu of %s has an empty range", e,
                                 m->name);
                }
                h++;
            }
        }
    for (size_t i = 0; i < nh; i++) {
        int stop = 1;
        for (size_t j = i + 1; j < nh; j++)
            if (all[j].start <= all[i].start && all[j].end >= all[i].end)
                stop = 0;
        jca_u2(o, all[i].start);
        jca_u2(o, (stop ? 0x8000u : 0) | (all[i].end - all[i].start));
        jca_u2(o, all[i].handler);
        if (all[i].catch_idx != 0) /* 0: finally, no CP index to relocate */
            jca_u2(&c->byte2, (unsigned)o->n);
        jca_u2(o, (unsigned)all[i].catch_idx);
    }
    free(all);
    for (size_t i = 0; i < p->nclasses; i++) {
        jca_class *k = &p->classes[i];
        for (size_t j = 0; j < k->nmethods; j++) {
            jca_method *m = &k->methods[j];
            if (!method_in_component(k, m))
                continue;
            unsigned flags = (m->access & JCA_ACC_ABSTRACT) ? 0x4 : 0;
            int st = m->stack < 0 ? 0 : m->stack, lo = m->locals < 0 ? 0 : m->locals;
            if (o->n != m->offset)
                return bfail(c, m->line, "internal: method offset mismatch");
            if (m->header_len == 4) {
                jca_u1(o, (flags | 0x8) << 4);
                jca_u1(o, (unsigned)st);
                jca_u1(o, (unsigned)m->nargs);
                jca_u1(o, (unsigned)lo);
            } else {
                jca_u1(o, (flags << 4) | (unsigned)st);
                jca_u1(o, ((unsigned)m->nargs << 4) | (unsigned)lo);
            }
            uint32_t base = (uint32_t)o->n;
            for (size_t q = 0; q < m->ncode; q++) {
                jca_insn *in = &m->code[q];
                const jcvm_opinfo *op = jcvm_op(in->opcode);
                uint32_t pc = (uint32_t)o->n - base;
                in->pc = pc; /* the Debug component's line table */
                if (op->flags & JCVM_OPF_INT)
                    p->uses_int = 1;
                jca_u1(o, in->opcode);
                long d;
                switch (op->opnd) {
                case JCVM_OPND_NONE:
                    break;
                case JCVM_OPND_S1:
                case JCVM_OPND_LOCAL:
                case JCVM_OPND_ATYPE:
                case JCVM_OPND_MN:
                    jca_u1(o, (unsigned)in->ops[0]);
                    break;
                case JCVM_OPND_CP1:
                    jca_u2(&c->byte1, (unsigned)(o->n));
                    jca_u1(o, (unsigned)in->ops[0]);
                    break;
                case JCVM_OPND_S2:
                    jca_u2(o, (unsigned)in->ops[0] & 0xFFFF);
                    break;
                case JCVM_OPND_CP2:
                    jca_u2(&c->byte2, (unsigned)(o->n));
                    jca_u2(o, (unsigned)in->ops[0]);
                    break;
                case JCVM_OPND_S4:
                    u4(o, (unsigned long)in->ops[0]);
                    break;
                case JCVM_OPND_LOCAL_S1:
                    jca_u1(o, (unsigned)in->ops[0]);
                    jca_u1(o, (unsigned)in->ops[1]);
                    break;
                case JCVM_OPND_LOCAL_S2:
                    jca_u1(o, (unsigned)in->ops[0]);
                    jca_u2(o, (unsigned)in->ops[1] & 0xFFFF);
                    break;
                case JCVM_OPND_TYPE_CP2:
                    jca_u1(o, (unsigned)in->ops[0]);
                    if (in->ops[0] == 0 || in->ops[0] == JCVM_T_REFERENCE)
                        jca_u2(&c->byte2, (unsigned)(o->n)); /* primitive atypes: no CP index */
                    jca_u2(o, (unsigned)in->ops[1]);
                    break;
                case JCVM_OPND_IFACE:
                    jca_u1(o, (unsigned)in->ops[0]);
                    jca_u2(&c->byte2, (unsigned)(o->n));
                    jca_u2(o, (unsigned)in->ops[1]);
                    jca_u1(o, (unsigned)in->ops[2]);
                    break;
                case JCVM_OPND_BR1:
                case JCVM_OPND_BR2:
                    d = (long)m->labels[in->targets[0]].pc - (long)pc;
                    if (op->opnd == JCVM_OPND_BR1) {
                        if (d < -128 || d > 127)
                            return bfail(c, in->line,
                                         "branch of %ld bytes does not fit %s (use %s_w)", d,
                                         op->mnemonic, op->mnemonic);
                        jca_u1(o, (unsigned)d & 0xFF);
                    } else {
                        if (d < -32768 || d > 32767)
                            return bfail(c, in->line, "branch of %ld bytes too far", d);
                        jca_u2(o, (unsigned)d & 0xFFFF);
                    }
                    break;
                case JCVM_OPND_STABLESW:
                case JCVM_OPND_ITABLESW:
                case JCVM_OPND_SLOOKUPSW:
                case JCVM_OPND_ILOOKUPSW:
                    for (size_t t = 0; t < in->ntargets; t++) {
                        d = (long)m->labels[in->targets[t]].pc - (long)pc;
                        if (d < -32768 || d > 32767)
                            return bfail(c, in->line, "switch target too far");
                        jca_u2(o, (unsigned)d & 0xFFFF);
                        if (t == 0) {
                            if (op->opnd == JCVM_OPND_STABLESW) {
                                jca_u2(o, (unsigned)in->ops[0] & 0xFFFF);
                                jca_u2(o, (unsigned)in->ops[1] & 0xFFFF);
                            } else if (op->opnd == JCVM_OPND_ITABLESW) {
                                u4(o, (unsigned long)in->ops[0]);
                                u4(o, (unsigned long)in->ops[1]);
                            } else {
                                jca_u2(o, (unsigned)in->ops[0]);
                            }
                        }
                        if (t + 1 < in->ntargets && op->opnd == JCVM_OPND_SLOOKUPSW)
                            jca_u2(o, (unsigned)in->matches[t] & 0xFFFF);
                        if (t + 1 < in->ntargets && op->opnd == JCVM_OPND_ILOOKUPSW)
                            u4(o, (unsigned long)in->matches[t]);
                    }
                    break;
                }
            }
        }
    }
    return 0;
}

/* ---- static field image ---- */

static int layout_statics(bctx *c)
{
    jca_pkg *p = c->pkg;
    c->sf_off = calloc(p->nclasses + 1, sizeof(int *));
    for (size_t i = 0; i < p->nclasses; i++) {
        c->sf_off[i] = calloc(p->classes[i].nfields + 1, sizeof(int));
        for (size_t f = 0; f < p->classes[i].nfields; f++)
            c->sf_off[i][f] = -1;
    }
    unsigned off = 0;
    /* segment 1: arrays with initializers; 2: other references; 3: default
     * primitives; 4: primitives with a non-default value */
    for (int seg = 1; seg <= 4; seg++) {
        for (size_t i = 0; i < p->nclasses; i++) {
            jca_class *k = &p->classes[i];
            for (size_t f = 0; f < k->nfields; f++) {
                jca_field *fd = &k->fields[f];
                if (!(fd->access & JCA_ACC_STATIC) || is_constant(fd))
                    continue;
                int ref = fd->type.array || !fd->type.prim;
                int s = ref ? (fd->has_init ? 1 : 2) : (fd->has_init && fd->init ? 4 : 3);
                if (s != seg)
                    continue;
                c->sf_off[i][f] = (int)off;
                off += (unsigned)field_size(fd);
                if (ref)
                    c->sf_refs++;
            }
        }
    }
    if (off > 65535)
        return bfail(c, 1, "static field image larger than 65535 bytes");
    c->image_size = off;
    return 0;
}

static void emit_statics(bctx *c)
{
    jca_pkg *p = c->pkg;
    jca_buf *o = &c->sfield;
    jca_u2(o, c->image_size);
    jca_u2(o, c->sf_refs);
    jca_buf ai = {0}, nd = {0};
    unsigned seg3 = 0;
    for (int seg = 1; seg <= 4; seg++)
        for (size_t i = 0; i < p->nclasses; i++)
            for (size_t f = 0; f < p->classes[i].nfields; f++) {
                jca_field *fd = &p->classes[i].fields[f];
                if (c->sf_off[i][f] < 0)
                    continue;
                int ref = fd->type.array || !fd->type.prim;
                int s = ref ? (fd->has_init ? 1 : 2) : (fd->has_init && fd->init ? 4 : 3);
                if (s != seg)
                    continue;
                if (s == 1) {
                    int w = fd->type.prim == 'I' ? 4 : fd->type.prim == 'S' ? 2 : 1;
                    jca_u1(&ai, fd->type.prim == 'Z'   ? 2
                                : fd->type.prim == 'B' ? 3
                                : fd->type.prim == 'S' ? 4
                                                       : 5);
                    jca_u2(&ai, (unsigned)(fd->arr_count * (size_t)w));
                    jca_put(&ai, fd->arr, fd->arr_count * (size_t)w);
                    c->array_init_count++;
                    c->array_init_size += (unsigned)(fd->arr_count * (size_t)w);
                } else if (s == 3) {
                    seg3 += (unsigned)field_size(fd);
                } else if (s == 4) {
                    int w = field_size(fd);
                    for (int b = w - 1; b >= 0; b--)
                        jca_u1(&nd, (unsigned)((unsigned long)fd->init >> (8 * b)));
                }
            }
    jca_u2(o, c->array_init_count);
    jca_put(o, ai.b, ai.n);
    jca_u2(o, seg3);
    jca_u2(o, (unsigned)nd.n);
    jca_put(o, nd.b, nd.n);
    free(ai.b);
    free(nd.b);
}

/* ---- class component ---- */

static unsigned class_info_size(const jca_class *k)
{
    if (k->is_interface)
        return 1 + 2 * (unsigned)k->nsupers;
    unsigned n = 10;
    n += 2 * (unsigned)(k->npub > (size_t)k->pub_base ? k->npub - (size_t)k->pub_base : 0);
    n += 2 * (unsigned)(k->npkg > (size_t)k->pkg_base ? k->npkg - (size_t)k->pkg_base : 0);
    for (size_t i = 0; i < k->nimpls; i++)
        n += 3 + (unsigned)k->impls[i].nindex;
    return n;
}

static int layout_classes(bctx *c)
{
    unsigned off = 0;
    for (size_t i = 0; i < c->pkg->nclasses; i++) {
        c->pkg->classes[i].offset = (uint16_t)off;
        off += class_info_size(&c->pkg->classes[i]);
        if (off > 65535)
            return bfail(c, c->pkg->classes[i].line, "Class component too large");
    }
    return 0;
}

static int classref(bctx *c, const jca_classref *r, int line, unsigned *out)
{
    if (r->external) {
        if (r->pkg >= c->pkg->nimports)
            return bfail(c, line, "package token %u: only %zu imports", r->pkg, c->pkg->nimports);
        *out = 0x8000u | ((unsigned)r->pkg << 8) | r->cls;
        return 0;
    }
    jca_class *k = find_class(c->pkg, r->name);
    if (!k)
        return bfail(c, line, "class %s is not in this package", r->name);
    *out = k->offset;
    return 0;
}

/* A method by name+signature in class k or its internal superclasses. */
static jca_method *find_method(bctx *c, jca_class *k, const char *name, const char *sig,
                               jca_class **owner)
{
    while (k) {
        for (size_t j = 0; j < k->nmethods; j++)
            if (strcmp(k->methods[j].name, name) == 0 && strcmp(k->methods[j].sig, sig) == 0) {
                if (owner)
                    *owner = k;
                return &k->methods[j];
            }
        if (!k->has_super || k->super.external)
            return NULL;
        k = find_class(c->pkg, k->super.name);
    }
    return NULL;
}

static int emit_classes(bctx *c, jca_buf *o)
{
    jca_pkg *p = c->pkg;
    for (size_t i = 0; i < p->nclasses; i++) {
        jca_class *k = &p->classes[i];
        unsigned r;
        if (k->is_interface) {
            unsigned fl = 0x8 | (k->shareable ? 0x4 : 0);
            if (k->nsupers > 15)
                return bfail(c, k->line, "too many superinterfaces");
            jca_u1(o, (fl << 4) | (unsigned)k->nsupers);
            for (size_t s = 0; s < k->nsupers; s++) {
                if (classref(c, &k->supers[s], k->line, &r))
                    return -1;
                jca_u2(o, r);
            }
            continue;
        }
        unsigned fl = k->shareable ? 0x4 : 0;
        if (k->nimpls > 15)
            return bfail(c, k->line, "too many interfaces");
        jca_u1(o, (fl << 4) | (unsigned)k->nimpls);
        if (classref(c, &k->super, k->line, &r))
            return -1;
        jca_u2(o, r);
        unsigned size = 0, nref = 0;
        int first_ref = 0xFF;
        for (size_t f = 0; f < k->nfields; f++) {
            jca_field *fd = &k->fields[f];
            if (fd->access & JCA_ACC_STATIC)
                continue;
            size += fd->type.prim == 'I' && !fd->type.array ? 2 : 1;
            if (fd->type.array || !fd->type.prim) {
                nref++;
                if (fd->token >= 0 && (first_ref == 0xFF || fd->token < first_ref))
                    first_ref = fd->token;
            }
        }
        jca_u1(o, size);
        jca_u1(o, (unsigned)first_ref);
        jca_u1(o, nref);
        size_t npub = k->npub > (size_t)k->pub_base ? k->npub - (size_t)k->pub_base : 0;
        size_t npkg = k->npkg > (size_t)k->pkg_base ? k->npkg - (size_t)k->pkg_base : 0;
        jca_u1(o, (unsigned)k->pub_base);
        jca_u1(o, (unsigned)npub);
        jca_u1(o, (unsigned)k->pkg_base);
        jca_u1(o, (unsigned)npkg);
        for (int t = 0; t < 2; t++) {
            char(*tab)[JCA_SIG_MAX * 2] = t ? k->pkg_table : k->pub_table;
            size_t base = (size_t)(t ? k->pkg_base : k->pub_base), n = t ? k->npkg : k->npub;
            for (size_t e = base; e < n; e++) {
                char name[JCA_NAME_MAX], sig[JCA_SIG_MAX];
                const char *par = strchr(tab[e], '(');
                size_t nl = par ? (size_t)(par - tab[e]) : 0;
                if (!par || nl >= sizeof(name))
                    return bfail(c, k->line, "malformed method table entry %s", tab[e]);
                memcpy(name, tab[e], nl);
                name[nl] = 0;
                snprintf(sig, sizeof(sig), "%s", par);
                jca_method *m = find_method(c, k, name, sig, NULL);
                jca_u2(o, m && !(m->access & JCA_ACC_ABSTRACT) ? m->offset
                          : m                                  ? m->offset
                                                               : 0xFFFF);
            }
        }
        for (size_t s = 0; s < k->nimpls; s++) {
            if (classref(c, &k->impls[s].iface, k->line, &r))
                return -1;
            jca_u2(o, r);
            jca_u1(o, (unsigned)k->impls[s].nindex);
            for (size_t x = 0; x < k->impls[s].nindex; x++)
                jca_u1(o, (unsigned)k->impls[s].index[x]);
        }
    }
    return 0;
}

/* ---- constant pool ---- */

static int find_field(bctx *c, jca_class *k, const char *name, jca_class **owner, size_t *fi)
{
    while (k) {
        for (size_t f = 0; f < k->nfields; f++)
            if (strcmp(k->fields[f].name, name) == 0) {
                *owner = k;
                *fi = f;
                return 0;
            }
        if (!k->has_super || k->super.external)
            return -1;
        k = find_class(c->pkg, k->super.name);
    }
    return -1;
}

static int emit_cp(bctx *c, jca_buf *o)
{
    jca_pkg *p = c->pkg;
    if (p->ncp > 65535)
        return bfail(c, 1, "constant pool too large");
    jca_u2(o, (unsigned)p->ncp);
    for (size_t i = 0; i < p->ncp; i++) {
        jca_cpent *e = &p->cp[i];
        unsigned r;
        jca_u1(o, e->tag);
        if (e->cls.external) {
            if (e->cls.pkg >= p->nimports)
                return bfail(c, e->line, "package token %u: only %zu imports", e->cls.pkg,
                             p->nimports);
            if (e->tag == 1) {
                jca_u1(o, 0x80u | e->cls.pkg);
                jca_u1(o, e->cls.cls);
                jca_u1(o, 0);
            } else {
                jca_u1(o, 0x80u | e->cls.pkg);
                jca_u1(o, e->cls.cls);
                jca_u1(o, (unsigned)e->ext_token);
            }
            continue;
        }
        jca_class *k = find_class(p, e->cls.name);
        if (!k)
            return bfail(c, e->line, "class %s is not in this package", e->cls.name);
        switch (e->tag) {
        case 1:
            jca_u2(o, k->offset);
            jca_u1(o, 0);
            break;
        case 2:
        case 5: {
            jca_class *own;
            size_t fi;
            if (find_field(c, k, e->member, &own, &fi))
                return bfail(c, e->line, "no field %s in class %s", e->member, k->name);
            jca_field *fd = &own->fields[fi];
            int st = (fd->access & JCA_ACC_STATIC) != 0;
            if (st != (e->tag == 5))
                return bfail(c, e->line, "field %s is %s", e->member,
                             st ? "static" : "an instance field");
            if (e->tag == 2) {
                if (fd->token < 0)
                    return bfail(c, fd->line, "instance field %s has no token", fd->name);
                jca_u2(o, own->offset);
                jca_u1(o, (unsigned)fd->token);
            } else {
                int off = c->sf_off[own - p->classes][fi];
                if (off < 0)
                    return bfail(c, e->line, "field %s is a compile-time constant", e->member);
                jca_u1(o, 0);
                jca_u2(o, (unsigned)off);
            }
            break;
        }
        case 3:
        case 4:
        case 6: {
            jca_class *own;
            jca_method *m = find_method(c, k, e->member, e->sig, &own);
            if (!m)
                return bfail(c, e->line, "no method %s%s in class %s", e->member, e->sig, k->name);
            if (e->tag == 6) {
                if (k->is_interface)
                    return bfail(c, e->line, "static method ref into an interface");
                jca_u1(o, 0);
                jca_u2(o, m->offset);
            } else {
                if (m->token < 0)
                    return bfail(c, m->line, "virtual method %s has no token", m->name);
                unsigned tok = (unsigned)m->token;
                if (!(m->access & (JCA_ACC_PUBLIC | JCA_ACC_PROTECTED)))
                    tok |= 0x80;
                if (classref(c, &e->cls, e->line, &r))
                    return -1;
                jca_u2(o, r);
                jca_u1(o, tok);
            }
            break;
        }
        default:
            return bfail(c, e->line, "bad constant pool tag");
        }
    }
    return 0;
}

/* ---- reference locations ---- */

static void deltas(jca_buf *o, const jca_buf *offs)
{
    jca_buf d = {0};
    unsigned prev = 0;
    for (size_t i = 0; i + 1 < offs->n; i += 2) {
        unsigned off = ((unsigned)offs->b[i] << 8) | offs->b[i + 1];
        unsigned dd = off - prev;
        while (dd >= 255) {
            jca_u1(&d, 255);
            dd -= 255;
        }
        jca_u1(&d, dd);
        prev = off;
    }
    jca_u2(o, (unsigned)d.n);
    jca_put(o, d.b, d.n);
    free(d.b);
}

/* The Descriptor component's info (jca_desc.c). */
int jca_descriptor(jca_pkg *p, int **sf_off, uint8_t **out, size_t *len, char *err, size_t errlen,
                   const char *fname);

static void finish(jca_cap *cap, unsigned tag, jca_buf *info)
{
    uint8_t *b = malloc(info->n + 3);
    if (!b) {
        fputs("jcop-cap: out of memory\n", stderr);
        exit(3);
    }
    b[0] = (uint8_t)tag;
    b[1] = (uint8_t)(info->n >> 8);
    b[2] = (uint8_t)info->n;
    memcpy(b + 3, info->b, info->n);
    cap->comp[tag] = b;
    cap->len[tag] = info->n + 3;
    free(info->b);
    memset(info, 0, sizeof(*info));
}

const char *jca_component_file(unsigned tag)
{
    static const char *names[] = {NULL,
                                  "Header.cap",
                                  "Directory.cap",
                                  "Applet.cap",
                                  "Import.cap",
                                  "ConstantPool.cap",
                                  "Class.cap",
                                  "Method.cap",
                                  "StaticField.cap",
                                  "RefLocation.cap",
                                  "Export.cap",
                                  "Descriptor.cap",
                                  "Debug.cap"};
    return tag < 13 ? names[tag] : NULL;
}

void jca_cap_free(jca_cap *cap)
{
    for (int t = 0; t < 13; t++)
        free(cap->comp[t]);
    memset(cap, 0, sizeof(*cap));
}

int jca_build(jca_pkg *p, const char *fname, jca_cap *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    bctx c = {.pkg = p, .fname = fname, .err = err, .errlen = errlen};
    jca_buf b = {0};
    int rc = -1;
    if (p->nimports > 127) {
        bfail(&c, 1, "more than 127 imports");
        goto done;
    }
    if (layout_methods(&c) || layout_statics(&c) || layout_classes(&c) || emit_methods(&c))
        goto done;
    emit_statics(&c);
    /* Applet */
    if (p->napplets) {
        jca_u1(&b, (unsigned)p->napplets);
        for (size_t i = 0; i < p->napplets; i++) {
            jca_class *k = find_class(p, p->applets[i].cls);
            jca_method *m = k ? find_method(&c, k, "install", "([BSB)V", NULL) : NULL;
            if (!k || !m || k->is_interface) {
                bfail(&c, 1, "applet class %s has no install([BSB)V", p->applets[i].cls);
                goto done;
            }
            jca_u1(&b, p->applets[i].aid.len);
            jca_put(&b, p->applets[i].aid.b, p->applets[i].aid.len);
            jca_u2(&b, m->offset);
        }
        finish(out, 3, &b);
    }
    /* Import */
    jca_u1(&b, (unsigned)p->nimports);
    for (size_t i = 0; i < p->nimports; i++) {
        jca_u1(&b, (unsigned)p->imports[i].minor);
        jca_u1(&b, (unsigned)p->imports[i].major);
        jca_u1(&b, p->imports[i].aid.len);
        jca_put(&b, p->imports[i].aid.b, p->imports[i].aid.len);
    }
    finish(out, 4, &b);
    if (emit_cp(&c, &b))
        goto done;
    finish(out, 5, &b);
    if (emit_classes(&c, &b))
        goto done;
    finish(out, 6, &b);
    finish(out, 7, &c.method);
    finish(out, 8, &c.sfield);
    deltas(&b, &c.byte1);
    deltas(&b, &c.byte2);
    finish(out, 9, &b);
    /* Export: an applet package exports its shareable interfaces only. */
    {
        size_t n = 0;
        for (size_t i = 0; i < p->nclasses; i++)
            if (p->classes[i].is_interface && p->classes[i].shareable &&
                (p->classes[i].access & JCA_ACC_PUBLIC))
                n++;
        if (p->napplets == 0) {
            for (size_t i = 0; i < p->nclasses; i++)
                if (p->classes[i].access & JCA_ACC_PUBLIC)
                    n++;
        }
        if (n) {
            jca_u1(&b, (unsigned)n);
            for (size_t i = 0; i < p->nclasses; i++) {
                jca_class *k = &p->classes[i];
                if (!(k->access & JCA_ACC_PUBLIC))
                    continue;
                if (p->napplets && !(k->is_interface && k->shareable))
                    continue;
                jca_u2(&b, k->offset);
                if (p->napplets || k->is_interface) {
                    jca_u1(&b, 0);
                    jca_u1(&b, 0);
                    continue;
                }
                jca_buf sf = {0}, sm = {0};
                unsigned nsf = 0, nsm = 0;
                for (size_t f = 0; f < k->nfields; f++) {
                    jca_field *fd = &k->fields[f];
                    int off = c.sf_off[i][f];
                    if (off >= 0 && (fd->access & (JCA_ACC_PUBLIC | JCA_ACC_PROTECTED))) {
                        jca_u2(&sf, (unsigned)off);
                        nsf++;
                    }
                }
                for (size_t m = 0; m < k->nmethods; m++) {
                    jca_method *mm = &k->methods[m];
                    if ((mm->access & (JCA_ACC_PUBLIC | JCA_ACC_PROTECTED)) &&
                        ((mm->access & JCA_ACC_STATIC) || strcmp(mm->name, "<init>") == 0)) {
                        jca_u2(&sm, mm->offset);
                        nsm++;
                    }
                }
                jca_u1(&b, nsf);
                jca_u1(&b, nsm);
                jca_put(&b, sf.b, sf.n);
                jca_put(&b, sm.b, sm.n);
                free(sf.b);
                free(sm.b);
            }
            finish(out, 10, &b);
        }
    }
    /* Descriptor */
    {
        uint8_t *d = NULL;
        size_t dl = 0;
        if (jca_descriptor(p, c.sf_off, &d, &dl, err, errlen, fname))
            goto done;
        jca_put(&b, d, dl);
        free(d);
        finish(out, 11, &b);
    }
    /* Debug (asm --debug): CAP format 2.2, whose Directory lists 12 sizes */
    if (p->debug) {
        if (jca_debug(p, c.sf_off, fname, &b))
            goto done;
        if (b.n > 0xFFFF) {
            bfail(&c, 1, "the Debug component would exceed 65535 bytes");
            goto done;
        }
        finish(out, 12, &b);
    }
    /* Header */
    u4(&b, 0xDECAFFEDul);
    jca_u1(&b, p->debug ? 2 : 1);
    jca_u1(&b, 2);
    jca_u1(&b, (p->uses_int ? 1u : 0) | (out->comp[10] ? 2u : 0) | (p->napplets ? 4u : 0));
    jca_u1(&b, (unsigned)p->minor);
    jca_u1(&b, (unsigned)p->major);
    jca_u1(&b, p->aid.len);
    jca_put(&b, p->aid.b, p->aid.len);
    finish(out, 1, &b);
    /* Directory */
    unsigned nsizes = p->debug ? 12 : 11;
    for (unsigned t = 1; t <= nsizes; t++)
        jca_u2(&b, t == 2 ? 2 * nsizes + 9 : (out->comp[t] ? (unsigned)out->len[t] - 3 : 0));
    jca_u2(&b, c.image_size);
    jca_u2(&b, c.array_init_count);
    jca_u2(&b, c.array_init_size);
    jca_u1(&b, (unsigned)p->nimports);
    jca_u1(&b, (unsigned)p->napplets);
    jca_u1(&b, 0);
    finish(out, 2, &b);
    rc = 0;
done:
    free(b.b);
    free(c.method.b);
    free(c.sfield.b);
    free(c.byte1.b);
    free(c.byte2.b);
    if (c.sf_off) {
        for (size_t i = 0; i < p->nclasses; i++)
            free(c.sf_off[i]);
        free(c.sf_off);
    }
    if (rc)
        jca_cap_free(out);
    return rc;
}
