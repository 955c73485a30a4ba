/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who is calling, and the sign-in endpoints. A portal session is a cookie
 * (Secure, HttpOnly, SameSite=Strict) plus a CSRF token the page sends in
 * X-CSRF-Token on every change; an API client sends a bearer token. Sign-in
 * goes through src/admin (web login protection, admin networks, forced
 * password change, TOTP); a sign-in that starts a block also bans the
 * address in the shield. Support links open a session once, audited. A
 * system administrator without TOTP while require_2fa is on is held to
 * the enrolment endpoints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "admin/audit.h"
#include "admin/login.h"
#include "admin/mfa.h"
#include "admin/qr.h"
#include "admin/settings.h"
#include "admin/support.h"
#include "api/api_int.h"
#include "base/log.h"
#include "sec/event.h"
#include "store/store.h"

#define COOKIE "sw_session"

/* ---- identity ---------------------------------------------------------- */

/* The value of cookie 'name' in the Cookie header(s), or SV_NULL. */
static struct sv cookie_value(struct sv cookies, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = cookies.p;
    const char *end = p ? p + cookies.len : NULL;
    while (p && p < end) {
        while (p < end && (*p == ' ' || *p == ';')) {
            p++;
        }
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0
            && p[nlen] == '=') {
            return sv_make(p + nlen + 1, (size_t)(stop - p - (long)nlen - 1));
        }
        p = stop;
    }
    return SV_NULL;
}

struct user_find {
    int64_t id;
    char ext[STORE_EXT_MAX + 1];
};

static int user_cb(void *ud, const struct store_user *u)
{
    struct user_find *f = ud;
    if (u->id == f->id) {
        snprintf(f->ext, sizeof(f->ext), "%s", u->ext);
        return 1;
    }
    return 0;
}

struct tenant_find {
    int64_t id;
    char domain[STORE_DOMAIN_MAX + 1];
};

static int tenant_cb(void *ud, const struct store_tenant *t)
{
    struct tenant_find *f = ud;
    if (t->id == f->id) {
        snprintf(f->domain, sizeof(f->domain), "%s", t->domain);
        return 1;
    }
    return 0;
}

/* "ext@domain" of a portal user's SIP account. */
static void linked_user(struct api *a, struct api_caller *c)
{
    c->user[0] = '\0';
    if (c->p.user_id == 0 || c->p.tenant_id == 0) {
        return;
    }
    struct tenant_find t = { c->p.tenant_id, "" };
    struct user_find u = { c->p.user_id, "" };
    store_tenant_list(a->cfg.st, tenant_cb, &t);
    store_user_list(a->cfg.st, c->p.tenant_id, user_cb, &u);
    if (t.domain[0] && u.ext[0]) {
        snprintf(c->user, sizeof(c->user), "%s@%s", u.ext, t.domain);
    }
}

static bool is_unsafe(enum http_method m)
{
    return m != HTTP_GET && m != HTTP_HEAD && m != HTTP_OPTIONS;
}

/* What a system administrator who must enrol TOTP first may still do. */
static bool enrolment_path(struct sv path)
{
    static const char *const ok[] = {
        "/api/v1/auth/me",          "/api/v1/auth/2fa/enrol",
        "/api/v1/auth/2fa/confirm", "/api/v1/auth/logout",
        "/api/v1/auth/password",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (sv_eq_cstr(path, ok[i])) {
            return true;
        }
    }
    return false;
}

