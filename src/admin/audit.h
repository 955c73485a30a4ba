/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log of the admin plane: who did what, when, from where, with
 * the old and new values as JSON from which secrets are removed before
 * anything is stored; listing, export (JSON Lines or CSV) and retention.
 * What counts as a change worth auditing is the callers' (every REST
 * write, every sign-in outcome).
 */
#ifndef SW_ADMIN_AUDIT_H
#define SW_ADMIN_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin/admin.h"
#include "store/admin.h"

/* The value written in place of a secret. */
#define ADMIN_AUDIT_REDACTED "[redacted]"

/*
 * Is 'key' the name of a secret? Case-insensitive: names containing
 * "password", "passwd", "secret", "token", "ha1", "otp", "recovery",
 * "csrf", "cookie", "authorization", "private" or "credential", and the
 * names "pw", "pin", "code", "hash", "key_pem".
 */
bool admin_audit_key_is_secret(const char *key);

/*
 * Parse 'json' (NULL or "" gives *out NULL), replace the value of every
 * member whose name is a secret, at any depth, with ADMIN_AUDIT_REDACTED,
 * and write the result compact with sorted keys to a new string in *out
 * (free() it). A result over STORE_AUDIT_JSON_MAX bytes becomes
 * {"truncated":true}. Returns 0, -EINVAL (not JSON: nothing is kept, in
 * case it held a secret) or -ENOMEM.
 */
int admin_audit_redact(const char *json, char **out);

/*
 * Append an entry at the context's time: 'who' (NULL: "-"), 'action'
 * ("user.add"), 'target' (may be NULL; untrusted text is fine: control
 * characters are replaced and over-long text cut), 'tenant_id' (0 = none;
 * tenant administrators see their tenant's entries), 'result' (NULL:
 * "ok"), and the values, redacted with admin_audit_redact. Returns 0,
 * -EINVAL (bad action, values not JSON), -ENOMEM or -EIO.
 */
int admin_audit_write(struct admin_ctx *ctx, const struct admin_actor *who,
                      const char *action, const char *target, int64_t tenant_id,
                      const char *result, const char *old_json,
                      const char *new_json);

/* store_audit_list on the context's store. */
int admin_audit_list(struct admin_ctx *ctx, const struct store_audit_filter *f,
                     store_audit_fn *cb, void *ud);

enum admin_audit_format {
    ADMIN_AUDIT_JSONL = 0, /* one JSON object per line */
    ADMIN_AUDIT_CSV = 1,   /* RFC 4180, header line, formula-safe cells */
};

/* Sink of an export; a non-zero return stops it and is returned. */
typedef int admin_write_fn(void *ud, const char *data, size_t len);

/*
 * Write the entries matching 'f' (newest first) to 'w'. CSV cells that a
 * spreadsheet would run as a formula (starting with = + - @ or a tab) are
 * prefixed with a quote. Returns 0, the sink's non-zero return, -ENOMEM
 * or -EIO.
 */
int admin_audit_export(struct admin_ctx *ctx,
                       const struct store_audit_filter *f,
                       enum admin_audit_format fmt, admin_write_fn *w,
                       void *ud);

/*
 * Apply the retention of the context's settings (audit_max_days,
 * audit_max_rows). *n_removed if not NULL. Returns 0 or -EIO.
 */
int admin_audit_purge(struct admin_ctx *ctx, uint32_t *n_removed);

#endif
