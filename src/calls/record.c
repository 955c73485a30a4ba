/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The records of calls (CDRs) and of suspensions made by the fraud watch:
 * queued by the workers in a bounded ring (a full ring drops and counts,
 * it never blocks a worker) and written by the main loop in one
 * transaction per drain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "calls/calls_int.h"

static const struct log_ctx lc = { "calls", NULL };

/* Suspensions go to their own growing list, bounded by what the fraud
 * watch can hold. */
static bool push_susp(struct calls_engine *e, const struct calls_rec *r)
{
    if (e->sq_n == e->sq_cap) {
        size_t cap = e->sq_cap ? e->sq_cap * 2 : 16;
        if (cap > e->fraud_settings.susp_cap) {
            cap = e->fraud_settings.susp_cap;
        }
        struct calls_rec *p =
            cap > e->sq_cap ? realloc(e->sq, cap * sizeof(*p)) : NULL;
        if (p == NULL) {
            return false;
        }
        e->sq = p;
        e->sq_cap = cap;
    }
    e->sq[e->sq_n++] = *r;
    return true;
}

void calls_rec_push(struct calls_engine *e, const struct calls_rec *r)
{
    bool wake = false;
    if (!r->is_susp && r->cdr.result == STORE_CDR_ANSWERED) {
        atomic_fetch_add_explicit(&e->stats.answered, 1, memory_order_relaxed);
    }
    pthread_mutex_lock(&e->q_mu);
    if (r->is_susp) {
        wake = e->q_n == 0 && e->sq_n == 0;
        if (!push_susp(e, r)) {
            wake = false;
            atomic_fetch_add_explicit(&e->stats.cdr_lost, 1,
                                      memory_order_relaxed);
        }
    } else if (e->q_n < e->q_cap) {
        e->q[(e->q_head + e->q_n) % e->q_cap] = *r;
        wake = e->q_n++ == 0 && e->sq_n == 0;
    } else {
        atomic_fetch_add_explicit(&e->stats.cdr_lost, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&e->q_mu);
    if (wake && e->cfg.wake) {
        e->cfg.wake(e->cfg.wake_ud);
    }
}

/* Take up to 'cap' records from the ring. */
static size_t take(struct calls_engine *e, struct calls_rec *out, size_t cap)
{
    pthread_mutex_lock(&e->q_mu);
    size_t n = e->sq_n < cap ? e->sq_n : cap;
    if (n > 0) {
        memcpy(out, e->sq, n * sizeof(*out));
        memmove(e->sq, e->sq + n, (e->sq_n - n) * sizeof(*out));
        e->sq_n -= n;
    }
    size_t k = e->q_n < cap - n ? e->q_n : cap - n;
    for (size_t i = 0; i < k; i++) {
        out[n + i] = e->q[(e->q_head + i) % e->q_cap];
    }
    e->q_head = (e->q_head + k) % e->q_cap;
    e->q_n -= k;
    if (e->q_n == 0) {
        /* Start again at the front: the ring's pages past the largest
         * batch are never touched, so they cost no resident memory (a
         * ring walked round would make all of it resident, and fault
         * page by page on the way). */
        e->q_head = 0;
    }
    pthread_mutex_unlock(&e->q_mu);
    return n + k;
}

#define DRAIN_BATCH 256

size_t calls_engine_drain(struct calls_engine *e, struct store *st)
{
    struct calls_rec *batch = malloc(DRAIN_BATCH * sizeof(*batch));
    size_t written = 0;
    if (batch == NULL) {
        return 0;
    }
    for (;;) {
        size_t n = take(e, batch, DRAIN_BATCH);
        if (n == 0) {
            break;
        }
        bool in_txn = store_begin(st) == 0;
        for (size_t i = 0; i < n; i++) {
            const struct calls_rec *r = &batch[i];
            int rc;
            if (r->is_susp) {
                rc = store_suspension_add(st, r->user_id, r->since, r->reason,
                                          NULL);
            } else {
                rc = store_cdr_add(st, &r->cdr, NULL);
            }
            if (rc == 0) {
                written++;
                if (!r->is_susp) {
                    atomic_fetch_add_explicit(&e->stats.cdrs, 1,
                                              memory_order_relaxed);
                }
            } else {
                atomic_fetch_add_explicit(&e->stats.cdr_lost, 1,
                                          memory_order_relaxed);
                log_warn_rl(&lc, "%s not written: %s",
                            r->is_susp ? "suspension" : "CDR", strerror(-rc));
            }
        }
        if (in_txn && store_commit(st) != 0) {
            store_rollback(st);
            log_warn_rl(&lc, "call records lost: commit failed");
        }
    }
    free(batch);
    return written;
}
