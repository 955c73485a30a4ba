/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trunk registration client over a real transaction table whose send
 * callback keeps what was sent: the REGISTER as written, digest answers
 * (MD5, SHA-256 preferred, 407, no qop, stale nonces) recomputed with
 * reg/digest.h, a foreign realm refused, no loop on refused credentials,
 * the granted expiry and refresh time, 423, back-off doubling and its
 * cap, timeouts, removal with Expires: 0, changed parameters, validation
 * and status reporting. Time is a fake clock stepped from deadline to
 * deadline.
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

#include <cmocka.h>

#include "base/buf.h"
#include "base/clock.h"
#include "fake_clock.h"
#include "net/addr.h"
#include "net/transport.h"
#include "proxy/proxy.h"
#include "reg/digest.h"
#include "sip/build.h"
#include "sip/msg.h"
#include "sip/txn.h"
#include "trunk/regclient.h"

#define RING     16
#define SENT_CAP 4096
#define T0_MS    1000000u
#define WALL0_S  1700000000

struct sent {
    char bytes[SENT_CAP];
    size_t len;
    struct sip_txn_dest dest;
};

struct fx {
    struct sip_txn_table t;
    struct sw_clock clk;
    struct trunk_reg_cfg cfg;
    struct trunk_reg_set *s;
    unsigned n_sent; /* every send, retransmissions included */
    struct sent ring[RING];
    char req_copy[SENT_CAP]; /* the request a response answers */
    struct sip_msg req;
    struct buf resp_buf;
    struct sip_msg resp;
};

/* ---- fixture ----------------------------------------------------------- */

static void on_send(void *ud, const struct sip_txn_dest *dest,
                    const char *bytes, size_t len)
{
    struct fx *f = ud;
    assert_true(len < SENT_CAP);
    struct sent *s = &f->ring[f->n_sent % RING];
    memcpy(s->bytes, bytes, len);
    s->bytes[len] = '\0';
    s->len = len;
    s->dest = *dest;
    f->n_sent++;
}

static uint64_t now(const struct fx *f)
{
    return f->clk.fake_mono_ms;
}

static int fx_setup_cfg(void **state, uint32_t bmin, uint32_t bmax)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    fake_clock_init(&f->clk, T0_MS, WALL0_S);
    struct sip_txn_config tc;
    sip_txn_config_default(&tc);
    for (unsigned i = 0; i < sizeof(tc.hash_key); i++) {
        tc.hash_key[i] = (uint8_t)(i + 7);
    }
    assert_int_equal(sip_txn_table_init(&f->t, &tc, on_send, f), 0);
    f->cfg.backoff_min_ms = bmin;
    f->cfg.backoff_max_ms = bmax;
    snprintf(f->cfg.contact_ip, sizeof(f->cfg.contact_ip), "198.51.100.7");
    f->cfg.contact_port = 5060;
    snprintf(f->cfg.sent_by, sizeof(f->cfg.sent_by), "198.51.100.7:5060");
    f->cfg.worker_index = 3;
    f->cfg.conn_id = 77;
    f->cfg.clock = &f->clk;
    assert_int_equal(trunk_reg_set_new(&f->t, &f->cfg, &f->s), 0);
    buf_init(&f->resp_buf, SIP_MAX_MSG_LEN);
    *state = f;
    return 0;
}

static int fx_setup(void **state)
{
    return fx_setup_cfg(state, 1000, 8000);
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    sip_txn_table_fini(&f->t);
    trunk_reg_set_free(f->s);
    buf_fini(&f->resp_buf);
    free(f);
    return 0;
}

static void params(struct trunk_reg_params *p, int64_t id, const char *name)
{
    memset(p, 0, sizeof(*p));
    p->id = id;
    snprintf(p->name, sizeof(p->name), "%s", name);
    assert_int_equal(net_addr_parse("192.0.2.10:5060", 0, &p->server), 0);
    snprintf(p->host, sizeof(p->host), "provider.test");
    snprintf(p->user, sizeof(p->user), "trunkuser");
    snprintf(p->password, sizeof(p->password), "trunkpass");
    p->expires_s = 600;
}

/* Move time to 'to', firing table timers and the set's deadlines where
 * they fall, as the worker's loop would. */
static void advance_to(struct fx *f, uint64_t to)
{
    for (;;) {
        uint64_t a = sip_txn_table_next_deadline_ms(&f->t);
        uint64_t b = trunk_reg_set_next_deadline_ms(f->s);
        uint64_t d = a < b ? a : b;
        if (d > to) {
            break;
        }
        if (d > now(f)) {
            f->clk.fake_mono_ms = d;
        }
        sip_txn_table_run_timers(&f->t, now(f));
        trunk_reg_set_run(f->s, now(f));
    }
    f->clk.fake_mono_ms = to;
}

static const struct sent *last(const struct fx *f)
{
    assert_true(f->n_sent > 0);
    return &f->ring[(f->n_sent - 1) % RING];
}

/* Parse the last thing sent (a request) into f->req. */
static const struct sip_msg *last_req(struct fx *f)
{
    const struct sent *s = last(f);
    memcpy(f->req_copy, s->bytes, s->len + 1);
    assert_int_equal(sip_msg_parse(&f->req, sv_make(f->req_copy, s->len), NULL),
                     SIP_PARSE_OK);
    assert_true(f->req.is_request);
    assert_int_equal(f->req.method, SIP_METHOD_REGISTER);
    return &f->req;
}

