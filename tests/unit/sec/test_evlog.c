/* SPDX-License-Identifier: Apache-2.0 */
/* The security event log's sink: hourly counters, the per-type rate of
 * records, the bounded queue (split of src=, full queue, order, many
 * producers), and sec_ev_log feeding it whatever the log-line limit
 * says; event names, parsing and the attack kinds. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sec/event.h"
#include "sec/evlog.h"

/* Every test starts with an empty, closed sink and no counts. */
static int setup(void **state)
{
    (void)state;
    sec_evlog_close();
    sec_evlog_hours_take(NULL, NULL);
    sec_evlog_set_rate(SEC_EVLOG_DEFAULT_RATE);
    sec_ev_set_limit(50);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sec_evlog_close();
    sec_evlog_hours_take(NULL, NULL);
    return 0;
}

struct hour_seen {
    int64_t hour[16];
    enum sec_ev ev[16];
    uint64_t n[16];
    size_t count;
    uint64_t total;
};

static void hour_cb(void *ud, int64_t hour, enum sec_ev ev, uint64_t n)
{
    struct hour_seen *h = ud;
    if (h->count < 16) {
        h->hour[h->count] = hour;
        h->ev[h->count] = ev;
        h->n[h->count] = n;
        h->count++;
    }
    h->total += n;
}

static uint64_t seen(const struct hour_seen *h, int64_t hour, enum sec_ev ev)
{
    for (size_t i = 0; i < h->count; i++) {
        if (h->hour[i] == hour && h->ev[i] == ev) {
            return h->n[i];
        }
    }
    return 0;
}

static void hours_are_counted_per_type_and_taken_once(void **state)
{
    (void)state;
    const int64_t h0 = 1700000000 - 1700000000 % 3600;
    sec_evlog_count(SEC_EV_BAN, h0 + 5);
    sec_evlog_count(SEC_EV_BAN, h0 + 3599);
    sec_evlog_count(SEC_EV_UA_MATCH, h0 + 10);
    sec_evlog_count(SEC_EV_BAN, h0 + 3600); /* next hour */
    sec_evlog_count(SEC_EV_COUNT, h0);      /* ignored */
    sec_evlog_count(SEC_EV_BAN, -1);        /* ignored */
    struct hour_seen h = { 0 };
    sec_evlog_hours_take(hour_cb, &h);
    assert_int_equal(h.total, 4);
    assert_int_equal(seen(&h, h0, SEC_EV_BAN), 2);
    assert_int_equal(seen(&h, h0, SEC_EV_UA_MATCH), 1);
    assert_int_equal(seen(&h, h0 + 3600, SEC_EV_BAN), 1);
    /* Taken: the next take has nothing until new events. */
    struct hour_seen again = { 0 };
    sec_evlog_hours_take(hour_cb, &again);
    assert_int_equal(again.total, 0);
    sec_evlog_count(SEC_EV_GEO_DROP, h0 + 7200);
    sec_evlog_hours_take(hour_cb, &again);
    assert_int_equal(again.total, 1);
    assert_int_equal(seen(&again, h0 + 7200, SEC_EV_GEO_DROP), 1);
}

static void records_are_admitted_per_type_per_second(void **state)
{
    (void)state;
    /* Closed: nothing is admitted. */
    assert_false(sec_evlog_admit(SEC_EV_BAN, 100));
    assert_int_equal(sec_evlog_open(16), 0);
    sec_evlog_set_rate(3);
    for (int i = 0; i < 3; i++) {
        assert_true(sec_evlog_admit(SEC_EV_BAN, 100));
    }
    assert_false(sec_evlog_admit(SEC_EV_BAN, 100));
    /* Another type has its own window, the next second a new one. */
    assert_true(sec_evlog_admit(SEC_EV_AUTH_FAILURE, 100));
    assert_true(sec_evlog_admit(SEC_EV_BAN, 101));
    assert_false(sec_evlog_admit(SEC_EV_COUNT, 101));
    struct sec_evlog_stats s;
    sec_evlog_stats_get(&s);
    assert_int_equal(s.over_rate, 1);
    sec_evlog_set_rate(0); /* means 1 */
    assert_true(sec_evlog_admit(SEC_EV_UNBAN, 200));
    assert_false(sec_evlog_admit(SEC_EV_UNBAN, 200));
}

