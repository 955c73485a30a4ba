/* SPDX-License-Identifier: Apache-2.0 */
/* Route table: pattern validation, {param} extraction, 404 versus 405. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/router.h"

static int tag_a, tag_b, tag_c, tag_d;

static void h_noop(void *ctx, const struct http_req *req,
                   struct http_resp *resp)
{
    (void)ctx;
    (void)req;
    (void)resp;
}

static void pattern_validation(void **state)
{
    (void)state;
    struct http_router r;
    http_router_init(&r);
    static const char *const bad[] = {
        "",
        "users",
        "//",
        "/a//b",
        "/a/",
        "/{}",
        "/{Id}",
        "/{1x}",
        "/{id",
        "/id}",
        "/a b",
        "/a%20b",
        "/a?b",
        "/a#b",
        "/{a-b}",
        "/x/{id}x",
        "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17",
        "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = http_router_add(&r, HTTP_GET, bad[i], h_noop, NULL);
        if (rc != -EINVAL) {
            fail_msg("pattern '%s' accepted (rc=%d)", bad[i], rc);
        }
    }
    assert_int_equal(http_router_add(&r, HTTP_GET, "/", h_noop, NULL), 0);
    assert_int_equal(
        http_router_add(&r, HTTP_GET, "/api/v1/users/{user_id}", h_noop, NULL),
        0);
    assert_int_equal(http_router_add(&r, HTTP_GET, "/a/b.json", h_noop, NULL),
                     0);
    assert_int_equal(http_router_add(&r, HTTP_GET, NULL, h_noop, NULL),
                     -EINVAL);
    assert_int_equal(http_router_add(&r, HTTP_GET, "/x", NULL, NULL), -EINVAL);
    assert_int_equal(http_router_add(&r, HTTP_METHOD_COUNT, "/x", h_noop, NULL),
                     -EINVAL);
    /* Same method and shape, whatever the param is called. */
    assert_int_equal(
        http_router_add(&r, HTTP_GET, "/api/v1/users/{id}", h_noop, NULL),
        -EEXIST);
    assert_int_equal(
        http_router_add(&r, HTTP_PUT, "/api/v1/users/{id}", h_noop, NULL), 0);
    http_router_fini(&r);
}

static void params_extracted(void **state)
{
    (void)state;
    struct http_router r;
    struct http_match m;
    http_router_init(&r);
    assert_int_equal(http_router_add(&r, HTTP_GET,
                                     "/api/v1/tenants/{tenant}/users/{user}",
                                     h_noop, &tag_a),
                     0);
    struct sv path = SV_LIT("/api/v1/tenants/acme/users/201");
    assert_int_equal(http_router_match(&r, HTTP_GET, path, &m), HTTP_MATCH_OK);
    assert_ptr_equal(m.route->ctx, &tag_a);
    assert_int_equal(m.n_params, 2);
    assert_true(sv_eq_cstr(m.params[0].name, "tenant"));
    assert_true(sv_eq_cstr(m.params[0].value, "acme"));
    assert_true(sv_eq_cstr(m.params[1].name, "user"));
    assert_true(sv_eq_cstr(m.params[1].value, "201"));
    /* Views point into the request path, not into a copy. */
    assert_ptr_equal(m.params[1].value.p, path.p + path.len - 3);

    /* A {param} never matches an empty or missing segment. */
    assert_int_equal(http_router_match(&r, HTTP_GET,
                                       SV_LIT("/api/v1/tenants/acme/users/"),
                                       &m),
                     HTTP_MATCH_NO_PATH);
    assert_int_equal(
        http_router_match(&r, HTTP_GET, SV_LIT("/api/v1/tenants//users/1"), &m),
        HTTP_MATCH_NO_PATH);
    assert_int_equal(http_router_match(&r, HTTP_GET,
                                       SV_LIT("/api/v1/tenants/acme/users"),
                                       &m),
                     HTTP_MATCH_NO_PATH);
    assert_int_equal(http_router_match(&r, HTTP_GET,
                                       SV_LIT("/api/v1/tenants/acme/users/1/x"),
                                       &m),
                     HTTP_MATCH_NO_PATH);
    http_router_fini(&r);
}

static void literal_beats_param(void **state)
{
    (void)state;
    struct http_router r;
    struct http_match m;
    http_router_init(&r);
    assert_int_equal(
        http_router_add(&r, HTTP_GET, "/api/users/{id}", h_noop, &tag_a), 0);
    assert_int_equal(
        http_router_add(&r, HTTP_GET, "/api/users/me", h_noop, &tag_b), 0);
    assert_int_equal(
        http_router_add(&r, HTTP_GET, "/api/{kind}/me", h_noop, &tag_c), 0);
    assert_int_equal(
        http_router_match(&r, HTTP_GET, SV_LIT("/api/users/me"), &m),
        HTTP_MATCH_OK);
    assert_ptr_equal(m.route->ctx, &tag_b);
    assert_int_equal(m.n_params, 0);
    assert_int_equal(
        http_router_match(&r, HTTP_GET, SV_LIT("/api/users/7"), &m),
        HTTP_MATCH_OK);
    assert_ptr_equal(m.route->ctx, &tag_a);
    /* The earlier literal segment decides: /api/users/{id} over /api/{kind}/me
     * was shown above; /api/trunks/me only fits the second pattern. */
    assert_int_equal(
        http_router_match(&r, HTTP_GET, SV_LIT("/api/trunks/me"), &m),
        HTTP_MATCH_OK);
    assert_ptr_equal(m.route->ctx, &tag_c);
    assert_true(
        sv_eq_cstr(http_req_param(&(struct http_req){ .params = { m.params[0] },
                                                      .n_params = m.n_params },
                                  "kind"),
                   "trunks"));
    http_router_fini(&r);
}

