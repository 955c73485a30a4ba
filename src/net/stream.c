/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stream transports (TCP, and the socket side of TLS and WSS): per-worker
 * listeners with SO_REUSEPORT, accept-time caps (filter, total, per IP),
 * framing with a caller-supplied function over a capped read buffer, idle
 * timeouts, a bounded write queue, refcounted connections and their
 * orderly close. TLS record processing lives in tls.c, WebSocket in
 * wsconn.c.
 */
#include "net/net_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/check.h"
#include "loop/worker.h"
#include "net/addr.h"
#include "net/transport.h"

/* A queued write: the libuv request and a copy of the bytes. */
struct conn_wreq {
    uv_write_t req;
    struct net_conn *conn;
    size_t len;
    char data[];
};

/* A send or close handed over from another thread. */
struct conn_xcall {
    struct net_conn *conn; /* holds a reference */
    size_t len;            /* 0 = close */
    char data[];
};

/* Largest single send; far above any frame, keeps libuv's int sizes safe. */
#define NET_SEND_MAX ((size_t)1 << 30)

static size_t read_cap(const struct net_conn *conn)
{
    return conn->nw->ctx->cfg.max_frame_bytes + NET_STREAM_READ_SLACK;
}

/* ---- references and close ------------------------------------------------ */

void net_conn_ref(struct net_conn *conn)
{
    unsigned old = atomic_fetch_add(&conn->refs, 1);
    SW_BUG_ON(old == 0);
}

void net_conn_unref(struct net_conn *conn)
{
    if (!conn) {
        return;
    }
    unsigned old = atomic_fetch_sub(&conn->refs, 1);
    SW_BUG_ON(old == 0);
    if (old == 1) {
        /* Handles closed, TLS state and buffers already released. */
        free(conn);
    }
}

static void on_conn_handle_closed(uv_handle_t *h)
{
    struct net_conn *conn = h->data;
    SW_ASSERT(conn->n_close_pending > 0);
    if (--conn->n_close_pending > 0) {
        return;
    }
    struct net_worker *nw = conn->nw;
    if (conn->prev) {
        conn->prev->next = conn->next;
    } else {
        nw->conns = conn->next;
    }
    if (conn->next) {
        conn->next->prev = conn->prev;
    }
    conn->prev = NULL;
    conn->next = NULL;
    net_tls_conn_fini(conn);
    if (conn->proto == NET_PROTO_WSS) {
        net_ws_conn_fini(conn);
    }
    buf_fini(&conn->rbuf);
    net_conn_unref(conn); /* the reference held while open */
}

void net_conn_close_why(struct net_conn *conn, enum net_close_reason why)
{
    bool was = false;
    if (!atomic_compare_exchange_strong(&conn->is_closing, &was, true)) {
        return;
    }
    struct net_worker *nw = conn->nw;
    struct net_ctx *ctx = nw->ctx;
    const struct net_listen_spec *spec = conn->lsn->spec;

    if (why != NET_CLOSE_SHUTDOWN && why != NET_CLOSE_PEER
        && why != NET_CLOSE_LOCAL) {
        char peer[NET_ADDR_FMT_CAP];
        log_debug(&net_lc, "%s connection from %s closed: %s",
                  net_proto_name(conn->proto),
                  net_addr_fmt(&conn->peer, peer, sizeof(peer)),
                  net_close_reason_name(why));
    }
    if (conn->is_counted) {
        conn->is_counted = false;
        net_ipcap_release(&ctx->ipcap, &conn->peer);
        atomic_fetch_sub(&ctx->n_conns, 1);
        NET_STAT_DEC(nw, conns_open);
    }
    if (spec->on_close) {
        spec->on_close(spec->ud, conn, why);
    }
    conn->n_close_pending = 2;
    uv_close((uv_handle_t *)&conn->h, on_conn_handle_closed);
    uv_close((uv_handle_t *)&conn->timer, on_conn_handle_closed);
}

bool net_conn_is_closed(const struct net_conn *conn)
{
    return atomic_load(&conn->is_closing);
}

const struct net_addr *net_conn_peer(const struct net_conn *conn)
{
    return &conn->peer;
}

const struct net_addr *net_conn_local(const struct net_conn *conn)
{
    return &conn->local;
}

enum net_proto net_conn_proto(const struct net_conn *conn)
{
    return conn->proto;
}

