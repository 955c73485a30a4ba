#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Admin plane access over HTTPS: admin settings (ranges, audit of old and
# new values, roles, lock-out guard, a CLI change reaching the running
# daemon), a tenant's password policy on its portal accounts, allowed
# administrator networks (clients bound to 127.0.0.1 / 127.0.0.5), support
# links (tenant-bound, revoked, expired), session idle and absolute
# timeouts and required 2FA with TOTP. Expiry is tested without waiting:
# the daemon is restarted with [http] clock_offset_s ahead (sessions and
# links live in the database, so they survive the restarts).
source "$SW_E2E_ROOT/lib.sh"

STATE="$SW_E2E_DIR/admin_access.json"

# Run check.py PHASE with the daemon's current clock offset.
phase() { # PHASE OFFSET_S
    local out
    out=$(timeout --kill-after=5 120 "$SW_PY" "$SW_CASE_DIR/check.py" \
        "$1" "$STATE" "$2" 2>&1) ||
        fail "phase $1: $(printf '%s' "$out" | tail -n 15)"
    log "$(printf '%s' "$out" | tail -n 1)"
}

# Restart the daemon with the admin plane's clock OFFSET_S ahead.
restart_at() { # OFFSET_S
    stop_daemon
    conf_set http clock_offset_s "$1"
    start_daemon
}

conf_set http listen 127.0.0.1:8887
start_daemon
phase setup 0

# The CLI works on the database; the running daemon picks the change up.
out=$(sw admin-settings set login_max_failures 7) ||
    fail "admin-settings set: $out"
assert_contains "$out" "login_max_failures = 7 (was 5)" "admin-settings set"
out=$(sw admin-settings set session_idle_s 5 2>&1) &&
    fail "admin-settings accepted session_idle_s 5"
assert_contains "$out" "session_idle_s must be 60..86400" "CLI range error"
phase cli 0
out=$(sw admin-settings show)
assert_contains "$out" "login_max_failures  7" "admin-settings show"

restart_at 300
phase idle_ok 300
restart_at 1000
phase idle_gone 1000
restart_at 4000
phase abs_ok 4000
restart_at 7200
phase final 7200
stop_daemon
