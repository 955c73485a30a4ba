/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transaction table: a keyed hash of live transactions (SipHash with a
 * per-table random key, so attacker-chosen branches cannot build long
 * chains), a min-heap of their nearest deadlines, and the timer dispatch.
 * The state machines themselves live in txn_server.c and txn_client.c.
 */
#include "sip/txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/check.h"
#include "base/siphash.h"
#include "sip/txn_int.h"

/* ---- SipHash-2-4 ---- */

static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

uint64_t txn_siphash(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
    struct siphash_key k = { k0, k1 };
    return siphash_24(&k, data, len);
}

/* ---- Keys ---- */

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int txn_key_check(const struct sip_txn_key *key, bool is_client)
{
    if (key->branch.len > SIP_TXN_MAX_KEY_FIELD
        || (key->branch.len > 0 && key->branch.p == NULL)) {
        return -EINVAL;
    }
    if (!is_client
        && (key->host.len > SIP_TXN_MAX_KEY_FIELD
            || (key->host.len > 0 && key->host.p == NULL))) {
        return -EINVAL;
    }
    if (key->method == SIP_METHOD_UNKNOWN
        && (key->method_name.len > SIP_TXN_MAX_KEY_FIELD
            || (key->method_name.len > 0 && key->method_name.p == NULL))) {
        return -EINVAL;
    }
    return 0;
}

static size_t put_field(unsigned char *dst, struct sv v, bool fold)
{
    dst[0] = (unsigned char)v.len;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        dst[1 + i] = fold ? lower(c) : c;
    }
    return 1 + v.len;
}

uint32_t txn_key_hash(const struct sip_txn_table *t,
                      const struct sip_txn_key *key, bool is_client)
{
    /* kind, method, port, then three length-prefixed fields */
    unsigned char buf[4 + 3 * (1 + SIP_TXN_MAX_KEY_FIELD)];
    size_t n = 0;

    buf[n++] = is_client ? 'C' : 'S';
    buf[n++] = (unsigned char)key->method;
    buf[n++] = is_client ? 0 : (unsigned char)(key->port & 0xff);
    buf[n++] = is_client ? 0 : (unsigned char)(key->port >> 8);
    n += put_field(buf + n, key->branch, false);
    if (!is_client) {
        /* RFC 3261 §19.1.4 spirit: host names compare case-insensitively */
        n += put_field(buf + n, key->host, true);
    }
    if (key->method == SIP_METHOD_UNKNOWN) {
        /* RFC 3261 §7.1: method names are case-sensitive */
        n += put_field(buf + n, key->method_name, false);
    }
    return (uint32_t)txn_siphash(t->k0, t->k1, buf, n);
}

static bool key_matches(const struct sip_txn *x, const struct sip_txn_key *key,
                        bool is_client, uint32_t hash)
{
    if (x->hash != hash || x->is_client != is_client
        || x->method != key->method) {
        return false;
    }
    if (!sv_eq(txn_branch(x), key->branch)) {
        return false;
    }
    if (key->method == SIP_METHOD_UNKNOWN
        && !sv_eq(txn_mname(x), key->method_name)) {
        return false;
    }
    if (!is_client
        && (x->port != key->port || !sv_eq_nocase(txn_host(x), key->host))) {
        return false;
    }
    return true;
}

struct sip_txn *txn_lookup(struct sip_txn_table *t,
                           const struct sip_txn_key *key, bool is_client,
                           uint32_t hash)
{
    struct sip_txn *x = t->buckets[hash & (t->n_buckets - 1)];
    for (; x != NULL; x = x->next) {
        if (key_matches(x, key, is_client, hash)) {
            return x;
        }
    }
    return NULL;
}

bool sip_txn_branch_is_rfc3261(struct sv branch)
{
    struct sv cookie = SV_LIT(SIP_TXN_MAGIC_COOKIE);
    return branch.len > cookie.len
           && memcmp(branch.p, cookie.p, cookie.len) == 0;
}

void sip_txn_key_from_msg(const struct sip_msg *msg, struct sip_txn_key *key)
{
    if (msg->is_request) {
        key->method = msg->method;
        key->method_name = msg->method_name;
    } else {
        key->method = msg->cseq.method;
        key->method_name = msg->cseq.method_name;
    }
    key->branch = msg->via.branch;
    key->host = msg->via.host;
    key->port = msg->via.has_port ? msg->via.port : 0;
}

/* ---- Heap of deadlines ---- */

static void heap_set(struct sip_txn_table *t, uint32_t i, struct sip_txn *x)
{
    t->heap[i] = x;
    x->heap_idx = i;
}

