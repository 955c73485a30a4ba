#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The REST API over HTTPS: security headers, first sign-in with forced
# password change (each administrator rule refused), CSRF, CRUD and
# validation errors, list paging/sorting/filtering, API tokens, role
# refusals (tenant administrator, user), audit log, OpenAPI, logout, and
# the web login protection (blocked address banned in the shield).
source "$SW_E2E_ROOT/lib.sh"

conf_set http listen 127.0.0.1:8887
start_daemon
out=$(timeout --kill-after=5 120 "$SW_PY" "$SW_CASE_DIR/check.py" 2>&1) ||
    fail "API checks: $(printf '%s' "$out" | tail -n 15)"
log "$(printf '%s' "$out" | tail -n 1)"

# The blocked address is in the ban list with its reason.
bans=$(sw ban list --json)
assert_contains "$bans" "127.0.0.7" "web login ban"
assert_contains "$bans" "web_login" "ban reason"
stop_daemon
