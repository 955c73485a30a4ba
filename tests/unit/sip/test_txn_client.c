/* SPDX-License-Identifier: Apache-2.0 */
/* Client transactions: Timers A/B/D/E/F/K, reports, ACK, CANCEL. */
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
#include "txn_fixture.h"

#define REQ_INV "INVITE sip:bob@example.com SIP/2.0\r\n\r\n"
#define REQ_OPT "OPTIONS sip:gw.example.com SIP/2.0\r\n\r\n"
#define REQ_CAN "CANCEL sip:bob@example.com SIP/2.0\r\n\r\n"
#define REQ_ACK "ACK sip:bob@example.com SIP/2.0\r\n\r\n"

#define EV_MAX 16

/* What one TU context saw, and what it does on reports. */
struct tu {
    struct fx *f;
    unsigned n_ev;
    struct sip_txn_event ev[EV_MAX];
    enum sip_txn_state state_in_cb[EV_MAX];
    uint64_t at_ms[EV_MAX];
    bool ack_on_final; /* send REQ_ACK from the EV_FINAL callback */
    bool failover;     /* start a new transaction on EV_TIMEOUT */
    int failover_rc;
    bool detach_on_prov; /* detach from the EV_PROVISIONAL callback */
};

static void tu_cb(void *ud, struct sip_txn *txn, const struct sip_txn_event *ev)
{
    struct tu *tu = ud;
    if (tu->n_ev < EV_MAX) {
        tu->ev[tu->n_ev] = *ev;
        tu->state_in_cb[tu->n_ev] = sip_txn_state(txn);
        tu->at_ms[tu->n_ev] = tu->f->now_ms;
    }
    tu->n_ev++;
    if (ev->kind == SIP_TXN_EV_FINAL && tu->ack_on_final && ev->status >= 300) {
        assert_int_equal(sip_txn_client_ack(txn, REQ_ACK, strlen(REQ_ACK)), 0);
    }
    if (ev->kind == SIP_TXN_EV_PROVISIONAL && tu->detach_on_prov) {
        sip_txn_client_detach(txn, tu->f->now_ms);
    }
    if (ev->kind == SIP_TXN_EV_TIMEOUT && tu->failover) {
        struct sip_txn_key k =
            fx_key(SIP_METHOD_OPTIONS, "z9hG4bK-failover", NULL, 0);
        struct sip_txn_dest d = fx_dest(9);
        tu->failover = false;
        tu->failover_rc =
            sip_txn_client_start(&tu->f->t, &k, &d, REQ_OPT, strlen(REQ_OPT),
                                 false, tu->f->now_ms, tu_cb, tu, NULL);
    }
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return -1;
    }
    fx_default_cfg(f);
    if (fx_init_cfg(f) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sip_txn_table_fini(&f->t);
    free(f);
    return 0;
}

static int start(struct fx *f, enum sip_method m, const char *branch,
                 const char *req, bool reliable, struct tu *tu,
                 struct sip_txn **out)
{
    struct sip_txn_key k = fx_key(m, branch, NULL, 0);
    struct sip_txn_dest d = fx_dest(5);
    tu->f = f;
    return sip_txn_client_start(&f->t, &k, &d, req, strlen(req), reliable,
                                f->now_ms, tu_cb, tu, out);
}

static int response(struct fx *f, enum sip_method m, const char *branch,
                    int status)
{
    /* responses carry our own Via: the sent-by host is not compared */
    struct sip_txn_key k = fx_key(m, branch, "ignored.example", 1234);
    return sip_txn_client_on_response(&f->t, &k, status, f->now_ms, &f->t);
}

