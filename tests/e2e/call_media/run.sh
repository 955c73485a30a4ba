#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The media policy on real offers (SIPp as the caller, extension 100 over
# UDP from 127.0.0.2, calling extension 202 which has no registration, so
# an offer the policy lets through ends in 480 at routing):
# - tenant policy "optional": plain RTP/AVP passes (480);
# - SDES keys (a=crypto) over UDP are refused whatever the policy: 488
#   with Reason text "sdes_in_clear" and a Warning;
# - tenant policy "always": plain RTP is refused (488 "media_unencrypted"),
#   DTLS-SRTP (UDP/TLS/RTP/SAVPF with a fingerprint) passes (480);
# - an emergency call with plain RTP still goes through under "always"
#   (it reaches the trunk, where a SIPp provider answers 503);
# - a late offer (INVITE without SDP) to extension 201 (a SIPp phone on
#   127.0.0.3 answering with plain RTP) is answered under "optional"; under
#   "always" the phone's 2xx is ACKed and ended with a BYE by the proxy
#   (the phone's scenario requires both) and the caller gets 488
#   "media_unencrypted";
# - with `[media] require_encrypted = udp` (daemon restarted) plain RTP
#   over UDP is refused although the tenant's policy is back to
#   "optional", and DTLS-SRTP still passes;
# - each refusal leaves a CDR (result refused, status 488, the rule as its
#   reason) and an event.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib_calls.sh"

SW_CALLER_IP=127.0.0.2
T1_IP=127.0.0.5
TP=5080
D=$SW_DOMAIN

PLAIN='m=audio 4000 RTP/AVP 0
a=rtpmap:0 PCMU/8000'
SDES='m=audio 4000 RTP/SAVP 0
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'
DTLS='a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF
m=audio 9 UDP/TLS/RTP/SAVPF 111
a=setup:actpass'

PHONE_IP=127.0.0.3
PHONE_PORT=5090

# offer NAME NUMBER MEDIA STATUS RULE REASON_CHECK
offer() {
    local csv sf
    csv=$(calls_caller_csv 100 "$D" "$2")
    sf=$(calls_render "$SW_CASE_DIR/uac_offer.xml.in" "uac_offer_$1.xml" \
        MEDIA="$3" STATUS="$4" RULE="$5" REASON_CHECK="$6")
    SW_CALLS_AUTH_URI=$D calls_sipp "$1" "$SW_CALLER_IP" "$sf" -inf "$csv" -m 1
}

sipp_compatible_digest
start_daemon
calls_tenant "$D"
calls_user 100 "$D" international
calls_user 201 "$D" standard
calls_user 202 "$D" standard
assert_ok "trunk t1" sw trunk add t1 --kind ip --host "$T1_IP" --port "$TP" \
    --networks "$T1_IP/32"
assert_ok "rule emergency" sw outbound add "$D" emergency --trunks t1 \
    --prefix 999
assert_contains "$(sw tenant media show "$D" --json)" '"optional"' \
    "default media policy"

log "optional: plain RTP passes, SDES over UDP is refused"
offer plain-optional 202 "$PLAIN" 480 none false
offer sdes-udp 202 "$SDES" 488 sdes_in_clear true

log "optional: a late offer answered with plain RTP is connected"
calls_register_phone 201 "$D" "$PHONE_IP" "$PHONE_PORT"
calls_phone phone-late-ok "$PHONE_IP" "$PHONE_PORT" 201
SW_CALLS_AUTH_URI=$D calls_sipp late-optional "$SW_CALLER_IP" \
    "$SW_CASE_DIR/uac_late_ok.xml" -inf "$(calls_caller_csv 100 "$D" 201)" -m 1
calls_wait_bg

log "always: plain RTP refused, DTLS-SRTP passes"
assert_ok "media always" sw tenant media "$D" always
if sw tenant media "$D" bogus >/dev/null 2>&1; then
    fail "tenant media accepted an unknown policy"
fi
offer plain-always 202 "$PLAIN" 488 media_unencrypted true
offer dtls-always 202 "$DTLS" 480 none false

log "always: a late offer whose 2xx has plain RTP is ended, the caller gets 488"
calls_phone phone-late-refused "$PHONE_IP" "$PHONE_PORT" 201
sf=$(calls_render "$SW_CASE_DIR/uac_late.xml.in" uac_late_refused.xml \
    STATUS=488 RULE=media_unencrypted REASON_CHECK=true)
SW_CALLS_AUTH_URI=$D calls_sipp late-always "$SW_CALLER_IP" "$sf" \
    -inf "$(calls_caller_csv 100 "$D" 201)" -m 1
calls_wait_bg

log "always: an emergency call with plain RTP still goes through"
# The provider answers 503 (the caller gets 500, the trunk having
# failed): the offer reached the trunk instead of a 488.
calls_provider_fail prov "$T1_IP" "$TP" 999 503
offer emergency-plain 999 "$PLAIN" 500 none false
calls_wait_bg

calls_expect_log 2 "rule=media_unencrypted"

log "[media] require_encrypted = udp: plain RTP over UDP refused for any tenant"
stop_daemon
conf_set media require_encrypted udp
start_daemon
assert_ok "media optional" sw tenant media "$D" optional
offer plain-transport 202 "$PLAIN" 488 media_unencrypted true
offer dtls-transport 202 "$DTLS" 480 none false

calls_expect_cdr 1 "$D" result=refused status=488 reason=sdes_in_clear
calls_expect_cdr 3 "$D" result=refused status=488 reason=media_unencrypted
calls_expect_cdr 1 "$D" result=answered callee=201
calls_expect_log 1 "rule=media_unencrypted" # this start's log
stop_daemon
