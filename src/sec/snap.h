/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Publication of immutable snapshots (ACL tables, User-Agent matchers) to
 * many reader threads without a lock on the read side: a writer builds a
 * new snapshot and swaps it in; readers take a counted reference, so the old
 * snapshot is freed by whoever drops the last one. What a snapshot contains
 * is the embedding module's business.
 */
#ifndef SW_SEC_SNAP_H
#define SW_SEC_SNAP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct sec_snap;

/* Frees the object embedding 'snap'; called once, when the last ref goes. */
typedef void sec_snap_free_fn(struct sec_snap *snap);

/* Header embedded in every published object. */
struct sec_snap {
    atomic_uint_least32_t refs; /* counted references, >= 1 while alive */
    sec_snap_free_fn *free_fn;  /* destructor of the embedding object */
};

/*
 * A publication point. 'cur', 'gen' and 'parity' are read by every reader
 * and written only on publish; the acquire counters are written by
 * readers, so padding keeps them off that cache line (padding rather than
 * _Alignas: embedding structs are often malloc'ed, which aligns to 16).
 */
struct sec_snap_ref {
    _Atomic(struct sec_snap *) cur;  /* published, or NULL */
    atomic_uint_least64_t gen;       /* +1 per publish */
    atomic_uint parity;              /* acquire counter in use: 0 or 1 */
    char pad_[64];                   /* keeps 'active' on other lines */
    atomic_uint_least32_t active[2]; /* readers inside an acquire window */
    pthread_mutex_t wlock;           /* serialises publishers */
};

/*
 * A reader's cached reference (one per worker thread, never shared): lets
 * a reader check for a new snapshot with one atomic load per use.
 */
struct sec_snap_view {
    struct sec_snap *snap; /* held reference, or NULL */
    uint64_t gen;          /* ref->gen when 'snap' was taken */
};

/* Initialise 'snap' with one reference owned by the caller. */
void sec_snap_init(struct sec_snap *snap, sec_snap_free_fn *free_fn);

/* Add a reference to a snapshot the caller already holds. */
void sec_snap_hold(struct sec_snap *snap);

/*
 * Drop one reference; the last one calls free_fn. NULL is a no-op. Any
 * thread.
 */
void sec_snap_release(struct sec_snap *snap);

/* Initialise an empty publication point. Returns 0 or -errno. */
int sec_snap_ref_init(struct sec_snap_ref *ref);

/*
 * Drop the published snapshot and destroy 'ref'. No reader or publisher
 * may use 'ref' any more; references readers still hold stay valid.
 */
void sec_snap_ref_fini(struct sec_snap_ref *ref);

/*
 * Publish 'snap' (may be NULL: nothing published), taking over the
 * caller's reference. The previous snapshot loses the publication's
 * reference and is freed when its last reader releases it. Waits only for
 * readers that are inside sec_snap_ref_acquire() at the moment of the swap
 * (a few instructions each), never for readers holding references. Any
 * thread; publishers are serialised.
 */
void sec_snap_ref_publish(struct sec_snap_ref *ref, struct sec_snap *snap);

/*
 * Return the published snapshot with a new reference the caller must
 * release, or NULL when nothing is published. Lock-free; any thread.
 */
struct sec_snap *sec_snap_ref_acquire(struct sec_snap_ref *ref);

/*
 * Return the snapshot cached in 'view', first replacing it by the
 * published one if a publish happened since it was taken. The result stays
 * valid until the next call on 'view' or sec_snap_view_fini(). A view
 * starts zeroed ({ 0 }) and belongs to one thread.
 */
struct sec_snap *sec_snap_view_get(struct sec_snap_view *view,
                                   struct sec_snap_ref *ref);

/* Release the view's reference; the view may be used again afterwards. */
void sec_snap_view_fini(struct sec_snap_view *view);

#endif
