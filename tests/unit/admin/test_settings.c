/* SPDX-License-Identifier: Apache-2.0 */
/* The admin plane's run-time settings: text forms and ranges of every
 * setting, the configuration check reading the same table, loading the
 * "admin.*" rows, the audited change with its lock-out guard, and the
 * once-a-second pick-up of changes made by another process. */
#include "admin_fx.h"

#include "admin/audit.h"
#include "admin/settings.h"

static struct admin_setting_err err;

static int parse(struct admin_config *cfg, const char *key, const char *text)
{
    memset(&err, 0, sizeof(err));
    return admin_setting_parse(cfg, key, text, &err);
}

static const char *fmt(const struct admin_config *cfg, const char *key)
{
    static char buf[ADMIN_SETTING_TEXT_CAP];
    assert_int_equal(admin_setting_format(cfg, key, buf, sizeof(buf)), 0);
    return buf;
}

static void numbers_and_their_ranges(void **state)
{
    (void)state;
    struct admin_config cfg;
    size_t n = 0;
    const struct admin_setting_info *info = admin_settings_info(&n);
    admin_config_defaults(&cfg);
    assert_int_equal(n, 11);
    for (size_t i = 0; i < n; i++) {
        char text[32];
        if (info[i].kind != ADMIN_SETTING_UINT) {
            continue;
        }
        /* Both ends are accepted and read back. */
        snprintf(text, sizeof(text), "%u", info[i].lo);
        assert_int_equal(parse(&cfg, info[i].key, text), 0);
        assert_string_equal(fmt(&cfg, info[i].key), text);
        assert_null(admin_settings_range_error(&cfg));
        snprintf(text, sizeof(text), "%u", info[i].hi);
        assert_int_equal(parse(&cfg, info[i].key, text), 0);
        assert_string_equal(fmt(&cfg, info[i].key), text);
        /* One past either end is refused, naming the setting, and the
         * field keeps its value. */
        snprintf(text, sizeof(text), "%llu",
                 (unsigned long long)info[i].hi + 1);
        assert_int_equal(parse(&cfg, info[i].key, text), -EINVAL);
        assert_string_equal(err.rule, "range");
        assert_non_null(strstr(err.message, info[i].key));
        if (info[i].lo > 0) {
            snprintf(text, sizeof(text), "%u", info[i].lo - 1);
            assert_int_equal(parse(&cfg, info[i].key, text), -EINVAL);
            assert_string_equal(err.rule, "range");
        }
        assert_int_equal(parse(&cfg, info[i].key, "-5"), -EINVAL);
        assert_string_equal(err.rule, "range");
        assert_int_equal(parse(&cfg, info[i].key, "12x"), -EINVAL);
        assert_string_equal(err.rule, "integer");
        assert_int_equal(parse(&cfg, info[i].key, ""), -EINVAL);
        assert_string_equal(err.rule, "integer");
        assert_int_equal(parse(&cfg, info[i].key, "99999999999999999999"),
                         -EINVAL);
        assert_string_equal(err.rule, "range");
        snprintf(text, sizeof(text), "%u", info[i].hi);
        assert_string_equal(fmt(&cfg, info[i].key), text);
    }
    assert_int_equal(parse(&cfg, "session_idle_s", "600"), 0);
    assert_int_equal(cfg.session_idle_s, 600);
    assert_int_equal(parse(&cfg, "session_idle_s", "59"), -EINVAL);
    assert_int_equal(cfg.session_idle_s, 600);
    assert_string_equal(err.message, "session_idle_s must be 60..86400");
    assert_int_equal(parse(&cfg, "no_such", "1"), -ENOENT);
    assert_string_equal(err.rule, "unknown");
    assert_int_equal(parse(&cfg, NULL, "1"), -ENOENT);
}

