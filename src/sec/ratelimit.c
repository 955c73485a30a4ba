/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token buckets as GCRA (generic cell rate algorithm): each bucket is one
 * 32-bit "theoretical arrival time" in 1/16 ms ticks. A request at time
 * now passes when TAT - now <= (burst - 1) * T, T = period / rate, and
 * moves TAT to max(TAT, now) + T. That is a bucket of 'burst' tokens
 * refilled one per T, with no floats and one word of state per bucket.
 * The first SEC_RL_INLINE rules of a network keep their bucket inside the
 * source's entry; later ones get an overflow entry in the same shard.
 */
#include "sec/ratelimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "sec/srctable.h"
#include "sec/srctable_int.h"

_Static_assert(SEC_RL_INLINE == SEC_SRC_BUCKETS, "inline buckets");

struct rl_rule {
    struct sec_rl_rule r; /* as given */
    uint8_t method_len;
    bool any;           /* method "*" */
    uint16_t slot;      /* index among its network's rules */
    uint32_t t_ticks;   /* emission interval T */
    uint32_t tau_ticks; /* (burst - 1) * T */
};

struct sec_ratelimit {
    size_t n;
    uint8_t gen;             /* 1..255, from the rules' contents */
    uint16_t net_first[256]; /* into 'order' */
    uint16_t net_count[256];
    uint16_t *order; /* rule indices grouped by network */
    struct rl_rule *rules;
};

/* RFC 3261 §25.1 token characters. */
static bool is_token_char(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')) {
        return true;
    }
    return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

static int rule_check(const struct sec_rl_rule *in, struct rl_rule *out)
{
    size_t len = strnlen(in->method, SEC_RL_METHOD_CAP);
    if (in->net_id == 0 || len == 0 || len >= SEC_RL_METHOD_CAP) {
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_token_char(in->method[i])) {
            return -EINVAL;
        }
    }
    if (in->rate == 0 || in->period_s == 0 || in->period_s > 86400
        || in->burst == 0) {
        return -EINVAL;
    }
    uint64_t period_ticks = (uint64_t)in->period_s * 1000 * SEC_TICKS_PER_MS;
    uint64_t t = (period_ticks + in->rate / 2) / in->rate;
    if (t == 0 || (uint64_t)in->burst * t > SEC_TAT_MAX_AHEAD_TICKS) {
        return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    out->r = *in;
    memset(out->r.method, 0, sizeof(out->r.method));
    memcpy(out->r.method, in->method, len);
    out->method_len = (uint8_t)len;
    out->any = len == 1 && in->method[0] == '*';
    out->t_ticks = (uint32_t)t;
    out->tau_ticks = (uint32_t)((uint64_t)(in->burst - 1) * t);
    return 0;
}

static uint8_t rules_gen(const struct rl_rule *rules, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        const struct sec_rl_rule *r = &rules[i].r;
        uint32_t words[4] = { r->net_id, r->rate, r->period_s, r->burst };
        const uint8_t *p = (const uint8_t *)words;
        for (size_t j = 0; j < sizeof(words); j++) {
            h = (h ^ p[j]) * 0x100000001b3ull;
        }
        for (size_t j = 0; j < rules[i].method_len; j++) {
            h = (h ^ (uint8_t)r->method[j]) * 0x100000001b3ull;
        }
        h = (h ^ 0xff) * 0x100000001b3ull;
    }
    return (uint8_t)(1 + h % 255);
}

int sec_ratelimit_new(const struct sec_rl_rule *rules, size_t n,
                      struct sec_ratelimit **out, size_t *bad_index)
{
    if (n > SEC_RL_MAX_RULES) {
        return -E2BIG;
    }
    struct sec_ratelimit *rl = calloc(1, sizeof(*rl));
    if (!rl) {
        return -ENOMEM;
    }
    rl->rules = calloc(n ? n : 1, sizeof(*rl->rules));
    rl->order = calloc(n ? n : 1, sizeof(*rl->order));
    if (!rl->rules || !rl->order) {
        sec_ratelimit_free(rl);
        return -ENOMEM;
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        rc = rule_check(&rules[i], &rl->rules[i]);
        for (size_t j = 0; rc == 0 && j < i; j++) {
            const struct rl_rule *a = &rl->rules[j], *b = &rl->rules[i];
            if (a->r.net_id == b->r.net_id && a->method_len == b->method_len
                && memcmp(a->r.method, b->r.method, a->method_len) == 0) {
                rc = -EEXIST;
            }
        }
        if (rc != 0) {
            if (bad_index) {
                *bad_index = i;
            }
            sec_ratelimit_free(rl);
            return rc;
        }
        rl->rules[i].slot = rl->net_count[rules[i].net_id]++;
    }
    rl->n = n;
    /* Group indices by network, keeping the given order inside each. */
    uint16_t at = 0;
    for (unsigned net = 0; net < 256; net++) {
        rl->net_first[net] = at;
        at = (uint16_t)(at + rl->net_count[net]);
    }
    uint16_t fill[256];
    memcpy(fill, rl->net_first, sizeof(fill));
    for (size_t i = 0; i < n; i++) {
        rl->order[fill[rl->rules[i].r.net_id]++] = (uint16_t)i;
    }
    rl->gen = rules_gen(rl->rules, n);
    *out = rl;
    return 0;
}

