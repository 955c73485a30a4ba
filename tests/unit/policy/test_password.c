/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Password policy: one table of cases covering every rule both ways under
 * the administrator and tenant presets, the settings validation, and the
 * generator (length, alphabet, passes every preset).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/password.h"

/* ------------------------------------------------------------------------
 * The table
 */

enum preset { ADMIN, TENANT, TENANT_C1, TENANT_C4 };
enum account { NO_ACCT, ACCT_JOHN, ACCT_ZED, ACCT_SHORT };

static const char *const reused_pw = "OldPa5s9#xq";
static unsigned history_calls;

static bool was_used(void *ud, const char *pw)
{
    history_calls++;
    return strcmp(pw, (const char *)ud) == 0;
}

static const struct policy_account_info accounts[] = {
    [NO_ACCT] = { 0 },
    [ACCT_JOHN] = { .username = "jsmith",
                    .name = "John Smith",
                    .extension = "1001",
                    .email = "john.smith@example.com",
                    .phone = "+1 (415) 867-5309",
                    .was_used = was_used,
                    .was_used_ud = (void *)(uintptr_t) "OldPa5s9#xq" },
    [ACCT_ZED] = { .username = "operator7", .email = "zed.ops@example.net" },
    [ACCT_SHORT] = { .username = "al",
                     .name = "Al Bo",
                     .extension = "12",
                     .phone = "55" },
};

struct pw_case {
    enum preset preset;
    enum account acct;
    const char *pw;
    enum policy_rule want;
    const char *msg_has; /* substring expected in the message, or NULL */
};

#define PASS POLICY_RULE_NONE

