/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trunks (register, IP and accept-register), their sealed passwords and
 * their per-tenant call limits.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/hex.h"
#include "store/calls_int.h"
#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* Trunks                                                               */
/* ------------------------------------------------------------------ */

static const char *const trunk_kinds[] = {
    [STORE_TRUNK_REGISTER] = "register",
    [STORE_TRUNK_IP] = "ip",
    [STORE_TRUNK_ACCEPT_REGISTER] = "accept_register",
};

const char *store_trunk_kind_name(enum store_trunk_kind kind)
{
    if ((unsigned)kind >= sizeof(trunk_kinds) / sizeof(trunk_kinds[0])) {
        return "unknown";
    }
    return trunk_kinds[kind];
}

int store_trunk_kind_parse(const char *s, enum store_trunk_kind *out)
{
    for (size_t i = 0; s && i < sizeof(trunk_kinds) / sizeof(trunk_kinds[0]);
         i++) {
        if (strcmp(s, trunk_kinds[i]) == 0) {
            *out = (enum store_trunk_kind)i;
            return 0;
        }
    }
    return -EINVAL;
}

#define TRUNK_COLS                                                            \
    "id, name, kind, host, port, transport, username, realm, expires_s, "     \
    "networks, max_calls, password_enc IS NOT NULL, created_at, updated_at, " \
    "coalesce((SELECT x.cert_fp FROM trunk_tls x WHERE x.trunk_id = "         \
    "trunks.id), '')"

static void row_to_trunk(sqlite3_stmt *s, struct store_trunk *t)
{
    t->id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, t->name, sizeof(t->name));
    enum store_trunk_kind k = STORE_TRUNK_REGISTER;
    store_trunk_kind_parse(store_col_text(s, 2), &k);
    t->kind = k;
    store_col_copy(s, 3, t->host, sizeof(t->host));
    t->port = store_col_u32(s, 4);
    store_col_copy(s, 5, t->transport, sizeof(t->transport));
    store_col_copy(s, 6, t->username, sizeof(t->username));
    store_col_copy(s, 7, t->realm, sizeof(t->realm));
    t->expires_s = store_col_u32(s, 8);
    store_col_copy(s, 9, t->networks, sizeof(t->networks));
    t->max_calls = store_col_u32(s, 10);
    t->has_password = sqlite3_column_int(s, 11) != 0;
    t->created_at = sqlite3_column_int64(s, 12);
    t->updated_at = sqlite3_column_int64(s, 13);
    store_col_copy(s, 14, t->tls_cert_fp, sizeof(t->tls_cert_fp));
}

/* A SHA-256 fingerprint as stored: "" stays "", 64 hex digits (colons
 * between bytes allowed) become 64 lowercase digits. Returns 0 or -1. */
