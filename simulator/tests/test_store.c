/*
 * test_store.c: durable card images (jc_store.h) wired to a card: create with
 * mode 0600, refuse to overwrite, reload after a simulated power cycle, refuse
 * missing/short/corrupt files untouched, the memory-only backend's label, and
 * the commit path of the dispatcher: a failed commit rolls back and answers
 * 6581, an injected power cut gives no answer and leaves the old image.
 */
#include "jc_test_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jc_store.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/jc_store_test.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static jc_card *card_on_store(const jc_pstate *st, jc_store *store, tu_rng *rng)
{
    jc_env env = {
        .random = tu_random, .random_ctx = rng, .commit = jc_store_commit, .commit_ctx = store};
    jc_card *card = NULL;
    assert_int_equal(jc_card_create(&card, st, &env), 0);
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_power_on(card, atr, sizeof(atr)) > 0);
    return card;
}

static void test_create_mode_and_exclusive(void **state)
{
    (void)state;
    char p[300];
    path_of(p, sizeof(p), "a.img");
    jc_pstate st;
    tu_new_state(&st, NULL, 1);
    jc_store *s = NULL;
    assert_int_equal(jc_store_create_file(&s, p, &st), 0);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal((size_t)sb.st_size, jc_image_encoded_size());
    assert_true(jc_store_is_durable(s));
    assert_non_null(strstr(jc_store_describe(s), p));
    jc_store_close(s);
    /* never overwrites an existing image */
    assert_true(jc_store_create_file(&s, p, &st) < 0);
    assert_null(s);
    /* no temporary files left behind */
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_persistence_across_power_cycle(void **state)
{
    (void)state;
    char p[300];
    path_of(p, sizeof(p), "b.img");
    jc_pstate st;
    tu_new_state(&st, NULL, 2);
    jc_store *s = NULL;
    assert_int_equal(jc_store_create_file(&s, p, &st), 0);
    tu_rng rng = {.s = 1};
    jc_card *card = card_on_store(&st, s, &rng);
    assert_int_equal(tu_sw(card, "00A4040010" TU_KT_HEX), 0x9000);
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    assert_int_equal(jc_store_commits(s), 0); /* SELECT and BOOT are volatile */
    assert_int_equal(tu_sw(card, "C0D6041205 3132333435"), 0x9000);
    assert_int_equal(jc_store_commits(s), 1);
    assert_int_equal(tu_sw(card, "00100000"), 0x9000);
    assert_int_equal(jc_store_commits(s), 2);
    assert_int_equal(tu_sw(card, "00100000"), 0x9000); /* no change, no commit */
    assert_int_equal(jc_store_commits(s), 2);
    /* "power cut": drop the card and the store without any shutdown step */
    jc_card_free(card);
    jc_store_close(s);

    jc_pstate st2;
    assert_int_equal(jc_store_open_file(&s, p, &st2), 0);
    card = card_on_store(&st2, s, &rng);
    assert_int_equal(tu_sw(card, "00A4040010" TU_KT_HEX), 0x9000);
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    TU_EXPECT(card, "C0B0041205", "31323334359000");
    assert_int_equal(jc_card_state_get(card), JC_CS_BOOTED_PROTECTED);
    assert_int_equal(tu_sw(card, "C0D6041201 39"), 0x6982);
    jc_card_free(card);
    jc_store_close(s);
}

static void test_power_cut_injection(void **state)
{
    (void)state;
    char p[300];
    path_of(p, sizeof(p), "c.img");
    jc_pstate st;
    tu_new_state(&st, NULL, 3);
    jc_store *s = NULL;
    assert_int_equal(jc_store_create_file(&s, p, &st), 0);
    tu_rng rng = {.s = 1};
    jc_card *card = card_on_store(&st, s, &rng);
    assert_int_equal(tu_sw(card, "00A4040010" TU_KT_HEX), 0x9000);
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    assert_int_equal(tu_sw(card, "C0D6041201 41"), 0x9000); /* commit 1 */
    jc_store_cut_power_at(s, 2);
    assert_int_equal(tu_sw(card, "C0D6041201 42"), 0x9000); /* commit 2 */
    uint8_t capdu[] = {0xC0, 0xD6, 0x04, 0x12, 0x01, 0x43};
    uint8_t r[64];
    /* the 2nd commit from the cut setting fails: no answer, card unpowered */
    assert_int_equal(jc_card_process(card, capdu, sizeof(capdu), r, sizeof(r)), JC_ERR_POWER_CUT);
    assert_false(jc_card_powered(card));
    assert_int_equal(jc_card_pstate(card)->mem[0xC00412 - JC_MEM_BASE], 0x42); /* rolled back */
    jc_card_free(card);
    jc_store_close(s);
    /* the image holds the last acknowledged write */
    jc_pstate st2;
    assert_int_equal(jc_store_open_file(&s, p, &st2), 0);
    assert_int_equal(st2.mem[0xC00412 - JC_MEM_BASE], 0x42);
    jc_store_close(s);
}

static int fail_commit(void *ctx, const jc_pstate *st)
{
    (*(int *)ctx)++;
    return JC_ERR_IO;
}

static void test_commit_failure_rolls_back(void **state)
{
    (void)state;
    jc_pstate st;
    tu_new_state(&st, NULL, 3);
    tu_rng rng = {.s = 1};
    int calls = 0;
    jc_env env = {
        .random = tu_random, .random_ctx = &rng, .commit = fail_commit, .commit_ctx = &calls};
    jc_card *card = NULL;
    assert_int_equal(jc_card_create(&card, &st, &env), 0);
    uint8_t atr[JC_ATR_MAX];
    assert_true(jc_card_power_on(card, atr, sizeof(atr)) > 0);
    assert_int_equal(tu_sw(card, "00A4040010" TU_KT_HEX), 0x9000);
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    assert_int_equal(tu_sw(card, "C0D6041201 41"), 0x6581);
    assert_int_equal(calls, 1);
    assert_int_equal(tu_sw(card, "00000000"), 0x6581); /* FUSE not kept either */
    assert_false(jc_card_pstate(card)->flags & JC_PF_FUSED);
    assert_memory_equal(jc_card_pstate(card)->mem, st.mem, JC_MEM_SIZE);
    assert_int_equal(jc_card_state_get(card), JC_CS_BOOTED); /* still usable */
    jc_card_free(card);
}

typedef struct {
    const char *what;
    const char *content_cmd; /* shell command writing the file, %s = path */
    int expect;
} bad_file_row;

static void test_open_refuses(void **state)
{
    (void)state;
    char good[300], p[300];
    path_of(good, sizeof(good), "good.img");
    jc_pstate st;
    tu_new_state(&st, NULL, 5);
    jc_store *s = NULL;
    assert_int_equal(jc_store_create_file(&s, good, &st), 0);
    jc_store_close(s);
    const bad_file_row rows[] = {
        {"missing", NULL, JC_ERR_IO},
        {"empty", ": > \"$P\"", JC_ERR_TRUNCATED},
        {"short", "head -c 1000 \"$G\" > \"$P\"", JC_ERR_TRUNCATED},
        {"flipped",
         "cp \"$G\" \"$P\" && printf '\\377' | dd of=\"$P\" bs=1 seek=5000 conv=notrunc "
         "2>/dev/null",
         JC_ERR_CORRUPT},
        {"text", "echo hello > \"$P\"", JC_ERR_FORMAT},
        {"a folder", "mkdir \"$P\"", JC_ERR_IO},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "bad%zu.img", i);
        path_of(p, sizeof(p), name);
        if (rows[i].content_cmd) {
            assert_int_equal(setenv("P", p, 1), 0);
            assert_int_equal(setenv("G", good, 1), 0);
            assert_int_equal(system(rows[i].content_cmd), 0);
        }
        struct stat before, after;
        int had = stat(p, &before);
        jc_pstate out;
        int rc = jc_store_open_file(&s, p, &out);
        if (rc != rows[i].expect)
            print_error("%s: got %d, expected %d\n", rows[i].what, rc, rows[i].expect);
        assert_int_equal(rc, rows[i].expect);
        assert_null(s);
        if (had == 0) { /* untouched */
            assert_int_equal(stat(p, &after), 0);
            assert_int_equal(before.st_size, after.st_size);
            assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
        }
    }
}

