/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reg/location.h"

struct seen {
    unsigned n;
    char contacts[8][64];
    int64_t expires[8];
};

static void collect(void *ud, const struct reg_binding_view *b)
{
    struct seen *s = ud;
    if (s->n < 8) {
        snprintf(s->contacts[s->n], 64, "%.*s", SV_FMT(b->contact));
        s->expires[s->n] = b->expires_at;
    }
    s->n++;
}

static struct reg_update upd(int64_t user, const char *call_id, uint32_t cseq,
                             int64_t now)
{
    struct reg_update u;
    memset(&u, 0, sizeof(u));
    u.user_id = user;
    u.tenant_id = 1;
    u.aor = sv_cstr("1001@example.com");
    u.call_id = sv_cstr(call_id);
    u.cseq = cseq;
    u.user_agent = SV_LIT("test-phone");
    u.max_contacts = 3;
    u.now_s = now;
    return u;
}

static int setup(void **state)
{
    struct reg_loc *loc = malloc(sizeof(*loc));
    assert_int_equal(reg_loc_init(loc), 0);
    *state = loc;
    return 0;
}

static int teardown(void **state)
{
    reg_loc_fini(*state);
    free(*state);
    return 0;
}

static void add_refresh_remove(void **state)
{
    struct reg_loc *loc = *state;
    struct reg_contact_req c = { SV_LIT("sip:1001@10.0.0.1:5060"), 3600 };
    struct reg_update u = upd(7, "abc", 1, 1000);
    struct seen s = { 0 };

    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, collect, &s), REG_LOC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.expires[0], 4600);
    /* refresh with a higher CSeq */
    u.cseq = 2;
    u.now_s = 2000;
    memset(&s, 0, sizeof(s));
    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, collect, &s), REG_LOC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.expires[0], 5600);
    /* same Call-ID, same CSeq: out of order, nothing changes */
    memset(&s, 0, sizeof(s));
    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, collect, &s),
                     REG_LOC_OUT_OF_ORDER);
    assert_int_equal(reg_loc_count(loc, 2000), 1);
    /* expires 0 removes */
    u.cseq = 3;
    c.expires_s = 0;
    memset(&s, 0, sizeof(s));
    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, collect, &s), REG_LOC_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(reg_loc_count(loc, 2000), 0);
}

static void star_removes_all_and_max_evicts_oldest(void **state)
{
    struct reg_loc *loc = *state;
    char uri[5][40];
    for (int i = 0; i < 5; i++) {
        snprintf(uri[i], sizeof(uri[i]), "sip:1001@10.0.0.%d", i + 1);
        struct reg_contact_req c = { sv_cstr(uri[i]), 600 };
        struct reg_update u = upd(9, uri[i], 1, 100 + i);
        assert_int_equal(reg_loc_apply(loc, &u, &c, 1, NULL, NULL), REG_LOC_OK);
    }
    struct seen s = { 0 };
    reg_loc_lookup(loc, 9, 105, collect, &s);
    assert_int_equal(s.n, 3); /* max_contacts = 3 */
    for (unsigned i = 0; i < s.n; i++) {
        assert_string_not_equal(s.contacts[i], "sip:1001@10.0.0.1");
        assert_string_not_equal(s.contacts[i], "sip:1001@10.0.0.2");
    }
    struct reg_update u = upd(9, "other", 1, 200);
    u.remove_all = true;
    assert_int_equal(reg_loc_apply(loc, &u, NULL, 0, NULL, NULL), REG_LOC_OK);
    assert_int_equal(reg_loc_count(loc, 200), 0);
}

static void expiry_purge_and_dirty(void **state)
{
    struct reg_loc *loc = *state;
    size_t n;
    free(reg_loc_dirty_take(loc, &n));
    for (int64_t user = 1; user <= 1000; user++) {
        struct reg_contact_req c = { SV_LIT("sip:x@192.0.2.1"),
                                     (uint32_t)(60 + user % 2) };
        struct reg_update u = upd(user, "cid", 1, 0);
        assert_int_equal(reg_loc_apply(loc, &u, &c, 1, NULL, NULL), REG_LOC_OK);
    }
    int64_t *d = reg_loc_dirty_take(loc, &n);
    assert_int_equal(n, 1000);
    free(d);
    assert_int_equal(reg_loc_count(loc, 60), 500);
    assert_int_equal(reg_loc_purge(loc, 61), 1000);
    assert_int_equal(reg_loc_count(loc, 0), 0);
}

