/*
 * jc_instance.h: applet instances as an application of the card, run by the
 * application runtime (jc_instance.c, jc_runtime.h).
 */
#ifndef JC_INSTANCE_H
#define JC_INSTANCE_H

#include <stdbool.h>

#include "jc_apdu.h"
#include "jc_state.h"
#include "jc_types.h"

/* Run the runtime's select/process for the selected instance and move its
 * R-APDU into resp; returns the SW (6F00 for a runtime fault). */
uint16_t jc_rt_select(jc_card *card, const jc_aid *instance, const jc_apdu *a, jc_resp *resp,
                      bool *selected);
uint16_t jc_rt_process(jc_card *card, const jc_apdu *a, jc_resp *resp);
void jc_rt_deselect(jc_card *card);
/* process() of apdu for an instance that is not (necessarily) selected: the
 * STORE DATA blocks the ISD forwards after INSTALL [for personalization]
 * (GP 2.1.1 §9.11.1). JC_SW_INS_NOT_SUPPORTED without a runtime. */
uint16_t jc_rt_process_for(jc_card *card, const jc_aid *instance, const uint8_t *apdu, size_t len,
                           jc_resp *resp);
/* The STORE DATA block the ISD forwards after INSTALL [for personalization]
 * to the runtime's personalize() (org.globalplatform.Application.processData)
 * when it has one, else to process() as jc_rt_process_for. An instance that
 * implements no Application interface: the profile's wrong_state SW (6985,
 * FIDELITY.md). */
uint16_t jc_rt_personalize(jc_card *card, const jc_aid *instance, const uint8_t *apdu, size_t len,
                           jc_resp *resp);
/* Implicit selection of an instance on the active channel (power-up with a
 * Default Selected instance, MANAGE CHANNEL open): select() only, no APDU.
 * Sets the channel's selection; false when select() refused. */
bool jc_rt_select_implicit(jc_card *card, const jc_aid *instance);

#endif
