/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security checklist: for every item a fixture where it passes and
 * one where it warns or fails, asserting the status and that the evidence
 * names the offender. The fixture table is compared with the checklist's
 * own table, so an item added without fixtures fails the suite. Each
 * test gets a fresh database in a temporary directory; certificates and
 * sshd configurations are written there too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sqlite3.h>

#include "../store/tmpdir.h"
#include "admin/admin.h"
#include "admin/password.h"
#include "admin/settings.h"
#include "base/sv.h"
#include "checklist/checklist.h"
#include "sec/acl.h"
#include "sec/settings.h"
#include "store/admin.h"
#include "store/store.h"

#define DAY 86400

struct fx {
    struct tmpdir dir;
    struct store *st;
    struct checklist_conf conf;
    struct sec_settings sec;
    struct admin_config adm;
    struct sec_net own[1];
    struct checklist_ctx ctx;
    int fw_answer; /* what the fake firewall probe says */
    int64_t tenant;
};

static int fake_probe(void *ud, char *why, size_t cap)
{
    struct fx *f = ud;
    snprintf(why, cap, "%s", f->fw_answer < 0 ? "no CAP_NET_ADMIN" : "");
    return f->fw_answer;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[512];

    assert_non_null(f);
    assert_int_equal(tmpdir_make(&f->dir), 0);
    assert_int_equal(store_open(f->dir.path, &f->st, err, sizeof(err)), 0);
    snprintf(f->conf.sip_udp, sizeof(f->conf.sip_udp), "*:15060");
    snprintf(f->conf.sip_tls, sizeof(f->conf.sip_tls), "*:15061");
    snprintf(f->conf.http_listen, sizeof(f->conf.http_listen), "*:8887");
    snprintf(f->conf.fw_svc_table, sizeof(f->conf.fw_svc_table),
             "sipwarden_fw");
    f->conf.prov_known = true;
    sec_settings_defaults(&f->sec);
    admin_config_defaults(&f->adm);
    /* Cheap hashes: the fixtures verify passwords many times. */
    f->adm.pw_opslimit = crypto_pwhash_OPSLIMIT_MIN;
    f->adm.pw_memlimit = crypto_pwhash_MEMLIMIT_MIN;
    assert_int_equal(
        sec_net_parse(sv_cstr("192.0.2.10"), 0, &f->own[0], NULL, NULL, 0), 0);
    f->ctx = (struct checklist_ctx){ .conf = &f->conf,
                                     .st = f->st,
                                     .sec = &f->sec,
                                     .adm = &f->adm,
                                     .own = f->own,
                                     .n_own = 1,
                                     .now = (int64_t)time(NULL),
                                     .fw_probe = fake_probe,
                                     .fw_ud = f };
    f->fw_answer = 1;
    assert_int_equal(store_tenant_add(f->st, "example.com", NULL, &f->tenant),
                     0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    tmpdir_rm(&f->dir);
    free(f);
    return 0;
}

/* Run item 'id' and check its status; returns the evidence. */
static const char *expect(struct fx *f, const char *id,
                          enum checklist_status want)
{
    static struct checklist_result r;
    for (size_t i = 0; i < checklist_count(); i++) {
        if (strcmp(checklist_item(i)->id, id) == 0) {
            assert_int_equal(checklist_item_run(&f->ctx, i, &r), 0);
            if (r.status != want) {
                print_error("%s: %s, wanted %s: %s\n", id,
                            checklist_status_name(r.status),
                            checklist_status_name(want), r.evidence);
            }
            assert_int_equal(r.status, want);
            assert_string_equal(r.id, id);
            /* Every warn and fail says what to do. */
            assert_true(want == CHECKLIST_PASS || r.fix[0] != '\0');
            return r.evidence;
        }
    }
    fail_msg("no item %s", id);
    return NULL;
}

static void expect_names(struct fx *f, const char *id,
                         enum checklist_status want, const char *name)
{
    const char *ev = expect(f, id, want);
    if (!strstr(ev, name)) {
        fail_msg("%s: evidence does not name '%s': %s", id, name, ev);
    }
}

/* SQL on the fixture database through its own connection (back-dating
 * rows the store API stamps with the current time). */
static void sql(struct fx *f, const char *q)
{
    char path[512];
    sqlite3 *db = NULL;
    snprintf(path, sizeof(path), "%s/sipwarden.db", f->dir.path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *err = NULL;
    int rc = sqlite3_exec(db, q, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        print_error("%s: %s\n", q, err ? err : "?");
    }
    sqlite3_free(err);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}

static int64_t add_admin(struct fx *f, const char *user,
                         enum store_admin_role role, const char *pw,
                         bool must_change, int64_t now)
{
    char hash[ADMIN_PW_HASH_CAP];
    int64_t id = 0;
    assert_int_equal(admin_password_hash(&f->adm, pw, hash), 0);
    struct store_admin_new a = { .username = user,
                                 .role = role,
                                 .tenant_id =
                                     role == STORE_ADMIN_SYSTEM ? 0 : f->tenant,
                                 .pw_hash = hash,
                                 .must_change = must_change };
    assert_int_equal(store_admin_add(f->st, &a, now, &id), 0);
    return id;
}

static int64_t add_user(struct fx *f, const char *ext, enum store_role role)
{
    int64_t id = 0;
    assert_int_equal(store_user_add(f->st, f->tenant, ext, NULL, role, NULL,
                                    "Kx9-pw-long-enough", &id),
                     0);
    return id;
}

static int64_t add_trunk(struct fx *f, const char *name, uint32_t max_calls)
{
    struct store_trunk t;
    int64_t id = 0;
    memset(&t, 0, sizeof(t));
    snprintf(t.name, sizeof(t.name), "%s", name);
    t.kind = STORE_TRUNK_IP;
    snprintf(t.transport, sizeof(t.transport), "udp");
    snprintf(t.networks, sizeof(t.networks), "198.51.100.0/24");
    t.max_calls = max_calls;
    assert_int_equal(store_trunk_add(f->st, &t, NULL, f->ctx.now, &id), 0);
    return id;
}

static void write_file(struct fx *f, const char *name, const char *text,
                       char *path, size_t cap)
{
    tmpdir_file(&f->dir, name, path, cap);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* ---- access ------------------------------------------------------------- */

static void item_admin_default_password(void **state)
{
    struct fx *f = *state;
    expect(f, "admin.default_password", CHECKLIST_WARN); /* none yet */
    add_admin(f, "admin", STORE_ADMIN_SYSTEM, "Str0ng-and-l0ng!", false,
              f->ctx.now);
    expect(f, "admin.default_password", CHECKLIST_PASS);
    add_admin(f, "ops", STORE_ADMIN_TENANT, "ops", false, f->ctx.now);
    expect_names(f, "admin.default_password", CHECKLIST_FAIL, "ops");
}

static void item_admin_default_password_admin(void **state)
{
    struct fx *f = *state;
    add_admin(f, "admin", STORE_ADMIN_SYSTEM, "admin", true, f->ctx.now);
    expect_names(f, "admin.default_password", CHECKLIST_FAIL,
                 "admin (password \"admin\")");
}

/* Past the cap on verifications, system administrators are still
 * checked first. */
static void item_admin_default_password_order(void **state)
{
    struct fx *f = *state;
    char name[16];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "a%02d", i);
        add_admin(f, name, STORE_ADMIN_TENANT, "Str0ng-and-l0ng!", false,
                  f->ctx.now);
    }
    const char *ev = expect(f, "admin.default_password", CHECKLIST_PASS);
    assert_non_null(strstr(ev, "16 of 20"));
    add_admin(f, "zz", STORE_ADMIN_SYSTEM, "zz", false, f->ctx.now);
    expect_names(f, "admin.default_password", CHECKLIST_FAIL,
                 "zz (password = username)");
}

static void item_admin_2fa(void **state)
{
    struct fx *f = *state;
    int64_t id = add_admin(f, "root1", STORE_ADMIN_SYSTEM, "Str0ng-and-l0ng!",
                           false, f->ctx.now);
    expect_names(f, "admin.2fa", CHECKLIST_FAIL, "root1");
    f->adm.require_2fa = true; /* enrolment forced at sign-in */
    expect_names(f, "admin.2fa", CHECKLIST_WARN, "root1");
    static const uint8_t secret[20] = { 1, 2, 3 };
    assert_int_equal(store_admin_totp_set_pending(f->st, id, secret,
                                                  sizeof(secret), f->ctx.now),
                     0);
    assert_int_equal(store_admin_totp_enable(f->st, id, 1, f->ctx.now), 0);
    expect(f, "admin.2fa", CHECKLIST_PASS);
}

static void item_admin_login_protection(void **state)
{
    struct fx *f = *state;
    expect(f, "admin.login_protection", CHECKLIST_PASS);
    f->adm.login_max_failures = 50;
    expect_names(f, "admin.login_protection", CHECKLIST_WARN,
                 "login_max_failures = 50");
}

static void item_portal_plain_http(void **state)
{
    struct fx *f = *state;
    expect(f, "portal.plain_http", CHECKLIST_PASS);
    snprintf(f->conf.http_plain_listen, sizeof(f->conf.http_plain_listen),
             "*:8080");
    expect_names(f, "portal.plain_http", CHECKLIST_FAIL, "*:8080");
    f->conf.http_plain_listen[0] = '\0';
    snprintf(f->conf.prov_plain, sizeof(f->conf.prov_plain), "*:8088");
    expect_names(f, "portal.plain_http", CHECKLIST_FAIL,
                 "provisioning on *:8088");
}

static void item_portal_admin_networks(void **state)
{
    struct fx *f = *state;
    expect_names(f, "portal.admin_networks", CHECKLIST_WARN,
                 "allowed_networks");
    assert_int_equal(
        admin_setting_parse(&f->adm, "allowed_networks", "10.0.0.0/8", NULL),
        0);
    expect(f, "portal.admin_networks", CHECKLIST_PASS);
}

static void item_tls_transport(void **state)
{
    struct fx *f = *state;
    expect(f, "tls.transport", CHECKLIST_PASS);
    f->conf.sip_tls[0] = '\0';
    expect_names(f, "tls.transport", CHECKLIST_WARN, "[sip] tls");
    snprintf(f->conf.sip_wss, sizeof(f->conf.sip_wss), "*:5065");
    expect(f, "tls.transport", CHECKLIST_PASS);
}

/* A certificate for 'cn' valid [nb, na], signed by 'ca' (NULL: itself). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *ca,
                       EVP_PKEY *ca_key, int64_t nb, int64_t na)
{
    static long serial = 1;
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : name);
    assert_true(X509_sign(x, ca ? ca_key : key, EVP_sha256()) > 0);
    return x;
}

static void write_cert(struct fx *f, const char *file, X509 *x)
{
    tmpdir_file(&f->dir, file, f->conf.tls_cert, sizeof(f->conf.tls_cert));
    FILE *fp = fopen(f->conf.tls_cert, "w");
    assert_non_null(fp);
    assert_int_equal(PEM_write_X509(fp, x), 1);
    fclose(fp);
}

static void item_tls_certificate(void **state)
{
    struct fx *f = *state;
    int64_t now = f->ctx.now;
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(ca_key);
    assert_non_null(key);
    X509 *ca =
        make_cert(ca_key, "Test CA", NULL, NULL, now - DAY, now + 900 * DAY);
    X509 *leaf = make_cert(key, "pbx.example.com", ca, ca_key, now - DAY,
                           now + 365 * DAY);

    expect_names(f, "tls.certificate", CHECKLIST_WARN, "self-signed");
    write_cert(f, "leaf.pem", leaf);
    expect_names(f, "tls.certificate", CHECKLIST_PASS, "pbx.example.com");
    f->ctx.now = now + 350 * DAY; /* 15 days left */
    expect_names(f, "tls.certificate", CHECKLIST_WARN, "expires in");
    f->ctx.now = now + 400 * DAY;
    expect_names(f, "tls.certificate", CHECKLIST_FAIL, "expired");
    f->ctx.now = now;
    write_cert(f, "ca.pem", ca); /* self-signed */
    expect_names(f, "tls.certificate", CHECKLIST_WARN, "self-signed");
    tmpdir_file(&f->dir, "missing.pem", f->conf.tls_cert,
                sizeof(f->conf.tls_cert));
    expect_names(f, "tls.certificate", CHECKLIST_FAIL, "missing.pem");
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
}

