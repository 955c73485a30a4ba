/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Aho-Corasick over case-folded bytes. Input bytes map to a small alphabet
 * of the characters the patterns use (everything else is class 0, which no
 * pattern contains and which sends the automaton back to the root). States
 * keep sparse sorted edges plus a failure link; the root has a dense row.
 * Memory is linear in the total pattern length, and a match costs at most
 * two state steps per input byte, amortised.
 */
#include "sec/ua.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"

#define NONE UINT32_MAX

/* Printable ASCII minus upper case, plus class 0. */
enum { MAX_CLASSES = 96 };

struct ua_state {
    uint32_t fail;     /* longest proper suffix that is a trie state */
    uint32_t out_min;  /* lowest pattern ending here or down 'fail'; NONE */
    uint32_t edge_off; /* first edge in edge_cls / edge_to */
    uint32_t n_edges;  /* edges, sorted by class */
};

struct sec_ua {
    struct sec_snap snap;            /* refcount; first member */
    uint8_t in_cls[256];             /* input byte -> class */
    uint32_t root_next[MAX_CLASSES]; /* root transitions; 0 = stay */
    struct ua_state *states;         /* [n_states], BFS order, root 0 */
    uint32_t n_states;
    uint8_t *edge_cls;  /* [n_states - 1] */
    uint32_t *edge_to;  /* [n_states - 1] */
    char *text;         /* patterns, concatenated, as given */
    uint32_t *text_off; /* [n_patterns + 1] */
    size_t n_patterns;
};

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

