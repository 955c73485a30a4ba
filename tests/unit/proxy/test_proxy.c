/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy core over a real transaction table whose send callback
 * records every message, a real location table and a table of
 * extensions: a call forked to two devices (100 at once, provisional
 * relayed, one 2xx up, the other branch cancelled at its first
 * provisional and its 487 ACKed, ACK and BYE loose-routed, dialog made and
 * removed, hooks once each), the best of failed branches after a Timer B
 * timeout, the caller's CANCEL, Timer C, no contact (480), no extension
 * (404), another tenant's domain, policy refusals, in-dialog requests of
 * unknown dialogs, a re-INVITE inside a dialog, a dialog that never sees
 * its BYE, our branches naming their worker, and the media policy on
 * the callee's leg (late offers judged in the 2xx, SDES keys never
 * forwarded over a clear leg).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "net/addr.h"
#include "net/transport.h"
#include "proxy/proxy.h"
#include "reg/location.h"
#include "sip/msg.h"
#include "sip/txn.h"

#define MAX_SENT 64
#define SENT_CAP 4096

struct sent {
    char bytes[SENT_CAP];
    size_t len;
    struct net_addr to;
};

struct hooks {
    unsigned starts;
    unsigned answers;
    unsigned ends;
    enum proxy_call_result last_res;
    int last_status;
    char last_callee[32];
    bool refuse;         /* on_call_start refuses with 403 */
    unsigned n_hops;     /* > 0: route external numbers to these trunks */
    unsigned hop_refuse; /* bit i: on_hop refuses trunk i+1 */
    unsigned hops_tried;
    int64_t last_trunk;
    bool media_required; /* on_call_start requires encrypted media */
    char last_rule[32];  /* ci->refused_rule at the end, "" none */
};

struct fx {
    struct sip_txn_table t;
    struct reg_loc loc;
    struct proxy_core pc;
    struct proxy_worker pw;
    struct hooks h;
    uint64_t now_ms;
    unsigned n_sent;
    struct sent sent[MAX_SENT];
    struct sip_msg parsed[4];
    unsigned next_parsed;
};

/* ---- fixture ----------------------------------------------------------- */

static void on_send(void *ud, const struct sip_txn_dest *dest,
                    const char *bytes, size_t len)
{
    struct fx *f = ud;
    assert_true(f->n_sent < MAX_SENT);
    assert_true(len < SENT_CAP);
    struct sent *s = &f->sent[f->n_sent++];
    memcpy(s->bytes, bytes, len);
    s->bytes[len] = '\0';
    s->len = len;
    const struct sockaddr *sa = (const struct sockaddr *)dest->addr;
    assert_int_equal(net_addr_from_sa(&s->to, sa,
                                      sa->sa_family == AF_INET6
                                          ? sizeof(struct sockaddr_in6)
                                          : sizeof(struct sockaddr_in)),
                     0);
}

static bool h_start(void *ud, struct proxy_call_info *ci, bool is_ext,
                    struct proxy_route *rt, struct proxy_refusal *ref)
{
    struct hooks *h = ud;
    h->starts++;
    snprintf(h->last_callee, sizeof(h->last_callee), "%.*s",
             SV_FMT(ci->callee));
    ci->media_required = h->media_required;
    if (h->refuse) {
        ref->status = 403;
        ref->reason = "Forbidden";
        ref->extra_hdrs = "Warning: 399 sipwarden \"test rule\"\r\n";
        return false;
    }
    if (!is_ext && h->n_hops > 0) {
        for (unsigned i = 0; i < h->n_hops; i++) {
            struct proxy_hop *hop = &rt->hops[i];
            char ip[32];
            snprintf(ip, sizeof(ip), "10.9.0.%u", i + 1);
            assert_int_equal(net_addr_parse(ip, 5060, &hop->addr), 0);
            snprintf(hop->ruri, sizeof(hop->ruri), "sip:%.*s@%s:5060",
                     SV_FMT(ci->callee), ip);
            hop->trunk_id = i + 1;
        }
        rt->n_hops = h->n_hops;
        return true;
    }
    if (!is_ext) {
        ref->status = 404;
        return false;
    }
    return true;
}

static bool h_hop(void *ud, struct proxy_call_info *ci,
                  const struct proxy_hop *hop, struct proxy_refusal *ref)
{
    struct hooks *h = ud;
    assert_int_equal(ci->trunk_id, hop->trunk_id);
    h->hops_tried++;
    if (h->hop_refuse & (1u << (hop->trunk_id - 1))) {
        ref->status = 503;
        ref->reason = "Service Unavailable";
        ref->extra_hdrs = "Reason: SIP;cause=503;text=\"trunk_limit\"\r\n";
        return false;
    }
    return true;
}

static void h_answer(void *ud, const struct proxy_call_info *ci)
{
    struct hooks *h = ud;
    (void)ci;
    h->answers++;
}

static void h_end(void *ud, const struct proxy_call_info *ci,
                  enum proxy_call_result res, int status)
{
    struct hooks *h = ud;
    h->last_trunk = ci->trunk_id;
    h->ends++;
    h->last_res = res;
    h->last_status = status;
    snprintf(h->last_rule, sizeof(h->last_rule), "%s",
             ci->refused_rule ? ci->refused_rule : "");
}

static const struct {
    const char *ext;
    int64_t id;
    int64_t tenant;
} users[] = {
    { "100", 1, 1 }, { "200", 2, 1 }, { "201", 3, 1 },
    { "202", 4, 1 }, { "900", 9, 2 },
};

