/*
 * jc_profile.c: the card models, as const data (see jc_profile.h).
 *
 * J2A040 (JCOP 2.4.1) is the default; J2E145 (JCOP 2.4.2 R3) the second.
 * Values and labels come from the public sources of SOURCES.md (notes cited by section, resolved
 * there); every "assumed" value is a model decision listed in simulator/FIDELITY.md.
 */
#include "jc_profile.h"

#include <string.h>

const char *jc_label_name(jc_label label)
{
    switch (label) {
    case JC_LABEL_CONFIRMED:
        return "confirmed";
    case JC_LABEL_INFERRED:
        return "inferred";
    case JC_LABEL_ASSUMED:
        return "assumed";
    }
    return "assumed";
}

#define SWR(v, lab, src)                                                                           \
    {                                                                                              \
        .sw = (v), .label = JC_LABEL_##lab, .source = (src)                                        \
    }

/* The status-word decisions shared by both JCOP 2.4.x profiles (DESIGN.md §4). */
#define JC_SW_POLICY_JCOP24                                                                        \
    {                                                                                              \
        .unknown_ins = SWR(0x6D00, ASSUMED, "DESIGN.md §4 (ISO 7816-4 meaning)"),                  \
        .wrong_cla = SWR(0x6E00, ASSUMED, "DESIGN.md §4 (ISO 7816-4 meaning)"),                    \
        .wrong_state = SWR(0x6985, ASSUMED, "DESIGN.md §4"),                                       \
        .security = SWR(0x6982, ASSUMED, "DESIGN.md §4"),                                          \
        .wrong_length = SWR(0x6700, ASSUMED, "ISO 7816-4; DESIGN.md §4"),                          \
        .memory_failure = SWR(0x6581, ASSUMED, "jc_card.h: commit failed, rolled back"),           \
        .nothing_selected = SWR(0x6A82, CONFIRMED, "jcop-facts §1 (S8, S9)"),                      \
        .identify = SWR(0x6A82, CONFIRMED, "jcop-facts §1 (S9, S10)"),                             \
        .select_failed = SWR(0x6A82, CONFIRMED, "jcop-facts §1 (S3: wrong KT)"),                   \
        .select_ok = SWR(0x9000, INFERRED, "jcop-facts §1 (scripts go on)"),                       \
        .out_of_window = SWR(0x6B00, ASSUMED, "DESIGN.md §4 (window bounds from S1)"),             \
        .write_protected = SWR(0x6982, ASSUMED, "DESIGN.md §4"),                                   \
        .protect_again = SWR(0x9000, ASSUMED, "DESIGN.md §4"),                                     \
        .done = SWR(0x9000, INFERRED, "jcop-facts §1 (scripts go on past each step)"),             \
        .fused_cla_c0 = SWR(0x6E00, ASSUMED, "DESIGN.md §4"),                                      \
        .fused_prefuse_ins = SWR(0x6D00, ASSUMED, "DESIGN.md §4"),                                 \
        .channel_sm = SWR(0x6882, INFERRED, "GP 2.1.1 §9.7; gp211-reference §3.13"),               \
        .channel_locked = SWR(0x6A81, INFERRED, "GP 2.1.1 §9.7; gp211-reference §3.13"),           \
        .channel_closed = SWR(0x6200, INFERRED, "GP 2.1.1 §9.7; gp211-reference §3.13"),           \
    }

#define FIELD(n, a, l, lab, d)                                                                     \
    {                                                                                              \
        .name = (n), .addr = (a), .len = (l), .label = JC_LABEL_##lab, .desc = (d)                 \
    }

/* Named fields of the JCOP 2.4.x memory map (jcop-facts §2). hist_len is the
 * historical-bytes field size (length byte included). */
