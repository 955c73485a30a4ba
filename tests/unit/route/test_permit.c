/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Role permissions: every role against every number class, both ways,
 * plus the tenant's allowed country codes and disallowed prefixes, and
 * the refusal texts that end up in Warning: 399.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "route/permit.h"

static struct route_profile uk;

static bool is_ext(void *ud, struct sv dialed)
{
    (void)ud;
    return sv_eq_cstr(dialed, "1001") || sv_eq_cstr(dialed, "1002");
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(route_profile_init(&uk, "44", "0", "00"), 0);
    assert_int_equal(route_profile_add_emergency(&uk, "999"), 0);
    assert_int_equal(route_profile_add_emergency(&uk, "112"), 0);
    assert_int_equal(route_profile_allow_cc(&uk, "1"), 0);
    assert_int_equal(route_profile_allow_cc(&uk, "33"), 0);
    assert_int_equal(route_profile_allow_cc(&uk, "353"), 0);
    assert_int_equal(route_profile_disallow(&uk, "4490"), 0);
    assert_int_equal(route_profile_disallow(&uk, "449"), 0);
    assert_int_equal(route_profile_disallow(&uk, "1876"), 0);
    assert_int_equal(route_profile_disallow(&uk, "3389"), 0);
    return 0;
}

#define STD   ROUTE_ROLE_STANDARD
#define INTLR ROUTE_ROLE_INTERNATIONAL
#define ADM   ROUTE_ROLE_ADMIN

struct perm_case {
    enum route_role role;
    const char *dialed;
    const char *refused; /* rule token, or NULL when allowed */
    const char *text;    /* substring of the text when refused */
};

static const struct perm_case cases[] = {
    /* Standard User: internal and emergency only. */
    { STD, "1001", NULL, NULL },
    { STD, "*97", NULL, NULL },
    { STD, "999", NULL, NULL },
    { STD, "112", NULL, NULL },
    { STD, "02071234567", ROUTE_RULE_INTERNAL_ONLY, "national" },
    { STD, "+442071234567", ROUTE_RULE_INTERNAL_ONLY, "national" },
    { STD, "07911123456", ROUTE_RULE_INTERNAL_ONLY, "national" },
    { STD, "0012125551234", ROUTE_RULE_INTERNAL_ONLY, "international" },
    { STD, "+33123456789", ROUTE_RULE_INTERNAL_ONLY, "international" },
    { STD, "09098790000", ROUTE_RULE_INTERNAL_ONLY, "national" },
    { STD, "abc", ROUTE_RULE_INVALID_NUMBER, "invalid character" },
    /* Standard International User: national and allowed countries. */
    { INTLR, "1001", NULL, NULL },
    { INTLR, "999", NULL, NULL },
    { INTLR, "112", NULL, NULL },
    { INTLR, "02071234567", NULL, NULL },
    { INTLR, "5551234", NULL, NULL },
    { INTLR, "0012125551234", NULL, NULL },
    { INTLR, "+12125551234", NULL, NULL },
    { INTLR, "0033123456789", NULL, NULL },
    { INTLR, "00353871234567", NULL, NULL },
    { INTLR, "004930123456", ROUTE_RULE_COUNTRY, "49 (Germany)" },
    { INTLR, "+93201234567", ROUTE_RULE_COUNTRY, "93 (Afghanistan)" },
    { INTLR, "+8821234567", ROUTE_RULE_COUNTRY, "882" },
    { INTLR, "09098790000", ROUTE_RULE_DISALLOWED, "+4490" },
    { INTLR, "+449098790000", ROUTE_RULE_DISALLOWED, "+4490" },
    { INTLR, "0091123456", ROUTE_RULE_COUNTRY, "91" },
    { INTLR, "09198790000", ROUTE_RULE_DISALLOWED, "+449" },
    { INTLR, "0018765551234", ROUTE_RULE_DISALLOWED, "+1876" },
    { INTLR, "0033899123456", ROUTE_RULE_DISALLOWED, "+3389" },
    { INTLR, "+", ROUTE_RULE_INVALID_NUMBER, "empty" },
    /* Admin: everything the tenant's lists allow. */
    { ADM, "1001", NULL, NULL },
    { ADM, "999", NULL, NULL },
    { ADM, "02071234567", NULL, NULL },
    { ADM, "0012125551234", NULL, NULL },
    { ADM, "00353871234567", NULL, NULL },
    { ADM, "004930123456", ROUTE_RULE_COUNTRY, "49" },
    { ADM, "09098790000", ROUTE_RULE_DISALLOWED, "+4490" },
    { ADM, "0018765551234", ROUTE_RULE_DISALLOWED, "+1876" },
    { ADM, "+2101234567", ROUTE_RULE_INVALID_NUMBER, "country code" },
};

