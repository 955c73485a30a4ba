/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pool of worker threads, each running its own libuv loop. Other threads
 * talk to a worker only through loop_pool_call(), a mutex-protected queue
 * drained on the worker's thread. Stopping runs each worker's stop hooks
 * (which close the handles their subsystem owns), lets the loop finish the
 * close callbacks, then joins the threads. Signals are left to the caller's
 * main loop (see loop/signals.h); worker threads block them.
 */
#ifndef SW_LOOP_WORKER_H
#define SW_LOOP_WORKER_H

#include <stdbool.h>

#include <uv.h>

struct loop_worker;
struct loop_call;
struct loop_hook;

/* A unit of work run on a worker's thread. */
typedef void loop_call_fn(struct loop_worker *w, void *ud);
/* Per-worker start hook; runs on the worker's thread before its loop runs. */
typedef int loop_init_fn(struct loop_worker *w, void *ud);

struct loop_pool;

struct loop_worker {
    uv_loop_t loop;           /* touched only by this worker's thread */
    uv_thread_t thread;       /* valid when is_started */
    uv_async_t wake;          /* wakes the loop for queued calls and stop */
    unsigned index;           /* 0 .. n_workers - 1 */
    struct loop_pool *pool;   /* owner */
    uv_mutex_t q_mu;          /* guards q_head, q_tail, is_stopping */
    struct loop_call *q_head; /* pending calls, FIFO */
    struct loop_call *q_tail;
    bool is_stopping;        /* stop requested: no call is accepted any more */
    bool is_started;         /* its thread was created */
    bool is_stopped;         /* stop hooks ran (worker thread only) */
    struct loop_hook *hooks; /* stop hooks, run LIFO (worker thread only) */
};

struct loop_pool {
    struct loop_worker *workers; /* n_workers entries, never moved */
    unsigned n_workers;
    loop_init_fn *init_fn; /* set by loop_pool_start */
    void *init_ud;
    uv_sem_t ready;  /* posted by each worker after its init hook */
    int init_err;    /* first init hook failure, 0 if none */
    bool is_running; /* started and not yet stopped */
};

/*
 * Number of online CPUs (at least 1).
 */
unsigned loop_cpu_count(void);

/*
 * Prepare 'n_workers' workers (0 = one per online CPU) in caller-owned
 * 'pool': their loops and wake handles exist, no thread runs yet.
 * Returns 0, -EINVAL (more than 1024 workers) or -ENOMEM / a libuv error;
 * on failure nothing needs releasing. Main thread.
 */
int loop_pool_init(struct loop_pool *pool, unsigned n_workers);

/*
 * Start the worker threads one after another: worker i+1 is created only
 * after worker i's 'init_fn' returned, so an init hook may rely on what an
 * earlier worker's hook published (e.g. the port an ephemeral bind got).
 * 'init_fn' (may be NULL) runs on the worker's thread; a non-zero return
 * stops the whole pool (stop hooks run on the workers already started) and
 * is returned. Returns 0, that error, or a libuv error. Call at most once.
 */
int loop_pool_start(struct loop_pool *pool, loop_init_fn *init_fn, void *ud);

/*
 * Queue fn(w, ud) to run on w's thread, in FIFO order with other calls to
 * the same worker. Thread-safe; may be called from any thread, including
 * w's own (the call then runs on a later loop iteration), and before
 * loop_pool_start (it runs once the worker starts). Every accepted call
 * runs exactly once, at the latest while the worker stops, before its stop
 * hooks. Returns 0, -ENOMEM, or -ESHUTDOWN once stop was requested; on
 * failure fn is never run and 'ud' stays the caller's.
 */
int loop_pool_call(struct loop_worker *w, loop_call_fn *fn, void *ud);

/*
 * Register fn(w, ud) to run on w's thread when the pool stops, after all
 * queued calls; hooks run in reverse order of registration and must close
 * (uv_close) every handle their owner opened on this loop. Worker thread
 * only (typically from the init hook). Returns 0 or -ENOMEM.
 */
int loop_worker_on_stop(struct loop_worker *w, loop_call_fn *fn, void *ud);

/*
 * The worker whose thread is calling, or NULL on any other thread.
 */
struct loop_worker *loop_worker_current(void);

/*
 * Stop every started worker: queued calls run, stop hooks run, handles
 * left open by mistake are closed (and logged), the loops finish their
 * close callbacks and the threads are joined. Idempotent. Must not be
 * called from a worker thread.
 */
void loop_pool_stop(struct loop_pool *pool);

/*
 * Stop if needed and release everything loop_pool_init made. Calls queued
 * on a worker that never started are discarded without running. 'pool'
 * may be re-initialised afterwards.
 */
void loop_pool_fini(struct loop_pool *pool);

static inline struct loop_worker *loop_pool_worker(struct loop_pool *pool,
                                                   unsigned i)
{
    return i < pool->n_workers ? &pool->workers[i] : NULL;
}

#endif
