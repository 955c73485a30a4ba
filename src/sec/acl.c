/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network parsing and relations, and the longest-prefix-match table: one
 * path-compressed binary trie per family, built once into a flat node array
 * and never modified afterwards, so lookups need neither locks nor
 * allocation. Publication to the workers goes through sec/snap.h.
 */
#include "sec/acl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "net/addr.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff };

/* ---- 128-bit keys ------------------------------------------------------- */

/* An address as two big-endian halves; IPv4 in the top 32 bits of 'hi'. */
struct key {
    uint64_t hi;
    uint64_t lo;
};

static uint64_t load_be64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | b[i];
    }
    return v;
}

static void store_be64(uint8_t *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        b[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* 'b' holds 16 bytes; IPv4 has its 4 bytes first and zeros after them. */
static struct key key_from(const uint8_t *b)
{
    return (struct key){ load_be64(b), load_be64(b + 8) };
}

static struct key key_v4(const uint8_t *b4)
{
    uint64_t v = ((uint64_t)b4[0] << 24) | ((uint64_t)b4[1] << 16)
                 | ((uint64_t)b4[2] << 8) | b4[3];
    return (struct key){ v << 32, 0 };
}

/* Index of the first bit where 'a' and 'b' differ; 128 when equal. */
static unsigned first_diff(struct key a, struct key b)
{
    uint64_t x = a.hi ^ b.hi;
    if (x) {
        return (unsigned)__builtin_clzll(x);
    }
    x = a.lo ^ b.lo;
    if (x) {
        return 64u + (unsigned)__builtin_clzll(x);
    }
    return 128;
}

static unsigned key_bit(struct key k, unsigned i)
{
    if (i < 64) {
        return (unsigned)(k.hi >> (63 - i)) & 1u;
    }
    return (unsigned)(k.lo >> (127 - i)) & 1u;
}

/* Keep the first 'len' bits (0..128). */
static struct key key_mask(struct key k, unsigned len)
{
    if (len == 0) {
        return (struct key){ 0, 0 };
    }
    if (len < 64) {
        k.hi &= ~UINT64_C(0) << (64 - len);
        k.lo = 0;
    } else if (len == 64) {
        k.lo = 0;
    } else if (len < 128) {
        k.lo &= ~UINT64_C(0) << (128 - len);
    }
    return k;
}

static unsigned family_width(unsigned family)
{
    return family == AF_INET ? 32u : 128u;
}

/* ---- networks ----------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t cap,
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

/* Quote operator input in a message: capped, control bytes as '?'. */
static const char *show(struct sv v, char *buf, size_t cap)
{
    size_t n = SW_MIN(v.len, cap - 4);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        buf[i] = (char)((c >= 0x20 && c < 0x7f) ? c : '?');
    }
    if (n < v.len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool all_digits(struct sv v)
{
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9') {
            return false;
        }
    }
    return v.len > 0;
}

/* inet_pton on a view; 'family' AF_INET or AF_INET6. */
static bool pton(int family, struct sv v, uint8_t out[16])
{
    char txt[INET6_ADDRSTRLEN];
    if ((v.len > 0 && memchr(v.p, '\0', v.len))
        || sv_copy_cstr(v, txt, sizeof(txt)) != 0) {
        return false; /* a NUL would hide the rest of the view */
    }
    memset(out, 0, 16);
    return inet_pton(family, txt, out) == 1;
}

/* Prefix length of a contiguous mask, or -1. */
static int mask_len(const uint8_t *m, unsigned width)
{
    struct key k = width == 32 ? key_v4(m) : key_from(m);
    struct key ones = { ~UINT64_C(0), ~UINT64_C(0) };
    unsigned len = first_diff(k, ones);
    if (len > width) {
        len = width;
    }
    struct key want = key_mask(ones, len);
    return (k.hi == want.hi && k.lo == want.lo) ? (int)len : -1;
}

static void key_to_net(struct key k, unsigned family, unsigned prefix,
                       struct sec_net *out)
{
    memset(out, 0, sizeof(*out));
    if (family == AF_INET) {
        uint32_t v = (uint32_t)(k.hi >> 32);
        out->addr[0] = (uint8_t)(v >> 24);
        out->addr[1] = (uint8_t)(v >> 16);
        out->addr[2] = (uint8_t)(v >> 8);
        out->addr[3] = (uint8_t)v;
    } else {
        store_be64(out->addr, k.hi);
        store_be64(out->addr + 8, k.lo);
    }
    out->family = (uint8_t)family;
    out->prefix = (uint8_t)prefix;
}

static struct key net_key(const struct sec_net *net)
{
    return key_from(net->addr);
}

/* Split "ADDR/REST", "ADDR REST" or "ADDR"; both parts trimmed. */
static int split_net(struct sv t, struct sv *addr, struct sv *rest, bool *slash,
                     char *err, size_t cap)
{
    char q[64];
    ptrdiff_t s = sv_find_char(t, '/');
    *slash = s >= 0;
    if (*slash) {
        *addr = sv_trim(sv_slice(t, 0, (size_t)s));
        *rest = sv_trim(sv_slice(t, (size_t)s + 1, t.len));
        if (rest->len == 0) {
            return fail(err, cap, "missing prefix length or mask after '/'");
        }
    } else {
        size_t i = 0;
        while (i < t.len && !is_blank(t.p[i])) {
            i++;
        }
        *addr = sv_slice(t, 0, i);
        *rest = sv_trim(sv_slice(t, i, t.len));
    }
    if (addr->len == 0) {
        return fail(err, cap, "missing address before '/'");
    }
    for (size_t i = 0; i < rest->len; i++) {
        if (is_blank(rest->p[i]) || rest->p[i] == '/') {
            return fail(
                err, cap, "unexpected '%s' after the network",
                show(sv_trim(sv_slice(*rest, i, rest->len)), q, sizeof(q)));
        }
    }
    return 0;
}

static int parse_prefix(struct sv rest, bool slash, unsigned family,
                        unsigned *prefix, char *err, size_t cap)
{
    char q[64];
    unsigned width = family_width(family);
    if (rest.len == 0) {
        *prefix = width;
        return 0;
    }
    if (all_digits(rest)) {
        uint64_t n;
        if (!slash) {
            return fail(err, cap, "missing '/' before prefix length %s",
                        show(rest, q, sizeof(q)));
        }
        if (sv_to_u64(rest, 999, &n) != 0 || n > width) {
            return fail(err, cap, "prefix length %s is longer than %u (%s)",
                        show(rest, q, sizeof(q)), width,
                        family == AF_INET ? "IPv4" : "IPv6");
        }
        *prefix = (unsigned)n;
        return 0;
    }
    uint8_t m[16];
    if (!pton((int)family, rest, m)) {
        int other = family == AF_INET ? AF_INET6 : AF_INET;
        if (pton(other, rest, m)) {
            return fail(err, cap, "mask %s is not an %s mask",
                        show(rest, q, sizeof(q)),
                        family == AF_INET ? "IPv4" : "IPv6");
        }
        return fail(err, cap, "'%s' is not a prefix length or subnet mask",
                    show(rest, q, sizeof(q)));
    }
    int len = mask_len(m, width);
    if (len < 0) {
        return fail(err, cap, "mask %s is not contiguous",
                    show(rest, q, sizeof(q)));
    }
    *prefix = (unsigned)len;
    return 0;
}

int sec_net_parse(struct sv text, unsigned opts, struct sec_net *out,
                  unsigned *warn, char *err, size_t err_cap)
{
    char q[64];
    if (text.len > SEC_NET_TEXT_MAX) {
        return fail(err, err_cap, "network text longer than %d bytes",
                    SEC_NET_TEXT_MAX);
    }
    struct sv t = sv_trim(text);
    if (t.len == 0) {
        return fail(err, err_cap, "empty network");
    }
    struct sv a;
    struct sv rest;
    bool slash;
    int rc = split_net(t, &a, &rest, &slash, err, err_cap);
    if (rc != 0) {
        return rc;
    }

    unsigned family = sv_find_char(a, ':') >= 0 ? AF_INET6 : AF_INET;
    uint8_t ip[16];
    if (!pton((int)family, a, ip)) {
        return fail(err, err_cap, "'%s' is not an IPv4 or IPv6 address",
                    show(a, q, sizeof(q)));
    }
    unsigned prefix = 0;
    rc = parse_prefix(rest, slash, family, &prefix, err, err_cap);
    if (rc != 0) {
        return rc;
    }

    unsigned w = 0;
    struct key k = key_from(ip);
    if (family == AF_INET6 && memcmp(ip, v4mapped_prefix, 12) == 0) {
        if (prefix < 96) {
            return fail(err, err_cap,
                        "IPv4-mapped address with prefix /%u: use /96 or "
                        "longer, or write the IPv4 network",
                        prefix);
        }
        family = AF_INET;
        prefix -= 96;
        k = key_v4(ip + 12);
        w |= SEC_NET_WARN_MAPPED;
    }
    struct key masked = key_mask(k, prefix);
    if (masked.hi != k.hi || masked.lo != k.lo) {
        char net_txt[SEC_NET_FMT_CAP];
        struct sec_net n;
        key_to_net(masked, family, prefix, &n);
        if (opts & SEC_NET_STRICT) {
            return fail(err, err_cap,
                        "host bits set in '%s' (the network is %s)",
                        show(t, q, sizeof(q)),
                        sec_net_fmt(&n, net_txt, sizeof(net_txt)));
        }
        w |= SEC_NET_WARN_HOST_BITS;
    }
    key_to_net(masked, family, prefix, out);
    if (warn) {
        *warn = w;
    }
    return 0;
}

const char *sec_net_fmt(const struct sec_net *net, char *buf, size_t cap)
{
    if (cap == 0) {
        return buf;
    }
    char ip[INET6_ADDRSTRLEN];
    if (!sec_net_is_valid(net)
        || !inet_ntop(net->family, net->addr, ip, sizeof(ip))) {
        snprintf(buf, cap, "-");
        return buf;
    }
    snprintf(buf, cap, "%s/%u", ip, (unsigned)net->prefix);
    return buf;
}

bool sec_net_is_valid(const struct sec_net *net)
{
    if (net->family == AF_INET) {
        if (net->prefix > 32) {
            return false;
        }
        for (size_t i = 4; i < sizeof(net->addr); i++) {
            if (net->addr[i] != 0) {
                return false;
            }
        }
    } else if (net->family == AF_INET6) {
        if (net->prefix > 128) {
            return false;
        }
        if (net->prefix >= 96 && memcmp(net->addr, v4mapped_prefix, 12) == 0) {
            return false; /* must be written as IPv4 */
        }
    } else {
        return false;
    }
    struct key k = net_key(net);
    struct key m = key_mask(k, net->prefix);
    return m.hi == k.hi && m.lo == k.lo;
}

bool sec_net_eq(const struct sec_net *a, const struct sec_net *b)
{
    return a->family == b->family && a->prefix == b->prefix
           && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/*
 * The IP of 'addr' as family + key, IPv4-mapped IPv6 as IPv4. Returns false
 * for an unset or non-IP address. No copy of the whole sockaddr: this runs
 * on every packet.
 */
static bool addr_key(const struct net_addr *addr, unsigned *family,
                     struct key *k)
{
    if (addr->len == 0) {
        return false;
    }
    if (addr->sa.sa_family == AF_INET) {
        *family = AF_INET;
        *k = key_v4((const uint8_t *)&addr->in4.sin_addr);
        return true;
    }
    if (addr->sa.sa_family == AF_INET6) {
        const uint8_t *b = addr->in6.sin6_addr.s6_addr;
        if (memcmp(b, v4mapped_prefix, 12) == 0) {
            *family = AF_INET;
            *k = key_v4(b + 12);
        } else {
            *family = AF_INET6;
            *k = key_from(b);
        }
        return true;
    }
    return false;
}

int sec_net_from_addr(const struct net_addr *addr, unsigned prefix,
                      struct sec_net *out)
{
    unsigned family;
    struct key k;
    if (!addr_key(addr, &family, &k) || prefix > family_width(family)) {
        return -EINVAL;
    }
    key_to_net(key_mask(k, prefix), family, prefix, out);
    return 0;
}

bool sec_net_covers(const struct sec_net *net, const struct net_addr *addr)
{
    unsigned family;
    struct key k;
    if (!addr_key(addr, &family, &k) || family != net->family) {
        return false;
    }
    return first_diff(k, net_key(net)) >= net->prefix;
}

bool sec_net_overlaps(const struct sec_net *a, const struct sec_net *b)
{
    if (a->family != b->family) {
        return false;
    }
    unsigned p = SW_MIN(a->prefix, b->prefix);
    return first_diff(net_key(a), net_key(b)) >= p;
}

bool sec_net_contains(const struct sec_net *outer, const struct sec_net *inner)
{
    return outer->family == inner->family && outer->prefix <= inner->prefix
           && first_diff(net_key(outer), net_key(inner)) >= outer->prefix;
}

bool sec_net_is_broader_than(const struct sec_net *net, unsigned v4_prefix,
                             unsigned v6_prefix)
{
    return net->prefix < (net->family == AF_INET ? v4_prefix : v6_prefix);
}

/* ---- entries ------------------------------------------------------------ */

const char *sec_acl_action_name(enum sec_acl_action action)
{
    switch (action) {
    case SEC_ACL_ALLOW:
        return "allow";
    case SEC_ACL_BLOCK:
        return "block";
    }
    return "?";
}

int sec_acl_action_parse(struct sv text, enum sec_acl_action *out)
{
    if (sv_eq_cstr_nocase(text, "allow")) {
        *out = SEC_ACL_ALLOW;
    } else if (sv_eq_cstr_nocase(text, "block")) {
        *out = SEC_ACL_BLOCK;
    } else {
        return -EINVAL;
    }
    return 0;
}

static bool descr_ok(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

static bool action_ok(enum sec_acl_action a)
{
    return a == SEC_ACL_ALLOW || a == SEC_ACL_BLOCK;
}

int sec_acl_entry_set(struct sec_acl_entry *e, const struct sec_net *net,
                      enum sec_acl_action action, int64_t id, struct sv descr)
{
    if (!sec_net_is_valid(net) || !action_ok(action)
        || descr.len >= SEC_ACL_DESCR_CAP || !descr_ok(descr.p, descr.len)) {
        return -EINVAL;
    }
    memset(e, 0, sizeof(*e));
    e->net = *net;
    e->action = action;
    e->id = id;
    if (descr.len) {
        memcpy(e->descr, descr.p, descr.len);
    }
    return 0;
}

static bool entry_ok(const struct sec_acl_entry *e)
{
    size_t dlen = strnlen(e->descr, sizeof(e->descr));
    return sec_net_is_valid(&e->net) && action_ok(e->action)
           && dlen < sizeof(e->descr) && descr_ok(e->descr, dlen);
}

/* ---- the trie ----------------------------------------------------------- */

/*
 * Path-compressed binary trie. A node stands for the prefix key/len; its
 * children continue with bit 'len' = 0 or 1 and agree with it on the first
 * 'len' bits. Glue nodes (entry -1) exist only where two branches split.
 */
struct tnode {
    struct key key;    /* prefix bits, zero past 'len' */
    uint32_t child[2]; /* node index; 0 = none (node 0 is never used) */
    int32_t entry;     /* index into sec_acl.entries, -1 for glue */
    uint8_t len;       /* prefix length */
};

struct trie {
    struct tnode *nodes; /* [cap]; nodes[0] unused */
    uint32_t n_nodes;    /* used, including nodes[0] */
    uint32_t cap;        /* 1 + 2 * entries: the most inserts can make */
    uint32_t root;       /* 0 = empty */
    unsigned width;      /* 32 or 128 */
};

struct sec_acl {
    struct sec_snap snap;          /* refcount; first member */
    struct sec_acl_entry *entries; /* [n_entries], caller's order */
    size_t n_entries;
    struct trie t4; /* IPv4 networks */
    struct trie t6; /* IPv6 networks */
};

static int trie_init(struct trie *t, size_t n, unsigned width)
{
    t->nodes = calloc(1 + 2 * n, sizeof(*t->nodes));
    if (!t->nodes) {
        return -ENOMEM;
    }
    t->n_nodes = 1;
    t->cap = (uint32_t)(1 + 2 * n);
    t->root = 0;
    t->width = width;
    return 0;
}

static uint32_t trie_new(struct trie *t, struct key k, unsigned len,
                         int32_t entry)
{
    SW_BUG_ON(t->n_nodes >= t->cap);
    uint32_t i = t->n_nodes++;
    t->nodes[i] = (struct tnode){
        .key = k, .child = { 0, 0 }, .entry = entry, .len = (uint8_t)len
    };
    return i;
}

/*
 * Insert key/len for entries[entry]. Nodes never move (the array is sized
 * for the worst case up front), so slot pointers stay valid.
 */
static int trie_insert(struct trie *t, struct key k, unsigned len,
                       int32_t entry)
{
    uint32_t *slot = &t->root;
    while (*slot) {
        struct tnode *n = &t->nodes[*slot];
        unsigned d = SW_MIN(first_diff(k, n->key), SW_MIN(len, n->len));
        if (d < n->len) {
            break; /* 'n' is not a prefix of k: split or push below here */
        }
        if (n->len == len) {
            if (n->entry >= 0) {
                return -EEXIST;
            }
            n->entry = entry; /* a glue node becomes a real one */
            return 0;
        }
        slot = &n->child[key_bit(k, n->len)];
    }
    uint32_t leaf = trie_new(t, k, len, entry);
    if (*slot == 0) {
        *slot = leaf;
        return 0;
    }
    struct tnode *n = &t->nodes[*slot];
    unsigned d = SW_MIN(first_diff(k, n->key), SW_MIN(len, n->len));
    if (d == len) {
        /* The new prefix contains 'n': it goes above it. */
        t->nodes[leaf].child[key_bit(n->key, len)] = *slot;
        *slot = leaf;
        return 0;
    }
    /* They part at bit d, before either ends: a glue node splits them. */
    uint32_t old = *slot;
    unsigned old_bit = key_bit(n->key, d);
    uint32_t glue = trie_new(t, key_mask(k, d), d, -1);
    t->nodes[glue].child[old_bit] = old;
    t->nodes[glue].child[old_bit ^ 1u] = leaf;
    *slot = glue;
    return 0;
}

/*
 * Renumber the nodes breadth-first: the top levels, which every lookup
 * walks, end up packed in a few cache lines. -ENOMEM leaves 't' as it was.
 */
static int trie_relayout(struct trie *t)
{
    if (t->root == 0) {
        return 0;
    }
    struct tnode *out = calloc(t->cap, sizeof(*out));
    uint32_t *queue = malloc(t->cap * sizeof(*queue));
    if (!out || !queue) {
        free(out);
        free(queue);
        return -ENOMEM;
    }
    /* queue[] holds old indices; a node's new index is its queue slot. */
    uint32_t head = 1;
    uint32_t tail = 1;
    queue[tail++] = t->root;
    while (head < tail) {
        uint32_t at = head++;
        struct tnode n = t->nodes[queue[at]];
        for (int b = 0; b < 2; b++) {
            if (n.child[b]) {
                queue[tail] = n.child[b];
                n.child[b] = tail++;
            }
        }
        out[at] = n;
    }
    SW_ASSERT(tail == t->n_nodes);
    free(t->nodes);
    free(queue);
    t->nodes = out;
    t->root = 1;
    return 0;
}

static int32_t trie_lookup(const struct trie *t, struct key k)
{
    int32_t best = -1;
    uint32_t i = t->root;
    while (i) {
        const struct tnode *n = &t->nodes[i];
        if (first_diff(k, n->key) < n->len) {
            break; /* nothing below 'n' can match either */
        }
        if (n->entry >= 0) {
            best = n->entry;
        }
        if (n->len >= t->width) {
            break;
        }
        i = n->child[key_bit(k, n->len)];
    }
    return best;
}

/* ---- tables ------------------------------------------------------------- */

static void acl_free(struct sec_snap *snap)
{
    struct sec_acl *acl = (struct sec_acl *)snap; /* first member */
    free(acl->t4.nodes);
    free(acl->t6.nodes);
    free(acl->entries);
    free(acl);
}

int sec_acl_build(const struct sec_acl_entry *entries, size_t n,
                  struct sec_acl **out, size_t *bad_index)
{
    if (n > SEC_ACL_MAX_ENTRIES) {
        return -E2BIG;
    }
    size_t n4 = 0;
    for (size_t i = 0; i < n; i++) {
        if (!entry_ok(&entries[i])) {
            if (bad_index) {
                *bad_index = i;
            }
            return -EINVAL;
        }
        n4 += entries[i].net.family == AF_INET;
    }
    int rc = -ENOMEM;
    struct sec_acl *acl = calloc(1, sizeof(*acl));
    if (!acl) {
        return -ENOMEM;
    }
    acl->entries = calloc(n ? n : 1, sizeof(*acl->entries));
    if (!acl->entries || trie_init(&acl->t4, n4, 32) != 0
        || trie_init(&acl->t6, n - n4, 128) != 0) {
        goto fail;
    }
    if (n) {
        memcpy(acl->entries, entries, n * sizeof(*entries));
    }
    acl->n_entries = n;
    for (size_t i = 0; i < n; i++) {
        const struct sec_net *net = &entries[i].net;
        struct trie *t = net->family == AF_INET ? &acl->t4 : &acl->t6;
        rc = trie_insert(t, net_key(net), net->prefix, (int32_t)i);
        if (rc != 0) {
            if (bad_index) {
                *bad_index = i;
            }
            goto fail;
        }
    }
    if (trie_relayout(&acl->t4) != 0 || trie_relayout(&acl->t6) != 0) {
        rc = -ENOMEM;
        goto fail;
    }
    sec_snap_init(&acl->snap, acl_free);
    *out = acl;
    return 0;
fail:
    free(acl->t4.nodes);
    free(acl->t6.nodes);
    free(acl->entries);
    free(acl);
    return rc;
}

static const struct sec_acl_entry *lookup_key(const struct sec_acl *acl,
                                              unsigned family, struct key k)
{
    const struct trie *t = family == AF_INET ? &acl->t4 : &acl->t6;
    int32_t i = trie_lookup(t, k);
    return i >= 0 ? &acl->entries[i] : NULL;
}

const struct sec_acl_entry *sec_acl_lookup(const struct sec_acl *acl,
                                           const struct net_addr *addr)
{
    unsigned family;
    struct key k;
    if (!acl || !addr_key(addr, &family, &k)) {
        return NULL;
    }
    return lookup_key(acl, family, k);
}

const struct sec_acl_entry *sec_acl_lookup_ip16(const struct sec_acl *acl,
                                                const uint8_t ip16[16])
{
    if (!acl) {
        return NULL;
    }
    if (memcmp(ip16, v4mapped_prefix, 12) == 0) {
        return lookup_key(acl, AF_INET, key_v4(ip16 + 12));
    }
    return lookup_key(acl, AF_INET6, key_from(ip16));
}

size_t sec_acl_count(const struct sec_acl *acl)
{
    return acl ? acl->n_entries : 0;
}

const struct sec_acl_entry *sec_acl_entry_at(const struct sec_acl *acl,
                                             size_t i)
{
    SW_ASSERT(acl && i < acl->n_entries);
    return &acl->entries[i];
}

void sec_acl_hold(struct sec_acl *acl)
{
    sec_snap_hold(&acl->snap);
}

void sec_acl_release(struct sec_acl *acl)
{
    if (acl) {
        sec_snap_release(&acl->snap);
    }
}

/* ---- publication -------------------------------------------------------- */

int sec_acl_ref_init(struct sec_acl_ref *ref)
{
    return sec_snap_ref_init(&ref->pub);
}

void sec_acl_ref_fini(struct sec_acl_ref *ref)
{
    sec_snap_ref_fini(&ref->pub);
}

void sec_acl_ref_publish(struct sec_acl_ref *ref, struct sec_acl *acl)
{
    sec_snap_ref_publish(&ref->pub, acl ? &acl->snap : NULL);
}

struct sec_acl *sec_acl_ref_acquire(struct sec_acl_ref *ref)
{
    return (struct sec_acl *)sec_snap_ref_acquire(&ref->pub);
}

const struct sec_acl *sec_acl_view_get(struct sec_acl_view *view,
                                       struct sec_acl_ref *ref)
{
    return (const struct sec_acl *)sec_snap_view_get(&view->v, &ref->pub);
}

void sec_acl_view_fini(struct sec_acl_view *view)
{
    sec_snap_view_fini(&view->v);
}
