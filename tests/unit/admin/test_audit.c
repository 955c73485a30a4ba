/* SPDX-License-Identifier: Apache-2.0 */
/* The audit log: secrets never stored, untrusted text cleaned, list with
 * filters, export (JSON Lines, CSV), retention purge. */
#include "admin_fx.h"

#include "admin/audit.h"

static void secret_keys(void **state)
{
    (void)state;
    static const char *const secret[] = {
        "password", "sip_password",  "newPassword",    "PASSWD",
        "secret",   "totp_secret",   "token",          "api_token",
        "ha1_md5",  "otp",           "recovery_codes", "csrf",
        "Cookie",   "Authorization", "private_key",    "credentials",
        "pw",       "PIN",           "code",           "hash",
        "key_pem",
    };
    static const char *const plain[] = {
        "name", "ext", "country_code", "key", "value", "net", "role", "email"
    };
    for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++) {
        assert_true(admin_audit_key_is_secret(secret[i]));
    }
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        assert_false(admin_audit_key_is_secret(plain[i]));
    }
}

static void redaction_at_any_depth(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(
        admin_audit_redact("{\"ext\":\"100\",\"sip_password\":\"Hunter2-xx\","
                           "\"trunks\":[{\"name\":\"p\",\"auth\":{\"password\":"
                           "\"S3cr3t!\",\"user\":\"u\"}}],\"token\":{\"a\":1},"
                           "\"key\":\"l1_pps\",\"value\":700}",
                           &out),
        0);
    assert_string_equal(
        out, "{\"ext\":\"100\",\"key\":\"l1_pps\",\"sip_password\":\""
             "[redacted]\",\"token\":\"[redacted]\",\"trunks\":[{\"auth\":{"
             "\"password\":\"[redacted]\",\"user\":\"u\"},\"name\":\"p\"}],"
             "\"value\":700}");
    free(out);
    /* Not JSON: nothing kept. */
    assert_int_equal(admin_audit_redact("password=Hunter2", &out), -EINVAL);
    assert_null(out);
    /* Duplicate keys could hide a second secret value: refused. */
    assert_int_equal(
        admin_audit_redact("{\"password\":\"a\",\"password\":\"b\"}", &out),
        -EINVAL);
    assert_int_equal(admin_audit_redact(NULL, &out), 0);
    assert_null(out);
    assert_int_equal(admin_audit_redact("[1,\"x\"]", &out), 0);
    assert_string_equal(out, "[1,\"x\"]");
    free(out);
    /* Nesting beyond the limit is refused, not walked. */
    char deep[201];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[200] = '\0';
    assert_int_equal(admin_audit_redact(deep, &out), -EINVAL);
    /* Huge values become a marker. */
    static char big[STORE_AUDIT_JSON_MAX + 64];
    memset(big, 'a', sizeof(big));
    memcpy(big, "{\"v\":\"", 6);
    memcpy(big + sizeof(big) - 3, "\"}", 3);
    assert_int_equal(admin_audit_redact(big, &out), 0);
    assert_string_equal(out, "{\"truncated\":true}");
    free(out);
}

static void write_never_stores_secrets(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_actor who = { .name = "root",
                               .admin_id = 1,
                               .client_ip = "203.0.113.9" };
    assert_int_equal(
        admin_audit_write(&fx->ctx, &who, "user.set", "100@example.com",
                          fx->tid, NULL,
                          "{\"name\":\"A\",\"sip_password\":\"Old-Secret-1\"}",
                          "{\"name\":\"B\",\"sip_password\":\"New-Secret-2\"}"),
        0);
    assert_int_equal(admin_audit_write(&fx->ctx, &who, "user.set", "x", 0, NULL,
                                       NULL, "password=New-Secret-3"),
                     -EINVAL);
    assert_int_equal(
        admin_audit_write(&fx->ctx, &who, "", "x", 0, NULL, NULL, NULL),
        -EINVAL);
    static struct fx_buf out;
    out.n = 0;
    assert_int_equal(
        admin_audit_export(&fx->ctx, NULL, ADMIN_AUDIT_JSONL, fx_sink, &out),
        0);
    assert_null(strstr(out.b, "Secret"));
    assert_non_null(strstr(out.b, "\"new\":{\"name\":\"B\",\"sip_password\":"
                                  "\"[redacted]\"}"));
    assert_non_null(strstr(out.b, "\"client_ip\":\"203.0.113.9\""));
    assert_non_null(strstr(out.b, "\"result\":\"ok\""));
    /* The raw stored rows hold no secret either. */
    char p[512];
    static unsigned char file[1 << 20];
    store_close(fx->st);
    fx->st = NULL;
    long n =
        tmpdir_slurp(tmpdir_file(&fx->dir, "sipwarden.db-wal", p, sizeof(p)),
                     file, sizeof(file));
    if (n > 0) {
        assert_null(memmem(file, (size_t)n, "Secret-", 7));
    }
    n = tmpdir_slurp(tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p)), file,
                     sizeof(file));
    assert_true(n > 0);
    assert_null(memmem(file, (size_t)n, "Secret-", 7));
    assert_int_equal(
        store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)), 0);
    fx->ctx.st = fx->st;
}

