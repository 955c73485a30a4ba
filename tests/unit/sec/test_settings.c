/* SPDX-License-Identifier: Apache-2.0 */
/* Shield settings: defaults, key table, range edges, parsing, checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sec/settings.h"

/* The table of shield.md, key by key. */
static const struct {
    const char *key;
    const char *def;
} doc_table[] = {
    { "detection_period_s", "60" },
    { "sip_blacklist_s", "3600" },
    { "auth_fail_threshold", "50" },
    { "user_fail_block", "10" },
    { "user_block_s", "600" },
    { "many_users_ban", "10" },
    { "trust_success_s", "86400" },
    { "challenge_fail_threshold", "20" },
    { "challenge_grace_s", "5" },
    { "l1_pps", "500" },
    { "l1_blacklist_s", "30" },
    { "l2_pps", "2000" },
    { "l2_blacklist_s", "3600" },
    { "trusted_pps", "20000" },
    { "ua_score_ban", "20" },
    { "ua_blacklist_s", "3600" },
    { "method_refused_ban", "100" },
    { "method_ban_s", "600" },
    { "v6_escalate_after", "3" },
    { "v6_window_s", "3600" },
    { "source_table_size", "1000000" },
    { "max_bans", "65536" },
    { "geoip_db", "" },
    { "geo_unknown", "allow" },
    { "kernel_sync", "on" },
    { "events_per_s", "50" },
    { "event_log_max_rows", "100000" },
    { "event_log_max_days", "90" },
};

static void defaults_equal_the_documented_table(void **state)
{
    (void)state;
    struct sec_settings s;
    char buf[SEC_SETTINGS_VALUE_CAP];
    sec_settings_defaults(&s);
    assert_int_equal(sec_settings_count(),
                     sizeof(doc_table) / sizeof(doc_table[0]));
    for (size_t i = 0; i < sec_settings_count(); i++) {
        const struct sec_setting_info *info = sec_settings_info(i);
        assert_non_null(info);
        assert_string_equal(info->key, doc_table[i].key);
        assert_string_equal(info->default_text, doc_table[i].def);
        assert_int_equal(sec_settings_get(&s, info->key, buf, sizeof(buf)), 0);
        assert_string_equal(buf, doc_table[i].def);
        assert_true(strlen(info->help) > 0);
    }
    assert_null(sec_settings_info(sec_settings_count()));
    assert_int_equal(sec_settings_check(&s, NULL, 0), 0);
    /* The embedded detector defaults are the detector's own. */
    struct sec_detect_cfg d;
    sec_detect_cfg_defaults(&d);
    assert_memory_equal(&d, &s.det, sizeof(d));
    assert_true(s.kernel_sync);
    assert_false(s.geo_unknown_block);
}

static void every_numeric_key_range_edges(void **state)
{
    (void)state;
    char err[SEC_SETTINGS_ERR_CAP];
    char v[32];
    char got[32];
    for (size_t i = 0; i < sec_settings_count(); i++) {
        const struct sec_setting_info *info = sec_settings_info(i);
        if (!info->is_number) {
            continue;
        }
        unsigned long lo = 0;
        unsigned long hi = 0;
        assert_int_equal(sscanf(info->range, "%lu..%lu", &lo, &hi), 2);
        struct sec_settings s;
        sec_settings_defaults(&s);
        snprintf(v, sizeof(v), "%lu", lo);
        assert_int_equal(sec_settings_set(&s, info->key, v, err, sizeof(err)),
                         0);
        assert_int_equal(sec_settings_check(&s, err, sizeof(err)), 0);
        sec_settings_get(&s, info->key, got, sizeof(got));
        assert_string_equal(got, v);
        snprintf(v, sizeof(v), "%lu", hi);
        assert_int_equal(sec_settings_set(&s, info->key, v, err, sizeof(err)),
                         0);
        assert_int_equal(sec_settings_check(&s, err, sizeof(err)), 0);
        sec_settings_get(&s, info->key, got, sizeof(got));
        assert_string_equal(got, v);
        snprintf(v, sizeof(v), "%lu", hi + 1);
        struct sec_settings before = s;
        assert_int_equal(sec_settings_set(&s, info->key, v, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, info->key));
        assert_non_null(strstr(err, info->range));
        assert_memory_equal(&before, &s, sizeof(s));
        if (lo > 0) {
            snprintf(v, sizeof(v), "%lu", lo - 1);
            assert_int_equal(
                sec_settings_set(&s, info->key, v, err, sizeof(err)), -EINVAL);
            assert_non_null(strstr(err, info->range));
        }
    }
}

static void numbers_are_plain_decimal(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",   "-1",   "+5",  " 5",         "5 ",
        "5s", "0x10", "1e3", "4294967296", "99999999999999999999"
    };
    struct sec_settings s;
    char err[SEC_SETTINGS_ERR_CAP];
    sec_settings_defaults(&s);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            sec_settings_set(&s, "l1_pps", bad[i], err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "l1_pps"));
        assert_int_equal(s.det.l1_pps, 500);
    }
    assert_int_equal(sec_settings_set(&s, "l1_pps", "0750", err, sizeof(err)),
                     0);
    assert_int_equal(s.det.l1_pps, 750);
}

