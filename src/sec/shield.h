/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shield: the security verdict on every packet and request, in the
 * product's order. Before parsing: whitelist / blacklist, active bans,
 * GeoIP, Level 1 / Level 2 packet rates. After parsing: User-Agent
 * blacklist and score, per-network per-method rates. Around
 * authentication: failed credentials and unanswered challenges. A
 * detection that crosses a threshold becomes a ban with its story; the
 * shield logs it and tells its hooks (persistence, the kernel). Its
 * configuration is one immutable snapshot, rebuilt on every change and
 * published to the workers without a read-side lock.
 */
#ifndef SW_SEC_SHIELD_H
#define SW_SEC_SHIELD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"
#include "sec/acl.h"
#include "sec/ban.h"
#include "sec/detect.h"
#include "sec/ratelimit.h"
#include "sec/settings.h"
#include "sec/snap.h"
#include "sec/srctable.h"

struct net_addr;
struct sec_shield;

/* Why a packet or request was dropped. */
enum sec_drop {
    SEC_DROP_NONE = 0,
    SEC_DROP_ACL,    /* block entry of the IP list */
    SEC_DROP_BAN,    /* active ban */
    SEC_DROP_GEO,    /* country not allowed */
    SEC_DROP_FLOOD,  /* Level 1 / 2 or trusted packet rate */
    SEC_DROP_UA,     /* User-Agent blacklist or score */
    SEC_DROP_METHOD, /* per-network per-method rate */
    SEC_DROP_AUTH,   /* banned on failed credentials or challenges */
    SEC_DROP_COUNT,
};

/* "acl", "ban", "geo", ... for counters and logs. */
const char *sec_drop_name(enum sec_drop d);

/* A rate rule for a network, as the store keeps it. */
struct sec_shield_rate {
    struct sec_net net;
    char method[SEC_RL_METHOD_CAP];
    uint32_t rate;
    uint32_t period_s;
    uint32_t burst;
};

/* Everything the shield is configured from (the store's contents). */
struct sec_shield_input {
    const struct sec_settings *set;
    const struct sec_acl_entry *acl; /* IP allow / block list */
    size_t n_acl;
    const struct sv *ua; /* User-Agent blacklist patterns */
    size_t n_ua;
    const char (*countries)[3]; /* allowed countries; none = all */
    size_t n_countries;
    const struct sec_shield_rate *rates;
    size_t n_rates;
};

/* Side effects of bans; called on the thread that made or ended the ban. */
struct sec_shield_hooks {
    void (*on_ban)(void *ud, const struct sec_ban *b);
    void (*on_unban)(void *ud, const struct sec_ban *b, const char *cause);
    void *ud;
};

struct sec_shield_stats {
    _Atomic uint64_t packets;
    _Atomic uint64_t drops[SEC_DROP_COUNT];
    _Atomic uint64_t bans_total;   /* bans made (new or lengthened) */
    _Atomic uint64_t bans_own;     /* refused: own address */
    _Atomic uint64_t bans_full;    /* refused: ban table full */
    _Atomic uint64_t user_blocked; /* 403 to a blocked user */
};

/* One worker's cached configuration; zero-initialise, one thread only. */
struct sec_shield_view {
    struct sec_snap_view v; /* private */
};

/*
 * What the shield knows about the packet in hand, filled by
 * sec_shield_packet() and passed to the later calls for the same packet.
 */
struct sec_pkt {
    const void *conf; /* private: the configuration in force */
    const struct net_addr *src;
    struct sv raw; /* the packet, for the sample of a ban */
    uint64_t now_ms;
    unsigned flags; /* SEC_DETECT_TRUSTED for whitelisted sources */
};

/* The parts of a request the shield looks at (views into the message). */
struct sec_req_info {
    struct sv method;
    struct sv ruri;
    struct sv from_user;
    struct sv ua;
    bool has_ua;
};

enum sec_gate {
    SEC_GATE_PASS = 0, /* carry on */
    SEC_GATE_FORBID,   /* answer 403: this user is blocked from there */
    SEC_GATE_DROP,     /* answer nothing: the source is banned */
};

/*
 * Create a shield that never bans the server's own addresses 'own'
 * (n_own host networks, copied; packets from them are trusted like a
 * whitelisted source) and reports bans to 'hooks' (copied; may
 * be NULL). It has no configuration until sec_shield_configure(): packets
 * pass. Returns 0 or -ENOMEM.
 */
