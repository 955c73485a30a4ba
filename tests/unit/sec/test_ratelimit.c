/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/sv.h"
#include "fake_clock.h"
#include "sec/ratelimit.h"
#include "sec/srctable.h"
#include "sec_test_addr.h"

#define T0 5000000u

struct fixture {
    struct sw_clock clk;
    struct sec_srctable *t;
    struct sec_ratelimit *rl;
};

static struct sec_rl_rule rule(uint8_t net, const char *method, uint32_t rate,
                               uint32_t period_s, uint32_t burst)
{
    struct sec_rl_rule r;
    memset(&r, 0, sizeof(r));
    r.net_id = net;
    memcpy(r.method, method, strlen(method));
    r.rate = rate;
    r.period_s = period_s;
    r.burst = burst;
    return r;
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    fake_clock_init(&f.clk, T0, 1700000000);
    if (sec_srctable_new(1000, T0, &f.t) != 0) {
        return -1;
    }
    struct sec_rl_rule rules[8];
    size_t n = sec_ratelimit_home_rules(1, rules, 8);
    if (n != 5) {
        return -1;
    }
    rules[n++] = rule(2, "REGISTER", 6, 60, 1);
    rules[n++] = rule(2, "*", 100, 60, 10);
    if (sec_ratelimit_new(rules, n, &f.rl, NULL) != 0) {
        return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sec_ratelimit_free(f->rl);
    sec_srctable_free(f->t);
    return 0;
}

static enum sec_rl_res take(struct fixture *f, const struct net_addr *a,
                            uint8_t net, const char *method,
                            struct sec_rl_result *out)
{
    return sec_ratelimit_check(f->rl, f->t, a, net, sv_cstr(method),
                               clock_mono_ms(&f->clk), out);
}

static void home_rules_are_sipxcom(void **state)
{
    (void)state;
    struct sec_rl_rule r[8];
    assert_int_equal(sec_ratelimit_home_rules(7, r, 8), 5);
    assert_string_equal(r[0].method, "REGISTER");
    assert_int_equal(r[0].rate, 15);
    assert_int_equal(r[0].period_s, 60);
    assert_string_equal(r[1].method, "INVITE");
    assert_int_equal(r[1].rate, 10);
    assert_string_equal(r[2].method, "SUBSCRIBE");
    assert_int_equal(r[2].rate, 20);
    assert_string_equal(r[3].method, "OPTIONS");
    assert_int_equal(r[3].rate, 10);
    assert_string_equal(r[4].method, "ACK");
    assert_int_equal(r[4].rate, 20);
    assert_int_equal(r[4].period_s, 1);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(r[i].burst, 4);
        assert_int_equal(r[i].net_id, 7);
    }
    /* A short buffer gets what fits, the count is still the full one. */
    assert_int_equal(sec_ratelimit_home_rules(7, r, 2), 5);
}

static void refuses_bad_rules(void **state)
{
    (void)state;
    struct sec_ratelimit *rl = NULL;
    size_t bad = 99;
    struct sec_rl_rule r[2] = { rule(1, "INVITE", 10, 60, 4),
                                rule(0, "INVITE", 10, 60, 4) };
    assert_int_equal(sec_ratelimit_new(r, 2, &rl, &bad), -EINVAL);
    assert_int_equal(bad, 1);
    r[1] = rule(1, "INVITE", 5, 60, 4);
    assert_int_equal(sec_ratelimit_new(r, 2, &rl, &bad), -EEXIST);
    assert_int_equal(bad, 1);
    const struct sec_rl_rule bads[] = {
        rule(1, "", 10, 60, 4),         rule(1, "INV ITE", 10, 60, 4),
        rule(1, "INVITE", 0, 60, 4),    rule(1, "INVITE", 10, 0, 4),
        rule(1, "INVITE", 10, 60, 0),   rule(1, "INVITE", 10, 86401, 4),
        rule(1, "INVITE", 1, 3600, 7),  /* 7 hours of burst */
        rule(1, "INVITE", 40000, 1, 4), /* below 1/16 ms */
    };
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        assert_int_equal(sec_ratelimit_new(&bads[i], 1, &rl, &bad), -EINVAL);
        assert_int_equal(bad, 0);
    }
    struct sec_rl_rule unterminated = rule(1, "X", 1, 1, 1);
    memset(unterminated.method, 'A', sizeof(unterminated.method));
    assert_int_equal(sec_ratelimit_new(&unterminated, 1, &rl, NULL), -EINVAL);
    assert_null(rl);
    /* An empty set is fine and limits nothing. */
    assert_int_equal(sec_ratelimit_new(NULL, 0, &rl, NULL), 0);
    assert_int_equal(sec_ratelimit_count(rl), 0);
    assert_null(sec_ratelimit_rule(rl, 0));
    sec_ratelimit_free(rl);
}

