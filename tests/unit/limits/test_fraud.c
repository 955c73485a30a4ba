/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "limits/fraud.h"

#define T0     10000000u
#define WALL0  1700000000
#define MIN_MS (60u * 1000u)
#define H_MS   (3600u * 1000u)

enum { E = LIMITS_FRAUD_SCOPE_EXT, TN = LIMITS_FRAUD_SCOPE_TENANT };

/* Settings with every threshold off; tests switch on what they need. */
static void quiet_settings(struct limits_fraud_settings *s)
{
    limits_fraud_settings_default(s);
    memset(&s->policy, 0, sizeof(s->policy));
}

static struct limits_fraud *watch(const struct limits_fraud_settings *s)
{
    struct limits_fraud *fw = NULL;
    assert_int_equal(limits_fraud_new(s, T0, &fw), 0);
    return fw;
}

static struct limits_fraud_call call(int64_t tenant, int64_t user, bool intl,
                                     const char *dest, uint64_t now_ms)
{
    struct limits_fraud_call c;
    memset(&c, 0, sizeof(c));
    c.tenant_id = tenant;
    c.user_id = user;
    c.is_international = intl;
    c.dest = dest ? sv_make(dest, strlen(dest)) : SV_NULL;
    c.now_ms = now_ms;
    c.wall_s = WALL0 + (int64_t)((now_ms - T0) / 1000);
    return c;
}

static enum limits_fraud_level rec(struct limits_fraud *fw,
                                   const struct limits_fraud_call *c,
                                   struct limits_fraud_result *r)
{
    return limits_fraud_record(fw, c, r);
}

static void defaults_are_valid(void **state)
{
    (void)state;
    struct limits_fraud_settings s;
    limits_fraud_settings_default(&s);
    assert_int_equal(s.window_s[0], 3600);
    assert_int_equal(s.window_s[1], 86400);
    assert_int_equal(s.window_s[2], 0);
    assert_int_equal(s.policy.thr[E][0][LIMITS_FRAUD_INTL].warn, 10);
    assert_int_equal(s.policy.thr[E][0][LIMITS_FRAUD_INTL].crit, 30);
    assert_int_equal(s.policy.thr[TN][1][LIMITS_FRAUD_DEST].crit, 0);
    assert_int_equal(limits_fraud_policy_check(&s, &s.policy), 0);
    struct limits_fraud *fw = watch(&s);
    struct limits_fraud_stats st;
    limits_fraud_stats(fw, &st);
    assert_true(st.mem_bytes > 0 && st.mem_bytes < 20u * 1024 * 1024);
    limits_fraud_free(fw);
    limits_fraud_free(NULL);

    struct limits_fraud_settings bad = s;
    bad.window_s[0] = 0;
    assert_int_equal(limits_fraud_new(&bad, T0, &fw), -EINVAL);
    bad = s;
    bad.window_s[1] = 3601; /* not a multiple of the slot count */
    assert_int_equal(limits_fraud_new(&bad, T0, &fw), -EINVAL);
    bad = s;
    bad.policy.thr[E][0][LIMITS_FRAUD_OOH].warn = 50; /* > crit 30 */
    assert_int_equal(limits_fraud_new(&bad, T0, &fw), -EINVAL);
    bad = s;
    bad.policy.thr[E][2][LIMITS_FRAUD_OOH].warn = 5; /* unused window */
    assert_int_equal(limits_fraud_policy_check(&bad, &bad.policy), -EINVAL);
    bad = s;
    bad.ext_cap = 4;
    assert_int_equal(limits_fraud_new(&bad, T0, &fw), -EINVAL);
}

