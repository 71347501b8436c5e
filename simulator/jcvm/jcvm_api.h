/*
 * jcvm_api.h: the native API packages the linker matches imports against
 * (Java Card 2.2.2 and GlobalPlatform 2.1.1): packages with AID and version,
 * classes and interfaces with their tokens and supers, methods with their
 * tokens. The data (jcvm_api_tokens.c) is generated from the token listing by
 * gen/gen_api_tokens.py; the natives that implement the methods are bound by
 * name in jcvm_natives.c.
 */
#ifndef JCVM_API_H
#define JCVM_API_H

#include <stdint.h>

typedef struct {
    const char *name; /* "javacard.framework" */
    uint8_t major, minor;
    uint8_t aid_len;
    uint8_t aid[16];
} jcvm_api_pkg;

typedef struct {
    int pkg;          /* index in jcvm_api_pkgs */
    const char *name; /* simple name */
    uint8_t token;
    uint8_t is_interface;
    int super;     /* index in jcvm_api_classes, -1 = none (Object, interfaces) */
    int ifaces[6]; /* implemented / super interfaces, -1 = none */
} jcvm_api_class;

typedef struct {
    int cls; /* index in jcvm_api_classes */
    uint8_t is_static;
    uint8_t token;
    const char *sig; /* "arrayCopy([BS[BSS)S" */
} jcvm_api_method;

extern const jcvm_api_pkg jcvm_api_pkgs[];
extern const unsigned jcvm_api_n_pkgs;
extern const jcvm_api_class jcvm_api_classes[];
extern const unsigned jcvm_api_n_classes;
extern const jcvm_api_method jcvm_api_methods[];
extern const unsigned jcvm_api_n_methods;

#endif
