/* SPDX-License-Identifier: Apache-2.0 */
/* The shared operations: each op's success and error responses. */
#include <errno.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ops_fx.h"

static int on_reg_list(void *ud, const char *domain, json_t **out)
{
    struct fx *fx = ud;
    snprintf(fx->reg_domain, sizeof(fx->reg_domain), "%s",
             domain ? domain : "(all)");
    if (fx->reg_rc < 0) {
        return fx->reg_rc;
    }
    *out = json_pack("[{s:s}]", "user", "from-hook");
    return 0;
}

static void ha1_sha256(const char *in, char *hex)
{
    unsigned char d[32];
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(in, strlen(in), d, &n, EVP_sha256(), NULL), 1);
    for (unsigned int i = 0; i < n; i++) {
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    }
}

static void add_tenant(struct fx *fx)
{
    assert_int_equal(run(fx, "{\"op\":\"tenant.add\","
                             "\"domain\":\"Example.COM\",\"name\":\"Ex\"}"),
                     0);
}

/* ------------------------------------------------------------------ */

static void request_shape_errors(void **state)
{
    struct fx *fx = *state;
    json_t *arr = json_array();
    int rc = ops_exec(&fx->ctx, arr, &fx->resp);
    json_decref(arr);
    expect_err(fx, rc, -EINVAL, "bad_request", NULL, "JSON object");
    expect_err(fx, run(fx, "{}"), -EINVAL, "bad_request", "op",
               "op is required");
    expect_err(fx, run(fx, "{\"op\":7}"), -EINVAL, "bad_request", "op",
               "string");
    expect_err(fx, run(fx, "{\"op\":\"tenant.nuke\"}"), -EINVAL, "bad_request",
               "op", "unknown operation 'tenant.nuke'");
    expect_err(fx, run(fx, "{\"op\":\"tenant.list\",\"x\":1}"), -EINVAL,
               "bad_request", "x", "unknown member 'x'");
    expect_err(fx, run(fx, "{\"op\":\"tenant.add\",\"domain\":\"a\\u0000b\"}"),
               -EINVAL, "bad_request", "domain", "NUL");
    assert_int_equal(fx->n_changes, 0);
}

static void tenant_add_and_list(void **state)
{
    struct fx *fx = *state;
    add_tenant(fx);
    json_t *t = json_object_get(fx->resp, "tenant");
    assert_string_equal(json_string_value(json_object_get(t, "domain")),
                        "example.com");
    assert_string_equal(json_string_value(json_object_get(t, "name")), "Ex");
    json_t *pol = json_object_get(t, "policy");
    assert_int_equal(json_integer_value(json_object_get(pol, "pw_min_len")), 8);
    assert_int_equal(
        json_integer_value(json_object_get(pol, "reg_expires_max_s")), 7200);
    assert_int_equal(fx->n_changes, 1);
    assert_string_equal(fx->last_op, "tenant.add");

    assert_int_equal(run(fx, "{\"op\":\"tenant.add\",\"domain\":\"b.org\"}"),
                     0);
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"user\":\"1@b.org\"}"), 0);
    assert_int_equal(run(fx, "{\"op\":\"tenant.list\"}"), 0);
    json_t *arr = json_object_get(fx->resp, "tenants");
    assert_int_equal(json_array_size(arr), 2);
    json_t *first = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(first, "domain")),
                        "b.org");
    assert_int_equal(json_integer_value(json_object_get(first, "users")), 1);
}

static void tenant_add_errors(void **state)
{
    struct fx *fx = *state;
    add_tenant(fx);
    expect_err(fx, run(fx, "{\"op\":\"tenant.add\"}"), -EINVAL, "bad_request",
               "domain", "domain is required");
    expect_err(fx, run(fx, "{\"op\":\"tenant.add\",\"domain\":\"a..b\"}"),
               -EINVAL, "bad_request", "domain", "empty label");
    expect_err(fx, run(fx, "{\"op\":\"tenant.add\",\"domain\":5}"), -EINVAL,
               "bad_request", "domain", "string");
    expect_err(
        fx, run(fx, "{\"op\":\"tenant.add\",\"domain\":\"EXAMPLE.com\"}"),
        -EEXIST, "exists", "domain", "tenant example.com already exists");
    expect_err(fx,
               run(fx, "{\"op\":\"tenant.add\",\"domain\":\"c.org\","
                       "\"name\":\"a\\nb\"}"),
               -EINVAL, "bad_request", "name", "control");
    assert_int_equal(fx->n_changes, 1);
}

