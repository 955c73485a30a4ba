/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Users (extensions) and their SIP credentials. Passwords never reach the
 * database: each write stores the sealed HA1-MD5 and HA1-SHA256 of
 * "ext:domain:password", and the SHA-256 one joins a short history so the
 * policy can refuse reuse. store_user_get_creds is the registrar's hot path.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "store/store_int.h"

#define USER_COLS                                                       \
    "u.id, u.tenant_id, u.ext, u.name, u.email, u.role, u.created_at, " \
    "u.updated_at, u.sip_pw_changed_at"

/* Sealed HA1 blobs of one password. */
struct sealed_ha1 {
    unsigned char md5[STORE_HA1_MD5_LEN + 40];
    size_t md5_len;
    unsigned char sha256[STORE_HA1_SHA256_LEN + 40];
    size_t sha256_len;
};

static int seal_password(struct store *st, const char *ext, const char *domain,
                         const char *pw, struct sealed_ha1 *out)
{
    char md5[STORE_HA1_MD5_LEN + 1];
    char sha[STORE_HA1_SHA256_LEN + 1];
    int rc = store_ha1_md5(ext, domain, pw, md5);
    if (rc == 0) {
        rc = store_ha1_sha256(ext, domain, pw, sha);
    }
    if (rc == 0) {
        rc = store_seal(st, md5, STORE_HA1_MD5_LEN, out->md5, sizeof(out->md5),
                        &out->md5_len);
    }
    if (rc == 0) {
        rc = store_seal(st, sha, STORE_HA1_SHA256_LEN, out->sha256,
                        sizeof(out->sha256), &out->sha256_len);
    }
    sodium_memzero(md5, sizeof(md5));
    sodium_memzero(sha, sizeof(sha));
    if (rc < 0) {
        return store_fail(st, rc, "cannot compute SIP credentials");
    }
    return 0;
}

static int check_password(struct store *st, const char *pw)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n == 0) {
        return store_fail(st, -EINVAL, "SIP password is empty");
    }
    if (n > STORE_SIP_PW_MAX) {
        return store_fail(st, -EINVAL, "SIP password is longer than %d bytes",
                          STORE_SIP_PW_MAX);
    }
    return 0;
}

static void row_to_user(sqlite3_stmt *s, struct store_user *u)
{
    u->id = sqlite3_column_int64(s, 0);
    u->tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, u->ext, sizeof(u->ext));
    store_col_copy(s, 3, u->name, sizeof(u->name));
    store_col_copy(s, 4, u->email, sizeof(u->email));
    enum store_role role = STORE_ROLE_STANDARD;
    store_role_parse(store_col_text(s, 5), &role);
    u->role = role;
    u->created_at = sqlite3_column_int64(s, 6);
    u->updated_at = sqlite3_column_int64(s, 7);
    u->sip_pw_changed_at = sqlite3_column_int64(s, 8);
}

static int history_add(struct store *st, int64_t user_id,
                       const struct sealed_ha1 *h, int64_t now)
{
    sqlite3_stmt *s = store_stmt(st, STMT_PWH_ADD,
                                 "INSERT INTO user_sip_pw_history (user_id, "
                                 "ha1_sha256_enc, changed_at) "
                                 "VALUES (?1, ?2, ?3)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_blob(s, 2, h->sha256, (int)h->sha256_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "recording password history");
    }
    s = store_stmt(st, STMT_PWH_TRIM,
                   "DELETE FROM user_sip_pw_history WHERE user_id = ?1 AND "
                   "id NOT IN (SELECT id FROM user_sip_pw_history WHERE "
                   "user_id = ?1 ORDER BY id DESC LIMIT ?2)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_int(s, 2, STORE_PW_HISTORY_MAX);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "trimming password history");
    }
    return 0;
}

