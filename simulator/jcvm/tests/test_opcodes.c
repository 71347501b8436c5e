/*
 * test_opcodes.c: the JCVM instruction table. Facts from the JCVM 2.2.2
 * specification checked row by row for a sample of opcodes; internal
 * consistency of every row; and, when ../shared/applets is present, every
 * method of every shared CAP decoded with the table and compared mnemonic by
 * mnemonic with the reference converter's .jca listing of the same method.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "jcvm_cap.h"
#include "jcvm_opcodes.h"
#include "jcvm_test_cap.h"

static tbuf tb;

static void test_spec_values(void **state)
{
    (void)state;
    static const struct {
        uint8_t op;
        const char *name;
        uint8_t len;
    } facts[] = {
        {0x00, "nop", 1},
        {0x10, "bspush", 2},
        {0x11, "sspush", 3},
        {0x14, "iipush", 5},
        {0x3F, "dup_x", 2},
        {0x40, "swap_x", 2},
        {0x59, "sinc", 3},
        {0x5F, "icmp", 1},
        {0x70, "goto", 2},
        {0x71, "jsr", 3},
        {0x72, "ret", 2},
        {0x7A, "return", 1},
        {0x7B, "getstatic_a", 3},
        {0x83, "getfield_a", 2},
        {0x8B, "invokevirtual", 3},
        {0x8E, "invokeinterface", 5},
        {0x8F, "new", 3},
        {0x90, "newarray", 2},
        {0x94, "checkcast", 4},
        {0x96, "sinc_w", 4},
        {0xA8, "goto_w", 3},
        {0xA9, "getfield_a_w", 3},
        {0xAD, "getfield_a_this", 2},
        {0xB8, "putfield_i_this", 2},
        {0xFE, "impdep1", 1},
        {0xFF, "impdep2", 1},
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        const jcvm_opinfo *o = jcvm_op(facts[i].op);
        assert_non_null(o->mnemonic);
        assert_string_equal(o->mnemonic, facts[i].name);
        assert_int_equal(o->len, facts[i].len);
        assert_ptr_equal(jcvm_op_by_name(facts[i].name), o);
    }
    /* the int subset */
    assert_true(jcvm_op(0x42)->flags & JCVM_OPF_INT);  /* iadd */
    assert_false(jcvm_op(0x41)->flags & JCVM_OPF_INT); /* sadd */
    assert_true(jcvm_op(0x74)->flags & JCVM_OPF_INT);  /* itableswitch */
    /* the CP kinds the verifier relies on */
    assert_int_equal(jcvm_op(0x84)->cpkind, JCVM_CPK_INSTANCE_FIELD);
    assert_int_equal(jcvm_op(0x7D)->cpkind, JCVM_CPK_STATIC_FIELD);
    assert_int_equal(jcvm_op(0x8D)->cpkind, JCVM_CPK_STATIC_METHOD);
    assert_int_equal(jcvm_op(0x8B)->cpkind, JCVM_CPK_VIRTUAL_METHOD);
    assert_int_equal(jcvm_op(0x8F)->cpkind, JCVM_CPK_CLASS);
}

