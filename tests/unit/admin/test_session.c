/* SPDX-License-Identifier: Apache-2.0 */
/* Sessions: token returned once and stored hashed, idle and absolute
 * timeouts with a fake clock (and a configured idle timeout), CSRF, API
 * tokens, revocation, listing, purge. */
#include "admin_fx.h"

#include "admin/session.h"
#include "admin/token.h"

static const struct admin_session_opts portal = {
    .kind = STORE_SESSION_COOKIE,
    .client_ip = "203.0.113.9",
    .user_agent = "Mozilla/5.0",
};

static void token_hashed_not_stored(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_session_new s;
    struct store_session row;
    char h[ADMIN_HASH_CAP];
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Start-Pw-91", false);
    assert_int_equal(admin_session_create(&fx->ctx, id, &portal, &s), 0);
    assert_true(admin_token_ok(s.token));
    assert_true(admin_token_ok(s.csrf));
    assert_string_not_equal(s.token, s.csrf);
    admin_token_hash(s.token, ADMIN_TOKEN_LEN, h);
    assert_string_equal(h, s.id);
    /* Looked up by the hash; the token itself is nowhere. */
    assert_int_equal(store_session_get(fx->st, s.id, &row), 0);
    assert_string_not_equal(row.id, s.token);
    assert_int_equal(store_session_get(fx->st, s.token, &row), -ENOENT);
    assert_int_equal(s.expires_at, FX_T0 + 12 * 3600);
    assert_string_equal(row.user_agent, "Mozilla/5.0");
}

static void lookup_principal_and_csrf(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_session_new s;
    struct admin_principal p;
    int64_t id =
        fx_account(fx, "ops", STORE_ADMIN_TENANT, "Start-Pw-91", false);
    assert_int_equal(admin_session_create(&fx->ctx, id, &portal, &s), 0);
    assert_int_equal(admin_session_lookup(&fx->ctx, s.token, true, &p), 0);
    assert_int_equal(p.admin_id, id);
    assert_int_equal(p.role, STORE_ADMIN_TENANT);
    assert_int_equal(p.tenant_id, fx->tid);
    assert_string_equal(p.name, "ops");
    assert_string_equal(p.session_id, s.id);
    assert_true(admin_session_csrf_ok(&p, s.csrf));
    assert_false(admin_session_csrf_ok(&p, s.token));
    assert_false(admin_session_csrf_ok(&p, ""));
    assert_false(admin_session_csrf_ok(&p, NULL));
    /* Malformed tokens never reach the store. */
    assert_int_equal(admin_session_lookup(&fx->ctx, "", false, &p), -ENOENT);
    assert_int_equal(admin_session_lookup(&fx->ctx, NULL, false, &p), -ENOENT);
    assert_int_equal(admin_session_lookup(&fx->ctx, "x' OR 1=1 --", false, &p),
                     -ENOENT);
    char other[ADMIN_TOKEN_CAP];
    admin_token_new(other);
    assert_int_equal(admin_session_lookup(&fx->ctx, other, false, &p), -ENOENT);
}

static void idle_timeout(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_session_new s;
    struct admin_principal p;
    /* The idle timeout as the configuration sets it. */
    struct admin_config cfg = fx->ctx.cfg;
    cfg.session_idle_s = 120;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Start-Pw-91", false);
    assert_int_equal(admin_session_create(&fx->ctx, id, &portal, &s), 0);
    /* Used every 100 s it stays alive well past 120 s. */
    for (int i = 0; i < 5; i++) {
        fx_advance(fx, 100);
        assert_int_equal(admin_session_lookup(&fx->ctx, s.token, true, &p), 0);
        assert_int_equal(p.expires_at, FX_T0 + (i + 1) * 100 + 120);
    }
    /* A lookup without touch does not extend it. */
    fx_advance(fx, 119);
    assert_int_equal(admin_session_lookup(&fx->ctx, s.token, false, &p), 0);
    fx_advance(fx, 1);
    assert_int_equal(admin_session_lookup(&fx->ctx, s.token, true, &p),
                     -ENOENT);
    /* And it is gone for good, even if the idle timeout is raised. */
    cfg.session_idle_s = 3600;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    assert_int_equal(admin_session_lookup(&fx->ctx, s.token, true, &p),
                     -ENOENT);
    /* A lower idle timeout applies to live sessions at once. */
    struct admin_session_new s2;
    assert_int_equal(admin_session_create(&fx->ctx, id, &portal, &s2), 0);
    fx_advance(fx, 100);
    assert_int_equal(admin_session_lookup(&fx->ctx, s2.token, false, &p), 0);
    cfg.session_idle_s = 60;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    assert_int_equal(admin_session_lookup(&fx->ctx, s2.token, true, &p),
                     -ENOENT);
}

