/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/sv.h"
#include "fake_clock.h"
#include "sec/detect.h"
#include "sec/ratelimit.h"
#include "sec/srctable.h"
#include "sec_test_addr.h"

#define T0     7000000u
#define TENANT SV_LIT("office.example.com")

struct fixture {
    struct sw_clock clk;
    struct sec_srctable *t;
    struct sec_detect *d;
    struct sec_detect_cfg cfg;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    fake_clock_init(&f.clk, T0, 1700000000);
    sec_detect_cfg_defaults(&f.cfg);
    if (sec_srctable_new(10000, T0, &f.t) != 0
        || sec_detect_new(&f.cfg, f.t, &f.d) != 0) {
        return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sec_detect_free(f->d);
    sec_srctable_free(f->t);
    return 0;
}

static uint64_t now(struct fixture *f)
{
    return clock_mono_ms(&f->clk);
}

static struct sv user_name(int i, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%d", 100 + i);
    return sv_make(buf, (size_t)n);
}

/* One authentication attempt of user 100+i from 'a'. */
static enum sec_verdict auth(struct fixture *f, const struct net_addr *a,
                             int user, enum sec_auth res,
                             struct sec_decision *out)
{
    char buf[16];
    return sec_detect_auth(f->d, a, user_name(user, buf, sizeof(buf)), TENANT,
                           res, 0, now(f), out);
}

static enum sec_verdict request(struct fixture *f, const struct net_addr *a,
                                unsigned flags, const char *method,
                                enum sec_req_ua ua,
                                const struct sec_ratelimit *rl,
                                struct sec_decision *out)
{
    struct sec_req req = {
        .method = sv_cstr(method), .ua = ua, .rl = rl, .rl_net = rl ? 1 : 0
    };
    return sec_detect_request(f->d, a, flags, &req, now(f), out);
}

/* ---- settings ------------------------------------------------------------ */

static void defaults_follow_the_references(void **state)
{
    (void)state;
    struct sec_detect_cfg c;
    sec_detect_cfg_defaults(&c);
    assert_int_equal(c.period_s, 60);
    assert_int_equal(c.auth_fail_ban, 50);
    assert_int_equal(c.sip_ban_s, 3600);
    assert_int_equal(c.l1_pps, 500);
    assert_int_equal(c.l2_pps, 2000);
    assert_int_equal(c.challenge_fail_ban, 20);
    assert_int_equal(c.v6_escalate_after, 3);
    assert_int_equal(sec_detect_cfg_check(&c), 0);

    struct sec_detect_cfg bad = c;
    bad.period_s = 0;
    assert_int_equal(sec_detect_cfg_check(&bad), -EINVAL);
    bad = c;
    bad.period_s = 3601;
    assert_int_equal(sec_detect_cfg_check(&bad), -EINVAL);
    bad = c;
    bad.ua_score_ban = 256;
    assert_int_equal(sec_detect_cfg_check(&bad), -EINVAL);
    bad = c;
    bad.v6_escalate_after = 9;
    assert_int_equal(sec_detect_cfg_check(&bad), -EINVAL);
    bad = c;
    bad.l2_pps = 65535;
    assert_int_equal(sec_detect_cfg_check(&bad), -EINVAL);
    bad = c;
    bad.challenge_grace_s = 0;
    assert_int_equal(sec_detect_cfg_check(&bad), -EINVAL);
    struct sec_srctable *t;
    struct sec_detect *d = NULL;
    assert_int_equal(sec_srctable_new(100, T0, &t), 0);
    assert_int_equal(sec_detect_new(&bad, t, &d), -EINVAL);
    assert_null(d);
    sec_srctable_free(t);

    assert_string_equal(sec_reason_name(SEC_REASON_AUTH_FAILURES),
                        "auth_failures");
    assert_string_equal(sec_reason_name(SEC_REASON_COUNT), "?");
    assert_string_equal(sec_verdict_name(SEC_USER_BLOCKED), "user_blocked");
}

/* ---- failed authentication ---------------------------------------------- */

static void fifty_failures_across_users_ban(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0xcb007109);
    struct sec_decision dec;
    uint64_t start = now(f);
    /* Five usernames in turn, one failure every 500 ms. */
    for (int k = 1; k <= 49; k++) {
        enum sec_verdict v = auth(f, &a, k % 5, SEC_AUTH_FAILED, &dec);
        /* Each user's 10th failure (failures 46..49) blocks that user. */
        assert_int_equal(v, k < 46 ? SEC_OK : SEC_USER_BLOCKED);
        fake_clock_advance_ms(&f->clk, 500);
    }
    assert_int_equal(auth(f, &a, 0, SEC_AUTH_FAILED, &dec), SEC_BAN);
    assert_int_equal(dec.verdict, SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_AUTH_FAILURES);
    assert_int_equal(dec.threshold, 50);
    assert_int_equal(dec.count, 50);
    assert_int_equal(dec.window_ms, 60000);
    assert_int_equal(dec.window_start_ms, start);
    assert_int_equal(dec.ban_s, 3600);
    assert_int_equal(dec.prefix_len, 32);
    assert_int_equal(dec.first_seen_ms, start);
    assert_int_equal(dec.last_seen_ms, start + 24000);
    /* From now on the address is banned, whatever it sends. */
    assert_int_equal(auth(f, &a, 7, SEC_AUTH_OK, &dec), SEC_BANNED);
    assert_int_equal(dec.reason, SEC_REASON_AUTH_FAILURES);
    assert_int_equal(dec.ban_s, 3600);
    assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec), SEC_BANNED);
    fake_clock_advance_ms(&f->clk, 3599000);
    assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec), SEC_BANNED);
    assert_int_equal(dec.ban_s, 1);
    fake_clock_advance_ms(&f->clk, 1000);
    assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec), SEC_OK);
}