static void check_reads_the_table(void **state)
{
    (void)state;
    struct admin_config cfg;
    const char *why = NULL;
    admin_config_defaults(&cfg);
    assert_int_equal(admin_config_check(&cfg, &why), 0);
    assert_null(why);
    cfg.audit_max_days = 3651;
    assert_int_equal(admin_config_check(&cfg, &why), -EINVAL);
    assert_string_equal(why, "audit_max_days must be 0..3650");
    admin_config_defaults(&cfg);
    cfg.session_absolute_s = 299;
    assert_int_equal(admin_config_check(&cfg, &why), -EINVAL);
    assert_string_equal(why, "session_absolute_s must be 300..604800");
    admin_config_defaults(&cfg);
    cfg.throttle_cap = 1;
    assert_int_equal(admin_config_check(&cfg, &why), -EINVAL);
    assert_string_equal(why, "throttle_cap must be 16..1048576");
    admin_config_defaults(&cfg);
    assert_false(cfg.require_2fa);
}

static void booleans(void **state)
{
    (void)state;
    struct admin_config cfg;
    admin_config_defaults(&cfg);
    static const char *const yes[] = { "true", "1", "yes", "ON", "True" };
    static const char *const no[] = { "false", "0", "no", "off" };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        cfg.require_2fa = false;
        assert_int_equal(parse(&cfg, "require_2fa", yes[i]), 0);
        assert_true(cfg.require_2fa);
        assert_string_equal(fmt(&cfg, "require_2fa"), "true");
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        cfg.require_2fa = true;
        assert_int_equal(parse(&cfg, "require_2fa", no[i]), 0);
        assert_false(cfg.require_2fa);
        assert_string_equal(fmt(&cfg, "require_2fa"), "false");
    }
    cfg.require_2fa = true;
    assert_int_equal(parse(&cfg, "require_2fa", "maybe"), -EINVAL);
    assert_string_equal(err.rule, "boolean");
    assert_true(cfg.require_2fa);
}

static void networks(void **state)
{
    (void)state;
    struct admin_config cfg;
    admin_config_defaults(&cfg);
    assert_string_equal(fmt(&cfg, "allowed_networks"), "");
    assert_int_equal(
        parse(&cfg, "allowed_networks", "10.1.2.3/8, 2001:db8::/32 192.0.2.7"),
        0);
    assert_int_equal(cfg.n_allowed_nets, 3);
    assert_string_equal(fmt(&cfg, "allowed_networks"),
                        "10.0.0.0/8,2001:db8::/32,192.0.2.7/32");
    /* The canonical text reads back to the same list. */
    struct admin_config again;
    admin_config_defaults(&again);
    assert_int_equal(
        parse(&again, "allowed_networks", fmt(&cfg, "allowed_networks")), 0);
    assert_string_equal(fmt(&again, "allowed_networks"),
                        "10.0.0.0/8,2001:db8::/32,192.0.2.7/32");
    json_t *j =
        admin_setting_json(&cfg, admin_setting_find("allowed_networks"));
    assert_int_equal(json_array_size(j), 3);
    assert_string_equal(json_string_value(json_array_get(j, 1)),
                        "2001:db8::/32");
    json_decref(j);
    /* A bad network refuses the whole list. */
    assert_int_equal(parse(&cfg, "allowed_networks", "10.0.0.0/8,300.1.1.1"),
                     -EINVAL);
    assert_string_equal(err.rule, "network");
    assert_non_null(strstr(err.message, "300.1.1.1"));
    assert_int_equal(cfg.n_allowed_nets, 3);
    /* At most 64. */
    char many[65 * 16] = "";
    for (int i = 0; i < 65; i++) {
        char one[32];
        snprintf(one, sizeof(one), "10.0.%d.0/24,", i);
        strncat(many, one, sizeof(many) - strlen(many) - 1);
    }
    assert_int_equal(parse(&cfg, "allowed_networks", many), -EINVAL);
    assert_string_equal(err.rule, "too_many");
    many[strlen(many) - strlen("10.0.64.0/24,")] = '\0';
    assert_int_equal(parse(&cfg, "allowed_networks", many), 0);
    assert_int_equal(cfg.n_allowed_nets, 64);
    char full[ADMIN_SETTING_TEXT_CAP];
    assert_int_equal(
        admin_setting_format(&cfg, "allowed_networks", full, sizeof(full)), 0);
    assert_int_equal(admin_setting_format(&cfg, "allowed_networks", full, 20),
                     -ENOSPC);
    /* Empty, blank or "none": anywhere. */
    assert_int_equal(parse(&cfg, "allowed_networks", " , "), 0);
    assert_int_equal(cfg.n_allowed_nets, 0);
    assert_int_equal(parse(&cfg, "allowed_networks", "192.0.2.0/24"), 0);
    assert_int_equal(parse(&cfg, "allowed_networks", "none"), 0);
    assert_int_equal(cfg.n_allowed_nets, 0);
}

