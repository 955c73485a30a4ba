/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bounded per-source table: shards chosen by a keyed hash of the IP,
 * each a chained hash over a fixed entry array with an LRU list, a mutex
 * and its own share of the capacity. Entries are handed out from a
 * watermark (untouched pages stay unallocated) and recycled through a free
 * list; a full shard evicts its least recently seen entry. Packet-rate
 * counting lives here; the meaning of the other counters is detect.c's.
 */
#include "sec/srctable.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/check.h"
#include "net/addr.h"
#include "sec/srctable_int.h"

_Static_assert(sizeof(struct sec_src) == 96, "entry size is part of the "
                                             "memory bound");
_Static_assert(sizeof(struct sec_src_addr) == 64, "address payload");

#define SRC_NIL        0xffffu
#define SHARDS_MAX     256u
#define SHARD_MIN_FILL 64u    /* fewer shards for small tables */
#define SHARD_CAP_MAX  65000u /* 16-bit links, SRC_NIL reserved */

_Static_assert(SEC_SRCTABLE_MAX_CAP / SHARDS_MAX <= SHARD_CAP_MAX,
               "shard indices fit 16-bit links");
_Static_assert(SEC_SRCTABLE_MIN_CAP >= 2, "eviction spares the pinned entry");

struct sec_shard {
    _Alignas(64) pthread_mutex_t mu;
    struct sec_src *ents; /* cap entries */
    uint16_t *heads;      /* nb_mask + 1 chain heads */
    uint32_t cap;         /* entries at most */
    uint32_t n;           /* entries in use */
    uint32_t hi;          /* entries ever handed out (watermark) */
    uint32_t nb_mask;     /* chain heads - 1 (power of two - 1) */
    uint16_t free_head;   /* recycled entries */
    uint16_t lru_head;    /* most recently seen */
    uint16_t lru_tail;    /* least recently seen: evicted first */
    uint32_t n_kind[SEC_SRC_KINDS];
    uint64_t inserts;
    uint64_t evictions;
};

