/* SPDX-License-Identifier: Apache-2.0 */
/* Fixture of the admin tests: a store in a temporary directory, a fake
 * clock, a context with the cheapest Argon2id cost (hashes stay valid:
 * verification reads the cost from the hash), one tenant and SIP user,
 * and helpers for addresses and accounts. Header-only, like tmpdir.h. */
#ifndef SW_TESTS_UNIT_ADMIN_FX_H
#define SW_TESTS_UNIT_ADMIN_FX_H

#include <errno.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../store/tmpdir.h"
#include "admin/admin.h"
#include "admin/password.h"
#include "admin/session.h"
#include "base/sv.h"
#include "fake_clock.h"
#include "net/addr.h"
#include "sec/acl.h"
#include "store/admin.h"
#include "store/store.h"

#define FX_T0 1700000000 /* wall clock at start, unix s */

struct admin_fx {
    struct tmpdir dir;
    struct store *st;
    struct sw_clock clk;
    struct admin_ctx ctx;
    int64_t tid; /* tenant example.com */
    int64_t uid; /* SIP user 100@example.com */
    char err[512];
};

static inline void fx_cheap(struct admin_config *cfg)
{
    cfg->pw_opslimit = crypto_pwhash_OPSLIMIT_MIN;
    cfg->pw_memlimit = crypto_pwhash_MEMLIMIT_MIN;
}

static inline int fx_setup(void **state)
{
    struct admin_fx *fx = calloc(1, sizeof(*fx));
    struct admin_config cfg;
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    if (store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)) != 0) {
        tmpdir_rm(&fx->dir);
        free(fx);
        return -1;
    }
    fake_clock_init(&fx->clk, 1000000, FX_T0);
    admin_config_defaults(&cfg);
    fx_cheap(&cfg);
    if (admin_ctx_init(&fx->ctx, fx->st, &cfg, &fx->clk) != 0
        || store_tenant_add(fx->st, "example.com", "Example", &fx->tid) != 0
        || store_user_add(fx->st, fx->tid, "100", "Alice Smith",
                          STORE_ROLE_STANDARD, "alice@example.com",
                          "Secret-12345", &fx->uid)
               != 0) {
        store_close(fx->st);
        tmpdir_rm(&fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static inline int fx_teardown(void **state)
{
    struct admin_fx *fx = *state;
    admin_ctx_fini(&fx->ctx);
    store_close(fx->st);
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

/* Advance the fake clock by whole seconds. */
static inline void fx_advance(struct admin_fx *fx, uint32_t s)
{
    fake_clock_advance_ms(&fx->clk, (uint64_t)s * 1000u);
}

static inline struct net_addr fx_addr(const char *ip)
{
    struct net_addr a;
    assert_int_equal(net_addr_parse(ip, 443, &a), 0);
    return a;
}

/* Add an account with password 'pw' (hashed at the context's cost). */
static inline int64_t fx_account(struct admin_fx *fx, const char *user,
                                 enum store_admin_role role, const char *pw,
                                 bool must_change)
{
    char hash[ADMIN_PW_HASH_CAP];
    int64_t id = 0;
    assert_int_equal(admin_password_hash(&fx->ctx.cfg, pw, hash), 0);
    struct store_admin_new a = {
        .username = user,
        .role = role,
        .tenant_id = role == STORE_ADMIN_SYSTEM ? 0 : fx->tid,
        .user_id = role == STORE_ADMIN_USER ? fx->uid : 0,
        .pw_hash = hash,
        .must_change = must_change,
    };
    assert_int_equal(store_admin_add(fx->st, &a, FX_T0, &id), 0);
    return id;
}

/* Count audit entries with 'action' and 'result' (NULL: any). */
static inline uint64_t fx_audit_count(struct admin_fx *fx, const char *action,
                                      const char *result)
{
    uint64_t n = 0;
    struct store_audit_filter f = { .action_prefix = action, .result = result };
    assert_int_equal(store_audit_count(fx->st, &f, &n), 0);
    return n;
}

/* Set the administrator allow list to 'nets' (NULL-terminated). */
static inline void fx_allow_nets(struct admin_fx *fx, const char *const *nets)
{
    struct admin_config cfg = fx->ctx.cfg;
    cfg.n_allowed_nets = 0;
    for (; *nets; nets++) {
        assert_int_equal(sec_net_parse(sv_cstr(*nets), 0,
                                       &cfg.allowed_nets[cfg.n_allowed_nets],
                                       NULL, NULL, 0),
                         0);
        cfg.n_allowed_nets++;
    }
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
}

/* An export sink into a fixed buffer (always NUL-terminated). */
struct fx_buf {
    char b[65536];
    size_t n;
};

static inline int fx_sink(void *ud, const char *data, size_t len)
{
    struct fx_buf *o = ud;
    if (o->n + len >= sizeof(o->b)) {
        return -ENOSPC;
    }
    memcpy(o->b + o->n, data, len);
    o->n += len;
    o->b[o->n] = '\0';
    return 0;
}

#endif
