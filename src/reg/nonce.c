/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stateless HMAC-signed digest nonces bound to the source address, realm
 * and issue time, and the sharded nonce-count table that rejects replays.
 * Nothing here decides what a REGISTER gets back: the registrar maps
 * OK / STALE / BAD and OK / REPLAY to its answers and its counters.
 */
#include "reg/nonce.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "base/check.h"
#include "base/clock.h"
#include "base/siphash.h"

/* ------------------------------------------------------------------------
 * Nonce layout and encoding
 */

#define RAW_LEN   32 /* time(8) | random(8) | tag(16) */
#define HEAD_LEN  16 /* the signed, clear part: time | random */
#define TAG_LEN   16
#define REALM_MAX 1024 /* longer realms are refused, not hashed */
/* A nonce stamped this far ahead of 'now' means the clock stepped back. */
#define FUTURE_SKEW_S 2

/* Domain separation: this key signs nothing else with this prefix. */
static const uint8_t hmac_label[8] = { 's', 'w', 'n', 'o', 'n', 'c', 'e', 1 };

struct ip_bin {
    uint8_t fam; /* 4 or 6 */
    uint8_t len; /* 4 or 16 */
    uint8_t b[16];
};

static int ip_from_sockaddr(const struct sockaddr *sa, struct ip_bin *out)
{
    if (!sa) {
        return -EINVAL;
    }
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
        out->fam = 4;
        out->len = 4;
        memcpy(out->b, &in4->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        /* Dual-stack sockets show IPv4 peers as ::ffff:a.b.c.d. */
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            out->fam = 4;
            out->len = 4;
            memcpy(out->b, &in6->sin6_addr.s6_addr[12], 4);
        } else {
            out->fam = 6;
            out->len = 16;
            memcpy(out->b, &in6->sin6_addr, 16);
        }
        return 0;
    }
    return -EAFNOSUPPORT;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static const char b64url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

/* 32 raw bytes -> 43 unpadded base64url characters (no NUL). */
static void b64url_encode32(const uint8_t raw[RAW_LEN], char *out)
{
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= RAW_LEN; i += 3) {
        uint32_t v =
            (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        out[o++] = b64url_chars[(v >> 18) & 63];
        out[o++] = b64url_chars[(v >> 12) & 63];
        out[o++] = b64url_chars[(v >> 6) & 63];
        out[o++] = b64url_chars[v & 63];
    }
    /* 32 = 30 + 2: two bytes left, three characters. */
    uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8;
    out[o++] = b64url_chars[(v >> 18) & 63];
    out[o++] = b64url_chars[(v >> 12) & 63];
    out[o++] = b64url_chars[(v >> 6) & 63];
    SW_ASSERT(o == REG_NONCE_LEN);
}

/*
 * Strict inverse of b64url_encode32: exactly 43 alphabet characters and
 * zero padding bits, so each nonce has one spelling.
 */
static bool b64url_decode32(struct sv in, uint8_t raw[RAW_LEN])
{
    if (in.len != REG_NONCE_LEN) {
        return false;
    }
    size_t o = 0;
    size_t i = 0;
    for (; i + 4 <= 40; i += 4) {
        int a = b64url_val((unsigned char)in.p[i]);
        int b = b64url_val((unsigned char)in.p[i + 1]);
        int c = b64url_val((unsigned char)in.p[i + 2]);
        int d = b64url_val((unsigned char)in.p[i + 3]);
        if ((a | b | c | d) < 0) {
            return false;
        }
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6
                     | (uint32_t)d;
        raw[o++] = (uint8_t)(v >> 16);
        raw[o++] = (uint8_t)(v >> 8);
        raw[o++] = (uint8_t)v;
    }
    int a = b64url_val((unsigned char)in.p[40]);
    int b = b64url_val((unsigned char)in.p[41]);
    int c = b64url_val((unsigned char)in.p[42]);
    if ((a | b | c) < 0 || (c & 3) != 0) {
        return false;
    }
    uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
    raw[o++] = (uint8_t)(v >> 16);
    raw[o++] = (uint8_t)(v >> 8);
    SW_ASSERT(o == RAW_LEN);
    return true;
}

