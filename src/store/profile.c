/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tenant's calling profile: country profile (country code, prefixes,
 * time zone), number lists (allowed country codes, disallowed prefixes,
 * emergency numbers, holidays) and office hours.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/calls_int.h"
#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* Country profile                                                      */
/* ------------------------------------------------------------------ */

static bool tz_ok(const char *tz)
{
    return calls_chars_ok(tz, 1, STORE_TZ_MAX, TZ_SET) && tz[0] != '/'
           && strstr(tz, "..") == NULL && strstr(tz, "//") == NULL
           && tz[strlen(tz) - 1] != '/';
}

int store_profile_set(struct store *st, int64_t tenant_id,
                      const struct store_tenant_profile *p, int64_t now)
{
    if (!store_field_ok(p->country_code, sizeof(p->country_code))
        || !calls_chars_ok(p->country_code, 1, 3, DIGITS)
        || p->country_code[0] == '0') {
        return store_fail(st, -EINVAL,
                          "country code must be 1..3 digits not starting "
                          "with 0");
    }
    if (!store_field_ok(p->national_prefix, sizeof(p->national_prefix))
        || !calls_chars_ok(p->national_prefix, 0, 4, DIGITS)) {
        return store_fail(st, -EINVAL, "national prefix must be 0..4 digits");
    }
    if (!store_field_ok(p->intl_prefix, sizeof(p->intl_prefix))
        || !calls_chars_ok(p->intl_prefix, 1, 4, DIGITS)) {
        return store_fail(st, -EINVAL,
                          "international prefix must be 1..4 digits");
    }
    if (!store_field_ok(p->time_zone, sizeof(p->time_zone))
        || !tz_ok(p->time_zone)) {
        return store_fail(st, -EINVAL,
                          "time zone must be an IANA name such as "
                          "Europe/Paris");
    }
    int rc = store_tenant_check(st, tenant_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(
        st, STMT_PROFILE_SET,
        "INSERT INTO tenant_profiles (tenant_id, country_code, "
        "national_prefix, intl_prefix, time_zone, updated_at) VALUES (?1, "
        "?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant_id) DO UPDATE SET "
        "country_code = excluded.country_code, national_prefix = "
        "excluded.national_prefix, intl_prefix = excluded.intl_prefix, "
        "time_zone = excluded.time_zone, updated_at = excluded.updated_at");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, p->country_code);
    store_bind_text(s, 3, p->national_prefix);
    store_bind_text(s, 4, p->intl_prefix);
    store_bind_text(s, 5, p->time_zone);
    sqlite3_bind_int64(s, 6, now);
    return store_step_done(st, s, "saving country profile", NULL);
}

int store_profile_get(struct store *st, int64_t tenant_id,
                      struct store_tenant_profile *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_PROFILE_GET,
                                 "SELECT country_code, national_prefix, "
                                 "intl_prefix, time_zone, updated_at FROM "
                                 "tenant_profiles WHERE tenant_id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_col_copy(s, 0, out->country_code, sizeof(out->country_code));
        store_col_copy(s, 1, out->national_prefix,
                       sizeof(out->national_prefix));
        store_col_copy(s, 2, out->intl_prefix, sizeof(out->intl_prefix));
        store_col_copy(s, 3, out->time_zone, sizeof(out->time_zone));
        out->updated_at = sqlite3_column_int64(s, 4);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        store_ok(st);
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "the tenant has no country profile yet");
    }
    return store_fail_sql(st, rc, "reading country profile");
}

/* ------------------------------------------------------------------ */
/* Number lists                                                         */
/* ------------------------------------------------------------------ */

static const char *const list_names[STORE_LIST_KINDS] = {
    [STORE_LIST_COUNTRY] = "country code",
    [STORE_LIST_PREFIX] = "disallowed prefix",
    [STORE_LIST_EMERGENCY] = "emergency number",
    [STORE_LIST_HOLIDAY] = "holiday",
};

const char *store_list_kind_name(enum store_list_kind kind)
{
    return (unsigned)kind < STORE_LIST_KINDS ? list_names[kind] : "unknown";
}

static bool leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYY-MM-DD naming a real day of years 1970..9999. */
static bool date_ok(const char *s)
{
    static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31 };
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
            return false;
        }
    }
    unsigned y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100
                            + (s[2] - '0') * 10 + (s[3] - '0'));
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (y < 1970 || m < 1 || m > 12 || d < 1) {
        return false;
    }
    return d <= mdays[m - 1] + (m == 2 && leap(y) ? 1u : 0u);
}

