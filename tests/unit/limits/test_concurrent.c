/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "limits/concurrent.h"

static int setup(void **state)
{
    struct limits_cc *cc = NULL;
    if (limits_cc_new(1000, &cc) != 0) {
        return -1;
    }
    *state = cc;
    return 0;
}

static int teardown(void **state)
{
    limits_cc_free(*state);
    return 0;
}

static struct limits_cc_req creq(int64_t tenant, int64_t user, int64_t trunk,
                                 uint32_t ext_max, uint32_t tt_max,
                                 uint32_t trunk_max)
{
    struct limits_cc_req r;
    memset(&r, 0, sizeof(r));
    r.tenant_id = tenant;
    r.user_id = user;
    r.trunk_id = trunk;
    r.ext_max = ext_max;
    r.trunk_tenant_max = tt_max;
    r.trunk_max = trunk_max;
    return r;
}

static uint32_t ext_n(struct limits_cc *cc, int64_t t, int64_t u)
{
    return limits_cc_count(cc, LIMITS_CC_LEVEL_EXT, t, u, 0);
}

static uint32_t tt_n(struct limits_cc *cc, int64_t trunk, int64_t t)
{
    return limits_cc_count(cc, LIMITS_CC_LEVEL_TRUNK_TENANT, t, 0, trunk);
}

static uint32_t trunk_n(struct limits_cc *cc, int64_t trunk)
{
    return limits_cc_count(cc, LIMITS_CC_LEVEL_TRUNK, 0, 0, trunk);
}

static void extension_limit(void **state)
{
    struct limits_cc *cc = *state;
    struct limits_cc_handle h[3] = { LIMITS_CC_HANDLE_INIT,
                                     LIMITS_CC_HANDLE_INIT,
                                     LIMITS_CC_HANDLE_INIT };
    struct limits_cc_req r = creq(1, 10, 0, 2, 0, 0);
    assert_int_equal(limits_cc_acquire(cc, &r, &h[0]), LIMITS_CC_OK);
    assert_int_equal(limits_cc_acquire(cc, &r, &h[1]), LIMITS_CC_OK);
    assert_int_equal(limits_cc_acquire(cc, &r, &h[2]), LIMITS_CC_EXT);
    assert_int_equal(atomic_load(&h[2].held), 0);
    assert_int_equal(ext_n(cc, 1, 10), 2);
    /* Another extension of the same tenant is not affected. */
    struct limits_cc_req o = creq(1, 11, 0, 2, 0, 0);
    assert_int_equal(limits_cc_acquire(cc, &o, &h[2]), LIMITS_CC_OK);
    assert_int_equal(limits_cc_release(cc, &h[2]), 1);
    /* One ends: one more fits. */
    assert_int_equal(limits_cc_release(cc, &h[0]), 1);
    assert_int_equal(ext_n(cc, 1, 10), 1);
    assert_int_equal(limits_cc_acquire(cc, &r, &h[0]), LIMITS_CC_OK);
    /* ext_max 0: unlimited but counted. */
    r.ext_max = 0;
    assert_int_equal(limits_cc_acquire(cc, &r, &h[2]), LIMITS_CC_OK);
    assert_int_equal(ext_n(cc, 1, 10), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(limits_cc_release(cc, &h[i]), 1);
    }
    assert_int_equal(ext_n(cc, 1, 10), 0);
    struct limits_cc_stats st;
    limits_cc_stats(cc, &st);
    assert_int_equal(st.n_entries, 0); /* counters die at zero */
    assert_int_equal(st.acquired, 5);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.released, 5);
    assert_int_equal(st.underflows, 0);
}