static void non_invite_timer_e_then_timeout(void **state)
{
    struct fx *f = *state;
    struct tu tu = { 0 };
    struct sip_txn *x = NULL;

    assert_int_equal(
        start(f, SIP_METHOD_OPTIONS, "z9hG4bK-o1", REQ_OPT, false, &tu, &x), 0);
    assert_non_null(x);
    assert_true(sip_txn_is_client(x));
    assert_int_equal(sip_txn_state(x), SIP_TXN_TRYING);
    assert_int_equal(f->n_sent, 1);
    assert_string_equal(f->sent[0].bytes, REQ_OPT);
    assert_int_equal(f->sent[0].dest.conn_id, 5);

    fx_advance_to(f, 40000);
    static const uint64_t want[] = { 0,     500,   1500,  3500,  7500, 11500,
                                     15500, 19500, 23500, 27500, 31500 };
    assert_int_equal(f->n_sent, SW_ARRAY_LEN(want));
    for (unsigned i = 0; i < SW_ARRAY_LEN(want); i++) {
        assert_int_equal(f->sent[i].at_ms, want[i]);
    }
    assert_int_equal(tu.n_ev, 1);
    assert_int_equal(tu.ev[0].kind, SIP_TXN_EV_TIMEOUT);
    assert_int_equal(tu.ev[0].status, 408);
    assert_null(tu.ev[0].resp);
    assert_int_equal(tu.at_ms[0], 32000);
    assert_int_equal(tu.state_in_cb[0], SIP_TXN_TERMINATED);
    const struct sip_txn_stats *st = sip_txn_table_stats(&f->t);
    assert_int_equal(st->n_timeouts, 1);
    assert_int_equal(st->n_retransmits, SW_ARRAY_LEN(want) - 1);
    assert_int_equal(st->n_active, 0);
    /* a late response matches nothing */
    assert_int_equal(response(f, SIP_METHOD_OPTIONS, "z9hG4bK-o1", 200),
                     SIP_TXN_PASS);
    assert_int_equal(tu.n_ev, 1);
}

static void non_invite_provisional_then_final(void **state)
{
    struct fx *f = *state;
    struct tu tu = { 0 };

    assert_int_equal(start(f, SIP_METHOD_REGISTER, "z9hG4bK-r1",
                           "REGISTER sip:x SIP/2.0\r\n\r\n", false, &tu, NULL),
                     0);
    fx_advance_to(f, 600);
    assert_int_equal(response(f, SIP_METHOD_REGISTER, "z9hG4bK-r1", 100),
                     SIP_TXN_DELIVERED);
    assert_int_equal(tu.n_ev, 1);
    assert_int_equal(tu.ev[0].kind, SIP_TXN_EV_PROVISIONAL);
    assert_int_equal(tu.ev[0].status, 100);
    assert_ptr_equal(tu.ev[0].resp, &f->t);
    /* Timer E keeps going, at T2 once in Proceeding (§17.1.2.2) */
    fx_advance_to(f, 10000);
    static const uint64_t want[] = { 0, 500, 1500, 5500, 9500 };
    assert_int_equal(f->n_sent, SW_ARRAY_LEN(want));
    for (unsigned i = 0; i < SW_ARRAY_LEN(want); i++) {
        assert_int_equal(f->sent[i].at_ms, want[i]);
    }
    assert_int_equal(response(f, SIP_METHOD_REGISTER, "z9hG4bK-r1", 200),
                     SIP_TXN_DELIVERED);
    assert_int_equal(tu.n_ev, 2);
    assert_int_equal(tu.ev[1].kind, SIP_TXN_EV_FINAL);
    assert_int_equal(tu.ev[1].status, 200);
    assert_int_equal(tu.state_in_cb[1], SIP_TXN_COMPLETED);
    /* Completed: no more retransmissions, response copies absorbed */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 10000 + 5000);
    assert_int_equal(response(f, SIP_METHOD_REGISTER, "z9hG4bK-r1", 200),
                     SIP_TXN_ABSORB);
    assert_int_equal(response(f, SIP_METHOD_REGISTER, "z9hG4bK-r1", 100),
                     SIP_TXN_ABSORB);
    assert_int_equal(tu.n_ev, 2);
    fx_advance_to(f, 14999);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 1);
    fx_advance_to(f, 15000);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_int_equal(f->n_sent, SW_ARRAY_LEN(want));
    assert_int_equal(sip_txn_table_stats(&f->t)->n_absorbed, 2);
}

