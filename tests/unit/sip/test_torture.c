/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every RFC 4475 torture message (shared testdata/rfc4475) and every RFC
 * 5118 IPv6 torture message (testdata/rfc5118/wire) through the parser,
 * with the treatment each RFC section asks for: valid messages parse and
 * have specific fields checked; invalid ones are SIP_PARSE_BAD with the
 * status to answer (0 for responses); messages that are valid but must be
 * refused at a higher layer (416, 420, 415, 483 ...) parse. Each answerable
 * failure must also yield an error response that parses back.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "sip/build.h"
#include "sip/msg.h"
#include "sip_test_util.h"

#define DIR4475 SW_SHARED_DIR "/testdata/rfc4475/"
#define DIR5118 SW_SHARED_DIR "/testdata/rfc5118/wire/"

typedef void check_fn(const struct sip_msg *msg);

struct torture {
    const char *file; /* under testdata/ */
    const char *section;
    enum sip_parse_res res;
    int status;         /* SIP_PARSE_BAD: status to answer with */
    const char *reason; /* SIP_PARSE_BAD: our reason phrase */
    check_fn *check;    /* SIP_PARSE_OK: fields */
};

/* ---- helpers
 * ----------------------------------------------------------------- */

static size_t count_contacts(const struct sip_msg *msg, enum sip_parse_res *end,
                             struct sip_contact *first)
{
    struct sip_contact_iter it = { NULL, 0 };
    struct sip_contact c;
    struct sip_err err;
    size_t n = 0;
    enum sip_parse_res r;

    for (;;) {
        r = sip_msg_next_contact(msg, &it, &c, &err);
        if (r != SIP_PARSE_OK) {
            break;
        }
        if (n == 0 && first) {
            *first = c;
        }
        n++;
        assert_true(n < 100);
    }
    *end = r;
    return n;
}

static struct sv hdr_value(const struct sip_msg *msg, const char *name)
{
    const struct sip_hdr *h = sip_msg_hdr_by_name(msg, sv_cstr(name));
    assert_non_null(h);
    return h->value;
}

/* ---- RFC 4475 §3.1.1 valid messages
 * ------------------------------------------ */

static void wsinv(const struct sip_msg *m)
{
    assert_int_equal(m->method, SIP_METHOD_INVITE);
    assert_sv_equal(m->ruri.params, ";unknownparam");
    assert_int_equal(m->n_via, 3);
    assert_sv_equal(m->via.host, "192.0.2.2");
    assert_sv_equal(m->via.branch, "390skdjuw");
    assert_sv_equal(m->to.tag, "1918181833n");
    assert_sv_equal(m->from.tag, "98asjd8");
    assert_sv_equal(m->from.display, "\"J Rosenberg \\\\\\\"\"");
    assert_int_equal(m->cseq.num, 9);
    assert_int_equal(m->cseq.method, SIP_METHOD_INVITE);
    assert_int_equal(m->max_forwards, 68);
    assert_sv_equal(m->call_id, "wsinv.ndaksdj@192.0.2.1");
    assert_int_equal(m->content_length, 150);
    assert_int_equal(m->body.len, 150);
    assert_sv_equal(hdr_value(m, "NewFangledHeader"),
                    "newfangled value\r\n continued newfangled value");
    assert_sv_equal(hdr_value(m, "Subject"), "");
    assert_sv_equal(hdr_value(m, "UnknownHeaderWithUnusualValue"), ";;,,;;,;");

    enum sip_parse_res end;
    struct sip_contact c;
    assert_int_equal(count_contacts(m, &end, &c), 1);
    assert_int_equal(end, SIP_PARSE_AGAIN);
    assert_sv_equal(c.na.uri_raw, "sip:jdrosen@example.com");
    assert_sv_equal(c.q, "0.33");
    struct sv v;
    assert_true(sip_param_find(c.na.params, SV_LIT("newparam"), &v));
    assert_sv_equal(v, "newvalue");
    assert_true(sip_param_find(c.na.params, SV_LIT("secondparam"), &v));
}

