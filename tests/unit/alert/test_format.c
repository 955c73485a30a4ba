/* SPDX-License-Identifier: Apache-2.0 */
/* Alert formatting: webhook JSON, signature, e-mail headers and body, and
 * header injection attempts in configured addresses and alert values. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alert/format.h"

/* 2027-01-15T08:00:00Z */
#define T0 1800000000

static struct alert sample(void)
{
    struct alert a;
    memset(&a, 0, sizeof(a));
    a.kind = ALERT_BAN;
    a.severity = ALERT_SEV_WARNING;
    a.at = T0;
    snprintf(a.summary, sizeof(a.summary), "127.0.0.5 banned (rule x)");
    alert_detail_add(&a, "address", "127.0.0.5");
    alert_detail_add(&a, "rule", "ua_blacklist");
    a.suppressed = 2;
    return a;
}

static void iso_time(void **state)
{
    (void)state;
    char t[ALERT_TIME_CAP];
    alert_format_time(T0, t);
    assert_string_equal(t, "2027-01-15T08:00:00Z");
    alert_format_time(0, t);
    assert_string_equal(t, "1970-01-01T00:00:00Z");
}

static void json_body(void **state)
{
    (void)state;
    struct alert a = sample();
    char *body = NULL;
    assert_int_equal(alert_format_json(&a, "pbx1", &body), 0);
    json_error_t err;
    json_t *o = json_loads(body, 0, &err);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "ban");
    assert_string_equal(json_string_value(json_object_get(o, "severity")),
                        "warning");
    assert_string_equal(json_string_value(json_object_get(o, "time")),
                        "2027-01-15T08:00:00Z");
    assert_string_equal(json_string_value(json_object_get(o, "host")), "pbx1");
    assert_string_equal(json_string_value(json_object_get(o, "summary")),
                        "127.0.0.5 banned (rule x)");
    json_t *d = json_object_get(o, "details");
    assert_true(json_is_object(d));
    assert_string_equal(json_string_value(json_object_get(d, "address")),
                        "127.0.0.5");
    assert_string_equal(json_string_value(json_object_get(d, "rule")),
                        "ua_blacklist");
    assert_int_equal(json_integer_value(json_object_get(o, "suppressed")), 2);
    assert_null(json_object_get(o, "test_id"));
    /* order: kind first, suppressed last */
    assert_memory_equal(body, "{\"kind\":\"ban\"", 13);
    json_decref(o);
    free(body);
}

static void json_hostile_values(void **state)
{
    (void)state;
    struct alert a = sample();
    alert_detail_add(&a, "user_agent", "evil\"}\r\n,\"kind\":\"x\xff\xfe");
    char *body = NULL;
    assert_int_equal(alert_format_json(&a, "h", &body), 0);
    json_t *o = json_loads(body, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "ban");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(o, "details"), "user_agent")),
                        "evil\"}  ,\"kind\":\"x??");
    json_decref(o);
    free(body);
}

