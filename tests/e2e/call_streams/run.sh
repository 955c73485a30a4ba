#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Calls over TCP and TLS: a caller on one transport reaches a callee
# registered on another, through the proxy (double Record-Route, RFC
# 5658), and the ACK and BYE follow the route set to the callee's own
# connection. Clients are real sockets (tests/e2e/lib/sipclient.py):
# TLS caller -> TCP callee, UDP caller -> TLS callee, TCP -> TCP.
source "$SW_E2E_ROOT/lib.sh"

start_daemon
make_users 1 100
for ext in 200 201 202; do
    user_password_var "$ext" pw
    assert_ok "user add $ext" timeout 10 "$SW_BIN" -c "$SW_CONF" user add \
        "$ext@$SW_DOMAIN" --sip-password "$pw"
done
user_password_var 100 pw100

run_call() { # CALLER_TRANSPORT CALLEE_TRANSPORT CALLEE
    local out rc=0 pw
    user_password_var "$3" pw
    out=$(timeout --kill-after=5 40 "$SW_PY" "$SW_CASE_DIR/calls.py" "$1" \
        "$2" --domain "$SW_DOMAIN" --caller "100:$pw100" --callee "$3:$pw" \
        2>&1) || rc=$?
    [ "$rc" -eq 0 ] || fail "call $1 -> $2 failed: $out"
    log "$out"
    printf '%s' "$out"
}

out=$(run_call tls tcp 200)
assert_contains "$out" "transport=tcp;lr" "Record-Route toward the TCP callee"
assert_contains "$out" "transport=tls;lr" "Record-Route toward the TLS caller"
out=$(run_call udp tls 201)
assert_contains "$out" "transport=tls;lr" "Record-Route toward the TLS callee"
out=$(run_call tcp tcp 202)
assert_contains "$out" "transport=tcp;lr" "single Record-Route over TCP"

stop_daemon