bool api_authenticate(struct api *a, const struct http_req *req,
                      struct http_resp *resp, struct api_caller *c)
{
    char token[ADMIN_TOKEN_CAP + 1];
    struct sv tok = SV_NULL;
    memset(c, 0, sizeof(*c));
    /* A change made by the CLI in the database applies from here on. */
    (void)admin_settings_refresh(a->cfg.admin);
    if (req->authorization.len > 7
        && strncasecmp(req->authorization.p, "Bearer ", 7) == 0) {
        tok = sv_make(req->authorization.p + 7, req->authorization.len - 7);
    } else {
        tok = cookie_value(req->cookie, COOKIE);
        c->is_cookie = tok.p != NULL;
    }
    if (tok.len == 0 || tok.len >= sizeof(token)) {
        api_problem(resp, 401, "Authentication required",
                    "sign in (POST /api/v1/auth/login) or send a bearer token",
                    NULL, "session");
        return false;
    }
    memcpy(token, tok.p, tok.len);
    token[tok.len] = '\0';
    int rc = admin_session_lookup(a->cfg.admin, token, true, &c->p);
    sodium_memzero(token, sizeof(token));
    if (rc != 0) {
        api_problem(resp, 401, "Authentication required",
                    "the session ended or the token is not valid", NULL,
                    "session");
        return false;
    }
    if (c->is_cookie && is_unsafe(req->method)) {
        char csrf[ADMIN_TOKEN_CAP + 1] = "";
        if (req->csrf_token.len < sizeof(csrf)) {
            memcpy(csrf, req->csrf_token.p ? req->csrf_token.p : "",
                   req->csrf_token.len);
            csrf[req->csrf_token.len] = '\0';
        }
        if (!admin_session_csrf_ok(&c->p, csrf)) {
            api_problem(resp, 403, "CSRF token missing or wrong",
                        "send the session's token in X-CSRF-Token",
                        "X-CSRF-Token", "csrf");
            return false;
        }
    }
    if (c->p.must_enrol_2fa && !enrolment_path(req->path)) {
        api_problem(resp, 403, "Two-factor authentication required",
                    "system administrators must enrol TOTP first "
                    "(POST /api/v1/auth/2fa/enrol, then /auth/2fa/confirm)",
                    NULL, "2fa_required");
        return false;
    }
    if (c->p.role == STORE_ADMIN_USER) {
        linked_user(a, c);
    }
    return true;
}

void api_actor(const struct api_caller *c, const struct http_req *req,
               struct admin_actor *out)
{
    admin_principal_actor(&c->p, req->client_ip, out);
}

/* ---- helpers ----------------------------------------------------------- */

static const char *str_member(const struct http_req *req, const char *name)
{
    return json_is_object(req->json)
               ? json_string_value(json_object_get(req->json, name))
               : NULL;
}

static void set_cookie(struct http_resp *resp, const char *token,
                       int64_t max_age)
{
    char v[ADMIN_TOKEN_CAP + 128];
    snprintf(v, sizeof(v),
             COOKIE "=%s; Path=/; Max-Age=%lld; Secure; HttpOnly; "
                    "SameSite=Strict",
             token, (long long)(max_age > 0 ? max_age : 0));
    http_resp_header_add(resp, "Set-Cookie", v);
}

static void ok_json(struct http_resp *resp, int status, json_t *o)
{
    if (o == NULL) {
        api_problem(resp, 500, NULL, "out of memory", NULL, NULL);
        return;
    }
    http_resp_json(resp, status, o);
    json_decref(o);
}

/* ---- sign-in ----------------------------------------------------------- */

