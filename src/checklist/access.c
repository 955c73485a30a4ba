/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checklist items about getting in: the default administrator password,
 * administrators without 2FA, web sign-in protection, plain-HTTP
 * listeners, the administrator network restriction, TLS transport and
 * certificate, default SIP ports and SSH on port 22. The account list is
 * read once per item (accounts.c's chk_admins_load).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "admin/admin.h"
#include "admin/password.h"
#include "checklist/checklist_int.h"
#include "fw/ssh.h"
#include "store/admin.h"

/* Accounts whose password is checked against the well-known ones: each
 * costs up to two Argon2id verifications (tens of ms each, on the
 * daemon's main thread), so system administrators come first and the
 * count is capped. */
#define DEFAULT_PW_CHECK_MAX 16

/* Web sign-in: more failures than this, or a shorter block, is weak. */
#define LOGIN_MAX_FAILURES 10
#define LOGIN_MIN_BLOCK_S  300

static bool is_admin_role(const struct store_admin *a)
{
    return a->role == STORE_ADMIN_SYSTEM || a->role == STORE_ADMIN_TENANT;
}

void chk_admin_default_password(const struct checklist_ctx *ctx,
                                struct checklist_result *r)
{
    struct store_admin *as = NULL;
    size_t n = 0;
    size_t checked = 0;
    struct chk_list bad = { .n = 0 };
    char hash[256];
    int rc = chk_admins_load(ctx->st, &as, &n);

    if (rc != 0) {
        chk_unreadable(r, "the administrator accounts", rc);
        return;
    }
    size_t n_admins = 0;
    for (size_t k = 0; k < 2 * n && checked < DEFAULT_PW_CHECK_MAX; k++) {
        /* System administrators in the first round, tenant ones next. */
        size_t i = k % n;
        enum store_admin_role round =
            k < n ? STORE_ADMIN_SYSTEM : STORE_ADMIN_TENANT;
        if (as[i].role != round) {
            continue;
        }
        checked++;
        if (store_admin_pw_hash(ctx->st, as[i].id, hash, sizeof(hash)) != 0) {
            continue;
        }
        if (admin_password_verify(hash, "admin") == 0) {
            chk_list_add(&bad, "%s (password \"admin\")", as[i].username);
        } else if (admin_password_verify(hash, as[i].username) == 0) {
            chk_list_add(&bad, "%s (password = username)", as[i].username);
        }
    }
    if (n == 0) {
        /* store_admin_ensure_default() runs when the daemon starts. */
        chk_set(r, CHECKLIST_WARN,
                "no portal account yet: the daemon creates \"admin\" with "
                "password \"admin\" when it first starts");
        chk_fix(r, "start the daemon, sign in as admin and change the "
                   "password at once");
        free(as);
        return;
    }
    if (bad.n > 0) {
        free(as);
        chk_set(r, CHECKLIST_FAIL, "well-known password in use: %s",
                chk_list_text(&bad));
        chk_fix(r, "sign in to the portal as that account and change its "
                   "password (profile > Change password)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        n_admins += is_admin_role(&as[i]) ? 1 : 0;
    }
    free(as);
    chk_set(r, CHECKLIST_PASS,
            "%zu of %zu administrator account(s) checked (system "
            "administrators first): none uses \"admin\" or its username as "
            "password",
            checked, n_admins);
}

void chk_admin_2fa(const struct checklist_ctx *ctx, struct checklist_result *r)
{
    struct store_admin *as = NULL;
    size_t n = 0;
    size_t n_admins = 0;
    bool system_without = false;
    struct chk_list bad = { .n = 0 };
    int rc = chk_admins_load(ctx->st, &as, &n);

    if (rc != 0) {
        chk_unreadable(r, "the administrator accounts", rc);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_admin_role(&as[i])) {
            continue;
        }
        n_admins++;
        if (!as[i].totp_enabled) {
            system_without |= as[i].role == STORE_ADMIN_SYSTEM;
            chk_list_add(&bad, "%s (%s)", as[i].username,
                         store_admin_role_name(as[i].role));
        }
    }
    free(as);
    if (bad.n == 0) {
        chk_set(r, CHECKLIST_PASS,
                "all %zu administrator account(s) have TOTP enabled", n_admins);
        return;
    }
    /* A system administrator without 2FA is a fail unless sign-in already
     * forces enrolment (require_2fa). */
    chk_set(r,
            system_without && !ctx->adm->require_2fa ? CHECKLIST_FAIL
                                                     : CHECKLIST_WARN,
            "without two-factor authentication: %s; require_2fa is %s",
            chk_list_text(&bad), ctx->adm->require_2fa ? "on" : "off");
    chk_fix(r, "each administrator enrols TOTP in the portal (profile > "
               "Two-factor); to force it: sipwarden admin-settings set "
               "require_2fa true");
}

void chk_admin_login_protection(const struct checklist_ctx *ctx,
                                struct checklist_result *r)
{
    const struct admin_config *a = ctx->adm;

    if (a->login_max_failures > LOGIN_MAX_FAILURES
        || a->login_block_s < LOGIN_MIN_BLOCK_S) {
        chk_set(r, CHECKLIST_WARN,
                "login_max_failures = %u in %u s, login_block_s = %u (wanted "
                "at most %u failures and a block of at least %u s)",
                a->login_max_failures, a->login_period_s, a->login_block_s,
                LOGIN_MAX_FAILURES, LOGIN_MIN_BLOCK_S);
        chk_fix(r, "sipwarden admin-settings set login_max_failures 5; "
                   "sipwarden admin-settings set login_block_s 900");
        return;
    }
    chk_set(r, CHECKLIST_PASS,
            "%u failed sign-ins in %u s block the address for %u s",
            a->login_max_failures, a->login_period_s, a->login_block_s);
}

void chk_portal_plain_http(const struct checklist_ctx *ctx,
                           struct checklist_result *r)
{
    const struct checklist_conf *c = ctx->conf;
    bool prov_plain = c->prov_known && c->prov_plain[0] != '\0';

    if (c->http_plain_listen[0] == '\0' && !prov_plain) {
        chk_set(r, CHECKLIST_PASS, "no plain-HTTP portal listener%s",
                c->prov_known ? " and no plain-HTTP provisioning"
                              : " (provisioning: no plain-HTTP setting in "
                                "this configuration)");
        return;
    }
    chk_set(r, CHECKLIST_FAIL, "plain HTTP open:");
    if (c->http_plain_listen[0] != '\0') {
        chk_more(r, " portal and API on [http] plain_listen = %s",
                 c->http_plain_listen);
    }
    if (prov_plain) {
        chk_more(r, "%s provisioning on %s",
                 c->http_plain_listen[0] != '\0' ? ";" : "", c->prov_plain);
    }
    chk_more(r, " (passwords and session cookies cross the network in the "
                "clear)");
    chk_fix(r, "remove [http] plain_listen (and plain-HTTP provisioning) from "
               "the configuration file and restart; use HTTPS only");
}

void chk_portal_admin_networks(const struct checklist_ctx *ctx,
                               struct checklist_result *r)
{
    if (ctx->conf->http_listen[0] == '\0'
        && ctx->conf->http_plain_listen[0] == '\0') {
        chk_set(r, CHECKLIST_PASS,
                "the portal and API are off ([http] listen "
                "is empty)");
        return;
    }
    if (ctx->adm->n_allowed_nets == 0) {
        chk_set(r, CHECKLIST_WARN,
                "administrators may sign in from any address (admin setting "
                "allowed_networks is empty; portal on %s)",
                ctx->conf->http_listen[0] ? ctx->conf->http_listen
                                          : ctx->conf->http_plain_listen);
        chk_fix(r, "sipwarden admin-settings set allowed_networks "
                   "\"OFFICE-CIDR, VPN-CIDR\"");
        return;
    }
    chk_set(r, CHECKLIST_PASS,
            "administrator sign-in restricted to %u network(s)",
            ctx->adm->n_allowed_nets);
}

void chk_tls_transport(const struct checklist_ctx *ctx,
                       struct checklist_result *r)
{
    const struct checklist_conf *c = ctx->conf;

    if (c->sip_tls[0] == '\0' && c->sip_wss[0] == '\0') {
        chk_set(
            r, CHECKLIST_WARN,
            "SIP over TLS is off ([sip] tls and wss are empty): signalling and "
            "SDES keys travel in the clear%s%s%s%s",
            c->sip_udp[0] ? "; udp " : "", c->sip_udp,
            c->sip_tcp[0] ? "; tcp " : "", c->sip_tcp);
        chk_fix(r, "set [sip] tls = *:5061 (or another port) with tls_cert "
                   "and tls_key, and move phones to TLS");
        return;
    }
    chk_set(r, CHECKLIST_PASS, "SIP over TLS on %s%s%s",
            c->sip_tls[0] ? c->sip_tls : "-", c->sip_wss[0] ? ", WSS on " : "",
            c->sip_wss);
}

/* Days from 'now' to 'when' (negative: past), from an ASN1_TIME. */
static int cert_days_left(const ASN1_TIME *when, int64_t now, int *days)
{
    ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)now);
    int d = 0;
    int s = 0;
    int ok = t && ASN1_TIME_diff(&d, &s, t, when);

    ASN1_TIME_free(t);
    if (!ok) {
        return -EINVAL;
    }
    *days = d - (s < 0 && d <= 0 ? 1 : 0);
    return 0;
}

