/*
 * fuzz_bytecode.c: libFuzzer target over the interpreter with verified but
 * random bytecode. The input drives a generator that writes a method body
 * (opcodes and API natives (Util, JCSystem: transactions, transient arrays) chosen
 * among those whose operand types match the modelled stack,
 * locals read only once written, operands from the input, optionally a jump
 * back to the start), spliced into a real applet (jf_bytecode_template.h) as
 * its INS 41 handler. Bodies the card's bytecode verifier refuses are dropped
 * (counted as such by libFuzzer's coverage only); accepted ones are loaded,
 * installed and run under a 20 000-bytecode budget.
 *
 * Oracles (abort = finding): a verified package loads; every answer has a
 * status word and fits the buffer; after the random body the applet still
 * answers 9000 to a harmless command; the state saves, restores and re-saves
 * to the same bytes; the budget ends every run (-timeout catches a hang).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm.h"
#include "jcvm_cap.h"
#include "jcvm_opcodes.h"
#include "jcvm_verify.h"
#include "jf_bytecode_template.h"
#include "jf_fuzz.h"
#include "jf_vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BODY 96
#define MAXSTACK 15
#define NLOC 17 /* 2 arguments + max_locals 15 */

typedef struct {
    uint8_t code[BODY];
    size_t n;
    char st[MAXSTACK + 1];
    int depth;
    char loc[NLOC];
} gen;

static bool pops_match(const gen *g, const char *pops)
{
    int np = (int)strlen(pops);
    if (np > g->depth)
        return false;
    for (int i = 0; i < np; i++) {
        char want = pops[i], have = g->st[g->depth - np + i];
        if (want != '*' && want != have)
            return false;
    }
    return true;
}

