/*
 * jcvm_interp.c: the bytecode interpreter. One loop over a switch, with the
 * frame's pc, stack pointer and bounds in locals; no allocation per
 * instruction. Every instruction's operands are checked to lie inside its
 * method, every stack access inside its frame, every local index inside the
 * frame's locals, every constant pool index and kind, every field cell and
 * static offset, so even unverified code cannot touch memory outside its own
 * method, frame, objects and constant pool. A budget of bytecodes and frames
 * bounds each entry from the JCRE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jcvm_int.h"

/* instruction length (0 = variable or invalid), cells popped, cells pushed */
static uint8_t op_len[256], op_pop[256], op_push[256], op_int[256];

static void def(int op, int len, int pop, int push)
{
    op_len[op] = (uint8_t)len;
    op_pop[op] = (uint8_t)pop;
    op_push[op] = (uint8_t)push;
}

static void init_tables(void)
{
    static bool done = false;
    if (done)
        return;
    def(0x00, 1, 0, 0);
    def(0x01, 1, 0, 1);
    for (int o = 0x02; o <= 0x08; o++)
        def(o, 1, 0, 1);
    for (int o = 0x09; o <= 0x0F; o++)
        def(o, 1, 0, 2);
    def(0x10, 2, 0, 1);
    def(0x11, 3, 0, 1);
    def(0x12, 2, 0, 2);
    def(0x13, 3, 0, 2);
    def(0x14, 5, 0, 2);
    def(0x15, 2, 0, 1);
    def(0x16, 2, 0, 1);
    def(0x17, 2, 0, 2);
    for (int o = 0x18; o <= 0x1F; o++)
        def(o, 1, 0, 1);
    for (int o = 0x20; o <= 0x23; o++)
        def(o, 1, 0, 2);
    def(0x24, 1, 2, 1);
    def(0x25, 1, 2, 1);
    def(0x26, 1, 2, 1);
    def(0x27, 1, 2, 2);
    def(0x28, 2, 1, 0);
    def(0x29, 2, 1, 0);
    def(0x2A, 2, 2, 0);
    for (int o = 0x2B; o <= 0x32; o++)
        def(o, 1, 1, 0);
    for (int o = 0x33; o <= 0x36; o++)
        def(o, 1, 2, 0);
    def(0x37, 1, 3, 0);
    def(0x38, 1, 3, 0);
    def(0x39, 1, 3, 0);
    def(0x3A, 1, 4, 0);
    def(0x3B, 1, 1, 0);
    def(0x3C, 1, 2, 0);
    def(0x3D, 1, 1, 2);
    def(0x3E, 1, 2, 4);
    def(0x3F, 2, 0, 0); /* dup_x: checked in place */
    def(0x40, 2, 0, 0); /* swap_x */
    for (int o = 0x41; o <= 0x58; o++) {
        if (o == 0x4B)
            def(o, 1, 1, 1);
        else if (o == 0x4C)
            def(o, 1, 2, 2);
        else if (o & 1)
            def(o, 1, 2, 1); /* short binary ops are odd */
        else
            def(o, 1, 4, 2);
    }
    def(0x59, 3, 0, 0);
    def(0x5A, 3, 0, 0);
    def(0x5B, 1, 1, 1);
    def(0x5C, 1, 1, 2);
    def(0x5D, 1, 2, 1);
    def(0x5E, 1, 2, 1);
    def(0x5F, 1, 4, 1);
    for (int o = 0x60; o <= 0x67; o++)
        def(o, 2, 1, 0);
    for (int o = 0x68; o <= 0x6F; o++)
        def(o, 2, 2, 0);
    def(0x70, 2, 0, 0);
    def(0x71, 3, 0, 1);
    def(0x72, 2, 0, 0);
    def(0x73, 0, 1, 0);
    def(0x74, 0, 2, 0);
    def(0x75, 0, 1, 0);
    def(0x76, 0, 2, 0);
    def(0x77, 1, 1, 0);
    def(0x78, 1, 1, 0);
    def(0x79, 1, 2, 0);
    def(0x7A, 1, 0, 0);
    def(0x7B, 3, 0, 1);
    def(0x7C, 3, 0, 1);
    def(0x7D, 3, 0, 1);
    def(0x7E, 3, 0, 2);
    def(0x7F, 3, 1, 0);
    def(0x80, 3, 1, 0);
    def(0x81, 3, 1, 0);
    def(0x82, 3, 2, 0);
    def(0x83, 2, 1, 1);
    def(0x84, 2, 1, 1);
    def(0x85, 2, 1, 1);
    def(0x86, 2, 1, 2);
    def(0x87, 2, 2, 0);
    def(0x88, 2, 2, 0);
    def(0x89, 2, 2, 0);
    def(0x8A, 2, 3, 0);
    def(0x8B, 3, 0, 0);
    def(0x8C, 3, 0, 0);
    def(0x8D, 3, 0, 0);
    def(0x8E, 5, 0, 0);
    def(0x8F, 3, 0, 1);
    def(0x90, 2, 1, 1);
    def(0x91, 3, 1, 1);
    def(0x92, 1, 1, 1);
    def(0x93, 1, 1, 0);
    def(0x94, 4, 1, 1);
    def(0x95, 4, 1, 1);
    def(0x96, 4, 0, 0);
    def(0x97, 4, 0, 0);
    for (int o = 0x98; o <= 0x9F; o++)
        def(o, 3, 1, 0);
    for (int o = 0xA0; o <= 0xA7; o++)
        def(o, 3, 2, 0);
    def(0xA8, 3, 0, 0);
    def(0xA9, 3, 1, 1);
    def(0xAA, 3, 1, 1);
    def(0xAB, 3, 1, 1);
    def(0xAC, 3, 1, 2);
    def(0xAD, 2, 0, 1);
    def(0xAE, 2, 0, 1);
    def(0xAF, 2, 0, 1);
    def(0xB0, 2, 0, 2);
    def(0xB1, 3, 2, 0);
    def(0xB2, 3, 2, 0);
    def(0xB3, 3, 2, 0);
    def(0xB4, 3, 3, 0);
    def(0xB5, 2, 1, 0);
    def(0xB6, 2, 1, 0);
    def(0xB7, 2, 1, 0);
    def(0xB8, 2, 2, 0);
    static const uint8_t ints[] = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x12, 0x13, 0x14, 0x17,
                                   0x20, 0x21, 0x22, 0x23, 0x27, 0x2A, 0x33, 0x34, 0x35, 0x36, 0x3A,
                                   0x42, 0x44, 0x46, 0x48, 0x4A, 0x4C, 0x4E, 0x50, 0x52, 0x54, 0x56,
                                   0x58, 0x5A, 0x5C, 0x5D, 0x5E, 0x5F, 0x74, 0x76, 0x79, 0x7E, 0x82,
                                   0x86, 0x8A, 0x97, 0xAC, 0xB0, 0xB4, 0xB8};
    for (size_t i = 0; i < sizeof ints; i++)
        op_int[ints[i]] = 1;
    done = true;
}

