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
#include "base/hex.h"
#include "base/pool.h"
#include "base/siphash.h"
#include "store/store.h"

#define KEY_MAX            (STORE_EXT_MAX + STORE_DOMAIN_MAX + 4)
#define LOOKUP_MIN_BUCKETS 16

#define MD5_LEN    16
#define SHA256_LEN 32

/*
 * Credentials as cached: the HA1 digests in binary, not hex (half the
 * bytes, and one entry per extension adds up). A length of 0 means the
 * store had none for that algorithm.
 */
struct packed_creds {
    int64_t user_id;
    int64_t tenant_id;
    uint8_t md5[MD5_LEN];
    uint8_t sha256[SHA256_LEN];
    uint8_t md5_len;
    uint8_t sha256_len;
    uint8_t role;
};

struct lookup_entry {
    struct lookup_entry *chain;       /* hash chain */
    struct lookup_entry *prev, *next; /* LRU, most recent at head */
    uint64_t hash;
    uint64_t gen;
    uint64_t fetched_ms;
    int rc; /* 0 or -ENOENT */
    union {
        struct reg_tenant tenant;
        struct packed_creds creds;
    } v;
    uint16_t key_len;
    char key[];
};

struct lookup_shard {
    pthread_mutex_t mu;
    struct lookup_entry **buckets;
    size_t n_buckets;   /* power of two, grows with n */
    size_t max_buckets; /* power of two >= the shard's capacity */
    size_t n;
    struct lookup_entry *head, *tail;
};

int sw_lookup_init(struct sw_lookup_cache *c, size_t cap, uint64_t ttl_ms)
{
    memset(c, 0, sizeof(*c));
    pool_init(&c->pool);
    c->cap_per_shard = cap / SW_LOOKUP_SHARDS + 1;
    c->ttl_ms = ttl_ms;
    /* Keys include names anyone can send (unknown users are cached too):
     * a keyed hash keeps them from being aimed at one chain. */
    if (siphash_key_random(&c->hash_key) != 0) {
        return -EIO;
    }
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
        /* The chains start short and the array doubles as entries come:
         * a cache sized for a big deployment costs little on a small one. */
        s->max_buckets = nb;
        s->n_buckets = nb < LOOKUP_MIN_BUCKETS ? nb : LOOKUP_MIN_BUCKETS;
        s->buckets = calloc(s->n_buckets, sizeof(*s->buckets));
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

size_t sw_lookup_entry_bytes(size_t key_len)
{
    size_t n = sizeof(struct lookup_entry) + key_len;
    return (n + POOL_GRAIN - 1) / POOL_GRAIN * POOL_GRAIN;
}

/* Double the shard's bucket array once it holds more entries than buckets
 * (shard lock held). On allocation failure the chains just get longer. */
static void maybe_grow(struct lookup_shard *s)
{
    if (s->n < s->n_buckets || s->n_buckets >= s->max_buckets) {
        return;
    }
    size_t n = s->n_buckets * 2;
    struct lookup_entry **nb = calloc(n, sizeof(*nb));
    if (!nb) {
        return;
    }
    for (size_t i = 0; i < s->n_buckets; i++) {
        struct lookup_entry *e = s->buckets[i];
        while (e) {
            struct lookup_entry *next = e->chain;
            struct lookup_entry **head = &nb[e->hash & (n - 1)];
            e->chain = *head;
            *head = e;
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = nb;
    s->n_buckets = n;
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

static uint64_t key_hash(const struct sw_lookup_cache *c, struct sv key)
{
    return siphash_24(&c->hash_key, key.p, key.len);
}

/* The shard from the top bits, the bucket from the low ones: shards whose
 * entries all share their bucket bits would use a fraction of their array. */
static struct lookup_shard *shard_of(struct sw_lookup_cache *c, uint64_t h)
{
    return &c->shards[(h >> 32) % SW_LOOKUP_SHARDS];
}

/* Copy a fresh cached value into 'out'; false when absent or stale. */
static bool get(struct sw_lookup_cache *c, struct sv key, uint64_t now_ms,
                void *out, size_t size, int *rc)
{
    uint64_t h = key_hash(c, key);
    struct lookup_shard *s = shard_of(c, h);
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
    uint64_t h = key_hash(c, key);
    struct lookup_shard *s = shard_of(c, h);
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
    maybe_grow(s);
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

/* Lower-case hex of exactly 2 * 'n' digits (or empty) to bytes; the only
 * form the store writes, so the round trip gives back the same string. */
static bool unhex(const char *hex, uint8_t *dst, size_t n, uint8_t *len)
{
    size_t hl = strnlen(hex, REG_HA1_HEX_MAX);
    if (hl == 0) {
        *len = 0;
        return true;
    }
    if (hl != 2 * n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hex_val(hex[2 * i]);
        int lo = hex_val(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        dst[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = (uint8_t)n;
    return true;
}

static void tohex(const uint8_t *src, size_t n, char *dst)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = digits[src[i] >> 4];
        dst[2 * i + 1] = digits[src[i] & 0xf];
    }
    dst[2 * n] = '\0';
}

static bool pack_creds(const struct reg_creds *in, struct packed_creds *out)
{
    memset(out, 0, sizeof(*out));
    out->user_id = in->user_id;
    out->tenant_id = in->tenant_id;
    out->role = (uint8_t)in->role;
    return unhex(in->ha1_md5, out->md5, MD5_LEN, &out->md5_len)
           && unhex(in->ha1_sha256, out->sha256, SHA256_LEN, &out->sha256_len);
}

static void unpack_creds(const struct packed_creds *in, struct reg_creds *out)
{
    memset(out, 0, sizeof(*out));
    out->user_id = in->user_id;
    out->tenant_id = in->tenant_id;
    out->role = in->role;
    tohex(in->md5, in->md5_len, out->ha1_md5);
    tohex(in->sha256, in->sha256_len, out->ha1_sha256);
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
    struct packed_creds pc;
    if (get(x->cache, k, x->now_ms, &pc, sizeof(pc), &rc)) {
        unpack_creds(&pc, out);
        OPENSSL_cleanse(&pc, sizeof(pc));
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
        out->role = (int)c.role;
        memcpy(out->ha1_md5, c.ha1_md5, sizeof(c.ha1_md5));
        memcpy(out->ha1_sha256, c.ha1_sha256, sizeof(c.ha1_sha256));
    }
    /* A digest in a form we cannot pack exactly is answered, not kept. */
    if ((rc == 0 || rc == -ENOENT) && pack_creds(out, &pc)) {
        put(x->cache, k, gen, x->now_ms, &pc, sizeof(pc), rc);
    }
    OPENSSL_cleanse(&pc, sizeof(pc));
    OPENSSL_cleanse(&c, sizeof(c));
    return rc;
}
