/* SPDX-License-Identifier: Apache-2.0 */
/* The sign-in decision: forced change of admin/admin, web login
 * protection (block after N failures within the period, unblock after the
 * block time), administrator network restriction, TOTP with replay and
 * recovery codes, and the audit of every outcome. */
#include "admin_fx.h"

#include "admin/audit.h"
#include "admin/login.h"
#include "admin/mfa.h"
#include "admin/totp.h"

static struct admin_login_res login(struct admin_fx *fx, const char *user,
                                    const char *pw, const char *otp,
                                    const char *new_pw, const char *ip)
{
    struct net_addr a = fx_addr(ip);
    struct admin_login_req req = {
        .username = user,
        .password = pw,
        .otp = otp,
        .new_password = new_pw,
        .client = &a,
        .user_agent = "test",
        .kind = STORE_SESSION_COOKIE,
    };
    struct admin_login_res res;
    assert_int_equal(admin_login(&fx->ctx, &req, &res), 0);
    return res;
}

#define ST(r) admin_login_status_name((r).status)

static void default_admin_forced_change(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_login_res r;
    struct admin_principal p;
    bool created = false;
    assert_int_equal(store_admin_ensure_default(fx->st, FX_T0, &created), 0);
    assert_true(created);
    r = login(fx, "admin", "admin", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "change_required");
    assert_string_equal(r.session.token, "");
    /* Each administrator rule refuses. */
    static const struct {
        const char *pw;
        enum policy_rule rule;
    } bad[] = {
        { "admin", POLICY_RULE_REUSED },
        { "Sh0rt!", POLICY_RULE_TOO_SHORT },
        { "Aa1-Aa1-Aa1-Aa1-Aa1-Aa1-Aa1-Aa1-x", POLICY_RULE_TOO_LONG },
        { "12345-99-77", POLICY_RULE_NO_LETTER },
        { "Nodigits-here", POLICY_RULE_NO_DIGIT },
        { "lower9case", POLICY_RULE_NO_UPPER_OR_SPECIAL },
        { "Xy-1234-qq", POLICY_RULE_SEQUENCE },
        { "Xy-777-qwe", POLICY_RULE_REPEAT },
        { "Admin-93x", POLICY_RULE_ACCOUNT_INFO },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = login(fx, "admin", "admin", NULL, bad[i].pw, "203.0.113.9");
        assert_string_equal(ST(r), "password_refused");
        assert_int_equal(r.violation.rule, bad[i].rule);
        assert_string_equal(r.session.token, "");
    }
    /* Refusals of the new password are not failures of the address. */
    assert_false(admin_login_blocked(&fx->ctx, &(struct net_addr){ 0 }, NULL));
    r = login(fx, "admin", "admin", NULL, "Warden-Pass-82", "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    assert_int_equal(admin_session_lookup(&fx->ctx, r.session.token, true, &p),
                     0);
    assert_false(p.must_change);
    assert_int_equal(p.role, STORE_ADMIN_SYSTEM);
    /* admin/admin is gone; the new password works without a change. */
    r = login(fx, "admin", "admin", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "bad_credentials");
    r = login(fx, "admin", "Warden-Pass-82", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    struct store_admin a;
    assert_int_equal(store_admin_find(fx->st, "admin", &a), 0);
    assert_string_equal(a.last_login_ip, "203.0.113.9");
    assert_int_equal(a.last_login_at, FX_T0);
    /* Audited: 1 + 9 + 1 + 1 + 1 attempts, and the password change. */
    assert_int_equal(fx_audit_count(fx, "auth.login", NULL), 13);
    assert_int_equal(fx_audit_count(fx, "auth.login", "password_refused"), 9);
    assert_int_equal(fx_audit_count(fx, "admin.password", "ok"), 1);
}

static void blocked_after_failures_then_unblocked(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_login_res r;
    struct admin_config cfg = fx->ctx.cfg;
    cfg.login_max_failures = 3;
    cfg.login_period_s = 60;
    cfg.login_block_s = 300;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Right-Pass-91", false);
    /* Two failures, then the period passes: the count starts again. */
    r = login(fx, "root", "wrong", NULL, NULL, "198.51.100.7");
    assert_int_equal(r.failures, 1);
    r = login(fx, "nobody", "wrong", NULL, NULL, "198.51.100.7");
    assert_int_equal(r.failures, 2);
    fx_advance(fx, 61);
    r = login(fx, "root", "wrong", NULL, NULL, "198.51.100.7");
    assert_string_equal(ST(r), "bad_credentials");
    assert_int_equal(r.failures, 1);
    r = login(fx, "root", "wrong", NULL, NULL, "198.51.100.7");
    assert_false(r.newly_blocked);
    /* The third within the period blocks: the caller bans now. */
    fx_advance(fx, 10);
    r = login(fx, "root", "wrong", NULL, NULL, "198.51.100.7");
    assert_string_equal(ST(r), "blocked");
    assert_true(r.newly_blocked);
    assert_int_equal(r.blocked_s, 300);
    /* Even the right password is refused while blocked. */
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "198.51.100.7");
    assert_string_equal(ST(r), "blocked");
    assert_false(r.newly_blocked);
    assert_int_equal(r.blocked_s, 300);
    assert_string_equal(r.session.token, "");
    /* Another address is not affected. */
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "198.51.100.8");
    assert_string_equal(ST(r), "ok");
    fx_advance(fx, 299);
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "198.51.100.7");
    assert_string_equal(ST(r), "blocked");
    assert_int_equal(r.blocked_s, 1);
    fx_advance(fx, 1);
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "198.51.100.7");
    assert_string_equal(ST(r), "ok");
    assert_int_equal(fx_audit_count(fx, "auth.login", "blocked"), 3);
    assert_int_equal(fx_audit_count(fx, "auth.login", NULL), 9);
}