static void json_of_all(void **state)
{
    (void)state;
    struct admin_config cfg;
    admin_config_defaults(&cfg);
    json_t *o = admin_settings_json(&cfg);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 11);
    assert_int_equal(json_integer_value(json_object_get(o, "session_idle_s")),
                     900);
    assert_int_equal(json_integer_value(json_object_get(o, "audit_max_rows")),
                     100000);
    assert_true(json_is_false(json_object_get(o, "require_2fa")));
    assert_true(json_is_array(json_object_get(o, "allowed_networks")));
    json_decref(o);
}

static void load_stored_rows(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_config cfg;
    char why[256];
    admin_config_defaults(&cfg);
    assert_int_equal(admin_settings_load(fx->st, &cfg, why, sizeof(why)), 0);
    assert_string_equal(why, "");
    assert_int_equal(cfg.session_idle_s, 900);
    assert_int_equal(
        store_setting_set(fx->st, "admin.session_idle_s", "1200", FX_T0), 0);
    assert_int_equal(
        store_setting_set(fx->st, "admin.require_2fa", "true", FX_T0), 0);
    assert_int_equal(store_setting_set(fx->st, "admin.allowed_networks",
                                       "192.0.2.0/24,2001:db8::/48", FX_T0),
                     0);
    /* The shield's rows are not ours. */
    assert_int_equal(store_setting_set(fx->st, "l1_pps", "700", FX_T0), 0);
    assert_int_equal(admin_settings_load(fx->st, &cfg, why, sizeof(why)), 0);
    assert_int_equal(cfg.session_idle_s, 1200);
    assert_true(cfg.require_2fa);
    assert_int_equal(cfg.n_allowed_nets, 2);
    /* A bad row is skipped, named, and the value kept. */
    assert_int_equal(
        store_setting_set(fx->st, "admin.login_block_s", "5", FX_T0), 0);
    assert_int_equal(store_setting_set(fx->st, "admin.bogus", "1", FX_T0), 0);
    admin_config_defaults(&cfg);
    assert_int_equal(admin_settings_load(fx->st, &cfg, why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "admin."));
    assert_int_equal(cfg.login_block_s, 900);
    assert_int_equal(cfg.session_idle_s, 1200);
}

static void change_audited(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_actor who = { .name = "root", .client_ip = "192.0.2.1" };
    struct admin_setting_err e;
    char text[64];
    assert_int_equal(
        admin_setting_change(&fx->ctx, &who, "session_idle_s", "600", NULL, &e),
        0);
    assert_int_equal(fx->ctx.cfg.session_idle_s, 600);
    assert_int_equal(
        store_setting_get(fx->st, "admin.session_idle_s", text, sizeof(text)),
        0);
    assert_string_equal(text, "600");
    /* Out of range: nothing stored, applied or audited. */
    assert_int_equal(
        admin_setting_change(&fx->ctx, &who, "session_idle_s", "5", NULL, &e),
        -EINVAL);
    assert_string_equal(e.rule, "range");
    assert_int_equal(fx->ctx.cfg.session_idle_s, 600);
    assert_int_equal(
        admin_setting_change(&fx->ctx, &who, "nope", "5", NULL, &e), -ENOENT);
    assert_int_equal(fx_audit_count(fx, "admin.settings.set", NULL), 1);
    /* The entry has the old and the new value, even for a name a secret
     * filter would catch ("token"). */
    assert_int_equal(admin_setting_change(&fx->ctx, &who, "api_token_max_s",
                                          "7200", NULL, &e),
                     0);
    struct store_audit_filter f = { .action_prefix = "admin.settings.set",
                                    .limit = 1 };
    struct fx_buf out = { 0 };
    assert_int_equal(
        admin_audit_export(&fx->ctx, &f, ADMIN_AUDIT_JSONL, fx_sink, &out), 0);
    assert_non_null(strstr(out.b, "api_token_max_s"));
    assert_non_null(strstr(out.b, "7776000"));
    assert_non_null(strstr(out.b, "7200"));
    assert_non_null(strstr(out.b, "192.0.2.1"));
    assert_null(strstr(out.b, "redacted"));
}

