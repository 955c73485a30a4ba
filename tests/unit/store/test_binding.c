/* SPDX-License-Identifier: Apache-2.0 */
/* Registration bindings: upsert, load, expiry, deletes, persistence. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"
#include "tmpdir.h"

enum { NOW = 1700000000 };

struct fx {
    struct tmpdir dir;
    struct store *st;
    int64_t tid;
    int64_t u100;
    int64_t u101;
    int64_t u_other;
    char err[512];
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    int64_t t2 = 0;
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    if (store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)) != 0
        || store_tenant_add(fx->st, "example.com", NULL, &fx->tid) != 0
        || store_tenant_add(fx->st, "other.example", NULL, &t2) != 0
        || store_user_add(fx->st, fx->tid, "100", NULL, STORE_ROLE_STANDARD,
                          NULL, "Bind-Pw-100", &fx->u100)
               != 0
        || store_user_add(fx->st, fx->tid, "101", NULL, STORE_ROLE_STANDARD,
                          NULL, "Bind-Pw-101", &fx->u101)
               != 0
        || store_user_add(fx->st, t2, "100", NULL, STORE_ROLE_STANDARD, NULL,
                          "Bind-Pw-o100", &fx->u_other)
               != 0) {
        store_close(fx->st);
        tmpdir_rm(&fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    store_close(fx->st);
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

static struct store_binding mk(int64_t user_id, const char *contact,
                               int64_t expires_at)
{
    return (struct store_binding){
        .user_id = user_id,
        .aor = "sip:100@example.com",
        .contact_uri = contact,
        .expires_at = expires_at,
        .call_id = "abc@host",
        .cseq = 1,
        .source = "udp:203.0.113.9:5060",
        .user_agent = "Yealink SIP-T46S",
        .q_milli = 1000,
    };
}

/* Render each walked binding as one line for easy comparison. */
struct sink {
    char out[2048];
    int n;
    int stop_after;
};

static int collect(void *ud, const struct store_binding *b)
{
    struct sink *s = ud;
    size_t len = strlen(s->out);
    snprintf(s->out + len, sizeof(s->out) - len, "%s@%s %s %lld %u %s|", b->ext,
             b->domain, b->contact_uri, (long long)b->expires_at, b->cseq,
             b->user_agent);
    s->n++;
    if (s->stop_after && s->n >= s->stop_after) {
        return 7;
    }
    return 0;
}

static void upsert_insert_and_update(void **state)
{
    struct fx *fx = *state;
    struct sink s = { 0 };
    int64_t id1 = 0;
    int64_t id2 = 0;

    struct store_binding b = mk(fx->u100, "sip:100@10.0.0.5:5060", NOW + 60);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, &id1), 0);
    assert_true(id1 > 0);
    b.expires_at = NOW + 3600;
    b.cseq = 2;
    b.user_agent = "Yealink SIP-T46S 66.86";
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW + 1, &id2), 0);
    assert_int_equal(id1, id2);

    assert_int_equal(store_binding_load_all(fx->st, NOW, collect, &s), 0);
    assert_string_equal(s.out, "100@example.com sip:100@10.0.0.5:5060 "
                               "1700003600 2 Yealink SIP-T46S 66.86|");
}

static int check_fields(void *ud, const struct store_binding *b)
{
    const struct fx *fx = ud;
    assert_int_equal(b->tenant_id, fx->tid);
    assert_int_equal(b->user_id, fx->u100);
    assert_string_equal(b->aor, "sip:100@example.com");
    assert_string_equal(b->call_id, "abc@host");
    assert_string_equal(b->source, "udp:203.0.113.9:5060");
    assert_string_equal(b->path, "<sip:edge.example;lr>");
    assert_string_equal(b->received, "sip:198.51.100.7:40000");
    assert_string_equal(b->instance, "<urn:uuid:0000>");
    assert_int_equal(b->reg_id, 1);
    assert_int_equal(b->q_milli, 500);
    assert_int_equal(b->updated_at, NOW);
    return 0;
}

static void all_fields_round_trip(void **state)
{
    struct fx *fx = *state;
    struct store_binding b = mk(fx->u100, "sip:100@10.0.0.5", NOW + 60);
    b.path = "<sip:edge.example;lr>";
    b.received = "sip:198.51.100.7:40000";
    b.instance = "<urn:uuid:0000>";
    b.reg_id = 1;
    b.q_milli = 500;
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);
    assert_int_equal(store_binding_load_all(fx->st, NOW, check_fields, fx), 0);
}

