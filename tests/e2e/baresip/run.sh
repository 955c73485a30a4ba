#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Debian softphone baresip registers extension 1001 over UDP and 1002
# over TLS with MD5 digest; both bindings must appear in `reg list --json`.
# baresip runs headless from a config dir made here and is stopped by PID.
# Two limits of baresip 1.0.0 / libre 1.1.0 (Debian 12): it gives up
# ("Register: Function not implemented") when ANY WWW-Authenticate names an
# algorithm other than MD5, whatever the order, so the daemon offers MD5
# only here; and it does not verify the server certificate (sip_cafile is
# loaded but a wrong CA still registers): register_tls checks the cert.
source "$SW_E2E_ROOT/lib.sh"

conf_set sip digest_algorithms MD5
start_daemon
make_users 3 1000

conf="$SW_E2E_DIR/baresip"
mkdir -p "$conf"
cert="$SW_DATA_DIR/tls/cert.pem"
[ -s "$cert" ] || fail "no self-signed certificate at $cert"
cat >"$conf/config" <<CFG
poll_method		epoll
sip_listen		$SW_HOST:0
sip_cafile		$cert
net_interface		$SW_HOST
module_path		/usr/lib/baresip/modules
module_app		account.so
CFG
cat >"$conf/accounts" <<ACC
<sip:1001@$SW_DOMAIN;transport=udp>;auth_pass=$(user_password 1001);outbound="sip:$SW_HOST:$SW_UDP_PORT;transport=udp";regint=600
<sip:1002@$SW_DOMAIN;transport=tls>;auth_pass=$(user_password 1002);outbound="sip:$SW_HOST:$SW_TLS_PORT;transport=tls";regint=600
ACC

baresip -f "$conf" -t 120 >"$SW_E2E_DIR/baresip.log" 2>&1 </dev/null &
bpid=$!
track_pid "$bpid"
wait_reg_count 1 20 1001
wait_reg_count 1 20 1002
json=$(reg_json)
assert_contains "$json" "transport=tls" "TLS binding of 1002"
kill -TERM "$bpid" 2>/dev/null || true
wait_pid_gone "$bpid" 10 || fail "baresip $bpid did not stop"
for want in "1001@$SW_DOMAIN: {0/UDP/v4} 200 OK" \
    "1002@$SW_DOMAIN: {0/TLS/v4} 200 OK"; do
    grep -qF "$want" "$SW_E2E_DIR/baresip.log" \
        || fail "baresip log lacks '$want': $(tail -n 20 "$SW_E2E_DIR/baresip.log")"
done
log "baresip registered over UDP and TLS"
stop_daemon
