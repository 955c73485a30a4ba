/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite store: schema and migrations, secrets at rest, tenants, users
 * (SIP credentials as encrypted digest HA1s, never the password),
 * registration bindings, the shield's settings, rules and bans, and the
 * configuration and records of calls (trunks, rules, limits, CDRs). A handle is
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

/*
 * SQLite's data version of this handle: it changes when another
 * connection (of this or another process) has committed since this
 * handle last looked, never for this handle's own writes. Returns 0 with
 * *out set, or -EIO.
 */
int store_data_version(struct store *st, int64_t *out);
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
    uint32_t media_policy;          /* enum store_media_policy */
};

/* When a tenant's calls must offer encrypted media. */
enum store_media_policy {
    STORE_MEDIA_OPTIONAL = 0, /* never required */
    STORE_MEDIA_SECURE = 1,   /* required for calls over TLS / WSS */
    STORE_MEDIA_ALWAYS = 2,   /* required on every transport */
};

/* "optional", "secure", "always"; "?" outside the enum. */
const char *store_media_policy_name(uint32_t p);
/* The reverse; -EINVAL for anything else. */
int store_media_policy_parse(const char *s, uint32_t *out);

/* Set the media policy of tenant 'id'. 0, -EINVAL, -ENOENT or -EIO. */
int store_tenant_set_media(struct store *st, int64_t id, uint32_t policy);

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

/* By id. Returns 0, -ENOENT or -EIO. (n_users is not filled.) */
int store_tenant_get(struct store *st, int64_t id, struct store_tenant *out);

/*
 * Replace the password members of tenant 'id''s policy (pw_min_len 8..20,
 * pw_classes 1..4, pw_expiry_days 30..365, pw_history 0..24) with those
 * of 'pol'; its other members are ignored. Returns 0, -EINVAL (out of
 * range), -ENOENT or -EIO.
 */
int store_tenant_set_pw_policy(struct store *st, int64_t id,
                               const struct store_tenant_policy *pol);

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
 * Set 'key' (1..64 bytes of [a-z0-9_], or dotted names such as
 * "admin.session_idle_s" that other subsystems use for their own settings)
 * to 'value' (0..4096 bytes, no NUL), updated_at 'now'. The reserved key
 * STORE_SETTING_UA_SEEDED is refused. Returns 0, -EINVAL or -EIO.
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

/* ------------------------------------------------------------------ */
/* Calls: groups, country profile, number lists, office hours, trunks,  */
/* inbound and outbound rules, limits, fraud, suspensions, CDRs         */
/* (calls.c)                                                            */
/* ------------------------------------------------------------------ */

/*
 * As for the shield, the store checks syntax, lengths and enumerations so
 * nothing it returns overflows its structs; what a rule means (matching,
 * time zones, whether a network parses) is the callers' (route/, limits/,
 * ops/). Walk callbacks get structs valid for the call only; a non-zero
 * return stops the walk and is returned; callbacks must not call the store
 * on the same handle. Text is copied in and out.
 */
#define STORE_GROUP_MAX       64 /* group name */
#define STORE_NUMBER_MAX      32 /* dialled digits, prefixes, DIDs */
#define STORE_PATTERN_MAX     64 /* inbound DID pattern */
#define STORE_TZ_MAX          64 /* IANA time zone name */
#define STORE_TRUNK_NAME_MAX  64
#define STORE_HOST_MAX        253
#define STORE_TRUNK_USER_MAX  128
#define STORE_TRUNK_PW_MAX    128
#define STORE_NETS_MAX        1023 /* comma-joined normalised networks */
#define STORE_RULE_NAME_MAX   64
#define STORE_RULE_GROUPS_MAX 16 /* groups named by one outbound rule */
#define STORE_RULE_TRUNKS_MAX 8  /* trunks of one outbound rule */
#define STORE_REASON_MAX      255
#define STORE_CDR_CLASS_MAX   15