static void method_not_allowed_vs_not_found(void **state)
{
    (void)state;
    struct http_router r;
    struct http_match m;
    char allow[64];
    http_router_init(&r);
    assert_int_equal(
        http_router_add(&r, HTTP_GET, "/api/bans/{id}", h_noop, &tag_a), 0);
    assert_int_equal(
        http_router_add(&r, HTTP_DELETE, "/api/bans/{id}", h_noop, &tag_b), 0);
    assert_int_equal(
        http_router_add(&r, HTTP_POST, "/api/bans", h_noop, &tag_c), 0);

    assert_int_equal(http_router_match(&r, HTTP_PUT, SV_LIT("/api/bans/9"), &m),
                     HTTP_MATCH_NO_METHOD);
    assert_null(m.route);
    assert_int_equal(m.allow_mask, (1u << HTTP_GET) | (1u << HTTP_HEAD)
                                       | (1u << HTTP_DELETE));
    assert_int_equal(http_allow_fmt(m.allow_mask, allow, sizeof(allow)), 0);
    assert_string_equal(allow, "GET, HEAD, DELETE");

    assert_int_equal(http_router_match(&r, HTTP_GET, SV_LIT("/api/bans"), &m),
                     HTTP_MATCH_NO_METHOD);
    assert_int_equal(http_allow_fmt(m.allow_mask, allow, sizeof(allow)), 0);
    assert_string_equal(allow, "POST");

    assert_int_equal(http_router_match(&r, HTTP_GET, SV_LIT("/api/nope"), &m),
                     HTTP_MATCH_NO_PATH);
    assert_int_equal(m.allow_mask, 0);
    assert_int_equal(http_router_match(&r, HTTP_GET, SV_LIT(""), &m),
                     HTTP_MATCH_NO_PATH);
    assert_int_equal(http_router_match(&r, HTTP_GET, SV_LIT("api/bans"), &m),
                     HTTP_MATCH_NO_PATH);
    /* Case matters in paths. */
    assert_int_equal(http_router_match(&r, HTTP_POST, SV_LIT("/API/bans"), &m),
                     HTTP_MATCH_NO_PATH);
    assert_int_equal(http_allow_fmt(0x7f, allow, 8), -ENOSPC);
    http_router_fini(&r);
}

static void head_falls_back_to_get(void **state)
{
    (void)state;
    struct http_router r;
    struct http_match m;
    http_router_init(&r);
    assert_int_equal(http_router_add(&r, HTTP_GET, "/x", h_noop, &tag_a), 0);
    assert_int_equal(http_router_add(&r, HTTP_GET, "/y", h_noop, &tag_b), 0);
    assert_int_equal(http_router_add(&r, HTTP_HEAD, "/y", h_noop, &tag_d), 0);
    assert_int_equal(http_router_match(&r, HTTP_HEAD, SV_LIT("/x"), &m),
                     HTTP_MATCH_OK);
    assert_ptr_equal(m.route->ctx, &tag_a);
    assert_int_equal(http_router_match(&r, HTTP_HEAD, SV_LIT("/y"), &m),
                     HTTP_MATCH_OK);
    assert_ptr_equal(m.route->ctx, &tag_d);
    /* But GET never falls back to HEAD, nor POST to GET. */
    assert_int_equal(http_router_match(&r, HTTP_POST, SV_LIT("/x"), &m),
                     HTTP_MATCH_NO_METHOD);
    assert_int_equal(http_router_match(&r, HTTP_GET, SV_LIT("/"), &m),
                     HTTP_MATCH_NO_PATH);
    assert_int_equal(http_router_add(&r, HTTP_GET, "/", h_noop, &tag_c), 0);
    assert_int_equal(http_router_match(&r, HTTP_GET, SV_LIT("/"), &m),
                     HTTP_MATCH_OK);
    assert_ptr_equal(m.route->ctx, &tag_c);
    http_router_fini(&r);
}

static void method_names(void **state)
{
    (void)state;
    assert_string_equal(http_method_name(HTTP_GET), "GET");
    assert_string_equal(http_method_name(HTTP_OPTIONS), "OPTIONS");
    assert_string_equal(http_method_name(HTTP_METHOD_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pattern_validation),
        cmocka_unit_test(params_extracted),
        cmocka_unit_test(literal_beats_param),
        cmocka_unit_test(method_not_allowed_vs_not_found),
        cmocka_unit_test(head_falls_back_to_get),
        cmocka_unit_test(method_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
