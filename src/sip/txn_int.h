/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by txn_table.c, txn_server.c and txn_client.c: the
 * transaction object, hashing, linking and timer scheduling. Never included
 * outside src/sip (and the txn unit tests).
 */
#ifndef SW_SIP_TXN_INT_H
#define SW_SIP_TXN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/txn.h"

#define TXN_NO_TIMER UINT64_MAX
#define TXN_NO_HEAP  UINT32_MAX

/* Smallest bucket array and deadline heap a table keeps (entries). */
#define TXN_MIN_BUCKETS 1024u
#define TXN_MIN_HEAP    64u

/*
 * One transaction, allocated in one block together with its key strings
 * (and, for a client, the request bytes) in 'tail'.
 */
struct sip_txn {
    struct sip_txn *next;   /* hash chain */
    struct sip_txn **pprev; /* the pointer that points at us */
    struct sip_txn_table *table;
    sip_txn_client_fn *cb; /* client only; NULL once detached */
    void *ud;

    struct sip_txn_dest dest;

    char *msg;         /* last response (server), request or ACK (client) */
    uint32_t msg_len;  /* bytes in msg */
    uint32_t msg_cap;  /* bytes msg can hold */
    bool msg_is_owned; /* msg is a separate allocation (else in 'tail') */

    bool is_client;
    bool reliable;
    bool has_ack;  /* INVITE client: msg holds the ACK, not the request */
    uint8_t state; /* enum sip_txn_state */
    uint8_t branch_len;
    uint8_t host_len;
    uint8_t mname_len;
    uint16_t port;
    int16_t last_status;
    uint32_t hash;          /* low bits of the key's SipHash */
    uint32_t heap_idx;      /* TXN_NO_HEAP when no timer runs */
    uint32_t retrans_ms;    /* current retransmission interval */
    uint64_t retrans_at_ms; /* Timer A/E/G, TXN_NO_TIMER when off */
    uint64_t timeout_at_ms; /* Timer B/D/F/H/I/J/K/L, TXN_NO_TIMER */
    enum sip_method method;
    char tail[]; /* branch, host, method name, then client request */
};

static inline struct sv txn_branch(const struct sip_txn *x)
{
    return sv_make(x->tail, x->branch_len);
}

static inline struct sv txn_host(const struct sip_txn *x)
{
    return sv_make(x->tail + x->branch_len, x->host_len);
}

static inline struct sv txn_mname(const struct sip_txn *x)
{
    return sv_make(x->tail + x->branch_len + x->host_len, x->mname_len);
}

static inline uint64_t txn_deadline(const struct sip_txn *x)
{
    return x->retrans_at_ms < x->timeout_at_ms ? x->retrans_at_ms
                                               : x->timeout_at_ms;
}

/* SipHash-2-4 of 'len' bytes under key (k0, k1). */
uint64_t txn_siphash(uint64_t k0, uint64_t k1, const void *data, size_t len);

/* Hash of 'key' as a client (branch + method) or server key. */
uint32_t txn_key_hash(const struct sip_txn_table *t,
                      const struct sip_txn_key *key, bool is_client);

/* Find a live transaction; 'hash' from txn_key_hash(). */
struct sip_txn *txn_lookup(struct sip_txn_table *t,
                           const struct sip_txn_key *key, bool is_client,
                           uint32_t hash);

/*
 * Allocate a transaction for 'key' with 'extra' tail bytes after the key
 * strings, insert it in the hash and reserve its heap slot. Returns NULL
 * and sets *err (-EINVAL, -ENOSPC, -ENOMEM) on failure.
 */
struct sip_txn *txn_new(struct sip_txn_table *t, const struct sip_txn_key *key,
                        bool is_client, uint32_t hash, size_t extra, int *err);

/* Remove from hash and heap (idempotent) and count it inactive. */
void txn_unlink(struct sip_txn *x);
/* Unlink and free. */
void txn_destroy(struct sip_txn *x);

/* Re-key the heap entry after retrans_at_ms / timeout_at_ms changed. */
void txn_timers_changed(struct sip_txn *x);

/* Send the stored message to the transaction's destination. */
void txn_send_msg(struct sip_txn *x);

/* Store 'len' bytes as the transaction's message: 0 or -ENOMEM. */
int txn_store_msg(struct sip_txn *x, const char *bytes, size_t len);

/* Timer expiry handlers, called by sip_txn_table_run_timers(). */
void txn_server_expire(struct sip_txn *x, uint64_t now_ms);
void txn_client_expire(struct sip_txn *x, uint64_t now_ms);

/* Validate a key's field lengths; 0 or -EINVAL. */
int txn_key_check(const struct sip_txn_key *key, bool is_client);

#endif
