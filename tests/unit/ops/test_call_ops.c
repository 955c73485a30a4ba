/* SPDX-License-Identifier: Apache-2.0 */
/* The calls operations: groups, profile, lists, hours, trunks, rules,
 * limits, fraud, suspensions and CDRs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ops_fx.h"

static int ok(struct fx *fx, const char *json)
{
    int rc = run(fx, json);
    if (rc != 0) {
        fail_msg("%s failed: %s", json, rs(fx->resp, "error"));
    }
    return rc;
}

/* A tenant with two users, as most tests need. */
static void base(struct fx *fx)
{
    ok(fx, "{\"op\":\"tenant.add\",\"domain\":\"example.com\"}");
    ok(fx, "{\"op\":\"user.add\",\"user\":\"100@example.com\","
           "\"sip_password\":\"Xy7-kLm9-Qr2\"}");
    ok(fx, "{\"op\":\"user.add\",\"user\":\"101@example.com\","
           "\"sip_password\":\"Xy7-kLm9-Qr3\"}");
}

static void groups(void **state)
{
    struct fx *fx = *state;
    base(fx);
    ok(fx, "{\"op\":\"group.add\",\"domain\":\"example.com\",\"name\":"
           "\"sales\"}");
    assert_string_equal(fx->last_op, "group.add");
    ok(fx, "{\"op\":\"group.member.add\",\"domain\":\"example.com\","
           "\"name\":\"sales\",\"ext\":\"100\"}");
    json_t *m = json_object_get(json_object_get(fx->resp, "group"), "members");
    assert_int_equal(json_array_size(m), 1);
    expect_err(fx,
               run(fx, "{\"op\":\"group.member.add\",\"domain\":"
                       "\"example.com\",\"name\":\"sales\",\"ext\":\"999\"}"),
               -ENOENT, "not_found", "ext", "no user 999@example.com");
    expect_err(fx,
               run(fx, "{\"op\":\"group.add\",\"domain\":\"nope.org\","
                       "\"name\":\"x\"}"),
               -ENOENT, "not_found", "domain", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"group.add\",\"domain\":\"example.com\","
                       "\"name\":\"a b\"}"),
               -EINVAL, "bad_request", "name", "group name");
    ok(fx, "{\"op\":\"group.list\",\"domain\":\"example.com\"}");
    json_t *g = json_array_get(json_object_get(fx->resp, "groups"), 0);
    assert_string_equal(rs(g, "name"), "sales");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(g, "members"), 0)),
        "100");
    ok(fx, "{\"op\":\"group.member.rm\",\"domain\":\"example.com\","
           "\"name\":\"sales\",\"ext\":\"100\"}");
    ok(fx, "{\"op\":\"group.rm\",\"domain\":\"example.com\",\"name\":"
           "\"sales\"}");
    expect_err(fx,
               run(fx, "{\"op\":\"group.rm\",\"domain\":\"example.com\","
                       "\"name\":\"sales\"}"),
               -ENOENT, "not_found", "name", NULL);
}

