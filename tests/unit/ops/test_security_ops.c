/* SPDX-License-Identifier: Apache-2.0 */
/* The shield's operations: settings, IP rules, bans, UA, GeoIP, rates. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "ops/security.h"
#include "ops_fx.h"
#include "sec/settings.h"
#include "sec/ua.h"
#include "store/store.h"

/* ---- security.show / set ---- */

static void security_show_and_set(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(run(fx, "{\"op\":\"security.show\"}"), 0);
    json_t *s = json_object_get(fx->resp, "settings");
    assert_int_equal(json_integer_value(json_object_get(s, "l1_pps")), 500);
    assert_string_equal(rs(s, "geo_unknown"), "allow");
    assert_string_equal(rs(s, "kernel_sync"), "on");
    assert_int_equal(json_array_size(json_object_get(fx->resp, "keys")),
                     sec_settings_count());

    assert_int_equal(
        run(fx,
            "{\"op\":\"security.set\",\"key\":\"l1_pps\",\"value\":\"800\"}"),
        0);
    assert_int_equal(json_integer_value(json_object_get(fx->resp, "value")),
                     800);
    assert_string_equal(fx->last_op, "security.set");
    assert_int_equal(run(fx, "{\"op\":\"security.set\",\"key\":\"kernel_sync\","
                             "\"value\":false}"),
                     0);
    assert_string_equal(rs(fx->resp, "value"), "off");
    assert_int_equal(
        run(fx, "{\"op\":\"security.set\",\"key\":\"detection_period_s\","
                "\"value\":120}"),
        0);

    struct sec_settings loaded;
    assert_int_equal(
        ops_security_settings_load(fx->st, &loaded, fx->err, sizeof(fx->err)),
        0);
    assert_int_equal(loaded.det.l1_pps, 800);
    assert_int_equal(loaded.det.period_s, 120);
    assert_false(loaded.kernel_sync);

    int changes = fx->n_changes;
    expect_err(fx,
               run(fx, "{\"op\":\"security.set\",\"key\":\"l1_pps\","
                       "\"value\":\"65000\"}"),
               -EINVAL, "bad_request", "value", "1..64999");
    expect_err(fx,
               run(fx, "{\"op\":\"security.set\",\"key\":\"l9_pps\","
                       "\"value\":\"1\"}"),
               -EINVAL, "bad_request", "key", "l9_pps");
    expect_err(fx,
               run(fx, "{\"op\":\"security.set\",\"key\":\"l1_pps\","
                       "\"value\":-5}"),
               -EINVAL, "bad_request", "value", NULL);
    expect_err(fx, run(fx, "{\"op\":\"security.set\",\"key\":\"l1_pps\"}"),
               -EINVAL, "bad_request", "value", NULL);
    assert_int_equal(fx->n_changes, changes);
    assert_int_equal(run(fx, "{\"op\":\"security.show\"}"), 0);
    s = json_object_get(fx->resp, "settings");
    assert_int_equal(json_integer_value(json_object_get(s, "l1_pps")), 800);
}

static void settings_load_skips_bad_rows(void **state)
{
    struct fx *fx = *state;
    struct sec_settings s;
    assert_int_equal(store_setting_set(fx->st, "l2_pps", "70000", 1), 0);
    assert_int_equal(store_setting_set(fx->st, "max_bans", "1000", 1), 0);
    assert_int_equal(
        ops_security_settings_load(fx->st, &s, fx->err, sizeof(fx->err)),
        -EINVAL);
    assert_non_null(strstr(fx->err, "l2_pps"));
    assert_int_equal(s.det.l2_pps, 2000);
    assert_int_equal(s.max_bans, 1000);
    assert_int_equal(run(fx, "{\"op\":\"security.show\"}"), 0);
    assert_non_null(strstr(rs(fx->resp, "warning"), "l2_pps"));
}

/* ---- ip rules ---- */

