/*
 * test_verify.c: the bytecode verifier (jcvm_verify.h). A table of small
 * packages assembled here, each with one method install([BSB)V whose bytecode
 * (or handler table, or constant pool) breaks one rule, each refused with the
 * reason naming the method and pc; well-formed code with loops, switches and
 * calls accepted; every rule's absence would let its row through. The shared
 * applets' CAPs are accepted exactly as LOAD delivers them (no Descriptor:
 * signatures from the API tables and the package's own method headers) and
 * with their Descriptor, when ../shared/applets is present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "jcvm_cap.h"
#include "jcvm_test_cap.h"
#include "jcvm_verify.h"

static const uint8_t PKG[] = {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x7E};
static const uint8_t APP[] = {0xF0, 0x6A, 0x63, 0x6F, 0x70, 0x73, 0x69, 0x6D, 0x7E, 0x01};
/* class 0 extends framework.Applet (0.3): one instance short field (token 0) */
static const uint8_t CLS[] = {0x00, 0x80, 0x03, 0x01, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00};
/* cp 0 class 0; 1 static method @1 (install itself); 2 instance field class 0 token 0;
 * 3 static field offset 0; 4 virtual method Applet.register()V (0.3 token 1);
 * 5 static method ISOException.throwIt(S)V (0.7 token 1) */
static const uint8_t CP[] = {0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x01,
                             0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
                             0x03, 0x80, 0x03, 0x01, 0x06, 0x80, 0x07, 0x01};

/* CP with entry 1 naming a method at 9 (the handler tests' layout) */
static const uint8_t CP9[] = {0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x09,
                              0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
                              0x03, 0x80, 0x03, 0x01, 0x06, 0x80, 0x07, 0x01};

/* static image: one short (2 default bytes) */
static const uint8_t SF[] = {0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00};

typedef struct {
    const char *name;
    uint8_t max_stack, nargs, max_locals;
    bool int_flag;
    const uint8_t *code;
    size_t code_len;
    const char *expect; /* NULL: accepted; else a part of the reason */
} vcase;

