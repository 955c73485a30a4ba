/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tables of calls: groups, the tenants' country profiles, number lists
 * (allowed country codes, disallowed prefixes, emergency numbers,
 * holidays) and office hours, trunks with sealed passwords, inbound and
 * outbound rules, call limits, fraud thresholds, suspensions and CDRs. The
 * store checks syntax and references; what a rule means at call time is
 * route/'s and limits/'s.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* 0..max bytes (1.. unless 'may_be_empty'), no C0 controls or DEL. */
static bool text_ok(const char *s, size_t max, bool may_be_empty)
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
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

/* lo..max bytes all from 'set'. */
static bool chars_ok(const char *s, size_t lo, size_t max, const char *set)
{
    size_t n = s ? strlen(s) : 0;
    return n >= lo && n <= max && (n == 0 || strspn(s, set) == n);
}

#define DIGITS "0123456789"
#define NAME_SET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS "._-"
#define DIAL_SET DIGITS "+*#"
#define HOST_SET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS ".:_-[]"
#define TZ_SET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS "/_+-"
#define NETS_SET "0123456789abcdefABCDEF.:/,"
#define DID_SET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS "+*#.!_[]-"

/* A name of [A-Za-z0-9._-] starting with a letter or digit. */
static bool name_ok(const char *s, size_t max)
{
    return chars_ok(s, 1, max, NAME_SET) && strchr("._-", s[0]) == NULL;
}

/* A text field terminated within its array. */
static bool field_ok(const char *f, size_t cap)
{
    return memchr(f, '\0', cap) != NULL;
}

static uint32_t col_u32(sqlite3_stmt *s, int col)
{
    sqlite3_int64 v = sqlite3_column_int64(s, col);
    return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Bind an id, or NULL for 0. */
static void bind_id(sqlite3_stmt *s, int idx, int64_t id)
{
    if (id > 0) {
        sqlite3_bind_int64(s, idx, id);
    } else {
        sqlite3_bind_null(s, idx);
    }
}

/* Step a statement that returns no rows; *changes if not NULL. */
static int step_done(struct store *st, sqlite3_stmt *s, const char *what,
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

/* Step an INSERT; *id gets the new row id. */
static int step_insert(struct store *st, sqlite3_stmt *s, const char *what,
                       int64_t *id)
{
    int rc = step_done(st, s, what, NULL);
    if (rc == 0 && id) {
        *id = sqlite3_last_insert_rowid(st->db);
    }
    return rc;
}

typedef int row_fn(void *ud, sqlite3_stmt *s);

/* Step a query, calling 'fn' for each row; stops at its non-zero return. */
static int walk(struct store *st, sqlite3_stmt *s, row_fn *fn, void *ud,
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

/* Does row 'id' exist in 'table' (static SQL picked by the caller)? */
static int exists(struct store *st, enum store_stmt_id sid, const char *sql,
                  int64_t id, const char *what)
{
    sqlite3_stmt *s = store_stmt(st, sid, sql);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
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

static int tenant_exists(struct store *st, int64_t tenant_id)
{
    return exists(st, STMT_CALL_TENANT_EXISTS,
                  "SELECT 1 FROM tenants WHERE id = ?1", tenant_id, "tenant");
}

/* Tenant of a user; -ENOENT when there is no such user. */
static int user_tenant(struct store *st, int64_t user_id, int64_t *tenant_id)
{
    sqlite3_stmt *s = store_stmt(st, STMT_CALL_USER_TENANT,
                                 "SELECT tenant_id FROM users WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *tenant_id = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no user with id %lld",
                          (long long)user_id);
    }
    return store_fail_sql(st, rc, "finding user");
}

/* Tenant of a group; -ENOENT when there is no such group. */
static int group_tenant(struct store *st, int64_t group_id, int64_t *tenant_id)
{
    sqlite3_stmt *s = store_stmt(st, STMT_CALL_GROUP_TENANT,
                                 "SELECT tenant_id FROM groups WHERE id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, group_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *tenant_id = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no group with id %lld",
                          (long long)group_id);
    }
    return store_fail_sql(st, rc, "finding group");
}

/* ------------------------------------------------------------------ */
/* Groups                                                               */
/* ------------------------------------------------------------------ */

#define GROUP_COLS                                                    \
    "g.id, g.tenant_id, g.name, g.created_at, (SELECT count(*) FROM " \
    "group_members m WHERE m.group_id = g.id)"

static void row_to_group(sqlite3_stmt *s, struct store_group *g)
{
    g->id = sqlite3_column_int64(s, 0);
    g->tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, g->name, sizeof(g->name));
    g->created_at = sqlite3_column_int64(s, 3);
    g->n_members = col_u32(s, 4);
}

int store_group_add(struct store *st, int64_t tenant_id, const char *name,
                    int64_t now, int64_t *id)
{
    if (!name_ok(name, STORE_GROUP_MAX)) {
        return store_fail(st, -EINVAL,
                          "group name must be 1..%d of letters, digits, '.', "
                          "'_' and '-', starting with a letter or digit",
                          STORE_GROUP_MAX);
    }
    int rc = tenant_exists(st, tenant_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_ADD,
                                 "INSERT INTO groups (tenant_id, name, "
                                 "created_at) VALUES (?1, ?2, ?3)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, name);
    sqlite3_bind_int64(s, 3, now);
    rc = step_insert(st, s, "adding group", id);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "group %s already exists", name);
    }
    return rc;
}

int store_group_find(struct store *st, int64_t tenant_id, const char *name,
                     struct store_group *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_FIND,
                                 "SELECT " GROUP_COLS " FROM groups g WHERE "
                                 "g.tenant_id = ?1 AND g.name = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_group(s, out);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        store_ok(st);
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no group %s in that tenant",
                          name ? name : "");
    }
    return store_fail_sql(st, rc, "finding group");
}

int store_group_rm(struct store *st, int64_t tenant_id, const char *name)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_RM,
                                 "DELETE FROM groups WHERE tenant_id = ?1 AND "
                                 "name = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, name);
    int rc = step_done(st, s, "removing group", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no group %s in that tenant",
                          name ? name : "");
    }
    return rc;
}

struct group_walk {
    store_group_fn *cb;
    void *ud;
};

static int group_row(void *ud, sqlite3_stmt *s)
{
    struct group_walk *w = ud;
    struct store_group g;
    row_to_group(s, &g);
    return w->cb(w->ud, &g);
}

int store_group_list(struct store *st, int64_t tenant_id, store_group_fn *cb,
                     void *ud)
{
    struct group_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_LIST,
                                 "SELECT " GROUP_COLS " FROM groups g WHERE "
                                 "g.tenant_id = ?1 ORDER BY g.name");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return walk(st, s, group_row, &w, "listing groups");
}

int store_group_member_add(struct store *st, int64_t group_id, int64_t user_id)
{
    int64_t gt = 0;
    int64_t ut = 0;
    int rc = group_tenant(st, group_id, &gt);
    if (rc == 0) {
        rc = user_tenant(st, user_id, &ut);
    }
    if (rc < 0) {
        return rc;
    }
    if (gt != ut) {
        return store_fail(st, -EINVAL,
                          "the user and the group belong to different "
                          "tenants");
    }
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_MEMBER_ADD,
                                 "INSERT INTO group_members (group_id, "
                                 "user_id) VALUES (?1, ?2)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, group_id);
    sqlite3_bind_int64(s, 2, user_id);
    rc = step_done(st, s, "adding group member", NULL);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "the user is already a member");
    }
    return rc;
}

