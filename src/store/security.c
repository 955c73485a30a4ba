/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shield's tables: settings (key/value text), IP, User-Agent, country
 * and rate rules, and the active bans. Values are kept as the callers give
 * them; the store checks lengths and character sets so nothing it returns
 * can overflow the fixed-size fields of its structs, and leaves meaning
 * (network syntax, setting ranges) to sec/ and ops/.
 */
#include <errno.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* Settings                                                             */
/* ------------------------------------------------------------------ */

/* Names of [a-z0-9_], optionally namespaced by another subsystem with
 * dots ("admin.session_idle_s"). */
static bool key_ok(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    return n >= 1 && n <= STORE_SETTING_KEY_MAX && key[0] != '.'
           && key[n - 1] != '.'
           && strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_.") == n;
}

/* Write any key, the reserved one included. */
static int setting_put(struct store *st, const char *key, const char *value,
                       int64_t now)
{
    sqlite3_stmt *s = store_stmt(
        st, STMT_SET_PUT,
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, key);
    store_bind_text(s, 2, value);
    sqlite3_bind_int64(s, 3, now);
    return store_step_done(st, s, "saving setting", NULL);
}

int store_setting_set(struct store *st, const char *key, const char *value,
                      int64_t now)
{
    if (!key_ok(key)) {
        return store_fail(st, -EINVAL,
                          "setting name must be 1..64 of [a-z0-9_.]");
    }
    if (strcmp(key, STORE_SETTING_UA_SEEDED) == 0) {
        return store_fail(st, -EINVAL, "setting %s is reserved", key);
    }
    if (!value || strlen(value) > STORE_SETTING_VALUE_MAX) {
        return store_fail(st, -EINVAL, "value of %s is longer than %d bytes",
                          key, STORE_SETTING_VALUE_MAX);
    }
    return setting_put(st, key, value, now);
}

int store_setting_get(struct store *st, const char *key, char *buf, size_t cap)
{
    sqlite3_stmt *s = store_stmt(st, STMT_SET_GET,
                                 "SELECT value FROM settings WHERE key = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, key);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *v = store_col_text(s, 0);
        size_t n = strlen(v);
        int r = 0;
        if (n >= cap) {
            r = store_fail(st, -ENOSPC, "value of %s too long", key);
        } else {
            memcpy(buf, v, n + 1);
            store_ok(st);
        }
        sqlite3_reset(s);
        return r;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "setting %s is not stored", key);
    }
    return store_fail_sql(st, rc, "reading setting");
}

int store_setting_del(struct store *st, const char *key)
{
    int changes = 0;
    sqlite3_stmt *s =
        store_stmt(st, STMT_SET_DEL, "DELETE FROM settings WHERE key = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, key);
    int rc = store_step_done(st, s, "deleting setting", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "setting %s is not stored", key);
    }
    return rc;
}

struct setting_walk {
    store_setting_fn *cb;
    void *ud;
};

static int setting_row(void *ud, sqlite3_stmt *s)
{
    struct setting_walk *w = ud;
    return w->cb(w->ud, store_col_text(s, 0), store_col_text(s, 1));
}

int store_settings_load(struct store *st, store_setting_fn *cb, void *ud)
{
    struct setting_walk w = { cb, ud };
    sqlite3_stmt *s =
        store_stmt(st, STMT_SET_LIST,
                   "SELECT key, value FROM settings "
                   "WHERE key <> '" STORE_SETTING_UA_SEEDED "' ORDER BY key");
    if (!s) {
        return -EIO;
    }
    return store_walk(st, s, setting_row, &w, "listing settings");
}

/* ------------------------------------------------------------------ */
/* IP rules                                                             */
/* ------------------------------------------------------------------ */

static bool net_ok(const char *net)
{
    return store_text_ok(net, STORE_NET_MAX, false, true);
}

#define IP_COLS "id, net, action, description, created_at"

static void row_to_ip(sqlite3_stmt *s, struct store_ip_rule *r)
{
    r->id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, r->net, sizeof(r->net));
    store_col_copy(s, 2, r->action, sizeof(r->action));
    store_col_copy(s, 3, r->descr, sizeof(r->descr));
    r->created_at = sqlite3_column_int64(s, 4);
}

