/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Call limits (rate and concurrency per tenant, user or group, with an
 * optional time window), fraud thresholds, suspensions (listed and lifted
 * here; imposed by limits/ through the store) and the CDR listing with its
 * filters and paging. Enforcement is limits/'s and the proxy's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "ops/ops_int.h"
#include "store/store.h"

enum { CDR_PAGE_MAX = 1000, FRAUD_WINDOW_MAX_S = 30 * 86400 };

/* ------------------------------------------------------------------ */
/* Limits                                                               */
/* ------------------------------------------------------------------ */

static json_t *limit_json(const struct store_call_limit *l)
{
    json_t *win = json_null();
    if (l->has_window) {
        char a[6];
        char b[6];
        ops_fmt_hhmm(l->start_min, a);
        ops_fmt_hhmm(l->end_min, b);
        win = json_pack("{s:s, s:s}", "start", a, "end", b);
    }
    return json_pack(
        "{s:I, s:s, s:o, s:I, s:I, s:I, s:o}", "id", (json_int_t)l->id, "scope",
        store_limit_scope_name(l->scope), "target",
        l->scope == STORE_LIMIT_TENANT ? json_null()
                                       : ops_json_string(l->target),
        "calls", (json_int_t)l->calls, "period_s", (json_int_t)l->period_s,
        "max_concurrent", (json_int_t)l->max_concurrent, "window", win);
}

struct limit_find {
    int64_t id;
    struct store_call_limit l;
    bool found;
};

static int limit_find_cb(void *ud, const struct store_call_limit *l)
{
    struct limit_find *f = ud;
    if (l->id == f->id) {
        f->l = *l;
        f->found = true;
        return 1;
    }
    return 0;
}

int ops_limit_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain",   "ext",
                                           "group",    "calls",
                                           "period_s", "max_concurrent",
                                           "window",   NULL };
    struct store_tenant t;
    struct store_call_limit l = { .scope = STORE_LIMIT_TENANT };
    const char *ext = NULL;
    const char *group = NULL;
    const char *window = NULL;
    bool have_calls = false;
    bool have_period = false;
    bool have_conc = false;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "ext", false, &ext, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "group", false, &group, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "window", false, &window, resp);
    }
    if (rc == 0) {
        rc =
            ops_get_uint(req, "calls", 1, 1000000, &l.calls, &have_calls, resp);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "period_s", 1, 86400, &l.period_s, &have_period,
                          resp);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "max_concurrent", 1, 100000, &l.max_concurrent,
                          &have_conc, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (ext && group) {
        return ops_fail(resp, -EINVAL, NULL, "group",
                        "give ext or group, not both");
    }
    if (have_calls != have_period) {
        return ops_fail(resp, -EINVAL, NULL, have_calls ? "period_s" : "calls",
                        "calls and period_s go together (5 calls per 1 s: "
                        "calls 5, period_s 1)");
    }
    if (!have_calls && !have_conc) {
        return ops_fail(resp, -EINVAL, NULL, "calls",
                        "give calls and period_s, max_concurrent, or both");
    }
    if (window) {
        char a[8] = "";
        char b[8] = "";
        const char *dash = strchr(window, '-');
        int s = -1;
        int e = -1;
        if (dash && (size_t)(dash - window) < sizeof(a)
            && strlen(dash + 1) < sizeof(b)) {
            memcpy(a, window, (size_t)(dash - window));
            memcpy(b, dash + 1, strlen(dash + 1) + 1);
            s = ops_parse_hhmm(a);
            e = ops_parse_hhmm(b);
        }
        if (s < 0 || e < 0 || s == e || s == 1440) {
            return ops_fail(resp, -EINVAL, NULL, "window",
                            "window must be HH:MM-HH:MM (it may wrap past "
                            "midnight)");
        }
        l.has_window = true;
        l.start_min = (uint32_t)s;
        l.end_min = (uint32_t)(e == 0 ? 1440 : e);
    }
    l.tenant_id = t.id;
    if (ext) {
        struct store_user u;
        rc = ops_user_lookup(ctx, &t, ext, "ext", &u, resp);
        if (rc != 0) {
            return rc;
        }
        l.scope = STORE_LIMIT_USER;
        l.target_id = u.id;
    } else if (group) {
        struct store_group g;
        rc = store_group_find(ctx->st, t.id, group, &g);
        if (rc < 0) {
            return ops_fail_store(ctx, resp, rc, "group");
        }
        l.scope = STORE_LIMIT_GROUP;
        l.target_id = g.id;
    }
    struct limit_find f = { 0 };
    rc = store_limit_set(ctx->st, &l, &f.id);
    if (rc == 0) {
        rc = store_limit_list(ctx->st, t.id, limit_find_cb, &f);
        rc = rc == 1 ? 0 : rc;
    }
    if (rc < 0 || !f.found) {
        return ops_fail_store(ctx, resp, rc < 0 ? rc : -EIO, "calls");
    }
    ops_notify_change(ctx, "limit.set", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "limit", limit_json(&f.l));
}

