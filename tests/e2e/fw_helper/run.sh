#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The nftables helper (src/fw) against the real kernel, in this case's own
# network namespace, driven by sw-fwprobe (tools/fwprobe): host and /64
# bans reach the kernel with timeouts and counters, banned UDP is dropped
# and flows again after delete and after expiry, add latency (printed),
# a burst and a loaded set, refused bans reported, fw_drop_privileges
# locks nft out while the helper keeps working, helper death noticed; the
# table goes with fw_stop and with the daemon's death; without
# CAP_NET_ADMIN "auto" is unavailable (not an error) and "on" fails.
source "$SW_E2E_ROOT/lib.sh"

PROBE="$(dirname "$SW_BIN")/sw-fwprobe"
[ -x "$PROBE" ] || fail "$PROBE not built"
command -v nft >/dev/null || fail "nft not installed"
command -v setpriv >/dev/null || fail "setpriv not installed"
T=swfwtest
PORT=47011

# The banned IPv6 source of the /64 test.
ip -6 addr add 2001:db8:1:2::5/128 dev lo nodad

probe() { # WHAT ARGS...
    local what=$1 out rc=0
    shift
    out=$(timeout 120 "$PROBE" "$@" 2>&1) || rc=$?
    printf '%s\n' "$out" | sed "s/^/[$SW_CASE] /" >&2
    [ "$rc" -eq 0 ] || fail "$what: sw-fwprobe $* exited $rc"
}

probe "functional run" run "$T" "$PORT"
# The run ends by SIGKILLing the helper, which can't clean up: its table
# stays (and goes with the namespace); remove it for the next steps.
nft delete table inet "$T" 2>/dev/null || true

probe "lifecycle" lifecycle "$T"
if nft list table inet "$T" >/dev/null 2>&1; then
    fail "table inet $T left behind by the lifecycle checks"
fi

probe "no privilege" noperm "$T"

# The same through setpriv: no CAP_NET_ADMIN anywhere from the start.
out=$(setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
    "$PROBE" status "$T" auto 2>&1) || fail "auto under setpriv failed: $out"
assert_contains "$out" "unavailable: no CAP_NET_ADMIN" "auto under setpriv"
rc=0
out=$(setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
    "$PROBE" status "$T" on 2>&1) || rc=$?
assert_eq "$rc" 2 "on under setpriv: exit status"
assert_contains "$out" "Operation not permitted" "on under setpriv"
out=$("$PROBE" status "$T" off 2>&1) || fail "off failed: $out"
assert_eq "$out" off "status with nftables = off"
out=$("$PROBE" status "$T" on 2>&1) || fail "on as root failed: $out"
assert_eq "$out" "active (table inet $T)" "status with nftables = on"
if nft list table inet "$T" >/dev/null 2>&1; then
    fail "table inet $T left behind after status"
fi
log "all fw helper checks passed"
