/*
 * fuzz_cap.c: libFuzzer target over the card's LOAD of a package (jcvm_load:
 * the CAP parser, the bytecode verifier, the linker) and, when a mutated
 * package is accepted, over what it then does: install of each applet, SELECT
 * and a few commands under a small bytecode budget, save and restore.
 *
 * Input: a Load File Data Block as LOAD delivers it (the seeds in
 * corpus/cap/ are the project's own assembled CAPs, tools/jcop-cap/examples,
 * so mutations start from real packages). Byte 0 of the input is also taken
 * as the INS of the commands sent.
 *
 * Oracles (abort = finding): a refusal gives a status word and a reason and
 * leaves nothing: no package, no object, no heap; an accepted package is
 * listed; every answer has at least a status word and fits the buffer; the
 * saved state restores and re-saves to the same bytes; nothing runs past the
 * budget (libFuzzer's -timeout catches a hang).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jcvm.h"
#include "jcvm_cap.h"
#include "jf_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void send_some(jcvm *vm, const jc_aid *a, uint8_t ins)
{
    uint8_t sel[5 + 16 + 1] = {0x00, 0xA4, 0x04, 0x00, a->len};
    memcpy(sel + 5, a->b, a->len);
    uint8_t resp[400];
    size_t rl = sizeof resp;
    jcvm_select(vm, a, 0, sel, 6u + a->len, resp, &rl);
    JF_CHECK(rl >= 2 && rl <= sizeof resp);
    uint8_t cmds[3][9] = {{0x80, ins, 0x00, 0x00, 0x00},
                          {0x80, 0x40, 0x00, 0x00, 0x00},
                          {0x00, ins, 0x01, 0x02, 0x03, 0x11, 0x22, 0x33, 0x00}};
    size_t lens[3] = {5, 5, 9};
    for (int i = 0; i < 3; i++) {
        rl = sizeof resp;
        jcvm_process(vm, a, 0, cmds[i], lens[i], resp, &rl);
        JF_CHECK(rl >= 2 && rl <= sizeof resp);
    }
    jcvm_deselect(vm, a, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jcvm_config cfg;
    jcvm_config_default(&cfg);
    cfg.max_bytecodes = 20000; /* a mutated loop ends fast */
    cfg.max_frames = 32;
    jf_rng rng = {0x243F6A8885A308D3ull};
    cfg.random = jf_random;
    cfg.random_ctx = &rng;
    jcvm *vm = jcvm_new(&cfg);
    JF_CHECK(vm != NULL);
    unsigned objs0 = jcvm_object_count(vm);
    uint32_t heap0 = jcvm_heap_used(vm);
    uint16_t sw = 0;
    char why[256] = "";
    int rc = jcvm_load(vm, data, size, &sw, why, sizeof why);
    jcvm_cap *cap = NULL;
    char pwhy[256];
    bool parsed = jcvm_cap_parse(data, size, &cap, pwhy, sizeof pwhy) == 0;
    if (rc != 0) {
        JF_CHECK(rc == -1);
        JF_CHECK(sw != 0 && sw != 0x9000);
        JF_CHECK(why[0] != 0 && memchr(why, 0, sizeof why) != NULL);
        JF_CHECK(jcvm_object_count(vm) == objs0);
        JF_CHECK(jcvm_heap_used(vm) == heap0);
        if (parsed)
            JF_CHECK(!jcvm_has_package(vm, &cap->pkg.aid));
    } else {
        JF_CHECK(parsed); /* LOAD accepted what the parser refuses? */
        JF_CHECK(jcvm_has_package(vm, &cap->pkg.aid));
        uint8_t ins = size ? data[0] : 0;
        for (unsigned i = 0; i < cap->n_applets && i < 4; i++) {
            const jc_aid *a = &cap->applets[i].aid;
            if (jcvm_install(vm, &cap->pkg.aid, a, a, NULL, 0, 0, &sw, why, sizeof why) == 0 &&
                jcvm_has_instance(vm, a))
                send_some(vm, a, ins);
        }
        uint8_t *b1 = NULL, *b2 = NULL;
        size_t n1 = 0, n2 = 0;
        JF_CHECK(jcvm_save(vm, &b1, &n1) == 0);
        jcvm *vm2 = jcvm_new(&cfg);
        JF_CHECK(vm2 != NULL);
        JF_CHECK(jcvm_restore(vm2, b1, n1) == 0);
        JF_CHECK(jcvm_save(vm2, &b2, &n2) == 0);
        JF_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
        for (unsigned i = 0; i < cap->n_applets && i < 4; i++)
            if (jcvm_has_instance(vm2, &cap->applets[i].aid))
                send_some(vm2, &cap->applets[i].aid, ins);
        free(b1);
        free(b2);
        JF_CHECK(jcvm_delete_package(vm2, &cap->pkg.aid, &sw) == 0 || sw != 0x9000);
        jcvm_free(vm2);
    }
    if (cap)
        jcvm_cap_free(cap);
    jcvm_free(vm);
    return 0;
}
