/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy core: calls being set up (a server transaction upstream, one
 * client transaction per branch downstream), Timer C, cancellation, the
 * choice of the final answer, dialogs and the policy hooks; in-dialog
 * requests go through the same machinery with one branch. Message
 * rewriting lives in fwd.c, the choice of the best answer in best.c, the
 * dialog table in dialog.c.
 */
#include "proxy/proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/check.h"
#include "base/log.h"
#include "net/transport.h"
#include "proxy/best.h"
#include "proxy/fwd.h"
#include "proxy/proxy_int.h"
#include "reg/location.h"
#include "sip/build.h"

static const struct log_ctx lc = { "proxy", NULL };

/* ---- small helpers ----------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void proxy_make_branch(struct proxy_worker *pw, char out[BRANCH_CAP])
{
    uint64_t r = mix64(pw->salt ^ mix64(++pw->seq));
    snprintf(out, BRANCH_CAP, "%s%02x%016llx", PROXY_BRANCH_PREFIX,
             pw->index & 0xffu, (unsigned long long)r);
}

int proxy_branch_worker(struct sv branch)
{
    static const char pfx[] = PROXY_BRANCH_PREFIX;
    size_t n = sizeof(pfx) - 1;
    if (branch.len < n + 2 || memcmp(branch.p, pfx, n) != 0) {
        return -1;
    }
    int v = 0;
    for (size_t i = n; i < n + 2; i++) {
        char c = branch.p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

const char *proxy_call_result_name(enum proxy_call_result r)
{
    switch (r) {
    case PROXY_CALL_COMPLETED:
        return "completed";
    case PROXY_CALL_EXPIRED:
        return "expired";
    case PROXY_CALL_FAILED:
        return "failed";
    case PROXY_CALL_CANCELLED:
        return "cancelled";
    case PROXY_CALL_TIMEOUT:
        return "timeout";
    case PROXY_CALL_REFUSED:
        return "refused";
    case PROXY_CALL_UNAVAILABLE:
        return "unavailable";
    }
    return "unknown";
}

/* A SIP URI with an IP literal host as a UDP destination. */
int proxy_uri_addr(const struct sip_uri *u, struct net_addr *out)
{
    char host[64];
    if (u->scheme != SIP_URI_SIP || u->host.len == 0
        || sv_copy_cstr(u->host, host, sizeof(host)) != 0
        || net_addr_parse(host, 5060, out) != 0) {
        return -EINVAL;
    }
    if (u->has_port) {
        if (u->port == 0) {
            return -EINVAL;
        }
        net_addr_set_port(out, u->port);
    }
    struct sv tr;
    if (sip_param_find(u->params, SV_LIT("transport"), &tr)
        && !sv_eq_cstr_nocase(tr, "udp")) {
        return -EPROTONOSUPPORT; /* outgoing streams: not yet */
    }
    return 0;
}

void proxy_dest_of_addr(const struct proxy_worker *pw, const struct net_addr *a,
                        struct sip_txn_dest *d)
{
    memset(d, 0, sizeof(*d));
    size_t n = a->len < sizeof(d->addr) ? a->len : sizeof(d->addr);
    memcpy(d->addr, &a->ss, n);
    d->transport = NET_PROTO_UDP;
    d->conn_id = pw->conn_id;
}

void proxy_send_to(struct proxy_worker *pw, const struct sip_txn_dest *d,
                   const char *bytes, size_t len)
{
    pw->txn->send(pw->txn->send_ud, d, bytes, len);
}

bool proxy_is_us(const struct proxy_core *pc, const struct sip_uri *u)
{
    struct sv host = u->host;
    if (host.len >= 2 && host.p[0] == '[') {
        host = sv_make(host.p + 1, host.len - 2);
    }
    uint16_t port = u->has_port ? u->port : 5060;
    if (!sv_eq_cstr_nocase(host, pc->self_ip)) {
        return false;
    }
    for (int i = 0; i < PROXY_SIDES; i++) {
        if (pc->side[i].on && pc->side[i].port == port) {
            return true;
        }
    }
    return false;
}

/* Our To tag for the answers we make: stable for one call. */
static void our_tag(const struct proxy_worker *pw, const struct sip_msg *m,
                    char tag[17])
{
    uint64_t h = mix64(pw->salt ^ sv_hash(m->call_id) ^ sv_hash(m->from.tag));
    snprintf(tag, 17, "%016llx", (unsigned long long)h);
}

unsigned proxy_our_routes(const struct proxy_core *pc,
                          const struct sip_msg *msg, struct sip_nameaddr *next,
                          bool *has_next)
{
    unsigned ours = 0;
    *has_next = false;
    for (const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_ROUTE); h;
         h = sip_msg_hdr_next(msg, h)) {
        struct sv rest = h->value;
        while (rest.len) {
            struct sv first;
            struct sip_nameaddr na;
            proxy_fwd_split_first(rest, &first, &rest);
            if (sip_parse_nameaddr(first, &na, NULL) != SIP_PARSE_OK) {
                *has_next = true; /* a next hop we cannot read */
                memset(next, 0, sizeof(*next));
                return ours;
            }
            if (ours < 2 && proxy_is_us(pc, &na.uri)) {
                ours++;
                continue;
            }
            *next = na;
            *has_next = true;
            return ours;
        }
    }
    return ours;
}

/* ---- config, core ------------------------------------------------------ */

void proxy_cfg_default(struct proxy_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->timer_c_ms = 180000;
    cfg->linger_ms = 32000;
    cfg->max_branches = PROXY_MAX_BRANCHES;
    cfg->max_dialogs = PROXY_DLG_DEFAULT_COUNT;
    cfg->dialog_idle_ms = PROXY_DLG_DEFAULT_IDLE;
    cfg->max_calls = 65536;
}

