/* SPDX-License-Identifier: Apache-2.0 */
/* The admin settings endpoints and the 2FA requirement, driven through
 * the route handlers with hand-made requests (no server): system
 * administrators only, 422 naming the field and the rule, the lock-out
 * guard, the audit entry with old and new values, require_2fa holding a
 * system administrator to enrolment (with the QR code) until confirmed,
 * and the tenant password policy routes handed to the operation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../store/tmpdir.h"
#include "admin/login.h"
#include "admin/password.h"
#include "admin/totp.h"
#include "api/api_int.h"
#include "fake_clock.h"
#include "net/addr.h"
#include "store/store.h"

#define T0 1700000000

struct fx {
    struct tmpdir dir;
    struct store *st;
    struct sw_clock clk;
    struct admin_ctx ctx;
    struct api *api;
    json_t *last_op; /* the last request given to exec */
    int64_t tid;
};

static int fake_exec(void *ud, const json_t *req, const char *client_ip,
                     json_t **resp)
{
    struct fx *fx = ud;
    (void)client_ip;
    json_decref(fx->last_op);
    fx->last_op = json_deep_copy(req);
    *resp =
        json_pack("{s:b,s:{s:s}}", "ok", 1, "tenant", "domain", "example.com");
    return 0;
}

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    char err[256];
    struct admin_config cfg;
    if (!fx || tmpdir_make(&fx->dir) != 0
        || store_open(fx->dir.path, &fx->st, err, sizeof(err)) != 0) {
        return -1;
    }
    fake_clock_init(&fx->clk, 1000000, T0);
    admin_config_defaults(&cfg);
    cfg.pw_opslimit = crypto_pwhash_OPSLIMIT_MIN;
    cfg.pw_memlimit = crypto_pwhash_MEMLIMIT_MIN;
    struct api_cfg acfg = {
        .admin = &fx->ctx, .st = fx->st, .exec = fake_exec, .ud = fx
    };
    if (admin_ctx_init(&fx->ctx, fx->st, &cfg, &fx->clk) != 0
        || store_tenant_add(fx->st, "example.com", NULL, &fx->tid) != 0
        || store_tenant_add(fx->st, "other.test", NULL, NULL) != 0
        || api_new(&acfg, &fx->api) != 0) {
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    json_decref(fx->last_op);
    api_free(fx->api);
    admin_ctx_fini(&fx->ctx);
    store_close(fx->st);
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

/* A signed-in portal session. */
struct who {
    char cookie[ADMIN_TOKEN_CAP + 16];
    char csrf[ADMIN_TOKEN_CAP];
    char ip[16];
};

static void account(struct fx *fx, const char *user, enum store_admin_role role,
                    int64_t tenant_id, struct who *w)
{
    char hash[ADMIN_PW_HASH_CAP];
    assert_int_equal(admin_password_hash(&fx->ctx.cfg, "Start-Pw-91x", hash),
                     0);
    struct store_admin_new n = {
        .username = user, .role = role, .tenant_id = tenant_id, .pw_hash = hash
    };
    assert_int_equal(store_admin_add(fx->st, &n, T0, NULL), 0);
    struct net_addr a;
    assert_int_equal(net_addr_parse("127.0.0.1", 443, &a), 0);
    struct admin_login_req lr = { .username = user,
                                  .password = "Start-Pw-91x",
                                  .client = &a,
                                  .kind = STORE_SESSION_COOKIE };
    struct admin_login_res res;
    assert_int_equal(admin_login(&fx->ctx, &lr, &res), 0);
    assert_int_equal(res.status, ADMIN_LOGIN_OK);
    snprintf(w->cookie, sizeof(w->cookie), "sw_session=%s", res.session.token);
    snprintf(w->csrf, sizeof(w->csrf), "%s", res.session.csrf);
    snprintf(w->ip, sizeof(w->ip), "127.0.0.1");
}

/* The handler of METHOD PATH in the fixed tables ({x} matched loosely:
 * the caller passes the pattern). */
static http_handler_fn *handler(enum http_method m, const char *pattern)
{
    for (size_t t = 0; t < api_fixed_tables_count; t++) {
        for (size_t i = 0; i < *api_fixed_tables[t].count; i++) {
            const struct api_fixed_route *r = &api_fixed_tables[t].routes[i];
            if (r->method == m && strcmp(r->path, pattern) == 0) {
                return r->fn;
            }
        }
    }
    fail_msg("no route %s", pattern);
    return NULL;
}

struct call {
    int status;
    json_t *doc;
};

/* Run METHOD on PATTERN (path PATH, one path parameter NAME=VALUE or
 * none, body BODY or NULL) as 'w'. The answer's document is parsed. */
static struct call call(struct fx *fx, const struct who *w, enum http_method m,
                        const char *pattern, const char *path,
                        const char *pname, const char *pvalue, const char *body)
{
    struct http_req req;
    struct http_resp resp;
    struct call out;
    memset(&req, 0, sizeof(req));
    req.method = m;
    req.path = sv_cstr(path);
    if (pname) {
        req.params[0].name = sv_cstr(pname);
        req.params[0].value = sv_cstr(pvalue);
        req.n_params = 1;
    }
    const char *q = strchr(path, '?');
    if (q) {
        req.path = sv_make(path, (size_t)(q - path));
        const char *eq = strchr(q, '=');
        req.args[0].name = sv_make(q + 1, (size_t)(eq - q - 1));
        req.args[0].value = sv_cstr(eq + 1);
        req.n_args = 1;
    }
    json_t *js = body ? json_loads(body, 0, NULL) : NULL;
    req.json = js;
    req.body = sv_cstr(body ? body : "");
    if (w) {
        req.cookie = sv_cstr(w->cookie);
        req.csrf_token = sv_cstr(w->csrf);
    }
    assert_int_equal(net_addr_parse(w ? w->ip : "127.0.0.1", 40000, &req.peer),
                     0);
    snprintf(req.client_ip, sizeof(req.client_ip), "%s",
             w ? w->ip : "127.0.0.1");
    http_resp_init(&resp);
    handler(m, pattern)(fx->api, &req, &resp);
    out.status = resp.status;
    out.doc =
        resp.body.len ? json_loadb(resp.body.p, resp.body.len, 0, NULL) : NULL;
    http_resp_fini(&resp);
    json_decref(js);
    return out;
}

static void expect_problem(struct call c, int status, const char *field,
                           const char *rule)
{
    if (c.status != status) {
        char *d = c.doc ? json_dumps(c.doc, 0) : NULL;
        fail_msg("status %d, expected %d: %s", c.status, status,
                 d ? d : "(no body)");
    }
    if (field) {
        assert_string_equal(json_string_value(json_object_get(c.doc, "field")),
                            field);
    }
    if (rule) {
        assert_string_equal(json_string_value(json_object_get(c.doc, "rule")),
                            rule);
    }
    json_decref(c.doc);
}

#define SETTINGS "/api/v1/admin-settings"
#define SETTING  "/api/v1/admin-settings/{key}"

static struct call put(struct fx *fx, const struct who *w, const char *key,
                       const char *body)
{
    char path[128];
    snprintf(path, sizeof(path), SETTINGS "/%s", key);
    return call(fx, w, HTTP_PUT, SETTING, path, "key", key, body);
}

static void system_admins_read_and_change(void **state)
{
    struct fx *fx = *state;
    struct who root;
    account(fx, "root", STORE_ADMIN_SYSTEM, 0, &root);
    struct call c =
        call(fx, &root, HTTP_GET, SETTINGS, SETTINGS, NULL, NULL, NULL);
    assert_int_equal(c.status, 200);
    json_t *s = json_object_get(c.doc, "settings");
    assert_int_equal(json_integer_value(json_object_get(s, "session_idle_s")),
                     900);
    assert_true(json_is_false(json_object_get(s, "require_2fa")));
    assert_int_equal(json_array_size(json_object_get(s, "allowed_networks")),
                     0);
    json_decref(c.doc);

    c = put(fx, &root, "session_idle_s", "{\"value\":600}");
    assert_int_equal(c.status, 200);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(c.doc, "settings"), "session_idle_s")),
                     600);
    json_decref(c.doc);
    assert_int_equal(fx->ctx.cfg.session_idle_s, 600);
    /* A string of digits is a number too. */
    c = put(fx, &root, "login_block_s", "{\"value\":\"120\"}");
    assert_int_equal(c.status, 200);
    json_decref(c.doc);
    assert_int_equal(fx->ctx.cfg.login_block_s, 120);

    expect_problem(put(fx, &root, "session_idle_s", "{\"value\":5}"), 422,
                   "session_idle_s", "range");
    expect_problem(put(fx, &root, "session_idle_s", "{\"value\":-60}"), 422,
                   "session_idle_s", "range");
    expect_problem(put(fx, &root, "login_max_failures", "{\"value\":\"x\"}"),
                   422, "login_max_failures", "integer");
    expect_problem(put(fx, &root, "require_2fa", "{\"value\":\"perhaps\"}"),
                   422, "require_2fa", "boolean");
    expect_problem(put(fx, &root, "session_idle_s", "{\"value\":{}}"), 422,
                   "session_idle_s", "type");
    expect_problem(put(fx, &root, "session_idle_s", "{}"), 422,
                   "session_idle_s", "required");
    expect_problem(put(fx, &root, "nope", "{\"value\":1}"), 404, "key",
                   "not_found");
    assert_int_equal(fx->ctx.cfg.session_idle_s, 600);
    /* Cookie sessions need the CSRF token for a change. */
    struct who nocsrf = root;
    nocsrf.csrf[0] = '\0';
    expect_problem(put(fx, &nocsrf, "session_idle_s", "{\"value\":700}"), 403,
                   NULL, "csrf");

    /* The audit log has the old and the new value. */
    c = call(fx, &root, HTTP_GET, "/api/v1/audit",
             "/api/v1/audit?action=admin.settings.set", NULL, NULL, NULL);
    assert_int_equal(c.status, 200);
    json_t *entries = json_object_get(c.doc, "entries");
    assert_int_equal(json_array_size(entries), 2);
    json_t *e = json_array_get(entries, 1); /* newest first */
    assert_string_equal(json_string_value(json_object_get(e, "target")),
                        "session_idle_s");
    assert_string_equal(json_string_value(json_object_get(e, "actor")), "root");
    assert_string_equal(json_string_value(json_object_get(e, "client_ip")),
                        "127.0.0.1");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(e, "old"), "value")),
        900);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(e, "new"), "value")),
        600);
    json_decref(c.doc);
}

