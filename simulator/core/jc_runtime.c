/*
 * jc_runtime.c: the card's side of the application runtime (jc_runtime.h):
 * attaching a runtime, keeping its persistent state as the image's runtime
 * section (staged and committed by jc_card_commit in jc_card.c), and running
 * an instance's select/process into the card's response buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "jc_card_int.h"
#include "jc_sw.h"

int jc_card_set_runtime(jc_card *card, const jc_runtime_ops *ops, void *rt)
{
    if (!card)
        return JC_ERR_ARG;
    card->rt_ops = NULL;
    card->rt = NULL;
    card->sel_instance = false;
    if (!ops)
        return 0;
    if (!ops->load || !ops->install || !ops->select || !ops->process || !ops->deselect ||
        !ops->delete_instance || !ops->delete_package || !ops->reset || !ops->save ||
        !ops->restore || !ops->dirty)
        return JC_ERR_ARG;
    if (ops->restore(rt, card->st.rt, card->st.rt_len) < 0) {
        jc_card_warn(card, "the application runtime refused the image's runtime section");
        return JC_ERR_CORRUPT;
    }
    card->rt_ops = ops;
    card->rt = rt;
    if (card->powered)
        ops->reset(rt);
    return 0;
}

bool jc_rt_dirty(const jc_card *card)
{
    return card->rt_ops != NULL && card->rt_ops->dirty(card->rt);
}

void jc_rt_rollback(jc_card *card)
{
    if (jc_rt_dirty(card) && card->rt_ops->restore(card->rt, card->st.rt, card->st.rt_len) < 0)
        jc_card_warn(card, "the application runtime could not return to its last committed state");
}

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
    int rc = card->rt_ops->select(card->rt, instance, (uint8_t)(a->cla & 0x03u), a->raw, a->raw_len,
                                  out, &n);
    *selected = rc == JC_RT_SELECTED && n >= 2 && n <= cap;
    return take_answer(card, resp, rc, n, cap);
}

uint16_t jc_rt_process(jc_card *card, const jc_apdu *a, jc_resp *resp)
{
    size_t cap;
    uint8_t *out = room(resp, &cap);
    size_t n = cap;
    int rc = card->rt_ops->process(card->rt, &card->selected, (uint8_t)(a->cla & 0x03u), a->raw,
                                   a->raw_len, out, &n);
    return take_answer(card, resp, rc, n, cap);
}

void jc_rt_deselect(jc_card *card)
{
    if (card->rt_ops && card->sel_instance)
        card->rt_ops->deselect(card->rt, &card->selected, 0);
    card->sel_instance = false;
}
