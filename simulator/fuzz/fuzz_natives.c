/*
 * fuzz_natives.c: libFuzzer target over the Java Card API natives (framework,
 * GlobalPlatform, security and crypto: every method jcvm_native_for binds)
 * called with random arguments. A real applet (jf_bytecode_template.h, its
 * INS 41 body left as nops) is loaded, installed, selected and sent one
 * command, so the APDU state, the applet instance and its package exist; then
 * a frame of the applet's context is pushed the way the JCRE enters process()
 * and the input chooses a sequence of native calls, each made as the
 * interpreter's invoke does (arguments as cells at the top of the caller's
 * stack, `this` an instance of the method's class as invoke checks (a new one
 * when the pool has none and the class is concrete), the same
 * budget). Arguments come from a pool: valid handles (the APDU buffer, the
 * applet, its AID, persistent and transient byte arrays, a short array, API
 * instances made by `new` (the input's own op) or returned by earlier calls
 * such as keys, Cipher, Signature, OwnerPIN), null, forged handle numbers,
 * boundary shorts and lengths just past an array. A call's reference result
 * joins the pool.
 *
 * Input: a sequence of ops; op byte b: b % 8 == 7 = `new` of the API class
 * (next byte, modulo the concrete API classes); otherwise a call of the bound
 * native (next two bytes, modulo their number), each argument cell chosen by
 * one selector byte (and its operand bytes). At most 48 ops. JF_NATIVES_LIST=1
 * prints the numbering (for hand-made seeds), JF_NATIVES_TRACE=1 each call.
 *
 * Oracles (abort = finding): every call returns its result cells (0..2) or -1
 * with a Java exception pending (a real object of a Throwable class) or the
 * VM's runaway stop set; the caller's frame is still the top frame; the
 * heap's and transient memory's accounting equals a recount over the object
 * table and stays within the configured sizes; at most one transaction is
 * open. After the sequence (the JCRE's end of entry: open transaction
 * aborted, deletion done) the applet answers 9000 to a harmless command, the
 * state saves, restores into a second VM, re-saves to the same bytes, and
 * the restored applet is selected and answers 9000.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm.h"
#include "jcvm_api.h"
#include "jcvm_cap.h"
#include "jcvm_int.h"
#include "jf_bytecode_template.h"
#include "jf_fuzz.h"
#include "jf_vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS 48
#define POOL 64
#define ARGS_AT 64 /* stack cell where the pushed frame's arguments start */

static int bound[1024], n_bound;      /* api method indexes with a native */
static int concrete[256], n_concrete; /* api classes `new` may name (not interfaces) */

static void tables(void)
{
    if (n_bound > 0)
        return;
    for (unsigned i = 0; i < jcvm_api_n_methods && n_bound < 1024; i++)
        if (jcvm_native_for((int)i) != NULL)
            bound[n_bound++] = (int)i;
    for (unsigned i = 0; i < jcvm_api_n_classes && n_concrete < 256; i++)
        if (!jcvm_api_classes[i].is_interface)
            concrete[n_concrete++] = (int)i;
    JF_CHECK(n_bound > 0 && n_concrete > 0);
    if (getenv("JF_NATIVES_LIST")) { /* what the op bytes name (for hand-made seeds) */
        for (int k = 0; k < n_bound; k++)
            fprintf(stderr, "call %d %s.%s\n", k,
                    jcvm_api_classes[jcvm_api_methods[bound[k]].cls].name,
                    jcvm_api_methods[bound[k]].sig);
        for (int k = 0; k < n_concrete; k++)
            fprintf(stderr, "new %d %s\n", k, jcvm_api_classes[concrete[k]].name);
    }
}

typedef struct {
    uint16_t h[POOL];
    int n;
} pool;

static void pool_add(pool *p, uint16_t h)
{
    if (h == 0)
        return;
    for (int i = 0; i < p->n; i++)
        if (p->h[i] == h)
            return;
    if (p->n < POOL)
        p->h[p->n++] = h;
    else
        p->h[h % POOL] = h;
}

