/*
 * jcvm_natives.c: the native API methods (javacard.framework, java.lang,
 * org.globalplatform) bound by class and signature to the API method table,
 * and the JCRE-owned objects (APDU object and buffer, the system exception
 * instances, instance AIDs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm_int.h"
#include "jcvm_natives_crypto.h"

#define NAT(name) static int name(jcvm *vm, uint16_t *a, uint16_t *r)
#define S16(x) ((int16_t)(x))

static bool is_arr(jcvm *vm, uint16_t h, uint8_t kind, uint16_t minlen);

static uint16_t cur_ctx(jcvm *vm)
{
    return jcvm_cur_ctx_pkg(vm);
}

/* A byte array argument the caller may access: 0 with an exception pending otherwise. */
static jcvm_obj *barr(jcvm *vm, uint16_t h)
{
    if (h == 0) {
        jcvm_throw_api(vm, "NullPointerException", 0);
        return NULL;
    }
    jcvm_obj *o = &vm->objs[h];
    if (h >= JCVM_MAX_OBJS || (o->kind != OK_ARR_BYTE && o->kind != OK_ARR_BOOL)) {
        jcvm_throw_api(vm, "SecurityException", 0);
        return NULL;
    }
    uint16_t c = cur_ctx(vm);
    if (c != 0 && o->owner_pkg != c && !(o->flags & OF_GLOBAL)) {
        jcvm_throw_api(vm, "SecurityException", 0);
        return NULL;
    }
    return o;
}

static bool range_ok(jcvm *vm, const jcvm_obj *o, int16_t off, int16_t len)
{
    if (off < 0 || len < 0 || (int32_t)off + len > o->len) {
        jcvm_throw_api(vm, "ArrayIndexOutOfBoundsException", 0);
        return false;
    }
    return true;
}

/* write n bytes into byte array h at off; atomic = subject to a transaction */
static void arr_write(jcvm *vm, uint16_t h, uint16_t off, const uint8_t *src, uint16_t n,
                      bool atomic)
{
    jcvm_obj *o = &vm->objs[h];
    uint8_t *d = (uint8_t *)o->data + off;
    bool persistent = !(o->flags & (OF_TRANSIENT | OF_TEMP));
    if (persistent && vm->cfg.write_point != NULL && n > 0) {
        /* power-loss injection: an atomic write is one cut point; a non-atomic one a cut
           point per byte, so a cut leaves a prefix of it written (FIDELITY.md "Tearing") */
        if (atomic && jcvm_wpoint(vm, "atomic array write"))
            return;
        if (!atomic) {
            uint8_t *tmp = malloc(n);
            if (tmp != NULL) {
                memcpy(tmp, src, n);
                vm->dirty = true;
                for (uint16_t i = 0; i < n; i++) {
                    if (jcvm_wpoint(vm, "non-atomic array write"))
                        break;
                    d[i] = tmp[i];
                }
                free(tmp);
                return;
            }
        }
    }
    if (!(o->flags & OF_TRANSIENT)) {
        vm->dirty = true;
        if (atomic && vm->txn_depth)
            for (uint16_t i = 0; i < n; i++)
                jcvm_log(vm, h, 0, (uint32_t)off + i, d + i, 1);
    }
    memmove(d, src, n);
}

static void set_cell(jcvm *vm, uint16_t h, unsigned cell, uint16_t v, bool atomic)
{
    uint16_t *c = (uint16_t *)vm->objs[h].data + cell;
    if (!(vm->objs[h].flags & (OF_TEMP | OF_TRANSIENT)) && jcvm_wpoint(vm, "field write"))
        return;
    if (atomic && vm->txn_depth)
        jcvm_log(vm, h, 0, cell * 2u, c, 2);
    vm->dirty = true;
    *c = v;
}

static uint16_t cell(jcvm *vm, uint16_t h, unsigned i)
{
    return ((uint16_t *)vm->objs[h].data)[i];
}

/* ---- java.lang.Object, Throwable family ---- */
NAT(n_nop)
{
    return 0;
}
NAT(n_equals)
{
    r[0] = a[0] == a[1];
    return 1;
}
NAT(n_exc_init_s)
{
    set_cell(vm, a[0], 0, a[1], false);
    return 0;
}
NAT(n_get_reason)
{
    r[0] = cell(vm, a[0], 0);
    return 1;
}
NAT(n_set_reason)
{
    set_cell(vm, a[0], 0, a[1], false);
    return 0;
}
static const char *throw_cls;
static int throw_named(jcvm *vm, const char *cls, uint16_t reason)
{
    jcvm_throw_api(vm, cls, reason);
    return -1;
}

/* ---- Applet ---- */
static int register_common(jcvm *vm, uint16_t self, const jc_aid *aid)
{
    if (vm->installing < 0 || vm->registered) {
        return throw_named(vm, "SystemException", 6); /* ILLEGAL_USE */
    }
    jcvm_inst *in = &vm->insts[vm->installing];
    if (aid != NULL && (aid->len != in->aid.len || memcmp(aid->b, in->aid.b, aid->len) != 0))
        return throw_named(vm, "SystemException", 4); /* ILLEGAL_AID */
    if (vm->objs[self].owner_inst != vm->installing + 1)
        return throw_named(vm, "SystemException", 6);
    in->applet = self;
    in->cls = (uint16_t)vm->objs[self].cid;
    vm->registered = true;
    return 0;
}
NAT(n_register)
{
    return register_common(vm, a[0], NULL);
}
NAT(n_register_aid)
{
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[2]), len = (int8_t)a[3];
    if (!range_ok(vm, o, off, len))
        return -1;
    if (len < 5 || len > 16)
        return throw_named(vm, "SystemException", 4);
    jc_aid aid;
    aid.len = (uint8_t)len;
    memcpy(aid.b, (uint8_t *)o->data + off, (size_t)len);
    return register_common(vm, a[0], &aid);
}
NAT(n_selecting)
{
    int ci = vm->cur_inst;
    r[0] = vm->apdu.selecting && ci >= 0 && vm->insts[ci].applet == a[0];
    return 1;
}
NAT(n_select_true)
{
    r[0] = 1;
    return 1;
}
NAT(n_null)
{
    r[0] = 0;
    return 1;
}

/* ---- APDU ---- */
enum { ST_INIT = 0, ST_PIN = 1, ST_FIN = 2, ST_OUT = 3, ST_OLEN = 4, ST_POUT = 5, ST_FOUT = 6 };

static uint8_t *abuf(jcvm *vm)
{
    return vm->objs[vm->apdu_buf].data;
}