static void item_sip_default_ports(void **state)
{
    struct fx *f = *state;
    expect(f, "sip.default_ports", CHECKLIST_PASS);
    snprintf(f->conf.sip_udp, sizeof(f->conf.sip_udp), "0.0.0.0:5060");
    expect_names(f, "sip.default_ports", CHECKLIST_WARN,
                 "[sip] udp = 0.0.0.0:5060");
}

static void item_ssh_port(void **state)
{
    struct fx *f = *state;
    char path[512];
    write_file(f, "sshd_ok", "# moved\nPort 10210\n", path, sizeof(path));
    f->ctx.sshd_config = path;
    expect_names(f, "ssh.port", CHECKLIST_PASS, "10210");
    write_file(f, "sshd_22", "Port 2222\nPort 22\n", path, sizeof(path));
    expect_names(f, "ssh.port", CHECKLIST_WARN, "port 22");
    write_file(f, "sshd_none", "PermitRootLogin no\n", path, sizeof(path));
    expect_names(f, "ssh.port", CHECKLIST_WARN, "no Port line");
    tmpdir_file(&f->dir, "absent", path, sizeof(path));
    expect(f, "ssh.port", CHECKLIST_PASS);
}

/* ---- accounts ----------------------------------------------------------- */

static void item_passwords_portal(void **state)
{
    struct fx *f = *state;
    int64_t now = f->ctx.now;
    add_admin(f, "tadmin", STORE_ADMIN_TENANT, "Str0ng-and-l0ng!", false, now);
    expect(f, "passwords.portal", CHECKLIST_PASS);
    f->ctx.now = now + 100 * DAY; /* tenant expiry: 90 days */
    expect_names(f, "passwords.portal", CHECKLIST_FAIL, "tadmin (100 days");
    f->ctx.now = now;
    add_admin(f, "newbie", STORE_ADMIN_TENANT, "Str0ng-and-l0ng!", true, now);
    expect_names(f, "passwords.portal", CHECKLIST_WARN, "newbie");
}

