/*
 * jcvm_jcre.c: the Java Card runtime environment: the VM's public entry
 * points (jcvm.h): load, install with bArray, select/deselect (Applet or
 * MultiSelectable), process with the APDU object, uncaught exceptions to
 * status words, the JCRE's auto-abort of an open transaction, object
 * deletion, instance and package deletion, reset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm_int.h"
#include "jcvm_natives_crypto.h"
#include "jcvm_verify.h"

void jcvm_config_default(jcvm_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->heap_size = 40u * 1024u;
    cfg->transient_size = 2048;
    cfg->int_support = false;
    cfg->object_deletion = true;
    cfg->max_bytecodes = 20u * 1000u * 1000u;
    cfg->max_frames = 64;
    cfg->commit_capacity = 512;
    cfg->protocol = 1;
    cfg->ext_apdu_buffer = 2048; /* the J2A040 profile's (jc_profile.apdu_buffer_ext) */
}

void jcvm_wipe(jcvm *vm);
void jcvm_wipe(jcvm *vm)
{
    for (int p = 0; p < JCVM_MAX_PKGS; p++)
        if (vm->pkgs[p].used || vm->pkgs[p].cap) {
            jcvm_cap_free(vm->pkgs[p].cap);
            free(vm->pkgs[p].statics);
            free(vm->pkgs[p].res);
            free(vm->pkgs[p].cls_base);
            free(vm->pkgs[p].cls_super);
            memset(&vm->pkgs[p], 0, sizeof vm->pkgs[p]);
        }
    jcvm_crypto_wipe(vm);
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++)
        if (vm->objs[h].kind != OK_FREE) {
            free(vm->objs[h].data);
            memset(&vm->objs[h], 0, sizeof vm->objs[h]);
        }
    memset(vm->insts, 0, sizeof vm->insts);
    memset(vm->active, 0, sizeof vm->active);
    vm->heap_used = vm->trans_used = 0;
    vm->n_objs_hint = 1;
    vm->n_undo = 0;
    vm->undo_bytes = 0;
    vm->txn_depth = 0;
    vm->nframes = 0;
    vm->exc = 0;
}

jcvm *jcvm_new(const jcvm_config *cfg)
{
    jcvm *vm = calloc(1, sizeof *vm);
    if (vm == NULL)
        return NULL;
    if (cfg)
        vm->cfg = *cfg;
    else
        jcvm_config_default(&vm->cfg);
    vm->objs = calloc(JCVM_MAX_OBJS, sizeof *vm->objs);
    vm->stack = calloc(JCVM_STACK_CELLS, sizeof *vm->stack);
    if (vm->objs == NULL || vm->stack == NULL) {
        free(vm->objs);
        free(vm->stack);
        free(vm);
        return NULL;
    }
    vm->cur_inst = -1;
    vm->installing = -1;
    vm->n_objs_hint = 1;
    vm->cid_extlen = jcvm_api_cid("javacardx.apdu", "ExtendedLength");
    vm->cid_iso_exc = jcvm_api_cid("javacard.framework", "ISOException");
    vm->cid_aid = jcvm_api_cid("javacard.framework", "AID");
    vm->cid_application = jcvm_api_cid("org.globalplatform", "Application");
    vm->cid_multisel = jcvm_api_cid("javacard.framework", "MultiSelectable");
    vm->cid_appletevent = jcvm_api_cid("javacard.framework", "AppletEvent");
    jcvm_natives_init(vm);
    vm->dirty = false;
    return vm;
}

void jcvm_free(jcvm *vm)
{
    if (vm == NULL)
        return;
    jcvm_wipe(vm);
    jcvm_crypto_free(vm);
    free(vm->objs);
    free(vm->stack);
    free(vm->undo);
    free(vm);
}