static int fp_norm(const char *in, char out[65])
{
    static const char digits[] = "0123456789abcdef";
    size_t len = strnlen(in, STORE_TRUNK_FP_HEX_MAX + 1);
    bool colons = len == 95;
    out[0] = '\0';
    if (len == 0) {
        return 0;
    }
    if (len != 64 && !colons) {
        return -1;
    }
    size_t pos = 0;
    for (size_t i = 0; i < 32; i++) {
        if (colons && i > 0 && in[pos++] != ':') {
            return -1;
        }
        int hi = hex_val(in[pos]);
        int lo = hex_val(in[pos + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[2 * i] = digits[hi];
        out[2 * i + 1] = digits[lo];
        pos += 2;
    }
    out[64] = '\0';
    return 0;
}

static int trunk_check(struct store *st, const struct store_trunk *t,
                       const char *password)
{
    if (!store_field_ok(t->name, sizeof(t->name))
        || !calls_name_ok(t->name, STORE_TRUNK_NAME_MAX)) {
        return store_fail(st, -EINVAL,
                          "trunk name must be 1..%d of letters, digits, '.', "
                          "'_' and '-', starting with a letter or digit",
                          STORE_TRUNK_NAME_MAX);
    }
    if ((unsigned)t->kind > STORE_TRUNK_ACCEPT_REGISTER) {
        return store_fail(st, -EINVAL,
                          "trunk kind must be register, ip or "
                          "accept_register");
    }
    if (!store_field_ok(t->host, sizeof(t->host))
        || !calls_chars_ok(t->host, 0, STORE_HOST_MAX, HOST_SET)) {
        return store_fail(st, -EINVAL,
                          "host must be a host name or address of at most %d "
                          "characters",
                          STORE_HOST_MAX);
    }
    if (t->port > 65535) {
        return store_fail(st, -EINVAL, "port must be 0..65535");
    }
    if (!store_field_ok(t->transport, sizeof(t->transport))
        || (t->transport[0] && strcmp(t->transport, "udp") != 0
            && strcmp(t->transport, "tcp") != 0
            && strcmp(t->transport, "tls") != 0)) {
        return store_fail(st, -EINVAL, "transport must be udp, tcp or tls");
    }
    if (!store_field_ok(t->username, sizeof(t->username))
        || !calls_text_ok(t->username, STORE_TRUNK_USER_MAX, true)) {
        return store_fail(st, -EINVAL,
                          "username must be at most %d bytes without control "
                          "characters",
                          STORE_TRUNK_USER_MAX);
    }
    if (!store_field_ok(t->realm, sizeof(t->realm))
        || !calls_text_ok(t->realm, STORE_HOST_MAX, true)) {
        return store_fail(st, -EINVAL,
                          "realm must be at most %d bytes without control "
                          "characters",
                          STORE_HOST_MAX);
    }
    if (t->expires_s != 0 && (t->expires_s < 60 || t->expires_s > 86400)) {
        return store_fail(st, -EINVAL, "expiry must be 60..86400 seconds");
    }
    if (!store_field_ok(t->networks, sizeof(t->networks))
        || !calls_chars_ok(t->networks, 0, STORE_NETS_MAX, NETS_SET)) {
        return store_fail(st, -EINVAL,
                          "networks must be a comma-separated list of "
                          "networks, at most %d bytes",
                          STORE_NETS_MAX);
    }
    char fp[65];
    if (!store_field_ok(t->tls_cert_fp, sizeof(t->tls_cert_fp))
        || fp_norm(t->tls_cert_fp, fp) != 0) {
        return store_fail(st, -EINVAL,
                          "tls_cert_fp must be a SHA-256 fingerprint: 64 hex "
                          "digits, optionally with ':' between bytes");
    }
    if (password && strlen(password) > STORE_TRUNK_PW_MAX) {
        return store_fail(st, -EINVAL, "password is longer than %d bytes",
                          STORE_TRUNK_PW_MAX);
    }
    return 0;
}

/* Bind the trunk's fields to ?2..?11 (name .. max_calls). */
static void trunk_bind(sqlite3_stmt *s, const struct store_trunk *t)
{
    store_bind_text(s, 2, t->name);
    store_bind_text(s, 3, store_trunk_kind_name(t->kind));
    store_bind_text(s, 4, t->host);
    sqlite3_bind_int64(s, 5, t->port);
    store_bind_text(s, 6, t->transport[0] ? t->transport : "udp");
    store_bind_text(s, 7, t->username);
    store_bind_text(s, 8, t->realm);
    sqlite3_bind_int64(s, 9, t->expires_s ? t->expires_s : 3600);
    store_bind_text(s, 10, t->networks);
    sqlite3_bind_int64(s, 11, t->max_calls);
}

/* -EEXIST when another trunk than 'id' (0: any) has fingerprint 'fp'. */
static int fp_taken(struct store *st, const char *fp, int64_t id)
{
    if (!fp[0]) {
        return 0;
    }
    sqlite3_stmt *s =
        store_prep(st, "SELECT t.name FROM trunk_tls x JOIN trunks t ON "
                       "t.id = x.trunk_id WHERE x.cert_fp = ?1 AND "
                       "x.trunk_id != ?2");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, fp);
    sqlite3_bind_int64(s, 2, id);
    int rc = sqlite3_step(s);
    char name[STORE_TRUNK_NAME_MAX + 1] = "";
    if (rc == SQLITE_ROW) {
        store_col_copy(s, 0, name, sizeof(name));
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW) {
        return store_fail(
            st, -EEXIST, "that client certificate is trunk %s's already", name);
    }
    return rc == SQLITE_DONE ? 0
                             : store_fail_sql(st, rc,
                                              "checking trunk "
                                              "certificates");
}

/* Record (or, for "", remove) trunk 'id''s normalised fingerprint. */
static int fp_save(struct store *st, int64_t id, const char *fp)
{
    sqlite3_stmt *s = store_prep(
        st, fp[0] ? "INSERT INTO trunk_tls (trunk_id, cert_fp) VALUES (?1, "
                    "?2) ON CONFLICT (trunk_id) DO UPDATE SET cert_fp = "
                    "excluded.cert_fp"
                  : "DELETE FROM trunk_tls WHERE trunk_id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    if (fp[0]) {
        store_bind_text(s, 2, fp);
    }
    int rc = store_step_done(st, s, "saving the trunk certificate", NULL);
    sqlite3_finalize(s);
    return rc;
}

enum { TRUNK_SEALED_CAP = STORE_TRUNK_PW_MAX + 64 };

/* Seal a password into buf; *len 0 for none. */
static int trunk_seal(struct store *st, const char *password,
                      unsigned char *buf, size_t *len)
{
    *len = 0;
    if (!password || !password[0]) {
        return 0;
    }
    if (store_seal(st, password, strlen(password), buf, TRUNK_SEALED_CAP, len)
        < 0) {
        return store_fail(st, -EIO, "cannot seal the trunk password");
    }
    return 0;
}

int store_trunk_add(struct store *st, const struct store_trunk *t,
                    const char *password, int64_t now, int64_t *id)
{
    unsigned char sealed[TRUNK_SEALED_CAP];
    size_t sealed_len = 0;
    char fp[65] = "";
    int rc = trunk_check(st, t, password);
    if (rc == 0) {
        (void)fp_norm(t->tls_cert_fp, fp); /* checked */
        rc = fp_taken(st, fp, 0);
    }
    if (rc == 0) {
        rc = trunk_seal(st, password, sealed, &sealed_len);
    }
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_TRUNK_ADD,
        "INSERT INTO trunks (name, kind, host, port, transport, username, "
        "realm, expires_s, networks, max_calls, password_enc, created_at, "
        "updated_at) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
        "?1, ?1)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, now);
    trunk_bind(s, t);
    if (sealed_len > 0) {
        sqlite3_bind_blob(s, 12, sealed, (int)sealed_len, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(s, 12);
    }
    int64_t new_id = 0;
    rc = store_step_insert(st, s, "adding trunk", &new_id);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "trunk %s already exists", t->name);
    }
    if (rc == 0 && fp[0]) {
        rc = fp_save(st, new_id, fp);
    }
    if (rc == 0 && id) {
        *id = new_id;
    }
    return rc;
}

