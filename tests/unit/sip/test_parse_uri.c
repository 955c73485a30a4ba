/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sip_parse_uri(), sip_unescape() and sip_param_find(): tables of URIs with
 * the parts expected from each, or the refusal.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/msg.h"
#include "sip_test_util.h"

struct uri_case {
    const char *in;
    enum sip_parse_res res;
    bool other; /* expect SIP_URI_OTHER, else sip/sips from the text */
    const char *scheme_name;
    const char *user;
    const char *password;
    const char *host;
    bool ipv6;
    int port; /* 0: none */
    const char *params;
    const char *headers;
    const char *opaque;
};

#define OK(...)                          \
    {                                    \
        .res = SIP_PARSE_OK, __VA_ARGS__ \
    }
#define BAD(s)                          \
    {                                   \
        .in = (s), .res = SIP_PARSE_BAD \
    }

static const struct uri_case uris[] = {
    OK(.in = "sip:alice@example.com", .scheme_name = "sip", .user = "alice",
       .host = "example.com"),
    OK(.in = "sips:alice:secret@example.com:5061;transport=tls?subject=hi&x=y",
       .user = "alice", .password = "secret", .host = "example.com",
       .port = 5061, .params = ";transport=tls", .headers = "subject=hi&x=y"),
    OK(.in = "sip:example.com", .user = "", .host = "example.com"),
    OK(.in = "SIP:Alice@Example.COM", .scheme_name = "SIP", .user = "Alice",
       .host = "Example.COM"),
    OK(.in = "sip:+1-555@gw.example.com;user=phone", .user = "+1-555",
       .params = ";user=phone"),
    OK(.in = "sip:alice:@h", .user = "alice", .password = "", .host = "h"),
    OK(.in = "sip:[2001:db8::1]:5070;lr", .host = "[2001:db8::1]", .ipv6 = true,
       .port = 5070, .params = ";lr"),
    OK(.in = "sip:user@[::ffff:192.0.2.1]", .host = "[::ffff:192.0.2.1]",
       .ipv6 = true),
    /* RFC 5118 §4.10: the RFC 3261 ABNF bug form is tolerated */
    OK(.in = "sip:user@[2001:db8:::192.0.2.1]",
       .host = "[2001:db8:::192.0.2.1]", .ipv6 = true),
    /* RFC 5118 §4.3: an address, no port */
    OK(.in = "sip:[2001:db8::10:5070]", .host = "[2001:db8::10:5070]",
       .ipv6 = true),
    OK(.in = "sip:%61lice@h", .user = "%61lice", .host = "h"),
    /* RFC 4475 §3.1.1.9: ';' in the user part */
    OK(.in = "sip:user;par=u%40example.net@example.com",
       .user = "user;par=u%40example.net", .host = "example.com", .params = ""),
    /* RFC 4475 §3.1.1.2 */
    OK(.in = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
             "weird!*pas$wo~d_too.(doesn't-it)@example.com",
       .user = "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
       .password = "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)",
       .host = "example.com"),
    /* RFC 4475 §3.1.1.3: escaped parameter names and values */
    OK(.in = "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
       .user = "cal%6Cer", .host = "host5.example.net",
       .params = ";%6C%72;n%61me=v%61lue%25%34%31"),
    OK(.in = "sip:h;maddr=[2001:db8::1];x=a/b:c", .host = "h",
       .params = ";maddr=[2001:db8::1];x=a/b:c"),
    OK(.in = "sip:192.0.2.1:5060", .host = "192.0.2.1", .port = 5060),
    OK(.in = "sip:host.example.com.", .host = "host.example.com."),
    OK(.in = "sip:u@h_1.example", .host = "h_1.example"),
    OK(.in = "sip:u@h:65535", .host = "h", .port = 65535),
    OK(.in = "tel:+1-201-555-0123;phone-context=x", .other = true,
       .scheme_name = "tel", .opaque = "+1-201-555-0123;phone-context=x"),
    OK(.in = "soap.beep://192.0.2.103:3002", .other = true,
       .scheme_name = "soap.beep", .opaque = "//192.0.2.103:3002"),
    OK(.in = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", .other = true,
       .scheme_name = "urn"),
    OK(.in = "nobodyKnowsThisScheme:totallyopaquecontent", .other = true,
       .opaque = "totallyopaquecontent"),
    OK(.in = "http://www.example.com/a?b=c#d", .other = true),

    BAD(""),
    BAD("sip:"),
    BAD("sip:@h"),
    BAD("sip:user@"),
    BAD("<sip:a@b>"),
    BAD("sip:a b@h"),
    BAD("sip:a@h "),
    BAD("sip:a@h:"),
    BAD("sip:a@h:65536"),
    BAD("sip:a@h:5x"),
    BAD("sip:a@h:5060:5060"),
    BAD("sip:a@[2001:db8::1"),
    BAD("sip:a@[zz::1]"),
    BAD("sip:a@[::1]x"),
    BAD("sip:a@[2001:db8::1%eth0]"),
    BAD("sip:a@[192.0.2.1]"),
    BAD("sip:2001:db8::10"),
    BAD("sip:a@h;"),
    BAD("sip:a@h;;lr"),
    BAD("sip:a@h;x="),
    BAD("sip:a@h;x=1=2"),
    BAD("sip:a@h?"),
    BAD("sip:a@h?x"),
    BAD("sip:a@h?x=1&"),
    BAD("sip:%4@h"),
    BAD("sip:%zz@h"),
    BAD("sip:a%2@h"),
    BAD("sip:a@h@i"),
    BAD("sip:a@-h.com"),
    BAD("sip:a@h-.com"),
    BAD("sip:a@h..com"),
    BAD("sip:a@.h"),
    BAD("sip:a@256.1.1.1"),
    BAD("sip:a@1.2.3"),
    BAD("sip:a@h>"),
    BAD("sip:a@h\r\n"),
    BAD("sip:a\"b@h"),
    BAD("1sip:a@h"),
    BAD("nocolon"),
    BAD(":x"),
    BAD("tel:"),
    BAD("tel:a b"),
    BAD("tel:<x>"),
    BAD("tel:%g0"),
};

