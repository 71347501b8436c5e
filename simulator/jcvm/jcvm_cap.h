/*
 * jcvm_cap.h: the parsed model of a Java Card CAP file as GlobalPlatform LOAD
 * delivers it (the Load File Data Block: components concatenated, each
 * `tag u1 | size u2 | info[size]`), CAP format 2.1 and 2.2 (JCVM 2.2.2 ch. 6).
 *
 * jcvm_cap_parse() copies the bytes, checks every count, offset and size of
 * every component it models and refuses truncated, duplicated or
 * inconsistent input with a one-line reason. Everything it returns points
 * into its own copy, so the model lives until jcvm_cap_free(). It checks the
 * structure only; bytecode is checked by the verifier (jcvm_verify.c).
 *
 * Pure: no I/O. Shared with the verifier, the jcop-cap tool and the
 * assembler, so this API is kept stable.
 */
#ifndef JCVM_CAP_H
#define JCVM_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_state.h" /* jc_aid */

/* Component tags (JCVM 2.2.2 §6.1). */
enum {
    JCVM_COMP_HEADER = 1,
    JCVM_COMP_DIRECTORY = 2,
    JCVM_COMP_APPLET = 3,
    JCVM_COMP_IMPORT = 4,
    JCVM_COMP_CONSTANT_POOL = 5,
    JCVM_COMP_CLASS = 6,
    JCVM_COMP_METHOD = 7,
    JCVM_COMP_STATIC_FIELD = 8,
    JCVM_COMP_REF_LOCATION = 9,
    JCVM_COMP_EXPORT = 10,
    JCVM_COMP_DESCRIPTOR = 11,
    JCVM_COMP_DEBUG = 12,
    JCVM_COMP_MAX = 12
};

/* Header flags */
#define JCVM_HDR_INT 0x01u
#define JCVM_HDR_EXPORT 0x02u
#define JCVM_HDR_APPLET 0x04u

/* Constant pool entry tags (§6.7) */
enum {
    JCVM_CP_CLASSREF = 1,
    JCVM_CP_INSTANCE_FIELD = 2,
    JCVM_CP_VIRTUAL_METHOD = 3,
    JCVM_CP_SUPER_METHOD = 4,
    JCVM_CP_STATIC_FIELD = 5,
    JCVM_CP_STATIC_METHOD = 6
};

/* Class/interface flags (high nibble of the bitfield, §6.8) */
#define JCVM_ACC_INTERFACE 0x8u
#define JCVM_ACC_SHAREABLE 0x4u
#define JCVM_ACC_REMOTE 0x2u

/* Method header flags (§6.9) */
#define JCVM_METH_EXTENDED 0x8u
#define JCVM_METH_ABSTRACT 0x4u

#define JCVM_CAP_MAX_IMPORTS 128
#define JCVM_CAP_MAX_APPLETS 16
#define JCVM_CAP_MAX_IFACES 15

/* A class_ref: either internal (offset into the Class component's info) or
 * external (package token = index into the Import component, class token). */
typedef struct {
    bool external;
    uint8_t pkg;     /* external: import index */
    uint8_t token;   /* external: class token */
    uint16_t offset; /* internal: offset in the Class component info */
} jcvm_classref;

/* One raw component as delivered. */
typedef struct {
    bool present;
    uint16_t size;       /* info size */
    const uint8_t *info; /* size bytes, inside jcvm_cap.bytes */
    uint32_t at;         /* offset of the tag byte in the LFDB */
} jcvm_cap_comp;

typedef struct {
    jc_aid aid;
    uint8_t major, minor;
} jcvm_cap_pkg;

typedef struct {
    jc_aid aid;
    uint16_t install_offset; /* offset of install() in the Method component info */
} jcvm_cap_applet;

/* Decoded constant pool entry. */
typedef struct {
    uint8_t tag;       /* JCVM_CP_* */
    jcvm_classref cls; /* CLASSREF, INSTANCE_FIELD, VIRTUAL/SUPER_METHOD; STATIC_* external */
    uint8_t token;     /* field/method token (external static refs: member token) */
    bool internal;     /* STATIC_FIELD/STATIC_METHOD: internal reference */
    uint16_t offset;   /* internal static field (image offset) or method (Method info offset) */
} jcvm_cp_entry;

/* implemented_interface_info */
typedef struct {
    jcvm_classref iface;
    uint8_t count;
    const uint8_t *index; /* count bytes: interface method token -> class virtual token */
} jcvm_cap_impl;

/* One class or interface of the Class component. */
typedef struct {
    uint16_t offset; /* offset in the Class component info (what internal class_refs hold) */
    uint8_t flags;   /* JCVM_ACC_* */
    bool is_interface;
    uint8_t n_ifaces; /* interface: superinterfaces; class: implemented interfaces */
    jcvm_classref supers[JCVM_CAP_MAX_IFACES]; /* interface: superinterfaces */
    /* class only: */
    bool has_super; /* false only for java.lang.Object (0xFFFF) */
    jcvm_classref super;
    uint8_t instance_size;   /* declared_instance_size, in 16-bit cells */
    uint8_t first_ref_token; /* 0xFF = no reference fields */
    uint8_t ref_count;
    uint8_t pub_base, pub_count;
    const uint8_t *pub_table; /* pub_count u2 offsets into Method info (0xFFFF = inherited) */
    uint8_t pkg_base, pkg_count;
    const uint8_t *pkg_table;
    jcvm_cap_impl impls[JCVM_CAP_MAX_IFACES];
} jcvm_cap_class;

