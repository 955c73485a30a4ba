#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The service firewall and temporary SSH against the real kernel. This
# case's namespace is the server (10.77.0.1); a second namespace, joined
# by a veth pair, is the client side with two addresses (10.77.0.2 and
# 10.77.0.3), since rules that accept loopback can't be tested over lo.
#  1. `firewall render` output loads with nft -c (all backends render).
#  2. `firewall apply` (daemon running, ban table present): SIP OPTIONS
#     over UDP from the client is answered, a TCP listener on a port that
#     is not a service becomes unreachable, the per-method limit for the
#     configured range (10.77.0.3 only) drops OPTIONS over its rate while
#     10.77.0.2 stays unlimited; the ban table is untouched.
#  3. Temporary SSH (a listener on the configured ssh_port): unreachable
#     from both clients; `ssh open --from 10.77.0.2/32 --for 4s` (allowed
#     by [firewall] ssh_min_s = 1; refused under the default minimum) goes
#     through the daemon and its helper; reachable from 10.77.0.2 only;
#     the kernel drops the element by itself (polled, bounded) and the
#     port is unreachable again; `ssh list` reports the grant closed. An
#     explicit `ssh close` shuts a grant at once. Both are logged.
#  4. `firewall rollback` restores the ruleset from before the apply (no
#     service table), and, after applying A then B, restores A exactly.
source "$SW_E2E_ROOT/lib.sh"

command -v nft >/dev/null || fail "nft not installed"
PROBE="$SW_CASE_DIR/netprobe.py"
SRV=10.77.0.1
C1=10.77.0.2
C2=10.77.0.3
CLI_NS="sw-fwc-$$"
SSH_PORT=2222
CLOSED_PORT=4444
T=sipwarden_fw

# --- two namespaces joined by a veth pair -------------------------------------
cleanup_ns() {
    ip netns del "$CLI_NS" 2>/dev/null || true
}
trap 'cleanup_ns; _lib_cleanup' EXIT
ip netns add "$CLI_NS"
ip link add swfw0 type veth peer name swfw1 netns "$CLI_NS"
ip addr add "$SRV/24" dev swfw0
ip link set swfw0 up
ip netns exec "$CLI_NS" ip link set lo up
ip netns exec "$CLI_NS" ip addr add "$C1/24" dev swfw1
ip netns exec "$CLI_NS" ip addr add "$C2/24" dev swfw1
ip netns exec "$CLI_NS" ip link set swfw1 up

in_client() {
    ip netns exec "$CLI_NS" "$@"
}

# TCP from the client side: open | refused | timeout.
tcp_from() { # SRC PORT
    in_client timeout 10 "$SW_PY" "$PROBE" connect "$1" "$SRV" "$2" 1.0
}

expect_tcp() { # SRC PORT WANT WHAT
    local got
    got=$(tcp_from "$1" "$2")
    assert_eq "$got" "$3" "$4: TCP $1 -> $SRV:$2"
}

# One SIP OPTIONS over UDP from the client side: the status or "none".
options_from() { # SRC [TIMEOUT_S]
    in_client timeout 30 "$SW_PY" "$SW_E2E_ROOT/lib/shield2_sip.py" options \
        --server "$SRV:5060" --src "$1" --timeout "${2:-1.6}" || true
}

