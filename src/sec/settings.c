/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table of shield settings: key name, field, kind, range, default and
 * help, and the parsing and printing of values. Ranges mirror
 * sec_detect_cfg_check() and the per-source table's limits so a value
 * accepted here is one the shield can be built with; the table sizes that
 * have no other owner (max_bans, events_per_s, the event log's retention)
 * get their bounds here.
 */
#include "sec/settings.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/check.h"
#include "base/sv.h"
#include "sec/srctable.h"

enum kind {
    K_U32,  /* decimal within [min, max] */
    K_BOOL, /* on|off */
    K_GEO,  /* allow|block -> bool "block" */
    K_PATH, /* "" or an absolute path */
};

struct key_def {
    struct sec_setting_info info;
    enum kind kind;
    size_t off; /* field offset in struct sec_settings */
    uint32_t min;
    uint32_t max;
};

/* Numeric keys: the range's numbers and its text come from one pair of
 * literals. */
#define NUM(k, d, field, lo, hi, h)                                 \
    {                                                               \
        .info = { .key = (k),                                       \
                  .default_text = (d),                              \
                  .range = #lo ".." #hi,                            \
                  .help = (h),                                      \
                  .is_number = true },                              \
        .kind = K_U32, .off = offsetof(struct sec_settings, field), \
        .min = (lo), .max = (hi)                                    \
    }
#define OTHER(k, d, r, kd, field, h)                              \
    {                                                             \
        .info = { .key = (k),                                     \
                  .default_text = (d),                            \
                  .range = (r),                                   \
                  .help = (h) },                                  \
        .kind = (kd), .off = offsetof(struct sec_settings, field) \
    }

static const struct key_def keys[] = {
    NUM("detection_period_s", "60", det.period_s, 1, 3600,
        "counting window of the failure, challenge, User-Agent and method "
        "counters, s"),
    NUM("sip_blacklist_s", "3600", det.sip_ban_s, 1, 31622400,
        "ban for failed auths, failed challenges and many failing users, s"),
    NUM("auth_fail_threshold", "50", det.auth_fail_ban, 1, 65535,
        "failed auths from one address in the period that ban it"),
    NUM("user_fail_block", "10", det.user_fail_block, 1, 65535,
        "failures of one (user, tenant) from one address that block that "
        "user there"),
    NUM("user_block_s", "600", det.user_block_s, 1, 31622400,
        "how long a blocked user is refused from that address, s"),
    NUM("many_users_ban", "10", det.many_users_ban, 0, 65535,
        "distinct users failing from one address that ban it (0 off)"),
    NUM("trust_success_s", "86400", det.trust_success_s, 0, 2592000,
        "known-good window after a successful auth, s (0 trusts nobody)"),
    NUM("challenge_fail_threshold", "20", det.challenge_fail_ban, 1, 65535,
        "unanswered 401/407 challenges in the period that ban"),
    NUM("challenge_grace_s", "5", det.challenge_grace_s, 1, 60,
        "a challenge counts as unanswered after this, s"),
    NUM("l1_pps", "500", det.l1_pps, 1, 64999,
        "Level 1: packets/s from one address that ban it"),
    NUM("l1_blacklist_s", "30", det.l1_ban_s, 1, 31622400, "Level 1 ban, s"),
    NUM("l2_pps", "2000", det.l2_pps, 1, 64999,
        "Level 2: packets/s from one address that ban it"),
    NUM("l2_blacklist_s", "3600", det.l2_ban_s, 1, 31622400, "Level 2 ban, s"),
    NUM("trusted_pps", "20000", det.trusted_pps, 1, 64999,
        "whitelisted sources: drop above this many packets/s, never ban"),
    NUM("ua_score_ban", "20", det.ua_score_ban, 0, 255,
        "requests without User-Agent in the period that ban (0 off)"),
    NUM("ua_blacklist_s", "3600", det.ua_ban_s, 1, 31622400,
        "ban for a blacklisted User-Agent, s"),
    NUM("method_refused_ban", "100", det.method_refused_ban, 0, 255,
        "method-rate refusals in the period that ban (0 off)"),
    NUM("method_ban_s", "600", det.method_ban_s, 1, 31622400,
        "ban for method-rate abuse, s"),
    NUM("v6_escalate_after", "3", det.v6_escalate_after, 0, 8,
        "banned /128s of one IPv6 /64 that ban the /64 (0 off)"),
    NUM("v6_window_s", "3600", det.v6_window_s, 1, 31622400,
        "window for the /64 escalation, s"),
    NUM("source_table_size", "1000000", source_table_size, 8, 16640000,
        "per-source table entries (memory bound, about 98 bytes each)"),
    NUM("max_bans", "65536", max_bans, 16, 16777216, "active bans at most"),
    OTHER("geoip_db", "", "path", K_PATH, geoip_db,
          "path of an .mmdb with country data (\"\" = GeoIP off)"),
    OTHER("geo_unknown", "allow", "allow|block", K_GEO, geo_unknown_block,
          "allow or block addresses the GeoIP database has no country for"),
    OTHER("kernel_sync", "on", "on|off", K_BOOL, kernel_sync,
          "mirror bans into nftables (needs [firewall] nftables)"),
    NUM("events_per_s", "50", events_per_s, 1, 100000,
        "security log lines per event type per second"),
    NUM("event_log_max_rows", "100000", event_log_max_rows, 1000, 10000000,
        "security events kept in the database (oldest purged first)"),
    NUM("event_log_max_days", "90", event_log_max_days, 1, 3650,
        "security events older than this are purged, days"),
};

#undef NUM
#undef OTHER

void sec_settings_defaults(struct sec_settings *s)
{
    memset(s, 0, sizeof(*s));
    sec_detect_cfg_defaults(&s->det);
    s->source_table_size = SEC_SRCTABLE_DEFAULT_CAP;
    s->max_bans = 65536;
    s->geoip_db[0] = '\0';
    s->geo_unknown_block = false;
    s->kernel_sync = true;
    s->events_per_s = 50;
    s->event_log_max_rows = 100000;
    s->event_log_max_days = 90;
}

size_t sec_settings_count(void)
{
    return SW_ARRAY_LEN(keys);
}

const struct sec_setting_info *sec_settings_info(size_t i)
{
    return i < SW_ARRAY_LEN(keys) ? &keys[i].info : NULL;
}

static const struct key_def *find_def(const char *key)
{
    if (!key) {
        return NULL;
    }
    for (size_t i = 0; i < SW_ARRAY_LEN(keys); i++) {
        if (strcmp(keys[i].info.key, key) == 0) {
            return &keys[i];
        }
    }
    return NULL;
}

const struct sec_setting_info *sec_settings_find(const char *key)
{
    const struct key_def *d = find_def(key);
    return d ? &d->info : NULL;
}

/* ---- values -------------------------------------------------------------- */

static void msg(char *err, size_t err_cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void msg(char *err, size_t err_cap, const char *fmt, ...)
{
    va_list ap;
    if (!err || err_cap == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, err_cap, fmt, ap);
    va_end(ap);
}

static uint32_t *u32_field(struct sec_settings *s, const struct key_def *d)
{
    return (uint32_t *)(void *)((char *)s + d->off);
}

static const uint32_t *u32_field_c(const struct sec_settings *s,
                                   const struct key_def *d)
{
    return (const uint32_t *)(const void *)((const char *)s + d->off);
}

static bool *bool_field(struct sec_settings *s, const struct key_def *d)
{
    return (bool *)(void *)((char *)s + d->off);
}

static bool bool_value(const struct sec_settings *s, const struct key_def *d)
{
    return *(const bool *)(const void *)((const char *)s + d->off);
}

/* Parse on/off and friends; -EINVAL for anything else. */
static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "on", "true", "yes", "1" };
    static const char *const no[] = { "off", "false", "no", "0" };
    for (size_t i = 0; i < SW_ARRAY_LEN(yes); i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

static int set_u32(struct sec_settings *s, const struct key_def *d,
                   const char *v, char *err, size_t err_cap)
{
    size_t n = strlen(v);
    uint64_t x = 0;
    bool digits = n > 0 && strspn(v, "0123456789") == n;
    if (!digits || sv_to_u64(sv_make(v, n), UINT32_MAX, &x) != 0 || x < d->min
        || x > d->max) {
        msg(err, err_cap, "%s must be a whole number in %s, not '%.40s%s'",
            d->info.key, d->info.range, v, n > 40 ? "..." : "");
        return -EINVAL;
    }
    *u32_field(s, d) = (uint32_t)x;
    return 0;
}

static bool has_control(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return true;
        }
    }
    return false;
}

