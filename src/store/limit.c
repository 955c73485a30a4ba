/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Call limits, fraud thresholds and suspensions as stored. Counting and
 * deciding is limits/'s.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/calls_int.h"
#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* Call limits                                                          */
/* ------------------------------------------------------------------ */

static const char *const scope_names[] = {
    [STORE_LIMIT_TENANT] = "tenant",
    [STORE_LIMIT_USER] = "user",
    [STORE_LIMIT_GROUP] = "group",
};

const char *store_limit_scope_name(enum store_limit_scope sc)
{
    if ((unsigned)sc >= sizeof(scope_names) / sizeof(scope_names[0])) {
        return "unknown";
    }
    return scope_names[sc];
}

static int limit_check(struct store *st, const struct store_call_limit *l)
{
    if ((unsigned)l->scope > STORE_LIMIT_GROUP) {
        return store_fail(st, -EINVAL, "scope must be tenant, user or group");
    }
    if ((l->scope == STORE_LIMIT_TENANT) != (l->target_id == 0)) {
        return store_fail(st, -EINVAL,
                          "a tenant limit has no target; a user or group "
                          "limit needs one");
    }
    if (l->calls == 0 && l->max_concurrent == 0) {
        return store_fail(st, -EINVAL,
                          "a limit needs a call rate or a concurrent call "
                          "maximum");
    }
    if (l->calls > 0 && (l->period_s < 1 || l->period_s > 86400)) {
        return store_fail(st, -EINVAL, "period must be 1..86400 seconds");
    }
    if (l->calls > 1000000 || l->max_concurrent > 100000) {
        return store_fail(st, -EINVAL, "limit values are too large");
    }
    if (l->has_window
        && (l->start_min > 1439 || l->end_min < 1 || l->end_min > 1440
            || l->start_min == l->end_min)) {
        return store_fail(st, -EINVAL,
                          "window must be two different times within "
                          "00:00..24:00");
    }
    return 0;
}

int store_limit_set(struct store *st, const struct store_call_limit *l,
                    int64_t *id)
{
    struct store_tx tx;
    int64_t owner = 0;
    int rc = limit_check(st, l);
    if (rc == 0) {
        rc = store_tenant_check(st, l->tenant_id);
    }
    if (rc == 0 && l->scope == STORE_LIMIT_USER) {
        rc = store_user_tenant(st, l->target_id, &owner);
    } else if (rc == 0 && l->scope == STORE_LIMIT_GROUP) {
        rc = store_group_tenant(st, l->target_id, &owner);
    }
    if (rc == 0 && l->scope != STORE_LIMIT_TENANT && owner != l->tenant_id) {
        rc = store_fail(st, -EINVAL, "the limit's target is in another tenant");
    }
    if (rc < 0) {
        return rc;
    }
    int64_t uid = l->scope == STORE_LIMIT_USER ? l->target_id : 0;
    int64_t gid = l->scope == STORE_LIMIT_GROUP ? l->target_id : 0;
    rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_LIMIT_DEL_SAME,
        "DELETE FROM call_limits WHERE tenant_id = ?1 AND scope = ?2 AND "
        "user_id IS ?3 AND group_id IS ?4 AND start_min IS ?5 AND end_min IS "
        "?6");
    rc = s ? 0 : -EIO;
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        if (pass == 1) {
            s = store_stmt(st, STMT_LIMIT_ADD,
                           "INSERT INTO call_limits (tenant_id, scope, "
                           "user_id, group_id, start_min, end_min, calls, "
                           "period_s, max_concurrent) VALUES (?1, ?2, ?3, "
                           "?4, ?5, ?6, ?7, ?8, ?9)");
            if (!s) {
                rc = -EIO;
                break;
            }
            sqlite3_bind_int64(s, 7, l->calls);
            sqlite3_bind_int64(s, 8, l->calls ? l->period_s : 0);
            sqlite3_bind_int64(s, 9, l->max_concurrent);
        }
        sqlite3_bind_int64(s, 1, l->tenant_id);
        store_bind_text(s, 2, store_limit_scope_name(l->scope));
        store_bind_id(s, 3, uid);
        store_bind_id(s, 4, gid);
        if (l->has_window) {
            sqlite3_bind_int64(s, 5, l->start_min);
            sqlite3_bind_int64(s, 6, l->end_min);
        } else {
            sqlite3_bind_null(s, 5);
            sqlite3_bind_null(s, 6);
        }
        rc = pass == 0 ? store_step_done(st, s, "replacing limit", NULL)
                       : store_step_insert(st, s, "saving limit", id);
    }
    if (rc < 0) {
        store_tx_end(st, &tx, 0);
        return rc;
    }
    rc = store_tx_end(st, &tx, 1);
    if (rc == 0) {
        store_ok(st);
    }
    return rc;
}

int store_limit_rm(struct store *st, int64_t tenant_id, int64_t id)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_LIMIT_RM,
                                 "DELETE FROM call_limits WHERE tenant_id = "
                                 "?1 AND id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = store_step_done(st, s, "removing limit", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no limit %lld in that tenant",
                          (long long)id);
    }
    return rc;
}

