/*
 * jt_cmdtable.c: prints the card's own command tables, for the coverage matrix.
 *
 * Place in the flow: the card core (simulator/core) keeps its command tables as
 * static const arrays inside the files that own them (jc_prefuse.c, jc_fused.c)
 * and hands them out read-only through jc_cmd_table_at (jc_cmd.h). This program
 * prints the rows; jt_coverage.py turns them into the matrix of (command, state)
 * cells the conformance scripts must assert.
 *
 * Output (tab-separated, '#' comments):
 *   state  NAME                       one per observable card state (jc_card_state_name)
 *   cmd    NAME CLA MASK INS STATES FLAGS TABLE
 * where NAME drops any "(...)" remark of the row's name, CLA/MASK/INS are hex bytes,
 * STATES a comma list of the states the row allows, FLAGS the JC_CMD_* bits in hex.
 * Exit 0, or 2 for a usage error.
 */
#include <stdio.h>
#include <string.h>

#include "jc_card.h"
#include "jc_cmd.h"

static void jt_print_name(const char *name)
{
    /* "BOOT (gone after FUSE)" -> "BOOT": the remark says why, the command is the same. */
    const char *paren = strchr(name, '(');
    size_t n = paren ? (size_t)(paren - name) : strlen(name);
    while (n > 0 && name[n - 1] == ' ')
        n--;
    fwrite(name, 1, n, stdout);
}

static void jt_print_table(const char *table, const jc_cmd *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const jc_cmd *r = &rows[i];
        fputs("cmd\t", stdout);
        jt_print_name(r->name);
        printf("\t%02X\t%02X\t%02X\t", r->cla, r->cla_mask, r->ins);
        int first = 1;
        for (int s = JC_CS_UNFUSED_IDLE; s <= JC_CS_TERMINATED; s++) {
            if (r->states & JC_ST(s)) {
                printf("%s%s", first ? "" : ",", jc_card_state_name(s));
                first = 0;
            }
        }
        printf("\t%04X\t%s\n", (unsigned)r->flags, table);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: jt_cmdtable\nPrints the card core's command tables (tab-separated) for "
               "testcases/tools/jt_coverage.py.\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("jt_cmdtable %s\n", JCOPSIM_VERSION);
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "jt_cmdtable: no arguments expected (try --help)\n");
        return 2;
    }
    printf("# the card's command tables, read from the core's own arrays\n");
    for (int s = JC_CS_UNFUSED_IDLE; s <= JC_CS_TERMINATED; s++)
        printf("state\t%s\n", jc_card_state_name(s));
    for (size_t i = 0; i < jc_cmd_table_count(); i++) {
        size_t n = 0;
        const char *name = NULL;
        const jc_cmd *rows = jc_cmd_table_at(i, &name, &n);
        jt_print_table(name, rows, n);
    }
    return 0;
}
