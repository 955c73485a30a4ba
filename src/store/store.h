/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite store: schema and migrations, secrets at rest, tenants, users
 * (SIP credentials as encrypted digest HA1s, never the password),
 * registration bindings and the shield's settings, rules and bans. A handle is
 * one connection and belongs to one thread; open one per thread. Decisions
 * about what is allowed (password policy, roles, limits) belong to the callers;
 * the store only refuses what would corrupt it (bad syntax, duplicates,
 * out-of-range values).
 */
#ifndef SW_STORE_STORE_H
#define SW_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Sizes of the text fields, without the terminating NUL. */
#define STORE_DOMAIN_MAX     253
#define STORE_EXT_MAX        32
#define STORE_NAME_MAX       128
#define STORE_EMAIL_MAX      254
#define STORE_SIP_PW_MAX     128
#define STORE_HA1_MD5_LEN    32 /* lowercase hex */
#define STORE_HA1_SHA256_LEN 64 /* lowercase hex */
#define STORE_PW_HISTORY_MAX 24
#define STORE_ERRMSG_CAP     256

/* Schema version this binary writes (PRAGMA user_version). */
int store_schema_version(void);

/* ------------------------------------------------------------------ */
/* Opening                                                              */
/* ------------------------------------------------------------------ */

/*
 * Open (creating if needed) the store in 'data_dir': the directory is
 * created 0700, <data_dir>/secret.key (32 random bytes, 0600) is created on
 * first use and otherwise refused when its mode has any bit beyond 0600, its
 * size is not 32 bytes or it is not a regular file owned by us (root may
 * read another user's key). <data_dir>/sipwarden.db is opened in WAL mode
 * and migrated to store_schema_version(); a database written by a newer
 * binary is refused. On success *out is a handle for the calling thread.
 * On failure returns -errno (-EPERM bad key permissions, -EPROTO schema too
 * new, -EIO database error, ...) and writes a message naming the problem to
 * 'err' (if not NULL, 'err_cap' bytes).
 */
int store_open(const char *data_dir, struct store **out, char *err,
               size_t err_cap);
/* Close the connection and wipe the key. NULL is a no-op. */
void store_close(struct store *st);

/*
 * Message naming the last failure on 'st' ("tenant example.com already
 * exists"); empty string when the last call succeeded. Valid until the next
 * call on 'st'.
 */
const char *store_errmsg(const struct store *st);

/*
 * Write-behind batches: store_begin starts an immediate (write-locking)
 * transaction; every write until store_commit joins it; store_rollback
 * drops it. Writes outside a batch are each their own transaction.
 * Returns 0, -EBUSY (another writer held the lock past busy_timeout),
 * -EINVAL (begin inside a batch / commit outside one) or -EIO.
 */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);

/* ------------------------------------------------------------------ */
/* Validation (shared with callers that want to check input early)      */
/* ------------------------------------------------------------------ */

/*
 * Each returns 0 when 's' is acceptable, else -EINVAL with a reason in
 * 'why' (if not NULL; static string).
 * domain: hostname syntax, labels 1..63 of [A-Za-z0-9-] not starting or
 *         ending with '-', total 1..253, no trailing dot.
 * ext:    1..32 of [A-Za-z0-9._+-] starting with a letter or digit.
 * name:   0..128 bytes, no control characters.
 * email:  empty, or local@domain up to 254 bytes, no spaces or controls.
 */
int store_domain_check(const char *s, const char **why);
int store_ext_check(const char *s, const char **why);
int store_name_check(const char *s, const char **why);
int store_email_check(const char *s, const char **why);

/* ------------------------------------------------------------------ */
/* Tenants                                                              */
/* ------------------------------------------------------------------ */

/* Per-tenant policy; defaults in store_tenant_policy_defaults(). */
struct store_tenant_policy {
    uint32_t pw_min_len;        /* SIP/user password minimum length, 8..20 */
    uint32_t pw_classes;        /* character classes required, 1..4 */
    uint32_t pw_expiry_days;    /* password lifetime, 30..365 */
    uint32_t pw_history;        /* last N passwords refused, 0..24 */
    uint32_t max_contacts;      /* bindings per extension, 1..100 */
    uint32_t reg_expires_min_s; /* shortest REGISTER expiry accepted */
    uint32_t reg_expires_default_s; /* used when the phone gives none */
    uint32_t reg_expires_max_s;     /* longest REGISTER expiry granted */
};