/* One argument cell from the input's selector. */
static uint16_t arg_cell(jcvm *vm, pool *p, jf_reader *r)
{
    static const uint16_t edge[] = {0,      1, 2,  0xFFFF, 0x7FFF, 0x8000, 0x00FF, 0x0080,
                                    0x0100, 8, 16, 32,     0x7FFE, 0xFFFE, 255,    261};
    uint8_t s = jf_byte(r);
    switch (s % 8) {
    case 0:
        return 0; /* null, 0, false */
    case 1:
    case 2: /* a live handle of the pool */
        return p->n ? p->h[jf_byte(r) % p->n] : 0;
    case 3: { /* a forged handle */
        uint16_t v = (uint16_t)(jf_byte(r) << 8 | jf_byte(r));
        return (uint16_t)(v % (JCVM_MAX_OBJS + 16));
    }
    case 4:
        return edge[jf_byte(r) % 16];
    case 5:
        return (uint16_t)(jf_byte(r) << 8 | jf_byte(r));
    case 6:
        return (uint16_t)(jf_byte(r) % 24);
    default: { /* an array's length, one before or one past it */
        uint16_t h = p->n ? p->h[jf_byte(r) % p->n] : 0;
        uint16_t len = h && h < JCVM_MAX_OBJS ? vm->objs[h].len : 0;
        return (uint16_t)(len + (int)(s >> 3) % 3 - 1);
    }
    }
}

/* The heap accounting recounted over the object table. */
static void check_heap(const jcvm *vm)
{
    uint32_t heap = 0, trans = 0;
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++) {
        const jcvm_obj *o = &vm->objs[h];
        if (o->kind == OK_FREE)
            continue;
        JF_CHECK(o->kind == OK_INST || (o->kind >= OK_ARR_BOOL && o->kind <= OK_ARR_REF));
        JF_CHECK(o->data != NULL);
        uint32_t bytes = (uint32_t)jcvm_elem_size(o->kind) * o->len;
        if (o->flags & OF_TRANSIENT)
            trans += bytes;
        if (!(o->flags & OF_TEMP))
            heap += 8u + ((o->flags & OF_TRANSIENT) ? 0 : bytes);
    }
    JF_CHECK(heap == vm->heap_used);
    JF_CHECK(trans == vm->trans_used);
    JF_CHECK(vm->heap_used <= vm->cfg.heap_size);
    JF_CHECK(vm->trans_used <= vm->cfg.transient_size);
    JF_CHECK(vm->txn_depth <= 1);
}

/* The JCRE's entry into the applet: budget, no exception, one frame of its context. */
static void enter(jcvm *vm, int inst)
{
    vm->budget = 200000;
    vm->runaway = false;
    vm->exc = 0;
    vm->cur_inst = (int8_t)inst;
    jcvm_frame *f = &vm->frames[0];
    memset(f, 0, sizeof *f);
    f->pkg = vm->insts[inst].pkg;
    f->ctx_pkg = (uint8_t)(vm->insts[inst].pkg + 1);
    f->ctx_inst = (uint8_t)(inst + 1);
    f->locals = 0;
    f->sbase = ARGS_AT;
    f->sp = ARGS_AT;
    f->slimit = ARGS_AT + 32;
    f->entry = true;
    vm->nframes = 1;
}

/* The JCRE's end of an entry (after_entry): an open transaction is aborted. */
static void leave(jcvm *vm)
{
    if (vm->txn_depth)
        jcvm_txn_abort(vm);
    if (vm->deletion_requested) {
        vm->deletion_requested = false;
        vm->nframes = 0;
        jcvm_gc(vm);
    }
    vm->nframes = 0;
    vm->cur_inst = -1;
    vm->exc = 0;
}

static bool ref_type(char c)
{
    return c == 'L' || c == '[';
}

