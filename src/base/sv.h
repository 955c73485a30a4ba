/* SPDX-License-Identifier: Apache-2.0 */
/*
 * String views: a pointer and a length into bytes someone else owns. Views
 * never own and are never NUL-terminated by contract. The helpers here are
 * the only place that compares, trims and converts raw protocol bytes.
 */
#ifndef SW_BASE_SV_H
#define SW_BASE_SV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sv {
    const char *p; /* first byte, may be NULL when len == 0 */
    size_t len;    /* bytes */
};

#define SV_LIT(s) ((struct sv){ (s), sizeof(s) - 1 })
#define SV_NULL   ((struct sv){ NULL, 0 })
/* printf("%.*s", SV_FMT(v)) */
#define SV_FMT(v) (int)((v).len > 0x7fffffff ? 0x7fffffff : (v).len), (v).p

static inline struct sv sv_make(const char *p, size_t len)
{
    return (struct sv){ p, len };
}

struct sv sv_cstr(const char *s);
bool sv_eq(struct sv a, struct sv b);
bool sv_eq_nocase(struct sv a, struct sv b);
bool sv_eq_cstr(struct sv a, const char *s);
bool sv_eq_cstr_nocase(struct sv a, const char *s);
bool sv_starts_with_nocase(struct sv a, struct sv prefix);
/* Case-insensitive substring search; true when 'needle' occurs in 'hay'. */
bool sv_contains_nocase(struct sv hay, struct sv needle);
/* Trim SP / HTAB (and CR / LF) from both ends. */
struct sv sv_trim(struct sv v);
/* Index of first 'c' in 'v', or -1. */
ptrdiff_t sv_find_char(struct sv v, char c);
struct sv sv_slice(struct sv v, size_t from, size_t to);

/*
 * Parse an unsigned decimal number that fills the whole view. Refuses empty
 * input, signs, non-digits and values above 'max'. Returns 0 or -EINVAL /
 * -ERANGE; *out is written only on success.
 */
int sv_to_u64(struct sv v, uint64_t max, uint64_t *out);

/* Copy into a NUL-terminated buffer of 'cap' bytes; -ENOSPC if it won't fit. */
int sv_copy_cstr(struct sv v, char *dst, size_t cap);

/* FNV-1a hash, optionally case-folded. */
uint64_t sv_hash(struct sv v);
uint64_t sv_hash_nocase(struct sv v);

#endif
