#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# SIPp registers 1,000 extensions over UDP with digest authentication;
# SIPp must exit 0 and `reg list --json` must list 1,000 bindings; control
# clients that hang up before reading their answer do not stop the daemon.
source "$SW_E2E_ROOT/lib.sh"

N=1000
sipp_compatible_digest
start_daemon
make_users "$N"
run_sipp register-udp "$SW_E2E_ROOT/scenarios/register_auth.xml" u1 \
    "$SW_UDP_PORT" -inf "$SW_E2E_DIR/users.csv" \
    -m "$N" -r 200 -l 100 -recv_timeout 10000
assert_eq "$(reg_count)" "$N" "bindings after UDP registration"

# A control client that leaves before reading a large answer (the list of
# 1,000 bindings does not fit the socket buffer) must not stop the daemon.
for _ in 1 2 3; do
    timeout 10 "$SW_PY" - "$SW_DATA_DIR/control.sock" <<'PY' \
        || fail "control socket client could not connect"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"op":"reg.list"}\n')
s.close()
PY
done
assert_ok "daemon still serving after clients hung up" \
    timeout 15 "$SW_BIN" -c "$SW_CONF" wait-ready --timeout 10
assert_eq "$(reg_count)" "$N" "bindings after control clients hung up"
stop_daemon
