/*
 * jc_store.c: durable card images (jc_store.h). The daemon and the harness
 * wire a card to a store with env.commit = jc_store_commit; every persistent
 * change then reaches the disk before the card answers.
 *
 * File backend: encode (jc_image.c) -> write a temporary file beside the image
 * (O_CREAT|O_EXCL, mode 0600) -> fsync -> rename over the image -> fsync the
 * folder. A crash at any step leaves the old or the new image whole. Commits
 * encode through one jc_image_enc, which rehashes only from the first block
 * that changed since the last commit (an applet's heap commit: its section).
 * Memory backend: counts commits and keeps nothing else (the card holds the
 * state); its image is encoded once, at open, to check that it encodes.
 */
#include "jc_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jc_card.h"
#include "jc_image.h"

struct jc_store {
    bool durable;
    char *path;   /* file backend */
    char *dir;    /* folder of path (fsync after rename) */
    char *desc;   /* "file <path>" or "memory-only (not durable)" */
    uint8_t *buf; /* encode buffer (file) / last committed image (memory) */
    size_t buf_len;
    jc_image_enc *enc; /* file backend: the commits' incremental encoder */
    unsigned long commits;
    unsigned long cut_at; /* 0 = off; else commits left until the cut (1 = next) */
};

static void store_free(jc_store *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->dir);
    free(s->desc);
    free(s->buf);
    jc_image_enc_free(s->enc);
    free(s);
}

static jc_store *store_alloc(bool durable, const char *path)
{
    jc_store *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->durable = durable;
    s->buf_len = jc_image_encoded_size();
    s->buf = malloc(s->buf_len);
    if (!s->buf)
        goto err;
    if (path) {
        if (jc_image_enc_new(&s->enc) < 0)
            goto err;
        s->path = strdup(path);
        char *tmp = strdup(path);
        if (!s->path || !tmp) {
            free(tmp);
            goto err;
        }
        s->dir = strdup(dirname(tmp));
        free(tmp);
        size_t n = strlen(path) + 6;
        s->desc = malloc(n);
        if (!s->dir || !s->desc)
            goto err;
        snprintf(s->desc, n, "file %s", path);
    } else {
        s->desc = strdup("memory-only (not durable)");
        if (!s->desc)
            goto err;
    }
    return s;
err:
    store_free(s);
    return NULL;
}

/* Grow the encode buffer to n bytes (an image with a runtime section). */
static int ensure_buf(jc_store *s, size_t n)
{
    if (n <= s->buf_len)
        return 0;
    uint8_t *b = realloc(s->buf, n);
    if (!b)
        return JC_ERR_NOMEM;
    s->buf = b;
    s->buf_len = n;
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return JC_ERR_IO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return JC_ERR_IO;
    int rc = fsync(fd) == 0 ? 0 : JC_ERR_IO;
    close(fd);
    return rc;
}

/* Write buf durably to path through a temporary file beside it. With
 * exclusive set, path itself must not exist yet. */
static int write_image(jc_store *s, const uint8_t *buf, size_t len, bool exclusive)
{
    size_t n = strlen(s->path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return JC_ERR_NOMEM;
    int rc = JC_ERR_IO;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, n, "%s.tmp.%ld.%d", s->path, (long)getpid(), attempt);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        goto out;
    if (write_all(fd, buf, len) < 0 || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (close(fd) != 0) {
        unlink(tmp);
        goto out;
    }
    if (exclusive) {
        /* link() refuses an existing target: the image is never overwritten */
        if (link(tmp, s->path) != 0) {
            unlink(tmp);
            goto out;
        }
        unlink(tmp);
    } else if (rename(tmp, s->path) != 0) {
        unlink(tmp);
        goto out;
    }
    rc = fsync_dir(s->dir);
out:
    free(tmp);
    return rc;
}

int jc_store_commit(void *store, const jc_pstate *st)
{
    jc_store *s = store;
    if (!s || !st)
        return JC_ERR_ARG;
    if (s->cut_at) {
        if (--s->cut_at == 0)
            return JC_ERR_POWER_CUT;
    }
    if (s->durable) {
        /* Memory-only: the card's own jc_pstate is the only copy, so nothing is
         * encoded. Encoding hashed the whole image (SHA-256 over ~38 KB) on
         * every commit for bytes no one reads: 88% of an in-process SCP02
         * handshake, whose EXTERNAL AUTHENTICATE commits the sequence counter. */
        const uint8_t *img = NULL;
        int n = jc_image_enc_encode(s->enc, st, &img);
        if (n < 0)
            return n;
        int rc = write_image(s, img, (size_t)n, false);
        if (rc < 0)
            return rc;
    }
    s->commits++;
    return 0;
}

/* A process killed between creating its temporary file and the rename leaves
 * "<image>.tmp.<pid>.<n>" behind; the image itself is whole. Remove those of
 * processes that no longer exist (a live writer's file is never touched). */
static void remove_stale_temps(const jc_store *s)
{
    char *copy = strdup(s->path);
    DIR *d = copy ? opendir(s->dir) : NULL;
    if (!d) {
        free(copy);
        return;
    }
    const char *base = basename(copy);
    size_t blen = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strncmp(name, base, blen) != 0 || strncmp(name + blen, ".tmp.", 5) != 0)
            continue;
        char *end = NULL;
        long pid = strtol(name + blen + 5, &end, 10);
        if (pid <= 0 || !end || *end != '.')
            continue;
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            unlinkat(dirfd(d), name, 0);
    }
    closedir(d);
    free(copy);
}