static void user_add_with_password(void **state)
{
    struct fx *fx = *state;
    struct store_creds c;
    char want[65];

    add_tenant(fx);
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"user\":\"100@example.com"
                             "\",\"role\":\"international\",\"name\":\"Ann"
                             "\",\"email\":\"ann@example.com\","
                             "\"sip_password\":\"Correct-Horse-9\"}"),
                     0);
    json_t *u = json_object_get(fx->resp, "user");
    assert_string_equal(json_string_value(json_object_get(u, "user")),
                        "100@example.com");
    assert_string_equal(json_string_value(json_object_get(u, "role")),
                        "international");
    assert_string_equal(json_string_value(json_object_get(u, "email")),
                        "ann@example.com");
    /* A password the caller chose is never echoed. */
    assert_null(json_object_get(fx->resp, "sip_password"));
    assert_int_equal(store_user_get_creds(fx->st, "example.com", "100", &c), 0);
    ha1_sha256("100:example.com:Correct-Horse-9", want);
    assert_string_equal(c.ha1_sha256, want);
    assert_int_equal(c.role, STORE_ROLE_INTERNATIONAL);

    /* The hook sees the request without the password. */
    assert_string_equal(fx->last_op, "user.add");
    assert_null(json_object_get(fx->last_req, "sip_password"));
    assert_string_equal(
        json_string_value(json_object_get(fx->last_req, "user")),
        "100@example.com");

    /* ext + domain form, default role. */
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"ext\":\"101\","
                             "\"domain\":\"example.com\","
                             "\"sip_password\":\"Correct-Horse-9\"}"),
                     0);
    u = json_object_get(fx->resp, "user");
    assert_string_equal(json_string_value(json_object_get(u, "role")),
                        "standard");
}

static void user_add_generated(void **state)
{
    struct fx *fx = *state;
    struct store_creds c;
    char in[128];
    char want[65];

    add_tenant(fx);
    static const char *const reqs[] = {
        "{\"op\":\"user.add\",\"user\":\"200@example.com\","
        "\"generate_password\":true}",
        /* No password member at all: one is generated too. */
        "{\"op\":\"user.add\",\"user\":\"201@example.com\"}",
    };
    static const char *const exts[] = { "200", "201" };
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(run(fx, reqs[i]), 0);
        const char *pw = rs(fx->resp, "sip_password");
        assert_int_equal(strlen(pw), 20);
        assert_int_equal(
            store_user_get_creds(fx->st, "example.com", exts[i], &c), 0);
        snprintf(in, sizeof(in), "%s:example.com:%s", exts[i], pw);
        ha1_sha256(in, want);
        assert_string_equal(c.ha1_sha256, want);
    }
}