static void ipv6_counted_per_64_and_unblock(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_login_res r;
    struct admin_config cfg = fx->ctx.cfg;
    cfg.login_max_failures = 2;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Right-Pass-91", false);
    r = login(fx, "root", "x", NULL, NULL, "2001:db8:1:2::1");
    r = login(fx, "root", "x", NULL, NULL, "2001:db8:1:2::ffff");
    assert_true(r.newly_blocked);
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "2001:db8:1:2:aa::1");
    assert_string_equal(ST(r), "blocked");
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "2001:db8:1:3::1");
    assert_string_equal(ST(r), "ok");
    /* An operator lifts the block. */
    struct net_addr a = fx_addr("2001:db8:1:2::5");
    assert_true(admin_login_blocked(&fx->ctx, &a, NULL));
    admin_login_unblock(&fx->ctx, &a);
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "2001:db8:1:2::1");
    assert_string_equal(ST(r), "ok");
}

static void network_restriction(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_login_res r;
    static const char *const nets[] = { "10.0.0.0/8", "2001:db8::/32", NULL };
    fx_allow_nets(fx, nets);
    fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Right-Pass-91", false);
    fx_account(fx, "ops", STORE_ADMIN_TENANT, "Right-Pass-91", false);
    fx_account(fx, "alice", STORE_ADMIN_USER, "Right-Pass-91", false);
    /* Refused even with the right password. */
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "network_refused");
    assert_string_equal(r.session.token, "");
    assert_int_equal(r.failures, 1);
    r = login(fx, "ops", "Right-Pass-91", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "network_refused");
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "10.20.30.40");
    assert_string_equal(ST(r), "ok");
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "2001:db8::5");
    assert_string_equal(ST(r), "ok");
    /* IPv4-mapped IPv6 counts as IPv4. */
    r = login(fx, "ops", "Right-Pass-91", NULL, NULL, "::ffff:10.1.1.1");
    assert_string_equal(ST(r), "ok");
    /* Portal users are not administrators. */
    r = login(fx, "alice", "Right-Pass-91", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    assert_int_equal(fx_audit_count(fx, "auth.login", "network_refused"), 2);
}

