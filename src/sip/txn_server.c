/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Server transactions (RFC 3261 §17.2): request retransmission absorption,
 * ACK matching for non-2xx finals, Timer G/H/I/J and the optional RFC 6026
 * Accepted state (Timer L). Building the responses, and deciding what to
 * answer, is the TU's job.
 */
#include "sip/txn.h"

#include <errno.h>
#include <stdlib.h>

#include "base/check.h"
#include "sip/txn_int.h"

static uint64_t timer_64t1(const struct sip_txn_table *t)
{
    return 64 * (uint64_t)t->cfg.t1_ms;
}

/* Forget the stored response when nothing can ask for it again. */
static void drop_msg(struct sip_txn *x)
{
    if (x->msg_is_owned) {
        free(x->msg);
    }
    x->msg = NULL;
    x->msg_len = 0;
    x->msg_cap = 0;
    x->msg_is_owned = false;
}

/* RFC 3261 §17.2.1, §17.2.2: a request matched a live transaction. */
static int on_retransmit(struct sip_txn *x, struct sv *resend)
{
    x->table->stats.n_absorbed++;
    switch ((enum sip_txn_state)x->state) {
    case SIP_TXN_PROCEEDING:
    case SIP_TXN_COMPLETED:
        if (x->msg_len > 0) {
            *resend = sv_make(x->msg, x->msg_len);
            return SIP_TXN_RESEND;
        }
        return SIP_TXN_ABSORB;
    case SIP_TXN_TRYING:    /* §17.2.2: discard, no response yet */
    case SIP_TXN_CONFIRMED: /* §17.2.1: absorbed */
    case SIP_TXN_ACCEPTED:  /* RFC 6026 §8.7: not passed to the TU */
    case SIP_TXN_CALLING:
    case SIP_TXN_TERMINATED:
        break;
    }
    return SIP_TXN_ABSORB;
}

/* RFC 3261 §17.2.1, §17.2.3: the ACK matches the INVITE's transaction. */
static int on_ack(struct sip_txn_table *t, const struct sip_txn_key *key,
                  uint64_t now_ms, struct sip_txn **txn)
{
    struct sip_txn_key ik = *key;
    ik.method = SIP_METHOD_INVITE;
    struct sip_txn *x = txn_lookup(t, &ik, false, txn_key_hash(t, &ik, false));
    if (x == NULL) {
        /* ACK for a 2xx (own transaction, end to end) or for a gone one */
        return SIP_TXN_PASS;
    }
    *txn = x;
    switch ((enum sip_txn_state)x->state) {
    case SIP_TXN_ACCEPTED:
        /* RFC 6026 §8.7: the 2xx ACK goes to the TU */
        return SIP_TXN_PASS;
    case SIP_TXN_COMPLETED:
        t->stats.n_absorbed++;
        x->state = SIP_TXN_CONFIRMED;
        x->retrans_at_ms = TXN_NO_TIMER; /* Timer G stops */
        x->timeout_at_ms = TXN_NO_TIMER; /* Timer H stops */
        drop_msg(x);
        if (x->reliable) {
            /* Timer I is zero on reliable transports */
            txn_destroy(x);
            *txn = NULL;
            return SIP_TXN_ABSORB;
        }
        x->timeout_at_ms = now_ms + t->cfg.t4_ms; /* Timer I */
        txn_timers_changed(x);
        return SIP_TXN_ABSORB;
    case SIP_TXN_CONFIRMED:
    case SIP_TXN_PROCEEDING: /* no final response to acknowledge yet */
    case SIP_TXN_TRYING:
    case SIP_TXN_CALLING:
    case SIP_TXN_TERMINATED:
        break;
    }
    t->stats.n_absorbed++;
    return SIP_TXN_ABSORB;
}

int sip_txn_server_lookup_or_create(struct sip_txn_table *t,
                                    const struct sip_txn_key *key,
                                    const struct sip_txn_dest *dest,
                                    bool reliable, uint64_t now_ms,
                                    struct sip_txn **txn, struct sv *resend)
{
    if (t == NULL || key == NULL || dest == NULL || txn == NULL
        || resend == NULL) {
        return -EINVAL;
    }
    *txn = NULL;
    *resend = SV_NULL;
    int rc = txn_key_check(key, false);
    if (rc != 0) {
        return rc;
    }
    if (!sip_txn_branch_is_rfc3261(key->branch)) {
        /* RFC 2543 matching is not supported: stateless pass-through */
        return SIP_TXN_PASS;
    }
    if (key->method == SIP_METHOD_ACK) {
        return on_ack(t, key, now_ms, txn);
    }
    uint32_t hash = txn_key_hash(t, key, false);
    struct sip_txn *x = txn_lookup(t, key, false, hash);
    if (x != NULL) {
        *txn = x;
        return on_retransmit(x, resend);
    }
    x = txn_new(t, key, false, hash, 0, &rc);
    if (x == NULL) {
        return rc;
    }
    x->dest = *dest;
    x->reliable = reliable;
    x->state =
        key->method == SIP_METHOD_INVITE ? SIP_TXN_PROCEEDING : SIP_TXN_TRYING;
    *txn = x;
    return SIP_TXN_NEW;
}

