/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Socket to verdict: every SIP message a worker receives enters here.
 * The order is the product's security order: the shield's packet verdict
 * (IP list, bans, GeoIP, packet rates), parse, the shield's request
 * verdict (User-Agent, method rates), transaction layer, then the method's
 * handler, whose credential checks and challenges feed the shield again.
 * Answers go back on the path the request came on and are kept by the
 * transaction for retransmissions. Whatever the shield drops gets no
 * answer at all.
 */
#include "daemon/pipeline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "base/check.h"
#include "base/log.h"
#include "daemon/core.h"
#include "daemon/lookup.h"
#include "loop/worker.h"
#include "net/net.h"
#include "proxy/proxy.h"
#include "reg/registrar.h"
#include "sec/shield.h"
#include "sip/build.h"

#define ALLOW_HDR \
    "Allow: REGISTER, OPTIONS, INVITE, ACK, CANCEL, BYE, UPDATE, INFO\r\n"
static const char allow_hdr[] = ALLOW_HDR;
static const char options_hdrs[] = ALLOW_HDR "Accept: application/sdp\r\n";

static void count(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* A counter of this worker's own (one writer: no locked add). */
static void bump(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static uint64_t now_ms(struct sw_worker *w)
{
    return uv_now(&w->lw->loop);
}

/* ---- transport glue ---------------------------------------------------- */

int sw_pipeline_frame(const char *data, size_t len, size_t *skip,
                      size_t *frame_len)
{
    struct sip_err err;
    switch (sip_msg_frame(sv_make(data, len), skip, frame_len, &err)) {
    case SIP_PARSE_OK:
        return 0;
    case SIP_PARSE_AGAIN:
        return 1;
    case SIP_PARSE_BAD:
        break;
    }
    return -1;
}

/* Where the transaction sends its answers. For UDP, conn_id carries the
 * socket the request came on (valid until net_ctx_free), so timer-driven
 * retransmissions leave from the address the phone talked to. */
/* Where answers to 'pkt' go: its UDP socket, or its stream connection's
 * id in the connections table (it may be answered later, from another
 * worker). */
static void dest_of(struct sw_core *core, const struct net_pkt *pkt,
                    struct sip_txn_dest *d)
{
    memset(d, 0, sizeof(*d));
    size_t n = pkt->src.len < sizeof(d->addr) ? pkt->src.len : sizeof(d->addr);
    memcpy(d->addr, &pkt->src.ss, n);
    d->transport = (int)pkt->proto;
    d->conn_id = pkt->conn ? sw_conns_note(&core->conns, pkt->conn)
                           : (uint64_t)(uintptr_t)pkt->udp;
}

static bool same_peer(const struct sip_txn_dest *d, const struct net_pkt *pkt)
{
    size_t n = pkt->src.len < sizeof(d->addr) ? pkt->src.len : sizeof(d->addr);
    return d->transport == (int)pkt->proto
           && memcmp(d->addr, &pkt->src.ss, n) == 0;
}

void sw_pipeline_on_close(void *ud, struct net_conn *conn,
                          enum net_close_reason why)
{
    struct sw_core *core = ud;
    (void)why;
    sw_conns_closed(&core->conns, conn);
}

void sw_pipeline_txn_send(void *ud, const struct sip_txn_dest *dest,
                          const char *bytes, size_t len)
{
    struct sw_worker *w = ud;
    struct net_addr dst;
    int rc = -ENOTCONN;

    if (w->cur_pkt && same_peer(dest, w->cur_pkt)) {
        /* Answering the packet in hand: same socket or connection. */
        rc = net_reply(w->cur_pkt, bytes, len);
    } else if (dest->transport != NET_PROTO_UDP && dest->conn_id != 0) {
        /* A stream connection, possibly another worker's: net queues the
         * bytes to its owner. */
        struct net_conn *conn = sw_conns_get(&w->core->conns, dest->conn_id);
        if (conn) {
            rc = net_conn_send(conn, bytes, len);
            net_conn_unref(conn);
        }
    } else if (dest->transport == NET_PROTO_UDP && dest->conn_id != 0) {
        /* Timer-driven retransmission (RFC 3261 §17.2.1, Timer G). */
        const struct sockaddr *sa = (const struct sockaddr *)dest->addr;
        socklen_t sl = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                 : sizeof(struct sockaddr_in);
        struct net_udp *udp = (struct net_udp *)(uintptr_t)dest->conn_id;
        if (net_addr_from_sa(&dst, sa, sl) == 0) {
            /* A source banned since the answer was first sent gets no
             * more of it. */
            if (sec_bantable_check(sec_shield_bans(w->core->guard.sh), &dst,
                                   (int64_t)time(NULL), NULL)) {
                return;
            }
            rc = net_udp_sendto(udp, &dst, bytes, len);
        }
    }
    if (rc != 0) {
        count(&w->core->stats.send_errors);
    }
}

/* ---- timers ------------------------------------------------------------ */

static void on_txn_timer(uv_timer_t *t)
{
    struct sw_worker *w = t->data;
    w->txn_timer_due_ms = UINT64_MAX;
    sw_pipeline_run_timers(w);
}

static void arm_timer(struct sw_worker *w)
{
    uint64_t due = sip_txn_table_next_deadline_ms(&w->txn);
    if (w->has_proxy) {
        uint64_t pdue = proxy_worker_next_deadline_ms(&w->proxy);
        due = pdue < due ? pdue : due;
        pdue = sw_calls_worker_deadline(w);
        due = pdue < due ? pdue : due;
    }
    if (due == UINT64_MAX || due >= w->txn_timer_due_ms) {
        return;
    }
    uint64_t now = now_ms(w);
    w->txn_timer_due_ms = due;
    uv_timer_start(&w->txn_timer, on_txn_timer, due > now ? due - now : 0, 0);
}

void sw_pipeline_run_timers(struct sw_worker *w)
{
    uv_update_time(&w->lw->loop);
    sip_txn_table_run_timers(&w->txn, now_ms(w));
    if (w->has_proxy) {
        proxy_worker_run_timers(&w->proxy, now_ms(w));
        sw_calls_worker_run(w, now_ms(w));
    }
    arm_timer(w);
}

/* ---- answering --------------------------------------------------------- */

struct req_ctx {
    struct sw_worker *w;
    const struct net_pkt *pkt;
    struct sip_txn *txn; /* NULL when stateless */
    char ip[NET_ADDR_FMT_CAP];
};

static void send_answer(struct req_ctx *rc, int status)
{
    struct sw_worker *w = rc->w;
    if (w->out.err || w->out.len == 0) {
        count(&w->core->stats.send_errors);
        return;
    }
    if (rc->txn) {
        /* The transaction sends it (through sw_pipeline_txn_send) and keeps
         * a copy for retransmitted requests. */
        w->cur_pkt = rc->pkt;
        int r = sip_txn_server_respond(rc->txn, status, w->out.p, w->out.len,
                                       now_ms(w));
        w->cur_pkt = NULL;
        rc->txn = NULL;
        arm_timer(w);
        if (r >= 0) {
            return;
        }
    }
    if (net_reply(rc->pkt, w->out.p, w->out.len) != 0) {
        count(&w->core->stats.send_errors);
    }
}

static void answer(struct req_ctx *rc, const struct sip_msg *msg, int status,
                   const char *reason, const char *extra)
{
    char tag[17];
    reg_to_tag(&rc->w->core->reg, msg, tag);
    buf_reset(&rc->w->out);
    sip_build_response(&rc->w->out, msg, status, reason, sv_cstr(tag),
                       sv_cstr(rc->ip), net_addr_port(&rc->pkt->src),
                       sv_cstr(extra));
    send_answer(rc, status);
}

/* ---- REGISTER ---------------------------------------------------------- */

static void origin_of(const struct req_ctx *rc, struct reg_origin *org)
{
    const struct net_addr *a = &rc->pkt->src;
    uint8_t ip16[16];

    memset(org, 0, sizeof(*org));
    org->sa = &a->sa;
    org->ip = sv_cstr(rc->ip);
    org->port = net_addr_port(a);
    org->src.transport = (uint8_t)rc->pkt->proto;
    org->src.family = (uint8_t)net_addr_family(a);
    org->src.port = org->port;
    if (org->src.family == AF_INET) {
        memcpy(org->src.ip, &a->in4.sin_addr, 4);
    } else {
        net_addr_ip16(a, ip16);
        memcpy(org->src.ip, ip16, 16);
    }
}

/* The registrar's gate: every checked credential goes to the shield. */
static enum reg_gate gate(void *ud, struct sv user, struct sv domain,
                          enum reg_auth_event ev)
{
    struct sw_lookup_ctx *lx = ud;
    struct sw_worker *w = lx->w;
    enum sec_auth a = ev == REG_AUTH_EV_OK      ? SEC_AUTH_OK
                      : ev == REG_AUTH_EV_STALE ? SEC_AUTH_STALE
                                                : SEC_AUTH_FAILED;
    switch (sec_shield_auth(w->core->guard.sh, &w->sec, &w->sec_req, user,
                            domain, a)) {
    case SEC_GATE_PASS:
        return REG_GATE_PASS;
    case SEC_GATE_FORBID:
        return REG_GATE_FORBID;
    case SEC_GATE_DROP:
        count(&w->core->stats.shield_drops);
        return REG_GATE_DROP;
    }
    return REG_GATE_PASS;
}

/* A challenge went out: the shield counts the unanswered ones. */
static void after_auth(struct req_ctx *rc, const struct reg_result *res)
{
    struct sw_worker *w = rc->w;
    if (res->outcome == REG_OUT_CHALLENGED || res->outcome == REG_OUT_STALE) {
        sec_shield_challenge(w->core->guard.sh, &w->sec, &w->sec_req);
    }
}

/* The registrar's entry points share their look-ups and the gate. */
typedef int reg_entry_fn(struct reg_registrar *r, const struct sip_msg *msg,
                         const struct reg_origin *org,
                         const struct reg_lookup *lk, struct buf *out,
                         struct reg_result *res);

/* Run 'fn' for the request; false when nothing is to be sent (the answer
 * could not be built, or the shield dropped the request). */
static bool run_with(struct req_ctx *rc, const struct sip_msg *msg,
                     reg_entry_fn *fn, struct reg_registrar *r,
                     const struct reg_lookup *lk, struct reg_result *res)
{
    struct sw_worker *w = rc->w;
    struct reg_origin org;

    origin_of(rc, &org);
    buf_reset(&w->out);
    if (fn(r, msg, &org, lk, &w->out, res) != 0) {
        count(&w->core->stats.send_errors);
        return false;
    }
    after_auth(rc, res);
    return res->outcome != REG_OUT_DROPPED;
}

static bool run_registrar(struct req_ctx *rc, const struct sip_msg *msg,
                          reg_entry_fn *fn, struct reg_result *res)
{
    struct sw_worker *w = rc->w;
    struct sw_lookup_ctx lx = { &w->core->lookup, w->st, now_ms(w), w };
    const struct reg_lookup lk = { sw_lookup_tenant, sw_lookup_creds, gate,
                                   &lx };
    return run_with(rc, msg, fn, &w->core->reg, &lk, res);
}

/* Accept-register gateways: the trunk's credentials in the trunk's realm,
 * a registrar of their own. The gate is the same: failures count. */
struct gw_ctx {
    struct sw_lookup_ctx lx; /* first: the gate reads it */
    struct calls_engine *e;
};

#define GW_TENANT_ID INT64_C(0x7fff000000000000) /* no tenant of the store */

static int gw_tenant(void *ud, struct sv domain, struct reg_tenant *out)
{
    (void)ud;
    (void)domain;
    memset(out, 0, sizeof(*out));
    out->tenant_id = GW_TENANT_ID;
    out->min_expires_s = 60;
    out->max_expires_s = 3600;
    out->default_expires_s = 3600;
    out->max_contacts = 1;
    return 0;
}

static int gw_creds(void *ud, struct sv domain, struct sv user,
                    struct reg_creds *out)
{
    struct gw_ctx *g = ud;
    int64_t trunk_id = 0;
    char md5[65], sha[65];
    memset(out, 0, sizeof(*out));
    int rc =
        calls_engine_gateway_creds(g->e, domain, user, &trunk_id, md5, sha);
    if (rc != 0) {
        return rc;
    }
    out->user_id = trunk_id;
    out->tenant_id = GW_TENANT_ID;
    snprintf(out->ha1_md5, sizeof(out->ha1_md5), "%s", md5);
    snprintf(out->ha1_sha256, sizeof(out->ha1_sha256), "%s", sha);
    explicit_bzero(md5, sizeof(md5));
    explicit_bzero(sha, sizeof(sha));
    return 0;
}

static bool is_gateway(struct sw_worker *w, const struct sip_msg *msg)
{
    int64_t id;
    struct calls_engine *e = w->core->calls.engine;
    return e
           && calls_engine_gateway_creds(e, msg->to.uri.host, msg->to.uri.user,
                                         &id, NULL, NULL)
                  == 0;
}

static void on_register(struct req_ctx *rc, const struct sip_msg *msg)
{
    struct sw_worker *w = rc->w;
    struct reg_result res;
    bool ok;
    if (is_gateway(w, msg)) {
        struct gw_ctx g = { { &w->core->lookup, w->st, now_ms(w), w },
                            w->core->calls.engine };
        const struct reg_lookup lk = { gw_tenant, gw_creds, gate, &g };
        ok = run_with(rc, msg, reg_registrar_handle, &w->core->calls.gw_reg,
                      &lk, &res);
    } else {
        ok = run_registrar(rc, msg, reg_registrar_handle, &res);
    }
    if (ok) {
        sw_wmetrics_reg_result(&w->metrics, res.status);
        send_answer(rc, res.status);
    }
}

/* ---- calls ------------------------------------------------------------- */

static int find_user(void *ud, struct sv domain, struct sv user,
                     int64_t *user_id, int64_t *tenant_id)
{
    struct reg_creds cr;
    int rc = sw_lookup_creds(ud, domain, user, &cr);
    if (rc == 0) {
        *user_id = cr.user_id;
        *tenant_id = cr.tenant_id;
    }
    return rc;
}

static void src_of(const struct req_ctx *rc, struct proxy_src *src)
{
    dest_of(rc->w->core, rc->pkt, &src->dest);
    src->ip = sv_cstr(rc->ip);
    src->port = net_addr_port(&rc->pkt->src);
}

/* The proxy takes requests on every transport it has a side for. */
static bool proxied(const struct req_ctx *rc)
{
    return rc->w->has_proxy && rc->pkt->proto < PROXY_SIDES
           && rc->w->core->proxy.side[rc->pkt->proto].on;
}

/* The call policy's look-up of extensions: the credential cache. */
static int policy_user(void *ud, struct sv domain, struct sv ext,
                       struct calls_user *out)
{
    struct reg_creds cr;
    int rc = sw_lookup_creds(ud, domain, ext, &cr);
    if (rc == 0) {
        out->user_id = cr.user_id;
        out->tenant_id = cr.tenant_id;
        out->role = cr.role;
    }
    OPENSSL_cleanse(&cr, sizeof(cr));
    return rc;
}

/* Hand a new INVITE and its server transaction to the proxy, which
 * answers it from now on. */
static void to_proxy(struct req_ctx *rc, const struct sip_msg *msg,
                     struct proxy_caller *caller)
{
    struct sw_worker *w = rc->w;
    struct sw_lookup_ctx lx = { &w->core->lookup, w->st, now_ms(w), w };
    struct calls_lookup lk = { policy_user, &lx };
    caller->policy_arg = &lk;
    struct proxy_src src;
    src_of(rc, &src);
    struct sip_txn *stx = rc->txn;
    rc->txn = NULL;
    proxy_invite(&rc->w->proxy, msg, stx, &src, caller, now_ms(rc->w));
    arm_timer(rc->w);
}

/* An INVITE from a trunk is trusted by its source address or its TLS
 * client certificate (a trunk with a certificate fingerprint only by
 * that); any other is authenticated (407, counted by the shield like any
 * credential). Both go to the proxy, whose policy decides. */
static void on_invite(struct req_ctx *rc, const struct sip_msg *msg)
{
    struct sw_worker *w = rc->w;
    struct reg_result res;
    struct calls_engine *e = w->core->calls.engine;
    /* mTLS: a verified client certificate may name the trunk. */
    uint8_t fp[32];
    bool has_fp =
        rc->pkt->conn != NULL && net_conn_peer_cert_fp(rc->pkt->conn, fp);
    int64_t trunk_id =
        e ? calls_engine_trunk_of_tls(e, &rc->pkt->src, has_fp ? fp : NULL) : 0;
    if (trunk_id > 0) {
        /* From a trunk: trusted by its address, never challenged. */
        if (!proxied(rc) || rc->txn == NULL) {
            answer(rc, msg, 501, "Not Implemented", allow_hdr);
            return;
        }
        struct proxy_caller caller = { .user = msg->from.uri.user,
                                       .domain = SV_NULL,
                                       .trunk_id = trunk_id };
        to_proxy(rc, msg, &caller);
        return;
    }
    if (!run_registrar(rc, msg, reg_registrar_auth_request, &res)) {
        return;
    }
    if (res.outcome != REG_OUT_REGISTERED) {
        send_answer(rc, res.status);
        return;
    }
    if (!proxied(rc) || rc->txn == NULL) {
        answer(rc, msg, 501, "Not Implemented", allow_hdr);
        return;
    }
    /* The realm the caller authenticated in: the From domain, lower-case. */
    char domain[256];
    struct sv host = msg->from.uri.host;
    if (host.len >= sizeof(domain)) {
        answer(rc, msg, 400, "Bad From header", "");
        return;
    }
    for (size_t i = 0; i < host.len; i++) {
        char c = host.p[i];
        domain[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    struct sw_lookup_ctx lx = { &w->core->lookup, w->st, now_ms(w), w };
    struct proxy_caller caller = {
        .user = res.auth_user,
        .domain = sv_make(domain, host.len),
        .find_user = find_user,
        .find_ud = &lx,
    };
    to_proxy(rc, msg, &caller);
}

/* A request inside a dialog (To tag): routed by the proxy. */
static void on_in_dialog(struct req_ctx *rc, const struct sip_msg *msg)
{
    struct sw_worker *w = rc->w;
    struct proxy_src src;
    if (!proxied(rc) || (rc->txn == NULL && msg->method != SIP_METHOD_ACK)) {
        if (msg->method != SIP_METHOD_ACK) {
            answer(rc, msg, 481, "Call/Transaction Does Not Exist", "");
        }
        return;
    }
    src_of(rc, &src);
    struct sip_txn *stx = msg->method == SIP_METHOD_ACK ? NULL : rc->txn;
    rc->txn = NULL;
    proxy_in_dialog(&w->proxy, msg, stx, &src, now_ms(w));
    arm_timer(w);
}

static void on_cancel(struct req_ctx *rc, const struct sip_msg *msg)
{
    if (!proxied(rc) || rc->txn == NULL) {
        /* RFC 3261 §9.2: a CANCEL whose INVITE we do not hold gets 481. */
        answer(rc, msg, 481, "Call/Transaction Does Not Exist", "");
        return;
    }
    struct sip_txn *stx = rc->txn;
    rc->txn = NULL;
    proxy_cancel(&rc->w->proxy, msg, stx, now_ms(rc->w));
    arm_timer(rc->w);
}

/* ---- responses --------------------------------------------------------- */

/* A response travels to the worker whose transaction sent the request
 * (its index is in our branch): with SO_REUSEPORT the kernel may have
 * given it to another worker. */
struct handoff {
    struct sw_core *core;
    size_t len;
    char data[];
};

static void response_here(struct sw_worker *w, const struct sip_msg *msg)
{
    if (!w->has_proxy || !proxy_response(&w->proxy, msg, now_ms(w))) {
        count(&w->core->stats.responses_ignored);
        return;
    }
    if (msg->cseq.method == SIP_METHOD_REGISTER) {
        sw_calls_worker_publish(w); /* a register trunk's answer */
    }
    arm_timer(w);
}

static void on_handoff(struct loop_worker *lw, void *ud)
{
    struct handoff *h = ud;
    struct sw_worker *w = &h->core->workers[lw->index];
    uv_update_time(&lw->loop);
    if (sip_msg_parse(&w->msg, sv_make(h->data, h->len), NULL)
        == SIP_PARSE_OK) {
        response_here(w, &w->msg);
    }
    free(h);
}

static void on_response(struct sw_worker *w, const struct net_pkt *pkt,
                        const struct sip_msg *msg)
{
    int idx = proxy_branch_worker(msg->via.branch);
    if (idx < 0 || (unsigned)idx >= w->core->n_workers) {
        count(&w->core->stats.responses_ignored);
        return;
    }
    if ((unsigned)idx == pkt->w->index) {
        response_here(w, msg);
        return;
    }
    struct handoff *h = malloc(sizeof(*h) + msg->raw.len);
    if (h == NULL) {
        count(&w->core->stats.responses_ignored);
        return;
    }
    h->core = w->core;
    h->len = msg->raw.len;
    memcpy(h->data, msg->raw.p, msg->raw.len);
    if (loop_pool_call(loop_pool_worker(pkt->w->pool, (unsigned)idx),
                       on_handoff, h)
        != 0) {
        free(h);
        count(&w->core->stats.responses_ignored);
    }
}

/* ---- dispatch ---------------------------------------------------------- */

static void dispatch(struct req_ctx *rc, const struct sip_msg *msg)
{
    /* RFC 3261 §12.2: a To tag means the request belongs to a dialog. */
    if (msg->to.tag.len && msg->method != SIP_METHOD_REGISTER
        && msg->method != SIP_METHOD_OPTIONS
        && msg->method != SIP_METHOD_CANCEL) {
        on_in_dialog(rc, msg);
        return;
    }
    switch (msg->method) {
    case SIP_METHOD_REGISTER:
        on_register(rc, msg);
        return;
    case SIP_METHOD_OPTIONS:
        answer(rc, msg, 200, "OK", options_hdrs);
        return;
    case SIP_METHOD_INVITE:
        on_invite(rc, msg);
        return;
    case SIP_METHOD_ACK:
        return; /* an ACK that matched no transaction: nothing to do */
    case SIP_METHOD_CANCEL:
        on_cancel(rc, msg);
        return;
    default:
        answer(rc, msg, 501, "Not Implemented", allow_hdr);
        return;
    }
}

/* The peer is formatted only when the (rate-limited) line is written, not
 * for every packet. */
static void log_bad_message(const struct net_pkt *pkt,
                            const struct sip_err *err)
{
    if (LOG_LVL_INFO
        > atomic_load_explicit(&log_level_cur, memory_order_relaxed)) {
        return;
    }
    char peer[NET_ADDR_FMT_CAP + 8];
    snprintf(peer, sizeof(peer), "%s:", net_proto_name(pkt->proto));
    net_addr_fmt(&pkt->src, peer + strlen(peer), sizeof(peer) - strlen(peer));
    const struct log_ctx lc = { "sip", peer };
    log_info_rl(&lc, "bad message: %s at byte %zu", err->reason, err->offset);
}

static void req_info(const struct sip_msg *msg, struct sec_req_info *r)
{
    const struct sip_hdr *ua = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);
    r->method = msg->method_name;
    r->ruri = msg->ruri_raw;
    r->from_user = msg->from.uri.user;
    r->has_ua = ua != NULL;
    r->ua = ua ? ua->value : SV_NULL;
}

static bool only_crlf(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '\r' && p[i] != '\n') {
            return false;
        }
    }
    return true;
}

void sw_pipeline_on_msg(void *ud, const struct net_pkt *pkt)
{
    struct sw_core *core = ud;
    struct sw_worker *w = &core->workers[pkt->w->index];
    struct sip_msg *msg = &w->msg;
    struct req_ctx rc = { .w = w, .pkt = pkt };
    struct sip_err err;

    bump(&w->metrics.packets[pkt->proto < NET_PROTO_COUNT ? pkt->proto : 0]);
    /* 1. The shield, before anything is spent on the packet: IP list,
     * bans, GeoIP, packet rates. Keep-alives count as packets too. */
    if (sec_shield_packet(core->guard.sh, &w->shield, &pkt->src,
                          sv_make(pkt->data, pkt->len), now_ms(w), &w->sec)
        != SEC_DROP_NONE) {
        count(&core->stats.shield_drops);
        return;
    }

    /* RFC 5626 §4.4.1 keep-alives (and stray line ends) are not messages. */
    if (only_crlf(pkt->data, pkt->len)) {
        count(&core->stats.keepalives);
        return;
    }
    net_addr_ip_fmt(&pkt->src, rc.ip, sizeof(rc.ip));
    /* Latency from here (packets the shield dropped cost no clock read) to
     * the answer or the forward. */
    uint64_t t0 = hist_now_ns();

    /* 2. Parse. */
    if (sip_msg_parse(msg, sv_make(pkt->data, pkt->len), &err)
        != SIP_PARSE_OK) {
        count(&core->stats.bad_messages);
        log_bad_message(pkt, &err);
        if (msg->is_request && err.status != 0) {
            answer(&rc, msg, err.status, err.reason, "");
            if (err.status == 400) {
                bump(&w->metrics.answered_400);
            }
        }
        return;
    }
    bump(&w->metrics.parsed);
    if (!msg->is_request) {
        on_response(w, pkt, msg);
        return;
    }
    count(&core->stats.requests);

    /* 3. The shield's request verdict: User-Agent, method rates. */
    req_info(msg, &w->sec_req);
    if (sec_shield_request(core->guard.sh, &w->sec, &w->sec_req)
        != SEC_DROP_NONE) {
        count(&core->stats.shield_drops);
        return;
    }

    /* 4. Transaction layer: retransmissions never reach the handlers.
     * A REGISTER without credentials is answered statelessly: its answer is
     * a fresh challenge that changes nothing, so a retransmission may get
     * another one, and keeping it for Timer J (32 s on UDP) would double
     * the memory a registration costs. OPTIONS is answered statelessly
     * too: its 200 changes nothing, and a flood of OPTIONS from spoofed
     * sources must not fill the transaction table. */
    if ((msg->method == SIP_METHOD_REGISTER
         && !sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION))
        || msg->method == SIP_METHOD_OPTIONS) {
        dispatch(&rc, msg);
        hist_observe(&w->metrics.lat[sw_lat_class_of(msg->method)],
                     hist_now_ns() - t0);
        return;
    }
    struct sip_txn_key key;
    struct sip_txn_dest dest;
    struct sv resend = SV_NULL;
    sip_txn_key_from_msg(msg, &key);
    dest_of(core, pkt, &dest);
    int v = sip_txn_server_lookup_or_create(&w->txn, &key, &dest,
                                            pkt->proto != NET_PROTO_UDP,
                                            now_ms(w), &rc.txn, &resend);
    if (v < 0) {
        count(&core->stats.txn_full);
        rc.txn = NULL;
        answer(&rc, msg, 503, "Service Unavailable", "Retry-After: 5\r\n");
        return;
    }
    switch ((enum sip_txn_verdict)v) {
    case SIP_TXN_RESEND:
        count(&core->stats.txn_resent);
        if (resend.len && net_reply(pkt, resend.p, resend.len) != 0) {
            count(&core->stats.send_errors);
        }
        return;
    case SIP_TXN_ABSORB:
    case SIP_TXN_DELIVERED:
        count(&core->stats.txn_absorbed);
        arm_timer(w);
        return;
    case SIP_TXN_PASS:
        rc.txn = NULL; /* answer statelessly */
        break;
    case SIP_TXN_NEW:
        break;
    }

    /* 5. The method's handler answers. */
    dispatch(&rc, msg);
    if (rc.txn) {
        /* The handler sent nothing (ACK): the transaction is not needed. */
        sip_txn_server_abandon(rc.txn);
    }
    hist_observe(&w->metrics.lat[sw_lat_class_of(msg->method)],
                 hist_now_ns() - t0);
}