static void office_nat_one_bad_phone(void **state)
{
    struct fixture *f = *state;
    struct net_addr office = test_v4(0xc6336463);
    struct sec_decision dec;
    /* Twenty phones boot: challenged, then registered (one is wrong). */
    for (int p = 1; p < 20; p++) {
        assert_int_equal(sec_detect_challenge(f->d, &office, 0, now(f), &dec),
                         SEC_OK);
        assert_int_equal(auth(f, &office, p, SEC_AUTH_OK, &dec), SEC_OK);
    }
    /* Phone 0 keeps trying its wrong password, 200 times in 20 s, while
     * the others keep registering. */
    for (int k = 1; k <= 200; k++) {
        assert_int_equal(sec_detect_challenge(f->d, &office, 0, now(f), &dec),
                         SEC_OK);
        enum sec_verdict v = auth(f, &office, 0, SEC_AUTH_FAILED, &dec);
        if (k < 10) {
            assert_int_equal(v, SEC_OK);
        } else {
            assert_int_equal(v, SEC_USER_BLOCKED);
            assert_int_equal(dec.reason, SEC_REASON_USER_FAILURES);
            assert_int_equal(dec.threshold, 10);
            assert_int_equal(dec.count, k);
        }
        if (k % 10 == 0) {
            int p = 1 + (k / 10) % 19;
            assert_int_equal(
                sec_detect_challenge(f->d, &office, 0, now(f), &dec), SEC_OK);
            assert_int_equal(auth(f, &office, p, SEC_AUTH_OK, &dec), SEC_OK);
        }
        fake_clock_advance_ms(&f->clk, 100);
    }
    /* The office is not banned: packets and the 19 other phones pass. */
    assert_int_equal(sec_detect_packet(f->d, &office, 0, now(f), &dec), SEC_OK);
    for (int p = 1; p < 20; p++) {
        assert_int_equal(auth(f, &office, p, SEC_AUTH_OK, &dec), SEC_OK);
    }
    struct sec_src_view v;
    assert_int_equal(sec_src_peek(f->t, &office, now(f), &v), 0);
    assert_int_equal(v.auth_fails, 10); /* only the first ten counted */
    assert_int_equal(v.users_failing, 1);
    assert_int_equal(v.chal_unanswered, 0);
    /* Fixed on the phone: still refused until the block ends... */
    assert_int_equal(auth(f, &office, 0, SEC_AUTH_OK, &dec), SEC_USER_BLOCKED);
    assert_in_range(dec.ban_s, 570, 600);
    fake_clock_advance_ms(&f->clk, 600000);
    /* ...then it registers. */
    assert_int_equal(auth(f, &office, 0, SEC_AUTH_OK, &dec), SEC_OK);
}

