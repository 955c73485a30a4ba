/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Country profiles and number classification: one table of dialed
 * strings per profile (UK with 0/00, US/NANP with 1/011, Ireland with a
 * 3-digit code, Italy without a trunk prefix, Russia with 8/810), then the
 * profile setters both ways.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "route/profile.h"

/* ------------------------------------------------------------------------
 * Profiles
 */

enum prof { UK, UK_AREA, US, IE, IT, RU, N_PROF };

static struct route_profile profs[N_PROF];

struct ext_set {
    const char *const *list;
};

static const char *const ext_list[] = { "100", "1001", "2002", "201", NULL };
static struct ext_set exts = { ext_list };

static unsigned ext_calls;

static bool is_ext(void *ud, struct sv dialed)
{
    const char *const *list = ((const struct ext_set *)ud)->list;
    ext_calls++;
    for (size_t i = 0; list[i]; i++) {
        if (sv_eq_cstr(dialed, list[i])) {
            return true;
        }
    }
    return false;
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(route_profile_init(&profs[UK], "44", "0", "00"), 0);
    assert_int_equal(route_profile_add_emergency(&profs[UK], "999"), 0);
    assert_int_equal(route_profile_add_emergency(&profs[UK], "112"), 0);
    profs[UK_AREA] = profs[UK];
    assert_int_equal(route_profile_set_local_area(&profs[UK_AREA], "20"), 0);
    assert_int_equal(route_profile_init(&profs[US], "1", "1", "011"), 0);
    assert_int_equal(route_profile_add_emergency(&profs[US], "911"), 0);
    assert_int_equal(route_profile_init(&profs[IE], "353", "0", "00"), 0);
    assert_int_equal(route_profile_add_emergency(&profs[IE], "112"), 0);
    assert_int_equal(route_profile_add_emergency(&profs[IE], "999"), 0);
    assert_int_equal(route_profile_init(&profs[IT], "39", "", "00"), 0);
    assert_int_equal(route_profile_add_emergency(&profs[IT], "112"), 0);
    assert_int_equal(route_profile_init(&profs[RU], "7", "8", "810"), 0);
    assert_int_equal(route_profile_add_emergency(&profs[RU], "112"), 0);
    return 0;
}

/* ------------------------------------------------------------------------
 * The table
 */

#define INV  ROUTE_CLASS_INVALID
#define INT  ROUTE_CLASS_INTERNAL
#define EMG  ROUTE_CLASS_EMERGENCY
#define NAT  ROUTE_CLASS_LOCAL_NATIONAL
#define INTL ROUTE_CLASS_INTERNATIONAL

struct cl_case {
    enum prof prof;
    const char *dialed;
    enum route_class want;
    const char *e164;   /* NAT / INTL: expected digits */
    const char *cc;     /* NAT / INTL / EMG: expected code */
    const char *reason; /* INV: substring of the reason */
};

