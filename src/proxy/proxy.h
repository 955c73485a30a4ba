/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stateful call proxy (RFC 3261 §16): an authenticated INVITE to an
 * extension of the caller's tenant is forked to every registered contact
 * of the callee, provisional responses are relayed, the first 2xx (and any
 * later one) is forwarded and the other branches cancelled, or the best
 * final response is sent when all branches failed; the caller's CANCEL
 * ends every branch; in-dialog requests of known dialogs are loose-routed
 * (ACK statelessly); responses are matched to client transactions.
 *
 * One struct proxy_core is shared by all workers (configuration, policy
 * hooks, the dialog table); each worker has a struct proxy_worker next to
 * its transaction table, used from that worker's thread only. Sockets,
 * authentication and the shield stay with the daemon: the proxy sends
 * through the transaction table's send callback.
 */
#ifndef SW_PROXY_PROXY_H
#define SW_PROXY_PROXY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/sv.h"
#include "net/addr.h"
#include "proxy/dialog.h"
#include "sip/msg.h"
#include "sip/txn.h"

struct reg_loc;

#define PROXY_MAX_BRANCHES 8
/* Branches we create start with this (after the magic cookie), followed by
 * two hex digits naming the worker that holds the transaction. */
#define PROXY_BRANCH_PREFIX SIP_TXN_MAGIC_COOKIE "Sw"

struct proxy_cfg {
    uint32_t timer_c_ms;     /* RFC 3261 §16.6 step 11: > 3 min */
    uint32_t linger_ms;      /* after our final answer, wait for branches */
    unsigned max_branches;   /* contacts forked to, 1..PROXY_MAX_BRANCHES */
    size_t max_dialogs;      /* 0: PROXY_DLG_DEFAULT_COUNT */
    uint64_t dialog_idle_ms; /* dialog forgotten after this without request */
    size_t max_calls;        /* per worker: calls being set up */
};

/* Defaults: Timer C 180 s, linger 32 s, 8 branches, 1 Mi dialogs idle for
 * 4 h, 65,536 calls being set up per worker. */
void proxy_cfg_default(struct proxy_cfg *cfg);

/* How a call ended, for on_call_end. */
enum proxy_call_result {
    PROXY_CALL_COMPLETED = 0, /* answered, then BYE */
    PROXY_CALL_EXPIRED,       /* answered, no BYE seen before the idle end */
    PROXY_CALL_FAILED,        /* every branch failed (status: the answer) */
    PROXY_CALL_CANCELLED,     /* the caller cancelled */
    PROXY_CALL_TIMEOUT,       /* Timer C or no answer at all (408) */
    PROXY_CALL_REFUSED,       /* on_call_start refused it */
    PROXY_CALL_UNAVAILABLE,   /* callee has no registered contact (480) */
};

/* "completed", "expired", ... */
const char *proxy_call_result_name(enum proxy_call_result r);

/* What on_call_start may answer instead of letting the call through. */
struct proxy_refusal {
    int status;             /* 400-699 */
    const char *reason;     /* reason phrase (static), NULL: standard */
    const char *extra_hdrs; /* "Name: value\r\n" lines, NULL: none; must
                               live until the hook's caller returns */
};

#define PROXY_MAX_HOPS    8
#define PROXY_HOP_URI_MAX 192

/* A next hop outside the extensions: a trunk. */
struct proxy_hop {
    struct net_addr addr;         /* where the INVITE is sent (UDP) */
    char ruri[PROXY_HOP_URI_MAX]; /* its Request-URI */
    int64_t trunk_id;             /* reported in ci->trunk_id */
};

/*
 * Where a call goes, as on_call_start decides: the registered contacts of
 * extension 'ext_user_id' (all forked at once), or else 'hops' one at a
 * time in order, the next one tried when the last failed with 408, 5xx
 * or no answer (failover).
 */
struct proxy_route {
    int64_t ext_user_id; /* > 0: fork to this extension */
    struct proxy_hop hops[PROXY_MAX_HOPS];
    size_t n_hops;
};

/*
 * Extension points for routing, limits and CDRs. Called on the worker that
 * handles the message (on_call_end also from the thread running
 * proxy_core_expire()), so they must be thread-safe and must not block.
 * 'ci' views are valid only during the call; ci->pol is the policy's own
 * pointer, kept with the call and its dialog.
 *  on_call_start: decide; 'callee_is_ext' says whether the Request-URI
 *    names an extension of the caller's tenant, and 'rt' comes filled
 *    with that extension (or empty). Return true to go on along 'rt'
 *    (which the hook may change), false with 'ref' filled to refuse. It
 *    may set ci->pol, ci->tenant_id and ci->callee_user_id. NULL: allow
 *    extensions, 404 for the rest.
 *  on_hop: before a hop is tried (ci->trunk_id is the hop's trunk);
 *    return false with 'ref' filled to skip it (a limit). NULL: try all.
 *  on_call_answer: the first 2xx of the call was forwarded (dialog made).
 *  on_call_end: the call is over; every call that reached on_call_start
 *    ends here exactly once (unless the daemon stops first), so ci->pol
 *    is released here.
 */
