/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enumeration detector of the provisioning directories: misses (an
 * unknown or malformed token) counted per source address in a fixed
 * window; the Nth miss within the window says "ban". The table has a fixed
 * number of slots chosen at init; when it is full the source seen least
 * recently is forgotten, so a scan from many addresses costs bounded
 * memory. Not thread-safe: one owner (the HTTP thread).
 */
#ifndef SW_PROV_GUESS_H
#define SW_PROV_GUESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROV_GUESS_KEY_MAX 16 /* bytes of a source key (an IPv6 address) */

struct prov_guess_slot {
    unsigned char key[PROV_GUESS_KEY_MAX];
    uint8_t key_len;   /* 0: free slot */
    uint32_t count;    /* misses in the current window */
    uint64_t first_ms; /* start of the current window */
    uint64_t last_ms;  /* latest miss (eviction order) */
};

struct prov_guess {
    struct prov_guess_slot *slots; /* owned */
    size_t cap;
    uint32_t max;       /* misses in the window that ban (>= 1) */
    uint64_t window_ms; /* window length (>= 1) */
    uint64_t evicted;   /* sources forgotten to make room */
};

#define PROV_GUESS_DEFAULT_SLOTS 4096

/*
 * Prepare a table of 'cap' slots (1..1<<20) banning at 'max' misses
 * within 'window_ms'. Returns 0, -EINVAL or -ENOMEM.
 */
int prov_guess_init(struct prov_guess *g, size_t cap, uint32_t max,
                    uint64_t window_ms);
void prov_guess_fini(struct prov_guess *g);

/*
 * Count one miss of source 'key' (1..PROV_GUESS_KEY_MAX bytes) at 'now_ms'.
 * A window starts at a source's first miss and lasts window_ms; a miss
 * after it starts a new one. Returns the misses in the current window
 * (>= 1), and sets *ban when that count reached 'max': the slot is then
 * cleared (the ban takes over). Returns -EINVAL for a bad key.
 */
int prov_guess_miss(struct prov_guess *g, const void *key, size_t key_len,
                    uint64_t now_ms, bool *ban);

/* Misses of 'key' in its window at 'now_ms' (0 when unknown or expired). */
uint32_t prov_guess_count(const struct prov_guess *g, const void *key,
                          size_t key_len, uint64_t now_ms);

#endif
