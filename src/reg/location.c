/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sharded in-memory location table. Each shard is a chained hash of
 * extensions (by user id) under one mutex; each extension holds a short list
 * of bindings, each one heap block with its strings inline. Persistence is
 * the persister's job: this file only records which extensions changed.
 */
#include "reg/location.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "base/pool.h"

#define UA_MAX 128

struct loc_binding {
    struct loc_binding *next;
    int64_t expires_at;
    int64_t stored_expires_at; /* the expiry the store holds (or will) */
    int64_t registered_at;
    uint32_t cseq;
    struct reg_src src;
    uint16_t contact_len;
    uint16_t call_id_len;
    uint16_t ua_len;
    char data[]; /* contact, call-id, user-agent; not NUL-terminated */
};

struct loc_aor {
    struct loc_aor *next; /* hash chain */
    int64_t user_id;
    int64_t tenant_id;
    struct loc_binding *bindings;
    uint16_t aor_len;
    bool rows_stale; /* the store may hold contacts we no longer do */
    char aor[];
};

struct reg_loc_shard {
    pthread_mutex_t mu;
    struct pool *pool; /* the table's, shared by all shards */
    struct loc_aor **buckets;
    size_t n_buckets; /* power of two */
    size_t n_aors;
};

/* Bindings and extensions live in the table's pool, apart from the heap
 * where transactions churn (see base/pool.h). */
static size_t binding_size(const struct loc_binding *b)
{
    return sizeof(*b) + b->contact_len + b->call_id_len + b->ua_len;
}

static void binding_free(struct pool *pool, struct loc_binding *b)
{
    pool_free(pool, b, binding_size(b));
}

static void aor_free(struct pool *pool, struct loc_aor *a)
{
    pool_free(pool, a, sizeof(*a) + a->aor_len);
}

static size_t shard_of(int64_t user_id)
{
    uint64_t h = (uint64_t)user_id * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 58) % REG_LOC_SHARDS;
}

static size_t bucket_of(const struct reg_loc_shard *s, int64_t user_id)
{
    uint64_t h = (uint64_t)user_id * 0xC2B2AE3D27D4EB4FULL;
    return (size_t)(h >> 20) & (s->n_buckets - 1);
}

int reg_loc_init(struct reg_loc *loc)
{
    memset(loc, 0, sizeof(*loc));
    pool_init(&loc->pool);
    loc->shards = calloc(REG_LOC_SHARDS, sizeof(*loc->shards));
    if (!loc->shards) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < REG_LOC_SHARDS; i++) {
        struct reg_loc_shard *s = &loc->shards[i];
        pthread_mutex_init(&s->mu, NULL);
        s->pool = &loc->pool;
        s->n_buckets = 64;
        s->buckets = calloc(s->n_buckets, sizeof(*s->buckets));
        if (!s->buckets) {
            reg_loc_fini(loc);
            return -ENOMEM;
        }
    }
    pthread_mutex_init(&loc->dirty_mu, NULL);
    return 0;
}

static void free_aor(struct pool *pool, struct loc_aor *a)
{
    struct loc_binding *b = a->bindings;
    while (b) {
        struct loc_binding *next = b->next;
        binding_free(pool, b);
        b = next;
    }
    aor_free(pool, a);
}

void reg_loc_fini(struct reg_loc *loc)
{
    if (!loc->shards) {
        return;
    }
    for (size_t i = 0; i < REG_LOC_SHARDS; i++) {
        struct reg_loc_shard *s = &loc->shards[i];
        for (size_t j = 0; s->buckets && j < s->n_buckets; j++) {
            struct loc_aor *a = s->buckets[j];
            while (a) {
                struct loc_aor *next = a->next;
                free_aor(&loc->pool, a);
                a = next;
            }
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->mu);
    }
    free(loc->shards);
    loc->shards = NULL;
    pool_fini(&loc->pool);
    free(loc->dirty);
    loc->dirty = NULL;
    pthread_mutex_destroy(&loc->dirty_mu);
}

/* ---- shard hash -------------------------------------------------------- */

