#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every REST resource with every role, from one table (check.py): create,
# read, update, delete and validation errors as the system administrator,
# the permission matrix (tenant administrators of the same and of another
# tenant, a user-role account, no credentials, a cookie session without
# its CSRF token), the tenant-scoped resources again as their tenant's
# administrator, and a coverage check against /api/v1/openapi.json so a
# route added without a test fails here. Two registrations and two refused
# calls give the registrations and CDR resources something to show, and a
# fraud rule critical at one call a real suspension to lift.
source "$SW_E2E_ROOT/lib.sh"

conf_set http listen 127.0.0.1:8887
start_daemon
t0=$(date +%s%N)
# Every check's line goes to check.out (kept on failure with SW_E2E_KEEP=1).
out=$(timeout --kill-after=5 120 "$SW_PY" "$SW_CASE_DIR/check.py" 2>&1 | tee "$SW_E2E_DIR/check.out") ||
    fail "API table: $(printf '%s' "$out" | tail -n 15)"
t1=$(date +%s%N)
log "$(printf '%s' "$out" | tail -n 1) in $(((t1 - t0) / 1000000)) ms"
stop_daemon
