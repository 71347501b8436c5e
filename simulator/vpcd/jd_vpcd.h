/*
 * jd_vpcd.h: the vpcd wire protocol and its sockets, without any card logic.
 *
 * vsmartcard's vpcd (inside pcscd) and a virtual card talk over TCP in frames:
 * a 2-byte big-endian length, then that many bytes. A 1-byte frame is a control
 * (00 power off, 01 power on, 02 warm reset, 04 "send your ATR"); a longer one is
 * a C-APDU. Only 04 and C-APDUs get an answer, always one non-empty frame.
 *
 * This module owns the framing (a bounded, buffered frame reader that survives
 * any input), the socket set-up for both directions (the card connects to vpcd,
 * or listens for vpcd to connect), the reconnect policy with its retry budget,
 * the re-announce after every (re)connection, and TCP_QUICKACK after every frame
 * header. The card itself is reached only through jd_card_ops, so the daemon
 * (simulator/daemon) and the benchmark's trivial card (tools/bench) share it.
 */
#ifndef JD_VPCD_H
#define JD_VPCD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Silence after a power control that jcopsim and the trivial card take for a
 * client's 1-byte C-APDU (jd_serve): pcscd polls presence every 0.4 s, so a
 * real power-off is followed by a 04 well within it (measured in THREAT-MODEL.md). */
#define JD_LONE_CONTROL_MS 3000u

/* Faults of this module: negative codes. */
enum {
    JD_OK = 0,
    JD_ERR_CLOSED = -101,      /* the peer closed between frames */
    JD_ERR_TRUNCATED = -102,   /* the peer closed in the middle of a frame */
    JD_ERR_MALFORMED = -103,   /* a frame no vpcd sends (empty) */
    JD_ERR_TIMEOUT = -104,     /* the rest of a started frame never came */
    JD_ERR_IO = -105,          /* a socket call failed */
    JD_ERR_STOPPED = -106,     /* the stop flag was raised (SIGTERM/SIGINT) */
    JD_ERR_UNREACHABLE = -107, /* vpcd could not be reached within the retry budget */
    JD_ERR_ADDR = -108,        /* an address could not be parsed, resolved or bound */
    JD_ERR_CARD = -109,        /* a card callback reported a fatal fault */
    /* a power control followed by silence: a client's 1-byte C-APDU (jd_serve) */
    JD_ERR_LONE_CONTROL = -110,
};
const char *jd_strerror(int err);

#define JD_FRAME_MAX 65535u
#define JD_DEFAULT_PORT 35963u

/* Control bytes, reader to card. */
enum { JD_CTL_POWER_OFF = 0x00, JD_CTL_POWER_ON = 0x01, JD_CTL_RESET = 0x02, JD_CTL_ATR = 0x04 };

/* One connection: the socket and its bounded receive buffer (one whole frame at
 * most, whatever the peer sends). */
typedef struct {
    int fd;
    uint8_t rx[2u + JD_FRAME_MAX];
    size_t rx_start, rx_end; /* unread bytes are rx[rx_start..rx_end) */
    uint8_t tx[2u + JD_FRAME_MAX];
    unsigned frame_timeout_ms;         /* how long the rest of a started frame may take */
    unsigned lone_control_ms;          /* see jd_serve; 0 = no watch */
    const volatile sig_atomic_t *stop; /* raised by a signal handler; may be NULL */
    const sigset_t *waitmask;          /* signal mask while waiting (ppoll); NULL = current */
} jd_conn;

/* Attach fd (made non-blocking) to c and empty its buffer. */
void jd_conn_init(jd_conn *c, int fd, const volatile sig_atomic_t *stop, const sigset_t *waitmask);

/* Read one whole frame. On JD_OK, *body points into c's buffer (valid until the
 * next read) and *len is 1..65535. Sets TCP_QUICKACK once a header is in.
 * Returns JD_ERR_CLOSED, _TRUNCATED, _MALFORMED (zero length), _TIMEOUT, _IO or
 * _STOPPED otherwise; after any error the connection must be dropped. */
int jd_frame_read(jd_conn *c, const uint8_t **body, size_t *len);