#define JC_FIELDS_JCOP24(hist_len)                                                                 \
    FIELD("CONFIG_C00122", 0xC00122, 1, ASSUMED,                                                   \
          "unknown; both vendor scripts write FE (S5, S6)"),                                       \
        FIELD("ATR_COLD_C00124", 0xC00124, 1, ASSUMED,                                             \
              "unknown cold-start byte; scripts write 0B (S5) or 0F (S6)"),                        \
        FIELD("ATR_COLD_T0_IFACE", 0xC00126, 9, INFERRED,                                          \
              "cold ATR: length, then T0 and interface bytes (S5)"),                               \
        FIELD("ATR_COLD_HIST", 0xC00136, (hist_len), INFERRED,                                     \
              "cold ATR: length, then historical bytes (S5)"),                                     \
        FIELD("ATR_WARM_C00147", 0xC00147, 1, ASSUMED, "warm twin of 0xC00124 (+0x23)"),           \
        FIELD("ATR_WARM_T0_IFACE", 0xC00149, 9, INFERRED,                                          \
              "warm ATR: length, T0, interface bytes (+0x23 twin)"),                               \
        FIELD("ATR_WARM_HIST", 0xC00159, (hist_len), INFERRED,                                     \
              "warm ATR: length, historical bytes (+0x23 twin)"),                                  \
        FIELD("UNKNOWN_C0029A", 0xC0029A, 2, ASSUMED, "unknown; S5 writes F8 07"),                 \
        FIELD("CM_LIFECYCLE", 0xC00301, 1, ASSUMED,                                                \
              "card life cycle at FUSE (01 OP_READY, 07, 0F); address assumed"),                   \
        FIELD("CM_KEY1", 0xC00305, 16, CONFIRMED,                                                  \
              "CM key record 1 (ENC at FUSE: mapping assumed)"),                                   \
        FIELD("KEY_C0031D", 0xC0031D, 1, ASSUMED, "unknown; S5 writes 01 before key 2"),           \
        FIELD("CM_KEY2", 0xC00321, 16, CONFIRMED,                                                  \
              "CM key record 2 (MAC at FUSE: mapping assumed)"),                                   \
        FIELD("KEY_C00339", 0xC00339, 1, ASSUMED, "unknown; S5 writes 01 before key 3"),           \
        FIELD("CM_KEY3", 0xC0033D, 16, CONFIRMED,                                                  \
              "CM key record 3 (DEK at FUSE: mapping assumed)"),                                   \
        FIELD("GPIN_LEN", 0xC00407, 1, CONFIRMED, "GPIN length (default 5, max 16) (S2)"),         \
        FIELD("GPIN", 0xC00412, 16, CONFIRMED, "GPIN (first GPIN_LEN bytes used) (S2)")

/* clang-format off */
#define JC_LCS_MAP_JCOP24 {{.cm_value = 0x01, .card_lcs = JC_LCS_OP_READY}, \
                           {.cm_value = 0x07, .card_lcs = JC_LCS_INITIALIZED}, \
                           {.cm_value = 0x0F, .card_lcs = JC_LCS_SECURED}}
/* clang-format on */

#define DEC(w, v, lab, src)                                                                        \
    {                                                                                              \
        .what = (w), .value = (v), .label = JC_LABEL_##lab, .source = (src)                        \
    }
#define JC_DECISIONS_JCOP24                                                                        \
    DEC("memory window", "[0xC000F0, 0xC09600)", CONFIRMED, "jcop-facts §2 (S1)"),                 \
        DEC("new card memory", "zero except the ATR configuration and GPIN length 05", ASSUMED,    \
            "DESIGN.md §4"),                                                                       \
        DEC("new card CM_KEY and GPIN", "random", CONFIRMED, "jcop-facts §1 (S7, S10)"),           \
        DEC("SELECT other than KT", "deselects the root applet and clears BOOT", ASSUMED,          \
            "DESIGN.md §4"),                                                                       \
        DEC("SELECT KT again", "clears BOOT", ASSUMED, "DESIGN.md §4"),                            \
        DEC("IDENTIFY", "answers before and after FUSE, deselects the root applet", ASSUMED,       \
            "DESIGN.md §4"),                                                                       \
        DEC("FUSE Le", "00000000 with or without Le; an all-zero buffer fuses", ASSUMED,           \
            "DESIGN.md §4"),                                                                       \
        DEC("FUSE without PROTECT", "allowed, trace warning", ASSUMED, "DESIGN.md §4 (tutorial)"), \
        DEC("PROTECT", "blocks WRITE (6982), READ still works", ASSUMED, "DESIGN.md §4"),          \
        DEC("CM_KEY records at FUSE", "record 1 ENC, 2 MAC, 3 DEK of key set FF", ASSUMED,         \
            "DESIGN.md §4"),                                                                       \
        DEC("CM_LIFECYCLE other values", "OP_READY and a trace warning", ASSUMED, "DESIGN.md §4"), \
        DEC("ATR",                                                                                 \
            "TS 3B, T0 = stored high nibble | historical count, interface bytes as stored, TCK "   \
            "always",                                                                              \
            ASSUMED, "DESIGN.md §4"),                                                              \
        DEC("warm reset ATR", "warm block at cold + 0x23", INFERRED, "jcop-facts §2 (S1)"),        \
        DEC("malformed ATR configuration", "served anyway (lengths clamped), trace warning",       \
            ASSUMED, "DESIGN.md §4"),                                                              \
        DEC("after FUSE in the same session", "the ISD is selected", ASSUMED, "model decision"),   \
        DEC("KDD", "0000 || CPLC ICFabricationDate || ICSerialNumber || ICBatchIdentifier",        \
            INFERRED, "S8 (SOURCES.md)"),                                                          \
        DEC("extended length APDUs",                                                               \
            "delivered to applets implementing javacardx.apdu.ExtendedLength (Lc and Le up to "    \
            "32767), with a 2048-byte APDU buffer; other applets 6700",                            \
            ASSUMED, "JC 2.2.2 makes it optional (JCRE §9.4.4); no public JCOP 2.4.x source")

