/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The media policy on the callee's leg. SDES keys that reached us over a
 * secure transport are not forwarded over a clear one; and the 2xx of an
 * INVITE is judged before it goes up: for a late offer (an INVITE without
 * SDP) it carries the callee's offer, which must meet the call's
 * encryption requirement, and in any case it must not carry SDES keys
 * over a clear leg. A 2xx that fails is ACKed and ended with a BYE here,
 * and the caller gets the 488 instead (the proxy has sent no final
 * answer yet, so it may answer itself, RFC 3261 §16.7).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "media/policy.h"
#include "proxy/fwd.h"
#include "proxy/proxy_int.h"

static struct log_ctx lc = { .subsys = "proxy" };

void proxy_media_hdrs(char *buf, size_t cap, enum media_verdict v,
                      const char *why)
{
    snprintf(buf, cap,
             "Warning: 399 sipwarden \"%s (%s)\"\r\n"
             "Reason: SIP;cause=%d;text=\"%s\"\r\n",
             why ? why : "media refused", media_verdict_rule(v),
             media_verdict_status(v), media_verdict_rule(v));
}

bool proxy_leg_sdes_ok(const struct proxy_call *c, int transport)
{
    return !c->ci.offer_sdes || c->ci.media_exempt
           || net_proto_is_tls((enum net_proto)transport);
}

enum media_verdict proxy_leg_2xx_check(const struct proxy_call *c,
                                       const struct proxy_branch *b,
                                       const struct sip_msg *resp,
                                       const char **why)
{
    if (c->ci.media_exempt || resp->body.len == 0) {
        return MEDIA_OK;
    }
    const struct sip_hdr *ct = sip_msg_hdr(resp, SIP_HDR_CONTENT_TYPE);
    struct media_policy_in in = {
        .content_type = ct ? ct->value : SV_NULL,
        .body = resp->body,
        .transport_secure = net_proto_is_tls((enum net_proto)b->dest.transport),
        /* an answer follows the offer it answers; a late offer is the
         * callee's own and meets the call's requirement */
        .require_encrypted = !c->ci.has_offer && c->ci.media_required,
    };
    enum media_verdict v = media_policy_check(&in, why);
    if (v == MEDIA_REFUSE_BAD_SDP && c->ci.has_offer) {
        return MEDIA_OK; /* an answer we cannot read is the caller's worry */
    }
    return v;
}

/* The entries of every Record-Route of 'resp' that the callee's side
 * added (above our own), in the order a request toward the callee visits
 * them. Returns how many went to 'out'. */
static size_t callee_route_set(const struct proxy_core *pc,
                               const struct sip_msg *resp, struct sv *out,
                               size_t cap)
{
    struct sv all[16];
    size_t n = 0;
    for (const struct sip_hdr *h = sip_msg_hdr(resp, SIP_HDR_RECORD_ROUTE); h;
         h = sip_msg_hdr_next(resp, h)) {
        struct sv rest = h->value;
        while (rest.len > 0 && n < sizeof(all) / sizeof(all[0])) {
            struct sv first;
            proxy_fwd_split_first(rest, &first, &rest);
            first = sv_trim(first);
            if (first.len == 0) {
                continue;
            }
            struct sip_nameaddr na;
            if (sip_parse_nameaddr(first, &na, NULL) == SIP_PARSE_OK
                && proxy_is_us(pc, &na.uri)) {
                goto found;
            }
            all[n++] = first;
        }
    }
    return 0; /* we are not in it: no route set we could trust */
found:;
    size_t k = 0;
    while (n > 0 && k < cap) {
        out[k++] = all[--n];
    }
    return k;
}

/* ACK (CSeq of the INVITE) or BYE (one more) toward the callee in the
 * dialog the 2xx 'resp' to our forwarded INVITE 'inv' made. */