NAT(n_get_buffer)
{
    r[0] = vm->apdu_buf;
    return 1;
}
NAT(n_set_incoming)
{
    jcvm_apdu *p = &vm->apdu;
    if (p->state != ST_INIT)
        return throw_named(vm, "APDUException", 1);
    uint16_t got = 0;
    if (p->cla_case >= 3) {
        uint16_t cap = (uint16_t)(vm->objs[vm->apdu_buf].len - (p->ext ? 7 : 5));
        got = p->lc < cap ? p->lc : cap;
        p->received = got;
    }
    p->state = p->received >= p->lc ? ST_FIN : ST_PIN;
    r[0] = got;
    return 1;
}
NAT(n_receive_bytes)
{
    jcvm_apdu *p = &vm->apdu;
    int16_t off = S16(a[1]);
    if (p->state != ST_PIN && p->state != ST_FIN)
        return throw_named(vm, "APDUException", 1);
    uint16_t rem = (uint16_t)(p->lc - p->received);
    uint16_t blen = vm->objs[vm->apdu_buf].len;
    if (off < 0 || (rem > 0 && off + 1 > blen))
        return throw_named(vm, "APDUException", 2);
    uint16_t n = rem;
    if (off + n > blen) /* nothing left to receive: any offset, even past the buffer, gets 0 */
        n = off < blen ? (uint16_t)(blen - off) : 0;
    uint16_t hdr = p->ext ? 7 : 5;
    memmove(abuf(vm) + off, p->full + hdr + p->received, n);
    p->received = (uint16_t)(p->received + n);
    p->state = p->received >= p->lc ? ST_FIN : ST_PIN;
    r[0] = n;
    return 1;
}
static uint16_t le_value(const jcvm_apdu *p)
{
    return p->le;
}
NAT(n_set_outgoing)
{
    jcvm_apdu *p = &vm->apdu;
    if (p->state >= ST_OUT)
        return throw_named(vm, "APDUException", 1);
    p->state = ST_OUT;
    r[0] = le_value(p);
    return 1;
}
NAT(n_set_outgoing_nochain)
{
    vm->apdu.no_chaining = true;
    return n_set_outgoing(vm, a, r);
}
NAT(n_set_outgoing_length)
{
    jcvm_apdu *p = &vm->apdu;
    int16_t len = S16(a[1]);
    if (p->state != ST_OUT)
        return throw_named(vm, "APDUException", 1);
    uint16_t max = p->ext ? 32767 : 256;
    if (len < 0 || len > max)
        return throw_named(vm, "APDUException", 3); /* BAD_LENGTH */
    if (p->le_given && p->le != 0 && len > p->le && !p->ext)
        return throw_named(vm, "ISOException", (uint16_t)(0x6C00 | (len & 0xFF)));
    p->out_len = (uint16_t)len;
    p->sent = 0;
    p->state = len == 0 ? ST_FOUT : ST_OLEN;
    return 0;
}
static int send_from(jcvm *vm, const uint8_t *src, uint16_t len)
{
    jcvm_apdu *p = &vm->apdu;
    if (p->state != ST_OLEN && p->state != ST_POUT)
        return throw_named(vm, "APDUException", 1);
    if ((uint32_t)p->sent + len > p->out_len)
        return throw_named(vm, "APDUException", 1);
    if (p->resp_len + len > sizeof p->resp - 2)
        return throw_named(vm, "APDUException", 4);
    memcpy(p->resp + p->resp_len, src, len);
    p->resp_len += len;
    p->sent = (uint16_t)(p->sent + len);
    p->state = p->sent == p->out_len ? ST_FOUT : ST_POUT;
    return 0;
}
NAT(n_send_bytes)
{
    int16_t off = S16(a[1]), len = S16(a[2]);
    jcvm_obj *b = &vm->objs[vm->apdu_buf];
    if (off < 0 || len < 0 || off + len > b->len)
        return throw_named(vm, "APDUException", 2);
    return send_from(vm, abuf(vm) + off, (uint16_t)len);
}
NAT(n_send_bytes_long)
{
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[2]), len = S16(a[3]);
    if (!range_ok(vm, o, off, len))
        return -1;
    return send_from(vm, (uint8_t *)o->data + off, (uint16_t)len);
}
NAT(n_set_outgoing_and_send)
{
    uint16_t t[3] = {a[0], 0, 0};
    uint16_t rr[2];
    if (n_set_outgoing(vm, t, rr) < 0)
        return -1;
    t[1] = a[2];
    if (n_set_outgoing_length(vm, t, rr) < 0)
        return -1;
    if (S16(a[2]) == 0)
        return 0;
    t[1] = a[1];
    t[2] = a[2];
    return n_send_bytes(vm, t, rr);
}
NAT(n_get_state)
{
    r[0] = vm->apdu.state;
    return 1;
}
static uint8_t cla(jcvm *vm)
{
    return vm->apdu.full[0];
}
NAT(n_is_chaining)
{
    r[0] = (cla(vm) & 0x10) != 0 && (cla(vm) & 0x80) == 0;
    return 1;
}
NAT(n_is_sm)
{
    uint8_t c = cla(vm);
    if (c & 0x80)
        r[0] = 0;
    else
        r[0] = (c & 0x40) ? (c & 0x20) != 0 : (c & 0x0C) != 0;
    return 1;
}
NAT(n_is_iso)
{
    r[0] = (cla(vm) & 0x80) == 0;
    return 1;
}
NAT(n_incoming_length)
{
    r[0] = vm->apdu.lc;
    return 1;
}
NAT(n_offset_cdata)
{
    r[0] = vm->apdu.ext ? 7 : 5;
    return 1;
}
NAT(n_zero)
{
    r[0] = 0;
    return 1;
}
NAT(n_block_size)
{
    r[0] = vm->cfg.protocol ? 254 : 1;
    return 1;
}
NAT(n_get_protocol)
{
    r[0] = vm->cfg.protocol;
    return 1;
}
NAT(n_current_apdu)
{
    r[0] = vm->apdu_obj;
    return 1;
}
NAT(n_cla_channel)
{
    uint8_t c = cla(vm);
    r[0] = (c & 0x40) ? (uint16_t)(4 + (c & 0x0F)) : (uint16_t)(c & 0x03);
    return 1;
}