/* ------------------------------------------------------------------------
 * Randomness
 *
 * RAND_bytes costs about 4 us per call in OpenSSL 3.0 whatever the size,
 * and every challenge (flood traffic included) mints a nonce. Each thread
 * draws a block at a time and hands out 8 bytes per nonce; a fork bumps a
 * generation so a child never reuses its parent's block.
 */

#define RND_BLOCK 512

struct rnd_cache {
    uint8_t b[RND_BLOCK];
    size_t used; /* bytes handed out (wiped) */
    unsigned gen;
};

static _Thread_local struct rnd_cache rnd_tls = { .used = RND_BLOCK };
static atomic_uint fork_gen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
    atomic_fetch_add(&fork_gen, 1);
}

static void atfork_register(void)
{
    pthread_atfork(NULL, NULL, on_fork_child);
}

static int nonce_random(uint8_t out[8])
{
    pthread_once(&atfork_once, atfork_register);
    struct rnd_cache *rc = &rnd_tls;
    unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
    if (rc->used + 8 > RND_BLOCK || rc->gen != gen) {
        if (RAND_bytes(rc->b, RND_BLOCK) != 1) {
            return -EIO;
        }
        rc->used = 0;
        rc->gen = gen;
    }
    memcpy(out, rc->b + rc->used, 8);
    memset(rc->b + rc->used, 0, 8);
    rc->used += 8;
    return 0;
}

/* ------------------------------------------------------------------------
 * Signing
 */

/* tag = HMAC(key, label | time | random | fam | ip | realm_len | realm). */
static int nonce_tag(const struct reg_nonce_ctx *ctx,
                     const uint8_t head[HEAD_LEN], const struct ip_bin *ip,
                     struct sv realm, uint8_t tag[TAG_LEN])
{
    /* The keyed template is shared: each call works on its own copy. */
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(ctx->mac);
    if (!c) {
        return -ENOMEM;
    }
    uint8_t realm_len[4] = { (uint8_t)(realm.len >> 24),
                             (uint8_t)(realm.len >> 16),
                             (uint8_t)(realm.len >> 8), (uint8_t)realm.len };
    uint8_t full[32];
    size_t full_len = 0;
    int rc = -EIO;
    if (EVP_MAC_update(c, hmac_label, sizeof(hmac_label)) == 1
        && EVP_MAC_update(c, head, HEAD_LEN) == 1
        && EVP_MAC_update(c, &ip->fam, 1) == 1
        && EVP_MAC_update(c, ip->b, ip->len) == 1
        && EVP_MAC_update(c, realm_len, sizeof(realm_len)) == 1
        && (realm.len == 0
            || EVP_MAC_update(c, (const uint8_t *)realm.p, realm.len) == 1)
        && EVP_MAC_final(c, full, &full_len, sizeof(full)) == 1
        && full_len == sizeof(full)) {
        memcpy(tag, full, TAG_LEN);
        rc = 0;
    }
    OPENSSL_cleanse(full, sizeof(full));
    EVP_MAC_CTX_free(c);
    return rc;
}

int reg_nonce_init(struct reg_nonce_ctx *ctx, const uint8_t *key,
                   uint32_t lifetime_s, const struct sw_clock *clock)
{
    memset(ctx, 0, sizeof(*ctx));
    if (key) {
        memcpy(ctx->key, key, REG_NONCE_KEY_LEN);
    } else if (RAND_bytes(ctx->key, REG_NONCE_KEY_LEN) != 1) {
        return -EIO;
    }
    ctx->lifetime_s = lifetime_s ? lifetime_s : REG_NONCE_LIFETIME_DEFAULT_S;
    ctx->clock = clock;

    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!mac) {
        goto fail;
    }
    ctx->mac = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context keeps its own reference */
    if (!ctx->mac) {
        goto fail;
    }
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx->mac, ctx->key, REG_NONCE_KEY_LEN, params) != 1) {
        goto fail;
    }
    return 0;
fail:
    reg_nonce_fini(ctx);
    return -EIO;
}

void reg_nonce_fini(struct reg_nonce_ctx *ctx)
{
    EVP_MAC_CTX_free(ctx->mac);
    ctx->mac = NULL;
    OPENSSL_cleanse(ctx->key, sizeof(ctx->key));
}