static void non_invite_reliable(void **state)
{
    struct fx *f = *state;
    struct tu a = { 0 }, b = { 0 };

    assert_int_equal(
        start(f, SIP_METHOD_OPTIONS, "z9hG4bK-t1", REQ_OPT, true, &a, NULL), 0);
    assert_int_equal(
        start(f, SIP_METHOD_OPTIONS, "z9hG4bK-t2", REQ_OPT, true, &b, NULL), 0);
    /* no Timer E on TCP, only Timer F */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 32000);
    f->now_ms = 100;
    /* Timer K is zero: the final ends it at once */
    assert_int_equal(response(f, SIP_METHOD_OPTIONS, "z9hG4bK-t1", 200),
                     SIP_TXN_DELIVERED);
    assert_int_equal(a.n_ev, 1);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 1);
    assert_int_equal(response(f, SIP_METHOD_OPTIONS, "z9hG4bK-t1", 200),
                     SIP_TXN_PASS);
    fx_advance_to(f, 40000);
    assert_int_equal(f->n_sent, 2);
    assert_int_equal(b.n_ev, 1);
    assert_int_equal(b.ev[0].kind, SIP_TXN_EV_TIMEOUT);
    assert_int_equal(b.at_ms[0], 32000);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
}

static void invite_stops_retransmitting_after_provisional(void **state)
{
    struct fx *f = *state;
    struct tu tu = { .ack_on_final = true };
    struct sip_txn *x = NULL;

    assert_int_equal(
        start(f, SIP_METHOD_INVITE, "z9hG4bK-i1", REQ_INV, false, &tu, &x), 0);
    assert_int_equal(sip_txn_state(x), SIP_TXN_CALLING);
    fx_advance_to(f, 1000);
    assert_int_equal(f->n_sent, 2); /* at 0 and 500 */
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-i1", 180),
                     SIP_TXN_DELIVERED);
    assert_int_equal(sip_txn_state(x), SIP_TXN_PROCEEDING);
    /* no Timer A, and no Timer B outside Calling */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), UINT64_MAX);
    fx_advance_to(f, 100000);
    assert_int_equal(f->n_sent, 2);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-i1", 183),
                     SIP_TXN_DELIVERED);

    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-i1", 486),
                     SIP_TXN_DELIVERED);
    assert_int_equal(tu.n_ev, 3);
    assert_int_equal(tu.ev[2].kind, SIP_TXN_EV_FINAL);
    assert_int_equal(tu.ev[2].status, 486);
    assert_int_equal(f->n_sent, 3);
    assert_string_equal(f->sent[2].bytes, REQ_ACK);
    assert_int_equal(sip_txn_last_status(x), 486);

    /* §17.1.1.2: a retransmitted final gets the stored ACK again */
    f->now_ms = 100500;
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-i1", 486),
                     SIP_TXN_ABSORB);
    assert_int_equal(f->n_sent, 4);
    assert_string_equal(f->sent[3].bytes, REQ_ACK);
    assert_int_equal(tu.n_ev, 3);
    /* Timer D = 32 s from the final */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 100000 + 32000);
    fx_advance_to(f, 132000);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_timeouts, 0);
}

static void invite_timer_a_then_b(void **state)
{
    struct fx *f = *state;
    struct tu tu = { 0 };

    assert_int_equal(
        start(f, SIP_METHOD_INVITE, "z9hG4bK-i2", REQ_INV, false, &tu, NULL),
        0);
    fx_advance_to(f, 60000);
    /* Timer A doubles without the T2 cap */
    static const uint64_t want[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
    assert_int_equal(f->n_sent, SW_ARRAY_LEN(want));
    for (unsigned i = 0; i < SW_ARRAY_LEN(want); i++) {
        assert_int_equal(f->sent[i].at_ms, want[i]);
        assert_string_equal(f->sent[i].bytes, REQ_INV);
    }
    assert_int_equal(tu.n_ev, 1);
    assert_int_equal(tu.ev[0].kind, SIP_TXN_EV_TIMEOUT);
    assert_int_equal(tu.ev[0].status, 408);
    assert_int_equal(tu.at_ms[0], 32000);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_timeouts, 1);
}

static void invite_2xx_terminates(void **state)
{
    struct fx *f = *state;
    struct tu tu = { 0 };

    assert_int_equal(
        start(f, SIP_METHOD_INVITE, "z9hG4bK-i3", REQ_INV, false, &tu, NULL),
        0);
    f->now_ms = 200;
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-i3", 200),
                     SIP_TXN_DELIVERED);
    assert_int_equal(tu.n_ev, 1);
    assert_int_equal(tu.ev[0].kind, SIP_TXN_EV_FINAL);
    assert_int_equal(tu.state_in_cb[0], SIP_TXN_TERMINATED);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), UINT64_MAX);
    /* 2xx retransmissions go to the TU statelessly */
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-i3", 200),
                     SIP_TXN_PASS);
    assert_int_equal(f->n_sent, 1);
}

