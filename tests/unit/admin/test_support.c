/* SPDX-License-Identifier: Apache-2.0 */
/* Support links: a link works until it expires or is revoked, its
 * sessions end with it, every use is audited, limits are enforced. */
#include "admin_fx.h"

#include "admin/audit.h"
#include "admin/login.h"
#include "admin/support.h"

struct sfx {
    int64_t root;
    struct admin_actor who;
};

static int64_t root_of(struct admin_fx *fx, struct admin_actor *who)
{
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Right-Pass-91", false);
    who->name = "root";
    who->admin_id = id;
    who->tenant_id = 0;
    who->client_ip = "10.0.0.1";
    return id;
}

static void works_until_expiry(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_actor who;
    char token[ADMIN_TOKEN_CAP];
    int64_t id = 0;
    int64_t exp = 0;
    struct admin_support_res res;
    struct admin_principal p;
    struct net_addr a = fx_addr("198.51.100.20");
    root_of(fx, &who);
    struct admin_support_req r = { .tenant_id = fx->tid,
                                   .role = STORE_ADMIN_TENANT,
                                   .ttl_s = 3600,
                                   .note = "ticket 42" };
    assert_int_equal(admin_support_create(&fx->ctx, &who, &r, token, &id, &exp),
                     0);
    assert_int_equal(exp, FX_T0 + 3600);
    assert_true(admin_token_ok(token));
    /* Use it: a tenant admin session for that tenant. */
    fx_advance(fx, 3000);
    assert_int_equal(admin_support_use(&fx->ctx, token, &a, "UA", &res), 0);
    assert_int_equal(res.link_id, id);
    assert_int_equal(
        admin_session_lookup(&fx->ctx, res.session.token, true, &p), 0);
    assert_int_equal(p.support_id, id);
    assert_int_equal(p.admin_id, 0);
    assert_int_equal(p.role, STORE_ADMIN_TENANT);
    assert_int_equal(p.tenant_id, fx->tid);
    char want[32];
    snprintf(want, sizeof(want), "support:%lld", (long long)id);
    assert_string_equal(p.name, want);
    /* The session cannot outlive the link. */
    assert_int_equal(res.session.expires_at, FX_T0 + 3600);
    fx_advance(fx, 600);
    assert_int_equal(
        admin_session_lookup(&fx->ctx, res.session.token, true, &p), -ENOENT);
    /* Expired. */
    assert_int_equal(admin_support_use(&fx->ctx, token, &a, "UA", &res),
                     -ETIMEDOUT);
    assert_string_equal(res.session.token, "");
    /* Audited: creation, the use and the refused use. */
    assert_int_equal(fx_audit_count(fx, "support.create", "ok"), 1);
    assert_int_equal(fx_audit_count(fx, "support.use", "ok"), 1);
    assert_int_equal(fx_audit_count(fx, "support.use", "expired"), 1);
    struct store_audit_filter f = { .actor = want, .result = "ok" };
    uint64_t n = 0;
    assert_int_equal(store_audit_count(fx->st, &f, &n), 0);
    assert_int_equal(n, 1);
    /* The token is never in the audit log. */
    static struct fx_buf out;
    out.n = 0;
    assert_int_equal(
        admin_audit_export(&fx->ctx, NULL, ADMIN_AUDIT_JSONL, fx_sink, &out),
        0);
    assert_null(strstr(out.b, token));
    assert_non_null(strstr(out.b, "\"action\":\"support.use\""));
}

