/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The receive sink: one UDP socket, one thread, recvmmsg batches, nothing
 * done with the data. It measures what the machine can take off a socket
 * per core, the ceiling any userspace filter works under. Drain mode
 * keeps the batches full even when the sender is slower than the reader.
 */
#include "blaster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum {
    SINK_BUF = 2048,          /* bytes kept of each datagram */
    SINK_RCVBUF = 128 << 20,  /* queue in drain mode (kernel doubles) */
    SINK_DRAIN_MAX_MS = 2000, /* one drain at most (sender faster) */
};

struct sink {
    int fd;
    char *bufs;
    unsigned batch;
    struct mmsghdr mm[BLASTER_BATCH_MAX];
    struct iovec iov[BLASTER_BATCH_MAX];
};

/* One recvmmsg; returns datagrams read, 0 for nothing (timeout, EINTR,
 * empty queue), or negative errno. */
static int read_batch(struct sink *s, int flags, struct blaster_result *res)
{
    for (unsigned i = 0; i < s->batch; i++) {
        s->iov[i].iov_base = s->bufs + (size_t)i * SINK_BUF;
        s->iov[i].iov_len = SINK_BUF;
        s->mm[i].msg_hdr =
            (struct msghdr){ .msg_iov = &s->iov[i], .msg_iovlen = 1 };
    }
    int n = recvmmsg(s->fd, s->mm, s->batch, flags, NULL);
    if (n == -1) {
        if (errno == EAGAIN || errno == EINTR) {
            return 0;
        }
        int e = errno;
        fprintf(stderr, "sw-blaster: recvmmsg: %s\n", strerror(e));
        return -e;
    }
    res->packets += (uint64_t)n;
    for (int i = 0; i < n; i++) {
        res->bytes += s->mm[i].msg_len;
    }
    return n;
}

static int run_continuous(struct sink *s, const struct blaster_opts *o,
                          double t_end, struct blaster_result *res)
{
    double t_first = 0, t_last = 0, cpu_first = 0;
    while (!blaster_stop && blaster_now() < t_end) {
        if (o->count != 0 && res->packets >= o->count) {
            break;
        }
        bool first = res->packets == 0;
        int n = read_batch(s, MSG_WAITFORONE, res);
        if (n < 0) {
            return n;
        }
        if (n == 0) {
            continue; /* the 100 ms timeout: look at the clock */
        }
        t_last = blaster_now();
        if (first) {
            t_first = t_last;
            res->start_unix = blaster_wall();
            cpu_first = blaster_cpu_s();
        }
    }
    res->seconds = t_last - t_first;
    /* CPU from the first datagram on: set-up and idle waiting excluded. */
    res->cpu_s = res->packets ? blaster_cpu_s() - cpu_first : 0;
    return 0;
}

static void pause_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000,
                           .tv_nsec = (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL); /* EINTR (a stop signal) ends it early */
}

static int run_drain(struct sink *s, const struct blaster_opts *o, double t_end,
                     struct blaster_result *res)
{
    while (!blaster_stop && blaster_now() < t_end) {
        if (o->count != 0 && res->packets >= o->count) {
            break;
        }
        pause_ms(o->drain_pause_ms);
        double t0 = blaster_now(), c0 = blaster_cpu_s();
        double t_stop = t0 + SINK_DRAIN_MAX_MS / 1000.0;
        uint64_t before = res->packets;
        double t_last = t0;
        while (!blaster_stop) {
            int n = read_batch(s, MSG_DONTWAIT, res);
            if (n < 0) {
                return n;
            }
            if (n == 0) {
                break; /* queue empty */
            }
            t_last = blaster_now();
            if (t_last >= t_stop) {
                break;
            }
        }
        if (res->packets != before) {
            if (res->start_unix == 0) {
                res->start_unix = blaster_wall();
            }
            res->seconds += t_last - t0;
            res->cpu_s += blaster_cpu_s() - c0;
        }
    }
    return 0;
}

int blaster_sink_run(const struct blaster_opts *o, struct blaster_result *res)
{
    struct sink s = { .fd = -1, .batch = o->batch };
    int rc = 0;
    memset(res, 0, sizeof(*res));
    s.bufs = malloc((size_t)o->batch * SINK_BUF);
    if (!s.bufs) {
        return -ENOMEM;
    }
    s.fd = socket(net_addr_family(&o->dst), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s.fd == -1) {
        rc = -errno;
        goto out;
    }
    /* A deep queue (FORCE works as root, beyond rmem_max) so bursts are
     * not lost while the thread is scheduled out, and drain mode has a
     * queue worth draining. */
    int rcvbuf = o->drain_pause_ms ? SINK_RCVBUF : 32 << 20;
    if (setsockopt(s.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf))
        == -1) {
        (void)setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }
    struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
    (void)setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (bind(s.fd, &o->dst.sa, o->dst.len) == -1) {
        rc = -errno;
        fprintf(stderr, "sw-blaster: bind: %s\n", strerror(errno));
        goto out;
    }
    /* Ready: the caller may start the sender once this line is out. */
    fprintf(stderr, "sw-blaster: sink ready\n");
    double t_end = blaster_now() + o->duration_s;
    rc = o->drain_pause_ms ? run_drain(&s, o, t_end, res)
                           : run_continuous(&s, o, t_end, res);
out:
    if (s.fd != -1) {
        close(s.fd);
    }
    free(s.bufs);
    return rc;
}
