/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fraud watch's state: two evicting tables (extensions, tenants) of
 * per-window slot rings plus a small exact set of recent destinations,
 * and a non-evicting table of suspensions.
 *
 * Counts: each window is LIMITS_FRAUD_SLOTS slots of window / SLOTS
 * seconds; a count is the sum of the live slots, so the window slides in
 * steps of one slot (5 min for 1 h) and covers between window - slot and
 * window of history. Destinations: one set of the most recently called
 * numbers (a keyed 32-bit hash and the last second each was called) per
 * entry, shared by all windows; "distinct in window W" counts members
 * seen within W. Keeping the newest members makes that exact up to the
 * set's size for every window at once (the members of any window are the
 * newest ones), which is all a threshold <= that size needs; a sketch
 * (HyperLogLog) would be smaller for huge counts but cannot slide or be
 * exact at the small numbers that matter here.
 */
#include "limits/fraud.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "limits/table_int.h"

#define KIND_EXT    1u /* a = tenant, b = user */
#define KIND_TENANT 2u /* a = tenant, b = 0 */
#define KIND_SUSP   3u /* a = tenant, b = user or 0 */

#define WIN   LIMITS_FRAUD_WINDOWS
#define SLOTS LIMITS_FRAUD_SLOTS
#define NMET  LIMITS_FRAUD_METRICS

struct fr_win {
    uint32_t head;        /* absolute index of the newest slot */
    uint16_t intl[SLOTS]; /* international calls per slot (saturating) */
    uint16_t ooh[SLOTS];  /* outside-hours calls per slot (saturating) */
    uint8_t warned;       /* bit per metric: warning raised, still over */
    uint8_t spare[3];
};

struct fr_dest {
    uint32_t h;      /* keyed hash of the number */
    uint32_t seen_s; /* last called, s since the watch's base */
};

struct fr_ent {
    uint16_t n_dest;
    uint16_t spare[3];
    struct fr_win w[WIN];
    struct fr_dest d[]; /* dest_cap of the table */
};

struct fr_susp {
    int64_t since_wall_s;
    uint32_t scope;
    uint32_t metric;
    uint32_t window_s;
    uint32_t count;
    uint32_t threshold;
    uint32_t spare;
};

struct limits_fraud {
    struct limits_fraud_settings s;
    uint64_t base_ms;
    uint32_t slot_s[WIN]; /* window_s / SLOTS; 0 for unused windows */
    struct lim_tab *ext;
    struct lim_tab *tenant;
    struct lim_tab *susp;
    _Atomic size_t n_susp;
    _Atomic uint64_t recorded;
    _Atomic uint64_t warnings;
    _Atomic uint64_t suspensions;
    _Atomic uint64_t susp_refused;
};

/* ---- settings ------------------------------------------------------------ */

void limits_fraud_settings_default(struct limits_fraud_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->ext_cap = 16384;
    s->tenant_cap = 1024;
    s->susp_cap = 4096;
    s->window_s[0] = 3600;
    s->window_s[1] = 86400;
    static const struct limits_fraud_thr
        dflt[LIMITS_FRAUD_SCOPES][2][NMET] = {
            [LIMITS_FRAUD_SCOPE_EXT] = {
                { { 10, 30 }, { 20, 40 }, { 10, 30 } },
                { { 50, 150 }, { 50, 64 }, { 40, 120 } },
            },
            [LIMITS_FRAUD_SCOPE_TENANT] = {
                { { 100, 300 }, { 150, 256 }, { 100, 300 } },
                { { 500, 1500 }, { 0, 0 }, { 400, 1200 } },
            },
        };
    for (unsigned sc = 0; sc < LIMITS_FRAUD_SCOPES; sc++) {
        for (unsigned w = 0; w < 2; w++) {
            for (unsigned m = 0; m < NMET; m++) {
                s->policy.thr[sc][w][m] = dflt[sc][w][m];
            }
        }
    }
}

