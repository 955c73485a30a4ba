/* SPDX-License-Identifier: Apache-2.0 */
/* The call policy's hooks for calls from extensions: classification and
 * permissions, outbound rules and their hops, office hours and holidays,
 * call rate, concurrent calls on extensions and trunks, the toll-fraud
 * watch with its suspensions, and the CDRs written by the drain. */
#include "calls_fx.h"

/* ---- before the first reload ------------------------------------------- */

static void not_ready_before_reload(void **state)
{
    struct fx *fx = *state;
    struct calls_engine *e = NULL;
    struct proxy_policy pol;
    assert_int_equal(calls_engine_new(NULL, &e), 0);
    calls_engine_policy(e, &pol);
    assert_ptr_equal(pol.ud, e);

    struct call c;
    call_prepare(fx, &c, fx->ta, "101", fx->u101, 0, "02071234567");
    c.ok = pol.on_call_start(pol.ud, &c.ci, false, &c.rt, &c.ref);
    call_copy_ref(&c);
    assert_refused(&c, 503, "not_ready", "not loaded");
    assert_non_null(strstr(c.extra, "Retry-After: 5\r\n"));
    assert_non_null(c.ci.pol);
    pol.on_call_end(pol.ud, &c.ci, PROXY_CALL_REFUSED, 503);

    struct net_addr a;
    assert_int_equal(net_addr_parse("10.1.2.3", 5060, &a), 0);
    assert_int_equal(calls_engine_trunk_of(e, &a), 0);
    int64_t tid = 0;
    char md5[65], sha[65];
    assert_int_equal(calls_engine_gateway_creds(e, sv_cstr("a.example"),
                                                sv_cstr("gw1"), &tid, md5, sha),
                     -ENOENT);
    assert_int_equal(calls_engine_reg_trunks(e, NULL, 0), 0);
    assert_int_equal(calls_engine_stats(e)->started, 1);
    assert_int_equal(calls_engine_stats(e)->refused, 1);

    /* the refused call's CDR is in the queue, written by the drain */
    assert_int_equal(calls_engine_drain(e, fx->st), 1);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    const struct store_cdr *r = cdr_find(&cd, "02071234567", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "not_ready");
    assert_int_equal(r->status, 503);
    calls_engine_free(e);
}

/* ---- internal calls ---------------------------------------------------- */

static void internal_call_goes_to_callee(void **state)
{
    struct fx *fx = *state;
    struct call c;
    assert_true(
        call_start_ext(fx, &c, fx->ta, "100", fx->u100, "101", true, fx->u101));
    assert_int_equal(c.rt.ext_user_id, fx->u101);
    assert_int_equal(c.rt.n_hops, 0);
    assert_string_equal(c.extra, "");
    call_end(fx, &c, PROXY_CALL_COMPLETED, 200);

    /* a feature code that is no extension is not an external number */
    struct call f;
    assert_false(
        call_start_ext(fx, &f, fx->ta, "100", fx->u100, "*98", false, 0));
    assert_refused(&f, 404, "not_found", "no such extension");
    assert_string_equal(f.ref.reason, "Not Found");
    call_end_refused(fx, &f);

    assert_int_equal(calls_engine_drain(fx->e, fx->st), 2);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    const struct store_cdr *r = cdr_find(&cd, "101", STORE_CDR_ANSWERED);
    assert_string_equal(r->class_, "internal");
    assert_string_equal(r->caller, "100");
    assert_string_equal(r->callee, "101");
    assert_string_equal(r->trunk, "");
    assert_int_equal(r->status, 200);
    assert_true(r->answer_ms > 0);
    assert_true(r->end_ms >= r->answer_ms);
    r = cdr_find(&cd, "*98", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "not_found");
    assert_int_equal(r->status, 404);
    assert_int_equal(calls_engine_stats(fx->e)->cdrs, 2);
}

/* ---- permissions and number lists ------------------------------------ */

static void standard_user_internal_only(void **state)
{
    struct fx *fx = *state;
    struct call c;
    assert_false(call_start_ext(fx, &c, fx->ta, "100", fx->u100, "02071234567",
                                false, 0));
    assert_refused(&c, 403, "role_internal_only", NULL);
    assert_string_equal(c.ref.reason, "Forbidden");
    call_end_refused(fx, &c);

    assert_false(call_start_ext(fx, &c, fx->ta, "100", fx->u100,
                                "0033123456789", false, 0));
    assert_refused(&c, 403, "role_internal_only", NULL);
    call_end_refused(fx, &c);

    calls_engine_drain(fx->e, fx->st);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    const struct store_cdr *r = cdr_find(&cd, "02071234567", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "role_internal_only");
    assert_string_equal(r->class_, "national");
    assert_string_equal(r->country_code, "44");
    assert_int_equal(r->status, 403);
    r = cdr_find(&cd, "0033123456789", STORE_CDR_REFUSED);
    assert_string_equal(r->class_, "international");
    assert_string_equal(r->country_code, "33");
}

