/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Numeric address parsing and formatting over inet_pton/inet_ntop, plus
 * IPv4-mapped IPv6 conversions. No name resolution here.
 */
#include "net/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "base/sv.h"

/* Longest host text accepted: an IPv6 literal plus "%" and a zone. */
enum { HOST_CAP = INET6_ADDRSTRLEN + IF_NAMESIZE + 2 };

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff };

static int parse_port(struct sv v, uint16_t *port)
{
    uint64_t n;
    if (sv_to_u64(v, UINT16_MAX, &n) != 0) {
        return -EINVAL;
    }
    *port = (uint16_t)n;
    return 0;
}

static int parse_v6(struct sv host, uint16_t port, struct net_addr *out)
{
    char txt[HOST_CAP];
    if (sv_copy_cstr(host, txt, sizeof(txt)) != 0) {
        return -EINVAL;
    }
    uint32_t scope = 0;
    char *pct = strchr(txt, '%');
    if (pct) {
        *pct = '\0';
        const char *zone = pct + 1;
        uint64_t n;
        if (*zone == '\0') {
            return -EINVAL;
        }
        if (sv_to_u64(sv_cstr(zone), UINT32_MAX, &n) == 0) {
            scope = (uint32_t)n;
        } else {
            scope = if_nametoindex(zone);
            if (scope == 0) {
                return -EINVAL;
            }
        }
    }
    struct net_addr a = { 0 };
    if (inet_pton(AF_INET6, txt, &a.in6.sin6_addr) != 1) {
        return -EINVAL;
    }
    a.in6.sin6_family = AF_INET6;
    a.in6.sin6_port = htons(port);
    a.in6.sin6_scope_id = scope;
    a.len = sizeof(a.in6);
    *out = a;
    return 0;
}

static int parse_v4(struct sv host, uint16_t port, struct net_addr *out)
{
    char txt[HOST_CAP];
    if (sv_copy_cstr(host, txt, sizeof(txt)) != 0) {
        return -EINVAL;
    }
    struct net_addr a = { 0 };
    if (inet_pton(AF_INET, txt, &a.in4.sin_addr) != 1) {
        return -EINVAL;
    }
    a.in4.sin_family = AF_INET;
    a.in4.sin_port = htons(port);
    a.len = sizeof(a.in4);
    *out = a;
    return 0;
}

/* Shared grammar; 'wildcard' is set for "*" / "" hosts when allowed. */
static int parse_any(const char *s, uint16_t default_port, bool allow_wild,
                     struct net_addr *out, bool *wildcard)
{
    if (!s || !out) {
        return -EINVAL;
    }
    struct sv in = sv_cstr(s);
    struct sv host;
    struct sv port_txt = SV_NULL;
    bool has_port = false;
    bool bracketed = false;

    if (in.len == 0) {
        return -EINVAL;
    }
    if (in.p[0] == '[') {
        ptrdiff_t close = sv_find_char(in, ']');
        if (close < 0) {
            return -EINVAL;
        }
        host = sv_slice(in, 1, (size_t)close);
        struct sv rest = sv_slice(in, (size_t)close + 1, in.len);
        if (rest.len > 0) {
            if (rest.p[0] != ':') {
                return -EINVAL;
            }
            port_txt = sv_slice(rest, 1, rest.len);
            has_port = true;
        }
        bracketed = true;
    } else {
        size_t n_colons = 0;
        for (size_t i = 0; i < in.len; i++) {
            n_colons += in.p[i] == ':';
        }
        if (n_colons == 1) {
            ptrdiff_t c = sv_find_char(in, ':');
            host = sv_slice(in, 0, (size_t)c);
            port_txt = sv_slice(in, (size_t)c + 1, in.len);
            has_port = true;
        } else {
            /* No port, or an unbracketed IPv6 literal (which has no port). */
            host = in;
        }
    }

    uint16_t port = default_port;
    if (has_port) {
        if (parse_port(port_txt, &port) != 0) {
            return -EINVAL;
        }
    } else if (default_port == 0) {
        return -EINVAL;
    }

