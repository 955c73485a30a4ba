/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin plane's tables: accounts, password history, TOTP secrets
 * (sealed like the SIP HA1s), recovery codes, sessions, support links and
 * the audit log. Statements are prepared per call rather than cached: the
 * admin plane runs a few per HTTP request, far from the registrar's rate,
 * and this keeps the shared statement cache to the hot paths.
 */
#include "store/admin.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* Prepare 'sql' for one use; the caller finalizes. NULL with the message
 * set on failure. */
/* Run a statement without rows once and finalize it. */
static int exec_done(struct store *st, sqlite3_stmt *s, const char *what,
                     int *changes)
{
    if (!s) {
        return -EIO;
    }
    int rc = store_step_done(st, s, what, changes);
    sqlite3_finalize(s);
    return rc;
}

/* 'n' lowercase hex digits exactly. */
static bool hex_ok(const char *s, size_t n)
{
    return s && strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

static void bind_opt_text(sqlite3_stmt *s, int idx, const char *v)
{
    if (v && v[0]) {
        store_bind_text(s, idx, v);
    } else {
        sqlite3_bind_null(s, idx);
    }
}

static void bind_opt_int(sqlite3_stmt *s, int idx, int64_t v)
{
    if (v != 0) {
        sqlite3_bind_int64(s, idx, v);
    } else {
        sqlite3_bind_null(s, idx);
    }
}

/* ------------------------------------------------------------------ */
/* Roles                                                                */
/* ------------------------------------------------------------------ */

static const char *const role_names[] = {
    [STORE_ADMIN_SYSTEM] = "system_admin",
    [STORE_ADMIN_TENANT] = "tenant_admin",
    [STORE_ADMIN_USER] = "user",
};

const char *store_admin_role_name(enum store_admin_role role)
{
    if ((unsigned)role >= sizeof(role_names) / sizeof(role_names[0])) {
        return "unknown";
    }
    return role_names[role];
}

int store_admin_role_parse(const char *s, enum store_admin_role *out)
{
    for (size_t i = 0; s && i < sizeof(role_names) / sizeof(role_names[0]);
         i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum store_admin_role)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Accounts                                                             */
/* ------------------------------------------------------------------ */

#define ADMIN_COLS                                                        \
    "a.id, a.username, a.role, a.tenant_id, a.user_id, a.must_change, "   \
    "a.pw_changed_at, a.last_login_at, a.last_login_ip, a.totp_enabled, " \
    "a.totp_pending_enc IS NOT NULL, a.totp_last_step, a.created_at, "    \
    "a.updated_at, coalesce(u.ext, ''), coalesce(u.name, ''), "           \
    "coalesce(u.email, '') FROM admins a LEFT JOIN users u ON u.id = "    \
    "a.user_id "

static void row_to_admin(sqlite3_stmt *s, struct store_admin *a)
{
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, a->username, sizeof(a->username));
    enum store_admin_role role = STORE_ADMIN_USER;
    store_admin_role_parse(store_col_text(s, 2), &role);
    a->role = role;
    a->tenant_id = sqlite3_column_int64(s, 3);
    a->user_id = sqlite3_column_int64(s, 4);
    a->must_change = sqlite3_column_int(s, 5) != 0;
    a->pw_changed_at = sqlite3_column_int64(s, 6);
    a->last_login_at = sqlite3_column_int64(s, 7);
    store_col_copy(s, 8, a->last_login_ip, sizeof(a->last_login_ip));
    a->totp_enabled = sqlite3_column_int(s, 9) != 0;
    a->totp_pending = sqlite3_column_int(s, 10) != 0;
    a->totp_last_step = sqlite3_column_int64(s, 11);
    a->created_at = sqlite3_column_int64(s, 12);
    a->updated_at = sqlite3_column_int64(s, 13);
    store_col_copy(s, 14, a->user_ext, sizeof(a->user_ext));
    store_col_copy(s, 15, a->user_name, sizeof(a->user_name));
    store_col_copy(s, 16, a->user_email, sizeof(a->user_email));
}

static bool pw_hash_ok(const char *h)
{
    return store_text_ok(h, STORE_PWHASH_MAX, false, true)
           && strncmp(h, "$argon2", 7) == 0;
}

/* Usernames: no blanks or controls, no ':' (actors "support:N" stay
 * unambiguous), not the actor name of the command line. */
static int username_check(struct store *st, const char *u)
{
    if (!store_text_ok(u, STORE_ADMIN_USERNAME_MAX, false, true)
        || strchr(u, ':') || strcasecmp(u, "cli") == 0) {
        return store_fail(st, -EINVAL,
                          "username must be 1..%d characters without "
                          "blanks, control characters or ':' (and not "
                          "'cli')",
                          STORE_ADMIN_USERNAME_MAX);
    }
    return 0;
}

/* Role, tenant and user must agree, and the rows must exist. */
static int role_check(struct store *st, enum store_admin_role role,
                      int64_t tenant_id, int64_t user_id)
{
    if ((unsigned)role > STORE_ADMIN_USER) {
        return store_fail(st, -EINVAL,
                          "role must be system_admin, tenant_admin or user");
    }
    if (role == STORE_ADMIN_SYSTEM) {
        if (tenant_id != 0 || user_id != 0) {
            return store_fail(st, -EINVAL,
                              "a system administrator has no tenant or user");
        }
        return 0;
    }
    if (tenant_id <= 0) {
        return store_fail(st, -EINVAL, "a %s account needs a tenant",
                          store_admin_role_name(role));
    }
    int rc = store_tenant_check(st, tenant_id);
    if (rc < 0) {
        return rc;
    }
    if (role == STORE_ADMIN_USER && user_id <= 0) {
        return store_fail(st, -EINVAL, "a user account needs a SIP user");
    }
    if (user_id > 0) {
        int64_t ut = 0;
        rc = store_user_tenant(st, user_id, &ut);
        if (rc < 0) {
            return rc;
        }
        if (ut != tenant_id) {
            return store_fail(st, -EINVAL, "user %lld is not in tenant %lld",
                              (long long)user_id, (long long)tenant_id);
        }
    }
    return 0;
}

int store_admin_add(struct store *st, const struct store_admin_new *a,
                    int64_t now, int64_t *id)
{
    int rc = username_check(st, a->username);
    if (rc < 0) {
        return rc;
    }
    if (!pw_hash_ok(a->pw_hash)) {
        return store_fail(st, -EINVAL, "password hash is not an Argon2 hash");
    }
    rc = role_check(st, a->role, a->tenant_id, a->user_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_prep(
        st, "INSERT INTO admins (username, role, tenant_id, user_id, pw_hash, "
            "must_change, pw_changed_at, created_at, updated_at) VALUES (?1, "
            "?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, a->username);
    store_bind_text(s, 2, store_admin_role_name(a->role));
    store_bind_id(s, 3, a->tenant_id);
    store_bind_id(s, 4, a->user_id);
    store_bind_text(s, 5, a->pw_hash);
    sqlite3_bind_int(s, 6, a->must_change ? 1 : 0);
    sqlite3_bind_int64(s, 7, now);
    rc = store_step_insert(st, s, "adding account", id);
    sqlite3_finalize(s);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "account %s already exists",
                          a->username);
    }
    return rc;
}

static int admin_one(struct store *st, sqlite3_stmt *s, struct store_admin *out,
                     const char *what)
{
    if (!s) {
        return -EIO;
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_admin(s, out);
    }
    int res = rc == SQLITE_ROW    ? 0
              : rc == SQLITE_DONE ? store_fail(st, -ENOENT, "no such %s", what)
                                  : store_fail_sql(st, rc, what);
    sqlite3_finalize(s);
    if (res == 0) {
        store_ok(st);
    }
    return res;
}

int store_admin_get(struct store *st, int64_t id, struct store_admin *out)
{
    sqlite3_stmt *s = store_prep(st, "SELECT " ADMIN_COLS "WHERE a.id = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
    }
    return admin_one(st, s, out, "account");
}

int store_admin_find(struct store *st, const char *username,
                     struct store_admin *out)
{
    if (!username) {
        return store_fail(st, -EINVAL, "no username");
    }
    sqlite3_stmt *s =
        store_prep(st, "SELECT " ADMIN_COLS "WHERE a.username = ?1");
    if (s) {
        store_bind_text(s, 1, username);
    }
    return admin_one(st, s, out, "account");
}

struct admin_walk {
    store_admin_fn *cb;
    void *ud;
};

static int admin_row(void *ud, sqlite3_stmt *s)
{
    struct admin_walk *w = ud;
    struct store_admin a;
    row_to_admin(s, &a);
    return w->cb(w->ud, &a);
}

int store_admin_list(struct store *st, int64_t tenant_id, store_admin_fn *cb,
                     void *ud)
{
    struct admin_walk w = { cb, ud };
    sqlite3_stmt *s =
        store_prep(st, "SELECT " ADMIN_COLS "WHERE ?1 = 0 OR a.tenant_id = ?1 "
                       "ORDER BY a.username, a.id");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    int rc = store_walk(st, s, admin_row, &w, "listing accounts");
    sqlite3_finalize(s);
    return rc;
}

int store_admin_rm(struct store *st, int64_t id)
{
    sqlite3_stmt *s = store_prep(st, "DELETE FROM admins WHERE id = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
    }
    int changes = 0;
    int rc = exec_done(st, s, "removing account", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no account with id %lld",
                          (long long)id);
    }
    return rc;
}