/* Extension and lowercase tenant domain of a user: the digest realm. */
static int user_realm(struct store *st, int64_t user_id,
                      char ext[STORE_EXT_MAX + 1],
                      char domain[STORE_DOMAIN_MAX + 1])
{
    sqlite3_stmt *s = store_stmt(st, STMT_USER_BY_ID,
                                 "SELECT u.ext, t.domain FROM users u JOIN "
                                 "tenants t ON t.id = u.tenant_id "
                                 "WHERE u.id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_col_copy(s, 0, ext, STORE_EXT_MAX + 1);
        store_col_copy(s, 1, domain, STORE_DOMAIN_MAX + 1);
        sqlite3_reset(s);
        return 0;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no user with id %lld",
                          (long long)user_id);
    }
    return store_fail_sql(st, rc, "finding user");
}

int store_user_add(struct store *st, int64_t tenant_id, const char *ext,
                   const char *name, enum store_role role, const char *email,
                   const char *sip_password, int64_t *id)
{
    char domain[STORE_DOMAIN_MAX + 1];
    struct sealed_ha1 h = { 0 };
    struct store_tx tx;
    const char *why = NULL;

    if (store_ext_check(ext, &why) < 0 || store_name_check(name, &why) < 0
        || store_email_check(email, &why) < 0) {
        return store_fail(st, -EINVAL, "%s", why);
    }
    if ((unsigned)role > STORE_ROLE_ADMIN) {
        return store_fail(st, -EINVAL, "invalid role %d", (int)role);
    }
    int rc = check_password(st, sip_password);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(st, STMT_TENANT_DOMAIN_BY_ID,
                                 "SELECT domain FROM tenants WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_col_copy(s, 0, domain, sizeof(domain));
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no tenant with id %lld",
                          (long long)tenant_id);
    }
    if (rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "finding tenant");
    }
    rc = seal_password(st, ext, domain, sip_password, &h);
    if (rc < 0) {
        return rc;
    }
    rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    int64_t now = (int64_t)time(NULL);
    s = store_stmt(st, STMT_USER_ADD,
                   "INSERT INTO users (tenant_id, ext, name, role, email, "
                   "sip_ha1_md5_enc, sip_ha1_sha256_enc, created_at, "
                   "updated_at, sip_pw_changed_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8)");
    if (!s) {
        rc = -EIO;
        goto fail;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, ext);
    store_bind_text(s, 3, name);
    store_bind_text(s, 4, store_role_name(role));
    store_bind_text(s, 5, email);
    sqlite3_bind_blob(s, 6, h.md5, (int)h.md5_len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 7, h.sha256, (int)h.sha256_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, now);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        if (rc == SQLITE_CONSTRAINT_UNIQUE) {
            rc = store_fail(st, -EEXIST, "user %s@%s already exists", ext,
                            domain);
        } else {
            rc = store_fail_sql(st, rc, "adding user");
        }
        goto fail;
    }
    int64_t uid = sqlite3_last_insert_rowid(st->db);
    rc = history_add(st, uid, &h, now);
    if (rc < 0) {
        goto fail;
    }
    rc = store_tx_end(st, &tx, 1);
    if (rc < 0) {
        return rc;
    }
    if (id) {
        *id = uid;
    }
    store_ok(st);
    return 0;

fail:
    store_tx_end(st, &tx, 0);
    return rc;
}

int store_user_find(struct store *st, int64_t tenant_id, const char *ext,
                    struct store_user *out)
{
    const char *why = NULL;
    if (store_ext_check(ext, &why) < 0) {
        return store_fail(st, -EINVAL, "%s", why);
    }
    sqlite3_stmt *s = store_stmt(st, STMT_USER_FIND,
                                 "SELECT " USER_COLS " FROM users u "
                                 "WHERE u.tenant_id = ?1 AND u.ext = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, ext);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_user(s, out);
        sqlite3_reset(s);
        store_ok(st);
        return 0;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no user %s in that tenant", ext);
    }
    return store_fail_sql(st, rc, "finding user");
}

