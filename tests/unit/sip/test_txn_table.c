/* SPDX-License-Identifier: Apache-2.0 */
/* Transaction table: hashing, config checks, the deadline heap, bulk use. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/check.h"
#include "sip/txn.h"
#include "sip/txn_int.h"
#include "txn_fixture.h"

#define R200 "SIP/2.0 200 OK\r\n\r\n"

/* Reference vectors of SipHash-2-4 (key 00..0f, message 00..len-1). */
static void siphash_vectors(void **state)
{
    (void)state;
    unsigned char msg[64];
    for (unsigned i = 0; i < sizeof(msg); i++) {
        msg[i] = (unsigned char)i;
    }
    uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
    assert_int_equal(txn_siphash(k0, k1, msg, 0), 0x726fdb47dd0e0e31ULL);
    assert_int_equal(txn_siphash(k0, k1, msg, 1), 0x74f839c593dc67fdULL);
    assert_int_equal(txn_siphash(k0, k1, msg, 15), 0xa129ca6149be45e5ULL);
    assert_int_equal(txn_siphash(k0, k1, msg, 63), 0x958a324ceb064572ULL);
}

static void send_nop(void *ud, const struct sip_txn_dest *dest,
                     const char *bytes, size_t len)
{
    (void)ud;
    (void)dest;
    (void)bytes;
    (void)len;
}

static void init_validates_config(void **state)
{
    (void)state;
    struct sip_txn_table t;
    struct sip_txn_config c;

    sip_txn_config_default(&c);
    assert_int_equal(c.t1_ms, 500);
    assert_int_equal(c.t2_ms, 4000);
    assert_int_equal(c.t4_ms, 5000);
    assert_int_equal(sip_txn_table_init(&t, &c, NULL, NULL), -EINVAL);
    c.t1_ms = 0;
    assert_int_equal(sip_txn_table_init(&t, &c, send_nop, NULL), -EINVAL);
    sip_txn_config_default(&c);
    c.t2_ms = c.t1_ms - 1;
    assert_int_equal(sip_txn_table_init(&t, &c, send_nop, NULL), -EINVAL);
    sip_txn_config_default(&c);
    c.t4_ms = 0;
    assert_int_equal(sip_txn_table_init(&t, &c, send_nop, NULL), -EINVAL);
    sip_txn_config_default(&c);
    c.max_entries = 0;
    assert_int_equal(sip_txn_table_init(&t, &c, send_nop, NULL), -EINVAL);
    c.max_entries = SIP_TXN_MAX_ENTRIES_CAP + 1;
    assert_int_equal(sip_txn_table_init(&t, &c, send_nop, NULL), -EINVAL);

    /* NULL config: defaults with a random key */
    assert_int_equal(sip_txn_table_init(&t, NULL, send_nop, NULL), 0);
    assert_true(t.k0 != 0 || t.k1 != 0);
    assert_int_equal(sip_txn_table_next_deadline_ms(&t), UINT64_MAX);
    assert_int_equal(sip_txn_table_run_timers(&t, 1000000), 0);
    sip_txn_table_fini(&t);
    sip_txn_table_fini(NULL);
}

static void hash_depends_on_key_and_fields(void **state)
{
    (void)state;
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    fx_default_cfg(f);
    assert_int_equal(fx_init_cfg(f), 0);
    struct sip_txn_key a =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-h", "Example.COM", 5060);
    struct sip_txn_key b = a;
    b.host = SV_LIT("example.com");
    assert_int_equal(txn_key_hash(&f->t, &a, false),
                     txn_key_hash(&f->t, &b, false));
    b.port = 5061;
    assert_int_not_equal(txn_key_hash(&f->t, &a, false),
                         txn_key_hash(&f->t, &b, false));
    /* client keys ignore sent-by */
    assert_int_equal(txn_key_hash(&f->t, &a, true),
                     txn_key_hash(&f->t, &b, true));
    uint32_t h1 = txn_key_hash(&f->t, &a, false);
    sip_txn_table_fini(&f->t);
    f->cfg.hash_key[0] ^= 0x80;
    assert_int_equal(fx_init_cfg(f), 0);
    assert_int_not_equal(txn_key_hash(&f->t, &a, false), h1);
    sip_txn_table_fini(&f->t);
    free(f);
}

