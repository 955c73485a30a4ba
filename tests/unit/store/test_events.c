/* SPDX-License-Identifier: Apache-2.0 */
/* The security event log's tables (migration v5): adding events and what
 * is refused, the listing with its filters, order, paging and total, the
 * hourly counts (upsert, range), the top addresses and countries, and the
 * retention purge by age and by rows. */
#include <errno.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/events.h"
#include "store/store.h"
#include "tmpdir.h"

#define T0 1700000000 /* an arbitrary "now" */

struct fx {
    struct tmpdir dir;
    struct store *st;
    char err[512];
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    if (store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)) != 0) {
        tmpdir_rm(&fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    store_close(fx->st);
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

static int64_t add(struct fx *fx, int64_t at, const char *kind,
                   const char *addr, const char *cc, const char *detail)
{
    struct store_event e;
    int64_t id = 0;
    memset(&e, 0, sizeof(e));
    e.at = at;
    snprintf(e.kind, sizeof(e.kind), "%s", kind);
    snprintf(e.address, sizeof(e.address), "%s", addr);
    snprintf(e.country, sizeof(e.country), "%s", cc);
    snprintf(e.detail, sizeof(e.detail), "%s", detail);
    assert_int_equal(store_event_add(fx->st, &e, &id), 0);
    assert_true(id > 0);
    return id;
}

/* The rows a listing gives, as "id:kind:address" joined by spaces. */
struct seen {
    char text[4096];
    size_t n;
    struct store_event last;
};

static int seen_cb(void *ud, const struct store_event *e)
{
    struct seen *s = ud;
    size_t len = strlen(s->text);
    snprintf(s->text + len, sizeof(s->text) - len, "%s%lld:%s:%s",
             s->n ? " " : "", (long long)e->id, e->kind, e->address);
    s->last = *e;
    s->n++;
    return 0;
}

static const char *list(struct fx *fx, const struct store_event_filter *f,
                        struct seen *s, uint64_t *total)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(store_event_list(fx->st, f, seen_cb, s, total), 0);
    return s->text;
}

static void schema_is_v5(void **state)
{
    (void)state;
    assert_true(store_schema_version() >= 5);
}

static void add_and_list_newest_first(void **state)
{
    struct fx *fx = *state;
    struct seen s;
    uint64_t total = 0;
    add(fx, T0, "ban", "203.0.113.9", "FR", "net=203.0.113.9/32 reason=x");
    add(fx, T0 + 1, "ua_match", "203.0.113.9", "FR", "ua=\"friendly\"");
    add(fx, T0 + 2, "fraud_warning", "", "", "user=100 tenant=1");
    assert_string_equal(list(fx, NULL, &s, &total),
                        "3:fraud_warning: 2:ua_match:203.0.113.9 "
                        "1:ban:203.0.113.9");
    assert_int_equal(total, 3);
    /* Every field comes back. */
    struct store_event_filter f = { .kind = "ban" };
    list(fx, &f, &s, NULL);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.last.at, T0);
    assert_string_equal(s.last.country, "FR");
    assert_string_equal(s.last.detail, "net=203.0.113.9/32 reason=x");
}

static void bad_events_are_refused(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *kind, *addr, *cc, *detail;
    } bad[] = {
        { "", "1.2.3.4", "", "" },      { "Ban", "1.2.3.4", "", "" },
        { "ban-x", "1.2.3.4", "", "" }, { "ban", "1.2.3.4 5", "", "" },
        { "ban", "1.2.3.4\n", "", "" }, { "ban", "1.2.3.4", "fr", "" },
        { "ban", "1.2.3.4", "F", "" },  { "ban", "1.2.3.4", "", "a\tb" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct store_event e;
        memset(&e, 0, sizeof(e));
        snprintf(e.kind, sizeof(e.kind), "%s", bad[i].kind);
        snprintf(e.address, sizeof(e.address), "%s", bad[i].addr);
        snprintf(e.country, sizeof(e.country), "%s", bad[i].cc);
        snprintf(e.detail, sizeof(e.detail), "%s", bad[i].detail);
        assert_int_equal(store_event_add(fx->st, &e, NULL), -EINVAL);
        assert_true(strlen(store_errmsg(fx->st)) > 0);
    }
    /* Unterminated field. */
    struct store_event e;
    memset(&e, 'x', sizeof(e));
    e.at = 1;
    assert_int_equal(store_event_add(fx->st, &e, NULL), -EINVAL);
    struct seen s;
    uint64_t total = 9;
    list(fx, NULL, &s, &total);
    assert_int_equal(total, 0);
}