static bool aid_eq(const jc_aid *a, const jc_aid *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static void aid_hex(const jc_aid *a, char *out)
{
    for (unsigned i = 0; i < a->len; i++)
        sprintf(out + 2 * i, "%02X", a->b[i]);
    out[2 * a->len] = '\0';
}

int jcvm_find_inst(const jcvm *vm, const jc_aid *aid)
{
    for (int i = 0; i < JCVM_MAX_INST; i++)
        if (vm->insts[i].used && aid_eq(&vm->insts[i].aid, aid))
            return i;
    return -1;
}

static int find_pkg(const jcvm *vm, const jc_aid *aid)
{
    for (int p = 0; p < JCVM_MAX_PKGS; p++)
        if (vm->pkgs[p].used && aid_eq(&vm->pkgs[p].cap->pkg.aid, aid))
            return p;
    return -1;
}

bool jcvm_has_package(const jcvm *vm, const jc_aid *pkg)
{
    return find_pkg(vm, pkg) >= 0;
}

bool jcvm_has_instance(const jcvm *vm, const jc_aid *instance)
{
    return jcvm_find_inst(vm, instance) >= 0;
}

unsigned jcvm_object_count(const jcvm *vm)
{
    unsigned n = 0;
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++)
        if (vm->objs[h].kind != OK_FREE && !(vm->objs[h].flags & OF_TEMP))
            n++;
    return n;
}

uint32_t jcvm_heap_used(const jcvm *vm)
{
    return vm->heap_used;
}

uint64_t jcvm_bytecodes(const jcvm *vm)
{
    return vm->executed;
}

/* The JCRE-owned AID object of an instance (created on first use, kept). */
uint16_t jcvm_inst_aid_obj(jcvm *vm, int i)
{
    jcvm_inst *in = &vm->insts[i];
    if (in->aid_obj && vm->objs[in->aid_obj].kind == OK_INST)
        return in->aid_obj;
    uint16_t b = jcvm_alloc(vm, OK_ARR_BYTE, in->aid.len, JCVM_CID_NONE, 0, 0, 0);
    if (b == 0)
        return 0;
    memcpy(vm->objs[b].data, in->aid.b, in->aid.len);
    uint16_t h =
        jcvm_alloc(vm, OK_INST, 1, jcvm_api_cid("javacard.framework", "AID"), OF_ENTRY, 0, 0);
    if (h == 0) {
        jcvm_obj_free(vm, b);
        return 0;
    }
    ((uint16_t *)vm->objs[h].data)[0] = b;
    in->aid_obj = h;
    return h;
}

static void set_why(char *why, size_t whylen, const char *a)
{
    if (why && whylen)
        snprintf(why, whylen, "%s", a);
}

static int load_unit(jcvm *vm, const uint8_t *lfdb, size_t len, uint16_t *sw, char *why,
                     size_t whylen);
static int install_unit(jcvm *vm, const jc_aid *pkg, const jc_aid *module, const jc_aid *instance,
                        const uint8_t *params, size_t params_len, uint8_t privileges, uint16_t *sw,
                        char *why, size_t whylen);
static int delete_instance_unit(jcvm *vm, const jc_aid *instance, uint16_t *sw);
static int delete_package_unit(jcvm *vm, const jc_aid *pkg, uint16_t *sw);

/* LOAD, INSTALL and DELETE are atomic units: a power cut at any persistent write inside
   them (jcvm_tear.c) leaves the state before the command. On a cut the command fails
   with 6F00 (the caller does not answer: the card has no power). */
static int unit_end(jcvm *vm, int rc, uint16_t *sw, char *why, size_t whylen)
{
    vm->unit = 0;
    if (vm->cut) {
        if (sw)
            *sw = 0x6F00;
        set_why(why, whylen, "power cut (power-loss injection)");
        return -1;
    }
    return rc;
}

int jcvm_load(jcvm *vm, const uint8_t *lfdb, size_t len, uint16_t *sw, char *why, size_t whylen)
{
    vm->unit = 'L';
    int rc = jcvm_wpoint(vm, "LOAD: package") ? -1 : load_unit(vm, lfdb, len, sw, why, whylen);
    return unit_end(vm, rc, sw, why, whylen);
}

int jcvm_install(jcvm *vm, const jc_aid *pkg, const jc_aid *module, const jc_aid *instance,
                 const uint8_t *params, size_t params_len, uint8_t privileges, uint16_t *sw,
                 char *why, size_t whylen)
{
    vm->unit = 'I';
    int rc =
        install_unit(vm, pkg, module, instance, params, params_len, privileges, sw, why, whylen);
    return unit_end(vm, rc, sw, why, whylen);
}

int jcvm_delete_instance(jcvm *vm, const jc_aid *instance, uint16_t *sw)
{
    vm->unit = 'D';
    int rc = jcvm_find_inst(vm, instance) >= 0 && jcvm_wpoint(vm, "DELETE: instance")
                 ? -1
                 : delete_instance_unit(vm, instance, sw);
    return unit_end(vm, rc, sw, NULL, 0);
}