/* ---- groups ---- */

struct store_group {
    int64_t id;
    int64_t tenant_id;
    char name[STORE_GROUP_MAX + 1]; /* unique per tenant, case-insensitive */
    uint32_t n_members;
    int64_t created_at; /* unix s */
};

/*
 * Add group 'name' (1..64 of [A-Za-z0-9._-], starting with a letter or
 * digit) to a tenant. Returns 0 (id in *id if not NULL), -EINVAL, -ENOENT
 * (no tenant), -EEXIST or -EIO.
 */
int store_group_add(struct store *st, int64_t tenant_id, const char *name,
                    int64_t now, int64_t *id);
/* Find by name (case-insensitive). Returns 0, -ENOENT or -EIO. */
int store_group_find(struct store *st, int64_t tenant_id, const char *name,
                     struct store_group *out);
/* Remove a group with its memberships. Returns 0, -ENOENT or -EIO. */
int store_group_rm(struct store *st, int64_t tenant_id, const char *name);

typedef int store_group_fn(void *ud, const struct store_group *g);
/* Groups of a tenant ordered by name. */
int store_group_list(struct store *st, int64_t tenant_id, store_group_fn *cb,
                     void *ud);

/*
 * Add / remove user 'user_id' to / from group 'group_id' (both of the same
 * tenant). Returns 0, -EINVAL (other tenant), -ENOENT (no such group, user
 * or membership), -EEXIST (already a member) or -EIO.
 */
int store_group_member_add(struct store *st, int64_t group_id, int64_t user_id);
int store_group_member_rm(struct store *st, int64_t group_id, int64_t user_id);

typedef int store_member_fn(void *ud, int64_t user_id, const char *ext);
/* Members of a group ordered by extension. */
int store_group_member_list(struct store *st, int64_t group_id,
                            store_member_fn *cb, void *ud);

/* ---- country profile ---- */

struct store_tenant_profile {
    char country_code[4];             /* "33": 1..3 digits, no leading 0 */
    char national_prefix[5];          /* "0": 0..4 digits */
    char intl_prefix[5];              /* "00": 1..4 digits */
    char time_zone[STORE_TZ_MAX + 1]; /* "Europe/Paris" */
    int64_t updated_at;               /* unix s, output only */
};

/*
 * Set (insert or replace) the profile of a tenant. The time zone must be
 * 1..64 of [A-Za-z0-9/_+-] without "..", a leading '/' or "//": whether
 * it exists is the caller's check. Returns 0, -EINVAL, -ENOENT or -EIO.
 */
int store_profile_set(struct store *st, int64_t tenant_id,
                      const struct store_tenant_profile *p, int64_t now);
/* The profile of a tenant. Returns 0, -ENOENT (none set) or -EIO. */
int store_profile_get(struct store *st, int64_t tenant_id,
                      struct store_tenant_profile *out);

/* ---- per-tenant number lists ---- */

enum store_list_kind {
    STORE_LIST_COUNTRY = 0,   /* allowed country codes: 1..3 digits */
    STORE_LIST_PREFIX = 1,    /* disallowed prefixes: 1..32 digits */
    STORE_LIST_EMERGENCY = 2, /* emergency numbers: 1..32 of [0-9*#+] */
    STORE_LIST_HOLIDAY = 3,   /* holidays: a valid date YYYY-MM-DD */
};
#define STORE_LIST_KINDS 4

struct store_list_item {
    int64_t id;
    int64_t tenant_id;
    char value[STORE_NUMBER_MAX + 1];
    char descr[STORE_DESCR_MAX + 1]; /* operator's note, may be empty */
    int64_t created_at;              /* unix s */
};

/*
 * Add 'value' (syntax per kind, above) to a tenant's list; 'descr' may be
 * NULL. Returns 0 (id in *id if not NULL), -EINVAL (naming the value),
 * -ENOENT (no tenant), -EEXIST or -EIO.
 */