static void burst_then_refusal_then_refill(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0xc6336401);
    struct sec_rl_result r;
    /* REGISTER 15/min, burst 4: four at once, the fifth is refused. */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(take(f, &a, 1, "REGISTER", &r), SEC_RL_PASS);
        assert_int_equal(r.rule, 0);
    }
    assert_int_equal(take(f, &a, 1, "REGISTER", &r), SEC_RL_LIMITED);
    assert_int_equal(r.rule, 0);
    assert_int_equal(r.retry_after_ms, 4000); /* one token per 4 s */
    /* Refused requests take nothing: 3.999 s later still refused. */
    fake_clock_advance_ms(&f->clk, 3999);
    assert_int_equal(take(f, &a, 1, "REGISTER", &r), SEC_RL_LIMITED);
    assert_int_equal(r.retry_after_ms, 1);
    fake_clock_advance_ms(&f->clk, 1);
    assert_int_equal(take(f, &a, 1, "REGISTER", &r), SEC_RL_PASS);
    assert_int_equal(take(f, &a, 1, "REGISTER", &r), SEC_RL_LIMITED);
    /* A steady 15 per minute passes indefinitely. */
    for (int i = 0; i < 150; i++) {
        fake_clock_advance_ms(&f->clk, 4000);
        assert_int_equal(take(f, &a, 1, "REGISTER", &r), SEC_RL_PASS);
    }
    /* Idle for a minute: a full burst again, not more. */
    fake_clock_advance_ms(&f->clk, 60000);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(take(f, &a, 1, "REGISTER", &r), SEC_RL_PASS);
    }
    assert_int_equal(take(f, &a, 1, "REGISTER", &r), SEC_RL_LIMITED);
}

static void ack_per_second(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0xc6336402);
    int passed = 0;
    /* ACK 20/s burst 4 under a 100/s offer for 10 s: 4 + 20 * 10. */
    for (int i = 0; i < 1000; i++) {
        if (take(f, &a, 1, "ACK", NULL) == SEC_RL_PASS) {
            passed++;
        }
        fake_clock_advance_ms(&f->clk, 10);
    }
    assert_in_range(passed, 200, 204);
}

static void methods_sources_and_networks_are_independent(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0xc6336403), b = test_v4(0xc6336404);
    struct sec_rl_result r;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(take(f, &a, 1, "INVITE", &r), SEC_RL_PASS);
    }
    assert_int_equal(take(f, &a, 1, "INVITE", &r), SEC_RL_LIMITED);
    assert_int_equal(r.rule, 1);
    /* Other methods of the same source still have their own buckets. */
    assert_int_equal(take(f, &a, 1, "OPTIONS", &r), SEC_RL_PASS);
    assert_int_equal(r.rule, 3);
    assert_int_equal(take(f, &a, 1, "SUBSCRIBE", &r), SEC_RL_PASS);
    /* Another source is untouched. */
    assert_int_equal(take(f, &b, 1, "INVITE", &r), SEC_RL_PASS);
    /* Methods are case-sensitive (RFC 3261 §7.1); no "*" on net 1. */
    assert_int_equal(take(f, &a, 1, "invite", &r), SEC_RL_NO_RULE);
    assert_int_equal(r.rule, -1);
    assert_int_equal(take(f, &a, 1, "MESSAGE", &r), SEC_RL_NO_RULE);
    /* Net 0 and nets without rules are not limited. */
    assert_int_equal(take(f, &a, 0, "INVITE", &r), SEC_RL_NO_RULE);
    assert_int_equal(take(f, &a, 9, "INVITE", &r), SEC_RL_NO_RULE);
    /* Net 2: REGISTER 6/min burst 1, everything else under "*". */
    assert_int_equal(take(f, &b, 2, "REGISTER", &r), SEC_RL_PASS);
    assert_int_equal(r.rule, 5);
    assert_int_equal(take(f, &b, 2, "REGISTER", &r), SEC_RL_LIMITED);
    assert_int_equal(r.retry_after_ms, 10000);
    assert_int_equal(take(f, &b, 2, "INFO", &r), SEC_RL_PASS);
    assert_int_equal(r.rule, 6);
}