    if (!bracketed && (host.len == 0 || sv_eq_cstr(host, "*"))) {
        if (!allow_wild) {
            return -EINVAL;
        }
        struct net_addr a = { 0 };
        a.in6.sin6_family = AF_INET6;
        a.in6.sin6_addr = in6addr_any;
        a.in6.sin6_port = htons(port);
        a.len = sizeof(a.in6);
        *out = a;
        *wildcard = true;
        return 0;
    }
    *wildcard = false;
    if (bracketed || sv_find_char(host, ':') >= 0) {
        return parse_v6(host, port, out);
    }
    return parse_v4(host, port, out);
}

int net_addr_parse(const char *s, uint16_t default_port, struct net_addr *out)
{
    bool wildcard = false;
    return parse_any(s, default_port, false, out, &wildcard);
}

int net_addr_parse_bind(const char *s, uint16_t default_port,
                        struct net_addr *out, bool *dual_stack)
{
    bool wildcard = false;
    int rc = parse_any(s, default_port, true, out, &wildcard);
    if (rc == 0) {
        *dual_stack = wildcard;
    }
    return rc;
}

int net_addr_from_sa(struct net_addr *out, const struct sockaddr *sa,
                     socklen_t len)
{
    if (!sa) {
        return -EINVAL;
    }
    struct net_addr a = { 0 };
    if (sa->sa_family == AF_INET) {
        if (len < (socklen_t)sizeof(a.in4)) {
            return -EINVAL;
        }
        memcpy(&a.in4, sa, sizeof(a.in4));
        a.len = sizeof(a.in4);
    } else if (sa->sa_family == AF_INET6) {
        if (len < (socklen_t)sizeof(a.in6)) {
            return -EINVAL;
        }
        memcpy(&a.in6, sa, sizeof(a.in6));
        a.len = sizeof(a.in6);
    } else {
        return -EAFNOSUPPORT;
    }
    *out = a;
    return 0;
}

int net_addr_family(const struct net_addr *a)
{
    if (a->len == 0) {
        return AF_UNSPEC;
    }
    return a->sa.sa_family;
}

/* Dotted quad of 'ip' (network order) into 'txt' (at least 16 bytes),
 * NUL-terminated; the length. Every packet's source is formatted once:
 * this avoids inet_ntop's and snprintf's printf machinery. */
static size_t fmt_ipv4(const unsigned char ip[4], char *txt)
{
    size_t n = 0;
    for (unsigned i = 0; i < 4; i++) {
        unsigned v = ip[i];
        if (i > 0) {
            txt[n++] = '.';
        }
        if (v >= 100) {
            txt[n++] = (char)('0' + v / 100);
        }
        if (v >= 10) {
            txt[n++] = (char)('0' + v / 10 % 10);
        }
        txt[n++] = (char)('0' + v % 10);
    }
    txt[n] = '\0';
    return n;
}

static size_t fmt_ip(const struct net_addr *a, char *buf, size_t cap)
{
    char txt[HOST_CAP];
    int fam = net_addr_family(a);
    if (fam == AF_INET) {
        size_t n = fmt_ipv4((const unsigned char *)&a->in4.sin_addr, txt);
        if (n < cap) {
            memcpy(buf, txt, n + 1);
        } else {
            memcpy(buf, txt, cap - 1);
            buf[cap - 1] = '\0';
        }
        return n;
    }
    if (fam == AF_INET6) {
        if (!inet_ntop(AF_INET6, &a->in6.sin6_addr, txt, sizeof(txt))) {
            return (size_t)snprintf(buf, cap, "?");
        }
        if (a->in6.sin6_scope_id != 0) {
            char ifname[IF_NAMESIZE];
            if (if_indextoname(a->in6.sin6_scope_id, ifname)) {
                return (size_t)snprintf(buf, cap, "%s%%%s", txt, ifname);
            }
            return (size_t)snprintf(buf, cap, "%s%%%u", txt,
                                    (unsigned)a->in6.sin6_scope_id);
        }
        return (size_t)snprintf(buf, cap, "%s", txt);
    }
    return (size_t)snprintf(buf, cap, "-");
}

const char *net_addr_ip_fmt(const struct net_addr *a, char *buf, size_t cap)
{
    if (cap == 0) {
        return buf;
    }
    fmt_ip(a, buf, cap);
    return buf;
}

