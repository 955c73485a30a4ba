# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2034,SC2120
# Helpers sourced by tests/e2e/<case>/run.sh, which run_e2e.sh starts inside
# a private network namespace with SW_BIN, SW_CONF, SW_E2E_DIR, SW_E2E_ROOT,
# SW_CASE and SW_CASE_DIR set. Daemon start/stop by PID, user creation,
# registration queries, SIPp wrapper and assertions. Nothing here sleeps to
# synchronise: waits are `wait-ready`, process exits, or bounded polls of a
# condition.

set -euo pipefail

: "${SW_BIN:?SW_BIN not set (run through run_e2e.sh)}"
: "${SW_CONF:?}" "${SW_E2E_DIR:?}" "${SW_E2E_ROOT:?}" "${SW_CASE:?}"

SW_PY=/usr/bin/python3
SW_SIPCLIENT="$SW_E2E_ROOT/lib/sipclient.py"
SW_HOST=127.0.0.1
SW_UDP_PORT=5060
SW_TCP_PORT=5063
SW_TLS_PORT=5061
SW_DOMAIN=example.com
SW_DATA_DIR="$SW_E2E_DIR/data"
SW_PIDS_FILE="$SW_E2E_DIR/pids"
SW_DAEMON_PID=
SW_DAEMON_LOG=
SW_N_STARTS=0
export PYTHONPATH="$SW_E2E_ROOT/lib${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1

# --- messages and assertions --------------------------------------------------

log() {
    printf '[%s] %s\n' "$SW_CASE" "$*" >&2
}

fail() {
    printf 'FAIL [%s]: %s\n' "$SW_CASE" "$*" >&2
    exit 1
}

assert_eq() { # ACTUAL EXPECTED WHAT
    [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

assert_ge() { # ACTUAL MIN WHAT
    [ "$1" -ge "$2" ] || fail "$3: expected >= $2, got $1"
}

assert_contains() { # HAYSTACK NEEDLE WHAT
    case "$1" in
    *"$2"*) ;;
    *) fail "$3: '$2' not found in: $(printf '%s' "$1" | head -c 400)" ;;
    esac
}

# Run a command, fail with WHAT and its output unless it exits 0.
assert_ok() { # WHAT CMD...
    local what=$1 out rc=0
    shift
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" -eq 0 ] || fail "$what (exit $rc): $(printf '%s' "$out" | tail -n 20)"
}

# --- processes ----------------------------------------------------------------

# Record a PID we started (with its start time, so cleanup can never hit a
# recycled PID).
track_pid() { # PID
    local st
    st=$(awk '{print $22}' "/proc/$1/stat" 2>/dev/null) || st=0
    printf '%s %s\n' "$1" "$st" >>"$SW_PIDS_FILE"
}

pid_alive() { # PID
    kill -0 "$1" 2>/dev/null
}

# Wait until PID is gone (woken by its exit, not polled); returns 1 if it
# is still alive after SECONDS.
wait_pid_gone() { # PID SECONDS
    timeout "$2" tail --pid="$1" -f /dev/null 2>/dev/null || true
    ! pid_alive "$1"
}