int store_group_member_rm(struct store *st, int64_t group_id, int64_t user_id)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_MEMBER_RM,
                                 "DELETE FROM group_members WHERE group_id = "
                                 "?1 AND user_id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, group_id);
    sqlite3_bind_int64(s, 2, user_id);
    int rc = step_done(st, s, "removing group member", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "the user is not a member");
    }
    return rc;
}

struct member_walk {
    store_member_fn *cb;
    void *ud;
};

static int member_row(void *ud, sqlite3_stmt *s)
{
    struct member_walk *w = ud;
    return w->cb(w->ud, sqlite3_column_int64(s, 0), store_col_text(s, 1));
}

int store_group_member_list(struct store *st, int64_t group_id,
                            store_member_fn *cb, void *ud)
{
    struct member_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_MEMBER_LIST,
                                 "SELECT u.id, u.ext FROM group_members m "
                                 "JOIN users u ON u.id = m.user_id WHERE "
                                 "m.group_id = ?1 ORDER BY u.ext");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, group_id);
    return walk(st, s, member_row, &w, "listing group members");
}

/* ------------------------------------------------------------------ */
/* Country profile                                                      */
/* ------------------------------------------------------------------ */

static bool tz_ok(const char *tz)
{
    return chars_ok(tz, 1, STORE_TZ_MAX, TZ_SET) && tz[0] != '/'
           && strstr(tz, "..") == NULL && strstr(tz, "//") == NULL
           && tz[strlen(tz) - 1] != '/';
}

int store_profile_set(struct store *st, int64_t tenant_id,
                      const struct store_tenant_profile *p, int64_t now)
{
    if (!field_ok(p->country_code, sizeof(p->country_code))
        || !chars_ok(p->country_code, 1, 3, DIGITS)
        || p->country_code[0] == '0') {
        return store_fail(st, -EINVAL,
                          "country code must be 1..3 digits not starting "
                          "with 0");
    }
    if (!field_ok(p->national_prefix, sizeof(p->national_prefix))
        || !chars_ok(p->national_prefix, 0, 4, DIGITS)) {
        return store_fail(st, -EINVAL, "national prefix must be 0..4 digits");
    }
    if (!field_ok(p->intl_prefix, sizeof(p->intl_prefix))
        || !chars_ok(p->intl_prefix, 1, 4, DIGITS)) {
        return store_fail(st, -EINVAL,
                          "international prefix must be 1..4 digits");
    }
    if (!field_ok(p->time_zone, sizeof(p->time_zone)) || !tz_ok(p->time_zone)) {
        return store_fail(st, -EINVAL,
                          "time zone must be an IANA name such as "
                          "Europe/Paris");
    }
    int rc = tenant_exists(st, tenant_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_PROFILE_SET,
        "INSERT INTO tenant_profiles (tenant_id, country_code, "
        "national_prefix, intl_prefix, time_zone, updated_at) VALUES (?1, "
        "?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant_id) DO UPDATE SET "
        "country_code = excluded.country_code, national_prefix = "
        "excluded.national_prefix, intl_prefix = excluded.intl_prefix, "
        "time_zone = excluded.time_zone, updated_at = excluded.updated_at");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, p->country_code);
    store_bind_text(s, 3, p->national_prefix);
    store_bind_text(s, 4, p->intl_prefix);
    store_bind_text(s, 5, p->time_zone);
    sqlite3_bind_int64(s, 6, now);
    return step_done(st, s, "saving country profile", NULL);
}

int store_profile_get(struct store *st, int64_t tenant_id,
                      struct store_tenant_profile *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_PROFILE_GET,
                                 "SELECT country_code, national_prefix, "
                                 "intl_prefix, time_zone, updated_at FROM "
                                 "tenant_profiles WHERE tenant_id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_col_copy(s, 0, out->country_code, sizeof(out->country_code));
        store_col_copy(s, 1, out->national_prefix,
                       sizeof(out->national_prefix));
        store_col_copy(s, 2, out->intl_prefix, sizeof(out->intl_prefix));
        store_col_copy(s, 3, out->time_zone, sizeof(out->time_zone));
        out->updated_at = sqlite3_column_int64(s, 4);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        store_ok(st);
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "the tenant has no country profile yet");
    }
    return store_fail_sql(st, rc, "reading country profile");
}

/* ------------------------------------------------------------------ */
/* Number lists                                                         */
/* ------------------------------------------------------------------ */

static const char *const list_names[STORE_LIST_KINDS] = {
    [STORE_LIST_COUNTRY] = "country code",
    [STORE_LIST_PREFIX] = "disallowed prefix",
    [STORE_LIST_EMERGENCY] = "emergency number",
    [STORE_LIST_HOLIDAY] = "holiday",
};

const char *store_list_kind_name(enum store_list_kind kind)
{
    return (unsigned)kind < STORE_LIST_KINDS ? list_names[kind] : "unknown";
}

static bool leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYY-MM-DD naming a real day of years 1970..9999. */
static bool date_ok(const char *s)
{
    static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31 };
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
            return false;
        }
    }
    unsigned y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100
                            + (s[2] - '0') * 10 + (s[3] - '0'));
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (y < 1970 || m < 1 || m > 12 || d < 1) {
        return false;
    }
    return d <= mdays[m - 1] + (m == 2 && leap(y) ? 1u : 0u);
}

static int list_value_check(struct store *st, enum store_list_kind kind,
                            const char *v)
{
    switch (kind) {
    case STORE_LIST_COUNTRY:
        if (chars_ok(v, 1, 3, DIGITS) && v[0] != '0') {
            return 0;
        }
        return store_fail(st, -EINVAL,
                          "country code must be 1..3 digits not starting "
                          "with 0");
    case STORE_LIST_PREFIX:
        if (chars_ok(v, 1, STORE_NUMBER_MAX, DIGITS)) {
            return 0;
        }
        return store_fail(st, -EINVAL,
                          "disallowed prefix must be 1..%d digits "
                          "(country code first, without international "
                          "prefix)",
                          STORE_NUMBER_MAX);
    case STORE_LIST_EMERGENCY:
        if (chars_ok(v, 1, STORE_NUMBER_MAX, DIAL_SET)) {
            return 0;
        }
        return store_fail(st, -EINVAL,
                          "emergency number must be 1..%d of digits, '+', "
                          "'*' and '#'",
                          STORE_NUMBER_MAX);
    case STORE_LIST_HOLIDAY:
        if (date_ok(v)) {
            return 0;
        }
        return store_fail(st, -EINVAL, "holiday must be a date YYYY-MM-DD");
    }
    return store_fail(st, -EINVAL, "unknown list");
}

#define LIST_SQL(table)                                                        \
    {                                                                          \
        "INSERT INTO " table " (tenant_id, value, description, created_at) "   \
        "VALUES (?1, ?2, ?3, ?4)",                                             \
            "DELETE FROM " table " WHERE tenant_id = ?1 AND value = ?2",       \
            "SELECT id, tenant_id, value, description, created_at FROM " table \
            " WHERE tenant_id = ?1 ORDER BY value"                             \
    }

