/*
 * jcvm_test_app.h: a tiny applet assembled in memory for the VM's tests. Its
 * process(APDU) runs a given bytecode body that leaves one short on the
 * stack, then ISOException.throwIt(short): the status word of the answer is
 * the body's result. Handlers, statics and extra constant pool entries are
 * optional. Constant pool:
 *   0 Applet.<init>  1 classref this class  2 this.<init>  3 Applet.register()
 *   4 APDU.getBuffer  5 ISOException.throwIt  6 APDU.setOutgoingAndSend
 *   7 APDU.setIncomingAndReceive  8 JCSystem.beginTransaction
 *   9 JCSystem.commitTransaction  10 JCSystem.abortTransaction
 *   11 instance field token 0 of this class (short)  12 static short at image offset 0
 *   13 classref java.lang.ArithmeticException  14 classref java.lang.ArrayIndexOutOfBoundsException
 *   15 static method `helper` (nargs 1, returns its argument + 1), see below
 *   16 JCSystem.getTransactionDepth  17 classref javacard.framework.ISOException
 *   18 static short at image offset 2
 */
#ifndef JCVM_TEST_APP_H
#define JCVM_TEST_APP_H

#include "jcvm_test_cap.h"

static const uint8_t TAPP_PKG[] = {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x70};
static const uint8_t TAPP_APP[] = {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x70, 0x01};

typedef struct {
    uint16_t start, len, handler; /* relative to the body start */
    uint16_t catch_cp;            /* 0 = finally */
} tapp_handler;

typedef struct {
    const uint8_t *body;
    size_t body_len;
    uint8_t max_stack, max_locals;
    const tapp_handler *handlers;
    int n_handlers;
    const uint8_t *imports; /* NULL = framework 1.3 + lang 1.0 */
    size_t imports_len;
    unsigned n_imports;
    uint8_t header_flags; /* e.g. JCVM_HDR_INT */
} tapp_spec;

/* Builds the LFDB; returns its length. */
static inline size_t tapp_build(const tapp_spec *s, tbuf *out)
{
    static uint8_t meth[4096];
    size_t n = 0;
    int nh = s->n_handlers;
    meth[n++] = (uint8_t)nh;
    size_t hdr_at = n;
    n += 8u * (size_t)nh;
    /* helper(S)S at H: sload_0 sconst_1 sadd sreturn */
    uint16_t H = (uint16_t)n;
    const uint8_t helper[] = {0x02, 0x10, 0x1C, 0x04, 0x41, 0x78};
    memcpy(meth + n, helper, sizeof helper);
    n += sizeof helper;
    uint16_t A = (uint16_t)n; /* <init>: aload_0 invokespecial 0 return */
    const uint8_t init[] = {0x01, 0x10, 0x18, 0x8C, 0x00, 0x00, 0x7A};
    memcpy(meth + n, init, sizeof init);
    n += sizeof init;
    uint16_t B = (uint16_t)n; /* install: new 1 dup invokespecial 2 invokevirtual 3 return */
    const uint8_t inst[] = {0x02, 0x30, 0x8F, 0x00, 0x01, 0x3D, 0x8C,
                            0x00, 0x02, 0x8B, 0x00, 0x03, 0x7A};
    memcpy(meth + n, inst, sizeof inst);
    n += sizeof inst;
    uint16_t C = (uint16_t)n; /* process: extended header */
    meth[n++] = 0x80;
    meth[n++] = s->max_stack;
    meth[n++] = 2;
    meth[n++] = s->max_locals;
    uint16_t body_at = (uint16_t)n;
    memcpy(meth + n, s->body, s->body_len);
    n += s->body_len;
    const uint8_t epi[] = {0x8D, 0x00, 0x05, 0x7A}; /* invokestatic throwIt; return */
    memcpy(meth + n, epi, sizeof epi);
    n += sizeof epi;
    for (int i = 0; i < nh; i++) {
        uint8_t *h = meth + hdr_at + 8 * i;
        uint16_t st = (uint16_t)(body_at + s->handlers[i].start);
        uint16_t ln = s->handlers[i].len, hd = (uint16_t)(body_at + s->handlers[i].handler);
        h[0] = (uint8_t)(st >> 8);
        h[1] = (uint8_t)st;
        h[2] = (uint8_t)(((i == nh - 1) ? 0x80 : 0) | (ln >> 8));
        h[3] = (uint8_t)ln;
        h[4] = (uint8_t)(hd >> 8);
        h[5] = (uint8_t)hd;
        h[6] = (uint8_t)(s->handlers[i].catch_cp >> 8);
        h[7] = (uint8_t)s->handlers[i].catch_cp;
    }
    static uint8_t cp[19 * 4];
    const uint8_t cpv[19][4] = {{0x06, 0x80, 0x03, 0x00},
                                {0x01, 0x00, 0x00, 0x00},
                                {0x06, 0x00, (uint8_t)(A >> 8), (uint8_t)A},
                                {0x03, 0x80, 0x03, 0x01},
                                {0x03, 0x80, 0x0A, 0x01},
                                {0x06, 0x80, 0x07, 0x01},
                                {0x03, 0x80, 0x0A, 0x08},
                                {0x03, 0x80, 0x0A, 0x06},
                                {0x06, 0x80, 0x08, 0x01},
                                {0x06, 0x80, 0x08, 0x02},
                                {0x06, 0x80, 0x08, 0x00},
                                {0x02, 0x00, 0x00, 0x00},
                                {0x05, 0x00, 0x00, 0x00},
                                {0x01, 0x81, 0x09, 0x00},
                                {0x01, 0x81, 0x05, 0x00},
                                {0x06, 0x00, (uint8_t)(H >> 8), (uint8_t)H},
                                {0x06, 0x80, 0x08, 0x07},
                                {0x01, 0x80, 0x07, 0x00},
                                {0x05, 0x00, 0x00, 0x02}};
    memcpy(cp, cpv, sizeof cp);
    /* class 0 extends Applet: 1 short field, process() at token 7 */
    static uint8_t cls[12];
    const uint8_t clsv[12] = {
        0x00, 0x80, 0x03, 0x01, 0xFF, 0x00, 0x07, 0x01, 0x00, 0x00, (uint8_t)(C >> 8), (uint8_t)C};
    memcpy(cls, clsv, sizeof cls);
    /* statics: two shorts, default 0 */
    static const uint8_t sf[] = {0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00};
    tcap_parts p = {0};
    p.pkg_aid = TAPP_PKG;
    p.pkg_aid_len = sizeof TAPP_PKG;
    p.applet_aid = TAPP_APP;
    p.applet_aid_len = sizeof TAPP_APP;
    p.install_offset = B;
    p.cp = cp;
    p.cp_len = sizeof cp;
    p.cls = cls;
    p.cls_len = sizeof cls;
    p.meth = meth;
    p.meth_len = n;
    p.sf = sf;
    p.sf_len = sizeof sf;
    p.sf_image = 4;
    p.imports = s->imports;
    p.imports_len = s->imports_len;
    p.n_imports = s->n_imports;
    size_t len = tcap_build(&p, out);
    if (s->header_flags) /* Header info byte 6 = flags (after tag/size: offset 3 + 6) */
        out->b[3 + 6] |= s->header_flags;
    return len;
}

#endif