int jcvm_delete_package(jcvm *vm, const jc_aid *pkg, uint16_t *sw)
{
    vm->unit = 'D';
    int rc = find_pkg(vm, pkg) >= 0 && jcvm_wpoint(vm, "DELETE: package")
                 ? -1
                 : delete_package_unit(vm, pkg, sw);
    return unit_end(vm, rc, sw, NULL, 0);
}

static int load_unit(jcvm *vm, const uint8_t *lfdb, size_t len, uint16_t *sw, char *why,
                     size_t whylen)
{
    uint16_t dummy;
    if (sw == NULL)
        sw = &dummy;
    jcvm_cap *cap = NULL;
    char w[200];
    if (jcvm_cap_parse(lfdb, len, &cap, w, sizeof w) != 0) {
        *sw = 0x6A80;
        if (why && whylen)
            snprintf(why, whylen, "CAP refused: %s", w);
        jcvm_trace(vm, "LOAD refused: %s", w);
        return -1;
    }
    /* bytecode verification before anything of the package can run. The signatures of
       methods of other loaded packages come from the CAP's own Descriptor when it has one;
       without it (GP tools drop the Descriptor) such an invocation cannot be typed here: the
       package is accepted and the interpreter's run-time checks (argument cells against the
       callee's header, stack and local bounds) stand for that part (FIDELITY.md) */
    if (!vm->cfg.no_verify && jcvm_verify_package(cap, w, sizeof w) != 0) {
        if (strstr(w, "is unknown (no linker entry, no Descriptor)") != NULL &&
            cap->n_imports > 0) {
            jcvm_trace(vm, "LOAD: verification incomplete (%s): run-time checks apply", w);
        } else {
            jcvm_cap_free(cap);
            *sw = 0x6A80;
            if (why && whylen)
                snprintf(why, whylen, "bytecode refused: %s", w);
            jcvm_trace(vm, "LOAD refused: %s", w);
            return -1;
        }
    }
    if (find_pkg(vm, &cap->pkg.aid) >= 0) {
        jcvm_cap_free(cap);
        *sw = 0x6985;
        set_why(why, whylen, "package already loaded");
        return -1;
    }
    int slot = -1;
    for (int p = 0; p < JCVM_MAX_PKGS; p++)
        if (!vm->pkgs[p].used) {
            slot = p;
            break;
        }
    if (slot < 0) {
        jcvm_cap_free(cap);
        *sw = 0x6A84;
        set_why(why, whylen, "no room for another package");
        return -1;
    }
    vm->pkgs[slot].cap = cap;
    vm->pkgs[slot].used = true;
    if (jcvm_link(vm, slot, sw, w, sizeof w) != 0) {
        jcvm_unlink(vm, slot);
        if (why && whylen)
            snprintf(why, whylen, "link refused: %s", w);
        jcvm_trace(vm, "LOAD refused: %s", w);
        return -1;
    }
    /* static image cost */
    if (vm->heap_used + cap->sf_image + cap->len / 4 > vm->cfg.heap_size) {
        jcvm_unlink(vm, slot);
        *sw = 0x6A84;
        set_why(why, whylen, "not enough memory for the package");
        return -1;
    }
    char a[40];
    aid_hex(&cap->pkg.aid, a);
    jcvm_trace(vm, "package %s %u.%u loaded: %u classes, %u methods", a, cap->pkg.major,
               cap->pkg.minor, cap->n_classes, cap->n_method_starts);
    vm->dirty = true;
    return 0;
}

static void begin_entry(jcvm *vm)
{
    vm->budget = vm->cfg.max_bytecodes ? vm->cfg.max_bytecodes : 20000000;
    vm->runaway = false;
    vm->exc = 0;
    vm->nframes = 0;
}

