/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Office hours and holidays evaluated in the tenant's time zone, and the
 * small text forms used to configure them.
 */
#include "route/hours.h"

#include <errno.h>
#include <string.h>

#include "base/check.h"
#include "route/tz.h"

void route_hours_init(struct route_hours *h, const struct route_tz *tz)
{
    memset(h, 0, sizeof(*h));
    h->tz = tz;
}

int route_hours_add_range(struct route_hours *h, unsigned wday,
                          unsigned start_min, unsigned end_min)
{
    if (!h || wday > 6 || start_min >= ROUTE_MIN_PER_DAY
        || end_min > ROUTE_MIN_PER_DAY || end_min == start_min) {
        return -EINVAL;
    }
    if (h->n_week[wday] >= ROUTE_HOURS_MAX_RANGES) {
        return -ENOSPC;
    }
    h->week[wday][h->n_week[wday]++] =
        (struct route_time_range){ .start_min = (uint16_t)start_min,
                                   .end_min = (uint16_t)end_min };
    return 0;
}

static bool date_ok(int32_t y, unsigned m, unsigned d)
{
    static const uint8_t len[12] = { 31, 29, 31, 30, 31, 30,
                                     31, 31, 30, 31, 30, 31 };
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > len[m - 1]) {
        return false;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

int route_hours_add_holiday(struct route_hours *h, int32_t y1, unsigned m1,
                            unsigned d1, int32_t y2, unsigned m2, unsigned d2)
{
    if (!h || !date_ok(y1, m1, d1) || !date_ok(y2, m2, d2)) {
        return -EINVAL;
    }
    int64_t from = route_days_from_civil(y1, m1, d1);
    int64_t to = route_days_from_civil(y2, m2, d2);
    if (to < from) {
        return -EINVAL;
    }
    if (h->n_holidays >= ROUTE_HOURS_MAX_HOLIDAYS) {
        return -ENOSPC;
    }
    h->holidays[h->n_holidays++] =
        (struct route_holiday){ .from_days = from, .to_days = to };
    return 0;
}

/* ------------------------------------------------------------------------
 * Text forms
 */

static const char *const day_names[7] = { "sun", "mon", "tue", "wed",
                                          "thu", "fri", "sat" };

static int take_day(struct sv *s, unsigned *out)
{
    if (s->len < 3) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < 7; i++) {
        if (sv_eq_cstr_nocase(sv_make(s->p, 3), day_names[i])) {
            *out = i;
            s->p += 3;
            s->len -= 3;
            return 0;
        }
    }
    return -EINVAL;
}

static int take_2digits(struct sv *s, unsigned *out)
{
    if (s->len < 2 || s->p[0] < '0' || s->p[0] > '9' || s->p[1] < '0'
        || s->p[1] > '9') {
        return -EINVAL;
    }
    *out = (unsigned)(s->p[0] - '0') * 10 + (unsigned)(s->p[1] - '0');
    s->p += 2;
    s->len -= 2;
    return 0;
}

static bool take_char(struct sv *s, char c)
{
    if (s->len == 0 || s->p[0] != c) {
        return false;
    }
    s->p++;
    s->len--;
    return true;
}

/* HH:MM, 00:00-23:59 or (when 'is_end') 24:00. */
static int take_hhmm(struct sv *s, bool is_end, unsigned *out)
{
    unsigned hh = 0;
    unsigned mm = 0;
    if (take_2digits(s, &hh) != 0 || !take_char(s, ':')
        || take_2digits(s, &mm) != 0 || mm > 59) {
        return -EINVAL;
    }
    if (hh > 24 || (hh == 24 && (!is_end || mm != 0))) {
        return -EINVAL;
    }
    *out = hh * 60 + mm;
    return 0;
}

