/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TOTP enrolment, recovery codes and the second-factor check.
 */
#include "admin/mfa.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin/audit.h"
#include "admin/token.h"
#include "store/admin.h"

/* ---- recovery codes ----------------------------------------------------- */

enum { RECOVERY_CHARS = 16 }; /* base32 characters: 80 bits */

/* Lowercase the base32 characters of 'in', dropping blanks and dashes,
 * into 'out' (RECOVERY_CHARS + 1). False when the shape is wrong. */
static bool recovery_norm(const char *in, char out[RECOVERY_CHARS + 1])
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c == '-' || c == ' ') {
            continue;
        }
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))
            || n == RECOVERY_CHARS) {
            return false;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return n == RECOVERY_CHARS;
}

static int
recovery_issue(struct admin_ctx *ctx, int64_t admin_id,
               char codes[ADMIN_RECOVERY_CODES][ADMIN_RECOVERY_CODE_CAP])
{
    char hashes[ADMIN_RECOVERY_CODES][ADMIN_HASH_CAP];
    const char *ptrs[ADMIN_RECOVERY_CODES];
    for (size_t i = 0; i < ADMIN_RECOVERY_CODES; i++) {
        uint8_t raw[10];
        char b32[ADMIN_BASE32_CAP];
        char norm[RECOVERY_CHARS + 1];
        randombytes_buf(raw, sizeof(raw));
        admin_base32_encode(raw, sizeof(raw), b32, sizeof(b32));
        recovery_norm(b32, norm);
        snprintf(codes[i], ADMIN_RECOVERY_CODE_CAP, "%.4s-%.4s-%.4s-%.4s", norm,
                 norm + 4, norm + 8, norm + 12);
        admin_token_hash(norm, RECOVERY_CHARS, hashes[i]);
        ptrs[i] = hashes[i];
        sodium_memzero(raw, sizeof(raw));
        sodium_memzero(b32, sizeof(b32));
        sodium_memzero(norm, sizeof(norm));
    }
    int rc = store_admin_recovery_set(ctx->st, admin_id, ptrs,
                                      ADMIN_RECOVERY_CODES, admin_now(ctx));
    if (rc < 0) {
        sodium_memzero(codes, sizeof(codes[0]) * ADMIN_RECOVERY_CODES);
    }
    return rc;
}

/* ---- enrolment ---------------------------------------------------------- */

int admin_mfa_enrol_begin(struct admin_ctx *ctx, const struct admin_actor *who,
                          int64_t admin_id, struct admin_totp_enrolment *out)
{
    struct store_admin a;
    uint8_t secret[ADMIN_TOTP_SECRET_LEN];
    int rc = store_admin_get(ctx->st, admin_id, &a);
    if (rc < 0) {
        return rc;
    }
    randombytes_buf(secret, sizeof(secret));
    rc = admin_base32_encode(secret, sizeof(secret), out->secret_b32,
                             sizeof(out->secret_b32));
    if (rc == 0) {
        rc = admin_totp_uri(ctx->cfg.totp_issuer, a.username, secret,
                            sizeof(secret), out->uri, sizeof(out->uri));
    }
    if (rc == 0) {
        rc = store_admin_totp_set_pending(ctx->st, admin_id, secret,
                                          sizeof(secret), admin_now(ctx));
    }
    sodium_memzero(secret, sizeof(secret));
    if (rc < 0) {
        sodium_memzero(out, sizeof(*out));
        return rc;
    }
    return admin_audit_write(ctx, who, "admin.totp.enrol", a.username,
                             a.tenant_id, "pending", NULL, NULL);
}