static int find_user(void *ud, struct sv domain, struct sv user,
                     int64_t *user_id, int64_t *tenant_id)
{
    (void)ud;
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        bool dom_ok = users[i].tenant == 1 ? sv_eq_cstr(domain, "example.com")
                                           : sv_eq_cstr(domain, "other.com");
        if (dom_ok && sv_eq_cstr(user, users[i].ext)) {
            *user_id = users[i].id;
            *tenant_id = users[i].tenant;
            return 0;
        }
    }
    return -ENOENT;
}

static void bind_contact(struct fx *f, int64_t user_id, const char *uri,
                         const char *ip, uint16_t port)
{
    char cid[32];
    snprintf(cid, sizeof(cid), "reg-%s", uri);
    struct reg_contact_req c = { sv_cstr(uri), 3600 };
    struct reg_update u;
    memset(&u, 0, sizeof(u));
    u.user_id = user_id;
    u.tenant_id = 1;
    u.aor = SV_LIT("x@example.com");
    u.call_id = sv_cstr(cid);
    u.cseq = 1;
    u.max_contacts = 5;
    u.now_s = (int64_t)time(NULL);
    u.src.transport = NET_PROTO_UDP;
    u.src.family = AF_INET;
    u.src.port = port;
    assert_int_equal(inet_pton(AF_INET, ip, u.src.ip), 1);
    assert_int_equal(reg_loc_apply(&f->loc, &u, &c, 1, NULL, NULL), REG_LOC_OK);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct sip_txn_config cfg;
    struct proxy_policy pol = { .ud = &f->h,
                                .on_call_start = h_start,
                                .on_hop = h_hop,
                                .on_call_answer = h_answer,
                                .on_call_end = h_end };
    struct net_addr self;

    sip_txn_config_default(&cfg);
    assert_int_equal(sip_txn_table_init(&f->t, &cfg, on_send, f), 0);
    assert_int_equal(reg_loc_init(&f->loc), 0);
    assert_int_equal(proxy_core_init(&f->pc, NULL, &pol, &f->loc), 0);
    assert_int_equal(net_addr_parse("127.0.0.1:5060", 0, &self), 0);
    assert_int_equal(proxy_core_set_address(&f->pc, &self), 0);
    assert_int_equal(proxy_worker_init(&f->pw, &f->pc, &f->t, 3, 77), 0);
    f->now_ms = 1000;
    bind_contact(f, 2, "sip:200@10.0.0.21:5060", "10.0.0.21", 5060);
    bind_contact(f, 3, "sip:201@10.0.0.31:5060", "10.0.0.31", 5060);
    /* Behind NAT: registered from another address than its Contact. */
    bind_contact(f, 3, "sip:201@192.168.1.5:5062", "10.0.0.32", 40000);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sip_txn_table_fini(&f->t);
    proxy_worker_fini(&f->pw);
    proxy_core_fini(&f->pc);
    reg_loc_fini(&f->loc);
    free(f);
    return 0;
}

static struct sip_msg *parse(struct fx *f, const char *text)
{
    struct sip_msg *m = &f->parsed[f->next_parsed++ % 4];
    struct sip_err err;
    if (sip_msg_parse(m, sv_cstr(text), &err) != SIP_PARSE_OK) {
        fail_msg("does not parse (%s at %zu): %s", err.reason, err.offset,
                 text);
    }
    return m;
}

static struct proxy_src src_at(const char *ip, uint16_t port)
{
    struct proxy_src s;
    struct net_addr a;
    memset(&s, 0, sizeof(s));
    assert_int_equal(net_addr_parse(ip, port, &a), 0);
    memcpy(s.dest.addr, &a.ss, a.len);
    s.dest.transport = NET_PROTO_UDP;
    s.dest.conn_id = 77;
    s.ip = sv_cstr(ip);
    s.port = port;
    return s;
}

static const struct proxy_caller caller100 = {
    .user = { "100", 3 },
    .domain = { "example.com", 11 },
    .find_user = find_user,
};

/* A request as received: new server transaction, then the proxy. */
static struct sip_txn *server_txn(struct fx *f, const struct sip_msg *m,
                                  const struct proxy_src *src)
{
    struct sip_txn_key key;
    struct sip_txn *stx = NULL;
    struct sv resend;
    sip_txn_key_from_msg(m, &key);
    assert_int_equal(sip_txn_server_lookup_or_create(&f->t, &key, &src->dest,
                                                     false, f->now_ms, &stx,
                                                     &resend),
                     SIP_TXN_NEW);
    return stx;
}

static void invite(struct fx *f, const char *callee, const char *cid)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "INVITE sip:%s@example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK%s;rport\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:100@example.com>;tag=ctag\r\n"
             "To: <sip:%s@example.com>\r\n"
             "Call-ID: %s\r\n"
             "CSeq: 2 INVITE\r\n"
             "Contact: <sip:100@10.0.0.10:5060>\r\n"
             "Proxy-Authorization: Digest username=\"100\"\r\n"
             "Content-Length: 0\r\n\r\n",
             callee, cid, callee, cid);
    struct proxy_src src = src_at("10.0.0.10", 5060);
    struct sip_msg *m = parse(f, text);
    proxy_invite(&f->pw, m, server_txn(f, m, &src), &src, &caller100,
                 f->now_ms);
}

static void respond_sdp(struct fx *f, const char *req_text, int status,
                        const char *to_tag, const char *sdp);

/* The response of the phone to our forwarded request 'req'. */
static void respond(struct fx *f, const char *req_text, int status,
                    const char *to_tag)
{
    respond_sdp(f, req_text, status, to_tag, NULL);
}

