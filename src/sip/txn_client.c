/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Client transactions (RFC 3261 §17.1): request retransmission (Timer A,
 * E), timeouts (B, F), absorption of response retransmissions (D, K) and
 * re-sending the TU's ACK for a retransmitted non-2xx final. Building the
 * ACK and CANCEL requests, and Timer C, belong to the TU.
 */
#include "sip/txn.h"

#include <errno.h>
#include <string.h>

#include "base/check.h"
#include "sip/txn_int.h"

static uint64_t timer_64t1(const struct sip_txn_table *t)
{
    return 64 * (uint64_t)t->cfg.t1_ms;
}

int sip_txn_client_start(struct sip_txn_table *t, const struct sip_txn_key *key,
                         const struct sip_txn_dest *dest, const char *req,
                         size_t len, bool reliable, uint64_t now_ms,
                         sip_txn_client_fn *cb, void *ud, struct sip_txn **out)
{
    if (t == NULL || key == NULL || dest == NULL || req == NULL || cb == NULL) {
        return -EINVAL;
    }
    /* §17.1.1.1: ACK to a non-2xx is part of the INVITE transaction, ACK
     * to a 2xx is no transaction at all */
    if (key->method == SIP_METHOD_ACK || txn_key_check(key, true) != 0
        || !sip_txn_branch_is_rfc3261(key->branch)) {
        return -EINVAL;
    }
    if (len == 0 || len > SIP_MAX_MSG_LEN) {
        return -EMSGSIZE;
    }
    uint32_t hash = txn_key_hash(t, key, true);
    if (txn_lookup(t, key, true, hash) != NULL) {
        return -EEXIST;
    }
    int rc = 0;
    struct sip_txn *x = txn_new(t, key, true, hash, len, &rc);
    if (x == NULL) {
        return rc;
    }
    memcpy(x->msg, req, len);
    x->msg_len = (uint32_t)len;
    x->dest = *dest;
    x->reliable = reliable;
    x->cb = cb;
    x->ud = ud;
    x->state =
        key->method == SIP_METHOD_INVITE ? SIP_TXN_CALLING : SIP_TXN_TRYING;
    x->timeout_at_ms = now_ms + timer_64t1(t); /* Timer B / F */
    if (!reliable) {
        x->retrans_ms = t->cfg.t1_ms; /* Timer A / E */
        x->retrans_at_ms = now_ms + x->retrans_ms;
    }
    txn_timers_changed(x);
    txn_send_msg(x);
    if (out != NULL) {
        *out = x;
    }
    return 0;
}

static void report(struct sip_txn *x, enum sip_txn_event_kind kind, int status,
                   const void *resp)
{
    if (x->cb == NULL) {
        return;
    }
    struct sip_txn_event ev = { .kind = kind, .status = status, .resp = resp };
    x->cb(x->ud, x, &ev);
}

/* Last report: take it out of the table first so the callback cannot
 * reach it again, then free it. */
static void report_and_destroy(struct sip_txn *x, enum sip_txn_event_kind kind,
                               int status, const void *resp)
{
    txn_unlink(x);
    report(x, kind, status, resp);
    txn_destroy(x);
}

static int non_invite_response(struct sip_txn *x, int status, uint64_t now_ms,
                               const void *resp)
{
    struct sip_txn_table *t = x->table;
    if (x->state == SIP_TXN_COMPLETED) {
        /* §17.1.2.2: retransmissions are absorbed in Completed */
        t->stats.n_absorbed++;
        return SIP_TXN_ABSORB;
    }
    x->last_status = (int16_t)status;
    if (status < 200) {
        /* Timer E keeps running; it switches to T2 in Proceeding */
        x->state = SIP_TXN_PROCEEDING;
        report(x, SIP_TXN_EV_PROVISIONAL, status, resp);
        return SIP_TXN_DELIVERED;
    }
    x->state = SIP_TXN_COMPLETED;
    if (x->reliable) {
        /* Timer K is zero on reliable transports */
        report_and_destroy(x, SIP_TXN_EV_FINAL, status, resp);
        return SIP_TXN_DELIVERED;
    }
    x->retrans_at_ms = TXN_NO_TIMER;
    x->timeout_at_ms = now_ms + t->cfg.t4_ms; /* Timer K */
    txn_timers_changed(x);
    report(x, SIP_TXN_EV_FINAL, status, resp);
    return SIP_TXN_DELIVERED;
}

