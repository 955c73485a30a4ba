/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sec/shield.h"
#include "sec_test_addr.h"

#define T0 5000000u

struct hooks_log {
    int bans;
    int unbans;
    struct sec_ban last;
    char cause[16];
};

static void on_ban(void *ud, const struct sec_ban *b)
{
    struct hooks_log *h = ud;
    h->bans++;
    h->last = *b;
}

static void on_unban(void *ud, const struct sec_ban *b, const char *cause)
{
    struct hooks_log *h = ud;
    h->unbans++;
    h->last = *b;
    snprintf(h->cause, sizeof(h->cause), "%s", cause);
}

struct fx {
    struct sec_shield *sh;
    struct sec_shield_view view;
    struct hooks_log log;
    struct sec_settings set;
    struct sec_acl_entry acl[4];
    size_t n_acl;
};

static int setup(void **state)
{
    static struct fx f;
    memset(&f, 0, sizeof(f));
    struct net_addr own = test_v4(0x7f000001);
    struct sec_net own_net;
    if (sec_net_from_addr(&own, 32, &own_net) != 0) {
        return -1;
    }
    const struct sec_shield_hooks hooks = { on_ban, on_unban, &f.log };
    if (sec_shield_new(&own_net, 1, &hooks, &f.sh) != 0) {
        return -1;
    }
    sec_settings_defaults(&f.set);
    f.set.source_table_size = 10000;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sec_shield_view_fini(&f->view);
    sec_shield_free(f->sh);
    return 0;
}

static void add_acl(struct fx *f, const char *net, enum sec_acl_action act)
{
    struct sec_net n;
    assert_int_equal(sec_net_parse(sv_cstr(net), 0, &n, NULL, NULL, 0), 0);
    assert_int_equal(sec_acl_entry_set(&f->acl[f->n_acl], &n, act,
                                       (int64_t)f->n_acl + 1, SV_NULL),
                     0);
    f->n_acl++;
}

static void configure(struct fx *f)
{
    const struct sv ua[] = { SV_LIT("friendly-scanner"), SV_LIT("sipvicious") };
    const struct sec_shield_input in = {
        .set = &f->set,
        .acl = f->acl,
        .n_acl = f->n_acl,
        .ua = ua,
        .n_ua = 2,
    };
    char err[256];
    assert_int_equal(
        sec_shield_configure(f->sh, &in, T0, err, sizeof(err), NULL, 0), 0);
}

static enum sec_drop packet(struct fx *f, const struct net_addr *a,
                            uint64_t now, struct sec_pkt *p)
{
    static const char raw[] = "OPTIONS sip:x SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
                              "From: <sip:probe@x>;tag=1\r\n"
                              "To: <sip:x>\r\n"
                              "Call-ID: c1\r\n"
                              "CSeq: 1 OPTIONS\r\n"
                              "User-Agent: probe/1\r\n"
                              "Content-Length: 0\r\n\r\n";
    return sec_shield_packet(f->sh, &f->view, a, SV_LIT(raw), now, p);
}

static void test_unconfigured_passes(void **state)
{
    struct fx *f = *state;
    struct net_addr a = test_v4(0x0a000001);
    struct sec_pkt p;
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(packet(f, &a, T0, &p), SEC_DROP_NONE);
    }
}

static void test_level1_then_banned(void **state)
{
    struct fx *f = *state;
    f->set.det.l1_pps = 50;
    configure(f);
    struct net_addr a = test_v4(0x7f000002);
    struct sec_pkt p;
    int passed = 0;
    for (int i = 0; i < 200; i++) {
        if (packet(f, &a, T0 + 10, &p) == SEC_DROP_NONE) {
            passed++;
        }
    }
    assert_int_equal(passed, 50);
    assert_int_equal(f->log.bans, 1);
    assert_int_equal(f->log.last.reason, SEC_REASON_L1_RATE);
    assert_int_equal(f->log.last.threshold, 50);
    assert_string_equal(f->log.last.sample.method, "OPTIONS");
    assert_string_equal(f->log.last.sample.ruri, "sip:x");
    assert_string_equal(f->log.last.sample.from_user, "probe");
    assert_string_equal(f->log.last.sample.ua, "probe/1");
    assert_int_equal(f->log.last.expires_at - f->log.last.created_at,
                     f->set.det.l1_ban_s);
    /* The packet that crossed the limit is a flood drop; every later one
     * meets the ban itself, before the rate is even counted. */
    const struct sec_shield_stats *st = sec_shield_stats(f->sh);
    assert_int_equal(st->drops[SEC_DROP_FLOOD], 1);
    assert_int_equal(st->drops[SEC_DROP_BAN], 149);
    assert_int_equal(packet(f, &a, T0 + 5000, &p), SEC_DROP_BAN);
    assert_int_equal(st->drops[SEC_DROP_BAN], 150);

    /* Lifting it lets the source in again and tells the hooks. */
    struct sec_net n = f->log.last.net;
    assert_int_equal(sec_shield_lift(f->sh, &n), 0);
    assert_int_equal(f->log.unbans, 1);
    assert_string_equal(f->log.cause, "lifted");
    assert_int_equal(packet(f, &a, T0 + 6000, &p), SEC_DROP_NONE);
    assert_int_equal(sec_shield_lift(f->sh, &n), -ENOENT);
}

