#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# SIPp registers 1,000 extensions over UDP with digest authentication;
# SIPp must exit 0 and `reg list --json` must list 1,000 bindings.
source "$SW_E2E_ROOT/lib.sh"

N=1000
sipp_compatible_digest
start_daemon
make_users "$N"
run_sipp register-udp "$SW_E2E_ROOT/scenarios/register_auth.xml" u1 \
    "$SW_UDP_PORT" -inf "$SW_E2E_DIR/users.csv" \
    -m "$N" -r 200 -l 100 -recv_timeout 10000
assert_eq "$(reg_count)" "$N" "bindings after UDP registration"
stop_daemon
