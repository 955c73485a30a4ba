/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests inside a dialog (BYE, ACK, re-INVITE, UPDATE, ...) and the
 * responses to what the proxy sent: in-dialog requests are forwarded only
 * for dialogs we made, toward the other party's flow (the address and
 * connection it used) when no other proxy is on the route; responses go
 * to their client transaction, or a retransmitted 2xx statelessly by its
 * Via.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/check.h"
#include "media/policy.h"
#include "net/transport.h"
#include "proxy/fwd.h"
#include "proxy/proxy_int.h"

/* ---- in-dialog requests ------------------------------------------------ */

/* Where a request inside a dialog goes (RFC 3261 §16.4, §16.12): our own
 * Route entries are skipped; when another proxy's entry follows, to it
 * (UDP); else to the other party's flow kept with the dialog (the address,
 * and for TCP/TLS the connection, it used: right behind NAT too), or the
 * Request-URI for a dialog without one. */
static int next_dest(struct proxy_worker *pw, const struct sip_msg *msg,
                     const struct sip_txn_dest *toward, unsigned *drop,
                     struct sip_txn_dest *out)
{
    struct sip_nameaddr next;
    bool has_next;
    struct net_addr to;
    const struct sockaddr *sa = (const struct sockaddr *)toward->addr;

    *drop = proxy_our_routes(pw->core, msg, &next, &has_next);
    if (has_next) {
        if (next.uri.host.len == 0 || proxy_uri_addr(&next.uri, &to) != 0) {
            return -EINVAL;
        }
        proxy_dest_of_addr(pw, &to, out);
        return 0;
    }
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        *out = *toward;
        if (out->transport == NET_PROTO_UDP) {
            out->conn_id = pw->conn_id; /* this worker's socket */
        }
        return 0;
    }
    if (proxy_uri_addr(&msg->ruri, &to) != 0) {
        return -EINVAL;
    }
    proxy_dest_of_addr(pw, &to, out);
    return 0;
}

/*
 * A new offer inside the dialog (re-INVITE, UPDATE) meets the media
 * policy, or is answered here with 488/400 and a Warning naming the rule.
 */
static bool offer_ok(struct proxy_worker *pw, struct sip_txn *stx,
                     const struct sip_msg *msg, const struct proxy_src *src,
                     bool media_required)
{
    if ((msg->method != SIP_METHOD_INVITE && msg->method != SIP_METHOD_UPDATE)
        || msg->body.len == 0) {
        return true;
    }
    const struct sip_hdr *ct = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
    struct media_policy_in in = {
        .content_type = ct ? ct->value : SV_NULL,
        .body = msg->body,
        .transport_secure =
            net_proto_is_tls((enum net_proto)src->dest.transport),
        .require_encrypted = media_required,
    };
    const char *why = NULL;
    enum media_verdict v = media_policy_check(&in, &why);
    if (v == MEDIA_OK) {
        return true;
    }
    char hdr[256];
    proxy_media_hdrs(hdr, sizeof(hdr), v, why);
    proxy_stat(&pw->core->stats.media_refused);
    proxy_refuse_now(pw, stx, msg, src, media_verdict_status(v), NULL, hdr);
    return false;
}

/* SDES keys in a new offer that arrived over a secure transport are not
 * forwarded over a clear one: 488, as if they had arrived in the clear. */
static bool leg_sdes_ok(struct proxy_worker *pw, struct sip_txn *stx,
                        const struct sip_msg *msg, const struct proxy_src *src,
                        int out_transport)
{
    if ((msg->method != SIP_METHOD_INVITE && msg->method != SIP_METHOD_UPDATE)
        || msg->body.len == 0
        || net_proto_is_tls((enum net_proto)out_transport)) {
        return true;
    }
    const struct sip_hdr *ct = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
    if (!media_has_sdes(ct ? ct->value : SV_NULL, msg->body)) {
        return true;
    }
    char hdr[256];
    proxy_media_hdrs(hdr, sizeof(hdr), MEDIA_REFUSE_SDES_CLEAR,
                     "SDES keys (a=crypto) would reach the other party in "
                     "the clear");
    proxy_stat(&pw->core->stats.media_refused);
    proxy_refuse_now(pw, stx, msg, src, 488, NULL, hdr);
    return false;
}

