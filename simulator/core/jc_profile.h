/*
 * jc_profile.h: card models as data.
 *
 * A profile is everything that differs between JCOP models, and every model
 * decision the public facts leave open (jcop-facts.md, DESIGN.md §4): ATR
 * configuration defaults, IDENTIFY bytes, the named memory fields, the ISD's
 * AID, FCI, CPLC, key-set defaults, the pre-installed registry and the status
 * word of each decision. The card code (jc_prefuse.c, jc_fused.c, jc_atr.c)
 * reads these fields and hard-codes none of them; adding a card model means
 * adding a const profile to jc_profile.c. Each decision carries a label
 * (confirmed / inferred / assumed) so the tools and FIDELITY.md can say which
 * behaviour is fact and which is a choice.
 */
#ifndef JC_PROFILE_H
#define JC_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_state.h"

typedef enum {
    JC_LABEL_CONFIRMED = 0, /* a public source states it, or a real trace shows it */
    JC_LABEL_INFERRED,      /* a reading of the sources */
    JC_LABEL_ASSUMED,       /* no public source: a model decision */
} jc_label;
/* "confirmed", "inferred", "assumed". Never NULL. */
const char *jc_label_name(jc_label label);

/* A status word chosen for a situation, with its label and source. */
typedef struct {
    uint16_t sw;
    jc_label label;
    const char *source;
} jc_sw_rule;

/* A named field of the memory window. */
typedef struct {
    const char *name;
    uint32_t addr;
    uint16_t len;
    jc_label label;
    const char *desc;
} jc_field;

/* Bytes written into the memory window when a new card is created. */
#define JC_MEM_INIT_MAX 24
typedef struct {
    uint32_t addr;
    uint8_t len;
    uint8_t v[JC_MEM_INIT_MAX];
} jc_mem_init;

/* CM_LIFECYCLE byte at FUSE -> card life cycle of the ISD. */
typedef struct {
    uint8_t cm_value;
    uint8_t card_lcs;
} jc_lcs_map;

/* How the key diversification data is derived. */
typedef enum {
    JC_KDD_CPLC = 0, /* 0000 || ICFabricationDate || ICSerialNumber || ICBatchIdentifier */
    JC_KDD_FIXED,    /* kdd_fixed */
} jc_kdd_rule;

/* A named decision, for the fidelity table and `jcop-image show`. */
typedef struct {
    const char *what;
    const char *value;
    jc_label label;
    const char *source;
} jc_decision;

/* The GlobalPlatform decisions of a profile: every status word and option the
 * ISD (jc_gp_*.c) chooses where the GP 2.1.1 specification or the public JCOP
 * traces are silent, each with its label and source. */
typedef struct jc_gp_policy {
    jc_sw_rule no_session_order;  /* EXT AUTH without INIT UPDATE: 6985 */
    jc_sw_rule auth_failed;       /* EXT AUTH bad MAC or cryptogram: 6300 */
    jc_sw_rule mac_failed;        /* later C-MAC failure / missing MAC: 6982 */
    jc_sw_rule unknown_kvn;       /* INIT UPDATE / PUT KEY unknown KVN: 6A88 */
    jc_sw_rule not_found;         /* GET DATA tag, DELETE/GET STATUS nothing: 6A88 */
    jc_sw_rule bad_transition;    /* SET STATUS not allowed: 6985 */
    jc_sw_rule bad_kcv;           /* PUT KEY wrong KCV: 9485 */
    jc_sw_rule duplicate_aid;     /* INSTALL/LOAD existing AID: 6985 */
    jc_sw_rule load_sequence;     /* LOAD block out of order: 6A86 */
    jc_sw_rule referenced;        /* DELETE of a still-referenced ELF: 6985 */
    jc_sw_rule make_selectable;   /* INSTALL [for make selectable]: 6A86 on J2A040, 9000 */
    jc_sw_rule channel;           /* channel not open, none free, open already: 6881 */
    jc_sw_rule locked_select;     /* CARD_LOCKED: SELECT of the ISD answers 6283 + FCI */
    jc_sw_rule locked_select_app; /* CARD_LOCKED: SELECT of an application 6A81 */
    jc_sw_rule content_ok;        /* LOAD/INSTALL/DELETE answer 00 + 9000 */
    jc_sw_rule key_last;          /* DELETE [key] of the only key set: 6985 */
    jc_sw_rule key_in_use;        /* DELETE [key] of the session's key set: 6985 */
    jc_sw_rule key_single;        /* DELETE [key] of one key (D0) of an SCP02 set: 6985 */
    jc_sw_rule store_sequence;    /* STORE DATA block out of sequence: 6A86 */
    jc_sw_rule perso_forward;     /* STORE DATA for the application being personalized */
    bool factory_set_replaced;    /* first added key set takes the factory FF set's place */
    uint16_t counter_max;         /* INIT UPDATE refused (6985) once the counter is here */
    uint16_t response_max;        /* GET STATUS bytes per answer before 6310 */
} jc_gp_policy;