static void code_now(struct admin_fx *fx, const char *b32, char out[7])
{
    uint8_t key[64];
    int n = admin_base32_decode(b32, key, sizeof(key));
    assert_int_equal(n, ADMIN_TOTP_SECRET_LEN);
    uint32_t c = 0;
    assert_int_equal(
        admin_hotp(ADMIN_TOTP_SHA1, key, (size_t)n,
                   (uint64_t)admin_totp_step(admin_now(&fx->ctx), 30), 6, &c),
        0);
    snprintf(out, 7, "%06u", c);
}

static void totp_enrol_signin_replay_recovery(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_login_res r;
    struct admin_totp_enrolment e;
    char codes[ADMIN_RECOVERY_CODES][ADMIN_RECOVERY_CODE_CAP];
    char code[7];
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Right-Pass-91", false);
    struct admin_actor who = { .name = "root", .admin_id = id };
    assert_int_equal(admin_mfa_enrol_begin(&fx->ctx, &who, id, &e), 0);
    assert_non_null(strstr(e.uri, "otpauth://totp/sipwarden:root?secret="));
    assert_non_null(strstr(e.uri, e.secret_b32));
    /* Pending: sign-in does not ask for a code yet. */
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    assert_int_equal(
        admin_mfa_enrol_confirm(&fx->ctx, &who, id, "000000", codes), -EACCES);
    code_now(fx, e.secret_b32, code);
    assert_int_equal(admin_mfa_enrol_confirm(&fx->ctx, &who, id, code, codes),
                     0);
    assert_int_equal(strlen(codes[0]), 19);
    /* The confirming code is used: it cannot sign in. */
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "otp_required");
    assert_int_equal(r.failures, 0);
    r = login(fx, "root", "Right-Pass-91", code, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "bad_otp");
    assert_int_equal(r.failures, 1);
    r = login(fx, "root", "Wrong-Pass-91", code, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "bad_credentials");
    /* The next step's code works once. */
    fx_advance(fx, 30);
    code_now(fx, e.secret_b32, code);
    r = login(fx, "root", "Right-Pass-91", code, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    r = login(fx, "root", "Right-Pass-91", code, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "bad_otp");
    /* A recovery code, in any case and without dashes, once. */
    char typed[32];
    snprintf(typed, sizeof(typed), "%.4s%.4s %.4s%.4s", codes[3], codes[3] + 5,
             codes[3] + 10, codes[3] + 15);
    for (char *c = typed; *c; c++) {
        if (*c >= 'a' && *c <= 'z') {
            *c = (char)(*c - 'a' + 'A');
        }
    }
    r = login(fx, "root", "Right-Pass-91", typed, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    assert_true(r.used_recovery);
    assert_int_equal(r.recovery_left, ADMIN_RECOVERY_CODES - 1);
    r = login(fx, "root", "Right-Pass-91", codes[3], NULL, "203.0.113.9");
    assert_string_equal(ST(r), "bad_otp");
    r = login(fx, "root", "Right-Pass-91", "not-a-code", NULL, "203.0.113.9");
    assert_string_equal(ST(r), "bad_otp");
    /* Disabled: the password alone again. */
    assert_int_equal(admin_mfa_disable(&fx->ctx, &who, id), 0);
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    /* No secret or code ever reaches the audit log. */
    static struct fx_buf out;
    out.n = 0;
    assert_int_equal(
        admin_audit_export(&fx->ctx, NULL, ADMIN_AUDIT_JSONL, fx_sink, &out),
        0);
    assert_null(strstr(out.b, e.secret_b32));
    assert_null(strstr(out.b, codes[3]));
    assert_null(strstr(out.b, "Right-Pass"));
    sodium_memzero(&e, sizeof(e));
}

static void unknown_user_and_hostile_names(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_login_res r;
    r = login(fx, "ghost", "whatever", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "bad_credentials");
    assert_int_equal(r.admin_id, 0);
    r = login(fx, "evil\r\nname\x1b[31m", "x", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "bad_credentials");
    static struct fx_buf out;
    out.n = 0;
    assert_int_equal(
        admin_audit_export(&fx->ctx, NULL, ADMIN_AUDIT_CSV, fx_sink, &out), 0);
    assert_non_null(strstr(out.b, "evil??name?[31m"));
    /* The unauthenticated actor; '-' gets the CSV formula guard. */
    assert_non_null(strstr(out.b, ",\"'-\","));
    /* Missing fields are the caller's error. */
    struct net_addr a = fx_addr("203.0.113.9");
    struct admin_login_req req = { .username = "x", .client = &a };
    assert_int_equal(admin_login(&fx->ctx, &req, &r), -EINVAL);
}

static void support_link_failures_count(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_config cfg = fx->ctx.cfg;
    cfg.login_max_failures = 2;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    struct net_addr a = fx_addr("192.0.2.1");
    assert_false(admin_login_count_failure(&fx->ctx, &a));
    assert_true(admin_login_count_failure(&fx->ctx, &a));
    assert_true(admin_login_blocked(&fx->ctx, &a, NULL));
}

static void require_2fa_marks_system_admins(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_login_res r;
    struct admin_principal p;
    struct admin_totp_enrolment e;
    char codes[ADMIN_RECOVERY_CODES][ADMIN_RECOVERY_CODE_CAP];
    char code[7];
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Right-Pass-91", false);
    fx_account(fx, "tadm", STORE_ADMIN_TENANT, "Right-Pass-92", false);
    struct admin_config cfg = fx->ctx.cfg;
    cfg.require_2fa = true;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    /* Sign-in still works, but the session must enrol first. */
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    assert_int_equal(admin_session_lookup(&fx->ctx, r.session.token, true, &p),
                     0);
    assert_true(p.must_enrol_2fa);
    /* Tenant administrators are not concerned. */
    struct admin_login_res t =
        login(fx, "tadm", "Right-Pass-92", NULL, NULL, "203.0.113.9");
    struct admin_principal tp;
    assert_string_equal(ST(t), "ok");
    assert_int_equal(admin_session_lookup(&fx->ctx, t.session.token, true, &tp),
                     0);
    assert_false(tp.must_enrol_2fa);
    /* Enrolled: the same session is free at once. */
    struct admin_actor who = { .name = "root", .admin_id = id };
    assert_int_equal(admin_mfa_enrol_begin(&fx->ctx, &who, id, &e), 0);
    assert_int_equal(admin_session_lookup(&fx->ctx, r.session.token, true, &p),
                     0);
    assert_true(p.must_enrol_2fa); /* pending is not enough */
    code_now(fx, e.secret_b32, code);
    assert_int_equal(admin_mfa_enrol_confirm(&fx->ctx, &who, id, code, codes),
                     0);
    assert_int_equal(admin_session_lookup(&fx->ctx, r.session.token, true, &p),
                     0);
    assert_false(p.must_enrol_2fa);
    /* Setting off: nobody is marked. */
    assert_int_equal(admin_mfa_disable(&fx->ctx, &who, id), 0);
    assert_int_equal(admin_session_lookup(&fx->ctx, r.session.token, true, &p),
                     0);
    assert_true(p.must_enrol_2fa);
    cfg.require_2fa = false;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    assert_int_equal(admin_session_lookup(&fx->ctx, r.session.token, true, &p),
                     0);
    assert_false(p.must_enrol_2fa);
    sodium_memzero(&e, sizeof(e));
}

static void tenant_password_expiry_forces_change(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_login_res r;
    struct store_tenant_policy pol;
    store_tenant_policy_defaults(&pol);
    pol.pw_expiry_days = 30;
    assert_int_equal(store_tenant_set_pw_policy(fx->st, fx->tid, &pol), 0);
    /* Accounts were made at FX_T0 and the clock starts there. */
    fx_account(fx, "tadm", STORE_ADMIN_TENANT, "Right-Pass-92", false);
    fx_account(fx, "root", STORE_ADMIN_SYSTEM, "Right-Pass-91", false);
    fx_advance(fx, 30 * 86400 - 1);
    r = login(fx, "tadm", "Right-Pass-92", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    fx_advance(fx, 1);
    r = login(fx, "tadm", "Right-Pass-92", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "change_required");
    assert_string_equal(r.session.token, "");
    /* System administrators have no tenant, so no expiry. */
    r = login(fx, "root", "Right-Pass-91", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    /* The change itself is held to the tenant's rules. */
    r = login(fx, "tadm", "Right-Pass-92", NULL, "Right-Pass-92",
              "203.0.113.9");
    assert_string_equal(ST(r), "password_refused");
    r = login(fx, "tadm", "Right-Pass-92", NULL, "Fresh-Pass-83",
              "203.0.113.9");
    assert_string_equal(ST(r), "ok");
    r = login(fx, "tadm", "Fresh-Pass-83", NULL, NULL, "203.0.113.9");
    assert_string_equal(ST(r), "ok");
}

static void tenant_policy_on_portal_accounts(void **state)
{
    struct admin_fx *fx = *state;
    struct policy_violation why;
    struct store_admin a;
    struct store_tenant_policy pol;
    int64_t id =
        fx_account(fx, "tadm", STORE_ADMIN_TENANT, "Right-Pass-92", false);
    assert_int_equal(store_admin_get(fx->st, id, &a), 0);
    /* Default tenant policy: 8 characters, 3 classes. */
    assert_int_equal(
        admin_password_check(&fx->ctx, &a, NULL, 0, "ZQXW75391", &why),
        -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_TOO_FEW_CLASSES);
    assert_int_equal(
        admin_password_check(&fx->ctx, &a, NULL, 0, "Zqxw-5739", &why), 0);
    /* Stricter: 14 characters and all four classes. */
    store_tenant_policy_defaults(&pol);
    pol.pw_min_len = 14;
    pol.pw_classes = 4;
    pol.pw_history = 8;
    assert_int_equal(store_tenant_set_pw_policy(fx->st, fx->tid, &pol), 0);
    assert_int_equal(
        admin_password_check(&fx->ctx, &a, NULL, 0, "Zqxw-5739", &why),
        -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_TOO_SHORT);
    assert_int_equal(
        admin_password_check(&fx->ctx, &a, NULL, 0, "Zqxw5739Trnbvk", &why),
        -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_TOO_FEW_CLASSES);
    assert_int_equal(
        admin_password_check(&fx->ctx, &a, NULL, 0, "Zqxw-5739-Trnb", &why), 0);
    /* New accounts of the tenant too; system administrators not. */
    assert_int_equal(admin_password_check(&fx->ctx, NULL, "newone", fx->tid,
                                          "Zqxw-5739", &why),
                     -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_TOO_SHORT);
    assert_int_equal(
        admin_password_check(&fx->ctx, NULL, "newone", 0, "Zqxw-5739", &why),
        0);
    /* The tenant's longer history is kept and refused. */
    struct policy_password_rules rules;
    uint32_t hist = 0;
    assert_int_equal(admin_password_rules(&fx->ctx, fx->tid, &rules, &hist), 0);
    assert_int_equal(hist, 8);
    assert_int_equal(rules.min_len, 14);
    assert_int_equal(admin_password_rules(&fx->ctx, 0, &rules, &hist), 0);
    assert_int_equal(hist, 5);
    struct admin_actor who = { .name = "tadm", .admin_id = id };
    static const char *const pws[] = { "Zqxw-5739-Trnb1", "Zqxw-5739-Trnb2",
                                       "Zqxw-5739-Trnb3", "Zqxw-5739-Trnb4",
                                       "Zqxw-5739-Trnb5", "Zqxw-5739-Trnb6",
                                       "Zqxw-5739-Trnb7" };
    for (size_t i = 0; i < sizeof(pws) / sizeof(pws[0]); i++) {
        assert_int_equal(
            admin_password_set(&fx->ctx, &who, id, pws[i], false, NULL, &why),
            0);
    }
    /* Six changes ago is beyond the administrators' 5, within the 8. */
    assert_int_equal(
        admin_password_set(&fx->ctx, &who, id, pws[0], false, NULL, &why),
        -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_REUSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(default_admin_forced_change, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(blocked_after_failures_then_unblocked,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(ipv6_counted_per_64_and_unblock,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(network_restriction, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(totp_enrol_signin_replay_recovery,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(unknown_user_and_hostile_names,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(support_link_failures_count, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(require_2fa_marks_system_admins,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(tenant_password_expiry_forces_change,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(tenant_policy_on_portal_accounts,
                                        fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