static void on_login(void *ctx, const struct http_req *req,
                     struct http_resp *resp)
{
    struct api *a = ctx;
    const char *user = str_member(req, "username");
    const char *pw = str_member(req, "password");
    if (user == NULL || pw == NULL) {
        api_problem(resp, 422, "Missing credentials",
                    "username and password are required",
                    user ? "password" : "username", "required");
        return;
    }
    const char *kind = str_member(req, "kind");
    (void)admin_settings_refresh(a->cfg.admin);
    struct admin_login_req lr = {
        .username = user,
        .password = pw,
        .otp = str_member(req, "otp"),
        .new_password = str_member(req, "new_password"),
        .client = &req->peer,
        .user_agent = NULL,
        .kind = kind && strcmp(kind, "token") == 0 ? STORE_SESSION_API_TOKEN
                                                   : STORE_SESSION_COOKIE,
    };
    struct admin_login_res res;
    if (admin_login(a->cfg.admin, &lr, &res) != 0) {
        api_problem(resp, 500, NULL, "sign-in failed", NULL, NULL);
        return;
    }
    if (res.newly_blocked && a->cfg.ban) {
        a->cfg.ban(a->cfg.ud, &req->peer, a->cfg.admin->cfg.login_block_s,
                   "web_login");
    }
    /* Security events: a refused credential or code (the attempt that
     * starts a block was one), and every attempt refused by the block. */
    char who[LOG_ESC_CAP];
    log_escape(sv_cstr(user), who, sizeof(who));
    if (res.status == ADMIN_LOGIN_BAD_CREDENTIALS
        || res.status == ADMIN_LOGIN_NETWORK_REFUSED
        || res.status == ADMIN_LOGIN_BAD_OTP || res.newly_blocked) {
        sec_ev_log(SEC_EV_LOGIN_FAILURE,
                   "src=%s user=\"%s\" result=%s failures=%u", req->client_ip,
                   who, admin_login_status_name(res.status), res.failures);
    }
    if (res.status == ADMIN_LOGIN_BLOCKED) {
        sec_ev_log(SEC_EV_LOGIN_BLOCKED,
                   "src=%s user=\"%s\" retry_after_s=%u new=%s", req->client_ip,
                   who, res.blocked_s, res.newly_blocked ? "yes" : "no");
    }
    char retry[16];
    switch (res.status) {
    case ADMIN_LOGIN_OK:
        break;
    case ADMIN_LOGIN_BAD_CREDENTIALS:
    case ADMIN_LOGIN_NETWORK_REFUSED:
        api_problem(resp, 401, "Sign-in refused", "wrong username or password",
                    NULL, "credentials");
        return;
    case ADMIN_LOGIN_OTP_REQUIRED:
        api_problem(resp, 401, "Second factor required",
                    "send the code of your authenticator app in otp", "otp",
                    "otp_required");
        return;
    case ADMIN_LOGIN_BAD_OTP:
        api_problem(resp, 401, "Sign-in refused", "wrong or reused code", "otp",
                    "otp");
        return;
    case ADMIN_LOGIN_CHANGE_REQUIRED:
        api_problem(resp, 403, "Password change required",
                    "choose a new password and send it in new_password",
                    "new_password", "must_change");
        return;
    case ADMIN_LOGIN_PASSWORD_REFUSED:
        api_problem(resp, 422, "Password refused", res.violation.message,
                    "new_password", policy_rule_name(res.violation.rule));
        return;
    case ADMIN_LOGIN_BLOCKED:
        snprintf(retry, sizeof(retry), "%u", res.blocked_s);
        http_resp_header_add(resp, "Retry-After", retry);
        api_problem(resp, 429, "Too many failed sign-ins",
                    "this address is blocked for a while", NULL, "blocked");
        return;
    }
    int64_t now = admin_now(a->cfg.admin);
    json_t *o =
        json_pack("{s:s,s:I,s:s}", "session", res.session.id, "expires_at",
                  (json_int_t)res.session.expires_at, "username", user);
    if (lr.kind == STORE_SESSION_COOKIE) {
        set_cookie(resp, res.session.token, res.session.expires_at - now);
        json_object_set_new(o, "csrf_token", json_string(res.session.csrf));
    } else {
        json_object_set_new(o, "token", json_string(res.session.token));
    }
    if (res.used_recovery) {
        json_object_set_new(o, "recovery_codes_left",
                            json_integer(res.recovery_left));
    }
    sodium_memzero(&res.session, sizeof(res.session));
    ok_json(resp, 200, o);
}

static void on_logout(void *ctx, const struct http_req *req,
                      struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    struct admin_actor who;
    api_actor(&c, req, &who);
    admin_session_revoke(a->cfg.admin, &who, c.p.session_id);
    if (c.is_cookie) {
        set_cookie(resp, "", 0);
    }
    http_resp_set(resp, 204, NULL, NULL, 0);
}

static void on_me(void *ctx, const struct http_req *req, struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    struct store_tenant t;
    const char *tenant = "";
    if (c.p.tenant_id != 0
        && store_tenant_get(a->cfg.st, c.p.tenant_id, &t) == 0) {
        tenant = t.domain;
    }
    ok_json(resp, 200,
            json_pack("{s:s,s:s,s:I,s:s,s:b,s:b,s:I,s:s,s:b}", "name", c.p.name,
                      "role", store_admin_role_name(c.p.role), "tenant_id",
                      (json_int_t)c.p.tenant_id, "tenant", tenant,
                      "must_change", c.p.must_change, "must_enrol_2fa",
                      c.p.must_enrol_2fa, "expires_at",
                      (json_int_t)c.p.expires_at, "user", c.user, "support",
                      c.p.support_id != 0));
}

/* ---- sessions and tokens ----------------------------------------------- */