static int set_info(struct store *st, int64_t user_id,
                    const struct store_user_patch *p, int64_t now)
{
    sqlite3_stmt *s =
        store_stmt(st, STMT_USER_SET_INFO,
                   "UPDATE users SET name = coalesce(?2, name), "
                   "email = coalesce(?3, email), role = coalesce(?4, role), "
                   "updated_at = ?5 WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    if (p->name) {
        store_bind_text(s, 2, p->name);
    }
    if (p->email) {
        store_bind_text(s, 3, p->email);
    }
    if (p->role >= 0) {
        store_bind_text(s, 4, store_role_name((enum store_role)p->role));
    }
    sqlite3_bind_int64(s, 5, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "updating user");
    }
    return 0;
}

static int set_password(struct store *st, int64_t user_id,
                        const struct sealed_ha1 *h, int64_t now)
{
    sqlite3_stmt *s = store_stmt(
        st, STMT_USER_SET_PW,
        "UPDATE users SET sip_ha1_md5_enc = ?2, sip_ha1_sha256_enc = ?3, "
        "sip_pw_changed_at = ?4, updated_at = ?4 WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_blob(s, 2, h->md5, (int)h->md5_len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, h->sha256, (int)h->sha256_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "updating SIP password");
    }
    return history_add(st, user_id, h, now);
}

int store_user_set(struct store *st, int64_t user_id,
                   const struct store_user_patch *p)
{
    char ext[STORE_EXT_MAX + 1];
    char domain[STORE_DOMAIN_MAX + 1];
    struct sealed_ha1 h = { 0 };
    struct store_tx tx;
    const char *why = NULL;

    if (store_name_check(p->name, &why) < 0
        || store_email_check(p->email, &why) < 0) {
        return store_fail(st, -EINVAL, "%s", why);
    }
    if (p->role < -1 || p->role > STORE_ROLE_ADMIN) {
        return store_fail(st, -EINVAL, "invalid role %d", p->role);
    }
    if (p->sip_password) {
        int rc = check_password(st, p->sip_password);
        if (rc < 0) {
            return rc;
        }
    }
    int rc = user_realm(st, user_id, ext, domain);
    if (rc < 0) {
        return rc;
    }
    if (p->sip_password) {
        rc = seal_password(st, ext, domain, p->sip_password, &h);
        if (rc < 0) {
            return rc;
        }
    }
    rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    int64_t now = (int64_t)time(NULL);
    rc = set_info(st, user_id, p, now);
    if (rc == 0 && p->sip_password) {
        rc = set_password(st, user_id, &h, now);
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

int store_user_rm(struct store *st, int64_t user_id)
{
    sqlite3_stmt *s =
        store_stmt(st, STMT_USER_RM, "DELETE FROM users WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "removing user");
    }
    if (sqlite3_changes(st->db) == 0) {
        return store_fail(st, -ENOENT, "no user with id %lld",
                          (long long)user_id);
    }
    store_ok(st);
    return 0;
}

int store_user_list(struct store *st, int64_t tenant_id, store_user_fn *cb,
                    void *ud)
{
    struct store_user u;
    sqlite3_stmt *s = store_stmt(st, STMT_USER_LIST,
                                 "SELECT " USER_COLS " FROM users u "
                                 "WHERE u.tenant_id = ?1 ORDER BY u.ext");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    int rc;
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            break;
        }
        row_to_user(s, &u);
        int r = cb(ud, &u);
        if (r != 0) {
            sqlite3_reset(s);
            return r;
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "listing users");
    }
    store_ok(st);
    return 0;
}

