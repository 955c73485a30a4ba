/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IP allow/block lists: parsing networks as operators write them (CIDR or
 * address + subnet mask), the relations the shield needs between networks
 * and addresses, and an immutable longest-prefix-match table published to
 * the workers without a read-side lock. Where entries come from (store,
 * CLI) and what a verdict does to a packet are left to the callers.
 */
#ifndef SW_SEC_ACL_H
#define SW_SEC_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"
#include "sec/snap.h"

struct net_addr;

/* Longest network text sec_net_parse() accepts, in bytes. */
#define SEC_NET_TEXT_MAX 128
/* Enough for "ffff:...:ffff/128" and the NUL. */
#define SEC_NET_FMT_CAP 50
/* Enough for any sec_net_parse() error message. */
#define SEC_NET_ERR_CAP 192
/* Description storage per entry, NUL included: 255 bytes of text. */
#define SEC_ACL_DESCR_CAP 256
/* Most entries one table accepts. */
#define SEC_ACL_MAX_ENTRIES (1u << 20)

/*
 * A network: family, prefix length and the address with every host bit
 * zero. IPv4 sits in addr[0..3] (the rest zero) and is never stored as
 * IPv4-mapped IPv6.
 */
struct sec_net {
    uint8_t addr[16]; /* network address, network byte order */
    uint8_t family;   /* AF_INET or AF_INET6 */
    uint8_t prefix;   /* prefix length: 0..32 or 0..128 */
};

/* sec_net_parse() options. */
enum sec_net_opt {
    /* Refuse "10.1.2.3/8" instead of normalising it to 10.0.0.0/8. */
    SEC_NET_STRICT = 1u << 0,
};

/* sec_net_parse() warnings (bit set in *warn, the network is accepted). */
enum sec_net_warn {
    SEC_NET_WARN_HOST_BITS = 1u << 0, /* host bits were set and cleared */
    SEC_NET_WARN_MAPPED = 1u << 1,    /* ::ffff:a.b.c.d turned into IPv4 */
};

enum sec_acl_action {
    SEC_ACL_ALLOW = 1, /* trusted: never banned */
    SEC_ACL_BLOCK = 2, /* dropped silently */
};

/* One list entry; the table keeps its own copy. */
struct sec_acl_entry {
    struct sec_net net;            /* the network it applies to */
    enum sec_acl_action action;    /* allow or block */
    int64_t id;                    /* caller's id (store row), opaque */
    char descr[SEC_ACL_DESCR_CAP]; /* operator's note, NUL-terminated */
};

/* Immutable lookup table (opaque); see sec_acl_build(). */
struct sec_acl;

/* Where a table is published to the workers. */
struct sec_acl_ref {
    struct sec_snap_ref pub; /* private */
};

/* One worker's cached table; zero-initialise, one thread only. */
struct sec_acl_view {
    struct sec_snap_view v; /* private */
};

/* ---- networks ----------------------------------------------------------- */

/*
 * Parse a network: "10.0.0.0/8", "2001:db8::/32", a bare address (/32 or
 * /128), or address + subnet mask: "41.202.0.0 255.255.0.0",
 * "41.202.0.0/255.255.0.0", "103.224.182.0 / 255.255.255.0" (blanks
 * around the slash are allowed; IPv6 masks are accepted too). Leading and
 * trailing blanks are ignored. An IPv4-mapped address ("::ffff:1.2.3.0/120")
 * becomes IPv4 (1.2.3.0/24) with SEC_NET_WARN_MAPPED; mapped with a prefix
 * shorter than /96 is refused. Host bits set are cleared with
 * SEC_NET_WARN_HOST_BITS, or refused with SEC_NET_STRICT in 'opts'.
 * Refuses empty or longer than SEC_NET_TEXT_MAX input, names, zone ids,
 * prefix lengths above 32 / 128 or not decimal, non-contiguous masks, a
 * mask of the other family and trailing garbage.
 * Returns 0 (*out and *warn written; 'warn' may be NULL) or -EINVAL with a
 * message naming the problem in 'err' (cap bytes, may be NULL / 0), e.g.
 * "mask 255.0.255.0 is not contiguous".
 */
int sec_net_parse(struct sv text, unsigned opts, struct sec_net *out,
                  unsigned *warn, char *err, size_t err_cap);

/*
 * "10.0.0.0/8", "2001:db8::/32" (the prefix is always written) into 'buf'
 * (cap bytes; SEC_NET_FMT_CAP is always enough, shorter truncates). "-" for
 * a network that is not valid. Returns 'buf'.
 */
const char *sec_net_fmt(const struct sec_net *net, char *buf, size_t cap);

/*
 * True when 'net' is well formed: known family, prefix in range, host
 * bits zero, IPv4 bytes 4..15 zero, not an IPv4-mapped IPv6 network.
 */
bool sec_net_is_valid(const struct sec_net *net);

/* Same family, prefix and address. */
bool sec_net_eq(const struct sec_net *a, const struct sec_net *b);

/*
 * The network of 'prefix' bits around the IP of 'addr' (normalised first:
 * IPv4-mapped IPv6 counts as IPv4). Used to escalate an IPv6 offender from
 * /128 to /64. Returns 0, or -EINVAL when 'addr' is unset or 'prefix'
 * exceeds the family's width (32 or 128).
 */