static const struct cl_case cases[] = {
    /* UK: 0 national, 00 international. */
    { UK, "1001", INT, "", "", NULL },
    { UK, "100", INT, "", "", NULL },
    { UK, "999", EMG, "", "44", NULL },
    { UK, "112", EMG, "", "44", NULL },
    { UK, "*97", INT, "", "", NULL },
    { UK, "#31#", INT, "", "", NULL },
    { UK, "02071234567", NAT, "442071234567", "44", NULL },
    { UK, "07911123456", NAT, "447911123456", "44", NULL },
    { UK, "09098790000", NAT, "449098790000", "44", NULL },
    { UK, "+442071234567", NAT, "442071234567", "44", NULL },
    { UK, "00442071234567", NAT, "442071234567", "44", NULL },
    { UK, "0012125551234", INTL, "12125551234", "1", NULL },
    { UK, "+12125551234", INTL, "12125551234", "1", NULL },
    { UK, "0033123456789", INTL, "33123456789", "33", NULL },
    { UK, "00353871234567", INTL, "353871234567", "353", NULL },
    { UK, "+8821234567", INTL, "8821234567", "882", NULL },
    { UK, "+74951234567", INTL, "74951234567", "7", NULL },
    { UK, "5551234", NAT, "445551234", "44", NULL },
    { UK, "1002", NAT, "441002", "44", NULL },
    { UK, "+999", INV, "", "", "unknown country code" },
    { UK, "", INV, "", "", "empty" },
    { UK, "+", INV, "", "", "empty" },
    { UK, "abc", INV, "", "", "invalid character" },
    { UK, "020 7123 4567", INV, "", "", "invalid character" },
    { UK, "sip:1001", INV, "", "", "invalid character" },
    { UK, "0207+1234", INV, "", "", "'+' only allowed first" },
    { UK, "++44", INV, "", "", "'+' only allowed first" },
    { UK, "+44*123", INV, "", "", "'*' or '#'" },
    { UK, "00", INV, "", "", "too short" },
    { UK, "0", INV, "", "", "too short" },
    { UK, "+44", INV, "", "", "too short" },
    { UK, "+441", INV, "", "", "too short" },
    { UK, "+4", INV, "", "", "unknown country code" },
    { UK, "+2101234567", INV, "", "", "unknown country code" },
    { UK, "000442071234567", INV, "", "", "unknown country code" },
    { UK, "+4420712345678901", INV, "", "", "15 digits" },
    { UK, "0207123456789012", INV, "", "", "15 digits" },
    { UK, "123456789012345678901234567890123", INV, "", "", "too long" },
    /* UK with a local area code. */
    { UK_AREA, "79461234", NAT, "442079461234", "44", NULL },
    { UK_AREA, "01612345678", NAT, "441612345678", "44", NULL },
    { UK_AREA, "999", EMG, "", "44", NULL },
    /* US / NANP: 1 national (optional), 011 international. */
    { US, "911", EMG, "", "1", NULL },
    { US, "1001", INT, "", "", NULL },
    { US, "2125551234", NAT, "12125551234", "1", NULL },
    { US, "12125551234", NAT, "12125551234", "1", NULL },
    { US, "+12125551234", NAT, "12125551234", "1", NULL },
    { US, "18765551234", NAT, "18765551234", "1", NULL },
    { US, "011442071234567", INTL, "442071234567", "44", NULL },
    { US, "+442071234567", INTL, "442071234567", "44", NULL },
    { US, "01152155512345", INTL, "52155512345", "52", NULL },
    { US, "011", INV, "", "", "too short" },
    { US, "999", NAT, "1999", "1", NULL },
    /* Ireland: 3-digit country code. */
    { IE, "0871234567", NAT, "353871234567", "353", NULL },
    { IE, "+353871234567", NAT, "353871234567", "353", NULL },
    { IE, "00353871234567", NAT, "353871234567", "353", NULL },
    { IE, "00442071234567", INTL, "442071234567", "44", NULL },
    { IE, "+3511234567", INTL, "3511234567", "351", NULL },
    { IE, "+35", INV, "", "", "unknown country code" },
    { IE, "+3531", INV, "", "", "too short" },
    { IE, "112", EMG, "", "353", NULL },
    { IE, "999", EMG, "", "353", NULL },
    /* Italy: no trunk prefix, the leading 0 is part of the number. */
    { IT, "0612345678", NAT, "390612345678", "39", NULL },
    { IT, "3471234567", NAT, "393471234567", "39", NULL },
    { IT, "00442071234567", INTL, "442071234567", "44", NULL },
    { IT, "+390612345678", NAT, "390612345678", "39", NULL },
    /* Russia: 8 national, 810 international; 7 shared with Kazakhstan. */
    { RU, "84951234567", NAT, "74951234567", "7", NULL },
    { RU, "810442071234567", INTL, "442071234567", "44", NULL },
    { RU, "+77011234567", NAT, "77011234567", "7", NULL },
};

static void classify_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct cl_case *c = &cases[i];
        struct route_number num;
        memset(&num, 0xa5, sizeof(num));
        int rc = route_classify(&profs[c->prof], sv_cstr(c->dialed), is_ext,
                                &exts, &num);
        assert_int_equal(rc, 0);
        if (num.cls != c->want) {
            fail_msg("case %zu '%s': class %s, want %s (%s)", i, c->dialed,
                     route_class_name(num.cls), route_class_name(c->want),
                     num.reason ? num.reason : "");
        }
        if (c->want == INV) {
            assert_non_null(num.reason);
            if (!strstr(num.reason, c->reason)) {
                fail_msg("case %zu '%s': reason '%s', want '%s'", i, c->dialed,
                         num.reason, c->reason);
            }
            assert_string_equal(num.e164, "");
            continue;
        }
        assert_null(num.reason);
        assert_string_equal(num.e164, c->e164);
        assert_string_equal(num.cc, c->cc);
        assert_int_equal(num.is_feature,
                         c->want == INT && strpbrk(c->dialed, "*#") != NULL);
    }
}