int sec_shield_new(const struct sec_net *own, size_t n_own,
                   const struct sec_shield_hooks *hooks,
                   struct sec_shield **out);

/* NULL is a no-op. No worker may use it any more. */
void sec_shield_free(struct sec_shield *sh);

/*
 * Build a configuration from 'in' and publish it. The per-source table is
 * kept when source_table_size did not change, and so is an open GeoIP
 * database when geoip_db did not. A GeoIP database that cannot be opened
 * turns GeoIP off (said in 'warn', the rest applies). Returns 0, or
 * -EINVAL / -EEXIST / -ENOMEM with the reason in 'err' (the previous
 * configuration stays). 'err' and 'warn' may be NULL.
 */
int sec_shield_configure(struct sec_shield *sh,
                         const struct sec_shield_input *in, uint64_t now_ms,
                         char *err, size_t err_cap, char *warn,
                         size_t warn_cap);

/* Release the view's configuration (before its thread exits). */
void sec_shield_view_fini(struct sec_shield_view *v);

/*
 * Every datagram / stream message, before anything else: IP list, bans,
 * GeoIP, packet rates. Fills *p for the later calls. Any thread.
 */
enum sec_drop sec_shield_packet(struct sec_shield *sh,
                                struct sec_shield_view *view,
                                const struct net_addr *src, struct sv raw,
                                uint64_t now_ms, struct sec_pkt *p);

/* Every parsed request: User-Agent rules and method rates. */
enum sec_drop sec_shield_request(struct sec_shield *sh, struct sec_pkt *p,
                                 const struct sec_req_info *req);

/*
 * A credential from p->src for (user, tenant) was checked: 'result'. May
 * ban the source (SEC_GATE_DROP) or block the user there (SEC_GATE_FORBID).
 * 'req' gives the sample for a ban and the log.
 */
enum sec_gate sec_shield_auth(struct sec_shield *sh, struct sec_pkt *p,
                              const struct sec_req_info *req, struct sv user,
                              struct sv tenant, enum sec_auth result);

/* A 401 / 407 challenge was sent to p->src. */
void sec_shield_challenge(struct sec_shield *sh, struct sec_pkt *p,
                          const struct sec_req_info *req);

/*
 * Ban host 'src' for 'ban_s' seconds on behalf of a detector outside the
 * SIP path (the portal's sign-in protection: SEC_REASON_WEB_LOGIN), with
 * its story (threshold, count, window) and a short sample text. Stored,
 * logged, sent to the kernel like any ban. Returns 0, -EINVAL, -EPERM (one
 * of the server's own addresses: never banned) or -ENOSPC. Any thread.
 */
int sec_shield_ban(struct sec_shield *sh, const struct net_addr *src,
                   enum sec_reason reason, uint32_t threshold, uint32_t count,
                   uint32_t window_s, uint32_t ban_s, const char *sample);

/*
 * End every ban expired at 'now_s' (unix seconds): logged, on_unban
 * "expired". Returns how many ended. Any thread (the daemon's main loop).
 */
size_t sec_shield_expire(struct sec_shield *sh, int64_t now_s);

/*
 * Lift the ban on exactly 'net' (and forget the detectors' state for a
 * host): logged, on_unban "lifted". Returns 0 or -ENOENT.
 */
int sec_shield_lift(struct sec_shield *sh, const struct sec_net *net);

/*
 * Put back a ban kept across a restart (no hooks called, not logged).
 * Returns as sec_bantable_put().
 */
int sec_shield_restore(struct sec_shield *sh, const struct sec_ban *b);

/* The ban table (for get, foreach, count; changes go through the
 * shield). */
struct sec_bantable *sec_shield_bans(struct sec_shield *sh);

/* Counters. */
const struct sec_shield_stats *sec_shield_stats(const struct sec_shield *sh);

/* Per-source table figures of the configuration in force (zeros if none). */
void sec_shield_table_stats(struct sec_shield *sh,
                            struct sec_srctable_stats *out);

/* GeoIP state of the configuration in force: "off", "on (N countries)",
 * or "off: <why the database could not be opened>". */
void sec_shield_geo_status(struct sec_shield *sh, char *buf, size_t cap);

#endif