static void filters_paging_and_total(void **state)
{
    struct fx *fx = *state;
    struct seen s;
    uint64_t total = 0;
    for (int i = 0; i < 10; i++) {
        add(fx, T0 + i * 10, i % 2 ? "auth_failure" : "ban",
            i < 4 ? "198.51.100.1" : "198.51.100.2", "", "");
    }
    struct store_event_filter f = { .kind = "auth_failure" };
    assert_string_equal(list(fx, &f, &s, &total),
                        "10:auth_failure:198.51.100.2 "
                        "8:auth_failure:198.51.100.2 "
                        "6:auth_failure:198.51.100.2 "
                        "4:auth_failure:198.51.100.1 "
                        "2:auth_failure:198.51.100.1");
    assert_int_equal(total, 5);
    f = (struct store_event_filter){ .address = "198.51.100.1" };
    assert_string_equal(list(fx, &f, &s, &total),
                        "4:auth_failure:198.51.100.1 3:ban:198.51.100.1 "
                        "2:auth_failure:198.51.100.1 1:ban:198.51.100.1");
    assert_int_equal(total, 4);
    f = (struct store_event_filter){ .kind = "ban", .address = "198.51.100.1" };
    assert_string_equal(list(fx, &f, &s, &total),
                        "3:ban:198.51.100.1 1:ban:198.51.100.1");
    /* since / until on 'at' */
    f = (struct store_event_filter){ .since = T0 + 50, .until = T0 + 80 };
    assert_string_equal(list(fx, &f, &s, &total),
                        "8:auth_failure:198.51.100.2 7:ban:198.51.100.2 "
                        "6:auth_failure:198.51.100.2");
    assert_int_equal(total, 3);
    /* paging keeps the total of the whole match */
    f = (struct store_event_filter){ .limit = 3, .offset = 2 };
    assert_string_equal(list(fx, &f, &s, &total),
                        "8:auth_failure:198.51.100.2 7:ban:198.51.100.2 "
                        "6:auth_failure:198.51.100.2");
    assert_int_equal(total, 10);
    f = (struct store_event_filter){ .limit = 5, .offset = 20 };
    assert_string_equal(list(fx, &f, &s, &total), "");
    assert_int_equal(total, 10);
    f = (struct store_event_filter){ .kind = "geo_drop" };
    list(fx, &f, &s, &total);
    assert_int_equal(total, 0);
    f = (struct store_event_filter){ .limit = STORE_EVENT_PAGE_MAX + 1 };
    assert_int_equal(store_event_list(fx->st, &f, seen_cb, &s, NULL), -EINVAL);
}

static int stop_cb(void *ud, const struct store_event *e)
{
    (void)e;
    int *n = ud;
    return ++*n == 2 ? 7 : 0;
}

static void callback_stops_the_walk(void **state)
{
    struct fx *fx = *state;
    int n = 0;
    for (int i = 0; i < 4; i++) {
        add(fx, T0, "ban", "192.0.2.1", "", "");
    }
    assert_int_equal(store_event_list(fx->st, NULL, stop_cb, &n, NULL), 7);
    assert_int_equal(n, 2);
}

struct hours {
    char text[1024];
};

