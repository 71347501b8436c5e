/*
 * jh_reader_card.c: the in-process backend of jh_reader.h. It owns a card
 * core (jc_card), its store (memory-only, or a durable image file through
 * jcstore) and the random source the card draws from. Card trace events are
 * copied into the step's transcript entry (set_sink), so a transcript can say
 * which memory bytes a WRITE changed and which state the card entered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jc_card.h"
#include "jcvm_runtime.h"
#include "jc_rng.h"
#include "jc_image.h"
#include "jc_profile.h"
#include "jc_store.h"
#include "jc_sysrand.h"
#include "jc_t0.h"
#include "jh_reader.h"

typedef struct {
    jh_reader base;
    jc_card *card;
    jcvm_rt *vm; /* the Java Card VM running the card's applets */
    jc_store *store;
    jh_entry *sink;
    unsigned trace_vm; /* bytecode lines kept per exchange (0: bytecode trace off) */
    unsigned bc_lines; /* bytecode lines seen in this exchange */
    uint64_t seed;     /* 0 = the system's source (jc_sysrand) */
    uint64_t prng;
    jc_t0 *t0;     /* --t0: the card answers as a T=0 card */
    bool borrowed; /* jh_reader_card_borrow: the card, its VM and store are the caller's */
} card_reader;

static int card_random(void *ctx, uint8_t *out, size_t n)
{
    card_reader *r = ctx;
    if (r->seed) {
        jc_splitmix_fill(&r->prng, out, n); /* reproducible runs (--seed) */
        return 0;
    }
    return jc_sysrand(NULL, out, n); /* a failure is JC_ERR_RANDOM: the card answers it */
}

static void card_trace(void *ctx, const jc_event *ev)
{
    card_reader *r = ctx;
    if (!r->sink || ev->kind == JC_EV_CAPDU || ev->kind == JC_EV_RAPDU)
        return;
    /* the bounded bytecode trace (--trace-vm): the VM's "bc ..." lines */
    if (r->trace_vm && ev->kind == JC_EV_INFO && ev->text && strncmp(ev->text, "VM: bc ", 7) == 0 &&
        ++r->bc_lines > r->trace_vm) {
        if (r->bc_lines == r->trace_vm + 1) {
            char t[120];
            snprintf(t, sizeof t, "VM: bytecode trace cut at %u lines for this command",
                     r->trace_vm);
            jh_entry_add_event(r->sink, JC_EV_INFO, 0, NULL, 0, 0, 0, t);
        }
        return;
    }
    jh_entry_add_event(r->sink, (int)ev->kind, ev->addr, ev->data, ev->len, ev->old_state,
                       ev->new_state, ev->text);
}

/* --t0: the T=0 form of the ATR (jc_t0_atr), and nothing kept from before. */
static int t0_atr(card_reader *r, uint8_t *atr, int n, size_t cap)
{
    if (!r->t0 || n <= 0)
        return n;
    jc_t0_reset(r->t0);
    uint8_t t[JC_ATR_MAX];
    int k = jc_t0_atr(atr, (size_t)n, t, sizeof t);
    if (k < 0 || (size_t)k > cap)
        return n;
    memcpy(atr, t, (size_t)k);
    return k;
}

static int c_power_on(jh_reader *base, uint8_t *atr, size_t cap)
{
    card_reader *r = (card_reader *)base;
    if (jc_card_powered(r->card))
        jc_card_power_off(r->card);
    return t0_atr(r, atr, jc_card_power_on(r->card, atr, cap), cap);
}

static int c_reset(jh_reader *base, uint8_t *atr, size_t cap)
{
    card_reader *r = (card_reader *)base;
    if (!jc_card_powered(r->card))
        return t0_atr(r, atr, jc_card_power_on(r->card, atr, cap), cap);
    return t0_atr(r, atr, jc_card_reset(r->card, atr, cap), cap);
}

static void c_power_off(jh_reader *base)
{
    card_reader *r = (card_reader *)base;
    jc_card_power_off(r->card);
}

static bool c_powered(const jh_reader *base)
{
    const card_reader *r = (const card_reader *)base;
    return jc_card_powered(r->card);
}