static void user_add_errors(void **state)
{
    struct fx *fx = *state;
    add_tenant(fx);
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"user\":\"100@example."
                             "com\",\"sip_password\":\"Correct-Horse-9\"}"),
                     0);
    int n0 = fx->n_changes;

    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"100@example.com\","
                       "\"sip_password\":\"Correct-Horse-9\"}"),
               -EEXIST, "exists", "user", "100@example.com already exists");
    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"100@nope.example\"}"),
               -ENOENT, "not_found", "user", "nope.example");
    expect_err(fx, run(fx, "{\"op\":\"user.add\",\"user\":\"100\"}"), -EINVAL,
               "bad_request", "user", "EXT@DOMAIN");
    expect_err(fx, run(fx, "{\"op\":\"user.add\",\"user\":\"@example.com\"}"),
               -EINVAL, "bad_request", "user", "EXT@DOMAIN");
    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"1 0@example.com\"}"),
               -EINVAL, "bad_request", "user", "extension");
    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"102@example.com\","
                       "\"ext\":\"102\"}"),
               -EINVAL, "bad_request", "user", "either");
    expect_err(fx, run(fx, "{\"op\":\"user.add\",\"ext\":\"102\"}"), -EINVAL,
               "bad_request", "domain", "required");
    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"102@example.com\","
                       "\"role\":\"root\"}"),
               -EINVAL, "bad_request", "role",
               "admin, international or standard");
    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"102@example.com\","
                       "\"email\":\"nope\"}"),
               -EINVAL, "bad_request", "email", "email");
    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"102@example.com\","
                       "\"sip_password\":\"Correct-Horse-9\","
                       "\"generate_password\":true}"),
               -EINVAL, "bad_request", "sip_password", "not both");
    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"102@example.com\","
                       "\"generate_password\":false}"),
               -EINVAL, "bad_request", "sip_password", "required");
    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"102@example.com\","
                       "\"generate_password\":\"yes\"}"),
               -EINVAL, "bad_request", "generate_password", "true or false");
    expect_err(fx,
               run(fx, "{\"op\":\"user.add\",\"user\":\"102@example.com\","
                       "\"password\":\"x\"}"),
               -EINVAL, "bad_request", "password", "unknown member");
    assert_int_equal(fx->n_changes, n0);
}

/* Each refused password names the rule it broke. */
static void user_add_policy_refusals(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *pw;
        const char *rule;
    } cases[] = {
        { "Ab1-xyz", "too_short" },
        { "correcthorsebattery", "too_few_classes" },
        { "Xy-1234-Qwe", "sequence" },
        { "Xy-aaa-Qwe9", "repeat" },
        { "Margaret-77x", "account_info" },
        { "Zz-5302-Qwe", "account_info" }, /* contains the extension */
    };
    char req[256];

    add_tenant(fx);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(req, sizeof(req),
                 "{\"op\":\"user.add\",\"user\":\"5302@example.com\","
                 "\"name\":\"Margaret\",\"sip_password\":\"%s\"}",
                 cases[i].pw);
        int rc = run(fx, req);
        expect_err(fx, rc, -EINVAL, "policy", "sip_password", cases[i].rule);
        assert_string_equal(rs(fx->resp, "rule"), cases[i].rule);
    }
    assert_int_equal(fx->n_changes, 1);
    struct store_creds c;
    assert_int_equal(store_user_get_creds(fx->st, "example.com", "5302", &c),
                     -ENOENT);
}

static void user_list(void **state)
{
    struct fx *fx = *state;
    add_tenant(fx);
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"user\":\"102@example."
                             "com\",\"name\":\"Zed\"}"),
                     0);
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"user\":\"101@example."
                             "com\",\"role\":\"admin\"}"),
                     0);
    assert_int_equal(
        run(fx, "{\"op\":\"user.list\",\"domain\":\"EXAMPLE.COM\"}"), 0);
    assert_string_equal(rs(fx->resp, "domain"), "example.com");
    json_t *arr = json_object_get(fx->resp, "users");
    assert_int_equal(json_array_size(arr), 2);
    json_t *u0 = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(u0, "ext")), "101");
    assert_string_equal(json_string_value(json_object_get(u0, "role")),
                        "admin");
    assert_null(json_object_get(u0, "sip_password"));
    json_t *u1 = json_array_get(arr, 1);
    assert_string_equal(json_string_value(json_object_get(u1, "name")), "Zed");

    expect_err(fx, run(fx, "{\"op\":\"user.list\"}"), -EINVAL, "bad_request",
               "domain", "required");
    expect_err(fx, run(fx, "{\"op\":\"user.list\",\"domain\":\"x.org\"}"),
               -ENOENT, "not_found", "domain", "x.org");
}

