/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sign-in decision: web login protection (failures per address within
 * a period block the address for a while), the administrator network
 * restriction, the password, the second factor when enabled, the forced
 * password change of a must_change account (admin/admin first of all) or
 * of a tenant account whose password expired, then a session. Stateless
 * between steps: the client sends the username and password again with
 * the code or the new password. Every outcome is audited as "auth.login"
 * with the outcome as result. HTTP, cookies and the shield ban are the
 * caller's: ADMIN_LOGIN_BLOCKED with newly_blocked set is its cue to ban
 * the address.
 */
#ifndef SW_ADMIN_LOGIN_H
#define SW_ADMIN_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/admin.h"
#include "admin/session.h"
#include "policy/password.h"

struct net_addr;

enum admin_login_status {
    ADMIN_LOGIN_OK = 0,           /* session opened */
    ADMIN_LOGIN_BAD_CREDENTIALS,  /* unknown user or wrong password */
    ADMIN_LOGIN_OTP_REQUIRED,     /* password right: ask for the code */
    ADMIN_LOGIN_BAD_OTP,          /* wrong or replayed code */
    ADMIN_LOGIN_CHANGE_REQUIRED,  /* password right: a new one is needed */
    ADMIN_LOGIN_PASSWORD_REFUSED, /* the new password breaks a rule */
    ADMIN_LOGIN_BLOCKED,          /* too many failures from the address */
    ADMIN_LOGIN_NETWORK_REFUSED,  /* administrator outside allowed nets */
};

/* "ok", "bad_credentials", "otp_required", "bad_otp", "change_required",
 * "password_refused", "blocked", "network_refused"; "unknown" else. */
const char *admin_login_status_name(enum admin_login_status s);

struct admin_login_req {
    const char *username;
    const char *password;
    const char *otp;               /* TOTP or recovery code; NULL / "" = none */
    const char *new_password;      /* for a must_change account; NULL = none */
    const struct net_addr *client; /* required */
    const char *user_agent;        /* untrusted; NULL ok */
    enum store_session_kind kind;  /* session to open */
};

struct admin_login_res {
    enum admin_login_status status;
    struct admin_session_new session; /* ADMIN_LOGIN_OK only */
    int64_t admin_id;       /* the account, when the password was right */
    uint32_t failures;      /* failures counted for the address */
    uint32_t blocked_s;     /* BLOCKED: seconds left */
    bool newly_blocked;     /* this attempt started the block: ban now */
    bool used_recovery;     /* a recovery code was spent */
    uint32_t recovery_left; /* ... and this many remain */
    struct policy_violation violation; /* PASSWORD_REFUSED: which rule */
};

/*
 * Decide the sign-in 'req' at the context's time; see the file comment
 * for the order of checks. Failures counted: bad credentials, bad code,
 * network refused. A NETWORK_REFUSED account is refused before its
 * password is checked, so the answer says nothing about the password;
 * answer it like BAD_CREDENTIALS to a client to hide which accounts are
 * administrators. Returns 0 with 'res' filled (whatever the status), or
 * -EINVAL (no client address / username / password) or -EIO (store or
 * audit failure: treat as refused).
 */
int admin_login(struct admin_ctx *ctx, const struct admin_login_req *req,
                struct admin_login_res *res);

/*
 * Is 'client' blocked now? *left_s (if not NULL) gets the time left.
 * For callers that refuse early (before reading a request body).
 */
bool admin_login_blocked(struct admin_ctx *ctx, const struct net_addr *client,
                         uint32_t *left_s);

/* Forget the failures and block of 'client' (an operator lifted the ban). */
void admin_login_unblock(struct admin_ctx *ctx, const struct net_addr *client);

/*
 * Count a failed authentication of 'client' made elsewhere (a bad support
 * link token). Returns true when it started a block (ban now).
 */
bool admin_login_count_failure(struct admin_ctx *ctx,
                               const struct net_addr *client);

/* Is 'client' allowed to sign in as an administrator? (True when no
 * networks are configured.) */
bool admin_login_network_ok(const struct admin_ctx *ctx,
                            const struct net_addr *client);

#endif
