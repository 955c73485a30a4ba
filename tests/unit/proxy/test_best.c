/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proxy_best_*: RFC 3261 §16.7 step 6 over tables of branch outcomes
 * (6xx first and sticky, lowest class, retry-informative 4xx, 486 over
 * other 4xx, our own 408 / 487 last, first among equals), and 503 -> 500.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proxy/best.h"

struct pick_case {
    int status[4];
    size_t n;
    long want;
};

static const struct pick_case cases[] = {
    { { 0 }, 0, -1 },
    { { 486 }, 1, 0 },
    { { 408, 486 }, 2, 1 }, /* busy device over a timeout */
    { { 486, 408 }, 2, 0 },
    { { 487, 487 }, 2, 0 },      /* first among equals */
    { { 480, 404, 486 }, 3, 2 }, /* 486 over other 4xx */
    { { 486, 407 }, 2, 1 },      /* the caller can retry with credentials */
    { { 500, 486 }, 2, 1 },      /* 4xx over 5xx */
    { { 404, 302 }, 2, 1 },      /* 3xx over 4xx */
    { { 486, 603, 302 }, 3, 1 }, /* 6xx wins */
    { { 603, 600 }, 2, 0 },      /* and the first 6xx stays */
    { { 503, 408 }, 2, 1 },
    { { 408, 480 }, 2, 1 },
    { { 199, 486 }, 2, 1 }, /* not a final: ignored */
};

static void pick_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long got = proxy_best_pick(cases[i].status, cases[i].n);
        if (got != cases[i].want) {
            fail_msg("case %zu: picked %ld, want %ld", i, got, cases[i].want);
        }
    }
}

static void better_pairs(void **state)
{
    (void)state;
    assert_true(proxy_best_better(486, 0));
    assert_false(proxy_best_better(200, 0));
    assert_false(proxy_best_better(700, 0));
    assert_true(proxy_best_better(600, 302));
    assert_false(proxy_best_better(302, 600));
    assert_false(proxy_best_better(480, 480));
    assert_true(proxy_best_better(401, 486));
    assert_true(proxy_best_better(486, 487));
    assert_false(proxy_best_better(487, 486));
}

static void upstream_status(void **state)
{
    (void)state;
    assert_int_equal(proxy_best_upstream_status(503), 500);
    assert_int_equal(proxy_best_upstream_status(486), 486);
    assert_int_equal(proxy_best_upstream_status(408), 408);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pick_table),
        cmocka_unit_test(better_pairs),
        cmocka_unit_test(upstream_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