void sec_ratelimit_free(struct sec_ratelimit *rl)
{
    if (!rl) {
        return;
    }
    free(rl->rules);
    free(rl->order);
    free(rl);
}

size_t sec_ratelimit_count(const struct sec_ratelimit *rl)
{
    return rl ? rl->n : 0;
}

const struct sec_rl_rule *sec_ratelimit_rule(const struct sec_ratelimit *rl,
                                             size_t i)
{
    return rl && i < rl->n ? &rl->rules[i].r : NULL;
}

size_t sec_ratelimit_home_rules(uint8_t net_id, struct sec_rl_rule *out,
                                size_t cap)
{
    /* sipXcom firewall article: "REGISTER at 15 per minute, INVITE at 10
     * per minute and SUBSCRIBE to 20 per minute, Options at 10 per minute
     * and ACK at 20 per second"; its iptables rules use "burst 4". */
    static const struct {
        const char *method;
        uint32_t rate, period_s;
    } home[] = {
        { "REGISTER", 15, 60 }, { "INVITE", 10, 60 }, { "SUBSCRIBE", 20, 60 },
        { "OPTIONS", 10, 60 },  { "ACK", 20, 1 },
    };
    size_t n = sizeof(home) / sizeof(home[0]);
    for (size_t i = 0; i < n && i < cap; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        out[i].net_id = net_id;
        memcpy(out[i].method, home[i].method, strlen(home[i].method));
        out[i].rate = home[i].rate;
        out[i].period_s = home[i].period_s;
        out[i].burst = 4;
    }
    return n;
}

/* Exact method first, else the network's "*" rule; -1 for none. */
static int rule_find(const struct sec_ratelimit *rl, uint8_t net_id,
                     struct sv method)
{
    int any = -1;
    const uint16_t *idx = &rl->order[rl->net_first[net_id]];
    for (unsigned k = 0; k < rl->net_count[net_id]; k++) {
        const struct rl_rule *r = &rl->rules[idx[k]];
        if (r->any) {
            any = idx[k];
        } else if (r->method_len == method.len
                   && memcmp(r->r.method, method.p, method.len) == 0) {
            return idx[k];
        }
    }
    return any;
}

enum sec_rl_res sec_ratelimit_take_locked(const struct sec_ratelimit *rl,
                                          struct sec_src_lock *lk,
                                          struct sec_src *addr, uint8_t net_id,
                                          struct sv method,
                                          struct sec_rl_result *out)
{
    struct sec_rl_result dummy;
    if (!out) {
        out = &dummy;
    }
    out->rule = -1;
    out->retry_after_ms = 0;
    if (!rl || net_id == 0 || rl->net_count[net_id] == 0) {
        return SEC_RL_NO_RULE;
    }
    int ri = rule_find(rl, net_id, method);
    if (ri < 0) {
        return SEC_RL_NO_RULE;
    }
    const struct rl_rule *r = &rl->rules[ri];
    out->rule = ri;
    struct sec_src_addr *a = &addr->a;
    if (a->rl_net != net_id || a->rl_gen != rl->gen) {
        /* Buckets of another network or rule set: start full. */
        for (unsigned i = 0; i < SEC_SRC_BUCKETS; i++) {
            a->tat[i] = lk->now_ticks;
        }
        a->rl_net = net_id;
        a->rl_gen = rl->gen;
    }
    uint32_t *tat;
    if (r->slot < SEC_SRC_BUCKETS) {
        tat = &a->tat[r->slot];
    } else {
        uint64_t tag =
            ((uint64_t)rl->gen << 40) | ((uint64_t)net_id << 16) | r->slot;
        struct sec_src *b =
            sec_srctable_find(lk, SEC_SRC_BUCKET, tag, true, addr);
        tat = &b->b.tat;
    }
    uint32_t now = lk->now_ticks;
    uint32_t cur = sec_tat_normalize(*tat, now);
    uint32_t ahead = cur - now;
    if (ahead > r->tau_ticks) {
        uint32_t wait = ahead - r->tau_ticks;
        out->retry_after_ms = (wait + SEC_TICKS_PER_MS - 1) / SEC_TICKS_PER_MS;
        *tat = cur;
        return SEC_RL_LIMITED;
    }
    *tat = cur + r->t_ticks;
    return SEC_RL_PASS;
}

enum sec_rl_res sec_ratelimit_check(const struct sec_ratelimit *rl,
                                    struct sec_srctable *t,
                                    const struct net_addr *src, uint8_t net_id,
                                    struct sv method, uint64_t now_ms,
                                    struct sec_rl_result *out)
{
    uint8_t ip[16];
    net_addr_ip16(src, ip);
    struct sec_src_lock lk;
    sec_srctable_lock(t, ip, now_ms, &lk);
    struct sec_src *e = sec_srctable_find(&lk, SEC_SRC_ADDR, 0, true, NULL);
    enum sec_rl_res res =
        sec_ratelimit_take_locked(rl, &lk, e, net_id, method, out);
    sec_srctable_unlock(&lk);
    return res;
}
