/* SPDX-License-Identifier: Apache-2.0 */
/* The admin plane's tables (migration v4): accounts, default account,
 * password history, TOTP secrets and replay guard, recovery codes,
 * sessions, support links, audit log and its retention. */
#include <errno.h>
#include <setjmp.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/admin.h"
#include "store/store.h"
#include "tmpdir.h"

#define HASH_A "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
#define HASH_B "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YmJiYmJiYmJiYmJiYmJiYg"

struct fx {
    struct tmpdir dir;
    struct store *st;
    int64_t tid;
    int64_t tid2;
    int64_t uid;
    char err[512];
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    if (store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)) != 0
        || store_tenant_add(fx->st, "example.com", NULL, &fx->tid) != 0
        || store_tenant_add(fx->st, "other.org", NULL, &fx->tid2) != 0
        || store_user_add(fx->st, fx->tid, "100", NULL, STORE_ROLE_STANDARD,
                          NULL, "Secret-12345", &fx->uid)
               != 0) {
        store_close(fx->st);
        tmpdir_rm(&fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    store_close(fx->st);
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

static int64_t add(struct fx *fx, const char *user, enum store_admin_role role,
                   int64_t tenant, int64_t uid)
{
    int64_t id = 0;
    struct store_admin_new a = { .username = user,
                                 .role = role,
                                 .tenant_id = tenant,
                                 .user_id = uid,
                                 .pw_hash = HASH_A };
    assert_int_equal(store_admin_add(fx->st, &a, 100, &id), 0);
    return id;
}

/* A 64-hex id made of one repeated digit. */
static const char *hex64(char c, char buf[65])
{
    memset(buf, c, 64);
    buf[64] = '\0';
    return buf;
}

/* ---- accounts ---- */

static void schema_v4_and_migration_from_v3(void **state)
{
    struct fx *fx = *state;
    char p[512];
    sqlite3 *db = NULL;
    assert_true(store_schema_version() >= 4);
    int64_t id = add(fx, "alice", STORE_ADMIN_SYSTEM, 0, 0);
    store_close(fx->st);
    fx->st = NULL;
    /* Back to v3: drop every v4 table. */
    tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p));
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "DROP TABLE admin_sessions; DROP TABLE support_links;"
                     "DROP TABLE admin_recovery_codes; DROP TABLE "
                     "admin_pw_history; DROP TABLE admins;"
                     "DROP TABLE admin_state; DROP TABLE audit_log;"
                     "PRAGMA user_version = 3;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
    struct store_tenant t;
    struct store_admin a;
    assert_int_equal(store_tenant_find(fx->st, "example.com", &t), 0);
    assert_int_equal(store_admin_get(fx->st, id, &a), -ENOENT);
    add(fx, "alice", STORE_ADMIN_SYSTEM, 0, 0);
    /* Winding back without dropping (v4 tables kept) migrates too. */
    store_close(fx->st);
    fx->st = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "PRAGMA user_version = 3;", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
    assert_int_equal(store_admin_find(fx->st, "ALICE", &a), 0);
}

