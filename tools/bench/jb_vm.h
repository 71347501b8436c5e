/*
 * jb_vm.h: jcop-bench's rows of an applet running on the card core (issue 13):
 * the bench applet (tools/bench/jbench.jca, assembled at build time by
 * `jcop-cap asm`) loaded and installed through the card's own ISD over SCP02,
 * on a fused card. jcop-bench.c prints the rows; this file measures.
 */
#ifndef JB_VM_H
#define JB_VM_H

#include <stddef.h>
#include <stdint.h>

#include "jc_state.h"

/* The applet's AIDs and commands (jbench.jca). */
#define JB_VM_APPLET_AID "F06A636F7073696D4201"
#define JB_VM_SELECT "00A404000AF06A636F7073696D4201"
#define JB_VM_ECHO_LEN 16 /* INS 10 echoes this many bytes */
#define JB_VM_TXN_LEN 8   /* INS 20 copies this many bytes inside its transaction */

/* A fused card (OP_READY, key set 40..4F) with the CAP file cap_path loaded
 * and the bench applet installed and made selectable, through the card's ISD
 * (SELECT ISD, SCP02 at level 01, INSTALL [for load], LOAD blocks, INSTALL
 * [for install and make selectable]) on an in-process card. *out gets the
 * card's state with its runtime section (free with jc_pstate_release).
 * 0, or <0 with the step that failed in why. */
int jb_vm_prepare(const char *cap_path, jc_pstate *out, char *why, size_t whylen);

/* jb_vm_prepare written as a new image file (must not exist), for a daemon. */
int jb_vm_mkimage(const char *cap_path, const char *image, char *why, size_t whylen);

/* INS 10 with 16 bytes through jc_card_process on a card made from *st
 * (memory-only store), applet selected: n APDUs; rates per wall second and
 * per CPU-second of this thread; *commits = commits the store saw (none
 * expected: echo changes nothing persistent). 0 or <0 with why. */
int jb_vm_echo_core(const jc_pstate *st, long n, double *wall_rate, double *cpu_rate,
                    unsigned long *commits, char *why, size_t whylen);

/* INS 20 (a transaction on persistent state) on a file image in dir made
 * from *st, one durable commit per APDU, n APDUs alternating every `chunk`
 * with the bare disk doing the same-sized write + fsync + rename + fsync of
 * the folder (round picks who starts). *image_len = the image file's size;
 * *card_user_per / *card_sys_per = the thread's user-space CPU time (the VM,
 * the image encode and its SHA-256: the card's own cost) and kernel CPU time
 * (the write, fsync and rename work) per APDU, from getrusage(RUSAGE_THREAD)
 * (tick-sampled: meaningful over hundreds of APDUs). 0 or <0. */
/* The bare disk: `n` commits of a len-byte file (buf, changed a little each time) the way the
 * file store does them: temporary file, write, fsync, rename over the image, fsync of the
 * folder; the files are named after tag and removed. Returns the seconds taken, or <0 on an
 * I/O error. */
double jb_disk_commits(const char *dir, const char *tag, size_t len, long n, uint8_t *buf);

int jb_vm_txn_bench(const jc_pstate *st, const char *dir, long n, long chunk, int round,
                    double *rate, double *raw_rate, size_t *image_len, double *card_user_per,
                    double *card_sys_per, char *why, size_t whylen);

#endif