int store_ip_rule_add(struct store *st, const char *net, const char *action,
                      const char *descr, int64_t now, int64_t *id)
{
    struct store_ip_rule old;
    if (!net_ok(net)) {
        return store_fail(st, -EINVAL,
                          "network must be 1..%d bytes without blanks",
                          STORE_NET_MAX);
    }
    if (!action
        || (strcmp(action, "allow") != 0 && strcmp(action, "block") != 0)) {
        return store_fail(st, -EINVAL, "action must be allow or block");
    }
    if (!store_text_ok(descr, STORE_DESCR_MAX, true, false)) {
        return store_fail(st, -EINVAL,
                          "description must be at most %d bytes without "
                          "control characters",
                          STORE_DESCR_MAX);
    }
    sqlite3_stmt *s = store_stmt(st, STMT_IP_ADD,
                                 "INSERT INTO ip_rules (net, action, "
                                 "description, created_at) "
                                 "VALUES (?1, ?2, ?3, ?4)");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, net);
    store_bind_text(s, 2, action);
    store_bind_text(s, 3, descr);
    sqlite3_bind_int64(s, 4, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        if (store_ip_rule_find(st, net, &old) == 0) {
            return store_fail(st, -EEXIST, "%s is already on the %s list", net,
                              old.action);
        }
        return store_fail(st, -EEXIST, "%s is already listed", net);
    }
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "adding IP rule");
    }
    if (id) {
        *id = sqlite3_last_insert_rowid(st->db);
    }
    store_ok(st);
    return 0;
}

int store_ip_rule_find(struct store *st, const char *net,
                       struct store_ip_rule *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_IP_FIND,
                                 "SELECT " IP_COLS " FROM ip_rules "
                                 "WHERE net = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, net);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_ip(s, out);
        sqlite3_reset(s);
        store_ok(st);
        return 0;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "%s is not on the IP lists",
                          net ? net : "");
    }
    return store_fail_sql(st, rc, "finding IP rule");
}

int store_ip_rule_rm(struct store *st, const char *net)
{
    int changes = 0;
    sqlite3_stmt *s =
        store_stmt(st, STMT_IP_RM, "DELETE FROM ip_rules WHERE net = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, net);
    int rc = store_step_done(st, s, "removing IP rule", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "%s is not on the IP lists",
                          net ? net : "");
    }
    return rc;
}

struct ip_walk {
    store_ip_rule_fn *cb;
    void *ud;
};

static int ip_row(void *ud, sqlite3_stmt *s)
{
    struct ip_walk *w = ud;
    struct store_ip_rule r;
    row_to_ip(s, &r);
    return w->cb(w->ud, &r);
}

int store_ip_rule_list(struct store *st, const char *action,
                       store_ip_rule_fn *cb, void *ud)
{
    struct ip_walk w = { cb, ud };
    sqlite3_stmt *s;
    if (action) {
        s = store_stmt(st, STMT_IP_LIST_ACTION,
                       "SELECT " IP_COLS " FROM ip_rules WHERE action = ?1 "
                       "ORDER BY id");
        if (s) {
            store_bind_text(s, 1, action);
        }
    } else {
        s = store_stmt(st, STMT_IP_LIST,
                       "SELECT " IP_COLS " FROM ip_rules ORDER BY id");
    }
    if (!s) {
        return -EIO;
    }
    return store_walk(st, s, ip_row, &w, "listing IP rules");
}

/* ------------------------------------------------------------------ */
/* User-Agent rules                                                     */
/* ------------------------------------------------------------------ */

static bool pattern_ok(const char *p)
{
    return store_text_ok(p, STORE_UA_PATTERN_MAX, false, false);
}

static int ua_insert(struct store *st, const char *pattern, int64_t now,
                     bool ignore_dup, int64_t *id)
{
    sqlite3_stmt *s =
        ignore_dup ? store_stmt(st, STMT_UA_ADD_IGNORE,
                                "INSERT OR IGNORE INTO ua_rules (pattern, "
                                "created_at) VALUES (?1, ?2)")
                   : store_stmt(st, STMT_UA_ADD,
                                "INSERT INTO ua_rules (pattern, created_at) "
                                "VALUES (?1, ?2)");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, pattern);
    sqlite3_bind_int64(s, 2, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        return store_fail(st, -EEXIST,
                          "User-Agent pattern '%s' is already listed", pattern);
    }
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "adding User-Agent pattern");
    }
    if (id) {
        *id = sqlite3_last_insert_rowid(st->db);
    }
    return 0;
}

