/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registrar's store-backed look-ups: answers (known and unknown) come
 * from the cache until the store changes or the TTL passes, and the cache
 * never holds more than its capacity.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../store/tmpdir.h"
#include "daemon/lookup.h"
#include "store/store.h"

struct fixture {
    struct tmpdir dir;
    struct store *st;
    struct sw_lookup_cache cache;
    struct sw_lookup_ctx ctx;
    int64_t tenant_id;
};

static int setup(void **state)
{
    static struct fixture f;
    char err[STORE_ERRMSG_CAP];
    memset(&f, 0, sizeof(f));
    assert_int_equal(tmpdir_make(&f.dir), 0);
    assert_int_equal(store_open(f.dir.path, &f.st, err, sizeof(err)), 0);
    assert_int_equal(store_tenant_add(f.st, "example.com", "", &f.tenant_id),
                     0);
    assert_int_equal(store_user_add(f.st, f.tenant_id, "1001", "", 0, "",
                                    "Vq7#mR2pLx9w", NULL),
                     0);
    assert_int_equal(sw_lookup_init(&f.cache, 128, 60000), 0);
    f.ctx.cache = &f.cache;
    f.ctx.st = f.st;
    f.ctx.now_ms = 1000;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sw_lookup_fini(&f->cache);
    store_close(f->st);
    tmpdir_rm(&f->dir);
    return 0;
}

static void hits_after_first_miss(void **state)
{
    struct fixture *f = *state;
    struct reg_creds c;
    struct reg_tenant t;

    assert_int_equal(sw_lookup_tenant(&f->ctx, SV_LIT("example.com"), &t), 0);
    assert_int_equal(t.tenant_id, f->tenant_id);
    assert_int_equal(t.min_expires_s, 60);
    assert_int_equal(
        sw_lookup_creds(&f->ctx, SV_LIT("example.com"), SV_LIT("1001"), &c), 0);
    assert_int_equal(strlen(c.ha1_md5), 32);
    assert_int_equal(strlen(c.ha1_sha256), 64);
    assert_int_equal(atomic_load(&f->cache.stats.misses), 2);
    for (int i = 0; i < 10; i++) {
        struct reg_creds again;
        assert_int_equal(sw_lookup_creds(&f->ctx, SV_LIT("example.com"),
                                         SV_LIT("1001"), &again),
                         0);
        assert_memory_equal(&again, &c, sizeof(c));
    }
    assert_int_equal(atomic_load(&f->cache.stats.hits), 10);
}

static void unknown_is_cached_and_change_invalidates(void **state)
{
    struct fixture *f = *state;
    struct reg_creds c;

    assert_int_equal(
        sw_lookup_creds(&f->ctx, SV_LIT("example.com"), SV_LIT("1002"), &c),
        -ENOENT);
    assert_int_equal(
        sw_lookup_creds(&f->ctx, SV_LIT("example.com"), SV_LIT("1002"), &c),
        -ENOENT);
    assert_int_equal(atomic_load(&f->cache.stats.hits), 1);
    /* The user appears; without invalidation the cache still says no. */
    assert_int_equal(store_user_add(f->st, f->tenant_id, "1002", "", 0, "",
                                    "Vq7#mR2pLx9w", NULL),
                     0);
    assert_int_equal(
        sw_lookup_creds(&f->ctx, SV_LIT("example.com"), SV_LIT("1002"), &c),
        -ENOENT);
    sw_lookup_invalidate(&f->cache);
    assert_int_equal(
        sw_lookup_creds(&f->ctx, SV_LIT("example.com"), SV_LIT("1002"), &c), 0);
    /* The TTL is the safety net for changes nobody announced. */
    assert_int_equal(store_user_rm(f->st, c.user_id), 0);
    f->ctx.now_ms += 60001;
    assert_int_equal(
        sw_lookup_creds(&f->ctx, SV_LIT("example.com"), SV_LIT("1002"), &c),
        -ENOENT);
}

static void capacity_is_a_bound(void **state)
{
    struct fixture *f = *state;
    char user[16];
    struct reg_creds c;

    for (int i = 0; i < 5000; i++) {
        snprintf(user, sizeof(user), "9%d", i);
        assert_int_equal(
            sw_lookup_creds(&f->ctx, SV_LIT("example.com"), sv_cstr(user), &c),
            -ENOENT);
    }
    /* 128 entries asked for, rounded up per shard. */
    size_t n = 5000 - (size_t)atomic_load(&f->cache.stats.evictions);
    assert_true(n <= 128 + SW_LOOKUP_SHARDS);
}

/* A big cache starts with short bucket arrays that grow with the entries;
 * every answer is still found after the arrays were rebuilt. */
static void buckets_grow_with_entries(void **state)
{
    struct fixture *f = *state;
    struct sw_lookup_cache big;
    struct sw_lookup_ctx ctx = f->ctx;
    char user[16];
    struct reg_creds c;

    assert_int_equal(sw_lookup_init(&big, 1u << 20, 60000), 0);
    ctx.cache = &big;
    for (int i = 0; i < 3000; i++) {
        snprintf(user, sizeof(user), "8%d", i);
        assert_int_equal(
            sw_lookup_creds(&ctx, SV_LIT("example.com"), sv_cstr(user), &c),
            -ENOENT);
    }
    struct reg_creds first;
    assert_int_equal(
        sw_lookup_creds(&ctx, SV_LIT("example.com"), SV_LIT("1001"), &first),
        0);
    for (int i = 0; i < 3000; i++) {
        snprintf(user, sizeof(user), "8%d", i);
        assert_int_equal(
            sw_lookup_creds(&ctx, SV_LIT("example.com"), sv_cstr(user), &c),
            -ENOENT);
    }
    struct reg_creds again;
    assert_int_equal(
        sw_lookup_creds(&ctx, SV_LIT("example.com"), SV_LIT("1001"), &again),
        0);
    assert_memory_equal(&again, &first, sizeof(first));
    assert_int_equal(atomic_load(&big.stats.misses), 3001);
    assert_int_equal(atomic_load(&big.stats.hits), 3001);
    assert_int_equal(atomic_load(&big.stats.evictions), 0);
    sw_lookup_fini(&big);
}

/* One cached extension must stay small: 100,000 of them are part of the
 * registrar's memory per registration (issue #2: under 1 KiB in all). */
static void entries_are_compact(void **state)
{
    (void)state;
    size_t key_len = strlen("u:100000@example.com");
    assert_true(sw_lookup_entry_bytes(key_len) <= 160);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(hits_after_first_miss),
        T(unknown_is_cached_and_change_invalidates),
        T(capacity_is_a_bound),
        T(buckets_grow_with_entries),
        cmocka_unit_test(entries_are_compact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