static void profile_and_lists(void **state)
{
    struct fx *fx = *state;
    base(fx);
    expect_err(fx,
               run(fx, "{\"op\":\"tenant.profile.set\",\"domain\":"
                       "\"example.com\",\"country_code\":\"33\","
                       "\"time_zone\":\"Mars/Olympus\"}"),
               -EINVAL, "bad_request", "time_zone", "not a time zone");
    expect_err(fx,
               run(fx, "{\"op\":\"tenant.profile.set\",\"domain\":"
                       "\"example.com\",\"time_zone\":\"Europe/Paris\"}"),
               -EINVAL, "bad_request", "country_code", "required");
    expect_err(fx,
               run(fx, "{\"op\":\"tenant.profile.show\",\"domain\":"
                       "\"example.com\"}"),
               -ENOENT, "not_found", NULL, "no country profile");
    ok(fx, "{\"op\":\"tenant.profile.set\",\"domain\":\"example.com\","
           "\"country_code\":\"33\",\"time_zone\":\"Europe/Paris\"}");
    /* The first profile seeds the country's emergency numbers. */
    json_t *seeded = json_object_get(json_object_get(fx->resp, "profile"),
                                     "emergency_added");
    assert_int_equal(json_array_size(seeded), 5);
    assert_string_equal(json_string_value(json_array_get(seeded, 0)), "112");
    /* Later changes may give one member; nothing is seeded again. */
    ok(fx, "{\"op\":\"tenant.profile.set\",\"domain\":\"example.com\","
           "\"international_prefix\":\"00\",\"national_prefix\":\"0\"}");
    assert_null(json_object_get(json_object_get(fx->resp, "profile"),
                                "emergency_added"));
    ok(fx, "{\"op\":\"tenant.profile.show\",\"domain\":\"example.com\"}");
    json_t *p = json_object_get(fx->resp, "profile");
    assert_string_equal(rs(p, "time_zone"), "Europe/Paris");
    assert_string_equal(rs(p, "country_code"), "33");

    ok(fx, "{\"op\":\"country.allow\",\"domain\":\"example.com\","
           "\"country_code\":\"44\",\"description\":\"UK\"}");
    expect_err(fx,
               run(fx, "{\"op\":\"country.allow\",\"domain\":\"example.com\","
                       "\"country_code\":\"44\"}"),
               -EEXIST, "exists", "country_code", "already listed");
    expect_err(fx,
               run(fx, "{\"op\":\"country.allow\",\"domain\":\"example.com\","
                       "\"country_code\":\"UK\"}"),
               -EINVAL, "bad_request", "country_code", "1..3 digits");
    ok(fx, "{\"op\":\"prefix.block\",\"domain\":\"example.com\","
           "\"prefix\":\"4490\"}");
    expect_err(fx,
               run(fx, "{\"op\":\"emergency.add\",\"domain\":"
                       "\"example.com\",\"number\":\"112\"}"),
               -EEXIST, "exists", "number", NULL);
    ok(fx, "{\"op\":\"emergency.add\",\"domain\":\"example.com\","
           "\"number\":\"196\"}");
    ok(fx, "{\"op\":\"holiday.add\",\"domain\":\"example.com\","
           "\"date\":\"2024-12-25\",\"description\":\"Christmas\"}");
    expect_err(fx,
               run(fx, "{\"op\":\"holiday.add\",\"domain\":\"example.com\","
                       "\"date\":\"2024-12-32\"}"),
               -EINVAL, "bad_request", "date", "YYYY-MM-DD");
    ok(fx, "{\"op\":\"country.list\",\"domain\":\"example.com\"}");
    assert_string_equal(
        rs(json_array_get(json_object_get(fx->resp, "countries"), 0),
           "country_code"),
        "44");
    ok(fx, "{\"op\":\"prefix.list\",\"domain\":\"example.com\"}");
    assert_int_equal(json_array_size(json_object_get(fx->resp, "prefixes")), 1);
    ok(fx, "{\"op\":\"emergency.list\",\"domain\":\"example.com\"}");
    assert_int_equal(json_array_size(json_object_get(fx->resp, "numbers")), 6);
    ok(fx, "{\"op\":\"holiday.list\",\"domain\":\"example.com\"}");
    assert_int_equal(json_array_size(json_object_get(fx->resp, "holidays")), 1);
    ok(fx, "{\"op\":\"country.rm\",\"domain\":\"example.com\","
           "\"country_code\":\"44\"}");
    ok(fx, "{\"op\":\"prefix.rm\",\"domain\":\"example.com\","
           "\"prefix\":\"4490\"}");
    ok(fx, "{\"op\":\"emergency.rm\",\"domain\":\"example.com\","
           "\"number\":\"196\"}");
    ok(fx, "{\"op\":\"holiday.rm\",\"domain\":\"example.com\","
           "\"date\":\"2024-12-25\"}");
    assert_string_equal(fx->last_op, "holiday.rm");
    expect_err(fx,
               run(fx, "{\"op\":\"prefix.rm\",\"domain\":\"example.com\","
                       "\"prefix\":\"4490\"}"),
               -ENOENT, "not_found", "prefix", NULL);
}

