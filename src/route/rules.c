/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outbound rule selection with digit manipulation, and inbound DID
 * matching. See rules.h for the matching semantics.
 */
#include "route/rules.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/check.h"

/* ------------------------------------------------------------------------
 * Outbound
 */

#define EXTERNAL_CLASSES                          \
    (ROUTE_CLASS_BIT(ROUTE_CLASS_LOCAL_NATIONAL)  \
     | ROUTE_CLASS_BIT(ROUTE_CLASS_INTERNATIONAL) \
     | ROUTE_CLASS_BIT(ROUTE_CLASS_EMERGENCY))
#define ALL_ROLES                               \
    (ROUTE_ROLE_BIT(ROUTE_ROLE_STANDARD)        \
     | ROUTE_ROLE_BIT(ROUTE_ROLE_INTERNATIONAL) \
     | ROUTE_ROLE_BIT(ROUTE_ROLE_ADMIN))

static bool text_ok(const char *s, size_t cap, bool need)
{
    size_t len = strnlen(s, cap);
    if (len == cap || (need && len == 0)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\') {
            return false;
        }
    }
    return true;
}

static bool dial_text_ok(const char *s, size_t cap)
{
    size_t len = strnlen(s, cap);
    if (len == cap) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= '0' && c <= '9') || c == '*' || c == '#'
                  || (c == '+' && i == 0);
        if (!ok) {
            return false;
        }
    }
    return true;
}

int route_outbound_rule_check(const struct route_outbound_rule *r)
{
    if (!r || !text_ok(r->name, sizeof(r->name), true)
        || !dial_text_ok(r->prefix, sizeof(r->prefix))
        || !dial_text_ok(r->prepend, sizeof(r->prepend))
        || (r->match_on != ROUTE_MATCH_DIALED
            && r->match_on != ROUTE_MATCH_E164)
        || (r->max_len != 0 && r->max_len < r->min_len)
        || (r->classes & ~(uint32_t)EXTERNAL_CLASSES) != 0
        || (r->roles & ~(uint32_t)ALL_ROLES) != 0
        || r->n_groups > ROUTE_RULE_MAX_GROUPS || r->n_trunks == 0
        || r->n_trunks > ROUTE_RULE_MAX_TRUNKS || r->strip > ROUTE_DIALED_MAX) {
        return -EINVAL;
    }
    for (size_t i = 0; i < r->n_trunks; i++) {
        if (r->trunks[i] <= 0) {
            return -EINVAL;
        }
    }
    return 0;
}

void route_outbound_sort(struct route_outbound_rule *rules, size_t n)
{
    /* Insertion sort: stable, in place, and rule lists are short. */
    for (size_t i = 1; rules && i < n; i++) {
        struct route_outbound_rule tmp = rules[i];
        size_t j = i;
        while (j > 0 && rules[j - 1].priority > tmp.priority) {
            rules[j] = rules[j - 1];
            j--;
        }
        rules[j] = tmp;
    }
}

static bool in_groups(const struct route_outbound_rule *r,
                      const struct route_caller *c)
{
    if (r->n_groups == 0) {
        return true;
    }
    for (size_t i = 0; i < r->n_groups; i++) {
        for (size_t j = 0; j < c->n_groups; j++) {
            if (c->groups && r->groups[i] == c->groups[j]) {
                return true;
            }
        }
    }
    return false;
}

/* The number conditions: prefix, length, strip. */
static bool number_fits(const struct route_outbound_rule *r, struct sv form)
{
    size_t plen = strnlen(r->prefix, sizeof(r->prefix));
    if (form.len < plen || memcmp(form.p, r->prefix, plen) != 0) {
        return false;
    }
    if (form.len < r->min_len || (r->max_len && form.len > r->max_len)) {
        return false;
    }
    return form.len > r->strip;
}

