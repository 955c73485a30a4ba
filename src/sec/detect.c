/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Detectors: what the per-source counters mean and when they ban. Every
 * decision is taken under the lock of the source's shard (the address,
 * its (user, tenant) records and its buckets live there); the IPv6 /64
 * offender count is updated afterwards under its own shard's lock.
 *
 * Windows: packet rates over a sliding second (srctable.c); every other
 * counter over a detection window that starts with the first event after
 * the previous one ended (PortSIP's "detection period"). A challenge is
 * unanswered once it has outlived one full grace slot.
 */
#include "sec/detect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "net/addr.h"
#include "sec/ratelimit.h"
#include "sec/srctable.h"
#include "sec/srctable_int.h"

struct sec_detect {
    struct sec_detect_cfg cfg;
    struct sec_srctable *t; /* not owned */
    uint32_t period_ms;
};

/* ---- settings ------------------------------------------------------------ */

void sec_detect_cfg_defaults(struct sec_detect_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->period_s = 60;
    cfg->sip_ban_s = 3600;
    cfg->auth_fail_ban = 50;
    cfg->user_fail_block = 10;
    cfg->user_block_s = 600;
    cfg->many_users_ban = 10;
    cfg->trust_success_s = 86400;
    cfg->challenge_fail_ban = 20;
    cfg->challenge_grace_s = 5;
    cfg->l1_pps = 500;
    cfg->l1_ban_s = 30;
    cfg->l2_pps = 2000;
    cfg->l2_ban_s = 3600;
    cfg->trusted_pps = 20000;
    cfg->ua_score_ban = 20;
    cfg->ua_ban_s = 3600;
    cfg->method_refused_ban = 100;
    cfg->method_ban_s = 600;
    cfg->v6_escalate_after = 3;
    cfg->v6_window_s = 3600;
}

static bool in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi;
}

int sec_detect_cfg_check(const struct sec_detect_cfg *c)
{
    const uint32_t year = 366u * 86400u;
    const uint32_t pps_max = 64999;
    bool ok =
        in_range(c->period_s, 1, SEC_WINDOW_MAX_MS / 1000)
        && in_range(c->sip_ban_s, 1, year)
        && in_range(c->auth_fail_ban, 1, UINT16_MAX)
        && in_range(c->user_fail_block, 1, UINT16_MAX)
        && in_range(c->user_block_s, 1, year) && c->many_users_ban <= UINT16_MAX
        && c->trust_success_s <= 30u * 86400u
        && in_range(c->challenge_fail_ban, 1, UINT16_MAX)
        && in_range(c->challenge_grace_s, 1, 60)
        && in_range(c->l1_pps, 1, pps_max) && in_range(c->l1_ban_s, 1, year)
        && in_range(c->l2_pps, 1, pps_max) && in_range(c->l2_ban_s, 1, year)
        && in_range(c->trusted_pps, 1, pps_max) && c->ua_score_ban <= UINT8_MAX
        && in_range(c->ua_ban_s, 1, year) && c->method_refused_ban <= UINT8_MAX
        && in_range(c->method_ban_s, 1, year)
        && c->v6_escalate_after <= SEC_NET64_SLOTS
        && in_range(c->v6_window_s, 1, year);
    return ok ? 0 : -EINVAL;
}

int sec_detect_new(const struct sec_detect_cfg *cfg, struct sec_srctable *t,
                   struct sec_detect **out)
{
    if (!cfg || !t || sec_detect_cfg_check(cfg) != 0) {
        return -EINVAL;
    }
    struct sec_detect *d = calloc(1, sizeof(*d));
    if (!d) {
        return -ENOMEM;
    }
    d->cfg = *cfg;
    d->t = t;
    d->period_ms = cfg->period_s * 1000;
    *out = d;
    return 0;
}

void sec_detect_free(struct sec_detect *d)
{
    free(d);
}

const struct sec_detect_cfg *sec_detect_cfg_get(const struct sec_detect *d)
{
    return &d->cfg;
}

/* ---- names --------------------------------------------------------------- */