static const struct pw_case cases[] = {
    /* Length (admin 8-32, tenant min 10 max 64). */
    { ADMIN, ACCT_JOHN, "Xk9#mPq2", PASS, NULL },
    { ADMIN, ACCT_JOHN, "Xk9#mPq", POLICY_RULE_TOO_SHORT, "at least 8" },
    { ADMIN, ACCT_JOHN, "Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2", PASS, NULL },
    { ADMIN, ACCT_JOHN, "Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2z",
      POLICY_RULE_TOO_LONG, "at most 32" },
    { TENANT, ACCT_JOHN, "Xk9#mPq2", POLICY_RULE_TOO_SHORT, "at least 10" },
    { TENANT, ACCT_JOHN,
      "Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2", PASS,
      NULL },
    { TENANT, ACCT_JOHN,
      "Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2Xk9#mPq2w",
      POLICY_RULE_TOO_LONG, "at most 64" },
    /* Lengths count characters, not bytes. */
    { ADMIN, NO_ACCT,
      "\xc3\xa4\xc3\xb6\xc3\xbc\xc3\xa4\xc3\xb6\xc3\xbc"
      "1X",
      PASS, NULL },
    { ADMIN, NO_ACCT,
      "\xc3\xa4\xc3\xb6\xc3\xbc"
      "1X",
      POLICY_RULE_TOO_SHORT, "5 characters" },
    /* Admin character requirements. */
    { ADMIN, ACCT_JOHN, "93857260#", POLICY_RULE_NO_LETTER, "no letter" },
    { ADMIN, ACCT_JOHN, "Xkwq#mPqz", POLICY_RULE_NO_DIGIT, "no digit" },
    { ADMIN, ACCT_JOHN, "xk9wmpq2", POLICY_RULE_NO_UPPER_OR_SPECIAL,
      "upper-case" },
    { ADMIN, ACCT_JOHN, "xk9wmpq2#", PASS, NULL },
    { ADMIN, ACCT_JOHN, "XK9WMPQ2", PASS, NULL },
    { ADMIN, NO_ACCT,
      "Gr\xc3\xbc\xc3\x9f"
      "e9xq",
      PASS, NULL },
    { ADMIN, NO_ACCT, "xk9w mpq2", PASS, NULL },
    /* Tenant complexity classes. */
    { TENANT, ACCT_JOHN, "xk9wmpq2#a", PASS, NULL },
    { TENANT, ACCT_JOHN, "xk9wmpq2ta", POLICY_RULE_TOO_FEW_CLASSES,
      "uses 2 of" },
    { TENANT_C1, ACCT_JOHN, "xkqwmpqztr", PASS, NULL },
    { TENANT_C4, ACCT_JOHN, "xk9wmpq2#a", POLICY_RULE_TOO_FEW_CLASSES,
      "at least 4" },
    { TENANT_C4, ACCT_JOHN, "xk9wMpq2#a", PASS, NULL },
    /* Sequences, ascending and descending, digits wrap (7890). */
    { ADMIN, ACCT_JOHN, "Pass1234x", POLICY_RULE_SEQUENCE, "'1234'" },
    { ADMIN, ACCT_JOHN, "Xq7890mk!", POLICY_RULE_SEQUENCE, "'7890'" },
    { ADMIN, ACCT_JOHN, "Xq4321mk!", POLICY_RULE_SEQUENCE, "'4321'" },
    { ADMIN, ACCT_JOHN, "Qabcdx9!", POLICY_RULE_SEQUENCE, "'abcd'" },
    { ADMIN, ACCT_JOHN, "QdCbAx9!", POLICY_RULE_SEQUENCE, "'dCbA'" },
    { ADMIN, ACCT_JOHN, "X9!qwxyz", POLICY_RULE_SEQUENCE, "'wxyz'" },
    { ADMIN, ACCT_JOHN, "Xq123m9k!", PASS, NULL },
    { ADMIN, ACCT_JOHN, "Xq12321k!", PASS, NULL },
    { TENANT, ACCT_JOHN, "xk9w12345#", POLICY_RULE_SEQUENCE, "'12345'" },
    /* Repeats, case-insensitive. */
    { ADMIN, ACCT_JOHN, "Xq2229mk", POLICY_RULE_REPEAT, "'222'" },
    { ADMIN, ACCT_JOHN, "XAaa9mk!", POLICY_RULE_REPEAT, "'Aaa'" },
    { ADMIN, ACCT_JOHN, "Xq###9mk", POLICY_RULE_REPEAT, "'###'" },
    { ADMIN, ACCT_JOHN, "Xq9\xc3\xa9\xc3\xa9\xc3\xa9!k", POLICY_RULE_REPEAT,
      "'\xc3\xa9\xc3\xa9\xc3\xa9'" },
    { ADMIN, ACCT_JOHN, "Xq22k9m!", PASS, NULL },
    { TENANT, ACCT_JOHN, "xk9wm!!!pq", POLICY_RULE_REPEAT, "'!!!'" },
    /* Account information. */
    { ADMIN, ACCT_JOHN, "jsmith9X!", POLICY_RULE_ACCOUNT_INFO,
      "username 'jsmith'" },
    { ADMIN, ACCT_JOHN, "JSMITH9x!", POLICY_RULE_ACCOUNT_INFO,
      "username 'jsmith'" },
    { ADMIN, ACCT_JOHN, "q9!Smithx", POLICY_RULE_ACCOUNT_INFO, "name 'Smith'" },
    { ADMIN, ACCT_JOHN, "xJOHN9!q", POLICY_RULE_ACCOUNT_INFO, "name 'John'" },
    { ADMIN, ACCT_JOHN, "Ext1001!q", POLICY_RULE_ACCOUNT_INFO,
      "extension '1001'" },
    { ADMIN, ACCT_JOHN, "q8675309X!", POLICY_RULE_ACCOUNT_INFO,
      "phone number '8675309'" },
    { ADMIN, ACCT_JOHN, "X!14158675309", POLICY_RULE_ACCOUNT_INFO,
      "phone number '14158675309'" },
    { ADMIN, ACCT_ZED, "zed.ops@example.net1X", POLICY_RULE_ACCOUNT_INFO,
      "e-mail address 'zed.ops@example.net'" },
    { ADMIN, ACCT_ZED, "Xy9!opsq", POLICY_RULE_ACCOUNT_INFO,
      "e-mail name 'ops'" },
    { ADMIN, ACCT_ZED, "xZed9!qq", POLICY_RULE_ACCOUNT_INFO,
      "e-mail name 'zed'" },
    { ADMIN, ACCT_ZED, "Example9!q", PASS, NULL }, /* domain: not account */
    { TENANT, ACCT_ZED, "xOperator7#", POLICY_RULE_ACCOUNT_INFO,
      "username 'operator7'" },
    /* Fields shorter than 3 are not searched; no account, no check. */
    { ADMIN, ACCT_SHORT, "Xal12q9!Bo55", PASS, NULL },
    { ADMIN, NO_ACCT, "jsmith9X!", PASS, NULL },
    /* History. */
    { TENANT, ACCT_JOHN, "OldPa5s9#xq", POLICY_RULE_REUSED, "last 5" },
    { TENANT, ACCT_JOHN, "NewPa5s9#xq", PASS, NULL },
    { ADMIN, ACCT_JOHN, "OldPa5s9#xq", PASS, NULL }, /* admin: no history */
    /* Bad characters: controls (C0, DEL, C1) and invalid UTF-8. */
    { ADMIN, NO_ACCT, "Xk9#m\tPq2", POLICY_RULE_BAD_CHAR, "control" },
    { ADMIN, NO_ACCT, "Xk9#mPq2\x7f", POLICY_RULE_BAD_CHAR, "control" },
    { ADMIN, NO_ACCT, "Xk9#mPq2\xc2\x85", POLICY_RULE_BAD_CHAR, "control" },
    { ADMIN, NO_ACCT, "Xk9#mPq2\xff", POLICY_RULE_BAD_CHAR, "UTF-8" },
    { ADMIN, NO_ACCT, "Xk9#mPq2\xc0\xaf", POLICY_RULE_BAD_CHAR, "UTF-8" },
    { ADMIN, NO_ACCT, "Xk9#mPq2\xed\xa0\x80", POLICY_RULE_BAD_CHAR, "UTF-8" },
    { ADMIN, NO_ACCT, "Xk9#mPq2\xf4\x90\x80\x80", POLICY_RULE_BAD_CHAR,
      "UTF-8" },
    { ADMIN, NO_ACCT, "Xk9#mPq2\xe2\x82", POLICY_RULE_BAD_CHAR, "UTF-8" },
    /* Bad characters are reported before length. */
    { ADMIN, NO_ACCT, "\x01", POLICY_RULE_BAD_CHAR, "control" },
};

