/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the per-source table, for srctable.c, ratelimit.c and detect.c
 * only: the entry layout and the locked find/create primitives the
 * detectors build on. Everything an entry holds for one IP (the address
 * record, its (user, tenant) failure records and its overflow token
 * buckets) lives in the same shard, so one lock covers a whole decision.
 */
#ifndef SW_SEC_SRCTABLE_INT_H
#define SW_SEC_SRCTABLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sec/srctable.h"

/* Token buckets held inside an address record (more rules: overflow). */
#define SEC_SRC_BUCKETS 7

/* Time units: entries keep 32-bit times relative to the table's base. */
#define SEC_TICKS_PER_MS 16u /* token-bucket clock: 1/16 ms */
/* A bucket's theoretical arrival time never runs further ahead of now. */
#define SEC_TAT_MAX_AHEAD_TICKS (6u * 3600u * 1000u * SEC_TICKS_PER_MS)
/* Longest detection window the entry layout supports. */
#define SEC_WINDOW_MAX_MS (3600u * 1000u)
/* An entry idle this long has its windows and buckets reset on next use. */
#define SEC_STALE_S (8u * 3600u)

enum sec_src_kind {
    SEC_SRC_FREE = 0,
    SEC_SRC_ADDR = 1,   /* one source address */
    SEC_SRC_USER = 2,   /* one (address, user, tenant) */
    SEC_SRC_BUCKET = 3, /* one (address, rate rule) past SEC_SRC_BUCKETS */
    SEC_SRC_NET64 = 4,  /* one IPv6 /64: offenders seen in it */
    SEC_SRC_KINDS = 5,
};

/* Entry flags (struct sec_src.flags). */
enum sec_src_flag {
    SEC_SRCF_DET_ACTIVE = 1u << 0, /* ADDR: detection window running */
};

/* The address record: packet rate, detection counters, buckets. */
struct sec_src_addr {
    uint32_t pkt_win_ms;     /* start of the current 1 s packet window */
    uint16_t pkt_cur;        /* packets in it (saturating) */
    uint16_t pkt_prev;       /* packets in the second before it */
    uint32_t det_start_ms;   /* start of the detection window */
    uint16_t auth_fails;     /* failed authentications counted to it */
    uint16_t users_failing;  /* distinct (user, tenant) failing in it */
    uint8_t chal_new;        /* challenges sent in this grace slot (sat.) */
    uint8_t chal_mid;        /* ... in the previous slot, unanswered */
    uint16_t chal_old;       /* older ones, unanswered: failed challenges */
    uint16_t chal_slot;      /* grace slot index (now_s / grace), mod 2^16 */
    uint8_t ua_score;        /* requests without User-Agent (saturating) */
    uint8_t rl_refused;      /* method-rate refusals (saturating) */
    uint32_t last_success_s; /* last successful auth, rel s + 1; 0 never */
    uint32_t ban_until_s;    /* end of the ban reported, rel s; 0 none */
    uint8_t ban_reason;      /* enum sec_reason of that ban */
    uint8_t rl_net;          /* network id the buckets belong to; 0 none */
    uint8_t rl_gen;          /* rule-set generation of the buckets */
    uint8_t spare;
    uint32_t tat[SEC_SRC_BUCKETS]; /* GCRA arrival times, ticks */
};

/* The (address, user, tenant) record. */
struct sec_src_user {
    uint64_t tag;             /* keyed hash of (tenant, user): key part */
    uint32_t win_ms;          /* address window the counts belong to */
    uint16_t fails;           /* failures in that window (saturating) */
    uint16_t counted;         /* of which counted to the address */
    uint32_t blocked_until_s; /* rel s; 0 not blocked */
};

/* An overflow token bucket. */
struct sec_src_bucket {
    uint64_t tag; /* (generation, network, rule): key part */
    uint32_t tat; /* GCRA arrival time, ticks */
};

#define SEC_NET64_SLOTS 8

