/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outbound rule selection (order, priority sort, prefix and length, roles
 * and groups, office hours making a rule vanish, strip/prepend, E.164
 * matching, emergency bypass and fallback, refusals) and inbound DID
 * matching (exact, patterns, trunk scoping, precedence).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "route/rules.h"

static struct route_profile uk;
static struct route_hours hours; /* mon-fri 09:00-17:00 UTC */

/* Monday 2 June 2025, 10:00 and 20:00 UTC. */
#define T_OPEN   ((int64_t)1748858400)
#define T_CLOSED ((int64_t)1748894400)

#define CB(c) ROUTE_CLASS_BIT(ROUTE_CLASS_##c)
#define RB(r) ROUTE_ROLE_BIT(ROUTE_ROLE_##r)

static struct route_outbound_rule rules[] = {
    { .id = 1,
      .name = "intl-office",
      .prefix = "00",
      .classes = CB(INTERNATIONAL),
      .roles = RB(INTERNATIONAL) | RB(ADMIN),
      .office_hours_only = true,
      .strip = 2,
      .prepend = "+",
      .trunks = { 10, 11 },
      .n_trunks = 2 },
    { .id = 2,
      .name = "intl-admin-any-time",
      .prefix = "00",
      .classes = CB(INTERNATIONAL),
      .roles = RB(ADMIN),
      .trunks = { 12 },
      .n_trunks = 1 },
    { .id = 3,
      .name = "uk-mobile-sales",
      .prefix = "07",
      .min_len = 11,
      .max_len = 11,
      .groups = { 5, 6 },
      .n_groups = 2,
      .strip = 1,
      .prepend = "+44",
      .trunks = { 20 },
      .n_trunks = 1 },
    { .id = 4,
      .name = "uk-national",
      .prefix = "0",
      .min_len = 10,
      .max_len = 11,
      .classes = CB(LOCAL_NATIONAL),
      .strip = 1,
      .prepend = "44",
      .trunks = { 21, 22, 23 },
      .n_trunks = 3 },
    { .id = 5,
      .name = "emergency",
      .max_len = 3,
      .classes = CB(EMERGENCY),
      .roles = RB(ADMIN),
      .office_hours_only = true,
      .n_groups = 1,
      .groups = { 99 },
      .trunks = { 40 },
      .n_trunks = 1 },
    { .id = 6,
      .name = "plus-any",
      .match_on = ROUTE_MATCH_E164,
      .prefix = "4",
      .min_len = 12,
      .classes = CB(LOCAL_NATIONAL),
      .prepend = "+",
      .trunks = { 30 },
      .n_trunks = 1 },
};
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

static bool is_ext(void *ud, struct sv dialed)
{
    (void)ud;
    return sv_eq_cstr(dialed, "1001");
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(route_profile_init(&uk, "44", "0", "00"), 0);
    assert_int_equal(route_profile_add_emergency(&uk, "999"), 0);
    assert_int_equal(route_profile_add_emergency(&uk, "112"), 0);
    route_hours_init(&hours, NULL);
    assert_int_equal(
        route_hours_add_spec(&hours, sv_cstr("mon-fri 09:00-17:00")), 0);
    for (size_t i = 0; i < N_RULES; i++) {
        if (route_outbound_rule_check(&rules[i]) != 0) {
            fail_msg("rule %zu invalid", i);
        }
    }
    return 0;
}

static const int64_t grp_sales[] = { 7, 5 };
static const int64_t grp_none[] = { 8 };

struct out_case {
    enum route_role role;
    const int64_t *groups;
    size_t n_groups;
    const char *dialed;
    int64_t now;
    int64_t want_rule; /* 0 = refused */
    const char *want;  /* number sent, or refusal token */
    bool fallback;
};

#define SALES grp_sales, 2
#define NOGRP grp_none, 1
#define NONE  NULL, 0