static void heap_up(struct sip_txn_table *t, uint32_t i)
{
    struct sip_txn *x = t->heap[i];
    uint64_t d = txn_deadline(x);
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (txn_deadline(t->heap[parent]) <= d) {
            break;
        }
        heap_set(t, i, t->heap[parent]);
        i = parent;
    }
    heap_set(t, i, x);
}

static void heap_down(struct sip_txn_table *t, uint32_t i)
{
    struct sip_txn *x = t->heap[i];
    uint64_t d = txn_deadline(x);
    for (;;) {
        uint32_t l = 2 * i + 1;
        if (l >= t->heap_len) {
            break;
        }
        uint32_t c = l;
        if (l + 1 < t->heap_len
            && txn_deadline(t->heap[l + 1]) < txn_deadline(t->heap[l])) {
            c = l + 1;
        }
        if (d <= txn_deadline(t->heap[c])) {
            break;
        }
        heap_set(t, i, t->heap[c]);
        i = c;
    }
    heap_set(t, i, x);
}

static void heap_remove(struct sip_txn_table *t, struct sip_txn *x)
{
    uint32_t i = x->heap_idx;
    if (i == TXN_NO_HEAP) {
        return;
    }
    SW_BUG_ON(i >= t->heap_len || t->heap[i] != x);
    x->heap_idx = TXN_NO_HEAP;
    t->heap_len--;
    if (i == t->heap_len) {
        return;
    }
    struct sip_txn *last = t->heap[t->heap_len];
    heap_set(t, i, last);
    heap_up(t, i);
    heap_down(t, last->heap_idx);
}

void txn_timers_changed(struct sip_txn *x)
{
    struct sip_txn_table *t = x->table;
    if (txn_deadline(x) == TXN_NO_TIMER) {
        heap_remove(t, x);
        return;
    }
    if (x->heap_idx == TXN_NO_HEAP) {
        /* txn_new() reserved the slot: heap_cap >= live transactions */
        SW_BUG_ON(t->heap_len >= t->heap_cap);
        t->heap[t->heap_len] = x;
        x->heap_idx = t->heap_len++;
        heap_up(t, x->heap_idx);
        return;
    }
    heap_up(t, x->heap_idx);
    heap_down(t, x->heap_idx);
}

/* Give back most of the heap array once the table has emptied out: a
 * burst must not pin its peak for the daemon's life. Best effort. */
static void heap_maybe_shrink(struct sip_txn_table *t)
{
    /* txn_new() keeps heap_cap >= n_active; halving at 1/8 keeps that. */
    if (t->heap_cap <= TXN_MIN_HEAP || t->stats.n_active >= t->heap_cap / 8) {
        return;
    }
    uint32_t cap = t->heap_cap / 2;
    struct sip_txn **h = realloc(t->heap, (size_t)cap * sizeof(*h));
    if (h != NULL) {
        t->heap = h;
        t->heap_cap = cap;
    }
}

static int heap_reserve(struct sip_txn_table *t, uint64_t need)
{
    if (need <= t->heap_cap) {
        return 0;
    }
    uint64_t cap = t->heap_cap ? (uint64_t)t->heap_cap * 2 : TXN_MIN_HEAP;
    if (cap > t->cfg.max_entries) {
        cap = t->cfg.max_entries;
    }
    struct sip_txn **h =
        realloc(t->heap, (size_t)cap * sizeof(struct sip_txn *));
    if (h == NULL) {
        return -ENOMEM;
    }
    t->heap = h;
    t->heap_cap = (uint32_t)cap;
    return 0;
}

/* ---- Buckets ---- */

/*
 * Move every chain to a new bucket array of 'n' (a power of two) entries.
 * The stored hash makes this a pointer walk, no key is hashed again. On
 * allocation failure the old array stays: only the load factor suffers.
 */