static int session_cb(void *ud, const struct store_session *s)
{
    json_array_append_new(
        ud,
        json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "id", s->id, "kind",
                  s->kind == STORE_SESSION_COOKIE ? "cookie" : "token", "label",
                  s->label, "created_at", (json_int_t)s->created_at,
                  "last_seen_at", (json_int_t)s->last_seen_at, "expires_at",
                  (json_int_t)s->expires_at, "client_ip", s->client_ip));
    return 0;
}

static void on_sessions(void *ctx, const struct http_req *req,
                        struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    json_t *arr = json_array();
    admin_session_list(a->cfg.admin, c.p.admin_id, session_cb, arr);
    ok_json(resp, 200,
            json_pack("{s:o,s:s}", "sessions", arr, "current", c.p.session_id));
}

static void on_session_rm(void *ctx, const struct http_req *req,
                          struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    char id[ADMIN_HASH_CAP];
    struct sv v = http_req_param(req, "id");
    bool mine = false;
    if (sv_copy_cstr(v, id, sizeof(id)) == 0) {
        /* only the caller's own sessions (system admins: any) */
        json_t *arr = json_array();
        admin_session_list(a->cfg.admin,
                           c.p.role == STORE_ADMIN_SYSTEM ? 0 : c.p.admin_id,
                           session_cb, arr);
        size_t i;
        json_t *it;
        json_array_foreach(arr, i, it)
        {
            const char *sid = json_string_value(json_object_get(it, "id"));
            mine = mine || (sid && strcmp(sid, id) == 0);
        }
        json_decref(arr);
    }
    if (!mine) {
        api_problem(resp, 404, "No such session", NULL, "id", "not_found");
        return;
    }
    struct admin_actor who;
    api_actor(&c, req, &who);
    admin_session_revoke(a->cfg.admin, &who, id);
    http_resp_set(resp, 204, NULL, NULL, 0);
}

static void on_token(void *ctx, const struct http_req *req,
                     struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    if (c.p.admin_id == 0 || c.p.must_change) {
        api_problem(resp, 403, "Forbidden", "this session may not make tokens",
                    NULL, "role");
        return;
    }
    json_t *ttl =
        json_is_object(req->json) ? json_object_get(req->json, "ttl_s") : NULL;
    uint32_t max_s = a->cfg.admin->cfg.api_token_max_s;
    if (ttl != NULL
        && (!json_is_integer(ttl) || json_integer_value(ttl) < 1
            || json_integer_value(ttl) > (json_int_t)max_s)) {
        char detail[96];
        snprintf(detail, sizeof(detail),
                 "ttl_s must be a whole number of seconds from 1 to %u", max_s);
        api_problem(resp, 422, "Bad token lifetime", detail, "ttl_s", "range");
        return;
    }
    const char *label = str_member(req, "label");
    if (label != NULL && strlen(label) > STORE_SESSION_LABEL_MAX) {
        api_problem(resp, 422, "Bad token label",
                    "label is longer than 64 characters", "label", "too_long");
        return;
    }
    struct admin_session_opts o = {
        .kind = STORE_SESSION_API_TOKEN,
        .client_ip = req->client_ip,
        .label = label,
        .ttl_s = ttl ? (uint32_t)json_integer_value(ttl) : 0,
    };
    struct admin_session_new s;
    if (admin_session_create(a->cfg.admin, c.p.admin_id, &o, &s) != 0) {
        api_problem(resp, 422, "Token refused",
                    "the label has characters a label may not have", "label",
                    "format");
        return;
    }
    json_t *out = json_pack("{s:s,s:s,s:I}", "token", s.token, "id", s.id,
                            "expires_at", (json_int_t)s.expires_at);
    sodium_memzero(&s, sizeof(s));
    ok_json(resp, 201, out);
}

/* ---- two-factor enrolment ---------------------------------------------- */

static void on_2fa_enrol(void *ctx, const struct http_req *req,
                         struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    if (c.p.admin_id == 0) {
        api_problem(resp, 403, "Forbidden", NULL, NULL, "role");
        return;
    }
    struct admin_actor who;
    api_actor(&c, req, &who);
    struct admin_totp_enrolment en;
    if (admin_mfa_enrol_begin(a->cfg.admin, &who, c.p.admin_id, &en) != 0) {
        api_problem(resp, 500, NULL, "enrolment failed", NULL, NULL);
        return;
    }
    /* The QR code is the URI, secret included: it goes to this answer
     * only, like the secret itself. */
    char *svg = NULL;
    int qrc = admin_qr_svg(en.uri, &svg, NULL);
    json_t *o = json_pack("{s:s,s:s}", "secret", en.secret_b32, "uri", en.uri);
    sodium_memzero(&en, sizeof(en));
    if (o && qrc == 0) {
        json_object_set_new(o, "qr_svg", json_string(svg));
        sodium_memzero(svg, strlen(svg));
    }
    free(svg);
    ok_json(resp, 200, o);
}

