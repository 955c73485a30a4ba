/* SPDX-License-Identifier: Apache-2.0 */
/* The service firewall's renderings (nftables, firewalld, iptables) for
 * several configurations, and the parsers of its configuration values.
 * Text only: loading the rules is the e2e case fw_service's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/sv.h"
#include "fw/render.h"

static struct sec_net net_of(const char *s)
{
    struct sec_net n;
    assert_int_equal(sec_net_parse(sv_cstr(s), 0, &n, NULL, NULL, 0), 0);
    return n;
}

/* Render 'c' for 'be' into a fresh string (static, overwritten). */
static const char *render(const struct fw_svc_cfg *c, enum fw_backend be,
                          const struct fw_grant *g, size_t n_g)
{
    static char text[65536];
    struct buf b;

    buf_init(&b, sizeof(text) - 1);
    assert_int_equal(fw_svc_render(c, be, g, n_g, &b), 0);
    assert_true(b.len < sizeof(text));
    memcpy(text, b.p, b.len);
    text[b.len] = '\0';
    buf_fini(&b);
    return text;
}

#define assert_has(hay, needle)                                  \
    do {                                                         \
        if (strstr((hay), (needle)) == NULL) {                   \
            fail_msg("missing \"%s\" in:\n%s", (needle), (hay)); \
        }                                                        \
    } while (0)
#define assert_lacks(hay, needle)                                   \
    do {                                                            \
        if (strstr((hay), (needle)) != NULL) {                      \
            fail_msg("unexpected \"%s\" in:\n%s", (needle), (hay)); \
        }                                                           \
    } while (0)

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* ---- nftables ----------------------------------------------------------- */

static void nft_defaults(void **state)
{
    struct fw_svc_cfg c;
    const char *t;

    (void)state;
    fw_svc_cfg_defaults(&c);
    t = render(&c, FW_BACKEND_NFTABLES, NULL, 0);
    /* One transaction replacing only the service table. */
    assert_has(t, "add table inet sipwarden_fw\n"
                  "delete table inet sipwarden_fw\n"
                  "table inet sipwarden_fw {\n");
    assert_lacks(t, "table inet sipwarden {");
    assert_has(t, "type filter hook input priority filter; policy drop;");
    assert_has(t, "iif \"lo\" accept");
    assert_has(t, "ct state established,related accept");
    assert_has(t, "ct state invalid drop");
    assert_has(t, "packet-too-big");
    assert_has(t, "nd-neighbor-solicit");
    assert_has(t, "icmp type echo-request limit rate");
    assert_has(t, "udp dport 5060 accept comment \"SIP over UDP\"");
    assert_has(t, "tcp dport 5063 accept comment \"SIP over TCP\"");
    assert_has(t, "tcp dport 5061 accept comment \"SIP over TLS\"");
    assert_has(t, "tcp dport 5065 accept comment \"SIP over WSS (WebRTC)\"");
    assert_has(t, "tcp dport 8887 accept comment \"portal (HTTPS)\"");
    assert_has(t, "udp dport 10000-20000 accept comment \"RTP media\"");
    assert_has(t, "tcp dport 22 accept comment \"SSH\"");
    assert_lacks(t, "provisioning\"");
    assert_has(t, "Provisioning: off");
    /* Grant sets exist (empty) so `ssh open` has somewhere to go. */
    assert_has(t, "set ssh_allow4 {\n\t\ttype ipv4_addr\n"
                  "\t\tflags interval,timeout\n\t}");
    assert_has(t, "set ssh_allow6 {");
    /* No ranges: no limits, said so. */
    assert_lacks(t, "rate_src");
    assert_lacks(t, "limit rate over");
    assert_has(t, "Per-method rate limits: off");
    /* The ban table is named, not referenced (nft can't). */
    assert_has(t, "table inet sipwarden (kept by the daemon)");
    assert_lacks(t, "@ban4");
    /* Invalid drop comes after ICMP, and established after it. */
    assert_true(strstr(t, "nd-neighbor-solicit") < strstr(t, "invalid drop"));
    assert_true(strstr(t, "invalid drop") < strstr(t, "ct state established"));
    assert_true(strstr(t, "ct state established") < strstr(t, "dport 5060"));
}