int store_admin_count(struct store *st, int role, uint32_t *n)
{
    sqlite3_stmt *s =
        store_prep(st, "SELECT count(*) FROM admins WHERE ?1 IS NULL "
                       "OR role = ?1");
    if (!s) {
        return -EIO;
    }
    if (role >= 0) {
        store_bind_text(s, 1, store_admin_role_name(role));
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *n = store_col_u32(s, 0);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "counting accounts");
    }
    store_ok(st);
    return 0;
}

int store_admin_pw_hash(struct store *st, int64_t id, char *out, size_t cap)
{
    sqlite3_stmt *s =
        store_prep(st, "SELECT pw_hash FROM admins WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    int res = 0;
    if (rc == SQLITE_ROW) {
        const char *h = store_col_text(s, 0);
        size_t n = strlen(h);
        if (n >= cap) {
            res = store_fail(st, -ENOSPC, "password hash does not fit");
        } else {
            memcpy(out, h, n + 1);
        }
    } else if (rc == SQLITE_DONE) {
        res = store_fail(st, -ENOENT, "no account with id %lld", (long long)id);
    } else {
        res = store_fail_sql(st, rc, "reading password hash");
    }
    sqlite3_finalize(s);
    if (res == 0) {
        store_ok(st);
    }
    return res;
}

int store_admin_set_password(struct store *st, int64_t id, const char *pw_hash,
                             bool must_change, uint32_t keep, int64_t now)
{
    if (!pw_hash_ok(pw_hash)) {
        return store_fail(st, -EINVAL, "password hash is not an Argon2 hash");
    }
    if (keep > STORE_ADMIN_HISTORY_MAX) {
        return store_fail(st, -EINVAL, "history must be 0..%d passwords",
                          STORE_ADMIN_HISTORY_MAX);
    }
    struct store_tx tx;
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    /* The hash being replaced joins the history. */
    sqlite3_stmt *s = store_prep(
        st, "INSERT INTO admin_pw_history (admin_id, pw_hash, "
            "changed_at) SELECT id, pw_hash, ?2 FROM admins WHERE id = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, now);
    }
    int changes = 0;
    rc = exec_done(st, s, "recording password history", &changes);
    if (rc == 0 && changes == 0) {
        rc = store_fail(st, -ENOENT, "no account with id %lld", (long long)id);
    }
    if (rc == 0) {
        s = store_prep(st, "UPDATE admins SET pw_hash = ?2, must_change = ?3, "
                           "pw_changed_at = ?4, updated_at = ?4 WHERE id = ?1");
        if (s) {
            sqlite3_bind_int64(s, 1, id);
            store_bind_text(s, 2, pw_hash);
            sqlite3_bind_int(s, 3, must_change ? 1 : 0);
            sqlite3_bind_int64(s, 4, now);
        }
        rc = exec_done(st, s, "setting password", NULL);
    }
    if (rc == 0) {
        s = store_prep(st,
                       "DELETE FROM admin_pw_history WHERE admin_id = ?1 AND "
                       "id NOT IN (SELECT id FROM admin_pw_history WHERE "
                       "admin_id = ?1 ORDER BY id DESC LIMIT ?2)");
        if (s) {
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int64(s, 2, keep);
        }
        rc = exec_done(st, s, "trimming password history", NULL);
    }
    int end = store_tx_end(st, &tx, rc == 0);
    return rc < 0 ? rc : end;
}

struct hash_walk {
    store_pw_hash_fn *cb;
    void *ud;
};

static int hash_row(void *ud, sqlite3_stmt *s)
{
    struct hash_walk *w = ud;
    return w->cb(w->ud, store_col_text(s, 0));
}

int store_admin_pw_history(struct store *st, int64_t id, uint32_t n_old,
                           store_pw_hash_fn *cb, void *ud)
{
    char cur[STORE_PWHASH_MAX + 1];
    int rc = store_admin_pw_hash(st, id, cur, sizeof(cur));
    if (rc < 0) {
        return rc;
    }
    rc = cb(ud, cur);
    sodium_memzero(cur, sizeof(cur));
    if (rc != 0 || n_old == 0) {
        return rc;
    }
    struct hash_walk w = { cb, ud };
    sqlite3_stmt *s =
        store_prep(st, "SELECT pw_hash FROM admin_pw_history WHERE "
                       "admin_id = ?1 ORDER BY id DESC LIMIT ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, n_old);
    rc = store_walk(st, s, hash_row, &w, "reading password history");
    sqlite3_finalize(s);
    return rc;
}

int store_admin_set_role(struct store *st, int64_t id,
                         enum store_admin_role role, int64_t tenant_id,
                         int64_t user_id, int64_t now)
{
    int rc = role_check(st, role, tenant_id, user_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s =
        store_prep(st, "UPDATE admins SET role = ?2, tenant_id = ?3, "
                       "user_id = ?4, updated_at = ?5 WHERE id = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        store_bind_text(s, 2, store_admin_role_name(role));
        store_bind_id(s, 3, tenant_id);
        store_bind_id(s, 4, user_id);
        sqlite3_bind_int64(s, 5, now);
    }
    int changes = 0;
    rc = exec_done(st, s, "changing role", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no account with id %lld",
                          (long long)id);
    }
    return rc;
}

int store_admin_set_login(struct store *st, int64_t id, const char *ip,
                          int64_t now)
{
    if (!store_text_ok(ip, STORE_IP_TEXT_MAX, true, true)) {
        return store_fail(st, -EINVAL, "bad client address");
    }
    sqlite3_stmt *s = store_prep(st, "UPDATE admins SET last_login_at = ?2, "
                                     "last_login_ip = ?3 WHERE id = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, now);
        store_bind_text(s, 3, ip);
    }
    int changes = 0;
    int rc = exec_done(st, s, "recording sign-in", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no account with id %lld",
                          (long long)id);
    }
    return rc;
}

/* Was the default account seeded, and how many accounts exist? */
static int seed_state(struct store *st, bool *seeded, uint32_t *n_admins)
{
    sqlite3_stmt *s = store_prep(st, "SELECT (SELECT count(*) FROM admin_state "
                                     "WHERE default_seeded_at IS NOT NULL), "
                                     "(SELECT count(*) FROM admins)");
    if (!s) {
        return -EIO;
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *seeded = sqlite3_column_int(s, 0) != 0;
        *n_admins = store_col_u32(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_fail_sql(st, rc, "reading accounts");
}

int store_admin_ensure_default(struct store *st, int64_t now, bool *created)
{
    bool seeded = false;
    uint32_t n = 0;
    char hash[crypto_pwhash_STRBYTES];
    if (created) {
        *created = false;
    }
    int rc = seed_state(st, &seeded, &n);
    if (rc < 0 || seeded) {
        return rc;
    }
    /* Hash outside the write transaction: Argon2 takes a while. */
    if (n == 0
        && crypto_pwhash_str(hash, "admin", 5,
                             crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE)
               != 0) {
        return store_fail(st, -ENOMEM, "cannot hash the default password");
    }
    struct store_tx tx;
    rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    /* Another process may have seeded while we hashed. */
    rc = seed_state(st, &seeded, &n);
    bool add = rc == 0 && !seeded && n == 0;
    if (add) {
        struct store_admin_new a = {
            .username = "admin",
            .role = STORE_ADMIN_SYSTEM,
            .pw_hash = hash,
            .must_change = true,
        };
        rc = store_admin_add(st, &a, now, NULL);
    }
    if (rc == 0 && !seeded) {
        sqlite3_stmt *s =
            store_prep(st, "INSERT OR REPLACE INTO admin_state (id, "
                           "default_seeded_at) VALUES (1, ?1)");
        if (s) {
            sqlite3_bind_int64(s, 1, now);
        }
        rc = exec_done(st, s, "recording the default account", NULL);
    }
    int end = store_tx_end(st, &tx, rc == 0);
    if (rc == 0 && end == 0 && created) {
        *created = add;
    }
    return rc < 0 ? rc : end;
}

/* ---- TOTP ---------------------------------------------------------------- */

enum { TOTP_SEALED_CAP = STORE_TOTP_SECRET_MAX + 64 };

int store_admin_totp_set_pending(struct store *st, int64_t id,
                                 const void *secret, size_t len, int64_t now)
{
    unsigned char sealed[TOTP_SEALED_CAP];
    size_t sealed_len = 0;
    if (!secret || len == 0 || len > STORE_TOTP_SECRET_MAX) {
        return store_fail(st, -EINVAL, "TOTP secret must be 1..%d bytes",
                          STORE_TOTP_SECRET_MAX);
    }
    if (store_seal(st, secret, len, sealed, sizeof(sealed), &sealed_len) < 0) {
        return store_fail(st, -EIO, "cannot seal the TOTP secret");
    }
    sqlite3_stmt *s = store_prep(st, "UPDATE admins SET totp_pending_enc = ?2, "
                                     "updated_at = ?3 WHERE id = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_blob(s, 2, sealed, (int)sealed_len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, now);
    }
    int changes = 0;
    int rc = exec_done(st, s, "storing TOTP secret", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no account with id %lld",
                          (long long)id);
    }
    return rc;
}

int store_admin_totp_get(struct store *st, int64_t id, bool pending, void *out,
                         size_t cap, size_t *len)
{
    sqlite3_stmt *s = store_prep(
        st, pending ? "SELECT totp_pending_enc FROM admins WHERE id = ?1"
                    : "SELECT totp_secret_enc FROM admins WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    int res;
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_BLOB) {
        const void *blob = sqlite3_column_blob(s, 0);
        size_t blob_len = (size_t)sqlite3_column_bytes(s, 0);
        if (blob_len > store_seal_len(cap)) {
            res = store_fail(st, -ENOSPC, "TOTP secret does not fit");
        } else {
            res = store_unseal(st, blob, blob_len, out, cap, len);
            if (res < 0) {
                res = store_fail(st, -EBADMSG,
                                 "TOTP secret of account %lld fails to "
                                 "decrypt (wrong secret.key?)",
                                 (long long)id);
            }
        }
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        res = store_fail(st, -ENOENT, "no %sTOTP secret for account %lld",
                         pending ? "pending " : "", (long long)id);
    } else {
        res = store_fail_sql(st, rc, "reading TOTP secret");
    }
    sqlite3_finalize(s);
    if (res == 0) {
        store_ok(st);
    }
    return res;
}

int store_admin_totp_enable(struct store *st, int64_t id, int64_t step,
                            int64_t now)
{
    sqlite3_stmt *s =
        store_prep(st, "UPDATE admins SET totp_secret_enc = totp_pending_enc, "
                       "totp_pending_enc = NULL, totp_enabled = 1, "
                       "totp_last_step = ?2, updated_at = ?3 "
                       "WHERE id = ?1 AND totp_pending_enc IS NOT NULL");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, step);
        sqlite3_bind_int64(s, 3, now);
    }
    int changes = 0;
    int rc = exec_done(st, s, "enabling TOTP", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT,
                          "account %lld has no pending TOTP secret",
                          (long long)id);
    }
    return rc;
}