static void unknown_key_is_enoent_and_named(void **state)
{
    (void)state;
    struct sec_settings s;
    char err[SEC_SETTINGS_ERR_CAP];
    char buf[16];
    sec_settings_defaults(&s);
    assert_int_equal(sec_settings_set(&s, "l3_pps", "5", err, sizeof(err)),
                     -ENOENT);
    assert_non_null(strstr(err, "l3_pps"));
    assert_int_equal(sec_settings_set(&s, NULL, "5", err, sizeof(err)),
                     -ENOENT);
    assert_int_equal(sec_settings_set(&s, "L1_PPS", "5", NULL, 0), -ENOENT);
    assert_int_equal(sec_settings_set(&s, "l1_pps", NULL, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(sec_settings_get(&s, "nope", buf, sizeof(buf)), -ENOENT);
    assert_null(sec_settings_find("nope"));
    assert_non_null(sec_settings_find("ua_score_ban"));
    assert_int_equal(sec_settings_get(&s, "source_table_size", buf, 4),
                     -ENOSPC);
}

static void booleans_and_geo_unknown(void **state)
{
    (void)state;
    struct sec_settings s;
    char err[SEC_SETTINGS_ERR_CAP];
    char buf[16];
    sec_settings_defaults(&s);
    assert_int_equal(
        sec_settings_set(&s, "kernel_sync", "OFF", err, sizeof(err)), 0);
    assert_false(s.kernel_sync);
    sec_settings_get(&s, "kernel_sync", buf, sizeof(buf));
    assert_string_equal(buf, "off");
    assert_int_equal(
        sec_settings_set(&s, "kernel_sync", "yes", err, sizeof(err)), 0);
    assert_true(s.kernel_sync);
    assert_int_equal(
        sec_settings_set(&s, "kernel_sync", "maybe", err, sizeof(err)),
        -EINVAL);
    assert_non_null(strstr(err, "kernel_sync"));
    assert_int_equal(
        sec_settings_set(&s, "geo_unknown", "Block", err, sizeof(err)), 0);
    assert_true(s.geo_unknown_block);
    sec_settings_get(&s, "geo_unknown", buf, sizeof(buf));
    assert_string_equal(buf, "block");
    assert_int_equal(
        sec_settings_set(&s, "geo_unknown", "drop", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "allow or block"));
}

static void geoip_db_paths(void **state)
{
    (void)state;
    struct sec_settings s;
    char err[SEC_SETTINGS_ERR_CAP];
    char buf[SEC_SETTINGS_VALUE_CAP];
    char *long_path = malloc(PATH_MAX + 2);
    assert_non_null(long_path);
    sec_settings_defaults(&s);
    assert_int_equal(
        sec_settings_set(&s, "geoip_db", "/var/lib/geo.mmdb", err, sizeof(err)),
        0);
    sec_settings_get(&s, "geoip_db", buf, sizeof(buf));
    assert_string_equal(buf, "/var/lib/geo.mmdb");
    assert_int_equal(
        sec_settings_set(&s, "geoip_db", "geo.mmdb", err, sizeof(err)),
        -EINVAL);
    assert_non_null(strstr(err, "absolute"));
    assert_int_equal(
        sec_settings_set(&s, "geoip_db", "/a\nb", err, sizeof(err)), -EINVAL);
    memset(long_path, 'a', PATH_MAX + 1);
    long_path[0] = '/';
    long_path[PATH_MAX + 1] = '\0';
    assert_int_equal(
        sec_settings_set(&s, "geoip_db", long_path, err, sizeof(err)), -EINVAL);
    long_path[PATH_MAX - 1] = '\0'; /* exactly the longest */
    assert_int_equal(
        sec_settings_set(&s, "geoip_db", long_path, err, sizeof(err)), 0);
    assert_int_equal(sec_settings_check(&s, err, sizeof(err)), 0);
    assert_int_equal(sec_settings_set(&s, "geoip_db", "", err, sizeof(err)), 0);
    assert_string_equal(s.geoip_db, "");
    free(long_path);
}

static void check_names_the_offending_key(void **state)
{
    (void)state;
    struct sec_settings s;
    char err[SEC_SETTINGS_ERR_CAP];
    sec_settings_defaults(&s);
    s.det.challenge_grace_s = 61;
    assert_int_equal(sec_settings_check(&s, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "challenge_grace_s"));
    sec_settings_defaults(&s);
    s.max_bans = 0;
    assert_int_equal(sec_settings_check(&s, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "max_bans"));
    sec_settings_defaults(&s);
    memcpy(s.geoip_db, "rel", 4);
    assert_int_equal(sec_settings_check(&s, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "geoip_db"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_equal_the_documented_table),
        cmocka_unit_test(every_numeric_key_range_edges),
        cmocka_unit_test(numbers_are_plain_decimal),
        cmocka_unit_test(unknown_key_is_enoent_and_named),
        cmocka_unit_test(booleans_and_geo_unknown),
        cmocka_unit_test(geoip_db_paths),
        cmocka_unit_test(check_names_the_offending_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