static void hours(void **state)
{
    struct fx *fx = *state;
    base(fx);
    ok(fx, "{\"op\":\"hours.set\",\"domain\":\"example.com\",\"day\":"
           "\"mon\",\"ranges\":[\"08:00-12:00\",\"13:00-17:30\"]}");
    ok(fx, "{\"op\":\"hours.set\",\"domain\":\"example.com\",\"day\":2,"
           "\"ranges\":\"09:00-18:00\"}");
    expect_err(fx,
               run(fx, "{\"op\":\"hours.set\",\"domain\":\"example.com\","
                       "\"day\":\"mon\",\"ranges\":[\"12:00-08:00\"]}"),
               -EINVAL, "bad_request", "ranges", "range 1");
    expect_err(fx,
               run(fx, "{\"op\":\"hours.set\",\"domain\":\"example.com\","
                       "\"day\":\"funday\",\"ranges\":[\"08:00-09:00\"]}"),
               -EINVAL, "bad_request", "day", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"hours.set\",\"domain\":\"example.com\","
                       "\"day\":1,\"ranges\":[\"08:00-12:00\","
                       "\"11:00-13:00\"]}"),
               -EINVAL, "bad_request", "ranges", "overlap");
    ok(fx, "{\"op\":\"hours.list\",\"domain\":\"example.com\"}");
    json_t *h = json_object_get(fx->resp, "hours");
    assert_int_equal(json_array_size(h), 3);
    assert_string_equal(rs(json_array_get(h, 1), "end"), "17:30");
    assert_string_equal(rs(json_array_get(h, 2), "day"), "tue");
    ok(fx, "{\"op\":\"hours.rm\",\"domain\":\"example.com\",\"day\":"
           "\"mon\"}");
    expect_err(fx,
               run(fx, "{\"op\":\"hours.rm\",\"domain\":\"example.com\","
                       "\"day\":\"mon\"}"),
               -ENOENT, "not_found", "day", NULL);
}

static void trunks(void **state)
{
    struct fx *fx = *state;
    base(fx);
    expect_err(fx,
               run(fx, "{\"op\":\"trunk.add\",\"name\":\"p1\",\"kind\":"
                       "\"register\",\"host\":\"sip.example.net\"}"),
               -EINVAL, "bad_request", "username", "username and a password");
    expect_err(fx,
               run(fx, "{\"op\":\"trunk.add\",\"name\":\"p1\",\"kind\":"
                       "\"carrier\"}"),
               -EINVAL, "bad_request", "kind", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"trunk.add\",\"name\":\"ipt\",\"kind\":"
                       "\"ip\",\"networks\":[\"192.0.2.0/33\"]}"),
               -EINVAL, "bad_request", "networks", NULL);
    ok(fx, "{\"op\":\"trunk.add\",\"name\":\"p1\",\"kind\":\"register\","
           "\"host\":\"sip.example.net\",\"username\":\"acct\","
           "\"password\":\"Trunk-Secret-991\",\"max_calls\":10}");
    json_t *t = json_object_get(fx->resp, "trunk");
    assert_true(json_is_true(json_object_get(t, "has_password")));
    assert_null(json_object_get(t, "password"));
    char *d = json_dumps(fx->resp, 0);
    assert_null(strstr(d, "Trunk-Secret"));
    free(d);
    /* The change notification has no password either. */
    assert_string_equal(fx->last_op, "trunk.add");
    assert_null(json_object_get(fx->last_req, "password"));
    assert_string_equal(rs(fx->last_req, "name"), "p1");
    ok(fx, "{\"op\":\"trunk.add\",\"name\":\"ipt\",\"kind\":\"ip\","
           "\"networks\":\"192.0.2.7/24, 2001:db8::/32\"}");
    json_t *nets =
        json_object_get(json_object_get(fx->resp, "trunk"), "networks");
    assert_string_equal(json_string_value(json_array_get(nets, 0)),
                        "192.0.2.0/24");
    ok(fx, "{\"op\":\"trunk.set\",\"name\":\"p1\",\"port\":5080,"
           "\"password\":\"Other-Secret-123\"}");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(fx->resp, "trunk"), "port")),
                     5080);
    ok(fx, "{\"op\":\"trunk.limit.set\",\"trunk\":\"p1\",\"domain\":"
           "\"example.com\",\"max_calls\":3}");
    ok(fx, "{\"op\":\"trunk.list\"}");
    char *dump = json_dumps(fx->resp, 0);
    assert_null(strstr(dump, "Secret"));
    assert_non_null(strstr(dump, "\"tenant_limits\": [{\"domain\": "
                                 "\"example.com\", \"max_calls\": 3}]"));
    free(dump);
    /* Sealed in the database file. */
    store_close(fx->st);
    char p[512];
    static unsigned char bytes[1 << 20];
    long n = tmpdir_slurp(tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p)),
                          bytes, sizeof(bytes));
    long n2 =
        tmpdir_slurp(tmpdir_file(&fx->dir, "sipwarden.db-wal", p, sizeof(p)),
                     bytes + n, sizeof(bytes) - (size_t)n);
    assert_true(n > 0);
    assert_null(memmem(bytes, (size_t)n + (size_t)(n2 > 0 ? n2 : 0),
                       "Other-Secret-123", 16));
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
    fx->ctx.st = fx->st;
    ok(fx, "{\"op\":\"outbound.add\",\"domain\":\"example.com\",\"name\":"
           "\"all\",\"trunks\":[\"p1\"]}");
    expect_err(fx, run(fx, "{\"op\":\"trunk.rm\",\"name\":\"p1\"}"), -EINVAL,
               "bad_request", "name", "outbound rule all");
    ok(fx, "{\"op\":\"trunk.rm\",\"name\":\"ipt\"}");
    expect_err(fx, run(fx, "{\"op\":\"trunk.rm\",\"name\":\"ipt\"}"), -ENOENT,
               "not_found", "name", NULL);
}