static const struct out_case out_cases[] = {
    /* Office-hours rule during office hours: strip "00", prepend "+". */
    { ROUTE_ROLE_INTERNATIONAL, NONE, "0033123456789", T_OPEN, 1,
      "+33123456789", false },
    { ROUTE_ROLE_ADMIN, NONE, "0033123456789", T_OPEN, 1, "+33123456789",
      false },
    /* Outside office hours the rule does not exist: admins fall through
     * to the next rule, others are refused for the office hours. */
    { ROUTE_ROLE_ADMIN, NONE, "0033123456789", T_CLOSED, 2, "0033123456789",
      false },
    { ROUTE_ROLE_INTERNATIONAL, NONE, "0033123456789", T_CLOSED, 0,
      ROUTE_RULE_OFFICE_HOURS, false },
    /* Role not listed on any international rule. */
    { ROUTE_ROLE_STANDARD, NONE, "0033123456789", T_OPEN, 0,
      ROUTE_RULE_NO_OUTBOUND, false },
    /* Group condition: only sales (5 or 6) use the mobile rule. */
    { ROUTE_ROLE_STANDARD, SALES, "07911123456", T_OPEN, 3, "+447911123456",
      false },
    { ROUTE_ROLE_STANDARD, NOGRP, "07911123456", T_OPEN, 4, "447911123456",
      false },
    { ROUTE_ROLE_STANDARD, NONE, "07911123456", T_CLOSED, 4, "447911123456",
      false },
    /* Length range: 12 digits skip rules 3 and 4, rule 6 matches E.164. */
    { ROUTE_ROLE_ADMIN, SALES, "079111234567", T_OPEN, 6, "+4479111234567",
      false },
    { ROUTE_ROLE_ADMIN, NONE, "020712345", T_OPEN, 0, ROUTE_RULE_NO_OUTBOUND,
      false },
    { ROUTE_ROLE_ADMIN, NONE, "02071234567", T_OPEN, 4, "442071234567", false },
    /* The E.164 form: '+' and 00 dialling reach the same rule. */
    { ROUTE_ROLE_ADMIN, NONE, "+442071234567", T_OPEN, 6, "+442071234567",
      false },
    { ROUTE_ROLE_ADMIN, NONE, "00442071234567", T_OPEN, 6, "+442071234567",
      false },
    /* Emergency ignores roles, groups and office hours. */
    { ROUTE_ROLE_STANDARD, NONE, "999", T_CLOSED, 5, "999", false },
    { ROUTE_ROLE_STANDARD, NOGRP, "112", T_OPEN, 5, "112", false },
    /* Internal numbers never go to a trunk. */
    { ROUTE_ROLE_ADMIN, NONE, "1001", T_OPEN, 0, ROUTE_RULE_NOT_EXTERNAL,
      false },
    { ROUTE_ROLE_ADMIN, NONE, "x", T_OPEN, 0, ROUTE_RULE_NOT_EXTERNAL, false },
};

static void run_out_case(const struct route_outbound_rule *rs, size_t n,
                         const struct out_case *c, size_t i)
{
    struct route_number num;
    struct route_caller caller = { c->role, c->groups, c->n_groups };
    struct route_outbound_result res;
    struct route_refusal why = { 0 };
    assert_int_equal(
        route_classify(&uk, sv_cstr(c->dialed), is_ext, NULL, &num), 0);
    int rc = route_outbound(rs, n, &caller, sv_cstr(c->dialed), &num, &hours,
                            c->now, &res, &why);
    if (c->want_rule == 0) {
        if (rc != ROUTE_REFUSED) {
            fail_msg("case %zu '%s': rc %d rule %lld, want refusal %s", i,
                     c->dialed, rc, res.rule ? (long long)res.rule->id : 0LL,
                     c->want);
        }
        assert_string_equal(why.rule, c->want);
        assert_true(why.text[0] != '\0');
        assert_null(res.rule);
        return;
    }
    if (rc != 0) {
        fail_msg("case %zu '%s': refused %s (%s)", i, c->dialed, why.rule,
                 why.text);
    }
    if (res.rule->id != c->want_rule) {
        fail_msg("case %zu '%s': rule %lld, want %lld", i, c->dialed,
                 (long long)res.rule->id, (long long)c->want_rule);
    }
    assert_string_equal(res.number, c->want);
    assert_int_equal(res.emergency_fallback, c->fallback);
}

static void outbound_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(out_cases) / sizeof(out_cases[0]); i++) {
        run_out_case(rules, N_RULES, &out_cases[i], i);
    }
}