void chk_tls_certificate(const struct checklist_ctx *ctx,
                         struct checklist_result *r)
{
    const char *path = ctx->conf->tls_cert;

    if (path[0] == '\0') {
        chk_set(r, CHECKLIST_WARN,
                "no certificate configured ([sip] tls_cert is empty): TLS "
                "and the portal use a self-signed certificate generated in "
                "the data directory, which phones and browsers cannot verify");
        chk_fix(r, "set [sip] tls_cert and tls_key to a certificate from a "
                   "trusted CA and restart");
        return;
    }
    FILE *f = fopen(path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) {
        fclose(f);
    }
    if (!x) {
        chk_set(r, CHECKLIST_FAIL, "certificate %s cannot be read as PEM",
                path);
        chk_fix(r, "point [sip] tls_cert at a readable PEM certificate");
        return;
    }
    int days = 0;
    int rc = cert_days_left(X509_get0_notAfter(x), ctx->now, &days);
    bool self = X509_check_issued(x, x) == X509_V_OK;
    char subject[256] = "";
    X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
    X509_free(x);
    if (rc != 0) {
        chk_set(r, CHECKLIST_WARN, "certificate %s: expiry date unreadable",
                path);
        chk_fix(r, "replace the certificate");
        return;
    }
    if (days < 0) {
        chk_set(r, CHECKLIST_FAIL, "certificate %s (%s) expired %d day(s) ago",
                path, subject, -days);
        chk_fix(r, "renew the certificate and restart the daemon");
        return;
    }
    if (days < CHECKLIST_CERT_WARN_DAYS || self) {
        chk_set(r, CHECKLIST_WARN, "certificate %s (%s):", path, subject);
        if (days < CHECKLIST_CERT_WARN_DAYS) {
            chk_more(r, " expires in %d day(s)", days);
        }
        if (self) {
            chk_more(r, "%s self-signed",
                     days < CHECKLIST_CERT_WARN_DAYS ? ";" : "");
        }
        chk_fix(r,
                "install a certificate from a trusted CA, renewed more "
                "than %d days before it expires",
                CHECKLIST_CERT_WARN_DAYS);
        return;
    }
    chk_set(r, CHECKLIST_PASS, "certificate %s (%s) valid for %d more days",
            path, subject, days);
}

