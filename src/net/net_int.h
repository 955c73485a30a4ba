/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the net/ sources: the context, per-worker state,
 * sockets, connections, the per-IP connection table and the TLS driver
 * hooks. Never included outside src/net/.
 */
#ifndef SW_NET_NET_INT_H
#define SW_NET_NET_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

#include "base/buf.h"
#include "base/log.h"
#include "net/net.h"
#include "net/ws.h"

struct loop_worker;

enum {
    NET_UDP_CHUNK = 64 * 1024,            /* libuv's recvmmsg slot */
    NET_UDP_BUF_LEN = 16 * NET_UDP_CHUNK, /* 16 datagrams per batch */
    NET_STREAM_BUF_LEN = 64 * 1024,       /* one stream read */
    NET_TLS_PT_LEN = 64 * 1024,           /* decrypted bytes per pass */
};

/* Per-worker counters: one writer (the worker), readers anywhere. */
struct net_stats_live {
#define NET_STATS_LIVE_DECL_(name) _Atomic uint64_t name;
    NET_STATS_FIELDS(NET_STATS_LIVE_DECL_)
#undef NET_STATS_LIVE_DECL_
};

/* Single writer, so a relaxed load + store is enough (no locked add). */
#define NET_STAT_ADD(nw, field, n)                                     \
    atomic_store_explicit(                                             \
        &(nw)->stats.field,                                            \
        atomic_load_explicit(&(nw)->stats.field, memory_order_relaxed) \
            + (uint64_t)(n),                                           \
        memory_order_relaxed)
#define NET_STAT_INC(nw, field) NET_STAT_ADD(nw, field, 1)
#define NET_STAT_DEC(nw, field) NET_STAT_ADD(nw, field, (uint64_t)-1)

/* Open stream connections per source IP, shared by all workers. */
struct net_ipcap_ent {
    uint8_t ip[16]; /* net_addr_ip16() key */
    uint32_t count; /* 0 = free slot */
};

struct net_ipcap {
    uv_mutex_t mu;             /* guards everything below */
    struct net_ipcap_ent *tab; /* open addressing, linear probing */
    size_t mask;               /* slots - 1 (power of two) */
    uint64_t seed;             /* hash key, random per process */
};

int net_ipcap_init(struct net_ipcap *cap, uint32_t max_entries);
void net_ipcap_fini(struct net_ipcap *cap);
/* Count one more connection from 'a'; false (nothing counted) over 'limit'. */
bool net_ipcap_acquire(struct net_ipcap *cap, const struct net_addr *a,
                       uint32_t limit);
void net_ipcap_release(struct net_ipcap *cap, const struct net_addr *a);

/* struct net_tls_ctx (tls_ctx.c) is opaque: connections get their SSL
 * from net_tls_conn_init(). */

struct net_worker;

enum {
    NET_UDP_TX_BATCH = 32,      /* answers sent by one sendmmsg */
    NET_UDP_TX_BUF = 64 * 1024, /* bytes those answers may take */
};

struct net_udp {
    uv_udp_t h; /* valid when is_inited */
    struct net_worker *nw;
    const struct net_listen_spec *spec;
    struct net_addr local;  /* bound address */
    bool is_inited;         /* h needs uv_close */
    _Atomic bool is_closed; /* closed or never opened: sends fail */
    /* Answers given while a receive batch is handled go out together in
     * one sendmmsg when the batch ends (worker thread only). */
    bool is_batching;
    unsigned n_tx;
    size_t tx_used;
    struct net_addr tx_dst[NET_UDP_TX_BATCH];
    uint32_t tx_off[NET_UDP_TX_BATCH];
    uint32_t tx_len[NET_UDP_TX_BATCH];
    char tx_buf[NET_UDP_TX_BUF];
};

struct net_listener {
    uv_tcp_t h;
    struct net_worker *nw;
    const struct net_listen_spec *spec;
    struct net_addr local;
    bool is_inited;
    uv_tcp_t reject;        /* accepts and drops when a conn can't be
                               allocated, so the listener never stalls */
    bool is_reject_busy;    /* 'reject' open or closing */
    bool is_accept_pending; /* a connection waits for 'reject' */
};

