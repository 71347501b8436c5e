/*
 * jca.h: Java Card Assembly (.jca) as the reference converter writes it, read
 * into a package model, and the CAP components built from that model.
 *
 * The reader is line-oriented like the converter's output: one statement per
 * line ending with ';', blocks opened by a line ending with '{' and closed by
 * a line holding '}'. Comments start with "//". Errors are "file:line: message".
 */
#ifndef JCA_H
#define JCA_H

#include <stddef.h>
#include <stdint.h>

#define JCA_AID_MAX 16
#define JCA_NAME_MAX 128
#define JCA_SIG_MAX 256

typedef struct {
    uint8_t len;
    uint8_t b[JCA_AID_MAX];
} jca_aid;

/* A class reference as written: internal (class name) or external (pkg.class). */
typedef struct {
    int external;            /* 1: pkg_token.class_token */
    uint8_t pkg, cls;        /* external tokens */
    char name[JCA_NAME_MAX]; /* internal class name */
} jca_classref;

/* A field type: primitive ('B','S','Z','I'), reference, or array thereof. */
typedef struct {
    char prim;        /* 'B','S','Z','I' or 0 for a class type */
    int array;        /* 1 for T[] */
    jca_classref cls; /* when prim == 0 */
} jca_type;

enum {
    JCA_CP_CLASS = 1,
    JCA_CP_IFIELD,
    JCA_CP_VMETHOD,
    JCA_CP_SMETHOD_SUPER,
    JCA_CP_SFIELD,
    JCA_CP_SMETHOD
};
/* CP tags as in the CAP: 1 class, 2 instance field, 3 virtual method, 4 super method,
 * 5 static field, 6 static method. */

typedef struct {
    uint8_t tag;
    jca_classref cls;          /* class (for all but internal static refs: owner) */
    char member[JCA_NAME_MAX]; /* internal member name (field or method) */
    char sig[JCA_SIG_MAX];     /* method signature or field type descriptor */
    jca_type ftype;            /* field refs */
    int ext_token;             /* external member token, -1 internal */
    int line;
} jca_cpent;

/* .descriptor lines: JVM class descriptor -> class ref (for type descriptors). */
typedef struct {
    char desc[JCA_SIG_MAX];
    jca_classref cls;
} jca_descmap;

typedef struct {
    char name[JCA_NAME_MAX];
    unsigned access; /* JCA_ACC_* */
    int token;       /* -1 when none written */
    jca_type type;
    int has_init;     /* "= value" or "= {...}" */
    long init;        /* primitive initial value */
    uint8_t *arr;     /* array initializer, encoded big-endian per element */
    size_t arr_count; /* elements */
    int line;
} jca_field;

typedef struct {
    char label[32];
    uint32_t pc; /* filled while encoding */
} jca_label;

typedef struct {
    int start, end, handler; /* label indexes */
    int catch_idx;
} jca_handler;

typedef struct {
    int label; /* label index defined on this insn, or -1 */
    uint8_t opcode;
    long ops[4]; /* numeric operands */
    int nops;
    int *targets;  /* label indexes for branches/switches (default first) */
    long *matches; /* lookupswitch matches */
    size_t ntargets;
    int line;
    uint32_t pc; /* filled by the builder: offset from the method's first bytecode */
} jca_insn;

typedef struct {
    char name[JCA_NAME_MAX];
    char sig[JCA_SIG_MAX];
    unsigned access;
    int token; /* -1 when none written */
    int stack, locals;
    jca_insn *code;
    size_t ncode;
    jca_label *labels;
    size_t nlabels;
    jca_handler *handlers;
    size_t nhandlers;
    jca_descmap *descs; /* .descriptor lines of the method */
    size_t ndescs;
    int line;
    /* filled by the builder */
    uint32_t offset; /* method_info offset in the Method component's info */
    uint32_t code_len;
    int header_len;
    int nargs;
} jca_method;

typedef struct {
    int is_interface;
    char name[JCA_NAME_MAX];
    unsigned access;
    int token; /* -1 when none written */
    int has_super;
    jca_classref super;
    int shareable;
    jca_classref *supers; /* superInterfaces of an interface */
    size_t nsupers;
    jca_field *fields;
    size_t nfields;
    int pub_base, pkg_base;
    char (*pub_table)[JCA_SIG_MAX * 2];
    size_t npub;
    char (*pkg_table)[JCA_SIG_MAX * 2];
    size_t npkg;
    struct jca_iface_impl {
        jca_classref iface;
        int *index;
        size_t nindex;
    } * impls;
    size_t nimpls;
    jca_method *methods;
    size_t nmethods;
    int line;
    uint16_t offset; /* filled by the builder: offset in the Class component's info */
} jca_class;

