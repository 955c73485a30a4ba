/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UDP: one socket per worker per listener, all bound to the same address
 * with SO_REUSEPORT, read with recvmmsg batches into the worker's buffer.
 * Answers given while a batch is handled are collected and sent with one
 * sendmmsg when the batch ends; other sends go straight out with
 * uv_udp_try_send and fall back to a copied, queued uv_udp_send when the
 * socket would block; other threads hand their sends to the owning worker.
 */
#include "net/net_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/check.h"
#include "loop/worker.h"
#include "net/addr.h"
#include "net/transport.h"

/* A queued datagram: the libuv request and a copy of the bytes. */
struct udp_sendreq {
    uv_udp_send_t req;
    struct net_udp *udp;
    size_t len;
    char data[];
};

/* A send handed over from another thread. */
struct udp_xsend {
    struct net_udp *udp;
    struct net_addr dst;
    size_t len;
    char data[];
};

static void udp_tx_flush(struct net_udp *udp);

/* ---- receive ------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct net_udp *udp = h->data;
    SW_UNUSED(suggested);
    /*
     * One buffer per worker for all its sockets: with UV_UDP_RECVMMSG
     * libuv cuts it into 64 KiB slots and reads up to 16 datagrams per
     * syscall. The receive callbacks run before the next alloc, so
     * reusing it is safe as long as on_msg keeps no pointer into it.
     */
    *buf = uv_buf_init(udp->nw->udp_buf, NET_UDP_BUF_LEN);
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                    const struct sockaddr *addr, unsigned flags)
{
    struct net_udp *udp = h->data;
    struct net_worker *nw = udp->nw;
    SW_UNUSED(buf);

    if (flags & UV_UDP_MMSG_FREE) {
        /* End of a batch; the buffer is ours and stays. */
        udp_tx_flush(udp);
        udp->is_batching = false;
        return;
    }
    udp->is_batching = (flags & UV_UDP_MMSG_CHUNK) != 0;
    if (nread < 0) {
        NET_STAT_INC(nw, rx_errors);
        log_warn_rl(&net_lc, "udp receive error: %s", uv_strerror((int)nread));
        return;
    }
    if (!addr) {
        return; /* nothing more to read */
    }
    if (nread == 0) {
        NET_STAT_INC(nw, drops_empty);
        return;
    }
    if ((flags & UV_UDP_PARTIAL) || nread > NET_UDP_MAX_DGRAM) {
        NET_STAT_INC(nw, drops_oversize);
        return;
    }
    struct net_pkt pkt = {
        .proto = NET_PROTO_UDP,
        .local = udp->local,
        .data = buf->base,
        .len = (size_t)nread,
        .udp = udp,
        .w = nw->w,
    };
    if (net_addr_from_sa(&pkt.src, addr, sizeof(struct sockaddr_storage))
        != 0) {
        NET_STAT_INC(nw, rx_errors);
        return;
    }
    net_addr_normalize(&pkt.src);
    NET_STAT_INC(nw, rx_pkts);
    NET_STAT_ADD(nw, rx_bytes, (uint64_t)nread);
    udp->spec->on_msg(udp->spec->ud, &pkt);
}

int net_udp_open(struct net_worker *nw, struct net_udp *udp,
                 const struct net_listen_spec *spec,
                 const struct net_addr *addr, bool dual_stack)
{
    struct net_ctx *ctx = nw->ctx;
    int fd = -1;
    udp->nw = nw;
    udp->spec = spec;
    int rc = net_sock_bind(addr, SOCK_DGRAM, dual_stack,
                           ctx->cfg.udp_rcvbuf_bytes, &fd, &udp->local);
    if (rc != 0) {
        return rc;
    }
    rc = uv_udp_init_ex(&nw->w->loop, &udp->h, AF_UNSPEC | UV_UDP_RECVMMSG);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    udp->is_inited = true;
    udp->h.data = udp;
    rc = uv_udp_open(&udp->h, fd);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    rc = uv_udp_recv_start(&udp->h, on_alloc, on_recv);
    if (rc != 0) {
        return rc;
    }
    atomic_store(&udp->is_closed, false);
    return 0;
}

