#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# 1,000 extensions register over TLS with digest authentication. SIPp 3.6.1
# in Debian is built without OpenSSL (`sipp -t l1` refuses), so the client
# is tests/e2e/lib/sipclient.py over 4 TLS connections, verifying the
# daemon's self-signed certificate (DATA_DIR/tls/cert.pem) as its CA.
source "$SW_E2E_ROOT/lib.sh"

N=1000
start_daemon
make_users "$N"
cert="$SW_DATA_DIR/tls/cert.pem"
[ -s "$cert" ] || fail "no self-signed certificate at $cert"
out=$(timeout 300 "$SW_PY" "$SW_SIPCLIENT" bulk-register --transport tls \
    --server "$SW_HOST:$SW_TLS_PORT" --csv "$SW_E2E_DIR/users.csv" \
    --connections 4 --cafile "$cert" 2>&1) \
    || fail "TLS bulk registration failed: $(printf '%s' "$out" | tail -n 20)"
log "$out"
assert_eq "$(reg_count)" "$N" "bindings after TLS registration"
stop_daemon
