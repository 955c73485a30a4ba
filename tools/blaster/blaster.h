/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sw-blaster, a SIP-over-UDP flood generator and receive-rate sink for the
 * shield's tests and benchmarks: the options shared by its parts, the SIP
 * request builder, the send loops (plain UDP socket or raw IPv4 with
 * spoofed sources) and the recvmmsg sink. Loopback and namespaces only
 * unless told otherwise.
 */
#ifndef SW_TOOLS_BLASTER_H
#define SW_TOOLS_BLASTER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

enum {
    BLASTER_BATCH_MAX = 256, /* datagrams per sendmmsg/recvmmsg at most */
    BLASTER_MSG_CAP = 2048,  /* bytes of one SIP request at most */
    BLASTER_RAW_HDR = 28,    /* IPv4 + UDP headers in front (raw mode) */
};

/* What one request looks like (everything but the per-packet fields). */
struct blaster_msg_cfg {
    const char *method; /* "REGISTER", "OPTIONS" or "INVITE" */
    const char *ua;     /* User-Agent value; NULL or "" = no header */
    const char *user;   /* From user (REGISTER: also To) */
    const char *target; /* INVITE: To and request-URI user */
    const char *domain; /* host of the request-URI, From and To */
    uint64_t salt;      /* per-run random, mixed into Call-ID/tag/branch */
};

struct blaster_opts {
    struct net_addr dst;     /* --dst or --sink */
    struct net_addr src;     /* --src (len 0 = kernel's choice) */
    bool spoof;              /* --spoof given */
    uint32_t spoof_base;     /* network of --spoof, host order */
    uint64_t spoof_size;     /* addresses in it (1 .. 2^32) */
    uint64_t distinct;       /* sources cycled over (<= spoof_size) */
    uint16_t sport;          /* source port (0 = ephemeral, UDP mode) */
    uint64_t count;          /* packets at most; 0 = no count bound */
    double duration_s;       /* seconds at most; 0 = no time bound */
    uint64_t rate_pps;       /* 0 = as fast as possible */
    unsigned batch;          /* datagrams per system call */
    unsigned drain_pause_ms; /* sink: 0 = read continuously, else let the queue
                                fill this long, then drain it */
    struct blaster_msg_cfg msg;
};

/* Summary of a run, printed as one JSON line by the caller. */
struct blaster_result {
    uint64_t packets;  /* sent (flood) or received (sink) */
    uint64_t bytes;    /* payload bytes, same direction */
    uint64_t errors;   /* failed send calls (flood) */
    double seconds;    /* flood: first to last send; sink: first to last */
    double start_unix; /* wall clock of the first packet */
    double cpu_s;      /* user + system CPU of this process */
};

/* Set by SIGINT/SIGTERM: loops stop at the next batch and report. */
extern volatile sig_atomic_t blaster_stop;

/*
 * Write one request into 'buf' (cap bytes): method, Via with 'via_host'
 * (an IP text, IPv6 without brackets) and 'via_port', Call-ID, From tag,
 * branch and CSeq derived from 'seq' and cfg->salt (distinct for every
 * seq), Content-Length exact (INVITE carries a small SDP offer). Returns
 * the length, or 0 when it does not fit in 'cap'.
 */
size_t blaster_msg_build(char *buf, size_t cap,
                         const struct blaster_msg_cfg *cfg,
                         const char *via_host, uint16_t via_port, uint64_t seq);

/*
 * Send requests to o->dst until o->count packets or o->duration_s seconds
 * (whichever comes first) or blaster_stop, paced to o->rate_pps when
 * non-zero. Spoof mode (o->spoof, IPv4 only) needs CAP_NET_RAW. Fills
 * 'res'; returns 0 or negative errno (with a message on stderr).
 */
int blaster_flood_run(const struct blaster_opts *o, struct blaster_result *res);

/*
 * Bind o->dst and count datagrams with recvmmsg on this thread until
 * o->duration_s has passed since the bind (or o->count datagrams, or
 * blaster_stop). With o->drain_pause_ms the thread sleeps that long, lets
 * the (large) receive queue fill, and drains it as fast as it can; only
 * the draining is timed, so the rate is the saturated one even when the
 * sender is slower than the receiver. Fills 'res'; returns 0 or negative
 * errno.
 */
int blaster_sink_run(const struct blaster_opts *o, struct blaster_result *res);

/* Monotonic seconds. */
double blaster_now(void);

/* Wall clock seconds (Unix time). */
double blaster_wall(void);

/* User + system CPU seconds of this process so far. */
double blaster_cpu_s(void);

#endif
