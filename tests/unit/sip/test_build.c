/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sip_build_response() / sip_build_error(): a table of requests and the
 * exact responses expected (Via received / rport, To tag, folding,
 * partially parsed requests), argument refusals, buffer limits, reason
 * phrase safety, and responses that parse back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "sip/build.h"
#include "sip/msg.h"
#include "sip_test_util.h"

#define FROM     "From: <sip:al@example.com>;tag=ft\r\n"
#define TO       "To: <sip:al@example.com>\r\n"
#define CALLID   "Call-ID: c1\r\n"
#define CSEQ     "CSeq: 2 REGISTER\r\n"
#define RL       "REGISTER sip:example.com SIP/2.0\r\n"
#define TAIL     "Contact: <sip:al@10.0.0.5>\r\nContent-Length: 0\r\n\r\n"
#define OUT_HDRS FROM "To: <sip:al@example.com>;tag=tt\r\n" CALLID CSEQ
#define OUT_END  "Content-Length: 0\r\n\r\n"

struct build_case {
    const char *name;
    const char *req;
    int status;
    const char *reason;
    const char *to_tag;
    const char *src_ip;
    uint16_t src_port;
    const char *extra;
    int rc;
    const char *out;
};

static const struct build_case cases[] = {
    { .name = "registrar 200: rport filled, received added",
      .req = RL "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa;rport\r\n"
                "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKb\r\n" FROM TO
                    CALLID CSEQ TAIL,
      .status = 200,
      .reason = "OK",
      .to_tag = "tt",
      .src_ip = "203.0.113.7",
      .src_port = 40000,
      .extra = "Server: sipwarden\r\n",
      .out = "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa;rport=40000;"
             "received=203.0.113.7\r\n"
             "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKb\r\n" OUT_HDRS
             "Server: sipwarden\r\n" OUT_END },
    { .name = "sent-by equals source, To already tagged, default reason",
      .req = RL "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n" FROM
                "To: <sip:al@example.com>;tag=old\r\n" CALLID CSEQ TAIL,
      .status = 486,
      .to_tag = "tt",
      .src_ip = "192.0.2.1",
      .src_port = 5060,
      .out = "SIP/2.0 486 Busy Here\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n" FROM
             "To: <sip:al@example.com>;tag=old\r\n" CALLID CSEQ OUT_END },
    { .name = "IPv6 sent-by equal to the source in another spelling",
      .req = RL "Via: SIP/2.0/TCP [2001:db8::1];branch=z9hG4bK6\r\n" FROM TO
          CALLID CSEQ TAIL,
      .status = 401,
      .reason = "Unauthorized",
      .to_tag = "tt",
      .src_ip = "2001:db8:0:0::1",
      .src_port = 5060,
      .extra = "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n",
      .out = "SIP/2.0 401 Unauthorized\r\n"
             "Via: SIP/2.0/TCP [2001:db8::1];branch=z9hG4bK6\r\n" OUT_HDRS
             "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n" OUT_END },
    { .name = "IPv6 source differs: received without brackets",
      .req =
          RL "Via: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK6\r\n" FROM TO
              CALLID CSEQ TAIL,
      .status = 200,
      .to_tag = "tt",
      .src_ip = "2001:db8::2",
      .src_port = 5070,
      .out = "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK6;"
             "received=2001:db8::2\r\n" OUT_HDRS OUT_END },
    { .name = "empty rport with a matching sent-by still gets received",
      .req = RL "Via: SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bK1\r\n" FROM TO
          CALLID CSEQ TAIL,
      .status = 200,
      .to_tag = "tt",
      .src_ip = "192.0.2.1",
      .src_port = 5062,
      .out = "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1;rport=5062;branch=z9hG4bK1;"
             "received=192.0.2.1\r\n" OUT_HDRS OUT_END },
    { .name = "rport with a value is kept",
      .req = RL
      "Via: SIP/2.0/UDP h.example.com;rport=7;branch=z9hG4bK1\r\n" FROM TO
          CALLID CSEQ TAIL,
      .status = 200,
      .to_tag = "tt",
      .src_ip = "192.0.2.1",
      .src_port = 5062,
      .out = "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP h.example.com;rport=7;branch=z9hG4bK1;"
             "received=192.0.2.1\r\n" OUT_HDRS OUT_END },
    { .name = "a received param of the request is replaced",
      .req =
          RL "Via: SIP/2.0/UDP h;received=1.2.3.4;branch=z9hG4bK1\r\n" FROM TO
              CALLID CSEQ TAIL,
      .status = 200,
      .to_tag = "tt",
      .src_ip = "5.6.7.8",
      .src_port = 5060,
      .out = "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP h;branch=z9hG4bK1;received=5.6.7.8\r\n" OUT_HDRS
                 OUT_END },
    { .name = "only the first via-parm of a list is touched",
      .req =
          RL "Via: SIP/2.0/UDP a;branch=1, SIP/2.0/UDP b;branch=2\r\n" FROM TO
              CALLID CSEQ TAIL,
      .status = 200,
      .to_tag = "tt",
      .src_ip = "9.9.9.9",
      .src_port = 5060,
      .out = "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP a;branch=1;received=9.9.9.9, SIP/2.0/UDP b;"
             "branch=2\r\n" OUT_HDRS OUT_END },
    { .name = "folding removed, compact names written in full",
      .req = RL "v: SIP/2.0/UDP h\r\n ;branch=z ; rport\r\n"
                "f:\r\n <sip:al@example.com>\r\n ;tag=ft\r\n"
                "t: <sip:al@example.com>\r\ni: c1\r\n" CSEQ TAIL,
      .status = 200,
      .to_tag = "tt",
      .src_ip = "1.1.1.1",
      .src_port = 5060,
      .out = "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP h ;branch=z;rport=5060;received=1.1.1.1\r\n"
             "From: <sip:al@example.com> ;tag=ft\r\n"
             "To: <sip:al@example.com>;tag=tt\r\n" CALLID CSEQ OUT_END },
    { .name = "no tag, no source address",
      .req =
          RL "Via: SIP/2.0/UDP h;branch=z;rport\r\n" FROM TO CALLID CSEQ TAIL,
      .status = 603,
      .reason = "Decline",
      .to_tag = "",
      .src_ip = "",
      .src_port = 0,
      .out =
          "SIP/2.0 603 Decline\r\n"
          "Via: SIP/2.0/UDP h;branch=z;rport\r\n" FROM TO CALLID CSEQ OUT_END },
    { .name = "unsafe reason phrase replaced",
      .req = RL "Via: SIP/2.0/UDP h;branch=z\r\n" FROM TO CALLID CSEQ TAIL,
      .status = 403,
      .reason = "No\r\nX-Injected: 1",
      .to_tag = "tt",
      .src_ip = "",
      .out = "SIP/2.0 403 Forbidden\r\n"
             "Via: SIP/2.0/UDP h;branch=z\r\n" OUT_HDRS OUT_END },

    /* refusals */
    { .name = "status 99",
      .req = RL "Via: SIP/2.0/UDP h\r\n" FROM TO CALLID CSEQ TAIL,
      .status = 99,
      .to_tag = "",
      .src_ip = "",
      .rc = -EINVAL },
    { .name = "status 700",
      .req = RL "Via: SIP/2.0/UDP h\r\n" FROM TO CALLID CSEQ TAIL,
      .status = 700,
      .to_tag = "",
      .src_ip = "",
      .rc = -EINVAL },
    { .name = "ACK is never answered",
      .req = "ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n" FROM TO CALLID
             "CSeq: 2 ACK\r\n\r\n",
      .status = 400,
      .to_tag = "",
      .src_ip = "",
      .rc = -EINVAL },
    { .name = "responses are never answered",
      .req =
          "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n" FROM TO CALLID CSEQ "\r\n",
      .status = 400,
      .to_tag = "",
      .src_ip = "",
      .rc = -EINVAL },
    { .name = "to_tag not a token",
      .req = RL "Via: SIP/2.0/UDP h\r\n" FROM TO CALLID CSEQ TAIL,
      .status = 200,
      .to_tag = "a\r\nb",
      .src_ip = "",
      .rc = -EINVAL },
    { .name = "src_ip not an address",
      .req = RL "Via: SIP/2.0/UDP h\r\n" FROM TO CALLID CSEQ TAIL,
      .status = 200,
      .to_tag = "",
      .src_ip = "1.2.3.4;x=y",
      .rc = -EINVAL },
    { .name = "src_ip with brackets",
      .req = RL "Via: SIP/2.0/UDP h\r\n" FROM TO CALLID CSEQ TAIL,
      .status = 200,
      .to_tag = "",
      .src_ip = "[::1]",
      .rc = -EINVAL },
    { .name = "extra headers without CRLF",
      .req = RL "Via: SIP/2.0/UDP h\r\n" FROM TO CALLID CSEQ TAIL,
      .status = 200,
      .to_tag = "",
      .src_ip = "",
      .extra = "Server: x",
      .rc = -EINVAL },
};

