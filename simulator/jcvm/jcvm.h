/*
 * jcvm.h: the Java Card 2.2.2 virtual machine and runtime (JCRE) of jcopsim.
 *
 * Pure: no I/O. Randomness, trace and the secure-channel / card-state hooks
 * of org.globalplatform come in through jcvm_config; durability is the
 * caller's: after an APDU in which jcvm_dirty() is true it saves the state
 * (jcvm_save) and commits it before the answer leaves (see
 * RUNTIME-INTERFACE and FIDELITY.md).
 *
 * The entry points follow the runtime contract of the card core one to one
 * (load, install, select, process, deselect, delete, reset, save, restore,
 * dirty), so the core's adapter is a thin layer.
 */
#ifndef JCVM_H
#define JCVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_state.h" /* jc_aid */

typedef struct jcvm jcvm;

typedef struct jcvm_config {
    uint32_t heap_size;       /* persistent object memory in bytes (J2A040: 40 KB class EEPROM) */
    uint32_t transient_size;  /* transient (RAM) array memory in bytes */
    bool int_support;         /* int bytecodes allowed (CAP header int flag accepted) */
    bool object_deletion;     /* JCSystem.isObjectDeletionSupported() */
    uint32_t max_bytecodes;   /* budget of bytecodes per APDU (0 = default) */
    uint16_t max_frames;      /* frame depth budget (0 = default) */
    uint16_t commit_capacity; /* transaction undo capacity in bytes (0 = default) */
    uint8_t protocol;         /* APDU.getProtocol(): 0 T=0, 1 T=1 */
    /* Extended length (JCRE 2.2.2 §9.4.4): the APDU buffer length of applets implementing
       javacardx.apdu.ExtendedLength (at least 261, at most 32776 = 7 + 32767 + 2); 0 = the
       card has no extended length: every extended APDU to an applet answers 6700. */
    uint16_t ext_apdu_buffer;
    bool no_verify; /* tests of the run-time checks only: LOAD skips the verifier */
    /* Randomness (RandomData, key generation): fill buf, return 0. */
    int (*random)(void *ctx, uint8_t *buf, size_t n);
    void *random_ctx;
    /* Applet-level events (install, select, method entered, objects allocated, exceptions
       thrown and caught, transactions...; jcvm_trace.c). NULL: none, at no cost. */
    void (*trace)(void *ctx, const char *line);
    void *trace_ctx;
    bool trace_bytecodes; /* opt-in: one trace line per bytecode and per invocation */
    uint32_t trace_max;   /* bytecode trace lines per entry from the JCRE (0 = no bound) */
    /* org.globalplatform hooks (NULL = defaults: card SECURED, no secure channel). */
    uint8_t (*gp_card_state)(void *ctx);
    uint8_t (*gp_app_state)(void *ctx, const jc_aid *instance);
    bool (*gp_set_app_state)(void *ctx, const jc_aid *instance, uint8_t state);
    uint8_t (*sc_security_level)(void *ctx);
    /* SecureChannel.unwrap/wrap over buf[off..off+len) (buf holds at least 261 bytes);
       return the new length or -1 with *sw = the status word to throw. */
    int (*sc_unwrap)(void *ctx, uint8_t *buf, size_t off, size_t len, uint16_t *sw);
    int (*sc_wrap)(void *ctx, uint8_t *buf, size_t off, size_t len, uint16_t *sw);
    void (*sc_reset)(void *ctx);
    void *gp_ctx;
    /* The card's crypto algorithm set (jcc_profile of crypto/jcc.h): 0 = JCOP 2.4.1
       (J2A040, the default), 1 = JCOP 2.4.2 R3 (J2E145), 2 = every algorithm (tests). */
    uint8_t crypto_profile;
    /* Power-loss injection (tests, jcopsim --cut-vm-write-at; FIDELITY.md "Tearing"): NULL
       = none. write_point is called before each persistent write the VM makes (a field or
       static, an array element, a Util copy or fill, an allocation, a transaction commit or
       abort, an OwnerPIN update, a LOAD, INSTALL or DELETE), `what` naming it; returning true
       cuts the power there. The VM then calls power_cut with the state a card recovers after
       that cut, as a jcvm_save blob: every persistent write before the cut point, none of
       the one cut, an open transaction rolled back. blob NULL: a LOAD, INSTALL or DELETE was
       in flight, which a card undoes whole: the last committed state stands. After the cut
       the VM skips every persistent write and the running entry point ends as a runaway
       (6F00), which the caller must not answer: the card has no power. */
    bool (*write_point)(void *ctx, const char *what);
    void (*power_cut)(void *ctx, const uint8_t *blob, size_t len);
    void *tear_ctx;
    /* More org.globalplatform hooks, all with gp_ctx (NULL = refused: lockCard/terminateCard
       false, processSecurity 6D00, decryptData 6985). The card's adapter (jcvm_runtime.c) fills
       them from the core's jc_gp_api.h. */
    bool (*gp_lock_card)(void *ctx, const jc_aid *instance);
    bool (*gp_terminate_card)(void *ctx, const jc_aid *instance);
    /* SecureChannel.processSecurity: the command as received; response data into out
       (capacity cap, length *out_len); returns the SW (9000 = processed). */
    uint16_t (*sc_process)(void *ctx, const uint8_t *apdu, size_t len, uint8_t *out, size_t cap,
                           size_t *out_len);
    /* SecureChannel.decryptData over buf[off..off+len): the new length or -1 with *sw. */
    int (*sc_decrypt)(void *ctx, uint8_t *buf, size_t off, size_t len, uint16_t *sw);
} jcvm_config;