static bool default_start(void *ud, struct proxy_call_info *ci,
                          bool callee_is_ext, struct proxy_route *rt,
                          struct proxy_refusal *ref)
{
    (void)ud;
    (void)ci;
    (void)rt;
    if (callee_is_ext) {
        return true;
    }
    ref->status = 404;
    ref->reason = "Not Found";
    ref->extra_hdrs = NULL;
    return false;
}

void proxy_policy_default(struct proxy_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->on_call_start = default_start;
}

int proxy_core_init(struct proxy_core *pc, const struct proxy_cfg *cfg,
                    const struct proxy_policy *policy, struct reg_loc *loc)
{
    memset(pc, 0, sizeof(*pc));
    if (cfg) {
        pc->cfg = *cfg;
    } else {
        proxy_cfg_default(&pc->cfg);
    }
    if (pc->cfg.max_branches == 0 || pc->cfg.max_branches > PROXY_MAX_BRANCHES
        || pc->cfg.timer_c_ms == 0 || pc->cfg.linger_ms == 0
        || pc->cfg.max_calls == 0) {
        return -EINVAL;
    }
    if (policy) {
        pc->policy = *policy;
    }
    if (pc->policy.on_call_start == NULL) {
        pc->policy.on_call_start = default_start;
    }
    pc->loc = loc;
    return proxy_dlg_table_init(&pc->dialogs, pc->cfg.max_dialogs,
                                pc->cfg.dialog_idle_ms);
}

void proxy_core_fini(struct proxy_core *pc)
{
    proxy_dlg_table_fini(&pc->dialogs);
}

int proxy_core_set_address(struct proxy_core *pc, const struct net_addr *a)
{
    int fam = net_addr_family(a);
    if ((fam != AF_INET && fam != AF_INET6) || net_addr_is_any(a)
        || net_addr_port(a) == 0) {
        return -EINVAL;
    }
    pc->self = *a;
    net_addr_ip_fmt(a, pc->self_ip, sizeof(pc->self_ip));
    struct proxy_side *sd = &pc->side[NET_PROTO_UDP];
    sd->on = true;
    sd->port = net_addr_port(a);
    net_addr_fmt(a, sd->sent_by, sizeof(sd->sent_by));
    snprintf(sd->record_route, sizeof(sd->record_route), "sip:%s;lr",
             sd->sent_by);
    return 0;
}

int proxy_core_set_stream(struct proxy_core *pc, int proto,
                          const struct net_addr *a, proxy_stream_fn *fn,
                          void *ud)
{
    if ((proto != NET_PROTO_TCP && proto != NET_PROTO_TLS
         && proto != NET_PROTO_WSS)
        || fn == NULL || !pc->side[NET_PROTO_UDP].on || net_addr_port(a) == 0) {
        return -EINVAL;
    }
    struct proxy_side *sd = &pc->side[proto];
    char ip[64];
    net_addr_ip_fmt(a, ip, sizeof(ip));
    if (strcmp(ip, pc->self_ip) != 0 && !net_addr_is_any(a)) {
        return -EINVAL; /* one IP for every transport */
    }
    sd->on = true;
    sd->port = net_addr_port(a);
    struct net_addr at = pc->self;
    net_addr_set_port(&at, sd->port);
    char sent_by[sizeof(sd->sent_by)];
    net_addr_fmt(&at, sent_by, sizeof(sent_by));
    memcpy(sd->sent_by, sent_by, sizeof(sent_by));
    snprintf(sd->record_route, sizeof(sd->record_route),
             "sip:%s;transport=%s;lr", sent_by,
             proto == NET_PROTO_TCP   ? "tcp"
             : proto == NET_PROTO_TLS ? "tls"
                                      : "ws"); /* RFC 7118 §5.4: "ws" */
    pc->stream_dest = fn;
    pc->stream_ud = ud;
    return 0;
}

static void end_hook(struct proxy_core *pc, const struct proxy_call_info *ci,
                     enum proxy_call_result res, int status)
{
    if (pc->policy.on_call_end) {
        pc->policy.on_call_end(pc->policy.ud, ci, res, status);
    }
}

void proxy_on_dlg_end(void *ud, const struct proxy_call_info *info)
{
    struct proxy_dlg_end_ctx *x = ud;
    if (x->res == PROXY_CALL_EXPIRED) {
        proxy_stat(&x->pc->stats.dlg_expired);
    }
    if (!info->is_extra) {
        end_hook(x->pc, info, x->res, 200);
    }
}

size_t proxy_core_expire(struct proxy_core *pc, uint64_t now_ms)
{
    struct proxy_dlg_end_ctx x = { pc, PROXY_CALL_EXPIRED };
    return proxy_dlg_expire(&pc->dialogs, now_ms, proxy_on_dlg_end, &x);
}

/* ---- worker ------------------------------------------------------------ */

int proxy_worker_init(struct proxy_worker *pw, struct proxy_core *core,
                      struct sip_txn_table *txn, unsigned index,
                      uint64_t conn_id)
{
    memset(pw, 0, sizeof(*pw));
    if (core == NULL || txn == NULL || index > 255) {
        return -EINVAL;
    }
    pw->core = core;
    pw->txn = txn;
    pw->index = index;
    pw->conn_id = conn_id;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return -EIO;
    }
    ssize_t n = read(fd, &pw->salt, sizeof(pw->salt));
    close(fd);
    if (n != (ssize_t)sizeof(pw->salt)) {
        return -EIO;
    }
    buf_init(&pw->out, SIP_MAX_MSG_LEN);
    buf_init(&pw->aux, SIP_MAX_MSG_LEN);
    return 0;
}

static void list_remove(struct proxy_call *c)
{
    struct proxy_worker *pw = c->pw;
    struct proxy_call **head =
        c->list == LIST_TIMER ? &pw->timer_head : &pw->linger_head;
    struct proxy_call **tail =
        c->list == LIST_TIMER ? &pw->timer_tail : &pw->linger_tail;
    if (c->list == LIST_NONE) {
        return;
    }
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        *head = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    } else {
        *tail = c->prev;
    }
    c->prev = c->next = NULL;
    c->list = LIST_NONE;
}

