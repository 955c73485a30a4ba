/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Latency histograms with fixed bucket bounds (10 us .. 5 s), counted with
 * relaxed atomics so one thread records while another reads. Each recording
 * thread keeps its own struct hist (no contention); a reader adds them into
 * a struct hist_snap. The buckets are not cumulative; a renderer sums them.
 */
#ifndef SW_BASE_HIST_H
#define SW_BASE_HIST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Finite upper bounds, then one bucket for everything above the last. */
#define HIST_BOUNDS  18
#define HIST_BUCKETS (HIST_BOUNDS + 1)

/* The upper bounds (inclusive) in nanoseconds, ascending. */
extern const uint64_t hist_bounds_ns[HIST_BOUNDS];

struct hist {
    _Atomic uint64_t n[HIST_BUCKETS]; /* observations per bucket */
    _Atomic uint64_t sum_ns;          /* total of the observations */
};

/* A plain copy (or a sum of several), for rendering. */
struct hist_snap {
    uint64_t n[HIST_BUCKETS];
    uint64_t sum_ns;
};

/* Index of the bucket 'ns' falls in: the first bound >= ns, or
 * HIST_BOUNDS for values above every bound. */
size_t hist_bucket_of(uint64_t ns);

/* Count one observation of 'ns' nanoseconds. Only one thread may write a
 * given struct hist (the update is not a locked read-modify-write); any
 * number of threads may read it with hist_snap_add(). */
void hist_observe(struct hist *h, uint64_t ns);

/* Add the current figures of 'h' into 's' (zero 's' first for a copy). */
void hist_snap_add(struct hist_snap *s, const struct hist *h);

/* Observations in 's' (the sum of its buckets). */
uint64_t hist_snap_count(const struct hist_snap *s);

/* Monotonic clock in nanoseconds (one clock read). */
uint64_t hist_now_ns(void);

#endif
