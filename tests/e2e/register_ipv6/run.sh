#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Registration over IPv6 (UDP and TCP on ::1) with SHA-256 digest.
source "$SW_E2E_ROOT/lib.sh"

conf_set sip udp "[::1]:5060"
conf_set sip tcp "[::1]:5063"
conf_set sip tls ""
start_daemon
make_users 2

timeout 60 "$SW_PY" - "$SW_E2E_ROOT/lib" "$SW_DOMAIN" \
    "$SW_E2E_DIR/users.txt" <<'PY' || fail "IPv6 registration checks failed"
import sys
sys.path.insert(0, sys.argv[1])
import sipclient

domain, users_path = sys.argv[2], sys.argv[3]
users = []
with open(users_path) as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            aor, pw = line.split()[:2]
            users.append((aor.split("@")[0], pw))
(u1, p1), (u2, p2) = users[0], users[1]

for kind, (user, pw) in (("UDP", (u1, p1)), ("TCP", (u2, p2))):
    port = 5060 if kind == "UDP" else 5063
    c = sipclient.Client(sipclient.Transport(kind, ("::1", port)), domain)
    resp, ch, _ = c.register(user, pw, expires=600, algorithm="SHA-256")
    if resp.status != 200:
        sys.exit("%s register of %s over IPv6: %d" % (kind, user, resp.status))
    if ch is None or ch.get("algorithm", "").upper() != "SHA-256":
        sys.exit("%s: challenge used was not SHA-256: %r" % (kind, ch))
    via = resp.get("Via") or ""
    if "received=::1" not in via or "rport=" not in via:
        sys.exit("%s: Via lacks received/rport: %s" % (kind, via))
    bad, _, _ = c.register("9999", "Not-The-Pass1", algorithm="SHA-256")
    if bad.status != 401:
        sys.exit("%s: unknown user got %d" % (kind, bad.status))
    c.t.close()
print("ipv6 udp and tcp registrations ok")
PY

rows=$(reg_json)
"$SW_PY" - "$rows" <<'PY' || fail "reg list does not show the IPv6 bindings"
import json, sys
rows = json.loads(sys.argv[1])
rows = rows["registrations"] if isinstance(rows, dict) else rows
src = sorted(r["source"].split(":")[0] for r in rows if "[::1]" in r["source"])
if src != ["tcp", "udp"]:
    sys.exit("IPv6 sources seen: %r" % [r["source"] for r in rows])
PY
stop_daemon