/* Answer the last request sent with 'status' and extra header lines. */
static int respond(struct fx *f, int status, const char *extra)
{
    last_req(f);
    buf_reset(&f->resp_buf);
    assert_int_equal(sip_build_response(&f->resp_buf, &f->req, status, NULL,
                                        SV_LIT("prov1"), SV_LIT("192.0.2.10"),
                                        5060, sv_cstr(extra ? extra : "")),
                     0);
    assert_int_equal(sip_msg_parse(&f->resp, buf_sv(&f->resp_buf), NULL),
                     SIP_PARSE_OK);
    struct sip_txn_key key;
    sip_txn_key_from_msg(&f->resp, &key);
    return sip_txn_client_on_response(&f->t, &key, status, now(f), &f->resp);
}

static struct sv hdr(const struct sip_msg *m, enum sip_hdr_id id)
{
    const struct sip_hdr *h = sip_msg_hdr(m, id);
    return h ? h->value : SV_NULL;
}

static void assert_sv_eq(struct sv v, const char *want)
{
    char tmp[SENT_CAP];
    assert_true(v.len < sizeof(tmp));
    memcpy(tmp, v.p ? v.p : "", v.len);
    tmp[v.len] = '\0';
    assert_string_equal(tmp, want);
}

static struct trunk_reg_status status1(const struct fx *f)
{
    struct trunk_reg_status st[2];
    assert_int_equal(trunk_reg_set_status(f->s, st, 2), 1);
    return st[0];
}

/* Recompute the digest answer from the request itself and compare. */
static void check_auth(struct fx *f, enum sip_hdr_id id,
                       enum reg_digest_alg alg, const char *realm,
                       const char *nonce, bool with_qop, const char *opaque)
{
    const struct sip_msg *m = last_req(f);
    const struct sip_hdr *h = sip_msg_hdr(m, id);
    assert_non_null(h);
    struct sip_digest d;
    assert_int_equal(sip_parse_digest(h->value, &d, NULL), SIP_PARSE_OK);
    assert_sv_eq(d.username, "trunkuser");
    assert_sv_eq(d.realm, realm);
    assert_sv_eq(d.nonce, nonce);
    assert_sv_eq(d.uri, "sip:provider.test");
    assert_sv_eq(d.algorithm, reg_digest_alg_name(alg));
    if (opaque) {
        assert_sv_eq(d.opaque, opaque);
    } else {
        assert_null(d.opaque.p);
    }
    if (with_qop) {
        assert_sv_eq(d.qop, "auth");
        assert_sv_eq(d.nc, "00000001");
        assert_true(d.cnonce.len >= 16);
    } else {
        assert_int_equal(d.qop.len, 0);
        assert_int_equal(d.nc.len, 0);
        assert_int_equal(d.cnonce.len, 0);
    }
    /* the digest is over the nonce without its quoted-pairs */
    char nonce_raw[256];
    long nl = sip_unquote(d.nonce, nonce_raw, sizeof(nonce_raw));
    assert_true(nl > 0);
    struct sv nonce_sv = sv_make(nonce_raw, (size_t)nl);
    char ha1[REG_DIGEST_HEX_MAX];
    char want[REG_DIGEST_HEX_MAX];
    assert_int_equal(reg_digest_ha1(alg, SV_LIT("trunkuser"), sv_cstr(realm),
                                    SV_LIT("trunkpass"), ha1),
                     0);
    assert_int_equal(reg_digest_response(alg, sv_cstr(ha1), nonce_sv, d.nc,
                                         d.cnonce, d.qop, SV_LIT("REGISTER"),
                                         d.uri, want),
                     0);
    assert_sv_eq(d.response, want);
    /* and the verifier a registrar would run agrees */
    assert_int_equal(reg_digest_verify(alg, sv_cstr(ha1), nonce_sv, d.nc,
                                       d.cnonce, d.qop, SV_LIT("REGISTER"),
                                       d.uri, d.response,
                                       REG_DIGEST_ALLOW_NO_QOP),
                     0);
}

static void sync1(struct fx *f, const struct trunk_reg_params *p)
{
    assert_int_equal(trunk_reg_set_sync(f->s, p, 1, now(f)), 0);
}

/* Sync one default trunk and get it registered for 'granted' seconds
 * through one MD5 challenge. */
