/*
 * jcvm_trace.c: the applet-level events the VM gives its trace sink beyond the
 * JCRE's own lines (install, select, uncaught exceptions, transactions):
 *
 *   enter NAME (...)           a method entered from the JCRE (install, select,
 *                              process, deselect, processData, uninstall...)
 *   new TYPE ...               an object allocated while applet code runs: class or
 *                              array type, size, persistent or transient, owner
 *   caught EXC thrown at ...   an exception caught: where it was thrown and the
 *                              handler (method and pc) that caught it
 *   EXC thrown at ... uncaught an exception that left the entry method
 *   call NAME                  (bytecode trace only) an invocation, name resolved
 *
 * Methods are named by the header offset in the Method component ("method
 * @0040") and pcs are relative to the method's first bytecode, as `jcop-cap
 * disasm` prints them; virtual and interface methods that override an API
 * method carry the API's name and signature (process(Ljavacard/framework/APDU;)V).
 *
 * Bounded: per entry from the JCRE at most TR_ALLOCS allocations and TR_CAUGHT
 * caught exceptions are shown one by one, the rest counted and summed up when
 * the entry ends; the bytecode trace stops after cfg.trace_max lines with one
 * line saying so. Every function here runs only when cfg.trace is set (the
 * interpreter tests it first), so a VM without a trace pays one test per entry,
 * invocation, allocation and exception, nothing per bytecode.
 */
#include <stdio.h>
#include <string.h>

#include "jcvm_int.h"

#define TR_ALLOCS 8 /* allocations shown one by one per entry */
#define TR_CAUGHT 8 /* caught exceptions shown one by one per entry */

static void aid_hex(const jc_aid *a, char out[40])
{
    size_t n = a->len < 16 ? a->len : 16;
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02X", a->b[i]);
    out[2 * n] = 0;
}

/* The header offset of the method whose bytecode holds `code` (the largest
   known method start at or below it). */
static unsigned method_of(const jcvm_cap *cap, unsigned code)
{
    unsigned best = 0;
    for (unsigned i = 0; i < cap->n_method_starts; i++)
        if (cap->method_starts[i] <= code)
            best = cap->method_starts[i];
    return best;
}

/* The first bytecode of the method at header offset off (its pc 0). */
static unsigned code_of(const jcvm_cap *cap, unsigned off)
{
    jcvm_cap_method m;
    return jcvm_cap_method_at(cap, (uint16_t)off, &m) ? m.code : off;
}

/* The API declaration of virtual method `token` in API class c or its supers. */
static const char *api_virtual(int c, unsigned token)
{
    for (int guard = 0; c >= 0 && guard < 32; guard++) {
        int m = jcvm_api_method_find(c, (uint8_t)token, false);
        if (m >= 0)
            return jcvm_api_methods[m].sig;
        c = jcvm_api_classes[c].super;
    }
    return NULL;
}

/* The API name of virtual token `token` of class k (package slot p): the first API
   class among its supers declaring it, or an API interface it implements. */
static const char *api_name_of(const jcvm *vm, int p, const jcvm_cap_class *k, unsigned token)
{
    const jcvm_pkg *P = &vm->pkgs[p];
    uint32_t cid = P->cls_super[k - P->cap->classes];
    for (int guard = 0; cid != JCVM_CID_NONE && guard < 32; guard++) {
        if (cid & JCVM_CID_API) {
            const char *sig = api_virtual((int)(cid & 0xFFFFu), token);
            if (sig)
                return sig;
            break; /* not one of the API class's methods: perhaps an interface's (processData) */
        }
        const jcvm_cap_class *s = jcvm_class_of(vm, cid);
        if (s == NULL)
            break;
        const jcvm_pkg *SP = &vm->pkgs[cid >> 16];
        cid = SP->cls_super[s - SP->cap->classes];
    }
    for (unsigned i = 0; i < k->n_ifaces; i++) {
        const jcvm_cap_impl *im = &k->impls[i];
        if (!im->iface.external || im->iface.pkg >= P->cap->n_imports ||
            P->imp_api[im->iface.pkg] < 0)
            continue;
        int ic = jcvm_api_class_find(P->imp_api[im->iface.pkg], im->iface.token);
        for (unsigned t = 0; ic >= 0 && t < im->count; t++)
            if (im->index[t] == token) {
                int m = jcvm_api_method_find(ic, (uint8_t)t, false);
                if (m >= 0)
                    return jcvm_api_methods[m].sig;
            }
    }
    return NULL;
}