static void build_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct build_case *c = &cases[i];
        struct sip_msg *msg = malloc(sizeof(*msg));
        struct sip_err err;
        struct buf b;
        assert_non_null(msg);
        print_message("build: %s\n", c->name);
        assert_int_equal(sip_msg_parse(msg, sv_cstr(c->req), &err),
                         SIP_PARSE_OK);
        buf_init(&b, 4096);
        int rc = sip_build_response(&b, msg, c->status, c->reason,
                                    sv_cstr(c->to_tag), sv_cstr(c->src_ip),
                                    c->src_port,
                                    c->extra ? sv_cstr(c->extra) : SV_NULL);
        assert_int_equal(rc, c->rc);
        if (rc == 0) {
            assert_string_equal(b.p, c->out);
            /* and it parses back as a response */
            struct sip_msg *resp = malloc(sizeof(*resp));
            assert_non_null(resp);
            assert_int_equal(sip_msg_parse(resp, buf_sv(&b), &err),
                             SIP_PARSE_OK);
            assert_false(resp->is_request);
            assert_int_equal(resp->status, c->status);
            assert_int_equal(resp->n_via, msg->n_via);
            assert_true(sv_eq(resp->call_id, msg->call_id));
            free(resp);
        } else {
            assert_int_equal(b.len, 0);
        }
        buf_fini(&b);
        free(msg);
    }
}

