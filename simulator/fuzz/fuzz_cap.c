/*
 * fuzz_cap.c: the Java Card VM's LOAD path (CAP parser, bytecode verifier,
 * linker) and, for what it accepts, install and a few APDUs, fed arbitrary
 * bytes as a Load File Data Block.
 *
 * Where it sits: the ISD hands the last LOAD block's LFDB to the VM
 * (jc_runtime.h load), so any byte string a GlobalPlatform client sends can
 * reach it. A hostile CAP must be refused or run inside its budget; it must
 * never crash the card process nor read or write outside its own memory.
 * Oracles: no crash (ASan in the fuzz build); a refusal gives a GP status word
 * and a reason and leaves no package; an accepted package's first applet
 * installs or is refused cleanly, and every APDU answers with a status word.
 * The run-time checks are fuzzed too: every other input is loaded with the
 * verifier off (jcvm_config.no_verify), as unverified code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm.h"
#include "jcvm_cap.h"
#include "jf_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.max_bytecodes = 20000; /* keep each input fast */
    cfg.no_verify = (data[0] & 1) != 0;
    jcvm *vm = jcvm_new(&cfg);
    JF_CHECK(vm != NULL);
    uint16_t sw = 0;
    char why[300] = "";
    int r = jcvm_load(vm, data + 1, size - 1, &sw, why, sizeof why);
    if (r != 0) {
        JF_CHECK(sw != 0 && sw != 0x9000);
        JF_CHECK(why[0] != '\0');
        JF_CHECK(jcvm_object_count(vm) == 0);
        jcvm_free(vm);
        return 0;
    }
    jcvm_cap *cap = NULL;
    JF_CHECK(jcvm_cap_parse(data + 1, size - 1, &cap, why, sizeof why) == 0);
    if (cap->n_applets > 0) {
        jc_aid inst = cap->applets[0].aid;
        if (jcvm_install(vm, &cap->pkg.aid, &cap->applets[0].aid, &inst, NULL, 0, 0, &sw, why,
                         sizeof why) == 0) {
            static const uint8_t sel[] = {0x00, 0xA4, 0x04, 0x00, 0x00};
            static const uint8_t cmd[] = {0x80, 0x10, 0x00, 0x00, 0x02, 0x01, 0x02, 0x00};
            uint8_t resp[70000];
            size_t rl = sizeof resp;
            jcvm_select(vm, &inst, 0, sel, sizeof sel, resp, &rl);
            JF_CHECK(rl >= 2 && rl <= sizeof resp);
            rl = sizeof resp;
            JF_CHECK(jcvm_process(vm, &inst, 0, cmd, sizeof cmd, resp, &rl) >= 0);
            JF_CHECK(rl >= 2 && rl <= sizeof resp);
            uint8_t *blob = NULL;
            size_t bl = 0;
            JF_CHECK(jcvm_save(vm, &blob, &bl) == 0);
            jcvm *vm2 = jcvm_new(&cfg);
            JF_CHECK(vm2 != NULL);
            JF_CHECK(jcvm_restore(vm2, blob, bl) == 0);
            jcvm_free(vm2);
            free(blob);
        } else {
            JF_CHECK(!jcvm_has_instance(vm, &inst));
        }
    }
    jcvm_cap_free(cap);
    jcvm_free(vm);
    return 0;
}