/* The IPv6 /64 record. */
struct sec_src_net64 {
    uint32_t win_s;                 /* window start, rel s */
    uint8_t n;                      /* distinct offenders (saturating) */
    uint32_t seen[SEC_NET64_SLOTS]; /* hashes of the offending /128s */
};

/*
 * One entry: 96 bytes. 32 bytes of key, links and times, 64 of payload.
 * Links are 16-bit indices inside the shard (SRC_NIL ends a list).
 */
struct sec_src {
    uint8_t ip[16];        /* IP (IPv4 as ::ffff:a.b.c.d); /64 for NET64 */
    uint16_t next;         /* hash chain */
    uint16_t lru_prev;     /* towards most recently seen */
    uint16_t lru_next;     /* towards least recently seen */
    uint8_t kind;          /* enum sec_src_kind */
    uint8_t flags;         /* enum sec_src_flag */
    uint32_t first_seen_s; /* rel s */
    uint32_t last_seen_s;  /* rel s */
    union {
        struct sec_src_addr a;
        struct sec_src_user u;
        struct sec_src_bucket b;
        struct sec_src_net64 n;
    };
};

struct sec_shard;

/*
 * A locked shard and the time of the operation. Everything found through
 * it belongs to the IP it was taken for.
 */
struct sec_src_lock {
    struct sec_srctable *t;
    struct sec_shard *sh;
    uint64_t h;         /* keyed hash of the IP */
    uint8_t ip[16];     /* the IP */
    uint64_t now_ms;    /* caller's clock */
    uint32_t now_ms32;  /* ms since the table base, mod 2^32 */
    uint32_t now_s;     /* s since the table base */
    uint32_t now_ticks; /* 1/16 ms since the table base, mod 2^32 */
};

/* Lock the shard of 'ip' (16 bytes) for an operation at 'now_ms'. */
void sec_srctable_lock(struct sec_srctable *t, const uint8_t ip[16],
                       uint64_t now_ms, struct sec_src_lock *lk);

void sec_srctable_unlock(struct sec_src_lock *lk);

/*
 * Find the entry (kind, lock's IP, tag) under 'lk'; with 'create', make it
 * (evicting the least recently seen entry of the shard, never 'keep'). The
 * entry found or made becomes the most recently seen and its last_seen is
 * now; stale windows are reset first. NULL only without 'create' when
 * absent. The pointer is valid until the lock is released or the next
 * create through it that does not keep it.
 */
struct sec_src *sec_srctable_find(struct sec_src_lock *lk,
                                  enum sec_src_kind kind, uint64_t tag,
                                  bool create, const struct sec_src *keep);

/* Count one packet on an ADDR entry; returns the packets/s estimate. */
uint32_t sec_src_count_packet(const struct sec_src_lock *lk, struct sec_src *e);

/*
 * A bucket arrival time at or behind now reads as "bucket full": now.
 * Times run at most SEC_TAT_MAX_AHEAD_TICKS ahead, so anything further
 * "ahead" is a past time that wrapped.
 */
static inline uint32_t sec_tat_normalize(uint32_t tat, uint32_t now_ticks)
{
    uint32_t ahead = tat - now_ticks;
    return (ahead == 0 || ahead > SEC_TAT_MAX_AHEAD_TICKS) ? now_ticks : tat;
}

/* Keyed 64-bit hash (SipHash-1-3 under the table's secret key). */
uint64_t sec_srctable_hash(const struct sec_srctable *t, const void *p,
                           size_t n);

/* Absolute caller-clock milliseconds of an entry's relative seconds. */
uint64_t sec_srctable_abs_ms(const struct sec_srctable *t, uint32_t rel_s);

/*
 * Start a new detection window on an ADDR entry at the lock's time: its
 * counters restart from zero (chal_slot is left to the caller).
 */
void sec_src_det_restart(const struct sec_src_lock *lk, struct sec_src *e);

/* Fill a view from an ADDR entry (pps left to the caller). */
void sec_src_fill_view(const struct sec_src_lock *lk, const struct sec_src *e,
                       struct sec_src_view *out);

#endif
