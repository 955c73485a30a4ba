/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Password rules of PRODUCT.md §4: presets, the explaining check and the
 * generator. Lengths count Unicode code points of valid UTF-8; letters,
 * digits and upper case are ASCII notions, every other printable character
 * (space and non-ASCII included) counts as a special character.
 */
#include "policy/password.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/check.h"
#include "base/sv.h"

const char policy_password_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+=";

/* Longest account fragment quoted in a message. */
#define QUOTE_MAX 64

/* ------------------------------------------------------------------------
 * Presets
 */

struct policy_password_rules policy_rules_admin(void)
{
    return (struct policy_password_rules){
        .min_len = POLICY_ADMIN_MIN_LEN,
        .max_len = POLICY_ADMIN_MAX_LEN,
        .need_letter = true,
        .need_digit = true,
        .need_upper_or_special = true,
        .min_classes = 0,
        .seq_run = POLICY_SEQ_RUN,
        .repeat_run = POLICY_REPEAT_RUN,
        .check_account = true,
        .history = 0,
        .expiry_days = 0,
    };
}

int policy_rules_tenant(uint32_t min_len, uint32_t classes,
                        uint32_t expiry_days, uint32_t history,
                        struct policy_password_rules *out, const char **err)
{
    const char *msg = NULL;
    if (min_len < POLICY_TENANT_MIN_LEN_MIN
        || min_len > POLICY_TENANT_MIN_LEN_MAX) {
        msg = "minimum password length must be 8-20 characters";
    } else if (classes < 1 || classes > 4) {
        msg = "required character classes must be 1-4";
    } else if (expiry_days < POLICY_EXPIRY_DAYS_MIN
               || expiry_days > POLICY_EXPIRY_DAYS_MAX) {
        msg = "password expiry must be 30-365 days";
    } else if (history > POLICY_HISTORY_MAX) {
        msg = "password history must be 0-24 passwords";
    }
    if (err) {
        *err = msg;
    }
    if (msg) {
        return -EINVAL;
    }
    *out = (struct policy_password_rules){
        .min_len = min_len,
        .max_len = POLICY_TENANT_MAX_LEN,
        .min_classes = classes,
        .seq_run = POLICY_SEQ_RUN,
        .repeat_run = POLICY_REPEAT_RUN,
        .check_account = true,
        .history = history,
        .expiry_days = expiry_days,
    };
    return 0;
}

/* ------------------------------------------------------------------------
 * Decoding
 */

struct pw_chars {
    uint32_t cp[POLICY_PASSWORD_MAX_BYTES];      /* code points */
    uint16_t off[POLICY_PASSWORD_MAX_BYTES + 1]; /* byte offset of each */
    size_t n;
};

/*
 * Decode one UTF-8 sequence at s[*i]; false for overlongs, surrogates,
 * values above U+10FFFF and truncated or stray bytes (RFC 3629 §4).
 */
static bool utf8_next(const unsigned char *s, size_t len, size_t *i,
                      uint32_t *cp)
{
    unsigned char c = s[*i];
    if (c < 0x80) {
        *cp = c;
        *i += 1;
        return true;
    }
    size_t n;
    uint32_t v;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0fu;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07u;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return false;
    }
    if (len - *i < n) {
        return false;
    }
    for (size_t k = 1; k < n; k++) {
        unsigned char cc = s[*i + k];
        if (cc < lo || cc > hi) {
            return false;
        }
        lo = 0x80;
        hi = 0xbf;
        v = (v << 6) | (cc & 0x3fu);
    }
    *cp = v;
    *i += n;
    return true;
}

static bool is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

static bool is_lower(uint32_t cp)
{
    return cp >= 'a' && cp <= 'z';
}

static bool is_upper(uint32_t cp)
{
    return cp >= 'A' && cp <= 'Z';
}

static bool is_digit(uint32_t cp)
{
    return cp >= '0' && cp <= '9';
}

static uint32_t fold(uint32_t cp)
{
    return is_upper(cp) ? cp + ('a' - 'A') : cp;
}

/* ------------------------------------------------------------------------
 * Violations
 */

