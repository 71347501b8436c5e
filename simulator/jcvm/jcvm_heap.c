/*
 * jcvm_heap.c: the object table (handles, owners, transient arrays), the
 * transaction undo log, object deletion (mark from the roots, free the
 * rest) and the versioned persistent blob (save/restore).
 */
#include <stdlib.h>
#include <string.h>

#include "jcvm_int.h"
#include "jcvm_natives_crypto.h"

#define OBJ_OVERHEAD 8u /* bytes a persistent object header costs in the heap budget */

size_t jcvm_elem_size(uint8_t kind)
{
    switch (kind) {
    case OK_ARR_BOOL:
    case OK_ARR_BYTE:
        return 1;
    case OK_ARR_INT:
        return 4;
    default:
        return 2; /* short, ref, instance cells */
    }
}

static uint32_t obj_bytes(const jcvm_obj *o)
{
    return (uint32_t)jcvm_elem_size(o->kind) * o->len;
}

uint16_t jcvm_alloc(jcvm *vm, uint8_t kind, uint16_t len, uint32_t cid, uint8_t flags,
                    uint8_t owner_pkg, uint8_t owner_inst)
{
    uint32_t bytes = (uint32_t)jcvm_elem_size(kind) * len;
    if (flags & OF_TRANSIENT) {
        if (vm->trans_used + bytes > vm->cfg.transient_size)
            return 0;
    }
    uint32_t pcost = OBJ_OVERHEAD + ((flags & (OF_TRANSIENT | OF_TEMP)) ? 0 : bytes);
    if (!(flags & OF_TEMP) && vm->heap_used + pcost > vm->cfg.heap_size)
        return 0;
    unsigned h = 0;
    for (unsigned i = vm->n_objs_hint ? vm->n_objs_hint : 1; i < JCVM_MAX_OBJS; i++)
        if (vm->objs[i].kind == OK_FREE) {
            h = i;
            break;
        }
    if (h == 0)
        for (unsigned i = 1; i < JCVM_MAX_OBJS; i++)
            if (vm->objs[i].kind == OK_FREE) {
                h = i;
                break;
            }
    if (h == 0)
        return 0;
    if (!(flags & OF_TEMP) && jcvm_wpoint(vm, "object allocation"))
        return 0;
    void *d = calloc(bytes ? bytes : 1, 1);
    if (d == NULL)
        return 0;
    jcvm_obj *o = &vm->objs[h];
    o->kind = kind;
    o->flags = flags;
    o->owner_pkg = owner_pkg;
    o->owner_inst = owner_inst;
    o->len = len;
    o->cid = cid;
    o->data = d;
    vm->n_objs_hint = (uint16_t)(h + 1 < JCVM_MAX_OBJS ? h + 1 : 1);
    if (flags & OF_TRANSIENT)
        vm->trans_used += bytes;
    if (!(flags & OF_TEMP)) {
        vm->heap_used += pcost;
        vm->dirty = true;
        if (vm->txn_depth > 0)
            jcvm_log(vm, (uint16_t)h, 0, 0, NULL, 0);
    }
    if (vm->cfg.trace) /* trace hook (jcvm_trace.c): objects allocated by applet code */
        jcvm_tr_alloc(vm, (uint16_t)h);
    return (uint16_t)h;
}

void jcvm_obj_free(jcvm *vm, uint16_t h)
{
    jcvm_obj *o = &vm->objs[h];
    if (o->kind == OK_FREE)
        return;
    uint32_t bytes = obj_bytes(o);
    if (o->flags & OF_TRANSIENT)
        vm->trans_used -= bytes;
    if (!(o->flags & OF_TEMP)) {
        vm->heap_used -= OBJ_OVERHEAD + ((o->flags & OF_TRANSIENT) ? 0 : bytes);
        vm->dirty = true;
    }
    jcvm_crypto_obj_free(vm, h);
    free(o->data);
    memset(o, 0, sizeof *o);
    if (h < vm->n_objs_hint)
        vm->n_objs_hint = h;
}

/* ---- transactions ---- */