/* ... with an SDP body when 'sdp' is not NULL. */
static void respond_sdp(struct fx *f, const char *req_text, int status,
                        const char *to_tag, const char *sdp)
{
    struct sip_msg *req = parse(f, req_text);
    char text[4096];
    size_t n =
        (size_t)snprintf(text, sizeof(text), "SIP/2.0 %d Whatever\r\n", status);
    for (const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_VIA); h;
         h = sip_msg_hdr_next(req, h)) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "Via: %.*s\r\n",
                              SV_FMT(h->value));
    }
    const struct sip_hdr *rr = sip_msg_hdr(req, SIP_HDR_RECORD_ROUTE);
    if (rr) {
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "Record-Route: %.*s\r\n", SV_FMT(rr->value));
    }
    n += (size_t)snprintf(
        text + n, sizeof(text) - n,
        "From: %.*s\r\nTo: %.*s%s%s\r\nCall-ID: %.*s\r\nCSeq: %u %.*s\r\n"
        "Contact: <%.*s>\r\n%sContent-Length: %zu\r\n\r\n%s",
        SV_FMT(sip_msg_hdr(req, SIP_HDR_FROM)->value),
        SV_FMT(sip_msg_hdr(req, SIP_HDR_TO)->value),
        to_tag && req->to.tag.len == 0 ? ";tag=" : "",
        to_tag && req->to.tag.len == 0 ? to_tag : "", SV_FMT(req->call_id),
        (unsigned)req->cseq.num, SV_FMT(req->cseq.method_name),
        SV_FMT(req->ruri_raw), sdp ? "Content-Type: application/sdp\r\n" : "",
        sdp ? strlen(sdp) : 0, sdp ? sdp : "");
    assert_true(n < sizeof(text));
    assert_true(proxy_response(&f->pw, parse(f, text), f->now_ms));
}

static const char *sent_to(struct fx *f, unsigned i, const char *ip_port)
{
    char a[NET_ADDR_FMT_CAP];
    assert_true(i < f->n_sent);
    net_addr_fmt(&f->sent[i].to, a, sizeof(a));
    if (strcmp(a, ip_port) != 0) {
        fail_msg("message %u went to %s, not %s: %.80s", i, a, ip_port,
                 f->sent[i].bytes);
    }
    return f->sent[i].bytes;
}

static void starts_with(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0) {
        fail_msg("'%.60s' does not start with '%s'", s, prefix);
    }
}

/* Run both timer sets up to 'to_ms', like the worker's uv timer. */
static void advance(struct fx *f, uint64_t to_ms)
{
    for (;;) {
        uint64_t d = sip_txn_table_next_deadline_ms(&f->t);
        uint64_t p = proxy_worker_next_deadline_ms(&f->pw);
        d = p < d ? p : d;
        if (d > to_ms) {
            break;
        }
        f->now_ms = d > f->now_ms ? d : f->now_ms;
        sip_txn_table_run_timers(&f->t, f->now_ms);
        proxy_worker_run_timers(&f->pw, f->now_ms);
    }
    f->now_ms = to_ms;
}

/* ---- tests ------------------------------------------------------------- */