static int limit_cb(void *ud, const struct store_call_limit *l)
{
    json_t *o = limit_json(l);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static int fill_limit(struct store *st, int64_t tenant_id, json_t *arr)
{
    return store_limit_list(st, tenant_id, limit_cb, arr);
}

int ops_limit_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ops_tenant_list(ctx, req, resp, fill_limit, "limits");
}

int ops_limit_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ops_tenant_rm_id(ctx, req, resp, store_limit_rm, "limit.rm");
}

/* ------------------------------------------------------------------ */
/* Fraud thresholds                                                     */
/* ------------------------------------------------------------------ */

static json_t *fraud_json(const struct store_fraud_rule *f)
{
    return json_pack("{s:I, s:o, s:s, s:I, s:I, s:I}", "id", (json_int_t)f->id,
                     "ext", f->ext[0] ? ops_json_string(f->ext) : json_null(),
                     "metric", store_fraud_metric_name(f->metric), "window_s",
                     (json_int_t)f->window_s, "warning", (json_int_t)f->warning,
                     "critical", (json_int_t)f->critical);
}

int ops_fraud_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain",   "ext",     "metric",
                                           "window_s", "warning", "critical",
                                           NULL };
    struct store_tenant t;
    struct store_fraud_rule f = { 0 };
    const char *ext = NULL;
    const char *metric = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "ext", false, &ext, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "metric", true, &metric, resp);
    }
    if (rc == 0) {
        enum store_fraud_metric m;
        if (store_fraud_metric_parse(metric, &m) != 0) {
            rc = ops_fail(resp, -EINVAL, NULL, "metric",
                          "metric must be international, destinations or "
                          "after_hours");
        }
        f.metric = m;
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "window_s", 1, FRAUD_WINDOW_MAX_S, &f.window_s,
                          NULL, resp);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "warning", 1, 1000000, &f.warning, NULL, resp);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "critical", 1, 1000000, &f.critical, NULL, resp);
    }
    if (rc == 0 && f.critical < f.warning) {
        rc = ops_fail(resp, -EINVAL, NULL, "critical",
                      "critical (%u) must not be below warning (%u)",
                      (unsigned)f.critical, (unsigned)f.warning);
    }
    if (rc == 0 && ext) {
        struct store_user u;
        rc = ops_user_lookup(ctx, &t, ext, "ext", &u, resp);
        f.user_id = u.id;
        snprintf(f.ext, sizeof(f.ext), "%s", u.ext);
    }
    if (rc != 0) {
        return rc;
    }
    f.tenant_id = t.id;
    rc = store_fraud_set(ctx->st, &f, &f.id);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "metric");
    }
    ops_notify_change(ctx, "fraud.set", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "fraud_rule", fraud_json(&f));
}

static int fraud_cb(void *ud, const struct store_fraud_rule *f)
{
    json_t *o = fraud_json(f);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static int fill_fraud(struct store *st, int64_t tenant_id, json_t *arr)
{
    return store_fraud_list(st, tenant_id, fraud_cb, arr);
}

int ops_fraud_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ops_tenant_list(ctx, req, resp, fill_fraud, "fraud_rules");
}

int ops_fraud_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ops_tenant_rm_id(ctx, req, resp, store_fraud_rm, "fraud.rm");
}

/* ------------------------------------------------------------------ */
/* Suspensions                                                          */
/* ------------------------------------------------------------------ */