void jcvm_log(jcvm *vm, uint16_t h, uint8_t pkg, uint32_t off, const void *at, uint8_t len)
{
    if (vm->n_undo == vm->undo_cap) {
        uint32_t nc = vm->undo_cap ? vm->undo_cap * 2 : 64;
        jcvm_undo *nu = realloc(vm->undo, nc * sizeof *nu);
        if (nu == NULL)
            return; /* counted against capacity below anyway */
        vm->undo = nu;
        vm->undo_cap = nc;
    }
    jcvm_undo *u = &vm->undo[vm->n_undo++];
    u->h = h;
    u->pkg = pkg;
    u->off = off;
    u->len = len;
    if (len)
        memcpy(u->old, at, len);
    vm->undo_bytes += 4u + len;
}

void jcvm_txn_abort(jcvm *vm)
{
    for (uint32_t i = vm->n_undo; i-- > 0;) {
        jcvm_undo *u = &vm->undo[i];
        if (u->len == 0) { /* object created inside the transaction: gone */
            jcvm_obj_free(vm, u->h);
            continue;
        }
        uint8_t *dst;
        if (u->h == 0)
            dst = vm->pkgs[u->pkg].statics + u->off;
        else
            dst = (uint8_t *)vm->objs[u->h].data + u->off;
        memcpy(dst, u->old, u->len);
    }
    vm->n_undo = 0;
    vm->undo_bytes = 0;
    vm->txn_depth = 0;
    vm->dirty = true;
}

void jcvm_txn_commit(jcvm *vm)
{
    vm->n_undo = 0;
    vm->undo_bytes = 0;
    vm->txn_depth = 0;
}

/* Clear transient arrays of kind flag; only_pkg >= 0 limits to one context. */
void jcvm_clear_transient(jcvm *vm, uint8_t flag, int only_pkg)
{
    for (unsigned i = 1; i < JCVM_MAX_OBJS; i++) {
        jcvm_obj *o = &vm->objs[i];
        if (o->kind == OK_FREE || !(o->flags & flag))
            continue;
        if (only_pkg >= 0 && o->owner_pkg != only_pkg + 1)
            continue;
        memset(o->data, 0, obj_bytes(o));
    }
    jcvm_crypto_clear_transient(vm, flag, only_pkg);
}

/* ---- object deletion: mark from the roots ---- */

/* Reachability follows reference cells only. An instance's reference fields
 * are the cells its package classes declare as such (each class's
 * first_reference_token and reference_count, JCVM 2.2.2 §6.8.1, placed after
 * its superclasses' cells as the linker lays fields out): a short field that
 * happens to equal a handle keeps nothing alive. The cells of API classes
 * (OwnerPIN's PIN and validated arrays, AID's bytes, KeyPair's keys) are the
 * natives' and followed as references, except a Throwable's reason. */

typedef struct {
    uint8_t *m;
    uint16_t *st;
    size_t n;
} marker;

static void push(const jcvm *vm, marker *k, uint16_t h)
{
    if (h == 0 || h >= JCVM_MAX_OBJS || k->m[h] || vm->objs[h].kind == OK_FREE)
        return;
    k->m[h] = 1; /* marked when pushed: each handle enters the stack once */
    k->st[k->n++] = h;
}

static void push_cell(const jcvm *vm, marker *k, const jcvm_obj *o, unsigned cell)
{
    if (cell < o->len)
        push(vm, k, ((const uint16_t *)o->data)[cell]);
}

static void push_fields(const jcvm *vm, marker *k, const jcvm_obj *o)
{
    uint32_t cid = o->cid;
    for (int depth = 0; cid != JCVM_CID_NONE && depth < 64; depth++) {
        if (cid & JCVM_CID_API) {
            /* API classes lay their cells from 0 (they have no package superclass). A
               Throwable's one cell is its reason; the cells of the others (OwnerPIN's arrays,
               AID's bytes, KeyPair's keys, and any other API class given cells later) are
               followed as references: a number there can only keep a live object alive */
            for (int a = (int)(cid & 0xFFFF); a >= 0; a = jcvm_api_classes[a].super)
                if (strcmp(jcvm_api_classes[a].name, "Throwable") == 0)
                    return;
            uint16_t cells = jcvm_instance_cells(vm, cid);
            for (unsigned c = 0; c < cells; c++)
                push_cell(vm, k, o, c);
            return;
        }
        const jcvm_cap_class *c = jcvm_class_of(vm, cid);
        if (c == NULL)
            return;
        const jcvm_pkg *p = &vm->pkgs[cid >> 16];
        size_t ci = (size_t)(c - p->cap->classes);
        if (c->ref_count > 0 && c->first_ref_token != 0xFF)
            for (unsigned t = 0; t < c->ref_count; t++)
                push_cell(vm, k, o, (unsigned)p->cls_base[ci] + c->first_ref_token + t);
        cid = p->cls_super[ci];
    }
}

