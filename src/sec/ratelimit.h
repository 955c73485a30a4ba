/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-network, per-method request rate limits in the sipXcom style
 * ("REGISTER 15 per minute, burst 4" for a home-user range): token buckets
 * with bursts, one per (source, rule), kept in the per-source table.
 * Integer-only GCRA on the hot path. Which network a source belongs to is
 * the ACL's business: callers pass the network's id; what a refusal does
 * to the request (drop, count towards a ban) is detect.c's.
 */
#ifndef SW_SEC_RATELIMIT_H
#define SW_SEC_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"

struct net_addr;
struct sec_src;
struct sec_src_lock;
struct sec_srctable;

/* Method text storage, NUL included: 15 bytes of method. */
#define SEC_RL_METHOD_CAP 16
/* Most rules one set accepts. */
#define SEC_RL_MAX_RULES 4096
/* Rules per network kept inside the source entry; more use overflow. */
#define SEC_RL_INLINE 7

/* One limit: 'rate' requests per 'period_s' from each source of a network. */
struct sec_rl_rule {
    uint8_t net_id;                 /* caller's network id, 1..255 */
    char method[SEC_RL_METHOD_CAP]; /* "REGISTER" (case-sensitive) or "*" */
    uint32_t rate;                  /* requests per period, >= 1 */
    uint32_t period_s;              /* 1..86400 */
    uint32_t burst;                 /* accepted at once when idle, >= 1 */
};

/* Immutable rule set (opaque). */
struct sec_ratelimit;

enum sec_rl_res {
    SEC_RL_NO_RULE = 0, /* no rule for this network and method */
    SEC_RL_PASS,        /* within the limit; a token was taken */
    SEC_RL_LIMITED,     /* over the limit: drop the request */
};

struct sec_rl_result {
    int rule;                /* index of the rule applied; -1 for none */
    uint32_t retry_after_ms; /* when LIMITED: until a token is back */
};

/*
 * Build a rule set from 'rules' (copied; n may be 0). A rule is refused
 * (-EINVAL, *bad_index = its index; 'bad_index' may be NULL) when net_id
 * is 0, the method is empty, longer than 15 bytes, not a SIP token or
 * unterminated, rate/period/burst are out of range, the emission interval
 * (period / rate) is below 1/16 ms, or burst * period / rate exceeds 6
 * hours; -EEXIST when two rules share network and method; -E2BIG past
 * SEC_RL_MAX_RULES; -ENOMEM. Returns 0 with *out owned by the caller.
 * Two sets built from identical rules share bucket state in the table (a
 * reload of the same rules does not refill every bucket); a different set
 * starts every bucket full.
 */
int sec_ratelimit_new(const struct sec_rl_rule *rules, size_t n,
                      struct sec_ratelimit **out, size_t *bad_index);

/* NULL is a no-op. */
void sec_ratelimit_free(struct sec_ratelimit *rl);

/* Number of rules, and rule 'i' (NULL when out of range). */
size_t sec_ratelimit_count(const struct sec_ratelimit *rl);
const struct sec_rl_rule *sec_ratelimit_rule(const struct sec_ratelimit *rl,
                                             size_t i);

/*
 * The sipXcom "home user" limits for network 'net_id' (REGISTER 15/min,
 * INVITE 10/min, SUBSCRIBE 20/min, OPTIONS 10/min, ACK 20/s, burst 4 each,
 * as in the sipXcom firewall article and its iptables rules). Writes at
 * most 'cap' rules; returns how many there are (5).
 */
size_t sec_ratelimit_home_rules(uint8_t net_id, struct sec_rl_rule *out,
                                size_t cap);

/*
 * Take a token for a 'method' request from 'src' in network 'net_id' (0:
 * the source is in no limited network) at 'now_ms'. The rule for the exact
 * method applies, else the network's "*" rule, else none. 'out' may be
 * NULL. Any thread; one shard lock.
 */
enum sec_rl_res sec_ratelimit_check(const struct sec_ratelimit *rl,
                                    struct sec_srctable *t,
                                    const struct net_addr *src, uint8_t net_id,
                                    struct sv method, uint64_t now_ms,
                                    struct sec_rl_result *out);

/*
 * The same on an address entry under a held shard lock (detect.c). May
 * create an overflow bucket entry in the shard; 'addr' stays valid.
 */
enum sec_rl_res sec_ratelimit_take_locked(const struct sec_ratelimit *rl,
                                          struct sec_src_lock *lk,
                                          struct sec_src *addr, uint8_t net_id,
                                          struct sv method,
                                          struct sec_rl_result *out);

#endif
