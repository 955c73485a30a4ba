/* SPDX-License-Identifier: Apache-2.0 */
/* The calls tables: migration v3, groups, profile, lists, hours, trunks,
 * rules, limits, fraud, suspensions and CDRs. */
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
    int64_t tid;  /* example.com */
    int64_t tid2; /* other.org */
    int64_t u100;
    int64_t u101;
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
        || store_tenant_add(fx->st, "example.com", "Ex", &fx->tid) != 0
        || store_tenant_add(fx->st, "other.org", NULL, &fx->tid2) != 0
        || store_user_add(fx->st, fx->tid, "100", NULL, STORE_ROLE_STANDARD,
                          NULL, "Secret-12345", &fx->u100)
               != 0
        || store_user_add(fx->st, fx->tid, "101", NULL, STORE_ROLE_ADMIN, NULL,
                          "Secret-12345", &fx->u101)
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

struct strs {
    char v[16][640];
    int n;
};

static int group_cb(void *ud, const struct store_group *g)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s:%u", g->name, g->n_members);
    return 0;
}

static int member_cb(void *ud, int64_t uid, const char *ext)
{
    struct strs *s = ud;
    (void)uid;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s", ext);
    return 0;
}

static int item_cb(void *ud, const struct store_list_item *it)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s %s", it->value, it->descr);
    return 0;
}

static int hours_cb(void *ud, const struct store_hours *h)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%u %u-%u", h->weekday,
             h->start_min, h->end_min);
    return 0;
}

static int trunk_cb(void *ud, const struct store_trunk *t)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s %s pw=%d", t->name,
             store_trunk_kind_name(t->kind), t->has_password);
    return 0;
}

static int out_cb(void *ud, const struct store_outbound_rule *r)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%u:%s", r->position, r->name);
    return 0;
}

static int limit_cb(void *ud, const struct store_call_limit *l)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s %s %u/%u c%u w%d",
             store_limit_scope_name(l->scope), l->target, l->calls, l->period_s,
             l->max_concurrent, l->has_window);
    return 0;
}

static int cdr_cb(void *ud, const struct store_cdr *c)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s>%s %s", c->caller, c->callee,
             store_cdr_result_name(c->result));
    return 0;
}

static int susp_cb(void *ud, const struct store_suspension *x)
{
    struct strs *s = ud;
    assert_true(s->n < 16);
    snprintf(s->v[s->n++], sizeof(s->v[0]), "%s@%s %s lifted=%lld", x->ext,
             x->domain, x->reason, (long long)x->lifted_at);
    return 0;
}

static struct store_trunk trunk_def(const char *name)
{
    struct store_trunk t = { .kind = STORE_TRUNK_REGISTER, .port = 5060 };
    snprintf(t.name, sizeof(t.name), "%s", name);
    snprintf(t.host, sizeof(t.host), "sip.provider.example");
    snprintf(t.transport, sizeof(t.transport), "udp");
    snprintf(t.username, sizeof(t.username), "acct1");
    return t;
}

/* ---- tests ---- */

static void migration_from_v2_keeps_data(void **state)
{
    struct fx *fx = *state;
    char p[512];
    sqlite3 *db = NULL;
    assert_true(store_schema_version() >= 3);
    assert_int_equal(
        store_ip_rule_add(fx->st, "10.0.0.0/8", "allow", "lan", 5, NULL), 0);
    store_close(fx->st);
    fx->st = NULL;
    /* Back to a v2 database: drop every v3 table. */
    tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p));
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            db,
            "DROP TABLE group_members; DROP TABLE outbound_rule_groups;"
            "DROP TABLE outbound_rule_trunks; DROP TABLE call_limits;"
            "DROP TABLE groups; DROP TABLE tenant_profiles;"
            "DROP TABLE allowed_countries; DROP TABLE "
            "disallowed_prefixes; DROP TABLE emergency_numbers;"
            "DROP TABLE holidays; DROP TABLE office_hours;"
            "DROP TABLE trunk_tenant_limits; DROP TABLE "
            "inbound_rules; DROP TABLE outbound_rules;"
            "DROP TABLE trunks; DROP TABLE fraud_rules;"
            "DROP TABLE suspensions; DROP TABLE cdrs;"
            "PRAGMA user_version = 2;",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
    struct store_tenant t;
    struct store_user u;
    struct store_ip_rule r;
    assert_int_equal(store_tenant_find(fx->st, "example.com", &t), 0);
    assert_int_equal(store_user_find(fx->st, t.id, "100", &u), 0);
    assert_int_equal(store_ip_rule_find(fx->st, "10.0.0.0/8", &r), 0);
    assert_string_equal(r.descr, "lan");
    assert_int_equal(store_group_add(fx->st, t.id, "sales", 1, NULL), 0);
    struct store_cdr c = { .tenant_id = t.id, .start_ms = 1 };
    assert_int_equal(store_cdr_add(fx->st, &c, NULL), 0);
}

