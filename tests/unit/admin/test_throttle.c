/* SPDX-License-Identifier: Apache-2.0 */
/* The failure table: windows, blocks, bounded size and eviction. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "admin/throttle.h"

static void ip(uint8_t out[16], uint32_t n)
{
    memset(out, 0, 16);
    out[10] = out[11] = 0xff;
    out[12] = (uint8_t)(n >> 24);
    out[13] = (uint8_t)(n >> 16);
    out[14] = (uint8_t)(n >> 8);
    out[15] = (uint8_t)n;
}

static void window_block_expiry(void **state)
{
    (void)state;
    struct admin_throttle *t = admin_throttle_new(16);
    uint8_t a[16];
    uint32_t c = 0, left = 0;
    assert_non_null(t);
    ip(a, 1);
    assert_false(admin_throttle_fail(t, a, 0, 3, 10, 60, &c));
    assert_false(admin_throttle_fail(t, a, 5000, 3, 10, 60, &c));
    assert_int_equal(c, 2);
    /* The window (10 s from the first failure) ends: start again. */
    assert_false(admin_throttle_fail(t, a, 10000, 3, 10, 60, &c));
    assert_int_equal(c, 1);
    assert_false(admin_throttle_fail(t, a, 11000, 3, 10, 60, &c));
    assert_true(admin_throttle_fail(t, a, 12000, 3, 10, 60, &c));
    assert_true(admin_throttle_blocked(t, a, 12000, &left));
    assert_int_equal(left, 60);
    assert_true(admin_throttle_blocked(t, a, 71999, &left));
    assert_int_equal(left, 1);
    assert_false(admin_throttle_blocked(t, a, 72000, &left));
    /* Cleared. */
    assert_false(admin_throttle_fail(t, a, 80000, 3, 10, 60, &c));
    assert_int_equal(admin_throttle_count(t), 1);
    admin_throttle_clear(t, a);
    assert_int_equal(admin_throttle_count(t), 0);
    admin_throttle_free(t);
    admin_throttle_free(NULL);
    assert_null(admin_throttle_new(15));
}

static void bounded_keeps_blocked(void **state)
{
    (void)state;
    struct admin_throttle *t = admin_throttle_new(16);
    uint8_t a[16];
    /* Block address 0, then flood with 1000 others. */
    ip(a, 0);
    assert_true(admin_throttle_fail(t, a, 0, 1, 60, 600, NULL));
    for (uint32_t i = 1; i <= 1000; i++) {
        ip(a, i);
        admin_throttle_fail(t, a, i, 5, 60, 600, NULL);
    }
    assert_int_equal(admin_throttle_count(t), 16);
    ip(a, 0);
    assert_true(admin_throttle_blocked(t, a, 2000, NULL));
    /* The most recent ones are kept, the stalest were recycled. */
    uint32_t c = 0;
    ip(a, 1000);
    admin_throttle_fail(t, a, 2000, 5, 60, 600, &c);
    assert_int_equal(c, 2);
    ip(a, 1);
    admin_throttle_fail(t, a, 2000, 5, 60, 600, &c);
    assert_int_equal(c, 1);
    admin_throttle_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_block_expiry),
        cmocka_unit_test(bounded_keeps_blocked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
