/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security event log's tables: appending events (a batch prepares its
 * statement once), the filtered and paged listing, the hourly counts, the
 * top offenders and the retention purge. Statements are prepared per call
 * as in admin.c: the log is written once a second in batches and read per
 * HTTP request, far from the registrar's rate.
 */
#include "store/events.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static bool kind_ok(const char *k)
{
    size_t n = k ? strlen(k) : 0;
    return n >= 1 && n <= STORE_EVENT_KIND_MAX
           && strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static bool country_ok(const char *c)
{
    size_t n = strlen(c);
    return n == 0
           || (n == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A'
               && c[1] <= 'Z');
}

static int event_check(struct store *st, const struct store_event *e)
{
    if (!store_field_ok(e->kind, sizeof(e->kind)) || !kind_ok(e->kind)) {
        return store_fail(st, -EINVAL, "event kind must be 1..%d of a-z 0-9 _",
                          STORE_EVENT_KIND_MAX);
    }
    if (!store_field_ok(e->address, sizeof(e->address))
        || !store_text_ok(e->address, STORE_EVENT_ADDR_MAX, true, true)) {
        return store_fail(st, -EINVAL,
                          "event address must be at most %d characters "
                          "without blanks or control characters",
                          STORE_EVENT_ADDR_MAX);
    }
    if (!store_field_ok(e->country, sizeof(e->country))
        || !country_ok(e->country)) {
        return store_fail(st, -EINVAL,
                          "event country must be empty or two capital "
                          "letters");
    }
    if (!store_field_ok(e->detail, sizeof(e->detail))
        || !store_text_ok(e->detail, STORE_EVENT_DETAIL_MAX, true, false)) {
        return store_fail(st, -EINVAL,
                          "event detail must be at most %d characters without "
                          "control characters",
                          STORE_EVENT_DETAIL_MAX);
    }
    return 0;
}

static uint64_t col_u64(sqlite3_stmt *s, int col)
{
    sqlite3_int64 v = sqlite3_column_int64(s, col);
    return v < 0 ? 0 : (uint64_t)v;
}

/* ------------------------------------------------------------------ */
/* Events                                                               */
/* ------------------------------------------------------------------ */

int store_event_add(struct store *st, const struct store_event *e, int64_t *id)
{
    int rc = event_check(st, e);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_prep(st, "INSERT INTO security_events (at, kind, "
                                     "address, country, detail) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, e->at);
    store_bind_text(s, 2, e->kind);
    store_bind_text(s, 3, e->address);
    store_bind_text(s, 4, e->country);
    store_bind_text(s, 5, e->detail);
    rc = store_step_insert(st, s, "adding security event", id);
    sqlite3_finalize(s);
    return rc;
}

/*
 * The WHERE clause of a listing into 'sql' (appended after 'head') and the
 * values to bind, in order. Built per call so each filter uses its index.
 */
struct where {
    char sql[512];
    const char *text[2];
    size_t n_text;
    int64_t num[2];
    size_t n_num; /* bound after the texts, as numbered */
};

static void where_build(struct where *w, const char *head,
                        const struct store_event_filter *f)
{
    size_t off = 0;
    const char *sep = " WHERE ";
    memset(w, 0, sizeof(*w));
    off += (size_t)snprintf(w->sql, sizeof(w->sql), "%s", head);
    if (f && f->kind) {
        off += (size_t)snprintf(w->sql + off, sizeof(w->sql) - off,
                                "%skind = ?%zu", sep, w->n_text + 1);
        w->text[w->n_text++] = f->kind;
        sep = " AND ";
    }
    if (f && f->address) {
        off += (size_t)snprintf(w->sql + off, sizeof(w->sql) - off,
                                "%saddress = ?%zu", sep, w->n_text + 1);
        w->text[w->n_text++] = f->address;
        sep = " AND ";
    }
    if (f && f->since) {
        off += (size_t)snprintf(w->sql + off, sizeof(w->sql) - off,
                                "%sat >= ?%zu", sep, w->n_text + w->n_num + 1);
        w->num[w->n_num++] = f->since;
        sep = " AND ";
    }
    if (f && f->until) {
        snprintf(w->sql + off, sizeof(w->sql) - off, "%sat < ?%zu", sep,
                 w->n_text + w->n_num + 1);
        w->num[w->n_num++] = f->until;
    }
}

static void where_bind(sqlite3_stmt *s, const struct where *w)
{
    int idx = 1;
    for (size_t i = 0; i < w->n_text; i++) {
        store_bind_text(s, idx++, w->text[i]);
    }
    for (size_t i = 0; i < w->n_num; i++) {
        sqlite3_bind_int64(s, idx++, w->num[i]);
    }
}

struct event_walk {
    store_event_fn *cb;
    void *ud;
};

static int event_row(void *ud, sqlite3_stmt *s)
{
    struct event_walk *w = ud;
    struct store_event e;
    memset(&e, 0, sizeof(e));
    e.id = sqlite3_column_int64(s, 0);
    e.at = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, e.kind, sizeof(e.kind));
    store_col_copy(s, 3, e.address, sizeof(e.address));
    store_col_copy(s, 4, e.country, sizeof(e.country));
    store_col_copy(s, 5, e.detail, sizeof(e.detail));
    return w->cb(w->ud, &e);
}

static int count_events(struct store *st, const struct store_event_filter *f,
                        uint64_t *total)
{
    struct where w;
    where_build(&w, "SELECT count(*) FROM security_events", f);
    sqlite3_stmt *s = store_prep(st, w.sql);
    if (!s) {
        return -EIO;
    }
    where_bind(s, &w);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *total = col_u64(s, 0);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW
               ? 0
               : store_fail_sql(st, rc, "counting security events");
}

int store_event_list(struct store *st, const struct store_event_filter *f,
                     store_event_fn *cb, void *ud, uint64_t *total)
{
    if (f && f->limit > STORE_EVENT_PAGE_MAX) {
        return store_fail(st, -EINVAL, "limit must be 1..%d",
                          STORE_EVENT_PAGE_MAX);
    }
    if (total) {
        int rc = count_events(st, f, total);
        if (rc < 0) {
            return rc;
        }
    }
    struct where w;
    where_build(&w,
                "SELECT id, at, kind, address, country, detail "
                "FROM security_events",
                f);
    size_t off = strlen(w.sql);
    snprintf(w.sql + off, sizeof(w.sql) - off,
             " ORDER BY id DESC LIMIT ?%zu OFFSET ?%zu", w.n_text + w.n_num + 1,
             w.n_text + w.n_num + 2);
    sqlite3_stmt *s = store_prep(st, w.sql);
    if (!s) {
        return -EIO;
    }
    where_bind(s, &w);
    int idx = (int)(w.n_text + w.n_num);
    sqlite3_bind_int64(s, idx + 1, f && f->limit ? (int64_t)f->limit : -1);
    sqlite3_bind_int64(s, idx + 2, f ? (int64_t)f->offset : 0);
    struct event_walk ew = { cb, ud };
    int rc = store_walk(st, s, event_row, &ew, "listing security events");
    sqlite3_finalize(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Hourly counts                                                        */
/* ------------------------------------------------------------------ */

int store_event_hour_add(struct store *st, int64_t hour, const char *kind,
                         uint64_t n)
{
    if (!kind_ok(kind) || hour % 3600 != 0 || n > INT64_MAX) {
        return store_fail(st, -EINVAL,
                          "hourly count needs a kind and the start of an "
                          "hour");
    }
    sqlite3_stmt *s =
        store_prep(st, "INSERT INTO security_event_hours (hour, kind, "
                       "n) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (hour, kind) "
                       "DO UPDATE SET n = n + excluded.n");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, hour);
    store_bind_text(s, 2, kind);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)n);
    int rc = store_step_done(st, s, "counting security events", NULL);
    sqlite3_finalize(s);
    return rc;
}

