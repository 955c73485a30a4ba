/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Concurrent call counters in a non-evicting bounded table: a counter is
 * created by the first call that needs it and deleted when its last call
 * ends, so memory follows live calls, and nothing a caller holds can be
 * evicted. Atomicity across levels comes from locking every shard involved
 * (at most three, in ascending index order, so two acquires never wait on
 * each other in a cycle) before checking any limit.
 */
#include "limits/concurrent.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "limits/table_int.h"

enum cc_kind {
    KIND_EXT = 1,          /* a = tenant, b = user */
    KIND_TRUNK_TENANT = 2, /* a = trunk, b = tenant */
    KIND_TRUNK = 3,        /* a = trunk, b = 0 */
};

#define LEVELS 3

struct cc_counter {
    uint32_t calls; /* live calls, >= 1 while the entry exists */
    uint32_t spare;
};

struct limits_cc {
    struct lim_tab *tab;
    _Atomic uint64_t acquired;
    _Atomic uint64_t refused;
    _Atomic uint64_t released;
    _Atomic uint64_t underflows;
};

/* One level of one call, while it is being taken or given back. */
struct cc_level {
    struct lim_key k;
    unsigned shard;
    uint32_t max;
    uint32_t bit;
    enum limits_cc_res refusal;
    struct cc_counter *c;
    bool created;
};

int limits_cc_new(size_t cap, struct limits_cc **out)
{
    if (cap == 0) {
        cap = LIMITS_CC_DEFAULT_CAP;
    }
    struct limits_cc *cc = calloc(1, sizeof(*cc));
    if (!cc) {
        return -ENOMEM;
    }
    int rc = lim_tab_new(cap, sizeof(struct cc_counter), false, &cc->tab);
    if (rc != 0) {
        free(cc);
        return rc;
    }
    *out = cc;
    return 0;
}

void limits_cc_free(struct limits_cc *cc)
{
    if (!cc) {
        return;
    }
    lim_tab_free(cc->tab);
    free(cc);
}

static struct lim_key key_of(uint32_t level, int64_t tenant, int64_t user,
                             int64_t trunk)
{
    struct lim_key k = { 0 };
    switch (level) {
    case LIMITS_CC_LEVEL_EXT:
        k.kind = KIND_EXT;
        k.a = (uint64_t)tenant;
        k.b = (uint64_t)user;
        break;
    case LIMITS_CC_LEVEL_TRUNK_TENANT:
        k.kind = KIND_TRUNK_TENANT;
        k.a = (uint64_t)trunk;
        k.b = (uint64_t)tenant;
        break;
    case LIMITS_CC_LEVEL_TRUNK:
        k.kind = KIND_TRUNK;
        k.a = (uint64_t)trunk;
        break;
    default:
        SW_BUG_ON(1);
    }
    return k;
}

/* Fill the levels named by 'bits' (in check order); returns how many. */
static unsigned levels_of(const struct limits_cc *cc, uint32_t bits,
                          int64_t tenant, int64_t user, int64_t trunk,
                          const struct limits_cc_req *req,
                          struct cc_level lv[LEVELS])
{
    static const uint32_t order[LEVELS] = { LIMITS_CC_LEVEL_EXT,
                                            LIMITS_CC_LEVEL_TRUNK_TENANT,
                                            LIMITS_CC_LEVEL_TRUNK };
    static const enum limits_cc_res refusal[LEVELS] = { LIMITS_CC_EXT,
                                                        LIMITS_CC_TRUNK_TENANT,
                                                        LIMITS_CC_TRUNK };
    unsigned n = 0;
    for (unsigned i = 0; i < LEVELS; i++) {
        if (!(bits & order[i])) {
            continue;
        }
        struct cc_level *l = &lv[n++];
        memset(l, 0, sizeof(*l));
        l->bit = order[i];
        l->k = key_of(order[i], tenant, user, trunk);
        l->shard = lim_tab_shard_of(cc->tab, &l->k);
        l->refusal = refusal[i];
        if (req) {
            l->max = i == 0 ? req->ext_max
                            : (i == 1 ? req->trunk_tenant_max : req->trunk_max);
        }
    }
    return n;
}

/* The distinct shards of 'lv', ascending; returns how many. */
static unsigned shards_sorted(const struct cc_level *lv, unsigned n,
                              unsigned out[LEVELS])
{
    unsigned m = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned s = lv[i].shard, j = m;
        bool dup = false;
        for (unsigned q = 0; q < m; q++) {
            dup = dup || out[q] == s;
        }
        if (dup) {
            continue;
        }
        while (j > 0 && out[j - 1] > s) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = s;
        m++;
    }
    return m;
}

static void lock_all(struct limits_cc *cc, const unsigned *sh, unsigned m)
{
    for (unsigned i = 0; i < m; i++) {
        lim_tab_lock(cc->tab, sh[i]);
    }
}

static void unlock_all(struct limits_cc *cc, const unsigned *sh, unsigned m)
{
    for (unsigned i = m; i > 0; i--) {
        lim_tab_unlock(cc->tab, sh[i - 1]);
    }
}