static struct policy_password_rules preset(enum preset p)
{
    struct policy_password_rules r = policy_rules_admin();
    const char *err = "unset";
    switch (p) {
    case ADMIN:
        break;
    case TENANT:
        assert_int_equal(policy_rules_tenant(10, 3, 90, 5, &r, &err), 0);
        break;
    case TENANT_C1:
        assert_int_equal(policy_rules_tenant(10, 1, 90, 0, &r, &err), 0);
        break;
    case TENANT_C4:
        assert_int_equal(policy_rules_tenant(10, 4, 90, 0, &r, &err), 0);
        break;
    }
    if (p != ADMIN) {
        assert_null(err);
    }
    return r;
}

static void table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct pw_case *c = &cases[i];
        struct policy_password_rules r = preset(c->preset);
        struct policy_violation why;
        memset(&why, 0x5a, sizeof(why));
        int rc = policy_password_check(&r, c->pw, &accounts[c->acct], &why);
        if ((int)why.rule != (int)c->want
            || (c->msg_has && !strstr(why.message, c->msg_has))) {
            print_error("case %zu (%s): rule %d want %d, message \"%s\"\n", i,
                        c->pw, (int)why.rule, (int)c->want, why.message);
        }
        assert_int_equal(why.rule, c->want);
        assert_int_equal(rc, c->want == PASS ? 0 : -EINVAL);
        if (c->want == PASS) {
            assert_string_equal(why.message, "");
        } else {
            assert_true(strlen(why.message) > 0);
        }
        if (c->msg_has) {
            assert_non_null(strstr(why.message, c->msg_has));
        }
    }
}

static void table_covers_every_rule(void **state)
{
    (void)state;
    /* Each rule fails at least once and every preset passes at least once. */
    bool seen[POLICY_RULE_BAD_CHAR + 1] = { false };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        seen[cases[i].want] = true;
    }
    for (int r = 0; r <= POLICY_RULE_BAD_CHAR; r++) {
        assert_true(seen[r]);
    }
}

