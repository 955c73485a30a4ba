/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network context: settings, the listeners every worker opens (UDP
 * sockets and TCP/TLS/WSS listeners, one per worker each, sharing the address
 * with SO_REUSEPORT so the kernel spreads the load and a connection stays
 * with the worker that accepted it), connection caps shared by all workers,
 * and per-worker counters. Outgoing TCP/TLS connections are not done yet.
 */
#ifndef SW_NET_NET_H
#define SW_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "net/transport.h"

struct loop_pool;
struct loop_worker;
struct net_ctx;
struct net_tls_ctx;

enum {
    NET_MAX_LISTENERS = 32,       /* listen specs per context */
    NET_UDP_MAX_DGRAM = 65535,    /* larger datagrams are dropped */
    NET_STREAM_READ_SLACK = 4096, /* read cap = max_frame_bytes + this */
};

struct net_cfg {
    size_t udp_rcvbuf_bytes;           /* SO_RCVBUF per UDP socket */
    uint32_t idle_timeout_ms;          /* stream closed after no frame */
    uint32_t tls_handshake_timeout_ms; /* TLS handshake deadline */
    uint32_t max_conns_per_ip;         /* open streams per source IP */
    uint32_t max_conns;                /* open streams in total */
    size_t max_frame_bytes;            /* largest frame a stream buffers */
    size_t wq_max_bytes;               /* per-connection write queue cap */
    size_t udp_sendq_max_bytes;        /* per-socket queued datagrams cap */
    int listen_backlog;                /* listen(2) backlog */
};

/*
 * Defaults: 4 MiB SO_RCVBUF, 120 s idle, 10 s TLS handshake, 32
 * connections per IP, 10000 in total, 65535-byte frames, 512 KiB write
 * queue, 4 MiB UDP send queue, backlog 511.
 */
void net_cfg_default(struct net_cfg *cfg);

/*
 * Counters, one set per worker, written only by that worker. conns_open is
 * a gauge; the rest only grow. rx_pkts/rx_bytes count datagrams and frames
 * handed to on_msg, tx_pkts/tx_bytes messages accepted for sending,
 * tx_drops sends that failed or were refused, drops_oversize truncated or
 * oversize datagrams and streams over the read cap, drops_empty empty
 * datagrams, ws_refused WebSocket opening handshakes answered 400/403.
 */
#define NET_STATS_FIELDS(X)  \
    X(rx_pkts)               \
    X(rx_bytes)              \
    X(tx_pkts)               \
    X(tx_bytes)              \
    X(tx_drops)              \
    X(rx_errors)             \
    X(drops_oversize)        \
    X(drops_empty)           \
    X(conns_accepted)        \
    X(conns_open)            \
    X(conns_refused_cap)     \
    X(conns_refused_max)     \
    X(conns_refused_filter)  \
    X(conns_idle_closed)     \
    X(conns_bad_frame)       \
    X(conns_wq_overflow)     \
    X(tls_handshake_fail)    \
    X(tls_handshake_timeout) \
    X(ws_refused)

struct net_stats {
#define NET_STATS_DECL_(name) uint64_t name;
    NET_STATS_FIELDS(NET_STATS_DECL_)
#undef NET_STATS_DECL_
};

/* A listener every worker opens. */
struct net_listen_spec {
    enum net_proto proto;     /* UDP, TCP, TLS or WSS */
    struct net_addr addr;     /* port 0: one ephemeral port, all workers */
    bool dual_stack;          /* IPv6 any also takes IPv4 (IPV6_V6ONLY=0) */
    struct net_tls_ctx *tls;  /* TLS, WSS only; not owned, outlives ctx */
    const char *ws_origins;   /* WSS: allowed Origins (commas or blanks);
                                 NULL or "" = any; not owned, outlives ctx */
    net_frame_fn *frame;      /* streams: required (WSS: not called, one
                                 WebSocket message is one message) */
    net_msg_fn *on_msg;       /* required */
    net_close_fn *on_close;   /* streams: optional */
    net_accept_fn *on_accept; /* streams: optional */
    void *ud;                 /* passed to the callbacks */
};

/*
 * Create a context for the workers of 'pool' (initialised, not started),
 * with a copy of 'cfg' (NULL = defaults). Returns 0, -EINVAL (zero caps or
 * sizes in cfg) or -ENOMEM. Main thread.
 */
int net_ctx_new(struct net_ctx **out, struct loop_pool *pool,
                const struct net_cfg *cfg);

/*
 * Add a listener (copied) that net_worker_start() opens on every worker.
 * Before loop_pool_start() only. *id (may be NULL) receives its index.
 * Returns 0, -EINVAL (missing callback, TLS without tls, frame missing on
 * a stream, unset addr) or -ENOSPC (NET_MAX_LISTENERS reached).
 */
int net_ctx_listen(struct net_ctx *ctx, const struct net_listen_spec *spec,
                   unsigned *id);

/*
 * Open every listener on worker 'w'; call it from the pool's init hook
 * (on w's thread). Registers a stop hook that closes all of w's sockets
 * and connections. Relies on loop_pool_start() running init hooks one at
 * a time: the first worker resolves port 0 and the others bind the port
 * it got. Returns 0 or a negative errno (EADDRINUSE, EACCES, ENOMEM ...);
 * on failure the stop hook still cleans up what was opened.
 */
int net_worker_start(struct net_ctx *ctx, struct loop_worker *w);

/*
 * The address listener 'id' is bound to (real port, after the first
 * worker started). Returns 0 or -ENOENT.
 */
int net_ctx_bound_addr(const struct net_ctx *ctx, unsigned id,
                       struct net_addr *out);

/*
 * Worker 'worker_index''s UDP socket for listener 'id', e.g. to send a
 * request from; NULL if 'id' is not UDP or the worker did not open it.
 * Valid until net_ctx_free().
 */
struct net_udp *net_ctx_udp(struct net_ctx *ctx, unsigned worker_index,
                            unsigned id);

/* Counters of one worker, or the sum over all; any thread. */
void net_ctx_stats(const struct net_ctx *ctx, unsigned worker_index,
                   struct net_stats *out);
void net_ctx_stats_sum(const struct net_ctx *ctx, struct net_stats *out);

/*
 * Free the context after loop_pool_stop() (every socket is closed by
 * then). Connections still referenced stay allocated until their last
 * net_conn_unref(). NULL is a no-op.
 */
void net_ctx_free(struct net_ctx *ctx);

#endif
