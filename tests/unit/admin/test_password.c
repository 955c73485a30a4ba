/* SPDX-License-Identifier: Apache-2.0 */
/* Account passwords: Argon2id hashing, the administrator policy, account
 * information and history refusal, and the audited change. */
#include "admin_fx.h"

#include <errno.h>

#include "admin/audit.h"

static void hash_and_verify(void **state)
{
    struct admin_fx *fx = *state;
    char h1[ADMIN_PW_HASH_CAP], h2[ADMIN_PW_HASH_CAP];
    assert_int_equal(admin_password_hash(&fx->ctx.cfg, "Correct-Horse9", h1),
                     0);
    assert_int_equal(admin_password_hash(&fx->ctx.cfg, "Correct-Horse9", h2),
                     0);
    assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
    assert_string_not_equal(h1, h2); /* salted */
    assert_int_equal(admin_password_verify(h1, "Correct-Horse9"), 0);
    assert_int_equal(admin_password_verify(h1, "correct-Horse9"), -EACCES);
    assert_int_equal(admin_password_verify("garbage", "x"), -EACCES);
    assert_int_equal(admin_password_verify(h1, NULL), -EINVAL);
    assert_false(admin_password_needs_rehash(&fx->ctx.cfg, h1));
    struct admin_config cfg;
    admin_config_defaults(&cfg);
    assert_true(admin_password_needs_rehash(&cfg, h1));
    char big[POLICY_PASSWORD_MAX_BYTES + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(admin_password_hash(&fx->ctx.cfg, big, h1), -EINVAL);
}

static void policy_rules_each_refused(void **state)
{
    struct admin_fx *fx = *state;
    struct policy_violation why;
    static const struct {
        const char *pw;
        enum policy_rule rule;
    } cases[] = {
        { "Ab1-x", POLICY_RULE_TOO_SHORT },
        { "Ab1-xxyzAb1-xxyzAb1-xxyzAb1-xxyzQ", POLICY_RULE_TOO_LONG },
        { "1357-9135", POLICY_RULE_NO_LETTER },
        { "Abc-Defgh", POLICY_RULE_NO_DIGIT },
        { "qwerty135", POLICY_RULE_NO_UPPER_OR_SPECIAL },
        { "Xq1234-zz", POLICY_RULE_SEQUENCE },
        { "Xq1-zzzk9", POLICY_RULE_REPEAT },
        { "Rootroot-9x", POLICY_RULE_ACCOUNT_INFO },
    };
    int64_t id =
        fx_account(fx, "rootroot", STORE_ADMIN_SYSTEM, "Start-Pw-91", false);
    struct store_admin a;
    assert_int_equal(store_admin_get(fx->st, id, &a), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(
            admin_password_check(&fx->ctx, &a, NULL, 0, cases[i].pw, &why),
            -EINVAL);
        assert_int_equal(why.rule, cases[i].rule);
    }
    assert_int_equal(
        admin_password_check(&fx->ctx, &a, NULL, 0, "Tr0ub4dor&3", &why), 0);
    /* Not created yet: checked against the given username. */
    assert_int_equal(
        admin_password_check(&fx->ctx, NULL, "zebra77", 0, "Zebra77-x9q", &why),
        -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_ACCOUNT_INFO);
}

static void linked_user_info_refused(void **state)
{
    struct admin_fx *fx = *state;
    struct policy_violation why;
    struct store_admin a;
    int64_t id =
        fx_account(fx, "alice.p", STORE_ADMIN_USER, "Start-Pw-91", false);
    assert_int_equal(store_admin_get(fx->st, id, &a), 0);
    /* The SIP user's name "Alice Smith" and e-mail. */
    assert_int_equal(
        admin_password_check(&fx->ctx, &a, NULL, 0, "Smith-97xq", &why),
        -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_ACCOUNT_INFO);
}

static void history_refused(void **state)
{
    struct admin_fx *fx = *state;
    struct policy_violation why;
    struct admin_config cfg = fx->ctx.cfg;
    cfg.pw_history = 2;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "First-Pw-91", false);
    struct admin_actor who = { .name = "root", .admin_id = id };
    /* The current password is refused. */
    assert_int_equal(admin_password_set(&fx->ctx, &who, id, "First-Pw-91",
                                        false, NULL, &why),
                     -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_REUSED);
    assert_int_equal(admin_password_set(&fx->ctx, &who, id, "Second-Pw-82",
                                        false, NULL, &why),
                     0);
    assert_int_equal(admin_password_set(&fx->ctx, &who, id, "Third-Pw-73",
                                        false, NULL, &why),
                     0);
    /* First and second are within the last 2 old ones. */
    assert_int_equal(admin_password_set(&fx->ctx, &who, id, "First-Pw-91",
                                        false, NULL, &why),
                     -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_REUSED);
    assert_int_equal(admin_password_set(&fx->ctx, &who, id, "Fourth-Pw-64",
                                        false, NULL, &why),
                     0);
    /* Three changes later the first one has left the history. */
    assert_int_equal(admin_password_set(&fx->ctx, &who, id, "First-Pw-91",
                                        false, NULL, &why),
                     0);
    char hash[ADMIN_PW_HASH_CAP];
    assert_int_equal(store_admin_pw_hash(fx->st, id, hash, sizeof(hash)), 0);
    assert_int_equal(admin_password_verify(hash, "First-Pw-91"), 0);
    assert_int_equal(fx_audit_count(fx, "admin.password", "ok"), 4);
}

static void change_revokes_other_sessions(void **state)
{
    struct admin_fx *fx = *state;
    struct policy_violation why;
    struct admin_session_new s1, s2;
    struct admin_principal p;
    int64_t id =
        fx_account(fx, "root", STORE_ADMIN_SYSTEM, "First-Pw-91", false);
    struct admin_session_opts o = { .kind = STORE_SESSION_COOKIE };
    assert_int_equal(admin_session_create(&fx->ctx, id, &o, &s1), 0);
    assert_int_equal(admin_session_create(&fx->ctx, id, &o, &s2), 0);
    struct admin_actor who = { .name = "root", .admin_id = id };
    assert_int_equal(admin_password_set(&fx->ctx, &who, id, "Second-Pw-82",
                                        true, s1.id, &why),
                     0);
    assert_int_equal(admin_session_lookup(&fx->ctx, s1.token, false, &p), 0);
    assert_true(p.must_change);
    assert_int_equal(admin_session_lookup(&fx->ctx, s2.token, false, &p),
                     -ENOENT);
    /* The audit entry never holds the password. */
    struct store_audit_filter f = { .action_prefix = "admin." };
    static struct fx_buf out;
    out.n = 0;
    assert_int_equal(
        admin_audit_export(&fx->ctx, &f, ADMIN_AUDIT_JSONL, fx_sink, &out), 0);
    assert_non_null(strstr(out.b, "\"must_change\":true"));
    assert_null(strstr(out.b, "Second-Pw"));
    assert_null(strstr(out.b, "First-Pw"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hash_and_verify, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(policy_rules_each_refused, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(linked_user_info_refused, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(history_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(change_revokes_other_sessions, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