static void outbound_trunk_order(void **state)
{
    (void)state;
    struct route_number num;
    struct route_caller caller = { ROUTE_ROLE_ADMIN, NULL, 0 };
    struct route_outbound_result res;
    struct route_refusal why;
    assert_int_equal(
        route_classify(&uk, sv_cstr("02071234567"), NULL, NULL, &num), 0);
    assert_int_equal(route_outbound(rules, N_RULES, &caller,
                                    sv_cstr("02071234567"), &num, &hours,
                                    T_OPEN, &res, &why),
                     0);
    assert_int_equal(res.rule->n_trunks, 3);
    assert_int_equal(res.rule->trunks[0], 21);
    assert_int_equal(res.rule->trunks[1], 22);
    assert_int_equal(res.rule->trunks[2], 23);
    /* The office-hours refusal names the rule. */
    caller.role = ROUTE_ROLE_INTERNATIONAL;
    assert_int_equal(
        route_classify(&uk, sv_cstr("0033123456789"), NULL, NULL, &num), 0);
    assert_int_equal(route_outbound(rules, N_RULES, &caller,
                                    sv_cstr("0033123456789"), &num, &hours,
                                    T_CLOSED, &res, &why),
                     ROUTE_REFUSED);
    assert_non_null(strstr(why.text, "intl-office"));
    /* Without any office hours an office-hours rule never exists. */
    assert_int_equal(route_outbound(rules, N_RULES, &caller,
                                    sv_cstr("0033123456789"), &num, NULL,
                                    T_OPEN, &res, &why),
                     ROUTE_REFUSED);
    assert_string_equal(why.rule, ROUTE_RULE_OFFICE_HOURS);
}

static void outbound_emergency_fallback(void **state)
{
    (void)state;
    /* Rules 1-4 only: nothing fits "999", the first rule with a trunk is
     * used and the number is left alone. */
    static const struct out_case c = {
        ROUTE_ROLE_STANDARD, NULL, 0, "999", T_CLOSED, 1, "999", true
    };
    run_out_case(rules, 4, &c, 0);
    /* No rules at all: refused (the proxy must log this loudly). */
    static const struct out_case none = {
        ROUTE_ROLE_STANDARD,    NULL, 0, "999", T_CLOSED, 0,
        ROUTE_RULE_NO_OUTBOUND, false
    };
    run_out_case(rules, 0, &none, 0);
}

static void outbound_sort_priority(void **state)
{
    (void)state;
    struct route_outbound_rule rs[5];
    memset(rs, 0, sizeof(rs));
    const int32_t prio[5] = { 30, 10, 20, 10, 5 };
    for (int i = 0; i < 5; i++) {
        rs[i].id = i + 1;
        rs[i].priority = prio[i];
        snprintf(rs[i].name, sizeof(rs[i].name), "r%d", i + 1);
        rs[i].trunks[0] = 100 + i;
        rs[i].n_trunks = 1;
    }
    route_outbound_sort(rs, 5);
    const int64_t order[5] = { 5, 2, 4, 3, 1 }; /* stable for equal 10s */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rs[i].id, order[i]);
    }
    route_outbound_sort(NULL, 0);
    /* The first rule in the sorted order wins when all match. */
    static const struct out_case c = { ROUTE_ROLE_ADMIN, NULL,   0,
                                       "02071234567",    T_OPEN, 5,
                                       "02071234567",    false };
    run_out_case(rs, 5, &c, 0);
}

static void outbound_strip_prepend(void **state)
{
    (void)state;
    struct route_outbound_rule r = { .id = 9,
                                     .name = "strip-all-but-one",
                                     .prefix = "9",
                                     .strip = 3,
                                     .prepend = "#31#",
                                     .trunks = { 1 },
                                     .n_trunks = 1 };
    assert_int_equal(route_outbound_rule_check(&r), 0);
    /* "9" as an outside-line access code in front of a national number
     * would be classified by the proxy beforehand; here the text only. */
    struct route_number num = { .cls = ROUTE_CLASS_LOCAL_NATIONAL,
                                .e164 = "4412345",
                                .cc = "44" };
    struct route_caller caller = { ROUTE_ROLE_ADMIN, NULL, 0 };
    struct route_outbound_result res;
    struct route_refusal why;
    assert_int_equal(route_outbound(&r, 1, &caller, sv_cstr("9012345"), &num,
                                    NULL, 0, &res, &why),
                     0);
    assert_string_equal(res.number, "#31#2345");
    /* Strip as long as the number: the rule does not match. */
    assert_int_equal(route_outbound(&r, 1, &caller, sv_cstr("901"), &num, NULL,
                                    0, &res, &why),
                     ROUTE_REFUSED);
    /* Longest possible result fits. */
    r.strip = 0;
    snprintf(r.prepend, sizeof(r.prepend), "%s", "123456789012345");
    r.prefix[0] = '\0';
    assert_int_equal(route_outbound_rule_check(&r), 0);
    assert_int_equal(route_outbound(&r, 1, &caller,
                                    sv_cstr("12345678901234567890123456789012"),
                                    &num, NULL, 0, &res, &why),
                     0);
    assert_int_equal(strlen(res.number), ROUTE_OUT_NUMBER_MAX);
    assert_int_equal(
        route_outbound(&r, 1, &caller,
                       sv_cstr("123456789012345678901234567890123"), &num, NULL,
                       0, &res, &why),
        -EINVAL);
}

