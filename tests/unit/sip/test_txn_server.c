/* SPDX-License-Identifier: Apache-2.0 */
/* Server transactions: absorption, Timers G/H/I/J, ACK and CANCEL. */
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

#define R100 "SIP/2.0 100 Trying\r\n\r\n"
#define R180 "SIP/2.0 180 Ringing\r\n\r\n"
#define R200 "SIP/2.0 200 OK\r\n\r\n"
#define R401 "SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest x\r\n\r\n"
#define R486 "SIP/2.0 486 Busy Here\r\n\r\n"
#define R487 "SIP/2.0 487 Request Terminated\r\n\r\n"

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

/* Re-init the table of 'f' after changing f->cfg. */
static void reinit(struct fx *f)
{
    sip_txn_table_fini(&f->t);
    assert_int_equal(fx_init_cfg(f), 0);
}

static int respond(struct sip_txn *x, int status, const char *bytes,
                   uint64_t now_ms)
{
    return sip_txn_server_respond(x, status, bytes, strlen(bytes), now_ms);
}

static int recv_req(struct fx *f, const struct sip_txn_key *k, bool reliable,
                    struct sip_txn **x, struct sv *rs)
{
    struct sip_txn_dest d = fx_dest(7);
    return sip_txn_server_lookup_or_create(&f->t, k, &d, reliable, f->now_ms, x,
                                           rs);
}

static void client_cb_unused(void *ud, struct sip_txn *txn,
                             const struct sip_txn_event *ev)
{
    (void)ud;
    (void)txn;
    (void)ev;
}

static void register_retransmit_gets_stored_final(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_REGISTER, "z9hG4bK-reg-1", "192.0.2.10", 5060);
    struct sip_txn *x = NULL, *y = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_non_null(x);
    assert_int_equal(sip_txn_state(x), SIP_TXN_TRYING);
    assert_false(sip_txn_is_client(x));
    assert_int_equal(sip_txn_method(x), SIP_METHOD_REGISTER);
    assert_int_equal(sip_txn_dest(x)->conn_id, 7);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 1);

    /* §17.2.2: retransmission in Trying is discarded, nothing to resend */
    assert_int_equal(recv_req(f, &k, false, &y, &rs), SIP_TXN_ABSORB);
    assert_ptr_equal(y, x);
    assert_int_equal(rs.len, 0);
    assert_int_equal(f->n_sent, 0);

    assert_int_equal(respond(x, 401, R401, 0), 0);
    assert_int_equal(f->n_sent, 1);
    assert_int_equal(f->sent[0].len, strlen(R401));
    assert_int_equal(f->sent[0].dest.conn_id, 7);
    assert_int_equal(sip_txn_state(x), SIP_TXN_COMPLETED);
    assert_int_equal(sip_txn_last_status(x), 401);

    for (int i = 0; i < 3; i++) {
        f->now_ms = 100 + (uint64_t)i * 500;
        assert_int_equal(recv_req(f, &k, false, &y, &rs), SIP_TXN_RESEND);
        assert_ptr_equal(y, x);
        assert_int_equal(rs.len, strlen(R401));
        assert_memory_equal(rs.p, R401, rs.len);
    }
    /* the TU saw one request; the table sent nothing on its own */
    const struct sip_txn_stats *st = sip_txn_table_stats(&f->t);
    assert_int_equal(st->n_created, 1);
    assert_int_equal(st->n_absorbed, 4);
    assert_int_equal(f->n_sent, 1);
    /* non-INVITE has no Timer G: no retransmissions by timer */
    fx_advance_to(f, 31999);
    assert_int_equal(f->n_sent, 1);
    assert_int_equal(st->n_retransmits, 0);
}

