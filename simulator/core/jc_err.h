/*
 * jc_err.h: the core's internal fault codes and sizes, a leaf every module of
 * the core (and the layers above) may include. jc_card.h includes it.
 */
#ifndef JC_ERR_H
#define JC_ERR_H

/* Internal faults of the core and the layers that wrap it: negative codes. */
enum {
    JC_OK = 0,
    JC_ERR_ARG = -1,         /* invalid argument */
    JC_ERR_NOMEM = -2,       /* out of memory */
    JC_ERR_IO = -3,          /* file or socket I/O failed */
    JC_ERR_CORRUPT = -4,     /* image integrity check failed */
    JC_ERR_VERSION = -5,     /* image format version not supported */
    JC_ERR_TRUNCATED = -6,   /* image shorter than its header says */
    JC_ERR_RANDOM = -7,      /* the random source failed */
    JC_ERR_CRYPTO = -8,      /* libcrypto failed */
    JC_ERR_NOT_POWERED = -9, /* APDU sent to a card that is powered off */
    JC_ERR_PROFILE = -10,    /* unknown profile name */
    JC_ERR_BUFFER = -11,     /* caller's buffer too small */
    JC_ERR_FORMAT = -12,     /* malformed input (image fields, hex, ...) */
    JC_ERR_POWER_CUT = -13,  /* power-loss injection fired (test option) */
};
const char *jc_strerror(int err);

/* Sizes. A vpcd frame carries at most 65535 bytes. */
#define JC_CAPDU_MAX 65535u
#define JC_RAPDU_MAX (65536u + 2u)
#define JC_ATR_MAX 33u

#endif
