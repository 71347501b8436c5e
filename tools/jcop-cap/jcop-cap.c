/*
 * jcop-cap: make and inspect Java Card CAP files without a Java toolchain.
 *
 *   asm     build a CAP (a ZIP of <package>/javacard/<Component>.cap) from Java Card Assembly
 *   diff    compare two CAPs component by component
 *   info    package, applets, imports, components, the API methods it calls
 *   dump    every component decoded
 *   disasm  the bytecode of every method, names resolved where the CAP allows
 *   verify  the card's bytecode verifier and linker checks against a profile
 *
 * Exit codes: 0 success, 1 a check failed (diff: differ; verify: refused),
 * 2 usage error or bad .jca (file:line: message), 3 environment error (a file
 * missing, unreadable or not a CAP).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zip.h>

#include "jca.h"
#include "jc_profile.h"
#include "jcvm.h"
#include "jcvm_api.h"
#include "jcvm_cap.h"
#include "jcvm_opcodes.h"
#include "jcvm_verify.h"
#include "jh_cap.h"

enum { EXIT_CHECK = 1, EXIT_USAGE = 2, EXIT_ENV = 3 };

static void usage(FILE *f)
{
    fprintf(f, "usage: jcop-cap asm [-o OUT.cap] [--debug] FILE.jca\n"
               "       jcop-cap diff A.cap B.cap\n"
               "       jcop-cap info FILE.cap\n"
               "       jcop-cap dump FILE.cap\n"
               "       jcop-cap disasm FILE.cap\n"
               "       jcop-cap verify [--profile NAME] [--library LIB.cap]... FILE.cap\n"
               "       jcop-cap --help | --version\n"
               "\n"
               "  asm     assemble Java Card Assembly (.jca, the reference converter's form) into\n"
               "          a CAP file; -o/--output names it (default: FILE with .cap for .jca);\n"
               "          --debug adds a Debug component (CAP format 2.2): class, method and\n"
               "          field names, line tables of .jca lines, no local variable names\n"
               "  diff    compare two CAPs component by component (ZIP entry order ignored);\n"
               "          exit 1 when they differ\n"
               "  info    package and applet AIDs, versions, imports, components and sizes,\n"
               "          the API classes, methods and fields the CAP refers to\n"
               "  dump    every component decoded (the Debug component too)\n"
               "  disasm  the bytecode of every method with its operands, constant-pool\n"
               "          references resolved to API names, and to the CAP's own class,\n"
               "          method and field names and .jca/source lines when it has a Debug\n"
               "          component\n"
               "  verify  run the card's bytecode verifier and linker checks; exit 1 and the\n"
               "          reasons when the card would refuse the CAP\n"
               "\n"
               "Options:\n"
               "  -o, --output FILE   asm: the CAP file to write\n"
               "  -g, --debug         asm: add a Debug component\n"
               "  -p, --profile NAME  verify: the card model (J2A040, J2E145; default J2A040)\n"
               "  -l, --library FILE  verify: a package already on the card that the CAP\n"
               "                      imports (repeatable)\n"
               "  -h, --help          this help\n"
               "  -V, --version       version\n"
               "\n"
               "Exit status: 0 ok, 1 a check failed (diff: differ, verify: refused),\n"
               "2 usage error, bad .jca (file:line: message) or a malformed Debug component\n"
               "(file: message; dump and disasm), 3 file missing or not a CAP.\n");
}

/* ---- reading a CAP ---- */

typedef struct {
    jh_cap zip;    /* components by tag */
    jcvm_cap *cap; /* parsed model (LFDB + Descriptor) */
    uint8_t *lfdb; /* LFDB with the Descriptor appended */
    size_t lfdb_len;
    char why[300]; /* why parsing failed (cap NULL) */
    jca_dbg dbg;   /* the Debug component, decoded (has_dbg) */
    int has_dbg;
} capfile;

/* The Debug component of the CAP being shown (names for class_name, cp_describe). */
static const jca_dbg *g_dbg;

/* dump, disasm: decode the Debug component when there is one. A malformed one is the
   file's error (file: message, exit 2): nothing is printed from a half-read component. */
static int load_debug(const char *path, capfile *cf)
{
    if (!cf->zip.comp[12])
        return 0;
    char why[300];
    if (jca_dbg_read(cf->zip.comp[12] + 3, cf->zip.comp_len[12] - 3, &cf->dbg, why, sizeof why)) {
        fprintf(stderr, "%s: %s\n", path, why);
        return -1;
    }
    cf->has_dbg = 1;
    g_dbg = &cf->dbg;
    return 0;
}

static int load_cap(const char *path, capfile *cf)
{
    memset(cf, 0, sizeof(*cf));
    char err[400];
    int rc = jh_cap_read(path, &cf->zip, err, sizeof err);
    if (rc != JH_CAP_OK) {
        fprintf(stderr, "jcop-cap: %s: %s\n", path, err);
        return -1;
    }
    size_t dl = cf->zip.comp[11] ? cf->zip.comp_len[11] : 0;
    cf->lfdb = malloc(cf->zip.lfdb_len + dl + 1);
    if (!cf->lfdb) {
        fprintf(stderr, "jcop-cap: out of memory\n");
        return -1;
    }
    memcpy(cf->lfdb, cf->zip.lfdb, cf->zip.lfdb_len);
    if (dl)
        memcpy(cf->lfdb + cf->zip.lfdb_len, cf->zip.comp[11], dl);
    cf->lfdb_len = cf->zip.lfdb_len + dl;
    if (jcvm_cap_parse(cf->lfdb, cf->lfdb_len, &cf->cap, cf->why, sizeof cf->why) != 0)
        cf->cap = NULL;
    return 0;
}

static void free_cap(capfile *cf)
{
    if (g_dbg == &cf->dbg)
        g_dbg = NULL;
    jca_dbg_free(&cf->dbg);
    jh_cap_free(&cf->zip);
    jcvm_cap_free(cf->cap);
    free(cf->lfdb);
    memset(cf, 0, sizeof(*cf));
}

static void hex(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02X", b[i]);
}

/* ---- names from the API token tables ---- */

static int api_pkg_of(const jcvm_cap *cap, unsigned imp)
{
    if (!cap || imp >= cap->n_imports)
        return -1;
    for (unsigned p = 0; p < jcvm_api_n_pkgs; p++)
        if (jcvm_api_pkgs[p].aid_len == cap->imports[imp].aid.len &&
            memcmp(jcvm_api_pkgs[p].aid, cap->imports[imp].aid.b, jcvm_api_pkgs[p].aid_len) == 0)
            return (int)p;
    return -1;
}

static int api_class(int pkg, unsigned token)
{
    for (unsigned c = 0; c < jcvm_api_n_classes; c++)
        if (jcvm_api_classes[c].pkg == pkg && jcvm_api_classes[c].token == token)
            return (int)c;
    return -1;
}

/* "name(sig)ret" of a method of an API class or of its supers/superinterfaces
 * (tokens are inherited); constructors count as static (invoked through
 * static method references). */