static void test_table_consistent(void **state)
{
    (void)state;
    int defined = 0;
    for (unsigned op = 0; op < 256; op++) {
        const jcvm_opinfo *o = jcvm_op((uint8_t)op);
        assert_int_equal(o->opcode, o->mnemonic ? op : 0);
        if (!o->mnemonic) {
            assert_true(op > 0xB8 && op < 0xFE);
            continue;
        }
        defined++;
        assert_ptr_equal(jcvm_op_by_name(o->mnemonic), o);
        int sw = o->opnd >= JCVM_OPND_STABLESW;
        assert_int_equal(o->len == 0, sw);
        assert_int_equal(!!(o->flags & JCVM_OPF_SWITCH), sw);
        if (o->opnd == JCVM_OPND_BR1)
            assert_int_equal(o->len, 2);
        if (o->opnd == JCVM_OPND_BR2)
            assert_int_equal(o->len, 3);
        if (o->cpkind)
            assert_true(o->opnd == JCVM_OPND_CP1 || o->opnd == JCVM_OPND_CP2 ||
                        o->opnd == JCVM_OPND_IFACE || o->opnd == JCVM_OPND_TYPE_CP2);
        for (const char *p = o->pops; *p; p++)
            assert_non_null(strchr("asI*r", *p));
        for (const char *p = o->pushes; *p; p++)
            assert_non_null(strchr("asI*r", *p));
        /* a mnemonic starting with i is an int bytecode, except the few
         * whose i means something else */
        if (o->mnemonic[0] == 'i' && strncmp(o->mnemonic, "if", 2) != 0 &&
            strcmp(o->mnemonic, "instanceof") != 0 && strncmp(o->mnemonic, "invoke", 6) != 0 &&
            strncmp(o->mnemonic, "impdep", 6) != 0)
            assert_true(o->flags & JCVM_OPF_INT);
        if (strchr(o->mnemonic, '_') && strcmp(strrchr(o->mnemonic, '_'), "_i") == 0)
            assert_true(o->flags & JCVM_OPF_INT);
    }
    assert_int_equal(defined, 0xB9 + 2);
}

static void test_insn_len(void **state)
{
    (void)state;
    /* stableswitch default 0x10, low 1, high 3: 3 offsets */
    static const uint8_t ts[] = {0x73, 0, 0x10, 0, 1, 0, 3, 0, 1, 0, 2, 0, 3};
    assert_int_equal(jcvm_insn_len(ts, sizeof ts, 0), 13);
    assert_int_equal(jcvm_insn_len(ts, sizeof ts - 1, 0), 0); /* truncated */
    static const uint8_t bad[] = {0x73, 0, 0x10, 0, 3, 0, 1}; /* high < low */
    assert_int_equal(jcvm_insn_len(bad, sizeof bad, 0), 0);
    static const uint8_t ls[] = {0x75, 0, 9, 0, 1, 0, 5, 0, 7};
    assert_int_equal(jcvm_insn_len(ls, sizeof ls, 0), 9);
    static const uint8_t its[] = {0x74, 0, 9, 0, 0, 0, 1, 0, 0, 0, 1, 0, 4};
    assert_int_equal(jcvm_insn_len(its, sizeof its, 0), 13);
    static const uint8_t ils[] = {0x76, 0, 9, 0, 1, 0, 0, 0, 5, 0, 7};
    assert_int_equal(jcvm_insn_len(ils, sizeof ils, 0), 11);
    static const uint8_t undef[] = {0xC0};
    assert_int_equal(jcvm_insn_len(undef, 1, 0), 0);
    static const uint8_t iface[] = {0x8E, 1, 0, 2, 3};
    assert_int_equal(jcvm_insn_len(iface, 5, 0), 5);
    assert_int_equal(jcvm_insn_len(iface, 4, 0), 0);
}

/* ---- cross-check with the converter's .jca ---- */

typedef struct {
    char (*mn)[24];
    size_t n;
} jmeth;

/* Mnemonic sequences of the methods with code, in file order. */
static size_t jca_methods(const char *path, jmeth *out, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[70000];
    size_t nm = 0;
    int in_method = 0, in_table = 0;
    while (fgets(line, sizeof line, f)) {
        char *c = strstr(line, "//");
        if (c)
            *c = 0;
        char w[64];
        char *s = line;
        if (sscanf(s, " %63s", w) != 1)
            continue;
        if (!in_method) {
            if (strcmp(w, ".method") == 0 && nm < max) {
                in_method = 1;
                out[nm].n = 0;
                out[nm].mn = NULL;
                nm++;
            }
            continue;
        }
        if (in_table) {
            if (strcmp(w, "}") == 0)
                in_table = 0;
            continue;
        }
        if (strcmp(w, "}") == 0) {
            in_method = 0;
            continue;
        }
        if (strcmp(w, ".exceptionTable") == 0) {
            in_table = 1;
            continue;
        }
        if (w[0] == '.')
            continue;
        size_t lw = strlen(w);
        if (lw > 1 && w[lw - 1] == ':') { /* label: mnemonic follows */
            char *p = strstr(s, w) + lw;
            if (sscanf(p, " %63s", w) != 1)
                continue;
            lw = strlen(w);
        }
        if (lw && w[lw - 1] == ';')
            w[lw - 1] = 0;
        jmeth *m = &out[nm - 1];
        m->mn = realloc(m->mn, (m->n + 1) * sizeof *m->mn);
        /* a mnemonic longer than the slot cannot match any opcode: keep it cut */
        size_t keep = strlen(w) < sizeof *m->mn ? strlen(w) : sizeof *m->mn - 1;
        memcpy(m->mn[m->n], w, keep);
        m->mn[m->n++][keep] = 0;
    }
    fclose(f);
    return nm;
}

