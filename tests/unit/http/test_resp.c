/* SPDX-License-Identifier: Apache-2.0 */
/* Responses: problem+json documents, security headers, header refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "http/http.h"

static json_t *parse(struct sv v)
{
    json_error_t err;
    json_t *j = json_loadb(v.p, v.len, 0, &err);
    if (j == NULL) {
        fail_msg("not JSON: %s", err.text);
    }
    return j;
}

static void problem_defaults(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 4096);
    struct http_problem p = { .status = 404 };
    assert_int_equal(http_problem_build(&p, &b), 0);
    json_t *j = parse(buf_sv(&b));
    assert_string_equal(json_string_value(json_object_get(j, "type")),
                        "about:blank");
    assert_string_equal(json_string_value(json_object_get(j, "title")),
                        "Not Found");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 404);
    assert_null(json_object_get(j, "detail"));
    assert_null(json_object_get(j, "field"));
    assert_null(json_object_get(j, "rule"));
    json_decref(j);
    buf_fini(&b);
}

static void problem_validation_fields(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 4096);
    struct http_problem p = {
        .status = 422,
        .type = "/problems/validation",
        .title = "Validation failed",
        .detail = "password has \"quotes\" and a \\ backslash\n",
        .field = "password",
        .rule = "min_length",
    };
    assert_int_equal(http_problem_build(&p, &b), 0);
    json_t *j = parse(buf_sv(&b));
    assert_string_equal(json_string_value(json_object_get(j, "type")),
                        "/problems/validation");
    assert_string_equal(json_string_value(json_object_get(j, "title")),
                        "Validation failed");
    assert_string_equal(json_string_value(json_object_get(j, "detail")),
                        p.detail);
    assert_string_equal(json_string_value(json_object_get(j, "field")),
                        "password");
    assert_string_equal(json_string_value(json_object_get(j, "rule")),
                        "min_length");
    json_decref(j);

    struct http_problem bad = { .status = 200 };
    assert_int_equal(http_problem_build(&bad, &b), -EINVAL);
    bad.status = 600;
    assert_int_equal(http_problem_build(&bad, &b), -EINVAL);
    /* Invalid UTF-8 is refused, not passed through. */
    struct http_problem utf = { .status = 400, .detail = "\xff\xfe" };
    assert_int_equal(http_problem_build(&utf, &b), -EINVAL);
    buf_fini(&b);
}

static void resp_problem_sets_type(void **state)
{
    (void)state;
    struct http_resp r;
    http_resp_init(&r);
    struct http_problem p = { .status = 413, .detail = "too big" };
    assert_int_equal(http_resp_problem(&r, &p), 0);
    assert_int_equal(r.status, 413);
    assert_string_equal(r.content_type, "application/problem+json");
    json_t *j = parse(buf_sv(&r.body));
    assert_string_equal(json_string_value(json_object_get(j, "title")),
                        "Content Too Large");
    json_decref(j);
    assert_int_equal(r.err, 0);
    http_resp_fini(&r);
}

static bool has_hdr(const struct http_hdr *h, size_t n, const char *name,
                    const char *value)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(h[i].name, name) == 0) {
            return value == NULL || strcmp(h[i].value, value) == 0;
        }
    }
    return false;
}

static void security_header_set(void **state)
{
    (void)state;
    struct http_hdr h[8];
    const char *csp = "default-src 'self'; frame-ancestors 'none'; "
                      "object-src 'none'; base-uri 'none'";
    size_t n = http_std_headers(true, true, h, 8);
    assert_int_equal(n, 6);
    assert_true(has_hdr(h, n, "Strict-Transport-Security",
                        "max-age=31536000; includeSubDomains"));
    assert_true(has_hdr(h, n, "Content-Security-Policy", csp));
    assert_true(has_hdr(h, n, "X-Content-Type-Options", "nosniff"));
    assert_true(has_hdr(h, n, "Referrer-Policy", "no-referrer"));
    assert_true(has_hdr(h, n, "X-Frame-Options", "DENY"));
    assert_true(has_hdr(h, n, "Cache-Control", "no-store"));

    n = http_std_headers(false, false, h, 8);
    assert_int_equal(n, 4);
    assert_false(has_hdr(h, n, "Strict-Transport-Security", NULL));
    assert_false(has_hdr(h, n, "Cache-Control", NULL));
    assert_true(has_hdr(h, n, "Content-Security-Policy", csp));

    n = http_std_headers(true, false, h, 8);
    assert_int_equal(n, 5);
    assert_true(has_hdr(h, n, "Strict-Transport-Security", NULL));
    /* The cap is honoured. */
    assert_int_equal(http_std_headers(true, true, h, 2), 2);
}