struct limit_walk {
    store_limit_fn *cb;
    void *ud;
};

static int limit_row(void *ud, sqlite3_stmt *s)
{
    struct limit_walk *w = ud;
    struct store_call_limit l;
    memset(&l, 0, sizeof(l));
    l.id = sqlite3_column_int64(s, 0);
    l.tenant_id = sqlite3_column_int64(s, 1);
    const char *scope = store_col_text(s, 2);
    l.scope = strcmp(scope, "user") == 0    ? STORE_LIMIT_USER
              : strcmp(scope, "group") == 0 ? STORE_LIMIT_GROUP
                                            : STORE_LIMIT_TENANT;
    l.target_id = sqlite3_column_int64(s, 3);
    store_col_copy(s, 4, l.target, sizeof(l.target));
    l.calls = store_col_u32(s, 5);
    l.period_s = store_col_u32(s, 6);
    l.max_concurrent = store_col_u32(s, 7);
    l.has_window = sqlite3_column_type(s, 8) != SQLITE_NULL;
    l.start_min = store_col_u32(s, 8);
    l.end_min = store_col_u32(s, 9);
    return w->cb(w->ud, &l);
}

int store_limit_list(struct store *st, int64_t tenant_id, store_limit_fn *cb,
                     void *ud)
{
    struct limit_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(
        st, STMT_LIMIT_LIST,
        "SELECT l.id, l.tenant_id, l.scope, coalesce(l.user_id, l.group_id, "
        "0), coalesce(u.ext, g.name, ''), l.calls, l.period_s, "
        "l.max_concurrent, l.start_min, l.end_min FROM call_limits l LEFT "
        "JOIN users u ON u.id = l.user_id LEFT JOIN groups g ON g.id = "
        "l.group_id WHERE l.tenant_id = ?1 ORDER BY CASE l.scope WHEN "
        "'tenant' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, 5, "
        "coalesce(l.start_min, -1)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return store_walk(st, s, limit_row, &w, "listing limits");
}

/* ------------------------------------------------------------------ */
/* Fraud thresholds                                                     */
/* ------------------------------------------------------------------ */

static const char *const metric_names[] = {
    [STORE_FRAUD_INTERNATIONAL] = "international",
    [STORE_FRAUD_DESTINATIONS] = "destinations",
    [STORE_FRAUD_AFTER_HOURS] = "after_hours",
};

const char *store_fraud_metric_name(enum store_fraud_metric m)
{
    if ((unsigned)m >= sizeof(metric_names) / sizeof(metric_names[0])) {
        return "unknown";
    }
    return metric_names[m];
}

int store_fraud_metric_parse(const char *s, enum store_fraud_metric *out)
{
    for (size_t i = 0; s && i < sizeof(metric_names) / sizeof(metric_names[0]);
         i++) {
        if (strcmp(s, metric_names[i]) == 0) {
            *out = (enum store_fraud_metric)i;
            return 0;
        }
    }
    return -EINVAL;
}

int store_fraud_set(struct store *st, const struct store_fraud_rule *f,
                    int64_t *id)
{
    int64_t owner = 0;
    if ((unsigned)f->metric > STORE_FRAUD_AFTER_HOURS) {
        return store_fail(st, -EINVAL,
                          "metric must be international, destinations or "
                          "after_hours");
    }
    if (f->window_s < 1 || f->window_s > 30 * 86400) {
        return store_fail(st, -EINVAL, "window must be 1..%d seconds",
                          30 * 86400);
    }
    if (f->warning < 1 || f->critical < f->warning) {
        return store_fail(st, -EINVAL,
                          "thresholds must satisfy 1 <= warning <= critical");
    }
    int rc = store_tenant_check(st, f->tenant_id);
    if (rc == 0 && f->user_id > 0) {
        rc = store_user_tenant(st, f->user_id, &owner);
        if (rc == 0 && owner != f->tenant_id) {
            rc = store_fail(st, -EINVAL, "the user is in another tenant");
        }
    }
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_FRAUD_SET,
        "INSERT INTO fraud_rules (tenant_id, user_id, metric, window_s, "
        "warning, critical) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT "
        "(tenant_id, coalesce(user_id, 0), metric) DO UPDATE SET window_s = "
        "excluded.window_s, warning = excluded.warning, critical = "
        "excluded.critical");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, f->tenant_id);
    store_bind_id(s, 2, f->user_id);
    store_bind_text(s, 3, store_fraud_metric_name(f->metric));
    sqlite3_bind_int64(s, 4, f->window_s);
    sqlite3_bind_int64(s, 5, f->warning);
    sqlite3_bind_int64(s, 6, f->critical);
    rc = store_step_done(st, s, "saving fraud thresholds", NULL);
    if (rc < 0 || !id) {
        return rc;
    }
    s = store_stmt(st, STMT_FRAUD_ID,
                   "SELECT id FROM fraud_rules WHERE tenant_id = ?1 AND "
                   "coalesce(user_id, 0) = ?2 AND metric = ?3");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, f->tenant_id);
    sqlite3_bind_int64(s, 2, f->user_id > 0 ? f->user_id : 0);
    store_bind_text(s, 3, store_fraud_metric_name(f->metric));
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : store_fail_sql(st, rc, "reading fraud id");
}

