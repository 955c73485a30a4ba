#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Outbound routing and permissions (issue #4): SIPp callers on 127.0.0.2
# (extensions of example.com, profile 44/0/00/UTC), SIPp providers as ip
# trunks t1 (127.0.0.5:5080) and t2 (127.0.0.6:5080) that check the
# Request-URI they receive. Each extension makes at most 3 calls so the
# default call rate (5 per second) never interferes.
# - standard user 100: national and international refused (403
#   role_internal_only), emergency 112 reaches t2 unchanged;
# - international user 101: 0033... reaches t1 as +33... (strip 2,
#   prepend +), a disallowed prefix (3389) and a not-allowed country (49)
#   are refused (403 disallowed_prefix, country_not_allowed);
# - 102: t1 answers 503, the call fails over to t2;
# - 104: an unassigned country code (999) gets 403 invalid_number, a
#   national number no rule matches 403 no_outbound_rule;
# - 103: an --office-hours rule (t1) before a plain rule (t2): open hours
#   -> t1, holidays around today -> t2, only the office-hours rule left ->
#   403 outside_office_hours;
# every refusal leaves a CDR (refused, reason) and an event=call_refused
# line; answered calls leave CDRs with trunk, class and country.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib_calls.sh"

SW_CALLER_IP=127.0.0.2
T1_IP=127.0.0.5
T2_IP=127.0.0.6
TP=5080
D=$SW_DOMAIN

sipp_compatible_digest
start_daemon
calls_tenant "$D"
calls_user 100 "$D" standard
for ext in 101 102 103 104; do
    calls_user "$ext" "$D" international
done
# `tenant profile set` seeds the country's usual emergency numbers (44:
# 999 and 112): add 112 only if it is not there yet.
if ! sw emergency list "$D" --json | grep -q '"112"'; then
    assert_ok "emergency add" sw emergency add "$D" 112
fi
assert_contains "$(sw emergency list "$D" --json)" '"112"' "emergency list"
assert_ok "country allow 33" sw country allow "$D" 33
assert_ok "prefix block 3389" sw prefix block "$D" 3389
assert_ok "trunk t1" sw trunk add t1 --kind ip --host "$T1_IP" --port "$TP" \
    --networks "$T1_IP/32"
assert_ok "trunk t2" sw trunk add t2 --kind ip --host "$T2_IP" --port "$TP" \
    --networks "$T2_IP/32"
assert_ok "rule fr" sw outbound add "$D" fr --trunks t1 --prefix 0033 \
    --strip 2 --prepend +
assert_ok "rule london-day" sw outbound add "$D" london-day --trunks t1 \
    --prefix 020 --office-hours
assert_ok "rule london" sw outbound add "$D" london --trunks t2 --prefix 020
assert_ok "rule national" sw outbound add "$D" national --trunks t1,t2 \
    --prefix 01
# No catch-all rule: the office-hours case needs london-day to be the only
# rule matching 020... once london is removed.
assert_ok "rule emergency" sw outbound add "$D" emergency --trunks t2 \
    --prefix 112
sw outbound list "$D" >"$SW_E2E_DIR/outbound.txt" 2>&1 || true

log "standard user: national and international refused, emergency allowed"
calls_refused std-national 100 "$D" 01632960123 403 role_internal_only
calls_assert_refusal "$D" 100 role_internal_only
calls_refused std-intl 100 "$D" 0033123456789 403 role_internal_only
calls_assert_refusal "$D" 100 role_internal_only
calls_provider t2-emergency "$T2_IP" "$TP" 112
calls_answered std-emergency 100 "$D" 112
calls_wait_bg
calls_expect_cdr 1 "$D" caller=100 dialed=112 result=answered trunk=t2 \
    class=emergency

log "international user: allowed country (strip/prepend), refusals"
calls_provider t1-fr "$T1_IP" "$TP" +33123456789
calls_answered intl-fr 101 "$D" 0033123456789
calls_wait_bg
calls_expect_cdr 1 "$D" caller=101 dialed=0033123456789 result=answered \
    trunk=t1 class=international country_code=33
calls_refused intl-premium 101 "$D" 0033899123456 403 disallowed_prefix
calls_assert_refusal "$D" 101 disallowed_prefix
calls_refused intl-de 101 "$D" 0049301234567 403 country_not_allowed
calls_assert_refusal "$D" 101 country_not_allowed

log "failover: t1 answers 503, t2 answers"
calls_provider_fail t1-503 "$T1_IP" "$TP" 01632960123 503
calls_provider t2-failover "$T2_IP" "$TP" 01632960123
calls_answered failover 102 "$D" 01632960123
calls_wait_bg
calls_expect_cdr 1 "$D" caller=102 dialed=01632960123 result=answered \
    trunk=t2 class=national country_code=44

log "an invalid number and a number no rule matches"
calls_refused invalid 104 "$D" 00999123456 403 invalid_number
calls_assert_refusal "$D" 104 invalid_number
calls_refused no-rule 104 "$D" 03001234567 403 no_outbound_rule
calls_assert_refusal "$D" 104 no_outbound_rule

log "office hours: open -> t1 (office-hours rule), closed -> t2"
for day in mon tue wed thu fri sat sun; do
    assert_ok "hours $day" sw hours set "$D" "$day" 00:00-24:00
done
calls_provider t1-open "$T1_IP" "$TP" 02079460000
calls_answered hours-open 103 "$D" 02079460000
calls_wait_bg
calls_expect_cdr 1 "$D" caller=103 dialed=02079460000 result=answered trunk=t1
for off in -1 0 1; do
    day=$(date -u -d "$off day" +%F)
    assert_ok "holiday $day" sw holiday add "$D" "$day"
done
calls_provider t2-closed "$T2_IP" "$TP" 02079460000
calls_answered hours-closed 103 "$D" 02079460000
calls_wait_bg
calls_expect_cdr 1 "$D" caller=103 dialed=02079460000 result=answered trunk=t2
assert_ok "outbound rm london" sw outbound rm "$D" london
calls_refused hours-only 103 "$D" 02079460000 403 outside_office_hours
calls_assert_refusal "$D" 103 outside_office_hours

stop_daemon