static void on_2fa_confirm(void *ctx, const struct http_req *req,
                           struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    /* "otp" as at sign-in; "code" accepted too. */
    const char *code = str_member(req, "otp");
    if (code == NULL) {
        code = str_member(req, "code");
    }
    if (c.p.admin_id == 0 || code == NULL) {
        api_problem(resp, 422, "Code required",
                    "send the code your app shows in otp", "otp", "required");
        return;
    }
    struct admin_actor who;
    api_actor(&c, req, &who);
    char codes[ADMIN_RECOVERY_CODES][ADMIN_RECOVERY_CODE_CAP];
    int rc =
        admin_mfa_enrol_confirm(a->cfg.admin, &who, c.p.admin_id, code, codes);
    if (rc != 0) {
        api_problem(resp, rc == -ENOENT ? 409 : 422, "Code refused",
                    rc == -ENOENT ? "start the enrolment first" : "wrong code",
                    "otp", "otp");
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; i < ADMIN_RECOVERY_CODES; i++) {
        json_array_append_new(arr, json_string(codes[i]));
    }
    sodium_memzero(codes, sizeof(codes));
    ok_json(resp, 200, json_pack("{s:o}", "recovery_codes", arr));
}

/* ---- support links ------------------------------------------------------ */

static void on_support_create(void *ctx, const struct http_req *req,
                              struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    if (c.p.role != STORE_ADMIN_SYSTEM || c.p.must_change) {
        api_problem(resp, 403, "Forbidden",
                    "only system administrators make support links", NULL,
                    "role");
        return;
    }
    const char *domain = str_member(req, "domain");
    json_t *hours =
        json_is_object(req->json) ? json_object_get(req->json, "hours") : NULL;
    struct store_tenant t;
    if (domain == NULL || store_tenant_find(a->cfg.st, domain, &t) != 0) {
        api_problem(resp, 422, "Unknown tenant", "domain names no tenant",
                    "domain", "not_found");
        return;
    }
    if (!json_is_integer(hours) || json_integer_value(hours) < 1
        || json_integer_value(hours) > 72) {
        api_problem(resp, 422, "Bad duration",
                    "hours must be a whole number from 1 to 72", "hours",
                    "range");
        return;
    }
    struct admin_support_req sr = {
        .tenant_id = t.id,
        .role = STORE_ADMIN_TENANT,
        .ttl_s = (uint32_t)json_integer_value(hours) * 3600u,
        .note = str_member(req, "note"),
    };
    const char *role = str_member(req, "role");
    if (role != NULL
        && (store_admin_role_parse(role, &sr.role) != 0
            || sr.role == STORE_ADMIN_SYSTEM)) {
        api_problem(resp, 422, "Bad role",
                    "a support link is for role tenant_admin or user", "role",
                    "enum");
        return;
    }
    if (sr.role == STORE_ADMIN_USER) {
        const char *ext = str_member(req, "ext");
        struct store_user u;
        if (ext == NULL || store_user_find(a->cfg.st, t.id, ext, &u) != 0) {
            api_problem(resp, 422, "Unknown user",
                        "a support link for role user names the user's "
                        "extension in ext",
                        "ext", "not_found");
            return;
        }
        sr.user_id = u.id;
    }
    struct admin_actor who;
    api_actor(&c, req, &who);
    char token[ADMIN_TOKEN_CAP];
    int64_t id = 0, expires = 0;
    if (admin_support_create(a->cfg.admin, &who, &sr, token, &id, &expires)
        != 0) {
        api_problem(resp, 422, "Support link refused", NULL, NULL, NULL);
        return;
    }
    char url[ADMIN_TOKEN_CAP + 32];
    snprintf(url, sizeof(url), "/api/v1/support/%s", token);
    json_t *o = json_pack("{s:I,s:s,s:I}", "id", (json_int_t)id, "url", url,
                          "expires_at", (json_int_t)expires);
    sodium_memzero(token, sizeof(token));
    sodium_memzero(url, sizeof(url));
    ok_json(resp, 201, o);
}