/* A flood that goes on under a Level 1 ban reaches Level 2: the ban is
 * lengthened to the Level 2 time. */
static void test_level2_escalates(void **state)
{
    struct fx *f = *state;
    f->set.det.l1_pps = 50;
    f->set.det.l2_pps = 200;
    configure(f);
    struct net_addr a = test_v4(0x7f00000a);
    struct sec_pkt p;
    for (int i = 0; i < 100; i++) {
        packet(f, &a, T0 + 10, &p);
    }
    assert_int_equal(f->log.bans, 1);
    assert_int_equal(f->log.last.reason, SEC_REASON_L1_RATE);
    for (int i = 0; i < 300; i++) {
        assert_int_equal(packet(f, &a, T0 + 20, &p), SEC_DROP_BAN);
    }
    assert_int_equal(f->log.bans, 2);
    assert_int_equal(f->log.last.reason, SEC_REASON_L2_RATE);
    assert_int_equal(f->log.last.expires_at - f->log.last.created_at,
                     f->set.det.l2_ban_s);
    struct sec_ban b;
    assert_int_equal(
        sec_bantable_get(sec_shield_bans(f->sh), &f->log.last.net, &b), 0);
    assert_int_equal(b.reason, SEC_REASON_L2_RATE);
}

/* Several offenders of one IPv6 /64 turn the ban into a /64 ban that also
 * covers addresses of it that never offended. */
static void test_v6_offenders_escalate_to_64(void **state)
{
    struct fx *f = *state;
    f->set.det.l1_pps = 20;
    configure(f);
    struct sec_pkt p;
    for (uint64_t host = 1; host <= f->set.det.v6_escalate_after; host++) {
        struct net_addr a = test_v6(0x20010db8000a000bull, host);
        for (int i = 0; i < 40; i++) {
            packet(f, &a, T0 + 10, &p);
        }
    }
    assert_int_equal(f->log.last.net.family, AF_INET6);
    assert_int_equal(f->log.last.net.prefix, 64);
    struct net_addr quiet = test_v6(0x20010db8000a000bull, 0xbeef);
    struct net_addr other = test_v6(0x20010db8000a000cull, 1);
    assert_int_equal(packet(f, &quiet, T0 + 20, &p), SEC_DROP_BAN);
    assert_int_equal(packet(f, &other, T0 + 20, &p), SEC_DROP_NONE);
}

/* sipXcom-style rate rules: REGISTER 3 per minute, burst 3, for a home
 * user range; other methods and other networks are not limited, and
 * enough refusals ban. */