static void csv_export_formula_safe(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_actor who = { .name = "=cmd|' /C calc'!A0" };
    assert_int_equal(admin_audit_write(&fx->ctx, &who, "ip.block",
                                       "say \"hi\", ok", 0, "ok", NULL,
                                       "{\"net\":\"10.0.0.0/8\"}"),
                     0);
    static struct fx_buf out;
    out.n = 0;
    assert_int_equal(
        admin_audit_export(&fx->ctx, NULL, ADMIN_AUDIT_CSV, fx_sink, &out), 0);
    assert_int_equal(strncmp(out.b, "id,at,actor,", 12), 0);
    assert_non_null(strstr(out.b, ",\"'=cmd|' /C calc'!A0\","));
    assert_non_null(strstr(out.b, ",\"say \"\"hi\"\", ok\","));
    assert_non_null(strstr(out.b, ",\"{\"\"net\"\":\"\"10.0.0.0/8\"\"}\"\n"));
}

static void filter_and_retention(void **state)
{
    struct admin_fx *fx = *state;
    struct admin_actor who = { .name = "root" };
    struct admin_config cfg = fx->ctx.cfg;
    cfg.audit_max_days = 30;
    cfg.audit_max_rows = 5;
    assert_int_equal(admin_ctx_set_config(&fx->ctx, &cfg), 0);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(admin_audit_write(&fx->ctx, &who,
                                           i % 2 ? "user.add" : "trunk.add",
                                           "t", 0, NULL, NULL, NULL),
                         0);
        fx_advance(fx, 86400);
    }
    assert_int_equal(fx_audit_count(fx, "user.", NULL), 4);
    /* Rows: the newest 5 stay. */
    uint32_t removed = 0;
    assert_int_equal(admin_audit_purge(&fx->ctx, &removed), 0);
    assert_int_equal(removed, 3);
    assert_int_equal(fx_audit_count(fx, NULL, NULL), 5);
    /* Age: 30 days on, entries older than 30 days go. */
    fx_advance(fx, 27 * 86400);
    assert_int_equal(admin_audit_purge(&fx->ctx, &removed), 0);
    assert_int_equal(removed, 2); /* written on days 3 and 4 */
    assert_int_equal(fx_audit_count(fx, NULL, NULL), 3);
}

static int stop_cb(void *ud, const char *data, size_t len)
{
    (void)data;
    (void)len;
    (*(int *)ud)++;
    return 7;
}

static void export_sink_stops(void **state)
{
    struct admin_fx *fx = *state;
    int calls = 0;
    assert_int_equal(
        admin_audit_write(&fx->ctx, NULL, "x.y", NULL, 0, NULL, NULL, NULL), 0);
    assert_int_equal(
        admin_audit_export(&fx->ctx, NULL, ADMIN_AUDIT_JSONL, stop_cb, &calls),
        7);
    assert_int_equal(calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secret_keys),
        cmocka_unit_test(redaction_at_any_depth),
        cmocka_unit_test_setup_teardown(write_never_stores_secrets, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(csv_export_formula_safe, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(filter_and_retention, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(export_sink_stops, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
