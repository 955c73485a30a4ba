/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may call what: the role permission check of the reference documents
 * (PortSIP "Extension Security", PRODUCT.md §2) plus the tenant's allowed
 * country codes and disallowed code prefixes. Decisions, in this order:
 *  1. EMERGENCY is always allowed, for every role, whatever the tenant's
 *     lists say (nothing below can block it);
 *  2. INTERNAL is always allowed (tenant scoping is the proxy's job);
 *  3. INVALID is refused ("invalid_number");
 *  4. Standard User: internal calls only, so LOCAL_NATIONAL and
 *     INTERNATIONAL are refused ("role_internal_only");
 *  5. every other role (Standard International User, Admin) may call
 *     local, national and international numbers, but the tenant-wide
 *     lists apply to them all, Admin included: a number starting with a
 *     disallowed prefix is refused ("disallowed_prefix", checked on the
 *     E.164 form, so it also catches national premium ranges), and an
 *     international number to a country code not allowed is refused
 *     ("country_not_allowed"; the own country is always allowed; an empty
 *     list allows no foreign country, "*" allows all).
 * Rationale for 5: the references put Allowed Country Codes and
 * Disallowed Codes under the tenant's "Blacklist and Codes" to block
 * calls by country code, not per role; "Admin: full permissions within the
 * tenant" is about managing the tenant, and a stolen admin phone is the
 * costliest toll-fraud case. The differences between Admin and Standard
 * International User are in administration, not in dialling.
 * Stateless and thread-safe.
 */
#ifndef SW_ROUTE_PERMIT_H
#define SW_ROUTE_PERMIT_H

#include "route/profile.h"

/* Same values as enum store_role (src/store/store.h). */
enum route_role {
    ROUTE_ROLE_STANDARD = 0,      /* Standard User: internal only */
    ROUTE_ROLE_INTERNATIONAL = 1, /* Standard International User */
    ROUTE_ROLE_ADMIN = 2,         /* Admin */
};
#define ROUTE_ROLE_COUNT 3

/* "standard", "international", "admin"; "unknown" otherwise. */
const char *route_role_name(enum route_role role);

#define ROUTE_REFUSAL_TEXT_MAX 160

/*
 * Why a call is refused. 'rule' is a stable token for the Reason header,
 * the security event (rule=...) and the CDR; 'text' is for humans
 * (Warning: 399 sipwarden "<text>"): printable ASCII without '"' or '\',
 * so it can be quoted as is.
 */
struct route_refusal {
    const char *rule; /* static, e.g. "role_internal_only" */
    char text[ROUTE_REFUSAL_TEXT_MAX];
};

/* Refusal tokens (route_refusal.rule). */
#define ROUTE_RULE_INVALID_NUMBER "invalid_number"
#define ROUTE_RULE_INTERNAL_ONLY  "role_internal_only"
#define ROUTE_RULE_DISALLOWED     "disallowed_prefix"
#define ROUTE_RULE_COUNTRY        "country_not_allowed"
#define ROUTE_RULE_NO_OUTBOUND    "no_outbound_rule"
#define ROUTE_RULE_OFFICE_HOURS   "outside_office_hours"
#define ROUTE_RULE_NOT_EXTERNAL   "not_external"
#define ROUTE_RULE_NO_INBOUND     "no_inbound_rule"

/* Positive result of the checks below: the call is refused. */
#define ROUTE_REFUSED 1

/*
 * May a caller with 'role' reach 'num' (from route_classify with profile
 * 'p')? Returns 0 (allowed; 'why' untouched), ROUTE_REFUSED with 'why'
 * filled, or -EINVAL for NULL arguments or a role outside the enum.
 * Thread-safe; no allocation.
 */
int route_permit_check(const struct route_profile *p, enum route_role role,
                       const struct route_number *num,
                       struct route_refusal *why);

#endif