struct net_conn {
    uv_tcp_t h;               /* the connection socket */
    uv_timer_t timer;         /* idle / TLS handshake deadline */
    struct net_worker *nw;    /* owner; its thread only */
    struct net_listener *lsn; /* accepted on */
    enum net_proto proto;
    struct net_addr peer;     /* normalised */
    struct net_addr local;    /* normalised */
    _Atomic unsigned refs;    /* 1 while open + net_conn_ref()s */
    _Atomic bool is_closing;  /* set once by conn_close */
    unsigned n_close_pending; /* handles whose close cb is due */
    bool is_counted;          /* holds a slot in caps and conns_open */
    bool is_established;      /* TCP: always; TLS: handshake done */
    SSL *ssl;                 /* TLS only; owns rbio and wbio */
    BIO *rbio;                /* ciphertext from the peer */
    BIO *wbio;                /* ciphertext to the peer */
    bool has_peer_fp;         /* TLS: a client cert verified at handshake */
    uint8_t peer_fp[32];      /* its SHA-256 fingerprint (NET_TLS_FP_LEN) */
    struct buf rbuf;          /* unframed bytes, capped */
    bool is_ws_open;          /* WSS: opening handshake done */
    bool is_ws_ping_sent;     /* WSS: idle ping sent, no frame since */
    struct ws_dec ws;         /* WSS: frame decoder */
    size_t wq_bytes;          /* bytes in pending uv_write requests */
    struct net_conn *prev;    /* worker's open list */
    struct net_conn *next;
};

struct net_worker {
    struct net_ctx *ctx;
    struct loop_worker *w; /* set by net_worker_start */
    struct net_stats_live stats;
    char *udp_buf;             /* NET_UDP_BUF_LEN, recvmmsg batches */
    char *rx_buf;              /* NET_STREAM_BUF_LEN, stream reads */
    char *tls_pt;              /* NET_TLS_PT_LEN, TLS plaintext */
    struct net_udp *udps;      /* [ctx->n_specs] */
    struct net_listener *lsns; /* [ctx->n_specs] */
    struct net_conn *conns;    /* open and closing connections */
    bool is_stopping;          /* stop hook ran: no new connections */
};

struct net_ctx {
    struct loop_pool *pool;
    struct net_cfg cfg;
    struct net_listen_spec specs[NET_MAX_LISTENERS];
    struct net_addr bound[NET_MAX_LISTENERS]; /* resolved by worker 0 */
    bool is_bound[NET_MAX_LISTENERS];
    unsigned n_specs;
    struct net_worker *workers; /* [pool->n_workers] */
    unsigned n_workers;
    _Atomic uint32_t n_conns; /* counted connections, all workers */
    struct net_ipcap ipcap;
};

extern const struct log_ctx net_lc;

/* sock.c: socket()+setsockopt+bind; *fd is non-blocking, close-on-exec. */
int net_sock_bind(const struct net_addr *addr, int type, bool dual_stack,
                  size_t rcvbuf_bytes, int *fd, struct net_addr *bound);

/* udp.c */
int net_udp_open(struct net_worker *nw, struct net_udp *udp,
                 const struct net_listen_spec *spec,
                 const struct net_addr *addr, bool dual_stack);
void net_udp_close(struct net_udp *udp);

/* stream.c */
int net_listener_open(struct net_worker *nw, struct net_listener *lsn,
                      const struct net_listen_spec *spec,
                      const struct net_addr *addr, bool dual_stack);
void net_listener_close(struct net_listener *lsn);
void net_conn_close_why(struct net_conn *conn, enum net_close_reason why);
/* Feed plaintext stream bytes to the framer (TLS hands decrypted bytes). */
void net_conn_feed(struct net_conn *conn, const char *data, size_t len);
/* Write raw bytes to the socket through the bounded write queue. */
int net_conn_write_raw(struct net_conn *conn, const char *data, size_t len);
/* (Re)arm the idle timer. */
void net_conn_arm_idle(struct net_conn *conn);
/* Hand one message to the listener's on_msg (counts it, re-arms idle). */
void net_conn_deliver(struct net_conn *conn, const char *data, size_t len);

/* wsconn.c: WebSocket over a TLS connection (NET_PROTO_WSS). */
void net_ws_conn_init(struct net_conn *conn);
void net_ws_conn_fini(struct net_conn *conn);
/* Decrypted bytes: the opening handshake, then frames. */
void net_ws_conn_feed(struct net_conn *conn, const char *data, size_t len);
/* One message as a text frame; -EAGAIN before the handshake is done. */
int net_ws_conn_send(struct net_conn *conn, const char *data, size_t len);
/* The idle timer fired: true when a ping went out instead of closing. */
bool net_ws_conn_idle_ping(struct net_conn *conn);

/* tls_ctx.c: a new server SSL from the context's current set. */
SSL *net_tls_ssl_new(struct net_tls_ctx *ctx);

/* tls.c: the connection-side TLS driver over memory BIOs. */
int net_tls_conn_init(struct net_conn *conn, struct net_tls_ctx *tls);
void net_tls_conn_on_read(struct net_conn *conn, const char *data, size_t len);
int net_tls_conn_send(struct net_conn *conn, const char *data, size_t len);
void net_tls_conn_fini(struct net_conn *conn);

#endif