int route_hours_add_spec(struct route_hours *h, struct sv spec)
{
    if (!h || (!spec.p && spec.len)) {
        return -EINVAL;
    }
    struct sv s = sv_trim(spec);
    bool days[7] = { false };
    /* Days: item (',' item)* where item = day ['-' day]. */
    for (;;) {
        unsigned a = 0;
        unsigned b = 0;
        if (take_day(&s, &a) != 0) {
            return -EINVAL;
        }
        b = a;
        if (take_char(&s, '-') && take_day(&s, &b) != 0) {
            return -EINVAL;
        }
        for (unsigned d = a;; d = (d + 1) % 7) {
            days[d] = true;
            if (d == b) {
                break;
            }
        }
        if (!take_char(&s, ',')) {
            break;
        }
    }
    if (s.len == 0 || (s.p[0] != ' ' && s.p[0] != '\t')) {
        return -EINVAL;
    }
    s = sv_trim(s);
    struct route_time_range ranges[ROUTE_HOURS_MAX_RANGES];
    size_t n = 0;
    for (;;) {
        unsigned a = 0;
        unsigned b = 0;
        if (n == ROUTE_HOURS_MAX_RANGES) {
            return -ENOSPC;
        }
        if (take_hhmm(&s, false, &a) != 0 || !take_char(&s, '-')
            || take_hhmm(&s, true, &b) != 0 || a == b) {
            return -EINVAL;
        }
        ranges[n++] = (struct route_time_range){ .start_min = (uint16_t)a,
                                                 .end_min = (uint16_t)b };
        if (!take_char(&s, ',')) {
            break;
        }
    }
    if (s.len != 0) {
        return -EINVAL;
    }
    for (unsigned d = 0; d < 7; d++) {
        if (days[d] && h->n_week[d] + n > ROUTE_HOURS_MAX_RANGES) {
            return -ENOSPC;
        }
    }
    for (unsigned d = 0; d < 7; d++) {
        for (size_t i = 0; days[d] && i < n; i++) {
            h->week[d][h->n_week[d]++] = ranges[i];
        }
    }
    return 0;
}

static int take_date(struct sv *s, int32_t *y, unsigned *m, unsigned *d)
{
    unsigned hi = 0;
    unsigned lo = 0;
    if (take_2digits(s, &hi) != 0 || take_2digits(s, &lo) != 0
        || !take_char(s, '-') || take_2digits(s, m) != 0 || !take_char(s, '-')
        || take_2digits(s, d) != 0) {
        return -EINVAL;
    }
    *y = (int32_t)(hi * 100 + lo);
    return 0;
}

int route_hours_add_holiday_spec(struct route_hours *h, struct sv spec)
{
    if (!h || (!spec.p && spec.len)) {
        return -EINVAL;
    }
    struct sv s = sv_trim(spec);
    int32_t y1 = 0;
    unsigned m1 = 0;
    unsigned d1 = 0;
    if (take_date(&s, &y1, &m1, &d1) != 0) {
        return -EINVAL;
    }
    int32_t y2 = y1;
    unsigned m2 = m1;
    unsigned d2 = d1;
    if (s.len != 0) {
        if (!take_char(&s, '.') || !take_char(&s, '.')
            || take_date(&s, &y2, &m2, &d2) != 0 || s.len != 0) {
            return -EINVAL;
        }
    }
    return route_hours_add_holiday(h, y1, m1, d1, y2, m2, d2);
}

/* ------------------------------------------------------------------------
 * Evaluation
 */

static bool is_holiday(const struct route_hours *h, int64_t days)
{
    for (size_t i = 0; i < h->n_holidays; i++) {
        if (days >= h->holidays[i].from_days
            && days <= h->holidays[i].to_days) {
            return true;
        }
    }
    return false;
}

bool route_hours_open(const struct route_hours *h, int64_t utc_s)
{
    if (!h) {
        return false;
    }
    struct route_local lt;
    route_tz_local(h->tz, utc_s, &lt);
    unsigned min = lt.sec / 60;

    /* Ranges that start today. */
    if (!is_holiday(h, lt.days)) {
        for (size_t i = 0; i < h->n_week[lt.wday]; i++) {
            const struct route_time_range *r = &h->week[lt.wday][i];
            bool wraps = r->end_min < r->start_min;
            if (min >= r->start_min && (wraps || min < r->end_min)) {
                return true;
            }
        }
    }
    /* Ranges that started yesterday and run past midnight. */
    unsigned prev = (lt.wday + 6u) % 7u;
    if (!is_holiday(h, lt.days - 1)) {
        for (size_t i = 0; i < h->n_week[prev]; i++) {
            const struct route_time_range *r = &h->week[prev][i];
            if (r->end_min < r->start_min && min < r->end_min) {
                return true;
            }
        }
    }
    return false;
}
