/* SPDX-License-Identifier: Apache-2.0 */
/* trunk.add / trunk.set with "tls_cert_fp" (mTLS trunks): accepted with
 * or without colons, answered normalised, cleared with "", refused with
 * the field named when malformed or already another trunk's. */
#include <errno.h>

#include "ops_fx.h"

static void ok(struct fx *fx, const char *json)
{
    int rc = run(fx, json);
    if (rc != 0) {
        fail_msg("%s: %s", json, rs(fx->resp, "error"));
    }
}

static const char *trunk_fp(struct fx *fx)
{
    return rs(json_object_get(fx->resp, "trunk"), "tls_cert_fp");
}

static void trunk_cert_fp(void **state)
{
    struct fx *fx = *state;
    ok(fx, "{\"op\":\"trunk.add\",\"name\":\"carrier\",\"kind\":\"ip\","
           "\"networks\":\"192.0.2.0/24\",\"tls_cert_fp\":"
           "\"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
           "23:45:67:89:AB:CD:EF:01:23:45:67:89\"}");
    assert_string_equal(trunk_fp(fx), "abcdef0123456789abcdef0123456789"
                                      "abcdef0123456789abcdef0123456789");
    /* absent: kept */
    ok(fx, "{\"op\":\"trunk.set\",\"name\":\"carrier\",\"max_calls\":5}");
    assert_string_equal(trunk_fp(fx), "abcdef0123456789abcdef0123456789"
                                      "abcdef0123456789abcdef0123456789");
    /* malformed */
    static const char *const bad[] = {
        "\"1234\"",
        "\"abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678g\"",
        "\"AB-CD-EF-01-23-45-67-89-AB-CD-EF-01-23-45-67-89-AB-CD-EF-01-"
        "23-45-67-89-AB-CD-EF-01-23-45-67-89\"",
        "42",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char req[512];
        snprintf(req, sizeof(req),
                 "{\"op\":\"trunk.set\",\"name\":\"carrier\","
                 "\"tls_cert_fp\":%s}",
                 bad[i]);
        expect_err(fx, run(fx, req), -EINVAL, "bad_request", "tls_cert_fp",
                   NULL);
    }
    /* another trunk with the same certificate */
    expect_err(fx,
               run(fx, "{\"op\":\"trunk.add\",\"name\":\"other\",\"kind\":"
                       "\"ip\",\"networks\":\"198.51.100.0/24\","
                       "\"tls_cert_fp\":\"abcdef0123456789abcdef0123456789"
                       "abcdef0123456789abcdef0123456789\"}"),
               -EEXIST, "exists", NULL, "carrier");
    /* cleared */
    ok(fx, "{\"op\":\"trunk.set\",\"name\":\"carrier\",\"tls_cert_fp\":\"\"}");
    assert_string_equal(trunk_fp(fx), "");
    ok(fx,
       "{\"op\":\"trunk.add\",\"name\":\"other\",\"kind\":\"ip\","
       "\"networks\":\"198.51.100.0/24\",\"tls_cert_fp\":"
       "\"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\""
       "}");
    ok(fx, "{\"op\":\"trunk.list\"}");
    char *dump = json_dumps(fx->resp, 0);
    assert_non_null(strstr(dump, "\"tls_cert_fp\": \"abcdef01"));
    free(dump);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(trunk_cert_fp, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