/* One native call as the interpreter's invoke makes it. */
static void call(jcvm *vm, int inst, pool *p, jf_reader *r)
{
    uint16_t sel = (uint16_t)(jf_byte(r) << 8 | jf_byte(r));
    int mi = bound[sel % n_bound];
    const jcvm_api_method *am = &jcvm_api_methods[mi];
    int nargs = jcvm_sig_nargs(am->sig) + (am->is_static ? 0 : 1);
    JF_CHECK(nargs >= 0 && nargs <= 16);
    uint16_t args[16];
    for (int i = 0; i < nargs; i++)
        args[i] = arg_cell(vm, p, r);
    if (!am->is_static) { /* `this`: a pool object of the method's class, as invoke checks */
        uint32_t cid = JCVM_CID_API | (uint32_t)am->cls;
        uint16_t need = jcvm_instance_cells(vm, cid);
        int start = p->n ? jf_byte(r) % p->n : 0, found = -1;
        for (int k = 0; k < p->n && found < 0; k++) {
            uint16_t h = p->h[(start + k) % p->n];
            const jcvm_obj *o = &vm->objs[h];
            if (o->kind == OK_INST && jcvm_instance_of(vm, o->cid, cid) && o->len >= need)
                found = (start + k) % p->n;
        }
        if (found < 0 && !jcvm_api_classes[am->cls].is_interface) {
            /* none yet: `new` of the method's class in the applet's context, as 0x8F does */
            uint16_t h = jcvm_alloc(vm, OK_INST, need, cid, 0, (uint8_t)(vm->insts[inst].pkg + 1),
                                    (uint8_t)(inst + 1));
            if (h != 0) {
                pool_add(p, h);
                args[0] = h;
                found = POOL; /* not in the pool when it was full */
            }
        }
        if (found < 0)
            return; /* nothing to call it on */
        if (found < POOL)
            args[0] = p->h[found];
    }
    enter(vm, inst);
    jcvm_frame *f = &vm->frames[0];
    memcpy(vm->stack + ARGS_AT, args, (size_t)nargs * sizeof *args);
    f->sp = (uint16_t)(ARGS_AT + nargs);
    uint16_t ret[2] = {0, 0};
    int nr = jcvm_native_for(mi)(vm, vm->stack + ARGS_AT, ret);
    if (getenv("JF_NATIVES_TRACE"))
        fprintf(stderr, "fuzz_natives: %s.%s -> %d %s%s\n", jcvm_api_classes[am->cls].name, am->sig,
                nr, vm->runaway ? vm->runaway_why : "",
                vm->exc && vm->exc < JCVM_MAX_OBJS && vm->objs[vm->exc].kind == OK_INST &&
                        (vm->objs[vm->exc].cid & JCVM_CID_API)
                    ? jcvm_api_classes[vm->objs[vm->exc].cid & 0xFFFF].name
                    : "");
    JF_CHECK(nr >= -1 && nr <= 2);
    if (nr < 0) {
        JF_CHECK(vm->exc != 0 || vm->runaway);
        if (vm->exc) {
            JF_CHECK(vm->exc < JCVM_MAX_OBJS && vm->objs[vm->exc].kind == OK_INST);
            JF_CHECK(jcvm_instance_of(vm, vm->objs[vm->exc].cid,
                                      jcvm_api_cid("java.lang", "Throwable")));
        }
    } else {
        JF_CHECK(!vm->runaway);
        const char *rt = strchr(am->sig, ')');
        if (nr == 1 && rt && ref_type(rt[1])) {
            JF_CHECK(ret[0] < JCVM_MAX_OBJS);
            JF_CHECK(ret[0] == 0 || vm->objs[ret[0]].kind != OK_FREE);
            pool_add(p, ret[0]);
        }
    }
    if (!vm->runaway)
        JF_CHECK(vm->nframes == 1);
    vm->nframes = 0;
    vm->exc = 0;
    vm->runaway = false;
    check_heap(vm);
}

/* `new` of an API class in the applet's context (the interpreter's 0x8F). */
static void make(jcvm *vm, int inst, pool *p, jf_reader *r)
{
    uint32_t cid = JCVM_CID_API | (uint32_t)concrete[jf_byte(r) % n_concrete];
    uint16_t h = jcvm_alloc(vm, OK_INST, jcvm_instance_cells(vm, cid), cid, 0,
                            (uint8_t)(vm->insts[inst].pkg + 1), (uint8_t)(inst + 1));
    pool_add(p, h);
}

