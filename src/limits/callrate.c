/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Call frequency buckets as GCRA (generic cell rate algorithm): each
 * extension holds one theoretical arrival time (TAT) in microseconds of
 * the caller's monotonic clock. A rule of N calls per P allows a call at
 * 'now' when TAT - now <= (N - 1) * T, T = P / N rounded up, and moves
 * TAT to max(TAT, now) + T: a bucket of N tokens refilled one per T, in
 * integers, one word of state. A bucket lets N + P/T calls through in a
 * window of length P, though, so rules of at most
 * LIMITS_CALLRATE_EXACT_MAX calls (the default 5 per 1 s among them) keep
 * instead the times of their last N calls and allow a call only when the
 * oldest of them is at least P old: exactly "at most N in any P". Rules
 * are kept sorted by (tenant, scope,
 * subject) so finding an extension's rule is a few binary searches.
 */
#include "limits/callrate.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "limits/table_int.h"

#define KIND_EXT 1u
#define US_PER_S 1000000ull

struct cr_rule {
    int64_t tenant_id;
    int64_t subject_id;
    uint32_t scope; /* enum limits_scope */
    uint32_t id;
    uint32_t calls; /* 0: unlimited */
    uint32_t period_s;
    uint64_t t_us;   /* emission interval T */
    uint64_t tau_us; /* (calls - 1) * T */
    uint16_t from_min;
    uint16_t to_min;
    uint8_t weekdays;
    bool timed; /* a time window or a weekday restriction */
};

struct limits_callrate_rules {
    size_t n;
    struct cr_rule *rules; /* sorted by (tenant, scope, subject, id) */
    struct cr_rule dflt;   /* id 0, scope DEFAULT */
};

/* State of one extension. */
struct cr_bucket {
    uint64_t last_us; /* GCRA: arrival time; log: newest call (us) */
    uint32_t rule_id; /* rule the state belongs to ... */
    uint32_t calls;   /* ... with these parameters (a reload may edit) */
    uint32_t period_s;
    uint16_t head; /* log: slot of the oldest call once full */
    uint16_t n;    /* log: calls held, <= calls */
    uint32_t t_ms[LIMITS_CALLRATE_EXACT_MAX]; /* log: call times, ms mod
                                               * 2^32 of the caller's clock */
};

struct limits_callrate {
    struct lim_tab *tab;
    _Atomic uint64_t allowed;
    _Atomic uint64_t refused;
};

/* ---- rules --------------------------------------------------------------- */

static int rate_check(uint32_t calls, uint32_t period_s)
{
    if (calls > LIMITS_CALLRATE_MAX_CALLS || period_s == 0
        || period_s > LIMITS_CALLRATE_MAX_PERIOD_S) {
        return -EINVAL;
    }
    return 0;
}

static void rate_set(struct cr_rule *r, uint32_t calls, uint32_t period_s)
{
    r->calls = calls;
    r->period_s = period_s;
    if (calls == 0) {
        r->t_us = 0;
        r->tau_us = 0;
        return;
    }
    uint64_t p_us = (uint64_t)period_s * US_PER_S;
    r->t_us = (p_us + calls - 1) / calls;
    r->tau_us = (uint64_t)(calls - 1) * r->t_us;
}

static int rule_check(const struct limits_callrate_rule *in,
                      struct cr_rule *out)
{
    if (in->id == 0 || in->tenant_id < 1
        || rate_check(in->calls, in->period_s) != 0 || in->from_min >= 1440
        || in->to_min >= 1440 || in->weekdays > 0x7f) {
        return -EINVAL;
    }
    switch (in->scope) {
    case LIMITS_SCOPE_TENANT:
        if (in->subject_id != 0) {
            return -EINVAL;
        }
        break;
    case LIMITS_SCOPE_GROUP:
    case LIMITS_SCOPE_USER:
        if (in->subject_id < 1) {
            return -EINVAL;
        }
        break;
    default:
        return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    out->tenant_id = in->tenant_id;
    out->subject_id = in->subject_id;
    out->scope = (uint32_t)in->scope;
    out->id = in->id;
    rate_set(out, in->calls, in->period_s);
    out->from_min = in->from_min;
    out->to_min = in->to_min;
    out->weekdays = in->weekdays == 0x7f ? 0 : in->weekdays;
    out->timed = out->from_min != out->to_min || out->weekdays != 0;
    return 0;
}

static int key_cmp(int64_t ta, uint32_t sa, int64_t ja, const struct cr_rule *b)
{
    if (ta != b->tenant_id) {
        return ta < b->tenant_id ? -1 : 1;
    }
    if (sa != b->scope) {
        return sa < b->scope ? -1 : 1;
    }
    if (ja != b->subject_id) {
        return ja < b->subject_id ? -1 : 1;
    }
    return 0;
}

static int rule_cmp(const void *pa, const void *pb)
{
    const struct cr_rule *a = pa, *b = pb;
    int c = key_cmp(a->tenant_id, a->scope, a->subject_id, b);
    if (c != 0) {
        return c;
    }
    return a->id < b->id ? -1 : (a->id > b->id ? 1 : 0);
}

static int id_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : (a > b ? 1 : 0);
}

