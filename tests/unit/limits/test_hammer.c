/* SPDX-License-Identifier: Apache-2.0 */
/* Many threads on the same limiters at once: no count may be lost. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "limits/callrate.h"
#include "limits/concurrent.h"
#include "limits/fraud.h"

#define THREADS 8
#define ITERS   5000
#define T0      1000000u

struct ctx {
    struct limits_callrate *cr;
    struct limits_callrate_rules *rs;
    struct limits_cc *cc;
    struct limits_fraud *fw;
    atomic_int start;
    atomic_uint allowed;
    atomic_int holders[4]; /* live holders seen by the test, per ext */
    atomic_int trunk_holders;
    atomic_int max_ext;   /* most holders of one extension seen */
    atomic_int max_trunk; /* most holders of the trunk seen */
    atomic_uint acquired;
    atomic_uint errors; /* checks failed inside workers (cmocka asserts
                         * are for the main thread only) */
};

/* Handles shared by every thread of the racing-release test. */
static struct limits_cc_handle shared[ITERS];

struct targ {
    struct ctx *c;
    int id;
};

static void wait_start(struct ctx *c)
{
    while (!atomic_load(&c->start)) {
        /* All threads begin together; yield so that on a small, busy
         * machine the spinners do not starve the thread still creating
         * them. */
        sched_yield();
    }
}

static void raise_max(atomic_int *m, int v)
{
    int cur = atomic_load(m);
    while (v > cur && !atomic_compare_exchange_weak(m, &cur, v)) {
    }
}

static void *callrate_worker(void *p)
{
    struct targ *a = p;
    struct ctx *c = a->c;
    wait_start(c);
    struct limits_callrate_req r;
    memset(&r, 0, sizeof(r));
    r.tenant_id = 1;
    r.user_id = 42;
    r.minute_of_day = 600;
    r.weekday = 2;
    for (int i = 0; i < ITERS; i++) {
        /* Half the threads also touch their own extension. */
        r.user_id = (a->id % 2 && i % 2) ? 100 + a->id : 42;
        r.now_ms = T0;
        if (limits_callrate_take(c->cr, c->rs, &r, NULL)
                == LIMITS_CALLRATE_ALLOW
            && r.user_id == 42) {
            atomic_fetch_add(&c->allowed, 1);
        }
    }
    return NULL;
}

static void run(struct ctx *c, void *(*fn)(void *))
{
    pthread_t th[THREADS];
    struct targ args[THREADS];
    atomic_store(&c->start, 0);
    for (int i = 0; i < THREADS; i++) {
        args[i].c = c;
        args[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, fn, &args[i]), 0);
    }
    atomic_store(&c->start, 1);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
}

static void callrate_counts_every_token(void **state)
{
    (void)state;
    static struct ctx c;
    memset(&c, 0, sizeof(c));
    /* 1000 calls per hour: a token bucket of 1000, none refilled at T0. */
    assert_int_equal(limits_callrate_new(256, &c.cr), 0);
    assert_int_equal(
        limits_callrate_rules_new(NULL, 0, 1000, 3600, &c.rs, NULL), 0);
    run(&c, callrate_worker);
    assert_int_equal(atomic_load(&c.allowed), 1000);
    struct limits_callrate_stats st;
    limits_callrate_stats(c.cr, &st);
    assert_int_equal(st.allowed + st.refused, (uint64_t)THREADS * ITERS);
    limits_callrate_rules_free(c.rs);
    limits_callrate_free(c.cr);

    /* The exact sliding log too: 16 calls per minute. */
    memset(&c, 0, sizeof(c));
    assert_int_equal(limits_callrate_new(256, &c.cr), 0);
    assert_int_equal(limits_callrate_rules_new(NULL, 0, 16, 60, &c.rs, NULL),
                     0);
    run(&c, callrate_worker);
    assert_int_equal(atomic_load(&c.allowed), 16);
    limits_callrate_rules_free(c.rs);
    limits_callrate_free(c.cr);
}

#define EXT_MAX   3
#define TRUNK_MAX 5

static void *cc_worker(void *p)
{
    struct targ *a = p;
    struct ctx *c = a->c;
    wait_start(c);
    for (int i = 0; i < ITERS; i++) {
        int ext = (a->id + i) % 4;
        struct limits_cc_req r = { .tenant_id = 1 + ext % 2,
                                   .user_id = 10 + ext,
                                   .trunk_id = 9,
                                   .ext_max = EXT_MAX,
                                   .trunk_tenant_max = 0,
                                   .trunk_max = TRUNK_MAX };
        struct limits_cc_handle h = LIMITS_CC_HANDLE_INIT;
        if (limits_cc_acquire(c->cc, &r, &h) != LIMITS_CC_OK) {
            continue;
        }
        atomic_fetch_add(&c->acquired, 1);
        raise_max(&c->max_ext, atomic_fetch_add(&c->holders[ext], 1) + 1);
        raise_max(&c->max_trunk, atomic_fetch_add(&c->trunk_holders, 1) + 1);
        atomic_fetch_sub(&c->holders[ext], 1);
        atomic_fetch_sub(&c->trunk_holders, 1);
        if (limits_cc_release(c->cc, &h) != 1
            || limits_cc_release(c->cc, &h) != 0) {
            atomic_fetch_add(&c->errors, 1);
        }
    }
    return NULL;
}

