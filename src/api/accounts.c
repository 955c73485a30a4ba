/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Portal accounts: system administrators manage every account; a tenant
 * administrator manages the accounts of their tenant (tenant
 * administrators and users, never a system administrator). New accounts
 * get a password under the administrator policy (and their tenant's
 * password policy, when stricter) and must change it at first sign-in; a
 * user account is tied to a SIP extension of the tenant. Every change is
 * audited.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "admin/audit.h"
#include "admin/password.h"
#include "api/api_int.h"
#include "store/store.h"

static json_t *account_json(const struct store_admin *a)
{
    return json_pack(
        "{s:I,s:s,s:s,s:I,s:s,s:b,s:b,s:I,s:s,s:I}", "id", (json_int_t)a->id,
        "username", a->username, "role", store_admin_role_name(a->role),
        "tenant_id", (json_int_t)a->tenant_id, "ext", a->user_ext,
        "must_change", a->must_change, "totp_enabled", a->totp_enabled,
        "last_login_at", (json_int_t)a->last_login_at, "last_login_ip",
        a->last_login_ip, "created_at", (json_int_t)a->created_at);
}

static int list_cb(void *ud, const struct store_admin *a)
{
    json_array_append_new(ud, account_json(a));
    return 0;
}

/* System administrators see everyone; tenant administrators their
 * tenant's accounts. */
static bool may_manage(const struct api_caller *c)
{
    return !c->p.must_change
           && (c->p.role == STORE_ADMIN_SYSTEM
               || c->p.role == STORE_ADMIN_TENANT);
}

static void on_list(void *ctx, const struct http_req *req,
                    struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    if (!may_manage(&c)) {
        api_problem(resp, 403, "Forbidden", NULL, NULL, "role");
        return;
    }
    json_t *arr = json_array();
    int64_t tenant = c.p.role == STORE_ADMIN_SYSTEM ? 0 : c.p.tenant_id;
    if (store_admin_list(a->cfg.st, tenant, list_cb, arr) != 0) {
        json_decref(arr);
        api_problem(resp, 500, NULL, "accounts unreadable", NULL, NULL);
        return;
    }
    json_t *o = json_pack("{s:o}", "admins", arr);
    http_resp_json(resp, 200, o);
    json_decref(o);
}

static const char *member(const struct http_req *req, const char *name)
{
    return json_is_object(req->json)
               ? json_string_value(json_object_get(req->json, name))
               : NULL;
}

static void on_add(void *ctx, const struct http_req *req,
                   struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    if (!may_manage(&c)) {
        api_problem(resp, 403, "Forbidden", NULL, NULL, "role");
        return;
    }
    const char *username = member(req, "username");
    const char *password = member(req, "password");
    const char *role_s = member(req, "role");
    const char *domain = member(req, "domain");
    const char *ext = member(req, "ext");
    enum store_admin_role role;
    if (username == NULL || password == NULL || role_s == NULL) {
        api_problem(resp, 422, "Missing member",
                    "username, password and role are required",
                    username ? (password ? "role" : "password") : "username",
                    "required");
        return;
    }
    if (store_admin_role_parse(role_s, &role) != 0) {
        api_problem(resp, 422, "Bad role",
                    "role is system_admin, tenant_admin or user", "role",
                    "enum");
        return;
    }
    struct store_admin_new n = { .username = username,
                                 .role = role,
                                 .must_change = true };
    if (role != STORE_ADMIN_SYSTEM) {
        struct store_tenant t;
        if (domain == NULL || store_tenant_find(a->cfg.st, domain, &t) != 0) {
            api_problem(resp, 422, "Unknown tenant",
                        "domain must name an existing tenant", "domain",
                        "not_found");
            return;
        }
        n.tenant_id = t.id;
    }
    if (c.p.role == STORE_ADMIN_TENANT
        && (role == STORE_ADMIN_SYSTEM || n.tenant_id != c.p.tenant_id)) {
        api_problem(resp, 403, "Forbidden",
                    "tenant administrators manage their own tenant only",
                    "role", "role");
        return;
    }
    if (role == STORE_ADMIN_USER) {
        struct store_user u;
        if (ext == NULL
            || store_user_find(a->cfg.st, n.tenant_id, ext, &u) != 0) {
            api_problem(resp, 422, "Unknown extension",
                        "a user account needs ext, an extension of the tenant",
                        "ext", "not_found");
            return;
        }
        n.user_id = u.id;
    }
    struct policy_violation why;
    if (admin_password_check(a->cfg.admin, NULL, username, n.tenant_id,
                             password, &why)
        != 0) {
        api_problem(resp, 422, "Password refused", why.message, "password",
                    policy_rule_name(why.rule));
        return;
    }
    char hash[ADMIN_PW_HASH_CAP];
    int64_t id = 0;
    int rc = admin_password_hash(&a->cfg.admin->cfg, password, hash);
    n.pw_hash = hash;
    if (rc == 0) {
        rc = store_admin_add(a->cfg.st, &n, admin_now(a->cfg.admin), &id);
    }
    sodium_memzero(hash, sizeof(hash));
    struct admin_actor who;
    api_actor(&c, req, &who);
    char newv[256];
    snprintf(newv, sizeof(newv), "{\"username\":\"%s\",\"role\":\"%s\"}",
             rc == 0 ? username : "", role_s);
    admin_audit_write(a->cfg.admin, &who, "admin.add", username, n.tenant_id,
                      rc == 0 ? "ok" : "error", NULL, rc == 0 ? newv : NULL);
    if (rc != 0) {
        api_problem(resp, rc == -EEXIST ? 409 : 422,
                    rc == -EEXIST ? "Username taken" : "Account refused", NULL,
                    "username", rc == -EEXIST ? "unique" : "syntax");
        return;
    }
    struct store_admin out;
    if (store_admin_get(a->cfg.st, id, &out) != 0) {
        api_problem(resp, 500, NULL, "account not readable", NULL, NULL);
        return;
    }
    json_t *o = json_pack("{s:o}", "admin", account_json(&out));
    http_resp_json(resp, 201, o);
    json_decref(o);
}

