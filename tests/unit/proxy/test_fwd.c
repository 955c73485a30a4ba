/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proxy_fwd_*: the exact bytes of forwarded requests (Via on top with the
 * previous hop's received / rport, Record-Route, our Route entry removed
 * from a single or a comma-separated header, Max-Forwards decremented or
 * added, Proxy-Authorization consumed, body kept), refusals (Max-Forwards
 * 0, bad branch), forwarded responses (our via-parm removed), CANCEL and
 * ACK of a forwarded INVITE, and that every output parses back.
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
#include "proxy/fwd.h"
#include "sip/msg.h"

#define BR "z9hG4bKSw00abc"

static const char invite[] =
    "INVITE sip:200@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport\r\n"
    "Route: <sip:127.0.0.1:5060;lr>\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:100@example.com>;tag=ft\r\n"
    "To: <sip:200@example.com>\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 2 INVITE\r\n"
    "Proxy-Authorization: Digest username=\"100\"\r\n"
    "Contact: <sip:100@10.0.0.5:5062>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

static struct sip_msg *parse(const char *text)
{
    static struct sip_msg msgs[4];
    static unsigned next;
    struct sip_msg *m = &msgs[next++ % 4];
    struct sip_err err;
    assert_int_equal(sip_msg_parse(m, sv_cstr(text), &err), SIP_PARSE_OK);
    return m;
}

static struct proxy_fwd fwd_default(void)
{
    struct proxy_fwd f = {
        .ruri = SV_LIT("sip:200@10.0.0.9:5070"),
        .via_transport = SV_LIT("UDP"),
        .via_sent_by = SV_LIT("127.0.0.1:5060"),
        .branch = SV_LIT(BR),
        .record_route = SV_LIT("sip:127.0.0.1:5060;lr"),
        .drop_routes = 1,
        .drop_proxy_auth = true,
        .src_ip = SV_LIT("203.0.113.7"),
        .src_port = 40000,
    };
    return f;
}

static void request_rewritten(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, SIP_MAX_MSG_LEN);
    struct proxy_fwd f = fwd_default();
    assert_int_equal(proxy_fwd_request(&out, parse(invite), &f), 0);
    assert_string_equal(
        out.p, "INVITE sip:200@10.0.0.9:5070 SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=" BR ";rport\r\n"
               "Record-Route: <sip:127.0.0.1:5060;lr>\r\n"
               "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport=40000;"
               "received=203.0.113.7\r\n"
               "Max-Forwards: 69\r\n"
               "From: <sip:100@example.com>;tag=ft\r\n"
               "To: <sip:200@example.com>\r\n"
               "Call-ID: c1\r\n"
               "CSeq: 2 INVITE\r\n"
               "Contact: <sip:100@10.0.0.5:5062>\r\n"
               "Content-Type: application/sdp\r\n"
               "Content-Length: 4\r\n"
               "\r\n"
               "v=0\n");
    struct sip_msg *m = parse(out.p);
    assert_int_equal(m->n_via, 2);
    assert_int_equal(m->max_forwards, 69);
    assert_true(sv_eq_cstr(m->via.branch, BR));
    buf_fini(&out);
}

static void request_keeps_what_is_not_ours(void **state)
{
    (void)state;
    static const char bye[] =
        "BYE sip:100@10.0.0.5:5062 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKb\r\n"
        "Route: <sip:127.0.0.1:5060;lr>, <sip:192.0.2.1;lr>\r\n"
        "Route: <sip:192.0.2.2;lr>\r\n"
        "From: <sip:200@example.com>;tag=tt\r\n"
        "To: <sip:100@example.com>;tag=ft\r\n"
        "Call-ID: c1\r\n"
        "CSeq: 1 BYE\r\n"
        "Proxy-Authorization: Digest username=\"x\"\r\n"
        "Content-Length: 0\r\n"
        "\r\n";
    struct buf out;
    buf_init(&out, SIP_MAX_MSG_LEN);
    struct proxy_fwd f = fwd_default();
    f.ruri = SV_NULL;
    f.record_route = SV_NULL;
    f.drop_proxy_auth = false;
    f.src_ip = SV_LIT("10.0.0.9");
    assert_int_equal(proxy_fwd_request(&out, parse(bye), &f), 0);
    assert_string_equal(
        out.p, "BYE sip:100@10.0.0.5:5062 SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=" BR ";rport\r\n"
               "Via: SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKb\r\n"
               "Route: <sip:192.0.2.1;lr>\r\n"
               "Route: <sip:192.0.2.2;lr>\r\n"
               "From: <sip:200@example.com>;tag=tt\r\n"
               "To: <sip:100@example.com>;tag=ft\r\n"
               "Call-ID: c1\r\n"
               "CSeq: 1 BYE\r\n"
               "Proxy-Authorization: Digest username=\"x\"\r\n"
               "Content-Length: 0\r\n"
               "Max-Forwards: 70\r\n"
               "\r\n");
    buf_fini(&out);
}