int reg_nonce_mint(const struct reg_nonce_ctx *ctx, const struct sockaddr *src,
                   struct sv realm, char *out, size_t cap)
{
    if (!out || cap < REG_NONCE_BUF) {
        return -ENOSPC;
    }
    if (!ctx->mac || realm.len > REALM_MAX) {
        return -EINVAL;
    }
    struct ip_bin ip;
    int rc = ip_from_sockaddr(src, &ip);
    if (rc != 0) {
        return rc; /* -EINVAL (no source) or -EAFNOSUPPORT */
    }
    uint8_t raw[RAW_LEN];
    put_be64(raw, (uint64_t)clock_wall_s(ctx->clock));
    if (nonce_random(raw + 8) != 0) {
        return -EIO;
    }
    rc = nonce_tag(ctx, raw, &ip, realm, raw + HEAD_LEN);
    if (rc != 0) {
        return -EIO;
    }
    b64url_encode32(raw, out);
    out[REG_NONCE_LEN] = '\0';
    return 0;
}

enum reg_nonce_res reg_nonce_check(const struct reg_nonce_ctx *ctx,
                                   struct sv nonce, const struct sockaddr *src,
                                   struct sv realm)
{
    uint8_t raw[RAW_LEN];
    struct ip_bin ip;
    if (!ctx->mac || realm.len > REALM_MAX || !b64url_decode32(nonce, raw)
        || ip_from_sockaddr(src, &ip) != 0) {
        return REG_NONCE_BAD;
    }
    uint8_t tag[TAG_LEN];
    if (nonce_tag(ctx, raw, &ip, realm, tag) != 0) {
        return REG_NONCE_BAD;
    }
    int diff = CRYPTO_memcmp(tag, raw + HEAD_LEN, TAG_LEN);
    if (diff != 0) {
        return REG_NONCE_BAD;
    }
    /* Only now is the timestamp ours to trust. */
    int64_t issued_s = (int64_t)get_be64(raw);
    int64_t now_s = clock_wall_s(ctx->clock);
    if (issued_s > now_s + FUTURE_SKEW_S) {
        return REG_NONCE_STALE;
    }
    if (issued_s < now_s - (int64_t)ctx->lifetime_s) {
        return REG_NONCE_STALE;
    }
    return REG_NONCE_OK;
}

/* ------------------------------------------------------------------------
 * Nonce-count table
 *
 * 64 shards, each a mutex over a ring of entries in insertion order plus
 * chained hash buckets indexing into the ring. Every entry lives lifetime_s
 * from its first use, so insertion order is expiry order: the ring's tail
 * is both the first to expire and the one evicted when full, which keeps
 * every operation O(1). The ring starts small and doubles (up to the cap)
 * only when it is full of live entries, and halves once mostly expired, so
 * memory follows the live nonces instead of the cap.
 */

#define NC_SHARD_BITS    6
#define NC_N_SHARDS      (1u << NC_SHARD_BITS)
#define NC_NIL           UINT32_MAX
#define NC_MAX_PER_SHARD (1u << 26)
#define NC_MIN_RING      64u

struct nc_entry {
    uint64_t fp;       /* keyed hash of the nonce string */
    int64_t expires_s; /* first use + lifetime */
    uint32_t max_nc;   /* highest nc accepted */
    uint32_t next;     /* next entry in the bucket chain, or NC_NIL */
};

struct nc_shard {
    _Alignas(64) pthread_mutex_t mu; /* own cache line: no false sharing */
    struct nc_entry *ents;           /* ring of 'size' entries */
    uint32_t *buckets;               /* chain heads, bucket_mask + 1 */
    uint32_t cap;                    /* ring size at most */
    uint32_t size;                   /* ring size now, <= cap */
    uint32_t bucket_mask;
    uint32_t head;  /* next ring slot to fill */
    uint32_t count; /* live ring slots, ending just before head */
    uint64_t n_expired;
    uint64_t n_evicted_live;
    uint64_t n_replays;
};

