/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_clock.h"
#include "sec/srctable.h"
#include "sec_test_addr.h"

/* Sanitizers add shadow memory: resident size says nothing then. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

#define T0 1000000u

static void refuses_bad_capacity(void **state)
{
    (void)state;
    struct sec_srctable *t = NULL;
    assert_int_equal(sec_srctable_new(0, T0, &t), -EINVAL);
    assert_int_equal(sec_srctable_new(SEC_SRCTABLE_MIN_CAP - 1, T0, &t),
                     -EINVAL);
    assert_int_equal(sec_srctable_new(SEC_SRCTABLE_MAX_CAP + 1, T0, &t),
                     -EINVAL);
    assert_null(t);
    assert_int_equal(sec_srctable_mem_bound(0), 0);
    assert_int_equal(sec_srctable_new(SEC_SRCTABLE_MIN_CAP, T0, &t), 0);
    sec_srctable_free(t);
    sec_srctable_free(NULL);
}

static void default_cap_fits_128_mib(void **state)
{
    (void)state;
    size_t bound = sec_srctable_mem_bound(SEC_SRCTABLE_DEFAULT_CAP);
    printf("# default cap %u entries: %zu bytes (%.1f MiB) at most\n",
           SEC_SRCTABLE_DEFAULT_CAP, bound, (double)bound / (1 << 20));
    assert_true(bound <= (size_t)128 << 20);
    assert_true(bound >= (size_t)SEC_SRCTABLE_DEFAULT_CAP * 96);
}

static void touch_counts_one_source(void **state)
{
    (void)state;
    struct sw_clock clk;
    fake_clock_init(&clk, T0, 1700000000);
    struct sec_srctable *t;
    assert_int_equal(sec_srctable_new(1000, clock_mono_ms(&clk), &t), 0);
    struct net_addr a = test_v4(0xcb007109); /* 203.0.113.9 */
    struct sec_src_view v;
    assert_int_equal(sec_src_peek(t, &a, clock_mono_ms(&clk), &v), -ENOENT);

    fake_clock_advance_ms(&clk, 2500);
    sec_src_touch(t, &a, clock_mono_ms(&clk), &v);
    assert_true(v.is_new);
    assert_int_equal(v.pps, 1);
    assert_int_equal(v.first_seen_ms, T0 + 2000); /* 1 s resolution */
    sec_src_touch(t, &a, clock_mono_ms(&clk), &v);
    assert_false(v.is_new);
    assert_int_equal(v.pps, 2);

    /* ::ffff:203.0.113.9 is the same source. */
    struct net_addr m = test_v4_mapped(0xcb007109);
    fake_clock_advance_ms(&clk, 1000);
    sec_src_touch(t, &m, clock_mono_ms(&clk), &v);
    assert_false(v.is_new);
    assert_int_equal(v.last_seen_ms, T0 + 3000);
    assert_int_equal(v.first_seen_ms, T0 + 2000);

    /* Another address is another entry. */
    struct net_addr b = test_v4(0xcb00710a);
    sec_src_touch(t, &b, clock_mono_ms(&clk), &v);
    assert_true(v.is_new);
    struct sec_srctable_stats st;
    sec_srctable_stats(t, &st);
    assert_int_equal(st.n_entries, 2);
    assert_int_equal(st.n_addr, 2);
    assert_int_equal(st.entry_size, 96);
    sec_srctable_free(t);
}

static void pps_slides_over_one_second(void **state)
{
    (void)state;
    struct sec_srctable *t;
    assert_int_equal(sec_srctable_new(1000, T0, &t), 0);
    struct net_addr a = test_v6(0x20010db800000001ull, 7);
    struct sec_src_view v;
    for (int i = 0; i < 100; i++) {
        sec_src_touch(t, &a, T0, &v);
    }
    assert_int_equal(v.pps, 100);
    /* Half way into the next second: half of the last one still counts. */
    sec_src_touch(t, &a, T0 + 1500, &v);
    assert_int_equal(v.pps, 1 + 50);
    assert_int_equal(sec_src_peek(t, &a, T0 + 1750, &v), 0);
    assert_int_equal(v.pps, 1 + 25);
    /* Two idle seconds forget everything. */
    sec_src_touch(t, &a, T0 + 3600, &v);
    assert_int_equal(v.pps, 1);
    sec_srctable_free(t);
}

