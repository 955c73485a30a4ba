#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Registrar refusals: SIPp with wrong passwords gets 401s (never 200), then
# check_refusals.py: OPTIONS 200, challenge shape, MD5 and SHA-256 success,
# wrong password -> fresh 401, unknown user == wrong password byte for byte
# (nonce/opaque/tags masked), nc replay -> 401, Expires 10 -> 423 +
# Min-Expires, Contact: * removes all bindings, bad CSeq -> 400 naming it.
source "$SW_E2E_ROOT/lib.sh"

# Phase 1, MD5 offered first (SIPp cannot answer SHA-256): SIPp with wrong
# passwords must get 401 after its credentials, never 200.
sipp_compatible_digest
start_daemon
make_users 4

bad="$SW_E2E_DIR/wrong.csv"
{
    echo SEQUENTIAL
    for ext in 1000 1001 1002 1003; do
        printf '%s;[authentication username=%s password=Wrong-%s];%s\n' \
            "$ext" "$ext" "$ext" "$SW_DOMAIN"
    done
} >"$bad"
run_sipp wrong-password "$SW_CASE_DIR/register_wrong_password.xml" u1 \
    "$SW_UDP_PORT" -inf "$bad" -m 4 -r 10 -recv_timeout 5000
assert_eq "$(reg_count)" 0 "bindings after wrong-password registrations"
stop_daemon

# Phase 2, the default challenge order (SHA-256 then MD5), same database.
conf_unset sip digest_algorithms
start_daemon

timeout 120 "$SW_PY" "$SW_CASE_DIR/check_refusals.py" --sw-bin "$SW_BIN" \
    --conf "$SW_CONF" --target "$SW_TARGET" --host "$SW_HOST" \
    --udp-port "$SW_UDP_PORT" --domain "$SW_DOMAIN" \
    --users "$SW_E2E_DIR/users.txt" \
    || fail "registrar refusal checks failed (see above)"
stop_daemon