static void intmeth(const struct sip_msg *m)
{
    assert_int_equal(m->method, SIP_METHOD_UNKNOWN);
    assert_sv_equal(m->method_name,
                    "!interesting-Method0123456789_*+`.%indeed'~");
    assert_sv_equal(m->cseq.method_name,
                    "!interesting-Method0123456789_*+`.%indeed'~");
    assert_sv_equal(m->ruri.user,
                    "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert_sv_equal(m->ruri.password,
                    "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert_sv_equal(m->ruri.host, "example.com");
    assert_sv_equal(m->call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    assert_sv_equal(m->via.branch, "z9hG4bK-.!%66*_+`'~");
    assert_sv_equal(m->from.tag, "_token~1'+`*%!-.");
    assert_sv_equal(m->from.display, "token1~` token2'+_ token3*%!.-");
    assert_int_equal(m->max_forwards, 255);
    assert_non_null(
        sip_msg_hdr_by_name(m, SV_LIT("extensionHeader-!.%*+_`'~")));
}

static void esc01(const struct sip_msg *m)
{
    char out[64];
    assert_sv_equal(m->ruri.user, "sips%3Auser%40example.com");
    long n = sip_unescape(m->ruri.user, out, sizeof(out));
    assert_int_equal(n, strlen("sips:user@example.com"));
    assert_memory_equal(out, "sips:user@example.com", (size_t)n);
    assert_sv_equal(m->to.uri.user, "%75se%72");
    assert_sv_equal(m->from.uri.user, "I%20have%20spaces");
    assert_sv_equal(m->call_id, "esc01.239409asdfakjkn23onasd0-3234");

    enum sip_parse_res end;
    struct sip_contact c;
    assert_int_equal(count_contacts(m, &end, &c), 1);
    assert_int_equal(end, SIP_PARSE_AGAIN);
    assert_sv_equal(c.na.uri.params, ";%6C%72;n%61me=v%61lue%25%34%31");
}

static void escnull(const struct sip_msg *m)
{
    char out[64];
    assert_int_equal(m->method, SIP_METHOD_REGISTER);
    assert_sv_equal(m->to.uri.user, "null-%00-null");
    assert_int_equal(sip_unescape(m->to.uri.user, out, sizeof(out)), -EINVAL);
    enum sip_parse_res end;
    struct sip_contact c;
    assert_int_equal(count_contacts(m, &end, &c), 2);
    assert_int_equal(end, SIP_PARSE_AGAIN);
    assert_sv_equal(c.na.uri.user, "%00");
}

static void esc02(const struct sip_msg *m)
{
    assert_int_equal(m->method, SIP_METHOD_UNKNOWN);
    assert_sv_equal(m->method_name, "RE%47IST%45R");
    assert_sv_equal(m->cseq.method_name, "RE%47IST%45R");
    assert_sv_equal(m->via.branch, "z9hG4bK209%fzsnel234");
    assert_sv_equal(m->from.display, "\"%Z%45\"");
    enum sip_parse_res end;
    struct sip_contact c;
    /* "C%6Fntact" is an extension header, not Contact */
    assert_int_equal(count_contacts(m, &end, &c), 2);
    assert_non_null(sip_msg_hdr_by_name(m, SV_LIT("C%6Fntact")));
}

static void lwsdisp(const struct sip_msg *m)
{
    assert_sv_equal(m->from.display, "caller");
    assert_sv_equal(m->from.tag, "323");
}

static void longreq(const struct sip_msg *m)
{
    assert_int_equal(m->n_via, 34);
    assert_sv_equal(m->via.host, "sip33.example.com");
    assert_true(m->to.display.len > 100);
    assert_int_equal(m->to.uri.port, 6000);
    assert_true(m->from.tag.len > 100);
    assert_true(m->call_id.len > 100);
    assert_int_equal(m->max_forwards, 70);
    assert_int_equal(m->body.len, 150);
}

static void dblreq(const struct sip_msg *m)
{
    /* RFC 4475 §3.1.1.8: the INVITE after Content-Length is ignored */
    assert_int_equal(m->method, SIP_METHOD_REGISTER);
    assert_int_equal(m->body.len, 0);
    assert_true(m->raw.p[m->raw.len - 1] == '\n');
    assert_sv_equal(m->call_id, "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
}

static void semiuri(const struct sip_msg *m)
{
    assert_sv_equal(m->ruri.user, "user;par=u%40example.net");
    assert_sv_equal(m->ruri.host, "example.com");
    assert_sv_equal(m->ruri.params, "");
}

static void transports(const struct sip_msg *m)
{
    static const char *const exp[] = { "UDP", "SCTP", "TLS", "UNKNOWN", "TCP" };
    size_t n = 0;
    assert_int_equal(m->n_via, 5);
    for (const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_VIA); h;
         h = sip_msg_hdr_next(m, h)) {
        struct sip_via v;
        assert_int_equal(sip_parse_via(h->value, &v, NULL, NULL), SIP_PARSE_OK);
        assert_true(n < 5);
        assert_sv_equal(v.transport, exp[n]);
        n++;
    }
    assert_int_equal(n, 5);
}

static void mpart01(const struct sip_msg *m)
{
    assert_int_equal(m->method, SIP_METHOD_MESSAGE);
    assert_int_equal(m->body.len, m->content_length);
    assert_true(sv_starts_with_nocase(hdr_value(m, "Content-Type"),
                                      SV_LIT("multipart/mixed;boundary=")));
}

static void unreason(const struct sip_msg *m)
{
    assert_int_equal(m->status, 200);
    assert_true(sv_starts_with_nocase(m->reason, SV_LIT("= 2**3 * 5**2")));
    assert_int_equal(m->body.len, 154);
}

static void noreason(const struct sip_msg *m)
{
    assert_int_equal(m->status, 100);
    assert_sv_equal(m->reason, "");
}

/* ---- §3.2 / §3.3 / §3.4: valid syntax, higher-layer semantics
 * ----------------- */

static void badbranch(const struct sip_msg *m)
{
    assert_sv_equal(m->via.branch, "z9hG4bK");
}

static void unkscm(const struct sip_msg *m)
{
    /* 416 is the application's answer */
    assert_int_equal(m->ruri.scheme, SIP_URI_OTHER);
    assert_sv_equal(m->ruri.scheme_name, "nobodyKnowsThisScheme");
    assert_sv_equal(m->ruri.opaque, "totallyopaquecontent");
}

static void novelsc(const struct sip_msg *m)
{
    assert_int_equal(m->ruri.scheme, SIP_URI_OTHER);
    assert_sv_equal(m->ruri.scheme_name, "soap.beep");
}

static void unksm2(const struct sip_msg *m)
{
    assert_int_equal(m->to.uri.scheme, SIP_URI_OTHER);
    assert_sv_equal(m->to.uri.scheme_name, "isbn");
    assert_int_equal(m->from.uri.scheme, SIP_URI_OTHER);
    assert_sv_equal(m->from.tag, "3234233");
    enum sip_parse_res end;
    struct sip_contact c;
    assert_int_equal(count_contacts(m, &end, &c), 1);
    assert_sv_equal(c.na.uri_raw, "name:John_Smith");
}

static void bext01(const struct sip_msg *m)
{
    /* 420 Bad Extension is the application's answer */
    assert_sv_equal(hdr_value(m, "Require"),
                    "nothingSupportsThis, nothingSupportsThisEither");
    assert_non_null(sip_msg_hdr(m, SIP_HDR_PROXY_REQUIRE));
}

static void invut(const struct sip_msg *m)
{
    /* 415 Unsupported Media Type is the application's answer */
    assert_sv_equal(hdr_value(m, "Content-Type"), "application/unknownformat");
    assert_int_equal(m->body.len, 40);
}

static void regaut01(const struct sip_msg *m)
{
    struct sip_digest d;
    struct sip_err err;
    assert_int_equal(sip_parse_digest(hdr_value(m, "Authorization"), &d, &err),
                     SIP_PARSE_OK);
    assert_sv_equal(d.scheme, "NoOneKnowsThisScheme");
    assert_int_equal(d.realm.len, 0);
}

static void bcast(const struct sip_msg *m)
{
    assert_int_equal(m->status, 200);
    assert_int_equal(m->n_via, 2);
    assert_sv_equal(m->via.host, "192.0.2.198");
}

static void zeromf(const struct sip_msg *m)
{
    /* 483 Too Many Hops is the proxy's answer */
    assert_int_equal(m->max_forwards, 0);
}

static void cparam01(const struct sip_msg *m)
{
    enum sip_parse_res end;
    struct sip_contact c;
    assert_int_equal(count_contacts(m, &end, &c), 1);
    assert_int_equal(end, SIP_PARSE_AGAIN);
    assert_sv_equal(c.na.uri_raw, "sip:+19725552222@gw1.example.net");
    assert_sv_equal(c.na.params, ";unknownparam");
    assert_sv_equal(c.na.uri.params, "");
}

static void cparam02(const struct sip_msg *m)
{
    enum sip_parse_res end;
    struct sip_contact c;
    assert_int_equal(count_contacts(m, &end, &c), 1);
    assert_sv_equal(c.na.uri.params, ";unknownparam");
    assert_sv_equal(c.na.params, "");
}

static void regescrt(const struct sip_msg *m)
{
    enum sip_parse_res end;
    struct sip_contact c;
    assert_int_equal(count_contacts(m, &end, &c), 1);
    assert_sv_equal(c.na.uri.headers, "Route=%3Csip:sip.example.com%3E");
}

static void regbadct(const struct sip_msg *m)
{
    /* §3.1.2.13: the Contact needed <>; refused when the registrar reads it */
    enum sip_parse_res end;
    struct sip_contact c;
    assert_int_equal(count_contacts(m, &end, &c), 0);
    assert_int_equal(end, SIP_PARSE_BAD);
}

static void baddate(const struct sip_msg *m)
{
    /* §3.1.2.12: may be accepted when Date is not used (we never use it) */
    assert_sv_equal(hdr_value(m, "Date"), "Fri, 01 Jan 2010 16:00:00 EST");
}

static void sdp01(const struct sip_msg *m)
{
    /* 406 Not Acceptable is the application's answer */
    assert_sv_equal(hdr_value(m, "Accept"), "text/nobodyKnowsThis");
}

static void inv2543(const struct sip_msg *m)
{
    /* §3.4.1: RFC 2543 syntax, no Max-Forwards, branch, tag or length */
    assert_int_equal(m->max_forwards, -1);
    assert_sv_equal(m->via.branch, "");
    assert_sv_equal(m->from.tag, "");
    assert_int_equal(m->body.len, 105);
    assert_sv_equal(m->to.params, ";user=phone");
}

/* ---- RFC 5118
 * ------------------------------------------------------------------ */

static void v6good(const struct sip_msg *m)
{
    assert_true(m->ruri.host_is_ipv6);
    assert_sv_equal(m->ruri.host, "[2001:db8::10]");
    assert_false(m->ruri.has_port);
    assert_sv_equal(m->via.host, "[2001:db8::9:1]");
    enum sip_parse_res end;
    struct sip_contact c;
    assert_int_equal(count_contacts(m, &end, &c), 1);
    assert_sv_equal(c.na.uri.host, "[2001:db8::1]");
}

static void v6ambiguous(const struct sip_msg *m)
{
    assert_sv_equal(m->ruri.host, "[2001:db8::10:5070]");
    assert_false(m->ruri.has_port);
}

static void v6unambiguous(const struct sip_msg *m)
{
    assert_sv_equal(m->ruri.host, "[2001:db8::10]");
    assert_true(m->ruri.has_port);
    assert_int_equal(m->ruri.port, 5070);
}

static void v6recv_delim(const struct sip_msg *m)
{
    assert_sv_equal(m->via.received, "[2001:db8::9:255]");
}

static void v6recv_nodelim(const struct sip_msg *m)
{
    assert_sv_equal(m->via.received, "2001:db8::9:255");
}

static void v6mult_hdr(const struct sip_msg *m)
{
    assert_int_equal(m->n_via, 3);
    assert_sv_equal(m->via.host, "[2001:db8::9:1]");
    assert_int_equal(m->via.port, 6050);
}

static void v6mapped(const struct sip_msg *m)
{
    assert_sv_equal(m->via.host, "[::ffff:192.0.2.10]");
    assert_int_equal(m->via.port, 19823);
    assert_int_equal(m->n_via, 2);
}

static void v6abnf3(const struct sip_msg *m)
{
    /* §4.10: "an implementation must tolerate both of the above" */
    assert_sv_equal(m->ruri.host, "[2001:db8:::192.0.2.1]");
    assert_sv_equal(m->to.uri.host, "[2001:db8:::192.0.2.1]");
}

static void v6abnf2(const struct sip_msg *m)
{
    assert_sv_equal(m->ruri.host, "[2001:db8::192.0.2.1]");
}

static void v6sdp(const struct sip_msg *m)
{
    assert_int_equal(m->body.len, m->content_length);
    assert_true(m->body.len > 0);
}

/* ---- the table
 * --------------------------------------------------------------------- */

#define VALID(f, s, fn)                            \
    {                                              \
        "rfc4475/" f, s, SIP_PARSE_OK, 0, NULL, fn \
    }
#define INVALID(f, s, st, r)                        \
    {                                               \
        "rfc4475/" f, s, SIP_PARSE_BAD, st, r, NULL \
    }
#define V6OK(f, fn)                                              \
    {                                                            \
        "rfc5118/wire/" f, "RFC 5118", SIP_PARSE_OK, 0, NULL, fn \
    }

static const struct torture table[] = {
    /* §3.1.1 valid messages */
    VALID("wsinv.dat", "3.1.1.1", wsinv),
    VALID("intmeth.dat", "3.1.1.2", intmeth),
    VALID("esc01.dat", "3.1.1.3", esc01),
    VALID("escnull.dat", "3.1.1.4", escnull),
    VALID("esc02.dat", "3.1.1.5", esc02),
    VALID("lwsdisp.dat", "3.1.1.6", lwsdisp),
    VALID("longreq.dat", "3.1.1.7", longreq),
    VALID("dblreq.dat", "3.1.1.8", dblreq),
    VALID("semiuri.dat", "3.1.1.9", semiuri),
    VALID("transports.dat", "3.1.1.10", transports),
    VALID("mpart01.dat", "3.1.1.11", mpart01),
    VALID("unreason.dat", "3.1.1.12", unreason),
    VALID("noreason.dat", "3.1.1.13", noreason),
    /* §3.1.2 invalid messages */
    INVALID("badinv01.dat", "3.1.2.1", 400, "Bad Via header"),
    INVALID("clerr.dat", "3.1.2.2", 400, "Content-Length mismatch"),
    INVALID("ncl.dat", "3.1.2.3", 400, "Bad Content-Length header"),
    INVALID("scalar02.dat", "3.1.2.4", 400, "Bad CSeq header"),
    INVALID("scalarlg.dat", "3.1.2.5", 0, "Bad CSeq header"),
    INVALID("quotbal.dat", "3.1.2.6", 400, "Bad To header"),
    INVALID("ltgtruri.dat", "3.1.2.7", 400, "Bad Request-URI"),
    INVALID("lwsruri.dat", "3.1.2.8", 400, "Bad Request-URI"),
    INVALID("lwsstart.dat", "3.1.2.9", 400, "Bad request line"),
    INVALID("trws.dat", "3.1.2.10", 400, "Bad request line"),
    INVALID("escruri.dat", "3.1.2.11", 400, "Bad Request-URI"),
    VALID("baddate.dat", "3.1.2.12", baddate),
    VALID("regbadct.dat", "3.1.2.13", regbadct),
    INVALID("badaspec.dat", "3.1.2.14", 400, "Bad To header"),
    INVALID("baddn.dat", "3.1.2.15", 400, "Bad From header"),
    INVALID("variants/baddn.crlf-terminated.dat", "3.1.2.15", 400,
            "Bad From header"),
    INVALID("badvers.dat", "3.1.2.16", 505, "Version Not Supported"),
    INVALID("mismatch01.dat", "3.1.2.17", 400, "CSeq method mismatch"),
    INVALID("mismatch02.dat", "3.1.2.18", 400, "CSeq method mismatch"),
    INVALID("bigcode.dat", "3.1.2.19", 0, "Bad status code"),
    /* §3.2 transaction layer */
    VALID("badbranch.dat", "3.2.1", badbranch),
    /* §3.3 application layer */
    INVALID("insuf.dat", "3.3.1", 400, "Missing From header"),
    VALID("unkscm.dat", "3.3.2", unkscm),
    VALID("novelsc.dat", "3.3.3", novelsc),
    VALID("unksm2.dat", "3.3.4", unksm2),
    VALID("bext01.dat", "3.3.5", bext01),
    VALID("invut.dat", "3.3.6", invut),
    VALID("regaut01.dat", "3.3.7", regaut01),
    INVALID("multi01.dat", "3.3.8", 400, "Duplicate CSeq header"),
    INVALID("mcl01.dat", "3.3.9", 400, "Conflicting Content-Length headers"),
    VALID("bcast.dat", "3.3.10", bcast),
    VALID("zeromf.dat", "3.3.11", zeromf),
    VALID("cparam01.dat", "3.3.12", cparam01),
    VALID("cparam02.dat", "3.3.13", cparam02),
    VALID("regescrt.dat", "3.3.14", regescrt),
    VALID("sdp01.dat", "3.3.15", sdp01),
    /* §3.4 backward compatibility */
    VALID("inv2543.dat", "3.4.1", inv2543),
    /* archive member no section describes: no SIP version */
    INVALID("test.dat", "-", 400, "Bad request line"),

    /* RFC 5118 */
    V6OK("ipv6-good.dat", v6good),
    { "rfc5118/wire/ipv6-bad.dat", "RFC 5118 4.2", SIP_PARSE_BAD, 400,
      "Bad Request-URI", NULL },
    V6OK("port-ambiguous.dat", v6ambiguous),
    V6OK("port-unambiguous.dat", v6unambiguous),
    V6OK("via-received-param-with-delim.dat", v6recv_delim),
    V6OK("via-received-param-no-delim.dat", v6recv_nodelim),
    V6OK("ipv6-in-sdp.dat", v6sdp),
    V6OK("mult-ip-in-header.dat", v6mult_hdr),
    V6OK("mult-ip-in-sdp.dat", v6sdp),
    V6OK("ipv4-mapped-ipv6.dat", v6mapped),
    V6OK("ipv6-bug-abnf-3-colons.dat", v6abnf3),
    V6OK("ipv6-correct-abnf-2-colons.dat", v6abnf2),
};

/* What every message must survive besides its own checks. */
static void common_checks(const struct sip_msg *msg, const struct sip_err *err,
                          enum sip_parse_res res)
{
    struct buf b;
    buf_init(&b, SIP_MAX_MSG_LEN);
    if (res == SIP_PARSE_BAD && err->status != 0) {
        /* the answer can be built and parses back */
        assert_int_equal(sip_build_error(&b, msg, err, SV_LIT("x1"),
                                         SV_LIT("198.51.100.1"), 5060,
                                         SV_LIT("Server: sipwarden\r\n")),
                         0);
    } else if (res == SIP_PARSE_OK && msg->is_request
               && msg->method != SIP_METHOD_ACK) {
        assert_int_equal(sip_build_response(&b, msg, 200, "OK", SV_LIT("x1"),
                                            SV_LIT("198.51.100.1"), 5060,
                                            SV_NULL),
                         0);
    }
    if (b.len) {
        struct sip_msg *resp = malloc(sizeof(*resp));
        struct sip_err e;
        assert_non_null(resp);
        /* a response echoing well-formed headers is well-formed */
        bool echo_ok = msg->via.raw.len && msg->from.uri_raw.len
                       && msg->to.uri_raw.len && msg->call_id.len
                       && msg->cseq.method_name.len;
        enum sip_parse_res rr = sip_msg_parse(resp, buf_sv(&b), &e);
        if (echo_ok) {
            assert_int_equal(rr, SIP_PARSE_OK);
            assert_false(resp->is_request);
            assert_int_equal(resp->n_via, msg->n_via);
        }
        free(resp);
    }
    buf_fini(&b);
}

static void torture_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const struct torture *t = &table[i];
        char path[1024];
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/testdata/%s", SW_SHARED_DIR, t->file);
        print_message("%s (%s)\n", t->file, t->section);
        char *raw = test_read_file(path, &len);
        assert_non_null(raw);
        struct sip_msg *msg = malloc(sizeof(*msg));
        struct sip_err err = { 0 };
        assert_non_null(msg);
        enum sip_parse_res res = sip_msg_parse(msg, sv_make(raw, len), &err);
        if (res != t->res) {
            print_error("%s: got %d (%s at %zu)\n", t->file, res,
                        err.reason ? err.reason : "-", err.offset);
        }
        assert_int_equal(res, t->res);
        if (res == SIP_PARSE_BAD) {
            assert_non_null(err.reason);
            assert_string_equal(err.reason, t->reason);
            assert_int_equal(err.status, t->status);
            assert_true(err.offset <= len);
        } else if (t->check) {
            t->check(msg);
        }
        common_checks(msg, &err, res);
        free(msg);
        free(raw);
    }
}