static struct loc_aor **aor_slot(struct reg_loc_shard *s, int64_t user_id)
{
    struct loc_aor **pp = &s->buckets[bucket_of(s, user_id)];
    while (*pp && (*pp)->user_id != user_id) {
        pp = &(*pp)->next;
    }
    return pp;
}

static void shard_grow(struct reg_loc_shard *s)
{
    size_t n = s->n_buckets * 2;
    struct loc_aor **nb = calloc(n, sizeof(*nb));
    if (!nb) {
        return; /* keep working with longer chains */
    }
    struct loc_aor **old = s->buckets;
    size_t old_n = s->n_buckets;
    s->buckets = nb;
    s->n_buckets = n;
    for (size_t i = 0; i < old_n; i++) {
        struct loc_aor *a = old[i];
        while (a) {
            struct loc_aor *next = a->next;
            size_t bi = bucket_of(s, a->user_id);
            a->next = nb[bi];
            nb[bi] = a;
            a = next;
        }
    }
    free(old);
}

static struct loc_aor *aor_create(struct reg_loc_shard *s, int64_t user_id,
                                  int64_t tenant_id, struct sv aor)
{
    if (aor.len > UINT16_MAX) {
        return NULL;
    }
    if (s->n_aors >= s->n_buckets) {
        shard_grow(s);
    }
    struct loc_aor *a = pool_alloc(s->pool, sizeof(*a) + aor.len);
    if (!a) {
        return NULL;
    }
    a->user_id = user_id;
    a->tenant_id = tenant_id;
    a->bindings = NULL;
    /* New here, so what the store holds for it is unknown: the first write
     * replaces every row of the extension. */
    a->rows_stale = true;
    a->aor_len = (uint16_t)aor.len;
    memcpy(a->aor, aor.p, aor.len);
    size_t bi = bucket_of(s, user_id);
    a->next = s->buckets[bi];
    s->buckets[bi] = a;
    s->n_aors++;
    return a;
}

static void aor_drop_if_empty(struct reg_loc_shard *s, struct loc_aor *a)
{
    if (a->bindings) {
        return;
    }
    struct loc_aor **pp = aor_slot(s, a->user_id);
    SW_BUG_ON(*pp != a);
    *pp = a->next;
    s->n_aors--;
    aor_free(s->pool, a);
}

/* ---- bindings ---------------------------------------------------------- */

static struct sv b_contact(const struct loc_binding *b)
{
    return sv_make(b->data, b->contact_len);
}

static struct sv b_call_id(const struct loc_binding *b)
{
    return sv_make(b->data + b->contact_len, b->call_id_len);
}

static struct sv b_ua(const struct loc_binding *b)
{
    return sv_make(b->data + b->contact_len + b->call_id_len, b->ua_len);
}

static struct loc_binding *binding_new(struct pool *pool, struct sv contact,
                                       struct sv call_id, struct sv ua)
{
    if (contact.len > UINT16_MAX || call_id.len > UINT16_MAX) {
        return NULL;
    }
    if (ua.len > UA_MAX) {
        ua.len = UA_MAX;
    }
    struct loc_binding *b =
        pool_alloc(pool, sizeof(*b) + contact.len + call_id.len + ua.len);
    if (!b) {
        return NULL;
    }
    memset(b, 0, sizeof(*b));
    b->contact_len = (uint16_t)contact.len;
    b->call_id_len = (uint16_t)call_id.len;
    b->ua_len = (uint16_t)ua.len;
    memcpy(b->data, contact.p, contact.len);
    memcpy(b->data + contact.len, call_id.p, call_id.len);
    if (ua.len) {
        memcpy(b->data + contact.len + call_id.len, ua.p, ua.len);
    }
    return b;
}

/* Same Call-ID, User-Agent and source: a refresh by the same phone. */
static bool is_refresh(const struct loc_binding *b, const struct reg_update *u)
{
    return sv_eq(b_call_id(b), u->call_id) && sv_eq(b_ua(b), u->user_agent)
           && memcmp(&b->src, &u->src, sizeof(b->src)) == 0;
}

