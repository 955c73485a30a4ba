/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the proxy: a call being set up (its branches, timers, the route
 * the policy chose) and the helpers shared by the INVITE machinery
 * (proxy.c) and the in-dialog requests and responses (indialog.c).
 */
#ifndef SW_PROXY_PROXY_INT_H
#define SW_PROXY_PROXY_INT_H

#include <time.h>

#include "media/policy.h"
#include "net/transport.h"
#include "proxy/proxy.h"
#include "sip/msg.h"

#define BRANCH_CAP 48

/* ---- types ------------------------------------------------------------- */

enum { LIST_NONE = 0, LIST_TIMER, LIST_LINGER };

struct proxy_branch {
    struct proxy_call *call;
    struct sip_txn *ctx; /* client transaction; NULL once it reported last */
    char *req;           /* the request as forwarded (CANCEL, ACK) */
    size_t req_len;
    char branch[BRANCH_CAP];
    struct sip_txn_dest dest;
    int status;          /* last status seen, 0 none */
    bool is_done;        /* final or timeout reported */
    bool cancel_pending; /* CANCEL due as soon as a provisional arrives */
    bool is_cancelled;   /* CANCEL sent */
};

struct proxy_call {
    struct proxy_worker *pw;
    struct proxy_call *all_prev; /* every call of the worker */
    struct proxy_call *all_next;
    struct proxy_call *prev; /* in the Timer C or linger list */
    struct proxy_call *next;
    int list;
    uint64_t deadline_ms;
    struct sip_txn *stx;    /* upstream server transaction, NULL after final */
    struct sip_txn_dest up; /* the caller's address */
    char up_ip[64];
    uint16_t up_port;
    bool is_dialog_req;  /* in-dialog request: no hooks, no dialog */
    bool is_final_sent;  /* a final answer went upstream */
    bool is_answered;    /* a 2xx went upstream */
    bool has_start_hook; /* on_call_end is due */
    int best_status;     /* best non-2xx final so far, 0 none */
    char *best;          /* its forwarded bytes; NULL: make our own */
    size_t best_len;
    unsigned n_branches;
    unsigned n_pending;
    struct proxy_route *route; /* trunk hops, or NULL (extension) */
    size_t next_hop;           /* index of the next hop to try */
    struct proxy_call_info ci; /* views into 'tail' */
    char *orig;                /* the request as received (in 'tail') */
    size_t orig_len;
    struct proxy_branch br[PROXY_MAX_BRANCHES];
    char tail[];
};

static inline void proxy_stat(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static inline int64_t proxy_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "UDP", "TCP", "TLS" or "WSS": the Via transport of side 't' (enum
 * net_proto, below PROXY_SIDES). */
const char *proxy_via_name(int t);

struct proxy_dlg_end_ctx {
    struct proxy_core *pc;
    enum proxy_call_result res;
};

/*
 * The leading Route entries of 'msg' that name us (at most 2: a double
 * Record-Route), and the entry after them in *next (*has_next false when
 * there is none: the Request-URI is the next hop).
 */
unsigned proxy_our_routes(const struct proxy_core *pc,
                          const struct sip_msg *msg, struct sip_nameaddr *next,
                          bool *has_next);
/* Our branch for a new client transaction: the magic cookie, "Sw", the
 * worker index and an unguessable part. */
void proxy_make_branch(struct proxy_worker *pw, char out[BRANCH_CAP]);
/* A SIP URI with an IP literal host as a UDP destination. */
int proxy_uri_addr(const struct sip_uri *u, struct net_addr *out);
/* A UDP destination from this worker's socket. */
void proxy_dest_of_addr(const struct proxy_worker *pw, const struct net_addr *a,
                        struct sip_txn_dest *d);
/* Send bytes through the worker's transaction table's send callback. */
void proxy_send_to(struct proxy_worker *pw, const struct sip_txn_dest *d,
                   const char *bytes, size_t len);
/* Does 'u' name us (our IP and the port of any of our transports)? */
bool proxy_is_us(const struct proxy_core *pc, const struct sip_uri *u);
/* Report a dialog's end to on_call_end ('ud': struct proxy_dlg_end_ctx). */
void proxy_on_dlg_end(void *ud, const struct proxy_call_info *info);
/* Our own answer to 'm' on 'stx'. */
int proxy_respond_own(struct proxy_worker *pw, struct sip_txn *stx,
                      const struct sip_msg *m, struct sv ip, uint16_t port,
                      int status, const char *reason, const char *extra,
                      uint64_t now_ms);
/* Our own final answer for call 'c' (its stored request). */
void proxy_call_respond_own(struct proxy_call *c, int status,
                            const char *reason, const char *extra,
                            uint64_t now_ms);
/* Answer at once, abandoning 'stx' when that fails. */
void proxy_refuse_now(struct proxy_worker *pw, struct sip_txn *stx,
                      const struct sip_msg *msg, const struct proxy_src *src,
                      int status, const char *reason, const char *extra);
/* A call for request 'msg' with its server transaction; NULL when out of
 * memory or over the cap. */
struct proxy_call *proxy_call_new(struct proxy_worker *pw,
                                  const struct sip_msg *msg,
                                  struct sip_txn *stx,
                                  const struct proxy_src *src,
                                  const struct proxy_call_info *ci);
void proxy_call_free(struct proxy_call *c);
/* Put 'c' on the Timer C (LIST_TIMER) or linger list. */
void proxy_list_put(struct proxy_call *c, int which, uint64_t deadline_ms);
/* Fork one branch of 'c' to 'ruri' (empty: keep the request's) at
 * 'dest', adding our Record-Route when 'with_rr', removing our
 * 'drop_routes' leading Route entries. */
void proxy_fork_to(struct proxy_call *c, const struct sip_msg *msg,
                   const struct proxy_src *src, struct sv ruri, bool with_rr,
                   unsigned drop_routes, const struct sip_txn_dest *dest,
                   uint64_t now_ms);

/* ---- the media policy on the callee's leg (media_leg.c) ---- */

/* The Warning and Reason header lines of a media refusal with verdict
 * 'v' (not MEDIA_OK) and its reason 'why' (static text, no quotes). */
void proxy_media_hdrs(char *buf, size_t cap, enum media_verdict v,
                      const char *why);
/* May the call's offer go to a callee over 'transport'? (SDES keys are
 * not forwarded over a clear transport.) */
bool proxy_leg_sdes_ok(const struct proxy_call *c, int transport);
/* The 2xx 'resp' of branch 'b' against the media policy: a late offer
 * must meet the call's encryption requirement, and no 2xx may carry SDES
 * keys over a clear leg. MEDIA_OK or the verdict, with its reason. */
enum media_verdict proxy_leg_2xx_check(const struct proxy_call *c,
                                       const struct proxy_branch *b,
                                       const struct sip_msg *resp,
                                       const char **why);
/* ACK the refused 2xx 'resp' of branch 'b' and end its dialog with a BYE
 * giving 'rule' as the Reason. */
void proxy_leg_end(struct proxy_worker *pw, const struct proxy_branch *b,
                   const struct sip_msg *resp, const char *rule,
                   uint64_t now_ms);

#endif
