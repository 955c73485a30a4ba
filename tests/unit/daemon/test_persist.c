/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registrations' write-behind: after every flush the store's rows of
 * an extension are exactly its live bindings, whether the flush wrote the
 * rows over in place (a phone registering again) or replaced them all (a
 * contact dropped, replaced or evicted).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../store/tmpdir.h"
#include "daemon/persist.h"
#include "reg/location.h"
#include "store/store.h"

#define NOW 1700000000

struct fixture {
    struct tmpdir dir;
    struct store *st;
    struct reg_loc loc;
    struct sw_persist p;
    int64_t tenant_id;
    int64_t user_id;
};

static int setup(void **state)
{
    static struct fixture f;
    char err[STORE_ERRMSG_CAP];
    memset(&f, 0, sizeof(f));
    assert_int_equal(tmpdir_make(&f.dir), 0);
    assert_int_equal(store_open(f.dir.path, &f.st, err, sizeof(err)), 0);
    assert_int_equal(store_tenant_add(f.st, "example.com", "", &f.tenant_id),
                     0);
    assert_int_equal(store_user_add(f.st, f.tenant_id, "1001", "", 0, "",
                                    "Vq7#mR2pLx9w", &f.user_id),
                     0);
    assert_int_equal(reg_loc_init(&f.loc), 0);
    sw_persist_init(&f.p, &f.loc, f.st);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    reg_loc_fini(&f->loc);
    store_close(f->st);
    tmpdir_rm(&f->dir);
    return 0;
}

/* One REGISTER of 1001 with one contact (expires_s 0 removes it). */
static void reg(struct fixture *f, const char *contact, const char *call_id,
                uint32_t cseq, uint32_t expires_s, uint16_t port,
                unsigned max_contacts, int64_t now)
{
    struct reg_update u;
    memset(&u, 0, sizeof(u));
    u.user_id = f->user_id;
    u.tenant_id = f->tenant_id;
    u.aor = SV_LIT("1001@example.com");
    u.call_id = sv_cstr(call_id);
    u.cseq = cseq;
    u.user_agent = SV_LIT("test-phone");
    u.src.family = AF_INET;
    u.src.port = port;
    u.src.ip[0] = 192;
    u.src.ip[1] = 0;
    u.src.ip[2] = 2;
    u.src.ip[3] = 7;
    u.max_contacts = max_contacts;
    u.now_s = now;
    struct reg_contact_req c = { sv_cstr(contact), expires_s };
    assert_int_equal(reg_loc_apply(&f->loc, &u, &c, 1, NULL, NULL), REG_LOC_OK);
}

struct rows {
    unsigned n;
    char contact[4][64];
    char call_id[4][64];
    char source[4][64];
};

static int row_cb(void *ud, const struct store_binding *b)
{
    struct rows *r = ud;
    if (r->n < 4) {
        snprintf(r->contact[r->n], 64, "%s", b->contact_uri);
        snprintf(r->call_id[r->n], 64, "%s", b->call_id);
        snprintf(r->source[r->n], 64, "%s", b->source);
    }
    r->n++;
    return 0;
}

static struct rows stored(struct fixture *f)
{
    struct rows r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(store_binding_load_all(f->st, NOW, row_cb, &r), 0);
    return r;
}

static void refresh_writes_in_place(void **state)
{
    struct fixture *f = *state;
    reg(f, "sip:1001@192.0.2.7:5060", "call-a", 1, 3600, 5060, 5, NOW);
    assert_int_equal(sw_persist_flush(&f->p, NOW), 0);
    struct rows r = stored(f);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.call_id[0], "call-a");
    /* the first write of an extension replaces whatever was stored */
    assert_int_equal(f->p.stats.n_full_rewrites, 1);

    /* Same contact, new Call-ID and source port: a new binding over the
     * same row, written in place. */
    reg(f, "sip:1001@192.0.2.7:5060", "call-b", 1, 3600, 5062, 5, NOW + 10);
    assert_int_equal(sw_persist_flush(&f->p, NOW + 10), 0);
    r = stored(f);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.call_id[0], "call-b");
    assert_string_equal(r.source[0], "udp:192.0.2.7:5062");
    assert_int_equal(f->p.stats.n_full_rewrites, 1);

    /* A second contact is added in place too. */
    reg(f, "sip:1001@192.0.2.8:5060", "call-c", 1, 3600, 5060, 5, NOW + 20);
    assert_int_equal(sw_persist_flush(&f->p, NOW + 20), 0);
    assert_int_equal(stored(f).n, 2);
    assert_int_equal(f->p.stats.n_full_rewrites, 1);
}

