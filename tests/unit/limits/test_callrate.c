/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "limits/callrate.h"

#define T0 7000000u

struct fixture {
    struct limits_callrate *cr;
    struct limits_callrate_rules *rs;
    uint64_t now_ms;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    f.now_ms = T0;
    if (limits_callrate_new(1000, &f.cr) != 0) {
        return -1;
    }
    if (limits_callrate_rules_new(NULL, 0, LIMITS_CALLRATE_DEFAULT_CALLS,
                                  LIMITS_CALLRATE_DEFAULT_PERIOD_S, &f.rs, NULL)
        != 0) {
        return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    limits_callrate_rules_free(f->rs);
    limits_callrate_free(f->cr);
    return 0;
}

static struct limits_callrate_req req(int64_t tenant, int64_t user,
                                      uint64_t now_ms)
{
    struct limits_callrate_req r;
    memset(&r, 0, sizeof(r));
    r.tenant_id = tenant;
    r.user_id = user;
    r.minute_of_day = 12 * 60;
    r.weekday = 3;
    r.now_ms = now_ms;
    return r;
}

static enum limits_callrate_res take(struct fixture *f,
                                     const struct limits_callrate_req *r,
                                     struct limits_callrate_result *out)
{
    return limits_callrate_take(f->cr, f->rs, r, out);
}

static struct limits_callrate_rule rule(uint32_t id, enum limits_scope scope,
                                        int64_t tenant, int64_t subject,
                                        uint32_t calls, uint32_t period_s)
{
    struct limits_callrate_rule r;
    memset(&r, 0, sizeof(r));
    r.id = id;
    r.scope = scope;
    r.tenant_id = tenant;
    r.subject_id = subject;
    r.calls = calls;
    r.period_s = period_s;
    return r;
}

static void use_rules(struct fixture *f, const struct limits_callrate_rule *rs,
                      size_t n)
{
    limits_callrate_rules_free(f->rs);
    f->rs = NULL;
    assert_int_equal(limits_callrate_rules_new(rs, n, 5, 1, &f->rs, NULL), 0);
}

/* ---- default rule -------------------------------------------------------- */

static void sixth_call_in_a_second_refused(void **state)
{
    struct fixture *f = *state;
    struct limits_callrate_result res;
    struct limits_callrate_req r = req(1, 10, T0);
    for (int i = 0; i < 5; i++) {
        r.now_ms = T0 + (uint64_t)i * 100; /* 5 calls within 0.5 s */
        assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_ALLOW);
    }
    r.now_ms = T0 + 600;
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.rule_id, 0);
    assert_int_equal(res.scope, LIMITS_SCOPE_DEFAULT);
    assert_int_equal(res.calls, 5);
    assert_int_equal(res.period_s, 1);
    /* The first call is 1 s old at T0 + 1000. */
    assert_int_equal(res.retry_after_ms, 400);
    /* Refusals take nothing: the retry time holds. */
    r.now_ms += res.retry_after_ms - 1;
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_REFUSE);
    r.now_ms += 1;
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_ALLOW);
    /* After a full second idle the whole burst is back. */
    r.now_ms += 1000;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    }
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.retry_after_ms, 1000);
    struct limits_callrate_stats st;
    limits_callrate_stats(f->cr, &st);
    assert_int_equal(st.allowed, 11);
    assert_int_equal(st.refused, 3);
    assert_int_equal(st.n_entries, 1);
}

static void burst_at_one_instant(void **state)
{
    struct fixture *f = *state;
    struct limits_callrate_result res;
    struct limits_callrate_req r = req(1, 10, T0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    }
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.retry_after_ms, 1000);
    r.now_ms = T0 + 999;
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.retry_after_ms, 1);
    /* Other extensions and tenants have their own buckets. */
    struct limits_callrate_req o = req(1, 11, T0);
    assert_int_equal(take(f, &o, NULL), LIMITS_CALLRATE_ALLOW);
    o = req(2, 10, T0);
    assert_int_equal(take(f, &o, NULL), LIMITS_CALLRATE_ALLOW);
    /* Paced at 5 per second: each call passes, one more never does. */
    r = req(1, 12, T0);
    for (int i = 0; i <= 50; i++) {
        r.now_ms = T0 + (uint64_t)i * 200;
        assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    }
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.retry_after_ms, 200);
    /* Six calls spread over 950 ms: the sixth is refused (a token bucket
     * would have refilled four tokens meanwhile). */
    r = req(1, 13, T0);
    for (int i = 0; i < 5; i++) {
        r.now_ms = T0 + (uint64_t)i * 190;
        assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    }
    r.now_ms = T0 + 950;
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.retry_after_ms, 50);
}

