/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Is the service firewall loaded? In this process with libnftables (the
 * CLI as root). The daemon, which has dropped CAP_NET_ADMIN, asks its
 * helper instead (fw_svc_probe() in client.c). What a missing table
 * means is the caller's (the audit checklist).
 */
#include <errno.h>
#include <stdio.h>

#include "fw/fw.h"
#include "fw/fw_int.h"

int fw_svc_loaded(const char *table, char *err, size_t cap)
{
    char script[64];
    int n;
    int rc;

    if (cap > 0) {
        err[0] = '\0';
    }
    if (table == NULL || !fw_table_name_ok(table)) {
        snprintf(err, cap, "no valid service table name");
        return -EINVAL;
    }
    n = snprintf(script, sizeof(script), "list table inet %s\n", table);
    if (n < 0 || (size_t)n >= sizeof(script)) {
        return -EINVAL;
    }
    rc = fw_nft_local(script, false, NULL, err, cap);
    if (rc == 0) {
        return 1;
    }
    return rc == -ENOENT ? 0 : rc;
}