static int build_leg_req(struct proxy_worker *pw, struct buf *out,
                         const struct sip_msg *inv, const struct sip_msg *resp,
                         const struct proxy_branch *b, bool is_bye,
                         const char *branch, const char *rule)
{
    struct proxy_core *pc = pw->core;
    int t = b->dest.transport;
    if (t < 0 || t >= PROXY_SIDES) {
        return -EINVAL;
    }
    struct sv target = inv->ruri_raw;
    const struct sip_hdr *h = sip_msg_hdr(resp, SIP_HDR_CONTACT);
    if (h) {
        struct sv first;
        struct sv rest;
        struct sip_nameaddr na;
        proxy_fwd_split_first(h->value, &first, &rest);
        if (sip_parse_nameaddr(sv_trim(first), &na, NULL) == SIP_PARSE_OK) {
            target = na.uri_raw;
        }
    }
    const struct sip_hdr *from = sip_msg_hdr(inv, SIP_HDR_FROM);
    const struct sip_hdr *to = sip_msg_hdr(resp, SIP_HDR_TO);
    if (from == NULL || to == NULL) {
        return -EINVAL;
    }
    buf_printf(out, "%s %.*s SIP/2.0\r\n", is_bye ? "BYE" : "ACK",
               SV_FMT(target));
    buf_printf(out, "Via: SIP/2.0/%s %s;branch=%s;rport\r\n", proxy_via_name(t),
               pc->side[t].sent_by, branch);
    buf_printf(out, "Max-Forwards: 70\r\n");
    struct sv routes[8];
    size_t n = callee_route_set(pc, resp, routes, 8);
    for (size_t i = 0; i < n; i++) {
        buf_printf(out, "Route: %.*s\r\n", SV_FMT(routes[i]));
    }
    buf_printf(out, "From: %.*s\r\n", SV_FMT(from->value));
    buf_printf(out, "To: %.*s\r\n", SV_FMT(to->value));
    buf_printf(out, "Call-ID: %.*s\r\n", SV_FMT(inv->call_id));
    buf_printf(out, "CSeq: %u %s\r\n",
               (unsigned)inv->cseq.num + (is_bye ? 1u : 0u),
               is_bye ? "BYE" : "ACK");
    if (is_bye) {
        buf_printf(out, "Reason: SIP;cause=488;text=\"%s\"\r\n", rule);
    }
    buf_append_cstr(out, "Content-Length: 0\r\n\r\n");
    return out->err;
}

static void bye_cb(void *ud, struct sip_txn *txn,
                   const struct sip_txn_event *ev)
{
    (void)ud;
    (void)txn;
    (void)ev;
}

void proxy_leg_end(struct proxy_worker *pw, const struct proxy_branch *b,
                   const struct sip_msg *resp, const char *rule,
                   uint64_t now_ms)
{
    struct sip_msg inv;
    if (sip_msg_parse(&inv, sv_make(b->req, b->req_len), NULL)
        != SIP_PARSE_OK) {
        return;
    }
    char branch[BRANCH_CAP];
    proxy_make_branch(pw, branch);
    buf_reset(&pw->aux);
    if (build_leg_req(pw, &pw->aux, &inv, resp, b, false, branch, rule) == 0) {
        proxy_send_to(pw, &b->dest, pw->aux.p, pw->aux.len);
    }
    proxy_make_branch(pw, branch);
    buf_reset(&pw->aux);
    if (build_leg_req(pw, &pw->aux, &inv, resp, b, true, branch, rule) != 0) {
        return;
    }
    struct sip_txn_key key = { .method = SIP_METHOD_BYE,
                               .branch = sv_cstr(branch) };
    int rc = sip_txn_client_start(
        pw->txn, &key, &b->dest, pw->aux.p, pw->aux.len,
        b->dest.transport != NET_PROTO_UDP, now_ms, bye_cb, NULL, NULL);
    if (rc != 0) {
        log_warn_rl(&lc, "BYE of a refused answer not sent: %s", strerror(-rc));
    }
}
