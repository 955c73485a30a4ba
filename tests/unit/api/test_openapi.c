/* SPDX-License-Identifier: Apache-2.0 */
/* The OpenAPI document against the route tables it is generated from:
 * every route is described with its method, path parameters and
 * operation, and the table itself is sound (unique method + path, known
 * operations, list members only on GET). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/api_int.h"

static const char *method_key(enum http_method m)
{
    switch (m) {
    case HTTP_GET:
        return "get";
    case HTTP_POST:
        return "post";
    case HTTP_PUT:
        return "put";
    case HTTP_PATCH:
        return "patch";
    case HTTP_DELETE:
        return "delete";
    default:
        return "?";
    }
}

static void every_route_described(void **state)
{
    (void)state;
    json_t *doc = api_openapi();
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")),
                        "3.0.3");
    json_t *paths = json_object_get(doc, "paths");
    size_t n_ops = 0;
    for (size_t i = 0; i < api_routes_count; i++) {
        const struct api_route *r = &api_routes_table[i];
        json_t *op = json_object_get(json_object_get(paths, r->path),
                                     method_key(r->method));
        if (op == NULL) {
            fail_msg("%s %s not in the OpenAPI document", method_key(r->method),
                     r->path);
        }
        assert_string_equal(
            json_string_value(json_object_get(op, "x-sipwarden-op")), r->op);
        /* one path parameter per {name} */
        size_t braces = 0;
        for (const char *p = r->path; *p; p++) {
            braces += *p == '{';
        }
        size_t n_path = 0;
        size_t k;
        json_t *prm;
        json_array_foreach(json_object_get(op, "parameters"), k, prm)
        {
            n_path +=
                strcmp(json_string_value(json_object_get(prm, "in")), "path")
                == 0;
        }
        assert_int_equal(n_path, braces);
        n_ops++;
    }
    for (size_t t = 0; t < api_fixed_tables_count; t++) {
        const struct api_fixed_table *tab = &api_fixed_tables[t];
        for (size_t i = 0; i < *tab->count; i++) {
            const struct api_fixed_route *r = &tab->routes[i];
            assert_non_null(json_object_get(json_object_get(paths, r->path),
                                            method_key(r->method)));
            n_ops++;
        }
    }
    /* and nothing else */
    size_t described = 0;
    const char *key;
    json_t *item;
    json_object_foreach(paths, key, item)
    {
        described += json_object_size(item);
    }
    assert_int_equal(described, n_ops);
    json_decref(doc);
}

static void table_is_sound(void **state)
{
    (void)state;
    for (size_t i = 0; i < api_routes_count; i++) {
        const struct api_route *r = &api_routes_table[i];
        assert_true(strncmp(r->path, "/api/v1/", 8) == 0);
        assert_non_null(strchr(r->op, '.'));
        if (r->list) {
            assert_int_equal(r->method, HTTP_GET);
        }
        if (r->scope == API_TENANT || r->scope == API_OWN) {
            assert_non_null(strstr(r->path, "{domain}"));
        }
        for (size_t j = i + 1; j < api_routes_count; j++) {
            const struct api_route *o = &api_routes_table[j];
            if (o->method == r->method && strcmp(o->path, r->path) == 0) {
                fail_msg("duplicate route %s %s", method_key(r->method),
                         r->path);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_route_described),
        cmocka_unit_test(table_is_sound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