/* The cached statement 'op' (0 add, 1 rm, 2 list) of list 'kind'. */
static sqlite3_stmt *list_stmt(struct store *st, enum store_list_kind kind,
                               int op)
{
    static const char *const sql[STORE_LIST_KINDS][3] = {
        [STORE_LIST_COUNTRY] = LIST_SQL("allowed_countries"),
        [STORE_LIST_PREFIX] = LIST_SQL("disallowed_prefixes"),
        [STORE_LIST_EMERGENCY] = LIST_SQL("emergency_numbers"),
        [STORE_LIST_HOLIDAY] = LIST_SQL("holidays"),
    };
    return store_stmt(st, (enum store_stmt_id)(STMT_LIST_FIRST + kind * 3 + op),
                      sql[kind][op]);
}

int store_list_add(struct store *st, enum store_list_kind kind,
                   int64_t tenant_id, const char *value, const char *descr,
                   int64_t now, int64_t *id)
{
    if ((unsigned)kind >= STORE_LIST_KINDS) {
        return store_fail(st, -EINVAL, "unknown list");
    }
    int rc = list_value_check(st, kind, value);
    if (rc < 0) {
        return rc;
    }
    if (!text_ok(descr, STORE_DESCR_MAX, true)) {
        return store_fail(st, -EINVAL,
                          "description must be at most %d bytes without "
                          "control characters",
                          STORE_DESCR_MAX);
    }
    rc = tenant_exists(st, tenant_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = list_stmt(st, kind, 0);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, value);
    store_bind_text(s, 3, descr);
    sqlite3_bind_int64(s, 4, now);
    rc = step_insert(st, s, "adding list entry", id);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "%s %s is already listed",
                          list_names[kind], value);
    }
    return rc;
}

int store_list_rm(struct store *st, enum store_list_kind kind,
                  int64_t tenant_id, const char *value)
{
    int changes = 0;
    if ((unsigned)kind >= STORE_LIST_KINDS) {
        return store_fail(st, -EINVAL, "unknown list");
    }
    sqlite3_stmt *s = list_stmt(st, kind, 1);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, value);
    int rc = step_done(st, s, "removing list entry", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "%s %s is not listed", list_names[kind],
                          value ? value : "");
    }
    return rc;
}

struct list_walk {
    store_list_fn *cb;
    void *ud;
};

static int list_row(void *ud, sqlite3_stmt *s)
{
    struct list_walk *w = ud;
    struct store_list_item it;
    it.id = sqlite3_column_int64(s, 0);
    it.tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, it.value, sizeof(it.value));
    store_col_copy(s, 3, it.descr, sizeof(it.descr));
    it.created_at = sqlite3_column_int64(s, 4);
    return w->cb(w->ud, &it);
}

int store_list_walk(struct store *st, enum store_list_kind kind,
                    int64_t tenant_id, store_list_fn *cb, void *ud)
{
    struct list_walk w = { cb, ud };
    if ((unsigned)kind >= STORE_LIST_KINDS) {
        return store_fail(st, -EINVAL, "unknown list");
    }
    sqlite3_stmt *s = list_stmt(st, kind, 2);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return walk(st, s, list_row, &w, "listing entries");
}

/* ------------------------------------------------------------------ */
/* Office hours                                                         */
/* ------------------------------------------------------------------ */

enum { HOURS_RANGES_MAX = 8 };