static void warning_critical_suspension_lift(void **state)
{
    (void)state;
    struct limits_fraud_settings s;
    quiet_settings(&s);
    s.policy.thr[E][0][LIMITS_FRAUD_INTL] =
        (struct limits_fraud_thr){ .warn = 3, .crit = 5 };
    struct limits_fraud *fw = watch(&s);
    struct limits_fraud_result r;
    uint64_t now = T0;
    for (int i = 1; i <= 2; i++) {
        struct limits_fraud_call c = call(1, 10, true, "4420", now);
        assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
        assert_int_equal(r.n_alerts, 0);
        now += 1000;
    }
    /* National calls do not count. */
    struct limits_fraud_call nat = call(1, 10, false, "0201", now);
    assert_int_equal(rec(fw, &nat, &r), LIMITS_FRAUD_NONE);
    struct limits_fraud_call c = call(1, 10, true, "4420", now);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_WARNING);
    assert_int_equal(r.n_alerts, 1);
    assert_int_equal(r.alerts[0].level, LIMITS_FRAUD_WARNING);
    assert_int_equal(r.alerts[0].scope, E);
    assert_int_equal(r.alerts[0].metric, LIMITS_FRAUD_INTL);
    assert_int_equal(r.alerts[0].window, 0);
    assert_int_equal(r.alerts[0].window_s, 3600);
    assert_int_equal(r.alerts[0].count, 3);
    assert_int_equal(r.alerts[0].threshold, 3);
    assert_false(limits_fraud_is_suspended(fw, 1, 10));
    /* Raised once: the 4th call is quiet. */
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    assert_int_equal(r.n_alerts, 0);
    /* The 5th reaches critical: suspended. */
    c.wall_s = WALL0 + 77;
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_CRITICAL);
    assert_true(r.ext_suspended_now);
    assert_false(r.tenant_suspended_now);
    assert_int_equal(r.n_alerts, 1);
    assert_int_equal(r.alerts[0].level, LIMITS_FRAUD_CRITICAL);
    assert_int_equal(r.alerts[0].count, 5);
    assert_int_equal(r.alerts[0].threshold, 5);
    assert_true(limits_fraud_is_suspended(fw, 1, 10));
    assert_false(limits_fraud_is_suspended(fw, 1, 11));
    assert_false(limits_fraud_is_suspended(fw, 2, 10));
    struct limits_fraud_susp list[4];
    assert_int_equal(limits_fraud_list(fw, list, 4), 1);
    assert_int_equal(list[0].tenant_id, 1);
    assert_int_equal(list[0].user_id, 10);
    assert_int_equal(list[0].since_wall_s, WALL0 + 77);
    assert_int_equal(list[0].scope, E);
    assert_int_equal(list[0].metric, LIMITS_FRAUD_INTL);
    assert_int_equal(list[0].window_s, 3600);
    assert_int_equal(list[0].count, 5);
    /* Still critical, not suspended again. */
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_CRITICAL);
    assert_false(r.ext_suspended_now);
    assert_int_equal(r.n_alerts, 0);
    struct limits_fraud_stats st;
    limits_fraud_stats(fw, &st);
    assert_int_equal(st.suspensions, 1);
    assert_int_equal(st.warnings, 1);
    assert_int_equal(st.n_susp, 1);
    /* The admin lifts it: counters start again from zero. */
    assert_int_equal(limits_fraud_lift(fw, 1, 10), 0);
    assert_int_equal(limits_fraud_lift(fw, 1, 10), -ENOENT);
    assert_false(limits_fraud_is_suspended(fw, 1, 10));
    struct limits_fraud_counts cnt;
    assert_int_equal(limits_fraud_peek(fw, 1, 10, now, &cnt), -ENOENT);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    assert_int_equal(limits_fraud_peek(fw, 1, 10, now, &cnt), 0);
    assert_int_equal(cnt.count[0][LIMITS_FRAUD_INTL], 1);
    assert_int_equal(limits_fraud_list(fw, NULL, 0), 0);
    limits_fraud_free(fw);
}

static void window_slides(void **state)
{
    (void)state;
    struct limits_fraud_settings s;
    quiet_settings(&s);
    s.policy.thr[E][0][LIMITS_FRAUD_INTL] =
        (struct limits_fraud_thr){ .warn = 4, .crit = 0 };
    struct limits_fraud *fw = watch(&s);
    struct limits_fraud_result r;
    struct limits_fraud_counts cnt;
    /* 2 calls at 0 min, 2 at 30 min: the 4th warns. */
    for (int i = 0; i < 2; i++) {
        struct limits_fraud_call c = call(1, 10, true, NULL, T0);
        assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    }
    struct limits_fraud_call c = call(1, 10, true, NULL, T0 + 30 * MIN_MS);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_WARNING);
    assert_int_equal(limits_fraud_peek(fw, 1, 10, T0 + 59 * MIN_MS, &cnt), 0);
    assert_int_equal(cnt.count[0][LIMITS_FRAUD_INTL], 4);
    assert_int_equal(cnt.count[1][LIMITS_FRAUD_INTL], 4);
    /* 65 min: the calls of minute 0 left the 1 h window (5-min slots). */
    assert_int_equal(limits_fraud_peek(fw, 1, 10, T0 + 65 * MIN_MS, &cnt), 0);
    assert_int_equal(cnt.count[0][LIMITS_FRAUD_INTL], 2);
    assert_int_equal(cnt.count[1][LIMITS_FRAUD_INTL], 4);
    /* 95 min: all gone from 1 h, all still in 24 h. */
    assert_int_equal(limits_fraud_peek(fw, 1, 10, T0 + 95 * MIN_MS, &cnt), 0);
    assert_int_equal(cnt.count[0][LIMITS_FRAUD_INTL], 0);
    assert_int_equal(cnt.count[1][LIMITS_FRAUD_INTL], 4);
    /* Peeking changed nothing; below the warning level again, the next
     * crossing warns again. */
    uint64_t t = T0 + 95 * MIN_MS;
    for (int i = 0; i < 3; i++) {
        c = call(1, 10, true, NULL, t);
        assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    }
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_WARNING);
    /* The tenant saw everything too. */
    assert_int_equal(limits_fraud_peek(fw, 1, 0, t, &cnt), 0);
    assert_int_equal(cnt.count[0][LIMITS_FRAUD_INTL], 4);
    assert_int_equal(cnt.count[1][LIMITS_FRAUD_INTL], 8);
    /* 25 h later everything is gone. */
    assert_int_equal(limits_fraud_peek(fw, 1, 10, t + 25 * H_MS, &cnt), 0);
    assert_int_equal(cnt.count[1][LIMITS_FRAUD_INTL], 0);
    limits_fraud_free(fw);
}