static void item_passwords_sip(void **state)
{
    struct fx *f = *state;
    add_user(f, "100", STORE_ROLE_STANDARD);
    expect_names(f, "passwords.sip", CHECKLIST_WARN, "100@example.com");
    f->ctx.now += 100 * DAY;
    expect_names(f, "passwords.sip", CHECKLIST_FAIL,
                 "100@example.com (100 days");
    f->ctx.now -= 100 * DAY;
    /* Created a day before its password was last set. */
    sql(f, "UPDATE users SET created_at = created_at - 86400");
    const char *ev = expect(f, "passwords.sip", CHECKLIST_PASS);
    assert_non_null(strstr(ev, "HA1"));
}

static void item_accounts_inactive(void **state)
{
    struct fx *f = *state;
    int64_t now = f->ctx.now;
    add_admin(f, "fresh", STORE_ADMIN_SYSTEM, "Str0ng-and-l0ng!", false, now);
    int64_t uid = add_user(f, "100", STORE_ROLE_STANDARD);
    expect(f, "accounts.inactive", CHECKLIST_PASS);
    add_admin(f, "gone", STORE_ADMIN_SYSTEM, "Str0ng-and-l0ng!", false,
              now - 120 * DAY);
    expect_names(f, "accounts.inactive", CHECKLIST_WARN,
                 "gone (never signed in)");
    sql(f, "DELETE FROM admins WHERE username = 'gone'");
    sql(f, "UPDATE users SET created_at = created_at - 120 * 86400");
    expect_names(f, "accounts.inactive", CHECKLIST_WARN, "100@example.com");
    struct store_binding b = { .user_id = uid,
                               .aor = "sip:100@example.com",
                               .contact_uri = "sip:100@192.0.2.50:5060",
                               .expires_at = now + 3600,
                               .call_id = "c1",
                               .source = "udp:192.0.2.50:5060",
                               .user_agent = "phone",
                               .path = "",
                               .received = "",
                               .instance = "" };
    assert_int_equal(store_binding_upsert(f->st, &b, now, NULL), 0);
    expect(f, "accounts.inactive", CHECKLIST_PASS);
}