static void registered(struct fx *f, struct trunk_reg_params *p,
                       unsigned granted)
{
    params(p, 1, "prov");
    sync1(f, p);
    assert_int_equal(
        respond(f, 401,
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n"),
        SIP_TXN_DELIVERED);
    char extra[128];
    snprintf(extra, sizeof(extra),
             "Contact: <sip:trunkuser@198.51.100.7:5060>;expires=%u\r\n",
             granted);
    assert_int_equal(respond(f, 200, extra), SIP_TXN_DELIVERED);
    assert_int_equal(status1(f).state, TRUNK_REG_REGISTERED);
}

/* ---- the request ------------------------------------------------------- */

static void request_shape(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    assert_int_equal(f->n_sent, 1);
    const struct sip_msg *m = last_req(f);
    assert_sv_eq(m->ruri_raw, "sip:provider.test");
    assert_sv_eq(m->via.transport, "UDP");
    assert_sv_eq(m->via.host, "198.51.100.7");
    assert_int_equal(m->via.port, 5060);
    assert_true(m->via.has_rport);
    assert_true(sip_txn_branch_is_rfc3261(m->via.branch));
    assert_int_equal(proxy_branch_worker(m->via.branch), 3);
    assert_true(m->via.branch.len >= sizeof(PROXY_BRANCH_PREFIX) - 1 + 2 + 16);
    assert_int_equal(m->max_forwards, 70);
    assert_sv_eq(m->from.uri_raw, "sip:trunkuser@provider.test");
    assert_true(m->from.tag.len >= 16);
    assert_sv_eq(m->to.uri_raw, "sip:trunkuser@provider.test");
    assert_int_equal(m->to.tag.len, 0);
    assert_true(m->call_id.len >= 32);
    assert_int_equal(m->cseq.num, 1);
    assert_int_equal(m->cseq.method, SIP_METHOD_REGISTER);
    assert_sv_eq(hdr(m, SIP_HDR_CONTACT), "<sip:trunkuser@198.51.100.7:5060>");
    assert_sv_eq(hdr(m, SIP_HDR_EXPIRES), "600");
    assert_sv_eq(hdr(m, SIP_HDR_USER_AGENT), "sipwarden");
    assert_sv_eq(hdr(m, SIP_HDR_CONTENT_LENGTH), "0");
    assert_null(sip_msg_hdr(m, SIP_HDR_AUTHORIZATION));
    assert_int_equal(m->body.len, 0);

    /* sent to the provider's address on our UDP socket */
    const struct sent *s = last(f);
    assert_int_equal(s->dest.transport, NET_PROTO_UDP);
    assert_int_equal(s->dest.conn_id, 77);
    struct net_addr to;
    assert_int_equal(net_addr_from_sa(&to,
                                      (const struct sockaddr *)s->dest.addr,
                                      sizeof(struct sockaddr_in)),
                     0);
    assert_true(net_addr_eq(&to, &p.server));

    struct trunk_reg_status st = status1(f);
    assert_int_equal(st.id, 1);
    assert_string_equal(st.name, "prov");
    assert_int_equal(st.state, TRUNK_REG_REGISTERING);
    assert_int_equal(st.next_try_ms, UINT64_MAX);
    /* in flight: the set itself has nothing to do */
    assert_int_equal(trunk_reg_set_next_deadline_ms(f->s), UINT64_MAX);
}

static void request_ipv6_and_port(void **state)
{
    struct fx *f = *state;
    trunk_reg_set_free(f->s);
    snprintf(f->cfg.contact_ip, sizeof(f->cfg.contact_ip), "2001:db8::7");
    snprintf(f->cfg.sent_by, sizeof(f->cfg.sent_by), "[2001:db8::7]:5062");
    f->cfg.contact_port = 5062;
    assert_int_equal(trunk_reg_set_new(&f->t, &f->cfg, &f->s), 0);

    struct trunk_reg_params p;
    params(&p, 1, "v6");
    snprintf(p.host, sizeof(p.host), "2001:db8::10");
    p.port = 5070;
    /* no port in the resolved address: the R-URI port is used */
    assert_int_equal(net_addr_parse("2001:db8::10", 9, &p.server), 0);
    net_addr_set_port(&p.server, 0);
    sync1(f, &p);
    const struct sip_msg *m = last_req(f);
    assert_sv_eq(m->ruri_raw, "sip:[2001:db8::10]:5070");
    assert_sv_eq(m->from.uri_raw, "sip:trunkuser@[2001:db8::10]");
    assert_sv_eq(hdr(m, SIP_HDR_CONTACT), "<sip:trunkuser@[2001:db8::7]:5062>");
    assert_sv_eq(m->via.host, "[2001:db8::7]");
    struct net_addr to;
    assert_int_equal(
        net_addr_from_sa(&to, (const struct sockaddr *)last(f)->dest.addr,
                         sizeof(struct sockaddr_in6)),
        0);
    assert_int_equal(net_addr_port(&to), 5070);

    /* our Contact in the 200 is recognised with its brackets */
    assert_int_equal(
        respond(f, 200,
                "Contact: <sip:other@[2001:db8::99]:5060>;expires=500\r\n"
                "Contact: <sip:trunkuser@[2001:db8::7]:5062>;expires=90\r\n"),
        SIP_TXN_DELIVERED);
    assert_int_equal(status1(f).granted_s, 90);
}

/* ---- digest ------------------------------------------------------------ */

static void auth_md5_qop_opaque(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    snprintf(p.realm, sizeof(p.realm), "provider.test");
    sync1(f, &p);
    const struct sip_msg *m = last_req(f);
    char call_id[128];
    snprintf(call_id, sizeof(call_id), "%.*s", SV_FMT(m->call_id));
    char branch1[128];
    snprintf(branch1, sizeof(branch1), "%.*s", SV_FMT(m->via.branch));

    assert_int_equal(
        respond(f, 401,
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"abc\\\"def\", opaque=\"op 1\", algorithm=MD5, "
                "qop=\"auth,auth-int\"\r\n"),
        SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, 2);
    m = last_req(f);
    assert_sv_eq(m->call_id, call_id);
    assert_int_equal(m->cseq.num, 2);
    assert_false(sv_eq_cstr(m->via.branch, branch1));
    assert_int_equal(proxy_branch_worker(m->via.branch), 3);
    /* the nonce travels escaped; the digest is over its unquoted value */
    check_auth(f, SIP_HDR_AUTHORIZATION, REG_DIGEST_MD5, "provider.test",
               "abc\\\"def", true, "op 1");
    assert_int_equal(status1(f).state, TRUNK_REG_REGISTERING);
}

static void auth_sha256_preferred(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    assert_int_equal(
        respond(f, 401,
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"m5\", algorithm=MD5, qop=\"auth\"\r\n"
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"s256\", algorithm=SHA-256, qop=\"auth\"\r\n"),
        SIP_TXN_DELIVERED);
    check_auth(f, SIP_HDR_AUTHORIZATION, REG_DIGEST_SHA256, "provider.test",
               "s256", true, NULL);
    assert_int_equal(respond(f, 200, NULL), SIP_TXN_DELIVERED);
    assert_int_equal(status1(f).state, TRUNK_REG_REGISTERED);
}

static void auth_407_no_qop(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    assert_int_equal(
        respond(f, 407,
                "Proxy-Authenticate: Digest realm=\"edge.provider.test\", "
                "nonce=\"px\", algorithm=SHA-256\r\n"),
        SIP_TXN_DELIVERED);
    assert_null(sip_msg_hdr(last_req(f), SIP_HDR_AUTHORIZATION));
    check_auth(f, SIP_HDR_PROXY_AUTHORIZATION, REG_DIGEST_SHA256,
               "edge.provider.test", "px", false, NULL);
}

static void auth_no_algorithm_means_md5(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    assert_int_equal(respond(f, 401,
                             "WWW-Authenticate: Digest realm=\"r\", "
                             "nonce=\"x\", qop=\"auth\"\r\n"),
                     SIP_TXN_DELIVERED);
    const struct sip_hdr *h = sip_msg_hdr(last_req(f), SIP_HDR_AUTHORIZATION);
    assert_non_null(h);
    struct sip_digest d;
    assert_int_equal(sip_parse_digest(h->value, &d, NULL), SIP_PARSE_OK);
    assert_int_equal(d.algorithm.len, 0); /* not echoed when not given */
    char ha1[REG_DIGEST_HEX_MAX];
    assert_int_equal(reg_digest_ha1(REG_DIGEST_MD5, SV_LIT("trunkuser"),
                                    SV_LIT("r"), SV_LIT("trunkpass"), ha1),
                     0);
    assert_int_equal(
        reg_digest_verify(REG_DIGEST_MD5, sv_cstr(ha1), d.nonce, d.nc, d.cnonce,
                          d.qop, SV_LIT("REGISTER"), d.uri, d.response, 0),
        0);
}

static void auth_wrong_realm_refused(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    snprintf(p.realm, sizeof(p.realm), "provider.test");
    sync1(f, &p);
    assert_int_equal(respond(f, 401,
                             "WWW-Authenticate: Digest realm=\"evil.test\", "
                             "nonce=\"n\", algorithm=MD5, qop=\"auth\"\r\n"),
                     SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, 1); /* nothing answered */
    struct trunk_reg_status st = status1(f);
    assert_int_equal(st.state, TRUNK_REG_FAILED);
    assert_int_equal(st.last_status, 401);
    assert_int_equal(st.failures, 1);
    assert_non_null(strstr(st.reason, "realm"));
    /* the transaction's Timer K ends with nothing more on the wire */
    advance_to(f, now(f) + 800);
    assert_int_equal(f->n_sent, 1);
}

static void auth_unusable_challenges(void **state)
{
    static const char *const bad[] = {
        "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
        "algorithm=MD5-sess, qop=\"auth\"\r\n",
        "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
        "qop=\"auth-int\"\r\n",
        "WWW-Authenticate: Basic realm=\"r\"\r\n",
        "WWW-Authenticate: Digest realm=\"r\", nonce=\"\"\r\n",
        "",
    };
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct trunk_reg_params p;
        params(&p, (int64_t)i + 1, "prov");
        sync1(f, &p);
        unsigned n = f->n_sent;
        assert_int_equal(respond(f, 401, bad[i]), SIP_TXN_DELIVERED);
        assert_int_equal(f->n_sent, n);
        struct trunk_reg_status st = status1(f);
        assert_int_equal(st.state, TRUNK_REG_FAILED);
        assert_non_null(strstr(st.reason, "usable"));
    }
}