static void absolute_timeout(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_session_new s;
    struct admin_principal p;
    struct admin_config cfg = fx->ctx.cfg;
    cfg.session_idle_s = 600;
    cfg.session_absolute_s = 1800;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Start-Pw-91", false);
    assert_int_equal(admin_session_create(&fx->ctx, id, &portal, &s), 0);
    assert_int_equal(s.expires_at, FX_T0 + 1800);
    for (int i = 0; i < 5; i++) {
        fx_advance(fx, 300);
        assert_int_equal(admin_session_lookup(&fx->ctx, s.token, true, &p), 0);
    }
    assert_int_equal(p.expires_at, FX_T0 + 1800); /* capped by absolute */
    fx_advance(fx, 299);
    assert_int_equal(admin_session_lookup(&fx->ctx, s.token, true, &p), 0);
    fx_advance(fx, 1);
    assert_int_equal(admin_session_lookup(&fx->ctx, s.token, true, &p),
                     -ENOENT);
}

static void api_tokens(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_session_new s;
    struct admin_principal p;
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Start-Pw-91", false);
    struct admin_session_opts o = { .kind = STORE_SESSION_API_TOKEN,
                                    .label = "ci-runner",
                                    .ttl_s = 7 * 86400 };
    assert_int_equal(admin_session_create(&fx->ctx, id, &o, &s), 0);
    assert_string_equal(s.csrf, "");
    /* No idle rule: a week of silence is fine, then it ends. */
    fx_advance(fx, 7 * 86400 - 1);
    assert_int_equal(admin_session_lookup(&fx->ctx, s.token, true, &p), 0);
    assert_int_equal(p.kind, STORE_SESSION_API_TOKEN);
    assert_false(admin_session_csrf_ok(&p, s.token));
    fx_advance(fx, 1);
    assert_int_equal(admin_session_lookup(&fx->ctx, s.token, true, &p),
                     -ENOENT);
    o.ttl_s = fx->ctx.cfg.api_token_max_s + 1;
    assert_int_equal(admin_session_create(&fx->ctx, id, &o, &s), -EINVAL);
    assert_int_equal(admin_session_create(&fx->ctx, 999, &portal, &s), -ENOENT);
}

static int count_cb(void *ud, const struct store_session *s)
{
    (void)s;
    (*(int *)ud)++;
    return 0;
}

static void revoke_list_purge(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_session_new s[3];
    struct admin_principal p;
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Start-Pw-91", false);
    int64_t other =
        fx_account(fx, "ops", STORE_ADMIN_TENANT, "Start-Pw-91", false);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(admin_session_create(&fx->ctx, id, &portal, &s[i]), 0);
    }
    struct admin_session_new so;
    assert_int_equal(admin_session_create(&fx->ctx, other, &portal, &so), 0);
    struct admin_actor who = { .name = "root", .admin_id = id };
    int n = 0;
    assert_int_equal(admin_session_list(&fx->ctx, id, count_cb, &n), 0);
    assert_int_equal(n, 3);
    /* Logout. */
    assert_int_equal(admin_session_revoke(&fx->ctx, &who, s[0].id), 0);
    assert_int_equal(admin_session_lookup(&fx->ctx, s[0].token, true, &p),
                     -ENOENT);
    assert_int_equal(admin_session_revoke(&fx->ctx, &who, "nope"), -ENOENT);
    /* Everything else of the account but the current one. */
    uint32_t k = 0;
    assert_int_equal(admin_session_revoke_all(&fx->ctx, &who, id, s[2].id, &k),
                     0);
    assert_int_equal(k, 1);
    assert_int_equal(admin_session_lookup(&fx->ctx, s[1].token, true, &p),
                     -ENOENT);
    assert_int_equal(admin_session_lookup(&fx->ctx, s[2].token, true, &p), 0);
    assert_int_equal(admin_session_lookup(&fx->ctx, so.token, true, &p), 0);
    assert_int_equal(fx_audit_count(fx, "session.revoke", "ok"), 2);
    /* Idle sessions drop out of the list, then out of the table. */
    fx_advance(fx, fx->ctx.cfg.session_idle_s);
    n = 0;
    assert_int_equal(admin_session_list(&fx->ctx, 0, count_cb, &n), 0);
    assert_int_equal(n, 0);
    uint32_t purged = 0;
    assert_int_equal(admin_session_purge(&fx->ctx, &purged), 0);
    assert_int_equal(purged, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(token_hashed_not_stored, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(lookup_principal_and_csrf, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(idle_timeout, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(absolute_timeout, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(api_tokens, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(revoke_list_purge, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
