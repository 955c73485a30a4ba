/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The send loops: batches of requests written with one sendmmsg each,
 * either from a connected UDP socket (one source address and port) or
 * from a raw IPv4 socket with IP_HDRINCL, the source address walking over
 * a range so the server sees many distinct peers. Pacing, when asked for,
 * sleeps to an absolute schedule so the average rate holds.
 */
#include "blaster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct slot {
    char buf[BLASTER_RAW_HDR + BLASTER_MSG_CAP];
};

struct flood {
    const struct blaster_opts *o;
    int fd;
    bool raw;
    struct net_addr dst;             /* raw mode: msg_name of every packet */
    char via_host[NET_ADDR_FMT_CAP]; /* UDP mode: our bound IP */
    uint16_t via_port;               /* UDP mode: our bound port */
    struct slot *slots;
    struct mmsghdr mm[BLASTER_BATCH_MAX];
    struct iovec iov[BLASTER_BATCH_MAX];
};

static void sleep_until(double t_mono)
{
    struct timespec ts;
    ts.tv_sec = (time_t)t_mono;
    ts.tv_nsec = (long)((t_mono - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    /* EINTR (a stop signal) just ends the wait early. */
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* RFC 768 checksum over the IPv4 pseudo-header, UDP header and payload. */
static uint16_t udp4_csum(uint32_t saddr_be, uint32_t daddr_be,
                          const uint8_t *udp, size_t len)
{
    uint64_t sum = 0;
    sum += (saddr_be >> 16) + (saddr_be & 0xffff);
    sum += (daddr_be >> 16) + (daddr_be & 0xffff);
    sum += htons(IPPROTO_UDP);
    sum += htons((uint16_t)len);
    size_t i = 0;
    for (; i + 1 < len; i += 2) {
        uint16_t w;
        memcpy(&w, udp + i, 2);
        sum += w;
    }
    if (i < len) {
        uint16_t w = 0;
        memcpy(&w, udp + i, 1);
        sum += w;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    uint16_t c = (uint16_t)~sum;
    return c == 0 ? 0xffff : c; /* 0 would mean "no checksum" */
}

static int open_udp(struct flood *f)
{
    const struct blaster_opts *o = f->o;
    f->fd = socket(net_addr_family(&o->dst), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (f->fd == -1) {
        return -errno;
    }
    int sndbuf = 4 << 20;
    (void)setsockopt(f->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    if (o->src.len != 0 || o->sport != 0) {
        struct net_addr b;
        if (o->src.len != 0) {
            b = o->src;
        } else {
            memset(&b, 0, sizeof(b));
            b.ss.ss_family = (sa_family_t)net_addr_family(&o->dst);
            b.len = b.ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                              : sizeof(struct sockaddr_in6);
        }
        net_addr_set_port(&b, o->sport);
        if (bind(f->fd, &b.sa, b.len) == -1) {
            int e = errno;
            fprintf(stderr, "sw-blaster: bind: %s\n", strerror(e));
            return -e;
        }
    }
    if (connect(f->fd, &o->dst.sa, o->dst.len) == -1) {
        int e = errno;
        fprintf(stderr, "sw-blaster: connect: %s\n", strerror(e));
        return -e;
    }
    struct net_addr local = { .len = sizeof(local.ss) };
    if (getsockname(f->fd, &local.sa, &local.len) == -1) {
        return -errno;
    }
    net_addr_ip_fmt(&local, f->via_host, sizeof(f->via_host));
    f->via_port = net_addr_port(&local);
    return 0;
}

static int open_raw(struct flood *f)
{
    f->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (f->fd == -1) {
        int e = errno;
        fprintf(stderr, "sw-blaster: raw socket (needs CAP_NET_RAW): %s\n",
                strerror(e));
        return -e;
    }
    int one = 1;
    if (setsockopt(f->fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) == -1) {
        return -errno;
    }
    int sndbuf = 4 << 20;
    (void)setsockopt(f->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    f->raw = true;
    return 0;
}

/* Fill slot 'i' with packet number 'seq'; returns its length or 0. */
static size_t fill_slot(struct flood *f, unsigned i, uint64_t seq)
{
    const struct blaster_opts *o = f->o;
    struct slot *s = &f->slots[i];
    if (!f->raw) {
        return blaster_msg_build(s->buf, BLASTER_MSG_CAP, &o->msg, f->via_host,
                                 f->via_port, seq);
    }
    uint32_t src = o->spoof_base + (uint32_t)(seq % o->distinct);
    uint32_t src_be = htonl(src);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &src_be, host, sizeof(host));
    uint8_t *pkt = (uint8_t *)s->buf;
    size_t n = blaster_msg_build(s->buf + BLASTER_RAW_HDR, BLASTER_MSG_CAP,
                                 &o->msg, host, o->sport, seq);
    if (n == 0) {
        return 0;
    }
    struct iphdr ip = {
        .version = 4,
        .ihl = 5,
        .tot_len = htons((uint16_t)(n + BLASTER_RAW_HDR)),
        .id = 0, /* the kernel picks one */
        .ttl = 64,
        .protocol = IPPROTO_UDP,
        .saddr = src_be,
        .daddr = o->dst.in4.sin_addr.s_addr,
    };
    struct udphdr udp = {
        .source = htons(o->sport),
        .dest = o->dst.in4.sin_port,
        .len = htons((uint16_t)(n + sizeof(udp))),
    };
    memcpy(pkt + sizeof(ip), &udp, sizeof(udp));
    udp.check =
        udp4_csum(ip.saddr, ip.daddr, pkt + sizeof(ip), n + sizeof(udp));
    memcpy(pkt, &ip, sizeof(ip)); /* the kernel fills the IP checksum */
    memcpy(pkt + sizeof(ip), &udp, sizeof(udp));
    return n + BLASTER_RAW_HDR;
}

int blaster_flood_run(const struct blaster_opts *o, struct blaster_result *res)
{
    struct flood f = { .o = o, .fd = -1, .dst = o->dst };
    int rc;
    memset(res, 0, sizeof(*res));
    f.slots = calloc(o->batch, sizeof(*f.slots));
    if (!f.slots) {
        return -ENOMEM;
    }
    rc = o->spoof ? open_raw(&f) : open_udp(&f);
    if (rc != 0) {
        goto out;
    }
    for (unsigned i = 0; i < o->batch; i++) {
        f.iov[i].iov_base = f.slots[i].buf;
        f.mm[i].msg_hdr = (struct msghdr){
            .msg_iov = &f.iov[i],
            .msg_iovlen = 1,
            /* raw sockets want the destination; connected UDP must not */
            .msg_name = f.raw ? &f.dst.sa : NULL,
            .msg_namelen = f.raw ? o->dst.len : 0,
        };
    }

    /* Paced: small batches, so the schedule is smooth at low rates. */
    unsigned batch = o->batch;
    if (o->rate_pps != 0 && o->rate_pps / 1000 < batch) {
        batch = (unsigned)(o->rate_pps / 1000 ? o->rate_pps / 1000 : 1);
    }
    double t0 = blaster_now();
    double t_end = o->duration_s > 0 ? t0 + o->duration_s : 0;
    double t_last = t0;
    uint64_t seq = 0;
    res->start_unix = blaster_wall();
    while (!blaster_stop) {
        if (o->count != 0 && res->packets >= o->count) {
            break;
        }
        double now = blaster_now();
        if (t_end != 0 && now >= t_end) {
            break;
        }
        unsigned n = batch;
        if (o->count != 0 && o->count - res->packets < n) {
            n = (unsigned)(o->count - res->packets);
        }
        if (o->rate_pps != 0) {
            double due = t0 + (double)res->packets / (double)o->rate_pps;
            if (due > now) {
                if (t_end != 0 && due >= t_end) {
                    break;
                }
                sleep_until(due);
                continue; /* re-check the stop conditions */
            }
        }
        size_t bytes = 0;
        unsigned built = 0;
        for (unsigned i = 0; i < n; i++) {
            size_t len = fill_slot(&f, i, seq + i);
            if (len == 0) {
                fprintf(stderr,
                        "sw-blaster: request does not fit in %d "
                        "bytes (--ua too long?)\n",
                        BLASTER_MSG_CAP);
                rc = -EMSGSIZE;
                goto out;
            }
            f.iov[i].iov_len = len;
            bytes += len - (f.raw ? BLASTER_RAW_HDR : 0);
            built++;
        }
        unsigned off = 0;
        while (off < built && !blaster_stop) {
            int sent = sendmmsg(f.fd, f.mm + off, built - off, 0);
            if (sent == -1) {
                if (errno == EINTR) {
                    continue;
                }
                /* An ICMP error reported for an earlier datagram (nobody
                 * listening yet): this one was not sent, try it again. */
                if (errno == ECONNREFUSED) {
                    res->errors++;
                    continue;
                }
                /* Refused locally (a firewall, a full queue): this one is
                 * lost, carry on with the next. */
                if (errno == EPERM || errno == ENOBUFS
                    || errno == EHOSTUNREACH) {
                    res->errors++;
                    off++;
                    continue;
                }
                rc = -errno;
                fprintf(stderr, "sw-blaster: sendmmsg: %s\n", strerror(errno));
                goto out;
            }
            off += (unsigned)sent;
            res->packets += (uint64_t)sent;
        }
        res->bytes += bytes;
        seq += built;
        t_last = blaster_now();
    }
    res->seconds = t_last - t0;
    rc = 0;
out:
    res->cpu_s = blaster_cpu_s();
    if (f.fd != -1) {
        close(f.fd);
    }
    free(f.slots);
    return rc;
}