static int hours_del(struct store *st, int64_t tenant_id, uint32_t weekday,
                     int *changes)
{
    sqlite3_stmt *s = store_stmt(st, STMT_HOURS_DEL,
                                 "DELETE FROM office_hours WHERE tenant_id = "
                                 "?1 AND weekday = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, weekday);
    return step_done(st, s, "removing office hours", changes);
}

int store_hours_set(struct store *st, int64_t tenant_id, uint32_t weekday,
                    const struct store_hours *ranges, size_t n)
{
    struct store_tx tx;
    if (weekday > 6) {
        return store_fail(st, -EINVAL, "weekday must be 0 (Sunday) .. 6");
    }
    if (n > HOURS_RANGES_MAX) {
        return store_fail(st, -EINVAL, "at most %d ranges per day",
                          HOURS_RANGES_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        const struct store_hours *r = &ranges[i];
        if (r->start_min > 1439 || r->end_min > 1440
            || r->start_min >= r->end_min) {
            return store_fail(st, -EINVAL,
                              "range %zu: start must be before end, within "
                              "00:00..24:00",
                              i + 1);
        }
        for (size_t k = 0; k < i; k++) {
            if (r->start_min < ranges[k].end_min
                && ranges[k].start_min < r->end_min) {
                return store_fail(st, -EINVAL, "ranges %zu and %zu overlap",
                                  k + 1, i + 1);
            }
        }
    }
    int rc = tenant_exists(st, tenant_id);
    if (rc < 0) {
        return rc;
    }
    rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = hours_del(st, tenant_id, weekday, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *s = store_stmt(st, STMT_HOURS_ADD,
                                     "INSERT INTO office_hours (tenant_id, "
                                     "weekday, start_min, end_min) VALUES "
                                     "(?1, ?2, ?3, ?4)");
        if (!s) {
            rc = -EIO;
            break;
        }
        sqlite3_bind_int64(s, 1, tenant_id);
        sqlite3_bind_int64(s, 2, weekday);
        sqlite3_bind_int64(s, 3, ranges[i].start_min);
        sqlite3_bind_int64(s, 4, ranges[i].end_min);
        rc = step_done(st, s, "saving office hours", NULL);
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

int store_hours_rm(struct store *st, int64_t tenant_id, uint32_t weekday)
{
    int changes = 0;
    int rc = hours_del(st, tenant_id, weekday, &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no office hours on that day");
    }
    return rc;
}

struct hours_walk {
    store_hours_fn *cb;
    void *ud;
};

static int hours_row(void *ud, sqlite3_stmt *s)
{
    struct hours_walk *w = ud;
    struct store_hours h;
    h.id = sqlite3_column_int64(s, 0);
    h.tenant_id = sqlite3_column_int64(s, 1);
    h.weekday = col_u32(s, 2);
    h.start_min = col_u32(s, 3);
    h.end_min = col_u32(s, 4);
    return w->cb(w->ud, &h);
}

int store_hours_list(struct store *st, int64_t tenant_id, store_hours_fn *cb,
                     void *ud)
{
    struct hours_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(st, STMT_HOURS_LIST,
                                 "SELECT id, tenant_id, weekday, start_min, "
                                 "end_min FROM office_hours WHERE tenant_id "
                                 "= ?1 ORDER BY weekday, start_min");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return walk(st, s, hours_row, &w, "listing office hours");
}

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

#define TRUNK_COLS                                                        \
    "id, name, kind, host, port, transport, username, realm, expires_s, " \
    "networks, max_calls, password_enc IS NOT NULL, created_at, updated_at"

static void row_to_trunk(sqlite3_stmt *s, struct store_trunk *t)
{
    t->id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, t->name, sizeof(t->name));
    enum store_trunk_kind k = STORE_TRUNK_REGISTER;
    store_trunk_kind_parse(store_col_text(s, 2), &k);
    t->kind = k;
    store_col_copy(s, 3, t->host, sizeof(t->host));
    t->port = col_u32(s, 4);
    store_col_copy(s, 5, t->transport, sizeof(t->transport));
    store_col_copy(s, 6, t->username, sizeof(t->username));
    store_col_copy(s, 7, t->realm, sizeof(t->realm));
    t->expires_s = col_u32(s, 8);
    store_col_copy(s, 9, t->networks, sizeof(t->networks));
    t->max_calls = col_u32(s, 10);
    t->has_password = sqlite3_column_int(s, 11) != 0;
    t->created_at = sqlite3_column_int64(s, 12);
    t->updated_at = sqlite3_column_int64(s, 13);
}

static int trunk_check(struct store *st, const struct store_trunk *t,
                       const char *password)
{
    if (!field_ok(t->name, sizeof(t->name))
        || !name_ok(t->name, STORE_TRUNK_NAME_MAX)) {
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
    if (!field_ok(t->host, sizeof(t->host))
        || !chars_ok(t->host, 0, STORE_HOST_MAX, HOST_SET)) {
        return store_fail(st, -EINVAL,
                          "host must be a host name or address of at most %d "
                          "characters",
                          STORE_HOST_MAX);
    }
    if (t->port > 65535) {
        return store_fail(st, -EINVAL, "port must be 0..65535");
    }
    if (!field_ok(t->transport, sizeof(t->transport))
        || (t->transport[0] && strcmp(t->transport, "udp") != 0
            && strcmp(t->transport, "tcp") != 0
            && strcmp(t->transport, "tls") != 0)) {
        return store_fail(st, -EINVAL, "transport must be udp, tcp or tls");
    }
    if (!field_ok(t->username, sizeof(t->username))
        || !text_ok(t->username, STORE_TRUNK_USER_MAX, true)) {
        return store_fail(st, -EINVAL,
                          "username must be at most %d bytes without control "
                          "characters",
                          STORE_TRUNK_USER_MAX);
    }
    if (!field_ok(t->realm, sizeof(t->realm))
        || !text_ok(t->realm, STORE_HOST_MAX, true)) {
        return store_fail(st, -EINVAL,
                          "realm must be at most %d bytes without control "
                          "characters",
                          STORE_HOST_MAX);
    }
    if (t->expires_s != 0 && (t->expires_s < 60 || t->expires_s > 86400)) {
        return store_fail(st, -EINVAL, "expiry must be 60..86400 seconds");
    }
    if (!field_ok(t->networks, sizeof(t->networks))
        || !chars_ok(t->networks, 0, STORE_NETS_MAX, NETS_SET)) {
        return store_fail(st, -EINVAL,
                          "networks must be a comma-separated list of "
                          "networks, at most %d bytes",
                          STORE_NETS_MAX);
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
    int rc = trunk_check(st, t, password);
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
    rc = step_insert(st, s, "adding trunk", id);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "trunk %s already exists", t->name);
    }
    return rc;
}

int store_trunk_set(struct store *st, int64_t id, const struct store_trunk *t,
                    const char *password, int64_t now)
{
    unsigned char sealed[TRUNK_SEALED_CAP];
    size_t sealed_len = 0;
    int changes = 0;
    int rc = trunk_check(st, t, password);
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
    rc = step_done(st, s, "updating trunk", &changes);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "trunk %s already exists", t->name);
    }
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no trunk with id %lld", (long long)id);
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
    rc = step_done(st, s, "removing trunk", &changes);
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
    return walk(st, s, trunk_row, &w, "listing trunks");
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
    int rc = exists(st, STMT_CALL_TRUNK_EXISTS,
                    "SELECT 1 FROM trunks WHERE id = ?1", trunk_id, "trunk");
    if (rc == 0) {
        rc = tenant_exists(st, tenant_id);
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
    rc = step_done(st, s, "saving trunk limit", &changes);
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
    l.max_calls = col_u32(s, 4);
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
    return walk(st, s, tlimit_row, &w, "listing trunk limits");
}

/* ------------------------------------------------------------------ */
/* Inbound rules                                                        */
/* ------------------------------------------------------------------ */

int store_inbound_add(struct store *st, const struct store_inbound_rule *r,
                      int64_t now, int64_t *id)
{
    const char *why = NULL;
    if (!field_ok(r->did, sizeof(r->did))
        || !chars_ok(r->did, 1, STORE_PATTERN_MAX, DID_SET)) {
        return store_fail(st, -EINVAL,
                          "DID must be 1..%d of digits, letters and + * # . "
                          "! _ [ ] -",
                          STORE_PATTERN_MAX);
    }
    if (!field_ok(r->ext, sizeof(r->ext))
        || store_ext_check(r->ext, &why) < 0) {
        return store_fail(st, -EINVAL, "%s", why ? why : "bad extension");
    }
    int rc = tenant_exists(st, r->tenant_id);
    if (rc == 0 && r->trunk_id > 0) {
        rc = exists(st, STMT_CALL_TRUNK_EXISTS,
                    "SELECT 1 FROM trunks WHERE id = ?1", r->trunk_id, "trunk");
    }
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(st, STMT_INBOUND_ADD,
                                 "INSERT INTO inbound_rules (tenant_id, "
                                 "trunk_id, did, ext, created_at) VALUES "
                                 "(?1, ?2, ?3, ?4, ?5)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, r->tenant_id);
    bind_id(s, 2, r->trunk_id);
    store_bind_text(s, 3, r->did);
    store_bind_text(s, 4, r->ext);
    sqlite3_bind_int64(s, 5, now);
    rc = step_insert(st, s, "adding inbound rule", id);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST,
                          "an inbound rule for %s from that trunk already "
                          "exists",
                          r->did);
    }
    return rc;
}

int store_inbound_rm(struct store *st, int64_t tenant_id, int64_t id)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_INBOUND_RM,
                                 "DELETE FROM inbound_rules WHERE tenant_id = "
                                 "?1 AND id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = step_done(st, s, "removing inbound rule", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no inbound rule %lld in that tenant",
                          (long long)id);
    }
    return rc;
}

struct inbound_walk {
    store_inbound_fn *cb;
    void *ud;
};

static int inbound_row(void *ud, sqlite3_stmt *s)
{
    struct inbound_walk *w = ud;
    struct store_inbound_rule r;
    r.id = sqlite3_column_int64(s, 0);
    r.tenant_id = sqlite3_column_int64(s, 1);
    r.trunk_id = sqlite3_column_int64(s, 2);
    store_col_copy(s, 3, r.trunk, sizeof(r.trunk));
    store_col_copy(s, 4, r.did, sizeof(r.did));
    store_col_copy(s, 5, r.ext, sizeof(r.ext));
    r.created_at = sqlite3_column_int64(s, 6);
    return w->cb(w->ud, &r);
}

int store_inbound_list(struct store *st, int64_t tenant_id,
                       store_inbound_fn *cb, void *ud)
{
    struct inbound_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(
        st, STMT_INBOUND_LIST,
        "SELECT r.id, r.tenant_id, coalesce(r.trunk_id, 0), "
        "coalesce(t.name, ''), r.did, r.ext, r.created_at FROM inbound_rules "
        "r LEFT JOIN trunks t ON t.id = r.trunk_id WHERE ?1 = 0 OR "
        "r.tenant_id = ?1 ORDER BY r.tenant_id, r.id");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id > 0 ? tenant_id : 0);
    return walk(st, s, inbound_row, &w, "listing inbound rules");
}

/* ------------------------------------------------------------------ */
/* Outbound rules                                                       */
/* ------------------------------------------------------------------ */