static void number_lists_apply_to_every_role(void **state)
{
    struct fx *fx = *state;
    struct call c;
    /* Germany is not an allowed country */
    assert_false(call_start_ext(fx, &c, fx->ta, "101", fx->u101,
                                "0049301234567", false, 0));
    assert_refused(&c, 403, "country_not_allowed", NULL);
    call_end_refused(fx, &c);
    /* 090 premium rate: E.164 4490... */
    assert_false(call_start_ext(fx, &c, fx->ta, "101", fx->u101, "09011234567",
                                false, 0));
    assert_refused(&c, 403, "disallowed_prefix", NULL);
    call_end_refused(fx, &c);
    /* an admin too */
    assert_false(call_start_ext(fx, &c, fx->ta, "102", fx->u102,
                                "+449011234567", false, 0));
    assert_refused(&c, 403, "disallowed_prefix", NULL);
    call_end_refused(fx, &c);
    /* not a number */
    assert_false(
        call_start_ext(fx, &c, fx->ta, "101", fx->u101, "12ab", false, 0));
    assert_refused(&c, 403, "invalid_number", NULL);
    call_end_refused(fx, &c);
    /* a valid French number in '+' form matches no rule of tenant a */
    assert_false(call_start_ext(fx, &c, fx->ta, "101", fx->u101, "+33123456789",
                                false, 0));
    assert_refused(&c, 403, "no_outbound_rule", NULL);
    call_end_refused(fx, &c);

    assert_int_equal(calls_engine_drain(fx->e, fx->st), 5);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    assert_int_equal(cd.n, 5);
    const struct store_cdr *r =
        cdr_find(&cd, "0049301234567", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "country_not_allowed");
    assert_string_equal(r->country_code, "49");
    r = cdr_find(&cd, "+449011234567", STORE_CDR_REFUSED);
    assert_string_equal(r->caller, "102");
    assert_string_equal(r->reason, "disallowed_prefix");
    assert_int_equal(calls_engine_stats(fx->e)->refused, 5);
    assert_int_equal(calls_engine_stats(fx->e)->external, 0);
}

/* ---- outbound rules and hops ------------------------------------------- */

static void outbound_hops_strip_prepend_failover(void **state)
{
    struct fx *fx = *state;
    struct call n, i;
    /* national: strip "0", prepend "44", prov1 with its port */
    assert_true(call_start_ext(fx, &n, fx->ta, "101", fx->u101, "02071234567",
                               false, 0));
    assert_int_equal(n.rt.ext_user_id, 0);
    assert_int_equal(n.rt.n_hops, 1);
    assert_string_equal(n.rt.hops[0].ruri, "sip:442071234567@127.0.0.1:5099");
    assert_int_equal(n.rt.hops[0].trunk_id, fx->prov1);
    char ab[80];
    assert_string_equal(net_addr_fmt(&n.rt.hops[0].addr, ab, sizeof(ab)),
                        "127.0.0.1:5099");

    /* international: strip "00", prepend "+", prov1 then prov2 */
    assert_true(call_start_ext(fx, &i, fx->ta, "102", fx->u102, "0033123456789",
                               false, 0));
    assert_int_equal(i.rt.n_hops, 2);
    assert_string_equal(i.rt.hops[0].ruri, "sip:+33123456789@127.0.0.1:5099");
    assert_int_equal(i.rt.hops[0].trunk_id, fx->prov1);
    /* no port configured: none in the URI, 5060 on the wire */
    assert_string_equal(i.rt.hops[1].ruri, "sip:+33123456789@127.0.0.2");
    assert_int_equal(i.rt.hops[1].trunk_id, fx->prov2);
    assert_int_equal(net_addr_port(&i.rt.hops[1].addr), 5060);

    assert_true(call_hop(fx, &n, 0));
    call_end(fx, &n, PROXY_CALL_COMPLETED, 200);
    /* the first hop failed (408), the second answered */
    assert_true(call_hop(fx, &i, 1));
    call_end(fx, &i, PROXY_CALL_FAILED, 486);

    assert_int_equal(calls_engine_drain(fx->e, fx->st), 2);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    const struct store_cdr *r =
        cdr_find(&cd, "02071234567", STORE_CDR_ANSWERED);
    assert_string_equal(r->callee, "442071234567");
    assert_string_equal(r->rule, "national");
    assert_string_equal(r->trunk, "prov1");
    assert_string_equal(r->class_, "national");
    assert_string_equal(r->reason, "");
    assert_int_equal(r->status, 200);
    r = cdr_find(&cd, "0033123456789", STORE_CDR_FAILED);
    assert_string_equal(r->callee, "+33123456789");
    assert_string_equal(r->rule, "intl");
    assert_string_equal(r->trunk, "prov2");
    assert_string_equal(r->class_, "international");
    assert_int_equal(r->status, 486);
    assert_int_equal(r->answer_ms, 0);
    assert_int_equal(calls_engine_stats(fx->e)->external, 2);
}

static void tenant_without_profile(void **state)
{
    struct fx *fx = *state;
    struct call c;
    /* no profile, no rule: nothing outside is reachable */
    assert_false(call_start_ext(fx, &c, fx->tc, "300", fx->u300,
                                "0033123456789", false, 0));
    assert_refused(&c, 404, "not_found", NULL);
    call_end_refused(fx, &c);
    /* internal calls still work */
    assert_true(
        call_start_ext(fx, &c, fx->tc, "300", fx->u300, "301", true, 4242));
    assert_int_equal(c.rt.ext_user_id, 4242);
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);

    /* a rule without a profile: the configuration is incomplete */
    int64_t t1[] = { fx->prov1 };
    assert_int_equal(
        fx_rule(fx, fx->tc, "c-out", "", 0, "", false, t1, 1, NULL), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    assert_false(call_start_ext(fx, &c, fx->tc, "300", fx->u300,
                                "0033123456789", false, 0));
    assert_refused(&c, 403, "no_country_profile", NULL);
    call_end_refused(fx, &c);

    /* a tenant added after the reload is not known yet */
    int64_t td = 0, ud = 0;
    assert_int_equal(store_tenant_add(fx->st, "d.example", NULL, &td), 0);
    assert_int_equal(store_user_add(fx->st, td, "400", NULL, STORE_ROLE_ADMIN,
                                    NULL, "Secret-12345", &ud),
                     0);
    assert_false(
        call_start_ext(fx, &c, td, "400", ud, "0033123456789", false, 0));
    assert_refused(&c, 503, "not_ready", NULL);
    assert_non_null(strstr(c.extra, "Retry-After: 5\r\n"));
    call_end_refused(fx, &c);

    calls_engine_drain(fx->e, fx->st);
    struct cdrs cd;
    fx_cdrs(fx, fx->tc, &cd);
    assert_int_equal(cd.n, 3);
    const struct store_cdr *r = cdr_find(&cd, "301", STORE_CDR_CANCELLED);
    assert_string_equal(r->class_, "internal");
    assert_int_equal(r->status, 487);
}