static void nft_ports_absent(void **state)
{
    struct fw_svc_cfg c;
    const char *t;

    (void)state;
    fw_svc_cfg_defaults(&c);
    c.sip_tcp = 0;
    c.sip_tls = 0;
    c.sip_wss = 0;
    c.http = 0;
    c.http_plain = 8080;
    c.rtp_lo = c.rtp_hi = 0;
    c.sip_udp = 5080;
    c.prov = 8443; /* the provisioning hook */
    c.ssh_ports[0] = 2222;
    c.ssh_ports[1] = 22022;
    c.n_ssh_ports = 2;
    t = render(&c, FW_BACKEND_NFTABLES, NULL, 0);
    assert_has(t, "udp dport 5080 accept");
    assert_lacks(t, "5060");
    assert_lacks(t, "5063");
    assert_lacks(t, "5061");
    assert_lacks(t, "5065");
    assert_lacks(t, "8887");
    assert_lacks(t, "RTP");
    assert_has(t, "tcp dport 8080 accept comment \"portal (plain HTTP)\"");
    assert_has(t, "tcp dport 8443 accept comment \"phone provisioning\"");
    assert_lacks(t, "Provisioning: off");
    assert_has(t, "tcp dport { 2222, 22022 } accept comment \"SSH\"");
    assert_lacks(t, "dport 22 ");

    /* No SSH port at all: no SSH rule. */
    c.n_ssh_ports = 0;
    t = render(&c, FW_BACKEND_NFTABLES, NULL, 0);
    assert_lacks(t, "\"SSH");
}

static void nft_rate_limits(void **state)
{
    struct fw_svc_cfg c;
    const char *t;

    (void)state;
    fw_svc_cfg_defaults(&c);
    c.rate_src[0] = net_of("10.0.0.0/8");
    c.rate_src[1] = net_of("192.0.2.0/24");
    c.rate_src[2] = net_of("2001:db8::/32");
    c.n_rate_src = 3;
    c.rate_burst = 6;
    t = render(&c, FW_BACKEND_NFTABLES, NULL, 0);
    assert_has(t, "set rate_src4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
                  "\t\telements = { 10.0.0.0/8, 192.0.2.0/24 }\n\t}");
    assert_has(t, "set rate_src6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n"
                  "\t\telements = { 2001:db8::/32 }\n\t}");
    assert_has(t, "set rl4_register {\n\t\ttype ipv4_addr\n\t\tsize 65535\n"
                  "\t\tflags dynamic,timeout\n\t\ttimeout 5m\n\t}");
    assert_has(t, "set rl6_ack {");
    assert_has(t, "timeout 1m"); /* per-second meters */
    /* "REGISTER " after the UDP header, and at the TCP payload. */
    assert_has(t, "ip saddr @rate_src4 udp dport 5060 @th,64,72 "
                  "0x524547495354455220 add @rl4_register { ip saddr limit "
                  "rate over 20/minute burst 6 packets } counter drop");
    assert_has(t, "ip saddr @rate_src4 tcp dport 5063 @ih,0,72 "
                  "0x524547495354455220 add @rl4_register");
    assert_has(t, "ip6 saddr @rate_src6 udp dport 5060 @th,64,72 "
                  "0x524547495354455220 add @rl6_register { ip6 saddr limit "
                  "rate over 20/minute burst 6 packets }");
    assert_has(t, "@th,64,32 0x41434b20 add @rl4_ack { ip saddr limit rate "
                  "over 20/second");
    assert_has(t, "@th,64,64 0x4f5054494f4e5320 add @rl4_options");
    /* 5 methods x 2 families x 2 transports. */
    assert_int_equal(count(t, "counter drop comment"), 20);
    /* Limits sit before established traffic is accepted. */
    assert_true(strstr(t, "limit rate over")
                < strstr(t, "ct state established"));
    assert_lacks(t, "Per-method rate limits: off");

    /* IPv4 ranges only, no TCP: no IPv6 or TCP rules. */
    c.n_rate_src = 1;
    c.sip_tcp = 0;
    c.n_rates = 1;
    t = render(&c, FW_BACKEND_NFTABLES, NULL, 0);
    assert_lacks(t, "rate_src6");
    assert_lacks(t, "rl6_");
    assert_lacks(t, "@ih");
    assert_lacks(t, "rl4_invite");
    assert_int_equal(count(t, "counter drop comment"), 1);

    /* Ranges but no SIP port they could apply to: off. */
    c.sip_udp = 0;
    t = render(&c, FW_BACKEND_NFTABLES, NULL, 0);
    assert_lacks(t, "limit rate over");
    assert_lacks(t, "rate_src4");
}