typedef struct {
    uint16_t start;      /* start_offset into Method info */
    uint16_t length;     /* active_length */
    bool stop;           /* stop_bit: last handler of its try block nesting */
    uint16_t handler;    /* handler_offset */
    uint16_t catch_type; /* constant pool index of a CLASSREF, 0 = any (finally) */
} jcvm_cap_handler;

/* A method header decoded (jcvm_cap_method_at). */
typedef struct {
    uint16_t offset; /* offset of the header in Method info */
    uint8_t flags;   /* JCVM_METH_* */
    uint8_t max_stack;
    uint8_t nargs;      /* in cells, including `this` */
    uint8_t max_locals; /* in cells, excluding the arguments */
    uint16_t code;      /* offset of the first bytecode */
    uint16_t end;       /* offset just past the last bytecode (see jcvm_cap_method_at) */
} jcvm_cap_method;

typedef struct {
    uint16_t class_offset;
    uint8_t n_fields, n_methods;
    const uint8_t *field_offsets;  /* n_fields u2 (static field image offsets) */
    const uint8_t *method_offsets; /* n_methods u2 (Method info offsets) */
} jcvm_cap_export_class;

typedef struct {
    uint8_t type;   /* 2 boolean, 3 byte, 4 short, 5 int */
    uint16_t count; /* bytes in values */
    const uint8_t *values;
} jcvm_cap_array_init;

typedef struct jcvm_cap {
    uint8_t *bytes; /* owned copy of the LFDB */
    size_t len;
    jcvm_cap_comp comp[JCVM_COMP_MAX + 1]; /* by tag; [0] unused */

    /* Header */
    uint8_t cap_minor, cap_major, flags;
    jcvm_cap_pkg pkg;
    char pkg_name[256]; /* package_name_info, if present ("" otherwise) */

    /* Directory */
    uint16_t dir_sizes[JCVM_COMP_MAX + 1]; /* declared component sizes by tag */
    uint16_t sf_image_size, sf_array_init_count, sf_array_init_size;
    uint8_t dir_import_count, dir_applet_count;

    /* Applet */
    uint8_t n_applets;
    jcvm_cap_applet applets[JCVM_CAP_MAX_APPLETS];

    /* Import */
    uint8_t n_imports;
    jcvm_cap_pkg imports[JCVM_CAP_MAX_IMPORTS];

    /* ConstantPool */
    uint16_t n_cp;
    jcvm_cp_entry *cp; /* n_cp entries */

    /* Class */
    uint16_t n_classes; /* classes and interfaces, in component order */
    jcvm_cap_class *classes;

    /* Method */
    uint8_t n_handlers;
    jcvm_cap_handler *handlers;
    const uint8_t *method; /* Method info */
    uint16_t method_len;
    uint16_t methods_start; /* offset of the first method_info (after the handler table) */
    uint16_t n_method_starts;
    uint16_t *method_starts; /* sorted, distinct offsets of every method known from the
                                Applet, Class, Export, ConstantPool and Descriptor components */

    /* StaticField */
    uint16_t sf_image, sf_ref_count, sf_default_count, sf_nondefault_count;
    uint16_t n_array_inits;
    jcvm_cap_array_init *array_inits;
    const uint8_t *sf_nondefault; /* sf_nondefault_count bytes */

    /* RefLocation: absolute offsets into Method info of one-byte and two-byte CP indices */
    uint16_t n_ref1, n_ref2;
    uint16_t *ref1, *ref2;

    /* Export */
    uint8_t n_export;
    jcvm_cap_export_class *exports;
} jcvm_cap;

/* Parse a Load File Data Block (components concatenated). On success returns
 * 0 and *out (free with jcvm_cap_free). On failure returns -1, *out is NULL,
 * and why holds one line (e.g. "Method component: handler 2 ends past the
 * component"). Header, Directory, Import, ConstantPool, Class, Method and
 * StaticField and RefLocation are required; Applet, Export, Descriptor
 * optional; Debug and unknown tags (13..) are skipped. */
int jcvm_cap_parse(const uint8_t *lfdb, size_t len, jcvm_cap **out, char *why, size_t whylen);
void jcvm_cap_free(jcvm_cap *cap);

/* Decode a class_ref u2. */
jcvm_classref jcvm_classref_decode(uint16_t v);

/* The class or interface at an internal class offset, NULL if none starts there. */
const jcvm_cap_class *jcvm_cap_class_at(const jcvm_cap *cap, uint16_t offset);

/* The method whose header starts at `offset` in Method info. Its end is the
 * next known method start (or the component end). Returns false if offset is
 * not a known method start or the header does not fit. */
bool jcvm_cap_method_at(const jcvm_cap *cap, uint16_t offset, jcvm_cap_method *m);

/* Name of a component tag ("Header", ...; "tag 13" style for others). */
const char *jcvm_comp_name(uint8_t tag);

#endif