static void rules(void **state)
{
    struct fx *fx = *state;
    base(fx);
    ok(fx, "{\"op\":\"trunk.add\",\"name\":\"p1\",\"kind\":\"ip\","
           "\"networks\":[\"192.0.2.0/24\"]}");
    ok(fx, "{\"op\":\"trunk.add\",\"name\":\"p2\",\"kind\":\"ip\","
           "\"networks\":[\"198.51.100.0/24\"]}");
    ok(fx, "{\"op\":\"group.add\",\"domain\":\"example.com\",\"name\":"
           "\"sales\"}");
    ok(fx, "{\"op\":\"inbound.add\",\"domain\":\"example.com\",\"did\":"
           "\"+33123456789\",\"ext\":\"100\",\"trunk\":\"p1\"}");
    json_int_t in_id = json_integer_value(
        json_object_get(json_object_get(fx->resp, "inbound_rule"), "id"));
    expect_err(fx,
               run(fx, "{\"op\":\"inbound.add\",\"domain\":\"example.com\","
                       "\"did\":\"123\",\"ext\":\"555\"}"),
               -ENOENT, "not_found", "ext", NULL);
    ok(fx, "{\"op\":\"inbound.list\",\"domain\":\"example.com\"}");
    assert_string_equal(
        rs(json_array_get(json_object_get(fx->resp, "inbound_rules"), 0),
           "trunk"),
        "p1");
    char req[256];
    snprintf(req, sizeof(req),
             "{\"op\":\"inbound.rm\",\"domain\":\"example.com\",\"id\":%lld}",
             (long long)in_id);
    ok(fx, req);

    ok(fx, "{\"op\":\"outbound.add\",\"domain\":\"example.com\",\"name\":"
           "\"natl\",\"prefix\":\"0\",\"min_len\":10,\"max_len\":10,"
           "\"trunks\":[\"p1\",\"p2\"]}");
    ok(fx, "{\"op\":\"outbound.add\",\"domain\":\"example.com\",\"name\":"
           "\"intl\",\"position\":1,\"prefix\":\"00\",\"roles\":"
           "\"international,admin\",\"groups\":[\"sales\"],"
           "\"office_hours_only\":true,\"strip\":2,\"prepend\":\"+\","
           "\"trunks\":\"p2\"}");
    json_t *r = json_object_get(fx->resp, "outbound_rule");
    assert_int_equal(json_integer_value(json_object_get(r, "position")), 1);
    assert_int_equal(json_array_size(json_object_get(r, "roles")), 2);
    expect_err(fx,
               run(fx, "{\"op\":\"outbound.add\",\"domain\":\"example.com\","
                       "\"name\":\"x\",\"roles\":[\"boss\"],\"trunks\":"
                       "[\"p1\"]}"),
               -EINVAL, "bad_request", "roles", "boss");
    expect_err(fx,
               run(fx, "{\"op\":\"outbound.add\",\"domain\":\"example.com\","
                       "\"name\":\"x\"}"),
               -EINVAL, "bad_request", "trunks", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"outbound.add\",\"domain\":\"example.com\","
                       "\"name\":\"x\",\"trunks\":[\"nope\"]}"),
               -ENOENT, "not_found", "trunks", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"outbound.add\",\"domain\":\"example.com\","
                       "\"name\":\"x\",\"min_len\":9,\"max_len\":3,"
                       "\"trunks\":[\"p1\"]}"),
               -EINVAL, "bad_request", "min_len", NULL);
    ok(fx, "{\"op\":\"outbound.move\",\"domain\":\"example.com\",\"name\":"
           "\"natl\",\"position\":1}");
    ok(fx, "{\"op\":\"outbound.list\",\"domain\":\"example.com\"}");
    json_t *arr = json_object_get(fx->resp, "outbound_rules");
    assert_string_equal(rs(json_array_get(arr, 0), "name"), "natl");
    assert_string_equal(rs(json_array_get(arr, 1), "name"), "intl");
    ok(fx, "{\"op\":\"outbound.rm\",\"domain\":\"example.com\",\"name\":"
           "\"natl\"}");
    expect_err(fx,
               run(fx, "{\"op\":\"outbound.rm\",\"domain\":\"example.com\","
                       "\"name\":\"natl\"}"),
               -ENOENT, "not_found", "name", NULL);
}

