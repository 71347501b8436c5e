/*
 * jh_explain.h: the one APDU explainer of jcopsim, shared by `jcop-replay
 * --explain`, `jcop-explain` (any transcript form) and the HTML report.
 *
 * A jh_explainer follows one card through a transcript: it sees each exchange
 * (C-APDU and R-APDU bytes) or power event in order, names the command in the
 * tutorial's and GlobalPlatform's words, decodes the answer (IDENTIFY, FCI,
 * INITIALIZE UPDATE, GET DATA, GET STATUS, PUT KEY), explains the status word
 * through the shared table (simulator/core/jc_sw.h) and states every change of
 * the card's state it can infer from the bytes alone (unfused/root selected/
 * booted/protected/fused, card life cycle, secure channel level). It never
 * talks to a card, never allocates and never prints by itself: each call fills
 * a jh_explanation with plain-language lines that the caller prints or renders.
 * Memory addresses are named from the card profile's field table
 * (jh_field_get), so READ MEMORY 0xC00305 reads "CM_KEY 1".
 */
#ifndef JH_EXPLAIN_H
#define JH_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- named memory fields of a profile ---------------------------------- */

typedef struct {
    const char *name;  /* "CM_KEY1", "GPIN_LEN", "ATR_COLD_T0_IFACE" */
    uint32_t addr;     /* 24-bit address, 0xC0xxxx */
    uint32_t len;      /* bytes */
    const char
        *label; /* "confirmed", "inferred", "assumed" (the labels of SOURCES.md and FIDELITY.md) */
    const char *what;  /* one plain-language sentence */
} jh_field;

/* Number of named fields of `profile` (NULL or "" = the default profile),
 * 0 for an unknown profile. */
int jh_field_count(const char *profile);
/* Copy field i (0-based, address order) into *out. Returns 0, or -1 when out of range. */
int jh_field_get(const char *profile, int i, jh_field *out);
/* The field holding address addr, with *offset = addr - field.addr.
 * Returns 0, or -1 when no named field covers addr. */
int jh_field_find(const char *profile, uint32_t addr, jh_field *out, uint32_t *offset);

/* Address of the CM_LIFECYCLE byte in `profile` (0xC00301 on JCOP 2.4.x). */
uint32_t jh_profile_cm_lifecycle_addr(const char *profile);

/* ---- explainer state ---------------------------------------------------- */

/* What is selected, as far as the transcript shows. */
typedef enum {
    JH_SEL_NONE = 0,
    JH_SEL_ROOT,     /* unfused: root applet selected by the transport key */
    JH_SEL_ISD,      /* fused: Issuer Security Domain */
    JH_SEL_IDENTIFY, /* JCOP IDENTIFY (answers 6A82 with data; selects nothing) */
    JH_SEL_OTHER,    /* some other application */
} jh_selection;

/* Secure channel, as far as the transcript shows. */
typedef enum {
    JH_SC_NONE = 0,
    JH_SC_INIT, /* INITIALIZE UPDATE answered, EXTERNAL AUTHENTICATE pending */
    JH_SC_OPEN, /* EXTERNAL AUTHENTICATE answered 9000 at `sc_level` */
} jh_sc_state;

typedef struct {
    int card_state; /* a jc_card_state value (simulator/core/jc_card.h), -1 = not known yet */
    bool known;     /* false until the transcript shows which side of FUSE the card is on */
    bool fused;
    bool booted;
    bool protect_sent;
    jh_selection sel;
    jh_sc_state sc;
    uint8_t sc_level; /* 00, 01, 03 once open */
    uint8_t kvn;      /* key version named in INITIALIZE UPDATE (00 = first set) */
    uint8_t card_lcs; /* GP card life cycle when known (01 07 0F 7F FF), 0 otherwise */
    int cm_lifecycle; /* last byte written to CM_LIFECYCLE, -1 if none seen */
    bool any_write;   /* a WRITE MEMORY succeeded */
} jh_card_view;

typedef struct {
    char profile[24]; /* profile whose field table names addresses ("" = default) */
    jh_card_view view;
    unsigned exchanges; /* exchanges seen */
    uint8_t last_ins;   /* for GET STATUS paging (6310 then P2 03) */
    uint8_t last_status_p1;
    /* Optional static keys (jh_explain_set_keys): SCP02 checked and C-DEC
     * data decrypted. Fields added at the end; callers never touch them. */
    bool have_keys;
    uint8_t key[3][16];
    void *crypto; /* jc_crypto *, owned by the caller */
    bool have_session;
    uint8_t s_enc[16];
    uint8_t s_dek[16];
    uint8_t host_chal[8];
    /* Memory bytes this transcript has shown (READ answers, WRITE data) in
     * [JH_SHADOW_BASE, +JH_SHADOW_LEN), where the named fields are: a WRITE
     * is then told as before -> after. */
    uint8_t mem_seen[0x400];
    uint8_t mem_known[0x400 / 8];
} jh_explainer;
#define JH_SHADOW_BASE 0xC000F0u
#define JH_SHADOW_LEN 0x400u