struct sec_srctable {
    uint64_t base_ms; /* caller's clock at creation */
    uint64_t k0, k1;  /* hash key */
    unsigned shard_shift;
    unsigned n_shards;
    size_t cap;
    size_t mem_bytes;
    struct sec_shard *shards;
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

size_t sec_srctable_mem_bound(size_t cap)
{
    if (cap < SEC_SRCTABLE_MIN_CAP || cap > SEC_SRCTABLE_MAX_CAP) {
        return 0;
    }
    unsigned s = shard_count(cap);
    size_t bytes = sizeof(struct sec_srctable) + s * sizeof(struct sec_shard);
    for (unsigned i = 0; i < s; i++) {
        uint32_t c = shard_cap(cap, s, i);
        bytes += (size_t)c * sizeof(struct sec_src)
                 + (size_t)heads_for(c) * sizeof(uint16_t);
    }
    return bytes;
}

/* ---- hashing: SipHash-1-3 ------------------------------------------------ */

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static inline void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl64(v[1], 13);
    v[1] ^= v[0];
    v[0] = rotl64(v[0], 32);
    v[2] += v[3];
    v[3] = rotl64(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = rotl64(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = rotl64(v[1], 17);
    v[1] ^= v[2];
    v[2] = rotl64(v[2], 32);
}

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static uint64_t siphash13(uint64_t k0, uint64_t k1, const void *data,
                          size_t len)
{
    const uint8_t *p = data;
    uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                      k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(p + i);
        v[3] ^= m;
        sip_round(v);
        v[0] ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++) {
        b |= (uint64_t)p[full + i] << (8 * i);
    }
    v[3] ^= b;
    sip_round(v);
    v[0] ^= b;
    v[2] ^= 0xff;
    sip_round(v);
    sip_round(v);
    sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t sec_srctable_hash(const struct sec_srctable *t, const void *p,
                           size_t n)
{
    return siphash13(t->k0, t->k1, p, n);
}

static uint64_t ip_hash(const struct sec_srctable *t, const uint8_t ip[16])
{
    return siphash13(t->k0, t->k1, ip, 16);
}

/* Chain index of (kind, tag) for an IP hashing to 'h'. */
static uint32_t chain_of(const struct sec_shard *sh, uint64_t h,
                         enum sec_src_kind kind, uint64_t tag)
{
    uint64_t x = h;
    if (kind != SEC_SRC_ADDR) {
        x ^= (tag ^ ((uint64_t)kind << 56)) * 0x9e3779b97f4a7c15ull;
        x ^= x >> 29;
    }
    return (uint32_t)x & sh->nb_mask;
}

static bool has_tag(enum sec_src_kind kind)
{
    return kind == SEC_SRC_USER || kind == SEC_SRC_BUCKET;
}

static uint64_t entry_tag(const struct sec_src *e)
{
    if (e->kind == SEC_SRC_USER) {
        return e->u.tag;
    }
    if (e->kind == SEC_SRC_BUCKET) {
        return e->b.tag;
    }
    return 0;
}

/* ---- creation ------------------------------------------------------------ */

static int random_key(uint64_t *k0, uint64_t *k1)
{
    uint8_t key[16];
    size_t got = 0;
    while (got < sizeof(key)) {
        ssize_t r = getrandom(key + got, sizeof(key) - got, 0);
        if (r == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        got += (size_t)r;
    }
    *k0 = load_le64(key);
    *k1 = load_le64(key + 8);
    return 0;
}

int sec_srctable_new(size_t cap, uint64_t now_ms, struct sec_srctable **out)
{
    if (cap < SEC_SRCTABLE_MIN_CAP || cap > SEC_SRCTABLE_MAX_CAP) {
        return -EINVAL;
    }
    struct sec_srctable *t = calloc(1, sizeof(*t));
    if (!t) {
        return -ENOMEM;
    }
    t->base_ms = now_ms;
    t->cap = cap;
    t->n_shards = shard_count(cap);
    t->shard_shift = 0;
    while ((1u << t->shard_shift) < t->n_shards) {
        t->shard_shift++;
    }
    if (random_key(&t->k0, &t->k1) != 0) {
        /* No entropy source: still correct, only less flood-resistant. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        t->k0 = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uintptr_t)t;
        t->k1 = (uint64_t)ts.tv_sec ^ 0xc2b2ae3d27d4eb4full;
    }
    t->shards = aligned_alloc(_Alignof(struct sec_shard),
                              t->n_shards * sizeof(struct sec_shard));
    if (!t->shards) {
        free(t);
        return -ENOMEM;
    }
    memset(t->shards, 0, t->n_shards * sizeof(struct sec_shard));
    unsigned made = 0;
    for (; made < t->n_shards; made++) {
        struct sec_shard *sh = &t->shards[made];
        sh->cap = shard_cap(cap, t->n_shards, made);
        uint32_t nb = heads_for(sh->cap);
        sh->nb_mask = nb - 1;
        sh->ents = calloc(sh->cap, sizeof(struct sec_src));
        sh->heads = malloc(nb * sizeof(uint16_t));
        if (!sh->ents || !sh->heads || pthread_mutex_init(&sh->mu, NULL)) {
            free(sh->ents);
            free(sh->heads);
            goto fail;
        }
        memset(sh->heads, 0xff, nb * sizeof(uint16_t));
        sh->free_head = SRC_NIL;
        sh->lru_head = SRC_NIL;
        sh->lru_tail = SRC_NIL;
    }
    t->mem_bytes = sec_srctable_mem_bound(cap);
    *out = t;
    return 0;

fail:
    for (unsigned i = 0; i < made; i++) {
        pthread_mutex_destroy(&t->shards[i].mu);
        free(t->shards[i].ents);
        free(t->shards[i].heads);
    }
    free(t->shards);
    free(t);
    return -ENOMEM;
}

void sec_srctable_free(struct sec_srctable *t)
{
    if (!t) {
        return;
    }
    for (unsigned i = 0; i < t->n_shards; i++) {
        pthread_mutex_destroy(&t->shards[i].mu);
        free(t->shards[i].ents);
        free(t->shards[i].heads);
    }
    free(t->shards);
    free(t);
}

void sec_srctable_stats(struct sec_srctable *t, struct sec_srctable_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->cap = t->cap;
    out->mem_bytes = t->mem_bytes;
    out->entry_size = sizeof(struct sec_src);
    out->n_shards = t->n_shards;
    for (unsigned i = 0; i < t->n_shards; i++) {
        struct sec_shard *sh = &t->shards[i];
        pthread_mutex_lock(&sh->mu);
        out->n_entries += sh->n;
        out->n_addr += sh->n_kind[SEC_SRC_ADDR];
        out->n_user += sh->n_kind[SEC_SRC_USER];
        out->n_bucket += sh->n_kind[SEC_SRC_BUCKET];
        out->n_net64 += sh->n_kind[SEC_SRC_NET64];
        out->inserts += sh->inserts;
        out->evictions += sh->evictions;
        pthread_mutex_unlock(&sh->mu);
    }
}

/* ---- locking and time ---------------------------------------------------- */

void sec_srctable_lock(struct sec_srctable *t, const uint8_t ip[16],
                       uint64_t now_ms, struct sec_src_lock *lk)
{
    lk->t = t;
    memcpy(lk->ip, ip, 16);
    lk->h = ip_hash(t, ip);
    unsigned idx =
        t->shard_shift ? (unsigned)(lk->h >> (64 - t->shard_shift)) : 0;
    lk->sh = &t->shards[idx];
    uint64_t rel = now_ms > t->base_ms ? now_ms - t->base_ms : 0;
    lk->now_ms = now_ms;
    lk->now_ms32 = (uint32_t)rel;
    lk->now_s = (uint32_t)(rel / 1000);
    lk->now_ticks = (uint32_t)(rel * SEC_TICKS_PER_MS);
    pthread_mutex_lock(&lk->sh->mu);
}

void sec_srctable_unlock(struct sec_src_lock *lk)
{
    pthread_mutex_unlock(&lk->sh->mu);
    lk->sh = NULL;
}

uint64_t sec_srctable_abs_ms(const struct sec_srctable *t, uint32_t rel_s)
{
    return t->base_ms + (uint64_t)rel_s * 1000;
}

/* ---- lists --------------------------------------------------------------- */

static inline uint16_t idx_of(const struct sec_shard *sh,
                              const struct sec_src *e)
{
    return (uint16_t)(e - sh->ents);
}

static void lru_unlink(struct sec_shard *sh, struct sec_src *e)
{
    if (e->lru_prev != SRC_NIL) {
        sh->ents[e->lru_prev].lru_next = e->lru_next;
    } else {
        sh->lru_head = e->lru_next;
    }
    if (e->lru_next != SRC_NIL) {
        sh->ents[e->lru_next].lru_prev = e->lru_prev;
    } else {
        sh->lru_tail = e->lru_prev;
    }
    e->lru_prev = SRC_NIL;
    e->lru_next = SRC_NIL;
}

static void lru_push_front(struct sec_shard *sh, struct sec_src *e)
{
    uint16_t i = idx_of(sh, e);
    e->lru_prev = SRC_NIL;
    e->lru_next = sh->lru_head;
    if (sh->lru_head != SRC_NIL) {
        sh->ents[sh->lru_head].lru_prev = i;
    } else {
        sh->lru_tail = i;
    }
    sh->lru_head = i;
}

static void chain_unlink(struct sec_shard *sh, struct sec_src *e, uint32_t c)
{
    uint16_t i = idx_of(sh, e);
    uint16_t *pp = &sh->heads[c];
    while (*pp != SRC_NIL) {
        if (*pp == i) {
            *pp = e->next;
            e->next = SRC_NIL;
            return;
        }
        pp = &sh->ents[*pp].next;
    }
    SW_BUG_ON(1); /* an entry in use is always on its chain */
}

/* Take an entry off every list and give it back to the free list. */
static void entry_release(struct sec_srctable *t, struct sec_shard *sh,
                          struct sec_src *e)
{
    uint64_t h = ip_hash(t, e->ip);
    chain_unlink(sh, e, chain_of(sh, h, e->kind, entry_tag(e)));
    lru_unlink(sh, e);
    SW_ASSERT(sh->n > 0 && sh->n_kind[e->kind] > 0);
    sh->n_kind[e->kind]--;
    sh->n--;
    e->kind = SEC_SRC_FREE;
    e->next = sh->free_head;
    sh->free_head = idx_of(sh, e);
}

static struct sec_src *entry_alloc(struct sec_srctable *t, struct sec_shard *sh,
                                   const struct sec_src *keep)
{
    if (sh->free_head != SRC_NIL) {
        struct sec_src *e = &sh->ents[sh->free_head];
        sh->free_head = e->next;
        return e;
    }
    if (sh->hi < sh->cap) {
        return &sh->ents[sh->hi++];
    }
    /* Full: evict the least recently seen entry that is not pinned. */
    uint16_t v = sh->lru_tail;
    if (v != SRC_NIL && &sh->ents[v] == keep) {
        v = sh->ents[v].lru_prev;
    }
    SW_BUG_ON(v == SRC_NIL); /* shards hold at least two entries */
    struct sec_src *e = &sh->ents[v];
    entry_release(t, sh, e);
    sh->evictions++;
    sh->free_head = e->next;
    return e;
}

/* ---- entries ------------------------------------------------------------- */

static void addr_reset_pkt(const struct sec_src_lock *lk, struct sec_src *e)
{
    e->a.pkt_win_ms = lk->now_ms32;
    e->a.pkt_cur = 0;
    e->a.pkt_prev = 0;
}

/* End the detection window: its counters start again from zero. */
static void addr_reset_det(const struct sec_src_lock *lk, struct sec_src *e)
{
    struct sec_src_addr *a = &e->a;
    e->flags &= (uint8_t)~SEC_SRCF_DET_ACTIVE;
    a->det_start_ms = lk->now_ms32;
    a->auth_fails = 0;
    a->users_failing = 0;
    a->chal_new = 0;
    a->chal_mid = 0;
    a->chal_old = 0;
    a->chal_slot = 0;
    a->ua_score = 0;
    a->rl_refused = 0;
}

void sec_src_det_restart(const struct sec_src_lock *lk, struct sec_src *e)
{
    addr_reset_det(lk, e);
    e->flags |= SEC_SRCF_DET_ACTIVE;
}

static void addr_reset_windows(const struct sec_src_lock *lk, struct sec_src *e)
{
    addr_reset_pkt(lk, e);
    addr_reset_det(lk, e);
    for (unsigned i = 0; i < SEC_SRC_BUCKETS; i++) {
        e->a.tat[i] = lk->now_ticks;
    }
}

/*
 * Keep 32-bit times unambiguous: an entry idle for SEC_STALE_S is reset;
 * an active one is swept once per hour of the table clock so no window
 * start or bucket time drifts far enough behind now to wrap.
 */
static void entry_refresh(const struct sec_src_lock *lk, struct sec_src *e)
{
    uint32_t idle_s = lk->now_s - e->last_seen_s;
    bool stale = idle_s >= SEC_STALE_S;
    bool sweep = stale || lk->now_s / 3600 != e->last_seen_s / 3600;
    if (!sweep) {
        return;
    }
    switch (e->kind) {
    case SEC_SRC_ADDR:
        if (stale) {
            addr_reset_windows(lk, e);
            break;
        }
        for (unsigned i = 0; i < SEC_SRC_BUCKETS; i++) {
            e->a.tat[i] = sec_tat_normalize(e->a.tat[i], lk->now_ticks);
        }
        if (lk->now_ms32 - e->a.pkt_win_ms >= 2000) {
            addr_reset_pkt(lk, e);
        }
        if ((e->flags & SEC_SRCF_DET_ACTIVE)
            && lk->now_ms32 - e->a.det_start_ms >= SEC_WINDOW_MAX_MS) {
            /* Past any detection period: the counters are void. */
            addr_reset_det(lk, e);
        }
        break;
    case SEC_SRC_USER:
        if (stale) {
            e->u.fails = 0;
            e->u.counted = 0;
            e->u.win_ms = lk->now_ms32 - 1; /* matches no live window */
        }
        break;
    case SEC_SRC_BUCKET:
        e->b.tat = sec_tat_normalize(e->b.tat, lk->now_ticks);
        break;
    default:
        break;
    }
}

static void entry_init(const struct sec_src_lock *lk, struct sec_src *e,
                       enum sec_src_kind kind, uint64_t tag)
{
    memset(e, 0, sizeof(*e));
    memcpy(e->ip, lk->ip, 16);
    e->kind = (uint8_t)kind;
    e->next = SRC_NIL;
    e->lru_prev = SRC_NIL;
    e->lru_next = SRC_NIL;
    e->first_seen_s = lk->now_s;
    e->last_seen_s = lk->now_s;
    switch (kind) {
    case SEC_SRC_ADDR:
        addr_reset_windows(lk, e);
        break;
    case SEC_SRC_USER:
        e->u.tag = tag;
        e->u.win_ms = lk->now_ms32 - 1;
        break;
    case SEC_SRC_BUCKET:
        e->b.tag = tag;
        e->b.tat = lk->now_ticks;
        break;
    case SEC_SRC_NET64:
        e->n.win_s = lk->now_s;
        break;
    default:
        SW_BUG_ON(1);
    }
}

static struct sec_src *lookup(const struct sec_src_lock *lk,
                              enum sec_src_kind kind, uint64_t tag)
{
    struct sec_shard *sh = lk->sh;
    uint32_t c = chain_of(sh, lk->h, kind, tag);
    for (uint16_t i = sh->heads[c]; i != SRC_NIL; i = sh->ents[i].next) {
        struct sec_src *e = &sh->ents[i];
        if (e->kind == kind && memcmp(e->ip, lk->ip, 16) == 0
            && (!has_tag(kind) || entry_tag(e) == tag)) {
            return e;
        }
    }
    return NULL;
}

struct sec_src *sec_srctable_find(struct sec_src_lock *lk,
                                  enum sec_src_kind kind, uint64_t tag,
                                  bool create, const struct sec_src *keep)
{
    struct sec_shard *sh = lk->sh;
    struct sec_src *e = lookup(lk, kind, tag);
    if (e) {
        entry_refresh(lk, e);
        /* LRU at one-second resolution: an entry moves to the front on its
         * first use in a second only, so a busy source does not write its
         * neighbours' cache lines (another worker may own them) on every
         * packet. */
        if (e->last_seen_s != lk->now_s && sh->lru_head != idx_of(sh, e)) {
            lru_unlink(sh, e);
            lru_push_front(sh, e);
        }
        e->last_seen_s = lk->now_s;
        return e;
    }
    if (!create) {
        return NULL;
    }
    uint32_t c = chain_of(sh, lk->h, kind, tag);
    e = entry_alloc(lk->t, sh, keep);
    entry_init(lk, e, kind, tag);
    /* The eviction may have emptied our chain head: read it again. */
    e->next = sh->heads[c];
    sh->heads[c] = idx_of(sh, e);
    lru_push_front(sh, e);
    sh->n++;
    sh->n_kind[kind]++;
    sh->inserts++;
    return e;
}

/* ---- packets and views --------------------------------------------------- */

uint32_t sec_src_count_packet(const struct sec_src_lock *lk, struct sec_src *e)
{
    struct sec_src_addr *a = &e->a;
    uint32_t el = lk->now_ms32 - a->pkt_win_ms;
    if (el >= 2000) {
        a->pkt_prev = 0;
        a->pkt_cur = 0;
        a->pkt_win_ms = lk->now_ms32;
        el = 0;
    } else if (el >= 1000) {
        a->pkt_prev = a->pkt_cur;
        a->pkt_cur = 0;
        a->pkt_win_ms += 1000;
        el -= 1000;
    }
    if (a->pkt_cur < UINT16_MAX) {
        a->pkt_cur++;
    }
    /* Sliding second: this window plus the unexpired share of the last. */
    return a->pkt_cur + (uint32_t)a->pkt_prev * (1000 - el) / 1000;
}

static uint32_t pps_estimate(const struct sec_src_lock *lk,
                             const struct sec_src *e)
{
    const struct sec_src_addr *a = &e->a;
    uint32_t el = lk->now_ms32 - a->pkt_win_ms;
    if (el >= 2000) {
        return 0;
    }
    if (el >= 1000) {
        return (uint32_t)a->pkt_cur * (2000 - el) / 1000;
    }
    return a->pkt_cur + (uint32_t)a->pkt_prev * (1000 - el) / 1000;
}

void sec_src_fill_view(const struct sec_src_lock *lk, const struct sec_src *e,
                       struct sec_src_view *out)
{
    const struct sec_src_addr *a = &e->a;
    const struct sec_srctable *t = lk->t;
    memset(out, 0, sizeof(*out));
    out->det_active = (e->flags & SEC_SRCF_DET_ACTIVE) != 0;
    if (out->det_active) {
        /* det_start is within the last hour: unwrap it against now. */
        out->det_start_ms = lk->now_ms - (lk->now_ms32 - a->det_start_ms);
        out->auth_fails = a->auth_fails;
        out->users_failing = a->users_failing;
        out->chal_unanswered =
            (uint32_t)a->chal_new + a->chal_mid + a->chal_old;
        out->ua_score = a->ua_score;
        out->rate_refused = a->rl_refused;
    }
    out->first_seen_ms = sec_srctable_abs_ms(t, e->first_seen_s);
    out->last_seen_ms = sec_srctable_abs_ms(t, e->last_seen_s);
}

static void ip_of(const struct net_addr *src, uint8_t ip[16])
{
    SW_ASSERT(src && src->len > 0);
    net_addr_ip16(src, ip);
}

void sec_src_touch(struct sec_srctable *t, const struct net_addr *src,
                   uint64_t now_ms, struct sec_src_view *out)
{
    uint8_t ip[16];
    ip_of(src, ip);
    struct sec_src_lock lk;
    sec_srctable_lock(t, ip, now_ms, &lk);
    uint64_t inserts = lk.sh->inserts;
    struct sec_src *e = sec_srctable_find(&lk, SEC_SRC_ADDR, 0, true, NULL);
    uint32_t pps = sec_src_count_packet(&lk, e);
    if (out) {
        sec_src_fill_view(&lk, e, out);
        out->pps = pps;
        out->is_new = lk.sh->inserts != inserts;
    }
    sec_srctable_unlock(&lk);
}

int sec_src_peek(struct sec_srctable *t, const struct net_addr *src,
                 uint64_t now_ms, struct sec_src_view *out)
{
    uint8_t ip[16];
    ip_of(src, ip);
    struct sec_src_lock lk;
    sec_srctable_lock(t, ip, now_ms, &lk);
    /* Looking is not seeing: no LRU move, no last_seen update. */
    const struct sec_src *e = lookup(&lk, SEC_SRC_ADDR, 0);
    if (e && out) {
        sec_src_fill_view(&lk, e, out);
        out->pps = pps_estimate(&lk, e);
        if (lk.now_s - e->last_seen_s >= SEC_STALE_S) {
            /* Windows not refreshed yet: they would be reset on use. */
            out->pps = 0;
            out->det_active = false;
        }
    }
    sec_srctable_unlock(&lk);
    return e ? 0 : -ENOENT;
}

size_t sec_src_forget(struct sec_srctable *t, const struct net_addr *src)
{
    uint8_t ip[16];
    ip_of(src, ip);
    struct sec_src_lock lk;
    sec_srctable_lock(t, ip, t->base_ms, &lk);
    struct sec_shard *sh = lk.sh;
    size_t removed = 0;
    for (uint32_t i = 0; i < sh->hi; i++) {
        struct sec_src *e = &sh->ents[i];
        if (e->kind != SEC_SRC_FREE && e->kind != SEC_SRC_NET64
            && memcmp(e->ip, ip, 16) == 0) {
            entry_release(t, sh, e);
            removed++;
        }
    }
    sec_srctable_unlock(&lk);
    return removed;
}