static void invite_reliable_non_2xx(void **state)
{
    struct fx *f = *state;
    struct tu tu = { .ack_on_final = true };

    assert_int_equal(
        start(f, SIP_METHOD_INVITE, "z9hG4bK-i4", REQ_INV, true, &tu, NULL), 0);
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 32000);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-i4", 404),
                     SIP_TXN_DELIVERED);
    /* the ACK made inside the callback went out, then Timer D = 0 */
    assert_int_equal(f->n_sent, 2);
    assert_string_equal(f->sent[1].bytes, REQ_ACK);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-i4", 404),
                     SIP_TXN_PASS);
}

static void cancel_is_a_separate_non_invite_txn(void **state)
{
    struct fx *f = *state;
    struct tu inv = { .ack_on_final = true }, can = { 0 };
    struct sip_txn *xi = NULL, *xc = NULL;

    assert_int_equal(
        start(f, SIP_METHOD_INVITE, "z9hG4bK-cx", REQ_INV, false, &inv, &xi),
        0);
    f->now_ms = 100;
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-cx", 180),
                     SIP_TXN_DELIVERED);
    f->now_ms = 5000;
    assert_int_equal(
        start(f, SIP_METHOD_CANCEL, "z9hG4bK-cx", REQ_CAN, false, &can, &xc),
        0);
    assert_ptr_not_equal(xi, xc);
    assert_int_equal(sip_txn_state(xc), SIP_TXN_TRYING);
    /* CANCEL retransmits with Timer E like any non-INVITE */
    fx_advance_to(f, 5600);
    assert_string_equal(f->sent[f->n_sent - 1].bytes, REQ_CAN);
    assert_int_equal(f->sent[f->n_sent - 1].at_ms, 5500);

    assert_int_equal(response(f, SIP_METHOD_CANCEL, "z9hG4bK-cx", 200),
                     SIP_TXN_DELIVERED);
    assert_int_equal(can.n_ev, 1);
    assert_int_equal(can.ev[0].status, 200);
    assert_int_equal(inv.n_ev, 1);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-cx", 487),
                     SIP_TXN_DELIVERED);
    assert_int_equal(inv.n_ev, 2);
    assert_int_equal(inv.ev[1].status, 487);
    assert_int_equal(can.n_ev, 1);
    assert_string_equal(f->sent[f->n_sent - 1].bytes, REQ_ACK);
}

static void start_refusals(void **state)
{
    struct fx *f = *state;
    struct tu tu = { .f = f };
    struct sip_txn_key k = fx_key(SIP_METHOD_OPTIONS, "z9hG4bK-s", NULL, 0);
    struct sip_txn_dest d = fx_dest(1);

    assert_int_equal(sip_txn_client_start(&f->t, &k, &d, REQ_OPT, 7, false, 0,
                                          tu_cb, &tu, NULL),
                     0);
    assert_int_equal(sip_txn_client_start(&f->t, &k, &d, REQ_OPT, 7, false, 0,
                                          tu_cb, &tu, NULL),
                     -EEXIST);
    struct sip_txn_key ack = k;
    ack.method = SIP_METHOD_ACK;
    assert_int_equal(sip_txn_client_start(&f->t, &ack, &d, REQ_ACK, 3, false, 0,
                                          tu_cb, &tu, NULL),
                     -EINVAL);
    struct sip_txn_key old = k;
    old.branch = SV_LIT("abc123");
    assert_int_equal(sip_txn_client_start(&f->t, &old, &d, REQ_OPT, 7, false, 0,
                                          tu_cb, &tu, NULL),
                     -EINVAL);
    struct sip_txn_key k2 = fx_key(SIP_METHOD_OPTIONS, "z9hG4bK-s2", NULL, 0);
    assert_int_equal(sip_txn_client_start(&f->t, &k2, &d, REQ_OPT, 0, false, 0,
                                          tu_cb, &tu, NULL),
                     -EMSGSIZE);
    assert_int_equal(sip_txn_client_start(&f->t, &k2, &d, REQ_OPT,
                                          SIP_MAX_MSG_LEN + 1, false, 0, tu_cb,
                                          &tu, NULL),
                     -EMSGSIZE);
    assert_int_equal(sip_txn_client_start(&f->t, &k2, &d, REQ_OPT, 7, false, 0,
                                          NULL, &tu, NULL),
                     -EINVAL);
    /* nothing was sent for the refusals, no callback ran */
    assert_int_equal(f->n_sent, 1);
    assert_int_equal(tu.n_ev, 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 1);

    /* a full table */
    sip_txn_table_fini(&f->t);
    f->cfg.max_entries = 1;
    assert_int_equal(fx_init_cfg(f), 0);
    assert_int_equal(sip_txn_client_start(&f->t, &k, &d, REQ_OPT, 7, false, 0,
                                          tu_cb, &tu, NULL),
                     0);
    assert_int_equal(sip_txn_client_start(&f->t, &k2, &d, REQ_OPT, 7, false, 0,
                                          tu_cb, &tu, NULL),
                     -ENOSPC);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_refused_full, 1);
}

