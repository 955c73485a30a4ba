/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The persister: writes changed registrations from the in-memory location
 * table to the store in batches, loads them back at start, and drops
 * expired ones from both. Runs on the main thread with the main thread's
 * store handle; workers never write registrations themselves.
 */
#ifndef SW_DAEMON_PERSIST_H
#define SW_DAEMON_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "reg/location.h"

struct store;

struct sw_persist_stats {
    uint64_t n_flushes;
    uint64_t n_users_written;
    uint64_t n_bindings_written;
    uint64_t n_full_rewrites; /* extensions whose rows were all replaced */
    uint64_t n_errors;
};

struct sw_persist {
    struct reg_loc *loc; /* borrowed */
    struct store *st;    /* borrowed, main thread's handle */
    struct sw_persist_stats stats;
};

void sw_persist_init(struct sw_persist *p, struct reg_loc *loc,
                     struct store *st);

/* Load every unexpired binding from the store into the table. Returns the
 * number loaded or a negative errno. */
long sw_persist_restore(struct sw_persist *p, int64_t now_s);

/* Write every extension changed since the last flush, in one transaction.
 * On failure the changes are queued again. Returns 0 or negative errno. */
int sw_persist_flush(struct sw_persist *p, int64_t now_s);

/* Drop expired bindings from the table and the store. */
void sw_persist_purge(struct sw_persist *p, int64_t now_s);

/* "udp:203.0.113.9:5060" / "tls:[2001:db8::1]:5061" <-> struct reg_src */
int sw_src_format(const struct reg_src *src, char *dst, size_t cap);
int sw_src_parse(const char *s, struct reg_src *out);

#endif
