/* SPDX-License-Identifier: Apache-2.0 */
/* Tenants: one row per SIP domain, with its password and registration
 * policy columns. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/check.h"
#include "store/store.h"
#include "store/store_int.h"

#define TENANT_COLS                                                         \
    "t.id, t.domain, t.name, t.created_at, t.pw_min_len, t.pw_classes, "    \
    "t.pw_expiry_days, t.pw_history, t.max_contacts, t.reg_expires_min_s, " \
    "t.reg_expires_default_s, t.reg_expires_max_s, "                        \
    "coalesce((SELECT m.policy FROM tenant_media m "                        \
    "WHERE m.tenant_id = t.id), 0)"

void store_tenant_policy_defaults(struct store_tenant_policy *pol)
{
    *pol = (struct store_tenant_policy){
        .pw_min_len = 8,
        .pw_classes = 3,
        .pw_expiry_days = 90,
        .pw_history = 3,
        .max_contacts = 5,
        .reg_expires_min_s = 60,
        .reg_expires_default_s = 3600,
        .reg_expires_max_s = 7200,
    };
}

static void row_to_tenant(sqlite3_stmt *s, struct store_tenant *t)
{
    t->id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, t->domain, sizeof(t->domain));
    store_col_copy(s, 2, t->name, sizeof(t->name));
    t->created_at = sqlite3_column_int64(s, 3);
    t->pol.pw_min_len = store_col_u32(s, 4);
    t->pol.pw_classes = store_col_u32(s, 5);
    t->pol.pw_expiry_days = store_col_u32(s, 6);
    t->pol.pw_history = store_col_u32(s, 7);
    t->pol.max_contacts = store_col_u32(s, 8);
    t->pol.reg_expires_min_s = store_col_u32(s, 9);
    t->pol.reg_expires_default_s = store_col_u32(s, 10);
    t->pol.reg_expires_max_s = store_col_u32(s, 11);
    t->pol.media_policy = store_col_u32(s, 12);
    t->n_users = 0;
}

int store_tenant_add(struct store *st, const char *domain, const char *name,
                     int64_t *id)
{
    char lower[STORE_DOMAIN_MAX + 1];
    const char *why = NULL;

    if (store_domain_check(domain, &why) < 0) {
        return store_fail(st, -EINVAL, "%s", why);
    }
    if (store_name_check(name, &why) < 0) {
        return store_fail(st, -EINVAL, "%s", why);
    }
    store_lower_copy(domain, lower, sizeof(lower));
    sqlite3_stmt *s = store_stmt(st, STMT_TENANT_ADD,
                                 "INSERT INTO tenants (domain, name, "
                                 "created_at) VALUES (?1, ?2, ?3)");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, lower);
    store_bind_text(s, 2, name);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)time(NULL));
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        if (rc == SQLITE_CONSTRAINT_UNIQUE) {
            return store_fail(st, -EEXIST, "tenant %s already exists", lower);
        }
        return store_fail_sql(st, rc, "adding tenant");
    }
    if (id) {
        *id = sqlite3_last_insert_rowid(st->db);
    }
    store_ok(st);
    return 0;
}

int store_tenant_find(struct store *st, const char *domain,
                      struct store_tenant *out)
{
    const char *why = NULL;
    if (store_domain_check(domain, &why) < 0) {
        return store_fail(st, -EINVAL, "%s", why);
    }
    sqlite3_stmt *s = store_stmt(st, STMT_TENANT_FIND,
                                 "SELECT " TENANT_COLS " FROM tenants t "
                                 "WHERE t.domain = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, domain);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_tenant(s, out);
        sqlite3_reset(s);
        store_ok(st);
        return 0;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no tenant with domain %s", domain);
    }
    return store_fail_sql(st, rc, "finding tenant");
}

int store_tenant_list(struct store *st, store_tenant_fn *cb, void *ud)
{
    struct store_tenant t;
    sqlite3_stmt *s = store_stmt(
        st, STMT_TENANT_LIST,
        "SELECT " TENANT_COLS ", (SELECT count(*) FROM users u "
        "WHERE u.tenant_id = t.id) FROM tenants t ORDER BY t.domain");
    if (!s) {
        return -EIO;
    }
    int rc;
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            break;
        }
        row_to_tenant(s, &t);
        t.n_users = store_col_u32(s, 13);
        int r = cb(ud, &t);
        if (r != 0) {
            sqlite3_reset(s);
            return r;
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "listing tenants");
    }
    store_ok(st);
    return 0;
}

/* Prepared for one use (rare calls: no slot in the statement cache). */

int store_tenant_get(struct store *st, int64_t id, struct store_tenant *out)
{
    sqlite3_stmt *s =
        store_prep(st, "SELECT " TENANT_COLS " FROM tenants t WHERE t.id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_tenant(s, out);
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW) {
        store_ok(st);
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no tenant with id %lld", (long long)id);
    }
    return store_fail_sql(st, rc, "reading tenant");
}

static bool in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi;
}

int store_tenant_set_pw_policy(struct store *st, int64_t id,
                               const struct store_tenant_policy *pol)
{
    if (!in_range(pol->pw_min_len, 8, 20) || !in_range(pol->pw_classes, 1, 4)
        || !in_range(pol->pw_expiry_days, 30, 365)
        || !in_range(pol->pw_history, 0, 24)) {
        return store_fail(st, -EINVAL, "password policy out of range");
    }
    sqlite3_stmt *s =
        store_prep(st, "UPDATE tenants SET pw_min_len = ?2, pw_classes = ?3, "
                       "pw_expiry_days = ?4, pw_history = ?5 WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    int changes = 0;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, pol->pw_min_len);
    sqlite3_bind_int64(s, 3, pol->pw_classes);
    sqlite3_bind_int64(s, 4, pol->pw_expiry_days);
    sqlite3_bind_int64(s, 5, pol->pw_history);
    int rc = store_step_done(st, s, "saving password policy", &changes);
    sqlite3_finalize(s);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no tenant with id %lld", (long long)id);
    }
    return rc;
}

static const char *const media_names[] = { "optional", "secure", "always" };

const char *store_media_policy_name(uint32_t p)
{
    return p < SW_ARRAY_LEN(media_names) ? media_names[p] : "?";
}

int store_media_policy_parse(const char *s, uint32_t *out)
{
    for (uint32_t i = 0; s && i < SW_ARRAY_LEN(media_names); i++) {
        if (strcmp(s, media_names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return -EINVAL;
}

int store_tenant_set_media(struct store *st, int64_t id, uint32_t policy)
{
    if (policy > STORE_MEDIA_ALWAYS) {
        return store_fail(st, -EINVAL, "media policy out of range");
    }
    sqlite3_stmt *s = store_prep(
        st, "INSERT INTO tenant_media (tenant_id, policy) "
            "SELECT id, ?2 FROM tenants WHERE id = ?1 "
            "ON CONFLICT (tenant_id) DO UPDATE SET policy = excluded.policy");
    if (!s) {
        return -EIO;
    }
    int changes = 0;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, policy);
    int rc = store_step_done(st, s, "saving media policy", &changes);
    sqlite3_finalize(s);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no tenant with id %lld", (long long)id);
    }
    return rc;
}
