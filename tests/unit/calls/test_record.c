/* SPDX-License-Identifier: Apache-2.0 */
/* The call policy's record queue: CDRs and suspensions queued by the hooks
 * in a bounded ring, the wake-up of the writer, losses counted when the
 * ring is full, and what a lost record must not cost (a suspension). */
#include "calls_fx.h"

#include "calls/calls_int.h" /* the ring's head, for the residency rule */

struct wake_count {
    int n;
};

static void on_wake(void *ud)
{
    struct wake_count *w = ud;
    w->n++;
}

/* Replace the fixture's engine by one with a 'cap'-record queue. */
static void small_engine(struct fx *fx, size_t cap, struct wake_count *w)
{
    struct calls_cfg cfg = {
        .cdr_queue_max = cap, .gw_loc = &fx->loc, .wake = on_wake, .wake_ud = w
    };
    struct calls_engine *e = NULL;
    assert_int_equal(calls_engine_new(&cfg, &e), 0);
    assert_int_equal(calls_engine_reload(e, fx->st), 0);
    calls_engine_free(fx->e);
    fx->e = e;
    calls_engine_policy(e, &fx->pol);
}

/* A call from 100 (standard) to a national number: refused at once. */
static void refused_call(struct fx *fx, const char *num)
{
    struct call c;
    assert_false(
        call_start_ext(fx, &c, fx->ta, "100", fx->u100, num, false, 0));
    call_end_refused(fx, &c);
}

static void full_queue_drops_and_counts(void **state)
{
    struct fx *fx = *state;
    struct wake_count w = { 0 };
    small_engine(fx, 3, &w);
    const struct calls_stats *stt = calls_engine_stats(fx->e);

    refused_call(fx, "02071234561");
    assert_int_equal(w.n, 1); /* the queue was empty: the writer is woken */
    refused_call(fx, "02071234562");
    refused_call(fx, "02071234563");
    assert_int_equal(w.n, 1);
    assert_int_equal(stt->cdr_lost, 0);
    refused_call(fx, "02071234564"); /* no room */
    assert_int_equal(stt->cdr_lost, 1);

    assert_int_equal(calls_engine_drain(fx->e, fx->st), 3);
    assert_int_equal(stt->cdrs, 3);
    assert_int_equal(calls_engine_drain(fx->e, fx->st), 0);
    struct cdrs cd;
    fx_cdrs(fx, fx->ta, &cd);
    assert_int_equal(cd.n, 3);
    /* oldest first in the ring: the fourth is the one lost */
    for (size_t i = 0; i < cd.n; i++) {
        assert_string_not_equal(cd.v[i].dialed, "02071234564");
    }
    /* empty again: the next record wakes the writer again */
    refused_call(fx, "02071234565");
    assert_int_equal(w.n, 2);
    assert_int_equal(calls_engine_drain(fx->e, fx->st), 1);
}

static void drain_writes_many_batches(void **state)
{
    struct fx *fx = *state;
    struct wake_count w = { 0 };
    small_engine(fx, 1000, &w);
    /* more than one drain batch (256) */
    for (unsigned i = 0; i < 600; i++) {
        struct call c;
        char num[32];
        snprintf(num, sizeof(num), "0207%07u", i);
        call_start_ext(fx, &c, fx->ta, "100", fx->u100, num, false, 0);
        call_end_refused(fx, &c);
    }
    assert_int_equal(w.n, 1);
    assert_int_equal(calls_engine_drain(fx->e, fx->st), 600);
    uint64_t total = 0;
    struct store_cdr_query q = { .tenant_id = fx->ta, .result = -1 };
    struct cdrs cd = { .n = 0 };
    assert_int_equal(store_cdr_list(fx->st, &q, cdr_cb, &cd, &total), 0);
    assert_int_equal(total, 600);
    assert_int_equal(calls_engine_stats(fx->e)->cdrs, 600);
    assert_int_equal(calls_engine_stats(fx->e)->cdr_lost, 0);
}

/*
 * A suspension made by the fraud watch while the record queue is full is
 * not written; the next reload then treats it as lifted by an admin
 * (sync_suspensions: not in the store) and ends it. A toll-fraud
 * suspension must not be undone by a burst of CDRs.
 */
static void suspension_survives_full_queue(void **state)
{
    struct fx *fx = *state;
    struct wake_count w = { 0 };
    small_engine(fx, 2, &w);
    refused_call(fx, "02071234561");
    refused_call(fx, "02071234562");
    /* the queue is full; 103 trips its critical level (3 intl/h) */
    struct call c1, c2, c3, after;
    assert_true(call_start_ext(fx, &c1, fx->ta, "103", fx->u103,
                               "0033123456781", false, 0));
    assert_true(call_start_ext(fx, &c2, fx->ta, "103", fx->u103,
                               "0033123456782", false, 0));
    assert_false(call_start_ext(fx, &c3, fx->ta, "103", fx->u103,
                                "0033123456783", false, 0));
    assert_refused(&c3, 403, "suspended", NULL);
    assert_int_equal(calls_engine_stats(fx->e)->suspensions, 1);
    /* any configuration change reloads */
    assert_int_equal(calls_engine_reload(fx->e, fx->st), 0);
    bool allowed = call_start_ext(fx, &after, fx->ta, "103", fx->u103,
                                  "0033123456784", false, 0);
    call_end(fx, &after, PROXY_CALL_CANCELLED, 487);
    call_end(fx, &c1, PROXY_CALL_CANCELLED, 487);
    call_end(fx, &c2, PROXY_CALL_CANCELLED, 487);
    call_end_refused(fx, &c3);
    calls_engine_drain(fx->e, fx->st);
    assert_false(allowed);
}

/*
 * Once drained, the ring starts again at its front, so under any steady
 * load only its first pages are ever touched (a 65,536-record ring walked
 * round would all become resident memory). Order is kept either way.
 */
static void drained_ring_restarts_at_front(void **state)
{
    struct fx *fx = *state;
    struct wake_count w = { 0 };
    small_engine(fx, 4, &w);
    for (int round = 0; round < 3; round++) {
        refused_call(fx, "02071234561");
        refused_call(fx, "02071234562");
        refused_call(fx, "02071234563");
        assert_int_equal(calls_engine_drain(fx->e, fx->st), 3);
        assert_int_equal(fx->e->q_head, 0);
        assert_int_equal(fx->e->q_n, 0);
    }
    assert_int_equal(calls_engine_stats(fx->e)->cdr_lost, 0);
    assert_int_equal(calls_engine_stats(fx->e)->cdrs, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
        T(full_queue_drops_and_counts),
        T(drain_writes_many_batches),
        T(suspension_survives_full_queue),
        T(drained_ring_restarts_at_front),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