__attribute__((format(printf, 3, 4))) static int bad(char *err, size_t cap,
                                                     const char *fmt, ...)
{
    if (err && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

int sec_ua_pattern_check(struct sv pattern, char *err, size_t err_cap)
{
    if (pattern.len == 0) {
        return bad(err, err_cap, "empty pattern");
    }
    if (pattern.len > SEC_UA_PATTERN_MAX) {
        return bad(err, err_cap, "pattern longer than %d bytes",
                   SEC_UA_PATTERN_MAX);
    }
    for (size_t i = 0; i < pattern.len; i++) {
        unsigned char c = (unsigned char)pattern.p[i];
        if (c < 0x20 || c > 0x7e) {
            return bad(err, err_cap,
                       "pattern byte %zu (0x%02x) is not printable ASCII", i,
                       c);
        }
    }
    if (pattern.p[0] == ' ' || pattern.p[pattern.len - 1] == ' ') {
        return bad(err, err_cap, "pattern starts or ends with a blank");
    }
    return 0;
}

bool sec_ua_line_pattern(struct sv line, struct sv *pattern)
{
    struct sv t = sv_trim(line);
    if (t.len == 0 || t.p[0] == '#') {
        return false;
    }
    *pattern = t;
    return true;
}

/* ---- build -------------------------------------------------------------- */

/* The trie while it is being built: first-child / next-sibling lists. */
struct build {
    uint32_t *child;   /* first child; 0 = none */
    uint32_t *sibling; /* next sibling; 0 = none */
    uint8_t *label;    /* class on the edge into the state */
    uint32_t *end_min; /* lowest pattern ending exactly here; NONE */
    uint32_t *fail;
    uint32_t *order; /* BFS order; order[0] = root */
    uint32_t *rank;  /* inverse of order */
    uint32_t n;
};

static void build_free(struct build *b)
{
    free(b->child);
    free(b->sibling);
    free(b->label);
    free(b->end_min);
    free(b->fail);
    free(b->order);
    free(b->rank);
}

static int build_alloc(struct build *b, size_t cap)
{
    memset(b, 0, sizeof(*b));
    b->child = calloc(cap, sizeof(uint32_t));
    b->sibling = calloc(cap, sizeof(uint32_t));
    b->label = calloc(cap, 1);
    b->end_min = malloc(cap * sizeof(uint32_t));
    b->fail = calloc(cap, sizeof(uint32_t));
    b->order = malloc(cap * sizeof(uint32_t));
    b->rank = malloc(cap * sizeof(uint32_t));
    if (!b->child || !b->sibling || !b->label || !b->end_min || !b->fail
        || !b->order || !b->rank) {
        build_free(b);
        return -ENOMEM;
    }
    for (size_t i = 0; i < cap; i++) {
        b->end_min[i] = NONE;
    }
    b->n = 1; /* the root */
    return 0;
}

static uint32_t child_of(const struct build *b, uint32_t s, unsigned c)
{
    for (uint32_t t = b->child[s]; t; t = b->sibling[t]) {
        if (b->label[t] == c) {
            return t;
        }
    }
    return 0;
}

/* Children stay sorted by class, so the compact edges come out sorted. */
static uint32_t add_child(struct build *b, uint32_t s, unsigned c)
{
    uint32_t t = b->n++;
    b->label[t] = (uint8_t)c;
    uint32_t *link = &b->child[s];
    while (*link && b->label[*link] < c) {
        link = &b->sibling[*link];
    }
    b->sibling[t] = *link;
    *link = t;
    return t;
}

/* Breadth-first: failure links point to shallower states, already done. */
static void link_failures(struct build *b)
{
    uint32_t head = 0;
    uint32_t tail = 0;
    b->order[tail++] = 0;
    while (head < tail) {
        uint32_t s = b->order[head++];
        for (uint32_t t = b->child[s]; t; t = b->sibling[t]) {
            b->order[tail++] = t;
            uint32_t f = 0;
            if (s != 0) {
                for (f = b->fail[s];; f = b->fail[f]) {
                    uint32_t g = child_of(b, f, b->label[t]);
                    if (g) {
                        f = g;
                        break;
                    }
                    if (f == 0) {
                        break;
                    }
                }
            }
            b->fail[t] = f;
            b->end_min[t] = SW_MIN(b->end_min[t], b->end_min[f]);
        }
    }
    SW_ASSERT(tail == b->n);
    for (uint32_t i = 0; i < b->n; i++) {
        b->rank[b->order[i]] = i;
    }
}

static void ua_free(struct sec_snap *snap)
{
    struct sec_ua *ua = (struct sec_ua *)snap; /* first member */
    free(ua->states);
    free(ua->edge_cls);
    free(ua->edge_to);
    free(ua->text);
    free(ua->text_off);
    free(ua);
}

/* Copy the trie into 'ua' in BFS order with CSR edges. */
static int compact(struct sec_ua *ua, const struct build *b)
{
    ua->n_states = b->n;
    ua->states = calloc(b->n, sizeof(*ua->states));
    ua->edge_cls = malloc(b->n);
    ua->edge_to = malloc(b->n * sizeof(uint32_t));
    if (!ua->states || !ua->edge_cls || !ua->edge_to) {
        return -ENOMEM;
    }
    uint32_t e = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        uint32_t s = b->order[i];
        struct ua_state *st = &ua->states[i];
        st->fail = b->rank[b->fail[s]];
        st->out_min = b->end_min[s];
        st->edge_off = e;
        for (uint32_t t = b->child[s]; t; t = b->sibling[t]) {
            ua->edge_cls[e] = b->label[t];
            ua->edge_to[e] = b->rank[t];
            if (i == 0) {
                ua->root_next[b->label[t]] = b->rank[t];
            }
            e++;
        }
        st->n_edges = e - st->edge_off;
    }
    return 0;
}

int sec_ua_build(const struct sv *patterns, size_t n, struct sec_ua **out,
                 size_t *bad_index)
{
    if (n > SEC_UA_MAX_PATTERNS) {
        return -E2BIG;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (sec_ua_pattern_check(patterns[i], NULL, 0) != 0) {
            if (bad_index) {
                *bad_index = i;
            }
            return -EINVAL;
        }
        total += patterns[i].len;
    }
    struct sec_ua *ua = calloc(1, sizeof(*ua));
    struct build b;
    if (!ua) {
        return -ENOMEM;
    }
    if (build_alloc(&b, total + 1) != 0) {
        free(ua);
        return -ENOMEM;
    }
    ua->text = malloc(total ? total : 1);
    ua->text_off = malloc((n + 1) * sizeof(uint32_t));
    if (!ua->text || !ua->text_off) {
        goto fail;
    }

    /* Alphabet: one class per folded byte the patterns use. */
    uint8_t cls_of[256] = { 0 };
    unsigned n_cls = 1;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        ua->text_off[i] = (uint32_t)off;
        memcpy(ua->text + off, patterns[i].p, patterns[i].len);
        off += patterns[i].len;
        uint32_t s = 0;
        for (size_t j = 0; j < patterns[i].len; j++) {
            unsigned char c = fold((unsigned char)patterns[i].p[j]);
            if (cls_of[c] == 0) {
                SW_BUG_ON(n_cls >= MAX_CLASSES);
                cls_of[c] = (uint8_t)n_cls++;
            }
            uint32_t t = child_of(&b, s, cls_of[c]);
            s = t ? t : add_child(&b, s, cls_of[c]);
        }
        if (b.end_min[s] == NONE) {
            b.end_min[s] = (uint32_t)i; /* duplicates: the first one wins */
        }
    }
    ua->text_off[n] = (uint32_t)off;
    ua->n_patterns = n;
    for (unsigned c = 0; c < 256; c++) {
        ua->in_cls[c] = cls_of[fold((unsigned char)c)];
    }

    link_failures(&b);
    if (compact(ua, &b) != 0) {
        goto fail;
    }
    build_free(&b);
    sec_snap_init(&ua->snap, ua_free);
    *out = ua;
    return 0;
fail:
    build_free(&b);
    ua_free(&ua->snap);
    return -ENOMEM;
}