const char *sec_reason_name(enum sec_reason reason)
{
    static const char *const names[SEC_REASON_COUNT] = {
        [SEC_REASON_NONE] = "none",
        [SEC_REASON_L1_RATE] = "l1_rate",
        [SEC_REASON_L2_RATE] = "l2_rate",
        [SEC_REASON_AUTH_FAILURES] = "auth_failures",
        [SEC_REASON_CHALLENGE_FAILURES] = "challenge_failures",
        [SEC_REASON_MANY_USERS] = "many_users",
        [SEC_REASON_METHOD_RATE] = "method_rate",
        [SEC_REASON_UA_SUSPICIOUS] = "ua_suspicious",
        [SEC_REASON_UA_BLACKLIST] = "ua_blacklist",
        [SEC_REASON_USER_FAILURES] = "user_failures",
        [SEC_REASON_TRUSTED_RATE] = "trusted_rate",
        [SEC_REASON_WEB_LOGIN] = "web_login",
        [SEC_REASON_PROV_SCAN] = "prov_scan",
    };
    if ((unsigned)reason >= SEC_REASON_COUNT) {
        return "?";
    }
    return names[reason];
}

const char *sec_verdict_name(enum sec_verdict verdict)
{
    switch (verdict) {
    case SEC_OK:
        return "ok";
    case SEC_RATE_LIMITED:
        return "rate_limited";
    case SEC_USER_BLOCKED:
        return "user_blocked";
    case SEC_BANNED:
        return "banned";
    case SEC_BAN:
        return "ban";
    }
    return "?";
}

/* ---- helpers ------------------------------------------------------------- */

static bool ip_is_v4(const uint8_t ip[16])
{
    static const uint8_t mapped[12] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
    };
    return memcmp(ip, mapped, sizeof(mapped)) == 0;
}

static uint32_t ban_time(const struct sec_detect *d, enum sec_reason r)
{
    switch (r) {
    case SEC_REASON_L1_RATE:
        return d->cfg.l1_ban_s;
    case SEC_REASON_L2_RATE:
        return d->cfg.l2_ban_s;
    case SEC_REASON_AUTH_FAILURES:
    case SEC_REASON_CHALLENGE_FAILURES:
    case SEC_REASON_MANY_USERS:
        return d->cfg.sip_ban_s;
    case SEC_REASON_METHOD_RATE:
        return d->cfg.method_ban_s;
    case SEC_REASON_UA_SUSPICIOUS:
    case SEC_REASON_UA_BLACKLIST:
        return d->cfg.ua_ban_s;
    default:
        return 0;
    }
}

static bool ban_active(const struct sec_src_lock *lk, const struct sec_src *e)
{
    return e->a.ban_until_s > lk->now_s;
}

/* A new ban is reported when none runs or it would be longer. */
static bool ban_allowed(const struct sec_detect *d,
                        const struct sec_src_lock *lk, const struct sec_src *e,
                        enum sec_reason r)
{
    if (!ban_active(lk, e)) {
        return true;
    }
    return ban_time(d, r) > ban_time(d, (enum sec_reason)e->a.ban_reason);
}

static void decision_init(struct sec_decision *out,
                          const struct sec_src_lock *lk,
                          const struct sec_src *e)
{
    memset(out, 0, sizeof(*out));
    out->verdict = SEC_OK;
    out->reason = SEC_REASON_NONE;
    out->rule = -1;
    out->prefix_len = ip_is_v4(lk->ip) ? 32 : 128;
    out->first_seen_ms = sec_srctable_abs_ms(lk->t, e->first_seen_s);
    out->last_seen_ms = sec_srctable_abs_ms(lk->t, e->last_seen_s);
    if (e->flags & SEC_SRCF_DET_ACTIVE) {
        out->window_start_ms =
            lk->now_ms - (uint32_t)(lk->now_ms32 - e->a.det_start_ms);
    }
}

static void explain(struct sec_decision *out, enum sec_verdict v,
                    enum sec_reason r, uint32_t threshold, uint32_t count,
                    uint32_t window_ms)
{
    out->verdict = v;
    out->reason = r;
    out->threshold = threshold;
    out->count = count;
    out->window_ms = window_ms;
}

static enum sec_verdict do_ban(const struct sec_detect *d,
                               const struct sec_src_lock *lk, struct sec_src *e,
                               enum sec_reason r, uint32_t threshold,
                               uint32_t count, uint32_t window_ms,
                               struct sec_decision *out)
{
    uint32_t ban_s = ban_time(d, r);
    e->a.ban_until_s = lk->now_s + ban_s;
    e->a.ban_reason = (uint8_t)r;
    explain(out, SEC_BAN, r, threshold, count, window_ms);
    out->ban_s = ban_s;
    return SEC_BAN;
}

