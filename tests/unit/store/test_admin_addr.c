/* SPDX-License-Identifier: Apache-2.0 */
/* Known administrator addresses (store/admin_addr.c): new and known pairs,
 * the first address of an account, refused text and the bound (oldest
 * pairs pruned). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/admin_addr.h"
#include "store/store.h"
#include "tmpdir.h"

#define T0 1700000000

struct fx {
    struct tmpdir dir;
    struct store *st;
    char err[512];
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    if (store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)) != 0) {
        tmpdir_rm(&fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    store_close(fx->st);
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

static void new_then_known(void **state)
{
    struct fx *fx = *state;
    bool known = true;
    bool any = true;
    assert_int_equal(store_admin_addr_seen(fx->st, "admin", "192.0.2.1", T0, 0,
                                           &known, &any),
                     0);
    assert_false(known);
    assert_false(any);
    assert_int_equal(store_admin_addr_seen(fx->st, "admin", "192.0.2.1", T0 + 1,
                                           0, &known, &any),
                     0);
    assert_true(known);
    assert_true(any);
    assert_int_equal(store_admin_addr_seen(fx->st, "admin", "192.0.2.2", T0 + 2,
                                           0, &known, &any),
                     0);
    assert_false(known);
    assert_true(any);
    /* another account's address is not this one's */
    assert_int_equal(store_admin_addr_seen(fx->st, "ops", "192.0.2.1", T0 + 3,
                                           0, &known, &any),
                     0);
    assert_false(known);
    assert_false(any);
    /* local sign-ins have no address */
    assert_int_equal(
        store_admin_addr_seen(fx->st, "ops", "", T0 + 4, 0, &known, &any), 0);
    assert_false(known);
    uint64_t n = 0;
    assert_int_equal(store_admin_addr_count(fx->st, &n), 0);
    assert_int_equal(n, 4);
}

static void bad_text_refused(void **state)
{
    struct fx *fx = *state;
    bool known;
    bool any;
    assert_int_equal(
        store_admin_addr_seen(fx->st, "", "192.0.2.1", T0, 0, &known, &any),
        -EINVAL);
    assert_int_equal(store_admin_addr_seen(fx->st, "admin", "192.0.2.1\n", T0,
                                           0, &known, &any),
                     -EINVAL);
    assert_int_equal(
        store_admin_addr_seen(fx->st, "admin", "a b", T0, 0, &known, &any),
        -EINVAL);
}

static void oldest_pruned(void **state)
{
    struct fx *fx = *state;
    bool known;
    bool any;
    char ip[32];
    for (int i = 0; i < 5; i++) {
        snprintf(ip, sizeof(ip), "198.51.100.%d", i);
        assert_int_equal(
            store_admin_addr_seen(fx->st, "admin", ip, T0 + i, 3, &known, &any),
            0);
    }
    uint64_t n = 0;
    assert_int_equal(store_admin_addr_count(fx->st, &n), 0);
    assert_int_equal(n, 3);
    /* .0 and .1 were forgotten: new again; .4 is remembered */
    assert_int_equal(store_admin_addr_seen(fx->st, "admin", "198.51.100.4",
                                           T0 + 10, 3, &known, &any),
                     0);
    assert_true(known);
    assert_int_equal(store_admin_addr_seen(fx->st, "admin", "198.51.100.0",
                                           T0 + 11, 3, &known, &any),
                     0);
    assert_false(known);
    /* a pair seen again is fresh: .2 (seen at T0 + 2) goes before .4 */
    assert_int_equal(store_admin_addr_seen(fx->st, "admin", "198.51.100.1",
                                           T0 + 12, 3, &known, &any),
                     0);
    assert_false(known);
    assert_int_equal(store_admin_addr_seen(fx->st, "admin", "198.51.100.4",
                                           T0 + 13, 3, &known, &any),
                     0);
    assert_true(known);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(new_then_known, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_text_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(oldest_pruned, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