static void groups_and_members(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    struct store_group g;
    int64_t gid = 0;
    int64_t other_user = 0;
    assert_int_equal(store_group_add(fx->st, fx->tid, "sales", 1, &gid), 0);
    assert_int_equal(store_group_add(fx->st, fx->tid, "SALES", 1, NULL),
                     -EEXIST);
    assert_int_equal(store_group_add(fx->st, fx->tid, "bad name", 1, NULL),
                     -EINVAL);
    assert_int_equal(store_group_add(fx->st, 999, "x", 1, NULL), -ENOENT);
    assert_int_equal(store_group_member_add(fx->st, gid, fx->u100), 0);
    assert_int_equal(store_group_member_add(fx->st, gid, fx->u101), 0);
    assert_int_equal(store_group_member_add(fx->st, gid, fx->u100), -EEXIST);
    assert_int_equal(store_user_add(fx->st, fx->tid2, "100", NULL,
                                    STORE_ROLE_STANDARD, NULL, "Secret-12345",
                                    &other_user),
                     0);
    assert_int_equal(store_group_member_add(fx->st, gid, other_user), -EINVAL);
    assert_int_equal(store_group_find(fx->st, fx->tid, "Sales", &g), 0);
    assert_int_equal(g.n_members, 2);
    assert_int_equal(store_group_member_list(fx->st, gid, member_cb, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0], "100");
    assert_int_equal(store_group_member_rm(fx->st, gid, fx->u100), 0);
    assert_int_equal(store_group_member_rm(fx->st, gid, fx->u100), -ENOENT);
    /* A removed user leaves the group. */
    assert_int_equal(store_user_rm(fx->st, fx->u101), 0);
    s.n = 0;
    assert_int_equal(store_group_list(fx->st, fx->tid, group_cb, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0], "sales:0");
    assert_int_equal(store_group_rm(fx->st, fx->tid, "sales"), 0);
    assert_int_equal(store_group_rm(fx->st, fx->tid, "sales"), -ENOENT);
}

static void profile_roundtrip_and_refusals(void **state)
{
    struct fx *fx = *state;
    struct store_tenant_profile p = { .country_code = "33",
                                      .national_prefix = "0",
                                      .intl_prefix = "00",
                                      .time_zone = "Europe/Paris" };
    struct store_tenant_profile out;
    assert_int_equal(store_profile_get(fx->st, fx->tid, &out), -ENOENT);
    assert_int_equal(store_profile_set(fx->st, fx->tid, &p, 7), 0);
    assert_int_equal(store_profile_get(fx->st, fx->tid, &out), 0);
    assert_string_equal(out.time_zone, "Europe/Paris");
    assert_int_equal(out.updated_at, 7);
    struct store_tenant_profile bad = p;
    snprintf(bad.country_code, sizeof(bad.country_code), "033");
    assert_int_equal(store_profile_set(fx->st, fx->tid, &bad, 7), -EINVAL);
    assert_non_null(strstr(store_errmsg(fx->st), "country code"));
    bad = p;
    snprintf(bad.time_zone, sizeof(bad.time_zone), "../etc/passwd");
    assert_int_equal(store_profile_set(fx->st, fx->tid, &bad, 7), -EINVAL);
    bad = p;
    bad.intl_prefix[0] = '\0';
    assert_int_equal(store_profile_set(fx->st, fx->tid, &bad, 7), -EINVAL);
    snprintf(p.time_zone, sizeof(p.time_zone), "America/New_York");
    snprintf(p.country_code, sizeof(p.country_code), "1");
    assert_int_equal(store_profile_set(fx->st, fx->tid, &p, 8), 0);
    assert_int_equal(store_profile_get(fx->st, fx->tid, &out), 0);
    assert_string_equal(out.country_code, "1");
}