static int hours_cb(void *ud, int64_t hour, const char *kind, uint64_t n)
{
    struct hours *h = ud;
    size_t len = strlen(h->text);
    snprintf(h->text + len, sizeof(h->text) - len, "%s%lld:%s:%llu",
             len ? " " : "", (long long)(hour - (T0 - T0 % 3600)) / 3600, kind,
             (unsigned long long)n);
    return 0;
}

static void hourly_counts_add_up(void **state)
{
    struct fx *fx = *state;
    const int64_t h0 = T0 - T0 % 3600;
    assert_int_equal(store_event_hour_add(fx->st, h0, "ban", 3), 0);
    assert_int_equal(store_event_hour_add(fx->st, h0, "ban", 4), 0);
    assert_int_equal(store_event_hour_add(fx->st, h0, "auth_failure", 1), 0);
    assert_int_equal(store_event_hour_add(fx->st, h0 + 3600, "ban", 2), 0);
    assert_int_equal(store_event_hour_add(fx->st, h0 - 3600, "ban", 9), 0);
    assert_int_equal(store_event_hour_add(fx->st, h0 + 1, "ban", 1), -EINVAL);
    assert_int_equal(store_event_hour_add(fx->st, h0, "BAN", 1), -EINVAL);
    assert_int_equal(store_event_hour_add(fx->st, h0, NULL, 1), -EINVAL);
    struct hours h = { "" };
    assert_int_equal(store_event_hours(fx->st, h0, h0 + 7200, hours_cb, &h), 0);
    assert_string_equal(h.text, "0:auth_failure:1 0:ban:7 1:ban:2");
    memset(&h, 0, sizeof(h));
    assert_int_equal(
        store_event_hours(fx->st, h0 - 3600, h0 + 3600, hours_cb, &h), 0);
    assert_string_equal(h.text, "-1:ban:9 0:auth_failure:1 0:ban:7");
}

struct top {
    char text[1024];
};

static int top_cb(void *ud, const char *address, const char *country,
                  uint64_t n)
{
    struct top *t = ud;
    size_t len = strlen(t->text);
    snprintf(t->text + len, sizeof(t->text) - len, "%s%s/%s/%llu",
             len ? " " : "", address, country, (unsigned long long)n);
    return 0;
}

static void top_addresses_and_countries(void **state)
{
    struct fx *fx = *state;
    for (int i = 0; i < 3; i++) {
        add(fx, T0, "ban", "192.0.2.3", "US", "");
    }
    for (int i = 0; i < 2; i++) {
        add(fx, T0, "auth_failure", "192.0.2.2", "FR", "");
        add(fx, T0, "auth_failure", "192.0.2.1", "", "");
    }
    add(fx, T0, "unban", "192.0.2.9", "DE", "");
    add(fx, T0, "unban", "192.0.2.9", "DE", "");
    add(fx, T0, "unban", "192.0.2.9", "DE", "");
    add(fx, T0, "unban", "192.0.2.9", "DE", "");
    add(fx, T0, "fraud_warning", "", "", "");
    add(fx, T0 - 100, "ban", "192.0.2.8", "GB", ""); /* before 'since' */
    struct top t = { "" };
    const char *attacks[] = { "ban", "auth_failure" };
    assert_int_equal(store_event_top(fx->st, STORE_EVENT_BY_ADDRESS, T0 - 10,
                                     attacks, 2, 10, top_cb, &t),
                     0);
    /* Most first, ties by address; no event without an address. */
    assert_string_equal(t.text, "192.0.2.3/US/3 192.0.2.1//2 192.0.2.2/FR/2");
    memset(&t, 0, sizeof(t));
    assert_int_equal(store_event_top(fx->st, STORE_EVENT_BY_ADDRESS, T0 - 10,
                                     attacks, 2, 1, top_cb, &t),
                     0);
    assert_string_equal(t.text, "192.0.2.3/US/3");
    /* Every kind. */
    memset(&t, 0, sizeof(t));
    assert_int_equal(store_event_top(fx->st, STORE_EVENT_BY_ADDRESS, T0 - 10,
                                     NULL, 0, 10, top_cb, &t),
                     0);
    assert_string_equal(t.text, "192.0.2.9/DE/4 192.0.2.3/US/3 192.0.2.1//2 "
                                "192.0.2.2/FR/2");
    /* Countries: events without one left out. */
    memset(&t, 0, sizeof(t));
    assert_int_equal(store_event_top(fx->st, STORE_EVENT_BY_COUNTRY, 0, attacks,
                                     2, 10, top_cb, &t),
                     0);
    assert_string_equal(t.text, "/US/3 /FR/2 /GB/1");
    /* Refused queries. */
    const char *bad[] = { "Ban" };
    assert_int_equal(store_event_top(fx->st, STORE_EVENT_BY_COUNTRY, 0, bad, 1,
                                     10, top_cb, &t),
                     -EINVAL);
    assert_int_equal(store_event_top(fx->st, STORE_EVENT_BY_COUNTRY, 0, NULL, 0,
                                     0, top_cb, &t),
                     -EINVAL);
    assert_int_equal(store_event_top(fx->st, STORE_EVENT_BY_COUNTRY, 0, attacks,
                                     STORE_EVENT_KINDS_MAX + 1, 10, top_cb, &t),
                     -EINVAL);
}