static void fork_answer_cancel_bye(void **state)
{
    struct fx *f = *state;
    invite(f, "201", "call1");
    assert_int_equal(f->n_sent, 3);
    starts_with(sent_to(f, 0, "10.0.0.10:5060"), "SIP/2.0 100 ");
    const char *a = sent_to(f, 1, "10.0.0.31:5060");
    const char *b = sent_to(f, 2, "10.0.0.32:40000"); /* NAT: source */
    starts_with(a, "INVITE sip:201@10.0.0.31:5060 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKSw03");
    starts_with(b, "INVITE sip:201@192.168.1.5:5062 SIP/2.0\r\n");
    assert_non_null(strstr(a, "Record-Route: <sip:127.0.0.1:5060;lr>\r\n"));
    assert_non_null(strstr(a, "Max-Forwards: 69\r\n"));
    assert_null(strstr(a, "Proxy-Authorization"));
    assert_int_equal(f->h.starts, 1);
    assert_string_equal(f->h.last_callee, "201");
    assert_int_equal(proxy_worker_calls(&f->pw), 1);
    char inv_a[SENT_CAP];
    char inv_b[SENT_CAP];
    memcpy(inv_a, a, strlen(a) + 1);
    memcpy(inv_b, b, strlen(b) + 1);

    /* 180 from A goes up without our Via. */
    respond(f, inv_a, 180, "ta");
    assert_int_equal(f->n_sent, 4);
    const char *up = sent_to(f, 3, "10.0.0.10:5060");
    starts_with(up, "SIP/2.0 180 ");
    struct sip_msg *m = parse(f, up);
    assert_int_equal(m->n_via, 1);
    assert_true(sv_eq_cstr(m->via.branch, "z9hG4bKcall1"));

    /* 200 from A goes up; B has sent nothing yet: no CANCEL yet. */
    respond(f, inv_a, 200, "ta");
    assert_int_equal(f->n_sent, 5);
    starts_with(sent_to(f, 4, "10.0.0.10:5060"), "SIP/2.0 200 ");
    assert_int_equal(f->h.answers, 1);
    assert_int_equal(proxy_dlg_count(&f->pc.dialogs), 1);
    /* B's first provisional brings its CANCEL (RFC 3261 §9.1). */
    respond(f, inv_b, 100, NULL);
    assert_int_equal(f->n_sent, 6);
    const char *cancel = sent_to(f, 5, "10.0.0.32:40000");
    starts_with(cancel, "CANCEL sip:201@192.168.1.5:5062 SIP/2.0\r\n");
    assert_true(
        sv_eq(parse(f, cancel)->via.branch, parse(f, inv_b)->via.branch));
    /* B's 487 is ACKed by us and not sent up. */
    respond(f, inv_b, 487, "tb");
    assert_int_equal(f->n_sent, 7);
    starts_with(sent_to(f, 6, "10.0.0.32:40000"),
                "ACK sip:201@192.168.1.5:5062 SIP/2.0\r\n");
    assert_int_equal(proxy_worker_calls(&f->pw), 0);
    assert_int_equal(f->h.ends, 0);

    /* The caller's ACK and the callee's BYE pass through us. */
    struct proxy_src caller = src_at("10.0.0.10", 5060);
    proxy_in_dialog(&f->pw,
                    parse(f,
                          "ACK sip:201@10.0.0.31:5060 SIP/2.0\r\n"
                          "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKa1\r\n"
                          "Route: <sip:127.0.0.1:5060;lr>\r\n"
                          "Max-Forwards: 70\r\n"
                          "From: <sip:100@example.com>;tag=ctag\r\n"
                          "To: <sip:201@example.com>;tag=ta\r\n"
                          "Call-ID: call1\r\nCSeq: 2 ACK\r\n\r\n"),
                    NULL, &caller, f->now_ms);
    assert_int_equal(f->n_sent, 8);
    const char *ack = sent_to(f, 7, "10.0.0.31:5060");
    assert_null(strstr(ack, "Route:"));
    assert_int_equal(parse(f, ack)->n_via, 2);

    struct proxy_src callee = src_at("10.0.0.31", 5060);
    struct sip_msg *bye =
        parse(f, "BYE sip:100@10.0.0.10:5060 SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 10.0.0.31:5060;branch=z9hG4bKbye1\r\n"
                 "Route: <sip:127.0.0.1:5060;lr>\r\n"
                 "Max-Forwards: 70\r\n"
                 "From: <sip:201@example.com>;tag=ta\r\n"
                 "To: <sip:100@example.com>;tag=ctag\r\n"
                 "Call-ID: call1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n");
    proxy_in_dialog(&f->pw, bye, server_txn(f, bye, &callee), &callee,
                    f->now_ms);
    assert_int_equal(f->n_sent, 9);
    char fwd_bye[SENT_CAP];
    const char *fb = sent_to(f, 8, "10.0.0.10:5060");
    memcpy(fwd_bye, fb, strlen(fb) + 1);
    starts_with(fwd_bye, "BYE sip:100@10.0.0.10:5060 SIP/2.0\r\n");
    assert_null(strstr(fwd_bye, "Route:"));
    assert_int_equal(proxy_dlg_count(&f->pc.dialogs), 0);
    assert_int_equal(f->h.ends, 1);
    assert_int_equal(f->h.last_res, PROXY_CALL_COMPLETED);
    /* The caller's 200 goes back to the callee. */
    respond(f, fwd_bye, 200, NULL);
    assert_int_equal(f->n_sent, 10);
    starts_with(sent_to(f, 9, "10.0.0.31:5060"), "SIP/2.0 200 ");
    assert_int_equal(proxy_worker_calls(&f->pw), 0);
    /* A retransmitted 2xx of the INVITE goes up statelessly. */
    respond(f, inv_a, 200, "ta");
    assert_int_equal(f->n_sent, 11);
    starts_with(sent_to(f, 10, "10.0.0.10:5060"), "SIP/2.0 200 ");
}

static void best_of_failures(void **state)
{
    struct fx *f = *state;
    invite(f, "201", "call2");
    assert_int_equal(f->n_sent, 3);
    char inv_a[SENT_CAP];
    memcpy(inv_a, f->sent[1].bytes, f->sent[1].len + 1);
    respond(f, inv_a, 486, "ta");
    /* ACK to A, nothing up yet: B is still pending. */
    assert_int_equal(f->n_sent, 4);
    starts_with(sent_to(f, 3, "10.0.0.31:5060"), "ACK ");
    /* B never answers: Timer B (64*T1) ends it as a 408; 486 wins. */
    advance(f, f->now_ms + 32000);
    const char *last = f->sent[f->n_sent - 1].bytes;
    starts_with(last, "SIP/2.0 486 ");
    assert_int_equal(f->h.ends, 1);
    assert_int_equal(f->h.last_res, PROXY_CALL_FAILED);
    assert_int_equal(f->h.last_status, 486);
    assert_int_equal(proxy_worker_calls(&f->pw), 0);
}

/* Trunk hops: one at a time; a 503 fails over to the next, whose
 * Request-URI the policy chose; the answer ends the failover. */
static void trunk_failover(void **state)
{
    struct fx *f = *state;
    f->h.n_hops = 3;
    invite(f, "0044123", "hop1");
    assert_int_equal(f->n_sent, 2); /* 100, INVITE to the first trunk */
    starts_with(sent_to(f, 1, "10.9.0.1:5060"),
                "INVITE sip:0044123@10.9.0.1:5060 SIP/2.0");
    assert_null(strstr(f->sent[1].bytes, "Proxy-Authorization"));
    assert_non_null(strstr(f->sent[1].bytes, "Record-Route: <sip:127.0.0.1"));
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond(f, inv, 503, "t1");
    /* ACK to the first trunk, then the INVITE to the second. */
    assert_int_equal(f->n_sent, 4);
    starts_with(sent_to(f, 2, "10.9.0.1:5060"), "ACK ");
    starts_with(sent_to(f, 3, "10.9.0.2:5060"),
                "INVITE sip:0044123@10.9.0.2:5060 SIP/2.0");
    memcpy(inv, f->sent[3].bytes, f->sent[3].len + 1);
    respond(f, inv, 200, "t2");
    starts_with(sent_to(f, f->n_sent - 1, "10.0.0.10:5060"), "SIP/2.0 200 ");
    assert_int_equal(f->h.hops_tried, 2);
    assert_int_equal(f->h.answers, 1);
    assert_int_equal(proxy_dlg_count(&f->pc.dialogs), 1);
}