static void number_lists(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    assert_int_equal(store_list_add(fx->st, STORE_LIST_COUNTRY, fx->tid, "44",
                                    "UK", 1, NULL),
                     0);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_COUNTRY, fx->tid, "33",
                                    NULL, 1, NULL),
                     0);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_COUNTRY, fx->tid, "44",
                                    NULL, 1, NULL),
                     -EEXIST);
    assert_int_equal(
        store_list_add(fx->st, STORE_LIST_COUNTRY, fx->tid, "0", NULL, 1, NULL),
        -EINVAL);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_COUNTRY, fx->tid, "1234",
                                    NULL, 1, NULL),
                     -EINVAL);
    /* The same value in another tenant and another list is fine. */
    assert_int_equal(store_list_add(fx->st, STORE_LIST_COUNTRY, fx->tid2, "44",
                                    NULL, 1, NULL),
                     0);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_PREFIX, fx->tid, "4490",
                                    "premium", 1, NULL),
                     0);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_PREFIX, fx->tid, "+4490",
                                    NULL, 1, NULL),
                     -EINVAL);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_EMERGENCY, fx->tid,
                                    "112", NULL, 1, NULL),
                     0);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_EMERGENCY, fx->tid,
                                    "11 2", NULL, 1, NULL),
                     -EINVAL);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_HOLIDAY, fx->tid,
                                    "2024-02-29", "leap", 1, NULL),
                     0);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_HOLIDAY, fx->tid,
                                    "2023-02-29", NULL, 1, NULL),
                     -EINVAL);
    assert_int_equal(store_list_add(fx->st, STORE_LIST_HOLIDAY, fx->tid,
                                    "2024-13-01", NULL, 1, NULL),
                     -EINVAL);
    assert_int_equal(
        store_list_walk(fx->st, STORE_LIST_COUNTRY, fx->tid, item_cb, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0], "33 ");
    assert_string_equal(s.v[1], "44 UK");
    assert_int_equal(store_list_rm(fx->st, STORE_LIST_COUNTRY, fx->tid, "44"),
                     0);
    assert_int_equal(store_list_rm(fx->st, STORE_LIST_COUNTRY, fx->tid, "44"),
                     -ENOENT);
    s.n = 0;
    assert_int_equal(
        store_list_walk(fx->st, STORE_LIST_PREFIX, fx->tid, item_cb, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0], "4490 premium");
}