static void accounts_roles_and_names(void **state)
{
    struct fx *fx = *state;
    struct store_admin a;
    int64_t sys = add(fx, "Root", STORE_ADMIN_SYSTEM, 0, 0);
    int64_t ten = add(fx, "ops", STORE_ADMIN_TENANT, fx->tid, 0);
    int64_t usr = add(fx, "alice", STORE_ADMIN_USER, fx->tid, fx->uid);
    struct store_admin_new n = { .username = "root",
                                 .role = STORE_ADMIN_SYSTEM,
                                 .pw_hash = HASH_A };
    /* Case-insensitive uniqueness. */
    assert_int_equal(store_admin_add(fx->st, &n, 1, NULL), -EEXIST);
    assert_int_equal(store_admin_find(fx->st, "ROOT", &a), 0);
    assert_int_equal(a.id, sys);
    assert_string_equal(a.username, "Root");
    assert_int_equal(a.role, STORE_ADMIN_SYSTEM);
    assert_int_equal(a.tenant_id, 0);
    /* Bad names and hashes. */
    const char *bad_names[] = { "", "a b", "sup:port", "cli", "CLI", "x\x01y" };
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        n.username = bad_names[i];
        assert_int_equal(store_admin_add(fx->st, &n, 1, NULL), -EINVAL);
    }
    n.username = "bob";
    n.pw_hash = "plaintext";
    assert_int_equal(store_admin_add(fx->st, &n, 1, NULL), -EINVAL);
    n.pw_hash = HASH_A;
    /* Role, tenant and user must agree. */
    n.tenant_id = fx->tid;
    assert_int_equal(store_admin_add(fx->st, &n, 1, NULL), -EINVAL);
    n.role = STORE_ADMIN_TENANT;
    n.tenant_id = 0;
    assert_int_equal(store_admin_add(fx->st, &n, 1, NULL), -EINVAL);
    n.tenant_id = 999;
    assert_int_equal(store_admin_add(fx->st, &n, 1, NULL), -ENOENT);
    n.role = STORE_ADMIN_USER;
    n.tenant_id = fx->tid;
    assert_int_equal(store_admin_add(fx->st, &n, 1, NULL), -EINVAL);
    n.tenant_id = fx->tid2;
    n.user_id = fx->uid; /* user of another tenant */
    assert_int_equal(store_admin_add(fx->st, &n, 1, NULL), -EINVAL);
    /* The linked user's information comes with the account. */
    assert_int_equal(store_admin_get(fx->st, usr, &a), 0);
    assert_string_equal(a.user_ext, "100");
    assert_int_equal(a.user_id, fx->uid);
    uint32_t count = 0;
    assert_int_equal(store_admin_count(fx->st, -1, &count), 0);
    assert_int_equal(count, 3);
    assert_int_equal(store_admin_count(fx->st, STORE_ADMIN_SYSTEM, &count), 0);
    assert_int_equal(count, 1);
    /* Role change, login record, removal. */
    assert_int_equal(
        store_admin_set_role(fx->st, ten, STORE_ADMIN_SYSTEM, 0, 0, 5), 0);
    assert_int_equal(
        store_admin_set_role(fx->st, ten, STORE_ADMIN_TENANT, 0, 0, 5),
        -EINVAL);
    assert_int_equal(store_admin_set_login(fx->st, sys, "203.0.113.9", 77), 0);
    assert_int_equal(store_admin_get(fx->st, sys, &a), 0);
    assert_int_equal(a.last_login_at, 77);
    assert_string_equal(a.last_login_ip, "203.0.113.9");
    assert_int_equal(store_admin_rm(fx->st, ten), 0);
    assert_int_equal(store_admin_rm(fx->st, ten), -ENOENT);
    /* Removing the SIP user removes its portal account. */
    assert_int_equal(store_user_rm(fx->st, fx->uid), 0);
    assert_int_equal(store_admin_get(fx->st, usr, &a), -ENOENT);
    assert_string_equal(store_admin_role_name(STORE_ADMIN_TENANT),
                        "tenant_admin");
    enum store_admin_role r;
    assert_int_equal(store_admin_role_parse("user", &r), 0);
    assert_int_equal(r, STORE_ADMIN_USER);
    assert_int_equal(store_admin_role_parse("root", &r), -EINVAL);
}

static int list_cb(void *ud, const struct store_admin *a)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s,", a->username);
    return 0;
}

static void list_by_tenant(void **state)
{
    struct fx *fx = *state;
    char out[256] = "";
    add(fx, "zed", STORE_ADMIN_SYSTEM, 0, 0);
    add(fx, "bob", STORE_ADMIN_TENANT, fx->tid, 0);
    add(fx, "amy", STORE_ADMIN_TENANT, fx->tid2, 0);
    assert_int_equal(store_admin_list(fx->st, 0, list_cb, out), 0);
    assert_string_equal(out, "amy,bob,zed,");
    out[0] = '\0';
    assert_int_equal(store_admin_list(fx->st, fx->tid2, list_cb, out), 0);
    assert_string_equal(out, "amy,");
}

