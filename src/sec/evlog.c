/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event log's sink: hourly counters in a small ring of buckets, a
 * per-type one-second admission window, and a bounded multi-producer queue
 * of fixed-size records (each slot carries a sequence number: a producer
 * claims a position with one compare-and-swap, fills the slot and
 * publishes it; the consumer reads slots in order). No lock anywhere, so
 * a worker in a flood pays a few atomics and one copy at most.
 */
#include "sec/evlog.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    atomic_size_t seq; /* == position: free; == position + 1: full */
    struct sec_evlog_entry e;
};

struct ring {
    size_t mask;
    atomic_size_t head; /* next position to fill */
    atomic_size_t tail; /* next position to read (consumer only) */
    struct slot slots[];
};

struct hour_bucket {
    atomic_int_least64_t hour; /* start of the hour, unix s */
    atomic_uint_least64_t n[SEC_EV_COUNT];
};

struct window {
    atomic_int_least64_t second;
    atomic_uint_least32_t n;
};

static _Atomic(struct ring *) ring_cur;
static struct hour_bucket hours[SEC_EVLOG_HOURS];
static struct window windows[SEC_EV_COUNT];
static atomic_uint_least32_t rate = SEC_EVLOG_DEFAULT_RATE;
static atomic_uint_least64_t n_queued;
static atomic_uint_least64_t n_full;
static atomic_uint_least64_t n_over_rate;

int sec_evlog_open(uint32_t cap)
{
    if (cap < 16 || cap > SEC_EVLOG_MAX_CAP || (cap & (cap - 1)) != 0) {
        return -EINVAL;
    }
    if (atomic_load(&ring_cur) != NULL) {
        return -EALREADY;
    }
    struct ring *r = calloc(1, sizeof(*r) + cap * sizeof(r->slots[0]));
    if (r == NULL) {
        return -ENOMEM;
    }
    r->mask = cap - 1;
    for (size_t i = 0; i < cap; i++) {
        atomic_init(&r->slots[i].seq, i);
    }
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_store(&n_queued, 0);
    atomic_store(&n_full, 0);
    atomic_store(&n_over_rate, 0);
    atomic_store(&ring_cur, r);
    return 0;
}

void sec_evlog_close(void)
{
    free(atomic_exchange(&ring_cur, NULL));
}

void sec_evlog_set_rate(uint32_t per_s)
{
    atomic_store(&rate, per_s ? per_s : 1);
}

/* ---- hourly counts ------------------------------------------------------ */

void sec_evlog_count(enum sec_ev ev, int64_t now_s)
{
    if ((unsigned)ev >= SEC_EV_COUNT || now_s < 0) {
        return;
    }
    int64_t hour = now_s - now_s % 3600;
    struct hour_bucket *b = &hours[(hour / 3600) % SEC_EVLOG_HOURS];
    int_least64_t cur = atomic_load_explicit(&b->hour, memory_order_relaxed);
    if (cur != hour) {
        /* Whoever wins, the bucket now belongs to this hour. */
        atomic_compare_exchange_strong(&b->hour, &cur, hour);
    }
    atomic_fetch_add_explicit(&b->n[ev], 1, memory_order_relaxed);
}

void sec_evlog_hours_take(sec_evlog_hour_fn *fn, void *ud)
{
    for (size_t i = 0; i < SEC_EVLOG_HOURS; i++) {
        struct hour_bucket *b = &hours[i];
        int64_t hour = atomic_load(&b->hour);
        for (int ev = 0; ev < SEC_EV_COUNT; ev++) {
            uint64_t n = atomic_exchange(&b->n[ev], 0);
            if (n > 0 && fn) {
                fn(ud, hour, (enum sec_ev)ev, n);
            }
        }
    }
}

/* ---- admission ---------------------------------------------------------- */