static void long_idle_entry_starts_afresh(void **state)
{
    (void)state;
    struct sec_srctable *t;
    assert_int_equal(sec_srctable_new(1000, T0, &t), 0);
    struct net_addr a = test_v4(0xc0000202);
    struct sec_src_view v;
    for (int i = 0; i < 400; i++) {
        sec_src_touch(t, &a, T0, &v);
    }
    /* 2^32 ms later the 32-bit window clock reads the same again. */
    uint64_t later = T0 + (1ull << 32) + 100;
    sec_src_touch(t, &a, later, &v);
    assert_false(v.is_new);
    assert_int_equal(v.pps, 1);
    assert_int_equal(v.first_seen_ms, T0);
    sec_srctable_free(t);
}

static void evicts_least_recently_seen(void **state)
{
    (void)state;
    struct sec_srctable *t;
    /* 8 entries: one shard, so the LRU order is global. */
    assert_int_equal(sec_srctable_new(8, T0, &t), 0);
    struct net_addr a[10];
    for (uint32_t i = 0; i < 10; i++) {
        a[i] = test_v4(0x0a000001 + i);
    }
    /* One source per second; peeking is not seeing. */
    for (int i = 0; i < 8; i++) {
        sec_src_touch(t, &a[i], T0 + 1000 * (uint64_t)i, NULL);
    }
    struct sec_src_view v;
    assert_int_equal(sec_src_peek(t, &a[0], T0 + 8000, &v), 0);
    assert_int_equal(v.last_seen_ms, T0);
    sec_src_touch(t, &a[0], T0 + 10000, NULL); /* a[1] is now the oldest */
    sec_src_touch(t, &a[8], T0 + 11000, NULL);
    assert_int_equal(sec_src_peek(t, &a[1], T0 + 12000, &v), -ENOENT);
    assert_int_equal(sec_src_peek(t, &a[0], T0 + 12000, &v), 0);
    assert_int_equal(sec_src_peek(t, &a[2], T0 + 12000, &v), 0);
    sec_src_touch(t, &a[2], T0 + 13000, NULL);
    sec_src_touch(t, &a[9], T0 + 13900, NULL);
    assert_int_equal(sec_src_peek(t, &a[3], T0 + 14000, &v), -ENOENT);
    assert_int_equal(sec_src_peek(t, &a[2], T0 + 14000, &v), 0);
    struct sec_srctable_stats st;
    sec_srctable_stats(t, &st);
    assert_int_equal(st.n_entries, 8);
    assert_int_equal(st.evictions, 2);
    assert_int_equal(st.inserts, 10);

    /* Forgetting frees a slot: the next insert evicts nobody. */
    assert_int_equal(sec_src_forget(t, &a[0]), 1);
    assert_int_equal(sec_src_forget(t, &a[0]), 0);
    sec_src_touch(t, &a[1], T0 + 15000, NULL);
    sec_srctable_stats(t, &st);
    assert_int_equal(st.n_entries, 8);
    assert_int_equal(st.evictions, 2);

    /* The order has a one-second resolution: a source seen again within
     * the second it was last moved in keeps its place. */
    struct net_addr b[9];
    for (uint32_t i = 0; i < 9; i++) {
        b[i] = test_v4(0x0b000001 + i);
    }
    for (int i = 0; i < 8; i++) {
        sec_src_touch(t, &b[i], T0 + 20000 + (uint64_t)i, NULL);
    }
    sec_src_touch(t, &b[0], T0 + 20500, NULL);
    sec_src_touch(t, &b[8], T0 + 20900, NULL);
    assert_int_equal(sec_src_peek(t, &b[0], T0 + 20900, &v), -ENOENT);
    sec_src_touch(t, &b[1], T0 + 21000, NULL); /* a new second: moved */
    sec_src_touch(t, &a[0], T0 + 21000, NULL); /* evicts b[2], not b[1] */
    assert_int_equal(sec_src_peek(t, &b[1], T0 + 21000, &v), 0);
    assert_int_equal(sec_src_peek(t, &b[2], T0 + 21000, &v), -ENOENT);
    sec_srctable_free(t);
}

