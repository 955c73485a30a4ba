/* SPDX-License-Identifier: Apache-2.0 */
/* The calls CLI commands run offline on a temp data directory. */
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

static void base(struct fx *fx)
{
    assert_int_equal(cli(fx, "tenant", "add", "example.com", NULL), 0);
    assert_int_equal(cli(fx, "user", "add", "100@example.com", "--sip-password",
                         "Xy7-kLm9-Qr2", NULL),
                     0);
}

static void group_and_profile_commands(void **state)
{
    struct fx *fx = *state;
    base(fx);
    assert_int_equal(cli(fx, "group", "add", "example.com", "sales", NULL), 0);
    has(fx->out, "added group sales");
    assert_int_equal(
        cli(fx, "group", "member", "add", "example.com", "sales", "100", NULL),
        0);
    has(fx->out, "members now: 100");
    assert_int_equal(cli(fx, "group", "list", "example.com", NULL), 0);
    has(fx->out, "NAME   MEMBERS");
    has(fx->out, "sales  100");
    assert_int_equal(cli(fx, "group", "member", "rm", "example.com", "sales",
                         "100", "--json", NULL),
                     0);
    has(fx->out, "\"members\": []");
    assert_int_equal(cli(fx, "group", "member", NULL), 2);
    has(fx->err, "usage: sipwarden group member add DOMAIN GROUP EXT");
    assert_int_equal(cli(fx, "tenant", "profile", "set", "example.com",
                         "--country-code", "33", "--time-zone", "Europe/Paris",
                         NULL),
                     0);
    has(fx->out, "profile saved, time zone Europe/Paris");
    assert_int_equal(cli(fx, "tenant", "profile", "show", "example.com", NULL),
                     0);
    has(fx->out, "international_prefix  00");
    assert_int_equal(cli(fx, "tenant", "profile", "set", "example.com",
                         "--time-zone", "Nowhere/City", NULL),
                     1);
    has(fx->err, "not a time zone");
    /* The old tenant commands still work next to the new ones. */
    assert_int_equal(cli(fx, "tenant", "list", NULL), 0);
    has(fx->out, "example.com");
}

static void list_and_hours_commands(void **state)
{
    struct fx *fx = *state;
    base(fx);
    assert_int_equal(
        cli(fx, "country", "allow", "example.com", "44", "--descr", "UK", NULL),
        0);
    has(fx->out, "allowed country code 44");
    assert_int_equal(cli(fx, "country", "list", "example.com", NULL), 0);
    has(fx->out, "44            UK");
    assert_int_equal(cli(fx, "prefix", "block", "example.com", "4490", NULL),
                     0);
    assert_int_equal(cli(fx, "prefix", "list", "example.com", NULL), 0);
    has(fx->out, "4490");
    assert_int_equal(cli(fx, "emergency", "add", "example.com", "112", NULL),
                     0);
    assert_int_equal(cli(fx, "emergency", "rm", "example.com", "112", NULL), 0);
    has(fx->out, "removed emergency number 112");
    assert_int_equal(cli(fx, "emergency", "list", "example.com", NULL), 0);
    has(fx->out, "no emergency numbers");
    assert_int_equal(
        cli(fx, "holiday", "add", "example.com", "2024-12-25", NULL), 0);
    assert_int_equal(cli(fx, "hours", "set", "example.com", "mon",
                         "08:00-12:00", "13:00-17:00", NULL),
                     0);
    has(fx->out, "mon  13:00  17:00");
    assert_int_equal(cli(fx, "hours", "list", "example.com", NULL), 0);
    has(fx->out, "DAY  START  END");
    assert_int_equal(cli(fx, "hours", "rm", "example.com", "mon", NULL), 0);
    has(fx->out, "closed mon");
    assert_int_equal(cli(fx, "country", "allow", "example.com", "UK", NULL), 1);
    has(fx->err, "1..3 digits");
}