static void on_rm(void *ctx, const struct http_req *req, struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    char name[STORE_ADMIN_USERNAME_MAX + 1];
    struct store_admin t;
    if (!may_manage(&c)) {
        api_problem(resp, 403, "Forbidden", NULL, NULL, "role");
        return;
    }
    if (sv_copy_cstr(http_req_param(req, "username"), name, sizeof(name)) != 0
        || store_admin_find(a->cfg.st, name, &t) != 0
        || (c.p.role == STORE_ADMIN_TENANT
            && (t.role == STORE_ADMIN_SYSTEM
                || t.tenant_id != c.p.tenant_id))) {
        api_problem(resp, 404, "No such account", NULL, "username",
                    "not_found");
        return;
    }
    if (t.id == c.p.admin_id) {
        api_problem(resp, 409, "Cannot remove yourself", NULL, "username",
                    "self");
        return;
    }
    int rc = store_admin_rm(a->cfg.st, t.id);
    struct admin_actor who;
    api_actor(&c, req, &who);
    admin_audit_write(a->cfg.admin, &who, "admin.rm", t.username, t.tenant_id,
                      rc == 0 ? "ok" : "error", NULL, NULL);
    if (rc != 0) {
        api_problem(resp, 500, NULL, "account not removed", NULL, NULL);
        return;
    }
    http_resp_set(resp, 204, NULL, NULL, 0);
}

static void on_password(void *ctx, const struct http_req *req,
                        struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    const char *cur = member(req, "password");
    const char *next = member(req, "new_password");
    struct store_admin me;
    if (c.p.admin_id == 0 || store_admin_get(a->cfg.st, c.p.admin_id, &me) != 0
        || cur == NULL || next == NULL) {
        api_problem(resp, 422, "Missing member",
                    "password and new_password are required", "new_password",
                    "required");
        return;
    }
    char hash[ADMIN_PW_HASH_CAP];
    if (store_admin_pw_hash(a->cfg.st, me.id, hash, sizeof(hash)) != 0
        || admin_password_verify(hash, cur) != 0) {
        sodium_memzero(hash, sizeof(hash));
        api_problem(resp, 403, "Wrong password", NULL, "password",
                    "credentials");
        return;
    }
    sodium_memzero(hash, sizeof(hash));
    struct admin_actor who;
    api_actor(&c, req, &who);
    struct policy_violation why;
    int rc = admin_password_set(a->cfg.admin, &who, me.id, next, false,
                                c.p.session_id, &why);
    if (rc == -EINVAL) {
        api_problem(resp, 422, "Password refused", why.message, "new_password",
                    policy_rule_name(why.rule));
        return;
    }
    if (rc != 0) {
        api_problem(resp, 500, NULL, "password not changed", NULL, NULL);
        return;
    }
    http_resp_set(resp, 204, NULL, NULL, 0);
}

const struct api_fixed_route api_account_routes[] = {
    { HTTP_GET, "/api/v1/admins", on_list, "Portal accounts" },
    { HTTP_POST, "/api/v1/admins", on_add,
      "Add a portal account (username, password, role, [domain], [ext])" },
    { HTTP_DELETE, "/api/v1/admins/{username}", on_rm,
      "Remove a portal account" },
    { HTTP_POST, "/api/v1/auth/password", on_password,
      "Change your password (password, new_password)" },
};
const size_t api_account_count =
    sizeof(api_account_routes) / sizeof(api_account_routes[0]);