static void key_from_parsed_message(void **state)
{
    (void)state;
    struct sip_msg *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    struct sip_txn_key k;

    m->is_request = true;
    m->method = SIP_METHOD_UNKNOWN;
    m->method_name = SV_LIT("FOO");
    m->cseq.method = SIP_METHOD_UNKNOWN;
    m->cseq.method_name = SV_LIT("FOO");
    m->via.branch = SV_LIT("z9hG4bK776asdhds");
    m->via.host = SV_LIT("pc33.atlanta.com");
    sip_txn_key_from_msg(m, &k);
    assert_int_equal(k.method, SIP_METHOD_UNKNOWN);
    assert_true(sv_eq_cstr(k.method_name, "FOO"));
    assert_true(sv_eq_cstr(k.branch, "z9hG4bK776asdhds"));
    assert_true(sv_eq_cstr(k.host, "pc33.atlanta.com"));
    assert_int_equal(k.port, 0);

    /* a response takes the CSeq method */
    m->is_request = false;
    m->status = 487;
    m->cseq.method = SIP_METHOD_INVITE;
    m->cseq.method_name = SV_LIT("INVITE");
    m->via.has_port = true;
    m->via.port = 5062;
    sip_txn_key_from_msg(m, &k);
    assert_int_equal(k.method, SIP_METHOD_INVITE);
    assert_int_equal(k.port, 5062);

    assert_true(sip_txn_branch_is_rfc3261(SV_LIT("z9hG4bKx")));
    assert_false(sip_txn_branch_is_rfc3261(SV_LIT("z9hG4bK")));
    assert_false(sip_txn_branch_is_rfc3261(SV_LIT("z9hg4bkx")));
    assert_false(sip_txn_branch_is_rfc3261(SV_NULL));
    free(m);
}

/* Equality checks every field, not just the hash: force a collision. */
static void lookup_compares_fields_on_collision(void **state)
{
    (void)state;
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    fx_default_cfg(f);
    assert_int_equal(fx_init_cfg(f), 0);
    struct sip_txn_key k =
        fx_key(SIP_METHOD_UNKNOWN, "z9hG4bK-col", "192.0.2.1", 5060);
    k.method_name = SV_LIT("FOO");
    struct sip_txn_dest d = fx_dest(1);
    struct sip_txn *x = NULL;
    struct sv rs;
    assert_int_equal(
        sip_txn_server_lookup_or_create(&f->t, &k, &d, false, 0, &x, &rs),
        SIP_TXN_NEW);
    uint32_t h = txn_key_hash(&f->t, &k, false);
    assert_ptr_equal(txn_lookup(&f->t, &k, false, h), x);

    struct sip_txn_key o = k;
    o.port = 5061;
    assert_null(txn_lookup(&f->t, &o, false, h));
    o = k;
    o.host = SV_LIT("192.0.2.2");
    assert_null(txn_lookup(&f->t, &o, false, h));
    o = k;
    o.branch = SV_LIT("z9hG4bK-coL");
    assert_null(txn_lookup(&f->t, &o, false, h));
    o = k;
    o.method_name = SV_LIT("BAR");
    assert_null(txn_lookup(&f->t, &o, false, h));
    o = k;
    o.method = SIP_METHOD_OPTIONS;
    assert_null(txn_lookup(&f->t, &o, false, h));
    assert_null(txn_lookup(&f->t, &k, true, h));
    assert_null(txn_lookup(&f->t, &k, false, h ^ 1));
    sip_txn_table_fini(&f->t);
    free(f);
}

/*
 * The heap against a model: random transactions get finals at random
 * times, some are abandoned (removal from the middle), and time moves in
 * random steps. After each step the live count and the next deadline must
 * match what the model computes.
 */
#define MODEL_N 2000

static void heap_matches_model(void **state)
{
    (void)state;
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    fx_default_cfg(f);
    f->cfg.t1_ms = 10; /* Timer J = 640 ms */
    assert_int_equal(fx_init_cfg(f), 0);

    static struct sip_txn *txn[MODEL_N];
    static uint64_t dies_at[MODEL_N]; /* 0: alive, no timer; MAX: gone */
    unsigned seed = 12345;
    char branch[32];
    struct sv rs;
    uint64_t now = 0;
    unsigned created = 0;

    while (created < MODEL_N || now < 100000) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 8) % 100;
        if (r < 40 && created < MODEL_N) {
            (void)snprintf(branch, sizeof(branch), "z9hG4bK-m%u", created);
            struct sip_txn_key k =
                fx_key(SIP_METHOD_OPTIONS, branch, "192.0.2.1", 5060);
            struct sip_txn_dest d = fx_dest(1);
            assert_int_equal(sip_txn_server_lookup_or_create(
                                 &f->t, &k, &d, false, now, &txn[created], &rs),
                             SIP_TXN_NEW);
            dies_at[created] = 0;
            created++;
        } else if (r < 75 && created > 0) {
            unsigned i = (seed >> 4) % created;
            if (dies_at[i] == 0) {
                assert_int_equal(sip_txn_server_respond(txn[i], 200, R200,
                                                        strlen(R200), now),
                                 0);
                dies_at[i] = now + 640;
            }
        } else if (r < 80 && created > 0) {
            unsigned i = (seed >> 4) % created;
            if (dies_at[i] != UINT64_MAX) {
                sip_txn_server_abandon(txn[i]);
                dies_at[i] = UINT64_MAX;
            }
        } else {
            now += (seed >> 3) % 300;
            (void)sip_txn_table_run_timers(&f->t, now);
        }
        uint64_t live = 0, next = UINT64_MAX;
        for (unsigned i = 0; i < created; i++) {
            if (dies_at[i] != UINT64_MAX && dies_at[i] != 0
                && dies_at[i] <= now) {
                dies_at[i] = UINT64_MAX; /* expired in the last run */
            }
            if (dies_at[i] != UINT64_MAX) {
                live++;
                if (dies_at[i] != 0 && dies_at[i] < next) {
                    next = dies_at[i];
                }
            }
        }
        assert_int_equal(sip_txn_table_stats(&f->t)->n_active, live);
        assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), next);
    }
    sip_txn_table_fini(&f->t);
    free(f);
}