static void lone_cracker_is_banned(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x2d2d2d2d);
    struct sec_decision dec;
    for (int k = 1; k < 50; k++) {
        sec_detect_challenge(f->d, &a, 0, now(f), NULL);
        /* The right password at attempt 30 is refused all the same. */
        enum sec_auth res = k == 30 ? SEC_AUTH_OK : SEC_AUTH_FAILED;
        enum sec_verdict v = auth(f, &a, 0, res, &dec);
        assert_int_equal(v, k < 10 ? SEC_OK : SEC_USER_BLOCKED);
        fake_clock_advance_ms(&f->clk, 200);
    }
    /* Attempt 30 was not a failure: 49 attempts, 48 failures so far. */
    assert_int_equal(auth(f, &a, 0, SEC_AUTH_FAILED, &dec), SEC_USER_BLOCKED);
    assert_int_equal(auth(f, &a, 0, SEC_AUTH_FAILED, &dec), SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_AUTH_FAILURES);
    assert_int_equal(dec.count, 50);
}

static void success_lowers_the_count(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x0a000001), b = test_v4(0x0a000002);
    struct sec_decision dec;
    struct sec_src_view v;
    /* 45 failures: users 0..4, nine each, on both addresses. */
    for (int u = 0; u < 5; u++) {
        for (int k = 0; k < 9; k++) {
            assert_int_equal(auth(f, &a, u, SEC_AUTH_FAILED, NULL), SEC_OK);
            assert_int_equal(auth(f, &b, u, SEC_AUTH_FAILED, NULL), SEC_OK);
        }
    }
    /* On 'a' user 0 then gets its password right: its 9 leave the count. */
    assert_int_equal(auth(f, &a, 0, SEC_AUTH_OK, NULL), SEC_OK);
    assert_int_equal(sec_src_peek(f->t, &a, now(f), &v), 0);
    assert_int_equal(v.auth_fails, 36);
    assert_int_equal(v.users_failing, 4);
    /* Five more failures ban 'b' but not 'a'. */
    for (int k = 0; k < 4; k++) {
        assert_int_equal(auth(f, &a, 5, SEC_AUTH_FAILED, NULL), SEC_OK);
        assert_int_equal(auth(f, &b, 5, SEC_AUTH_FAILED, NULL), SEC_OK);
    }
    assert_int_equal(auth(f, &a, 5, SEC_AUTH_FAILED, NULL), SEC_OK);
    assert_int_equal(auth(f, &b, 5, SEC_AUTH_FAILED, &dec), SEC_BAN);
    assert_int_equal(dec.count, 50);
    /* 'a' needs its nine back before it is banned. */
    for (int k = 0; k < 8; k++) {
        assert_int_equal(auth(f, &a, 6, SEC_AUTH_FAILED, NULL), SEC_OK);
    }
    assert_int_equal(auth(f, &a, 6, SEC_AUTH_FAILED, &dec), SEC_BAN);
    assert_int_equal(dec.count, 50);
    assert_int_equal(dec.reason, SEC_REASON_AUTH_FAILURES);
}

static void first_and_stale_challenges_never_count(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x0a000003);
    struct sec_decision dec;
    /* 49 failures over 7 users (7 each: none blocked). */
    for (int k = 0; k < 49; k++) {
        assert_int_equal(sec_detect_challenge(f->d, &a, 0, now(f), NULL),
                         SEC_OK);
        assert_int_equal(auth(f, &a, k % 7, SEC_AUTH_FAILED, NULL), SEC_OK);
    }
    /* A thousand first challenges and stale-nonce retries in the period. */
    for (int k = 0; k < 1000; k++) {
        assert_int_equal(sec_detect_challenge(f->d, &a, 0, now(f), &dec),
                         SEC_OK);
        assert_int_equal(auth(f, &a, k % 30, SEC_AUTH_STALE, &dec), SEC_OK);
        assert_int_equal(sec_detect_challenge(f->d, &a, 0, now(f), &dec),
                         SEC_OK);
        fake_clock_advance_ms(&f->clk, 20);
        assert_int_equal(auth(f, &a, k % 30, SEC_AUTH_STALE, &dec), SEC_OK);
        fake_clock_advance_ms(&f->clk, 20);
    }
    struct sec_src_view v;
    assert_int_equal(sec_src_peek(f->t, &a, now(f), &v), 0);
    assert_int_equal(v.auth_fails, 49);
    assert_int_equal(v.chal_unanswered, 0);
    /* The 50th real failure is what bans. */
    assert_int_equal(auth(f, &a, 0, SEC_AUTH_FAILED, &dec), SEC_BAN);
    assert_int_equal(dec.count, 50);
}