const char *net_addr_fmt(const struct net_addr *a, char *buf, size_t cap)
{
    char ip[NET_ADDR_FMT_CAP];
    if (cap == 0) {
        return buf;
    }
    fmt_ip(a, ip, sizeof(ip));
    int fam = net_addr_family(a);
    if (fam == AF_INET6) {
        snprintf(buf, cap, "[%s]:%u", ip, (unsigned)net_addr_port(a));
    } else if (fam == AF_INET) {
        snprintf(buf, cap, "%s:%u", ip, (unsigned)net_addr_port(a));
    } else {
        snprintf(buf, cap, "-");
    }
    return buf;
}

void net_addr_normalize(struct net_addr *a)
{
    if (net_addr_family(a) != AF_INET6
        || memcmp(a->in6.sin6_addr.s6_addr, v4mapped_prefix,
                  sizeof(v4mapped_prefix))
               != 0) {
        return;
    }
    struct net_addr v4 = { 0 };
    v4.in4.sin_family = AF_INET;
    v4.in4.sin_port = a->in6.sin6_port;
    memcpy(&v4.in4.sin_addr, a->in6.sin6_addr.s6_addr + 12, 4);
    v4.len = sizeof(v4.in4);
    *a = v4;
}

void net_addr_map_v6(struct net_addr *a)
{
    if (net_addr_family(a) != AF_INET) {
        return;
    }
    struct net_addr v6 = { 0 };
    v6.in6.sin6_family = AF_INET6;
    v6.in6.sin6_port = a->in4.sin_port;
    memcpy(v6.in6.sin6_addr.s6_addr, v4mapped_prefix, sizeof(v4mapped_prefix));
    memcpy(v6.in6.sin6_addr.s6_addr + 12, &a->in4.sin_addr, 4);
    v6.len = sizeof(v6.in6);
    *a = v6;
}

bool net_addr_eq_ip(const struct net_addr *a, const struct net_addr *b)
{
    struct net_addr x = *a;
    struct net_addr y = *b;
    net_addr_normalize(&x);
    net_addr_normalize(&y);
    int fam = net_addr_family(&x);
    if (fam != net_addr_family(&y)) {
        return false;
    }
    if (fam == AF_INET) {
        return x.in4.sin_addr.s_addr == y.in4.sin_addr.s_addr;
    }
    if (fam == AF_INET6) {
        return memcmp(&x.in6.sin6_addr, &y.in6.sin6_addr, 16) == 0
               && x.in6.sin6_scope_id == y.in6.sin6_scope_id;
    }
    return fam == AF_UNSPEC;
}

bool net_addr_eq(const struct net_addr *a, const struct net_addr *b)
{
    return net_addr_eq_ip(a, b) && net_addr_port(a) == net_addr_port(b);
}

uint16_t net_addr_port(const struct net_addr *a)
{
    int fam = net_addr_family(a);
    if (fam == AF_INET) {
        return ntohs(a->in4.sin_port);
    }
    if (fam == AF_INET6) {
        return ntohs(a->in6.sin6_port);
    }
    return 0;
}

void net_addr_set_port(struct net_addr *a, uint16_t port)
{
    int fam = net_addr_family(a);
    if (fam == AF_INET) {
        a->in4.sin_port = htons(port);
    } else if (fam == AF_INET6) {
        a->in6.sin6_port = htons(port);
    }
}

bool net_addr_is_any(const struct net_addr *a)
{
    int fam = net_addr_family(a);
    if (fam == AF_INET) {
        return a->in4.sin_addr.s_addr == htonl(INADDR_ANY);
    }
    if (fam == AF_INET6) {
        return memcmp(&a->in6.sin6_addr, &in6addr_any, 16) == 0;
    }
    return false;
}

void net_addr_ip16(const struct net_addr *a, uint8_t out[16])
{
    if (net_addr_family(a) == AF_INET) {
        memcpy(out, v4mapped_prefix, sizeof(v4mapped_prefix));
        memcpy(out + 12, &a->in4.sin_addr, 4);
    } else if (net_addr_family(a) == AF_INET6) {
        memcpy(out, a->in6.sin6_addr.s6_addr, 16);
    } else {
        memset(out, 0, 16);
    }
}