static void lockout_refused(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_actor who = { .name = "root" };
    struct admin_setting_err e;
    struct net_addr me = fx_addr("203.0.113.9");
    struct net_addr me6 = fx_addr("2001:db8::5");
    assert_int_equal(admin_setting_change(&fx->ctx, &who, "allowed_networks",
                                          "10.0.0.0/8", &me, &e),
                     -EACCES);
    assert_string_equal(e.rule, "lockout");
    assert_int_equal(fx->ctx.cfg.n_allowed_nets, 0);
    assert_int_equal(fx_audit_count(fx, "admin.settings.set", NULL), 0);
    assert_int_equal(admin_setting_change(&fx->ctx, &who, "allowed_networks",
                                          "10.0.0.0/8,203.0.113.0/24", &me, &e),
                     0);
    assert_int_equal(fx->ctx.cfg.n_allowed_nets, 2);
    /* From an IPv6 address, the list must hold an IPv6 network for it. */
    assert_int_equal(admin_setting_change(&fx->ctx, &who, "allowed_networks",
                                          "203.0.113.0/24", &me6, &e),
                     -EACCES);
    assert_int_equal(admin_setting_change(&fx->ctx, &who, "allowed_networks",
                                          "2001:db8::/64", &me6, &e),
                     0);
    /* Lifting the restriction never locks anyone out; the CLI (no
     * caller) is not guarded. */
    assert_int_equal(
        admin_setting_change(&fx->ctx, &who, "allowed_networks", "", &me, &e),
        0);
    assert_int_equal(admin_setting_change(&fx->ctx, &who, "allowed_networks",
                                          "10.0.0.0/8", NULL, &e),
                     0);
    /* Other settings are not checked against the caller. */
    assert_int_equal(
        admin_setting_change(&fx->ctx, &who, "login_block_s", "60", &me, &e),
        0);
}

static void refresh_picks_up_other_writers(void **state)
{
    struct admin_fx *fx = *state;
    struct store *other = NULL;
    assert_int_equal(store_open(fx->dir.path, &other, fx->err, sizeof(fx->err)),
                     0);
    assert_int_equal(admin_settings_refresh(&fx->ctx), 0);
    assert_int_equal(
        store_setting_set(other, "admin.login_max_failures", "7", FX_T0), 0);
    /* The first request after the other writer's commit sees it. */
    assert_int_equal(admin_settings_refresh(&fx->ctx), 1);
    assert_int_equal(fx->ctx.cfg.login_max_failures, 7);
    /* Nothing committed elsewhere: nothing read, nothing applied. */
    assert_int_equal(admin_settings_refresh(&fx->ctx), 0);
    /* This handle's own writes do not count (applied in place). */
    assert_int_equal(
        store_setting_set(fx->st, "admin.login_block_s", "60", FX_T0), 0);
    assert_int_equal(admin_settings_refresh(&fx->ctx), 0);
    assert_int_equal(
        store_setting_set(other, "admin.require_2fa", "yes", FX_T0), 0);
    assert_int_equal(admin_settings_refresh(&fx->ctx), 1);
    assert_true(fx->ctx.cfg.require_2fa);
    /* A bad row from elsewhere does not spoil the rest. */
    assert_int_equal(
        store_setting_set(other, "admin.session_idle_s", "1", FX_T0), 0);
    assert_int_equal(store_setting_set(other, "admin.pw_history", "9", FX_T0),
                     0);
    assert_int_equal(admin_settings_refresh(&fx->ctx), 1);
    assert_int_equal(fx->ctx.cfg.session_idle_s, 900);
    assert_int_equal(fx->ctx.cfg.pw_history, 9);
    store_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_and_their_ranges),
        cmocka_unit_test(check_reads_the_table),
        cmocka_unit_test(booleans),
        cmocka_unit_test(networks),
        cmocka_unit_test(json_of_all),
        cmocka_unit_test_setup_teardown(load_stored_rows, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(change_audited, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(lockout_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(refresh_picks_up_other_writers,
                                        fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