static void counters_expire_after_the_period(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x0a000004);
    struct sec_src_view v;
    for (int round = 0; round < 5; round++) {
        uint64_t start = now(f);
        for (int k = 0; k < 49; k++) {
            assert_int_equal(auth(f, &a, k % 7, SEC_AUTH_FAILED, NULL), SEC_OK);
            fake_clock_advance_ms(&f->clk, 1000);
        }
        assert_int_equal(sec_src_peek(f->t, &a, now(f), &v), 0);
        assert_int_equal(v.auth_fails, 49);
        assert_int_equal(v.det_start_ms, start);
        /* The period ends 60 s after its first failure. */
        fake_clock_advance_ms(&f->clk, 60000 - 49000);
    }
    /* But 50 inside one period ban. */
    for (int k = 0; k < 49; k++) {
        assert_int_equal(auth(f, &a, k % 7, SEC_AUTH_FAILED, NULL), SEC_OK);
    }
    assert_int_equal(auth(f, &a, 0, SEC_AUTH_FAILED, NULL), SEC_BAN);
}

static void many_usernames_ban(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x0a000005);
    struct sec_decision dec;
    for (int u = 0; u < 9; u++) {
        assert_int_equal(auth(f, &a, u, SEC_AUTH_FAILED, NULL), SEC_OK);
        assert_int_equal(auth(f, &a, u, SEC_AUTH_FAILED, NULL), SEC_OK);
    }
    assert_int_equal(auth(f, &a, 9, SEC_AUTH_FAILED, &dec), SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_MANY_USERS);
    assert_int_equal(dec.threshold, 10);
    assert_int_equal(dec.count, 10);
    assert_int_equal(dec.ban_s, 3600);
}

static void tenants_and_users_are_distinct(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x0a000006);
    struct sec_decision dec;
    for (int k = 0; k < 9; k++) {
        sec_detect_auth(f->d, &a, SV_LIT("100"), SV_LIT("a.example"),
                        SEC_AUTH_FAILED, 0, now(f), NULL);
    }
    /* The same extension in another tenant is another user... */
    assert_int_equal(sec_detect_auth(f->d, &a, SV_LIT("100"),
                                     SV_LIT("b.example"), SEC_AUTH_FAILED, 0,
                                     now(f), &dec),
                     SEC_OK);
    /* ...the tenant's case is not significant... */
    assert_int_equal(sec_detect_auth(f->d, &a, SV_LIT("100"),
                                     SV_LIT("A.Example"), SEC_AUTH_FAILED, 0,
                                     now(f), &dec),
                     SEC_USER_BLOCKED);
    /* ...the user's is. */
    assert_int_equal(sec_detect_auth(f->d, &a, SV_LIT("Alice"),
                                     SV_LIT("a.example"), SEC_AUTH_FAILED, 0,
                                     now(f), &dec),
                     SEC_OK);
}

/* ---- challenges ---------------------------------------------------------- */

static void unanswered_challenges_ban(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x0a000007);
    struct sec_decision dec;
    /* INVITEs that never answer the 407: 30 in the first second. */
    for (int k = 0; k < 30; k++) {
        assert_int_equal(sec_detect_challenge(f->d, &a, 0, now(f), &dec),
                         SEC_OK);
        fake_clock_advance_ms(&f->clk, 30);
    }
    /* Within the grace they may still be answered: nothing yet. */
    fake_clock_advance_ms(&f->clk, 3000);
    assert_int_equal(sec_detect_challenge(f->d, &a, 0, now(f), &dec), SEC_OK);
    /* Once they outlived a full grace slot they are failures. */
    fake_clock_advance_ms(&f->clk, 7000);
    assert_int_equal(sec_detect_challenge(f->d, &a, 0, now(f), &dec), SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_CHALLENGE_FAILURES);
    assert_int_equal(dec.threshold, 20);
    assert_int_equal(dec.count, 31);
    assert_int_equal(dec.window_ms, 60000);
    assert_int_equal(dec.ban_s, 3600);
}