static void auth_no_loop_on_second_challenge(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    const char *ch = "WWW-Authenticate: Digest realm=\"provider.test\", "
                     "nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n";
    assert_int_equal(respond(f, 401, ch), SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, 2);
    assert_int_equal(
        respond(f, 401,
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"n2\", algorithm=MD5, qop=\"auth\"\r\n"),
        SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, 2);
    struct trunk_reg_status st = status1(f);
    assert_int_equal(st.state, TRUNK_REG_FAILED);
    assert_non_null(strstr(st.reason, "credentials refused"));
    assert_int_equal(st.last_status, 401);
}

static void auth_stale_nonce_answered(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    assert_int_equal(
        respond(f, 401,
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n"),
        SIP_TXN_DELIVERED);
    const char *stale = "WWW-Authenticate: Digest realm=\"provider.test\", "
                        "nonce=\"n2\", algorithm=MD5, qop=\"auth\", "
                        "stale=true\r\n";
    assert_int_equal(respond(f, 401, stale), SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, 3);
    check_auth(f, SIP_HDR_AUTHORIZATION, REG_DIGEST_MD5, "provider.test", "n2",
               true, NULL);
    /* a provider that is stale forever is still bounded */
    assert_int_equal(respond(f, 401, stale), SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, 4);
    assert_int_equal(respond(f, 401, stale), SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, 4);
    assert_int_equal(status1(f).state, TRUNK_REG_FAILED);
    assert_non_null(strstr(status1(f).reason, "too many"));
}

/* ---- expiry and refresh ------------------------------------------------ */

static void granted_contact_expires_and_refresh(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    registered(f, &p, 120);
    struct trunk_reg_status st = status1(f);
    assert_int_equal(st.granted_s, 120);
    assert_int_equal(st.last_status, 200);
    assert_int_equal(st.failures, 0);
    assert_int_equal(st.expires_at_ms, (int64_t)WALL0_S * 1000 + 120000);
    assert_int_equal(st.next_try_ms, now(f) + 60000);
    assert_int_equal(trunk_reg_set_next_deadline_ms(f->s), now(f) + 60000);

    const struct sip_msg *m = last_req(f);
    char call_id[128];
    snprintf(call_id, sizeof(call_id), "%.*s", SV_FMT(m->call_id));
    uint32_t cseq = m->cseq.num;

    unsigned n = f->n_sent;
    advance_to(f, now(f) + 59999);
    assert_int_equal(f->n_sent, n);
    advance_to(f, now(f) + 1);
    assert_int_equal(f->n_sent, n + 1);
    m = last_req(f);
    assert_sv_eq(m->call_id, call_id);
    assert_int_equal(m->cseq.num, cseq + 1);
    assert_null(sip_msg_hdr(m, SIP_HDR_AUTHORIZATION));
    /* still bound while the refresh is in flight */
    assert_int_equal(status1(f).state, TRUNK_REG_REGISTERED);
}

static void granted_sources(void **state)
{
    struct {
        const char *extra;
        unsigned want;
    } cases[] = {
        /* Expires header only */
        { "Expires: 300\r\n", 300 },
        /* our Contact's param beats the Expires header */
        { "Contact: <sip:trunkuser@198.51.100.7:5060>;expires=200\r\n"
          "Expires: 300\r\n",
          200 },
        /* other bindings of the account are not ours */
        { "Contact: <sip:trunkuser@203.0.113.1:5060>;expires=30\r\n"
          "Contact: <sip:trunkuser@198.51.100.7>;expires=250\r\n",
          250 },
        /* a lone rewritten Contact is taken as ours */
        { "Contact: <sip:trunkuser@203.0.113.9:40000>;expires=100\r\n", 100 },
        /* several others, none ours: the Expires header */
        { "Contact: <sip:a@203.0.113.1>;expires=30\r\n"
          "Contact: <sip:b@203.0.113.2>;expires=40\r\n"
          "Expires: 70\r\n",
          70 },
        /* nothing said: what we asked for */
        { "", 600 },
        /* never longer than asked */
        { "Expires: 7200\r\n", 600 },
    };
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct trunk_reg_params p;
        params(&p, (int64_t)i + 1, "prov");
        sync1(f, &p);
        assert_int_equal(respond(f, 200, cases[i].extra), SIP_TXN_DELIVERED);
        struct trunk_reg_status st = status1(f);
        assert_int_equal(st.state, TRUNK_REG_REGISTERED);
        assert_int_equal(st.granted_s, cases[i].want);
    }
}