/* Both lists hold one fixed duration each, so appending keeps them sorted
 * by deadline. */
void proxy_list_put(struct proxy_call *c, int which, uint64_t deadline_ms)
{
    struct proxy_worker *pw = c->pw;
    list_remove(c);
    struct proxy_call **head =
        which == LIST_TIMER ? &pw->timer_head : &pw->linger_head;
    struct proxy_call **tail =
        which == LIST_TIMER ? &pw->timer_tail : &pw->linger_tail;
    c->deadline_ms = deadline_ms;
    c->list = which;
    c->next = NULL;
    c->prev = *tail;
    if (*tail) {
        (*tail)->next = c;
    } else {
        *head = c;
    }
    *tail = c;
}

void proxy_call_free(struct proxy_call *c)
{
    struct proxy_worker *pw = c->pw;
    list_remove(c);
    if (c->all_prev) {
        c->all_prev->all_next = c->all_next;
    } else {
        pw->all_calls = c->all_next;
    }
    if (c->all_next) {
        c->all_next->all_prev = c->all_prev;
    }
    for (unsigned i = 0; i < c->n_branches; i++) {
        free(c->br[i].req);
    }
    free(c->best);
    free(c->route);
    pw->n_calls--;
    free(c);
}

void proxy_worker_fini(struct proxy_worker *pw)
{
    while (pw->all_calls) {
        proxy_call_free(pw->all_calls);
    }
    buf_fini(&pw->out);
    buf_fini(&pw->aux);
}

uint64_t proxy_worker_next_deadline_ms(const struct proxy_worker *pw)
{
    uint64_t d = UINT64_MAX;
    if (pw->timer_head) {
        d = pw->timer_head->deadline_ms;
    }
    if (pw->linger_head && pw->linger_head->deadline_ms < d) {
        d = pw->linger_head->deadline_ms;
    }
    return d;
}

/* ---- answering upstream ------------------------------------------------ */

/* Parse the stored copy of the caller's request (valid until the next
 * parse into the same 'm'). */
static bool orig_msg(const struct proxy_call *c, struct sip_msg *m)
{
    return sip_msg_parse(m, sv_make(c->orig, c->orig_len), NULL)
           == SIP_PARSE_OK;
}

/* Send our own answer to the request 'm' on 'stx'. Returns the result of
 * sip_txn_server_respond (SIP_TXN_GONE: stx freed) or a negative errno. */
int proxy_respond_own(struct proxy_worker *pw, struct sip_txn *stx,
                      const struct sip_msg *m, struct sv ip, uint16_t port,
                      int status, const char *reason, const char *extra,
                      uint64_t now_ms)
{
    char tag[17];
    our_tag(pw, m, tag);
    buf_reset(&pw->out);
    int rc = sip_build_response(&pw->out, m, status, reason,
                                status > 100 ? sv_cstr(tag) : SV_NULL, ip, port,
                                extra ? sv_cstr(extra) : SV_NULL);
    if (rc != 0) {
        return rc;
    }
    return sip_txn_server_respond(stx, status, pw->out.p, pw->out.len, now_ms);
}

/* Our own final answer for call 'c' (its stored request). */
void proxy_call_respond_own(struct proxy_call *c, int status,
                            const char *reason, const char *extra,
                            uint64_t now_ms)
{
    struct sip_msg m;
    if (c->stx == NULL || c->is_final_sent) {
        return;
    }
    c->is_final_sent = true;
    struct sip_txn *stx = c->stx;
    c->stx = NULL;
    sip_txn_set_ud(stx, NULL);
    if (!orig_msg(c, &m)) {
        sip_txn_server_abandon(stx);
        return;
    }
    if (proxy_respond_own(c->pw, stx, &m, sv_cstr(c->up_ip), c->up_port, status,
                          reason, extra, now_ms)
        < 0) {
        sip_txn_server_abandon(stx);
    }
}

/* Relay bytes upstream: through the server transaction while it takes
 * them, statelessly to the caller after (a further 2xx). */
static void relay_up(struct proxy_call *c, int status, const char *bytes,
                     size_t len, uint64_t now_ms)
{
    if (c->stx) {
        struct sip_txn *stx = c->stx;
        if (status >= 200) {
            sip_txn_set_ud(stx, NULL);
            c->stx = NULL;
        }
        int rc = sip_txn_server_respond(stx, status, bytes, len, now_ms);
        if (rc == SIP_TXN_GONE) {
            c->stx = NULL;
        }
        if (rc >= 0) {
            return;
        }
        if (status >= 200) {
            /* It will never be answered now: let it go. */
            sip_txn_server_abandon(stx);
        }
    }
    if (status >= 200 && status < 300) {
        proxy_send_to(c->pw, &c->up, bytes, len); /* RFC 3261 §16.7 step 5 */
    }
}

/* ---- downstream -------------------------------------------------------- */

static void noop_cb(void *ud, struct sip_txn *txn,
                    const struct sip_txn_event *ev)
{
    (void)ud;
    (void)txn;
    (void)ev;
}

static void branch_send_cancel(struct proxy_branch *b, uint64_t now_ms)
{
    struct proxy_worker *pw = b->call->pw;
    struct sip_msg m;
    b->cancel_pending = false;
    b->is_cancelled = true;
    if (sip_msg_parse(&m, sv_make(b->req, b->req_len), NULL) != SIP_PARSE_OK) {
        return;
    }
    buf_reset(&pw->aux);
    if (proxy_fwd_cancel(&pw->aux, &m) != 0) {
        return;
    }
    struct sip_txn_key key = { .method = SIP_METHOD_CANCEL,
                               .branch = sv_cstr(b->branch) };
    int rc =
        sip_txn_client_start(pw->txn, &key, &b->dest, pw->aux.p, pw->aux.len,
                             false, now_ms, noop_cb, NULL, NULL);
    if (rc != 0) {
        log_warn_rl(&lc, "CANCEL not sent: %s", strerror(-rc));
    }
}