static void invalid_requests_refused(void **state)
{
    struct fixture *f = *state;
    struct limits_callrate_result res;
    struct limits_callrate_req r = req(0, 10, T0);
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.retry_after_ms, 0);
    r = req(1, 10, T0);
    r.minute_of_day = 1440;
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_REFUSE);
    r.minute_of_day = 0;
    r.weekday = 7;
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_REFUSE);
    r.weekday = 0;
    r.n_groups = 1; /* group_ids NULL */
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(limits_callrate_rule_for(f->rs, &r, &res), -EINVAL);
}

static void rules_validated(void **state)
{
    (void)state;
    struct limits_callrate_rules *rs = NULL;
    size_t bad = 99;
    struct limits_callrate_rule ok = rule(1, LIMITS_SCOPE_USER, 1, 5, 3, 10);
    struct limits_callrate_rule v[3];
    v[0] = ok;
    v[1] = ok;
    v[1].id = 0;
    assert_int_equal(limits_callrate_rules_new(v, 2, 5, 1, &rs, &bad), -EINVAL);
    assert_int_equal(bad, 1);
    v[1] = ok;
    v[1].subject_id = 9;
    v[2] = ok;
    v[2].id = 2;
    assert_int_equal(limits_callrate_rules_new(v, 3, 5, 1, &rs, &bad), -EEXIST);
    assert_int_equal(bad, 1);
    v[1].id = 3;
    v[1].period_s = 0;
    assert_int_equal(limits_callrate_rules_new(v, 2, 5, 1, &rs, &bad), -EINVAL);
    v[1].period_s = 10;
    v[1].scope = LIMITS_SCOPE_TENANT; /* subject must be 0 */
    assert_int_equal(limits_callrate_rules_new(v, 2, 5, 1, &rs, &bad), -EINVAL);
    v[1].subject_id = 0;
    v[1].from_min = 1440;
    assert_int_equal(limits_callrate_rules_new(v, 2, 5, 1, &rs, &bad), -EINVAL);
    v[1].from_min = 0;
    v[1].scope = LIMITS_SCOPE_DEFAULT;
    assert_int_equal(limits_callrate_rules_new(v, 2, 5, 1, &rs, &bad), -EINVAL);
    v[1].scope = LIMITS_SCOPE_TENANT;
    assert_int_equal(limits_callrate_rules_new(v, 2, 5, 0, &rs, &bad), -EINVAL);
    assert_int_equal(bad, 2); /* the default */
    assert_int_equal(limits_callrate_rules_new(v, 2, 5, 1, &rs, &bad), 0);
    limits_callrate_rules_free(rs);
    limits_callrate_rules_free(NULL);
}

/* ---- custom rules -------------------------------------------------------- */

