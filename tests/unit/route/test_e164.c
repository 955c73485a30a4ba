/* SPDX-License-Identifier: Apache-2.0 */
/*
 * E.164 country-code table: ordering and prefix-freedom of the table
 * itself, then lookups of 1-, 2- and 3-digit codes, spare codes and
 * malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "route/e164.h"

static void table_sorted_prefix_free(void **state)
{
    (void)state;
    size_t n = route_cc_count();
    assert_true(n > 200);
    for (size_t i = 0; i < n; i++) {
        const char *a = route_cc_at(i);
        assert_non_null(a);
        size_t la = strlen(a);
        assert_true(la >= 1 && la <= ROUTE_CC_MAX_LEN);
        assert_non_null(route_cc_name(sv_cstr(a)));
        if (i + 1 < n) {
            assert_true(strcmp(a, route_cc_at(i + 1)) < 0);
        }
        for (size_t j = 0; j < n; j++) {
            const char *b = route_cc_at(j);
            if (i != j && strlen(b) > la) {
                /* No code is a prefix of another (E.164 §6.2.1). */
                assert_false(memcmp(a, b, la) == 0);
            }
        }
    }
    assert_null(route_cc_at(n));
}

struct cc_case {
    const char *digits;
    const char *want; /* NULL = no match */
};

static const struct cc_case cc_cases[] = {
    { "12125551234", "1" },
    { "18765551234", "1" },
    { "74951234567", "7" },
    { "77011234567", "7" },
    { "442071234567", "44" },
    { "4915112345678", "49" },
    { "201001234567", "20" },
    { "27211234567", "27" },
    { "353871234567", "353" },
    { "35312345", "353" },
    { "3519", "351" },
    { "8821234", "882" },
    { "80012345678", "800" },
    { "97912345", "979" },
    { "2901234", "290" },
    { "6831234", "683" },
    { "379", "379" },
    { "998901234567", "998" },
    { "44", "44" },
    { "1", "1" },
    /* Spare codes. */
    { "2101234", NULL },
    { "2801234", NULL },
    { "3841234", NULL },
    { "4221234", NULL },
    { "6711234", NULL },
    { "8351234", NULL },
    { "9991234", NULL },
    { "8781234", NULL },
    /* Too short to decide, or not digits. */
    { "", NULL },
    { "4", NULL },
    { "35", NULL },
    { "0044", NULL },
    { "+44", NULL },
    { "4a4", NULL },
};

static void cc_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cc_cases) / sizeof(cc_cases[0]); i++) {
        const struct cc_case *c = &cc_cases[i];
        char cc[ROUTE_CC_MAX_LEN + 1] = "zzz";
        size_t n = route_cc_match(sv_cstr(c->digits), cc);
        if (!c->want) {
            if (n != 0) {
                fail_msg("%s matched %s", c->digits, cc);
            }
            continue;
        }
        if (n != strlen(c->want)) {
            fail_msg("%s: length %zu, want %s", c->digits, n, c->want);
        }
        assert_string_equal(cc, c->want);
        assert_int_equal(route_cc_match(sv_cstr(c->digits), NULL), n);
    }
}

static void cc_names(void **state)
{
    (void)state;
    assert_string_equal(route_cc_name(sv_cstr("44")), "United Kingdom");
    assert_string_equal(route_cc_name(sv_cstr("353")), "Ireland");
    assert_non_null(route_cc_name(sv_cstr("1")));
    assert_null(route_cc_name(sv_cstr("4")));
    assert_null(route_cc_name(sv_cstr("440")));
    assert_null(route_cc_name(sv_cstr("")));
    assert_null(route_cc_name(sv_cstr("4415")));
    assert_null(route_cc_name(sv_cstr("4x")));
    assert_true(route_cc_is_assigned(sv_cstr("7")));
    assert_false(route_cc_is_assigned(sv_cstr("8")));
    assert_false(route_cc_is_assigned(SV_NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_sorted_prefix_free),
        cmocka_unit_test(cc_match_table),
        cmocka_unit_test(cc_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