int store_admin_totp_disable(struct store *st, int64_t id, int64_t now)
{
    struct store_tx tx;
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_prep(
        st, "UPDATE admins SET totp_secret_enc = NULL, totp_pending_enc "
            "= NULL, totp_enabled = 0, updated_at = ?2 WHERE id = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, now);
    }
    int changes = 0;
    rc = exec_done(st, s, "disabling TOTP", &changes);
    if (rc == 0 && changes == 0) {
        rc = store_fail(st, -ENOENT, "no account with id %lld", (long long)id);
    }
    if (rc == 0) {
        s = store_prep(st,
                       "DELETE FROM admin_recovery_codes WHERE admin_id = ?1");
        if (s) {
            sqlite3_bind_int64(s, 1, id);
        }
        rc = exec_done(st, s, "deleting recovery codes", NULL);
    }
    int end = store_tx_end(st, &tx, rc == 0);
    return rc < 0 ? rc : end;
}

int store_admin_totp_use_step(struct store *st, int64_t id, int64_t step)
{
    sqlite3_stmt *s = store_prep(st, "UPDATE admins SET totp_last_step = ?2 "
                                     "WHERE id = ?1 AND totp_last_step < ?2");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, step);
    }
    int changes = 0;
    int rc = exec_done(st, s, "recording TOTP step", &changes);
    if (rc < 0 || changes == 1) {
        return rc;
    }
    struct store_admin a;
    rc = store_admin_get(st, id, &a);
    if (rc < 0) {
        return rc;
    }
    return store_fail(st, -EALREADY, "TOTP code already used");
}