static void user_rule_beats_group_and_tenant(void **state)
{
    struct fixture *f = *state;
    struct limits_callrate_rule v[] = {
        rule(10, LIMITS_SCOPE_TENANT, 1, 0, 20, 1),
        rule(11, LIMITS_SCOPE_GROUP, 1, 3, 2, 10),
        rule(12, LIMITS_SCOPE_USER, 1, 42, 1, 60),
        rule(13, LIMITS_SCOPE_GROUP, 2, 3, 7, 1), /* another tenant */
    };
    use_rules(f, v, 4);
    int64_t groups[] = { 3 };
    struct limits_callrate_result res;

    /* User 42 (in group 3): its own rule, 1 per minute. */
    struct limits_callrate_req r = req(1, 42, T0);
    r.group_ids = groups;
    r.n_groups = 1;
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_ALLOW);
    assert_int_equal(res.rule_id, 12);
    assert_int_equal(res.scope, LIMITS_SCOPE_USER);
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.rule_id, 12);
    assert_int_equal(res.retry_after_ms, 60000);

    /* User 43 in group 3: the group rule, 2 per 10 s. */
    r = req(1, 43, T0);
    r.group_ids = groups;
    r.n_groups = 1;
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.rule_id, 11);
    assert_int_equal(res.scope, LIMITS_SCOPE_GROUP);
    assert_int_equal(res.retry_after_ms, 10000);
    r.now_ms += 9999;
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_REFUSE);
    r.now_ms += 1;
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);

    /* User 44, no group: the tenant rule, 20 per second. */
    r = req(1, 44, T0);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    }
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.rule_id, 10);
    assert_int_equal(res.scope, LIMITS_SCOPE_TENANT);
    /* Past LIMITS_CALLRATE_EXACT_MAX: a token bucket, one per 50 ms. */
    assert_int_equal(res.retry_after_ms, 50);
    r.now_ms += 50;
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_REFUSE);

    /* Tenant 3 has no rules: the default. */
    r = req(3, 44, T0);
    r.group_ids = groups;
    r.n_groups = 1;
    assert_int_equal(limits_callrate_rule_for(f->rs, &r, &res), 0);
    assert_int_equal(res.rule_id, 0);
    assert_int_equal(res.scope, LIMITS_SCOPE_DEFAULT);
    /* Group 3 of tenant 2 is not group 3 of tenant 1. */
    r.tenant_id = 2;
    assert_int_equal(limits_callrate_rule_for(f->rs, &r, &res), 0);
    assert_int_equal(res.rule_id, 13);
}

static void strictest_group_rule_wins(void **state)
{
    struct fixture *f = *state;
    struct limits_callrate_rule v[] = {
        rule(21, LIMITS_SCOPE_GROUP, 1, 4, 10, 60), /* 1 per 6 s */
        rule(22, LIMITS_SCOPE_GROUP, 1, 5, 3, 10),  /* 1 per 3.3 s */
        rule(23, LIMITS_SCOPE_GROUP, 1, 6, 0, 1),   /* unlimited */
    };
    use_rules(f, v, 3);
    int64_t groups[] = { 6, 5, 4 };
    struct limits_callrate_result res;
    struct limits_callrate_req r = req(1, 50, T0);
    r.group_ids = groups;
    r.n_groups = 3;
    assert_int_equal(limits_callrate_rule_for(f->rs, &r, &res), 0);
    assert_int_equal(res.rule_id, 21);
    /* Only the exemption group: no limit at all. */
    r.n_groups = 1;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_ALLOW);
    }
    assert_int_equal(res.rule_id, 23);
    assert_int_equal(res.calls, 0);
}

static void time_window_rule(void **state)
{
    struct fixture *f = *state;
    /* "group 3: 2 calls per 10 s between 18:00 and 08:00" */
    struct limits_callrate_rule night =
        rule(31, LIMITS_SCOPE_GROUP, 1, 3, 2, 10);
    night.from_min = 18 * 60;
    night.to_min = 8 * 60;
    struct limits_callrate_rule day = rule(32, LIMITS_SCOPE_GROUP, 1, 3, 50, 1);
    struct limits_callrate_rule v[] = { day, night };
    use_rules(f, v, 2);
    int64_t groups[] = { 3 };
    struct limits_callrate_result res;
    struct limits_callrate_req r = req(1, 60, T0);
    r.group_ids = groups;
    r.n_groups = 1;

    static const struct {
        uint16_t min;
        uint32_t rule;
    } at[] = {
        { 17 * 60 + 59, 32 }, { 18 * 60, 31 }, { 23 * 60 + 59, 31 }, { 0, 31 },
        { 7 * 60 + 59, 31 },  { 8 * 60, 32 },  { 12 * 60, 32 },
    };
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        r.minute_of_day = at[i].min;
        assert_int_equal(limits_callrate_rule_for(f->rs, &r, &res), 0);
        assert_int_equal(res.rule_id, at[i].rule);
    }

    /* At 18:30 the night rule limits: 2 calls, then refused. */
    r.minute_of_day = 18 * 60 + 30;
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.rule_id, 31);
    assert_int_equal(res.retry_after_ms, 10000);
    /* At 08:00 the day rule applies, its bucket starts full. */
    r.minute_of_day = 8 * 60;
    for (int i = 0; i < 50; i++) {
        assert_int_equal(take(f, &r, NULL), LIMITS_CALLRATE_ALLOW);
    }
    assert_int_equal(take(f, &r, &res), LIMITS_CALLRATE_REFUSE);
    assert_int_equal(res.rule_id, 32);
}