/* One T=0 exchange, noted in the step's transcript (--explain shows it). */
static int t0_exchange(card_reader *r, const uint8_t *c, size_t len, uint8_t *out, size_t cap)
{
    int n = jc_t0_transmit(r->t0, r->card, c, len, out, cap);
    if (n >= 2 && r->sink) {
        char text[200];
        char ch[24], rh[24];
        size_t cl = len < 10 ? len : 10, rl = (size_t)n < 10 ? (size_t)n : 10;
        for (size_t i = 0; i < cl; i++)
            snprintf(ch + 2 * i, 3, "%02X", c[i]);
        for (size_t i = 0; i < rl; i++)
            snprintf(rh + 2 * i, 3, "%02X", out[(size_t)n - rl + i]);
        const char *note = r->t0->note;
        if (note && !strncmp(note, "T=0: ", 5))
            note += 5;
        snprintf(text, sizeof text, "T=0: %s%s -> %s%s%s%s%s", ch, len > cl ? ".." : "",
                 (size_t)n > rl ? ".." : "", rh, note ? " (" : "", note ? note : "",
                 note ? ")" : "");
        jh_entry_add_event(r->sink, JH_EV_LINK, 0, NULL, 0, 0, 0, text);
    }
    return n;
}

/* --t0: as a T=0 reader does, repeat a command answered 6Cxx with Le = xx and
 * fetch 61xx with GET RESPONSE, so the script sees the whole answer. */
static int t0_transmit(card_reader *r, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap)
{
    int n = t0_exchange(r, capdu, len, rapdu, cap);
    if (n < 2)
        return n;
    if (rapdu[n - 2] == 0x6C && len >= 4 && len <= 261) {
        uint8_t again[261];
        memcpy(again, capdu, len);
        size_t alen = len == 4 ? 5 : len;
        again[alen - 1] = rapdu[n - 1];
        n = t0_exchange(r, again, alen, rapdu, cap);
        if (n < 2)
            return n;
    }
    size_t total = (size_t)n - 2;
    while (rapdu[total] == 0x61 && total + 258 <= cap) {
        uint8_t gr[5] = {(uint8_t)(capdu[0] & 0x03u), 0xC0, 0x00, 0x00, rapdu[total + 1]};
        int k = t0_exchange(r, gr, sizeof gr, rapdu + total, cap - total);
        if (k < 2)
            return k;
        total += (size_t)k - 2;
    }
    return (int)total + 2;
}

static int c_transmit(jh_reader *base, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap)
{
    card_reader *r = (card_reader *)base;
    int n = r->t0 ? t0_transmit(r, capdu, len, rapdu, cap)
                  : jc_card_process(r->card, capdu, len, rapdu, cap);
    if (n < 0)
        snprintf(base->err, sizeof base->err, "card: %s", jc_strerror(n));
    return n;
}

static int c_state(const jh_reader *base)
{
    const card_reader *r = (const card_reader *)base;
    return (int)jc_card_state_get(r->card);
}

static void c_set_sink(jh_reader *base, jh_entry *e)
{
    ((card_reader *)base)->sink = e;
    ((card_reader *)base)->bc_lines = 0;
}

static const uint8_t *c_memory(const jh_reader *base)
{
    const card_reader *r = (const card_reader *)base;
    const jc_pstate *st = jc_card_pstate(r->card);
    return st ? st->mem : NULL;
}

static void c_close(jh_reader *base)
{
    card_reader *r = (card_reader *)base;
    if (!r->borrowed) {
        if (r->card)
            jc_card_free(r->card);
        jcvm_detach(r->vm);
        if (r->store)
            jc_store_close(r->store);
    }
    free(r->t0);
    free(r);
}

static const jh_reader_ops card_ops = {
    .kind = "in-process",
    .power_on = c_power_on,
    .reset = c_reset,
    .power_off = c_power_off,
    .powered = c_powered,
    .transmit = c_transmit,
    .state = c_state,
    .set_sink = c_set_sink,
    .close = c_close,
    .memory = c_memory,
};

