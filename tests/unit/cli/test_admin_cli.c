/* SPDX-License-Identifier: Apache-2.0 */
/* `admin-settings show|set` and `tenant policy` run offline on a temp
 * data directory: values and ranges, the audit entry of a change, what
 * the daemon would load, and the tenant password policy's ranges. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "admin/admin.h"
#include "admin/settings.h"
#include "store/admin.h"
#include "store/store.h"
/* Last: the fixture's has() is closed here. */
#include "cli_fx.h"

static void admin_settings_show_and_set(void **state)
{
    struct fx *fx = *state;
    /* Reading never creates a database. */
    assert_int_equal(cli(fx, "admin-settings", "show", NULL), 1);
    has(fx->err, "no database");
    assert_int_equal(cli(fx, "admin-settings", NULL), 2);
    has(fx->err, "usage: sipwarden admin-settings show");
    assert_int_equal(cli(fx, "admin-settings", "set", "session_idle_s", NULL),
                     2);
    has(fx->err, "set needs KEY and VALUE");

    setenv("SSH_CONNECTION", "198.51.100.4 50000 192.0.2.1 22", 1);
    assert_int_equal(
        cli(fx, "admin-settings", "set", "session_idle_s", "600", NULL), 0);
    has(fx->out, "admin setting session_idle_s = 600 (was 900)");
    assert_int_equal(cli(fx, "admin-settings", "set", "allowed_networks",
                         "10.0.0.0/8, 2001:db8::/32", NULL),
                     0);
    has(fx->out, "= 10.0.0.0/8,2001:db8::/32 (was none)");
    assert_int_equal(
        cli(fx, "admin-settings", "set", "require_2fa", "yes", NULL), 0);
    assert_int_equal(cli(fx, "admin-settings", "show", NULL), 0);
    has(fx->out, "KEY");
    has(fx->out, "session_idle_s");
    has(fx->out, "600");
    has(fx->out, "60..86400");
    has(fx->out, "10.0.0.0/8,2001:db8::/32");
    assert_int_equal(cli(fx, "admin-settings", "show", "--json", NULL), 0);
    has(fx->out, "\"require_2fa\": true");
    has(fx->out, "\"session_idle_s\": 600");

    /* Refusals name the setting and the rule; nothing changes. */
    assert_int_equal(
        cli(fx, "admin-settings", "set", "session_idle_s", "5", NULL), 1);
    has(fx->err, "session_idle_s must be 60..86400");
    assert_int_equal(cli(fx, "admin-settings", "set", "login_max_failures",
                         "many", "--json", NULL),
                     1);
    has(fx->out, "\"rule\": \"integer\"");
    has(fx->out, "\"field\": \"login_max_failures\"");
    assert_int_equal(cli(fx, "admin-settings", "set", "nope", "1", NULL), 1);
    has(fx->err, "no admin setting 'nope'");

    /* What the daemon loads, and who the audit log says did it. */
    struct store *st = NULL;
    char err[256];
    assert_int_equal(store_open(fx->data_dir, &st, err, sizeof(err)), 0);
    struct admin_config cfg;
    admin_config_defaults(&cfg);
    assert_int_equal(admin_settings_load(st, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.session_idle_s, 600);
    assert_int_equal(cfg.n_allowed_nets, 2);
    assert_true(cfg.require_2fa);
    uint64_t n = 0;
    struct store_audit_filter f = { .action_prefix = "admin.settings.set",
                                    .actor = "cli" };
    assert_int_equal(store_audit_count(st, &f, &n), 0);
    assert_int_equal(n, 3);
    store_close(st);
    unsetenv("SSH_CONNECTION");
}

static void tenant_password_policy(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);
    assert_int_equal(cli(fx, "tenant", "policy", "show", "example.com", NULL),
                     0);
    has(fx->out, "pw_min_len      8");
    assert_int_equal(cli(fx, "tenant", "policy", "example.com", "--min-len",
                         "12", "--classes", "4", "--expiry-days", "60",
                         "--history", "6", NULL),
                     0);
    has(fx->out, "pw_min_len      12");
    has(fx->out, "pw_classes      4");
    has(fx->out, "pw_expiry_days  60");
    has(fx->out, "pw_history      6");
    /* One member at a time keeps the others. */
    assert_int_equal(cli(fx, "tenant", "policy", "example.com", "--history",
                         "0", "--json", NULL),
                     0);
    has(fx->out, "\"pw_history\": 0");
    has(fx->out, "\"pw_min_len\": 12");
    static const char *const bad[][2] = {
        { "--min-len", "7" },      { "--min-len", "21" },
        { "--classes", "0" },      { "--classes", "5" },
        { "--expiry-days", "29" }, { "--expiry-days", "366" },
        { "--history", "25" },     { "--min-len", "ten" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cli(fx, "tenant", "policy", "example.com", bad[i][0],
                             bad[i][1], NULL),
                         1);
        has(fx->err, "must be a whole number in");
    }
    assert_int_equal(cli(fx, "tenant", "policy", "example.com", "--classes",
                         "9", "--json", NULL),
                     1);
    has(fx->out, "\"rule\": \"range\"");
    has(fx->out, "\"field\": \"pw_classes\"");
    assert_int_equal(cli(fx, "tenant", "policy", "example.com", NULL), 1);
    has(fx->err, "give at least one of");
    assert_int_equal(
        cli(fx, "tenant", "policy", "nowhere.test", "--history", "2", NULL), 1);
    assert_int_equal(cli(fx, "tenant", "policy", "show", "example.com", NULL),
                     0);
    has(fx->out, "pw_expiry_days  60");
    has(fx->out, "pw_history      0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(admin_settings_show_and_set, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(tenant_password_policy, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