#define C(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static const vcase cases[] = {
    {"return", 0, 3, 0, false, C(0x7A), NULL},
    {"loop with sinc", 2, 3, 1, false,
     /* sconst_0; sstore 3; L: sinc 3 1; sload_3; bspush 10; if_scmplt L; return */
     C(0x03, 0x29, 0x03, 0x59, 0x03, 0x01, 0x1F, 0x10, 0x0A, 0x6C, 0xFA, 0x7A), NULL},
    {"API call register()", 1, 3, 0, false, C(0x18, 0x8B, 0x00, 0x04, 0x7A), NULL},
    {"API static call throwIt(S)", 1, 3, 0, false, C(0x11, 0x6D, 0x00, 0x8D, 0x00, 0x05, 0x7A),
     NULL},
    {"field via _this", 1, 3, 0, false, C(0x03, 0xB7, 0x02, 0x7A), NULL},
    {"undefined opcode", 1, 3, 0, false, C(0xC0, 0x7A), "pc 0: opcode 0xC0 is not a Java Card"},
    {"impdep1", 1, 3, 0, false, C(0xFE, 0x7A), "opcode 0xFE is not a Java Card bytecode"},
    {"truncated operand", 1, 3, 0, false, C(0x7A, 0x11, 0x00),
     "pc 1 (sspush): operands run past the end"},
    {"falls off the end", 1, 3, 0, false, C(0x00), "pc 0 (nop): execution falls off the end"},
    {"branch into an instruction", 1, 3, 0, false, C(0x70, 0x03, 0x11, 0x00, 0x01, 0x7A),
     "pc 0 (goto): target pc 3 is not the start of an instruction"},
    {"branch outside", 1, 3, 0, false, C(0x70, 0x10, 0x7A),
     "pc 0 (goto): branch target 16 outside the method"},
    {"backward branch outside", 1, 3, 0, false, C(0x70, 0xF0, 0x7A), "branch target -16"},
    {"stack underflow", 1, 3, 0, false, C(0x3B, 0x7A), "pc 0 (pop): operand stack underflow"},
    {"stack above max_stack", 1, 3, 0, false, C(0x03, 0x03, 0x3C, 0x7A),
     "pc 1 (sconst_0): operand stack above max_stack 1"},
    {"short op on a reference", 2, 3, 0, false, C(0x01, 0x04, 0x41, 0x3B, 0x7A),
     "pc 2 (sadd): needs a short on the stack, finds a reference"},
    {"reference op on a short", 2, 3, 0, false, C(0x03, 0x92, 0x3B, 0x7A),
     "pc 1 (arraylength): needs a reference on the stack, finds a short"},
    {"local outside the frame", 1, 3, 0, false, C(0x1F, 0x3B, 0x7A),
     "pc 0 (sload_3): local 3 outside the method's 3 locals"},
    {"local never written", 1, 3, 1, false, C(0x1F, 0x3B, 0x7A),
     "pc 0 (sload_3): local 3 holds an unwritten local"},
    {"local read as the wrong type", 1, 3, 1, false, C(0x01, 0x2E, 0x1F, 0x3B, 0x7A),
     "pc 2 (sload_3): local 3 holds a reference, not a short"},
    {"wrong CP kind for getfield", 1, 3, 0, false, C(0x18, 0x85, 0x01, 0x3B, 0x7A),
     "pc 1 (getfield_s): constant pool entry 1 is a static method reference, not an instance "
     "field reference"},
    {"wrong CP kind for invokestatic", 1, 3, 0, false, C(0x18, 0x8D, 0x00, 0x04, 0x7A),
     "entry 4 is a virtual method reference, not a static method reference"},
    {"wrong CP kind for new", 1, 3, 0, false, C(0x8F, 0x00, 0x02, 0x3B, 0x7A),
     "entry 2 is an instance field reference, not a class reference"},
    {"CP index out of range", 1, 3, 0, false, C(0x18, 0x85, 0x09, 0x3B, 0x7A),
     "constant pool index 9 out of range (6 entries)"},
    {"static field read", 1, 3, 0, false, C(0x7D, 0x00, 0x03, 0x3B, 0x7A), NULL},
    {"static field read with the wrong width", 1, 3, 0, false,
     C(0x7B, 0x00, 0x03, 0x92, 0x3B, 0x7A),
     NULL}, /* getstatic_a of a short field: types of fields need the Descriptor (not checked) */
    {"int bytecode without int support", 2, 3, 0, false, C(0x0A, 0x3C, 0x7A),
     "pc 0 (iconst_0): int bytecode in a package whose Header does not declare int"},
    {"pop splits an int", 2, 3, 0, true, C(0x0A, 0x3B, 0x3B, 0x7A),
     "pc 1 (pop): would split an int"},
    {"int arithmetic accepted", 4, 3, 0, true, C(0x0B, 0x0C, 0x42, 0x5E, 0x3B, 0x7A), NULL},
    {"int op on shorts", 4, 3, 0, true, C(0x03, 0x03, 0x0B, 0x42, 0x3C, 0x7A),
     "pc 3 (iadd): needs an int on the stack"},
    {"stack heights differ at a join", 1, 3, 0, false,
     /* sconst_0; ifne L; sconst_0; L: return */
     C(0x03, 0x61, 0x03, 0x03, 0x7A), "stack height 1 here but 0 on another path to pc 4"},
    {"types conflict at a join, then used", 1, 3, 1, false,
     /* sconst_0; ifeq A; aconst_null; astore_3; goto B; A: sconst_0; sstore_3; B: sload_3 */
     C(0x03, 0x60, 0x06, 0x01, 0x2E, 0x70, 0x04, 0x03, 0x32, 0x1F, 0x3B, 0x7A),
     "pc 9 (sload_3): local 3 holds "},
    {"tableswitch with an empty range", 1, 3, 0, false,
     C(0x03, 0x73, 0x00, 0x09, 0x00, 0x05, 0x00, 0x01, 0x7A),
     "pc 1 (stableswitch): operands run past the end of the method or the switch range is empty"},
    {"tableswitch accepted", 1, 3, 0, false,
     /* sconst_0; stableswitch default 11, 0..1 -> 11, 11; return */
     C(0x03, 0x73, 0x00, 0x0B, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0B, 0x00, 0x0B, 0x7A), NULL},
    {"lookupswitch out of order", 1, 3, 0, false,
     C(0x03, 0x75, 0x00, 0x0D, 0x00, 0x02, 0x00, 0x05, 0x00, 0x0D, 0x00, 0x01, 0x00, 0x0D, 0x7A),
     "pc 1 (slookupswitch): lookupswitch matches not in increasing order"},
    {"switch target into an instruction", 1, 3, 0, false,
     C(0x03, 0x73, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x7A, 0x7A),
     "target pc 3 is not the start of an instruction"},
    {"newarray of a bad type", 1, 3, 0, false, C(0x03, 0x90, 0x05, 0x3B, 0x7A),
     "pc 1 (newarray): newarray type 5 is not one of 10..13"},
    {"checkcast of a bad type", 1, 3, 0, false, C(0x01, 0x94, 0x07, 0x00, 0x00, 0x3B, 0x7A),
     "array type 7 is not one of 0, 10..14"},
    {"checkcast class needs a class ref", 1, 3, 0, false,
     C(0x01, 0x94, 0x00, 0x00, 0x02, 0x3B, 0x7A),
     "entry 2 is an instance field reference, not a class reference"},
    {"dup_x with a bad form", 3, 3, 0, false, C(0x03, 0x3F, 0x51, 0x7A),
     "pc 1 (dup_x): dup_x operand 0x51"},
    {"swap_x with a bad form", 3, 3, 0, false, C(0x03, 0x03, 0x40, 0x31, 0x7A),
     "swap_x operand 0x31"},
    {"dup_x accepted", 3, 3, 0, false, C(0x03, 0x01, 0x3F, 0x12, 0x3C, 0x3B, 0x7A), NULL},
    {"jsr refused", 1, 3, 0, false, C(0x71, 0x00, 0x03, 0x7A), "jsr/ret subroutines"},
    {"returns a value from a void call", 1, 3, 0, false, C(0x03, 0x78),
     NULL}, /* no Descriptor: the return type is what the code says */
    {"call passes too few words", 1, 3, 0, false, C(0x03, 0x8D, 0x00, 0x01, 0x7A),
     "pc 1 (invokestatic): operand stack underflow"},
    {"API call with a wrong argument type", 1, 3, 0, false, C(0x01, 0x8D, 0x00, 0x05, 0x7A),
     "pc 1 (invokestatic): needs a short on the stack, finds a reference"},
    {"API call without its object", 1, 3, 0, false, C(0x8B, 0x00, 0x04, 0x7A),
     "pc 0 (invokevirtual): operand stack underflow"},
    {"getfield_this on a short local 0", 1, 3, 0, false, C(0x03, 0x2F, 0xAF, 0x02, 0x3B, 0x7A),
     "pc 2 (getfield_s_this): local 0 holds a short"},
    {"athrow of a short", 1, 3, 0, false, C(0x03, 0x93), "pc 1 (athrow): needs a reference"},
    {"returns two types", 1, 3, 0, false, C(0x03, 0x60, 0x03, 0x7A, 0x03, 0x78), NULL},
};

