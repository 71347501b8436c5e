/*
 * jcop-image: create, show and compare jcopsim card images.
 *
 * The image is what the card core's persistent state looks like on disk
 * (simulator/core/jc_image.h) and what the store writes durably
 * (simulator/store/jc_store.h). `new` makes an unfused card of a profile with
 * random CM_KEY records and GPIN (or deterministic ones from --seed, for
 * tests) and prints the transport key and the keys; `show` names every field
 * of the profile's memory map with its address, value and label; `diff`
 * compares two images field by field and lists other changed memory ranges.
 *
 * Exit codes: 0 success (diff: identical), 1 diff found differences,
 * 2 usage error, 3 environment error (file missing, exists, corrupt).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jc_atr.h"
#include "jc_rng.h"
#include "jc_hex.h"
#include "jc_card.h"
#include "jc_image.h"
#include "jc_profile.h"
#include "jc_state.h"
#include "jc_store.h"
#include "jc_sysrand.h"

enum { EXIT_CHECK = 1, EXIT_USAGE = 2, EXIT_ENV = 3 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: jcop-image new [--profile NAME] [--kt HEX32] [--seed N] FILE\n"
            "       jcop-image show FILE\n"
            "       jcop-image diff FILE_A FILE_B\n"
            "       jcop-image profiles\n"
            "       jcop-image --help | --version\n"
            "\n"
            "  new       create an unfused card image (mode 0600; never overwrites a file).\n"
            "            CM_KEY records and GPIN are random (getrandom), the transport key\n"
            "            is --kt or random; --seed N makes everything deterministic (tests).\n"
            "            Prints the transport key and the keys: keep them.\n"
            "  show      profile, life-cycle state, fuse/protect flags, every named memory\n"
            "            field (address, value, label), the ATR it will present; after FUSE\n"
            "            the key sets and the registry.\n"
            "  diff      compare two images field by field; exit 1 when they differ.\n"
            "  profiles  list the card profiles.\n"
            "\n"
            "Exit status: 0 ok, 1 images differ, 2 usage error, 3 file missing/exists/corrupt.\n");
}

/* ---- random sources ---------------------------------------------------- */

typedef struct {
    bool seeded;
    uint64_t s;
} rng_ctx;