static void transform(const struct route_outbound_rule *r, struct sv form,
                      char *out)
{
    size_t plen = strnlen(r->prepend, sizeof(r->prepend));
    size_t rest = form.len - r->strip;
    SW_ASSERT(plen + rest <= ROUTE_OUT_NUMBER_MAX);
    memcpy(out, r->prepend, plen);
    memcpy(out + plen, form.p + r->strip, rest);
    out[plen + rest] = '\0';
}

int route_outbound(const struct route_outbound_rule *rules, size_t n_rules,
                   const struct route_caller *caller, struct sv dialed,
                   const struct route_number *num,
                   const struct route_hours *hours, int64_t now_s,
                   struct route_outbound_result *res, struct route_refusal *why)
{
    if ((!rules && n_rules) || !caller || !num || !res || !why
        || (!dialed.p && dialed.len) || dialed.len > ROUTE_DIALED_MAX) {
        return -EINVAL;
    }
    memset(res, 0, sizeof(*res));
    if (num->cls != ROUTE_CLASS_LOCAL_NATIONAL
        && num->cls != ROUTE_CLASS_INTERNATIONAL
        && num->cls != ROUTE_CLASS_EMERGENCY) {
        why->rule = ROUTE_RULE_NOT_EXTERNAL;
        snprintf(why->text, sizeof(why->text),
                 "%s numbers are not routed to trunks",
                 route_class_name(num->cls));
        return ROUTE_REFUSED;
    }
    bool emergency = num->cls == ROUTE_CLASS_EMERGENCY;
    bool open_known = false;
    bool open = false;
    const struct route_outbound_rule *closed = NULL;
    for (size_t i = 0; i < n_rules; i++) {
        const struct route_outbound_rule *r = &rules[i];
        uint32_t classes = r->classes ? r->classes : EXTERNAL_CLASSES;
        if (!(classes & ROUTE_CLASS_BIT(num->cls)) || r->n_trunks == 0) {
            continue;
        }
        struct sv form = dialed;
        if (r->match_on == ROUTE_MATCH_E164 && num->e164[0] != '\0') {
            form = sv_cstr(num->e164);
        }
        if (!number_fits(r, form)) {
            continue;
        }
        if (!emergency) {
            if (r->roles && !(r->roles & ROUTE_ROLE_BIT(caller->role))) {
                continue;
            }
            if (!in_groups(r, caller)) {
                continue;
            }
            if (r->office_hours_only) {
                if (!open_known) {
                    open = route_hours_open(hours, now_s);
                    open_known = true;
                }
                if (!open) {
                    closed = closed ? closed : r;
                    continue;
                }
            }
        }
        res->rule = r;
        transform(r, form, res->number);
        return 0;
    }
    if (emergency) {
        for (size_t i = 0; i < n_rules; i++) {
            if (rules[i].n_trunks > 0) {
                res->rule = &rules[i];
                res->emergency_fallback = true;
                memcpy(res->number, dialed.p, dialed.len);
                res->number[dialed.len] = '\0';
                return 0;
            }
        }
    }
    if (closed) {
        why->rule = ROUTE_RULE_OFFICE_HOURS;
        snprintf(why->text, sizeof(why->text),
                 "outbound rule %s is only available in office hours",
                 closed->name);
        return ROUTE_REFUSED;
    }
    why->rule = ROUTE_RULE_NO_OUTBOUND;
    snprintf(why->text, sizeof(why->text),
             "no outbound rule matches this %s number",
             route_class_name(num->cls));
    return ROUTE_REFUSED;
}

/* ------------------------------------------------------------------------
 * Inbound
 */

static bool pattern_char(char c)
{
    return c == 'X' || c == 'x' || c == 'Z' || c == 'z' || c == 'N' || c == 'n'
           || c == '.';
}

static struct sv skip_plus(struct sv v)
{
    if (v.len > 0 && v.p[0] == '+') {
        v.p++;
        v.len--;
    }
    return v;
}

static bool is_pattern(struct sv v)
{
    for (size_t i = 0; i < v.len; i++) {
        if (pattern_char(v.p[i])) {
            return true;
        }
    }
    return false;
}

