#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Run one end-to-end case: run_e2e.sh CASE [SW_BIN]
# Creates a private network namespace (loopback only, so no packet can leave
# the machine), a fresh temp dir holding the case's sipwarden.conf and data
# dir, runs tests/e2e/CASE/run.sh inside the namespace, then removes what it
# created: it kills only the PIDs the case recorded (checked against their
# start time), deletes the namespace and the temp dir (kept on failure when
# SW_E2E_KEEP=1). Exit 0 pass, 1 fail (also when not root or a tool is
# missing).
# SW_BIN may also come from the environment; SW_E2E_TIMEOUT bounds the case
# (seconds, default 600).

set -euo pipefail

usage() {
    echo "usage: $0 CASE [SW_BIN]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
CASE=$1
SW_BIN=${2:-${SW_BIN:-}}
SW_E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SW_CASE_DIR="$SW_E2E_ROOT/$CASE"

# A missing prerequisite is a failure, never a skip: scripts/deps.sh
# installs every tool the suite needs.
skip() {
    echo "FAIL [$CASE]: $* (run scripts/deps.sh)" >&2
    exit 1
}

[ -f "$SW_CASE_DIR/run.sh" ] || usage
[ -n "$SW_BIN" ] || usage
SW_BIN=$(readlink -f "$SW_BIN")
[ -x "$SW_BIN" ] || {
    echo "FAIL [$CASE]: $SW_BIN is not executable" >&2
    exit 1
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace)"
for tool in ip timeout sipp /usr/bin/python3; do
    command -v "$tool" >/dev/null || skip "$tool not installed"
done
if [ -f "$SW_CASE_DIR/requires" ]; then
    while read -r tool; do
        [ -z "$tool" ] || command -v "$tool" >/dev/null \
            || skip "$tool not installed"
    done <"$SW_CASE_DIR/requires"
fi

NS="sw-e2e-$$-$CASE"
TMP=$(mktemp -d "/tmp/sw-e2e-$CASE.XXXXXX")
NS_MADE=0

cleanup() {
    local rc=$? pid st
    trap - EXIT INT TERM
    if [ -f "$TMP/pids" ]; then
        while read -r pid st; do
            if kill -0 "$pid" 2>/dev/null \
                && [ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" = "$st" ]; then
                kill -TERM "$pid" 2>/dev/null || true
                timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || true
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done <"$TMP/pids"
    fi
    [ "$NS_MADE" -eq 0 ] || ip netns del "$NS" 2>/dev/null || true
    if [ "$rc" -ne 0 ]; then
        for f in "$TMP"/daemon.*.log; do
            [ -f "$f" ] || continue
            echo "--- last lines of $(basename "$f") ---" >&2
            tail -n 25 "$f" >&2
        done
    fi
    if [ "$rc" -ne 0 ] && [ "${SW_E2E_KEEP:-0}" = 1 ]; then
        echo "kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
NS_MADE=1
ip netns exec "$NS" ip link set lo up

mkdir -p "$TMP/data"
: >"$TMP/pids"
tmpl="$SW_CASE_DIR/sipwarden.conf.in"
[ -f "$tmpl" ] || tmpl="$SW_E2E_ROOT/sipwarden.conf.in"
sed "s|@DATA_DIR@|$TMP/data|g" "$tmpl" >"$TMP/sipwarden.conf"

export SW_BIN SW_E2E_ROOT SW_CASE="$CASE" SW_CASE_DIR
export SW_E2E_DIR="$TMP" SW_CONF="$TMP/sipwarden.conf"

echo "== e2e $CASE: $SW_BIN in netns $NS" >&2
rc=0
timeout --kill-after=10 "${SW_E2E_TIMEOUT:-600}" \
    ip netns exec "$NS" bash "$SW_CASE_DIR/run.sh" || rc=$?
if [ "$rc" -eq 0 ]; then
    echo "PASS [$CASE]" >&2
elif [ "$rc" -eq 124 ]; then
    echo "FAIL [$CASE]: timed out after ${SW_E2E_TIMEOUT:-600} s" >&2
fi
exit "$rc"
