/* SPDX-License-Identifier: Apache-2.0 */
/* The call policy for calls from trunks (inbound rules, trunk limits,
 * CDRs) and the trunk look-ups the daemon makes before a call exists:
 * which trunk a source address is, accept-register credentials and the
 * register trunks to keep registered. */
#include "calls_fx.h"

/* ---- inbound routing --------------------------------------------------- */

static void inbound_exact_pattern_and_trunk(void **state)
{
    struct fx *fx = *state;
    struct call c;
    /* exact DID, any trunk */
    assert_true(
        call_start_trunk(fx, &c, fx->prov1, "33612345678", "442071230000"));
    assert_int_equal(c.rt.ext_user_id, fx->u100);
    assert_int_equal(c.rt.n_hops, 0);
    assert_int_equal(c.ci.tenant_id, fx->ta);
    assert_int_equal(c.ci.callee_user_id, fx->u100);
    call_end(fx, &c, PROXY_CALL_COMPLETED, 200);
    /* the same DID from prov2: its own rule (stored with '+') wins */
    assert_true(
        call_start_trunk(fx, &c, fx->prov2, "33612345678", "+442071230000"));
    assert_int_equal(c.rt.ext_user_id, fx->u101);
    call_end(fx, &c, PROXY_CALL_COMPLETED, 200);
    assert_true(
        call_start_trunk(fx, &c, fx->prov2, "33612345678", "442071230000"));
    assert_int_equal(c.rt.ext_user_id, fx->u101);
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);
    /* a pattern, any trunk */
    assert_true(
        call_start_trunk(fx, &c, fx->prov1, "33612345678", "442071239912"));
    assert_int_equal(c.rt.ext_user_id, fx->u102);
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);
    /* from prov2 its own (wider) pattern beats the any-trunk one */
    assert_true(
        call_start_trunk(fx, &c, fx->prov2, "33612345678", "442071239912"));
    assert_int_equal(c.rt.ext_user_id, fx->u103);
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);
    /* only prov2's pattern covers this one */
    assert_true(
        call_start_trunk(fx, &c, fx->prov2, "33612345678", "442071234444"));
    assert_int_equal(c.rt.ext_user_id, fx->u103);
    call_end(fx, &c, PROXY_CALL_CANCELLED, 487);
    /* tenant b's DID, bound to prov1 */
    assert_true(
        call_start_trunk(fx, &c, fx->prov1, "442079460000", "+33140000000"));
    assert_int_equal(c.rt.ext_user_id, fx->u200);
    assert_int_equal(c.ci.tenant_id, fx->tb);
    call_end(fx, &c, PROXY_CALL_COMPLETED, 200);

    assert_int_equal(calls_engine_stats(fx->e)->inbound, 7);
    assert_int_equal(calls_engine_drain(fx->e, fx->st), 7);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    assert_int_equal(cd.n, 6);
    const struct store_cdr *r =
        cdr_find(&cd, "+442071230000", STORE_CDR_ANSWERED);
    assert_string_equal(r->class_, "inbound");
    assert_string_equal(r->caller, "33612345678");
    assert_string_equal(r->callee, "101");
    assert_string_equal(r->trunk, "prov2");
    assert_string_equal(r->rule, "+442071230000");
    assert_int_equal(r->status, 200);
    /* the pattern DID twice: from prov1 and from prov2 */
    size_t n_pat = 0;
    for (size_t i = 0; i < cd.n; i++) {
        if (strcmp(cd.v[i].dialed, "442071239912") == 0) {
            n_pat++;
            assert_string_equal(cd.v[i].rule,
                                strcmp(cd.v[i].trunk, "prov1") == 0
                                    ? "4420712399XX"
                                    : "44207123XXXX");
        }
    }
    assert_int_equal(n_pat, 2);
    fx_cdrs(fx, fx->tb, &cd);
    assert_int_equal(cd.n, 1);
    assert_string_equal(cd.v[0].callee, "200");
    assert_string_equal(cd.v[0].trunk, "prov1");
}