static void accept_register_trunk_hop(void **state)
{
    struct fx *fx = *state;
    struct call c;
    /* gateway not registered: the rule has no reachable trunk */
    assert_false(
        call_start_ext(fx, &c, fx->ta, "101", fx->u101, "81234567", false, 0));
    assert_refused(&c, 503, "no_trunk_available", "gwrule");
    assert_non_null(strstr(c.extra, "Retry-After: 30\r\n"));
    call_end_refused(fx, &c);

    /* the gateway registers from 198.51.100.7:5080 over UDP */
    int64_t now = fx_now();
    struct reg_binding_view b;
    memset(&b, 0, sizeof(b));
    b.user_id = fx->gw;
    b.tenant_id = 0;
    b.aor = sv_cstr("gw1@a.example");
    b.contact = sv_cstr("sip:gw1@198.51.100.7:5080");
    b.call_id = sv_cstr("gw-reg-1");
    b.cseq = 1;
    b.expires_at = now + 3600;
    b.registered_at = now;
    b.src.transport = 0; /* NET_PROTO_UDP */
    b.src.family = AF_INET;
    b.src.port = 5080;
    const uint8_t ip[4] = { 198, 51, 100, 7 };
    memcpy(b.src.ip, ip, 4);
    assert_int_equal(reg_loc_restore(&fx->loc, &b), 0);

    assert_true(
        call_start_ext(fx, &c, fx->ta, "101", fx->u101, "81234567", false, 0));
    assert_int_equal(c.rt.n_hops, 1);
    assert_string_equal(c.rt.hops[0].ruri, "sip:81234567@198.51.100.7:5080");
    assert_int_equal(c.rt.hops[0].trunk_id, fx->gw);
    char ab[80];
    assert_string_equal(net_addr_fmt(&c.rt.hops[0].addr, ab, sizeof(ab)),
                        "198.51.100.7:5080");
    assert_true(call_hop(fx, &c, 0));
    call_end(fx, &c, PROXY_CALL_COMPLETED, 200);

    /* and the gateway's address is now that trunk's */
    struct net_addr a;
    assert_int_equal(net_addr_parse("198.51.100.7", 5060, &a), 0);
    assert_int_equal(calls_engine_trunk_of(fx->e, &a), fx->gw);
    assert_int_equal(net_addr_parse("198.51.100.8", 5060, &a), 0);
    assert_int_equal(calls_engine_trunk_of(fx->e, &a), 0);

    calls_engine_drain(fx->e, fx->st);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    const struct store_cdr *r = cdr_find(&cd, "81234567", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "no_trunk_available");
    assert_string_equal(r->rule, "gwrule");
    assert_int_equal(r->status, 503);
    r = cdr_find(&cd, "81234567", STORE_CDR_ANSWERED);
    assert_string_equal(r->trunk, "gw");
}

/* RFC 3261 §19.1.1 / §25.1: an IPv6 host in a SIP URI is an IPv6reference,
 * in brackets. The store takes trunk hosts as bare addresses. */
static void ipv6_trunk_hop_uri_bracketed(void **state)
{
    struct fx *fx = *state;
    int64_t v6 = 0, v6b = 0;
    assert_int_equal(fx_trunk(fx, "v6", STORE_TRUNK_IP, "2001:db8::10", 5099,
                              "", 0, "", "", NULL, &v6),
                     0);
    assert_int_equal(fx_trunk(fx, "v6b", STORE_TRUNK_IP, "2001:db8::11", 0, "",
                              0, "", "", NULL, &v6b),
                     0);
    int64_t tv[] = { v6, v6b };
    assert_int_equal(
        fx_rule(fx, fx->ta, "v6rule", "9", 0, "", false, tv, 2, NULL), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    struct call c;
    assert_true(
        call_start_ext(fx, &c, fx->ta, "101", fx->u101, "9123456", false, 0));
    assert_int_equal(c.rt.n_hops, 2);
    char ab[80];
    assert_string_equal(net_addr_fmt(&c.rt.hops[0].addr, ab, sizeof(ab)),
                        "[2001:db8::10]:5099");
    assert_int_equal(c.rt.hops[0].trunk_id, v6);
    assert_int_equal(c.rt.hops[1].trunk_id, v6b);
    /* read before asserting so the call always ends */
    char r0[PROXY_HOP_URI_MAX], r1[PROXY_HOP_URI_MAX];
    snprintf(r0, sizeof(r0), "%s", c.rt.hops[0].ruri);
    snprintf(r1, sizeof(r1), "%s", c.rt.hops[1].ruri);
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);
    assert_string_equal(r0, "sip:9123456@[2001:db8::10]:5099");
    assert_string_equal(r1, "sip:9123456@[2001:db8::11]");
}

