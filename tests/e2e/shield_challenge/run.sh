#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Unanswered challenges ban, answered ones never do
# (challenge_fail_threshold 5, challenge_grace_s 1):
# - SIPp from 127.0.0.2 sends 40 INVITEs without credentials (10/s), takes
#   each 407 (with Proxy-Authenticate), ACKs it and never answers it: the
#   address is banned with reason challenge_failures (ban why: threshold 5,
#   method INVITE), logged as event=ban, and its later INVITEs get nothing;
# - meanwhile SIPp from 127.0.0.3 registers 300 times with digest auth
#   (each 401 answered): every registration succeeds, and after the
#   attacker's ban (its challenges outlived the grace) 20 more from
#   127.0.0.3 succeed too, with no ban and no challenge_failure event for
#   127.0.0.3.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib/shield_lib.sh"

sipp_compatible_digest
start_daemon
make_users 100 1000
sec_set challenge_fail_threshold 5 challenge_grace_s 1 \
    detection_period_s 60 sip_blacklist_s 3600
assert_eq "$(sec_get challenge_fail_threshold)" 5 "challenge_fail_threshold"

legit() { # NAME COUNT
    shield_sipp "$1" 127.0.0.3 "$SW_E2E_ROOT/scenarios/register_auth.xml" \
        -inf "$SW_E2E_DIR/users.csv" -m "$2" -r 100 -l 100 \
        -recv_timeout 10000 -timeout_error
}

legit legit-1 300 &
legit_pid=$!
track_pid "$legit_pid"
probe_rc=0
shield_sipp probe 127.0.0.2 "$SW_CASE_DIR/invite_unanswered.xml" \
    -key domain "$SW_DOMAIN" -m 40 -r 10 -l 40 || probe_rc=$?
legit_rc=0
wait "$legit_pid" || legit_rc=$?

assert_eq "$legit_rc" 0 "SIPp exit status of the 300 registrations"
assert_eq "$(sipp_stat legit-1 SuccessfulCall)" 300 \
    "successful registrations from 127.0.0.3"
assert_eq "$(sipp_stat legit-1 FailedCall)" 0 \
    "failed registrations from 127.0.0.3"

# The attacker got challenges first, then silence once banned.
ok=$(sipp_stat probe SuccessfulCall)
failed=$(sipp_stat probe FailedCall)
assert_ge "$ok" 5 "INVITEs of 127.0.0.2 answered with 407 before the ban"
assert_ge "$failed" 1 "INVITEs of 127.0.0.2 unanswered after the ban"
[ "$probe_rc" -ne 0 ] || fail "SIPp probe exited 0 although calls failed"
# Failures are silence only: no other answer than the 407.
assert_eq "$(sipp_stat probe FailedUnexpectedMessage)" 0 \
    "INVITEs of 127.0.0.2 answered otherwise than 407 (see $SW_E2E_DIR/sipp-probe.err)"
assert_eq "$(sipp_stat probe FailedTimeoutOnRecv)" "$failed" \
    "failed INVITEs of 127.0.0.2 that got no answer at all"

wait_ban_reason 127.0.0.2 challenge_failures 10
why=$(assert_ban_why 127.0.0.2 challenge_failures)
assert_eq "$(why_field "$why" threshold)" 5 "ban why 127.0.0.2: threshold"
assert_ge "$(why_field "$why" count)" 5 "ban why 127.0.0.2: count"
assert_eq "$(why_field "$why" method)" INVITE "ban why 127.0.0.2: method"
wait_event 5 ban src=127.0.0.2 reason=challenge_failures
log "probe: $ok challenged, $failed unanswered; 127.0.0.2 banned"

# The attacker's challenges have outlived the grace: so have the honest
# client's. More honest registrations, then no ban for it.
legit legit-2 20 || fail "registrations from 127.0.0.3 after the ban failed"
assert_eq "$(sipp_stat legit-2 SuccessfulCall)" 20 \
    "successful registrations from 127.0.0.3 after the attacker's ban"
assert_eq "$(ban_count 127.0.0.3)" 0 "bans on 127.0.0.3"
assert_eq "$(event_count challenge_failure src=127.0.0.3)" 0 \
    "challenge_failure events of 127.0.0.3"
assert_eq "$(event_count ban src=127.0.0.3)" 0 "ban events of 127.0.0.3"
assert_eq "$(reg_count)" 100 "bindings of the 100 honest users"

stop_daemon
