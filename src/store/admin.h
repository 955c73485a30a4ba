/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin plane's tables (migration v4): administrator and portal
 * accounts with their password history, sealed TOTP secrets and recovery
 * codes, sessions and API tokens (kept by the hash of the token, never the
 * token), support links and the audit log. The store keeps what it is
 * given and refuses only what would corrupt it; hashing, policy, timeouts
 * and who may do what belong to src/admin/.
 */
#ifndef SW_STORE_ADMIN_H
#define SW_STORE_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_ADMIN_USERNAME_MAX 64
#define STORE_PWHASH_MAX         127 /* crypto_pwhash_STRBYTES - 1 */
#define STORE_TOTP_SECRET_MAX    64  /* raw secret bytes */
#define STORE_HASH_HEX_LEN       64  /* SHA-256 as lowercase hex */
#define STORE_IP_TEXT_MAX        63  /* "2001:db8::1", no port */
#define STORE_USER_AGENT_MAX     128 /* longer agents are truncated */
#define STORE_SESSION_LABEL_MAX  64
#define STORE_ADMIN_HISTORY_MAX  24
#define STORE_RECOVERY_CODES_MAX 16
#define STORE_SUPPORT_TTL_MAX_S  (72 * 3600)
#define STORE_SUPPORT_NOTE_MAX   255
#define STORE_AUDIT_ACTOR_MAX    95
#define STORE_AUDIT_ACTION_MAX   63
#define STORE_AUDIT_TARGET_MAX   255
#define STORE_AUDIT_RESULT_MAX   31
#define STORE_AUDIT_JSON_MAX     16384 /* old / new values, each */

/* ------------------------------------------------------------------ */
/* Accounts                                                             */
/* ------------------------------------------------------------------ */

enum store_admin_role {
    STORE_ADMIN_SYSTEM = 0, /* everything, every tenant */
    STORE_ADMIN_TENANT = 1, /* one tenant */
    STORE_ADMIN_USER = 2,   /* a SIP user's own portal account */
};

/* "system_admin", "tenant_admin", "user"; "unknown" for other values. */
const char *store_admin_role_name(enum store_admin_role role);
/* Parse a role name (exact, lowercase). Returns 0 or -EINVAL. */
int store_admin_role_parse(const char *s, enum store_admin_role *out);

/* An account without its secrets (password hash, TOTP secret). */
struct store_admin {
    int64_t id;
    char username[STORE_ADMIN_USERNAME_MAX + 1]; /* as created */
    enum store_admin_role role;
    int64_t tenant_id;     /* 0 for system admins */
    int64_t user_id;       /* linked SIP user, 0 = none */
    bool must_change;      /* password change required at next sign-in */
    int64_t pw_changed_at; /* unix s */
    int64_t last_login_at; /* unix s, 0 = never */
    char last_login_ip[STORE_IP_TEXT_MAX + 1];
    bool totp_enabled;      /* TOTP required at sign-in */
    bool totp_pending;      /* a secret is stored but not confirmed yet */
    int64_t totp_last_step; /* last TOTP time step accepted (replay guard) */
    int64_t created_at;     /* unix s */
    int64_t updated_at;     /* unix s */
    /* Linked SIP user (user_id != 0), for the password account checks: */
    char user_ext[33];
    char user_name[129];
    char user_email[255];
};

/* A new account. */
struct store_admin_new {
    const char *username; /* 1..64 bytes, no blanks or controls */
    enum store_admin_role role;
    int64_t tenant_id;   /* required unless system admin, which has none */
    int64_t user_id;     /* required for STORE_ADMIN_USER, same tenant */
    const char *pw_hash; /* crypto_pwhash_str output, "$argon2id$..." */
    bool must_change;
};

/*
 * Add an account at 'now'. Usernames are unique case-insensitively.
 * Refuses (-EINVAL) a bad username or hash, a system admin with a tenant,
 * another role without one, a user account without a user or with a user
 * of another tenant. Returns 0 (id in *id if not NULL), -EINVAL, -ENOENT
 * (no such tenant / user), -EEXIST (username taken) or -EIO.
 */
int store_admin_add(struct store *st, const struct store_admin_new *a,
                    int64_t now, int64_t *id);

/* By id / by username (case-insensitive). Returns 0, -ENOENT or -EIO. */
int store_admin_get(struct store *st, int64_t id, struct store_admin *out);
int store_admin_find(struct store *st, const char *username,
                     struct store_admin *out);

