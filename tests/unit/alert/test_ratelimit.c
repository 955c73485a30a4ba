/* SPDX-License-Identifier: Apache-2.0 */
/* Alert rate limits: interval per kind and key, hourly cap, suppressed
 * counts carried by the next alert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alert/ratelimit.h"

#define T0 1800000000

static struct alert mk(enum alert_kind k, const char *key)
{
    struct alert a;
    memset(&a, 0, sizeof(a));
    a.kind = k;
    snprintf(a.key, sizeof(a.key), "%s", key);
    return a;
}

static void interval_per_key(void **state)
{
    (void)state;
    static struct alert_rl rl;
    struct alert_rl_cfg cfg = { .min_interval_s = 300, .max_per_hour = 30 };
    alert_rl_init(&rl, &cfg);
    struct alert a = mk(ALERT_BAN, "10.0.0.1/32");
    assert_true(alert_rl_admit(&rl, &a, T0));
    assert_int_equal(a.suppressed, 0);
    a = mk(ALERT_BAN, "10.0.0.1/32");
    assert_false(alert_rl_admit(&rl, &a, T0 + 299));
    /* another key, and the same key under another kind, are free */
    a = mk(ALERT_BAN, "10.0.0.2/32");
    assert_true(alert_rl_admit(&rl, &a, T0 + 299));
    /* ... and carries the count of its kind suppressed so far */
    assert_int_equal(a.suppressed, 1);
    a = mk(ALERT_ADMIN_NEW_ADDR, "10.0.0.1/32");
    assert_true(alert_rl_admit(&rl, &a, T0 + 299));
    assert_int_equal(a.suppressed, 0);
    a = mk(ALERT_BAN, "10.0.0.1/32");
    assert_true(alert_rl_admit(&rl, &a, T0 + 300));
    assert_int_equal(a.suppressed, 0);
    assert_int_equal(rl.n_suppressed, 1);
}

static void suppressed_count_reported_once(void **state)
{
    (void)state;
    static struct alert_rl rl;
    struct alert_rl_cfg cfg = { .min_interval_s = 60, .max_per_hour = 30 };
    alert_rl_init(&rl, &cfg);
    struct alert a = mk(ALERT_LOGIN_SPIKE, "all");
    assert_true(alert_rl_admit(&rl, &a, T0));
    for (int i = 1; i <= 3; i++) {
        a = mk(ALERT_LOGIN_SPIKE, "all");
        assert_false(alert_rl_admit(&rl, &a, T0 + i));
    }
    a = mk(ALERT_LOGIN_SPIKE, "all");
    assert_true(alert_rl_admit(&rl, &a, T0 + 60));
    assert_int_equal(a.suppressed, 3);
    a = mk(ALERT_LOGIN_SPIKE, "all");
    assert_true(alert_rl_admit(&rl, &a, T0 + 120));
    assert_int_equal(a.suppressed, 0);
}

static void hourly_cap(void **state)
{
    (void)state;
    static struct alert_rl rl;
    struct alert_rl_cfg cfg = { .min_interval_s = 0, .max_per_hour = 3 };
    alert_rl_init(&rl, &cfg);
    char key[16];
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        struct alert a = mk(ALERT_BAN, key);
        assert_true(alert_rl_admit(&rl, &a, T0 + i));
    }
    struct alert a = mk(ALERT_FRAUD, "other");
    assert_false(alert_rl_admit(&rl, &a, T0 + 10));
    a = mk(ALERT_BAN, "k9");
    assert_false(alert_rl_admit(&rl, &a, T0 + 3599));
    /* the first send leaves the hour */
    a = mk(ALERT_FRAUD, "other");
    assert_true(alert_rl_admit(&rl, &a, T0 + 3600));
    assert_int_equal(a.suppressed, 1);
    /* tests are never limited */
    for (int i = 0; i < 5; i++) {
        a = mk(ALERT_TEST, "test");
        assert_true(alert_rl_admit(&rl, &a, T0 + 3600));
    }
    assert_int_equal(rl.n_suppressed, 2);
}

static void key_table_bounded(void **state)
{
    (void)state;
    static struct alert_rl rl;
    struct alert_rl_cfg cfg = { .min_interval_s = 1000, .max_per_hour = 1000 };
    alert_rl_init(&rl, &cfg);
    char key[32];
    for (int i = 0; i < ALERT_RL_KEYS + 10; i++) {
        snprintf(key, sizeof(key), "10.1.%d.%d", i / 256, i % 256);
        struct alert a = mk(ALERT_BAN, key);
        assert_true(alert_rl_admit(&rl, &a, T0 + i));
    }
    assert_int_equal(rl.n_keys, ALERT_RL_KEYS);
    /* the newest keys are still remembered */
    struct alert a = mk(ALERT_BAN, key);
    assert_false(alert_rl_admit(&rl, &a, T0 + ALERT_RL_KEYS + 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interval_per_key),
        cmocka_unit_test(suppressed_count_reported_once),
        cmocka_unit_test(hourly_cap),
        cmocka_unit_test(key_table_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