static void trunk_tenant_and_global_limits(void **state)
{
    struct limits_cc *cc = *state;
    struct limits_cc_handle h[8];
    memset(h, 0, sizeof(h));
    /* Trunk 7: 3 calls at once in all, 2 per tenant. */
    struct limits_cc_req a = creq(1, 10, 7, 0, 2, 3);
    struct limits_cc_req a2 = creq(1, 11, 7, 0, 2, 3);
    struct limits_cc_req b = creq(2, 20, 7, 0, 2, 3);
    struct limits_cc_req c = creq(3, 30, 7, 0, 2, 3);
    assert_int_equal(limits_cc_acquire(cc, &a, &h[0]), LIMITS_CC_OK);
    assert_int_equal(limits_cc_acquire(cc, &a2, &h[1]), LIMITS_CC_OK);
    /* Tenant 1 is at its limit on the trunk ... */
    assert_int_equal(limits_cc_acquire(cc, &a, &h[2]), LIMITS_CC_TRUNK_TENANT);
    /* ... while tenant 2 still goes through within the global limit. */
    assert_int_equal(limits_cc_acquire(cc, &b, &h[2]), LIMITS_CC_OK);
    /* Now the trunk is full for everybody. */
    assert_int_equal(limits_cc_acquire(cc, &c, &h[3]), LIMITS_CC_TRUNK);
    assert_int_equal(trunk_n(cc, 7), 3);
    assert_int_equal(tt_n(cc, 7, 1), 2);
    assert_int_equal(tt_n(cc, 7, 2), 1);
    assert_int_equal(tt_n(cc, 7, 3), 0);
    /* Another trunk is independent; an internal call takes no trunk. */
    struct limits_cc_req d = creq(3, 30, 8, 0, 2, 3);
    assert_int_equal(limits_cc_acquire(cc, &d, &h[3]), LIMITS_CC_OK);
    struct limits_cc_req e = creq(3, 30, 0, 0, 0, 0);
    assert_int_equal(limits_cc_acquire(cc, &e, &h[4]), LIMITS_CC_OK);
    assert_int_equal(h[4].levels, LIMITS_CC_LEVEL_EXT);
    /* Inbound from a trunk to no extension: trunk levels only. */
    struct limits_cc_req f = creq(3, 0, 8, 0, 2, 3);
    assert_int_equal(limits_cc_acquire(cc, &f, &h[5]), LIMITS_CC_OK);
    assert_int_equal(h[5].levels,
                     LIMITS_CC_LEVEL_TRUNK | LIMITS_CC_LEVEL_TRUNK_TENANT);
    assert_int_equal(limits_cc_acquire(cc, &f, &h[6]), LIMITS_CC_TRUNK_TENANT);
    assert_int_equal(limits_cc_release(cc, &h[2]), 1);
    assert_int_equal(limits_cc_acquire(cc, &c, &h[2]), LIMITS_CC_OK);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(limits_cc_release(cc, &h[i]), 1);
    }
    struct limits_cc_stats st;
    limits_cc_stats(cc, &st);
    assert_int_equal(st.n_entries, 0);
    assert_int_equal(st.underflows, 0);
}

static void all_or_nothing(void **state)
{
    struct limits_cc *cc = *state;
    struct limits_cc_handle h1 = LIMITS_CC_HANDLE_INIT;
    struct limits_cc_handle h2 = LIMITS_CC_HANDLE_INIT;
    struct limits_cc_handle h3 = LIMITS_CC_HANDLE_INIT;
    /* The trunk has one slot; extension 10 has two. */
    struct limits_cc_req r = creq(1, 10, 5, 2, 0, 1);
    assert_int_equal(limits_cc_acquire(cc, &r, &h1), LIMITS_CC_OK);
    /* The extension had room, the trunk not: the extension's count must
     * not move, nor may any counter be left behind. */
    assert_int_equal(limits_cc_acquire(cc, &r, &h2), LIMITS_CC_TRUNK);
    assert_int_equal(ext_n(cc, 1, 10), 1);
    assert_int_equal(tt_n(cc, 7, 1), 0);
    assert_int_equal(trunk_n(cc, 5), 1);
    assert_int_equal(tt_n(cc, 5, 1), 1);
    assert_int_equal(atomic_load(&h2.held), 0);
    /* A new extension refused on the trunk leaves no counter. */
    struct limits_cc_req n = creq(2, 99, 5, 1, 1, 1);
    struct limits_cc_stats st0, st1;
    limits_cc_stats(cc, &st0);
    assert_int_equal(limits_cc_acquire(cc, &n, &h3), LIMITS_CC_TRUNK);
    limits_cc_stats(cc, &st1);
    assert_int_equal(st1.n_entries, st0.n_entries);
    assert_int_equal(ext_n(cc, 2, 99), 0);
    /* The extension level is reported first when several are full. */
    r.ext_max = 1;
    assert_int_equal(limits_cc_acquire(cc, &r, &h2), LIMITS_CC_EXT);
    /* A handle already holding a call is refused, unchanged. */
    struct limits_cc_req o = creq(1, 11, 0, 0, 0, 0);
    assert_int_equal(limits_cc_acquire(cc, &o, &h1), LIMITS_CC_INVALID);
    assert_int_equal(h1.user_id, 10);
    struct limits_cc_req bad = creq(0, 11, 0, 0, 0, 0);
    assert_int_equal(limits_cc_acquire(cc, &bad, &h2), LIMITS_CC_INVALID);
    assert_int_equal(limits_cc_release(cc, &h1), 1);
    assert_int_equal(trunk_n(cc, 5), 0);
}