static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) {
        return 0;
    }
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    return n == 2 ? resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

/* Source i of the flood: even i IPv4, odd i IPv6 spread over /64s. */
static struct net_addr flood_addr(uint32_t i)
{
    if (i % 2 == 0) {
        return test_v4(0x0b000000u + i / 2);
    }
    return test_v6(0x20010db800000000ull | (i % 4096), 0x1000000ull + i);
}

static void million_sources_stay_bounded(void **state)
{
    (void)state;
    const size_t cap = 100000;
    const uint32_t n_src = 1000000;
    size_t rss0 = rss_bytes();
    struct sec_srctable *t;
    assert_int_equal(sec_srctable_new(cap, T0, &t), 0);
    struct net_addr legit = test_v4(0xc0000201); /* 192.0.2.1 */
    struct sec_srctable_stats st;
    size_t max_seen = 0;
    uint64_t now = T0;
    for (uint32_t i = 0; i < n_src; i++) {
        struct net_addr a = flood_addr(i);
        now = T0 + i; /* a million sources in a thousand seconds */
        sec_src_touch(t, &a, now, NULL);
        if (i % 50 == 0) {
            sec_src_touch(t, &legit, now, NULL);
        }
        if (i % 4999 == 0) {
            sec_srctable_stats(t, &st);
            max_seen = st.n_entries > max_seen ? st.n_entries : max_seen;
            assert_true(st.n_entries <= cap);
        }
    }
    sec_srctable_stats(t, &st);
    size_t rss1 = rss_bytes();
    printf("# 1M sources into cap %zu: entries %zu (max sampled %zu), "
           "evictions %llu, table %zu bytes, bound %zu, rss +%zu KiB\n",
           cap, st.n_entries, max_seen, (unsigned long long)st.evictions,
           st.mem_bytes, sec_srctable_mem_bound(cap),
           rss1 > rss0 ? (rss1 - rss0) / 1024 : 0);
    assert_true(st.n_entries <= cap);
    assert_int_equal(st.inserts, n_src + 1);
    assert_int_equal(st.evictions + st.n_entries, st.inserts);
    assert_true(st.n_entries > cap * 99 / 100); /* every shard filled up */
    /* Memory: fixed at creation, 96 bytes + 2 bytes of chain head (rounded
     * to a power of two per shard) per entry plus the shard headers. */
    assert_int_equal(st.mem_bytes, sec_srctable_mem_bound(cap));
    assert_true(st.mem_bytes <= cap * (96 + 2 * 2) + 256 * 256 + 4096);
#ifndef UNDER_SANITIZER
    if (rss0 && rss1) {
        assert_true(rss1 - rss0 <= st.mem_bytes + ((size_t)4 << 20));
    }
#endif
    /* The source seen all along survived the flood. */
    struct sec_src_view v;
    assert_int_equal(sec_src_peek(t, &legit, now, &v), 0);
    assert_int_equal(v.first_seen_ms, T0);
    /* The first flood sources are long gone. */
    struct net_addr first = flood_addr(0);
    assert_int_equal(sec_src_peek(t, &first, now, &v), -ENOENT);
    sec_srctable_free(t);
}

/* ---- threads ------------------------------------------------------------- */

struct worker {
    struct sec_srctable *t;
    uint32_t base;   /* first address */
    uint32_t n_addr; /* addresses cycled through */
    uint32_t ops;
    uint64_t now;
    double ns;     /* measured, wall clock */
    double cpu_ns; /* measured, this thread's CPU time */
};

