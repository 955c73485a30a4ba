/* SPDX-License-Identifier: Apache-2.0 */
/* Checklist internals: the item functions of each file and the helpers
 * that build evidence texts. Never included outside src/checklist/. */
#ifndef SW_CHECKLIST_CHECKLIST_INT_H
#define SW_CHECKLIST_CHECKLIST_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "checklist/checklist.h"

/* One item: fills status, evidence and fix of 'r' (id and title are set
 * by the caller; status starts as pass, texts empty). */
typedef void chk_item_fn(const struct checklist_ctx *ctx,
                         struct checklist_result *r);

/* Offenders named in evidence before "and N more". */
#define CHK_LIST_MAX 10

/* Collects offender names into a text: "a, b, c and 4 more". */
struct chk_list {
    char text[CHECKLIST_TEXT_CAP / 2];
    size_t n;
};

void chk_list_add(struct chk_list *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The collected names, with "and N more" when past CHK_LIST_MAX. */
const char *chk_list_text(struct chk_list *l);

/* Set the status, and the evidence from fmt (cut with "..." to fit). */
void chk_set(struct checklist_result *r, enum checklist_status s,
             const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append to the evidence ("" separator handling is the caller's). */
void chk_more(struct checklist_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set the fix text. */
void chk_fix(struct checklist_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The item could not be checked: warn, naming what failed to read. */
void chk_unreadable(struct checklist_result *r, const char *what, int rc);

/* The port of a listener address ("*:5060", "[::]:5061"), 0 if none. */
unsigned chk_addr_port(const char *addr);

struct store;
struct store_admin;
struct store_tenant;

/* Every portal account (heap array, free() it) / every tenant. Returns 0
 * or the store's -errno. */
int chk_admins_load(struct store *st, struct store_admin **out, size_t *n);
int chk_tenants_load(struct store *st, struct store_tenant **out, size_t *n);

/* access.c: administrators, portal, TLS, ports, SSH. */
chk_item_fn chk_admin_default_password;
chk_item_fn chk_admin_2fa;
chk_item_fn chk_admin_login_protection;
chk_item_fn chk_portal_plain_http;
chk_item_fn chk_portal_admin_networks;
chk_item_fn chk_tls_transport;
chk_item_fn chk_tls_certificate;
chk_item_fn chk_sip_default_ports;
chk_item_fn chk_ssh_port;

/* accounts.c: passwords, inactive accounts, permissions. */
chk_item_fn chk_passwords_portal;
chk_item_fn chk_passwords_sip;
chk_item_fn chk_accounts_inactive;
chk_item_fn chk_users_international;

/* calls.c: trunks, outbound rules, tenants, media. */
chk_item_fn chk_trunks_concurrency;
chk_item_fn chk_routes_office_hours;
chk_item_fn chk_tenants_country_codes;
chk_item_fn chk_media_plain_rtp;

/* shield.c: lists, thresholds, firewall, logs. */
chk_item_fn chk_whitelist_broad;
chk_item_fn chk_blacklist_own;
chk_item_fn chk_shield_thresholds;
chk_item_fn chk_ua_blacklist;
chk_item_fn chk_firewall_active;
chk_item_fn chk_bans_kernel;
chk_item_fn chk_logs_retention;

#endif