void net_udp_close(struct net_udp *udp)
{
    atomic_store(&udp->is_closed, true);
    if (udp->is_inited && !uv_is_closing((uv_handle_t *)&udp->h)) {
        /* Memory belongs to the worker's array, freed with the ctx. */
        uv_close((uv_handle_t *)&udp->h, NULL);
    }
}

const struct net_addr *net_udp_local(const struct net_udp *udp)
{
    return &udp->local;
}

/* ---- send ---------------------------------------------------------------- */

static void on_sent(uv_udp_send_t *req, int status)
{
    struct udp_sendreq *r = (struct udp_sendreq *)req;
    if (status != 0 && status != UV_ECANCELED) {
        NET_STAT_INC(r->udp->nw, tx_drops);
        log_warn_rl(&net_lc, "udp send failed: %s", uv_strerror(status));
    }
    free(r);
}

/* Fit 'dst' to the socket's family; -EAFNOSUPPORT if it can't be. */
static int dst_for_socket(const struct net_udp *udp, const struct net_addr *dst,
                          struct net_addr *out)
{
    *out = *dst;
    int sock_fam = net_addr_family(&udp->local);
    if (sock_fam == AF_INET6) {
        net_addr_map_v6(out);
        return 0;
    }
    net_addr_normalize(out);
    return net_addr_family(out) == sock_fam ? 0 : -EAFNOSUPPORT;
}

/* On udp's worker, now; 'to' already fits the socket's family. Counts
 * drops, not sends (the callers do). */
static int udp_write(struct net_udp *udp, const struct net_addr *to,
                     const void *data, size_t len)
{
    struct net_worker *nw = udp->nw;
    /* libuv's buffer type is not const-correct; nothing writes to it. */
    uv_buf_t b = uv_buf_init((char *)(uintptr_t)data, (unsigned)len);
    int rc = uv_udp_try_send(&udp->h, &b, 1, &to->sa);
    if (rc >= 0) {
        return 0;
    }
    if (rc != UV_EAGAIN) {
        NET_STAT_INC(nw, tx_drops);
        return rc;
    }
    if (uv_udp_get_send_queue_size(&udp->h) + len
        > nw->ctx->cfg.udp_sendq_max_bytes) {
        NET_STAT_INC(nw, tx_drops);
        return -ENOBUFS;
    }
    struct udp_sendreq *r = malloc(sizeof(*r) + len);
    if (!r) {
        NET_STAT_INC(nw, tx_drops);
        return -ENOMEM;
    }
    r->udp = udp;
    r->len = len;
    memcpy(r->data, data, len);
    b = uv_buf_init(r->data, (unsigned)len);
    rc = uv_udp_send(&r->req, &udp->h, &b, 1, &to->sa, on_sent);
    if (rc != 0) {
        free(r);
        NET_STAT_INC(nw, tx_drops);
        return rc;
    }
    return 0;
}

static int send_now(struct net_udp *udp, const struct net_addr *to,
                    const void *data, size_t len)
{
    int rc = udp_write(udp, to, data, len);
    if (rc == 0) {
        NET_STAT_INC(udp->nw, tx_pkts);
        NET_STAT_ADD(udp->nw, tx_bytes, len);
    }
    return rc;
}

/* Send the answers collected during a receive batch with one sendmmsg;
 * what the socket does not take now goes the queued way. */
