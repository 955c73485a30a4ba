/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Register-based trunks (issue #4): per worker, the set of provider
 * accounts this process keeps registered over UDP. It builds the REGISTER
 * requests, answers digest challenges (MD5 / SHA-256, RFC 8760), refreshes
 * before expiry, backs off after failures and unregisters removed trunks.
 * Sockets, name resolution and reading the store are left to the daemon:
 * requests go out through the worker's client transaction table and its
 * send callback, and responses come back through that table (the daemon
 * routes them by the worker index named in our Via branch).
 */
#ifndef SW_TRUNK_REGCLIENT_H
#define SW_TRUNK_REGCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

struct sip_txn_table;
struct sw_clock;

#define TRUNK_REG_MAX                    256 /* trunks per set */
#define TRUNK_REG_EXPIRES_MIN_S          60 /* bounds of trunk_reg_params.expires_s */
#define TRUNK_REG_EXPIRES_MAX_S          86400 /* also the cap on a 423 Min-Expires */
#define TRUNK_REG_BACKOFF_MIN_MS_DEFAULT 30000   /* 30 s */
#define TRUNK_REG_BACKOFF_MAX_MS_DEFAULT 1800000 /* 30 min */

/* One provider account, as configured (copied by trunk_reg_set_sync()). */
struct trunk_reg_params {
    int64_t id;             /* store trunk id, > 0, unique in a sync */
    char name[65];          /* for logs and status */
    struct net_addr server; /* resolved provider address; port 0: 'port' */
    char host[254];         /* provider domain (or IP) for R-URI, From, To */
    uint16_t port;          /* R-URI port; 0: 5060, left out of the URI */
    char user[129];         /* account: URI user part and digest username */
    char password[129];     /* digest password; copies are wiped */
    char realm[254];        /* expected challenge realm; "" = any */
    uint32_t expires_s;     /* requested, TRUNK_REG_EXPIRES_MIN_S..MAX_S */
};

/* Per-set settings; copied by trunk_reg_set_new(). */
struct trunk_reg_cfg {
    uint32_t backoff_min_ms; /* first retry delay; 0: 30 s */
    uint32_t backoff_max_ms; /* cap of the doubling; 0: 30 min */
    char contact_ip[64];     /* our IP for Contact, IPv6 without brackets */
    uint16_t contact_port;   /* our UDP port for Contact, > 0 */
    char sent_by[80];        /* "ip:port" ("[v6]:port") for Via */
    unsigned worker_index;   /* 0..255, named in our branches */
    uint64_t conn_id;        /* transport id of the UDP socket */
    /* Time source of the transaction callbacks, which get no time of
     * their own; NULL: the real monotonic clock (the clock uv_now() and
     * the now_ms arguments below must follow). Borrowed. */
    const struct sw_clock *clock;
};

enum trunk_reg_state {
    TRUNK_REG_IDLE = 0,    /* nothing sent yet */
    TRUNK_REG_REGISTERING, /* first attempt, or a retry after a failure */
    TRUNK_REG_REGISTERED,  /* bound at the provider (also while refreshing) */
    TRUNK_REG_FAILED,      /* last attempt failed; retry at next_try_ms */
};

struct trunk_reg_status {
    int64_t id;
    char name[65];
    enum trunk_reg_state state;
    int last_status;       /* last final status (408 for a timeout), 0 none */
    uint32_t failures;     /* consecutive failed attempts, 0 after a 200 */
    int64_t expires_at_ms; /* wall clock, end of the binding; 0 none */
    uint32_t granted_s;    /* expiry the provider granted, 0 none */
    uint64_t next_try_ms;  /* next REGISTER due (monotonic); UINT64_MAX
                              while a request is in flight */
    char reason[96];       /* last outcome in words, "" before any */
};

struct trunk_reg_set;

/*
 * Create an empty set over the worker's transaction table 'txn'
 * (borrowed; it must outlive the set's use). 'cfg' is copied: contact_ip
 * must be a numeric IPv4/IPv6 address, contact_port and sent_by set,
 * worker_index at most 255, backoff_min_ms <= backoff_max_ms after
 * defaults. Returns 0 with *out set, -EINVAL or -ENOMEM.
 */
int trunk_reg_set_new(struct sip_txn_table *txn,
                      const struct trunk_reg_cfg *cfg,
                      struct trunk_reg_set **out);

/*
 * Free the set without sending anything; passwords are wiped. Live client
 * transactions keep pointing at the set, so call it after
 * sip_txn_table_fini() of the table, or while no table callback can run
 * any more, or after trunk_reg_set_detach(). NULL is a no-op.
 */
void trunk_reg_set_free(struct trunk_reg_set *s);

/*
 * Cut every live client transaction loose from the set (nothing is sent,
 * the table absorbs what still arrives), so trunk_reg_set_free() is safe
 * while the table lives on. Trunks that were in flight are left as they
 * were; the set is only fit to be freed afterwards.
 */
void trunk_reg_set_detach(struct trunk_reg_set *s, uint64_t now_ms);

/*
 * Make the set hold exactly the 'n' trunks of 'p' (matched by id; 'p' may
 * be NULL when n is 0). New trunks register at once. A trunk whose server,
 * host, port or user changed is unregistered and registered anew with a
 * new Call-ID; one whose password, realm or expires_s changed re-registers
 * at once; a new name alone sends nothing. A trunk left out is
 * unregistered (one REGISTER with Expires: 0, answering one challenge,
 * when it is or may be bound) and forgotten. Status order follows 'p'.
 * Returns 0; -E2BIG (n > TRUNK_REG_MAX), -EINVAL (a NULL, a duplicate id
 * or a params field out of range: empty host or user, characters that
 * would break the headers, expires_s outside its bounds, unset server),
 * -ENOMEM or -EIO (no randomness): then nothing changed. A REGISTER that
 * cannot be started puts its trunk in FAILED (not an error here).
 * Worker thread; not from a transaction callback.
 */
int trunk_reg_set_sync(struct trunk_reg_set *s,
                       const struct trunk_reg_params *p, size_t n,
                       uint64_t now_ms);

/* When trunk_reg_set_run() has work (monotonic ms), UINT64_MAX for none.
 * Changes after sync, run and any response or timeout of our requests. */
uint64_t trunk_reg_set_next_deadline_ms(const struct trunk_reg_set *s);

/*
 * Send the REGISTERs due at 'now_ms' (refreshes and retries). Worker
 * thread; not from a transaction callback.
 */
void trunk_reg_set_run(struct trunk_reg_set *s, uint64_t now_ms);

/*
 * Copy the status of up to 'cap' trunks (in sync order) into 'out' ('out'
 * may be NULL when cap is 0). Returns the number of trunks in the set,
 * which may exceed 'cap'. Never includes passwords.
 */
size_t trunk_reg_set_status(const struct trunk_reg_set *s,
                            struct trunk_reg_status *out, size_t cap);

/* "idle", "registering", "registered", "failed"; never NULL. */
const char *trunk_reg_state_name(enum trunk_reg_state st);

#endif
