/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 3261 §17 transaction layer as a pure state machine: a per-worker table
 * of server and client transactions, their timers (A B D E F G H I J K) on
 * one min-heap of deadlines, and the bytes that outlive a message (key
 * strings, last response, request, ACK). It never touches a socket or a
 * loop: the owner feeds it keys, bytes and the time, arms one timer at
 * sip_txn_table_next_deadline_ms() and sends what the send callback gets.
 * Building responses and ACKs, and 2xx retransmission, are left to the TU.
 */
#ifndef SW_SIP_TXN_H
#define SW_SIP_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"
#include "sip/msg.h"

/* RFC 3261 §17.1.1.3: branch values that start with this are unique. */
#define SIP_TXN_MAGIC_COOKIE "z9hG4bK"

/* Caps on the key strings a transaction copies (bytes each). */
#define SIP_TXN_MAX_KEY_FIELD 255

/* Defaults for struct sip_txn_config (RFC 3261 Table 4). */
#define SIP_TXN_T1_MS           500
#define SIP_TXN_T2_MS           4000
#define SIP_TXN_T4_MS           5000
#define SIP_TXN_TIMER_D_MS      32000
#define SIP_TXN_MAX_ENTRIES     (1u << 19) /* 15,000/s x Timer J (32 s) */
#define SIP_TXN_MAX_ENTRIES_CAP (1u << 24)

struct sip_txn;

/*
 * What identifies a transaction (RFC 3261 §17.1.3, §17.2.3). The views are
 * only read during the call; the table copies what it keeps.
 */
struct sip_txn_key {
    enum sip_method method; /* request method, or CSeq method of a response */
    struct sv method_name;  /* compared only when method is UNKNOWN */
    struct sv branch;       /* top Via branch; empty when absent */
    struct sv host;         /* top Via sent-by host; server side only */
    uint16_t port;          /* top Via sent-by port, 0 when absent */
};

/*
 * Where a transaction sends: opaque to this layer, supplied and interpreted
 * by the transport. conn_id names a stream connection (never a pointer: the
 * connection may close before the transaction dies), 0 for datagrams.
 */
struct sip_txn_dest {
    unsigned char addr[28]; /* a sockaddr_in / sockaddr_in6, as net stores */
    int transport;          /* net's transport id */
    uint64_t conn_id;       /* stream connection id, 0 when none */
};

/*
 * Send 'len' bytes to 'dest'. Called for every first transmission and every
 * retransmission the table makes. Must not call back into the table.
 */
typedef void sip_txn_send_fn(void *ud, const struct sip_txn_dest *dest,
                             const char *bytes, size_t len);

enum sip_txn_state {
    SIP_TXN_TRYING = 0, /* non-INVITE: no response yet */
    SIP_TXN_CALLING,    /* INVITE client: no response yet */
    SIP_TXN_PROCEEDING, /* provisional seen (server INVITE: from creation) */
    SIP_TXN_COMPLETED,  /* final sent / received; absorbing retransmits */
    SIP_TXN_CONFIRMED,  /* INVITE server: ACK received, Timer I runs */
    SIP_TXN_ACCEPTED,   /* INVITE server, RFC 6026: 2xx sent, Timer L runs */
    SIP_TXN_TERMINATED, /* about to be freed (seen only in callbacks) */
};

/* What to do with the message that was handed to the table. */
enum sip_txn_verdict {
    SIP_TXN_NEW = 0,   /* server: new transaction created; pass up to TU */
    SIP_TXN_PASS,      /* no transaction applies: pass up statelessly */
    SIP_TXN_ABSORB,    /* retransmission absorbed: drop the message */
    SIP_TXN_RESEND,    /* server: retransmitted request; send *resend back */
    SIP_TXN_DELIVERED, /* client: response matched, callback ran */
};

/* sip_txn_server_respond(): positive result, the transaction is gone. */
#define SIP_TXN_GONE 1

enum sip_txn_event_kind {
    SIP_TXN_EV_PROVISIONAL = 0, /* 1xx received */
    SIP_TXN_EV_FINAL,           /* 2xx-6xx received (non-2xx INVITE: ACK!) */
    SIP_TXN_EV_TIMEOUT,         /* Timer B or F fired: act as on a 408 */
};

struct sip_txn_event {
    enum sip_txn_event_kind kind;
    int status;       /* response status; 408 for a timeout */
    const void *resp; /* what the caller passed to _on_response, or NULL */
};

/*
 * Client transaction report. EV_FINAL and EV_TIMEOUT are the last report:
 * do not use 'txn' after that callback returns (it may be freed then;
 * sip_txn_client_ack() is allowed inside the EV_FINAL callback). May call
 * into the table (start transactions, respond on server transactions) but
 * not sip_txn_table_run_timers() or sip_txn_table_fini().
 */
typedef void sip_txn_client_fn(void *ud, struct sip_txn *txn,
                               const struct sip_txn_event *ev);