static tbuf tb;

static size_t build(const vcase *c, const uint8_t *meth, size_t meth_len, tbuf *out)
{
    tcap_parts p = {0};
    p.pkg_aid = PKG;
    p.pkg_aid_len = sizeof PKG;
    p.applet_aid = APP;
    p.applet_aid_len = sizeof APP;
    p.install_offset = 1;
    p.cp = CP;
    p.cp_len = sizeof CP;
    p.cls = CLS;
    p.cls_len = sizeof CLS;
    p.meth = meth;
    p.meth_len = meth_len;
    p.sf = SF;
    p.sf_len = sizeof SF;
    p.sf_image = 2;
    size_t n = tcap_build(&p, out);
    if (c && c->int_flag)
        out->b[9] |= 0x01; /* Header flags: ACC_INT */
    return n;
}

static int verify_bytes(const vcase *c, const uint8_t *meth, size_t meth_len, char *why,
                        size_t whylen)
{
    size_t n = build(c, meth, meth_len, &tb);
    jcvm_cap *cap = NULL;
    if (jcvm_cap_parse(tb.b, n, &cap, why, whylen) != 0)
        fail_msg("the test package itself does not parse: %s", why);
    int rc = jcvm_verify_package(cap, why, whylen);
    jcvm_cap_free(cap);
    return rc;
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const vcase *c = &cases[i];
        uint8_t meth[300];
        size_t m = 0;
        meth[m++] = 0; /* no handlers */
        if (c->max_stack > 15 || c->nargs > 15 || c->max_locals > 15) {
            meth[m++] = 0x80;
            meth[m++] = c->max_stack;
            meth[m++] = c->nargs;
            meth[m++] = c->max_locals;
        } else {
            meth[m++] = (uint8_t)c->max_stack;
            meth[m++] = (uint8_t)(c->nargs << 4 | c->max_locals);
        }
        memcpy(meth + m, c->code, c->code_len);
        m += c->code_len;
        char why[300] = "";
        int rc = verify_bytes(c, meth, m, why, sizeof why);
        if (c->expect == NULL) {
            if (rc != 0)
                fail_msg("%s: refused: %s", c->name, why);
        } else {
            if (rc == 0)
                fail_msg("%s: accepted, expected '%s'", c->name, c->expect);
            if (strstr(why, c->expect) == NULL)
                fail_msg("%s: reason '%s' lacks '%s'", c->name, why, c->expect);
            if (strncmp(why, "method @0x0001", 14) != 0)
                fail_msg("%s: reason '%s' does not name the method", c->name, why);
        }
    }
}