static void request_route_alone_removed(void **state)
{
    (void)state;
    static const char ack[] = "ACK sip:100@10.0.0.5:5062 SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKc\r\n"
                              "Route: <sip:127.0.0.1:5060;lr>\r\n"
                              "Max-Forwards: 5\r\n"
                              "From: <sip:200@example.com>;tag=tt\r\n"
                              "To: <sip:100@example.com>;tag=ft\r\n"
                              "Call-ID: c1\r\n"
                              "CSeq: 1 ACK\r\n"
                              "\r\n";
    struct buf out;
    buf_init(&out, SIP_MAX_MSG_LEN);
    struct proxy_fwd f = fwd_default();
    f.ruri = SV_NULL;
    f.record_route = SV_NULL;
    f.src_ip = SV_LIT("10.0.0.9");
    assert_int_equal(proxy_fwd_request(&out, parse(ack), &f), 0);
    struct sip_msg *m = parse(out.p);
    assert_null(sip_msg_hdr(m, SIP_HDR_ROUTE));
    assert_int_equal(m->max_forwards, 4);
    assert_null(strstr(out.p, "received="));
    buf_fini(&out);
}

/* Two entries of ours (double Record-Route, RFC 5658), one per header or
 * both in one, go; the next proxy's stays. */
static void request_two_routes_removed(void **state)
{
    (void)state;
    static const char *const reqs[] = {
        "BYE sip:100@10.0.0.5:5062 SIP/2.0\r\n"
        "Via: SIP/2.0/TCP 10.0.0.9;branch=z9hG4bKc\r\n"
        "Route: <sip:127.0.0.1:5063;transport=tcp;lr>\r\n"
        "Route: <sip:127.0.0.1:5060;lr>, <sip:10.1.1.1;lr>\r\n"
        "From: <sip:200@example.com>;tag=tt\r\n"
        "To: <sip:100@example.com>;tag=ft\r\n"
        "Call-ID: c1\r\nCSeq: 2 BYE\r\n\r\n",
        "BYE sip:100@10.0.0.5:5062 SIP/2.0\r\n"
        "Via: SIP/2.0/TCP 10.0.0.9;branch=z9hG4bKc\r\n"
        "Route: <sip:127.0.0.1:5063;transport=tcp;lr>, <sip:127.0.0.1;lr>,"
        " <sip:10.1.1.1;lr>\r\n"
        "From: <sip:200@example.com>;tag=tt\r\n"
        "To: <sip:100@example.com>;tag=ft\r\n"
        "Call-ID: c1\r\nCSeq: 2 BYE\r\n\r\n",
    };
    for (size_t i = 0; i < 2; i++) {
        struct buf out;
        buf_init(&out, SIP_MAX_MSG_LEN);
        struct proxy_fwd f = fwd_default();
        f.ruri = SV_NULL;
        f.record_route = SV_NULL;
        f.drop_routes = 2;
        assert_int_equal(proxy_fwd_request(&out, parse(reqs[i]), &f), 0);
        struct sip_msg *m = parse(out.p);
        const struct sip_hdr *r = sip_msg_hdr(m, SIP_HDR_ROUTE);
        assert_non_null(r);
        assert_true(sv_eq_cstr(r->value, "<sip:10.1.1.1;lr>"));
        assert_null(sip_msg_hdr_next(m, r));
        buf_fini(&out);
    }
}

