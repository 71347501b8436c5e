/*
 * jc_types.c: names of the card states and GP card life-cycle bytes
 * (jc_types.h); values only, no card.
 */
#include "jc_types.h"

#include "jc_state.h"

const char *jc_card_state_name(int state)
{
    switch (state) {
    case JC_CS_OFF:
        return "OFF";
    case JC_CS_UNFUSED_IDLE:
        return "UNFUSED_IDLE";
    case JC_CS_ROOT_SELECTED:
        return "ROOT_SELECTED";
    case JC_CS_BOOTED:
        return "BOOTED";
    case JC_CS_BOOTED_PROTECTED:
        return "BOOTED_PROTECTED";
    case JC_CS_OP_READY:
        return "OP_READY";
    case JC_CS_INITIALIZED:
        return "INITIALIZED";
    case JC_CS_SECURED:
        return "SECURED";
    case JC_CS_CARD_LOCKED:
        return "CARD_LOCKED";
    case JC_CS_TERMINATED:
        return "TERMINATED";
    default:
        return "UNKNOWN";
    }
}

jc_card_state jc_lcs_state(uint8_t lcs)
{
    switch (lcs) {
    case JC_LCS_OP_READY:
        return JC_CS_OP_READY;
    case JC_LCS_INITIALIZED:
        return JC_CS_INITIALIZED;
    case JC_LCS_SECURED:
        return JC_CS_SECURED;
    case JC_LCS_CARD_LOCKED:
        return JC_CS_CARD_LOCKED;
    case JC_LCS_TERMINATED:
        return JC_CS_TERMINATED;
    default:
        return JC_CS_OFF;
    }
}

const char *jc_lcs_name(uint8_t lcs)
{
    jc_card_state s = jc_lcs_state(lcs);
    return s == JC_CS_OFF ? "unknown" : jc_card_state_name(s);
}
