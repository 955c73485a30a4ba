/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store-backed look-ups with a sharded cache. Keys are "t:<domain>" for
 * tenants and "u:<ext>@<domain>" for extensions; each shard is a chained
 * hash with an LRU list and a fixed capacity. An entry is valid while its
 * generation equals the cache's and its age is under the TTL.
 */
#include "daemon/lookup.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/pool.h"
#include "store/store.h"

#define KEY_MAX (STORE_EXT_MAX + STORE_DOMAIN_MAX + 4)

struct lookup_entry {
    struct lookup_entry *chain;       /* hash chain */
    struct lookup_entry *prev, *next; /* LRU, most recent at head */
    uint64_t hash;
    uint64_t gen;
    uint64_t fetched_ms;
    int rc; /* 0 or -ENOENT */
    union {
        struct reg_tenant tenant;
        struct reg_creds creds;
    } v;
    uint16_t key_len;
    char key[];
};

struct lookup_shard {
    pthread_mutex_t mu;
    struct lookup_entry **buckets;
    size_t n_buckets; /* power of two */
    size_t n;
    struct lookup_entry *head, *tail;
};

int sw_lookup_init(struct sw_lookup_cache *c, size_t cap, uint64_t ttl_ms)
{
    memset(c, 0, sizeof(*c));
    pool_init(&c->pool);
    c->cap_per_shard = cap / SW_LOOKUP_SHARDS + 1;
    c->ttl_ms = ttl_ms;
    c->shards = calloc(SW_LOOKUP_SHARDS, sizeof(*c->shards));
    if (!c->shards) {
        return -ENOMEM;
    }
    size_t nb = 16;
    while (nb < c->cap_per_shard) {
        nb *= 2;
    }
    for (size_t i = 0; i < SW_LOOKUP_SHARDS; i++) {
        struct lookup_shard *s = &c->shards[i];
        pthread_mutex_init(&s->mu, NULL);
        s->n_buckets = nb;
        s->buckets = calloc(nb, sizeof(*s->buckets));
        if (!s->buckets) {
            sw_lookup_fini(c);
            return -ENOMEM;
        }
    }
    return 0;
}

void sw_lookup_fini(struct sw_lookup_cache *c)
{
    if (!c->shards) {
        return;
    }
    for (size_t i = 0; i < SW_LOOKUP_SHARDS; i++) {
        struct lookup_shard *s = &c->shards[i];
        free(s->buckets);
        pthread_mutex_destroy(&s->mu);
    }
    free(c->shards);
    c->shards = NULL;
    pool_fini(&c->pool); /* every entry lives there */
}

void sw_lookup_invalidate(struct sw_lookup_cache *c)
{
    atomic_fetch_add(&c->gen, 1);
}

