/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the transports hand to the layer above and how it answers: a
 * received message (struct net_pkt) with the socket or connection it came
 * on, replies on the same path, refcounted stream connections, and sends
 * to arbitrary UDP destinations. The net layer knows nothing of SIP:
 * stream framing is a caller-supplied function.
 */
#ifndef SW_NET_TRANSPORT_H
#define SW_NET_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

struct loop_worker;
struct net_conn;
struct net_udp;

enum net_proto {
    NET_PROTO_UDP = 0,
    NET_PROTO_TCP,
    NET_PROTO_TLS,
    NET_PROTO_WSS, /* SIP over secure WebSocket (RFC 7118) */
    NET_PROTO_COUNT,
};

/* "udp", "tcp", "tls", "wss". */
const char *net_proto_name(enum net_proto proto);

/* True for the transports that run over TLS (TLS and WSS). */
static inline bool net_proto_is_tls(enum net_proto proto)
{
    return proto == NET_PROTO_TLS || proto == NET_PROTO_WSS;
}

/* Why a stream connection ended; passed to net_close_fn. */
enum net_close_reason {
    NET_CLOSE_PEER = 0,       /* EOF or TLS close_notify from the peer */
    NET_CLOSE_ERROR,          /* socket, TLS or allocation error */
    NET_CLOSE_LOCAL,          /* net_conn_close() */
    NET_CLOSE_SHUTDOWN,       /* worker stopping */
    NET_CLOSE_IDLE,           /* no frame within the idle timeout */
    NET_CLOSE_BAD_FRAME,      /* the framing function returned -1 */
    NET_CLOSE_OVERSIZE,       /* unframed input over the read cap */
    NET_CLOSE_WQ_FULL,        /* write queue over its cap */
    NET_CLOSE_TLS_FAIL,       /* TLS handshake refused or failed */
    NET_CLOSE_TLS_TIMEOUT,    /* TLS handshake not done in time */
    NET_CLOSE_REFUSED_FILTER, /* the accept filter said no */
    NET_CLOSE_REFUSED_IP_CAP, /* too many connections from this IP */
    NET_CLOSE_REFUSED_MAX,    /* too many connections in total */
    NET_CLOSE_WS_REFUSED,     /* WebSocket handshake refused (400/403) */
    NET_CLOSE_REASON_COUNT,
};

/* "peer", "error", ... for logs and events. */
const char *net_close_reason_name(enum net_close_reason why);

/*
 * One received datagram or stream frame. Everything it points to (data,
 * conn, udp) is valid for the duration of the callback only; 'data' lives
 * in a buffer the worker reuses, so copy what must outlive the call, and
 * take net_conn_ref() to keep the connection.
 */
struct net_pkt {
    enum net_proto proto;
    struct net_addr src;   /* peer, IPv4-mapped IPv6 normalised to IPv4 */
    struct net_addr local; /* streams: the connection's local address;
                              UDP: the socket's bound address, which may
                              be a wildcard (IP_PKTINFO not used yet) */
    const char *data;      /* the datagram or frame, not NUL-terminated */
    size_t len;            /* bytes, > 0 */
    struct net_conn *conn; /* stream connection; NULL for UDP */
    struct net_udp *udp;   /* socket it came on; NULL for streams */
    struct loop_worker *w; /* the worker running this callback */
};

/* A message arrived; runs on the receiving worker's thread. */
typedef void net_msg_fn(void *ud, const struct net_pkt *pkt);

/*
 * Stream framing. Look at the 'len' (> 0) buffered bytes at 'data' and
 * return 0 when a frame is ready: it starts at data + *skip and is
 * *frame_len (> 0) bytes long, within 'len'. Return 1 when more bytes are
 * needed; *skip bytes at the front may still be dropped (e.g. keepalive
 * CRLFs). Return -1 for a stream that can't be framed: the connection is
 * closed without an answer. Must not keep 'data'. Both outputs start at 0.
 */
typedef int net_frame_fn(const char *data, size_t len, size_t *skip,
                         size_t *frame_len);