static const char *api_method_sig(int cls, bool is_static, unsigned token, int depth)
{
    if (cls < 0 || depth > 16)
        return NULL;
    for (unsigned m = 0; m < jcvm_api_n_methods; m++) {
        const jcvm_api_method *am = &jcvm_api_methods[m];
        bool st = am->is_static || strncmp(am->sig, "<init>", 6) == 0;
        if (am->cls == cls && am->token == token && st == is_static)
            return am->sig;
    }
    if (is_static)
        return NULL;
    const char *r = api_method_sig(jcvm_api_classes[cls].super, false, token, depth + 1);
    for (int k = 0; !r && k < 6 && jcvm_api_classes[cls].ifaces[k] >= 0; k++)
        r = api_method_sig(jcvm_api_classes[cls].ifaces[k], false, token, depth + 1);
    return r;
}

/* kind: 'C' class name, 'S' static method, 'V' virtual method; fields: NULL */
static const char *api_member(int pkg, int cls_token, char kind, int token)
{
    int c = api_class(pkg, (unsigned)cls_token);
    if (c < 0)
        return NULL;
    if (kind == 'C')
        return jcvm_api_classes[c].name;
    if (kind != 'S' && kind != 'V')
        return NULL;
    return api_method_sig(c, kind == 'S', (unsigned)token, 0);
}

/* "javacard/framework/APDU" or "import 2 class 7" or "@0x0012" */
static void class_name(const jcvm_cap *cap, jcvm_classref r, char *out, size_t n)
{
    if (!r.external) {
        const jca_dbg_class *k = jca_dbg_class_at(g_dbg, r.offset);
        if (k)
            snprintf(out, n, "%s", g_dbg->strings[k->name]);
        else
            snprintf(out, n, "class@%04X", r.offset);
        return;
    }
    int p = api_pkg_of(cap, r.pkg);
    const char *cn = p >= 0 ? api_member(p, r.token, 'C', 0) : NULL;
    if (cn) {
        char pk[128];
        snprintf(pk, sizeof pk, "%s", jcvm_api_pkgs[p].name);
        for (char *c = pk; *c; c++)
            if (*c == '.')
                *c = '/';
        snprintf(out, n, "%s/%s", pk, cn);
    } else {
        snprintf(out, n, "import%u.class%u", r.pkg, r.token);
    }
}

/* Debug names of an internal static method (Method offset) or static field (image offset):
   "Class.name(desc)" / "Class.name desc". */
static int debug_static_name(int method, unsigned off, char *out, size_t n)
{
    for (unsigned c = 0; g_dbg && c < g_dbg->nclasses; c++) {
        const jca_dbg_class *k = &g_dbg->classes[c];
        for (unsigned m = 0; method && m < k->nmethods; m++)
            if (k->methods[m].location == off && k->methods[m].header) {
                snprintf(out, n, "%s.%s%s", g_dbg->strings[k->name],
                         g_dbg->strings[k->methods[m].name], g_dbg->strings[k->methods[m].desc]);
                return 1;
            }
        for (unsigned f = 0; !method && f < k->nfields; f++) {
            const jca_dbg_field *fd = &k->fields[f];
            /* a static field in the image: access ACC_STATIC and contents 0000 + offset */
            if ((fd->access & 0x0008) && (fd->contents >> 16) == 0 &&
                (fd->contents & 0xFFFF) == off) {
                snprintf(out, n, "%s.%s %s", g_dbg->strings[k->name], g_dbg->strings[fd->name],
                         g_dbg->strings[fd->desc]);
                return 1;
            }
        }
    }
    return 0;
}

/* Debug names of a member of an internal class: an instance field by token, a virtual
   method by its (public) token through the Class component's method table. */
static int debug_member_name(uint8_t tag, uint16_t cls, uint8_t token, char *out, size_t n)
{
    const jca_dbg_class *k = jca_dbg_class_at(g_dbg, cls);
    if (!k)
        return 0;
    if (tag == JCVM_CP_INSTANCE_FIELD) {
        for (unsigned f = 0; f < k->nfields; f++)
            if (!(k->fields[f].access & 0x0008) && k->fields[f].contents == token) {
                snprintf(out, n, "%s %s", g_dbg->strings[k->fields[f].name],
                         g_dbg->strings[k->fields[f].desc]);
                return 1;
            }
    }
    return 0;
}

/* A CP entry described in words. */
static void cp_describe(const jcvm_cap *cap, unsigned idx, char *out, size_t n)
{
    if (!cap || idx >= cap->n_cp) {
        snprintf(out, n, "(no CP entry %u)", idx);
        return;
    }
    const jcvm_cp_entry *e = &cap->cp[idx];
    char cn[200];
    static const char *const kinds[] = {"?",
                                        "class",
                                        "instance field",
                                        "virtual method",
                                        "super method",
                                        "static field",
                                        "static method"};
    const char *kind = e->tag <= 6 ? kinds[e->tag] : "?";
    if ((e->tag == JCVM_CP_STATIC_FIELD || e->tag == JCVM_CP_STATIC_METHOD) && e->internal) {
        char dn[300];
        if (debug_static_name(e->tag == JCVM_CP_STATIC_METHOD, e->offset, dn, sizeof dn))
            snprintf(out, n, "%s %.250s", kind, dn);
        else
            snprintf(out, n, "%s @%04X", kind, e->offset);
        return;
    }
    class_name(cap, e->cls, cn, sizeof cn);
    if (e->tag == JCVM_CP_CLASSREF) {
        snprintf(out, n, "class %s", cn);
        return;
    }
    if (!e->cls.external) {
        char dn[300];
        if (debug_member_name(e->tag, e->cls.offset, e->token, dn, sizeof dn)) {
            snprintf(out, n, "%s %.100s.%.150s", kind, cn, dn);
            return;
        }
    }
    const char *mn = NULL;
    if (e->cls.external) {
        int p = api_pkg_of(cap, e->cls.pkg);
        char k = e->tag == JCVM_CP_STATIC_METHOD    ? 'S'
                 : e->tag == JCVM_CP_STATIC_FIELD   ? 'F'
                 : e->tag == JCVM_CP_INSTANCE_FIELD ? 'I'
                                                    : 'V';
        mn = p >= 0 ? api_member(p, e->cls.token, k, e->token) : NULL;
        if (!mn && k == 'V' && p >= 0) {
            /* inherited virtual methods: look in the listed supers of any class
             * of the package with the same token (tokens are inherited) */
            mn = NULL;
        }
    }
    if (mn) {
        snprintf(out, n, "%s %s.%s", kind, cn, mn);
    } else {
        snprintf(out, n, "%s %s token %u", kind, cn, e->token);
    }
}

/* ---- Descriptor decoding (bounds-checked) ---- */

typedef struct {
    uint8_t token, access;
    uint16_t class_off, offset, type_off, bytecode_count, nh, hidx;
    uint8_t class_token;
} dmethod;

typedef struct {
    dmethod *m;
    size_t nm;
    const uint8_t *types; /* type_descriptor_info */
    size_t types_len;
} descinfo;

static int rd_u1(const uint8_t *b, size_t n, size_t *o, unsigned *v)
{
    if (*o + 1 > n)
        return -1;
    *v = b[*o];
    *o += 1;
    return 0;
}
static int rd_u2(const uint8_t *b, size_t n, size_t *o, unsigned *v)
{
    if (*o + 2 > n)
        return -1;
    *v = (unsigned)(b[*o] << 8 | b[*o + 1]);
    *o += 2;
    return 0;
}