static void user_set(void **state)
{
    struct fx *fx = *state;
    struct store_creds c1;
    struct store_creds c2;

    add_tenant(fx);
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"user\":\"300@example."
                             "com\",\"sip_password\":\"First-Horse-9\"}"),
                     0);
    assert_int_equal(store_user_get_creds(fx->st, "example.com", "300", &c1),
                     0);
    assert_int_equal(run(fx, "{\"op\":\"user.set\",\"user\":\"300@example."
                             "com\",\"role\":\"admin\",\"name\":\"Pat\"}"),
                     0);
    json_t *u = json_object_get(fx->resp, "user");
    assert_string_equal(json_string_value(json_object_get(u, "role")), "admin");
    assert_string_equal(json_string_value(json_object_get(u, "name")), "Pat");
    assert_null(json_object_get(fx->resp, "sip_password"));
    assert_string_equal(fx->last_op, "user.set");

    /* Reusing the current password: refused by the history rule. */
    expect_err(fx,
               run(fx, "{\"op\":\"user.set\",\"user\":\"300@example.com\","
                       "\"sip_password\":\"First-Horse-9\"}"),
               -EINVAL, "policy", "sip_password", "reused");
    assert_string_equal(rs(fx->resp, "rule"), "reused");
    /* The account as it will be: the new name is checked. */
    expect_err(fx,
               run(fx, "{\"op\":\"user.set\",\"user\":\"300@example.com\","
                       "\"name\":\"Bernadette\","
                       "\"sip_password\":\"Bernadette-42x\"}"),
               -EINVAL, "policy", "sip_password", "account_info");
    assert_int_equal(run(fx, "{\"op\":\"user.set\",\"user\":\"300@example."
                             "com\",\"sip_password\":\"Second-Horse-8\"}"),
                     0);
    assert_null(json_object_get(fx->last_req, "sip_password"));
    assert_int_equal(store_user_get_creds(fx->st, "example.com", "300", &c2),
                     0);
    assert_string_not_equal(c1.ha1_sha256, c2.ha1_sha256);
    /* Back to the first: still within the history of 3. */
    expect_err(fx,
               run(fx, "{\"op\":\"user.set\",\"user\":\"300@example.com\","
                       "\"sip_password\":\"First-Horse-9\"}"),
               -EINVAL, "policy", "sip_password", "reused");

    assert_int_equal(run(fx, "{\"op\":\"user.set\",\"user\":\"300@example."
                             "com\",\"generate_password\":true}"),
                     0);
    assert_int_equal(strlen(rs(fx->resp, "sip_password")), 20);

    expect_err(fx,
               run(fx, "{\"op\":\"user.set\",\"user\":\"300@example."
                       "com\"}"),
               -EINVAL, "bad_request", NULL, "nothing to change");
    expect_err(fx,
               run(fx, "{\"op\":\"user.set\",\"user\":\"399@example.com\","
                       "\"role\":\"admin\"}"),
               -ENOENT, "not_found", "user", "no user 399@example.com");
    expect_err(fx,
               run(fx, "{\"op\":\"user.set\",\"user\":\"300@example.com\","
                       "\"role\":\"superuser\"}"),
               -EINVAL, "bad_request", "role", NULL);
    /* Clearing the e-mail with an empty string. */
    assert_int_equal(run(fx, "{\"op\":\"user.set\",\"user\":\"300@example."
                             "com\",\"email\":\"p@example.com\"}"),
                     0);
    assert_int_equal(run(fx, "{\"op\":\"user.set\",\"user\":\"300@example."
                             "com\",\"email\":\"\"}"),
                     0);
    u = json_object_get(fx->resp, "user");
    assert_string_equal(json_string_value(json_object_get(u, "email")), "");
}

static void user_rm(void **state)
{
    struct fx *fx = *state;
    add_tenant(fx);
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"user\":\"400@example."
                             "com\"}"),
                     0);
    assert_int_equal(run(fx, "{\"op\":\"user.rm\",\"user\":\"400@example."
                             "com\"}"),
                     0);
    assert_string_equal(rs(fx->resp, "user"), "400@example.com");
    assert_string_equal(fx->last_op, "user.rm");
    expect_err(fx, run(fx, "{\"op\":\"user.rm\",\"user\":\"400@example.com\"}"),
               -ENOENT, "not_found", "user", "no user 400@example.com");
    expect_err(fx,
               run(fx, "{\"op\":\"user.rm\",\"user\":\"400@example.com\","
                       "\"role\":\"admin\"}"),
               -EINVAL, "bad_request", "role", "unknown member");
}