static int set_path(struct sec_settings *s, const char *v, char *err,
                    size_t err_cap)
{
    size_t n = strlen(v);
    if (n > SEC_SETTINGS_VALUE_MAX) {
        msg(err, err_cap, "geoip_db is longer than %d bytes",
            SEC_SETTINGS_VALUE_MAX);
        return -EINVAL;
    }
    if (n > 0 && v[0] != '/') {
        msg(err, err_cap,
            "geoip_db must be an absolute path (starting with /) or \"\" to "
            "turn GeoIP off");
        return -EINVAL;
    }
    if (has_control(v)) {
        msg(err, err_cap, "geoip_db contains a control character");
        return -EINVAL;
    }
    memcpy(s->geoip_db, v, n + 1);
    return 0;
}

int sec_settings_set(struct sec_settings *s, const char *key, const char *value,
                     char *err, size_t err_cap)
{
    const struct key_def *d = find_def(key);
    bool b = false;
    if (!d) {
        if (!key) {
            msg(err, err_cap, "no setting named");
        } else {
            msg(err, err_cap, "unknown security setting '%.64s%s'", key,
                strlen(key) > 64 ? "..." : "");
        }
        return -ENOENT;
    }
    if (!value) {
        msg(err, err_cap, "%s needs a value", d->info.key);
        return -EINVAL;
    }
    switch (d->kind) {
    case K_U32:
        return set_u32(s, d, value, err, err_cap);
    case K_BOOL:
        if (parse_bool(value, &b) != 0) {
            msg(err, err_cap, "%s must be on or off", d->info.key);
            return -EINVAL;
        }
        *bool_field(s, d) = b;
        return 0;
    case K_GEO:
        if (strcasecmp(value, "allow") == 0) {
            b = false;
        } else if (strcasecmp(value, "block") == 0) {
            b = true;
        } else {
            msg(err, err_cap, "%s must be allow or block", d->info.key);
            return -EINVAL;
        }
        *bool_field(s, d) = b;
        return 0;
    case K_PATH:
        return set_path(s, value, err, err_cap);
    }
    return -EINVAL;
}