int sec_ua_build_defaults(struct sec_ua **out)
{
    size_t n;
    const char *const *d = sec_ua_defaults(&n);
    struct sv pats[64];
    SW_BUG_ON(n > SW_ARRAY_LEN(pats));
    for (size_t i = 0; i < n; i++) {
        pats[i] = sv_cstr(d[i]);
    }
    return sec_ua_build(pats, n, out, NULL);
}

/* ---- match -------------------------------------------------------------- */

static uint32_t edge(const struct sec_ua *ua, const struct ua_state *st,
                     unsigned c)
{
    const uint8_t *cls = ua->edge_cls + st->edge_off;
    for (uint32_t i = 0; i < st->n_edges; i++) {
        if (cls[i] >= c) {
            return cls[i] == c ? ua->edge_to[st->edge_off + i] : 0;
        }
    }
    return 0;
}

int sec_ua_match(const struct sec_ua *ua, struct sv value)
{
    if (!ua || ua->n_patterns == 0) {
        return -1;
    }
    const unsigned char *p = (const unsigned char *)value.p;
    uint32_t best = NONE;
    uint32_t s = 0;
    for (size_t i = 0; i < value.len; i++) {
        unsigned c = ua->in_cls[p[i]];
        if (c == 0) {
            s = 0; /* no pattern contains this byte */
            continue;
        }
        for (;;) {
            if (s == 0) {
                s = ua->root_next[c];
                break;
            }
            const struct ua_state *st = &ua->states[s];
            uint32_t t = edge(ua, st, c);
            if (t) {
                s = t;
                break;
            }
            s = st->fail;
        }
        uint32_t o = ua->states[s].out_min;
        if (o < best) {
            best = o;
            if (best == 0) {
                break;
            }
        }
    }
    return best == NONE ? -1 : (int)best;
}

size_t sec_ua_count(const struct sec_ua *ua)
{
    return ua ? ua->n_patterns : 0;
}

struct sv sec_ua_pattern(const struct sec_ua *ua, size_t i)
{
    SW_ASSERT(ua && i < ua->n_patterns);
    return sv_make(ua->text + ua->text_off[i],
                   ua->text_off[i + 1] - ua->text_off[i]);
}

void sec_ua_hold(struct sec_ua *ua)
{
    sec_snap_hold(&ua->snap);
}

void sec_ua_release(struct sec_ua *ua)
{
    if (ua) {
        sec_snap_release(&ua->snap);
    }
}

/* ---- publication -------------------------------------------------------- */

int sec_ua_ref_init(struct sec_ua_ref *ref)
{
    return sec_snap_ref_init(&ref->pub);
}

void sec_ua_ref_fini(struct sec_ua_ref *ref)
{
    sec_snap_ref_fini(&ref->pub);
}

void sec_ua_ref_publish(struct sec_ua_ref *ref, struct sec_ua *ua)
{
    sec_snap_ref_publish(&ref->pub, ua ? &ua->snap : NULL);
}

struct sec_ua *sec_ua_ref_acquire(struct sec_ua_ref *ref)
{
    return (struct sec_ua *)sec_snap_ref_acquire(&ref->pub);
}

const struct sec_ua *sec_ua_view_get(struct sec_ua_view *view,
                                     struct sec_ua_ref *ref)
{
    return (const struct sec_ua *)sec_snap_view_get(&view->v, &ref->pub);
}

void sec_ua_view_fini(struct sec_ua_view *view)
{
    sec_snap_view_fini(&view->v);
}
