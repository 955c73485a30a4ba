/* SPDX-License-Identifier: Apache-2.0 */
/* The alert.* operations (ops.h lists them). Never included outside
 * src/ops/. */
#ifndef SW_OPS_ALERTOPS_H
#define SW_OPS_ALERTOPS_H

#include "ops/ops_int.h"

ops_handler_fn ops_alert_test;
ops_handler_fn ops_alert_status;

#endif
