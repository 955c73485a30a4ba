/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TZif (RFC 8536) and POSIX TZ string parsing, and UTC-to-local conversion
 * over the parsed, immutable zone. Nothing here touches the process TZ or
 * the C library's zone state, so conversions are safe from any thread.
 */
#include "route/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/check.h"

/* Instants are clamped to +-2^55 s (about 10^9 years) so that no
 * arithmetic below can overflow, whatever the caller passes. */
#define TZ_T_LIMIT  ((int64_t)1 << 55)
#define TZ_OFF_MAX  (26 * 3600 - 1)
#define TZ_RULE_MAX (167 * 3600 + 59 * 60 + 59)

/* ------------------------------------------------------------------------
 * Civil calendar (proleptic Gregorian, days since 1970-01-01)
 */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q--;
    }
    return q;
}

int64_t route_days_from_civil(int32_t year, unsigned month, unsigned day)
{
    int64_t y = (int64_t)year - (month <= 2 ? 1 : 0);
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t mp = month > 2 ? (int64_t)month - 3 : (int64_t)month + 9;
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int32_t *year, uint8_t *month,
                            uint8_t *day)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    *year = (int32_t)y;
    *month = (uint8_t)m;
    *day = (uint8_t)d;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_len(int64_t y, unsigned m)
{
    static const uint8_t len[12] = { 31, 28, 31, 30, 31, 30,
                                     31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

static unsigned wday_of(int64_t days)
{
    return (unsigned)(((days % 7) + 7 + 4) % 7); /* 1970-01-01: Thursday */
}

/* ------------------------------------------------------------------------
 * POSIX TZ strings (RFC 8536 §3.3 footer syntax)
 */

enum tz_date_kind {
    TZ_DATE_JULIAN1, /* Jn: 1-365, February 29 never counted */
    TZ_DATE_JULIAN0, /* n: 0-365, February 29 counted */
    TZ_DATE_MWD,     /* Mm.w.d: day d of week w (5 = last) of month m */
};

struct tz_date {
    enum tz_date_kind kind;
    uint16_t n;     /* JULIAN1 / JULIAN0 day */
    uint8_t month;  /* MWD: 1-12 */
    uint8_t week;   /* MWD: 1-5 */
    uint8_t wday;   /* MWD: 0-6 */
    int32_t time_s; /* local time of day of the change, may be < 0 or > 24h */
};

struct tz_rule {
    int32_t std_off; /* seconds east */
    bool has_dst;
    int32_t dst_off; /* seconds east */
    struct tz_date start, end;
};

struct route_tz {
    char name[ROUTE_TZ_NAME_MAX + 1];
    int32_t off0; /* before the first transition (time type 0) */
    bool has_rule;
    struct tz_rule rule; /* after the last transition, when has_rule */
    size_t n;            /* transitions */
    int32_t *off;        /* n offsets, in the same block as 'at' */
    int64_t at[];        /* n ascending Unix times */
};

struct cursor {
    const char *p;
    const char *end;
};

static bool cur_peek(const struct cursor *c, char ch)
{
    return c->p < c->end && *c->p == ch;
}

static bool cur_digit(const struct cursor *c)
{
    return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* Unsigned decimal of at most 'max' (and at most 4 digits). */
static int parse_uint(struct cursor *c, unsigned max, unsigned *out)
{
    unsigned v = 0;
    int n = 0;
    while (cur_digit(c) && n < 4) {
        v = v * 10 + (unsigned)(*c->p - '0');
        c->p++;
        n++;
    }
    if (n == 0 || cur_digit(c) || v > max) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static int parse_name(struct cursor *c)
{
    size_t n = 0;
    if (cur_peek(c, '<')) {
        c->p++;
        while (c->p < c->end && *c->p != '>') {
            char ch = *c->p;
            bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                      || (ch >= '0' && ch <= '9') || ch == '+' || ch == '-';
            if (!ok) {
                return -EINVAL;
            }
            c->p++;
            n++;
        }
        if (!cur_peek(c, '>') || n == 0) {
            return -EINVAL;
        }
        c->p++;
        return 0;
    }
    while (
        c->p < c->end
        && ((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z'))) {
        c->p++;
        n++;
    }
    return n >= 3 ? 0 : -EINVAL;
}

/* [+-]h[h..][:mm[:ss]] with hours up to 'max_h'; returns signed seconds. */
static int parse_hms(struct cursor *c, unsigned max_h, int32_t *out)
{
    int32_t sign = 1;
    if (cur_peek(c, '+') || cur_peek(c, '-')) {
        sign = *c->p == '-' ? -1 : 1;
        c->p++;
    }
    unsigned h = 0;
    unsigned m = 0;
    unsigned s = 0;
    if (parse_uint(c, max_h, &h) != 0) {
        return -EINVAL;
    }
    if (cur_peek(c, ':')) {
        c->p++;
        if (parse_uint(c, 59, &m) != 0) {
            return -EINVAL;
        }
        if (cur_peek(c, ':')) {
            c->p++;
            if (parse_uint(c, 59, &s) != 0) {
                return -EINVAL;
            }
        }
    }
    *out = sign * (int32_t)(h * 3600 + m * 60 + s);
    return 0;
}

static int parse_date(struct cursor *c, struct tz_date *d)
{
    unsigned v = 0;
    memset(d, 0, sizeof(*d));
    if (cur_peek(c, 'J')) {
        c->p++;
        if (parse_uint(c, 365, &v) != 0 || v == 0) {
            return -EINVAL;
        }
        d->kind = TZ_DATE_JULIAN1;
        d->n = (uint16_t)v;
    } else if (cur_peek(c, 'M')) {
        unsigned w = 0;
        unsigned wd = 0;
        c->p++;
        if (parse_uint(c, 12, &v) != 0 || v == 0 || !cur_peek(c, '.')) {
            return -EINVAL;
        }
        c->p++;
        if (parse_uint(c, 5, &w) != 0 || w == 0 || !cur_peek(c, '.')) {
            return -EINVAL;
        }
        c->p++;
        if (parse_uint(c, 6, &wd) != 0) {
            return -EINVAL;
        }
        d->kind = TZ_DATE_MWD;
        d->month = (uint8_t)v;
        d->week = (uint8_t)w;
        d->wday = (uint8_t)wd;
    } else {
        if (parse_uint(c, 365, &v) != 0) {
            return -EINVAL;
        }
        d->kind = TZ_DATE_JULIAN0;
        d->n = (uint16_t)v;
    }
    d->time_s = 2 * 3600;
    if (cur_peek(c, '/')) {
        c->p++;
        if (parse_hms(c, 167, &d->time_s) != 0) {
            return -EINVAL;
        }
    }
    return 0;
}

static int parse_posix(struct sv spec, struct tz_rule *r)
{
    struct cursor c = { spec.p, spec.p + spec.len };
    int32_t west = 0;
    memset(r, 0, sizeof(*r));
    if (parse_name(&c) != 0 || parse_hms(&c, 24, &west) != 0) {
        return -EINVAL;
    }
    r->std_off = -west;
    if (c.p == c.end) {
        return 0;
    }
    if (parse_name(&c) != 0) {
        return -EINVAL;
    }
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (c.p < c.end && !cur_peek(&c, ',')) {
        if (parse_hms(&c, 24, &west) != 0) {
            return -EINVAL;
        }
        r->dst_off = -west;
    }
    /* A DST zone without a rule leaves the change dates to the C library
     * (glibc guesses US rules); refuse rather than guess. */
    if (!cur_peek(&c, ',')) {
        return -EINVAL;
    }
    c.p++;
    if (parse_date(&c, &r->start) != 0 || !cur_peek(&c, ',')) {
        return -EINVAL;
    }
    c.p++;
    if (parse_date(&c, &r->end) != 0 || c.p != c.end) {
        return -EINVAL;
    }
    return 0;
}

/* UTC instant at which local time 'd' (in offset 'off') falls in 'year'. */
static int64_t rule_instant(const struct tz_date *d, int64_t year, int32_t off)
{
    int64_t days = 0;
    int64_t jan1 = route_days_from_civil((int32_t)year, 1, 1);
    switch (d->kind) {
    case TZ_DATE_JULIAN1:
        days = jan1 + d->n - 1;
        if (is_leap(year) && d->n >= 60) {
            days++;
        }
        break;
    case TZ_DATE_JULIAN0:
        days = jan1 + d->n;
        break;
    case TZ_DATE_MWD: {
        int64_t first = route_days_from_civil((int32_t)year, d->month, 1);
        unsigned mday =
            1 + (d->wday + 7 - wday_of(first)) % 7 + 7u * (d->week - 1u);
        while (mday > month_len(year, d->month)) {
            mday -= 7;
        }
        days = first + mday - 1;
        break;
    }
    }
    return days * 86400 + d->time_s - off;
}

static int32_t rule_offset(const struct tz_rule *r, int64_t t)
{
    if (!r->has_dst) {
        return r->std_off;
    }
    int32_t year = 0;
    uint8_t m = 0;
    uint8_t d = 0;
    civil_from_days(floor_div(t + r->std_off, 86400), &year, &m, &d);
    int64_t s = rule_instant(&r->start, year, r->std_off);
    int64_t e = rule_instant(&r->end, year, r->dst_off);
    bool dst = s < e ? (t >= s && t < e) : !(t >= e && t < s);
    return dst ? r->dst_off : r->std_off;
}

static struct route_tz *tz_alloc(size_t n, const char *name)
{
    struct route_tz *tz =
        calloc(1, sizeof(*tz) + n * (sizeof(int64_t) + sizeof(int32_t)));
    if (!tz) {
        return NULL;
    }
    tz->n = n;
    tz->off = (int32_t *)(void *)(tz->at + n);
    if (name) {
        size_t len = strnlen(name, ROUTE_TZ_NAME_MAX);
        memcpy(tz->name, name, len);
        tz->name[len] = '\0';
    }
    return tz;
}

int route_tz_posix(struct sv spec, struct route_tz **out)
{
    struct tz_rule r;
    if (!out || (!spec.p && spec.len)) {
        return -EINVAL;
    }
    *out = NULL;
    if (spec.len == 0 || spec.len > 128 || parse_posix(spec, &r) != 0) {
        return -EINVAL;
    }
    char name[129];
    memcpy(name, spec.p, spec.len);
    name[spec.len] = '\0';
    struct route_tz *tz = tz_alloc(0, name);
    if (!tz) {
        return -ENOMEM;
    }
    tz->off0 = r.std_off;
    tz->has_rule = true;
    tz->rule = r;
    *out = tz;
    return 0;
}

/* ------------------------------------------------------------------------
 * TZif
 */

struct tzif_hdr {
    char version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8
           | (uint32_t)p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

enum { TZIF_HDR_LEN = 44 };

static int read_hdr(const uint8_t *p, size_t avail, struct tzif_hdr *h)
{
    if (avail < TZIF_HDR_LEN || memcmp(p, "TZif", 4) != 0) {
        return -EINVAL;
    }
    h->version = (char)p[4];
    if (h->version != '\0' && (h->version < '2' || h->version > '4')) {
        return -EINVAL;
    }
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    if (h->typecnt == 0 || h->typecnt > 256
        || h->timecnt > ROUTE_TZ_MAX_TRANSITIONS || h->charcnt > 65536
        || h->leapcnt > 65536 || (h->isutcnt != 0 && h->isutcnt != h->typecnt)
        || (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)) {
        return -EINVAL;
    }
    return 0;
}

static size_t block_len(const struct tzif_hdr *h, size_t tsize)
{
    return (size_t)h->timecnt * tsize + h->timecnt + (size_t)h->typecnt * 6
           + h->charcnt + (size_t)h->leapcnt * (tsize + 4) + h->isstdcnt
           + h->isutcnt;
}

int route_tz_parse(const uint8_t *data, size_t len, const char *name,
                   struct route_tz **out)
{
    struct tzif_hdr h;
    size_t tsize = 4;
    const uint8_t *p = data;
    const uint8_t *end = data + len;
    if (!out || (!data && len)) {
        return -EINVAL;
    }
    *out = NULL;
    if (len > ROUTE_TZ_FILE_MAX || read_hdr(p, len, &h) != 0) {
        return -EINVAL;
    }
    if (h.version >= '2') {
        /* Skip the 32-bit block: the 64-bit one after it is complete. */
        size_t skip = TZIF_HDR_LEN + block_len(&h, 4);
        if (skip > len) {
            return -EINVAL;
        }
        p += skip;
        if (read_hdr(p, (size_t)(end - p), &h) != 0) {
            return -EINVAL;
        }
        tsize = 8;
    }
    p += TZIF_HDR_LEN;
    if (block_len(&h, tsize) > (size_t)(end - p)) {
        return -EINVAL;
    }
    if (h.leapcnt != 0) {
        return -ENOTSUP;
    }
    const uint8_t *times = p;
    const uint8_t *idx = times + (size_t)h.timecnt * tsize;
    const uint8_t *types = idx + h.timecnt;
    const uint8_t *after = p + block_len(&h, tsize);

    int32_t offs[256];
    for (uint32_t i = 0; i < h.typecnt; i++) {
        int32_t off = (int32_t)be32(types + 6 * i);
        if (off < -TZ_OFF_MAX || off > TZ_OFF_MAX || types[6 * i + 4] > 1
            || types[6 * i + 5] >= h.charcnt) {
            return -EINVAL;
        }
        offs[i] = off;
    }

    struct tz_rule rule;
    bool has_rule = false;
    if (h.version >= '2') {
        /* Footer: "\n" POSIX-TZ "\n"; an empty TZ means none. */
        if (after >= end || *after != '\n') {
            return -EINVAL;
        }
        const uint8_t *s = after + 1;
        const uint8_t *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) {
            return -EINVAL;
        }
        if (nl > s) {
            struct sv spec = sv_make((const char *)s, (size_t)(nl - s));
            if (spec.len > 128 || parse_posix(spec, &rule) != 0) {
                return -EINVAL;
            }
            has_rule = true;
        }
    }

    struct route_tz *tz = tz_alloc(h.timecnt, name);
    if (!tz) {
        return -ENOMEM;
    }
    tz->off0 = offs[0];
    tz->has_rule = has_rule;
    if (has_rule) {
        tz->rule = rule;
    }
    for (uint32_t i = 0; i < h.timecnt; i++) {
        int64_t t = tsize == 8 ? be64(times + 8 * i)
                               : (int64_t)(int32_t)be32(times + 4 * i);
        if (idx[i] >= h.typecnt || (i > 0 && t <= tz->at[i - 1])) {
            route_tz_free(tz);
            return -EINVAL;
        }
        tz->at[i] = t;
        tz->off[i] = offs[idx[i]];
    }
    *out = tz;
    return 0;
}

static bool name_ok(const char *name)
{
    size_t len = strnlen(name, ROUTE_TZ_NAME_MAX + 1);
    if (len == 0 || len > ROUTE_TZ_NAME_MAX) {
        return false;
    }
    size_t comp = 0; /* bytes in the current component */
    for (size_t i = 0; i <= len; i++) {
        char c = name[i];
        if (c == '/' || c == '\0') {
            bool dots =
                (comp == 1 && name[i - 1] == '.')
                || (comp == 2 && name[i - 1] == '.' && name[i - 2] == '.');
            if (comp == 0 || dots) {
                return false;
            }
            comp = 0;
            continue;
        }
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                  || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-'
                  || c == '.';
        if (!ok) {
            return false;
        }
        comp++;
    }
    return true;
}

int route_tz_load(const char *name, const char *dir, struct route_tz **out)
{
    char path[512];
    uint8_t *buf = NULL;
    int fd = -1;
    int rc = 0;
    if (!out || !name) {
        return -EINVAL;
    }
    *out = NULL;
    if (!name_ok(name)) {
        return -EINVAL;
    }
    int n =
        snprintf(path, sizeof(path), "%s/%s", dir ? dir : ROUTE_TZ_DIR, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return -EINVAL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return -errno;
    }
    struct stat st;
    if (fstat(fd, &st) == -1) {
        rc = -errno;
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto fail;
    }
    if (st.st_size > ROUTE_TZ_FILE_MAX) {
        rc = -EFBIG;
        goto fail;
    }
    size_t size = (size_t)st.st_size;
    buf = malloc(size ? size : 1);
    if (!buf) {
        rc = -ENOMEM;
        goto fail;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r == -1) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            goto fail;
        }
        if (r == 0) {
            break;
        }
        got += (size_t)r;
    }
    rc = route_tz_parse(buf, got, name, out);
fail:
    free(buf);
    if (fd != -1) {
        close(fd);
    }
    return rc;
}

void route_tz_free(struct route_tz *tz)
{
    free(tz);
}

const char *route_tz_name(const struct route_tz *tz)
{
    return tz ? tz->name : "UTC";
}

int32_t route_tz_offset(const struct route_tz *tz, int64_t utc_s)
{
    if (!tz) {
        return 0;
    }
    int64_t t = SW_MAX(SW_MIN(utc_s, TZ_T_LIMIT), -TZ_T_LIMIT);
    if (tz->n == 0) {
        return tz->has_rule ? rule_offset(&tz->rule, t) : tz->off0;
    }
    if (t < tz->at[0]) {
        return tz->off0;
    }
    /* Largest i with at[i] <= t. */
    size_t lo = 0;
    size_t hi = tz->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->at[mid] <= t) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    if (lo == tz->n - 1 && tz->has_rule) {
        return rule_offset(&tz->rule, t);
    }
    return tz->off[lo];
}

void route_tz_local(const struct route_tz *tz, int64_t utc_s,
                    struct route_local *out)
{
    int64_t t = SW_MAX(SW_MIN(utc_s, TZ_T_LIMIT), -TZ_T_LIMIT);
    int32_t off = route_tz_offset(tz, t);
    int64_t local = t + off;
    int64_t days = floor_div(local, 86400);
    out->days = days;
    out->sec = (uint32_t)(local - days * 86400);
    out->utoff_s = off;
    out->wday = (uint8_t)wday_of(days);
    civil_from_days(days, &out->year, &out->month, &out->day);
}
