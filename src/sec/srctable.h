/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shield's per-source state: a bounded table keyed by source IP,
 * shared by every worker thread. It is sharded (one mutex per shard),
 * allocated once at creation and never grows: when a shard is full the
 * least recently seen entry is evicted, so a flood from millions of
 * spoofed addresses costs a fixed amount of memory. It counts packets per
 * source; what the counters mean (thresholds, verdicts) is detect.c's
 * business and token buckets are ratelimit.c's.
 */
#ifndef SW_SEC_SRCTABLE_H
#define SW_SEC_SRCTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_addr;

/*
 * Default capacity: 1,000,000 entries of 96 bytes, about 92 MiB of
 * entries plus 2 bytes of hash head per entry (sec_srctable_mem_bound()).
 */
#define SEC_SRCTABLE_DEFAULT_CAP 1000000u
/* Smallest and largest capacity accepted (16-bit links, 256 shards). */
#define SEC_SRCTABLE_MIN_CAP 8u
#define SEC_SRCTABLE_MAX_CAP (256u * 65000u)

struct sec_srctable;

/* What the table knows about one source. */
struct sec_src_view {
    uint32_t pps;             /* packets in the sliding last second */
    bool is_new;              /* the entry was created by this call */
    bool det_active;          /* a detection window was started; it may
                               * have outlived the period (detect.c
                               * decides): the counters below are its */
    uint64_t det_start_ms;    /* its start (caller's clock) */
    uint32_t auth_fails;      /* failed auths counted in that window */
    uint32_t users_failing;   /* distinct (user, tenant) failing in it */
    uint32_t chal_unanswered; /* challenges not answered (both stages) */
    uint32_t ua_score;        /* requests without User-Agent in it */
    uint32_t rate_refused;    /* method-rate refusals in it */
    uint64_t first_seen_ms;   /* caller's clock, 1 s resolution */
    uint64_t last_seen_ms;    /* caller's clock, 1 s resolution */
};

/* Table counters, a consistent sum over shards at one moment each. */
struct sec_srctable_stats {
    size_t cap;         /* entries at most */
    size_t n_entries;   /* entries in use, all kinds */
    size_t n_addr;      /* source addresses */
    size_t n_user;      /* (address, user, tenant) records */
    size_t n_bucket;    /* overflow token buckets */
    size_t n_net64;     /* IPv6 /64 offender records */
    uint64_t inserts;   /* entries created since creation */
    uint64_t evictions; /* entries evicted to make room */
    size_t mem_bytes;   /* bytes allocated by the table, fixed */
    size_t entry_size;  /* bytes per entry */
    unsigned n_shards;
};

/*
 * Create a table of 'cap' entries (SEC_SRCTABLE_MIN_CAP..._MAX_CAP); times
 * passed to later calls are measured against 'now_ms' (any monotonic
 * millisecond clock; later calls must not go backwards from it by more
 * than rounding). The entry arrays are allocated here, zeroed lazily by the
 * kernel: resident memory grows with use up to the bound. The hash key is
 * drawn from getrandom(). Returns 0 (*out owned by the caller, release
 * with sec_srctable_free()), -EINVAL (cap out of range) or -ENOMEM.
 */
int sec_srctable_new(size_t cap, uint64_t now_ms, struct sec_srctable **out);

/* Free the table; NULL is a no-op. No other thread may be using it. */
void sec_srctable_free(struct sec_srctable *t);

/*
 * Bytes a table of 'cap' entries allocates (exactly what stats report as
 * mem_bytes); 0 for a capacity sec_srctable_new() refuses.
 */
size_t sec_srctable_mem_bound(size_t cap);

/* Counters; locks each shard in turn. Any thread. */
void sec_srctable_stats(struct sec_srctable *t, struct sec_srctable_stats *out);

/*
 * Count one packet from 'src' at 'now_ms' (creating its entry, evicting
 * the least recently seen of its shard if needed) and fill 'out' (may be
 * NULL). 'src' must be set; IPv4 and IPv4-mapped IPv6 are one source.
 * Any thread; takes one shard lock.
 */
void sec_src_touch(struct sec_srctable *t, const struct net_addr *src,
                   uint64_t now_ms, struct sec_src_view *out);

/*
 * Fill 'out' for 'src' without counting or creating anything (pps is the
 * current estimate). Returns 0 or -ENOENT. Any thread.
 */
int sec_src_peek(struct sec_srctable *t, const struct net_addr *src,
                 uint64_t now_ms, struct sec_src_view *out);

/*
 * Drop everything the table holds for the IP of 'src' (its counters,
 * (user, tenant) records and buckets), e.g. when an operator lifts a ban.
 * Walks one shard. Returns the number of entries removed.
 */
size_t sec_src_forget(struct sec_srctable *t, const struct net_addr *src);

#endif
