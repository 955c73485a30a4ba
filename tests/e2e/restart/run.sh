#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Registrations survive a restart: users are created with the daemon stopped
# (direct database), SIPp registers 10 extensions with distinct Expires
# (600, 700, ... 1500 s), the daemon is stopped with SIGTERM (exit 0) and
# started again; `reg list --json` must show the same bindings with their
# expiry preserved (counting down from the registration), not refreshed.
source "$SW_E2E_ROOT/lib.sh"

N=10
sipp_compatible_digest
make_users "$N" # offline: the CLI writes the database directly
start_daemon

csv="$SW_E2E_DIR/restart.csv"
{
    echo SEQUENTIAL
    tail -n +2 "$SW_E2E_DIR/users.csv" | awk -F';' -v OFS=';' \
        '{ $4 = 600 + 100 * (NR - 1); print }'
} >"$csv"
run_sipp register-10 "$SW_E2E_ROOT/scenarios/register_auth.xml" u1 \
    "$SW_UDP_PORT" -inf "$csv" -m "$N" -r 50 -recv_timeout 5000
t_reg=$(date +%s)
before=$(reg_json)
t_before=$(date +%s)
assert_eq "$(reg_count)" "$N" "bindings before restart"

# Time has to pass for a refreshed expiry to be told apart from a preserved
# one (1 s resolution): wait until the clock is 3 s past the registrations.
for ((i = 0; i < 100 && $(date +%s) < t_reg + 3; i++)); do
    sleep 0.1
done

stop_daemon
start_daemon
after=$(reg_json)
t_after=$(date +%s)

"$SW_PY" - "$csv" "$t_before" "$t_after" "$before" "$after" <<'PY' \
    || fail "bindings not preserved across restart (see above)"
import json, sys
csv, t_before, t_after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
before, after = json.loads(sys.argv[4]), json.loads(sys.argv[5])
reg_exp = {}
for line in open(csv).read().split("\n")[1:]:
    if line:
        f = line.split(";")
        reg_exp[f[0]] = int(f[3])
def key(r):
    a = r["aor"][4:] if r["aor"].startswith("sip:") else r["aor"]
    return a.split("@")[0]
b = {key(r): r for r in before}
a = {key(r): r for r in after}
errs = []
if sorted(a) != sorted(reg_exp):
    errs.append("AORs after restart %s, expected %s" % (sorted(a), sorted(reg_exp)))
for ext, exp in sorted(reg_exp.items()):
    if ext not in a or ext not in b:
        continue
    if a[ext]["contact"] != b[ext]["contact"]:
        errs.append("%s: contact %r became %r" % (ext, b[ext]["contact"], a[ext]["contact"]))
    eb, ea = int(b[ext]["expires"]), int(a[ext]["expires"])
    if eb > 1000000000:  # absolute (epoch) expiry: must be unchanged
        if ea != eb:
            errs.append("%s: expiry %d became %d" % (ext, eb, ea))
        continue
    # seconds left: counts down from the registration, >= 3 s have passed
    elapsed = t_after - t_before
    if not (0 < ea <= exp - 2):
        errs.append("%s: %d s left after restart, registered for %d s "
                    "(refreshed?)" % (ext, ea, exp))
    if not (eb - elapsed - 2 <= ea <= eb):
        errs.append("%s: %d s left before, %d s after %d s" % (ext, eb, ea, elapsed))
for e in errs:
    print("  " + e)
sys.exit(1 if errs else 0)
PY
log "10 bindings and their expiry survived the restart"
stop_daemon