int limits_fraud_policy_check(const struct limits_fraud_settings *s,
                              const struct limits_fraud_policy *p)
{
    for (unsigned sc = 0; sc < LIMITS_FRAUD_SCOPES; sc++) {
        for (unsigned w = 0; w < WIN; w++) {
            for (unsigned m = 0; m < NMET; m++) {
                const struct limits_fraud_thr *t = &p->thr[sc][w][m];
                if (t->warn && t->crit && t->warn > t->crit) {
                    return -EINVAL;
                }
                if ((t->warn || t->crit) && s->window_s[w] == 0) {
                    return -EINVAL;
                }
            }
        }
    }
    return 0;
}

static bool cap_ok(size_t cap)
{
    return cap >= LIM_TAB_MIN_CAP && cap <= LIM_TAB_MAX_CAP;
}

static int settings_check(const struct limits_fraud_settings *s)
{
    if (!cap_ok(s->ext_cap) || !cap_ok(s->tenant_cap) || !cap_ok(s->susp_cap)
        || s->window_s[0] == 0) {
        return -EINVAL;
    }
    for (unsigned w = 0; w < WIN; w++) {
        uint32_t ws = s->window_s[w];
        if (ws != 0
            && (ws < LIMITS_FRAUD_MIN_WINDOW_S || ws > LIMITS_FRAUD_MAX_WINDOW_S
                || ws % SLOTS != 0)) {
            return -EINVAL;
        }
    }
    return limits_fraud_policy_check(s, &s->policy);
}

static size_t ent_size(unsigned dest_cap)
{
    return sizeof(struct fr_ent) + dest_cap * sizeof(struct fr_dest);
}

int limits_fraud_new(const struct limits_fraud_settings *s, uint64_t now_ms,
                     struct limits_fraud **out)
{
    int rc = settings_check(s);
    if (rc != 0) {
        return rc;
    }
    struct limits_fraud *fw = calloc(1, sizeof(*fw));
    if (!fw) {
        return -ENOMEM;
    }
    fw->s = *s;
    fw->base_ms = now_ms;
    for (unsigned w = 0; w < WIN; w++) {
        fw->slot_s[w] = s->window_s[w] / SLOTS;
    }
    rc = lim_tab_new(s->ext_cap, ent_size(LIMITS_FRAUD_EXT_DEST_CAP), true,
                     &fw->ext);
    if (rc == 0) {
        rc = lim_tab_new(s->tenant_cap, ent_size(LIMITS_FRAUD_TENANT_DEST_CAP),
                         true, &fw->tenant);
    }
    if (rc == 0) {
        rc = lim_tab_new(s->susp_cap, sizeof(struct fr_susp), false, &fw->susp);
    }
    if (rc != 0) {
        limits_fraud_free(fw);
        return rc;
    }
    *out = fw;
    return 0;
}

void limits_fraud_free(struct limits_fraud *fw)
{
    if (!fw) {
        return;
    }
    lim_tab_free(fw->ext);
    lim_tab_free(fw->tenant);
    lim_tab_free(fw->susp);
    free(fw);
}

/* ---- windows ------------------------------------------------------------- */

static uint32_t rel_s(const struct limits_fraud *fw, uint64_t now_ms)
{
    uint64_t rel = now_ms > fw->base_ms ? now_ms - fw->base_ms : 0;
    return (uint32_t)(rel / 1000);
}

/* Move a window's ring to 'slot', clearing the slots it passes. */
static void win_advance(struct fr_win *w, uint32_t slot)
{
    if (slot <= w->head) {
        return; /* same slot (a clock going back counts into the newest) */
    }
    uint32_t gap = slot - w->head;
    if (gap >= SLOTS) {
        memset(w->intl, 0, sizeof(w->intl));
        memset(w->ooh, 0, sizeof(w->ooh));
    } else {
        for (uint32_t i = 1; i <= gap; i++) {
            w->intl[(w->head + i) % SLOTS] = 0;
            w->ooh[(w->head + i) % SLOTS] = 0;
        }
    }
    w->head = slot;
}

static uint32_t ring_sum(const uint16_t *v)
{
    uint32_t sum = 0;
    for (unsigned i = 0; i < SLOTS; i++) {
        sum += v[i];
    }
    return sum;
}