static void check_edges(void **state)
{
    (void)state;
    struct policy_password_rules r = policy_rules_admin();
    struct policy_violation why;
    assert_int_equal(policy_password_check(&r, NULL, NULL, &why), -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_BAD_CHAR);
    assert_int_equal(policy_password_check(&r, "", NULL, &why), -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_TOO_SHORT);
    /* 'why' is optional. */
    assert_int_equal(policy_password_check(&r, "Xk9#mPq2", NULL, NULL), 0);
    assert_int_equal(policy_password_check(&r, "Xk9#", NULL, NULL), -EINVAL);

    /* Inputs past the byte cap are refused without decoding them. */
    char big[POLICY_PASSWORD_MAX_BYTES + 2];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(policy_password_check(&r, big, NULL, &why), -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_TOO_LONG);
    /* A control character in a long input is still a bad character. */
    big[POLICY_PASSWORD_MAX_BYTES - 1] = '\0';
    big[10] = '\n';
    assert_int_equal(policy_password_check(&r, big, NULL, &why), -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_BAD_CHAR);

    /* The history callback runs only when everything else passed. */
    struct policy_password_rules t;
    assert_int_equal(policy_rules_tenant(10, 3, 90, 5, &t, NULL), 0);
    history_calls = 0;
    assert_int_equal(
        policy_password_check(&t, "OldPa5s9#", &accounts[ACCT_JOHN], &why),
        -EINVAL);
    assert_int_equal(why.rule, POLICY_RULE_TOO_SHORT);
    assert_int_equal(history_calls, 0);
    assert_int_equal(
        policy_password_check(&t, reused_pw, &accounts[ACCT_JOHN], &why),
        -EINVAL);
    assert_int_equal(history_calls, 1);
}

static void tenant_settings(void **state)
{
    (void)state;
    struct policy_password_rules r;
    memset(&r, 0, sizeof(r));
    const char *err = NULL;

    assert_int_equal(policy_rules_tenant(8, 1, 30, 0, &r, &err), 0);
    assert_null(err);
    assert_int_equal(r.min_len, 8);
    assert_int_equal(r.max_len, 64);
    assert_int_equal(r.min_classes, 1);
    assert_int_equal(r.expiry_days, 30);
    assert_int_equal(r.history, 0);
    assert_int_equal(r.seq_run, 4);
    assert_int_equal(r.repeat_run, 3);
    assert_true(r.check_account);
    assert_int_equal(policy_rules_tenant(20, 4, 365, 24, &r, &err), 0);
    assert_int_equal(r.min_len, 20);
    assert_int_equal(r.history, 24);

    static const struct {
        uint32_t min_len, classes, expiry, history;
        const char *msg_has;
    } bad[] = {
        { 7, 2, 90, 0, "length" },    { 21, 2, 90, 0, "length" },
        { 0, 2, 90, 0, "length" },    { 12, 0, 90, 0, "classes" },
        { 12, 5, 90, 0, "classes" },  { 12, 2, 29, 0, "expiry" },
        { 12, 2, 366, 0, "expiry" },  { 12, 2, 0, 0, "expiry" },
        { 12, 2, 90, 25, "history" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct policy_password_rules before = r;
        err = NULL;
        assert_int_equal(policy_rules_tenant(bad[i].min_len, bad[i].classes,
                                             bad[i].expiry, bad[i].history, &r,
                                             &err),
                         -EINVAL);
        assert_non_null(err);
        assert_non_null(strstr(err, bad[i].msg_has));
        assert_memory_equal(&before, &r, sizeof(r));
    }
    assert_int_equal(policy_rules_tenant(7, 2, 90, 0, &r, NULL), -EINVAL);

    struct policy_password_rules a = policy_rules_admin();
    assert_int_equal(a.min_len, 8);
    assert_int_equal(a.max_len, 32);
    assert_true(a.need_letter && a.need_digit && a.need_upper_or_special);
    assert_int_equal(a.history, 0);
}

/* ------------------------------------------------------------------------
 * Generator
 */

static void generated_pass_every_preset(void **state)
{
    (void)state;
    struct policy_password_rules admin = policy_rules_admin();
    size_t n_alpha = strlen(policy_password_alphabet);
    assert_int_equal(n_alpha, 67);
    unsigned counts[256] = { 0 };
    for (int i = 0; i < 1000; i++) {
        size_t len = 8 + (size_t)(i % 57); /* 8..64 */
        char pw[80];
        memset(pw, 'Z', sizeof(pw));
        assert_int_equal(policy_password_generate(pw, sizeof(pw), len), 0);
        assert_int_equal(strlen(pw), len);
        for (size_t k = 0; k < len; k++) {
            assert_non_null(strchr(policy_password_alphabet, pw[k]));
            counts[(unsigned char)pw[k]]++;
        }
        struct policy_violation why;
        if (len <= POLICY_ADMIN_MAX_LEN) {
            assert_int_equal(policy_password_check(&admin, pw, NULL, &why), 0);
        }
        for (uint32_t classes = 1; classes <= 4; classes++) {
            uint32_t min_len = len < 20 ? (uint32_t)len : 20;
            struct policy_password_rules t;
            assert_int_equal(
                policy_rules_tenant(min_len, classes, 90, 0, &t, NULL), 0);
            assert_int_equal(policy_password_check(&t, pw, NULL, &why), 0);
            t.min_len = 8;
            assert_int_equal(policy_password_check(&t, pw, NULL, &why), 0);
        }
    }
    /* 36,500 characters over 67 symbols, about 545 each: every symbol is
     * drawn, none dominates (catches a broken or biased mapping). */
    for (size_t k = 0; k < n_alpha; k++) {
        unsigned c = counts[(unsigned char)policy_password_alphabet[k]];
        assert_in_range(c, 250, 1000);
    }
}

/*
 * Rejection sampling keeps the draw uniform: a plain 'byte % 67' would make
 * '0'-'2' a third likelier than '3'-'9' (and the same inside other runs of
 * the alphabet). The class filter favours no symbol within a class, so each
 * class's symbols must come out equally often: 1.28M draws give about 19k
 * per digit (sd ~140), and the 5% band sits beyond 6 sd.
 */
static void generator_unbiased(void **state)
{
    (void)state;
    static unsigned counts[256];
    memset(counts, 0, sizeof(counts));
    for (int i = 0; i < 20000; i++) {
        char pw[65];
        assert_int_equal(policy_password_generate(pw, sizeof(pw), 64), 0);
        for (size_t k = 0; k < 64; k++) {
            counts[(unsigned char)pw[k]]++;
        }
    }
    static const char *const classes[] = {
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "abcdefghijklmnopqrstuvwxyz",
        "0123456789",
        "-_.+=",
    };
    for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
        const char *set = classes[c];
        size_t n = strlen(set);
        unsigned long total = 0;
        for (size_t k = 0; k < n; k++) {
            total += counts[(unsigned char)set[k]];
        }
        unsigned long mean = total / n;
        for (size_t k = 0; k < n; k++) {
            unsigned long got = counts[(unsigned char)set[k]];
            if (got < mean * 95 / 100 || got > mean * 105 / 100) {
                print_error("'%c': %lu, class mean %lu\n", set[k], got, mean);
            }
            assert_in_range(got, mean * 95 / 100, mean * 105 / 100);
        }
    }
}