static int list_value_check(struct store *st, enum store_list_kind kind,
                            const char *v)
{
    switch (kind) {
    case STORE_LIST_COUNTRY:
        if (calls_chars_ok(v, 1, 3, DIGITS) && v[0] != '0') {
            return 0;
        }
        return store_fail(st, -EINVAL,
                          "country code must be 1..3 digits not starting "
                          "with 0");
    case STORE_LIST_PREFIX:
        if (calls_chars_ok(v, 1, STORE_NUMBER_MAX, DIGITS)) {
            return 0;
        }
        return store_fail(st, -EINVAL,
                          "disallowed prefix must be 1..%d digits "
                          "(country code first, without international "
                          "prefix)",
                          STORE_NUMBER_MAX);
    case STORE_LIST_EMERGENCY:
        if (calls_chars_ok(v, 1, STORE_NUMBER_MAX, DIAL_SET)) {
            return 0;
        }
        return store_fail(st, -EINVAL,
                          "emergency number must be 1..%d of digits, '+', "
                          "'*' and '#'",
                          STORE_NUMBER_MAX);
    case STORE_LIST_HOLIDAY:
        if (date_ok(v)) {
            return 0;
        }
        return store_fail(st, -EINVAL, "holiday must be a date YYYY-MM-DD");
    }
    return store_fail(st, -EINVAL, "unknown list");
}

#define LIST_SQL(table)                                                        \
    {                                                                          \
        "INSERT INTO " table " (tenant_id, value, description, created_at) "   \
        "VALUES (?1, ?2, ?3, ?4)",                                             \
            "DELETE FROM " table " WHERE tenant_id = ?1 AND value = ?2",       \
            "SELECT id, tenant_id, value, description, created_at FROM " table \
            " WHERE tenant_id = ?1 ORDER BY value"                             \
    }

/* The cached statement 'op' (0 add, 1 rm, 2 list) of list 'kind'. */
static sqlite3_stmt *list_stmt(struct store *st, enum store_list_kind kind,
                               int op)
{
    static const char *const sql[STORE_LIST_KINDS][3] = {
        [STORE_LIST_COUNTRY] = LIST_SQL("allowed_countries"),
        [STORE_LIST_PREFIX] = LIST_SQL("disallowed_prefixes"),
        [STORE_LIST_EMERGENCY] = LIST_SQL("emergency_numbers"),
        [STORE_LIST_HOLIDAY] = LIST_SQL("holidays"),
    };
    return store_stmt(st, (enum store_stmt_id)(STMT_LIST_FIRST + kind * 3 + op),
                      sql[kind][op]);
}

int store_list_add(struct store *st, enum store_list_kind kind,
                   int64_t tenant_id, const char *value, const char *descr,
                   int64_t now, int64_t *id)
{
    if ((unsigned)kind >= STORE_LIST_KINDS) {
        return store_fail(st, -EINVAL, "unknown list");
    }
    int rc = list_value_check(st, kind, value);
    if (rc < 0) {
        return rc;
    }
    if (!calls_text_ok(descr, STORE_DESCR_MAX, true)) {
        return store_fail(st, -EINVAL,
                          "description must be at most %d bytes without "
                          "control characters",
                          STORE_DESCR_MAX);
    }
    rc = store_tenant_check(st, tenant_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = list_stmt(st, kind, 0);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, value);
    store_bind_text(s, 3, descr);
    sqlite3_bind_int64(s, 4, now);
    rc = store_step_insert(st, s, "adding list entry", id);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "%s %s is already listed",
                          list_names[kind], value);
    }
    return rc;
}

int store_list_rm(struct store *st, enum store_list_kind kind,
                  int64_t tenant_id, const char *value)
{
    int changes = 0;
    if ((unsigned)kind >= STORE_LIST_KINDS) {
        return store_fail(st, -EINVAL, "unknown list");
    }
    sqlite3_stmt *s = list_stmt(st, kind, 1);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, value);
    int rc = store_step_done(st, s, "removing list entry", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "%s %s is not listed", list_names[kind],
                          value ? value : "");
    }
    return rc;
}

struct list_walk {
    store_list_fn *cb;
    void *ud;
};

static int list_row(void *ud, sqlite3_stmt *s)
{
    struct list_walk *w = ud;
    struct store_list_item it;
    it.id = sqlite3_column_int64(s, 0);
    it.tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, it.value, sizeof(it.value));
    store_col_copy(s, 3, it.descr, sizeof(it.descr));
    it.created_at = sqlite3_column_int64(s, 4);
    return w->cb(w->ud, &it);
}

