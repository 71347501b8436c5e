/*
 * test_jh_explain_table.c: the explainer's command table is the card core's
 * (jc_cmd_table_at): every command of every core table has the explainer's
 * words, every entry of the explainer names a core command, and what the
 * explainer recognises follows the core's rows (CLA masks, tables per card
 * context), not a copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jc_card.h"
#include "jc_cmd.h"
#include "jh_explain.h"

static bool core_has(const char *name)
{
    for (size_t t = 0; t < jc_cmd_table_count(); t++) {
        size_t n = 0;
        const jc_cmd *rows = jc_cmd_table_at(t, NULL, &n);
        for (size_t i = 0; rows && i < n; i++)
            if (strcmp(rows[i].name, name) == 0)
                return true;
    }
    return false;
}

static void test_every_core_command_explained(void **state)
{
    (void)state;
    assert_true(jc_cmd_table_count() >= 3);
    for (size_t t = 0; t < jc_cmd_table_count(); t++) {
        const char *tn = NULL;
        size_t n = 0;
        const jc_cmd *rows = jc_cmd_table_at(t, &tn, &n);
        assert_non_null(rows);
        for (size_t i = 0; i < n; i++) {
            if (!jh_explain_knows(rows[i].name))
                fail_msg("core table %s: command \"%s\" has no explanation in "
                         "harness/explain/jh_explain.c (jh_texts)",
                         tn, rows[i].name);
        }
    }
}

static void test_every_explanation_is_a_core_command(void **state)
{
    (void)state;
    assert_true(jh_explain_text_count() > 0);
    for (size_t i = 0; i < jh_explain_text_count(); i++) {
        const char *name = jh_explain_text_name(i);
        if (!core_has(name))
            fail_msg("the explainer has words for \"%s\", a command no core table has", name);
    }
    assert_null(jh_explain_text_name(jh_explain_text_count()));
}

/* The explainer follows the core's rows: a command on logical channel 1
 * (CLA 81, a core mask the explainer never had) is GET STATUS; MANAGE
 * CHANNEL (the OPEN's table) is named; BOOT on a fused card is the ISD's
 * "gone after FUSE" row. */
static void explain(jh_explainer *ex, const uint8_t *c, size_t n, uint16_t sw, jh_explanation *x)
{
    uint8_t r[2] = {(uint8_t)(sw >> 8), (uint8_t)sw};
    jh_explain_exchange(ex, c, n, r, sizeof r, x);
}

static void test_recognition_follows_core(void **state)
{
    (void)state;
    jh_explainer ex;
    jh_explanation x;
    jh_explain_init(&ex, NULL);
    jh_explain_assume(&ex, JC_CS_OP_READY, 0x01);
    static const uint8_t gs81[] = {0x81, 0xF2, 0x80, 0x00, 0x02, 0x4F, 0x00, 0x00};
    explain(&ex, gs81, sizeof gs81, 0x6982, &x);
    assert_string_equal(x.name, "GET STATUS");
    static const uint8_t mc[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    explain(&ex, mc, sizeof mc, 0x6A81, &x);
    assert_string_equal(x.name, "MANAGE CHANNEL");
    static const uint8_t boot[] = {0x00, 0xF0, 0x00, 0x00};
    explain(&ex, boot, sizeof boot, 0x6D00, &x);
    assert_string_equal(x.name, "BOOT");
    assert_non_null(strstr(x.line[0].text, "gone after FUSE"));
    /* on a card not known to be fused, BOOT is the pre-FUSE command */
    jh_explain_init(&ex, NULL);
    explain(&ex, boot, sizeof boot, 0x6A82, &x);
    assert_string_equal(x.name, "BOOT");
    assert_null(strstr(x.line[0].text, "gone after FUSE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_core_command_explained),
        cmocka_unit_test(test_every_explanation_is_a_core_command),
        cmocka_unit_test(test_recognition_follows_core),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
