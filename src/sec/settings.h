/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shield's stored settings: the detector thresholds plus the table
 * sizes, GeoIP, kernel mirroring and logging knobs, each under the key
 * name operators type (`sipwarden security set KEY VALUE`) with its
 * default, range and one line of help. This file maps keys to fields and
 * checks values; where the values are kept (the store's settings table)
 * and what a change rebuilds are the callers' business.
 */
#ifndef SW_SEC_SETTINGS_H
#define SW_SEC_SETTINGS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sec/detect.h"

/* Enough for any sec_settings_set() / _check() message. */
#define SEC_SETTINGS_ERR_CAP 256
/* Longest value text, NUL excluded (geoip_db is the long one). */
#define SEC_SETTINGS_VALUE_MAX (PATH_MAX - 1)
/* Enough for any value sec_settings_get() writes. */
#define SEC_SETTINGS_VALUE_CAP PATH_MAX

struct sec_settings {
    struct sec_detect_cfg det;   /* detector thresholds (detect.h) */
    uint32_t source_table_size;  /* per-source table entries */
    uint32_t max_bans;           /* active bans at most */
    char geoip_db[PATH_MAX];     /* .mmdb path; "" = GeoIP off */
    bool geo_unknown_block;      /* block addresses with no country */
    bool kernel_sync;            /* mirror bans into nftables */
    uint32_t events_per_s;       /* security log lines per type per second */
    uint32_t event_log_max_rows; /* security events kept in the database */
    uint32_t event_log_max_days; /* ... and for at most this many days */
};

/* One key, for listings and help. Static storage. */
struct sec_setting_info {
    const char *key;          /* "detection_period_s" */
    const char *default_text; /* "60" (as sec_settings_get() writes it) */
    const char *range;        /* "1..3600", "allow|block", "path" */
    const char *help;         /* one line, no trailing period */
    bool is_number;           /* value is a decimal number */
};

/* Fill 's' with the defaults of every key. */
void sec_settings_defaults(struct sec_settings *s);

/*
 * Number of keys, and key 'i' (< sec_settings_count()) in display order;
 * NULL when out of range.
 */
size_t sec_settings_count(void);
const struct sec_setting_info *sec_settings_info(size_t i);

/* The key named 'key' (exact, lowercase), or NULL. */
const struct sec_setting_info *sec_settings_find(const char *key);

/*
 * Parse 'value' for 'key' and store it in 's'. Numbers are plain decimal
 * (no sign, blanks or suffix) within the key's range; booleans are on/off
 * (also true/false, yes/no, 1/0); geo_unknown is allow/block (any case);
 * geoip_db is "" or an absolute path without control characters.
 * Returns 0, -ENOENT (unknown key, NULL key) or -EINVAL (bad value, NULL
 * value) with a message naming the key and, for numbers, the range in
 * 'err' (err_cap bytes; may be NULL / 0). 's' is untouched on failure.
 * Cross-key rules are sec_settings_check()'s.
 */
int sec_settings_set(struct sec_settings *s, const char *key, const char *value,
                     char *err, size_t err_cap);

/*
 * The value of 'key' as text sec_settings_set() accepts back, into 'buf'
 * (cap bytes; SEC_SETTINGS_VALUE_CAP is always enough). Returns 0,
 * -ENOENT (unknown key) or -ENOSPC (buf too small; truncated).
 */
int sec_settings_get(const struct sec_settings *s, const char *key, char *buf,
                     size_t cap);

/*
 * Check a whole settings object: every key within its range, then
 * sec_detect_cfg_check(). Returns 0 or -EINVAL with a message naming the
 * first offending key in 'err' (may be NULL / 0).
 */
int sec_settings_check(const struct sec_settings *s, char *err, size_t err_cap);

#endif
