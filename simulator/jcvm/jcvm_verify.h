/*
 * jcvm_verify.h: the card's bytecode verifier, run over a parsed CAP
 * (jcvm_cap.h) before anything of it executes.
 *
 * Per method: the bytecode decodes exactly to its end; every operand is valid
 * (local indexes below nargs + max_locals, constant-pool indexes in range and
 * of the kind the opcode needs, array types, dup_x/swap_x forms, int
 * bytecodes only in a CAP that declares int); branch, switch and handler
 * targets fall on instruction boundaries inside the method; and a data-flow
 * pass over every path (branches, switches, exception handlers) keeps the
 * operand stack between 0 and max_stack with consistent heights where paths
 * meet, and types each slot (reference, short, the two halves of an int,
 * unusable after a conflicting merge): no instruction consumes a value of the
 * wrong kind or splits an int, no local is read before it is written, returns
 * match the method's return type. Across the package: virtual method tables,
 * applet install() offsets and internal static method references point at
 * methods with code; internal static field references lie inside the image.
 *
 * Signatures: invocations need the argument words and return type of the
 * method a constant-pool entry names. They come from the caller's resolver
 * (env->cp_sig, env->iface_sig: for the card, the linker's tables of the API
 * and loaded packages) and otherwise from the CAP's Descriptor component when
 * present (internal interfaces: the interface's method with that token).
 * An invocation whose signature neither gives is refused.
 *
 * Pure: no I/O, no allocation beyond the method being checked.
 */
#ifndef JCVM_VERIFY_H
#define JCVM_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "jcvm_cap.h"

typedef struct {
    /* The signature of the method a constant-pool entry refers to, as a JVM
     * descriptor "(args)ret" with class types written "L...;" (their names do
     * not matter), or NULL when unknown to the resolver. May be NULL. */
    const char *(*cp_sig)(void *ctx, const jcvm_cap *cap, uint16_t cp_index);
    /* The same for invokeinterface: the method with `token` of the interface
     * the class reference at cp_index names. May be NULL. */
    const char *(*iface_sig)(void *ctx, const jcvm_cap *cap, uint16_t cp_index, uint8_t token);
    void *ctx;
} jcvm_verify_env;

/* Verify every method and the package's cross-references. Returns 0 when the
 * package is acceptable; -1 with one line in why, naming the method (its
 * offset in the Method component) and the pc, e.g.
 * "method @0x0028 pc 17 (getfield_s): constant pool entry 3 is a static method, not an
 * instance field". env may be NULL. */
int jcvm_verify_package_env(const jcvm_cap *cap, const jcvm_verify_env *env, char *why,
                            size_t whylen);

/* The same, with the packages already on the card: calls into a package this
 * one imports (matched by AID) are typed from that package's own Export,
 * Class and Method components (and its Descriptor when it kept one). */
int jcvm_verify_package_with(const jcvm_cap *cap, const jcvm_cap *const *loaded, size_t nloaded,
                             const jcvm_verify_env *env, char *why, size_t whylen);

/* The same with no resolver and no other package. */
int jcvm_verify_package(const jcvm_cap *cap, char *why, size_t whylen);

#endif