typedef int store_admin_fn(void *ud, const struct store_admin *a);

/*
 * Accounts ordered by username; 'tenant_id' 0 lists every account, else
 * only that tenant's. 'a' is valid during the call; a non-zero return from
 * 'cb' stops the walk and is returned; 'cb' must not call the store on the
 * same handle. Returns 0 or -EIO.
 */
int store_admin_list(struct store *st, int64_t tenant_id, store_admin_fn *cb,
                     void *ud);

/* Remove an account with its sessions, history and codes. 0, -ENOENT, -EIO. */
int store_admin_rm(struct store *st, int64_t id);

/* Count accounts of 'role' (any role when 'role' < 0). 0 or -EIO. */
int store_admin_count(struct store *st, int role, uint32_t *n);

/*
 * The password hash of account 'id' into 'out' (cap bytes; 128 is always
 * enough). Returns 0, -ENOENT, -ENOSPC or -EIO.
 */
int store_admin_pw_hash(struct store *st, int64_t id, char *out, size_t cap);

/*
 * Replace the password hash of 'id' at 'now' and set must_change. The
 * hash being replaced joins the history, which keeps the last 'keep'
 * (0..STORE_ADMIN_HISTORY_MAX) old hashes. One transaction. Returns 0,
 * -EINVAL, -ENOENT or -EIO.
 */
int store_admin_set_password(struct store *st, int64_t id, const char *pw_hash,
                             bool must_change, uint32_t keep, int64_t now);

typedef int store_pw_hash_fn(void *ud, const char *pw_hash);

/*
 * Call 'cb' with the current hash of 'id', then its last 'n_old' old
 * hashes, newest first. 'cb' as in store_admin_list. Returns 0, -ENOENT or
 * -EIO.
 */
int store_admin_pw_history(struct store *st, int64_t id, uint32_t n_old,
                           store_pw_hash_fn *cb, void *ud);

/* Change role / tenant / user as a whole (checked as in store_admin_add).
 * Returns 0, -EINVAL, -ENOENT or -EIO. */
int store_admin_set_role(struct store *st, int64_t id,
                         enum store_admin_role role, int64_t tenant_id,
                         int64_t user_id, int64_t now);

/* Record a successful sign-in from 'ip' (0..63 bytes) at 'now'. */
int store_admin_set_login(struct store *st, int64_t id, const char *ip,
                          int64_t now);

/*
 * The default administrator: when no account has ever been seeded in this
 * database and none exists, add "admin" (system admin) with the password
 * "admin" hashed with Argon2id (interactive limits) and must_change set.
 * Runs once in the database's life: an operator who later removes every
 * account is not given admin/admin back (the CLI resets accounts). *created
 * (if not NULL) says whether this call created it. Returns 0 or -EIO.
 */
int store_admin_ensure_default(struct store *st, int64_t now, bool *created);

/* ---- TOTP ---------------------------------------------------------------- */

/*
 * Store 'secret' (1..64 bytes) sealed with the data directory's key as the
 * pending secret of 'id' (enrolment): an enabled secret stays in force
 * until store_admin_totp_enable replaces it. Returns 0, -EINVAL, -ENOENT
 * or -EIO.
 */
int store_admin_totp_set_pending(struct store *st, int64_t id,
                                 const void *secret, size_t len, int64_t now);

/*
 * The enabled secret of 'id' ('pending' false) or the pending one, unsealed
 * into 'out' (cap bytes); the caller wipes it. Returns 0 (*len set),
 * -ENOENT (no account or no such secret), -EBADMSG (fails to authenticate:
 * wrong key or tampering), -ENOSPC or -EIO.
 */
int store_admin_totp_get(struct store *st, int64_t id, bool pending, void *out,
                         size_t cap, size_t *len);

/*
 * Make the pending secret the enabled one, with 'step' as the last step
 * used. Returns 0, -ENOENT (no account or nothing pending) or -EIO.
 */
int store_admin_totp_enable(struct store *st, int64_t id, int64_t step,
                            int64_t now);

/* Turn TOTP off: both secrets and the recovery codes are deleted.
 * Returns 0, -ENOENT or -EIO. */
int store_admin_totp_disable(struct store *st, int64_t id, int64_t now);

/*
 * The replay guard: record 'step' as the last accepted step of 'id' only
 * if it is later than the stored one, atomically. Returns 0 (recorded),
 * -EALREADY (a step at or after 'step' was already accepted: a replay),
 * -ENOENT or -EIO.
 */