static double clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    double t0 = clock_ns(CLOCK_MONOTONIC);
    double c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    for (uint32_t i = 0; i < w->ops; i++) {
        struct net_addr a = test_v4(w->base + i % w->n_addr);
        sec_src_touch(w->t, &a, w->now + i / 100000, NULL);
    }
    w->ns = clock_ns(CLOCK_MONOTONIC) - t0;
    w->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    return NULL;
}

static void threads_count_every_packet(void **state)
{
    (void)state;
    struct sec_srctable *t;
    assert_int_equal(sec_srctable_new(1000, T0, &t), 0);
    struct worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        /* Same address, same millisecond: 40,000 packets in one second. */
        w[i] = (struct worker){
            .t = t, .base = 0x0a0a0a0a, .n_addr = 1, .ops = 10000, .now = T0
        };
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    struct net_addr a = test_v4(0x0a0a0a0a);
    struct sec_src_view v;
    assert_int_equal(sec_src_peek(t, &a, T0, &v), 0);
    assert_int_equal(v.pps, 40000);
    sec_srctable_free(t);
}

static void threads_evicting_stay_bounded(void **state)
{
    (void)state;
    struct sec_srctable *t;
    assert_int_equal(sec_srctable_new(2000, T0, &t), 0);
    struct worker w[4];
    pthread_t th[4];
    for (uint32_t i = 0; i < 4; i++) {
        w[i] = (struct worker){ .t = t,
                                .base = 0x0c000000u + i * 1000000u,
                                .n_addr = 50000,
                                .ops = 100000,
                                .now = T0 };
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    struct sec_srctable_stats st;
    sec_srctable_stats(t, &st);
    assert_true(st.n_entries <= 2000);
    assert_int_equal(st.evictions + st.n_entries, st.inserts);
    sec_srctable_free(t);
}

static void bench_one(struct sec_srctable *t, uint32_t n_addr)
{
    const uint32_t ops = 2000000;
    /* Warm: create the entries first, measure steady-state touches. */
    struct worker warm = {
        .t = t, .base = 0x0d000000, .n_addr = n_addr, .ops = n_addr, .now = T0
    };
    worker_run(&warm);
    struct worker one = {
        .t = t, .base = 0x0d000000, .n_addr = n_addr, .ops = ops, .now = T0
    };
    worker_run(&one);
    struct worker two[2];
    pthread_t th[2];
    for (uint32_t i = 0; i < 2; i++) {
        two[i] = (struct worker){ .t = t,
                                  .base = 0x0d000000 + i * (n_addr / 2),
                                  .n_addr = n_addr / 2,
                                  .ops = ops,
                                  .now = T0 };
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &two[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
    }
    double wall2 = two[0].ns > two[1].ns ? two[0].ns : two[1].ns;
    printf("# sec_src_touch, %u sources: 1 thread %.1f ns/op (cpu %.1f); "
           "2 threads %.1f + %.1f ns/op (cpu %.1f + %.1f), aggregate %.1f "
           "ns/op\n",
           n_addr, one.ns / ops, one.cpu_ns / ops, two[0].ns / ops,
           two[1].ns / ops, two[0].cpu_ns / ops, two[1].cpu_ns / ops,
           wall2 / (2.0 * ops));
}

/* Figures only (the machine may be shared): nothing is asserted. */
static void bench_touch(void **state)
{
    (void)state;
    struct sec_srctable *t;
    assert_int_equal(sec_srctable_new(SEC_SRCTABLE_DEFAULT_CAP, T0, &t), 0);
    bench_one(t, 1000);
    bench_one(t, 100000);
    sec_srctable_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_bad_capacity),
        cmocka_unit_test(default_cap_fits_128_mib),
        cmocka_unit_test(touch_counts_one_source),
        cmocka_unit_test(pps_slides_over_one_second),
        cmocka_unit_test(long_idle_entry_starts_afresh),
        cmocka_unit_test(evicts_least_recently_seen),
        cmocka_unit_test(million_sources_stay_bounded),
        cmocka_unit_test(threads_count_every_packet),
        cmocka_unit_test(threads_evicting_stay_bounded),
        cmocka_unit_test(bench_touch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
