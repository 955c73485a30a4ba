/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service firewall: rules that open only the ports sipwarden serves
 * (SIP transports, portal, provisioning, RTP, SSH), with sipXcom-style
 * per-method rate limits for configured source ranges, rendered for
 * nftables, firewalld or iptables-restore. Everything here is pure text
 * and parsing (no I/O): loading the rules is apply.c's, temporary SSH
 * grants are ssh.c's, and where the values come from is the caller's
 * (the daemon's configuration).
 *
 * nftables layout (table inet <ban table>_fw, never the ban table): sets
 * ssh_allow4 / ssh_allow6 (flags interval, timeout) for temporary SSH,
 * rate_src4 / rate_src6 (the ranges the rate limits apply to), one
 * dynamic meter set per method and family (rl4_<method>, rl6_<method>),
 * and chain input (hook input, priority filter, policy drop). The ban
 * table drops banned sources earlier (prerouting, priority raw); nft can't
 * reference another table's sets, so the two never depend on each other.
 */
#ifndef SW_FW_RENDER_H
#define SW_FW_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "fw/fw.h"
#include "sec/acl.h"

/* Per-method rate limits and source ranges a configuration may hold. */
#define FW_RATE_MAX     8
#define FW_RATE_SRC_MAX 32
/* Longest SIP method name in a rate limit ("SUBSCRIBE"; 15 keeps the
 * matched "METHOD " within nft's 128-bit raw payload). */
#define FW_METHOD_MAX 15
/* SSH ports: sshd may listen on several. */
#define FW_SSH_PORTS_MAX 4
/* Suffix of the service table's name after the ban table's. */
#define FW_SVC_SUFFIX "_fw"
/* Enough for any fw_svc_* error message. */
#define FW_WHY_CAP 192

enum fw_backend {
    FW_BACKEND_NFTABLES = 0, /* an nft -f script (atomic table replace) */
    FW_BACKEND_FIREWALLD,    /* a shell script: service XML + rich rules */
    FW_BACKEND_IPTABLES,     /* iptables-restore input (IPv4) */
    FW_BACKEND_IP6TABLES,    /* ip6tables-restore input (IPv6) */
};

enum fw_rate_unit { FW_PER_SECOND = 0, FW_PER_MINUTE, FW_PER_HOUR };

/* One per-method limit: at most 'rate' packets per unit per source. */
struct fw_rate {
    char method[FW_METHOD_MAX + 1]; /* upper-case SIP token: "REGISTER" */
    uint32_t rate;                  /* packets per unit, 1..100000 */
    uint8_t unit;                   /* enum fw_rate_unit */
};

/* A temporary SSH grant carried into a rendered table (nftables only). */
struct fw_grant {
    struct sec_net net;
    uint32_t timeout_s; /* seconds left, 1..FW_TIMEOUT_MAX_S */
};

struct fw_svc_cfg {
    char table[FW_TABLE_MAX + 1];     /* service table: "<ban>_fw" */
    char ban_table[FW_TABLE_MAX + 1]; /* the ban table (named in comments) */
    uint16_t sip_udp;                 /* SIP ports; 0 = transport off */
    uint16_t sip_tcp;
    uint16_t sip_tls;
    uint16_t sip_wss;    /* SIP over secure WebSocket (RFC 7118) */
    uint16_t http;       /* portal HTTPS; 0 = off */
    uint16_t http_plain; /* portal plain HTTP; 0 = off */
    uint16_t prov;       /* [provisioning] plain_listen; 0 = off */
    uint16_t rtp_lo;     /* RTP port range; rtp_lo 0 = none */
    uint16_t rtp_hi;
    uint16_t ssh_ports[FW_SSH_PORTS_MAX]; /* sshd's ports */
    size_t n_ssh_ports;                   /* 0: no SSH rule */
    bool ssh_ports_from_sshd; /* for the caller: replace ssh_ports with
                                 sshd's (fw_sshd_ports_read); not used here */
    bool temp_ssh;            /* SSH only for ssh_allow4/6 sources */
    uint32_t ssh_min_s;       /* shortest temporary grant, seconds */
    uint32_t rate_burst;      /* packets above the rate tolerated per source */
    struct fw_rate rates[FW_RATE_MAX];
    size_t n_rates;
    struct sec_net rate_src[FW_RATE_SRC_MAX]; /* ranges limited */
    size_t n_rate_src;                        /* 0: no rate limits */
};

/*
 * Defaults: table "sipwarden_fw" (ban table "sipwarden"), SIP UDP 5060,
 * TCP 5063, TLS 5061, WSS 5065, portal 8887, RTP 10000-20000, SSH 22, temp_ssh
 * off, ssh_min_s 60, burst 4, the sipXcom rates (REGISTER 20/minute, INVITE
 * 20/minute, SUBSCRIBE 20/minute, OPTIONS 10/second, ACK 20/second) and no
 * source ranges (so no limits until ranges are configured).
 */
void fw_svc_cfg_defaults(struct fw_svc_cfg *c);

/*
 * "<ban_table>_fw" into out (cap bytes). Returns 0, or -EINVAL when
 * 'ban_table' is not a valid table name or the result would be longer
 * than FW_TABLE_MAX.
 */
int fw_svc_table_name(const char *ban_table, char *out, size_t cap);

/*
 * Check 'c' as fw_svc_render() needs it: valid table names, rtp_lo <=
 * rtp_hi, every rate and range valid. Returns 0 or -EINVAL with the
 * reason in why (cap bytes, may be NULL).
 */
int fw_svc_cfg_check(const struct fw_svc_cfg *c, char *why, size_t cap);

/*
 * Append the rules for 'c' in the syntax of 'be' to 'out'. 'grants'
 * (n_grants of them, NULL when 0) become elements of ssh_allow4/6 with
 * their remaining timeouts (nftables only; other backends ignore them).
 * Returns 0, -EINVAL (fw_svc_cfg_check failed, or a bad grant or
 * backend), or out->err (-ENOSPC, -ENOMEM) when 'out' could not hold it.
 */
int fw_svc_render(const struct fw_svc_cfg *c, enum fw_backend be,
                  const struct fw_grant *grants, size_t n_grants,
                  struct buf *out);

/* "nftables", "firewalld", "iptables", "ip6tables" -> *out. 0 or -EINVAL. */
int fw_backend_parse(const char *name, enum fw_backend *out);

/* ---- parsers for configuration values ----------------------------------- */

/*
 * The port of a listen address "ADDR:PORT" ("*:5060", "[::1]:5061");
 * "" gives 0 (listener off). Returns 0 or -EINVAL.
 */
int fw_listen_port(const char *listen, uint16_t *port);

/*
 * "10000-20000" (or one port "5004") -> *lo, *hi with 1 <= lo <= hi <=
 * 65535. Blanks around the numbers are allowed. Returns 0 or -EINVAL.
 */
int fw_port_range_parse(const char *text, uint16_t *lo, uint16_t *hi);

/*
 * Rate limits "REGISTER 20/minute, INVITE 20/m, ACK 20/s": a comma-
 * separated list of METHOD RATE/UNIT (unit second|s, minute|min|m,
 * hour|h); the method is upper-cased. An empty list is allowed (no
 * limits). Refuses unknown units, rates outside 1..100000, methods that
 * are not SIP tokens of 1..FW_METHOD_MAX letters, a method listed twice
 * and more than 'cap' entries. Returns 0 with *n set, or -EINVAL with
 * the reason in why (cap bytes, may be NULL).
 */
int fw_rates_parse(const char *text, struct fw_rate *out, size_t cap, size_t *n,
                   char *why, size_t why_cap);

/*
 * Networks "10.0.0.0/8, 2001:db8::/32" (comma- or blank-separated CIDRs
 * or bare addresses; host bits are refused, not cleared). Returns 0 with
 * *n set, or -EINVAL with the reason in why.
 */
int fw_nets_parse(const char *text, struct sec_net *out, size_t cap, size_t *n,
                  char *why, size_t why_cap);

/*
 * Check one [firewall] or [media] configuration value the way the
 * parsers above read it: key "rate_limits", "rate_sources" or
 * "rtp_ports". Returns 0, or -EINVAL with the reason in why; -ENOENT for
 * another key.
 */
int fw_svc_key_check(const char *key, const char *value, char *why,
                     size_t why_cap);

#endif
