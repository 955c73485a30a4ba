/* SPDX-License-Identifier: Apache-2.0 */
/* The shield's CLI commands run offline on a temp data directory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_fx.h"

static void ip_commands(void **state)
{
    struct fx *fx = *state;
    /* The mask as a separate argument and quoted in one. */
    assert_int_equal(cli(fx, "ip", "block", "41.202.0.0", "255.255.0.0",
                         "--descr", "scanners", NULL),
                     0);
    has(fx->out, "added 41.202.0.0/16 to the block list");
    assert_int_equal(cli(fx, "ip", "allow", "10.0.0.0 255.0.0.0", NULL), 0);
    has(fx->out, "10.0.0.0/8 to the allow list");
    assert_int_equal(cli(fx, "ip", "list", NULL), 0);
    has(fx->out, "NET");
    has(fx->out, "41.202.0.0/16  block   scanners");
    assert_int_equal(cli(fx, "ip", "list", "--action", "allow", "--json", NULL),
                     0);
    has(fx->out, "\"10.0.0.0/8\"");
    assert_null(strstr(fx->out, "41.202"));
    assert_int_equal(cli(fx, "ip", "block", "10.0.0.0/8", NULL), 1);
    has(fx->err, "already on the allow list");
    assert_int_equal(cli(fx, "ip", "block", "127.0.0.1", NULL), 1);
    has(fx->err, "this server");
    setenv("SSH_CONNECTION", "198.51.100.7 50022 192.0.2.1 22", 1);
    assert_int_equal(cli(fx, "ip", "block", "198.51.100.0/24", NULL), 1);
    has(fx->err, "198.51.100.7, the address you are connected from");
    assert_int_equal(cli(fx, "ip", "rm", "41.202.0.0", "255.255.0.0", NULL), 0);
    has(fx->out, "removed 41.202.0.0/16 from the block list");
    assert_int_equal(cli(fx, "ip", "rm", NULL), 2);
    has(fx->err, "usage: sipwarden ip rm NET");
}

static void security_commands(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(cli(fx, "security", "set", "l1_pps", "900", NULL), 0);
    has(fx->out, "set l1_pps = 900");
    assert_int_equal(cli(fx, "security", "set", "l1_pps", "0", NULL), 1);
    has(fx->err, "1..64999");
    assert_int_equal(cli(fx, "security", "show", NULL), 0);
    has(fx->out, "KEY");
    has(fx->out, "l1_pps");
    has(fx->out, "900");
    has(fx->out, "geoip_db");
    assert_int_equal(cli(fx, "security", "show", "--json", NULL), 0);
    has(fx->out, "\"l1_pps\": 900");
}

static void ban_ua_geo_rate_commands(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(cli(fx, "ban", "list", NULL), 1); /* no database yet */
    assert_int_equal(cli(fx, "geo", "allow", "ng", NULL), 0);
    has(fx->out, "allowed country NG");
    assert_int_equal(cli(fx, "ban", "list", NULL), 0);
    has(fx->out, "no active bans");
    assert_int_equal(cli(fx, "ban", "why", "192.0.2.1", NULL), 1);
    has(fx->err, "not banned");
    assert_int_equal(cli(fx, "ban", "lift", "192.0.2.1", "--whitelist", NULL),
                     1);
    assert_int_equal(cli(fx, "ua", "add", "EvilDialer", NULL), 0);
    has(fx->out, "added User-Agent pattern EvilDialer");
    assert_int_equal(cli(fx, "ua", "list", NULL), 0);
    has(fx->out, "EvilDialer");
    has(fx->out, "PATTERN");
    assert_int_equal(cli(fx, "geo", "list", NULL), 0);
    has(fx->out, "NG");
    assert_int_equal(cli(fx, "rate", "add", "10.0.0.0", "255.0.0.0", "REGISTER",
                         "15", "60", "--burst", "4", NULL),
                     0);
    has(fx->out, "added rate rule 10.0.0.0/8 REGISTER 15 per 60 s, burst 4");
    assert_int_equal(
        cli(fx, "rate", "add", "10.0.0.0/8", "INVITE", "ten", "60", NULL), 1);
    has(fx->err, "rate must be a whole number");
    assert_int_equal(cli(fx, "rate", "list", NULL), 0);
    has(fx->out, "10.0.0.0/8  REGISTER  15    60      4");
    assert_int_equal(cli(fx, "rate", "rm", "10.0.0.0/8", "REGISTER", NULL), 0);
    has(fx->out, "removed rate rule 10.0.0.0/8 REGISTER");
    assert_int_equal(cli(fx, "rate", "list", NULL), 0);
    has(fx->out, "no rate rules");
    assert_int_equal(cli(fx, "geo", "rm", "NG", NULL), 0);
    assert_int_equal(cli(fx, "geo", "list", NULL), 0);
    has(fx->out, "every country is allowed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ip_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(security_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(ban_ua_geo_rate_commands, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
