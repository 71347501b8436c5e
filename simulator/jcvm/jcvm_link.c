/*
 * jcvm_link.c: linking by tokens. Imports are matched by package AID and
 * version against the native API packages (jcvm_api_tokens.c) and the
 * packages already loaded; constant pool entries are resolved to class ids,
 * field cells, static image offsets and method targets; virtual, interface
 * and instanceof lookups walk the class hierarchy across packages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm_int.h"

int jcvm_api_pkg_find(const jc_aid *aid)
{
    for (unsigned i = 0; i < jcvm_api_n_pkgs; i++)
        if (jcvm_api_pkgs[i].aid_len == aid->len &&
            memcmp(jcvm_api_pkgs[i].aid, aid->b, aid->len) == 0)
            return (int)i;
    return -1;
}

int jcvm_api_class_find(int pkg, uint8_t token)
{
    for (unsigned i = 0; i < jcvm_api_n_classes; i++)
        if (jcvm_api_classes[i].pkg == pkg && jcvm_api_classes[i].token == token)
            return (int)i;
    return -1;
}

static bool is_ctor(const jcvm_api_method *m)
{
    return strncmp(m->sig, "<init>", 6) == 0;
}

/* is_static: static methods and constructors (one token space); else virtual.
   A table (class, token, kind) -> method index built on first use: this is on the path
   of every native call. */
static int16_t *method_map;