static void default_account_once(void **state)
{
    struct fx *fx = *state;
    struct store_admin a;
    char hash[128];
    bool created = false;
    assert_int_equal(store_admin_ensure_default(fx->st, 50, &created), 0);
    assert_true(created);
    assert_int_equal(store_admin_find(fx->st, "admin", &a), 0);
    assert_int_equal(a.role, STORE_ADMIN_SYSTEM);
    assert_true(a.must_change);
    assert_int_equal(store_admin_pw_hash(fx->st, a.id, hash, sizeof(hash)), 0);
    assert_int_equal(crypto_pwhash_str_verify(hash, "admin", 5), 0);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_int_equal(store_admin_pw_hash(fx->st, a.id, hash, 10), -ENOSPC);
    assert_int_equal(store_admin_ensure_default(fx->st, 51, &created), 0);
    assert_false(created);
    /* Removed later: not given back. */
    assert_int_equal(store_admin_rm(fx->st, a.id), 0);
    assert_int_equal(store_admin_ensure_default(fx->st, 52, &created), 0);
    assert_false(created);
    assert_int_equal(store_admin_find(fx->st, "admin", &a), -ENOENT);
}

static void default_not_added_beside_existing(void **state)
{
    struct fx *fx = *state;
    struct store_admin a;
    bool created = true;
    add(fx, "first", STORE_ADMIN_SYSTEM, 0, 0);
    assert_int_equal(store_admin_ensure_default(fx->st, 50, &created), 0);
    assert_false(created);
    assert_int_equal(store_admin_find(fx->st, "admin", &a), -ENOENT);
}

struct hashes {
    char v[8][128];
    int n;
};

static int hash_cb(void *ud, const char *h)
{
    struct hashes *hs = ud;
    assert_true(hs->n < 8);
    snprintf(hs->v[hs->n++], sizeof(hs->v[0]), "%s", h);
    return 0;
}

static void password_history_bounded(void **state)
{
    struct fx *fx = *state;
    struct store_admin a;
    struct hashes hs = { 0 };
    char h[8][128];
    int64_t id = add(fx, "root", STORE_ADMIN_SYSTEM, 0, 0);
    for (int i = 0; i < 5; i++) {
        snprintf(h[i], sizeof(h[i]), "%s%d", HASH_B, i);
        assert_int_equal(
            store_admin_set_password(fx->st, id, h[i], i == 4, 2, 200 + i), 0);
    }
    assert_int_equal(store_admin_get(fx->st, id, &a), 0);
    assert_true(a.must_change);
    assert_int_equal(a.pw_changed_at, 204);
    /* Current first, then the 2 kept old ones, newest first. */
    assert_int_equal(store_admin_pw_history(fx->st, id, 10, hash_cb, &hs), 0);
    assert_int_equal(hs.n, 3);
    assert_string_equal(hs.v[0], h[4]);
    assert_string_equal(hs.v[1], h[3]);
    assert_string_equal(hs.v[2], h[2]);
    hs.n = 0;
    assert_int_equal(store_admin_pw_history(fx->st, id, 1, hash_cb, &hs), 0);
    assert_int_equal(hs.n, 2);
    hs.n = 0;
    assert_int_equal(store_admin_pw_history(fx->st, id, 0, hash_cb, &hs), 0);
    assert_int_equal(hs.n, 1);
    assert_int_equal(store_admin_set_password(fx->st, 999, HASH_B, false, 2, 1),
                     -ENOENT);
    assert_int_equal(store_admin_set_password(fx->st, id, "x", false, 2, 1),
                     -EINVAL);
    assert_int_equal(store_admin_set_password(fx->st, id, HASH_B, false, 25, 1),
                     -EINVAL);
    assert_int_equal(store_admin_pw_history(fx->st, 999, 1, hash_cb, &hs),
                     -ENOENT);
}