/* The status-word decisions. Dispatcher checks first, then per command. */
typedef struct {
    /* shared dispatcher checks (ISO 7816-4) */
    jc_sw_rule unknown_ins;    /* 6D00 */
    jc_sw_rule wrong_cla;      /* 6E00 */
    jc_sw_rule wrong_state;    /* 6985 */
    jc_sw_rule security;       /* 6982 */
    jc_sw_rule wrong_length;   /* 6700 (also malformed APDUs) */
    jc_sw_rule memory_failure; /* 6581: commit failed, change rolled back */
    /* unfused card (before BOOT: wrong_state; READ without Le, WRITE without
     * data, FUSE with data: wrong_length, through the command table's flags) */
    jc_sw_rule nothing_selected; /* 6A82 to everything */
    jc_sw_rule identify;         /* 6A82 after the IDENTIFY bytes */
    jc_sw_rule select_failed;    /* 6A82 for any other SELECT */
    jc_sw_rule select_ok;        /* 9000 (KT) */
    jc_sw_rule out_of_window;    /* 6B00: outside/crossing the window, any CLA but C0 */
    jc_sw_rule write_protected;  /* 6982: WRITE after PROTECT */
    jc_sw_rule protect_again;    /* 9000 */
    jc_sw_rule done;             /* 9000: BOOT, READ, WRITE, PROTECT, FUSE */
    /* fused card (minimal model; the GP engine refines) */
    jc_sw_rule fused_cla_c0;      /* 6E00 */
    jc_sw_rule fused_prefuse_ins; /* 6D00 for 00F0 / 0010 / 0000 */
    /* logical channels of the fused card (the OPEN's MANAGE CHANNEL) */
    jc_sw_rule channel_sm;     /* MANAGE CHANNEL with secure messaging: 6882 */
    jc_sw_rule channel_locked; /* MANAGE CHANNEL in CARD_LOCKED/TERMINATED: 6A81 */
    jc_sw_rule channel_closed; /* MANAGE CHANNEL close of a closed channel: 6200 */
} jc_sw_policy;

#define JC_IDENTIFY_MAX 24
#define JC_FCI_MAX 128
#define JC_CPLC_LEN 42
#define JC_PROFILE_FIELDS_MAX 32
#define JC_PROFILE_PREINSTALLED_MAX 4
#define JC_PROFILE_LCS_MAP_MAX 8
#define JC_PROFILE_MEM_INIT_MAX 16
#define JC_PROFILE_DECISIONS_MAX 32

