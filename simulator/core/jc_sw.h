/*
 * jc_sw.h: the one status-word table, shared by the card, the harness and the
 * tools. Each entry has a value, a symbol and a plain-language text; ranges
 * (61xx, 6Cxx, 63Cx) are handled before the table lookup.
 */
#ifndef JC_SW_H
#define JC_SW_H

#include <stdint.h>

/* X(value, SYMBOL, "text") */
#define JC_SW_LIST(X)                                                                 \
    X(0x9000, OK, "success")                                                          \
    X(0x6200, WARN_NO_INFO, "warning: state of non-volatile memory unchanged")        \
    X(0x6283, WARN_SELECTED_FILE_INVALIDATED, "warning: card locked, selected file invalidated") \
    X(0x6300, AUTH_FAILED, "authentication of the host cryptogram failed")           \
    X(0x6310, MORE_DATA, "more data available (GET STATUS paging)")                   \
    X(0x6400, NO_DIAGNOSIS, "execution error, no specific diagnosis")                 \
    X(0x6581, MEMORY_FAILURE, "memory failure (the change was not stored)")           \
    X(0x6700, WRONG_LENGTH, "wrong length (Lc or Le)")                                \
    X(0x6881, CHANNEL_NOT_SUPPORTED, "logical channel not supported")                 \
    X(0x6882, SM_NOT_SUPPORTED, "secure messaging not supported")                     \
    X(0x6982, SECURITY_STATUS, "security status not satisfied")                       \
    X(0x6983, AUTH_BLOCKED, "authentication method blocked")                          \
    X(0x6985, CONDITIONS_OF_USE, "conditions of use not satisfied")                   \
    X(0x6986, COMMAND_NOT_ALLOWED, "command not allowed")                             \
    X(0x6A80, WRONG_DATA, "incorrect values in the data field")                       \
    X(0x6A81, FUNC_NOT_SUPPORTED, "function not supported")                           \
    X(0x6A82, FILE_NOT_FOUND, "file or application not found")                       \
    X(0x6A84, NOT_ENOUGH_MEMORY, "not enough memory space")                           \
    X(0x6A86, INCORRECT_P1P2, "incorrect parameters P1-P2")                           \
    X(0x6A88, DATA_NOT_FOUND, "referenced data not found")                            \
    X(0x6B00, WRONG_P1P2, "wrong parameters P1-P2 (address outside the memory window)") \
    X(0x6D00, INS_NOT_SUPPORTED, "instruction not supported")                         \
    X(0x6E00, CLA_NOT_SUPPORTED, "class not supported")                               \
    X(0x6F00, UNKNOWN, "no precise diagnosis")                                        \
    X(0x9484, ALGO_NOT_SUPPORTED, "algorithm not supported")                          \
    X(0x9485, INVALID_KCV, "invalid key check value")

enum {
#define JC_SW_ENUM(v, sym, text) JC_SW_##sym = (v),
    JC_SW_LIST(JC_SW_ENUM)
#undef JC_SW_ENUM
};

/* Symbol without prefix, e.g. "FILE_NOT_FOUND"; ranges give "BYTES_REMAINING",
 * "WRONG_LE", "COUNTER"; unknown values "UNKNOWN_SW". Never NULL. */
const char *jc_sw_name(uint16_t sw);
/* Plain-language text; ranges get a text naming the low byte. Writes into buf
 * only for range entries; returns a static string otherwise. Never NULL. */
const char *jc_sw_text(uint16_t sw, char *buf, unsigned cap);

#endif