int store_admin_recovery_set(struct store *st, int64_t id,
                             const char *const *hashes, size_t n, int64_t now)
{
    if (n > STORE_RECOVERY_CODES_MAX) {
        return store_fail(st, -EINVAL, "at most %d recovery codes",
                          STORE_RECOVERY_CODES_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        if (!hex_ok(hashes[i], STORE_HASH_HEX_LEN)) {
            return store_fail(st, -EINVAL,
                              "recovery code hash %zu is not "
                              "SHA-256 hex",
                              i);
        }
    }
    struct store_tx tx;
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    struct store_admin a;
    rc = store_admin_get(st, id, &a);
    if (rc == 0) {
        sqlite3_stmt *s = store_prep(
            st, "DELETE FROM admin_recovery_codes WHERE admin_id = ?1");
        if (s) {
            sqlite3_bind_int64(s, 1, id);
        }
        rc = exec_done(st, s, "replacing recovery codes", NULL);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *s = store_prep(
            st, "INSERT INTO admin_recovery_codes (admin_id, code_hash, "
                "created_at) VALUES (?1, ?2, ?3)");
        if (s) {
            sqlite3_bind_int64(s, 1, id);
            store_bind_text(s, 2, hashes[i]);
            sqlite3_bind_int64(s, 3, now);
        }
        rc = exec_done(st, s, "storing recovery code", NULL);
    }
    int end = store_tx_end(st, &tx, rc == 0);
    return rc < 0 ? rc : end;
}

int store_admin_recovery_use(struct store *st, int64_t id, const char *hash,
                             int64_t now)
{
    if (!hex_ok(hash, STORE_HASH_HEX_LEN)) {
        return store_fail(st, -ENOENT, "no such recovery code");
    }
    sqlite3_stmt *s =
        store_prep(st, "UPDATE admin_recovery_codes SET used_at = ?3 WHERE "
                       "admin_id = ?1 AND code_hash = ?2 AND used_at IS NULL");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        store_bind_text(s, 2, hash);
        sqlite3_bind_int64(s, 3, now);
    }
    int changes = 0;
    int rc = exec_done(st, s, "using recovery code", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no such recovery code");
    }
    return rc;
}