static void test_method_rate_rules(void **state)
{
    struct fx *f = *state;
    f->set.det.method_refused_ban = 5;
    struct sec_shield_rate rate;
    memset(&rate, 0, sizeof(rate));
    assert_int_equal(
        sec_net_parse(SV_LIT("198.51.100.0/24"), 0, &rate.net, NULL, NULL, 0),
        0);
    snprintf(rate.method, sizeof(rate.method), "REGISTER");
    rate.rate = 3;
    rate.period_s = 60;
    rate.burst = 3;
    const struct sec_shield_input in = { .set = &f->set,
                                         .rates = &rate,
                                         .n_rates = 1 };
    assert_int_equal(sec_shield_configure(f->sh, &in, T0, NULL, 0, NULL, 0), 0);
    struct net_addr home = test_v4(0xc6336405);
    struct net_addr office = test_v4(0xcb007105);
    const struct sec_req_info reg = { .method = SV_LIT("REGISTER"),
                                      .has_ua = true,
                                      .ua = SV_LIT("phone") };
    const struct sec_req_info opt = { .method = SV_LIT("OPTIONS"),
                                      .has_ua = true,
                                      .ua = SV_LIT("phone") };
    struct sec_pkt p;
    uint64_t now = T0;
    for (int i = 0; i < 3; i++) {
        now += 100;
        assert_int_equal(packet(f, &home, now, &p), SEC_DROP_NONE);
        assert_int_equal(sec_shield_request(f->sh, &p, &reg), SEC_DROP_NONE);
    }
    now += 100;
    assert_int_equal(packet(f, &home, now, &p), SEC_DROP_NONE);
    assert_int_equal(sec_shield_request(f->sh, &p, &reg), SEC_DROP_METHOD);
    assert_int_equal(sec_shield_request(f->sh, &p, &opt), SEC_DROP_NONE);
    for (int i = 0; i < 10; i++) {
        now += 100;
        assert_int_equal(packet(f, &office, now, &p), SEC_DROP_NONE);
        assert_int_equal(sec_shield_request(f->sh, &p, &reg), SEC_DROP_NONE);
    }
    for (int i = 0; i < 10 && f->log.bans == 0; i++) {
        now += 100;
        if (packet(f, &home, now, &p) == SEC_DROP_NONE) {
            sec_shield_request(f->sh, &p, &reg);
        }
    }
    assert_int_equal(f->log.bans, 1);
    assert_int_equal(f->log.last.reason, SEC_REASON_METHOD_RATE);
    assert_int_equal(f->log.last.expires_at - f->log.last.created_at,
                     f->set.det.method_ban_s);
}

static void test_own_address_never_banned(void **state)
{
    struct fx *f = *state;
    f->set.det.l1_pps = 20;
    configure(f);
    struct net_addr own = test_v4(0x7f000001);
    struct sec_pkt p;
    for (int i = 0; i < 100; i++) {
        packet(f, &own, T0 + 10, &p);
    }
    assert_int_equal(f->log.bans, 0);
    assert_int_equal(sec_bantable_count(sec_shield_bans(f->sh)), 0);
    /* Trusted: far above Level 1 it still passes. */
    assert_int_equal(packet(f, &own, T0 + 10, &p), SEC_DROP_NONE);
    assert_true(p.flags & SEC_DETECT_TRUSTED);
}

static void test_lists(void **state)
{
    struct fx *f = *state;
    f->set.det.trusted_pps = 100;
    f->set.det.l1_pps = 20;
    add_acl(f, "10.0.0.7", SEC_ACL_ALLOW);
    add_acl(f, "41.202.0.0 255.255.0.0", SEC_ACL_BLOCK);
    configure(f);
    struct net_addr trunk = test_v4(0x0a000007);
    struct net_addr blocked = test_v4(0x29ca0505);
    struct sec_pkt p;

    assert_int_equal(packet(f, &blocked, T0, &p), SEC_DROP_ACL);

    /* Trusted: far above Level 1, limited to about trusted_pps when it
     * stays above it (3 s at 300/s against 100/s), never banned, not even
     * for failed credentials. */
    int passed = 0;
    for (int i = 0; i < 900; i++) {
        if (packet(f, &trunk, T0 + 10 + (uint64_t)i * 10 / 3, &p)
            == SEC_DROP_NONE) {
            passed++;
        }
    }
    assert_true(passed >= 250 && passed <= 400);
    assert_int_equal(f->log.bans, 0);
    assert_int_equal(packet(f, &trunk, T0 + 6000, &p), SEC_DROP_NONE);
    assert_true(p.flags & SEC_DETECT_TRUSTED);
    const struct sec_req_info req = { .method = SV_LIT("REGISTER"),
                                      .has_ua = true,
                                      .ua = SV_LIT("friendly-scanner") };
    assert_int_equal(sec_shield_request(f->sh, &p, &req), SEC_DROP_NONE);
    for (int i = 0; i < 200; i++) {
        char user[16];
        snprintf(user, sizeof(user), "u%d", i);
        assert_int_not_equal(sec_shield_auth(f->sh, &p, &req, sv_cstr(user),
                                             SV_LIT("example.com"),
                                             SEC_AUTH_FAILED),
                             SEC_GATE_DROP);
    }
    assert_int_equal(f->log.bans, 0);
}

