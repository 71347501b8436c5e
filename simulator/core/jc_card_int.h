/*
 * jc_card_int.h: the whole inside of the core in one include, for the core's
 * white-box tests (simulator/tests). The core's own modules include the
 * headers they use (jc_cardctx.h and the modules they call), never this one.
 */
#ifndef JC_CARD_INT_H
#define JC_CARD_INT_H

#include "jc_card.h"
#include "jc_cardctx.h"
#include "jc_fused.h"
#include "jc_instance.h"
#include "jc_prefuse.h"

#endif