/* status word for a pending exception (0 if none) */
static uint16_t exc_sw(jcvm *vm, const char *where)
{
    if (vm->runaway) {
        jcvm_trace(vm, "%s: %s -> 6F00", where, vm->runaway_why);
        return 0x6F00;
    }
    uint16_t e = vm->exc;
    vm->exc = 0;
    if (e == 0)
        return 0x6F00;
    const jcvm_obj *o = &vm->objs[e];
    uint32_t iso = vm->cid_iso_exc;
    if (o->kind == OK_INST && jcvm_instance_of(vm, o->cid, iso)) {
        uint16_t r = ((uint16_t *)o->data)[0];
        jcvm_trace(vm, "%s: ISOException %04X", where, r);
        return r;
    }
    const char *name =
        (o->cid & JCVM_CID_API) ? jcvm_api_classes[o->cid & 0xFFFF].name : "applet exception";
    jcvm_trace(vm, "%s: uncaught %s -> 6F00", where, name);
    return 0x6F00;
}

static int install_unit(jcvm *vm, const jc_aid *pkg, const jc_aid *module, const jc_aid *instance,
                        const uint8_t *params, size_t params_len, uint8_t privileges, uint16_t *sw,
                        char *why, size_t whylen)
{
    uint16_t dummy;
    if (sw == NULL)
        sw = &dummy;
    int p = find_pkg(vm, pkg);
    if (p < 0) {
        /* The card core installs only modules of packages in its registry; one the VM
           has no code for is a package of the card's ROM (the SSD load file) or one
           loaded before the card had a VM: the instance is registered as before
           (selectable, 6D00 to its commands; jcvm_select/jcvm_process). */
        jcvm_trace(vm, "install: package has no code in the VM (a ROM package): the instance "
                       "is registered and answers 6D00");
        *sw = 0x9000;
        return 0;
    }
    const jcvm_cap *cap = vm->pkgs[p].cap;
    int ai = -1;
    for (unsigned i = 0; i < cap->n_applets; i++)
        if (aid_eq(&cap->applets[i].aid, module))
            ai = (int)i;
    if (ai < 0) {
        *sw = 0x6A88;
        set_why(why, whylen, "no such applet class in the package");
        return -1;
    }
    if (jcvm_find_inst(vm, instance) >= 0) {
        *sw = 0x6985;
        set_why(why, whylen, "instance AID already in use");
        return -1;
    }
    int slot = -1;
    for (int i = 0; i < JCVM_MAX_INST; i++)
        if (!vm->insts[i].used) {
            slot = i;
            break;
        }
    if (slot < 0 || instance->len < 5 || params_len + instance->len + 4 > 255) {
        *sw = slot < 0 ? 0x6A84 : 0x6A80;
        set_why(why, whylen, slot < 0 ? "no room for another instance" : "bad install data");
        return -1;
    }
    /* bArray = [Li AID][Lc privileges][La params], a global array */
    uint8_t barr[256];
    size_t n = 0;
    barr[n++] = instance->len;
    memcpy(barr + n, instance->b, instance->len);
    n += instance->len;
    barr[n++] = 1;
    barr[n++] = privileges;
    barr[n++] = (uint8_t)params_len;
    if (params_len)
        memcpy(barr + n, params, params_len);
    n += params_len;
    uint16_t bh =
        jcvm_alloc(vm, OK_ARR_BYTE, (uint16_t)n, JCVM_CID_NONE, OF_TEMP | OF_GLOBAL, 0, 0);
    if (bh == 0) {
        *sw = 0x6A84;
        return -1;
    }
    memcpy(vm->objs[bh].data, barr, n);
    /* snapshot the package's statics: a failing install leaves nothing */
    uint8_t *snap = malloc(cap->sf_image ? cap->sf_image : 1);
    if (snap == NULL) {
        jcvm_obj_free(vm, bh);
        *sw = 0x6A84;
        return -1;
    }
    memcpy(snap, vm->pkgs[p].statics, cap->sf_image);
    uint8_t *before = calloc(JCVM_MAX_OBJS, 1);
    if (before == NULL) {
        free(snap);
        jcvm_obj_free(vm, bh);
        *sw = 0x6A84;
        return -1;
    }
    for (unsigned h = 1; h < JCVM_MAX_OBJS; h++)
        before[h] = vm->objs[h].kind != OK_FREE;
    jcvm_inst *in = &vm->insts[slot];
    memset(in, 0, sizeof *in);
    if (jcvm_wpoint(vm, "INSTALL: instance")) {
        free(snap);
        free(before);
        jcvm_obj_free(vm, bh);
        return -1;
    }
    in->used = true;
    in->aid = *instance;
    in->pkg = (uint8_t)p;
    in->app_state = 0x07;
    vm->installing = (int8_t)slot;
    vm->registered = false;
    vm->cur_inst = (int8_t)slot;
    begin_entry(vm);
    uint16_t args[3] = {bh, 0, (uint16_t)n};
    int rc = jcvm_invoke(vm, p, cap->applets[ai].install_offset, args, 3, (uint8_t)(p + 1),
                         (uint8_t)(slot + 1), NULL);
    char a[40];
    aid_hex(instance, a);
    uint16_t esw = rc < 0 ? exc_sw(vm, "install") : 0;
    if (vm->txn_depth)
        jcvm_txn_abort(vm);
    vm->installing = -1;
    vm->cur_inst = -1;
    jcvm_obj_free(vm, bh);
    if (rc < 0 || !vm->registered) {
        memcpy(vm->pkgs[p].statics, snap, cap->sf_image);
        for (unsigned h = 1; h < JCVM_MAX_OBJS; h++)
            if (!before[h] && vm->objs[h].kind != OK_FREE && !(vm->objs[h].flags & OF_TEMP))
                jcvm_obj_free(vm, (uint16_t)h);
        memset(in, 0, sizeof *in);
        free(snap);
        free(before);
        *sw = 0x6A80;
        if (why && whylen)
            snprintf(why, whylen, "install() of %s %s (%04X)", a,
                     rc < 0 ? "failed" : "did not register", esw);
        jcvm_trace(vm, "install of %s refused (%04X)", a, rc < 0 ? esw : 0);
        return -1;
    }
    free(snap);
    free(before);
    jcvm_trace(vm, "applet instance %s installed", a);
    vm->dirty = true;
    return 0;
}