static void sat_inc(uint16_t *v)
{
    if (*v < UINT16_MAX) {
        (*v)++;
    }
}

static void dest_note(struct fr_ent *e, unsigned cap, uint32_t h,
                      uint32_t now_s)
{
    unsigned oldest = 0;
    for (unsigned i = 0; i < e->n_dest; i++) {
        if (e->d[i].h == h) {
            e->d[i].seen_s = now_s;
            return;
        }
        if (e->d[i].seen_s < e->d[oldest].seen_s) {
            oldest = i;
        }
    }
    unsigned at = e->n_dest < cap ? e->n_dest++ : oldest;
    e->d[at].h = h;
    e->d[at].seen_s = now_s;
}

static uint32_t dest_count(const struct fr_ent *e, uint32_t now_s,
                           uint32_t window_s)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < e->n_dest; i++) {
        if (now_s - e->d[i].seen_s < window_s) {
            n++;
        }
    }
    return n;
}

/* Counts of every metric and window of 'e' at now (after advancing). */
static void ent_counts(const struct limits_fraud *fw, struct fr_ent *e,
                       uint32_t now_s, uint32_t counts[WIN][NMET])
{
    for (unsigned w = 0; w < WIN; w++) {
        memset(counts[w], 0, sizeof(counts[w]));
        if (fw->slot_s[w] == 0) {
            continue;
        }
        win_advance(&e->w[w], now_s / fw->slot_s[w]);
        counts[w][LIMITS_FRAUD_INTL] = ring_sum(e->w[w].intl);
        counts[w][LIMITS_FRAUD_OOH] = ring_sum(e->w[w].ooh);
        counts[w][LIMITS_FRAUD_DEST] = dest_count(e, now_s, fw->s.window_s[w]);
    }
}

/* ---- recording ----------------------------------------------------------- */

/* What one scope's check found. */
struct scope_eval {
    bool crit;                        /* some metric at/over critical */
    struct limits_fraud_alert crit_a; /* the first such */
    size_t n_crit;
    struct limits_fraud_alert crits[WIN * NMET];
};

static void alert_fill(struct limits_fraud_alert *a,
                       const struct limits_fraud *fw,
                       enum limits_fraud_level level,
                       enum limits_fraud_scope scope, unsigned w, unsigned m,
                       uint32_t count, uint32_t threshold)
{
    a->level = level;
    a->scope = scope;
    a->metric = (enum limits_fraud_metric)m;
    a->window = w;
    a->window_s = fw->s.window_s[w];
    a->count = count;
    a->threshold = threshold;
}

/* Count the call on one entry, then compare with the thresholds. */
static void scope_record(struct limits_fraud *fw, struct lim_tab *tab,
                         const struct lim_key *k, unsigned dest_cap,
                         enum limits_fraud_scope scope,
                         const struct limits_fraud_call *call, uint32_t dest_h,
                         struct scope_eval *ev, struct limits_fraud_result *out)
{
    const struct limits_fraud_policy *pol =
        call->policy ? call->policy : &fw->s.policy;
    uint32_t now_s = rel_s(fw, call->now_ms);
    uint32_t counts[WIN][NMET];
    unsigned sh = lim_tab_shard_of(tab, k);
    lim_tab_lock(tab, sh);
    struct fr_ent *e = lim_tab_get(tab, sh, k, true, NULL);
    SW_ASSERT(e != NULL); /* evicting tables always make room */
    for (unsigned w = 0; w < WIN; w++) {
        if (fw->slot_s[w] == 0) {
            continue;
        }
        struct fr_win *win = &e->w[w];
        win_advance(win, now_s / fw->slot_s[w]);
        if (call->is_international) {
            sat_inc(&win->intl[win->head % SLOTS]);
        }
        if (call->is_outside_hours) {
            sat_inc(&win->ooh[win->head % SLOTS]);
        }
    }
    if (call->dest.len > 0) {
        dest_note(e, dest_cap, dest_h, now_s);
    }
    ent_counts(fw, e, now_s, counts);
    for (unsigned w = 0; w < WIN; w++) {
        if (fw->slot_s[w] == 0) {
            continue;
        }
        for (unsigned m = 0; m < NMET; m++) {
            struct limits_fraud_thr t = pol->thr[scope][w][m];
            if (m == LIMITS_FRAUD_DEST) {
                t.warn = SW_MIN(t.warn, dest_cap);
                t.crit = SW_MIN(t.crit, dest_cap);
            }
            uint32_t c = counts[w][m];
            uint8_t bit = (uint8_t)(1u << m);
            if (t.crit && c >= t.crit) {
                e->w[w].warned |= bit; /* the critical alert covers it */
                alert_fill(&ev->crits[ev->n_crit++], fw, LIMITS_FRAUD_CRITICAL,
                           scope, w, m, c, t.crit);
                ev->crit = true;
            } else if (t.warn && c >= t.warn) {
                if (!(e->w[w].warned & bit)) {
                    e->w[w].warned |= bit;
                    alert_fill(&out->alerts[out->n_alerts++], fw,
                               LIMITS_FRAUD_WARNING, scope, w, m, c, t.warn);
                }
            } else {
                e->w[w].warned &= (uint8_t)~bit;
            }
        }
    }
    lim_tab_unlock(tab, sh);
    if (ev->crit) {
        ev->crit_a = ev->crits[0];
    }
}