# Safety net if run.sh dies half-way: stop what this script started.
_lib_cleanup() {
    local pid st
    if [ -s "$SW_E2E_DIR/interface-notes" ]; then
        sort -u "$SW_E2E_DIR/interface-notes" | sed 's/^/NOTE: /' >&2
    fi
    [ -f "$SW_PIDS_FILE" ] || return 0
    while read -r pid st; do
        if pid_alive "$pid" \
            && [ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" = "$st" ]; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done <"$SW_PIDS_FILE"
}
trap _lib_cleanup EXIT

# The CLI, on this test's config.
sw() {
    "$SW_BIN" -c "$SW_CONF" "$@"
}

# Kamailio stand-in (tests/e2e/kamailio) lacks a few sipwarden specifics
# (two challenges, opaque); cases relax those checks when it is the target.
SW_TARGET=sipwarden
if sw version 2>/dev/null | grep -q 'Kamailio stand-in'; then
    SW_TARGET=kamailio
fi

# Set KEY = VALUE in [SECTION] of this test's config, or remove KEY (before
# start_daemon).
conf_unset() { # SECTION KEY
    local tmp="$SW_CONF.tmp"
    awk -v sec="[$1]" -v key="$2" '
        /^\[/ { insec = ($0 == sec) }
        insec && $0 ~ "^[ \t]*" key "[ \t]*=" { next }
        { print }
    ' "$SW_CONF" >"$tmp" && mv "$tmp" "$SW_CONF"
}

conf_set() { # SECTION KEY VALUE
    local tmp="$SW_CONF.tmp"
    awk -v sec="[$1]" -v key="$2" -v val="$3" '
        function emit() { if (insec && !done) { print key " = " val; done = 1 } }
        /^\[/ { emit(); insec = ($0 == sec) }
        insec && $0 ~ "^[ \t]*" key "[ \t]*=" { next }
        { print }
        END { emit(); if (!done) { print sec; print key " = " val } }
    ' "$SW_CONF" >"$tmp" && mv "$tmp" "$SW_CONF"
}

# SIPp 3.6.1 answers only the first WWW-Authenticate and aborts (exit 255,
# "authentication must use MD5 or AKAv1-MD5") when that one is SHA-256. The
# SIPp-driven cases therefore offer MD5 first; both are still offered.
sipp_compatible_digest() {
    conf_set sip digest_algorithms "MD5, SHA-256"
}

# Start `sipwarden serve` in the background, log to a file, wait until it
# serves (sipwarden wait-ready), fail if it does not or dies.
start_daemon() {
    SW_N_STARTS=$((SW_N_STARTS + 1))
    SW_DAEMON_LOG="$SW_E2E_DIR/daemon.$SW_N_STARTS.log"
    "$SW_BIN" serve -c "$SW_CONF" >"$SW_DAEMON_LOG" 2>&1 &
    SW_DAEMON_PID=$!
    track_pid "$SW_DAEMON_PID"
    local rc=0
    timeout 20 "$SW_BIN" -c "$SW_CONF" wait-ready --timeout 10 \
        >"$SW_E2E_DIR/wait-ready.$SW_N_STARTS.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] || ! pid_alive "$SW_DAEMON_PID"; then
        tail -n 30 "$SW_DAEMON_LOG" >&2 || true
        cat "$SW_E2E_DIR/wait-ready.$SW_N_STARTS.log" >&2 || true
        fail "daemon not ready (wait-ready exit $rc, pid $SW_DAEMON_PID)"
    fi
    log "daemon $SW_DAEMON_PID ready (start #$SW_N_STARTS)"
}

# SIGTERM the daemon by PID, wait for it (bounded), assert exit status 0.
stop_daemon() {
    local pid=$SW_DAEMON_PID rc=0
    [ -n "$pid" ] || fail "stop_daemon: no daemon started"
    kill -TERM "$pid" || fail "stop_daemon: kill $pid failed"
    if ! wait_pid_gone "$pid" 15; then
        kill -KILL "$pid" 2>/dev/null || true
        fail "daemon $pid still running 15 s after SIGTERM"
    fi
    wait "$pid" || rc=$?
    SW_DAEMON_PID=
    if [ "$rc" -ne 0 ]; then
        tail -n 30 "$SW_DAEMON_LOG" >&2 || true
        fail "daemon exited with status $rc after SIGTERM (expected 0)"
    fi
    log "daemon $pid stopped cleanly"
}

# --- users and registrations ----------------------------------------------------

# Known password of extension EXT, in variable VAR (no fork). It passes the
# daemon's password policy (no extension digits, no 3 repeated or 4
# sequential characters, 4 classes) and has no space, ';' or ']', since it
# travels in a SIPp [authentication] keyword: each digit of EXT picks a
# letter from a shuffled alphabet, interleaved with fixed separators.
user_password_var() { # EXT VAR
    local ext=$1 i d out="Sw9-" tbl=hmrwbgkpuy
    for ((i = 0; i < ${#ext}; i++)); do
        d=${ext:i:1}
        out+="${tbl:$(((d + 3 * i) % 10)):1}."
    done
    printf -v "$2" "%s_Qz4" "$out"
}

user_password() { # EXT
    local pw
    user_password_var "$1" pw
    printf '%s' "$pw"
}

# Create tenant DOMAIN and N users FIRST..FIRST+N-1 with known passwords:
# one `sipwarden user add` each below 50 users, else one `sipwarden user
# import DOMAIN FILE` (CSV ext,password). Writes $SW_E2E_DIR/users.txt
# (EXT@DOMAIN PASSWORD) and the SIPp injection file $SW_E2E_DIR/users.csv:
#   EXT;[authentication username=EXT password=PW];DOMAIN;EXPIRES(3600)
# (SIPp 3.6.1 cannot nest [field] in [authentication], but an injected field
# holding the whole keyword is parsed as one; see testdata README.)
make_users() { # N [FIRST] [DOMAIN]
    local n=$1 first=${2:-1000} domain=${3:-$SW_DOMAIN} i ext pw t0 t1
    local csv="$SW_E2E_DIR/users.csv" imp="$SW_E2E_DIR/users.import"
    local batch=0
    [ "$n" -lt 50 ] || batch=1
    t0=$(date +%s%N)
    assert_ok "tenant add $domain" sw tenant add "$domain"
    echo SEQUENTIAL >"$csv"
    : >"$SW_E2E_DIR/users.txt"
    : >"$imp"
    for ((i = 0; i < n; i++)); do
        ext=$((first + i))
        user_password_var "$ext" pw
        if [ "$batch" -eq 0 ]; then
            timeout 10 "$SW_BIN" -c "$SW_CONF" user add "$ext@$domain" \
                --sip-password "$pw" >/dev/null \
                || fail "user add $ext@$domain failed"
        fi
        printf '%s,%s\n' "$ext" "$pw" >&5
        printf '%s@%s %s\n' "$ext" "$domain" "$pw" >&3
        printf '%s;[authentication username=%s password=%s];%s;3600\n' \
            "$ext" "$ext" "$pw" "$domain" >&4
    done 3>>"$SW_E2E_DIR/users.txt" 4>>"$csv" 5>>"$imp"
    if [ "$batch" -eq 1 ]; then
        assert_ok "user import of $n users" \
            timeout 120 "$SW_BIN" -c "$SW_CONF" user import "$domain" "$imp"
    fi
    t1=$(date +%s%N)
    log "make_users: $n users in $(((t1 - t0) / 1000000)) ms" \
        "($([ "$batch" -eq 1 ] && echo "user import" || echo "user add each"))"
}

# `reg list --json` as a JSON array of bindings with aor, contact, expires
# (sipclient.py reg-json; deviations from the agreed form are tolerated but
# recorded in $SW_E2E_DIR/interface-notes and printed at the end).
reg_json() { # [DOMAIN]
    local out
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" reg list "$@" --json) \
        || fail "reg list --json failed"
    printf '%s' "$out" | "$SW_PY" "$SW_SIPCLIENT" reg-json \
        --notes "$SW_E2E_DIR/interface-notes" \
        || fail "cannot parse reg list --json: $(printf '%s' "$out" | head -c 300)"
}

# Number of bindings (optionally only those of AOR user EXT).
reg_count() { # [EXT]
    local rows
    rows=$(reg_json) || exit 1
    printf '%s' "$rows" | "$SW_PY" -c '
import json, sys
ext = sys.argv[1] if len(sys.argv) > 1 else None
def user(aor):
    a = aor[4:] if aor.startswith("sip:") else aor
    return a.split("@")[0]
print(sum(1 for r in json.load(sys.stdin) if ext is None or user(r["aor"]) == ext))
' "$@"
}

# Bounded poll: until reg_count [EXT] == WANT, at most SECONDS.
wait_reg_count() { # WANT SECONDS [EXT]
    local want=$1 n=$(($2 * 10)) i got=
    shift 2
    for ((i = 0; i < n; i++)); do
        got=$(reg_count "$@")
        [ "$got" = "$want" ] && return 0
        sleep 0.1
    done
    fail "expected $want bindings${1:+ for $1}, have $got after $((n / 10)) s"
}

# --- SIPp -----------------------------------------------------------------------

# run_sipp NAME SCENARIO TRANSPORT(u1|t1|tn) PORT [sipp args...]
# Runs SIPp as a client against the daemon with the users.csv injection file
# and the digest uri sip:DOMAIN; fails the test unless SIPp exits 0.
run_sipp() {
    local name=$1 sf=$2 tr=$3 port=$4 rc=0
    shift 4
    local out="$SW_E2E_DIR/sipp-$name"
    timeout --kill-after=5 300 sipp "$SW_HOST:$port" -sf "$sf" -t "$tr" \
        -i "$SW_HOST" -p 0 -auth_uri "$SW_DOMAIN" \
        -buff_size 4194304 -max_socket 4096 \
        -trace_err -error_file "$out.err" \
        -trace_stat -stf "$out.csv" \
        -timeout 240s -timeout_error -nostdin \
        -default_behaviors all,-bye "$@" \
        </dev/null >"$out.screen" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "$out.screen" >&2 || true
        head -c 4000 "$out.err" >&2 2>/dev/null || true
        fail "SIPp $name exited $rc (expected 0)"
    fi
    log "SIPp $name: exit 0"
}