void store_tenant_policy_defaults(struct store_tenant_policy *pol);

struct store_tenant {
    int64_t id;
    char domain[STORE_DOMAIN_MAX + 1]; /* lowercase */
    char name[STORE_NAME_MAX + 1];
    int64_t created_at; /* unix s */
    uint32_t n_users;   /* filled by store_tenant_list only */
    struct store_tenant_policy pol;
};

/*
 * Add a tenant with the default policy. 'domain' is validated and stored
 * lowercase; 'name' may be NULL or empty. Returns 0 and the new id in *id
 * (if not NULL), -EINVAL (bad domain/name), -EEXIST (domain taken,
 * case-insensitively) or -EIO.
 */
int store_tenant_add(struct store *st, const char *domain, const char *name,
                     int64_t *id);

/* Find by domain (case-insensitive). Returns 0, -ENOENT, -EINVAL or -EIO. */
int store_tenant_find(struct store *st, const char *domain,
                      struct store_tenant *out);

typedef int store_tenant_fn(void *ud, const struct store_tenant *t);

/*
 * Call 'cb' for every tenant, ordered by domain. A non-zero return from
 * 'cb' stops the walk and is returned. 'cb' must not call the store on the
 * same handle. Returns 0 or -EIO otherwise.
 */
int store_tenant_list(struct store *st, store_tenant_fn *cb, void *ud);

/* ------------------------------------------------------------------ */
/* Users                                                                */
/* ------------------------------------------------------------------ */

enum store_role {
    STORE_ROLE_STANDARD = 0,      /* internal calls only */
    STORE_ROLE_INTERNATIONAL = 1, /* internal, local, national, intl */
    STORE_ROLE_ADMIN = 2,         /* whole tenant */
};

/* "standard", "international", "admin"; "unknown" for other values. */
const char *store_role_name(enum store_role role);
/* Parse a role name (exact, lowercase). Returns 0 or -EINVAL. */
int store_role_parse(const char *s, enum store_role *out);

struct store_user {
    int64_t id;
    int64_t tenant_id;
    char ext[STORE_EXT_MAX + 1];
    char name[STORE_NAME_MAX + 1];
    char email[STORE_EMAIL_MAX + 1];
    enum store_role role;
    int64_t created_at;        /* unix s */
    int64_t updated_at;        /* unix s */
    int64_t sip_pw_changed_at; /* unix s */
};

/*
 * Add a user to tenant 'tenant_id'. 'name' and 'email' may be NULL. The
 * SIP password (1..128 bytes, caller has applied the policy) is never
 * stored: HA1-MD5 and HA1-SHA256 of "ext:domain:password" are, encrypted.
 * Returns 0 and the id in *id (if not NULL), -EINVAL, -ENOENT (no such
 * tenant), -EEXIST (extension taken in that tenant) or -EIO.
 */
int store_user_add(struct store *st, int64_t tenant_id, const char *ext,
                   const char *name, enum store_role role, const char *email,
                   const char *sip_password, int64_t *id);

/* Find by tenant and extension. Returns 0, -ENOENT, -EINVAL or -EIO. */
int store_user_find(struct store *st, int64_t tenant_id, const char *ext,
                    struct store_user *out);

/* Changes for store_user_set; NULL / -1 fields stay as they are. */
struct store_user_patch {
    const char *name;         /* "" clears */
    const char *email;        /* "" clears */
    int role;                 /* enum store_role, or -1 */
    const char *sip_password; /* new password (HA1s recomputed) */
};

/*
 * Apply 'patch' to user 'user_id'. A new password updates
 * sip_pw_changed_at and joins the password history. Returns 0, -EINVAL,
 * -ENOENT or -EIO.
 */
int store_user_set(struct store *st, int64_t user_id,
                   const struct store_user_patch *patch);

/* Remove a user with its bindings and history. Returns 0, -ENOENT, -EIO. */
int store_user_rm(struct store *st, int64_t user_id);

typedef int store_user_fn(void *ud, const struct store_user *u);

/* Users of a tenant ordered by extension; 'cb' as in store_tenant_list. */
int store_user_list(struct store *st, int64_t tenant_id, store_user_fn *cb,
                    void *ud);

/*
 * Is 'sip_password' one of the last 'n_last' SIP passwords of 'user_id'
 * (the current one included)? Returns 1 yes, 0 no (always 0 when n_last is
 * 0), -ENOENT or -EIO.
 */
