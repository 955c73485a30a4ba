/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OpenAPI 3 description, generated from the same route tables the
 * server routes by, so it cannot drift from what is served.
 */
#include <string.h>

#include "api/api_int.h"

static const char *lower_method(enum http_method m)
{
    switch (m) {
    case HTTP_GET:
        return "get";
    case HTTP_HEAD:
        return "head";
    case HTTP_POST:
        return "post";
    case HTTP_PUT:
        return "put";
    case HTTP_PATCH:
        return "patch";
    case HTTP_DELETE:
        return "delete";
    default:
        return "options";
    }
}

/* The {name} parameters of 'path'. */
static json_t *path_params(const char *path)
{
    json_t *arr = json_array();
    for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        if (end == NULL) {
            break;
        }
        json_array_append_new(arr, json_pack("{s:s%,s:s,s:b,s:{s:s}}", "name",
                                             p + 1, (size_t)(end - p - 1), "in",
                                             "path", "required", 1, "schema",
                                             "type", "string"));
    }
    return arr;
}

static void add_op(json_t *paths, enum http_method m, const char *path,
                   const char *summary, const char *op, const char *scope,
                   const char *const *query, bool created)
{
    json_t *item = json_object_get(paths, path);
    if (item == NULL) {
        item = json_object();
        json_object_set_new(paths, path, item);
    }
    json_t *params = path_params(path);
    for (size_t q = 0; query && q < API_MAX_QUERY && query[q]; q++) {
        json_array_append_new(params, json_pack("{s:s,s:s,s:{s:s}}", "name",
                                                query[q], "in", "query",
                                                "schema", "type", "string"));
    }
    json_t *responses = json_pack(
        "{s:{s:s},s:{s:s},s:{s:s}}", created ? "201" : "200", "description",
        "success", "4XX", "description", "application/problem+json", "5XX",
        "description", "application/problem+json");
    json_t *o = json_pack("{s:s,s:o,s:o}", "summary", summary, "parameters",
                          params, "responses", responses);
    if (op) {
        json_object_set_new(o, "x-sipwarden-op", json_string(op));
    }
    if (scope) {
        json_object_set_new(o, "x-sipwarden-scope", json_string(scope));
    }
    json_object_set_new(item, lower_method(m), o);
}

json_t *api_openapi(void)
{
    static const char *const scopes[] = { "system_admin", "tenant", "own" };
    json_t *paths = json_object();
    for (size_t i = 0; i < api_routes_count; i++) {
        const struct api_route *r = &api_routes_table[i];
        add_op(paths, r->method, r->path, r->summary, r->op, scopes[r->scope],
               r->query, r->created);
    }
    for (size_t t = 0; t < api_fixed_tables_count; t++) {
        const struct api_fixed_table *tab = &api_fixed_tables[t];
        for (size_t i = 0; i < *tab->count; i++) {
            const struct api_fixed_route *r = &tab->routes[i];
            add_op(paths, r->method, r->path, r->summary, NULL, NULL, NULL,
                   false);
        }
    }
    return json_pack(
        "{s:s,s:{s:s,s:s},s:o,s:{s:{s:{s:s,s:s,s:s},s:{s:s,s:s}}}}", "openapi",
        "3.0.3", "info", "title", "sipwarden REST API", "version", "1", "paths",
        paths, "components", "securitySchemes", "cookie", "type", "apiKey",
        "in", "cookie", "name", "sw_session", "bearer", "type", "http",
        "scheme", "bearer");
}