/* "process(Ljavacard/framework/APDU;)V of class@0000, method @0040" and the like. */
static void method_name(const jcvm *vm, int pkg, unsigned off, char *out, size_t n)
{
    if (pkg < 0) {
        const jcvm_api_method *m = &jcvm_api_methods[off];
        const jcvm_api_class *c = &jcvm_api_classes[m->cls];
        snprintf(out, n, "%s.%s.%s", jcvm_api_pkgs[c->pkg].name, c->name, m->sig);
        return;
    }
    const jcvm_cap *cap = vm->pkgs[pkg].cap;
    for (unsigned i = 0; i < cap->n_applets; i++)
        if (cap->applets[i].install_offset == off) {
            snprintf(out, n, "install([BSB)V, method @%04X", off);
            return;
        }
    for (unsigned c = 0; c < cap->n_classes; c++) {
        const jcvm_cap_class *k = &cap->classes[c];
        if (k->is_interface)
            continue;
        for (unsigned t = 0; t < k->pub_count; t++)
            if (jcvm_rd2(k->pub_table + 2 * t) == off) {
                unsigned token = k->pub_base + t;
                const char *api = api_name_of(vm, pkg, k, token);
                if (api)
                    snprintf(out, n, "%s of class@%04X, method @%04X", api, k->offset, off);
                else
                    snprintf(out, n, "virtual method %u of class@%04X, method @%04X", token,
                             k->offset, off);
                return;
            }
        for (unsigned t = 0; t < k->pkg_count; t++)
            if (jcvm_rd2(k->pkg_table + 2 * t) == off) {
                snprintf(out, n, "package method %u of class@%04X, method @%04X", k->pkg_base + t,
                         k->offset, off);
                return;
            }
    }
    snprintf(out, n, "method @%04X", off);
}

static void class_name(uint32_t cid, char *out, size_t n)
{
    if (cid == JCVM_CID_NONE) {
        snprintf(out, n, "java.lang.Object");
    } else if (cid & JCVM_CID_API) {
        const jcvm_api_class *c = &jcvm_api_classes[cid & 0xFFFFu];
        snprintf(out, n, "%s.%s", jcvm_api_pkgs[c->pkg].name, c->name);
    } else {
        snprintf(out, n, "class@%04X", (unsigned)(cid & 0xFFFFu));
    }
}

/* The exception object's class, with the reason of a CardException or
   CardRuntimeException (ISOException 6A82). */
static void exc_name(const jcvm *vm, uint16_t h, char out[96], size_t n)
{
    if (h == 0 || h >= JCVM_MAX_OBJS || vm->objs[h].kind != OK_INST) {
        snprintf(out, n, "exception");
        return;
    }
    const jcvm_obj *o = &vm->objs[h];
    char cn[80];
    class_name(o->cid, cn, sizeof cn);
    const char *simple = strrchr(cn, '.') ? strrchr(cn, '.') + 1 : cn;
    static uint32_t card_exc = 0, card_rt = 0;
    if (card_exc == 0) {
        card_exc = jcvm_api_cid("javacard.framework", "CardException");
        card_rt = jcvm_api_cid("javacard.framework", "CardRuntimeException");
    }
    if (o->len >= 1 &&
        (jcvm_instance_of(vm, o->cid, card_exc) || jcvm_instance_of(vm, o->cid, card_rt)))
        snprintf(out, n, "%s %04X", simple, ((const uint16_t *)o->data)[0]);
    else
        snprintf(out, n, "%s", simple);
}

void jcvm_tr_enter(jcvm *vm, int pkg, uint16_t off, bool outermost)
{
    if (outermost) {
        memset(&vm->tr, 0, sizeof vm->tr);
        vm->tr.thrown_pkg = -1;
    }
    char name[160];
    method_name(vm, pkg, off, name, sizeof name);
    if (pkg < 0) {
        jcvm_trace(vm, "enter %s (the API's own)", name);
        return;
    }
    const jcvm_cap *cap = vm->pkgs[pkg].cap;
    char a[40];
    aid_hex(&cap->pkg.aid, a);
    jcvm_trace(vm, "enter %s (package %s)", name, a);
}

void jcvm_tr_leave(jcvm *vm, int rc, bool outermost)
{
    if (!outermost)
        return;
    jcvm_trstate *t = &vm->tr;
    if (rc < 0 && !vm->runaway && vm->exc != 0 && t->thrown_pkg >= 0) {
        char e[96];
        exc_name(vm, vm->exc, e, sizeof e);
        const jcvm_cap *cap = vm->pkgs[t->thrown_pkg].cap;
        jcvm_trace(vm, "%s thrown at method @%04X pc %u, not caught by the applet", e, t->thrown_at,
                   t->thrown_pc - code_of(cap, t->thrown_at));
    }
    if (t->allocs > TR_ALLOCS)
        jcvm_trace(vm,
                   "%u objects allocated in all in this entry (%u bytes); the %u after the "
                   "first %u were counted, not shown",
                   t->allocs, t->alloc_bytes, t->allocs - TR_ALLOCS, TR_ALLOCS);
    if (t->caught > TR_CAUGHT)
        jcvm_trace(vm,
                   "%u exceptions caught in all in this entry; the %u after the first %u were "
                   "counted, not shown",
                   t->caught, t->caught - TR_CAUGHT, TR_CAUGHT);
}