static void office_hours_replace_per_day(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    struct store_hours r[2] = { { .start_min = 480, .end_min = 720 },
                                { .start_min = 780, .end_min = 1080 } };
    assert_int_equal(store_hours_set(fx->st, fx->tid, 1, r, 2), 0);
    assert_int_equal(store_hours_set(fx->st, fx->tid, 2, r, 1), 0);
    struct store_hours overlap[2] = { { .start_min = 480, .end_min = 800 },
                                      { .start_min = 780, .end_min = 1080 } };
    assert_int_equal(store_hours_set(fx->st, fx->tid, 1, overlap, 2), -EINVAL);
    assert_non_null(strstr(store_errmsg(fx->st), "overlap"));
    struct store_hours bad = { .start_min = 600, .end_min = 600 };
    assert_int_equal(store_hours_set(fx->st, fx->tid, 1, &bad, 1), -EINVAL);
    assert_int_equal(store_hours_set(fx->st, fx->tid, 7, r, 1), -EINVAL);
    /* Replace Tuesday with one range. */
    struct store_hours one = { .start_min = 540, .end_min = 1020 };
    assert_int_equal(store_hours_set(fx->st, fx->tid, 2, &one, 1), 0);
    assert_int_equal(store_hours_list(fx->st, fx->tid, hours_cb, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.v[0], "1 480-720");
    assert_string_equal(s.v[1], "1 780-1080");
    assert_string_equal(s.v[2], "2 540-1020");
    assert_int_equal(store_hours_rm(fx->st, fx->tid, 1), 0);
    assert_int_equal(store_hours_rm(fx->st, fx->tid, 1), -ENOENT);
}

static void trunk_password_sealed_and_write_only(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    struct store_trunk t = trunk_def("provider1");
    struct store_trunk got;
    char pw[64];
    int64_t id = 0;
    assert_int_equal(
        store_trunk_add(fx->st, &t, "Very-Secret-Trunk-PW", 10, &id), 0);
    assert_int_equal(store_trunk_add(fx->st, &t, NULL, 10, NULL), -EEXIST);
    assert_int_equal(store_trunk_find(fx->st, "PROVIDER1", &got), 0);
    assert_true(got.has_password);
    assert_int_equal(got.expires_s, 3600);
    assert_int_equal(store_trunk_password(fx->st, id, pw, sizeof(pw)), 0);
    assert_string_equal(pw, "Very-Secret-Trunk-PW");
    assert_int_equal(store_trunk_password(fx->st, id, pw, 5), -ENOSPC);
    /* Never in the database file in clear. */
    store_close(fx->st);
    fx->st = NULL;
    char p[512];
    static unsigned char bytes[1 << 20];
    long n = tmpdir_slurp(tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p)),
                          bytes, sizeof(bytes));
    long n2 =
        tmpdir_slurp(tmpdir_file(&fx->dir, "sipwarden.db-wal", p, sizeof(p)),
                     bytes + n, sizeof(bytes) - (size_t)n);
    assert_true(n > 0);
    assert_null(memmem(bytes, (size_t)n + (size_t)(n2 > 0 ? n2 : 0),
                       "Very-Secret-Trunk-PW", 20));
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
    /* set: NULL keeps the password, "" removes it. */
    t.max_calls = 30;
    assert_int_equal(store_trunk_set(fx->st, id, &t, NULL, 11), 0);
    assert_int_equal(store_trunk_password(fx->st, id, pw, sizeof(pw)), 0);
    assert_string_equal(pw, "Very-Secret-Trunk-PW");
    assert_int_equal(store_trunk_set(fx->st, id, &t, "", 12), 0);
    assert_int_equal(store_trunk_password(fx->st, id, pw, sizeof(pw)), 0);
    assert_string_equal(pw, "");
    assert_int_equal(store_trunk_find(fx->st, "provider1", &got), 0);
    assert_false(got.has_password);
    assert_int_equal(got.max_calls, 30);
    /* Refusals. */
    struct store_trunk bad = trunk_def("bad name");
    assert_int_equal(store_trunk_add(fx->st, &bad, NULL, 1, NULL), -EINVAL);
    bad = trunk_def("x");
    snprintf(bad.transport, sizeof(bad.transport), "sct");
    assert_int_equal(store_trunk_add(fx->st, &bad, NULL, 1, NULL), -EINVAL);
    bad = trunk_def("x");
    bad.expires_s = 10;
    assert_int_equal(store_trunk_add(fx->st, &bad, NULL, 1, NULL), -EINVAL);
    bad = trunk_def("x");
    snprintf(bad.networks, sizeof(bad.networks), "10.0.0.0/8; rm");
    assert_int_equal(store_trunk_add(fx->st, &bad, NULL, 1, NULL), -EINVAL);
    struct store_trunk ip = trunk_def("ipt");
    ip.kind = STORE_TRUNK_IP;
    snprintf(ip.networks, sizeof(ip.networks), "192.0.2.0/24,2001:db8::/32");
    assert_int_equal(store_trunk_add(fx->st, &ip, NULL, 1, NULL), 0);
    assert_int_equal(store_trunk_list(fx->st, trunk_cb, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0], "ipt ip pw=0");
    assert_string_equal(s.v[1], "provider1 register pw=0");
}