int store_trunk_set(struct store *st, int64_t id, const struct store_trunk *t,
                    const char *password, int64_t now)
{
    unsigned char sealed[TRUNK_SEALED_CAP];
    size_t sealed_len = 0;
    int changes = 0;
    char fp[65] = "";
    int rc = trunk_check(st, t, password);
    if (rc == 0) {
        (void)fp_norm(t->tls_cert_fp, fp); /* checked */
        rc = fp_taken(st, fp, id);
    }
    if (rc == 0) {
        rc = trunk_seal(st, password, sealed, &sealed_len);
    }
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_TRUNK_SET,
        "UPDATE trunks SET name = ?2, kind = ?3, host = ?4, port = ?5, "
        "transport = ?6, username = ?7, realm = ?8, expires_s = ?9, "
        "networks = ?10, max_calls = ?11, password_enc = CASE WHEN ?13 THEN "
        "?12 ELSE password_enc END, updated_at = ?14 WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    trunk_bind(s, t);
    if (sealed_len > 0) {
        sqlite3_bind_blob(s, 12, sealed, (int)sealed_len, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(s, 12);
    }
    sqlite3_bind_int(s, 13, password != NULL);
    sqlite3_bind_int64(s, 14, now);
    rc = store_step_done(st, s, "updating trunk", &changes);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "trunk %s already exists", t->name);
    }
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no trunk with id %lld", (long long)id);
    }
    if (rc == 0) {
        rc = fp_save(st, id, fp);
    }
    return rc;
}

int store_trunk_find(struct store *st, const char *name,
                     struct store_trunk *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_TRUNK_FIND,
                                 "SELECT " TRUNK_COLS " FROM trunks WHERE "
                                 "name = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_trunk(s, out);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        store_ok(st);
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no trunk %s", name ? name : "");
    }
    return store_fail_sql(st, rc, "finding trunk");
}

int store_trunk_rm(struct store *st, const char *name)
{
    struct store_trunk t;
    int changes = 0;
    int rc = store_trunk_find(st, name, &t);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(st, STMT_TRUNK_USED,
                                 "SELECT r.name, d.domain FROM "
                                 "outbound_rule_trunks x JOIN outbound_rules "
                                 "r ON r.id = x.rule_id JOIN tenants d ON "
                                 "d.id = r.tenant_id WHERE x.trunk_id = ?1 "
                                 "LIMIT 1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, t.id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        char rule[STORE_RULE_NAME_MAX + 1];
        char domain[STORE_DOMAIN_MAX + 1];
        store_col_copy(s, 0, rule, sizeof(rule));
        store_col_copy(s, 1, domain, sizeof(domain));
        sqlite3_reset(s);
        return store_fail(st, -EBUSY,
                          "trunk %s is used by outbound rule %s of %s; remove "
                          "it from the rule first",
                          t.name, rule, domain);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "checking trunk use");
    }
    s = store_stmt(st, STMT_TRUNK_RM, "DELETE FROM trunks WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, t.id);
    rc = store_step_done(st, s, "removing trunk", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no trunk %s", name);
    }
    return rc;
}

struct trunk_walk {
    store_trunk_fn *cb;
    void *ud;
    struct store_trunk t;
};