static void unmatched_responses_pass(void **state)
{
    struct fx *f = *state;
    struct tu tu = { 0 };

    assert_int_equal(
        start(f, SIP_METHOD_INVITE, "z9hG4bK-u", REQ_INV, false, &tu, NULL), 0);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-v", 180),
                     SIP_TXN_PASS);
    /* same branch, other CSeq method */
    assert_int_equal(response(f, SIP_METHOD_CANCEL, "z9hG4bK-u", 200),
                     SIP_TXN_PASS);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "", 180), SIP_TXN_PASS);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-u", 99), -EINVAL);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-u", 700), -EINVAL);
    assert_int_equal(tu.n_ev, 0);
    /* still retransmitting: nothing above touched it */
    fx_advance_to(f, 500);
    assert_int_equal(f->n_sent, 2);
}

static void ack_refused_outside_completed(void **state)
{
    struct fx *f = *state;
    struct tu tu = { 0 };
    struct sip_txn *x = NULL, *o = NULL;

    assert_int_equal(
        start(f, SIP_METHOD_INVITE, "z9hG4bK-k", REQ_INV, false, &tu, &x), 0);
    assert_int_equal(sip_txn_client_ack(x, REQ_ACK, strlen(REQ_ACK)), -EINVAL);
    assert_int_equal(
        start(f, SIP_METHOD_OPTIONS, "z9hG4bK-k", REQ_OPT, false, &tu, &o), 0);
    assert_int_equal(response(f, SIP_METHOD_OPTIONS, "z9hG4bK-k", 404),
                     SIP_TXN_DELIVERED);
    assert_int_equal(sip_txn_client_ack(o, REQ_ACK, strlen(REQ_ACK)), -EINVAL);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-k", 404),
                     SIP_TXN_DELIVERED);
    assert_int_equal(sip_txn_client_ack(x, REQ_ACK, 0), -EMSGSIZE);
    /* an ACK longer than the INVITE takes its own buffer */
    char big[600];
    memset(big, 'a', sizeof(big));
    assert_int_equal(sip_txn_client_ack(x, big, sizeof(big)), 0);
    assert_int_equal(f->sent[f->n_sent - 1].len, sizeof(big));
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-k", 404),
                     SIP_TXN_ABSORB);
    assert_int_equal(f->sent[f->n_sent - 1].len, sizeof(big));
}

static void timeout_callback_can_start_failover(void **state)
{
    struct fx *f = *state;
    struct tu tu = { .failover = true };

    assert_int_equal(
        start(f, SIP_METHOD_OPTIONS, "z9hG4bK-f1", REQ_OPT, true, &tu, NULL),
        0);
    fx_advance_to(f, 32000);
    assert_int_equal(tu.n_ev, 1);
    assert_int_equal(tu.failover_rc, 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 1);
    /* the new transaction runs its own timers from 32000 */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 32500);
    fx_advance_to(f, 32500);
    assert_int_equal(f->n_sent, 3);
    assert_int_equal(f->sent[2].dest.conn_id, 9);
    assert_int_equal(response(f, SIP_METHOD_OPTIONS, "z9hG4bK-failover", 200),
                     SIP_TXN_DELIVERED);
    assert_int_equal(tu.n_ev, 2);
    assert_int_equal(tu.ev[1].kind, SIP_TXN_EV_FINAL);
}