int store_user_pw_in_history(struct store *st, int64_t user_id,
                             const char *sip_password, uint32_t n_last);

struct store_creds {
    int64_t tenant_id;
    int64_t user_id;
    enum store_role role;
    char ha1_md5[STORE_HA1_MD5_LEN + 1];       /* lowercase hex */
    char ha1_sha256[STORE_HA1_SHA256_LEN + 1]; /* lowercase hex */
};

/*
 * Digest credentials of ext@domain (domain case-insensitive), decrypted.
 * Hot path of every authenticated REGISTER: cached statement, no
 * allocation. The caller wipes 'out' (sodium_memzero) when done. Returns 0,
 * -ENOENT (unknown user or domain; callers must answer exactly as for a
 * wrong password), -EBADMSG (ciphertext fails to authenticate: wrong key or
 * tampering) or -EIO.
 */
int store_user_get_creds(struct store *st, const char *domain, const char *ext,
                         struct store_creds *out);

/* ------------------------------------------------------------------ */
/* Registration bindings                                                */
/* ------------------------------------------------------------------ */

/*
 * One contact of one user. Text fields are NUL-terminated; on input NULL
 * means empty. In callbacks every pointer is valid for the duration of the
 * call only.
 */
struct store_binding {
    int64_t id;        /* output only */
    int64_t tenant_id; /* output only (taken from the user) */
    int64_t user_id;
    const char *aor;         /* "sip:100@example.com" */
    const char *contact_uri; /* as registered */
    int64_t expires_at;      /* unix s */
    const char *call_id;
    uint32_t cseq;
    const char *source;     /* "udp:203.0.113.9:5060" */
    const char *user_agent; /* untrusted, as received */
    const char *path;       /* Path header values, comma-joined */
    const char *received;   /* received= / NAT source URI */
    const char *instance;   /* +sip.instance */
    uint32_t reg_id;        /* RFC 5626 reg-id, 0 if none */
    uint32_t q_milli;       /* q * 1000, 0..1000 */
    int64_t updated_at;     /* unix s */
    /* Output only, filled by the list/load walks: */
    const char *domain; /* tenant domain */
    const char *ext;    /* user extension */
};

/*
 * Insert or replace the binding (b->user_id, b->contact_uri). tenant_id is
 * taken from the user. 'now' becomes updated_at. Returns 0 (the row id in
 * *id if not NULL), -EINVAL (missing aor/contact, over-long field), -ENOENT
 * (no such user) or -EIO.
 */
int store_binding_upsert(struct store *st, const struct store_binding *b,
                         int64_t now, int64_t *id);

/* Remove one binding. Returns 0, -ENOENT or -EIO. */
int store_binding_delete(struct store *st, int64_t user_id,
                         const char *contact_uri);

/* Remove every binding of a user; *n_removed if not NULL. 0 or -EIO. */
int store_binding_delete_user(struct store *st, int64_t user_id,
                              uint32_t *n_removed);

typedef int store_binding_fn(void *ud, const struct store_binding *b);

/*
 * Walk unexpired bindings (expires_at > now) ordered by domain, ext,
 * contact. 'domain' NULL walks every tenant; an unknown domain walks
 * nothing. 'cb' as in store_tenant_list. store_binding_load_all is the
 * restart path of the registrar.
 */
int store_binding_list(struct store *st, const char *domain, int64_t now,
                       store_binding_fn *cb, void *ud);
int store_binding_load_all(struct store *st, int64_t now, store_binding_fn *cb,
                           void *ud);

/* Delete bindings with expires_at <= now; *n_removed if not NULL. */
int store_binding_purge_expired(struct store *st, int64_t now,
                                uint32_t *n_removed);

/* ------------------------------------------------------------------ */
/* Shield: settings, rules, bans (security.c)                           */
/* ------------------------------------------------------------------ */

/*
 * The store keeps these as the shield's callers give them: networks as
 * normalised text ("41.202.0.0/16"), patterns, country codes. It checks
 * only lengths, character sets and the enumerations below; whether a
 * network parses or a setting is in range is the caller's (sec/).
 */
#define STORE_SETTING_KEY_MAX   64
#define STORE_SETTING_VALUE_MAX 4096
#define STORE_NET_MAX           63 /* normalised network text */
#define STORE_DESCR_MAX         255
#define STORE_UA_PATTERN_MAX    128
#define STORE_METHOD_MAX        15
#define STORE_BAN_REASON_MAX    31
#define STORE_BAN_TEXT_MAX      255 /* ruri, from_user, user_agent */

