/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time zones: known DST changes (north, south, half-hour, negative DST),
 * POSIX strings, the footer rule beyond the last transition, a cross-check
 * against the C library over two centuries for a dozen installed zones,
 * and refusals of malformed TZif images and unsafe names.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "route/tz.h"

static int64_t utc(int32_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                   unsigned s)
{
    return route_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static struct route_tz *load(const char *name)
{
    struct route_tz *tz = NULL;
    int rc = route_tz_load(name, NULL, &tz);
    if (rc != 0) {
        fail_msg("load %s: %d", name, rc);
    }
    assert_string_equal(route_tz_name(tz), name);
    return tz;
}

struct off_case {
    const char *zone;
    int64_t t;
    int32_t want;
};

static void known_offsets(void **state)
{
    (void)state;
    const struct off_case cases[] = {
        /* London 2025: BST from 30 Mar 01:00 UTC to 26 Oct 01:00 UTC. */
        { "Europe/London", utc(2025, 3, 30, 0, 59, 59), 0 },
        { "Europe/London", utc(2025, 3, 30, 1, 0, 0), 3600 },
        { "Europe/London", utc(2025, 10, 26, 0, 59, 59), 3600 },
        { "Europe/London", utc(2025, 10, 26, 1, 0, 0), 0 },
        /* Beyond 2037: the footer rule. */
        { "Europe/London", utc(2050, 7, 1, 12, 0, 0), 3600 },
        { "Europe/London", utc(2050, 12, 1, 12, 0, 0), 0 },
        { "Europe/London", utc(2100, 3, 28, 1, 0, 0), 3600 },
        { "Europe/London", utc(2100, 3, 28, 0, 59, 59), 0 },
        /* New York 2025: EDT 9 Mar 07:00 UTC to 2 Nov 06:00 UTC. */
        { "America/New_York", utc(2025, 3, 9, 6, 59, 59), -5 * 3600 },
        { "America/New_York", utc(2025, 3, 9, 7, 0, 0), -4 * 3600 },
        { "America/New_York", utc(2025, 11, 2, 5, 59, 59), -4 * 3600 },
        { "America/New_York", utc(2025, 11, 2, 6, 0, 0), -5 * 3600 },
        /* Sydney: southern hemisphere, DST across the new year. */
        { "Australia/Sydney", utc(2025, 1, 1, 0, 0, 0), 11 * 3600 },
        { "Australia/Sydney", utc(2025, 4, 5, 15, 59, 59), 11 * 3600 },
        { "Australia/Sydney", utc(2025, 4, 5, 16, 0, 0), 10 * 3600 },
        { "Australia/Sydney", utc(2025, 10, 4, 16, 0, 0), 11 * 3600 },
        { "Australia/Sydney", utc(2060, 1, 1, 0, 0, 0), 11 * 3600 },
        { "Australia/Sydney", utc(2060, 7, 1, 0, 0, 0), 10 * 3600 },
        /* Half-hour DST. */
        { "Australia/Lord_Howe", utc(2025, 7, 1, 0, 0, 0), 37800 },
        { "Australia/Lord_Howe", utc(2025, 1, 1, 0, 0, 0), 39600 },
        /* No DST, fractional offset. */
        { "Asia/Kolkata", utc(2025, 7, 1, 0, 0, 0), 19800 },
        { "Asia/Kolkata", utc(2025, 1, 1, 0, 0, 0), 19800 },
        /* Dublin: "negative DST" in tzdata (winter is the DST). */
        { "Europe/Dublin", utc(2025, 7, 1, 0, 0, 0), 3600 },
        { "Europe/Dublin", utc(2025, 1, 1, 0, 0, 0), 0 },
        { "Europe/Dublin", utc(2070, 7, 1, 0, 0, 0), 3600 },
        { "Europe/Dublin", utc(2070, 1, 1, 0, 0, 0), 0 },
        { "UTC", utc(2025, 7, 1, 0, 0, 0), 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct route_tz *tz = load(cases[i].zone);
        int32_t got = route_tz_offset(tz, cases[i].t);
        if (got != cases[i].want) {
            fail_msg("case %zu %s: %d, want %d", i, cases[i].zone, got,
                     cases[i].want);
        }
        route_tz_free(tz);
    }
    assert_int_equal(route_tz_offset(NULL, 12345), 0);
    assert_string_equal(route_tz_name(NULL), "UTC");
}

static void local_fields(void **state)
{
    (void)state;
    struct route_tz *tz = load("Europe/London");
    struct route_local lt;
    /* 2025-03-30 01:30 UTC is 02:30 BST, a Sunday. */
    route_tz_local(tz, utc(2025, 3, 30, 1, 30, 0), &lt);
    assert_int_equal(lt.year, 2025);
    assert_int_equal(lt.month, 3);
    assert_int_equal(lt.day, 30);
    assert_int_equal(lt.wday, 0);
    assert_int_equal(lt.sec, 2 * 3600 + 30 * 60);
    assert_int_equal(lt.utoff_s, 3600);
    assert_int_equal(lt.days, route_days_from_civil(2025, 3, 30));
    /* 23:30 UTC on 31 Dec 1969 in UTC: negative days. */
    route_tz_local(NULL, -1800, &lt);
    assert_int_equal(lt.year, 1969);
    assert_int_equal(lt.month, 12);
    assert_int_equal(lt.day, 31);
    assert_int_equal(lt.wday, 3);
    assert_int_equal(lt.sec, 23 * 3600 + 30 * 60);
    assert_int_equal(lt.days, -1);
    /* Leap day. */
    route_tz_local(NULL, utc(2024, 2, 29, 12, 0, 0), &lt);
    assert_int_equal(lt.month, 2);
    assert_int_equal(lt.day, 29);
    assert_int_equal(lt.wday, 4);
    /* Extreme instants are clamped, never overflow. */
    route_tz_local(tz, INT64_MAX, &lt);
    route_tz_local(tz, INT64_MIN, &lt);
    route_tz_free(tz);
}

static void posix_strings(void **state)
{
    (void)state;
    struct route_tz *tz = NULL;
    assert_int_equal(route_tz_posix(sv_cstr("GMT0BST,M3.5.0/1,M10.5.0"), &tz),
                     0);
    assert_int_equal(route_tz_offset(tz, utc(2031, 3, 30, 0, 59, 59)), 0);
    assert_int_equal(route_tz_offset(tz, utc(2031, 3, 30, 1, 0, 0)), 3600);
    route_tz_free(tz);
    /* Quoted names, negative (east) offsets with minutes, J and n dates. */
    assert_int_equal(
        route_tz_posix(sv_cstr("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"), &tz),
        0);
    assert_int_equal(route_tz_offset(tz, utc(2030, 7, 1, 0, 0, 0)), 37800);
    assert_int_equal(route_tz_offset(tz, utc(2030, 1, 1, 0, 0, 0)), 39600);
    route_tz_free(tz);
    assert_int_equal(route_tz_posix(sv_cstr("EST5EDT,J60/2,300"), &tz), 0);
    /* J60 is 1 March in every year; 300 counts Feb 29 (27 Oct in 2024). */
    assert_int_equal(route_tz_offset(tz, utc(2024, 3, 1, 6, 59, 59)),
                     -5 * 3600);
    assert_int_equal(route_tz_offset(tz, utc(2024, 3, 1, 7, 0, 0)), -4 * 3600);
    assert_int_equal(route_tz_offset(tz, utc(2024, 10, 27, 5, 59, 59)),
                     -4 * 3600);
    assert_int_equal(route_tz_offset(tz, utc(2024, 10, 27, 6, 0, 0)),
                     -5 * 3600);
    route_tz_free(tz);
    /* Rule times beyond 24h (RFC 8536 §3.3.1). */
    assert_int_equal(
        route_tz_posix(sv_cstr("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1"), &tz), 0);
    route_tz_free(tz);
    assert_int_equal(route_tz_posix(sv_cstr("JST-9"), &tz), 0);
    assert_int_equal(route_tz_offset(tz, 0), 9 * 3600);
    route_tz_free(tz);

    const char *const bad[] = {
        "",
        "GMT",
        "G0",
        "GMT0BST",
        "GMT0BST,M3.5.0",
        "GMT0BST,M13.5.0,M10.5.0",
        "GMT0BST,M3.6.0,M10.5.0",
        "GMT0BST,M3.5.7,M10.5.0",
        "GMT0BST,J0,J365",
        "GMT0BST,J1,366",
        "GMT0BST,M3.5.0/168,M10.5.0",
        "GMT25",
        "GMT0:60",
        "<>0",
        "<A B>0",
        "GMT0BST,M3.5.0,M10.5.0x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tz = (struct route_tz *)(uintptr_t)1;
        if (route_tz_posix(sv_cstr(bad[i]), &tz) != -EINVAL) {
            fail_msg("accepted '%s'", bad[i]);
        }
        assert_null(tz);
    }
}

/* The C library agrees with us for every zone and instant sampled. */
static void against_libc(void **state)
{
    (void)state;
    static const char *const zones[] = {
        "Europe/London",    "America/New_York",
        "Australia/Sydney", "Australia/Lord_Howe",
        "Asia/Kolkata",     "America/Sao_Paulo",
        "Europe/Dublin",    "Pacific/Chatham",
        "America/St_Johns", "Asia/Tokyo",
        "Europe/Berlin",    "America/Santiago",
        "Pacific/Apia",     "UTC",
    };
    char *old = getenv("TZ");
    char saved[128] = "";
    if (old) {
        snprintf(saved, sizeof(saved), "%s", old);
    }
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        struct route_tz *tz = load(zones[z]);
        char spec[96];
        snprintf(spec, sizeof(spec), ":%s", zones[z]);
        setenv("TZ", spec, 1);
        tzset();
        unsigned checked = 0;
        /* 1901 to 2099 in steps of 7 h 13 min, plus each hour of 2025. */
        for (int64_t t = utc(1901, 12, 15, 0, 0, 0);
             t < utc(2099, 12, 1, 0, 0, 0); t += 7 * 3600 + 13 * 60) {
            time_t tt = (time_t)t;
            struct tm tm;
            assert_non_null(localtime_r(&tt, &tm));
            struct route_local lt;
            route_tz_local(tz, t, &lt);
            if (lt.utoff_s != tm.tm_gmtoff || lt.year != tm.tm_year + 1900
                || lt.month != tm.tm_mon + 1 || lt.day != tm.tm_mday
                || lt.wday != tm.tm_wday
                || lt.sec
                       != (uint32_t)(tm.tm_hour * 3600 + tm.tm_min * 60
                                     + tm.tm_sec)) {
                fail_msg("%s at %lld: ours %d %04d-%02u-%02u, libc %ld "
                         "%04d-%02d-%02d",
                         zones[z], (long long)t, lt.utoff_s, lt.year, lt.month,
                         lt.day, tm.tm_gmtoff, tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday);
            }
            checked++;
        }
        assert_true(checked > 200000);
        route_tz_free(tz);
    }
    if (old) {
        setenv("TZ", saved, 1);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

/* ------------------------------------------------------------------------
 * Malformed images and names
 */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = malloc(ROUTE_TZ_FILE_MAX);
    assert_non_null(buf);
    *len = fread(buf, 1, ROUTE_TZ_FILE_MAX, f);
    fclose(f);
    return buf;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void tzif_refusals(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *img = slurp(ROUTE_TZ_DIR "/Europe/London", &len);
    struct route_tz *tz = NULL;
    assert_int_equal(route_tz_parse(img, len, "x", &tz), 0);
    route_tz_free(tz);
    /* Every truncation is refused, never read past. */
    for (size_t cut = 0; cut < len; cut += (cut < 128 ? 1 : 37)) {
        uint8_t *part = malloc(cut ? cut : 1);
        assert_non_null(part);
        memcpy(part, img, cut);
        tz = NULL;
        int rc = route_tz_parse(part, cut, NULL, &tz);
        if (rc == 0) {
            fail_msg("accepted a %zu of %zu byte image", cut, len);
        }
        free(part);
    }
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    /* Bad magic. */
    memcpy(bad, img, len);
    bad[0] = 'X';
    assert_int_equal(route_tz_parse(bad, len, NULL, &tz), -EINVAL);
    /* Bad version. */
    memcpy(bad, img, len);
    bad[4] = '9';
    assert_int_equal(route_tz_parse(bad, len, NULL, &tz), -EINVAL);
    /* Zero types. */
    memcpy(bad, img, len);
    put32(bad + 36, 0);
    assert_int_equal(route_tz_parse(bad, len, NULL, &tz), -EINVAL);
    /* Huge counts. */
    memcpy(bad, img, len);
    put32(bad + 32, 0xffffffffu);
    assert_int_equal(route_tz_parse(bad, len, NULL, &tz), -EINVAL);
    /* Broken footer. */
    memcpy(bad, img, len);
    bad[len - 3] = '!';
    assert_int_equal(route_tz_parse(bad, len, NULL, &tz), -EINVAL);
    memcpy(bad, img, len);
    bad[len - 1] = 'x';
    assert_int_equal(route_tz_parse(bad, len, NULL, &tz), -EINVAL);
    assert_int_equal(route_tz_parse(NULL, 5, NULL, &tz), -EINVAL);
    assert_int_equal(route_tz_parse(img, len, NULL, NULL), -EINVAL);
    free(bad);
    free(img);

    /* A minimal v1 image, then one with a leap second record. */
    uint8_t v1[44 + 6 + 4] = { 'T', 'Z', 'i', 'f' };
    put32(v1 + 36, 1); /* typecnt */
    put32(v1 + 40, 4); /* charcnt */
    put32(v1 + 44, (uint32_t)(int32_t)-18000);
    memcpy(v1 + 50, "EST", 4);
    assert_int_equal(route_tz_parse(v1, sizeof(v1), "v1", &tz), 0);
    assert_int_equal(route_tz_offset(tz, 0), -18000);
    route_tz_free(tz);
    uint8_t leap[44 + 6 + 4 + 8] = { 0 };
    memcpy(leap, v1, sizeof(v1));
    put32(leap + 28, 1);
    assert_int_equal(route_tz_parse(leap, sizeof(leap), NULL, &tz), -ENOTSUP);
    /* Offsets out of range. */
    put32(v1 + 44, 26 * 3600);
    assert_int_equal(route_tz_parse(v1, sizeof(v1), NULL, &tz), -EINVAL);
}

static void load_names(void **state)
{
    (void)state;
    struct route_tz *tz = NULL;
    const char *const bad[] = {
        "",
        "/etc/passwd",
        "../etc/passwd",
        "Europe/../../etc/passwd",
        "Europe//London",
        "Europe/London/",
        ".",
        "Europe/.",
        "Europe/Lon don",
        "Europe/London\n",
        "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (route_tz_load(bad[i], NULL, &tz) != -EINVAL) {
            fail_msg("accepted name '%s'", bad[i]);
        }
        assert_null(tz);
    }
    assert_int_equal(route_tz_load("Nowhere/Atlantis", NULL, &tz), -ENOENT);
    assert_int_equal(route_tz_load("Europe", NULL, &tz), -EINVAL);
    assert_int_equal(route_tz_load("zone.tab", NULL, &tz), -EINVAL);
    assert_int_equal(route_tz_load(NULL, NULL, &tz), -EINVAL);
    assert_int_equal(route_tz_load("UTC", "/nonexistent", &tz), -ENOENT);
    assert_int_equal(route_tz_load("Etc/GMT+5", NULL, &tz), 0);
    assert_int_equal(route_tz_offset(tz, 0), -5 * 3600);
    route_tz_free(tz);
    route_tz_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_offsets), cmocka_unit_test(local_fields),
        cmocka_unit_test(posix_strings), cmocka_unit_test(against_libc),
        cmocka_unit_test(tzif_refusals), cmocka_unit_test(load_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