/* ---- JCSystem ---- */
NAT(n_is_transient)
{
    if (a[0] == 0) {
        r[0] = 0;
        return 1;
    }
    if (a[0] >= JCVM_MAX_OBJS || vm->objs[a[0]].kind == OK_FREE) /* a forged reference */
        return throw_named(vm, "SecurityException", 0);
    uint8_t f = vm->objs[a[0]].flags;
    r[0] = (f & OF_T_RESET) ? 1 : (f & OF_T_DESELECT) ? 2 : 0;
    return 1;
}
static int make_transient(jcvm *vm, uint16_t *a, uint16_t *r, uint8_t kind)
{
    int16_t len = S16(a[0]);
    uint8_t ev = (uint8_t)a[1];
    if (ev != 1 && ev != 2)
        return throw_named(vm, "SystemException", 1);
    if (len < 0)
        return throw_named(vm, "NegativeArraySizeException", 0);
    uint16_t h =
        jcvm_alloc(vm, kind, (uint16_t)len, JCVM_CID_NONE, ev == 1 ? OF_T_RESET : OF_T_DESELECT,
                   (uint8_t)cur_ctx(vm), (uint8_t)jcvm_cur_ctx_inst(vm));
    if (h == 0)
        return throw_named(vm, "SystemException", 2); /* NO_TRANSIENT_SPACE */
    r[0] = h;
    return 1;
}
NAT(n_mt_bool)
{
    return make_transient(vm, a, r, OK_ARR_BOOL);
}
NAT(n_mt_byte)
{
    return make_transient(vm, a, r, OK_ARR_BYTE);
}
NAT(n_mt_short)
{
    return make_transient(vm, a, r, OK_ARR_SHORT);
}
NAT(n_mt_obj)
{
    return make_transient(vm, a, r, OK_ARR_REF);
}
NAT(n_get_version)
{
    r[0] = 0x0202;
    return 1;
}
NAT(n_get_aid)
{
    unsigned ci = jcvm_cur_ctx_inst(vm);
    r[0] = ci ? jcvm_inst_aid_obj(vm, (int)ci - 1) : 0;
    return 1;
}
NAT(n_lookup_aid)
{
    jcvm_obj *o = barr(vm, a[0]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[1]), len = (int8_t)a[2];
    if (!range_ok(vm, o, off, len))
        return -1;
    r[0] = 0;
    for (int i = 0; i < JCVM_MAX_INST; i++) {
        const jcvm_inst *in = &vm->insts[i];
        if (in->used && in->aid.len == len &&
            memcmp(in->aid.b, (uint8_t *)o->data + off, (size_t)len) == 0)
            r[0] = jcvm_inst_aid_obj(vm, i);
    }
    return 1;
}
NAT(n_begin_txn)
{
    if (vm->txn_depth)
        return throw_named(vm, "TransactionException", 1);
    vm->txn_depth = 1;
    jcvm_trace(vm, "transaction begin");
    return 0;
}
NAT(n_abort_txn)
{
    if (!vm->txn_depth)
        return throw_named(vm, "TransactionException", 2);
    if (jcvm_wpoint(vm, "abortTransaction"))
        return -1;
    jcvm_txn_abort(vm);
    jcvm_trace(vm, "transaction abort");
    return 0;
}
NAT(n_commit_txn)
{
    if (!vm->txn_depth)
        return throw_named(vm, "TransactionException", 2);
    if (jcvm_wpoint(vm, "commitTransaction"))
        return -1;
    jcvm_txn_commit(vm);
    jcvm_trace(vm, "transaction commit");
    return 0;
}
NAT(n_txn_depth)
{
    r[0] = vm->txn_depth;
    return 1;
}
static uint16_t commit_cap(const jcvm *vm)
{
    return vm->cfg.commit_capacity ? vm->cfg.commit_capacity : 512;
}
NAT(n_unused_commit)
{
    uint32_t used = vm->undo_bytes;
    r[0] = used >= commit_cap(vm) ? 0 : (uint16_t)(commit_cap(vm) - used);
    return 1;
}
NAT(n_max_commit)
{
    r[0] = commit_cap(vm);
    return 1;
}
NAT(n_prev_ctx_aid)
{
    const jcvm_frame *f = &vm->frames[vm->nframes - 1];
    r[0] = f->prev_inst ? jcvm_inst_aid_obj(vm, f->prev_inst - 1) : 0;
    return 1;
}
NAT(n_avail_mem)
{
    uint32_t fr;
    switch ((uint8_t)a[0]) {
    case 0:
        fr = vm->cfg.heap_size > vm->heap_used ? vm->cfg.heap_size - vm->heap_used : 0;
        break;
    case 1:
    case 2:
        fr = vm->cfg.transient_size > vm->trans_used ? vm->cfg.transient_size - vm->trans_used : 0;
        break;
    default:
        return throw_named(vm, "SystemException", 1);
    }
    r[0] = (uint16_t)(fr > 32767 ? 32767 : fr);
    return 1;
}
static bool aid_of_obj(jcvm *vm, uint16_t h, jc_aid *out)
{
    if (h == 0 || h >= JCVM_MAX_OBJS || vm->objs[h].kind != OK_INST || vm->objs[h].len < 1)
        return false;
    uint16_t bh = cell(vm, h, 0); /* any value when h is no AID: checked as a handle */
    if (!is_arr(vm, bh, OK_ARR_BYTE, 0) || vm->objs[bh].len > JC_AID_MAX)
        return false;
    out->len = (uint8_t)vm->objs[bh].len;
    memcpy(out->b, vm->objs[bh].data, out->len);
    return true;
}
NAT(n_get_sio)
{
    jc_aid aid;
    if (a[0] == 0 || !aid_of_obj(vm, a[0], &aid)) {
        r[0] = 0;
        return 1;
    }
    int i = jcvm_find_inst(vm, &aid);
    if (i < 0 || vm->insts[i].applet == 0) {
        r[0] = 0;
        return 1;
    }
    unsigned ci = jcvm_cur_ctx_inst(vm);
    uint16_t args[3] = {vm->insts[i].applet, ci ? jcvm_inst_aid_obj(vm, (int)ci - 1) : 0, a[1]};
    uint16_t ret[2] = {0, 0};
    /* the server runs in its own context; its previous context is the caller's */
    int n = jcvm_call_virtual(vm, vm->insts[i].applet, 5, args, 3, ret);
    if (n < 0)
        return -1;
    r[0] = ret[0];
    return 1;
}
NAT(n_deletion_supported)
{
    r[0] = vm->cfg.object_deletion;
    return 1;
}
NAT(n_request_deletion)
{
    if (!vm->cfg.object_deletion)
        return throw_named(vm, "SystemException", 6);
    vm->deletion_requested = true;
    return 0;
}
NAT(n_assigned_channel)
{
    r[0] = vm->apdu.channel;
    return 1;
}
NAT(n_is_active)
{
    jc_aid aid;
    r[0] = 0;
    if (aid_of_obj(vm, a[0], &aid)) {
        int i = jcvm_find_inst(vm, &aid);
        for (int c = 0; i >= 0 && c < JCVM_CHANNELS; c++)
            if (vm->active[c] == i + 1)
                r[0] = 1;
    }
    return 1;
}