static void nft_temp_ssh(void **state)
{
    struct fw_svc_cfg c;
    struct fw_grant g[3];
    const char *t;

    (void)state;
    fw_svc_cfg_defaults(&c);
    c.temp_ssh = true;
    t = render(&c, FW_BACKEND_NFTABLES, NULL, 0);
    assert_has(t, "ip saddr @ssh_allow4 tcp dport 22 accept comment "
                  "\"SSH: temporary grants\"");
    assert_has(t, "ip6 saddr @ssh_allow6 tcp dport 22 accept");
    assert_lacks(t, "tcp dport 22 accept comment \"SSH\"");
    assert_has(t, "SSH: only for temporary grants");
    assert_lacks(t, "elements");

    /* Grants carried over with their remaining time. */
    g[0].net = net_of("10.77.0.2");
    g[0].timeout_s = 1795;
    g[1].net = net_of("2001:db8:1::/48");
    g[1].timeout_s = 60;
    g[2].net = net_of("198.51.100.0/24");
    g[2].timeout_s = 86400;
    t = render(&c, FW_BACKEND_NFTABLES, g, 3);
    assert_has(t, "set ssh_allow4 {\n\t\ttype ipv4_addr\n"
                  "\t\tflags interval,timeout\n"
                  "\t\telements = { 10.77.0.2/32 timeout 1795s, "
                  "198.51.100.0/24 timeout 86400s }\n\t}");
    assert_has(t, "elements = { 2001:db8:1::/48 timeout 60s }");

    /* Bad grants are refused. */
    struct buf b;
    buf_init(&b, 65536);
    g[0].timeout_s = 0;
    assert_int_equal(fw_svc_render(&c, FW_BACKEND_NFTABLES, g, 1, &b), -EINVAL);
    assert_int_equal(fw_svc_render(&c, FW_BACKEND_NFTABLES, NULL, 1, &b),
                     -EINVAL);
    buf_fini(&b);
}

/* ---- firewalld and iptables ---------------------------------------------- */