static void weekday_window_belongs_to_start_day(void **state)
{
    struct fixture *f = *state;
    /* Friday nights only: Fri 22:00 - Sat 06:00. */
    struct limits_callrate_rule fri = rule(41, LIMITS_SCOPE_USER, 1, 70, 1, 60);
    fri.from_min = 22 * 60;
    fri.to_min = 6 * 60;
    fri.weekdays = 1u << 5;
    use_rules(f, &fri, 1);
    struct limits_callrate_result res;
    struct limits_callrate_req r = req(1, 70, T0);
    static const struct {
        uint8_t wday;
        uint16_t min;
        uint32_t rule;
    } at[] = {
        { 5, 22 * 60, 41 },     /* Friday 22:00 */
        { 6, 3 * 60, 41 },      /* Saturday 03:00: Friday's night */
        { 6, 6 * 60, 0 },       /* Saturday 06:00: over */
        { 6, 23 * 60, 0 },      /* Saturday 23:00: not Friday */
        { 5, 3 * 60, 0 },       /* Friday 03:00: Thursday's night */
        { 4, 21 * 60 + 59, 0 }, /* Thursday */
    };
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        r.weekday = at[i].wday;
        r.minute_of_day = at[i].min;
        assert_int_equal(limits_callrate_rule_for(f->rs, &r, &res), 0);
        assert_int_equal(res.rule_id, at[i].rule);
    }
}

static void eviction_is_bounded(void **state)
{
    (void)state;
    struct limits_callrate *cr = NULL;
    struct limits_callrate_rules *rs = NULL;
    assert_int_equal(limits_callrate_new(64, &cr), 0);
    assert_int_equal(limits_callrate_rules_new(NULL, 0, 1, 60, &rs, NULL), 0);
    /* Extension 1 is busy and refused; 1000 others come and go. */
    struct limits_callrate_req r = req(1, 1, T0);
    assert_int_equal(limits_callrate_take(cr, rs, &r, NULL),
                     LIMITS_CALLRATE_ALLOW);
    for (int64_t u = 2; u < 1002; u++) {
        struct limits_callrate_req o = req(1, u, T0);
        assert_int_equal(limits_callrate_take(cr, rs, &o, NULL),
                         LIMITS_CALLRATE_ALLOW);
        /* Keep extension 1 recently used: it must survive. */
        assert_int_equal(limits_callrate_take(cr, rs, &r, NULL),
                         LIMITS_CALLRATE_REFUSE);
    }
    struct limits_callrate_stats st;
    limits_callrate_stats(cr, &st);
    assert_int_equal(st.cap, 64);
    assert_true(st.n_entries <= 64);
    assert_true(st.evictions >= 1001 - 64);
    assert_int_equal(st.evictions + st.n_entries, 1001);
    /* The first of the others was forgotten: its bucket is full again. */
    struct limits_callrate_req o = req(1, 2, T0);
    assert_int_equal(limits_callrate_take(cr, rs, &o, NULL),
                     LIMITS_CALLRATE_ALLOW);
    assert_int_equal(limits_callrate_forget(cr, 1, 1), 0);
    assert_int_equal(limits_callrate_forget(cr, 1, 1), -ENOENT);
    assert_int_equal(limits_callrate_take(cr, rs, &r, NULL),
                     LIMITS_CALLRATE_ALLOW);
    assert_int_equal(limits_callrate_new(4, &cr), -EINVAL);
    limits_callrate_rules_free(rs);
    limits_callrate_free(cr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sixth_call_in_a_second_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(burst_at_one_instant, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_requests_refused, setup,
                                        teardown),
        cmocka_unit_test(rules_validated),
        cmocka_unit_test_setup_teardown(user_rule_beats_group_and_tenant, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(strictest_group_rule_wins, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(time_window_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(weekday_window_belongs_to_start_day,
                                        setup, teardown),
        cmocka_unit_test(eviction_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
