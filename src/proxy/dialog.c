/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared dialog table: 64 shards chosen by a hash of the Call-ID, each
 * with a mutex, hash buckets and a list in order of last activity, so
 * expiry only visits dialogs that are due. Each dialog is one heap block
 * holding its strings.
 */
#include "proxy/dialog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"

#define BUCKETS_PER_SHARD 1024u

struct proxy_dlg {
    struct proxy_dlg *bnext;  /* bucket chain */
    struct proxy_dlg **bprev; /* the pointer that points at us */
    struct proxy_dlg *lprev;  /* activity list, oldest first */
    struct proxy_dlg *lnext;
    uint64_t hash;
    uint64_t seen_ms; /* monotonic: last request */
    struct proxy_call_info info;
    char tail[]; /* the strings of info */
};

struct proxy_dlg_shard {
    pthread_mutex_t mu;
    struct proxy_dlg *buckets[BUCKETS_PER_SHARD];
    struct proxy_dlg *oldest;
    struct proxy_dlg *newest;
    size_t n;
};

static uint64_t key_hash(const struct proxy_dlg_table *t, struct sv call_id)
{
    return sv_hash(call_id) ^ t->k0;
}

static struct proxy_dlg_shard *shard_of(struct proxy_dlg_table *t, uint64_t h)
{
    return &t->shards[(h >> 32) % PROXY_DLG_SHARDS];
}

int proxy_dlg_table_init(struct proxy_dlg_table *t, size_t max,
                         uint64_t idle_ms)
{
    memset(t, 0, sizeof(*t));
    t->shards = calloc(PROXY_DLG_SHARDS, sizeof(*t->shards));
    if (t->shards == NULL) {
        return -ENOMEM;
    }
    if (max == 0) {
        max = PROXY_DLG_DEFAULT_COUNT;
    }
    t->max_per_shard = (max + PROXY_DLG_SHARDS - 1) / PROXY_DLG_SHARDS;
    t->idle_ms = idle_ms ? idle_ms : PROXY_DLG_DEFAULT_IDLE;
    t->k0 = (uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < PROXY_DLG_SHARDS; i++) {
        pthread_mutex_init(&t->shards[i].mu, NULL);
    }
    return 0;
}

void proxy_dlg_table_fini(struct proxy_dlg_table *t)
{
    if (t->shards == NULL) {
        return;
    }
    for (unsigned i = 0; i < PROXY_DLG_SHARDS; i++) {
        struct proxy_dlg_shard *s = &t->shards[i];
        struct proxy_dlg *d = s->oldest;
        while (d) {
            struct proxy_dlg *next = d->lnext;
            free(d);
            d = next;
        }
        pthread_mutex_destroy(&s->mu);
    }
    free(t->shards);
    t->shards = NULL;
}

/* ---- lists (shard lock held) ------------------------------------------- */

static void list_append(struct proxy_dlg_shard *s, struct proxy_dlg *d)
{
    d->lnext = NULL;
    d->lprev = s->newest;
    if (s->newest) {
        s->newest->lnext = d;
    } else {
        s->oldest = d;
    }
    s->newest = d;
}

static void list_unlink(struct proxy_dlg_shard *s, struct proxy_dlg *d)
{
    if (d->lprev) {
        d->lprev->lnext = d->lnext;
    } else {
        s->oldest = d->lnext;
    }
    if (d->lnext) {
        d->lnext->lprev = d->lprev;
    } else {
        s->newest = d->lprev;
    }
    d->lprev = d->lnext = NULL;
}

static void unlink_dlg(struct proxy_dlg_shard *s, struct proxy_dlg *d)
{
    *d->bprev = d->bnext;
    if (d->bnext) {
        d->bnext->bprev = d->bprev;
    }
    list_unlink(s, d);
    s->n--;
}

static bool tags_match(const struct proxy_dlg *d, struct sv a, struct sv b)
{
    const struct proxy_call_info *i = &d->info;
    return (sv_eq(i->caller_tag, a) && sv_eq(i->callee_tag, b))
           || (sv_eq(i->caller_tag, b) && sv_eq(i->callee_tag, a));
}

static struct proxy_dlg *find(struct proxy_dlg_shard *s, uint64_t h,
                              struct sv call_id, struct sv a, struct sv b)
{
    for (struct proxy_dlg *d = s->buckets[h % BUCKETS_PER_SHARD]; d;
         d = d->bnext) {
        if (d->hash == h && sv_eq(d->info.call_id, call_id)
            && tags_match(d, a, b)) {
            return d;
        }
    }
    return NULL;
}

/* ---- operations -------------------------------------------------------- */

static struct sv copy_in(char **pos, struct sv v)
{
    if (v.len) {
        memcpy(*pos, v.p, v.len);
    }
    struct sv r = sv_make(*pos, v.len);
    *pos += v.len;
    return r;
}