/* ---- Util ---- */
static int copy_common(jcvm *vm, uint16_t *a, uint16_t *r, bool atomic)
{
    jcvm_obj *s = barr(vm, a[0]);
    if (s == NULL)
        return -1;
    jcvm_obj *d = barr(vm, a[2]);
    if (d == NULL)
        return -1;
    int16_t so = S16(a[1]), dof = S16(a[3]), len = S16(a[4]);
    if (!range_ok(vm, s, so, len) || !range_ok(vm, d, dof, len))
        return -1;
    if (atomic && vm->txn_depth && !(d->flags & OF_TRANSIENT) &&
        vm->undo_bytes + 5u * (unsigned)len > commit_cap(vm))
        return throw_named(vm, "TransactionException", 3);
    arr_write(vm, a[2], (uint16_t)dof, (uint8_t *)s->data + so, (uint16_t)len, atomic);
    r[0] = (uint16_t)(dof + len);
    return 1;
}
NAT(n_array_copy)
{
    return copy_common(vm, a, r, true);
}
NAT(n_array_copy_na)
{
    return copy_common(vm, a, r, false);
}
NAT(n_array_fill)
{
    jcvm_obj *d = barr(vm, a[0]);
    if (d == NULL)
        return -1;
    int16_t off = S16(a[1]), len = S16(a[2]);
    if (!range_ok(vm, d, off, len))
        return -1;
    if (!(d->flags & (OF_TRANSIENT | OF_TEMP)) && vm->cfg.write_point != NULL) {
        /* power-loss injection: a cut point per byte (FIDELITY.md "Tearing") */
        vm->dirty = true;
        for (int16_t i = 0; i < len; i++) {
            if (jcvm_wpoint(vm, "Util.arrayFillNonAtomic"))
                return -1;
            ((uint8_t *)d->data)[off + i] = (uint8_t)a[3];
        }
    }
    memset((uint8_t *)d->data + off, (uint8_t)a[3], (size_t)len);
    if (!(d->flags & OF_TRANSIENT))
        vm->dirty = true;
    r[0] = (uint16_t)(off + len);
    return 1;
}
NAT(n_array_compare)
{
    jcvm_obj *s = barr(vm, a[0]);
    if (s == NULL)
        return -1;
    jcvm_obj *d = barr(vm, a[2]);
    if (d == NULL)
        return -1;
    int16_t so = S16(a[1]), dof = S16(a[3]), len = S16(a[4]);
    if (!range_ok(vm, s, so, len) || !range_ok(vm, d, dof, len))
        return -1;
    /* unsigned byte order, as the reference implementation compares */
    const uint8_t *x = (const uint8_t *)s->data + so, *y = (const uint8_t *)d->data + dof;
    r[0] = 0;
    for (int i = 0; i < len; i++)
        if (x[i] != y[i]) {
            r[0] = x[i] < y[i] ? 0xFFFF : 1;
            break;
        }
    return 1;
}
NAT(n_make_short)
{
    r[0] = (uint16_t)((a[0] & 0xFF) << 8 | (a[1] & 0xFF));
    return 1;
}
NAT(n_get_short)
{
    jcvm_obj *s = barr(vm, a[0]);
    if (s == NULL)
        return -1;
    int16_t off = S16(a[1]);
    if (!range_ok(vm, s, off, 2))
        return -1;
    const uint8_t *p = (const uint8_t *)s->data + off;
    r[0] = (uint16_t)(p[0] << 8 | p[1]);
    return 1;
}
NAT(n_set_short)
{
    jcvm_obj *d = barr(vm, a[0]);
    if (d == NULL)
        return -1;
    int16_t off = S16(a[1]);
    if (!range_ok(vm, d, off, 2))
        return -1;
    uint8_t b[2] = {(uint8_t)(a[2] >> 8), (uint8_t)a[2]};
    arr_write(vm, a[0], (uint16_t)off, b, 2, true);
    r[0] = (uint16_t)(off + 2);
    return 1;
}

/* ---- OwnerPIN: cells 0 tryLimit, 1 maxPINSize, 2 tries, 3 pin array, 4 validated array ---- */
NAT(n_pin_init)
{
    int8_t lim = (int8_t)a[1], max = (int8_t)a[2];
    if (lim < 1 || max < 1)
        return throw_named(vm, "PINException", 1);
    jcvm_obj *o = &vm->objs[a[0]];
    uint16_t pa = jcvm_alloc(vm, OK_ARR_BYTE, (uint16_t)(max + 1), JCVM_CID_NONE, 0, o->owner_pkg,
                             o->owner_inst);
    uint16_t va =
        jcvm_alloc(vm, OK_ARR_BOOL, 1, JCVM_CID_NONE, OF_T_RESET, o->owner_pkg, o->owner_inst);
    if (pa == 0 || va == 0)
        return throw_named(vm, "SystemException", 5);
    set_cell(vm, a[0], 0, (uint16_t)lim, false);
    set_cell(vm, a[0], 1, (uint16_t)max, false);
    set_cell(vm, a[0], 2, (uint16_t)lim, false);
    set_cell(vm, a[0], 3, pa, false);
    set_cell(vm, a[0], 4, va, false);
    return 0;
}
static void pin_set_validated(jcvm *vm, uint16_t self, bool v)
{
    uint16_t va = cell(vm, self, 4);
    if (is_arr(vm, va, OK_ARR_BOOL, 1))
        ((uint8_t *)vm->objs[va].data)[0] = v;
}
static bool pin_validated(jcvm *vm, uint16_t self)
{
    uint16_t va = cell(vm, self, 4);
    return is_arr(vm, va, OK_ARR_BOOL, 1) && ((uint8_t *)vm->objs[va].data)[0];
}
/* An OwnerPIN whose constructor never ran has no PIN array: uninitialised, like the API's
   PINException ILLEGAL_VALUE for a bad state */
static bool pin_ok(jcvm *vm, uint16_t self)
{
    uint16_t pa = cell(vm, self, 3);
    return is_arr(vm, pa, OK_ARR_BYTE, (uint16_t)(cell(vm, self, 1) + 1u)) &&
           cell(vm, self, 1) < 128;
}
NAT(n_pin_check)
{
    uint16_t self = a[0];
    if (!pin_ok(vm, self))
        return throw_named(vm, "PINException", 1);
    pin_set_validated(vm, self, false);
    uint16_t tries = cell(vm, self, 2);
    if (tries == 0) {
        r[0] = 0;
        return 1;
    }
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[2]), len = (int8_t)a[3];
    if (!range_ok(vm, o, off, len))
        return -1;
    set_cell(vm, self, 2, (uint16_t)(tries - 1), false); /* not subject to transactions */
    uint16_t pa = cell(vm, self, 3);
    const uint8_t *pin = vm->objs[pa].data;
    if (len == pin[0] && len <= (int16_t)cell(vm, self, 1) &&
        memcmp(pin + 1, (uint8_t *)o->data + off, (size_t)len) == 0) {
        set_cell(vm, self, 2, cell(vm, self, 0), false);
        pin_set_validated(vm, self, true);
        r[0] = 1;
    } else {
        r[0] = 0;
    }
    return 1;
}
NAT(n_pin_tries)
{
    r[0] = cell(vm, a[0], 2);
    return 1;
}
NAT(n_pin_validated)
{
    r[0] = pin_validated(vm, a[0]);
    return 1;
}
NAT(n_pin_set_validated)
{
    pin_set_validated(vm, a[0], a[1] != 0);
    return 0;
}
NAT(n_pin_reset)
{
    if (pin_validated(vm, a[0])) {
        set_cell(vm, a[0], 2, cell(vm, a[0], 0), true);
        pin_set_validated(vm, a[0], false);
    }
    return 0;
}
NAT(n_pin_reset_unblock)
{
    set_cell(vm, a[0], 2, cell(vm, a[0], 0), true);
    pin_set_validated(vm, a[0], false);
    return 0;
}
NAT(n_pin_update)
{
    if (!pin_ok(vm, a[0]))
        return throw_named(vm, "PINException", 1);
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[2]), len = (int8_t)a[3];
    if (!range_ok(vm, o, off, len))
        return -1;
    if (len > (int16_t)cell(vm, a[0], 1))
        return throw_named(vm, "PINException", 1);
    uint16_t pa = cell(vm, a[0], 3);
    uint8_t tmp[128];
    tmp[0] = (uint8_t)len;
    memcpy(tmp + 1, (uint8_t *)o->data + off, (size_t)len);
    /* the new PIN and the reset try counter are one atomic update: one cut point */
    if (jcvm_wpoint(vm, "OwnerPIN.update"))
        return -1;
    vm->wp_quiet++;
    arr_write(vm, pa, 0, tmp, (uint16_t)(len + 1), true);
    set_cell(vm, a[0], 2, cell(vm, a[0], 0), true);
    vm->wp_quiet--;
    pin_set_validated(vm, a[0], false);
    return 0;
}