/* Does instance i implement javacardx.apdu.ExtendedLength (and the card has extended length)? */
static bool ext_capable(jcvm *vm, int i)
{
    if (i < 0 || vm->apdu_buf_ext == 0)
        return false;
    uint16_t h = vm->insts[i].applet;
    return h && jcvm_instance_of(vm, vm->objs[h].cid, vm->cid_extlen);
}

/* The APDU object for a command to instance i (-1: none): the buffer an applet sees is the
   larger one when it implements ExtendedLength (JCRE 2.2.2 §9.4.4.1), the 261-byte one otherwise.
 */
static void apdu_setup(jcvm *vm, int inst, const uint8_t *apdu, size_t len, uint8_t channel,
                       bool selecting)
{
    jcvm_apdu *p = &vm->apdu;
    vm->apdu_buf = ext_capable(vm, inst) ? vm->apdu_buf_ext : vm->apdu_buf_std;
    const size_t blen = vm->objs[vm->apdu_buf].len;
    p->state = 0;
    p->lc = p->le = p->received = p->out_len = p->sent = 0;
    p->le_given = false;
    p->no_chaining = false;
    p->resp_len = 0;
    p->channel = channel;
    p->selecting = selecting;
    p->ext = false;
    if (len > sizeof p->full)
        len = sizeof p->full;
    memcpy(p->full, apdu, len);
    p->full_len = len;
    uint8_t *buf = vm->objs[vm->apdu_buf].data;
    memset(buf, 0, blen);
    if (len < 4) {
        p->cla_case = 1;
        memcpy(buf, apdu, len);
        return;
    }
    memcpy(buf, apdu, len < blen ? len : blen);
    if (len == 4) {
        p->cla_case = 1;
    } else if (len == 5) {
        p->cla_case = 2;
        p->le_given = true;
        p->le = apdu[4] ? apdu[4] : 256;
    } else if (apdu[4] != 0 && len == 5u + apdu[4]) {
        p->cla_case = 3;
        p->lc = apdu[4];
    } else if (apdu[4] != 0 && len == 6u + apdu[4]) {
        p->cla_case = 4;
        p->lc = apdu[4];
        p->le_given = true;
        p->le = apdu[len - 1] ? apdu[len - 1] : 256;
    } else if (apdu[4] == 0 && len >= 7) {
        /* extended length */
        p->ext = true;
        uint16_t l = (uint16_t)(apdu[5] << 8 | apdu[6]);
        /* an extended Le above what Java Card can send (0000 = 65536 included) is 32767,
           the most setOutgoing can report (JCRE 2.2.2 §9.4.4.1) */
        if (len == 7) {
            p->cla_case = 2;
            p->le_given = true;
            p->le = l && l < JCVM_EXT_MAX ? l : JCVM_EXT_MAX;
        } else if (len == 7u + l) {
            p->cla_case = 3;
            p->lc = l;
        } else if (len == 9u + l) {
            p->cla_case = 4;
            p->lc = l;
            p->le_given = true;
            uint16_t le = (uint16_t)(apdu[len - 2] << 8 | apdu[len - 1]);
            p->le = le && le < JCVM_EXT_MAX ? le : JCVM_EXT_MAX;
        } else {
            p->cla_case = 3;
            p->lc = (uint16_t)(len - 7);
        }
    } else {
        /* malformed length: take what is there as data */
        p->cla_case = 3;
        p->lc = (uint16_t)(len - 5);
    }
}