void chk_sip_default_ports(const struct checklist_ctx *ctx,
                           struct checklist_result *r)
{
    const struct checklist_conf *c = ctx->conf;
    const struct {
        const char *name;
        const char *addr;
    } ls[] = { { "udp", c->sip_udp },
               { "tcp", c->sip_tcp },
               { "tls", c->sip_tls } };
    struct chk_list bad = { .n = 0 };

    for (size_t i = 0; i < sizeof(ls) / sizeof(ls[0]); i++) {
        unsigned port = chk_addr_port(ls[i].addr);
        if (ls[i].addr[0] != '\0' && (port == 5060 || port == 5061)) {
            chk_list_add(&bad, "[sip] %s = %s", ls[i].name, ls[i].addr);
        }
    }
    if (bad.n > 0) {
        chk_set(r, CHECKLIST_WARN,
                "default SIP port(s), the first that scanners try: %s",
                chk_list_text(&bad));
        chk_fix(r, "move the listeners to other ports (e.g. [sip] udp = "
                   "*:15060) and update phones, trunks and the firewall");
        return;
    }
    chk_set(r, CHECKLIST_PASS, "no SIP listener on 5060 or 5061");
}

void chk_ssh_port(const struct checklist_ctx *ctx, struct checklist_result *r)
{
    const char *path = ctx->sshd_config ? ctx->sshd_config : FW_SSHD_CONFIG;
    uint16_t ports[8];
    int n = fw_sshd_ports_read(path, ports, 8);

    if (n == -ENOENT) {
        if (ctx->conf->fw_ssh_port == 22) {
            chk_set(r, CHECKLIST_WARN,
                    "no %s; [firewall] ssh_port = 22 opens SSH on port 22",
                    path);
            chk_fix(r,
                    "move sshd to another port (Port in %s) and set "
                    "[firewall] ssh_port to match",
                    FW_SSHD_CONFIG);
            return;
        }
        chk_set(r, CHECKLIST_PASS, "no %s (SSH server not installed)", path);
        return;
    }
    if (n < 0) {
        chk_set(r, CHECKLIST_WARN, "could not be checked: %s: %s", path,
                strerror(-n));
        chk_fix(r, "make %s readable and correct, then run the audit again",
                path);
        return;
    }
    bool on22 = n == 0;
    for (int i = 0; i < n; i++) {
        on22 |= ports[i] == 22;
    }
    if (on22) {
        chk_set(r, CHECKLIST_WARN, "sshd listens on port 22 (%s)",
                n == 0 ? "no Port line in the configuration" : path);
        chk_fix(r,
                "set \"Port 10210\" (or another port) in %s, restart sshd "
                "and set [firewall] ssh_port to match",
                path);
        return;
    }
    chk_set(r, CHECKLIST_PASS, "sshd listens on port %u (%s)",
            (unsigned)ports[0], path);
}
