/* SPDX-License-Identifier: Apache-2.0 */
/* The audit checklist operation (auditops.c), for ops.c's table. Never
 * included outside src/ops/. */
#ifndef SW_OPS_AUDITOPS_H
#define SW_OPS_AUDITOPS_H

#include "ops/ops_int.h"

ops_handler_fn ops_audit_run;

#endif
