/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The active bans: a bounded table of banned hosts and IPv6 /64s, each
 * with the story of why (rule, thresholds, counters, first and last seen,
 * a sample of the offending request) and its expiry. Every packet of every
 * worker asks it, so lookups take one shard lock and touch no allocator;
 * the table is empty-checked with one atomic load first. Persisting bans,
 * mirroring them into the kernel and logging are the caller's.
 */
#ifndef SW_SEC_BAN_H
#define SW_SEC_BAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sec/acl.h"

struct net_addr;

#define SEC_BAN_METHOD_CAP 16
#define SEC_BAN_RURI_CAP   256
#define SEC_BAN_USER_CAP   128
#define SEC_BAN_UA_CAP     256
/* Largest table accepted. */
#define SEC_BAN_MAX_CAP (1u << 22)

/* A sample of the request that made the ban (empty strings when none). */
struct sec_ban_sample {
    char method[SEC_BAN_METHOD_CAP];
    char ruri[SEC_BAN_RURI_CAP];
    char from_user[SEC_BAN_USER_CAP];
    char ua[SEC_BAN_UA_CAP];
};

struct sec_ban {
    struct sec_net net; /* a host (/32, /128) or an IPv6 /64 */
    int reason;         /* enum sec_reason */
    uint32_t threshold; /* the limit reached */
    uint32_t count;     /* the counter that reached it */
    uint32_t window_s;  /* window it was counted in */
    int64_t first_seen; /* unix s: the source was first seen */
    int64_t last_seen;  /* unix s: last seen before the ban */
    int64_t created_at; /* unix s */
    int64_t expires_at; /* unix s */
    struct sec_ban_sample sample;
};

struct sec_bantable;

/*
 * A table for at most 'cap' bans (1..SEC_BAN_MAX_CAP). Returns 0 (*out
 * owned by the caller), -EINVAL or -ENOMEM.
 */
int sec_bantable_new(size_t cap, struct sec_bantable **out);

/* Free the table and its bans; NULL is a no-op. No thread may use it. */
void sec_bantable_free(struct sec_bantable *t);

/* Bans in the table (expired ones not yet swept included). Lock-free. */
size_t sec_bantable_count(const struct sec_bantable *t);

/* The bound on the number of bans. */
size_t sec_bantable_cap(const struct sec_bantable *t);

/*
 * Change the bound (1..SEC_BAN_MAX_CAP; other values are ignored). Bans
 * above a lowered bound stay until they end. Any thread.
 */
void sec_bantable_set_cap(struct sec_bantable *t, size_t cap);

enum sec_ban_put {
    SEC_BAN_NEW = 0,   /* added */
    SEC_BAN_LONGER,    /* was there; now expires later, story replaced */
    SEC_BAN_UNCHANGED, /* was there and lasts at least as long */
};

/*
 * Add 'b' (copied), or lengthen the ban already held for b->net (the
 * first_seen of the older story is kept). Returns an enum sec_ban_put,
 * -ENOSPC when the table is full, -EINVAL for a bad network. Any thread.
 */
int sec_bantable_put(struct sec_bantable *t, const struct sec_ban *b);

/*
 * Is the IP of 'src' under a ban that has not expired at 'now_s' (unix
 * seconds)? Looks at the host and, for IPv6, its /64 (IPv4-mapped IPv6
 * is IPv4). *left_s (may be NULL) gets the seconds left. Any thread.
 */
bool sec_bantable_check(struct sec_bantable *t, const struct net_addr *src,
                        int64_t now_s, uint32_t *left_s);

/* The ban for exactly 'net', copied to *out. Returns 0 or -ENOENT. */
int sec_bantable_get(struct sec_bantable *t, const struct sec_net *net,
                     struct sec_ban *out);

/*
 * Remove the ban for exactly 'net' (copied to *out when not NULL).
 * Returns 0 or -ENOENT.
 */
int sec_bantable_del(struct sec_bantable *t, const struct sec_net *net,
                     struct sec_ban *out);

typedef void sec_ban_fn(void *ud, const struct sec_ban *b);

/*
 * Remove every ban expired at 'now_s' and call 'fn' (may be NULL) for
 * each once it is out of the table (no lock held during the call).
 * Returns how many were removed.
 */
size_t sec_bantable_expire(struct sec_bantable *t, int64_t now_s,
                           sec_ban_fn *fn, void *ud);

/*
 * Call 'fn' for a copy of every ban, shard by shard, under the shard's
 * lock: 'fn' must not call into the table.
 */
void sec_bantable_foreach(struct sec_bantable *t, sec_ban_fn *fn, void *ud);

#endif