static void classify_ext_callback(void **state)
{
    (void)state;
    struct route_number num;
    /* Emergency wins over an extension with the same number. */
    static const char *const clash_list[] = { "999", NULL };
    struct ext_set clash = { clash_list };
    ext_calls = 0;
    assert_int_equal(
        route_classify(&profs[UK], sv_cstr("999"), is_ext, &clash, &num), 0);
    assert_int_equal(num.cls, ROUTE_CLASS_EMERGENCY);
    assert_int_equal(ext_calls, 0);
    /* Without a callback nothing digit-only is internal. */
    assert_int_equal(
        route_classify(&profs[UK], sv_cstr("1001"), NULL, NULL, &num), 0);
    assert_int_equal(num.cls, ROUTE_CLASS_LOCAL_NATIONAL);
    /* The callback is asked once, with the text as dialed. */
    ext_calls = 0;
    assert_int_equal(
        route_classify(&profs[UK], sv_cstr("2002"), is_ext, &exts, &num), 0);
    assert_int_equal(num.cls, ROUTE_CLASS_INTERNAL);
    assert_int_equal(ext_calls, 1);
}

static void classify_bad_args(void **state)
{
    (void)state;
    struct route_number num;
    assert_int_equal(route_classify(NULL, sv_cstr("1"), NULL, NULL, &num),
                     -EINVAL);
    assert_int_equal(num.cls, ROUTE_CLASS_INVALID);
    assert_int_equal(route_classify(&profs[UK], sv_cstr("1"), NULL, NULL, NULL),
                     -EINVAL);
    assert_int_equal(
        route_classify(&profs[UK], sv_make(NULL, 3), NULL, NULL, &num),
        -EINVAL);
    /* Embedded NUL is just another bad character. */
    assert_int_equal(route_classify(&profs[UK], sv_make("0207\0001234", 9),
                                    NULL, NULL, &num),
                     0);
    assert_int_equal(num.cls, ROUTE_CLASS_INVALID);
}

/* ------------------------------------------------------------------------
 * Setters
 */

static void profile_init_checks(void **state)
{
    (void)state;
    struct route_profile p;
    assert_int_equal(route_profile_init(&p, "44", "0", "00"), 0);
    assert_int_equal(route_profile_init(&p, "0", "0", "00"), -EINVAL);
    assert_int_equal(route_profile_init(&p, "999", "0", "00"), -EINVAL);
    assert_int_equal(route_profile_init(&p, "4", "0", "00"), -EINVAL);
    assert_int_equal(route_profile_init(&p, "4a", "0", "00"), -EINVAL);
    assert_int_equal(route_profile_init(&p, NULL, "0", "00"), -EINVAL);
    assert_int_equal(route_profile_init(&p, "44", "0", "0"), -EINVAL);
    assert_int_equal(route_profile_init(&p, "44", "x", "00"), -EINVAL);
    assert_int_equal(route_profile_init(&p, "44", "0", "+"), -EINVAL);
    assert_int_equal(route_profile_init(&p, "44", "0", "00000000"), -EINVAL);
    assert_int_equal(route_profile_init(&p, "44", NULL, "00"), -EINVAL);
    assert_string_equal(p.cc, "");
    assert_int_equal(route_profile_init(&p, "44", "", ""), 0);
    assert_int_equal(route_profile_init(NULL, "44", "0", "00"), -EINVAL);
    assert_int_equal(route_profile_init(&p, "44", "0", "00"), 0);
    assert_int_equal(route_profile_set_local_area(&p, "20"), 0);
    assert_string_equal(p.local_area, "20");
    assert_int_equal(route_profile_set_local_area(&p, "2a"), -EINVAL);
    assert_string_equal(p.local_area, "20");
    assert_int_equal(route_profile_set_local_area(&p, ""), 0);
    assert_string_equal(p.local_area, "");
}

static void profile_emergency_list(void **state)
{
    (void)state;
    struct route_profile p;
    assert_int_equal(route_profile_init(&p, "44", "0", "00"), 0);
    assert_int_equal(route_profile_add_emergency(&p, "999"), 0);
    assert_int_equal(route_profile_add_emergency(&p, "999"), 0);
    assert_int_equal(p.n_emergency, 1);
    assert_int_equal(route_profile_add_emergency(&p, ""), -EINVAL);
    assert_int_equal(route_profile_add_emergency(&p, "+999"), -EINVAL);
    assert_int_equal(route_profile_add_emergency(&p, "1234567890123456"),
                     -EINVAL);
    assert_int_equal(route_profile_add_emergency(&p, "123456789012345"), 0);
    char num[8];
    for (unsigned i = 0; p.n_emergency < ROUTE_MAX_EMERGENCY; i++) {
        snprintf(num, sizeof(num), "7%u", i);
        assert_int_equal(route_profile_add_emergency(&p, num), 0);
    }
    assert_int_equal(route_profile_add_emergency(&p, "55555"), -ENOSPC);
}

