/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stateless digest nonces and nonce-count replay protection. A nonce is
 * base64url(issue_time_s | 8 random bytes | HMAC-SHA256(key, time | random |
 * source IP | realm) truncated to 16 bytes), so any worker thread holding
 * the key verifies a nonce minted by another, with no shared state. The
 * nonce-count table remembers the highest nc seen per nonce (RFC 7616
 * §3.4.5) in bounded, sharded memory shared by all workers. Verifying the
 * digest response itself is reg/digest.h's job.
 */
#ifndef SW_REG_NONCE_H
#define SW_REG_NONCE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "base/sv.h"

struct sockaddr;
struct sw_clock;
struct reg_nc_table;

#define REG_NONCE_KEY_LEN            32
#define REG_NONCE_LIFETIME_DEFAULT_S 300
/* base64url, unpadded, of the 32 raw bytes. */
#define REG_NONCE_LEN 43
/* Buffer size for reg_nonce_mint(): the nonce and its NUL. */
#define REG_NONCE_BUF (REG_NONCE_LEN + 1)

struct reg_nonce_ctx {
    uint8_t key[REG_NONCE_KEY_LEN]; /* HMAC key; wiped by _fini */
    uint32_t lifetime_s;            /* a nonce older than this is stale */
    const struct sw_clock *clock;   /* wall time source; NULL = real */
    EVP_MAC_CTX *mac; /* keyed HMAC template, read-only after init */
};

enum reg_nonce_res {
    REG_NONCE_OK = 0, /* ours, for this source and realm, within lifetime */
    REG_NONCE_STALE,  /* ours but expired: 401 with stale=true, no failure */
    REG_NONCE_BAD,    /* forged, other source/realm/key, or garbage */
};

/*
 * Prepare 'ctx' (caller-owned storage). 'key' is REG_NONCE_KEY_LEN bytes
 * (copied; nonces then survive a restart that keeps the key) or NULL for a
 * random key. 'lifetime_s' 0 means REG_NONCE_LIFETIME_DEFAULT_S. 'clock'
 * NULL means the real clock; it must outlive 'ctx'. Returns 0, -ENOMEM or
 * -EIO (no randomness / HMAC unavailable); on failure nothing needs _fini.
 * After init, mint and check may run concurrently from any thread.
 */
int reg_nonce_init(struct reg_nonce_ctx *ctx, const uint8_t *key,
                   uint32_t lifetime_s, const struct sw_clock *clock);

/* Release the HMAC context and wipe the key. Safe on a zeroed ctx. */
void reg_nonce_fini(struct reg_nonce_ctx *ctx);

/*
 * Mint a nonce for a challenge sent to 'src' (AF_INET or AF_INET6; only the
 * address is bound, not the port, since NAT rebinding changes ports; an
 * IPv4-mapped IPv6 address binds as the IPv4 address) in 'realm'. Writes
 * REG_NONCE_LEN characters and a NUL to 'out'. Returns 0, -ENOSPC when
 * 'cap' < REG_NONCE_BUF, -EINVAL for a NULL 'src', a realm over 1024 bytes
 * or a finished ctx, -EAFNOSUPPORT for another family, -EIO when
 * randomness or HMAC fails. Thread-safe.
 */
int reg_nonce_mint(const struct reg_nonce_ctx *ctx, const struct sockaddr *src,
                   struct sv realm, char *out, size_t cap);

/*
 * Check a nonce echoed by 'src' in 'realm'. The signature is checked in
 * constant time before the timestamp is trusted. REG_NONCE_STALE means the
 * signature is good but the nonce is older than lifetime_s (or stamped in
 * the future after a clock step): per RFC 7616 §3.3 answer stale=true only
 * when the response digest was also right. Any malformed input (wrong
 * length, non-base64url, non-canonical encoding, unsupported family) is
 * REG_NONCE_BAD. Thread-safe.
 */
enum reg_nonce_res reg_nonce_check(const struct reg_nonce_ctx *ctx,
                                   struct sv nonce, const struct sockaddr *src,
                                   struct sv realm);

/* -------------------------------------------------------------------------
 * Nonce-count replay table
 */

enum reg_nc_res {
    REG_NC_OK = 0, /* nc greater than any seen for this nonce; recorded */
    REG_NC_REPLAY, /* nc not above the highest seen: refuse the request */
};

struct reg_nc_stats {
    uint64_t n_entries;      /* nonces currently tracked */
    uint64_t n_expired;      /* entries dropped after their lifetime */
    uint64_t n_evicted_live; /* live entries dropped because the table was
                                full (a capacity warning) */
    uint64_t n_replays;      /* REG_NC_REPLAY answers */
    size_t mem_bytes;        /* memory held by the table */
};

/* Bytes one tracked nonce costs, to size 'max_entries' from a budget. */
size_t reg_nc_entry_bytes(void);

/*
 * Create a table tracking at most 'max_entries' nonces (>= 64; the budget
 * is split over 64 mutex-protected shards), each kept 'lifetime_s' seconds
 * after first use (use the nonce lifetime). Memory follows the nonces
 * tracked and is at most about max_entries * reg_nc_entry_bytes() (see
 * stats.mem_bytes); an idle table costs a few hundred KiB.
 * When a shard is full its oldest entry is evicted (counted in
 * n_evicted_live when still live: size the table for the REGISTER rate
 * times the lifetime). Nonces are keyed by a 64-bit keyed hash; a collision
 * between two live nonces can only cause a spurious REG_NC_REPLAY.
 * Returns NULL on -ENOMEM or bad arguments.
 */
struct reg_nc_table *reg_nc_table_new(size_t max_entries, uint32_t lifetime_s);

/* Free the table; NULL is a no-op. No other thread may still use it. */
void reg_nc_table_free(struct reg_nc_table *t);

/*
 * Record nonce-count 'nc' for 'nonce' at 'now_s' (seconds from the same
 * clock as the nonce context, i.e. clock_wall_s()). Accepts only nc
 * strictly greater than the highest recorded for that nonce, so nc 0 is
 * always a replay and a fresh nonce accepts any nc >= 1. Call it only after
 * reg_nonce_check() said REG_NONCE_OK and the digest verified, so that
 * forged requests cannot consume entries; an entry found past its lifetime
 * answers REG_NC_REPLAY (fail closed). Thread-safe; one shard lock held.
 */
enum reg_nc_res reg_nc_check_and_update(struct reg_nc_table *t, struct sv nonce,
                                        uint32_t nc, int64_t now_s);

/* Snapshot of the counters (locks each shard in turn). */
void reg_nc_table_stats(struct reg_nc_table *t, struct reg_nc_stats *out);

/*
 * Parse an nc value: exactly 8 hex digits, either case (RFC 7616 §3.4).
 * Returns 0 and writes *out, or -EINVAL (*out untouched).
 */
int reg_nc_parse(struct sv hex, uint32_t *out);

#endif
