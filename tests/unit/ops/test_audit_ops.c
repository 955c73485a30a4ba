/* SPDX-License-Identifier: Apache-2.0 */
/* audit.run: refused without the caller's view, and run over the stored
 * shield and admin-plane settings (not the defaults) with the caller's
 * configuration and firewall probe. The items themselves are tested in
 * tests/unit/checklist. */
#include "ops_fx.h"

#include <errno.h>

#include "checklist/checklist.h"

static int probe_calls;

static int probe_loaded(void *ud, char *why, size_t cap)
{
    (void)ud;
    (void)why;
    (void)cap;
    probe_calls++;
    return 1;
}

/* The status of item 'id' in the last response. */
static const char *status_of(struct fx *fx, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(fx->resp, "items"), i, it)
    {
        if (strcmp(rs(it, "id"), id) == 0) {
            return rs(it, "status");
        }
    }
    fail_msg("no item %s", id);
    return NULL;
}

static void refused_without_view(void **state)
{
    struct fx *fx = *state;
    expect_err(fx, run(fx, "{\"op\":\"audit.run\"}"), -EINVAL, "policy", NULL,
               "sipwarden audit");
    struct checklist_conf conf = { .fw_svc_table = "sipwarden_fw" };
    struct checklist_ctx view = { .conf = &conf };
    fx->ctx.audit = &view;
    expect_err(fx, run(fx, "{\"op\":\"audit.run\",\"x\":1}"), -EINVAL,
               "bad_request", "x", NULL);
}

static void stored_settings_are_used(void **state)
{
    struct fx *fx = *state;
    struct checklist_conf conf = { .sip_tls = "*:15061",
                                   .http_listen = "*:8887",
                                   .fw_svc_table = "sipwarden_fw" };
    struct checklist_ctx view = { .conf = &conf, .fw_probe = probe_loaded };
    fx->ctx.audit = &view;
    probe_calls = 0;
    assert_int_equal(run(fx, "{\"op\":\"audit.run\"}"), 0);
    assert_int_equal((int)json_array_size(json_object_get(fx->resp, "items")),
                     (int)checklist_count());
    assert_string_equal(status_of(fx, "shield.thresholds"), "pass");
    assert_string_equal(status_of(fx, "portal.admin_networks"), "warn");
    assert_string_equal(status_of(fx, "firewall.active"), "pass");
    assert_int_equal(probe_calls, 1);
    assert_int_equal(fx->n_changes, 0); /* reads only */

    assert_int_equal(run(fx, "{\"op\":\"security.set\",\"key\":"
                             "\"detection_period_s\",\"value\":\"1\"}"),
                     0);
    assert_int_equal(store_setting_set(fx->st, "admin.allowed_networks",
                                       "10.0.0.0/8", 1700000000),
                     0);
    assert_int_equal(run(fx, "{\"op\":\"audit.run\"}"), 0);
    assert_string_equal(status_of(fx, "shield.thresholds"), "fail");
    assert_string_equal(status_of(fx, "portal.admin_networks"), "pass");
    json_t *sum = json_object_get(fx->resp, "summary");
    assert_true(json_integer_value(json_object_get(sum, "fail")) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(refused_without_view, setup, teardown),
        cmocka_unit_test_setup_teardown(stored_settings_are_used, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
