/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shield's detectors on top of the per-source table: Level 1 / Level 2
 * packet rates, User-Agent scoring, per-method rate limits, failed
 * authentication (per address and per (address, user, tenant)) and failed
 * challenges within the detection period, and the IPv6 /128 -> /64
 * escalation. Each call returns a verdict that explains itself (rule,
 * threshold, count, window, first/last seen). Keeping the ban list,
 * pushing bans to nftables, logging and answering are the caller's.
 */
#ifndef SW_SEC_DETECT_H
#define SW_SEC_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/sv.h"

struct net_addr;
struct sec_ratelimit;
struct sec_srctable;

/*
 * Settings. Defaults (sec_detect_cfg_defaults()) follow the reference
 * documents where they give a value; see each field.
 */
struct sec_detect_cfg {
    /* Detection period, s (1..3600): counting window of the failure,
     * challenge, User-Agent and method-refusal counters. Default 60. */
    uint32_t period_s;
    /* SIP blacklist time, s: ban for failed auths, failed challenges and
     * many failing users. Default 3600 (PortSIP: "by default 1 hour"). */
    uint32_t sip_ban_s;
    /* Failed auths from one address in the period that ban it: the Nth
     * failure bans. Default 50 (PortSIP). */
    uint32_t auth_fail_ban;
    /* Failures of one (user, tenant) from one address in the period that
     * block that user from that address (the Nth blocks). Default 10. */
    uint32_t user_fail_block;
    /* How long such a user stays refused, s. Default 600. */
    uint32_t user_block_s;
    /* Distinct (user, tenant) failing from one address in the period that
     * ban it; 0 disables. Default 10. */
    uint32_t many_users_ban;
    /* An address with a successful auth this recent (s) is "known good":
     * failures of an already blocked user stop counting towards its ban.
     * 0 trusts nobody. Default 86400. */
    uint32_t trust_success_s;
    /* Unanswered challenges (401/407) from one address in the period that
     * ban it. Default 20. */
    uint32_t challenge_fail_ban;
    /* A challenge counts as unanswered after between 1 and 2 of these
     * (s, 1..60). Default 5. */
    uint32_t challenge_grace_s;
    /* Level 1: more than l1_pps packets/s bans for l1_ban_s.
     * Defaults 500 (PortSIP) and 30. */
    uint32_t l1_pps;
    uint32_t l1_ban_s;
    /* Level 2: more than l2_pps packets/s bans for l2_ban_s.
     * Defaults 2000 (PortSIP) and 3600. */
    uint32_t l2_pps;
    uint32_t l2_ban_s;
    /* Trusted (whitelisted) sources are never banned; past this many
     * packets/s their packets are dropped. Default 20000 (10 x Level 2). */
    uint32_t trusted_pps;
    /* Requests without User-Agent in the period that ban (0..255, 0
     * disables). Default 20. */
    uint32_t ua_score_ban;
    /* Ban for a blacklisted or suspicious User-Agent, s. Default 3600. */
    uint32_t ua_ban_s;
    /* Method-rate refusals in the period that ban (0..255, 0 disables:
     * refusals only drop). Default 100. */
    uint32_t method_refused_ban;
    /* Ban for method-rate abuse, s. Default 600. */
    uint32_t method_ban_s;
    /* Distinct banned /128s of one IPv6 /64 within v6_window_s that make
     * bans cover the /64 (0..8, 0 disables). Defaults 3 and 3600. */
    uint32_t v6_escalate_after;
    uint32_t v6_window_s;
};

enum sec_verdict {
    SEC_OK = 0,       /* carry on */
    SEC_RATE_LIMITED, /* drop this packet / request silently, no ban */
    SEC_USER_BLOCKED, /* answer 403 to this user from this address only */
    SEC_BANNED,       /* under a ban reported earlier: drop silently */
    SEC_BAN,          /* new ban (or a longer one): add it, then drop */
};