static void trunk_and_rule_commands(void **state)
{
    struct fx *fx = *state;
    base(fx);
    FILE *in = fmemopen((void *)(uintptr_t) "Piped-Secret-77\n", 16, "r");
    assert_non_null(in);
    char *argv[] = { "trunk",           "add",        "p1",
                     "--kind",          "register",   "--host",
                     "sip.example.net", "--username", "acct",
                     "--password",      "-",          NULL };
    free(fx->out);
    free(fx->err);
    FILE *out = open_memstream(&fx->out, &fx->out_len);
    FILE *err = open_memstream(&fx->err, &fx->err_len);
    struct cli_env env = {
        .data_dir = fx->data_dir, .out = out, .err = err, .in = in
    };
    assert_int_equal(cli_main(11, argv, &env), 0);
    fclose(out);
    fclose(err);
    fclose(in);
    has(fx->out, "added trunk p1");
    assert_int_equal(cli(fx, "trunk", "add", "ipt", "--kind", "ip",
                         "--networks", "192.0.2.0/24,198.51.100.0/24", NULL),
                     0);
    assert_int_equal(cli(fx, "trunk", "list", NULL), 0);
    has(fx->out, "p1    register");
    has(fx->out, "yes");
    has(fx->out, "192.0.2.0/24,198.51.100.0/24");
    assert_null(strstr(fx->out, "Piped-Secret"));
    assert_int_equal(cli(fx, "trunk", "list", "--json", NULL), 0);
    assert_null(strstr(fx->out, "Piped-Secret"));
    has(fx->out, "\"has_password\": true");
    assert_int_equal(cli(fx, "trunk", "set", "p1", "--max-calls", "20", NULL),
                     0);
    has(fx->out, "updated trunk p1");
    assert_int_equal(
        cli(fx, "trunk", "limit", "set", "p1", "example.com", "4", NULL), 0);
    assert_int_equal(cli(fx, "trunk", "add", "bad", "--kind", "ip", NULL), 1);
    has(fx->err, "networks");

    assert_int_equal(cli(fx, "inbound", "add", "example.com", "+33123456789",
                         "100", "--trunk", "ipt", NULL),
                     0);
    has(fx->out, "added inbound rule 1");
    assert_int_equal(cli(fx, "inbound", "list", "example.com", NULL), 0);
    has(fx->out, "+33123456789");
    assert_int_equal(cli(fx, "inbound", "rm", "example.com", "1", NULL), 0);

    assert_int_equal(cli(fx, "outbound", "add", "example.com", "intl",
                         "--prefix", "00", "--roles", "international,admin",
                         "--trunks", "p1,ipt", "--office-hours", "--strip", "2",
                         "--prepend", "+", NULL),
                     0);
    has(fx->out, "added outbound rule intl");
    assert_int_equal(cli(fx, "outbound", "add", "example.com", "natl",
                         "--prefix", "0", "--trunks", "ipt", "--position", "1",
                         NULL),
                     0);
    assert_int_equal(
        cli(fx, "outbound", "move", "example.com", "intl", "1", NULL), 0);
    has(fx->out, "outbound rule now at position 1");
    assert_int_equal(cli(fx, "outbound", "list", "example.com", NULL), 0);
    has(fx->out, "1    intl");
    has(fx->out, "international,admin");
    has(fx->out, "p1,ipt");
    assert_int_equal(cli(fx, "trunk", "rm", "p1", NULL), 1);
    has(fx->err, "used by outbound rule intl");
    assert_int_equal(cli(fx, "outbound", "rm", "example.com", "intl", NULL), 0);
    assert_int_equal(cli(fx, "trunk", "rm", "p1", NULL), 0);
    has(fx->out, "removed trunk p1");
    assert_int_equal(
        cli(fx, "outbound", "add", "example.com", "x", "--bogus", NULL), 2);
    has(fx->err, "unknown option '--bogus'");
}

static void limit_fraud_cdr_commands(void **state)
{
    struct fx *fx = *state;
    base(fx);
    assert_int_equal(cli(fx, "limit", "set", "example.com", "--calls", "5",
                         "--period", "1", NULL),
                     0);
    assert_int_equal(cli(fx, "limit", "set", "example.com", "--ext", "100",
                         "--max-concurrent", "2", "--window", "18:00-08:00",
                         NULL),
                     0);
    assert_int_equal(cli(fx, "limit", "list", "example.com", NULL), 0);
    has(fx->out, "tenant");
    has(fx->out, "18:00-08:00");
    assert_int_equal(cli(fx, "limit", "set", "example.com", "--calls", "x",
                         "--period", "1", NULL),
                     1);
    has(fx->err, "calls must be a whole number");
    assert_int_equal(cli(fx, "fraud", "set", "example.com", "international",
                         "3600", "5", "10", "--ext", "100", NULL),
                     0);
    assert_int_equal(cli(fx, "fraud", "list", "example.com", NULL), 0);
    has(fx->out, "100  international  3600");
    assert_int_equal(cli(fx, "suspend", "list", NULL), 0);
    has(fx->out, "no suspended extensions");
    assert_int_equal(cli(fx, "suspend", "lift", "100@example.com", NULL), 1);
    has(fx->err, "not suspended");
    assert_int_equal(cli(fx, "cdr", "list", "example.com", NULL), 0);
    has(fx->out, "no call records");
    assert_int_equal(cli(fx, "cdr", "list", "--result", "won", NULL), 1);
    has(fx->err, "result must be");
    assert_int_equal(cli(fx, "cdr", "list", "--limit", "10", "--offset", "5",
                         "--json", NULL),
                     0);
    has(fx->out, "\"offset\": 5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(group_and_profile_commands, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(list_and_hours_commands, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(trunk_and_rule_commands, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(limit_fraud_cdr_commands, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
