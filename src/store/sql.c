/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small statement helpers shared by the store's table files: stepping a
 * write, an insert or a query with a row callback, binding optional ids,
 * reading clamped integers, checking text before it is stored, and the
 * existence checks of the rows other rows point at (tenant, user, group).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

bool store_text_ok(const char *s, size_t max, bool may_be_empty, bool no_blank)
{
    if (!s) {
        return may_be_empty;
    }
    size_t n = strlen(s);
    if (n > max || (n == 0 && !may_be_empty)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (no_blank && c == ' ')) {
            return false;
        }
    }
    return true;
}

bool store_field_ok(const char *f, size_t cap)
{
    return memchr(f, '\0', cap) != NULL;
}

uint32_t store_col_u32(sqlite3_stmt *s, int col)
{
    sqlite3_int64 v = sqlite3_column_int64(s, col);
    return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void store_bind_id(sqlite3_stmt *s, int idx, int64_t id)
{
    if (id > 0) {
        sqlite3_bind_int64(s, idx, id);
    } else {
        sqlite3_bind_null(s, idx);
    }
}

int store_step_done(struct store *st, sqlite3_stmt *s, const char *what,
                    int *changes)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, what);
    }
    if (changes) {
        *changes = sqlite3_changes(st->db);
    }
    store_ok(st);
    return 0;
}

sqlite3_stmt *store_prep(struct store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        store_fail_sql(st, rc, "preparing statement");
        return NULL;
    }
    return s;
}

int store_exec_int(struct store *st, const char *sql, int64_t v,
                   const char *what, int *changes)
{
    sqlite3_stmt *s = store_prep(st, sql);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, v);
    int rc = store_step_done(st, s, what, changes);
    sqlite3_finalize(s);
    return rc;
}

int store_log_trim(struct store *st, const char *table, int64_t before,
                   uint32_t max_rows, int *removed)
{
    char sql[160];
    int changes = 0;
    int rc = 0;
    if (before > 0) {
        snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE at < ?1", table);
        rc = store_exec_int(st, sql, before, "purging old log rows", &changes);
        *removed += changes;
    }
    if (rc == 0 && max_rows > 0) {
        snprintf(sql, sizeof(sql),
                 "DELETE FROM %s WHERE id <= (SELECT id FROM %s "
                 "ORDER BY id DESC LIMIT 1 OFFSET ?1)",
                 table, table);
        changes = 0;
        rc = store_exec_int(st, sql, max_rows, "purging excess log rows",
                            &changes);
        *removed += changes;
    }
    return rc;
}

int store_step_insert(struct store *st, sqlite3_stmt *s, const char *what,
                      int64_t *id)
{
    int rc = store_step_done(st, s, what, NULL);
    if (rc == 0 && id) {
        *id = sqlite3_last_insert_rowid(st->db);
    }
    return rc;
}

int store_walk(struct store *st, sqlite3_stmt *s, store_row_fn *fn, void *ud,
               const char *what)
{
    int rc;
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            break;
        }
        int r = fn(ud, s);
        if (r != 0) {
            sqlite3_reset(s);
            return r;
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, what);
    }
    store_ok(st);
    return 0;
}

/* One integer column of the row 'id' selects; -ENOENT naming 'what'. */
static int lookup_id(struct store *st, enum store_stmt_id sid, const char *sql,
                     int64_t id, const char *what, int64_t *out)
{
    sqlite3_stmt *s = store_stmt(st, sid, sql);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out) {
        *out = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no %s with id %lld", what,
                          (long long)id);
    }
    return store_fail_sql(st, rc, what);
}

int store_row_exists(struct store *st, enum store_stmt_id sid, const char *sql,
                     int64_t id, const char *what)
{
    return lookup_id(st, sid, sql, id, what, NULL);
}

int store_tenant_check(struct store *st, int64_t tenant_id)
{
    return store_row_exists(st, STMT_CALL_TENANT_EXISTS,
                            "SELECT 1 FROM tenants WHERE id = ?1", tenant_id,
                            "tenant");
}

int store_user_tenant(struct store *st, int64_t user_id, int64_t *tenant_id)
{
    return lookup_id(st, STMT_CALL_USER_TENANT,
                     "SELECT tenant_id FROM users WHERE id = ?1", user_id,
                     "user", tenant_id);
}

int store_group_tenant(struct store *st, int64_t group_id, int64_t *tenant_id)
{
    return lookup_id(st, STMT_CALL_GROUP_TENANT,
                     "SELECT tenant_id FROM groups WHERE id = ?1", group_id,
                     "group", tenant_id);
}