static int rng_fill(void *ctx, uint8_t *out, size_t n)
{
    rng_ctx *r = ctx;
    if (!r->seeded)
        return jc_sysrand(NULL, out, n);
    jc_splitmix_fill(&r->s, out, n);
    return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static void print_hex(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02X", b[i]);
}

static int parse_hex(const char *s, uint8_t *out, size_t want)
{
    return jc_hex_decode(s, out, want) == (int)want ? 0 : -1;
}

static const uint8_t *mem_at(const jc_pstate *st, uint32_t addr)
{
    return st->mem + (addr - JC_MEM_BASE);
}

static int load(const char *path, jc_pstate *st)
{
    jc_store *s = NULL;
    int rc = jc_store_open_file(&s, path, st);
    if (rc < 0) {
        if (rc == JC_ERR_IO)
            fprintf(stderr, "jcop-image: %s: cannot read the image (%s)\n", path,
                    errno ? strerror(errno) : "not a regular file");
        else
            fprintf(stderr,
                    "jcop-image: %s: %s: refused; restore it from a backup or make a new one\n",
                    path, jc_strerror(rc));
        return EXIT_ENV;
    }
    jc_store_close(s);
    return 0;
}

static const char *reg_kind(uint8_t k)
{
    switch (k) {
    case JC_REG_ISD:
        return "ISD";
    case JC_REG_APP:
        return "application";
    case JC_REG_SD:
        return "security domain";
    case JC_REG_ELF:
        return "load file";
    default:
        return "free";
    }
}

/* ---- new -------------------------------------------------------------------- */

static int cmd_new(int argc, char **argv)
{
    static const struct option opts[] = {
        {"profile", required_argument, NULL, 'p'},
        {"kt", required_argument, NULL, 'k'},
        {"seed", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *profile = jc_profile_default()->name;
    uint8_t kt[JC_KT_LEN];
    bool have_kt = false;
    rng_ctx rng = {.seeded = false};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:k:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            profile = optarg;
            break;
        case 'k':
            if (parse_hex(optarg, kt, JC_KT_LEN) < 0) {
                fprintf(stderr, "jcop-image: --kt wants 32 hex digits (16 bytes)\n");
                return EXIT_USAGE;
            }
            have_kt = true;
            break;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 0);
            if (errno || *end || !*optarg) {
                fprintf(stderr, "jcop-image: --seed wants a number\n");
                return EXIT_USAGE;
            }
            rng.seeded = true;
            rng.s = v;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "jcop-image: see jcop-image --help\n");
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "jcop-image new: give exactly one FILE (see --help)\n");
        return EXIT_USAGE;
    }
    const char *path = argv[optind];
    const jc_profile *p = jc_profile_lookup(profile);
    if (!p) {
        char names[128];
        fprintf(stderr,
                "jcop-image: unknown profile '%s': valid profiles are %s (case does not matter)\n",
                profile, jc_profile_names(names, sizeof names));
        return EXIT_USAGE;
    }
    jc_pstate *st = calloc(1, sizeof(*st));
    if (!st)
        return EXIT_ENV;
    int rc = jc_pstate_init(st, p->name, have_kt ? kt : NULL, rng_fill, &rng);
    if (rc < 0) {
        fprintf(stderr, "jcop-image: cannot make the card: %s\n", jc_strerror(rc));
        free(st);
        return EXIT_ENV;
    }
    jc_store *s = NULL;
    rc = jc_store_create_file(&s, path, st);
    if (rc < 0) {
        fprintf(stderr,
                "jcop-image: %s: cannot create (%s): it must not exist yet and its folder "
                "must be writable\n",
                path, errno ? strerror(errno) : jc_strerror(rc));
        free(st);
        return EXIT_ENV;
    }
    jc_store_close(s);
    printf("created %s (mode 0600): %s, unfused\n", path, p->description);
    if (rng.seeded)
        printf("note: --seed makes the keys predictable: for tests only\n");
    printf("KT       ");
    print_hex(stdout, st->kt, JC_KT_LEN);
    printf("  (transport key: SELECT 00A4040010<KT>)\n");
    static const char *names[3] = {"CM_KEY1", "CM_KEY2", "CM_KEY3"};
    for (int k = 0; k < 3; k++) {
        printf("%-8s ", names[k]);
        print_hex(stdout, mem_at(st, p->cm_key_addr[k]), JC_KEY_LEN);
        printf("  (0x%06X)\n", (unsigned)p->cm_key_addr[k]);
    }
    uint8_t gl = *mem_at(st, p->gpin_len_addr);
    printf("GPIN     ");
    print_hex(stdout, mem_at(st, p->gpin_addr), gl <= p->gpin_max ? gl : p->gpin_max);
    printf("  (0x%06X, length %u)\n", (unsigned)p->gpin_addr, gl);
    free(st);
    return 0;
}

/* ---- show ------------------------------------------------------------------- */

static void show_atr(const jc_profile *p, const jc_pstate *st)
{
    for (int warm = 0; warm < 2; warm++) {
        uint8_t atr[JC_ATR_MAX];
        bool bad = false;
        size_t n = jc_atr_build(p, st->mem, warm != 0, atr, sizeof(atr), &bad);
        printf("ATR (%s) ", warm ? "warm" : "cold");
        print_hex(stdout, atr, n);
        printf("  %s\n", bad ? "MALFORMED configuration (served anyway, lengths clamped)"
                             : "well-formed configuration");
    }
}

static void show_fields(const jc_profile *p, const jc_pstate *st)
{
    printf("\nmemory fields (window 0x%06X-0x%06X):\n", (unsigned)JC_MEM_BASE,
           (unsigned)JC_MEM_END - 1);
    for (size_t i = 0; i < p->n_fields; i++) {
        const jc_field *f = &p->fields[i];
        printf("  %-18s 0x%06X %2u  ", f->name, (unsigned)f->addr, (unsigned)f->len);
        print_hex(stdout, mem_at(st, f->addr), f->len);
        for (unsigned k = f->len; k < 16; k++)
            printf("  ");
        printf("  [%s] %s\n", jc_label_name(f->label), f->desc);
    }
}