/* ---- AID: cell 0 = byte array ---- */
NAT(n_aid_init)
{
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[2]), len = (int8_t)a[3];
    if (!range_ok(vm, o, off, len))
        return -1;
    if (len < 5 || len > 16)
        return throw_named(vm, "SystemException", 1);
    jcvm_obj *self = &vm->objs[a[0]];
    uint16_t b = jcvm_alloc(vm, OK_ARR_BYTE, (uint16_t)len, JCVM_CID_NONE, 0, self->owner_pkg,
                            self->owner_inst);
    if (b == 0)
        return throw_named(vm, "SystemException", 5);
    memcpy(vm->objs[b].data, (uint8_t *)o->data + off, (size_t)len);
    set_cell(vm, a[0], 0, b, false);
    return 0;
}
static bool is_arr(jcvm *vm, uint16_t h, uint8_t kind, uint16_t minlen)
{
    return h != 0 && h < JCVM_MAX_OBJS && vm->objs[h].kind == kind && vm->objs[h].len >= minlen;
}

/* The bytes of an AID object; an AID whose constructor never ran has none. */
static const uint8_t *aid_bytes(jcvm *vm, uint16_t self, uint16_t *len)
{
    static const uint8_t none[1] = {0};
    uint16_t b = cell(vm, self, 0);
    if (!is_arr(vm, b, OK_ARR_BYTE, 0)) {
        *len = 0;
        return none;
    }
    *len = vm->objs[b].len;
    return vm->objs[b].data;
}

static bool is_aid(jcvm *vm, uint16_t h)
{
    return h != 0 && h < JCVM_MAX_OBJS && vm->objs[h].kind == OK_INST && vm->objs[h].len >= 1 &&
           jcvm_instance_of(vm, vm->objs[h].cid, vm->cid_aid);
}
NAT(n_aid_equals_obj)
{
    r[0] = 0;
    if (!is_aid(vm, a[1]))
        return 1;
    uint16_t l1, l2;
    const uint8_t *x = aid_bytes(vm, a[0], &l1), *y = aid_bytes(vm, a[1], &l2);
    r[0] = l1 == l2 && memcmp(x, y, l1) == 0;
    return 1;
}
NAT(n_aid_rid_equals)
{
    if (a[1] == 0)
        return throw_named(vm, "NullPointerException", 0);
    if (!is_aid(vm, a[1])) {
        r[0] = 0;
        return 1;
    }
    uint16_t l1, l2;
    const uint8_t *x = aid_bytes(vm, a[0], &l1), *y = aid_bytes(vm, a[1], &l2);
    r[0] = l1 >= 5 && l2 >= 5 && memcmp(x, y, 5) == 0;
    return 1;
}
NAT(n_aid_equals_bytes)
{
    r[0] = 0;
    if (a[1] == 0)
        return 1;
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[2]), len = (int8_t)a[3];
    if (!range_ok(vm, o, off, len))
        return -1;
    uint16_t l1;
    const uint8_t *x = aid_bytes(vm, a[0], &l1);
    r[0] = l1 == len && memcmp(x, (uint8_t *)o->data + off, l1) == 0;
    return 1;
}
NAT(n_aid_partial)
{
    r[0] = 0;
    if (a[1] == 0)
        return 1;
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[2]), len = (int8_t)a[3];
    if (!range_ok(vm, o, off, len))
        return -1;
    uint16_t l1;
    const uint8_t *x = aid_bytes(vm, a[0], &l1);
    r[0] = len <= l1 && memcmp(x, (uint8_t *)o->data + off, (size_t)len) == 0;
    return 1;
}
NAT(n_aid_get_bytes)
{
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    uint16_t l1;
    const uint8_t *x = aid_bytes(vm, a[0], &l1);
    int16_t off = S16(a[2]);
    if (!range_ok(vm, o, off, (int16_t)l1))
        return -1;
    arr_write(vm, a[1], (uint16_t)off, x, l1, true);
    r[0] = l1;
    return 1;
}
NAT(n_aid_get_partial)
{
    int16_t aoff = S16(a[1]);
    jcvm_obj *o = barr(vm, a[2]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[3]), len = (int8_t)a[4];
    uint16_t l1;
    const uint8_t *x = aid_bytes(vm, a[0], &l1);
    if (aoff < 0 || aoff > (int16_t)l1 || len < 0)
        return throw_named(vm, "ArrayIndexOutOfBoundsException", 0);
    int16_t n = len == 0 ? (int16_t)(l1 - aoff) : len;
    if (n > (int16_t)(l1 - aoff))
        n = (int16_t)(l1 - aoff);
    if (!range_ok(vm, o, off, n))
        return -1;
    arr_write(vm, a[2], (uint16_t)off, x + aoff, (uint16_t)n, true);
    r[0] = (uint16_t)n;
    return 1;
}