static void profile_country_sets(void **state)
{
    (void)state;
    struct route_profile p;
    assert_int_equal(route_profile_init(&p, "44", "0", "00"), 0);
    /* Own country always, nothing else by default. */
    assert_true(route_profile_cc_allowed(&p, sv_cstr("44")));
    assert_false(route_profile_cc_allowed(&p, sv_cstr("1")));
    assert_int_equal(route_profile_allow_cc(&p, "1"), 0);
    assert_int_equal(route_profile_allow_cc(&p, "353"), 0);
    assert_int_equal(route_profile_allow_cc(&p, "33"), 0);
    assert_true(route_profile_cc_allowed(&p, sv_cstr("1")));
    assert_true(route_profile_cc_allowed(&p, sv_cstr("353")));
    assert_true(route_profile_cc_allowed(&p, sv_cstr("33")));
    /* Same value, other length: distinct bits. */
    assert_false(route_profile_cc_allowed(&p, sv_cstr("7")));
    assert_int_equal(route_profile_allow_cc(&p, "212"), 0);
    assert_false(route_profile_cc_allowed(&p, sv_cstr("20")));
    assert_false(route_profile_cc_allowed(&p, sv_cstr("351")));
    assert_int_equal(route_profile_allow_cc(&p, "35"), -EINVAL);
    assert_int_equal(route_profile_allow_cc(&p, "0"), -EINVAL);
    assert_int_equal(route_profile_allow_cc(&p, ""), -EINVAL);
    assert_int_equal(route_profile_allow_cc(&p, "**"), -EINVAL);
    assert_false(route_profile_cc_allowed(&p, sv_cstr("999")));
    assert_int_equal(route_profile_allow_cc(&p, "*"), 0);
    assert_true(route_profile_cc_allowed(&p, sv_cstr("93")));
    assert_false(route_profile_cc_allowed(&p, sv_cstr("999")));

    assert_int_equal(route_profile_disallow(&p, "4490"), 0);
    assert_int_equal(route_profile_disallow(&p, "449"), 0);
    assert_int_equal(route_profile_disallow(&p, "4490"), 0);
    assert_int_equal(p.n_disallowed, 2);
    assert_int_equal(route_profile_disallow(&p, ""), -EINVAL);
    assert_int_equal(route_profile_disallow(&p, "+4490"), -EINVAL);
    assert_int_equal(route_profile_disallow(&p, "1234567890123456"), -EINVAL);
    assert_string_equal(
        route_profile_disallowed_match(&p, sv_cstr("449098790000")), "4490");
    assert_string_equal(
        route_profile_disallowed_match(&p, sv_cstr("449190000")), "449");
    assert_null(route_profile_disallowed_match(&p, sv_cstr("442071234567")));
    assert_null(route_profile_disallowed_match(&p, sv_cstr("44")));
    char pre[8];
    for (unsigned i = 0; p.n_disallowed < ROUTE_MAX_DISALLOWED; i++) {
        snprintf(pre, sizeof(pre), "8%u", i);
        assert_int_equal(route_profile_disallow(&p, pre), 0);
    }
    assert_int_equal(route_profile_disallow(&p, "99999"), -ENOSPC);
}

static void class_names(void **state)
{
    (void)state;
    assert_string_equal(route_class_name(ROUTE_CLASS_INVALID), "invalid");
    assert_string_equal(route_class_name(ROUTE_CLASS_INTERNAL), "internal");
    assert_string_equal(route_class_name(ROUTE_CLASS_EMERGENCY), "emergency");
    assert_string_equal(route_class_name(ROUTE_CLASS_LOCAL_NATIONAL),
                        "national");
    assert_string_equal(route_class_name(ROUTE_CLASS_INTERNATIONAL),
                        "international");
    assert_string_equal(route_class_name((enum route_class)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classify_table),
        cmocka_unit_test(classify_ext_callback),
        cmocka_unit_test(classify_bad_args),
        cmocka_unit_test(profile_init_checks),
        cmocka_unit_test(profile_emergency_list),
        cmocka_unit_test(profile_country_sets),
        cmocka_unit_test(class_names),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
