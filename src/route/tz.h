/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time zones for office hours, without the C library's TZ machinery:
 * tzset()/localtime_r() read the process-wide TZ, so switching it per
 * tenant is neither thread-safe nor cheap. Instead a zone is parsed once,
 * at configuration time, from its TZif file (RFC 8536, versions 1-4, as
 * installed in /usr/share/zoneinfo) or from a POSIX TZ string, into an
 * immutable object; converting an instant to local time is then a binary
 * search plus, after the last transition, the file's POSIX footer rule.
 * A struct route_tz may be shared by any number of threads once made.
 * Leap-second ("right/") zones are refused.
 */
#ifndef SW_ROUTE_TZ_H
#define SW_ROUTE_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"

/* Longest zone name ("America/Argentina/ComodRivadavia" is 32). */
#define ROUTE_TZ_NAME_MAX 63
/* Largest TZif file accepted (the biggest installed zone is ~4 KiB). */
#define ROUTE_TZ_FILE_MAX (256 * 1024)
/* Most transitions accepted from one file. */
#define ROUTE_TZ_MAX_TRANSITIONS 4096
/* Default zoneinfo directory for route_tz_load(). */
#define ROUTE_TZ_DIR "/usr/share/zoneinfo"

struct route_tz;

/* A local civil time. */
struct route_local {
    int32_t year;    /* proleptic Gregorian, e.g. 2025 */
    uint8_t month;   /* 1-12 */
    uint8_t day;     /* 1-31 */
    uint8_t wday;    /* 0 = Sunday ... 6 = Saturday */
    uint32_t sec;    /* seconds since local midnight, 0-86399 */
    int32_t utoff_s; /* offset from UTC in effect, seconds east */
    int64_t days;    /* local days since 1970-01-01 */
};

/*
 * Parse a TZif file image 'data' of 'len' bytes and name the zone 'name'
 * (may be NULL; truncated to ROUTE_TZ_NAME_MAX). For version 2+ files the
 * 64-bit block and the footer are used. Validates counts, indices, the
 * order of transition times and offsets (|offset| < 26 h). Does not keep
 * 'data'. Returns 0 and a new zone in *out (free with route_tz_free),
 * -EINVAL for a malformed image, -ENOTSUP for leap-second data, -ENOMEM.
 */
int route_tz_parse(const uint8_t *data, size_t len, const char *name,
                   struct route_tz **out);

/*
 * Make a zone from a POSIX TZ string such as "GMT0BST,M3.5.0/1,M10.5.0" or
 * "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0" (the footer syntax of RFC 8536
 * §3.3, hours up to +-167 in rule times). A DST name without a rule is
 * refused. Returns 0 and *out, -EINVAL or -ENOMEM.
 */
int route_tz_posix(struct sv spec, struct route_tz **out);

/*
 * Load zone 'name' ("Europe/London", "UTC") from 'dir' (NULL means
 * ROUTE_TZ_DIR). 'name' must be a relative path of letters, digits and
 * "/_+-." without empty, "." or ".." components and at most
 * ROUTE_TZ_NAME_MAX bytes. Reads one file: call at configuration time,
 * never per call. Returns 0 and *out, -EINVAL (bad name or file), -ENOENT,
 * -EFBIG, -ENOTSUP, -ENOMEM or another negative errno from open/read.
 */
int route_tz_load(const char *name, const char *dir, struct route_tz **out);

/* Free a zone; NULL is a no-op. No thread may still use it. */
void route_tz_free(struct route_tz *tz);

/* The name given at creation ("" if none). Thread-safe. */
const char *route_tz_name(const struct route_tz *tz);

/*
 * Offset from UTC (seconds east) in effect at 'utc_s' (Unix seconds).
 * 'tz' NULL means UTC. Thread-safe; no allocation.
 */
int32_t route_tz_offset(const struct route_tz *tz, int64_t utc_s);

/*
 * Local civil time of 'utc_s' in zone 'tz' (NULL means UTC). Thread-safe;
 * no allocation.
 */
void route_tz_local(const struct route_tz *tz, int64_t utc_s,
                    struct route_local *out);

/*
 * Days since 1970-01-01 of a proleptic Gregorian date; no range checks
 * beyond what the arithmetic needs (|year| < 10^6). Inverse of the date
 * fields of route_tz_local().
 */
int64_t route_days_from_civil(int32_t year, unsigned month, unsigned day);

#endif