static int respond(jcvm *vm, uint16_t sw, uint8_t *resp, size_t *resp_len)
{
    jcvm_apdu *p = &vm->apdu;
    size_t cap = *resp_len;
    size_t n = p->resp_len;
    if (n + 2 > cap)
        n = cap >= 2 ? cap - 2 : 0;
    memcpy(resp, p->resp, n);
    resp[n] = (uint8_t)(sw >> 8);
    resp[n + 1] = (uint8_t)sw;
    *resp_len = n + 2;
    return 0;
}

static void after_entry(jcvm *vm, const char *where)
{
    if (vm->txn_depth) {
        jcvm_trace(vm, "%s ended with a transaction open: aborted by the JCRE", where);
        jcvm_txn_abort(vm);
    }
    if (vm->deletion_requested) {
        vm->deletion_requested = false;
        vm->nframes = 0;
        if (!jcvm_wpoint(vm, "object deletion")) /* one atomic unit: all freed or none */
            jcvm_gc(vm);
    }
    vm->cur_inst = -1;
}

static bool implements(jcvm *vm, int i, uint32_t iface)
{
    uint16_t h = vm->insts[i].applet;
    return h && jcvm_instance_of(vm, vm->objs[h].cid, iface);
}

static bool active_elsewhere(jcvm *vm, int i, uint8_t channel)
{
    for (int c = 0; c < JCVM_CHANNELS; c++)
        if (c != channel && vm->active[c] == i + 1)
            return true;
    return false;
}

static bool pkg_active_elsewhere(jcvm *vm, int pkg, uint8_t channel)
{
    for (int c = 0; c < JCVM_CHANNELS; c++)
        if (c != channel && vm->active[c] && vm->insts[vm->active[c] - 1].pkg == pkg)
            return true;
    return false;
}

static int call_process(jcvm *vm, int i, uint8_t *resp, size_t *resp_len)
{
    uint16_t args[2] = {vm->insts[i].applet, vm->apdu_obj};
    int rc = jcvm_call_virtual(vm, vm->insts[i].applet, 7, args, 2, NULL);
    uint16_t sw = rc < 0 ? exc_sw(vm, "process") : 0x9000;
    after_entry(vm, "process()");
    return respond(vm, sw, resp, resp_len);
}

int jcvm_select(jcvm *vm, const jc_aid *instance, uint8_t channel, const uint8_t *apdu, size_t len,
                uint8_t *resp, size_t *resp_len)
{
    int i = jcvm_find_inst(vm, instance);
    if (channel >= JCVM_CHANNELS)
        channel = 0;
    apdu_setup(vm, i, apdu, len, channel, true);
    if (i < 0 ||
        vm->insts[i].applet == 0) /* an entry from before the runtime: selectable, 6D00 after */
        return respond(vm, 0x9000, resp, resp_len);
    begin_entry(vm);
    vm->cur_inst = (int8_t)i;
    uint16_t ret[2] = {0, 0};
    int rc;
    uint16_t h = vm->insts[i].applet;
    /* JCRE 2.2.2 §4.5: MultiSelectable.select(boolean) when multiselection is involved (this
       instance or another of its package active on another channel), Applet.select() otherwise */
    if (implements(vm, i, vm->cid_multisel) &&
        pkg_active_elsewhere(vm, vm->insts[i].pkg, channel)) {
        uint16_t args[2] = {h, active_elsewhere(vm, i, channel) ? 1 : 0};
        int tp;
        uint16_t to;
        if (jcvm_interface_lookup(vm, vm->objs[h].cid, vm->cid_multisel, 0, &tp, &to))
            rc = jcvm_invoke(vm, tp, to, args, 2, vm->objs[h].owner_pkg, vm->objs[h].owner_inst,
                             ret);
        else
            rc = -1;
    } else {
        uint16_t args[1] = {h};
        rc = jcvm_call_virtual(vm, h, 6, args, 1, ret);
    }
    char a[40];
    aid_hex(instance, a);
    if (rc < 0 || ret[0] == 0) {
        if (rc < 0)
            exc_sw(vm, "select");
        after_entry(vm, "select()");
        jcvm_trace(vm, "select of %s refused -> 6999", a);
        vm->apdu.resp_len = 0;
        respond(vm, 0x6999, resp, resp_len);
        return 1;
    }
    vm->active[channel] = (uint8_t)(i + 1);
    jcvm_trace(vm, "applet %s selected on channel %u", a, channel);
    begin_entry(vm);
    vm->cur_inst = (int8_t)i;
    return call_process(vm, i, resp, resp_len);
}