static void uri_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
        const struct uri_case *c = &uris[i];
        size_t len = strlen(c->in);
        char *in = malloc(len ? len : 1);
        struct sip_uri uri;
        struct sip_err err = { 0 };
        assert_non_null(in);
        memcpy(in, c->in, len);
        print_message("uri: %s\n", c->in);
        enum sip_parse_res res = sip_parse_uri(sv_make(in, len), &uri, &err);
        assert_int_equal(res, c->res);
        if (res == SIP_PARSE_BAD) {
            assert_string_equal(err.reason, "Bad URI");
            assert_int_equal(err.status, 400);
            assert_true(err.offset <= len);
            free(in);
            continue;
        }
        enum sip_uri_scheme scheme = SIP_URI_OTHER;
        if (!c->other) {
            scheme = (len > 4 && (in[3] == 's' || in[3] == 'S')) ? SIP_URI_SIPS
                                                                 : SIP_URI_SIP;
        }
        assert_int_equal(uri.scheme, scheme);
        if (c->scheme_name) {
            assert_sv_equal(uri.scheme_name, c->scheme_name);
        }
        if (c->user) {
            assert_sv_equal(uri.user, c->user);
        }
        if (c->password) {
            assert_sv_equal(uri.password, c->password);
        }
        if (c->host) {
            assert_sv_equal(uri.host, c->host);
        }
        assert_int_equal(uri.host_is_ipv6, c->ipv6);
        assert_int_equal(uri.has_port, c->port != 0);
        if (c->port) {
            assert_int_equal(uri.port, c->port);
        }
        if (c->params) {
            assert_sv_equal(uri.params, c->params);
        }
        if (c->headers) {
            assert_sv_equal(uri.headers, c->headers);
        }
        if (c->opaque) {
            assert_sv_equal(uri.opaque, c->opaque);
        }
        free(in);
    }
}

static void unescape(void **state)
{
    (void)state;
    char out[16];

    assert_int_equal(sip_unescape(SV_LIT("%61%62c"), out, sizeof(out)), 3);
    assert_memory_equal(out, "abc", 3);
    assert_int_equal(
        sip_unescape(SV_LIT("I%20have%20spaces"), out, sizeof(out)), 13);
    assert_memory_equal(out, "I have spaces", 13);
    assert_int_equal(sip_unescape(SV_LIT("%2f%2F"), out, sizeof(out)), 2);
    assert_memory_equal(out, "//", 2);
    assert_int_equal(sip_unescape(SV_LIT(""), out, sizeof(out)), 0);
    assert_int_equal(sip_unescape(SV_LIT("null-%00-null"), out, sizeof(out)),
                     -EINVAL);
    assert_int_equal(sip_unescape(SV_LIT("%4"), out, sizeof(out)), -EINVAL);
    assert_int_equal(sip_unescape(SV_LIT("a%"), out, sizeof(out)), -EINVAL);
    assert_int_equal(sip_unescape(SV_LIT("%zz"), out, sizeof(out)), -EINVAL);
    assert_int_equal(sip_unescape(SV_LIT("abcd"), out, 3), -ENOSPC);
    assert_int_equal(sip_unescape(SV_LIT("%41%41%41"), out, 3), 3);
}

static void param_find(void **state)
{
    (void)state;
    struct sv v;

    assert_true(
        sip_param_find(SV_LIT(";lr;transport=tcp"), SV_LIT("transport"), &v));
    assert_sv_equal(v, "tcp");
    assert_true(sip_param_find(SV_LIT(";lr;transport=tcp"), SV_LIT("LR"), &v));
    assert_sv_equal(v, "");
    assert_false(
        sip_param_find(SV_LIT(";lr;transport=tcp"), SV_LIT("user"), &v));
    assert_false(sip_param_find(SV_LIT(""), SV_LIT("lr"), &v));
    assert_true(
        sip_param_find(SV_LIT(" ; tag = abc ; q=\"x;y\";z"), SV_LIT("q"), &v));
    assert_sv_equal(v, "\"x;y\"");
    assert_true(sip_param_find(SV_LIT(" ; tag = abc ; q=\"x;y\";z"),
                               SV_LIT("z"), NULL));
    assert_true(
        sip_param_find(SV_LIT(";maddr=[2001:db8::1];x=a/b"), SV_LIT("x"), &v));
    assert_sv_equal(v, "a/b");
    assert_true(sip_param_find(SV_LIT(";a=1;a=2"), SV_LIT("a"), &v));
    assert_sv_equal(v, "1");
    /* SV_NULL is an empty list (fuzz regression: NULL + 0) */
    assert_false(sip_param_find(SV_NULL, SV_LIT("lr"), &v));
    struct sip_uri uri;
    assert_int_equal(sip_parse_uri(SV_NULL, &uri, NULL), SIP_PARSE_BAD);
    /* a name is not matched inside a value */
    assert_false(sip_param_find(SV_LIT(";x=\";tag=1\""), SV_LIT("tag"), &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_table),
        cmocka_unit_test(unescape),
        cmocka_unit_test(param_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
