/* SPDX-License-Identifier: Apache-2.0 */
/* Provisioning rows: the password sealed at rest and found again by token
 * hash, the listing, fetch records, and the trigger that ends provisioning
 * when the user's password changes another way. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/prov.h"
#include "store/store.h"
#include "store/store_int.h"
#include "tmpdir.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"

struct fx {
    struct tmpdir dir;
    struct store *st;
    int64_t tid;
    int64_t uid;
    int64_t uid2;
    char err[512];
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    if (store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)) != 0
        || store_tenant_add(fx->st, "example.com", "Example", &fx->tid) != 0
        || store_user_add(fx->st, fx->tid, "100", "Ann <A&B>",
                          STORE_ROLE_STANDARD, "", "Old-pw.9xQ", &fx->uid)
               != 0
        || store_user_add(fx->st, fx->tid, "101", "", STORE_ROLE_STANDARD, "",
                          "Old-pw.9xR", &fx->uid2)
               != 0) {
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

static void put_find_sealed(void **state)
{
    struct fx *fx = *state;
    struct store_prov_file f;
    assert_int_equal(
        store_prov_put(fx->st, fx->uid, H1, "yealink", "New-pw.7zK", 1000), 0);
    assert_int_equal(store_prov_find(fx->st, H1, &f), 0);
    assert_string_equal(f.sip_password, "New-pw.7zK");
    assert_string_equal(f.p.ext, "100");
    assert_string_equal(f.p.domain, "example.com");
    assert_string_equal(f.p.name, "Ann <A&B>");
    assert_string_equal(f.p.vendor, "yealink");
    assert_string_equal(f.token_hash, H1);
    assert_int_equal(f.expires_s, 3600);
    assert_int_equal(f.p.fetch_count, 0);
    assert_int_equal(store_prov_find(fx->st, H2, &f), -ENOENT);
    assert_int_equal(store_prov_find(fx->st, "nothex", &f), -ENOENT);

    /* The password is not stored in clear. */
    sqlite3_stmt *s = store_prep(fx->st, "SELECT sip_pw_enc FROM provisioning");
    assert_non_null(s);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const unsigned char *blob = sqlite3_column_blob(s, 0);
    int n = sqlite3_column_bytes(s, 0);
    assert_true(n > 10);
    for (int i = 0; i + 10 <= n; i++) {
        assert_false(memcmp(blob + i, "New-pw.7zK", 10) == 0);
    }
    sqlite3_finalize(s);
}

static void refusals(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(store_prov_put(fx->st, fx->uid, "abc", "generic", "p", 1),
                     -EINVAL);
    assert_int_equal(store_prov_put(fx->st, fx->uid, H1, "cisco", "p", 1),
                     -EINVAL);
    assert_int_equal(store_prov_put(fx->st, fx->uid, H1, "generic", "", 1),
                     -EINVAL);
    assert_int_equal(store_prov_put(fx->st, 9999, H1, "generic", "p", 1),
                     -ENOENT);
    assert_int_equal(store_prov_put(fx->st, fx->uid, H1, "generic", "p", 1), 0);
    /* One hash, one directory. */
    assert_int_equal(store_prov_put(fx->st, fx->uid2, H1, "generic", "p", 1),
                     -EEXIST);
    assert_int_equal(store_prov_del(fx->st, fx->uid2), -ENOENT);
}

static int count_cb(void *ud, const struct store_prov *p)
{
    (void)p;
    ++*(int *)ud;
    return 0;
}

static void list_fetch_delete(void **state)
{
    struct fx *fx = *state;
    struct store_prov p;
    int n = 0;
    assert_int_equal(store_prov_put(fx->st, fx->uid, H1, "generic", "p1", 5),
                     0);
    assert_int_equal(store_prov_put(fx->st, fx->uid2, H2, "polycom", "p2", 6),
                     0);
    assert_int_equal(store_prov_list(fx->st, 0, count_cb, &n), 0);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(store_prov_list(fx->st, fx->tid + 100, count_cb, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(
        store_prov_fetched(fx->st, fx->uid, 1700000000123, "203.0.113.9"), 0);
    assert_int_equal(
        store_prov_fetched(fx->st, fx->uid, 1700000000456, "203.0.113.10"), 0);
    assert_int_equal(store_prov_get(fx->st, fx->uid, &p), 0);
    assert_int_equal(p.fetch_count, 2);
    assert_int_equal(p.last_fetch_ms, 1700000000456);
    assert_string_equal(p.last_fetch_ip, "203.0.113.10");
    assert_int_equal(store_prov_del(fx->st, fx->uid), 0);
    assert_int_equal(store_prov_get(fx->st, fx->uid, &p), -ENOENT);
    assert_int_equal(store_prov_fetched(fx->st, fx->uid, 1, "x"), -ENOENT);
}

static void password_change_ends_it(void **state)
{
    struct fx *fx = *state;
    struct store_prov p;
    assert_int_equal(store_prov_put(fx->st, fx->uid, H1, "generic", "p1", 5),
                     0);
    struct store_user_patch patch = { .role = -1,
                                      .sip_password = "Other-pw.3qW" };
    assert_int_equal(store_user_set(fx->st, fx->uid, &patch), 0);
    assert_int_equal(store_prov_get(fx->st, fx->uid, &p), -ENOENT);
    /* A change of the name alone keeps it. */
    assert_int_equal(store_prov_put(fx->st, fx->uid, H1, "generic", "p1", 5),
                     0);
    struct store_user_patch rename = { .name = "Bob", .role = -1 };
    assert_int_equal(store_user_set(fx->st, fx->uid, &rename), 0);
    assert_int_equal(store_prov_get(fx->st, fx->uid, &p), 0);
    assert_string_equal(p.name, "Bob");
    /* Removing the user removes the row. */
    assert_int_equal(store_user_rm(fx->st, fx->uid), 0);
    assert_int_equal(store_prov_get(fx->st, fx->uid, &p), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(put_find_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(list_fetch_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(password_change_ends_it, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
