/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Password policy (PRODUCT.md §4): the administrator preset, tenant presets
 * built from validated settings, the check that explains which rule a
 * password breaks, and a generator of strong passwords that pass every
 * preset. Hashing, storing the history and enforcing expiry belong to the
 * store and the admin plane; this module only carries the settings.
 */
#ifndef SW_POLICY_PASSWORD_H
#define SW_POLICY_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Settings ranges (PRODUCT.md §4). */
#define POLICY_ADMIN_MIN_LEN      8
#define POLICY_ADMIN_MAX_LEN      32
#define POLICY_TENANT_MIN_LEN_MIN 8
#define POLICY_TENANT_MIN_LEN_MAX 20
#define POLICY_TENANT_MAX_LEN     64
#define POLICY_EXPIRY_DAYS_MIN    30
#define POLICY_EXPIRY_DAYS_MAX    365
#define POLICY_HISTORY_MAX        24
/* Runs refused by every preset: 4 sequential, 3 repeated characters. */
#define POLICY_SEQ_RUN    4
#define POLICY_REPEAT_RUN 3
/* Account fields shorter than this are not searched for. */
#define POLICY_ACCOUNT_MIN_LEN 3
/* Inputs longer than this (bytes) are refused before any other work. */
#define POLICY_PASSWORD_MAX_BYTES 1024

struct policy_password_rules {
    uint32_t min_len;           /* characters (code points), inclusive */
    uint32_t max_len;           /* characters (code points), inclusive */
    bool need_letter;           /* at least one ASCII letter */
    bool need_digit;            /* at least one digit */
    bool need_upper_or_special; /* an upper-case letter or a special */
    uint32_t min_classes; /* 0 = off, else 1-4 of lower/upper/digit/special */
    uint32_t seq_run;     /* refuse runs of this many sequential letters or
                             digits (abcd, 4321, 7890); 0 = off */
    uint32_t repeat_run;  /* refuse this many equal characters in a row,
                             case-insensitive (222, Aaa); 0 = off */
    bool check_account;   /* refuse account information (username, ...) */
    uint32_t history;     /* refuse the last N passwords (0 = off) */
    uint32_t expiry_days; /* 0 = never; enforced by the admin plane */
};

enum policy_rule {
    POLICY_RULE_NONE = 0, /* the password passes */
    POLICY_RULE_TOO_SHORT,
    POLICY_RULE_TOO_LONG,
    POLICY_RULE_NO_LETTER,
    POLICY_RULE_NO_DIGIT,
    POLICY_RULE_NO_UPPER_OR_SPECIAL,
    POLICY_RULE_TOO_FEW_CLASSES,
    POLICY_RULE_SEQUENCE,
    POLICY_RULE_REPEAT,
    POLICY_RULE_ACCOUNT_INFO,
    POLICY_RULE_REUSED,
    POLICY_RULE_BAD_CHAR, /* control character or invalid UTF-8 */
};

/* "too_short", "sequence", "account_info", ...: the rule's stable name
 * for APIs and tests; "none" for POLICY_RULE_NONE, "unknown" else. */
const char *policy_rule_name(enum policy_rule r);

struct policy_violation {
    enum policy_rule rule;
    /* Human explanation for the person choosing the password. It may quote
     * part of the password: show it to that person, never log it. */
    char message[192];
};

/* Was 'pw' among the account's last passwords? (compares with the stored
 * Argon2 / HA1 history). Called at most once per check. */
typedef bool policy_was_used_fn(void *ud, const char *pw);

struct policy_account_info {
    const char *username;  /* login / user name, or NULL */
    const char *name;      /* display name; each word is checked too */
    const char *extension; /* SIP extension number */
    const char *email;     /* the address and its local part are checked */
    const char *phone;     /* as entered; its digits are checked too */
    policy_was_used_fn *was_used; /* NULL: history not checked */
    void *was_used_ud;
};

/*
 * The administrator preset: 8-32 characters, a letter, a digit, an
 * upper-case letter or special character, no 4 sequential or 3 repeated
 * characters, no account information. No history, no expiry.
 */
struct policy_password_rules policy_rules_admin(void);

/*
 * Build a tenant preset from its settings: 'min_len' 8-20 (max 64),
 * 'classes' 1-4 character classes required, 'expiry_days' 30-365,
 * 'history' 0-POLICY_HISTORY_MAX, plus the sequence / repeat / account
 * checks. On -EINVAL '*out' is untouched and '*err' (if not NULL) points to
 * a static message naming the setting and its range; on 0 '*err' is NULL.
 */
int policy_rules_tenant(uint32_t min_len, uint32_t classes,
                        uint32_t expiry_days, uint32_t history,
                        struct policy_password_rules *out, const char **err);

/*
 * Check 'pw' (NUL-terminated UTF-8) against 'rules'. 'acct' may be NULL,
 * as may any of its fields. Rules are tried in the order of enum
 * policy_rule, bad characters first, and the first broken one is reported
 * in 'why' (if not NULL) with a message such as "contains the sequence
 * '1234'". The history callback runs last, only when everything else
 * passed and rules->history > 0. Returns 0 (why->rule = POLICY_RULE_NONE)
 * or -EINVAL. A NULL 'pw' is BAD_CHAR. Thread-safe; never logs.
 */
int policy_password_check(const struct policy_password_rules *rules,
                          const char *pw,
                          const struct policy_account_info *acct,
                          struct policy_violation *why);

/* The generator's characters: ASCII letters, digits and "-_.+=", which
 * need no quoting in SIP URIs, digest headers, JSON, INI files or shells. */
extern const char policy_password_alphabet[];

/*
 * Write a random password of exactly 'len' characters (8-64) and a NUL to
 * 'dst' ('cap' > len). Characters are drawn uniformly from
 * policy_password_alphabet with OpenSSL RAND_bytes and rejection sampling;
 * candidates are redrawn until they contain all four classes and pass the
 * sequence and repeat checks, so the result passes every tenant preset
 * with min_len <= len, and policy_rules_admin() when len <= 32 (account
 * information aside). Returns 0, -EINVAL for a bad 'len', -ENOSPC for a
 * small 'cap', -EIO when randomness fails.
 */
int policy_password_generate(char *dst, size_t cap, size_t len);

#endif