static void answered_challenges_never_ban(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x0a000008);
    struct sec_decision dec;
    /* 30 phones behind one address re-register together every minute for
     * an hour, answering their challenges 50..1500 ms later while calls
     * get challenged too; the bursts land on every position of the grace
     * slots. */
    for (int round = 0; round < 60; round++) {
        for (int p = 0; p < 30; p++) {
            assert_int_equal(sec_detect_challenge(f->d, &a, 0, now(f), &dec),
                             SEC_OK);
        }
        for (int p = 0; p < 30; p++) {
            fake_clock_advance_ms(&f->clk, 50);
            assert_int_equal(sec_detect_challenge(f->d, &a, 0, now(f), &dec),
                             SEC_OK);
            assert_int_equal(auth(f, &a, p, SEC_AUTH_OK, &dec), SEC_OK);
        }
        for (int p = 0; p < 30; p++) {
            assert_int_equal(auth(f, &a, p, SEC_AUTH_OK, &dec), SEC_OK);
        }
        fake_clock_advance_ms(&f->clk, 60000 - 1500 + 700);
    }
    struct sec_src_view v;
    assert_int_equal(sec_src_peek(f->t, &a, now(f), &v), 0);
    assert_int_equal(v.chal_unanswered, 0);
}

/* ---- packet rates -------------------------------------------------------- */

static void level1_then_level2(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x7f000002);
    struct sec_decision dec;
    for (int k = 1; k <= 500; k++) {
        assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec), SEC_OK);
    }
    assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec), SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_L1_RATE);
    assert_int_equal(dec.threshold, 500);
    assert_int_equal(dec.count, 501);
    assert_int_equal(dec.window_ms, 1000);
    assert_int_equal(dec.ban_s, 30);
    for (int k = 502; k <= 2000; k++) {
        assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec),
                         SEC_BANNED);
        assert_int_equal(dec.reason, SEC_REASON_L1_RATE);
    }
    assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec), SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_L2_RATE);
    assert_int_equal(dec.threshold, 2000);
    assert_int_equal(dec.count, 2001);
    assert_int_equal(dec.ban_s, 3600);
    assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec), SEC_BANNED);
    assert_int_equal(dec.reason, SEC_REASON_L2_RATE);
}

static void level1_rebans_after_its_time(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x7f000003);
    int bans = 0;
    /* 600 packets/s for 65 s: banned at once, again after 30 s, ... */
    for (int ms = 0; ms < 65000; ms += 5) {
        for (int k = 0; k < 3; k++) {
            struct sec_decision dec;
            enum sec_verdict v = sec_detect_packet(f->d, &a, 0, now(f), &dec);
            assert_true(v == SEC_BAN || v == SEC_BANNED || ms < 1000);
            if (v == SEC_BAN) {
                assert_int_equal(dec.reason, SEC_REASON_L1_RATE);
                bans++;
            }
        }
        fake_clock_advance_ms(&f->clk, 5);
    }
    assert_int_equal(bans, 3);
}

static void steady_traffic_never_trips(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x7f000001);
    /* 495 packets/s, evenly spaced, for 20 s. */
    for (int k = 0; k < 495 * 20; k++) {
        assert_int_equal(
            sec_detect_packet(f->d, &a, 0, T0 + (uint64_t)k * 1000 / 495, NULL),
            SEC_OK);
    }
}

/* ---- User-Agent, method rates, trusted sources --------------------------- */

static void user_agent_rules(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x0a000009), b = test_v4(0x0a00000a);
    struct sec_decision dec;
    for (int k = 1; k < 20; k++) {
        assert_int_equal(
            request(f, &a, 0, "OPTIONS", SEC_REQ_UA_MISSING, NULL, &dec),
            SEC_OK);
        assert_int_equal(
            request(f, &a, 0, "OPTIONS", SEC_REQ_UA_OK, NULL, &dec), SEC_OK);
    }
    assert_int_equal(
        request(f, &a, 0, "OPTIONS", SEC_REQ_UA_MISSING, NULL, &dec), SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_UA_SUSPICIOUS);
    assert_int_equal(dec.count, 20);
    assert_int_equal(request(f, &b, 0, "OPTIONS", SEC_REQ_UA_BAD, NULL, &dec),
                     SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_UA_BLACKLIST);
    assert_int_equal(dec.ban_s, 3600);
    /* Trusted sources skip the User-Agent rules. */
    struct net_addr trunk = test_v4(0x0a00000b);
    for (int k = 0; k < 100; k++) {
        assert_int_equal(request(f, &trunk, SEC_DETECT_TRUSTED, "OPTIONS",
                                 SEC_REQ_UA_BAD, NULL, &dec),
                         SEC_OK);
    }
}

