/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "loop/signals.h"
#include "loop/worker.h"

/*
 * Worker callbacks can't use cmocka asserts (they longjmp on the main
 * thread's stack), so they record what they saw and the main thread checks.
 * Cross-thread waits use a condition variable with a generous deadline that
 * only matters when a test is broken.
 */
struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n;
};

static void waiter_init(struct waiter *wt)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&wt->mu, NULL);
    pthread_cond_init(&wt->cv, &attr);
    pthread_condattr_destroy(&attr);
    wt->n = 0;
}

static void waiter_fini(struct waiter *wt)
{
    pthread_cond_destroy(&wt->cv);
    pthread_mutex_destroy(&wt->mu);
}

static void waiter_post(struct waiter *wt)
{
    pthread_mutex_lock(&wt->mu);
    wt->n++;
    pthread_cond_broadcast(&wt->cv);
    pthread_mutex_unlock(&wt->mu);
}

/* Wait until n posts were made; false after 10 s. */
static bool waiter_wait(struct waiter *wt, unsigned n)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 10;
    pthread_mutex_lock(&wt->mu);
    int rc = 0;
    while (wt->n < n && rc == 0) {
        rc = pthread_cond_timedwait(&wt->cv, &wt->mu, &deadline);
    }
    bool ok = wt->n >= n;
    pthread_mutex_unlock(&wt->mu);
    return ok;
}

/* ---- start, calls, stop -------------------------------------------------- */

struct start_rec {
    _Atomic unsigned n_init;
    _Atomic bool bad_thread; /* an init ran off its worker's thread */
    _Atomic unsigned order[8];
    _Atomic unsigned n_order;
};

static int rec_init(struct loop_worker *w, void *ud)
{
    struct start_rec *r = ud;
    if (loop_worker_current() != w) {
        atomic_store(&r->bad_thread, true);
    }
    unsigned i = atomic_fetch_add(&r->n_order, 1);
    if (i < 8) {
        atomic_store(&r->order[i], w->index);
    }
    atomic_fetch_add(&r->n_init, 1);
    return 0;
}

static void pool_default_size(void **state)
{
    (void)state;
    struct loop_pool pool;
    assert_int_equal(loop_pool_init(&pool, 0), 0);
    assert_int_equal(pool.n_workers, loop_cpu_count());
    assert_true(pool.n_workers >= 1);
    loop_pool_fini(&pool);
    assert_int_equal(loop_pool_init(&pool, 100000), -EINVAL);
}

static void pool_start_in_order(void **state)
{
    (void)state;
    struct loop_pool pool;
    struct start_rec r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(loop_pool_init(&pool, 4), 0);
    assert_int_equal(loop_pool_start(&pool, rec_init, &r), 0);
    assert_int_equal(atomic_load(&r.n_init), 4);
    assert_false(atomic_load(&r.bad_thread));
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(atomic_load(&r.order[i]), i);
    }
    assert_null(loop_worker_current());
    loop_pool_stop(&pool);
    loop_pool_stop(&pool); /* idempotent */
    loop_pool_fini(&pool);
}

struct call_rec {
    struct waiter done;
    _Atomic unsigned n_calls;
    _Atomic unsigned n_wrong_thread;
    _Atomic unsigned n_out_of_order;
    unsigned last_seq[2]; /* per worker, touched only by that worker */
};

struct call_arg {
    struct call_rec *rec;
    struct loop_worker *expect;
    unsigned seq;
};

static void rec_call(struct loop_worker *w, void *ud)
{
    struct call_arg *a = ud;
    struct call_rec *r = a->rec;
    if (loop_worker_current() != w || w != a->expect) {
        atomic_fetch_add(&r->n_wrong_thread, 1);
    }
    if (a->seq != r->last_seq[w->index] + 1) {
        atomic_fetch_add(&r->n_out_of_order, 1);
    }
    r->last_seq[w->index] = a->seq;
    atomic_fetch_add(&r->n_calls, 1);
    waiter_post(&r->done);
}

enum { N_CALLS = 2000 };