/* Write one frame (len 0..65535; 0 only for the re-announce). */
int jd_frame_write(jd_conn *c, const uint8_t *body, size_t len);

/* What the transport needs from a card. Each returns >= 0, or < 0 for a fatal
 * fault that ends jd_run (the code is handed back through *card_err). */
typedef struct {
    int (*power_on)(void *ctx);                      /* control 01 */
    int (*power_off)(void *ctx);                     /* control 00 */
    int (*reset)(void *ctx);                         /* control 02 */
    int (*atr)(void *ctx, uint8_t *atr, size_t cap); /* control 04: ATR length */
    int (*apdu)(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu,
                size_t cap);                  /* R-APDU length >= 2 */
    void (*disconnected)(void *ctx, int why); /* connection lost (JD_ERR_*) */
    void (*log)(void *ctx, const char *msg);  /* optional, one line, no \n */
} jd_card_ops;

/* Serve one connection until it ends. When *announce is true, the first 04 is
 * answered with an empty frame, *announce is cleared and JD_OK is returned
 * (the caller closes and reconnects at once, so pcscd registers a fresh
 * insertion). Otherwise returns the JD_ERR_* that ended the connection, or
 * JD_ERR_CARD with *card_err set.
 *
 * One-byte C-APDUs. vpcd frames a client's C-APDU as it is, so an application
 * that transmits one byte sends a 1-byte frame, which is what a control looks
 * like. A byte that is no control vpcd sends (03, 05..FF) can only be such a
 * C-APDU: it goes to the card (which answers it with a status word). 04 is
 * answered with the ATR either way, and the client gets the ATR back. 00, 01
 * and 02 get no answer as controls, so vpcd would wait for ever and hold the
 * reader (pcscd's presence poll waits behind the transmit). The two cannot be
 * told apart by their bytes, but by what follows: a real control is followed
 * within pcscd's presence poll (about 0.4 s; 01 and 02 at once by 04), a
 * transmit by silence. When c->lone_control_ms is set and nothing arrives
 * within it after 00, 01 or 02, the control has been applied (as always) and
 * jd_serve returns JD_ERR_LONE_CONTROL: the caller closes the connection, so
 * vpcd's read fails, the client's transmit returns an error instead of
 * hanging, and the card comes back through a fresh connection (re-announced).
 * Answering the byte with a status word instead would desynchronise vpcd for
 * good whenever the guess is wrong (the answer would be read as the ATR of the
 * next poll, and every later answer one request late); closing cannot. */
int jd_serve(jd_conn *c, const jd_card_ops *ops, void *ctx, bool *announce, int *card_err);

typedef struct {
    bool listen;              /* reversed mode: wait for vpcd to connect */
    const char *host;         /* connect to / listen on (numeric or name) */
    unsigned port;            /* port for slot 0 */
    unsigned slot;            /* added to the port */
    unsigned retry_budget_ms; /* normal mode: give up after this long without vpcd; 0 = never */
    unsigned frame_timeout_ms;
    unsigned lone_control_ms; /* silence after 00/01/02 meaning a 1-byte C-APDU; 0 = off */
    bool no_announce;         /* test only: skip the re-announce (shows the stuck-reader trap) */
    const volatile sig_atomic_t *stop;
    const sigset_t *waitmask;
} jd_config;

/* Whether host resolves to a loopback address only (127/8, ::1). */
bool jd_host_is_loopback(const char *host);
/* Parse "HOST:PORT" or "[V6]:PORT" into host (cap bytes) and port. */
int jd_parse_hostport(const char *s, char *host, size_t cap, unsigned *port);

/* Run the card on vpcd until stopped (returns JD_ERR_STOPPED), the retry budget
 * runs out (JD_ERR_UNREACHABLE), the address is unusable (JD_ERR_ADDR), or a
 * card callback fails (JD_ERR_CARD, code in *card_err). conn is the caller's
 * (large) connection buffer. */
int jd_run(const jd_config *cfg, jd_conn *conn, const jd_card_ops *ops, void *ctx, int *card_err);

#endif