static int violate(struct policy_violation *why, enum policy_rule rule,
                   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int violate(struct policy_violation *why, enum policy_rule rule,
                   const char *fmt, ...)
{
    if (!why) {
        return -EINVAL;
    }
    why->rule = rule;
    va_list ap;
    va_start(ap, fmt);
    /* Truncation only shortens the explanation. */
    (void)vsnprintf(why->message, sizeof(why->message), fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int quote_len(size_t len)
{
    return (int)SW_MIN(len, (size_t)QUOTE_MAX);
}

/* ------------------------------------------------------------------------
 * Runs
 */

/* +1 / -1 when b follows / precedes a in 0-9 (wrapping: 7890) or a-z. */
static int seq_step(uint32_t a, uint32_t b)
{
    if (is_digit(a) && is_digit(b)) {
        uint32_t d = (b + 10 - a) % 10;
        return d == 1 ? 1 : (d == 9 ? -1 : 0);
    }
    a = fold(a);
    b = fold(b);
    if (is_lower(a) && is_lower(b)) {
        return b == a + 1 ? 1 : (a == b + 1 ? -1 : 0);
    }
    return 0;
}

/* Start and length of the first maximal sequential run >= min_run. */
static bool find_sequence(const struct pw_chars *c, uint32_t min_run,
                          size_t *start, size_t *run)
{
    size_t i = 0;
    while (i + 1 < c->n) {
        int dir = seq_step(c->cp[i], c->cp[i + 1]);
        if (dir == 0) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j + 1 < c->n && seq_step(c->cp[j], c->cp[j + 1]) == dir) {
            j++;
        }
        if (j - i + 1 >= min_run) {
            *start = i;
            *run = j - i + 1;
            return true;
        }
        i = j; /* a run in the other direction may start at j */
    }
    return false;
}

static bool find_repeat(const struct pw_chars *c, uint32_t min_run,
                        size_t *start, size_t *run)
{
    size_t i = 0;
    while (i < c->n) {
        size_t j = i + 1;
        while (j < c->n && fold(c->cp[j]) == fold(c->cp[i])) {
            j++;
        }
        if (j - i >= min_run) {
            *start = i;
            *run = j - i;
            return true;
        }
        i = j;
    }
    return false;
}

/* ------------------------------------------------------------------------
 * Account information
 */

struct acct_hit {
    const char *label;
    struct sv frag;
};

static bool frag_in(struct sv pw, struct sv frag)
{
    return frag.len >= POLICY_ACCOUNT_MIN_LEN && sv_contains_nocase(pw, frag);
}

static bool word_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* The field itself, then each of its words. */
static bool field_in(struct sv pw, struct sv field, struct sv *hit)
{
    if (frag_in(pw, field)) {
        *hit = field;
        return true;
    }
    size_t i = 0;
    while (i < field.len) {
        while (i < field.len && !word_char((unsigned char)field.p[i])) {
            i++;
        }
        size_t j = i;
        while (j < field.len && word_char((unsigned char)field.p[j])) {
            j++;
        }
        struct sv w = sv_make(field.p + i, j - i);
        if (w.len < field.len && frag_in(pw, w)) {
            *hit = w;
            return true;
        }
        i = j;
    }
    return false;
}

static bool phone_in(struct sv pw, struct sv phone, struct sv *hit,
                     char digits[QUOTE_MAX])
{
    if (frag_in(pw, phone)) {
        *hit = phone;
        return true;
    }
    size_t n = 0;
    for (size_t i = 0; i < phone.len && n < QUOTE_MAX; i++) {
        if (phone.p[i] >= '0' && phone.p[i] <= '9') {
            digits[n++] = phone.p[i];
        }
    }
    struct sv d = sv_make(digits, n);
    if (frag_in(pw, d)) {
        *hit = d;
        return true;
    }
    /* Subscriber part: the number as dialled locally, without prefixes. */
    if (n > 7 && frag_in(pw, sv_make(digits + n - 7, 7))) {
        *hit = sv_make(digits + n - 7, 7);
        return true;
    }
    return false;
}

static bool account_hit(struct sv pw, const struct policy_account_info *a,
                        struct acct_hit *out, char digits[QUOTE_MAX])
{
    struct sv hit;
    if (a->username && field_in(pw, sv_cstr(a->username), &hit)) {
        *out = (struct acct_hit){ "username", hit };
        return true;
    }
    if (a->name && field_in(pw, sv_cstr(a->name), &hit)) {
        *out = (struct acct_hit){ "name", hit };
        return true;
    }
    if (a->extension && frag_in(pw, sv_cstr(a->extension))) {
        *out = (struct acct_hit){ "extension", sv_cstr(a->extension) };
        return true;
    }
    if (a->email) {
        struct sv e = sv_cstr(a->email);
        if (frag_in(pw, e)) {
            *out = (struct acct_hit){ "e-mail address", e };
            return true;
        }
        size_t at = e.len;
        while (at > 0 && e.p[at - 1] != '@') {
            at--;
        }
        struct sv local = at > 0 ? sv_make(e.p, at - 1) : e;
        if (field_in(pw, local, &hit)) {
            *out = (struct acct_hit){ "e-mail name", hit };
            return true;
        }
    }
    if (a->phone && phone_in(pw, sv_cstr(a->phone), &hit, digits)) {
        *out = (struct acct_hit){ "phone number", hit };
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------------
 * The check
 */

static int check_chars(const struct policy_password_rules *r,
                       const struct pw_chars *c, struct sv pw,
                       const struct policy_account_info *acct,
                       struct policy_violation *why)
{
    if (c->n < r->min_len) {
        return violate(why, POLICY_RULE_TOO_SHORT,
                       "is too short: %zu characters, at least %u required",
                       c->n, r->min_len);
    }
    if (c->n > r->max_len) {
        return violate(why, POLICY_RULE_TOO_LONG,
                       "is too long: %zu characters, at most %u allowed", c->n,
                       r->max_len);
    }

    bool lower = false;
    bool upper = false;
    bool digit = false;
    bool special = false;
    for (size_t i = 0; i < c->n; i++) {
        uint32_t cp = c->cp[i];
        lower |= is_lower(cp);
        upper |= is_upper(cp);
        digit |= is_digit(cp);
        special |= !is_lower(cp) && !is_upper(cp) && !is_digit(cp);
    }
    if (r->need_letter && !lower && !upper) {
        return violate(why, POLICY_RULE_NO_LETTER, "contains no letter");
    }
    if (r->need_digit && !digit) {
        return violate(why, POLICY_RULE_NO_DIGIT, "contains no digit");
    }
    if (r->need_upper_or_special && !upper && !special) {
        return violate(why, POLICY_RULE_NO_UPPER_OR_SPECIAL,
                       "contains no upper-case letter or special character");
    }
    unsigned n_classes =
        (unsigned)lower + (unsigned)upper + (unsigned)digit + (unsigned)special;
    if (r->min_classes > 0 && n_classes < r->min_classes) {
        return violate(why, POLICY_RULE_TOO_FEW_CLASSES,
                       "uses %u of the character classes (lower-case, "
                       "upper-case, digits, specials), at least %u required",
                       n_classes, r->min_classes);
    }

    size_t start;
    size_t run;
    if (r->seq_run > 1 && find_sequence(c, r->seq_run, &start, &run)) {
        return violate(
            why, POLICY_RULE_SEQUENCE, "contains the sequence '%.*s'",
            (int)(c->off[start + run] - c->off[start]), pw.p + c->off[start]);
    }
    if (r->repeat_run > 1 && find_repeat(c, r->repeat_run, &start, &run)) {
        return violate(
            why, POLICY_RULE_REPEAT, "contains the repeated characters '%.*s'",
            (int)(c->off[start + run] - c->off[start]), pw.p + c->off[start]);
    }

    struct acct_hit hit;
    char digits[QUOTE_MAX];
    if (r->check_account && acct && account_hit(pw, acct, &hit, digits)) {
        return violate(why, POLICY_RULE_ACCOUNT_INFO, "contains the %s '%.*s'",
                       hit.label, quote_len(hit.frag.len), hit.frag.p);
    }
    return 0;
}

int policy_password_check(const struct policy_password_rules *rules,
                          const char *pw,
                          const struct policy_account_info *acct,
                          struct policy_violation *why)
{
    if (why) {
        why->rule = POLICY_RULE_NONE;
        why->message[0] = '\0';
    }
    if (!pw) {
        return violate(why, POLICY_RULE_BAD_CHAR, "is missing");
    }
    size_t len = strnlen(pw, POLICY_PASSWORD_MAX_BYTES + 1);
    if (len > POLICY_PASSWORD_MAX_BYTES) {
        return violate(why, POLICY_RULE_TOO_LONG,
                       "is too long: more than %u bytes",
                       (unsigned)POLICY_PASSWORD_MAX_BYTES);
    }

    /* Large (about 6 KiB) but bounded: the longest input is refused above. */
    struct pw_chars c;
    c.n = 0;
    const unsigned char *s = (const unsigned char *)pw;
    size_t i = 0;
    while (i < len) {
        c.off[c.n] = (uint16_t)i;
        if (!utf8_next(s, len, &i, &c.cp[c.n])) {
            return violate(why, POLICY_RULE_BAD_CHAR,
                           "is not valid UTF-8 (at character %zu)", c.n + 1);
        }
        if (is_control(c.cp[c.n])) {
            return violate(why, POLICY_RULE_BAD_CHAR,
                           "contains a control character (character %zu)",
                           c.n + 1);
        }
        c.n++;
    }
    c.off[c.n] = (uint16_t)len;

    int rc = check_chars(rules, &c, sv_make(pw, len), acct, why);
    if (rc != 0) {
        return rc;
    }
    if (rules->history > 0 && acct && acct->was_used
        && acct->was_used(acct->was_used_ud, pw)) {
        return violate(why, POLICY_RULE_REUSED,
                       "was used before: the last %u passwords cannot be "
                       "reused",
                       rules->history);
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Generator
 */

#define GEN_MAX_TRIES 10000

int policy_password_generate(char *dst, size_t cap, size_t len)
{
    if (len < POLICY_ADMIN_MIN_LEN || len > POLICY_TENANT_MAX_LEN) {
        return -EINVAL;
    }
    if (!dst || cap <= len) {
        return -ENOSPC;
    }
    const size_t n_alpha = sizeof(policy_password_alphabet) - 1;
    /* Bytes at or above 'limit' would favour the first characters. */
    const unsigned limit = 256u - (256u % (unsigned)n_alpha);
    /* All four classes and the run checks: passes every preset. */
    const struct policy_password_rules strict = {
        .min_len = (uint32_t)len,
        .max_len = (uint32_t)len,
        .need_letter = true,
        .need_digit = true,
        .need_upper_or_special = true,
        .min_classes = 4,
        .seq_run = POLICY_SEQ_RUN,
        .repeat_run = POLICY_REPEAT_RUN,
    };
    unsigned char rnd[128];
    size_t used = sizeof(rnd);
    int rc = -EIO;
    for (int attempt = 0; attempt < GEN_MAX_TRIES; attempt++) {
        size_t n = 0;
        while (n < len) {
            if (used == sizeof(rnd)) {
                if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
                    goto out;
                }
                used = 0;
            }
            unsigned b = rnd[used++];
            if (b < limit) {
                dst[n++] = policy_password_alphabet[b % n_alpha];
            }
        }
        dst[len] = '\0';
        if (policy_password_check(&strict, dst, NULL, NULL) == 0) {
            rc = 0;
            goto out;
        }
    }
    rc = -EAGAIN; /* statistically unreachable */
out:
    OPENSSL_cleanse(rnd, sizeof(rnd));
    if (rc != 0) {
        OPENSSL_cleanse(dst, len + 1);
        dst[0] = '\0';
    }
    return rc;
}

const char *policy_rule_name(enum policy_rule r)
{
    switch (r) {
    case POLICY_RULE_NONE:
        return "none";
    case POLICY_RULE_TOO_SHORT:
        return "too_short";
    case POLICY_RULE_TOO_LONG:
        return "too_long";
    case POLICY_RULE_NO_LETTER:
        return "no_letter";
    case POLICY_RULE_NO_DIGIT:
        return "no_digit";
    case POLICY_RULE_NO_UPPER_OR_SPECIAL:
        return "no_upper_or_special";
    case POLICY_RULE_TOO_FEW_CLASSES:
        return "too_few_classes";
    case POLICY_RULE_SEQUENCE:
        return "sequence";
    case POLICY_RULE_REPEAT:
        return "repeat";
    case POLICY_RULE_ACCOUNT_INFO:
        return "account_info";
    case POLICY_RULE_REUSED:
        return "reused";
    case POLICY_RULE_BAD_CHAR:
        return "bad_char";
    }
    return "unknown";
}
