/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two-factor authentication of accounts: TOTP enrolment (a pending secret
 * shown once as base32 and an otpauth:// URI for the QR code, enabled only
 * when a code from it is confirmed), single-use recovery codes, disabling,
 * and the second-factor check the sign-in uses, with its replay guard
 * stored atomically (store_admin_totp_use_step).
 */
#ifndef SW_ADMIN_MFA_H
#define SW_ADMIN_MFA_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/admin.h"
#include "admin/totp.h"

/* Recovery codes issued at once; "abcd-efgh-ijkl-mnop" (80 bits). */
#define ADMIN_RECOVERY_CODES    10
#define ADMIN_RECOVERY_CODE_CAP 20

struct admin_totp_enrolment {
    char secret_b32[ADMIN_BASE32_CAP]; /* for manual entry */
    char uri[ADMIN_TOTP_URI_CAP];      /* otpauth:// for the QR code */
};

/*
 * Start (or restart) enrolment of 'admin_id': a fresh 160-bit secret is
 * stored sealed as pending and returned in 'out' (show it once; wipe it
 * with sodium_memzero). An enabled secret stays in force until the new one
 * is confirmed. Audited. Returns 0, -ENOENT or -EIO.
 */
int admin_mfa_enrol_begin(struct admin_ctx *ctx, const struct admin_actor *who,
                          int64_t admin_id, struct admin_totp_enrolment *out);

/*
 * Confirm enrolment with a 'code' from the pending secret: TOTP is enabled
 * with that step used, and ADMIN_RECOVERY_CODES new recovery codes are
 * written to 'codes' (shown once; only their hashes are stored).
 * Audited. Returns 0, -EACCES (wrong code), -ENOENT (nothing pending) or
 * -EIO.
 */
int admin_mfa_enrol_confirm(
    struct admin_ctx *ctx, const struct admin_actor *who, int64_t admin_id,
    const char *code,
    char codes[ADMIN_RECOVERY_CODES][ADMIN_RECOVERY_CODE_CAP]);

/* Replace the recovery codes of an account with TOTP enabled. Audited.
 * Returns 0, -ENOENT (no account, or TOTP off) or -EIO. */
int admin_mfa_recovery_renew(
    struct admin_ctx *ctx, const struct admin_actor *who, int64_t admin_id,
    char codes[ADMIN_RECOVERY_CODES][ADMIN_RECOVERY_CODE_CAP]);

/* Turn TOTP off (secrets and codes deleted). Audited. 0, -ENOENT, -EIO. */
int admin_mfa_disable(struct admin_ctx *ctx, const struct admin_actor *who,
                      int64_t admin_id);

/*
 * The second factor of a sign-in: 'code' is six digits (TOTP, within +-1
 * step, never a step already used) or a recovery code (any case, dashes
 * and spaces ignored; spent by this call). Returns 0 (*used_recovery says
 * which), -EACCES (wrong), -EALREADY (a replayed TOTP code), -ENOENT (no
 * TOTP enabled), -EBADMSG (secret fails to decrypt) or -EIO.
 */
int admin_mfa_check(struct admin_ctx *ctx, int64_t admin_id, const char *code,
                    bool *used_recovery);

#endif
