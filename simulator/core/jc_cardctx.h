/*
 * jc_cardctx.h: the inside of a card and the functions of the card context
 * (jc_cardctx.c), the floor of the core: the dispatcher, the applications
 * (jc_prefuse.c, jc_fused.c and the GP modules, jc_instance.c) and jc_card.c
 * stand on it. Callers outside simulator/core use jc_card.h.
 *
 * Persistent state is `st` (what the image stores); everything else is
 * volatile and cleared on power on/off and reset.
 */
#ifndef JC_CARDCTX_H
#define JC_CARDCTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_apdu.h"
#include "jc_atr.h"
#include "jc_types.h"
#include "jc_err.h"
#include "jc_gp_vol.h"
#include "jc_profile.h"
#include "jc_state.h"

/* Logical channels of a fused card: the basic channel 0 and three supplementary
 * ones (JCOP 2.4.1's count is not published: assumed, FIDELITY.md). */
#define JC_CHANNELS 4

/* A persistent change an application's code made through the GP API
 * (jc_gp_api.c: its life cycle, the card's, a sequence counter) during the
 * current APDU: committed with the runtime's state after the command
 * (jc_card_process), undone when that commit fails. */
#define JC_API_UNDO_MAX 8
enum { JC_API_APP_LCS = 1, JC_API_CARD_LCS = 2, JC_API_COUNTER = 3 };
typedef struct {
    uint8_t kind; /* JC_API_* */
    uint8_t idx;  /* registry entry or key set */
    uint16_t old; /* the value before */
} jc_api_undo;

/* The state of a logical channel while another one is active. */
typedef struct {
    bool open;         /* channel 0 is always open */
    jc_aid selected;   /* len 0 = nothing selected */
    bool sel_instance; /* `selected` is an instance of the runtime */
    jc_gp_vol gp;      /* the channel's own secure channel session, paging, LOAD */
} jc_chan;

struct jc_card {
    const jc_profile *profile;
    jc_env env;
    jc_pstate st; /* persistent state; st.rt (the runtime section) is the card's own */
    const struct jc_runtime_ops *rt_ops; /* the application runtime (jc_runtime.h); NULL = none */
    void *rt;

    /* volatile */
    bool powered;
    uint8_t atr[JC_ATR_MAX];
    size_t atr_len;
    bool atr_malformed; /* the latched ATR came from a malformed configuration */
    bool root_selected; /* unfused: root applet selected by KT */
    bool booted;        /* unfused: BOOT done since the KT SELECT */
    jc_aid selected;    /* fused: selected application (len 0 = none) */
    bool sel_instance;  /* fused: `selected` is an instance of the runtime */
    jc_gp_vol gp;       /* fused: GlobalPlatform volatile state (jc_gp_vol.h) */
    /* selected, sel_instance and gp above are the active channel's (cur_ch);
     * the other channels' are parked in chan[] (jc_chan_switch) */
    uint8_t cur_ch;
    jc_chan chan[JC_CHANNELS];
    int fault; /* JC_ERR_POWER_CUT set by a commit during this APDU */
    /* GP API changes waiting for the commit after the APDU (jc_gp_api.c);
     * a successful jc_card_commit or jc_card_restore_snap empties it */
    jc_api_undo api_undo[JC_API_UNDO_MAX];
    uint8_t api_n;

    /* work areas (never cleared per APDU) */
    jc_pstate snap;             /* snapshot for rollback of persistent commands */
    uint8_t rbuf[JC_RAPDU_MAX]; /* response data + SW */
};

/* Emit a trace event (no-op without a sink). */
void jc_card_trace(const jc_card *card, const jc_event *ev);
void jc_card_warn(const jc_card *card, const char *text);
void jc_card_info(const jc_card *card, const char *text);
/* Make channel ch the active one: park the active channel's selection and GP
 * state in chan[cur_ch] and bring ch's in (ch < JC_CHANNELS). */
void jc_chan_switch(jc_card *card, uint8_t ch);
/* Close channel ch (1..3): deselect and drop its GP state. The active channel
 * must be another one. */
void jc_chan_close(jc_card *card, uint8_t ch);

/* The observable state (jc_card_state_get of the public API). */
jc_card_state jc_ctx_state(const jc_card *card);
/* Report a state change (JC_EV_STATE) when old != new. */
void jc_card_state_event(const jc_card *card, jc_card_state old_state, jc_card_state new_state,
                         const char *why);

/* Commit the persistent state now (handlers that change persistent state
 * outside a JC_CMD_PERSISTENT row, e.g. a sequence counter). Returns 0 (also
 * when the card has no commit hook) or <0; on JC_ERR_POWER_CUT card->fault is
 * set. The caller rolls back its own change on failure. */
int jc_card_commit(jc_card *card);
/* Record a GP API change (jc_api_undo) for the commit after the APDU; one
 * record per kind and index keeps the first old value. False when the list
 * is full: the change must not be made. */
bool jc_api_record(jc_card *card, uint8_t kind, uint8_t idx, uint16_t old);
/* Put back the persistent state of a snapshot (card->snap), keeping the card's
 * current runtime section, which jc_card_commit manages. */
void jc_card_restore_snap(jc_card *card);

/* The application runtime (jc_runtime.c). */
static inline bool jc_rt_active(const jc_card *card)
{
    return card->rt_ops != NULL;
}
/* True when the runtime's persistent state changed since the last commit. */
bool jc_rt_dirty(const jc_card *card);
/* After a command that failed: bring a dirty runtime back to the last
 * committed section. */
void jc_rt_rollback(jc_card *card);
/* Constant-time comparison: 0 when equal. */
int jc_ct_memcmp(const void *a, const void *b, size_t n);

/* Memory window access: true when [addr, addr+len) lies inside the window. */
static inline bool jc_mem_in_window(uint32_t addr, uint32_t len)
{
    return addr >= JC_MEM_BASE && addr < JC_MEM_END && len <= JC_MEM_END - addr;
}
static inline uint8_t *jc_mem_at(jc_card *card, uint32_t addr)
{
    return card->st.mem + (addr - JC_MEM_BASE);
}

/* IDENTIFY answer (both states): bytes with the fuse state at its offset. */
uint16_t jc_identify_answer(jc_card *card, jc_resp *resp);
/* True when data is the IDENTIFY AID of the card's profile. */
bool jc_is_identify_aid(const jc_card *card, const jc_apdu *apdu);

#endif