static void double_release_is_harmless(void **state)
{
    struct limits_cc *cc = *state;
    struct limits_cc_handle h = LIMITS_CC_HANDLE_INIT;
    struct limits_cc_handle other = LIMITS_CC_HANDLE_INIT;
    struct limits_cc_req r = creq(1, 10, 5, 3, 3, 3);
    assert_int_equal(limits_cc_release(cc, &h), 0); /* never acquired */
    assert_int_equal(limits_cc_acquire(cc, &r, &h), LIMITS_CC_OK);
    assert_int_equal(limits_cc_acquire(cc, &r, &other), LIMITS_CC_OK);
    assert_int_equal(ext_n(cc, 1, 10), 2);
    assert_int_equal(limits_cc_release(cc, &h), 1);
    /* The dialog is cleaned up again (timeout after BYE): no effect. */
    assert_int_equal(limits_cc_release(cc, &h), 0);
    assert_int_equal(limits_cc_release(cc, &h), 0);
    assert_int_equal(ext_n(cc, 1, 10), 1);
    assert_int_equal(trunk_n(cc, 5), 1);
    assert_int_equal(tt_n(cc, 5, 1), 1);
    /* A stale copy of a released handle cannot push counters below zero. */
    struct limits_cc_handle copy;
    memcpy(&copy, &other, sizeof(copy));
    assert_int_equal(limits_cc_release(cc, &other), 1);
    assert_int_equal(limits_cc_release(cc, &copy), 1);
    assert_int_equal(ext_n(cc, 1, 10), 0);
    assert_int_equal(trunk_n(cc, 5), 0);
    struct limits_cc_stats st;
    limits_cc_stats(cc, &st);
    assert_int_equal(st.underflows, 3);
    assert_int_equal(st.n_entries, 0);
    /* The handle can carry a new call after release. */
    assert_int_equal(limits_cc_acquire(cc, &r, &h), LIMITS_CC_OK);
    assert_int_equal(limits_cc_release(cc, &h), 1);
}

static void table_full_refuses(void **state)
{
    (void)state;
    struct limits_cc *cc = NULL;
    assert_int_equal(limits_cc_new(8, &cc), 0);
    struct limits_cc_handle h[16];
    memset(h, 0, sizeof(h));
    int ok = 0, full = 0;
    for (int i = 0; i < 16; i++) {
        struct limits_cc_req r = creq(1, 100 + i, 0, 0, 0, 0);
        enum limits_cc_res res = limits_cc_acquire(cc, &r, &h[i]);
        if (res == LIMITS_CC_OK) {
            ok++;
        } else {
            assert_int_equal(res, LIMITS_CC_FULL);
            full++;
        }
    }
    assert_int_equal(ok, 8);
    assert_int_equal(full, 8);
    for (int i = 0; i < 16; i++) {
        limits_cc_release(cc, &h[i]);
    }
    struct limits_cc_stats st;
    limits_cc_stats(cc, &st);
    assert_int_equal(st.n_entries, 0);
    assert_int_equal(st.underflows, 0);
    limits_cc_free(cc);
    assert_int_equal(limits_cc_new(7, &cc), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(extension_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(trunk_tenant_and_global_limits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(double_release_is_harmless, setup,
                                        teardown),
        cmocka_unit_test(table_full_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