static void many_rules_use_overflow_buckets(void **state)
{
    struct fixture *f = *state;
    static const char *const methods[] = {
        "REGISTER", "INVITE", "ACK",     "BYE",    "CANCEL", "OPTIONS",
        "INFO",     "UPDATE", "MESSAGE", "NOTIFY", "REFER",  "SUBSCRIBE",
    };
    enum { N = sizeof(methods) / sizeof(methods[0]) };
    struct sec_rl_rule rules[N];
    for (int i = 0; i < N; i++) {
        rules[i] = rule(3, methods[i], 60, 60, (uint32_t)(i + 1));
    }
    struct sec_ratelimit *rl;
    assert_int_equal(sec_ratelimit_new(rules, N, &rl, NULL), 0);
    struct net_addr a = test_v6(0x20010db8000000aaull, 1);
    uint64_t now = clock_mono_ms(&f->clk);
    /* Each method gets exactly its own burst, inline or overflow. */
    for (int i = 0; i < N; i++) {
        struct sv m = sv_cstr(methods[i]);
        for (int k = 0; k <= i; k++) {
            assert_int_equal(sec_ratelimit_check(rl, f->t, &a, 3, m, now, NULL),
                             SEC_RL_PASS);
        }
        assert_int_equal(sec_ratelimit_check(rl, f->t, &a, 3, m, now, NULL),
                         SEC_RL_LIMITED);
    }
    struct sec_srctable_stats st;
    sec_srctable_stats(f->t, &st);
    assert_int_equal(st.n_bucket, N - SEC_RL_INLINE);
    /* One second later each has one token back. */
    for (int i = 0; i < N; i++) {
        struct sv m = sv_cstr(methods[i]);
        assert_int_equal(
            sec_ratelimit_check(rl, f->t, &a, 3, m, now + 1000, NULL),
            SEC_RL_PASS);
        assert_int_equal(
            sec_ratelimit_check(rl, f->t, &a, 3, m, now + 1000, NULL),
            SEC_RL_LIMITED);
    }
    sec_ratelimit_free(rl);
}

static void new_rule_set_starts_full(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0xc6336405);
    struct sec_rl_rule r1 = rule(4, "OPTIONS", 1, 60, 2);
    struct sec_rl_rule r2 = rule(4, "OPTIONS", 2, 60, 2);
    struct sec_ratelimit *rl1, *rl1b, *rl2;
    assert_int_equal(sec_ratelimit_new(&r1, 1, &rl1, NULL), 0);
    assert_int_equal(sec_ratelimit_new(&r1, 1, &rl1b, NULL), 0);
    assert_int_equal(sec_ratelimit_new(&r2, 1, &rl2, NULL), 0);
    uint64_t now = clock_mono_ms(&f->clk);
    struct sv m = SV_LIT("OPTIONS");
    assert_int_equal(sec_ratelimit_check(rl1, f->t, &a, 4, m, now, NULL),
                     SEC_RL_PASS);
    assert_int_equal(sec_ratelimit_check(rl1, f->t, &a, 4, m, now, NULL),
                     SEC_RL_PASS);
    assert_int_equal(sec_ratelimit_check(rl1, f->t, &a, 4, m, now, NULL),
                     SEC_RL_LIMITED);
    /* Reloading the same rules keeps the state... */
    assert_int_equal(sec_ratelimit_check(rl1b, f->t, &a, 4, m, now, NULL),
                     SEC_RL_LIMITED);
    /* ...other rules start with a full bucket. */
    assert_int_equal(sec_ratelimit_check(rl2, f->t, &a, 4, m, now, NULL),
                     SEC_RL_PASS);
    sec_ratelimit_free(rl1);
    sec_ratelimit_free(rl1b);
    sec_ratelimit_free(rl2);
}

static void long_idle_source_is_full_again(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0xc6336406);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(take(f, &a, 1, "SUBSCRIBE", NULL), SEC_RL_PASS);
    }
    assert_int_equal(take(f, &a, 1, "SUBSCRIBE", NULL), SEC_RL_LIMITED);
    /* Days later (32-bit tick clocks wrapped several times). */
    for (int day = 0; day < 10; day++) {
        fake_clock_advance_ms(&f->clk, 86400000ull + 12345);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(take(f, &a, 1, "SUBSCRIBE", NULL), SEC_RL_PASS);
        }
        assert_int_equal(take(f, &a, 1, "SUBSCRIBE", NULL), SEC_RL_LIMITED);
    }
}

static void busy_source_other_bucket_survives_wrap(void **state)
{
    struct fixture *f = *state;
    struct net_addr a = test_v4(0xc6336407);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(take(f, &a, 1, "INVITE", NULL), SEC_RL_PASS);
    }
    /* OPTIONS every 20 s for 3 days while INVITE stays idle: the INVITE
     * bucket time falls 72 h behind the 1/16 ms clock, which wraps at
     * 74.5 h, so unswept it would read as 2.5 h in the future. */
    for (int i = 0; i < 3 * 86400 / 20; i++) {
        fake_clock_advance_ms(&f->clk, 20000);
        assert_int_equal(take(f, &a, 1, "OPTIONS", NULL), SEC_RL_PASS);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(take(f, &a, 1, "INVITE", NULL), SEC_RL_PASS);
    }
    assert_int_equal(take(f, &a, 1, "INVITE", NULL), SEC_RL_LIMITED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(home_rules_are_sipxcom),
        cmocka_unit_test(refuses_bad_rules),
        cmocka_unit_test_setup_teardown(burst_then_refusal_then_refill, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ack_per_second, setup, teardown),
        cmocka_unit_test_setup_teardown(
            methods_sources_and_networks_are_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(many_rules_use_overflow_buckets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(new_rule_set_starts_full, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(long_idle_source_is_full_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(busy_source_other_bucket_survives_wrap,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