struct loop_worker *net_conn_worker(const struct net_conn *conn)
{
    return conn->nw->w;
}

/* ---- timers -------------------------------------------------------------- */

static void on_timer(uv_timer_t *t)
{
    struct net_conn *conn = t->data;
    if (!conn->is_established) {
        NET_STAT_INC(conn->nw, tls_handshake_timeout);
        net_conn_close_why(conn, NET_CLOSE_TLS_TIMEOUT);
        return;
    }
    if (conn->proto == NET_PROTO_WSS && net_ws_conn_idle_ping(conn)) {
        return; /* closed at the next expiry unless a frame comes */
    }
    NET_STAT_INC(conn->nw, conns_idle_closed);
    net_conn_close_why(conn, NET_CLOSE_IDLE);
}

void net_conn_arm_idle(struct net_conn *conn)
{
    uv_timer_start(&conn->timer, on_timer, conn->nw->ctx->cfg.idle_timeout_ms,
                   0);
}

/* ---- writing ------------------------------------------------------------- */

static void on_written(uv_write_t *req, int status)
{
    struct conn_wreq *r = (struct conn_wreq *)req;
    struct net_conn *conn = r->conn;
    conn->wq_bytes -= r->len;
    free(r);
    if (status != 0 && status != UV_ECANCELED) {
        net_conn_close_why(conn, NET_CLOSE_ERROR);
    }
}

int net_conn_write_raw(struct net_conn *conn, const char *data, size_t len)
{
    struct net_worker *nw = conn->nw;
    size_t off = 0;
    if (atomic_load(&conn->is_closing)) {
        return -ENOTCONN;
    }
    /* libuv's buffer type is not const-correct; nothing writes to it. */
    uv_buf_t b = uv_buf_init((char *)(uintptr_t)data, (unsigned)len);
    if (conn->wq_bytes == 0) {
        int n = uv_try_write((uv_stream_t *)&conn->h, &b, 1);
        if (n >= 0) {
            off = (size_t)n;
        } else if (n != UV_EAGAIN) {
            net_conn_close_why(conn, NET_CLOSE_ERROR);
            return n;
        }
        if (off == len) {
            return 0;
        }
    }
    size_t rem = len - off;
    if (conn->wq_bytes + rem > nw->ctx->cfg.wq_max_bytes) {
        NET_STAT_INC(nw, conns_wq_overflow);
        net_conn_close_why(conn, NET_CLOSE_WQ_FULL);
        return -ENOBUFS;
    }
    struct conn_wreq *r = malloc(sizeof(*r) + rem);
    if (!r) {
        /* Part of the message may be out already: the stream is broken. */
        net_conn_close_why(conn, NET_CLOSE_ERROR);
        return -ENOMEM;
    }
    r->conn = conn;
    r->len = rem;
    memcpy(r->data, data + off, rem);
    b = uv_buf_init(r->data, (unsigned)rem);
    int rc = uv_write(&r->req, (uv_stream_t *)&conn->h, &b, 1, on_written);
    if (rc != 0) {
        free(r);
        net_conn_close_why(conn, NET_CLOSE_ERROR);
        return rc;
    }
    conn->wq_bytes += rem;
    return 0;
}

static int send_local(struct net_conn *conn, const char *data, size_t len)
{
    struct net_worker *nw = conn->nw;
    int rc;
    if (atomic_load(&conn->is_closing)) {
        return -ENOTCONN;
    }
    if (conn->proto == NET_PROTO_WSS) {
        rc = net_ws_conn_send(conn, data, len);
    } else if (conn->proto == NET_PROTO_TLS) {
        rc = net_tls_conn_send(conn, data, len);
    } else {
        rc = net_conn_write_raw(conn, data, len);
    }
    if (rc == 0) {
        NET_STAT_INC(nw, tx_pkts);
        NET_STAT_ADD(nw, tx_bytes, len);
    } else {
        NET_STAT_INC(nw, tx_drops);
    }
    return rc;
}

static void xcall_run(struct loop_worker *w, void *ud)
{
    struct conn_xcall *x = ud;
    SW_UNUSED(w);
    if (x->len == 0) {
        net_conn_close_why(x->conn, NET_CLOSE_LOCAL);
    } else {
        (void)send_local(x->conn, x->data, x->len);
    }
    net_conn_unref(x->conn);
    free(x);
}

