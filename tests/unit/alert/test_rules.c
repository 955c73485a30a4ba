/* SPDX-License-Identifier: Apache-2.0 */
/* Alert rules: each trigger fires at its threshold and not below it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alert/rules.h"
#include "sec/detect.h"

#define T0 1800000000

static struct sec_evlog_entry ev(enum sec_ev kind, int64_t at, const char *addr,
                                 const char *detail)
{
    struct sec_evlog_entry e;
    memset(&e, 0, sizeof(e));
    e.ev = kind;
    e.at = at;
    snprintf(e.addr, sizeof(e.addr), "%s", addr);
    snprintf(e.detail, sizeof(e.detail), "%s", detail);
    return e;
}

static void rules_default(struct alert_rules *r, uint32_t spike)
{
    struct alert_rules_cfg cfg = { .ban_rules = alert_rules_ban_default(),
                                   .login_fail_spike = spike };
    alert_rules_init(r, &cfg);
}

static void field_parsing(void **state)
{
    (void)state;
    char v[64];
    const char *f = "net=10.0.0.5/32 reason=ua_blacklist ua=\"friendly "
                    "\\\"scanner\\\"\" count=3";
    assert_true(alert_field_get(f, "net", v, sizeof(v)));
    assert_string_equal(v, "10.0.0.5/32");
    assert_true(alert_field_get(f, "ua", v, sizeof(v)));
    assert_string_equal(v, "friendly \\\"scanner\\\"");
    assert_true(alert_field_get(f, "count", v, sizeof(v)));
    assert_string_equal(v, "3");
    assert_false(alert_field_get(f, "reas", v, sizeof(v)));
    assert_false(alert_field_get(f, "missing", v, sizeof(v)));
    /* an escaped backslash before the closing quote ends the value */
    assert_true(alert_field_get("ua=\"a\\\\\" rule=x", "rule", v, sizeof(v)));
    assert_string_equal(v, "x");
    /* a key inside a quoted value is not a field */
    assert_false(alert_field_get("ua=\"x rule=1\"", "rule", v, sizeof(v)));
}

static void ban_rules_parse(void **state)
{
    (void)state;
    uint32_t m = 0;
    char err[96];
    assert_int_equal(alert_rules_ban_parse("", &m, err, sizeof(err)), 0);
    assert_int_equal(m, alert_rules_ban_default());
    assert_false(m & (1u << SEC_REASON_L1_RATE));
    assert_false(m & (1u << SEC_REASON_L2_RATE));
    assert_false(m & (1u << SEC_REASON_TRUSTED_RATE));
    assert_true(m & (1u << SEC_REASON_UA_BLACKLIST));
    assert_true(m & (1u << SEC_REASON_WEB_LOGIN));
    assert_int_equal(alert_rules_ban_parse("all", &m, err, sizeof(err)), 0);
    assert_true(m & (1u << SEC_REASON_L1_RATE));
    assert_int_equal(alert_rules_ban_parse("none", &m, err, sizeof(err)), 0);
    assert_int_equal(m, 0);
    assert_int_equal(alert_rules_ban_parse("ua_blacklist, auth_failures", &m,
                                           err, sizeof(err)),
                     0);
    assert_int_equal(m, (1u << SEC_REASON_UA_BLACKLIST)
                            | (1u << SEC_REASON_AUTH_FAILURES));
    assert_int_equal(
        alert_rules_ban_parse("ua_blacklist bogus", &m, err, sizeof(err)),
        -EINVAL);
    assert_non_null(strstr(err, "bogus"));
}

static void ban_of_note_fires(void **state)
{
    (void)state;
    struct alert_rules r;
    struct alert a;
    rules_default(&r, 10);
    struct sec_evlog_entry e =
        ev(SEC_EV_BAN, T0, "127.0.0.5",
           "net=127.0.0.5/32 reason=ua_blacklist threshold=1 count=1 "
           "window_s=60 ban_s=600 expires=1 method=OPTIONS ruri=\"sip:x\" "
           "from_user=\"100\" ua=\"friendly-scanner\"");
    assert_int_equal(alert_rules_event(&r, &e, &a), 1);
    assert_int_equal(a.kind, ALERT_BAN);
    assert_int_equal(a.at, T0);
    assert_string_equal(a.key, "127.0.0.5/32");
    assert_string_equal(alert_detail_get(&a, "address"), "127.0.0.5");
    assert_string_equal(alert_detail_get(&a, "rule"), "ua_blacklist");
    assert_string_equal(alert_detail_get(&a, "user_agent"), "friendly-scanner");
    assert_non_null(strstr(a.summary, "127.0.0.5"));
}

static void packet_rate_ban_is_not_of_note(void **state)
{
    (void)state;
    struct alert_rules r;
    struct alert a;
    rules_default(&r, 10);
    struct sec_evlog_entry e = ev(SEC_EV_BAN, T0, "192.0.2.1",
                                  "net=192.0.2.1/32 reason=l1_rate count=900");
    assert_int_equal(alert_rules_event(&r, &e, &a), 0);
    e = ev(SEC_EV_BAN, T0, "192.0.2.1", "net=192.0.2.1/32 reason=bogus");
    assert_int_equal(alert_rules_event(&r, &e, &a), 0);
    /* other kinds of events are not alerts */
    e = ev(SEC_EV_UA_MATCH, T0, "192.0.2.1", "ua=\"x\"");
    assert_int_equal(alert_rules_event(&r, &e, &a), 0);
}