int limits_callrate_rules_new(const struct limits_callrate_rule *rules,
                              size_t n, uint32_t default_calls,
                              uint32_t default_period_s,
                              struct limits_callrate_rules **out,
                              size_t *bad_index)
{
    size_t dummy;
    if (!bad_index) {
        bad_index = &dummy;
    }
    if (n > LIMITS_CALLRATE_MAX_RULES) {
        return -E2BIG;
    }
    if (rate_check(default_calls, default_period_s) != 0) {
        *bad_index = n;
        return -EINVAL;
    }
    struct limits_callrate_rules *rs = calloc(1, sizeof(*rs));
    if (!rs) {
        return -ENOMEM;
    }
    rs->rules = calloc(n ? n : 1, sizeof(*rs->rules));
    uint32_t *ids = calloc(n ? n : 1, sizeof(*ids));
    if (!rs->rules || !ids) {
        free(ids);
        limits_callrate_rules_free(rs);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (rule_check(&rules[i], &rs->rules[i]) != 0) {
            *bad_index = i;
            free(ids);
            limits_callrate_rules_free(rs);
            return -EINVAL;
        }
        ids[i] = rules[i].id;
    }
    qsort(ids, n, sizeof(*ids), id_cmp);
    for (size_t i = 1; i < n; i++) {
        if (ids[i] == ids[i - 1]) {
            /* Report the second rule carrying the id, in given order. */
            size_t seen = 0;
            for (size_t j = 0; j < n; j++) {
                if (rules[j].id == ids[i] && seen++ == 1) {
                    *bad_index = j;
                }
            }
            free(ids);
            limits_callrate_rules_free(rs);
            return -EEXIST;
        }
    }
    free(ids);
    qsort(rs->rules, n, sizeof(*rs->rules), rule_cmp);
    rs->n = n;
    rs->dflt.scope = LIMITS_SCOPE_DEFAULT;
    rate_set(&rs->dflt, default_calls, default_period_s);
    *out = rs;
    return 0;
}

void limits_callrate_rules_free(struct limits_callrate_rules *rs)
{
    if (!rs) {
        return;
    }
    free(rs->rules);
    free(rs);
}

/* Does 'r' apply at this local minute and weekday? */
static bool rule_active(const struct cr_rule *r, unsigned min, unsigned wday)
{
    unsigned day = wday;
    if (r->from_min < r->to_min) {
        if (min < r->from_min || min >= r->to_min) {
            return false;
        }
    } else if (r->from_min > r->to_min) {
        if (min < r->to_min) {
            day = (wday + 6) % 7; /* after midnight: the window's start day */
        } else if (min < r->from_min) {
            return false;
        }
    }
    return r->weekdays == 0 || (r->weekdays & (1u << day)) != 0;
}

/* Is 'a' a better (more specific, then stricter) choice than 'b'? */
static bool rule_better(const struct cr_rule *a, const struct cr_rule *b)
{
    if (!b) {
        return true;
    }
    if (a->timed != b->timed) {
        return a->timed;
    }
    if (a->calls != 0 && b->calls == 0) {
        return true;
    }
    if (a->calls == 0 || b->calls == 0) {
        return b->calls == 0 && a->calls == 0 && a->id < b->id;
    }
    /* Lower sustained rate: calls_a / period_a < calls_b / period_b. */
    uint64_t ra = (uint64_t)a->calls * b->period_s;
    uint64_t rb = (uint64_t)b->calls * a->period_s;
    if (ra != rb) {
        return ra < rb;
    }
    if (a->calls != b->calls) {
        return a->calls < b->calls; /* smaller burst */
    }
    return a->id < b->id;
}

