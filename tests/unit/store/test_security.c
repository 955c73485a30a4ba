/* SPDX-License-Identifier: Apache-2.0 */
/* The shield's tables: migration v2, settings, rules, UA seeding, bans. */
#include <errno.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"
#include "tmpdir.h"

struct fx {
    struct tmpdir dir;
    struct store *st;
    char err[512];
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    if (store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)) != 0) {
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

/* ---- walk collectors ---- */

struct strs {
    char v[16][600];
    int n;
};

static int setting_cb(void *ud, const char *key, const char *value)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s=%s", key, value);
    return 0;
}

static int ip_cb(void *ud, const struct store_ip_rule *r)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s %s %s", r->net, r->action,
             r->descr);
    return 0;
}

static int ua_cb(void *ud, const struct store_ua_rule *r)
{
    struct strs *s = ud;
    if (s->n < 16) {
        snprintf(s->v[s->n], sizeof(s->v[0]), "%s", r->pattern);
    }
    s->n++;
    return 0;
}

static int geo_cb(void *ud, const char *c, int64_t at)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s@%lld", c, (long long)at);
    return 0;
}

static int rate_cb(void *ud, const struct store_rate_rule *r)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s %s %u/%u b%u", r->net,
             r->method, r->rate, r->period_s, r->burst);
    return 0;
}

static int ban_cb(void *ud, const struct store_ban *b)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s %s %lld", b->net, b->reason,
             (long long)b->expires_at);
    return 0;
}

static int stop_cb(void *ud, const struct store_ban *b)
{
    (void)ud;
    (void)b;
    return 42;
}

/* ---- tests ---- */

static void schema_is_v2_or_later(void **state)
{
    (void)state;
    assert_true(store_schema_version() >= 2);
}

static void migration_from_v1_keeps_data(void **state)
{
    struct fx *fx = *state;
    char p[512];
    int64_t tid = 0;
    sqlite3 *db = NULL;
    assert_int_equal(store_tenant_add(fx->st, "example.com", "Ex", &tid), 0);
    assert_int_equal(store_user_add(fx->st, tid, "100", NULL,
                                    STORE_ROLE_STANDARD, NULL, "Secret-12345",
                                    NULL),
                     0);
    store_close(fx->st);
    fx->st = NULL;
    /* Turn the database back into a v1 one: no shield tables. */
    tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p));
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE settings; DROP TABLE ip_rules;"
                                  "DROP TABLE ua_rules; DROP TABLE geo_rules;"
                                  "DROP TABLE rate_rules; DROP TABLE bans;"
                                  "PRAGMA user_version = 1;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
    struct store_tenant t;
    struct store_user u;
    assert_int_equal(store_tenant_find(fx->st, "example.com", &t), 0);
    assert_string_equal(t.name, "Ex");
    assert_int_equal(store_user_find(fx->st, t.id, "100", &u), 0);
    /* The new tables work. */
    assert_int_equal(
        store_ip_rule_add(fx->st, "10.0.0.0/8", "allow", NULL, 5, NULL), 0);
    assert_int_equal(store_setting_set(fx->st, "l1_pps", "700", 5), 0);
}