/* RFC 3261 §9.1: a branch without a provisional response gets its CANCEL
 * when the first one arrives. */
static void cancel_branches(struct proxy_call *c, uint64_t now_ms)
{
    for (unsigned i = 0; i < c->n_branches; i++) {
        struct proxy_branch *b = &c->br[i];
        if (b->is_done || b->is_cancelled || b->ctx == NULL) {
            continue;
        }
        if (b->status >= 100) {
            branch_send_cancel(b, now_ms);
        } else {
            b->cancel_pending = true;
        }
    }
}

static void call_end(struct proxy_call *c, enum proxy_call_result res,
                     int status)
{
    if (c->has_start_hook) {
        c->has_start_hook = false;
        proxy_stat(&c->pw->core->stats.failed);
        end_hook(c->pw->core, &c->ci, res, status);
    }
}

/* End the call for the hooks, then answer the caller with our own final
 * response: the policy's records and events exist before the caller can
 * see the answer. */
static void call_finish(struct proxy_call *c, enum proxy_call_result res,
                        int status, const char *reason, const char *extra,
                        uint64_t now_ms)
{
    call_end(c, res, status);
    proxy_call_respond_own(c, status, reason, extra, now_ms);
}

/* Every branch answered (or timed out): send the best answer upstream. */
static void send_best(struct proxy_call *c, uint64_t now_ms)
{
    int status = c->best_status ? c->best_status : 408;
    int up = proxy_best_upstream_status(status);
    call_end(c, status == 408 ? PROXY_CALL_TIMEOUT : PROXY_CALL_FAILED, up);
    if (c->best && up == status && c->stx) {
        struct sip_txn *stx = c->stx;
        c->stx = NULL;
        c->is_final_sent = true;
        sip_txn_set_ud(stx, NULL);
        if (sip_txn_server_respond(stx, status, c->best, c->best_len, now_ms)
            < 0) {
            sip_txn_server_abandon(stx);
        }
    } else {
        proxy_call_respond_own(c, up, NULL, NULL, now_ms);
    }
}

/* Free the call once it has nothing left to do, else let it linger. */
static void call_settle(struct proxy_call *c, uint64_t now_ms)
{
    if (!c->is_final_sent) {
        if (c->n_pending > 0) {
            return;
        }
        send_best(c, now_ms);
    }
    if (c->n_pending == 0) {
        proxy_call_free(c);
    } else if (c->list != LIST_LINGER) {
        proxy_list_put(c, LIST_LINGER, now_ms + c->pw->core->cfg.linger_ms);
    }
}

static void make_dialog(struct proxy_call *c, const struct proxy_branch *b,
                        const struct sip_msg *resp, uint64_t now_ms)
{
    struct proxy_core *pc = c->pw->core;
    struct proxy_call_info ci = c->ci;
    ci.caller_dest = c->up;
    ci.callee_dest = b->dest;
    ci.callee_tag = resp->to.tag;
    ci.answer_ms = proxy_wall_ms();
    /* Only the call's first 2xx is its answer; a further fork's 2xx, or
     * one after the call ended (a 2xx racing the caller's CANCEL), makes
     * a dialog without hooks. */
    ci.is_extra = !c->has_start_hook;
    if (ci.is_extra) {
        ci.pol = NULL; /* the policy's state belongs to the first dialog */
    }
    ci.src_ip = SV_NULL;
    ci.policy_arg = NULL;
    int rc = proxy_dlg_add(&pc->dialogs, &ci, now_ms);
    if (rc != 0 && rc != -EEXIST) {
        log_warn_rl(&lc, "dialog not tracked: %s", strerror(-rc));
    }
    if (!ci.is_extra) {
        c->ci.answer_ms = ci.answer_ms;
        c->has_start_hook = false; /* the dialog's end reports it */
        proxy_stat(&pc->stats.answered);
        if (pc->policy.on_call_answer) {
            pc->policy.on_call_answer(pc->policy.ud, &ci);
        }
        if (rc != 0) {
            /* No dialog will end it: it ends now for the hooks. */
            end_hook(pc, &ci, PROXY_CALL_EXPIRED, 200);
        }
    }
}

static bool try_hops(struct proxy_call *c, const struct sip_msg *msg,
                     uint64_t now_ms, struct proxy_refusal *ref);

#define SDES_LEG_WHY "SDES keys (a=crypto) would reach the callee in the clear"
#define SDES_LEG_WARNING                                              \
    "Warning: 399 sipwarden \"" SDES_LEG_WHY " (sdes_in_clear)\"\r\n" \
    "Reason: SIP;cause=488;text=\"sdes_in_clear\"\r\n"

/* The call fails the media policy after routing: the caller gets 488 (or
 * 400) with a Warning, the policy the rule for its CDR and event. */
static void media_refuse(struct proxy_call *c, enum media_verdict v,
                         const char *why, uint64_t now_ms)
{
    char hdr[256];
    proxy_media_hdrs(hdr, sizeof(hdr), v, why);
    c->ci.refused_rule = media_verdict_rule(v);
    proxy_stat(&c->pw->core->stats.media_refused);
    call_finish(c, PROXY_CALL_REFUSED, media_verdict_status(v), NULL, hdr,
                now_ms);
}

/* A failed hop that lets the next one be tried (RFC 3263 §4.3 spirit:
 * no answer or a server failure, not a refusal by the far end). */
static bool is_failover(int status)
{
    return status == 408 || (status >= 500 && status < 600);
}

/* The last hop failed: try the next one. Returns true when a branch runs
 * again or the call was answered here (a refusal of every hop left). */