#define OUT_COLS                                                       \
    "id, tenant_id, name, position, prefix, min_len, max_len, roles, " \
    "office_hours_only, strip, prepend, created_at"

static void row_to_out(sqlite3_stmt *s, struct store_outbound_rule *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(s, 0);
    r->tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, r->name, sizeof(r->name));
    r->position = col_u32(s, 3);
    store_col_copy(s, 4, r->prefix, sizeof(r->prefix));
    r->min_len = col_u32(s, 5);
    r->max_len = col_u32(s, 6);
    r->roles = col_u32(s, 7);
    r->office_hours_only = sqlite3_column_int(s, 8) != 0;
    r->strip = col_u32(s, 9);
    store_col_copy(s, 10, r->prepend, sizeof(r->prepend));
    r->created_at = sqlite3_column_int64(s, 11);
}

/* Fill the groups and trunks of a rule read by row_to_out. */
static int out_fill(struct store *st, struct store_outbound_rule *r)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_GROUPS,
                                 "SELECT g.id, g.name FROM "
                                 "outbound_rule_groups x JOIN groups g ON "
                                 "g.id = x.group_id WHERE x.rule_id = ?1 "
                                 "ORDER BY g.name");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, r->id);
    int rc;
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW || r->n_groups >= STORE_RULE_GROUPS_MAX) {
            break;
        }
        r->group_ids[r->n_groups] = sqlite3_column_int64(s, 0);
        store_col_copy(s, 1, r->groups[r->n_groups], sizeof(r->groups[0]));
        r->n_groups++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "reading rule groups");
    }
    s = store_stmt(st, STMT_OUT_TRUNKS,
                   "SELECT t.id, t.name FROM outbound_rule_trunks x JOIN "
                   "trunks t ON t.id = x.trunk_id WHERE x.rule_id = ?1 ORDER "
                   "BY x.position");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, r->id);
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW || r->n_trunks >= STORE_RULE_TRUNKS_MAX) {
            break;
        }
        r->trunk_ids[r->n_trunks] = sqlite3_column_int64(s, 0);
        store_col_copy(s, 1, r->trunks[r->n_trunks], sizeof(r->trunks[0]));
        r->n_trunks++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "reading rule trunks");
    }
    return 0;
}

static int out_check(struct store *st, const struct store_outbound_rule *r)
{
    if (!field_ok(r->name, sizeof(r->name))
        || !name_ok(r->name, STORE_RULE_NAME_MAX)) {
        return store_fail(st, -EINVAL,
                          "rule name must be 1..%d of letters, digits, '.', "
                          "'_' and '-', starting with a letter or digit",
                          STORE_RULE_NAME_MAX);
    }
    if (!field_ok(r->prefix, sizeof(r->prefix))
        || !chars_ok(r->prefix, 0, STORE_NUMBER_MAX, DIAL_SET)) {
        return store_fail(st, -EINVAL,
                          "prefix must be at most %d of digits, '+', '*' "
                          "and '#'",
                          STORE_NUMBER_MAX);
    }
    if (!field_ok(r->prepend, sizeof(r->prepend))
        || !chars_ok(r->prepend, 0, STORE_NUMBER_MAX, DIAL_SET)) {
        return store_fail(st, -EINVAL,
                          "prepend must be at most %d of digits, '+', '*' "
                          "and '#'",
                          STORE_NUMBER_MAX);
    }
    if (r->min_len > STORE_NUMBER_MAX || r->max_len > STORE_NUMBER_MAX
        || (r->max_len > 0 && r->min_len > r->max_len)) {
        return store_fail(st, -EINVAL,
                          "length range must be within 0..%d with min <= max",
                          STORE_NUMBER_MAX);
    }
    if (r->strip > STORE_NUMBER_MAX) {
        return store_fail(st, -EINVAL, "strip must be 0..%d", STORE_NUMBER_MAX);
    }
    if (r->roles >= (1u << (STORE_ROLE_ADMIN + 1))) {
        return store_fail(st, -EINVAL, "unknown role in the rule's roles");
    }
    if (r->n_groups > STORE_RULE_GROUPS_MAX) {
        return store_fail(st, -EINVAL, "at most %d groups per rule",
                          STORE_RULE_GROUPS_MAX);
    }
    if (r->n_trunks < 1 || r->n_trunks > STORE_RULE_TRUNKS_MAX) {
        return store_fail(st, -EINVAL, "a rule needs 1..%d trunks",
                          STORE_RULE_TRUNKS_MAX);
    }
    for (uint32_t i = 0; i < r->n_trunks; i++) {
        for (uint32_t k = 0; k < i; k++) {
            if (r->trunk_ids[k] == r->trunk_ids[i]) {
                return store_fail(st, -EINVAL,
                                  "a trunk appears twice in the rule");
            }
        }
    }
    for (uint32_t i = 0; i < r->n_groups; i++) {
        for (uint32_t k = 0; k < i; k++) {
            if (r->group_ids[k] == r->group_ids[i]) {
                return store_fail(st, -EINVAL,
                                  "a group appears twice in the rule");
            }
        }
    }
    return 0;
}

/* Number of rules of a tenant. */
static int out_count(struct store *st, int64_t tenant_id, uint32_t *n)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_COUNT,
                                 "SELECT count(*) FROM outbound_rules WHERE "
                                 "tenant_id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *n = col_u32(s, 0);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : store_fail_sql(st, rc, "counting rules");
}

/* Shift positions >= 'from' (and < 'to' when to > 0) by 'delta'. */
static int out_shift(struct store *st, int64_t tenant_id, uint32_t from,
                     uint32_t to, int delta)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_SHIFT,
                                 "UPDATE outbound_rules SET position = "
                                 "position + ?4 WHERE tenant_id = ?1 AND "
                                 "position >= ?2 AND (?3 = 0 OR position < "
                                 "?3)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    sqlite3_bind_int(s, 4, delta);
    return step_done(st, s, "reordering rules", NULL);
}

static int out_links(struct store *st, const struct store_outbound_rule *r,
                     int64_t rule_id)
{
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < r->n_groups; i++) {
        int64_t gt = 0;
        rc = group_tenant(st, r->group_ids[i], &gt);
        if (rc == 0 && gt != r->tenant_id) {
            rc = store_fail(st, -EINVAL, "group %lld belongs to another tenant",
                            (long long)r->group_ids[i]);
        }
        sqlite3_stmt *s = rc == 0 ? store_stmt(st, STMT_OUT_GROUP_ADD,
                                               "INSERT INTO "
                                               "outbound_rule_groups (rule_id, "
                                               "group_id) VALUES (?1, ?2)")
                                  : NULL;
        if (rc == 0 && !s) {
            rc = -EIO;
        }
        if (rc == 0) {
            sqlite3_bind_int64(s, 1, rule_id);
            sqlite3_bind_int64(s, 2, r->group_ids[i]);
            rc = step_done(st, s, "adding rule group", NULL);
        }
    }
    for (uint32_t i = 0; rc == 0 && i < r->n_trunks; i++) {
        rc = exists(st, STMT_CALL_TRUNK_EXISTS,
                    "SELECT 1 FROM trunks WHERE id = ?1", r->trunk_ids[i],
                    "trunk");
        sqlite3_stmt *s = rc == 0 ? store_stmt(st, STMT_OUT_TRUNK_ADD,
                                               "INSERT INTO "
                                               "outbound_rule_trunks "
                                               "(rule_id, position, trunk_id) "
                                               "VALUES (?1, ?2, ?3)")
                                  : NULL;
        if (rc == 0 && !s) {
            rc = -EIO;
        }
        if (rc == 0) {
            sqlite3_bind_int64(s, 1, rule_id);
            sqlite3_bind_int64(s, 2, i + 1);
            sqlite3_bind_int64(s, 3, r->trunk_ids[i]);
            rc = step_done(st, s, "adding rule trunk", NULL);
        }
    }
    return rc;
}