/* The GlobalPlatform decisions (jc_gp_policy). Sources: GP 2.1.1 (Card
 * Specification, Mar 2003) tables, jcop-facts.md §8 (public traces of real
 * JCOP 2.4.x cards), gp211-reference.md. */
#define GP_RULE(v, lab, src)                                                                       \
    {                                                                                              \
        .sw = (v), .label = JC_LABEL_##lab, .source = (src)                                        \
    }
#define JC_GP_POLICY_COMMON                                                                        \
    .no_session_order =                                                                            \
        GP_RULE(0x6985, ASSUMED, "GP 2.1.1 §E.5.2.1 gives no SW; gp211-reference §3.5"),           \
    .auth_failed = GP_RULE(0x6300, INFERRED, "GP 2.1.1 Table E-11 (real cards also send 6982)"),   \
    .mac_failed = GP_RULE(0x6982, INFERRED, "GP 2.1.1 Table 9-8, GP 2.2.1 §E.1.6 security error"), \
    .unknown_kvn = GP_RULE(0x6A88, INFERRED, "GP 2.1.1 Table E-8, Table 9-51"),                    \
    .not_found =                                                                                   \
        GP_RULE(0x6A88, CONFIRMED, "jcop-facts §8: empty GET STATUS scope, DELETE absent AID"),    \
    .bad_transition =                                                                              \
        GP_RULE(0x6985, ASSUMED, "GP 2.1.1 Table 9-60 lists none; JCardEngine uses 6985"),         \
    .bad_kcv = GP_RULE(0x9485, INFERRED, "GP 2.1.1 Table 9-51 (GP 2.3.1 uses 6982)"),              \
    .duplicate_aid = GP_RULE(0x6985, ASSUMED, "GP 2.1.1 §6.4.1 gives no SW"),                      \
    .load_sequence = GP_RULE(0x6A86, ASSUMED, "GP 2.1.1 §9.6 gives no SW"),                        \
    .referenced = GP_RULE(0x6985, ASSUMED, "GP 2.1.1 §6.4.2 gives no SW"),                         \
    .channel = GP_RULE(0x6881, INFERRED, "GP 2.1.1 Table 9-8, §9.7; gp211-reference §1.4, §3.13"), \
    .locked_select = GP_RULE(0x6283, CONFIRMED, "GlobalPlatformPro accepts 6283 as locked (S8)"),  \
    .locked_select_app = GP_RULE(0x6A81, INFERRED, "GP 2.1.1 Table 9-57"),                         \
    .content_ok = GP_RULE(0x9000, CONFIRMED, "jcop-facts §8: LOAD/INSTALL/DELETE answer 00 9000"), \
    .key_last = GP_RULE(0x6985, ASSUMED, "GP 2.1.1 §9.2 gives no rule: no key set, no management"), \
    .key_in_use = GP_RULE(0x6985, ASSUMED, "GP 2.1.1 §9.2 gives no rule: the session's keys stay"), \
    .key_single = GP_RULE(0x6985, ASSUMED, "GP 2.1.1 Table 9-14; the model keeps SCP02 sets whole"), \
    .store_sequence = GP_RULE(0x6A86, ASSUMED, "GP 2.1.1 §9.11.2.2 gives no SW; as LOAD"),        \
    .perso_forward =                                                                               \
        GP_RULE(0x6D00, ASSUMED, "applet code not executed: it answers 6D00 (§9.11.1)"),           \
    .factory_set_replaced = true, .counter_max = 0xFFFF, .response_max = 256