static void purge_by_age_and_rows(void **state)
{
    struct fx *fx = *state;
    struct seen s;
    uint64_t total = 0;
    uint32_t n = 99;
    const int64_t day = 86400;
    add(fx, T0 - 40 * day, "ban", "192.0.2.1", "", "old");
    add(fx, T0 - 31 * day, "ban", "192.0.2.2", "", "old");
    for (int i = 0; i < 5; i++) {
        add(fx, T0 - i, "ban", "192.0.2.3", "", "new");
    }
    const int64_t h0 = T0 - T0 % 3600;
    assert_int_equal(store_event_hour_add(fx->st, h0 - 40 * day, "ban", 1), 0);
    assert_int_equal(store_event_hour_add(fx->st, h0, "ban", 5), 0);
    /* Nothing to do: no limits. */
    assert_int_equal(store_event_purge(fx->st, T0, 0, 0, &n), 0);
    assert_int_equal(n, 0);
    /* Age: 30 days. */
    assert_int_equal(store_event_purge(fx->st, T0, 30, 0, &n), 0);
    assert_int_equal(n, 2);
    list(fx, NULL, &s, &total);
    assert_int_equal(total, 5);
    struct hours h = { "" };
    store_event_hours(fx->st, 0, INT64_MAX, hours_cb, &h);
    assert_string_equal(h.text, "0:ban:5");
    /* Rows: the newest 3 stay. */
    assert_int_equal(store_event_purge(fx->st, T0, 30, 3, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list(fx, NULL, &s, &total),
                        "7:ban:192.0.2.3 6:ban:192.0.2.3 5:ban:192.0.2.3");
    /* Fewer rows than the limit: nothing. */
    assert_int_equal(store_event_purge(fx->st, T0, 0, 3, &n), 0);
    assert_int_equal(n, 0);
    /* Ids are not reused after a purge. */
    assert_int_equal(add(fx, T0, "ban", "192.0.2.4", "", ""), 8);
    /* Inside a batch the purge joins it. */
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_event_purge(fx->st, T0, 0, 1, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(store_rollback(fx->st), 0);
    list(fx, NULL, &s, &total);
    assert_int_equal(total, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_is_v5),
        cmocka_unit_test_setup_teardown(add_and_list_newest_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_events_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(filters_paging_and_total, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(callback_stops_the_walk, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(hourly_counts_add_up, setup, teardown),
        cmocka_unit_test_setup_teardown(top_addresses_and_countries, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(purge_by_age_and_rows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
