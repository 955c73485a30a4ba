/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shield's settings as the store holds them, for the daemon's start
 * and reload: defaults overlaid with the stored values. The JSON
 * operations themselves are reached through ops_exec (ops.h).
 */
#ifndef SW_OPS_SECURITY_H
#define SW_OPS_SECURITY_H

#include <stddef.h>

struct sec_settings;
struct store;

/*
 * Fill 'out' with the defaults, then apply every stored setting with
 * sec_settings_set(). A stored row that is refused (unknown key, value
 * out of range: only possible if the database was edited by hand or
 * written by another version) is skipped, keeping that key's default.
 * Returns 0 when every row applied; -EINVAL when one was skipped, with the
 * first one named in 'err' ('out' is complete and valid anyway); -EIO
 * (store failure, message in 'err'; 'out' holds the defaults). 'err' may
 * be NULL / 0. Runs on the thread that owns 'st'.
 */
int ops_security_settings_load(struct store *st, struct sec_settings *out,
                               char *err, size_t err_cap);

#endif