static void inbound_refusals(void **state)
{
    struct fx *fx = *state;
    struct call c;
    /* no rule */
    assert_false(
        call_start_trunk(fx, &c, fx->prov1, "33612345678", "442079999999"));
    assert_refused(&c, 404, "no_inbound_rule",
                   "no inbound rule for this number");
    assert_string_equal(c.ref.reason, "Not Found");
    call_end_refused(fx, &c);
    /* tenant b's DID is bound to prov1 */
    assert_false(
        call_start_trunk(fx, &c, fx->prov2, "33612345678", "33140000000"));
    assert_refused(&c, 404, "no_inbound_rule", NULL);
    call_end_refused(fx, &c);
    /* the rule's extension does not exist */
    assert_false(
        call_start_trunk(fx, &c, fx->prov1, "33612345678", "442071230001"));
    assert_refused(&c, 404, "no_inbound_rule", "extension does not exist");
    call_end_refused(fx, &c);
    /* a trunk the snapshot does not know */
    assert_false(call_start_trunk(fx, &c, 9999, "33612345678", "442071230000"));
    assert_refused(&c, 404, "no_inbound_rule", NULL);
    call_end_refused(fx, &c);

    assert_int_equal(calls_engine_drain(fx->e, fx->st), 4);
    struct cdrs cd;
    fx_cdrs(fx, 0, &cd);
    assert_int_equal(cd.n, 4);
    const struct store_cdr *r =
        cdr_find(&cd, "442079999999", STORE_CDR_REFUSED);
    assert_string_equal(r->reason, "no_inbound_rule");
    assert_string_equal(r->class_, "inbound");
    assert_string_equal(r->trunk, "prov1");
    assert_int_equal(r->status, 404);
    assert_int_equal(r->tenant_id, 0);
}

static void inbound_trunk_limit(void **state)
{
    struct fx *fx = *state;
    struct call a, b, o;
    /* tenant a may have 1 call on prov1 */
    assert_true(
        call_start_trunk(fx, &a, fx->prov1, "33612345678", "442071230000"));
    assert_false(
        call_start_trunk(fx, &b, fx->prov1, "33612345679", "442071230000"));
    assert_refused(&b, 503, "trunk_limit", "trunk prov1 is at its call limit");
    assert_non_null(strstr(b.extra, "Retry-After: 5\r\n"));
    call_end_refused(fx, &b);
    /* tenant b on the same trunk: 2 in all */
    assert_true(
        call_start_trunk(fx, &o, fx->prov1, "33612345679", "33140000000"));
    /* the trunk is full for everybody now, an outbound call included */
    struct call out;
    assert_true(call_start_ext(fx, &out, fx->tb, "200", fx->u200, "0142000000",
                               false, 0));
    assert_false(call_hop(fx, &out, 0));
    assert_non_null(strstr(out.extra, "global limit of 2 calls"));
    call_end(fx, &out, PROXY_CALL_REFUSED, 503);
    /* the trunk's limits are free again once the calls end */
    call_end(fx, &a, PROXY_CALL_COMPLETED, 200);
    call_end(fx, &o, PROXY_CALL_COMPLETED, 200);
    assert_true(
        call_start_trunk(fx, &b, fx->prov1, "33612345679", "442071230000"));
    call_end(fx, &b, PROXY_CALL_COMPLETED, 200);

    calls_engine_drain(fx->e, fx->st);
    struct cdrs cd;
    fx_cdrs(fx, 0, &cd);
    assert_int_equal(cd.n, 5);
    size_t refused = 0;
    for (size_t i = 0; i < cd.n; i++) {
        if (cd.v[i].result == STORE_CDR_REFUSED) {
            refused++;
            assert_string_equal(cd.v[i].reason, "trunk_limit");
            assert_int_equal(cd.v[i].status, 503);
            assert_true(cd.v[i].tenant_id == fx->ta
                        || cd.v[i].tenant_id == fx->tb);
        }
    }
    assert_int_equal(refused, 2);
}

/* ---- trunk look-ups ---------------------------------------------------- */

static int64_t trunk_of(struct fx *fx, const char *ip)
{
    struct net_addr a;
    assert_int_equal(net_addr_parse(ip, 5060, &a), 0);
    return calls_engine_trunk_of(fx->e, &a);
}

