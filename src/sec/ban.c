/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ban table: 64 shards, each a mutex over chained buckets of
 * heap-allocated bans. The number of bans is bounded by one atomic counter
 * for the whole table, so a skewed hash cannot refuse a ban early. Keys
 * are (family, prefix, network address) hashed with a per-table random
 * seed, so an attacker cannot aim addresses at one bucket.
 */
#include "sec/ban.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "net/addr.h"

#define N_SHARDS 64u

struct ban_node {
    struct ban_node *next;
    struct sec_ban ban;
};

struct ban_shard {
    pthread_mutex_t lock;
    struct ban_node **buckets;
    uint32_t mask; /* buckets - 1 */
    char pad_[64 - sizeof(pthread_mutex_t) % 64];
};

struct sec_bantable {
    struct ban_shard shards[N_SHARDS];
    atomic_size_t n;
    atomic_size_t cap;
    uint64_t seed;
};

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t net_hash(const struct sec_bantable *t, const struct sec_net *n)
{
    uint64_t a;
    uint64_t b;
    memcpy(&a, n->addr, 8);
    memcpy(&b, n->addr + 8, 8);
    uint64_t h = mix(t->seed ^ a);
    h = mix(h ^ b ^ ((uint64_t)n->family << 8) ^ n->prefix);
    return h;
}

static struct ban_shard *shard_of(struct sec_bantable *t, uint64_t h)
{
    return &t->shards[h % N_SHARDS];
}

static struct ban_node **slot_of(struct ban_shard *s, uint64_t h)
{
    return &s->buckets[(h / N_SHARDS) & s->mask];
}

int sec_bantable_new(size_t cap, struct sec_bantable **out)
{
    if (cap == 0 || cap > SEC_BAN_MAX_CAP) {
        return -EINVAL;
    }
    struct sec_bantable *t = calloc(1, sizeof(*t));
    if (!t) {
        return -ENOMEM;
    }
    atomic_init(&t->cap, cap);
    if (getrandom(&t->seed, sizeof(t->seed), 0) != sizeof(t->seed)) {
        t->seed = (uint64_t)(uintptr_t)t * 0x9E3779B97F4A7C15ULL;
    }
    /* About two buckets per ban a shard would hold if full (a bound
     * raised later only lengthens the chains). */
    uint32_t nb = 16;
    while (nb < 2 * cap / N_SHARDS && nb < (1u << 20)) {
        nb <<= 1;
    }
    for (unsigned i = 0; i < N_SHARDS; i++) {
        struct ban_shard *s = &t->shards[i];
        s->buckets = calloc(nb, sizeof(*s->buckets));
        if (!s->buckets || pthread_mutex_init(&s->lock, NULL) != 0) {
            free(s->buckets);
            s->buckets = NULL;
            sec_bantable_free(t);
            return -ENOMEM;
        }
        s->mask = nb - 1;
    }
    *out = t;
    return 0;
}

void sec_bantable_free(struct sec_bantable *t)
{
    if (!t) {
        return;
    }
    for (unsigned i = 0; i < N_SHARDS; i++) {
        struct ban_shard *s = &t->shards[i];
        if (!s->buckets) {
            continue;
        }
        for (uint32_t b = 0; b <= s->mask; b++) {
            struct ban_node *n = s->buckets[b];
            while (n) {
                struct ban_node *next = n->next;
                free(n);
                n = next;
            }
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->lock);
    }
    free(t);
}

size_t sec_bantable_count(const struct sec_bantable *t)
{
    return atomic_load_explicit(&t->n, memory_order_relaxed);
}

size_t sec_bantable_cap(const struct sec_bantable *t)
{
    return atomic_load(&t->cap);
}

void sec_bantable_set_cap(struct sec_bantable *t, size_t cap)
{
    if (cap >= 1 && cap <= SEC_BAN_MAX_CAP) {
        atomic_store(&t->cap, cap);
    }
}

/* The node for exactly 'net' in its chain; the shard is locked. */
static struct ban_node **find(struct ban_node **slot, const struct sec_net *net)
{
    for (struct ban_node **pp = slot; *pp; pp = &(*pp)->next) {
        if (sec_net_eq(&(*pp)->ban.net, net)) {
            return pp;
        }
    }
    return NULL;
}

