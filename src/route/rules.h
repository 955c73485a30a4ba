/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outbound and inbound routing rules. Outbound: the first rule (in array
 * order; route_outbound_sort() orders by priority) whose conditions hold
 * for the caller, the number and the time picks the trunk list and the
 * digit manipulation; a rule marked office-hours-only does not exist
 * outside the tenant's office hours (route/hours.h), so a later rule may
 * match instead. Inbound: a DID, exact or a pattern, selects the
 * extension. Rules are plain caller-owned storage, read-only while
 * routing; every function here is thread-safe for readers and allocates
 * nothing. Permission checks (route/permit.h) come first, in the proxy.
 */
#ifndef SW_ROUTE_RULES_H
#define SW_ROUTE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"
#include "route/hours.h"
#include "route/permit.h"
#include "route/profile.h"

#define ROUTE_RULE_NAME_MAX    63
#define ROUTE_RULE_PREFIX_MAX  31
#define ROUTE_RULE_PREPEND_MAX 15
#define ROUTE_RULE_MAX_TRUNKS  8
#define ROUTE_RULE_MAX_GROUPS  16
#define ROUTE_OUT_NUMBER_MAX   (ROUTE_DIALED_MAX + ROUTE_RULE_PREPEND_MAX)

/* Bit of a class in route_outbound_rule.classes. */
#define ROUTE_CLASS_BIT(c) (1u << (unsigned)(c))
/* Bit of a role in route_outbound_rule.roles. */
#define ROUTE_ROLE_BIT(r) (1u << (unsigned)(r))

/* Which form of the number a rule's prefix, length and strip apply to. */
enum route_match_on {
    ROUTE_MATCH_DIALED = 0, /* the text as dialed ("0044...", "+44...") */
    ROUTE_MATCH_E164 = 1,   /* the international digits ("44..."); the
                               dialed text for emergency numbers */
};

struct route_outbound_rule {
    int64_t id;                         /* store id for CDRs, 0 = none */
    char name[ROUTE_RULE_NAME_MAX + 1]; /* printable, no '"' or '\' */
    int32_t priority;                   /* lower first (sort only) */
    enum route_match_on match_on;
    char prefix[ROUTE_RULE_PREFIX_MAX + 1]; /* "" = any; '+', digits, *, # */
    uint8_t min_len;  /* characters of the matched form, inclusive */
    uint8_t max_len;  /* inclusive; 0 = no upper limit */
    uint32_t classes; /* ROUTE_CLASS_BIT set of LOCAL_NATIONAL,
                         INTERNATIONAL, EMERGENCY; 0 = all three */
    uint32_t roles;   /* ROUTE_ROLE_BIT set; 0 = every role */
    int64_t groups[ROUTE_RULE_MAX_GROUPS]; /* caller must be in one */
    size_t n_groups;                       /* 0 = no group condition */
    bool office_hours_only; /* exists only while the office is open */
    uint8_t strip;          /* leading characters removed from the form */
    char prepend[ROUTE_RULE_PREPEND_MAX + 1]; /* then put in front */
    int64_t trunks[ROUTE_RULE_MAX_TRUNKS];    /* tried in this order */
    size_t n_trunks;                          /* >= 1 */
};

/*
 * Validate a configured rule: name 1-63 printable ASCII without '"' or
 * '\'; prefix and prepend of digits, '*', '#' and at most one leading
 * '+'; max_len 0 or >= min_len; classes and roles only known bits;
 * classes never INTERNAL or INVALID; groups and trunks within their caps,
 * at least one trunk, trunk ids > 0; strip <= ROUTE_DIALED_MAX. Returns 0
 * or -EINVAL. The routing functions assume checked rules.
 */
int route_outbound_rule_check(const struct route_outbound_rule *r);

/* Stable sort by ascending priority (equal priorities keep their order). */
void route_outbound_sort(struct route_outbound_rule *rules, size_t n);

struct route_caller {
    enum route_role role;
    const int64_t *groups; /* the caller's group ids, borrowed */
    size_t n_groups;
};