/* Changing transport: two Record-Route entries, the outgoing side's on top. */
static void request_double_record_route(void **state)
{
    (void)state;
    static const char inv[] = "INVITE sip:200@example.com SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKc\r\n"
                              "From: <sip:100@example.com>;tag=ft\r\n"
                              "To: <sip:200@example.com>\r\n"
                              "Call-ID: c1\r\nCSeq: 1 INVITE\r\n\r\n";
    struct buf out;
    buf_init(&out, SIP_MAX_MSG_LEN);
    struct proxy_fwd f = fwd_default();
    f.record_route = SV_LIT("sip:127.0.0.1:5063;transport=tcp;lr");
    f.record_route2 = SV_LIT("sip:127.0.0.1:5060;lr");
    assert_int_equal(proxy_fwd_request(&out, parse(inv), &f), 0);
    const char *a = strstr(out.p, "Record-Route: <sip:127.0.0.1:5063;transport"
                                  "=tcp;lr>\r\nRecord-Route: <sip:127.0.0.1:"
                                  "5060;lr>\r\n");
    assert_non_null(a);
    buf_fini(&out);
}

static void request_refusals(void **state)
{
    (void)state;
    static const char mf0[] = "OPTIONS sip:200@example.com SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKc\r\n"
                              "Max-Forwards: 0\r\n"
                              "From: <sip:a@example.com>;tag=t\r\n"
                              "To: <sip:b@example.com>\r\n"
                              "Call-ID: c2\r\n"
                              "CSeq: 1 OPTIONS\r\n"
                              "\r\n";
    struct buf out;
    buf_init(&out, SIP_MAX_MSG_LEN);
    struct proxy_fwd f = fwd_default();
    assert_int_equal(proxy_fwd_request(&out, parse(mf0), &f), -EINVAL);
    f.branch = SV_LIT("abc");
    assert_int_equal(proxy_fwd_request(&out, parse(invite), &f), -EINVAL);
    f = fwd_default();
    f.via_sent_by = SV_NULL;
    assert_int_equal(proxy_fwd_request(&out, parse(invite), &f), -EINVAL);
    assert_int_equal(out.len, 0);
    /* A buffer too small leaves nothing behind. */
    struct buf small;
    buf_init(&small, 64);
    f = fwd_default();
    assert_int_equal(proxy_fwd_request(&small, parse(invite), &f), -ENOSPC);
    assert_int_equal(small.len, 0);
    assert_int_equal(small.err, 0);
    buf_fini(&small);
    buf_fini(&out);
}

static const char ringing[] =
    "SIP/2.0 180 Ringing\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=" BR ";rport=5060, "
    "SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport=40000\r\n"
    "Record-Route: <sip:127.0.0.1:5060;lr>\r\n"
    "From: <sip:100@example.com>;tag=ft\r\n"
    "To: <sip:200@example.com>;tag=tt\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 2 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static void response_loses_our_via(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, SIP_MAX_MSG_LEN);
    assert_int_equal(proxy_fwd_response(&out, parse(ringing)), 0);
    assert_string_equal(
        out.p, "SIP/2.0 180 Ringing\r\n"
               "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport=40000\r\n"
               "Record-Route: <sip:127.0.0.1:5060;lr>\r\n"
               "From: <sip:100@example.com>;tag=ft\r\n"
               "To: <sip:200@example.com>;tag=tt\r\n"
               "Call-ID: c1\r\n"
               "CSeq: 2 INVITE\r\n"
               "Content-Length: 0\r\n"
               "\r\n");
    /* Separate Via headers: the first header goes. */
    static const char ok[] =
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=" BR "\r\n"
        "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa\r\n"
        "From: <sip:100@example.com>;tag=ft\r\n"
        "To: <sip:200@example.com>;tag=tt\r\n"
        "Call-ID: c1\r\n"
        "CSeq: 2 INVITE\r\n"
        "Content-Length: 0\r\n"
        "\r\n";
    buf_reset(&out);
    assert_int_equal(proxy_fwd_response(&out, parse(ok)), 0);
    struct sip_msg *m = parse(out.p);
    assert_int_equal(m->n_via, 1);
    assert_true(sv_eq_cstr(m->via.branch, "z9hG4bKa"));
    /* Only our Via: nobody to send it to. */
    static const char lone[] =
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=" BR "\r\n"
        "From: <sip:100@example.com>;tag=ft\r\n"
        "To: <sip:200@example.com>;tag=tt\r\n"
        "Call-ID: c1\r\n"
        "CSeq: 2 INVITE\r\n"
        "\r\n";
    assert_int_equal(proxy_fwd_response(&out, parse(lone)), -EINVAL);
    assert_int_equal(proxy_fwd_response(&out, parse(invite)), -EINVAL);
    buf_fini(&out);
}