int admin_mfa_enrol_confirm(
    struct admin_ctx *ctx, const struct admin_actor *who, int64_t admin_id,
    const char *code, char codes[ADMIN_RECOVERY_CODES][ADMIN_RECOVERY_CODE_CAP])
{
    struct store_admin a;
    uint8_t secret[STORE_TOTP_SECRET_MAX];
    size_t len = 0;
    int64_t step = 0;
    int rc = store_admin_get(ctx->st, admin_id, &a);
    if (rc == 0) {
        rc = store_admin_totp_get(ctx->st, admin_id, true, secret,
                                  sizeof(secret), &len);
    }
    if (rc < 0) {
        return rc;
    }
    /* A fresh secret has no used step: anything in the window will do. */
    rc = admin_totp_verify(secret, len, code, admin_now(ctx), -1, &step);
    sodium_memzero(secret, sizeof(secret));
    if (rc < 0) {
        admin_audit_write(ctx, who, "admin.totp.confirm", a.username,
                          a.tenant_id, "bad_code", NULL, NULL);
        return -EACCES;
    }
    rc = store_admin_totp_enable(ctx->st, admin_id, step, admin_now(ctx));
    if (rc == 0) {
        rc = recovery_issue(ctx, admin_id, codes);
    }
    if (rc < 0) {
        return rc;
    }
    return admin_audit_write(ctx, who, "admin.totp.confirm", a.username,
                             a.tenant_id, "ok", NULL,
                             "{\"totp_enabled\":true}");
}

int admin_mfa_recovery_renew(
    struct admin_ctx *ctx, const struct admin_actor *who, int64_t admin_id,
    char codes[ADMIN_RECOVERY_CODES][ADMIN_RECOVERY_CODE_CAP])
{
    struct store_admin a;
    int rc = store_admin_get(ctx->st, admin_id, &a);
    if (rc < 0) {
        return rc;
    }
    if (!a.totp_enabled) {
        return -ENOENT;
    }
    rc = recovery_issue(ctx, admin_id, codes);
    if (rc < 0) {
        return rc;
    }
    return admin_audit_write(ctx, who, "admin.recovery.renew", a.username,
                             a.tenant_id, "ok", NULL, NULL);
}

int admin_mfa_disable(struct admin_ctx *ctx, const struct admin_actor *who,
                      int64_t admin_id)
{
    struct store_admin a;
    int rc = store_admin_get(ctx->st, admin_id, &a);
    if (rc == 0) {
        rc = store_admin_totp_disable(ctx->st, admin_id, admin_now(ctx));
    }
    if (rc < 0) {
        return rc;
    }
    return admin_audit_write(ctx, who, "admin.totp.disable", a.username,
                             a.tenant_id, "ok", "{\"totp_enabled\":true}",
                             "{\"totp_enabled\":false}");
}

/* ---- sign-in ------------------------------------------------------------ */

int admin_mfa_check(struct admin_ctx *ctx, int64_t admin_id, const char *code,
                    bool *used_recovery)
{
    *used_recovery = false;
    if (!code) {
        return -EACCES;
    }
    size_t n = strnlen(code, 64);
    if (n == ADMIN_TOTP_DIGITS && strspn(code, "0123456789") == n) {
        struct store_admin a;
        uint8_t secret[STORE_TOTP_SECRET_MAX];
        size_t len = 0;
        int64_t step = 0;
        int rc = store_admin_get(ctx->st, admin_id, &a);
        if (rc == 0 && !a.totp_enabled) {
            rc = -ENOENT;
        }
        if (rc == 0) {
            rc = store_admin_totp_get(ctx->st, admin_id, false, secret,
                                      sizeof(secret), &len);
        }
        if (rc < 0) {
            return rc;
        }
        rc = admin_totp_verify(secret, len, code, admin_now(ctx),
                               a.totp_last_step, &step);
        sodium_memzero(secret, sizeof(secret));
        if (rc == 0) {
            /* Atomic: of two sign-ins racing with one code, one wins. */
            rc = store_admin_totp_use_step(ctx->st, admin_id, step);
        }
        return rc == -EINVAL ? -EACCES : rc;
    }
    char norm[RECOVERY_CHARS + 1];
    char hash[ADMIN_HASH_CAP];
    if (n >= 64 || !recovery_norm(code, norm)) {
        return -EACCES;
    }
    admin_token_hash(norm, RECOVERY_CHARS, hash);
    sodium_memzero(norm, sizeof(norm));
    int rc = store_admin_recovery_use(ctx->st, admin_id, hash, admin_now(ctx));
    if (rc == 0) {
        *used_recovery = true;
    }
    return rc == -ENOENT ? -EACCES : rc;
}