static void detach_stops_reports_and_bounds_life(void **state)
{
    struct fx *f = *state;
    struct tu tu = { .detach_on_prov = true };

    assert_int_equal(
        start(f, SIP_METHOD_INVITE, "z9hG4bK-d1", REQ_INV, false, &tu, NULL),
        0);
    f->now_ms = 1000;
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-d1", 180),
                     SIP_TXN_DELIVERED);
    assert_int_equal(tu.n_ev, 1);
    /* Proceeding has no timer, but a detached one gets 64*T1 */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 1000 + 32000);
    assert_int_equal(response(f, SIP_METHOD_INVITE, "z9hG4bK-d1", 183),
                     SIP_TXN_DELIVERED);
    assert_int_equal(tu.n_ev, 1);
    fx_advance_to(f, 33000);
    assert_int_equal(tu.n_ev, 1);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_timeouts, 0);
    /* detached in Calling: Timer B still ends it, silently */
    struct tu t2 = { 0 };
    struct sip_txn *x = NULL;
    assert_int_equal(
        start(f, SIP_METHOD_INVITE, "z9hG4bK-d2", REQ_INV, false, &t2, &x), 0);
    sip_txn_client_detach(x, f->now_ms);
    sip_txn_client_detach(NULL, f->now_ms);
    fx_advance_to(f, 33000 + 32000);
    assert_int_equal(t2.n_ev, 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
}

static void fini_with_live_clients_leaks_nothing(void **state)
{
    struct fx *f = *state;
    struct tu tu = { .ack_on_final = true };
    char branch[32];
    char big[2000];
    memset(big, 'b', sizeof(big));

    for (unsigned i = 0; i < 300; i++) {
        (void)snprintf(branch, sizeof(branch), "z9hG4bK-live-%u", i);
        enum sip_method m = i % 2 ? SIP_METHOD_INVITE : SIP_METHOD_OPTIONS;
        assert_int_equal(start(f, m, branch,
                               m == SIP_METHOD_INVITE ? REQ_INV : REQ_OPT,
                               i % 3 == 0, &tu, NULL),
                         0);
        if (i % 4 == 1) {
            assert_int_equal(response(f, m, branch, 180), SIP_TXN_DELIVERED);
        } else if (i % 4 == 3) {
            /* unreliable INVITE Completed with a stored ACK */
            struct sip_txn_key k = fx_key(m, branch, NULL, 0);
            assert_int_equal(
                sip_txn_client_on_response(&f->t, &k, 503, f->now_ms, NULL),
                SIP_TXN_DELIVERED);
        }
    }
    struct tu big_tu = { 0 };
    struct sip_txn_key k = fx_key(SIP_METHOD_MESSAGE, "z9hG4bK-big", NULL, 0);
    struct sip_txn_dest d = fx_dest(2);
    assert_int_equal(sip_txn_client_start(&f->t, &k, &d, big, sizeof(big),
                                          false, f->now_ms, tu_cb, &big_tu,
                                          NULL),
                     0);
    fx_advance_to(f, 1000);
    assert_true(sip_txn_table_stats(&f->t)->n_active > 200);
    /* teardown's fini frees them; no callback may run from fini */
    unsigned before = tu.n_ev;
    sip_txn_table_fini(&f->t);
    assert_int_equal(tu.n_ev, before);
    assert_int_equal(fx_init_cfg(f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(non_invite_timer_e_then_timeout, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(non_invite_provisional_then_final,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(non_invite_reliable, setup, teardown),
        cmocka_unit_test_setup_teardown(
            invite_stops_retransmitting_after_provisional, setup, teardown),
        cmocka_unit_test_setup_teardown(invite_timer_a_then_b, setup, teardown),
        cmocka_unit_test_setup_teardown(invite_2xx_terminates, setup, teardown),
        cmocka_unit_test_setup_teardown(invite_reliable_non_2xx, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cancel_is_a_separate_non_invite_txn,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(start_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(unmatched_responses_pass, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ack_refused_outside_completed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(timeout_callback_can_start_failover,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(detach_stops_reports_and_bounds_life,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(fini_with_live_clients_leaks_nothing,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