int store_list_add(struct store *st, enum store_list_kind kind,
                   int64_t tenant_id, const char *value, const char *descr,
                   int64_t now, int64_t *id);
/* Remove 'value' (exact). Returns 0, -ENOENT or -EIO. */
int store_list_rm(struct store *st, enum store_list_kind kind,
                  int64_t tenant_id, const char *value);

typedef int store_list_fn(void *ud, const struct store_list_item *it);
/* The list of a tenant ordered by value. */
int store_list_walk(struct store *st, enum store_list_kind kind,
                    int64_t tenant_id, store_list_fn *cb, void *ud);
/* "country code", "disallowed prefix", "emergency number", "holiday". */
const char *store_list_kind_name(enum store_list_kind kind);

/* ---- office hours ---- */

struct store_hours {
    int64_t id;
    int64_t tenant_id;
    uint32_t weekday;   /* 0 Sunday .. 6 Saturday */
    uint32_t start_min; /* minutes after local midnight, 0..1439 */
    uint32_t end_min;   /* exclusive, start_min+1..1440 */
};

/*
 * Replace the office hours of one weekday of a tenant with 'n' ranges
 * (n 0 closes the day; ranges must not overlap; at most 8). Only
 * weekday, start_min and end_min of 'ranges' are read. Returns 0, -EINVAL,
 * -ENOENT (no tenant) or -EIO.
 */
int store_hours_set(struct store *st, int64_t tenant_id, uint32_t weekday,
                    const struct store_hours *ranges, size_t n);
/* Remove the hours of one weekday. Returns 0, -ENOENT (none) or -EIO. */
int store_hours_rm(struct store *st, int64_t tenant_id, uint32_t weekday);

typedef int store_hours_fn(void *ud, const struct store_hours *h);
/* Ranges of a tenant ordered by weekday, start. */
int store_hours_list(struct store *st, int64_t tenant_id, store_hours_fn *cb,
                     void *ud);

/* ---- trunks ---- */

#define STORE_TRUNK_FP_HEX_MAX 95 /* "ab:cd:..." input form; stored as 64 */

enum store_trunk_kind {
    STORE_TRUNK_REGISTER = 0,        /* we register to the provider */
    STORE_TRUNK_IP = 1,              /* trusted provider networks */
    STORE_TRUNK_ACCEPT_REGISTER = 2, /* a gateway registers to us */
};

/* "register", "ip", "accept_register"; "unknown" otherwise. */
const char *store_trunk_kind_name(enum store_trunk_kind kind);
int store_trunk_kind_parse(const char *s, enum store_trunk_kind *out);

/*
 * A trunk. The password is never part of it: it is given separately on
 * write, stored sealed with the secret key, and read only through
 * store_trunk_password.
 */
struct store_trunk {
    int64_t id;                          /* output only */
    char name[STORE_TRUNK_NAME_MAX + 1]; /* unique, case-insensitive */
    enum store_trunk_kind kind;
    char host[STORE_HOST_MAX + 1];           /* provider host, may be "" */
    uint32_t port;                           /* 0: transport default */
    char transport[4];                       /* "udp" | "tcp" | "tls" */
    char username[STORE_TRUNK_USER_MAX + 1]; /* digest user, may be "" */
    char realm[STORE_HOST_MAX + 1];          /* "" : any */
    uint32_t expires_s;                      /* register expiry, 60..86400 */
    char networks[STORE_NETS_MAX + 1];       /* "a/n,b/m" (ip trunks) */
    uint32_t max_calls;                      /* global, 0 = unlimited */
    /* SHA-256 of the client certificate the trunk presents over TLS (64
     * hex digits, colons allowed on input, stored lowercase without);
     * "" = none. With one, the trunk is recognised by it, never by its
     * address alone. */
    char tls_cert_fp[STORE_TRUNK_FP_HEX_MAX + 1];
    bool has_password;  /* output only */
    int64_t created_at; /* unix s, output only */
    int64_t updated_at; /* unix s, output only */
};

