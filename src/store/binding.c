/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registration bindings: the persistent copy of the registrar's location
 * table, written behind it and read back at start-up. Expiry is decided by
 * the caller's clock ('now'); the store never consults the time for them.
 */
#include <errno.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

/* Generous bounds: these come from the wire (the registrar has already
 * applied its own, tighter, limits). */
enum {
    BIND_URI_MAX = 2048,
    BIND_TEXT_MAX = 1024,
    BIND_PATH_MAX = 4096,
};

#define BIND_COLS                                                        \
    "b.id, b.tenant_id, b.user_id, b.aor, b.contact_uri, b.expires_at, " \
    "b.call_id, b.cseq, b.source, b.user_agent, b.path, b.received, "    \
    "b.instance, b.reg_id, b.q_milli, b.updated_at, t.domain, u.ext"

static int too_long(const char *s, size_t max)
{
    return s && strlen(s) > max;
}

/* The row id of (user_id, contact_uri), for the few callers who want it:
 * prepared on demand, not kept. */
static int binding_id(struct store *st, int64_t user_id,
                      const char *contact_uri, int64_t *id)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT id FROM bindings WHERE user_id = ?1 "
                                "AND contact_uri = ?2",
                                -1, &s, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        return store_fail_sql(st, rc, "finding binding");
    }
    sqlite3_bind_int64(s, 1, user_id);
    store_bind_text(s, 2, contact_uri);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) {
        return store_fail_sql(st, rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc,
                              "finding binding");
    }
    return 0;
}

int store_binding_upsert(struct store *st, const struct store_binding *b,
                         int64_t now, int64_t *id)
{
    if (!b->aor || !b->aor[0] || !b->contact_uri || !b->contact_uri[0]) {
        return store_fail(st, -EINVAL, "binding needs an AOR and a contact");
    }
    if (too_long(b->aor, BIND_URI_MAX) || too_long(b->contact_uri, BIND_URI_MAX)
        || too_long(b->received, BIND_URI_MAX)
        || too_long(b->call_id, BIND_TEXT_MAX)
        || too_long(b->source, BIND_TEXT_MAX)
        || too_long(b->user_agent, BIND_TEXT_MAX)
        || too_long(b->instance, BIND_TEXT_MAX)
        || too_long(b->path, BIND_PATH_MAX)) {
        return store_fail(st, -EINVAL, "binding field too long");
    }
    if (b->q_milli > 1000) {
        return store_fail(st, -EINVAL, "binding q above 1.0");
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_BIND_UPSERT,
        "INSERT INTO bindings (tenant_id, user_id, aor, contact_uri, "
        "expires_at, call_id, cseq, source, user_agent, path, received, "
        "instance, reg_id, q_milli, updated_at) "
        "SELECT u.tenant_id, u.id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
        "?12, ?13, ?14 FROM users u WHERE u.id = ?1 "
        "ON CONFLICT (user_id, contact_uri) DO UPDATE SET "
        "aor = excluded.aor, expires_at = excluded.expires_at, "
        "call_id = excluded.call_id, cseq = excluded.cseq, "
        "source = excluded.source, user_agent = excluded.user_agent, "
        "path = excluded.path, received = excluded.received, "
        "instance = excluded.instance, reg_id = excluded.reg_id, "
        "q_milli = excluded.q_milli, updated_at = excluded.updated_at");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, b->user_id);
    store_bind_text(s, 2, b->aor);
    store_bind_text(s, 3, b->contact_uri);
    sqlite3_bind_int64(s, 4, b->expires_at);
    store_bind_text(s, 5, b->call_id);
    sqlite3_bind_int64(s, 6, b->cseq);
    store_bind_text(s, 7, b->source);
    store_bind_text(s, 8, b->user_agent);
    store_bind_text(s, 9, b->path);
    store_bind_text(s, 10, b->received);
    store_bind_text(s, 11, b->instance);
    sqlite3_bind_int64(s, 12, b->reg_id);
    sqlite3_bind_int64(s, 13, b->q_milli);
    sqlite3_bind_int64(s, 14, now);
    /* No RETURNING clause: SQLite would build a temporary table for it on
     * every write, and the persister writes at the registration rate. */
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "saving binding");
    }
    if (sqlite3_changes(st->db) == 0) {
        /* INSERT ... SELECT found no such user: nothing written. */
        return store_fail(st, -ENOENT, "no user with id %lld",
                          (long long)b->user_id);
    }
    if (id) {
        rc = binding_id(st, b->user_id, b->contact_uri, id);
        if (rc < 0) {
            return rc;
        }
    }
    store_ok(st);
    return 0;
}