/* ---- org.globalplatform ---- */
static jc_aid cur_aid(jcvm *vm)
{
    jc_aid z = {0};
    unsigned ci = jcvm_cur_ctx_inst(vm);
    return ci ? vm->insts[ci - 1].aid : z;
}
NAT(n_gp_card_state)
{
    r[0] = vm->cfg.gp_card_state ? vm->cfg.gp_card_state(vm->cfg.gp_ctx) : 0x0F;
    return 1;
}
NAT(n_gp_content_state)
{
    jc_aid id = cur_aid(vm);
    unsigned ci = jcvm_cur_ctx_inst(vm);
    if (vm->cfg.gp_app_state)
        r[0] = vm->cfg.gp_app_state(vm->cfg.gp_ctx, &id);
    else
        r[0] = ci && vm->insts[ci - 1].app_state ? vm->insts[ci - 1].app_state : 0x07;
    return 1;
}
NAT(n_gp_set_content_state)
{
    uint8_t s = (uint8_t)a[0];
    /* only application-specific states: b1..b3 set (0x07), b8 clear */
    if ((s & 0x07) != 0x07 || (s & 0x80)) {
        r[0] = 0;
        return 1;
    }
    jc_aid id = cur_aid(vm);
    unsigned ci = jcvm_cur_ctx_inst(vm);
    if (vm->installing >= 0) {
        r[0] = 0; /* not from install() (GP 2.1.1 A.2): no registry entry yet */
        return 1;
    }
    if (vm->cfg.gp_set_app_state) {
        r[0] = vm->cfg.gp_set_app_state(vm->cfg.gp_ctx, &id, s);
    } else {
        if (ci) {
            if (jcvm_wpoint(vm, "GPSystem.setCardContentState"))
                return -1;
            vm->insts[ci - 1].app_state = s;
            vm->dirty = true;
        }
        r[0] = ci != 0;
    }
    return 1;
}
NAT(n_false)
{
    r[0] = 0;
    return 1;
}
/* GPSystem.lockCard / terminateCard: the OPEN checks the caller's privilege (the hook);
   not from install() (GP 2.1.1 A.2) */
static int gp_card_change(jcvm *vm, uint16_t *r, bool (*fn)(void *, const jc_aid *))
{
    jc_aid id = cur_aid(vm);
    r[0] = fn != NULL && vm->installing < 0 && id.len > 0 && fn(vm->cfg.gp_ctx, &id);
    return 1;
}
NAT(n_gp_lock_card)
{
    (void)a;
    return gp_card_change(vm, r, vm->cfg.gp_lock_card);
}
NAT(n_gp_terminate_card)
{
    (void)a;
    return gp_card_change(vm, r, vm->cfg.gp_terminate_card);
}

NAT(n_gp_get_sc)
{
    r[0] = vm->sc_obj;
    return 1;
}
NAT(n_sc_level)
{
    r[0] = vm->cfg.sc_security_level ? vm->cfg.sc_security_level(vm->cfg.gp_ctx) : 0;
    return 1;
}
static int sc_xwrap(jcvm *vm, uint16_t *a, uint16_t *r, bool wrap)
{
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[2]), len = S16(a[3]);
    if (!range_ok(vm, o, off, len))
        return -1;
    int (*fn)(void *, uint8_t *, size_t, size_t, uint16_t *) =
        wrap ? vm->cfg.sc_wrap : vm->cfg.sc_unwrap;
    uint8_t level = vm->cfg.sc_security_level ? vm->cfg.sc_security_level(vm->cfg.gp_ctx) : 0;
    if (fn == NULL || level == 0) {
        /* no secure channel session: unwrap refuses a command whose CLA announces secure
           messaging (6982); otherwise the data is returned unchanged (GP 2.1.1 API) */
        if (!wrap && len > 0 && (((uint8_t *)o->data)[off] & 0x04))
            return throw_named(vm, "ISOException", 0x6982);
        r[0] = (uint16_t)len;
        return 1;
    }
    uint8_t tmp[300];
    if (o->len > sizeof tmp)
        return throw_named(vm, "ISOException", 0x6F00);
    memcpy(tmp, o->data, o->len);
    uint16_t sw = 0x6982;
    int n = fn(vm->cfg.gp_ctx, tmp, (size_t)off, (size_t)len, &sw);
    if (n < 0)
        return throw_named(vm, "ISOException", sw);
    if (off + n > o->len)
        return throw_named(vm, "ISOException", 0x6F00);
    if (o->flags & OF_TEMP) /* the APDU buffer: no persistent change */
        memcpy(o->data, tmp, o->len);
    else
        arr_write(vm, a[1], 0, tmp, o->len, false);
    r[0] = (uint16_t)n;
    return 1;
}
NAT(n_sc_unwrap)
{
    return sc_xwrap(vm, a, r, false);
}
NAT(n_sc_wrap)
{
    return sc_xwrap(vm, a, r, true);
}
NAT(n_sc_reset)
{
    if (vm->cfg.sc_reset)
        vm->cfg.sc_reset(vm->cfg.gp_ctx);
    return 0;
}
/* processSecurity(APDU): the ISD processes the command of the APDU object (INITIALIZE UPDATE,
   EXTERNAL AUTHENTICATE); it receives the data field itself, its response data goes to the
   buffer at OFFSET_CDATA and the length is returned; any other SW is thrown (GP 2.1.1 A.2) */
NAT(n_sc_process_security)
{
    (void)a;
    jcvm_apdu *p = &vm->apdu;
    if (vm->cfg.sc_process == NULL)
        return throw_named(vm, "ISOException", 0x6D00);
    uint8_t out[JCVM_APDU_BUF];
    size_t n = 0;
    uint16_t sw = vm->cfg.sc_process(vm->cfg.gp_ctx, p->full, p->full_len, out, sizeof out - 5, &n);
    if (p->state == ST_INIT) {
        p->received = p->lc;
        p->state = ST_FIN;
    }
    if (sw != 0x9000)
        return throw_named(vm, "ISOException", sw);
    if (n > 0) /* the APDU buffer is a JCRE object: no persistent change */
        memcpy((uint8_t *)vm->objs[vm->apdu_buf].data + 5, out, n);
    r[0] = (uint16_t)n;
    return 1;
}
NAT(n_sc_decrypt)
{
    jcvm_obj *o = barr(vm, a[1]);
    if (o == NULL)
        return -1;
    int16_t off = S16(a[2]), len = S16(a[3]);
    if (!range_ok(vm, o, off, len))
        return -1;
    if (vm->cfg.sc_decrypt == NULL)
        return throw_named(vm, "ISOException", 0x6985);
    uint8_t tmp[300];
    if (o->len > sizeof tmp)
        return throw_named(vm, "ISOException", 0x6F00);
    memcpy(tmp, o->data, o->len);
    uint16_t sw = 0x6985;
    int n = vm->cfg.sc_decrypt(vm->cfg.gp_ctx, tmp, (size_t)off, (size_t)len, &sw);
    if (n < 0)
        return throw_named(vm, "ISOException", sw);
    if (o->flags & OF_TEMP) /* the APDU buffer: no persistent change */
        memcpy((uint8_t *)o->data + off, tmp + off, (size_t)len);
    else
        arr_write(vm, a[1], (uint16_t)off, tmp + off, (uint16_t)len, false);
    r[0] = (uint16_t)n;
    return 1;
}
NAT(n_sc_crypt)
{
    return throw_named(vm, "ISOException", 0x6985);
}

/* ---- binding ---- */
typedef struct {
    const char *cls, *sig;
    jcvm_native_fn fn;
} bind;