int sec_net_from_addr(const struct net_addr *addr, unsigned prefix,
                      struct sec_net *out);

/*
 * True when the IP of 'addr' lies in 'net' (after normalising a mapped
 * 'addr'); false across families or for an unset address.
 */
bool sec_net_covers(const struct sec_net *net, const struct net_addr *addr);

/*
 * True when 'a' and 'b' share at least one address (one contains the
 * other); false across families.
 */
bool sec_net_overlaps(const struct sec_net *a, const struct sec_net *b);

/* True when 'outer' contains all of 'inner' (same family). */
bool sec_net_contains(const struct sec_net *outer, const struct sec_net *inner);

/*
 * True when 'net' is shorter (broader) than v4_prefix for IPv4 or
 * v6_prefix for IPv6, e.g. sec_net_is_broader_than(n, 16, 48) for the
 * audit's "broad whitelist" check.
 */
bool sec_net_is_broader_than(const struct sec_net *net, unsigned v4_prefix,
                             unsigned v6_prefix);

/* ---- entries ------------------------------------------------------------ */

/* "allow" / "block"; "?" for anything else. */
const char *sec_acl_action_name(enum sec_acl_action action);

/* Parse "allow" / "block" (case-insensitive). Returns 0 or -EINVAL. */
int sec_acl_action_parse(struct sv text, enum sec_acl_action *out);

/*
 * Fill 'e'. Refuses (-EINVAL, 'e' untouched) an invalid network or
 * action, and a description longer than SEC_ACL_DESCR_CAP - 1 bytes or
 * holding control bytes (it ends up in logs and the portal).
 */
int sec_acl_entry_set(struct sec_acl_entry *e, const struct sec_net *net,
                      enum sec_acl_action action, int64_t id, struct sv descr);

/* ---- tables ------------------------------------------------------------- */

/*
 * Build an immutable table from 'entries' (copied; n may be 0 and entries
 * NULL then). The caller owns the one reference in *out and gives it away
 * with sec_acl_ref_publish() or drops it with sec_acl_release().
 * Returns 0, -EINVAL (an entry fails the checks of sec_acl_entry_set()),
 * -EEXIST (two entries for the same network, whatever their actions: the
 * store must say which one it wants), -E2BIG (n > SEC_ACL_MAX_ENTRIES) or
 * -ENOMEM; on -EINVAL / -EEXIST *bad_index (may be NULL) is the index of
 * the offending (second) entry. *out is written only on success.
 */
int sec_acl_build(const struct sec_acl_entry *entries, size_t n,
                  struct sec_acl **out, size_t *bad_index);

/*
 * Longest-prefix match of the IP of 'addr' (IPv4-mapped IPv6 is looked up
 * as IPv4). Returns the entry, valid while the caller holds its reference
 * to 'acl', or NULL when no entry matches, 'acl' is NULL or 'addr' unset.
 * Lock-free, allocation-free; any thread.
 */
const struct sec_acl_entry *sec_acl_lookup(const struct sec_acl *acl,
                                           const struct net_addr *addr);

/*
 * Same for a 16-byte IP key as net_addr_ip16() writes it (IPv4 as
 * ::ffff:a.b.c.d).
 */
const struct sec_acl_entry *sec_acl_lookup_ip16(const struct sec_acl *acl,
                                                const uint8_t ip16[16]);

/* Number of entries; 0 for NULL. */
size_t sec_acl_count(const struct sec_acl *acl);

/* Entry 'i' (< sec_acl_count()) in the order given to sec_acl_build(). */
const struct sec_acl_entry *sec_acl_entry_at(const struct sec_acl *acl,
                                             size_t i);

/* Add a reference to a table the caller holds. */
void sec_acl_hold(struct sec_acl *acl);

/* Drop a reference; the last one frees the table. NULL is a no-op. */
void sec_acl_release(struct sec_acl *acl);

/* ---- publication -------------------------------------------------------- */

/* Initialise with no table published. Returns 0 or -errno. */
int sec_acl_ref_init(struct sec_acl_ref *ref);

/* Drop the published table; no thread may use 'ref' afterwards. */
void sec_acl_ref_fini(struct sec_acl_ref *ref);

/*
 * Publish 'acl' (NULL unpublishes), taking over the caller's reference;
 * the previous table is freed once its last reader releases it. Any
 * thread; publishers are serialised; readers are never blocked.
 */
void sec_acl_ref_publish(struct sec_acl_ref *ref, struct sec_acl *acl);

/*
 * The published table with a new reference (release it with
 * sec_acl_release()), or NULL. Lock-free; any thread.
 */
struct sec_acl *sec_acl_ref_acquire(struct sec_acl_ref *ref);

/*
 * The table for a worker's per-packet use: the one cached in 'view',
 * refreshed when a newer one was published (one atomic load otherwise).
 * Valid until the next call on 'view' or sec_acl_view_fini(); NULL when
 * nothing is published.
 */
const struct sec_acl *sec_acl_view_get(struct sec_acl_view *view,
                                       struct sec_acl_ref *ref);

/* Release the view's cached table (before its thread exits). */
void sec_acl_view_fini(struct sec_acl_view *view);

#endif
