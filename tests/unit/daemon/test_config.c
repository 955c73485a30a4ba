/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/log.h"
#include "daemon/config.h"
#include "net/transport.h"
#include "reg/digest.h"

static void defaults_match_product(void **state)
{
    (void)state;
    struct sw_config c;
    sw_config_defaults(&c);
    assert_string_equal(c.data_dir, "./sipwarden-data");
    assert_string_equal(c.sip_udp, "*:5060");
    assert_string_equal(c.sip_tcp, "*:5063");
    assert_string_equal(c.sip_tls, "*:5061");
    assert_string_equal(c.http_listen, "*:8887");
    assert_int_equal(c.workers, 0);
}

static void loads_every_key(void **state)
{
    (void)state;
    struct sw_config c;
    struct sw_config_err e;
    sw_config_defaults(&c);
    const char *text = "[core]\ndata_dir = /tmp/x\nworkers = 3\n"
                       "log_level = debug\n"
                       "[sip]\nudp = [::1]:5070\ntcp =\ntls = 127.0.0.1:5071\n"
                       "nonce_lifetime_s = 60\n"
                       "digest_algorithms = MD5, SHA-256\n"
                       "[http]\nlisten = 127.0.0.1:9999\n";
    assert_int_equal(sw_config_load_string(&c, text, "t.conf", &e), 0);
    assert_string_equal(c.data_dir, "/tmp/x");
    assert_int_equal(c.workers, 3);
    assert_int_equal(c.log_level, LOG_LVL_DEBUG);
    assert_string_equal(c.sip_udp, "[::1]:5070");
    assert_string_equal(c.sip_tcp, "");
    assert_int_equal(c.nonce_lifetime_s, 60);
    assert_int_equal(c.n_digest_algs, 2);
    assert_int_equal(c.digest_algs[0], REG_DIGEST_MD5);
    assert_int_equal(c.digest_algs[1], REG_DIGEST_SHA256);
}

struct bad_case {
    const char *text;
    int line;
    const char *reason_part;
};

static void errors_name_line_and_reason(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        { "[core]\nworkers = lots\n", 2, "whole number" },
        { "[core]\nworkers = 999\n", 2, "0..256" },
        { "[core]\n\ncolour = blue\n", 3, "unknown key 'colour'" },
        { "[bogus]\nx = 1\n", 2, "unknown section [bogus]" },
        { "[sip]\nudp = 5060\n", 2, "ADDRESS:PORT" },
        { "[sip]\nudp = 1.2.3.4:0\n", 2, "ADDRESS:PORT" },
        { "[sip]\nudp = ::1:5060\n", 2, "ADDRESS:PORT" },
        { "[sip]\nnonsense line\n", 2, "syntax error" },
        { "[core]\nlog_level = loud\n", 2, "expected err" },
        { "[sip]\ntls_cert = /a.pem\n", 0, "set together" },
        { "[core]\ndata_dir =\n", 0, "must not be empty" },
        { "[sip]\ndigest_algorithms = SHA-1\n", 2, "unknown algorithm" },
        { "[sip]\ndigest_algorithms = MD5, md5\n", 2, "listed twice" },
        { "[sip]\ndigest_algorithms =\n", 2, "at least one" },
        { "[media]\nrequire_encrypted = tls, sctp\n", 2,
          "unknown transport 'sctp'" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sw_config c;
        struct sw_config_err e;
        sw_config_defaults(&c);
        int rc = sw_config_load_string(&c, cases[i].text, "bad.conf", &e);
        assert_int_equal(rc, -EINVAL);
        assert_int_equal(e.line, cases[i].line);
        assert_string_equal(e.file, "bad.conf");
        if (!strstr(e.reason, cases[i].reason_part)) {
            fail_msg("case %zu: reason '%s' lacks '%s'", i, e.reason,
                     cases[i].reason_part);
        }
    }
}

/* [media] require_encrypted: transport names into a bit mask. */
static void media_transports(void **state)
{
    (void)state;
    struct sw_config c;
    struct sw_config_err e;
    sw_config_defaults(&c);
    assert_int_equal(c.media_transports, 0);
    assert_int_equal(
        sw_config_load_string(&c, "[media]\nrequire_encrypted = udp, wss\n",
                              "t.conf", &e),
        0);
    assert_int_equal(c.media_transports,
                     (1u << NET_PROTO_UDP) | (1u << NET_PROTO_WSS));
    assert_int_equal(sw_config_load_string(&c, "[media]\nrequire_encrypted =\n",
                                           "t.conf", &e),
                     0);
    assert_int_equal(c.media_transports, 0);
}

static void missing_file(void **state)
{
    (void)state;
    struct sw_config c;
    struct sw_config_err e;
    sw_config_defaults(&c);
    assert_int_equal(sw_config_load(&c, "/nonexistent/sw.conf", &e), -ENOENT);
    assert_non_null(strstr(e.reason, "cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_match_product),
        cmocka_unit_test(loads_every_key),
        cmocka_unit_test(errors_name_line_and_reason),
        cmocka_unit_test(media_transports),
        cmocka_unit_test(missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