static void test_user_agent_ban_sample(void **state)
{
    struct fx *f = *state;
    configure(f);
    struct net_addr a = test_v4(0x7f000009);
    struct sec_pkt p;
    assert_int_equal(packet(f, &a, T0, &p), SEC_DROP_NONE);
    const struct sec_req_info req = {
        .method = SV_LIT("OPTIONS"),
        .ruri = SV_LIT("sip:100@127.0.0.1"),
        .from_user = SV_LIT("sipvicious"),
        .has_ua = true,
        .ua = SV_LIT("Friendly-Scanner 0.3"),
    };
    assert_int_equal(sec_shield_request(f->sh, &p, &req), SEC_DROP_UA);
    assert_int_equal(f->log.bans, 1);
    assert_int_equal(f->log.last.reason, SEC_REASON_UA_BLACKLIST);
    assert_string_equal(f->log.last.sample.ua, "Friendly-Scanner 0.3");
    assert_string_equal(f->log.last.sample.from_user, "sipvicious");
    assert_string_equal(f->log.last.sample.ruri, "sip:100@127.0.0.1");
    assert_int_equal(packet(f, &a, T0 + 10, &p), SEC_DROP_BAN);
}

/* Twenty phones behind one address, one with a wrong password: that one
 * is refused, the address is not banned, the others carry on. */
static void test_nat_office(void **state)
{
    struct fx *f = *state;
    configure(f);
    struct net_addr nat = test_v4(0x7f000005);
    struct sec_pkt p;
    const struct sec_req_info req = { .method = SV_LIT("REGISTER"),
                                      .has_ua = true,
                                      .ua = SV_LIT("Yealink") };
    uint64_t now = T0;
    int forbidden = 0;
    for (int round = 0; round < 30; round++) {
        for (int i = 0; i < 20; i++) {
            char user[16];
            snprintf(user, sizeof(user), "%d", 100 + i);
            now += 50;
            assert_int_equal(packet(f, &nat, now, &p), SEC_DROP_NONE);
            assert_int_equal(sec_shield_auth(f->sh, &p, &req, sv_cstr(user),
                                             SV_LIT("office.example"),
                                             SEC_AUTH_OK),
                             SEC_GATE_PASS);
        }
        now += 50;
        assert_int_equal(packet(f, &nat, now, &p), SEC_DROP_NONE);
        enum sec_gate g =
            sec_shield_auth(f->sh, &p, &req, SV_LIT("199"),
                            SV_LIT("office.example"), SEC_AUTH_FAILED);
        assert_int_not_equal(g, SEC_GATE_DROP);
        if (g == SEC_GATE_FORBID) {
            forbidden++;
        }
    }
    assert_true(forbidden >= 20);
    assert_int_equal(f->log.bans, 0);
}

/* Many distinct usernames failing from one address ban it. */
static void test_many_users_ban(void **state)
{
    struct fx *f = *state;
    configure(f);
    struct net_addr a = test_v4(0x7f000006);
    struct sec_pkt p;
    const struct sec_req_info req = { .method = SV_LIT("REGISTER"),
                                      .has_ua = true,
                                      .ua = SV_LIT("x") };
    enum sec_gate g = SEC_GATE_PASS;
    int i = 0;
    for (; i < 100 && g != SEC_GATE_DROP; i++) {
        char user[16];
        snprintf(user, sizeof(user), "%d", 100 + i);
        assert_int_equal(packet(f, &a, T0 + (uint64_t)i * 100, &p),
                         SEC_DROP_NONE);
        g = sec_shield_auth(f->sh, &p, &req, sv_cstr(user), SV_LIT("t"),
                            SEC_AUTH_FAILED);
    }
    assert_int_equal(g, SEC_GATE_DROP);
    assert_int_equal(i, (int)f->set.det.many_users_ban);
    assert_int_equal(f->log.last.reason, SEC_REASON_MANY_USERS);
}