/* A concurrency limit with a time window beats an all-day one of the same
 * scope while the window is open; a user's beats the tenant's. */
static void windowed_concurrency_limit(void **state)
{
    struct fx *fx = *state;
    time_t now = time(NULL);
    struct tm tm;
    assert_non_null(gmtime_r(&now, &tm));
    uint32_t minute = (uint32_t)(tm.tm_hour * 60 + tm.tm_min);
    uint32_t start = (minute + 1440 - 60) % 1440;
    uint32_t end = (minute + 60) % 1440;
    if (end == 0) {
        end = 1440;
    }
    struct store_call_limit all_day = { .tenant_id = fx->ta,
                                        .scope = STORE_LIMIT_TENANT,
                                        .max_concurrent = 5 };
    struct store_call_limit window = { .tenant_id = fx->ta,
                                       .scope = STORE_LIMIT_TENANT,
                                       .max_concurrent = 1,
                                       .has_window = true,
                                       .start_min = start,
                                       .end_min = end };
    /* and a closed window that would be stricter still */
    struct store_call_limit closed = { .tenant_id = fx->ta,
                                       .scope = STORE_LIMIT_GROUP,
                                       .target_id = fx->g_sales,
                                       .max_concurrent = 1,
                                       .has_window = true,
                                       .start_min = end % 1440,
                                       .end_min = (end % 1440) + 1 };
    struct store_call_limit user = { .tenant_id = fx->ta,
                                     .scope = STORE_LIMIT_USER,
                                     .target_id = fx->u102,
                                     .max_concurrent = 2 };
    assert_int_equal(store_limit_set(fx->st, &all_day, NULL), 0);
    assert_int_equal(store_limit_set(fx->st, &window, NULL), 0);
    assert_int_equal(store_limit_set(fx->st, &closed, NULL), 0);
    assert_int_equal(store_limit_set(fx->st, &user, NULL), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);

    /* 100: the tenant's window, 1 call */
    struct call a, b, c, d, g1, g2;
    assert_true(
        call_start_ext(fx, &a, fx->ta, "100", fx->u100, "101", true, fx->u101));
    assert_false(
        call_start_ext(fx, &b, fx->ta, "100", fx->u100, "102", true, fx->u102));
    assert_refused(&b, 486, "concurrent_calls", "limit of 1 calls");
    call_end_refused(fx, &b);
    /* 102: its own limit of 2 */
    assert_true(
        call_start_ext(fx, &c, fx->ta, "102", fx->u102, "100", true, fx->u100));
    assert_true(
        call_start_ext(fx, &d, fx->ta, "102", fx->u102, "101", true, fx->u101));
    assert_false(
        call_start_ext(fx, &b, fx->ta, "102", fx->u102, "103", true, fx->u103));
    assert_refused(&b, 486, "concurrent_calls", "limit of 2 calls");
    call_end_refused(fx, &b);
    /* 101 (sales): the group's window is closed, the tenant's applies */
    assert_true(call_start_ext(fx, &g1, fx->ta, "101", fx->u101, "100", true,
                               fx->u100));
    assert_false(call_start_ext(fx, &g2, fx->ta, "101", fx->u101, "103", true,
                                fx->u103));
    assert_refused(&g2, 486, "concurrent_calls", "limit of 1 calls");
    call_end_refused(fx, &g2);
    call_end(fx, &a, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &c, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &d, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &g1, PROXY_CALL_COMPLETED, 200);
}

/* Tenant thresholds from the store: at the tenant's critical level the
 * extension whose call crossed it is suspended (stored, liftable like any
 * other), not the whole tenant. */
