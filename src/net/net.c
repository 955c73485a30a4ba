/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network context: settings, listen specs, per-worker start and stop,
 * counters. The sockets themselves live in udp.c and stream.c.
 */
#include "net/net.h"

#include <errno.h>
#include <stdlib.h>

#include "base/check.h"
#include "loop/worker.h"
#include "net/net_int.h"

const struct log_ctx net_lc = { "net", NULL };

static const char *const proto_names[NET_PROTO_COUNT] = { "udp", "tcp", "tls",
                                                          "wss" };

static const char *const close_names[NET_CLOSE_REASON_COUNT] = {
    [NET_CLOSE_PEER] = "peer",
    [NET_CLOSE_ERROR] = "error",
    [NET_CLOSE_LOCAL] = "local",
    [NET_CLOSE_SHUTDOWN] = "shutdown",
    [NET_CLOSE_IDLE] = "idle",
    [NET_CLOSE_BAD_FRAME] = "bad_frame",
    [NET_CLOSE_OVERSIZE] = "oversize",
    [NET_CLOSE_WQ_FULL] = "write_queue_full",
    [NET_CLOSE_TLS_FAIL] = "tls_fail",
    [NET_CLOSE_TLS_TIMEOUT] = "tls_timeout",
    [NET_CLOSE_REFUSED_FILTER] = "refused_filter",
    [NET_CLOSE_REFUSED_IP_CAP] = "refused_ip_cap",
    [NET_CLOSE_REFUSED_MAX] = "refused_max",
    [NET_CLOSE_WS_REFUSED] = "ws_refused",
};

const char *net_proto_name(enum net_proto proto)
{
    if ((unsigned)proto >= NET_PROTO_COUNT) {
        return "?";
    }
    return proto_names[proto];
}

const char *net_close_reason_name(enum net_close_reason why)
{
    if ((unsigned)why >= NET_CLOSE_REASON_COUNT) {
        return "?";
    }
    return close_names[why];
}

void net_cfg_default(struct net_cfg *cfg)
{
    *cfg = (struct net_cfg){
        .udp_rcvbuf_bytes = 4u << 20,
        .idle_timeout_ms = 120000,
        .tls_handshake_timeout_ms = 10000,
        .max_conns_per_ip = 32,
        .max_conns = 10000,
        .max_frame_bytes = 65535,
        .wq_max_bytes = 512u << 10,
        .udp_sendq_max_bytes = 4u << 20,
        .listen_backlog = 511,
    };
}

int net_reply(const struct net_pkt *pkt, const void *data, size_t len)
{
    if (pkt->proto == NET_PROTO_UDP) {
        return net_udp_sendto(pkt->udp, &pkt->src, data, len);
    }
    return net_conn_send(pkt->conn, data, len);
}

/* ---- context ------------------------------------------------------------- */

int net_ctx_new(struct net_ctx **out, struct loop_pool *pool,
                const struct net_cfg *cfg)
{
    struct net_cfg c;
    if (cfg) {
        c = *cfg;
    } else {
        net_cfg_default(&c);
    }
    if (c.idle_timeout_ms == 0 || c.tls_handshake_timeout_ms == 0
        || c.max_conns_per_ip == 0 || c.max_conns == 0
        || c.max_conns > (1u << 24) || c.max_frame_bytes == 0
        || c.max_frame_bytes > (16u << 20) || c.wq_max_bytes == 0
        || c.listen_backlog <= 0 || pool->n_workers == 0) {
        return -EINVAL;
    }
    struct net_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        return -ENOMEM;
    }
    ctx->pool = pool;
    ctx->cfg = c;
    ctx->n_workers = pool->n_workers;
    ctx->workers = calloc(ctx->n_workers, sizeof(*ctx->workers));
    if (!ctx->workers) {
        free(ctx);
        return -ENOMEM;
    }
    int rc = net_ipcap_init(&ctx->ipcap, c.max_conns);
    if (rc != 0) {
        free(ctx->workers);
        free(ctx);
        return rc;
    }
    for (unsigned i = 0; i < ctx->n_workers; i++) {
        ctx->workers[i].ctx = ctx;
    }
    *out = ctx;
    return 0;
}

int net_ctx_listen(struct net_ctx *ctx, const struct net_listen_spec *spec,
                   unsigned *id)
{
    if (!spec->on_msg || spec->addr.len == 0
        || (unsigned)spec->proto >= NET_PROTO_COUNT) {
        return -EINVAL;
    }
    if (spec->proto != NET_PROTO_UDP && !spec->frame) {
        return -EINVAL;
    }
    if (net_proto_is_tls(spec->proto) != (spec->tls != NULL)) {
        return -EINVAL;
    }
    if (ctx->n_specs >= NET_MAX_LISTENERS) {
        return -ENOSPC;
    }
    unsigned i = ctx->n_specs++;
    ctx->specs[i] = *spec;
    if (id) {
        *id = i;
    }
    return 0;
}

static void worker_stop(struct loop_worker *w, void *ud)
{
    struct net_worker *nw = ud;
    SW_UNUSED(w);
    nw->is_stopping = true;
    for (struct net_conn *c = nw->conns; c; c = c->next) {
        net_conn_close_why(c, NET_CLOSE_SHUTDOWN);
    }
    for (unsigned i = 0; i < nw->ctx->n_specs; i++) {
        net_udp_close(&nw->udps[i]);
        net_listener_close(&nw->lsns[i]);
    }
}

