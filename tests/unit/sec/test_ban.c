/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sec/ban.h"
#include "sec_test_addr.h"

#define NOW 1800000000

static struct sec_ban host_ban(uint32_t ip, int64_t expires)
{
    struct sec_ban b;
    memset(&b, 0, sizeof(b));
    struct net_addr a = test_v4(ip);
    assert_int_equal(sec_net_from_addr(&a, 32, &b.net), 0);
    b.reason = 1;
    b.created_at = NOW;
    b.first_seen = NOW - 10;
    b.expires_at = expires;
    return b;
}

static void test_put_check_del(void **state)
{
    (void)state;
    struct sec_bantable *t;
    assert_int_equal(sec_bantable_new(100, &t), 0);
    struct net_addr a = test_v4(0x7f000002);
    struct net_addr other = test_v4(0x7f000003);
    assert_false(sec_bantable_check(t, &a, NOW, NULL));

    struct sec_ban b = host_ban(0x7f000002, NOW + 60);
    assert_int_equal(sec_bantable_put(t, &b), SEC_BAN_NEW);
    uint32_t left = 0;
    assert_true(sec_bantable_check(t, &a, NOW, &left));
    assert_int_equal(left, 60);
    assert_false(sec_bantable_check(t, &other, NOW, NULL));
    /* IPv4-mapped IPv6 is the same source. */
    struct net_addr mapped = test_v4_mapped(0x7f000002);
    assert_true(sec_bantable_check(t, &mapped, NOW, NULL));
    /* Expired bans no longer hold even before the sweep. */
    assert_false(sec_bantable_check(t, &a, NOW + 60, NULL));

    struct sec_ban got;
    assert_int_equal(sec_bantable_del(t, &b.net, &got), 0);
    assert_int_equal(got.expires_at, NOW + 60);
    assert_int_equal(sec_bantable_del(t, &b.net, NULL), -ENOENT);
    assert_int_equal(sec_bantable_count(t), 0);
    sec_bantable_free(t);
}

static void test_longer_keeps_first_seen(void **state)
{
    (void)state;
    struct sec_bantable *t;
    assert_int_equal(sec_bantable_new(10, &t), 0);
    struct sec_ban b = host_ban(0x0a000001, NOW + 30);
    assert_int_equal(sec_bantable_put(t, &b), SEC_BAN_NEW);
    struct sec_ban shorter = host_ban(0x0a000001, NOW + 10);
    assert_int_equal(sec_bantable_put(t, &shorter), SEC_BAN_UNCHANGED);
    struct sec_ban longer = host_ban(0x0a000001, NOW + 3600);
    longer.first_seen = NOW;
    longer.reason = 2;
    assert_int_equal(sec_bantable_put(t, &longer), SEC_BAN_LONGER);
    struct sec_ban got;
    assert_int_equal(sec_bantable_get(t, &b.net, &got), 0);
    assert_int_equal(got.expires_at, NOW + 3600);
    assert_int_equal(got.reason, 2);
    assert_int_equal(got.first_seen, NOW - 10);
    assert_int_equal(sec_bantable_count(t), 1);
    sec_bantable_free(t);
}

static void test_bound_and_cap_change(void **state)
{
    (void)state;
    struct sec_bantable *t;
    assert_int_equal(sec_bantable_new(0, &t), -EINVAL);
    assert_int_equal(sec_bantable_new(50, &t), 0);
    for (uint32_t i = 0; i < 50; i++) {
        struct sec_ban b = host_ban(0x0b000000 + i, NOW + 60);
        assert_int_equal(sec_bantable_put(t, &b), SEC_BAN_NEW);
    }
    struct sec_ban extra = host_ban(0x0c000000, NOW + 60);
    assert_int_equal(sec_bantable_put(t, &extra), -ENOSPC);
    assert_int_equal(sec_bantable_count(t), 50);
    sec_bantable_set_cap(t, 51);
    assert_int_equal(sec_bantable_put(t, &extra), SEC_BAN_NEW);
    sec_bantable_free(t);
}

static void test_v6_net64(void **state)
{
    (void)state;
    struct sec_bantable *t;
    assert_int_equal(sec_bantable_new(10, &t), 0);
    struct net_addr a = test_v6(0x20010db800010002ull, 1);
    struct net_addr same64 = test_v6(0x20010db800010002ull, 0xffff);
    struct net_addr other64 = test_v6(0x20010db800010003ull, 1);
    struct sec_ban b;
    memset(&b, 0, sizeof(b));
    assert_int_equal(sec_net_from_addr(&a, 64, &b.net), 0);
    b.expires_at = NOW + 100;
    assert_int_equal(sec_bantable_put(t, &b), SEC_BAN_NEW);
    assert_true(sec_bantable_check(t, &a, NOW, NULL));
    assert_true(sec_bantable_check(t, &same64, NOW, NULL));
    assert_false(sec_bantable_check(t, &other64, NOW, NULL));
    sec_bantable_free(t);
}

static void count_cb(void *ud, const struct sec_ban *b)
{
    int *n = ud;
    assert_true(b->expires_at <= NOW + 20);
    (*n)++;
}

static void test_expire(void **state)
{
    (void)state;
    struct sec_bantable *t;
    assert_int_equal(sec_bantable_new(1000, &t), 0);
    for (uint32_t i = 0; i < 300; i++) {
        struct sec_ban b = host_ban(0x0d000000 + i, NOW + 10 + (i % 3) * 10);
        assert_int_equal(sec_bantable_put(t, &b), SEC_BAN_NEW);
    }
    int n = 0;
    assert_int_equal(sec_bantable_expire(t, NOW + 20, count_cb, &n), 200);
    assert_int_equal(n, 200);
    assert_int_equal(sec_bantable_count(t), 100);
    sec_bantable_free(t);
}

struct thr {
    struct sec_bantable *t;
    uint32_t base;
};

static void *hammer(void *arg)
{
    struct thr *x = arg;
    for (uint32_t i = 0; i < 2000; i++) {
        struct sec_ban b = host_ban(x->base + i, NOW + 5);
        sec_bantable_put(x->t, &b);
        struct net_addr a = test_v4(x->base + i);
        if (!sec_bantable_check(x->t, &a, NOW, NULL)) {
            return (void *)1;
        }
        if (i % 2) {
            sec_bantable_del(x->t, &b.net, NULL);
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct sec_bantable *t;
    assert_int_equal(sec_bantable_new(100000, &t), 0);
    pthread_t th[4];
    struct thr x[4];
    for (int i = 0; i < 4; i++) {
        x[i].t = t;
        x[i].base = 0x10000000u * (uint32_t)(i + 1);
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &x[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_null(r);
    }
    assert_int_equal(sec_bantable_count(t), 4000);
    sec_bantable_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_check_del),
        cmocka_unit_test(test_longer_keeps_first_seen),
        cmocka_unit_test(test_bound_and_cap_change),
        cmocka_unit_test(test_v6_net64),
        cmocka_unit_test(test_expire),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