static bool state_takes(const struct sip_txn *x, int status)
{
    switch ((enum sip_txn_state)x->state) {
    case SIP_TXN_TRYING:
    case SIP_TXN_PROCEEDING:
        return true;
    case SIP_TXN_ACCEPTED:
        /* RFC 6026 §8.5: 2xx retransmissions from the TU are sent */
        return status >= 200 && status < 300;
    case SIP_TXN_COMPLETED: /* §17.2.2: further finals are discarded */
    case SIP_TXN_CONFIRMED:
    case SIP_TXN_CALLING:
    case SIP_TXN_TERMINATED:
        break;
    }
    return false;
}

static void send_direct(struct sip_txn *x, const char *bytes, size_t len)
{
    x->table->send(x->table->send_ud, &x->dest, bytes, len);
}

int sip_txn_server_respond(struct sip_txn *x, int status, const char *bytes,
                           size_t len, uint64_t now_ms)
{
    if (x == NULL || x->is_client || bytes == NULL || status < 100
        || status > 699) {
        return -EINVAL;
    }
    if (len == 0 || len > SIP_MAX_MSG_LEN) {
        return -EMSGSIZE;
    }
    if (!state_takes(x, status)) {
        return -EINVAL;
    }
    struct sip_txn_table *t = x->table;
    bool is_invite = x->method == SIP_METHOD_INVITE;

    if (is_invite && status >= 200 && status < 300) {
        /* RFC 3261 §17.2.1: a 2xx ends the transaction, the TU (UAS core
         * or proxy) retransmits it; RFC 6026 keeps absorbing. */
        send_direct(x, bytes, len);
        x->last_status = (int16_t)status;
        x->ud = NULL;
        if (!t->cfg.rfc6026_accepted) {
            txn_destroy(x);
            return SIP_TXN_GONE;
        }
        if (x->state != SIP_TXN_ACCEPTED) {
            x->state = SIP_TXN_ACCEPTED;
            drop_msg(x);
            x->timeout_at_ms = now_ms + timer_64t1(t); /* Timer L */
            txn_timers_changed(x);
        }
        return 0;
    }

    int rc = txn_store_msg(x, bytes, len);
    if (rc != 0) {
        return rc;
    }
    x->last_status = (int16_t)status;
    txn_send_msg(x);
    if (status < 200) {
        if (x->state == SIP_TXN_TRYING) {
            x->state = SIP_TXN_PROCEEDING;
        }
        return 0;
    }

    x->state = SIP_TXN_COMPLETED;
    x->ud = NULL;
    if (!is_invite) {
        if (x->reliable) {
            /* Timer J is zero on reliable transports */
            txn_destroy(x);
            return SIP_TXN_GONE;
        }
        x->timeout_at_ms = now_ms + timer_64t1(t); /* Timer J */
        txn_timers_changed(x);
        return 0;
    }
    x->timeout_at_ms = now_ms + timer_64t1(t); /* Timer H, any transport */
    if (!x->reliable) {
        x->retrans_ms = t->cfg.t1_ms; /* Timer G */
        x->retrans_at_ms = now_ms + x->retrans_ms;
    }
    txn_timers_changed(x);
    return 0;
}

void txn_server_expire(struct sip_txn *x, uint64_t now_ms)
{
    struct sip_txn_table *t = x->table;
    if (x->timeout_at_ms <= now_ms) {
        if (x->state == SIP_TXN_COMPLETED && x->method == SIP_METHOD_INVITE) {
            /* Timer H: the ACK never came (§17.2.1) */
            t->stats.n_timeouts++;
        }
        /* Timers H, I, J, L all end the transaction */
        txn_destroy(x);
        return;
    }
    SW_BUG_ON(x->retrans_at_ms > now_ms || x->state != SIP_TXN_COMPLETED);
    /* Timer G: resend the final, doubling up to T2 */
    txn_send_msg(x);
    t->stats.n_retransmits++;
    x->retrans_ms =
        (uint32_t)SW_MIN((uint64_t)x->retrans_ms * 2, (uint64_t)t->cfg.t2_ms);
    x->retrans_at_ms = now_ms + x->retrans_ms;
    txn_timers_changed(x);
}

struct sip_txn *sip_txn_server_find(struct sip_txn_table *t,
                                    const struct sip_txn_key *key)
{
    if (t == NULL || key == NULL || txn_key_check(key, false) != 0) {
        return NULL;
    }
    struct sip_txn_key k = *key;
    if (k.method == SIP_METHOD_ACK) {
        k.method = SIP_METHOD_INVITE;
    }
    return txn_lookup(t, &k, false, txn_key_hash(t, &k, false));
}

struct sip_txn *sip_txn_server_find_invite(struct sip_txn_table *t,
                                           const struct sip_txn_key *key)
{
    if (key == NULL) {
        return NULL;
    }
    /* RFC 3261 §9.2: the CANCEL's Via matches the INVITE's */
    struct sip_txn_key k = *key;
    k.method = SIP_METHOD_INVITE;
    return sip_txn_server_find(t, &k);
}

void sip_txn_server_abandon(struct sip_txn *x)
{
    if (x == NULL) {
        return;
    }
    SW_ASSERT(!x->is_client);
    txn_destroy(x);
}