static void method_rate_limits_then_bans(void **state)
{
    struct fixture *f = *state;
    struct sec_rl_rule rules[5];
    sec_ratelimit_home_rules(1, rules, 5);
    struct sec_ratelimit *rl;
    assert_int_equal(sec_ratelimit_new(rules, 5, &rl, NULL), 0);
    struct net_addr a = test_v4(0x0a00000c), trunk = test_v4(0x0a00000d);
    struct sec_decision dec;
    for (int k = 0; k < 4; k++) {
        assert_int_equal(request(f, &a, 0, "REGISTER", SEC_REQ_UA_OK, rl, &dec),
                         SEC_OK);
    }
    assert_int_equal(request(f, &a, 0, "REGISTER", SEC_REQ_UA_OK, rl, &dec),
                     SEC_RATE_LIMITED);
    assert_int_equal(dec.reason, SEC_REASON_METHOD_RATE);
    assert_int_equal(dec.rule, 0);
    assert_int_equal(dec.threshold, 15);
    assert_int_equal(dec.count, 1);
    assert_int_equal(dec.window_ms, 60000);
    assert_int_equal(dec.retry_after_ms, 4000);
    /* Other methods are not affected. */
    assert_int_equal(request(f, &a, 0, "INVITE", SEC_REQ_UA_OK, rl, &dec),
                     SEC_OK);
    for (int k = 2; k < 100; k++) {
        assert_int_equal(request(f, &a, 0, "REGISTER", SEC_REQ_UA_OK, rl, &dec),
                         SEC_RATE_LIMITED);
    }
    assert_int_equal(request(f, &a, 0, "REGISTER", SEC_REQ_UA_OK, rl, &dec),
                     SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_METHOD_RATE);
    assert_int_equal(dec.count, 100);
    assert_int_equal(dec.ban_s, 600);
    assert_int_equal(dec.rule, 0);
    /* A whitelisted trunk is rate-limited, never banned. */
    int limited = 0;
    for (int k = 0; k < 1000; k++) {
        enum sec_verdict v = request(f, &trunk, SEC_DETECT_TRUSTED, "REGISTER",
                                     SEC_REQ_UA_OK, rl, &dec);
        assert_true(v == SEC_OK || v == SEC_RATE_LIMITED);
        limited += v == SEC_RATE_LIMITED;
    }
    assert_int_equal(limited, 996);
    sec_ratelimit_free(rl);
}

static void trusted_is_never_banned(void **state)
{
    struct fixture *f = *state;
    struct net_addr trunk = test_v4(0x0a00000e);
    struct sec_decision dec;
    int limited = 0;
    for (int k = 0; k < 25000; k++) {
        enum sec_verdict v =
            sec_detect_packet(f->d, &trunk, SEC_DETECT_TRUSTED, now(f), &dec);
        assert_true(v == SEC_OK || v == SEC_RATE_LIMITED);
        if (v == SEC_RATE_LIMITED) {
            assert_int_equal(dec.reason, SEC_REASON_TRUSTED_RATE);
            limited++;
        }
    }
    /* 25,000 at once against 20,000/s: of the 5,000 over the limit every
     * second one still passes (k = 2). */
    assert_int_equal(limited, 2500);
    for (int k = 0; k < 200; k++) {
        enum sec_verdict v = sec_detect_challenge(
            f->d, &trunk, SEC_DETECT_TRUSTED, now(f), &dec);
        assert_int_equal(v, SEC_OK);
        char buf[16];
        v = sec_detect_auth(f->d, &trunk, user_name(k, buf, sizeof(buf)),
                            TENANT, SEC_AUTH_FAILED, SEC_DETECT_TRUSTED, now(f),
                            &dec);
        assert_int_equal(v, SEC_OK);
        fake_clock_advance_ms(&f->clk, 100);
    }
}

static void lift_forgets(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0x0a00000f);
    struct sec_decision dec;
    assert_int_equal(request(f, &a, 0, "INVITE", SEC_REQ_UA_BAD, NULL, &dec),
                     SEC_BAN);
    assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec), SEC_BANNED);
    sec_detect_lift(f->d, &a);
    assert_int_equal(sec_detect_packet(f->d, &a, 0, now(f), &dec), SEC_OK);
    assert_int_equal(auth(f, &a, 1, SEC_AUTH_FAILED, &dec), SEC_OK);
}