static void cancel_and_ack(void **state)
{
    (void)state;
    struct buf fwd;
    struct buf out;
    buf_init(&fwd, SIP_MAX_MSG_LEN);
    buf_init(&out, SIP_MAX_MSG_LEN);
    struct proxy_fwd f = fwd_default();
    assert_int_equal(proxy_fwd_request(&fwd, parse(invite), &f), 0);
    struct sip_msg *inv = parse(fwd.p);
    assert_int_equal(proxy_fwd_cancel(&out, inv), 0);
    assert_string_equal(out.p, "CANCEL sip:200@10.0.0.9:5070 SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=" BR
                               ";rport\r\n"
                               "Max-Forwards: 70\r\n"
                               "From: <sip:100@example.com>;tag=ft\r\n"
                               "To: <sip:200@example.com>\r\n"
                               "Call-ID: c1\r\n"
                               "CSeq: 2 CANCEL\r\n"
                               "Content-Length: 0\r\n"
                               "\r\n");
    static const char busy[] =
        "SIP/2.0 486 Busy Here\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=" BR ";rport\r\n"
        "From: <sip:100@example.com>;tag=ft\r\n"
        "To: <sip:200@example.com>;tag=busy1\r\n"
        "Call-ID: c1\r\n"
        "CSeq: 2 INVITE\r\n"
        "\r\n";
    buf_reset(&out);
    assert_int_equal(proxy_fwd_ack(&out, inv, parse(busy)), 0);
    struct sip_msg *ack = parse(out.p);
    assert_int_equal(ack->method, SIP_METHOD_ACK);
    assert_true(sv_eq_cstr(ack->to.tag, "busy1"));
    assert_int_equal(ack->cseq.num, 2);
    assert_int_equal(ack->cseq.method, SIP_METHOD_ACK);
    assert_true(sv_eq_cstr(ack->via.branch, BR));
    assert_int_equal(ack->n_via, 1);
    /* Not an INVITE / not a response. */
    assert_int_equal(proxy_fwd_cancel(&out, parse(busy)), -EINVAL);
    assert_int_equal(proxy_fwd_ack(&out, inv, inv), -EINVAL);
    buf_fini(&fwd);
    buf_fini(&out);
}

static void split_first_entry(void **state)
{
    (void)state;
    struct sv first;
    struct sv rest;
    proxy_fwd_split_first(SV_LIT("\"a,b\" <sip:x;p=\",\">, <sip:y>"), &first,
                          &rest);
    assert_true(sv_eq_cstr(first, "\"a,b\" <sip:x;p=\",\">"));
    assert_true(sv_eq_cstr(rest, "<sip:y>"));
    proxy_fwd_split_first(SV_LIT("<sip:only>"), &first, &rest);
    assert_true(sv_eq_cstr(first, "<sip:only>"));
    assert_int_equal(rest.len, 0);
    proxy_fwd_split_first(SV_LIT("\"x\\"), &first, &rest);
    assert_int_equal(rest.len, 0);
    struct sip_nameaddr na;
    assert_true(proxy_fwd_first_route(parse(invite), &na));
    assert_true(sv_eq_cstr(na.uri.host, "127.0.0.1"));
    assert_int_equal(na.uri.port, 5060);
    assert_false(proxy_fwd_first_route(parse(ringing), &na));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_rewritten),
        cmocka_unit_test(request_keeps_what_is_not_ours),
        cmocka_unit_test(request_route_alone_removed),
        cmocka_unit_test(request_two_routes_removed),
        cmocka_unit_test(request_double_record_route),
        cmocka_unit_test(request_refusals),
        cmocka_unit_test(response_loses_our_via),
        cmocka_unit_test(cancel_and_ack),
        cmocka_unit_test(split_first_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
