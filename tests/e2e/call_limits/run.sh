#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Call limits (issue #4): SIPp callers on 127.0.0.2 / 127.0.0.12, SIPp
# providers as ip trunks t1 (127.0.0.5:5080) and shared (127.0.0.7:5080,
# global --max-calls 2, tenant limit 1 for example.com).
# - call rate: 6 calls within one second from extension 100 (default 5
#   per second): exactly one 503 with Retry-After and Reason call_rate,
#   five answered;
# - concurrency: 101 limited to 1 concurrent call: while its first call is
#   up, a second gets 486 concurrent_calls; after it ends, 101 calls again;
# - trunk limits: example.com's call holds shared at its tenant limit, the
#   next example.com call gets 503 trunk_limit while other.com's call goes
#   through on the same trunk (global limit 2); a second other.com call
#   then gets 503 trunk_limit (global limit); once both end, example.com
#   calls again.
# Held calls stay up until the test releases them (lib_calls.sh
# calls_hold/calls_release); every refusal is checked in the CDRs and as
# an event=call_refused line.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib_calls.sh"

SW_CALLER_IP=127.0.0.2
CALLER2_IP=127.0.0.12
T1_IP=127.0.0.5
SH_IP=127.0.0.7
TP=5080
D=$SW_DOMAIN
D2=other.com

sipp_compatible_digest
start_daemon
calls_tenant "$D"
calls_tenant "$D2"
for ext in 100 101 104 105; do
    calls_user "$ext" "$D" international
done
for ext in 100 101; do
    calls_user "$ext" "$D2" international
done
assert_ok "trunk t1" sw trunk add t1 --kind ip --host "$T1_IP" --port "$TP" \
    --networks "$T1_IP/32"
assert_ok "trunk shared" sw trunk add shared --kind ip --host "$SH_IP" \
    --port "$TP" --networks "$SH_IP/32" --max-calls 2
assert_ok "trunk limit" sw trunk limit set shared "$D" 1
assert_ok "rule via-shared" sw outbound add "$D" via-shared --trunks shared \
    --prefix 01
assert_ok "rule any" sw outbound add "$D" any --trunks t1
assert_ok "rule any ($D2)" sw outbound add "$D2" any --trunks shared

log "call rate: 6 calls in one second from 100, one 503 call_rate"
calls_provider t1-burst "$T1_IP" "$TP" 02079460000 5
csv=$(calls_caller_csv 100 "$D" 02079460000)
calls_sipp burst "$SW_CALLER_IP" "$SW_CASE_DIR/uac_burst.xml" -inf "$csv" \
    -m 6 -r 100 -l 6
n503=$(grep -c '^SIP/2.0 503' "$SW_E2E_DIR/sipp-burst.msg" || true)
if [ "$n503" != 1 ]; then
    calls_sipp_dump burst
    fail "burst of 6 calls: expected exactly one 503, got $n503"
fi
calls_wait_bg
calls_expect_cdr 5 "$D" caller=100 result=answered trunk=t1
calls_assert_refusal "$D" 100 call_rate

log "concurrency: 101 may have 1 call"
assert_ok "limit 101" sw limit set "$D" --ext 101 --max-concurrent 1
calls_provider t1-conc "$T1_IP" "$TP" 02079460001
calls_hold conc-1 101 "$D" 02079460001 "$SW_CALLER_IP" 5091
calls_refused conc-2 101 "$D" 02079460002 486 concurrent_calls
calls_assert_refusal "$D" 101 concurrent_calls
calls_release conc-1
calls_wait_bg
calls_provider t1-conc-after "$T1_IP" "$TP" 02079460003
calls_answered conc-after 101 "$D" 02079460003
calls_wait_bg
calls_expect_cdr 2 "$D" caller=101 result=answered trunk=t1

log "trunk limits: tenant limit 1 of 2 on shared"
calls_provider shared-2 "$SH_IP" "$TP" 01632960123 2
calls_hold a1 104 "$D" 01632960123 "$SW_CALLER_IP" 5092
calls_refused a2 105 "$D" 01632960123 503 trunk_limit
calls_assert_refusal "$D" 105 trunk_limit
calls_hold b1 100 "$D2" 01632960123 "$CALLER2_IP" 5093
calls_refused b2 101 "$D2" 01632960123 503 trunk_limit
calls_assert_refusal "$D2" 101 trunk_limit
calls_release a1
calls_release b1
calls_wait_bg
calls_expect_cdr 1 "$D" caller=104 result=answered trunk=shared
calls_expect_cdr 1 "$D2" caller=100 result=answered trunk=shared
calls_provider shared-after "$SH_IP" "$TP" 01632960123
calls_answered a2-after 105 "$D" 01632960123
calls_wait_bg
calls_expect_cdr 1 "$D" caller=105 result=answered trunk=shared

stop_daemon