static void others_refused(void **state)
{
    struct fx *fx = *state;
    struct who ta;
    account(fx, "ta", STORE_ADMIN_TENANT, fx->tid, &ta);
    expect_problem(
        call(fx, &ta, HTTP_GET, SETTINGS, SETTINGS, NULL, NULL, NULL), 403,
        NULL, "role");
    expect_problem(put(fx, &ta, "session_idle_s", "{\"value\":600}"), 403, NULL,
                   "role");
    expect_problem(
        call(fx, NULL, HTTP_GET, SETTINGS, SETTINGS, NULL, NULL, NULL), 401,
        NULL, "session");
    assert_int_equal(fx->ctx.cfg.session_idle_s, 900);
}

static void lockout_and_networks(void **state)
{
    struct fx *fx = *state;
    struct who root;
    account(fx, "root", STORE_ADMIN_SYSTEM, 0, &root);
    expect_problem(
        put(fx, &root, "allowed_networks", "{\"value\":[\"10.0.0.0/8\"]}"), 422,
        "allowed_networks", "lockout");
    assert_int_equal(fx->ctx.cfg.n_allowed_nets, 0);
    expect_problem(
        put(fx, &root, "allowed_networks", "{\"value\":[\"10.0.0.0/8\", 7]}"),
        422, "allowed_networks", "network");
    expect_problem(
        put(fx, &root, "allowed_networks", "{\"value\":[\"10.0.0.0/33\"]}"),
        422, "allowed_networks", "network");
    struct call c = put(fx, &root, "allowed_networks",
                        "{\"value\":[\"127.0.0.0/30\", \"2001:db8::/32\"]}");
    assert_int_equal(c.status, 200);
    json_t *nets =
        json_object_get(json_object_get(c.doc, "settings"), "allowed_networks");
    assert_int_equal(json_array_size(nets), 2);
    assert_string_equal(json_string_value(json_array_get(nets, 0)),
                        "127.0.0.0/30");
    json_decref(c.doc);
    /* A comma-separated string works as well; [] lifts it. */
    c = put(fx, &root, "allowed_networks", "{\"value\":\"127.0.0.1/32\"}");
    assert_int_equal(c.status, 200);
    json_decref(c.doc);
    assert_int_equal(fx->ctx.cfg.n_allowed_nets, 1);
    c = put(fx, &root, "allowed_networks", "{\"value\":[]}");
    assert_int_equal(c.status, 200);
    json_decref(c.doc);
    assert_int_equal(fx->ctx.cfg.n_allowed_nets, 0);
}

