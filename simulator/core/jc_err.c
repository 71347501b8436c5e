/*
 * jc_err.c: text of the core's fault codes (jc_err.h).
 */
#include "jc_err.h"

const char *jc_strerror(int err)
{
    switch (err) {
    case JC_OK:
        return "success";
    case JC_ERR_ARG:
        return "invalid argument";
    case JC_ERR_NOMEM:
        return "out of memory";
    case JC_ERR_IO:
        return "input/output error";
    case JC_ERR_CORRUPT:
        return "card image is corrupt (integrity check failed)";
    case JC_ERR_VERSION:
        return "card image format version not supported";
    case JC_ERR_TRUNCATED:
        return "card image is truncated";
    case JC_ERR_RANDOM:
        return "random source failed";
    case JC_ERR_CRYPTO:
        return "cryptographic library failed";
    case JC_ERR_NOT_POWERED:
        return "card is not powered";
    case JC_ERR_PROFILE:
        return "unknown card profile";
    case JC_ERR_BUFFER:
        return "buffer too small";
    case JC_ERR_FORMAT:
        return "malformed input";
    case JC_ERR_POWER_CUT:
        return "power cut (injected)";
    default:
        return "unknown error";
    }
}