int store_user_pw_in_history(struct store *st, int64_t user_id,
                             const char *sip_password, uint32_t n_last)
{
    char ext[STORE_EXT_MAX + 1];
    char domain[STORE_DOMAIN_MAX + 1];
    char cand[STORE_HA1_SHA256_LEN + 1];
    unsigned char old[STORE_HA1_SHA256_LEN];
    int found = 0;

    int rc = user_realm(st, user_id, ext, domain);
    if (rc < 0) {
        return rc;
    }
    if (n_last == 0 || !sip_password) {
        store_ok(st);
        return 0;
    }
    if (store_ha1_sha256(ext, domain, sip_password, cand) < 0) {
        return store_fail(st, -EIO, "cannot compute SIP credentials");
    }
    sqlite3_stmt *s = store_stmt(st, STMT_PWH_LAST,
                                 "SELECT ha1_sha256_enc FROM "
                                 "user_sip_pw_history WHERE user_id = ?1 "
                                 "ORDER BY id DESC LIMIT ?2");
    if (!s) {
        sodium_memzero(cand, sizeof(cand));
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_int64(s, 2, n_last);
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            break;
        }
        size_t n = 0;
        const void *blob = sqlite3_column_blob(s, 0);
        int blob_len = sqlite3_column_bytes(s, 0);
        if (store_unseal(st, blob, (size_t)blob_len, old, sizeof(old), &n) == 0
            && n == STORE_HA1_SHA256_LEN
            && sodium_memcmp(old, cand, STORE_HA1_SHA256_LEN) == 0) {
            found = 1;
        }
    }
    sqlite3_reset(s);
    sodium_memzero(cand, sizeof(cand));
    sodium_memzero(old, sizeof(old));
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "reading password history");
    }
    store_ok(st);
    return found;
}

int store_user_get_creds(struct store *st, const char *domain, const char *ext,
                         struct store_creds *out)
{
    size_t n = 0;
    int rc;

    /* Wire input: anything malformed is simply not a user. */
    if (!domain || !ext || strlen(domain) > STORE_DOMAIN_MAX
        || strlen(ext) > STORE_EXT_MAX) {
        return store_fail(st, -ENOENT, "no such user");
    }
    sqlite3_stmt *s =
        store_stmt(st, STMT_USER_CREDS,
                   "SELECT u.id, u.tenant_id, u.role, u.sip_ha1_md5_enc, "
                   "u.sip_ha1_sha256_enc FROM users u JOIN tenants t "
                   "ON t.id = u.tenant_id WHERE t.domain = ?1 AND u.ext = ?2");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, domain);
    store_bind_text(s, 2, ext);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        if (rc == SQLITE_DONE) {
            return store_fail(st, -ENOENT, "no such user");
        }
        return store_fail_sql(st, rc, "reading credentials");
    }
    out->user_id = sqlite3_column_int64(s, 0);
    out->tenant_id = sqlite3_column_int64(s, 1);
    enum store_role role = STORE_ROLE_STANDARD;
    store_role_parse(store_col_text(s, 2), &role);
    out->role = role;
    const void *md5 = sqlite3_column_blob(s, 3);
    size_t md5_len = (size_t)sqlite3_column_bytes(s, 3);
    const void *sha = sqlite3_column_blob(s, 4);
    size_t sha_len = (size_t)sqlite3_column_bytes(s, 4);
    rc = store_unseal(st, md5, md5_len, (unsigned char *)out->ha1_md5,
                      STORE_HA1_MD5_LEN, &n);
    if (rc == 0 && n == STORE_HA1_MD5_LEN) {
        out->ha1_md5[STORE_HA1_MD5_LEN] = '\0';
        rc = store_unseal(st, sha, sha_len, (unsigned char *)out->ha1_sha256,
                          STORE_HA1_SHA256_LEN, &n);
    }
    sqlite3_reset(s);
    if (rc < 0 || n != STORE_HA1_SHA256_LEN) {
        sodium_memzero(out, sizeof(*out));
        return store_fail(st, -EBADMSG,
                          "stored credentials of %s@%s fail to decrypt "
                          "(wrong secret.key or tampered database)",
                          ext, domain);
    }
    out->ha1_sha256[STORE_HA1_SHA256_LEN] = '\0';
    store_ok(st);
    return 0;
}