static void item_users_international(void **state)
{
    struct fx *f = *state;
    add_user(f, "100", STORE_ROLE_STANDARD);
    expect(f, "users.international", CHECKLIST_PASS);
    add_user(f, "200", STORE_ROLE_INTERNATIONAL);
    expect_names(f, "users.international", CHECKLIST_WARN,
                 "200@example.com (international)");
}

/* ---- calls -------------------------------------------------------------- */

static void item_trunks_concurrency(void **state)
{
    struct fx *f = *state;
    add_trunk(f, "limited", 10);
    expect(f, "trunks.concurrency", CHECKLIST_PASS);
    int64_t id = add_trunk(f, "open", 0);
    expect_names(f, "trunks.concurrency", CHECKLIST_WARN, "open");
    assert_int_equal(store_trunk_limit_set(f->st, id, f->tenant, 5), 0);
    expect(f, "trunks.concurrency", CHECKLIST_PASS);
}

static void add_rule(struct fx *f, const char *name, const char *prefix,
                     int64_t trunk, bool hours)
{
    struct store_outbound_rule r;
    memset(&r, 0, sizeof(r));
    r.tenant_id = f->tenant;
    snprintf(r.name, sizeof(r.name), "%s", name);
    snprintf(r.prefix, sizeof(r.prefix), "%s", prefix);
    r.office_hours_only = hours;
    r.trunk_ids[0] = trunk;
    r.n_trunks = 1;
    assert_int_equal(store_outbound_add(f->st, &r, f->ctx.now, NULL), 0);
}

