/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tenant's office hours: time ranges per weekday in the tenant's time
 * zone, plus holidays (local date ranges) on which the office is closed.
 * The outbound rules that are "office hours only" exist only while
 * route_hours_open() is true. The object is plain caller-owned storage,
 * immutable once filled, so any number of threads may evaluate it.
 *
 * Semantics:
 * - a range [start, end) is in local wall-clock minutes; end may be 1440
 *   (24:00). A range with end < start runs past midnight into the next
 *   day (Fri 22:00-06:00 covers Saturday 00:00-06:00);
 * - a range belongs to the day it starts on: a holiday on that day closes
 *   all of it, including the part after midnight; a holiday on the next
 *   day does not cut it short;
 * - local times skipped or repeated by a DST change are evaluated as the
 *   clocks show them (the instant is converted to local time, never the
 *   reverse), so 09:00-17:00 means 09:00-17:00 on both sides of a change;
 * - no ranges at all means never open.
 */
#ifndef SW_ROUTE_HOURS_H
#define SW_ROUTE_HOURS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"

struct route_tz;

#define ROUTE_HOURS_MAX_RANGES   8 /* per weekday */
#define ROUTE_HOURS_MAX_HOLIDAYS 128
#define ROUTE_MIN_PER_DAY        1440

struct route_time_range {
    uint16_t start_min; /* minutes after local midnight, 0-1439 */
    uint16_t end_min;   /* exclusive, 1-1440; < start_min wraps to next day */
};

struct route_holiday {
    int64_t from_days; /* first closed local date, days since 1970-01-01 */
    int64_t to_days;   /* last closed local date (inclusive) */
};

struct route_hours {
    const struct route_tz *tz; /* not owned; NULL means UTC */
    struct route_time_range week[7][ROUTE_HOURS_MAX_RANGES]; /* 0 = Sun */
    uint8_t n_week[7];
    struct route_holiday holidays[ROUTE_HOURS_MAX_HOLIDAYS];
    size_t n_holidays;
};

/* Empty hours (never open) in zone 'tz' (borrowed, may be NULL = UTC). */
void route_hours_init(struct route_hours *h, const struct route_tz *tz);

/*
 * Add range [start_min, end_min) on weekday 'wday' (0 = Sunday). Refuses
 * (-EINVAL) wday > 6, start_min > 1439, end_min > 1440, end_min ==
 * start_min; -ENOSPC when the day already has ROUTE_HOURS_MAX_RANGES.
 */
int route_hours_add_range(struct route_hours *h, unsigned wday,
                          unsigned start_min, unsigned end_min);

/*
 * Add a holiday from local date y1-m1-d1 to y2-m2-d2 inclusive (one day:
 * the same date twice). Refuses invalid dates and to < from (-EINVAL),
 * -ENOSPC when full.
 */
int route_hours_add_holiday(struct route_hours *h, int32_t y1, unsigned m1,
                            unsigned d1, int32_t y2, unsigned m2, unsigned d2);

/*
 * Add ranges from text, the form the CLI and store use:
 *   "<days> <HH:MM>-<HH:MM>[,<HH:MM>-<HH:MM>...]"
 * where <days> is a day ("mon") or an inclusive span ("mon-fri",
 * "fri-mon" wraps), or several joined by ',' ("mon,wed,fri-sat"); day
 * names are the English three-letter abbreviations, any case. "24:00" is
 * allowed as an end. Example: "mon-fri 09:00-12:30,13:30-17:00". All or
 * nothing: on error 'h' is unchanged. Returns 0, -EINVAL, -ENOSPC.
 */
int route_hours_add_spec(struct route_hours *h, struct sv spec);

/*
 * Add a holiday from text "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD".
 * Returns 0, -EINVAL, -ENOSPC.
 */
int route_hours_add_holiday_spec(struct route_hours *h, struct sv spec);

/*
 * Is the office open at 'utc_s' (Unix seconds)? 'h' NULL means no office
 * hours are defined: never open. Thread-safe, no allocation.
 */
bool route_hours_open(const struct route_hours *h, int64_t utc_s);

#endif
