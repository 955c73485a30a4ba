/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning rows: sealed phone passwords and token hashes (see
 * store/prov.h). One-use statements: these run when an administrator
 * acts or a phone fetches its file, never on the SIP path.
 */
#include "store/prov.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "store/store_int.h"

static bool hash_ok(const char *h)
{
    if (h == NULL || strlen(h) != STORE_PROV_HASH_LEN) {
        return false;
    }
    for (size_t i = 0; i < STORE_PROV_HASH_LEN; i++) {
        char c = h[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

static bool vendor_ok(const char *v)
{
    return v != NULL
           && (strcmp(v, "generic") == 0 || strcmp(v, "yealink") == 0
               || strcmp(v, "polycom") == 0);
}

int store_prov_put(struct store *st, int64_t user_id, const char *token_hash,
                   const char *vendor, const char *sip_password, int64_t now)
{
    unsigned char sealed[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES
                         + STORE_SIP_PW_MAX];
    size_t sealed_len = 0;
    size_t pw_len = sip_password ? strlen(sip_password) : 0;
    if (!hash_ok(token_hash) || !vendor_ok(vendor) || pw_len == 0
        || pw_len > STORE_SIP_PW_MAX) {
        return store_fail(st, -EINVAL, "invalid provisioning row");
    }
    int64_t tenant_id = 0;
    int rc = store_user_tenant(st, user_id, &tenant_id);
    if (rc != 0) {
        return rc;
    }
    rc = store_seal(st, sip_password, pw_len, sealed, sizeof(sealed),
                    &sealed_len);
    if (rc != 0) {
        return store_fail(st, rc, "cannot seal the phone password");
    }
    sqlite3_stmt *s = store_prep(
        st, "INSERT INTO provisioning (user_id, token_hash, vendor, "
            "sip_pw_enc, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
            "ON CONFLICT (user_id) DO UPDATE SET token_hash = ?2, "
            "vendor = ?3, sip_pw_enc = ?4, created_at = ?5, "
            "last_fetch_ms = 0, last_fetch_ip = '', fetch_count = 0");
    if (s == NULL) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    store_bind_text(s, 2, token_hash);
    store_bind_text(s, 3, vendor);
    sqlite3_bind_blob(s, 4, sealed, (int)sealed_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    rc = store_step_done(st, s, "provisioning", NULL);
    sqlite3_finalize(s);
    sodium_memzero(sealed, sizeof(sealed));
    return rc;
}

int store_prov_del(struct store *st, int64_t user_id)
{
    int changes = 0;
    int rc = store_exec_int(st, "DELETE FROM provisioning WHERE user_id = ?1",
                            user_id, "provisioning", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "provisioning is not enabled");
    }
    return rc;
}

#define ROW_COLS                                                         \
    "SELECT p.user_id, u.tenant_id, u.ext, t.domain, u.name, p.vendor, " \
    "p.created_at, p.last_fetch_ms, p.last_fetch_ip, p.fetch_count "     \
    "FROM provisioning p JOIN users u ON u.id = p.user_id "              \
    "JOIN tenants t ON t.id = u.tenant_id "

static void row_read(sqlite3_stmt *s, struct store_prov *o)
{
    memset(o, 0, sizeof(*o));
    o->user_id = sqlite3_column_int64(s, 0);
    o->tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, o->ext, sizeof(o->ext));
    store_col_copy(s, 3, o->domain, sizeof(o->domain));
    store_col_copy(s, 4, o->name, sizeof(o->name));
    store_col_copy(s, 5, o->vendor, sizeof(o->vendor));
    o->created_at = sqlite3_column_int64(s, 6);
    o->last_fetch_ms = sqlite3_column_int64(s, 7);
    store_col_copy(s, 8, o->last_fetch_ip, sizeof(o->last_fetch_ip));
    int64_t n = sqlite3_column_int64(s, 9);
    o->fetch_count = n > 0 ? (uint64_t)n : 0;
}

int store_prov_get(struct store *st, int64_t user_id, struct store_prov *out)
{
    sqlite3_stmt *s = store_prep(st, ROW_COLS "WHERE p.user_id = ?1");
    if (s == NULL) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_read(s, out);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = store_fail(st, -ENOENT, "provisioning is not enabled");
    } else {
        rc = store_fail_sql(st, rc, "provisioning");
    }
    sqlite3_finalize(s);
    if (rc == 0) {
        store_ok(st);
    }
    return rc;
}

struct list_walk {
    store_prov_fn *cb;
    void *ud;
};

static int list_row(void *ud, sqlite3_stmt *s)
{
    struct list_walk *w = ud;
    struct store_prov p;
    row_read(s, &p);
    return w->cb(w->ud, &p);
}

int store_prov_list(struct store *st, int64_t tenant_id, store_prov_fn *cb,
                    void *ud)
{
    sqlite3_stmt *s =
        store_prep(st, ROW_COLS
                   "WHERE ?1 = 0 OR u.tenant_id = ?1 ORDER BY t.domain, u.ext");
    if (s == NULL) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    struct list_walk w = { cb, ud };
    int rc = store_walk(st, s, list_row, &w, "provisioning");
    sqlite3_finalize(s);
    return rc;
}

int store_prov_find(struct store *st, const char *token_hash,
                    struct store_prov_file *out)
{
    memset(out, 0, sizeof(*out));
    if (!hash_ok(token_hash)) {
        return store_fail(st, -ENOENT, "no such provisioning directory");
    }
    sqlite3_stmt *s = store_prep(
        st, "SELECT p.user_id, u.tenant_id, u.ext, t.domain, u.name, p.vendor, "
            "p.created_at, p.last_fetch_ms, p.last_fetch_ip, p.fetch_count, "
            "p.token_hash, p.sip_pw_enc, t.reg_expires_default_s "
            "FROM provisioning p JOIN users u ON u.id = p.user_id "
            "JOIN tenants t ON t.id = u.tenant_id WHERE p.token_hash = ?1");
    if (s == NULL) {
        return -EIO;
    }
    store_bind_text(s, 1, token_hash);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_read(s, &out->p);
        store_col_copy(s, 10, out->token_hash, sizeof(out->token_hash));
        const void *blob = sqlite3_column_blob(s, 11);
        size_t blob_len = (size_t)sqlite3_column_bytes(s, 11);
        size_t plen = 0;
        out->expires_s = store_col_u32(s, 12);
        rc =
            store_unseal(st, blob, blob_len, (unsigned char *)out->sip_password,
                         sizeof(out->sip_password) - 1, &plen);
        if (rc == 0) {
            out->sip_password[plen] = '\0';
        } else {
            rc = store_fail(st, -EBADMSG, "the phone password does not open");
        }
    } else if (rc == SQLITE_DONE) {
        rc = store_fail(st, -ENOENT, "no such provisioning directory");
    } else {
        rc = store_fail_sql(st, rc, "provisioning");
    }
    sqlite3_finalize(s);
    if (rc != 0) {
        sodium_memzero(out, sizeof(*out));
    } else {
        store_ok(st);
    }
    return rc;
}

int store_prov_fetched(struct store *st, int64_t user_id, int64_t at_ms,
                       const char *ip)
{
    if (ip == NULL || strlen(ip) > STORE_PROV_IP_MAX) {
        return store_fail(st, -EINVAL, "invalid fetch address");
    }
    sqlite3_stmt *s = store_prep(
        st, "UPDATE provisioning SET last_fetch_ms = ?2, last_fetch_ip = ?3, "
            "fetch_count = fetch_count + 1 WHERE user_id = ?1");
    if (s == NULL) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_int64(s, 2, at_ms);
    store_bind_text(s, 3, ip);
    int changes = 0;
    int rc = store_step_done(st, s, "provisioning", &changes);
    sqlite3_finalize(s);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "provisioning is not enabled");
    }
    return rc;
}