static const jc_profile profiles[] = {
    {
        .name = "J2A040",
        .description = "NXP JCOP 2.4.1 J2A040 (default)",
        .jcop_version = "2.4.1",
        .mem_init =
            {
                {.addr = 0xC00126,
                 .len = 9,
                 .v = {0x08, 0xF0, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45}},
                {.addr = 0xC00136, .len = 9, .v = {0x08, 'J', 'C', 'O', 'P', 'v', '2', '4', '1'}},
                {.addr = 0xC00149,
                 .len = 9,
                 .v = {0x08, 0xF0, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45}},
                {.addr = 0xC00159, .len = 9, .v = {0x08, 'J', 'C', 'O', 'P', 'v', '2', '4', '1'}},
                {.addr = 0xC00407, .len = 1, .v = {0x05}},
            },
        .n_mem_init = 5,
        .fields = {JC_FIELDS_JCOP24(9)},
        .n_fields = 16,
        .cm_key_addr = {0xC00305, 0xC00321, 0xC0033D},
        .cm_key_mapping_label = JC_LABEL_ASSUMED,
        .cm_lifecycle_addr = 0xC00301,
        .cm_lifecycle_new = 0x00,
        .gpin_len_addr = 0xC00407,
        .gpin_addr = 0xC00412,
        .gpin_len_default = 5,
        .gpin_max = 16,
        .atr_iface_addr = 0xC00126,
        .atr_iface_field_len = 9,
        .atr_hist_addr = 0xC00136,
        .atr_hist_field_len = 9,
        .atr_warm_offset = 0x23,
        .atr_ts = 0x3B,
        .atr_label = JC_LABEL_CONFIRMED,
        .identify_aid = {0xA0, 0x00, 0x00, 0x01, 0x67, 0x41, 0x30, 0x00, 0xFF},
        .identify_aid_len = 9,
        /* No J2A040 IDENTIFY is published: the bytes of a CJ3A080 v2.4.1 (jcop-facts §8). */
        .identify = {0x02, 0x21, 0x00, 0x33, 0x00, 0x00, 0x00, 0x00, 0x4E, 0x58, 0x30, 0x31, 0x31,
                     0x43, 0x00, 0x03, 0xED, 0x10, 0x3C},
        .identify_len = 19,
        .identify_fuse_offset = 14,
        .identify_label = JC_LABEL_ASSUMED,
        .identify_deselects = true,
        .isd_aid = {.len = 8, .b = {0xA0, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00}},
        .isd_priv = 0x9E,
        .fci = {0x6F, 0x65, 0x84, 0x08, 0xA0, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0xA5,
                0x59, 0x9F, 0x65, 0x01, 0xFF, 0x9F, 0x6E, 0x06, 0x47, 0x91, 0x00, 0x78, 0x33,
                0x00, 0x73, 0x4A, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x01, 0x60,
                0x0C, 0x06, 0x0A, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x02, 0x02, 0x01, 0x01,
                0x63, 0x09, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x03, 0x64, 0x0B,
                0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x04, 0x02, 0x15, 0x65, 0x0B,
                0x06, 0x09, 0x2B, 0x85, 0x10, 0x86, 0x48, 0x64, 0x02, 0x01, 0x03, 0x66, 0x0C,
                0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x2A, 0x02, 0x6E, 0x01, 0x02},
        .fci_len = 103,
        .fci_label = JC_LABEL_CONFIRMED,
        /* Built: J2A080 fields with the FCI's 9F6E (OSID 4791, date 0078, level 3300);
         * pre-perso date 1085 (YDDD) where the J2A080 has 2831, no day of a year. */
        .cplc = {0x47, 0x90, 0x50, 0x38, 0x47, 0x91, 0x00, 0x78, 0x33, 0x00, 0x10,
                 0x70, 0x01, 0x08, 0x08, 0x95, 0x52, 0x58, 0x48, 0x12, 0x10, 0x77,
                 0x00, 0x00, 0x00, 0x00, 0x19, 0x08, 0x10, 0x85, 0x30, 0x38, 0x30,
                 0x38, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
        .cplc_label = JC_LABEL_ASSUMED,
        .iin = {0x47, 0x90},
        .iin_len = 2,
        .cin = {0x01, 0x08, 0x08, 0x95, 0x52, 0x58},
        .cin_len = 6,
        .card_caps_len = 0,
        .card_data = {0x73, 0x4A, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x01, 0x60, 0x0C,
                      0x06, 0x0A, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x02, 0x02, 0x01, 0x01, 0x63,
                      0x09, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x03, 0x64, 0x0B, 0x06,
                      0x09, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x04, 0x02, 0x15, 0x65, 0x0B, 0x06,
                      0x09, 0x2B, 0x85, 0x10, 0x86, 0x48, 0x64, 0x02, 0x01, 0x03, 0x66, 0x0C, 0x06,
                      0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x2A, 0x02, 0x6E, 0x01, 0x02},
        .card_data_len = 76,
        .kdd_rule = JC_KDD_CPLC,
        .default_kvn = 0xFF,
        .scp02_i = 0x15,
        .get_status_tlv = true,
        .apdu_buffer_ext = 2048,
        .lcs_map = JC_LCS_MAP_JCOP24,
        .n_lcs_map = 3,
        .lcs_fallback = JC_LCS_OP_READY,
        .preinstalled =
            {
                {.kind = JC_REG_ELF,
                 .lcs = JC_ELF_LCS_LOADED,
                 .aid = {.len = 7, .b = {0xA0, 0x00, 0x00, 0x00, 0x03, 0x53, 0x50}},
                 .n_modules = 1,
                 .modules = {{.len = 8, .b = {0xA0, 0x00, 0x00, 0x00, 0x03, 0x53, 0x50, 0x41}}},
                 .ver_major = 1,
                 .ver_minor = 0},
            },
        .n_preinstalled = 1,
        .isd_selected_after_fuse = true,
        .sw = JC_SW_POLICY_JCOP24,
        .gp = {JC_GP_POLICY_COMMON,
               .make_selectable = GP_RULE(
                   0x6A86, CONFIRMED,
                   "jcop-facts §8: J2A 2.4.1 answers 6A86 to INSTALL [for make selectable]")},
        .decisions = {JC_DECISIONS_JCOP24,
                      DEC("IDENTIFY bytes", "those of a CJ3A080 v2.4.1 (NX011C)", ASSUMED,
                          "jcop-facts §8"),
                      DEC("CPLC",
                          "J2A080 values with OSID 4791, date 0078, level 3300, "
                          "pre-perso date 1085 (valid YDDD; the card's 2831 is none)",
                          ASSUMED, "S8 (SOURCES.md): GPPro CPLC.java warns on invalid dates"),
                      DEC("IIN / CIN", "4790 / CPLC serial and batch", ASSUMED, "model decision")},
        .n_decisions = 20,
    },
    {
        .name = "J2E145",
        .description = "NXP JCOP 2.4.2 R3 J2E145",
        .jcop_version = "2.4.2 R3",
        .mem_init =
            {
                {.addr = 0xC00126,
                 .len = 9,
                 .v = {0x08, 0xF0, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45}},
                {.addr = 0xC00136,
                 .len = 10,
                 .v = {0x09, 'J', 'C', 'O', 'P', '2', '4', '2', 'R', '3'}},
                {.addr = 0xC00149,
                 .len = 9,
                 .v = {0x08, 0xF0, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45}},
                {.addr = 0xC00159,
                 .len = 10,
                 .v = {0x09, 'J', 'C', 'O', 'P', '2', '4', '2', 'R', '3'}},
                {.addr = 0xC00407, .len = 1, .v = {0x05}},
            },
        .n_mem_init = 5,
        .fields = {JC_FIELDS_JCOP24(10)},
        .n_fields = 16,
        .cm_key_addr = {0xC00305, 0xC00321, 0xC0033D},
        .cm_key_mapping_label = JC_LABEL_ASSUMED,
        .cm_lifecycle_addr = 0xC00301,
        .cm_lifecycle_new = 0x00,
        .gpin_len_addr = 0xC00407,
        .gpin_addr = 0xC00412,
        .gpin_len_default = 5,
        .gpin_max = 16,
        .atr_iface_addr = 0xC00126,
        .atr_iface_field_len = 9,
        .atr_hist_addr = 0xC00136,
        .atr_hist_field_len = 10,
        .atr_warm_offset = 0x23,
        .atr_ts = 0x3B,
        .atr_label = JC_LABEL_CONFIRMED,
        .identify_aid = {0xA0, 0x00, 0x00, 0x01, 0x67, 0x41, 0x30, 0x00, 0xFF},
        .identify_aid_len = 9,
        /* Real unfused J2E145 (jcop-facts §1, S9); the 20th byte is unknown. */
        .identify = {0x02, 0xB1, 0x01, 0x40, 0x00, 0x00, 0x00, 0x00, 0x4E, 0x58,
                     0x32, 0x35, 0x30, 0x42, 0x00, 0x03, 0xF4, 0x47, 0x70, 0x00},
        .identify_len = 20,
        .identify_fuse_offset = 14,
        .identify_label = JC_LABEL_CONFIRMED,
        .identify_deselects = true,
        .isd_aid = {.len = 8, .b = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00}},
        .isd_priv = 0x9E,
        /* The JCOP 2.4.2 R2 FCI (jcop-facts §8); R3's is not published. */
        .fci = {0x6F, 0x64, 0x84, 0x08, 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00, 0xA5,
                0x58, 0x9F, 0x65, 0x01, 0xFF, 0x9F, 0x6E, 0x06, 0x47, 0x91, 0x20, 0x81, 0x3B,
                0x00, 0x73, 0x49, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x01, 0x60,
                0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x02, 0x02, 0x02, 0x63,
                0x09, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x03, 0x64, 0x0B, 0x06,
                0x09, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x04, 0x02, 0x55, 0x65, 0x0B, 0x06,
                0x09, 0x2B, 0x85, 0x10, 0x86, 0x48, 0x64, 0x02, 0x01, 0x03, 0x66, 0x0C, 0x06,
                0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x2A, 0x02, 0x6E, 0x01, 0x02},
        .fci_len = 102,
        .fci_label = JC_LABEL_INFERRED,
        /* J2E145G CPLC with the FCI's 9F6E (OSID 4791, date 2081, level 3B00);
         * pre-perso date 3040 (YDDD) where the J2E145G has 3930, no day of a year. */
        .cplc = {0x47, 0x90, 0x50, 0x74, 0x47, 0x91, 0x20, 0x81, 0x3B, 0x00, 0x30,
                 0x25, 0x00, 0x25, 0x02, 0x96, 0x55, 0x31, 0x48, 0x12, 0x30, 0x32,
                 0x00, 0x00, 0x00, 0x00, 0x17, 0x25, 0x30, 0x40, 0x32, 0x35, 0x30,
                 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
        .cplc_label = JC_LABEL_ASSUMED,
        .iin = {0x47, 0x90},
        .iin_len = 2,
        .cin = {0x00, 0x25, 0x02, 0x96, 0x55, 0x31},
        .cin_len = 6,
        .card_caps_len = 0,
        .card_data = {0x73, 0x49, 0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x01, 0x60, 0x0B,
                      0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x02, 0x02, 0x02, 0x63, 0x09,
                      0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x03, 0x64, 0x0B, 0x06, 0x09,
                      0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x04, 0x02, 0x55, 0x65, 0x0B, 0x06, 0x09,
                      0x2B, 0x85, 0x10, 0x86, 0x48, 0x64, 0x02, 0x01, 0x03, 0x66, 0x0C, 0x06, 0x0A,
                      0x2B, 0x06, 0x01, 0x04, 0x01, 0x2A, 0x02, 0x6E, 0x01, 0x02},
        .card_data_len = 75,
        .kdd_rule = JC_KDD_CPLC,
        .default_kvn = 0xFF,
        .scp02_i = 0x55,
        .get_status_tlv = true,
        .apdu_buffer_ext = 2048,
        .lcs_map = JC_LCS_MAP_JCOP24,
        .n_lcs_map = 3,
        .lcs_fallback = JC_LCS_OP_READY,
        .preinstalled =
            {
                {.kind = JC_REG_ELF,
                 .lcs = JC_ELF_LCS_LOADED,
                 .aid = {.len = 7, .b = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50}},
                 .n_modules = 1,
                 .modules = {{.len = 8, .b = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50, 0x41}}},
                 .ver_major = 1,
                 .ver_minor = 0},
            },
        .n_preinstalled = 1,
        .isd_selected_after_fuse = true,
        .sw = JC_SW_POLICY_JCOP24,
        .gp = {JC_GP_POLICY_COMMON,
               .make_selectable =
                   GP_RULE(0x9000, ASSUMED, "GP 2.1.1 §9.5.2.3.3; no JCOP 2.4.2 trace")},
        .decisions = {JC_DECISIONS_JCOP24,
                      DEC("FCI", "the JCOP 2.4.2 R2 FCI", INFERRED, "jcop-facts §8"),
                      DEC("CPLC",
                          "J2E145G values with OSID 4791, date 2081, level 3B00, "
                          "pre-perso date 3040 (valid YDDD; the card's 3930 is none)",
                          ASSUMED, "S8 (SOURCES.md): GPPro CPLC.java warns on invalid dates"),
                      DEC("pre-installed load file", "the JCOP 2.4.2 R2 one (A0000001515350)",
                          INFERRED, "jcop-facts §8")},
        .n_decisions = 20,
    },
};