int store_ua_seed(struct store *st, const char *const *patterns, size_t n,
                  int64_t now, bool *seeded)
{
    struct store_tx tx;
    char flag[8];
    if (seeded) {
        *seeded = false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!pattern_ok(patterns[i])) {
            return store_fail(st, -EINVAL, "seed pattern %zu is not valid", i);
        }
    }
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = store_setting_get(st, STORE_SETTING_UA_SEEDED, flag, sizeof(flag));
    if (rc == 0) {
        store_ok(st);
        return store_tx_end(st, &tx, 1);
    }
    if (rc != -ENOENT) {
        store_tx_end(st, &tx, 0);
        return rc;
    }
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = ua_insert(st, patterns[i], now, true, NULL);
    }
    if (rc == 0) {
        rc = setting_put(st, STORE_SETTING_UA_SEEDED, "1", now);
    }
    if (rc < 0) {
        store_tx_end(st, &tx, 0);
        return rc;
    }
    rc = store_tx_end(st, &tx, 1);
    if (rc == 0) {
        store_ok(st);
        if (seeded) {
            *seeded = true;
        }
    }
    return rc;
}

int store_ua_rule_add(struct store *st, const char *pattern, int64_t now,
                      int64_t *id)
{
    if (!pattern_ok(pattern)) {
        return store_fail(st, -EINVAL,
                          "User-Agent pattern must be 1..%d bytes without "
                          "control characters",
                          STORE_UA_PATTERN_MAX);
    }
    int rc = ua_insert(st, pattern, now, false, id);
    if (rc == 0) {
        store_ok(st);
    }
    return rc;
}

int store_ua_rule_rm(struct store *st, const char *pattern)
{
    int changes = 0;
    sqlite3_stmt *s =
        store_stmt(st, STMT_UA_RM, "DELETE FROM ua_rules WHERE pattern = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, pattern);
    int rc = store_step_done(st, s, "removing User-Agent pattern", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "User-Agent pattern '%s' is not listed",
                          pattern ? pattern : "");
    }
    return rc;
}

struct ua_walk {
    store_ua_rule_fn *cb;
    void *ud;
};

static int ua_row(void *ud, sqlite3_stmt *s)
{
    struct ua_walk *w = ud;
    struct store_ua_rule r;
    r.id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, r.pattern, sizeof(r.pattern));
    r.created_at = sqlite3_column_int64(s, 2);
    return w->cb(w->ud, &r);
}

int store_ua_rule_list(struct store *st, store_ua_rule_fn *cb, void *ud)
{
    struct ua_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(st, STMT_UA_LIST,
                                 "SELECT id, pattern, created_at FROM "
                                 "ua_rules ORDER BY id");
    if (!s) {
        return -EIO;
    }
    return store_walk(st, s, ua_row, &w, "listing User-Agent patterns");
}

/* ------------------------------------------------------------------ */
/* Countries                                                            */
/* ------------------------------------------------------------------ */

/* Two ASCII letters, upper-cased into cc. */
static int country_norm(struct store *st, const char *in, char cc[3])
{
    if (!in || strlen(in) != 2) {
        return store_fail(st, -EINVAL,
                          "country must be a two-letter ISO 3166 code");
    }
    for (int i = 0; i < 2; i++) {
        char c = in[i];
        if (c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        }
        if (c < 'A' || c > 'Z') {
            return store_fail(st, -EINVAL,
                              "country must be a two-letter ISO 3166 code");
        }
        cc[i] = c;
    }
    cc[2] = '\0';
    return 0;
}

int store_geo_rule_add(struct store *st, const char *country, int64_t now)
{
    char cc[3];
    int rc = country_norm(st, country, cc);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(st, STMT_GEO_ADD,
                                 "INSERT INTO geo_rules (country, "
                                 "created_at) VALUES (?1, ?2)");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, cc);
    sqlite3_bind_int64(s, 2, now);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return store_fail(st, -EEXIST, "country %s is already allowed", cc);
    }
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "adding country");
    }
    store_ok(st);
    return 0;
}

int store_geo_rule_rm(struct store *st, const char *country)
{
    char cc[3];
    int changes = 0;
    int rc = country_norm(st, country, cc);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s =
        store_stmt(st, STMT_GEO_RM, "DELETE FROM geo_rules WHERE country = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, cc);
    rc = store_step_done(st, s, "removing country", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "country %s is not on the list", cc);
    }
    return rc;
}

struct geo_walk {
    store_geo_rule_fn *cb;
    void *ud;
};

static int geo_row(void *ud, sqlite3_stmt *s)
{
    struct geo_walk *w = ud;
    return w->cb(w->ud, store_col_text(s, 0), sqlite3_column_int64(s, 1));
}