/* Handler tables: the range and entry must be instruction boundaries in one method. */
static void test_handlers(void **state)
{
    (void)state;
    /* one handler, method at 9: code at 11: sspush 1; pop; return; handler: pop; return
     * (catch 0 = any) */
    static const struct {
        uint16_t start, len, handler;
        const char *expect;
    } hs[] = {
        {11, 4, 16, NULL},
        {12, 3, 16, "does not fall on instruction boundaries"},
        {11, 2, 16, "does not fall on instruction boundaries"},
        {11, 4, 12, "is not an instruction of the method"},
        {11, 9, 16, NULL /* parser refuses a range past the methods */},
        {11, 4, 15, "on another path to pc 4"},
    };
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        uint8_t meth[] = {1,
                          hs[i].start >> 8,
                          hs[i].start & 0xFF,
                          0x80 | hs[i].len >> 8,
                          hs[i].len & 0xFF,
                          hs[i].handler >> 8,
                          hs[i].handler & 0xFF,
                          0,
                          0,
                          0x02,
                          0x30,
                          0x11,
                          0x00,
                          0x01,
                          0x3B,
                          0x7A,
                          0x3B,
                          0x7A};
        tcap_parts p = {0};
        p.pkg_aid = PKG;
        p.pkg_aid_len = sizeof PKG;
        p.applet_aid = APP;
        p.applet_aid_len = sizeof APP;
        p.install_offset = 9;
        p.cp = CP9;
        p.cp_len = sizeof CP;
        p.cls = CLS;
        p.cls_len = sizeof CLS;
        p.meth = meth;
        p.meth_len = sizeof meth;
        p.sf = SF;
        p.sf_len = sizeof SF;
        p.sf_image = 2;
        size_t n = tcap_build(&p, &tb);
        jcvm_cap *cap = NULL;
        char why[300] = "";
        if (jcvm_cap_parse(tb.b, n, &cap, why, sizeof why) != 0) {
            if (i != 4)
                fail_msg("handler %zu: parser refused: %s", i, why);
            continue;
        }
        int rc = jcvm_verify_package(cap, why, sizeof why);
        jcvm_cap_free(cap);
        if (hs[i].expect == NULL) {
            if (rc != 0)
                fail_msg("handler %zu refused: %s", i, why);
        } else {
            assert_int_not_equal(rc, 0);
            if (strstr(why, hs[i].expect) == NULL)
                fail_msg("handler %zu: '%s' lacks '%s'", i, why, hs[i].expect);
        }
    }
}

