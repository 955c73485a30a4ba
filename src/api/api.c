/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's life: configuration, and the registration of every route of
 * the resource table and of the fixed endpoints on the HTTP server.
 */
#include <errno.h>
#include <stdlib.h>

#include "api/api_int.h"
#include "api/events.h"

/* Every table of handler routes (api_int.h). */
const struct api_fixed_table api_fixed_tables[] = {
    { api_fixed_routes, &api_fixed_count },
    { api_account_routes, &api_account_count },
    { api_settings_routes, &api_settings_count },
    { api_event_routes, &api_event_count },
    { api_metrics_routes, &api_metrics_count },
};
const size_t api_fixed_tables_count =
    sizeof(api_fixed_tables) / sizeof(api_fixed_tables[0]);

struct api_full {
    struct api a;
    struct api_route_ctx ctx[]; /* one per table route */
};

int api_new(const struct api_cfg *cfg, struct api **out)
{
    if (cfg == NULL || cfg->admin == NULL || cfg->st == NULL
        || cfg->exec == NULL) {
        return -EINVAL;
    }
    struct api_full *f =
        calloc(1, sizeof(*f) + api_routes_count * sizeof(f->ctx[0]));
    if (f == NULL) {
        return -ENOMEM;
    }
    f->a.cfg = *cfg;
    char err[256];
    if (api_metrics_allow_parse(cfg->metrics_allow ? cfg->metrics_allow
                                                   : API_METRICS_ALLOW_DEFAULT,
                                f->a.metrics_allow, API_METRICS_NETS_MAX,
                                &f->a.n_metrics_allow, err, sizeof(err))
        != 0) {
        free(f);
        return -EINVAL;
    }
    for (size_t i = 0; i < api_routes_count; i++) {
        f->ctx[i].a = &f->a;
        f->ctx[i].r = &api_routes_table[i];
    }
    *out = &f->a;
    return 0;
}

void api_free(struct api *a)
{
    free(a); /* 'a' is the first member of its struct api_full */
}

int api_routes(struct api *a, struct http_server *srv)
{
    struct api_full *f = (struct api_full *)a;
    a->srv = srv;
    for (size_t i = 0; i < api_routes_count; i++) {
        int rc = http_server_route(srv, api_routes_table[i].method,
                                   api_routes_table[i].path, api_resource,
                                   &f->ctx[i]);
        if (rc != 0) {
            return rc;
        }
    }
    for (size_t t = 0; t < api_fixed_tables_count; t++) {
        const struct api_fixed_table *tab = &api_fixed_tables[t];
        for (size_t i = 0; i < *tab->count; i++) {
            const struct api_fixed_route *r = &tab->routes[i];
            int rc = http_server_route(srv, r->method, r->path, r->fn, a);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}