size_t jc_profile_count(void)
{
    return sizeof(profiles) / sizeof(profiles[0]);
}

const jc_profile *jc_profile_at(size_t i)
{
    return i < jc_profile_count() ? &profiles[i] : NULL;
}

const jc_profile *jc_profile_default(void)
{
    return &profiles[0];
}

const jc_profile *jc_profile_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < jc_profile_count(); i++)
        if (strcmp(profiles[i].name, name) == 0)
            return &profiles[i];
    return NULL;
}

static char jc_ascii_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

const jc_profile *jc_profile_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < jc_profile_count(); i++) {
        const char *a = profiles[i].name, *b = name;
        while (*a && jc_ascii_upper(*a) == jc_ascii_upper(*b)) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0')
            return &profiles[i];
    }
    return NULL;
}

const char *jc_profile_names(char *buf, size_t cap)
{
    size_t used = 0;
    if (cap == 0)
        return buf;
    for (size_t i = 0; i < jc_profile_count(); i++) {
        size_t sep = i ? 2 : 0, n = strlen(profiles[i].name);
        if (used + sep + n + 1 > cap)
            break;
        memcpy(buf + used, ", ", sep);
        memcpy(buf + used + sep, profiles[i].name, n);
        used += sep + n;
    }
    buf[used] = '\0';
    return buf;
}

