/* SPDX-License-Identifier: Apache-2.0 */
/* `sipwarden audit` offline (no daemon answers on the control socket):
 * the refusals, the text output (one line per item, the fix under each
 * warning or failure, a summary) and the JSON output, whose fail count
 * decides the exit code. */
#include "cli_fx.h"

#include <jansson.h>

#include "checklist/checklist.h"

/* Run `audit ARGS` with the configuration view 'conf' (NULL: none). */
static int audit(struct fx *fx, const struct checklist_conf *conf,
                 const char *arg)
{
    char *argv[3] = { "audit", (char *)(uintptr_t)arg, NULL };
    free(fx->out);
    free(fx->err);
    fx->out = fx->err = NULL;
    FILE *out = open_memstream(&fx->out, &fx->out_len);
    FILE *err = open_memstream(&fx->err, &fx->err_len);
    assert_non_null(out);
    assert_non_null(err);
    struct cli_env env = {
        .data_dir = fx->data_dir, .out = out, .err = err, .checklist = conf
    };
    int rc = cli_main(arg ? 2 : 1, argv, &env);
    fclose(out);
    fclose(err);
    return rc;
}

static const struct checklist_conf conf = { .sip_udp = "*:15060",
                                            .sip_tls = "*:15061",
                                            .http_listen = "*:8887",
                                            .prov_known = true,
                                            .fw_svc_table = "sipwarden_fw" };

static void refusals(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(audit(fx, &conf, NULL), 1);
    has(fx->err, "no database");
    assert_int_equal(audit(fx, NULL, NULL), 1);
    has(fx->err, "no configuration");
    assert_int_equal(audit(fx, &conf, "--bogus"), 2);
    has(fx->err, "usage: sipwarden audit");
}

static void text_and_json(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);
    assert_int_equal(cli(fx, "user", "add", "200@example.com", "--role",
                         "international", NULL),
                     0);

    int rc = audit(fx, &conf, "--json");
    json_error_t jerr;
    json_t *j = json_loads(fx->out, 0, &jerr);
    if (!j) {
        fail_msg("not JSON (%s): %s", jerr.text, fx->out);
    }
    assert_null(json_object_get(j, "ok"));
    assert_int_equal(json_array_size(json_object_get(j, "items")),
                     checklist_count());
    json_int_t n_fail = json_integer_value(
        json_object_get(json_object_get(j, "summary"), "fail"));
    /* Exit 1 exactly when an item fails (the firewall probe depends on
     * who runs the test: root sees the kernel, others get a warning). */
    assert_int_equal(rc, n_fail > 0 ? 1 : 0);
    json_decref(j);

    rc = audit(fx, &conf, NULL);
    assert_int_equal(rc, n_fail > 0 ? 1 : 0);
    has(fx->out, "WARN  users.international");
    has(fx->out, "200@example.com (international)");
    has(fx->out, "      fix: keep the international role");
    has(fx->out, "PASS  sip.default_ports");
    has(fx->out, "items: ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(text_and_json, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
