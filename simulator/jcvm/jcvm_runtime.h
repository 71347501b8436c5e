/*
 * jcvm_runtime.h: the Java Card VM as the card core's application runtime
 * (jc_runtime.h). Whoever creates a card (daemon, harness in-process reader,
 * bench, tests) calls jcvm_attach after jc_card_create and before power-on:
 * it creates a VM that draws randomness from the card's env, reports applet
 * events to the card's trace as JC_EV_INFO lines, reads the card life cycle
 * for GPSystem.getCardState(), and restores the VM from the image's runtime
 * section. jcvm_detach after jc_card_free.
 */
#ifndef JCVM_RUNTIME_H
#define JCVM_RUNTIME_H

#include "jc_card.h"
#include "jc_runtime.h"
#include "jcvm.h"

extern const jc_runtime_ops jcvm_runtime_ops;

typedef struct jcvm_rt jcvm_rt;

/* jcvm_config_default with what the card's profile decides (its crypto algorithm set):
   what jcvm_attach uses for cfg NULL, for callers that change a setting (the trace). */
void jcvm_config_for_card(const jc_card *card, jcvm_config *cfg);

/* cfg NULL = jcvm_config_for_card. The env is copied. Returns 0 or a JC_ERR_*
   (JC_ERR_CORRUPT: the image's runtime section could not be read). */
int jcvm_attach(jc_card *card, const jc_env *env, const jcvm_config *cfg, jcvm_rt **out);
void jcvm_detach(jcvm_rt *rt);
jcvm *jcvm_rt_vm(jcvm_rt *rt);

#endif