struct sip_txn_config {
    uint32_t t1_ms;        /* RTT estimate, Timer A/E/G start, 64*T1 */
    uint32_t t2_ms;        /* cap on non-INVITE and response retransmits */
    uint32_t t4_ms;        /* Timer I and K on unreliable transports */
    uint32_t timer_d_ms;   /* INVITE client, unreliable; RFC: >= 32 s */
    uint32_t max_entries;  /* live transactions, server plus client */
    bool rfc6026_accepted; /* INVITE server: Accepted state after 2xx */
    uint8_t hash_key[16];  /* SipHash key; all zero: random at init */
};

/* Counters for metrics; n_active is a gauge, the rest only grow. */
struct sip_txn_stats {
    uint64_t n_active;       /* live transactions */
    uint64_t n_created;      /* server and client transactions created */
    uint64_t n_retransmits;  /* timer-driven retransmissions sent */
    uint64_t n_timeouts;     /* Timer B, F (reported) and H (no ACK) */
    uint64_t n_absorbed;     /* retransmitted requests, ACKs, responses */
    uint64_t n_refused_full; /* creations refused with -ENOSPC */
};

/* One per worker loop; no locking, use from the owning thread only. */
struct sip_txn_table {
    struct sip_txn_config cfg;
    sip_txn_send_fn *send;
    void *send_ud;
    struct sip_txn **buckets; /* hash chains, n_buckets is a power of 2 */
    uint32_t n_buckets;       /* grows and shrinks with n_active */
    uint32_t max_buckets;     /* power of 2 >= cfg.max_entries */
    struct sip_txn **heap;    /* min-heap on each txn's nearest deadline */
    uint32_t heap_len;
    uint32_t heap_cap;
    uint64_t k0, k1;    /* SipHash key */
    bool in_run_timers; /* guards against re-entry from a callback */
    struct sip_txn_stats stats;
};

/* Fill 'cfg' with the RFC 3261 defaults (zero hash key: random at init). */
void sip_txn_config_default(struct sip_txn_config *cfg);

/*
 * Initialise 't' from 'cfg' (copied; NULL means defaults). 'send' is
 * required. Refuses T1 == 0, T2 < T1, T4 == 0, max_entries == 0 or above
 * SIP_TXN_MAX_ENTRIES_CAP with -EINVAL. Returns 0, -ENOMEM, or -EIO when no
 * random hash key could be read; on failure nothing is left to free.
 */
int sip_txn_table_init(struct sip_txn_table *t,
                       const struct sip_txn_config *cfg, sip_txn_send_fn *send,
                       void *send_ud);

/*
 * Free every transaction and the table's memory. No callback runs and
 * nothing is sent. Every struct sip_txn pointer becomes invalid.
 */
void sip_txn_table_fini(struct sip_txn_table *t);

/* Earliest timer deadline in ms (same clock as now_ms), or UINT64_MAX. */
uint64_t sip_txn_table_next_deadline_ms(const struct sip_txn_table *t);

/*
 * Fire every timer due at 'now_ms': retransmit through the send callback,
 * report Timer B/F timeouts to client callbacks, free terminated
 * transactions. Returns the number of timer expiries handled. Not
 * re-entrant: never call it from a callback.
 */
unsigned sip_txn_table_run_timers(struct sip_txn_table *t, uint64_t now_ms);

const struct sip_txn_stats *sip_txn_table_stats(const struct sip_txn_table *t);

/*
 * Fill 'key' from a parsed message (views into its buffer): the request
 * method (CSeq method for a response) and the top Via branch and sent-by.
 * Reads only fields sip_msg_parse() filled; never fails.
 */
void sip_txn_key_from_msg(const struct sip_msg *msg, struct sip_txn_key *key);

/* True when 'branch' starts with the RFC 3261 magic cookie. */
bool sip_txn_branch_is_rfc3261(struct sv branch);

/* ---- Server transactions (RFC 3261 §17.2) ---- */

/*
 * Match an incoming request to a server transaction, creating one when it
 * is new. 'dest' is where responses go (§18.2.2) and 'reliable' the
 * transport kind; both are kept from creation. Results:
 *  SIP_TXN_NEW     new transaction in *txn: pass the request to the TU,
 *                  which must answer with sip_txn_server_respond() (or
 *                  drop it with sip_txn_server_abandon()).
 *  SIP_TXN_RESEND  retransmission: send *resend (valid until the next call
 *                  on the table) to the request's source, drop the request.
 *  SIP_TXN_ABSORB  retransmission with nothing to send, or an ACK for a
 *                  non-2xx final response: drop it.
 *  SIP_TXN_PASS    no transaction: branch without the magic cookie (RFC
 *                  2543 peers), an ACK matching no INVITE (2xx ACK), or
 *                  an ACK to a 2xx in the RFC 6026 Accepted state (then
 *                  *txn is that transaction). Pass up statelessly.
 * *txn is the matching live transaction or NULL. ACK never creates one;
 * CANCEL gets its own transaction (find the INVITE with
 * sip_txn_server_find_invite()). Errors: -EINVAL (NULL, a key field longer
 * than SIP_TXN_MAX_KEY_FIELD), -ENOSPC (table full: answer 503
 * statelessly), -ENOMEM.
 */