static size_t dirty_count(struct reg_loc *loc)
{
    size_t n;
    free(reg_loc_dirty_take(loc, &n));
    return n;
}

/* A phone's steady refreshes do not rewrite the store until the expiry it
 * holds would end before half of the new registration time; any other
 * change does. */
static void refresh_writes_only_when_needed(void **state)
{
    struct reg_loc *loc = *state;
    struct reg_contact_req c = { SV_LIT("sip:1001@10.0.0.1:5060"), 3600 };
    struct reg_update u = upd(7, "abc", 1, 1000);
    struct seen s = { 0 };

    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, NULL, NULL), REG_LOC_OK);
    assert_int_equal(dirty_count(loc), 1); /* new: stored expiry 4600 */
    u.cseq = 2;
    u.now_s = 1100; /* stored 3500 s ahead, new 3600: no write */
    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, collect, &s), REG_LOC_OK);
    assert_int_equal(s.expires[0], 4700); /* memory has the new expiry */
    assert_int_equal(dirty_count(loc), 0);
    u.cseq = 3;
    u.now_s = 2799; /* stored 1801 s ahead: still more than half */
    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, NULL, NULL), REG_LOC_OK);
    assert_int_equal(dirty_count(loc), 0);
    u.cseq = 4;
    u.now_s = 2801; /* stored 1799 s ahead: written */
    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, NULL, NULL), REG_LOC_OK);
    assert_int_equal(dirty_count(loc), 1);
    u.cseq = 5;
    u.now_s = 2900;
    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, NULL, NULL), REG_LOC_OK);
    assert_int_equal(dirty_count(loc), 0);
    /* A new source port (NAT rebinding) is written at once. */
    u.cseq = 6;
    u.src.port = 4000;
    assert_int_equal(reg_loc_apply(loc, &u, &c, 1, NULL, NULL), REG_LOC_OK);
    assert_int_equal(dirty_count(loc), 1);
    /* So is a new Call-ID, and a removal. */
    struct reg_update u2 = upd(7, "new-call-id", 1, 3000);
    u2.src.port = 4000;
    assert_int_equal(reg_loc_apply(loc, &u2, &c, 1, NULL, NULL), REG_LOC_OK);
    assert_int_equal(dirty_count(loc), 1);
    c.expires_s = 0;
    u2.cseq = 2;
    assert_int_equal(reg_loc_apply(loc, &u2, &c, 1, NULL, NULL), REG_LOC_OK);
    assert_int_equal(dirty_count(loc), 1);
    assert_int_equal(reg_loc_count(loc, 3000), 0);
}

static void restore_keeps_expiry(void **state)
{
    struct reg_loc *loc = *state;
    struct reg_binding_view v;
    memset(&v, 0, sizeof(v));
    v.user_id = 42;
    v.tenant_id = 3;
    v.aor = SV_LIT("42@t.example");
    v.contact = SV_LIT("sip:42@198.51.100.7:5062");
    v.call_id = SV_LIT("c");
    v.expires_at = 12345;
    assert_int_equal(reg_loc_restore(loc, &v), 0);
    struct seen s = { 0 };
    reg_loc_foreach(loc, 3, 100, collect, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.expires[0], 12345);
    memset(&s, 0, sizeof(s));
    reg_loc_foreach(loc, 4, 100, collect, &s);
    assert_int_equal(s.n, 0);
    reg_loc_remove_user(loc, 42);
    assert_int_equal(reg_loc_count(loc, 100), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(add_refresh_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(star_removes_all_and_max_evicts_oldest,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(expiry_purge_and_dirty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(restore_keeps_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(refresh_writes_only_when_needed, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