/*
 * Add a trunk. Name: 1..64 of [A-Za-z0-9._-]; host: 0..253 bytes of
 * [A-Za-z0-9.:_-] (names and addresses); port 0..65535; transport one of
 * udp, tcp, tls ("" means udp); username, realm: no controls; networks:
 * 0..1023 of [0-9A-Fa-f.:/,]; tls_cert_fp "" or 64 hex digits (colons
 * between bytes allowed); expires_s 0 means 3600. 'password' (NULL or
 * "": none; at most 128 bytes) is sealed. Returns 0 (id in *id if not
 * NULL), -EINVAL, -EEXIST or -EIO.
 */
int store_trunk_add(struct store *st, const struct store_trunk *t,
                    const char *password, int64_t now, int64_t *id);
/*
 * Replace every field of trunk 'id' by those of 't' (t->id is ignored);
 * 'password' NULL keeps the stored one, "" removes it, else replaces it.
 * Returns 0, -EINVAL, -ENOENT, -EEXIST (new name taken) or -EIO.
 */
int store_trunk_set(struct store *st, int64_t id, const struct store_trunk *t,
                    const char *password, int64_t now);
/* Find by name (case-insensitive). Returns 0, -ENOENT or -EIO. */
int store_trunk_find(struct store *st, const char *name,
                     struct store_trunk *out);
/*
 * Remove a trunk with its tenant limits and the inbound rules bound to
 * it. Refused with -EBUSY while an outbound rule uses it (the message
 * names the rule). Returns 0, -ENOENT, -EBUSY or -EIO.
 */
int store_trunk_rm(struct store *st, const char *name);

typedef int store_trunk_fn(void *ud, const struct store_trunk *t);
/* Every trunk ordered by name. */
int store_trunk_list(struct store *st, store_trunk_fn *cb, void *ud);

/*
 * The decrypted password of trunk 'id' into buf (cap bytes, terminated).
 * For the trunk registration client only; the caller wipes buf. Returns
 * 0 ("" when none), -ENOENT, -ENOSPC, -EBADMSG (wrong key or tampering) or
 * -EIO.
 */
int store_trunk_password(struct store *st, int64_t id, char *buf, size_t cap);

/*
 * Per-tenant call limit on a trunk: 'max_calls' concurrent calls of the
 * tenant on it; 0 removes the limit. Returns 0, -ENOENT (no trunk or
 * tenant; also removing a limit that is not set) or -EIO.
 */
int store_trunk_limit_set(struct store *st, int64_t trunk_id, int64_t tenant_id,
                          uint32_t max_calls);

struct store_trunk_limit {
    int64_t trunk_id;
    int64_t tenant_id;
    char trunk[STORE_TRUNK_NAME_MAX + 1];
    char domain[STORE_DOMAIN_MAX + 1];
    uint32_t max_calls;
};

typedef int store_trunk_limit_fn(void *ud, const struct store_trunk_limit *l);
/* Limits of one trunk (trunk_id > 0) or of all, ordered by trunk, domain. */
int store_trunk_limit_list(struct store *st, int64_t trunk_id,
                           store_trunk_limit_fn *cb, void *ud);

/* ---- inbound rules ---- */

struct store_inbound_rule {
    int64_t id; /* output only */
    int64_t tenant_id;
    int64_t trunk_id;                     /* 0: from any trunk */
    char trunk[STORE_TRUNK_NAME_MAX + 1]; /* output only, "" for any */
    char did[STORE_PATTERN_MAX + 1];      /* exact DID or pattern */
    char ext[STORE_EXT_MAX + 1];          /* target extension */
    int64_t created_at;                   /* unix s, output only */
};

