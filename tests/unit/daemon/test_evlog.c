/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event log writer on the main loop: a drain writes every queued
 * record (address split off, no country without GeoIP) and the hourly
 * counts, suppressed events included, in one go; the retention settings
 * are read from the store and applied by the purge.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../store/tmpdir.h"
#include "daemon/evlog.h"
#include "sec/event.h"
#include "store/events.h"
#include "store/store.h"

struct fixture {
    struct tmpdir dir;
    struct store *st;
    uv_loop_t loop;
    struct sw_evlog l;
};

static int setup(void **state)
{
    static struct fixture f;
    char err[STORE_ERRMSG_CAP];
    memset(&f, 0, sizeof(f));
    assert_int_equal(tmpdir_make(&f.dir), 0);
    assert_int_equal(store_open(f.dir.path, &f.st, err, sizeof(err)), 0);
    assert_int_equal(uv_loop_init(&f.loop), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sw_evlog_close(&f->l);
    uv_run(&f->loop, UV_RUN_DEFAULT); /* close callbacks */
    sw_evlog_fini(&f->l);
    uv_loop_close(&f->loop);
    store_close(f->st);
    tmpdir_rm(&f->dir);
    return 0;
}

struct rows {
    struct store_event e[8];
    size_t n;
};

static int row_cb(void *ud, const struct store_event *e)
{
    struct rows *r = ud;
    if (r->n < 8) {
        r->e[r->n] = *e;
    }
    r->n++;
    return 0;
}

static int hour_cb(void *ud, int64_t hour, const char *kind, uint64_t n)
{
    uint64_t *sum = ud;
    (void)hour;
    if (strcmp(kind, "ua_match") == 0) {
        *sum += n;
    }
    return 0;
}

static void drain_writes_records_and_counts(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(sw_evlog_open(&f->l, &f->loop, f->st), 0);
    /* Nothing queued: nothing written. */
    assert_int_equal(sw_evlog_drain(&f->l), 0);
    sec_ev_set_limit(1); /* the log lines are suppressed, not the records */
    for (int i = 0; i < 3; i++) {
        sec_ev_log(SEC_EV_UA_MATCH, "src=%s ua=\"friendly-scanner\" n=%d",
                   "192.0.2.7", i);
    }
    sec_ev_log(SEC_EV_FRAUD_WARNING, "user=100 tenant=1 metric=%s",
               "international");
    sec_ev_set_limit(50);
    assert_int_equal(sw_evlog_drain(&f->l), 4);
    assert_int_equal(sw_evlog_drain(&f->l), 0);
    struct rows r = { 0 };
    uint64_t total = 0;
    assert_int_equal(store_event_list(f->st, NULL, row_cb, &r, &total), 0);
    assert_int_equal(total, 4);
    assert_string_equal(r.e[0].kind, "fraud_warning");
    assert_string_equal(r.e[0].address, "");
    assert_string_equal(r.e[1].kind, "ua_match");
    assert_string_equal(r.e[1].address, "192.0.2.7");
    assert_string_equal(r.e[1].country, "");
    assert_string_equal(r.e[1].detail, "ua=\"friendly-scanner\" n=2");
    int64_t now = (int64_t)time(NULL);
    assert_true(r.e[1].at >= now - 60 && r.e[1].at <= now);
    uint64_t ua = 0;
    assert_int_equal(store_event_hours(f->st, 0, INT64_MAX, hour_cb, &ua), 0);
    assert_int_equal(ua, 3);
    assert_int_equal(f->l.n_written, 4);
    /* The stats say so too. */
    json_t *o = json_object();
    sw_evlog_stats_json(&f->l, o);
    json_t *s = json_object_get(o, "event_log");
    assert_int_equal(json_integer_value(json_object_get(s, "written")), 4);
    assert_false(json_is_true(json_object_get(s, "geoip")));
    json_decref(o);
}

static void retention_follows_the_settings(void **state)
{
    struct fixture *f = *state;
    int64_t now = (int64_t)time(NULL);
    struct store_event e;
    memset(&e, 0, sizeof(e));
    snprintf(e.kind, sizeof(e.kind), "ban");
    snprintf(e.address, sizeof(e.address), "192.0.2.1");
    e.at = now - 3 * 86400;
    assert_int_equal(store_event_add(f->st, &e, NULL), 0);
    for (int i = 0; i < 1004; i++) {
        e.at = now - 10;
        assert_int_equal(store_event_add(f->st, &e, NULL), 0);
    }
    /* Defaults (100000 rows, 90 days): the open purges nothing. */
    assert_int_equal(sw_evlog_open(&f->l, &f->loop, f->st), 0);
    assert_int_equal(f->l.max_rows, 100000);
    assert_int_equal(f->l.max_days, 90);
    assert_int_equal(f->l.n_purged, 0);
    assert_int_equal(store_setting_set(f->st, "event_log_max_days", "2", now),
                     0);
    assert_int_equal(
        store_setting_set(f->st, "event_log_max_rows", "1000", now), 0);
    /* A GeoIP database that cannot be opened: events without country. */
    assert_int_equal(
        store_setting_set(f->st, "geoip_db", "/nonexistent/x.mmdb", now), 0);
    sw_evlog_reload(&f->l);
    assert_int_equal(f->l.max_rows, 1000);
    assert_int_equal(f->l.max_days, 2);
    assert_null(f->l.geo);
    sw_evlog_purge(&f->l, now);
    assert_int_equal(f->l.n_purged, 5);
    uint64_t total = 0;
    struct rows r = { 0 };
    assert_int_equal(store_event_list(f->st, NULL, row_cb, &r, &total), 0);
    assert_int_equal(total, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(drain_writes_records_and_counts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(retention_follows_the_settings, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
