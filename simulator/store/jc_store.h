/*
 * jc_store.h: where a card image lives. Two backends behind one interface:
 *  - file: every commit writes a temporary file beside the image (mode 0600),
 *    fsyncs it, renames it over the image and fsyncs the folder, so a crash at
 *    any point leaves the old or the new image, never a mix;
 *  - memory: commits are kept in memory only, labelled "memory-only (not
 *    durable)" wherever the store is described.
 * jc_store_commit has the signature of jc_env.commit, so a card is wired to a
 * store with env.commit = jc_store_commit, env.commit_ctx = store.
 */
#ifndef JC_STORE_H
#define JC_STORE_H

#include <stdbool.h>

#include "jc_state.h"

typedef struct jc_store jc_store;

/* Open an existing image file and load it into *st (a runtime section lands
 * in st->rt: free it with jc_pstate_release). Refuses (JC_ERR_IO,
 * JC_ERR_TRUNCATED, JC_ERR_CORRUPT, JC_ERR_VERSION, ...) a missing, short or
 * damaged file without changing it. */
int jc_store_open_file(jc_store **out, const char *path, jc_pstate *st);
/* Create a new image file (mode 0600, must not exist) holding st. */
int jc_store_create_file(jc_store **out, const char *path, const jc_pstate *st);
/* A memory-only store (no file). */
int jc_store_open_memory(jc_store **out, const jc_pstate *st);

/* Durably store st (jc_env.commit signature). Returns 0 or <0. */
int jc_store_commit(void *store, const jc_pstate *st);

/* Power-loss injection for tests: the n-th commit from now (1-based) fails
 * with JC_ERR_POWER_CUT before anything reaches the file; 0 disables. */
void jc_store_cut_power_at(jc_store *store, unsigned long n);
/* Number of successful commits so far. */
unsigned long jc_store_commits(const jc_store *store);

bool jc_store_is_durable(const jc_store *store);
/* "file /path/to/image" or "memory-only (not durable)". */
const char *jc_store_describe(const jc_store *store);
void jc_store_close(jc_store *store);

#endif
