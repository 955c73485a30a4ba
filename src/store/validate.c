/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Syntax checks for the text the store keeps (domains, extensions, names,
 * e-mail addresses) and the role names. They refuse what is malformed;
 * what is allowed by policy is the callers' business.
 */
#include <errno.h>
#include <string.h>

#include "store/store.h"

static int why_fail(const char **why, const char *reason)
{
    if (why) {
        *why = reason;
    }
    return -EINVAL;
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

int store_domain_check(const char *s, const char **why)
{
    if (!s || !s[0]) {
        return why_fail(why, "domain is empty");
    }
    size_t n = strlen(s);
    if (n > STORE_DOMAIN_MAX) {
        return why_fail(why, "domain is longer than 253 characters");
    }
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0) {
                return why_fail(why, c == '\0' && i > 0
                                         ? "domain must not end with a dot"
                                         : "domain has an empty label");
            }
            if (s[i - 1] == '-') {
                return why_fail(why, "domain label ends with '-'");
            }
            label = 0;
            continue;
        }
        if (c == '-') {
            if (label == 0) {
                return why_fail(why, "domain label starts with '-'");
            }
        } else if (!is_alnum(c)) {
            return why_fail(why, "domain may contain only letters, digits, "
                                 "'-' and '.'");
        }
        if (++label > 63) {
            return why_fail(why, "domain label is longer than 63 characters");
        }
    }
    return 0;
}

int store_ext_check(const char *s, const char **why)
{
    if (!s || !s[0]) {
        return why_fail(why, "extension is empty");
    }
    size_t n = strlen(s);
    if (n > STORE_EXT_MAX) {
        return why_fail(why, "extension is longer than 32 characters");
    }
    if (!is_alnum(s[0])) {
        return why_fail(why, "extension must start with a letter or digit");
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!is_alnum(c) && c != '.' && c != '_' && c != '+' && c != '-') {
            return why_fail(why, "extension may contain only letters, "
                                 "digits, '.', '_', '+' and '-'");
        }
    }
    return 0;
}

static int has_ctl(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return 1;
        }
    }
    return 0;
}

int store_name_check(const char *s, const char **why)
{
    if (!s) {
        return 0;
    }
    if (strlen(s) > STORE_NAME_MAX) {
        return why_fail(why, "name is longer than 128 bytes");
    }
    if (has_ctl(s)) {
        return why_fail(why, "name contains control characters");
    }
    return 0;
}

int store_email_check(const char *s, const char **why)
{
    if (!s || !s[0]) {
        return 0;
    }
    size_t n = strlen(s);
    if (n > STORE_EMAIL_MAX) {
        return why_fail(why, "email is longer than 254 characters");
    }
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@')) {
        return why_fail(why, "email must have the form local@domain");
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == ','
            || *p == ';' || *p == '"' || *p == '\\') {
            return why_fail(why, "email contains a space, control or "
                                 "separator character");
        }
    }
    const char *dom_why = NULL;
    if (store_domain_check(at + 1, &dom_why) < 0 || !strchr(at + 1, '.')) {
        return why_fail(why, "email domain is not a valid host name");
    }
    return 0;
}

static const char *const role_names[] = {
    [STORE_ROLE_STANDARD] = "standard",
    [STORE_ROLE_INTERNATIONAL] = "international",
    [STORE_ROLE_ADMIN] = "admin",
};

const char *store_role_name(enum store_role role)
{
    if ((unsigned)role >= sizeof(role_names) / sizeof(role_names[0])) {
        return "unknown";
    }
    return role_names[role];
}

int store_role_parse(const char *s, enum store_role *out)
{
    for (size_t i = 0; s && i < sizeof(role_names) / sizeof(role_names[0]);
         i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum store_role)i;
            return 0;
        }
    }
    return -EINVAL;
}