static void generated_fixed_length(void **state)
{
    (void)state;
    struct policy_password_rules admin = policy_rules_admin();
    char prev[17] = "";
    for (int i = 0; i < 1000; i++) {
        char pw[17];
        assert_int_equal(policy_password_generate(pw, sizeof(pw), 16), 0);
        assert_int_equal(strlen(pw), 16);
        assert_int_equal(policy_password_check(&admin, pw, NULL, NULL), 0);
        assert_string_not_equal(pw, prev);
        memcpy(prev, pw, sizeof(pw));
    }
}

static void generate_errors(void **state)
{
    (void)state;
    char pw[80];
    assert_int_equal(policy_password_generate(pw, sizeof(pw), 7), -EINVAL);
    assert_int_equal(policy_password_generate(pw, sizeof(pw), 65), -EINVAL);
    assert_int_equal(policy_password_generate(pw, 12, 12), -ENOSPC);
    assert_int_equal(policy_password_generate(NULL, 0, 12), -ENOSPC);
    assert_int_equal(policy_password_generate(pw, 13, 12), 0);
    assert_int_equal(policy_password_generate(pw, 9, 8), 0);
    assert_int_equal(strlen(pw), 8);
    /* No character that needs quoting in SIP, URIs, JSON or a shell. */
    const char *forbidden = "\"'`\\:@ ;,/?#%&$!*<>()[]{}|^~";
    for (const char *p = forbidden; *p; p++) {
        assert_null(strchr(policy_password_alphabet, *p));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(table_covers_every_rule),
        cmocka_unit_test(check_edges),
        cmocka_unit_test(tenant_settings),
        cmocka_unit_test(generated_pass_every_preset),
        cmocka_unit_test(generator_unbiased),
        cmocka_unit_test(generated_fixed_length),
        cmocka_unit_test(generate_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