static void show_gp(const jc_pstate *st)
{
    printf("\nGlobalPlatform (after FUSE):\n");
    printf("  card life cycle %02X %s\n", st->card_lcs, jc_lcs_name(st->card_lcs));
    printf("  KDD ");
    print_hex(stdout, st->kdd, JC_KDD_LEN);
    printf("\n  key sets:\n");
    for (int i = 0; i < JC_MAX_KEYSETS; i++) {
        const jc_keyset *k = &st->keysets[i];
        if (!k->used)
            continue;
        printf("    version %02X  sequence counter %04X\n", k->kvn, k->counter);
        static const char *kn[3] = {"ENC", "MAC", "DEK"};
        for (int j = 0; j < 3; j++) {
            printf("      %s ", kn[j]);
            print_hex(stdout, k->key[j], JC_KEY_LEN);
            printf("\n");
        }
    }
    printf("  registry:\n");
    for (int i = 0; i < JC_MAX_REGISTRY; i++) {
        const jc_reg_entry *e = &st->reg[i];
        if (e->kind == JC_REG_FREE)
            continue;
        printf("    %-16s ", reg_kind(e->kind));
        print_hex(stdout, e->aid.b, e->aid.len);
        printf("  life cycle %02X", e->lcs);
        if (e->kind != JC_REG_ELF)
            printf("  privileges %02X", e->priv);
        printf("\n");
        for (int m = 0; m < e->n_modules && m < JC_MAX_MODULES; m++) {
            printf("      module ");
            print_hex(stdout, e->modules[m].b, e->modules[m].len);
            printf("\n");
        }
    }
    if (st->rt_len > 0)
        printf("  application runtime section: %u bytes (packages, instances, heap)\n",
               (unsigned)st->rt_len);
}

static int cmd_show(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "jcop-image show: give exactly one FILE (see --help)\n");
        return EXIT_USAGE;
    }
    jc_pstate *st = calloc(1, sizeof(*st));
    if (!st)
        return EXIT_ENV;
    int rc = load(argv[1], st);
    if (rc) {
        free(st);
        return rc;
    }
    const jc_profile *p = jc_profile_find(st->profile);
    bool fused = st->flags & JC_PF_FUSED;
    printf("image    %s\n", argv[1]);
    printf("profile  %s: %s\n", p->name, p->description);
    printf("state    %s\n",
           fused ? "FUSED (irreversible): GlobalPlatform card" : "unfused (pre-personalization)");
    printf("flags    protected=%s fused=%s%s\n", (st->flags & JC_PF_PROTECTED) ? "yes" : "no",
           fused ? "yes" : "no",
           (st->flags & JC_PF_FUSED_UNPROTECTED) ? " (fused without PROTECT)" : "");
    printf("KT       ");
    print_hex(stdout, st->kt, JC_KT_LEN);
    printf("\n");
    uint8_t cm = *mem_at(st, p->cm_lifecycle_addr);
    bool mapped = true;
    uint8_t lcs = jc_profile_card_lcs(p, cm, &mapped);
    printf("CM_LIFECYCLE %02X -> %s at FUSE%s\n", cm, jc_lcs_name(lcs),
           mapped ? "" : " (unknown value: OP_READY and a warning)");
    show_atr(p, st);
    show_fields(p, st);
    if (fused)
        show_gp(st);
    jc_pstate_release(st);
    free(st);
    return 0;
}

/* ---- diff ------------------------------------------------------------------- */