struct reg_nc_table {
    struct nc_shard *shards; /* NC_N_SHARDS, 64-byte aligned */
    uint32_t lifetime_s;
    struct siphash_key hash_key; /* fingerprints unpredictable */
    size_t mem_bytes;
};

size_t reg_nc_entry_bytes(void)
{
    /* One ring entry plus at most two bucket heads (buckets < 2 * cap). */
    return sizeof(struct nc_entry) + 2 * sizeof(uint32_t);
}

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 1;
    while (p < n) {
        p <<= 1;
    }
    return p;
}

struct reg_nc_table *reg_nc_table_new(size_t max_entries, uint32_t lifetime_s)
{
    if (max_entries < NC_N_SHARDS || lifetime_s == 0) {
        return NULL;
    }
    size_t per = (max_entries + NC_N_SHARDS - 1) / NC_N_SHARDS;
    if (per > NC_MAX_PER_SHARD) {
        return NULL;
    }
    struct reg_nc_table *t = calloc(1, sizeof(*t));
    if (!t) {
        return NULL;
    }
    t->lifetime_s = lifetime_s;
    if (siphash_key_random(&t->hash_key) != 0) {
        free(t);
        return NULL;
    }
    t->shards = aligned_alloc(_Alignof(struct nc_shard),
                              NC_N_SHARDS * sizeof(struct nc_shard));
    if (!t->shards) {
        free(t);
        return NULL;
    }
    memset(t->shards, 0, NC_N_SHARDS * sizeof(struct nc_shard));
    uint32_t n_buckets = pow2_at_least((uint32_t)per);
    t->mem_bytes = sizeof(*t) + NC_N_SHARDS * sizeof(struct nc_shard);
    for (unsigned s = 0; s < NC_N_SHARDS; s++) {
        struct nc_shard *sh = &t->shards[s];
        sh->cap = (uint32_t)per;
        sh->size = sh->cap < NC_MIN_RING ? sh->cap : NC_MIN_RING;
        sh->bucket_mask = n_buckets - 1;
        sh->ents = calloc(sh->size, sizeof(*sh->ents));
        sh->buckets = malloc(n_buckets * sizeof(*sh->buckets));
        if (!sh->ents || !sh->buckets
            || pthread_mutex_init(&sh->mu, NULL) != 0) {
            free(sh->ents);
            free(sh->buckets);
            sh->ents = NULL;
            sh->buckets = NULL;
            /* Shards before 's' are complete: free tears them down. */
            for (unsigned k = 0; k < s; k++) {
                pthread_mutex_destroy(&t->shards[k].mu);
                free(t->shards[k].ents);
                free(t->shards[k].buckets);
            }
            free(t->shards);
            free(t);
            return NULL;
        }
        memset(sh->buckets, 0xff, n_buckets * sizeof(*sh->buckets));
        t->mem_bytes += n_buckets * sizeof(*sh->buckets);
    }
    return t;
}

void reg_nc_table_free(struct reg_nc_table *t)
{
    if (!t) {
        return;
    }
    for (unsigned s = 0; s < NC_N_SHARDS; s++) {
        pthread_mutex_destroy(&t->shards[s].mu);
        free(t->shards[s].ents);
        free(t->shards[s].buckets);
    }
    free(t->shards);
    free(t);
}

/* Remove ring slot 'idx' from its bucket chain. */
static void shard_unlink(struct nc_shard *sh, uint32_t idx)
{
    uint32_t *pp = &sh->buckets[sh->ents[idx].fp & sh->bucket_mask];
    while (*pp != idx) {
        SW_BUG_ON(*pp == NC_NIL);
        pp = &sh->ents[*pp].next;
    }
    *pp = sh->ents[idx].next;
}

static uint32_t shard_tail(const struct nc_shard *sh)
{
    return (sh->head + sh->size - sh->count) % sh->size;
}

/*
 * Move the live entries, oldest first, into a new ring of 'n' >= count
 * entries and rebuild the bucket chains (indices changed). 0 or -ENOMEM,
 * in which case the shard is unchanged.
 */
