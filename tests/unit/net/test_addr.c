/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/addr.h"

struct parse_case {
    const char *in;
    uint16_t default_port;
    int rc;
    const char *fmt; /* net_addr_fmt of the result when rc == 0 */
};

static const struct parse_case parse_cases[] = {
    { "203.0.113.9:5060", 0, 0, "203.0.113.9:5060" },
    { "127.0.0.1:0", 0, 0, "127.0.0.1:0" },
    { "0.0.0.0:5061", 0, 0, "0.0.0.0:5061" },
    { "10.0.0.1", 5060, 0, "10.0.0.1:5060" },
    { "10.0.0.1:65535", 5060, 0, "10.0.0.1:65535" },
    { "[2001:db8::1]:5060", 0, 0, "[2001:db8::1]:5060" },
    { "[::1]:5063", 0, 0, "[::1]:5063" },
    { "[::]:5060", 0, 0, "[::]:5060" },
    { "[::1]", 5061, 0, "[::1]:5061" },
    { "2001:db8::1", 5060, 0, "[2001:db8::1]:5060" },
    { "[::ffff:192.0.2.1]:5060", 0, 0, "[::ffff:192.0.2.1]:5060" },
    { "[2001:DB8:0:0:0:0:0:1]:7", 0, 0, "[2001:db8::1]:7" },
    { "[fe80::1%1]:5060", 0, 0, NULL }, /* scope printed as ifname */
    /* refused */
    { "", 5060, -EINVAL, NULL },
    { "203.0.113.9", 0, -EINVAL, NULL },  /* port required */
    { "203.0.113.9:", 0, -EINVAL, NULL }, /* empty port */
    { "203.0.113.9:65536", 0, -EINVAL, NULL },
    { "203.0.113.9:-1", 0, -EINVAL, NULL },
    { "203.0.113.9:+5", 0, -EINVAL, NULL },
    { "203.0.113.9:50a", 0, -EINVAL, NULL },
    { "203.0.113.256:5060", 0, -EINVAL, NULL },
    { "203.0.113:5060", 0, -EINVAL, NULL },
    { " 203.0.113.9:5060", 0, -EINVAL, NULL },
    { "203.0.113.9 :5060", 0, -EINVAL, NULL },
    { "example.com:5060", 0, -EINVAL, NULL }, /* names are not resolved */
    { "[2001:db8::1]5060", 0, -EINVAL, NULL },
    { "[2001:db8::1:5060", 0, -EINVAL, NULL },
    { "[203.0.113.9]:5060", 0, -EINVAL, NULL },
    { "2001:db8::1", 0, -EINVAL, NULL }, /* no port without brackets */
    { "[2001:db8::g]:5060", 0, -EINVAL, NULL },
    { "[fe80::1%]:5060", 0, -EINVAL, NULL },
    { "[fe80::1%nosuchif0]:5060", 0, -EINVAL, NULL },
    { "*:5060", 0, -EINVAL, NULL }, /* wildcards only for bind */
    { ":5060", 0, -EINVAL, NULL },
    { "[*]:5060", 0, -EINVAL, NULL },
};

static void parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct net_addr a;
        memset(&a, 0xa5, sizeof(a));
        int rc = net_addr_parse(c->in, c->default_port, &a);
        if (rc != c->rc) {
            print_error("case %zu '%s': rc %d, want %d\n", i, c->in, rc, c->rc);
        }
        assert_int_equal(rc, c->rc);
        if (rc == 0 && c->fmt) {
            char buf[NET_ADDR_FMT_CAP];
            assert_string_equal(net_addr_fmt(&a, buf, sizeof(buf)), c->fmt);
        }
    }
}

static void parse_scope(void **state)
{
    (void)state;
    struct net_addr a;
    assert_int_equal(net_addr_parse("[fe80::1%1]:5060", 0, &a), 0);
    assert_int_equal(net_addr_family(&a), AF_INET6);
    assert_int_equal(a.in6.sin6_scope_id, 1);
    /* Interface 1 is the loopback: formatted by name. */
    char buf[NET_ADDR_FMT_CAP];
    assert_string_equal(net_addr_fmt(&a, buf, sizeof(buf)),
                        "[fe80::1%lo]:5060");
    assert_int_equal(net_addr_parse("[fe80::1%lo]:5060", 0, &a), 0);
    assert_int_equal(a.in6.sin6_scope_id, 1);
}

