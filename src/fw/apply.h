/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading the nftables rendering of the service firewall (render.h) in
 * this process: check it as `nft -c` does, save the table it replaces,
 * replace it in one transaction, and roll back to what was saved. Needs
 * CAP_NET_ADMIN (the CLI as root), never the daemon's helper: the ban
 * table is not touched. Auditing is the caller's.
 */
#ifndef SW_FW_APPLY_H
#define SW_FW_APPLY_H

#include <stdbool.h>
#include <stddef.h>

/* Name of the save file in the data directory. */
#define FW_SAVE_FILE "firewall.saved.nft"
/* Largest table listing saved (meter sets can hold many elements). */
#define FW_SAVE_MAX (64u << 20)

/* What fw_svc_apply() did. */
struct fw_apply_info {
    bool had_table;     /* the table existed before (and was saved) */
    size_t saved_bytes; /* size of the save file */
};

/*
 * Validate the nft script 'script' in the kernel without committing it
 * (`nft -c -f`). Returns 0, or -errno with nft's first error line in err
 * (cap bytes); -EPERM without CAP_NET_ADMIN.
 */
int fw_nft_check(const char *script, char *err, size_t cap);

/*
 * Replace table inet 'table' with 'script' (an fw_svc_render() nftables
 * rendering for that table, which replaces it atomically): check it,
 * save the current table (or the fact that there is none) to 'save_path'
 * (mode 0600, written to a temporary file and renamed), then load it in
 * one transaction. With 'dry_run' only the check runs. Returns 0 with
 * *info filled (may be NULL), or -errno with err (cap bytes) naming the
 * step: "check: ...", "save PATH: ...", "load: ..."; a failed load
 * changes nothing in the kernel.
 */
int fw_svc_apply(const char *table, const char *script, const char *save_path,
                 bool dry_run, struct fw_apply_info *info, char *err,
                 size_t cap);

/*
 * Restore what fw_svc_apply() saved in 'save_path' for 'table': the saved
 * table in one transaction, or no table when there was none; then remove
 * the save file. The saved table's SSH grant sets (ssh_allow4/6, if it
 * has them) are not taken from the file but set to 'grants' (n_grants,
 * NULL when 0): a grant closed since the save must not come back.
 * Returns 0 (*had_table says which, may be NULL), -ENOENT (nothing
 * saved), -EINVAL (not a save file of this table, or a bad grant), or
 * -errno with err (cap bytes).
 */
struct fw_grant;
int fw_svc_rollback(const char *table, const char *save_path,
                    const struct fw_grant *grants, size_t n_grants,
                    bool *had_table, char *err, size_t cap);

#endif