int store_admin_totp_use_step(struct store *st, int64_t id, int64_t step);

/*
 * Replace the recovery codes of 'id' with 'hashes' (n <= 16 SHA-256 hex
 * strings of the codes). Returns 0, -EINVAL, -ENOENT or -EIO.
 */
int store_admin_recovery_set(struct store *st, int64_t id,
                             const char *const *hashes, size_t n, int64_t now);

/* Spend the unused code of 'id' whose hash is 'hash'. 0, -ENOENT, -EIO. */
int store_admin_recovery_use(struct store *st, int64_t id, const char *hash,
                             int64_t now);

/* Unused recovery codes of 'id' into *n. 0 or -EIO. */
int store_admin_recovery_left(struct store *st, int64_t id, uint32_t *n);

/* ------------------------------------------------------------------ */
/* Sessions and API tokens                                              */
/* ------------------------------------------------------------------ */

enum store_session_kind {
    STORE_SESSION_COOKIE = 0,    /* portal: cookie + CSRF token */
    STORE_SESSION_API_TOKEN = 1, /* REST clients: bearer token */
};

/* A session row; for admins role/tenant/user/username come from the
 * account, for support sessions from the link. */
struct store_session {
    char id[STORE_HASH_HEX_LEN + 1]; /* SHA-256 of the token */
    int64_t admin_id;                /* 0 for a support session */
    int64_t support_id;              /* 0 for an account session */
    enum store_session_kind kind;
    char csrf_hash[STORE_HASH_HEX_LEN + 1];  /* "" for API tokens */
    char label[STORE_SESSION_LABEL_MAX + 1]; /* API token name */
    int64_t created_at;                      /* unix s */
    int64_t last_seen_at;                    /* unix s */
    int64_t expires_at;                      /* absolute expiry, unix s */
    int64_t revoked_at;                      /* 0 = live */
    char client_ip[STORE_IP_TEXT_MAX + 1];
    char user_agent[STORE_USER_AGENT_MAX + 1];
    /* Joined (output only): */
    enum store_admin_role role;
    int64_t tenant_id;
    int64_t user_id;
    char username[STORE_ADMIN_USERNAME_MAX + 1]; /* "" for support */
    bool must_change;
};

/*
 * Insert 's' (id, exactly one of admin_id / support_id, kind, csrf_hash,
 * label, created_at = last_seen_at, expires_at, client_ip, user_agent; a
 * longer user_agent is truncated). Returns 0, -EINVAL, -ENOENT (no such
 * account / link), -EEXIST or -EIO.
 */
int store_session_add(struct store *st, const struct store_session *s);

/* By id, revoked or not. Returns 0, -ENOENT or -EIO. */
int store_session_get(struct store *st, const char *id,
                      struct store_session *out);

/* Set last_seen_at = now (never backwards). Returns 0, -ENOENT or -EIO. */
int store_session_touch(struct store *st, const char *id, int64_t now);

/* Revoke one session / every live session of an account except 'keep_id'
 * (may be NULL); *n (if not NULL) counts them. 0, -ENOENT (one), -EIO. */
int store_session_revoke(struct store *st, const char *id, int64_t now);
int store_session_revoke_admin(struct store *st, int64_t admin_id,
                               const char *keep_id, int64_t now, uint32_t *n);

typedef int store_session_fn(void *ud, const struct store_session *s);

/*
 * Sessions not revoked and with expires_at > now, newest first: of account
 * 'admin_id', or all when 0. 'cb' as in store_admin_list. 0 or -EIO.
 */
int store_session_list(struct store *st, int64_t admin_id, int64_t now,
                       store_session_fn *cb, void *ud);

/*
 * Delete sessions that expired or were revoked before 'before', and
 * cookie sessions last seen before 'idle_before'. 0 or -EIO.
 */
int store_session_purge(struct store *st, int64_t before, int64_t idle_before,
                        uint32_t *n_removed);

/* ------------------------------------------------------------------ */
/* Support links                                                        */
/* ------------------------------------------------------------------ */

struct store_support_link {
    int64_t id;
    char token_hash[STORE_HASH_HEX_LEN + 1]; /* input only on add */
    int64_t tenant_id;
    enum store_admin_role role; /* tenant admin or user */
    int64_t user_id;            /* required for STORE_ADMIN_USER */
    int64_t created_by;         /* admin id, 0 if removed since */
    char note[STORE_SUPPORT_NOTE_MAX + 1];
    int64_t created_at;
    int64_t expires_at; /* <= created_at + 72 h */
    int64_t revoked_at; /* 0 = not revoked */
    uint32_t uses;
    int64_t last_used_at;
};

