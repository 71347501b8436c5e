/*
 * jcvm_int.h: the VM's internal structures, shared by its source files only.
 *
 * Classes are named by a 32-bit id: API classes JCVM_CID_API | index into
 * jcvm_api_classes; classes of loaded packages (slot << 16) | offset of the
 * class in that package's Class component. Objects are 16-bit handles into
 * the object table (0 = null), so a reference fits one 16-bit stack cell, a
 * field cell and a static field image slot as the CAP lays them out.
 */
#ifndef JCVM_INT_H
#define JCVM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "jcvm.h"
#include "jcvm_api.h"
#include "jcvm_cap.h"

#define JCVM_CID_API 0x80000000u
#define JCVM_CID_NONE 0xFFFFFFFFu

#define JCVM_MAX_PKGS 32
#define JCVM_MAX_INST 32
#define JCVM_MAX_OBJS 16384
#define JCVM_STACK_CELLS 8192
#define JCVM_MAX_FRAMES_HARD 256
#define JCVM_APDU_BUF 261
#define JCVM_APDU_BUF_EXT_MAX (7 + 32767 + 2) /* header, the most data JC allows, Le */
#define JCVM_EXT_MAX 32767                    /* JCRE 2.2.2 §9.4.4.1: Lc and Le limit */
#define JCVM_CHANNELS 20

/* Object kinds */
enum {
    OK_FREE = 0,
    OK_INST = 1,
    OK_ARR_BOOL = 10,
    OK_ARR_BYTE = 11,
    OK_ARR_SHORT = 12,
    OK_ARR_INT = 13,
    OK_ARR_REF = 14
};

/* Object flags */
#define OF_T_RESET 0x01u    /* transient CLEAR_ON_RESET */
#define OF_T_DESELECT 0x02u /* transient CLEAR_ON_DESELECT */
#define OF_GLOBAL 0x04u     /* global array (APDU buffer, bArray) */
#define OF_ENTRY 0x08u      /* JCRE entry point object */
#define OF_TEMP 0x10u       /* temporary JCRE object: not saved */
#define OF_TRANSIENT (OF_T_RESET | OF_T_DESELECT)

typedef struct {
    uint8_t kind;
    uint8_t flags;
    uint8_t owner_pkg;  /* context: package slot + 1, 0 = JCRE */
    uint8_t owner_inst; /* instance slot + 1, 0 = none/JCRE */
    uint16_t len;       /* arrays: elements; instances: cells */
    uint32_t cid;       /* instance class; ref arrays: element class (JCVM_CID_NONE = Object) */
    void *data;         /* uint8_t (bool/byte), uint16_t (short, ref, cells), int32_t */
} jcvm_obj;

/* A resolved constant pool entry */
typedef struct {
    uint8_t kind; /* JCVM_CP_* */
    uint8_t token;
    uint8_t nargs; /* methods: argument cells including `this` */
    int16_t pkg;   /* static method/field: package slot; -1 native */
    uint16_t off;  /* static: image or method offset; field: cell index; native: method idx */
    uint32_t cid;  /* class id (classref, field class, virtual/super class) */
} jcvm_res;

typedef struct {
    bool used;
    jcvm_cap *cap;
    int16_t imp_api[JCVM_CAP_MAX_IMPORTS]; /* import -> api package index, -1 */
    int16_t imp_pkg[JCVM_CAP_MAX_IMPORTS]; /* import -> loaded package slot, -1 */
    uint8_t *statics;
    jcvm_res *res;       /* n_cp */
    uint16_t *cls_base;  /* per class: cells of the superclasses */
    uint32_t *cls_super; /* per class: super cid */
} jcvm_pkg;

typedef struct {
    bool used;
    jc_aid aid;
    uint8_t pkg;      /* package slot */
    uint16_t cls;     /* class offset */
    uint16_t applet;  /* applet object handle */
    uint16_t aid_obj; /* JCRE-owned AID object */
    bool multiselectable;
    bool ext_length;
    bool app_event;
    uint8_t app_state; /* GP application life cycle when no hook holds it (07 SELECTABLE) */
} jcvm_inst;