static void test_memory_backend(void **state)
{
    (void)state;
    jc_pstate st;
    tu_new_state(&st, NULL, 5);
    jc_store *s = NULL;
    assert_int_equal(jc_store_open_memory(&s, &st), 0);
    assert_false(jc_store_is_durable(s));
    assert_string_equal(jc_store_describe(s), "memory-only (not durable)");
    tu_rng rng = {.s = 1};
    jc_card *card = card_on_store(&st, s, &rng);
    assert_int_equal(tu_sw(card, "00A4040010" TU_KT_HEX), 0x9000);
    assert_int_equal(tu_sw(card, "00F00000"), 0x9000);
    assert_int_equal(tu_sw(card, "C0D6041201 41"), 0x9000);
    assert_int_equal(jc_store_commits(s), 1);
    jc_store_cut_power_at(s, 1);
    uint8_t capdu[] = {0xC0, 0xD6, 0x04, 0x12, 0x01, 0x43};
    uint8_t r[64];
    assert_int_equal(jc_card_process(card, capdu, sizeof(capdu), r, sizeof(r)), JC_ERR_POWER_CUT);
    jc_card_free(card);
    jc_store_close(s);
}

static void touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
}

/* A writer killed before its rename leaves <image>.tmp.<pid>.<n>: opening the
 * image removes those of dead processes and leaves a live writer's alone. */
static void test_open_removes_stale_temporaries(void **state)
{
    (void)state;
    char p[300], dead_tmp[400], live_tmp[400], other[400];
    path_of(p, sizeof(p), "stale.img");
    jc_pstate st;
    tu_new_state(&st, NULL, 3);
    jc_store *s = NULL;
    assert_int_equal(jc_store_create_file(&s, p, &st), 0);
    jc_store_close(s);

    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child); /* reaped: the pid is dead */
    snprintf(dead_tmp, sizeof(dead_tmp), "%s.tmp.%ld.0", p, (long)child);
    snprintf(live_tmp, sizeof(live_tmp), "%s.tmp.%ld.0", p, (long)getpid());
    snprintf(other, sizeof(other), "%s.tmpfile", p);
    touch(dead_tmp);
    touch(live_tmp);
    touch(other);

    jc_pstate back;
    assert_int_equal(jc_store_open_file(&s, p, &back), 0);
    jc_store_close(s);
    assert_int_equal(access(dead_tmp, F_OK), -1);
    assert_int_equal(access(live_tmp, F_OK), 0);
    assert_int_equal(access(other, F_OK), 0);
    unlink(live_tmp);
    unlink(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_mode_and_exclusive),
        cmocka_unit_test(test_persistence_across_power_cycle),
        cmocka_unit_test(test_power_cut_injection),
        cmocka_unit_test(test_commit_failure_rolls_back),
        cmocka_unit_test(test_open_refuses),
        cmocka_unit_test(test_memory_backend),
        cmocka_unit_test(test_open_removes_stale_temporaries),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