static void check_case(const struct route_profile *p, const struct perm_case *c,
                       size_t i)
{
    struct route_number num;
    struct route_refusal why = { .rule = "untouched" };
    assert_int_equal(route_classify(p, sv_cstr(c->dialed), is_ext, NULL, &num),
                     0);
    int rc = route_permit_check(p, c->role, &num, &why);
    if (!c->refused) {
        if (rc != 0) {
            fail_msg("case %zu %s '%s': refused %s (%s)", i,
                     route_role_name(c->role), c->dialed, why.rule, why.text);
        }
        assert_string_equal(why.rule, "untouched");
        return;
    }
    if (rc != ROUTE_REFUSED) {
        fail_msg("case %zu %s '%s': rc %d, want refusal %s", i,
                 route_role_name(c->role), c->dialed, rc, c->refused);
    }
    assert_string_equal(why.rule, c->refused);
    if (!strstr(why.text, c->text)) {
        fail_msg("case %zu: text '%s' lacks '%s'", i, why.text, c->text);
    }
    /* Quotable as is in Warning: 399 sipwarden "...". */
    for (const char *t = why.text; *t; t++) {
        assert_true(*t >= 0x20 && *t <= 0x7e && *t != '"' && *t != '\\');
    }
}

static void permit_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&uk, &cases[i], i);
    }
}

static void permit_any_country(void **state)
{
    (void)state;
    struct route_profile p = uk;
    assert_int_equal(route_profile_allow_cc(&p, "*"), 0);
    static const struct perm_case any[] = {
        { INTLR, "004930123456", NULL, NULL },
        { ADM, "+93201234567", NULL, NULL },
        /* Disallowed prefixes still win over "*". */
        { ADM, "0018765551234", ROUTE_RULE_DISALLOWED, "+1876" },
        { STD, "004930123456", ROUTE_RULE_INTERNAL_ONLY, "international" },
    };
    for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
        check_case(&p, &any[i], i);
    }
}

static void permit_empty_lists(void **state)
{
    (void)state;
    struct route_profile p;
    assert_int_equal(route_profile_init(&p, "1", "1", "011"), 0);
    /* No emergency numbers configured: 911 is just a national number. */
    static const struct perm_case none[] = {
        { ADM, "2125551234", NULL, NULL },
        { ADM, "18765551234", NULL, NULL },
        { ADM, "011442071234567", ROUTE_RULE_COUNTRY, "44" },
        { STD, "911", ROUTE_RULE_INTERNAL_ONLY, "national" },
    };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        check_case(&p, &none[i], i);
    }
    assert_int_equal(route_profile_add_emergency(&p, "911"), 0);
    static const struct perm_case with[] = {
        { STD, "911", NULL, NULL },
    };
    check_case(&p, &with[0], 0);
}

static void permit_bad_args(void **state)
{
    (void)state;
    struct route_number num;
    struct route_refusal why;
    assert_int_equal(route_classify(&uk, sv_cstr("1001"), is_ext, NULL, &num),
                     0);
    assert_int_equal(route_permit_check(NULL, ADM, &num, &why), -EINVAL);
    assert_int_equal(route_permit_check(&uk, ADM, NULL, &why), -EINVAL);
    assert_int_equal(route_permit_check(&uk, ADM, &num, NULL), -EINVAL);
    assert_int_equal(route_permit_check(&uk, (enum route_role)7, &num, &why),
                     -EINVAL);
    assert_string_equal(route_role_name(STD), "standard");
    assert_string_equal(route_role_name(INTLR), "international");
    assert_string_equal(route_role_name(ADM), "admin");
    assert_string_equal(route_role_name((enum route_role)7), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(permit_table),
        cmocka_unit_test(permit_any_country),
        cmocka_unit_test(permit_empty_lists),
        cmocka_unit_test(permit_bad_args),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