static void non_invite_provisional_is_resent(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_OPTIONS, "z9hG4bK-opt", "192.0.2.10", 5060);
    struct sip_txn *x = NULL, *y = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(respond(x, 100, R100, 0), 0);
    assert_int_equal(sip_txn_state(x), SIP_TXN_PROCEEDING);
    assert_int_equal(recv_req(f, &k, false, &y, &rs), SIP_TXN_RESEND);
    assert_memory_equal(rs.p, R100, strlen(R100));
    /* a longer final replaces the stored provisional */
    char big[3000];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (char)('a' + i % 26); /* not a string: no NUL */
    }
    assert_int_equal(sip_txn_server_respond(x, 200, big, sizeof(big), 0), 0);
    assert_int_equal(recv_req(f, &k, false, &y, &rs), SIP_TXN_RESEND);
    assert_int_equal(rs.len, sizeof(big));
    assert_memory_equal(rs.p, big, sizeof(big));
}

static void non_invite_udp_dies_at_timer_j(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_REGISTER, "z9hG4bK-j", "192.0.2.10", 5060);
    struct sip_txn *x = NULL;
    struct sv rs;

    f->now_ms = 1000;
    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), UINT64_MAX);
    assert_int_equal(respond(x, 200, R200, 1000), 0);
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 1000 + 32000);

    assert_int_equal(sip_txn_table_run_timers(&f->t, 32999), 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 1);
    assert_int_equal(sip_txn_table_run_timers(&f->t, 33000), 1);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), UINT64_MAX);

    /* the same request after Timer J is a new transaction */
    f->now_ms = 33001;
    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
}

static void non_invite_tcp_dies_on_final(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_REGISTER, "z9hG4bK-tcp", "192.0.2.10", 0);
    struct sip_txn *x = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, true, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(respond(x, 100, R100, 0), 0);
    assert_int_equal(respond(x, 200, R200, 0), SIP_TXN_GONE);
    assert_int_equal(f->n_sent, 2);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), UINT64_MAX);
}

static void invite_486_retransmits_until_ack(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-inv", "198.51.100.7", 5060);
    struct sip_txn_key ack = k;
    ack.method = SIP_METHOD_ACK;
    struct sip_txn *x = NULL, *y = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(sip_txn_state(x), SIP_TXN_PROCEEDING);
    assert_int_equal(respond(x, 100, R100, 0), 0);
    assert_int_equal(respond(x, 486, R486, 0), 0);
    assert_int_equal(sip_txn_state(x), SIP_TXN_COMPLETED);
    assert_int_equal(f->n_sent, 2);

    fx_advance_to(f, 7999);
    static const uint64_t want[] = { 500, 1500, 3500, 7500 };
    assert_int_equal(f->n_sent, 2 + SW_ARRAY_LEN(want));
    for (unsigned i = 0; i < SW_ARRAY_LEN(want); i++) {
        assert_int_equal(f->sent[2 + i].at_ms, want[i]);
        assert_string_equal(f->sent[2 + i].bytes, R486);
    }
    /* a retransmitted INVITE gets the 486 again, not a new txn */
    f->now_ms = 8000;
    assert_int_equal(recv_req(f, &k, false, &y, &rs), SIP_TXN_RESEND);
    assert_memory_equal(rs.p, R486, strlen(R486));

    assert_int_equal(recv_req(f, &ack, false, &y, &rs), SIP_TXN_ABSORB);
    assert_ptr_equal(y, x);
    assert_int_equal(sip_txn_state(x), SIP_TXN_CONFIRMED);
    /* Timer I = T4 */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 8000 + 5000);
    unsigned sent = f->n_sent;
    fx_advance_to(f, 12999);
    assert_int_equal(f->n_sent, sent);
    /* in Confirmed, ACK and INVITE retransmissions are just absorbed */
    assert_int_equal(recv_req(f, &ack, false, &y, &rs), SIP_TXN_ABSORB);
    assert_int_equal(recv_req(f, &k, false, &y, &rs), SIP_TXN_ABSORB);
    assert_int_equal(rs.len, 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 1);
    fx_advance_to(f, 13000);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_retransmits, 4);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_timeouts, 0);
}

