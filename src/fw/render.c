/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rendering of the service firewall for nftables, firewalld and
 * iptables-restore, and the parsers of the configuration values it is
 * made from. Pure text: nothing here opens a file or talks to the kernel
 * (apply.c loads the nftables rendering, ssh.c changes grants).
 */
#include "fw/render.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/check.h"
#include "fw/fw_int.h"

/* Sources one per-method meter set tracks at most. */
#define METER_SIZE 65535
/* ICMP echo answered at most this often (all sources together). */
#define ECHO_RATE "10/second burst 20 packets"

static void set_why(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || cap == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

/* ---- configuration ------------------------------------------------------ */

void fw_svc_cfg_defaults(struct fw_svc_cfg *c)
{
    static const struct fw_rate sipxcom[] = {
        { "REGISTER", 20, FW_PER_MINUTE },  { "INVITE", 20, FW_PER_MINUTE },
        { "SUBSCRIBE", 20, FW_PER_MINUTE }, { "OPTIONS", 10, FW_PER_SECOND },
        { "ACK", 20, FW_PER_SECOND },
    };

    memset(c, 0, sizeof(*c));
    snprintf(c->ban_table, sizeof(c->ban_table), "sipwarden");
    snprintf(c->table, sizeof(c->table), "sipwarden" FW_SVC_SUFFIX);
    c->sip_udp = 5060;
    c->sip_tcp = 5063;
    c->sip_tls = 5061;
    c->sip_wss = 5065;
    c->http = 8887;
    c->rtp_lo = 10000;
    c->rtp_hi = 20000;
    c->ssh_ports[0] = 22;
    c->n_ssh_ports = 1;
    c->ssh_min_s = 60;
    c->rate_burst = 4;
    memcpy(c->rates, sipxcom, sizeof(sipxcom));
    c->n_rates = SW_ARRAY_LEN(sipxcom);
}

int fw_svc_table_name(const char *ban_table, char *out, size_t cap)
{
    char name[FW_TABLE_MAX + 8];
    int n;

    if (ban_table == NULL || !fw_table_name_ok(ban_table)) {
        return -EINVAL;
    }
    n = snprintf(name, sizeof(name), "%s" FW_SVC_SUFFIX, ban_table);
    if (n < 0 || (size_t)n >= sizeof(name) || !fw_table_name_ok(name)
        || (size_t)n >= cap) {
        return -EINVAL;
    }
    memcpy(out, name, (size_t)n + 1);
    return 0;
}

static bool method_ok(const char *m)
{
    size_t n = strnlen(m, FW_METHOD_MAX + 1);

    if (n == 0 || n > FW_METHOD_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (m[i] < 'A' || m[i] > 'Z') {
            return false;
        }
    }
    return true;
}

int fw_svc_cfg_check(const struct fw_svc_cfg *c, char *why, size_t cap)
{
    if (!fw_table_name_ok(c->table) || !fw_table_name_ok(c->ban_table)) {
        set_why(why, cap, "invalid table name");
        return -EINVAL;
    }
    if (strcmp(c->table, c->ban_table) == 0) {
        set_why(why, cap, "the service table must not be the ban table");
        return -EINVAL;
    }
    if (c->rtp_lo > c->rtp_hi || (c->rtp_lo == 0 && c->rtp_hi != 0)) {
        set_why(why, cap, "RTP range %u-%u is empty", c->rtp_lo, c->rtp_hi);
        return -EINVAL;
    }
    if (c->n_ssh_ports > FW_SSH_PORTS_MAX || c->n_rates > FW_RATE_MAX
        || c->n_rate_src > FW_RATE_SRC_MAX) {
        set_why(why, cap, "too many SSH ports, rates or ranges");
        return -EINVAL;
    }
    for (size_t i = 0; i < c->n_ssh_ports; i++) {
        if (c->ssh_ports[i] == 0) {
            set_why(why, cap, "SSH port 0");
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < c->n_rates; i++) {
        const struct fw_rate *r = &c->rates[i];
        if (!method_ok(r->method) || r->rate == 0 || r->rate > 100000
            || r->unit > FW_PER_HOUR) {
            set_why(why, cap, "invalid rate limit #%zu", i + 1);
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < c->n_rate_src; i++) {
        if (!sec_net_is_valid(&c->rate_src[i])) {
            set_why(why, cap, "invalid rate limit source #%zu", i + 1);
            return -EINVAL;
        }
    }
    if (c->rate_burst == 0 || c->rate_burst > 100000) {
        set_why(why, cap, "rate burst %u not in 1..100000", c->rate_burst);
        return -EINVAL;
    }
    return 0;
}

int fw_backend_parse(const char *name, enum fw_backend *out)
{
    static const char *const names[] = { "nftables", "firewalld", "iptables",
                                         "ip6tables" };

    for (size_t i = 0; name != NULL && i < SW_ARRAY_LEN(names); i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (enum fw_backend)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* ---- value parsers ------------------------------------------------------ */

static int port_parse(struct sv v, uint16_t *out)
{
    uint64_t n;

    if (sv_to_u64(sv_trim(v), 65535, &n) != 0 || n == 0) {
        return -EINVAL;
    }
    *out = (uint16_t)n;
    return 0;
}

int fw_listen_port(const char *listen, uint16_t *port)
{
    const char *colon;

    if (listen == NULL || listen[0] == '\0') {
        *port = 0;
        return 0;
    }
    colon = strrchr(listen, ':');
    if (colon == NULL) {
        return -EINVAL;
    }
    return port_parse(sv_cstr(colon + 1), port);
}

int fw_port_range_parse(const char *text, uint16_t *lo, uint16_t *hi)
{
    struct sv v = sv_trim(sv_cstr(text));
    ptrdiff_t dash = sv_find_char(v, '-');
    uint16_t a, b;

    if (dash < 0) {
        if (port_parse(v, &a) != 0) {
            return -EINVAL;
        }
        *lo = a;
        *hi = a;
        return 0;
    }
    if (port_parse(sv_slice(v, 0, (size_t)dash), &a) != 0
        || port_parse(sv_slice(v, (size_t)dash + 1, v.len), &b) != 0 || a > b) {
        return -EINVAL;
    }
    *lo = a;
    *hi = b;
    return 0;
}

/* Next comma-separated item of *rest (trimmed); false at the end. */
static bool next_item(struct sv *rest, struct sv *item)
{
    while (rest->len > 0) {
        ptrdiff_t cut = sv_find_char(*rest, ',');
        *item = sv_trim(cut < 0 ? *rest : sv_slice(*rest, 0, (size_t)cut));
        *rest = cut < 0 ? SV_NULL : sv_slice(*rest, (size_t)cut + 1, rest->len);
        if (item->len > 0) {
            return true;
        }
    }
    return false;
}

static int unit_parse(struct sv u, uint8_t *out)
{
    static const struct {
        const char *name;
        uint8_t unit;
    } units[] = {
        { "s", FW_PER_SECOND },      { "sec", FW_PER_SECOND },
        { "second", FW_PER_SECOND }, { "m", FW_PER_MINUTE },
        { "min", FW_PER_MINUTE },    { "minute", FW_PER_MINUTE },
        { "h", FW_PER_HOUR },        { "hour", FW_PER_HOUR },
    };

    for (size_t i = 0; i < SW_ARRAY_LEN(units); i++) {
        if (sv_eq_cstr_nocase(u, units[i].name)) {
            *out = units[i].unit;
            return 0;
        }
    }
    return -EINVAL;
}

/* "REGISTER 20/minute" into *r. */
static int rate_item(struct sv item, struct fw_rate *r, char *why,
                     size_t why_cap)
{
    size_t sp = 0;
    struct sv method, spec, num, unit;
    ptrdiff_t slash;
    uint64_t n;

    while (sp < item.len && item.p[sp] != ' ' && item.p[sp] != '\t') {
        sp++;
    }
    method = sv_slice(item, 0, sp);
    spec = sv_trim(sv_slice(item, sp, item.len));
    if (method.len == 0 || method.len > FW_METHOD_MAX) {
        set_why(why, why_cap, "rate limit '%.*s': method of 1..%d letters",
                SV_FMT(item), FW_METHOD_MAX);
        return -EINVAL;
    }
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < method.len; i++) {
        char ch = method.p[i];
        if (ch >= 'a' && ch <= 'z') {
            ch = (char)(ch - 'a' + 'A');
        }
        if (ch < 'A' || ch > 'Z') {
            set_why(why, why_cap,
                    "rate limit '%.*s': method must be letters only",
                    SV_FMT(item));
            return -EINVAL;
        }
        r->method[i] = ch;
    }
    slash = sv_find_char(spec, '/');
    if (slash < 0) {
        set_why(why, why_cap,
                "rate limit '%.*s': expected METHOD RATE/UNIT, e.g. "
                "REGISTER 20/minute",
                SV_FMT(item));
        return -EINVAL;
    }
    num = sv_trim(sv_slice(spec, 0, (size_t)slash));
    unit = sv_trim(sv_slice(spec, (size_t)slash + 1, spec.len));
    if (sv_to_u64(num, 100000, &n) != 0 || n == 0) {
        set_why(why, why_cap, "rate limit '%.*s': rate must be 1..100000",
                SV_FMT(item));
        return -EINVAL;
    }
    if (unit_parse(unit, &r->unit) != 0) {
        set_why(why, why_cap,
                "rate limit '%.*s': unit must be second, minute or hour",
                SV_FMT(item));
        return -EINVAL;
    }
    r->rate = (uint32_t)n;
    return 0;
}

int fw_rates_parse(const char *text, struct fw_rate *out, size_t cap, size_t *n,
                   char *why, size_t why_cap)
{
    struct sv rest = sv_cstr(text);
    struct sv item;
    size_t k = 0;

    while (next_item(&rest, &item)) {
        struct fw_rate r;
        int rc = rate_item(item, &r, why, why_cap);
        if (rc != 0) {
            return rc;
        }
        for (size_t i = 0; i < k; i++) {
            if (strcmp(out[i].method, r.method) == 0) {
                set_why(why, why_cap, "rate limit for %s given twice",
                        r.method);
                return -EINVAL;
            }
        }
        if (k == cap) {
            set_why(why, why_cap, "more than %zu rate limits", cap);
            return -EINVAL;
        }
        out[k++] = r;
    }
    *n = k;
    return 0;
}

int fw_nets_parse(const char *text, struct sec_net *out, size_t cap, size_t *n,
                  char *why, size_t why_cap)
{
    struct sv rest = sv_cstr(text);
    size_t k = 0;

    for (;;) {
        char err[SEC_NET_ERR_CAP];
        struct sv item;
        size_t i = 0;

        /* Items end at a comma or a blank. */
        while (i < rest.len
               && (rest.p[i] == ' ' || rest.p[i] == '\t' || rest.p[i] == ',')) {
            i++;
        }
        rest = sv_slice(rest, i, rest.len);
        if (rest.len == 0) {
            break;
        }
        i = 0;
        while (i < rest.len && rest.p[i] != ' ' && rest.p[i] != '\t'
               && rest.p[i] != ',') {
            i++;
        }
        item = sv_slice(rest, 0, i);
        rest = sv_slice(rest, i, rest.len);
        if (k == cap) {
            set_why(why, why_cap, "more than %zu networks", cap);
            return -EINVAL;
        }
        if (sec_net_parse(item, SEC_NET_STRICT, &out[k], NULL, err, sizeof(err))
            != 0) {
            set_why(why, why_cap, "network '%.*s': %s", SV_FMT(item), err);
            return -EINVAL;
        }
        k++;
    }
    *n = k;
    return 0;
}

int fw_svc_key_check(const char *key, const char *value, char *why,
                     size_t why_cap)
{
    if (strcmp(key, "rate_limits") == 0) {
        struct fw_rate r[FW_RATE_MAX];
        size_t n;
        return fw_rates_parse(value, r, FW_RATE_MAX, &n, why, why_cap);
    }
    if (strcmp(key, "rate_sources") == 0) {
        struct sec_net nets[FW_RATE_SRC_MAX];
        size_t n;
        return fw_nets_parse(value, nets, FW_RATE_SRC_MAX, &n, why, why_cap);
    }
    if (strcmp(key, "rtp_ports") == 0) {
        uint16_t lo, hi;
        if (fw_port_range_parse(value, &lo, &hi) != 0) {
            set_why(why, why_cap,
                    "expected a port range LOW-HIGH in 1..65535, got '%s'",
                    value);
            return -EINVAL;
        }
        return 0;
    }
    return -ENOENT;
}

/* ---- shared rendering pieces -------------------------------------------- */

/* One opened service: protocol, port range, what it is. */
struct svc {
    const char *proto; /* "udp" / "tcp" */
    uint16_t lo;
    uint16_t hi;
    const char *what;
};

/* The services of 'c' other than SSH; returns how many (at most 8). */
static size_t services(const struct fw_svc_cfg *c, struct svc *out)
{
    size_t n = 0;

#define ADD(pr, l, h, w)                                    \
    do {                                                    \
        if ((l) != 0) {                                     \
            out[n++] = (struct svc){ (pr), (l), (h), (w) }; \
        }                                                   \
    } while (0)
    ADD("udp", c->sip_udp, c->sip_udp, "SIP over UDP");
    ADD("tcp", c->sip_tcp, c->sip_tcp, "SIP over TCP");
    ADD("tcp", c->sip_tls, c->sip_tls, "SIP over TLS");
    ADD("tcp", c->sip_wss, c->sip_wss, "SIP over WSS (WebRTC)");
    ADD("tcp", c->http, c->http, "portal (HTTPS)");
    ADD("tcp", c->http_plain, c->http_plain, "portal (plain HTTP)");
    /* Provisioning hook: [provisioning] plain_listen's port, 0 = off. */
    ADD("tcp", c->prov, c->prov, "phone provisioning");
    ADD("udp", c->rtp_lo, c->rtp_hi, "RTP media");
#undef ADD
    return n;
}

static const char *unit_name(uint8_t unit)
{
    return unit == FW_PER_SECOND   ? "second"
           : unit == FW_PER_MINUTE ? "minute"
                                   : "hour";
}

/* How long a meter element outlives its source's last packet. */
static const char *meter_timeout(uint8_t unit)
{
    return unit == FW_PER_SECOND ? "1m" : unit == FW_PER_MINUTE ? "5m" : "2h";
}

/* "register" for set names (methods are letters only). */
static void lower(const char *s, char *out, size_t cap)
{
    size_t i = 0;

    for (; s[i] != '\0' && i + 1 < cap; i++) {
        out[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
    }
    out[i] = '\0';
}

/* "0x5245474953544552 20" for "REGISTER " (no blank) and its bit count. */
static unsigned method_hex(const char *method, char *out, size_t cap)
{
    size_t len = strlen(method);
    size_t o = 0;

    SW_ASSERT(cap >= 2 * (len + 1) + 3);
    out[o++] = '0';
    out[o++] = 'x';
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = i < len ? (unsigned char)method[i] : ' ';
        snprintf(out + o, cap - o, "%02x", ch);
        o += 2;
    }
    out[o] = '\0';
    return (unsigned)(8 * (len + 1));
}

static bool has_family(const struct fw_svc_cfg *c, int family)
{
    for (size_t i = 0; i < c->n_rate_src; i++) {
        if (c->rate_src[i].family == family) {
            return true;
        }
    }
    return false;
}

static bool limits_on(const struct fw_svc_cfg *c)
{
    return c->n_rates > 0 && c->n_rate_src > 0
           && (c->sip_udp != 0 || c->sip_tcp != 0);
}

static void header(const struct fw_svc_cfg *c, struct buf *out, const char *pfx,
                   const char *backend)
{
    buf_printf(out,
               "%s sipwarden service firewall (sipwarden firewall render "
               "--backend %s)\n"
               "%s Opens only the configured service ports; any other "
               "packet for this host is dropped.\n"
               "%s Bans are not here: table inet %s (kept by the daemon) "
               "drops banned\n"
               "%s sources at prerouting, priority raw, before these rules "
               "see them.\n",
               pfx, backend, pfx, pfx, c->ban_table, pfx);
    if (c->prov == 0) {
        buf_printf(out, "%s Provisioning: off.\n", pfx);
    }
    if (!limits_on(c)) {
        buf_printf(out,
                   "%s Per-method rate limits: off (set [firewall] "
                   "rate_sources).\n",
                   pfx);
    }
    if (c->temp_ssh) {
        buf_printf(out,
                   "%s SSH: only for temporary grants (sipwarden ssh "
                   "open).\n",
                   pfx);
    }
}

/* ---- nftables ----------------------------------------------------------- */

/* "22" or "{ 22, 2222 }". */
static void nft_ports(struct buf *out, const uint16_t *ports, size_t n)
{
    if (n == 1) {
        buf_printf(out, "%u", ports[0]);
        return;
    }
    buf_append_cstr(out, "{ ");
    for (size_t i = 0; i < n; i++) {
        buf_printf(out, "%s%u", i > 0 ? ", " : "", ports[i]);
    }
    buf_append_cstr(out, " }");
}

static void nft_set(struct buf *out, const char *name, const char *type,
                    const char *flags, const struct fw_grant *grants,
                    size_t n_grants, const struct sec_net *nets, size_t n_nets,
                    int family)
{
    bool first = true;

    buf_printf(out, "\tset %s {\n\t\ttype %s\n\t\tflags %s\n", name, type,
               flags);
    for (size_t i = 0; i < n_grants; i++) {
        char net[SEC_NET_FMT_CAP];
        if (grants[i].net.family != family) {
            continue;
        }
        buf_printf(out, "%s%s timeout %us", first ? "\t\telements = { " : ", ",
                   sec_net_fmt(&grants[i].net, net, sizeof(net)),
                   grants[i].timeout_s);
        first = false;
    }
    for (size_t i = 0; i < n_nets; i++) {
        char net[SEC_NET_FMT_CAP];
        if (nets[i].family != family) {
            continue;
        }
        buf_printf(out, "%s%s", first ? "\t\telements = { " : ", ",
                   sec_net_fmt(&nets[i], net, sizeof(net)));
        first = false;
    }
    if (!first) {
        buf_append_cstr(out, " }\n");
    }
    buf_append_cstr(out, "\t}\n");
}

static void nft_rate_rules(const struct fw_svc_cfg *c, struct buf *out)
{
    static const struct {
        int family;
        const char *v;     /* set suffix */
        const char *saddr; /* match */
    } fams[] = { { AF_INET, "4", "ip saddr" }, { AF_INET6, "6", "ip6 saddr" } };

    if (!limits_on(c)) {
        return;
    }
    buf_append_cstr(out, "\t\t# per-method limits per source address (sipXcom "
                         "style), before\n"
                         "\t\t# established traffic is accepted so UDP dialogs "
                         "are limited too\n");
    for (size_t i = 0; i < c->n_rates; i++) {
        const struct fw_rate *r = &c->rates[i];
        char low[FW_METHOD_MAX + 1];
        char hex[2 * (FW_METHOD_MAX + 1) + 3];
        unsigned bits = method_hex(r->method, hex, sizeof(hex));

        lower(r->method, low, sizeof(low));
        for (size_t f = 0; f < SW_ARRAY_LEN(fams); f++) {
            if (!has_family(c, fams[f].family)) {
                continue;
            }
            for (int tcp = 0; tcp < 2; tcp++) {
                uint16_t port = tcp ? c->sip_tcp : c->sip_udp;
                if (port == 0) {
                    continue;
                }
                /* UDP: the message starts after the 8-byte header; TCP:
                 * at the payload (the first message of a segment). */
                buf_printf(out,
                           "\t\t%s @rate_src%s %s dport %u %s,%u %s "
                           "add @rl%s_%s { %s limit rate over %u/%s burst "
                           "%u packets } counter drop comment \"%s over "
                           "%u/%s\"\n",
                           fams[f].saddr, fams[f].v, tcp ? "tcp" : "udp", port,
                           tcp ? "@ih,0" : "@th,64", bits, hex, fams[f].v, low,
                           fams[f].saddr, r->rate, unit_name(r->unit),
                           c->rate_burst, r->method, r->rate,
                           unit_name(r->unit));
            }
        }
    }
}

static void nft_ssh_rules(const struct fw_svc_cfg *c, struct buf *out)
{
    if (c->n_ssh_ports == 0) {
        return;
    }
    if (!c->temp_ssh) {
        buf_append_cstr(out, "\t\ttcp dport ");
        nft_ports(out, c->ssh_ports, c->n_ssh_ports);
        buf_append_cstr(out, " accept comment \"SSH\"\n");
        return;
    }
    buf_append_cstr(out, "\t\tip saddr @ssh_allow4 tcp dport ");
    nft_ports(out, c->ssh_ports, c->n_ssh_ports);
    buf_append_cstr(out, " accept comment \"SSH: temporary grants\"\n");
    buf_append_cstr(out, "\t\tip6 saddr @ssh_allow6 tcp dport ");
    nft_ports(out, c->ssh_ports, c->n_ssh_ports);
    buf_append_cstr(out, " accept comment \"SSH: temporary grants\"\n");
}

static void render_nft(const struct fw_svc_cfg *c, const struct fw_grant *g,
                       size_t n_g, struct buf *out)
{
    struct svc sv[8];
    size_t n_sv = services(c, sv);

    buf_append_cstr(out, "#!/usr/sbin/nft -f\n");
    header(c, out, "#", "nftables");
    /* add + delete + define: one transaction that replaces the table
     * whether or not it exists. */
    buf_printf(out,
               "add table inet %s\ndelete table inet %s\n"
               "table inet %s {\n",
               c->table, c->table, c->table);
    nft_set(out, "ssh_allow4", "ipv4_addr", "interval,timeout", g, n_g, NULL, 0,
            AF_INET);
    nft_set(out, "ssh_allow6", "ipv6_addr", "interval,timeout", g, n_g, NULL, 0,
            AF_INET6);
    if (limits_on(c)) {
        if (has_family(c, AF_INET)) {
            nft_set(out, "rate_src4", "ipv4_addr", "interval", NULL, 0,
                    c->rate_src, c->n_rate_src, AF_INET);
        }
        if (has_family(c, AF_INET6)) {
            nft_set(out, "rate_src6", "ipv6_addr", "interval", NULL, 0,
                    c->rate_src, c->n_rate_src, AF_INET6);
        }
        for (size_t i = 0; i < c->n_rates; i++) {
            char low[FW_METHOD_MAX + 1];
            lower(c->rates[i].method, low, sizeof(low));
            for (int v6 = 0; v6 < 2; v6++) {
                if (!has_family(c, v6 ? AF_INET6 : AF_INET)) {
                    continue;
                }
                buf_printf(out,
                           "\tset rl%s_%s {\n\t\ttype %s\n\t\tsize %u\n"
                           "\t\tflags dynamic,timeout\n\t\ttimeout %s\n"
                           "\t}\n",
                           v6 ? "6" : "4", low, v6 ? "ipv6_addr" : "ipv4_addr",
                           METER_SIZE, meter_timeout(c->rates[i].unit));
            }
        }
    }
    buf_append_cstr(
        out, "\tchain input {\n"
             "\t\ttype filter hook input priority filter; policy "
             "drop;\n"
             "\t\tiif \"lo\" accept\n"
             "\t\t# ICMP errors (path MTU) and IPv6 neighbour "
             "discovery, before\n"
             "\t\t# conntrack can call them invalid\n"
             "\t\ticmp type { destination-unreachable, "
             "time-exceeded, parameter-problem } accept\n"
             "\t\ticmp type echo-request limit rate " ECHO_RATE " accept\n"
             "\t\ticmpv6 type { destination-unreachable, "
             "packet-too-big, time-exceeded, parameter-problem, "
             "nd-router-advert, nd-neighbor-solicit, "
             "nd-neighbor-advert, mld-listener-query } accept\n"
             "\t\ticmpv6 type echo-request limit rate " ECHO_RATE " accept\n"
             "\t\tct state invalid drop\n");
    nft_rate_rules(c, out);
    buf_append_cstr(out, "\t\tct state established,related accept\n");
    for (size_t i = 0; i < n_sv; i++) {
        if (sv[i].lo == sv[i].hi) {
            buf_printf(out, "\t\t%s dport %u accept comment \"%s\"\n",
                       sv[i].proto, sv[i].lo, sv[i].what);
        } else {
            buf_printf(out, "\t\t%s dport %u-%u accept comment \"%s\"\n",
                       sv[i].proto, sv[i].lo, sv[i].hi, sv[i].what);
        }
    }
    nft_ssh_rules(c, out);
    buf_append_cstr(out, "\t\tcounter comment \"dropped: no service\"\n"
                         "\t}\n}\n");
}

/* ---- firewalld ---------------------------------------------------------- */

static void render_firewalld(const struct fw_svc_cfg *c, struct buf *out)
{
    struct svc sv[8];
    size_t n_sv = services(c, sv);

    buf_append_cstr(out, "#!/bin/sh\n");
    header(c, out, "#", "firewalld");
    buf_printf(out,
               "# Installs service \"%s\" in zone $ZONE (default public) "
               "and reloads.\n"
               "set -e\n"
               "ZONE=${ZONE:-public}\n"
               "cat >/etc/firewalld/services/%s.xml <<'EOF'\n"
               "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
               "<service>\n"
               "  <short>%s</short>\n"
               "  <description>sipwarden: SIP transports, portal, "
               "provisioning and RTP media</description>\n",
               c->ban_table, c->ban_table, c->ban_table);
    for (size_t i = 0; i < n_sv; i++) {
        if (sv[i].lo == sv[i].hi) {
            buf_printf(out, "  <port protocol=\"%s\" port=\"%u\"/>\n",
                       sv[i].proto, sv[i].lo);
        } else {
            buf_printf(out, "  <port protocol=\"%s\" port=\"%u-%u\"/>\n",
                       sv[i].proto, sv[i].lo, sv[i].hi);
        }
    }
    for (size_t i = 0; !c->temp_ssh && i < c->n_ssh_ports; i++) {
        buf_printf(out, "  <port protocol=\"tcp\" port=\"%u\"/>\n",
                   c->ssh_ports[i]);
    }
    buf_printf(out,
               "</service>\n"
               "EOF\n"
               "firewall-cmd --reload\n"
               "firewall-cmd --permanent --zone=\"$ZONE\" "
               "--add-service=%s\n",
               c->ban_table);
    if (c->temp_ssh && c->n_ssh_ports > 0) {
        buf_printf(out,
                   "# SSH only from sources in ipsets %s_ssh4 / %s_ssh6 "
                   "(sipwarden ssh open\n"
                   "# grants live in nftables; with firewalld add them "
                   "with firewall-cmd --ipset=... --add-entry=CIDR)\n"
                   "firewall-cmd --permanent --zone=\"$ZONE\" "
                   "--remove-service=ssh || true\n"
                   "firewall-cmd --permanent --new-ipset=%s_ssh4 "
                   "--type=hash:net --option=family=inet || true\n"
                   "firewall-cmd --permanent --new-ipset=%s_ssh6 "
                   "--type=hash:net --option=family=inet6 || true\n",
                   c->ban_table, c->ban_table, c->ban_table, c->ban_table);
        for (size_t i = 0; i < c->n_ssh_ports; i++) {
            for (int v6 = 0; v6 < 2; v6++) {
                buf_printf(out,
                           "firewall-cmd --permanent --zone=\"$ZONE\" "
                           "--add-rich-rule='rule family=\"%s\" source "
                           "ipset=\"%s_ssh%s\" port port=\"%u\" "
                           "protocol=\"tcp\" accept'\n",
                           v6 ? "ipv6" : "ipv4", c->ban_table, v6 ? "6" : "4",
                           c->ssh_ports[i]);
            }
        }
    }
    if (limits_on(c)) {
        buf_append_cstr(out, "# Per-method limits per source can't be "
                             "expressed as rich rules (no payload\n"
                             "# match, no per-source meter); use the nftables "
                             "backend for them:\n");
        for (size_t i = 0; i < c->n_rates; i++) {
            buf_printf(out, "#   %s over %u/%s per source\n",
                       c->rates[i].method, c->rates[i].rate,
                       unit_name(c->rates[i].unit));
        }
    }
    buf_append_cstr(out, "firewall-cmd --reload\n");
}

/* ---- iptables-restore --------------------------------------------------- */

/* iptables-restore takes the whole table; 'v6' picks ip6tables. */
static void render_iptables(const struct fw_svc_cfg *c, bool v6,
                            struct buf *out)
{
    struct svc sv[8];
    size_t n_sv = services(c, sv);
    int family = v6 ? AF_INET6 : AF_INET;
    const char *icmp =
        v6 ? "ipv6-icmp -m icmp6 --icmpv6-type" : "icmp -m icmp --icmp-type";
    bool rate = limits_on(c) && has_family(c, family);

    header(c, out, "#", v6 ? "ip6tables" : "iptables");
    if (c->temp_ssh && c->n_ssh_ports > 0) {
        buf_printf(out,
                   "# Needs ipset %s_ssh%s first: ipset create %s_ssh%s "
                   "hash:net family %s timeout 0\n",
                   c->ban_table, v6 ? "6" : "4", c->ban_table, v6 ? "6" : "4",
                   v6 ? "inet6" : "inet");
    }
    buf_printf(out, "# Load with: %s-restore <FILE\n",
               v6 ? "ip6tables" : "iptables");
    buf_append_cstr(out, "*filter\n:INPUT DROP [0:0]\n");
    if (rate) {
        buf_append_cstr(out, ":SW_RATE - [0:0]\n");
    }
    buf_append_cstr(out, "-A INPUT -i lo -j ACCEPT\n");
    if (v6) {
        static const char *const types[] = {
            "destination-unreachable", "packet-too-big",
            "time-exceeded",           "parameter-problem",
            "router-advertisement",    "neighbour-solicitation",
            "neighbour-advertisement",
        };
        for (size_t i = 0; i < SW_ARRAY_LEN(types); i++) {
            buf_printf(out, "-A INPUT -p %s %s -j ACCEPT\n", icmp, types[i]);
        }
        buf_printf(out, "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 130 "
                        "-j ACCEPT\n");
    } else {
        static const char *const types[] = { "destination-unreachable",
                                             "time-exceeded",
                                             "parameter-problem" };
        for (size_t i = 0; i < SW_ARRAY_LEN(types); i++) {
            buf_printf(out, "-A INPUT -p %s %s -j ACCEPT\n", icmp, types[i]);
        }
    }
    buf_printf(out,
               "-A INPUT -p %s echo-request -m limit --limit 10/second "
               "--limit-burst 20 -j ACCEPT\n",
               icmp);
    buf_append_cstr(out, "-A INPUT -m conntrack --ctstate INVALID -j DROP\n");
    for (size_t i = 0; rate && i < c->n_rate_src; i++) {
        char net[SEC_NET_FMT_CAP];
        if (c->rate_src[i].family != family) {
            continue;
        }
        sec_net_fmt(&c->rate_src[i], net, sizeof(net));
        if (c->sip_udp != 0) {
            buf_printf(out, "-A INPUT -s %s -p udp --dport %u -j SW_RATE\n",
                       net, c->sip_udp);
        }
        if (c->sip_tcp != 0) {
            buf_printf(out, "-A INPUT -s %s -p tcp --dport %u -j SW_RATE\n",
                       net, c->sip_tcp);
        }
    }
    buf_append_cstr(out, "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED "
                         "-j ACCEPT\n");
    for (size_t i = 0; i < n_sv; i++) {
        if (sv[i].lo == sv[i].hi) {
            buf_printf(out,
                       "-A INPUT -p %s --dport %u -m comment --comment \"%s\" "
                       "-j ACCEPT\n",
                       sv[i].proto, sv[i].lo, sv[i].what);
        } else {
            buf_printf(out,
                       "-A INPUT -p %s --dport %u:%u -m comment --comment "
                       "\"%s\" -j ACCEPT\n",
                       sv[i].proto, sv[i].lo, sv[i].hi, sv[i].what);
        }
    }
    for (size_t i = 0; i < c->n_ssh_ports; i++) {
        if (c->temp_ssh) {
            buf_printf(out,
                       "-A INPUT -p tcp --dport %u -m set --match-set "
                       "%s_ssh%s src -m comment --comment \"SSH: temporary "
                       "grants\" -j ACCEPT\n",
                       c->ssh_ports[i], c->ban_table, v6 ? "6" : "4");
        } else {
            buf_printf(out,
                       "-A INPUT -p tcp --dport %u -m comment --comment "
                       "\"SSH\" -j ACCEPT\n",
                       c->ssh_ports[i]);
        }
    }
    /* sipXcom's rules: the method near the start of the packet, a
     * per-source hashlimit above the rate. */
    for (size_t i = 0; rate && i < c->n_rates; i++) {
        const struct fw_rate *r = &c->rates[i];
        buf_printf(out,
                   "-A SW_RATE -m string --algo bm --to 100 --string \"%s \" "
                   "-m hashlimit --hashlimit-above %u/%s --hashlimit-burst "
                   "%u --hashlimit-mode srcip --hashlimit-name sw_rl%zu -j "
                   "DROP\n",
                   r->method, r->rate, unit_name(r->unit), c->rate_burst, i);
    }
    buf_append_cstr(out, "COMMIT\n");
}

int fw_svc_render(const struct fw_svc_cfg *c, enum fw_backend be,
                  const struct fw_grant *grants, size_t n_grants,
                  struct buf *out)
{
    if (fw_svc_cfg_check(c, NULL, 0) != 0 || (n_grants > 0 && grants == NULL)) {
        return -EINVAL;
    }
    for (size_t i = 0; i < n_grants; i++) {
        if (!sec_net_is_valid(&grants[i].net) || grants[i].timeout_s == 0
            || grants[i].timeout_s > FW_TIMEOUT_MAX_S) {
            return -EINVAL;
        }
    }
    switch (be) {
    case FW_BACKEND_NFTABLES:
        render_nft(c, grants, n_grants, out);
        break;
    case FW_BACKEND_FIREWALLD:
        render_firewalld(c, out);
        break;
    case FW_BACKEND_IPTABLES:
    case FW_BACKEND_IP6TABLES:
        render_iptables(c, be == FW_BACKEND_IP6TABLES, out);
        break;
    default:
        return -EINVAL;
    }
    return out->err;
}