/* Settings key the store uses for itself (never walked by the load). */
#define STORE_SETTING_UA_SEEDED "ua_seeded"

/*
 * Set 'key' (1..64 bytes of [a-z0-9_]) to 'value' (0..4096 bytes, no
 * NUL), updated_at 'now'. The reserved key STORE_SETTING_UA_SEEDED is
 * refused. Returns 0, -EINVAL or -EIO.
 */
int store_setting_set(struct store *st, const char *key, const char *value,
                      int64_t now);

/* Value of 'key' into buf (cap bytes). Returns 0, -ENOENT, -ENOSPC, -EIO. */
int store_setting_get(struct store *st, const char *key, char *buf, size_t cap);

/* Forget 'key' (back to its default). Returns 0, -ENOENT or -EIO. */
int store_setting_del(struct store *st, const char *key);

typedef int store_setting_fn(void *ud, const char *key, const char *value);

/*
 * Call 'cb' for every stored setting, ordered by key, skipping the
 * store's own keys (STORE_SETTING_UA_SEEDED). Strings are valid during the
 * call. A non-zero return from 'cb' stops the walk and is returned; 'cb'
 * must not call the store on the same handle. Returns 0 or -EIO.
 */
int store_settings_load(struct store *st, store_setting_fn *cb, void *ud);

/* IP allow / block rules. */
struct store_ip_rule {
    int64_t id;
    char net[STORE_NET_MAX + 1];     /* "41.202.0.0/16" */
    char action[8];                  /* "allow" | "block" */
    char descr[STORE_DESCR_MAX + 1]; /* operator's note */
    int64_t created_at;              /* unix s */
};

/*
 * Add a rule for 'net' (1..63 bytes, no blanks or controls), 'action'
 * "allow" or "block", 'descr' (NULL = empty; 0..255 bytes, no control
 * characters). Returns 0 (row id in *id if not NULL), -EINVAL, -EEXIST
 * (a rule for that network exists, whatever its action: the message names
 * it) or -EIO.
 */
int store_ip_rule_add(struct store *st, const char *net, const char *action,
                      const char *descr, int64_t now, int64_t *id);

/* The rule for 'net' (exact text). Returns 0, -ENOENT or -EIO. */
int store_ip_rule_find(struct store *st, const char *net,
                       struct store_ip_rule *out);

/* Remove the rule for 'net'. Returns 0, -ENOENT or -EIO. */
int store_ip_rule_rm(struct store *st, const char *net);

typedef int store_ip_rule_fn(void *ud, const struct store_ip_rule *r);

/*
 * Rules with 'action' ("allow" / "block"; NULL: both), ordered by id;
 * 'cb' as in store_settings_load.
 */
int store_ip_rule_list(struct store *st, const char *action,
                       store_ip_rule_fn *cb, void *ud);

/* User-Agent blacklist patterns. */
struct store_ua_rule {
    int64_t id;
    char pattern[STORE_UA_PATTERN_MAX + 1];
    int64_t created_at; /* unix s */
};

/*
 * Seed the table with 'patterns' once in the database's life: unless the
 * flag STORE_SETTING_UA_SEEDED is set, add every pattern not present yet
 * (case-insensitively) and set the flag, in one transaction. Patterns an
 * operator removed later therefore stay removed. Patterns are not
 * validated beyond length (the caller's are). *seeded (if not NULL) is
 * true when this call seeded. Returns 0, -EINVAL (a pattern over
 * STORE_UA_PATTERN_MAX) or -EIO.
 */
int store_ua_seed(struct store *st, const char *const *patterns, size_t n,
                  int64_t now, bool *seeded);

/*
 * Add 'pattern' (1..128 bytes, no control characters). Returns 0 (id in
 * *id if not NULL), -EINVAL, -EEXIST (present, compared case-
 * insensitively) or -EIO.
 */
int store_ua_rule_add(struct store *st, const char *pattern, int64_t now,
                      int64_t *id);

/* Remove 'pattern' (case-insensitive). Returns 0, -ENOENT or -EIO. */
int store_ua_rule_rm(struct store *st, const char *pattern);

typedef int store_ua_rule_fn(void *ud, const struct store_ua_rule *r);

/* Patterns ordered by id (seeded defaults first, in their order). */
int store_ua_rule_list(struct store *st, store_ua_rule_fn *cb, void *ud);

