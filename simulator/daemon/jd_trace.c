/*
 * jd_trace.c: the trace file and the verbose log of jcopsim (see jd_trace.h).
 * Lives in the daemon, outside the pure core: it owns the FILE and the clock.
 */
#include "jd_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jc_sw.h"

static void jd_hex(FILE *f, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        putc(digits[b[i] >> 4], f);
        putc(digits[b[i] & 15], f);
    }
}

/* Hex for the verbose log: long APDUs are cut after 48 bytes. */
static void jd_hex_short(FILE *f, const uint8_t *b, size_t n)
{
    if (n <= 48) {
        jd_hex(f, b, n);
        return;
    }
    jd_hex(f, b, 40);
    fprintf(f, "...(%zu bytes)", n);
}

int jd_trace_open(jd_trace *t, const char *path, const char *profile, const char *store_desc)
{
    /* Appended, never truncated: a card restarted on the same image with the
     * same trace continues its record (each run starts with its header). */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return JC_ERR_IO;
    /* A trace holds the keys a pre-personalization writes: an existing file
     * is narrowed to 0600 too (a FIFO or terminal is left as it is). */
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077) != 0)
        fchmod(fd, 0600);
    t->file = fdopen(fd, "w");
    if (t->file == NULL) {
        close(fd);
        return JC_ERR_IO;
    }
    setvbuf(t->file, NULL, _IOFBF, 1u << 16);
    char when[32] = "?";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(t->file,
            "# jcopsim trace, recorded %s\n"
            "# jcopsim %s, profile %s, image %s\n"
            "# Replayable with jcop-replay: each /send line carries the observed answer\n"
            "# (data, then SW) as its expectation; comments are the card's own notes.\n",
            when, JCOPSIM_VERSION, profile, store_desc);
    fflush(t->file);
    return 0;
}

void jd_trace_reproduce(jd_trace *t, const char *how)
{
    if (t->file == NULL)
        return;
    fprintf(t->file, "# To replay on a card like this one: %s\n", how);
    fflush(t->file);
}

void jd_trace_close(jd_trace *t)
{
    if (t->file != NULL)
        fclose(t->file);
    t->file = NULL;
    free(t->notes);
    t->notes = NULL;
    t->notes_len = t->notes_cap = 0;
}

static void jd_note_add(jd_trace *t, const char *prefix, const char *text)
{
    if (t->notes_cut)
        return;
    /* the notes of one line: 4 KB, and room for the bytecode trace's lines with --trace-vm */
    size_t max = JD_TRACE_NOTES_MAX + (size_t)t->trace_vm * JD_TRACE_VM_LINE;
    size_t need = strlen(prefix) + strlen(text) + 3;
    if (t->notes_len + need >= max) {
        t->notes_cut = true;
        return;
    }
    if (t->notes_len + need >= t->notes_cap) {
        size_t cap = t->notes_cap ? t->notes_cap : 1024;
        while (cap <= t->notes_len + need)
            cap *= 2;
        char *n = realloc(t->notes, cap);
        if (n == NULL) {
            t->notes_cut = true; /* out of memory: the record says notes were cut */
            return;
        }
        t->notes = n;
        t->notes_cap = cap;
    }
    t->notes_len += (size_t)snprintf(t->notes + t->notes_len, t->notes_cap - t->notes_len,
                                     "# %s%s\n", prefix, text);
}

/* The VM's bytecode trace (--trace-vm): its "bc" and "call" lines. */
static bool jd_is_bytecode_line(const char *text)
{
    return strncmp(text, "VM: bc ", 7) == 0 || strncmp(text, "VM: call ", 9) == 0;
}

void jd_trace_event(void *ctx, const jc_event *ev)
{
    jd_trace *t = ctx;
    if (t->quiet || (t->file == NULL && !t->verbose))
        return;
    char line[160];
    switch (ev->kind) {
    case JC_EV_STATE:
        snprintf(line, sizeof line, "%s -> %s%s%s", jc_card_state_name(ev->old_state),
                 jc_card_state_name(ev->new_state), ev->text ? ": " : "", ev->text ? ev->text : "");
        jd_note_add(t, "state: ", line);
        break;
    case JC_EV_WARN:
        jd_note_add(t, "WARNING: ", ev->text ? ev->text : "?");
        break;
    case JC_EV_INFO:
        if (ev->text && t->trace_vm && jd_is_bytecode_line(ev->text) &&
            ++t->bc_lines > t->trace_vm) {
            /* one command, several entries of the VM (deselect, select, process): the
             * bound holds for the command */
            if (t->bc_lines == t->trace_vm + 1) {
                snprintf(line, sizeof line, "VM: bytecode trace cut at %u lines for this command",
                         t->trace_vm);
                jd_note_add(t, "", line);
            }
            break;
        }
        jd_note_add(t, "", ev->text ? ev->text : "?");
        break;
    case JC_EV_MEM_WRITE:
        snprintf(line, sizeof line, "%06X, %zu byte(s)", (unsigned)ev->addr, ev->len);
        jd_note_add(t, "memory written at ", line);
        break;
    case JC_EV_CAPDU:
    case JC_EV_RAPDU:
    case JC_EV_POWER:
    default:
        break; /* jcopsim writes these lines itself */
    }
}