static void reg_list_from_store(void **state)
{
    struct fx *fx = *state;
    struct store_tenant t;
    struct store_user u;

    add_tenant(fx);
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"user\":\"500@example."
                             "com\"}"),
                     0);
    assert_int_equal(store_tenant_find(fx->st, "example.com", &t), 0);
    assert_int_equal(store_user_find(fx->st, t.id, "500", &u), 0);
    struct store_binding b = {
        .user_id = u.id,
        .aor = "sip:500@example.com",
        .contact_uri = "sip:500@192.0.2.10:5060",
        .expires_at = 1700000000 + 300,
        .source = "udp:192.0.2.10:5060",
        .user_agent = "Bad\xff UA",
        .q_milli = 1000,
    };
    assert_int_equal(store_binding_upsert(fx->st, &b, 1700000000, NULL), 0);
    b.contact_uri = "sip:500@192.0.2.11:5060";
    b.expires_at = 1700000000 - 1; /* expired */
    assert_int_equal(store_binding_upsert(fx->st, &b, 1700000000, NULL), 0);

    fake_clock_advance_ms(&fx->clock, 0);
    fx->clock.fake_wall_s += 100;
    assert_int_equal(run(fx, "{\"op\":\"reg.list\"}"), 0);
    json_t *arr = json_object_get(fx->resp, "registrations");
    assert_int_equal(json_array_size(arr), 1);
    json_t *r = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(r, "user")),
                        "500@example.com");
    assert_string_equal(json_string_value(json_object_get(r, "contact")),
                        "sip:500@192.0.2.10:5060");
    assert_int_equal(json_integer_value(json_object_get(r, "expires_in")), 200);
    /* Invalid UTF-8 from the wire is made printable, not dropped. */
    assert_string_equal(json_string_value(json_object_get(r, "user_agent")),
                        "Bad? UA");

    assert_int_equal(run(fx, "{\"op\":\"reg.list\",\"domain\":\"Example.com"
                             "\"}"),
                     0);
    assert_int_equal(
        json_array_size(json_object_get(fx->resp, "registrations")), 1);
    expect_err(fx, run(fx, "{\"op\":\"reg.list\",\"domain\":\"x.org\"}"),
               -ENOENT, "not_found", "domain", NULL);
    /* Removing the user removes its registrations. */
    assert_int_equal(run(fx, "{\"op\":\"user.rm\",\"user\":\"500@example."
                             "com\"}"),
                     0);
    assert_int_equal(run(fx, "{\"op\":\"reg.list\"}"), 0);
    assert_int_equal(
        json_array_size(json_object_get(fx->resp, "registrations")), 0);
}

static void reg_list_hook(void **state)
{
    struct fx *fx = *state;
    add_tenant(fx);
    fx->hooks.reg_list = on_reg_list;
    assert_int_equal(run(fx, "{\"op\":\"reg.list\",\"domain\":\"EXAMPLE.com\""
                             "}"),
                     0);
    assert_string_equal(fx->reg_domain, "example.com");
    json_t *r = json_array_get(json_object_get(fx->resp, "registrations"), 0);
    assert_string_equal(json_string_value(json_object_get(r, "user")),
                        "from-hook");
    assert_int_equal(run(fx, "{\"op\":\"reg.list\"}"), 0);
    assert_string_equal(fx->reg_domain, "(all)");
    fx->reg_rc = -EAGAIN;
    expect_err(fx, run(fx, "{\"op\":\"reg.list\"}"), -EIO, "internal", NULL,
               "cannot list registrations");
}

static void no_hooks_is_fine(void **state)
{
    struct fx *fx = *state;
    fx->ctx.hooks = NULL;
    fx->ctx.clock = NULL;
    add_tenant(fx);
    assert_int_equal(run(fx, "{\"op\":\"reg.list\"}"), 0);
    assert_int_equal(fx->n_changes, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(request_shape_errors),
        T(tenant_add_and_list),
        T(tenant_add_errors),
        T(user_add_with_password),
        T(user_add_generated),
        T(user_add_errors),
        T(user_add_policy_refusals),
        T(user_list),
        T(user_set),
        T(user_rm),
        T(reg_list_from_store),
        T(reg_list_hook),
        T(no_hooks_is_fine),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