static void code_at(const char *b32, int64_t now, char out[7])
{
    uint8_t key[64];
    uint32_t c = 0;
    int n = admin_base32_decode(b32, key, sizeof(key));
    assert_true(n > 0);
    assert_int_equal(admin_hotp(ADMIN_TOTP_SHA1, key, (size_t)n,
                                (uint64_t)admin_totp_step(now, 30), 6, &c),
                     0);
    snprintf(out, 7, "%06u", c);
}

static void require_2fa_holds_to_enrolment(void **state)
{
    struct fx *fx = *state;
    struct who root;
    struct who ta;
    account(fx, "root", STORE_ADMIN_SYSTEM, 0, &root);
    account(fx, "ta", STORE_ADMIN_TENANT, fx->tid, &ta);
    struct call c = put(fx, &root, "require_2fa", "{\"value\":true}");
    assert_int_equal(c.status, 200);
    json_decref(c.doc);
    /* From now on only enrolment, me, logout and password. */
    expect_problem(
        call(fx, &root, HTTP_GET, SETTINGS, SETTINGS, NULL, NULL, NULL), 403,
        NULL, "2fa_required");
    expect_problem(call(fx, &root, HTTP_GET, "/api/v1/audit", "/api/v1/audit",
                        NULL, NULL, NULL),
                   403, NULL, "2fa_required");
    expect_problem(call(fx, &root, HTTP_POST, "/api/v1/auth/tokens",
                        "/api/v1/auth/tokens", NULL, NULL, "{}"),
                   403, NULL, "2fa_required");
    c = call(fx, &root, HTTP_GET, "/api/v1/auth/me", "/api/v1/auth/me", NULL,
             NULL, NULL);
    assert_int_equal(c.status, 200);
    assert_true(json_is_true(json_object_get(c.doc, "must_enrol_2fa")));
    json_decref(c.doc);
    /* Tenant administrators are not concerned. */
    c = call(fx, &ta, HTTP_GET, "/api/v1/auth/me", "/api/v1/auth/me", NULL,
             NULL, NULL);
    assert_true(json_is_false(json_object_get(c.doc, "must_enrol_2fa")));
    json_decref(c.doc);
    c = call(fx, &ta, HTTP_GET, "/api/v1/admins", "/api/v1/admins", NULL, NULL,
             NULL);
    assert_int_equal(c.status, 200);
    json_decref(c.doc);

    c = call(fx, &root, HTTP_POST, "/api/v1/auth/2fa/enrol",
             "/api/v1/auth/2fa/enrol", NULL, NULL, "{}");
    assert_int_equal(c.status, 200);
    const char *svg = json_string_value(json_object_get(c.doc, "qr_svg"));
    assert_non_null(svg);
    assert_int_equal(strncmp(svg, "<svg ", 5), 0);
    assert_non_null(strstr(svg, "</svg>"));
    assert_non_null(strstr(json_string_value(json_object_get(c.doc, "uri")),
                           "otpauth://totp/"));
    char secret[ADMIN_BASE32_CAP];
    snprintf(secret, sizeof(secret), "%s",
             json_string_value(json_object_get(c.doc, "secret")));
    json_decref(c.doc);
    expect_problem(call(fx, &root, HTTP_POST, "/api/v1/auth/2fa/confirm",
                        "/api/v1/auth/2fa/confirm", NULL, NULL,
                        "{\"otp\":\"000000\"}"),
                   422, "otp", "otp");
    char code[7];
    char body[64];
    code_at(secret, admin_now(&fx->ctx), code);
    snprintf(body, sizeof(body), "{\"otp\":\"%s\"}", code);
    c = call(fx, &root, HTTP_POST, "/api/v1/auth/2fa/confirm",
             "/api/v1/auth/2fa/confirm", NULL, NULL, body);
    assert_int_equal(c.status, 200);
    assert_int_equal(json_array_size(json_object_get(c.doc, "recovery_codes")),
                     10);
    json_decref(c.doc);
    /* The same session may do everything now. */
    c = call(fx, &root, HTTP_GET, SETTINGS, SETTINGS, NULL, NULL, NULL);
    assert_int_equal(c.status, 200);
    assert_true(json_is_true(
        json_object_get(json_object_get(c.doc, "settings"), "require_2fa")));
    json_decref(c.doc);
}