static void trunk_limits_and_removal(void **state)
{
    struct fx *fx = *state;
    struct store_trunk t = trunk_def("p1");
    int64_t id = 0;
    int64_t rid = 0;
    assert_int_equal(store_trunk_add(fx->st, &t, "pw", 1, &id), 0);
    assert_int_equal(store_trunk_limit_set(fx->st, id, fx->tid, 5), 0);
    assert_int_equal(store_trunk_limit_set(fx->st, id, fx->tid, 6), 0);
    assert_int_equal(store_trunk_limit_set(fx->st, id, fx->tid2, 0), -ENOENT);
    assert_int_equal(store_trunk_limit_set(fx->st, id, 999, 3), -ENOENT);
    /* An outbound rule pins the trunk. */
    struct store_outbound_rule r = { .tenant_id = fx->tid, .n_trunks = 1 };
    snprintf(r.name, sizeof(r.name), "intl");
    r.trunk_ids[0] = id;
    assert_int_equal(store_outbound_add(fx->st, &r, 1, &rid), 0);
    assert_int_equal(store_trunk_rm(fx->st, "p1"), -EBUSY);
    assert_non_null(strstr(store_errmsg(fx->st), "intl"));
    assert_int_equal(store_outbound_rm(fx->st, fx->tid, rid), 0);
    /* Inbound rules bound to it go with it. */
    struct store_inbound_rule in = { .tenant_id = fx->tid, .trunk_id = id };
    snprintf(in.did, sizeof(in.did), "+33123456789");
    snprintf(in.ext, sizeof(in.ext), "100");
    assert_int_equal(store_inbound_add(fx->st, &in, 1, NULL), 0);
    assert_int_equal(store_trunk_rm(fx->st, "p1"), 0);
    assert_int_equal(store_trunk_rm(fx->st, "p1"), -ENOENT);
}

static void inbound_rules(void **state)
{
    struct fx *fx = *state;
    struct store_inbound_rule r = { .tenant_id = fx->tid };
    int64_t id = 0;
    snprintf(r.did, sizeof(r.did), "+3312345678X");
    snprintf(r.ext, sizeof(r.ext), "100");
    assert_int_equal(store_inbound_add(fx->st, &r, 1, &id), 0);
    /* Same DID from any trunk twice: refused (NULL trunk counts as 0). */
    assert_int_equal(store_inbound_add(fx->st, &r, 1, NULL), -EEXIST);
    snprintf(r.did, sizeof(r.did), "12 34");
    assert_int_equal(store_inbound_add(fx->st, &r, 1, NULL), -EINVAL);
    snprintf(r.did, sizeof(r.did), "123");
    r.trunk_id = 77;
    assert_int_equal(store_inbound_add(fx->st, &r, 1, NULL), -ENOENT);
    /* Another tenant cannot claim the DID (any trunk on either side),
     * but may take it from a different trunk when both name theirs. */
    r.trunk_id = 0;
    snprintf(r.did, sizeof(r.did), "+3312345678X");
    struct store_inbound_rule o = r;
    o.tenant_id = fx->tid2;
    assert_int_equal(store_inbound_add(fx->st, &o, 1, NULL), -EEXIST);
    struct store_trunk t = trunk_def("c1");
    int64_t t1 = 0;
    int64_t t2 = 0;
    assert_int_equal(store_trunk_add(fx->st, &t, "pw", 1, &t1), 0);
    t = trunk_def("c2");
    assert_int_equal(store_trunk_add(fx->st, &t, "pw", 1, &t2), 0);
    o.trunk_id = t1;
    assert_int_equal(store_inbound_add(fx->st, &o, 1, NULL), -EEXIST);
    assert_int_equal(store_inbound_rm(fx->st, fx->tid2, id), -ENOENT);
    assert_int_equal(store_inbound_rm(fx->st, fx->tid, id), 0);
    snprintf(r.did, sizeof(r.did), "+44200");
    r.trunk_id = t1;
    assert_int_equal(store_inbound_add(fx->st, &r, 1, NULL), 0);
    snprintf(o.did, sizeof(o.did), "+44200");
    o.trunk_id = t2;
    assert_int_equal(store_inbound_add(fx->st, &o, 1, NULL), 0);
    o.trunk_id = t1;
    assert_int_equal(store_inbound_add(fx->st, &o, 1, NULL), -EEXIST);
}