enum sec_reason {
    SEC_REASON_NONE = 0,
    SEC_REASON_L1_RATE,            /* packets/s above Level 1 */
    SEC_REASON_L2_RATE,            /* packets/s above Level 2 */
    SEC_REASON_AUTH_FAILURES,      /* failed auths from the address */
    SEC_REASON_CHALLENGE_FAILURES, /* challenges never answered */
    SEC_REASON_MANY_USERS,         /* many usernames failing */
    SEC_REASON_METHOD_RATE,        /* per-method rate limit */
    SEC_REASON_UA_SUSPICIOUS,      /* requests without User-Agent */
    SEC_REASON_UA_BLACKLIST,       /* User-Agent on the blacklist */
    SEC_REASON_USER_FAILURES,      /* one (user, tenant) failing: blocked */
    SEC_REASON_TRUSTED_RATE,       /* trusted source above trusted_pps */
    SEC_REASON_WEB_LOGIN,          /* failed portal / API sign-ins */
    SEC_REASON_PROV_SCAN,          /* guessed provisioning directories */
    SEC_REASON_COUNT,
};

/* Why a verdict was reached: enough to explain a ban. */
struct sec_decision {
    enum sec_verdict verdict;
    enum sec_reason reason;   /* NONE for SEC_OK */
    uint32_t threshold;       /* the limit reached or exceeded */
    uint32_t count;           /* the counter that did it */
    uint32_t window_ms;       /* window it was counted in (1000 for pps) */
    uint64_t window_start_ms; /* start of the detection window, if any */
    uint32_t ban_s;           /* BAN: ban time; USER_BLOCKED: block time;
                               * BANNED: seconds left */
    uint8_t prefix_len;       /* BAN: 32 (IPv4), 128, or 64 (escalated) */
    uint32_t net64_offenders; /* BAN on IPv6: offenders seen in its /64 */
    int rule;                 /* METHOD_RATE: rate rule index, else -1 */
    uint32_t retry_after_ms;  /* METHOD_RATE: until the bucket refills */
    uint64_t first_seen_ms;   /* the source, caller's clock, 1 s res. */
    uint64_t last_seen_ms;
};

/* Flags for every call. */
enum sec_detect_flag {
    SEC_DETECT_TRUSTED = 1u << 0, /* whitelisted: never banned */
};

/* What the caller knows about a request's User-Agent. */
enum sec_req_ua {
    SEC_REQ_UA_OK = 0,  /* present, not blacklisted */
    SEC_REQ_UA_MISSING, /* no User-Agent header: adds to the score */
    SEC_REQ_UA_BAD,     /* matches the User-Agent blacklist */
};

/* A parsed request, as far as the detectors care. */
struct sec_req {
    struct sv method; /* request method, case-sensitive */
    enum sec_req_ua ua;
    const struct sec_ratelimit *rl; /* rate rules in force; may be NULL */
    uint8_t rl_net;                 /* source's rate network id; 0 none */
};

/* Results of a digest authentication, as the registrar / proxy saw it. */
enum sec_auth {
    SEC_AUTH_OK = 0, /* right credentials */
    SEC_AUTH_FAILED, /* wrong password, unknown user, bad or replayed nonce */
    SEC_AUTH_STALE,  /* right answer to an expired nonce: never a failure */
};

struct sec_detect;

/* Fill 'cfg' with the defaults above. */
void sec_detect_cfg_defaults(struct sec_detect_cfg *cfg);

/*
 * Check ranges: every time and threshold >= 1 except where 0 disables;
 * period_s <= 3600; pps limits < 65000; ua_score_ban and
 * method_refused_ban <= 255; counters <= 65535; ban times <= 1 year.
 * Returns 0 or -EINVAL.
 */
int sec_detect_cfg_check(const struct sec_detect_cfg *cfg);

