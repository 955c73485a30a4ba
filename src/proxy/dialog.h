/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dialogs of answered calls (RFC 3261 §12), shared by every worker:
 * keyed by Call-ID and the two tags (in either order, so a request from
 * either side finds it), created on a 2xx to an INVITE, removed on BYE or
 * when no in-dialog request was seen for the idle timeout (a dialog that
 * never sees its BYE). Sharded, a mutex per shard, bounded. It only keeps
 * the facts; hooks and CDRs are the caller's business.
 */
#ifndef SW_PROXY_DIALOG_H
#define SW_PROXY_DIALOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"
#include "sip/txn.h"

#define PROXY_DLG_SHARDS        64
#define PROXY_DLG_MAX_FIELD     255 /* bytes per copied string */
#define PROXY_DLG_DEFAULT_IDLE  (4u * 3600u * 1000u) /* ms */
#define PROXY_DLG_DEFAULT_COUNT (1u << 20)

/* The facts of a call, which its dialog keeps and the policy hooks get;
 * the views point into the dialog entry or the call (or the caller's bytes
 * when creating). */
struct proxy_call_info {
    struct sv call_id;
    struct sv caller_tag; /* From tag of the INVITE */
    struct sv callee_tag; /* To tag of the 2xx */
    struct sv domain;     /* tenant domain */
    struct sv caller;     /* calling extension */
    struct sv callee;     /* the number dialled */
    int64_t tenant_id;
    int64_t caller_user_id;
    int64_t callee_user_id; /* 0: not an extension */
    int64_t trunk_id;       /* inbound: the trunk it came from; outbound:
                               the trunk of the hop tried last; 0: none */
    void *pol;              /* the policy's state of the call, or NULL */
    struct sv src_ip;       /* the caller's address as text (the call
                               only: not kept with the dialog) */
    void *policy_arg;       /* proxy_caller.policy_arg, during
                               on_call_start only */
    struct sip_txn_dest caller_dest; /* the caller's flow (address, and
                                        connection for streams) */
    struct sip_txn_dest callee_dest; /* the answering branch's flow */
    int64_t start_ms;                /* wall clock, unix ms: INVITE received */
    int64_t answer_ms;               /* wall clock, unix ms: 2xx received */
    bool is_extra; /* a further 2xx of a forked call: no hooks */
    /* The offer of the INVITE, during on_call_start only (SV_NULL when
     * the INVITE has no body: a late offer). */
    struct sv offer_type; /* its Content-Type */
    struct sv offer_body;
    bool offer_secure; /* the INVITE came over TLS (or WSS) */
    bool has_offer;    /* the INVITE had an SDP body (else a late offer) */
    bool offer_sdes;   /* ... with SDES keys (a=crypto) in it */
    /* Set by on_call_start, kept with the dialog: every offer of the call
     * (re-INVITE, UPDATE) must be encrypted media (src/media/policy.h). */
    bool media_required;
    bool media_exempt; /* set by on_call_start: no media check (emergency) */
    /* Set by the proxy when it refused the call itself after routing (a
     * 2xx that failed the media policy): the rule, a static token. */
    const char *refused_rule;
};

struct proxy_dlg;
struct proxy_dlg_shard;

struct proxy_dlg_table {
    struct proxy_dlg_shard *shards; /* PROXY_DLG_SHARDS */
    size_t max_per_shard;           /* dialogs */
    uint64_t idle_ms;               /* removed after this long unseen */
    uint64_t k0;                    /* hash seed */
};

/*
 * Set up a table of at most 'max' dialogs (0: PROXY_DLG_DEFAULT_COUNT)
 * that forgets a dialog after 'idle_ms' (0: PROXY_DLG_DEFAULT_IDLE) without
 * a request. Returns 0 or -ENOMEM; nothing to free on failure.
 */
int proxy_dlg_table_init(struct proxy_dlg_table *t, size_t max,
                         uint64_t idle_ms);

/* Free every dialog (no callback runs). */
void proxy_dlg_table_fini(struct proxy_dlg_table *t);

/*
 * Add a dialog (strings copied; each at most PROXY_DLG_MAX_FIELD bytes,
 * Call-ID and both tags non-empty). 'now_ms' is the monotonic clock of the
 * idle timeout. Returns 0, -EEXIST (same Call-ID and tags: a retransmitted
 * 2xx), -EINVAL, -ENOSPC (its shard is full) or -ENOMEM. Any thread.
 */
int proxy_dlg_add(struct proxy_dlg_table *t, const struct proxy_call_info *in,
                  uint64_t now_ms);

/*
 * Find the dialog of an in-dialog request (tags in either order) and mark
 * it seen at 'now_ms'. Returns true when it exists. Any thread.
 */
bool proxy_dlg_touch(struct proxy_dlg_table *t, struct sv call_id,
                     struct sv tag_a, struct sv tag_b, uint64_t now_ms);

/*
 * As proxy_dlg_touch() for a request with From tag 'from_tag' and To tag
 * 'to_tag'; *toward (if not NULL) gets the flow of the other party: the
 * callee's when the request comes from the caller (its From tag is the
 * caller's), else the caller's; *media_required (if not NULL) the call's
 * media requirement.
 */
bool proxy_dlg_touch_toward(struct proxy_dlg_table *t, struct sv call_id,
                            struct sv from_tag, struct sv to_tag,
                            uint64_t now_ms, struct sip_txn_dest *toward,
                            bool *media_required);

/*
 * Called with each dialog that leaves the table; 'info' views are valid
 * only during the call. Runs without the shard lock held.
 */
typedef void proxy_dlg_end_fn(void *ud, const struct proxy_call_info *info);

/*
 * Remove the dialog (tags in either order) and report it to 'fn' (may be
 * NULL). Returns 0 or -ENOENT. Any thread.
 */
int proxy_dlg_remove(struct proxy_dlg_table *t, struct sv call_id,
                     struct sv tag_a, struct sv tag_b, proxy_dlg_end_fn *fn,
                     void *ud);

/*
 * Remove every dialog unseen since 'now_ms' - idle_ms, reporting each to
 * 'fn' (may be NULL). Returns how many. Any thread.
 */
size_t proxy_dlg_expire(struct proxy_dlg_table *t, uint64_t now_ms,
                        proxy_dlg_end_fn *fn, void *ud);

/* Dialogs in the table (a snapshot). */
size_t proxy_dlg_count(struct proxy_dlg_table *t);

#endif