int store_admin_recovery_left(struct store *st, int64_t id, uint32_t *n)
{
    sqlite3_stmt *s =
        store_prep(st, "SELECT count(*) FROM admin_recovery_codes "
                       "WHERE admin_id = ?1 AND used_at IS NULL");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *n = store_col_u32(s, 0);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "counting recovery codes");
    }
    store_ok(st);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Sessions                                                             */
/* ------------------------------------------------------------------ */

#define SESSION_COLS                                                     \
    "s.id, coalesce(s.admin_id, 0), coalesce(s.support_id, 0), s.kind, " \
    "s.csrf_hash, s.label, s.created_at, s.last_seen_at, s.expires_at, " \
    "coalesce(s.revoked_at, 0), s.client_ip, s.user_agent, "             \
    "coalesce(a.role, l.role), coalesce(a.tenant_id, l.tenant_id, 0), "  \
    "coalesce(a.user_id, l.user_id, 0), coalesce(a.username, ''), "      \
    "coalesce(a.must_change, 0) FROM admin_sessions s "                  \
    "LEFT JOIN admins a ON a.id = s.admin_id "                           \
    "LEFT JOIN support_links l ON l.id = s.support_id "

static void row_to_session(sqlite3_stmt *s, struct store_session *o)
{
    memset(o, 0, sizeof(*o));
    store_col_copy(s, 0, o->id, sizeof(o->id));
    o->admin_id = sqlite3_column_int64(s, 1);
    o->support_id = sqlite3_column_int64(s, 2);
    o->kind = strcmp(store_col_text(s, 3), "api_token") == 0
                  ? STORE_SESSION_API_TOKEN
                  : STORE_SESSION_COOKIE;
    store_col_copy(s, 4, o->csrf_hash, sizeof(o->csrf_hash));
    store_col_copy(s, 5, o->label, sizeof(o->label));
    o->created_at = sqlite3_column_int64(s, 6);
    o->last_seen_at = sqlite3_column_int64(s, 7);
    o->expires_at = sqlite3_column_int64(s, 8);
    o->revoked_at = sqlite3_column_int64(s, 9);
    store_col_copy(s, 10, o->client_ip, sizeof(o->client_ip));
    store_col_copy(s, 11, o->user_agent, sizeof(o->user_agent));
    enum store_admin_role role = STORE_ADMIN_USER;
    store_admin_role_parse(store_col_text(s, 12), &role);
    o->role = role;
    o->tenant_id = sqlite3_column_int64(s, 13);
    o->user_id = sqlite3_column_int64(s, 14);
    store_col_copy(s, 15, o->username, sizeof(o->username));
    o->must_change = sqlite3_column_int(s, 16) != 0;
}

/* Untrusted User-Agent text: at most STORE_USER_AGENT_MAX bytes, cut at a
 * UTF-8 boundary, control characters replaced. */
static void ua_clean(const char *ua, char *dst, size_t cap)
{
    size_t n = ua ? strnlen(ua, cap - 1) : 0;
    if (ua && ua[n] != '\0') {
        while (n > 0 && ((unsigned char)ua[n] & 0xc0) == 0x80) {
            n--;
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)ua[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
}

int store_session_add(struct store *st, const struct store_session *o)
{
    char ua[STORE_USER_AGENT_MAX + 1];
    if (!hex_ok(o->id, STORE_HASH_HEX_LEN)) {
        return store_fail(st, -EINVAL, "session id is not SHA-256 hex");
    }
    if ((o->admin_id > 0) == (o->support_id > 0)) {
        return store_fail(st, -EINVAL,
                          "a session belongs to an account or a support link");
    }
    if ((unsigned)o->kind > STORE_SESSION_API_TOKEN) {
        return store_fail(st, -EINVAL, "bad session kind");
    }
    if (!store_field_ok(o->csrf_hash, sizeof(o->csrf_hash))
        || (o->csrf_hash[0] && !hex_ok(o->csrf_hash, STORE_HASH_HEX_LEN))) {
        return store_fail(st, -EINVAL, "CSRF hash is not SHA-256 hex");
    }
    if (!store_field_ok(o->label, sizeof(o->label))
        || !store_text_ok(o->label, STORE_SESSION_LABEL_MAX, true, false)) {
        return store_fail(st, -EINVAL,
                          "token label must be at most %d characters without "
                          "control characters",
                          STORE_SESSION_LABEL_MAX);
    }
    if (!store_field_ok(o->client_ip, sizeof(o->client_ip))
        || !store_text_ok(o->client_ip, STORE_IP_TEXT_MAX, true, true)) {
        return store_fail(st, -EINVAL, "bad client address");
    }
    if (o->expires_at <= o->created_at) {
        return store_fail(st, -EINVAL, "session expires before it starts");
    }
    ua_clean(o->user_agent, ua, sizeof(ua));
    sqlite3_stmt *s = store_prep(
        st, "INSERT INTO admin_sessions (id, admin_id, support_id, kind, "
            "csrf_hash, label, created_at, last_seen_at, expires_at, "
            "client_ip, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, "
            "?8, ?9, ?10)");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, o->id);
    store_bind_id(s, 2, o->admin_id);
    store_bind_id(s, 3, o->support_id);
    store_bind_text(
        s, 4, o->kind == STORE_SESSION_API_TOKEN ? "api_token" : "cookie");
    store_bind_text(s, 5, o->csrf_hash);
    store_bind_text(s, 6, o->label);
    sqlite3_bind_int64(s, 7, o->created_at);
    sqlite3_bind_int64(s, 8, o->expires_at);
    store_bind_text(s, 9, o->client_ip);
    store_bind_text(s, 10, ua);
    int rc = store_step_insert(st, s, "adding session", NULL);
    sqlite3_finalize(s);
    return rc;
}

int store_session_get(struct store *st, const char *id,
                      struct store_session *out)
{
    if (!hex_ok(id, STORE_HASH_HEX_LEN)) {
        return store_fail(st, -ENOENT, "no such session");
    }
    sqlite3_stmt *s = store_prep(st, "SELECT " SESSION_COLS "WHERE s.id = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_session(s, out);
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no such session");
    }
    if (rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "reading session");
    }
    store_ok(st);
    return 0;
}

