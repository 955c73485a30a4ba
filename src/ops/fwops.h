/* SPDX-License-Identifier: Apache-2.0 */
/* The temporary SSH operations (fwops.c), for ops.c's table. Never
 * included outside src/ops/. */
#ifndef SW_OPS_FWOPS_H
#define SW_OPS_FWOPS_H

#include "ops/ops_int.h"

/* Settings keys of grants: this prefix + the network, ':' as 'x' and '/'
 * as '_' ("ssh.grant.10.77.0.2_32"). */
#define OPS_SSH_GRANT_PREFIX "ssh.grant."

ops_handler_fn ops_ssh_open;
ops_handler_fn ops_ssh_close;
ops_handler_fn ops_ssh_list;

#endif