static void totp_pending_enable_replay(void **state)
{
    struct fx *fx = *state;
    struct store_admin a;
    uint8_t out[64];
    size_t len = 0;
    int64_t id = add(fx, "root", STORE_ADMIN_SYSTEM, 0, 0);
    assert_int_equal(
        store_admin_totp_get(fx->st, id, false, out, sizeof(out), &len),
        -ENOENT);
    assert_int_equal(store_admin_totp_enable(fx->st, id, 5, 1), -ENOENT);
    assert_int_equal(
        store_admin_totp_set_pending(fx->st, id, "0123456789abcdefghij", 20, 1),
        0);
    assert_int_equal(store_admin_get(fx->st, id, &a), 0);
    assert_true(a.totp_pending);
    assert_false(a.totp_enabled);
    assert_int_equal(
        store_admin_totp_get(fx->st, id, true, out, sizeof(out), &len), 0);
    assert_int_equal(len, 20);
    assert_memory_equal(out, "0123456789abcdefghij", 20);
    /* Sealed at rest: the plaintext is not in the database file. */
    assert_int_equal(store_admin_totp_enable(fx->st, id, 100, 2), 0);
    assert_int_equal(store_admin_get(fx->st, id, &a), 0);
    assert_true(a.totp_enabled);
    assert_false(a.totp_pending);
    assert_int_equal(a.totp_last_step, 100);
    assert_int_equal(
        store_admin_totp_get(fx->st, id, false, out, sizeof(out), &len), 0);
    assert_memory_equal(out, "0123456789abcdefghij", 20);
    assert_int_equal(store_admin_totp_get(fx->st, id, false, out, 8, &len),
                     -ENOSPC);
    /* Re-enrolment keeps the enabled secret until confirmed. */
    assert_int_equal(
        store_admin_totp_set_pending(fx->st, id, "ZZZZZZZZZZZZZZZZZZZZ", 20, 3),
        0);
    assert_int_equal(
        store_admin_totp_get(fx->st, id, false, out, sizeof(out), &len), 0);
    assert_memory_equal(out, "0123456789abcdefghij", 20);
    /* The replay guard only moves forward. */
    assert_int_equal(store_admin_totp_use_step(fx->st, id, 100), -EALREADY);
    assert_int_equal(store_admin_totp_use_step(fx->st, id, 99), -EALREADY);
    assert_int_equal(store_admin_totp_use_step(fx->st, id, 101), 0);
    assert_int_equal(store_admin_totp_use_step(fx->st, id, 101), -EALREADY);
    assert_int_equal(store_admin_totp_use_step(fx->st, 999, 500), -ENOENT);
    assert_int_equal(store_admin_totp_set_pending(fx->st, id, "x", 0, 1),
                     -EINVAL);
    assert_int_equal(store_admin_totp_set_pending(fx->st, 999, "x", 1, 1),
                     -ENOENT);
    /* Disable drops secrets and codes. */
    char h[65];
    const char *hp[] = { hex64('a', h) };
    assert_int_equal(store_admin_recovery_set(fx->st, id, hp, 1, 5), 0);
    assert_int_equal(store_admin_totp_disable(fx->st, id, 6), 0);
    assert_int_equal(store_admin_get(fx->st, id, &a), 0);
    assert_false(a.totp_enabled);
    assert_false(a.totp_pending);
    uint32_t left = 9;
    assert_int_equal(store_admin_recovery_left(fx->st, id, &left), 0);
    assert_int_equal(left, 0);
}