static int cmd_diff(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "jcop-image diff: give two FILEs (see --help)\n");
        return EXIT_USAGE;
    }
    jc_pstate *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    int rc = EXIT_ENV;
    if (!a || !b)
        goto out;
    if ((rc = load(argv[1], a)) != 0 || (rc = load(argv[2], b)) != 0)
        goto out;
    unsigned ndiff = 0;
    const jc_profile *p = jc_profile_find(a->profile);
    if (strcmp(a->profile, b->profile) != 0) {
        printf("profile: %s -> %s\n", a->profile, b->profile);
        ndiff++;
    }
    if (memcmp(a->kt, b->kt, JC_KT_LEN) != 0) {
        printf("KT: ");
        print_hex(stdout, a->kt, JC_KT_LEN);
        printf(" -> ");
        print_hex(stdout, b->kt, JC_KT_LEN);
        printf("\n");
        ndiff++;
    }
    if (a->flags != b->flags) {
        printf("flags: protected %d -> %d, fused %d -> %d\n", !!(a->flags & JC_PF_PROTECTED),
               !!(b->flags & JC_PF_PROTECTED), !!(a->flags & JC_PF_FUSED),
               !!(b->flags & JC_PF_FUSED));
        ndiff++;
    }
    /* named fields, then any other changed ranges */
    uint8_t *covered = calloc(1, JC_MEM_SIZE);
    if (!covered)
        goto out;
    for (size_t i = 0; i < p->n_fields; i++) {
        const jc_field *f = &p->fields[i];
        memset(covered + (f->addr - JC_MEM_BASE), 1, f->len);
        if (memcmp(mem_at(a, f->addr), mem_at(b, f->addr), f->len) != 0) {
            printf("%s (0x%06X): ", f->name, (unsigned)f->addr);
            print_hex(stdout, mem_at(a, f->addr), f->len);
            printf(" -> ");
            print_hex(stdout, mem_at(b, f->addr), f->len);
            printf("\n");
            ndiff++;
        }
    }
    for (size_t i = 0; i < JC_MEM_SIZE;) {
        if (covered[i] || a->mem[i] == b->mem[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < JC_MEM_SIZE && !covered[j] && a->mem[j] != b->mem[j])
            j++;
        printf("memory 0x%06X-0x%06X (%zu bytes): ", (unsigned)(JC_MEM_BASE + i),
               (unsigned)(JC_MEM_BASE + j - 1), j - i);
        size_t show = j - i > 32 ? 32 : j - i;
        print_hex(stdout, a->mem + i, show);
        printf(" -> ");
        print_hex(stdout, b->mem + i, show);
        printf("%s\n", j - i > 32 ? " ..." : "");
        ndiff++;
        i = j;
    }
    free(covered);
    if (a->card_lcs != b->card_lcs) {
        printf("card life cycle: %02X -> %02X\n", a->card_lcs, b->card_lcs);
        ndiff++;
    }
    if (memcmp(a->kdd, b->kdd, JC_KDD_LEN) != 0) {
        printf("KDD changed\n");
        ndiff++;
    }
    for (int i = 0; i < JC_MAX_KEYSETS; i++) {
        if (memcmp(&a->keysets[i], &b->keysets[i], sizeof(jc_keyset)) != 0) {
            printf("key set slot %d: version %02X%s -> version %02X%s\n", i, a->keysets[i].kvn,
                   a->keysets[i].used ? "" : " (free)", b->keysets[i].kvn,
                   b->keysets[i].used ? "" : " (free)");
            ndiff++;
        }
    }
    for (int i = 0; i < JC_MAX_REGISTRY; i++) {
        const jc_reg_entry *x = &a->reg[i], *y = &b->reg[i];
        if (x->kind != y->kind || x->lcs != y->lcs || x->priv != y->priv ||
            memcmp(&x->aid, &y->aid, sizeof(jc_aid)) != 0 || x->n_modules != y->n_modules) {
            printf("registry slot %d: %s ", i, reg_kind(x->kind));
            print_hex(stdout, x->aid.b, x->aid.len);
            printf(" (%02X) -> %s ", x->lcs, reg_kind(y->kind));
            print_hex(stdout, y->aid.b, y->aid.len);
            printf(" (%02X)\n", y->lcs);
            ndiff++;
        }
    }
    if (ndiff == 0)
        printf("identical\n");
    rc = ndiff ? EXIT_CHECK : 0;
out:
    free(a);
    free(b);
    return rc;
}

static int cmd_profiles(void)
{
    for (size_t i = 0; i < jc_profile_count(); i++) {
        const jc_profile *p = jc_profile_at(i);
        printf("%-8s %s\n", p->name, p->description);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0, 0, 0, 0},
    };
    int c;
    /* global options stop at the first non-option (the command) */
    while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("jcop-image %s\n", JCOPSIM_VERSION);
            return 0;
        default:
            fprintf(stderr, "jcop-image: see jcop-image --help\n");
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "jcop-image: missing command (new, show, diff, profiles; see --help)\n");
        return EXIT_USAGE;
    }
    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    if (strcmp(cmd, "new") == 0)
        return cmd_new(sub_argc, sub_argv);
    if (strcmp(cmd, "show") == 0)
        return cmd_show(sub_argc, sub_argv);
    if (strcmp(cmd, "diff") == 0)
        return cmd_diff(sub_argc, sub_argv);
    if (strcmp(cmd, "profiles") == 0)
        return cmd_profiles();
    fprintf(stderr, "jcop-image: unknown command '%s' (new, show, diff, profiles; see --help)\n",
            cmd);
    return EXIT_USAGE;
}