static void invite_times_out_at_timer_h(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-h", "198.51.100.7", 5060);
    struct sip_txn *x = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(respond(x, 486, R486, 0), 0);
    fx_advance_to(f, 40000);
    static const uint64_t want[] = { 500,   1500,  3500,  7500,  11500,
                                     15500, 19500, 23500, 27500, 31500 };
    assert_int_equal(f->n_sent, 1 + SW_ARRAY_LEN(want));
    for (unsigned i = 0; i < SW_ARRAY_LEN(want); i++) {
        assert_int_equal(f->sent[1 + i].at_ms, want[i]);
    }
    const struct sip_txn_stats *st = sip_txn_table_stats(&f->t);
    assert_int_equal(st->n_active, 0);
    assert_int_equal(st->n_timeouts, 1);
    assert_int_equal(st->n_retransmits, SW_ARRAY_LEN(want));
}

static void late_run_prefers_timeout(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-late", "198.51.100.7", 5060);
    struct sip_txn *x = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(respond(x, 486, R486, 0), 0);
    /* a loop stalled for a minute: one expiry, no burst of resends */
    assert_int_equal(sip_txn_table_run_timers(&f->t, 60000), 1);
    assert_int_equal(f->n_sent, 1);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
}

static void invite_tcp_no_timer_g_and_ack_ends_it(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-itcp", "198.51.100.7", 0);
    struct sip_txn_key ack = k;
    ack.method = SIP_METHOD_ACK;
    struct sip_txn *x = NULL, *y = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, true, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(respond(x, 603, "SIP/2.0 603 Decline\r\n\r\n", 0), 0);
    /* Timer H still waits for the ACK; Timer G is off */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 32000);
    fx_advance_to(f, 20000);
    assert_int_equal(f->n_sent, 1);
    assert_int_equal(recv_req(f, &ack, true, &y, &rs), SIP_TXN_ABSORB);
    assert_null(y); /* Timer I is zero: gone */
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
}

static void invite_2xx_terminates(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-2xx", "198.51.100.7", 5060);
    struct sip_txn_key ack = k;
    ack.method = SIP_METHOD_ACK;
    struct sip_txn *x = NULL;
    struct sv rs;
    int ctx = 0;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    sip_txn_set_ud(x, &ctx);
    assert_int_equal(respond(x, 180, R180, 0), 0);
    assert_int_equal(respond(x, 200, R200, 0), SIP_TXN_GONE);
    assert_int_equal(f->n_sent, 2);
    assert_string_equal(f->sent[1].bytes, R200);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    /* RFC 3261: the ACK (even with the INVITE's branch) goes to the TU */
    assert_int_equal(recv_req(f, &ack, false, &x, &rs), SIP_TXN_PASS);
    assert_null(x);
}

static void invite_rfc6026_accepted(void **state)
{
    struct fx *f = *state;
    f->cfg.rfc6026_accepted = true;
    reinit(f);
    struct sip_txn_key k =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-6026", "198.51.100.7", 5060);
    struct sip_txn_key ack = k;
    ack.method = SIP_METHOD_ACK;
    struct sip_txn *x = NULL, *y = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(respond(x, 180, R180, 0), 0);
    assert_int_equal(respond(x, 200, R200, 0), 0);
    assert_int_equal(sip_txn_state(x), SIP_TXN_ACCEPTED);
    /* INVITE retransmissions are absorbed, not resent, not passed up */
    assert_int_equal(recv_req(f, &k, false, &y, &rs), SIP_TXN_ABSORB);
    assert_int_equal(rs.len, 0);
    /* the 2xx ACK goes to the TU, with the transaction */
    assert_int_equal(recv_req(f, &ack, false, &y, &rs), SIP_TXN_PASS);
    assert_ptr_equal(y, x);
    /* the TU's 2xx retransmissions go out; non-2xx is refused */
    assert_int_equal(respond(x, 200, R200, 1000), 0);
    assert_int_equal(f->n_sent, 3);
    assert_int_equal(respond(x, 486, R486, 1000), -EINVAL);
    assert_int_equal(f->n_sent, 3);
    /* Timer L = 64*T1 from the first 2xx */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), 32000);
    fx_advance_to(f, 32000);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
}