static void refresh_short_grants(void **state)
{
    struct {
        unsigned granted_s;
        uint64_t refresh_ms;
    } cases[] = {
        { 4, 1000 },  /* never sooner than 1 s */
        { 8, 3000 },  /* 5 s before the end beats half */
        { 10, 5000 }, /* half */
        { 3600, 1800000 },
    };
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct trunk_reg_params p;
        params(&p, (int64_t)i + 1, "prov");
        p.expires_s = 3600;
        sync1(f, &p);
        char extra[64];
        snprintf(extra, sizeof(extra), "Expires: %u\r\n", cases[i].granted_s);
        assert_int_equal(respond(f, 200, extra), SIP_TXN_DELIVERED);
        assert_int_equal(status1(f).next_try_ms, now(f) + cases[i].refresh_ms);
    }
}

static void zero_grant_is_failure(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    assert_int_equal(
        respond(f, 200,
                "Contact: <sip:trunkuser@198.51.100.7:5060>;expires=0\r\n"),
        SIP_TXN_DELIVERED);
    assert_int_equal(status1(f).state, TRUNK_REG_FAILED);
}

static void interval_too_brief(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    p.expires_s = 60;
    sync1(f, &p);
    assert_int_equal(respond(f, 423, "Min-Expires: 1800\r\n"),
                     SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, 2);
    const struct sip_msg *m = last_req(f);
    assert_sv_eq(hdr(m, SIP_HDR_EXPIRES), "1800");
    assert_int_equal(m->cseq.num, 2);
    /* the provider may challenge the retry: answered normally */
    assert_int_equal(
        respond(f, 401,
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"n1\", algorithm=MD5\r\n"),
        SIP_TXN_DELIVERED);
    assert_sv_eq(hdr(last_req(f), SIP_HDR_EXPIRES), "1800");
    assert_int_equal(respond(f, 200, "Expires: 1800\r\n"), SIP_TXN_DELIVERED);
    assert_int_equal(status1(f).granted_s, 1800);
    /* and the refresh keeps asking for it */
    advance_to(f, status1(f).next_try_ms);
    assert_sv_eq(hdr(last_req(f), SIP_HDR_EXPIRES), "1800");
}

static void interval_too_brief_bounded(void **state)
{
    static const char *const bad[] = {
        "",                       /* no Min-Expires */
        "Min-Expires: 90000\r\n", /* above our ceiling */
        "Min-Expires: 60\r\n",    /* not above what we asked */
        "Min-Expires: 12x\r\n",
    };
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct trunk_reg_params p;
        params(&p, (int64_t)i + 1, "prov");
        p.expires_s = 60;
        sync1(f, &p);
        unsigned n = f->n_sent;
        assert_int_equal(respond(f, 423, bad[i]), SIP_TXN_DELIVERED);
        assert_int_equal(f->n_sent, n);
        assert_int_equal(status1(f).state, TRUNK_REG_FAILED);
        assert_int_equal(status1(f).last_status, 423);
    }
    /* rising Min-Expires forever: at most two retries */
    struct trunk_reg_params p;
    params(&p, 99, "prov");
    p.expires_s = 60;
    sync1(f, &p);
    unsigned n = f->n_sent;
    assert_int_equal(respond(f, 423, "Min-Expires: 100\r\n"),
                     SIP_TXN_DELIVERED);
    assert_int_equal(respond(f, 423, "Min-Expires: 200\r\n"),
                     SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, n + 2);
    assert_int_equal(respond(f, 423, "Min-Expires: 300\r\n"),
                     SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, n + 2);
    assert_int_equal(status1(f).state, TRUNK_REG_FAILED);
}

/* ---- failures and back-off --------------------------------------------- */

