/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bounded table behind the call limiters: shards chosen by a keyed
 * hash of the key, each a chained hash over a fixed entry array with an
 * LRU list and a mutex. Entries are handed out from a watermark (untouched
 * pages stay unallocated) and recycled through a free list. What the
 * payloads mean is the calling module's business.
 */
#include "limits/table_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/check.h"

#define NIL            UINT32_MAX
#define SHARDS_MAX     64u
#define SHARD_MIN_FILL 32u /* fewer shards for small tables */

/* Entry header; the payload follows it. */
struct lim_ent {
    uint64_t a;
    uint64_t b;
    uint32_t kind;     /* 0: free */
    uint32_t next;     /* hash chain, or free list */
    uint32_t lru_prev; /* towards most recently used */
    uint32_t lru_next; /* towards least recently used */
};

_Static_assert(sizeof(struct lim_ent) == 32, "header size");

struct lim_shard {
    _Alignas(64) pthread_mutex_t mu;
    unsigned char *ents; /* cap entries of 'stride' bytes */
    uint32_t *heads;     /* nb_mask + 1 chain heads, stored inverted (~idx)
                            so a zeroed array is all empty: calloc'd pages
                            stay untouched until used */
    uint32_t cap;
    uint32_t n;
    uint32_t hi; /* entries ever handed out (watermark) */
    uint32_t nb_mask;
    uint32_t free_head;
    uint32_t lru_head; /* most recently used */
    uint32_t lru_tail; /* least recently used: evicted first */
    uint64_t inserts;
    uint64_t evictions;
    uint64_t refused;
};

struct lim_tab {
    uint64_t k0, k1; /* hash key */
    size_t stride;   /* header + payload, bytes */
    size_t cap;
    size_t mem_bytes;
    bool evict;
    unsigned shard_shift;
    unsigned n_shards;
    struct lim_shard *shards;
};

/* ---- layout -------------------------------------------------------------- */

static unsigned shard_count(size_t cap)
{
    unsigned s = SHARDS_MAX;
    while (s > 1 && cap / s < SHARD_MIN_FILL) {
        s /= 2;
    }
    return s;
}

static uint32_t shard_cap(size_t cap, unsigned n_shards, unsigned i)
{
    return (uint32_t)(cap / n_shards + (i < cap % n_shards ? 1 : 0));
}

static uint32_t heads_for(uint32_t cap)
{
    uint32_t nb = 8;
    while (nb < cap) {
        nb *= 2;
    }
    return nb;
}

static size_t stride_of(size_t payload_size)
{
    return sizeof(struct lim_ent) + ((payload_size + 7) & ~(size_t)7);
}

size_t lim_tab_mem_bound(size_t cap, size_t payload_size)
{
    if (cap < LIM_TAB_MIN_CAP || cap > LIM_TAB_MAX_CAP || payload_size == 0
        || payload_size > LIM_TAB_MAX_PAYLOAD) {
        return 0;
    }
    unsigned s = shard_count(cap);
    size_t bytes = sizeof(struct lim_tab) + s * sizeof(struct lim_shard);
    for (unsigned i = 0; i < s; i++) {
        uint32_t c = shard_cap(cap, s, i);
        bytes += c * stride_of(payload_size) + heads_for(c) * sizeof(uint32_t);
    }
    return bytes;
}

/* ---- hashing ------------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t key_hash(const struct lim_tab *t, const struct lim_key *k)
{
    uint64_t h = mix64(t->k0 ^ k->a);
    h = mix64(h ^ k->b ^ t->k1);
    return mix64(h + k->kind);
}

uint64_t lim_tab_hash_bytes(const struct lim_tab *t, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ull ^ t->k0;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 0x100000001b3ull;
    }
    return mix64(h ^ t->k1 ^ n);
}

/* ---- creation ------------------------------------------------------------ */