static struct lim_key susp_key(int64_t tenant_id, int64_t user_id)
{
    struct lim_key k = { .kind = KIND_SUSP,
                         .a = (uint64_t)tenant_id,
                         .b = (uint64_t)user_id };
    return k;
}

/* Insert a suspension: 0, -EEXIST or -ENOSPC. */
static int susp_add(struct limits_fraud *fw, int64_t tenant_id, int64_t user_id,
                    const struct fr_susp *v)
{
    struct lim_key k = susp_key(tenant_id, user_id);
    unsigned sh = lim_tab_shard_of(fw->susp, &k);
    bool created = false;
    lim_tab_lock(fw->susp, sh);
    struct fr_susp *p = lim_tab_get(fw->susp, sh, &k, true, &created);
    if (created) {
        *p = *v;
        atomic_fetch_add(&fw->n_susp, 1);
    }
    lim_tab_unlock(fw->susp, sh);
    return created ? 0 : (p ? -EEXIST : -ENOSPC);
}

/* Suspend for a critical crossing; true when this call made it. */
static bool suspend_for(struct limits_fraud *fw, int64_t tenant_id,
                        int64_t user_id, const struct limits_fraud_call *call,
                        const struct limits_fraud_alert *a)
{
    struct fr_susp v = { .since_wall_s = call->wall_s,
                         .scope = (uint32_t)a->scope,
                         .metric = (uint32_t)a->metric,
                         .window_s = a->window_s,
                         .count = a->count,
                         .threshold = a->threshold };
    int rc = susp_add(fw, tenant_id, user_id, &v);
    if (rc == -ENOSPC) {
        atomic_fetch_add_explicit(&fw->susp_refused, 1, memory_order_relaxed);
    }
    if (rc == 0) {
        atomic_fetch_add_explicit(&fw->suspensions, 1, memory_order_relaxed);
    }
    return rc == 0;
}

static void crits_append(struct limits_fraud_result *out,
                         const struct scope_eval *ev)
{
    for (size_t i = 0; i < ev->n_crit; i++) {
        out->alerts[out->n_alerts++] = ev->crits[i];
    }
}