typedef struct {
    uint16_t pc;        /* offset in Method info of the current instruction */
    uint16_t code, end; /* method bytecode bounds */
    uint16_t locals;    /* index of local 0 in the cell stack */
    uint16_t sp;        /* operand stack pointer (next free cell) */
    uint16_t sbase, slimit;
    uint8_t pkg;       /* package slot of the method */
    uint8_t ctx_pkg;   /* active context (package slot + 1, 0 JCRE) */
    uint8_t ctx_inst;  /* active applet instance + 1 */
    uint8_t prev_inst; /* instance of the previous context (getPreviousContextAID) */
    bool entry;        /* entered from C: return to the caller */
} jcvm_frame;

/* The trace's state for one entry from the JCRE (jcvm_trace.c): what the bounded events
   have shown and what they only counted. */
typedef struct {
    uint32_t bc_lines;             /* bytecode trace lines (bc, call) */
    uint32_t allocs, alloc_bytes;  /* objects allocated */
    uint32_t caught;               /* exceptions caught */
    uint32_t thrown_at, thrown_pc; /* where the last exception was thrown: method, pc */
    int16_t thrown_pkg;            /* -1 none */
} jcvm_trstate;

/* transaction undo log entry */
typedef struct {
    uint16_t h; /* object handle; 0 = static image of package `pkg` */
    uint8_t pkg;
    uint8_t len; /* bytes saved; 0 = object allocated in the transaction */
    uint32_t off;
    uint8_t old[4];
} jcvm_undo;

/* APDU object state */
typedef struct {
    uint8_t buf_h_dummy;
    uint8_t state;    /* STATE_* */
    uint8_t cla_case; /* 1..4 */
    bool ext;
    uint16_t lc, le, received, out_len, sent;
    bool le_given;
    bool no_chaining;
    uint8_t resp[32768 + 2];
    size_t resp_len;
    uint8_t channel;
    bool selecting;
    uint8_t full[65544];
    size_t full_len;
} jcvm_apdu;

struct jcvm {
    jcvm_config cfg;
    jcvm_pkg pkgs[JCVM_MAX_PKGS];
    jcvm_inst insts[JCVM_MAX_INST];
    jcvm_obj *objs; /* JCVM_MAX_OBJS, [0] unused */
    uint16_t n_objs_hint;
    uint32_t heap_used, trans_used;
    bool dirty;

    /* execution */
    uint16_t *stack;
    jcvm_frame frames[JCVM_MAX_FRAMES_HARD];
    int nframes;
    uint16_t exc; /* pending exception object, 0 none */
    uint64_t executed;
    int64_t budget;
    bool runaway;
    char runaway_why[160];
    jcvm_trstate tr; /* the trace's per-entry counters (jcvm_trace.c) */

    /* transactions */
    uint8_t txn_depth;
    jcvm_undo *undo;
    uint32_t n_undo, undo_cap, undo_bytes;

    /* JCRE */
    uint16_t apdu_obj, apdu_buf, sc_obj;
    uint16_t apdu_buf_std, apdu_buf_ext; /* apdu_buf is one of them for the current APDU */
    /* API class ids the JCRE tests on every APDU, exception or selection, found once at
       jcvm_new (jcvm_api_cid compares names: on every APDU it was 38% of an echo through
       the card core, jcop-bench) */
    uint32_t cid_extlen, cid_iso_exc, cid_aid, cid_application, cid_multisel, cid_appletevent;
    uint16_t sys_exc[48]; /* JCRE-owned exception instance per API exception class */
    int sys_exc_cls[48];
    int n_sys_exc;
    jcvm_apdu apdu;
    int8_t cur_inst;   /* instance being invoked by the JCRE (-1 none) */
    int8_t installing; /* instance slot being installed (-1 none) */
    bool registered;
    uint8_t active[JCVM_CHANNELS]; /* instance + 1 selected per channel */
    bool deletion_requested;
    bool restoring; /* jcvm_restore: link without creating static arrays */

    /* power-loss injection (jcvm_tear.c) */
    bool cut;         /* the power was cut: no persistent write any more */
    uint8_t unit;     /* a command undone whole on a cut: 'L'oad, 'I'nstall, 'D'elete, 0 */
    uint8_t wp_quiet; /* > 0: inside one atomic native (OwnerPIN.update): no cut points */

    /* javacard.security / javacardx.crypto objects (jcvm_natives_crypto.c) */
    struct jcvm_crypto *crypto;
};

/* heap (jcvm_heap.c) */
uint16_t jcvm_alloc(jcvm *vm, uint8_t kind, uint16_t len, uint32_t cid, uint8_t flags,
                    uint8_t owner_pkg, uint8_t owner_inst);