static void backoff_doubles_and_caps(void **state)
{
    /* backoff 1 s .. 8 s (fixture), jitter +-10% */
    static const uint64_t base[] = { 1000, 2000, 4000, 8000, 8000, 8000 };
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
        unsigned n = f->n_sent;
        assert_int_equal(respond(f, 403, NULL), SIP_TXN_DELIVERED);
        assert_int_equal(f->n_sent, n);
        struct trunk_reg_status st = status1(f);
        assert_int_equal(st.state, TRUNK_REG_FAILED);
        assert_int_equal(st.last_status, 403);
        assert_int_equal(st.failures, i + 1);
        assert_string_equal(st.reason, "403 Forbidden");
        uint64_t wait = st.next_try_ms - now(f);
        assert_in_range(wait, base[i] - base[i] / 10, base[i] + base[i] / 10);
        assert_int_equal(trunk_reg_set_next_deadline_ms(f->s), st.next_try_ms);
        advance_to(f, st.next_try_ms - 1);
        assert_int_equal(f->n_sent, n);
        advance_to(f, st.next_try_ms);
        assert_int_equal(f->n_sent, n + 1);
        assert_int_equal(status1(f).state, TRUNK_REG_REGISTERING);
    }
    /* success resets the back-off */
    assert_int_equal(respond(f, 200, "Expires: 60\r\n"), SIP_TXN_DELIVERED);
    assert_int_equal(status1(f).failures, 0);
    advance_to(f, status1(f).next_try_ms);
    assert_int_equal(respond(f, 500, NULL), SIP_TXN_DELIVERED);
    struct trunk_reg_status st = status1(f);
    assert_int_equal(st.failures, 1);
    assert_in_range(st.next_try_ms - now(f), 900, 1100);
}

static void backoff_defaults(void **state)
{
    struct fx *f = *state;
    trunk_reg_set_free(f->s);
    f->cfg.backoff_min_ms = 0;
    f->cfg.backoff_max_ms = 0;
    assert_int_equal(trunk_reg_set_new(&f->t, &f->cfg, &f->s), 0);
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    assert_int_equal(respond(f, 404, NULL), SIP_TXN_DELIVERED);
    assert_in_range(status1(f).next_try_ms - now(f), 27000, 33000);
    for (int i = 0; i < 12; i++) {
        advance_to(f, status1(f).next_try_ms);
        assert_int_equal(respond(f, 404, NULL), SIP_TXN_DELIVERED);
    }
    assert_in_range(status1(f).next_try_ms - now(f), 1620000, 1980000);
}

static void timeout_is_failure(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    uint64_t t0 = now(f);
    advance_to(f, t0 + 31999);
    assert_true(f->n_sent > 5); /* Timer E retransmissions */
    assert_int_equal(status1(f).state, TRUNK_REG_REGISTERING);
    unsigned n = f->n_sent;
    advance_to(f, t0 + 32000); /* Timer F */
    assert_int_equal(f->n_sent, n);
    struct trunk_reg_status st = status1(f);
    assert_int_equal(st.state, TRUNK_REG_FAILED);
    assert_int_equal(st.last_status, 408);
    assert_non_null(strstr(st.reason, "timeout"));
    assert_in_range(st.next_try_ms - now(f), 900, 1100);
}

static void refresh_failure_keeps_trying(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    registered(f, &p, 60);
    advance_to(f, status1(f).next_try_ms);
    assert_int_equal(respond(f, 503, NULL), SIP_TXN_DELIVERED);
    struct trunk_reg_status st = status1(f);
    assert_int_equal(st.state, TRUNK_REG_FAILED);
    assert_int_equal(st.expires_at_ms, 0);
    advance_to(f, st.next_try_ms);
    assert_int_equal(status1(f).state, TRUNK_REG_REGISTERING);
}

/* ---- sync: removal, changes, validation -------------------------------- */

static void removal_unregisters(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    registered(f, &p, 600);
    const struct sip_msg *m = last_req(f);
    char call_id[128];
    snprintf(call_id, sizeof(call_id), "%.*s", SV_FMT(m->call_id));
    uint32_t cseq = m->cseq.num;

    unsigned n = f->n_sent;
    assert_int_equal(trunk_reg_set_sync(f->s, NULL, 0, now(f)), 0);
    assert_int_equal(trunk_reg_set_status(f->s, NULL, 0), 0);
    assert_int_equal(trunk_reg_set_next_deadline_ms(f->s), UINT64_MAX);
    assert_int_equal(f->n_sent, n + 1);
    m = last_req(f);
    assert_sv_eq(m->call_id, call_id);
    assert_int_equal(m->cseq.num, cseq + 1);
    assert_sv_eq(hdr(m, SIP_HDR_EXPIRES), "0");
    assert_sv_eq(hdr(m, SIP_HDR_CONTACT), "<sip:trunkuser@198.51.100.7:5060>");
    /* one challenge is answered, still with Expires: 0 */
    assert_int_equal(
        respond(f, 401,
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"bye\", algorithm=MD5, qop=\"auth\"\r\n"),
        SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, n + 2);
    assert_sv_eq(hdr(last_req(f), SIP_HDR_EXPIRES), "0");
    check_auth(f, SIP_HDR_AUTHORIZATION, REG_DIGEST_MD5, "provider.test", "bye",
               true, NULL);
    /* a second one is not */
    assert_int_equal(
        respond(f, 401,
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"b2\", algorithm=MD5, qop=\"auth\"\r\n"),
        SIP_TXN_DELIVERED);
    assert_int_equal(f->n_sent, n + 2);
    advance_to(f, now(f) + 60000);
    assert_int_equal(f->n_sent, n + 2);
}

