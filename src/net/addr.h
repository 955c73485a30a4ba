/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Socket addresses: parsing "ADDRESS:PORT" from configuration, formatting
 * for logs and headers, and the IPv4-mapped IPv6 normalisation the shield
 * relies on (one source, one key). Numeric addresses only: resolving names
 * is someone else's job.
 */
#ifndef SW_NET_ADDR_H
#define SW_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <sys/socket.h>

struct net_addr {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
        struct sockaddr_storage ss;
    };
    socklen_t len; /* bytes of the sockaddr in use; 0 = unset */
};

/* Enough for "[ffff:...:255.255.255.255%ifname]:65535" and the NUL. */
#define NET_ADDR_FMT_CAP 80

/*
 * Parse a numeric address: "203.0.113.9:5060", "[2001:db8::1]:5060",
 * "[fe80::1%eth0]:5060", or without ":PORT" ("203.0.113.9", "2001:db8::1",
 * "[::1]") when 'default_port' is non-zero. Port 0 is accepted when
 * written. Refuses empty input, names, blanks, wildcards ("*:5060"), bad
 * ports and unbracketed IPv6 with a port. Returns 0 or -EINVAL; 'out' is
 * written only on success.
 */
int net_addr_parse(const char *s, uint16_t default_port, struct net_addr *out);

/*
 * Like net_addr_parse() for a bind address, which may also be a wildcard:
 * "*:5060" or ":5060" (or "*" with a default port) mean every address,
 * dual-stack: 'out' is the IPv6 any address and *dual_stack is set, so the
 * socket is opened with IPV6_V6ONLY=0 (the listener falls back to 0.0.0.0
 * where IPv6 is unavailable). "0.0.0.0:5060" and "[::]:5060" are the
 * single-family wildcards (*dual_stack false). Returns 0 or -EINVAL.
 */
int net_addr_parse_bind(const char *s, uint16_t default_port,
                        struct net_addr *out, bool *dual_stack);

/*
 * Copy a kernel/libuv sockaddr. Accepts AF_INET and AF_INET6 with a length
 * covering the family's struct; returns 0 or -EAFNOSUPPORT / -EINVAL.
 */
int net_addr_from_sa(struct net_addr *out, const struct sockaddr *sa,
                     socklen_t len);

/*
 * "203.0.113.9:5060" or "[2001:db8::1]:5060" into 'buf' (cap bytes,
 * NET_ADDR_FMT_CAP is always enough); "-" for an unset address, truncated
 * if 'cap' is too small. Returns 'buf'.
 */
const char *net_addr_fmt(const struct net_addr *a, char *buf, size_t cap);

/* The IP alone: "203.0.113.9", "2001:db8::1". Returns 'buf'. */
const char *net_addr_ip_fmt(const struct net_addr *a, char *buf, size_t cap);

/*
 * Rewrite an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as plain IPv4,
 * keeping the port; other addresses are left unchanged.
 */
void net_addr_normalize(struct net_addr *a);

/*
 * Rewrite a plain IPv4 address as IPv4-mapped IPv6 (to send it from a
 * dual-stack IPv6 socket); other addresses are left unchanged.
 */
void net_addr_map_v6(struct net_addr *a);

/* Same IP (after normalisation; IPv6 scope ids compared), ports ignored. */
bool net_addr_eq_ip(const struct net_addr *a, const struct net_addr *b);

/* Same IP and port (after normalisation). */
bool net_addr_eq(const struct net_addr *a, const struct net_addr *b);

/* Port in host order; 0 for an unset address. */
uint16_t net_addr_port(const struct net_addr *a);
void net_addr_set_port(struct net_addr *a, uint16_t port);

/* AF_INET, AF_INET6, or AF_UNSPEC when unset. */
int net_addr_family(const struct net_addr *a);

/* The 0.0.0.0 or :: wildcard. */
bool net_addr_is_any(const struct net_addr *a);

/*
 * The IP as 16 bytes (IPv4 as ::ffff:a.b.c.d): a key for per-source
 * tables. 'a' must be set.
 */
void net_addr_ip16(const struct net_addr *a, uint8_t out[16]);

#endif
