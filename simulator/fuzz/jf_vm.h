/*
 * jf_vm.h: the save/restore oracle the VM fuzz targets share: the VM's state
 * saves, restores into a new VM made with the same configuration, and saves
 * again to the same bytes. Returns the restored VM (the caller frees it).
 */
#ifndef JF_VM_H
#define JF_VM_H

#include <stdlib.h>
#include <string.h>

#include "jcvm.h"
#include "jf_fuzz.h"

static inline jcvm *jf_save_restore(jcvm *vm, const jcvm_config *cfg)
{
    uint8_t *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    JF_CHECK(jcvm_save(vm, &b1, &n1) == 0);
    jcvm *vm2 = jcvm_new(cfg);
    JF_CHECK(vm2 != NULL);
    JF_CHECK(jcvm_restore(vm2, b1, n1) == 0);
    JF_CHECK(jcvm_save(vm2, &b2, &n2) == 0);
    JF_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
    free(b1);
    free(b2);
    return vm2;
}

#endif
