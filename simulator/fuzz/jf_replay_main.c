/*
 * jf_replay_main.c: a plain main() for the fuzz targets (no libFuzzer), so an
 * ordinary gcc build replays every corpus file through LLVMFuzzerTestOneInput
 * on every ctest run (label fuzz-replay). A crash or an oracle's abort fails
 * the test; so does an empty corpus (a folder that lost its seeds proves
 * nothing).
 *
 * usage: fuzz_<entry>_replay DIR_OR_FILE...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int jf_replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fuzz replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL) {
        fprintf(stderr, "fuzz replay: out of memory reading %s\n", path);
        return -1;
    }
    fprintf(stderr, "fuzz replay: %s (%zu bytes)\n", path, n);
    /* Copy into an exact-size block so ASan sees any read past the input. */
    uint8_t *exact = malloc(n ? n : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int jf_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout, "usage: %s DIR_OR_FILE...\n", argv[0]);
        return argc < 2 ? 2 : 0;
    }
    unsigned long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "fuzz replay: %s: no such file or folder\n", argv[i]);
            return 2;
        }
        if (!S_ISDIR(sb.st_mode)) {
            if (jf_replay_file(argv[i]) != 0)
                return 3;
            total++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (d == NULL)
            return 3;
        char **names = NULL;
        size_t nn = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char **more = realloc(names, (nn + 1) * sizeof *names);
            if (more == NULL)
                return 3;
            names = more;
            size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
            names[nn] = malloc(len);
            if (names[nn] == NULL)
                return 3;
            snprintf(names[nn], len, "%s/%s", argv[i], e->d_name);
            nn++;
        }
        closedir(d);
        qsort(names, nn, sizeof *names, jf_cmp);
        for (size_t k = 0; k < nn; k++) {
            if (stat(names[k], &sb) == 0 && S_ISREG(sb.st_mode)) {
                if (jf_replay_file(names[k]) != 0)
                    return 3;
                total++;
            }
            free(names[k]);
        }
        free(names);
    }
    if (total == 0) {
        fprintf(stderr, "fuzz replay: no corpus file found: the seed corpus is missing\n");
        return 1;
    }
    printf("fuzz replay: %lu inputs replayed, no crash\n", total);
    return 0;
}
