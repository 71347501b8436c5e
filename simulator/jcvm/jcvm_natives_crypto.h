/*
 * jcvm_natives_crypto.h: the natives of javacard.security and javacardx.crypto
 * (jcvm_natives_crypto.c) and the hooks the rest of the VM calls. The
 * arithmetic is the crypto engine's (crypto/jcc.h); this layer marshals Java
 * arguments, keeps one engine object per Java object (a side table indexed by
 * object handle) and carries that state through the card image and the card
 * events.
 */
#ifndef JCVM_NATIVES_CRYPTO_H
#define JCVM_NATIVES_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "jcvm_int.h"

/* The native for API method index i when it belongs to javacard.security or
   javacardx.crypto and is implemented, else NULL (bind_all's hook). */
jcvm_native_fn jcvm_crypto_native(int method_index);

/* Object h is being freed (object deletion, package/instance delete,
   transaction abort of its allocation): free its engine object. */
void jcvm_crypto_obj_free(jcvm *vm, uint16_t h);
/* Every object is gone (jcvm_wipe): free every engine object, keep the context. */
void jcvm_crypto_wipe(jcvm *vm);
/* jcvm_free: the engine context too. */
void jcvm_crypto_free(jcvm *vm);

/* Transient memory of kind flag (OF_T_RESET / OF_T_DESELECT) is cleared for
   package slot only_pkg (-1 = all): clear the matching transient keys; on a
   reset also put every Cipher/Signature/MessageDigest/Checksum back to its
   state after init. */
void jcvm_crypto_clear_transient(jcvm *vm, uint8_t flag, int only_pkg);

/* The persistent state of the crypto objects as one record body (malloc'd;
 *len 0 and NULL when there is none) and back: -1 = refused. */
int jcvm_crypto_save(jcvm *vm, uint8_t **out, size_t *len);
int jcvm_crypto_restore(jcvm *vm, const uint8_t *p, size_t len);

#endif
