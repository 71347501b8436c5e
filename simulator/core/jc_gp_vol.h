/*
 * jc_gp_vol.h: volatile GlobalPlatform state of a fused card: the SCP02
 * session, GET STATUS paging, a LOAD in progress and the ISD's crypto
 * context. Lives inside struct jc_card as member `gp`; jc_card clears it on
 * power on, power off and warm reset through jc_gp_vol_reset, and the ISD
 * (jc_fused.c, jc_gp_*.c) ends parts of it on SELECT, INITIALIZE UPDATE and
 * MAC failures.
 */
#ifndef JC_GP_VOL_H
#define JC_GP_VOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_crypto.h"
#include "jc_scp02.h"
#include "jc_state.h"

typedef struct jc_card jc_card;

/* Largest Load File a LOAD sequence may carry (C4 TLV with its header). */
#define JC_GP_LOAD_MAX 65536u

typedef struct {
    jc_crypto *crypto;     /* created on first use; freed by jc_gp_vol_reset */
    jc_scp02 sc;           /* the secure channel (phase IDLE/INITIATED/OPEN) */
    bool sc_open;          /* EXTERNAL AUTHENTICATE succeeded and the session was not ended */
    int sc_keyset;         /* index in st.keysets of the session's key set */

    /* GET STATUS paging (6310): next registry index for P1/P2 */
    bool gs_pending;
    uint8_t gs_p1, gs_p2;
    uint8_t gs_next;
    jc_aid gs_prefix;

    /* INSTALL [for load] ... LOAD */
    bool load_active;
    jc_aid load_elf;
    uint8_t load_next;     /* expected block number */
    bool load_has_hash;
    uint8_t load_hash[20];
    size_t load_len;
    uint8_t *load_buf;     /* JC_GP_LOAD_MAX bytes, allocated at INSTALL [for load];
                            * freed by jc_gp_vol_reset */

    uint8_t clear[256];    /* data field of the last unwrapped command */

    /* PUT KEY chain (P1 b8 = more commands follow; GP 2.1.1 §9.8.2.1): the
     * keys gathered so far, applied together by the chain's last command;
     * dropped (and wiped) when the session ends. */
    bool pk_chain;
    uint8_t pk_old_kvn, pk_new_kvn;
    uint8_t pk_mask;       /* bit k: key id k+1 received */
    uint8_t pk_keys[3][16];

    /* STORE DATA (jc_gp_store.c): the block sequence, the ISD's objects
     * gathered until the last block, and the application INSTALL [for
     * personalization] named (its STORE DATA blocks are forwarded). */
    bool sd_active;
    uint8_t sd_next;
    size_t sd_len;
    uint8_t sd_buf[512];
    bool perso_active;
    jc_aid perso_target;
} jc_gp_vol;

/* Clear the GP volatile state (power on/off, reset); free the crypto context
 * and the LOAD buffer. */
void jc_gp_vol_reset(jc_card *card);
/* True when a secure channel is open (used by the dispatcher for rows flagged
 * JC_CMD_NEEDS_SC). */
bool jc_gp_vol_sc_open(const jc_card *card);

#endif