static int hand_over(struct net_conn *conn, const void *data, size_t len)
{
    struct conn_xcall *x = malloc(sizeof(*x) + len);
    if (!x) {
        return -ENOMEM;
    }
    x->conn = conn;
    x->len = len;
    if (len > 0) {
        memcpy(x->data, data, len);
    }
    net_conn_ref(conn);
    int rc = loop_pool_call(conn->nw->w, xcall_run, x);
    if (rc != 0) {
        net_conn_unref(conn);
        free(x);
        return -ENOTCONN;
    }
    return 0;
}

int net_conn_send(struct net_conn *conn, const void *data, size_t len)
{
    if (len == 0 || len > NET_SEND_MAX) {
        return -EINVAL;
    }
    if (atomic_load(&conn->is_closing)) {
        return -ENOTCONN;
    }
    if (loop_worker_current() == conn->nw->w) {
        return send_local(conn, data, len);
    }
    return hand_over(conn, data, len);
}

void net_conn_close(struct net_conn *conn)
{
    if (atomic_load(&conn->is_closing)) {
        return;
    }
    if (loop_worker_current() == conn->nw->w) {
        net_conn_close_why(conn, NET_CLOSE_LOCAL);
        return;
    }
    if (hand_over(conn, NULL, 0) != 0) {
        log_warn(&net_lc, "cannot hand a connection close to its worker");
    }
}

/* ---- reading and framing ------------------------------------------------- */

void net_conn_deliver(struct net_conn *conn, const char *data, size_t len)
{
    struct net_worker *nw = conn->nw;
    const struct net_listen_spec *spec = conn->lsn->spec;
    struct net_pkt pkt = {
        .proto = conn->proto,
        .src = conn->peer,
        .local = conn->local,
        .data = data,
        .len = len,
        .conn = conn,
        .w = nw->w,
    };
    NET_STAT_INC(nw, rx_pkts);
    NET_STAT_ADD(nw, rx_bytes, len);
    net_conn_arm_idle(conn);
    spec->on_msg(spec->ud, &pkt);
}

/*
 * Deliver every complete frame in data[0..len); returns the bytes
 * consumed, or SIZE_MAX when the connection got closed.
 */
static size_t frame_all(struct net_conn *conn, const char *data, size_t len)
{
    net_frame_fn *frame = conn->lsn->spec->frame;
    size_t off = 0;
    while (off < len) {
        size_t skip = 0;
        size_t flen = 0;
        int rc = frame(data + off, len - off, &skip, &flen);
        if (rc == 0
            && (flen == 0 || skip > len - off || flen > len - off - skip)) {
            SW_ASSERT(!"framing function returned a frame out of bounds");
            rc = -1;
        }
        if (rc == 1 && skip > len - off) {
            SW_ASSERT(!"framing function skipped past the data");
            rc = -1;
        }
        if (rc < 0 || rc > 1) {
            NET_STAT_INC(conn->nw, conns_bad_frame);
            net_conn_close_why(conn, NET_CLOSE_BAD_FRAME);
            return SIZE_MAX;
        }
        if (rc == 1) {
            off += skip;
            break;
        }
        net_conn_deliver(conn, data + off + skip, flen);
        off += skip + flen;
        if (atomic_load(&conn->is_closing)) {
            return SIZE_MAX;
        }
    }
    return off;
}

static void close_oversize(struct net_conn *conn)
{
    NET_STAT_INC(conn->nw, drops_oversize);
    net_conn_close_why(conn, NET_CLOSE_OVERSIZE);
}

