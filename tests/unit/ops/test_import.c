/* SPDX-License-Identifier: Apache-2.0 */
/*
 * user.import: many users in one request, each checked as user.add checks
 * one, all added in one transaction or none; errors name the entry.
 */
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
    assert_int_equal(
        run(fx, "{\"op\":\"tenant.add\",\"domain\":\"example.com\"}"), 0);
}

/* Password of the test extension 'ext': passes the default policy. */
static void good_pw(unsigned ext, char *dst, size_t cap)
{
    static const char tbl[] = "hmrwbgkpuy";
    char mid[16];
    snprintf(mid, sizeof(mid), "%c%c%c", tbl[ext % 10], tbl[(ext / 10) % 10],
             tbl[(ext / 100) % 10]);
    snprintf(dst, cap, "Sw9-%c.%c.%c_Qz4", mid[0], mid[1], mid[2]);
}

/* {"op":"user.import","domain":"example.com","users":[ n entries ]} with
 * extensions first.., good passwords; the caller may edit entries. */
static json_t *import_req(unsigned first, size_t n)
{
    json_t *users = json_array();
    for (size_t i = 0; i < n; i++) {
        char ext[16];
        char pw[32];
        snprintf(ext, sizeof(ext), "%u", first + (unsigned)i);
        good_pw(first + (unsigned)i, pw, sizeof(pw));
        json_array_append_new(
            users, json_pack("{s:s, s:s}", "ext", ext, "sip_password", pw));
    }
    return json_pack("{s:s, s:s, s:o}", "op", "user.import", "domain",
                     "example.com", "users", users);
}

static json_t *entry(json_t *req, size_t i)
{
    return json_array_get(json_object_get(req, "users"), i);
}

static int n_users(struct fx *fx)
{
    assert_int_equal(
        run(fx, "{\"op\":\"user.list\",\"domain\":\"example.com\"}"), 0);
    return (int)json_array_size(json_object_get(fx->resp, "users"));
}

/* ------------------------------------------------------------------ */

static void import_ok(void **state)
{
    struct fx *fx = *state;
    struct store_creds c;
    struct store_tenant t;
    struct store_user u;
    char in[128];
    char want[65];
    char pw[32];

    add_tenant(fx);
    json_t *req = import_req(1000, 4);
    json_t *attrs = json_pack("{s:s, s:s, s:s}", "role", "admin", "name",
                              "Doe, Jane", "email", "jane@example.com");
    json_object_update(entry(req, 1), attrs);
    json_decref(attrs);
    json_object_del(entry(req, 2), "sip_password"); /* generated */
    assert_int_equal(run_req(fx, req), 0);
    assert_int_equal(json_integer_value(json_object_get(fx->resp, "added")), 4);
    assert_string_equal(rs(fx->resp, "domain"), "example.com");

    /* Exactly the generated password is returned, once. */
    json_t *gen = json_object_get(fx->resp, "generated");
    assert_int_equal(json_array_size(gen), 1);
    json_t *g = json_array_get(gen, 0);
    assert_string_equal(json_string_value(json_object_get(g, "ext")), "1002");
    const char *gpw = json_string_value(json_object_get(g, "sip_password"));
    assert_non_null(gpw);
    assert_int_equal(strlen(gpw), 20);
    assert_int_equal(store_user_get_creds(fx->st, "example.com", "1002", &c),
                     0);
    snprintf(in, sizeof(in), "1002:example.com:%s", gpw);
    ha1_sha256(in, want);
    assert_string_equal(c.ha1_sha256, want);

    /* Offered passwords are stored as given. */
    good_pw(1003, pw, sizeof(pw));
    assert_int_equal(store_user_get_creds(fx->st, "example.com", "1003", &c),
                     0);
    snprintf(in, sizeof(in), "1003:example.com:%s", pw);
    ha1_sha256(in, want);
    assert_string_equal(c.ha1_sha256, want);
    assert_int_equal(store_tenant_find(fx->st, "example.com", &t), 0);
    assert_int_equal(store_user_find(fx->st, t.id, "1001", &u), 0);
    assert_int_equal(u.role, STORE_ROLE_ADMIN);
    assert_string_equal(u.name, "Doe, Jane");
    assert_string_equal(u.email, "jane@example.com");
    assert_int_equal(store_user_find(fx->st, t.id, "1000", &u), 0);
    assert_int_equal(u.role, STORE_ROLE_STANDARD);

    /* One notification, without any password. */
    assert_int_equal(fx->n_changes, 2);
    assert_string_equal(fx->last_op, "user.import");
    json_t *hu = json_object_get(fx->last_req, "users");
    assert_int_equal(json_array_size(hu), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_null(json_object_get(json_array_get(hu, i), "sip_password"));
        assert_non_null(json_object_get(json_array_get(hu, i), "ext"));
    }
    assert_int_equal(n_users(fx), 4);

    /* An empty list adds nothing and is no error. */
    assert_int_equal(run(fx, "{\"op\":\"user.import\",\"domain\":\"example."
                             "com\",\"users\":[]}"),
                     0);
    assert_int_equal(json_integer_value(json_object_get(fx->resp, "added")), 0);
    assert_int_equal(json_array_size(json_object_get(fx->resp, "generated")),
                     0);
}