int jh_reader_card_open(jh_reader **out, const jh_card_opts *o, char *err, size_t errcap)
{
    *out = NULL;
    card_reader *r = calloc(1, sizeof *r);
    jc_pstate *st = calloc(1, sizeof *st);
    int rc = JC_ERR_NOMEM;
    if (!r || !st) {
        snprintf(err, errcap, "out of memory");
        goto fail;
    }
    r->base.ops = &card_ops;
    if (o->t0 && (r->t0 = calloc(1, sizeof *r->t0)) == NULL) {
        snprintf(err, errcap, "out of memory");
        goto fail;
    }
    r->seed = o->seed;
    r->prng = o->seed;
    const char *profile = o->profile;
    if (!profile) {
        const jc_profile *def = jc_profile_default();
        profile = def ? def->name : "J2A040";
    }
    struct stat sb;
    if (o->image && stat(o->image, &sb) == 0) {
        rc = jc_store_open_file(&r->store, o->image, st);
        if (rc < 0) {
            char why[300];
            snprintf(err, errcap, "cannot use image %s: %s", o->image,
                     jc_store_reason(o->image, rc, false, why, sizeof why));
            goto fail;
        }
        if (o->profile && strcmp(o->profile, st->profile))
            fprintf(stderr, "jcop-replay: note: image %s holds a %s card; --profile %s ignored\n",
                    o->image, st->profile, o->profile);
    } else {
        rc = jc_pstate_init(st, profile, o->kt, card_random, r);
        if (rc < 0) {
            snprintf(err, errcap, "cannot create a %s card: %s", profile, jc_strerror(rc));
            goto fail;
        }
        rc = o->image ? jc_store_create_file(&r->store, o->image, st)
                      : jc_store_open_memory(&r->store, st);
        if (rc < 0) {
            char why[300];
            snprintf(err, errcap, "cannot create image %s: %s", o->image ? o->image : "(memory)",
                     o->image ? jc_store_reason(o->image, rc, true, why, sizeof why)
                              : jc_strerror(rc));
            goto fail;
        }
    }
    jc_env env = {
        .random = card_random,
        .random_ctx = r,
        .trace = card_trace,
        .trace_ctx = r,
        .commit = jc_store_commit,
        .commit_ctx = r->store,
    };
    rc = jc_card_create(&r->card, st, &env);
    if (rc < 0) {
        snprintf(err, errcap, "cannot start the card: %s", jc_strerror(rc));
        goto fail;
    }
    jcvm_config vcfg;
    jcvm_config_for_card(r->card, &vcfg);   /* the profile's crypto algorithm set */
    vcfg.trace_bytecodes = o->trace_vm > 0; /* --trace-vm */
    vcfg.trace_max = o->trace_vm;           /* the VM stops formatting past the bound */
    r->trace_vm = o->trace_vm;
    rc = jcvm_attach(r->card, &env, &vcfg, &r->vm);
    if (rc < 0) {
        snprintf(err, errcap, "cannot start the card's Java Card VM: %s", jc_strerror(rc));
        goto fail;
    }
    snprintf(r->base.desc, sizeof r->base.desc, "in-process %s%s, %s", st->profile,
             r->t0 ? " (T=0)" : "", jc_store_describe(r->store));
    jc_pstate_release(st);
    free(st);
    *out = &r->base;
    return 0;
fail:
    jc_pstate_release(st);
    free(st);
    if (r)
        c_close(&r->base);
    return rc < 0 ? rc : JC_ERR_NOMEM;
}

int jh_reader_card_borrow(jh_reader **out, jc_card *card, const char *desc)
{
    *out = NULL;
    card_reader *r = calloc(1, sizeof *r);
    if (!r)
        return JC_ERR_NOMEM;
    r->base.ops = &card_ops;
    r->card = card;
    r->borrowed = true;
    r->base.direct = card; /* no T=0, no trace sink: transmit is jc_card_process */
    snprintf(r->base.desc, sizeof r->base.desc, "%s", desc ? desc : "in-process (caller's card)");
    *out = &r->base;
    return 0;
}
