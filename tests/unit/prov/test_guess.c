/* SPDX-License-Identifier: Apache-2.0 */
/* The provisioning enumeration counter: threshold, window, eviction of
 * the least recently seen source when the table is full. Time is given
 * by the test (milliseconds), never slept. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "prov/guess.h"

static const unsigned char ip_a[4] = { 203, 0, 113, 5 };
static const unsigned char ip_b[4] = { 203, 0, 113, 6 };
static const unsigned char ip_c[4] = { 203, 0, 113, 7 };

static void threshold_bans_at_max(void **state)
{
    struct prov_guess g;
    bool ban = true;
    (void)state;
    assert_int_equal(prov_guess_init(&g, 16, 5, 60000), 0);
    for (int i = 1; i <= 4; i++) {
        assert_int_equal(
            prov_guess_miss(&g, ip_a, 4, 1000u * (unsigned)i, &ban), i);
        assert_false(ban);
    }
    assert_int_equal(prov_guess_count(&g, ip_a, 4, 4000), 4);
    assert_int_equal(prov_guess_miss(&g, ip_a, 4, 5000, &ban), 5);
    assert_true(ban);
    /* The ban took over: the counter starts again. */
    assert_int_equal(prov_guess_count(&g, ip_a, 4, 5000), 0);
    assert_int_equal(prov_guess_miss(&g, ip_a, 4, 5001, &ban), 1);
    assert_false(ban);
    /* Another source has its own count. */
    assert_int_equal(prov_guess_miss(&g, ip_b, 4, 5002, &ban), 1);
    prov_guess_fini(&g);
}

static void window_restarts(void **state)
{
    struct prov_guess g;
    bool ban = false;
    (void)state;
    assert_int_equal(prov_guess_init(&g, 16, 3, 60000), 0);
    assert_int_equal(prov_guess_miss(&g, ip_a, 4, 0, &ban), 1);
    assert_int_equal(prov_guess_miss(&g, ip_a, 4, 59999, &ban), 2);
    assert_false(ban);
    /* 60 s after the first miss the window is over: a new one starts. */
    assert_int_equal(prov_guess_count(&g, ip_a, 4, 60000), 0);
    assert_int_equal(prov_guess_miss(&g, ip_a, 4, 60000, &ban), 1);
    assert_false(ban);
    assert_int_equal(prov_guess_miss(&g, ip_a, 4, 60001, &ban), 2);
    assert_int_equal(prov_guess_miss(&g, ip_a, 4, 60002, &ban), 3);
    assert_true(ban);
    prov_guess_fini(&g);
}

static void full_table_evicts_least_recent(void **state)
{
    struct prov_guess g;
    bool ban = false;
    (void)state;
    assert_int_equal(prov_guess_init(&g, 2, 10, 60000), 0);
    assert_int_equal(prov_guess_miss(&g, ip_a, 4, 100, &ban), 1);
    assert_int_equal(prov_guess_miss(&g, ip_b, 4, 200, &ban), 1);
    assert_int_equal(prov_guess_miss(&g, ip_a, 4, 300, &ban), 2);
    /* Full: c takes b's slot (b was seen last at 200, a at 300). */
    assert_int_equal(prov_guess_miss(&g, ip_c, 4, 400, &ban), 1);
    assert_int_equal(g.evicted, 1);
    assert_int_equal(prov_guess_count(&g, ip_a, 4, 400), 2);
    assert_int_equal(prov_guess_count(&g, ip_b, 4, 400), 0);
    assert_int_equal(prov_guess_count(&g, ip_c, 4, 400), 1);
    /* An expired slot is reused before anything is evicted. */
    assert_int_equal(prov_guess_miss(&g, ip_b, 4, 60200, &ban), 1);
    assert_int_equal(g.evicted, 1);
    prov_guess_fini(&g);
}

static void bad_arguments(void **state)
{
    struct prov_guess g;
    bool ban = false;
    unsigned char big[17] = { 0 };
    (void)state;
    assert_int_equal(prov_guess_init(&g, 0, 5, 60000), -EINVAL);
    assert_int_equal(prov_guess_init(&g, 4, 0, 60000), -EINVAL);
    assert_int_equal(prov_guess_init(&g, 4, 5, 0), -EINVAL);
    assert_int_equal(prov_guess_init(&g, 4, 5, 1000), 0);
    assert_int_equal(prov_guess_miss(&g, big, sizeof(big), 1, &ban), -EINVAL);
    assert_int_equal(prov_guess_miss(&g, ip_a, 0, 1, &ban), -EINVAL);
    prov_guess_fini(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threshold_bans_at_max),
        cmocka_unit_test(window_restarts),
        cmocka_unit_test(full_table_evicts_least_recent),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