static void ip_allow_block_list_rm(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(run(fx, "{\"op\":\"ip.block\",\"net\":\"41.202.0.0 "
                             "255.255.0.0\",\"description\":\"scanners\"}"),
                     0);
    json_t *r = json_object_get(fx->resp, "ip_rule");
    assert_string_equal(rs(r, "net"), "41.202.0.0/16");
    assert_string_equal(rs(r, "action"), "block");
    assert_string_equal(rs(r, "description"), "scanners");
    assert_int_equal(json_integer_value(json_object_get(r, "created_at")),
                     1700000000);
    assert_string_equal(fx->last_op, "ip.block");

    /* Same network in another spelling: a duplicate, whatever the action. */
    expect_err(fx, run(fx, "{\"op\":\"ip.allow\",\"net\":\"41.202.0.0/16\"}"),
               -EEXIST, "exists", "net", "block list");
    expect_err(
        fx, run(fx, "{\"op\":\"ip.block\",\"net\":\"41.202.7.1/255.255.0.0\"}"),
        -EEXIST, "exists", "net", NULL);

    assert_int_equal(run(fx, "{\"op\":\"ip.allow\",\"net\":\"10.1.2.3/8\"}"),
                     0);
    assert_string_equal(rs(json_object_get(fx->resp, "ip_rule"), "net"),
                        "10.0.0.0/8");
    assert_non_null(strstr(rs(fx->resp, "warning"), "host bits"));
    assert_int_equal(run(fx, "{\"op\":\"ip.allow\",\"net\":\"2001:db8::/32\"}"),
                     0);
    assert_non_null(strstr(rs(fx->resp, "warning"), "broad"));

    assert_int_equal(run(fx, "{\"op\":\"ip.list\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "ip_rules")), 3);
    assert_int_equal(run(fx, "{\"op\":\"ip.list\",\"action\":\"block\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "ip_rules")), 1);
    expect_err(fx, run(fx, "{\"op\":\"ip.list\",\"action\":\"deny\"}"), -EINVAL,
               "bad_request", "action", NULL);

    assert_int_equal(run(fx, "{\"op\":\"ip.rm\",\"net\":\"41.202.0.0 "
                             "255.255.0.0\"}"),
                     0);
    assert_string_equal(rs(fx->resp, "net"), "41.202.0.0/16");
    assert_string_equal(rs(fx->resp, "action"), "block");
    expect_err(fx, run(fx, "{\"op\":\"ip.rm\",\"net\":\"41.202.0.0/16\"}"),
               -ENOENT, "not_found", "net", NULL);
}

static void ip_bad_input_names_the_field(void **state)
{
    struct fx *fx = *state;
    expect_err(fx, run(fx, "{\"op\":\"ip.block\",\"net\":\"example.com\"}"),
               -EINVAL, "bad_request", "net", "net:");
    expect_err(fx,
               run(fx, "{\"op\":\"ip.block\",\"net\":\"1.2.0.0 255.0.255.0\"}"),
               -EINVAL, "bad_request", "net", "contiguous");
    expect_err(fx, run(fx, "{\"op\":\"ip.block\"}"), -EINVAL, "bad_request",
               "net", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"ip.allow\",\"net\":\"1.2.3.4\","
                       "\"description\":\"a\\u0001b\"}"),
               -EINVAL, "bad_request", "description", NULL);
    expect_err(fx, run(fx, "{\"op\":\"ip.allow\",\"net\":\"1.2.3.4\",\"x\":1}"),
               -EINVAL, "bad_request", "x", NULL);
    /* client_ip is a member of ip.block only. */
    expect_err(fx,
               run(fx, "{\"op\":\"ip.allow\",\"net\":\"1.2.3.4\","
                       "\"client_ip\":\"1.2.3.4\"}"),
               -EINVAL, "bad_request", "client_ip", NULL);
    assert_int_equal(fx->n_changes, 0);
}

static void ip_block_refuses_own_and_client(void **state)
{
    struct fx *fx = *state;
    /* Loopback is one of this machine's addresses. */
    expect_err(fx, run(fx, "{\"op\":\"ip.block\",\"net\":\"127.0.0.0/8\"}"),
               -EINVAL, "policy", "net", "this server");
    expect_err(fx, run(fx, "{\"op\":\"ip.block\",\"net\":\"0.0.0.0/0\"}"),
               -EINVAL, "policy", "net", NULL);
    fx->ctx.client_ip = "198.51.100.7";
    expect_err(fx,
               run(fx, "{\"op\":\"ip.block\",\"net\":\"198.51.100.0 "
                       "255.255.255.0\"}"),
               -EINVAL, "policy", "net", "198.51.100.7");
    fx->ctx.client_ip = NULL;
    expect_err(fx,
               run(fx, "{\"op\":\"ip.block\",\"net\":\"198.51.100.0/24\","
                       "\"client_ip\":\"198.51.100.9\"}"),
               -EINVAL, "policy", "net", "connected from");
    assert_int_equal(fx->n_changes, 0);
    /* Allowing them is fine. */
    assert_int_equal(run(fx, "{\"op\":\"ip.allow\",\"net\":\"127.0.0.1\"}"), 0);
    assert_int_equal(run(fx, "{\"op\":\"ip.block\",\"net\":\"198.51.100.0/24\","
                             "\"client_ip\":\"203.0.113.1\"}"),
                     0);
}

/* ---- bans ---- */

static void put_ban(struct fx *fx, const char *net, int64_t expires)
{
    struct store_ban b = { 0 };
    snprintf(b.net, sizeof(b.net), "%s", net);
    snprintf(b.reason, sizeof(b.reason), "auth_failures");
    b.threshold = 50;
    b.count = 51;
    b.window_s = 60;
    b.created_at = 1700000000 - 10;
    b.expires_at = expires;
    snprintf(b.user_agent, sizeof(b.user_agent), "bad\xff");
    assert_int_equal(store_ban_put(fx->st, &b), 0);
}

static void ban_list_why_lift(void **state)
{
    struct fx *fx = *state;
    put_ban(fx, "203.0.113.9/32", 1700003600);
    put_ban(fx, "2001:db8:1:2::/64", 1700000600);
    put_ban(fx, "192.0.2.1/32", 1699999999); /* expired */
    assert_int_equal(run(fx, "{\"op\":\"ban.list\"}"), 0);
    json_t *bans = json_object_get(fx->resp, "bans");
    assert_int_equal(json_array_size(bans), 2);
    json_t *b0 = json_array_get(bans, 0);
    assert_string_equal(rs(b0, "user_agent"), "bad?");
    assert_int_equal(json_integer_value(json_object_get(b0, "expires_in")) > 0,
                     1);

    assert_int_equal(run(fx, "{\"op\":\"ban.why\",\"net\":\"203.0.113.9\"}"),
                     0);
    json_t *b = json_object_get(fx->resp, "ban");
    assert_string_equal(rs(b, "reason"), "auth_failures");
    assert_int_equal(json_integer_value(json_object_get(b, "count")), 51);
    /* An address inside a banned /64. */
    assert_int_equal(
        run(fx, "{\"op\":\"ban.why\",\"net\":\"2001:db8:1:2::77\"}"), 0);
    assert_string_equal(rs(json_object_get(fx->resp, "ban"), "net"),
                        "2001:db8:1:2::/64");
    expect_err(fx, run(fx, "{\"op\":\"ban.why\",\"net\":\"192.0.2.1\"}"),
               -ENOENT, "not_found", "net", "not banned");

    assert_int_equal(
        run(fx, "{\"op\":\"ban.lift\",\"net\":\"2001:db8:1:2::77\"}"), 0);
    assert_string_equal(rs(fx->resp, "net"), "2001:db8:1:2::/64");
    assert_false(json_is_true(json_object_get(fx->resp, "whitelisted")));
    assert_string_equal(fx->last_op, "ban.lift");
    assert_string_equal(rs(fx->last_req, "net"), "2001:db8:1:2::/64");
    expect_err(fx,
               run(fx, "{\"op\":\"ban.lift\",\"net\":\"2001:db8:1:2::/64\"}"),
               -ENOENT, "not_found", "net", NULL);
    assert_int_equal(run(fx, "{\"op\":\"ip.list\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "ip_rules")), 0);
}

static void ban_lift_whitelist(void **state)
{
    struct fx *fx = *state;
    put_ban(fx, "203.0.113.9/32", 1700003600);
    put_ban(fx, "203.0.113.10/32", 1700003600);
    expect_err(fx,
               run(fx, "{\"op\":\"ban.lift\",\"net\":\"203.0.113.9\","
                       "\"description\":\"x\"}"),
               -EINVAL, "bad_request", "description", NULL);
    assert_int_equal(run(fx, "{\"op\":\"ban.lift\",\"net\":\"203.0.113.9\","
                             "\"whitelist\":true,\"description\":\"our PBX\"}"),
                     0);
    assert_true(json_is_true(json_object_get(fx->resp, "whitelisted")));
    assert_int_equal(run(fx, "{\"op\":\"ip.list\",\"action\":\"allow\"}"), 0);
    json_t *rules = json_object_get(fx->resp, "ip_rules");
    assert_int_equal(json_array_size(rules), 1);
    assert_string_equal(rs(json_array_get(rules, 0), "net"), "203.0.113.9/32");
    assert_string_equal(rs(json_array_get(rules, 0), "description"), "our PBX");
    assert_int_equal(run(fx, "{\"op\":\"ban.list\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "bans")), 1);

    /* The allow entry cannot be added (blocked network): the ban stays. */
    assert_int_equal(run(fx, "{\"op\":\"ip.block\",\"net\":\"203.0.113.10\"}"),
                     0);
    expect_err(fx,
               run(fx, "{\"op\":\"ban.lift\",\"net\":\"203.0.113.10\","
                       "\"whitelist\":true}"),
               -EEXIST, "exists", "net", "block list");
    assert_int_equal(run(fx, "{\"op\":\"ban.list\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "bans")), 1);
}

static int hook_bans(void *ud, json_t **out)
{
    (void)ud;
    *out =
        json_pack("[{s:s, s:s}]", "net", "192.0.2.55/32", "reason", "l1_rate");
    return 0;
}

static void ban_lift_from_daemon_memory(void **state)
{
    struct fx *fx = *state;
    fx->hooks.ban_list = hook_bans;
    assert_int_equal(run(fx, "{\"op\":\"ban.list\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "bans")), 1);
    /* Not in the store yet: lifting still works and is notified. */
    assert_int_equal(run(fx, "{\"op\":\"ban.lift\",\"net\":\"192.0.2.55\","
                             "\"whitelist\":true}"),
                     0);
    assert_string_equal(rs(fx->last_req, "net"), "192.0.2.55/32");
    assert_int_equal(run(fx, "{\"op\":\"ip.list\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "ip_rules")), 1);
}

/* ---- User-Agent ---- */

static void ua_seeded_once_removal_sticks(void **state)
{
    struct fx *fx = *state;
    size_t n_def = 0;
    const char *const *defs = sec_ua_defaults(&n_def);
    assert_true(n_def > 0);
    assert_int_equal(run(fx, "{\"op\":\"ua.list\"}"), 0);
    size_t n = json_array_size(json_object_get(fx->resp, "ua_rules"));
    assert_true(n > 0 && n <= n_def);
    char req[256];
    snprintf(req, sizeof(req), "{\"op\":\"ua.rm\",\"pattern\":\"%s\"}",
             defs[0]);
    assert_int_equal(run(fx, req), 0);
    assert_int_equal(run(fx, "{\"op\":\"ua.add\",\"pattern\":\"EvilDialer\"}"),
                     0);
    assert_string_equal(rs(json_object_get(fx->resp, "ua_rule"), "pattern"),
                        "EvilDialer");
    expect_err(fx, run(fx, "{\"op\":\"ua.add\",\"pattern\":\"evildialer\"}"),
               -EEXIST, "exists", "pattern", NULL);
    expect_err(fx, run(fx, "{\"op\":\"ua.add\",\"pattern\":\" lead\"}"),
               -EINVAL, "bad_request", "pattern", NULL);
    expect_err(fx, run(fx, "{\"op\":\"ua.rm\",\"pattern\":\"nope\"}"), -ENOENT,
               "not_found", "pattern", NULL);
    /* Re-running ops does not re-seed the removed default. */
    assert_int_equal(run(fx, "{\"op\":\"ua.list\"}"), 0);
    json_t *arr = json_object_get(fx->resp, "ua_rules");
    assert_int_equal(json_array_size(arr), n);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        assert_true(strcasecmp(rs(v, "pattern"), defs[0]) != 0);
    }
}

/* ---- GeoIP ---- */

static void geo_allow_list_rm(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(run(fx, "{\"op\":\"geo.list\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "geo_rules")),
                     0);
    assert_int_equal(run(fx, "{\"op\":\"geo.allow\",\"country\":\"ng\"}"), 0);
    assert_string_equal(rs(fx->resp, "country"), "NG");
    expect_err(fx, run(fx, "{\"op\":\"geo.allow\",\"country\":\"NG\"}"),
               -EEXIST, "exists", "country", NULL);
    expect_err(fx, run(fx, "{\"op\":\"geo.allow\",\"country\":\"NGA\"}"),
               -EINVAL, "bad_request", "country", "two-letter");
    expect_err(fx, run(fx, "{\"op\":\"geo.allow\",\"country\":\"\\u00e9e\"}"),
               -EINVAL, "bad_request", "country", NULL);
    assert_int_equal(run(fx, "{\"op\":\"geo.list\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "geo_rules")),
                     1);
    assert_int_equal(run(fx, "{\"op\":\"geo.rm\",\"country\":\"Ng\"}"), 0);
    expect_err(fx, run(fx, "{\"op\":\"geo.rm\",\"country\":\"NG\"}"), -ENOENT,
               "not_found", "country", NULL);
}

/* ---- rate rules ---- */

static void rate_add_list_rm(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(run(fx, "{\"op\":\"rate.add\",\"net\":\"10.0.0.0 "
                             "255.0.0.0\",\"method\":\"register\",\"rate\":15,"
                             "\"period_s\":60,\"burst\":4}"),
                     0);
    json_t *r = json_object_get(fx->resp, "rate_rule");
    assert_string_equal(rs(r, "net"), "10.0.0.0/8");
    assert_string_equal(rs(r, "method"), "REGISTER");
    assert_int_equal(json_integer_value(json_object_get(r, "burst")), 4);
    /* Burst defaults to the rate... */
    assert_int_equal(run(fx, "{\"op\":\"rate.add\",\"net\":\"10.0.0.0/8\","
                             "\"method\":\"*\",\"rate\":100,\"period_s\":60}"),
                     0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(fx->resp, "rate_rule"), "burst")),
                     100);
    /* ...capped to six hours of refill. */
    assert_int_equal(run(fx, "{\"op\":\"rate.add\",\"net\":\"10.0.0.0/8\","
                             "\"method\":\"INVITE\",\"rate\":8,"
                             "\"period_s\":86400}"),
                     0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(fx->resp, "rate_rule"), "burst")),
                     2);
    expect_err(fx,
               run(fx, "{\"op\":\"rate.add\",\"net\":\"10.0.0.0/8\","
                       "\"method\":\"REGISTER\",\"rate\":1,\"period_s\":1}"),
               -EEXIST, "exists", "method", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"rate.add\",\"net\":\"10.0.0.0/8\","
                       "\"method\":\"OPTIONS\",\"rate\":0,\"period_s\":1}"),
               -EINVAL, "bad_request", "rate", "1..");
    expect_err(fx,
               run(fx, "{\"op\":\"rate.add\",\"net\":\"10.0.0.0/8\","
                       "\"method\":\"OPTIONS\",\"rate\":\"5\",\"period_s\":1}"),
               -EINVAL, "bad_request", "rate", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"rate.add\",\"net\":\"10.0.0.0/8\","
                       "\"method\":\"OPTIONS\",\"rate\":5,\"period_s\":86401}"),
               -EINVAL, "bad_request", "period_s", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"rate.add\",\"net\":\"10.0.0.0/8\","
                       "\"method\":\"OPT IONS\",\"rate\":5,\"period_s\":1}"),
               -EINVAL, "bad_request", "method", NULL);
    expect_err(fx,
               run(fx, "{\"op\":\"rate.add\",\"net\":\"10.0.0.0/8\","
                       "\"method\":\"OPTIONS\",\"rate\":1,\"period_s\":86400,"
                       "\"burst\":1000}"),
               -EINVAL, "bad_request", "burst", "6 hours");
    assert_int_equal(run(fx, "{\"op\":\"rate.list\"}"), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "rate_rules")),
                     3);
    assert_int_equal(run(fx, "{\"op\":\"rate.rm\",\"net\":\"10.0.0.0/8\","
                             "\"method\":\"Register\"}"),
                     0);
    expect_err(fx,
               run(fx, "{\"op\":\"rate.rm\",\"net\":\"10.0.0.0/8\","
                       "\"method\":\"REGISTER\"}"),
               -ENOENT, "not_found", NULL, NULL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(security_show_and_set),
        T(settings_load_skips_bad_rows),
        T(ip_allow_block_list_rm),
        T(ip_bad_input_names_the_field),
        T(ip_block_refuses_own_and_client),
        T(ban_list_why_lift),
        T(ban_lift_whitelist),
        T(ban_lift_from_daemon_memory),
        T(ua_seeded_once_removal_sticks),
        T(geo_allow_list_rm),
        T(rate_add_list_rm),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
