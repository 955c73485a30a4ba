/* SPDX-License-Identifier: Apache-2.0 */
/* The phone provisioning operations (prov.c), for ops.c's table. Never
 * included outside src/ops/. */
#ifndef SW_OPS_PROVOPS_H
#define SW_OPS_PROVOPS_H

#include "ops/ops_int.h"

/*
 * prov.enable  user (or ext + domain), [vendor generic (default) |
 *              yealink | polycom]
 *              -> user, vendor, token, path ("/prov/<token>/"), files[]
 *              A new SIP password is generated (tenant policy), set on
 *              the user and kept sealed for the phone's file; a new
 *              128-bit token names the directory. Only the token's hash
 *              is stored: this response is the only place it appears.
 *              Enabling again replaces the token and the password.
 * prov.rotate  user (or ext + domain), [vendor]  -> as prov.enable; the
 *              user must have provisioning (not_found otherwise).
 * prov.disable user (or ext + domain)            -> user
 * prov.list    [domain]                          -> provisioning[] of
 *              {user, domain, ext, name, vendor, created_at,
 *               last_fetch_ms, last_fetch_ip, fetch_count}
 */
ops_handler_fn ops_prov_enable;
ops_handler_fn ops_prov_rotate;
ops_handler_fn ops_prov_disable;
ops_handler_fn ops_prov_list;

#endif