static void limits_fraud_suspend(void **state)
{
    struct fx *fx = *state;
    base(fx);
    ok(fx, "{\"op\":\"limit.set\",\"domain\":\"example.com\",\"calls\":5,"
           "\"period_s\":1}");
    ok(fx, "{\"op\":\"limit.set\",\"domain\":\"example.com\",\"ext\":"
           "\"100\",\"max_concurrent\":2,\"window\":\"18:00-08:00\"}");
    json_t *l = json_object_get(fx->resp, "limit");
    assert_string_equal(rs(l, "scope"), "user");
    assert_string_equal(rs(json_object_get(l, "window"), "start"), "18:00");
    expect_err(fx,
               run(fx, "{\"op\":\"limit.set\",\"domain\":\"example.com\","
                       "\"calls\":5}"),
               -EINVAL, "bad_request", "period_s", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"limit.set\",\"domain\":\"example.com\","
                       "\"max_concurrent\":1,\"window\":\"25:00-26:00\"}"),
               -EINVAL, "bad_request", "window", NULL);
    ok(fx, "{\"op\":\"limit.list\",\"domain\":\"example.com\"}");
    json_t *arr = json_object_get(fx->resp, "limits");
    assert_int_equal(json_array_size(arr), 2);
    char req[256];
    snprintf(req, sizeof(req),
             "{\"op\":\"limit.rm\",\"domain\":\"example.com\",\"id\":%lld}",
             (long long)json_integer_value(
                 json_object_get(json_array_get(arr, 0), "id")));
    ok(fx, req);

    ok(fx, "{\"op\":\"fraud.set\",\"domain\":\"example.com\",\"metric\":"
           "\"international\",\"window_s\":3600,\"warning\":5,"
           "\"critical\":10}");
    expect_err(fx,
               run(fx, "{\"op\":\"fraud.set\",\"domain\":\"example.com\","
                       "\"metric\":\"international\",\"window_s\":3600,"
                       "\"warning\":5,\"critical\":4}"),
               -EINVAL, "bad_request", "critical", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"fraud.set\",\"domain\":\"example.com\","
                       "\"metric\":\"volume\",\"window_s\":3600,"
                       "\"warning\":5,\"critical\":6}"),
               -EINVAL, "bad_request", "metric", NULL);
    ok(fx, "{\"op\":\"fraud.list\",\"domain\":\"example.com\"}");
    json_t *f = json_array_get(json_object_get(fx->resp, "fraud_rules"), 0);
    assert_true(json_is_null(json_object_get(f, "ext")));
    snprintf(req, sizeof(req),
             "{\"op\":\"fraud.rm\",\"domain\":\"example.com\",\"id\":%lld}",
             (long long)json_integer_value(json_object_get(f, "id")));
    ok(fx, req);

    /* A suspension recorded by limits/ is listed and lifted here. */
    struct store_tenant t;
    struct store_user u;
    assert_int_equal(store_tenant_find(fx->st, "example.com", &t), 0);
    assert_int_equal(store_user_find(fx->st, t.id, "100", &u), 0);
    assert_int_equal(
        store_suspension_add(fx->st, u.id, 1700000000, "fraud", NULL), 0);
    ok(fx, "{\"op\":\"suspend.list\",\"domain\":\"example.com\"}");
    assert_string_equal(
        rs(json_array_get(json_object_get(fx->resp, "suspensions"), 0), "user"),
        "100@example.com");
    ok(fx, "{\"op\":\"suspend.lift\",\"user\":\"100@example.com\"}");
    expect_err(
        fx, run(fx, "{\"op\":\"suspend.lift\",\"user\":\"100@example.com\"}"),
        -ENOENT, "not_found", "user", "not suspended");
    ok(fx, "{\"op\":\"suspend.list\"}");
    assert_int_equal(json_array_size(json_object_get(fx->resp, "suspensions")),
                     0);
    ok(fx, "{\"op\":\"suspend.list\",\"all\":true}");
    assert_int_equal(json_array_size(json_object_get(fx->resp, "suspensions")),
                     1);
}

