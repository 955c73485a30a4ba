/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lock-free snapshot acquisition. A reader takes its reference inside a
 * short "acquire window" counted in one of two counters; a publisher swaps
 * the pointer, flips the counter in use and waits for the old counter to
 * drain, after which no reader can still be about to reference the old
 * snapshot without having done so. Publishers never wait for readers that
 * merely hold references: the reference count frees the snapshot later.
 */
#include "sec/snap.h"

#include <sched.h>

#include "base/check.h"

void sec_snap_init(struct sec_snap *snap, sec_snap_free_fn *free_fn)
{
    SW_ASSERT(free_fn != NULL);
    atomic_init(&snap->refs, 1);
    snap->free_fn = free_fn;
}

void sec_snap_hold(struct sec_snap *snap)
{
    uint_least32_t old =
        atomic_fetch_add_explicit(&snap->refs, 1, memory_order_relaxed);
    SW_BUG_ON(old == 0 || old == UINT32_MAX);
}

void sec_snap_release(struct sec_snap *snap)
{
    if (!snap) {
        return;
    }
    /*
     * acq_rel: the last holder must see every other holder's uses finished
     * (an acquire fence would do, but ThreadSanitizer does not model it).
     */
    uint_least32_t old =
        atomic_fetch_sub_explicit(&snap->refs, 1, memory_order_acq_rel);
    SW_BUG_ON(old == 0);
    if (old == 1) {
        snap->free_fn(snap);
    }
}

int sec_snap_ref_init(struct sec_snap_ref *ref)
{
    atomic_init(&ref->cur, NULL);
    atomic_init(&ref->gen, 0);
    atomic_init(&ref->parity, 0);
    atomic_init(&ref->active[0], 0);
    atomic_init(&ref->active[1], 0);
    int rc = pthread_mutex_init(&ref->wlock, NULL);
    return rc == 0 ? 0 : -rc;
}

void sec_snap_ref_fini(struct sec_snap_ref *ref)
{
    sec_snap_release(atomic_exchange(&ref->cur, NULL));
    pthread_mutex_destroy(&ref->wlock);
}

void sec_snap_ref_publish(struct sec_snap_ref *ref, struct sec_snap *snap)
{
    pthread_mutex_lock(&ref->wlock);
    struct sec_snap *old = atomic_exchange(&ref->cur, snap);
    atomic_fetch_add(&ref->gen, 1);
    /*
     * Readers that entered their window before the flip may have loaded
     * 'old' and not yet counted their reference: wait for them. Readers
     * entering after the flip re-check the parity, so they either count
     * in the new counter (and load the new pointer) or retry.
     */
    unsigned p = atomic_load(&ref->parity);
    atomic_store(&ref->parity, p ^ 1u);
    unsigned spins = 0;
    while (atomic_load(&ref->active[p]) != 0) {
        if (++spins % 64 == 0) {
            sched_yield(); /* a reader was preempted inside its window */
        }
    }
    pthread_mutex_unlock(&ref->wlock);
    sec_snap_release(old);
}

struct sec_snap *sec_snap_ref_acquire(struct sec_snap_ref *ref)
{
    for (;;) {
        unsigned p = atomic_load(&ref->parity);
        atomic_fetch_add(&ref->active[p], 1);
        if (atomic_load(&ref->parity) != p) {
            /* A publisher flipped meanwhile; it may not wait for us. */
            atomic_fetch_sub(&ref->active[p], 1);
            continue;
        }
        struct sec_snap *snap = atomic_load(&ref->cur);
        if (snap) {
            sec_snap_hold(snap);
        }
        atomic_fetch_sub_explicit(&ref->active[p], 1, memory_order_release);
        return snap;
    }
}

struct sec_snap *sec_snap_view_get(struct sec_snap_view *view,
                                   struct sec_snap_ref *ref)
{
    uint64_t gen = atomic_load_explicit(&ref->gen, memory_order_acquire);
    if (gen != view->gen) {
        /* 'gen' is bumped after the swap: this is at least that new. */
        struct sec_snap *snap = sec_snap_ref_acquire(ref);
        sec_snap_release(view->snap);
        view->snap = snap;
        view->gen = gen;
    }
    return view->snap;
}

void sec_snap_view_fini(struct sec_snap_view *view)
{
    sec_snap_release(view->snap);
    view->snap = NULL;
    view->gen = 0;
}
