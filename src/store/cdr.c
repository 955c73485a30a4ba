/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Call detail records: add, page through with filters, purge.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/calls_int.h"
#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* CDRs                                                                 */
/* ------------------------------------------------------------------ */

static const char *const result_names[] = {
    [STORE_CDR_ANSWERED] = "answered",
    [STORE_CDR_REFUSED] = "refused",
    [STORE_CDR_FAILED] = "failed",
    [STORE_CDR_CANCELLED] = "cancelled",
};

const char *store_cdr_result_name(enum store_cdr_result r)
{
    if ((unsigned)r >= sizeof(result_names) / sizeof(result_names[0])) {
        return "unknown";
    }
    return result_names[r];
}

int store_cdr_result_parse(const char *s, enum store_cdr_result *out)
{
    for (size_t i = 0; s && i < sizeof(result_names) / sizeof(result_names[0]);
         i++) {
        if (strcmp(s, result_names[i]) == 0) {
            *out = (enum store_cdr_result)i;
            return 0;
        }
    }
    return -EINVAL;
}

#define CDR_COLS                                                    \
    "id, coalesce(tenant_id, 0), caller, callee, dialed, class, "   \
    "country_code, rule, trunk, result, status, reason, start_ms, " \
    "answer_ms, end_ms"

int store_cdr_add(struct store *st, const struct store_cdr *c, int64_t *id)
{
    const struct {
        const char *f;
        size_t cap;
    } fields[] = {
        { c->caller, sizeof(c->caller) },
        { c->callee, sizeof(c->callee) },
        { c->dialed, sizeof(c->dialed) },
        { c->class_, sizeof(c->class_) },
        { c->country_code, sizeof(c->country_code) },
        { c->rule, sizeof(c->rule) },
        { c->trunk, sizeof(c->trunk) },
        { c->reason, sizeof(c->reason) },
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (!store_field_ok(fields[i].f, fields[i].cap)
            || !calls_text_ok(fields[i].f, fields[i].cap - 1, true)) {
            return store_fail(st, -EINVAL,
                              "CDR text field %zu is unterminated or holds "
                              "control characters",
                              i);
        }
    }
    if ((unsigned)c->result > STORE_CDR_CANCELLED || c->status > 699) {
        return store_fail(st, -EINVAL, "CDR result or status out of range");
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_CDR_ADD,
        "INSERT INTO cdrs (tenant_id, caller, callee, dialed, class, "
        "country_code, rule, trunk, result, status, reason, start_ms, "
        "answer_ms, end_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12, ?13, ?14)");
    if (!s) {
        return -EIO;
    }
    store_bind_id(s, 1, c->tenant_id);
    store_bind_text(s, 2, c->caller);
    store_bind_text(s, 3, c->callee);
    store_bind_text(s, 4, c->dialed);
    store_bind_text(s, 5, c->class_);
    store_bind_text(s, 6, c->country_code);
    store_bind_text(s, 7, c->rule);
    store_bind_text(s, 8, c->trunk);
    store_bind_text(s, 9, store_cdr_result_name(c->result));
    sqlite3_bind_int64(s, 10, c->status);
    store_bind_text(s, 11, c->reason);
    sqlite3_bind_int64(s, 12, c->start_ms);
    sqlite3_bind_int64(s, 13, c->answer_ms);
    sqlite3_bind_int64(s, 14, c->end_ms);
    return store_step_insert(st, s, "adding CDR", id);
}

/* The WHERE clause shared by the CDR count and page queries. */
#define CDR_WHERE                                                        \
    " WHERE (?1 = 0 OR tenant_id = ?1) AND (?2 = '' OR caller = ?2 OR "  \
    "callee = ?2) AND start_ms >= ?3 AND (?4 = 0 OR start_ms < ?4) AND " \
    "(?5 = '' OR result = ?5)"

