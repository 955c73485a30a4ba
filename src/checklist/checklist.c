/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checklist's table of items in display order, the runner and the
 * JSON answer, plus the text helpers the item files share. What each item
 * looks at is in access.c, accounts.c, calls.c and shield.c.
 */
#include "checklist/checklist.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checklist/checklist_int.h"

struct item_def {
    struct checklist_item info;
    chk_item_fn *run;
};

/* Ids are stable: scripts and the portal key on them. */
static const struct item_def items[] = {
    { { "admin.default_password", "Default administrator password" },
      chk_admin_default_password },
    { { "admin.2fa", "Administrators without two-factor authentication" },
      chk_admin_2fa },
    { { "admin.login_protection", "Web sign-in brute-force protection" },
      chk_admin_login_protection },
    { { "portal.plain_http", "Plain-HTTP portal or provisioning" },
      chk_portal_plain_http },
    { { "portal.admin_networks",
        "Portal reachable without administrator IP restriction" },
      chk_portal_admin_networks },
    { { "tls.transport", "SIP over TLS" }, chk_tls_transport },
    { { "tls.certificate", "TLS certificate trusted and not expiring" },
      chk_tls_certificate },
    { { "sip.default_ports", "Default SIP ports" }, chk_sip_default_ports },
    { { "ssh.port", "SSH on port 22" }, chk_ssh_port },
    { { "passwords.portal", "Portal passwords expired or never changed" },
      chk_passwords_portal },
    { { "passwords.sip", "SIP passwords expired or never changed" },
      chk_passwords_sip },
    { { "accounts.inactive", "Inactive accounts (90 days)" },
      chk_accounts_inactive },
    { { "users.international", "Users allowed international calls" },
      chk_users_international },
    { { "trunks.concurrency", "Trunks without concurrent-call limits" },
      chk_trunks_concurrency },
    { { "routes.office_hours",
        "International outbound rules without office hours" },
      chk_routes_office_hours },
    { { "tenants.country_codes", "Tenants without allowed country codes" },
      chk_tenants_country_codes },
    { { "media.plain_rtp", "Tenants allowing unencrypted media (RTP)" },
      chk_media_plain_rtp },
    { { "whitelist.broad", "Whitelist entries broader than /16 (IPv6 /48)" },
      chk_whitelist_broad },
    { { "blacklist.own_address",
        "Blacklist entries covering this server's addresses" },
      chk_blacklist_own },
    { { "shield.thresholds", "Anti-hacking detection effectively disabled" },
      chk_shield_thresholds },
    { { "ua.blacklist", "User-Agent blacklist empty" }, chk_ua_blacklist },
    { { "firewall.active", "Service firewall loaded in the kernel" },
      chk_firewall_active },
    { { "bans.kernel", "Bans mirrored into nftables" }, chk_bans_kernel },
    { { "logs.retention", "Security log retention" }, chk_logs_retention },
};

size_t checklist_count(void)
{
    return sizeof(items) / sizeof(items[0]);
}

const struct checklist_item *checklist_item(size_t i)
{
    return i < checklist_count() ? &items[i].info : NULL;
}

const char *checklist_status_name(enum checklist_status s)
{
    switch (s) {
    case CHECKLIST_PASS:
        return "pass";
    case CHECKLIST_WARN:
        return "warn";
    case CHECKLIST_FAIL:
        return "fail";
    }
    return "?";
}

static bool ctx_ok(const struct checklist_ctx *ctx)
{
    return ctx && ctx->conf && ctx->st && ctx->sec && ctx->adm;
}

int checklist_item_run(const struct checklist_ctx *ctx, size_t i,
                       struct checklist_result *out)
{
    if (!ctx_ok(ctx) || i >= checklist_count() || !out) {
        return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    out->id = items[i].info.id;
    out->title = items[i].info.title;
    out->status = CHECKLIST_PASS;
    items[i].run(ctx, out);
    return 0;
}

json_t *checklist_run_json(const struct checklist_ctx *ctx, size_t *n_fail)
{
    size_t n[3] = { 0, 0, 0 };
    struct checklist_result r;

    if (!ctx_ok(ctx)) {
        return NULL;
    }
    json_t *arr = json_array();
    if (!arr) {
        return NULL;
    }
    for (size_t i = 0; i < checklist_count(); i++) {
        checklist_item_run(ctx, i, &r);
        n[r.status]++;
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", r.id, "title", r.title,
                      "status", checklist_status_name(r.status), "evidence",
                      r.evidence, "fix", r.fix);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    if (n_fail) {
        *n_fail = n[CHECKLIST_FAIL];
    }
    return json_pack("{s:o, s:{s:I, s:I, s:I}}", "items", arr, "summary",
                     "pass", (json_int_t)n[CHECKLIST_PASS], "warn",
                     (json_int_t)n[CHECKLIST_WARN], "fail",
                     (json_int_t)n[CHECKLIST_FAIL]);
}

/* ---- text helpers ------------------------------------------------------- */

/* vsnprintf at dst + strlen(dst), marking a cut with "...". */
static void vappend(char *dst, size_t cap, const char *fmt, va_list ap)
{
    size_t len = strnlen(dst, cap);
    if (len + 1 >= cap) {
        return;
    }
    int n = vsnprintf(dst + len, cap - len, fmt, ap);
    if (n >= 0 && (size_t)n >= cap - len && cap >= 4) {
        memcpy(dst + cap - 4, "...", 4);
    }
}

void chk_list_add(struct chk_list *l, const char *fmt, ...)
{
    va_list ap;

    l->n++;
    if (l->n > CHK_LIST_MAX) {
        return;
    }
    if (l->n > 1) {
        size_t len = strnlen(l->text, sizeof(l->text));
        if (len + 3 < sizeof(l->text)) {
            memcpy(l->text + len, ", ", 3);
        }
    }
    va_start(ap, fmt);
    vappend(l->text, sizeof(l->text), fmt, ap);
    va_end(ap);
}

const char *chk_list_text(struct chk_list *l)
{
    if (l->n > CHK_LIST_MAX) {
        size_t len = strnlen(l->text, sizeof(l->text));
        snprintf(l->text + len, sizeof(l->text) - len, " and %zu more",
                 l->n - CHK_LIST_MAX);
    }
    return l->text;
}

void chk_set(struct checklist_result *r, enum checklist_status s,
             const char *fmt, ...)
{
    va_list ap;

    r->status = s;
    r->evidence[0] = '\0';
    va_start(ap, fmt);
    vappend(r->evidence, sizeof(r->evidence), fmt, ap);
    va_end(ap);
}

void chk_more(struct checklist_result *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vappend(r->evidence, sizeof(r->evidence), fmt, ap);
    va_end(ap);
}

void chk_fix(struct checklist_result *r, const char *fmt, ...)
{
    va_list ap;

    r->fix[0] = '\0';
    va_start(ap, fmt);
    vappend(r->fix, sizeof(r->fix), fmt, ap);
    va_end(ap);
}

void chk_unreadable(struct checklist_result *r, const char *what, int rc)
{
    chk_set(r, CHECKLIST_WARN, "could not be checked: reading %s failed (%s)",
            what, strerror(rc < 0 ? -rc : rc));
    chk_fix(r, "check the database and run the audit again");
}

unsigned chk_addr_port(const char *addr)
{
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    unsigned port = 0;

    if (!colon) {
        return 0;
    }
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9' || port > 65535) {
            return 0;
        }
        port = port * 10 + (unsigned)(*p - '0');
    }
    return port <= 65535 ? port : 0;
}