static void test_unanswered_challenges(void **state)
{
    struct fx *f = *state;
    f->set.det.challenge_fail_ban = 5;
    f->set.det.challenge_grace_s = 1;
    configure(f);
    struct net_addr a = test_v4(0x7f000002);
    struct sec_pkt p;
    const struct sec_req_info req = { .method = SV_LIT("INVITE"),
                                      .has_ua = true,
                                      .ua = SV_LIT("x") };
    uint64_t now = T0;
    for (int i = 0; i < 40 && f->log.bans == 0; i++) {
        now += 500;
        if (packet(f, &a, now, &p) == SEC_DROP_NONE) {
            sec_shield_challenge(f->sh, &p, &req);
        }
    }
    assert_int_equal(f->log.bans, 1);
    assert_int_equal(f->log.last.reason, SEC_REASON_CHALLENGE_FAILURES);
    assert_string_equal(f->log.last.sample.method, "INVITE");

    /* Challenges that are answered never add up. */
    struct net_addr b = test_v4(0x7f000003);
    for (int i = 0; i < 200; i++) {
        now += 500;
        assert_int_equal(packet(f, &b, now, &p), SEC_DROP_NONE);
        sec_shield_challenge(f->sh, &p, &req);
        assert_int_equal(sec_shield_auth(f->sh, &p, &req, SV_LIT("100"),
                                         SV_LIT("t"), SEC_AUTH_OK),
                         SEC_GATE_PASS);
    }
    assert_int_equal(f->log.bans, 1);
}

static void test_expiry(void **state)
{
    struct fx *f = *state;
    f->set.det.l1_pps = 10;
    f->set.det.l1_ban_s = 30;
    configure(f);
    struct net_addr a = test_v4(0x7f000004);
    struct sec_pkt p;
    for (int i = 0; i < 20; i++) {
        packet(f, &a, T0, &p);
    }
    assert_int_equal(f->log.bans, 1);
    int64_t exp = f->log.last.expires_at;
    assert_int_equal(sec_shield_expire(f->sh, exp - 1), 0);
    assert_int_equal(sec_shield_expire(f->sh, exp), 1);
    assert_int_equal(f->log.unbans, 1);
    assert_string_equal(f->log.cause, "expired");
}

static void test_restore_and_bad_config(void **state)
{
    struct fx *f = *state;
    configure(f);
    struct sec_ban b;
    memset(&b, 0, sizeof(b));
    struct net_addr a = test_v4(0xc6336401);
    assert_int_equal(sec_net_from_addr(&a, 32, &b.net), 0);
    b.created_at = (int64_t)time(NULL);
    b.expires_at = b.created_at + 600;
    assert_int_equal(sec_shield_restore(f->sh, &b), SEC_BAN_NEW);
    assert_int_equal(f->log.bans, 0);
    struct sec_pkt p;
    assert_int_equal(packet(f, &a, T0, &p), SEC_DROP_BAN);

    /* A refused configuration leaves the one in force. */
    struct sec_settings bad = f->set;
    bad.det.period_s = 0;
    const struct sec_shield_input in = { .set = &bad };
    char err[256];
    assert_int_equal(
        sec_shield_configure(f->sh, &in, T0, err, sizeof(err), NULL, 0),
        -EINVAL);
    assert_true(strlen(err) > 0);
    assert_int_equal(packet(f, &a, T0, &p), SEC_DROP_BAN);
}

/* One million distinct sources: the per-source table stays at its bound
 * and a reload with the same size keeps it (and its counters). */
static void test_million_sources_bounded(void **state)
{
    struct fx *f = *state;
    f->set.source_table_size = 100000;
    configure(f);
    struct sec_pkt p;
    for (uint32_t i = 0; i < 1000000; i++) {
        struct net_addr a = test_v4(0x0a000000u + i);
        packet(f, &a, T0 + i / 1000, &p);
    }
    struct sec_srctable_stats st;
    sec_shield_table_stats(f->sh, &st);
    assert_true(st.n_entries <= 100000);
    assert_int_equal(st.cap, 100000);
    assert_int_equal(st.mem_bytes, sec_srctable_mem_bound(100000));
    assert_true(st.evictions >= 900000);
    configure(f);
    struct sec_srctable_stats st2;
    sec_shield_table_stats(f->sh, &st2);
    assert_int_equal(st2.inserts, st.inserts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unconfigured_passes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_level1_then_banned, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_level2_escalates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v6_offenders_escalate_to_64, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_method_rate_rules, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_own_address_never_banned, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_agent_ban_sample, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nat_office, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_users_ban, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unanswered_challenges, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_and_bad_config, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_million_sources_bounded, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
