/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sip_parse_via(): a table of via-parms (LWS, IPv6 sent-by, branch,
 * received with and without brackets, rport) and list walking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/msg.h"
#include "sip_test_util.h"

#define RPORT_NONE  (-2)
#define RPORT_EMPTY (-1)

struct via_case {
    const char *in;
    enum sip_parse_res res;
    const char *transport;
    const char *host;
    int port; /* 0: none */
    const char *branch;
    const char *received;
    int rport; /* RPORT_NONE, RPORT_EMPTY or the value */
    const char *params;
    const char *raw;
    const char *rest;
};

#define OK(...)                          \
    {                                    \
        .res = SIP_PARSE_OK, __VA_ARGS__ \
    }
#define BAD(s)                          \
    {                                   \
        .in = (s), .res = SIP_PARSE_BAD \
    }

static const struct via_case vias[] = {
    OK(.in = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
       .transport = "UDP", .host = "192.0.2.1", .port = 5060,
       .branch = "z9hG4bK776asdhds", .received = "", .rport = RPORT_NONE,
       .params = ";branch=z9hG4bK776asdhds",
       .raw = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds", .rest = ""),
    OK(.in = "SIP/2.0/TCP client.example.com;branch=z9hG4bK1;rport",
       .transport = "TCP", .host = "client.example.com", .branch = "z9hG4bK1",
       .rport = RPORT_EMPTY),
    OK(.in = "SIP/2.0/UDP h;rport=5061;received=192.0.2.9;branch=z9hG4bKx",
       .host = "h", .rport = 5061, .received = "192.0.2.9",
       .branch = "z9hG4bKx"),
    OK(.in = "SIP/2.0/UDP h;rport=0", .rport = 0),
    /* RFC 7118 §5: WebSocket transports, the client's .invalid host */
    OK(.in = "SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf",
       .transport = "WSS", .host = "df7jal23ls0d.invalid",
       .branch = "z9hG4bKasudf", .rport = RPORT_NONE),
    OK(.in = "SIP/2.0/WS 127.0.0.1:5065;branch=z9hG4bK56sdasks",
       .transport = "WS", .host = "127.0.0.1", .port = 5065,
       .branch = "z9hG4bK56sdasks", .rport = RPORT_NONE),
    OK(.in = "SIP/2.0/wss abc.invalid;rport;branch=z9hG4bK1",
       .transport = "wss", .host = "abc.invalid", .rport = RPORT_EMPTY),
    /* RFC 4475 §3.1.1.1: LWS and folding everywhere */
    OK(.in = "SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw",
       .transport = "UDP", .host = "192.0.2.2", .branch = "390skdjuw",
       .rport = RPORT_NONE),
    OK(.in = "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   "
             "z9hG4bK9ikj8  ,\r\n SIP  /    2.0   / UDP  192.168.255.111   ; "
             "branch=\r\n z9hG4bK30239",
       .transport = "TCP", .host = "spindle.example.com",
       .branch = "z9hG4bK9ikj8", .rport = RPORT_NONE,
       .params = ";\r\n  branch  =   z9hG4bK9ikj8",
       .raw = "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   "
              "z9hG4bK9ikj8",
       .rest = "SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n "
               "z9hG4bK30239"),
    /* RFC 5118 §4.5: received with and without brackets */
    OK(.in = "SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9",
       .host = "[2001:db8::9:1]", .received = "2001:db8::9:255", .branch = "z9",
       .rport = RPORT_NONE),
    OK(.in = "SIP/2.0/UDP [2001:db8::9:1]:6050;received=[2001:db8::9:255]",
       .host = "[2001:db8::9:1]", .port = 6050, .received = "[2001:db8::9:255]",
       .rport = RPORT_NONE),
    OK(.in = "SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19",
       .host = "[::ffff:192.0.2.10]", .port = 19823),
    OK(.in = "SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKhjhs8ass877",
       .transport = "WSS", .host = "df7jal23ls0d.invalid"),
    OK(.in = "SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en",
       .transport = "UNKNOWN"),
    OK(.in = "SIP/2.0/UDP h : 5060 ;branch=x", .host = "h", .port = 5060,
       .branch = "x"),
    OK(.in = "SIP/2.0/UDP h;x=\"quoted;value,\";branch=b", .branch = "b",
       .params = ";x=\"quoted;value,\";branch=b"),
    OK(.in = "SIP/2.0/UDP h;maddr=224.2.0.1;ttl=16", .branch = "",
       .params = ";maddr=224.2.0.1;ttl=16"),
    OK(.in = "  SIP/2.0/UDP h  ", .raw = "SIP/2.0/UDP h", .params = "",
       .rest = ""),
    OK(.in = "SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b", .branch = "1",
       .raw = "SIP/2.0/UDP a;branch=1", .rest = "SIP/2.0/TCP b"),
    OK(.in = "SIP/2.0/UDP a;branch=1;branch=2", .branch = "1"),

    BAD(""),
    BAD("SIP/2.0/UDP"),
    BAD("SIP/2.0/UDP "),
    BAD("SIP/2.0 192.0.2.1"),
    BAD("SIP/2.0/UDP192.0.2.1"),
    BAD("SIP//UDP h"),
    BAD("SIP/2.0/UDP 192.0.2.15;;,;,,"),
    BAD("SIP/2.0/UDP h;branch"),
    BAD("SIP/2.0/UDP h;branch="),
    BAD("SIP/2.0/UDP h;branch=\"q\""),
    BAD("SIP/2.0/UDP h;rport=x"),
    BAD("SIP/2.0/UDP h;rport=70000"),
    BAD("SIP/2.0/UDP h;received=host.example"),
    BAD("SIP/2.0/UDP h;received=[192.0.2.1]"),
    BAD("SIP/2.0/UDP h;received"),
    BAD("SIP/2.0/UDP h,"),
    BAD("SIP/2.0/UDP h , "),
    BAD("SIP/2.0/UDP h x"),
    BAD("SIP/2.0/UDP h:99999"),
    BAD("SIP/2.0/UDP h:"),
    BAD("SIP/2.0/UDP [::1"),
    BAD("SIP/2.0/UDP 2001:db8::1"),
    BAD("SIP/2.0/UDP h;branch=a;"),
    BAD("SIP/2.0/UDP,h"),
    BAD("SIP/2.0/UDP h;=x"),
    BAD(", SIP/2.0/UDP h"),
};

static void via_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vias) / sizeof(vias[0]); i++) {
        const struct via_case *c = &vias[i];
        size_t len = strlen(c->in);
        char *in = malloc(len ? len : 1);
        struct sip_via via;
        struct sv rest;
        struct sip_err err = { 0 };
        assert_non_null(in);
        memcpy(in, c->in, len);
        print_message("via: %s\n", c->in);
        enum sip_parse_res res =
            sip_parse_via(sv_make(in, len), &via, &rest, &err);
        assert_int_equal(res, c->res);
        if (res == SIP_PARSE_BAD) {
            assert_string_equal(err.reason, "Bad Via header");
            assert_int_equal(err.status, 400);
            assert_true(err.offset <= len);
            free(in);
            continue;
        }
        if (c->transport) {
            assert_sv_equal(via.transport, c->transport);
        }
        if (c->host) {
            assert_sv_equal(via.host, c->host);
        }
        if (c->port) {
            assert_true(via.has_port);
            assert_int_equal(via.port, c->port);
        }
        if (c->branch) {
            assert_sv_equal(via.branch, c->branch);
        }
        if (c->received) {
            assert_sv_equal(via.received, c->received);
        }
        if (c->rport != 0 || strstr(c->in, "rport")) {
            assert_int_equal(via.has_rport, c->rport != RPORT_NONE);
            assert_int_equal(via.rport_has_value, c->rport >= 0);
            if (c->rport >= 0) {
                assert_int_equal(via.rport, c->rport);
            }
        }
        if (c->params) {
            assert_sv_equal(via.params, c->params);
        }
        if (c->raw) {
            assert_sv_equal(via.raw, c->raw);
        }
        if (c->rest) {
            assert_sv_equal(rest, c->rest);
        }
        free(in);
    }
}

static void via_list_walk(void **state)
{
    (void)state;
    static const char list[] = "SIP/2.0/UDP a;branch=1, SIP/2.0/TCP "
                               "[2001:db8::1]:5061;branch=2 ,\r\n "
                               "SIP/2.0/TLS c";
    static const char *const hosts[] = { "a", "[2001:db8::1]", "c" };
    struct sv cur = SV_LIT(list);
    struct sip_via via;
    size_t n = 0;

    while (cur.len > 0) {
        assert_true(n < 3);
        assert_int_equal(sip_parse_via(cur, &via, &cur, NULL), SIP_PARSE_OK);
        assert_sv_equal(via.host, hosts[n]);
        n++;
    }
    assert_int_equal(n, 3);
    assert_int_equal(sip_parse_via(SV_NULL, &via, NULL, NULL), SIP_PARSE_BAD);
    /* rest may be NULL */
    assert_int_equal(sip_parse_via(SV_LIT(list), &via, NULL, NULL),
                     SIP_PARSE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(via_table),
        cmocka_unit_test(via_list_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