static uint16_t send(jcvm *vm, const jc_aid *a, uint8_t ins)
{
    uint8_t cmd[] = {0x80, ins, 0x00, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04};
    uint8_t resp[400];
    size_t rl = sizeof resp;
    jcvm_process(vm, a, 0, cmd, sizeof cmd, resp, &rl);
    JF_CHECK(rl >= 2 && rl <= sizeof resp);
    return (uint16_t)(resp[rl - 2] << 8 | resp[rl - 1]);
}

static void select_ok(jcvm *vm, const jc_aid *a)
{
    uint8_t sel[5 + 16 + 1] = {0x00, 0xA4, 0x04, 0x00, a->len};
    memcpy(sel + 5, a->b, a->len);
    uint8_t resp[400];
    size_t rl = sizeof resp;
    jcvm_select(vm, a, 0, sel, 6u + a->len, resp, &rl);
    JF_CHECK(rl == 2 && resp[0] == 0x90 && resp[1] == 0x00);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tables();
    jcvm_cap *cap = NULL;
    char why[256];
    JF_CHECK(jcvm_cap_parse(jf_bytecode_template, sizeof jf_bytecode_template, &cap, why,
                            sizeof why) == 0);
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.max_bytecodes = 200000;
    cfg.crypto_profile = 2; /* every algorithm the engine has */
    jf_rng rng = {0x9E3779B97F4A7C15ull};
    cfg.random = jf_random;
    cfg.random_ctx = &rng;
    jcvm *vm = jcvm_new(&cfg);
    JF_CHECK(vm != NULL);
    uint16_t sw = 0;
    JF_CHECK(jcvm_load(vm, jf_bytecode_template, sizeof jf_bytecode_template, &sw, why,
                       sizeof why) == 0);
    const jc_aid *a = &cap->applets[0].aid;
    JF_CHECK(jcvm_install(vm, &cap->pkg.aid, a, a, NULL, 0, 0, &sw, why, sizeof why) == 0);
    int inst = jcvm_find_inst(vm, a);
    JF_CHECK(inst >= 0);
    select_ok(vm, a);
    JF_CHECK(send(vm, a, 0x41) == 0x9000); /* the APDU state of a case-4 command */

    /* the pool: the APDU buffer, the applet, its AID and arrays of the applet's context */
    pool p = {{0}, 0};
    uint8_t ctx = (uint8_t)(vm->insts[inst].pkg + 1), ictx = (uint8_t)(inst + 1);
    pool_add(&p, vm->apdu_buf);
    pool_add(&p, vm->apdu_obj);
    pool_add(&p, vm->insts[inst].applet);
    pool_add(&p, jcvm_inst_aid_obj(vm, inst));
    pool_add(&p, jcvm_alloc(vm, OK_ARR_BYTE, 40, JCVM_CID_NONE, 0, ctx, ictx));
    pool_add(&p, jcvm_alloc(vm, OK_ARR_BYTE, 16, JCVM_CID_NONE, OF_T_DESELECT, ctx, ictx));
    pool_add(&p, jcvm_alloc(vm, OK_ARR_BYTE, 8, JCVM_CID_NONE, OF_T_RESET, ctx, ictx));
    pool_add(&p, jcvm_alloc(vm, OK_ARR_SHORT, 8, JCVM_CID_NONE, 0, ctx, ictx));
    pool_add(&p, jcvm_alloc(vm, OK_ARR_REF, 4, JCVM_CID_NONE, 0, ctx, ictx));
    check_heap(vm);

    jf_reader r = {data, size};
    for (int op = 0; op < MAX_OPS && r.n > 0; op++) {
        if (jf_byte(&r) % 8 == 7)
            make(vm, inst, &p, &r);
        else
            call(vm, inst, &p, &r);
    }
    leave(vm);
    check_heap(vm);

    JF_CHECK(send(vm, a, 0x42) == 0x9000);
    jcvm_deselect(vm, a, 0);
    jcvm *vm2 = jf_save_restore(vm, &cfg);
    check_heap(vm2);
    select_ok(vm2, a);
    JF_CHECK(send(vm2, a, 0x42) == 0x9000);
    jcvm_free(vm2);
    jcvm_free(vm);
    jcvm_cap_free(cap);
    return 0;
}