int jcvm_process(jcvm *vm, const jc_aid *instance, uint8_t channel, const uint8_t *apdu, size_t len,
                 uint8_t *resp, size_t *resp_len)
{
    int i = jcvm_find_inst(vm, instance);
    if (channel >= JCVM_CHANNELS)
        channel = 0;
    apdu_setup(vm, i, apdu, len, channel, false);
    if (i < 0 || vm->insts[i].applet == 0)
        return respond(vm, 0x6D00, resp, resp_len);
    if (vm->apdu.ext && (!ext_capable(vm, i) || vm->apdu.lc > JCVM_EXT_MAX)) {
        /* JCRE 2.2.2 §9.4.4: an extended APDU for an applet that does not implement
           ExtendedLength (or a card without extended length, or Lc above 32767) is answered
           SW_WRONG_LENGTH by the JCRE; process() is not called */
        jcvm_trace(vm, "extended APDU for an applet without ExtendedLength -> 6700");
        vm->apdu.resp_len = 0;
        return respond(vm, 0x6700, resp, resp_len);
    }
    begin_entry(vm);
    vm->cur_inst = (int8_t)i;
    return call_process(vm, i, resp, resp_len);
}

void jcvm_deselect(jcvm *vm, const jc_aid *instance, uint8_t channel)
{
    int i = jcvm_find_inst(vm, instance);
    if (channel >= JCVM_CHANNELS)
        channel = 0;
    if (i < 0 || vm->insts[i].applet == 0) {
        vm->active[channel] = 0;
        return;
    }
    begin_entry(vm);
    vm->cur_inst = (int8_t)i;
    uint16_t h = vm->insts[i].applet;
    vm->apdu.selecting = false;
    if (implements(vm, i, vm->cid_multisel) &&
        pkg_active_elsewhere(vm, vm->insts[i].pkg, channel)) {
        uint16_t args[2] = {h, active_elsewhere(vm, i, channel) ? 1 : 0};
        int tp;
        uint16_t to;
        if (jcvm_interface_lookup(vm, vm->objs[h].cid, vm->cid_multisel, 1, &tp, &to))
            if (jcvm_invoke(vm, tp, to, args, 2, vm->objs[h].owner_pkg, vm->objs[h].owner_inst,
                            NULL) < 0)
                exc_sw(vm, "deselect");
    } else {
        uint16_t args[1] = {h};
        if (jcvm_call_virtual(vm, h, 4, args, 1, NULL) < 0)
            exc_sw(vm, "deselect");
    }
    after_entry(vm, "deselect()");
    vm->active[channel] = 0;
    if (!pkg_active_elsewhere(vm, vm->insts[i].pkg, channel))
        jcvm_clear_transient(vm, OF_T_DESELECT, vm->insts[i].pkg);
}

void jcvm_reset(jcvm *vm)
{
    if (vm->txn_depth)
        jcvm_txn_abort(vm);
    memset(vm->active, 0, sizeof vm->active);
    jcvm_clear_transient(vm, OF_T_RESET | OF_T_DESELECT, -1);
    vm->nframes = 0;
    vm->exc = 0;
}