static int ring_resize(struct nc_shard *sh, uint32_t n)
{
    struct nc_entry *ne = malloc((size_t)n * sizeof(*ne));
    if (!ne) {
        return -ENOMEM;
    }
    uint32_t tail = shard_tail(sh);
    memset(sh->buckets, 0xff, ((size_t)sh->bucket_mask + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < sh->count; i++) {
        ne[i] = sh->ents[(tail + i) % sh->size];
        uint32_t b = (uint32_t)(ne[i].fp & sh->bucket_mask);
        ne[i].next = sh->buckets[b];
        sh->buckets[b] = i;
    }
    free(sh->ents);
    sh->ents = ne;
    sh->size = n;
    sh->head = sh->count % n;
    return 0;
}

/* Full of live entries: double the ring if the cap allows. */
static bool ring_grow(struct nc_shard *sh)
{
    if (sh->size >= sh->cap) {
        return false;
    }
    uint32_t n = sh->size > sh->cap / 2 ? sh->cap : sh->size * 2;
    return ring_resize(sh, n) == 0;
}

enum reg_nc_res reg_nc_check_and_update(struct reg_nc_table *t, struct sv nonce,
                                        uint32_t nc, int64_t now_s)
{
    uint64_t fp = siphash_24(&t->hash_key, nonce.p, nonce.len);
    struct nc_shard *sh = &t->shards[fp >> (64 - NC_SHARD_BITS)];
    enum reg_nc_res res = REG_NC_REPLAY;

    pthread_mutex_lock(&sh->mu);
    uint32_t b = (uint32_t)(fp & sh->bucket_mask);
    for (uint32_t i = sh->buckets[b]; i != NC_NIL; i = sh->ents[i].next) {
        struct nc_entry *e = &sh->ents[i];
        if (e->fp != fp) {
            continue;
        }
        /* Past its lifetime the nonce itself is stale: fail closed. */
        if (now_s <= e->expires_s && nc > e->max_nc) {
            e->max_nc = nc;
            res = REG_NC_OK;
        }
        goto done;
    }
    if (nc == 0) {
        goto done; /* never above the initial 0 */
    }
    /* Drop what has expired, oldest first; then make room if still full:
     * grow up to the cap, evict the oldest live entry beyond it. */
    while (sh->count > 0) {
        uint32_t tail = shard_tail(sh);
        if (sh->ents[tail].expires_s >= now_s) {
            if (sh->count < sh->size || ring_grow(sh)) {
                break;
            }
            sh->n_evicted_live++;
        } else {
            sh->n_expired++;
        }
        shard_unlink(sh, tail);
        sh->count--;
    }
    if (sh->size > NC_MIN_RING && sh->count < sh->size / 8) {
        (void)ring_resize(sh, sh->size / 2); /* best effort */
    }
    uint32_t slot = sh->head;
    sh->ents[slot] = (struct nc_entry){
        .fp = fp,
        .expires_s = now_s + (int64_t)t->lifetime_s,
        .max_nc = nc,
        .next = sh->buckets[b],
    };
    sh->buckets[b] = slot;
    sh->head = (sh->head + 1) % sh->size;
    sh->count++;
    res = REG_NC_OK;
done:
    if (res == REG_NC_REPLAY) {
        sh->n_replays++;
    }
    pthread_mutex_unlock(&sh->mu);
    return res;
}

void reg_nc_table_stats(struct reg_nc_table *t, struct reg_nc_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned s = 0; s < NC_N_SHARDS; s++) {
        struct nc_shard *sh = &t->shards[s];
        pthread_mutex_lock(&sh->mu);
        out->n_entries += sh->count;
        out->n_expired += sh->n_expired;
        out->n_evicted_live += sh->n_evicted_live;
        out->n_replays += sh->n_replays;
        out->mem_bytes += (size_t)sh->size * sizeof(*sh->ents);
        pthread_mutex_unlock(&sh->mu);
    }
    out->mem_bytes += t->mem_bytes;
}

int reg_nc_parse(struct sv hex, uint32_t *out)
{
    if (hex.len != 8) {
        return -EINVAL;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        unsigned char c = (unsigned char)hex.p[i];
        uint32_t d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10u;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10u;
        } else {
            return -EINVAL;
        }
        v = (v << 4) | d;
    }
    *out = v;
    return 0;
}
