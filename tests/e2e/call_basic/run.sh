#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Extension to extension calls through the stateful proxy, SIPp as phones
# on 127.0.0.2 (the caller, extension 100) and 127.0.0.3 (the callees,
# whose Contacts point at SIPp instances on fixed ports):
# - 100 calls 200: INVITE, 407, INVITE with credentials, 100, 180, 200
#   with our Record-Route, ACK and BYE routed through the proxy, 200;
# - 100 calls 200 and cancels while it rings: 200 to the CANCEL, 487, and
#   the phone gets the proxy's CANCEL and ACK;
# - 100 calls 201, registered twice: one device answers, the other is
#   cancelled (each SIPp exits 0 only if its own side went that way);
# - 100 calls 202 (an extension with no registration): 480; 299 (no such
#   extension): 404.
source "$SW_E2E_ROOT/lib.sh"

CALLER_IP=127.0.0.2
PHONE_IP=127.0.0.3

sipp_compatible_digest
start_daemon
make_users 1 100
for ext in 200 201 202; do
    user_password_var "$ext" pw
    assert_ok "user add $ext" timeout 10 "$SW_BIN" -c "$SW_CONF" user add \
        "$ext@$SW_DOMAIN" --sip-password "$pw"
done

# Registrations: 200 at :5070, 201 at :5071 and :5072.
reg_csv="$SW_E2E_DIR/phones.csv"
{
    echo SEQUENTIAL
    for spec in 200:5070 201:5071 201:5072; do
        ext=${spec%%:*}
        port=${spec##*:}
        user_password_var "$ext" pw
        printf '%s;[authentication username=%s password=%s];%s;3600;%s:%s\n' \
            "$ext" "$ext" "$pw" "$SW_DOMAIN" "$PHONE_IP" "$port"
    done
} >"$reg_csv"
sipp_run() { # NAME SRC_IP SCENARIO [sipp args...]
    local name=$1 src=$2 sf=$3 rc=0
    shift 3
    local out="$SW_E2E_DIR/sipp-$name"
    timeout --kill-after=5 60 sipp "$SW_HOST:$SW_UDP_PORT" -sf "$sf" -t u1 \
        -i "$src" -auth_uri "$SW_DOMAIN" -trace_err -error_file "$out.err" \
        -timeout 30s -timeout_error -nostdin -default_behaviors all,-bye \
        "$@" </dev/null >"$out.screen" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -n 30 "$out.screen" >&2 || true
        head -c 4000 "$out.err" >&2 2>/dev/null || true
        fail "SIPp $name exited $rc (expected 0)"
    fi
    log "SIPp $name: exit 0"
}
sipp_run register "$PHONE_IP" "$SW_CASE_DIR/register_contact.xml" -p 0 \
    -inf "$reg_csv" -m 3 -l 1
wait_reg_count 3 10
assert_eq "$(reg_count 201)" 2 "bindings of 201"

caller_csv="$SW_E2E_DIR/caller.csv"
caller() { # CALLEE
    local pw
    user_password_var 100 pw
    {
        echo SEQUENTIAL
        printf '100;[authentication username=100 password=%s];%s;%s\n' \
            "$pw" "$SW_DOMAIN" "$1"
    } >"$caller_csv"
}

# A phone: SIPp server on PHONE_IP:PORT running SCENARIO once, in the
# background; waits (bounded poll) until its socket is bound.
phone() { # NAME PORT SCENARIO EXT
    local name=$1 port=$2 sf=$3 ext=$4 i
    (sipp_run "$name" "$PHONE_IP" "$sf" -p "$port" -m 1 -key ext "$ext") &
    PHONE_PIDS+=("$!")
    track_pid "$!"
    for ((i = 0; i < 100; i++)); do
        ss -Hunl "src $PHONE_IP:$port" | grep -q . && return 0
        sleep 0.05
    done
    fail "phone $name did not bind $PHONE_IP:$port"
}
wait_phones() {
    local pid
    for pid in "${PHONE_PIDS[@]}"; do
        wait "$pid" || fail "a phone's SIPp failed (see above)"
    done
    PHONE_PIDS=()
}
PHONE_PIDS=()

log "call 100 -> 200, answered and hung up"
phone answer-200 5070 "$SW_CASE_DIR/uas_answer.xml" 200
caller 200
sipp_run call-200 "$CALLER_IP" "$SW_CASE_DIR/uac_call.xml" -p 0 \
    -inf "$caller_csv" -m 1
wait_phones

log "call 100 -> 200, cancelled while ringing"
phone ring-200 5070 "$SW_CASE_DIR/uas_ring.xml" 200
sipp_run cancel-200 "$CALLER_IP" "$SW_CASE_DIR/uac_cancel.xml" -p 0 \
    -inf "$caller_csv" -m 1
wait_phones

log "call 100 -> 201 (two devices): answered once, the other cancelled"
phone answer-201 5071 "$SW_CASE_DIR/uas_answer.xml" 201
phone ring-201 5072 "$SW_CASE_DIR/uas_ring.xml" 201
caller 201
sipp_run call-201 "$CALLER_IP" "$SW_CASE_DIR/uac_call.xml" -p 0 \
    -inf "$caller_csv" -m 1
wait_phones

for spec in 202:480 299:404; do
    callee=${spec%%:*}
    status=${spec##*:}
    log "call 100 -> $callee: $status"
    sed "s/@STATUS@/$status/g" "$SW_CASE_DIR/uac_fail.xml.in" \
        >"$SW_E2E_DIR/uac_fail_$status.xml"
    caller "$callee"
    sipp_run "fail-$callee" "$CALLER_IP" "$SW_E2E_DIR/uac_fail_$status.xml" \
        -p 0 -inf "$caller_csv" -m 1
done

stop_daemon