int store_outbound_add(struct store *st, const struct store_outbound_rule *r,
                       int64_t now, int64_t *id)
{
    struct store_tx tx;
    uint32_t n = 0;
    int64_t rid = 0;
    int rc = out_check(st, r);
    if (rc == 0) {
        rc = tenant_exists(st, r->tenant_id);
    }
    if (rc < 0) {
        return rc;
    }
    rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = out_count(st, r->tenant_id, &n);
    uint32_t pos = r->position == 0 || r->position > n ? n + 1 : r->position;
    if (rc == 0 && pos <= n) {
        rc = out_shift(st, r->tenant_id, pos, 0, 1);
    }
    sqlite3_stmt *s = NULL;
    if (rc == 0) {
        s = store_stmt(st, STMT_OUT_ADD,
                       "INSERT INTO outbound_rules (tenant_id, name, "
                       "position, prefix, min_len, max_len, roles, "
                       "office_hours_only, strip, prepend, created_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                       "?11)");
        rc = s ? 0 : -EIO;
    }
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, r->tenant_id);
        store_bind_text(s, 2, r->name);
        sqlite3_bind_int64(s, 3, pos);
        store_bind_text(s, 4, r->prefix);
        sqlite3_bind_int64(s, 5, r->min_len);
        sqlite3_bind_int64(s, 6, r->max_len);
        sqlite3_bind_int64(s, 7, r->roles);
        sqlite3_bind_int(s, 8, r->office_hours_only ? 1 : 0);
        sqlite3_bind_int64(s, 9, r->strip);
        store_bind_text(s, 10, r->prepend);
        sqlite3_bind_int64(s, 11, now);
        rc = step_insert(st, s, "adding outbound rule", &rid);
        if (rc == -EEXIST) {
            rc = store_fail(st, -EEXIST, "outbound rule %s already exists",
                            r->name);
        }
    }
    if (rc == 0) {
        rc = out_links(st, r, rid);
    }
    if (rc < 0) {
        store_tx_end(st, &tx, 0);
        return rc;
    }
    rc = store_tx_end(st, &tx, 1);
    if (rc == 0) {
        if (id) {
            *id = rid;
        }
        store_ok(st);
    }
    return rc;
}

/* Position of rule 'id' of the tenant. */
static int out_pos(struct store *st, int64_t tenant_id, int64_t id,
                   uint32_t *pos)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_POS,
                                 "SELECT position FROM outbound_rules WHERE "
                                 "tenant_id = ?1 AND id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *pos = col_u32(s, 0);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no outbound rule %lld in that tenant",
                          (long long)id);
    }
    return store_fail_sql(st, rc, "finding outbound rule");
}

int store_outbound_rm(struct store *st, int64_t tenant_id, int64_t id)
{
    struct store_tx tx;
    uint32_t pos = 0;
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = out_pos(st, tenant_id, id, &pos);
    if (rc == 0) {
        sqlite3_stmt *s = store_stmt(st, STMT_OUT_RM,
                                     "DELETE FROM outbound_rules WHERE id = "
                                     "?1");
        rc = s ? 0 : -EIO;
        if (rc == 0) {
            sqlite3_bind_int64(s, 1, id);
            rc = step_done(st, s, "removing outbound rule", NULL);
        }
    }
    if (rc == 0) {
        rc = out_shift(st, tenant_id, pos + 1, 0, -1);
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

int store_outbound_move(struct store *st, int64_t tenant_id, int64_t id,
                        uint32_t position)
{
    struct store_tx tx;
    uint32_t pos = 0;
    uint32_t n = 0;
    if (position == 0) {
        return store_fail(st, -EINVAL, "positions start at 1");
    }
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = out_pos(st, tenant_id, id, &pos);
    if (rc == 0) {
        rc = out_count(st, tenant_id, &n);
    }
    if (position > n) {
        position = n;
    }
    if (rc == 0 && position < pos) {
        rc = out_shift(st, tenant_id, position, pos, 1);
    } else if (rc == 0 && position > pos) {
        rc = out_shift(st, tenant_id, pos + 1, position + 1, -1);
    }
    if (rc == 0 && position != pos) {
        sqlite3_stmt *s = store_stmt(st, STMT_OUT_SETPOS,
                                     "UPDATE outbound_rules SET position = "
                                     "?2 WHERE id = ?1");
        rc = s ? 0 : -EIO;
        if (rc == 0) {
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int64(s, 2, position);
            rc = step_done(st, s, "moving outbound rule", NULL);
        }
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

int store_outbound_find(struct store *st, int64_t tenant_id, const char *name,
                        struct store_outbound_rule *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_FIND,
                                 "SELECT " OUT_COLS " FROM outbound_rules "
                                 "WHERE tenant_id = ?1 AND name = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_out(s, out);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no outbound rule %s in that tenant",
                          name ? name : "");
    }
    if (rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "finding outbound rule");
    }
    rc = out_fill(st, out);
    if (rc == 0) {
        store_ok(st);
    }
    return rc;
}

int store_outbound_list(struct store *st, int64_t tenant_id,
                        store_outbound_fn *cb, void *ud)
{
    /* Rules are read one by one (by position) so the groups and trunks of
     * each can be read with other statements between two callbacks. */
    uint32_t n = 0;
    struct store_outbound_rule r;
    int rc = out_count(st, tenant_id, &n);
    if (rc < 0) {
        return rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        sqlite3_stmt *s = store_stmt(st, STMT_OUT_LIST,
                                     "SELECT " OUT_COLS " FROM "
                                     "outbound_rules WHERE tenant_id = ?1 "
                                     "ORDER BY position, id LIMIT 1 OFFSET "
                                     "?2");
        if (!s) {
            return -EIO;
        }
        sqlite3_bind_int64(s, 1, tenant_id);
        sqlite3_bind_int64(s, 2, i);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            row_to_out(s, &r);
        }
        sqlite3_reset(s);
        if (rc == SQLITE_DONE) {
            break;
        }
        if (rc != SQLITE_ROW) {
            return store_fail_sql(st, rc, "listing outbound rules");
        }
        rc = out_fill(st, &r);
        if (rc < 0) {
            return rc;
        }
        rc = cb(ud, &r);
        if (rc != 0) {
            return rc;
        }
    }
    store_ok(st);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Call limits                                                          */
/* ------------------------------------------------------------------ */

static const char *const scope_names[] = {
    [STORE_LIMIT_TENANT] = "tenant",
    [STORE_LIMIT_USER] = "user",
    [STORE_LIMIT_GROUP] = "group",
};

const char *store_limit_scope_name(enum store_limit_scope sc)
{
    if ((unsigned)sc >= sizeof(scope_names) / sizeof(scope_names[0])) {
        return "unknown";
    }
    return scope_names[sc];
}

static int limit_check(struct store *st, const struct store_call_limit *l)
{
    if ((unsigned)l->scope > STORE_LIMIT_GROUP) {
        return store_fail(st, -EINVAL, "scope must be tenant, user or group");
    }
    if ((l->scope == STORE_LIMIT_TENANT) != (l->target_id == 0)) {
        return store_fail(st, -EINVAL,
                          "a tenant limit has no target; a user or group "
                          "limit needs one");
    }
    if (l->calls == 0 && l->max_concurrent == 0) {
        return store_fail(st, -EINVAL,
                          "a limit needs a call rate or a concurrent call "
                          "maximum");
    }
    if (l->calls > 0 && (l->period_s < 1 || l->period_s > 86400)) {
        return store_fail(st, -EINVAL, "period must be 1..86400 seconds");
    }
    if (l->calls > 1000000 || l->max_concurrent > 100000) {
        return store_fail(st, -EINVAL, "limit values are too large");
    }
    if (l->has_window
        && (l->start_min > 1439 || l->end_min < 1 || l->end_min > 1440
            || l->start_min == l->end_min)) {
        return store_fail(st, -EINVAL,
                          "window must be two different times within "
                          "00:00..24:00");
    }
    return 0;
}

int store_limit_set(struct store *st, const struct store_call_limit *l,
                    int64_t *id)
{
    struct store_tx tx;
    int64_t owner = 0;
    int rc = limit_check(st, l);
    if (rc == 0) {
        rc = tenant_exists(st, l->tenant_id);
    }
    if (rc == 0 && l->scope == STORE_LIMIT_USER) {
        rc = user_tenant(st, l->target_id, &owner);
    } else if (rc == 0 && l->scope == STORE_LIMIT_GROUP) {
        rc = group_tenant(st, l->target_id, &owner);
    }
    if (rc == 0 && l->scope != STORE_LIMIT_TENANT && owner != l->tenant_id) {
        rc = store_fail(st, -EINVAL, "the limit's target is in another tenant");
    }
    if (rc < 0) {
        return rc;
    }
    int64_t uid = l->scope == STORE_LIMIT_USER ? l->target_id : 0;
    int64_t gid = l->scope == STORE_LIMIT_GROUP ? l->target_id : 0;
    rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_LIMIT_DEL_SAME,
        "DELETE FROM call_limits WHERE tenant_id = ?1 AND scope = ?2 AND "
        "user_id IS ?3 AND group_id IS ?4 AND start_min IS ?5 AND end_min IS "
        "?6");
    rc = s ? 0 : -EIO;
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        if (pass == 1) {
            s = store_stmt(st, STMT_LIMIT_ADD,
                           "INSERT INTO call_limits (tenant_id, scope, "
                           "user_id, group_id, start_min, end_min, calls, "
                           "period_s, max_concurrent) VALUES (?1, ?2, ?3, "
                           "?4, ?5, ?6, ?7, ?8, ?9)");
            if (!s) {
                rc = -EIO;
                break;
            }
            sqlite3_bind_int64(s, 7, l->calls);
            sqlite3_bind_int64(s, 8, l->calls ? l->period_s : 0);
            sqlite3_bind_int64(s, 9, l->max_concurrent);
        }
        sqlite3_bind_int64(s, 1, l->tenant_id);
        store_bind_text(s, 2, store_limit_scope_name(l->scope));
        bind_id(s, 3, uid);
        bind_id(s, 4, gid);
        if (l->has_window) {
            sqlite3_bind_int64(s, 5, l->start_min);
            sqlite3_bind_int64(s, 6, l->end_min);
        } else {
            sqlite3_bind_null(s, 5);
            sqlite3_bind_null(s, 6);
        }
        rc = pass == 0 ? step_done(st, s, "replacing limit", NULL)
                       : step_insert(st, s, "saving limit", id);
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

int store_limit_rm(struct store *st, int64_t tenant_id, int64_t id)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_LIMIT_RM,
                                 "DELETE FROM call_limits WHERE tenant_id = "
                                 "?1 AND id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = step_done(st, s, "removing limit", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no limit %lld in that tenant",
                          (long long)id);
    }
    return rc;
}