static void firewalld_script(void **state)
{
    struct fw_svc_cfg c;
    const char *t;

    (void)state;
    fw_svc_cfg_defaults(&c);
    c.http_plain = 8080;
    t = render(&c, FW_BACKEND_FIREWALLD, NULL, 0);
    assert_has(t, "#!/bin/sh\n");
    assert_has(t, "cat >/etc/firewalld/services/sipwarden.xml <<'EOF'\n"
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service>\n");
    assert_has(t, "<port protocol=\"udp\" port=\"5060\"/>");
    assert_has(t, "<port protocol=\"tcp\" port=\"5063\"/>");
    assert_has(t, "<port protocol=\"tcp\" port=\"5061\"/>");
    assert_has(t, "<port protocol=\"tcp\" port=\"8887\"/>");
    assert_has(t, "<port protocol=\"tcp\" port=\"8080\"/>");
    assert_has(t, "<port protocol=\"udp\" port=\"10000-20000\"/>");
    assert_has(t, "<port protocol=\"tcp\" port=\"22\"/>");
    assert_has(t, "</service>\nEOF\n");
    assert_has(t, "--add-service=sipwarden\n");
    assert_lacks(t, "rich-rule");

    /* Temporary SSH: not in the service, a rich rule per family. */
    c.temp_ssh = true;
    c.rate_src[0] = net_of("0.0.0.0/0");
    c.n_rate_src = 1;
    t = render(&c, FW_BACKEND_FIREWALLD, NULL, 0);
    assert_lacks(t, "port=\"22\"/>");
    assert_has(t, "--remove-service=ssh");
    assert_has(t, "--add-rich-rule='rule family=\"ipv4\" source "
                  "ipset=\"sipwarden_ssh4\" port port=\"22\" "
                  "protocol=\"tcp\" accept'");
    assert_has(t, "ipset=\"sipwarden_ssh6\"");
    /* The limits can't be rich rules: listed for the operator. */
    assert_has(t, "#   REGISTER over 20/minute per source");
}

static void iptables_restore(void **state)
{
    struct fw_svc_cfg c;
    const char *t;

    (void)state;
    fw_svc_cfg_defaults(&c);
    t = render(&c, FW_BACKEND_IPTABLES, NULL, 0);
    assert_has(t, "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n");
    assert_has(t, "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j "
                  "ACCEPT");
    assert_has(t, "-A INPUT -p udp --dport 5060 -m comment --comment \"SIP "
                  "over UDP\" -j ACCEPT");
    assert_has(t, "-A INPUT -p udp --dport 10000:20000 ");
    assert_has(t, "-A INPUT -p tcp --dport 22 -m comment --comment \"SSH\" "
                  "-j ACCEPT");
    assert_has(t, "--icmp-type destination-unreachable");
    assert_lacks(t, "SW_RATE");
    assert_has(t, "COMMIT\n");

    c.rate_src[0] = net_of("10.0.0.0/8");
    c.rate_src[1] = net_of("2001:db8::/32");
    c.n_rate_src = 2;
    c.temp_ssh = true;
    t = render(&c, FW_BACKEND_IPTABLES, NULL, 0);
    assert_has(t, ":SW_RATE - [0:0]\n");
    assert_has(t, "-A INPUT -s 10.0.0.0/8 -p udp --dport 5060 -j SW_RATE");
    assert_has(t, "-A INPUT -s 10.0.0.0/8 -p tcp --dport 5063 -j SW_RATE");
    assert_lacks(t, "2001:db8");
    assert_has(t, "-A SW_RATE -m string --algo bm --to 100 --string "
                  "\"REGISTER \" -m hashlimit --hashlimit-above 20/minute "
                  "--hashlimit-burst 4 --hashlimit-mode srcip "
                  "--hashlimit-name sw_rl0 -j DROP");
    assert_has(t, "-m set --match-set sipwarden_ssh4 src");
    assert_has(t, "ipset create sipwarden_ssh4 hash:net family inet");

    t = render(&c, FW_BACKEND_IP6TABLES, NULL, 0);
    assert_has(t, "-A INPUT -s 2001:db8::/32 -p udp --dport 5060 -j SW_RATE");
    assert_lacks(t, "10.0.0.0");
    assert_has(t, "--icmpv6-type packet-too-big");
    assert_has(t, "--icmpv6-type neighbour-solicitation");
    assert_has(t, "-m set --match-set sipwarden_ssh6 src");
    assert_has(t, "Load with: ip6tables-restore");
}

/* ---- checks and failures --------------------------------------------------
 */

static void cfg_checks(void **state)
{
    struct fw_svc_cfg c;
    char why[FW_WHY_CAP];
    struct buf b;

    (void)state;
    fw_svc_cfg_defaults(&c);
    assert_int_equal(fw_svc_cfg_check(&c, why, sizeof(why)), 0);
    c.rtp_lo = 20000;
    c.rtp_hi = 10000;
    assert_int_equal(fw_svc_cfg_check(&c, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "RTP"));
    fw_svc_cfg_defaults(&c);
    snprintf(c.table, sizeof(c.table), "sipwarden");
    assert_int_equal(fw_svc_cfg_check(&c, why, sizeof(why)), -EINVAL);
    fw_svc_cfg_defaults(&c);
    snprintf(c.table, sizeof(c.table), "bad-name");
    assert_int_equal(fw_svc_cfg_check(&c, NULL, 0), -EINVAL);
    fw_svc_cfg_defaults(&c);
    snprintf(c.rates[0].method, sizeof(c.rates[0].method), "REG1");
    assert_int_equal(fw_svc_cfg_check(&c, why, sizeof(why)), -EINVAL);
    fw_svc_cfg_defaults(&c);
    c.rate_burst = 0;
    assert_int_equal(fw_svc_cfg_check(&c, why, sizeof(why)), -EINVAL);
    fw_svc_cfg_defaults(&c);
    c.ssh_ports[0] = 0;
    assert_int_equal(fw_svc_cfg_check(&c, why, sizeof(why)), -EINVAL);

    /* Rendering refuses what the check refuses, and a full buffer. */
    fw_svc_cfg_defaults(&c);
    buf_init(&b, 100);
    assert_int_equal(fw_svc_render(&c, FW_BACKEND_NFTABLES, NULL, 0, &b),
                     -ENOSPC);
    buf_fini(&b);
    buf_init(&b, 65536);
    assert_int_equal(fw_svc_render(&c, (enum fw_backend)9, NULL, 0, &b),
                     -EINVAL);
    c.rtp_hi = 1;
    assert_int_equal(fw_svc_render(&c, FW_BACKEND_NFTABLES, NULL, 0, &b),
                     -EINVAL);
    buf_fini(&b);
}

static void table_names(void **state)
{
    char out[FW_TABLE_MAX + 1];

    (void)state;
    assert_int_equal(fw_svc_table_name("sipwarden", out, sizeof(out)), 0);
    assert_string_equal(out, "sipwarden_fw");
    assert_int_equal(fw_svc_table_name("swtest", out, sizeof(out)), 0);
    assert_string_equal(out, "swtest_fw");
    /* 28 + "_fw" fits in 31, 29 does not. */
    assert_int_equal(
        fw_svc_table_name("a234567890123456789012345678", out, sizeof(out)), 0);
    assert_int_equal(
        fw_svc_table_name("a2345678901234567890123456789", out, sizeof(out)),
        -EINVAL);
    assert_int_equal(fw_svc_table_name("bad-name", out, sizeof(out)), -EINVAL);
    assert_int_equal(fw_svc_table_name("sipwarden", out, 5), -EINVAL);
}

/* ---- value parsers ------------------------------------------------------ */

static void listen_and_ranges(void **state)
{
    uint16_t p, lo, hi;
    enum fw_backend be;

    (void)state;
    assert_int_equal(fw_listen_port("*:5060", &p), 0);
    assert_int_equal(p, 5060);
    assert_int_equal(fw_listen_port("[::1]:5061", &p), 0);
    assert_int_equal(p, 5061);
    assert_int_equal(fw_listen_port("10.77.0.1:8887", &p), 0);
    assert_int_equal(p, 8887);
    assert_int_equal(fw_listen_port("", &p), 0);
    assert_int_equal(p, 0);
    assert_int_equal(fw_listen_port("5060", &p), -EINVAL);
    assert_int_equal(fw_listen_port("*:0", &p), -EINVAL);
    assert_int_equal(fw_listen_port("*:65536", &p), -EINVAL);

    assert_int_equal(fw_port_range_parse("10000-20000", &lo, &hi), 0);
    assert_int_equal(lo, 10000);
    assert_int_equal(hi, 20000);
    assert_int_equal(fw_port_range_parse(" 30000 - 31000 ", &lo, &hi), 0);
    assert_int_equal(lo, 30000);
    assert_int_equal(hi, 31000);
    assert_int_equal(fw_port_range_parse("5004", &lo, &hi), 0);
    assert_int_equal(lo, 5004);
    assert_int_equal(hi, 5004);
    assert_int_equal(fw_port_range_parse("20000-10000", &lo, &hi), -EINVAL);
    assert_int_equal(fw_port_range_parse("0-10", &lo, &hi), -EINVAL);
    assert_int_equal(fw_port_range_parse("1-70000", &lo, &hi), -EINVAL);
    assert_int_equal(fw_port_range_parse("a-b", &lo, &hi), -EINVAL);
    assert_int_equal(fw_port_range_parse("", &lo, &hi), -EINVAL);

    assert_int_equal(fw_backend_parse("nftables", &be), 0);
    assert_int_equal(be, FW_BACKEND_NFTABLES);
    assert_int_equal(fw_backend_parse("firewalld", &be), 0);
    assert_int_equal(be, FW_BACKEND_FIREWALLD);
    assert_int_equal(fw_backend_parse("iptables", &be), 0);
    assert_int_equal(be, FW_BACKEND_IPTABLES);
    assert_int_equal(fw_backend_parse("ip6tables", &be), 0);
    assert_int_equal(be, FW_BACKEND_IP6TABLES);
    assert_int_equal(fw_backend_parse("pf", &be), -EINVAL);
    assert_int_equal(fw_backend_parse(NULL, &be), -EINVAL);
}

static void rates(void **state)
{
    struct fw_rate r[FW_RATE_MAX];
    char why[FW_WHY_CAP];
    size_t n = 99;

    (void)state;
    assert_int_equal(fw_rates_parse("REGISTER 20/minute, invite 10/m,"
                                    "ACK 20/s, OPTIONS 5 / hour",
                                    r, FW_RATE_MAX, &n, why, sizeof(why)),
                     0);
    assert_int_equal(n, 4);
    assert_string_equal(r[0].method, "REGISTER");
    assert_int_equal(r[0].rate, 20);
    assert_int_equal(r[0].unit, FW_PER_MINUTE);
    assert_string_equal(r[1].method, "INVITE");
    assert_int_equal(r[1].unit, FW_PER_MINUTE);
    assert_int_equal(r[2].unit, FW_PER_SECOND);
    assert_int_equal(r[3].rate, 5);
    assert_int_equal(r[3].unit, FW_PER_HOUR);
    assert_int_equal(fw_rates_parse("", r, FW_RATE_MAX, &n, why, sizeof(why)),
                     0);
    assert_int_equal(n, 0);

    static const struct {
        const char *text;
        const char *why;
    } bad[] = {
        { "REGISTER 20", "RATE/UNIT" },
        { "REGISTER 0/s", "1..100000" },
        { "REGISTER 100001/s", "1..100000" },
        { "REGISTER 20/day", "unit" },
        { "REG-ISTER 20/s", "letters" },
        { "ABCDEFGHIJKLMNOP 1/s", "method" },
        { "REGISTER 1/s, register 2/s", "twice" },
        { "A 1/s,B 1/s,C 1/s,D 1/s,E 1/s,F 1/s,G 1/s,H 1/s,I 1/s",
          "more than" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(
            fw_rates_parse(bad[i].text, r, FW_RATE_MAX, &n, why, sizeof(why)),
            -EINVAL);
        if (strstr(why, bad[i].why) == NULL) {
            fail_msg("'%s': reason '%s' lacks '%s'", bad[i].text, why,
                     bad[i].why);
        }
    }
}

static void nets_and_keys(void **state)
{
    struct sec_net nets[4];
    char why[FW_WHY_CAP];
    char fmt[SEC_NET_FMT_CAP];
    size_t n;

    (void)state;
    assert_int_equal(fw_nets_parse("10.0.0.0/8, 2001:db8::/32 192.0.2.7", nets,
                                   4, &n, why, sizeof(why)),
                     0);
    assert_int_equal(n, 3);
    assert_string_equal(sec_net_fmt(&nets[0], fmt, sizeof(fmt)), "10.0.0.0/8");
    assert_int_equal(nets[1].family, AF_INET6);
    assert_string_equal(sec_net_fmt(&nets[2], fmt, sizeof(fmt)),
                        "192.0.2.7/32");
    assert_int_equal(fw_nets_parse("", nets, 4, &n, why, sizeof(why)), 0);
    assert_int_equal(n, 0);
    /* Host bits are refused, not silently cleared. */
    assert_int_equal(fw_nets_parse("10.1.2.3/8", nets, 4, &n, why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "10.1.2.3/8"));
    assert_int_equal(
        fw_nets_parse("example.com", nets, 4, &n, why, sizeof(why)), -EINVAL);
    assert_int_equal(fw_nets_parse("1.0.0.0/8 2.0.0.0/8 3.0.0.0/8 4.0.0.0/8 "
                                   "5.0.0.0/8",
                                   nets, 4, &n, why, sizeof(why)),
                     -EINVAL);

    assert_int_equal(
        fw_svc_key_check("rtp_ports", "10000-20000", why, sizeof(why)), 0);
    assert_int_equal(fw_svc_key_check("rtp_ports", "20000", why, sizeof(why)),
                     0);
    assert_int_equal(fw_svc_key_check("rtp_ports", "x", why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "LOW-HIGH"));
    assert_int_equal(
        fw_svc_key_check("rate_limits", "REGISTER 5/s", why, sizeof(why)), 0);
    assert_int_equal(
        fw_svc_key_check("rate_limits", "REGISTER", why, sizeof(why)), -EINVAL);
    assert_int_equal(
        fw_svc_key_check("rate_sources", "0.0.0.0/0, ::/0", why, sizeof(why)),
        0);
    assert_int_equal(
        fw_svc_key_check("rate_sources", "10.0.0.1/8", why, sizeof(why)),
        -EINVAL);
    assert_int_equal(fw_svc_key_check("table", "x", why, sizeof(why)), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nft_defaults),      cmocka_unit_test(nft_ports_absent),
        cmocka_unit_test(nft_rate_limits),   cmocka_unit_test(nft_temp_ssh),
        cmocka_unit_test(firewalld_script),  cmocka_unit_test(iptables_restore),
        cmocka_unit_test(cfg_checks),        cmocka_unit_test(table_names),
        cmocka_unit_test(listen_and_ranges), cmocka_unit_test(rates),
        cmocka_unit_test(nets_and_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