static void parse_bind(void **state)
{
    (void)state;
    struct net_addr a;
    bool dual = false;
    char buf[NET_ADDR_FMT_CAP];

    assert_int_equal(net_addr_parse_bind("*:5060", 0, &a, &dual), 0);
    assert_true(dual);
    assert_int_equal(net_addr_family(&a), AF_INET6);
    assert_true(net_addr_is_any(&a));
    assert_int_equal(net_addr_port(&a), 5060);

    dual = false;
    assert_int_equal(net_addr_parse_bind(":5061", 0, &a, &dual), 0);
    assert_true(dual);
    assert_int_equal(net_addr_port(&a), 5061);

    dual = false;
    assert_int_equal(net_addr_parse_bind("*", 5063, &a, &dual), 0);
    assert_true(dual);
    assert_int_equal(net_addr_port(&a), 5063);

    dual = true;
    assert_int_equal(net_addr_parse_bind("[::]:5060", 0, &a, &dual), 0);
    assert_false(dual);
    assert_true(net_addr_is_any(&a));

    dual = true;
    assert_int_equal(net_addr_parse_bind("0.0.0.0:5060", 0, &a, &dual), 0);
    assert_false(dual);
    assert_int_equal(net_addr_family(&a), AF_INET);
    assert_true(net_addr_is_any(&a));

    dual = true;
    assert_int_equal(net_addr_parse_bind("192.0.2.7:5060", 0, &a, &dual), 0);
    assert_false(dual);
    assert_false(net_addr_is_any(&a));
    assert_string_equal(net_addr_fmt(&a, buf, sizeof(buf)), "192.0.2.7:5060");

    assert_int_equal(net_addr_parse_bind("*", 0, &a, &dual), -EINVAL);
    assert_int_equal(net_addr_parse_bind("**:5060", 0, &a, &dual), -EINVAL);
    assert_int_equal(net_addr_parse_bind("*:x", 0, &a, &dual), -EINVAL);
}

static void fmt_ip_and_unset(void **state)
{
    (void)state;
    struct net_addr a;
    char buf[NET_ADDR_FMT_CAP];
    assert_int_equal(net_addr_parse("[2001:db8::1]:5060", 0, &a), 0);
    assert_string_equal(net_addr_ip_fmt(&a, buf, sizeof(buf)), "2001:db8::1");
    assert_int_equal(net_addr_parse("203.0.113.9:5060", 0, &a), 0);
    assert_string_equal(net_addr_ip_fmt(&a, buf, sizeof(buf)), "203.0.113.9");

    /* Every digit count of the dotted quad (own formatter, not inet_ntop). */
    static const char *const quads[] = { "0.0.0.0", "255.255.255.255",
                                         "10.0.100.9", "1.22.199.200" };
    for (size_t i = 0; i < sizeof(quads) / sizeof(quads[0]); i++) {
        assert_int_equal(net_addr_parse(quads[i], 5060, &a), 0);
        assert_string_equal(net_addr_ip_fmt(&a, buf, sizeof(buf)), quads[i]);
    }
    char tiny[4];
    assert_string_equal(net_addr_ip_fmt(&a, tiny, sizeof(tiny)), "1.2");
    assert_int_equal(net_addr_parse("203.0.113.9:5060", 0, &a), 0);

    /* Truncation is safe. */
    char small[8];
    net_addr_fmt(&a, small, sizeof(small));
    assert_string_equal(small, "203.0.1");

    struct net_addr unset;
    memset(&unset, 0, sizeof(unset));
    assert_string_equal(net_addr_fmt(&unset, buf, sizeof(buf)), "-");
    assert_int_equal(net_addr_family(&unset), AF_UNSPEC);
    assert_int_equal(net_addr_port(&unset), 0);

    /* Longest form fits the documented cap. */
    assert_int_equal(
        net_addr_parse("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535",
                       0, &a),
        0);
    net_addr_fmt(&a, buf, sizeof(buf));
    assert_true(strlen(buf) < NET_ADDR_FMT_CAP - 1);
}