static void removal_of_unbound_sends_nothing(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    params(&p, 1, "prov");
    sync1(f, &p);
    assert_int_equal(respond(f, 403, NULL), SIP_TXN_DELIVERED);
    unsigned n = f->n_sent;
    assert_int_equal(trunk_reg_set_sync(f->s, NULL, 0, now(f)), 0);
    assert_int_equal(f->n_sent, n);
    /* removed while a request is in flight: it may have bound us */
    sync1(f, &p);
    n = f->n_sent;
    assert_int_equal(trunk_reg_set_sync(f->s, NULL, 0, now(f)), 0);
    assert_int_equal(f->n_sent, n + 1);
    assert_sv_eq(hdr(last_req(f), SIP_HDR_EXPIRES), "0");
    /* the farewell times out: forgotten, nothing more */
    advance_to(f, now(f) + 40000);
    unsigned after = f->n_sent;
    advance_to(f, now(f) + 40000);
    assert_int_equal(f->n_sent, after);
}

static void change_password_reregisters(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    registered(f, &p, 600);
    char call_id[128];
    snprintf(call_id, sizeof(call_id), "%.*s", SV_FMT(last_req(f)->call_id));

    /* a new name alone sends nothing */
    unsigned n = f->n_sent;
    snprintf(p.name, sizeof(p.name), "renamed");
    sync1(f, &p);
    assert_int_equal(f->n_sent, n);
    assert_string_equal(status1(f).name, "renamed");
    assert_int_equal(status1(f).state, TRUNK_REG_REGISTERED);

    snprintf(p.password, sizeof(p.password), "newpass");
    sync1(f, &p);
    assert_int_equal(f->n_sent, n + 1);
    assert_sv_eq(last_req(f)->call_id, call_id);
    assert_int_equal(status1(f).state, TRUNK_REG_REGISTERING);
    /* changed again while in flight: the old request is dropped */
    p.expires_s = 900;
    sync1(f, &p);
    assert_int_equal(f->n_sent, n + 2);
    assert_sv_eq(hdr(last_req(f), SIP_HDR_EXPIRES), "900");
    assert_int_equal(
        respond(f, 401,
                "WWW-Authenticate: Digest realm=\"provider.test\", "
                "nonce=\"n9\", algorithm=MD5\r\n"),
        SIP_TXN_DELIVERED);
    const struct sip_hdr *h = sip_msg_hdr(last_req(f), SIP_HDR_AUTHORIZATION);
    assert_non_null(h);
    struct sip_digest d;
    assert_int_equal(sip_parse_digest(h->value, &d, NULL), SIP_PARSE_OK);
    char ha1[REG_DIGEST_HEX_MAX];
    assert_int_equal(reg_digest_ha1(REG_DIGEST_MD5, SV_LIT("trunkuser"),
                                    SV_LIT("provider.test"), SV_LIT("newpass"),
                                    ha1),
                     0);
    assert_int_equal(reg_digest_verify(REG_DIGEST_MD5, sv_cstr(ha1), d.nonce,
                                       d.nc, d.cnonce, d.qop,
                                       SV_LIT("REGISTER"), d.uri, d.response,
                                       REG_DIGEST_ALLOW_NO_QOP),
                     0);
}

static void change_host_moves_binding(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p;
    registered(f, &p, 600);
    char old_call_id[128];
    snprintf(old_call_id, sizeof(old_call_id), "%.*s",
             SV_FMT(last_req(f)->call_id));
    unsigned n = f->n_sent;
    snprintf(p.host, sizeof(p.host), "other.test");
    assert_int_equal(net_addr_parse("192.0.2.20:5060", 0, &p.server), 0);
    sync1(f, &p);
    assert_int_equal(f->n_sent, n + 2);
    /* first the old binding is removed, then the new one made */
    const struct sent *bye = &f->ring[n % RING];
    assert_non_null(strstr(bye->bytes, "REGISTER sip:provider.test "));
    assert_non_null(strstr(bye->bytes, "Expires: 0\r\n"));
    assert_non_null(strstr(bye->bytes, old_call_id));
    const struct sip_msg *m = last_req(f);
    assert_sv_eq(m->ruri_raw, "sip:other.test");
    assert_false(sv_eq_cstr(m->call_id, old_call_id));
    assert_int_equal(m->cseq.num, 1);
    assert_int_equal(status1(f).state, TRUNK_REG_REGISTERING);
}

static void sync_order_and_status(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p[3];
    params(&p[0], 10, "a");
    params(&p[1], 20, "b");
    params(&p[2], 30, "c");
    assert_int_equal(trunk_reg_set_sync(f->s, p, 3, now(f)), 0);
    assert_int_equal(f->n_sent, 3);
    struct trunk_reg_status st[3];
    assert_int_equal(trunk_reg_set_status(f->s, st, 2), 3);
    assert_int_equal(st[0].id, 10);
    assert_int_equal(st[1].id, 20);
    struct trunk_reg_params q[2] = { p[2], p[0] };
    assert_int_equal(trunk_reg_set_sync(f->s, q, 2, now(f)), 0);
    assert_int_equal(trunk_reg_set_status(f->s, st, 3), 2);
    assert_int_equal(st[0].id, 30);
    assert_string_equal(st[0].name, "c");
    assert_int_equal(st[1].id, 10);
    assert_int_equal(f->n_sent, 4); /* 20 was in flight: Expires: 0 */
    assert_string_equal(trunk_reg_state_name(TRUNK_REG_IDLE), "idle");
    assert_string_equal(trunk_reg_state_name(TRUNK_REG_REGISTERING),
                        "registering");
    assert_string_equal(trunk_reg_state_name(TRUNK_REG_REGISTERED),
                        "registered");
    assert_string_equal(trunk_reg_state_name(TRUNK_REG_FAILED), "failed");
}