/* One line of the bounded bytecode trace: true if it may be written. */
static bool bc_room(jcvm *vm)
{
    uint32_t max = vm->cfg.trace_max;
    if (max == 0)
        return true;
    if (++vm->tr.bc_lines <= max)
        return true;
    if (vm->tr.bc_lines == max + 1)
        jcvm_trace(vm, "bytecode trace cut at %u lines for this command", (unsigned)max);
    vm->tr.bc_lines = max + 2; /* stays past the bound without wrapping */
    return false;
}

void jcvm_tr_bc(jcvm *vm, unsigned pkg, unsigned pc, unsigned op, unsigned depth)
{
    if (bc_room(vm))
        jcvm_trace(vm, "bc pkg %u pc %u op %02X sp %u", pkg, pc, op, depth);
}

void jcvm_tr_call(jcvm *vm, int pkg, uint16_t off)
{
    if (!bc_room(vm))
        return;
    char name[160];
    method_name(vm, pkg, off, name, sizeof name);
    jcvm_trace(vm, "call %s", name);
}

void jcvm_tr_alloc(jcvm *vm, uint16_t h)
{
    if (vm->nframes == 0)
        return; /* the JCRE's own objects (bArray, APDU buffer): no applet code runs */
    const jcvm_obj *o = &vm->objs[h];
    uint32_t bytes = (uint32_t)jcvm_elem_size(o->kind) * o->len;
    if (o->kind == OK_INST)
        bytes = 2u * o->len;
    jcvm_trstate *t = &vm->tr;
    t->allocs++;
    t->alloc_bytes += bytes;
    if (t->allocs > TR_ALLOCS)
        return;
    char type[120];
    static const char *const elem[] = {"boolean", "byte", "short", "int"};
    if (o->kind == OK_INST) {
        char cn[96];
        class_name(o->cid, cn, sizeof cn);
        snprintf(type, sizeof type, "%s (%u cell%s)", cn, o->len, o->len == 1 ? "" : "s");
    } else if (o->kind == OK_ARR_REF) {
        char cn[96];
        class_name(o->cid, cn, sizeof cn);
        snprintf(type, sizeof type, "%s[%u]", cn, o->len);
    } else if (o->kind >= OK_ARR_BOOL && o->kind <= OK_ARR_INT) {
        snprintf(type, sizeof type, "%s[%u]", elem[o->kind - OK_ARR_BOOL], o->len);
    } else {
        snprintf(type, sizeof type, "object kind %u", o->kind);
    }
    const char *life = (o->flags & OF_T_RESET)      ? "transient CLEAR_ON_RESET"
                       : (o->flags & OF_T_DESELECT) ? "transient CLEAR_ON_DESELECT"
                       : (o->flags & OF_TEMP)       ? "temporary"
                                                    : "persistent";
    char owner[48] = "the JCRE";
    if (o->owner_inst > 0 && o->owner_inst <= JCVM_MAX_INST && vm->insts[o->owner_inst - 1].used)
        aid_hex(&vm->insts[o->owner_inst - 1].aid, owner);
    else if (o->owner_pkg > 0 && o->owner_pkg <= JCVM_MAX_PKGS && vm->pkgs[o->owner_pkg - 1].used)
        aid_hex(&vm->pkgs[o->owner_pkg - 1].cap->pkg.aid, owner);
    jcvm_trace(vm, "new %s: %u bytes, %s, owner %s (object %u)%s", type, bytes, life, owner, h,
               t->allocs == TR_ALLOCS ? "; further allocations of this entry are counted" : "");
}

void jcvm_tr_thrown(jcvm *vm, const jcvm_frame *f, unsigned pc)
{
    vm->tr.thrown_pkg = f->pkg;
    vm->tr.thrown_at = method_of(vm->pkgs[f->pkg].cap, f->code);
    vm->tr.thrown_pc = pc;
}

void jcvm_tr_caught(jcvm *vm, const jcvm_frame *f, unsigned handler)
{
    jcvm_trstate *t = &vm->tr;
    if (++t->caught > TR_CAUGHT)
        return;
    const jcvm_cap *cap = vm->pkgs[f->pkg].cap;
    unsigned m = method_of(cap, f->code);
    char e[96], where[64] = "";
    exc_name(vm, vm->exc, e, sizeof e);
    if (t->thrown_pkg >= 0)
        snprintf(where, sizeof where, " thrown at method @%04X pc %u,", t->thrown_at,
                 t->thrown_pc - code_of(vm->pkgs[t->thrown_pkg].cap, t->thrown_at));
    jcvm_trace(
        vm, "caught %s%s by the handler at method @%04X pc %u%s", e, where, m, handler - f->code,
        t->caught == TR_CAUGHT ? "; further caught exceptions of this entry are counted" : "");
}