static int worker_alloc(struct net_worker *nw, unsigned n_specs)
{
    nw->udp_buf = malloc(NET_UDP_BUF_LEN);
    nw->rx_buf = malloc(NET_STREAM_BUF_LEN);
    nw->tls_pt = malloc(NET_TLS_PT_LEN);
    nw->udps = calloc(n_specs ? n_specs : 1, sizeof(*nw->udps));
    nw->lsns = calloc(n_specs ? n_specs : 1, sizeof(*nw->lsns));
    if (!nw->udp_buf || !nw->rx_buf || !nw->tls_pt || !nw->udps || !nw->lsns) {
        return -ENOMEM;
    }
    for (unsigned i = 0; i < n_specs; i++) {
        atomic_init(&nw->udps[i].is_closed, true);
    }
    return 0;
}

int net_worker_start(struct net_ctx *ctx, struct loop_worker *w)
{
    SW_ASSERT(loop_worker_current() == w);
    if (w->index >= ctx->n_workers || ctx->workers[w->index].w) {
        return -EINVAL;
    }
    struct net_worker *nw = &ctx->workers[w->index];
    nw->w = w;
    int rc = worker_alloc(nw, ctx->n_specs);
    if (rc != 0) {
        return rc;
    }
    rc = loop_worker_on_stop(w, worker_stop, nw);
    if (rc != 0) {
        return rc;
    }
    for (unsigned i = 0; i < ctx->n_specs; i++) {
        const struct net_listen_spec *spec = &ctx->specs[i];
        struct net_addr addr = ctx->is_bound[i] ? ctx->bound[i] : spec->addr;
        bool dual = spec->dual_stack;
        if (ctx->is_bound[i] && net_addr_family(&addr) == AF_INET) {
            /* The first worker fell back to IPv4 only. */
            dual = false;
        }
        if (spec->proto == NET_PROTO_UDP) {
            rc = net_udp_open(nw, &nw->udps[i], spec, &addr, dual);
            addr = nw->udps[i].local;
        } else {
            rc = net_listener_open(nw, &nw->lsns[i], spec, &addr, dual);
            addr = nw->lsns[i].local;
        }
        if (rc != 0) {
            char txt[NET_ADDR_FMT_CAP];
            log_err(&net_lc, "worker %u: cannot open %s listener on %s: %s",
                    w->index, net_proto_name(spec->proto),
                    net_addr_fmt(&spec->addr, txt, sizeof(txt)),
                    uv_strerror(rc));
            return rc;
        }
        if (!ctx->is_bound[i]) {
            /* Read by later workers: loop_pool_start orders the inits. */
            ctx->bound[i] = addr;
            ctx->is_bound[i] = true;
        }
    }
    return 0;
}

int net_ctx_bound_addr(const struct net_ctx *ctx, unsigned id,
                       struct net_addr *out)
{
    if (id >= ctx->n_specs || !ctx->is_bound[id]) {
        return -ENOENT;
    }
    *out = ctx->bound[id];
    return 0;
}

struct net_udp *net_ctx_udp(struct net_ctx *ctx, unsigned worker_index,
                            unsigned id)
{
    if (worker_index >= ctx->n_workers || id >= ctx->n_specs
        || ctx->specs[id].proto != NET_PROTO_UDP) {
        return NULL;
    }
    struct net_worker *nw = &ctx->workers[worker_index];
    if (!nw->udps || !nw->udps[id].is_inited) {
        return NULL;
    }
    return &nw->udps[id];
}

static void stats_add(const struct net_worker *nw, struct net_stats *out)
{
#define NET_STATS_SUM_(name) \
    out->name += atomic_load_explicit(&nw->stats.name, memory_order_relaxed);
    NET_STATS_FIELDS(NET_STATS_SUM_)
#undef NET_STATS_SUM_
}

void net_ctx_stats(const struct net_ctx *ctx, unsigned worker_index,
                   struct net_stats *out)
{
    *out = (struct net_stats){ 0 };
    if (worker_index < ctx->n_workers) {
        stats_add(&ctx->workers[worker_index], out);
    }
}

void net_ctx_stats_sum(const struct net_ctx *ctx, struct net_stats *out)
{
    *out = (struct net_stats){ 0 };
    for (unsigned i = 0; i < ctx->n_workers; i++) {
        stats_add(&ctx->workers[i], out);
    }
}

void net_ctx_free(struct net_ctx *ctx)
{
    if (!ctx) {
        return;
    }
    for (unsigned i = 0; i < ctx->n_workers; i++) {
        struct net_worker *nw = &ctx->workers[i];
        /* The pool has stopped: every close callback has run. */
        SW_BUG_ON(nw->conns != NULL);
        free(nw->udp_buf);
        free(nw->rx_buf);
        free(nw->tls_pt);
        free(nw->udps);
        free(nw->lsns);
    }
    net_ipcap_fini(&ctx->ipcap);
    free(ctx->workers);
    free(ctx);
}