static void invite_proceeding_resends_provisional(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-prov", "198.51.100.7", 5060);
    struct sip_txn_key ack = k;
    ack.method = SIP_METHOD_ACK;
    struct sip_txn *x = NULL, *y = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    /* no provisional yet: nothing to resend */
    assert_int_equal(recv_req(f, &k, false, &y, &rs), SIP_TXN_ABSORB);
    assert_int_equal(rs.len, 0);
    assert_int_equal(respond(x, 100, R100, 0), 0);
    assert_int_equal(respond(x, 180, R180, 0), 0);
    assert_int_equal(recv_req(f, &k, false, &y, &rs), SIP_TXN_RESEND);
    assert_memory_equal(rs.p, R180, strlen(R180));
    /* an ACK before any final acknowledges nothing: dropped */
    assert_int_equal(recv_req(f, &ack, false, &y, &rs), SIP_TXN_ABSORB);
    assert_int_equal(sip_txn_state(x), SIP_TXN_PROCEEDING);
    /* provisionals are never retransmitted by timer */
    assert_int_equal(sip_txn_table_next_deadline_ms(&f->t), UINT64_MAX);
}

static void table_full_refuses_new(void **state)
{
    struct fx *f = *state;
    f->cfg.max_entries = 2;
    reinit(f);
    struct sip_txn_key k1 =
        fx_key(SIP_METHOD_REGISTER, "z9hG4bK-1", "192.0.2.1", 5060);
    struct sip_txn_key k2 =
        fx_key(SIP_METHOD_REGISTER, "z9hG4bK-2", "192.0.2.1", 5060);
    struct sip_txn_key k3 =
        fx_key(SIP_METHOD_REGISTER, "z9hG4bK-3", "192.0.2.1", 5060);
    struct sip_txn *x1 = NULL, *x2 = NULL, *x3 = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k1, false, &x1, &rs), SIP_TXN_NEW);
    assert_int_equal(recv_req(f, &k2, true, &x2, &rs), SIP_TXN_NEW);
    assert_int_equal(recv_req(f, &k3, false, &x3, &rs), -ENOSPC);
    assert_null(x3);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_refused_full, 1);
    /* retransmissions of live transactions still match while full */
    assert_int_equal(respond(x1, 200, R200, 0), 0);
    assert_int_equal(recv_req(f, &k1, false, &x3, &rs), SIP_TXN_RESEND);
    /* client transactions count too */
    struct sip_txn_key ck = fx_key(SIP_METHOD_OPTIONS, "z9hG4bK-c", NULL, 0);
    struct sip_txn_dest d = fx_dest(1);
    assert_int_equal(sip_txn_client_start(&f->t, &ck, &d, "OPTIONS", 7, false,
                                          0, client_cb_unused, NULL, NULL),
                     -ENOSPC);
    assert_int_equal(f->n_sent, 1);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_refused_full, 2);
    /* room again once one ends */
    assert_int_equal(respond(x2, 200, R200, 0), SIP_TXN_GONE);
    assert_int_equal(recv_req(f, &k3, false, &x3, &rs), SIP_TXN_NEW);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_refused_full, 2);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 2);
}