static void drain(const jcvm *vm, marker *k)
{
    while (k->n > 0) {
        const jcvm_obj *o = &vm->objs[k->st[--k->n]];
        if (o->kind == OK_ARR_REF) {
            for (unsigned i = 0; i < o->len; i++)
                push(vm, k, ((const uint16_t *)o->data)[i]);
        } else if (o->kind == OK_INST) {
            push_fields(vm, k, o);
        }
    }
}

/* Free every object no root reaches. Roots (JCRE 2.2.2 §11.3): the static
 * reference fields of every package, the registered applet instances and the
 * AID objects of live instances, the JCRE's temporary objects (APDU object
 * and buffer, system exception instances, bArray during install; never
 * freed), and the cells of running frames (conservatively: a stack cell's
 * type is not tracked; object deletion runs after an entry, with no frame).
 * A deleted instance's applet object and AID object are no roots any more. */
void jcvm_gc(jcvm *vm)
{
    marker k = {calloc(JCVM_MAX_OBJS, 1), malloc(JCVM_MAX_OBJS * sizeof(uint16_t)), 0};
    if (k.m == NULL || k.st == NULL) {
        free(k.m);
        free(k.st);
        return; /* nothing freed: deletion is a request */
    }
    for (unsigned i = 1; i < JCVM_MAX_OBJS; i++)
        if (vm->objs[i].kind != OK_FREE && (vm->objs[i].flags & OF_TEMP))
            push(vm, &k, (uint16_t)i);
    for (int i = 0; i < JCVM_MAX_INST; i++)
        if (vm->insts[i].used) {
            push(vm, &k, vm->insts[i].applet);
            push(vm, &k, vm->insts[i].aid_obj);
        }
    for (int p = 0; p < JCVM_MAX_PKGS; p++) {
        const jcvm_pkg *pk = &vm->pkgs[p];
        if (!pk->used)
            continue;
        for (unsigned r = 0; r < pk->cap->sf_ref_count && 2u * r + 1 < pk->cap->sf_image; r++)
            push(vm, &k, jcvm_rd2(pk->statics + 2 * r));
    }
    for (int f = 0; f < vm->nframes; f++)
        for (unsigned c = 0; c < vm->frames[f].sp && c < JCVM_STACK_CELLS; c++)
            push(vm, &k, vm->stack[c]);
    drain(vm, &k);
    for (unsigned i = 1; i < JCVM_MAX_OBJS; i++)
        if (vm->objs[i].kind != OK_FREE && !k.m[i])
            jcvm_obj_free(vm, (uint16_t)i);
    /* an instance whose AID object went (it is re-created on demand) */
    for (int i = 0; i < JCVM_MAX_INST; i++)
        if (vm->insts[i].aid_obj && vm->objs[vm->insts[i].aid_obj].kind == OK_FREE)
            vm->insts[i].aid_obj = 0;
    free(k.m);
    free(k.st);
}

/* ---- persistence ---- */

typedef struct {
    uint8_t *b;
    size_t n, cap;
    bool bad;
} wbuf;