int store_geo_rule_list(struct store *st, store_geo_rule_fn *cb, void *ud)
{
    struct geo_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(st, STMT_GEO_LIST,
                                 "SELECT country, created_at FROM geo_rules "
                                 "ORDER BY country");
    if (!s) {
        return -EIO;
    }
    return store_walk(st, s, geo_row, &w, "listing countries");
}

/* ------------------------------------------------------------------ */
/* Rate rules                                                           */
/* ------------------------------------------------------------------ */

int store_rate_rule_add(struct store *st, const struct store_rate_rule *r,
                        int64_t *id)
{
    if (!net_ok(r->net)) {
        return store_fail(st, -EINVAL,
                          "network must be 1..%d bytes without blanks",
                          STORE_NET_MAX);
    }
    if (!store_text_ok(r->method, STORE_METHOD_MAX, false, true)) {
        return store_fail(st, -EINVAL,
                          "method must be 1..%d bytes without blanks",
                          STORE_METHOD_MAX);
    }
    if (r->rate == 0 || r->period_s == 0 || r->burst == 0) {
        return store_fail(st, -EINVAL,
                          "rate, period and burst must be at least 1");
    }
    sqlite3_stmt *s = store_stmt(st, STMT_RATE_ADD,
                                 "INSERT INTO rate_rules (net, method, rate, "
                                 "period_s, burst) VALUES (?1, ?2, ?3, ?4, "
                                 "?5)");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, r->net);
    store_bind_text(s, 2, r->method);
    sqlite3_bind_int64(s, 3, r->rate);
    sqlite3_bind_int64(s, 4, r->period_s);
    sqlite3_bind_int64(s, 5, r->burst);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        return store_fail(st, -EEXIST, "%s already has a %s rate rule", r->net,
                          r->method);
    }
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "adding rate rule");
    }
    if (id) {
        *id = sqlite3_last_insert_rowid(st->db);
    }
    store_ok(st);
    return 0;
}

int store_rate_rule_rm(struct store *st, const char *net, const char *method)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_RATE_RM,
                                 "DELETE FROM rate_rules WHERE net = ?1 AND "
                                 "method = ?2");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, net);
    store_bind_text(s, 2, method);
    int rc = store_step_done(st, s, "removing rate rule", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "%s has no %s rate rule", net ? net : "",
                          method ? method : "");
    }
    return rc;
}

struct rate_walk {
    store_rate_rule_fn *cb;
    void *ud;
};

static int rate_row(void *ud, sqlite3_stmt *s)
{
    struct rate_walk *w = ud;
    struct store_rate_rule r;
    r.id = sqlite3_column_int64(s, 0);
    store_col_copy(s, 1, r.net, sizeof(r.net));
    store_col_copy(s, 2, r.method, sizeof(r.method));
    r.rate = store_col_u32(s, 3);
    r.period_s = store_col_u32(s, 4);
    r.burst = store_col_u32(s, 5);
    return w->cb(w->ud, &r);
}

int store_rate_rule_list(struct store *st, store_rate_rule_fn *cb, void *ud)
{
    struct rate_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(st, STMT_RATE_LIST,
                                 "SELECT id, net, method, rate, period_s, "
                                 "burst FROM rate_rules ORDER BY net, method");
    if (!s) {
        return -EIO;
    }
    return store_walk(st, s, rate_row, &w, "listing rate rules");
}

/* ------------------------------------------------------------------ */
/* Bans                                                                 */
/* ------------------------------------------------------------------ */

#define BAN_COLS                                                    \
    "net, reason, source, threshold, count, window_s, first_seen, " \
    "last_seen, created_at, expires_at, method, ruri, from_user, "  \
    "user_agent"

static void row_to_ban(sqlite3_stmt *s, struct store_ban *b)
{
    store_col_copy(s, 0, b->net, sizeof(b->net));
    store_col_copy(s, 1, b->reason, sizeof(b->reason));
    store_col_copy(s, 2, b->source, sizeof(b->source));
    b->threshold = store_col_u32(s, 3);
    b->count = store_col_u32(s, 4);
    b->window_s = store_col_u32(s, 5);
    b->first_seen = sqlite3_column_int64(s, 6);
    b->last_seen = sqlite3_column_int64(s, 7);
    b->created_at = sqlite3_column_int64(s, 8);
    b->expires_at = sqlite3_column_int64(s, 9);
    store_col_copy(s, 10, b->method, sizeof(b->method));
    store_col_copy(s, 11, b->ruri, sizeof(b->ruri));
    store_col_copy(s, 12, b->from_user, sizeof(b->from_user));
    store_col_copy(s, 13, b->user_agent, sizeof(b->user_agent));
}