static void fraud_events_fire(void **state)
{
    (void)state;
    struct alert_rules r;
    struct alert a;
    rules_default(&r, 10);
    struct sec_evlog_entry e =
        ev(SEC_EV_FRAUD_WARNING, T0, "",
           "user=100@a.test tenant=1 scope=extension metric=international "
           "window=3600 count=5 threshold=5");
    assert_int_equal(alert_rules_event(&r, &e, &a), 1);
    assert_int_equal(a.kind, ALERT_FRAUD);
    assert_int_equal(a.severity, ALERT_SEV_WARNING);
    assert_string_equal(alert_detail_get(&a, "user"), "100@a.test");
    assert_string_equal(alert_detail_get(&a, "metric"), "international");
    assert_string_equal(alert_detail_get(&a, "count"), "5");
    e.ev = SEC_EV_FRAUD_SUSPEND;
    assert_int_equal(alert_rules_event(&r, &e, &a), 1);
    assert_int_equal(a.severity, ALERT_SEV_CRITICAL);
    assert_string_equal(alert_detail_get(&a, "level"), "critical");
}

static void login_spike_threshold(void **state)
{
    (void)state;
    struct alert_rules r;
    struct alert a;
    rules_default(&r, 10);
    struct sec_evlog_entry e =
        ev(SEC_EV_LOGIN_FAILURE, T0, "127.0.0.7",
           "user=\"admin\" result=bad_credentials failures=1");
    for (int i = 0; i < 9; i++) {
        e.at = T0 + i;
        assert_int_equal(alert_rules_event(&r, &e, &a), 0);
    }
    e.at = T0 + 9;
    assert_int_equal(alert_rules_event(&r, &e, &a), 1);
    assert_int_equal(a.kind, ALERT_LOGIN_SPIKE);
    assert_string_equal(alert_detail_get(&a, "failures"), "10");
    assert_string_equal(alert_detail_get(&a, "last_address"), "127.0.0.7");
    /* counting starts afresh */
    e.at = T0 + 10;
    assert_int_equal(alert_rules_event(&r, &e, &a), 0);
}

static void login_spike_window_slides(void **state)
{
    (void)state;
    struct alert_rules r;
    struct alert a;
    rules_default(&r, 3);
    struct sec_evlog_entry e = ev(SEC_EV_LOGIN_FAILURE, T0, "203.0.113.1", "");
    /* 2 failures, then more than 5 minutes later 2 more: never 3 in 300 s */
    assert_int_equal(alert_rules_event(&r, &e, &a), 0);
    e.at = T0 + 1;
    assert_int_equal(alert_rules_event(&r, &e, &a), 0);
    e.at = T0 + 301;
    assert_int_equal(alert_rules_event(&r, &e, &a), 0);
    e.at = T0 + 302;
    assert_int_equal(alert_rules_event(&r, &e, &a), 0);
    /* a third within the window of the last two fires; other sources count */
    snprintf(e.addr, sizeof(e.addr), "198.51.100.9");
    e.at = T0 + 303;
    assert_int_equal(alert_rules_event(&r, &e, &a), 1);
    assert_string_equal(alert_detail_get(&a, "failures"), "3");
}

static void admin_new_address(void **state)
{
    (void)state;
    struct alert a;
    assert_int_equal(
        alert_rules_admin_login("admin", "127.0.0.6", T0, true, false, &a), 0);
    assert_int_equal(
        alert_rules_admin_login("admin", "127.0.0.6", T0, false, false, &a), 1);
    assert_int_equal(a.kind, ALERT_ADMIN_NEW_ADDR);
    assert_string_equal(a.key, "admin|127.0.0.6");
    assert_string_equal(alert_detail_get(&a, "account"), "admin");
    assert_string_equal(alert_detail_get(&a, "address"), "127.0.0.6");
    assert_string_equal(alert_detail_get(&a, "first_sign_in"), "no");
    assert_int_equal(alert_rules_admin_login("ops", "", T0, false, true, &a),
                     1);
    assert_string_equal(alert_detail_get(&a, "address"), "local");
    assert_string_equal(alert_detail_get(&a, "first_sign_in"), "yes");
    assert_int_equal(
        alert_rules_admin_login("", "10.0.0.1", T0, false, true, &a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(field_parsing),
        cmocka_unit_test(ban_rules_parse),
        cmocka_unit_test(ban_of_note_fires),
        cmocka_unit_test(packet_rate_ban_is_not_of_note),
        cmocka_unit_test(fraud_events_fire),
        cmocka_unit_test(login_spike_threshold),
        cmocka_unit_test(login_spike_window_slides),
        cmocka_unit_test(admin_new_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
