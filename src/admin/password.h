/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Account passwords: Argon2id hashing and verification (libsodium), and
 * the checks a new password must pass: the administrator policy of
 * src/policy (PRODUCT.md §4), stricter for the portal accounts of a
 * tenant whose password policy asks more, the account's own information,
 * and its history (the current and last cfg.pw_history passwords, or the
 * tenant's history when longer); the tenant's password expiry.
 */
#ifndef SW_ADMIN_PASSWORD_H
#define SW_ADMIN_PASSWORD_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/admin.h"
#include "policy/password.h"

/*
 * Hash 'pw' with Argon2id at the context's cost into 'out'. Returns 0,
 * -EINVAL ('pw' NULL or over POLICY_PASSWORD_MAX_BYTES) or -ENOMEM.
 */
int admin_password_hash(const struct admin_config *cfg, const char *pw,
                        char out[ADMIN_PW_HASH_CAP]);

/*
 * Does 'pw' match 'hash' (any crypto_pwhash_str string)? Returns 0 (yes),
 * -EACCES (no, or a hash that does not parse) or -EINVAL ('pw' NULL or
 * too long). Takes the time the hash's cost says.
 */
int admin_password_verify(const char *hash, const char *pw);

/* Was 'hash' made with a cost other than the context's? */
bool admin_password_needs_rehash(const struct admin_config *cfg,
                                 const char *hash);

/*
 * The rules a new password of an account of tenant 'tenant_id' (0: a
 * system administrator) must pass: the administrator rules, made stricter
 * by the tenant's policy (its minimum length when longer, its number of
 * character classes). *history (if not NULL) gets how many old passwords
 * are refused besides the current one: the longer of cfg.pw_history and
 * the tenant's. A tenant that no longer exists adds nothing. Returns 0 or
 * -EIO.
 */
int admin_password_rules(struct admin_ctx *ctx, int64_t tenant_id,
                         struct policy_password_rules *rules,
                         uint32_t *history);

/*
 * Check 'pw' as the new password of account 'a' (NULL for an account not
 * created yet, named 'username', of tenant 'tenant_id', 0 for none; both
 * are ignored when 'a' is given): the rules of admin_password_rules, the
 * account's information (username, the linked SIP user's name, extension,
 * e-mail) and, for an existing account, its history. Returns 0 (why->rule
 * NONE), -EINVAL (why says which rule; 'why' may be NULL) or -EIO
 * (history or policy could not be read: refuse).
 */
int admin_password_check(struct admin_ctx *ctx, const struct store_admin *a,
                         const char *username, int64_t tenant_id,
                         const char *pw, struct policy_violation *why);

/*
 * Has the password of account 'a' outlived its tenant's expiry
 * (pw_expiry_days since pw_changed_at, at the context's time)? Accounts
 * without a tenant never expire. Returns 0 (*expired set) or -EIO.
 */
int admin_password_expired(struct admin_ctx *ctx, const struct store_admin *a,
                           bool *expired);

/*
 * Check and set the password of account 'admin_id': on success the hash
 * is replaced (history kept), must_change set as given, every session of
 * the account but 'keep_session' (may be NULL) revoked, and the change
 * audited (never the password). Returns 0, -EINVAL (policy: see 'why'),
 * -ENOENT or -EIO.
 */
int admin_password_set(struct admin_ctx *ctx, const struct admin_actor *who,
                       int64_t admin_id, const char *pw, bool must_change,
                       const char *keep_session, struct policy_violation *why);

#endif