__attribute__((format(printf, 2, 3))) void jcvm_trace(jcvm *vm, const char *fmt, ...)
{
    if (vm->cfg.trace == NULL)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    vm->cfg.trace(vm->cfg.trace_ctx, line);
}

uint16_t jcvm_cur_ctx_pkg(const jcvm *vm)
{
    return vm->nframes > 0 ? vm->frames[vm->nframes - 1].ctx_pkg : 0;
}

uint16_t jcvm_cur_ctx_inst(const jcvm *vm)
{
    return vm->nframes > 0 ? vm->frames[vm->nframes - 1].ctx_inst : 0;
}

/* push a frame for method (pkg, off) whose nargs argument cells are already at
   stack[args_at..]; returns false (exception or runaway set) if it cannot. */
static bool push_frame(jcvm *vm, int pkg, uint16_t off, uint16_t args_at, uint8_t ctx_pkg,
                       uint8_t ctx_inst, uint8_t prev_inst, bool entry)
{
    jcvm_cap_method m;
    if (pkg < 0 || pkg >= JCVM_MAX_PKGS || !vm->pkgs[pkg].used ||
        !jcvm_cap_method_at(vm->pkgs[pkg].cap, off, &m) || (m.flags & JCVM_METH_ABSTRACT)) {
        vm->runaway = true;
        snprintf(vm->runaway_why, sizeof vm->runaway_why, "invocation of no method at %u", off);
        return false;
    }
    unsigned need = (unsigned)args_at + m.nargs + m.max_locals + m.max_stack;
    unsigned maxf = vm->cfg.max_frames ? vm->cfg.max_frames : 128;
    if (maxf > JCVM_MAX_FRAMES_HARD)
        maxf = JCVM_MAX_FRAMES_HARD;
    if (vm->nframes >= (int)maxf || need > JCVM_STACK_CELLS) {
        vm->runaway = true;
        snprintf(vm->runaway_why, sizeof vm->runaway_why,
                 "frame budget exhausted (%d frames) entering method %u", vm->nframes, off);
        return false;
    }
    jcvm_frame *f = &vm->frames[vm->nframes++];
    f->pc = m.code;
    f->code = m.code;
    f->end = m.end;
    f->locals = args_at;
    f->sbase = (uint16_t)(args_at + m.nargs + m.max_locals);
    f->sp = f->sbase;
    f->slimit = (uint16_t)(f->sbase + m.max_stack);
    f->pkg = (uint8_t)pkg;
    f->ctx_pkg = ctx_pkg;
    f->ctx_inst = ctx_inst;
    f->prev_inst = prev_inst;
    f->entry = entry;
    memset(vm->stack + args_at + m.nargs, 0, m.max_locals * sizeof(uint16_t));
    return true;
}

static uint16_t sys_exc_for(jcvm *vm, const char *cls)
{
    for (int i = 0; i < vm->n_sys_exc; i++)
        if (strcmp(jcvm_api_classes[vm->sys_exc_cls[i]].name, cls) == 0)
            return vm->sys_exc[i];
    return 0;
}

void jcvm_throw_api(jcvm *vm, const char *cls, uint16_t reason)
{
    uint16_t h = sys_exc_for(vm, cls);
    if (h == 0) {
        vm->runaway = true;
        snprintf(vm->runaway_why, sizeof vm->runaway_why, "no system instance of %s", cls);
        return;
    }
    uint16_t *cells = vm->objs[h].data;
    cells[0] = reason;
    vm->exc = h;
}

/* Find a handler for vm->exc in frame f at pc; returns handler offset or -1. */
static int find_handler(jcvm *vm, const jcvm_frame *f, uint16_t pc)
{
    const jcvm_pkg *p = &vm->pkgs[f->pkg];
    const jcvm_cap *cap = p->cap;
    const jcvm_obj *eo = &vm->objs[vm->exc];
    for (unsigned i = 0; i < cap->n_handlers; i++) {
        const jcvm_cap_handler *h = &cap->handlers[i];
        if (pc < h->start || pc >= h->start + h->length)
            continue;
        if (h->handler < f->code || h->handler >= f->end)
            continue; /* not in this method: ignore (malformed) */
        if (h->catch_type == 0 || jcvm_instance_of(vm, eo->cid, p->res[h->catch_type].cid))
            return h->handler;
    }
    return -1;
}

#define S16(x) ((int16_t)(x))

static inline int32_t get_int(const uint16_t *s)
{
    return (int32_t)((uint32_t)s[0] << 16 | s[1]);
}
static inline void put_int(uint16_t *s, int32_t v)
{
    s[0] = (uint16_t)((uint32_t)v >> 16);
    s[1] = (uint16_t)v;
}

/* Run until the frame count drops to `base`; returns 0, or -1 on an uncaught
   exception (vm->exc) or a runaway (vm->runaway). */