static void totp_secret_not_in_clear(void **state)
{
    struct fx *fx = *state;
    char p[512];
    static unsigned char file[1 << 20];
    int64_t id = add(fx, "root", STORE_ADMIN_SYSTEM, 0, 0);
    assert_int_equal(
        store_admin_totp_set_pending(fx->st, id, "PLAINTOTPSECRET-XYZW", 20, 1),
        0);
    store_close(fx->st);
    fx->st = NULL;
    long n = tmpdir_slurp(tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p)),
                          file, sizeof(file));
    assert_true(n > 0);
    assert_null(memmem(file, (size_t)n, "PLAINTOTPSECRET", 15));
    long w =
        tmpdir_slurp(tmpdir_file(&fx->dir, "sipwarden.db-wal", p, sizeof(p)),
                     file, sizeof(file));
    if (w > 0) {
        assert_null(memmem(file, (size_t)w, "PLAINTOTPSECRET", 15));
    }
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
}

static void recovery_codes_single_use(void **state)
{
    struct fx *fx = *state;
    char h1[65], h2[65], h3[65];
    const char *hs[] = { hex64('1', h1), hex64('2', h2) };
    int64_t id = add(fx, "root", STORE_ADMIN_SYSTEM, 0, 0);
    uint32_t left = 0;
    assert_int_equal(store_admin_recovery_set(fx->st, id, hs, 2, 1), 0);
    assert_int_equal(store_admin_recovery_left(fx->st, id, &left), 0);
    assert_int_equal(left, 2);
    assert_int_equal(store_admin_recovery_use(fx->st, id, h1, 2), 0);
    assert_int_equal(store_admin_recovery_use(fx->st, id, h1, 3), -ENOENT);
    assert_int_equal(store_admin_recovery_use(fx->st, id, hex64('3', h3), 3),
                     -ENOENT);
    assert_int_equal(store_admin_recovery_use(fx->st, id, "zz", 3), -ENOENT);
    assert_int_equal(store_admin_recovery_left(fx->st, id, &left), 0);
    assert_int_equal(left, 1);
    /* Replacing the set forgets the old codes. */
    const char *hs2[] = { h3 };
    assert_int_equal(store_admin_recovery_set(fx->st, id, hs2, 1, 4), 0);
    assert_int_equal(store_admin_recovery_use(fx->st, id, h2, 5), -ENOENT);
    assert_int_equal(store_admin_recovery_use(fx->st, id, h3, 5), 0);
    const char *bad[] = { "ABC" };
    assert_int_equal(store_admin_recovery_set(fx->st, id, bad, 1, 4), -EINVAL);
    assert_int_equal(store_admin_recovery_set(fx->st, 999, hs2, 1, 4), -ENOENT);
}

/* ---- sessions ---- */

static struct store_session sess(const char *id, int64_t admin_id,
                                 int64_t support_id, int64_t now)
{
    struct store_session s;
    memset(&s, 0, sizeof(s));
    snprintf(s.id, sizeof(s.id), "%s", id);
    s.admin_id = admin_id;
    s.support_id = support_id;
    s.kind = STORE_SESSION_COOKIE;
    s.created_at = now;
    s.last_seen_at = now;
    s.expires_at = now + 3600;
    snprintf(s.client_ip, sizeof(s.client_ip), "203.0.113.9");
    return s;
}

static int sess_count_cb(void *ud, const struct store_session *s)
{
    (void)s;
    (*(int *)ud)++;
    return 0;
}

