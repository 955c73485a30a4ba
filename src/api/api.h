/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST API under /api/v1: who is calling (a portal session cookie with
 * its CSRF token, or a bearer token), what their role lets them do (system
 * administrator, tenant administrator of one tenant, user), the resources
 * mapped onto the named operations of src/ops (the same ones the CLI
 * uses), problem+json errors naming the field and the rule, list paging,
 * filtering and sorting, the audit trail of every change, the sign-in
 * endpoints and an OpenAPI 3 description generated from the same route
 * table. It runs on the HTTP server's thread; operations that change the
 * daemon's state are handed to the daemon through 'exec'.
 */
#ifndef SW_API_API_H
#define SW_API_API_H

#include <jansson.h>
#include <stdint.h>

struct admin_ctx;
struct http_server;
struct net_addr;
struct store;

/*
 * Run an operation of src/ops for the API (on whatever thread owns the
 * daemon's state) as the operator at 'client_ip'. Same contract as
 * ops_exec(): returns 0 or a negative errno, *resp a new object.
 */
typedef int api_exec_fn(void *ud, const json_t *req, const char *client_ip,
                        json_t **resp);

/* Ban 'client' in the shield for 'seconds' (web login protection). */
typedef void api_ban_fn(void *ud, const struct net_addr *client,
                        uint32_t seconds, const char *reason);

struct api_cfg {
    struct admin_ctx *admin; /* accounts, sessions, audit (HTTP thread) */
    struct store *st;        /* the HTTP thread's store handle */
    api_exec_fn *exec;
    api_ban_fn *ban; /* NULL: no shield */
    void *ud;        /* for exec and ban */
    /* [metrics] allow: networks that read /metrics without credentials
     * (comma-separated); NULL = API_METRICS_ALLOW_DEFAULT (loopback) */
    const char *metrics_allow;
};

struct api;

/* Returns 0 or -ENOMEM / -EINVAL (no admin, store or exec, or a bad
 * metrics_allow). */
int api_new(const struct api_cfg *cfg, struct api **out);
void api_free(struct api *a);

/* Register every route on 'srv' (before it starts). Returns 0 or the
 * server's error. */
int api_routes(struct api *a, struct http_server *srv);

/* The OpenAPI 3 document of the routes (a new object), for tests. */
json_t *api_openapi(void);

#endif