/*
 * Add a link (token_hash, tenant_id, role, user_id, created_by, note,
 * created_at, expires_at). Refuses (-EINVAL) a system admin role, a user
 * role without a user of that tenant, an expiry not after created_at or
 * more than 72 h later. Returns 0 (id in *id), -EINVAL, -ENOENT, -EIO.
 */
int store_support_link_add(struct store *st, const struct store_support_link *l,
                           int64_t *id);

/*
 * Use the link whose token hashes to 'token_hash' at 'now': when it exists,
 * is not revoked and expires after 'now', count the use and fill 'out'.
 * Returns 0, -ENOENT (unknown), -EKEYREVOKED (revoked: 'out' filled),
 * -ETIMEDOUT (expired: 'out' filled) or -EIO.
 */
int store_support_link_use(struct store *st, const char *token_hash,
                           int64_t now, struct store_support_link *out);

/* By id. Returns 0, -ENOENT or -EIO. */
int store_support_link_get(struct store *st, int64_t id,
                           struct store_support_link *out);

/* Revoke the link and every session opened with it. 0, -ENOENT, -EIO. */
int store_support_link_revoke(struct store *st, int64_t id, int64_t now);

typedef int store_support_link_fn(void *ud, const struct store_support_link *l);

/* Links newest first, of 'tenant_id' or all when 0. 0 or -EIO. */
int store_support_link_list(struct store *st, int64_t tenant_id,
                            store_support_link_fn *cb, void *ud);

/* ------------------------------------------------------------------ */
/* Audit log                                                            */
/* ------------------------------------------------------------------ */

struct store_audit {
    int64_t id;                              /* output only */
    int64_t at;                              /* unix s */
    char actor[STORE_AUDIT_ACTOR_MAX + 1];   /* "alice", "cli", "support:3" */
    int64_t admin_id;                        /* 0 when not an account */
    int64_t tenant_id;                       /* tenant concerned, 0 = none */
    char client_ip[STORE_IP_TEXT_MAX + 1];   /* "" when local */
    char action[STORE_AUDIT_ACTION_MAX + 1]; /* "user.add", "auth.login" */
    char target[STORE_AUDIT_TARGET_MAX + 1]; /* "100@example.com" */
    char result[STORE_AUDIT_RESULT_MAX + 1]; /* "ok", "bad_password", ... */
    const char *old_json; /* NULL / "" = none; secrets already removed */
    const char *new_json;
};

/*
 * Append an entry (text fields terminated within their arrays, no control
 * characters; JSON up to STORE_AUDIT_JSON_MAX bytes: the caller has
 * validated and redacted it). Returns 0 (id in *id), -EINVAL or -EIO.
 */
int store_audit_add(struct store *st, const struct store_audit *a, int64_t *id);

/* List filter; zero / NULL fields do not filter. */
struct store_audit_filter {
    const char *actor;         /* exact, case-insensitive */
    const char *action_prefix; /* "user." matches "user.add" */
    const char *target;        /* exact */
    const char *result;        /* exact */
    int64_t tenant_id;         /* entries of this tenant only */
    int64_t since;             /* at >= since */
    int64_t until;             /* at < until */
    int64_t before_id;         /* id < before_id (keyset paging) */
    uint32_t offset;
    uint32_t limit; /* 0 = no limit */
};

typedef int store_audit_fn(void *ud, const struct store_audit *a);

/* Entries matching 'f' (NULL: all), newest first (by id). 'cb' as in
 * store_admin_list. Returns 0, -EINVAL or -EIO. */
int store_audit_list(struct store *st, const struct store_audit_filter *f,
                     store_audit_fn *cb, void *ud);

/* Entries matching 'f' (offset / limit ignored) into *n. 0 or -EIO. */
int store_audit_count(struct store *st, const struct store_audit_filter *f,
                      uint64_t *n);

/*
 * Retention: delete entries older than 'max_days' days before 'now'
 * (0 = no age limit), then the oldest beyond the newest 'max_rows' (0 = no
 * row limit). *n_removed if not NULL. Returns 0 or -EIO.
 */
int store_audit_purge(struct store *st, int64_t now, uint32_t max_days,
                      uint32_t max_rows, uint32_t *n_removed);

#endif