static void cancel_has_own_txn_and_finds_invite(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key inv =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-c1", "203.0.113.5", 5070);
    struct sip_txn_key can = inv;
    can.method = SIP_METHOD_CANCEL;
    struct sip_txn *xi = NULL, *xc = NULL, *y = NULL;
    struct sv rs;
    int call_ctx = 42;

    assert_int_equal(recv_req(f, &inv, false, &xi, &rs), SIP_TXN_NEW);
    sip_txn_set_ud(xi, &call_ctx);
    assert_int_equal(respond(xi, 180, R180, 0), 0);
    assert_int_equal(recv_req(f, &can, false, &xc, &rs), SIP_TXN_NEW);
    assert_ptr_not_equal(xc, xi);
    assert_int_equal(sip_txn_method(xc), SIP_METHOD_CANCEL);
    assert_ptr_equal(sip_txn_server_find_invite(&f->t, &can), xi);
    assert_ptr_equal(sip_txn_ud(sip_txn_server_find_invite(&f->t, &can)),
                     &call_ctx);
    /* CANCEL for another branch targets nothing */
    struct sip_txn_key other = can;
    other.branch = SV_LIT("z9hG4bK-c2");
    assert_null(sip_txn_server_find_invite(&f->t, &other));

    assert_int_equal(respond(xc, 200, R200, 0), 0);
    assert_int_equal(respond(xi, 487, R487, 0), 0);
    /* a final response forgets the TU context */
    assert_null(sip_txn_ud(xi));
    /* the CANCEL retransmission gets its 200, not the INVITE's 487 */
    assert_int_equal(recv_req(f, &can, false, &y, &rs), SIP_TXN_RESEND);
    assert_ptr_equal(y, xc);
    assert_memory_equal(rs.p, R200, strlen(R200));
    assert_int_equal(recv_req(f, &inv, false, &y, &rs), SIP_TXN_RESEND);
    assert_memory_equal(rs.p, R487, strlen(R487));
}

static void ack_matching(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key inv =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-a1", "203.0.113.5", 5060);
    struct sip_txn *x = NULL, *y = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &inv, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(respond(x, 486, R486, 0), 0);

    struct sip_txn_key ack = inv;
    ack.method = SIP_METHOD_ACK;
    ack.branch = SV_LIT("z9hG4bK-a2");
    assert_int_equal(recv_req(f, &ack, false, &y, &rs), SIP_TXN_PASS);
    assert_null(y);
    ack = inv;
    ack.method = SIP_METHOD_ACK;
    ack.host = SV_LIT("203.0.113.6");
    assert_int_equal(recv_req(f, &ack, false, &y, &rs), SIP_TXN_PASS);
    ack.host = inv.host;
    ack.port = 5062;
    assert_int_equal(recv_req(f, &ack, false, &y, &rs), SIP_TXN_PASS);
    assert_int_equal(sip_txn_state(x), SIP_TXN_COMPLETED);
    /* find() maps an ACK key to its INVITE transaction */
    struct sip_txn_key fk =
        fx_key(SIP_METHOD_ACK, "z9hG4bK-a1", "203.0.113.5", 5060);
    assert_ptr_equal(sip_txn_server_find(&f->t, &fk), x);
    ack.port = inv.port;
    assert_int_equal(recv_req(f, &ack, false, &y, &rs), SIP_TXN_ABSORB);
    assert_ptr_equal(y, x);
    assert_int_equal(sip_txn_state(x), SIP_TXN_CONFIRMED);
    /* ACK never creates a transaction */
    assert_int_equal(sip_txn_table_stats(&f->t)->n_created, 1);
}

static void key_fields_separate_transactions(void **state)
{
    struct fx *f = *state;
    struct sip_txn *a = NULL, *b = NULL;
    struct sv rs;

    struct sip_txn_key reg =
        fx_key(SIP_METHOD_REGISTER, "z9hG4bK-k", "Host.Example", 5060);
    struct sip_txn_key opt = reg;
    opt.method = SIP_METHOD_OPTIONS;
    assert_int_equal(recv_req(f, &reg, false, &a, &rs), SIP_TXN_NEW);
    assert_int_equal(recv_req(f, &opt, false, &b, &rs), SIP_TXN_NEW);
    assert_ptr_not_equal(a, b);

    struct sip_txn_key lower = reg;
    lower.host = SV_LIT("host.example");
    assert_int_equal(recv_req(f, &lower, false, &b, &rs), SIP_TXN_ABSORB);
    assert_ptr_equal(a, b);

    struct sip_txn_key noport = reg;
    noport.port = 0;
    assert_int_equal(recv_req(f, &noport, false, &b, &rs), SIP_TXN_NEW);
    assert_ptr_not_equal(a, b);

    /* branch is compared byte for byte */
    struct sip_txn_key caseb = reg;
    caseb.branch = SV_LIT("z9hG4bK-K");
    assert_int_equal(recv_req(f, &caseb, false, &b, &rs), SIP_TXN_NEW);

    /* extension methods: compared by name, case-sensitively */
    struct sip_txn_key foo = reg;
    foo.method = SIP_METHOD_UNKNOWN;
    foo.method_name = SV_LIT("FOO");
    struct sip_txn_key bar = foo;
    bar.method_name = SV_LIT("BAR");
    struct sip_txn *xf = NULL;
    assert_int_equal(recv_req(f, &foo, false, &xf, &rs), SIP_TXN_NEW);
    assert_int_equal(recv_req(f, &bar, false, &b, &rs), SIP_TXN_NEW);
    assert_ptr_not_equal(xf, b);
    assert_int_equal(recv_req(f, &foo, false, &b, &rs), SIP_TXN_ABSORB);
    assert_ptr_equal(xf, b);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 6);
}