static void item_routes_office_hours(void **state)
{
    struct fx *f = *state;
    int64_t t = add_trunk(f, "carrier", 10);
    add_rule(f, "local", "1", t, false);
    add_rule(f, "intl-day", "00", t, true);
    expect(f, "routes.office_hours", CHECKLIST_PASS);
    add_rule(f, "intl-any", "0044", t, false);
    expect_names(f, "routes.office_hours", CHECKLIST_WARN,
                 "intl-any of example.com");
}

static void item_tenants_country_codes(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_list_add(f->st, STORE_LIST_COUNTRY, f->tenant, "44",
                                    NULL, f->ctx.now, NULL),
                     0);
    expect(f, "tenants.country_codes", CHECKLIST_PASS);
    /* "*" (every country) is what the router understands as no
     * restriction; the API refuses it, an edited database may hold it. */
    sql(f, "INSERT INTO allowed_countries (tenant_id, value, created_at) "
           "SELECT id, '*', 0 FROM tenants");
    expect_names(f, "tenants.country_codes", CHECKLIST_WARN, "example.com");
}

static void item_media_plain_rtp(void **state)
{
    struct fx *f = *state;
    expect_names(f, "media.plain_rtp", CHECKLIST_WARN,
                 "example.com (optional)");
    assert_int_equal(
        store_tenant_set_media(f->st, f->tenant, STORE_MEDIA_ALWAYS), 0);
    expect(f, "media.plain_rtp", CHECKLIST_PASS);
    assert_int_equal(
        store_tenant_set_media(f->st, f->tenant, STORE_MEDIA_SECURE), 0);
    expect_names(f, "media.plain_rtp", CHECKLIST_WARN, "example.com (secure)");
    f->conf.sip_udp[0] = '\0'; /* TLS only: "secure" covers every call */
    expect(f, "media.plain_rtp", CHECKLIST_PASS);
}

/* ---- shield ------------------------------------------------------------- */

static void item_whitelist_broad(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_ip_rule_add(f->st, "10.1.0.0/16", "allow", NULL,
                                       f->ctx.now, NULL),
                     0);
    assert_int_equal(store_ip_rule_add(f->st, "2001:db8::/48", "allow", NULL,
                                       f->ctx.now, NULL),
                     0);
    expect(f, "whitelist.broad", CHECKLIST_PASS);
    assert_int_equal(store_ip_rule_add(f->st, "10.0.0.0/8", "allow", "all",
                                       f->ctx.now, NULL),
                     0);
    assert_int_equal(store_ip_rule_add(f->st, "2001:db9::/32", "allow", NULL,
                                       f->ctx.now, NULL),
                     0);
    expect_names(f, "whitelist.broad", CHECKLIST_WARN, "10.0.0.0/8 (all)");
    expect_names(f, "whitelist.broad", CHECKLIST_WARN, "2001:db9::/32");
}