void jcvm_obj_free(jcvm *vm, uint16_t h);
size_t jcvm_elem_size(uint8_t kind);
void jcvm_log(jcvm *vm, uint16_t h, uint8_t pkg, uint32_t off, const void *at, uint8_t len);
void jcvm_txn_abort(jcvm *vm);
void jcvm_txn_commit(jcvm *vm);
void jcvm_clear_transient(jcvm *vm, uint8_t flag, int only_pkg);
void jcvm_gc(jcvm *vm);

/* power-loss injection (jcvm_tear.c): call before a persistent write; true = the power is
   cut (now or earlier): skip the write and stop (vm->runaway is set). */
bool jcvm_wpoint_slow(jcvm *vm, const char *what);
static inline bool jcvm_wpoint(jcvm *vm, const char *what)
{
    return vm->cfg.write_point != NULL && jcvm_wpoint_slow(vm, what);
}

/* linking (jcvm_link.c) */
int jcvm_api_pkg_find(const jc_aid *aid);
int jcvm_api_class_find(int pkg, uint8_t token);
int jcvm_api_method_find(int cls, uint8_t token, bool is_static);
uint32_t jcvm_api_cid(const char *pkg, const char *name);
const jcvm_cap_class *jcvm_class_of(const jcvm *vm, uint32_t cid);
bool jcvm_instance_of(const jcvm *vm, uint32_t cid, uint32_t target);
bool jcvm_obj_is(const jcvm *vm, uint16_t h, uint8_t kind, uint32_t target);
int jcvm_link(jcvm *vm, int slot, uint16_t *sw, char *why, size_t whylen);
void jcvm_unlink(jcvm *vm, int slot);
/* Find the method implementing virtual `token` starting at class cid:
 *pkg = slot and *off = method offset, or *pkg = -1 and *off = api method index. */
bool jcvm_virtual_lookup(const jcvm *vm, uint32_t cid, uint8_t token, int *pkg, uint16_t *off);
bool jcvm_interface_lookup(const jcvm *vm, uint32_t cid, uint32_t iface, uint8_t token, int *pkg,
                           uint16_t *off);
uint16_t jcvm_instance_cells(const jcvm *vm, uint32_t cid);
int jcvm_sig_nargs(const char *sig);

/* interpreter (jcvm_interp.c) */
/* Invoke a method from C with args (cells). Returns the number of result
   cells (0..2) or -1 if an exception is pending (vm->exc) or the budget ran out. */
int jcvm_invoke(jcvm *vm, int pkg, uint16_t off, const uint16_t *args, int nargs, uint8_t ctx_pkg,
                uint8_t ctx_inst, uint16_t *ret);
int jcvm_call_virtual(jcvm *vm, uint16_t obj, uint8_t token, const uint16_t *args, int nargs,
                      uint16_t *ret);
void jcvm_throw_api(jcvm *vm, const char *cls, uint16_t reason);
void jcvm_trace(jcvm *vm, const char *fmt, ...);

/* trace events (jcvm_trace.c); each is called only when cfg.trace is set
   (jcvm_tr_bc and jcvm_tr_call when cfg.trace_bytecodes is) */
void jcvm_tr_enter(jcvm *vm, int pkg, uint16_t off, bool outermost);
void jcvm_tr_leave(jcvm *vm, int rc, bool outermost);
void jcvm_tr_bc(jcvm *vm, unsigned pkg, unsigned pc, unsigned op, unsigned depth);
void jcvm_tr_call(jcvm *vm, int pkg, uint16_t off);
void jcvm_tr_alloc(jcvm *vm, uint16_t h);
void jcvm_tr_thrown(jcvm *vm, const jcvm_frame *f, unsigned pc);
void jcvm_tr_caught(jcvm *vm, const jcvm_frame *f, unsigned handler);

/* natives (jcvm_natives.c) */
typedef int (*jcvm_native_fn)(jcvm *vm, uint16_t *args, uint16_t *ret);
/* native for api method index, NULL if none */
jcvm_native_fn jcvm_native_for(int method_index);
void jcvm_natives_init(jcvm *vm);
uint16_t jcvm_cur_ctx_pkg(const jcvm *vm);
uint16_t jcvm_cur_ctx_inst(const jcvm *vm);

/* JCRE (jcvm_jcre.c) */
uint16_t jcvm_inst_aid_obj(jcvm *vm, int inst);
int jcvm_find_inst(const jcvm *vm, const jc_aid *aid);

static inline uint16_t jcvm_rd2(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

#endif