static int decode_descriptor(const capfile *cf, descinfo *d, FILE *dump)
{
    memset(d, 0, sizeof(*d));
    if (!cf->zip.comp[11])
        return 0;
    const uint8_t *b = cf->zip.comp[11] + 3;
    size_t n = cf->zip.comp_len[11] - 3, o = 0;
    unsigned ncls;
    if (rd_u1(b, n, &o, &ncls))
        return -1;
    if (dump)
        fprintf(dump, "  classes %u\n", ncls);
    for (unsigned c = 0; c < ncls; c++) {
        unsigned tok, acc, off, nif, nf, nm, v;
        if (rd_u1(b, n, &o, &tok) || rd_u1(b, n, &o, &acc) || rd_u2(b, n, &o, &off) ||
            rd_u1(b, n, &o, &nif) || rd_u2(b, n, &o, &nf) || rd_u2(b, n, &o, &nm))
            return -1;
        if (dump)
            fprintf(dump,
                    "  class token %u access 0x%02X at class@%04X, %u interfaces, %u fields, %u "
                    "methods\n",
                    tok, acc, off, nif, nf, nm);
        for (unsigned i = 0; i < nif; i++) {
            if (rd_u2(b, n, &o, &v))
                return -1;
            if (dump)
                fprintf(dump, "    implements 0x%04X\n", v);
        }
        for (unsigned i = 0; i < nf; i++) {
            unsigned ft, fa, r1, r2, ty;
            if (rd_u1(b, n, &o, &ft) || rd_u1(b, n, &o, &fa) || rd_u1(b, n, &o, &r1) ||
                rd_u2(b, n, &o, &r2) || rd_u2(b, n, &o, &ty))
                return -1;
            if (dump)
                fprintf(dump, "    field token %u access 0x%02X ref %02X%04X type 0x%04X\n", ft, fa,
                        r1, r2, ty);
        }
        for (unsigned i = 0; i < nm; i++) {
            dmethod m = {0};
            unsigned mt, ma, mo, ty, bc, nh, hi;
            if (rd_u1(b, n, &o, &mt) || rd_u1(b, n, &o, &ma) || rd_u2(b, n, &o, &mo) ||
                rd_u2(b, n, &o, &ty) || rd_u2(b, n, &o, &bc) || rd_u2(b, n, &o, &nh) ||
                rd_u2(b, n, &o, &hi))
                return -1;
            m.token = (uint8_t)mt, m.access = (uint8_t)ma, m.offset = (uint16_t)mo;
            m.type_off = (uint16_t)ty, m.bytecode_count = (uint16_t)bc, m.nh = (uint16_t)nh;
            m.hidx = (uint16_t)hi, m.class_off = (uint16_t)off, m.class_token = (uint8_t)tok;
            dmethod *nmv = realloc(d->m, (d->nm + 1) * sizeof(dmethod));
            if (!nmv)
                return -1;
            d->m = nmv;
            d->m[d->nm++] = m;
            if (dump)
                fprintf(dump,
                        "    method token %u access 0x%02X offset %u type @%u, %u bytes, %u "
                        "handlers from %u\n",
                        mt, ma, mo, ty, bc, nh, hi);
        }
    }
    d->types = b + o;
    d->types_len = n - o;
    if (dump) {
        size_t t = 0;
        unsigned ncp;
        if (rd_u2(d->types, d->types_len, &t, &ncp))
            return -1;
        fprintf(dump, "  constant pool types: %u entries\n", ncp);
        t += 2 * (size_t)ncp;
        while (t < d->types_len) {
            unsigned nib = d->types[t];
            fprintf(dump, "    type @%zu: %u nibbles ", t, nib);
            size_t nb = (nib + 1) / 2;
            if (t + 1 + nb > d->types_len)
                return -1;
            hex(dump, d->types + t + 1, nb);
            fputc('\n', dump);
            t += 1 + nb;
        }
    }
    return 0;
}

/* A type descriptor (offset in type_descriptor_info) as a JVM-style string. */
static void type_string(const capfile *cf, const descinfo *d, unsigned off, char *out, size_t n,
                        int is_method)
{
    out[0] = 0;
    if (!d->types || off >= d->types_len) {
        snprintf(out, n, "?");
        return;
    }
    unsigned nib = d->types[off];
    if (off + 1 + (nib + 1) / 2 > d->types_len) {
        snprintf(out, n, "?");
        return;
    }
    uint8_t v[256];
    for (unsigned i = 0; i < nib && i < 256; i++)
        v[i] = (uint8_t)((d->types[off + 1 + i / 2] >> (i % 2 ? 0 : 4)) & 0xF);
    size_t len = 0;
    /* the last type is the return type (method) or the only one (field) */
    unsigned count = 0, i = 0, last_start = 0;
    while (i < nib) {
        last_start = i;
        i += (v[i] == 6 || v[i] == 0xE) ? 5 : 1;
        count++;
    }
    int method = is_method >= 0 ? is_method : (count > 1 || (nib > 0 && v[0] == 1));
    if (method)
        len += (size_t)snprintf(out + len, n - len, "(");
    for (i = 0; i < nib && len < n;) {
        if (method && i == last_start)
            len += (size_t)snprintf(out + len, n - len, ")");
        unsigned t = v[i];
        static const char prim[] = "?VZBSI";
        if (t >= 1 && t <= 5) {
            len += (size_t)snprintf(out + len, n - len, "%c", prim[t]);
            i++;
        } else if (t >= 0xA && t <= 0xD) {
            len += (size_t)snprintf(out + len, n - len, "[%c", prim[t - 8]);
            i++;
        } else if ((t == 6 || t == 0xE) && i + 4 < nib) {
            uint16_t r = (uint16_t)(v[i + 1] << 12 | v[i + 2] << 8 | v[i + 3] << 4 | v[i + 4]);
            char cn[160];
            class_name(cf->cap, jcvm_classref_decode(r), cn, sizeof cn);
            len += (size_t)snprintf(out + len, n - len, "%sL%s;", t == 0xE ? "[" : "", cn);
            i += 5;
        } else {
            len += (size_t)snprintf(out + len, n - len, "?");
            i++;
        }
    }
}

/* ---- subcommands ---- */

static int write_zip(const char *out, const char *pkgpath, const jca_cap *cap)
{
    int zerr = 0;
    char tmp[4400];
    if (strlen(out) > 4096) {
        fprintf(stderr, "jcop-cap: output path too long\n");
        return EXIT_USAGE;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    remove(tmp);
    zip_t *z = zip_open(tmp, ZIP_CREATE | ZIP_EXCL, &zerr);
    if (!z) {
        fprintf(stderr, "jcop-cap: cannot create %s\n", tmp);
        return EXIT_ENV;
    }
    static const unsigned order[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        unsigned t = order[i];
        if (!cap->comp[t])
            continue;
        char name[512];
        snprintf(name, sizeof name, "%s/javacard/%s", pkgpath, jca_component_file(t));
        zip_source_t *s = zip_source_buffer(z, cap->comp[t], cap->len[t], 0);
        if (!s || zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8) < 0) {
            if (s)
                zip_source_free(s);
            zip_discard(z);
            fprintf(stderr, "jcop-cap: cannot add %s to the CAP\n", name);
            return EXIT_ENV;
        }
    }
    if (zip_close(z) != 0) {
        fprintf(stderr, "jcop-cap: cannot write %s: %s\n", tmp, zip_strerror(z));
        zip_discard(z);
        remove(tmp);
        return EXIT_ENV;
    }
    if (rename(tmp, out) != 0) {
        fprintf(stderr, "jcop-cap: cannot rename %s to %s: %s\n", tmp, out, strerror(errno));
        remove(tmp);
        return EXIT_ENV;
    }
    return 0;
}