/* Error path: partially parsed requests still get their 4xx / 505. */
struct error_case {
    const char *name;
    const char *req;
    int status;
    const char *out; /* NULL: sip_build_error refuses */
};

static const struct error_case errors[] = {
    { "bad CSeq: echoed as received",
      RL "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" FROM TO CALLID
         "CSeq: x REGISTER\r\n\r\n",
      400,
      "SIP/2.0 400 Bad CSeq header\r\n"
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1;received=192.0.2.99\r\n" FROM
      "To: <sip:al@example.com>;tag=tt\r\n" CALLID "CSeq: x REGISTER\r\n"
      "Server: sipwarden\r\n" OUT_END },
    { "missing Call-ID: omitted",
      RL "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" FROM TO CSEQ "\r\n", 400,
      "SIP/2.0 400 Missing Call-ID header\r\n"
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1;received=192.0.2.99\r\n" FROM
      "To: <sip:al@example.com>;tag=tt\r\n" CSEQ
      "Server: sipwarden\r\n" OUT_END },
    { "bad To: copied, no tag added",
      RL "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" FROM
         "To: \"Mr. J. User <sip:j.user@example.com>\r\n" CALLID CSEQ "\r\n",
      400,
      "SIP/2.0 400 Bad To header\r\n"
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1;received=192.0.2.99\r\n" FROM
      "To: \"Mr. J. User <sip:j.user@example.com>\r\n" CALLID CSEQ
      "Server: sipwarden\r\n" OUT_END },
    { "bad Via: copied untouched",
      RL "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n" FROM TO CALLID CSEQ "\r\n",
      400,
      "SIP/2.0 400 Bad Via header\r\n"
      "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n" OUT_HDRS
      "Server: sipwarden\r\n" OUT_END },
    { "other SIP version: 505",
      "REGISTER sip:example.com SIP/7.0\r\nVia: SIP/7.0/UDP h;branch=z\r\n" FROM
          TO CALLID CSEQ "\r\n",
      505,
      "SIP/2.0 505 Version Not Supported\r\n"
      "Via: SIP/7.0/UDP h;branch=z;received=192.0.2.99\r\n" OUT_HDRS
      "Server: sipwarden\r\n" OUT_END },
    { "Content-Length too large: 413",
      RL "Via: SIP/2.0/UDP h;branch=z\r\n" FROM TO CALLID CSEQ
         "Content-Length: 70000\r\n\r\n",
      413,
      "SIP/2.0 413 Content-Length too large\r\n"
      "Via: SIP/2.0/UDP h;branch=z;received=192.0.2.99\r\n" OUT_HDRS
      "Server: sipwarden\r\n" OUT_END },
    { "no Via at all: still built, without Via", RL FROM TO CALLID CSEQ "\r\n",
      400,
      "SIP/2.0 400 Missing Via header\r\n" OUT_HDRS
      "Server: sipwarden\r\n" OUT_END },
    { "a response: never answered",
      "SIP/2.0 200 OK\r\n" FROM TO CALLID CSEQ "\r\n", 0, NULL },
    { "empty: never answered", "\r\n", 0, NULL },
};

