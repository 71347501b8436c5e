/*
 * jc_instance.c: the applet instances as an application of the card: their
 * select/process/deselect run by the application runtime (jc_runtime.h) into
 * the card's response buffer. Attaching the runtime is jc_card.c's; keeping
 * its persistent state (the image's runtime section) is jc_card_commit's in
 * jc_cardctx.c.
 */
#include <stdlib.h>
#include <string.h>

#include "jc_cardctx.h"
#include "jc_instance.h"
#include "jc_runtime.h"
#include "jc_sw.h"

/* Move the R-APDU the runtime wrote at the end of resp into data + SW. */
static uint16_t take_answer(jc_card *card, jc_resp *resp, int rc, size_t n, size_t cap)
{
    if (rc < 0 || n < 2 || n > cap) {
        jc_card_warn(card, "the application runtime failed: 6F00");
        return JC_SW_UNKNOWN;
    }
    const uint8_t *sw = resp->buf + resp->len + n - 2;
    uint16_t v = (uint16_t)(sw[0] << 8 | sw[1]);
    resp->len += n - 2;
    return v;
}

/* The card's response buffer keeps two bytes past resp->cap for the SW. */
static uint8_t *room(jc_resp *resp, size_t *cap)
{
    *cap = jc_resp_room(resp) + 2u;
    return resp->buf + resp->len;
}

uint16_t jc_rt_select(jc_card *card, const jc_aid *instance, const jc_apdu *a, jc_resp *resp,
                      bool *selected)
{
    *selected = false;
    size_t cap;
    uint8_t *out = room(resp, &cap);
    size_t n = cap;
    int rc = card->rt_ops->select(card->rt, instance, card->cur_ch, a->raw, a->raw_len, out, &n);
    *selected = rc == JC_RT_SELECTED && n >= 2 && n <= cap;
    return take_answer(card, resp, rc, n, cap);
}

uint16_t jc_rt_process(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    size_t cap;
    uint8_t *out = room(resp, &cap);
    size_t n = cap;
    int rc =
        card->rt_ops->process(card->rt, &card->selected, card->cur_ch, a->raw, a->raw_len, out, &n);
    return take_answer(card, resp, rc, n, cap);
}

uint16_t jc_rt_process_for(jc_card *card, const jc_aid *instance, const uint8_t *apdu, size_t len,
                           jc_resp *resp)
{
    if (card->rt_ops == NULL)
        return JC_SW_INS_NOT_SUPPORTED;
    size_t cap;
    uint8_t *out = room(resp, &cap);
    size_t n = cap;
    int rc = card->rt_ops->process(card->rt, instance, card->cur_ch, apdu, len, out, &n);
    return take_answer(card, resp, rc, n, cap);
}

uint16_t jc_rt_personalize(jc_card *card, const jc_aid *instance, const uint8_t *apdu, size_t len,
                           jc_resp *resp)
{
    if (card->rt_ops == NULL || card->rt_ops->personalize == NULL)
        return jc_rt_process_for(card, instance, apdu, len, resp);
    size_t cap;
    uint8_t *out = room(resp, &cap);
    size_t n = cap;
    int rc = card->rt_ops->personalize(card->rt, instance, card->cur_ch, apdu, len, out, &n);
    if (rc == JC_RT_NO_PERSO) {
        jc_card_warn(card, "STORE DATA: the application being personalized implements no "
                           "org.globalplatform.Application");
        return card->profile->sw.wrong_state.sw;
    }
    return take_answer(card, resp, rc, n, cap);
}

void jc_rt_deselect(jc_card *card)
{
    if (card->rt_ops && card->sel_instance)
        card->rt_ops->deselect(card->rt, &card->selected, card->cur_ch);
    card->sel_instance = false;
}

bool jc_rt_select_implicit(jc_card *card, const jc_aid *instance)
{
    uint8_t scratch[2];
    size_t n = 0;
    int rc = card->rt_ops->select(card->rt, instance, card->cur_ch, NULL, 0, scratch, &n);
    bool selected = rc == JC_RT_SELECTED;
    if (selected) {
        card->selected = *instance;
        card->sel_instance = true;
    } else {
        memset(&card->selected, 0, sizeof(card->selected));
        card->sel_instance = false;
        jc_card_warn(card, "the Default Selected applet refused its selection: nothing selected");
    }
    return selected;
}
