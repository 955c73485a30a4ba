/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the REST API: the route table (routes.c), the caller's identity
 * (auth.c), the generic resource handler (resource.c) and the OpenAPI
 * document (openapi.c).
 */
#ifndef SW_API_API_INT_H
#define SW_API_API_INT_H

#include <stdbool.h>

#include "admin/session.h"
#include "api/api.h"
#include "api/metrics.h"
#include "http/http.h"

/* Who may use a route. */
enum api_scope {
    API_SYSTEM = 0, /* system administrators only */
    API_TENANT,     /* system administrators, or the {domain}'s admins */
    API_OWN,        /* as API_TENANT, and a user for their own records */
};

#define API_MAX_QUERY 6

/* One REST route onto one operation of src/ops. */
struct api_route {
    enum http_method method;
    const char *path; /* "/api/v1/tenants/{domain}/users/{ext}" */
    const char *op;   /* "user.set" */
    enum api_scope scope;
    const char *list;                 /* array member to page, or NULL */
    const char *query[API_MAX_QUERY]; /* query arguments given to the op */
    bool created;                     /* 201 on success */
    bool user_member; /* {ext}@{domain} goes to the op as "user" */
    const char *summary;
};

extern const struct api_route api_routes_table[];
extern const size_t api_routes_count;

struct api {
    struct api_cfg cfg;
    struct http_server *srv; /* set by api_routes(): /metrics reads it */
    struct sec_net metrics_allow[API_METRICS_NETS_MAX]; /* [metrics] allow */
    size_t n_metrics_allow;
};

/* The caller, once authenticated. */
struct api_caller {
    struct admin_principal p;
    bool is_cookie;
    char user[300]; /* role user: "ext@domain" of the linked SIP user */
};

/*
 * Authenticate 'req' (session cookie or bearer token); for a cookie
 * session, unsafe methods need the CSRF token. A system administrator
 * who must enrol TOTP first (require_2fa) may only use /auth/me,
 * /auth/2fa/enrol, /auth/2fa/confirm, /auth/logout and /auth/password:
 * anything else is 403 rule "2fa_required". Picks up admin settings
 * changed by another process first (when another connection committed). Returns
 * true with 'c' filled, or false with 'resp' set to the problem (401 / 403).
 */
bool api_authenticate(struct api *a, const struct http_req *req,
                      struct http_resp *resp, struct api_caller *c);

/* The audit actor of a caller. */
void api_actor(const struct api_caller *c, const struct http_req *req,
               struct admin_actor *out);

/* A problem answer in one call. */
void api_problem(struct http_resp *resp, int status, const char *title,
                 const char *detail, const char *field, const char *rule);

/* The generic handler of every table route ('ctx' is the route). */
struct api_route_ctx {
    struct api *a;
    const struct api_route *r;
};
void api_resource(void *ctx, const struct http_req *req,
                  struct http_resp *resp);

/* The sign-in, session, support and audit endpoints (auth.c). */
struct api_fixed_route {
    enum http_method method;
    const char *path;
    http_handler_fn *fn;
    const char *summary;
};
extern const struct api_fixed_route api_fixed_routes[];
extern const size_t api_fixed_count;
/* Portal accounts (accounts.c). */
extern const struct api_fixed_route api_account_routes[];
extern const size_t api_account_count;
/* GET /metrics (metrics.c). */
extern const struct api_fixed_route api_metrics_routes[];
extern const size_t api_metrics_count;
/* Admin settings and tenant password policies (settings.c). */
extern const struct api_fixed_route api_settings_routes[];
extern const size_t api_settings_count;

/* Every table of handler routes, for registration and the OpenAPI
 * document (api.c). A new file of routes adds its table here. */
struct api_fixed_table {
    const struct api_fixed_route *routes;
    const size_t *count;
};
extern const struct api_fixed_table api_fixed_tables[];
extern const size_t api_fixed_tables_count;

#endif