int sec_bantable_put(struct sec_bantable *t, const struct sec_ban *b)
{
    if (!sec_net_is_valid(&b->net)) {
        return -EINVAL;
    }
    uint64_t h = net_hash(t, &b->net);
    struct ban_shard *s = shard_of(t, h);
    struct ban_node **slot = slot_of(s, h);
    int rc;

    pthread_mutex_lock(&s->lock);
    struct ban_node **pp = find(slot, &b->net);
    if (pp) {
        struct sec_ban *cur = &(*pp)->ban;
        if (b->expires_at <= cur->expires_at) {
            rc = SEC_BAN_UNCHANGED;
        } else {
            int64_t first = cur->first_seen;
            *cur = *b;
            if (first != 0 && (b->first_seen == 0 || first < b->first_seen)) {
                cur->first_seen = first;
            }
            rc = SEC_BAN_LONGER;
        }
    } else if (atomic_fetch_add(&t->n, 1) >= atomic_load(&t->cap)) {
        atomic_fetch_sub(&t->n, 1);
        rc = -ENOSPC;
    } else {
        struct ban_node *n = malloc(sizeof(*n));
        if (!n) {
            atomic_fetch_sub(&t->n, 1);
            rc = -ENOMEM;
        } else {
            n->ban = *b;
            n->next = *slot;
            *slot = n;
            rc = SEC_BAN_NEW;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Expiry of the ban for exactly 'net', or 0 when there is none. */
static int64_t expiry_of(struct sec_bantable *t, const struct sec_net *net)
{
    uint64_t h = net_hash(t, net);
    struct ban_shard *s = shard_of(t, h);
    int64_t exp = 0;

    pthread_mutex_lock(&s->lock);
    struct ban_node **pp = find(slot_of(s, h), net);
    if (pp) {
        exp = (*pp)->ban.expires_at;
    }
    pthread_mutex_unlock(&s->lock);
    return exp;
}

bool sec_bantable_check(struct sec_bantable *t, const struct net_addr *src,
                        int64_t now_s, uint32_t *left_s)
{
    if (atomic_load_explicit(&t->n, memory_order_relaxed) == 0) {
        return false;
    }
    struct sec_net host;
    if (sec_net_from_addr(src, 128, &host) != 0
        && sec_net_from_addr(src, 32, &host) != 0) {
        return false;
    }
    int64_t exp = expiry_of(t, &host);
    if (exp <= now_s && host.family == AF_INET6) {
        struct sec_net n64;
        if (sec_net_from_addr(src, 64, &n64) == 0) {
            exp = expiry_of(t, &n64);
        }
    }
    if (exp <= now_s) {
        return false;
    }
    if (left_s) {
        int64_t left = exp - now_s;
        *left_s = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
    }
    return true;
}

int sec_bantable_get(struct sec_bantable *t, const struct sec_net *net,
                     struct sec_ban *out)
{
    uint64_t h = net_hash(t, net);
    struct ban_shard *s = shard_of(t, h);
    int rc = -ENOENT;

    pthread_mutex_lock(&s->lock);
    struct ban_node **pp = find(slot_of(s, h), net);
    if (pp) {
        *out = (*pp)->ban;
        rc = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sec_bantable_del(struct sec_bantable *t, const struct sec_net *net,
                     struct sec_ban *out)
{
    uint64_t h = net_hash(t, net);
    struct ban_shard *s = shard_of(t, h);
    struct ban_node *gone = NULL;

    pthread_mutex_lock(&s->lock);
    struct ban_node **pp = find(slot_of(s, h), net);
    if (pp) {
        gone = *pp;
        *pp = gone->next;
        atomic_fetch_sub(&t->n, 1);
    }
    pthread_mutex_unlock(&s->lock);
    if (!gone) {
        return -ENOENT;
    }
    if (out) {
        *out = gone->ban;
    }
    free(gone);
    return 0;
}

size_t sec_bantable_expire(struct sec_bantable *t, int64_t now_s,
                           sec_ban_fn *fn, void *ud)
{
    size_t removed = 0;
    if (atomic_load_explicit(&t->n, memory_order_relaxed) == 0) {
        return 0;
    }
    for (unsigned i = 0; i < N_SHARDS; i++) {
        struct ban_shard *s = &t->shards[i];
        struct ban_node *dead = NULL;

        pthread_mutex_lock(&s->lock);
        for (uint32_t b = 0; b <= s->mask; b++) {
            struct ban_node **pp = &s->buckets[b];
            while (*pp) {
                struct ban_node *n = *pp;
                if (n->ban.expires_at <= now_s) {
                    *pp = n->next;
                    n->next = dead;
                    dead = n;
                    atomic_fetch_sub(&t->n, 1);
                } else {
                    pp = &n->next;
                }
            }
        }
        pthread_mutex_unlock(&s->lock);
        while (dead) {
            struct ban_node *next = dead->next;
            if (fn) {
                fn(ud, &dead->ban);
            }
            free(dead);
            dead = next;
            removed++;
        }
    }
    return removed;
}

void sec_bantable_foreach(struct sec_bantable *t, sec_ban_fn *fn, void *ud)
{
    for (unsigned i = 0; i < N_SHARDS; i++) {
        struct ban_shard *s = &t->shards[i];
        pthread_mutex_lock(&s->lock);
        for (uint32_t b = 0; b <= s->mask; b++) {
            for (struct ban_node *n = s->buckets[b]; n; n = n->next) {
                struct sec_ban copy = n->ban;
                fn(ud, &copy);
            }
        }
        pthread_mutex_unlock(&s->lock);
    }
}