static void outbound_order_and_links(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    struct store_trunk t = trunk_def("p1");
    int64_t t1 = 0;
    int64_t t2 = 0;
    int64_t gid = 0;
    int64_t ids[4];
    assert_int_equal(store_trunk_add(fx->st, &t, "pw", 1, &t1), 0);
    t = trunk_def("p2");
    assert_int_equal(store_trunk_add(fx->st, &t, "pw", 1, &t2), 0);
    assert_int_equal(store_group_add(fx->st, fx->tid, "sales", 1, &gid), 0);
    const char *names[] = { "a", "b", "c" };
    for (int i = 0; i < 3; i++) {
        struct store_outbound_rule r = { .tenant_id = fx->tid, .n_trunks = 2 };
        snprintf(r.name, sizeof(r.name), "%s", names[i]);
        r.trunk_ids[0] = t2;
        r.trunk_ids[1] = t1;
        assert_int_equal(store_outbound_add(fx->st, &r, 1, &ids[i]), 0);
    }
    /* Insert at position 1. */
    struct store_outbound_rule r = { .tenant_id = fx->tid,
                                     .position = 1,
                                     .n_trunks = 1,
                                     .n_groups = 1,
                                     .roles = 1u << STORE_ROLE_INTERNATIONAL,
                                     .min_len = 8,
                                     .max_len = 15,
                                     .strip = 1,
                                     .office_hours_only = true };
    snprintf(r.name, sizeof(r.name), "first");
    snprintf(r.prefix, sizeof(r.prefix), "00");
    snprintf(r.prepend, sizeof(r.prepend), "+");
    r.trunk_ids[0] = t1;
    r.group_ids[0] = gid;
    assert_int_equal(store_outbound_add(fx->st, &r, 1, &ids[3]), 0);
    assert_int_equal(store_outbound_list(fx->st, fx->tid, out_cb, &s), 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.v[0], "1:first");
    assert_string_equal(s.v[3], "4:c");
    /* Move c to the top, first to the end. */
    assert_int_equal(store_outbound_move(fx->st, fx->tid, ids[2], 1), 0);
    assert_int_equal(store_outbound_move(fx->st, fx->tid, ids[3], 99), 0);
    s.n = 0;
    assert_int_equal(store_outbound_list(fx->st, fx->tid, out_cb, &s), 0);
    assert_string_equal(s.v[0], "1:c");
    assert_string_equal(s.v[1], "2:a");
    assert_string_equal(s.v[2], "3:b");
    assert_string_equal(s.v[3], "4:first");
    /* Remove a: the gap closes. */
    assert_int_equal(store_outbound_rm(fx->st, fx->tid, ids[0]), 0);
    s.n = 0;
    assert_int_equal(store_outbound_list(fx->st, fx->tid, out_cb, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.v[1], "2:b");
    assert_string_equal(s.v[2], "3:first");
    struct store_outbound_rule got;
    assert_int_equal(store_outbound_find(fx->st, fx->tid, "FIRST", &got), 0);
    assert_int_equal(got.n_groups, 1);
    assert_string_equal(got.groups[0], "sales");
    assert_int_equal(got.n_trunks, 1);
    assert_string_equal(got.trunks[0], "p1");
    assert_true(got.office_hours_only);
    assert_string_equal(got.prepend, "+");
    /* Refusals. */
    r.position = 0;
    assert_int_equal(store_outbound_add(fx->st, &r, 1, NULL), -EEXIST);
    snprintf(r.name, sizeof(r.name), "x");
    r.n_trunks = 0;
    assert_int_equal(store_outbound_add(fx->st, &r, 1, NULL), -EINVAL);
    r.n_trunks = 2;
    r.trunk_ids[1] = t1;
    assert_int_equal(store_outbound_add(fx->st, &r, 1, NULL), -EINVAL);
    r.n_trunks = 1;
    r.min_len = 16;
    assert_int_equal(store_outbound_add(fx->st, &r, 1, NULL), -EINVAL);
    r.min_len = 0;
    r.trunk_ids[0] = 999;
    assert_int_equal(store_outbound_add(fx->st, &r, 1, NULL), -ENOENT);
    /* Nothing half-written. */
    s.n = 0;
    assert_int_equal(store_outbound_list(fx->st, fx->tid, out_cb, &s), 0);
    assert_int_equal(s.n, 3);
}

static void limits_fraud_suspensions(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    int64_t gid = 0;
    int64_t id = 0;
    int64_t id2 = 0;
    assert_int_equal(store_group_add(fx->st, fx->tid, "sales", 1, &gid), 0);
    struct store_call_limit l = { .tenant_id = fx->tid,
                                  .calls = 5,
                                  .period_s = 1 };
    assert_int_equal(store_limit_set(fx->st, &l, &id), 0);
    l.calls = 10;
    assert_int_equal(store_limit_set(fx->st, &l, &id2), 0); /* replaces */
    l = (struct store_call_limit){ .tenant_id = fx->tid,
                                   .scope = STORE_LIMIT_USER,
                                   .target_id = fx->u100,
                                   .max_concurrent = 2 };
    assert_int_equal(store_limit_set(fx->st, &l, NULL), 0);
    l = (struct store_call_limit){ .tenant_id = fx->tid,
                                   .scope = STORE_LIMIT_GROUP,
                                   .target_id = gid,
                                   .calls = 1,
                                   .period_s = 60,
                                   .has_window = true,
                                   .start_min = 1080,
                                   .end_min = 480 };
    assert_int_equal(store_limit_set(fx->st, &l, NULL), 0);
    l.target_id = 0;
    assert_int_equal(store_limit_set(fx->st, &l, NULL), -EINVAL);
    l.target_id = gid;
    l.calls = 0;
    assert_int_equal(store_limit_set(fx->st, &l, NULL), -EINVAL);
    assert_int_equal(store_limit_list(fx->st, fx->tid, limit_cb, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.v[0], "tenant  10/1 c0 w0");
    assert_string_equal(s.v[1], "group sales 1/60 c0 w1");
    assert_string_equal(s.v[2], "user 100 0/0 c2 w0");
    assert_int_equal(store_limit_rm(fx->st, fx->tid, id2), 0);
    assert_int_equal(store_limit_rm(fx->st, fx->tid, id2), -ENOENT);

    struct store_fraud_rule f = { .tenant_id = fx->tid,
                                  .metric = STORE_FRAUD_INTERNATIONAL,
                                  .window_s = 3600,
                                  .warning = 10,
                                  .critical = 20 };
    assert_int_equal(store_fraud_set(fx->st, &f, &id), 0);
    f.critical = 30;
    assert_int_equal(store_fraud_set(fx->st, &f, &id2), 0);
    assert_int_equal(id, id2); /* same (tenant, user, metric) */
    f.user_id = fx->u100;
    assert_int_equal(store_fraud_set(fx->st, &f, &id2), 0);
    assert_true(id2 != id);
    f.critical = 5;
    assert_int_equal(store_fraud_set(fx->st, &f, NULL), -EINVAL);
    assert_int_equal(store_fraud_rm(fx->st, fx->tid, id), 0);
    assert_int_equal(store_fraud_rm(fx->st, fx->tid, id), -ENOENT);

    assert_int_equal(
        store_suspension_add(fx->st, fx->u100, 50, "fraud: international", &id),
        0);
    assert_int_equal(store_suspension_add(fx->st, fx->u100, 60, "again", &id2),
                     0);
    assert_int_equal(id, id2); /* one active suspension */
    s.n = 0;
    assert_int_equal(store_suspension_list(fx->st, fx->tid, true, susp_cb, &s),
                     0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0], "100@example.com fraud: international "
                                "lifted=0");
    assert_int_equal(store_suspension_lift(fx->st, fx->u100, 70), 0);
    assert_int_equal(store_suspension_lift(fx->st, fx->u100, 71), -ENOENT);
    s.n = 0;
    assert_int_equal(store_suspension_list(fx->st, 0, true, susp_cb, &s), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(store_suspension_list(fx->st, 0, false, susp_cb, &s), 0);
    assert_int_equal(s.n, 1);
}

static void cdr_filters_paging_purge(void **state)
{
    struct fx *fx = *state;
    struct strs s = { 0 };
    uint64_t total = 0;
    for (int i = 0; i < 10; i++) {
        struct store_cdr c = { .tenant_id = i < 8 ? fx->tid : fx->tid2,
                               .result = i % 2 ? STORE_CDR_REFUSED
                                               : STORE_CDR_ANSWERED,
                               .status = i % 2 ? 403 : 200,
                               .start_ms = 1000 * (i + 1) };
        snprintf(c.caller, sizeof(c.caller), "%d", 100 + i % 3);
        snprintf(c.callee, sizeof(c.callee), "00441234%d", i);
        snprintf(c.class_, sizeof(c.class_), "international");
        assert_int_equal(store_cdr_add(fx->st, &c, NULL), 0);
    }
    struct store_cdr_query q = { .tenant_id = fx->tid,
                                 .result = -1,
                                 .limit = 3 };
    assert_int_equal(store_cdr_list(fx->st, &q, cdr_cb, &s, &total), 0);
    assert_int_equal(total, 8);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.v[0], "101>004412347 refused"); /* newest first */
    q.offset = 6;
    s.n = 0;
    assert_int_equal(store_cdr_list(fx->st, &q, cdr_cb, &s, &total), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[1], "100>004412340 answered");
    q = (struct store_cdr_query){ .tenant_id = fx->tid,
                                  .user = "100",
                                  .result = STORE_CDR_ANSWERED };
    s.n = 0;
    assert_int_equal(store_cdr_list(fx->st, &q, cdr_cb, &s, &total), 0);
    assert_int_equal(total, 2); /* i = 0, 6 */
    q = (struct store_cdr_query){ .from_ms = 3000,
                                  .to_ms = 6000,
                                  .result = -1 };
    assert_int_equal(store_cdr_list(fx->st, &q, cdr_cb, &s, &total), 0);
    assert_int_equal(total, 3);
    q.limit = 1001;
    assert_int_equal(store_cdr_list(fx->st, &q, cdr_cb, &s, NULL), -EINVAL);
    /* Refused: controls in text. */
    struct store_cdr bad = { .start_ms = 1 };
    snprintf(bad.reason, sizeof(bad.reason), "a\nb");
    assert_int_equal(store_cdr_add(fx->st, &bad, NULL), -EINVAL);
    uint32_t n = 0;
    assert_int_equal(store_cdr_purge(fx->st, 5000, &n), 0);
    assert_int_equal(n, 4);
    q = (struct store_cdr_query){ .result = -1 };
    assert_int_equal(store_cdr_list(fx->st, &q, cdr_cb, &s, &total), 0);
    assert_int_equal(total, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migration_from_v2_keeps_data, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(groups_and_members, setup, teardown),
        cmocka_unit_test_setup_teardown(profile_roundtrip_and_refusals, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(number_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(office_hours_replace_per_day, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(trunk_password_sealed_and_write_only,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(trunk_limits_and_removal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(inbound_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(outbound_order_and_links, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(limits_fraud_suspensions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cdr_filters_paging_purge, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