/*
 * Add an inbound rule. did: 1..64 of [0-9A-Za-z+*#.!_[]-] (matching is
 * route/'s); ext: extension syntax. Returns 0 (id in *id if not NULL),
 * -EINVAL, -ENOENT (no tenant or trunk), -EEXIST (same tenant, trunk and
 * DID; or the DID is another tenant's from that trunk or any trunk) or
 * -EIO.
 */
int store_inbound_add(struct store *st, const struct store_inbound_rule *r,
                      int64_t now, int64_t *id);
/* Remove rule 'id' of the tenant. Returns 0, -ENOENT or -EIO. */
int store_inbound_rm(struct store *st, int64_t tenant_id, int64_t id);

typedef int store_inbound_fn(void *ud, const struct store_inbound_rule *r);
/* Rules of a tenant (tenant_id 0: every tenant) ordered by tenant, id. */
int store_inbound_list(struct store *st, int64_t tenant_id,
                       store_inbound_fn *cb, void *ud);

/* ---- outbound rules ---- */

struct store_outbound_rule {
    int64_t id; /* output only */
    int64_t tenant_id;
    char name[STORE_RULE_NAME_MAX + 1]; /* unique per tenant */
    uint32_t position;                  /* 1..n, first match wins; 0 on
                                           add: last */
    char prefix[STORE_NUMBER_MAX + 1];  /* dialled prefix, "" any */
    uint32_t min_len;                   /* dialled length, 0 none */
    uint32_t max_len;                   /* 0 none */
    uint32_t roles; /* bit (1 << enum store_role); 0: any role */
    int64_t group_ids[STORE_RULE_GROUPS_MAX]; /* callers' groups; none: any */
    char groups[STORE_RULE_GROUPS_MAX][STORE_GROUP_MAX + 1]; /* output */
    uint32_t n_groups;
    bool office_hours_only;             /* outside hours the rule is absent */
    uint32_t strip;                     /* leading digits removed, 0..32 */
    char prepend[STORE_NUMBER_MAX + 1]; /* then prepended */
    int64_t trunk_ids[STORE_RULE_TRUNKS_MAX]; /* in failover order */
    char trunks[STORE_RULE_TRUNKS_MAX][STORE_TRUNK_NAME_MAX + 1]; /* output */
    uint32_t n_trunks;  /* 1..STORE_RULE_TRUNKS_MAX */
    int64_t created_at; /* unix s, output only */
};

/*
 * Add an outbound rule at r->position (0 or past the end: last; the rules
 * at and after it move down one). name: 1..64 of [A-Za-z0-9._-]; prefix
 * and prepend: 0..32 of [0-9+*#]; min_len <= max_len when both set
 * (lengths up to 32); groups of the same tenant; trunks existing, 1..8,
 * no repeats. Returns 0 (id in *id if not NULL), -EINVAL, -ENOENT (no
 * tenant, group or trunk), -EEXIST (name taken) or -EIO.
 */
int store_outbound_add(struct store *st, const struct store_outbound_rule *r,
                       int64_t now, int64_t *id);
/* Remove rule 'id' of the tenant, closing the gap. 0, -ENOENT or -EIO. */
int store_outbound_rm(struct store *st, int64_t tenant_id, int64_t id);
/*
 * Move rule 'id' to 'position' (1-based; past the end: last). Returns 0,
 * -EINVAL (position 0), -ENOENT or -EIO.
 */
int store_outbound_move(struct store *st, int64_t tenant_id, int64_t id,
                        uint32_t position);
/* Find rule by name (case-insensitive). Returns 0, -ENOENT or -EIO. */
int store_outbound_find(struct store *st, int64_t tenant_id, const char *name,
                        struct store_outbound_rule *out);

typedef int store_outbound_fn(void *ud, const struct store_outbound_rule *r);
/* Rules of a tenant ordered by position. */
int store_outbound_list(struct store *st, int64_t tenant_id,
                        store_outbound_fn *cb, void *ud);