static void lru_unlink(struct lookup_shard *s, struct lookup_entry *e)
{
    if (e->prev) {
        e->prev->next = e->next;
    } else {
        s->head = e->next;
    }
    if (e->next) {
        e->next->prev = e->prev;
    } else {
        s->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static void lru_push(struct lookup_shard *s, struct lookup_entry *e)
{
    e->prev = NULL;
    e->next = s->head;
    if (s->head) {
        s->head->prev = e;
    }
    s->head = e;
    if (!s->tail) {
        s->tail = e;
    }
}

static struct lookup_entry **slot(struct lookup_shard *s, uint64_t h,
                                  struct sv key)
{
    struct lookup_entry **pp = &s->buckets[h & (s->n_buckets - 1)];
    while (*pp
           && !((*pp)->hash == h
                && sv_eq(sv_make((*pp)->key, (*pp)->key_len), key))) {
        pp = &(*pp)->chain;
    }
    return pp;
}

static void entry_free(struct sw_lookup_cache *c, struct lookup_entry *e)
{
    pool_free(&c->pool, e, sizeof(*e) + e->key_len);
}

static void drop(struct sw_lookup_cache *c, struct lookup_shard *s,
                 struct lookup_entry *e)
{
    struct lookup_entry **pp = slot(s, e->hash, sv_make(e->key, e->key_len));
    if (*pp == e) {
        *pp = e->chain;
    }
    lru_unlink(s, e);
    s->n--;
    entry_free(c, e);
}

/* Copy a fresh cached value into 'out'; false when absent or stale. */
static bool get(struct sw_lookup_cache *c, struct sv key, uint64_t now_ms,
                void *out, size_t size, int *rc)
{
    uint64_t h = sv_hash(key);
    struct lookup_shard *s = &c->shards[h % SW_LOOKUP_SHARDS];
    uint64_t gen = atomic_load_explicit(&c->gen, memory_order_acquire);
    bool found = false;

    pthread_mutex_lock(&s->mu);
    struct lookup_entry *e = *slot(s, h, key);
    if (e && e->gen == gen && now_ms - e->fetched_ms < c->ttl_ms) {
        memcpy(out, &e->v, size);
        *rc = e->rc;
        lru_unlink(s, e);
        lru_push(s, e);
        found = true;
    }
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_add_explicit(found ? &c->stats.hits : &c->stats.misses, 1,
                              memory_order_relaxed);
    return found;
}

static void put(struct sw_lookup_cache *c, struct sv key, uint64_t gen,
                uint64_t now_ms, const void *val, size_t size, int rc)
{
    uint64_t h = sv_hash(key);
    struct lookup_shard *s = &c->shards[h % SW_LOOKUP_SHARDS];
    struct lookup_entry *e = pool_alloc(&c->pool, sizeof(*e) + key.len);

    if (!e) {
        return; /* the answer is still returned, just not kept */
    }
    memset(e, 0, sizeof(*e));
    e->hash = h;
    e->gen = gen;
    e->fetched_ms = now_ms;
    e->rc = rc;
    memcpy(&e->v, val, size);
    e->key_len = (uint16_t)key.len;
    memcpy(e->key, key.p, key.len);

    pthread_mutex_lock(&s->mu);
    struct lookup_entry **pp = slot(s, h, key);
    if (*pp) {
        drop(c, s, *pp);
        pp = slot(s, h, key);
    }
    while (s->n >= c->cap_per_shard && s->tail) {
        drop(c, s, s->tail);
        atomic_fetch_add_explicit(&c->stats.evictions, 1, memory_order_relaxed);
        pp = slot(s, h, key);
    }
    e->chain = *pp;
    *pp = e;
    lru_push(s, e);
    s->n++;
    pthread_mutex_unlock(&s->mu);
}

static size_t make_key(char *dst, char kind, struct sv a, struct sv b)
{
    size_t n = 0;
    dst[n++] = kind;
    dst[n++] = ':';
    memcpy(dst + n, a.p, a.len);
    n += a.len;
    if (b.len) {
        dst[n++] = '@';
        memcpy(dst + n, b.p, b.len);
        n += b.len;
    }
    return n;
}

int sw_lookup_tenant(void *ud, struct sv domain, struct reg_tenant *out)
{
    struct sw_lookup_ctx *x = ud;
    char key[KEY_MAX];
    char d[STORE_DOMAIN_MAX + 1];
    struct store_tenant t;
    int rc;

    if (sv_copy_cstr(domain, d, sizeof(d)) != 0) {
        return -ENOENT;
    }
    struct sv k = sv_make(key, make_key(key, 't', domain, SV_NULL));
    if (get(x->cache, k, x->now_ms, out, sizeof(*out), &rc)) {
        return rc;
    }
    uint64_t gen = atomic_load_explicit(&x->cache->gen, memory_order_acquire);
    memset(out, 0, sizeof(*out));
    rc = store_tenant_find(x->st, d, &t);
    if (rc == -EINVAL) {
        rc = -ENOENT;
    }
    if (rc == 0) {
        out->tenant_id = t.id;
        out->min_expires_s = t.pol.reg_expires_min_s;
        out->max_expires_s = t.pol.reg_expires_max_s;
        out->default_expires_s = t.pol.reg_expires_default_s;
        out->max_contacts = t.pol.max_contacts;
    }
    if (rc == 0 || rc == -ENOENT) {
        put(x->cache, k, gen, x->now_ms, out, sizeof(*out), rc);
    }
    return rc;
}

int sw_lookup_creds(void *ud, struct sv domain, struct sv user,
                    struct reg_creds *out)
{
    struct sw_lookup_ctx *x = ud;
    char key[KEY_MAX];
    char d[STORE_DOMAIN_MAX + 1];
    char u[STORE_EXT_MAX + 1];
    struct store_creds c;
    int rc;

    if (sv_copy_cstr(domain, d, sizeof(d)) != 0
        || sv_copy_cstr(user, u, sizeof(u)) != 0) {
        return -ENOENT;
    }
    struct sv k = sv_make(key, make_key(key, 'u', user, domain));
    if (get(x->cache, k, x->now_ms, out, sizeof(*out), &rc)) {
        return rc;
    }
    uint64_t gen = atomic_load_explicit(&x->cache->gen, memory_order_acquire);
    memset(out, 0, sizeof(*out));
    rc = store_user_get_creds(x->st, d, u, &c);
    if (rc == -EINVAL) {
        rc = -ENOENT;
    }
    if (rc == 0) {
        out->user_id = c.user_id;
        out->tenant_id = c.tenant_id;
        memcpy(out->ha1_md5, c.ha1_md5, sizeof(c.ha1_md5));
        memcpy(out->ha1_sha256, c.ha1_sha256, sizeof(c.ha1_sha256));
    }
    if (rc == 0 || rc == -ENOENT) {
        put(x->cache, k, gen, x->now_ms, out, sizeof(*out), rc);
    }
    OPENSSL_cleanse(&c, sizeof(c));
    return rc;
}