static bool fail_over(struct proxy_call *c, int status, uint64_t now_ms)
{
    struct sip_msg m;
    if (c->route == NULL || c->is_final_sent || c->n_pending > 0
        || !is_failover(status) || c->next_hop >= c->route->n_hops
        || !orig_msg(c, &m)) {
        return false;
    }
    struct proxy_refusal ref = { 0 };
    if (try_hops(c, &m, now_ms, &ref)) {
        return true;
    }
    if (ref.status != 0 && c->best_status == 0) {
        call_finish(c, PROXY_CALL_REFUSED, ref.status, ref.reason,
                    ref.extra_hdrs, now_ms);
    }
    return false;
}

static void branch_final(struct proxy_branch *b, const struct sip_msg *resp,
                         int status, uint64_t now_ms)
{
    struct proxy_call *c = b->call;
    struct proxy_worker *pw = c->pw;

    b->is_done = true;
    b->status = status;
    b->ctx = NULL; /* its last report */
    c->n_pending--;

    if (resp && status >= 200 && status < 300 && !c->is_dialog_req
        && resp->cseq.method == SIP_METHOD_INVITE) {
        const char *why = NULL;
        enum media_verdict v = proxy_leg_2xx_check(c, b, resp, &why);
        if (v != MEDIA_OK) {
            /* The callee's answer fails the policy: it never goes up. */
            proxy_leg_end(pw, b, resp, media_verdict_rule(v), now_ms);
            if (c->is_final_sent) {
                proxy_stat(&pw->core->stats.media_refused);
            } else {
                media_refuse(c, v, why, now_ms);
            }
            cancel_branches(c, now_ms);
            call_settle(c, now_ms);
            return;
        }
    }
    if (resp && status >= 200 && status < 300) {
        buf_reset(&pw->out);
        if (proxy_fwd_response(&pw->out, resp) == 0) {
            if (!c->is_dialog_req && resp->cseq.method == SIP_METHOD_INVITE) {
                make_dialog(c, b, resp, now_ms);
            }
            relay_up(c, status, pw->out.p, pw->out.len, now_ms);
        }
        c->is_final_sent = true;
        c->is_answered = true;
        /* RFC 3261 §16.7 step 10: the other branches are cancelled */
        cancel_branches(c, now_ms);
    } else if (!c->is_final_sent && proxy_best_better(status, c->best_status)) {
        c->best_status = status;
        free(c->best);
        c->best = NULL;
        buf_reset(&pw->out);
        if (resp && proxy_fwd_response(&pw->out, resp) == 0) {
            c->best = malloc(pw->out.len);
            if (c->best) {
                memcpy(c->best, pw->out.p, pw->out.len);
                c->best_len = pw->out.len;
            }
        }
        if (status >= 600) {
            cancel_branches(c, now_ms); /* §16.7 step 5 */
        }
    }
    if (fail_over(c, status, now_ms)) {
        return;
    }
    call_settle(c, now_ms);
}

static void branch_cb(void *ud, struct sip_txn *txn,
                      const struct sip_txn_event *ev)
{
    struct proxy_branch *b = ud;
    struct proxy_call *c = b->call;
    struct proxy_worker *pw = c->pw;
    const struct sip_msg *resp = ev->resp;
    uint64_t now_ms = pw->now_ms;

    if (resp == NULL && ev->kind != SIP_TXN_EV_TIMEOUT) {
        return;
    }
    switch (ev->kind) {
    case SIP_TXN_EV_PROVISIONAL:
        b->status = ev->status;
        if (b->cancel_pending) {
            branch_send_cancel(b, now_ms);
        }
        if (ev->status == 100 || c->is_final_sent) {
            return; /* 100 is hop by hop (§16.7 step 5) */
        }
        buf_reset(&pw->out);
        if (proxy_fwd_response(&pw->out, resp) == 0) {
            relay_up(c, ev->status, pw->out.p, pw->out.len, now_ms);
        }
        if (c->list == LIST_TIMER) {
            /* §16.7 step 2: a provisional restarts Timer C */
            proxy_list_put(c, LIST_TIMER, now_ms + pw->core->cfg.timer_c_ms);
        }
        return;
    case SIP_TXN_EV_FINAL:
        if (ev->status >= 300 && sip_txn_method(txn) == SIP_METHOD_INVITE) {
            /* §17.1.1.3: the ACK of a non-2xx is ours to build */
            struct sip_msg inv;
            buf_reset(&pw->aux);
            if (sip_msg_parse(&inv, sv_make(b->req, b->req_len), NULL)
                    == SIP_PARSE_OK
                && proxy_fwd_ack(&pw->aux, &inv, resp) == 0) {
                sip_txn_client_ack(txn, pw->aux.p, pw->aux.len);
            }
        }
        branch_final(b, resp, ev->status, now_ms);
        return;
    case SIP_TXN_EV_TIMEOUT:
        branch_final(b, NULL, 408, now_ms);
        return;
    }
}

/* ---- timers ------------------------------------------------------------ */

void proxy_worker_run_timers(struct proxy_worker *pw, uint64_t now_ms)
{
    pw->now_ms = now_ms;
    while (pw->timer_head && pw->timer_head->deadline_ms <= now_ms) {
        struct proxy_call *c = pw->timer_head;
        list_remove(c);
        /* RFC 3261 §16.8: Timer C cancels the branches; we answer 408 now
         * unless a better final is at hand. */
        cancel_branches(c, now_ms);
        if (!c->is_final_sent) {
            if (proxy_best_better(408, c->best_status)) {
                c->best_status = 408;
                free(c->best);
                c->best = NULL;
            }
            send_best(c, now_ms);
        }
        call_settle(c, now_ms);
    }
    while (pw->linger_head && pw->linger_head->deadline_ms <= now_ms) {
        struct proxy_call *c = pw->linger_head;
        for (unsigned i = 0; i < c->n_branches; i++) {
            if (c->br[i].ctx) {
                sip_txn_client_detach(c->br[i].ctx, now_ms);
                c->br[i].ctx = NULL;
            }
        }
        c->n_pending = 0;
        proxy_call_free(c);
    }
}

/* ---- calls ------------------------------------------------------------- */