static void cdr_bind_query(sqlite3_stmt *s, const struct store_cdr_query *q)
{
    sqlite3_bind_int64(s, 1, q->tenant_id > 0 ? q->tenant_id : 0);
    store_bind_text(s, 2, q->user);
    sqlite3_bind_int64(s, 3, q->from_ms);
    sqlite3_bind_int64(s, 4, q->to_ms);
    store_bind_text(
        s, 5,
        q->result >= 0 ? store_cdr_result_name((enum store_cdr_result)q->result)
                       : "");
}

struct cdr_walk {
    store_cdr_fn *cb;
    void *ud;
    struct store_cdr c;
};

static int cdr_row(void *ud, sqlite3_stmt *s)
{
    struct cdr_walk *w = ud;
    struct store_cdr *c = &w->c;
    enum store_cdr_result r = STORE_CDR_FAILED;
    c->id = sqlite3_column_int64(s, 0);
    c->tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, c->caller, sizeof(c->caller));
    store_col_copy(s, 3, c->callee, sizeof(c->callee));
    store_col_copy(s, 4, c->dialed, sizeof(c->dialed));
    store_col_copy(s, 5, c->class_, sizeof(c->class_));
    store_col_copy(s, 6, c->country_code, sizeof(c->country_code));
    store_col_copy(s, 7, c->rule, sizeof(c->rule));
    store_col_copy(s, 8, c->trunk, sizeof(c->trunk));
    store_cdr_result_parse(store_col_text(s, 9), &r);
    c->result = r;
    c->status = store_col_u32(s, 10);
    store_col_copy(s, 11, c->reason, sizeof(c->reason));
    c->start_ms = sqlite3_column_int64(s, 12);
    c->answer_ms = sqlite3_column_int64(s, 13);
    c->end_ms = sqlite3_column_int64(s, 14);
    return w->cb(w->ud, c);
}

int store_cdr_list(struct store *st, const struct store_cdr_query *q,
                   store_cdr_fn *cb, void *ud, uint64_t *total)
{
    struct cdr_walk w = { .cb = cb, .ud = ud };
    if (q->limit > 1000) {
        return store_fail(st, -EINVAL, "at most 1000 records per page");
    }
    if (q->result > STORE_CDR_CANCELLED) {
        return store_fail(st, -EINVAL, "unknown CDR result");
    }
    if (total) {
        sqlite3_stmt *s = store_stmt(st, STMT_CDR_COUNT,
                                     "SELECT count(*) FROM cdrs" CDR_WHERE);
        if (!s) {
            return -EIO;
        }
        cdr_bind_query(s, q);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *total = (uint64_t)sqlite3_column_int64(s, 0);
        }
        sqlite3_reset(s);
        if (rc != SQLITE_ROW) {
            return store_fail_sql(st, rc, "counting CDRs");
        }
    }
    sqlite3_stmt *s = store_stmt(st, STMT_CDR_LIST,
                                 "SELECT " CDR_COLS " FROM cdrs" CDR_WHERE
                                 " ORDER BY start_ms DESC, id DESC LIMIT ?6 "
                                 "OFFSET ?7");
    if (!s) {
        return -EIO;
    }
    cdr_bind_query(s, q);
    sqlite3_bind_int64(s, 6, q->limit ? q->limit : 100);
    sqlite3_bind_int64(s, 7, q->offset);
    return store_walk(st, s, cdr_row, &w, "listing CDRs");
}

int store_cdr_purge(struct store *st, int64_t before_ms, uint32_t *n_removed)
{
    int changes = 0;
    sqlite3_stmt *s =
        store_stmt(st, STMT_CDR_PURGE, "DELETE FROM cdrs WHERE start_ms < ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, before_ms);
    int rc = store_step_done(st, s, "purging CDRs", &changes);
    if (rc == 0 && n_removed) {
        *n_removed = changes < 0 ? 0 : (uint32_t)changes;
    }
    return rc;
}