/* A 486 from a trunk is the far end's answer: no failover. */
static void trunk_busy_no_failover(void **state)
{
    struct fx *f = *state;
    f->h.n_hops = 2;
    invite(f, "0044123", "hop2");
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond(f, inv, 486, "t1");
    starts_with(sent_to(f, f->n_sent - 1, "10.0.0.10:5060"), "SIP/2.0 486 ");
    assert_int_equal(f->h.hops_tried, 1);
    assert_int_equal(f->h.ends, 1);
    assert_int_equal(f->h.last_res, PROXY_CALL_FAILED);
    assert_int_equal(proxy_worker_calls(&f->pw), 0);
}

/* on_hop skips trunks at their limit; when none is left the caller gets
 * the policy's refusal with its headers. */
static void trunk_limits(void **state)
{
    struct fx *f = *state;
    f->h.n_hops = 2;
    f->h.hop_refuse = 1u; /* trunk 1 is full */
    invite(f, "0044123", "hop3");
    starts_with(sent_to(f, 1, "10.9.0.2:5060"), "INVITE sip:0044123@10.9.0.2");
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond(f, inv, 200, "t2");
    assert_int_equal(f->h.answers, 1);

    f->h.hop_refuse = 3u; /* both full */
    f->n_sent = 0;
    invite(f, "0044124", "hop4");
    assert_int_equal(f->n_sent, 2);
    starts_with(sent_to(f, 1, "10.0.0.10:5060"), "SIP/2.0 503 ");
    assert_non_null(strstr(f->sent[1].bytes, "text=\"trunk_limit\""));
    assert_int_equal(f->h.last_res, PROXY_CALL_REFUSED);
    assert_int_equal(f->h.last_status, 503);
    assert_int_equal(f->h.last_trunk, 2);
}

static void caller_cancels(void **state)
{
    struct fx *f = *state;
    invite(f, "200", "call3");
    assert_int_equal(f->n_sent, 2);
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond(f, inv, 180, "t1");
    assert_int_equal(f->n_sent, 3);
    struct proxy_src src = src_at("10.0.0.10", 5060);
    struct sip_msg *c =
        parse(f, "CANCEL sip:200@example.com SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKcall3;rport\r\n"
                 "Max-Forwards: 70\r\n"
                 "From: <sip:100@example.com>;tag=ctag\r\n"
                 "To: <sip:200@example.com>\r\n"
                 "Call-ID: call3\r\nCSeq: 2 CANCEL\r\n\r\n");
    proxy_cancel(&f->pw, c, server_txn(f, c, &src), f->now_ms);
    assert_int_equal(f->n_sent, 6);
    starts_with(sent_to(f, 3, "10.0.0.10:5060"), "SIP/2.0 200 ");
    assert_non_null(strstr(f->sent[3].bytes, "CSeq: 2 CANCEL"));
    starts_with(sent_to(f, 4, "10.0.0.10:5060"), "SIP/2.0 487 ");
    starts_with(sent_to(f, 5, "10.0.0.21:5060"), "CANCEL sip:200@");
    assert_int_equal(f->h.ends, 1);
    assert_int_equal(f->h.last_res, PROXY_CALL_CANCELLED);
    assert_int_equal(proxy_worker_calls(&f->pw), 1); /* lingers */
    respond(f, inv, 487, "t1");
    starts_with(sent_to(f, 6, "10.0.0.21:5060"), "ACK ");
    assert_int_equal(f->n_sent, 7);
    assert_int_equal(proxy_worker_calls(&f->pw), 0);
    /* A second CANCEL: the INVITE is answered, nothing more. */
    struct sip_msg *c2 =
        parse(f, "CANCEL sip:200@example.com SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKnone\r\n"
                 "From: <sip:100@example.com>;tag=ctag\r\n"
                 "To: <sip:200@example.com>\r\n"
                 "Call-ID: call3\r\nCSeq: 2 CANCEL\r\n\r\n");
    proxy_cancel(&f->pw, c2, server_txn(f, c2, &src), f->now_ms);
    starts_with(sent_to(f, 7, "10.0.0.10:5060"), "SIP/2.0 481 ");
}

static void timer_c(void **state)
{
    struct fx *f = *state;
    invite(f, "200", "call4");
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond(f, inv, 180, "t1");
    unsigned n = f->n_sent;
    advance(f, f->now_ms + 179999);
    assert_int_equal(f->n_sent, n);
    advance(f, f->now_ms + 1);
    assert_int_equal(f->n_sent, n + 2);
    starts_with(sent_to(f, n, "10.0.0.21:5060"), "CANCEL ");
    starts_with(sent_to(f, n + 1, "10.0.0.10:5060"), "SIP/2.0 408 ");
    assert_int_equal(f->h.last_res, PROXY_CALL_TIMEOUT);
    /* The phone never answers the CANCEL: the call lingers, then goes. */
    advance(f, f->now_ms + 40000);
    assert_int_equal(proxy_worker_calls(&f->pw), 0);
}

static void nobody_there(void **state)
{
    struct fx *f = *state;
    invite(f, "202", "call5"); /* an extension without registration */
    assert_int_equal(f->n_sent, 2);
    starts_with(sent_to(f, 1, "10.0.0.10:5060"), "SIP/2.0 480 ");
    assert_int_equal(f->h.last_res, PROXY_CALL_UNAVAILABLE);
    invite(f, "299", "call6"); /* no such extension */
    assert_int_equal(f->n_sent, 4);
    starts_with(sent_to(f, 3, "10.0.0.10:5060"), "SIP/2.0 404 ");
    assert_int_equal(f->h.last_res, PROXY_CALL_REFUSED);
    invite(f, "900", "call7"); /* another tenant's extension */
    starts_with(f->sent[5].bytes, "SIP/2.0 404 ");
    f->h.refuse = true;
    invite(f, "200", "call8");
    starts_with(f->sent[7].bytes, "SIP/2.0 403 Forbidden\r\n");
    assert_non_null(strstr(f->sent[7].bytes, "Warning: 399 sipwarden"));
    assert_int_equal(f->h.starts, 4);
    assert_int_equal(f->h.ends, 4);
    assert_int_equal(proxy_worker_calls(&f->pw), 0);
}