static struct sv put_str(char **pos, struct sv v)
{
    if (v.len) {
        memcpy(*pos, v.p, v.len);
    }
    struct sv r = sv_make(*pos, v.len);
    *pos += v.len;
    return r;
}

/* A call for request 'msg' with its server transaction; NULL when out of
 * memory or over the cap. */
struct proxy_call *proxy_call_new(struct proxy_worker *pw,
                                  const struct sip_msg *msg,
                                  struct sip_txn *stx,
                                  const struct proxy_src *src,
                                  const struct proxy_call_info *ci)
{
    if (pw->n_calls >= pw->core->cfg.max_calls) {
        return NULL;
    }
    size_t extra = msg->raw.len + ci->domain.len + ci->caller.len
                   + ci->callee.len + msg->call_id.len + msg->from.tag.len
                   + src->ip.len;
    struct proxy_call *c = calloc(1, sizeof(*c) + extra);
    if (c == NULL) {
        return NULL;
    }
    c->pw = pw;
    c->stx = stx;
    c->up = src->dest;
    sv_copy_cstr(src->ip, c->up_ip, sizeof(c->up_ip));
    c->up_port = src->port;
    char *pos = c->tail;
    c->orig = pos;
    c->orig_len = msg->raw.len;
    put_str(&pos, msg->raw);
    c->ci = *ci;
    c->ci.domain = put_str(&pos, ci->domain);
    c->ci.caller = put_str(&pos, ci->caller);
    c->ci.callee = put_str(&pos, ci->callee);
    c->ci.call_id = put_str(&pos, msg->call_id);
    c->ci.caller_tag = put_str(&pos, msg->from.tag);
    c->ci.src_ip = put_str(&pos, src->ip);
    c->ci.callee_tag = SV_NULL;
    c->all_next = pw->all_calls;
    if (pw->all_calls) {
        pw->all_calls->all_prev = c;
    }
    pw->all_calls = c;
    pw->n_calls++;
    if (stx) {
        sip_txn_set_ud(stx, c);
    }
    return c;
}

const char *proxy_via_name(int t)
{
    static const char *const names[PROXY_SIDES] = { "UDP", "TCP", "TLS",
                                                    "WSS" };
    return t >= 0 && t < PROXY_SIDES ? names[t] : "UDP";
}

void proxy_fork_to(struct proxy_call *c, const struct sip_msg *msg,
                   const struct proxy_src *src, struct sv ruri, bool with_rr,
                   unsigned drop_routes, const struct sip_txn_dest *dest,
                   uint64_t now_ms)
{
    struct proxy_worker *pw = c->pw;
    struct proxy_core *pc = pw->core;
    struct proxy_branch *b = &c->br[c->n_branches];
    int out = dest->transport;
    int in = src->dest.transport;

    if (out < 0 || out >= PROXY_SIDES || !pc->side[out].on || in < 0
        || in >= PROXY_SIDES) {
        return;
    }
    memset(b, 0, sizeof(*b));
    b->call = c;
    proxy_make_branch(pw, b->branch);
    struct proxy_fwd f = {
        .ruri = ruri,
        .via_transport = sv_cstr(proxy_via_name(out)),
        .via_sent_by = sv_cstr(pc->side[out].sent_by),
        .branch = sv_cstr(b->branch),
        .drop_routes = drop_routes,
        .drop_proxy_auth = msg->method == SIP_METHOD_INVITE && with_rr,
        .src_ip = src->ip,
        .src_port = src->port,
    };
    if (with_rr) {
        /* RFC 5658: changing transport, both sides get their own entry,
         * the outgoing side's on top. */
        f.record_route = sv_cstr(pc->side[out].record_route);
        if (in != out && pc->side[in].on) {
            f.record_route2 = sv_cstr(pc->side[in].record_route);
        }
    }
    buf_reset(&pw->out);
    if (proxy_fwd_request(&pw->out, msg, &f) != 0) {
        return;
    }
    b->req = malloc(pw->out.len);
    if (b->req == NULL) {
        return;
    }
    memcpy(b->req, pw->out.p, pw->out.len);
    b->req_len = pw->out.len;
    b->dest = *dest;
    if (out == NET_PROTO_UDP) {
        b->dest.conn_id = pw->conn_id; /* this worker's socket */
    }
    struct sip_txn_key key = { .method = msg->method,
                               .method_name = msg->method_name,
                               .branch = sv_cstr(b->branch) };
    int rc = sip_txn_client_start(pw->txn, &key, &b->dest, b->req, b->req_len,
                                  out != NET_PROTO_UDP, now_ms, branch_cb, b,
                                  &b->ctx);
    if (rc != 0) {
        log_warn_rl(&lc, "request not forwarded: %s", strerror(-rc));
        free(b->req);
        b->req = NULL;
        return;
    }
    c->n_branches++;
    c->n_pending++;
    if (msg->method == SIP_METHOD_INVITE) {
        proxy_stat(&pc->stats.forks);
    }
}

/* Registered contacts, copied out under the location table's lock. */
struct targets {
    unsigned n;
    unsigned cap;
    struct {
        char uri[512];
        struct reg_src src;
    } t[PROXY_MAX_BRANCHES];
};

static void collect(void *ud, const struct reg_binding_view *b)
{
    struct targets *ts = ud;
    if (ts->n >= ts->cap || b->contact.len >= sizeof(ts->t[0].uri)) {
        return;
    }
    memcpy(ts->t[ts->n].uri, b->contact.p, b->contact.len);
    ts->t[ts->n].uri[b->contact.len] = '\0';
    ts->t[ts->n].src = b->src;
    ts->n++;
}

/* Where to send to a registered contact: its own address, or the address
 * it registered from when that differs (a phone behind NAT). */
