/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin plane's run-time settings by name: the part of struct
 * admin_config an operator changes through the REST API or the CLI
 * (session timeouts, API token life, web login protection, password
 * history, audit retention, administrator networks, required 2FA), their
 * text and JSON forms, their rows "admin.<name>" in the settings table,
 * and the change path (check, lock-out guard, save, apply, audit). The
 * other fields (throttle size, Argon2id cost, TOTP issuer) stay as the
 * daemon configures them. Who may change a setting is the caller's.
 */
#ifndef SW_ADMIN_SETTINGS_H
#define SW_ADMIN_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin/admin.h"

struct net_addr;
struct store;

/* Settings table keys of the admin plane: "admin.session_idle_s". */
#define ADMIN_SETTING_PREFIX "admin."
/* Longest setting name. */
#define ADMIN_SETTING_KEY_MAX 32
/* Enough for the text of any setting (64 networks, comma-separated). */
#define ADMIN_SETTING_TEXT_CAP (ADMIN_ALLOWED_NETS_MAX * 51 + 1)

enum admin_setting_kind {
    ADMIN_SETTING_UINT = 0, /* uint32_t field in [lo, hi] */
    ADMIN_SETTING_BOOL,     /* bool field */
    ADMIN_SETTING_NETS,     /* allowed_nets / n_allowed_nets */
};

struct admin_setting_info {
    const char *key; /* "session_idle_s" */
    enum admin_setting_kind kind;
    size_t offset; /* of the field in struct admin_config */
    uint32_t lo;   /* ADMIN_SETTING_UINT: range, inclusive */
    uint32_t hi;
    const char *range; /* "60..86400", "true|false", "CIDR list" */
    const char *why;   /* "session_idle_s must be 60..86400" */
    const char *help;  /* one line for people */
};

/* The settings in display order; their count in *n. */
const struct admin_setting_info *admin_settings_info(size_t *n);

/* The setting called 'key', or NULL. */
const struct admin_setting_info *admin_setting_find(const char *key);

/* The message (info->why) of the first number setting of 'cfg' out of its
 * range, or NULL when all are in range (admin_config_check uses it). */
const char *admin_settings_range_error(const struct admin_config *cfg);

/* Why a value was refused. */
struct admin_setting_err {
    /* "unknown" (no such setting), "integer", "range", "boolean",
     * "network", "too_many", "lockout"; NULL when nothing was refused */
    const char *rule;
    char message[256]; /* names the setting and the rule */
};

/*
 * Set setting 'key' of 'cfg' from its text: decimal digits for numbers,
 * true|false (also 1|0, yes|no, on|off) for booleans, networks as CIDR,
 * bare addresses, IPv4 or IPv6, separated by commas or blanks ("" or
 * "none": no restriction). On failure 'cfg' is unchanged. Returns 0,
 * -ENOENT (unknown key) or -EINVAL; 'err' (may be NULL) says why.
 */
int admin_setting_parse(struct admin_config *cfg, const char *key,
                        const char *text, struct admin_setting_err *err);

/*
 * The canonical text of setting 'key' of 'cfg' into 'buf' (what
 * admin_setting_parse reads back to the same value; networks normalised,
 * comma-separated, "" for none). Returns 0, -ENOENT or -ENOSPC.
 */
int admin_setting_format(const struct admin_config *cfg, const char *key,
                         char *buf, size_t cap);

/* The value of one setting as JSON: an integer, a boolean or an array of
 * CIDR strings. A new reference, NULL on -ENOMEM. */
json_t *admin_setting_json(const struct admin_config *cfg,
                           const struct admin_setting_info *info);

/* Every setting as one JSON object {key: value}. NULL on -ENOMEM. */
json_t *admin_settings_json(const struct admin_config *cfg);

/*
 * Apply the "admin.*" rows of the settings table over 'cfg'. A row that
 * does not parse, or leaves the whole configuration out of range, is
 * skipped (the value in 'cfg' stays) and the first such is described in
 * 'err' (err_cap bytes, "" when none; may be NULL). Returns 0, -EINVAL
 * (rows were skipped) or -EIO ('cfg' unchanged, 'err' has the store's
 * message).
 */
int admin_settings_load(struct store *st, struct admin_config *cfg, char *err,
                        size_t err_cap);

/*
 * Change setting 'key' of the context to the value 'text': parse it,
 * check the whole configuration, refuse (-EACCES, rule "lockout") an
 * administrator network list that leaves out 'caller' (the address the
 * change comes from; NULL: no such check, as for the local CLI), store
 * the canonical text as "admin.<key>", apply it, and audit
 * "admin.settings.set" on target 'key' by 'who' with the old and new
 * values ({"value": ...}). Returns 0, -ENOENT (unknown key), -EINVAL,
 * -EACCES ('err' says why) or -EIO (nothing applied).
 */
int admin_setting_change(struct admin_ctx *ctx, const struct admin_actor *who,
                         const char *key, const char *text,
                         const struct net_addr *caller,
                         struct admin_setting_err *err);

/*
 * Pick up changes made to the "admin.*" rows by another connection (the
 * CLI): when the store's data version moved since the last read, read
 * them over the current settings and apply the result, so the first
 * request after a change sees it. Returns 1 (settings changed), 0
 * (unchanged, or nothing committed elsewhere) or -EIO (store unreadable;
 * nothing changed). HTTP thread, on requests.
 */
int admin_settings_refresh(struct admin_ctx *ctx);

#endif