int jc_store_open_file(jc_store **out, const char *path, jc_pstate *st)
{
    if (!out || !path || !st)
        return JC_ERR_ARG;
    *out = NULL;
    jc_store *s = store_alloc(true, path);
    if (!s)
        return JC_ERR_NOMEM;
    int rc = JC_ERR_IO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        goto err;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        goto err;
    }
    size_t got = 0;
    /* read at most one byte more than the largest image, to tell "too long"
     * apart; the buffer follows the file's size up to that bound */
    size_t max = jc_image_encoded_size() + 6u + JC_RT_SECTION_MAX + 1u;
    size_t want = (size_t)sb.st_size < max ? (size_t)sb.st_size + 1u : max;
    if (want < s->buf_len + 1)
        want = s->buf_len + 1;
    uint8_t *rbuf = malloc(want);
    if (!rbuf) {
        close(fd);
        rc = JC_ERR_NOMEM;
        goto err;
    }
    for (;;) {
        ssize_t r = read(fd, rbuf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(rbuf);
            close(fd);
            goto err;
        }
        if (r == 0 || (got += (size_t)r) == want)
            break;
    }
    close(fd);
    rc = jc_image_decode(rbuf, got, st);
    free(rbuf);
    if (rc < 0)
        goto err;
    remove_stale_temps(s);
    *out = s;
    return 0;
err:
    store_free(s);
    return rc;
}

int jc_store_create_file(jc_store **out, const char *path, const jc_pstate *st)
{
    if (!out || !path || !st)
        return JC_ERR_ARG;
    *out = NULL;
    jc_store *s = store_alloc(true, path);
    if (!s)
        return JC_ERR_NOMEM;
    int n = ensure_buf(s, jc_image_size(st));
    if (n == 0)
        n = jc_image_encode(st, s->buf, s->buf_len);
    int rc = n < 0 ? n : write_image(s, s->buf, (size_t)n, true);
    if (rc < 0) {
        store_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

const char *jc_store_reason(const char *path, int rc, bool create, char *buf, size_t cap)
{
    struct stat sb;
    if (rc != JC_ERR_IO || path == NULL) {
        snprintf(buf, cap, "%s", jc_strerror(rc));
        return buf;
    }
    if (create) {
        if (lstat(path, &sb) == 0) {
            snprintf(buf, cap, "the file exists (a new image is never written over another)");
            return buf;
        }
        /* the folder: missing, or not writable */
        char *copy = strdup(path);
        const char *dir = copy ? dirname(copy) : ".";
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            snprintf(buf, cap, "folder %s: %s", dir, strerror(errno));
        else if (access(dir, W_OK) != 0)
            snprintf(buf, cap, "folder %s: %s", dir, strerror(errno));
        else
            snprintf(buf, cap, "%s", jc_strerror(rc));
        if (fd >= 0)
            close(fd);
        free(copy);
        return buf;
    }
    if (stat(path, &sb) != 0) {
        snprintf(buf, cap, "%s", strerror(errno));
        return buf;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(buf, cap, "not a regular file");
        return buf;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(buf, cap, "%s", strerror(errno));
        return buf;
    }
    close(fd);
    snprintf(buf, cap, "%s", jc_strerror(rc));
    return buf;
}

int jc_store_open_memory(jc_store **out, const jc_pstate *st)
{
    if (!out || !st)
        return JC_ERR_ARG;
    *out = NULL;
    jc_store *s = store_alloc(false, NULL);
    if (!s)
        return JC_ERR_NOMEM;
    int n = ensure_buf(s, jc_image_size(st));
    if (n == 0)
        n = jc_image_encode(st, s->buf, s->buf_len);
    if (n < 0) {
        store_free(s);
        return n;
    }
    *out = s;
    return 0;
}

void jc_store_cut_power_at(jc_store *store, unsigned long n)
{
    if (store)
        store->cut_at = n;
}

unsigned long jc_store_commits(const jc_store *store)
{
    return store ? store->commits : 0;
}

bool jc_store_is_durable(const jc_store *store)
{
    return store && store->durable;
}

const char *jc_store_describe(const jc_store *store)
{
    return store ? store->desc : "no store";
}

void jc_store_close(jc_store *store)
{
    store_free(store);
}
