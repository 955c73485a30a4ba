/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registrar's look-ups (tenant settings, extension credentials) backed
 * by the store, with a cache shared by all workers. Every answer, including
 * "no such user", is kept until the store changes (the control socket bumps
 * a generation on every change) or its time-to-live passes, so a REGISTER
 * normally costs no SQLite transaction and a scan of random user names
 * cannot turn into a database load.
 */
#ifndef SW_DAEMON_LOOKUP_H
#define SW_DAEMON_LOOKUP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/pool.h"
#include "base/siphash.h"
#include "reg/registrar.h"

#define SW_LOOKUP_SHARDS 64

struct lookup_shard;

struct sw_lookup_stats {
    _Atomic uint64_t hits;
    _Atomic uint64_t misses;
    _Atomic uint64_t evictions;
};

struct sw_lookup_cache {
    struct lookup_shard *shards; /* SW_LOOKUP_SHARDS */
    struct pool pool;            /* the entries (base/pool.h) */
    struct siphash_key hash_key; /* random per cache */
    size_t cap_per_shard;        /* entries */
    uint64_t ttl_ms;             /* safety net for changes we don't see */
    _Atomic uint64_t gen;        /* bumped when the store changes */
    struct sw_lookup_stats stats;
};

/* 'cap' entries in all (tenants and users together), 'ttl_ms' lifetime. */
int sw_lookup_init(struct sw_lookup_cache *c, size_t cap, uint64_t ttl_ms);
void sw_lookup_fini(struct sw_lookup_cache *c);

/* Bytes one cached answer costs in the pool, for a key of 'key_len'
 * ("u:EXT@DOMAIN" or "t:DOMAIN"): memory figures and tests. */
size_t sw_lookup_entry_bytes(size_t key_len);

/* Forget everything cached so far (any thread). */
void sw_lookup_invalidate(struct sw_lookup_cache *c);

/*
 * struct reg_lookup callbacks; 'ud' must point to a struct sw_lookup_ctx.
 * Any worker thread; the store handle must be that thread's.
 */
struct store;
struct sw_worker;
struct sw_lookup_ctx {
    struct sw_lookup_cache *cache;
    struct store *st;
    uint64_t now_ms;
    struct sw_worker *w; /* the calling worker (the shield's gate) */
};

int sw_lookup_tenant(void *ud, struct sv domain, struct reg_tenant *out);
int sw_lookup_creds(void *ud, struct sv domain, struct sv user,
                    struct reg_creds *out);

#endif