static void outbound_rule_checks(void **state)
{
    (void)state;
    const struct route_outbound_rule good = { .name = "ok",
                                              .prefix = "+44",
                                              .prepend = "*#",
                                              .min_len = 5,
                                              .max_len = 5,
                                              .trunks = { 3 },
                                              .n_trunks = 1 };
    assert_int_equal(route_outbound_rule_check(&good), 0);
    struct route_outbound_rule r;
#define BAD(mutation)                                             \
    do {                                                          \
        r = good;                                                 \
        mutation;                                                 \
        assert_int_equal(route_outbound_rule_check(&r), -EINVAL); \
    } while (0)
    BAD(r.name[0] = '\0');
    BAD(r.name[0] = '"');
    BAD(r.name[1] = '\\');
    BAD(r.name[0] = '\n');
    BAD(memset(r.name, 'a', sizeof(r.name)));
    BAD(r.prefix[1] = 'a');
    BAD(r.prefix[1] = '+');
    BAD(r.prepend[0] = '-');
    BAD(r.max_len = 4);
    BAD(r.classes = CB(INTERNAL));
    BAD(r.classes = CB(INVALID));
    BAD(r.roles = 1u << 5);
    BAD(r.n_trunks = 0);
    BAD(r.n_trunks = ROUTE_RULE_MAX_TRUNKS + 1);
    BAD(r.trunks[0] = 0);
    BAD(r.n_groups = ROUTE_RULE_MAX_GROUPS + 1);
    BAD(r.strip = ROUTE_DIALED_MAX + 1);
    BAD(r.match_on = (enum route_match_on)2);
#undef BAD
    assert_int_equal(route_outbound_rule_check(NULL), -EINVAL);

    struct route_number num = { .cls = ROUTE_CLASS_LOCAL_NATIONAL };
    struct route_caller caller = { ROUTE_ROLE_ADMIN, NULL, 0 };
    struct route_outbound_result res;
    struct route_refusal why;
    assert_int_equal(route_outbound(NULL, 1, &caller, sv_cstr("1"), &num, NULL,
                                    0, &res, &why),
                     -EINVAL);
    assert_int_equal(
        route_outbound(rules, 1, NULL, sv_cstr("1"), &num, NULL, 0, &res, &why),
        -EINVAL);
    assert_int_equal(route_outbound(rules, 1, &caller, sv_cstr("1"), NULL, NULL,
                                    0, &res, &why),
                     -EINVAL);
}

/* ------------------------------------------------------------------------
 * Inbound
 */

static const struct route_inbound_rule in_rules[] = {
    { .id = 1, .trunk_id = 0, .did = "442071234567", .ext = "1001" },
    { .id = 2, .trunk_id = 7, .did = "+442071234567", .ext = "1002" },
    { .id = 3, .trunk_id = 0, .did = "44207123XXXX", .ext = "1100" },
    { .id = 4, .trunk_id = 0, .did = "44207N.", .ext = "1200" },
    { .id = 5, .trunk_id = 0, .did = "4420712345xx", .ext = "1300" },
    { .id = 6, .trunk_id = 9, .did = "X.", .ext = "1900" },
    { .id = 7, .trunk_id = 0, .did = "1ZNX", .ext = "operator" },
    { .id = 8, .trunk_id = 8, .did = "44207123XXXX", .ext = "1800" },
};
#define N_IN (sizeof(in_rules) / sizeof(in_rules[0]))

struct in_case {
    int64_t trunk;
    const char *did;
    int64_t want; /* rule id, 0 = none */
};