/* The best active rule among those of (tenant, scope, subject), or best. */
static const struct cr_rule *best_of(const struct limits_callrate_rules *rs,
                                     int64_t tenant, uint32_t scope,
                                     int64_t subject, unsigned min,
                                     unsigned wday, const struct cr_rule *best)
{
    size_t lo = 0, hi = rs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(tenant, scope, subject, &rs->rules[mid]) > 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (size_t i = lo;
         i < rs->n && key_cmp(tenant, scope, subject, &rs->rules[i]) == 0;
         i++) {
        const struct cr_rule *r = &rs->rules[i];
        if (rule_active(r, min, wday) && rule_better(r, best)) {
            best = r;
        }
    }
    return best;
}

static bool req_valid(const struct limits_callrate_req *req)
{
    return req->tenant_id >= 1 && req->user_id >= 1 && req->minute_of_day < 1440
           && req->weekday < 7 && (req->group_ids || req->n_groups == 0);
}

static const struct cr_rule *rule_pick(const struct limits_callrate_rules *rs,
                                       const struct limits_callrate_req *req)
{
    unsigned min = req->minute_of_day, wday = req->weekday;
    const struct cr_rule *r = best_of(rs, req->tenant_id, LIMITS_SCOPE_USER,
                                      req->user_id, min, wday, NULL);
    if (r) {
        return r;
    }
    for (size_t g = 0; g < req->n_groups; g++) {
        r = best_of(rs, req->tenant_id, LIMITS_SCOPE_GROUP, req->group_ids[g],
                    min, wday, r);
    }
    if (r) {
        return r;
    }
    r = best_of(rs, req->tenant_id, LIMITS_SCOPE_TENANT, 0, min, wday, NULL);
    return r ? r : &rs->dflt;
}

static void result_fill(const struct cr_rule *r,
                        struct limits_callrate_result *out)
{
    out->rule_id = r->id;
    out->scope = (enum limits_scope)r->scope;
    out->calls = r->calls;
    out->period_s = r->period_s;
    out->retry_after_ms = 0;
}

int limits_callrate_rule_for(const struct limits_callrate_rules *rs,
                             const struct limits_callrate_req *req,
                             struct limits_callrate_result *out)
{
    if (!req_valid(req)) {
        return -EINVAL;
    }
    result_fill(rule_pick(rs, req), out);
    return 0;
}

/* ---- buckets ------------------------------------------------------------- */

int limits_callrate_new(size_t cap, struct limits_callrate **out)
{
    if (cap == 0) {
        cap = LIMITS_CALLRATE_DEFAULT_CAP;
    }
    struct limits_callrate *cr = calloc(1, sizeof(*cr));
    if (!cr) {
        return -ENOMEM;
    }
    int rc = lim_tab_new(cap, sizeof(struct cr_bucket), true, &cr->tab);
    if (rc != 0) {
        free(cr);
        return rc;
    }
    *out = cr;
    return 0;
}

void limits_callrate_free(struct limits_callrate *cr)
{
    if (!cr) {
        return;
    }
    lim_tab_free(cr->tab);
    free(cr);
}

/* GCRA: 0 and a token taken, or the wait until one is back (us). */
static uint64_t gcra_take(struct cr_bucket *b, const struct cr_rule *r,
                          uint64_t now_us)
{
    uint64_t cur = b->last_us > now_us ? b->last_us : now_us;
    uint64_t ahead = cur - now_us;
    if (ahead > r->tau_us) {
        b->last_us = cur;
        return ahead - r->tau_us;
    }
    b->last_us = cur + r->t_us;
    return 0;
}

/* Sliding log: 0 and the call noted, or the wait until the oldest of the
 * last 'calls' calls is a period old (us, at least 1). */