static void settings_roundtrip_and_load(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    char buf[32];
    assert_int_equal(store_setting_set(fx->st, "l2_pps", "3000", 10), 0);
    assert_int_equal(store_setting_set(fx->st, "geoip_db", "", 10), 0);
    assert_int_equal(store_setting_set(fx->st, "l2_pps", "4000", 11), 0);
    assert_int_equal(store_setting_get(fx->st, "l2_pps", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "4000");
    assert_int_equal(store_setting_get(fx->st, "l2_pps", buf, 3), -ENOSPC);
    assert_int_equal(store_setting_get(fx->st, "nope", buf, sizeof(buf)),
                     -ENOENT);
    assert_int_equal(store_setting_set(fx->st, "Bad Key", "1", 1), -EINVAL);
    assert_int_equal(store_setting_set(fx->st, STORE_SETTING_UA_SEEDED, "1", 1),
                     -EINVAL);
    /* The seed flag never shows up in the load. */
    const char *pat[] = { "sipvicious" };
    assert_int_equal(store_ua_seed(fx->st, pat, 1, 1, NULL), 0);
    assert_int_equal(store_settings_load(fx->st, setting_cb, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0], "geoip_db=");
    assert_string_equal(s.v[1], "l2_pps=4000");
    assert_int_equal(store_setting_del(fx->st, "l2_pps"), 0);
    assert_int_equal(store_setting_del(fx->st, "l2_pps"), -ENOENT);
}

static void ip_rules_unique_by_net(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    struct store_ip_rule r;
    int64_t id = 0;
    assert_int_equal(store_ip_rule_add(fx->st, "41.202.0.0/16", "block",
                                       "scanner range", 100, &id),
                     0);
    assert_true(id > 0);
    assert_int_equal(
        store_ip_rule_add(fx->st, "41.202.0.0/16", "allow", NULL, 101, NULL),
        -EEXIST);
    assert_non_null(strstr(store_errmsg(fx->st), "block list"));
    assert_int_equal(
        store_ip_rule_add(fx->st, "10.0.0.0/8", "allow", NULL, 102, NULL), 0);
    assert_int_equal(
        store_ip_rule_add(fx->st, "10.1.0.0/16", "deny", NULL, 1, NULL),
        -EINVAL);
    assert_int_equal(
        store_ip_rule_add(fx->st, "10.1.0.0 /16", "allow", NULL, 1, NULL),
        -EINVAL);
    assert_int_equal(
        store_ip_rule_add(fx->st, "10.2.0.0/16", "allow", "a\tb", 1, NULL),
        -EINVAL);
    assert_int_equal(store_ip_rule_find(fx->st, "41.202.0.0/16", &r), 0);
    assert_string_equal(r.action, "block");
    assert_string_equal(r.descr, "scanner range");
    assert_int_equal(r.created_at, 100);
    assert_int_equal(store_ip_rule_list(fx->st, NULL, ip_cb, &s), 0);
    assert_int_equal(s.n, 2);
    s.n = 0;
    assert_int_equal(store_ip_rule_list(fx->st, "allow", ip_cb, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0], "10.0.0.0/8 allow ");
    assert_int_equal(store_ip_rule_rm(fx->st, "10.0.0.0/8"), 0);
    assert_int_equal(store_ip_rule_rm(fx->st, "10.0.0.0/8"), -ENOENT);
    assert_int_equal(store_ip_rule_find(fx->st, "10.0.0.0/8", &r), -ENOENT);
}

static void ua_seed_once_and_removal_sticks(void **state)
{
    struct fx *fx = *state;
    const char *pats[] = { "friendly-scanner", "sipvicious", "SIPVicious",
                           "sipcli" };
    struct strs s = { 0 };
    bool seeded = false;
    assert_int_equal(store_ua_seed(fx->st, pats, 4, 7, &seeded), 0);
    assert_true(seeded);
    assert_int_equal(store_ua_rule_list(fx->st, ua_cb, &s), 0);
    assert_int_equal(s.n, 3); /* the case-insensitive duplicate collapsed */
    assert_string_equal(s.v[0], "friendly-scanner");
    assert_int_equal(store_ua_rule_rm(fx->st, "SIPCLI"), 0);
    assert_int_equal(store_ua_rule_rm(fx->st, "sipcli"), -ENOENT);
    assert_int_equal(store_ua_seed(fx->st, pats, 4, 8, &seeded), 0);
    assert_false(seeded);
    s.n = 0;
    assert_int_equal(store_ua_rule_list(fx->st, ua_cb, &s), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(store_ua_rule_add(fx->st, "FRIENDLY-SCANNER", 9, NULL),
                     -EEXIST);
    assert_int_equal(store_ua_rule_add(fx->st, "", 9, NULL), -EINVAL);
    assert_int_equal(store_ua_rule_add(fx->st, "pplsip", 9, NULL), 0);
    /* Seeding survives a reopen: still not seeded again. */
    store_close(fx->st);
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
    assert_int_equal(store_ua_seed(fx->st, pats, 4, 10, &seeded), 0);
    assert_false(seeded);
    s.n = 0;
    assert_int_equal(store_ua_rule_list(fx->st, ua_cb, &s), 0);
    assert_int_equal(s.n, 3);
}

static void geo_and_rate_rules(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    assert_int_equal(store_geo_rule_add(fx->st, "ng", 5), 0);
    assert_int_equal(store_geo_rule_add(fx->st, "NG", 6), -EEXIST);
    assert_int_equal(store_geo_rule_add(fx->st, "DE", 6), 0);
    assert_int_equal(store_geo_rule_add(fx->st, "D1", 6), -EINVAL);
    assert_int_equal(store_geo_rule_add(fx->st, "DEU", 6), -EINVAL);
    assert_int_equal(store_geo_rule_list(fx->st, geo_cb, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0], "DE@6");
    assert_string_equal(s.v[1], "NG@5");
    assert_int_equal(store_geo_rule_rm(fx->st, "de"), 0);
    assert_int_equal(store_geo_rule_rm(fx->st, "de"), -ENOENT);

    struct store_rate_rule r = { .net = "10.0.0.0/8",
                                 .method = "REGISTER",
                                 .rate = 15,
                                 .period_s = 60,
                                 .burst = 4 };
    int64_t id = 0;
    assert_int_equal(store_rate_rule_add(fx->st, &r, &id), 0);
    assert_true(id > 0);
    assert_int_equal(store_rate_rule_add(fx->st, &r, NULL), -EEXIST);
    memcpy(r.method, "INVITE", 7);
    assert_int_equal(store_rate_rule_add(fx->st, &r, NULL), 0);
    r.rate = 0;
    memcpy(r.method, "OPTIONS", 8);
    assert_int_equal(store_rate_rule_add(fx->st, &r, NULL), -EINVAL);
    s.n = 0;
    assert_int_equal(store_rate_rule_list(fx->st, rate_cb, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0], "10.0.0.0/8 INVITE 15/60 b4");
    assert_int_equal(store_rate_rule_rm(fx->st, "10.0.0.0/8", "INVITE"), 0);
    assert_int_equal(store_rate_rule_rm(fx->st, "10.0.0.0/8", "INVITE"),
                     -ENOENT);
}

static struct store_ban ban(const char *net, const char *reason,
                            int64_t created, int64_t expires)
{
    struct store_ban b = { 0 };
    snprintf(b.net, sizeof(b.net), "%s", net);
    snprintf(b.reason, sizeof(b.reason), "%s", reason);
    b.threshold = 50;
    b.count = 50;
    b.window_s = 60;
    b.first_seen = created - 30;
    b.last_seen = created;
    b.created_at = created;
    b.expires_at = expires;
    snprintf(b.method, sizeof(b.method), "REGISTER");
    snprintf(b.ruri, sizeof(b.ruri), "sip:example.com");
    snprintf(b.from_user, sizeof(b.from_user), "100");
    snprintf(b.user_agent, sizeof(b.user_agent), "friendly-scanner \xff");
    return b;
}

static void bans_put_list_expire_delete(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    struct store_ban b = ban("203.0.113.9/32", "auth_failures", 1000, 4600);
    struct store_ban got;
    uint32_t n = 99;
    assert_int_equal(store_ban_put(fx->st, &b), 0);
    b = ban("198.51.100.0/24", "l1_rate", 1001, 1031);
    snprintf(b.source, sizeof(b.source), "operator");
    assert_int_equal(store_ban_put(fx->st, &b), 0);
    assert_int_equal(store_ban_get(fx->st, "203.0.113.9/32", 1010, &got), 0);
    assert_string_equal(got.source, "shield");
    assert_string_equal(got.user_agent, "friendly-scanner \xff");
    assert_int_equal(got.first_seen, 970);
    assert_int_equal(store_ban_list(fx->st, 1010, ban_cb, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0], "203.0.113.9/32 auth_failures 4600");
    /* Upsert by net: a longer ban replaces the row. */
    b = ban("203.0.113.9/32", "l2_rate", 1100, 9000);
    assert_int_equal(store_ban_put(fx->st, &b), 0);
    assert_int_equal(store_ban_get(fx->st, "203.0.113.9/32", 1100, &got), 0);
    assert_string_equal(got.reason, "l2_rate");
    /* At 1031 the /24 has expired: not listed, not found. */
    s.n = 0;
    assert_int_equal(store_ban_list(fx->st, 1031, ban_cb, &s), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(store_ban_get(fx->st, "198.51.100.0/24", 1031, &got),
                     -ENOENT);
    assert_int_equal(store_ban_list(fx->st, 0, stop_cb, NULL), 42);
    assert_int_equal(store_ban_purge_expired(fx->st, 1031, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_ban_del(fx->st, "198.51.100.0/24"), -ENOENT);
    assert_int_equal(store_ban_del(fx->st, "203.0.113.9/32"), 0);
    s.n = 0;
    assert_int_equal(store_ban_list(fx->st, 0, ban_cb, &s), 0);
    assert_int_equal(s.n, 0);
    /* Refusals. */
    b = ban("", "x", 1, 2);
    assert_int_equal(store_ban_put(fx->st, &b), -EINVAL);
    b = ban("192.0.2.1/32", "x", 1, 2);
    snprintf(b.source, sizeof(b.source), "robot");
    assert_int_equal(store_ban_put(fx->st, &b), -EINVAL);
    b = ban("192.0.2.1/32", "x", 1, 2);
    memset(b.ruri, 'a', sizeof(b.ruri)); /* unterminated */
    assert_int_equal(store_ban_put(fx->st, &b), -EINVAL);
}

static void bans_in_a_batch(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    assert_int_equal(store_begin(fx->st), 0);
    for (int i = 0; i < 5; i++) {
        char net[32];
        snprintf(net, sizeof(net), "192.0.2.%d/32", i);
        struct store_ban b = ban(net, "l1_rate", 10 + i, 100);
        assert_int_equal(store_ban_put(fx->st, &b), 0);
    }
    assert_int_equal(store_rollback(fx->st), 0);
    assert_int_equal(store_ban_list(fx->st, 0, ban_cb, &s), 0);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_is_v2_or_later),
        cmocka_unit_test_setup_teardown(migration_from_v1_keeps_data, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(settings_roundtrip_and_load, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ip_rules_unique_by_net, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ua_seed_once_and_removal_sticks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(geo_and_rate_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(bans_put_list_expire_delete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bans_in_a_batch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