static enum sec_verdict banned(const struct sec_src_lock *lk,
                               const struct sec_src *e,
                               struct sec_decision *out)
{
    out->verdict = SEC_BANNED;
    out->reason = (enum sec_reason)e->a.ban_reason;
    out->ban_s = e->a.ban_until_s - lk->now_s;
    return SEC_BANNED;
}

/* Start a new detection window when none runs or the period is over. */
static void det_roll(const struct sec_detect *d, const struct sec_src_lock *lk,
                     struct sec_src *e)
{
    if ((e->flags & SEC_SRCF_DET_ACTIVE)
        && lk->now_ms32 - e->a.det_start_ms < d->period_ms) {
        return;
    }
    sec_src_det_restart(lk, e);
    e->a.chal_slot = (uint16_t)(lk->now_s / d->cfg.challenge_grace_s);
}

/* Age the challenges: new -> previous slot -> unanswered. */
static void chal_roll(const struct sec_detect *d, const struct sec_src_lock *lk,
                      struct sec_src *e)
{
    struct sec_src_addr *a = &e->a;
    uint16_t slot = (uint16_t)(lk->now_s / d->cfg.challenge_grace_s);
    uint16_t elapsed = (uint16_t)(slot - a->chal_slot);
    if (elapsed == 0) {
        return;
    }
    uint32_t old = a->chal_old + (uint32_t)a->chal_mid;
    if (elapsed == 1) {
        a->chal_mid = a->chal_new;
    } else {
        old += a->chal_new;
        a->chal_mid = 0;
    }
    a->chal_new = 0;
    a->chal_old = (uint16_t)SW_MIN(old, UINT16_MAX);
    a->chal_slot = slot;
}

/* A credentialed request answers the youngest outstanding challenge. */
static void chal_answer(struct sec_src *e)
{
    struct sec_src_addr *a = &e->a;
    if (a->chal_new > 0) {
        a->chal_new--;
    } else if (a->chal_mid > 0) {
        a->chal_mid--;
    } else if (a->chal_old > 0) {
        a->chal_old--;
    }
}

/* Note a banned IPv6 /128 in its /64; escalate when enough offend. */
static void net64_note(struct sec_detect *d, const uint8_t ip[16],
                       uint64_t now_ms, struct sec_decision *out)
{
    uint8_t net[16] = { 0 };
    memcpy(net, ip, 8);
    uint32_t hv = (uint32_t)sec_srctable_hash(d->t, ip + 8, 8);
    struct sec_src_lock lk;
    sec_srctable_lock(d->t, net, now_ms, &lk);
    struct sec_src *e = sec_srctable_find(&lk, SEC_SRC_NET64, 0, true, NULL);
    struct sec_src_net64 *n = &e->n;
    if (lk.now_s - n->win_s >= d->cfg.v6_window_s) {
        n->n = 0;
        n->win_s = lk.now_s;
    }
    bool seen = false;
    for (unsigned i = 0; i < SW_MIN(n->n, SEC_NET64_SLOTS); i++) {
        if (n->seen[i] == hv) {
            seen = true;
            break;
        }
    }
    if (!seen) {
        if (n->n < SEC_NET64_SLOTS) {
            n->seen[n->n] = hv;
        }
        if (n->n < UINT8_MAX) {
            n->n++;
        }
    }
    out->net64_offenders = n->n;
    if (n->n >= d->cfg.v6_escalate_after) {
        out->prefix_len = 64;
    }
    sec_srctable_unlock(&lk);
}

/* Release the source's shard, then do what needs another shard. */
static enum sec_verdict finish(struct sec_detect *d, struct sec_src_lock *lk,
                               enum sec_verdict v, struct sec_decision *out)
{
    uint8_t ip[16];
    memcpy(ip, lk->ip, 16);
    uint64_t now_ms = lk->now_ms;
    sec_srctable_unlock(lk);
    out->verdict = v;
    if (v == SEC_BAN && d->cfg.v6_escalate_after > 0 && !ip_is_v4(ip)) {
        net64_note(d, ip, now_ms, out);
    }
    return v;
}

