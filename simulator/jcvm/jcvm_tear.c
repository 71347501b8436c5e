/*
 * jcvm_tear.c: power-loss injection at the VM's persistent writes (tests and
 * jcopsim --cut-vm-write-at; FIDELITY.md "Tearing").
 *
 * jcopsim makes the VM's persistent state durable once per APDU (the core's
 * commit before the answer). A card writes its EEPROM as the applet runs:
 * each non-transactional update is atomic and stays once written, a
 * transaction in flight is rolled back from the commit buffer at the next
 * power-up, and LOAD, INSTALL and DELETE are undone whole. To show what the
 * card would recover after a cut at any persistent write, the VM calls the
 * write_point hook before each one; when the hook cuts, the VM builds that
 * state from the live heap (every write so far, minus the open transaction's
 * undo log) without changing the heap, hands it to power_cut and stops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm_int.h"

void jcvm_set_tear_hooks(jcvm *vm, bool (*write_point)(void *ctx, const char *what),
                         void (*power_cut)(void *ctx, const uint8_t *blob, size_t len), void *ctx)
{
    vm->cfg.write_point = write_point;
    vm->cfg.power_cut = power_cut;
    vm->cfg.tear_ctx = ctx;
}

static uint8_t *undo_at(jcvm *vm, const jcvm_undo *u)
{
    return u->h == 0 ? vm->pkgs[u->pkg].statics + u->off : (uint8_t *)vm->objs[u->h].data + u->off;
}

/* jcvm_save of the heap with the open transaction rolled back, the heap
   itself unchanged afterwards: the undo log is applied backwards (keeping
   the values it overwrites), objects created in the transaction are hidden
   as temporary (not saved), then everything is put back forwards. */
static int save_recovered(jcvm *vm, uint8_t **blob, size_t *len)
{
    bool dirty = vm->dirty;
    uint32_t n = vm->txn_depth ? vm->n_undo : 0;
    uint8_t(*cur)[4] = NULL;
    if (n > 0 && (cur = calloc(n, sizeof *cur)) == NULL)
        return -1;
    for (uint32_t i = n; i-- > 0;) {
        const jcvm_undo *u = &vm->undo[i];
        if (u->len == 0) { /* allocated in the transaction: a card frees it */
            cur[i][0] = vm->objs[u->h].flags;
            vm->objs[u->h].flags |= OF_TEMP;
            continue;
        }
        uint8_t *at = undo_at(vm, u);
        memcpy(cur[i], at, u->len);
        memcpy(at, u->old, u->len);
    }
    int rc = jcvm_save(vm, blob, len);
    for (uint32_t i = 0; i < n; i++) {
        const jcvm_undo *u = &vm->undo[i];
        if (u->len == 0)
            vm->objs[u->h].flags = cur[i][0];
        else
            memcpy(undo_at(vm, u), cur[i], u->len);
    }
    free(cur);
    vm->dirty = dirty;
    return rc;
}

bool jcvm_wpoint_slow(jcvm *vm, const char *what)
{
    if (vm->cut)
        return true;
    if (vm->wp_quiet > 0 || !vm->cfg.write_point(vm->cfg.tear_ctx, what))
        return false;
    vm->cut = true;
    uint8_t *blob = NULL;
    size_t len = 0;
    if (vm->unit == 0 && save_recovered(vm, &blob, &len) != 0) {
        free(blob);
        blob = NULL; /* out of memory: the last committed state is what is left */
        len = 0;
    }
    jcvm_trace(vm, "power cut before a persistent write (%s)%s", what,
               vm->unit ? ": the command in flight is undone whole" : "");
    if (vm->cfg.power_cut)
        vm->cfg.power_cut(vm->cfg.tear_ctx, blob, len);
    if (blob)
        memset(blob, 0, len); /* may hold key material */
    free(blob);
    vm->runaway = true;
    snprintf(vm->runaway_why, sizeof vm->runaway_why, "power cut (%s)", what);
    vm->budget = 0;
    return true;
}