int store_fraud_rm(struct store *st, int64_t tenant_id, int64_t id)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_FRAUD_RM,
                                 "DELETE FROM fraud_rules WHERE tenant_id = "
                                 "?1 AND id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = store_step_done(st, s, "removing fraud thresholds", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no fraud rule %lld in that tenant",
                          (long long)id);
    }
    return rc;
}

struct fraud_walk {
    store_fraud_fn *cb;
    void *ud;
};

static int fraud_row(void *ud, sqlite3_stmt *s)
{
    struct fraud_walk *w = ud;
    struct store_fraud_rule f;
    enum store_fraud_metric m = STORE_FRAUD_INTERNATIONAL;
    f.id = sqlite3_column_int64(s, 0);
    f.tenant_id = sqlite3_column_int64(s, 1);
    f.user_id = sqlite3_column_int64(s, 2);
    store_col_copy(s, 3, f.ext, sizeof(f.ext));
    store_fraud_metric_parse(store_col_text(s, 4), &m);
    f.metric = m;
    f.window_s = store_col_u32(s, 5);
    f.warning = store_col_u32(s, 6);
    f.critical = store_col_u32(s, 7);
    return w->cb(w->ud, &f);
}

int store_fraud_list(struct store *st, int64_t tenant_id, store_fraud_fn *cb,
                     void *ud)
{
    struct fraud_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(
        st, STMT_FRAUD_LIST,
        "SELECT f.id, f.tenant_id, coalesce(f.user_id, 0), coalesce(u.ext, "
        "''), f.metric, f.window_s, f.warning, f.critical FROM fraud_rules f "
        "LEFT JOIN users u ON u.id = f.user_id WHERE f.tenant_id = ?1 ORDER "
        "BY 4, f.metric");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return store_walk(st, s, fraud_row, &w, "listing fraud rules");
}

/* ------------------------------------------------------------------ */
/* Suspensions                                                          */
/* ------------------------------------------------------------------ */

int store_suspension_add(struct store *st, int64_t user_id, int64_t since,
                         const char *reason, int64_t *id)
{
    int64_t tenant_id = 0;
    if (!calls_text_ok(reason, STORE_REASON_MAX, true)) {
        return store_fail(st, -EINVAL,
                          "reason must be at most %d bytes without control "
                          "characters",
                          STORE_REASON_MAX);
    }
    int rc = store_user_tenant(st, user_id, &tenant_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(st, STMT_SUSP_ACTIVE,
                                 "SELECT id FROM suspensions WHERE user_id = "
                                 "?1 AND lifted_at IS NULL");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && id) {
        *id = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        store_ok(st);
        return 0;
    }
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "reading suspensions");
    }
    s = store_stmt(st, STMT_SUSP_ADD,
                   "INSERT INTO suspensions (tenant_id, user_id, since, "
                   "reason) VALUES (?1, ?2, ?3, ?4)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_int64(s, 3, since);
    store_bind_text(s, 4, reason);
    return store_step_insert(st, s, "recording suspension", id);
}

int store_suspension_lift(struct store *st, int64_t user_id, int64_t now)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_SUSP_LIFT,
                                 "UPDATE suspensions SET lifted_at = ?2 "
                                 "WHERE user_id = ?1 AND lifted_at IS NULL");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_int64(s, 2, now);
    int rc = store_step_done(st, s, "lifting suspension", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "the user is not suspended");
    }
    return rc;
}

struct susp_walk {
    store_suspension_fn *cb;
    void *ud;
};

static int susp_row(void *ud, sqlite3_stmt *s)
{
    struct susp_walk *w = ud;
    struct store_suspension x;
    x.id = sqlite3_column_int64(s, 0);
    x.tenant_id = sqlite3_column_int64(s, 1);
    x.user_id = sqlite3_column_int64(s, 2);
    store_col_copy(s, 3, x.ext, sizeof(x.ext));
    store_col_copy(s, 4, x.domain, sizeof(x.domain));
    x.since = sqlite3_column_int64(s, 5);
    store_col_copy(s, 6, x.reason, sizeof(x.reason));
    x.lifted_at = sqlite3_column_int64(s, 7);
    return w->cb(w->ud, &x);
}

int store_suspension_list(struct store *st, int64_t tenant_id, bool active_only,
                          store_suspension_fn *cb, void *ud)
{
    struct susp_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(
        st, STMT_SUSP_LIST,
        "SELECT x.id, x.tenant_id, x.user_id, u.ext, d.domain, x.since, "
        "x.reason, coalesce(x.lifted_at, 0) FROM suspensions x JOIN users u "
        "ON u.id = x.user_id JOIN tenants d ON d.id = x.tenant_id WHERE (?1 "
        "= 0 OR x.tenant_id = ?1) AND (?2 = 0 OR x.lifted_at IS NULL) ORDER "
        "BY x.since, x.id");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id > 0 ? tenant_id : 0);
    sqlite3_bind_int(s, 2, active_only ? 1 : 0);
    return store_walk(st, s, susp_row, &w, "listing suspensions");
}