static const bind binds[] = {
    {"Object", "<init>()V", n_nop},
    {"Object", "equals(Ljava/lang/Object;)Z", n_equals},
    {"Applet", "<init>()V", n_nop},
    {"Applet", "register()V", n_register},
    {"Applet", "register([BSB)V", n_register_aid},
    {"Applet", "selectingApplet()Z", n_selecting},
    {"Applet", "deselect()V", n_nop},
    {"Applet", "select()Z", n_select_true},
    {"Applet",
     "getShareableInterfaceObject(Ljavacard/framework/AID;B)Ljavacard/framework/Shareable;",
     n_null},
    {"APDU", "getBuffer()[B", n_get_buffer},
    {"APDU", "getNAD()B", n_zero},
    {"APDU", "receiveBytes(S)S", n_receive_bytes},
    {"APDU", "sendBytes(SS)V", n_send_bytes},
    {"APDU", "sendBytesLong([BSS)V", n_send_bytes_long},
    {"APDU", "setIncomingAndReceive()S", n_set_incoming},
    {"APDU", "setOutgoing()S", n_set_outgoing},
    {"APDU", "setOutgoingAndSend(SS)V", n_set_outgoing_and_send},
    {"APDU", "setOutgoingLength(S)V", n_set_outgoing_length},
    {"APDU", "setOutgoingNoChaining()S", n_set_outgoing_nochain},
    {"APDU", "getCurrentState()B", n_get_state},
    {"APDU", "isCommandChainingCLA()Z", n_is_chaining},
    {"APDU", "isSecureMessagingCLA()Z", n_is_sm},
    {"APDU", "isISOInterindustryCLA()Z", n_is_iso},
    {"APDU", "getIncomingLength()S", n_incoming_length},
    {"APDU", "getOffsetCdata()S", n_offset_cdata},
    {"APDU", "getInBlockSize()S", n_block_size},
    {"APDU", "getOutBlockSize()S", n_block_size},
    {"APDU", "getProtocol()B", n_get_protocol},
    {"APDU", "getCurrentAPDU()Ljavacard/framework/APDU;", n_current_apdu},
    {"APDU", "getCurrentAPDUBuffer()[B", n_get_buffer},
    {"APDU", "getCLAChannel()B", n_cla_channel},
    {"APDU", "waitExtension()V", n_nop},
    {"JCSystem", "isTransient(Ljava/lang/Object;)B", n_is_transient},
    {"JCSystem", "makeTransientBooleanArray(SB)[Z", n_mt_bool},
    {"JCSystem", "makeTransientByteArray(SB)[B", n_mt_byte},
    {"JCSystem", "makeTransientShortArray(SB)[S", n_mt_short},
    {"JCSystem", "makeTransientObjectArray(SB)[Ljava/lang/Object;", n_mt_obj},
    {"JCSystem", "getVersion()S", n_get_version},
    {"JCSystem", "getAID()Ljavacard/framework/AID;", n_get_aid},
    {"JCSystem", "lookupAID([BSB)Ljavacard/framework/AID;", n_lookup_aid},
    {"JCSystem", "beginTransaction()V", n_begin_txn},
    {"JCSystem", "abortTransaction()V", n_abort_txn},
    {"JCSystem", "commitTransaction()V", n_commit_txn},
    {"JCSystem", "getTransactionDepth()B", n_txn_depth},
    {"JCSystem", "getUnusedCommitCapacity()S", n_unused_commit},
    {"JCSystem", "getMaxCommitCapacity()S", n_max_commit},
    {"JCSystem", "getPreviousContextAID()Ljavacard/framework/AID;", n_prev_ctx_aid},
    {"JCSystem", "getAvailableMemory(B)S", n_avail_mem},
    {"JCSystem",
     "getAppletShareableInterfaceObject(Ljavacard/framework/AID;B)Ljavacard/framework/Shareable;",
     n_get_sio},
    {"JCSystem", "isObjectDeletionSupported()Z", n_deletion_supported},
    {"JCSystem", "requestObjectDeletion()V", n_request_deletion},
    {"JCSystem", "getAssignedChannel()B", n_assigned_channel},
    {"JCSystem", "isAppletActive(Ljavacard/framework/AID;)Z", n_is_active},
    {"Util", "arrayCopy([BS[BSS)S", n_array_copy},
    {"Util", "arrayCopyNonAtomic([BS[BSS)S", n_array_copy_na},
    {"Util", "arrayFillNonAtomic([BSSB)S", n_array_fill},
    {"Util", "arrayCompare([BS[BSS)B", n_array_compare},
    {"Util", "makeShort(BB)S", n_make_short},
    {"Util", "getShort([BS)S", n_get_short},
    {"Util", "setShort([BSS)S", n_set_short},
    {"OwnerPIN", "<init>(BB)V", n_pin_init},
    {"OwnerPIN", "check([BSB)Z", n_pin_check},
    {"OwnerPIN", "getTriesRemaining()B", n_pin_tries},
    {"OwnerPIN", "getValidatedFlag()Z", n_pin_validated},
    {"OwnerPIN", "isValidated()Z", n_pin_validated},
    {"OwnerPIN", "reset()V", n_pin_reset},
    {"OwnerPIN", "resetAndUnblock()V", n_pin_reset_unblock},
    {"OwnerPIN", "setValidatedFlag(Z)V", n_pin_set_validated},
    {"OwnerPIN", "update([BSB)V", n_pin_update},
    {"AID", "<init>([BSB)V", n_aid_init},
    {"AID", "equals(Ljava/lang/Object;)Z", n_aid_equals_obj},
    {"AID", "RIDEquals(Ljavacard/framework/AID;)Z", n_aid_rid_equals},
    {"AID", "equals([BSB)Z", n_aid_equals_bytes},
    {"AID", "getBytes([BS)B", n_aid_get_bytes},
    {"AID", "partialEquals([BSB)Z", n_aid_partial},
    {"AID", "getPartialBytes(S[BSB)B", n_aid_get_partial},
    {"GPSystem", "getCardContentState()B", n_gp_content_state},
    {"GPSystem", "getCardState()B", n_gp_card_state},
    {"GPSystem", "getSecureChannel()Lorg/globalplatform/SecureChannel;", n_gp_get_sc},
    {"GPSystem", "setCardContentState(B)Z", n_gp_set_content_state},
    {"GPSystem", "lockCard()Z", n_gp_lock_card},
    {"GPSystem", "terminateCard()Z", n_gp_terminate_card},
    {"GPSystem", "setATRHistBytes([BSB)Z", n_false},
    {"GPSystem", "getCVM(B)Lorg/globalplatform/CVM;", n_null},
    {"SecureChannel", "processSecurity(Ljavacard/framework/APDU;)S", n_sc_process_security},
    {"SecureChannel", "wrap([BSS)S", n_sc_wrap},
    {"SecureChannel", "unwrap([BSS)S", n_sc_unwrap},
    {"SecureChannel", "decryptData([BSS)S", n_sc_decrypt},
    {"SecureChannel", "encryptData([BSS)S", n_sc_crypt},
    {"SecureChannel", "resetSecurity()V", n_sc_reset},
    {"SecureChannel", "getSecurityLevel()B", n_sc_level},
};

