#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fraud watch (issue #4): extension 100 (international role) with
# `fraud set DOMAIN international 3600 2 3 --ext 100`, SIPp caller on
# 127.0.0.2, SIPp provider as ip trunk t1 (127.0.0.5:5080), extension 200
# registered on a SIPp phone (127.0.0.3:5070).
# - 1st international call answered; 2nd answered and event=fraud_warning;
# - 3rd reaches critical: 403 Reason suspended, event=fraud_suspend, the
#   extension shows in `suspend list`;
# - a national call then gets 403 suspended; an internal call to 200
#   still works;
# - `suspend lift 100@DOMAIN`: the national call goes through.
# - the warning and the suspension each reach a local webhook receiver
#   (lib/webhook_sink.py, started and stopped here by PID) as a "fraud"
#   alert with the extension, the metric and the level.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib_calls.sh"

SW_CALLER_IP=127.0.0.2
PHONE_IP=127.0.0.3
T1_IP=127.0.0.5
TP=5080
D=$SW_DOMAIN
INTL=0033123456789
NATIONAL=01632960123

# The alert receiver: a webhook on a free 127.0.0.1 port.
HOOK="$SW_E2E_DIR/hook"
mkfifo "$SW_E2E_DIR/hook.port" # its port, written once it listens
"$SW_PY" "$SW_E2E_ROOT/lib/webhook_sink.py" "$HOOK" "$SW_E2E_DIR/hook.port" \
    >"$SW_E2E_DIR/webhook_sink.log" 2>&1 &
track_pid "$!"
HOOK_PORT=$(timeout 10 cat "$SW_E2E_DIR/hook.port") ||
    fail "webhook receiver did not start"
conf_set alerts webhook_url "http://127.0.0.1:$HOOK_PORT/x"

# A fraud alert of LEVEL for 100 with METRIC must reach the receiver.
expect_fraud_alert() { # LEVEL
    timeout --kill-after=5 40 "$SW_PY" "$SW_E2E_ROOT/alerts/check.py" \
        wait-hook "$HOOK" 30 fraud level="$1" user=100 metric=international \
        >/dev/null || fail "no fraud alert of level $1 at the webhook"
    log "fraud alert ($1) delivered to the webhook"
}

sipp_compatible_digest
start_daemon
calls_tenant "$D"
calls_user 100 "$D" international
calls_user 200 "$D" standard
calls_register_phone 200 "$D" "$PHONE_IP" 5070
wait_reg_count 1 10 200
assert_ok "country allow 33" sw country allow "$D" 33
assert_ok "trunk t1" sw trunk add t1 --kind ip --host "$T1_IP" --port "$TP" \
    --networks "$T1_IP/32"
assert_ok "rule any" sw outbound add "$D" any --trunks t1
assert_ok "fraud rule" sw fraud set "$D" international 3600 2 3 --ext 100
# 100 makes 6 calls in a few seconds: keep the call rate limit out of it.
assert_ok "call rate of 100" sw limit set "$D" --ext 100 --calls 50 --period 1

suspensions() { # prints the number of active suspensions of 100@D
    local out
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" suspend list "$D" --json) \
        || fail "suspend list failed: $out"
    printf '%s' "$out" | "$SW_PY" -c '
import json, sys
rows = json.load(sys.stdin).get("suspensions", [])
def user(v):
    v = str(v or "")
    return (v[4:] if v.startswith("sip:") else v).split("@")[0]
print(sum(1 for r in rows if user(r.get("user")) == "100"
          and not r.get("lifted_at")))
'
}

log "fraud: 1st international call answered, no warning yet"
assert_eq "$(suspensions)" 0 "suspensions before the burst"
calls_provider t1-intl-1 "$T1_IP" "$TP" "$INTL"
calls_answered intl-1 100 "$D" "$INTL"
calls_wait_bg
assert_eq "$(calls_log_count event=fraud_warning)" 0 "fraud_warning after 1 call"

log "fraud: 2nd international call answered with a warning"
calls_provider t1-intl-2 "$T1_IP" "$TP" "$INTL"
calls_answered intl-2 100 "$D" "$INTL"
calls_wait_bg
calls_expect_log 1 event=fraud_warning
expect_fraud_alert warning
assert_eq "$(calls_log_count event=fraud_suspend)" 0 "fraud_suspend after 2 calls"

log "fraud: 3rd international call reaches critical: refused, suspended"
calls_refused intl-3 100 "$D" "$INTL" 403 suspended
calls_assert_refusal "$D" 100 suspended
calls_expect_log 1 event=fraud_suspend
expect_fraud_alert critical
assert_eq "$(suspensions)" 1 "active suspensions of 100 in suspend list"

log "suspended: external calls refused, internal calls still work"
calls_refused national-suspended 100 "$D" "$NATIONAL" 403 suspended
calls_assert_refusal "$D" 100 suspended
calls_phone ph-200 "$PHONE_IP" 5070 200
calls_answered internal 100 "$D" 200
calls_wait_bg

log "suspend lift restores outbound calling"
assert_ok "suspend lift" sw suspend lift "100@$D"
assert_eq "$(suspensions)" 0 "active suspensions after the lift"
calls_provider t1-national "$T1_IP" "$TP" "$NATIONAL"
calls_answered national-lifted 100 "$D" "$NATIONAL"
calls_wait_bg
calls_expect_cdr 2 "$D" caller=100 dialed="$INTL" result=answered trunk=t1 \
    class=international country_code=33
calls_expect_cdr 1 "$D" caller=100 dialed="$NATIONAL" result=answered \
    trunk=t1 class=national

stop_daemon