static void w_put(wbuf *w, const void *p, size_t n)
{
    if (w->bad)
        return;
    if (w->n + n > w->cap) {
        size_t nc = (w->cap ? w->cap * 2 : 4096);
        while (nc < w->n + n)
            nc *= 2;
        uint8_t *nb = realloc(w->b, nc);
        if (nb == NULL) {
            w->bad = true;
            return;
        }
        w->b = nb;
        w->cap = nc;
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void w1(wbuf *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    w_put(w, &b, 1);
}
static void w2(wbuf *w, unsigned v)
{
    w1(w, v >> 8);
    w1(w, v);
}
static void w4(wbuf *w, uint32_t v)
{
    w2(w, v >> 16);
    w2(w, v & 0xFFFF);
}

#define BLOB_MAGIC 0x4A43564Du /* "JCVM" */
#define BLOB_VERSION 1u

int jcvm_save(jcvm *vm, uint8_t **blob, size_t *len)
{
    wbuf w = {0};
    w4(&w, BLOB_MAGIC);
    w2(&w, BLOB_VERSION);
    for (int p = 0; p < JCVM_MAX_PKGS; p++) {
        const jcvm_pkg *pk = &vm->pkgs[p];
        if (!pk->used)
            continue;
        w1(&w, 'P');
        w1(&w, (unsigned)p);
        w4(&w, (uint32_t)pk->cap->len);
        w_put(&w, pk->cap->bytes, pk->cap->len);
        w2(&w, pk->cap->sf_image);
        w_put(&w, pk->statics, pk->cap->sf_image);
    }
    for (int i = 0; i < JCVM_MAX_INST; i++) {
        const jcvm_inst *in = &vm->insts[i];
        if (!in->used)
            continue;
        w1(&w, 'I');
        w1(&w, (unsigned)i);
        w1(&w, in->aid.len);
        w_put(&w, in->aid.b, in->aid.len);
        w1(&w, in->pkg);
        w2(&w, in->cls);
        w2(&w, in->applet);
        w2(&w, in->aid_obj);
        w1(&w, in->app_state);
    }
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++) {
        const jcvm_obj *o = &vm->objs[h];
        if (o->kind == OK_FREE || (o->flags & OF_TEMP))
            continue;
        w1(&w, 'O');
        w2(&w, h);
        w1(&w, o->kind);
        w1(&w, o->flags);
        w1(&w, o->owner_pkg);
        w1(&w, o->owner_inst);
        w2(&w, o->len);
        w4(&w, o->cid);
        if (o->flags & OF_TRANSIENT)
            continue; /* contents are not persistent */
        if (o->kind == OK_ARR_BOOL || o->kind == OK_ARR_BYTE) {
            w_put(&w, o->data, o->len);
        } else if (o->kind == OK_ARR_INT) {
            const int32_t *d = o->data;
            for (unsigned i = 0; i < o->len; i++)
                w4(&w, (uint32_t)d[i]);
        } else {
            const uint16_t *d = o->data;
            for (unsigned i = 0; i < o->len; i++)
                w2(&w, d[i]);
        }
    }
    uint8_t *cb = NULL;
    size_t cl = 0;
    if (jcvm_crypto_save(vm, &cb, &cl) != 0)
        w.bad = true;
    else if (cl > 0) { /* crypto objects' engine state (keys, algorithms) */
        w1(&w, 'C');
        w4(&w, (uint32_t)cl);
        w_put(&w, cb, cl);
        memset(cb, 0, cl);
    }
    free(cb);
    w1(&w, 'E');
    if (w.bad) {
        free(w.b);
        return -1;
    }
    *blob = w.b;
    *len = w.n;
    vm->dirty = false;
    return 0;
}

typedef struct {
    const uint8_t *p;
    size_t n, off;
    bool bad;
} rbuf;
static uint32_t rn(rbuf *r, int k)
{
    uint32_t v = 0;
    if (r->bad || r->n - r->off < (size_t)k) {
        r->bad = true;
        return 0;
    }
    for (int i = 0; i < k; i++)
        v = v << 8 | r->p[r->off++];
    return v;
}
static const uint8_t *rb(rbuf *r, size_t k)
{
    if (r->bad || r->n - r->off < k) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *q = r->p + r->off;
    r->off += k;
    return q;
}

void jcvm_wipe(jcvm *vm);

int jcvm_restore(jcvm *vm, const uint8_t *blob, size_t len)
{
    jcvm_wipe(vm);
    if (blob == NULL || len == 0) { /* the empty runtime */
        jcvm_natives_init(vm);
        vm->dirty = false;
        return 0;
    }
    vm->restoring = true;
    rbuf r = {blob, len, 0, false};
    if (rn(&r, 4) != BLOB_MAGIC || rn(&r, 2) != BLOB_VERSION)
        return -1;
    for (;;) {
        uint8_t t = (uint8_t)rn(&r, 1);
        if (r.bad)
            goto bad;
        if (t == 'E')
            break;
        if (t == 'P') {
            unsigned p = rn(&r, 1);
            uint32_t cl = rn(&r, 4);
            const uint8_t *cb = rb(&r, cl);
            unsigned si = rn(&r, 2);
            const uint8_t *sb = rb(&r, si);
            if (r.bad || p >= JCVM_MAX_PKGS || vm->pkgs[p].used)
                goto bad;
            char why[160];
            uint16_t sw;
            if (jcvm_cap_parse(cb, cl, &vm->pkgs[p].cap, why, sizeof why) != 0)
                goto bad;
            vm->pkgs[p].used = true;
            if (jcvm_link(vm, (int)p, &sw, why, sizeof why) != 0 ||
                si != vm->pkgs[p].cap->sf_image) {
                jcvm_unlink(vm, (int)p);
                goto bad;
            }
            memcpy(vm->pkgs[p].statics, sb, si);
        } else if (t == 'I') {
            unsigned i = rn(&r, 1);
            unsigned al = rn(&r, 1);
            const uint8_t *ab = rb(&r, al);
            if (r.bad || i >= JCVM_MAX_INST || al > JC_AID_MAX || vm->insts[i].used)
                goto bad;
            jcvm_inst *in = &vm->insts[i];
            in->aid.len = (uint8_t)al;
            memcpy(in->aid.b, ab, al);
            in->pkg = (uint8_t)rn(&r, 1);
            in->cls = (uint16_t)rn(&r, 2);
            in->applet = (uint16_t)rn(&r, 2);
            in->aid_obj = (uint16_t)rn(&r, 2);
            in->app_state = (uint8_t)rn(&r, 1);
            if (r.bad || in->pkg >= JCVM_MAX_PKGS || !vm->pkgs[in->pkg].used)
                goto bad;
            in->used = true;
        } else if (t == 'O') {
            unsigned h = rn(&r, 2);
            jcvm_obj o = {0};
            o.kind = (uint8_t)rn(&r, 1);
            o.flags = (uint8_t)rn(&r, 1);
            o.owner_pkg = (uint8_t)rn(&r, 1);
            o.owner_inst = (uint8_t)rn(&r, 1);
            o.len = (uint16_t)rn(&r, 2);
            o.cid = rn(&r, 4);
            if (r.bad || h == 0 || h >= JCVM_MAX_OBJS || vm->objs[h].kind != OK_FREE)
                goto bad;
            if (!(o.kind == OK_INST || (o.kind >= OK_ARR_BOOL && o.kind <= OK_ARR_REF)))
                goto bad;
            size_t bytes = jcvm_elem_size(o.kind) * o.len;
            o.data = calloc(bytes ? bytes : 1, 1);
            if (o.data == NULL)
                goto bad;
            vm->objs[h] = o;
            jcvm_obj *ob = &vm->objs[h];
            if (!(o.flags & OF_TRANSIENT)) {
                if (o.kind == OK_ARR_BOOL || o.kind == OK_ARR_BYTE) {
                    const uint8_t *d = rb(&r, o.len);
                    if (d)
                        memcpy(ob->data, d, o.len);
                } else if (o.kind == OK_ARR_INT) {
                    int32_t *d = ob->data;
                    for (unsigned i = 0; i < o.len; i++)
                        d[i] = (int32_t)rn(&r, 4);
                } else {
                    uint16_t *d = ob->data;
                    for (unsigned i = 0; i < o.len; i++)
                        d[i] = (uint16_t)rn(&r, 2);
                }
            }
            if (r.bad)
                goto bad;
            if (o.flags & OF_TRANSIENT)
                vm->trans_used += (uint32_t)bytes;
            vm->heap_used += OBJ_OVERHEAD + ((o.flags & OF_TRANSIENT) ? 0 : (uint32_t)bytes);
        } else if (t == 'C') {
            uint32_t cl = rn(&r, 4);
            const uint8_t *cb = rb(&r, cl);
            if (r.bad || jcvm_crypto_restore(vm, cb, cl) != 0)
                goto bad;
        } else {
            goto bad;
        }
    }
    if (r.off != r.n)
        goto bad;
    for (int i = 0; i < JCVM_MAX_INST; i++) {
        jcvm_inst *in = &vm->insts[i];
        if (!in->used)
            continue;
        if (in->applet == 0 || in->applet >= JCVM_MAX_OBJS || vm->objs[in->applet].kind != OK_INST)
            goto bad;
    }
    vm->restoring = false;
    jcvm_natives_init(vm);
    vm->dirty = false;
    return 0;
bad:
    vm->restoring = false;
    jcvm_wipe(vm);
    jcvm_natives_init(vm);
    return -1;
}

bool jcvm_dirty(const jcvm *vm)
{
    return vm->dirty;
}