static void distinct_destinations(void **state)
{
    (void)state;
    struct limits_fraud_settings s;
    quiet_settings(&s);
    s.policy.thr[E][0][LIMITS_FRAUD_DEST] =
        (struct limits_fraud_thr){ .warn = 3, .crit = 5 };
    struct limits_fraud *fw = watch(&s);
    struct limits_fraud_result r;
    struct limits_fraud_counts cnt;
    const char *nums[] = { "4930111", "4930222", "4930333", "4930444",
                           "4930555" };
    /* The same number ten times is one destination. */
    for (int i = 0; i < 10; i++) {
        struct limits_fraud_call c = call(1, 10, false, nums[0], T0);
        assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    }
    struct limits_fraud_call c = call(1, 10, false, nums[1], T0 + MIN_MS);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    c = call(1, 10, false, nums[2], T0 + MIN_MS);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_WARNING);
    assert_int_equal(r.alerts[0].metric, LIMITS_FRAUD_DEST);
    assert_int_equal(r.alerts[0].count, 3);
    /* An hour and a bit later the first number left the 1 h window. */
    uint64_t t = T0 + 60 * MIN_MS + 30000;
    assert_int_equal(limits_fraud_peek(fw, 1, 10, t, &cnt), 0);
    assert_int_equal(cnt.count[0][LIMITS_FRAUD_DEST], 2);
    assert_int_equal(cnt.count[1][LIMITS_FRAUD_DEST], 3);
    c = call(1, 10, false, nums[3], t);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE); /* 3, warned */
    c = call(1, 10, false, nums[4], t);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE); /* 4 */
    c = call(1, 10, false, nums[0], t); /* seen again: back in the window */
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_CRITICAL);
    assert_true(r.ext_suspended_now);
    assert_int_equal(r.alerts[0].metric, LIMITS_FRAUD_DEST);
    assert_int_equal(r.alerts[0].count, 5);
    limits_fraud_free(fw);
}

static void destination_set_saturates_at_cap(void **state)
{
    (void)state;
    struct limits_fraud_settings s;
    quiet_settings(&s);
    /* Thresholds above the set size are clamped to it. */
    s.policy.thr[E][1][LIMITS_FRAUD_DEST] =
        (struct limits_fraud_thr){ .warn = 0, .crit = 1000 };
    struct limits_fraud *fw = watch(&s);
    struct limits_fraud_result r;
    char num[32];
    int crit_at = -1;
    for (int i = 0; i < 200 && crit_at < 0; i++) {
        snprintf(num, sizeof(num), "88%06d", i);
        struct limits_fraud_call c = call(1, 10, false, num, T0 + (uint64_t)i);
        if (rec(fw, &c, &r) == LIMITS_FRAUD_CRITICAL) {
            crit_at = i;
        }
    }
    assert_int_equal(crit_at, LIMITS_FRAUD_EXT_DEST_CAP - 1);
    struct limits_fraud_counts cnt;
    assert_int_equal(limits_fraud_peek(fw, 1, 10, T0 + 1000, &cnt), 0);
    assert_int_equal(cnt.count[1][LIMITS_FRAUD_DEST],
                     LIMITS_FRAUD_EXT_DEST_CAP);
    limits_fraud_free(fw);
}