static void open_refuses_bad_sizes_and_twice(void **state)
{
    (void)state;
    assert_int_equal(sec_evlog_open(0), -EINVAL);
    assert_int_equal(sec_evlog_open(8), -EINVAL);
    assert_int_equal(sec_evlog_open(100), -EINVAL);
    assert_int_equal(sec_evlog_open(SEC_EVLOG_MAX_CAP * 2), -EINVAL);
    assert_int_equal(sec_evlog_push(SEC_EV_BAN, 1, "src=1.2.3.4"), -ENODEV);
    assert_int_equal(sec_evlog_open(16), 0);
    assert_int_equal(sec_evlog_open(16), -EALREADY);
    assert_int_equal(sec_evlog_push(SEC_EV_COUNT, 1, "x"), -EINVAL);
    assert_int_equal(sec_evlog_push(SEC_EV_BAN, 1, NULL), -EINVAL);
    sec_evlog_close();
    sec_evlog_close(); /* no-op */
    struct sec_evlog_entry e;
    assert_int_equal(sec_evlog_take(&e, 1), 0);
}

static void src_becomes_the_address(void **state)
{
    (void)state;
    struct sec_evlog_entry e[4];
    assert_int_equal(sec_evlog_open(16), 0);
    assert_int_equal(sec_evlog_push(SEC_EV_BAN, 11,
                                    "src=203.0.113.9 net=203.0.113.9/32 "
                                    "reason=ua_blacklist"),
                     0);
    assert_int_equal(sec_evlog_push(SEC_EV_FRAUD_WARNING, 12,
                                    "user=100 tenant=1 metric=international"),
                     0);
    assert_int_equal(sec_evlog_push(SEC_EV_ACL_DROP, 13, "src=2001:db8::1"), 0);
    assert_int_equal(sec_evlog_pending(), 3);
    assert_int_equal(sec_evlog_take(e, 4), 3);
    assert_int_equal(e[0].ev, SEC_EV_BAN);
    assert_int_equal(e[0].at, 11);
    assert_string_equal(e[0].addr, "203.0.113.9");
    assert_string_equal(e[0].detail, "net=203.0.113.9/32 reason=ua_blacklist");
    assert_string_equal(e[1].addr, "");
    assert_string_equal(e[1].detail, "user=100 tenant=1 metric=international");
    assert_string_equal(e[2].addr, "2001:db8::1");
    assert_string_equal(e[2].detail, "");
    assert_int_equal(sec_evlog_pending(), 0);
    assert_int_equal(sec_evlog_take(e, 4), 0);
}

static void long_text_is_cut(void **state)
{
    (void)state;
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "src=", 4);
    struct sec_evlog_entry e;
    assert_int_equal(sec_evlog_open(16), 0);
    /* An address longer than its cap is cut, the detail is empty. */
    assert_int_equal(sec_evlog_push(SEC_EV_BAN, 1, big), 0);
    assert_int_equal(sec_evlog_take(&e, 1), 1);
    assert_int_equal(strlen(e.addr), SEC_EVLOG_ADDR_CAP - 1);
    assert_string_equal(e.detail, "");
    memcpy(big, "kind", 4);
    assert_int_equal(sec_evlog_push(SEC_EV_BAN, 1, big), 0);
    assert_int_equal(sec_evlog_take(&e, 1), 1);
    assert_int_equal(strlen(e.detail), SEC_EVLOG_DETAIL_CAP - 1);
}

