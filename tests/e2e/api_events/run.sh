#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The security event log and the dashboard through the REST API, with
# real events: a REGISTER with a scanner User-Agent (friendly-scanner)
# from 127.0.0.21, which a test .mmdb maps to CN, and two failed portal
# sign-ins from 127.0.0.22. check.py reads /security-events (filters,
# paging, newest first), /dashboard (registrations, bans, attacks per
# hour, top addresses and countries), both exports (CSV with its header,
# JSON) and the tenant administrator's refusals and audit export of their
# tenant only. The CLI lists the same events through the daemon, and the
# events are still there after a restart.
source "$SW_E2E_ROOT/lib.sh"

SCANNER=127.0.0.21
BAD_LOGIN=127.0.0.22
DB="$SW_E2E_DIR/geo.mmdb"
MKDB="$SW_E2E_ROOT/../tools/make_mmdb.pl"

[ -f "$MKDB" ] || fail "$MKDB missing"
assert_ok "make_mmdb.pl" perl "$MKDB" "$DB" "$SCANNER/32=CN"
conf_set http listen 127.0.0.1:8887
make_users 1 100
# Offline, before the start: the daemon's event writer opens it at once.
assert_ok "security set geoip_db" sw security set geoip_db "$DB"
assert_ok "security set event_log_max_rows" \
    sw security set event_log_max_rows 5000
shown=$(sw security show)
assert_contains "$shown" "event_log_max_days" "security show"
start_daemon

out=$(timeout --kill-after=5 120 "$SW_PY" "$SW_CASE_DIR/check.py" \
    "$SW_E2E_DIR/users.txt" "$SCANNER" "$BAD_LOGIN" 2>&1) ||
    fail "event checks: $(printf '%s' "$out" | tail -n 15)"
log "$(printf '%s' "$out" | tail -n 1)"

# The CLI through the control socket: the same events.
list=$(sw events list --address "$SCANNER" --json)
assert_contains "$list" '"kind": "ua_match"' "events list --address"
assert_contains "$list" '"country": "CN"' "events list country"
list=$(sw events list --kind login_failure)
assert_contains "$list" "$BAD_LOGIN" "events list --kind login_failure"
stats=$(sw stats --json)
assert_contains "$stats" '"event_log"' "stats event_log"

# Events are kept across a restart (and read offline).
stop_daemon
list=$(sw events list --kind ua_match)
assert_contains "$list" "$SCANNER" "events list offline after stop"
start_daemon
list=$(sw events list --address "$BAD_LOGIN")
assert_contains "$list" "login_failure" "events list after restart"
stop_daemon