/* Start following a card. profile may be NULL (default profile). The view
 * starts as "unknown, powered off"; jh_explain_assume sets a known start. */
void jh_explain_init(jh_explainer *ex, const char *profile);
/* Tell the explainer the card's state at the start (e.g. the in-process
 * card's jc_card_state after power-on; card_lcs for a fused card or 0). */
void jh_explain_assume(jh_explainer *ex, int card_state, uint8_t card_lcs);

/* Give the explainer the card's static keys (ENC, MAC, DEK of the key set in
 * use) and a jc_crypto context (simulator/core/jc_crypto.h) it may use until
 * the next call or the end: INITIALIZE UPDATE's card cryptogram is checked
 * against them, data sent at level 03 (C-DEC) is decrypted and decoded, and
 * PUT KEY's key check values are verified. The keys are never printed.
 * keys NULL forgets them. */
void jh_explain_set_keys(jh_explainer *ex, const uint8_t keys[3][16], void *crypto);

/* ---- explanations ------------------------------------------------------ */

typedef enum {
    JH_XL_COMMAND =
        0,        /* what the command is: "BOOT: opens memory access (JCOP pre-personalization)" */
    JH_XL_DETAIL, /* a decoded field of the command or the answer */
    JH_XL_STATUS, /* the status word explained */
    JH_XL_STATE,  /* a state change: "card state: booted -> fused (OP_READY)" */
    JH_XL_WARN,   /* something to worry about (FUSE, all-zero APDU, unprotected fuse, ...) */
} jh_xline_kind;

#define JH_XLINE_MAX 240
#define JH_XLINES_MAX 24
typedef struct {
    jh_xline_kind kind;
    char text[JH_XLINE_MAX];
} jh_xline;

typedef struct {
    char name[48];    /* short command name: "SELECT (transport key)", "READ MEMORY", ... */
    uint16_t sw;      /* status word (0 when the R-APDU is missing) */
    int state_before; /* jc_card_state before and after (equal when nothing changed; -1 unknown) */
    int state_after;
    bool irreversible;   /* FUSE, PROTECT, SET STATUS to a one-way state */
    bool changed_memory; /* a successful WRITE MEMORY */
    uint32_t mem_addr;   /* READ/WRITE MEMORY address and length */
    uint32_t mem_len;
    size_t n;
    jh_xline line[JH_XLINES_MAX];
} jh_explanation;

/* Explain one exchange. rapdu may be NULL/0 (command without an answer).
 * Updates ex's view. Returns the number of lines (>= 1); never fails on bad
 * input (a malformed APDU is explained as such). */
int jh_explain_exchange(jh_explainer *ex, const uint8_t *capdu, size_t clen, const uint8_t *rapdu,
                        size_t rlen, jh_explanation *out);

/* The same for a command sent wrapped under SCP02 when the plain command is
 * also known (GPShell's "Command -->" beside "Wrapped command -->", the
 * harness's plain/capdu): the wire bytes drive the state, the plain bytes
 * give the data to decode (level 03 hides it on the wire). plain may be NULL. */
int jh_explain_exchange_plain(jh_explainer *ex, const uint8_t *capdu, size_t clen,
                              const uint8_t *plain, size_t plen, const uint8_t *rapdu, size_t rlen,
                              jh_explanation *out);

typedef enum {
    JH_PWR_ON = 0, /* cold power-up (ATR given) */
    JH_PWR_RESET,  /* warm reset (ATR given) */
    JH_PWR_OFF,
} jh_power_event;

/* Explain a power event: volatile state (selection, BOOT, secure channel)
 * is lost; an ATR, when given, is decoded (T0, interface and historical bytes, TCK). */
int jh_explain_power(jh_explainer *ex, jh_power_event ev, const uint8_t *atr, size_t atr_len,
                     jh_explanation *out);

/* Plain-language name of a jc_card_state value ("unfused, booted", "fused, OP_READY"). */
const char *jh_state_text(int card_state);
/* The explainer's texts, keyed by the names of the card core's commands
 * (jc_cmd.name of jc_cmd_table_at): how many, the i-th name, and whether a
 * core command has one. */
size_t jh_explain_text_count(void);
const char *jh_explain_text_name(size_t i);
bool jh_explain_knows(const char *core_name);
/* Name of a GP card life-cycle byte ("OP_READY", ...; "unknown" otherwise). */
const char *jh_lcs_name(uint8_t lcs);

/* Print every line of x to f, each prefixed by `indent` (may be NULL). */
void jh_explanation_print(FILE *f, const jh_explanation *x, const char *indent);

/* Hex helper shared by the tools: parse hex digits, ignoring spaces, ':' and
 * '-'. Returns the byte count, or -1 on an odd count / bad digit / overflow. */
int jh_hex_parse(const char *s, uint8_t *out, size_t cap);

#endif
