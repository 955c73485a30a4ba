/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the net tests: a started pool with a net context, blocking
 * test clients, and a waiter the worker callbacks post to. Callbacks run
 * on worker threads where cmocka asserts can't be used, so they record and
 * post; the test thread waits and asserts. The waits have a 10 s deadline
 * that only a broken test reaches; nothing here sleeps.
 */
#ifndef SW_TESTS_NET_TEST_H
#define SW_TESTS_NET_TEST_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "loop/worker.h"
#include "net/addr.h"
#include "net/net.h"

enum { WAIT_KEYS = 32, TEST_IO_TIMEOUT_S = 10 };

struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n[WAIT_KEYS];
};

static inline void waiter_init(struct waiter *wt)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&wt->mu, NULL);
    pthread_cond_init(&wt->cv, &attr);
    pthread_condattr_destroy(&attr);
    memset(wt->n, 0, sizeof(wt->n));
}

static inline void waiter_fini(struct waiter *wt)
{
    pthread_cond_destroy(&wt->cv);
    pthread_mutex_destroy(&wt->mu);
}

static inline void waiter_post(struct waiter *wt, unsigned key)
{
    pthread_mutex_lock(&wt->mu);
    wt->n[key % WAIT_KEYS]++;
    pthread_cond_broadcast(&wt->cv);
    pthread_mutex_unlock(&wt->mu);
}

static inline unsigned waiter_count(struct waiter *wt, unsigned key)
{
    pthread_mutex_lock(&wt->mu);
    unsigned n = wt->n[key % WAIT_KEYS];
    pthread_mutex_unlock(&wt->mu);
    return n;
}

/* Wait until key was posted at least n times; false after the deadline. */
static inline bool waiter_wait(struct waiter *wt, unsigned key, unsigned n)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += TEST_IO_TIMEOUT_S;
    pthread_mutex_lock(&wt->mu);
    int rc = 0;
    while (wt->n[key % WAIT_KEYS] < n && rc == 0) {
        rc = pthread_cond_timedwait(&wt->cv, &wt->mu, &deadline);
    }
    bool ok = wt->n[key % WAIT_KEYS] >= n;
    pthread_mutex_unlock(&wt->mu);
    return ok;
}

static inline uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- pool + context ------------------------------------------------------ */

struct fixture {
    struct loop_pool pool;
    struct net_ctx *ctx;
};

static inline int fixture_init_worker(struct loop_worker *w, void *ud)
{
    struct fixture *fx = ud;
    return net_worker_start(fx->ctx, w);
}

/* Init pool and context; the caller adds listeners, then fixture_start. */
static inline int fixture_init(struct fixture *fx, unsigned n_workers,
                               const struct net_cfg *cfg)
{
    memset(fx, 0, sizeof(*fx));
    int rc = loop_pool_init(&fx->pool, n_workers);
    if (rc != 0) {
        return rc;
    }
    rc = net_ctx_new(&fx->ctx, &fx->pool, cfg);
    if (rc != 0) {
        loop_pool_fini(&fx->pool);
    }
    return rc;
}

static inline int fixture_start(struct fixture *fx)
{
    return loop_pool_start(&fx->pool, fixture_init_worker, fx);
}

static inline void fixture_fini(struct fixture *fx)
{
    loop_pool_stop(&fx->pool);
    net_ctx_free(fx->ctx);
    fx->ctx = NULL;
    loop_pool_fini(&fx->pool);
}

/* ---- blocking clients ---------------------------------------------------- */

static inline void set_timeouts(int fd)
{
    struct timeval tv = { TEST_IO_TIMEOUT_S, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static inline int udp_client(int family)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd != -1) {
        set_timeouts(fd);
    }
    return fd;
}

static inline int tcp_connect(const struct net_addr *to)
{
    int fd = socket(to->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return -1;
    }
    set_timeouts(fd);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, &to->sa, to->len) == -1) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline int send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read exactly len bytes: 1 done, 0 EOF first, -1 error or timeout. */
static inline int recv_exact(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = recv(fd, p, len, 0);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n == 0) {
            return 0;
        }
        if (n < 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

/* The peer closed: recv sees EOF or a reset (not a timeout). */
static inline bool peer_closed(int fd)
{
    char c;
    for (;;) {
        ssize_t n = recv(fd, &c, 1, 0);
        if (n == 0) {
            return true;
        }
        if (n == -1 && errno == ECONNRESET) {
            return true;
        }
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n == -1) {
            return false; /* timeout */
        }
        /* Data still buffered from before the close: keep reading. */
    }
}

static inline bool ipv6_loopback_ok(void)
{
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd == -1) {
        return false;
    }
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

#endif
