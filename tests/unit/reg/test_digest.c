/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest known-answer tests: RFC 2617 §3.5, RFC 7616 §3.9.1 (MD5 and
 * SHA-256), and SIP REGISTER vectors computed independently with Python's
 * hashlib when this test was written. Plus algorithm parsing, malformed
 * input and verification in both directions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reg/digest.h"

#define SV(s) sv_cstr(s)

struct kat {
    const char *what;
    enum reg_digest_alg alg;
    const char *user, *realm, *password;
    const char *nonce, *nc, *cnonce, *qop, *method, *uri;
    const char *ha1, *response;
};

static const struct kat kats[] = {
    { "RFC 2617 §3.5", REG_DIGEST_MD5, "Mufasa", "testrealm@host.com",
      "Circle Of Life", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
      "0a4f113b", "auth", "GET", "/dir/index.html",
      "939e7578ed9e3c518a452acee763bce9", "6629fae49393a05397450978507c4ef1" },
    { "RFC 7616 §3.9.1 MD5", REG_DIGEST_MD5, "Mufasa", "http-auth@example.org",
      "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
      "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth", "GET",
      "/dir/index.html", "3d78807defe7de2157e2b0b6573a855f",
      "8ca523f5e9506fed4657c9700eebdbec" },
    { "RFC 7616 §3.9.1 SHA-256", REG_DIGEST_SHA256, "Mufasa",
      "http-auth@example.org", "Circle of Life",
      "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
      "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth", "GET",
      "/dir/index.html",
      "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232",
      "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1" },
    /* SIP REGISTER, computed with python3 hashlib. */
    { "SIP MD5 qop=auth", REG_DIGEST_MD5, "1001", "pbx.example.com",
      "Tr0ub4dor&3x", "bm9uY2UtZm9yLXRlc3Q", "0000000a", "0a4f113b9c", "auth",
      "REGISTER", "sip:pbx.example.com", "3a0a221da5f21da0b6a527d6e459acd7",
      "22e25c36a6d7d8139e82cd69a258ec60" },
    { "SIP SHA-256 qop=auth", REG_DIGEST_SHA256, "1001", "pbx.example.com",
      "Tr0ub4dor&3x", "bm9uY2UtZm9yLXRlc3Q", "0000000a", "0a4f113b9c", "auth",
      "REGISTER", "sip:pbx.example.com",
      "a28f7e5b55614eb04b840e31eda3b57508c1abee1f9a5ffa405414fe39c8ea04",
      "66c0f51332bdec9e397ac82eaa8b9b535cfca6fee2bdec7e9b583511a75ac925" },
    { "SIP MD5 no qop", REG_DIGEST_MD5, "1001", "pbx.example.com",
      "Tr0ub4dor&3x", "bm9uY2UtZm9yLXRlc3Q", "", "", "", "REGISTER",
      "sip:pbx.example.com", "3a0a221da5f21da0b6a527d6e459acd7",
      "5508f5375def3ae889dda7198644d836" },
    { "SIP SHA-256 no qop", REG_DIGEST_SHA256, "1001", "pbx.example.com",
      "Tr0ub4dor&3x", "bm9uY2UtZm9yLXRlc3Q", "", "", "", "REGISTER",
      "sip:pbx.example.com",
      "a28f7e5b55614eb04b840e31eda3b57508c1abee1f9a5ffa405414fe39c8ea04",
      "6c72eeb5005327bdb2119e89e0f19a41b3a4e606970dce67f49fad83d79b2fa4" },
};

static void known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        const struct kat *k = &kats[i];
        print_message("%s\n", k->what);
        char ha1[REG_DIGEST_HEX_MAX];
        char resp[REG_DIGEST_HEX_MAX];
        assert_int_equal(reg_digest_ha1(k->alg, SV(k->user), SV(k->realm),
                                        SV(k->password), ha1),
                         0);
        assert_string_equal(ha1, k->ha1);
        assert_int_equal(reg_digest_response(k->alg, SV(ha1), SV(k->nonce),
                                             SV(k->nc), SV(k->cnonce),
                                             SV(k->qop), SV(k->method),
                                             SV(k->uri), resp),
                         0);
        assert_string_equal(resp, k->response);
        unsigned flags = k->qop[0] ? 0 : REG_DIGEST_ALLOW_NO_QOP;
        assert_int_equal(reg_digest_verify(k->alg, SV(ha1), SV(k->nonce),
                                           SV(k->nc), SV(k->cnonce), SV(k->qop),
                                           SV(k->method), SV(k->uri),
                                           SV(k->response), flags),
                         0);
    }
}