/* Write the buffered notes after a line, in both records. */
static void jd_flush_notes(jd_trace *t)
{
    if (t->notes_len > 0 && t->notes != NULL) {
        if (t->file != NULL)
            fwrite(t->notes, 1, t->notes_len, t->file);
        if (t->verbose) {
            const char *p = t->notes;
            while (*p != '\0') {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                fprintf(stderr, "jcopsim:    %.*s\n", (int)(n > 2 ? n - 2 : 0), p + 2);
                p += n + (nl ? 1 : 0);
            }
        }
    }
    /* (written here: the note that the notes were cut must not need room among them) */
    if (t->notes_cut) {
        if (t->file != NULL)
            fputs("# (more notes cut)\n", t->file);
        if (t->verbose)
            fputs("jcopsim:    (more notes cut)\n", stderr);
    }
    t->notes_len = 0;
    t->notes_cut = false;
    t->bc_lines = 0;
    if (t->notes != NULL)
        t->notes[0] = '\0';
    if (t->file != NULL)
        fflush(t->file);
}

void jd_trace_power_on(jd_trace *t, const uint8_t *atr, size_t len, const char *why)
{
    if (t->file != NULL) {
        if (why != NULL)
            fprintf(t->file, "# %s\n", why);
        fputs("/atr ", t->file);
        jd_hex(t->file, atr, len);
        putc('\n', t->file);
    }
    if (t->verbose) {
        fprintf(stderr, "jcopsim: power on%s%s, ATR ", why ? ": " : "", why ? why : "");
        jd_hex(stderr, atr, len);
        putc('\n', stderr);
    }
    jd_flush_notes(t);
}

void jd_trace_reset(jd_trace *t, const uint8_t *atr, size_t len)
{
    if (t->file != NULL) {
        fputs("/reset\n# ATR after warm reset: ", t->file);
        jd_hex(t->file, atr, len);
        putc('\n', t->file);
    }
    if (t->verbose) {
        fputs("jcopsim: warm reset, ATR ", stderr);
        jd_hex(stderr, atr, len);
        putc('\n', stderr);
    }
    jd_flush_notes(t);
}

void jd_trace_power_off(jd_trace *t, const char *why)
{
    if (t->file != NULL) {
        if (why != NULL)
            fprintf(t->file, "# %s\n", why);
        fputs("/power off\n", t->file);
    }
    if (t->verbose)
        fprintf(stderr, "jcopsim: power off%s%s\n", why ? ": " : "", why ? why : "");
    jd_flush_notes(t);
}

void jd_trace_exchange(jd_trace *t, const uint8_t *capdu, size_t clen, const uint8_t *rapdu,
                       size_t rlen)
{
    if (t->file != NULL) {
        fputs("/send ", t->file);
        jd_hex(t->file, capdu, clen);
        putc(' ', t->file);
        jd_hex(t->file, rapdu, rlen);
        putc('\n', t->file);
    }
    if (t->verbose) {
        uint16_t sw = (uint16_t)(rapdu[rlen - 2] << 8 | rapdu[rlen - 1]);
        char buf[96];
        fputs("jcopsim: => ", stderr);
        jd_hex_short(stderr, capdu, clen);
        fputs("\njcopsim: <= ", stderr);
        jd_hex_short(stderr, rapdu, rlen);
        fprintf(stderr, "  %s: %s\n", jc_sw_name(sw), jc_sw_text(sw, buf, sizeof buf));
    }
    jd_flush_notes(t);
}

void jd_trace_note(jd_trace *t, const char *text)
{
    if (t->file != NULL)
        fprintf(t->file, "# %s\n", text);
    if (t->verbose)
        fprintf(stderr, "jcopsim: %s\n", text);
    jd_flush_notes(t);
}
