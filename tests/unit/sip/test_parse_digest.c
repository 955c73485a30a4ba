/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sip_parse_digest() and sip_unquote(): a table of Authorization /
 * WWW-Authenticate values (RFC 7616, RFC 8760) and the params expected.
 */
#include <errno.h>
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

struct digest_case {
    const char *in;
    enum sip_parse_res res;
    const char *reason; /* BAD */
    const char *scheme;
    const char *username;
    const char *realm;
    const char *nonce;
    const char *uri;
    const char *response;
    const char *algorithm;
    const char *cnonce;
    const char *opaque;
    const char *qop;
    const char *nc;
    bool userhash;
    bool stale;
};

#define OK(...)                          \
    {                                    \
        .res = SIP_PARSE_OK, __VA_ARGS__ \
    }
#define BAD(s, r)                                      \
    {                                                  \
        .in = (s), .res = SIP_PARSE_BAD, .reason = (r) \
    }
#define BADP "Bad Digest parameters"

static const struct digest_case cases[] = {
    OK(.in =
           "Digest username=\"bob\", realm=\"biloxi.com\", "
           "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
           "uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, "
           "cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\","
           " opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
       .scheme = "Digest", .username = "bob", .realm = "biloxi.com",
       .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
       .uri = "sip:bob@biloxi.com", .qop = "auth", .nc = "00000001",
       .cnonce = "0a4f113b", .response = "6629fae49393a05397450978507c4ef1",
       .opaque = "5ccc069c403ebaf9f0171e9517f40e41", .algorithm = ""),
    /* a challenge, RFC 8760 algorithm, stale */
    OK(.in = "Digest realm=\"atlanta.com\", domain=\"sip:ss1.carrier.com\", "
             "qop=\"auth,auth-int\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", "
             "opaque=\"\", stale=FALSE, algorithm=SHA-256",
       .realm = "atlanta.com", .qop = "auth,auth-int", .opaque = "",
       .algorithm = "SHA-256", .stale = false),
    OK(.in = "Digest realm=\"r\", nonce=\"n\", stale=true, userhash=\"true\", "
             "algorithm=\"SHA-512-256\"",
       .stale = true, .userhash = true, .algorithm = "SHA-512-256"),
    OK(.in = "digest username=\"b\\\"ob\", realm=\"r\"", .scheme = "digest",
       .username = "b\\\"ob"),
    OK(.in = "Digest username=\"a\",\r\n realm=\"r\"  ,\tnonce = \"n\"",
       .username = "a", .realm = "r", .nonce = "n"),
    OK(.in = "Digest USERNAME=\"a\", Realm=\"r\"", .username = "a",
       .realm = "r"),
    OK(.in = "Digest foo=1, foo=2, bar=\"x,y\", realm=\"r\"", .realm = "r"),
    OK(.in = "Digest realm=\"r\",, nonce=\"n\",", .realm = "r", .nonce = "n"),
    OK(.in = "Digest username=alice, realm=r", .username = "alice",
       .realm = "r"),
    /* RFC 4475 §3.3.7: another scheme is not parsed, the caller decides */
    OK(.in = "NoOneKnowsThisScheme opaque-data=here",
       .scheme = "NoOneKnowsThisScheme", .realm = "", .opaque = ""),
    OK(.in = "Bearer abc.def==", .scheme = "Bearer"),

    BAD("", "Bad authentication scheme"),
    BAD("\"Digest\" realm=\"r\"", "Bad authentication scheme"),
    BAD("Digest", BADP),
    BAD("Digest   ", BADP),
    BAD("Digest,realm=\"r\"", BADP),
    BAD("Digest realm", BADP),
    BAD("Digest realm=", BADP),
    BAD("Digest realm=\"unterminated", BADP),
    BAD("Digest realm=\"a\" nonce=\"b\"", BADP),
    BAD("Digest realm=\"a\"; nonce=\"b\"", BADP),
    BAD("Digest =x", BADP),
    BAD("Digest realm=a b", BADP),
    BAD("Digest realm=\"a\", realm=\"b\"", "Duplicate Digest parameter"),
    BAD("Digest REALM=\"a\", realm=\"a\"", "Duplicate Digest parameter"),
    BAD("Digest response=\"a\", nonce=\"n\", response=\"b\"",
        "Duplicate Digest parameter"),
    BAD("Digest nc=1", BADP),
    BAD("Digest nc=0000000g", BADP),
    BAD("Digest nc=%3000000", BADP),
    BAD("Digest stale=maybe", BADP),
    BAD("Digest userhash=1", BADP),
};