static void sync_refuses_bad_params(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params good;
    params(&good, 1, "ok");
    sync1(f, &good);
    unsigned n = f->n_sent;

    struct trunk_reg_params p[2];
    params(&p[0], 5, "x");
    params(&p[1], 5, "y");
    assert_int_equal(trunk_reg_set_sync(f->s, p, 2, now(f)), -EINVAL);

    struct trunk_reg_params b;
    params(&b, 0, "zero id");
    assert_int_equal(trunk_reg_set_sync(f->s, &b, 1, now(f)), -EINVAL);
    params(&b, 2, "u");
    snprintf(b.user, sizeof(b.user), "a>b");
    assert_int_equal(trunk_reg_set_sync(f->s, &b, 1, now(f)), -EINVAL);
    snprintf(b.user, sizeof(b.user), "a\r\nX: y");
    assert_int_equal(trunk_reg_set_sync(f->s, &b, 1, now(f)), -EINVAL);
    params(&b, 2, "h");
    b.host[0] = '\0';
    assert_int_equal(trunk_reg_set_sync(f->s, &b, 1, now(f)), -EINVAL);
    snprintf(b.host, sizeof(b.host), "bad host");
    assert_int_equal(trunk_reg_set_sync(f->s, &b, 1, now(f)), -EINVAL);
    params(&b, 2, "e");
    b.expires_s = 59;
    assert_int_equal(trunk_reg_set_sync(f->s, &b, 1, now(f)), -EINVAL);
    b.expires_s = 86401;
    assert_int_equal(trunk_reg_set_sync(f->s, &b, 1, now(f)), -EINVAL);
    params(&b, 2, "s");
    memset(&b.server, 0, sizeof(b.server));
    assert_int_equal(trunk_reg_set_sync(f->s, &b, 1, now(f)), -EINVAL);
    params(&b, 2, "t");
    memset(b.password, 'x', sizeof(b.password)); /* not terminated */
    assert_int_equal(trunk_reg_set_sync(f->s, &b, 1, now(f)), -EINVAL);
    assert_int_equal(trunk_reg_set_sync(f->s, NULL, 1, now(f)), -EINVAL);

    struct trunk_reg_params *many = calloc(TRUNK_REG_MAX + 1, sizeof(*many));
    assert_non_null(many);
    for (int i = 0; i <= TRUNK_REG_MAX; i++) {
        params(&many[i], i + 1, "m");
    }
    assert_int_equal(trunk_reg_set_sync(f->s, many, TRUNK_REG_MAX + 1, now(f)),
                     -E2BIG);
    /* nothing changed by the refusals */
    assert_int_equal(f->n_sent, n);
    assert_int_equal(status1(f).id, 1);
    /* the ceiling itself is fine */
    assert_int_equal(trunk_reg_set_sync(f->s, many, TRUNK_REG_MAX, now(f)), 0);
    assert_int_equal(trunk_reg_set_status(f->s, NULL, 0), TRUNK_REG_MAX);
    free(many);
}

static void set_new_refuses_bad_cfg(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_set *s = NULL;
    struct trunk_reg_cfg c = f->cfg;
    assert_int_equal(trunk_reg_set_new(NULL, &c, &s), -EINVAL);
    assert_int_equal(trunk_reg_set_new(&f->t, NULL, &s), -EINVAL);
    c.worker_index = 256;
    assert_int_equal(trunk_reg_set_new(&f->t, &c, &s), -EINVAL);
    c = f->cfg;
    c.contact_port = 0;
    assert_int_equal(trunk_reg_set_new(&f->t, &c, &s), -EINVAL);
    c = f->cfg;
    snprintf(c.contact_ip, sizeof(c.contact_ip), "pbx.example");
    assert_int_equal(trunk_reg_set_new(&f->t, &c, &s), -EINVAL);
    c = f->cfg;
    snprintf(c.sent_by, sizeof(c.sent_by), "1.2.3.4:5060;x=y");
    assert_int_equal(trunk_reg_set_new(&f->t, &c, &s), -EINVAL);
    c = f->cfg;
    c.backoff_min_ms = 9000;
    c.backoff_max_ms = 8000;
    assert_int_equal(trunk_reg_set_new(&f->t, &c, &s), -EINVAL);
    assert_null(s);
    trunk_reg_set_free(NULL);
}

static void detach_then_free_with_live_table(void **state)
{
    struct fx *f = *state;
    struct trunk_reg_params p[2];
    params(&p[0], 1, "a");
    params(&p[1], 2, "b");
    assert_int_equal(trunk_reg_set_sync(f->s, p, 2, now(f)), 0);
    assert_int_equal(trunk_reg_set_sync(f->s, p, 1, now(f)), 0); /* b leaves */
    trunk_reg_set_detach(f->s, now(f));
    trunk_reg_set_free(f->s);
    f->s = NULL;
    /* the table lives on; answers and timers reach no freed memory */
    assert_int_equal(respond(f, 200, NULL), SIP_TXN_DELIVERED);
    unsigned left = 0;
    for (uint64_t t = now(f); t < now(f) + 40000; t += 500) {
        left += sip_txn_table_run_timers(&f->t, t);
    }
    assert_true(left > 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
        T(request_shape),
        T(request_ipv6_and_port),
        T(auth_md5_qop_opaque),
        T(auth_sha256_preferred),
        T(auth_407_no_qop),
        T(auth_no_algorithm_means_md5),
        T(auth_wrong_realm_refused),
        T(auth_unusable_challenges),
        T(auth_no_loop_on_second_challenge),
        T(auth_stale_nonce_answered),
        T(granted_contact_expires_and_refresh),
        T(granted_sources),
        T(refresh_short_grants),
        T(zero_grant_is_failure),
        T(interval_too_brief),
        T(interval_too_brief_bounded),
        T(backoff_doubles_and_caps),
        T(backoff_defaults),
        T(timeout_is_failure),
        T(refresh_failure_keeps_trying),
        T(removal_unregisters),
        T(removal_of_unbound_sends_nothing),
        T(change_password_reregisters),
        T(change_host_moves_binding),
        T(sync_order_and_status),
        T(sync_refuses_bad_params),
        T(set_new_refuses_bad_cfg),
        T(detach_then_free_with_live_table),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