void net_conn_feed(struct net_conn *conn, const char *data, size_t len)
{
    size_t cap = read_cap(conn);
    if (atomic_load(&conn->is_closing) || len == 0) {
        return;
    }
    if (conn->proto == NET_PROTO_WSS) {
        net_ws_conn_feed(conn, data, len);
        return;
    }
    if (conn->rbuf.len == 0) {
        /* Fast path: frame straight from the worker's read buffer. */
        size_t used = frame_all(conn, data, len);
        if (used == SIZE_MAX) {
            return;
        }
        data += used;
        len -= used;
    }
    /* Keep the rest; frame again each time the buffer took more. */
    while (len > 0) {
        size_t room = cap - conn->rbuf.len;
        size_t n = SW_MIN(room, len);
        if (buf_append(&conn->rbuf, data, n) != 0) {
            net_conn_close_why(conn, NET_CLOSE_ERROR);
            return;
        }
        data += n;
        len -= n;
        size_t used = frame_all(conn, conn->rbuf.p, conn->rbuf.len);
        if (used == SIZE_MAX) {
            return;
        }
        buf_consume(&conn->rbuf, used);
        if (conn->rbuf.len >= cap) {
            /* Full, and the framer still wants more. */
            close_oversize(conn);
            return;
        }
    }
    if (conn->rbuf.len == 0 && conn->rbuf.p) {
        /* Give the memory back: idle connections hold no buffer. */
        buf_fini(&conn->rbuf);
        buf_init(&conn->rbuf, cap);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct net_conn *conn = h->data;
    SW_UNUSED(suggested);
    /* Consumed (or copied into the conn) before the next alloc. */
    *buf = uv_buf_init(conn->nw->rx_buf, NET_STREAM_BUF_LEN);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct net_conn *conn = s->data;
    if (nread == 0 || atomic_load(&conn->is_closing)) {
        return;
    }
    if (nread < 0) {
        net_conn_close_why(conn,
                           nread == UV_EOF ? NET_CLOSE_PEER : NET_CLOSE_ERROR);
        return;
    }
    if (net_proto_is_tls(conn->proto)) {
        net_tls_conn_on_read(conn, buf->base, (size_t)nread);
    } else {
        net_conn_feed(conn, buf->base, (size_t)nread);
    }
}

/* ---- accepting ----------------------------------------------------------- */

/* Caps and filter; false with *why set when the connection is refused. */
static bool admit(struct net_conn *conn, enum net_close_reason *why)
{
    struct net_worker *nw = conn->nw;
    struct net_ctx *ctx = nw->ctx;
    const struct net_listen_spec *spec = conn->lsn->spec;

    if (nw->is_stopping) {
        *why = NET_CLOSE_SHUTDOWN;
        return false;
    }
    if (spec->on_accept
        && spec->on_accept(spec->ud, &conn->peer, conn->proto) != 0) {
        NET_STAT_INC(nw, conns_refused_filter);
        *why = NET_CLOSE_REFUSED_FILTER;
        return false;
    }
    uint32_t n = atomic_fetch_add(&ctx->n_conns, 1);
    if (n >= ctx->cfg.max_conns) {
        atomic_fetch_sub(&ctx->n_conns, 1);
        NET_STAT_INC(nw, conns_refused_max);
        log_warn_rl(&net_lc, "connection limit (%u) reached",
                    (unsigned)ctx->cfg.max_conns);
        *why = NET_CLOSE_REFUSED_MAX;
        return false;
    }
    if (!net_ipcap_acquire(&ctx->ipcap, &conn->peer,
                           ctx->cfg.max_conns_per_ip)) {
        atomic_fetch_sub(&ctx->n_conns, 1);
        NET_STAT_INC(nw, conns_refused_cap);
        *why = NET_CLOSE_REFUSED_IP_CAP;
        return false;
    }
    conn->is_counted = true;
    NET_STAT_INC(nw, conns_open);
    return true;
}

static int conn_addrs(struct net_conn *conn)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    int rc = uv_tcp_getpeername(&conn->h, (struct sockaddr *)&ss, &len);
    if (rc == 0) {
        rc = net_addr_from_sa(&conn->peer, (struct sockaddr *)&ss,
                              (socklen_t)len);
    }
    if (rc != 0) {
        return rc;
    }
    len = sizeof(ss);
    rc = uv_tcp_getsockname(&conn->h, (struct sockaddr *)&ss, &len);
    if (rc == 0) {
        rc = net_addr_from_sa(&conn->local, (struct sockaddr *)&ss,
                              (socklen_t)len);
    }
    net_addr_normalize(&conn->peer);
    net_addr_normalize(&conn->local);
    return rc;
}

static void free_unaccepted(uv_handle_t *h)
{
    free(h->data);
}

static void reject_unallocated(struct net_listener *lsn);

static void on_reject_closed(uv_handle_t *h)
{
    struct net_listener *lsn = h->data;
    lsn->is_reject_busy = false;
    if (lsn->is_accept_pending && !uv_is_closing((uv_handle_t *)&lsn->h)) {
        lsn->is_accept_pending = false;
        reject_unallocated(lsn);
    }
}

/*
 * libuv stops polling a listener until its pending connection is
 * accepted. Without memory for a conn, accept it into the listener's spare
 * handle and drop it; if the spare is still closing, do so from its close
 * callback. Either way the listener never stalls.
 */