static int delete_instance_unit(jcvm *vm, const jc_aid *instance, uint16_t *sw)
{
    uint16_t dummy;
    if (sw == NULL)
        sw = &dummy;
    int i = jcvm_find_inst(vm, instance);
    if (i < 0) {
        *sw = 0x6A88;
        return -1;
    }
    if (implements(vm, i, vm->cid_appletevent)) {
        begin_entry(vm);
        vm->cur_inst = (int8_t)i;
        uint16_t h = vm->insts[i].applet;
        uint16_t args[1] = {h};
        int tp;
        uint16_t to;
        if (jcvm_interface_lookup(vm, vm->objs[h].cid, vm->cid_appletevent, 0, &tp, &to))
            if (jcvm_invoke(vm, tp, to, args, 1, vm->objs[h].owner_pkg, vm->objs[h].owner_inst,
                            NULL) < 0)
                exc_sw(vm, "uninstall");
        after_entry(vm, "uninstall()");
    }
    for (int c = 0; c < JCVM_CHANNELS; c++)
        if (vm->active[c] == i + 1)
            vm->active[c] = 0;
    memset(&vm->insts[i], 0, sizeof vm->insts[i]);
    vm->nframes = 0;
    jcvm_gc(vm);
    vm->dirty = true;
    *sw = 0x9000;
    return 0;
}

static int delete_package_unit(jcvm *vm, const jc_aid *pkg, uint16_t *sw)
{
    uint16_t dummy;
    if (sw == NULL)
        sw = &dummy;
    int p = find_pkg(vm, pkg);
    if (p < 0) {
        *sw = 0x6A88;
        return -1;
    }
    for (int i = 0; i < JCVM_MAX_INST; i++)
        if (vm->insts[i].used && vm->insts[i].pkg == p) {
            *sw = 0x6985;
            return -1;
        }
    for (int q = 0; q < JCVM_MAX_PKGS; q++) {
        if (!vm->pkgs[q].used || q == p)
            continue;
        for (unsigned k = 0; k < vm->pkgs[q].cap->n_imports; k++)
            if (vm->pkgs[q].imp_pkg[k] == p) {
                *sw = 0x6985;
                return -1;
            }
    }
    jcvm_unlink(vm, p);
    vm->nframes = 0;
    jcvm_gc(vm);
    vm->dirty = true;
    *sw = 0x9000;
    return 0;
}

/* GP 2.1.1 §7.3 / A.2: the ISD hands a STORE DATA (pre-processed: clear) to the application
   being personalized through org.globalplatform.Application.processData(byte[], short, short),
   the APDU buffer holding the whole command from offset 0 (as personalization applets read it:
   Lc at sOffset + 4, data from sOffset + 5). The applet is not selected; the call runs in its
   context (a Shareable interface method invoked by the JCRE). */
int jcvm_personalize(jcvm *vm, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                     size_t len, uint8_t *resp, size_t *resp_len)
{
    int i = jcvm_find_inst(vm, instance);
    if (channel >= JCVM_CHANNELS)
        channel = 0;
    if (len > JCVM_APDU_BUF)
        return -1;
    if (i < 0 || vm->insts[i].applet == 0) {
        /* an instance the VM has no code for (a ROM package's): it answers as to process() */
        apdu_setup(vm, i, apdu, len, channel, false);
        return respond(vm, 0x6D00, resp, resp_len);
    }
    uint16_t h = vm->insts[i].applet;
    uint32_t iface = vm->cid_application;
    int tp;
    uint16_t to;
    if (iface == JCVM_CID_NONE || !jcvm_instance_of(vm, vm->objs[h].cid, iface) ||
        !jcvm_interface_lookup(vm, vm->objs[h].cid, iface, 0, &tp, &to))
        return 1;
    apdu_setup(vm, i, apdu, len, channel, false);
    begin_entry(vm);
    vm->cur_inst = (int8_t)i;
    uint16_t args[4] = {h, vm->apdu_buf, 0, (uint16_t)len};
    int rc = jcvm_invoke(vm, tp, to, args, 4, vm->objs[h].owner_pkg, vm->objs[h].owner_inst, NULL);
    uint16_t sw = rc < 0 ? exc_sw(vm, "processData") : 0x9000;
    after_entry(vm, "processData()");
    vm->apdu.resp_len = 0; /* processData answers no data (void) */
    char a[40];
    aid_hex(instance, a);
    jcvm_trace(vm, "processData of %s: %04X", a, sw);
    return respond(vm, sw, resp, resp_len);
}