static struct loc_binding **binding_slot(struct loc_aor *a, struct sv uri)
{
    struct loc_binding **pp = &a->bindings;
    while (*pp && !sv_eq(b_contact(*pp), uri)) {
        pp = &(*pp)->next;
    }
    return pp;
}

static void view_of(const struct loc_aor *a, const struct loc_binding *b,
                    struct reg_binding_view *v)
{
    v->user_id = a->user_id;
    v->tenant_id = a->tenant_id;
    v->aor = sv_make(a->aor, a->aor_len);
    v->contact = b_contact(b);
    v->call_id = b_call_id(b);
    v->user_agent = b_ua(b);
    v->cseq = b->cseq;
    v->expires_at = b->expires_at;
    v->registered_at = b->registered_at;
    v->src = b->src;
}

void reg_loc_mark_dirty(struct reg_loc *loc, int64_t user_id)
{
    pthread_mutex_lock(&loc->dirty_mu);
    if (loc->n_dirty == loc->dirty_cap) {
        size_t cap = loc->dirty_cap ? loc->dirty_cap * 2 : 1024;
        int64_t *d = realloc(loc->dirty, cap * sizeof(*d));
        if (!d) {
            pthread_mutex_unlock(&loc->dirty_mu);
            return; /* the binding lives in memory; next change retries */
        }
        loc->dirty = d;
        loc->dirty_cap = cap;
    }
    loc->dirty[loc->n_dirty++] = user_id;
    pthread_mutex_unlock(&loc->dirty_mu);
}

int64_t *reg_loc_dirty_take(struct reg_loc *loc, size_t *n)
{
    pthread_mutex_lock(&loc->dirty_mu);
    int64_t *d = loc->dirty;
    *n = loc->n_dirty;
    loc->dirty = NULL;
    loc->n_dirty = loc->dirty_cap = 0;
    pthread_mutex_unlock(&loc->dirty_mu);
    return d;
}

bool reg_loc_rows_stale_take(struct reg_loc *loc, int64_t user_id)
{
    struct reg_loc_shard *s = &loc->shards[shard_of(user_id)];
    bool stale = true; /* no extension: whatever is stored must go */

    pthread_mutex_lock(&s->mu);
    struct loc_aor *a = *aor_slot(s, user_id);
    if (a) {
        stale = a->rows_stale;
        a->rows_stale = false;
    }
    pthread_mutex_unlock(&s->mu);
    return stale;
}

void reg_loc_rows_stale_set(struct reg_loc *loc, int64_t user_id)
{
    struct reg_loc_shard *s = &loc->shards[shard_of(user_id)];

    pthread_mutex_lock(&s->mu);
    struct loc_aor *a = *aor_slot(s, user_id);
    if (a) {
        a->rows_stale = true;
    }
    pthread_mutex_unlock(&s->mu);
}

/* Returns true when a binding was dropped. */
static bool evict_oldest(struct pool *pool, struct loc_aor *a,
                         unsigned max_contacts)
{
    bool dropped = false;
    for (;;) {
        unsigned n = 0;
        struct loc_binding **oldest = NULL;
        for (struct loc_binding **pp = &a->bindings; *pp; pp = &(*pp)->next) {
            n++;
            if (!oldest || (*pp)->registered_at < (*oldest)->registered_at) {
                oldest = pp;
            }
        }
        if (n <= max_contacts || !oldest) {
            return dropped;
        }
        struct loc_binding *victim = *oldest;
        *oldest = victim->next;
        binding_free(pool, victim);
        dropped = true;
    }
}

static void remove_expired(struct pool *pool, struct loc_aor *a, int64_t now_s,
                           size_t *n)
{
    struct loc_binding **pp = &a->bindings;
    while (*pp) {
        if ((*pp)->expires_at <= now_s) {
            struct loc_binding *dead = *pp;
            *pp = dead->next;
            binding_free(pool, dead);
            (*n)++;
        } else {
            pp = &(*pp)->next;
        }
    }
}