static void outside_hours_and_policy_override(void **state)
{
    (void)state;
    struct limits_fraud_settings s;
    quiet_settings(&s);
    s.policy.thr[E][1][LIMITS_FRAUD_OOH] =
        (struct limits_fraud_thr){ .warn = 2, .crit = 3 };
    struct limits_fraud *fw = watch(&s);
    struct limits_fraud_result r;
    /* Calls in office hours do not count. */
    for (int i = 0; i < 5; i++) {
        struct limits_fraud_call c = call(1, 10, false, NULL, T0);
        assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    }
    struct limits_fraud_call c = call(1, 10, false, NULL, T0);
    c.is_outside_hours = true;
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    c.now_ms += 5 * H_MS; /* 24 h window: still counted */
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_WARNING);
    assert_int_equal(r.alerts[0].metric, LIMITS_FRAUD_OOH);
    assert_int_equal(r.alerts[0].window, 1);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_CRITICAL);
    assert_true(limits_fraud_is_suspended(fw, 1, 10));
    /* A tenant's own policy replaces the settings' one. */
    struct limits_fraud_policy strict;
    memset(&strict, 0, sizeof(strict));
    strict.thr[E][0][LIMITS_FRAUD_OOH] =
        (struct limits_fraud_thr){ .warn = 0, .crit = 1 };
    c = call(2, 20, false, NULL, T0);
    c.is_outside_hours = true;
    c.policy = &strict;
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_CRITICAL);
    assert_true(limits_fraud_is_suspended(fw, 2, 20));
    /* Invalid calls are not counted. */
    c.tenant_id = 0;
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE);
    limits_fraud_free(fw);
}

static void tenant_threshold_suspends_tenant(void **state)
{
    (void)state;
    struct limits_fraud_settings s;
    quiet_settings(&s);
    s.policy.thr[TN][0][LIMITS_FRAUD_INTL] =
        (struct limits_fraud_thr){ .warn = 2, .crit = 4 };
    struct limits_fraud *fw = watch(&s);
    struct limits_fraud_result r;
    /* Four extensions, one international call each. */
    for (int64_t u = 1; u <= 3; u++) {
        struct limits_fraud_call c = call(1, u, true, "4420", T0);
        enum limits_fraud_level lvl = rec(fw, &c, &r);
        assert_int_equal(lvl,
                         u == 2 ? LIMITS_FRAUD_WARNING : LIMITS_FRAUD_NONE);
        if (u == 2) {
            assert_int_equal(r.alerts[0].scope, TN);
        }
    }
    struct limits_fraud_call c = call(1, 4, true, "4420", T0);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_CRITICAL);
    assert_true(r.tenant_suspended_now);
    assert_false(r.ext_suspended_now);
    assert_int_equal(r.alerts[0].scope, TN);
    /* Every extension of tenant 1 is suspended, tenant 2 is not. */
    assert_true(limits_fraud_is_suspended(fw, 1, 1));
    assert_true(limits_fraud_is_suspended(fw, 1, 99));
    assert_false(limits_fraud_is_suspended(fw, 2, 1));
    struct limits_fraud_susp list[2];
    assert_int_equal(limits_fraud_list(fw, list, 2), 1);
    assert_int_equal(list[0].user_id, 0);
    assert_int_equal(list[0].scope, TN);
    assert_int_equal(limits_fraud_lift(fw, 1, 1), -ENOENT);
    assert_int_equal(limits_fraud_lift(fw, 1, 0), 0);
    assert_false(limits_fraud_is_suspended(fw, 1, 99));
    c = call(1, 5, true, "4420", T0);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_NONE); /* tenant: 1 */
    limits_fraud_free(fw);
}