static void old_branch_passes_through(void **state)
{
    struct fx *f = *state;
    struct sip_txn *x = (struct sip_txn *)&x;
    struct sv rs;
    static const char *const branches[] = { "1234abcd", "", "z9hG4bK",
                                            "Z9HG4BK-upper" };

    for (unsigned i = 0; i < SW_ARRAY_LEN(branches); i++) {
        struct sip_txn_key k =
            fx_key(SIP_METHOD_REGISTER, branches[i], "192.0.2.1", 5060);
        assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_PASS);
        assert_null(x);
        assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_PASS);
    }
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_created, 0);
}

static void respond_errors_change_nothing(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_REGISTER, "z9hG4bK-e", "192.0.2.1", 5060);
    struct sip_txn *x = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(respond(x, 99, R100, 0), -EINVAL);
    assert_int_equal(respond(x, 700, R200, 0), -EINVAL);
    assert_int_equal(sip_txn_server_respond(x, 200, R200, 0, 0), -EMSGSIZE);
    assert_int_equal(sip_txn_server_respond(x, 200, NULL, 5, 0), -EINVAL);
    char *huge = calloc(1, SIP_MAX_MSG_LEN + 1);
    assert_non_null(huge);
    assert_int_equal(
        sip_txn_server_respond(x, 200, huge, SIP_MAX_MSG_LEN + 1, 0),
        -EMSGSIZE);
    /* exactly the cap is fine */
    assert_int_equal(sip_txn_server_respond(x, 200, huge, SIP_MAX_MSG_LEN, 0),
                     0);
    free(huge);
    assert_int_equal(f->n_sent, 1);
    /* §17.2.2: another final in Completed is refused, nothing sent */
    assert_int_equal(respond(x, 500, "SIP/2.0 500 X\r\n\r\n", 0), -EINVAL);
    assert_int_equal(respond(x, 180, R180, 0), -EINVAL);
    assert_int_equal(f->n_sent, 1);
    assert_int_equal(sip_txn_last_status(x), 200);
    assert_int_equal(sip_txn_server_respond(NULL, 200, R200, 4, 0), -EINVAL);
}

static void overlong_key_fields_refused(void **state)
{
    struct fx *f = *state;
    char longs[SIP_TXN_MAX_KEY_FIELD + 2];
    memset(longs, 'a', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = '\0';
    memcpy(longs, SIP_TXN_MAGIC_COOKIE, 7);
    struct sip_txn *x = NULL;
    struct sv rs;

    struct sip_txn_key k = fx_key(SIP_METHOD_REGISTER, longs, "h", 5060);
    assert_int_equal(recv_req(f, &k, false, &x, &rs), -EINVAL);
    k = fx_key(SIP_METHOD_REGISTER, "z9hG4bK-ok", longs, 5060);
    assert_int_equal(recv_req(f, &k, false, &x, &rs), -EINVAL);
    /* exactly at the cap is accepted */
    longs[SIP_TXN_MAX_KEY_FIELD] = '\0';
    k = fx_key(SIP_METHOD_REGISTER, longs, longs, 5060);
    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_ABSORB);
    assert_null(sip_txn_server_find(&f->t, NULL));
}