int route_inbound_rule_check(const struct route_inbound_rule *r)
{
    if (!r || r->trunk_id < 0) {
        return -EINVAL;
    }
    size_t dlen = strnlen(r->did, sizeof(r->did));
    size_t elen = strnlen(r->ext, sizeof(r->ext));
    if (dlen == 0 || dlen == sizeof(r->did) || elen == 0
        || elen == sizeof(r->ext)) {
        return -EINVAL;
    }
    struct sv d = skip_plus(sv_make(r->did, dlen));
    if (d.len == 0) {
        return -EINVAL;
    }
    for (size_t i = 0; i < d.len; i++) {
        char c = d.p[i];
        if (c == '.' && (i != d.len - 1 || i == 0)) {
            return -EINVAL;
        }
        if (!(c >= '0' && c <= '9') && !pattern_char(c)) {
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < elen; i++) {
        char c = r->ext[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                  || (c >= 'A' && c <= 'Z') || c == '*' || c == '#' || c == '_'
                  || c == '-' || c == '.';
        if (!ok) {
            return -EINVAL;
        }
    }
    return 0;
}

bool route_did_match(struct sv pattern, struct sv did)
{
    if ((!pattern.p && pattern.len) || (!did.p && did.len)) {
        return false;
    }
    struct sv pat = skip_plus(pattern);
    struct sv d = skip_plus(did);
    if (d.len == 0 || pat.len == 0) {
        return false;
    }
    for (size_t i = 0; i < d.len; i++) {
        if (d.p[i] < '0' || d.p[i] > '9') {
            return false;
        }
    }
    size_t i = 0;
    for (; i < pat.len; i++) {
        char c = pat.p[i];
        if (c == '.') {
            /* One or more further digits, and '.' must be last. */
            return i == pat.len - 1 && d.len > i;
        }
        if (i >= d.len) {
            return false;
        }
        char x = d.p[i];
        bool ok = false;
        switch (c) {
        case 'X':
        case 'x':
            ok = true;
            break;
        case 'Z':
        case 'z':
            ok = x >= '1';
            break;
        case 'N':
        case 'n':
            ok = x >= '2';
            break;
        default:
            ok = c == x;
            break;
        }
        if (!ok) {
            return false;
        }
    }
    return i == d.len;
}

/* Higher is better; exact rules score above every pattern. */
static int64_t inbound_score(const struct route_inbound_rule *r,
                             int64_t trunk_id)
{
    struct sv d = skip_plus(sv_make(r->did, strnlen(r->did, sizeof(r->did))));
    int64_t s = 0;
    if (!is_pattern(d)) {
        s += 1 << 20;
    }
    if (r->trunk_id != 0 && r->trunk_id == trunk_id) {
        s += 1 << 16;
    }
    if (d.len > 0 && d.p[d.len - 1] != '.') {
        s += 1 << 8;
    }
    for (size_t i = 0; i < d.len; i++) {
        if (d.p[i] >= '0' && d.p[i] <= '9') {
            s++;
        }
    }
    return s;
}

int route_inbound(const struct route_inbound_rule *rules, size_t n_rules,
                  int64_t trunk_id, struct sv did,
                  const struct route_inbound_rule **out)
{
    if ((!rules && n_rules) || !out || (!did.p && did.len)) {
        return -EINVAL;
    }
    *out = NULL;
    int64_t best = -1;
    for (size_t i = 0; i < n_rules; i++) {
        const struct route_inbound_rule *r = &rules[i];
        if (r->trunk_id != 0 && r->trunk_id != trunk_id) {
            continue;
        }
        struct sv pat = sv_make(r->did, strnlen(r->did, sizeof(r->did)));
        if (!route_did_match(pat, did)) {
            continue;
        }
        int64_t s = inbound_score(r, trunk_id);
        if (s > best) {
            best = s;
            *out = r;
        }
    }
    return *out ? 0 : ROUTE_REFUSED;
}