struct limit_walk {
    store_limit_fn *cb;
    void *ud;
};

static int limit_row(void *ud, sqlite3_stmt *s)
{
    struct limit_walk *w = ud;
    struct store_call_limit l;
    memset(&l, 0, sizeof(l));
    l.id = sqlite3_column_int64(s, 0);
    l.tenant_id = sqlite3_column_int64(s, 1);
    const char *scope = store_col_text(s, 2);
    l.scope = strcmp(scope, "user") == 0    ? STORE_LIMIT_USER
              : strcmp(scope, "group") == 0 ? STORE_LIMIT_GROUP
                                            : STORE_LIMIT_TENANT;
    l.target_id = sqlite3_column_int64(s, 3);
    store_col_copy(s, 4, l.target, sizeof(l.target));
    l.calls = col_u32(s, 5);
    l.period_s = col_u32(s, 6);
    l.max_concurrent = col_u32(s, 7);
    l.has_window = sqlite3_column_type(s, 8) != SQLITE_NULL;
    l.start_min = col_u32(s, 8);
    l.end_min = col_u32(s, 9);
    return w->cb(w->ud, &l);
}

int store_limit_list(struct store *st, int64_t tenant_id, store_limit_fn *cb,
                     void *ud)
{
    struct limit_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(
        st, STMT_LIMIT_LIST,
        "SELECT l.id, l.tenant_id, l.scope, coalesce(l.user_id, l.group_id, "
        "0), coalesce(u.ext, g.name, ''), l.calls, l.period_s, "
        "l.max_concurrent, l.start_min, l.end_min FROM call_limits l LEFT "
        "JOIN users u ON u.id = l.user_id LEFT JOIN groups g ON g.id = "
        "l.group_id WHERE l.tenant_id = ?1 ORDER BY CASE l.scope WHEN "
        "'tenant' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, 5, "
        "coalesce(l.start_min, -1)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return walk(st, s, limit_row, &w, "listing limits");
}

/* ------------------------------------------------------------------ */
/* Fraud thresholds                                                     */
/* ------------------------------------------------------------------ */

static const char *const metric_names[] = {
    [STORE_FRAUD_INTERNATIONAL] = "international",
    [STORE_FRAUD_DESTINATIONS] = "destinations",
    [STORE_FRAUD_AFTER_HOURS] = "after_hours",
};

const char *store_fraud_metric_name(enum store_fraud_metric m)
{
    if ((unsigned)m >= sizeof(metric_names) / sizeof(metric_names[0])) {
        return "unknown";
    }
    return metric_names[m];
}

int store_fraud_metric_parse(const char *s, enum store_fraud_metric *out)
{
    for (size_t i = 0; s && i < sizeof(metric_names) / sizeof(metric_names[0]);
         i++) {
        if (strcmp(s, metric_names[i]) == 0) {
            *out = (enum store_fraud_metric)i;
            return 0;
        }
    }
    return -EINVAL;
}

int store_fraud_set(struct store *st, const struct store_fraud_rule *f,
                    int64_t *id)
{
    int64_t owner = 0;
    if ((unsigned)f->metric > STORE_FRAUD_AFTER_HOURS) {
        return store_fail(st, -EINVAL,
                          "metric must be international, destinations or "
                          "after_hours");
    }
    if (f->window_s < 1 || f->window_s > 30 * 86400) {
        return store_fail(st, -EINVAL, "window must be 1..%d seconds",
                          30 * 86400);
    }
    if (f->warning < 1 || f->critical < f->warning) {
        return store_fail(st, -EINVAL,
                          "thresholds must satisfy 1 <= warning <= critical");
    }
    int rc = tenant_exists(st, f->tenant_id);
    if (rc == 0 && f->user_id > 0) {
        rc = user_tenant(st, f->user_id, &owner);
        if (rc == 0 && owner != f->tenant_id) {
            rc = store_fail(st, -EINVAL, "the user is in another tenant");
        }
    }
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_FRAUD_SET,
        "INSERT INTO fraud_rules (tenant_id, user_id, metric, window_s, "
        "warning, critical) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT "
        "(tenant_id, coalesce(user_id, 0), metric) DO UPDATE SET window_s = "
        "excluded.window_s, warning = excluded.warning, critical = "
        "excluded.critical");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, f->tenant_id);
    bind_id(s, 2, f->user_id);
    store_bind_text(s, 3, store_fraud_metric_name(f->metric));
    sqlite3_bind_int64(s, 4, f->window_s);
    sqlite3_bind_int64(s, 5, f->warning);
    sqlite3_bind_int64(s, 6, f->critical);
    rc = step_done(st, s, "saving fraud thresholds", NULL);
    if (rc < 0 || !id) {
        return rc;
    }
    s = store_stmt(st, STMT_FRAUD_ID,
                   "SELECT id FROM fraud_rules WHERE tenant_id = ?1 AND "
                   "coalesce(user_id, 0) = ?2 AND metric = ?3");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, f->tenant_id);
    sqlite3_bind_int64(s, 2, f->user_id > 0 ? f->user_id : 0);
    store_bind_text(s, 3, store_fraud_metric_name(f->metric));
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : store_fail_sql(st, rc, "reading fraud id");
}