enum reg_loc_res reg_loc_apply(struct reg_loc *loc, const struct reg_update *u,
                               const struct reg_contact_req *contacts,
                               size_t n_contacts, reg_binding_fn *emit,
                               void *ud)
{
    struct reg_loc_shard *s = &loc->shards[shard_of(u->user_id)];
    enum reg_loc_res res = REG_LOC_OK;
    size_t n_expired = 0;
    bool significant = false; /* the store must be rewritten */

    pthread_mutex_lock(&s->mu);
    struct loc_aor *a = *aor_slot(s, u->user_id);
    if (a) {
        remove_expired(s->pool, a, u->now_s, &n_expired);
        a->rows_stale |= n_expired > 0;
    }

    /* Pass 1: RFC 3261 §10.3 step 7, an update with the same Call-ID and a
     * CSeq that is not higher is refused as a whole. */
    for (size_t i = 0; a && !u->remove_all && i < n_contacts; i++) {
        struct loc_binding *b = *binding_slot(a, contacts[i].uri);
        if (b && sv_eq(b_call_id(b), u->call_id) && u->cseq <= b->cseq) {
            res = REG_LOC_OUT_OF_ORDER;
            goto out;
        }
    }

    if (u->remove_all) {
        significant = true;
        if (a) {
            a->rows_stale = true;
            struct loc_binding *b = a->bindings;
            while (b) {
                struct loc_binding *next = b->next;
                binding_free(s->pool, b);
                b = next;
            }
            a->bindings = NULL;
        }
    } else {
        for (size_t i = 0; i < n_contacts; i++) {
            const struct reg_contact_req *c = &contacts[i];
            if (!a && c->expires_s == 0) {
                continue;
            }
            if (!a) {
                a = aor_create(s, u->user_id, u->tenant_id, u->aor);
                if (!a) {
                    res = REG_LOC_NOMEM;
                    goto out;
                }
            }
            struct loc_binding **pp = binding_slot(a, c->uri);
            struct loc_binding *old = *pp;
            if (c->expires_s == 0) {
                if (old) {
                    *pp = old->next;
                    binding_free(s->pool, old);
                    significant = true;
                    a->rows_stale = true;
                }
                continue;
            }
            int64_t exp = u->now_s + (int64_t)c->expires_s;
            if (old && is_refresh(old, u)) {
                /* The same phone refreshing: updated in place. The store
                 * is rewritten only when the expiry it holds would end
                 * before half of the new registration time has passed, so
                 * a restart still finds the binding while the phone's
                 * steady refreshes cost no write. */
                old->cseq = u->cseq;
                old->registered_at = u->now_s;
                old->expires_at = exp;
                if (old->stored_expires_at - u->now_s < (exp - u->now_s) / 2) {
                    significant = true;
                }
                continue;
            }
            significant = true;
            struct loc_binding *nb =
                binding_new(s->pool, c->uri, u->call_id, u->user_agent);
            if (!nb) {
                res = REG_LOC_NOMEM;
                goto out;
            }
            nb->cseq = u->cseq;
            nb->src = u->src;
            nb->registered_at = u->now_s;
            nb->expires_at = exp;
            if (old) {
                nb->next = old->next;
                binding_free(s->pool, old);
            } else {
                nb->next = NULL;
            }
            *pp = nb;
        }
        if (a && u->max_contacts > 0
            && evict_oldest(s->pool, a, u->max_contacts)) {
            significant = true;
            a->rows_stale = true;
        }
    }
    if (significant && a) {
        /* The persister writes every binding of the extension. */
        for (struct loc_binding *b = a->bindings; b; b = b->next) {
            b->stored_expires_at = b->expires_at;
        }
    }

    if (a) {
        for (struct loc_binding *b = a->bindings; emit && b; b = b->next) {
            struct reg_binding_view v;
            view_of(a, b, &v);
            emit(ud, &v);
        }
        aor_drop_if_empty(s, a);
    }
out:
    pthread_mutex_unlock(&s->mu);
    if (res == REG_LOC_OK && (significant || n_expired > 0)) {
        reg_loc_mark_dirty(loc, u->user_id);
    }
    return res;
}