static void calls_run_on_worker_in_order(void **state)
{
    (void)state;
    static struct call_arg args[2][N_CALLS];
    struct call_rec r;
    memset(&r, 0, sizeof(r));
    waiter_init(&r.done);
    struct loop_pool pool;
    assert_int_equal(loop_pool_init(&pool, 2), 0);

    /* Queued before start: they run once the workers start. */
    for (unsigned wi = 0; wi < 2; wi++) {
        args[wi][0] = (struct call_arg){ &r, loop_pool_worker(&pool, wi), 1 };
        assert_int_equal(
            loop_pool_call(loop_pool_worker(&pool, wi), rec_call, &args[wi][0]),
            0);
    }
    assert_int_equal(loop_pool_start(&pool, NULL, NULL), 0);
    for (unsigned i = 1; i < N_CALLS; i++) {
        for (unsigned wi = 0; wi < 2; wi++) {
            struct loop_worker *w = loop_pool_worker(&pool, wi);
            args[wi][i] = (struct call_arg){ &r, w, i + 1 };
            assert_int_equal(loop_pool_call(w, rec_call, &args[wi][i]), 0);
        }
    }
    assert_true(waiter_wait(&r.done, 2 * N_CALLS));
    loop_pool_stop(&pool);
    assert_int_equal(atomic_load(&r.n_calls), 2 * N_CALLS);
    assert_int_equal(atomic_load(&r.n_wrong_thread), 0);
    assert_int_equal(atomic_load(&r.n_out_of_order), 0);
    assert_int_equal(r.last_seq[0], N_CALLS);
    assert_int_equal(r.last_seq[1], N_CALLS);

    /* After stop, calls are refused and never run. */
    struct call_arg late = { &r, loop_pool_worker(&pool, 0), 0 };
    assert_int_equal(
        loop_pool_call(loop_pool_worker(&pool, 0), rec_call, &late),
        -ESHUTDOWN);
    loop_pool_fini(&pool);
    assert_int_equal(atomic_load(&r.n_calls), 2 * N_CALLS);
    waiter_fini(&r.done);
}

/* ---- stop hooks, timers, leftovers --------------------------------------- */

struct hook_rec {
    _Atomic unsigned seq;
    _Atomic unsigned first_hook_seq[2];
    _Atomic unsigned second_hook_seq[2];
    _Atomic unsigned timer_closed;
    _Atomic bool is_timer_closed[2];
    _Atomic unsigned call_before_hooks;
    uv_timer_t timers[2];
    uv_timer_t leaked[2]; /* started, no hook closes them */
};

static void on_timer_closed(uv_handle_t *h)
{
    struct hook_rec *r = h->data;
    atomic_store(&r->is_timer_closed[h == (uv_handle_t *)&r->timers[1]], true);
    atomic_fetch_add(&r->timer_closed, 1);
}

static void hook_first(struct loop_worker *w, void *ud)
{
    struct hook_rec *r = ud;
    /* Registered first, so it runs last. */
    atomic_store(&r->first_hook_seq[w->index], atomic_fetch_add(&r->seq, 1));
}

static void hook_second(struct loop_worker *w, void *ud)
{
    struct hook_rec *r = ud;
    atomic_store(&r->second_hook_seq[w->index], atomic_fetch_add(&r->seq, 1));
    uv_close((uv_handle_t *)&r->timers[w->index], on_timer_closed);
}

static void never_fires(uv_timer_t *t)
{
    (void)t;
}