static int target_addr(const struct sip_uri *u, const struct reg_src *src,
                       struct net_addr *out)
{
    if (src->transport != NET_PROTO_UDP) {
        return -EPROTONOSUPPORT;
    }
    int rc = proxy_uri_addr(u, out);
    if (rc == -EPROTONOSUPPORT) {
        return rc;
    }
    struct net_addr from;
    memset(&from, 0, sizeof(from));
    if (src->family == AF_INET) {
        from.in4.sin_family = AF_INET;
        memcpy(&from.in4.sin_addr, src->ip, 4);
        from.in4.sin_port = htons(src->port);
        from.len = sizeof(from.in4);
    } else if (src->family == AF_INET6) {
        from.in6.sin6_family = AF_INET6;
        memcpy(&from.in6.sin6_addr, src->ip, 16);
        from.in6.sin6_port = htons(src->port);
        from.len = sizeof(from.in6);
    } else {
        return rc;
    }
    if (rc != 0 || !net_addr_eq_ip(out, &from)) {
        *out = from;
    }
    return 0;
}

/* The flow to a registered contact: over TCP or TLS the connection it
 * registered on (a phone behind NAT is reachable only there); over UDP
 * its address as above. */
static int target_dest(struct proxy_worker *pw, const struct sip_uri *u,
                       const struct reg_src *src, struct sip_txn_dest *d)
{
    struct proxy_core *pc = pw->core;
    if (src->transport == NET_PROTO_TCP || src->transport == NET_PROTO_TLS
        || src->transport == NET_PROTO_WSS) {
        if (pc->stream_dest == NULL || !pc->side[src->transport].on) {
            return -EPROTONOSUPPORT;
        }
        return pc->stream_dest(pc->stream_ud, src, d);
    }
    struct net_addr to;
    int rc = target_addr(u, src, &to);
    if (rc == 0) {
        proxy_dest_of_addr(pw, &to, d);
    }
    return rc;
}

/* Start the next hop of c->route that the policy lets through. Returns
 * true when a branch runs; false with 'ref' holding the policy's last
 * refusal (status 0: none) when no hop is left. */
static bool try_hops(struct proxy_call *c, const struct sip_msg *msg,
                     uint64_t now_ms, struct proxy_refusal *ref)
{
    struct proxy_worker *pw = c->pw;
    struct proxy_core *pc = pw->core;
    struct proxy_src src = { .dest = c->up,
                             .ip = sv_cstr(c->up_ip),
                             .port = c->up_port };
    struct sip_nameaddr next;
    bool has_next;
    unsigned drop_routes = proxy_our_routes(pc, msg, &next, &has_next);
    while (c->next_hop < c->route->n_hops
           && c->n_branches < PROXY_MAX_BRANCHES) {
        const struct proxy_hop *h = &c->route->hops[c->next_hop++];
        c->ci.trunk_id = h->trunk_id;
        if (!proxy_leg_sdes_ok(c, NET_PROTO_UDP)) {
            /* trunks are reached over UDP: the keys would cross it */
            c->ci.refused_rule = media_verdict_rule(MEDIA_REFUSE_SDES_CLEAR);
            ref->status = 488;
            ref->reason = NULL;
            ref->extra_hdrs = SDES_LEG_WARNING;
            continue;
        }
        if (pc->policy.on_hop
            && !pc->policy.on_hop(pc->policy.ud, &c->ci, h, ref)) {
            continue;
        }
        unsigned before = c->n_branches;
        struct sip_txn_dest d;
        proxy_dest_of_addr(pw, &h->addr, &d);
        proxy_fork_to(c, msg, &src, sv_cstr(h->ruri), true, drop_routes, &d,
                      now_ms);
        if (c->n_branches > before) {
            return true;
        }
    }
    return false;
}

void proxy_refuse_now(struct proxy_worker *pw, struct sip_txn *stx,
                      const struct sip_msg *msg, const struct proxy_src *src,
                      int status, const char *reason, const char *extra)
{
    if (proxy_respond_own(pw, stx, msg, src->ip, src->port, status, reason,
                          extra, pw->now_ms)
        < 0) {
        sip_txn_server_abandon(stx);
    }
}

