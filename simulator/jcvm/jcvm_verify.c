/*
 * jcvm_verify.c: the bytecode verifier (see jcvm_verify.h).
 *
 * Slot types of the data-flow: 'a' reference, 's' short/byte/boolean, 'I' the
 * first and 'i' the second word of an int, 'r' a return address, 'T' unusable
 * (paths disagreed), '?' an argument of unknown type (no Descriptor), 'U' a
 * local never written.
 */
#include "jcvm_verify.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm_api.h"
#include "jcvm_opcodes.h"

#define MAX_STATE_BYTES (16u << 20)

typedef struct {
    char args[256]; /* slot types of the arguments (ints as 'I','i') */
    int nargs;
    char ret; /* 'V', 's', 'a', 'I' */
} vsig;

typedef struct {
    const jcvm_cap *cap;
    const jcvm_verify_env *env;
    char *why;
    size_t whylen;
    /* Descriptor, when present */
    const uint8_t *types; /* type_descriptor_info */
    size_t types_len;
    unsigned n_cp_types;
    /* packages already on the card (libraries this one may import) */
    const jcvm_cap *const *loaded;
    size_t nloaded;
} vctx;

__attribute__((format(printf, 2, 3)))
static int vfail(vctx *c, const char *fmt, ...)
{
    if (c->why && c->whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, c->whylen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static unsigned be16(const uint8_t *p)
{
    return (unsigned)(p[0] << 8 | p[1]);
}

/* ---- signatures ---- */

static int sig_from_jvm(const char *s, vsig *out)
{
    memset(out, 0, sizeof(*out));
    if (*s++ != '(')
        return -1;
    bool ret = false;
    for (;;) {
        if (*s == ')') {
            if (ret)
                return -1;
            ret = true;
            s++;
            continue;
        }
        if (!*s)
            return ret ? 0 : -1;
        bool arr = false;
        while (*s == '[') {
            arr = true;
            s++;
        }
        char t;
        if (*s == 'L') {
            const char *e = strchr(s, ';');
            if (!e)
                return -1;
            s = e + 1;
            t = 'a';
        } else if (*s == 'V' && !arr && ret) {
            s++;
            t = 'V';
        } else if (*s && strchr("ZBS", *s)) {
            s++;
            t = arr ? 'a' : 's';
        } else if (*s == 'I') {
            s++;
            t = arr ? 'a' : 'I';
        } else {
            return -1;
        }
        if (ret) {
            out->ret = t;
            return *s ? -1 : 0;
        }
        if (t == 'V' || out->nargs + 2 > (int)sizeof(out->args))
            return -1;
        out->args[out->nargs++] = t;
        if (t == 'I')
            out->args[out->nargs++] = 'i';
    }
}

/* Type descriptor at off (relative to type_descriptor_info) as a signature. A
 * field type (one type, not void) gives ret = that type and no arguments. */
static int sig_from_desc(const vctx *c, unsigned off, vsig *out, bool method)
{
    memset(out, 0, sizeof(*out));
    if (!c->types || off >= c->types_len)
        return -1;
    unsigned nib = c->types[off];
    if (nib == 0 || off + 1 + (nib + 1) / 2 > c->types_len)
        return -1;
    char ts[64];
    int nt = 0;
    for (unsigned i = 0; i < nib;) {
        unsigned v = (c->types[off + 1 + i / 2] >> (i % 2 ? 0 : 4)) & 0xF;
        char t;
        if (v == 1)
            t = 'V';
        else if (v >= 2 && v <= 4)
            t = 's';
        else if (v == 5)
            t = 'I';
        else if (v >= 0xA && v <= 0xD)
            t = 'a';
        else if (v == 6 || v == 0xE) {
            t = 'a';
            i += 4;
        } else
            return -1;
        i++;
        if (nt == (int)sizeof(ts))
            return -1;
        ts[nt++] = t;
    }
    if (!method) {
        if (nt != 1 || ts[0] == 'V')
            return -1;
        out->ret = ts[0];
        return 0;
    }
    for (int k = 0; k + 1 < nt; k++) {
        if (ts[k] == 'V' || out->nargs + 2 > (int)sizeof(out->args))
            return -1;
        out->args[out->nargs++] = ts[k];
        if (ts[k] == 'I')
            out->args[out->nargs++] = 'i';
    }
    out->ret = ts[nt - 1];
    return 0;
}

static void load_descriptor(vctx *c);

/* A loaded package this one imports as import `imp`, or NULL. */
static const jcvm_cap *lib_for(const vctx *c, unsigned imp)
{
    if (imp >= c->cap->n_imports)
        return NULL;
    const jcvm_cap_pkg *im = &c->cap->imports[imp];
    for (size_t i = 0; i < c->nloaded; i++) {
        const jcvm_cap *l = c->loaded[i];
        if (l && l->pkg.aid.len == im->aid.len && memcmp(l->pkg.aid.b, im->aid.b, im->aid.len) == 0)
            return l;
    }
    return NULL;
}

/* The verifier's view of a library: its own methods, headers and Descriptor. */
static void lib_ctx(const vctx *c, const jcvm_cap *lib, vctx *out)
{
    memset(out, 0, sizeof(*out));
    out->cap = lib;
    out->why = c->why;
    out->whylen = c->whylen;
    load_descriptor(out);
}

/* The Class offset of exported class `token` of a library (its Export component). */
static int lib_class(const jcvm_cap *lib, unsigned token, uint16_t *off)
{
    if (token >= lib->n_export)
        return -1;
    *off = lib->exports[token].class_offset;
    return 0;
}

/* ---- API packages (jcvm_api.h): signatures of the natives ---- */

static int api_pkg(const jcvm_cap *cap, unsigned imp)
{
    if (imp >= cap->n_imports)
        return -1;
    for (unsigned p = 0; p < jcvm_api_n_pkgs; p++)
        if (jcvm_api_pkgs[p].aid_len == cap->imports[imp].aid.len &&
            memcmp(jcvm_api_pkgs[p].aid, cap->imports[imp].aid.b, jcvm_api_pkgs[p].aid_len) == 0)
            return (int)p;
    return -1;
}

static const char *api_sig_in(int cls, bool is_static, unsigned token, int depth)
{
    if (cls < 0 || depth > 16)
        return NULL;
    for (unsigned m = 0; m < jcvm_api_n_methods; m++) {
        const jcvm_api_method *am = &jcvm_api_methods[m];
        bool st = am->is_static || strncmp(am->sig, "<init>", 6) == 0;
        if (am->cls == cls && am->token == token && st == is_static)
            return strchr(am->sig, '(');
    }
    if (is_static)
        return NULL;
    const char *r = api_sig_in(jcvm_api_classes[cls].super, false, token, depth + 1);
    for (int k = 0; !r && k < 6 && jcvm_api_classes[cls].ifaces[k] >= 0; k++)
        r = api_sig_in(jcvm_api_classes[cls].ifaces[k], false, token, depth + 1);
    return r;
}

/* Signature of an API method: class (import, token), method token. */
static const char *api_sig(const jcvm_cap *cap, jcvm_classref cls, bool is_static, unsigned token)
{
    int p = cls.external ? api_pkg(cap, cls.pkg) : -1;
    if (p < 0)
        return NULL;
    for (unsigned k = 0; k < jcvm_api_n_classes; k++)
        if (jcvm_api_classes[k].pkg == p && jcvm_api_classes[k].token == cls.token)
            return api_sig_in((int)k, is_static, token, 0);
    return NULL;
}

/* ---- internal methods without a Descriptor: argument words from the
 * method header, return type from the method's own return instructions ---- */

static int internal_sig(const vctx *c, uint16_t moff, bool has_this, vsig *out)
{
    memset(out, 0, sizeof(*out));
    jcvm_cap_method m;
    if (!jcvm_cap_method_at(c->cap, moff, &m) || (m.flags & JCVM_METH_ABSTRACT))
        return -1;
    int words = (int)m.nargs - (has_this ? 1 : 0);
    if (words < 0 || words > (int)sizeof(out->args))
        return -1;
    memset(out->args, '*', (size_t)words);
    out->nargs = words;
    /* Follow the control flow from the entry: without a Descriptor the known
     * end of a method may include an unreferenced method after it, whose
     * returns must not count. */
    unsigned end = (unsigned)(m.end - m.code);
    const uint8_t *code = c->cap->method + m.code;
    uint8_t *seen = calloc(end + 1, 1);
    unsigned *stack = malloc(sizeof(unsigned) * (end + 1));
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return -1;
    }
    unsigned sp = 0;
    char ret = 0;
    int rc = 0;
    stack[sp++] = 0;
    for (unsigned h = 0; h < c->cap->n_handlers; h++) {
        const jcvm_cap_handler *hd = &c->cap->handlers[h];
        if (hd->start >= m.code && hd->start < m.end && hd->handler >= m.code &&
            hd->handler < m.end && sp <= end)
            stack[sp++] = hd->handler - m.code;
    }
    while (sp && rc == 0) {
        unsigned pc = stack[--sp];
        if (pc >= end || seen[pc])
            continue;
        seen[pc] = 1;
        size_t l = jcvm_insn_len(code, end, pc);
        if (l == 0) {
            rc = -1;
            break;
        }
        const jcvm_opinfo *op = jcvm_op(code[pc]);
        if (op->flags & JCVM_OPF_RETURN) {
            char r = op->opcode == 0x77   ? 'a'
                     : op->opcode == 0x78 ? 's'
                     : op->opcode == 0x79 ? 'I'
                                          : 'V';
            if (ret && ret != r)
                rc = -1;
            ret = r;
        }
        unsigned next[3];
        unsigned nn = 0;
        if (!(op->flags & JCVM_OPF_NOFALL))
            next[nn++] = pc + (unsigned)l;
        if ((op->flags & JCVM_OPF_BRANCH) && !(op->flags & JCVM_OPF_SWITCH)) {
            long d =
                op->opnd == JCVM_OPND_BR1 ? (int8_t)code[pc + 1] : (int16_t)be16(code + pc + 1);
            if ((long)pc + d >= 0)
                next[nn++] = (unsigned)((long)pc + d);
        }
        for (unsigned k = 0; k < nn; k++)
            if (next[k] < end && !seen[next[k]] && sp <= end)
                stack[sp++] = next[k];
        if (op->flags & JCVM_OPF_SWITCH) {
            int w = (op->opnd == JCVM_OPND_STABLESW || op->opnd == JCVM_OPND_SLOOKUPSW) ? 2 : 4;
            bool table = op->opnd == JCVM_OPND_STABLESW || op->opnd == JCVM_OPND_ITABLESW;
            unsigned cnt = table ? (unsigned)((l - 3 - 2 * (unsigned)w) / 2) : be16(code + pc + 3);
            unsigned first = table ? pc + 3 + 2 * (unsigned)w : pc + 5 + (unsigned)w;
            unsigned stride = table ? 2 : (unsigned)w + 2;
            long t0 = (long)pc + (int16_t)be16(code + pc + 1);
            if (t0 >= 0 && (unsigned)t0 < end && sp <= end)
                stack[sp++] = (unsigned)t0;
            for (unsigned k = 0; k < cnt; k++) {
                long t = (long)pc + (int16_t)be16(code + first + k * stride);
                if (t >= 0 && (unsigned)t < end && !seen[t] && sp <= end)
                    stack[sp++] = (unsigned)t;
            }
        }
    }
    free(seen);
    free(stack);
    if (rc != 0 || !ret)
        return -1;
    out->ret = ret;
    return 0;
}

static int virtual_sig(const vctx *c, jcvm_classref cls, unsigned token, vsig *out);

/* An implementation of virtual method `token` in a class of this package that
 * extends the class at `base` (for an abstract method's return type). */
static int subclass_sig(const vctx *c, uint16_t base, unsigned token, vsig *out)
{
    const jcvm_cap *cap = c->cap;
    for (unsigned k = 0; k < cap->n_classes; k++) {
        const jcvm_cap_class *cl = &cap->classes[k];
        if (cl->is_interface || cl->offset == base)
            continue;
        const jcvm_cap_class *up = cl;
        bool extends = false;
        for (int d = 0; d < 32 && up && up->has_super && !up->super.external; d++) {
            if (up->super.offset == base) {
                extends = true;
                break;
            }
            up = jcvm_cap_class_at(cap, up->super.offset);
        }
        if (!extends)
            continue;
        bool pkg = (token & 0x80) != 0;
        unsigned t = token & 0x7F, b = pkg ? cl->pkg_base : cl->pub_base;
        unsigned cnt = pkg ? cl->pkg_count : cl->pub_count;
        const uint8_t *tab = pkg ? cl->pkg_table : cl->pub_table;
        if (t >= b && t - b < cnt) {
            unsigned off = be16(tab + 2 * (t - b));
            if (off != 0xFFFF && internal_sig(c, (uint16_t)off, true, out) == 0)
                return 0;
        }
    }
    return -1;
}

/* The method a virtual token selects in an internal class (following the
 * superclasses) or, inherited from an API class, its API signature. */
static int virtual_sig(const vctx *c, jcvm_classref cls, unsigned token, vsig *out)
{
    const jcvm_cap *cap = c->cap;
    for (int depth = 0; depth < 32; depth++) {
        if (cls.external) {
            const char *s = api_sig(cap, cls, false, token);
            if (s)
                return sig_from_jvm(s, out);
            const jcvm_cap *lib = lib_for(c, cls.pkg);
            uint16_t off;
            if (!lib || lib_class(lib, cls.token, &off))
                return -1;
            vctx lc;
            lib_ctx(c, lib, &lc);
            jcvm_classref in = {.external = false, .offset = off};
            return virtual_sig(&lc, in, token, out);
        }
        const jcvm_cap_class *k = jcvm_cap_class_at(cap, cls.offset);
        if (!k || k->is_interface)
            return -1;
        bool pkg = (token & 0x80) != 0;
        unsigned t = token & 0x7F, base = pkg ? k->pkg_base : k->pub_base;
        unsigned cnt = pkg ? k->pkg_count : k->pub_count;
        const uint8_t *tab = pkg ? k->pkg_table : k->pub_table;
        if (t >= base && t - base < cnt) {
            unsigned off = be16(tab + 2 * (t - base));
            if (off != 0xFFFF) {
                if (internal_sig(c, (uint16_t)off, true, out) == 0)
                    return 0;
                /* abstract: the return type is that of an implementation in a subclass */
                return subclass_sig(c, k->offset, token, out);
            }
        }
        if (!k->has_super)
            return -1;
        cls = k->super;
    }
    return -1;
}

/* 0 and *out; -1 unknown; -2 an internal static method (internal_sig with
 * `this` decided by the opcode). Order: the caller's resolver, the
 * Descriptor, the API tables, the package's own method headers. */
static int cp_sig(const vctx *c, uint16_t idx, bool has_this, vsig *out)
{
    if (c->env && c->env->cp_sig) {
        const char *s = c->env->cp_sig(c->env->ctx, c->cap, idx);
        if (s)
            return sig_from_jvm(s, out);
    }
    if (c->types && idx < c->n_cp_types) {
        unsigned off = be16(c->types + 2 + 2 * idx);
        if (off != 0xFFFF)
            return sig_from_desc(c, off, out, true);
    }
    const jcvm_cp_entry *e = &c->cap->cp[idx];
    switch (e->tag) {
    case JCVM_CP_STATIC_METHOD: {
        if (e->internal)
            return internal_sig(c, e->offset, has_this, out);
        const char *s = api_sig(c->cap, e->cls, true, e->token);
        if (s)
            return sig_from_jvm(s, out);
        /* a library's exported static method or constructor */
        const jcvm_cap *lib = lib_for(c, e->cls.pkg);
        uint16_t coff;
        if (!lib || lib_class(lib, e->cls.token, &coff))
            return -1;
        const jcvm_cap_export_class *ex = &lib->exports[e->cls.token];
        if (e->token >= ex->n_methods)
            return -1;
        vctx lc;
        lib_ctx(c, lib, &lc);
        return internal_sig(&lc, (uint16_t)be16(ex->method_offsets + 2 * e->token), has_this, out);
    }
    case JCVM_CP_VIRTUAL_METHOD:
        return virtual_sig(c, e->cls, e->token, out);
    case JCVM_CP_SUPER_METHOD: {
        if (e->cls.external)
            return -1;
        const jcvm_cap_class *k = jcvm_cap_class_at(c->cap, e->cls.offset);
        if (!k || !k->has_super)
            return -1;
        return virtual_sig(c, k->super, e->token, out);
    }
    }
    return -1;
}

/* Signature of method `token` of the interface at a class reference: the
 * caller's resolver, else the Descriptor for an interface of this package. */
/* Method `token` of the interface at a Class offset of the context's package:
 * its Descriptor, or else a class implementing it maps the token to one of
 * its own virtual methods. */
static int iface_sig_at(const vctx *c, uint16_t iface_off, uint8_t token, vsig *out)
{
    const jcvm_cap_comp *d = &c->cap->comp[JCVM_COMP_DESCRIPTOR];
    if (!d->present || !c->types) {
        const jcvm_cap *cap = c->cap;
        for (unsigned k = 0; k < cap->n_classes; k++) {
            const jcvm_cap_class *cl = &cap->classes[k];
            if (cl->is_interface)
                continue;
            for (unsigned j = 0; j < cl->n_ifaces; j++) {
                const jcvm_cap_impl *im = &cl->impls[j];
                if (im->iface.external || im->iface.offset != iface_off || token >= im->count)
                    continue;
                jcvm_classref self = {.external = false, .offset = cl->offset};
                if (virtual_sig(c, self, im->index[token], out) == 0)
                    return 0;
            }
        }
        return -1;
    }
    const uint8_t *b = d->info;
    size_t n = d->size, o = 1;
    unsigned ncls = b[0];
    for (unsigned k = 0; k < ncls; k++) {
        if (o + 9 > n)
            return -1;
        unsigned this_ref = be16(b + o + 2), nif = b[o + 4], nf = be16(b + o + 5),
                 nm = be16(b + o + 7);
        o += 9 + 2 * (size_t)nif + 7 * (size_t)nf;
        for (unsigned m = 0; m < nm; m++, o += 12) {
            if (o + 12 > n)
                return -1;
            if (this_ref == iface_off && b[o] == token)
                return sig_from_desc(c, be16(b + o + 4), out, true);
        }
    }
    return -1;
}

/* Signature of method `token` of the interface a class reference names: the
 * caller's resolver, the API tables, a loaded library, this package. */
static int iface_sig(const vctx *c, uint16_t idx, uint8_t token, vsig *out)
{
    if (c->env && c->env->iface_sig) {
        const char *s = c->env->iface_sig(c->env->ctx, c->cap, idx, token);
        if (s)
            return sig_from_jvm(s, out);
    }
    const jcvm_cp_entry *e = &c->cap->cp[idx];
    if (e->cls.external) {
        const char *s = api_sig(c->cap, e->cls, false, token);
        if (s)
            return sig_from_jvm(s, out);
        const jcvm_cap *lib = lib_for(c, e->cls.pkg);
        uint16_t off;
        if (!lib || lib_class(lib, e->cls.token, &off))
            return -1;
        vctx lc;
        lib_ctx(c, lib, &lc);
        return iface_sig_at(&lc, off, token, out);
    }
    return iface_sig_at(c, e->cls.offset, token, out);
}

/* The Descriptor's record of the method at a Method offset: its signature and
 * whether it is static. */
static int method_desc(const vctx *c, uint16_t offset, vsig *sig, bool *is_static)
{
    const jcvm_cap_comp *d = &c->cap->comp[JCVM_COMP_DESCRIPTOR];
    if (!d->present || !c->types)
        return -1;
    const uint8_t *b = d->info;
    size_t n = d->size, o = 1;
    if (n < 1)
        return -1;
    unsigned ncls = b[0];
    for (unsigned k = 0; k < ncls; k++) {
        if (o + 9 > n)
            return -1;
        unsigned nif = b[o + 4], nf = be16(b + o + 5), nm = be16(b + o + 7);
        o += 9 + 2 * (size_t)nif + 7 * (size_t)nf;
        for (unsigned m = 0; m < nm; m++, o += 12) {
            if (o + 12 > n)
                return -1;
            if (be16(b + o + 2) == offset && !(b[o + 1] & 0x40)) {
                *is_static = (b[o + 1] & 0x08) != 0;
                return sig_from_desc(c, be16(b + o + 4), sig, true);
            }
        }
    }
    return -1;
}

static void load_descriptor(vctx *c)
{
    const jcvm_cap_comp *d = &c->cap->comp[JCVM_COMP_DESCRIPTOR];
    if (!d->present || d->size < 1)
        return;
    const uint8_t *b = d->info;
    size_t n = d->size, o = 1;
    unsigned ncls = b[0];
    for (unsigned k = 0; k < ncls; k++) {
        if (o + 9 > n)
            return;
        unsigned nif = b[o + 4], nf = be16(b + o + 5), nm = be16(b + o + 7);
        o += 9 + 2 * (size_t)nif + 7 * (size_t)nf + 12 * (size_t)nm;
    }
    if (o + 2 > n)
        return;
    unsigned ncp = be16(b + o);
    if (o + 2 + 2 * (size_t)ncp > n)
        return;
    c->types = b + o;
    c->types_len = n - o;
    c->n_cp_types = ncp;
}

/* ---- per-method data flow ---- */

typedef struct {
    vctx *c;
    jcvm_cap_method m;
    const uint8_t *code; /* Method info */
    unsigned len;        /* code length */
    unsigned nlocals, maxs, width;
    int32_t *at;   /* pc -> instruction index, -1 inside an instruction */
    uint16_t *pcs; /* instruction index -> pc */
    unsigned n;    /* instructions */
    char *st;      /* per instruction: locals then stack */
    int16_t *h;    /* per instruction: stack height, -1 = not reached */
    unsigned *work;
    unsigned nwork;
    bool *queued;
    char ret; /* method return type, 0 unknown */
} mctx;

#define MFAIL(mc, pc, ...) mfail(mc, pc, __VA_ARGS__)

__attribute__((format(printf, 3, 4)))
static int mfail(mctx *mc, unsigned pc, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *mn = pc < mc->len && jcvm_op(mc->code[mc->m.code + pc])->mnemonic
                         ? jcvm_op(mc->code[mc->m.code + pc])->mnemonic
                         : "?";
    if (pc == UINT32_MAX || pc >= mc->len)
        return vfail(mc->c, "method @0x%04X: %s", mc->m.offset, msg);
    return vfail(mc->c, "method @0x%04X pc %u (%s): %s", mc->m.offset, pc, mn, msg);
}

static const char *tname(char t)
{
    switch (t) {
    case 'a':
        return "a reference";
    case 's':
        return "a short";
    case 'I':
    case 'i':
        return "an int";
    case 'r':
        return "a return address";
    case 'T':
        return "a value of conflicting types";
    case 'U':
        return "an unwritten local";
    }
    return "a value";
}

static int merge_into(mctx *mc, unsigned pc_from, unsigned target_pc, const char *loc,
                      const char *stk, int height)
{
    int32_t ti = target_pc < mc->len ? mc->at[target_pc] : -1;
    if (ti < 0)
        return MFAIL(mc, pc_from, "target pc %u is not the start of an instruction of this method",
                     target_pc);
    char *s = mc->st + (size_t)ti * mc->width;
    if (mc->h[ti] < 0) {
        memcpy(s, loc, mc->nlocals);
        memcpy(s + mc->nlocals, stk, (size_t)height);
        mc->h[ti] = (int16_t)height;
    } else {
        if (mc->h[ti] != height)
            return MFAIL(mc, pc_from, "stack height %d here but %d on another path to pc %u",
                         height, mc->h[ti], target_pc);
        bool changed = false;
        for (unsigned k = 0; k < mc->nlocals; k++) {
            if (s[k] == loc[k] || s[k] == 'T' || loc[k] == '?')
                continue;
            /* an argument of unknown type takes the type another path used it as */
            s[k] = s[k] == '?' ? loc[k] : 'T';
            changed = true;
        }
        for (int k = 0; k < height; k++)
            if (s[mc->nlocals + k] != stk[k] && s[mc->nlocals + k] != 'T') {
                s[mc->nlocals + k] = 'T';
                changed = true;
            }
        if (!changed)
            return 0;
    }
    if (!mc->queued[ti]) {
        mc->queued[ti] = true;
        mc->work[mc->nwork++] = (unsigned)ti;
    }
    return 0;
}

/* Pop one value of type want ('a','s','I' or '*' any one-word value) from stk. */
static int pop_t(mctx *mc, unsigned pc, char *stk, int *h, char want)
{
    if (want == 'I') {
        if (*h < 2)
            return MFAIL(mc, pc, "operand stack underflow");
        if (stk[*h - 1] != 'i' || stk[*h - 2] != 'I')
            return MFAIL(mc, pc, "needs an int on the stack, finds %s", tname(stk[*h - 1]));
        *h -= 2;
        return 0;
    }
    if (*h < 1)
        return MFAIL(mc, pc, "operand stack underflow");
    char t = stk[*h - 1];
    if (want == '*') {
        if (t == 'i' || t == 'I')
            return MFAIL(mc, pc, "would split an int on the stack");
    } else if (t != want) {
        return MFAIL(mc, pc, "needs %s on the stack, finds %s", tname(want), tname(t));
    }
    (*h)--;
    return 0;
}

static int push_t(mctx *mc, unsigned pc, char *stk, int *h, char t)
{
    int words = t == 'I' ? 2 : 1;
    if (*h + words > (int)mc->maxs)
        return MFAIL(mc, pc, "operand stack above max_stack %u", mc->maxs);
    stk[(*h)++] = t;
    if (t == 'I')
        stk[(*h)++] = 'i';
    return 0;
}

static int check_local(mctx *mc, unsigned pc, unsigned idx, char t)
{
    unsigned words = t == 'I' ? 2 : 1;
    if (idx + words > mc->nlocals)
        return MFAIL(mc, pc, "local %u%s outside the method's %u locals", idx,
                     words == 2 ? " (an int: two words)" : "", mc->nlocals);
    return 0;
}

static int load_local(mctx *mc, unsigned pc, char *loc, unsigned idx, char t)
{
    if (check_local(mc, pc, idx, t))
        return -1;
    if (t == 'I') {
        if ((loc[idx] == '?' && loc[idx + 1] == '?') || (loc[idx] == 'I' && loc[idx + 1] == 'i'))
            return 0;
        return MFAIL(mc, pc, "local %u holds %s, not an int", idx, tname(loc[idx]));
    }
    if (loc[idx] == '?') {
        loc[idx] = t;
        return 0;
    }
    if (loc[idx] != t)
        return MFAIL(mc, pc, "local %u holds %s, not %s", idx, tname(loc[idx]), tname(t));
    return 0;
}

static void store_local(mctx *mc, char *loc, unsigned idx, char t)
{
    unsigned words = t == 'I' ? 2 : 1;
    /* overwriting half of an int spoils the other half */
    if (idx > 0 && loc[idx] == 'i')
        loc[idx - 1] = 'T';
    if (idx + words < mc->nlocals && loc[idx + words - 1] == 'I')
        loc[idx + words] = 'T';
    loc[idx] = t;
    if (t == 'I')
        loc[idx + 1] = 'i';
}

static bool splits(const char *stk, int h, int depth)
{
    /* a group of the top `depth` words must not begin with the 2nd word of an int */
    return depth < h && depth > 0 && stk[h - depth] == 'i';
}

static int cp_check(mctx *mc, unsigned pc, unsigned idx, unsigned kind)
{
    const jcvm_cap *cap = mc->c->cap;
    if (idx >= cap->n_cp)
        return MFAIL(mc, pc, "constant pool index %u out of range (%u entries)", idx, cap->n_cp);
    static const char *const names[] = {"?",
                                        "a class reference",
                                        "an instance field reference",
                                        "a virtual method reference",
                                        "a super method reference",
                                        "a static field reference",
                                        "a static method reference"};
    unsigned tag = cap->cp[idx].tag;
    const char *is = tag <= 6 ? names[tag] : "?";
    if (kind == JCVM_CPK_SPECIAL) {
        if (tag != JCVM_CP_STATIC_METHOD && tag != JCVM_CP_SUPER_METHOD)
            return MFAIL(mc, pc,
                         "constant pool entry %u is %s, not a static or super method "
                         "reference",
                         idx, is);
        return 0;
    }
    if (tag != kind)
        return MFAIL(mc, pc, "constant pool entry %u is %s, not %s", idx, is, names[kind]);
    const jcvm_cp_entry *e = &cap->cp[idx];
    if (tag == JCVM_CP_STATIC_FIELD && e->internal && e->offset >= cap->sf_image)
        return MFAIL(mc, pc, "static field offset %u outside the %u-byte static image", e->offset,
                     cap->sf_image);
    return 0;
}

static int invoke(mctx *mc, unsigned pc, uint8_t opc, unsigned idx, unsigned iface_nargs, char *stk,
                  int *h)
{
    vsig s;
    if (opc == JCVM_OP_INVOKEINTERFACE) {
        uint8_t token = mc->code[mc->m.code + pc + 4];
        if (iface_sig(mc->c, (uint16_t)idx, token, &s) != 0)
            return MFAIL(mc, pc,
                         "the signature of method %u of the interface at constant pool "
                         "entry %u is unknown (no linker entry, no Descriptor)",
                         token, idx);
    } else {
        int r = cp_sig(mc->c, (uint16_t)idx, opc != JCVM_OP_INVOKESTATIC, &s);
        if (r != 0)
            return MFAIL(mc, pc,
                         "the signature of constant pool entry %u is unknown (no linker "
                         "entry, no Descriptor)",
                         idx);
    }
    const jcvm_cap *cap = mc->c->cap;
    const jcvm_cp_entry *e = &cap->cp[idx];
    bool has_this = opc != JCVM_OP_INVOKESTATIC;
    if (opc == JCVM_OP_INVOKEINTERFACE && iface_nargs != (unsigned)s.nargs + 1)
        return MFAIL(mc, pc, "nargs %u, but the method takes %d words and the object", iface_nargs,
                     s.nargs);
    if (e->tag == JCVM_CP_STATIC_METHOD && e->internal) {
        jcvm_cap_method callee;
        if (!jcvm_cap_method_at(cap, e->offset, &callee))
            return MFAIL(mc, pc, "constant pool entry %u names no method (offset %u)", idx,
                         e->offset);
        if (callee.flags & JCVM_METH_ABSTRACT)
            return MFAIL(mc, pc, "calls abstract method @0x%04X", e->offset);
        if (callee.nargs != (unsigned)s.nargs + (has_this ? 1u : 0u))
            return MFAIL(mc, pc, "method @0x%04X takes %u argument words, the call passes %d",
                         e->offset, callee.nargs, s.nargs + (has_this ? 1 : 0));
    }
    if (s.nargs > 0 && s.args[0] == '*') {
        /* argument types unknown here (no Descriptor): the words must be there
         * and must not cut an int in two; the callee's own check types them */
        if (*h < s.nargs)
            return MFAIL(mc, pc, "operand stack underflow");
        if (splits(stk, *h, s.nargs))
            return MFAIL(mc, pc, "would split an int on the stack");
        for (int k = 0; k < s.nargs; k++)
            if (stk[*h - 1 - k] == 'T')
                return MFAIL(mc, pc, "passes %s as an argument", tname('T'));
        *h -= s.nargs;
    } else {
        for (int k = s.nargs - 1; k >= 0; k--) {
            char t = s.args[k];
            if (t == 'i')
                continue;
            if (pop_t(mc, pc, stk, h, t))
                return -1;
        }
    }
    if (has_this && pop_t(mc, pc, stk, h, 'a'))
        return -1;
    if (s.ret != 'V')
        return push_t(mc, pc, stk, h, s.ret);
    return 0;
}

/* With a Descriptor, the field's declared type must match the opcode's
 * width (getfield_b: byte or boolean; _s short; _i int; _a a reference). */
static int field_width_check(mctx *mc, unsigned pc, const jcvm_opinfo *op, unsigned cpi)
{
    const vctx *c = mc->c;
    if (!c->types || cpi >= c->n_cp_types)
        return 0;
    unsigned off = be16(c->types + 2 + 2 * cpi);
    if (off == 0xFFFF || off + 1 >= c->types_len)
        return 0;
    unsigned first = c->types[off + 1] >> 4;
    char have = first == 2 || first == 3 ? 'b' : first == 4 ? 's' : first == 5 ? 'i' : 'a';
    const char *us = strchr(op->mnemonic, '_');
    char want = us ? us[1] : 0;
    if (want && want != have) {
        static const char *const names[] = {"a reference", "a byte or boolean", "a short",
                                            "an int"};
        const char *hn = names[have == 'a' ? 0 : have == 'b' ? 1 : have == 's' ? 2 : 3];
        return MFAIL(mc, pc, "constant pool entry %u is a field of %s type", cpi, hn);
    }
    return 0;
}

/* Apply the instruction at index i to a copy of its state; propagate. */
static int step(mctx *mc, unsigned i)
{
    const jcvm_cap *cap = mc->c->cap;
    unsigned pc = mc->pcs[i];
    const uint8_t *p = mc->code + mc->m.code + pc;
    const jcvm_opinfo *op = jcvm_op(p[0]);
    char loc[256], stk[256];
    memcpy(loc, mc->st + (size_t)i * mc->width, mc->nlocals);
    int h = mc->h[i];
    memcpy(stk, mc->st + (size_t)i * mc->width + mc->nlocals, (size_t)h);
    unsigned insn_len = (i + 1 < mc->n ? mc->pcs[i + 1] : mc->len) - pc;
    unsigned cpi = 0;

    /* exception handlers covering this pc get the locals before the instruction */
    for (unsigned k = 0; k < cap->n_handlers; k++) {
        const jcvm_cap_handler *hd = &cap->handlers[k];
        unsigned s = mc->m.code, e = mc->m.code + mc->len;
        if (hd->start < s || hd->start >= e)
            continue;
        unsigned a = hd->start - s, b = a + hd->length;
        if (pc >= a && pc < b) {
            char ex[1] = {'a'};
            if (mc->maxs < 1)
                return MFAIL(mc, pc, "a handler needs one stack word, max_stack is 0");
            if (merge_into(mc, pc, hd->handler - s, loc, ex, 1))
                return -1;
        }
    }

    if ((op->flags & JCVM_OPF_INT) && !(cap->flags & JCVM_HDR_INT))
        return MFAIL(mc, pc, "int bytecode in a package whose Header does not declare int");

    /* operands */
    switch (op->opnd) {
    case JCVM_OPND_CP1:
        cpi = p[1];
        break;
    case JCVM_OPND_CP2:
    case JCVM_OPND_TYPE_CP2:
        cpi = op->opnd == JCVM_OPND_CP2 ? be16(p + 1) : be16(p + 2);
        break;
    case JCVM_OPND_IFACE:
        cpi = be16(p + 2);
        break;
    default:
        break;
    }
    if (op->cpkind && op->cpkind != JCVM_CPK_CLASS_OR_NONE && cp_check(mc, pc, cpi, op->cpkind))
        return -1;
    if ((op->cpkind == JCVM_CPK_INSTANCE_FIELD || op->cpkind == JCVM_CPK_STATIC_FIELD) &&
        field_width_check(mc, pc, op, cpi))
        return -1;
    if (op->opcode == JCVM_OP_CHECKCAST || op->opcode == JCVM_OP_INSTANCEOF) {
        uint8_t at = p[1];
        if (at == JCVM_T_CLASS || at == JCVM_T_REFERENCE) {
            if (cp_check(mc, pc, cpi, JCVM_CPK_CLASS))
                return -1;
        } else if (at < JCVM_T_BOOLEAN || at > JCVM_T_INT) {
            return MFAIL(mc, pc, "array type %u is not one of 0, 10..14", at);
        } else if (at == JCVM_T_INT && !(cap->flags & JCVM_HDR_INT)) {
            return MFAIL(mc, pc, "int[] in a package whose Header does not declare int");
        }
    }
    if (op->opcode == JCVM_OP_NEWARRAY) {
        if (p[1] < JCVM_T_BOOLEAN || p[1] > JCVM_T_INT)
            return MFAIL(mc, pc, "newarray type %u is not one of 10..13", p[1]);
        if (p[1] == JCVM_T_INT && !(cap->flags & JCVM_HDR_INT))
            return MFAIL(mc, pc, "int[] in a package whose Header does not declare int");
    }
    if (op->opcode == JCVM_OP_NEW) {
        const jcvm_cp_entry *e = &cap->cp[cpi];
        if (!e->cls.external) {
            const jcvm_cap_class *k = jcvm_cap_class_at(cap, e->cls.offset);
            if (k && k->is_interface)
                return MFAIL(mc, pc, "new of an interface");
        }
    }
    if (op->opcode == JCVM_OP_INVOKEINTERFACE) {
        const jcvm_cp_entry *e = &cap->cp[cpi];
        if (p[1] == 0)
            return MFAIL(mc, pc, "invokeinterface with nargs 0 (the object is one)");
        if (!e->cls.external) {
            const jcvm_cap_class *k = jcvm_cap_class_at(cap, e->cls.offset);
            if (k && !k->is_interface)
                return MFAIL(mc, pc, "invokeinterface on a class, not an interface");
        }
    }

    /* stack effect */
    if (op->flags & JCVM_OPF_INVOKE) {
        if (invoke(mc, pc, op->opcode, cpi, p[1], stk, &h))
            return -1;
    } else if (op->flags & JCVM_OPF_VARSTACK) {
        switch (op->opcode) {
        case 0x3B: /* pop */
            if (pop_t(mc, pc, stk, &h, '*'))
                return -1;
            break;
        case 0x3C: /* pop2 */
            if (h < 2)
                return MFAIL(mc, pc, "operand stack underflow");
            if (splits(stk, h, 2))
                return MFAIL(mc, pc, "would split an int on the stack");
            h -= 2;
            break;
        case 0x3D: /* dup */
            if (h < 1)
                return MFAIL(mc, pc, "operand stack underflow");
            if (stk[h - 1] == 'i' || stk[h - 1] == 'I')
                return MFAIL(mc, pc, "would split an int on the stack");
            if (push_t(mc, pc, stk, &h, stk[h - 1]))
                return -1;
            break;
        case 0x3E: /* dup2 */
            if (h < 2)
                return MFAIL(mc, pc, "operand stack underflow");
            if (splits(stk, h, 2))
                return MFAIL(mc, pc, "would split an int on the stack");
            if (h + 2 > (int)mc->maxs)
                return MFAIL(mc, pc, "operand stack above max_stack %u", mc->maxs);
            stk[h] = stk[h - 2];
            stk[h + 1] = stk[h - 1];
            h += 2;
            break;
        case 0x3F: { /* dup_x */
            int m = p[1] >> 4, nn = p[1] & 0xF;
            if (m < 1 || m > 4 || (nn != 0 && (nn < m || nn > m + 4)))
                return MFAIL(mc, pc, "dup_x operand 0x%02X: m must be 1..4, n 0 or m..m+4", p[1]);
            int depth = nn == 0 ? m : nn;
            if (h < depth)
                return MFAIL(mc, pc, "operand stack underflow");
            if (splits(stk, h, m) || splits(stk, h, depth))
                return MFAIL(mc, pc, "would split an int on the stack");
            if (h + m > (int)mc->maxs)
                return MFAIL(mc, pc, "operand stack above max_stack %u", mc->maxs);
            char top[4];
            memcpy(top, stk + h - m, (size_t)m);
            memmove(stk + h - depth + m, stk + h - depth, (size_t)depth);
            memcpy(stk + h - depth, top, (size_t)m);
            h += m;
            break;
        }
        case 0x40: { /* swap_x */
            int m = p[1] >> 4, nn = p[1] & 0xF;
            if (m < 1 || m > 2 || nn < 1 || nn > 2)
                return MFAIL(mc, pc, "swap_x operand 0x%02X: m and n must be 1 or 2", p[1]);
            if (h < m + nn)
                return MFAIL(mc, pc, "operand stack underflow");
            if (splits(stk, h, m) || splits(stk, h, m + nn))
                return MFAIL(mc, pc, "would split an int on the stack");
            char tmp[4];
            memcpy(tmp, stk + h - m, (size_t)m);
            memmove(stk + h - m - nn + m, stk + h - m - nn, (size_t)nn);
            memcpy(stk + h - m - nn, tmp, (size_t)m);
            break;
        }
        default:
            return MFAIL(mc, pc, "internal: unhandled stack form");
        }
    } else {
        for (int k = (int)strlen(op->pops) - 1; k >= 0; k--)
            if (pop_t(mc, pc, stk, &h, op->pops[k]))
                return -1;
        /* locals */
        if (op->local_type) {
            unsigned idx = op->local >= 0 ? (unsigned)op->local : p[1];
            bool is_this_field = op->opnd == JCVM_OPND_CP1 && op->local == 0;
            if (op->flags & JCVM_OPF_STORE) {
                if (check_local(mc, pc, idx, op->local_type))
                    return -1;
                store_local(mc, loc, idx, op->local_type);
            } else if (op->opcode == 0x72) { /* ret */
                return MFAIL(mc, pc, "jsr/ret subroutines are not accepted by this card");
            } else if (is_this_field) {
                if (load_local(mc, pc, loc, 0, 'a'))
                    return -1;
            } else {
                if (load_local(mc, pc, loc, idx, op->local_type))
                    return -1;
            }
        }
        for (const char *q = op->pushes; *q; q++)
            if (push_t(mc, pc, stk, &h, *q))
                return -1;
        if (op->opcode == 0x71)
            return MFAIL(mc, pc, "jsr/ret subroutines are not accepted by this card");
    }

    /* returns */
    if (op->flags & JCVM_OPF_RETURN) {
        char r = op->opcode == 0x77   ? 'a'
                 : op->opcode == 0x78 ? 's'
                 : op->opcode == 0x79 ? 'I'
                                      : 'V';
        if (mc->ret && mc->ret != r)
            return MFAIL(mc, pc, "returns %s from a method declared to return %s",
                         r == 'V' ? "nothing" : tname(r),
                         mc->ret == 'V' ? "nothing" : tname(mc->ret));
    }

    /* successors */
    if (op->flags & JCVM_OPF_BRANCH) {
        if (op->flags & JCVM_OPF_SWITCH) {
            int w = (op->opnd == JCVM_OPND_STABLESW || op->opnd == JCVM_OPND_SLOOKUPSW) ? 2 : 4;
            long d = (int16_t)be16(p + 1);
            if (merge_into(mc, pc, (unsigned)((long)pc + d), loc, stk, h))
                return -1;
            const uint8_t *t;
            unsigned cnt, stride;
            if (op->opnd == JCVM_OPND_STABLESW || op->opnd == JCVM_OPND_ITABLESW) {
                t = p + 3 + 2 * w;
                cnt = (unsigned)((insn_len - 3 - 2 * (unsigned)w) / 2);
                stride = 2;
            } else {
                cnt = be16(p + 3);
                t = p + 5 + w;
                stride = (unsigned)w + 2;
                /* matches strictly increasing */
                for (unsigned k = 1; k < cnt; k++) {
                    const uint8_t *a = p + 5 + (k - 1) * stride, *b = a + stride;
                    long va = w == 2 ? (int16_t)be16(a)
                                     : (int32_t)((uint32_t)be16(a) << 16 | be16(a + 2));
                    long vb = w == 2 ? (int16_t)be16(b)
                                     : (int32_t)((uint32_t)be16(b) << 16 | be16(b + 2));
                    if (vb <= va)
                        return MFAIL(mc, pc, "lookupswitch matches not in increasing order");
                }
            }
            for (unsigned k = 0; k < cnt; k++) {
                long dd = (int16_t)be16(t + k * stride);
                long tg = (long)pc + dd;
                if (tg < 0 || tg >= (long)mc->len)
                    return MFAIL(mc, pc, "switch target %ld outside the method", tg);
                if (merge_into(mc, pc, (unsigned)tg, loc, stk, h))
                    return -1;
            }
        } else {
            long d = op->opnd == JCVM_OPND_BR1 ? (int8_t)p[1] : (int16_t)be16(p + 1);
            long tg = (long)pc + d;
            if (tg < 0 || tg >= (long)mc->len)
                return MFAIL(mc, pc, "branch target %ld outside the method", tg);
            if (merge_into(mc, pc, (unsigned)tg, loc, stk, h))
                return -1;
        }
    }
    if (!(op->flags & JCVM_OPF_NOFALL) && op->opcode != 0x93) {
        unsigned next = pc + insn_len;
        if (next >= mc->len)
            return MFAIL(mc, pc, "execution falls off the end of the method");
        if (merge_into(mc, pc, next, loc, stk, h))
            return -1;
    }
    return 0;
}

static int verify_method(vctx *c, uint16_t offset)
{
    const jcvm_cap *cap = c->cap;
    mctx mc = {.c = c};
    if (!jcvm_cap_method_at(cap, offset, &mc.m))
        return vfail(c, "method @0x%04X: not a method start", offset);
    mc.code = cap->method;
    mc.len = (unsigned)(mc.m.end - mc.m.code);
    if (mc.m.flags & JCVM_METH_ABSTRACT) {
        if (mc.len != 0)
            return vfail(c, "method @0x%04X: abstract but has %u bytes of code", offset, mc.len);
        return 0;
    }
    if (mc.len == 0)
        return vfail(c, "method @0x%04X: no bytecode", offset);
    mc.nlocals = (unsigned)mc.m.nargs + mc.m.max_locals;
    mc.maxs = mc.m.max_stack;
    if (mc.nlocals > 255)
        return vfail(c, "method @0x%04X: %u arguments + %u locals exceed 255 words", offset,
                     mc.m.nargs, mc.m.max_locals);
    mc.width = mc.nlocals + mc.maxs;
    int rc = -1;
    mc.at = malloc(sizeof(int32_t) * (mc.len + 1));
    mc.pcs = malloc(sizeof(uint16_t) * (mc.len + 1));
    if (!mc.at || !mc.pcs) {
        vfail(c, "method @0x%04X: out of memory", offset);
        goto out;
    }
    /* 1. decode */
    for (unsigned k = 0; k <= mc.len; k++)
        mc.at[k] = -1;
    for (unsigned pc = 0; pc < mc.len;) {
        uint8_t opc = mc.code[mc.m.code + pc];
        const jcvm_opinfo *op = jcvm_op(opc);
        if (!op->mnemonic || (op->flags & JCVM_OPF_RESERVED)) {
            vfail(c, "method @0x%04X pc %u: opcode 0x%02X is not a Java Card bytecode", offset, pc,
                  opc);
            goto out;
        }
        size_t l = jcvm_insn_len(mc.code + mc.m.code, mc.len, pc);
        if (l == 0) {
            vfail(c,
                  "method @0x%04X pc %u (%s): operands run past the end of the method or "
                  "the switch range is empty",
                  offset, pc, op->mnemonic);
            goto out;
        }
        mc.at[pc] = (int32_t)mc.n;
        mc.pcs[mc.n++] = (uint16_t)pc;
        pc += (unsigned)l;
    }
    if ((size_t)mc.n * mc.width > MAX_STATE_BYTES) {
        vfail(c, "method @0x%04X: too large to verify", offset);
        goto out;
    }
    mc.st = calloc((size_t)mc.n * mc.width + 1, 1);
    mc.h = malloc(sizeof(int16_t) * mc.n);
    mc.work = malloc(sizeof(unsigned) * mc.n);
    mc.queued = calloc(mc.n, sizeof(bool));
    if (!mc.st || !mc.h || !mc.work || !mc.queued) {
        vfail(c, "method @0x%04X: out of memory", offset);
        goto out;
    }
    for (unsigned k = 0; k < mc.n; k++)
        mc.h[k] = -1;
    /* 2. handlers of this method: boundaries */
    for (unsigned k = 0; k < cap->n_handlers; k++) {
        const jcvm_cap_handler *hd = &cap->handlers[k];
        unsigned s = mc.m.code, e = mc.m.code + mc.len;
        if (hd->start < s || hd->start >= e)
            continue;
        unsigned a = hd->start - s, b = a + hd->length;
        if (hd->length == 0 || b > mc.len) {
            vfail(c, "method @0x%04X: handler %u range pc %u..%u leaves the method", offset, k, a,
                  b);
            goto out;
        }
        if (mc.at[a] < 0 || (b < mc.len && mc.at[b] < 0)) {
            vfail(c,
                  "method @0x%04X: handler %u range pc %u..%u does not fall on instruction "
                  "boundaries",
                  offset, k, a, b);
            goto out;
        }
        if (hd->handler < s || hd->handler >= e || mc.at[hd->handler - s] < 0) {
            vfail(c,
                  "method @0x%04X: handler %u entry @0x%04X is not an instruction of the "
                  "method",
                  offset, k, hd->handler);
            goto out;
        }
    }
    /* 3. initial state */
    char loc[256];
    memset(loc, 'U', sizeof loc);
    vsig self;
    bool is_static = false;
    if (method_desc(c, offset, &self, &is_static) == 0) {
        unsigned expect = (unsigned)self.nargs + (is_static ? 0u : 1u);
        if (expect != mc.m.nargs) {
            vfail(c, "method @0x%04X: header says %u argument words, the Descriptor's signature %u",
                  offset, mc.m.nargs, expect);
            goto out;
        }
        unsigned k = 0;
        if (!is_static)
            loc[k++] = 'a';
        for (int a = 0; a < self.nargs; a++)
            loc[k++] = self.args[a];
        mc.ret = self.ret;
    } else {
        for (unsigned k = 0; k < mc.m.nargs; k++)
            loc[k] = '?';
    }
    memcpy(mc.st, loc, mc.nlocals);
    mc.h[0] = 0;
    mc.work[mc.nwork++] = 0;
    mc.queued[0] = true;
    /* 4. data flow to a fixed point (each state only ever widens to 'T') */
    while (mc.nwork) {
        unsigned i = mc.work[--mc.nwork];
        mc.queued[i] = false;
        if (step(&mc, i))
            goto out;
    }
    rc = 0;
out:
    free(mc.at);
    free(mc.pcs);
    free(mc.st);
    free(mc.h);
    free(mc.work);
    free(mc.queued);
    return rc;
}

static int verify_all(const jcvm_cap *cap, const jcvm_cap *const *loaded, size_t nloaded,
                      const jcvm_verify_env *env, char *why, size_t whylen)
{
    vctx c = {
        .cap = cap, .env = env, .why = why, .whylen = whylen, .loaded = loaded, .nloaded = nloaded};
    if (!cap)
        return vfail(&c, "no package");
    load_descriptor(&c);
    /* applets' install() */
    for (unsigned i = 0; i < cap->n_applets; i++) {
        jcvm_cap_method m;
        if (!jcvm_cap_method_at(cap, cap->applets[i].install_offset, &m) ||
            (m.flags & JCVM_METH_ABSTRACT))
            return vfail(&c,
                         "Applet component: applet %u install() @0x%04X is not a method with code",
                         i, cap->applets[i].install_offset);
        if (m.nargs != 3)
            return vfail(&c,
                         "Applet component: applet %u install() @0x%04X takes %u argument "
                         "words, not 3 (byte[], short, byte)",
                         i, cap->applets[i].install_offset, m.nargs);
    }
    /* virtual method tables */
    for (unsigned k = 0; k < cap->n_classes; k++) {
        const jcvm_cap_class *cl = &cap->classes[k];
        if (cl->is_interface)
            continue;
        for (int t = 0; t < 2; t++) {
            unsigned cnt = t ? cl->pkg_count : cl->pub_count;
            const uint8_t *tab = t ? cl->pkg_table : cl->pub_table;
            for (unsigned j = 0; j < cnt; j++) {
                unsigned off = be16(tab + 2 * j);
                jcvm_cap_method m;
                if (off == 0xFFFF)
                    continue;
                if (!jcvm_cap_method_at(cap, (uint16_t)off, &m))
                    return vfail(&c,
                                 "Class component: class @0x%04X %s method table entry %u "
                                 "@0x%04X is not a method",
                                 cl->offset, t ? "package" : "public", j, off);
            }
        }
    }
    /* constant pool: internal static methods have code */
    for (unsigned i = 0; i < cap->n_cp; i++) {
        const jcvm_cp_entry *e = &cap->cp[i];
        if (e->tag == JCVM_CP_STATIC_METHOD && e->internal) {
            jcvm_cap_method m;
            if (!jcvm_cap_method_at(cap, e->offset, &m) || (m.flags & JCVM_METH_ABSTRACT))
                return vfail(&c,
                             "ConstantPool component: entry %u names @0x%04X, not a method "
                             "with code",
                             i, e->offset);
        }
        if (e->tag == JCVM_CP_STATIC_FIELD && e->internal && e->offset >= cap->sf_image)
            return vfail(&c,
                         "ConstantPool component: entry %u static field offset %u outside "
                         "the %u-byte image",
                         i, e->offset, cap->sf_image);
    }
    /* every handler belongs to one method */
    for (unsigned k = 0; k < cap->n_handlers; k++) {
        const jcvm_cap_handler *hd = &cap->handlers[k];
        bool owned = false;
        for (unsigned i = 0; i < cap->n_method_starts && !owned; i++) {
            jcvm_cap_method m;
            if (jcvm_cap_method_at(cap, cap->method_starts[i], &m) && hd->start >= m.code &&
                hd->start < m.end)
                owned = true;
        }
        if (!owned)
            return vfail(&c,
                         "Method component: handler %u starts @0x%04X, inside no method's "
                         "bytecode",
                         k, hd->start);
    }
    for (unsigned i = 0; i < cap->n_method_starts; i++)
        if (verify_method(&c, cap->method_starts[i]) != 0)
            return -1;
    return 0;
}

int jcvm_verify_package_env(const jcvm_cap *cap, const jcvm_verify_env *env, char *why,
                            size_t whylen)
{
    return verify_all(cap, NULL, 0, env, why, whylen);
}

int jcvm_verify_package_with(const jcvm_cap *cap, const jcvm_cap *const *loaded, size_t nloaded,
                             const jcvm_verify_env *env, char *why, size_t whylen)
{
    return verify_all(cap, loaded, nloaded, env, why, whylen);
}

int jcvm_verify_package(const jcvm_cap *cap, char *why, size_t whylen)
{
    return jcvm_verify_package_env(cap, NULL, why, whylen);
}