static void sessions_lifecycle(void **state)
{
    struct fx *fx = *state;
    char a[65], b[65], c[65];
    struct store_session o;
    int64_t id = add(fx, "root", STORE_ADMIN_SYSTEM, 0, 0);
    struct store_session s = sess(hex64('a', a), id, 0, 1000);
    /* A long, hostile User-Agent is cleaned and cut. */
    memset(s.user_agent, 'U', sizeof(s.user_agent) - 1);
    s.user_agent[3] = '\n';
    assert_int_equal(store_session_add(fx->st, &s), 0);
    assert_int_equal(store_session_add(fx->st, &s), -EEXIST);
    assert_int_equal(store_session_get(fx->st, a, &o), 0);
    assert_int_equal(o.admin_id, id);
    assert_string_equal(o.username, "root");
    assert_int_equal(o.role, STORE_ADMIN_SYSTEM);
    assert_int_equal(strlen(o.user_agent), STORE_USER_AGENT_MAX);
    assert_int_equal(o.user_agent[3], '?');
    assert_string_equal(o.client_ip, "203.0.113.9");
    /* Touch never goes backwards. */
    assert_int_equal(store_session_touch(fx->st, a, 1500), 0);
    assert_int_equal(store_session_touch(fx->st, a, 1200), 0);
    assert_int_equal(store_session_get(fx->st, a, &o), 0);
    assert_int_equal(o.last_seen_at, 1500);
    assert_int_equal(store_session_touch(fx->st, hex64('f', c), 1), -ENOENT);
    /* Shapes refused. */
    struct store_session bad = sess("abc", id, 0, 1000);
    assert_int_equal(store_session_add(fx->st, &bad), -EINVAL);
    bad = sess(hex64('b', b), 0, 0, 1000);
    assert_int_equal(store_session_add(fx->st, &bad), -EINVAL);
    bad = sess(b, 999, 0, 1000);
    assert_int_equal(store_session_add(fx->st, &bad), -ENOENT);
    bad = sess(b, id, 0, 1000);
    bad.expires_at = 1000;
    assert_int_equal(store_session_add(fx->st, &bad), -EINVAL);
    /* Two more; revoke all but one. */
    struct store_session s2 = sess(b, id, 0, 1100);
    s2.kind = STORE_SESSION_API_TOKEN;
    snprintf(s2.label, sizeof(s2.label), "ci");
    assert_int_equal(store_session_add(fx->st, &s2), 0);
    struct store_session s3 = sess(hex64('c', c), id, 0, 1200);
    assert_int_equal(store_session_add(fx->st, &s3), 0);
    int n = 0;
    assert_int_equal(store_session_list(fx->st, id, 1300, sess_count_cb, &n),
                     0);
    assert_int_equal(n, 3);
    uint32_t revoked = 0;
    assert_int_equal(store_session_revoke_admin(fx->st, id, c, 1300, &revoked),
                     0);
    assert_int_equal(revoked, 2);
    n = 0;
    assert_int_equal(store_session_list(fx->st, 0, 1300, sess_count_cb, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_session_get(fx->st, a, &o), 0);
    assert_int_equal(o.revoked_at, 1300);
    assert_int_equal(store_session_revoke(fx->st, c, 1400), 0);
    assert_int_equal(store_session_revoke(fx->st, c, 1500), 0); /* again */
    assert_int_equal(store_session_get(fx->st, c, &o), 0);
    assert_int_equal(o.revoked_at, 1400);
    assert_int_equal(store_session_revoke(fx->st, hex64('e', b), 1), -ENOENT);
    /* Purge removes revoked and expired rows. */
    uint32_t purged = 0;
    assert_int_equal(store_session_purge(fx->st, 2000, 0, &purged), 0);
    assert_int_equal(purged, 3);
    assert_int_equal(store_session_get(fx->st, a, &o), -ENOENT);
    /* Removing the account removes its sessions. */
    struct store_session s4 = sess(a, id, 0, 3000);
    assert_int_equal(store_session_add(fx->st, &s4), 0);
    assert_int_equal(store_admin_rm(fx->st, id), 0);
    assert_int_equal(store_session_get(fx->st, a, &o), -ENOENT);
}

/* ---- support links ---- */

static int link_count_cb(void *ud, const struct store_support_link *l)
{
    (void)l;
    (*(int *)ud)++;
    return 0;
}

static void support_links(void **state)
{
    struct fx *fx = *state;
    char h[65], sid[65];
    struct store_support_link l, o;
    int64_t creator = add(fx, "root", STORE_ADMIN_SYSTEM, 0, 0);
    int64_t id = 0;
    memset(&l, 0, sizeof(l));
    snprintf(l.token_hash, sizeof(l.token_hash), "%s", hex64('d', h));
    l.tenant_id = fx->tid;
    l.role = STORE_ADMIN_TENANT;
    l.created_by = creator;
    l.created_at = 1000;
    l.expires_at = 1000 + 72 * 3600 + 1;
    assert_int_equal(store_support_link_add(fx->st, &l, &id), -EINVAL);
    l.expires_at = 1000;
    assert_int_equal(store_support_link_add(fx->st, &l, &id), -EINVAL);
    l.expires_at = 1000 + 72 * 3600;
    l.role = STORE_ADMIN_SYSTEM;
    assert_int_equal(store_support_link_add(fx->st, &l, &id), -EINVAL);
    l.role = STORE_ADMIN_USER;
    assert_int_equal(store_support_link_add(fx->st, &l, &id), -EINVAL);
    l.user_id = fx->uid;
    l.tenant_id = fx->tid2;
    assert_int_equal(store_support_link_add(fx->st, &l, &id), -EINVAL);
    l.role = STORE_ADMIN_TENANT;
    l.user_id = 0;
    l.tenant_id = fx->tid;
    l.expires_at = 1000 + 3600;
    assert_int_equal(store_support_link_add(fx->st, &l, &id), 0);
    /* Use counts; unknown refused. */
    assert_int_equal(store_support_link_use(fx->st, h, 1500, &o), 0);
    assert_int_equal(store_support_link_use(fx->st, h, 1600, &o), 0);
    assert_int_equal(o.uses, 2);
    assert_int_equal(o.last_used_at, 1600);
    assert_int_equal(o.tenant_id, fx->tid);
    assert_int_equal(o.created_by, creator);
    assert_int_equal(store_support_link_use(fx->st, hex64('0', sid), 1500, &o),
                     -ENOENT);
    assert_int_equal(store_support_link_use(fx->st, "short", 1500, &o),
                     -ENOENT);
    /* Expired. */
    assert_int_equal(store_support_link_use(fx->st, h, 1000 + 3600, &o),
                     -ETIMEDOUT);
    assert_int_equal(store_support_link_get(fx->st, id, &o), 0);
    assert_int_equal(o.uses, 2);
    /* A session opened with it ends with the revocation. */
    struct store_session s = sess(hex64('5', sid), 0, id, 1600);
    assert_int_equal(store_session_add(fx->st, &s), 0);
    struct store_session so;
    assert_int_equal(store_session_get(fx->st, sid, &so), 0);
    assert_int_equal(so.role, STORE_ADMIN_TENANT);
    assert_int_equal(so.tenant_id, fx->tid);
    assert_string_equal(so.username, "");
    assert_int_equal(store_support_link_revoke(fx->st, id, 1700), 0);
    assert_int_equal(store_support_link_use(fx->st, h, 1701, &o), -EKEYREVOKED);
    assert_int_equal(store_session_get(fx->st, sid, &so), 0);
    assert_int_equal(so.revoked_at, 1700);
    assert_int_equal(store_support_link_revoke(fx->st, 999, 1700), -ENOENT);
    int n = 0;
    assert_int_equal(
        store_support_link_list(fx->st, fx->tid2, link_count_cb, &n), 0);
    assert_int_equal(n, 0);
    /* The creator's removal keeps the link (creator forgotten). */
    assert_int_equal(store_admin_rm(fx->st, creator), 0);
    assert_int_equal(store_support_link_get(fx->st, id, &o), 0);
    assert_int_equal(o.created_by, 0);
}

/* ---- audit ---- */

static void audit_add(struct fx *fx, int64_t at, const char *actor,
                      const char *action, int64_t tenant)
{
    struct store_audit a;
    memset(&a, 0, sizeof(a));
    a.at = at;
    snprintf(a.actor, sizeof(a.actor), "%s", actor);
    snprintf(a.action, sizeof(a.action), "%s", action);
    snprintf(a.target, sizeof(a.target), "t%lld", (long long)at);
    a.tenant_id = tenant;
    a.new_json = "{\"x\":1}";
    assert_int_equal(store_audit_add(fx->st, &a, NULL), 0);
}

struct ids {
    int64_t v[64];
    int n;
};

static int audit_cb(void *ud, const struct store_audit *a)
{
    struct ids *ids = ud;
    assert_true(ids->n < 64);
    ids->v[ids->n++] = a->at;
    return 0;
}

static void audit_filter_paging_purge(void **state)
{
    struct fx *fx = *state;
    struct ids ids = { 0 };
    for (int i = 1; i <= 10; i++) {
        audit_add(fx, i * 86400, i % 2 ? "alice" : "bob",
                  i % 3 ? "user.add" : "trunk.set", i <= 5 ? fx->tid : 0);
    }
    /* Newest first, filters, paging. */
    assert_int_equal(store_audit_list(fx->st, NULL, audit_cb, &ids), 0);
    assert_int_equal(ids.n, 10);
    assert_int_equal(ids.v[0], 10 * 86400);
    struct store_audit_filter f = { .actor = "ALICE",
                                    .action_prefix = "user." };
    ids.n = 0;
    assert_int_equal(store_audit_list(fx->st, &f, audit_cb, &ids), 0);
    assert_int_equal(ids.n, 3); /* 1, 5, 7 */
    assert_int_equal(ids.v[0], 7 * 86400);
    struct store_audit_filter pg = { .limit = 3, .offset = 2 };
    ids.n = 0;
    assert_int_equal(store_audit_list(fx->st, &pg, audit_cb, &ids), 0);
    assert_int_equal(ids.n, 3);
    assert_int_equal(ids.v[0], 8 * 86400);
    struct store_audit_filter tf = { .tenant_id = fx->tid,
                                     .since = 2 * 86400,
                                     .until = 5 * 86400 };
    uint64_t n = 0;
    assert_int_equal(store_audit_count(fx->st, &tf, &n), 0);
    assert_int_equal(n, 3);
    /* Retention: by age, then by rows. */
    uint32_t removed = 0;
    assert_int_equal(store_audit_purge(fx->st, 11 * 86400, 7, 0, &removed), 0);
    assert_int_equal(removed, 3); /* days 1..3 are older than 7 days */
    assert_int_equal(store_audit_purge(fx->st, 11 * 86400, 0, 4, &removed), 0);
    assert_int_equal(removed, 3);
    ids.n = 0;
    assert_int_equal(store_audit_list(fx->st, NULL, audit_cb, &ids), 0);
    assert_int_equal(ids.n, 4);
    assert_int_equal(ids.v[3], 7 * 86400);
    assert_int_equal(store_audit_purge(fx->st, 11 * 86400, 0, 0, &removed), 0);
    assert_int_equal(removed, 0);
    /* Ids are never reused after a purge (keyset paging stays valid). */
    audit_add(fx, 12 * 86400, "x", "y", 0);
    struct store_audit_filter kf = { .before_id = 11 };
    ids.n = 0;
    assert_int_equal(store_audit_list(fx->st, &kf, audit_cb, &ids), 0);
    assert_int_equal(ids.n, 4);
    /* Bad entries. */
    struct store_audit a;
    memset(&a, 0, sizeof(a));
    snprintf(a.action, sizeof(a.action), "x");
    assert_int_equal(store_audit_add(fx->st, &a, NULL), -EINVAL); /* actor */
    snprintf(a.actor, sizeof(a.actor), "a\tb");
    assert_int_equal(store_audit_add(fx->st, &a, NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(schema_v4_and_migration_from_v3, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(accounts_roles_and_names, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(list_by_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(default_account_once, setup, teardown),
        cmocka_unit_test_setup_teardown(default_not_added_beside_existing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(password_history_bounded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(totp_pending_enable_replay, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(totp_secret_not_in_clear, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(recovery_codes_single_use, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sessions_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(support_links, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_filter_paging_purge, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