/* Lock the source's shard and get its address entry. */
static struct sec_src *begin(struct sec_detect *d, const struct net_addr *src,
                             uint64_t now_ms, struct sec_src_lock *lk,
                             struct sec_decision *out)
{
    uint8_t ip[16];
    net_addr_ip16(src, ip);
    sec_srctable_lock(d->t, ip, now_ms, lk);
    struct sec_src *e = sec_srctable_find(lk, SEC_SRC_ADDR, 0, true, NULL);
    decision_init(out, lk, e);
    return e;
}

/* ---- packets and requests ------------------------------------------------ */

enum sec_verdict sec_detect_packet(struct sec_detect *d,
                                   const struct net_addr *src, unsigned flags,
                                   uint64_t now_ms, struct sec_decision *out)
{
    struct sec_decision tmp;
    if (!out) {
        out = &tmp;
    }
    struct sec_src_lock lk;
    struct sec_src *e = begin(d, src, now_ms, &lk, out);
    uint32_t pps = sec_src_count_packet(&lk, e);
    const struct sec_detect_cfg *c = &d->cfg;
    enum sec_verdict v = SEC_OK;
    if (flags & SEC_DETECT_TRUSTED) {
        /* A limit, not a cut-off: above trusted_pps every k-th packet still
         * passes (k = pps / trusted_pps, rounded up), so a trunk that stays
         * over the limit keeps about trusted_pps packets a second. */
        uint32_t k = (pps + c->trusted_pps - 1) / c->trusted_pps;
        if (pps > c->trusted_pps && e->a.pkt_cur % k != 0) {
            explain(out, SEC_RATE_LIMITED, SEC_REASON_TRUSTED_RATE,
                    c->trusted_pps, pps, 1000);
            v = SEC_RATE_LIMITED;
        }
    } else if (pps > c->l2_pps && ban_allowed(d, &lk, e, SEC_REASON_L2_RATE)) {
        v = do_ban(d, &lk, e, SEC_REASON_L2_RATE, c->l2_pps, pps, 1000, out);
    } else if (pps > c->l1_pps && ban_allowed(d, &lk, e, SEC_REASON_L1_RATE)) {
        v = do_ban(d, &lk, e, SEC_REASON_L1_RATE, c->l1_pps, pps, 1000, out);
    } else if (ban_active(&lk, e)) {
        v = banned(&lk, e, out);
    }
    return finish(d, &lk, v, out);
}

enum sec_verdict sec_detect_request(struct sec_detect *d,
                                    const struct net_addr *src, unsigned flags,
                                    const struct sec_req *req, uint64_t now_ms,
                                    struct sec_decision *out)
{
    struct sec_decision tmp;
    if (!out) {
        out = &tmp;
    }
    const struct sec_detect_cfg *c = &d->cfg;
    bool trusted = (flags & SEC_DETECT_TRUSTED) != 0;
    struct sec_src_lock lk;
    struct sec_src *e = begin(d, src, now_ms, &lk, out);
    if (!trusted && ban_active(&lk, e)) {
        return finish(d, &lk, banned(&lk, e, out), out);
    }
    det_roll(d, &lk, e);
    out->window_start_ms = now_ms - (uint32_t)(lk.now_ms32 - e->a.det_start_ms);
    if (!trusted && req->ua == SEC_REQ_UA_BAD) {
        return finish(d, &lk,
                      do_ban(d, &lk, e, SEC_REASON_UA_BLACKLIST, 1, 1, 0, out),
                      out);
    }
    if (!trusted && req->ua == SEC_REQ_UA_MISSING && c->ua_score_ban > 0) {
        if (e->a.ua_score < UINT8_MAX) {
            e->a.ua_score++;
        }
        if (e->a.ua_score >= c->ua_score_ban) {
            return finish(d, &lk,
                          do_ban(d, &lk, e, SEC_REASON_UA_SUSPICIOUS,
                                 c->ua_score_ban, e->a.ua_score, d->period_ms,
                                 out),
                          out);
        }
    }
    if (req->rl && req->rl_net != 0) {
        struct sec_rl_result rr;
        enum sec_rl_res res = sec_ratelimit_take_locked(
            req->rl, &lk, e, req->rl_net, req->method, &rr);
        if (res == SEC_RL_LIMITED) {
            if (e->a.rl_refused < UINT8_MAX) {
                e->a.rl_refused++;
            }
            const struct sec_rl_rule *rule =
                sec_ratelimit_rule(req->rl, (size_t)rr.rule);
            out->rule = rr.rule;
            out->retry_after_ms = rr.retry_after_ms;
            if (!trusted && c->method_refused_ban > 0
                && e->a.rl_refused >= c->method_refused_ban) {
                return finish(d, &lk,
                              do_ban(d, &lk, e, SEC_REASON_METHOD_RATE,
                                     c->method_refused_ban, e->a.rl_refused,
                                     d->period_ms, out),
                              out);
            }
            explain(out, SEC_RATE_LIMITED, SEC_REASON_METHOD_RATE, rule->rate,
                    e->a.rl_refused, rule->period_s * 1000);
            return finish(d, &lk, SEC_RATE_LIMITED, out);
        }
    }
    return finish(d, &lk, SEC_OK, out);
}