static void unknown_dialog(void **state)
{
    struct fx *f = *state;
    struct proxy_src src = src_at("10.0.0.66", 5060);
    struct sip_msg *bye =
        parse(f, "BYE sip:100@10.0.0.10:5060 SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 10.0.0.66;branch=z9hG4bKx\r\n"
                 "Route: <sip:127.0.0.1:5060;lr>\r\n"
                 "From: <sip:201@example.com>;tag=a\r\n"
                 "To: <sip:100@example.com>;tag=b\r\n"
                 "Call-ID: nope\r\nCSeq: 1 BYE\r\n\r\n");
    proxy_in_dialog(&f->pw, bye, server_txn(f, bye, &src), &src, f->now_ms);
    assert_int_equal(f->n_sent, 1);
    starts_with(sent_to(f, 0, "10.0.0.66:5060"), "SIP/2.0 481 ");
    proxy_in_dialog(&f->pw,
                    parse(f, "ACK sip:100@10.0.0.10:5060 SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP 10.0.0.66;branch=z9hG4bKy\r\n"
                             "From: <sip:201@example.com>;tag=a\r\n"
                             "To: <sip:100@example.com>;tag=b\r\n"
                             "Call-ID: nope\r\nCSeq: 1 ACK\r\n\r\n"),
                    NULL, &src, f->now_ms);
    assert_int_equal(f->n_sent, 1);
    assert_int_equal(atomic_load(&f->pc.stats.no_dialog), 2);
    /* A response that is not ours is not handled. */
    assert_false(proxy_response(
        &f->pw,
        parse(f, "SIP/2.0 200 OK\r\n"
                 "Via: SIP/2.0/UDP 10.0.0.66;branch=z9hG4bKother\r\n"
                 "From: <sip:a@example.com>;tag=a\r\n"
                 "To: <sip:b@example.com>;tag=b\r\n"
                 "Call-ID: z\r\nCSeq: 1 INVITE\r\n\r\n"),
        f->now_ms));
}

/* An answered call, then a re-INVITE from the caller inside the dialog,
 * then silence: the dialog ends by the idle timeout. */
static void reinvite_then_expiry(void **state)
{
    struct fx *f = *state;
    invite(f, "200", "call9");
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond(f, inv, 200, "t9");
    assert_int_equal(f->h.answers, 1);
    unsigned n = f->n_sent;

    struct proxy_src src = src_at("10.0.0.10", 5060);
    struct sip_msg *re =
        parse(f, "INVITE sip:200@10.0.0.21:5060 SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKre1\r\n"
                 "Route: <sip:127.0.0.1:5060;lr>\r\n"
                 "Max-Forwards: 70\r\n"
                 "From: <sip:100@example.com>;tag=ctag\r\n"
                 "To: <sip:200@example.com>;tag=t9\r\n"
                 "Call-ID: call9\r\nCSeq: 3 INVITE\r\n"
                 "Content-Length: 0\r\n\r\n");
    proxy_in_dialog(&f->pw, re, server_txn(f, re, &src), &src, f->now_ms);
    assert_int_equal(f->n_sent, n + 2);
    starts_with(sent_to(f, n, "10.0.0.10:5060"), "SIP/2.0 100 ");
    char fwd[SENT_CAP];
    const char *p = sent_to(f, n + 1, "10.0.0.21:5060");
    memcpy(fwd, p, strlen(p) + 1);
    starts_with(fwd, "INVITE sip:200@10.0.0.21:5060 SIP/2.0\r\n");
    assert_null(strstr(fwd, "Record-Route"));
    respond(f, fwd, 200, NULL);
    starts_with(sent_to(f, n + 2, "10.0.0.10:5060"), "SIP/2.0 200 ");
    /* No second answer, no second dialog. */
    assert_int_equal(f->h.answers, 1);
    assert_int_equal(proxy_dlg_count(&f->pc.dialogs), 1);
    assert_int_equal(proxy_worker_calls(&f->pw), 0);

    /* No BYE ever comes. */
    assert_int_equal(proxy_core_expire(&f->pc, f->now_ms + 1000), 0);
    assert_int_equal(
        proxy_core_expire(&f->pc, f->now_ms + PROXY_DLG_DEFAULT_IDLE), 1);
    assert_int_equal(f->h.ends, 1);
    assert_int_equal(f->h.last_res, PROXY_CALL_EXPIRED);
    assert_int_equal(proxy_dlg_count(&f->pc.dialogs), 0);
}

/* The worker stops with calls in every state: teardown frees them all
 * (the sanitizer build checks that nothing leaks). */
static void stop_with_calls_pending(void **state)
{
    struct fx *f = *state;
    invite(f, "201", "call10"); /* ringing nowhere yet */
    invite(f, "200", "call11");
    char inv[SENT_CAP];
    memcpy(inv, f->sent[f->n_sent - 1].bytes, f->sent[f->n_sent - 1].len + 1);
    respond(f, inv, 200, "t11");
    struct proxy_src src = src_at("10.0.0.10", 5060);
    struct sip_msg *bye =
        parse(f, "BYE sip:200@10.0.0.21:5060 SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKbye11\r\n"
                 "Route: <sip:127.0.0.1:5060;lr>\r\n"
                 "From: <sip:100@example.com>;tag=ctag\r\n"
                 "To: <sip:200@example.com>;tag=t11\r\n"
                 "Call-ID: call11\r\nCSeq: 3 BYE\r\n\r\n");
    proxy_in_dialog(&f->pw, bye, server_txn(f, bye, &src), &src, f->now_ms);
    assert_int_equal(proxy_worker_calls(&f->pw), 2);
}