static void signature(void **state)
{
    (void)state;
    char hex[ALERT_SIG_HEX_CAP];
    const char *msg = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(alert_format_sign("key", msg, strlen(msg), hex), 0);
    assert_string_equal(
        hex,
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

static void addresses_checked(void **state)
{
    (void)state;
    assert_int_equal(alert_addr_check("ops@example.com"), 0);
    assert_int_equal(alert_addr_check("ops@example.com\r\nBcc: x@y.z"),
                     -EINVAL);
    assert_int_equal(alert_addr_check("ops@example.com\n"), -EINVAL);
    assert_int_equal(alert_addr_check("a b@example.com"), -EINVAL);
    assert_int_equal(alert_addr_check("<ops@example.com>"), -EINVAL);
    assert_int_equal(alert_addr_check("opsexample.com"), -EINVAL);
    assert_int_equal(alert_addr_check("@example.com"), -EINVAL);
    assert_int_equal(alert_addr_check("a@b@c"), -EINVAL);
    assert_int_equal(alert_addr_check(NULL), -EINVAL);

    char to[ALERT_MAIL_TO_MAX][ALERT_ADDR_CAP];
    size_t n = 0;
    assert_int_equal(alert_mail_list_parse(" a@x.test , b@y.test,", to,
                                           ALERT_MAIL_TO_MAX, &n),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(to[0], "a@x.test");
    assert_string_equal(to[1], "b@y.test");
    assert_int_equal(alert_mail_list_parse("a@x.test\r\nRCPT TO:<c@z>", to,
                                           ALERT_MAIL_TO_MAX, &n),
                     -EINVAL);
    assert_int_equal(alert_mail_list_parse("", to, ALERT_MAIL_TO_MAX, &n),
                     -EINVAL);
    assert_int_equal(alert_mail_list_parse("a@x,b@x,c@x", to, 2, &n), -EINVAL);
}

/* Every line of 'm' ends with CRLF and no bare CR or LF is left. */
static void assert_crlf_only(const char *m, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (m[i] == '\n') {
            assert_true(i > 0 && m[i - 1] == '\r');
        }
        if (m[i] == '\r') {
            assert_true(i + 1 < len && m[i + 1] == '\n');
        }
    }
    assert_true(len >= 2 && m[len - 2] == '\r' && m[len - 1] == '\n');
}

/* Count of header lines starting with 'name' in the header block. */
static int header_count(const char *m, const char *name)
{
    int n = 0;
    const char *end = strstr(m, "\r\n\r\n");
    for (const char *p = m; p && p < end; p = strstr(p, "\r\n")) {
        if (p != m) {
            p += 2;
        }
        if (strncmp(p, name, strlen(name)) == 0) {
            n++;
        }
        if (p == m) {
            p++;
        }
    }
    return n;
}

static void mail_message(void **state)
{
    (void)state;
    struct alert a = sample();
    const char *to[] = { "a@x.test", "b@y.test" };
    struct alert_mail_hdr h = { .from = "pbx@x.test",
                                .to = to,
                                .n_to = 2,
                                .host = "pbx1",
                                .msgid = "1800000000.1.abcd" };
    char *m = NULL;
    size_t len = 0;
    assert_int_equal(alert_format_mail(&a, &h, &m, &len), 0);
    assert_int_equal(strlen(m), len);
    assert_crlf_only(m, len);
    assert_non_null(strstr(m, "From: pbx@x.test\r\n"));
    assert_non_null(strstr(m, "To: a@x.test, b@y.test\r\n"));
    assert_non_null(strstr(
        m, "Subject: [sipwarden pbx1] warning ban: 127.0.0.5 banned (rule "
           "x)\r\n"));
    assert_non_null(strstr(m, "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"));
    assert_non_null(strstr(m, "Message-ID: <1800000000.1.abcd@pbx1>\r\n"));
    assert_non_null(strstr(m, "\r\n\r\n127.0.0.5 banned"));
    assert_non_null(strstr(m, "rule: ua_blacklist\r\n"));
    assert_non_null(strstr(m, "suppressed: 2\r\n"));
    assert_int_equal(header_count(m, "Subject:"), 1);
    free(m);
}

static void mail_injection_refused_or_stripped(void **state)
{
    (void)state;
    struct alert a = sample();
    /* values carrying CR LF cannot add headers or split body lines */
    snprintf(a.summary, sizeof(a.summary),
             "x\r\nBcc: victim@evil.test\r\n\r\nforged body");
    alert_detail_add(&a, "user\r\nX-Evil", "1\r\n.\r\nMAIL FROM:<e@v>");
    const char *to[] = { "a@x.test" };
    struct alert_mail_hdr h = { .from = "pbx@x.test",
                                .to = to,
                                .n_to = 1,
                                .host = "pbx1\r\nX-Injected: 1",
                                .msgid = "1.2.3" };
    char *m = NULL;
    size_t len = 0;
    assert_int_equal(alert_format_mail(&a, &h, &m, &len), 0);
    assert_crlf_only(m, len);
    assert_int_equal(header_count(m, "Bcc:"), 0);
    assert_int_equal(header_count(m, "X-Injected:"), 0);
    assert_int_equal(header_count(m, "X-Evil"), 0);
    assert_null(strstr(m, "\r\n.\r\n"));
    assert_null(strstr(m, "\r\nMAIL FROM"));
    free(m);

    /* configured addresses or a bad token are refused outright */
    const char *bad_to[] = { "a@x.test\r\nBcc: v@e.test" };
    h.to = bad_to;
    h.host = "pbx1";
    assert_int_equal(alert_format_mail(&a, &h, &m, &len), -EINVAL);
    assert_null(m);
    h.to = to;
    h.from = "pbx@x.test\nBcc: v@e.test";
    assert_int_equal(alert_format_mail(&a, &h, &m, &len), -EINVAL);
    h.from = "pbx@x.test";
    h.msgid = "a>\r\nX: y";
    assert_int_equal(alert_format_mail(&a, &h, &m, &len), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iso_time),
        cmocka_unit_test(json_body),
        cmocka_unit_test(json_hostile_values),
        cmocka_unit_test(signature),
        cmocka_unit_test(addresses_checked),
        cmocka_unit_test(mail_message),
        cmocka_unit_test(mail_injection_refused_or_stripped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