/* ---- authentication and challenges -------------------------------------- */

enum sec_verdict sec_detect_challenge(struct sec_detect *d,
                                      const struct net_addr *src,
                                      unsigned flags, uint64_t now_ms,
                                      struct sec_decision *out)
{
    struct sec_decision tmp;
    if (!out) {
        out = &tmp;
    }
    bool trusted = (flags & SEC_DETECT_TRUSTED) != 0;
    struct sec_src_lock lk;
    struct sec_src *e = begin(d, src, now_ms, &lk, out);
    if (!trusted && ban_active(&lk, e)) {
        return finish(d, &lk, banned(&lk, e, out), out);
    }
    det_roll(d, &lk, e);
    out->window_start_ms = now_ms - (uint32_t)(lk.now_ms32 - e->a.det_start_ms);
    chal_roll(d, &lk, e);
    if (e->a.chal_new < UINT8_MAX) {
        e->a.chal_new++;
    }
    if (!trusted && e->a.chal_old >= d->cfg.challenge_fail_ban) {
        return finish(d, &lk,
                      do_ban(d, &lk, e, SEC_REASON_CHALLENGE_FAILURES,
                             d->cfg.challenge_fail_ban, e->a.chal_old,
                             d->period_ms, out),
                      out);
    }
    return finish(d, &lk, SEC_OK, out);
}