enum limits_fraud_level
limits_fraud_record(struct limits_fraud *fw,
                    const struct limits_fraud_call *call,
                    struct limits_fraud_result *out)
{
    struct limits_fraud_result dummy;
    if (!out) {
        out = &dummy;
    }
    memset(out, 0, sizeof(*out));
    if (call->tenant_id < 1 || call->user_id < 1
        || (call->dest.len > 0 && !call->dest.p)) {
        return LIMITS_FRAUD_NONE;
    }
    atomic_fetch_add_explicit(&fw->recorded, 1, memory_order_relaxed);
    uint32_t h = 0;
    if (call->dest.len > 0) {
        h = (uint32_t)lim_tab_hash_bytes(fw->ext, call->dest.p, call->dest.len);
    }
    struct scope_eval ev_ext = { 0 }, ev_ten = { 0 };
    struct lim_key ke = { .kind = KIND_EXT,
                          .a = (uint64_t)call->tenant_id,
                          .b = (uint64_t)call->user_id };
    struct lim_key kt = { .kind = KIND_TENANT, .a = (uint64_t)call->tenant_id };
    scope_record(fw, fw->ext, &ke, LIMITS_FRAUD_EXT_DEST_CAP,
                 LIMITS_FRAUD_SCOPE_EXT, call, h, &ev_ext, out);
    scope_record(fw, fw->tenant, &kt, LIMITS_FRAUD_TENANT_DEST_CAP,
                 LIMITS_FRAUD_SCOPE_TENANT, call, h, &ev_ten, out);
    size_t n_warn = out->n_alerts;
    if (n_warn) {
        atomic_fetch_add_explicit(&fw->warnings, n_warn, memory_order_relaxed);
        out->level = LIMITS_FRAUD_WARNING;
    }
    if (ev_ext.crit) {
        out->level = LIMITS_FRAUD_CRITICAL;
        out->ext_suspended_now = suspend_for(fw, call->tenant_id, call->user_id,
                                             call, &ev_ext.crit_a);
        if (out->ext_suspended_now) {
            crits_append(out, &ev_ext);
        }
    }
    if (ev_ten.crit) {
        out->level = LIMITS_FRAUD_CRITICAL;
        out->tenant_suspended_now =
            suspend_for(fw, call->tenant_id, 0, call, &ev_ten.crit_a);
        if (out->tenant_suspended_now) {
            crits_append(out, &ev_ten);
        }
    }
    return out->level;
}

/* ---- suspensions --------------------------------------------------------- */

static bool susp_has(struct limits_fraud *fw, int64_t tenant_id,
                     int64_t user_id)
{
    struct lim_key k = susp_key(tenant_id, user_id);
    unsigned sh = lim_tab_shard_of(fw->susp, &k);
    lim_tab_lock(fw->susp, sh);
    bool found = lim_tab_peek(fw->susp, sh, &k) != NULL;
    lim_tab_unlock(fw->susp, sh);
    return found;
}

bool limits_fraud_is_suspended(struct limits_fraud *fw, int64_t tenant_id,
                               int64_t user_id)
{
    if (atomic_load_explicit(&fw->n_susp, memory_order_acquire) == 0) {
        return false;
    }
    return susp_has(fw, tenant_id, 0)
           || (user_id != 0 && susp_has(fw, tenant_id, user_id));
}

int limits_fraud_suspend(struct limits_fraud *fw,
                         const struct limits_fraud_susp *s)
{
    if (s->tenant_id < 1 || s->user_id < 0) {
        return -EINVAL;
    }
    struct fr_susp v = { .since_wall_s = s->since_wall_s,
                         .scope = (uint32_t)s->scope,
                         .metric = (uint32_t)s->metric,
                         .window_s = s->window_s,
                         .count = s->count,
                         .threshold = s->threshold };
    return susp_add(fw, s->tenant_id, s->user_id, &v);
}

int limits_fraud_lift(struct limits_fraud *fw, int64_t tenant_id,
                      int64_t user_id)
{
    struct lim_key k = susp_key(tenant_id, user_id);
    unsigned sh = lim_tab_shard_of(fw->susp, &k);
    lim_tab_lock(fw->susp, sh);
    void *p = lim_tab_peek(fw->susp, sh, &k);
    if (p) {
        lim_tab_del(fw->susp, sh, p);
        atomic_fetch_sub(&fw->n_susp, 1);
    }
    lim_tab_unlock(fw->susp, sh);
    if (!p) {
        return -ENOENT;
    }
    /* Forget the counters too: the admin reviewed them. */
    struct lim_tab *tab = user_id ? fw->ext : fw->tenant;
    struct lim_key kc = { .kind = user_id ? KIND_EXT : KIND_TENANT,
                          .a = (uint64_t)tenant_id,
                          .b = (uint64_t)user_id };
    sh = lim_tab_shard_of(tab, &kc);
    lim_tab_lock(tab, sh);
    void *e = lim_tab_peek(tab, sh, &kc);
    if (e) {
        lim_tab_del(tab, sh, e);
    }
    lim_tab_unlock(tab, sh);
    return 0;
}