static void rehash(struct sip_txn_table *t, uint32_t n)
{
    struct sip_txn **nb = calloc(n, sizeof(*nb));
    if (nb == NULL) {
        return;
    }
    for (uint32_t i = 0; i < t->n_buckets; i++) {
        struct sip_txn *x = t->buckets[i];
        while (x != NULL) {
            struct sip_txn *next = x->next;
            struct sip_txn **head = &nb[x->hash & (n - 1)];
            x->next = *head;
            if (*head != NULL) {
                (*head)->pprev = &x->next;
            }
            *head = x;
            x->pprev = head;
            x = next;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->n_buckets = n;
}

/* Keep the load factor at most 1 while the table grows towards its cap. */
static void buckets_grow(struct sip_txn_table *t)
{
    if (t->stats.n_active + 1 > t->n_buckets && t->n_buckets < t->max_buckets) {
        rehash(t, t->n_buckets * 2);
    }
}

/* Halve the array once it is at most 1/8 full (hysteresis: a table that
 * hovers around one size never rehashes back and forth). */
static void buckets_maybe_shrink(struct sip_txn_table *t)
{
    if (t->n_buckets > TXN_MIN_BUCKETS
        && t->stats.n_active < t->n_buckets / 8) {
        rehash(t, t->n_buckets / 2);
    }
}

/* ---- Transactions ---- */

struct sip_txn *txn_new(struct sip_txn_table *t, const struct sip_txn_key *key,
                        bool is_client, uint32_t hash, size_t extra, int *err)
{
    if (t->stats.n_active >= t->cfg.max_entries) {
        t->stats.n_refused_full++;
        *err = -ENOSPC;
        return NULL;
    }
    if (heap_reserve(t, t->stats.n_active + 1) != 0) {
        *err = -ENOMEM;
        return NULL;
    }
    size_t host_len = is_client ? 0 : key->host.len;
    size_t mname_len =
        key->method == SIP_METHOD_UNKNOWN ? key->method_name.len : 0;
    size_t keys_len = key->branch.len + host_len + mname_len;
    struct sip_txn *x = malloc(sizeof(*x) + keys_len + extra);
    if (x == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    buckets_grow(t);
    memset(x, 0, sizeof(*x));
    x->table = t;
    x->is_client = is_client;
    x->method = key->method;
    x->hash = hash;
    x->port = is_client ? 0 : key->port;
    x->branch_len = (uint8_t)key->branch.len;
    x->host_len = (uint8_t)host_len;
    x->mname_len = (uint8_t)mname_len;
    if (key->branch.len > 0) {
        memcpy(x->tail, key->branch.p, key->branch.len);
    }
    if (host_len > 0) {
        memcpy(x->tail + key->branch.len, key->host.p, host_len);
    }
    if (mname_len > 0) {
        memcpy(x->tail + key->branch.len + host_len, key->method_name.p,
               mname_len);
    }
    x->msg = extra > 0 ? x->tail + keys_len : NULL;
    x->msg_cap = (uint32_t)extra;
    x->heap_idx = TXN_NO_HEAP;
    x->retrans_at_ms = TXN_NO_TIMER;
    x->timeout_at_ms = TXN_NO_TIMER;

    struct sip_txn **head = &t->buckets[hash & (t->n_buckets - 1)];
    x->next = *head;
    if (*head != NULL) {
        (*head)->pprev = &x->next;
    }
    *head = x;
    x->pprev = head;

    t->stats.n_active++;
    t->stats.n_created++;
    return x;
}

void txn_unlink(struct sip_txn *x)
{
    if (x->pprev == NULL) {
        return;
    }
    struct sip_txn_table *t = x->table;
    heap_remove(t, x);
    *x->pprev = x->next;
    if (x->next != NULL) {
        x->next->pprev = x->pprev;
    }
    x->next = NULL;
    x->pprev = NULL;
    SW_BUG_ON(t->stats.n_active == 0);
    t->stats.n_active--;
    buckets_maybe_shrink(t);
    heap_maybe_shrink(t);
}

static void txn_free(struct sip_txn *x)
{
    if (x->msg_is_owned) {
        free(x->msg);
    }
    free(x);
}

void txn_destroy(struct sip_txn *x)
{
    txn_unlink(x);
    txn_free(x);
}

int txn_store_msg(struct sip_txn *x, const char *bytes, size_t len)
{
    if (len > x->msg_cap) {
        char *m = x->msg_is_owned ? realloc(x->msg, len) : malloc(len);
        if (m == NULL) {
            return -ENOMEM;
        }
        x->msg = m;
        x->msg_cap = (uint32_t)len;
        x->msg_is_owned = true;
    }
    memcpy(x->msg, bytes, len);
    x->msg_len = (uint32_t)len;
    return 0;
}

void txn_send_msg(struct sip_txn *x)
{
    SW_ASSERT(x->msg_len > 0);
    x->table->send(x->table->send_ud, &x->dest, x->msg, x->msg_len);
}

/* ---- Table ---- */

void sip_txn_config_default(struct sip_txn_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->t1_ms = SIP_TXN_T1_MS;
    cfg->t2_ms = SIP_TXN_T2_MS;
    cfg->t4_ms = SIP_TXN_T4_MS;
    cfg->timer_d_ms = SIP_TXN_TIMER_D_MS;
    cfg->max_entries = SIP_TXN_MAX_ENTRIES;
}

static bool key_is_zero(const uint8_t key[16])
{
    uint8_t acc = 0;
    for (unsigned i = 0; i < 16; i++) {
        acc |= key[i];
    }
    return acc == 0;
}

int sip_txn_table_init(struct sip_txn_table *t,
                       const struct sip_txn_config *cfg, sip_txn_send_fn *send,
                       void *send_ud)
{
    struct sip_txn_config def;
    if (cfg == NULL) {
        sip_txn_config_default(&def);
        cfg = &def;
    }
    if (t == NULL || send == NULL || cfg->t1_ms == 0 || cfg->t2_ms < cfg->t1_ms
        || cfg->t4_ms == 0 || cfg->max_entries == 0
        || cfg->max_entries > SIP_TXN_MAX_ENTRIES_CAP) {
        return -EINVAL;
    }
    memset(t, 0, sizeof(*t));
    t->cfg = *cfg;
    t->send = send;
    t->send_ud = send_ud;

    uint8_t hk[16];
    memcpy(hk, cfg->hash_key, sizeof(hk));
    if (key_is_zero(hk) && getrandom(hk, sizeof(hk), 0) != sizeof(hk)) {
        return -EIO;
    }
    t->k0 = load_le64(hk);
    t->k1 = load_le64(hk + 8);

    /* The bucket array follows the live count (load factor <= 1, up to
     * the cap's power of two) instead of being sized for the cap at once:
     * a table configured for a peak costs memory only while it is used. */
    uint32_t n = 16;
    while (n < cfg->max_entries) {
        n *= 2;
    }
    t->max_buckets = n;
    n = n < TXN_MIN_BUCKETS ? n : TXN_MIN_BUCKETS;
    t->buckets = calloc(n, sizeof(struct sip_txn *));
    if (t->buckets == NULL) {
        return -ENOMEM;
    }
    t->n_buckets = n;
    return 0;
}

void sip_txn_table_fini(struct sip_txn_table *t)
{
    if (t == NULL || t->buckets == NULL) {
        return;
    }
    for (uint32_t i = 0; i < t->n_buckets; i++) {
        struct sip_txn *x = t->buckets[i];
        while (x != NULL) {
            struct sip_txn *next = x->next;
            txn_free(x);
            x = next;
        }
    }
    free(t->buckets);
    t->buckets = NULL;
    free(t->heap);
    t->heap = NULL;
    t->heap_len = 0;
    t->heap_cap = 0;
    t->stats.n_active = 0;
}

uint64_t sip_txn_table_next_deadline_ms(const struct sip_txn_table *t)
{
    return t->heap_len > 0 ? txn_deadline(t->heap[0]) : UINT64_MAX;
}

unsigned sip_txn_table_run_timers(struct sip_txn_table *t, uint64_t now_ms)
{
    unsigned n = 0;
    SW_BUG_ON(t->in_run_timers);
    t->in_run_timers = true;
    /* Callbacks may add or remove transactions: re-read the top each time.
     * Every expiry either frees the transaction or moves its deadline past
     * now_ms, so the loop ends. */
    while (t->heap_len > 0 && txn_deadline(t->heap[0]) <= now_ms) {
        struct sip_txn *x = t->heap[0];
        n++;
        if (x->is_client) {
            txn_client_expire(x, now_ms);
        } else {
            txn_server_expire(x, now_ms);
        }
    }
    t->in_run_timers = false;
    return n;
}

const struct sip_txn_stats *sip_txn_table_stats(const struct sip_txn_table *t)
{
    return &t->stats;
}

/* ---- Accessors ---- */

enum sip_txn_state sip_txn_state(const struct sip_txn *txn)
{
    return (enum sip_txn_state)txn->state;
}

bool sip_txn_is_client(const struct sip_txn *txn)
{
    return txn->is_client;
}

enum sip_method sip_txn_method(const struct sip_txn *txn)
{
    return txn->method;
}

int sip_txn_last_status(const struct sip_txn *txn)
{
    return txn->last_status;
}

const struct sip_txn_dest *sip_txn_dest(const struct sip_txn *txn)
{
    return &txn->dest;
}

void *sip_txn_ud(const struct sip_txn *txn)
{
    return txn->ud;
}

void sip_txn_set_ud(struct sip_txn *txn, void *ud)
{
    txn->ud = ud;
}