/* Keyed hash of (tenant case-folded, user): the user record's key. */
static uint64_t user_tag(const struct sec_srctable *t, struct sv user,
                         struct sv tenant)
{
    uint8_t buf[4 + 255 + 1 + 255];
    size_t tl = SW_MIN(tenant.len, 255);
    size_t ul = SW_MIN(user.len, 255);
    size_t n = 0;
    buf[n++] = (uint8_t)(tenant.len >> 8);
    buf[n++] = (uint8_t)tenant.len;
    buf[n++] = (uint8_t)(user.len >> 8);
    buf[n++] = (uint8_t)user.len;
    for (size_t i = 0; i < tl; i++) {
        char ch = tenant.p[i];
        buf[n++] = (uint8_t)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
    buf[n++] = 0;
    if (ul > 0) {
        memcpy(buf + n, user.p, ul);
        n += ul;
    }
    return sec_srctable_hash(t, buf, n);
}

static enum sec_verdict user_blocked(const struct sec_detect *d,
                                     const struct sec_src_lock *lk,
                                     const struct sec_src *u,
                                     struct sec_decision *out)
{
    explain(out, SEC_USER_BLOCKED, SEC_REASON_USER_FAILURES,
            d->cfg.user_fail_block, u->u.fails, d->period_ms);
    out->ban_s = u->u.blocked_until_s - lk->now_s;
    return SEC_USER_BLOCKED;
}

static enum sec_verdict auth_ok(struct sec_detect *d, struct sec_src_lock *lk,
                                struct sec_src *e, uint64_t tag,
                                struct sec_decision *out)
{
    struct sec_src_addr *a = &e->a;
    struct sec_src *u = sec_srctable_find(lk, SEC_SRC_USER, tag, false, e);
    if (u && u->u.blocked_until_s > lk->now_s) {
        return user_blocked(d, lk, u, out);
    }
    if (u) {
        /* "A success lowers the count": forget this user's failures. */
        if (u->u.win_ms == a->det_start_ms) {
            a->auth_fails =
                (uint16_t)(a->auth_fails - SW_MIN(a->auth_fails, u->u.counted));
            if (u->u.fails > 0 && a->users_failing > 0) {
                a->users_failing--;
            }
        }
        u->u.fails = 0;
        u->u.counted = 0;
        u->u.blocked_until_s = 0;
    }
    a->last_success_s = lk->now_s + 1;
    return SEC_OK;
}

static enum sec_verdict auth_failed(struct sec_detect *d,
                                    struct sec_src_lock *lk, struct sec_src *e,
                                    uint64_t tag, bool trusted,
                                    struct sec_decision *out)
{
    const struct sec_detect_cfg *c = &d->cfg;
    struct sec_src_addr *a = &e->a;
    struct sec_src *u = sec_srctable_find(lk, SEC_SRC_USER, tag, true, e);
    if (u->u.win_ms != a->det_start_ms) {
        u->u.win_ms = a->det_start_ms;
        u->u.fails = 0;
        u->u.counted = 0;
    }
    if (u->u.fails == 0 && a->users_failing < UINT16_MAX) {
        a->users_failing++;
    }
    if (u->u.fails < UINT16_MAX) {
        u->u.fails++;
    }
    /* One user failing past its own threshold from an address that has
     * authenticated successfully (an office NAT with one misconfigured
     * phone) no longer counts towards banning the address. */
    bool known_good =
        a->last_success_s != 0
        && lk->now_s + 1 - a->last_success_s <= c->trust_success_s;
    if (u->u.fails <= c->user_fail_block || !known_good) {
        if (a->auth_fails < UINT16_MAX) {
            a->auth_fails++;
        }
        if (u->u.counted < UINT16_MAX) {
            u->u.counted++;
        }
    }
    bool blocked = u->u.blocked_until_s > lk->now_s;
    if (!blocked && u->u.fails >= c->user_fail_block) {
        u->u.blocked_until_s = lk->now_s + c->user_block_s;
        blocked = true;
    }
    if (!trusted && a->auth_fails >= c->auth_fail_ban
        && ban_allowed(d, lk, e, SEC_REASON_AUTH_FAILURES)) {
        return do_ban(d, lk, e, SEC_REASON_AUTH_FAILURES, c->auth_fail_ban,
                      a->auth_fails, d->period_ms, out);
    }
    if (!trusted && c->many_users_ban > 0
        && a->users_failing >= c->many_users_ban
        && ban_allowed(d, lk, e, SEC_REASON_MANY_USERS)) {
        return do_ban(d, lk, e, SEC_REASON_MANY_USERS, c->many_users_ban,
                      a->users_failing, d->period_ms, out);
    }
    if (blocked) {
        return user_blocked(d, lk, u, out);
    }
    return SEC_OK;
}

enum sec_verdict sec_detect_auth(struct sec_detect *d,
                                 const struct net_addr *src, struct sv user,
                                 struct sv tenant, enum sec_auth result,
                                 unsigned flags, uint64_t now_ms,
                                 struct sec_decision *out)
{
    struct sec_decision tmp;
    if (!out) {
        out = &tmp;
    }
    bool trusted = (flags & SEC_DETECT_TRUSTED) != 0;
    uint64_t tag = user_tag(d->t, user, tenant);
    struct sec_src_lock lk;
    struct sec_src *e = begin(d, src, now_ms, &lk, out);
    if (!trusted && ban_active(&lk, e)) {
        return finish(d, &lk, banned(&lk, e, out), out);
    }
    det_roll(d, &lk, e);
    out->window_start_ms = now_ms - (uint32_t)(lk.now_ms32 - e->a.det_start_ms);
    chal_roll(d, &lk, e);
    chal_answer(e);
    enum sec_verdict v = SEC_OK;
    switch (result) {
    case SEC_AUTH_OK:
        v = auth_ok(d, &lk, e, tag, out);
        break;
    case SEC_AUTH_FAILED:
        v = auth_failed(d, &lk, e, tag, trusted, out);
        break;
    case SEC_AUTH_STALE:
        /* A stale nonce answered correctly is a retry, never a failure. */
        break;
    }
    return finish(d, &lk, v, out);
}

void sec_detect_lift(struct sec_detect *d, const struct net_addr *src)
{
    sec_src_forget(d->t, src);
}