static void test_shared_jca_cross_check(void **state)
{
    (void)state;
    char dir[4096];
    if (tcap_shared_dir(dir, sizeof dir) == NULL) {
        print_message("skipped: ../shared/applets absent\n");
        skip();
    }
    static const char *const names[] = {"echo/echo",
                                        "arith/arith",
                                        "objects/objects",
                                        "persist/persist",
                                        "pin/pin",
                                        "crypto/crypto",
                                        "channels/channels",
                                        "shareable/server/shserver",
                                        "shareable/client/shclient",
                                        "installparams/installparams",
                                        "gpapi/gpapi"};
    size_t total_insns = 0, total_methods = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.cap", dir, names[i]);
        size_t n = tcap_read_zip(path, &tb);
        assert_true(n > 0);
        jcvm_cap *cap = NULL;
        char why[200];
        if (jcvm_cap_parse(tb.b, n, &cap, why, sizeof why) != 0)
            fail_msg("%s: %s", names[i], why);
        static jmeth jm[256];
        snprintf(path, sizeof path, "%s/%s.jca", dir, names[i]);
        size_t njm = jca_methods(path, jm, 256);
        assert_true(njm > 0);
        /* walk the Method component: each known method start in order; the
         * .jca's methods without code (abstract) have no bytecode here */
        size_t k = 0;
        for (uint16_t s = 0; s < cap->n_method_starts; s++) {
            jcvm_cap_method m;
            assert_true(jcvm_cap_method_at(cap, cap->method_starts[s], &m));
            while (k < njm && jm[k].n == 0)
                k++;
            if (m.flags & JCVM_METH_ABSTRACT)
                continue;
            if (k >= njm)
                fail_msg("%s: more methods in the CAP than in the .jca", names[i]);
            size_t pc = m.code, q = 0;
            while (pc < m.end) {
                size_t len = jcvm_insn_len(cap->method, m.end, pc);
                if (len == 0)
                    fail_msg("%s: method at %u: undecodable opcode 0x%02X at %zu", names[i],
                             m.offset, cap->method[pc], pc - m.code);
                const char *mn = jcvm_op(cap->method[pc])->mnemonic;
                if (q >= jm[k].n)
                    fail_msg("%s: method at %u: more bytecode than the .jca lists", names[i],
                             m.offset);
                if (strcmp(mn, jm[k].mn[q]) != 0)
                    fail_msg("%s: method at %u insn %zu: CAP has %s, .jca says %s", names[i],
                             m.offset, q, mn, jm[k].mn[q]);
                pc += len;
                q++;
            }
            assert_int_equal(pc, m.end);
            assert_int_equal(q, jm[k].n);
            total_insns += q;
            total_methods++;
            k++;
        }
        for (size_t j = 0; j < njm; j++)
            free(jm[j].mn);
        jcvm_cap_free(cap);
    }
    print_message("cross-checked %zu methods, %zu instructions\n", total_methods, total_insns);
    assert_true(total_insns > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_values),
        cmocka_unit_test(test_table_consistent),
        cmocka_unit_test(test_insn_len),
        cmocka_unit_test(test_shared_jca_cross_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
