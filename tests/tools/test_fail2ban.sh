#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Check contrib/fail2ban against fixture logs with the real fail2ban-regex:
# the exact number of matched lines, the exact addresses found (which pins
# the count of every event type), UTC time stamps, and that the example
# jail loads. A missing fail2ban is a failure (scripts/deps.sh installs it).
# Usage: test_fail2ban.sh PROJECT_DIR
set -eu

top=${1:?usage: test_fail2ban.sh PROJECT_DIR}
filter=$top/contrib/fail2ban/filter.d/sipwarden.conf
jail=$top/contrib/fail2ban/jail.d/sipwarden.local
data=$top/tests/data/fail2ban

if ! command -v fail2ban-regex >/dev/null 2>&1; then
    echo "FAIL: fail2ban-regex not installed (run scripts/deps.sh)"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sw-f2b-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
    echo "FAIL: $*"
    failed=1
}

# check_log LOG LINES MATCHED EXPECTED_IPS...: fail2ban-regex's summary
# must say LINES lines, 0 ignored, MATCHED matched; the addresses of the
# matches must be exactly EXPECTED_IPS (order ignored, repeats counted).
check_log() {
    log=$1
    want_lines=$2
    want_matched=$3
    shift 3
    name=$(basename "$log")

    if ! fail2ban-regex "$log" "$filter" >"$tmp/out" 2>&1; then
        fail "$name: fail2ban-regex exited non-zero"
        cat "$tmp/out"
        return
    fi
    summary=$(grep '^Lines: ' "$tmp/out" || true)
    want="Lines: $want_lines lines, 0 ignored, $want_matched matched,"
    want="$want $((want_lines - want_matched)) missed"
    if [ "$summary" != "$want" ]; then
        fail "$name: got '$summary', want '$want'"
        cat "$tmp/out"
    fi

    fail2ban-regex -o ip "$log" "$filter" >"$tmp/ips.raw" 2>"$tmp/ips.err" \
        || fail "$name: fail2ban-regex -o ip exited non-zero"
    sort "$tmp/ips.raw" >"$tmp/ips.got"
    : >"$tmp/ips.want"
    for ip in "$@"; do
        echo "$ip" >>"$tmp/ips.want"
    done
    sort -o "$tmp/ips.want" "$tmp/ips.want"
    if ! cmp -s "$tmp/ips.got" "$tmp/ips.want"; then
        fail "$name: matched addresses differ (- want, + got):"
        diff -u "$tmp/ips.want" "$tmp/ips.got" || true
    fi
}

# security.log: 26 lines; 11 events that count (auth_failure x4 incl. one
# whose quoted values try to forge src=, auth_replay, challenge_failure x2,
# ua_match, rate_limit, ban x2) over IPv4 and IPv6; the others (unban,
# user_blocked, geo_drop, acl_drop, near-miss event names, no or late
# src=, a host name, ordinary log lines quoting an event) must not count.
check_log "$data/security.log" 26 11 \
    192.0.2.10 192.0.2.10 2001:db8::10 203.0.113.20 \
    192.0.2.11 \
    192.0.2.12 2001:db8:0:1::12 \
    198.51.100.13 \
    198.51.100.14 \
    198.51.100.15 2001:db8::15

# journal.log: the shape fail2ban's systemd backend hands to the filter
# ("host ident[pid]: message", the message keeping sipwarden's own stamp);
# the journal's date is put first so fail2ban-regex can read it as a file.
check_log "$data/journal.log" 5 2 192.0.2.40 2001:db8::41

# The stamp is UTC ("Z"): the first match must be 2026-11-22T10:58:37Z
# whatever the local zone.
first=$(TZ=Asia/Tokyo fail2ban-regex -o row "$data/security.log" "$filter" \
    2>/dev/null | head -n 1 || true)
case "$first" in
"['192.0.2.10',"*"1795345117,"*) ;;
*) fail "time stamp not read as UTC: '$first'" ;;
esac

# The example jail must load next to the system's stock configuration
# (without the distribution's own jails, which need their log files).
if [ -f /etc/fail2ban/jail.conf ] && command -v fail2ban-client >/dev/null 2>&1
then
    mkdir "$tmp/etc"
    cp -R /etc/fail2ban/. "$tmp/etc/"
    rm -f "$tmp/etc/jail.d/"* "$tmp/etc/jail.local"
    cp "$filter" "$tmp/etc/filter.d/"
    cp "$jail" "$tmp/etc/jail.d/"
    if ! fail2ban-client -c "$tmp/etc" -t >"$tmp/cfg" 2>&1; then
        fail "example jail does not load:"
        cat "$tmp/cfg"
    fi
    fail2ban-client -c "$tmp/etc" -d >"$tmp/dump" 2>&1 || true
    grep -q "\['add', 'sipwarden'," "$tmp/dump" \
        || fail "jail 'sipwarden' missing from the configuration dump"
    grep -q "'protocol', 'tcp,udp'" "$tmp/dump" \
        || fail "jail does not ban UDP and TCP"
else
    echo "note: no /etc/fail2ban, jail load check skipped"
fi

if [ "$failed" -ne 0 ]; then
    exit 1
fi
echo "PASS: fail2ban filter"