static void suspensions_export_import(void **state)
{
    (void)state;
    struct limits_fraud_settings s;
    quiet_settings(&s);
    s.susp_cap = 8;
    s.policy.thr[E][0][LIMITS_FRAUD_INTL] =
        (struct limits_fraud_thr){ .warn = 0, .crit = 1 };
    struct limits_fraud *fw = watch(&s);
    for (int64_t u = 1; u <= 3; u++) {
        struct limits_fraud_call c = call(7, u, true, "4420", T0);
        assert_int_equal(rec(fw, &c, NULL), LIMITS_FRAUD_CRITICAL);
    }
    struct limits_fraud_susp manual = { .tenant_id = 8,
                                        .user_id = 1,
                                        .since_wall_s = WALL0,
                                        .metric = LIMITS_FRAUD_ADMIN };
    assert_int_equal(limits_fraud_suspend(fw, &manual), 0);
    assert_int_equal(limits_fraud_suspend(fw, &manual), -EEXIST);
    manual.tenant_id = 0;
    assert_int_equal(limits_fraud_suspend(fw, &manual), -EINVAL);
    struct limits_fraud_susp saved[8];
    size_t n = limits_fraud_list(fw, saved, 2); /* too small: count all */
    assert_int_equal(n, 4);
    n = limits_fraud_list(fw, saved, 8);
    assert_int_equal(n, 4);
    limits_fraud_free(fw);

    /* The daemon restarts and restores them. */
    fw = watch(&s);
    assert_false(limits_fraud_is_suspended(fw, 7, 1));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(limits_fraud_suspend(fw, &saved[i]), 0);
    }
    assert_true(limits_fraud_is_suspended(fw, 7, 1));
    assert_true(limits_fraud_is_suspended(fw, 7, 3));
    assert_true(limits_fraud_is_suspended(fw, 8, 1));
    assert_false(limits_fraud_is_suspended(fw, 7, 4));
    struct limits_fraud_susp again[8];
    assert_int_equal(limits_fraud_list(fw, again, 8), 4);
    bool found_admin = false;
    for (size_t i = 0; i < 4; i++) {
        found_admin = found_admin
                      || (again[i].tenant_id == 8
                          && again[i].metric == LIMITS_FRAUD_ADMIN);
    }
    assert_true(found_admin);
    /* The table holds 8 at most; more are refused, never evicted. */
    int refused = 0;
    for (int64_t u = 100; u < 110; u++) {
        struct limits_fraud_susp x = { .tenant_id = 9, .user_id = u };
        if (limits_fraud_suspend(fw, &x) == -ENOSPC) {
            refused++;
        }
    }
    assert_int_equal(refused, 6);
    assert_true(limits_fraud_is_suspended(fw, 7, 1));
    /* A critical crossing with the table full still says CRITICAL. */
    struct limits_fraud_result r;
    struct limits_fraud_call c = call(7, 50, true, "4420", T0);
    assert_int_equal(rec(fw, &c, &r), LIMITS_FRAUD_CRITICAL);
    assert_false(r.ext_suspended_now);
    struct limits_fraud_stats st;
    limits_fraud_stats(fw, &st);
    assert_int_equal(st.susp_refused, 1);
    limits_fraud_free(fw);
}

static void eviction_is_bounded(void **state)
{
    (void)state;
    struct limits_fraud_settings s;
    quiet_settings(&s);
    s.ext_cap = 16;
    s.tenant_cap = 8;
    s.policy.thr[E][0][LIMITS_FRAUD_INTL] =
        (struct limits_fraud_thr){ .warn = 0, .crit = 2 };
    struct limits_fraud *fw = watch(&s);
    /* Extension 1 is suspended, then 1000 idle-after-one-call others. */
    for (int i = 0; i < 2; i++) {
        struct limits_fraud_call c = call(1, 1, true, NULL, T0);
        rec(fw, &c, NULL);
    }
    assert_true(limits_fraud_is_suspended(fw, 1, 1));
    for (int64_t u = 2; u < 1002; u++) {
        struct limits_fraud_call c = call(1 + u % 20, u, false, "1", T0);
        assert_int_equal(rec(fw, &c, NULL), LIMITS_FRAUD_NONE);
    }
    struct limits_fraud_stats st;
    limits_fraud_stats(fw, &st);
    assert_true(st.n_ext <= 16);
    assert_true(st.n_tenant <= 8);
    assert_int_equal(st.n_susp, 1);
    assert_true(st.evictions >= (1001 - 16) + (20 - 8));
    /* Counters of the first extension were evicted, its suspension not. */
    struct limits_fraud_counts cnt;
    assert_int_equal(limits_fraud_peek(fw, 1, 1, T0, &cnt), -ENOENT);
    assert_true(limits_fraud_is_suspended(fw, 1, 1));
    /* The most recent one is still tracked. */
    assert_int_equal(limits_fraud_peek(fw, 1 + 1001 % 20, 1001, T0, &cnt), 0);
    limits_fraud_free(fw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_valid),
        cmocka_unit_test(warning_critical_suspension_lift),
        cmocka_unit_test(window_slides),
        cmocka_unit_test(distinct_destinations),
        cmocka_unit_test(destination_set_saturates_at_cap),
        cmocka_unit_test(outside_hours_and_policy_override),
        cmocka_unit_test(tenant_threshold_suspends_tenant),
        cmocka_unit_test(suspensions_export_import),
        cmocka_unit_test(eviction_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