static int trunk_row(void *ud, sqlite3_stmt *s)
{
    struct trunk_walk *w = ud;
    row_to_trunk(s, &w->t);
    return w->cb(w->ud, &w->t);
}

int store_trunk_list(struct store *st, store_trunk_fn *cb, void *ud)
{
    struct trunk_walk w = { .cb = cb, .ud = ud };
    sqlite3_stmt *s = store_stmt(st, STMT_TRUNK_LIST,
                                 "SELECT " TRUNK_COLS " FROM trunks ORDER BY "
                                 "name");
    if (!s) {
        return -EIO;
    }
    return store_walk(st, s, trunk_row, &w, "listing trunks");
}

int store_trunk_password(struct store *st, int64_t id, char *buf, size_t cap)
{
    unsigned char plain[STORE_TRUNK_PW_MAX];
    size_t plain_len = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_TRUNK_PW,
                                 "SELECT password_enc FROM trunks WHERE id = "
                                 "?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        if (rc == SQLITE_DONE) {
            return store_fail(st, -ENOENT, "no trunk with id %lld",
                              (long long)id);
        }
        return store_fail_sql(st, rc, "reading trunk password");
    }
    int r = 0;
    const void *blob = sqlite3_column_blob(s, 0);
    size_t blob_len = (size_t)sqlite3_column_bytes(s, 0);
    if (!blob || blob_len == 0) {
        plain_len = 0;
    } else if (store_unseal(st, blob, blob_len, plain, sizeof(plain),
                            &plain_len)
               < 0) {
        r = store_fail(st, -EBADMSG,
                       "trunk password does not decrypt (wrong secret key "
                       "or tampering)");
    }
    sqlite3_reset(s);
    if (r == 0 && plain_len >= cap) {
        r = store_fail(st, -ENOSPC, "buffer too small for the password");
    }
    if (r == 0) {
        memcpy(buf, plain, plain_len);
        buf[plain_len] = '\0';
        store_ok(st);
    }
    sodium_memzero(plain, sizeof(plain));
    return r;
}

int store_trunk_limit_set(struct store *st, int64_t trunk_id, int64_t tenant_id,
                          uint32_t max_calls)
{
    int changes = 0;
    int rc = store_row_exists(st, STMT_CALL_TRUNK_EXISTS,
                              "SELECT 1 FROM trunks WHERE id = ?1", trunk_id,
                              "trunk");
    if (rc == 0) {
        rc = store_tenant_check(st, tenant_id);
    }
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s;
    if (max_calls == 0) {
        s = store_stmt(st, STMT_TRUNK_LIMIT_DEL,
                       "DELETE FROM trunk_tenant_limits WHERE trunk_id = ?1 "
                       "AND tenant_id = ?2");
    } else {
        s = store_stmt(st, STMT_TRUNK_LIMIT_PUT,
                       "INSERT INTO trunk_tenant_limits (trunk_id, "
                       "tenant_id, max_calls) VALUES (?1, ?2, ?3) ON "
                       "CONFLICT (trunk_id, tenant_id) DO UPDATE SET "
                       "max_calls = excluded.max_calls");
    }
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, trunk_id);
    sqlite3_bind_int64(s, 2, tenant_id);
    if (max_calls > 0) {
        sqlite3_bind_int64(s, 3, max_calls);
    }
    rc = store_step_done(st, s, "saving trunk limit", &changes);
    if (rc == 0 && max_calls == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "the tenant has no limit on that trunk");
    }
    return rc;
}

struct tlimit_walk {
    store_trunk_limit_fn *cb;
    void *ud;
};

static int tlimit_row(void *ud, sqlite3_stmt *s)
{
    struct tlimit_walk *w = ud;
    struct store_trunk_limit l;
    l.trunk_id = sqlite3_column_int64(s, 0);
    l.tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, l.trunk, sizeof(l.trunk));
    store_col_copy(s, 3, l.domain, sizeof(l.domain));
    l.max_calls = store_col_u32(s, 4);
    return w->cb(w->ud, &l);
}

int store_trunk_limit_list(struct store *st, int64_t trunk_id,
                           store_trunk_limit_fn *cb, void *ud)
{
    struct tlimit_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(
        st, STMT_TRUNK_LIMIT_LIST,
        "SELECT l.trunk_id, l.tenant_id, t.name, d.domain, l.max_calls FROM "
        "trunk_tenant_limits l JOIN trunks t ON t.id = l.trunk_id JOIN "
        "tenants d ON d.id = l.tenant_id WHERE ?1 = 0 OR l.trunk_id = ?1 "
        "ORDER BY t.name, d.domain");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, trunk_id > 0 ? trunk_id : 0);
    return store_walk(st, s, tlimit_row, &w, "listing trunk limits");
}
