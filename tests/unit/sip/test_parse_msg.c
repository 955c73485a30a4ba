/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sip_msg_parse(), sip_msg_frame(), header lookups, the Contact iterator
 * and Expires: table-driven cases of raw messages and the fields or the
 * error (reason, status, offset) expected from each.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/msg.h"
#include "sip_test_util.h"

#define VIA     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
#define FROM    "From: <sip:a@example.com>;tag=f1\r\n"
#define TO      "To: <sip:b@example.com>\r\n"
#define CALLID  "Call-ID: abc@h\r\n"
#define CSEQ    "CSeq: 1 OPTIONS\r\n"
#define MF      "Max-Forwards: 70\r\n"
#define RL      "OPTIONS sip:b@example.com SIP/2.0\r\n"
#define BASE    VIA FROM TO CALLID CSEQ MF
#define REQ(x)  RL BASE x
#define RESP(x) "SIP/2.0 200 OK\r\n" VIA FROM TO CALLID CSEQ x
#define NOCHECK INT_MIN

struct msg_case {
    const char *name;
    const char *raw;
    enum sip_parse_res res;
    /* SIP_PARSE_BAD */
    const char *reason;
    int status;
    const char *err_at; /* marker whose offset is err.offset, or NULL */
    /* fields checked when set */
    const char *method;
    const char *ruri;
    const char *call_id;
    const char *via_host;
    const char *from_tag;
    const char *to_tag;
    const char *body;
    long cseq;        /* 0: not checked */
    unsigned n_via;   /* 0: not checked */
    int max_forwards; /* NOCHECK: not checked */
    int code;         /* response status, 0: request */
};