struct support_list {
    json_t *arr;
    struct store *st;
};

static int support_link_cb(void *ud, const struct store_support_link *l)
{
    struct support_list *x = ud;
    struct store_tenant t;
    const char *domain =
        store_tenant_get(x->st, l->tenant_id, &t) == 0 ? t.domain : "";
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:b,s:I,s:I}", "id", (json_int_t)l->id,
        "domain", domain, "role", store_admin_role_name(l->role), "note",
        l->note, "created_at", (json_int_t)l->created_at, "expires_at",
        (json_int_t)l->expires_at, "revoked_at", (json_int_t)l->revoked_at,
        "revoked", l->revoked_at != 0, "uses", (json_int_t)l->uses,
        "last_used_at", (json_int_t)l->last_used_at);
    if (o == NULL || json_array_append_new(x->arr, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static void on_support_list(void *ctx, const struct http_req *req,
                            struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    if (c.p.role != STORE_ADMIN_SYSTEM) {
        api_problem(resp, 403, "Forbidden",
                    "only system administrators see support links", NULL,
                    "role");
        return;
    }
    struct support_list x = { json_array(), a->cfg.st };
    json_t *arr = x.arr;
    if (arr == NULL
        || admin_support_list(a->cfg.admin, 0, support_link_cb, &x) != 0) {
        json_decref(arr);
        api_problem(resp, 500, NULL, "support links not readable", NULL, NULL);
        return;
    }
    ok_json(resp, 200, json_pack("{s:o}", "links", arr));
}

static void on_support_revoke(void *ctx, const struct http_req *req,
                              struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    struct sv v = http_req_param(req, "id");
    char idt[24];
    if (c.p.role != STORE_ADMIN_SYSTEM) {
        api_problem(resp, 403, "Forbidden", NULL, NULL, "role");
        return;
    }
    if (sv_copy_cstr(v, idt, sizeof(idt)) != 0) {
        api_problem(resp, 404, "No such link", NULL, "id", "not_found");
        return;
    }
    struct admin_actor who;
    api_actor(&c, req, &who);
    if (admin_support_revoke(a->cfg.admin, &who, strtoll(idt, NULL, 10)) != 0) {
        api_problem(resp, 404, "No such link", NULL, "id", "not_found");
        return;
    }
    http_resp_set(resp, 204, NULL, NULL, 0);
}

static void on_support_use(void *ctx, const struct http_req *req,
                           struct http_resp *resp)
{
    struct api *a = ctx;
    char token[ADMIN_TOKEN_CAP + 1];
    struct sv v = http_req_param(req, "token");
    struct admin_support_res res;
    memset(&res, 0, sizeof(res));
    int rc = -ENOENT;
    (void)admin_settings_refresh(a->cfg.admin);
    if (sv_copy_cstr(v, token, sizeof(token)) == 0) {
        rc = admin_support_use(a->cfg.admin, token, &req->peer, NULL, &res);
    }
    sodium_memzero(token, sizeof(token));
    if (res.newly_blocked && a->cfg.ban) {
        a->cfg.ban(a->cfg.ud, &req->peer, a->cfg.admin->cfg.login_block_s,
                   "web_login");
    }
    if (rc != 0) {
        api_problem(resp, 403, "Link not valid",
                    "the link is unknown, expired or revoked", NULL,
                    "support_link");
        return;
    }
    set_cookie(resp, res.session.token,
               res.session.expires_at - admin_now(a->cfg.admin));
    /* The portal takes the CSRF token from the fragment, which the
     * browser keeps to itself (never sent, never in a Referer). */
    char loc[ADMIN_TOKEN_CAP + 16];
    snprintf(loc, sizeof(loc), "/#csrf=%s", res.session.csrf);
    http_resp_header_add(resp, "Location", loc);
    sodium_memzero(loc, sizeof(loc));
    sodium_memzero(&res.session, sizeof(res.session));
    http_resp_set(resp, 303, NULL, NULL, 0);
}

/* ---- audit log ---------------------------------------------------------- */

static int audit_cb(void *ud, const struct store_audit *e)
{
    json_t *o =
        json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:I}", "id", (json_int_t)e->id,
                  "at", (json_int_t)e->at, "actor", e->actor, "client_ip",
                  e->client_ip, "action", e->action, "target", e->target,
                  "result", e->result, "tenant_id", (json_int_t)e->tenant_id);
    if (o && e->old_json && e->old_json[0]) {
        json_t *ov = json_loads(e->old_json, 0, NULL);
        json_object_set_new(o, "old", ov ? ov : json_null());
    }
    if (o && e->new_json && e->new_json[0]) {
        json_t *nv = json_loads(e->new_json, 0, NULL);
        json_object_set_new(o, "new", nv ? nv : json_null());
    }
    if (o) {
        json_array_append_new(ud, o);
    }
    return 0;
}