static int invite_response(struct sip_txn *x, int status, uint64_t now_ms,
                           const void *resp)
{
    struct sip_txn_table *t = x->table;
    if (x->state == SIP_TXN_COMPLETED) {
        t->stats.n_absorbed++;
        if (status >= 300 && x->has_ack) {
            /* §17.1.1.2: a retransmitted final gets the ACK again */
            txn_send_msg(x);
        }
        return SIP_TXN_ABSORB;
    }
    x->last_status = (int16_t)status;
    if (status < 200) {
        /* §17.1.1.2: Proceeding stops Timer A; Timer B only covers
         * Calling. A detached transaction keeps its deadline. */
        x->state = SIP_TXN_PROCEEDING;
        x->retrans_at_ms = TXN_NO_TIMER;
        if (x->cb != NULL) {
            x->timeout_at_ms = TXN_NO_TIMER;
        }
        txn_timers_changed(x);
        report(x, SIP_TXN_EV_PROVISIONAL, status, resp);
        return SIP_TXN_DELIVERED;
    }
    if (status < 300) {
        /* RFC 3261 §17.1.1.2: 2xx terminates, the TU ACKs end to end and
         * sees 2xx retransmissions statelessly */
        x->state = SIP_TXN_TERMINATED;
        report_and_destroy(x, SIP_TXN_EV_FINAL, status, resp);
        return SIP_TXN_DELIVERED;
    }
    x->state = SIP_TXN_COMPLETED;
    if (x->reliable) {
        /* Timer D is zero on reliable transports */
        report_and_destroy(x, SIP_TXN_EV_FINAL, status, resp);
        return SIP_TXN_DELIVERED;
    }
    x->retrans_at_ms = TXN_NO_TIMER;
    x->timeout_at_ms = now_ms + t->cfg.timer_d_ms; /* Timer D */
    txn_timers_changed(x);
    report(x, SIP_TXN_EV_FINAL, status, resp);
    return SIP_TXN_DELIVERED;
}

int sip_txn_client_on_response(struct sip_txn_table *t,
                               const struct sip_txn_key *key, int status,
                               uint64_t now_ms, const void *resp)
{
    if (t == NULL || key == NULL || status < 100 || status > 699) {
        return -EINVAL;
    }
    if (txn_key_check(key, true) != 0
        || !sip_txn_branch_is_rfc3261(key->branch)) {
        return SIP_TXN_PASS; /* cannot be one of ours */
    }
    struct sip_txn *x = txn_lookup(t, key, true, txn_key_hash(t, key, true));
    if (x == NULL) {
        return SIP_TXN_PASS;
    }
    if (x->method == SIP_METHOD_INVITE) {
        return invite_response(x, status, now_ms, resp);
    }
    return non_invite_response(x, status, now_ms, resp);
}

int sip_txn_client_ack(struct sip_txn *x, const char *ack, size_t len)
{
    if (x == NULL || ack == NULL || !x->is_client
        || x->method != SIP_METHOD_INVITE || x->state != SIP_TXN_COMPLETED) {
        return -EINVAL;
    }
    if (len == 0 || len > SIP_MAX_MSG_LEN) {
        return -EMSGSIZE;
    }
    /* the request is no longer needed: the ACK takes its place */
    int rc = txn_store_msg(x, ack, len);
    if (rc != 0) {
        return rc;
    }
    x->has_ack = true;
    txn_send_msg(x);
    return 0;
}

void sip_txn_client_detach(struct sip_txn *x, uint64_t now_ms)
{
    if (x == NULL) {
        return;
    }
    SW_ASSERT(x->is_client);
    x->cb = NULL;
    x->ud = NULL;
    if (x->pprev != NULL && txn_deadline(x) == TXN_NO_TIMER) {
        /* INVITE in Proceeding has no timer: bound its life */
        x->timeout_at_ms = now_ms + timer_64t1(x->table);
        txn_timers_changed(x);
    }
}

void txn_client_expire(struct sip_txn *x, uint64_t now_ms)
{
    struct sip_txn_table *t = x->table;
    if (x->timeout_at_ms <= now_ms) {
        if (x->state == SIP_TXN_COMPLETED) {
            txn_destroy(x); /* Timer D / K */
            return;
        }
        /* Timer B / F (§17.1.1.2, §17.1.2.2): report as a 408. An INVITE
         * in Proceeding gets here only when detached: nobody listens. */
        if (x->state != SIP_TXN_PROCEEDING || x->method != SIP_METHOD_INVITE) {
            t->stats.n_timeouts++;
        }
        x->state = SIP_TXN_TERMINATED;
        report_and_destroy(x, SIP_TXN_EV_TIMEOUT, 408, NULL);
        return;
    }
    SW_BUG_ON(x->retrans_at_ms > now_ms);
    txn_send_msg(x);
    t->stats.n_retransmits++;
    uint64_t next = (uint64_t)x->retrans_ms * 2;
    if (x->method == SIP_METHOD_INVITE) {
        /* Timer A doubles without a cap; Timer B ends it */
        next = SW_MIN(next, timer_64t1(t));
    } else if (x->state == SIP_TXN_PROCEEDING) {
        next = t->cfg.t2_ms; /* §17.1.2.2: Timer E = T2 in Proceeding */
    } else {
        next = SW_MIN(next, (uint64_t)t->cfg.t2_ms);
    }
    x->retrans_ms = (uint32_t)SW_MIN(next, (uint64_t)UINT32_MAX);
    x->retrans_at_ms = now_ms + x->retrans_ms;
    txn_timers_changed(x);
}