struct list_ctx {
    struct limits_fraud_susp *out;
    size_t cap;
    size_t n;
};

static bool list_visit(void *ud, const struct lim_key *k, void *p)
{
    struct list_ctx *lc = ud;
    const struct fr_susp *v = p;
    if (lc->n < lc->cap) {
        struct limits_fraud_susp *s = &lc->out[lc->n];
        memset(s, 0, sizeof(*s));
        s->tenant_id = (int64_t)k->a;
        s->user_id = (int64_t)k->b;
        s->since_wall_s = v->since_wall_s;
        s->scope = (enum limits_fraud_scope)v->scope;
        s->metric = (enum limits_fraud_metric)v->metric;
        s->window_s = v->window_s;
        s->count = v->count;
        s->threshold = v->threshold;
    }
    lc->n++;
    return false;
}

size_t limits_fraud_list(struct limits_fraud *fw, struct limits_fraud_susp *out,
                         size_t cap)
{
    struct list_ctx lc = { .out = out, .cap = out ? cap : 0, .n = 0 };
    lim_tab_foreach(fw->susp, list_visit, &lc);
    return lc.n;
}

int limits_fraud_peek(struct limits_fraud *fw, int64_t tenant_id,
                      int64_t user_id, uint64_t now_ms,
                      struct limits_fraud_counts *out)
{
    struct lim_tab *tab = user_id ? fw->ext : fw->tenant;
    struct lim_key k = { .kind = user_id ? KIND_EXT : KIND_TENANT,
                         .a = (uint64_t)tenant_id,
                         .b = (uint64_t)user_id };
    unsigned sh = lim_tab_shard_of(tab, &k);
    lim_tab_lock(tab, sh);
    const struct fr_ent *e = lim_tab_peek(tab, sh, &k);
    if (e) {
        /* Advance a copy of the rings: looking changes nothing. */
        struct fr_ent copy;
        memcpy(&copy, e, sizeof(copy));
        uint32_t now_s = rel_s(fw, now_ms);
        for (unsigned w = 0; w < WIN; w++) {
            memset(out->count[w], 0, sizeof(out->count[w]));
            if (fw->slot_s[w] == 0) {
                continue;
            }
            win_advance(&copy.w[w], now_s / fw->slot_s[w]);
            out->count[w][LIMITS_FRAUD_INTL] = ring_sum(copy.w[w].intl);
            out->count[w][LIMITS_FRAUD_OOH] = ring_sum(copy.w[w].ooh);
            out->count[w][LIMITS_FRAUD_DEST] =
                dest_count(e, now_s, fw->s.window_s[w]);
        }
    }
    lim_tab_unlock(tab, sh);
    return e ? 0 : -ENOENT;
}

void limits_fraud_stats(struct limits_fraud *fw, struct limits_fraud_stats *out)
{
    struct lim_tab_stats se, st, ss;
    lim_tab_stats(fw->ext, &se);
    lim_tab_stats(fw->tenant, &st);
    lim_tab_stats(fw->susp, &ss);
    memset(out, 0, sizeof(*out));
    out->n_ext = se.n_entries;
    out->n_tenant = st.n_entries;
    out->n_susp = ss.n_entries;
    out->evictions = se.evictions + st.evictions;
    out->recorded = atomic_load_explicit(&fw->recorded, memory_order_relaxed);
    out->warnings = atomic_load_explicit(&fw->warnings, memory_order_relaxed);
    out->suspensions =
        atomic_load_explicit(&fw->suspensions, memory_order_relaxed);
    out->susp_refused =
        atomic_load_explicit(&fw->susp_refused, memory_order_relaxed);
    out->mem_bytes = se.mem_bytes + st.mem_bytes + ss.mem_bytes + sizeof(*fw);
}
