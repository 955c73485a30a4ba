/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sip_parse_nameaddr() (From / To / single Contact values) and
 * sip_parse_cseq(): tables of header values and the parts expected.
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

struct na_case {
    const char *in;
    size_t len; /* 0: strlen(in) */
    enum sip_parse_res res;
    const char *display;
    const char *uri;
    const char *tag;
    const char *params;
    enum sip_uri_scheme scheme;
};

#define OK(...)                          \
    {                                    \
        .res = SIP_PARSE_OK, __VA_ARGS__ \
    }
#define BAD(s)                          \
    {                                   \
        .in = (s), .res = SIP_PARSE_BAD \
    }

static const char nul_display[] = "\"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" "
                                  "<sip:1_unusual.URI~(to-be!sure)&isn't+it$/"
                                  "crazy?,/;;*@example.com>";

static const struct na_case nas[] = {
    OK(.in = "<sip:a@b>", .display = "", .uri = "sip:a@b", .tag = "",
       .params = "", .scheme = SIP_URI_SIP),
    OK(.in = "\"Bob\" <sips:bob@b>;tag=1", .display = "\"Bob\"",
       .uri = "sips:bob@b", .tag = "1", .params = ";tag=1",
       .scheme = SIP_URI_SIPS),
    OK(.in = "Bob Smith <sip:bob@b>", .display = "Bob Smith",
       .scheme = SIP_URI_SIP),
    /* RFC 4475 §3.1.1.6: no LWS before '<' */
    OK(.in = "caller<sip:caller@example.com>;tag=323", .display = "caller",
       .tag = "323", .scheme = SIP_URI_SIP),
    /* addr-spec: params are header params */
    OK(.in = "sip:a@b;tag=1;x", .display = "", .uri = "sip:a@b", .tag = "1",
       .params = ";tag=1;x", .scheme = SIP_URI_SIP),
    OK(.in = "sip:a@b ; tag = 1", .uri = "sip:a@b", .tag = "1",
       .scheme = SIP_URI_SIP),
    /* RFC 4475 §3.1.1.1 */
    OK(.in = "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  "
             ";\r\n  tag = 98asjd8",
       .display = "\"J Rosenberg \\\\\\\"\"", .uri = "sip:jdrosen@example.com",
       .tag = "98asjd8", .scheme = SIP_URI_SIP),
    /* RFC 4475 §3.3.4: other schemes */
    OK(.in = "isbn:2983792873", .uri = "isbn:2983792873",
       .scheme = SIP_URI_OTHER),
    OK(.in = "<http://www.example.com>;tag=3234233",
       .uri = "http://www.example.com", .tag = "3234233",
       .scheme = SIP_URI_OTHER),
    /* RFC 4475 §3.1.1.2: quoted-pairs of control characters, NUL too */
    OK(.in = nul_display, .len = sizeof(nul_display) - 1,
       .uri = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@"
              "example.com",
       .scheme = SIP_URI_SIP),
    OK(.in = "token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;"
             "fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\";tag=_token~1'+`*%!-.",
       .display = "token1~` token2'+_ token3*%!.-", .tag = "_token~1'+`*%!-.",
       .scheme = SIP_URI_SIP),
    OK(.in = "<sip:a@b;lr>;x;y=z", .uri = "sip:a@b;lr", .params = ";x;y=z",
       .tag = "", .scheme = SIP_URI_SIP),
    OK(.in = "\"\" <sip:a@b>", .display = "\"\"", .scheme = SIP_URI_SIP),
    OK(.in = "<sip:user@example.com?Route=%3Csip:sip.example.com%3E>",
       .scheme = SIP_URI_SIP),
    OK(.in = "<sip:a@[2001:db8::1]:5060>", .uri = "sip:a@[2001:db8::1]:5060",
       .scheme = SIP_URI_SIP),

    BAD(""),
    BAD("   "),
    BAD("\"unterminated <sip:a@b>"),
    BAD("\"Mr. J. User <sip:j.user@example.com>"),
    BAD("Bell, Alexander <sip:a.g.bell@example.com>;tag=43"),
    BAD("< sip:a@b >"),
    BAD("<sip:a@b"),
    BAD("<sip:a@b>>"),
    BAD("sip:a@b?x=y"),
    BAD("sip:user@example.com?Route=%3Csip:sip.example.com%3E"),
    BAD("<sip:a@b>;;"),
    BAD("\"Joe\" <sip:joe@example.org>;;;;"),
    BAD("<sip:a@b>;tag"),
    BAD("<sip:a@b>;tag=\"q\""),
    BAD("<sip:a@b>;x="),
    BAD("<sip:a@b> junk"),
    BAD("<sip:a@b>, <sip:c@d>"),
    BAD("sip:a@b, sip:c@d"),
    BAD("\"a\" sip:a@b"),
    BAD("Bob <>"),
    BAD("Bob"),
    BAD("<sip:a@b> ;"),
    BAD("\"a\\"),
};