/*
 * A stream connection is closing (or was refused, see the REFUSED_*
 * reasons). Runs once per connection on its worker's thread, after its
 * slot in the connection caps was released and before its handles are
 * closed; sends on 'conn' from here fail with -ENOTCONN. net_conn_peer()
 * is set except for NET_CLOSE_ERROR before the peer was known.
 */
typedef void net_close_fn(void *ud, struct net_conn *conn,
                          enum net_close_reason why);

/*
 * Accept filter for stream listeners: return 0 to accept a connection
 * from 'peer', non-zero to close it at once (NET_CLOSE_REFUSED_FILTER).
 * Runs on the accepting worker before the connection counts against the
 * caps or reads anything.
 */
typedef int net_accept_fn(void *ud, const struct net_addr *peer,
                          enum net_proto proto);

/*
 * Answer 'pkt' on the path it came on: UDP from the same socket to its
 * source, streams on the same connection. Same contract as
 * net_udp_sendto() / net_conn_send().
 */
int net_reply(const struct net_pkt *pkt, const void *data, size_t len);

/*
 * Send a datagram from 'udp' to 'dst' (IPv4 destinations are mapped when
 * the socket is a dual-stack IPv6 one). On udp's own worker: sent now, or
 * copied and queued when the socket would block. From another thread:
 * copied and handed to that worker with loop_pool_call(). 'data' stays the
 * caller's. Returns 0 (sent or queued), -EINVAL (len 0 or over 65535),
 * -EAFNOSUPPORT (IPv6 to an IPv4 socket), -ENOTCONN (socket closed),
 * -ENOBUFS (send queue over its cap), -ENOMEM, or the send error.
 */
int net_udp_sendto(struct net_udp *udp, const struct net_addr *dst,
                   const void *data, size_t len);

/* The bound address of 'udp' (with its real port). */
const struct net_addr *net_udp_local(const struct net_udp *udp);

/*
 * Send bytes on a stream connection (TLS: encrypted first; WSS: as one
 * unmasked text frame, then encrypted). On the conn's worker, written now
 * as far as the socket takes it and the rest copied into the conn's write
 * queue; if the queue would exceed its cap the connection is closed
 * (NET_CLOSE_WQ_FULL) and -ENOBUFS returned. From another thread: copied
 * and handed to the conn's worker (0 means queued there; a later failure
 * closes the conn). 'data' stays the caller's.
 * Returns 0, -EINVAL (len 0 or over 1 GiB), -ENOTCONN (closed or closing),
 * -EAGAIN (TLS or WebSocket handshake not finished), -ENOBUFS, -ENOMEM, or a
 * socket error (the connection is then closed).
 */
int net_conn_send(struct net_conn *conn, const void *data, size_t len);

/*
 * Close a connection (NET_CLOSE_LOCAL). Any thread; idempotent. Memory
 * stays valid while references are held.
 */
void net_conn_close(struct net_conn *conn);

/*
 * Keep 'conn' (memory and identity, not the socket: it may still close)
 * beyond the callback that handed it out. Any thread. Every ref needs one
 * unref; the last unref frees it.
 */
void net_conn_ref(struct net_conn *conn);
void net_conn_unref(struct net_conn *conn);

/* Accessors; any thread while a reference is held. */
const struct net_addr *net_conn_peer(const struct net_conn *conn);
const struct net_addr *net_conn_local(const struct net_conn *conn);
enum net_proto net_conn_proto(const struct net_conn *conn);
struct loop_worker *net_conn_worker(const struct net_conn *conn);
/* True once the connection is closing or closed. */
bool net_conn_is_closed(const struct net_conn *conn);

/*
 * TLS: the SHA-256 fingerprint of the client certificate, when the peer
 * sent one at the handshake and it verified against the listener's client
 * CA bundle; copied to 'fp' (32 bytes) and true. False (fp untouched) for
 * no, or an unverified, certificate and for other transports. Any thread
 * while a reference is held, once a frame arrived on the connection.
 */
bool net_conn_peer_cert_fp(const struct net_conn *conn, uint8_t fp[32]);

#endif