/* Defaults: 40 KB heap, 2 KB transient, no int, object deletion, budgets. */
void jcvm_config_default(jcvm_config *cfg);

jcvm *jcvm_new(const jcvm_config *cfg);
void jcvm_free(jcvm *vm);

/* LOAD: parse, verify and link a Load File Data Block. 0 or -1 with *sw (GP
   status word) and a one-line reason; nothing of a refused package stays. */
int jcvm_load(jcvm *vm, const uint8_t *lfdb, size_t len, uint16_t *sw, char *why, size_t whylen);

/* INSTALL [for install]: run install(bArray, bOffset, bLength) of the module
   (applet class AID) of package pkg, bArray = [Li instance][Lc priv][La params]. */
int jcvm_install(jcvm *vm, const jc_aid *pkg, const jc_aid *module, const jc_aid *instance,
                 const uint8_t *params, size_t params_len, uint8_t privileges, uint16_t *sw,
                 char *why, size_t whylen);

/* SELECT on a channel (the previous applet of the channel was deselected by
   the caller): select(), then process() with the SELECT APDU. Writes the
   R-APDU (data + SW) into resp (capacity *resp_len in, length out). Returns
   0 selected, 1 refused (select() false or threw: 6999), -1 fault. */
int jcvm_select(jcvm *vm, const jc_aid *instance, uint8_t channel, const uint8_t *apdu, size_t len,
                uint8_t *resp, size_t *resp_len);
int jcvm_process(jcvm *vm, const jc_aid *instance, uint8_t channel, const uint8_t *apdu, size_t len,
                 uint8_t *resp, size_t *resp_len);
void jcvm_deselect(jcvm *vm, const jc_aid *instance, uint8_t channel);
/* STORE DATA after INSTALL [for personalization] (GP 2.1.1 §7.3): the command (header + clear
   data) in the APDU buffer, processData(buffer, 0, len) of the instance's implementation of
   org.globalplatform.Application in its context. Writes the R-APDU (SW only: 9000, an
   ISOException's reason, 6F00 for anything else; 6D00 for an instance without code in the VM,
   as process()). Returns 0, 1 (the instance's applet implements no Application: nothing
   written) or -1 fault. */
int jcvm_personalize(jcvm *vm, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                     size_t len, uint8_t *resp, size_t *resp_len);

int jcvm_delete_instance(jcvm *vm, const jc_aid *instance, uint16_t *sw);
int jcvm_delete_package(jcvm *vm, const jc_aid *pkg, uint16_t *sw);
void jcvm_reset(jcvm *vm);

/* Persistent state as a versioned blob (malloc'd) and back; restore(NULL, 0)
   empties the VM. Both clear dirty. */
int jcvm_save(jcvm *vm, uint8_t **blob, size_t *len);
int jcvm_restore(jcvm *vm, const uint8_t *blob, size_t len);
bool jcvm_dirty(const jcvm *vm);

/* Set the power-loss injection hooks of jcvm_config on a running VM (jcvm_attach's). */
void jcvm_set_tear_hooks(jcvm *vm, bool (*write_point)(void *ctx, const char *what),
                         void (*power_cut)(void *ctx, const uint8_t *blob, size_t len), void *ctx);

/* Inspection (tests, tools). */
bool jcvm_has_package(const jcvm *vm, const jc_aid *pkg);
bool jcvm_has_instance(const jcvm *vm, const jc_aid *instance);
unsigned jcvm_object_count(const jcvm *vm);
uint32_t jcvm_heap_used(const jcvm *vm);
/* Bytecodes executed since jcvm_new (bench). */
uint64_t jcvm_bytecodes(const jcvm *vm);

#endif