int store_ban_put(struct store *st, const struct store_ban *b)
{
    if (!store_field_ok(b->net, sizeof(b->net)) || !net_ok(b->net)) {
        return store_fail(st, -EINVAL,
                          "ban network must be 1..%d bytes without blanks",
                          STORE_NET_MAX);
    }
    if (!store_field_ok(b->reason, sizeof(b->reason))
        || !store_field_ok(b->source, sizeof(b->source))
        || !store_field_ok(b->method, sizeof(b->method))
        || !store_field_ok(b->ruri, sizeof(b->ruri))
        || !store_field_ok(b->from_user, sizeof(b->from_user))
        || !store_field_ok(b->user_agent, sizeof(b->user_agent))) {
        return store_fail(st, -EINVAL, "ban of %s: unterminated text field",
                          b->net);
    }
    const char *source = b->source[0] ? b->source : "shield";
    if (strcmp(source, "shield") != 0 && strcmp(source, "operator") != 0) {
        return store_fail(st, -EINVAL, "ban source must be shield or operator");
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_BAN_PUT,
        "INSERT INTO bans (" BAN_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (net) DO UPDATE SET "
        "reason = excluded.reason, source = excluded.source, "
        "threshold = excluded.threshold, count = excluded.count, "
        "window_s = excluded.window_s, first_seen = excluded.first_seen, "
        "last_seen = excluded.last_seen, created_at = excluded.created_at, "
        "expires_at = excluded.expires_at, method = excluded.method, "
        "ruri = excluded.ruri, from_user = excluded.from_user, "
        "user_agent = excluded.user_agent");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, b->net);
    store_bind_text(s, 2, b->reason);
    store_bind_text(s, 3, source);
    sqlite3_bind_int64(s, 4, b->threshold);
    sqlite3_bind_int64(s, 5, b->count);
    sqlite3_bind_int64(s, 6, b->window_s);
    sqlite3_bind_int64(s, 7, b->first_seen);
    sqlite3_bind_int64(s, 8, b->last_seen);
    sqlite3_bind_int64(s, 9, b->created_at);
    sqlite3_bind_int64(s, 10, b->expires_at);
    store_bind_text(s, 11, b->method);
    store_bind_text(s, 12, b->ruri);
    store_bind_text(s, 13, b->from_user);
    store_bind_text(s, 14, b->user_agent);
    return store_step_done(st, s, "saving ban", NULL);
}

int store_ban_get(struct store *st, const char *net, int64_t now,
                  struct store_ban *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_BAN_GET,
                                 "SELECT " BAN_COLS " FROM bans WHERE net = "
                                 "?1 AND expires_at > ?2");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, net);
    sqlite3_bind_int64(s, 2, now);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_ban(s, out);
        sqlite3_reset(s);
        store_ok(st);
        return 0;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "%s is not banned", net ? net : "");
    }
    return store_fail_sql(st, rc, "reading ban");
}

int store_ban_del(struct store *st, const char *net)
{
    int changes = 0;
    sqlite3_stmt *s =
        store_stmt(st, STMT_BAN_DEL, "DELETE FROM bans WHERE net = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, net);
    int rc = store_step_done(st, s, "deleting ban", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "%s is not banned", net ? net : "");
    }
    return rc;
}

struct ban_walk {
    store_ban_fn *cb;
    void *ud;
    struct store_ban b;
};

static int ban_row(void *ud, sqlite3_stmt *s)
{
    struct ban_walk *w = ud;
    row_to_ban(s, &w->b);
    return w->cb(w->ud, &w->b);
}

int store_ban_list(struct store *st, int64_t now, store_ban_fn *cb, void *ud)
{
    struct ban_walk w = { .cb = cb, .ud = ud };
    sqlite3_stmt *s = store_stmt(st, STMT_BAN_LIST,
                                 "SELECT " BAN_COLS " FROM bans WHERE "
                                 "expires_at > ?1 ORDER BY created_at, net");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, now);
    return store_walk(st, s, ban_row, &w, "listing bans");
}

int store_ban_purge_expired(struct store *st, int64_t now, uint32_t *n_removed)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_BAN_PURGE,
                                 "DELETE FROM bans WHERE expires_at <= ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, now);
    int rc = store_step_done(st, s, "purging expired bans", &changes);
    if (rc == 0 && n_removed) {
        *n_removed = changes < 0 ? 0 : (uint32_t)changes;
    }
    return rc;
}