/* A bad entry late in the list leaves the store as it was. */
static void import_all_or_nothing(void **state)
{
    struct fx *fx = *state;
    struct store_creds c;

    add_tenant(fx);
    int n0 = fx->n_changes;
    json_t *req = import_req(1000, 30);
    json_object_set_new(entry(req, 29), "role", json_string("root"));
    expect_err(fx, run_req(fx, req), -EINVAL, "bad_request", "users[29].role",
               "entry 29 (ext 1029): role must be admin, international or "
               "standard");
    assert_int_equal(n_users(fx), 0);
    assert_int_equal(store_user_get_creds(fx->st, "example.com", "1000", &c),
                     -ENOENT);
    assert_int_equal(fx->n_changes, n0);

    /* The same list, fixed, goes in whole: nothing was left half-done. */
    assert_int_equal(run_req(fx, import_req(1000, 30)), 0);
    assert_int_equal(n_users(fx), 30);
}

/* The policy refuses one password: the error names entry, ext and rule. */
static void import_policy_refusal(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *pw;
        const char *rule;
    } cases[] = {
        { "Xy-1234-Qwe", "sequence" },
        { "Ab1-xyz", "too_short" },
        { "Zz-1017-Qwe", "account_info" }, /* contains the extension */
    };

    add_tenant(fx);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *req = import_req(1000, 20);
        json_object_set_new(entry(req, 17), "sip_password",
                            json_string(cases[i].pw));
        expect_err(fx, run_req(fx, req), -EINVAL, "policy",
                   "users[17].sip_password",
                   "entry 17 (ext 1017): sip_password: SIP password refused");
        assert_string_equal(rs(fx->resp, "rule"), cases[i].rule);
        if (!strstr(rs(fx->resp, "error"), cases[i].rule)) {
            fail_msg("'%s' lacks the rule %s", rs(fx->resp, "error"),
                     cases[i].rule);
        }
    }
    assert_int_equal(n_users(fx), 0);
}

/* An existing extension, or one listed twice, is refused by name. */
static void import_duplicates(void **state)
{
    struct fx *fx = *state;

    add_tenant(fx);
    assert_int_equal(run(fx, "{\"op\":\"user.add\",\"user\":\"1005@example."
                             "com\",\"sip_password\":\"Correct-Horse-9\"}"),
                     0);
    expect_err(fx, run_req(fx, import_req(1000, 10)), -EEXIST, "exists",
               "users[5].ext",
               "entry 5 (ext 1005): user 1005@example.com already exists");
    assert_int_equal(n_users(fx), 1);

    json_t *req = import_req(2000, 5);
    json_object_set_new(entry(req, 4), "ext", json_string("2001"));
    expect_err(fx, run_req(fx, req), -EEXIST, "exists", "users[4].ext",
               "entry 4 (ext 2001): duplicate of entry 1");
    assert_int_equal(n_users(fx), 1);
}