static uint64_t log_take(struct cr_bucket *b, const struct cr_rule *r,
                         uint64_t now_us)
{
    uint64_t p_us = (uint64_t)r->period_s * US_PER_S;
    /* Threads read the clock before the lock: never step back in time. */
    if (now_us < b->last_us) {
        now_us = b->last_us;
    }
    if (now_us - b->last_us >= p_us) {
        b->n = 0; /* every call held is a period old (and 32-bit times
                   * of a long-idle entry are not compared at all) */
        b->head = 0;
    }
    uint32_t now32 = (uint32_t)(now_us / 1000);
    if (b->n == r->calls) {
        /* Callers' clocks are in ms: the log keeps ms too. */
        uint64_t age_us = (uint64_t)(uint32_t)(now32 - b->t_ms[b->head]) * 1000;
        if (age_us < p_us) {
            return p_us - age_us;
        }
    }
    b->t_ms[b->head] = now32;
    b->head = (uint16_t)((b->head + 1) % r->calls);
    if (b->n < r->calls) {
        b->n++;
    }
    b->last_us = now_us;
    return 0;
}

enum limits_callrate_res limits_callrate_take(
    struct limits_callrate *cr, const struct limits_callrate_rules *rs,
    const struct limits_callrate_req *req, struct limits_callrate_result *out)
{
    struct limits_callrate_result dummy;
    if (!out) {
        out = &dummy;
    }
    memset(out, 0, sizeof(*out));
    if (!req_valid(req)) {
        atomic_fetch_add_explicit(&cr->refused, 1, memory_order_relaxed);
        return LIMITS_CALLRATE_REFUSE;
    }
    const struct cr_rule *r = rule_pick(rs, req);
    result_fill(r, out);
    if (r->calls == 0) {
        atomic_fetch_add_explicit(&cr->allowed, 1, memory_order_relaxed);
        return LIMITS_CALLRATE_ALLOW;
    }
    struct lim_key k = { .kind = KIND_EXT,
                         .a = (uint64_t)req->tenant_id,
                         .b = (uint64_t)req->user_id };
    uint64_t now_us = req->now_ms * 1000;
    unsigned sh = lim_tab_shard_of(cr->tab, &k);
    lim_tab_lock(cr->tab, sh);
    struct cr_bucket *b = lim_tab_get(cr->tab, sh, &k, true, NULL);
    SW_ASSERT(b != NULL); /* an evicting table always makes room */
    if (b->rule_id != r->id || b->calls != r->calls
        || b->period_s != r->period_s) {
        /* New extension, or a new rule for it: start with a full bucket. */
        memset(b, 0, sizeof(*b));
        b->rule_id = r->id;
        b->calls = r->calls;
        b->period_s = r->period_s;
        b->last_us = now_us;
    }
    uint64_t wait_us = r->calls <= LIMITS_CALLRATE_EXACT_MAX
                           ? log_take(b, r, now_us)
                           : gcra_take(b, r, now_us);
    enum limits_callrate_res res = LIMITS_CALLRATE_ALLOW;
    if (wait_us > 0) {
        uint64_t wait_ms = (wait_us + 999) / 1000;
        out->retry_after_ms =
            wait_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)wait_ms;
        res = LIMITS_CALLRATE_REFUSE;
    }
    lim_tab_unlock(cr->tab, sh);
    atomic_fetch_add_explicit(res == LIMITS_CALLRATE_ALLOW ? &cr->allowed
                                                           : &cr->refused,
                              1, memory_order_relaxed);
    return res;
}

int limits_callrate_forget(struct limits_callrate *cr, int64_t tenant_id,
                           int64_t user_id)
{
    struct lim_key k = { .kind = KIND_EXT,
                         .a = (uint64_t)tenant_id,
                         .b = (uint64_t)user_id };
    unsigned sh = lim_tab_shard_of(cr->tab, &k);
    lim_tab_lock(cr->tab, sh);
    void *p = lim_tab_peek(cr->tab, sh, &k);
    if (p) {
        lim_tab_del(cr->tab, sh, p);
    }
    lim_tab_unlock(cr->tab, sh);
    return p ? 0 : -ENOENT;
}

void limits_callrate_stats(struct limits_callrate *cr,
                           struct limits_callrate_stats *out)
{
    struct lim_tab_stats ts;
    lim_tab_stats(cr->tab, &ts);
    memset(out, 0, sizeof(*out));
    out->cap = ts.cap;
    out->n_entries = ts.n_entries;
    out->evictions = ts.evictions;
    out->mem_bytes = ts.mem_bytes + sizeof(*cr);
    out->allowed = atomic_load_explicit(&cr->allowed, memory_order_relaxed);
    out->refused = atomic_load_explicit(&cr->refused, memory_order_relaxed);
}
