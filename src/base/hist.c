/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-bound latency histograms: a linear scan of 18 bounds and two
 * relaxed atomic loads and stores per observation (one writer per
 * histogram).
 */
#include "base/hist.h"

#include <time.h>

const uint64_t hist_bounds_ns[HIST_BOUNDS] = {
    10000,     25000,     50000,     100000,     250000,     500000,
    1000000,   2500000,   5000000,   10000000,   25000000,   50000000,
    100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000,
};

size_t hist_bucket_of(uint64_t ns)
{
    size_t i = 0;
    while (i < HIST_BOUNDS && ns > hist_bounds_ns[i]) {
        i++;
    }
    return i;
}

/* One writer: a relaxed load and store, no locked read-modify-write. */
static void add(_Atomic uint64_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

void hist_observe(struct hist *h, uint64_t ns)
{
    add(&h->n[hist_bucket_of(ns)], 1);
    add(&h->sum_ns, ns);
}

void hist_snap_add(struct hist_snap *s, const struct hist *h)
{
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        s->n[i] += atomic_load_explicit(&h->n[i], memory_order_relaxed);
    }
    s->sum_ns += atomic_load_explicit(&h->sum_ns, memory_order_relaxed);
}

uint64_t hist_snap_count(const struct hist_snap *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        n += s->n[i];
    }
    return n;
}

uint64_t hist_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