struct route_outbound_result {
    const struct route_outbound_rule *rule; /* points into 'rules' */
    char number[ROUTE_OUT_NUMBER_MAX + 1];  /* to send to the trunk */
    bool emergency_fallback; /* no rule fitted an emergency number: the
                                first rule with trunks is used, number
                                untouched */
};

/*
 * Pick the outbound rule for a call to 'num' (route_classify's result for
 * the text 'dialed') by 'caller' at 'now_s' (Unix seconds), trying
 * 'rules' in array order. A rule matches when all hold:
 *  - the class is in its classes;
 *  - the matched form starts with its prefix and its length is within
 *    [min_len, max_len], and is longer than strip;
 *  - the caller's role is in its roles (if any are set) AND the caller
 *    belongs to one of its groups (if any are set);
 *  - it is not office-hours-only, or route_hours_open(hours, now_s)
 *    (hours NULL = never open).
 * Emergency numbers ignore roles, groups and office hours (they are always
 * allowed), and if no rule fits them the first rule with a trunk is used
 * with the number unchanged (emergency_fallback) rather than failing.
 * The number sent is prepend + form with 'strip' leading characters cut.
 * Returns 0 with *res filled (the trunks are res->rule->trunks), or
 * ROUTE_REFUSED with *why: "outside_office_hours" when only
 * office-hours-only rules matched, "no_outbound_rule" otherwise,
 * "not_external" for INTERNAL or INVALID numbers. -EINVAL for NULL
 * arguments. Thread-safe; no allocation.
 */
int route_outbound(const struct route_outbound_rule *rules, size_t n_rules,
                   const struct route_caller *caller, struct sv dialed,
                   const struct route_number *num,
                   const struct route_hours *hours, int64_t now_s,
                   struct route_outbound_result *res,
                   struct route_refusal *why);

/* ------------------------------------------------------------------------
 * Inbound
 *
 * DID syntax. A leading '+' on the rule and on the incoming DID is ignored.
 * A DID without the letters below is matched exactly. Otherwise it is a
 * pattern matched character by character against the whole DID:
 *   0-9   that digit
 *   X x   any digit 0-9
 *   Z z   any digit 1-9
 *   N n   any digit 2-9
 *   .     one or more further digits (only as the last character)
 * Examples: "442071234567" (exact), "4420712345XX" (a block of 100),
 * "44207N." (any number after 44207 whose next digit is 2-9).
 * Selection: exact rules beat patterns; a rule for the call's trunk beats
 * one for any trunk; among patterns, one without '.' beats one with it,
 * then more literal digits win; remaining ties go to the earlier rule.
 */

#define ROUTE_DID_MAX 32
#define ROUTE_EXT_MAX 32

struct route_inbound_rule {
    int64_t id;                  /* store id for CDRs, 0 = none */
    int64_t trunk_id;            /* 0 = any trunk */
    char did[ROUTE_DID_MAX + 1]; /* exact DID or pattern (see above) */
    char ext[ROUTE_EXT_MAX + 1]; /* extension to ring */
};

/*
 * Validate a configured inbound rule: DID 1-32 characters of the syntax
 * above with '.' only last and at least one character before it, ext
 * 1-32 characters of digits, letters, '*', '#', '_', '-', '.', trunk_id
 * >= 0. Returns 0 or -EINVAL.
 */
int route_inbound_rule_check(const struct route_inbound_rule *r);

/*
 * Does 'did' (digits, optional leading '+') match 'pattern' (an exact DID
 * or a pattern)? Anything else in 'did' never matches. Thread-safe.
 */
bool route_did_match(struct sv pattern, struct sv did);

/*
 * Select the inbound rule for a call arriving from trunk 'trunk_id' to
 * 'did'. Returns 0 with *out pointing into 'rules', ROUTE_REFUSED when no
 * rule matches (*out NULL), -EINVAL for NULL arguments.
 */
int route_inbound(const struct route_inbound_rule *rules, size_t n_rules,
                  int64_t trunk_id, struct sv did,
                  const struct route_inbound_rule **out);

#endif
