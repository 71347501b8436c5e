/*
 * jc_loadfile.c: Load File and CAP component parser for the ISD's LOAD
 * handling (see jc_loadfile.h). Every read is checked against the bounds of
 * the enclosing TLV or component before it happens.
 */
#include "jc_loadfile.h"

#include <string.h>

#include "jc_err.h"

int jc_ber_len(const uint8_t *buf, size_t len, size_t *off, size_t *out)
{
    if (buf == NULL || off == NULL || out == NULL || *off >= len)
        return JC_ERR_FORMAT;
    uint8_t first = buf[(*off)++];
    if (first < 0x80) {
        *out = first;
        return JC_OK;
    }
    size_t nb = first & 0x7Fu;
    if (nb == 0 || nb > 3 || len - *off < nb)
        return JC_ERR_FORMAT;
    size_t v = 0;
    for (size_t i = 0; i < nb; i++)
        v = v << 8 | buf[(*off)++];
    *out = v;
    return JC_OK;
}

static int read_aid(const uint8_t *p, size_t avail, size_t *off, jc_aid *aid)
{
    if (*off >= avail)
        return JC_ERR_FORMAT;
    uint8_t n = p[(*off)++];
    if (n < 5 || n > JC_AID_MAX || avail - *off < n)
        return JC_ERR_FORMAT;
    aid->len = n;
    memcpy(aid->b, p + *off, n);
    *off += n;
    return JC_OK;
}

/* Header component info (after tag and size). */
static int parse_header(const uint8_t *p, size_t n, jc_loadfile *lf)
{
    static const uint8_t magic[4] = {0xDE, 0xCA, 0xFF, 0xED};
    if (n < 4 + 2 + 1 + 2 + 1 || memcmp(p, magic, 4) != 0)
        return JC_ERR_FORMAT;
    lf->cap_minor = p[4];
    lf->cap_major = p[5];
    lf->flags = p[6];
    lf->pkg_minor = p[7];
    lf->pkg_major = p[8];
    size_t off = 9;
    return read_aid(p, n, &off, &lf->pkg_aid); /* package_name_info after it is ignored */
}

static int parse_applet(const uint8_t *p, size_t n, jc_loadfile *lf)
{
    if (n < 1 || p[0] == 0 || p[0] > JC_LF_MAX_APPLETS)
        return JC_ERR_FORMAT;
    size_t off = 1;
    for (uint8_t i = 0; i < p[0]; i++) {
        if (read_aid(p, n, &off, &lf->applets[i]) != JC_OK || n - off < 2)
            return JC_ERR_FORMAT;
        off += 2; /* install_method_offset */
    }
    if (off != n)
        return JC_ERR_FORMAT;
    lf->n_applets = p[0];
    return JC_OK;
}

static int parse_import(const uint8_t *p, size_t n, jc_loadfile *lf)
{
    if (n < 1 || p[0] > JC_LF_MAX_IMPORTS)
        return JC_ERR_FORMAT;
    size_t off = 1;
    for (uint8_t i = 0; i < p[0]; i++) {
        if (n - off < 2)
            return JC_ERR_FORMAT;
        lf->imports[i].minor = p[off];
        lf->imports[i].major = p[off + 1];
        off += 2;
        if (read_aid(p, n, &off, &lf->imports[i].aid) != JC_OK)
            return JC_ERR_FORMAT;
    }
    if (off != n)
        return JC_ERR_FORMAT;
    lf->n_imports = p[0];
    return JC_OK;
}

int jc_loadfile_parse_lfdb(const uint8_t *lfdb, size_t len, jc_loadfile *lf)
{
    if (lf == NULL || (lfdb == NULL && len > 0))
        return JC_ERR_FORMAT;
    uint8_t n_dap = lf->n_dap;
    const uint8_t *keep = lf->lfdb;
    size_t keep_len = lf->lfdb_len;
    memset(lf, 0, sizeof(*lf));
    lf->n_dap = n_dap;
    lf->lfdb = keep;
    lf->lfdb_len = keep_len;
    size_t off = 0;
    while (off < len) {
        if (len - off < 3)
            return JC_ERR_FORMAT;
        uint8_t tag = lfdb[off];
        size_t size = (size_t)lfdb[off + 1] << 8 | lfdb[off + 2];
        off += 3;
        if (tag == 0 || len - off < size)
            return JC_ERR_FORMAT;
        const uint8_t *info = lfdb + off;
        off += size;
        if (tag > 15)
            return JC_ERR_FORMAT;
        if (lf->components & (1u << tag))
            return JC_ERR_FORMAT; /* a component twice */
        lf->components |= (uint16_t)(1u << tag);
        int rc = JC_OK;
        if (tag == JC_CAP_HEADER)
            rc = parse_header(info, size, lf);
        else if (tag == JC_CAP_APPLET)
            rc = parse_applet(info, size, lf);
        else if (tag == JC_CAP_IMPORT)
            rc = parse_import(info, size, lf);
        if (rc != JC_OK)
            return rc;
    }
    if (!(lf->components & (1u << JC_CAP_HEADER)))
        return JC_ERR_FORMAT;
    return JC_OK;
}

int jc_loadfile_parse(const uint8_t *buf, size_t len, jc_loadfile *lf)
{
    if (buf == NULL || lf == NULL)
        return JC_ERR_FORMAT;
    memset(lf, 0, sizeof(*lf));
    size_t off = 0;
    while (off < len) {
        uint8_t tag = buf[off++];
        size_t vlen;
        if (jc_ber_len(buf, len, &off, &vlen) != JC_OK || len - off < vlen)
            return JC_ERR_FORMAT;
        if (tag == 0xE2) {
            if (lf->n_dap == UINT8_MAX)
                return JC_ERR_FORMAT;
            lf->n_dap++;
            off += vlen;
        } else if (tag == 0xC4) {
            if (off + vlen != len)
                return JC_ERR_FORMAT; /* trailing bytes after the LFDB */
            lf->lfdb = buf + off;
            lf->lfdb_len = vlen;
            return jc_loadfile_parse_lfdb(buf + off, vlen, lf);
        } else {
            return JC_ERR_FORMAT;
        }
    }
    return JC_ERR_FORMAT; /* no C4 */
}