/* Emit one instruction chosen by the input; false when nothing fits. */
static bool step(gen *g, jf_reader *r)
{
    const jcvm_opinfo *cand[256];
    int nc = 0;
    for (int b = 0; b < 256; b++) {
        const jcvm_opinfo *op = jcvm_op((uint8_t)b);
        if (!op->mnemonic || op->len == 0)
            continue;
        if (op->flags & (JCVM_OPF_INT | JCVM_OPF_SWITCH | JCVM_OPF_RESERVED | JCVM_OPF_RETURN |
                         JCVM_OPF_INVOKE | JCVM_OPF_BRANCH))
            continue;
        if ((op->flags & JCVM_OPF_VARSTACK) && op->opnd == JCVM_OPND_MN)
            continue; /* dup_x, swap_x */
        if (strchr(op->pops, 'I') || strchr(op->pushes, 'I'))
            continue;
        if (!pops_match(g, op->pops))
            continue;
        int np = (int)strlen(op->pops), nq = (int)strlen(op->pushes);
        if (g->depth - np + nq > MAXSTACK)
            continue;
        if (g->n + op->len + (size_t)(g->depth - np + nq) + 3 > BODY)
            continue;
        /* implicit local loads need the local written with that type */
        if (op->local >= 0 && !(op->flags & JCVM_OPF_STORE) && g->loc[op->local] != op->local_type)
            continue;
        cand[nc++] = op;
    }
    /* the API natives of the template's constant pool (11..23), with random arguments */
    static const struct {
        const char *pops, *pushes;
    } natives[] = {{"asass", "s"}, {"asass", "s"}, {"asss", "s"}, {"asass", "s"}, {"as", "s"},
                   {"ass", "s"},   {"ss", "a"},    {"", ""},      {"", ""},       {"", ""},
                   {"s", "s"},     {"", ""},       {"", "s"}};
    int nat[16], nn = 0;
    for (int k = 0; k < 13; k++) {
        int np = (int)strlen(natives[k].pops), nq = (int)strlen(natives[k].pushes);
        if (pops_match(g, natives[k].pops) && g->depth - np + nq <= MAXSTACK &&
            g->n + 3 + (size_t)(g->depth - np + nq) + 3 <= BODY)
            nat[nn++] = k;
    }
    if (nc + nn == 0)
        return false;
    unsigned pick = jf_byte(r) % (unsigned)(nc + nn);
    if (pick >= (unsigned)nc) {
        int k = nat[pick - (unsigned)nc];
        uint8_t *c = g->code + g->n;
        c[0] = 0x8D; /* invokestatic */
        c[1] = 0;
        c[2] = (uint8_t)(11 + k);
        g->n += 3;
        g->depth -= (int)strlen(natives[k].pops);
        for (const char *q = natives[k].pushes; *q; q++)
            g->st[g->depth++] = *q;
        return true;
    }
    const jcvm_opinfo *op = cand[pick];
    int np = (int)strlen(op->pops);
    uint8_t *c = g->code + g->n;
    c[0] = op->opcode;
    for (unsigned k = 1; k < op->len; k++)
        c[k] = jf_byte(r);
    switch (op->opnd) {
    case JCVM_OPND_ATYPE:
        c[1] = (uint8_t)(10 + c[1] % 3); /* boolean, byte, short */
        break;
    case JCVM_OPND_LOCAL:
    case JCVM_OPND_LOCAL_S1:
    case JCVM_OPND_LOCAL_S2:
        if (op->flags & JCVM_OPF_STORE || op->local_type == 0) {
            c[1] = (uint8_t)(c[1] % NLOC);
        } else { /* a load or sinc: a local written with that type */
            int want = c[1] % NLOC, found = -1;
            for (int k = 0; k < NLOC && found < 0; k++)
                if (g->loc[(want + k) % NLOC] == op->local_type)
                    found = (want + k) % NLOC;
            if (found < 0)
                return true; /* skip: nothing emitted */
            c[1] = (uint8_t)found;
        }
        break;
    default:
        break;
    }
    if (op->cpkind != JCVM_CPK_NONE) {
        /* the template's constant pool: 1 class H, 7 static field, 9 and 10 instance fields
           (a short and a byte[]: the field's type is not the opcode's on purpose, sometimes) */
        uint8_t sel = c[op->len - 1];
        unsigned idx = 1;
        if (op->cpkind == JCVM_CPK_INSTANCE_FIELD)
            idx = 9 + (sel & 1);
        else if (op->cpkind == JCVM_CPK_STATIC_FIELD)
            idx = 7;
        if (op->opnd == JCVM_OPND_CP1) {
            c[1] = (uint8_t)idx;
        } else if (op->opnd == JCVM_OPND_CP2) {
            c[1] = 0;
            c[2] = (uint8_t)idx;
        } else if (op->opnd == JCVM_OPND_TYPE_CP2) {
            static const uint8_t atypes[] = {10, 11, 12, 14};
            c[1] = atypes[sel & 3];
            c[2] = 0;
            c[3] = c[1] == 14 ? 1 : 0;
        }
    }
    if (op->flags & JCVM_OPF_STORE) {
        int li = op->local >= 0 ? op->local : c[1];
        g->loc[li] = op->local_type;
    }
    /* the stack model: pops, then pushes ('*' copies what was popped, for dup/dup2) */
    char popped[8] = {0};
    memcpy(popped, g->st + g->depth - np, (size_t)np);
    g->depth -= np;
    for (const char *q = op->pushes; *q; q++)
        g->st[g->depth++] = *q == '*' ? popped[(q - op->pushes) % (np ? np : 1)] : *q;
    g->n += op->len;
    return true;
}

static size_t find_body(const uint8_t *t, size_t n)
{
    for (size_t i = 0; i + BODY < n; i++) {
        size_t k = 0;
        while (k < BODY && t[i + k] == 0)
            k++;
        if (k == BODY && t[i + BODY] == 0x7A)
            return i;
    }
    return 0;
}