typedef struct jc_profile {
    const char *name;         /* "J2A040" */
    const char *description;  /* "NXP JCOP 2.4.1 J2A040 (default)" */
    const char *jcop_version; /* "2.4.1" */

    /* Memory: defaults written at creation, named fields. */
    jc_mem_init mem_init[JC_PROFILE_MEM_INIT_MAX];
    size_t n_mem_init;
    jc_field fields[JC_PROFILE_FIELDS_MAX];
    size_t n_fields;

    /* Pre-personalization addresses (also listed in fields). */
    uint32_t cm_key_addr[3];       /* ENC, MAC, DEK records */
    jc_label cm_key_mapping_label; /* record i -> key id i+1: assumed */
    uint32_t cm_lifecycle_addr;
    uint8_t cm_lifecycle_new; /* value on a new card (00) */
    uint32_t gpin_len_addr;
    uint32_t gpin_addr;
    uint8_t gpin_len_default; /* 5 */
    uint8_t gpin_max;         /* 16 */

    /* ATR: cold block fields; the warm block is at +atr_warm_offset. */
    uint32_t atr_iface_addr;     /* length byte, then T0 and interface bytes */
    uint8_t atr_iface_field_len; /* field size including the length byte */
    uint32_t atr_hist_addr;      /* length byte, then historical bytes */
    uint8_t atr_hist_field_len;
    uint32_t atr_warm_offset; /* 0x23 */
    uint8_t atr_ts;           /* 3B */
    jc_label atr_label;

    /* IDENTIFY (AID A000000167413000FF). */
    uint8_t identify_aid[JC_AID_MAX];
    uint8_t identify_aid_len;
    uint8_t identify[JC_IDENTIFY_MAX];
    uint8_t identify_len;
    uint8_t identify_fuse_offset; /* 14 */
    jc_label identify_label;
    bool identify_deselects; /* IDENTIFY counts as "any other SELECT" */

    /* FUSE -> ISD */
    jc_aid isd_aid;
    uint8_t isd_priv;        /* 9E */
    uint8_t fci[JC_FCI_MAX]; /* 6F ... without SW */
    uint8_t fci_len;
    jc_label fci_label;
    uint8_t cplc[JC_CPLC_LEN]; /* value of 9F7F */
    jc_label cplc_label;
    uint8_t iin[16]; /* value of 0042 (a TLV 42 L ... in GET DATA) */
    uint8_t iin_len;
    uint8_t cin[16]; /* value of 0045 */
    uint8_t cin_len;
    uint8_t card_caps[32]; /* value of 0067; card_caps_len 0 = absent (6A88) */
    uint8_t card_caps_len;
    uint8_t card_data[96]; /* value of 0066 (recognition data, 73 ...) */
    uint8_t card_data_len;
    jc_kdd_rule kdd_rule;
    uint8_t kdd_fixed[JC_KDD_LEN];
    uint8_t default_kvn; /* FF */
    uint8_t scp02_i;     /* 15 or 55 */
    bool get_status_tlv; /* GET STATUS P2=02 answers E3 records */
    /* Extended length APDUs for applets implementing javacardx.apdu.ExtendedLength: their APDU
     * buffer in bytes (the applet runtime's); 0 = the card has no extended length (assumed) */
    uint16_t apdu_buffer_ext;
    jc_lcs_map lcs_map[JC_PROFILE_LCS_MAP_MAX];
    size_t n_lcs_map;
    uint8_t lcs_fallback; /* other CM_LIFECYCLE values: OP_READY + warning */
    jc_reg_entry preinstalled[JC_PROFILE_PREINSTALLED_MAX];
    size_t n_preinstalled;
    bool isd_selected_after_fuse; /* the ISD is selected right after FUSE */

    jc_sw_policy sw;
    jc_gp_policy gp; /* the GlobalPlatform decisions (after FUSE) */

    /* Other decisions in words (fidelity table, jcop-image show). */
    jc_decision decisions[JC_PROFILE_DECISIONS_MAX];
    size_t n_decisions;
} jc_profile;

/* Lookup by name (case-sensitive, the name stored in images); NULL when unknown. */
const jc_profile *jc_profile_find(const char *name);
/* Lookup of a name a user typed, whatever its case ("j2e145" finds J2E145):
 * every tool checks --profile with it and passes the profile's own name on. */
const jc_profile *jc_profile_lookup(const char *name);
/* The valid names, "J2A040, J2E145", for a refusal of an unknown one. Returns buf. */
const char *jc_profile_names(char *buf, size_t cap);
/* The default profile (J2A040). */
const jc_profile *jc_profile_default(void);
/* Iteration: index 0..jc_profile_count()-1, NULL past the end. */
size_t jc_profile_count(void);
const jc_profile *jc_profile_at(size_t i);
/* A named field of the profile, or NULL. */
const jc_field *jc_profile_field(const jc_profile *p, const char *name);
/* Derive the KDD for a fused card of this profile. */
void jc_profile_kdd(const jc_profile *p, uint8_t kdd[JC_KDD_LEN]);
/* Card life cycle for a CM_LIFECYCLE byte; *mapped false when the fallback applied. */
uint8_t jc_profile_card_lcs(const jc_profile *p, uint8_t cm_lifecycle, bool *mapped);

#endif
