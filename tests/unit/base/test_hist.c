/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/hist.h"

/* A value on a bound belongs to that bound's bucket (le is inclusive). */
static void bucket_edges(void **state)
{
    (void)state;
    assert_int_equal(hist_bucket_of(0), 0);
    assert_int_equal(hist_bucket_of(hist_bounds_ns[0]), 0);
    assert_int_equal(hist_bucket_of(hist_bounds_ns[0] + 1), 1);
    for (size_t i = 1; i < HIST_BOUNDS; i++) {
        assert_true(hist_bounds_ns[i] > hist_bounds_ns[i - 1]);
        assert_int_equal(hist_bucket_of(hist_bounds_ns[i]), i);
        assert_int_equal(hist_bucket_of(hist_bounds_ns[i - 1] + 1), i);
    }
    assert_int_equal(hist_bucket_of(hist_bounds_ns[HIST_BOUNDS - 1] + 1),
                     HIST_BOUNDS);
    assert_int_equal(hist_bucket_of(UINT64_MAX), HIST_BOUNDS);
}

static void observe_and_sum(void **state)
{
    (void)state;
    struct hist a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    hist_observe(&a, 5000);        /* 5 us: first bucket */
    hist_observe(&a, 300000);      /* 300 us: le 0.0005 */
    hist_observe(&b, 300000);      /* the same bucket, other worker */
    hist_observe(&b, 10000000000); /* 10 s: above every bound */
    struct hist_snap s;
    memset(&s, 0, sizeof(s));
    hist_snap_add(&s, &a);
    hist_snap_add(&s, &b);
    assert_int_equal(hist_snap_count(&s), 4);
    assert_int_equal(s.n[0], 1);
    assert_int_equal(s.n[hist_bucket_of(300000)], 2);
    assert_int_equal(hist_bounds_ns[hist_bucket_of(300000)], 500000);
    assert_int_equal(s.n[HIST_BOUNDS], 1);
    assert_int_equal(s.sum_ns, 5000u + 300000u + 300000u + 10000000000u);
}

static void clock_moves(void **state)
{
    (void)state;
    uint64_t t0 = hist_now_ns();
    uint64_t t1 = hist_now_ns();
    assert_true(t0 > 0);
    assert_true(t1 >= t0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bucket_edges),
        cmocka_unit_test(observe_and_sum),
        cmocka_unit_test(clock_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