static int susp_cb(void *ud, const struct store_suspension *s)
{
    char user[STORE_EXT_MAX + STORE_DOMAIN_MAX + 2];
    snprintf(user, sizeof(user), "%s@%s", s->ext, s->domain);
    json_t *o =
        json_pack("{s:I, s:o, s:I, s:o, s:o}", "id", (json_int_t)s->id, "user",
                  ops_json_string(user), "since", (json_int_t)s->since,
                  "reason", ops_json_string(s->reason), "lifted_at",
                  s->lifted_at ? json_integer(s->lifted_at) : json_null());
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

int ops_suspend_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "all", NULL };
    struct store_tenant t = { 0 };
    const char *domain = NULL;
    bool all = false;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "domain", false, &domain, resp);
    }
    if (rc == 0 && domain) {
        rc = ops_tenant_lookup(ctx, domain, "domain", &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_bool(req, "all", &all, NULL, resp);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *arr = json_array();
    if (!arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_suspension_list(ctx->st, t.id, !all, susp_cb, arr);
    if (rc < 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, "suspensions", arr);
}

int ops_suspend_lift(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "user", NULL };
    struct store_tenant t;
    struct store_user u;
    const char *user = NULL;
    char ext[STORE_EXT_MAX + 1];
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "user", true, &user, resp);
    }
    if (rc != 0) {
        return rc;
    }
    const char *at = strchr(user, '@');
    size_t n = at ? (size_t)(at - user) : 0;
    if (!at || n == 0 || n > STORE_EXT_MAX) {
        return ops_fail(resp, -EINVAL, NULL, "user",
                        "user must have the form EXT@DOMAIN");
    }
    memcpy(ext, user, n);
    ext[n] = '\0';
    rc = ops_tenant_lookup(ctx, at + 1, "user", &t, resp);
    if (rc == 0) {
        rc = ops_user_lookup(ctx, &t, ext, "user", &u, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_suspension_lift(ctx->st, u.id, clock_wall_s(ctx->clock));
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "user");
    }
    ops_notify_change(ctx, "suspend.lift", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "user", ops_json_string(user));
}

/* ------------------------------------------------------------------ */
/* CDRs                                                                 */
/* ------------------------------------------------------------------ */

struct cdr_walk {
    json_t *arr;
    struct ops_ctx *ctx;
};

static int cdr_cb(void *ud, const struct store_cdr *c)
{
    struct cdr_walk *w = ud;
    json_t *o = json_pack(
        "{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:I, s:o, s:I, s:I, "
        "s:I}",
        "id", (json_int_t)c->id, "caller", ops_json_string(c->caller), "callee",
        ops_json_string(c->callee), "dialed", ops_json_string(c->dialed),
        "class", ops_json_string(c->class_), "country_code",
        ops_json_string(c->country_code), "rule", ops_json_string(c->rule),
        "trunk", ops_json_string(c->trunk), "result",
        store_cdr_result_name(c->result), "status", (json_int_t)c->status,
        "reason", ops_json_string(c->reason), "start_ms",
        (json_int_t)c->start_ms, "answer_ms", (json_int_t)c->answer_ms,
        "end_ms", (json_int_t)c->end_ms);
    if (!o || json_array_append_new(w->arr, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

/* Optional time member in unix seconds (integer) into ms. */
static int get_time_ms(const json_t *req, const char *key, int64_t *ms,
                       json_t **resp)
{
    json_t *v = json_object_get(req, key);
    if (!v || json_is_null(v)) {
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0
        || json_integer_value(v) > ((json_int_t)1 << 40)) {
        return ops_fail(resp, -EINVAL, NULL, key,
                        "%s must be a time in unix seconds", key);
    }
    *ms = (int64_t)json_integer_value(v) * 1000;
    return 0;
}

int ops_cdr_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "user",  "from",   "to",
                                           "result", "limit", "offset", NULL };
    struct store_tenant t = { 0 };
    struct store_cdr_query q = { .result = -1, .limit = 100 };
    const char *domain = NULL;
    const char *result = NULL;
    bool have = false;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "domain", false, &domain, resp);
    }
    if (rc == 0 && domain) {
        rc = ops_tenant_lookup(ctx, domain, "domain", &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "user", false, &q.user, resp);
    }
    if (rc == 0) {
        rc = get_time_ms(req, "from", &q.from_ms, resp);
    }
    if (rc == 0) {
        rc = get_time_ms(req, "to", &q.to_ms, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "result", false, &result, resp);
    }
    if (rc == 0 && result) {
        enum store_cdr_result r;
        if (store_cdr_result_parse(result, &r) != 0) {
            rc = ops_fail(resp, -EINVAL, NULL, "result",
                          "result must be answered, refused, failed or "
                          "cancelled");
        }
        q.result = (int)r;
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "limit", 1, CDR_PAGE_MAX, &q.limit, &have, resp);
        if (!have) {
            q.limit = 100;
        }
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "offset", 0, UINT32_MAX, &q.offset, &have, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (q.user && strlen(q.user) > STORE_PATTERN_MAX) {
        return ops_fail(resp, -EINVAL, NULL, "user",
                        "user is longer than %d characters", STORE_PATTERN_MAX);
    }
    q.tenant_id = t.id;
    uint64_t total = 0;
    struct cdr_walk w = { json_array(), ctx };
    if (!w.arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_cdr_list(ctx->st, &q, cdr_cb, &w, &total);
    if (rc < 0) {
        json_decref(w.arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    if (ops_ok_with(resp, "cdrs", w.arr) < 0
        || ops_set(resp, "total", json_integer((json_int_t)total)) < 0
        || ops_set(resp, "limit", json_integer(q.limit)) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "offset", json_integer(q.offset));
}