int proxy_dlg_add(struct proxy_dlg_table *t, const struct proxy_call_info *in,
                  uint64_t now_ms)
{
    const struct sv *f[] = { &in->call_id, &in->caller_tag, &in->callee_tag,
                             &in->domain,  &in->caller,     &in->callee };
    size_t total = 0;

    if (in->call_id.len == 0 || in->caller_tag.len == 0
        || in->callee_tag.len == 0) {
        return -EINVAL;
    }
    for (size_t i = 0; i < SW_ARRAY_LEN(f); i++) {
        if (f[i]->len > PROXY_DLG_MAX_FIELD) {
            return -EINVAL;
        }
        total += f[i]->len;
    }
    uint64_t h = key_hash(t, in->call_id);
    struct proxy_dlg_shard *s = shard_of(t, h);
    struct proxy_dlg *d = malloc(sizeof(*d) + total);
    if (d == NULL) {
        return -ENOMEM;
    }
    memset(d, 0, sizeof(*d));
    d->hash = h;
    d->seen_ms = now_ms;
    d->info = *in;
    char *pos = d->tail;
    d->info.call_id = copy_in(&pos, in->call_id);
    d->info.caller_tag = copy_in(&pos, in->caller_tag);
    d->info.callee_tag = copy_in(&pos, in->callee_tag);
    d->info.domain = copy_in(&pos, in->domain);
    d->info.caller = copy_in(&pos, in->caller);
    d->info.callee = copy_in(&pos, in->callee);
    /* Views of the INVITE that the dialog does not keep. */
    d->info.src_ip = SV_NULL;
    d->info.offer_type = SV_NULL;
    d->info.offer_body = SV_NULL;
    d->info.policy_arg = NULL;

    pthread_mutex_lock(&s->mu);
    int rc = 0;
    if (find(s, h, in->call_id, in->caller_tag, in->callee_tag)) {
        rc = -EEXIST;
    } else if (s->n >= t->max_per_shard) {
        rc = -ENOSPC;
    } else {
        struct proxy_dlg **b = &s->buckets[h % BUCKETS_PER_SHARD];
        d->bnext = *b;
        if (*b) {
            (*b)->bprev = &d->bnext;
        }
        d->bprev = b;
        *b = d;
        list_append(s, d);
        s->n++;
    }
    pthread_mutex_unlock(&s->mu);
    if (rc != 0) {
        free(d);
    }
    return rc;
}

bool proxy_dlg_touch_toward(struct proxy_dlg_table *t, struct sv call_id,
                            struct sv from_tag, struct sv to_tag,
                            uint64_t now_ms, struct sip_txn_dest *toward,
                            bool *media_required)
{
    uint64_t h = key_hash(t, call_id);
    struct proxy_dlg_shard *s = shard_of(t, h);
    pthread_mutex_lock(&s->mu);
    struct proxy_dlg *d = find(s, h, call_id, from_tag, to_tag);
    if (d) {
        if (now_ms > d->seen_ms) {
            d->seen_ms = now_ms;
        }
        list_unlink(s, d);
        list_append(s, d);
        if (toward) {
            *toward = sv_eq(from_tag, d->info.caller_tag) ? d->info.callee_dest
                                                          : d->info.caller_dest;
        }
        if (media_required) {
            *media_required = d->info.media_required;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return d != NULL;
}

bool proxy_dlg_touch(struct proxy_dlg_table *t, struct sv call_id,
                     struct sv tag_a, struct sv tag_b, uint64_t now_ms)
{
    return proxy_dlg_touch_toward(t, call_id, tag_a, tag_b, now_ms, NULL, NULL);
}

int proxy_dlg_remove(struct proxy_dlg_table *t, struct sv call_id,
                     struct sv tag_a, struct sv tag_b, proxy_dlg_end_fn *fn,
                     void *ud)
{
    uint64_t h = key_hash(t, call_id);
    struct proxy_dlg_shard *s = shard_of(t, h);
    pthread_mutex_lock(&s->mu);
    struct proxy_dlg *d = find(s, h, call_id, tag_a, tag_b);
    if (d) {
        unlink_dlg(s, d);
    }
    pthread_mutex_unlock(&s->mu);
    if (d == NULL) {
        return -ENOENT;
    }
    if (fn) {
        fn(ud, &d->info);
    }
    free(d);
    return 0;
}

size_t proxy_dlg_expire(struct proxy_dlg_table *t, uint64_t now_ms,
                        proxy_dlg_end_fn *fn, void *ud)
{
    size_t n = 0;
    for (unsigned i = 0; i < PROXY_DLG_SHARDS; i++) {
        struct proxy_dlg_shard *s = &t->shards[i];
        struct proxy_dlg *gone = NULL;
        pthread_mutex_lock(&s->mu);
        while (s->oldest && s->oldest->seen_ms + t->idle_ms <= now_ms) {
            struct proxy_dlg *d = s->oldest;
            unlink_dlg(s, d);
            d->lnext = gone;
            gone = d;
        }
        pthread_mutex_unlock(&s->mu);
        while (gone) {
            struct proxy_dlg *d = gone;
            gone = d->lnext;
            if (fn) {
                fn(ud, &d->info);
            }
            free(d);
            n++;
        }
    }
    return n;
}

size_t proxy_dlg_count(struct proxy_dlg_table *t)
{
    size_t n = 0;
    for (unsigned i = 0; i < PROXY_DLG_SHARDS; i++) {
        pthread_mutex_lock(&t->shards[i].mu);
        n += t->shards[i].n;
        pthread_mutex_unlock(&t->shards[i].mu);
    }
    return n;
}