struct proxy_policy {
    void *ud;
    bool (*on_call_start)(void *ud, struct proxy_call_info *ci,
                          bool callee_is_ext, struct proxy_route *rt,
                          struct proxy_refusal *ref);
    bool (*on_hop)(void *ud, struct proxy_call_info *ci,
                   const struct proxy_hop *hop, struct proxy_refusal *ref);
    void (*on_call_answer)(void *ud, const struct proxy_call_info *ci);
    void (*on_call_end)(void *ud, const struct proxy_call_info *ci,
                        enum proxy_call_result res, int status);
};

/* The default: internal calls only (extensions of the caller's tenant are
 * allowed, anything else gets 404), no answer or end hooks. */
void proxy_policy_default(struct proxy_policy *p);

struct proxy_stats {
    _Atomic uint64_t calls;         /* INVITEs that reached on_call_start */
    _Atomic uint64_t answered;      /* calls with a 2xx */
    _Atomic uint64_t failed;        /* calls ended without 2xx */
    _Atomic uint64_t forks;         /* client INVITE transactions started */
    _Atomic uint64_t in_dialog;     /* in-dialog requests forwarded */
    _Atomic uint64_t stateless;     /* ACKs and 2xx forwarded statelessly */
    _Atomic uint64_t no_dialog;     /* in-dialog requests of unknown dialogs */
    _Atomic uint64_t dlg_expired;   /* dialogs ended by the idle timeout */
    _Atomic uint64_t media_refused; /* in-dialog offers refused (media) */
};

/* What we show on one transport (index: enum net_proto). */
struct proxy_side {
    bool on; /* we listen on it */
    uint16_t port;
    char sent_by[80];       /* "ip:port" ([ip]:port for IPv6) */
    char record_route[112]; /* "sip:ip:port;lr", ";transport=tcp" etc. */
};

#define PROXY_SIDES 4 /* UDP, TCP, TLS, WSS (enum net_proto order) */

struct reg_src;
/*
 * The flow of a registration over a stream (TCP, TLS): 0 with 'out'
 * filled (transport, address, the transport's connection id) while its
 * connection is open, -ENOTCONN otherwise. Any worker thread.
 */
typedef int proxy_stream_fn(void *ud, const struct reg_src *src,
                            struct sip_txn_dest *out);

/* Shared by all workers; set up before they start. */
struct proxy_core {
    struct proxy_cfg cfg;
    struct proxy_policy policy;
    struct proxy_dlg_table dialogs;
    struct reg_loc *loc;  /* borrowed */
    struct net_addr self; /* our SIP address (UDP) */
    char self_ip[64];     /* its IP as text, IPv6 without brackets */
    struct proxy_side side[PROXY_SIDES]; /* by enum net_proto; the UDP
                                            side is set with the address */
    proxy_stream_fn *stream_dest;        /* NULL: UDP contacts only */
    void *stream_ud;
    struct proxy_stats stats;
};

/*
 * Set up the shared part: 'cfg' (NULL: defaults) and 'policy' (NULL or
 * missing hooks: the defaults) are copied; 'loc' is borrowed. Our address
 * must be set with proxy_core_set_address() before the first call.
 * Returns 0, -EINVAL (a cfg value out of range) or -ENOMEM.
 */
int proxy_core_init(struct proxy_core *pc, const struct proxy_cfg *cfg,
                    const struct proxy_policy *policy, struct reg_loc *loc);
void proxy_core_fini(struct proxy_core *pc);

/*
 * The address we put in Via and Record-Route and recognise in Route
 * headers: a concrete IPv4 / IPv6 address with its port (not a wildcard).
 * Returns 0 or -EINVAL.
 */
int proxy_core_set_address(struct proxy_core *pc, const struct net_addr *a);

/*
 * Calls over TCP, TLS or WSS as well: 'proto' (enum net_proto, TCP, TLS
 * or WSS) is served at 'a' (a concrete address, same IP as the UDP one;
 * Record-Route says transport=tcp, tls or ws), and 'fn' finds the
 * connection of a registered contact. Call after
 * proxy_core_set_address(). Returns 0 or -EINVAL.
 */
int proxy_core_set_stream(struct proxy_core *pc, int proto,
                          const struct net_addr *a, proxy_stream_fn *fn,
                          void *ud);

/*
 * End the dialogs not seen for cfg.dialog_idle_ms (on_call_end with
 * PROXY_CALL_EXPIRED). Any thread; returns how many ended.
 */
size_t proxy_core_expire(struct proxy_core *pc, uint64_t now_ms);

