/*
 * jcvm_cap.c: the CAP component parser (see jcvm_cap.h). A cursor type holds
 * the bounds of the component being read; every read goes through it, so a
 * count or size that points past the component ends the parse with a reason
 * instead of a read out of bounds.
 */
#include "jcvm_cap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *p;
    size_t n, off;
    bool bad;
} cur;

static uint8_t rd1(cur *c)
{
    if (c->bad || c->n - c->off < 1) {
        c->bad = true;
        return 0;
    }
    return c->p[c->off++];
}

static uint16_t rd2(cur *c)
{
    if (c->bad || c->n - c->off < 2) {
        c->bad = true;
        return 0;
    }
    uint16_t v = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
    c->off += 2;
    return v;
}

static const uint8_t *rdn(cur *c, size_t k)
{
    if (c->bad || c->n - c->off < k) {
        c->bad = true;
        return NULL;
    }
    const uint8_t *r = c->p + c->off;
    c->off += k;
    return r;
}

__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t whylen, const char *fmt,
                                                      ...)
{
    if (why != NULL && whylen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

const char *jcvm_comp_name(uint8_t tag)
{
    static const char *const names[] = {
        "?",      "Header",      "Directory",   "Applet", "Import",     "ConstantPool", "Class",
        "Method", "StaticField", "RefLocation", "Export", "Descriptor", "Debug"};
    return tag <= JCVM_COMP_MAX ? names[tag] : "custom";
}

jcvm_classref jcvm_classref_decode(uint16_t v)
{
    jcvm_classref r = {0};
    if (v & 0x8000u) {
        r.external = true;
        r.pkg = (uint8_t)((v >> 8) & 0x7Fu);
        r.token = (uint8_t)(v & 0xFFu);
    } else {
        r.offset = v;
    }
    return r;
}

static bool read_aid(cur *c, jc_aid *aid)
{
    uint8_t n = rd1(c);
    if (c->bad || n < 5 || n > JC_AID_MAX)
        return false;
    const uint8_t *b = rdn(c, n);
    if (b == NULL)
        return false;
    aid->len = n;
    memcpy(aid->b, b, n);
    return true;
}

static cur comp_cur(const jcvm_cap *cap, int tag)
{
    cur c = {cap->comp[tag].info, cap->comp[tag].size, 0, false};
    return c;
}

#define FAIL(...) return fail(why, whylen, __VA_ARGS__)

static int parse_header(jcvm_cap *cap, char *why, size_t whylen)
{
    cur c = comp_cur(cap, JCVM_COMP_HEADER);
    const uint8_t *magic = rdn(&c, 4);
    if (magic == NULL || memcmp(magic, "\xDE\xCA\xFF\xED", 4) != 0)
        FAIL("Header component: magic is not DECAFFED");
    cap->cap_minor = rd1(&c);
    cap->cap_major = rd1(&c);
    cap->flags = rd1(&c);
    cap->pkg.minor = rd1(&c);
    cap->pkg.major = rd1(&c);
    if (c.bad)
        FAIL("Header component: truncated");
    if (cap->cap_major != 2 || cap->cap_minor > 2)
        FAIL("Header component: CAP format %u.%u not supported (2.1, 2.2)", cap->cap_major,
             cap->cap_minor);
    if (!read_aid(&c, &cap->pkg.aid))
        FAIL("Header component: package AID missing or not 5..16 bytes");
    if (c.off < c.n) { /* package_name_info */
        uint8_t nl = rd1(&c);
        const uint8_t *nm = rdn(&c, nl);
        if (nm == NULL)
            FAIL("Header component: package name truncated");
        memcpy(cap->pkg_name, nm, nl);
        cap->pkg_name[nl] = '\0';
    }
    if (c.off != c.n)
        FAIL("Header component: %zu bytes after the package info", c.n - c.off);
    return 0;
}

/* One reading of the Directory with nsizes component sizes (11 in CAP 2.1 as
   the reference converter writes it, 12 with Debug in 2.2); 0 or -1. */
static int parse_directory_n(jcvm_cap *cap, int nsizes, char *why, size_t whylen)
{
    cur c = comp_cur(cap, JCVM_COMP_DIRECTORY);
    memset(cap->dir_sizes, 0, sizeof cap->dir_sizes);
    for (int t = 1; t <= nsizes; t++)
        cap->dir_sizes[t] = rd2(&c);
    cap->sf_image_size = rd2(&c);
    cap->sf_array_init_count = rd2(&c);
    cap->sf_array_init_size = rd2(&c);
    cap->dir_import_count = rd1(&c);
    cap->dir_applet_count = rd1(&c);
    uint8_t custom = rd1(&c);
    for (unsigned i = 0; i < custom && !c.bad; i++) {
        rd1(&c); /* tag */
        rd2(&c); /* size */
        jc_aid a;
        if (!read_aid(&c, &a))
            FAIL("Directory component: custom component %u has a bad AID", i);
    }
    if (c.bad)
        FAIL("Directory component: truncated");
    if (c.off != c.n)
        FAIL("Directory component: %zu bytes after its content", c.n - c.off);
    for (int t = 1; t <= nsizes; t++) {
        if (t == JCVM_COMP_DEBUG)
            continue;
        uint16_t have = cap->comp[t].present ? cap->comp[t].size : 0;
        if (cap->comp[t].present && cap->dir_sizes[t] != have)
            FAIL("Directory component: %s size %u, but the component has %u",
                 jcvm_comp_name((uint8_t)t), cap->dir_sizes[t], have);
    }
    return 0;
}

static int parse_directory(jcvm_cap *cap, char *why, size_t whylen)
{
    /* CAP 2.1 files exist with 11 and with 12 sizes (hand-made builders follow the 2.2 text):
       read the version's count first, the other one if that does not fit exactly */
    int first = cap->cap_minor >= 2 ? 12 : 11;
    if (parse_directory_n(cap, first, why, whylen) == 0)
        return 0;
    char other[200];
    if (parse_directory_n(cap, first == 12 ? 11 : 12, other, sizeof other) == 0)
        return 0;
    return parse_directory_n(cap, first, why, whylen);
}

static int parse_applet(jcvm_cap *cap, char *why, size_t whylen)
{
    if (!cap->comp[JCVM_COMP_APPLET].present) {
        if (cap->dir_applet_count != 0)
            FAIL("Directory component: %u applets but no Applet component", cap->dir_applet_count);
        return 0;
    }
    cur c = comp_cur(cap, JCVM_COMP_APPLET);
    uint8_t n = rd1(&c);
    if (c.bad || n == 0 || n > JCVM_CAP_MAX_APPLETS)
        FAIL("Applet component: count %u not 1..%d", n, JCVM_CAP_MAX_APPLETS);
    if (n != cap->dir_applet_count)
        FAIL("Applet component: %u applets, the Directory says %u", n, cap->dir_applet_count);
    for (unsigned i = 0; i < n; i++) {
        if (!read_aid(&c, &cap->applets[i].aid))
            FAIL("Applet component: applet %u AID missing or not 5..16 bytes", i);
        cap->applets[i].install_offset = rd2(&c);
        if (c.bad)
            FAIL("Applet component: applet %u truncated", i);
        for (unsigned j = 0; j < i; j++)
            if (cap->applets[j].aid.len == cap->applets[i].aid.len &&
                memcmp(cap->applets[j].aid.b, cap->applets[i].aid.b, cap->applets[i].aid.len) == 0)
                FAIL("Applet component: applet %u repeats the AID of applet %u", i, j);
    }
    cap->n_applets = n;
    if (c.off != c.n)
        FAIL("Applet component: %zu bytes after the applets", c.n - c.off);
    return 0;
}

static int parse_import(jcvm_cap *cap, char *why, size_t whylen)
{
    cur c = comp_cur(cap, JCVM_COMP_IMPORT);
    uint8_t n = rd1(&c);
    if (c.bad || n > JCVM_CAP_MAX_IMPORTS)
        FAIL("Import component: count %u over %d", n, JCVM_CAP_MAX_IMPORTS);
    if (n != cap->dir_import_count)
        FAIL("Import component: %u packages, the Directory says %u", n, cap->dir_import_count);
    for (unsigned i = 0; i < n; i++) {
        cap->imports[i].minor = rd1(&c);
        cap->imports[i].major = rd1(&c);
        if (!read_aid(&c, &cap->imports[i].aid))
            FAIL("Import component: package %u AID missing or not 5..16 bytes", i);
    }
    cap->n_imports = n;
    if (c.off != c.n)
        FAIL("Import component: %zu bytes after the packages", c.n - c.off);
    return 0;
}

static bool classref_ok(const jcvm_cap *cap, jcvm_classref r)
{
    return r.external ? r.pkg < cap->n_imports : true; /* internal: checked after Class */
}

static int parse_cp(jcvm_cap *cap, char *why, size_t whylen)
{
    cur c = comp_cur(cap, JCVM_COMP_CONSTANT_POOL);
    uint16_t n = rd2(&c);
    if (c.bad || c.n - c.off != (size_t)n * 4)
        FAIL("ConstantPool component: %u entries need %u bytes, the component has %zu", n, n * 4u,
             c.n > 2 ? c.n - 2 : 0);
    cap->cp = calloc(n ? n : 1, sizeof *cap->cp);
    if (cap->cp == NULL)
        FAIL("out of memory");
    cap->n_cp = n;
    for (unsigned i = 0; i < n; i++) {
        jcvm_cp_entry *e = &cap->cp[i];
        e->tag = rd1(&c);
        uint8_t b1 = rd1(&c), b2 = rd1(&c), b3 = rd1(&c);
        switch (e->tag) {
        case JCVM_CP_CLASSREF:
            e->cls = jcvm_classref_decode((uint16_t)(b1 << 8 | b2));
            break;
        case JCVM_CP_INSTANCE_FIELD:
        case JCVM_CP_VIRTUAL_METHOD:
        case JCVM_CP_SUPER_METHOD:
            e->cls = jcvm_classref_decode((uint16_t)(b1 << 8 | b2));
            e->token = b3;
            break;
        case JCVM_CP_STATIC_FIELD:
        case JCVM_CP_STATIC_METHOD:
            if (b1 & 0x80u) {
                e->cls.external = true;
                e->cls.pkg = b1 & 0x7Fu;
                e->cls.token = b2;
                e->token = b3;
            } else {
                if (b1 != 0)
                    FAIL("ConstantPool component: entry %u internal reference padding %02X not 0",
                         i, b1);
                e->internal = true;
                e->offset = (uint16_t)(b2 << 8 | b3);
            }
            break;
        default:
            FAIL("ConstantPool component: entry %u has unknown tag %u", i, e->tag);
        }
        if ((e->tag != JCVM_CP_STATIC_FIELD && e->tag != JCVM_CP_STATIC_METHOD) || !e->internal) {
            if (!classref_ok(cap, e->cls))
                FAIL("ConstantPool component: entry %u names import %u of %u", i, e->cls.pkg,
                     cap->n_imports);
        }
    }
    return 0;
}

static int parse_class_n(jcvm_cap *cap, bool sigpool, char *why, size_t whylen)
{
    cur c = comp_cur(cap, JCVM_COMP_CLASS);
    free(cap->classes);
    cap->classes = NULL;
    cap->n_classes = 0;
    if (sigpool) { /* signature pool (remote interfaces) */
        uint16_t sl = rd2(&c);
        if (rdn(&c, sl) == NULL)
            FAIL("Class component: signature pool of %u bytes truncated", sl);
    }
    size_t cap_alloc = 8;
    cap->classes = calloc(cap_alloc, sizeof *cap->classes);
    if (cap->classes == NULL)
        FAIL("out of memory");
    while (c.off < c.n) {
        if (cap->n_classes == 0xFFFF)
            FAIL("Class component: too many classes");
        if (cap->n_classes == cap_alloc) {
            cap_alloc *= 2;
            jcvm_cap_class *nc = realloc(cap->classes, cap_alloc * sizeof *nc);
            if (nc == NULL)
                FAIL("out of memory");
            cap->classes = nc;
        }
        unsigned idx = cap->n_classes;
        jcvm_cap_class *k = &cap->classes[idx];
        memset(k, 0, sizeof *k);
        k->offset = (uint16_t)c.off;
        uint8_t bf = rd1(&c);
        k->flags = bf >> 4;
        k->n_ifaces = bf & 0x0Fu;
        k->is_interface = (k->flags & JCVM_ACC_INTERFACE) != 0;
        if (k->flags & JCVM_ACC_REMOTE)
            FAIL("Class component: class %u is remote (RMI is not supported)", idx);
        if (k->is_interface) {
            for (unsigned i = 0; i < k->n_ifaces; i++) {
                k->supers[i] = jcvm_classref_decode(rd2(&c));
                if (!classref_ok(cap, k->supers[i]))
                    FAIL("Class component: interface %u names import %u of %u", idx,
                         k->supers[i].pkg, cap->n_imports);
            }
        } else {
            uint16_t sup = rd2(&c);
            k->has_super = sup != 0xFFFFu;
            if (k->has_super) {
                k->super = jcvm_classref_decode(sup);
                if (!classref_ok(cap, k->super))
                    FAIL("Class component: class %u super names import %u of %u", idx, k->super.pkg,
                         cap->n_imports);
            }
            k->instance_size = rd1(&c);
            k->first_ref_token = rd1(&c);
            k->ref_count = rd1(&c);
            k->pub_base = rd1(&c);
            k->pub_count = rd1(&c);
            k->pkg_base = rd1(&c);
            k->pkg_count = rd1(&c);
            k->pub_table = rdn(&c, 2u * k->pub_count);
            k->pkg_table = rdn(&c, 2u * k->pkg_count);
            if (c.bad)
                FAIL("Class component: class %u truncated", idx);
            if (k->ref_count > 0 &&
                (k->first_ref_token == 0xFF ||
                 (unsigned)k->first_ref_token + k->ref_count > k->instance_size))
                FAIL("Class component: class %u reference fields %u+%u outside its %u cells", idx,
                     k->first_ref_token, k->ref_count, k->instance_size);
            if ((unsigned)k->pub_base + k->pub_count > 256 ||
                (unsigned)k->pkg_base + k->pkg_count > 128)
                FAIL("Class component: class %u method table bounds", idx);
            for (unsigned i = 0; i < k->n_ifaces; i++) {
                k->impls[i].iface = jcvm_classref_decode(rd2(&c));
                k->impls[i].count = rd1(&c);
                k->impls[i].index = rdn(&c, k->impls[i].count);
                if (c.bad)
                    FAIL("Class component: class %u interface table %u truncated", idx, i);
                if (!classref_ok(cap, k->impls[i].iface))
                    FAIL("Class component: class %u interface %u names import %u of %u", idx, i,
                         k->impls[i].iface.pkg, cap->n_imports);
            }
        }
        if (c.bad)
            FAIL("Class component: class %u truncated", idx);
        cap->n_classes++;
    }
    /* internal class references must land on a class start */
    for (unsigned i = 0; i < cap->n_classes; i++) {
        const jcvm_cap_class *k = &cap->classes[i];
        if (k->is_interface) {
            for (unsigned j = 0; j < k->n_ifaces; j++) {
                const jcvm_cap_class *s =
                    k->supers[j].external ? NULL : jcvm_cap_class_at(cap, k->supers[j].offset);
                if (!k->supers[j].external && (s == NULL || !s->is_interface))
                    FAIL("Class component: interface %u superinterface %u is no interface", i, j);
            }
            continue;
        }
        if (k->has_super && !k->super.external) {
            const jcvm_cap_class *s = jcvm_cap_class_at(cap, k->super.offset);
            if (s == NULL || s->is_interface || s == k)
                FAIL("Class component: class %u super offset %u is no class", i, k->super.offset);
        }
        for (unsigned j = 0; j < k->n_ifaces; j++) {
            if (k->impls[j].iface.external)
                continue;
            const jcvm_cap_class *s = jcvm_cap_class_at(cap, k->impls[j].iface.offset);
            if (s == NULL || !s->is_interface)
                FAIL("Class component: class %u interface %u offset %u is no interface", i, j,
                     k->impls[j].iface.offset);
        }
    }
    /* superclass chains inside the package must end (no cycle) */
    for (unsigned i = 0; i < cap->n_classes; i++) {
        const jcvm_cap_class *k = &cap->classes[i];
        unsigned steps = 0;
        while (k != NULL && !k->is_interface && k->has_super && !k->super.external) {
            if (++steps > cap->n_classes)
                FAIL("Class component: class %u has a cyclic superclass chain", i);
            k = jcvm_cap_class_at(cap, k->super.offset);
        }
    }
    /* constant pool class refs must name classes */
    for (unsigned i = 0; i < cap->n_cp; i++) {
        const jcvm_cp_entry *e = &cap->cp[i];
        bool has_cls = e->tag == JCVM_CP_CLASSREF || e->tag == JCVM_CP_INSTANCE_FIELD ||
                       e->tag == JCVM_CP_VIRTUAL_METHOD || e->tag == JCVM_CP_SUPER_METHOD;
        if (has_cls && !e->cls.external && jcvm_cap_class_at(cap, e->cls.offset) == NULL)
            FAIL("ConstantPool component: entry %u names class offset %u where no class starts", i,
                 e->cls.offset);
    }
    return 0;
}

static int parse_class(jcvm_cap *cap, char *why, size_t whylen)
{
    /* CAP 2.2 starts the Class component with a signature pool; some hand-made 2.1 files
       have one too: read the version's layout first, the other if that one does not fit */
    bool first = cap->cap_minor >= 2;
    if (parse_class_n(cap, first, why, whylen) == 0)
        return 0;
    char other[200];
    if (parse_class_n(cap, !first, other, sizeof other) == 0)
        return 0;
    return parse_class_n(cap, first, why, whylen);
}

const jcvm_cap_class *jcvm_cap_class_at(const jcvm_cap *cap, uint16_t offset)
{
    unsigned lo = 0, hi = cap->n_classes;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (cap->classes[mid].offset == offset)
            return &cap->classes[mid];
        if (cap->classes[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int parse_method(jcvm_cap *cap, char *why, size_t whylen)
{
    cur c = comp_cur(cap, JCVM_COMP_METHOD);
    cap->method = c.p;
    cap->method_len = (uint16_t)c.n;
    uint8_t n = rd1(&c);
    if (c.bad)
        FAIL("Method component: empty");
    cap->handlers = calloc(n ? n : 1, sizeof *cap->handlers);
    if (cap->handlers == NULL)
        FAIL("out of memory");
    cap->n_handlers = n;
    for (unsigned i = 0; i < n; i++) {
        jcvm_cap_handler *h = &cap->handlers[i];
        h->start = rd2(&c);
        uint16_t bf = rd2(&c);
        h->stop = (bf & 0x8000u) != 0;
        h->length = bf & 0x7FFFu;
        h->handler = rd2(&c);
        h->catch_type = rd2(&c);
        if (c.bad)
            FAIL("Method component: handler table truncated at handler %u", i);
    }
    cap->methods_start = (uint16_t)c.off;
    for (unsigned i = 0; i < n; i++) {
        const jcvm_cap_handler *h = &cap->handlers[i];
        if (h->start < cap->methods_start || (size_t)h->start + h->length > c.n || h->length == 0)
            FAIL("Method component: handler %u range %u+%u outside the methods", i, h->start,
                 h->length);
        if (h->handler < cap->methods_start || h->handler >= c.n)
            FAIL("Method component: handler %u entry %u outside the methods", i, h->handler);
        if (h->catch_type != 0 &&
            (h->catch_type >= cap->n_cp || cap->cp[h->catch_type].tag != JCVM_CP_CLASSREF))
            FAIL("Method component: handler %u catch type %u is no class reference", i,
                 h->catch_type);
    }
    return 0;
}

static int parse_static_field(jcvm_cap *cap, char *why, size_t whylen)
{
    cur c = comp_cur(cap, JCVM_COMP_STATIC_FIELD);
    cap->sf_image = rd2(&c);
    cap->sf_ref_count = rd2(&c);
    uint16_t nai = rd2(&c);
    if (c.bad)
        FAIL("StaticField component: truncated");
    if (cap->sf_image != cap->sf_image_size)
        FAIL("StaticField component: image %u bytes, the Directory says %u", cap->sf_image,
             cap->sf_image_size);
    if (nai > cap->sf_ref_count || nai != cap->sf_array_init_count)
        FAIL("StaticField component: %u array initializers (references %u, Directory %u)", nai,
             cap->sf_ref_count, cap->sf_array_init_count);
    cap->array_inits = calloc(nai ? nai : 1, sizeof *cap->array_inits);
    if (cap->array_inits == NULL)
        FAIL("out of memory");
    cap->n_array_inits = nai;
    uint32_t total = 0;
    for (unsigned i = 0; i < nai; i++) {
        jcvm_cap_array_init *a = &cap->array_inits[i];
        a->type = rd1(&c);
        a->count = rd2(&c);
        a->values = rdn(&c, a->count);
        if (c.bad)
            FAIL("StaticField component: array initializer %u truncated", i);
        unsigned esz = a->type == 4 ? 2 : a->type == 5 ? 4 : 1;
        if (a->type < 2 || a->type > 5 || a->count % esz != 0)
            FAIL("StaticField component: array initializer %u type %u / %u bytes", i, a->type,
                 a->count);
        total += a->count; /* the Directory counts the values only */
    }
    if (total != cap->sf_array_init_size)
        FAIL("StaticField component: array initializers take %u bytes, the Directory says %u",
             total, cap->sf_array_init_size);
    cap->sf_default_count = rd2(&c);
    cap->sf_nondefault_count = rd2(&c);
    cap->sf_nondefault = rdn(&c, cap->sf_nondefault_count);
    if (c.bad)
        FAIL("StaticField component: truncated");
    if (c.off != c.n)
        FAIL("StaticField component: %zu bytes after its content", c.n - c.off);
    if ((uint32_t)cap->sf_ref_count * 2 + cap->sf_default_count + cap->sf_nondefault_count !=
        cap->sf_image)
        FAIL("StaticField component: %u references + %u default + %u initialized bytes != image %u",
             cap->sf_ref_count, cap->sf_default_count, cap->sf_nondefault_count, cap->sf_image);
    return 0;
}

static int read_locs(cur *c, uint16_t mlen, unsigned width, uint16_t *n_out, uint16_t **out,
                     char *why, size_t whylen, const char *what)
{
    uint16_t n = rd2(c);
    const uint8_t *d = rdn(c, n);
    if (d == NULL)
        FAIL("RefLocation component: %s list truncated", what);
    uint16_t *v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL)
        FAIL("out of memory");
    uint32_t at = 0;
    uint16_t k = 0;
    for (unsigned i = 0; i < n; i++) {
        at += d[i];
        if (d[i] == 255)
            continue;
        if (at + width > mlen) {
            free(v);
            FAIL("RefLocation component: %s location %u past the Method component", what, at);
        }
        v[k++] = (uint16_t)at;
    }
    *n_out = k;
    *out = v;
    return 0;
}

static int parse_refloc(jcvm_cap *cap, char *why, size_t whylen)
{
    cur c = comp_cur(cap, JCVM_COMP_REF_LOCATION);
    if (read_locs(&c, cap->method_len, 1, &cap->n_ref1, &cap->ref1, why, whylen, "byte index") != 0)
        return -1;
    if (read_locs(&c, cap->method_len, 2, &cap->n_ref2, &cap->ref2, why, whylen, "short index") !=
        0)
        return -1;
    if (c.off != c.n)
        FAIL("RefLocation component: %zu bytes after its content", c.n - c.off);
    return 0;
}

static int parse_export(jcvm_cap *cap, char *why, size_t whylen)
{
    if (!cap->comp[JCVM_COMP_EXPORT].present)
        return 0;
    cur c = comp_cur(cap, JCVM_COMP_EXPORT);
    uint8_t n = rd1(&c);
    cap->exports = calloc(n ? n : 1, sizeof *cap->exports);
    if (c.bad || cap->exports == NULL)
        FAIL("Export component: truncated");
    cap->n_export = n;
    for (unsigned i = 0; i < n; i++) {
        jcvm_cap_export_class *e = &cap->exports[i];
        e->class_offset = rd2(&c);
        e->n_fields = rd1(&c);
        e->n_methods = rd1(&c);
        e->field_offsets = rdn(&c, 2u * e->n_fields);
        e->method_offsets = rdn(&c, 2u * e->n_methods);
        if (c.bad)
            FAIL("Export component: class %u truncated", i);
        if (jcvm_cap_class_at(cap, e->class_offset) == NULL)
            FAIL("Export component: class %u offset %u is no class", i, e->class_offset);
        for (unsigned j = 0; j < e->n_fields; j++) {
            uint16_t fo = (uint16_t)(e->field_offsets[2 * j] << 8 | e->field_offsets[2 * j + 1]);
            if (fo >= cap->sf_image)
                FAIL("Export component: class %u static field %u offset %u outside the image", i, j,
                     fo);
        }
    }
    if (c.off != c.n)
        FAIL("Export component: %zu bytes after its content", c.n - c.off);
    return 0;
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

typedef struct {
    uint16_t *v;
    size_t n, cap;
} u16vec;

static bool push(u16vec *s, uint16_t x)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 32;
        uint16_t *nv = realloc(s->v, nc * sizeof *nv);
        if (nv == NULL)
            return false;
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = x;
    return true;
}

/* Descriptor: only the method offsets are taken (they mark method starts). */
static int scan_descriptor(jcvm_cap *cap, u16vec *s, char *why, size_t whylen)
{
    if (!cap->comp[JCVM_COMP_DESCRIPTOR].present)
        return 0;
    cur c = comp_cur(cap, JCVM_COMP_DESCRIPTOR);
    uint8_t n = rd1(&c);
    for (unsigned i = 0; i < n && !c.bad; i++) {
        rd1(&c); /* token */
        rd1(&c); /* access flags */
        rd2(&c); /* this_class_ref */
        uint8_t ni = rd1(&c);
        uint16_t nf = rd2(&c);
        uint16_t nm = rd2(&c);
        rdn(&c, 2u * ni);
        rdn(&c, 7u * nf);
        for (unsigned j = 0; j < nm && !c.bad; j++) {
            rd1(&c);
            uint8_t acc = rd1(&c);
            uint16_t off = rd2(&c);
            rdn(&c, 8);
            if (c.bad)
                break;
            if ((acc & 0x40u) == 0 && off != 0) { /* not abstract */
                if (off < cap->methods_start || off >= cap->method_len)
                    FAIL("Descriptor component: class %u method %u offset %u outside the methods",
                         i, j, off);
                if (!push(s, off))
                    FAIL("out of memory");
            }
        }
    }
    if (c.bad)
        FAIL("Descriptor component: truncated");
    return 0;
}

static int collect_methods(jcvm_cap *cap, char *why, size_t whylen)
{
    u16vec s = {0};
    int rc = -1;
#define ADD(off, ...)                                                                              \
    do {                                                                                           \
        if ((off) < cap->methods_start || (off) >= cap->method_len) {                              \
            fail(why, whylen, __VA_ARGS__);                                                        \
            goto out;                                                                              \
        }                                                                                          \
        if (!push(&s, (off))) {                                                                    \
            fail(why, whylen, "out of memory");                                                    \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)
    for (unsigned i = 0; i < cap->n_applets; i++)
        ADD(cap->applets[i].install_offset,
            "Applet component: applet %u install offset %u outside the methods", i,
            cap->applets[i].install_offset);
    for (unsigned i = 0; i < cap->n_classes; i++) {
        const jcvm_cap_class *k = &cap->classes[i];
        if (k->is_interface)
            continue;
        for (unsigned j = 0; j < k->pub_count; j++) {
            uint16_t o = (uint16_t)(k->pub_table[2 * j] << 8 | k->pub_table[2 * j + 1]);
            if (o != 0xFFFF)
                ADD(o, "Class component: class %u public method %u offset %u outside the methods",
                    i, j + k->pub_base, o);
        }
        for (unsigned j = 0; j < k->pkg_count; j++) {
            uint16_t o = (uint16_t)(k->pkg_table[2 * j] << 8 | k->pkg_table[2 * j + 1]);
            if (o != 0xFFFF)
                ADD(o, "Class component: class %u package method %u offset %u outside the methods",
                    i, j + k->pkg_base, o);
        }
    }
    for (unsigned i = 0; i < cap->n_export; i++) {
        const jcvm_cap_export_class *e = &cap->exports[i];
        for (unsigned j = 0; j < e->n_methods; j++) {
            uint16_t o = (uint16_t)(e->method_offsets[2 * j] << 8 | e->method_offsets[2 * j + 1]);
            ADD(o, "Export component: class %u method %u offset %u outside the methods", i, j, o);
        }
    }
    for (unsigned i = 0; i < cap->n_cp; i++) {
        const jcvm_cp_entry *e = &cap->cp[i];
        if (e->tag == JCVM_CP_STATIC_METHOD && e->internal)
            ADD(e->offset, "ConstantPool component: entry %u method offset %u outside the methods",
                i, e->offset);
        if (e->tag == JCVM_CP_STATIC_FIELD && e->internal && e->offset >= cap->sf_image) {
            fail(
                why, whylen,
                "ConstantPool component: entry %u static field offset %u outside the %u-byte image",
                i, e->offset, cap->sf_image);
            goto out;
        }
    }
    if (scan_descriptor(cap, &s, why, whylen) != 0)
        goto out;
#undef ADD
    if (s.n > 0)
        qsort(s.v, s.n, sizeof *s.v, cmp_u16);
    size_t k = 0;
    for (size_t i = 0; i < s.n; i++)
        if (k == 0 || s.v[k - 1] != s.v[i])
            s.v[k++] = s.v[i];
    cap->method_starts = s.v;
    cap->n_method_starts = (uint16_t)k;
    s.v = NULL;
    /* every known method must have a header that fits before the next one */
    for (size_t i = 0; i < k; i++) {
        jcvm_cap_method m;
        if (!jcvm_cap_method_at(cap, cap->method_starts[i], &m)) {
            fail(why, whylen, "Method component: method at %u has a header that does not fit",
                 cap->method_starts[i]);
            goto out;
        }
    }
    rc = 0;
out:
    free(s.v);
    return rc;
}

bool jcvm_cap_method_at(const jcvm_cap *cap, uint16_t offset, jcvm_cap_method *m)
{
    unsigned lo = 0, hi = cap->n_method_starts;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (cap->method_starts[mid] < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= cap->n_method_starts || cap->method_starts[lo] != offset)
        return false;
    uint16_t end = lo + 1 < cap->n_method_starts ? cap->method_starts[lo + 1] : cap->method_len;
    const uint8_t *p = cap->method;
    if (offset + 2u > end)
        return false;
    memset(m, 0, sizeof *m);
    m->offset = offset;
    m->flags = p[offset] >> 4;
    if (m->flags & JCVM_METH_EXTENDED) {
        if (offset + 4u > end)
            return false;
        m->max_stack = p[offset + 1];
        m->nargs = p[offset + 2];
        m->max_locals = p[offset + 3];
        m->code = (uint16_t)(offset + 4);
    } else {
        m->max_stack = p[offset] & 0x0Fu;
        m->nargs = p[offset + 1] >> 4;
        m->max_locals = p[offset + 1] & 0x0Fu;
        m->code = (uint16_t)(offset + 2);
    }
    m->end = end;
    return true;
}

void jcvm_cap_free(jcvm_cap *cap)
{
    if (cap == NULL)
        return;
    free(cap->bytes);
    free(cap->cp);
    free(cap->classes);
    free(cap->handlers);
    free(cap->method_starts);
    free(cap->array_inits);
    free(cap->ref1);
    free(cap->ref2);
    free(cap->exports);
    free(cap);
}

int jcvm_cap_parse(const uint8_t *lfdb, size_t len, jcvm_cap **out, char *why, size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    if (out == NULL)
        return fail(why, whylen, "no output");
    *out = NULL;
    if (lfdb == NULL || len == 0)
        return fail(why, whylen, "empty Load File Data Block");
    jcvm_cap *cap = calloc(1, sizeof *cap);
    if (cap == NULL)
        return fail(why, whylen, "out of memory");
    cap->bytes = malloc(len);
    if (cap->bytes == NULL) {
        jcvm_cap_free(cap);
        return fail(why, whylen, "out of memory");
    }
    memcpy(cap->bytes, lfdb, len);
    cap->len = len;
    size_t off = 0;
    int rc = -1;
    while (off < len) {
        if (len - off < 3) {
            fail(why, whylen, "component header truncated at byte %zu", off);
            goto done;
        }
        uint8_t tag = cap->bytes[off];
        uint16_t size = (uint16_t)(cap->bytes[off + 1] << 8 | cap->bytes[off + 2]);
        if (len - off - 3 < size) {
            fail(why, whylen, "%s component (tag %u) at byte %zu: size %u but %zu bytes remain",
                 jcvm_comp_name(tag), tag, off, size, len - off - 3);
            goto done;
        }
        if (tag == 0) {
            fail(why, whylen, "component tag 0 at byte %zu", off);
            goto done;
        }
        if (tag <= JCVM_COMP_MAX) {
            if (cap->comp[tag].present) {
                fail(why, whylen, "%s component appears twice", jcvm_comp_name(tag));
                goto done;
            }
            if (off == 0 && tag != JCVM_COMP_HEADER) {
                fail(why, whylen, "the first component is %s, not Header", jcvm_comp_name(tag));
                goto done;
            }
            cap->comp[tag].present = true;
            cap->comp[tag].size = size;
            cap->comp[tag].info = cap->bytes + off + 3;
            cap->comp[tag].at = (uint32_t)off;
        }
        off += 3u + size;
    }
    static const int required[] = {JCVM_COMP_HEADER,        JCVM_COMP_DIRECTORY,   JCVM_COMP_IMPORT,
                                   JCVM_COMP_CONSTANT_POOL, JCVM_COMP_CLASS,       JCVM_COMP_METHOD,
                                   JCVM_COMP_STATIC_FIELD,  JCVM_COMP_REF_LOCATION};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!cap->comp[required[i]].present) {
            fail(why, whylen, "%s component missing", jcvm_comp_name((uint8_t)required[i]));
            goto done;
        }
    if (parse_header(cap, why, whylen) || parse_directory(cap, why, whylen) ||
        parse_import(cap, why, whylen) || parse_applet(cap, why, whylen) ||
        parse_cp(cap, why, whylen) || parse_class(cap, why, whylen) ||
        parse_method(cap, why, whylen) || parse_static_field(cap, why, whylen) ||
        parse_export(cap, why, whylen) || parse_refloc(cap, why, whylen) ||
        collect_methods(cap, why, whylen))
        goto done;
    if ((cap->flags & JCVM_HDR_APPLET) && cap->n_applets == 0) {
        fail(why, whylen, "Header component: applet flag set but no Applet component");
        goto done;
    }
    if (!(cap->flags & JCVM_HDR_APPLET) && cap->n_applets != 0) {
        fail(why, whylen,
             "Header component: Applet component present but the applet flag is clear");
        goto done;
    }
    if ((cap->flags & JCVM_HDR_EXPORT) != 0 && !cap->comp[JCVM_COMP_EXPORT].present) {
        fail(why, whylen, "Header component: export flag set but no Export component");
        goto done;
    }
    rc = 0;
done:
    if (rc != 0)
        jcvm_cap_free(cap);
    else
        *out = cap;
    return rc;
}
