/*
 * jh_cap.h: read a Java Card CAP file (a ZIP archive holding
 * `<package path>/javacard/<Component>.cap`) and turn it into the Load File
 * Data Block a host sends with LOAD: the components concatenated in the
 * reference load order of JCVM 2.2 §6.2 / GP 2.1.1 (Header, Directory, Import,
 * Applet, Class, Method, StaticField, Export, ConstantPool, ReferenceLocation),
 * Descriptor and Debug dropped. Also reports the package AID and version and
 * the applet AIDs, read from the Header and Applet components. The harness's
 * upload/install verbs and the tools use it; it never talks to a card.
 */
#ifndef JH_CAP_H
#define JH_CAP_H

#include <stddef.h>
#include <stdint.h>

#define JH_CAP_AID_MAX 16
#define JH_CAP_MAX_APPLETS 8
#define JH_CAP_NTAGS 13 /* component tags 1..12 */

/* Errors: negative; 0 is success. */
enum {
    JH_CAP_OK = 0,
    JH_CAP_ERR_IO = -1,     /* the file cannot be opened or read */
    JH_CAP_ERR_ZIP = -2,    /* not a ZIP archive */
    JH_CAP_ERR_FORMAT = -3, /* missing/duplicate/malformed component */
    JH_CAP_ERR_NOMEM = -4,
    JH_CAP_ERR_ARG = -5,
};

typedef struct {
    uint8_t len;
    uint8_t b[JH_CAP_AID_MAX];
} jh_cap_aid;

typedef struct {
    uint8_t *lfdb;       /* owned: the Load File Data Block */
    size_t lfdb_len;
    jh_cap_aid pkg;      /* package AID (Header component) */
    uint8_t pkg_major, pkg_minor;
    size_t n_applets;
    jh_cap_aid applets[JH_CAP_MAX_APPLETS];
    char path[256];      /* package path inside the ZIP, e.g. "com/example/javacard" */
    /* Every component found, by tag (1 Header .. 12 Debug; 0 unused), each
     * with its tag and u2 size; NULL when absent. Owned. Descriptor and Debug
     * are kept here for inspection tools although the LFDB drops them. */
    uint8_t *comp[JH_CAP_NTAGS];
    size_t comp_len[JH_CAP_NTAGS];
} jh_cap;

/* Read a CAP file from disk / from memory. On failure *cap is left empty and
 * err (may be NULL) gets a one-line reason. Free with jh_cap_free. */
int jh_cap_read(const char *filename, jh_cap *cap, char *err, size_t errlen);
int jh_cap_read_mem(const uint8_t *zip, size_t len, jh_cap *cap, char *err, size_t errlen);
void jh_cap_free(jh_cap *cap);

/* The Load File: `C4 <BER length> <LFDB>` (no DAP block). Returns the length
 * written, or JH_CAP_ERR_ARG when out is too small (out NULL: just the length). */
long jh_cap_load_file(const jh_cap *cap, uint8_t *out, size_t outcap);

const char *jh_cap_strerror(int err);

#endif