static void load_skips_expired_and_filters_domain(void **state)
{
    struct fx *fx = *state;
    struct store_binding b;

    b = mk(fx->u100, "sip:100@a", NOW + 10);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);
    b = mk(fx->u100, "sip:100@b", NOW); /* expires exactly now: gone */
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);
    b = mk(fx->u101, "sip:101@c", NOW + 20);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);
    b = mk(fx->u_other, "sip:100@d", NOW + 30);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);

    struct sink s = { 0 };
    assert_int_equal(store_binding_load_all(fx->st, NOW, collect, &s), 0);
    assert_int_equal(s.n, 3);
    assert_non_null(strstr(s.out, "sip:100@a"));
    assert_null(strstr(s.out, "sip:100@b"));
    /* Ordered by domain, then extension. */
    assert_true(strstr(s.out, "sip:100@a") < strstr(s.out, "sip:101@c"));
    assert_true(strstr(s.out, "sip:101@c") < strstr(s.out, "sip:100@d"));

    memset(&s, 0, sizeof(s));
    assert_int_equal(
        store_binding_list(fx->st, "OTHER.example", NOW, collect, &s), 0);
    assert_string_equal(s.out, "100@other.example sip:100@d 1700000030 1 "
                               "Yealink SIP-T46S|");
    memset(&s, 0, sizeof(s));
    assert_int_equal(
        store_binding_list(fx->st, "none.example", NOW, collect, &s), 0);
    assert_int_equal(s.n, 0);

    /* Later, more of them have expired. */
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_binding_load_all(fx->st, NOW + 20, collect, &s), 0);
    assert_int_equal(s.n, 1);

    /* A callback's non-zero return stops the walk and is returned. */
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    assert_int_equal(store_binding_load_all(fx->st, NOW, collect, &s), 7);
    assert_int_equal(s.n, 1);

    uint32_t n = 0;
    assert_int_equal(store_binding_purge_expired(fx->st, NOW + 10, &n), 0);
    assert_int_equal(n, 2);
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_binding_load_all(fx->st, 0, collect, &s), 0);
    assert_int_equal(s.n, 2);
}

static void deletes(void **state)
{
    struct fx *fx = *state;
    struct store_binding b;
    uint32_t n = 99;

    b = mk(fx->u100, "sip:100@a", NOW + 10);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);
    b = mk(fx->u100, "sip:100@b", NOW + 10);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);
    b = mk(fx->u101, "sip:101@c", NOW + 10);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);

    assert_int_equal(store_binding_delete(fx->st, fx->u100, "sip:100@a"), 0);
    assert_int_equal(store_binding_delete(fx->st, fx->u100, "sip:100@a"),
                     -ENOENT);
    /* Contact of another user: not touched. */
    assert_int_equal(store_binding_delete(fx->st, fx->u100, "sip:101@c"),
                     -ENOENT);
    assert_int_equal(store_binding_delete_user(fx->st, fx->u100, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_binding_delete_user(fx->st, fx->u100, &n), 0);
    assert_int_equal(n, 0);

    /* Removing the user removes its bindings. */
    assert_int_equal(store_user_rm(fx->st, fx->u101), 0);
    struct sink s = { 0 };
    assert_int_equal(store_binding_load_all(fx->st, 0, collect, &s), 0);
    assert_int_equal(s.n, 0);
}

static void upsert_errors(void **state)
{
    struct fx *fx = *state;
    struct store_binding b = mk(424242, "sip:x@y", NOW + 10);
    char big[3000];

    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), -ENOENT);
    b = mk(fx->u100, "", NOW + 10);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), -EINVAL);
    b = mk(fx->u100, NULL, NOW + 10);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), -EINVAL);
    b = mk(fx->u100, "sip:x@y", NOW + 10);
    b.aor = NULL;
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), -EINVAL);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    b = mk(fx->u100, big, NOW + 10);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), -EINVAL);
    b = mk(fx->u100, "sip:x@y", NOW + 10);
    b.q_milli = 1001;
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), -EINVAL);
    /* NULL optional fields are stored empty. */
    b = (struct store_binding){ .user_id = fx->u100,
                                .aor = "sip:100@example.com",
                                .contact_uri = "sip:100@z",
                                .expires_at = NOW + 5 };
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);
    struct sink s = { 0 };
    assert_int_equal(store_binding_load_all(fx->st, NOW, collect, &s), 0);
    assert_string_equal(s.out, "100@example.com sip:100@z 1700000005 0 |");
}

static void survive_reopen(void **state)
{
    struct fx *fx = *state;
    struct store_binding b = mk(fx->u100, "sip:100@persist", NOW + 100);

    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_binding_upsert(fx->st, &b, NOW, NULL), 0);
    assert_int_equal(store_commit(fx->st), 0);
    store_close(fx->st);
    fx->st = NULL;
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
    struct sink s = { 0 };
    assert_int_equal(store_binding_load_all(fx->st, NOW, collect, &s), 0);
    assert_int_equal(s.n, 1);
    assert_non_null(strstr(s.out, "sip:100@persist"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(upsert_insert_and_update, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(all_fields_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(load_skips_expired_and_filters_domain,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(upsert_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(survive_reopen, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
