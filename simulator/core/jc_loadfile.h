/*
 * jc_loadfile.h: parser of a GlobalPlatform Load File as the ISD receives it
 * through LOAD (GP 2.1.1 §9.6.2.3): optional DAP blocks `E2 L {4F, C3}`, then
 * `C4 L <Load File Data Block>`, where the LFDB is a Java Card CAP file's
 * components concatenated (tag u1 | size u2 | info). The ISD (jc_gp*.c) calls
 * it after the last LOAD block to learn the package AID and version and the
 * applet (Executable Module) AIDs it registers. Pure and bounds-checked: any
 * malformed input gives JC_ERR_FORMAT, never a read past the buffer.
 */
#ifndef JC_LOADFILE_H
#define JC_LOADFILE_H

#include <stddef.h>
#include <stdint.h>

#include "jc_state.h"

#define JC_LF_MAX_APPLETS JC_MAX_MODULES
#define JC_LF_MAX_IMPORTS 16

/* CAP component tags (JCVM 2.2 §6.1). */
enum {
    JC_CAP_HEADER = 1,
    JC_CAP_DIRECTORY = 2,
    JC_CAP_APPLET = 3,
    JC_CAP_IMPORT = 4,
    JC_CAP_CONSTANT_POOL = 5,
    JC_CAP_CLASS = 6,
    JC_CAP_METHOD = 7,
    JC_CAP_STATIC_FIELD = 8,
    JC_CAP_REFERENCE_LOCATION = 9,
    JC_CAP_EXPORT = 10,
    JC_CAP_DESCRIPTOR = 11,
    JC_CAP_DEBUG = 12,
};

typedef struct {
    jc_aid aid;
    uint8_t major, minor;
} jc_lf_import;

typedef struct {
    /* Load File */
    uint8_t n_dap;                 /* E2 blocks seen */
    const uint8_t *lfdb;           /* C4 value (points into the parsed buffer) */
    size_t lfdb_len;
    /* Header component */
    uint8_t cap_major, cap_minor;
    uint8_t flags;                 /* 01 int, 02 export, 04 applet */
    jc_aid pkg_aid;
    uint8_t pkg_major, pkg_minor;
    /* Applet component */
    uint8_t n_applets;
    jc_aid applets[JC_LF_MAX_APPLETS];
    /* Import component */
    uint8_t n_imports;
    jc_lf_import imports[JC_LF_MAX_IMPORTS];
    uint16_t components;           /* bit (1 << tag) for each component seen */
} jc_loadfile;

/* Read a BER-TLV length at buf[*off] (forms: 0..7F, 81 xx, 82 xxxx, 83 xxxxxx);
 * advances *off. Returns 0 or JC_ERR_FORMAT (truncated, unsupported form). */
int jc_ber_len(const uint8_t *buf, size_t len, size_t *off, size_t *out);

/* Parse a whole Load File (E2 blocks, then exactly one C4, nothing after).
 * Fills *lf (lfdb points into buf). Returns 0 or JC_ERR_FORMAT. */
int jc_loadfile_parse(const uint8_t *buf, size_t len, jc_loadfile *lf);

/* Parse a Load File Data Block (CAP components). A Header component with
 * magic DECAFFED and a 5..16-byte package AID is required; an Applet
 * component, if any, must list 1..JC_LF_MAX_APPLETS applets with 5..16-byte
 * AIDs; unknown tags (13..) are skipped; a component may not appear twice.
 * Returns 0 or JC_ERR_FORMAT. */
int jc_loadfile_parse_lfdb(const uint8_t *lfdb, size_t len, jc_loadfile *lf);

#endif