static int run(jcvm *vm, int base)
{
    init_tables();
    jcvm_frame *f;
    const uint8_t *M;
    uint16_t *st = vm->stack;
    unsigned pc, sp, lp, sbase, slimit, cend, nloc;
    uint8_t ctx;
    jcvm_pkg *P;
    const bool int_ok = vm->cfg.int_support;
    int64_t budget = vm->budget;
    uint64_t count0 = (uint64_t)budget;

#define LOAD_FRAME()                                                                               \
    do {                                                                                           \
        f = &vm->frames[vm->nframes - 1];                                                          \
        P = &vm->pkgs[f->pkg];                                                                     \
        M = P->cap->method;                                                                        \
        pc = f->pc;                                                                                \
        sp = f->sp;                                                                                \
        lp = f->locals;                                                                            \
        sbase = f->sbase;                                                                          \
        slimit = f->slimit;                                                                        \
        cend = f->end;                                                                             \
        nloc = f->sbase - f->locals;                                                               \
        ctx = f->ctx_pkg;                                                                          \
    } while (0)
#define SAVE_FRAME()                                                                               \
    do {                                                                                           \
        f->pc = (uint16_t)pc;                                                                      \
        f->sp = (uint16_t)sp;                                                                      \
    } while (0)
#define THROW(cls, reason)                                                                         \
    do {                                                                                           \
        jcvm_throw_api(vm, cls, reason);                                                           \
        goto exception;                                                                            \
    } while (0)
#define BAD(...)                                                                                   \
    do {                                                                                           \
        snprintf(vm->runaway_why, sizeof vm->runaway_why, __VA_ARGS__);                            \
        goto runaway;                                                                              \
    } while (0)
#define U1(k) (M[pc + (k)])
#define S1(k) ((int8_t)M[pc + (k)])
#define U2(k) ((uint16_t)(M[pc + (k)] << 8 | M[pc + (k) + 1]))
#define LOCAL(i)                                                                                   \
    do {                                                                                           \
        if ((unsigned)(i) >= nloc)                                                                 \
            BAD("local %u outside the frame's %u", (unsigned)(i), nloc);                           \
    } while (0)
#define CP(idx, want)                                                                              \
    do {                                                                                           \
        if ((idx) >= P->cap->n_cp || P->res[(idx)].kind != (want))                                 \
            BAD("constant pool index %u is not of kind %u", (unsigned)(idx), (unsigned)(want));    \
    } while (0)
#define OBJ(h, o)                                                                                  \
    do {                                                                                           \
        if ((h) == 0)                                                                              \
            THROW("NullPointerException", 0);                                                      \
        if ((h) >= JCVM_MAX_OBJS || vm->objs[(h)].kind == OK_FREE)                                 \
            BAD("reference %u is no object", (unsigned)(h));                                       \
        o = &vm->objs[(h)];                                                                        \
    } while (0)
#define FW(o)                                                                                      \
    do {                                                                                           \
        if (ctx != 0 && (o)->owner_pkg != ctx && !((o)->flags & OF_GLOBAL))                        \
            THROW("SecurityException", 0);                                                         \
    } while (0)
/* A temporary JCRE object (APDU object, APDU buffer, bArray): JCRE 6.2.2 forbids
   storing a reference to it in a field or an array component (SecurityException). */
#define TEMP_REF(v) ((v) != 0 && (v) < JCVM_MAX_OBJS && (vm->objs[(v)].flags & OF_TEMP))
#define BRANCH(off)                                                                                \
    do {                                                                                           \
        int _t = (int)pc + (off);                                                                  \
        if (_t < (int)f->code || _t >= (int)cend)                                                  \
            BAD("branch to %d outside the method", _t);                                            \
        pc = (unsigned)_t;                                                                         \
        goto next;                                                                                 \
    } while (0)

    LOAD_FRAME();
next:
    for (;;) {
        if (pc >= cend)
            BAD("pc %u past the method end %u", pc, cend);
        uint8_t op = M[pc];
        if (--budget < 0) {
            snprintf(vm->runaway_why, sizeof vm->runaway_why, "bytecode budget exhausted");
            goto runaway;
        }
        unsigned len = op_len[op];
        if (len != 0) {
            if (pc + len > cend)
                BAD("instruction %02X at %u runs past the method", op, pc);
            if (sp < sbase + op_pop[op] || sp - op_pop[op] + op_push[op] > slimit)
                BAD("operand stack out of the frame at %02X", op);
        }
        if (op_int[op] && !int_ok)
            BAD("int bytecode %02X on a card without int support", op);
        if (vm->cfg.trace_bytecodes) /* trace hook (jcvm_trace.c) */
            jcvm_tr_bc(vm, f->pkg, pc, op, sp - sbase);
        jcvm_obj *o;
        uint16_t h;
        switch (op) {
        case 0x00:
            break;
        case 0x01:
            st[sp++] = 0;
            break;
        case 0x02:
        case 0x03:
        case 0x04:
        case 0x05:
        case 0x06:
        case 0x07:
        case 0x08:
            st[sp++] = (uint16_t)(op - 0x03);
            break;
        case 0x09:
        case 0x0A:
        case 0x0B:
        case 0x0C:
        case 0x0D:
        case 0x0E:
        case 0x0F:
            put_int(st + sp, op - 0x0A);
            sp += 2;
            break;
        case 0x10:
            st[sp++] = (uint16_t)S1(1);
            break;
        case 0x11:
            st[sp++] = U2(1);
            break;
        case 0x12:
            put_int(st + sp, S1(1));
            sp += 2;
            break;
        case 0x13:
            put_int(st + sp, S16(U2(1)));
            sp += 2;
            break;
        case 0x14:
            st[sp] = U2(1);
            st[sp + 1] = U2(3);
            sp += 2;
            break;
        case 0x15:
        case 0x16:
            LOCAL(U1(1));
            st[sp++] = st[lp + U1(1)];
            break;
        case 0x17:
            LOCAL(U1(1) + 1);
            st[sp] = st[lp + U1(1)];
            st[sp + 1] = st[lp + U1(1) + 1];
            sp += 2;
            break;
        case 0x18:
        case 0x19:
        case 0x1A:
        case 0x1B:
            LOCAL(op - 0x18);
            st[sp++] = st[lp + op - 0x18];
            break;
        case 0x1C:
        case 0x1D:
        case 0x1E:
        case 0x1F:
            LOCAL(op - 0x1C);
            st[sp++] = st[lp + op - 0x1C];
            break;
        case 0x20:
        case 0x21:
        case 0x22:
        case 0x23:
            LOCAL(op - 0x20 + 1);
            st[sp] = st[lp + op - 0x20];
            st[sp + 1] = st[lp + op - 0x20 + 1];
            sp += 2;
            break;
        case 0x24:
        case 0x25:
        case 0x26:
        case 0x27: { /* aaload baload saload iaload */
            static const uint8_t kinds[] = {OK_ARR_REF, OK_ARR_BYTE, OK_ARR_SHORT, OK_ARR_INT};
            h = st[sp - 2];
            int16_t idx = S16(st[sp - 1]);
            OBJ(h, o);
            FW(o);
            uint8_t k = kinds[op - 0x24];
            if (o->kind != k && !(k == OK_ARR_BYTE && o->kind == OK_ARR_BOOL))
                BAD("array load %02X on an object of kind %u", op, o->kind);
            if (idx < 0 || idx >= o->len)
                THROW("ArrayIndexOutOfBoundsException", 0);
            sp -= 2;
            if (k == OK_ARR_BYTE)
                st[sp++] = (uint16_t)(int8_t)((uint8_t *)o->data)[idx];
            else if (k == OK_ARR_INT) {
                put_int(st + sp, ((int32_t *)o->data)[idx]);
                sp += 2;
            } else
                st[sp++] = ((uint16_t *)o->data)[idx];
            break;
        }
        case 0x28:
        case 0x29:
            LOCAL(U1(1));
            st[lp + U1(1)] = st[--sp];
            break;
        case 0x2A:
            LOCAL(U1(1) + 1);
            sp -= 2;
            st[lp + U1(1)] = st[sp];
            st[lp + U1(1) + 1] = st[sp + 1];
            break;
        case 0x2B:
        case 0x2C:
        case 0x2D:
        case 0x2E:
            LOCAL(op - 0x2B);
            st[lp + op - 0x2B] = st[--sp];
            break;
        case 0x2F:
        case 0x30:
        case 0x31:
        case 0x32:
            LOCAL(op - 0x2F);
            st[lp + op - 0x2F] = st[--sp];
            break;
        case 0x33:
        case 0x34:
        case 0x35:
        case 0x36:
            LOCAL(op - 0x33 + 1);
            sp -= 2;
            st[lp + op - 0x33] = st[sp];
            st[lp + op - 0x33 + 1] = st[sp + 1];
            break;
        case 0x37:
        case 0x38:
        case 0x39:
        case 0x3A: { /* aastore bastore sastore iastore */
            unsigned vc = op == 0x3A ? 2 : 1;
            h = st[sp - 2 - vc];
            int16_t idx = S16(st[sp - 1 - vc]);
            OBJ(h, o);
            FW(o);
            static const uint8_t kinds[] = {OK_ARR_REF, OK_ARR_BYTE, OK_ARR_SHORT, OK_ARR_INT};
            uint8_t k = kinds[op - 0x37];
            if (o->kind != k && !(k == OK_ARR_BYTE && o->kind == OK_ARR_BOOL))
                BAD("array store %02X on an object of kind %u", op, o->kind);
            if (idx < 0 || idx >= o->len)
                THROW("ArrayIndexOutOfBoundsException", 0);
            if (k == OK_ARR_REF) {
                uint16_t v = st[sp - 1];
                if (v != 0) {
                    if (v >= JCVM_MAX_OBJS || vm->objs[v].kind == OK_FREE)
                        BAD("stored reference %u is no object", v);
                    if (vm->objs[v].flags & OF_TEMP)
                        THROW("SecurityException", 0); /* JCRE 6.2.2: temporary objects */
                    if (o->cid != JCVM_CID_NONE && !jcvm_obj_is(vm, v, 0, o->cid))
                        THROW("ArrayStoreException", 0);
                }
            }
            size_t es = jcvm_elem_size(o->kind);
            uint8_t *at = (uint8_t *)o->data + es * (unsigned)idx;
            if (!(o->flags & (OF_TRANSIENT | OF_TEMP)) && jcvm_wpoint(vm, "array element store"))
                goto runaway_set;
            if (vm->txn_depth && !(o->flags & OF_TRANSIENT))
                jcvm_log(vm, h, 0, (uint32_t)(es * (unsigned)idx), at, (uint8_t)es);
            if (!(o->flags & OF_TRANSIENT))
                vm->dirty = true;
            if (k == OK_ARR_BYTE)
                *at = (uint8_t)st[sp - 1];
            else if (k == OK_ARR_INT)
                ((int32_t *)o->data)[idx] = get_int(st + sp - 2);
            else
                ((uint16_t *)o->data)[idx] = st[sp - 1];
            sp -= 2 + vc;
            break;
        }
        case 0x3B:
            sp--;
            break;
        case 0x3C:
            sp -= 2;
            break;
        case 0x3D:
            st[sp] = st[sp - 1];
            sp++;
            break;
        case 0x3E:
            st[sp] = st[sp - 2];
            st[sp + 1] = st[sp - 1];
            sp += 2;
            break;
        case 0x3F: { /* dup_x mn: duplicate top m cells, insert n cells down */
            unsigned m = U1(1) >> 4, n = U1(1) & 0x0F;
            if (m < 1 || m > 4 || (n != 0 && (n < m || n > m + 4)))
                BAD("dup_x %02X malformed", U1(1));
            unsigned depth = n ? n : m;
            if (sp < sbase + depth || sp + m > slimit)
                BAD("dup_x out of the frame");
            uint16_t tmp[4];
            memcpy(tmp, st + sp - m, m * 2);
            memmove(st + sp - depth + m, st + sp - depth, depth * 2);
            memcpy(st + sp - depth, tmp, m * 2);
            sp += m;
            break;
        }
        case 0x40: { /* swap_x mn */
            unsigned m = U1(1) >> 4, n = U1(1) & 0x0F;
            if (m < 1 || m > 2 || n < 1 || n > 2 || sp < sbase + m + n)
                BAD("swap_x %02X malformed", U1(1));
            uint16_t tmp[4];
            memcpy(tmp, st + sp - m - n, n * 2);
            memmove(st + sp - m - n, st + sp - m, m * 2);
            memcpy(st + sp - n, tmp, n * 2);
            break;
        }
        case 0x41:
            sp--;
            st[sp - 1] = (uint16_t)(st[sp - 1] + st[sp]);
            break;
        case 0x43:
            sp--;
            st[sp - 1] = (uint16_t)(st[sp - 1] - st[sp]);
            break;
        case 0x45:
            sp--;
            st[sp - 1] = (uint16_t)((int32_t)S16(st[sp - 1]) * S16(st[sp]));
            break;
        case 0x47:
        case 0x49: {
            int16_t b = S16(st[sp - 1]), a = S16(st[sp - 2]);
            if (b == 0)
                THROW("ArithmeticException", 0);
            int32_t r = op == 0x47 ? (int32_t)a / b : (int32_t)a % b;
            sp--;
            st[sp - 1] = (uint16_t)r;
            break;
        }
        case 0x4B:
            st[sp - 1] = (uint16_t)(-S16(st[sp - 1]));
            break;
        case 0x4D:
            sp--;
            st[sp - 1] = (uint16_t)((uint32_t)S16(st[sp - 1]) << (st[sp] & 0x1F));
            break;
        case 0x4F:
            sp--;
            st[sp - 1] = (uint16_t)((int32_t)S16(st[sp - 1]) >> (st[sp] & 0x1F));
            break;
        case 0x51: /* sushr: sign-extend to 32 bits, shift with zero extension, truncate */
            sp--;
            st[sp - 1] = (uint16_t)((uint32_t)(int32_t)S16(st[sp - 1]) >> (st[sp] & 0x1F));
            break;
        case 0x53:
            sp--;
            st[sp - 1] &= st[sp];
            break;
        case 0x55:
            sp--;
            st[sp - 1] |= st[sp];
            break;
        case 0x57:
            sp--;
            st[sp - 1] ^= st[sp];
            break;
        case 0x42:
        case 0x44:
        case 0x46:
        case 0x48:
        case 0x4A:
        case 0x4E:
        case 0x50:
        case 0x52:
        case 0x54:
        case 0x56:
        case 0x58: {
            int32_t b = get_int(st + sp - 2), a = get_int(st + sp - 4), r = 0;
            uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
            switch (op) {
            case 0x42:
                r = (int32_t)(ua + ub);
                break;
            case 0x44:
                r = (int32_t)(ua - ub);
                break;
            case 0x46:
                r = (int32_t)(ua * ub);
                break;
            case 0x48:
            case 0x4A:
                if (b == 0)
                    THROW("ArithmeticException", 0);
                if (a == INT32_MIN && b == -1)
                    r = op == 0x48 ? INT32_MIN : 0;
                else
                    r = op == 0x48 ? a / b : a % b;
                break;
            case 0x4E:
                r = (int32_t)(ua << (ub & 31));
                break;
            case 0x50:
                r = a >> (ub & 31);
                break;
            case 0x52:
                r = (int32_t)(ua >> (ub & 31));
                break;
            case 0x54:
                r = a & b;
                break;
            case 0x56:
                r = a | b;
                break;
            default:
                r = a ^ b;
                break;
            }
            sp -= 2;
            put_int(st + sp - 2, r);
            break;
        }
        case 0x4C:
            put_int(st + sp - 2, (int32_t)(0u - (uint32_t)get_int(st + sp - 2)));
            break;
        case 0x59:
            LOCAL(U1(1));
            st[lp + U1(1)] = (uint16_t)(st[lp + U1(1)] + S1(2));
            break;
        case 0x96:
            LOCAL(U1(1));
            st[lp + U1(1)] = (uint16_t)(st[lp + U1(1)] + U2(2));
            break;
        case 0x5A:
        case 0x97: {
            LOCAL(U1(1) + 1);
            int32_t d = op == 0x5A ? S1(2) : S16(U2(2));
            put_int(st + lp + U1(1), (int32_t)((uint32_t)get_int(st + lp + U1(1)) + (uint32_t)d));
            break;
        }
        case 0x5B:
            st[sp - 1] = (uint16_t)(int8_t)st[sp - 1];
            break;
        case 0x5C:
            put_int(st + sp - 1, S16(st[sp - 1]));
            sp++;
            break;
        case 0x5D:
            sp--;
            st[sp - 1] = (uint16_t)(int8_t)st[sp];
            break;
        case 0x5E:
            sp--;
            st[sp - 1] = st[sp];
            break;
        case 0x5F: {
            int32_t b = get_int(st + sp - 2), a = get_int(st + sp - 4);
            sp -= 3;
            st[sp - 1] = (uint16_t)(a < b ? -1 : a > b ? 1 : 0);
            break;
        }
        case 0x60:
        case 0x61:
        case 0x62:
        case 0x63:
        case 0x64:
        case 0x65:
        case 0x66:
        case 0x67:
        case 0x98:
        case 0x99:
        case 0x9A:
        case 0x9B:
        case 0x9C:
        case 0x9D:
        case 0x9E:
        case 0x9F: {
            int16_t v = S16(st[--sp]);
            unsigned c = op >= 0x98 ? op - 0x98 : op - 0x60;
            bool t;
            switch (c) {
            case 0:
            case 6:
                t = v == 0;
                break;
            case 1:
            case 7:
                t = v != 0;
                break;
            case 2:
                t = v < 0;
                break;
            case 3:
                t = v >= 0;
                break;
            case 4:
                t = v > 0;
                break;
            default:
                t = v <= 0;
                break;
            }
            if (t)
                BRANCH(op >= 0x98 ? S16(U2(1)) : S1(1));
            break;
        }
        case 0x68:
        case 0x69:
        case 0x6A:
        case 0x6B:
        case 0x6C:
        case 0x6D:
        case 0x6E:
        case 0x6F:
        case 0xA0:
        case 0xA1:
        case 0xA2:
        case 0xA3:
        case 0xA4:
        case 0xA5:
        case 0xA6:
        case 0xA7: {
            int16_t b = S16(st[sp - 1]), a = S16(st[sp - 2]);
            sp -= 2;
            unsigned c = op >= 0xA0 ? op - 0xA0 : op - 0x68;
            bool t;
            switch (c) {
            case 0:
            case 2:
                t = a == b;
                break;
            case 1:
            case 3:
                t = a != b;
                break;
            case 4:
                t = a < b;
                break;
            case 5:
                t = a >= b;
                break;
            case 6:
                t = a > b;
                break;
            default:
                t = a <= b;
                break;
            }
            if (t)
                BRANCH(op >= 0xA0 ? S16(U2(1)) : S1(1));
            break;
        }
        case 0x70:
            BRANCH(S1(1));
        case 0xA8:
            BRANCH(S16(U2(1)));
        case 0x71: {
            st[sp++] = (uint16_t)(pc + 3);
            BRANCH(S16(U2(1)));
        }
        case 0x72: {
            LOCAL(U1(1));
            unsigned t = st[lp + U1(1)];
            if (t < f->code || t >= cend)
                BAD("ret to %u outside the method", t);
            pc = t;
            goto next;
        }
        case 0x73:
        case 0x74: { /* stableswitch / itableswitch */
            unsigned w = op == 0x73 ? 2 : 4;
            if (pc + 3 + 2 * w > cend)
                BAD("tableswitch header past the method");
            int32_t low, high, key;
            if (w == 2) {
                low = S16(U2(3));
                high = S16(U2(5));
                key = S16(st[--sp]);
            } else {
                low = (int32_t)((uint32_t)U2(3) << 16 | U2(5));
                high = (int32_t)((uint32_t)U2(7) << 16 | U2(9));
                sp -= 2;
                key = get_int(st + sp);
            }
            if (high < low || (int64_t)high - low > 0x7FFF)
                BAD("tableswitch bounds %d..%d", low, high);
            unsigned tab = pc + 3 + 2 * w;
            if (tab + 2u * (unsigned)(high - low + 1) > cend)
                BAD("tableswitch table past the method");
            if (key < low || key > high)
                BRANCH(S16(U2(1)));
            unsigned at = tab + 2u * (unsigned)(key - low);
            BRANCH(S16((uint16_t)(M[at] << 8 | M[at + 1])));
        }
        case 0x75:
        case 0x76: { /* slookupswitch / ilookupswitch */
            unsigned w = op == 0x75 ? 2 : 4;
            if (pc + 5 > cend)
                BAD("lookupswitch header past the method");
            unsigned npairs = U2(3);
            if (pc + 5 + npairs * (w + 2) > cend)
                BAD("lookupswitch pairs past the method");
            int32_t key;
            if (w == 2)
                key = S16(st[--sp]);
            else {
                sp -= 2;
                key = get_int(st + sp);
            }
            unsigned at = pc + 5;
            for (unsigned i = 0; i < npairs; i++, at += w + 2) {
                int32_t mv = w == 2 ? S16((uint16_t)(M[at] << 8 | M[at + 1]))
                                    : (int32_t)((uint32_t)M[at] << 24 | (uint32_t)M[at + 1] << 16 |
                                                (uint32_t)M[at + 2] << 8 | M[at + 3]);
                if (mv == key)
                    BRANCH(S16((uint16_t)(M[at + w] << 8 | M[at + w + 1])));
            }
            BRANCH(S16(U2(1)));
        }
        case 0x77:
        case 0x78:
        case 0x79:
        case 0x7A: { /* returns */
            unsigned n = op == 0x79 ? 2 : op == 0x7A ? 0 : 1;
            unsigned dst = lp;
            for (unsigned i = 0; i < n; i++)
                st[dst + i] = st[sp - n + i];
            bool entry = f->entry;
            vm->nframes--;
            if (entry || vm->nframes <= base) {
                vm->budget = budget;
                vm->executed += count0 - (uint64_t)budget;
                return (int)n;
            }
            LOAD_FRAME();
            sp = dst + n;
            pc += (M[pc] == 0x8E) ? 5 : 3;
            goto next;
        }
        case 0x7B:
        case 0x7C:
        case 0x7D:
        case 0x7E:
        case 0x7F:
        case 0x80:
        case 0x81:
        case 0x82: {
            uint16_t idx = U2(1);
            CP(idx, JCVM_CP_STATIC_FIELD);
            const jcvm_res *r = &P->res[idx];
            jcvm_pkg *tp = &vm->pkgs[r->pkg];
            unsigned k = (op - 0x7Bu) & 3u; /* 0 a, 1 b, 2 s, 3 i */
            unsigned sz = k == 1 ? 1 : k == 3 ? 4 : 2;
            if (r->pkg < 0 || !tp->used || (unsigned)r->off + sz > tp->cap->sf_image)
                BAD("static field offset %u outside the image", r->off);
            uint8_t *a = tp->statics + r->off;
            if (op <= 0x7E) {
                if (k == 1)
                    st[sp++] = (uint16_t)(int8_t)a[0];
                else if (k == 3) {
                    st[sp] = (uint16_t)(a[0] << 8 | a[1]);
                    st[sp + 1] = (uint16_t)(a[2] << 8 | a[3]);
                    sp += 2;
                } else
                    st[sp++] = (uint16_t)(a[0] << 8 | a[1]);
            } else {
                if (k == 0 && TEMP_REF(st[sp - 1]))
                    THROW("SecurityException", 0);
                if (jcvm_wpoint(vm, "putstatic"))
                    goto runaway_set;
                if (vm->txn_depth)
                    jcvm_log(vm, 0, (uint8_t)r->pkg, r->off, a, (uint8_t)sz);
                vm->dirty = true;
                if (k == 1)
                    a[0] = (uint8_t)st[--sp];
                else if (k == 3) {
                    sp -= 2;
                    a[0] = (uint8_t)(st[sp] >> 8);
                    a[1] = (uint8_t)st[sp];
                    a[2] = (uint8_t)(st[sp + 1] >> 8);
                    a[3] = (uint8_t)st[sp + 1];
                } else {
                    uint16_t v = st[--sp];
                    a[0] = (uint8_t)(v >> 8);
                    a[1] = (uint8_t)v;
                }
            }
            break;
        }
        /* getfield: 83-86 (u1), A9-AC (u2), AD-B0 (this, u1) */
        case 0x83:
        case 0x84:
        case 0x85:
        case 0x86:
        case 0xA9:
        case 0xAA:
        case 0xAB:
        case 0xAC:
        case 0xAD:
        case 0xAE:
        case 0xAF:
        case 0xB0: {
            unsigned k, idx;
            if (op <= 0x86) {
                k = op - 0x83;
                idx = U1(1);
                h = st[--sp];
            } else if (op <= 0xAC) {
                k = op - 0xA9;
                idx = U2(1);
                h = st[--sp];
            } else {
                k = op - 0xAD;
                idx = U1(1);
                LOCAL(0);
                h = st[lp];
            }
            CP(idx, JCVM_CP_INSTANCE_FIELD);
            OBJ(h, o);
            FW(o);
            unsigned cell = P->res[idx].off;
            if (o->kind != OK_INST || cell + (k == 3 ? 2u : 1u) > o->len)
                BAD("field cell %u outside the object", cell);
            const uint16_t *c = (const uint16_t *)o->data + cell;
            if (k == 1)
                st[sp++] = (uint16_t)(int8_t)c[0];
            else if (k == 3) {
                st[sp] = c[0];
                st[sp + 1] = c[1];
                sp += 2;
            } else
                st[sp++] = c[0];
            break;
        }
        case 0x87:
        case 0x88:
        case 0x89:
        case 0x8A:
        case 0xB1:
        case 0xB2:
        case 0xB3:
        case 0xB4:
        case 0xB5:
        case 0xB6:
        case 0xB7:
        case 0xB8: {
            unsigned k, idx;
            unsigned vc;
            if (op <= 0x8A) {
                k = op - 0x87;
                idx = U1(1);
            } else if (op <= 0xB4) {
                k = op - 0xB1;
                idx = U2(1);
            } else {
                k = op - 0xB5;
                idx = U1(1);
            }
            vc = k == 3 ? 2 : 1;
            if (op >= 0xB5) {
                LOCAL(0);
                h = st[lp];
            } else
                h = st[sp - vc - 1];
            CP(idx, JCVM_CP_INSTANCE_FIELD);
            OBJ(h, o);
            FW(o);
            unsigned cell = P->res[idx].off;
            if (o->kind != OK_INST || cell + vc > o->len)
                BAD("field cell %u outside the object", cell);
            uint16_t *c = (uint16_t *)o->data + cell;
            if (k == 0 && TEMP_REF(st[sp - 1]))
                THROW("SecurityException", 0);
            if (!(o->flags & OF_TEMP) && jcvm_wpoint(vm, "putfield"))
                goto runaway_set;
            if (vm->txn_depth)
                jcvm_log(vm, h, 0, cell * 2u, c, (uint8_t)(vc * 2));
            vm->dirty = true;
            if (k == 1)
                c[0] = (uint16_t)(int8_t)st[sp - 1];
            else if (k == 3) {
                c[0] = st[sp - 2];
                c[1] = st[sp - 1];
            } else
                c[0] = st[sp - 1];
            sp -= vc + (op >= 0xB5 ? 0 : 1);
            break;
        }
        case 0x8B:
        case 0x8C:
        case 0x8D:
        case 0x8E: { /* invocations */
            uint16_t idx = U2(1);
            int tpkg;
            uint16_t toff;
            unsigned nargs;
            uint8_t nctx = ctx, ninst = f->ctx_inst, nprev = f->prev_inst;
            if (op == 0x8E) {
                nargs = U1(1);
                idx = U2(2);
                CP(idx, JCVM_CP_CLASSREF);
                if (nargs < 1 || sp < sbase + nargs)
                    BAD("invokeinterface with %u argument cells", nargs);
                h = st[sp - nargs];
                OBJ(h, o);
                uint32_t iface = P->res[idx].cid;
                if (o->kind != OK_INST ||
                    !jcvm_interface_lookup(vm, o->cid, iface, U1(4), &tpkg, &toff)) {
                    if (o->kind != OK_INST || !jcvm_instance_of(vm, o->cid, iface))
                        BAD("invokeinterface: object does not implement the interface");
                    BAD("invokeinterface: method token %u not found", U1(4));
                }
                if (ctx != 0 && o->owner_pkg != ctx && !(o->flags & OF_ENTRY)) {
                    static uint32_t shareable = 0;
                    if (shareable == 0)
                        shareable = jcvm_api_cid("javacard.framework", "Shareable");
                    if (!jcvm_instance_of(vm, iface, shareable))
                        THROW("SecurityException", 0);
                }
                if (o->owner_pkg != ctx && !(o->flags & OF_ENTRY)) {
                    nprev = f->ctx_inst;
                    nctx = o->owner_pkg;
                    ninst = o->owner_inst;
                }
            } else {
                if (op == 0x8C) { /* invokespecial: a static (private, <init>) or super method */
                    if (idx >= P->cap->n_cp || (P->res[idx].kind != JCVM_CP_STATIC_METHOD &&
                                                P->res[idx].kind != JCVM_CP_SUPER_METHOD))
                        BAD("constant pool index %u is no static or super method", idx);
                } else {
                    CP(idx, op == 0x8B ? JCVM_CP_VIRTUAL_METHOD : JCVM_CP_STATIC_METHOD);
                }
                const jcvm_res *r = &P->res[idx];
                nargs = r->nargs;
                if (sp < sbase + nargs)
                    BAD("invocation with %u argument cells on a stack of %u", nargs, sp - sbase);
                if (op == 0x8B) {
                    h = st[sp - nargs];
                    OBJ(h, o);
                    if (ctx != 0 && o->owner_pkg != ctx && !(o->flags & OF_ENTRY))
                        THROW("SecurityException", 0);
                    uint32_t dyn =
                        o->kind == OK_INST ? o->cid : jcvm_api_cid("java.lang", "Object");
                    if (!jcvm_virtual_lookup(vm, dyn, r->token, &tpkg, &toff))
                        BAD("invokevirtual: token %u not found", r->token);
                } else if (r->kind == JCVM_CP_STATIC_METHOD || r->kind == JCVM_CP_SUPER_METHOD) {
                    tpkg = r->pkg;
                    toff = r->off;
                    if (op == 0x8C && nargs > 0 && st[sp - nargs] == 0)
                        THROW("NullPointerException", 0);
                } else {
                    BAD("invokespecial on constant pool kind %u", r->kind);
                }
            }
            if (--budget < 0) {
                snprintf(vm->runaway_why, sizeof vm->runaway_why, "bytecode budget exhausted");
                goto runaway;
            }
            if (vm->cfg.trace_bytecodes) /* trace hook: the invoked method, named */
                jcvm_tr_call(vm, tpkg, toff);
            SAVE_FRAME();
            if (tpkg < 0) { /* native */
                jcvm_native_fn fn = jcvm_native_for(toff);
                uint16_t ret[2] = {0, 0};
                int nr;
                const jcvm_api_method *am = &jcvm_api_methods[toff];
                if (!am->is_static) { /* an instance method or constructor: `this` must be an
                                         instance of the native's class (its cells exist) */
                    h = st[sp - nargs];
                    OBJ(h, o);
                    if (nargs < 1 || o->kind != OK_INST ||
                        !jcvm_instance_of(vm, o->cid, JCVM_CID_API | (uint32_t)am->cls) ||
                        o->len < jcvm_instance_cells(vm, JCVM_CID_API | (uint32_t)am->cls))
                        BAD("native %s on an object of another class", am->sig);
                }
                vm->budget = budget;
                if (fn == NULL) {
                    jcvm_trace(vm, "native %s.%s not implemented",
                               jcvm_api_classes[jcvm_api_methods[toff].cls].name,
                               jcvm_api_methods[toff].sig);
                    const char *pk =
                        jcvm_api_pkgs[jcvm_api_classes[jcvm_api_methods[toff].cls].pkg].name;
                    if (strncmp(pk, "javacard.security", 17) == 0 ||
                        strncmp(pk, "javacardx.crypto", 16) == 0) {
                        jcvm_throw_api(vm, "CryptoException", 3); /* NO_SUCH_ALGORITHM */
                        nr = -1;
                    } else {
                        snprintf(vm->runaway_why, sizeof vm->runaway_why,
                                 "native %s not implemented", jcvm_api_methods[toff].sig);
                        vm->runaway = true;
                        nr = -1;
                    }
                } else {
                    nr = fn(vm, st + sp - nargs, ret);
                }
                budget = vm->budget;
                if (vm->runaway)
                    goto runaway_set;
                if (nr < 0)
                    goto exception;
                /* a native may have run Java code: reload the frame */
                LOAD_FRAME();
                sp -= nargs;
                for (int i = 0; i < nr; i++)
                    st[sp++] = ret[i];
                pc += op == 0x8E ? 5 : 3;
                goto next;
            }
            f->sp = (uint16_t)(sp - nargs); /* caller's stack without the arguments */
            if (!push_frame(vm, tpkg, toff, (uint16_t)(sp - nargs), nctx, ninst, nprev, false))
                goto runaway_set;
            {
                jcvm_cap_method mh;
                jcvm_cap_method_at(vm->pkgs[tpkg].cap, toff, &mh);
                if (mh.nargs != nargs) {
                    vm->nframes--;
                    BAD("method at %u takes %u argument cells, called with %u", toff, mh.nargs,
                        nargs);
                }
            }
            LOAD_FRAME();
            goto next;
        }
        case 0x8F: { /* new */
            uint16_t idx = U2(1);
            CP(idx, JCVM_CP_CLASSREF);
            uint32_t cid = P->res[idx].cid;
            const jcvm_cap_class *kc = jcvm_class_of(vm, cid);
            if ((cid & JCVM_CID_API) == 0 && (kc == NULL || kc->is_interface))
                BAD("new of no class");
            uint16_t cells = jcvm_instance_cells(vm, cid);
            h = jcvm_alloc(vm, OK_INST, cells, cid, 0, ctx, f->ctx_inst);
            if (h == 0 && vm->cut)
                goto runaway_set;
            if (h == 0)
                THROW("SystemException", 5); /* NO_RESOURCE */
            st[sp++] = h;
            break;
        }
        case 0x90:
        case 0x91: { /* newarray, anewarray */
            int16_t n = S16(st[sp - 1]);
            uint8_t kind;
            uint32_t cid = JCVM_CID_NONE;
            if (op == 0x90) {
                uint8_t at = U1(1);
                if (at < 10 || at > 13 || (at == 13 && !int_ok))
                    BAD("newarray type %u", at);
                kind = at;
            } else {
                uint16_t idx = U2(1);
                CP(idx, JCVM_CP_CLASSREF);
                kind = OK_ARR_REF;
                cid = P->res[idx].cid;
            }
            if (n < 0)
                THROW("NegativeArraySizeException", 0);
            h = jcvm_alloc(vm, kind, (uint16_t)n, cid, 0, ctx, f->ctx_inst);
            if (h == 0 && vm->cut)
                goto runaway_set;
            if (h == 0)
                THROW("SystemException", 5);
            st[sp - 1] = h;
            break;
        }
        case 0x92:
            h = st[sp - 1];
            OBJ(h, o);
            FW(o);
            if (o->kind < OK_ARR_BOOL)
                BAD("arraylength of no array");
            st[sp - 1] = o->len;
            break;
        case 0x93: {
            h = st[sp - 1];
            OBJ(h, o);
            /* only a Throwable can be thrown (an unverified CAP could throw an array, whose
               class id then indexed the API class table: fuzz_bytecode, corpus/bytecode/
               repro-athrow-array) */
            static uint32_t throwable = 0;
            if (throwable == 0)
                throwable = jcvm_api_cid("java.lang", "Throwable");
            if (o->kind != OK_INST || !jcvm_instance_of(vm, o->cid, throwable))
                BAD("athrow of an object that is not a Throwable");
            vm->exc = h;
            goto exception;
        }
        case 0x94:
        case 0x95: { /* checkcast, instanceof */
            uint8_t at = U1(1);
            uint16_t idx = U2(2);
            uint32_t target = JCVM_CID_NONE;
            if (at == 0 || at == 14) {
                CP(idx, JCVM_CP_CLASSREF);
                target = P->res[idx].cid;
            } else if (at < 10 || at > 13) {
                BAD("checkcast type %u", at);
            }
            h = st[sp - 1];
            bool ok;
            if (h == 0)
                ok = op == 0x94; /* null passes checkcast, is no instance */
            else {
                OBJ(h, o);
                ok = jcvm_obj_is(vm, h, at, target);
            }
            if (op == 0x94) {
                if (!ok)
                    THROW("ClassCastException", 0);
            } else {
                st[sp - 1] = ok ? 1 : 0;
            }
            break;
        }
        default:
            BAD("undefined bytecode %02X", op);
        }
        pc += len;
        continue;

    exception:
        /* vm->exc set: unwind to a handler */
        if (vm->cfg.trace) /* trace hook: where it was thrown */
            jcvm_tr_thrown(vm, f, pc);
        SAVE_FRAME();
        for (;;) {
            int hpc = find_handler(vm, f, (uint16_t)pc);
            if (hpc >= 0) {
                if (vm->cfg.trace) /* trace hook: which handler caught it */
                    jcvm_tr_caught(vm, f, (unsigned)hpc);
                sp = sbase;
                st[sp++] = vm->exc;
                vm->exc = 0;
                pc = (unsigned)hpc;
                f->pc = (uint16_t)pc;
                f->sp = (uint16_t)sp;
                goto next;
            }
            bool entry = f->entry;
            vm->nframes--;
            if (entry || vm->nframes <= base) {
                vm->budget = budget;
                vm->executed += count0 - (uint64_t)budget;
                return -1;
            }
            LOAD_FRAME();
        }
    }

runaway:
    vm->runaway = true;
runaway_set:
    vm->budget = budget < 0 ? 0 : budget;
    vm->executed += count0 - (uint64_t)(budget < 0 ? 0 : budget);
    if (vm->nframes > 0) {
        jcvm_frame *tf = &vm->frames[vm->nframes - 1];
        jcvm_trace(vm, "runaway applet: %s in method at %u, pc %u (package %u)", vm->runaway_why,
                   tf->code, pc, tf->pkg);
    }
    while (vm->nframes > base) {
        bool entry = vm->frames[vm->nframes - 1].entry;
        vm->nframes--;
        if (entry)
            break;
    }
    vm->exc = 0;
    return -1;
}