static void build_method_map(void)
{
    size_t n = (size_t)jcvm_api_n_classes * 256u * 2u;
    int16_t *m = malloc(n * sizeof *m);
    if (m == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        m[i] = -1;
    for (unsigned i = 0; i < jcvm_api_n_methods; i++) {
        const jcvm_api_method *am = &jcvm_api_methods[i];
        bool st = am->is_static || is_ctor(am);
        size_t at = ((size_t)am->cls * 256u + am->token) * 2u + (st ? 1u : 0u);
        if (m[at] < 0)
            m[at] = (int16_t)i;
    }
    method_map = m;
}

int jcvm_api_method_find(int cls, uint8_t token, bool is_static)
{
    if (cls < 0 || (unsigned)cls >= jcvm_api_n_classes)
        return -1;
    if (method_map == NULL)
        build_method_map();
    if (method_map != NULL)
        return method_map[((size_t)cls * 256u + token) * 2u + (is_static ? 1u : 0u)];
    for (unsigned i = 0; i < jcvm_api_n_methods; i++) {
        const jcvm_api_method *m = &jcvm_api_methods[i];
        if (m->cls != cls || m->token != token)
            continue;
        bool st = m->is_static || is_ctor(m);
        if (st == is_static)
            return (int)i;
    }
    return -1;
}

uint32_t jcvm_api_cid(const char *pkg, const char *name)
{
    for (unsigned i = 0; i < jcvm_api_n_classes; i++)
        if (strcmp(jcvm_api_classes[i].name, name) == 0 &&
            strcmp(jcvm_api_pkgs[jcvm_api_classes[i].pkg].name, pkg) == 0)
            return JCVM_CID_API | i;
    return JCVM_CID_NONE;
}

static int api_index(uint32_t cid)
{
    return (int)(cid & 0xFFFFu);
}

const jcvm_cap_class *jcvm_class_of(const jcvm *vm, uint32_t cid)
{
    if (cid == JCVM_CID_NONE || (cid & JCVM_CID_API))
        return NULL;
    unsigned slot = cid >> 16;
    if (slot >= JCVM_MAX_PKGS || !vm->pkgs[slot].used)
        return NULL;
    return jcvm_cap_class_at(vm->pkgs[slot].cap, (uint16_t)cid);
}

static int class_index(const jcvm *vm, uint32_t cid)
{
    const jcvm_cap_class *k = jcvm_class_of(vm, cid);
    return k ? (int)(k - vm->pkgs[cid >> 16].cap->classes) : -1;
}

static uint32_t super_of(const jcvm *vm, uint32_t cid)
{
    if (cid == JCVM_CID_NONE)
        return JCVM_CID_NONE;
    if (cid & JCVM_CID_API) {
        int s = jcvm_api_classes[api_index(cid)].super;
        return s < 0 ? JCVM_CID_NONE : (JCVM_CID_API | (uint32_t)s);
    }
    int ci = class_index(vm, cid);
    if (ci < 0)
        return JCVM_CID_NONE;
    return vm->pkgs[cid >> 16].cls_super[ci];
}

static uint16_t api_cells(int idx)
{
    const jcvm_api_class *c = &jcvm_api_classes[idx];
    if (strcmp(c->name, "OwnerPIN") == 0)
        return 5;
    if (strcmp(c->name, "AID") == 0)
        return 1;
    if (strcmp(c->name, "KeyPair") == 0)
        return 2; /* public and private key (jcvm_natives_crypto.c) */
    for (int k = idx; k >= 0; k = jcvm_api_classes[k].super)
        if (strcmp(jcvm_api_classes[k].name, "Throwable") == 0)
            return 1;
    return 0;
}

/* api_cells by class index, built on first use like method_map: every native
 * instance method checks `this` against it (strcmp by name was 15% of an
 * echo APDU through the card core, jcop-bench). */
static uint16_t *cells_map;

static uint16_t api_cells_cached(int idx)
{
    if (cells_map == NULL) {
        uint16_t *m = malloc((size_t)jcvm_api_n_classes * sizeof *m);
        if (m == NULL)
            return api_cells(idx);
        for (unsigned i = 0; i < jcvm_api_n_classes; i++)
            m[i] = api_cells((int)i);
        cells_map = m;
    }
    return idx >= 0 && (unsigned)idx < jcvm_api_n_classes ? cells_map[idx] : api_cells(idx);
}

uint16_t jcvm_instance_cells(const jcvm *vm, uint32_t cid)
{
    if (cid & JCVM_CID_API)
        return api_cells_cached(api_index(cid));
    int ci = class_index(vm, cid);
    if (ci < 0)
        return 0;
    const jcvm_pkg *p = &vm->pkgs[cid >> 16];
    return (uint16_t)(p->cls_base[ci] + p->cap->classes[ci].instance_size);
}

/* resolve an import's class token to a cid */
static uint32_t ext_class(const jcvm *vm, const jcvm_pkg *p, uint8_t imp, uint8_t token)
{
    if (imp >= p->cap->n_imports)
        return JCVM_CID_NONE;
    if (p->imp_api[imp] >= 0) {
        int c = jcvm_api_class_find(p->imp_api[imp], token);
        return c < 0 ? JCVM_CID_NONE : (JCVM_CID_API | (uint32_t)c);
    }
    int s = p->imp_pkg[imp];
    if (s < 0 || !vm->pkgs[s].used)
        return JCVM_CID_NONE;
    const jcvm_cap *oc = vm->pkgs[s].cap;
    if (token >= oc->n_export)
        return JCVM_CID_NONE;
    return ((uint32_t)s << 16) | oc->exports[token].class_offset;
}

static uint32_t ref_cid(const jcvm *vm, int slot, jcvm_classref r)
{
    if (!r.external)
        return ((uint32_t)slot << 16) | r.offset;
    return ext_class(vm, &vm->pkgs[slot], r.pkg, r.token);
}

static bool iface_extends(const jcvm *vm, uint32_t iface, uint32_t target, int depth)
{
    if (iface == target)
        return true;
    if (depth > 16 || iface == JCVM_CID_NONE)
        return false;
    if (iface & JCVM_CID_API) {
        const jcvm_api_class *c = &jcvm_api_classes[api_index(iface)];
        for (int i = 0; i < 6 && c->ifaces[i] >= 0; i++)
            if (iface_extends(vm, JCVM_CID_API | (uint32_t)c->ifaces[i], target, depth + 1))
                return true;
        return false;
    }
    const jcvm_cap_class *k = jcvm_class_of(vm, iface);
    if (k == NULL)
        return false;
    for (unsigned i = 0; i < k->n_ifaces; i++)
        if (iface_extends(vm, ref_cid(vm, (int)(iface >> 16), k->supers[i]), target, depth + 1))
            return true;
    return false;
}

bool jcvm_instance_of(const jcvm *vm, uint32_t cid, uint32_t target)
{
    static uint32_t object_cid = 0;
    if (object_cid == 0)
        object_cid = jcvm_api_cid("java.lang", "Object");
    if (target == object_cid || target == JCVM_CID_NONE)
        return true;
    for (int guard = 0; cid != JCVM_CID_NONE && guard < 64; guard++) {
        if (cid == target)
            return true;
        if (cid & JCVM_CID_API) {
            const jcvm_api_class *c = &jcvm_api_classes[api_index(cid)];
            for (int i = 0; i < 6 && c->ifaces[i] >= 0; i++)
                if (iface_extends(vm, JCVM_CID_API | (uint32_t)c->ifaces[i], target, 0))
                    return true;
        } else {
            const jcvm_cap_class *k = jcvm_class_of(vm, cid);
            if (k == NULL)
                return false;
            if (k->is_interface)
                return iface_extends(vm, cid, target, 0);
            for (unsigned i = 0; i < k->n_ifaces; i++)
                if (iface_extends(vm, ref_cid(vm, (int)(cid >> 16), k->impls[i].iface), target, 0))
                    return true;
        }
        cid = super_of(vm, cid);
    }
    return false;
}

bool jcvm_obj_is(const jcvm *vm, uint16_t h, uint8_t kind, uint32_t target)
{
    const jcvm_obj *o = &vm->objs[h];
    static uint32_t object_cid = 0;
    if (object_cid == 0)
        object_cid = jcvm_api_cid("java.lang", "Object");
    if (kind == 0) { /* class or interface */
        if (o->kind == OK_INST)
            return jcvm_instance_of(vm, o->cid, target);
        return target == object_cid;
    }
    if (o->kind != kind)
        return false;
    if (kind == OK_ARR_REF)
        return jcvm_instance_of(vm, o->cid, target);
    return true;
}

bool jcvm_virtual_lookup(const jcvm *vm, uint32_t cid, uint8_t token, int *pkg, uint16_t *off)
{
    for (int guard = 0; cid != JCVM_CID_NONE && guard < 64; guard++) {
        if (cid & JCVM_CID_API) {
            int m = jcvm_api_method_find(api_index(cid), token, false);
            if (m >= 0) {
                *pkg = -1;
                *off = (uint16_t)m;
                return true;
            }
        } else {
            const jcvm_cap_class *k = jcvm_class_of(vm, cid);
            if (k == NULL || k->is_interface)
                return false;
            const uint8_t *tab;
            unsigned base, count, t;
            if (token & 0x80u) {
                tab = k->pkg_table;
                base = k->pkg_base;
                count = k->pkg_count;
                t = token & 0x7Fu;
            } else {
                tab = k->pub_table;
                base = k->pub_base;
                count = k->pub_count;
                t = token;
            }
            if (t >= base && t < base + count) {
                uint16_t o = jcvm_rd2(tab + 2 * (t - base));
                if (o != 0xFFFF) {
                    *pkg = (int)(cid >> 16);
                    *off = o;
                    return true;
                }
            }
        }
        cid = super_of(vm, cid);
    }
    return false;
}

bool jcvm_interface_lookup(const jcvm *vm, uint32_t cid, uint32_t iface, uint8_t token, int *pkg,
                           uint16_t *off)
{
    uint32_t c = cid;
    for (int guard = 0; c != JCVM_CID_NONE && guard < 64; guard++) {
        if (c & JCVM_CID_API) {
            /* API class implementing an API interface: match by signature */
            if (!(iface & JCVM_CID_API))
                return false;
            int im = jcvm_api_method_find(api_index(iface), token, false);
            if (im < 0)
                return false;
            for (uint32_t k = c; k != JCVM_CID_NONE; k = super_of(vm, k))
                for (unsigned i = 0; i < jcvm_api_n_methods; i++) {
                    const jcvm_api_method *m = &jcvm_api_methods[i];
                    if (m->cls == api_index(k) && !m->is_static &&
                        strcmp(m->sig, jcvm_api_methods[im].sig) == 0) {
                        *pkg = -1;
                        *off = (uint16_t)i;
                        return true;
                    }
                }
            return false;
        }
        const jcvm_cap_class *k = jcvm_class_of(vm, c);
        if (k == NULL)
            return false;
        for (unsigned i = 0; i < k->n_ifaces; i++) {
            if (ref_cid(vm, (int)(c >> 16), k->impls[i].iface) != iface)
                continue;
            if (token >= k->impls[i].count)
                return false;
            return jcvm_virtual_lookup(vm, cid, k->impls[i].index[token], pkg, off);
        }
        c = super_of(vm, c);
    }
    return false;
}

int jcvm_sig_nargs(const char *sig)
{
    const char *q = strchr(sig, '(');
    int n = 0;
    if (q == NULL)
        return 0;
    for (q++; *q && *q != ')'; q++) {
        while (*q == '[')
            q++;
        if (*q == 'L') {
            while (*q && *q != ';')
                q++;
            n++;
        } else if (*q == 'I' && q[-1] != '[') {
            n += 2;
        } else {
            n++;
        }
    }
    return n;
}

static int target_nargs(const jcvm *vm, int pkg, uint16_t off)
{
    if (pkg < 0) {
        const jcvm_api_method *m = &jcvm_api_methods[off];
        return jcvm_sig_nargs(m->sig) + (m->is_static ? 0 : 1);
    }
    jcvm_cap_method mh;
    if (!jcvm_cap_method_at(vm->pkgs[pkg].cap, off, &mh))
        return -1;
    return mh.nargs;
}

__attribute__((format(printf, 5, 6)))
static int lfail(uint16_t *sw, uint16_t code, char *why, size_t whylen, const char *fmt, ...)
{
    *sw = code;
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void aid_hex(const jc_aid *a, char *out)
{
    for (unsigned i = 0; i < a->len; i++)
        sprintf(out + 2 * i, "%02X", a->b[i]);
    out[2 * a->len] = '\0';
}

void jcvm_unlink(jcvm *vm, int slot)
{
    jcvm_pkg *p = &vm->pkgs[slot];
    if (p->statics && p->cap) {
        for (unsigned i = 0; i < p->cap->n_array_inits; i++) {
            uint16_t h = jcvm_rd2(p->statics + 2 * i);
            if (h && h < JCVM_MAX_OBJS)
                jcvm_obj_free(vm, h);
        }
    }
    jcvm_cap_free(p->cap);
    free(p->statics);
    free(p->res);
    free(p->cls_base);
    free(p->cls_super);
    memset(p, 0, sizeof *p);
}

/* Link package `slot` (cap parsed and set, used = true). Statics created fresh. */
int jcvm_link(jcvm *vm, int slot, uint16_t *sw, char *why, size_t whylen)
{
    jcvm_pkg *p = &vm->pkgs[slot];
    jcvm_cap *cap = p->cap;
    char a[40];
    if ((cap->flags & JCVM_HDR_INT) && !vm->cfg.int_support)
        return lfail(sw, 0x6A80, why, whylen,
                     "package uses int, the card profile has no int support");
    for (unsigned i = 0; i < cap->n_imports; i++) {
        const jcvm_cap_pkg *im = &cap->imports[i];
        p->imp_api[i] = -1;
        p->imp_pkg[i] = -1;
        int ap = jcvm_api_pkg_find(&im->aid);
        aid_hex(&im->aid, a);
        if (ap >= 0) {
            const jcvm_api_pkg *q = &jcvm_api_pkgs[ap];
            if (im->major != q->major || im->minor > q->minor)
                return lfail(sw, 0x6A80, why, whylen,
                             "import %u: %s (%s) version %u.%u, the card has %u.%u", i, q->name, a,
                             im->major, im->minor, q->major, q->minor);
            p->imp_api[i] = (int16_t)ap;
            continue;
        }
        for (int s = 0; s < JCVM_MAX_PKGS; s++) {
            if (s == slot || !vm->pkgs[s].used)
                continue;
            const jcvm_cap_pkg *lp = &vm->pkgs[s].cap->pkg;
            if (lp->aid.len == im->aid.len && memcmp(lp->aid.b, im->aid.b, im->aid.len) == 0) {
                if (lp->major != im->major || lp->minor < im->minor)
                    return lfail(sw, 0x6A80, why, whylen,
                                 "import %u: package %s version %u.%u, the card has %u.%u", i, a,
                                 im->major, im->minor, lp->major, lp->minor);
                p->imp_pkg[i] = (int16_t)s;
            }
        }
        if (p->imp_pkg[i] < 0)
            return lfail(sw, 0x6A88, why, whylen, "import %u: package %s %u.%u is not on the card",
                         i, a, im->major, im->minor);
    }
    /* classes: super ids and instance bases */
    unsigned nc = cap->n_classes;
    p->cls_base = calloc(nc ? nc : 1, sizeof *p->cls_base);
    p->cls_super = calloc(nc ? nc : 1, sizeof *p->cls_super);
    p->res = calloc(cap->n_cp ? cap->n_cp : 1, sizeof *p->res);
    p->statics = calloc(cap->sf_image ? cap->sf_image : 1, 1);
    if (!p->cls_base || !p->cls_super || !p->res || !p->statics)
        return lfail(sw, 0x6A84, why, whylen, "out of memory");
    for (unsigned i = 0; i < nc; i++) {
        const jcvm_cap_class *k = &cap->classes[i];
        p->cls_super[i] = JCVM_CID_NONE;
        if (k->is_interface)
            continue;
        if (k->has_super) {
            p->cls_super[i] = ref_cid(vm, slot, k->super);
            if (p->cls_super[i] == JCVM_CID_NONE)
                return lfail(sw, 0x6A80, why, whylen, "class %u: superclass %u.%u not found", i,
                             k->super.pkg, k->super.token);
        }
        for (unsigned j = 0; j < k->n_ifaces; j++)
            if (ref_cid(vm, slot, k->impls[j].iface) == JCVM_CID_NONE)
                return lfail(sw, 0x6A80, why, whylen, "class %u: interface %u.%u not found", i,
                             k->impls[j].iface.pkg, k->impls[j].iface.token);
    }
    /* instance bases: iterate (supers inside the package may come later) */
    for (unsigned pass = 0; pass <= nc; pass++) {
        bool changed = false;
        for (unsigned i = 0; i < nc; i++) {
            if (cap->classes[i].is_interface || p->cls_super[i] == JCVM_CID_NONE)
                continue;
            uint16_t b = jcvm_instance_cells(vm, p->cls_super[i]);
            if (b != p->cls_base[i]) {
                p->cls_base[i] = b;
                changed = true;
            }
        }
        if (!changed)
            break;
    }
    for (unsigned i = 0; i < nc; i++)
        if ((unsigned)p->cls_base[i] + cap->classes[i].instance_size > 0xFFF)
            return lfail(sw, 0x6A80, why, whylen, "class %u: instance of %u cells too large", i,
                         p->cls_base[i] + cap->classes[i].instance_size);
    /* constant pool */
    for (unsigned i = 0; i < cap->n_cp; i++) {
        const jcvm_cp_entry *e = &cap->cp[i];
        jcvm_res *r = &p->res[i];
        r->kind = e->tag;
        r->token = e->token;
        r->pkg = -1;
        switch (e->tag) {
        case JCVM_CP_CLASSREF:
        case JCVM_CP_INSTANCE_FIELD:
        case JCVM_CP_VIRTUAL_METHOD:
        case JCVM_CP_SUPER_METHOD:
            r->cid = ref_cid(vm, slot, e->cls);
            if (r->cid == JCVM_CID_NONE)
                return lfail(sw, 0x6A80, why, whylen,
                             "constant pool %u: class %u.%u not found in import %u", i, e->cls.pkg,
                             e->cls.token, e->cls.pkg);
            if (e->tag == JCVM_CP_INSTANCE_FIELD) {
                uint16_t base;
                if (r->cid & JCVM_CID_API)
                    return lfail(sw, 0x6A80, why, whylen,
                                 "constant pool %u: API class has no instance field token %u", i,
                                 e->token);
                int ci = class_index(vm, r->cid);
                const jcvm_pkg *op = &vm->pkgs[r->cid >> 16];
                if (ci < 0 || op->cap->classes[ci].is_interface)
                    return lfail(sw, 0x6A80, why, whylen, "constant pool %u: field of no class", i);
                base = op->cls_base[ci];
                if (e->token >= op->cap->classes[ci].instance_size)
                    return lfail(sw, 0x6A80, why, whylen,
                                 "constant pool %u: field token %u outside the class's %u cells", i,
                                 e->token, op->cap->classes[ci].instance_size);
                r->off = (uint16_t)(base + e->token);
            }
            if (e->tag == JCVM_CP_SUPER_METHOD) {
                int tp;
                uint16_t to;
                uint32_t sup = super_of(vm, r->cid);
                if (!jcvm_virtual_lookup(vm, sup, e->token, &tp, &to))
                    return lfail(sw, 0x6A80, why, whylen,
                                 "constant pool %u: super method token %u not found", i, e->token);
                r->pkg = (int16_t)tp;
                r->off = to;
            }
            break;
        case JCVM_CP_STATIC_FIELD:
        case JCVM_CP_STATIC_METHOD:
            if (e->internal) {
                r->pkg = (int16_t)slot;
                r->off = e->offset;
                if (e->tag == JCVM_CP_STATIC_METHOD) {
                    jcvm_cap_method m;
                    if (!jcvm_cap_method_at(cap, e->offset, &m))
                        return lfail(sw, 0x6A80, why, whylen,
                                     "constant pool %u: no method at offset %u", i, e->offset);
                }
                break;
            }
            if (e->cls.pkg >= cap->n_imports)
                return lfail(sw, 0x6A80, why, whylen, "constant pool %u: bad import", i);
            if (p->imp_api[e->cls.pkg] >= 0) {
                int c = jcvm_api_class_find(p->imp_api[e->cls.pkg], e->cls.token);
                int m = c < 0 ? -1 : jcvm_api_method_find(c, e->token, true);
                if (e->tag == JCVM_CP_STATIC_FIELD || m < 0)
                    return lfail(sw, 0x6A80, why, whylen,
                                 "constant pool %u: %s %u.%u.%u not in the API", i,
                                 e->tag == JCVM_CP_STATIC_FIELD ? "static field" : "static method",
                                 e->cls.pkg, e->cls.token, e->token);
                r->cid = JCVM_CID_API | (uint32_t)c;
                r->off = (uint16_t)m;
            } else {
                int s = p->imp_pkg[e->cls.pkg];
                const jcvm_cap *oc = vm->pkgs[s].cap;
                if (e->cls.token >= oc->n_export)
                    return lfail(sw, 0x6A80, why, whylen,
                                 "constant pool %u: class token %u not exported", i, e->cls.token);
                const jcvm_cap_export_class *ex = &oc->exports[e->cls.token];
                if (e->tag == JCVM_CP_STATIC_FIELD) {
                    if (e->token >= ex->n_fields)
                        return lfail(sw, 0x6A80, why, whylen,
                                     "constant pool %u: field token %u not exported", i, e->token);
                    r->off = jcvm_rd2(ex->field_offsets + 2 * e->token);
                } else {
                    if (e->token >= ex->n_methods)
                        return lfail(sw, 0x6A80, why, whylen,
                                     "constant pool %u: method token %u not exported", i, e->token);
                    r->off = jcvm_rd2(ex->method_offsets + 2 * e->token);
                }
                r->pkg = (int16_t)s;
            }
            break;
        default:
            break;
        }
        int na = -1;
        if (e->tag == JCVM_CP_VIRTUAL_METHOD) {
            int tp;
            uint16_t to;
            if (jcvm_virtual_lookup(vm, r->cid, e->token, &tp, &to))
                na = target_nargs(vm, tp, to);
            if (na < 1)
                return lfail(sw, 0x6A80, why, whylen,
                             "constant pool %u: virtual method token %u not found", i, e->token);
        } else if (e->tag == JCVM_CP_SUPER_METHOD || e->tag == JCVM_CP_STATIC_METHOD) {
            na = target_nargs(vm, r->pkg, r->off);
            if (na < 0)
                return lfail(sw, 0x6A80, why, whylen, "constant pool %u: no method at %u", i,
                             r->off);
        }
        r->nargs = (uint8_t)(na < 0 ? 0 : na);
    }
    /* static image: initialized values, then arrays with initializers */
    if (cap->sf_nondefault_count)
        memcpy(p->statics + 2u * cap->sf_ref_count + cap->sf_default_count, cap->sf_nondefault,
               cap->sf_nondefault_count);
    for (unsigned i = 0; i < cap->n_array_inits && !vm->restoring; i++) {
        const jcvm_cap_array_init *ai = &cap->array_inits[i];
        static const uint8_t kinds[] = {0, 0, OK_ARR_BOOL, OK_ARR_BYTE, OK_ARR_SHORT, OK_ARR_INT};
        uint8_t kind = kinds[ai->type];
        if (kind == OK_ARR_INT && !vm->cfg.int_support)
            return lfail(sw, 0x6A80, why, whylen, "int array initializer without int support");
        uint16_t n = (uint16_t)(ai->count / jcvm_elem_size(kind));
        uint16_t h = jcvm_alloc(vm, kind, n, JCVM_CID_NONE, 0, (uint8_t)(slot + 1), 0);
        if (h == 0)
            return lfail(sw, 0x6A84, why, whylen, "no memory for static array %u", i);
        jcvm_obj *o = &vm->objs[h];
        if (kind == OK_ARR_SHORT) {
            uint16_t *d = o->data;
            for (unsigned k = 0; k < n; k++)
                d[k] = jcvm_rd2(ai->values + 2 * k);
        } else if (kind == OK_ARR_INT) {
            int32_t *d = o->data;
            for (unsigned k = 0; k < n; k++)
                d[k] = (int32_t)((uint32_t)jcvm_rd2(ai->values + 4 * k) << 16 |
                                 jcvm_rd2(ai->values + 4 * k + 2));
        } else {
            memcpy(o->data, ai->values, n);
        }
        p->statics[2 * i] = (uint8_t)(h >> 8);
        p->statics[2 * i + 1] = (uint8_t)h;
    }
    return 0;
}