static void check(const char *name, struct sv got, const char *exp)
{
    if (exp) {
        print_message("  %s\n", name);
        assert_sv_equal(got, exp);
    }
}

static void digest_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct digest_case *c = &cases[i];
        size_t len = strlen(c->in);
        char *in = malloc(len ? len : 1);
        struct sip_digest d;
        struct sip_err err = { 0 };
        assert_non_null(in);
        memcpy(in, c->in, len);
        print_message("digest: %s\n", c->in);
        assert_int_equal(sip_parse_digest(sv_make(in, len), &d, &err), c->res);
        if (c->res == SIP_PARSE_BAD) {
            assert_non_null(err.reason);
            assert_string_equal(err.reason, c->reason);
            assert_int_equal(err.status, 400);
            assert_true(err.offset <= len);
            free(in);
            continue;
        }
        check("scheme", d.scheme, c->scheme);
        check("username", d.username, c->username);
        check("realm", d.realm, c->realm);
        check("nonce", d.nonce, c->nonce);
        check("uri", d.uri, c->uri);
        check("response", d.response, c->response);
        check("algorithm", d.algorithm, c->algorithm);
        check("cnonce", d.cnonce, c->cnonce);
        check("opaque", d.opaque, c->opaque);
        check("qop", d.qop, c->qop);
        check("nc", d.nc, c->nc);
        assert_int_equal(d.userhash, c->userhash);
        assert_int_equal(d.stale, c->stale);
        free(in);
    }
}

static void too_many_params(void **state)
{
    (void)state;
    char in[1024];
    size_t off = (size_t)snprintf(in, sizeof(in), "Digest realm=\"r\"");
    for (int i = 0; i < 31; i++) {
        off += (size_t)snprintf(in + off, sizeof(in) - off, ", x%d=1", i);
    }
    struct sip_digest d;
    struct sip_err err;
    assert_int_equal(sip_parse_digest(sv_make(in, off), &d, &err),
                     SIP_PARSE_OK);
    off += (size_t)snprintf(in + off, sizeof(in) - off, ", y=1");
    assert_int_equal(sip_parse_digest(sv_make(in, off), &d, &err),
                     SIP_PARSE_BAD);
    assert_string_equal(err.reason, "Too many Digest parameters");
}

static void unquote(void **state)
{
    (void)state;
    char out[16];
    struct sip_digest d;
    assert_int_equal(sip_parse_digest(SV_NULL, &d, NULL), SIP_PARSE_BAD);
    assert_int_equal(sip_unquote(SV_NULL, out, sizeof(out)), 0);
    assert_int_equal(sip_unquote(SV_LIT("b\\\"ob"), out, sizeof(out)), 4);
    assert_memory_equal(out, "b\"ob", 4);
    assert_int_equal(sip_unquote(SV_LIT("a\\\\b"), out, sizeof(out)), 3);
    assert_memory_equal(out, "a\\b", 3);
    assert_int_equal(sip_unquote(SV_LIT(""), out, sizeof(out)), 0);
    assert_int_equal(sip_unquote(SV_LIT("ab\\"), out, sizeof(out)), -EINVAL);
    assert_int_equal(sip_unquote(SV_LIT("abcd"), out, 3), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(digest_table),
        cmocka_unit_test(too_many_params),
        cmocka_unit_test(unquote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