static void cdr_list(void **state)
{
    struct fx *fx = *state;
    struct store_tenant t;
    base(fx);
    assert_int_equal(store_tenant_find(fx->st, "example.com", &t), 0);
    for (int i = 0; i < 5; i++) {
        struct store_cdr c = { .tenant_id = t.id,
                               .result = i == 4 ? STORE_CDR_REFUSED
                                                : STORE_CDR_ANSWERED,
                               .start_ms = (int64_t)(1700000000 + i) * 1000 };
        snprintf(c.caller, sizeof(c.caller), "%s", i % 2 ? "101" : "100");
        snprintf(c.callee, sizeof(c.callee), "0044123");
        if (i == 4) {
            snprintf(c.reason, sizeof(c.reason), "country 44 not allowed");
        }
        assert_int_equal(store_cdr_add(fx->st, &c, NULL), 0);
    }
    ok(fx, "{\"op\":\"cdr.list\",\"domain\":\"example.com\",\"limit\":2}");
    assert_int_equal(json_integer_value(json_object_get(fx->resp, "total")), 5);
    json_t *arr = json_object_get(fx->resp, "cdrs");
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(rs(json_array_get(arr, 0), "result"), "refused");
    ok(fx, "{\"op\":\"cdr.list\",\"user\":\"101\"}");
    assert_int_equal(json_integer_value(json_object_get(fx->resp, "total")), 2);
    ok(fx, "{\"op\":\"cdr.list\",\"from\":1700000001,\"to\":1700000003,"
           "\"result\":\"answered\",\"offset\":1}");
    assert_int_equal(json_integer_value(json_object_get(fx->resp, "total")), 2);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "cdrs")), 1);
    expect_err(fx, run(fx, "{\"op\":\"cdr.list\",\"result\":\"ok\"}"), -EINVAL,
               "bad_request", "result", NULL);
    expect_err(fx, run(fx, "{\"op\":\"cdr.list\",\"limit\":5000}"), -EINVAL,
               "bad_request", "limit", NULL);
    expect_err(fx, run(fx, "{\"op\":\"cdr.list\",\"colour\":1}"), -EINVAL,
               "bad_request", "colour", "unknown member");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(groups, setup, teardown),
        cmocka_unit_test_setup_teardown(profile_and_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(hours, setup, teardown),
        cmocka_unit_test_setup_teardown(trunks, setup, teardown),
        cmocka_unit_test_setup_teardown(rules, setup, teardown),
        cmocka_unit_test_setup_teardown(limits_fraud_suspend, setup, teardown),
        cmocka_unit_test_setup_teardown(cdr_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