static void concurrent_never_exceeds_limits(void **state)
{
    (void)state;
    static struct ctx c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(limits_cc_new(64, &c.cc), 0);
    run(&c, cc_worker);
    assert_true(atomic_load(&c.max_ext) <= EXT_MAX);
    assert_true(atomic_load(&c.max_trunk) <= TRUNK_MAX);
    assert_true(atomic_load(&c.acquired) > 0);
    assert_int_equal(atomic_load(&c.errors), 0);
    struct limits_cc_stats st;
    limits_cc_stats(c.cc, &st);
    assert_int_equal(st.n_entries, 0);
    assert_int_equal(st.underflows, 0);
    assert_int_equal(st.acquired, atomic_load(&c.acquired));
    assert_int_equal(st.released, st.acquired);
    assert_int_equal(st.acquired + st.refused, (uint64_t)THREADS * ITERS);
    assert_int_equal(limits_cc_count(c.cc, LIMITS_CC_LEVEL_TRUNK, 0, 0, 9), 0);
    limits_cc_free(c.cc);
}

static void *cc_shared_handle_worker(void *p)
{
    struct targ *a = p;
    struct ctx *c = a->c;
    wait_start(c);
    /* Every thread releases every handle: each must release once. */
    for (int i = 0; i < ITERS; i++) {
        if (limits_cc_release(c->cc, &shared[(i + a->id * 7) % ITERS]) == 1) {
            atomic_fetch_add(&c->acquired, 1);
        }
    }
    return NULL;
}

static void concurrent_racing_releases(void **state)
{
    (void)state;
    static struct ctx c;
    memset(&c, 0, sizeof(c));
    memset(shared, 0, sizeof(shared));
    assert_int_equal(limits_cc_new(64, &c.cc), 0);
    struct limits_cc_req r = { .tenant_id = 1, .user_id = 10, .trunk_id = 9 };
    for (int i = 0; i < ITERS; i++) {
        assert_int_equal(limits_cc_acquire(c.cc, &r, &shared[i]), LIMITS_CC_OK);
    }
    assert_int_equal(limits_cc_count(c.cc, LIMITS_CC_LEVEL_EXT, 1, 10, 0),
                     ITERS);
    run(&c, cc_shared_handle_worker);
    assert_int_equal(atomic_load(&c.acquired), ITERS);
    struct limits_cc_stats st;
    limits_cc_stats(c.cc, &st);
    assert_int_equal(st.released, ITERS);
    assert_int_equal(st.underflows, 0);
    assert_int_equal(st.n_entries, 0);
    limits_cc_free(c.cc);
}

static void *fraud_worker(void *p)
{
    struct targ *a = p;
    struct ctx *c = a->c;
    wait_start(c);
    for (int i = 0; i < ITERS; i++) {
        struct limits_fraud_call call;
        memset(&call, 0, sizeof(call));
        call.tenant_id = 1;
        call.user_id = (i % 2) ? 10 : 20 + a->id;
        call.is_international = true;
        call.is_outside_hours = (i % 4) == 0;
        call.now_ms = T0 + (uint64_t)i; /* within one 5-min slot */
        limits_fraud_record(c->fw, &call, NULL);
    }
    return NULL;
}

static void fraud_counts_every_call(void **state)
{
    (void)state;
    static struct ctx c;
    memset(&c, 0, sizeof(c));
    struct limits_fraud_settings s;
    limits_fraud_settings_default(&s);
    memset(&s.policy, 0, sizeof(s.policy));
    assert_int_equal(limits_fraud_new(&s, T0, &c.fw), 0);
    run(&c, fraud_worker);
    struct limits_fraud_counts cnt;
    assert_int_equal(limits_fraud_peek(c.fw, 1, 10, T0 + ITERS, &cnt), 0);
    assert_int_equal(cnt.count[0][LIMITS_FRAUD_INTL], THREADS * ITERS / 2);
    assert_int_equal(cnt.count[1][LIMITS_FRAUD_INTL], THREADS * ITERS / 2);
    assert_int_equal(limits_fraud_peek(c.fw, 1, 0, T0 + ITERS, &cnt), 0);
    assert_int_equal(cnt.count[0][LIMITS_FRAUD_INTL], THREADS * ITERS);
    assert_int_equal(cnt.count[0][LIMITS_FRAUD_OOH], THREADS * ITERS / 4);
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(limits_fraud_peek(c.fw, 1, 20 + t, T0 + ITERS, &cnt),
                         0);
        assert_int_equal(cnt.count[0][LIMITS_FRAUD_INTL], ITERS / 2);
    }
    struct limits_fraud_stats st;
    limits_fraud_stats(c.fw, &st);
    assert_int_equal(st.recorded, (uint64_t)THREADS * ITERS);
    limits_fraud_free(c.fw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(callrate_counts_every_token),
        cmocka_unit_test(concurrent_never_exceeds_limits),
        cmocka_unit_test(concurrent_racing_releases),
        cmocka_unit_test(fraud_counts_every_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
