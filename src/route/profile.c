/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Country profiles and number classification. All inputs are validated
 * here; the proxy hands over the request-URI user part untouched.
 */
#include "route/profile.h"

#include <errno.h>
#include <string.h>

#include "base/check.h"

const char *route_class_name(enum route_class cls)
{
    switch (cls) {
    case ROUTE_CLASS_INVALID:
        return "invalid";
    case ROUTE_CLASS_INTERNAL:
        return "internal";
    case ROUTE_CLASS_EMERGENCY:
        return "emergency";
    case ROUTE_CLASS_LOCAL_NATIONAL:
        return "national";
    case ROUTE_CLASS_INTERNATIONAL:
        return "international";
    }
    return "unknown";
}

static bool all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

/* Copy a digit string of at most 'max' digits (min 'min') into dst. */
static int set_digits(char *dst, const char *src, size_t min, size_t max)
{
    if (!src) {
        return -EINVAL;
    }
    size_t len = strnlen(src, max + 1);
    if (len < min || len > max || !all_digits(src, len)) {
        return -EINVAL;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

int route_profile_init(struct route_profile *p, const char *cc,
                       const char *national_prefix, const char *intl_prefix)
{
    if (!p) {
        return -EINVAL;
    }
    memset(p, 0, sizeof(*p));
    if (!cc || !route_cc_is_assigned(sv_cstr(cc))
        || set_digits(p->cc, cc, 1, ROUTE_CC_MAX_LEN) != 0
        || set_digits(p->national_prefix, national_prefix, 0,
                      ROUTE_PROFILE_PREFIX_MAX)
               != 0
        || set_digits(p->intl_prefix, intl_prefix, 0, ROUTE_PROFILE_PREFIX_MAX)
               != 0
        || (p->national_prefix[0] != '\0'
            && strcmp(p->national_prefix, p->intl_prefix) == 0)) {
        memset(p, 0, sizeof(*p));
        return -EINVAL;
    }
    return 0;
}

int route_profile_set_local_area(struct route_profile *p, const char *area)
{
    char tmp[ROUTE_PROFILE_PREFIX_MAX + 1];
    if (!p || set_digits(tmp, area, 0, ROUTE_PROFILE_PREFIX_MAX) != 0) {
        return -EINVAL;
    }
    memcpy(p->local_area, tmp, sizeof(tmp));
    return 0;
}

static bool dial_char(char c)
{
    return (c >= '0' && c <= '9') || c == '*' || c == '#';
}

int route_profile_add_emergency(struct route_profile *p, const char *num)
{
    if (!p || !num) {
        return -EINVAL;
    }
    size_t len = strnlen(num, ROUTE_EMERGENCY_MAX_LEN + 1);
    if (len == 0 || len > ROUTE_EMERGENCY_MAX_LEN) {
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        if (!dial_char(num[i])) {
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < p->n_emergency; i++) {
        if (strcmp(p->emergency[i], num) == 0) {
            return 0;
        }
    }
    if (p->n_emergency >= ROUTE_MAX_EMERGENCY) {
        return -ENOSPC;
    }
    memcpy(p->emergency[p->n_emergency], num, len + 1);
    p->n_emergency++;
    return 0;
}

/* Bit index of a 1-3 digit code: lengths get disjoint ranges. */
static int cc_bit(struct sv cc)
{
    if (cc.len == 0 || cc.len > ROUTE_CC_MAX_LEN || !all_digits(cc.p, cc.len)) {
        return -1;
    }
    int v = 0;
    for (size_t i = 0; i < cc.len; i++) {
        v = v * 10 + (cc.p[i] - '0');
    }
    static const int base[4] = { 0, 0, 10, 110 };
    return base[cc.len] + v;
}

int route_profile_allow_cc(struct route_profile *p, const char *cc)
{
    if (!p || !cc) {
        return -EINVAL;
    }
    if (strcmp(cc, "*") == 0) {
        p->allow_any_cc = true;
        return 0;
    }
    struct sv v = sv_cstr(cc);
    if (!route_cc_is_assigned(v)) {
        return -EINVAL;
    }
    int bit = cc_bit(v);
    SW_ASSERT(bit >= 0 && (size_t)bit / 8 < sizeof(p->allowed_cc));
    p->allowed_cc[bit / 8] |= (uint8_t)(1u << (bit % 8));
    return 0;
}

bool route_profile_cc_allowed(const struct route_profile *p, struct sv cc)
{
    if (!p || !route_cc_is_assigned(cc)) {
        return false;
    }
    if (p->allow_any_cc || sv_eq_cstr(cc, p->cc)) {
        return true;
    }
    int bit = cc_bit(cc);
    return (p->allowed_cc[bit / 8] >> (bit % 8)) & 1u;
}

int route_profile_disallow(struct route_profile *p, const char *prefix)
{
    char tmp[ROUTE_E164_MAX_DIGITS + 1];
    if (!p || set_digits(tmp, prefix, 1, ROUTE_E164_MAX_DIGITS) != 0) {
        return -EINVAL;
    }
    for (size_t i = 0; i < p->n_disallowed; i++) {
        if (strcmp(p->disallowed[i], tmp) == 0) {
            return 0;
        }
    }
    if (p->n_disallowed >= ROUTE_MAX_DISALLOWED) {
        return -ENOSPC;
    }
    memcpy(p->disallowed[p->n_disallowed++], tmp, sizeof(tmp));
    return 0;
}

const char *route_profile_disallowed_match(const struct route_profile *p,
                                           struct sv e164)
{
    const char *best = NULL;
    size_t best_len = 0;
    if (!p || (!e164.p && e164.len)) {
        return NULL;
    }
    for (size_t i = 0; i < p->n_disallowed; i++) {
        size_t len = strlen(p->disallowed[i]);
        if (len <= e164.len && len > best_len
            && memcmp(p->disallowed[i], e164.p, len) == 0) {
            best = p->disallowed[i];
            best_len = len;
        }
    }
    return best;
}

/* ------------------------------------------------------------------------
 * Classification
 */

static void set_invalid(struct route_number *out, const char *reason)
{
    memset(out, 0, sizeof(*out));
    out->cls = ROUTE_CLASS_INVALID;
    out->reason = reason;
}

static bool has_prefix(struct sv s, const char *prefix)
{
    size_t len = strlen(prefix);
    return len > 0 && s.len >= len && memcmp(s.p, prefix, len) == 0;
}

/* Append 'src' to the E.164 buffer; false when it would pass 15 digits. */
static bool put(char *dst, size_t *len, const char *src, size_t n)
{
    if (*len + n > ROUTE_E164_MAX_DIGITS) {
        return false;
    }
    memcpy(dst + *len, src, n);
    *len += n;
    dst[*len] = '\0';
    return true;
}

int route_classify(const struct route_profile *p, struct sv dialed,
                   route_is_ext_fn *is_ext, void *ud, struct route_number *out)
{
    if (!out) {
        return -EINVAL;
    }
    if (!p || (!dialed.p && dialed.len)) {
        set_invalid(out, "no profile");
        return -EINVAL;
    }
    if (dialed.len == 0) {
        set_invalid(out, "empty number");
        return 0;
    }
    if (dialed.len > ROUTE_DIALED_MAX) {
        set_invalid(out, "number too long");
        return 0;
    }
    bool plus = dialed.p[0] == '+';
    bool feature = false;
    for (size_t i = plus ? 1 : 0; i < dialed.len; i++) {
        char c = dialed.p[i];
        if (!dial_char(c)) {
            set_invalid(out, c == '+' ? "'+' only allowed first"
                                      : "invalid character in number");
            return 0;
        }
        feature = feature || c == '*' || c == '#';
    }
    if (plus && dialed.len == 1) {
        set_invalid(out, "empty number");
        return 0;
    }

    memset(out, 0, sizeof(*out));
    if (!plus) {
        for (size_t i = 0; i < p->n_emergency; i++) {
            if (sv_eq_cstr(dialed, p->emergency[i])) {
                out->cls = ROUTE_CLASS_EMERGENCY;
                memcpy(out->cc, p->cc, sizeof(out->cc));
                return 0;
            }
        }
    }
    if (plus && feature) {
        set_invalid(out, "'*' or '#' in an international number");
        return 0;
    }
    if ((is_ext && is_ext(ud, dialed)) || feature) {
        out->cls = ROUTE_CLASS_INTERNAL;
        out->is_feature = feature;
        return 0;
    }

    char e164[ROUTE_E164_MAX_DIGITS + 1] = { 0 };
    size_t len = 0;
    bool ok = true;
    struct sv rest = dialed;
    if (plus) {
        rest = sv_slice(dialed, 1, dialed.len);
        ok = put(e164, &len, rest.p, rest.len);
    } else if (has_prefix(dialed, p->intl_prefix)) {
        rest = sv_slice(dialed, strlen(p->intl_prefix), dialed.len);
        ok = put(e164, &len, rest.p, rest.len);
    } else if (has_prefix(dialed, p->national_prefix)) {
        rest = sv_slice(dialed, strlen(p->national_prefix), dialed.len);
        ok = put(e164, &len, p->cc, strlen(p->cc))
             && put(e164, &len, rest.p, rest.len);
    } else {
        ok = put(e164, &len, p->cc, strlen(p->cc))
             && put(e164, &len, p->local_area, strlen(p->local_area))
             && put(e164, &len, dialed.p, dialed.len);
    }
    if (!ok) {
        set_invalid(out, "number longer than 15 digits");
        return 0;
    }
    char cc[ROUTE_CC_MAX_LEN + 1];
    size_t cc_len = route_cc_match(sv_make(e164, len), cc);
    if (cc_len == 0) {
        set_invalid(out,
                    len == 0 ? "number too short" : "unknown country code");
        return 0;
    }
    if (len < cc_len + ROUTE_NSN_MIN) {
        set_invalid(out, "number too short");
        return 0;
    }
    memcpy(out->e164, e164, len + 1);
    memcpy(out->cc, cc, cc_len + 1);
    out->cls = strcmp(cc, p->cc) == 0 ? ROUTE_CLASS_LOCAL_NATIONAL
                                      : ROUTE_CLASS_INTERNATIONAL;
    return 0;
}