static void full_queue_drops_and_counts(void **state)
{
    (void)state;
    char f[32];
    struct sec_evlog_entry e[32];
    assert_int_equal(sec_evlog_open(16), 0);
    for (int i = 0; i < 16; i++) {
        snprintf(f, sizeof(f), "src=10.0.0.%d", i);
        assert_int_equal(sec_evlog_push(SEC_EV_AUTH_FAILURE, i, f), 0);
    }
    assert_int_equal(sec_evlog_push(SEC_EV_AUTH_FAILURE, 99, "src=x"), -ENOSPC);
    struct sec_evlog_stats s;
    sec_evlog_stats_get(&s);
    assert_int_equal(s.queued, 16);
    assert_int_equal(s.full, 1);
    /* Oldest first, in two takes; then the slots are free again. */
    assert_int_equal(sec_evlog_take(e, 10), 10);
    assert_int_equal(e[0].at, 0);
    assert_int_equal(e[9].at, 9);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(sec_evlog_push(SEC_EV_BAN, 100 + i, "src=y"), 0);
    }
    assert_int_equal(sec_evlog_take(e, 32), 16);
    assert_int_equal(e[0].at, 10);
    assert_string_equal(e[5].addr, "10.0.0.15");
    assert_int_equal(e[6].at, 100);
    assert_int_equal(e[15].at, 109);
}

#define N_THREADS 4
#define N_PER     20000

static void *producer(void *arg)
{
    intptr_t id = (intptr_t)arg;
    char f[64];
    for (int i = 0; i < N_PER; i++) {
        snprintf(f, sizeof(f), "src=10.%d.0.1 seq=%d", (int)id, i);
        sec_evlog_push(SEC_EV_RATE_LIMIT, (int64_t)id, f);
        sec_evlog_count(SEC_EV_RATE_LIMIT, 3600 * 10 + id);
    }
    return NULL;
}

static void many_producers_lose_nothing_unaccounted(void **state)
{
    (void)state;
    pthread_t t[N_THREADS];
    int last[N_THREADS];
    struct sec_evlog_entry *e = calloc(64, sizeof(*e));
    assert_non_null(e);
    assert_int_equal(sec_evlog_open(64), 0);
    for (int i = 0; i < N_THREADS; i++) {
        last[i] = -1;
        assert_int_equal(
            pthread_create(&t[i], NULL, producer, (void *)(intptr_t)i), 0);
    }
    uint64_t taken = 0;
    bool ordered = true;
    bool joined[N_THREADS] = { false };
    int n_joined = 0;
    for (;;) {
        size_t n = sec_evlog_take(e, 64);
        for (size_t k = 0; k < n; k++) {
            int who = (int)e[k].at;
            int seq = -1;
            assert_true(who >= 0 && who < N_THREADS);
            assert_int_equal(sscanf(e[k].detail, "seq=%d", &seq), 1);
            /* One producer's records come out in its order. */
            ordered = ordered && seq > last[who];
            last[who] = seq;
        }
        taken += n;
        if (n > 0) {
            continue;
        }
        if (n_joined == N_THREADS) {
            break; /* every producer gone and the queue empty */
        }
        for (int i = 0; i < N_THREADS; i++) {
            if (!joined[i] && pthread_tryjoin_np(t[i], NULL) == 0) {
                joined[i] = true;
                n_joined++;
            }
        }
    }
    taken += sec_evlog_take(e, 64);
    assert_true(ordered);
    struct sec_evlog_stats s;
    sec_evlog_stats_get(&s);
    assert_int_equal(s.queued + s.full, (uint64_t)N_THREADS * N_PER);
    assert_int_equal(taken, s.queued);
    struct hour_seen h = { 0 };
    sec_evlog_hours_take(hour_cb, &h);
    assert_int_equal(h.total, (uint64_t)N_THREADS * N_PER);
    free(e);
}