static void header_add_refusals(void **state)
{
    (void)state;
    struct http_resp r;
    http_resp_init(&r);
    assert_int_equal(http_resp_header_add(&r, "Location", "/x"), 0);
    assert_int_equal(
        http_resp_header_add(&r, "Set-Cookie", "sid=1; Secure; HttpOnly"), 0);
    assert_int_equal(r.err, 0);
    assert_int_equal(r.n_hdrs, 2);
    assert_string_equal(r.hdr_store.p + r.hdr_off[1][0], "Set-Cookie");
    assert_string_equal(r.hdr_store.p + r.hdr_off[1][1],
                        "sid=1; Secure; HttpOnly");

    static const char *const bad_names[] = {
        "",
        "Bad Name",
        "X:y",
        "Content-Type",
        "server",
        "content-length",
        "Connection",
        "X-Frame-Options",
        "Strict-Transport-Security",
        "cache-control",
        "Transfer-Encoding",
    };
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        if (http_resp_header_add(&r, bad_names[i], "v") != -EINVAL) {
            fail_msg("header name '%s' accepted", bad_names[i]);
        }
    }
    assert_int_equal(http_resp_header_add(&r, "X-A", "a\r\nSet-Cookie: x"),
                     -EINVAL);
    assert_int_equal(http_resp_header_add(&r, "X-A", "a\nb"), -EINVAL);
    char longname[HTTP_HDR_NAME_MAX + 2];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(http_resp_header_add(&r, longname, "v"), -EINVAL);
    longname[HTTP_HDR_NAME_MAX] = '\0';
    assert_int_equal(http_resp_header_add(&r, longname, "v"), 0);
    assert_int_equal(r.err, -EINVAL); /* sticky */
    assert_int_equal(r.n_hdrs, 3);
    http_resp_fini(&r);

    http_resp_init(&r);
    for (int i = 0; i < HTTP_RESP_MAX_HDRS; i++) {
        assert_int_equal(http_resp_header_add(&r, "X-N", "1"), 0);
    }
    assert_int_equal(http_resp_header_add(&r, "X-N", "1"), -ENOSPC);
    http_resp_fini(&r);
}

static void body_setters(void **state)
{
    (void)state;
    struct http_resp r;
    http_resp_init(&r);
    json_t *j = json_pack("{s:s, s:i}", "name", "alice", "ext", 201);
    assert_int_equal(http_resp_json(&r, 201, j), 0);
    json_decref(j);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.body.p, "{\"name\":\"alice\",\"ext\":201}");

    assert_int_equal(http_resp_set(&r, 204, NULL, NULL, 0), 0);
    assert_int_equal(r.body.len, 0);
    assert_string_equal(r.content_type, "");
    assert_int_equal(http_resp_set(&r, 99, NULL, NULL, 0), -EINVAL);
    assert_int_equal(http_resp_set(&r, 600, NULL, NULL, 0), -EINVAL);
    assert_int_equal(http_resp_set(&r, 200, "text/plain\r\nX: y", "a", 1),
                     -EINVAL);
    assert_int_equal(http_resp_set(&r, 200, NULL, NULL, 5), -EINVAL);
    assert_int_equal(r.status, 204); /* failures leave the last good one */
    http_resp_fini(&r);
}

static void reason_phrases(void **state)
{
    (void)state;
    assert_string_equal(http_status_reason(405), "Method Not Allowed");
    assert_string_equal(http_status_reason(408), "Request Timeout");
    assert_string_equal(http_status_reason(413), "Content Too Large");
    assert_string_equal(http_status_reason(299), "Unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(problem_defaults),
        cmocka_unit_test(problem_validation_fields),
        cmocka_unit_test(resp_problem_sets_type),
        cmocka_unit_test(security_header_set),
        cmocka_unit_test(header_add_refusals),
        cmocka_unit_test(body_setters),
        cmocka_unit_test(reason_phrases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