/* install() must take the three words of (byte[], short, byte). */
static void test_install_arity(void **state)
{
    (void)state;
    static const uint8_t meth[] = {0, 0x00, 0x20, 0x7A};
    char why[300];
    assert_int_not_equal(verify_bytes(NULL, meth, sizeof meth, why, sizeof why), 0);
    assert_non_null(strstr(why, "takes 2 argument words, not 3"));
}

/* A resolver overrides what the verifier would find itself. */
static const char *env_sig(void *ctx, const jcvm_cap *cap, uint16_t idx)
{
    (void)cap;
    (void)ctx;
    return idx == 4 ? "(S)V" : NULL; /* pretend register takes a short */
}

static void test_env_resolver(void **state)
{
    (void)state;
    static const uint8_t meth[] = {0, 0x01, 0x30, 0x18, 0x8B, 0x00, 0x04, 0x7A};
    size_t n = build(NULL, meth, sizeof meth, &tb);
    jcvm_cap *cap = NULL;
    char why[300];
    assert_int_equal(jcvm_cap_parse(tb.b, n, &cap, why, sizeof why), 0);
    assert_int_equal(jcvm_verify_package(cap, why, sizeof why), 0);
    jcvm_verify_env env = {.cp_sig = env_sig};
    assert_int_not_equal(jcvm_verify_package_env(cap, &env, why, sizeof why), 0);
    assert_non_null(
        strstr(why, "pc 1 (invokevirtual): needs a short on the stack, finds a reference"));
    jcvm_cap_free(cap);
}

/* Read a shared CAP as LOAD delivers it, with or without the Descriptor. */
static size_t read_lfdb(const char *path, tbuf *out, bool with_descriptor)
{
    size_t n = tcap_read_zip(path, out);
    if (n == 0 || with_descriptor)
        return n;
    /* tcap_read_zip puts the Descriptor last: drop it */
    size_t o = 0, last = 0;
    while (o + 3 <= n) {
        last = o;
        o += 3 + (size_t)(out->b[o + 1] << 8 | out->b[o + 2]);
    }
    return out->b[last] == 11 ? last : n;
}

static void test_shared_applets(void **state)
{
    (void)state;
    char dir[4096];
    if (tcap_shared_dir(dir, sizeof dir) == NULL) {
        print_message("skipped: ../shared/applets absent\n");
        skip();
    }
    /* the shareable client imports the server package: its calls into it need
     * the linker's view of that package (jcop-cap verify --library covers it) */
    static const char *const caps[] = {"echo/echo.cap",
                                       "arith/arith.cap",
                                       "objects/objects.cap",
                                       "persist/persist.cap",
                                       "pin/pin.cap",
                                       "crypto/crypto.cap",
                                       "channels/channels.cap",
                                       "shareable/server/shserver.cap",
                                       "installparams/installparams.cap",
                                       "gpapi/gpapi.cap"};
    for (int with = 0; with < 2; with++) {
        for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", dir, caps[i]);
            size_t n = read_lfdb(path, &tb, with != 0);
            assert_true(n > 0);
            jcvm_cap *cap = NULL;
            char why[300];
            if (jcvm_cap_parse(tb.b, n, &cap, why, sizeof why) != 0)
                fail_msg("%s: %s", caps[i], why);
            assert_int_equal(cap->comp[JCVM_COMP_DESCRIPTOR].present, with != 0);
            if (jcvm_verify_package(cap, why, sizeof why) != 0)
                fail_msg("%s (%s Descriptor): refused: %s", caps[i], with ? "with" : "without",
                         why);
            jcvm_cap_free(cap);
        }
    }
}

/* A package importing another loaded package: the client's calls into the
 * server (a Shareable interface) are typed from the server's own components,
 * with no Descriptor on either side; without the server they cannot be. */
