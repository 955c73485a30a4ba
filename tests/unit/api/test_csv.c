/* SPDX-License-Identifier: Apache-2.0 */
/* The exports' CSV fields: plain text as is, RFC 4180 quoting (commas,
 * quotes, line breaks, edge blanks), formula characters neutralised with
 * a leading ', and the buffer's cap. Also: the event routes are in the
 * table the server and the OpenAPI document are built from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/events.h"

static const struct {
    const char *in;
    const char *out;
} cases[] = {
    { "", "" },
    { "plain text", "plain text" },
    { "203.0.113.9", "203.0.113.9" },
    { "a,b", "\"a,b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "\"", "\"\"\"\"" },
    { "two\nlines", "\"two\nlines\"" },
    { "cr\rhere", "\"cr\rhere\"" },
    { " lead", "\" lead\"" },
    { "trail ", "\"trail \"" },
    { "=1+2", "'=1+2" },
    { "+41 22", "'+41 22" },
    { "-5", "'-5" },
    { "@SUM(A1)", "'@SUM(A1)" },
    { "\tx", "'\tx" },
    { "=HYPERLINK(\"http://x\",\"y\")",
      "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
    { "\r=1", "\"'\r=1\"" },
    { "a=1 b=-2", "a=1 b=-2" },
    { "ua=\"friendly-scanner\"", "\"ua=\"\"friendly-scanner\"\"\"" },
};

static void fields_are_quoted_and_neutralised(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b;
        buf_init(&b, 1024);
        api_csv_field(&b, cases[i].in);
        assert_int_equal(b.err, 0);
        buf_append_char(&b, '\0');
        assert_string_equal(b.p, cases[i].out);
        buf_fini(&b);
    }
}

static void null_is_empty_and_cap_is_kept(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    api_csv_field(&b, NULL);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.err, 0);
    api_csv_field(&b, "0123456789");
    assert_true(b.err != 0);
    assert_true(b.len <= 8);
    buf_fini(&b);
}

static void event_routes_are_registered(void **state)
{
    (void)state;
    static const char *const want[] = { "/api/v1/security-events",
                                        "/api/v1/security-events/export",
                                        "/api/v1/audit/export",
                                        "/api/v1/dashboard" };
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
        bool found = false;
        for (size_t t = 0; t < api_fixed_tables_count; t++) {
            const struct api_fixed_table *tab = &api_fixed_tables[t];
            for (size_t i = 0; i < *tab->count; i++) {
                found = found
                        || (tab->routes[i].method == HTTP_GET
                            && strcmp(tab->routes[i].path, want[w]) == 0);
            }
        }
        if (!found) {
            fail_msg("%s is not registered", want[w]);
        }
    }
    assert_int_equal(api_event_count, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_are_quoted_and_neutralised),
        cmocka_unit_test(null_is_empty_and_cap_is_kept),
        cmocka_unit_test(event_routes_are_registered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