int store_list_walk(struct store *st, enum store_list_kind kind,
                    int64_t tenant_id, store_list_fn *cb, void *ud)
{
    struct list_walk w = { cb, ud };
    if ((unsigned)kind >= STORE_LIST_KINDS) {
        return store_fail(st, -EINVAL, "unknown list");
    }
    sqlite3_stmt *s = list_stmt(st, kind, 2);
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return store_walk(st, s, list_row, &w, "listing entries");
}

/* ------------------------------------------------------------------ */
/* Office hours                                                         */
/* ------------------------------------------------------------------ */

enum { HOURS_RANGES_MAX = 8 };

static int hours_del(struct store *st, int64_t tenant_id, uint32_t weekday,
                     int *changes)
{
    sqlite3_stmt *s = store_stmt(st, STMT_HOURS_DEL,
                                 "DELETE FROM office_hours WHERE tenant_id = "
                                 "?1 AND weekday = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, weekday);
    return store_step_done(st, s, "removing office hours", changes);
}

int store_hours_set(struct store *st, int64_t tenant_id, uint32_t weekday,
                    const struct store_hours *ranges, size_t n)
{
    struct store_tx tx;
    if (weekday > 6) {
        return store_fail(st, -EINVAL, "weekday must be 0 (Sunday) .. 6");
    }
    if (n > HOURS_RANGES_MAX) {
        return store_fail(st, -EINVAL, "at most %d ranges per day",
                          HOURS_RANGES_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        const struct store_hours *r = &ranges[i];
        if (r->start_min > 1439 || r->end_min > 1440
            || r->start_min >= r->end_min) {
            return store_fail(st, -EINVAL,
                              "range %zu: start must be before end, within "
                              "00:00..24:00",
                              i + 1);
        }
        for (size_t k = 0; k < i; k++) {
            if (r->start_min < ranges[k].end_min
                && ranges[k].start_min < r->end_min) {
                return store_fail(st, -EINVAL, "ranges %zu and %zu overlap",
                                  k + 1, i + 1);
            }
        }
    }
    int rc = store_tenant_check(st, tenant_id);
    if (rc < 0) {
        return rc;
    }
    rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = hours_del(st, tenant_id, weekday, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *s = store_stmt(st, STMT_HOURS_ADD,
                                     "INSERT INTO office_hours (tenant_id, "
                                     "weekday, start_min, end_min) VALUES "
                                     "(?1, ?2, ?3, ?4)");
        if (!s) {
            rc = -EIO;
            break;
        }
        sqlite3_bind_int64(s, 1, tenant_id);
        sqlite3_bind_int64(s, 2, weekday);
        sqlite3_bind_int64(s, 3, ranges[i].start_min);
        sqlite3_bind_int64(s, 4, ranges[i].end_min);
        rc = store_step_done(st, s, "saving office hours", NULL);
    }
    if (rc < 0) {
        store_tx_end(st, &tx, 0);
        return rc;
    }
    rc = store_tx_end(st, &tx, 1);
    if (rc == 0) {
        store_ok(st);
    }
    return rc;
}

int store_hours_rm(struct store *st, int64_t tenant_id, uint32_t weekday)
{
    int changes = 0;
    int rc = hours_del(st, tenant_id, weekday, &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no office hours on that day");
    }
    return rc;
}

struct hours_walk {
    store_hours_fn *cb;
    void *ud;
};

static int hours_row(void *ud, sqlite3_stmt *s)
{
    struct hours_walk *w = ud;
    struct store_hours h;
    h.id = sqlite3_column_int64(s, 0);
    h.tenant_id = sqlite3_column_int64(s, 1);
    h.weekday = store_col_u32(s, 2);
    h.start_min = store_col_u32(s, 3);
    h.end_min = store_col_u32(s, 4);
    return w->cb(w->ud, &h);
}

int store_hours_list(struct store *st, int64_t tenant_id, store_hours_fn *cb,
                     void *ud)
{
    struct hours_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(st, STMT_HOURS_LIST,
                                 "SELECT id, tenant_id, weekday, start_min, "
                                 "end_min FROM office_hours WHERE tenant_id "
                                 "= ?1 ORDER BY weekday, start_min");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return store_walk(st, s, hours_row, &w, "listing office hours");
}