static void alg_parse(void **state)
{
    (void)state;
    enum reg_digest_alg a = REG_DIGEST_SHA256;
    assert_int_equal(reg_digest_alg_parse(SV_NULL, &a), 0);
    assert_int_equal(a, REG_DIGEST_MD5);
    assert_int_equal(reg_digest_alg_parse(SV_LIT("sha-256"), &a), 0);
    assert_int_equal(a, REG_DIGEST_SHA256);
    assert_int_equal(reg_digest_alg_parse(SV_LIT("md5"), &a), 0);
    assert_int_equal(a, REG_DIGEST_MD5);
    assert_int_equal(reg_digest_alg_parse(SV_LIT("SHA-256"), &a), 0);
    assert_int_equal(a, REG_DIGEST_SHA256);

    a = REG_DIGEST_SHA256;
    assert_int_equal(reg_digest_alg_parse(SV_LIT("MD5-sess"), &a), -ENOTSUP);
    assert_int_equal(reg_digest_alg_parse(SV_LIT("sha-256-SESS"), &a),
                     -ENOTSUP);
    assert_int_equal(reg_digest_alg_parse(SV_LIT("SHA-512-256"), &a), -EINVAL);
    assert_int_equal(reg_digest_alg_parse(SV_LIT("SHA256"), &a), -EINVAL);
    assert_int_equal(reg_digest_alg_parse(SV_LIT("MD5 "), &a), -EINVAL);
    assert_int_equal(a, REG_DIGEST_SHA256); /* untouched on failure */

    assert_string_equal(reg_digest_alg_name(REG_DIGEST_MD5), "MD5");
    assert_string_equal(reg_digest_alg_name(REG_DIGEST_SHA256), "SHA-256");
    assert_int_equal(reg_digest_hex_len(REG_DIGEST_MD5), 32);
    assert_int_equal(reg_digest_hex_len(REG_DIGEST_SHA256), 64);
}

/* The RFC 7616 MD5 example, with one field replaced per call. */
static int verify_md5(const char *ha1, const char *nc, const char *cnonce,
                      const char *qop, const char *uri, const char *response,
                      unsigned flags)
{
    return reg_digest_verify(REG_DIGEST_MD5, SV(ha1),
                             SV("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"),
                             SV(nc), SV(cnonce), SV(qop), SV("GET"), SV(uri),
                             SV(response), flags);
}

#define HA1_OK  "3d78807defe7de2157e2b0b6573a855f"
#define CN_OK   "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define RESP_OK "8ca523f5e9506fed4657c9700eebdbec"
#define URI_OK  "/dir/index.html"

static void verify_mismatch(void **state)
{
    (void)state;
    assert_int_equal(
        verify_md5(HA1_OK, "00000001", CN_OK, "auth", URI_OK, RESP_OK, 0), 0);
    /* Upper-case hex from the client is the same response. */
    assert_int_equal(verify_md5(HA1_OK, "00000001", CN_OK, "auth", URI_OK,
                                "8CA523F5E9506FED4657C9700EEBDBEC", 0),
                     0);
    /* Upper-case stored HA1 is accepted as well. */
    assert_int_equal(verify_md5("3D78807DEFE7DE2157E2B0B6573A855F", "00000001",
                                CN_OK, "auth", URI_OK, RESP_OK, 0),
                     0);
    /* qop token matched case-insensitively but hashed as sent. */
    assert_int_equal(
        verify_md5(HA1_OK, "00000001", CN_OK, "AUTH", URI_OK, RESP_OK, 0),
        -EACCES);
    /* Any other field changed: mismatch. */
    assert_int_equal(
        verify_md5(HA1_OK, "00000002", CN_OK, "auth", URI_OK, RESP_OK, 0),
        -EACCES);
    assert_int_equal(
        verify_md5(HA1_OK, "00000001", "x", "auth", URI_OK, RESP_OK, 0),
        -EACCES);
    assert_int_equal(verify_md5(HA1_OK, "00000001", CN_OK, "auth",
                                "/dir/index.htm", RESP_OK, 0),
                     -EACCES);
    assert_int_equal(verify_md5("3d78807defe7de2157e2b0b6573a855e", "00000001",
                                CN_OK, "auth", URI_OK, RESP_OK, 0),
                     -EACCES);
    assert_int_equal(verify_md5(HA1_OK, "00000001", CN_OK, "auth", URI_OK,
                                "8ca523f5e9506fed4657c9700eebdbed", 0),
                     -EACCES);
    /* The SHA-256 answer to an MD5 challenge is malformed (length). */
    assert_int_equal(
        verify_md5(HA1_OK, "00000001", CN_OK, "auth", URI_OK,
                   "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db58"
                   "56cb6c1",
                   0),
        -EINVAL);
}