int jcvm_invoke(jcvm *vm, int pkg, uint16_t off, const uint16_t *args, int nargs, uint8_t ctx_pkg,
                uint8_t ctx_inst, uint16_t *ret)
{
    if (vm->runaway)
        return -1;
    uint16_t at = 0;
    if (vm->nframes > 0)
        at = vm->frames[vm->nframes - 1].sp;
    if ((unsigned)at + (unsigned)nargs > JCVM_STACK_CELLS)
        return -1;
    memcpy(vm->stack + at, args, (size_t)nargs * sizeof *args);
    if (pkg < 0) {
        jcvm_native_fn fn = jcvm_native_for(off);
        if (fn == NULL)
            return -1;
        if (vm->cfg.trace) /* trace hook: an entry method the API implements (Applet.select) */
            jcvm_tr_enter(vm, -1, off, vm->nframes == 0);
        return fn(vm, vm->stack + at, ret);
    }
    uint8_t prev = vm->nframes > 0 ? vm->frames[vm->nframes - 1].ctx_inst : 0;
    int base = vm->nframes;
    if (!push_frame(vm, pkg, off, at, ctx_pkg, ctx_inst, prev, true))
        return -1;
    jcvm_cap_method mh;
    jcvm_cap_method_at(vm->pkgs[pkg].cap, off, &mh);
    if (mh.nargs != nargs) {
        vm->nframes--;
        vm->runaway = true;
        snprintf(vm->runaway_why, sizeof vm->runaway_why, "entry method takes %u cells, given %d",
                 mh.nargs, nargs);
        return -1;
    }
    if (vm->cfg.trace) /* trace hook: the method entered from the JCRE */
        jcvm_tr_enter(vm, pkg, off, base == 0);
    int n = run(vm, base);
    if (vm->cfg.trace)
        jcvm_tr_leave(vm, n, base == 0);
    if (n > 0 && ret != NULL)
        memcpy(ret, vm->stack + at, (size_t)n * sizeof *ret);
    return n;
}

/* Call virtual method `token` on obj (args[0] must be obj) in the object's context. */
int jcvm_call_virtual(jcvm *vm, uint16_t obj, uint8_t token, const uint16_t *args, int nargs,
                      uint16_t *ret)
{
    if (obj == 0 || obj >= JCVM_MAX_OBJS || vm->objs[obj].kind != OK_INST)
        return -1;
    int pkg;
    uint16_t off;
    if (!jcvm_virtual_lookup(vm, vm->objs[obj].cid, token, &pkg, &off))
        return -1;
    return jcvm_invoke(vm, pkg, off, args, nargs, vm->objs[obj].owner_pkg, vm->objs[obj].owner_inst,
                       ret);
}