static void item_blacklist_own(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_ip_rule_add(f->st, "203.0.113.0/24", "block", NULL,
                                       f->ctx.now, NULL),
                     0);
    expect(f, "blacklist.own_address", CHECKLIST_PASS);
    assert_int_equal(store_ip_rule_add(f->st, "192.0.2.0/24", "block", NULL,
                                       f->ctx.now, NULL),
                     0);
    expect_names(f, "blacklist.own_address", CHECKLIST_FAIL, "192.0.2.0/24");
}

static void item_shield_thresholds(void **state)
{
    struct fx *f = *state;
    expect(f, "shield.thresholds", CHECKLIST_PASS);
    f->sec.det.auth_fail_ban = 200;
    expect_names(f, "shield.thresholds", CHECKLIST_WARN,
                 "auth_fail_threshold = 200");
    f->sec.det.period_s = 1;
    expect_names(f, "shield.thresholds", CHECKLIST_FAIL,
                 "detection_period_s = 1");
}

static void item_ua_blacklist(void **state)
{
    struct fx *f = *state;
    expect_names(f, "ua.blacklist", CHECKLIST_PASS, "not seeded");
    static const char *const pats[] = { "friendly-scanner" };
    assert_int_equal(store_ua_seed(f->st, pats, 1, f->ctx.now, NULL), 0);
    expect_names(f, "ua.blacklist", CHECKLIST_PASS, "1 blocked");
    assert_int_equal(store_ua_rule_rm(f->st, "friendly-scanner"), 0);
    expect_names(f, "ua.blacklist", CHECKLIST_WARN, "empty");
}

static void item_firewall_active(void **state)
{
    struct fx *f = *state;
    expect_names(f, "firewall.active", CHECKLIST_PASS, "sipwarden_fw");
    f->fw_answer = 0;
    expect_names(f, "firewall.active", CHECKLIST_FAIL,
                 "table inet sipwarden_fw is not loaded");
    f->fw_answer = -EPERM;
    expect_names(f, "firewall.active", CHECKLIST_WARN, "no CAP_NET_ADMIN");
    f->ctx.fw_probe = NULL;
    expect_names(f, "firewall.active", CHECKLIST_WARN, "unknown");
}

static void item_bans_kernel(void **state)
{
    struct fx *f = *state;
    expect(f, "bans.kernel", CHECKLIST_PASS);
    f->sec.kernel_sync = false;
    expect_names(f, "bans.kernel", CHECKLIST_WARN, "kernel_sync = off");
}

static void item_logs_retention(void **state)
{
    struct fx *f = *state;
    expect(f, "logs.retention", CHECKLIST_PASS);
    f->adm.audit_max_days = 0; /* kept for ever */
    expect(f, "logs.retention", CHECKLIST_PASS);
    f->sec.event_log_max_days = 7;
    expect_names(f, "logs.retention", CHECKLIST_WARN, "event_log_max_days");
    f->sec.event_log_max_days = 90;
    f->adm.audit_max_days = 10;
    expect_names(f, "logs.retention", CHECKLIST_WARN, "audit_max_days");
}

/* ---- the table ---------------------------------------------------------- */

struct fixture {
    const char *id;
    CMUnitTestFunction fn;
};