/* ---- call limits ---- */

enum store_limit_scope {
    STORE_LIMIT_TENANT = 0, /* the tenant's default for every extension */
    STORE_LIMIT_USER = 1,
    STORE_LIMIT_GROUP = 2,
};

const char *store_limit_scope_name(enum store_limit_scope s);

struct store_call_limit {
    int64_t id; /* output only */
    int64_t tenant_id;
    enum store_limit_scope scope;
    int64_t target_id;                /* user or group id; 0 for tenant */
    char target[STORE_GROUP_MAX + 1]; /* output: ext or group name */
    uint32_t calls;                   /* per period_s; 0: no rate limit */
    uint32_t period_s;                /* 1..86400 when calls > 0 */
    uint32_t max_concurrent;          /* per extension; 0: not limited */
    bool has_window;                  /* applies only inside the window */
    uint32_t start_min;               /* local minutes, 0..1439 */
    uint32_t end_min;                 /* 1..1440; < start wraps midnight */
};

/*
 * Insert or replace the limit with the same (tenant, scope, target,
 * window). calls and max_concurrent must not both be 0. Returns 0 (id in
 * *id if not NULL), -EINVAL, -ENOENT (no tenant, user or group) or -EIO.
 */
int store_limit_set(struct store *st, const struct store_call_limit *l,
                    int64_t *id);
/* Remove limit 'id' of the tenant. Returns 0, -ENOENT or -EIO. */
int store_limit_rm(struct store *st, int64_t tenant_id, int64_t id);

typedef int store_limit_fn(void *ud, const struct store_call_limit *l);
/* Limits of a tenant ordered by scope, target, window start. */
int store_limit_list(struct store *st, int64_t tenant_id, store_limit_fn *cb,
                     void *ud);

/* ---- fraud thresholds ---- */

enum store_fraud_metric {
    STORE_FRAUD_INTERNATIONAL = 0, /* international calls */
    STORE_FRAUD_DESTINATIONS = 1,  /* distinct destinations */
    STORE_FRAUD_AFTER_HOURS = 2,   /* calls outside office hours */
};

const char *store_fraud_metric_name(enum store_fraud_metric m);
int store_fraud_metric_parse(const char *s, enum store_fraud_metric *out);

struct store_fraud_rule {
    int64_t id; /* output only */
    int64_t tenant_id;
    int64_t user_id;             /* 0: the tenant as a whole */
    char ext[STORE_EXT_MAX + 1]; /* output only, "" for the tenant */
    enum store_fraud_metric metric;
    uint32_t window_s; /* 1..30 days */
    uint32_t warning;  /* 1.. */
    uint32_t critical; /* >= warning */
};

/*
 * Insert or replace the thresholds of (tenant, user, metric). Returns 0
 * (id in *id if not NULL), -EINVAL, -ENOENT or -EIO.
 */
int store_fraud_set(struct store *st, const struct store_fraud_rule *f,
                    int64_t *id);
/* Remove rule 'id' of the tenant. Returns 0, -ENOENT or -EIO. */
int store_fraud_rm(struct store *st, int64_t tenant_id, int64_t id);

typedef int store_fraud_fn(void *ud, const struct store_fraud_rule *f);
/* Rules of a tenant ordered by user (tenant-wide first), metric. */
int store_fraud_list(struct store *st, int64_t tenant_id, store_fraud_fn *cb,
                     void *ud);

/* ---- suspensions ---- */

struct store_suspension {
    int64_t id;
    int64_t tenant_id;
    int64_t user_id;
    char ext[STORE_EXT_MAX + 1];       /* output only */
    char domain[STORE_DOMAIN_MAX + 1]; /* output only */
    int64_t since;                     /* unix s */
    char reason[STORE_REASON_MAX + 1];
    int64_t lifted_at; /* 0 while active */
};

