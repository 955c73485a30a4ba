#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# SIPp registers 1,000 extensions over TCP (one connection per call) with
# digest authentication; SIPp must exit 0 and `reg list --json` must list
# 1,000 bindings after SIPp has closed its connections. At most 16 calls
# (connections) at a time: the daemon allows 32 connections per address.
source "$SW_E2E_ROOT/lib.sh"

N=1000
sipp_compatible_digest
start_daemon
make_users "$N"
run_sipp register-tcp "$SW_E2E_ROOT/scenarios/register_auth.xml" tn \
    "$SW_TCP_PORT" -inf "$SW_E2E_DIR/users.csv" \
    -m "$N" -r 200 -l 16 -recv_timeout 10000
assert_eq "$(reg_count)" "$N" "bindings after TCP registration"
stop_daemon