static void ev_log_feeds_the_sink_whatever_the_line_limit(void **state)
{
    (void)state;
    struct sec_evlog_entry e[8];
    assert_int_equal(sec_evlog_open(16), 0);
    sec_evlog_set_rate(1000);
    sec_ev_set_limit(1); /* one line per second: the rest suppressed */
    for (int i = 0; i < 5; i++) {
        sec_ev_log(SEC_EV_LOGIN_FAILURE, "src=%s user=\"%s\" n=%d",
                   "198.51.100.7", "admin", i);
    }
    assert_int_equal(sec_evlog_take(e, 8), 5);
    assert_int_equal(e[0].ev, SEC_EV_LOGIN_FAILURE);
    assert_string_equal(e[0].addr, "198.51.100.7");
    assert_string_equal(e[4].detail, "user=\"admin\" n=4");
    assert_true(e[0].at > 1600000000);
    struct hour_seen h = { 0 };
    sec_evlog_hours_take(hour_cb, &h);
    assert_int_equal(h.total, 5);
    assert_int_equal(h.ev[0], SEC_EV_LOGIN_FAILURE);

    /* Over the record rate: counted in its hour, not queued. */
    sec_evlog_set_rate(2);
    for (int i = 0; i < 6; i++) {
        sec_ev_log(SEC_EV_LOGIN_BLOCKED, "src=198.51.100.8 n=%d", i);
    }
    size_t n = sec_evlog_take(e, 8);
    /* A second boundary in the loop may admit two more. */
    assert_true(n >= 2 && n <= 4);
    struct hour_seen h2 = { 0 };
    sec_evlog_hours_take(hour_cb, &h2);
    assert_int_equal(h2.total, 6);

    /* Closed: still counted, nothing queued. */
    sec_evlog_close();
    sec_ev_log(SEC_EV_BAN, "src=198.51.100.9");
    struct hour_seen h3 = { 0 };
    sec_evlog_hours_take(hour_cb, &h3);
    assert_int_equal(h3.total, 1);
    sec_ev_set_limit(50);
}

static void names_parse_and_attack_kinds(void **state)
{
    (void)state;
    enum sec_ev ev;
    for (int i = 0; i < SEC_EV_COUNT; i++) {
        const char *name = sec_ev_name((enum sec_ev)i);
        assert_string_not_equal(name, "?");
        assert_int_equal(sec_ev_parse(name, &ev), 0);
        assert_int_equal(ev, i);
    }
    assert_string_equal(sec_ev_name(SEC_EV_LOGIN_FAILURE), "login_failure");
    assert_string_equal(sec_ev_name(SEC_EV_LOGIN_BLOCKED), "login_blocked");
    assert_string_equal(sec_ev_name(SEC_EV_COUNT), "?");
    assert_int_equal(sec_ev_parse("BAN", &ev), -EINVAL);
    assert_int_equal(sec_ev_parse("", &ev), -EINVAL);
    assert_int_equal(sec_ev_parse(NULL, &ev), -EINVAL);
    assert_true(sec_ev_is_attack(SEC_EV_BAN));
    assert_true(sec_ev_is_attack(SEC_EV_AUTH_FAILURE));
    assert_true(sec_ev_is_attack(SEC_EV_UA_MATCH));
    assert_true(sec_ev_is_attack(SEC_EV_LOGIN_FAILURE));
    assert_true(sec_ev_is_attack(SEC_EV_LOGIN_BLOCKED));
    assert_false(sec_ev_is_attack(SEC_EV_UNBAN));
    assert_false(sec_ev_is_attack(SEC_EV_CALL_REFUSED));
    assert_false(sec_ev_is_attack(SEC_EV_FRAUD_WARNING));
    assert_false(sec_ev_is_attack(SEC_EV_FRAUD_SUSPEND));
    assert_false(sec_ev_is_attack(SEC_EV_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            hours_are_counted_per_type_and_taken_once, setup, teardown),
        cmocka_unit_test_setup_teardown(
            records_are_admitted_per_type_per_second, setup, teardown),
        cmocka_unit_test_setup_teardown(open_refuses_bad_sizes_and_twice, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(src_becomes_the_address, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(long_text_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(full_queue_drops_and_counts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(many_producers_lose_nothing_unaccounted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            ev_log_feeds_the_sink_whatever_the_line_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(names_parse_and_attack_kinds, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
