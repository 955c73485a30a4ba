/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User-Agent blacklist: case-insensitive substring matching of a
 * User-Agent value against many patterns at once (Aho-Corasick, linear in
 * the value's length whatever the number of patterns), built into an
 * immutable matcher published to the workers like the ACL. The default
 * patterns are compiled in (ua_defaults.c). What a match costs the sender
 * (score, drop, ban) is the caller's decision.
 */
#ifndef SW_SEC_UA_H
#define SW_SEC_UA_H

#include <stdbool.h>
#include <stddef.h>

#include "base/sv.h"
#include "sec/snap.h"

/* Longest pattern, in bytes. */
#define SEC_UA_PATTERN_MAX 128
/* Most patterns one matcher accepts. */
#define SEC_UA_MAX_PATTERNS 10000
/* Enough for any sec_ua_pattern_check() message. */
#define SEC_UA_ERR_CAP 96

/* Immutable matcher (opaque); see sec_ua_build(). */
struct sec_ua;

/* Where a matcher is published to the workers. */
struct sec_ua_ref {
    struct sec_snap_ref pub; /* private */
};

/* One worker's cached matcher; zero-initialise, one thread only. */
struct sec_ua_view {
    struct sec_snap_view v; /* private */
};

/*
 * Check one pattern: 1..SEC_UA_PATTERN_MAX bytes of printable ASCII
 * (0x20..0x7e), not starting or ending with a blank. Returns 0 or -EINVAL
 * with the reason in 'err' (cap bytes; may be NULL / 0).
 */
int sec_ua_pattern_check(struct sv pattern, char *err, size_t err_cap);

/*
 * One line of a pattern list file (testdata/bad-user-agents.txt format):
 * true and the trimmed pattern in *pattern for a pattern line, false for a
 * blank line or a '#' comment. Does not validate the pattern.
 */
bool sec_ua_line_pattern(struct sv line, struct sv *pattern);

/*
 * The compiled-in default patterns (a copy of the non-comment lines of
 * testdata/bad-user-agents.txt, in file order): *n gets their number.
 * Static storage.
 */
const char *const *sec_ua_defaults(size_t *n);

/*
 * Build a matcher for 'patterns' (copied; n may be 0, patterns NULL then).
 * Duplicates, whatever their case, are allowed: the first one wins. The
 * caller owns the one reference in *out (publish or release it).
 * Returns 0, -EINVAL (a pattern fails sec_ua_pattern_check(); *bad_index,
 * may be NULL, is its index), -E2BIG (n > SEC_UA_MAX_PATTERNS) or -ENOMEM.
 * *out is written only on success.
 */
int sec_ua_build(const struct sv *patterns, size_t n, struct sec_ua **out,
                 size_t *bad_index);

/* sec_ua_build() over sec_ua_defaults(). */
int sec_ua_build_defaults(struct sec_ua **out);

/*
 * Index of the lowest-numbered pattern occurring in 'value', compared
 * ASCII case-insensitively, or -1 when none does or 'ua' is NULL. Any bytes
 * are accepted (NULs, UTF-8, control bytes never match a pattern byte).
 * Allocation-free, linear in value.len; any thread.
 */
int sec_ua_match(const struct sec_ua *ua, struct sv value);

/* Number of patterns; 0 for NULL. */
size_t sec_ua_count(const struct sec_ua *ua);

/*
 * Pattern 'i' (< sec_ua_count()) as given to sec_ua_build(), a view valid
 * while the caller holds its reference to 'ua'.
 */
struct sv sec_ua_pattern(const struct sec_ua *ua, size_t i);

/* Add a reference to a matcher the caller holds. */
void sec_ua_hold(struct sec_ua *ua);

/* Drop a reference; the last one frees the matcher. NULL is a no-op. */
void sec_ua_release(struct sec_ua *ua);

/* Initialise with no matcher published. Returns 0 or -errno. */
int sec_ua_ref_init(struct sec_ua_ref *ref);

/* Drop the published matcher; no thread may use 'ref' afterwards. */
void sec_ua_ref_fini(struct sec_ua_ref *ref);

/*
 * Publish 'ua' (NULL unpublishes), taking over the caller's reference; the
 * previous matcher is freed once its last reader releases it. Any thread.
 */
void sec_ua_ref_publish(struct sec_ua_ref *ref, struct sec_ua *ua);

/* The published matcher with a new reference, or NULL. Lock-free. */
struct sec_ua *sec_ua_ref_acquire(struct sec_ua_ref *ref);

/*
 * The matcher cached in 'view', refreshed when a newer one was published.
 * Valid until the next call on 'view' or sec_ua_view_fini(); NULL when
 * nothing is published.
 */
const struct sec_ua *sec_ua_view_get(struct sec_ua_view *view,
                                     struct sec_ua_ref *ref);

/* Release the view's cached matcher (before its thread exits). */
void sec_ua_view_fini(struct sec_ua_view *view);

#endif