/* Every file of the two corpora is in the table: none is skipped. */
static void torture_complete(void **state)
{
    (void)state;
    static const char *const dirs[] = { "rfc4475", "rfc4475/variants",
                                        "rfc5118/wire" };
    size_t seen = 0;
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/testdata/%s", SW_SHARED_DIR, dirs[d]);
        DIR *dir = opendir(path);
        assert_non_null(dir);
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            size_t n = strlen(de->d_name);
            if (n < 5 || strcmp(de->d_name + n - 4, ".dat") != 0) {
                continue;
            }
            char rel[512];
            snprintf(rel, sizeof(rel), "%s/%s", dirs[d], de->d_name);
            bool found = false;
            for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                found = found || strcmp(table[i].file, rel) == 0;
            }
            if (!found) {
                print_error("not in the table: %s\n", rel);
            }
            assert_true(found);
            seen++;
        }
        closedir(dir);
    }
    assert_int_equal(seen, sizeof(table) / sizeof(table[0]));
}

/* Every prefix of every message: no crash, no overread (ASan), no OK for
 * a cut header block. */
static void torture_truncated(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        char path[1024];
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/testdata/%s", SW_SHARED_DIR,
                 table[i].file);
        char *raw = test_read_file(path, &len);
        assert_non_null(raw);
        struct sip_msg *msg = malloc(sizeof(*msg));
        assert_non_null(msg);
        size_t hdr_end = test_offset_of(raw, len, "\r\n\r\n");
        for (size_t n = 0; n < len; n++) {
            char *cut = malloc(n ? n : 1);
            struct sip_err err;
            assert_non_null(cut);
            memcpy(cut, raw, n);
            enum sip_parse_res res = sip_msg_parse(msg, sv_make(cut, n), &err);
            if (hdr_end != (size_t)-1 && n < hdr_end + 4) {
                assert_int_equal(res, SIP_PARSE_BAD);
            }
            size_t skip;
            size_t flen;
            sip_msg_frame(sv_make(cut, n), &skip, &flen, &err);
            free(cut);
        }
        free(msg);
        free(raw);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(torture_table),
        cmocka_unit_test(torture_complete),
        cmocka_unit_test(torture_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
