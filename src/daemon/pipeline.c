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
#include <string.h>
#include <time.h>

#include "base/check.h"
#include "base/log.h"
#include "daemon/core.h"
#include "daemon/lookup.h"
#include "loop/worker.h"
#include "net/net.h"
#include "reg/registrar.h"
#include "sec/shield.h"
#include "sip/build.h"

#define ALLOW_HDR "Allow: REGISTER, OPTIONS, INVITE, ACK, CANCEL\r\n"
static const char allow_hdr[] = ALLOW_HDR;
static const char options_hdrs[] = ALLOW_HDR "Accept: application/sdp\r\n";

static void count(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
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
static void dest_of(const struct net_pkt *pkt, struct sip_txn_dest *d)
{
    memset(d, 0, sizeof(*d));
    size_t n = pkt->src.len < sizeof(d->addr) ? pkt->src.len : sizeof(d->addr);
    memcpy(d->addr, &pkt->src.ss, n);
    d->transport = (int)pkt->proto;
    d->conn_id = (uint64_t)(uintptr_t)pkt->udp;
}

void sw_pipeline_txn_send(void *ud, const struct sip_txn_dest *dest,
                          const char *bytes, size_t len)
{
    struct sw_worker *w = ud;
    struct net_addr dst;
    int rc = -ENOTCONN;

    if (w->cur_pkt && dest->transport == (int)w->cur_pkt->proto) {
        /* Answering the packet in hand: same socket or connection. */
        rc = net_reply(w->cur_pkt, bytes, len);
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
static bool run_registrar(struct req_ctx *rc, const struct sip_msg *msg,
                          reg_entry_fn *fn, struct reg_result *res)
{
    struct sw_worker *w = rc->w;
    struct reg_origin org;
    struct sw_lookup_ctx lx = { &w->core->lookup, w->st, now_ms(w), w };
    const struct reg_lookup lk = { sw_lookup_tenant, sw_lookup_creds, gate,
                                   &lx };

    origin_of(rc, &org);
    buf_reset(&w->out);
    if (fn(&w->core->reg, msg, &org, &lk, &w->out, res) != 0) {
        count(&w->core->stats.send_errors);
        return false;
    }
    after_auth(rc, res);
    return res->outcome != REG_OUT_DROPPED;
}

static void on_register(struct req_ctx *rc, const struct sip_msg *msg)
{
    struct reg_result res;
    if (run_registrar(rc, msg, reg_registrar_handle, &res)) {
        send_answer(rc, res.status);
    }
}

/* ---- INVITE ------------------------------------------------------------ */

/* Calls are routed by a later part of the product; until then an INVITE is
 * authenticated (407, counted by the shield like any credential) and then
 * refused as not implemented. */
static void on_invite(struct req_ctx *rc, const struct sip_msg *msg)
{
    struct reg_result res;
    if (!run_registrar(rc, msg, reg_registrar_auth_request, &res)) {
        return;
    }
    if (res.outcome == REG_OUT_REGISTERED) {
        answer(rc, msg, 501, "Not Implemented", allow_hdr);
    } else {
        send_answer(rc, res.status);
    }
}

/* ---- dispatch ---------------------------------------------------------- */

static void dispatch(struct req_ctx *rc, const struct sip_msg *msg)
{
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
        /* RFC 3261 §9.2: a CANCEL whose INVITE we do not hold gets 481. */
        answer(rc, msg, 481, "Call/Transaction Does Not Exist", "");
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

    /* 2. Parse. */
    if (sip_msg_parse(msg, sv_make(pkt->data, pkt->len), &err)
        != SIP_PARSE_OK) {
        count(&core->stats.bad_messages);
        log_bad_message(pkt, &err);
        if (msg->is_request && err.status != 0) {
            answer(&rc, msg, err.status, err.reason, "");
        }
        return;
    }
    if (!msg->is_request) {
        /* We send no requests yet, so no client transaction can match. */
        count(&core->stats.responses_ignored);
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
     * the memory a registration costs. */
    if (msg->method == SIP_METHOD_REGISTER
        && !sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION)) {
        dispatch(&rc, msg);
        return;
    }
    struct sip_txn_key key;
    struct sip_txn_dest dest;
    struct sv resend = SV_NULL;
    sip_txn_key_from_msg(msg, &key);
    dest_of(pkt, &dest);
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
}