bool sec_evlog_admit(enum sec_ev ev, int64_t now_s)
{
    if ((unsigned)ev >= SEC_EV_COUNT
        || atomic_load_explicit(&ring_cur, memory_order_relaxed) == NULL) {
        return false;
    }
    struct window *w = &windows[ev];
    int_least64_t cur = atomic_load_explicit(&w->second, memory_order_relaxed);
    if (cur != now_s
        && atomic_compare_exchange_strong(&w->second, &cur, now_s)) {
        atomic_store(&w->n, 0);
    }
    if (atomic_fetch_add(&w->n, 1) >= atomic_load(&rate)) {
        atomic_fetch_add_explicit(&n_over_rate, 1, memory_order_relaxed);
        return false;
    }
    return true;
}

/* ---- the queue ---------------------------------------------------------- */

/* Copy at most cap - 1 bytes of s[0..n) and terminate. */
static void copy_cut(char *dst, size_t cap, const char *s, size_t n)
{
    if (n > cap - 1) {
        n = cap - 1;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Split "src=ADDR rest" into the record's address and detail. */
static void fill_entry(struct sec_evlog_entry *e, enum sec_ev ev, int64_t at_s,
                       const char *fields)
{
    e->ev = ev;
    e->at = at_s;
    e->addr[0] = '\0';
    if (strncmp(fields, "src=", 4) == 0) {
        const char *v = fields + 4;
        size_t n = strcspn(v, " ");
        copy_cut(e->addr, sizeof(e->addr), v, n);
        fields = v + n;
        fields += strspn(fields, " ");
    }
    copy_cut(e->detail, sizeof(e->detail), fields, strlen(fields));
}

int sec_evlog_push(enum sec_ev ev, int64_t at_s, const char *fields)
{
    if ((unsigned)ev >= SEC_EV_COUNT || fields == NULL) {
        return -EINVAL;
    }
    struct ring *r = atomic_load_explicit(&ring_cur, memory_order_acquire);
    if (r == NULL) {
        return -ENODEV;
    }
    size_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
    struct slot *s;
    for (;;) {
        s = &r->slots[pos & r->mask];
        size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        intptr_t diff = (intptr_t)seq - (intptr_t)pos;
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&r->head, &pos, pos + 1,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed)) {
                break;
            }
        } else if (diff < 0) {
            /* The slot still holds a record from one lap ago: full. */
            atomic_fetch_add_explicit(&n_full, 1, memory_order_relaxed);
            return -ENOSPC;
        } else {
            pos = atomic_load_explicit(&r->head, memory_order_relaxed);
        }
    }
    fill_entry(&s->e, ev, at_s, fields);
    atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
    atomic_fetch_add_explicit(&n_queued, 1, memory_order_relaxed);
    return 0;
}

size_t sec_evlog_take(struct sec_evlog_entry *out, size_t max)
{
    struct ring *r = atomic_load_explicit(&ring_cur, memory_order_acquire);
    size_t n = 0;
    if (r == NULL) {
        return 0;
    }
    size_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
    while (n < max) {
        struct slot *s = &r->slots[pos & r->mask];
        size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (seq != pos + 1) {
            break; /* empty, or the next record is still being written */
        }
        out[n++] = s->e;
        /* Free for the producer one lap ahead. */
        atomic_store_explicit(&s->seq, pos + r->mask + 1, memory_order_release);
        pos++;
    }
    atomic_store_explicit(&r->tail, pos, memory_order_relaxed);
    return n;
}

size_t sec_evlog_pending(void)
{
    struct ring *r = atomic_load_explicit(&ring_cur, memory_order_acquire);
    if (r == NULL) {
        return 0;
    }
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    return head >= tail ? head - tail : 0;
}

void sec_evlog_stats_get(struct sec_evlog_stats *out)
{
    out->queued = atomic_load_explicit(&n_queued, memory_order_relaxed);
    out->full = atomic_load_explicit(&n_full, memory_order_relaxed);
    out->over_rate = atomic_load_explicit(&n_over_rate, memory_order_relaxed);
}