const jc_field *jc_profile_field(const jc_profile *p, const char *name)
{
    if (!p || !name)
        return NULL;
    for (size_t i = 0; i < p->n_fields; i++)
        if (strcmp(p->fields[i].name, name) == 0)
            return &p->fields[i];
    return NULL;
}

void jc_profile_kdd(const jc_profile *p, uint8_t kdd[JC_KDD_LEN])
{
    if (p->kdd_rule == JC_KDD_FIXED) {
        memcpy(kdd, p->kdd_fixed, JC_KDD_LEN);
        return;
    }
    /* CPLC offsets: ICFabricationDate 10, ICSerialNumber 12, ICBatchIdentifier 16. */
    kdd[0] = 0x00;
    kdd[1] = 0x00;
    memcpy(kdd + 2, p->cplc + 10, 2);
    memcpy(kdd + 4, p->cplc + 12, 4);
    memcpy(kdd + 8, p->cplc + 16, 2);
}

uint8_t jc_profile_card_lcs(const jc_profile *p, uint8_t cm_lifecycle, bool *mapped)
{
    for (size_t i = 0; i < p->n_lcs_map; i++) {
        if (p->lcs_map[i].cm_value == cm_lifecycle) {
            if (mapped)
                *mapped = true;
            return p->lcs_map[i].card_lcs;
        }
    }
    if (mapped)
        *mapped = false;
    return p->lcs_fallback;
}