static void dropped_contacts_leave_the_store(void **state)
{
    struct fixture *f = *state;
    reg(f, "sip:1001@192.0.2.7:5060", "call-a", 1, 3600, 5060, 2, NOW);
    reg(f, "sip:1001@192.0.2.8:5060", "call-b", 1, 3600, 5060, 2, NOW + 1);
    assert_int_equal(sw_persist_flush(&f->p, NOW + 1), 0);
    assert_int_equal(stored(f).n, 2);

    /* Removed with Expires 0. */
    reg(f, "sip:1001@192.0.2.7:5060", "call-a", 2, 0, 5060, 2, NOW + 2);
    assert_int_equal(sw_persist_flush(&f->p, NOW + 2), 0);
    struct rows r = stored(f);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.contact[0], "sip:1001@192.0.2.8:5060");

    /* Evicted by a third contact beyond max_contacts (1 here). */
    reg(f, "sip:1001@192.0.2.9:5060", "call-c", 1, 3600, 5060, 1, NOW + 3);
    assert_int_equal(sw_persist_flush(&f->p, NOW + 3), 0);
    r = stored(f);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.contact[0], "sip:1001@192.0.2.9:5060");

    /* The extension's last binding removed: no row left. */
    reg(f, "sip:1001@192.0.2.9:5060", "call-c", 2, 0, 5060, 1, NOW + 4);
    assert_int_equal(sw_persist_flush(&f->p, NOW + 4), 0);
    assert_int_equal(stored(f).n, 0);
}

/* Flushes that race with removals: the mark survives until written. */
static void removal_between_flushes(void **state)
{
    struct fixture *f = *state;
    reg(f, "sip:1001@192.0.2.7:5060", "call-a", 1, 3600, 5060, 5, NOW);
    reg(f, "sip:1001@192.0.2.8:5060", "call-b", 1, 3600, 5060, 5, NOW);
    assert_int_equal(sw_persist_flush(&f->p, NOW), 0);
    reg(f, "sip:1001@192.0.2.7:5060", "call-a", 2, 0, 5060, 5, NOW + 1);
    reg(f, "sip:1001@192.0.2.8:5060", "call-b", 2, 3600, 5060, 5, NOW + 1);
    assert_int_equal(sw_persist_flush(&f->p, NOW + 1), 0);
    struct rows r = stored(f);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.contact[0], "sip:1001@192.0.2.8:5060");
    /* Nothing changed since: a flush writes nothing. */
    uint64_t written = f->p.stats.n_bindings_written;
    assert_int_equal(sw_persist_flush(&f->p, NOW + 2), 0);
    assert_int_equal(f->p.stats.n_bindings_written, written);
}

/* Sources as stored: formatted without printf, parsed back the same. */
static void source_format_round_trip(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "udp:0.0.0.0:0",
        "tcp:10.0.100.9:5060",
        "tls:255.255.255.255:65535",
        "udp:[2001:db8::1]:5062",
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        struct reg_src src;
        char out[80];
        assert_int_equal(sw_src_parse(forms[i], &src), 0);
        assert_int_equal(sw_src_format(&src, out, sizeof(out)), 0);
        assert_string_equal(out, forms[i]);
    }
    struct reg_src src;
    char small[12];
    assert_int_equal(sw_src_parse("udp:192.0.2.7:5062", &src), 0);
    assert_int_equal(sw_src_format(&src, small, sizeof(small)), -ENOSPC);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(refresh_writes_in_place),
        T(dropped_contacts_leave_the_store),
        T(removal_between_flushes),
        cmocka_unit_test(source_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