static void abandon_frees(void **state)
{
    struct fx *f = *state;
    struct sip_txn_key k =
        fx_key(SIP_METHOD_INVITE, "z9hG4bK-ab", "192.0.2.1", 5060);
    struct sip_txn *x = NULL;
    struct sv rs;

    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
    assert_int_equal(respond(x, 100, R100, 0), 0);
    sip_txn_server_abandon(x);
    sip_txn_server_abandon(NULL);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    assert_null(sip_txn_server_find(&f->t, &k));
    assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
}

/* Live transactions in every state, then fini: ASan finds any leak. */
static void fini_with_live_txns_leaks_nothing(void **state)
{
    struct fx *f = *state;
    f->cfg.rfc6026_accepted = true;
    reinit(f);
    char branch[32], host[32];
    struct sip_txn *x = NULL;
    struct sv rs;

    for (unsigned i = 0; i < 600; i++) {
        (void)snprintf(branch, sizeof(branch), "z9hG4bK-%u", i);
        (void)snprintf(host, sizeof(host), "10.0.%u.%u", i / 250, i % 250);
        enum sip_method m = i % 2 ? SIP_METHOD_INVITE : SIP_METHOD_REGISTER;
        struct sip_txn_key k = fx_key(m, branch, host, 5060);
        assert_int_equal(recv_req(f, &k, false, &x, &rs), SIP_TXN_NEW);
        switch (i % 6) {
        case 0: /* Trying */
            break;
        case 1: /* INVITE Proceeding with a stored provisional */
        case 2: /* non-INVITE Proceeding */
            assert_int_equal(respond(x, 100, R100, 0), 0);
            break;
        case 3: /* INVITE Completed, Timer G running */
        case 4: /* non-INVITE Completed */
            assert_int_equal(respond(x, 100, R100, 0), 0);
            assert_int_equal(respond(x, 486, R486, 0), 0);
            if (i % 2 && i % 4 == 1) {
                struct sip_txn_key ack = k;
                ack.method = SIP_METHOD_ACK;
                assert_int_equal(recv_req(f, &ack, false, &x, &rs),
                                 SIP_TXN_ABSORB);
            }
            break;
        default: /* INVITE Accepted */
            assert_int_equal(respond(x, 200, R200, 0), 0);
            break;
        }
    }
    struct sip_txn_key ck = fx_key(SIP_METHOD_INVITE, "z9hG4bK-cl", NULL, 0);
    struct sip_txn_dest d = fx_dest(3);
    assert_int_equal(sip_txn_client_start(&f->t, &ck, &d, "INVITE x", 8, false,
                                          0, client_cb_unused, NULL, NULL),
                     0);
    fx_advance_to(f, 2000);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 601);
    sip_txn_table_fini(&f->t);
    assert_int_equal(sip_txn_table_stats(&f->t)->n_active, 0);
    sip_txn_table_fini(&f->t);           /* idempotent */
    assert_int_equal(fx_init_cfg(f), 0); /* for teardown */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(register_retransmit_gets_stored_final,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(non_invite_provisional_is_resent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(non_invite_udp_dies_at_timer_j, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(non_invite_tcp_dies_on_final, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(invite_486_retransmits_until_ack, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(invite_times_out_at_timer_h, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(late_run_prefers_timeout, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(invite_tcp_no_timer_g_and_ack_ends_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(invite_2xx_terminates, setup, teardown),
        cmocka_unit_test_setup_teardown(invite_rfc6026_accepted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(invite_proceeding_resends_provisional,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(table_full_refuses_new, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cancel_has_own_txn_and_finds_invite,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(ack_matching, setup, teardown),
        cmocka_unit_test_setup_teardown(key_fields_separate_transactions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(old_branch_passes_through, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(respond_errors_change_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(overlong_key_fields_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(abandon_frees, setup, teardown),
        cmocka_unit_test_setup_teardown(fini_with_live_txns_leaks_nothing,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
