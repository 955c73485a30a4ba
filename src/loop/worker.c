/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Worker pool: one thread and one libuv loop per worker, a cross-thread
 * call queue woken through uv_async, and an ordered shutdown (calls, stop
 * hooks, leftover handles, join). What runs on the loops is the business
 * of the subsystems that register init and stop hooks.
 */
#include "loop/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/check.h"
#include "base/log.h"

enum { LOOP_MAX_WORKERS = 1024 };

struct loop_call {
    loop_call_fn *fn;
    void *ud;
    struct loop_call *next;
};

struct loop_hook {
    loop_call_fn *fn;
    void *ud;
    struct loop_hook *next;
};

static const struct log_ctx lc = { "loop", NULL };

static _Thread_local struct loop_worker *cur_worker;

unsigned loop_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) {
        return 1;
    }
    return n > LOOP_MAX_WORKERS ? LOOP_MAX_WORKERS : (unsigned)n;
}

struct loop_worker *loop_worker_current(void)
{
    return cur_worker;
}

/* ---- call queue ---------------------------------------------------------- */

static struct loop_call *queue_take(struct loop_worker *w, bool *is_stopping)
{
    uv_mutex_lock(&w->q_mu);
    struct loop_call *head = w->q_head;
    w->q_head = NULL;
    w->q_tail = NULL;
    *is_stopping = w->is_stopping;
    uv_mutex_unlock(&w->q_mu);
    return head;
}

static void queue_run(struct loop_worker *w, struct loop_call *c)
{
    while (c) {
        struct loop_call *next = c->next;
        c->fn(w, c->ud);
        free(c);
        c = next;
    }
}

int loop_pool_call(struct loop_worker *w, loop_call_fn *fn, void *ud)
{
    SW_ASSERT(w && fn);
    struct loop_call *c = malloc(sizeof(*c));
    if (!c) {
        return -ENOMEM;
    }
    c->fn = fn;
    c->ud = ud;
    c->next = NULL;

    uv_mutex_lock(&w->q_mu);
    if (w->is_stopping) {
        uv_mutex_unlock(&w->q_mu);
        free(c);
        return -ESHUTDOWN;
    }
    if (w->q_tail) {
        w->q_tail->next = c;
    } else {
        w->q_head = c;
    }
    w->q_tail = c;
    /*
     * Sent under the lock: the worker closes 'wake' only after it saw
     * is_stopping under this lock, so the handle is still open here.
     */
    uv_async_send(&w->wake);
    uv_mutex_unlock(&w->q_mu);
    return 0;
}

int loop_worker_on_stop(struct loop_worker *w, loop_call_fn *fn, void *ud)
{
    SW_ASSERT(cur_worker == w);
    struct loop_hook *h = malloc(sizeof(*h));
    if (!h) {
        return -ENOMEM;
    }
    h->fn = fn;
    h->ud = ud;
    h->next = w->hooks;
    w->hooks = h;
    return 0;
}

/* ---- worker thread ------------------------------------------------------- */

static void close_leftover(uv_handle_t *h, void *arg)
{
    struct loop_worker *w = arg;
    if (uv_is_closing(h) || h == (uv_handle_t *)&w->wake) {
        return;
    }
    log_warn(&lc, "worker %u: %s handle still open at stop, closing it",
             w->index, uv_handle_type_name(uv_handle_get_type(h)));
    uv_close(h, NULL);
}

static void worker_stop(struct loop_worker *w)
{
    w->is_stopped = true;
    while (w->hooks) {
        struct loop_hook *h = w->hooks;
        w->hooks = h->next;
        h->fn(w, h->ud);
        free(h);
    }
    uv_walk(&w->loop, close_leftover, w);
    uv_close((uv_handle_t *)&w->wake, NULL);
}

static void on_wake(uv_async_t *a)
{
    struct loop_worker *w = a->data;
    bool is_stopping = false;
    queue_run(w, queue_take(w, &is_stopping));
    if (is_stopping && !w->is_stopped) {
        worker_stop(w);
    }
}

static void block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    /* Asynchronous signals go to the main thread; SIGPIPE becomes EPIPE. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void worker_main(void *arg)
{
    struct loop_worker *w = arg;
    struct loop_pool *pool = w->pool;

    cur_worker = w;
    block_signals();
    if (pool->init_fn) {
        int rc = pool->init_fn(w, pool->init_ud);
        if (rc != 0) {
            pool->init_err = rc; /* read by the starter after 'ready' */
        }
    }
    uv_sem_post(&pool->ready);

    uv_run(&w->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&w->loop) == UV_EBUSY) {
        /* Only unreferenced handles can remain; close and drain them. */
        uv_walk(&w->loop, close_leftover, w);
        uv_run(&w->loop, UV_RUN_DEFAULT);
        SW_BUG_ON(uv_loop_close(&w->loop) != 0);
    }
    cur_worker = NULL;
}

