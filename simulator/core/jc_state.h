/*
 * jc_state.h: the card's persistent state, everything that survives a power
 * cycle. The image module (jc_image.h) turns it into the bytes of a card image
 * and back; the store (simulator/store) makes those bytes durable. Volatile
 * state (selection, BOOT, secure channel) lives in struct jc_card instead.
 *
 * The memory window [JC_MEM_BASE, JC_MEM_END) is the readable EEPROM of an
 * unfused JCOP as seen through READ/WRITE MEMORY; named fields inside it are
 * described per profile (jc_profile.h).
 */
#ifndef JC_STATE_H
#define JC_STATE_H

#include <stdint.h>

#define JC_MEM_BASE 0xC000F0u
#define JC_MEM_END 0xC09600u
#define JC_MEM_SIZE (JC_MEM_END - JC_MEM_BASE)

#define JC_PROFILE_NAME_MAX 24
#define JC_KT_LEN 16
#define JC_KEY_LEN 16

/* jc_pstate.flags */
#define JC_PF_PROTECTED 0x01u          /* PROTECT was sent */
#define JC_PF_FUSED 0x02u              /* FUSE was sent: irreversible */
#define JC_PF_FUSED_UNPROTECTED 0x04u  /* FUSE came before any PROTECT */

#define JC_MAX_KEYSETS 8
typedef struct {
    uint8_t used;       /* 0 = free slot */
    uint8_t kvn;        /* key version number, 01..7F or FF */
    uint16_t counter;   /* SCP02 sequence counter of this set */
    uint8_t key[3][JC_KEY_LEN]; /* key id 1 ENC, 2 MAC, 3 DEK */
} jc_keyset;

#define JC_AID_MAX 16
typedef struct {
    uint8_t len;        /* 0 = empty */
    uint8_t b[JC_AID_MAX];
} jc_aid;

/* GP 2.1.1 life-cycle bytes (Tables 9-3 .. 9-5) and privileges (Table 6-1). */
#define JC_LCS_NONE 0x00u     /* card_lcs before FUSE */
#define JC_LCS_OP_READY 0x01u /* card */
#define JC_LCS_INITIALIZED 0x07u
#define JC_LCS_SECURED 0x0Fu
#define JC_LCS_CARD_LOCKED 0x7Fu
#define JC_LCS_TERMINATED 0xFFu
#define JC_ELF_LCS_LOADED 0x01u    /* executable load file */
#define JC_APP_LCS_INSTALLED 0x03u /* application */
#define JC_APP_LCS_SELECTABLE 0x07u
#define JC_APP_LCS_SELECTABLE_BIT 0x04u /* set in SELECTABLE and every state after it */
#define JC_APP_LCS_LOCKED_BIT 0x80u     /* set while the application is LOCKED */
#define JC_PRIV_SECURITY_DOMAIN 0x80u
#define JC_PRIV_DEFAULT_SELECTED 0x04u
#define JC_PRIV_CARD_LOCK 0x10u /* GP 2.1.1 Table 9-7 */
#define JC_PRIV_CARD_TERMINATE 0x08u

/* Registry entry kinds */
enum { JC_REG_FREE = 0, JC_REG_ISD = 1, JC_REG_APP = 2, JC_REG_SD = 3, JC_REG_ELF = 4 };

#define JC_MAX_MODULES 8
#define JC_MAX_REGISTRY 32
typedef struct {
    uint8_t kind;       /* JC_REG_* */
    uint8_t lcs;        /* life-cycle state byte (GP Tables 9-3..9-6) */
    uint8_t priv;       /* privileges byte (apps, SDs, ISD) */
    jc_aid aid;         /* entry AID */
    jc_aid elf;         /* app/SD: its executable load file */
    jc_aid module;      /* app/SD: its executable module (class) */
    uint8_t n_modules;  /* ELF: number of modules */
    jc_aid modules[JC_MAX_MODULES];
    uint8_t ver_major, ver_minor; /* ELF: package version from the CAP header */
} jc_reg_entry;

#define JC_KDD_LEN 10

/* Issuer Security Domain data written by STORE DATA (GP 2.1.1 §9.11.2.3,
 * GlobalPlatformPro's --set-pre-perso / --set-perso); a length 0 (or a clear
 * cplc_set bit) means the profile's value stands. */
#define JC_ISD_ID_MAX 16
#define JC_ISD_CARD_DATA_MAX 127
#define JC_ISD_CPLC_PART 8
enum { JC_ISD_CPLC_PREPERSO = 0x01, JC_ISD_CPLC_PERSO = 0x02 };
typedef struct {
    uint8_t iin_len; /* tag 42 */
    uint8_t iin[JC_ISD_ID_MAX];
    uint8_t cin_len; /* tag 45 */
    uint8_t cin[JC_ISD_ID_MAX];
    uint8_t card_data_len; /* tag 66 (its value) */
    uint8_t card_data[JC_ISD_CARD_DATA_MAX];
    uint8_t cplc_set;                        /* JC_ISD_CPLC_* */
    uint8_t cplc_preperso[JC_ISD_CPLC_PART]; /* CPLC bytes 26-33 (9F67) */
    uint8_t cplc_perso[JC_ISD_CPLC_PART];    /* CPLC bytes 34-41 (9F66) */
} jc_isd_data;

typedef struct jc_pstate {
    char profile[JC_PROFILE_NAME_MAX]; /* NUL-terminated profile name */
    uint8_t kt[JC_KT_LEN];             /* transport key */
    uint8_t flags;                     /* JC_PF_* */
    uint8_t mem[JC_MEM_SIZE];          /* the memory window */
    /* After FUSE (GlobalPlatform): */
    uint8_t card_lcs;                  /* ISD life cycle: 01 07 0F 7F FF; 00 before FUSE */
    uint8_t kdd[JC_KDD_LEN];           /* key diversification data */
    jc_keyset keysets[JC_MAX_KEYSETS];
    jc_reg_entry reg[JC_MAX_REGISTRY];
    jc_isd_data isd;                   /* STORE DATA to the ISD (all zero: none) */
    /* The application runtime's persistent state (jc_runtime.h): an opaque
     * blob, stored as the image's runtime section; NULL and 0 when there is
     * none. It belongs to whoever filled the struct (the card for its own
     * state; the caller of jc_image_decode / jc_store_open_file, who frees it
     * with jc_pstate_release). A plain copy of the struct borrows it;
     * jc_pstate_copy duplicates it. */
    uint8_t *rt;
    uint32_t rt_len;
} jc_pstate;

/* Largest runtime section an image may hold. */
#define JC_RT_SECTION_MAX (16u * 1024u * 1024u)

#endif