static bool descends(int cls, const char *name)
{
    for (int k = cls; k >= 0; k = jcvm_api_classes[k].super)
        if (strcmp(jcvm_api_classes[k].name, name) == 0)
            return true;
    return false;
}

/* throwIt for each exception class: the class is found from the method's class */
static int throw_it_generic(jcvm *vm, uint16_t *a, uint16_t *r, int cls)
{
    (void)r;
    return throw_named(vm, jcvm_api_classes[cls].name, a[0]);
}

#define MAXM 1024
static jcvm_native_fn table[MAXM];
static int throw_cls_of[MAXM];
static bool bound;

static int current_method; /* set by the thunk below */
NAT(n_throw_it)
{
    return throw_it_generic(vm, a, r, throw_cls_of[current_method]);
}

/* Each throwIt needs its class: a small set of thunks keyed by method index. */
#define THUNK(i)                                                                                   \
    static int thunk_##i(jcvm *vm, uint16_t *a, uint16_t *r)                                       \
    {                                                                                              \
        current_method = thunk_idx[i];                                                             \
        return n_throw_it(vm, a, r);                                                               \
    }
static int thunk_idx[40];
THUNK(0)
THUNK(1)
THUNK(2) THUNK(3) THUNK(4) THUNK(5) THUNK(6) THUNK(7) THUNK(8) THUNK(9) THUNK(10) THUNK(11)
    THUNK(12) THUNK(13) THUNK(14) THUNK(15) THUNK(16) THUNK(17) THUNK(18) THUNK(19) THUNK(20)
        THUNK(21) THUNK(22) THUNK(23) THUNK(24) THUNK(25) THUNK(26) THUNK(27) THUNK(28) THUNK(29)
            THUNK(30) THUNK(31) THUNK(32) THUNK(33) THUNK(34) THUNK(35) THUNK(36) THUNK(37)
                THUNK(38) THUNK(39) static const jcvm_native_fn thunks[40] = {
                    thunk_0,  thunk_1,  thunk_2,  thunk_3,  thunk_4,  thunk_5,  thunk_6,  thunk_7,
                    thunk_8,  thunk_9,  thunk_10, thunk_11, thunk_12, thunk_13, thunk_14, thunk_15,
                    thunk_16, thunk_17, thunk_18, thunk_19, thunk_20, thunk_21, thunk_22, thunk_23,
                    thunk_24, thunk_25, thunk_26, thunk_27, thunk_28, thunk_29, thunk_30, thunk_31,
                    thunk_32, thunk_33, thunk_34, thunk_35, thunk_36, thunk_37, thunk_38, thunk_39};

static void bind_all(void)
{
    if (bound)
        return;
    int nthunk = 0;
    for (unsigned i = 0; i < jcvm_api_n_methods && i < MAXM; i++) {
        const jcvm_api_method *m = &jcvm_api_methods[i];
        const jcvm_api_class *c = &jcvm_api_classes[m->cls];
        for (size_t b = 0; b < sizeof binds / sizeof binds[0]; b++)
            if (strcmp(binds[b].cls, c->name) == 0 && strcmp(binds[b].sig, m->sig) == 0)
                table[i] = binds[b].fn;
        if (table[i] != NULL || !descends(m->cls, "Throwable"))
            continue;
        if (strcmp(m->sig, "<init>()V") == 0)
            table[i] = n_nop;
        else if (strcmp(m->sig, "<init>(S)V") == 0)
            table[i] = n_exc_init_s;
        else if (strcmp(m->sig, "getReason()S") == 0)
            table[i] = n_get_reason;
        else if (strcmp(m->sig, "setReason(S)V") == 0)
            table[i] = n_set_reason;
        else if (strcmp(m->sig, "equals(Ljava/lang/Object;)Z") == 0)
            table[i] = n_equals;
        else if (strcmp(m->sig, "throwIt(S)V") == 0 && nthunk < 40) {
            thunk_idx[nthunk] = (int)i;
            throw_cls_of[i] = m->cls;
            table[i] = thunks[nthunk++];
        }
    }
    /* javacard.security, javacardx.crypto (jcvm_natives_crypto.c) */
    for (unsigned i = 0; i < jcvm_api_n_methods && i < MAXM; i++)
        if (table[i] == NULL)
            table[i] = jcvm_crypto_native((int)i);
    /* equals(Object) inherited everywhere else */
    for (unsigned i = 0; i < jcvm_api_n_methods && i < MAXM; i++)
        if (table[i] == NULL && strcmp(jcvm_api_methods[i].sig, "equals(Ljava/lang/Object;)Z") == 0)
            table[i] = n_equals;
    (void)throw_cls;
    bound = true;
}

jcvm_native_fn jcvm_native_for(int method_index)
{
    bind_all();
    if (method_index < 0 || method_index >= MAXM)
        return NULL;
    return table[method_index];
}

/* JCRE-owned objects: not saved, recreated at start-up and after restore. */
void jcvm_natives_init(jcvm *vm)
{
    bind_all();
    vm->apdu_obj = jcvm_alloc(vm, OK_INST, 0, jcvm_api_cid("javacard.framework", "APDU"),
                              OF_TEMP | OF_ENTRY, 0, 0);
    vm->apdu_buf_std =
        jcvm_alloc(vm, OK_ARR_BYTE, JCVM_APDU_BUF, JCVM_CID_NONE, OF_TEMP | OF_GLOBAL, 0, 0);
    vm->apdu_buf = vm->apdu_buf_std;
    vm->n_sys_exc = 0;
    for (unsigned i = 0; i < jcvm_api_n_classes && vm->n_sys_exc < 48; i++) {
        if (jcvm_api_classes[i].is_interface || !descends((int)i, "Throwable"))
            continue;
        vm->sys_exc_cls[vm->n_sys_exc] = (int)i;
        vm->sys_exc[vm->n_sys_exc++] =
            jcvm_alloc(vm, OK_INST, 1, JCVM_CID_API | i, OF_TEMP | OF_ENTRY, 0, 0);
    }
    vm->sc_obj = jcvm_alloc(vm, OK_INST, 0, jcvm_api_cid("org.globalplatform", "SecureChannel"),
                            OF_TEMP | OF_ENTRY, 0, 0);
    /* the larger buffer of ExtendedLength applets (JCRE 2.2.2 §9.4.4.1), allocated
       last so the handles of the others stay those of older images */
    uint16_t eb = vm->cfg.ext_apdu_buffer;
    vm->apdu_buf_ext = 0;
    if (eb > 0) {
        if (eb < JCVM_APDU_BUF)
            eb = JCVM_APDU_BUF;
        if (eb > JCVM_APDU_BUF_EXT_MAX)
            eb = JCVM_APDU_BUF_EXT_MAX;
        vm->apdu_buf_ext =
            jcvm_alloc(vm, OK_ARR_BYTE, eb, JCVM_CID_NONE, OF_TEMP | OF_GLOBAL, 0, 0);
    }
}