static const struct msg_case cases[] = {
    /* ---- valid requests ---- */
    { .name = "minimal",
      .raw = REQ("Content-Length: 0\r\n\r\n"),
      .method = "OPTIONS",
      .ruri = "sip:b@example.com",
      .call_id = "abc@h",
      .via_host = "192.0.2.1",
      .from_tag = "f1",
      .to_tag = "",
      .body = "",
      .cseq = 1,
      .n_via = 1,
      .max_forwards = 70 },
    { .name = "folding in values and before the value",
      .raw = RL "Via: SIP/2.0/UDP\r\n 192.0.2.1\r\n\t;branch=z9hG4bKf\r\n"
                "From:\r\n <sip:a@example.com>\r\n ;tag=f1\r\n" TO CALLID
                "CSeq: 1\r\n OPTIONS\r\nSubject: a\r\n b\r\n\r\n",
      .via_host = "192.0.2.1",
      .from_tag = "f1",
      .cseq = 1,
      .max_forwards = -1 },
    { .name = "compact forms",
      .raw = "INVITE sip:b@example.com SIP/2.0\r\n"
             "v: SIP/2.0/TCP h.example.com;branch=z9hG4bK2\r\n"
             "f: <sip:a@example.com>;tag=x\r\nt: sip:b@example.com\r\n"
             "i: cid\r\nCSeq: 7 INVITE\r\nm: <sip:a@192.0.2.2>\r\n"
             "c: application/sdp\r\nk: path\r\ns: hi\r\no: presence\r\n"
             "l: 4\r\n\r\nbody",
      .method = "INVITE",
      .call_id = "cid",
      .via_host = "h.example.com",
      .from_tag = "x",
      .body = "body",
      .cseq = 7 },
    { .name = "case-insensitive names, WSP before colon",
      .raw = "OPTIONS sip:b@example.com SIP/2.0\r\nvIA  : SIP/2.0/UDP "
             "192.0.2.1;branch=z9hG4bK1\r\nFROM: <sip:a@example.com>;TAG=t\r\n"
             "tO\t: <sip:b@example.com>\r\ncAlL-iD: q\r\ncseq: 2 OPTIONS\r\n"
             "CONTENT-LENGTH: 0\r\n\r\n",
      .call_id = "q",
      .from_tag = "t",
      .cseq = 2 },
    { .name = "no Content-Length on a datagram: body is the rest",
      .raw = REQ("\r\nhello"),
      .body = "hello" },
    { .name = "Content-Length shorter than the datagram truncates",
      .raw = REQ("Content-Length: 3\r\n\r\nhello"),
      .body = "hel" },
    { .name = "duplicate Content-Length with the same value",
      .raw = REQ("Content-Length: 2\r\nl: 2\r\n\r\nhi"),
      .body = "hi" },
    { .name = "Max-Forwards absent",
      .raw = RL VIA FROM TO CALLID CSEQ "\r\n",
      .max_forwards = -1 },
    { .name = "Max-Forwards 255 with leading zeros",
      .raw = RL VIA FROM TO CALLID CSEQ "Max-Forwards: 0255\r\n\r\n",
      .max_forwards = 255 },
    { .name = "Max-Forwards 0",
      .raw = RL VIA FROM TO CALLID CSEQ "Max-Forwards: 0\r\n\r\n",
      .max_forwards = 0 },
    { .name = "CSeq 2**31-1",
      .raw = RL VIA FROM TO CALLID "CSeq: 2147483647 OPTIONS\r\n\r\n",
      .cseq = 2147483647 },
    { .name = "extension method",
      .raw = "FOO.bar sip:b@example.com SIP/2.0\r\n" VIA FROM TO CALLID
             "CSeq: 1 FOO.bar\r\n\r\n",
      .method = "FOO.bar" },
    { .name = "tel: Request-URI",
      .raw = "INVITE tel:+15551234567 SIP/2.0\r\n" VIA FROM TO CALLID
             "CSeq: 1 INVITE\r\n\r\n",
      .ruri = "tel:+15551234567" },
    { .name = "IPv6 everywhere",
      .raw =
          "REGISTER sip:[2001:db8::10]:5070 SIP/2.0\r\n"
          "Via: SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bK6;rport\r\n"
          "From: <sip:a@[2001:db8::1]>;tag=6\r\nTo: <sip:a@[2001:db8::1]>\r\n"
          "Call-ID: v6\r\nCSeq: 5 REGISTER\r\n\r\n",
      .via_host = "[2001:db8::9:1]",
      .ruri = "sip:[2001:db8::10]:5070" },
    { .name = "Via list over two headers",
      .raw = RL "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKa, SIP/2.0/TCP "
                "b.example.com:5061 ;branch=z9hG4bKb\r\nVia: SIP/2.0/UDP "
                "c.example.com\r\n" FROM TO CALLID CSEQ "\r\n",
      .via_host = "a.example.com",
      .n_via = 3 },
    { .name = "20 Via headers: past SIP_MAX_VIA counted, not refused",
      .raw = RL VIA VIA VIA VIA VIA VIA VIA VIA VIA VIA VIA VIA VIA VIA VIA VIA
          VIA VIA VIA
      "Via: SIP/2.0/UDP x;branch=z9hG4bKz, y, z\r\n" FROM TO CALLID CSEQ "\r\n",
      .n_via = 22 },
    { .name = "leading CRLFs are skipped",
      .raw = "\r\n\r\n" REQ("\r\n"),
      .method = "OPTIONS" },
    { .name = "bare LF line ends are tolerated",
      .raw = "OPTIONS sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1;"
             "branch=z9hG4bK1\nFrom: <sip:a@example.com>;tag=1\nTo: "
             "<sip:b@example.com>\nCall-ID: lf\nCSeq: 1 OPTIONS\n\nx",
      .call_id = "lf",
      .body = "x" },
    { .name = "lowercase version, empty header value",
      .raw = "OPTIONS sip:b@example.com sip/2.0\r\n" BASE "Subject:\r\n\r\n",
      .method = "OPTIONS" },
    { .name = "ACK with CSeq ACK",
      .raw = "ACK sip:b@example.com SIP/2.0\r\n" VIA FROM TO CALLID
             "CSeq: 1 ACK\r\n\r\n",
      .method = "ACK" },
    { .name = "control character in a quoted-pair",
      .raw = RL VIA
      "From: \"a\\\x01z\" <sip:a@example.com>;tag=1\r\n" TO CALLID CSEQ "\r\n",
      .from_tag = "1" },

    /* ---- invalid requests ---- */
    { .name = "Content-Length longer than the datagram",
      .raw = REQ("Content-Length: 10\r\n\r\nhello"),
      .res = SIP_PARSE_BAD,
      .reason = "Content-Length mismatch",
      .status = 400 },
    { .name = "negative Content-Length",
      .raw = REQ("Content-Length: -1\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Bad Content-Length header",
      .status = 400,
      .err_at = "-1" },
    { .name = "Content-Length with junk",
      .raw = REQ("Content-Length: 12a\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Bad Content-Length header",
      .status = 400 },
    { .name = "huge Content-Length",
      .raw = REQ("Content-Length: 99999999999999999999999\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Content-Length too large",
      .status = 413,
      .err_at = "999" },
    { .name = "Content-Length above the body ceiling",
      .raw = REQ("Content-Length: 32769\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Content-Length too large",
      .status = 413 },
    { .name = "duplicate Content-Length, different values",
      .raw = REQ("Content-Length: 2\r\nContent-Length: 3\r\n\r\nabc"),
      .res = SIP_PARSE_BAD,
      .reason = "Conflicting Content-Length headers",
      .status = 400,
      .err_at = "3\r\n" },
    { .name = "missing Via",
      .raw = RL FROM TO CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Missing Via header",
      .status = 400,
      .call_id = "abc@h" },
    { .name = "missing From",
      .raw = RL VIA TO CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Missing From header",
      .status = 400 },
    { .name = "missing To",
      .raw = RL VIA FROM CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Missing To header",
      .status = 400 },
    { .name = "missing Call-ID",
      .raw = RL VIA FROM TO CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Missing Call-ID header",
      .status = 400,
      .via_host = "192.0.2.1" },
    { .name = "missing CSeq",
      .raw = RL VIA FROM TO CALLID "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Missing CSeq header",
      .status = 400 },
    { .name = "CSeq 2**31",
      .raw = RL VIA FROM TO CALLID "CSeq: 2147483648 OPTIONS\r\n\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad CSeq header",
      .status = 400 },
    { .name = "CSeq negative",
      .raw = RL VIA FROM TO CALLID "CSeq: -1 OPTIONS\r\n\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad CSeq header",
      .status = 400 },
    { .name = "CSeq without method",
      .raw = RL VIA FROM TO CALLID "CSeq: 1\r\n\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad CSeq header",
      .status = 400 },
    { .name = "CSeq method mismatch",
      .raw = RL VIA FROM TO CALLID "CSeq: 1 INVITE\r\n\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "CSeq method mismatch",
      .status = 400,
      .err_at = "INVITE",
      .call_id = "abc@h",
      .cseq = 1 },
    { .name = "CSeq method differs in case only",
      .raw = RL VIA FROM TO CALLID "CSeq: 1 options\r\n\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "CSeq method mismatch",
      .status = 400 },
    { .name = "duplicate CSeq",
      .raw = REQ("CSeq: 1 OPTIONS\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Duplicate CSeq header",
      .status = 400 },
    { .name = "duplicate To",
      .raw = REQ("t: <sip:c@example.com>\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Duplicate To header",
      .status = 400 },
    { .name = "Max-Forwards over 255",
      .raw = RL VIA FROM TO CALLID CSEQ "Max-Forwards: 256\r\n\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Max-Forwards header",
      .status = 400 },
    { .name = "Max-Forwards not a number",
      .raw = RL VIA FROM TO CALLID CSEQ "Max-Forwards: ten\r\n\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Max-Forwards header",
      .status = 400 },
    { .name = "duplicate Max-Forwards",
      .raw = REQ("Max-Forwards: 70\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Duplicate Max-Forwards header",
      .status = 400 },
    { .name = "Call-ID with a space",
      .raw = RL VIA FROM TO "Call-ID: a b\r\n" CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Call-ID header",
      .status = 400 },
    { .name = "Call-ID with two @",
      .raw = RL VIA FROM TO "Call-ID: a@b@c\r\n" CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Call-ID header",
      .status = 400 },
    { .name = "empty Call-ID",
      .raw = RL VIA FROM TO "Call-ID: \r\n" CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Call-ID header",
      .status = 400 },
    { .name = "duplicate Call-ID",
      .raw = REQ("i: other\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Duplicate Call-ID header",
      .status = 400 },
    { .name = "SIP/3.0 -> 505, headers still parsed",
      .raw = "OPTIONS sip:b@example.com SIP/3.0\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Version Not Supported",
      .status = 505,
      .err_at = "SIP/3.0",
      .call_id = "abc@h",
      .via_host = "192.0.2.1",
      .cseq = 1 },
    { .name = "garbage version",
      .raw = "OPTIONS sip:b@example.com HTTP/1.1\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad request line",
      .status = 400 },
    { .name = "no version",
      .raw = "OPTIONS sip:b@example.com\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad request line",
      .status = 400 },
    { .name = "double SP in request line",
      .raw = "OPTIONS  sip:b@example.com SIP/2.0\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad request line",
      .status = 400 },
    { .name = "LWS inside Request-URI",
      .raw = "OPTIONS sip:b@example.com; lr SIP/2.0\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Request-URI",
      .status = 400 },
    { .name = "Request-URI with headers",
      .raw = "OPTIONS sip:b@example.com?Route=x SIP/2.0\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Request-URI",
      .status = 400,
      .err_at = "Route=" },
    { .name = "Request-URI in <>",
      .raw = "OPTIONS <sip:b@example.com> SIP/2.0\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Request-URI",
      .status = 400 },
    { .name = "IPv6 Request-URI without brackets",
      .raw = "OPTIONS sip:2001:db8::10 SIP/2.0\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Request-URI",
      .status = 400 },
    { .name = "non-token method",
      .raw = "OPT@IONS sip:b@example.com SIP/2.0\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad request line",
      .status = 400 },
    { .name = "header line without colon",
      .raw = REQ("Foobar roobar\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Bad header line",
      .status = 400,
      .err_at = "Foobar",
      .call_id = "abc@h" },
    { .name = "bare CR in a header",
      .raw = REQ("Subject: a\rb\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Bad header line",
      .status = 400,
      .err_at = "\rb" },
    { .name = "folding right after the start line",
      .raw = RL " Via: x\r\n" BASE "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad header line",
      .status = 400 },
    { .name = "NUL in a header name",
      .raw = REQ("X-\x01: a\r\n\r\n"),
      .res = SIP_PARSE_BAD,
      .reason = "Bad header line",
      .status = 400 },
    { .name = "bad Via: empty params",
      .raw =
          RL "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n" FROM TO CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Via header",
      .status = 400,
      .err_at = ";;" },
    { .name = "bad Via: no sent-by",
      .raw = RL "Via: SIP/2.0/UDP\r\n" FROM TO CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad Via header",
      .status = 400 },
    { .name = "bad From: unterminated quote, the rest still parsed",
      .raw = RL VIA "From: \"Bob <sip:a@example.com>;tag=1\r\n" TO CALLID CSEQ
                    "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad From header",
      .status = 400,
      .call_id = "abc@h",
      .via_host = "192.0.2.1",
      .cseq = 1 },
    { .name = "bad To: spaces inside <>",
      .raw = RL VIA FROM "To: < sip:b@example.com >\r\n" CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad To header",
      .status = 400 },
    { .name = "missing empty line after headers",
      .raw = RL BASE,
      .res = SIP_PARSE_BAD,
      .reason = "Missing empty line after headers",
      .status = 400 },
    { .name = "last header line not terminated",
      .raw = RL BASE "l: 0",
      .res = SIP_PARSE_BAD,
      .reason = "Missing empty line after headers",
      .status = 400 },
    { .name = "only CRLFs",
      .raw = "\r\n\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Empty message",
      .status = 0 },
    { .name = "first error wins: bad CSeq before a missing Call-ID",
      .raw = RL VIA FROM TO "CSeq: x OPTIONS\r\n\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad CSeq header",
      .status = 400 },

    /* ---- responses ---- */
    { .name = "200 OK",
      .raw = RESP("Content-Length: 2\r\n\r\nok"),
      .code = 200,
      .body = "ok",
      .cseq = 1 },
    { .name = "empty reason phrase",
      .raw = "SIP/2.0 100 \r\n" VIA FROM TO CALLID CSEQ "\r\n",
      .code = 100 },
    { .name = "no reason phrase at all",
      .raw = "SIP/2.0 180\r\n" VIA FROM TO CALLID CSEQ "\r\n",
      .code = 180 },
    { .name = "UTF-8 reason phrase",
      .raw = "SIP/2.0 200 \xd0\xbe\xd0\xba\r\n" VIA FROM TO CALLID CSEQ "\r\n",
      .code = 200 },
    { .name = "response: 2-digit status",
      .raw = "SIP/2.0 99 Odd\r\n" VIA FROM TO CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad status code",
      .status = 0 },
    { .name = "response: status 700",
      .raw = "SIP/2.0 700 Odd\r\n" VIA FROM TO CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad status code",
      .status = 0 },
    { .name = "response: huge status",
      .raw = "SIP/2.0 4294967301 x\r\n" VIA FROM TO CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Bad status code",
      .status = 0 },
    { .name = "response: other version",
      .raw = "SIP/3.0 200 OK\r\n" VIA FROM TO CALLID CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Version Not Supported",
      .status = 0 },
    { .name = "response: missing Call-ID, never answered",
      .raw = "SIP/2.0 200 OK\r\n" VIA FROM TO CSEQ "\r\n",
      .res = SIP_PARSE_BAD,
      .reason = "Missing Call-ID header",
      .status = 0 },
    { .name = "response: CSeq method of another request is fine",
      .raw = "SIP/2.0 200 OK\r\n" VIA FROM TO CALLID "CSeq: 9 INVITE\r\n\r\n",
      .code = 200,
      .cseq = 9 },
};

static void check_case(const struct msg_case *c)
{
    size_t len = strlen(c->raw);
    char *raw = malloc(len ? len : 1); /* exact size: ASan sees overreads */
    struct sip_msg *msg = malloc(sizeof(*msg));
    struct sip_err err = { 0 };

    assert_non_null(raw);
    assert_non_null(msg);
    memcpy(raw, c->raw, len);
    print_message("case: %s\n", c->name);
    enum sip_parse_res res = sip_msg_parse(msg, sv_make(raw, len), &err);
    if (res != c->res) {
        print_error("case '%s': res %d, reason %s at %zu\n", c->name, res,
                    err.reason ? err.reason : "-", err.offset);
    }
    assert_int_equal(res, c->res);
    if (c->res == SIP_PARSE_BAD) {
        assert_non_null(err.reason);
        assert_string_equal(err.reason, c->reason);
        assert_int_equal(err.status, c->status);
        if (c->err_at) {
            assert_int_equal(err.offset, test_offset_of(raw, len, c->err_at));
        }
    } else {
        assert_null(err.reason);
        assert_int_equal(msg->is_request, c->code == 0);
        assert_int_equal(msg->status, c->code);
    }
    if (c->method) {
        assert_sv_equal(msg->method_name, c->method);
    }
    if (c->ruri) {
        assert_sv_equal(msg->ruri_raw, c->ruri);
    }
    if (c->call_id) {
        assert_sv_equal(msg->call_id, c->call_id);
    }
    if (c->via_host) {
        assert_sv_equal(msg->via.host, c->via_host);
    }
    if (c->from_tag) {
        assert_sv_equal(msg->from.tag, c->from_tag);
    }
    if (c->to_tag) {
        assert_sv_equal(msg->to.tag, c->to_tag);
    }
    if (c->body) {
        assert_sv_equal(msg->body, c->body);
        assert_int_equal(msg->content_length, strlen(c->body));
        assert_ptr_equal(msg->raw.p + msg->raw.len,
                         msg->body.p + msg->body.len);
    }
    if (c->cseq) {
        assert_int_equal(msg->cseq.num, c->cseq);
    }
    if (c->n_via) {
        assert_int_equal(msg->n_via, c->n_via);
    }
    if (c->max_forwards != NOCHECK && c->max_forwards != 0) {
        assert_int_equal(msg->max_forwards, c->max_forwards);
    }
    free(msg);
    free(raw);
}

static void parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&cases[i]);
    }
}

/* max_forwards 0 cannot be told from "unchecked" in the table. */
static void max_forwards_zero(void **state)
{
    (void)state;
    static const char raw[] =
        RL VIA FROM TO CALLID CSEQ "Max-Forwards: 0\r\n\r\n";
    struct sip_msg msg;
    struct sip_err err;
    assert_int_equal(sip_msg_parse(&msg, SV_LIT(raw), &err), SIP_PARSE_OK);
    assert_int_equal(msg.max_forwards, 0);
}

static void fields_and_lookups(void **state)
{
    (void)state;
    static const char raw[] =
        "\r\nREGISTER sip:example.com SIP/2.0\r\n" VIA
        "From: \"Al\" <sip:al@example.com>;tag=9\r\nTo: sip:al@example.com\r\n"
        "Call-ID: c1\r\nCSeq: 3 REGISTER\r\nX-Foo: 1\r\nm: <sip:al@h1>\r\n"
        "x-foo: 2\r\nContact: <sip:al@h2>\r\nExpires: 600\r\n"
        "Content-Length: 0\r\n\r\ntrailing";
    struct sip_msg msg;
    struct sip_err err;

    assert_int_equal(sip_msg_parse(&msg, SV_LIT(raw), &err), SIP_PARSE_OK);
    assert_int_equal(msg.method, SIP_METHOD_REGISTER);
    assert_int_equal(msg.ruri.scheme, SIP_URI_SIP);
    assert_sv_equal(msg.ruri.host, "example.com");
    assert_sv_equal(msg.from.display, "\"Al\"");
    assert_sv_equal(msg.from.uri.user, "al");
    assert_sv_equal(msg.to.uri_raw, "sip:al@example.com");
    assert_int_equal(msg.cseq.method, SIP_METHOD_REGISTER);
    assert_ptr_equal(msg.raw.p, raw + 2);
    assert_int_equal(msg.raw.len, sizeof(raw) - 1 - 2 - strlen("trailing"));
    assert_int_equal(msg.n_hdrs, 11);

    const struct sip_hdr *h = sip_msg_hdr(&msg, SIP_HDR_CONTACT);
    assert_non_null(h);
    assert_sv_equal(h->name, "m");
    h = sip_msg_hdr_next(&msg, h);
    assert_non_null(h);
    assert_sv_equal(h->value, "<sip:al@h2>");
    assert_null(sip_msg_hdr_next(&msg, h));
    assert_null(sip_msg_hdr(&msg, SIP_HDR_ROUTE));

    h = sip_msg_hdr_by_name(&msg, SV_LIT("X-FOO"));
    assert_non_null(h);
    assert_sv_equal(h->value, "1");
    h = sip_msg_hdr_next(&msg, h);
    assert_non_null(h);
    assert_sv_equal(h->value, "2");
    assert_null(sip_msg_hdr_next(&msg, h));
    h = sip_msg_hdr_by_name(&msg, SV_LIT("contact"));
    assert_non_null(h);
    assert_sv_equal(h->name, "m");
    assert_null(sip_msg_hdr_by_name(&msg, SV_LIT("X-Bar")));

    uint32_t exp = 0;
    assert_int_equal(sip_msg_expires(&msg, &exp), 0);
    assert_int_equal(exp, 600);
}

static void header_names(void **state)
{
    (void)state;
    for (int id = 1; id < SIP_HDR_COUNT_; id++) {
        const char *n = sip_hdr_name((enum sip_hdr_id)id);
        assert_non_null(n);
        assert_int_equal(sip_hdr_id_from_name(sv_cstr(n)), id);
        char up[64];
        size_t len = strlen(n);
        assert_true(len < sizeof(up));
        for (size_t i = 0; i < len; i++) {
            up[i] = (char)((n[i] >= 'a' && n[i] <= 'z') ? n[i] - 32 : n[i]);
        }
        assert_int_equal(sip_hdr_id_from_name(sv_make(up, len)), id);
    }
    static const struct {
        const char *name;
        enum sip_hdr_id id;
    } compact[] = {
        { "v", SIP_HDR_VIA },
        { "F", SIP_HDR_FROM },
        { "t", SIP_HDR_TO },
        { "i", SIP_HDR_CALL_ID },
        { "M", SIP_HDR_CONTACT },
        { "l", SIP_HDR_CONTENT_LENGTH },
        { "c", SIP_HDR_CONTENT_TYPE },
        { "k", SIP_HDR_SUPPORTED },
        { "s", SIP_HDR_SUBJECT },
        { "e", SIP_HDR_CONTENT_ENCODING },
        { "o", SIP_HDR_EVENT },
        { "u", SIP_HDR_ALLOW_EVENTS },
        { "r", SIP_HDR_REFER_TO },
        { "b", SIP_HDR_REFERRED_BY },
        { "x", SIP_HDR_SESSION_EXPIRES },
        { "z", SIP_HDR_OTHER },
        { "Vias", SIP_HDR_OTHER },
        { "", SIP_HDR_OTHER },
        { "C%6Fntact", SIP_HDR_OTHER },
        { "Contact-", SIP_HDR_OTHER },
    };
    for (size_t i = 0; i < sizeof(compact) / sizeof(compact[0]); i++) {
        assert_int_equal(sip_hdr_id_from_name(sv_cstr(compact[i].name)),
                         compact[i].id);
    }
    assert_null(sip_hdr_name(SIP_HDR_OTHER));
    assert_null(sip_hdr_name(SIP_HDR_COUNT_));
}

static void methods(void **state)
{
    (void)state;
    for (int m = 1; m <= SIP_METHOD_PUBLISH; m++) {
        const char *n = sip_method_name((enum sip_method)m);
        assert_non_null(n);
        assert_int_equal(sip_method_from_sv(sv_cstr(n)), m);
    }
    assert_int_equal(sip_method_from_sv(SV_LIT("invite")), SIP_METHOD_UNKNOWN);
    assert_int_equal(sip_method_from_sv(SV_LIT("RE%47IST%45R")),
                     SIP_METHOD_UNKNOWN);
    assert_int_equal(sip_method_from_sv(SV_LIT("")), SIP_METHOD_UNKNOWN);
    assert_null(sip_method_name(SIP_METHOD_UNKNOWN));
    assert_null(sip_method_name((enum sip_method)99));
}

/* ---- limits -------------------------------------------------------------- */

static char *make_msg(size_t *len, const char *head, const char *fill_line,
                      unsigned n_fill, const char *tail)
{
    size_t cap = strlen(head) + strlen(fill_line) * n_fill + strlen(tail);
    char *p = malloc(cap);
    assert_non_null(p);
    size_t off = 0;
    memcpy(p, head, strlen(head));
    off += strlen(head);
    for (unsigned i = 0; i < n_fill; i++) {
        memcpy(p + off, fill_line, strlen(fill_line));
        off += strlen(fill_line);
    }
    memcpy(p + off, tail, strlen(tail));
    off += strlen(tail);
    *len = off;
    return p;
}

static void limits(void **state)
{
    (void)state;
    struct sip_msg *msg = malloc(sizeof(*msg));
    struct sip_err err;
    size_t len;
    char *raw;

    assert_non_null(msg);
    /* SIP_MAX_HDRS fields fit; one more does not. */
    raw = make_msg(&len, REQ(""), "X-A: b\r\n", SIP_MAX_HDRS - 6, "\r\n");
    assert_int_equal(sip_msg_parse(msg, sv_make(raw, len), &err), SIP_PARSE_OK);
    assert_int_equal(msg->n_hdrs, SIP_MAX_HDRS);
    free(raw);
    raw = make_msg(&len, REQ(""), "X-A: b\r\n", SIP_MAX_HDRS - 5, "\r\n");
    assert_int_equal(sip_msg_parse(msg, sv_make(raw, len), &err),
                     SIP_PARSE_BAD);
    assert_string_equal(err.reason, "Too many headers");
    assert_int_equal(err.status, 400);
    assert_sv_equal(msg->call_id, "abc@h"); /* parsed before the limit */
    free(raw);

    /* One header line of SIP_MAX_LINE_LEN bytes fits, one more does not. */
    raw = make_msg(&len, REQ("X: "), "a", SIP_MAX_LINE_LEN - 3, "\r\n\r\n");
    assert_int_equal(sip_msg_parse(msg, sv_make(raw, len), &err), SIP_PARSE_OK);
    free(raw);
    raw = make_msg(&len, REQ("X: "), "a", SIP_MAX_LINE_LEN - 2, "\r\n\r\n");
    assert_int_equal(sip_msg_parse(msg, sv_make(raw, len), &err),
                     SIP_PARSE_BAD);
    assert_string_equal(err.reason, "Header line too long");
    free(raw);
    /* ... also when the length comes from folding */
    raw =
        make_msg(&len, REQ("X: a"), "\r\n a", SIP_MAX_LINE_LEN / 4, "\r\n\r\n");
    assert_int_equal(sip_msg_parse(msg, sv_make(raw, len), &err),
                     SIP_PARSE_BAD);
    assert_string_equal(err.reason, "Header line too long");
    free(raw);

    /* Overlong request line: 414. */
    raw = make_msg(&len, "OPTIONS sip:", "a", SIP_MAX_LINE_LEN,
                   "@example.com SIP/2.0\r\n" BASE "\r\n");
    assert_int_equal(sip_msg_parse(msg, sv_make(raw, len), &err),
                     SIP_PARSE_BAD);
    assert_string_equal(err.reason, "Request-URI too long");
    assert_int_equal(err.status, 414);
    assert_sv_equal(msg->call_id, "abc@h");
    free(raw);

    /* Whole message: 413. */
    raw = make_msg(&len, REQ("\r\n"), "x", SIP_MAX_MSG_LEN, "");
    assert_int_equal(sip_msg_parse(msg, sv_make(raw, len), &err),
                     SIP_PARSE_BAD);
    assert_string_equal(err.reason, "Message too large");
    assert_int_equal(err.status, 413);
    free(raw);

    assert_int_equal(sip_msg_parse(msg, SV_NULL, &err), SIP_PARSE_BAD);
    assert_string_equal(err.reason, "Empty message");
    assert_int_equal(sip_msg_parse(msg, SV_LIT("x"), NULL), SIP_PARSE_BAD);
    free(msg);
}

/* ---- stream framing ---------------------------------------------------------
 */

struct frame_case {
    const char *name;
    const char *data;
    enum sip_parse_res res;
    size_t skip;
    size_t frame_len; /* for OK, and for AGAIN once the headers are known */
    const char *reason;
    int status;
};

#define FHDR RL BASE
#define FR(n, d, r, sk, fl, rs, st)                                            \
    {                                                                          \
        .name = (n), .data = (d), .res = (r), .skip = (sk), .frame_len = (fl), \
        .reason = (rs), .status = (st)                                         \
    }
static const struct frame_case frames[] = {
    FR("complete", FHDR "Content-Length: 4\r\n\r\nbody", SIP_PARSE_OK, 0,
       sizeof(FHDR "Content-Length: 4\r\n\r\nbody") - 1, NULL, 0),
    FR("complete plus next", FHDR "l: 0\r\n\r\nINVITE", SIP_PARSE_OK, 0,
       sizeof(FHDR "l: 0\r\n\r\n") - 1, NULL, 0),
    FR("keep-alives first", "\r\n\r\n" FHDR "l: 0\r\n\r\n", SIP_PARSE_OK, 4,
       sizeof(FHDR "l: 0\r\n\r\n") - 1, NULL, 0),
    FR("only keep-alives", "\r\n\r\n", SIP_PARSE_AGAIN, 4, 0, NULL, 0),
    FR("empty", "", SIP_PARSE_AGAIN, 0, 0, NULL, 0),
    FR("headers incomplete", FHDR "Content-Len", SIP_PARSE_AGAIN, 0, 0, NULL,
       0),
    FR("empty line incomplete", FHDR "l: 0\r\n\r", SIP_PARSE_AGAIN, 0, 0, NULL,
       0),
    FR("body incomplete", FHDR "l: 10\r\n\r\nabc", SIP_PARSE_AGAIN, 0,
       sizeof(FHDR "l: 10\r\n\r\n") - 1 + 10, NULL, 0),
    FR("folded Content-Length", FHDR "Content-Length:\r\n 2\r\n\r\nab",
       SIP_PARSE_OK, 0, sizeof(FHDR "Content-Length:\r\n 2\r\n\r\nab") - 1,
       NULL, 0),
    FR("bare LF", "OPTIONS sip:a SIP/2.0\nl: 1\n\nx", SIP_PARSE_OK, 0,
       sizeof("OPTIONS sip:a SIP/2.0\nl: 1\n\nx") - 1, NULL, 0),
    FR("missing Content-Length", FHDR "\r\nbody", SIP_PARSE_BAD, 0, 0,
       "Missing Content-Length header", 400),
    FR("negative Content-Length", FHDR "Content-Length: -5\r\n\r\n",
       SIP_PARSE_BAD, 0, 0, "Bad Content-Length header", 400),
    FR("conflicting Content-Length", FHDR "l: 1\r\nContent-Length: 2\r\n\r\nab",
       SIP_PARSE_BAD, 0, 0, "Conflicting Content-Length headers", 400),
    FR("huge Content-Length", FHDR "l: 999999999999\r\n\r\n", SIP_PARSE_BAD, 0,
       0, "Content-Length too large", 413),
    FR("Content-Length in a value is not a header",
       FHDR "X: Content-Length: 3\r\nl: 0\r\n\r\n", SIP_PARSE_OK, 0,
       sizeof(FHDR "X: Content-Length: 3\r\nl: 0\r\n\r\n") - 1, NULL, 0),
};
#undef FR

static void frame_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
        const struct frame_case *c = &frames[i];
        size_t len = strlen(c->data);
        char *d = malloc(len ? len : 1);
        size_t skip = 99;
        size_t flen = 99;
        struct sip_err err = { 0 };
        assert_non_null(d);
        memcpy(d, c->data, len);
        print_message("frame: %s\n", c->name);
        assert_int_equal(sip_msg_frame(sv_make(d, len), &skip, &flen, &err),
                         c->res);
        assert_int_equal(skip, c->skip);
        if (c->res == SIP_PARSE_BAD) {
            assert_string_equal(err.reason, c->reason);
            assert_int_equal(err.status, c->status);
        } else {
            assert_int_equal(flen, c->frame_len);
        }
        free(d);
    }
}

static void frame_limits(void **state)
{
    (void)state;
    size_t len;
    size_t skip;
    size_t flen;
    struct sip_err err;

    assert_int_equal(sip_msg_frame(SV_NULL, &skip, &flen, &err),
                     SIP_PARSE_AGAIN);
    assert_int_equal(skip, 0);

    /* No end of headers within SIP_MAX_MSG_LEN. */
    char *raw = make_msg(&len, RL, "X-Pad: yyyyyyyyyyyyyyyyyyy\r\n",
                         SIP_MAX_MSG_LEN / 28 + 1, "");
    assert_int_equal(sip_msg_frame(sv_make(raw, len), &skip, &flen, &err),
                     SIP_PARSE_BAD);
    assert_string_equal(err.reason, "Message too large");
    assert_int_equal(err.status, 413);
    free(raw);
    /* Headers plus Content-Length past SIP_MAX_MSG_LEN. */
    raw = make_msg(&len, REQ("l: 30000\r\n"), "X-Pad: yyyyyyyyyyyyyyyyyyy\r\n",
                   1300, "\r\n");
    assert_int_equal(sip_msg_frame(sv_make(raw, len), &skip, &flen, &err),
                     SIP_PARSE_BAD);
    assert_string_equal(err.reason, "Message too large");
    free(raw);
}

/* Trickled byte by byte through the resumable framer, then parsed. */
static void frame_trickle(void **state)
{
    (void)state;
    static const char stream[] =
        "\r\n\r\n" REQ("Content-Length: 5\r\n\r\n") "hello" REQ("l: 0\r\n\r\n");
    const size_t first = sizeof(REQ("Content-Length: 5\r\n\r\n")) - 1 + 5;
    struct sip_frame_state fs = { 0 };
    size_t skip = 0;
    size_t flen = 0;
    size_t i;
    enum sip_parse_res res = SIP_PARSE_AGAIN;
    struct sip_err err;

    for (i = 1; i <= sizeof(stream) - 1; i++) {
        char *d = malloc(i);
        assert_non_null(d);
        memcpy(d, stream, i);
        res = sip_msg_frame_resume(&fs, sv_make(d, i), &skip, &flen, &err);
        free(d);
        if (res != SIP_PARSE_AGAIN) {
            break;
        }
    }
    assert_int_equal(res, SIP_PARSE_OK);
    assert_int_equal(skip, 4);
    assert_int_equal(flen, first);
    assert_int_equal(i, 4 + first);

    struct sip_msg msg;
    assert_int_equal(sip_msg_parse(&msg, sv_make(stream + skip, flen), &err),
                     SIP_PARSE_OK);
    assert_sv_equal(msg.body, "hello");

    /* The next frame after consuming the first (state zeroed). */
    memset(&fs, 0, sizeof(fs));
    struct sv rest =
        sv_make(stream + skip + flen, sizeof(stream) - 1 - skip - flen);
    assert_int_equal(sip_msg_frame_resume(&fs, rest, &skip, &flen, &err),
                     SIP_PARSE_OK);
    assert_int_equal(skip, 0);
    assert_int_equal(flen, rest.len);
}

/* ---- Contact iteration and Expires
 * -------------------------------------------- */

struct contact_case {
    const char *name;
    const char *hdrs; /* Contact header lines */
    const char *uris[4];
    long expires[4]; /* -1: no expires param */
    bool star;
    bool bad; /* after the listed entries */
};

#define CT(n, h, ...)                         \
    {                                         \
        .name = (n), .hdrs = (h), __VA_ARGS__ \
    }
static const struct contact_case contacts[] = {
    CT("one", "Contact: <sip:a@h1>;expires=60\r\n", .uris = { "sip:a@h1" },
       .expires = { 60 }),
    CT("list and repeat",
       "Contact: \"A, B\" <sip:a@h1>;q=0.5, sip:b@h2;expires=0\r\n"
       "m: <sip:c@h3;transport=tcp>;+sip.instance=\"<urn:uuid:1>\"\r\n",
       .uris = { "sip:a@h1", "sip:b@h2", "sip:c@h3;transport=tcp" },
       .expires = { -1, 0, -1 }),
    CT("huge expires clamps", "Contact: <sip:a@h>;expires=280297596632815\r\n",
       .uris = { "sip:a@h" }, .expires = { 4294967295L }),
    CT("star", "Contact: *\r\n", .star = true),
    CT("star mixed", "Contact: <sip:a@h>, *\r\n", .uris = { "sip:a@h" },
       .expires = { -1 }, .bad = true),
    CT("empty value", "Contact:\r\n", .bad = true),
    CT("trailing comma", "Contact: <sip:a@h>,\r\n", .uris = { "sip:a@h" },
       .expires = { -1 }, .bad = true),
    CT("bad expires", "Contact: <sip:a@h>;expires=soon\r\n", .bad = true),
    CT("bad q", "Contact: <sip:a@h>;q=2\r\n", .bad = true),
    CT("addr-spec with headers", "Contact: sip:a@h?Route=x\r\n", .bad = true),
    CT("empty params", "Contact: \"Joe\" <sip:joe@example.org>;;;;\r\n",
       .bad = true),
    CT("second entry bad", "Contact: <sip:a@h>, <sip:b@h\r\n",
       .uris = { "sip:a@h" }, .expires = { -1 }, .bad = true),
    CT("none", "", .bad = false),
};
#undef CT

static void contact_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(contacts) / sizeof(contacts[0]); i++) {
        const struct contact_case *c = &contacts[i];
        char raw[1024];
        int n = snprintf(raw, sizeof(raw), REQ("%s\r\n"), c->hdrs);
        assert_true(n > 0 && (size_t)n < sizeof(raw));
        struct sip_msg msg;
        struct sip_err err;
        print_message("contact: %s\n", c->name);
        assert_int_equal(sip_msg_parse(&msg, sv_make(raw, (size_t)n), &err),
                         SIP_PARSE_OK);
        struct sip_contact_iter it = { NULL, 0 };
        struct sip_contact ct;
        size_t k = 0;
        if (c->star) {
            assert_int_equal(sip_msg_next_contact(&msg, &it, &ct, &err),
                             SIP_PARSE_OK);
            assert_true(ct.star);
        }
        for (; k < 4 && c->uris[k]; k++) {
            assert_int_equal(sip_msg_next_contact(&msg, &it, &ct, &err),
                             SIP_PARSE_OK);
            assert_false(ct.star);
            assert_sv_equal(ct.na.uri_raw, c->uris[k]);
            assert_int_equal(ct.has_expires, c->expires[k] >= 0);
            if (c->expires[k] >= 0) {
                assert_int_equal(ct.expires_s, c->expires[k]);
            }
        }
        enum sip_parse_res last = sip_msg_next_contact(&msg, &it, &ct, &err);
        assert_int_equal(last, c->bad ? SIP_PARSE_BAD : SIP_PARSE_AGAIN);
        if (c->bad) {
            assert_non_null(err.reason);
            assert_int_equal(err.status, 400);
            assert_true(err.offset < msg.raw.len);
        } else {
            /* stays at the end */
            assert_int_equal(sip_msg_next_contact(&msg, &it, &ct, &err),
                             SIP_PARSE_AGAIN);
        }
    }
}

static void expires_values(void **state)
{
    (void)state;
    static const struct {
        const char *hdr;
        int rc;
        uint32_t v;
    } t[] = {
        { "Expires: 3600\r\n", 0, 3600 },
        { "Expires: 0\r\n", 0, 0 },
        { "Expires: 10000000000000000000000000000000000000000\r\n", 0,
          UINT32_MAX },
        { "Expires: -1\r\n", -EINVAL, 0 },
        { "Expires: Thu, 01 Dec 1994 16:00:00 GMT\r\n", -EINVAL, 0 },
        { "Expires:\r\n", -EINVAL, 0 },
        { "", -ENOENT, 0 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char raw[512];
        int n = snprintf(raw, sizeof(raw), REQ("%s\r\n"), t[i].hdr);
        struct sip_msg msg;
        struct sip_err err;
        uint32_t v = 12345;
        assert_int_equal(sip_msg_parse(&msg, sv_make(raw, (size_t)n), &err),
                         SIP_PARSE_OK);
        assert_int_equal(sip_msg_expires(&msg, &v), t[i].rc);
        if (t[i].rc == 0) {
            assert_int_equal(v, t[i].v);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_table),
        cmocka_unit_test(max_forwards_zero),
        cmocka_unit_test(fields_and_lookups),
        cmocka_unit_test(header_names),
        cmocka_unit_test(methods),
        cmocka_unit_test(limits),
        cmocka_unit_test(frame_table),
        cmocka_unit_test(frame_limits),
        cmocka_unit_test(frame_trickle),
        cmocka_unit_test(contact_table),
        cmocka_unit_test(expires_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