enum {
    JCA_ACC_PUBLIC = 0x01,
    JCA_ACC_PRIVATE = 0x02,
    JCA_ACC_PROTECTED = 0x04,
    JCA_ACC_STATIC = 0x08,
    JCA_ACC_FINAL = 0x10,
    JCA_ACC_ABSTRACT = 0x40,
};

typedef struct {
    char name[JCA_NAME_MAX]; /* slash form: jcopsim/test/echo */
    jca_aid aid;
    int major, minor;
    struct jca_import {
        jca_aid aid;
        int major, minor;
    } * imports;
    size_t nimports;
    struct jca_applet {
        jca_aid aid;
        char cls[JCA_NAME_MAX];
    } * applets;
    size_t napplets;
    jca_cpent *cp;
    size_t ncp;
    jca_descmap *cpdescs; /* .descriptor lines inside .constantPool */
    size_t ncpdescs;
    jca_class *classes;
    size_t nclasses;
    int uses_int;
    int debug; /* set by the caller: jca_build adds a Debug component (CAP format 2.2) */
} jca_pkg;

/* Parse a .jca text. fname is used in messages. Returns 0, or -1 with
 * "fname:line: message" in err. */
int jca_parse(const char *text, size_t len, const char *fname, jca_pkg *pkg, char *err,
              size_t errlen);
void jca_free(jca_pkg *pkg);

/* CAP components built from a parsed package, by tag (1..11; 12 Debug when pkg->debug,
 * the Header then saying CAP format 2.2 and the Directory listing 12 component sizes). */
typedef struct {
    uint8_t *comp[13];
    size_t len[13];
} jca_cap;

int jca_build(jca_pkg *pkg, const char *fname, jca_cap *out, char *err, size_t errlen);
void jca_cap_free(jca_cap *cap);

/* Component file names by tag ("Header.cap"), NULL for an unknown tag. */
const char *jca_component_file(unsigned tag);

/* A growable byte buffer, shared by the assembler's writers (jca_build.c,
   jca_desc.c). Out of memory ends the program with exit 3. */
typedef struct {
    uint8_t *b;
    size_t n, cap;
} jca_buf;
void jca_put(jca_buf *o, const void *p, size_t n);
void jca_u1(jca_buf *o, unsigned v);
void jca_u2(jca_buf *o, unsigned v);

/* ---- the Debug component (jca_debug.c) ---- */
typedef struct {
    uint16_t start, end, line; /* pcs from the method's first bytecode, both inclusive */
} jca_dbg_line;
typedef struct {
    uint8_t index;
    uint16_t name, desc, start, length;
} jca_dbg_var;
typedef struct {
    uint16_t name, desc, access, location; /* location 0 and header 0: abstract */
    uint8_t header;
    uint16_t body, nvars, nlines;
    jca_dbg_var *vars;
    jca_dbg_line *lines;
} jca_dbg_method;
typedef struct {
    uint16_t name, desc, access;
    uint32_t contents; /* instance: token; static: image offset; constant: value */
} jca_dbg_field;
typedef struct {
    uint16_t name, access, location, super, source;
    uint8_t nifaces;
    uint16_t nfields, nmethods;
    uint16_t *ifaces;
    jca_dbg_field *fields;
    jca_dbg_method *methods;
} jca_dbg_class;
typedef struct {
    uint16_t nstrings;
    char **strings; /* NUL-terminated copies (a string holding NUL is refused) */
    uint16_t package, nclasses;
    jca_dbg_class *classes;
} jca_dbg;

/* Read a Debug component's info (after tag and size): 0, or -1 with a one-line
 * reason ("Debug component: ..."); every count, index and pc is checked. */
int jca_dbg_read(const uint8_t *info, size_t n, jca_dbg *d, char *why, size_t whylen);
void jca_dbg_free(jca_dbg *d);
/* The method at a Method component offset / the class at a Class component offset. */
const jca_dbg_method *jca_dbg_method_at(const jca_dbg *d, unsigned location,
                                        const jca_dbg_class **cls);
const jca_dbg_class *jca_dbg_class_at(const jca_dbg *d, unsigned location);
/* Write the Debug component's info of a built package (sf_off: static image offsets per
 * class and field, -1 for constants; fname: the .jca, its base name the source file). */
int jca_debug(const jca_pkg *p, int **sf_off, const char *fname, jca_buf *out);

#endif