/* Run an UPDATE of one session by id (?1); -ENOENT when no row exists. */
static int session_update(struct store *st, sqlite3_stmt *s, const char *id,
                          int64_t now, const char *what)
{
    if (!hex_ok(id, STORE_HASH_HEX_LEN)) {
        sqlite3_finalize(s);
        return store_fail(st, -ENOENT, "no such session");
    }
    if (s) {
        store_bind_text(s, 1, id);
        sqlite3_bind_int64(s, 2, now);
    }
    int rc = exec_done(st, s, what, NULL);
    if (rc < 0) {
        return rc;
    }
    struct store_session o;
    return store_session_get(st, id, &o);
}

int store_session_touch(struct store *st, const char *id, int64_t now)
{
    return session_update(st,
                          store_prep(st,
                                     "UPDATE admin_sessions SET last_seen_at = "
                                     "max(last_seen_at, ?2) WHERE id = ?1"),
                          id, now, "touching session");
}

int store_session_revoke(struct store *st, const char *id, int64_t now)
{
    return session_update(
        st,
        store_prep(st, "UPDATE admin_sessions SET revoked_at = ?2 "
                       "WHERE id = ?1 AND revoked_at IS NULL"),
        id, now, "revoking session");
}

int store_session_revoke_admin(struct store *st, int64_t admin_id,
                               const char *keep_id, int64_t now, uint32_t *n)
{
    sqlite3_stmt *s = store_prep(
        st, "UPDATE admin_sessions SET revoked_at = ?2 WHERE admin_id = "
            "?1 AND revoked_at IS NULL AND (?3 IS NULL OR id <> ?3)");
    if (s) {
        sqlite3_bind_int64(s, 1, admin_id);
        sqlite3_bind_int64(s, 2, now);
        bind_opt_text(s, 3, keep_id);
    }
    int changes = 0;
    int rc = exec_done(st, s, "revoking sessions", &changes);
    if (rc == 0 && n) {
        *n = (uint32_t)changes;
    }
    return rc;
}

struct session_walk {
    store_session_fn *cb;
    void *ud;
};

static int session_row(void *ud, sqlite3_stmt *s)
{
    struct session_walk *w = ud;
    struct store_session o;
    row_to_session(s, &o);
    return w->cb(w->ud, &o);
}

int store_session_list(struct store *st, int64_t admin_id, int64_t now,
                       store_session_fn *cb, void *ud)
{
    struct session_walk w = { cb, ud };
    sqlite3_stmt *s =
        store_prep(st, "SELECT " SESSION_COLS
                       "WHERE s.revoked_at IS NULL AND s.expires_at "
                       "> ?2 AND (?1 = 0 OR s.admin_id = ?1) "
                       "ORDER BY s.created_at DESC, s.id");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, admin_id);
    sqlite3_bind_int64(s, 2, now);
    int rc = store_walk(st, s, session_row, &w, "listing sessions");
    sqlite3_finalize(s);
    return rc;
}