static void verify_malformed(void **state)
{
    (void)state;
    /* No qop: refused unless the caller allows the RFC 2069 form. */
    assert_int_equal(verify_md5(HA1_OK, "", "", "", URI_OK, RESP_OK, 0),
                     -EINVAL);
    assert_int_equal(verify_md5(HA1_OK, "", "", "", URI_OK, RESP_OK,
                                REG_DIGEST_ALLOW_NO_QOP),
                     -EACCES);
    /* auth-int and unknown qops are not supported. */
    assert_int_equal(
        verify_md5(HA1_OK, "00000001", CN_OK, "auth-int", URI_OK, RESP_OK, 0),
        -ENOTSUP);
    /* nc must be exactly 8 hex digits, cnonce present. */
    assert_int_equal(verify_md5(HA1_OK, "1", CN_OK, "auth", URI_OK, RESP_OK, 0),
                     -EINVAL);
    assert_int_equal(
        verify_md5(HA1_OK, "0000000g", CN_OK, "auth", URI_OK, RESP_OK, 0),
        -EINVAL);
    assert_int_equal(
        verify_md5(HA1_OK, "000000001", CN_OK, "auth", URI_OK, RESP_OK, 0),
        -EINVAL);
    assert_int_equal(
        verify_md5(HA1_OK, "00000001", "", "auth", URI_OK, RESP_OK, 0),
        -EINVAL);
    /* Response and HA1 must be hex of the algorithm's length. */
    assert_int_equal(verify_md5(HA1_OK, "00000001", CN_OK, "auth", URI_OK,
                                "8ca523f5e9506fed4657c9700eebdbe", 0),
                     -EINVAL);
    assert_int_equal(verify_md5(HA1_OK, "00000001", CN_OK, "auth", URI_OK,
                                "8ca523f5e9506fed4657c9700eebdbeZ", 0),
                     -EINVAL);
    assert_int_equal(
        verify_md5(HA1_OK, "00000001", CN_OK, "auth", URI_OK, "", 0), -EINVAL);
    assert_int_equal(verify_md5("3d78807defe7de2157e2b0b6573a855", "00000001",
                                CN_OK, "auth", URI_OK, RESP_OK, 0),
                     -EINVAL);
    assert_int_equal(verify_md5("3d78807defe7de2157e2b0b6573a855x", "00000001",
                                CN_OK, "auth", URI_OK, RESP_OK, 0),
                     -EINVAL);

    char out[REG_DIGEST_HEX_MAX];
    assert_int_equal(
        reg_digest_ha1((enum reg_digest_alg)7, SV("a"), SV("b"), SV("c"), out),
        -EINVAL);
    assert_int_equal(reg_digest_response((enum reg_digest_alg)7, SV(HA1_OK),
                                         SV("n"), SV("00000001"), SV("c"),
                                         SV("auth"), SV("GET"), SV("/"), out),
                     -EINVAL);
}

static void empty_fields(void **state)
{
    (void)state;
    /* Empty user/realm/password are hashed, not refused: H("::"). */
    char ha1[REG_DIGEST_HEX_MAX];
    assert_int_equal(
        reg_digest_ha1(REG_DIGEST_MD5, SV_NULL, SV_NULL, SV_NULL, ha1), 0);
    assert_string_equal(ha1, "4501c091b0366d76ea3218b6cfdd8097");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers),   cmocka_unit_test(alg_parse),
        cmocka_unit_test(verify_mismatch), cmocka_unit_test(verify_malformed),
        cmocka_unit_test(empty_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