# Bounded poll of a command, 0.1 s apart.
wait_for() { # WHAT SECONDS CMD...
    local what=$1 n=$(($2 * 10)) i
    shift 2
    for ((i = 0; i < n; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "timed out after $((n / 10)) s waiting for: $what"
}

not() { ! "$@"; }

start_listener() { # PORT -> pid in LISTENER_PID
    local ready="$SW_E2E_DIR/listen.$1"
    rm -f "$ready"
    "$SW_PY" "$PROBE" listen "$SRV" "$1" "$ready" \
        >"$SW_E2E_DIR/listen.$1.log" 2>&1 &
    LISTENER_PID=$!
    track_pid "$LISTENER_PID"
    wait_for "listener on $1" 10 test -s "$ready"
}

stop_listener() { # PID
    kill -TERM "$1" 2>/dev/null || true
    wait_pid_gone "$1" 5 || fail "listener $1 still running"
    wait "$1" 2>/dev/null || true
}

# The set's element of ADDR (as /32 or bare) is there.
ssh_elem_present() { # ADDR
    local set
    # Read first: grep -q would close the pipe early (pipefail).
    set=$(nft list set inet "$T" ssh_allow4) || fail "nft list set ssh_allow4"
    printf '%s\n' "$set" | grep -Eq "(^|[ {,])$1(/32)?( |,|$)"
}

# Packets counted by the service table's rule with comment TEXT.
rule_packets() { # TEXT
    nft list chain inet "$T" input | awk -v c="comment \"$1\"" '
        index($0, c) { for (i = 1; i < NF; i++) if ($i == "packets") { s += $(i + 1) } }
        END { print s + 0 }'
}

# --- configuration and daemon ---------------------------------------------------
conf_set sip udp "*:5060"
conf_set firewall nftables on
conf_set firewall temp_ssh on
conf_set firewall ssh_port "$SSH_PORT"
conf_set firewall ssh_min_s 1
conf_set firewall rate_sources "$C2/32"
conf_set firewall rate_limits "OPTIONS 2/minute"
conf_set firewall rate_burst 2
conf_set media rtp_ports "30000-30100"
start_daemon
assert_ok "ban table inet sipwarden exists" nft list table inet sipwarden

# --- 1. rendering ------------------------------------------------------------------
sw firewall render --backend nftables >"$SW_E2E_DIR/rules.nft" \
    || fail "firewall render --backend nftables failed"
assert_ok "rendered rules pass nft -c" nft -c -f "$SW_E2E_DIR/rules.nft"
rules=$(cat "$SW_E2E_DIR/rules.nft")
assert_contains "$rules" "udp dport 5060 accept" "rendered SIP UDP rule"
assert_contains "$rules" "udp dport 30000-30100 accept" "rendered RTP rule"
assert_contains "$rules" "ip saddr @ssh_allow4 tcp dport $SSH_PORT accept" \
    "rendered SSH grant rule"
assert_contains "$rules" "elements = { $C2/32 }" "rendered rate range"
for be in firewalld iptables ip6tables; do
    out=$(sw firewall render --backend "$be") || fail "render --backend $be failed"
    [ -n "$out" ] || fail "render --backend $be printed nothing"
done
rc=0
sw firewall render --backend pf >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "render with an unknown backend: exit status"
if nft list table inet "$T" >/dev/null 2>&1; then
    fail "render or nft -c created table inet $T"
fi
log "rendering: nft -c accepts the rules"

# --- 2. apply ----------------------------------------------------------------------
start_listener "$CLOSED_PORT"
closed_pid=$LISTENER_PID
start_listener "$SSH_PORT"
ssh_pid=$LISTENER_PID
# Before: everything is reachable (so the checks below can fail).
expect_tcp "$C1" "$CLOSED_PORT" open "before apply"
expect_tcp "$C2" "$SSH_PORT" open "before apply"
got=$(options_from "$C1")
assert_eq "$got" 200 "SIP OPTIONS from $C1 before apply"

nft -s list ruleset >"$SW_E2E_DIR/ruleset.0"
ban_before=$(nft -s list table inet sipwarden)
sw firewall apply --dry-run >/dev/null || fail "firewall apply --dry-run failed"
if nft list table inet "$T" >/dev/null 2>&1; then
    fail "apply --dry-run created table inet $T"
fi
out=$(sw firewall apply 2>&1) || fail "firewall apply failed: $out"
log "apply: $(printf '%s' "$out" | grep applied)"
assert_contains "$out" "event=firewall_apply table=inet $T result=ok previous=none" \
    "audit line of the apply"
assert_ok "table inet $T loaded" nft list table inet "$T"
assert_eq "$(nft -s list table inet sipwarden)" "$ban_before" \
    "ban table after apply"

got=$(options_from "$C1")
assert_eq "$got" 200 "SIP OPTIONS over UDP from $C1 through the firewall"
expect_tcp "$C1" "$CLOSED_PORT" timeout "closed port after apply"
expect_tcp "$C2" "$CLOSED_PORT" timeout "closed port after apply"
[ "$(rule_packets 'dropped: no service')" -gt 0 ] \
    || fail "the final counter saw none of the dropped SYNs"

# Per-method limit for the range (10.77.0.3 only): OPTIONS 2/minute, burst
# 2. Each probe retransmits while unanswered, so within a few probes one
# goes unanswered; 10.77.0.2 is outside the range and always answered.
silenced=0
for ((i = 0; i < 8; i++)); do
    got=$(options_from "$C2" 1.2)
    if [ "$got" = none ]; then
        silenced=1
        break
    fi
done
assert_eq "$silenced" 1 "OPTIONS from $C2 over 2/minute dropped within 8 probes"
[ "$(rule_packets 'OPTIONS over 2/minute')" -gt 0 ] \
    || fail "the OPTIONS limit rule counted no drop"
for ((i = 0; i < 4; i++)); do
    got=$(options_from "$C1")
    assert_eq "$got" 200 "OPTIONS #$i from $C1 (outside the limited range)"
done
log "apply: SIP answered, closed port dropped, $C2 rate-limited"

# --- 3. temporary SSH ---------------------------------------------------------------
expect_tcp "$C1" "$SSH_PORT" timeout "SSH port before any grant"
expect_tcp "$C2" "$SSH_PORT" timeout "SSH port before any grant"

# The default minimum refuses a 2-second window (CLI-side check).
cp "$SW_CONF" "$SW_E2E_DIR/default-min.conf"
sed -i '/^ssh_min_s/d' "$SW_E2E_DIR/default-min.conf"
rc=0
out=$("$SW_BIN" -c "$SW_E2E_DIR/default-min.conf" ssh open --from "$C1/32" \
    --for 2s 2>&1) || rc=$?
assert_eq "$rc" 2 "ssh open --for 2s with the default ssh_min_s: exit status"
assert_contains "$out" "outside 60s..86400s" "ssh open --for 2s refusal"

out=$(sw ssh open --from "$C1/32" --for 4s) || fail "ssh open failed: $out"
log "ssh open: $out"
ssh_elem_present "$C1" || fail "$C1 not in set ssh_allow4 after ssh open"
grep -q "event=ssh_open from=$C1/32 for_s=4 " "$SW_DAEMON_LOG" \
    || fail "no event=ssh_open in the daemon's log (the daemon's helper made it)"
expect_tcp "$C1" "$SSH_PORT" open "SSH from the granted source"
expect_tcp "$C2" "$SSH_PORT" timeout "SSH from another source"
state=$(sw ssh list --json | "$SW_PY" -c '
import json, sys
g = [x for x in json.load(sys.stdin)["grants"] if x["from"] == sys.argv[1]]
print(g[0]["state"] if g else "missing")' "$C1/32")
assert_eq "$state" open "ssh list state while open"

# The kernel closes it by itself.
wait_for "$C1 to leave ssh_allow4 at expiry" 15 not ssh_elem_present "$C1"
expect_tcp "$C1" "$SSH_PORT" timeout "SSH after the grant expired"
state=$(sw ssh list --json | "$SW_PY" -c '
import json, sys
g = [x for x in json.load(sys.stdin)["grants"] if x["from"] == sys.argv[1]]
print(g[0]["state"] + "/" + g[0].get("cause", "") if g else "missing")' "$C1/32")
assert_eq "$state" closed/expired "ssh list state after expiry"
log "temporary SSH: open for $C1 only, closed by the kernel"

# An explicit close shuts it at once.
sw ssh open --from "$C2" --for 1m >/dev/null || fail "second ssh open failed"
expect_tcp "$C2" "$SSH_PORT" open "SSH from $C2 after its grant"
out=$(sw ssh close --from "$C2") || fail "ssh close failed: $out"
assert_contains "$out" "SSH closed for $C2/32" "ssh close output"
expect_tcp "$C2" "$SSH_PORT" timeout "SSH from $C2 after ssh close"
grep -q "event=ssh_close from=$C2/32 cause=closed" "$SW_DAEMON_LOG" \
    || fail "no event=ssh_close in the daemon's log"
grep -q "event=ssh_close from=$C1/32 cause=expired" "$SW_DAEMON_LOG" \
    || fail "no event=ssh_close cause=expired for the expired grant"

# --- 4. rollback --------------------------------------------------------------------
out=$(sw firewall rollback 2>&1) || fail "firewall rollback failed: $out"
assert_contains "$out" "event=firewall_rollback table=inet $T result=ok restored=none" \
    "audit line of the rollback"
nft -s list ruleset >"$SW_E2E_DIR/ruleset.1"
diff -u "$SW_E2E_DIR/ruleset.0" "$SW_E2E_DIR/ruleset.1" >&2 \
    || fail "ruleset after rollback differs from before the apply"
expect_tcp "$C1" "$CLOSED_PORT" open "closed port after rollback"
rc=0
sw firewall rollback >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "second rollback (nothing saved): exit status"

# Apply A, then B, roll back: A exactly.
conf_set firewall temp_ssh off
sw firewall apply >/dev/null 2>&1 || fail "apply of A failed"
nft -s list ruleset >"$SW_E2E_DIR/ruleset.A"
expect_tcp "$C2" "$SSH_PORT" open "SSH with temp_ssh off (A)"
conf_set firewall temp_ssh on
conf_set media rtp_ports "40000-40010"
sw firewall apply >/dev/null 2>&1 || fail "apply of B failed"
chain=$(nft list chain inet "$T" input)
assert_contains "$chain" "udp dport 40000-40010 accept" "B loaded"
sw firewall rollback >/dev/null 2>&1 || fail "rollback to A failed"
nft -s list ruleset >"$SW_E2E_DIR/ruleset.A2"
diff -u "$SW_E2E_DIR/ruleset.A" "$SW_E2E_DIR/ruleset.A2" >&2 \
    || fail "ruleset after rollback differs from A"
expect_tcp "$C2" "$SSH_PORT" open "SSH after rollback to A"
log "rollback: the previous rulesets are restored"

stop_listener "$closed_pid"
stop_listener "$ssh_pid"
stop_daemon
cleanup_ns
log "all service firewall checks passed"