int sec_settings_get(const struct sec_settings *s, const char *key, char *buf,
                     size_t cap)
{
    const struct key_def *d = find_def(key);
    int n = 0;
    if (!d) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return -ENOENT;
    }
    switch (d->kind) {
    case K_U32:
        n = snprintf(buf, cap, "%u", (unsigned)*u32_field_c(s, d));
        break;
    case K_BOOL:
        n = snprintf(buf, cap, "%s", bool_value(s, d) ? "on" : "off");
        break;
    case K_GEO:
        n = snprintf(buf, cap, "%s", bool_value(s, d) ? "block" : "allow");
        break;
    case K_PATH:
        n = snprintf(buf, cap, "%s", s->geoip_db);
        break;
    }
    return n >= 0 && (size_t)n < cap ? 0 : -ENOSPC;
}

int sec_settings_check(const struct sec_settings *s, char *err, size_t err_cap)
{
    for (size_t i = 0; i < SW_ARRAY_LEN(keys); i++) {
        const struct key_def *d = &keys[i];
        if (d->kind == K_U32) {
            uint32_t v = *u32_field_c(s, d);
            if (v < d->min || v > d->max) {
                msg(err, err_cap, "%s is %u, outside %s", d->info.key,
                    (unsigned)v, d->info.range);
                return -EINVAL;
            }
        } else if (d->kind == K_PATH) {
            size_t n = strnlen(s->geoip_db, sizeof(s->geoip_db));
            if (n == sizeof(s->geoip_db) || (n > 0 && s->geoip_db[0] != '/')
                || has_control(s->geoip_db)) {
                msg(err, err_cap, "geoip_db is not \"\" or an absolute path");
                return -EINVAL;
            }
        }
    }
    if (sec_detect_cfg_check(&s->det) != 0) {
        /* The ranges above are meant to be the detector's: reaching this
         * means they drifted apart. */
        msg(err, err_cap, "the detector refuses these settings");
        return -EINVAL;
    }
    return 0;
}