enum limits_cc_res limits_cc_acquire(struct limits_cc *cc,
                                     const struct limits_cc_req *req,
                                     struct limits_cc_handle *h)
{
    uint32_t bits = 0;
    if (req->user_id > 0) {
        bits |= LIMITS_CC_LEVEL_EXT;
    }
    if (req->trunk_id > 0) {
        bits |= LIMITS_CC_LEVEL_TRUNK_TENANT | LIMITS_CC_LEVEL_TRUNK;
    }
    if (req->tenant_id < 1 || req->user_id < 0 || req->trunk_id < 0
        || atomic_load(&h->held) != 0) {
        atomic_fetch_add_explicit(&cc->refused, 1, memory_order_relaxed);
        return LIMITS_CC_INVALID;
    }
    struct cc_level lv[LEVELS];
    unsigned shards[LEVELS];
    unsigned n = levels_of(cc, bits, req->tenant_id, req->user_id,
                           req->trunk_id, req, lv);
    unsigned m = shards_sorted(lv, n, shards);
    enum limits_cc_res res = LIMITS_CC_OK;
    lock_all(cc, shards, m);
    unsigned got = 0;
    for (; got < n; got++) {
        struct cc_level *l = &lv[got];
        l->c = lim_tab_get(cc->tab, l->shard, &l->k, true, &l->created);
        if (!l->c) {
            res = LIMITS_CC_FULL;
            break;
        }
        if (l->max != 0 && l->c->calls >= l->max) {
            res = l->refusal;
            got++; /* undo this one too if it was just made */
            break;
        }
    }
    if (res != LIMITS_CC_OK) {
        /* Nothing was counted yet: drop the counters made for this call. */
        for (unsigned i = 0; i < got; i++) {
            if (lv[i].created && lv[i].c->calls == 0) {
                lim_tab_del(cc->tab, lv[i].shard, lv[i].c);
            }
        }
        unlock_all(cc, shards, m);
        atomic_fetch_add_explicit(&cc->refused, 1, memory_order_relaxed);
        return res;
    }
    for (unsigned i = 0; i < n; i++) {
        lv[i].c->calls++;
    }
    unlock_all(cc, shards, m);
    h->levels = bits;
    h->tenant_id = req->tenant_id;
    h->user_id = req->user_id;
    h->trunk_id = req->trunk_id;
    atomic_store(&h->held, 1);
    atomic_fetch_add_explicit(&cc->acquired, 1, memory_order_relaxed);
    return LIMITS_CC_OK;
}

int limits_cc_release(struct limits_cc *cc, struct limits_cc_handle *h)
{
    /* Read what is held before claiming it: while 'held' is 1 no acquire
     * can rewrite the handle, and only the claimer uses the copy. */
    uint32_t bits = h->levels;
    int64_t tenant = h->tenant_id, user = h->user_id, trunk = h->trunk_id;
    if (atomic_exchange(&h->held, 0) == 0) {
        return 0;
    }
    struct cc_level lv[LEVELS];
    unsigned shards[LEVELS];
    unsigned n = levels_of(cc, bits, tenant, user, trunk, NULL, lv);
    unsigned m = shards_sorted(lv, n, shards);
    uint64_t under = 0;
    lock_all(cc, shards, m);
    for (unsigned i = 0; i < n; i++) {
        struct cc_counter *c = lim_tab_peek(cc->tab, lv[i].shard, &lv[i].k);
        if (!c || c->calls == 0) {
            under++;
            continue;
        }
        if (--c->calls == 0) {
            lim_tab_del(cc->tab, lv[i].shard, c);
        }
    }
    unlock_all(cc, shards, m);
    if (under) {
        atomic_fetch_add_explicit(&cc->underflows, under, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&cc->released, 1, memory_order_relaxed);
    return 1;
}

uint32_t limits_cc_count(struct limits_cc *cc, enum limits_cc_level level,
                         int64_t tenant_id, int64_t user_id, int64_t trunk_id)
{
    if (level != LIMITS_CC_LEVEL_EXT && level != LIMITS_CC_LEVEL_TRUNK_TENANT
        && level != LIMITS_CC_LEVEL_TRUNK) {
        return 0;
    }
    struct lim_key k = key_of(level, tenant_id, user_id, trunk_id);
    unsigned sh = lim_tab_shard_of(cc->tab, &k);
    lim_tab_lock(cc->tab, sh);
    const struct cc_counter *c = lim_tab_peek(cc->tab, sh, &k);
    uint32_t calls = c ? c->calls : 0;
    lim_tab_unlock(cc->tab, sh);
    return calls;
}

void limits_cc_stats(struct limits_cc *cc, struct limits_cc_stats *out)
{
    struct lim_tab_stats ts;
    lim_tab_stats(cc->tab, &ts);
    memset(out, 0, sizeof(*out));
    out->cap = ts.cap;
    out->n_entries = ts.n_entries;
    out->mem_bytes = ts.mem_bytes + sizeof(*cc);
    out->acquired = atomic_load_explicit(&cc->acquired, memory_order_relaxed);
    out->refused = atomic_load_explicit(&cc->refused, memory_order_relaxed);
    out->released = atomic_load_explicit(&cc->released, memory_order_relaxed);
    out->underflows =
        atomic_load_explicit(&cc->underflows, memory_order_relaxed);
}