static void revoked_link_and_its_sessions(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_actor who;
    char token[ADMIN_TOKEN_CAP];
    int64_t id = 0;
    struct admin_support_res res;
    struct admin_principal p;
    struct net_addr a = fx_addr("198.51.100.20");
    root_of(fx, &who);
    struct admin_support_req r = { .tenant_id = fx->tid,
                                   .role = STORE_ADMIN_USER,
                                   .user_id = fx->uid,
                                   .ttl_s = 72 * 3600 };
    assert_int_equal(admin_support_create(&fx->ctx, &who, &r, token, &id, NULL),
                     0);
    assert_int_equal(admin_support_use(&fx->ctx, token, &a, NULL, &res), 0);
    assert_int_equal(
        admin_session_lookup(&fx->ctx, res.session.token, true, &p), 0);
    assert_int_equal(p.role, STORE_ADMIN_USER);
    assert_int_equal(p.user_id, fx->uid);
    assert_int_equal(admin_support_revoke(&fx->ctx, &who, id), 0);
    assert_int_equal(
        admin_session_lookup(&fx->ctx, res.session.token, true, &p), -ENOENT);
    assert_int_equal(admin_support_use(&fx->ctx, token, &a, NULL, &res),
                     -EKEYREVOKED);
    assert_int_equal(admin_support_revoke(&fx->ctx, &who, 999), -ENOENT);
    assert_int_equal(fx_audit_count(fx, "support.revoke", "ok"), 1);
    assert_int_equal(fx_audit_count(fx, "support.use", "revoked"), 1);
}

static void limits_and_bad_tokens(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_actor who;
    char token[ADMIN_TOKEN_CAP];
    struct admin_support_res res;
    struct net_addr a = fx_addr("198.51.100.30");
    root_of(fx, &who);
    struct admin_support_req r = { .tenant_id = fx->tid,
                                   .role = STORE_ADMIN_TENANT,
                                   .ttl_s = 72 * 3600 + 1 };
    assert_int_equal(
        admin_support_create(&fx->ctx, &who, &r, token, NULL, NULL), -EINVAL);
    r.ttl_s = 0;
    assert_int_equal(
        admin_support_create(&fx->ctx, &who, &r, token, NULL, NULL), -EINVAL);
    r.ttl_s = 60;
    r.role = STORE_ADMIN_SYSTEM;
    assert_int_equal(
        admin_support_create(&fx->ctx, &who, &r, token, NULL, NULL), -EINVAL);
    r.role = STORE_ADMIN_TENANT;
    r.tenant_id = 999;
    assert_int_equal(
        admin_support_create(&fx->ctx, &who, &r, token, NULL, NULL), -ENOENT);
    /* Guessing tokens counts as failed sign-ins and ends blocked. */
    struct admin_config cfg = fx->ctx.cfg;
    cfg.login_max_failures = 3;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    char guess[ADMIN_TOKEN_CAP];
    admin_token_new(guess);
    assert_int_equal(admin_support_use(&fx->ctx, guess, &a, NULL, &res),
                     -ENOENT);
    assert_int_equal(admin_support_use(&fx->ctx, "bad", &a, NULL, &res),
                     -ENOENT);
    assert_false(res.newly_blocked);
    assert_int_equal(admin_support_use(&fx->ctx, NULL, &a, NULL, &res),
                     -ENOENT);
    assert_true(res.newly_blocked);
    assert_int_equal(admin_support_use(&fx->ctx, guess, &a, NULL, &res),
                     -EACCES);
    assert_int_equal(fx_audit_count(fx, "support.use", "unknown"), 3);
    assert_int_equal(fx_audit_count(fx, "support.use", "blocked"), 1);
}

static int link_cb(void *ud, const struct store_support_link *l)
{
    (*(uint32_t *)ud) += l->uses;
    return 0;
}

static void list_counts_uses(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_actor who;
    char token[ADMIN_TOKEN_CAP];
    struct admin_support_res res;
    struct net_addr a = fx_addr("198.51.100.40");
    root_of(fx, &who);
    struct admin_support_req r = { .tenant_id = fx->tid,
                                   .role = STORE_ADMIN_TENANT,
                                   .ttl_s = 600 };
    assert_int_equal(
        admin_support_create(&fx->ctx, &who, &r, token, NULL, NULL), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(admin_support_use(&fx->ctx, token, &a, NULL, &res), 0);
    }
    uint32_t uses = 0;
    assert_int_equal(admin_support_list(&fx->ctx, fx->tid, link_cb, &uses), 0);
    assert_int_equal(uses, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(works_until_expiry, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(revoked_link_and_its_sessions, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(limits_and_bad_tokens, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(list_counts_uses, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