static void tenant_fraud_threshold(void **state)
{
    struct fx *fx = *state;
    struct store_fraud_rule fr = { .tenant_id = fx->ta,
                                   .metric = STORE_FRAUD_INTERNATIONAL,
                                   .window_s = 3600,
                                   .warning = 2,
                                   .critical = 3 };
    assert_int_equal(store_fraud_set(fx->st, &fr, NULL), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    struct call a, b, c, d, em;
    assert_true(call_start_ext(fx, &a, fx->ta, "101", fx->u101, "0033123456781",
                               false, 0));
    assert_true(call_start_ext(fx, &b, fx->ta, "102", fx->u102, "0033123456782",
                               false, 0));
    assert_int_equal(calls_engine_stats(fx->e)->fraud_warnings, 1);
    /* the tenant's third international call in the hour */
    assert_false(call_start_ext(fx, &c, fx->ta, "104", fx->u104,
                                "0033123456783", false, 0));
    assert_refused(&c, 403, "suspended", "toll-fraud watch");
    assert_int_equal(calls_engine_stats(fx->e)->suspensions, 1);
    /* that extension stays suspended, national calls included */
    assert_false(call_start_ext(fx, &d, fx->ta, "104", fx->u104, "02071234567",
                                false, 0));
    assert_refused(&d, 403, "suspended",
                   "outbound calling of this extension is suspended");
    call_end_refused(fx, &d);
    /* the others of the tenant are not (the tenant's count starts over) */
    assert_true(call_start_ext(fx, &d, fx->ta, "101", fx->u101, "0033123456784",
                               false, 0));
    call_end(fx, &d, PROXY_CALL_CANCELLED, 487);
    /* nor other tenants */
    assert_true(call_start_ext(fx, &d, fx->tb, "200", fx->u200, "0142000000",
                               false, 0));
    call_end(fx, &d, PROXY_CALL_CANCELLED, 487);
    /* emergency calls go */
    assert_true(
        call_start_ext(fx, &em, fx->ta, "104", fx->u104, "112", false, 0));
    call_end(fx, &em, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &a, PROXY_CALL_CANCELLED, 487);
    call_end(fx, &b, PROXY_CALL_CANCELLED, 487);
    call_end_refused(fx, &c);

    calls_engine_drain(fx->e, fx->st);
    struct susps su = { .n = 0 };
    assert_int_equal(store_suspension_list(fx->st, fx->ta, true, susp_cb, &su),
                     0);
    assert_int_equal(su.n, 1);
    assert_int_equal(su.v[0].user_id, fx->u104);
    assert_string_equal(su.v[0].reason,
                        "fraud watch: international 3 in 3600 s (critical 3)");
    /* a reload keeps it; lifting it in the store ends it */
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    assert_false(call_start_ext(fx, &d, fx->ta, "104", fx->u104, "02071234567",
                                false, 0));
    assert_refused(&d, 403, "suspended", NULL);
    call_end_refused(fx, &d);
    assert_int_equal(store_suspension_lift(fx->st, fx->u104, fx_now()), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    assert_true(call_start_ext(fx, &d, fx->ta, "104", fx->u104, "02071234567",
                               false, 0));
    call_end(fx, &d, PROXY_CALL_CANCELLED, 487);
}

/* ---- office hours and holidays ----------------------------------------- */

static void add_holiday(struct fx *fx, int64_t tid, time_t when)
{
    struct tm tm;
    char day[48];
    assert_non_null(gmtime_r(&when, &tm));
    snprintf(day, sizeof(day), "%04d-%02d-%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_HOLIDAY, tid, day,
                                    "test", fx_now(), NULL),
                     0);
}

static void office_rule_absent_on_holiday(void **state)
{
    struct fx *fx = *state;
    struct call c;
    /* open: the office-hours-only rule is first */
    assert_true(call_start_ext(fx, &c, fx->ta, "101", fx->u101, "01632960123",
                               false, 0));
    assert_int_equal(c.rt.n_hops, 1);
    assert_string_equal(c.rt.hops[0].ruri, "sip:01632960123@127.0.0.2");
    assert_int_equal(c.rt.hops[0].trunk_id, fx->prov2);
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);

    /* today is a holiday (yesterday and tomorrow too, in case the test
     * runs across midnight, UTC): the next rule carries the call */
    time_t now = time(NULL);
    add_holiday(fx, fx->ta, now - 86400);
    add_holiday(fx, fx->ta, now);
    add_holiday(fx, fx->ta, now + 86400);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    assert_true(call_start_ext(fx, &c, fx->ta, "101", fx->u101, "01632960123",
                               false, 0));
    assert_int_equal(c.rt.n_hops, 1);
    assert_string_equal(c.rt.hops[0].ruri, "sip:441632960123@127.0.0.1:5099");
    assert_int_equal(c.rt.hops[0].trunk_id, fx->prov1);
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);

    /* without that rule only the closed office's would match */
    assert_int_equal(store_outbound_rm(fx->st, fx->ta, fx->r_national), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    assert_false(call_start_ext(fx, &c, fx->ta, "101", fx->u101, "01632960123",
                                false, 0));
    assert_refused(&c, 403, "outside_office_hours", NULL);
    call_end_refused(fx, &c);

    calls_engine_drain(fx->e, fx->st);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    assert_int_equal(cd.n, 3);
    const struct store_cdr *r = cdr_find(&cd, "01632960123", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "outside_office_hours");
}

/* ---- emergency numbers ------------------------------------------------- */

static void emergency_allowed_for_standard_user(void **state)
{
    struct fx *fx = *state;
    struct call c[7];
    /* more than the call rate allows: emergency calls are never limited */
    for (size_t k = 0; k < 7; k++) {
        const char *num = k % 2 ? "112" : "999";
        assert_true(
            call_start_ext(fx, &c[k], fx->ta, "100", fx->u100, num, false, 0));
        assert_true(c[k].rt.n_hops >= 1);
        char want[64];
        snprintf(want, sizeof(want), "sip:%s@", num);
        assert_true(strncmp(c[k].rt.hops[0].ruri, want, strlen(want)) == 0);
    }
    /* no rule is for emergencies: the first rule with trunks, number kept */
    assert_string_equal(c[0].rt.hops[0].ruri, "sip:999@127.0.0.2");
    assert_int_equal(c[0].rt.hops[0].trunk_id, fx->prov2);
    for (size_t k = 0; k < 7; k++) {
        assert_true(call_hop(fx, &c[k], 0));
        call_end(fx, &c[k], PROXY_CALL_COMPLETED, 200);
    }
    calls_engine_drain(fx->e, fx->st);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    assert_int_equal(cd.n, 7);
    for (size_t k = 0; k < cd.n; k++) {
        assert_string_equal(cd.v[k].class_, "emergency");
        assert_int_equal(cd.v[k].result, STORE_CDR_ANSWERED);
        assert_string_equal(cd.v[k].trunk, "prov2");
    }
}

/* "Emergency numbers skip every check that could refuse them" (decide.c):
 * the trunk's concurrency limits included. */
