/*
 * jb_crypto.h: jcop-bench's crypto rows (jb_crypto.c): RSA-2048 and ECDSA
 * P-256 signatures and AES-128 blocks per CPU-second, through an applet on
 * the in-process Java Card VM.
 */
#ifndef JB_CRYPTO_H
#define JB_CRYPTO_H

#include <stddef.h>

typedef enum { JB_CRYPTO_RSA2048, JB_CRYPTO_P256, JB_CRYPTO_AES128 } jb_crypto_kind;

/* One round of `ops` operations with the applet at jca: 0 and the rates, or
   -1 and why. */
int jb_crypto_run(const char *jca, jb_crypto_kind kind, long ops, double *cpu_rate,
                  double *wall_rate, char *why, size_t whylen);

#endif