int reg_loc_restore(struct reg_loc *loc, const struct reg_binding_view *v)
{
    struct reg_loc_shard *s = &loc->shards[shard_of(v->user_id)];
    int rc = 0;

    pthread_mutex_lock(&s->mu);
    struct loc_aor *a = *aor_slot(s, v->user_id);
    if (!a) {
        a = aor_create(s, v->user_id, v->tenant_id, v->aor);
    }
    struct loc_binding *b =
        a ? binding_new(s->pool, v->contact, v->call_id, v->user_agent) : NULL;
    if (!b) {
        if (a) {
            aor_drop_if_empty(s, a);
        }
        rc = -ENOMEM;
    } else {
        struct loc_binding **pp = binding_slot(a, v->contact);
        b->cseq = v->cseq;
        b->src = v->src;
        b->expires_at = v->expires_at;
        b->stored_expires_at = v->expires_at;
        b->registered_at = v->registered_at;
        if (*pp) {
            b->next = (*pp)->next;
            binding_free(s->pool, *pp);
        } else {
            b->next = NULL;
        }
        *pp = b;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void reg_loc_lookup(struct reg_loc *loc, int64_t user_id, int64_t now_s,
                    reg_binding_fn *fn, void *ud)
{
    struct reg_loc_shard *s = &loc->shards[shard_of(user_id)];

    pthread_mutex_lock(&s->mu);
    struct loc_aor *a = *aor_slot(s, user_id);
    for (struct loc_binding *b = a ? a->bindings : NULL; b; b = b->next) {
        if (b->expires_at > now_s) {
            struct reg_binding_view v;
            view_of(a, b, &v);
            fn(ud, &v);
        }
    }
    pthread_mutex_unlock(&s->mu);
}

void reg_loc_foreach(struct reg_loc *loc, int64_t tenant_id, int64_t now_s,
                     reg_binding_fn *fn, void *ud)
{
    for (size_t i = 0; i < REG_LOC_SHARDS; i++) {
        struct reg_loc_shard *s = &loc->shards[i];
        pthread_mutex_lock(&s->mu);
        for (size_t j = 0; j < s->n_buckets; j++) {
            for (struct loc_aor *a = s->buckets[j]; a; a = a->next) {
                if (tenant_id != 0 && a->tenant_id != tenant_id) {
                    continue;
                }
                for (struct loc_binding *b = a->bindings; b; b = b->next) {
                    if (b->expires_at > now_s) {
                        struct reg_binding_view v;
                        view_of(a, b, &v);
                        fn(ud, &v);
                    }
                }
            }
        }
        pthread_mutex_unlock(&s->mu);
    }
}

void reg_loc_remove_user(struct reg_loc *loc, int64_t user_id)
{
    struct reg_loc_shard *s = &loc->shards[shard_of(user_id)];

    pthread_mutex_lock(&s->mu);
    struct loc_aor **pp = aor_slot(s, user_id);
    struct loc_aor *a = *pp;
    if (a) {
        *pp = a->next;
        s->n_aors--;
        free_aor(s->pool, a);
    }
    pthread_mutex_unlock(&s->mu);
    reg_loc_mark_dirty(loc, user_id);
}

size_t reg_loc_purge(struct reg_loc *loc, int64_t now_s)
{
    size_t n = 0;

    for (size_t i = 0; i < REG_LOC_SHARDS; i++) {
        struct reg_loc_shard *s = &loc->shards[i];
        pthread_mutex_lock(&s->mu);
        for (size_t j = 0; j < s->n_buckets; j++) {
            struct loc_aor *a = s->buckets[j];
            while (a) {
                struct loc_aor *next = a->next;
                remove_expired(s->pool, a, now_s, &n);
                aor_drop_if_empty(s, a);
                a = next;
            }
        }
        pthread_mutex_unlock(&s->mu);
    }
    return n;
}

static void count_one(void *ud, const struct reg_binding_view *b)
{
    (void)b;
    (*(size_t *)ud)++;
}

size_t reg_loc_count(struct reg_loc *loc, int64_t now_s)
{
    size_t n = 0;
    reg_loc_foreach(loc, 0, now_s, count_one, &n);
    return n;
}
