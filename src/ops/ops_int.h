/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the ops files: responses, request members, lookups.
 * Never included outside src/ops/. */
#ifndef SW_OPS_OPS_INT_H
#define SW_OPS_OPS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ops/ops.h"
#include "store/store.h"

/* Handler of one operation; same contract as ops_exec. */
typedef int ops_handler_fn(struct ops_ctx *ctx, const json_t *req,
                           json_t **resp);

/*
 * Build an error response into *resp: returns 'rc' (or -ENOMEM when the
 * response could not be built, *resp then NULL). 'code' NULL derives it
 * from 'rc'; 'field' may be NULL.
 */
int ops_fail(json_t **resp, int rc, const char *code, const char *field,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Error response from the store's last failure, attributed to 'field'. */
int ops_fail_store(struct ops_ctx *ctx, json_t **resp, int rc,
                   const char *field);
/* A fresh {"ok":true} into *resp; 0 or -ENOMEM. */
int ops_ok(json_t **resp);
/* Attach 'v' (stolen) to the ok response; -ENOMEM on failure. */
int ops_set(json_t **resp, const char *key, json_t *v);

/* Refuse members not in 'allowed' (NULL-terminated; "op" is implicit). */
int ops_members_check(const json_t *req, const char *const *allowed,
                      json_t **resp);
/* String member: absent -> *out NULL (error if 'required'); not a string or
 * containing NUL -> error. */
int ops_get_str(const json_t *req, const char *key, bool required,
                const char **out, json_t **resp);
/* Boolean member: absent -> *out false, *present false. */
int ops_get_bool(const json_t *req, const char *key, bool *out, bool *present,
                 json_t **resp);

/* The tenant named by member 'field' (value 'domain'). */
int ops_tenant_lookup(struct ops_ctx *ctx, const char *domain,
                      const char *field, struct store_tenant *t, json_t **resp);

/* Tenant JSON object (policy included). */
json_t *ops_tenant_json(const struct store_tenant *t);

ops_handler_fn ops_tenant_policy_set;
ops_handler_fn ops_tenant_policy_show;
ops_handler_fn ops_tenant_media_set;
ops_handler_fn ops_tenant_media_show;
ops_handler_fn ops_user_add;
ops_handler_fn ops_user_list;
ops_handler_fn ops_user_set;
ops_handler_fn ops_user_rm;
ops_handler_fn ops_user_import;

ops_handler_fn ops_security_show;
ops_handler_fn ops_security_set;
ops_handler_fn ops_ip_allow;
ops_handler_fn ops_ip_block;
ops_handler_fn ops_ip_list;
ops_handler_fn ops_ip_rm;
ops_handler_fn ops_ban_list;
ops_handler_fn ops_ban_why;
ops_handler_fn ops_ban_lift;
ops_handler_fn ops_ua_list;
ops_handler_fn ops_ua_add;
ops_handler_fn ops_ua_rm;
ops_handler_fn ops_geo_allow;
ops_handler_fn ops_geo_list;
ops_handler_fn ops_geo_rm;
ops_handler_fn ops_rate_add;
ops_handler_fn ops_rate_list;
ops_handler_fn ops_rate_rm;

struct sec_net;

/*
 * Network member 'key' (CIDR, bare address or "address mask"): parsed
 * into *net and its normalised text into norm (SEC_NET_FMT_CAP bytes);
 * *warn gets sec_net_parse's warnings (may be NULL). Errors name 'key'.
 */
int ops_get_net(const json_t *req, const char *key, struct sec_net *net,
                char *norm, unsigned *warn, json_t **resp);

/* Error response for a failed list walk ('rc' from the store or -ENOMEM). */
int ops_fail_walk(struct ops_ctx *ctx, json_t **resp, int rc);

/* {"ok":true, key: arr}; 'arr' is stolen (freed on failure). */
int ops_ok_with(json_t **resp, const char *key, json_t *arr);

/* Tell the after_change hook (request copied without any sip_password,
 * top-level or in the entries of a "users" array). */
void ops_notify_change(struct ops_ctx *ctx, const char *op, const json_t *req);

/* ---- calls (calls.c, trunk.c, rules.c, cdr.c) ---- */

ops_handler_fn ops_group_add;
ops_handler_fn ops_group_list;
ops_handler_fn ops_group_rm;
ops_handler_fn ops_group_member_add;
ops_handler_fn ops_group_member_rm;
ops_handler_fn ops_profile_set;
ops_handler_fn ops_profile_show;
ops_handler_fn ops_country_allow;
ops_handler_fn ops_country_list;
ops_handler_fn ops_country_rm;
ops_handler_fn ops_prefix_block;
ops_handler_fn ops_prefix_list;
ops_handler_fn ops_prefix_rm;
ops_handler_fn ops_emergency_add;
ops_handler_fn ops_emergency_list;
ops_handler_fn ops_emergency_rm;
ops_handler_fn ops_hours_set;
ops_handler_fn ops_hours_list;
ops_handler_fn ops_hours_rm;
ops_handler_fn ops_holiday_add;
ops_handler_fn ops_holiday_list;
ops_handler_fn ops_holiday_rm;
ops_handler_fn ops_trunk_add;
ops_handler_fn ops_trunk_set;
ops_handler_fn ops_trunk_list;
ops_handler_fn ops_trunk_rm;
ops_handler_fn ops_trunk_limit_set;
ops_handler_fn ops_inbound_add;
ops_handler_fn ops_inbound_list;
ops_handler_fn ops_inbound_rm;
ops_handler_fn ops_outbound_add;
ops_handler_fn ops_outbound_list;
ops_handler_fn ops_outbound_rm;
ops_handler_fn ops_outbound_move;
ops_handler_fn ops_limit_set;
ops_handler_fn ops_limit_list;
ops_handler_fn ops_limit_rm;
ops_handler_fn ops_fraud_set;
ops_handler_fn ops_fraud_list;
ops_handler_fn ops_fraud_rm;
ops_handler_fn ops_suspend_list;
ops_handler_fn ops_suspend_lift;
ops_handler_fn ops_cdr_list;
ops_handler_fn ops_event_list;

/*
 * Unsigned integer member 'key' in [lo, hi] (a decimal string is accepted
 * too). Absent: *present false when 'present' is given, else an error.
 */
int ops_get_uint(const json_t *req, const char *key, uint32_t lo, uint32_t hi,
                 uint32_t *out, bool *present, json_t **resp);
/*
 * List member 'key': a JSON array of strings or one comma-separated
 * string (blanks around items dropped). Up to 'cap' items of at most
 * 'item_cap' - 1 bytes into items[i * item_cap]; *n gets the count (0 when
 * absent).
 */
int ops_get_list(const json_t *req, const char *key, char *items,
                 size_t item_cap, size_t cap, size_t *n, json_t **resp);
/* The tenant named by the required member "domain". */
int ops_domain_tenant(struct ops_ctx *ctx, const json_t *req,
                      struct store_tenant *t, json_t **resp);
/* Put the tenant's objects into 'arr' (a store list call and its JSON). */
typedef int ops_tenant_fill_fn(struct store *st, int64_t tenant_id,
                               json_t *arr);
/* "<obj>.list domain": {"ok":true, key: [...]} filled by 'fill'. */
int ops_tenant_list(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                    ops_tenant_fill_fn *fill, const char *key);
/* Remove object 'id' of the tenant. */
typedef int ops_tenant_rm_fn(struct store *st, int64_t tenant_id, int64_t id);
/* "<obj>.rm domain id" through 'rm', notified as 'op': {"ok":true,"id":N}. */
int ops_tenant_rm_id(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                     ops_tenant_rm_fn *rm, const char *op);
/* The user 'ext' of the tenant; errors name 'field'. */
int ops_user_lookup(struct ops_ctx *ctx, const struct store_tenant *t,
                    const char *ext, const char *field, struct store_user *u,
                    json_t **resp);
/* Minutes after midnight of "HH:MM" (00:00..24:00); -1 when malformed. */
int ops_parse_hhmm(const char *s);
/* "HH:MM" of 0..1440 minutes into buf (6 bytes). */
void ops_fmt_hhmm(uint32_t min, char buf[6]);

#endif