void proxy_in_dialog(struct proxy_worker *pw, const struct sip_msg *msg,
                     struct sip_txn *stx, const struct proxy_src *src,
                     uint64_t now_ms)
{
    struct proxy_core *pc = pw->core;
    bool is_ack = msg->method == SIP_METHOD_ACK;
    struct sip_txn_dest toward;

    pw->now_ms = now_ms;
    SW_ASSERT(is_ack == (stx == NULL));
    /* Only dialogs we made are routed: no open relay for strangers. */
    memset(&toward, 0, sizeof(toward));
    bool media_required = false;
    if (!proxy_dlg_touch_toward(&pc->dialogs, msg->call_id, msg->from.tag,
                                msg->to.tag, now_ms, &toward,
                                &media_required)) {
        proxy_stat(&pc->stats.no_dialog);
        if (stx) {
            proxy_refuse_now(pw, stx, msg, src, 481, NULL, NULL);
        }
        return;
    }
    if (msg->max_forwards == 0) {
        if (stx) {
            proxy_refuse_now(pw, stx, msg, src, 483, NULL, NULL);
        }
        return;
    }
    if (stx && !offer_ok(pw, stx, msg, src, media_required)) {
        return;
    }
    unsigned drop;
    struct sip_txn_dest d;
    if (next_dest(pw, msg, &toward, &drop, &d) != 0 || d.transport < 0
        || d.transport >= PROXY_SIDES || !pc->side[d.transport].on) {
        if (stx) {
            proxy_refuse_now(pw, stx, msg, src, 502, NULL, NULL);
        }
        return;
    }
    if (stx && !leg_sdes_ok(pw, stx, msg, src, d.transport)) {
        return;
    }
    if (msg->method == SIP_METHOD_BYE) {
        struct proxy_dlg_end_ctx x = { pc, PROXY_CALL_COMPLETED };
        proxy_dlg_remove(&pc->dialogs, msg->call_id, msg->from.tag, msg->to.tag,
                         proxy_on_dlg_end, &x);
    }
    proxy_stat(&pc->stats.in_dialog);
    if (is_ack) {
        /* §16.11: the ACK of a 2xx is its own transaction: stateless. */
        char branch[BRANCH_CAP];
        proxy_make_branch(pw, branch);
        struct proxy_fwd f = {
            .via_transport = sv_cstr(proxy_via_name(d.transport)),
            .via_sent_by = sv_cstr(pc->side[d.transport].sent_by),
            .branch = sv_cstr(branch),
            .drop_routes = drop,
            .src_ip = src->ip,
            .src_port = src->port,
        };
        buf_reset(&pw->out);
        if (proxy_fwd_request(&pw->out, msg, &f) == 0) {
            proxy_send_to(pw, &d, pw->out.p, pw->out.len);
            proxy_stat(&pc->stats.stateless);
        }
        return;
    }
    struct proxy_call_info ci;
    memset(&ci, 0, sizeof(ci));
    struct proxy_call *c = proxy_call_new(pw, msg, stx, src, &ci);
    if (c == NULL) {
        proxy_refuse_now(pw, stx, msg, src, 503, NULL, "Retry-After: 5\r\n");
        return;
    }
    c->is_dialog_req = true;
    if (msg->method == SIP_METHOD_INVITE) {
        proxy_respond_own(pw, stx, msg, src->ip, src->port, 100, NULL, NULL,
                          now_ms);
    }
    proxy_fork_to(c, msg, src, SV_NULL, false, drop, &d, now_ms);
    if (c->n_pending == 0) {
        proxy_call_respond_own(c, 500, NULL, NULL, now_ms);
        proxy_call_free(c);
        return;
    }
    if (msg->method == SIP_METHOD_INVITE) {
        proxy_list_put(c, LIST_TIMER, now_ms + pc->cfg.timer_c_ms);
    }
}

/* ---- responses --------------------------------------------------------- */

/* The address of the second via-parm of 'resp' (received / rport first). */
static int second_via_addr(const struct sip_msg *resp, struct net_addr *to)
{
    const struct sip_hdr *h = sip_msg_hdr(resp, SIP_HDR_VIA);
    struct sv first;
    struct sv rest;
    struct sip_via via;
    char host[64];

    if (h == NULL) {
        return -EINVAL;
    }
    proxy_fwd_split_first(h->value, &first, &rest);
    if (rest.len == 0) {
        const struct sip_hdr *h2 = sip_msg_hdr_next(resp, h);
        if (h2 == NULL) {
            return -EINVAL;
        }
        rest = h2->value;
    }
    proxy_fwd_split_first(rest, &first, &rest);
    if (sip_parse_via(first, &via, NULL, NULL) != SIP_PARSE_OK) {
        return -EINVAL;
    }
    struct sv ip = via.received.len ? via.received : via.host;
    if (sv_copy_cstr(ip, host, sizeof(host)) != 0
        || net_addr_parse(host, 5060, to) != 0) {
        return -EINVAL;
    }
    uint16_t port = via.rport_has_value ? via.rport
                    : via.has_port      ? via.port
                                        : 5060;
    net_addr_set_port(to, port);
    return 0;
}

bool proxy_response(struct proxy_worker *pw, const struct sip_msg *msg,
                    uint64_t now_ms)
{
    struct sip_txn_key key;
    pw->now_ms = now_ms;
    if (proxy_branch_worker(msg->via.branch) < 0) {
        return false;
    }
    sip_txn_key_from_msg(msg, &key);
    int rc =
        sip_txn_client_on_response(pw->txn, &key, msg->status, now_ms, msg);
    if (rc == SIP_TXN_PASS && msg->cseq.method == SIP_METHOD_INVITE
        && msg->status >= 200 && msg->status < 300) {
        /* §16.7: a retransmitted 2xx (its transaction is gone) goes up
         * statelessly by its Via. */
        struct net_addr to;
        struct sip_txn_dest d;
        buf_reset(&pw->out);
        if (second_via_addr(msg, &to) == 0
            && proxy_fwd_response(&pw->out, msg) == 0) {
            proxy_dest_of_addr(pw, &to, &d);
            proxy_send_to(pw, &d, pw->out.p, pw->out.len);
            proxy_stat(&pw->core->stats.stateless);
        }
    }
    return true;
}