/* ---- the media policy on the callee's leg ------------------------------ */

#define SDP_HEAD                                                           \
    "v=0\r\no=- 1 1 IN IP4 10.0.0.21\r\ns=-\r\nc=IN IP4 10.0.0.21\r\nt=0 " \
    "0\r\n"
static const char sdp_plain[] = SDP_HEAD "m=audio 4000 RTP/AVP 0\r\n";
static const char sdp_dtls[] =
    SDP_HEAD "m=audio 4000 UDP/TLS/RTP/SAVPF 0\r\n"
             "a=fingerprint:sha-256 AB:CD\r\na=setup:active\r\n";
static const char sdp_sdes[] =
    SDP_HEAD "m=audio 4000 RTP/SAVP 0\r\n"
             "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
             "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

/* An INVITE from 100 over 'transport' with 'sdp' (NULL: a late offer). */
static void invite_sdp(struct fx *f, const char *callee, const char *cid,
                       int transport, const char *sdp)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "INVITE sip:%s@example.com SIP/2.0\r\n"
             "Via: SIP/2.0/%s 10.0.0.10:5060;branch=z9hG4bK%s;rport\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:100@example.com>;tag=ctag\r\n"
             "To: <sip:%s@example.com>\r\n"
             "Call-ID: %s\r\n"
             "CSeq: 2 INVITE\r\n"
             "Contact: <sip:100@10.0.0.10:5060>\r\n"
             "%sContent-Length: %zu\r\n\r\n%s",
             callee, transport == NET_PROTO_TLS ? "TLS" : "UDP", cid, callee,
             cid, sdp ? "Content-Type: application/sdp\r\n" : "",
             sdp ? strlen(sdp) : 0, sdp ? sdp : "");
    struct proxy_src src = src_at("10.0.0.10", 5060);
    src.dest.transport = transport;
    struct sip_msg *m = parse(f, text);
    proxy_invite(&f->pw, m, server_txn(f, m, &src), &src, &caller100,
                 f->now_ms);
}

/* A late offer (no SDP in the INVITE) whose 2xx offers plain RTP where
 * encryption is required: the 2xx is ACKed and ended with a BYE, the
 * caller gets 488, no dialog remains, the end hook names the rule. */
static void late_offer_plain_refused(void **state)
{
    struct fx *f = *state;
    f->h.media_required = true;
    invite_sdp(f, "200", "late1", NET_PROTO_UDP, NULL);
    assert_int_equal(f->n_sent, 2);
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond_sdp(f, inv, 200, "tl", sdp_plain);
    assert_int_equal(f->n_sent, 5);
    const char *ack = sent_to(f, 2, "10.0.0.21:5060");
    starts_with(ack, "ACK sip:200@10.0.0.21:5060 SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKSw03");
    assert_non_null(strstr(ack, "To: <sip:200@example.com>;tag=tl\r\n"));
    assert_non_null(strstr(ack, "CSeq: 2 ACK\r\n"));
    assert_null(strstr(ack, "Route:")); /* nobody beyond us */
    char bye[SENT_CAP];
    const char *p = sent_to(f, 3, "10.0.0.21:5060");
    memcpy(bye, p, strlen(p) + 1);
    starts_with(bye, "BYE sip:200@10.0.0.21:5060 SIP/2.0\r\n");
    assert_non_null(strstr(bye, "CSeq: 3 BYE\r\n"));
    assert_non_null(
        strstr(bye, "Reason: SIP;cause=488;text=\"media_unencrypted\""));
    const char *up = sent_to(f, 4, "10.0.0.10:5060");
    starts_with(up, "SIP/2.0 488 ");
    assert_non_null(strstr(up, "(media_unencrypted)"));
    assert_non_null(
        strstr(up, "Reason: SIP;cause=488;text=\"media_unencrypted\"\r\n"));
    assert_int_equal(f->h.answers, 0);
    assert_int_equal(f->h.ends, 1);
    assert_int_equal(f->h.last_res, PROXY_CALL_REFUSED);
    assert_int_equal(f->h.last_status, 488);
    assert_string_equal(f->h.last_rule, "media_unencrypted");
    assert_int_equal(proxy_dlg_count(&f->pc.dialogs), 0);
    assert_int_equal(f->pc.stats.media_refused, 1);
    /* The BYE is a transaction of ours: its 200 is taken, nothing goes up. */
    respond(f, bye, 200, NULL);
    assert_int_equal(f->n_sent, 5);
    assert_int_equal(proxy_worker_calls(&f->pw), 0);
}

/* The same late offer answered with DTLS-SRTP goes up; a plain one goes
 * up where the tenant does not require encryption. */
static void late_offer_accepted(void **state)
{
    struct fx *f = *state;
    f->h.media_required = true;
    invite_sdp(f, "200", "late2", NET_PROTO_UDP, NULL);
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond_sdp(f, inv, 200, "t2", sdp_dtls);
    assert_int_equal(f->n_sent, 3);
    starts_with(sent_to(f, 2, "10.0.0.10:5060"), "SIP/2.0 200 ");
    assert_int_equal(f->h.answers, 1);

    f->h.media_required = false;
    invite_sdp(f, "200", "late3", NET_PROTO_UDP, NULL);
    memcpy(inv, f->sent[4].bytes, f->sent[4].len + 1);
    respond_sdp(f, inv, 200, "t3", sdp_plain);
    assert_int_equal(f->n_sent, 6);
    starts_with(sent_to(f, 5, "10.0.0.10:5060"), "SIP/2.0 200 ");
    assert_int_equal(f->h.answers, 2);
    assert_int_equal(f->pc.stats.media_refused, 0);
}