static int cmd_asm(const char *in, const char *out, int debug)
{
    FILE *f = fopen(in, "rb");
    if (!f) {
        fprintf(stderr, "jcop-cap: %s: %s\n", in, strerror(errno));
        return EXIT_ENV;
    }
    size_t cap = 1 << 16, n = 0;
    char *text = malloc(cap);
    size_t r;
    while (text && (r = fread(text + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            if (cap >= (64u << 20)) {
                fprintf(stderr, "%s:1: file larger than 64 MiB\n", in);
                free(text);
                fclose(f);
                return EXIT_USAGE;
            }
            char *t2 = realloc(text, cap * 2);
            if (!t2) {
                free(text);
                text = NULL;
                break;
            }
            text = t2;
            cap *= 2;
        }
    }
    fclose(f);
    if (!text) {
        fprintf(stderr, "jcop-cap: out of memory\n");
        return EXIT_ENV;
    }
    if (memchr(text, 0, n)) {
        fprintf(stderr, "%s:1: not a text file (NUL byte)\n", in);
        free(text);
        return EXIT_USAGE;
    }
    jca_pkg pkg;
    char err[700];
    if (jca_parse(text, n, in, &pkg, err, sizeof err) != 0) {
        free(text);
        fprintf(stderr, "%s\n", err);
        return EXIT_USAGE;
    }
    free(text);
    pkg.debug = debug;
    jca_cap out_cap;
    if (jca_build(&pkg, in, &out_cap, err, sizeof err) != 0) {
        jca_free(&pkg);
        fprintf(stderr, "%s\n", err);
        return EXIT_USAGE;
    }
    char def[4200];
    if (!out) {
        size_t l = strlen(in);
        if (l > 4 && strcmp(in + l - 4, ".jca") == 0)
            snprintf(def, sizeof def, "%.*s.cap", (int)(l - 4), in);
        else
            snprintf(def, sizeof def, "%s.cap", in);
        out = def;
    }
    int rc = write_zip(out, pkg.name, &out_cap);
    if (rc == 0) {
        size_t total = 0;
        for (int t = 1; t <= 12; t++)
            total += out_cap.comp[t] ? out_cap.len[t] : 0;
        printf("%s: package %s, %zu classes, %zu applets, %zu bytes of components\n", out, pkg.name,
               pkg.nclasses, pkg.napplets, total);
    }
    jca_cap_free(&out_cap);
    jca_free(&pkg);
    return rc;
}

static int cmd_diff(const char *a, const char *b)
{
    jh_cap ca, cb;
    char err[400];
    if (jh_cap_read(a, &ca, err, sizeof err) != JH_CAP_OK) {
        fprintf(stderr, "jcop-cap: %s: %s\n", a, err);
        return EXIT_ENV;
    }
    if (jh_cap_read(b, &cb, err, sizeof err) != JH_CAP_OK) {
        fprintf(stderr, "jcop-cap: %s: %s\n", b, err);
        jh_cap_free(&ca);
        return EXIT_ENV;
    }
    int differ = 0;
    if (strcmp(ca.path, cb.path) != 0) {
        printf("package path: %s vs %s\n", ca.path, cb.path);
        differ = 1;
    }
    for (unsigned t = 1; t < JH_CAP_NTAGS; t++) {
        const char *name = jcvm_comp_name((uint8_t)t);
        if (!ca.comp[t] && !cb.comp[t])
            continue;
        if (!ca.comp[t] || !cb.comp[t]) {
            printf("%-12s only in %s\n", name, ca.comp[t] ? a : b);
            differ = 1;
            continue;
        }
        if (ca.comp_len[t] == cb.comp_len[t] &&
            memcmp(ca.comp[t], cb.comp[t], ca.comp_len[t]) == 0) {
            printf("%-12s same (%zu bytes)\n", name, ca.comp_len[t]);
            continue;
        }
        size_t m = ca.comp_len[t] < cb.comp_len[t] ? ca.comp_len[t] : cb.comp_len[t], i = 0;
        while (i < m && ca.comp[t][i] == cb.comp[t][i])
            i++;
        printf("%-12s DIFFER: %zu vs %zu bytes, first difference at byte %zu\n", name,
               ca.comp_len[t], cb.comp_len[t], i);
        differ = 1;
    }
    jh_cap_free(&ca);
    jh_cap_free(&cb);
    return differ ? EXIT_CHECK : 0;
}

static void print_api_refs(const capfile *cf)
{
    const jcvm_cap *cap = cf->cap;
    printf("API references (constant pool):\n");
    int any = 0;
    for (unsigned i = 0; i < cap->n_cp; i++) {
        const jcvm_cp_entry *e = &cap->cp[i];
        if (!e->cls.external ||
            ((e->tag == JCVM_CP_STATIC_FIELD || e->tag == JCVM_CP_STATIC_METHOD) && e->internal))
            continue;
        char d[300];
        cp_describe(cap, i, d, sizeof d);
        printf("  %3u  %s\n", i, d);
        any = 1;
    }
    if (!any)
        printf("  none\n");
}

static int cmd_info(const char *path)
{
    capfile cf;
    if (load_cap(path, &cf))
        return EXIT_ENV;
    if (!cf.cap) {
        fprintf(stderr, "jcop-cap: %s: not a valid CAP: %s\n", path, cf.why);
        free_cap(&cf);
        return EXIT_ENV;
    }
    const jcvm_cap *cap = cf.cap;
    printf("file          %s\n", path);
    printf("package       ");
    hex(stdout, cap->pkg.aid.b, cap->pkg.aid.len);
    printf(" version %u.%u  (%s)\n", cap->pkg.major, cap->pkg.minor, cf.zip.path);
    printf("CAP format    %u.%u, flags 0x%02X%s%s%s\n", cap->cap_major, cap->cap_minor, cap->flags,
           cap->flags & JCVM_HDR_INT ? " int" : "", cap->flags & JCVM_HDR_EXPORT ? " export" : "",
           cap->flags & JCVM_HDR_APPLET ? " applet" : "");
    for (unsigned i = 0; i < cap->n_applets; i++) {
        printf("applet        ");
        hex(stdout, cap->applets[i].aid.b, cap->applets[i].aid.len);
        printf("  install() at Method+%u\n", cap->applets[i].install_offset);
    }
    for (unsigned i = 0; i < cap->n_imports; i++) {
        int p = api_pkg_of(cap, i);
        printf("import %-6u ", i);
        hex(stdout, cap->imports[i].aid.b, cap->imports[i].aid.len);
        printf(" %u.%u  %s\n", cap->imports[i].major, cap->imports[i].minor,
               p >= 0 ? jcvm_api_pkgs[p].name : "(not a Java Card 2.2.2 / GP 2.1.1 API package)");
    }
    printf("components   ");
    size_t total = 0;
    for (unsigned t = 1; t < JH_CAP_NTAGS; t++)
        if (cf.zip.comp[t]) {
            printf(" %s %zu", jcvm_comp_name((uint8_t)t), cf.zip.comp_len[t]);
            total += cf.zip.comp_len[t];
        }
    printf("\n              %zu bytes in all, %zu loaded (LOAD's Load File Data Block)\n", total,
           cf.zip.lfdb_len);
    printf("classes       %u, methods %u, exception handlers %u, constant pool %u entries\n",
           cap->n_classes, cap->n_method_starts, cap->n_handlers, cap->n_cp);
    printf("static fields %u bytes (%u references, %u array initializers)\n", cap->sf_image,
           cap->sf_ref_count, cap->n_array_inits);
    print_api_refs(&cf);
    free_cap(&cf);
    return 0;
}

static void disasm_method(const capfile *cf, const descinfo *d, const jcvm_cap_method *m)
{
    const jcvm_cap *cap = cf->cap;
    const dmethod *dm = NULL;
    for (size_t i = 0; i < d->nm; i++)
        if (d->m[i].offset == m->offset && !(d->m[i].access & 0x40 && d->m[i].offset == 0))
            dm = &d->m[i];
    char sig[400] = "";
    if (dm)
        type_string(cf, d, dm->type_off, sig, sizeof sig, 1);
    printf("\nmethod @%04X", m->offset);
    const jca_dbg_class *dk = NULL;
    const jca_dbg_method *dbm = jca_dbg_method_at(g_dbg, m->offset, &dk);
    if (dbm)
        printf(" %s.%s%s", g_dbg->strings[dk->name], g_dbg->strings[dbm->name],
               g_dbg->strings[dbm->desc]);
    if (dm) {
        printf(" class@%04X", dm->class_off);
        if (dm->token != 0xFF)
            printf(" token %u", dm->token);
        printf(" %s%s%s%s%s%s", dm->access & 0x01 ? "public " : "",
               dm->access & 0x02 ? "private " : "", dm->access & 0x04 ? "protected " : "",
               dm->access & 0x08 ? "static " : "", dm->access & 0x80 ? "<init>" : "", sig);
    }
    for (unsigned i = 0; i < cap->n_applets; i++)
        if (cap->applets[i].install_offset == m->offset)
            printf("  (install)");
    printf("\n  stack %u, arguments %u, locals %u%s\n", m->max_stack, m->nargs, m->max_locals,
           m->flags & JCVM_METH_ABSTRACT ? ", abstract" : "");
    for (unsigned h = 0; h < cap->n_handlers; h++) {
        const jcvm_cap_handler *hd = &cap->handlers[h];
        if (hd->start < m->code || hd->start >= m->end)
            continue;
        char cd[300] = "any (finally)";
        if (hd->catch_type)
            cp_describe(cap, hd->catch_type, cd, sizeof cd);
        printf("  handler %u: pc %u..%u -> pc %u, catches %s\n", h, hd->start - m->code,
               hd->start + hd->length - m->code, hd->handler - m->code, cd);
    }
    const uint8_t *code = cap->method;
    size_t pc = m->code;
    while (pc < m->end) {
        size_t len = jcvm_insn_len(code, m->end, pc);
        const jcvm_opinfo *op = jcvm_op(code[pc]);
        char src[200] = ""; /* where a line of the source starts: [hello.jca:93] */
        for (unsigned l = 0; dbm && l < dbm->nlines; l++)
            if (dbm->lines[l].start == pc - m->code)
                snprintf(src, sizeof src, "  [%.160s:%u]", g_dbg->strings[dk->source],
                         dbm->lines[l].line);
        printf("  %5zu: ", pc - m->code);
        if (len == 0) {
            printf("%02X  ?? undecodable\n", code[pc]);
            return;
        }
        printf("%-16s", op->mnemonic);
        const uint8_t *o = code + pc + 1;
        char note[300] = "";
        switch (op->opnd) {
        case JCVM_OPND_NONE:
            break;
        case JCVM_OPND_S1:
            printf(" %d", (int8_t)o[0]);
            break;
        case JCVM_OPND_S2:
            printf(" %d", (int16_t)(o[0] << 8 | o[1]));
            break;
        case JCVM_OPND_S4:
            printf(" %ld", (long)(int32_t)((uint32_t)o[0] << 24 | (uint32_t)o[1] << 16 |
                                           (uint32_t)o[2] << 8 | o[3]));
            break;
        case JCVM_OPND_LOCAL:
        case JCVM_OPND_MN:
            printf(" %u", o[0]);
            break;
        case JCVM_OPND_ATYPE:
            printf(" %u", o[0]);
            snprintf(note, sizeof note, "%s", jcvm_atype_name(o[0]) ? jcvm_atype_name(o[0]) : "?");
            break;
        case JCVM_OPND_LOCAL_S1:
            printf(" %u %d", o[0], (int8_t)o[1]);
            break;
        case JCVM_OPND_LOCAL_S2:
            printf(" %u %d", o[0], (int16_t)(o[1] << 8 | o[2]));
            break;
        case JCVM_OPND_BR1:
            printf(" -> %ld", (long)(pc - m->code) + (int8_t)o[0]);
            break;
        case JCVM_OPND_BR2:
            printf(" -> %ld", (long)(pc - m->code) + (int16_t)(o[0] << 8 | o[1]));
            break;
        case JCVM_OPND_CP1:
            printf(" %u", o[0]);
            cp_describe(cap, o[0], note, sizeof note);
            break;
        case JCVM_OPND_CP2:
            printf(" %u", o[0] << 8 | o[1]);
            cp_describe(cap, (unsigned)(o[0] << 8 | o[1]), note, sizeof note);
            break;
        case JCVM_OPND_TYPE_CP2:
            printf(" %u %u", o[0], o[1] << 8 | o[2]);
            if (o[0] == 0 || o[0] == JCVM_T_REFERENCE)
                cp_describe(cap, (unsigned)(o[1] << 8 | o[2]), note, sizeof note);
            else
                snprintf(note, sizeof note, "%s",
                         jcvm_atype_name(o[0]) ? jcvm_atype_name(o[0]) : "?");
            break;
        case JCVM_OPND_IFACE:
            printf(" %u %u %u", o[0], o[1] << 8 | o[2], o[3]);
            cp_describe(cap, (unsigned)(o[1] << 8 | o[2]), note, sizeof note);
            break;
        case JCVM_OPND_STABLESW:
        case JCVM_OPND_ITABLESW:
        case JCVM_OPND_SLOOKUPSW:
        case JCVM_OPND_ILOOKUPSW: {
            long base = (long)(pc - m->code);
            printf(" default -> %ld", base + (int16_t)(o[0] << 8 | o[1]));
            if (op->opnd == JCVM_OPND_STABLESW || op->opnd == JCVM_OPND_ITABLESW) {
                int w = op->opnd == JCVM_OPND_STABLESW ? 2 : 4;
                long lo = w == 2 ? (int16_t)(o[2] << 8 | o[3])
                                 : (int32_t)((uint32_t)o[2] << 24 | (uint32_t)o[3] << 16 |
                                             (uint32_t)o[4] << 8 | o[5]);
                const uint8_t *t = o + 2 + 2 * w;
                for (size_t k = 0; t + 2 * k + 1 < code + pc + len; k++)
                    printf(", %ld -> %ld", lo + (long)k,
                           base + (int16_t)(t[2 * k] << 8 | t[2 * k + 1]));
            } else {
                int w = op->opnd == JCVM_OPND_SLOOKUPSW ? 2 : 4;
                unsigned np = (unsigned)(o[2] << 8 | o[3]);
                const uint8_t *t = o + 4;
                for (unsigned k = 0; k < np; k++, t += w + 2) {
                    long mv = w == 2 ? (int16_t)(t[0] << 8 | t[1])
                                     : (int32_t)((uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 |
                                                 (uint32_t)t[2] << 8 | t[3]);
                    printf(", %ld -> %ld", mv, base + (int16_t)(t[w] << 8 | t[w + 1]));
                }
            }
            break;
        }
        }
        if (note[0])
            printf("   // %s", note);
        printf("%s\n", src);
        pc += len;
    }
}

static int cmd_disasm(const char *path)
{
    capfile cf;
    if (load_cap(path, &cf))
        return EXIT_ENV;
    if (!cf.cap) {
        fprintf(stderr, "jcop-cap: %s: not a valid CAP: %s\n", path, cf.why);
        free_cap(&cf);
        return EXIT_ENV;
    }
    if (load_debug(path, &cf)) {
        free_cap(&cf);
        return EXIT_USAGE;
    }
    descinfo d;
    if (decode_descriptor(&cf, &d, NULL))
        printf("(Descriptor component malformed: names and signatures omitted)\n");
    printf("package %s, %u methods%s\n", cf.has_dbg ? cf.dbg.strings[cf.dbg.package] : cf.zip.path,
           cf.cap->n_method_starts,
           cf.has_dbg ? " (names and lines from the Debug component)"
                      : " (no Debug component: classes by offset, methods by token)");
    for (unsigned i = 0; i < cf.cap->n_method_starts; i++) {
        jcvm_cap_method m;
        if (jcvm_cap_method_at(cf.cap, cf.cap->method_starts[i], &m))
            disasm_method(&cf, &d, &m);
    }
    free(d.m);
    free_cap(&cf);
    return 0;
}

static void dump_debug(const jca_dbg *d)
{
    char *const *S = d->strings;
    printf("  %u strings, package %s, %u classes\n", d->nstrings, S[d->package], d->nclasses);
    for (unsigned c = 0; c < d->nclasses; c++) {
        const jca_dbg_class *k = &d->classes[c];
        printf("  class %s access 0x%04X at class@%04X extends %s, source %s\n", S[k->name],
               k->access, k->location, S[k->super], S[k->source]);
        for (unsigned i = 0; i < k->nifaces; i++)
            printf("    implements %s\n", S[k->ifaces[i]]);
        for (unsigned f = 0; f < k->nfields; f++) {
            const jca_dbg_field *fd = &k->fields[f];
            const char *what = !(fd->access & 0x0008)      ? "token"
                               : (fd->contents >> 16) == 0 ? "static image offset"
                                                           : "constant";
            printf("    field %s %s access 0x%04X, %s %u\n", S[fd->name], S[fd->desc], fd->access,
                   what, (unsigned)(what[0] == 'c' ? fd->contents : fd->contents & 0xFFFF));
        }
        for (unsigned m = 0; m < k->nmethods; m++) {
            const jca_dbg_method *md = &k->methods[m];
            printf(
                "    method %s%s access 0x%04X at @%04X, header %u, body %u bytes, %u variables, "
                "%u lines\n",
                S[md->name], S[md->desc], md->access, md->location, md->header, md->body, md->nvars,
                md->nlines);
            for (unsigned v = 0; v < md->nvars; v++)
                printf("      variable %u %s %s, pc %u..%u\n", md->vars[v].index,
                       S[md->vars[v].name], S[md->vars[v].desc], md->vars[v].start,
                       md->vars[v].start + md->vars[v].length);
            for (unsigned l = 0; l < md->nlines; l++)
                printf("      line %u: pc %u..%u\n", md->lines[l].line, md->lines[l].start,
                       md->lines[l].end);
        }
    }
}

static int cmd_dump(const char *path)
{
    capfile cf;
    if (load_cap(path, &cf))
        return EXIT_ENV;
    if (!cf.cap) {
        fprintf(stderr, "jcop-cap: %s: not a valid CAP: %s\n", path, cf.why);
        free_cap(&cf);
        return EXIT_ENV;
    }
    if (load_debug(path, &cf)) {
        free_cap(&cf);
        return EXIT_USAGE;
    }
    const jcvm_cap *cap = cf.cap;
    for (unsigned t = 1; t < JH_CAP_NTAGS; t++) {
        if (!cf.zip.comp[t])
            continue;
        printf("%s component (tag %u, %zu bytes)\n", jcvm_comp_name((uint8_t)t), t,
               cf.zip.comp_len[t] - 3);
        switch (t) {
        case JCVM_COMP_HEADER:
            printf("  magic DECAFFED, CAP %u.%u, flags 0x%02X, package ", cap->cap_major,
                   cap->cap_minor, cap->flags);
            hex(stdout, cap->pkg.aid.b, cap->pkg.aid.len);
            printf(" %u.%u%s%s\n", cap->pkg.major, cap->pkg.minor, cap->pkg_name[0] ? " name " : "",
                   cap->pkg_name);
            break;
        case JCVM_COMP_DIRECTORY:
            printf("  sizes:");
            for (unsigned k = 1; k <= (cap->cap_minor >= 2 ? 12u : 11u); k++)
                printf(" %s %u", jcvm_comp_name((uint8_t)k), cap->dir_sizes[k]);
            printf("\n  static image %u, array inits %u (%u bytes), imports %u, applets %u\n",
                   cap->sf_image_size, cap->sf_array_init_count, cap->sf_array_init_size,
                   cap->dir_import_count, cap->dir_applet_count);
            break;
        case JCVM_COMP_APPLET:
            for (unsigned i = 0; i < cap->n_applets; i++) {
                printf("  applet ");
                hex(stdout, cap->applets[i].aid.b, cap->applets[i].aid.len);
                printf(" install @%04X\n", cap->applets[i].install_offset);
            }
            break;
        case JCVM_COMP_IMPORT:
            for (unsigned i = 0; i < cap->n_imports; i++) {
                int p = api_pkg_of(cap, i);
                printf("  %u: ", i);
                hex(stdout, cap->imports[i].aid.b, cap->imports[i].aid.len);
                printf(" %u.%u %s\n", cap->imports[i].major, cap->imports[i].minor,
                       p >= 0 ? jcvm_api_pkgs[p].name : "");
            }
            break;
        case JCVM_COMP_CONSTANT_POOL:
            for (unsigned i = 0; i < cap->n_cp; i++) {
                char dd[300];
                cp_describe(cap, i, dd, sizeof dd);
                printf("  %3u: %s\n", i, dd);
            }
            break;
        case JCVM_COMP_CLASS:
            for (unsigned i = 0; i < cap->n_classes; i++) {
                const jcvm_cap_class *k = &cap->classes[i];
                if (k->is_interface) {
                    printf("  @%04X interface flags 0x%X, %u superinterfaces\n", k->offset,
                           k->flags, k->n_ifaces);
                    continue;
                }
                char sn[200] = "none";
                if (k->has_super)
                    class_name(cap, k->super, sn, sizeof sn);
                printf("  @%04X class flags 0x%X extends %s, instance size %u, refs %u from token "
                       "%u\n",
                       k->offset, k->flags, sn, k->instance_size, k->ref_count, k->first_ref_token);
                printf("        public methods %u from token %u:", k->pub_count, k->pub_base);
                for (unsigned j = 0; j < k->pub_count; j++)
                    printf(" %04X", k->pub_table[2 * j] << 8 | k->pub_table[2 * j + 1]);
                printf("\n        package methods %u from token %u:", k->pkg_count, k->pkg_base);
                for (unsigned j = 0; j < k->pkg_count; j++)
                    printf(" %04X", k->pkg_table[2 * j] << 8 | k->pkg_table[2 * j + 1]);
                printf("\n");
                for (unsigned j = 0; j < k->n_ifaces; j++) {
                    char in[200];
                    class_name(cap, k->impls[j].iface, in, sizeof in);
                    printf("        implements %s:", in);
                    for (unsigned x = 0; x < k->impls[j].count; x++)
                        printf(" %u", k->impls[j].index[x]);
                    printf("\n");
                }
            }
            break;
        case JCVM_COMP_METHOD:
            printf("  %u exception handlers, %u methods (see disasm)\n", cap->n_handlers,
                   cap->n_method_starts);
            for (unsigned h = 0; h < cap->n_handlers; h++)
                printf("  handler %u: @%04X+%u -> @%04X catch %u%s\n", h, cap->handlers[h].start,
                       cap->handlers[h].length, cap->handlers[h].handler,
                       cap->handlers[h].catch_type, cap->handlers[h].stop ? " stop" : "");
            for (unsigned i = 0; i < cap->n_method_starts; i++) {
                jcvm_cap_method m;
                if (jcvm_cap_method_at(cap, cap->method_starts[i], &m))
                    printf("  method @%04X: stack %u args %u locals %u, %u bytes of code%s\n",
                           m.offset, m.max_stack, m.nargs, m.max_locals, m.end - m.code,
                           m.flags & JCVM_METH_ABSTRACT ? ", abstract" : "");
            }
            break;
        case JCVM_COMP_STATIC_FIELD:
            printf("  image %u bytes, %u references, %u default bytes, %u non-default bytes\n",
                   cap->sf_image, cap->sf_ref_count, cap->sf_default_count,
                   cap->sf_nondefault_count);
            for (unsigned i = 0; i < cap->n_array_inits; i++) {
                static const char *const ty[] = {"?", "?", "boolean", "byte", "short", "int"};
                printf("  array init %u: %s, %u bytes: ", i,
                       cap->array_inits[i].type <= 5 ? ty[cap->array_inits[i].type] : "?",
                       cap->array_inits[i].count);
                hex(stdout, cap->array_inits[i].values, cap->array_inits[i].count);
                printf("\n");
            }
            if (cap->sf_nondefault_count) {
                printf("  non-default values: ");
                hex(stdout, cap->sf_nondefault, cap->sf_nondefault_count);
                printf("\n");
            }
            break;
        case JCVM_COMP_REF_LOCATION:
            printf("  one-byte CP indices at (%u):", cap->n_ref1);
            for (unsigned i = 0; i < cap->n_ref1; i++)
                printf(" %u", cap->ref1[i]);
            printf("\n  two-byte CP indices at (%u):", cap->n_ref2);
            for (unsigned i = 0; i < cap->n_ref2; i++)
                printf(" %u", cap->ref2[i]);
            printf("\n");
            break;
        case JCVM_COMP_EXPORT:
            for (unsigned i = 0; i < cap->n_export; i++)
                printf("  class @%04X: %u static fields, %u static methods\n",
                       cap->exports[i].class_offset, cap->exports[i].n_fields,
                       cap->exports[i].n_methods);
            break;
        case JCVM_COMP_DESCRIPTOR: {
            descinfo d;
            if (decode_descriptor(&cf, &d, stdout))
                printf("  (malformed)\n");
            free(d.m);
            break;
        }
        case JCVM_COMP_DEBUG:
            dump_debug(&cf.dbg);
            break;
        default:
            printf("  ");
            hex(stdout, cf.zip.comp[t] + 3,
                cf.zip.comp_len[t] - 3 > 64 ? 64 : cf.zip.comp_len[t] - 3);
            printf("%s\n", cf.zip.comp_len[t] - 3 > 64 ? "..." : "");
        }
    }
    free_cap(&cf);
    return 0;
}

/* ---- verify ---- */

/* Signatures for the verifier: the API token tables, and the Descriptor of
 * library packages given with --library (packages already on the card). */
typedef struct {
    capfile *libs;
    descinfo *ldesc;
    size_t nlibs;
    char buf[600];
} resolver;

static int lib_of(const resolver *r, const jcvm_cap *cap, unsigned imp)
{
    if (imp >= cap->n_imports)
        return -1;
    for (size_t i = 0; i < r->nlibs; i++) {
        const jcvm_cap *l = r->libs[i].cap;
        if (l && l->pkg.aid.len == cap->imports[imp].aid.len &&
            memcmp(l->pkg.aid.b, cap->imports[imp].aid.b, l->pkg.aid.len) == 0)
            return (int)i;
    }
    return -1;
}

static const char *lib_sig(resolver *r, int li, unsigned cls_token, bool is_static, unsigned token)
{
    const capfile *cf = &r->libs[li];
    const descinfo *d = &r->ldesc[li];
    /* class tokens are in the Descriptor's class records (by Class offset) */
    const uint8_t *b = cf->zip.comp[11] ? cf->zip.comp[11] + 3 : NULL;
    if (!b)
        return NULL;
    size_t n = cf->zip.comp_len[11] - 3, o = 1;
    unsigned ncls = n ? b[0] : 0;
    for (unsigned k = 0; k < ncls; k++) {
        if (o + 9 > n)
            return NULL;
        unsigned tok = b[o], off = (unsigned)(b[o + 2] << 8 | b[o + 3]);
        unsigned nif = b[o + 4], nf = (unsigned)(b[o + 5] << 8 | b[o + 6]);
        o += 9 + 2 * (size_t)nif + 7 * (size_t)nf + 12 * (size_t)(b[o + 7] << 8 | b[o + 8]);
        if (tok != cls_token)
            continue;
        for (size_t m = 0; m < d->nm; m++) {
            const dmethod *dm = &d->m[m];
            bool st = (dm->access & 0x08) || (dm->access & 0x80);
            if (dm->class_off == off && dm->token == token && st == is_static) {
                type_string(cf, d, dm->type_off, r->buf, sizeof r->buf, 1);
                return r->buf;
            }
        }
    }
    return NULL;
}

static const char *res_cp_sig(void *ctx, const jcvm_cap *cap, uint16_t idx)
{
    resolver *r = ctx;
    const jcvm_cp_entry *e = &cap->cp[idx];
    if (!e->cls.external || (e->internal && (e->tag == JCVM_CP_STATIC_METHOD)))
        return NULL;
    bool st = e->tag == JCVM_CP_STATIC_METHOD;
    int p = api_pkg_of(cap, e->cls.pkg);
    if (p >= 0) {
        const char *nm = api_member(p, e->cls.token, st ? 'S' : 'V', e->token);
        return nm ? strchr(nm, '(') : NULL;
    }
    int li = lib_of(r, cap, e->cls.pkg);
    return li >= 0 ? lib_sig(r, li, e->cls.token, st, e->token) : NULL;
}

static const char *res_iface_sig(void *ctx, const jcvm_cap *cap, uint16_t idx, uint8_t token)
{
    resolver *r = ctx;
    const jcvm_cp_entry *e = &cap->cp[idx];
    if (!e->cls.external)
        return NULL;
    int p = api_pkg_of(cap, e->cls.pkg);
    if (p >= 0) {
        const char *nm = api_member(p, e->cls.token, 'V', token);
        return nm ? strchr(nm, '(') : NULL;
    }
    int li = lib_of(r, cap, e->cls.pkg);
    return li >= 0 ? lib_sig(r, li, e->cls.token, false, token) : NULL;
}

static int cmd_verify(const char *path, const char *profile, char **libs, size_t nlibs)
{
    const jc_profile *prof = jc_profile_find(profile);
    if (!prof) {
        fprintf(stderr, "jcop-cap: unknown profile %s (J2A040, J2E145)\n", profile);
        return EXIT_USAGE;
    }
    /* The card's VM as the card is configured (jcvm_config_default). */
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    jcvm *vm = jcvm_new(&cfg);
    resolver res = {0};
    res.libs = calloc(nlibs + 1, sizeof(capfile));
    res.ldesc = calloc(nlibs + 1, sizeof(descinfo));
    if (!vm || !res.libs || !res.ldesc) {
        jcvm_free(vm);
        free(res.libs);
        free(res.ldesc);
        fprintf(stderr, "jcop-cap: out of memory\n");
        return EXIT_ENV;
    }
    int rc = EXIT_ENV, refused = 0;
    uint16_t sw = 0;
    char why[400];
    capfile cf;
    memset(&cf, 0, sizeof cf);
    for (size_t i = 0; i < nlibs; i++, res.nlibs++) {
        if (load_cap(libs[i], &res.libs[i]))
            goto done;
        if (!res.libs[i].cap) {
            fprintf(stderr, "jcop-cap: %s: not a valid CAP: %s\n", libs[i], res.libs[i].why);
            res.nlibs++;
            goto done;
        }
        decode_descriptor(&res.libs[i], &res.ldesc[i], NULL);
        if (jcvm_load(vm, res.libs[i].zip.lfdb, res.libs[i].zip.lfdb_len, &sw, why, sizeof why)) {
            printf("%s: the library %s is refused by the card itself (SW %04X): %s\n", path,
                   libs[i], sw, why);
            rc = EXIT_CHECK;
            res.nlibs++;
            goto done;
        }
    }
    if (load_cap(path, &cf))
        goto done;
    if (!cf.cap) {
        printf("%s: REFUSED (structure): %s\n", path, cf.why);
        rc = EXIT_CHECK;
        goto done;
    }
    const jcvm_cap *cap = cf.cap;
    /* every import, each with its reason (the card's LOAD stops at the first) */
    for (unsigned i = 0; i < cap->n_imports; i++) {
        int p = api_pkg_of(cap, i);
        int li = lib_of(&res, cap, i);
        char aid[40] = "";
        for (unsigned k = 0; k < cap->imports[i].aid.len; k++)
            snprintf(aid + 2 * k, sizeof aid - 2 * k, "%02X", cap->imports[i].aid.b[k]);
        if (p >= 0) {
            if (cap->imports[i].major != jcvm_api_pkgs[p].major ||
                cap->imports[i].minor > jcvm_api_pkgs[p].minor) {
                printf("%s: REFUSED (link): import %u %s %u.%u, the %s card has %u.%u\n", path, i,
                       jcvm_api_pkgs[p].name, cap->imports[i].major, cap->imports[i].minor, profile,
                       jcvm_api_pkgs[p].major, jcvm_api_pkgs[p].minor);
                refused = 1;
            }
        } else if (li >= 0) {
            const jcvm_cap *l = res.libs[li].cap;
            if (l->pkg.major != cap->imports[i].major || l->pkg.minor < cap->imports[i].minor) {
                printf("%s: REFUSED (link): import %u %s %u.%u, the library %s is %u.%u\n", path, i,
                       aid, cap->imports[i].major, cap->imports[i].minor, libs[li], l->pkg.major,
                       l->pkg.minor);
                refused = 1;
            }
        } else {
            printf("%s: REFUSED (link): import %u %s %u.%u is neither an API package of the %s "
                   "card nor a --library package\n",
                   path, i, aid, cap->imports[i].major, cap->imports[i].minor, profile);
            refused = 1;
        }
    }
    if ((cap->flags & JCVM_HDR_INT) && !cfg.int_support) {
        printf("%s: REFUSED (link): the CAP uses int and the %s card has no int support\n", path,
               profile);
        refused = 1;
    }
    jcvm_verify_env env = {.cp_sig = res_cp_sig, .iface_sig = res_iface_sig, .ctx = &res};
    const jcvm_cap *loaded[32];
    for (size_t i = 0; i < res.nlibs && i < 32; i++)
        loaded[i] = res.libs[i].cap;
    if (jcvm_verify_package_with(cap, loaded, res.nlibs, &env, why, sizeof why) != 0) {
        printf("%s: REFUSED (verifier): %s\n", path, why);
        refused = 1;
    }
    /* and the card's own LOAD (parse, verify, link by tokens), as LOAD delivers it */
    if (!refused && jcvm_load(vm, cf.zip.lfdb, cf.zip.lfdb_len, &sw, why, sizeof why) != 0) {
        printf("%s: REFUSED (LOAD, SW %04X): %s\n", path, sw, why);
        refused = 1;
    }
    if (!refused)
        printf("%s: accepted by the %s card's verifier and linker (%u methods)\n", path, profile,
               cap->n_method_starts);
    rc = refused ? EXIT_CHECK : 0;
done:
    for (size_t i = 0; i < res.nlibs; i++) {
        free_cap(&res.libs[i]);
        free(res.ldesc[i].m);
    }
    free(res.libs);
    free(res.ldesc);
    free_cap(&cf);
    jcvm_free(vm);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"profile", required_argument, NULL, 'p'},
                                         {"library", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"debug", no_argument, NULL, 'g'},
                                         {NULL, 0, NULL, 0}};
    const char *out = NULL, *profile = "J2A040";
    int debug = 0;
    char *libs[32];
    size_t nlibs = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+o:p:l:ghV", opts, NULL)) != -1) {
        switch (c) {
        case 'g':
            debug = 1;
            break;
        case 'l':
            if (nlibs == sizeof libs / sizeof libs[0]) {
                fprintf(stderr, "jcop-cap: at most 32 --library packages\n");
                return EXIT_USAGE;
            }
            libs[nlibs++] = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'p':
            profile = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("jcop-cap %s\n", JCOPSIM_VERSION);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[optind++];
    /* options may also follow the subcommand */
    while ((c = getopt_long(argc, argv, "o:p:l:g", opts, NULL)) != -1) {
        if (c == 'g')
            debug = 1;
        else if (c == 'l' && nlibs < sizeof libs / sizeof libs[0])
            libs[nlibs++] = optarg;
        else if (c == 'o')
            out = optarg;
        else if (c == 'p')
            profile = optarg;
        else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    int nargs = argc - optind;
    char **args = argv + optind;
    if (strcmp(cmd, "asm") == 0 && nargs == 1)
        return cmd_asm(args[0], out, debug);
    if (debug) {
        fprintf(stderr, "jcop-cap: --debug is an option of asm\n");
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "diff") == 0 && nargs == 2)
        return cmd_diff(args[0], args[1]);
    if (strcmp(cmd, "info") == 0 && nargs == 1)
        return cmd_info(args[0]);
    if (strcmp(cmd, "dump") == 0 && nargs == 1)
        return cmd_dump(args[0]);
    if (strcmp(cmd, "disasm") == 0 && nargs == 1)
        return cmd_disasm(args[0]);
    if (strcmp(cmd, "verify") == 0 && nargs == 1)
        return cmd_verify(args[0], profile, libs, nlibs);
    fprintf(stderr, "jcop-cap: unknown subcommand or wrong arguments: %s\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