static void run(jcvm *vm, const jc_aid *a, uint8_t ins, uint8_t p1, uint16_t *sw_out)
{
    uint8_t cmd[] = {0x80, ins, p1, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04};
    uint8_t resp[400];
    size_t rl = sizeof resp;
    jcvm_process(vm, a, 0, cmd, sizeof cmd, resp, &rl);
    JF_CHECK(rl >= 2 && rl <= sizeof resp);
    *sw_out = (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t lf[sizeof jf_bytecode_template];
    static size_t body_at;
    if (body_at == 0) {
        body_at = find_body(jf_bytecode_template, sizeof jf_bytecode_template);
        JF_CHECK(body_at != 0);
    }
    jf_reader r = {data, size};
    gen g;
    memset(&g, 0, sizeof g);
    g.loc[0] = g.loc[1] = g.loc[2] = 'a'; /* this, the APDU, the buffer */
    bool loop = (jf_byte(&r) & 7) == 0;
    uint8_t p1 = jf_byte(&r);
    while (r.n > 0 && step(&g, &r))
        ;
    while (g.depth > 0) {
        g.code[g.n++] = 0x3B; /* pop */
        g.depth--;
    }
    if (loop) { /* back to the body's first instruction */
        g.code[g.n] = 0x70;
        g.code[g.n + 1] = (uint8_t)(-(int)g.n);
        g.n += 2;
    }
    while (g.n < BODY)
        g.code[g.n++] = 0x00;
    memcpy(lf, jf_bytecode_template, sizeof lf);
    memcpy(lf + body_at, g.code, BODY);

    jcvm_cap *cap = NULL;
    char why[256];
    JF_CHECK(jcvm_cap_parse(lf, sizeof lf, &cap, why, sizeof why) == 0);
    bool ok = jcvm_verify_package(cap, why, sizeof why) == 0;
    if (getenv("JF_BYTECODE_STATS"))
        fprintf(stderr, "fuzz_bytecode: %zu-byte body %s%s\n", g.n,
                ok ? "verified" : "dropped: ", ok ? "" : why);
    if (!ok) {
        jcvm_cap_free(cap);
        return 0; /* not a verified body: dropped */
    }
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.max_bytecodes = 20000;
    jf_rng rng = {0x9E3779B97F4A7C15ull};
    cfg.random = jf_random;
    cfg.random_ctx = &rng;
    jcvm *vm = jcvm_new(&cfg);
    JF_CHECK(vm != NULL);
    uint16_t sw = 0;
    JF_CHECK(jcvm_load(vm, lf, sizeof lf, &sw, why, sizeof why) == 0);
    const jc_aid *a = &cap->applets[0].aid;
    JF_CHECK(jcvm_install(vm, &cap->pkg.aid, a, a, NULL, 0, 0, &sw, why, sizeof why) == 0);
    uint8_t sel[5 + 16 + 1] = {0x00, 0xA4, 0x04, 0x00, a->len};
    memcpy(sel + 5, a->b, a->len);
    uint8_t resp[400];
    size_t rl = sizeof resp;
    jcvm_select(vm, a, 0, sel, 6u + a->len, resp, &rl);
    JF_CHECK(rl == 2 && resp[0] == 0x90 && resp[1] == 0x00);
    run(vm, a, 0x41, p1, &sw);
    run(vm, a, 0x42, p1, &sw);
    JF_CHECK(sw == 0x9000);
    run(vm, a, 0x41, (uint8_t)(p1 + 1), &sw);
    jcvm_deselect(vm, a, 0);
    jcvm *vm2 = jf_save_restore(vm, &cfg);
    rl = sizeof resp;
    jcvm_select(vm2, a, 0, sel, 6u + a->len, resp, &rl);
    JF_CHECK(rl == 2 && resp[0] == 0x90 && resp[1] == 0x00);
    run(vm2, a, 0x41, p1, &sw);
    run(vm2, a, 0x42, p1, &sw);
    JF_CHECK(sw == 0x9000);
    jcvm_free(vm2);
    jcvm_free(vm);
    jcvm_cap_free(cap);
    return 0;
}