static void trunk_of_sources(void **state)
{
    struct fx *fx = *state;
    /* ip trunk with networks */
    assert_int_equal(trunk_of(fx, "10.1.2.3"), fx->prov1);
    assert_int_equal(trunk_of(fx, "10.1.255.254"), fx->prov1);
    assert_int_equal(trunk_of(fx, "2001:db8::5"), fx->prov1);
    assert_int_equal(trunk_of(fx, "10.2.0.1"), 0);
    /* its host is not one of its networks */
    assert_int_equal(trunk_of(fx, "127.0.0.1"), 0);
    /* ip trunk without networks: its host */
    assert_int_equal(trunk_of(fx, "127.0.0.2"), fx->prov2);
    /* register trunk: the provider's address */
    assert_int_equal(trunk_of(fx, "127.0.0.3"), fx->regt);
    /* the same sources as a dual-stack socket reports them */
    assert_int_equal(trunk_of(fx, "::ffff:10.1.2.3"), fx->prov1);
    assert_int_equal(trunk_of(fx, "::ffff:127.0.0.2"), fx->prov2);
    assert_int_equal(trunk_of(fx, "::ffff:127.0.0.3"), fx->regt);
    /* anything else */
    assert_int_equal(trunk_of(fx, "203.0.113.1"), 0);
    assert_int_equal(trunk_of(fx, "2001:db9::1"), 0);
}

static void gateway_credentials(void **state)
{
    struct fx *fx = *state;
    int64_t tid = 0;
    char md5[65], sha[65];
    assert_int_equal(calls_engine_gateway_creds(fx->e, sv_cstr("a.example"),
                                                sv_cstr("gw1"), &tid, md5, sha),
                     0);
    assert_int_equal(tid, fx->gw);
    /* MD5 / SHA-256 of "gw1:a.example:GwPass-123" */
    assert_string_equal(md5, "19b529e6438f5d220d144d4e17d5b007");
    assert_string_equal(sha, "a6d61a6d4c48619ba21bffc39c6c0343"
                             "e332061bc47991bc98904b6a2be836b0");
    /* the realm is a domain: any case */
    tid = 0;
    assert_int_equal(calls_engine_gateway_creds(fx->e, sv_cstr("A.Example"),
                                                sv_cstr("gw1"), &tid, md5, sha),
                     0);
    assert_int_equal(tid, fx->gw);
    /* the user is not */
    assert_int_equal(calls_engine_gateway_creds(fx->e, sv_cstr("a.example"),
                                                sv_cstr("GW1"), &tid, md5, sha),
                     -ENOENT);
    assert_int_equal(calls_engine_gateway_creds(fx->e, sv_cstr("b.example"),
                                                sv_cstr("gw1"), &tid, md5, sha),
                     -ENOENT);
    /* a register trunk's credentials are ours to send, never accepted */
    assert_int_equal(
        calls_engine_gateway_creds(fx->e, sv_cstr("sip.provider.test"),
                                   sv_cstr("acct"), &tid, md5, sha),
        -ENOENT);
    /* an accept-register trunk without a password accepts nobody */
    assert_int_equal(fx_trunk(fx, "gw-nopw", STORE_TRUNK_ACCEPT_REGISTER, "", 0,
                              "", 0, "gw2", "a.example", NULL, NULL),
                     0);
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    assert_int_equal(calls_engine_gateway_creds(fx->e, sv_cstr("a.example"),
                                                sv_cstr("gw2"), &tid, md5, sha),
                     -ENOENT);
}

static void register_trunks_listed(void **state)
{
    struct fx *fx = *state;
    struct calls_reg_trunk rt[4];
    memset(rt, 0, sizeof(rt));
    assert_int_equal(calls_engine_reg_trunks(fx->e, NULL, 0), 1);
    assert_int_equal(calls_engine_reg_trunks(fx->e, rt, 4), 1);
    assert_int_equal(rt[0].id, fx->regt);
    assert_string_equal(rt[0].name, "regt");
    assert_string_equal(rt[0].host, "127.0.0.3");
    assert_int_equal(rt[0].port, 5070);
    assert_string_equal(rt[0].user, "acct");
    assert_string_equal(rt[0].realm, "sip.provider.test");
    assert_int_equal(rt[0].expires_s, 3600);
    char ab[80];
    assert_string_equal(net_addr_fmt(&rt[0].server, ab, sizeof(ab)),
                        "127.0.0.3:5070");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
        T(inbound_exact_pattern_and_trunk),
        T(inbound_refusals),
        T(inbound_trunk_limit),
        T(trunk_of_sources),
        T(gateway_credentials),
        T(register_trunks_listed),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