/*
 * Create a detector with a copy of 'cfg' over table 't' (not owned; must
 * outlive the detector). Settings are fixed for the detector's life: to
 * change them build another over the same table (state is kept) and swap.
 * Returns 0, -EINVAL (sec_detect_cfg_check) or -ENOMEM.
 */
int sec_detect_new(const struct sec_detect_cfg *cfg, struct sec_srctable *t,
                   struct sec_detect **out);

/* NULL is a no-op. */
void sec_detect_free(struct sec_detect *d);

const struct sec_detect_cfg *sec_detect_cfg_get(const struct sec_detect *d);

/*
 * Every datagram / stream message from 'src', before parsing: counts it
 * and applies Level 1 / Level 2 (SEC_BAN once per level; SEC_BANNED while
 * that ban lasts; a Level 2 ban is reported on top of a running Level 1
 * one when its ban time is longer). Call it for packets of banned sources
 * too if the kernel does not drop them yet, so Level 2 can escalate.
 * Trusted: SEC_RATE_LIMITED above trusted_pps, never a ban. 'out' may be
 * NULL. All sec_detect_* calls: any thread, one or two shard locks, no
 * allocation; 'src' must be set (IPv4-mapped IPv6 counts as IPv4).
 */
enum sec_verdict sec_detect_packet(struct sec_detect *d,
                                   const struct net_addr *src, unsigned flags,
                                   uint64_t now_ms, struct sec_decision *out);

/*
 * Every parsed request (not counted as a packet again): User-Agent
 * blacklist (SEC_BAN), User-Agent missing (score; SEC_BAN at
 * ua_score_ban), then the method rate rule of req->rl_net (SEC_RATE_LIMITED;
 * SEC_BAN at method_refused_ban refusals). Trusted sources skip the
 * User-Agent rules and are only rate-limited.
 */
enum sec_verdict sec_detect_request(struct sec_detect *d,
                                    const struct net_addr *src, unsigned flags,
                                    const struct sec_req *req, uint64_t now_ms,
                                    struct sec_decision *out);

/*
 * A 401/407 challenge was sent to 'src' (a first challenge or a stale-nonce
 * re-challenge): never an auth failure, but unanswered challenges older
 * than the grace count towards challenge_fail_ban (SEC_BAN).
 */
enum sec_verdict sec_detect_challenge(struct sec_detect *d,
                                      const struct net_addr *src,
                                      unsigned flags, uint64_t now_ms,
                                      struct sec_decision *out);

/*
 * Credentials from 'src' for (user, tenant) were checked with 'result'
 * (call it after verifying, for every credentialed request; it also
 * answers one challenge). SEC_AUTH_STALE counts nothing. SEC_AUTH_FAILED
 * counts for the user and, within limits, the address: SEC_BAN at
 * auth_fail_ban or many_users_ban, SEC_USER_BLOCKED from the
 * user_fail_block-th failure of that user for user_block_s. SEC_AUTH_OK
 * returns SEC_USER_BLOCKED while the user is blocked (answer 403 even
 * though the password was right), else forgives that user's failures
 * (they leave the address count) and marks the address known good.
 * 'tenant' is compared case-insensitively, 'user' exactly.
 */
enum sec_verdict sec_detect_auth(struct sec_detect *d,
                                 const struct net_addr *src, struct sv user,
                                 struct sv tenant, enum sec_auth result,
                                 unsigned flags, uint64_t now_ms,
                                 struct sec_decision *out);

/*
 * Forget what the detectors hold for the IP of 'src' (counters, user
 * blocks, the ban reported), e.g. when an operator lifts its ban. The
 * /64 offender count of an IPv6 address is kept.
 */
void sec_detect_lift(struct sec_detect *d, const struct net_addr *src);

/* "l1_rate", "auth_failures", ... for logs and the API; "?" if unknown. */
const char *sec_reason_name(enum sec_reason reason);

/* "ok", "rate_limited", "user_blocked", "banned", "ban"; "?" if unknown. */
const char *sec_verdict_name(enum sec_verdict verdict);

#endif
