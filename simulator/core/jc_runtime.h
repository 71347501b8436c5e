/*
 * jc_runtime.h: the application runtime a card hosts, injected like the
 * random source and the commit hook. The core defines this interface and
 * never includes the runtime's headers; simulator/jcvm implements it, and
 * whoever creates a card (daemon, harness, tests, bench) creates the runtime
 * and hands its ops to the card with jc_card_set_runtime. Without a runtime
 * the card behaves as it always did: an installed applet is a registry entry
 * and answers 6D00 to every command but SELECT.
 *
 * When the core calls what (the ISD and the OPEN, simulator/core):
 *   load             the last LOAD block: the Load File Data Block (the CAP's
 *                    components concatenated), after the ISD's own checks
 *                    (format, package AID, hash, duplicate, registry room).
 *                    Refused -> the ISD answers *sw and registers nothing.
 *   install          INSTALL [for install] (and [for install and make
 *                    selectable]) after the ISD's checks. Refused -> *sw,
 *                    no registry entry.
 *   select           SELECT of an installed instance on a logical channel,
 *                    after deselect() of the channel's previous instance;
 *                    implicitly (no APDU) at power-up for a Default Selected
 *                    instance and for the instance a new channel starts with.
 *   process          every later command on that channel, the C-APDU as
 *                    received (CLA channel bits, GET RESPONSE C0 and the
 *                    chaining bit 0x10 untouched).
 *   deselect         the channel's instance loses the selection (another
 *                    SELECT on the channel, MANAGE CHANNEL closing it; not at
 *                    power loss or reset).
 *   delete_instance  DELETE of an instance; DELETE of a load file with P2=80
 *                    calls it for each of the load file's instances first.
 *   delete_package   DELETE of a load file.
 *   reset            power-up and warm reset (CLEAR_ON_RESET memory cleared,
 *                    no transaction open, nothing selected).
 *   personalize      (optional) a STORE DATA block after INSTALL [for
 *                    personalization], for the application being
 *                    personalized (GP 2.1.1 §7.3, §6.2.4): the runtime hands
 *                    it to the instance's org.globalplatform.Application.
 *                    processData. Without it the block goes to process().
 *
 * Persistence. The runtime's persistent state (packages, instances, heap) is
 * an opaque blob that the core keeps as the card image's runtime section
 * (jc_image.h). After any APDU in which dirty() is true, and inside the LOAD,
 * INSTALL and DELETE commands before their commit, the core calls save() and
 * commits the image with the new section (env.commit) before the answer
 * leaves the card. When that commit fails, the core calls restore() with the
 * last committed section (NULL, 0 when there is none: the empty runtime) and
 * answers 6581 (a command's own changes are rolled back as well). The same
 * restore() brings a runtime up from an image at jc_card_set_runtime.
 *
 * Status and responses. select and process write a whole R-APDU (data then
 * SW1 SW2) into resp; *resp_len is the capacity on entry and the length on
 * return. A return < 0 is an internal fault of the runtime: the core answers
 * 6F00. Instance and package AIDs are the registry's AIDs.
 */
#ifndef JC_RUNTIME_H
#define JC_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jc_types.h"
#include "jc_state.h"

/* What select() reports besides its R-APDU. */
enum {
    JC_RT_SELECTED = 0, /* the instance is now selected on the channel */
    JC_RT_REFUSED = 1,  /* select() returned false (R-APDU 6999): nothing selected */
    JC_RT_NO_PERSO = 2, /* personalize(): the instance implements no Application interface */
};

typedef struct jc_runtime_ops {
    /* Verify and link a Load File Data Block. 0 = accepted; else *sw = the GP
     * status word (6A80 bad data, 6A84 no memory, 6A88 missing import, ...)
     * and why = one line for the trace. Nothing of a refused package stays. */
    int (*load)(void *rt, const uint8_t *lfdb, size_t len, uint16_t *sw, char *why, size_t whylen);
    /* Run the applet class's install(bArray, bOffset, bLength), bArray being
     * [Li instance AID][Lc privileges][La params] (GP 2.1.1 §9.5.2.3.2, JC
     * 2.2.2 Applet.install); params is the value of the C9 install parameter
     * (empty when absent). 0 = installed; else *sw and why, and no instance,
     * no object of the failed install stays. */
    int (*install)(void *rt, const jc_aid *pkg, const jc_aid *module, const jc_aid *instance,
                   const uint8_t *params, size_t params_len, uint8_t privileges, uint16_t *sw,
                   char *why, size_t whylen);
    /* select() then process() of the SELECT APDU (selectingApplet() true).
     * Returns JC_RT_SELECTED, JC_RT_REFUSED or < 0 (fault: 6F00, nothing
     * selected). apdu NULL and len 0: an implicit selection (power-up with a
     * Default Selected instance, MANAGE CHANNEL opening a channel): select()
     * only, no process(), nothing written (*resp_len 0). */
    int (*select)(void *rt, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                  size_t len, uint8_t *resp, size_t *resp_len);
    /* process() of any other command. Returns 0 or < 0 (fault: 6F00). */
    int (*process)(void *rt, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                   size_t len, uint8_t *resp, size_t *resp_len);
    void (*deselect)(void *rt, const jc_aid *instance, uint8_t channel);
    /* uninstall() and free the instance's objects. An AID the runtime does
     * not know (an entry from before the runtime) is no error: return 0. 0 or
     * < 0 with *sw (e.g. 6985 still referenced). */
    int (*delete_instance)(void *rt, const jc_aid *instance, uint16_t *sw);
    int (*delete_package)(void *rt, const jc_aid *pkg, uint16_t *sw);
    void (*reset)(void *rt);

    /* The persistent state as a malloc'd blob (the caller frees it); clears
     * dirty. 0 or < 0. */
    int (*save)(void *rt, uint8_t **blob, size_t *len);
    /* Replace the whole persistent state by blob (NULL, 0 = empty); clears
     * dirty. 0 or < 0 (a blob it cannot read). */
    int (*restore)(void *rt, const uint8_t *blob, size_t len);
    /* True when the persistent state changed since the last save/restore. */
    bool (*dirty)(void *rt);

    /* Optional (NULL: the block goes to process() as any command). The
     * STORE DATA command as the ISD pre-processed it (secure messaging
     * removed: CLA without bit 04, Lc = the clear length, the clear data)
     * handed to processData(buffer, 0, 5 + Lc) of the instance's
     * implementation of org.globalplatform.Application. Writes the R-APDU
     * (no data; SW 9000, an ISOException's reason, 6F00 for any other
     * exception) as process() does. Returns 0, JC_RT_NO_PERSO (nothing
     * written) or < 0 (fault: 6F00). */
    int (*personalize)(void *rt, const jc_aid *instance, uint8_t channel, const uint8_t *apdu,
                       size_t len, uint8_t *resp, size_t *resp_len);
} jc_runtime_ops;

/* Give the card its runtime (ops NULL: none). When the card's state holds a
 * runtime section, it is handed to ops->restore; returns 0, JC_ERR_ARG (a
 * member of ops is NULL) or JC_ERR_CORRUPT (restore refused
 * the section; the card then has no runtime). The card does not own rt. */
int jc_card_set_runtime(jc_card *card, const jc_runtime_ops *ops, void *rt);

#endif