static void udp_tx_flush(struct net_udp *udp)
{
    struct mmsghdr mm[NET_UDP_TX_BATCH];
    struct iovec iov[NET_UDP_TX_BATCH];
    unsigned n = udp->n_tx;
    int sent = 0;
    uv_os_fd_t fd;

    if (n == 0) {
        return;
    }
    udp->n_tx = 0;
    udp->tx_used = 0;
    if (uv_fileno((uv_handle_t *)&udp->h, &fd) == 0
        && uv_udp_get_send_queue_count(&udp->h) == 0) {
        memset(mm, 0, sizeof(mm[0]) * n);
        for (unsigned i = 0; i < n; i++) {
            iov[i].iov_base = udp->tx_buf + udp->tx_off[i];
            iov[i].iov_len = udp->tx_len[i];
            mm[i].msg_hdr.msg_name = &udp->tx_dst[i].sa;
            mm[i].msg_hdr.msg_namelen = udp->tx_dst[i].len;
            mm[i].msg_hdr.msg_iov = &iov[i];
            mm[i].msg_hdr.msg_iovlen = 1;
        }
        do {
            sent = sendmmsg(fd, mm, n, MSG_DONTWAIT);
        } while (sent == -1 && errno == EINTR);
        if (sent < 0) {
            sent = 0;
        }
    }
    /* Counted as sent when queued; a failure here counts as a drop. */
    for (unsigned i = (unsigned)sent; i < n; i++) {
        udp_write(udp, &udp->tx_dst[i], udp->tx_buf + udp->tx_off[i],
                  udp->tx_len[i]);
    }
}

/* On udp's worker; 'to' already fits the socket's family. Inside a receive
 * batch the datagram is copied and sent with the batch's others. */
static int send_local(struct net_udp *udp, const struct net_addr *to,
                      const void *data, size_t len)
{
    if (atomic_load(&udp->is_closed)) {
        return -ENOTCONN;
    }
    if (!udp->is_batching) {
        return send_now(udp, to, data, len);
    }
    if (udp->n_tx == NET_UDP_TX_BATCH || len > NET_UDP_TX_BUF - udp->tx_used) {
        udp_tx_flush(udp);
        if (len > NET_UDP_TX_BUF) {
            return send_now(udp, to, data, len);
        }
    }
    unsigned i = udp->n_tx++;
    NET_STAT_INC(udp->nw, tx_pkts);
    NET_STAT_ADD(udp->nw, tx_bytes, len);
    udp->tx_dst[i] = *to;
    udp->tx_off[i] = (uint32_t)udp->tx_used;
    udp->tx_len[i] = (uint32_t)len;
    memcpy(udp->tx_buf + udp->tx_used, data, len);
    udp->tx_used += len;
    return 0;
}

static void xsend_run(struct loop_worker *w, void *ud)
{
    struct udp_xsend *x = ud;
    SW_UNUSED(w);
    int rc = send_local(x->udp, &x->dst, x->data, x->len);
    if (rc != 0 && rc != -ENOTCONN) {
        log_warn_rl(&net_lc, "udp send (handed over) failed: %s",
                    uv_strerror(rc));
    }
    free(x);
}

int net_udp_sendto(struct net_udp *udp, const struct net_addr *dst,
                   const void *data, size_t len)
{
    if (len == 0 || len > NET_UDP_MAX_DGRAM || !dst || dst->len == 0) {
        return -EINVAL;
    }
    if (atomic_load(&udp->is_closed)) {
        return -ENOTCONN;
    }
    struct net_addr to;
    int rc = dst_for_socket(udp, dst, &to); /* 'local' is fixed: any thread */
    if (rc != 0) {
        return rc;
    }
    if (loop_worker_current() == udp->nw->w) {
        return send_local(udp, &to, data, len);
    }
    struct udp_xsend *x = malloc(sizeof(*x) + len);
    if (!x) {
        return -ENOMEM;
    }
    x->udp = udp;
    x->dst = to;
    x->len = len;
    memcpy(x->data, data, len);
    rc = loop_pool_call(udp->nw->w, xsend_run, x);
    if (rc != 0) {
        free(x);
        return rc == -ESHUTDOWN ? -ENOTCONN : rc;
    }
    return 0;
}