/* ---- IPv6 ---------------------------------------------------------------- */

static void ipv6_escalates_to_64(void **state)
{
    struct fixture *f = *state;
    const uint64_t net = 0x20010db800010002ull;
    struct sec_decision dec;
    struct net_addr a1 = test_v6(net, 1), a2 = test_v6(net, 0xabcdef),
                    a3 = test_v6(net, 0xffffffffffffffffull);
    assert_int_equal(request(f, &a1, 0, "REGISTER", SEC_REQ_UA_BAD, NULL, &dec),
                     SEC_BAN);
    assert_int_equal(dec.prefix_len, 128);
    assert_int_equal(dec.net64_offenders, 1);
    /* The same /128 again (after a lift) is not a second offender. */
    sec_detect_lift(f->d, &a1);
    assert_int_equal(request(f, &a1, 0, "REGISTER", SEC_REQ_UA_BAD, NULL, &dec),
                     SEC_BAN);
    assert_int_equal(dec.net64_offenders, 1);
    assert_int_equal(request(f, &a2, 0, "REGISTER", SEC_REQ_UA_BAD, NULL, &dec),
                     SEC_BAN);
    assert_int_equal(dec.prefix_len, 128);
    assert_int_equal(dec.net64_offenders, 2);
    /* A neighbouring /64 is counted apart. */
    struct net_addr other = test_v6(net + 1, 1);
    assert_int_equal(
        request(f, &other, 0, "REGISTER", SEC_REQ_UA_BAD, NULL, &dec), SEC_BAN);
    assert_int_equal(dec.prefix_len, 128);
    assert_int_equal(dec.net64_offenders, 1);
    /* The third offender of the /64: ban the /64. */
    for (int k = 0; k < 501; k++) {
        sec_detect_packet(f->d, &a3, 0, now(f), &dec);
    }
    assert_int_equal(dec.verdict, SEC_BAN);
    assert_int_equal(dec.reason, SEC_REASON_L1_RATE);
    assert_int_equal(dec.prefix_len, 64);
    assert_int_equal(dec.net64_offenders, 3);
    /* IPv4 never escalates. */
    for (uint32_t i = 0; i < 5; i++) {
        struct net_addr v4 = test_v4(0xc0000200 + i);
        assert_int_equal(
            request(f, &v4, 0, "REGISTER", SEC_REQ_UA_BAD, NULL, &dec),
            SEC_BAN);
        assert_int_equal(dec.prefix_len, 32);
    }
    /* The window ends: the /64 starts counting again. */
    fake_clock_advance_ms(&f->clk, 3600000);
    struct net_addr a4 = test_v6(net, 4);
    assert_int_equal(request(f, &a4, 0, "REGISTER", SEC_REQ_UA_BAD, NULL, &dec),
                     SEC_BAN);
    assert_int_equal(dec.prefix_len, 128);
    assert_int_equal(dec.net64_offenders, 1);
}

/* ---- bounds and threads -------------------------------------------------- */

static void spoofed_flood_stays_bounded(void **state)
{
    (void)state;
    struct sec_srctable *t;
    struct sec_detect *d;
    struct sec_detect_cfg cfg;
    sec_detect_cfg_defaults(&cfg);
    const size_t cap = 100000;
    assert_int_equal(sec_srctable_new(cap, T0, &t), 0);
    assert_int_equal(sec_detect_new(&cfg, t, &d), 0);
    struct sec_srctable_stats st;
    for (uint32_t i = 0; i < 1000000; i++) {
        struct net_addr a =
            i % 3 ? test_v4(0x64000000u + i)
                  : test_v6(0x20010db8ull << 32 | (i & 0xffff), i);
        uint64_t when = T0 + i / 2000;
        assert_int_equal(sec_detect_packet(d, &a, 0, when, NULL), SEC_OK);
        if (i % 2 == 0) {
            sec_detect_auth(d, &a, SV_LIT("100"), TENANT, SEC_AUTH_FAILED, 0,
                            when, NULL);
        }
        if (i % 9973 == 0) {
            sec_srctable_stats(t, &st);
            assert_true(st.n_entries <= cap);
        }
    }
    sec_srctable_stats(t, &st);
    printf("# 1M spoofed sources through the detector, cap %zu: %zu entries "
           "(%zu addresses, %zu user records), %llu evictions, %zu bytes\n",
           cap, st.n_entries, st.n_addr, st.n_user,
           (unsigned long long)st.evictions, st.mem_bytes);
    assert_true(st.n_entries <= cap);
    assert_int_equal(st.mem_bytes, sec_srctable_mem_bound(cap));
    sec_detect_free(d);
    sec_srctable_free(t);
}