static const struct in_case in_cases[] = {
    { 1, "442071234567", 1 },  /* exact, any trunk */
    { 7, "442071234567", 2 },  /* exact on this trunk beats any trunk */
    { 7, "+442071234567", 2 }, /* '+' ignored */
    { 1, "+442071234567", 1 },
    { 1, "442071239999", 3 },  /* XXXX block */
    { 8, "442071239999", 8 },  /* same pattern, trunk-specific wins */
    { 1, "442071234599", 5 },  /* more literal digits win */
    { 1, "44207212", 4 },      /* N then one or more */
    { 1, "442072", 0 },        /* '.' needs at least one digit */
    { 1, "44207112", 0 },      /* N refuses 1; XXXX needs 12 digits */
    { 1, "4420712399999", 0 }, /* too long for XXXX; 1 after 44207 */
    { 9, "123", 6 },
    { 9, "5", 0 },
    { 1, "123", 0 },
    { 1, "1120", 7 }, /* Z=1 N=2 X=0 */
    { 1, "1020", 0 }, /* Z refuses 0 */
    { 1, "1110", 0 }, /* N refuses 1 */
    { 1, "44207123999a", 0 },
    { 1, "", 0 },
    { 1, "+", 0 },
    { 1, "anonymous", 0 },
};

static void inbound_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_IN; i++) {
        if (route_inbound_rule_check(&in_rules[i]) != 0) {
            fail_msg("inbound rule %zu invalid", i);
        }
    }
    for (size_t i = 0; i < sizeof(in_cases) / sizeof(in_cases[0]); i++) {
        const struct in_case *c = &in_cases[i];
        const struct route_inbound_rule *r = (const void *)1;
        int rc = route_inbound(in_rules, N_IN, c->trunk, sv_cstr(c->did), &r);
        if (c->want == 0) {
            if (rc != ROUTE_REFUSED || r != NULL) {
                fail_msg("case %zu '%s': matched rule %lld", i, c->did,
                         r ? (long long)r->id : -1LL);
            }
            continue;
        }
        if (rc != 0 || r->id != c->want) {
            fail_msg("case %zu '%s' trunk %lld: rc %d rule %lld, want %lld", i,
                     c->did, (long long)c->trunk, rc,
                     r ? (long long)r->id : -1LL, (long long)c->want);
        }
    }
    const struct route_inbound_rule *r = NULL;
    assert_int_equal(route_inbound(NULL, 1, 1, sv_cstr("1"), &r), -EINVAL);
    assert_int_equal(route_inbound(in_rules, N_IN, 1, sv_cstr("1"), NULL),
                     -EINVAL);
    assert_int_equal(route_inbound(NULL, 0, 1, sv_cstr("1"), &r),
                     ROUTE_REFUSED);
}

static void inbound_rule_checks(void **state)
{
    (void)state;
    const struct route_inbound_rule good = { .did = "44XXX.", .ext = "1001" };
    assert_int_equal(route_inbound_rule_check(&good), 0);
    struct route_inbound_rule r;
#define BAD(mutation)                                            \
    do {                                                         \
        r = good;                                                \
        mutation;                                                \
        assert_int_equal(route_inbound_rule_check(&r), -EINVAL); \
    } while (0)
    BAD(r.did[0] = '\0');
    BAD(snprintf(r.did, sizeof(r.did), "+"));
    BAD(snprintf(r.did, sizeof(r.did), "."));
    BAD(snprintf(r.did, sizeof(r.did), "44.1"));
    BAD(snprintf(r.did, sizeof(r.did), "44.."));
    BAD(snprintf(r.did, sizeof(r.did), "44*1"));
    BAD(snprintf(r.did, sizeof(r.did), "4+4"));
    BAD(memset(r.did, '4', sizeof(r.did)));
    BAD(r.ext[0] = '\0');
    BAD(r.ext[0] = ' ');
    BAD(r.ext[1] = '"');
    BAD(memset(r.ext, '1', sizeof(r.ext)));
    BAD(r.trunk_id = -1);
#undef BAD
    assert_int_equal(route_inbound_rule_check(NULL), -EINVAL);
    assert_true(route_did_match(sv_cstr("+44x"), sv_cstr("449")));
    assert_false(route_did_match(sv_cstr("44x"), sv_cstr("44")));
    assert_false(route_did_match(sv_cstr(""), sv_cstr("44")));
    assert_false(route_did_match(sv_make(NULL, 2), sv_cstr("44")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outbound_table),
        cmocka_unit_test(outbound_trunk_order),
        cmocka_unit_test(outbound_emergency_fallback),
        cmocka_unit_test(outbound_sort_priority),
        cmocka_unit_test(outbound_strip_prepend),
        cmocka_unit_test(outbound_rule_checks),
        cmocka_unit_test(inbound_table),
        cmocka_unit_test(inbound_rule_checks),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
