/* SPDX-License-Identifier: Apache-2.0 */
/* Own addresses: the interface list and the "would block myself" check. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "base/sv.h"
#include "sec/own.h"

static struct sec_net net(const char *text)
{
    struct sec_net n;
    assert_int_equal(sec_net_parse(sv_cstr(text), 0, &n, NULL, NULL, 0), 0);
    return n;
}

static void conflict_with_explicit_list(void **state)
{
    (void)state;
    struct sec_net own[] = { net("192.0.2.10"), net("2001:db8::5") };
    char msg[SEC_OWN_MSG_CAP];
    struct sec_net n = net("192.0.2.0/24");
    assert_true(sec_own_conflict(&n, own, 2, NULL, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "192.0.2.0/24 covers 192.0.2.10"));
    assert_non_null(strstr(msg, "this server"));
    n = net("41.202.0.0 255.255.0.0");
    assert_false(sec_own_conflict(&n, own, 2, NULL, msg, sizeof(msg)));
    n = net("2001:db8::/64");
    assert_true(sec_own_conflict(&n, own, 2, "", msg, sizeof(msg)));
    assert_non_null(strstr(msg, "2001:db8::5"));
    n = net("0.0.0.0/0");
    assert_true(sec_own_conflict(&n, own, 2, NULL, NULL, 0));
    n = net("192.0.2.11");
    assert_false(sec_own_conflict(&n, own, 2, NULL, msg, sizeof(msg)));
    assert_false(sec_own_conflict(&n, NULL, 0, NULL, msg, sizeof(msg)));
}

static void conflict_with_client(void **state)
{
    (void)state;
    char msg[SEC_OWN_MSG_CAP];
    struct sec_net n = net("198.51.100.0 255.255.255.0");
    assert_true(
        sec_own_conflict(&n, NULL, 0, "198.51.100.7", msg, sizeof(msg)));
    assert_non_null(strstr(msg, "198.51.100.7"));
    assert_non_null(strstr(msg, "connected from"));
    /* Mapped client addresses count as IPv4. */
    assert_true(
        sec_own_conflict(&n, NULL, 0, "::ffff:198.51.100.8", msg, sizeof(msg)));
    assert_false(
        sec_own_conflict(&n, NULL, 0, "198.51.101.7", msg, sizeof(msg)));
    assert_false(sec_own_conflict(&n, NULL, 0, "garbage", msg, sizeof(msg)));
    /* The client is reported first. */
    struct sec_net own[] = { net("198.51.100.1") };
    assert_true(sec_own_conflict(&n, own, 1, "198.51.100.7", msg, sizeof(msg)));
    assert_non_null(strstr(msg, "connected from"));
}

static void load_reads_interfaces(void **state)
{
    (void)state;
    struct sec_own own = { 0 };
    int rc = sec_own_load(&own);
    if (rc != 0) {
        skip();
    }
    for (size_t i = 0; i < own.n; i++) {
        assert_true(sec_net_is_valid(&own.nets[i]));
        assert_int_equal(own.nets[i].prefix,
                         own.nets[i].family == AF_INET ? 32 : 128);
        for (size_t k = 0; k < i; k++) {
            assert_false(sec_net_eq(&own.nets[i], &own.nets[k]));
        }
    }
    sec_own_fini(&own);
    assert_null(own.nets);
    assert_int_equal(own.n, 0);
    sec_own_fini(&own);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conflict_with_explicit_list),
        cmocka_unit_test(conflict_with_client),
        cmocka_unit_test(load_reads_interfaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