int store_session_purge(struct store *st, int64_t before, int64_t idle_before,
                        uint32_t *n_removed)
{
    sqlite3_stmt *s =
        store_prep(st, "DELETE FROM admin_sessions WHERE expires_at <= ?1 OR "
                       "(revoked_at IS NOT NULL AND revoked_at <= ?1) OR "
                       "(kind = 'cookie' AND last_seen_at <= ?2)");
    if (s) {
        sqlite3_bind_int64(s, 1, before);
        sqlite3_bind_int64(s, 2, idle_before);
    }
    int changes = 0;
    int rc = exec_done(st, s, "purging sessions", &changes);
    if (rc == 0 && n_removed) {
        *n_removed = (uint32_t)changes;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Support links                                                        */
/* ------------------------------------------------------------------ */

#define LINK_COLS                                             \
    "id, token_hash, tenant_id, role, coalesce(user_id, 0), " \
    "coalesce(created_by, 0), note, created_at, expires_at, " \
    "coalesce(revoked_at, 0), uses, last_used_at FROM support_links "

static void row_to_link(sqlite3_stmt *s, struct store_support_link *l)
{
    memset(l, 0, sizeof(*l));
    l->id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, l->token_hash, sizeof(l->token_hash));
    l->tenant_id = sqlite3_column_int64(s, 2);
    enum store_admin_role role = STORE_ADMIN_USER;
    store_admin_role_parse(store_col_text(s, 3), &role);
    l->role = role;
    l->user_id = sqlite3_column_int64(s, 4);
    l->created_by = sqlite3_column_int64(s, 5);
    store_col_copy(s, 6, l->note, sizeof(l->note));
    l->created_at = sqlite3_column_int64(s, 7);
    l->expires_at = sqlite3_column_int64(s, 8);
    l->revoked_at = sqlite3_column_int64(s, 9);
    l->uses = store_col_u32(s, 10);
    l->last_used_at = sqlite3_column_int64(s, 11);
}

int store_support_link_add(struct store *st, const struct store_support_link *l,
                           int64_t *id)
{
    if (!hex_ok(l->token_hash, STORE_HASH_HEX_LEN)) {
        return store_fail(st, -EINVAL, "token hash is not SHA-256 hex");
    }
    if (l->role != STORE_ADMIN_TENANT && l->role != STORE_ADMIN_USER) {
        return store_fail(st, -EINVAL,
                          "a support link is for a tenant_admin or a user");
    }
    if (l->expires_at <= l->created_at
        || l->expires_at - l->created_at > STORE_SUPPORT_TTL_MAX_S) {
        return store_fail(st, -EINVAL,
                          "a support link lasts more than 0 and at most 72 "
                          "hours");
    }
    if (!store_field_ok(l->note, sizeof(l->note))
        || !store_text_ok(l->note, STORE_SUPPORT_NOTE_MAX, true, false)) {
        return store_fail(st, -EINVAL,
                          "note must be at most %d characters without control "
                          "characters",
                          STORE_SUPPORT_NOTE_MAX);
    }
    int rc = role_check(st, l->role, l->tenant_id, l->user_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_prep(
        st, "INSERT INTO support_links (token_hash, tenant_id, role, "
            "user_id, created_by, note, created_at, expires_at) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, l->token_hash);
    sqlite3_bind_int64(s, 2, l->tenant_id);
    store_bind_text(s, 3, store_admin_role_name(l->role));
    store_bind_id(s, 4, l->user_id);
    store_bind_id(s, 5, l->created_by);
    store_bind_text(s, 6, l->note);
    sqlite3_bind_int64(s, 7, l->created_at);
    sqlite3_bind_int64(s, 8, l->expires_at);
    rc = store_step_insert(st, s, "adding support link", id);
    sqlite3_finalize(s);
    return rc;
}

static int link_one(struct store *st, sqlite3_stmt *s,
                    struct store_support_link *out)
{
    if (!s) {
        return -EIO;
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_link(s, out);
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no such support link");
    }
    if (rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "reading support link");
    }
    store_ok(st);
    return 0;
}

int store_support_link_get(struct store *st, int64_t id,
                           struct store_support_link *out)
{
    sqlite3_stmt *s = store_prep(st, "SELECT " LINK_COLS "WHERE id = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
    }
    return link_one(st, s, out);
}

int store_support_link_use(struct store *st, const char *token_hash,
                           int64_t now, struct store_support_link *out)
{
    if (!hex_ok(token_hash, STORE_HASH_HEX_LEN)) {
        return store_fail(st, -ENOENT, "no such support link");
    }
    struct store_tx tx;
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s =
        store_prep(st, "SELECT " LINK_COLS "WHERE token_hash = ?1");
    if (s) {
        store_bind_text(s, 1, token_hash);
    }
    rc = link_one(st, s, out);
    if (rc == 0 && out->revoked_at != 0) {
        rc = store_fail(st, -EKEYREVOKED, "support link %lld was revoked",
                        (long long)out->id);
    } else if (rc == 0 && out->expires_at <= now) {
        rc = store_fail(st, -ETIMEDOUT, "support link %lld has expired",
                        (long long)out->id);
    }
    if (rc == 0) {
        s = store_prep(st,
                       "UPDATE support_links SET uses = uses + 1, last_used_at "
                       "= ?2 WHERE id = ?1");
        if (s) {
            sqlite3_bind_int64(s, 1, out->id);
            sqlite3_bind_int64(s, 2, now);
        }
        rc = exec_done(st, s, "counting support link use", NULL);
    }
    if (rc == 0) {
        out->uses++;
        out->last_used_at = now;
    }
    /* A refused use changes nothing: roll back, keep the refusal. */
    int end = store_tx_end(st, &tx, rc == 0);
    return rc < 0 ? rc : end;
}

int store_support_link_revoke(struct store *st, int64_t id, int64_t now)
{
    struct store_tx tx;
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_prep(st, "UPDATE support_links SET revoked_at = "
                                     "coalesce(revoked_at, ?2) WHERE id = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, now);
    }
    int changes = 0;
    rc = exec_done(st, s, "revoking support link", &changes);
    if (rc == 0 && changes == 0) {
        rc = store_fail(st, -ENOENT, "no support link with id %lld",
                        (long long)id);
    }
    if (rc == 0) {
        s = store_prep(st, "UPDATE admin_sessions SET revoked_at = ?2 WHERE "
                           "support_id = ?1 AND revoked_at IS NULL");
        if (s) {
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int64(s, 2, now);
        }
        rc = exec_done(st, s, "revoking support sessions", NULL);
    }
    int end = store_tx_end(st, &tx, rc == 0);
    return rc < 0 ? rc : end;
}

struct link_walk {
    store_support_link_fn *cb;
    void *ud;
};

static int link_row(void *ud, sqlite3_stmt *s)
{
    struct link_walk *w = ud;
    struct store_support_link l;
    row_to_link(s, &l);
    return w->cb(w->ud, &l);
}

int store_support_link_list(struct store *st, int64_t tenant_id,
                            store_support_link_fn *cb, void *ud)
{
    struct link_walk w = { cb, ud };
    sqlite3_stmt *s =
        store_prep(st, "SELECT " LINK_COLS "WHERE ?1 = 0 OR tenant_id = ?1 "
                       "ORDER BY id DESC");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    int rc = store_walk(st, s, link_row, &w, "listing support links");
    sqlite3_finalize(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Audit log                                                            */
/* ------------------------------------------------------------------ */

static bool audit_text_ok(const char *f, size_t cap, bool may_be_empty)
{
    return store_field_ok(f, cap)
           && store_text_ok(f, cap - 1, may_be_empty, false);
}

int store_audit_add(struct store *st, const struct store_audit *a, int64_t *id)
{
    if (!audit_text_ok(a->actor, sizeof(a->actor), false)
        || !audit_text_ok(a->action, sizeof(a->action), false)
        || !audit_text_ok(a->target, sizeof(a->target), true)
        || !audit_text_ok(a->result, sizeof(a->result), true)
        || !store_field_ok(a->client_ip, sizeof(a->client_ip))
        || !store_text_ok(a->client_ip, STORE_IP_TEXT_MAX, true, true)) {
        return store_fail(st, -EINVAL,
                          "audit entry has a missing, over-long or "
                          "unprintable field");
    }
    if ((a->old_json && strlen(a->old_json) > STORE_AUDIT_JSON_MAX)
        || (a->new_json && strlen(a->new_json) > STORE_AUDIT_JSON_MAX)) {
        return store_fail(st, -EINVAL, "audit values exceed %d bytes",
                          STORE_AUDIT_JSON_MAX);
    }
    sqlite3_stmt *s = store_prep(
        st, "INSERT INTO audit_log (at, actor, admin_id, tenant_id, "
            "client_ip, action, target, result, old_json, new_json) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, a->at);
    store_bind_text(s, 2, a->actor);
    store_bind_id(s, 3, a->admin_id);
    store_bind_id(s, 4, a->tenant_id);
    store_bind_text(s, 5, a->client_ip);
    store_bind_text(s, 6, a->action);
    store_bind_text(s, 7, a->target);
    store_bind_text(s, 8, a->result[0] ? a->result : "ok");
    bind_opt_text(s, 9, a->old_json);
    bind_opt_text(s, 10, a->new_json);
    int rc = store_step_insert(st, s, "writing audit entry", id);
    sqlite3_finalize(s);
    return rc;
}

#define AUDIT_WHERE                                                    \
    "WHERE (?1 IS NULL OR actor = ?1) "                                \
    "AND (?2 IS NULL OR substr(action, 1, length(?2)) = ?2) "          \
    "AND (?3 IS NULL OR target = ?3) AND (?4 IS NULL OR result = ?4) " \
    "AND (?5 IS NULL OR tenant_id = ?5) AND (?6 IS NULL OR at >= ?6) " \
    "AND (?7 IS NULL OR at < ?7) AND (?8 IS NULL OR id < ?8) "

static void audit_bind_filter(sqlite3_stmt *s,
                              const struct store_audit_filter *f)
{
    if (!f) {
        return;
    }
    bind_opt_text(s, 1, f->actor);
    bind_opt_text(s, 2, f->action_prefix);
    bind_opt_text(s, 3, f->target);
    bind_opt_text(s, 4, f->result);
    bind_opt_int(s, 5, f->tenant_id);
    bind_opt_int(s, 6, f->since);
    bind_opt_int(s, 7, f->until);
    bind_opt_int(s, 8, f->before_id);
}

static void row_to_audit(sqlite3_stmt *s, struct store_audit *a)
{
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(s, 0);
    a->at = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, a->actor, sizeof(a->actor));
    a->admin_id = sqlite3_column_int64(s, 3);
    a->tenant_id = sqlite3_column_int64(s, 4);
    store_col_copy(s, 5, a->client_ip, sizeof(a->client_ip));
    store_col_copy(s, 6, a->action, sizeof(a->action));
    store_col_copy(s, 7, a->target, sizeof(a->target));
    store_col_copy(s, 8, a->result, sizeof(a->result));
    a->old_json = (const char *)sqlite3_column_text(s, 9);
    a->new_json = (const char *)sqlite3_column_text(s, 10);
}

struct audit_walk {
    store_audit_fn *cb;
    void *ud;
};

static int audit_row(void *ud, sqlite3_stmt *s)
{
    struct audit_walk *w = ud;
    struct store_audit a;
    row_to_audit(s, &a);
    return w->cb(w->ud, &a);
}

int store_audit_list(struct store *st, const struct store_audit_filter *f,
                     store_audit_fn *cb, void *ud)
{
    struct audit_walk w = { cb, ud };
    sqlite3_stmt *s = store_prep(
        st, "SELECT id, at, actor, coalesce(admin_id, 0), "
            "coalesce(tenant_id, 0), client_ip, action, target, result, "
            "old_json, new_json FROM audit_log " AUDIT_WHERE
            "ORDER BY id DESC LIMIT ?9 OFFSET ?10");
    if (!s) {
        return -EIO;
    }
    audit_bind_filter(s, f);
    sqlite3_bind_int64(s, 9, f && f->limit ? (int64_t)f->limit : -1);
    sqlite3_bind_int64(s, 10, f ? (int64_t)f->offset : 0);
    int rc = store_walk(st, s, audit_row, &w, "listing audit log");
    sqlite3_finalize(s);
    return rc;
}

int store_audit_count(struct store *st, const struct store_audit_filter *f,
                      uint64_t *n)
{
    sqlite3_stmt *s =
        store_prep(st, "SELECT count(*) FROM audit_log " AUDIT_WHERE);
    if (!s) {
        return -EIO;
    }
    audit_bind_filter(s, f);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        sqlite3_int64 v = sqlite3_column_int64(s, 0);
        *n = v < 0 ? 0 : (uint64_t)v;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "counting audit entries");
    }
    store_ok(st);
    return 0;
}

int store_audit_purge(struct store *st, int64_t now, uint32_t max_days,
                      uint32_t max_rows, uint32_t *n_removed)
{
    int total = 0;
    struct store_tx tx;
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = store_log_trim(st, "audit_log",
                        max_days > 0 ? now - (int64_t)max_days * 86400 : 0,
                        max_rows, &total);
    int end = store_tx_end(st, &tx, rc == 0);
    if (rc == 0 && end == 0 && n_removed) {
        *n_removed = (uint32_t)total;
    }
    return rc < 0 ? rc : end;
}