static void emergency_not_refused_by_trunk_limit(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(store_list_add(fx->st, STORE_LIST_EMERGENCY, fx->tb, "112",
                                    NULL, fx_now(), NULL),
                     0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    struct call a, b, em;
    /* prov1 at its global limit of 2 */
    assert_true(call_start_ext(fx, &a, fx->ta, "101", fx->u101, "0033123456781",
                               false, 0));
    assert_true(call_hop(fx, &a, 0));
    assert_true(call_start_ext(fx, &b, fx->tb, "200", fx->u200, "0142000000",
                               false, 0));
    assert_true(call_hop(fx, &b, 0));
    /* tenant b's only rule goes over prov1 */
    assert_true(
        call_start_ext(fx, &em, fx->tb, "200", fx->u200, "112", false, 0));
    assert_int_equal(em.rt.n_hops, 1);
    assert_string_equal(em.rt.hops[0].ruri, "sip:112@127.0.0.1:5099");
    bool hop_ok = call_hop(fx, &em, 0);
    char extra[512];
    snprintf(extra, sizeof(extra), "%s", em.extra);
    call_end(fx, &em, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &a, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &b, PROXY_CALL_COMPLETED, 200);
    if (!hop_ok) {
        fail_msg("emergency call refused on its trunk: %s", extra);
    }
}

/* ---- call rate ---------------------------------------------------------- */

static void sixth_call_in_a_second_refused(void **state)
{
    struct fx *fx = *state;
    struct call c[6];
    for (size_t k = 0; k < 5; k++) {
        assert_true(call_start_ext(fx, &c[k], fx->ta, "102", fx->u102,
                                   "02071234567", false, 0));
    }
    assert_false(call_start_ext(fx, &c[5], fx->ta, "102", fx->u102,
                                "02071234567", false, 0));
    assert_refused(&c[5], 503, "call_rate",
                   "more than 5 calls in 1 s from this extension");
    assert_string_equal(c[5].ref.reason, "Service Unavailable");
    assert_non_null(strstr(c[5].extra, "Retry-After: 1\r\n"));
    /* another extension is not affected */
    struct call o;
    assert_true(call_start_ext(fx, &o, fx->ta, "101", fx->u101, "02071234567",
                               false, 0));
    call_end(fx, &o, PROXY_CALL_CANCELLED, 487);
    call_end_refused(fx, &c[5]);
    for (size_t k = 0; k < 5; k++) {
        call_end(fx, &c[k], PROXY_CALL_CANCELLED, 487);
    }
    calls_engine_drain(fx->e, fx->st);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    const struct store_cdr *r = cdr_find(&cd, "02071234567", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "call_rate");
    assert_string_equal(r->caller, "102");
    assert_int_equal(r->status, 503);
}

static void group_rate_limit_from_store(void **state)
{
    struct fx *fx = *state;
    struct store_call_limit l = { .tenant_id = fx->ta,
                                  .scope = STORE_LIMIT_GROUP,
                                  .target_id = fx->g_sales,
                                  .calls = 2,
                                  .period_s = 60 };
    assert_int_equal(store_limit_set(fx->st, &l, NULL), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    struct call c[3];
    /* internal calls count too */
    assert_true(call_start_ext(fx, &c[0], fx->ta, "101", fx->u101, "100", true,
                               fx->u100));
    assert_true(call_start_ext(fx, &c[1], fx->ta, "101", fx->u101,
                               "02071234567", false, 0));
    assert_false(call_start_ext(fx, &c[2], fx->ta, "101", fx->u101,
                                "02071234567", false, 0));
    assert_refused(&c[2], 503, "call_rate", "more than 2 calls in 60 s");
    const char *ra = strstr(c[2].extra, "Retry-After: ");
    assert_non_null(ra);
    unsigned long secs = strtoul(ra + 13, NULL, 10);
    assert_true(secs >= 1 && secs <= 60);
    /* not a member: the default 5/s */
    struct call o;
    assert_true(call_start_ext(fx, &o, fx->ta, "102", fx->u102, "02071234567",
                               false, 0));
    call_end(fx, &o, PROXY_CALL_CANCELLED, 487);
    for (size_t k = 0; k < 2; k++) {
        call_end(fx, &c[k], PROXY_CALL_CANCELLED, 487);
    }
    call_end_refused(fx, &c[2]);
}

/* ---- concurrent calls -------------------------------------------------- */

static void extension_concurrency_486(void **state)
{
    struct fx *fx = *state;
    struct call a, b, d;
    assert_true(call_start_ext(fx, &a, fx->ta, "104", fx->u104, "02071234567",
                               false, 0));
    assert_true(call_hop(fx, &a, 0));
    /* one call at once: an internal call is a call too */
    assert_false(
        call_start_ext(fx, &b, fx->ta, "104", fx->u104, "101", true, fx->u101));
    assert_refused(&b, 486, "concurrent_calls",
                   "extension is at its limit of 1 calls");
    assert_string_equal(b.ref.reason, "Busy Here");
    assert_null(strstr(b.extra, "Retry-After"));
    call_end_refused(fx, &b);
    assert_false(call_start_ext(fx, &b, fx->ta, "104", fx->u104, "02071234568",
                                false, 0));
    assert_refused(&b, 486, "concurrent_calls", NULL);
    call_end_refused(fx, &b);
    /* the first one ends: room again */
    call_end(fx, &a, PROXY_CALL_COMPLETED, 200);
    assert_true(
        call_start_ext(fx, &d, fx->ta, "104", fx->u104, "101", true, fx->u101));
    call_end(fx, &d, PROXY_CALL_COMPLETED, 200);

    calls_engine_drain(fx->e, fx->st);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    assert_int_equal(cd.n, 4);
    const struct store_cdr *r = cdr_find(&cd, "101", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "concurrent_calls");
    assert_int_equal(r->status, 486);
}

static void trunk_limits_on_hop(void **state)
{
    struct fx *fx = *state;
    struct call a1, a2, b1, b2;
    /* tenant a: 1 call on prov1 */
    assert_true(call_start_ext(fx, &a1, fx->ta, "101", fx->u101,
                               "0033123456781", false, 0));
    assert_true(call_hop(fx, &a1, 0));
    assert_true(call_start_ext(fx, &a2, fx->ta, "102", fx->u102,
                               "0033123456782", false, 0));
    assert_int_equal(a2.rt.n_hops, 2);
    assert_false(call_hop(fx, &a2, 0));
    assert_int_equal(a2.ref.status, 503);
    assert_non_null(strstr(a2.extra, "trunk prov1 is at its tenant limit of "
                                     "1 calls"));
    assert_non_null(strstr(a2.extra, "text=\"trunk_limit\""));
    assert_non_null(strstr(a2.extra, "Retry-After: 5\r\n"));
    /* failover to the next trunk */
    assert_true(call_hop(fx, &a2, 1));

    /* tenant b still has room on prov1: 2 calls in all */
    assert_true(call_start_ext(fx, &b1, fx->tb, "200", fx->u200, "0142000000",
                               false, 0));
    assert_int_equal(b1.rt.n_hops, 1);
    assert_string_equal(b1.rt.hops[0].ruri, "sip:0142000000@127.0.0.1:5099");
    assert_true(call_hop(fx, &b1, 0));
    assert_true(call_start_ext(fx, &b2, fx->tb, "200", fx->u200, "0142000001",
                               false, 0));
    assert_false(call_hop(fx, &b2, 0));
    assert_int_equal(b2.ref.status, 503);
    assert_non_null(strstr(b2.extra, "trunk prov1 is at its global limit of "
                                     "2 calls"));
    /* no other hop: the proxy answers the policy's refusal */
    call_end(fx, &b2, PROXY_CALL_REFUSED, 503);

    /* a1 ends: a has room on prov1 again */
    call_end(fx, &a1, PROXY_CALL_COMPLETED, 200);
    struct call a3;
    assert_true(call_start_ext(fx, &a3, fx->ta, "101", fx->u101,
                               "0033123456783", false, 0));
    assert_true(call_hop(fx, &a3, 0));
    call_end(fx, &a3, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &a2, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &b1, PROXY_CALL_COMPLETED, 200);

    calls_engine_drain(fx->e, fx->st);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    const struct store_cdr *r =
        cdr_find(&cd, "0033123456782", STORE_CDR_ANSWERED);
    assert_string_equal(r->trunk, "prov2");
    assert_string_equal(r->reason, "");
    r = cdr_find(&cd, "0033123456781", STORE_CDR_ANSWERED);
    assert_string_equal(r->trunk, "prov1");
    fx_cdrs(fx, fx->tb, &cd);
    assert_int_equal(cd.n, 2);
    r = cdr_find(&cd, "0142000001", STORE_CDR_REFUSED);
    assert_int_equal(r->status, 503);
    assert_string_equal(r->reason, "trunk_limit");
    r = cdr_find(&cd, "0142000000", STORE_CDR_ANSWERED);
    assert_string_equal(r->trunk, "prov1");
    assert_string_equal(r->class_, "national");
}

/* ---- toll-fraud watch -------------------------------------------------- */

static void fraud_burst_suspends(void **state)
{
    struct fx *fx = *state;
    const struct calls_stats *stt = calls_engine_stats(fx->e);
    struct call c1, c2, c3, c4, em, nat, in;
    assert_true(call_start_ext(fx, &c1, fx->ta, "103", fx->u103,
                               "0033123456781", false, 0));
    assert_int_equal(stt->fraud_warnings, 0);
    /* the second international call in the hour: a warning only */
    assert_true(call_start_ext(fx, &c2, fx->ta, "103", fx->u103,
                               "0033123456782", false, 0));
    assert_int_equal(stt->fraud_warnings, 1);
    /* the third: critical, refused and suspended */
    assert_false(call_start_ext(fx, &c3, fx->ta, "103", fx->u103,
                                "0033123456783", false, 0));
    assert_refused(&c3, 403, "suspended",
                   "toll-fraud watch: outbound calling suspended");
    assert_int_equal(stt->suspensions, 1);
    /* from now on, refused before anything else */
    assert_false(call_start_ext(fx, &c4, fx->ta, "103", fx->u103,
                                "0033123456784", false, 0));
    assert_refused(&c4, 403, "suspended",
                   "outbound calling of this extension is suspended");
    assert_false(call_start_ext(fx, &nat, fx->ta, "103", fx->u103,
                                "02071234567", false, 0));
    assert_refused(&nat, 403, "suspended", NULL);
    /* emergency calls and internal calls still go */
    assert_true(
        call_start_ext(fx, &em, fx->ta, "103", fx->u103, "999", false, 0));
    assert_true(em.rt.n_hops >= 1);
    assert_true(call_start_ext(fx, &in, fx->ta, "103", fx->u103, "100", true,
                               fx->u100));
    /* other extensions are not suspended */
    struct call o;
    assert_true(call_start_ext(fx, &o, fx->ta, "101", fx->u101, "0033123456785",
                               false, 0));
    call_end(fx, &o, PROXY_CALL_CANCELLED, 487);

    assert_true(call_hop(fx, &c1, 0));
    call_end(fx, &c1, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &c2, PROXY_CALL_CANCELLED, 487);
    call_end_refused(fx, &c3);
    call_end_refused(fx, &c4);
    call_end_refused(fx, &nat);
    call_end(fx, &em, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &in, PROXY_CALL_COMPLETED, 200);

    /* nothing is in the store before the drain */
    struct susps su = { .n = 0 };
    assert_int_equal(store_suspension_list(fx->st, fx->ta, true, susp_cb, &su),
                     0);
    assert_int_equal(su.n, 0);
    /* 1 suspension + 8 CDRs */
    assert_int_equal(calls_engine_drain(fx->e, fx->st), 9);
    assert_int_equal(store_suspension_list(fx->st, fx->ta, true, susp_cb, &su),
                     0);
    assert_int_equal(su.n, 1);
    assert_int_equal(su.v[0].user_id, fx->u103);
    assert_int_equal(su.v[0].tenant_id, fx->ta);
    assert_string_equal(su.v[0].ext, "103");
    assert_string_equal(su.v[0].reason,
                        "fraud watch: international 3 in 3600 s (critical 3)");
    assert_true(su.v[0].since > 0 && su.v[0].since <= fx_now());
    assert_int_equal(su.v[0].lifted_at, 0);

    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    assert_int_equal(cd.n, 8);
    const struct store_cdr *r =
        cdr_find(&cd, "0033123456783", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "suspended");
    assert_string_equal(r->class_, "international");
    assert_string_equal(r->country_code, "33");
    assert_string_equal(r->rule, "intl");
    assert_string_equal(r->trunk, "");
    assert_int_equal(r->status, 403);
    r = cdr_find(&cd, "0033123456784", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "suspended");
    r = cdr_find(&cd, "0033123456781", STORE_CDR_ANSWERED);
    assert_string_equal(r->trunk, "prov1");
    assert_string_equal(r->callee, "+33123456781");
    r = cdr_find(&cd, "999", STORE_CDR_ANSWERED);
    assert_string_equal(r->class_, "emergency");

    /* a reload keeps the stored suspension */
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    struct call s;
    assert_false(call_start_ext(fx, &s, fx->ta, "103", fx->u103,
                                "0033123456786", false, 0));
    assert_refused(&s, 403, "suspended", NULL);
    call_end_refused(fx, &s);

    /* the admin lifts it in the store; the reload ends it, counters too */
    assert_int_equal(store_suspension_lift(fx->st, fx->u103, fx_now()), 0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    assert_true(call_start_ext(fx, &s, fx->ta, "103", fx->u103, "0033123456787",
                               false, 0));
    assert_int_equal(s.rt.n_hops, 2);
    call_end(fx, &s, PROXY_CALL_CANCELLED, 487);
    calls_engine_drain(fx->e, fx->st);
    su.n = 0;
    assert_int_equal(store_suspension_list(fx->st, fx->ta, true, susp_cb, &su),
                     0);
    assert_int_equal(su.n, 0);
}

static void stored_suspension_restored(void **state)
{
    struct fx *fx = *state;
    /* suspended by an admin in the store before this engine existed */
    assert_int_equal(
        store_suspension_add(fx->st, fx->u101, fx_now(), "manual", NULL), 0);
    struct calls_engine *e = NULL;
    assert_int_equal(calls_engine_new(NULL, &e), 0);
    assert_int_equal(calls_engine_reload(e, fx->st), 0);
    calls_engine_free(fx->e);
    fx->e = e;
    calls_engine_policy(e, &fx->pol);

    struct call c;
    assert_false(call_start_ext(fx, &c, fx->ta, "101", fx->u101,
                                "0033123456789", false, 0));
    assert_refused(&c, 403, "suspended", NULL);
    call_end_refused(fx, &c);
    assert_true(
        call_start_ext(fx, &c, fx->ta, "101", fx->u101, "112", false, 0));
    call_end(fx, &c, PROXY_CALL_COMPLETED, 200);
    /* another user of the tenant is not */
    assert_true(call_start_ext(fx, &c, fx->ta, "102", fx->u102, "0033123456789",
                               false, 0));
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);

    assert_int_equal(store_suspension_lift(fx->st, fx->u101, fx_now()), 0);
    assert_int_equal(calls_engine_reload(e, fx->st), 0);
    assert_true(call_start_ext(fx, &c, fx->ta, "101", fx->u101, "0033123456789",
                               false, 0));
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);
    /* the reload wrote what was queued */
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    assert_int_equal(cd.n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
        T(not_ready_before_reload),
        T(internal_call_goes_to_callee),
        T(standard_user_internal_only),
        T(number_lists_apply_to_every_role),
        T(outbound_hops_strip_prepend_failover),
        T(tenant_without_profile),
        T(accept_register_trunk_hop),
        T(ipv6_trunk_hop_uri_bracketed),
        T(office_rule_absent_on_holiday),
        T(emergency_allowed_for_standard_user),
        T(emergency_not_refused_by_trunk_limit),
        T(sixth_call_in_a_second_refused),
        T(group_rate_limit_from_store),
        T(extension_concurrency_486),
        T(windowed_concurrency_limit),
        T(trunk_limits_on_hop),
        T(fraud_burst_suspends),
        T(stored_suspension_restored),
        T(tenant_fraud_threshold),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
