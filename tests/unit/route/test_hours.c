/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Office hours: weekday ranges on both sides of DST changes (London and
 * New York), ranges past midnight, 24:00, holidays (single, spans, in the
 * tenant's zone rather than UTC, and the day a night range belongs to),
 * and the text forms both ways.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "route/hours.h"
#include "route/tz.h"

static int64_t utc(int32_t y, unsigned mo, unsigned d, unsigned h, unsigned mi)
{
    return route_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

struct at_case {
    int64_t t;
    bool open;
    const char *what;
};

static void check_cases(const struct route_hours *h, const struct at_case *c,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (route_hours_open(h, c[i].t) != c[i].open) {
            fail_msg("case %zu (%s): want %s", i, c[i].what,
                     c[i].open ? "open" : "closed");
        }
    }
}

static struct route_tz *load(const char *name)
{
    struct route_tz *tz = NULL;
    assert_int_equal(route_tz_load(name, NULL, &tz), 0);
    return tz;
}

static void london_across_dst(void **state)
{
    (void)state;
    struct route_tz *tz = load("Europe/London");
    struct route_hours h;
    route_hours_init(&h, tz);
    assert_int_equal(route_hours_add_spec(&h, sv_cstr("mon-fri 09:00-17:30")),
                     0);
    const struct at_case cases[] = {
        /* Friday 28 March 2025, GMT: local = UTC. */
        { utc(2025, 3, 28, 8, 59), false, "fri 08:59 GMT" },
        { utc(2025, 3, 28, 9, 0), true, "fri 09:00 GMT" },
        { utc(2025, 3, 28, 17, 29), true, "fri 17:29 GMT" },
        { utc(2025, 3, 28, 17, 30), false, "fri 17:30 GMT" },
        /* Sunday 30 March: the change day, closed. */
        { utc(2025, 3, 30, 10, 0), false, "sun" },
        /* Monday 31 March, BST: 09:00 local is 08:00 UTC. */
        { utc(2025, 3, 31, 7, 59), false, "mon 08:59 BST" },
        { utc(2025, 3, 31, 8, 0), true, "mon 09:00 BST" },
        { utc(2025, 3, 31, 16, 29), true, "mon 17:29 BST" },
        { utc(2025, 3, 31, 16, 30), false, "mon 17:30 BST" },
        /* Friday 24 October BST, Monday 27 October GMT again. */
        { utc(2025, 10, 24, 8, 0), true, "fri 09:00 BST" },
        { utc(2025, 10, 24, 16, 30), false, "fri 17:30 BST" },
        { utc(2025, 10, 27, 8, 30), false, "mon 08:30 GMT" },
        { utc(2025, 10, 27, 9, 0), true, "mon 09:00 GMT" },
        { utc(2025, 10, 27, 17, 0), true, "mon 17:00 GMT" },
        /* Saturday. */
        { utc(2025, 10, 25, 12, 0), false, "sat" },
    };
    check_cases(&h, cases, sizeof(cases) / sizeof(cases[0]));
    route_tz_free(tz);
}

static void night_ranges_and_midnight(void **state)
{
    (void)state;
    struct route_tz *tz = load("America/New_York");
    struct route_hours h;
    route_hours_init(&h, tz);
    /* Friday and Saturday nights, 22:00 to 06:00 next morning. */
    assert_int_equal(route_hours_add_spec(&h, sv_cstr("fri,sat 22:00-06:00")),
                     0);
    /* Mondays all day. */
    assert_int_equal(route_hours_add_range(&h, 1, 0, 1440), 0);
    const struct at_case cases[] = {
        /* Fri 7 Mar 2025 (EST, UTC-5). */
        { utc(2025, 3, 8, 2, 59), false, "fri 21:59" },
        { utc(2025, 3, 8, 3, 0), true, "fri 22:00" },
        { utc(2025, 3, 8, 4, 59), true, "fri 23:59" },
        { utc(2025, 3, 8, 5, 0), true, "sat 00:00" },
        { utc(2025, 3, 8, 10, 59), true, "sat 05:59" },
        { utc(2025, 3, 8, 11, 0), false, "sat 06:00" },
        /* Saturday night runs into Sunday 9 March, the spring-forward
         * day: 06:00 EDT is 10:00 UTC. */
        { utc(2025, 3, 9, 3, 0), true, "sat 22:00 EST" },
        { utc(2025, 3, 9, 6, 59), true, "sun 01:59 EST" },
        { utc(2025, 3, 9, 7, 0), true, "sun 03:00 EDT" },
        { utc(2025, 3, 9, 9, 59), true, "sun 05:59 EDT" },
        { utc(2025, 3, 9, 10, 0), false, "sun 06:00 EDT" },
        /* Sunday night is not listed. */
        { utc(2025, 3, 10, 3, 0), false, "sun 23:00" },
        /* Monday 00:00-24:00 in EDT. */
        { utc(2025, 3, 10, 4, 0), true, "mon 00:00" },
        { utc(2025, 3, 11, 3, 59), true, "mon 23:59" },
        { utc(2025, 3, 11, 4, 0), false, "tue 00:00" },
    };
    check_cases(&h, cases, sizeof(cases) / sizeof(cases[0]));
    route_tz_free(tz);
}

static void holidays(void **state)
{
    (void)state;
    struct route_hours h;
    route_hours_init(&h, NULL); /* UTC */
    assert_int_equal(route_hours_add_spec(&h, sv_cstr("mon-fri 09:00-17:00")),
                     0);
    assert_int_equal(route_hours_add_spec(&h, sv_cstr("wed,thu 22:00-06:00")),
                     0);
    assert_int_equal(route_hours_add_holiday_spec(&h, sv_cstr("2025-12-25")),
                     0);
    assert_int_equal(
        route_hours_add_holiday_spec(&h, sv_cstr(" 2025-12-29..2026-01-02 ")),
        0);
    const struct at_case cases[] = {
        { utc(2025, 12, 24, 10, 0), true, "wed 24 Dec" },
        { utc(2025, 12, 25, 10, 0), false, "thu 25 Dec (holiday)" },
        { utc(2025, 12, 26, 10, 0), true, "fri 26 Dec" },
        /* Wednesday's night range continues into the holiday. */
        { utc(2025, 12, 25, 2, 0), true, "thu 02:00 (wed night)" },
        /* Thursday's night range belongs to the holiday. */
        { utc(2025, 12, 25, 23, 0), false, "thu 23:00 (holiday night)" },
        { utc(2025, 12, 26, 2, 0), false, "fri 02:00 (holiday night)" },
        { utc(2025, 12, 29, 10, 0), false, "mon 29 Dec" },
        { utc(2025, 12, 31, 10, 0), false, "wed 31 Dec" },
        { utc(2026, 1, 2, 16, 59), false, "fri 2 Jan" },
        { utc(2026, 1, 5, 9, 0), true, "mon 5 Jan" },
    };
    check_cases(&h, cases, sizeof(cases) / sizeof(cases[0]));
}

static void holiday_in_tenant_zone(void **state)
{
    (void)state;
    struct route_tz *tz = load("Australia/Sydney");
    struct route_hours h;
    route_hours_init(&h, tz);
    assert_int_equal(route_hours_add_spec(&h, sv_cstr("sun-sat 00:00-24:00")),
                     0);
    assert_int_equal(route_hours_add_holiday(&h, 2025, 12, 25, 2025, 12, 25),
                     0);
    const struct at_case cases[] = {
        /* AEDT is UTC+11: 25 Dec local starts at 13:00 UTC on the 24th. */
        { utc(2025, 12, 24, 12, 59), true, "24 Dec 23:59 local" },
        { utc(2025, 12, 24, 13, 0), false, "25 Dec 00:00 local" },
        { utc(2025, 12, 25, 12, 59), false, "25 Dec 23:59 local" },
        { utc(2025, 12, 25, 13, 0), true, "26 Dec 00:00 local" },
    };
    check_cases(&h, cases, sizeof(cases) / sizeof(cases[0]));
    route_tz_free(tz);
}

static void never_open(void **state)
{
    (void)state;
    struct route_hours h;
    route_hours_init(&h, NULL);
    assert_false(route_hours_open(&h, utc(2025, 6, 2, 12, 0)));
    assert_false(route_hours_open(NULL, utc(2025, 6, 2, 12, 0)));
}

static void range_checks(void **state)
{
    (void)state;
    struct route_hours h;
    route_hours_init(&h, NULL);
    assert_int_equal(route_hours_add_range(&h, 7, 0, 60), -EINVAL);
    assert_int_equal(route_hours_add_range(&h, 1, 1440, 60), -EINVAL);
    assert_int_equal(route_hours_add_range(&h, 1, 0, 1441), -EINVAL);
    assert_int_equal(route_hours_add_range(&h, 1, 60, 60), -EINVAL);
    assert_int_equal(route_hours_add_range(NULL, 1, 0, 60), -EINVAL);
    for (unsigned i = 0; i < ROUTE_HOURS_MAX_RANGES; i++) {
        assert_int_equal(route_hours_add_range(&h, 2, i, i + 1), 0);
    }
    assert_int_equal(route_hours_add_range(&h, 2, 100, 200), -ENOSPC);
    assert_int_equal(route_hours_add_holiday(&h, 2025, 2, 29, 2025, 3, 1),
                     -EINVAL);
    assert_int_equal(route_hours_add_holiday(&h, 2024, 2, 29, 2024, 2, 29), 0);
    assert_int_equal(route_hours_add_holiday(&h, 2025, 3, 2, 2025, 3, 1),
                     -EINVAL);
    assert_int_equal(route_hours_add_holiday(&h, 2025, 4, 31, 2025, 5, 1),
                     -EINVAL);
    while (h.n_holidays < ROUTE_HOURS_MAX_HOLIDAYS) {
        assert_int_equal(route_hours_add_holiday(&h, 2030, 1, 1, 2030, 1, 1),
                         0);
    }
    assert_int_equal(route_hours_add_holiday(&h, 2031, 1, 1, 2031, 1, 1),
                     -ENOSPC);
}

static void spec_forms(void **state)
{
    (void)state;
    struct route_hours h;
    route_hours_init(&h, NULL);
    assert_int_equal(
        route_hours_add_spec(&h, sv_cstr("Mon-Fri 09:00-12:30,13:30-17:00")),
        0);
    assert_int_equal(h.n_week[1], 2);
    assert_int_equal(h.n_week[5], 2);
    assert_int_equal(h.n_week[0], 0);
    assert_int_equal(h.week[3][1].start_min, 13 * 60 + 30);
    assert_int_equal(h.week[3][1].end_min, 17 * 60);
    /* A day span that wraps over the week end. */
    assert_int_equal(route_hours_add_spec(&h, sv_cstr("fri-mon 20:00-24:00")),
                     0);
    assert_int_equal(h.n_week[5], 3);
    assert_int_equal(h.n_week[6], 1);
    assert_int_equal(h.n_week[0], 1);
    assert_int_equal(h.n_week[1], 3);
    assert_int_equal(h.n_week[2], 2);
    assert_int_equal(h.week[0][0].end_min, 1440);
    assert_int_equal(route_hours_add_spec(&h, sv_cstr("SAT,sun 10:00-14:00")),
                     0);
    assert_int_equal(h.n_week[6], 2);

    const char *const bad[] = {
        "",
        "mon",
        "mon ",
        "mon 9:00-17:00",
        "mon 09:00-09:00",
        "mon 24:00-01:00",
        "mon 09:00-24:01",
        "mon 09:60-10:00",
        "xyz 09:00-10:00",
        "mon09:00-10:00",
        "mon 09:00-17:00,",
        "mon 09:00-17:00 x",
        "mon- 09:00-17:00",
        "mon,,tue 09:00-17:00",
        "mon 09:00",
        "mon 09:00-25:00",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct route_hours before = h;
        if (route_hours_add_spec(&h, sv_cstr(bad[i])) != -EINVAL) {
            fail_msg("accepted '%s'", bad[i]);
        }
        assert_memory_equal(&before, &h, sizeof(h));
    }
    /* All or nothing when a day is full. */
    route_hours_init(&h, NULL);
    for (unsigned i = 0; i < ROUTE_HOURS_MAX_RANGES - 1; i++) {
        assert_int_equal(route_hours_add_range(&h, 3, i, i + 1), 0);
    }
    struct route_hours before = h;
    assert_int_equal(
        route_hours_add_spec(&h, sv_cstr("mon-fri 09:00-10:00,11:00-12:00")),
        -ENOSPC);
    assert_memory_equal(&before, &h, sizeof(h));

    const char *const bad_days[] = {
        "2025-02-29", "2025-13-01",   "2025-12-25..2025-12-24",
        "2025-1-1",   "2025-12-25..", "2025-12-25.2025-12-26",
        "",           "25-12-2025",
    };
    for (size_t i = 0; i < sizeof(bad_days) / sizeof(bad_days[0]); i++) {
        if (route_hours_add_holiday_spec(&h, sv_cstr(bad_days[i])) != -EINVAL) {
            fail_msg("accepted holiday '%s'", bad_days[i]);
        }
    }
    assert_int_equal(h.n_holidays, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(london_across_dst),
        cmocka_unit_test(night_ranges_and_midnight),
        cmocka_unit_test(holidays),
        cmocka_unit_test(holiday_in_tenant_zone),
        cmocka_unit_test(never_open),
        cmocka_unit_test(range_checks),
        cmocka_unit_test(spec_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
