/* SPDX-License-Identifier: Apache-2.0 */
/* `sipwarden events list` offline: the table, the filters, the JSON
 * answer and the usage errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_fx.h"

#include "store/events.h"
#include "store/store.h"

static void seed(struct fx *fx)
{
    struct store *st = NULL;
    char err[256];
    assert_int_equal(store_open(fx->data_dir, &st, err, sizeof(err)), 0);
    static const char *const kinds[] = { "ban", "ua_match", "login_failure" };
    for (int i = 0; i < 3; i++) {
        struct store_event e;
        memset(&e, 0, sizeof(e));
        e.at = 1700000000 + i;
        snprintf(e.kind, sizeof(e.kind), "%s", kinds[i]);
        snprintf(e.address, sizeof(e.address), "203.0.113.%d", i + 1);
        snprintf(e.country, sizeof(e.country), "%s", i == 0 ? "FR" : "");
        snprintf(e.detail, sizeof(e.detail), "n=%d", i);
        assert_int_equal(store_event_add(st, &e, NULL), 0);
    }
    store_close(st);
}

static void events_list(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(cli(fx, "events", "list", NULL), 1);
    has(fx->err, "no database");
    seed(fx);
    assert_int_equal(cli(fx, "events", "list", "--since", "1800000000", NULL),
                     0);
    has(fx->out, "no security events");
    assert_int_equal(cli(fx, "events", "list", NULL), 0);
    has(fx->out, "TIME");
    has(fx->out, "2023-11-14 22:13:20  ban            203.0.113.1  FR");
    has(fx->out, "login_failure");
    has(fx->out, "3 of 3 events (offset 0)");
    assert_int_equal(cli(fx, "events", "list", "--kind", "ua_match", NULL), 0);
    has(fx->out, "203.0.113.2");
    assert_null(strstr(fx->out, "203.0.113.1"));
    assert_int_equal(
        cli(fx, "events", "list", "--address", "203.0.113.3", "--json", NULL),
        0);
    has(fx->out, "\"kind\": \"login_failure\"");
    has(fx->out, "\"total\": 1");
    assert_int_equal(cli(fx, "events", "list", "--limit", "1", NULL), 0);
    has(fx->out, "1 of 3 events");
    assert_int_equal(cli(fx, "events", "list", "--kind", "nope", NULL), 1);
    has(fx->err, "kind must be an event type");
    assert_int_equal(cli(fx, "events", "list", "extra", NULL), 2);
    has(fx->err, "usage: sipwarden events list");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(events_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