static void tiny_table_keeps_the_source_it_works_on(void **state)
{
    (void)state;
    struct sec_srctable *t;
    struct sec_detect *d;
    struct sec_detect_cfg cfg;
    sec_detect_cfg_defaults(&cfg);
    /* Eight entries, one shard, everything within one second: the LRU
     * order does not change on reuse within a second, so the source being
     * worked on can be the eviction candidate. */
    assert_int_equal(sec_srctable_new(8, T0, &t), 0);
    assert_int_equal(sec_detect_new(&cfg, t, &d), 0);
    struct net_addr a = test_v4(0x0a000020);
    assert_int_equal(sec_detect_auth(d, &a, SV_LIT("u1"), TENANT,
                                     SEC_AUTH_FAILED, 0, T0, NULL),
                     SEC_OK);
    for (uint32_t i = 0; i < 6; i++) {
        struct net_addr o = test_v4(0x0a000100 + i);
        sec_detect_packet(d, &o, 0, T0 + 1, NULL);
    }
    /* Full, and a's address record is the least recently moved. */
    assert_int_equal(sec_detect_auth(d, &a, SV_LIT("u2"), TENANT,
                                     SEC_AUTH_FAILED, 0, T0 + 2, NULL),
                     SEC_OK);
    struct sec_src_view v;
    assert_int_equal(sec_src_peek(t, &a, T0 + 3, &v), 0);
    assert_int_equal(v.auth_fails, 2);
    assert_int_equal(v.users_failing, 2);
    struct sec_srctable_stats st;
    sec_srctable_stats(t, &st);
    assert_int_equal(st.n_entries, 8);
    assert_int_equal(st.n_user, 1); /* u1's record made room */
    sec_detect_free(d);
    sec_srctable_free(t);
}

struct racer {
    struct sec_detect *d;
    struct net_addr a;
    int first_user;
    atomic_int *bans;
};

static void *racer_run(void *arg)
{
    struct racer *r = arg;
    for (int k = 0; k < 40; k++) {
        char buf[16];
        /* Four users each, ten failures apiece, same instant. */
        struct sv user = user_name(r->first_user + k % 4, buf, sizeof(buf));
        enum sec_verdict v = sec_detect_auth(r->d, &r->a, user, TENANT,
                                             SEC_AUTH_FAILED, 0, T0, NULL);
        if (v == SEC_BAN) {
            atomic_fetch_add(r->bans, 1);
        }
    }
    return NULL;
}

static void concurrent_failures_ban_once(void **state)
{
    struct fixture *f = *state;
    atomic_int bans = 0;
    struct racer r[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        r[i] = (struct racer){ .d = f->d,
                               .a = test_v4(0x0a000010),
                               .first_user = i * 4,
                               .bans = &bans };
        assert_int_equal(pthread_create(&th[i], NULL, racer_run, &r[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
    }
    /* 80 failures over 8 users: the 50th bans, exactly once. */
    assert_int_equal(atomic_load(&bans), 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_follow_the_references),
        T(fifty_failures_across_users_ban),
        T(office_nat_one_bad_phone),
        T(lone_cracker_is_banned),
        T(success_lowers_the_count),
        T(first_and_stale_challenges_never_count),
        T(counters_expire_after_the_period),
        T(many_usernames_ban),
        T(tenants_and_users_are_distinct),
        T(unanswered_challenges_ban),
        T(answered_challenges_never_ban),
        T(level1_then_level2),
        T(level1_rebans_after_its_time),
        T(steady_traffic_never_trips),
        T(user_agent_rules),
        T(method_rate_limits_then_bans),
        T(trusted_is_never_banned),
        T(lift_forgets),
        T(ipv6_escalates_to_64),
        cmocka_unit_test(spoofed_flood_stays_bounded),
        cmocka_unit_test(tiny_table_keeps_the_source_it_works_on),
        T(concurrent_failures_ban_once),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