struct hour_walk {
    store_event_hour_fn *cb;
    void *ud;
};

static int hour_row(void *ud, sqlite3_stmt *s)
{
    struct hour_walk *w = ud;
    return w->cb(w->ud, sqlite3_column_int64(s, 0), store_col_text(s, 1),
                 col_u64(s, 2));
}

int store_event_hours(struct store *st, int64_t from_hour, int64_t to_hour,
                      store_event_hour_fn *cb, void *ud)
{
    sqlite3_stmt *s =
        store_prep(st, "SELECT hour, kind, n FROM security_event_hours "
                       "WHERE hour >= ?1 AND hour < ?2 "
                       "ORDER BY hour, kind");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, from_hour);
    sqlite3_bind_int64(s, 2, to_hour);
    struct hour_walk w = { cb, ud };
    int rc = store_walk(st, s, hour_row, &w, "reading hourly event counts");
    sqlite3_finalize(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Top offenders                                                        */
/* ------------------------------------------------------------------ */

struct top_walk {
    store_event_top_fn *cb;
    void *ud;
};

static int top_row(void *ud, sqlite3_stmt *s)
{
    struct top_walk *w = ud;
    return w->cb(w->ud, store_col_text(s, 0), store_col_text(s, 1),
                 col_u64(s, 2));
}

int store_event_top(struct store *st, enum store_event_group by, int64_t since,
                    const char *const *kinds, size_t n_kinds, uint32_t limit,
                    store_event_top_fn *cb, void *ud)
{
    char sql[1024];
    size_t off = 0;
    if (limit < 1 || limit > STORE_EVENT_PAGE_MAX
        || n_kinds > STORE_EVENT_KINDS_MAX
        || (by != STORE_EVENT_BY_ADDRESS && by != STORE_EVENT_BY_COUNTRY)) {
        return store_fail(st, -EINVAL, "bad top query");
    }
    for (size_t i = 0; i < n_kinds; i++) {
        if (!kind_ok(kinds[i])) {
            return store_fail(st, -EINVAL, "bad event kind in top query");
        }
    }
    bool by_addr = by == STORE_EVENT_BY_ADDRESS;
    off += (size_t)snprintf(
        sql, sizeof(sql),
        by_addr ? "SELECT address, max(country), count(*) AS n "
                  "FROM security_events WHERE at >= ?1 AND address <> ''"
                : "SELECT '', country, count(*) AS n "
                  "FROM security_events WHERE at >= ?1 AND country <> ''");
    for (size_t i = 0; i < n_kinds; i++) {
        off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s?%zu",
                                i == 0 ? " AND kind IN (" : ", ", i + 3);
    }
    snprintf(sql + off, sizeof(sql) - off,
             "%s GROUP BY %s ORDER BY n DESC, %s LIMIT ?2", n_kinds ? ")" : "",
             by_addr ? "address" : "country", by_addr ? "address" : "country");
    sqlite3_stmt *s = store_prep(st, sql);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, since);
    sqlite3_bind_int64(s, 2, limit);
    for (size_t i = 0; i < n_kinds; i++) {
        store_bind_text(s, (int)i + 3, kinds[i]);
    }
    struct top_walk w = { cb, ud };
    int rc = store_walk(st, s, top_row, &w, "ranking security events");
    sqlite3_finalize(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Retention                                                            */
/* ------------------------------------------------------------------ */

/* Run 'sql' with one integer bound; *changes gets the rows touched. */
int store_event_purge(struct store *st, int64_t now, uint32_t max_days,
                      uint32_t max_rows, uint32_t *n_removed)
{
    int total = 0;
    struct store_tx tx;
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    int64_t before = max_days > 0 ? now - (int64_t)max_days * 86400 : 0;
    rc = store_log_trim(st, "security_events", before, max_rows, &total);
    if (rc == 0 && before > 0) {
        /* An hour goes once all of it is older than the limit. */
        rc = store_exec_int(st,
                            "DELETE FROM security_event_hours "
                            "WHERE hour + 3600 <= ?1",
                            before, "purging old hourly counts", NULL);
    }
    int end = store_tx_end(st, &tx, rc == 0);
    if (rc == 0 && end == 0 && n_removed) {
        *n_removed = (uint32_t)total;
    }
    return rc < 0 ? rc : end;
}