int sip_txn_server_lookup_or_create(struct sip_txn_table *t,
                                    const struct sip_txn_key *key,
                                    const struct sip_txn_dest *dest,
                                    bool reliable, uint64_t now_ms,
                                    struct sip_txn **txn, struct sv *resend);

/*
 * Send a response (status 100-699) through the table's send callback, keep
 * a copy for request retransmissions and move the state: 1xx keeps
 * Trying/Proceeding; a final one completes the transaction (Timer J, or
 * Timer G/H for INVITE), a 2xx to INVITE terminates it (RFC 3261) or enters
 * Accepted (RFC 6026, further 2xx allowed). A final response clears the
 * user data. Returns 0, SIP_TXN_GONE when the transaction terminated and
 * was freed ('txn' is invalid), -EINVAL (bad status, client txn, or the
 * state takes no more responses), -EMSGSIZE (len > SIP_MAX_MSG_LEN or 0),
 * -ENOMEM. On error nothing is sent and nothing changes. After a final
 * response the next sip_txn_table_run_timers() may free 'txn'.
 */
int sip_txn_server_respond(struct sip_txn *txn, int status, const char *bytes,
                           size_t len, uint64_t now_ms);

/* The live server transaction for 'key' (ACK maps to INVITE), or NULL. */
struct sip_txn *sip_txn_server_find(struct sip_txn_table *t,
                                    const struct sip_txn_key *key);

/* The INVITE server transaction that a CANCEL with 'key' targets. */
struct sip_txn *sip_txn_server_find_invite(struct sip_txn_table *t,
                                           const struct sip_txn_key *key);

/*
 * Free a server transaction that will never be answered (request dropped
 * by policy). Any pointer to it becomes invalid.
 */
void sip_txn_server_abandon(struct sip_txn *txn);

/* ---- Client transactions (RFC 3261 §17.1) ---- */

/*
 * Start a client transaction: copy 'req', send it through the send
 * callback now and arm Timer A/E (unreliable only) and B/F. 'key' needs the
 * magic-cookie branch and the method (host/port are ignored); ACK is
 * refused (it is not a transaction), CANCEL is an ordinary non-INVITE
 * transaction with the INVITE's branch. 'cb' gets every report with 'ud'.
 * On success *out (if not NULL) is the transaction. Returns 0, -EINVAL,
 * -EEXIST (same branch and method live), -ENOSPC (table full),
 * -EMSGSIZE, -ENOMEM; on error nothing is sent and 'cb' never runs.
 */
int sip_txn_client_start(struct sip_txn_table *t, const struct sip_txn_key *key,
                         const struct sip_txn_dest *dest, const char *req,
                         size_t len, bool reliable, uint64_t now_ms,
                         sip_txn_client_fn *cb, void *ud, struct sip_txn **out);

/*
 * Match a response (key: top Via branch and CSeq method) to a client
 * transaction, stop retransmissions and report it to the callback with
 * 'resp' passed through. Returns SIP_TXN_DELIVERED, SIP_TXN_ABSORB (a
 * retransmitted final; for INVITE the stored ACK is re-sent), SIP_TXN_PASS
 * (no transaction: forward or drop statelessly), or -EINVAL (status
 * outside 100-699, NULL).
 */
int sip_txn_client_on_response(struct sip_txn_table *t,
                               const struct sip_txn_key *key, int status,
                               uint64_t now_ms, const void *resp);

/*
 * Send the ACK for a non-2xx final response on an INVITE client
 * transaction in Completed and keep it for re-sending when the final
 * response is retransmitted. Call it from the EV_FINAL callback (or right
 * after). Returns 0, -EINVAL (wrong kind or state), -EMSGSIZE, -ENOMEM.
 */
int sip_txn_client_ack(struct sip_txn *txn, const char *ack, size_t len);

/*
 * Stop reporting to the callback (the TU context is going away). The
 * transaction keeps absorbing retransmissions until its timers end it; an
 * INVITE in Proceeding, which has none, is given 64*T1 to see its final.
 */
void sip_txn_client_detach(struct sip_txn *txn, uint64_t now_ms);

/* ---- Accessors ---- */

enum sip_txn_state sip_txn_state(const struct sip_txn *txn);
bool sip_txn_is_client(const struct sip_txn *txn);
enum sip_method sip_txn_method(const struct sip_txn *txn);
/* Last status sent (server) or received (client), 0 when none. */
int sip_txn_last_status(const struct sip_txn *txn);
const struct sip_txn_dest *sip_txn_dest(const struct sip_txn *txn);
void *sip_txn_ud(const struct sip_txn *txn);
void sip_txn_set_ud(struct sip_txn *txn, void *ud);

#endif