static void nameaddr_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(nas) / sizeof(nas[0]); i++) {
        const struct na_case *c = &nas[i];
        size_t len = c->len ? c->len : strlen(c->in);
        char *in = malloc(len ? len : 1);
        struct sip_nameaddr na;
        struct sip_err err = { 0 };
        assert_non_null(in);
        memcpy(in, c->in, len);
        print_message("name-addr: %s\n", c->in);
        assert_int_equal(sip_parse_nameaddr(sv_make(in, len), &na, &err),
                         c->res);
        if (c->res == SIP_PARSE_BAD) {
            assert_non_null(err.reason);
            assert_int_equal(err.status, 400);
            assert_true(err.offset <= len);
            free(in);
            continue;
        }
        if (c->display) {
            assert_sv_equal(na.display, c->display);
        }
        if (c->uri) {
            assert_sv_equal(na.uri_raw, c->uri);
        }
        if (c->tag) {
            assert_sv_equal(na.tag, c->tag);
        }
        if (c->params) {
            assert_sv_equal(na.params, c->params);
        }
        assert_int_equal(na.uri.scheme, c->scheme);
        free(in);
    }
}

struct cseq_case {
    const char *in;
    enum sip_parse_res res;
    uint32_t num;
    const char *method;
    enum sip_method id;
};

static const struct cseq_case cseqs[] = {
    { "1 INVITE", SIP_PARSE_OK, 1, "INVITE", SIP_METHOD_INVITE },
    { "  0009\r\n  INVITE  ", SIP_PARSE_OK, 9, "INVITE", SIP_METHOD_INVITE },
    { "2147483647 X-Y", SIP_PARSE_OK, 2147483647u, "X-Y", SIP_METHOD_UNKNOWN },
    { "0 REGISTER", SIP_PARSE_OK, 0, "REGISTER", SIP_METHOD_REGISTER },
    { "2147483648 INVITE", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
    { "4294967296 INVITE", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
    { "36893488147419103232 REGISTER", SIP_PARSE_BAD, 0, NULL,
      SIP_METHOD_UNKNOWN },
    { "1INVITE", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
    { "INVITE", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
    { "1", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
    { "1 INVITE x", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
    { "1 IN@VITE", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
    { "-1 INVITE", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
    { "+1 INVITE", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
    { "", SIP_PARSE_BAD, 0, NULL, SIP_METHOD_UNKNOWN },
};

static void cseq_table(void **state)
{
    (void)state;
    struct sip_nameaddr na;
    struct sip_cseq cs0;
    assert_int_equal(sip_parse_nameaddr(SV_NULL, &na, NULL), SIP_PARSE_BAD);
    assert_int_equal(sip_parse_cseq(SV_NULL, &cs0, NULL), SIP_PARSE_BAD);
    for (size_t i = 0; i < sizeof(cseqs) / sizeof(cseqs[0]); i++) {
        const struct cseq_case *c = &cseqs[i];
        struct sip_cseq cs;
        struct sip_err err = { 0 };
        print_message("cseq: %s\n", c->in);
        assert_int_equal(sip_parse_cseq(sv_cstr(c->in), &cs, &err), c->res);
        if (c->res == SIP_PARSE_OK) {
            assert_int_equal(cs.num, c->num);
            assert_sv_equal(cs.method_name, c->method);
            assert_int_equal(cs.method, c->id);
        } else {
            assert_string_equal(err.reason, "Bad CSeq header");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nameaddr_table),
        cmocka_unit_test(cseq_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