void proxy_invite(struct proxy_worker *pw, const struct sip_msg *msg,
                  struct sip_txn *stx, const struct proxy_src *src,
                  const struct proxy_caller *caller, uint64_t now_ms)
{
    struct proxy_core *pc = pw->core;
    char callee[128];

    pw->now_ms = now_ms;
    if (msg->max_forwards == 0) {
        proxy_refuse_now(pw, stx, msg, src, 483, NULL, NULL); /* §16.3 step 3 */
        return;
    }
    if (msg->ruri.scheme != SIP_URI_SIP && msg->ruri.scheme != SIP_URI_SIPS) {
        proxy_refuse_now(pw, stx, msg, src, 416, NULL, NULL);
        return;
    }
    long ulen = sip_unescape(msg->ruri.user, callee, sizeof(callee) - 1);
    if (ulen <= 0) {
        proxy_refuse_now(pw, stx, msg, src, 404, NULL, NULL);
        return;
    }
    /* §16.2: a 100 at once, so the caller stops retransmitting. */
    if (proxy_respond_own(pw, stx, msg, src->ip, src->port, 100, NULL, NULL,
                          now_ms)
        < 0) {
        sip_txn_server_abandon(stx);
        return;
    }

    struct proxy_call_info ci;
    memset(&ci, 0, sizeof(ci));
    ci.domain = caller->domain;
    ci.caller = caller->user;
    ci.callee = sv_make(callee, (size_t)ulen);
    ci.caller_user_id = caller->user_id;
    ci.tenant_id = caller->tenant_id;
    ci.trunk_id = caller->trunk_id;
    ci.policy_arg = caller->policy_arg;
    ci.caller_dest = src->dest;
    ci.start_ms = proxy_wall_ms();
    if (msg->body.len > 0) {
        const struct sip_hdr *ct = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
        ci.offer_type = ct ? ct->value : SV_NULL;
        ci.offer_body = msg->body;
        ci.has_offer = true;
    }
    ci.offer_secure = net_proto_is_tls((enum net_proto)src->dest.transport);
    /* SDES keys over a clear transport are refused by the policy anyway:
     * only an offer that came over TLS or WSS is scanned here for them
     * (the clear legs it must not be forked to). */
    ci.offer_sdes = ci.offer_secure && ci.has_offer
                    && media_has_sdes(ci.offer_type, ci.offer_body);
    if (ci.caller_user_id == 0 && ci.trunk_id == 0 && caller->find_user) {
        caller->find_user(caller->find_ud, caller->domain, caller->user,
                          &ci.caller_user_id, &ci.tenant_id);
    }
    /* Extensions only reach their own tenant: the Request-URI names the
     * caller's domain (or our address). */
    struct sv host = msg->ruri.host;
    if (host.len >= 2 && host.p[0] == '[') {
        host = sv_make(host.p + 1, host.len - 2);
    }
    bool same_tenant = sv_eq_nocase(host, caller->domain)
                       || sv_eq_cstr_nocase(host, pc->self_ip);
    bool is_ext = false;
    if (same_tenant && ci.trunk_id == 0 && caller->find_user) {
        int64_t tid = 0;
        is_ext = caller->find_user(caller->find_ud, caller->domain, ci.callee,
                                   &ci.callee_user_id, &tid)
                     == 0
                 && (ci.tenant_id == 0 || tid == ci.tenant_id);
        if (!is_ext) {
            ci.callee_user_id = 0;
        }
    }

    struct proxy_call *c = proxy_call_new(pw, msg, stx, src, &ci);
    if (c == NULL) {
        proxy_refuse_now(pw, stx, msg, src, 503, NULL, "Retry-After: 5\r\n");
        return;
    }
    proxy_stat(&pc->stats.calls);
    struct proxy_refusal ref = { 0 };
    struct proxy_route *route = malloc(sizeof(*route));
    if (route) {
        route->ext_user_id = is_ext ? ci.callee_user_id : 0;
        route->n_hops = 0;
    }
    if (route == NULL
        || !pc->policy.on_call_start(pc->policy.ud, &c->ci, is_ext, route,
                                     &ref)) {
        int st = ref.status >= 400 && ref.status <= 699 ? ref.status : 403;
        if (route == NULL) {
            st = 503;
        }
        c->is_final_sent = true;
        c->stx = NULL;
        sip_txn_set_ud(stx, NULL);
        proxy_stat(&pc->stats.failed);
        if (route) {
            end_hook(pc, &c->ci, PROXY_CALL_REFUSED,
                     st); /* before the answer */
        }
        proxy_refuse_now(pw, stx, msg, src, st, ref.reason, ref.extra_hdrs);
        free(route);
        proxy_call_free(c);
        return;
    }
    c->has_start_hook = true;

    if (route->ext_user_id > 0) {
        struct targets ts = { .cap = pc->cfg.max_branches };
        c->ci.callee_user_id = route->ext_user_id;
        free(route);
        reg_loc_lookup(pc->loc, c->ci.callee_user_id,
                       (int64_t)(proxy_wall_ms() / 1000), collect, &ts);
        struct sip_nameaddr next;
        bool has_next;
        unsigned drop_routes = proxy_our_routes(pc, msg, &next, &has_next);
        unsigned n_clear = 0;
        for (unsigned i = 0; i < ts.n; i++) {
            struct sip_uri u;
            struct sip_txn_dest d;
            struct sv uri = sv_cstr(ts.t[i].uri);
            if (sip_parse_uri(uri, &u, NULL) != SIP_PARSE_OK
                || target_dest(pw, &u, &ts.t[i].src, &d) != 0) {
                continue;
            }
            if (!proxy_leg_sdes_ok(c, d.transport)) {
                n_clear++; /* its keys would cross a clear leg */
                continue;
            }
            proxy_fork_to(c, msg, src, uri, true, drop_routes, &d, now_ms);
        }
        if (c->n_pending == 0 && n_clear > 0) {
            media_refuse(c, MEDIA_REFUSE_SDES_CLEAR, SDES_LEG_WHY, now_ms);
            proxy_call_free(c);
            return;
        }
        if (c->n_pending == 0) {
            /* No reachable contact. */
            call_finish(c, PROXY_CALL_UNAVAILABLE, 480, NULL, NULL, now_ms);
            proxy_call_free(c);
            return;
        }
    } else if (route->n_hops > 0) {
        c->route = route;
        if (!try_hops(c, msg, now_ms, &ref)) {
            int st = ref.status ? ref.status : 503;
            call_finish(c, ref.status ? PROXY_CALL_REFUSED : PROXY_CALL_FAILED,
                        st, ref.reason, ref.extra_hdrs, now_ms);
            proxy_call_free(c);
            return;
        }
    } else {
        /* The policy let it through but named no destination. */
        free(route);
        call_finish(c, PROXY_CALL_FAILED, 404, NULL, NULL, now_ms);
        proxy_call_free(c);
        return;
    }
    proxy_list_put(c, LIST_TIMER, now_ms + pc->cfg.timer_c_ms);
}

void proxy_cancel(struct proxy_worker *pw, const struct sip_msg *msg,
                  struct sip_txn *stx, uint64_t now_ms)
{
    struct sip_txn_key key;
    pw->now_ms = now_ms;
    sip_txn_key_from_msg(msg, &key);
    struct sip_txn *inv = sip_txn_server_find_invite(pw->txn, &key);
    struct proxy_call *c = inv ? sip_txn_ud(inv) : NULL;
    /* RFC 3261 §9.2 */
    int st = inv ? 200 : 481;
    if (proxy_respond_own(pw, stx, msg, SV_NULL, 0, st, NULL, NULL, now_ms)
        < 0) {
        sip_txn_server_abandon(stx);
    }
    if (c == NULL || c->is_final_sent) {
        return;
    }
    /* §16.10: 487 upstream, CANCEL downstream. */
    call_finish(c, PROXY_CALL_CANCELLED, 487, NULL, NULL, now_ms);
    cancel_branches(c, now_ms);
    call_settle(c, now_ms);
}
