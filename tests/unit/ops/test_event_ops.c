/* SPDX-License-Identifier: Apache-2.0 */
/* event.list: the security event log's listing through ops_exec, its
 * filters, paging, total and the refused requests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ops_fx.h"
#include "store/events.h"

static void add(struct fx *fx, int64_t at, const char *kind, const char *addr,
                const char *detail)
{
    struct store_event e;
    memset(&e, 0, sizeof(e));
    e.at = at;
    snprintf(e.kind, sizeof(e.kind), "%s", kind);
    snprintf(e.address, sizeof(e.address), "%s", addr);
    snprintf(e.detail, sizeof(e.detail), "%s", detail);
    assert_int_equal(store_event_add(fx->st, &e, NULL), 0);
}

static void ok(struct fx *fx, const char *json)
{
    int rc = run(fx, json);
    if (rc != 0) {
        fail_msg("%s failed: %s", json, rs(fx->resp, "error"));
    }
}

static json_t *events(struct fx *fx)
{
    return json_object_get(fx->resp, "events");
}

static void list_filters_and_pages(void **state)
{
    struct fx *fx = *state;
    ok(fx, "{\"op\":\"event.list\"}");
    assert_int_equal(json_array_size(events(fx)), 0);
    assert_int_equal(json_integer_value(json_object_get(fx->resp, "total")), 0);
    for (int i = 0; i < 6; i++) {
        add(fx, 1700000000 + i, i < 4 ? "ua_match" : "ban",
            i % 2 ? "203.0.113.1" : "203.0.113.2", "ua=\"friendly\"");
    }
    ok(fx, "{\"op\":\"event.list\"}");
    assert_int_equal(json_array_size(events(fx)), 6);
    json_t *e = json_array_get(events(fx), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "id")), 6);
    assert_int_equal(json_integer_value(json_object_get(e, "at")), 1700000005);
    assert_string_equal(rs(e, "kind"), "ban");
    assert_string_equal(rs(e, "address"), "203.0.113.1");
    assert_string_equal(rs(e, "country"), "");
    assert_string_equal(rs(e, "detail"), "ua=\"friendly\"");
    assert_int_equal(json_integer_value(json_object_get(fx->resp, "limit")),
                     100);

    ok(fx, "{\"op\":\"event.list\",\"kind\":\"ua_match\",\"address\":"
           "\"203.0.113.1\"}");
    assert_int_equal(json_array_size(events(fx)), 2);
    ok(fx, "{\"op\":\"event.list\",\"since\":1700000004}");
    assert_int_equal(json_array_size(events(fx)), 2);
    ok(fx, "{\"op\":\"event.list\",\"limit\":2,\"offset\":1}");
    assert_int_equal(json_array_size(events(fx)), 2);
    assert_int_equal(json_integer_value(json_object_get(fx->resp, "total")), 6);
    assert_int_equal(json_integer_value(
                         json_object_get(json_array_get(events(fx), 0), "id")),
                     5);
    /* Numbers as strings, as the CLI may send them. */
    ok(fx, "{\"op\":\"event.list\",\"limit\":\"1\"}");
    assert_int_equal(json_array_size(events(fx)), 1);
    /* Reading changes nothing. */
    assert_int_equal(fx->n_changes, 0);
}

static void bad_requests_name_the_member(void **state)
{
    struct fx *fx = *state;
    expect_err(fx, run(fx, "{\"op\":\"event.list\",\"kind\":\"bans\"}"),
               -EINVAL, "bad_request", "kind", "login_failure");
    expect_err(fx, run(fx, "{\"op\":\"event.list\",\"limit\":0}"), -EINVAL,
               "bad_request", "limit", NULL);
    expect_err(fx, run(fx, "{\"op\":\"event.list\",\"limit\":1001}"), -EINVAL,
               "bad_request", "limit", NULL);
    expect_err(fx, run(fx, "{\"op\":\"event.list\",\"since\":-1}"), -EINVAL,
               "bad_request", "since", NULL);
    expect_err(fx, run(fx, "{\"op\":\"event.list\",\"colour\":\"red\"}"),
               -EINVAL, "bad_request", "colour", NULL);
    char req[200];
    char addr[80];
    memset(addr, '1', sizeof(addr) - 1);
    addr[sizeof(addr) - 1] = '\0';
    snprintf(req, sizeof(req), "{\"op\":\"event.list\",\"address\":\"%s\"}",
             addr);
    expect_err(fx, run(fx, req), -EINVAL, "bad_request", "address", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(list_filters_and_pages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_requests_name_the_member, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