static void normalize_mapped(void **state)
{
    (void)state;
    struct net_addr a;
    char buf[NET_ADDR_FMT_CAP];

    assert_int_equal(net_addr_parse("[::ffff:192.0.2.1]:5060", 0, &a), 0);
    net_addr_normalize(&a);
    assert_int_equal(net_addr_family(&a), AF_INET);
    assert_int_equal(a.len, sizeof(struct sockaddr_in));
    assert_string_equal(net_addr_fmt(&a, buf, sizeof(buf)), "192.0.2.1:5060");

    /* Not mapped: unchanged. */
    assert_int_equal(net_addr_parse("[::192.0.2.1]:5060", 0, &a), 0);
    net_addr_normalize(&a);
    assert_int_equal(net_addr_family(&a), AF_INET6);
    assert_int_equal(net_addr_parse("[2001:db8::1]:5060", 0, &a), 0);
    net_addr_normalize(&a);
    assert_string_equal(net_addr_fmt(&a, buf, sizeof(buf)),
                        "[2001:db8::1]:5060");
    assert_int_equal(net_addr_parse("198.51.100.1:1", 0, &a), 0);
    net_addr_normalize(&a);
    assert_string_equal(net_addr_fmt(&a, buf, sizeof(buf)), "198.51.100.1:1");

    /* And back. */
    net_addr_map_v6(&a);
    assert_int_equal(net_addr_family(&a), AF_INET6);
    assert_string_equal(net_addr_fmt(&a, buf, sizeof(buf)),
                        "[::ffff:198.51.100.1]:1");
    net_addr_map_v6(&a); /* already IPv6: unchanged */
    assert_string_equal(net_addr_fmt(&a, buf, sizeof(buf)),
                        "[::ffff:198.51.100.1]:1");
}

static void eq_ip(void **state)
{
    (void)state;
    struct net_addr a;
    struct net_addr b;
    assert_int_equal(net_addr_parse("192.0.2.1:5060", 0, &a), 0);
    assert_int_equal(net_addr_parse("[::ffff:192.0.2.1]:5070", 0, &b), 0);
    assert_true(net_addr_eq_ip(&a, &b));
    assert_false(net_addr_eq(&a, &b));
    net_addr_set_port(&b, 5060);
    assert_true(net_addr_eq(&a, &b));

    assert_int_equal(net_addr_parse("192.0.2.2:5060", 0, &b), 0);
    assert_false(net_addr_eq_ip(&a, &b));
    assert_int_equal(net_addr_parse("[2001:db8::1]:5060", 0, &a), 0);
    assert_int_equal(net_addr_parse("[2001:db8:0::1]:1", 0, &b), 0);
    assert_true(net_addr_eq_ip(&a, &b));
    assert_int_equal(net_addr_parse("[2001:db8::2]:5060", 0, &b), 0);
    assert_false(net_addr_eq_ip(&a, &b));
    assert_int_equal(net_addr_parse("192.0.2.1:5060", 0, &b), 0);
    assert_false(net_addr_eq_ip(&a, &b));
}

static void from_sa_and_key(void **state)
{
    (void)state;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(5060);
    inet_pton(AF_INET, "203.0.113.9", &sin.sin_addr);
    struct net_addr a;
    assert_int_equal(net_addr_from_sa(&a, (struct sockaddr *)&sin, sizeof(sin)),
                     0);
    assert_int_equal(net_addr_port(&a), 5060);
    assert_int_equal(net_addr_from_sa(&a, (struct sockaddr *)&sin, 4), -EINVAL);
    struct sockaddr unix_sa = { .sa_family = AF_UNIX };
    assert_int_equal(net_addr_from_sa(&a, &unix_sa, sizeof(unix_sa)),
                     -EAFNOSUPPORT);

    /* IPv4 and its mapped form share one 16-byte key. */
    uint8_t k1[16];
    uint8_t k2[16];
    struct net_addr m;
    assert_int_equal(net_addr_parse("203.0.113.9:1", 0, &a), 0);
    assert_int_equal(net_addr_parse("[::ffff:203.0.113.9]:2", 0, &m), 0);
    net_addr_ip16(&a, k1);
    net_addr_ip16(&m, k2);
    assert_memory_equal(k1, k2, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_table),      cmocka_unit_test(parse_scope),
        cmocka_unit_test(parse_bind),       cmocka_unit_test(fmt_ip_and_unset),
        cmocka_unit_test(normalize_mapped), cmocka_unit_test(eq_ip),
        cmocka_unit_test(from_sa_and_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