/*
 * Countries allowed by GeoIP (none stored: every country is allowed).
 * 'country' is two ASCII letters, stored upper case.
 * add: 0, -EINVAL, -EEXIST, -EIO. rm: 0, -EINVAL, -ENOENT, -EIO.
 */
int store_geo_rule_add(struct store *st, const char *country, int64_t now);
int store_geo_rule_rm(struct store *st, const char *country);

typedef int store_geo_rule_fn(void *ud, const char *country,
                              int64_t created_at);

/* Countries ordered alphabetically; 'cb' as in store_settings_load. */
int store_geo_rule_list(struct store *st, store_geo_rule_fn *cb, void *ud);

/* Per-network, per-method rate rules. */
struct store_rate_rule {
    int64_t id; /* output only */
    char net[STORE_NET_MAX + 1];
    char method[STORE_METHOD_MAX + 1]; /* "REGISTER" or "*" */
    uint32_t rate;                     /* requests per period */
    uint32_t period_s;
    uint32_t burst;
};

/*
 * Add a rule. net as for store_ip_rule_add, method 1..15 bytes without
 * blanks or controls, rate / period_s / burst >= 1 (their finer limits
 * are the rate limiter's). Returns 0 (id in *id if not NULL), -EINVAL,
 * -EEXIST (a rule for that network and method exists) or -EIO.
 */
int store_rate_rule_add(struct store *st, const struct store_rate_rule *r,
                        int64_t *id);

/* Remove the rule (net, method) (exact). Returns 0, -ENOENT or -EIO. */
int store_rate_rule_rm(struct store *st, const char *net, const char *method);

typedef int store_rate_rule_fn(void *ud, const struct store_rate_rule *r);

/* Rules ordered by net, then method; 'cb' as in store_settings_load. */
int store_rate_rule_list(struct store *st, store_rate_rule_fn *cb, void *ud);

/*
 * Active bans. A row is one banned network and the story of its ban;
 * lifted or expired bans are deleted. Text fields are copied in and out
 * (truncate long wire text before storing: longer values are refused).
 */
struct store_ban {
    char net[STORE_NET_MAX + 1];             /* "203.0.113.9/32" */
    char reason[STORE_BAN_REASON_MAX + 1];   /* "auth_failures", ... */
    char source[16];                         /* "shield" | "operator" */
    uint32_t threshold;                      /* the limit reached */
    uint32_t count;                          /* the counter that did it */
    uint32_t window_s;                       /* its window */
    int64_t first_seen;                      /* unix s */
    int64_t last_seen;                       /* unix s */
    int64_t created_at;                      /* unix s, the ban itself */
    int64_t expires_at;                      /* unix s */
    char method[STORE_METHOD_MAX + 1];       /* last request, may be "" */
    char ruri[STORE_BAN_TEXT_MAX + 1];       /* untrusted, as received */
    char from_user[STORE_BAN_TEXT_MAX + 1];  /* untrusted, as received */
    char user_agent[STORE_BAN_TEXT_MAX + 1]; /* untrusted, as received */
};

/*
 * Insert or replace the ban of b->net (1..63 bytes; source "shield" or
 * "operator", "" meaning "shield"; text fields terminated within their
 * arrays). Returns 0, -EINVAL or -EIO. Used by the daemon's write-behind
 * persister, possibly inside store_begin .. store_commit.
 */
int store_ban_put(struct store *st, const struct store_ban *b);

/*
 * The ban of 'net' (exact text) if it is active at 'now' (expires_at >
 * now). Returns 0, -ENOENT or -EIO.
 */
int store_ban_get(struct store *st, const char *net, int64_t now,
                  struct store_ban *out);

/* Delete the ban of 'net', active or not. Returns 0, -ENOENT or -EIO. */
int store_ban_del(struct store *st, const char *net);

typedef int store_ban_fn(void *ud, const struct store_ban *b);

/*
 * Bans active at 'now' ordered by created_at, then net (the restart path
 * and ban.list). 'b' is valid during the call; 'cb' as in
 * store_settings_load.
 */
int store_ban_list(struct store *st, int64_t now, store_ban_fn *cb, void *ud);

/* Delete bans with expires_at <= now; *n_removed if not NULL. 0 or -EIO. */
int store_ban_purge_expired(struct store *st, int64_t now, uint32_t *n_removed);

#endif