static void reject_unallocated(struct net_listener *lsn)
{
    if (lsn->is_reject_busy) {
        lsn->is_accept_pending = true;
        return;
    }
    if (uv_tcp_init(&lsn->nw->w->loop, &lsn->reject) != 0) {
        return;
    }
    lsn->is_reject_busy = true;
    lsn->reject.data = lsn;
    (void)uv_accept((uv_stream_t *)&lsn->h, (uv_stream_t *)&lsn->reject);
    NET_STAT_INC(lsn->nw, rx_errors);
    uv_close((uv_handle_t *)&lsn->reject, on_reject_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct net_listener *lsn = server->data;
    struct net_worker *nw = lsn->nw;
    if (status < 0) {
        NET_STAT_INC(nw, rx_errors);
        log_warn_rl(&net_lc, "accept failed: %s", uv_strerror(status));
        return;
    }
    struct net_conn *conn = calloc(1, sizeof(*conn));
    if (!conn) {
        log_warn_rl(&net_lc, "out of memory accepting a connection");
        reject_unallocated(lsn);
        return;
    }
    uv_loop_t *loop = &nw->w->loop;
    int rc = uv_tcp_init(loop, &conn->h);
    if (rc != 0) {
        free(conn);
        reject_unallocated(lsn);
        return;
    }
    conn->h.data = conn;
    rc = uv_accept(server, (uv_stream_t *)&conn->h);
    if (rc == 0) {
        rc = uv_timer_init(loop, &conn->timer);
    }
    if (rc != 0) {
        NET_STAT_INC(nw, rx_errors);
        uv_close((uv_handle_t *)&conn->h, free_unaccepted);
        return;
    }
    conn->timer.data = conn;
    conn->nw = nw;
    conn->lsn = lsn;
    conn->proto = lsn->spec->proto;
    conn->is_established = !net_proto_is_tls(conn->proto);
    atomic_init(&conn->refs, 1);
    atomic_init(&conn->is_closing, false);
    buf_init(&conn->rbuf, read_cap(conn));
    conn->next = nw->conns;
    if (nw->conns) {
        nw->conns->prev = conn;
    }
    nw->conns = conn;
    NET_STAT_INC(nw, conns_accepted);

    if (conn_addrs(conn) != 0) {
        net_conn_close_why(conn, NET_CLOSE_ERROR);
        return;
    }
    enum net_close_reason refused = NET_CLOSE_ERROR;
    if (!admit(conn, &refused)) {
        net_conn_close_why(conn, refused);
        return;
    }
    uv_tcp_nodelay(&conn->h, 1);
    if (conn->proto == NET_PROTO_WSS) {
        net_ws_conn_init(conn);
    }
    if (net_proto_is_tls(conn->proto)) {
        if (net_tls_conn_init(conn, lsn->spec->tls) != 0) {
            net_conn_close_why(conn, NET_CLOSE_ERROR);
            return;
        }
        uv_timer_start(&conn->timer, on_timer,
                       nw->ctx->cfg.tls_handshake_timeout_ms, 0);
    } else {
        net_conn_arm_idle(conn);
    }
    rc = uv_read_start((uv_stream_t *)&conn->h, on_alloc, on_read);
    if (rc != 0) {
        net_conn_close_why(conn, NET_CLOSE_ERROR);
    }
}

int net_listener_open(struct net_worker *nw, struct net_listener *lsn,
                      const struct net_listen_spec *spec,
                      const struct net_addr *addr, bool dual_stack)
{
    int fd = -1;
    lsn->nw = nw;
    lsn->spec = spec;
    int rc = net_sock_bind(addr, SOCK_STREAM, dual_stack, 0, &fd, &lsn->local);
    if (rc != 0) {
        return rc;
    }
    rc = uv_tcp_init_ex(&nw->w->loop, &lsn->h, AF_UNSPEC);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    lsn->is_inited = true;
    lsn->h.data = lsn;
    rc = uv_tcp_open(&lsn->h, fd);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    return uv_listen((uv_stream_t *)&lsn->h, nw->ctx->cfg.listen_backlog,
                     on_connection);
}

void net_listener_close(struct net_listener *lsn)
{
    if (lsn->is_inited && !uv_is_closing((uv_handle_t *)&lsn->h)) {
        uv_close((uv_handle_t *)&lsn->h, NULL);
    }
}