/* ---- pool ---------------------------------------------------------------- */

static int worker_init(struct loop_pool *pool, struct loop_worker *w,
                       unsigned index)
{
    w->index = index;
    w->pool = pool;
    int rc = uv_loop_init(&w->loop);
    if (rc != 0) {
        return rc;
    }
    rc = uv_mutex_init(&w->q_mu);
    if (rc != 0) {
        uv_loop_close(&w->loop);
        return rc;
    }
    rc = uv_async_init(&w->loop, &w->wake, on_wake);
    if (rc != 0) {
        uv_mutex_destroy(&w->q_mu);
        uv_loop_close(&w->loop);
        return rc;
    }
    w->wake.data = w;
    return 0;
}

/* Release a worker whose thread never ran (or has been joined). */
static void worker_fini(struct loop_worker *w)
{
    if (!w->is_started) {
        uv_close((uv_handle_t *)&w->wake, NULL);
        uv_run(&w->loop, UV_RUN_DEFAULT);
        SW_BUG_ON(uv_loop_close(&w->loop) != 0);
    }
    struct loop_call *c = w->q_head;
    while (c) {
        struct loop_call *next = c->next;
        free(c);
        c = next;
    }
    w->q_head = NULL;
    w->q_tail = NULL;
    uv_mutex_destroy(&w->q_mu);
}

int loop_pool_init(struct loop_pool *pool, unsigned n_workers)
{
    *pool = (struct loop_pool){ 0 };
    if (n_workers == 0) {
        n_workers = loop_cpu_count();
    }
    if (n_workers > LOOP_MAX_WORKERS) {
        return -EINVAL;
    }
    pool->workers = calloc(n_workers, sizeof(*pool->workers));
    if (!pool->workers) {
        return -ENOMEM;
    }
    int rc = uv_sem_init(&pool->ready, 0);
    if (rc != 0) {
        free(pool->workers);
        pool->workers = NULL;
        return rc;
    }
    for (unsigned i = 0; i < n_workers; i++) {
        rc = worker_init(pool, &pool->workers[i], i);
        if (rc != 0) {
            for (unsigned j = 0; j < i; j++) {
                worker_fini(&pool->workers[j]);
            }
            uv_sem_destroy(&pool->ready);
            free(pool->workers);
            pool->workers = NULL;
            return rc;
        }
    }
    pool->n_workers = n_workers;
    return 0;
}

int loop_pool_start(struct loop_pool *pool, loop_init_fn *init_fn, void *ud)
{
    SW_ASSERT(!pool->is_running);
    pool->init_fn = init_fn;
    pool->init_ud = ud;
    pool->is_running = true;
    int rc = 0;
    for (unsigned i = 0; i < pool->n_workers; i++) {
        struct loop_worker *w = &pool->workers[i];
        rc = uv_thread_create(&w->thread, worker_main, w);
        if (rc != 0) {
            break;
        }
        w->is_started = true;
        uv_sem_wait(&pool->ready);
        if (pool->init_err != 0) {
            rc = pool->init_err;
            break;
        }
    }
    if (rc != 0) {
        loop_pool_stop(pool);
    }
    return rc;
}

void loop_pool_stop(struct loop_pool *pool)
{
    SW_ASSERT(cur_worker == NULL);
    if (!pool->is_running) {
        return;
    }
    for (unsigned i = 0; i < pool->n_workers; i++) {
        struct loop_worker *w = &pool->workers[i];
        uv_mutex_lock(&w->q_mu);
        w->is_stopping = true;
        if (w->is_started) {
            uv_async_send(&w->wake);
        }
        uv_mutex_unlock(&w->q_mu);
    }
    for (unsigned i = 0; i < pool->n_workers; i++) {
        struct loop_worker *w = &pool->workers[i];
        if (w->is_started) {
            uv_thread_join(&w->thread);
        }
    }
    pool->is_running = false;
}

void loop_pool_fini(struct loop_pool *pool)
{
    if (!pool->workers) {
        return;
    }
    loop_pool_stop(pool);
    for (unsigned i = 0; i < pool->n_workers; i++) {
        worker_fini(&pool->workers[i]);
    }
    uv_sem_destroy(&pool->ready);
    free(pool->workers);
    *pool = (struct loop_pool){ 0 };
}
