#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# GET /metrics in the Prometheus text format, with known traffic: SIPp
# registers 4 extensions with the right password and 4 with a wrong one,
# one call is answered and one refused (SIPp phones, lib_calls.sh), then
# check.py sends an OPTIONS, a request with a bad CSeq (400) and a
# scanner OPTIONS (friendly-scanner) from 127.0.0.5, which gets banned. The
# text fetched with curl from 127.0.0.1 (allowed without credentials) must
# parse with prometheus_client's text parser, the counters must match the
# traffic, one ban must be active and every histogram must be sound. From
# 127.0.0.6 (not in [metrics] allow; not the banned address, whose packets
# the kernel may drop): no token -> 403, a system administrator's API
# token -> 200, a tenant administrator's -> 403, a bad token -> 401. The
# plain listener serves it too, and a bad [metrics] allow stops the start.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib_calls.sh"

SW_CALLER_IP=127.0.0.2

sipp_compatible_digest
conf_set http listen 127.0.0.1:8887
conf_set http plain_listen 127.0.0.1:8888
conf_set metrics allow "127.0.0.1/32, ::1/128"
start_daemon
make_users 4

run_sipp register-ok "$SW_E2E_ROOT/scenarios/register_auth.xml" u1 \
    "$SW_UDP_PORT" -inf "$SW_E2E_DIR/users.csv" -m 4 -r 10 \
    -recv_timeout 5000
assert_eq "$(reg_count)" 4 "bindings after the registrations"

bad="$SW_E2E_DIR/wrong.csv"
{
    echo SEQUENTIAL
    for ext in 1000 1001 1002 1003; do
        printf '%s;[authentication username=%s password=Wrong-%s];%s\n' \
            "$ext" "$ext" "$ext" "$SW_DOMAIN"
    done
} >"$bad"
run_sipp register-wrong "$SW_E2E_ROOT/auth_refusals/register_wrong_password.xml" \
    u1 "$SW_UDP_PORT" -inf "$bad" -m 4 -r 10 -recv_timeout 5000

# Two calls in a tenant of their own: 100 calls 200 (answered), then a
# national number it may not call (refused 403).
D=calls.test
calls_tenant "$D"
calls_user 100 "$D" standard
calls_user 200 "$D" standard
calls_register_phone 200 "$D" 127.0.0.3 5070
wait_reg_count 5 10
calls_phone phone-200 127.0.0.3 5070 200
calls_answered internal 100 "$D" 200
calls_wait_bg
calls_refused national 100 "$D" 01632960123 403 role_internal_only

out=$(timeout --kill-after=5 120 "$SW_PY" "$SW_CASE_DIR/check.py" \
    "$SW_DOMAIN" 2>&1) ||
    fail "metrics checks: $(printf '%s' "$out" | tail -n 20)"
log "$(printf '%s' "$out" | tail -n 1)"

# The plain listener serves it too (same access rules).
code=$(curl -s -o "$SW_E2E_DIR/plain.txt" -w '%{http_code}' -A sipwarden-e2e \
    --max-time 10 http://127.0.0.1:8888/metrics) || fail "curl plain: $code"
assert_eq "$code" 200 "/metrics on the plain listener"
assert_contains "$(cat "$SW_E2E_DIR/plain.txt")" \
    "# TYPE sipwarden_registrations_active gauge" "plain /metrics text"

# A bad [metrics] allow stops the daemon at start with the reason.
stop_daemon
conf_set metrics allow "10.0.0.0/33"
out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" serve 2>&1 || true)
assert_contains "$out" "10.0.0.0/33" "bad [metrics] allow refused"