/* Every item's pass / warn-or-fail fixtures. */
static const struct fixture fixtures[] = {
    { "admin.default_password", item_admin_default_password },
    { "admin.default_password", item_admin_default_password_admin },
    { "admin.default_password", item_admin_default_password_order },
    { "admin.2fa", item_admin_2fa },
    { "admin.login_protection", item_admin_login_protection },
    { "portal.plain_http", item_portal_plain_http },
    { "portal.admin_networks", item_portal_admin_networks },
    { "tls.transport", item_tls_transport },
    { "tls.certificate", item_tls_certificate },
    { "sip.default_ports", item_sip_default_ports },
    { "ssh.port", item_ssh_port },
    { "passwords.portal", item_passwords_portal },
    { "passwords.sip", item_passwords_sip },
    { "accounts.inactive", item_accounts_inactive },
    { "users.international", item_users_international },
    { "trunks.concurrency", item_trunks_concurrency },
    { "routes.office_hours", item_routes_office_hours },
    { "tenants.country_codes", item_tenants_country_codes },
    { "media.plain_rtp", item_media_plain_rtp },
    { "whitelist.broad", item_whitelist_broad },
    { "blacklist.own_address", item_blacklist_own },
    { "shield.thresholds", item_shield_thresholds },
    { "ua.blacklist", item_ua_blacklist },
    { "firewall.active", item_firewall_active },
    { "bans.kernel", item_bans_kernel },
    { "logs.retention", item_logs_retention },
};
#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

/* Each item of the checklist has fixtures, and each fixture an item. */
static void every_item_has_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < checklist_count(); i++) {
        bool found = false;
        for (size_t j = 0; j < N_FIXTURES; j++) {
            found |= strcmp(fixtures[j].id, checklist_item(i)->id) == 0;
        }
        if (!found) {
            fail_msg("item %s has no fixture", checklist_item(i)->id);
        }
    }
    for (size_t j = 0; j < N_FIXTURES; j++) {
        bool found = false;
        for (size_t i = 0; i < checklist_count(); i++) {
            found |= strcmp(fixtures[j].id, checklist_item(i)->id) == 0;
        }
        if (!found) {
            fail_msg("fixture for unknown item %s", fixtures[j].id);
        }
    }
    /* Ids are unique. */
    for (size_t i = 0; i < checklist_count(); i++) {
        for (size_t j = i + 1; j < checklist_count(); j++) {
            assert_string_not_equal(checklist_item(i)->id,
                                    checklist_item(j)->id);
        }
    }
    assert_null(checklist_item(checklist_count()));
}

/* The JSON answer: every item once, and a summary that adds up. */
static void run_json_summary(void **state)
{
    struct fx *f = *state;
    size_t n_fail = 99;
    add_admin(f, "admin", STORE_ADMIN_SYSTEM, "admin", true, f->ctx.now);
    json_t *j = checklist_run_json(&f->ctx, &n_fail);
    assert_non_null(j);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), checklist_count());
    json_t *sum = json_object_get(j, "summary");
    json_int_t total = json_integer_value(json_object_get(sum, "pass"))
                       + json_integer_value(json_object_get(sum, "warn"))
                       + json_integer_value(json_object_get(sum, "fail"));
    assert_int_equal(total, (json_int_t)checklist_count());
    assert_int_equal(json_integer_value(json_object_get(sum, "fail")),
                     (json_int_t)n_fail);
    assert_true(n_fail >= 1); /* admin/admin */
    json_t *first = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(first, "id")),
                        "admin.default_password");
    assert_string_equal(json_string_value(json_object_get(first, "status")),
                        "fail");
    json_decref(j);
}

static void bad_arguments(void **state)
{
    struct fx *f = *state;
    struct checklist_result r;
    assert_int_equal(checklist_item_run(&f->ctx, checklist_count(), &r),
                     -EINVAL);
    struct checklist_ctx c = f->ctx;
    c.sec = NULL;
    assert_int_equal(checklist_item_run(&c, 0, &r), -EINVAL);
    assert_null(checklist_run_json(&c, NULL));
    assert_string_equal(checklist_status_name(CHECKLIST_WARN), "warn");
}

int main(void)
{
    struct CMUnitTest tests[N_FIXTURES + 3];
    size_t n = 0;

    assert_true(sodium_init() >= 0);
    for (size_t i = 0; i < N_FIXTURES; i++) {
        tests[n++] = (struct CMUnitTest){ fixtures[i].id, fixtures[i].fn, setup,
                                          teardown, NULL };
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(every_item_has_fixtures);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        run_json_summary, setup, teardown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        bad_arguments, setup, teardown);
    return _cmocka_run_group_tests("checklist", tests, n, NULL, NULL);
}
