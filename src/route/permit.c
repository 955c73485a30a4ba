/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-role permission check and the tenant's country lists; see
 * permit.h for the order of the decisions and why.
 */
#include "route/permit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *route_role_name(enum route_role role)
{
    switch (role) {
    case ROUTE_ROLE_STANDARD:
        return "standard";
    case ROUTE_ROLE_INTERNATIONAL:
        return "international";
    case ROUTE_ROLE_ADMIN:
        return "admin";
    }
    return "unknown";
}

static int refuse(struct route_refusal *why, const char *rule)
{
    why->rule = rule;
    why->text[0] = '\0';
    return ROUTE_REFUSED;
}

int route_permit_check(const struct route_profile *p, enum route_role role,
                       const struct route_number *num,
                       struct route_refusal *why)
{
    if (!p || !num || !why
        || (role != ROUTE_ROLE_STANDARD && role != ROUTE_ROLE_INTERNATIONAL
            && role != ROUTE_ROLE_ADMIN)) {
        return -EINVAL;
    }
    switch (num->cls) {
    case ROUTE_CLASS_EMERGENCY:
    case ROUTE_CLASS_INTERNAL:
        return 0;
    case ROUTE_CLASS_LOCAL_NATIONAL:
    case ROUTE_CLASS_INTERNATIONAL:
        break;
    case ROUTE_CLASS_INVALID:
    default:
        refuse(why, ROUTE_RULE_INVALID_NUMBER);
        snprintf(why->text, sizeof(why->text), "invalid number: %s",
                 num->reason ? num->reason : "unclassified");
        return ROUTE_REFUSED;
    }
    if (role == ROUTE_ROLE_STANDARD) {
        refuse(why, ROUTE_RULE_INTERNAL_ONLY);
        snprintf(why->text, sizeof(why->text),
                 "role standard may call internal and emergency numbers "
                 "only, not %s numbers",
                 route_class_name(num->cls));
        return ROUTE_REFUSED;
    }
    const char *bad = route_profile_disallowed_match(p, sv_cstr(num->e164));
    if (bad) {
        refuse(why, ROUTE_RULE_DISALLOWED);
        snprintf(why->text, sizeof(why->text),
                 "calls to numbers starting +%s are not allowed", bad);
        return ROUTE_REFUSED;
    }
    if (num->cls == ROUTE_CLASS_INTERNATIONAL
        && !route_profile_cc_allowed(p, sv_cstr(num->cc))) {
        const char *name = route_cc_name(sv_cstr(num->cc));
        refuse(why, ROUTE_RULE_COUNTRY);
        snprintf(why->text, sizeof(why->text),
                 "calls to country code %s (%s) are not allowed", num->cc,
                 name ? name : "unknown");
        return ROUTE_REFUSED;
    }
    return 0;
}