/*
 * Record that user 'user_id' was suspended at 'since' for 'reason' (0..255
 * bytes, no controls). A user has at most one active suspension: an
 * active one is kept and 0 returned. Returns 0 (id in *id if not NULL),
 * -EINVAL, -ENOENT or -EIO.
 */
int store_suspension_add(struct store *st, int64_t user_id, int64_t since,
                         const char *reason, int64_t *id);
/* Lift the active suspension of a user. Returns 0, -ENOENT (none) or -EIO. */
int store_suspension_lift(struct store *st, int64_t user_id, int64_t now);

typedef int store_suspension_fn(void *ud, const struct store_suspension *s);
/*
 * Suspensions of a tenant (tenant_id 0: all) ordered by since; with
 * 'active_only' only those not lifted.
 */
int store_suspension_list(struct store *st, int64_t tenant_id, bool active_only,
                          store_suspension_fn *cb, void *ud);

/* ---- call detail records ---- */

enum store_cdr_result {
    STORE_CDR_ANSWERED = 0,
    STORE_CDR_REFUSED = 1,
    STORE_CDR_FAILED = 2,
    STORE_CDR_CANCELLED = 3,
};

const char *store_cdr_result_name(enum store_cdr_result r);
int store_cdr_result_parse(const char *s, enum store_cdr_result *out);

struct store_cdr {
    int64_t id;                           /* output only */
    int64_t tenant_id;                    /* 0: none (inbound unmatched) */
    char caller[STORE_PATTERN_MAX + 1];   /* ext or remote number */
    char callee[STORE_PATTERN_MAX + 1];   /* ext or number after rules */
    char dialed[STORE_PATTERN_MAX + 1];   /* as dialled */
    char class_[STORE_CDR_CLASS_MAX + 1]; /* internal, national, ... */
    char country_code[4];                 /* destination's, may be "" */
    char rule[STORE_RULE_NAME_MAX + 1];   /* outbound/inbound rule, "" */
    char trunk[STORE_TRUNK_NAME_MAX + 1]; /* "" when none */
    enum store_cdr_result result;
    uint32_t status;                   /* final SIP status, 0 none */
    char reason[STORE_REASON_MAX + 1]; /* refusal reason, "" */
    int64_t start_ms;                  /* unix ms, INVITE received */
    int64_t answer_ms;                 /* 0 unanswered */
    int64_t end_ms;                    /* 0 not ended */
};

/*
 * Append a record. Text fields must be terminated within their arrays and
 * free of controls (wire text: truncate and escape first). Returns 0 (id
 * in *id if not NULL), -EINVAL or -EIO. Cheap enough for the write-behind
 * batch of the proxy (use store_begin .. store_commit around many).
 */
int store_cdr_add(struct store *st, const struct store_cdr *c, int64_t *id);

/* Filter and page of store_cdr_list; zero / NULL members do not filter. */
struct store_cdr_query {
    int64_t tenant_id;
    const char *user; /* caller or callee equal to this */
    int64_t from_ms;  /* start_ms >= from_ms */
    int64_t to_ms;    /* start_ms < to_ms (0: no bound) */
    int result;       /* enum store_cdr_result, or -1 any */
    uint32_t limit;   /* rows, 1..1000 (0 means 100) */
    uint32_t offset;  /* rows skipped */
};

typedef int store_cdr_fn(void *ud, const struct store_cdr *c);
/*
 * Records matching 'q', newest first (start_ms, then id, descending).
 * *total (if not NULL) gets the number matching before paging. Returns 0,
 * -EINVAL (limit over 1000) or -EIO.
 */
int store_cdr_list(struct store *st, const struct store_cdr_query *q,
                   store_cdr_fn *cb, void *ud, uint64_t *total);
/* Delete records with start_ms < before_ms; *n_removed if not NULL. */
int store_cdr_purge(struct store *st, int64_t before_ms, uint32_t *n_removed);

#endif