static int hook_init(struct loop_worker *w, void *ud)
{
    struct hook_rec *r = ud;
    uv_timer_t *t = &r->timers[w->index];
    uv_timer_init(&w->loop, t);
    t->data = r;
    uv_timer_start(t, never_fires, 3600 * 1000, 0);
    /* A handle its owner forgot: stop must still finish. */
    uv_timer_init(&w->loop, &r->leaked[w->index]);
    uv_timer_start(&r->leaked[w->index], never_fires, 3600 * 1000, 0);
    if (loop_worker_on_stop(w, hook_first, r) != 0
        || loop_worker_on_stop(w, hook_second, r) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static void late_call(struct loop_worker *w, void *ud)
{
    struct hook_rec *r = ud;
    atomic_fetch_add(&r->call_before_hooks,
                     atomic_load(&r->is_timer_closed[w->index]) ? 0 : 1);
}

static void stop_runs_hooks_lifo(void **state)
{
    (void)state;
    struct hook_rec r;
    memset(&r, 0, sizeof(r));
    atomic_store(&r.seq, 1);
    struct loop_pool pool;
    assert_int_equal(loop_pool_init(&pool, 2), 0);
    assert_int_equal(loop_pool_start(&pool, hook_init, &r), 0);
    /* Queued calls run before the hooks. */
    assert_int_equal(loop_pool_call(loop_pool_worker(&pool, 0), late_call, &r),
                     0);
    assert_int_equal(loop_pool_call(loop_pool_worker(&pool, 1), late_call, &r),
                     0);
    loop_pool_stop(&pool); /* returns: the hourly timers did not block it */
    assert_int_equal(atomic_load(&r.call_before_hooks), 2);
    assert_int_equal(atomic_load(&r.timer_closed), 2);
    for (unsigned i = 0; i < 2; i++) {
        assert_true(atomic_load(&r.second_hook_seq[i]) != 0);
        assert_true(atomic_load(&r.first_hook_seq[i])
                    > atomic_load(&r.second_hook_seq[i]));
    }
    loop_pool_fini(&pool);
}

/* ---- init failure -------------------------------------------------------- */

struct fail_rec {
    _Atomic unsigned n_init;
    _Atomic unsigned n_hooks;
};

static void count_hook(struct loop_worker *w, void *ud)
{
    struct fail_rec *r = ud;
    (void)w;
    atomic_fetch_add(&r->n_hooks, 1);
}

static int fail_second(struct loop_worker *w, void *ud)
{
    struct fail_rec *r = ud;
    atomic_fetch_add(&r->n_init, 1);
    if (loop_worker_on_stop(w, count_hook, r) != 0) {
        return -ENOMEM;
    }
    return w->index == 1 ? -EADDRINUSE : 0;
}

static void start_failure_stops_pool(void **state)
{
    (void)state;
    struct fail_rec r;
    memset(&r, 0, sizeof(r));
    struct loop_pool pool;
    assert_int_equal(loop_pool_init(&pool, 3), 0);
    assert_int_equal(loop_pool_start(&pool, fail_second, &r), -EADDRINUSE);
    /* Worker 2 never started; 0 and 1 ran their hooks on the way down. */
    assert_int_equal(atomic_load(&r.n_init), 2);
    assert_int_equal(atomic_load(&r.n_hooks), 2);
    assert_false(pool.is_running);
    assert_int_equal(loop_pool_call(loop_pool_worker(&pool, 0), count_hook, &r),
                     -ESHUTDOWN);
    loop_pool_fini(&pool);
}

static void never_started(void **state)
{
    (void)state;
    struct loop_pool pool;
    struct fail_rec r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(loop_pool_init(&pool, 2), 0);
    /* Queued but never run: discarded by fini. */
    assert_int_equal(loop_pool_call(loop_pool_worker(&pool, 1), count_hook, &r),
                     0);
    loop_pool_stop(&pool);
    loop_pool_fini(&pool);
    assert_int_equal(atomic_load(&r.n_hooks), 0);
}

/* ---- signals ------------------------------------------------------------- */

struct sig_rec {
    int last;
    unsigned n;
    struct loop_signals *sigs;
};

static void on_sig(void *ud, int signum)
{
    struct sig_rec *r = ud;
    r->last = signum;
    r->n++;
}

static void signals_reach_main_loop(void **state)
{
    (void)state;
    uv_loop_t loop;
    struct loop_signals sigs;
    struct sig_rec r = { 0, 0, &sigs };
    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(loop_signals_init(&sigs, &loop, on_sig, &r), 0);

    /* Worker threads must not take the signal away from the main loop. */
    struct loop_pool pool;
    assert_int_equal(loop_pool_init(&pool, 2), 0);
    assert_int_equal(loop_pool_start(&pool, NULL, NULL), 0);

    assert_int_equal(kill(getpid(), SIGHUP), 0);
    for (int i = 0; i < 1000 && r.n == 0; i++) {
        uv_run(&loop, UV_RUN_ONCE);
    }
    assert_int_equal(r.n, 1);
    assert_int_equal(r.last, SIGHUP);

    assert_int_equal(kill(getpid(), SIGTERM), 0);
    for (int i = 0; i < 1000 && r.n == 1; i++) {
        uv_run(&loop, UV_RUN_ONCE);
    }
    assert_int_equal(r.last, SIGTERM);

    loop_pool_fini(&pool);
    loop_signals_close(&sigs);
    loop_signals_close(&sigs); /* idempotent */
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pool_default_size),
        cmocka_unit_test(pool_start_in_order),
        cmocka_unit_test(calls_run_on_worker_in_order),
        cmocka_unit_test(stop_runs_hooks_lifo),
        cmocka_unit_test(start_failure_stops_pool),
        cmocka_unit_test(never_started),
        cmocka_unit_test(signals_reach_main_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
