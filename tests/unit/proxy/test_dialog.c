/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dialog table: add / touch / remove with tags in either order,
 * duplicates, field limits, the per-shard cap, idle expiry driven by the
 * caller's clock (refreshed by touch), and the end callback's view.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/dialog.h"

static struct proxy_call_info info(const char *cid, const char *a,
                                   const char *b)
{
    struct proxy_call_info i;
    memset(&i, 0, sizeof(i));
    i.call_id = sv_cstr(cid);
    i.caller_tag = sv_cstr(a);
    i.callee_tag = sv_cstr(b);
    i.domain = SV_LIT("example.com");
    i.caller = SV_LIT("100");
    i.callee = SV_LIT("200");
    i.tenant_id = 7;
    i.caller_user_id = 1;
    i.callee_user_id = 2;
    i.start_ms = 1000;
    i.answer_ms = 2000;
    return i;
}

struct ended {
    unsigned n;
    char last_call_id[64];
    char last_callee[16];
    int64_t tenant_id;
};

static void on_end(void *ud, const struct proxy_call_info *i)
{
    struct ended *e = ud;
    e->n++;
    snprintf(e->last_call_id, sizeof(e->last_call_id), "%.*s",
             SV_FMT(i->call_id));
    snprintf(e->last_callee, sizeof(e->last_callee), "%.*s", SV_FMT(i->callee));
    e->tenant_id = i->tenant_id;
}

static void add_find_remove(void **state)
{
    (void)state;
    struct proxy_dlg_table t;
    struct ended e = { 0 };
    assert_int_equal(proxy_dlg_table_init(&t, 0, 0), 0);
    struct proxy_call_info i = info("call-1", "ft", "tt");
    assert_int_equal(proxy_dlg_add(&t, &i, 10), 0);
    assert_int_equal(proxy_dlg_add(&t, &i, 11), -EEXIST);
    assert_int_equal(proxy_dlg_count(&t), 1);
    /* Both directions find it; other tags or Call-IDs do not. */
    assert_true(
        proxy_dlg_touch(&t, SV_LIT("call-1"), SV_LIT("ft"), SV_LIT("tt"), 20));
    assert_true(
        proxy_dlg_touch(&t, SV_LIT("call-1"), SV_LIT("tt"), SV_LIT("ft"), 20));
    assert_false(proxy_dlg_touch(&t, SV_LIT("call-1"), SV_LIT("ft"),
                                 SV_LIT("other"), 20));
    assert_false(
        proxy_dlg_touch(&t, SV_LIT("call-2"), SV_LIT("ft"), SV_LIT("tt"), 20));
    /* A second fork's dialog: same Call-ID, another To tag. */
    struct proxy_call_info j = info("call-1", "ft", "tt2");
    j.is_extra = true;
    assert_int_equal(proxy_dlg_add(&t, &j, 10), 0);
    assert_int_equal(proxy_dlg_count(&t), 2);
    assert_int_equal(proxy_dlg_remove(&t, SV_LIT("call-1"), SV_LIT("tt"),
                                      SV_LIT("ft"), on_end, &e),
                     0);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.last_call_id, "call-1");
    assert_string_equal(e.last_callee, "200");
    assert_int_equal(e.tenant_id, 7);
    assert_int_equal(proxy_dlg_remove(&t, SV_LIT("call-1"), SV_LIT("tt"),
                                      SV_LIT("ft"), on_end, &e),
                     -ENOENT);
    assert_int_equal(proxy_dlg_count(&t), 1);
    proxy_dlg_table_fini(&t);
}

static void refusals(void **state)
{
    (void)state;
    struct proxy_dlg_table t;
    char big[PROXY_DLG_MAX_FIELD + 2];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(proxy_dlg_table_init(&t, 0, 0), 0);
    struct proxy_call_info i = info("c", "", "tt");
    assert_int_equal(proxy_dlg_add(&t, &i, 0), -EINVAL);
    i = info(big, "a", "b");
    assert_int_equal(proxy_dlg_add(&t, &i, 0), -EINVAL);
    i = info("c", "a", "b");
    i.callee = sv_cstr(big);
    assert_int_equal(proxy_dlg_add(&t, &i, 0), -EINVAL);
    assert_int_equal(proxy_dlg_count(&t), 0);
    proxy_dlg_table_fini(&t);
}

static void bounded(void **state)
{
    (void)state;
    struct proxy_dlg_table t;
    char cid[32];
    /* One dialog per shard: the second in the same shard is refused. */
    assert_int_equal(proxy_dlg_table_init(&t, PROXY_DLG_SHARDS, 0), 0);
    unsigned ok = 0;
    unsigned full = 0;
    for (unsigned k = 0; k < 4 * PROXY_DLG_SHARDS; k++) {
        snprintf(cid, sizeof(cid), "call-%u", k);
        struct proxy_call_info i = info(cid, "a", "b");
        int rc = proxy_dlg_add(&t, &i, 0);
        if (rc == 0) {
            ok++;
        } else {
            assert_int_equal(rc, -ENOSPC);
            full++;
        }
    }
    assert_true(ok <= PROXY_DLG_SHARDS);
    assert_true(full >= 3 * PROXY_DLG_SHARDS);
    assert_int_equal(proxy_dlg_count(&t), ok);
    proxy_dlg_table_fini(&t);
}

static void idle_expiry(void **state)
{
    (void)state;
    struct proxy_dlg_table t;
    struct ended e = { 0 };
    assert_int_equal(proxy_dlg_table_init(&t, 0, 1000), 0);
    struct proxy_call_info a = info("a", "1", "2");
    struct proxy_call_info b = info("b", "1", "2");
    assert_int_equal(proxy_dlg_add(&t, &a, 0), 0);
    assert_int_equal(proxy_dlg_add(&t, &b, 500), 0);
    assert_int_equal(proxy_dlg_expire(&t, 999, on_end, &e), 0);
    /* A request keeps 'a' alive; 'b' is never seen again. */
    assert_true(
        proxy_dlg_touch(&t, SV_LIT("a"), SV_LIT("2"), SV_LIT("1"), 900));
    assert_int_equal(proxy_dlg_expire(&t, 1500, on_end, &e), 1);
    assert_string_equal(e.last_call_id, "b");
    assert_int_equal(proxy_dlg_count(&t), 1);
    assert_int_equal(proxy_dlg_expire(&t, 1899, on_end, &e), 0);
    assert_int_equal(proxy_dlg_expire(&t, 1900, NULL, NULL), 1);
    assert_int_equal(proxy_dlg_count(&t), 0);
    assert_int_equal(e.n, 1);
    proxy_dlg_table_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_find_remove),
        cmocka_unit_test(refusals),
        cmocka_unit_test(bounded),
        cmocka_unit_test(idle_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