/* SDES keys in a 2xx over a clear leg are refused even when encryption
 * is not required: the keys would have crossed it in the clear. */
static void sdes_answer_over_clear_leg(void **state)
{
    struct fx *f = *state;
    invite_sdp(f, "200", "sdes1", NET_PROTO_UDP, NULL);
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond_sdp(f, inv, 200, "t4", sdp_sdes);
    assert_int_equal(f->n_sent, 5);
    starts_with(sent_to(f, 2, "10.0.0.21:5060"), "ACK ");
    starts_with(sent_to(f, 3, "10.0.0.21:5060"), "BYE ");
    starts_with(sent_to(f, 4, "10.0.0.10:5060"), "SIP/2.0 488 ");
    assert_string_equal(f->h.last_rule, "sdes_in_clear");
}

/* An SDES offer that came over TLS is not forwarded to a UDP contact or
 * a trunk (UDP): 488 and nothing forwarded. Over TLS to nothing secure. */
static void sdes_offer_not_forwarded_in_clear(void **state)
{
    struct fx *f = *state;
    invite_sdp(f, "200", "sdes2", NET_PROTO_TLS, sdp_sdes);
    assert_int_equal(f->n_sent, 2);
    starts_with(sent_to(f, 0, "10.0.0.10:5060"), "SIP/2.0 100 ");
    const char *up = sent_to(f, 1, "10.0.0.10:5060");
    starts_with(up, "SIP/2.0 488 ");
    assert_non_null(strstr(up, "sdes_in_clear"));
    assert_string_equal(f->h.last_rule, "sdes_in_clear");
    assert_int_equal(f->h.last_res, PROXY_CALL_REFUSED);

    f->h.n_hops = 2;
    invite_sdp(f, "0044123", "sdes3", NET_PROTO_TLS, sdp_sdes);
    assert_int_equal(f->n_sent, 4);
    starts_with(sent_to(f, 3, "10.0.0.10:5060"), "SIP/2.0 488 ");
    assert_int_equal(f->h.hops_tried, 0); /* no trunk taken for it */
    assert_string_equal(f->h.last_rule, "sdes_in_clear");
    /* DTLS offers go anywhere. */
    invite_sdp(f, "200", "sdes4", NET_PROTO_TLS, sdp_dtls);
    assert_int_equal(f->n_sent, 6);
    starts_with(sent_to(f, 5, "10.0.0.21:5060"), "INVITE ");
}

/* Inside the dialog too: a re-INVITE with SDES keys that came over TLS
 * is not forwarded to the callee's UDP flow. */
static void sdes_reinvite_not_forwarded_in_clear(void **state)
{
    struct fx *f = *state;
    invite_sdp(f, "200", "sdes5", NET_PROTO_UDP, NULL);
    char inv[SENT_CAP];
    memcpy(inv, f->sent[1].bytes, f->sent[1].len + 1);
    respond(f, inv, 200, "t5");
    assert_int_equal(f->h.answers, 1);
    unsigned n = f->n_sent;
    char text[2048];
    snprintf(text, sizeof(text),
             "INVITE sip:200@10.0.0.21:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/TLS 10.0.0.10:5061;branch=z9hG4bKre5\r\n"
             "Route: <sip:127.0.0.1:5060;lr>\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:100@example.com>;tag=ctag\r\n"
             "To: <sip:200@example.com>;tag=t5\r\n"
             "Call-ID: sdes5\r\nCSeq: 3 INVITE\r\n"
             "Content-Type: application/sdp\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             strlen(sdp_sdes), sdp_sdes);
    struct proxy_src src = src_at("10.0.0.10", 5061);
    src.dest.transport = NET_PROTO_TLS;
    struct sip_msg *re = parse(f, text);
    proxy_in_dialog(&f->pw, re, server_txn(f, re, &src), &src, f->now_ms);
    assert_int_equal(f->n_sent, n + 1);
    const char *up = sent_to(f, n, "10.0.0.10:5061");
    starts_with(up, "SIP/2.0 488 ");
    assert_non_null(strstr(up, "sdes_in_clear"));
    assert_int_equal(proxy_dlg_count(&f->pc.dialogs), 1); /* call goes on */
}

static void branch_names_worker(void **state)
{
    (void)state;
    assert_int_equal(proxy_branch_worker(SV_LIT("z9hG4bKSw0aabcdef")), 10);
    assert_int_equal(proxy_branch_worker(SV_LIT("z9hG4bKSwff")), 255);
    assert_int_equal(proxy_branch_worker(SV_LIT("z9hG4bKSw0")), -1);
    assert_int_equal(proxy_branch_worker(SV_LIT("z9hG4bKSwzz12")), -1);
    assert_int_equal(proxy_branch_worker(SV_LIT("z9hG4bK776")), -1);
    assert_int_equal(proxy_branch_worker(SV_NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fork_answer_cancel_bye, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(best_of_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(caller_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(trunk_failover, setup, teardown),
        cmocka_unit_test_setup_teardown(trunk_busy_no_failover, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(trunk_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(timer_c, setup, teardown),
        cmocka_unit_test_setup_teardown(nobody_there, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_dialog, setup, teardown),
        cmocka_unit_test_setup_teardown(reinvite_then_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_with_calls_pending, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(late_offer_plain_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(late_offer_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(sdes_answer_over_clear_leg, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sdes_offer_not_forwarded_in_clear,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(sdes_reinvite_not_forwarded_in_clear,
                                        setup, teardown),
        cmocka_unit_test(branch_names_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