int store_binding_delete(struct store *st, int64_t user_id,
                         const char *contact_uri)
{
    sqlite3_stmt *s = store_stmt(st, STMT_BIND_DELETE,
                                 "DELETE FROM bindings WHERE user_id = ?1 "
                                 "AND contact_uri = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    store_bind_text(s, 2, contact_uri);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "deleting binding");
    }
    if (sqlite3_changes(st->db) == 0) {
        return store_fail(st, -ENOENT, "no such binding");
    }
    store_ok(st);
    return 0;
}

static int delete_count(struct store *st, sqlite3_stmt *s, const char *what,
                        uint32_t *n_removed)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, what);
    }
    if (n_removed) {
        *n_removed = (uint32_t)sqlite3_changes(st->db);
    }
    store_ok(st);
    return 0;
}

int store_binding_delete_user(struct store *st, int64_t user_id,
                              uint32_t *n_removed)
{
    sqlite3_stmt *s = store_stmt(st, STMT_BIND_DELETE_USER,
                                 "DELETE FROM bindings WHERE user_id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    return delete_count(st, s, "deleting bindings", n_removed);
}

int store_binding_purge_expired(struct store *st, int64_t now,
                                uint32_t *n_removed)
{
    sqlite3_stmt *s = store_stmt(st, STMT_BIND_PURGE,
                                 "DELETE FROM bindings WHERE expires_at <= ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, now);
    return delete_count(st, s, "purging expired bindings", n_removed);
}

static void row_to_binding(sqlite3_stmt *s, struct store_binding *b)
{
    b->id = sqlite3_column_int64(s, 0);
    b->tenant_id = sqlite3_column_int64(s, 1);
    b->user_id = sqlite3_column_int64(s, 2);
    b->aor = store_col_text(s, 3);
    b->contact_uri = store_col_text(s, 4);
    b->expires_at = sqlite3_column_int64(s, 5);
    b->call_id = store_col_text(s, 6);
    b->cseq = (uint32_t)sqlite3_column_int64(s, 7);
    b->source = store_col_text(s, 8);
    b->user_agent = store_col_text(s, 9);
    b->path = store_col_text(s, 10);
    b->received = store_col_text(s, 11);
    b->instance = store_col_text(s, 12);
    b->reg_id = (uint32_t)sqlite3_column_int64(s, 13);
    b->q_milli = (uint32_t)sqlite3_column_int64(s, 14);
    b->updated_at = sqlite3_column_int64(s, 15);
    b->domain = store_col_text(s, 16);
    b->ext = store_col_text(s, 17);
}

int store_binding_list(struct store *st, const char *domain, int64_t now,
                       store_binding_fn *cb, void *ud)
{
    struct store_binding b;
    sqlite3_stmt *s;
    if (domain) {
        s = store_stmt(st, STMT_BIND_LIST_DOMAIN,
                       "SELECT " BIND_COLS " FROM bindings b "
                       "JOIN users u ON u.id = b.user_id "
                       "JOIN tenants t ON t.id = b.tenant_id "
                       "WHERE b.expires_at > ?1 AND t.domain = ?2 "
                       "ORDER BY t.domain, u.ext, b.contact_uri");
    } else {
        s = store_stmt(st, STMT_BIND_LIST_ALL,
                       "SELECT " BIND_COLS " FROM bindings b "
                       "JOIN users u ON u.id = b.user_id "
                       "JOIN tenants t ON t.id = b.tenant_id "
                       "WHERE b.expires_at > ?1 "
                       "ORDER BY t.domain, u.ext, b.contact_uri");
    }
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, now);
    if (domain) {
        store_bind_text(s, 2, domain);
    }
    int rc;
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            break;
        }
        /* Each column is fetched once as text, so the pointers stay valid
         * until the next step. */
        row_to_binding(s, &b);
        int r = cb(ud, &b);
        if (r != 0) {
            sqlite3_reset(s);
            return r;
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "listing bindings");
    }
    store_ok(st);
    return 0;
}

int store_binding_load_all(struct store *st, int64_t now, store_binding_fn *cb,
                           void *ud)
{
    return store_binding_list(st, NULL, now, cb, ud);
}