static void import_request_errors(void **state)
{
    struct fx *fx = *state;
    add_tenant(fx);
    int n0 = fx->n_changes;

    expect_err(fx,
               run(fx, "{\"op\":\"user.import\",\"domain\":\"example.com\"}"),
               -EINVAL, "bad_request", "users", "array");
    expect_err(fx,
               run(fx, "{\"op\":\"user.import\",\"domain\":\"example.com\","
                       "\"users\":{}}"),
               -EINVAL, "bad_request", "users", "array");
    expect_err(fx, run(fx, "{\"op\":\"user.import\",\"users\":[]}"), -EINVAL,
               "bad_request", "domain", "required");
    expect_err(fx,
               run(fx, "{\"op\":\"user.import\",\"domain\":\"nope.example\","
                       "\"users\":[]}"),
               -ENOENT, "not_found", "domain", "nope.example");
    expect_err(fx,
               run(fx, "{\"op\":\"user.import\",\"domain\":\"example.com\","
                       "\"users\":[],\"x\":1}"),
               -EINVAL, "bad_request", "x", "unknown member");

    static const struct {
        const char *entry;
        const char *field;
        const char *needle;
    } cases[] = {
        { "7", "users[1]", "entry 1: must be a JSON object" },
        { "{}", "users[1].ext", "entry 1: ext is required" },
        { "{\"ext\":5}", "users[1].ext", "ext must be a string" },
        { "{\"ext\":\"1 1\"}", "users[1].ext",
          "entry 1 (ext 1 1): extension may contain only" },
        { "{\"ext\":\"9\",\"password\":\"x\"}", "users[1].password",
          "entry 1 (ext 9): unknown member 'password'" },
        { "{\"ext\":\"9\",\"generate_password\":true}",
          "users[1].generate_password", "unknown member" },
        { "{\"ext\":\"9\",\"op\":\"user.rm\"}", "users[1].op",
          "unknown member 'op'" },
        { "{\"ext\":\"9\",\"email\":\"nope\"}", "users[1].email",
          "entry 1 (ext 9): email: " },
        { "{\"ext\":\"9\",\"name\":\"a\\nb\"}", "users[1].name", "control" },
        { "{\"ext\":\"9\",\"sip_password\":7}", "users[1].sip_password",
          "sip_password must be a string" },
    };
    char req[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(req, sizeof(req),
                 "{\"op\":\"user.import\",\"domain\":\"example.com\","
                 "\"users\":[{\"ext\":\"8\"},%s]}",
                 cases[i].entry);
        expect_err(fx, run(fx, req), -EINVAL, "bad_request", cases[i].field,
                   cases[i].needle);
    }

    /* Over the limit: refused before any entry is looked at. */
    json_t *users = json_array();
    for (size_t i = 0; i <= OPS_USER_IMPORT_MAX; i++) {
        json_array_append(users, json_null());
    }
    expect_err(fx,
               run_req(fx, json_pack("{s:s, s:s, s:o}", "op", "user.import",
                                     "domain", "example.com", "users", users)),
               -EINVAL, "bad_request", "users", "at most 100000");
    assert_int_equal(n_users(fx), 0);
    assert_int_equal(fx->n_changes, n0);
}

/* Every generated password is returned with its extension and works. */
static void import_generated_passwords(void **state)
{
    struct fx *fx = *state;
    struct store_creds c;
    char in[128];
    char want[65];

    add_tenant(fx);
    assert_int_equal(run(fx, "{\"op\":\"user.import\",\"domain\":\"EXAMPLE."
                             "com\",\"users\":[{\"ext\":\"300\"},{\"ext\":"
                             "\"301\",\"role\":\"international\"},{\"ext\":"
                             "\"302\",\"sip_password\":\"Correct-Horse-9\"}]"
                             "}"),
                     0);
    json_t *gen = json_object_get(fx->resp, "generated");
    assert_int_equal(json_array_size(gen), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *g = json_array_get(gen, i);
        const char *ext = json_string_value(json_object_get(g, "ext"));
        const char *pw = json_string_value(json_object_get(g, "sip_password"));
        char want_ext[8];
        snprintf(want_ext, sizeof(want_ext), "%zu", 300 + i);
        assert_string_equal(ext, want_ext);
        assert_int_equal(strlen(pw), 20);
        assert_int_equal(store_user_get_creds(fx->st, "example.com", ext, &c),
                         0);
        snprintf(in, sizeof(in), "%s:example.com:%s", ext, pw);
        ha1_sha256(in, want);
        assert_string_equal(c.ha1_sha256, want);
    }
    /* Each entry got its own password. */
    const char *pw0 = json_string_value(
        json_object_get(json_array_get(gen, 0), "sip_password"));
    const char *pw1 = json_string_value(
        json_object_get(json_array_get(gen, 1), "sip_password"));
    assert_string_not_equal(pw0, pw1);
}

/* Inside a batch the caller opened, the import cannot start its own. */
static void import_inside_open_batch(void **state)
{
    struct fx *fx = *state;
    add_tenant(fx);
    assert_int_equal(store_begin(fx->st), 0);
    expect_err(fx, run_req(fx, import_req(1000, 2)), -EIO, "internal", NULL,
               "batch");
    assert_int_equal(store_rollback(fx->st), 0);
    assert_int_equal(run_req(fx, import_req(1000, 2)), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(import_ok),
        T(import_all_or_nothing),
        T(import_policy_refusal),
        T(import_duplicates),
        T(import_request_errors),
        T(import_generated_passwords),
        T(import_inside_open_batch),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