static void cli_change_picked_up(void **state)
{
    struct fx *fx = *state;
    struct who root;
    account(fx, "root", STORE_ADMIN_SYSTEM, 0, &root);
    struct call c =
        call(fx, &root, HTTP_GET, SETTINGS, SETTINGS, NULL, NULL, NULL);
    json_decref(c.doc);
    /* Another process writes the row (as the CLI does). */
    struct store *other = NULL;
    char err[256];
    assert_int_equal(store_open(fx->dir.path, &other, err, sizeof(err)), 0);
    assert_int_equal(
        store_setting_set(other, "admin.login_max_failures", "9", T0), 0);
    store_close(other);
    /* The next request sees it: no waiting, no clock involved. */
    c = call(fx, &root, HTTP_GET, SETTINGS, SETTINGS, NULL, NULL, NULL);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(c.doc, "settings"),
                                           "login_max_failures")),
        9);
    json_decref(c.doc);
}

#define POLICY "/api/v1/tenants/{domain}/password-policy"

static void tenant_policy_routes(void **state)
{
    struct fx *fx = *state;
    struct who ta;
    account(fx, "ta", STORE_ADMIN_TENANT, fx->tid, &ta);
    struct call c = call(fx, &ta, HTTP_PUT, POLICY,
                         "/api/v1/tenants/example.com/password-policy",
                         "domain", "example.com", "{\"pw_min_len\":12}");
    assert_int_equal(c.status, 200);
    json_decref(c.doc);
    assert_string_equal(json_string_value(json_object_get(fx->last_op, "op")),
                        "tenant.policy.set");
    assert_string_equal(
        json_string_value(json_object_get(fx->last_op, "domain")),
        "example.com");
    assert_int_equal(
        json_integer_value(json_object_get(fx->last_op, "pw_min_len")), 12);
    /* Another tenant's policy is not theirs. */
    json_decref(fx->last_op);
    fx->last_op = NULL;
    expect_problem(call(fx, &ta, HTTP_PUT, POLICY,
                        "/api/v1/tenants/other.test/password-policy", "domain",
                        "other.test", "{\"pw_min_len\":12}"),
                   403, NULL, "role");
    assert_null(fx->last_op);
    c = call(fx, &ta, HTTP_GET, POLICY,
             "/api/v1/tenants/example.com/password-policy", "domain",
             "example.com", NULL);
    assert_int_equal(c.status, 200);
    json_decref(c.doc);
    assert_string_equal(json_string_value(json_object_get(fx->last_op, "op")),
                        "tenant.policy.show");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(system_admins_read_and_change, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(others_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(lockout_and_networks, setup, teardown),
        cmocka_unit_test_setup_teardown(require_2fa_holds_to_enrolment, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cli_change_picked_up, setup, teardown),
        cmocka_unit_test_setup_teardown(tenant_policy_routes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