/*
 * The registrar's pattern at scale: create, answer, absorb one
 * retransmission, let Timer J expire. Checks counts, not speed; it exists
 * so a quadratic path shows up as a ctest timeout.
 */
#define BULK_N 200000

static void bulk_register_cycle(void **state)
{
    (void)state;
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    fx_default_cfg(f);
    f->cfg.max_entries = BULK_N;
    assert_int_equal(fx_init_cfg(f), 0);
    char branch[48];
    struct sip_txn *x = NULL;
    struct sv rs;
    struct sip_txn_dest d = fx_dest(1);

    for (unsigned i = 0; i < BULK_N; i++) {
        uint64_t now = i / 15; /* 15 per ms: 15,000 per second */
        (void)snprintf(branch, sizeof(branch), "z9hG4bK-%08x-bulk", i);
        struct sip_txn_key k =
            fx_key(SIP_METHOD_REGISTER, branch, "198.51.100.20", 5060);
        assert_int_equal(
            sip_txn_server_lookup_or_create(&f->t, &k, &d, false, now, &x, &rs),
            SIP_TXN_NEW);
        assert_int_equal(
            sip_txn_server_respond(x, 200, R200, strlen(R200), now), 0);
        if (i % 10 == 0) {
            assert_int_equal(sip_txn_server_lookup_or_create(
                                 &f->t, &k, &d, false, now, &x, &rs),
                             SIP_TXN_RESEND);
        }
        if (i % 1000 == 0) {
            (void)sip_txn_table_run_timers(&f->t, now);
        }
    }
    const struct sip_txn_stats *st = sip_txn_table_stats(&f->t);
    /* ~13.3 s of traffic: nothing has reached Timer J yet */
    assert_int_equal(st->n_active, BULK_N);
    assert_int_equal(st->n_absorbed, BULK_N / 10);
    (void)sip_txn_table_run_timers(&f->t, BULK_N / 15 + 32000);
    assert_int_equal(st->n_active, 0);
    assert_int_equal(st->n_created, BULK_N);
    assert_int_equal(f->n_sent, BULK_N);
    sip_txn_table_fini(&f->t);
    free(f);
}

/*
 * The bucket array follows the live count: it starts small whatever the
 * cap, grows so every transaction stays findable across rehashes, and goes
 * back to its minimum (as does the deadline heap) once the table drained.
 */
#define GROW_N 5000

static void buckets_follow_load(void **state)
{
    (void)state;
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    fx_default_cfg(f);
    f->cfg.max_entries = 1u << 22;
    assert_int_equal(fx_init_cfg(f), 0);
    assert_int_equal(f->t.n_buckets, TXN_MIN_BUCKETS);
    assert_int_equal(f->t.max_buckets, 1u << 22);
    char branch[48];
    struct sip_txn *x = NULL;
    struct sv rs;
    struct sip_txn_dest d = fx_dest(1);

    for (unsigned i = 0; i < GROW_N; i++) {
        (void)snprintf(branch, sizeof(branch), "z9hG4bK-%08x-grow", i);
        struct sip_txn_key k =
            fx_key(SIP_METHOD_REGISTER, branch, "198.51.100.20", 5060);
        assert_int_equal(
            sip_txn_server_lookup_or_create(&f->t, &k, &d, false, 0, &x, &rs),
            SIP_TXN_NEW);
        assert_int_equal(sip_txn_server_respond(x, 200, R200, strlen(R200), 0),
                         0);
        assert_true(f->t.n_buckets >= f->t.stats.n_active);
    }
    assert_int_equal(f->t.n_buckets, 8192);
    /* every one is still found after the rehashes: a retransmission */
    for (unsigned i = 0; i < GROW_N; i++) {
        (void)snprintf(branch, sizeof(branch), "z9hG4bK-%08x-grow", i);
        struct sip_txn_key k =
            fx_key(SIP_METHOD_REGISTER, branch, "198.51.100.20", 5060);
        assert_int_equal(
            sip_txn_server_lookup_or_create(&f->t, &k, &d, false, 1, &x, &rs),
            SIP_TXN_RESEND);
    }
    assert_true(f->t.heap_cap >= GROW_N);
    (void)sip_txn_table_run_timers(&f->t, 32000);
    assert_int_equal(f->t.stats.n_active, 0);
    assert_int_equal(f->t.n_buckets, TXN_MIN_BUCKETS);
    assert_int_equal(f->t.heap_cap, TXN_MIN_HEAP);
    sip_txn_table_fini(&f->t);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(siphash_vectors),
        cmocka_unit_test(init_validates_config),
        cmocka_unit_test(hash_depends_on_key_and_fields),
        cmocka_unit_test(key_from_parsed_message),
        cmocka_unit_test(lookup_compares_fields_on_collision),
        cmocka_unit_test(heap_matches_model),
        cmocka_unit_test(bulk_register_cycle),
        cmocka_unit_test(buckets_follow_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