struct proxy_call;

/* One per worker thread. */
struct proxy_worker {
    struct proxy_core *core;
    struct sip_txn_table *txn;     /* the worker's table (borrowed) */
    unsigned index;                /* worker index, named in our branches */
    uint64_t conn_id;              /* the UDP socket requests leave from */
    struct buf out;                /* message being built */
    struct buf aux;                /* second message (ACK, CANCEL) */
    uint64_t seq;                  /* branch counter */
    uint64_t salt;                 /* random, makes branches unguessable */
    struct proxy_call *timer_head; /* calls waiting on Timer C, oldest first */
    struct proxy_call *timer_tail;
    struct proxy_call *linger_head; /* answered upstream, branches left */
    struct proxy_call *linger_tail;
    struct proxy_call *all_calls; /* every call, for proxy_worker_fini() */
    size_t n_calls;
    uint64_t now_ms; /* time of the message or timer being handled */
};

/*
 * Set up worker 'index' (at most 255) over its transaction table 'txn'
 * (borrowed; its send callback carries everything we send). 'conn_id' is
 * the transport's id of the UDP socket to send from (see struct
 * sip_txn_dest). Returns 0, -EINVAL or -EIO (no randomness).
 */
int proxy_worker_init(struct proxy_worker *pw, struct proxy_core *core,
                      struct sip_txn_table *txn, unsigned index,
                      uint64_t conn_id);

/*
 * Free every call without sending anything or running hooks. Call it
 * after sip_txn_table_fini() of the worker's table, or before it while no
 * table callback can run any more.
 */
void proxy_worker_fini(struct proxy_worker *pw);

/* Earliest Timer C / linger deadline (ms), UINT64_MAX when none. */
uint64_t proxy_worker_next_deadline_ms(const struct proxy_worker *pw);

/* Handle the deadlines due at 'now_ms'. Not from a table callback. */
void proxy_worker_run_timers(struct proxy_worker *pw, uint64_t now_ms);

/* Where a request came from. */
struct proxy_src {
    struct sip_txn_dest dest; /* answer path of stateless responses */
    struct sv ip;             /* source IP as text, no brackets */
    uint16_t port;
};

/*
 * Who the caller is (an authenticated extension, or a trunk) and how to
 * find extensions.
 */
struct proxy_caller {
    struct sv user;   /* authenticated extension; for a trunk the From
                         user (the remote number) */
    struct sv domain; /* its tenant's domain (the realm) */
    int64_t user_id;
    int64_t tenant_id;
    int64_t trunk_id; /* > 0: the call comes in from this trunk */
    void *policy_arg; /* handed to on_call_start as ci->policy_arg */
    /* Look up extension 'user' of 'domain': 0 with its ids, -ENOENT, or
     * another negative errno. On the calling thread. */
    int (*find_user)(void *ud, struct sv domain, struct sv user,
                     int64_t *user_id, int64_t *tenant_id);
    void *find_ud;
};

/*
 * A new INVITE (no To tag) from an authenticated caller, with its server
 * transaction 'stx' (new; the proxy answers it: 100 at once, then the
 * final response, now or later). Worker thread.
 */
void proxy_invite(struct proxy_worker *pw, const struct sip_msg *msg,
                  struct sip_txn *stx, const struct proxy_src *src,
                  const struct proxy_caller *caller, uint64_t now_ms);

/*
 * A CANCEL with its own new server transaction 'stx': 200 and 487 on the
 * INVITE when we hold it, 481 otherwise. Worker thread.
 */
void proxy_cancel(struct proxy_worker *pw, const struct sip_msg *msg,
                  struct sip_txn *stx, uint64_t now_ms);

/*
 * A request with a To tag (BYE, ACK, re-INVITE, UPDATE, INFO, ...):
 * forwarded when its dialog is known (ACK statelessly: 'stx' NULL),
 * answered 481 otherwise (an ACK is dropped). Worker thread.
 */
void proxy_in_dialog(struct proxy_worker *pw, const struct sip_msg *msg,
                     struct sip_txn *stx, const struct proxy_src *src,
                     uint64_t now_ms);

/*
 * A response: to its client transaction (which reports to the call), or,
 * when none matches, a 2xx to an INVITE is forwarded statelessly per its
 * Via (RFC 3261 §16.7). Returns true when it was ours to handle. Worker
 * thread that owns the branch (see proxy_branch_worker()).
 */
bool proxy_response(struct proxy_worker *pw, const struct sip_msg *msg,
                    uint64_t now_ms);

/*
 * The worker index a branch of ours names, or -1 when 'branch' is not one
 * of our branches.
 */
int proxy_branch_worker(struct sv branch);

/* Calls being set up on this worker (a gauge). */
static inline size_t proxy_worker_calls(const struct proxy_worker *pw)
{
    return pw->n_calls;
}

#endif