static void seed_key(struct lim_tab *t)
{
    uint64_t k[2];
    if (getrandom(k, sizeof(k), GRND_NONBLOCK) == (ssize_t)sizeof(k)) {
        t->k0 = k[0];
        t->k1 = k[1];
        return;
    }
    /* No entropy yet (early boot): a weaker key still spreads shards. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t->k0 = mix64((uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)t);
    t->k1 = mix64((uint64_t)ts.tv_sec ^ 0x9e3779b97f4a7c15ull);
}

static void shard_fini(struct lim_shard *sh)
{
    pthread_mutex_destroy(&sh->mu);
    free(sh->ents);
    free(sh->heads);
}

int lim_tab_new(size_t cap, size_t payload_size, bool evict,
                struct lim_tab **out)
{
    if (lim_tab_mem_bound(cap, payload_size) == 0) {
        return -EINVAL;
    }
    struct lim_tab *t = calloc(1, sizeof(*t));
    if (!t) {
        return -ENOMEM;
    }
    t->stride = stride_of(payload_size);
    t->cap = cap;
    t->evict = evict;
    t->n_shards = shard_count(cap);
    while ((1u << t->shard_shift) < t->n_shards) {
        t->shard_shift++;
    }
    seed_key(t);
    t->shards = aligned_alloc(_Alignof(struct lim_shard),
                              t->n_shards * sizeof(struct lim_shard));
    if (!t->shards) {
        free(t);
        return -ENOMEM;
    }
    memset(t->shards, 0, t->n_shards * sizeof(struct lim_shard));
    unsigned made = 0;
    for (; made < t->n_shards; made++) {
        struct lim_shard *sh = &t->shards[made];
        sh->cap = shard_cap(cap, t->n_shards, made);
        uint32_t nb = heads_for(sh->cap);
        sh->nb_mask = nb - 1;
        sh->ents = calloc(sh->cap, t->stride);
        sh->heads = calloc(nb, sizeof(uint32_t));
        if (!sh->ents || !sh->heads || pthread_mutex_init(&sh->mu, NULL)) {
            free(sh->ents);
            free(sh->heads);
            goto fail;
        }
        sh->free_head = NIL;
        sh->lru_head = NIL;
        sh->lru_tail = NIL;
    }
    t->mem_bytes = lim_tab_mem_bound(cap, payload_size);
    *out = t;
    return 0;

fail:
    for (unsigned i = 0; i < made; i++) {
        shard_fini(&t->shards[i]);
    }
    free(t->shards);
    free(t);
    return -ENOMEM;
}

void lim_tab_free(struct lim_tab *t)
{
    if (!t) {
        return;
    }
    for (unsigned i = 0; i < t->n_shards; i++) {
        shard_fini(&t->shards[i]);
    }
    free(t->shards);
    free(t);
}

/* ---- locking ------------------------------------------------------------- */

unsigned lim_tab_shard_of(const struct lim_tab *t, const struct lim_key *k)
{
    if (t->shard_shift == 0) {
        return 0;
    }
    return (unsigned)(key_hash(t, k) >> (64 - t->shard_shift));
}

void lim_tab_lock(struct lim_tab *t, unsigned shard)
{
    SW_ASSERT(shard < t->n_shards);
    pthread_mutex_lock(&t->shards[shard].mu);
}

void lim_tab_unlock(struct lim_tab *t, unsigned shard)
{
    pthread_mutex_unlock(&t->shards[shard].mu);
}

/* ---- entries and lists --------------------------------------------------- */

static inline struct lim_ent *ent_at(const struct lim_tab *t,
                                     const struct lim_shard *sh, uint32_t i)
{
    return (struct lim_ent *)(void *)(sh->ents + (size_t)i * t->stride);
}

static inline uint32_t idx_of(const struct lim_tab *t,
                              const struct lim_shard *sh,
                              const struct lim_ent *e)
{
    return (uint32_t)(((const unsigned char *)e - sh->ents) / t->stride);
}

static inline void *payload_of(struct lim_ent *e)
{
    return e + 1;
}

static inline struct lim_ent *ent_of(void *p)
{
    return (struct lim_ent *)p - 1;
}

static uint32_t chain_of(const struct lim_tab *t, const struct lim_shard *sh,
                         const struct lim_key *k)
{
    return (uint32_t)key_hash(t, k) & sh->nb_mask;
}

static void lru_unlink(const struct lim_tab *t, struct lim_shard *sh,
                       struct lim_ent *e)
{
    if (e->lru_prev != NIL) {
        ent_at(t, sh, e->lru_prev)->lru_next = e->lru_next;
    } else {
        sh->lru_head = e->lru_next;
    }
    if (e->lru_next != NIL) {
        ent_at(t, sh, e->lru_next)->lru_prev = e->lru_prev;
    } else {
        sh->lru_tail = e->lru_prev;
    }
    e->lru_prev = NIL;
    e->lru_next = NIL;
}

static void lru_push_front(const struct lim_tab *t, struct lim_shard *sh,
                           struct lim_ent *e)
{
    uint32_t i = idx_of(t, sh, e);
    e->lru_prev = NIL;
    e->lru_next = sh->lru_head;
    if (sh->lru_head != NIL) {
        ent_at(t, sh, sh->lru_head)->lru_prev = i;
    } else {
        sh->lru_tail = i;
    }
    sh->lru_head = i;
}

static void ent_release(const struct lim_tab *t, struct lim_shard *sh,
                        struct lim_ent *e)
{
    struct lim_key k = { .kind = e->kind, .a = e->a, .b = e->b };
    uint32_t i = idx_of(t, sh, e);
    uint32_t *head = &sh->heads[chain_of(t, sh, &k)];
    SW_BUG_ON(*head == 0); /* an entry in use is always on its chain */
    if (~*head == i) {
        *head = ~e->next;
    } else {
        uint32_t *pp = &ent_at(t, sh, ~*head)->next;
        while (*pp != NIL && *pp != i) {
            pp = &ent_at(t, sh, *pp)->next;
        }
        SW_BUG_ON(*pp != i); /* an entry in use is always on its chain */
        *pp = e->next;
    }
    lru_unlink(t, sh, e);
    SW_ASSERT(sh->n > 0);
    sh->n--;
    e->kind = 0;
    e->next = sh->free_head;
    sh->free_head = i;
}

static struct lim_ent *lookup(const struct lim_tab *t,
                              const struct lim_shard *sh,
                              const struct lim_key *k)
{
    for (uint32_t i = ~sh->heads[chain_of(t, sh, k)]; i != NIL;) {
        struct lim_ent *e = ent_at(t, sh, i);
        if (e->kind == k->kind && e->a == k->a && e->b == k->b) {
            return e;
        }
        i = e->next;
    }
    return NULL;
}

static struct lim_ent *ent_alloc(struct lim_tab *t, struct lim_shard *sh)
{
    if (sh->free_head == NIL && sh->hi < sh->cap) {
        return ent_at(t, sh, sh->hi++);
    }
    if (sh->free_head == NIL) {
        if (!t->evict || sh->lru_tail == NIL) {
            sh->refused++;
            return NULL;
        }
        ent_release(t, sh, ent_at(t, sh, sh->lru_tail));
        sh->evictions++;
    }
    struct lim_ent *e = ent_at(t, sh, sh->free_head);
    sh->free_head = e->next;
    return e;
}

void *lim_tab_get(struct lim_tab *t, unsigned shard, const struct lim_key *k,
                  bool create, bool *created)
{
    SW_ASSERT(k->kind != 0 && shard == lim_tab_shard_of(t, k));
    struct lim_shard *sh = &t->shards[shard];
    if (created) {
        *created = false;
    }
    struct lim_ent *e = lookup(t, sh, k);
    if (e) {
        if (sh->lru_head != idx_of(t, sh, e)) {
            lru_unlink(t, sh, e);
            lru_push_front(t, sh, e);
        }
        return payload_of(e);
    }
    if (!create) {
        return NULL;
    }
    e = ent_alloc(t, sh);
    if (!e) {
        return NULL;
    }
    memset(e, 0, t->stride);
    e->kind = k->kind;
    e->a = k->a;
    e->b = k->b;
    /* The eviction may have changed our chain head: read it only now. */
    uint32_t c = chain_of(t, sh, k);
    e->next = ~sh->heads[c];
    sh->heads[c] = ~idx_of(t, sh, e);
    lru_push_front(t, sh, e);
    sh->n++;
    sh->inserts++;
    if (created) {
        *created = true;
    }
    return payload_of(e);
}

void *lim_tab_peek(struct lim_tab *t, unsigned shard, const struct lim_key *k)
{
    SW_ASSERT(shard == lim_tab_shard_of(t, k));
    struct lim_ent *e = lookup(t, &t->shards[shard], k);
    return e ? payload_of(e) : NULL;
}

void lim_tab_del(struct lim_tab *t, unsigned shard, void *p)
{
    struct lim_ent *e = ent_of(p);
    SW_ASSERT(e->kind != 0);
    ent_release(t, &t->shards[shard], e);
}

void lim_tab_foreach(struct lim_tab *t, lim_tab_visit_fn *fn, void *ud)
{
    for (unsigned s = 0; s < t->n_shards; s++) {
        struct lim_shard *sh = &t->shards[s];
        pthread_mutex_lock(&sh->mu);
        for (uint32_t i = 0; i < sh->hi; i++) {
            struct lim_ent *e = ent_at(t, sh, i);
            if (e->kind == 0) {
                continue;
            }
            struct lim_key k = { .kind = e->kind, .a = e->a, .b = e->b };
            if (fn(ud, &k, payload_of(e))) {
                ent_release(t, sh, e);
            }
        }
        pthread_mutex_unlock(&sh->mu);
    }
}

void lim_tab_stats(struct lim_tab *t, struct lim_tab_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->cap = t->cap;
    out->mem_bytes = t->mem_bytes;
    out->n_shards = t->n_shards;
    for (unsigned s = 0; s < t->n_shards; s++) {
        struct lim_shard *sh = &t->shards[s];
        pthread_mutex_lock(&sh->mu);
        out->n_entries += sh->n;
        out->inserts += sh->inserts;
        out->evictions += sh->evictions;
        out->refused += sh->refused;
        pthread_mutex_unlock(&sh->mu);
    }
}