static void build_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        const struct error_case *c = &errors[i];
        struct sip_msg *msg = malloc(sizeof(*msg));
        struct sip_err err;
        struct buf b;
        assert_non_null(msg);
        print_message("error: %s\n", c->name);
        assert_int_equal(sip_msg_parse(msg, sv_cstr(c->req), &err),
                         SIP_PARSE_BAD);
        assert_int_equal(err.status, c->status);
        buf_init(&b, 4096);
        int rc =
            sip_build_error(&b, msg, &err, SV_LIT("tt"), SV_LIT("192.0.2.99"),
                            5060, SV_LIT("Server: sipwarden\r\n"));
        if (!c->out) {
            assert_int_equal(rc, -EINVAL);
            assert_int_equal(b.len, 0);
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(b.p, c->out);
        }
        buf_fini(&b);
        free(msg);
    }
}

static void buffer_limits(void **state)
{
    (void)state;
    static const char req[] =
        RL "Via: SIP/2.0/UDP h;branch=z\r\n" FROM TO CALLID CSEQ TAIL;
    struct sip_msg msg;
    struct sip_err err;
    struct buf b;

    assert_int_equal(sip_msg_parse(&msg, SV_LIT(req), &err), SIP_PARSE_OK);
    buf_init(&b, 60);
    assert_int_equal(buf_append_cstr(&b, "kept"), 0);
    assert_int_equal(sip_build_response(&b, &msg, 200, "OK", SV_LIT("t"),
                                        SV_LIT("192.0.2.1"), 5060, SV_NULL),
                     -ENOSPC);
    assert_int_equal(b.len, 4);
    assert_int_equal(b.err, 0);
    assert_string_equal(b.p, "kept");
    buf_fini(&b);

    /* appends after existing content */
    buf_init(&b, 4096);
    assert_int_equal(buf_append_cstr(&b, "X"), 0);
    assert_int_equal(
        sip_build_response(&b, &msg, 100, NULL, SV_NULL, SV_NULL, 0, SV_NULL),
        0);
    assert_true(strncmp(b.p, "XSIP/2.0 100 Trying\r\n", 21) == 0);
    buf_fini(&b);

    assert_int_equal(
        sip_build_response(NULL, &msg, 200, NULL, SV_NULL, SV_NULL, 0, SV_NULL),
        -EINVAL);
    buf_init(&b, 4096);
    assert_int_equal(
        sip_build_response(&b, NULL, 200, NULL, SV_NULL, SV_NULL, 0, SV_NULL),
        -EINVAL);
    assert_int_equal(
        sip_build_error(&b, &msg, NULL, SV_NULL, SV_NULL, 0, SV_NULL), -EINVAL);
    buf_fini(&b);
}

static void reasons(void **state)
{
    (void)state;
    char long_reason[200];
    memset(long_reason, 'a', sizeof(long_reason) - 1);
    long_reason[sizeof(long_reason) - 1] = '\0';

    assert_string_equal(sip_build_reason_safe(400, "Bad Via header"),
                        "Bad Via header");
    assert_string_equal(sip_build_reason_safe(400, NULL), "Bad Request");
    assert_string_equal(sip_build_reason_safe(400, ""), "Bad Request");
    assert_string_equal(sip_build_reason_safe(400, "a\r\nb"), "Bad Request");
    assert_string_equal(sip_build_reason_safe(400, "caf\xc3\xa9"),
                        "Bad Request");
    assert_string_equal(sip_build_reason_safe(404, long_reason), "Not Found");
    long_reason[128] = '\0';
    assert_ptr_equal(sip_build_reason_safe(404, long_reason), long_reason);
    assert_string_equal(sip_status_reason(200), "OK");
    assert_string_equal(sip_status_reason(487), "Request Terminated");
    assert_string_equal(sip_status_reason(505), "Version Not Supported");
    assert_string_equal(sip_status_reason(599), "Server Failure");
    assert_string_equal(sip_status_reason(499), "Request Failure");
    assert_string_equal(sip_status_reason(100), "Trying");
    assert_string_equal(sip_status_reason(608), "Rejected");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_table),
        cmocka_unit_test(build_errors),
        cmocka_unit_test(buffer_limits),
        cmocka_unit_test(reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