static void test_library_import(void **state)
{
    (void)state;
    char dir[4096];
    if (tcap_shared_dir(dir, sizeof dir) == NULL) {
        print_message("skipped: ../shared/applets absent\n");
        skip();
    }
    static tbuf srv, cli;
    char path[4200], why[300];
    snprintf(path, sizeof path, "%s/shareable/server/shserver.cap", dir);
    size_t ns = read_lfdb(path, &srv, false);
    snprintf(path, sizeof path, "%s/shareable/client/shclient.cap", dir);
    size_t nc = read_lfdb(path, &cli, false);
    assert_true(ns > 0 && nc > 0);
    jcvm_cap *s = NULL, *c = NULL;
    assert_int_equal(jcvm_cap_parse(srv.b, ns, &s, why, sizeof why), 0);
    assert_int_equal(jcvm_cap_parse(cli.b, nc, &c, why, sizeof why), 0);
    assert_int_not_equal(jcvm_verify_package(c, why, sizeof why), 0);
    assert_non_null(strstr(why, "is unknown"));
    const jcvm_cap *loaded[] = {s};
    if (jcvm_verify_package_with(c, loaded, 1, NULL, why, sizeof why) != 0)
        fail_msg("client with its server loaded: %s", why);
    jcvm_cap_free(s);
    jcvm_cap_free(c);
}

/* Mutated Method components (as LOAD delivers them, no Descriptor) never
 * crash the verifier, and every refusal has a reason; run under the
 * sanitizer build this is the verifier's robustness test. Uses the project's
 * own loop package, and the shared CAPs too when present. */
static void test_mutations_never_crash(void **state)
{
    (void)state;
    static tbuf orig;
    const vcase *c = &cases[1]; /* loop with sinc */
    uint8_t meth[64] = {0, (uint8_t)c->max_stack, (uint8_t)(c->nargs << 4 | c->max_locals)};
    memcpy(meth + 3, c->code, c->code_len);
    size_t n = build(c, meth, 3 + c->code_len, &orig);
    char dir[4096];
    static const char *const caps[] = {"objects/objects.cap", "crypto/crypto.cap"};
    int sources = tcap_shared_dir(dir, sizeof dir) ? 3 : 1;
    unsigned seed = 12345, refused = 0, accepted = 0;
    for (int src = 0; src < sources; src++) {
        if (src > 0) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", dir, caps[src - 1]);
            n = read_lfdb(path, &orig, false);
            assert_true(n > 0);
        }
        /* find the Method component */
        size_t o = 0, mstart = 0, mlen = 0;
        while (o + 3 <= n) {
            size_t l = (size_t)(orig.b[o + 1] << 8 | orig.b[o + 2]);
            if (orig.b[o] == 7) {
                mstart = o + 3;
                mlen = l;
            }
            o += 3 + l;
        }
        assert_true(mlen > 0);
        for (int k = 0; k < 1500; k++) {
            memcpy(tb.b, orig.b, n);
            for (int f = 0; f < 1 + k % 3; f++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = mstart + (seed >> 8) % mlen;
                seed = seed * 1103515245u + 12345u;
                tb.b[at] = (uint8_t)(seed >> 16);
            }
            jcvm_cap *cap = NULL;
            char why[300] = "";
            if (jcvm_cap_parse(tb.b, n, &cap, why, sizeof why) != 0)
                continue;
            why[0] = 0;
            if (jcvm_verify_package(cap, why, sizeof why) != 0) {
                assert_true(strncmp(why, "method @0x", 10) == 0 ||
                            strstr(why, "component") != NULL);
                refused++;
            } else {
                accepted++;
            }
            jcvm_cap_free(cap);
        }
    }
    print_message("mutations: %u refused by the verifier, %u accepted\n", refused, accepted);
    assert_true(refused > accepted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_handlers),
        cmocka_unit_test(test_install_arity),  cmocka_unit_test(test_env_resolver),
        cmocka_unit_test(test_shared_applets), cmocka_unit_test(test_mutations_never_crash),
        cmocka_unit_test(test_library_import),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