static void on_audit(void *ctx, const struct http_req *req,
                     struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    if (c.p.role == STORE_ADMIN_USER || c.p.must_change) {
        api_problem(resp, 403, "Forbidden", NULL, NULL, "role");
        return;
    }
    char actor[64] = "", action[64] = "";
    struct sv v;
    struct store_audit_filter f = { 0 };
    if ((v = http_req_arg(req, "actor")).p
        && sv_copy_cstr(v, actor, sizeof(actor)) == 0) {
        f.actor = actor;
    }
    if ((v = http_req_arg(req, "action")).p
        && sv_copy_cstr(v, action, sizeof(action)) == 0) {
        f.action_prefix = action;
    }
    f.tenant_id = c.p.role == STORE_ADMIN_TENANT ? c.p.tenant_id : 0;
    f.limit = 100;
    if ((v = http_req_arg(req, "limit")).p && v.len > 0 && v.len < 5) {
        f.limit = (uint32_t)strtoul(v.p, NULL, 10);
        f.limit = f.limit == 0 || f.limit > 1000 ? 100 : f.limit;
    }
    if ((v = http_req_arg(req, "offset")).p && v.len > 0 && v.len < 10) {
        f.offset = (uint32_t)strtoul(v.p, NULL, 10);
    }
    json_t *arr = json_array();
    if (admin_audit_list(a->cfg.admin, &f, audit_cb, arr) != 0) {
        json_decref(arr);
        api_problem(resp, 500, NULL, "audit log unreadable", NULL, NULL);
        return;
    }
    ok_json(resp, 200, json_pack("{s:o}", "entries", arr));
}

static void on_openapi(void *ctx, const struct http_req *req,
                       struct http_resp *resp)
{
    (void)ctx;
    (void)req;
    ok_json(resp, 200, api_openapi());
}

const struct api_fixed_route api_fixed_routes[] = {
    { HTTP_POST, "/api/v1/auth/login", on_login,
      "Sign in (username, password, [otp], [new_password], [kind token])" },
    { HTTP_POST, "/api/v1/auth/logout", on_logout, "End this session" },
    { HTTP_GET, "/api/v1/auth/me", on_me, "Who is signed in" },
    { HTTP_GET, "/api/v1/auth/sessions", on_sessions, "Your live sessions" },
    { HTTP_DELETE, "/api/v1/auth/sessions/{id}", on_session_rm,
      "Revoke a session" },
    { HTTP_POST, "/api/v1/auth/tokens", on_token, "Make an API token" },
    { HTTP_POST, "/api/v1/auth/2fa/enrol", on_2fa_enrol,
      "Start TOTP enrolment (secret, otpauth URI and its QR code as SVG)" },
    { HTTP_POST, "/api/v1/auth/2fa/confirm", on_2fa_confirm,
      "Confirm TOTP with a code in otp (recovery codes)" },
    { HTTP_POST, "/api/v1/support-links", on_support_create,
      "Make a support link (domain, hours <= 72)" },
    { HTTP_GET, "/api/v1/support-links", on_support_list,
      "Support links, newest first (never their secrets)" },
    { HTTP_DELETE, "/api/v1/support-links/{id}", on_support_revoke,
      "Revoke a support link" },
    { HTTP_GET, "/api/v1/support/{token}", on_support_use,
      "Open a support session" },
    { HTTP_GET, "/api/v1/audit", on_audit, "Audit log, newest first" },
    { HTTP_GET, "/api/v1/openapi.json", on_openapi, "This description" },
};
const size_t api_fixed_count =
    sizeof(api_fixed_routes) / sizeof(api_fixed_routes[0]);