int store_fraud_rm(struct store *st, int64_t tenant_id, int64_t id)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_FRAUD_RM,
                                 "DELETE FROM fraud_rules WHERE tenant_id = "
                                 "?1 AND id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = step_done(st, s, "removing fraud thresholds", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no fraud rule %lld in that tenant",
                          (long long)id);
    }
    return rc;
}

struct fraud_walk {
    store_fraud_fn *cb;
    void *ud;
};

static int fraud_row(void *ud, sqlite3_stmt *s)
{
    struct fraud_walk *w = ud;
    struct store_fraud_rule f;
    enum store_fraud_metric m = STORE_FRAUD_INTERNATIONAL;
    f.id = sqlite3_column_int64(s, 0);
    f.tenant_id = sqlite3_column_int64(s, 1);
    f.user_id = sqlite3_column_int64(s, 2);
    store_col_copy(s, 3, f.ext, sizeof(f.ext));
    store_fraud_metric_parse(store_col_text(s, 4), &m);
    f.metric = m;
    f.window_s = col_u32(s, 5);
    f.warning = col_u32(s, 6);
    f.critical = col_u32(s, 7);
    return w->cb(w->ud, &f);
}

int store_fraud_list(struct store *st, int64_t tenant_id, store_fraud_fn *cb,
                     void *ud)
{
    struct fraud_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(
        st, STMT_FRAUD_LIST,
        "SELECT f.id, f.tenant_id, coalesce(f.user_id, 0), coalesce(u.ext, "
        "''), f.metric, f.window_s, f.warning, f.critical FROM fraud_rules f "
        "LEFT JOIN users u ON u.id = f.user_id WHERE f.tenant_id = ?1 ORDER "
        "BY 4, f.metric");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return walk(st, s, fraud_row, &w, "listing fraud rules");
}

/* ------------------------------------------------------------------ */
/* Suspensions                                                          */
/* ------------------------------------------------------------------ */

int store_suspension_add(struct store *st, int64_t user_id, int64_t since,
                         const char *reason, int64_t *id)
{
    int64_t tenant_id = 0;
    if (!text_ok(reason, STORE_REASON_MAX, true)) {
        return store_fail(st, -EINVAL,
                          "reason must be at most %d bytes without control "
                          "characters",
                          STORE_REASON_MAX);
    }
    int rc = user_tenant(st, user_id, &tenant_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(st, STMT_SUSP_ACTIVE,
                                 "SELECT id FROM suspensions WHERE user_id = "
                                 "?1 AND lifted_at IS NULL");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && id) {
        *id = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        store_ok(st);
        return 0;
    }
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "reading suspensions");
    }
    s = store_stmt(st, STMT_SUSP_ADD,
                   "INSERT INTO suspensions (tenant_id, user_id, since, "
                   "reason) VALUES (?1, ?2, ?3, ?4)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_int64(s, 3, since);
    store_bind_text(s, 4, reason);
    return step_insert(st, s, "recording suspension", id);
}

int store_suspension_lift(struct store *st, int64_t user_id, int64_t now)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_SUSP_LIFT,
                                 "UPDATE suspensions SET lifted_at = ?2 "
                                 "WHERE user_id = ?1 AND lifted_at IS NULL");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_int64(s, 2, now);
    int rc = step_done(st, s, "lifting suspension", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "the user is not suspended");
    }
    return rc;
}

struct susp_walk {
    store_suspension_fn *cb;
    void *ud;
};

static int susp_row(void *ud, sqlite3_stmt *s)
{
    struct susp_walk *w = ud;
    struct store_suspension x;
    x.id = sqlite3_column_int64(s, 0);
    x.tenant_id = sqlite3_column_int64(s, 1);
    x.user_id = sqlite3_column_int64(s, 2);
    store_col_copy(s, 3, x.ext, sizeof(x.ext));
    store_col_copy(s, 4, x.domain, sizeof(x.domain));
    x.since = sqlite3_column_int64(s, 5);
    store_col_copy(s, 6, x.reason, sizeof(x.reason));
    x.lifted_at = sqlite3_column_int64(s, 7);
    return w->cb(w->ud, &x);
}

int store_suspension_list(struct store *st, int64_t tenant_id, bool active_only,
                          store_suspension_fn *cb, void *ud)
{
    struct susp_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(
        st, STMT_SUSP_LIST,
        "SELECT x.id, x.tenant_id, x.user_id, u.ext, d.domain, x.since, "
        "x.reason, coalesce(x.lifted_at, 0) FROM suspensions x JOIN users u "
        "ON u.id = x.user_id JOIN tenants d ON d.id = x.tenant_id WHERE (?1 "
        "= 0 OR x.tenant_id = ?1) AND (?2 = 0 OR x.lifted_at IS NULL) ORDER "
        "BY x.since, x.id");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id > 0 ? tenant_id : 0);
    sqlite3_bind_int(s, 2, active_only ? 1 : 0);
    return walk(st, s, susp_row, &w, "listing suspensions");
}

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
        if (!field_ok(fields[i].f, fields[i].cap)
            || !text_ok(fields[i].f, fields[i].cap - 1, true)) {
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
    bind_id(s, 1, c->tenant_id);
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
    return step_insert(st, s, "adding CDR", id);
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
    c->status = col_u32(s, 10);
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
    return walk(st, s, cdr_row, &w, "listing CDRs");
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
    int rc = step_done(st, s, "purging CDRs", &changes);
    if (rc == 0 && n_removed) {
        *n_removed = changes < 0 ? 0 : (uint32_t)changes;
    }
    return rc;
}
