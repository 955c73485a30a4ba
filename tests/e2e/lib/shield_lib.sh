# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the shield end-to-end cases (tests/e2e/shield_*), sourced
# after lib.sh: security settings, the ban list and its explanations, the
# daemon counters, the security events in the daemon log, SIPp runs from a
# chosen source address whose outcome is read from SIPp's statistics, and
# the SIPVicious wrapper. Waits are bounded polls of a condition.

SW_SV="$SW_E2E_ROOT/lib/shield_sv.py"
SW_SHIELD_PY="$SW_E2E_ROOT/lib/shield_util.py"

# `sipwarden security set KEY VALUE` for each KEY VALUE pair (applies at
# once to the running daemon).
sec_set() { # KEY VALUE [KEY VALUE...]
    while [ $# -ge 2 ]; do
        assert_ok "security set $1 $2" \
            timeout 20 "$SW_BIN" -c "$SW_CONF" security set "$1" "$2"
        shift 2
    done
}

# The settings as the daemon reports them: value of KEY.
sec_get() { # KEY
    local out
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" security show --json) \
        || fail "security show --json failed"
    printf '%s' "$out" | "$SW_PY" "$SW_SHIELD_PY" setting "$1" \
        || fail "no setting $1 in: $(printf '%s' "$out" | head -c 300)"
}

# Raw `ban why NET --json` output ("" and status 1 when the CLI fails,
# e.g. because NET is not banned).
ban_why_raw() { # NET
    timeout 20 "$SW_BIN" -c "$SW_CONF" ban why "$1" --json 2>&1
}

# Field FIELD of the active ban of NET (an address is its /32 or /128), or
# "" when NET is not banned.
ban_field() { # NET FIELD
    local out
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" ban list --json) \
        || fail "ban list --json failed: $out"
    printf '%s' "$out" | "$SW_PY" "$SW_SHIELD_PY" ban-field "$1" "$2" \
        || fail "cannot parse ban list --json: $(printf '%s' "$out" | head -c 300)"
}

# Number of active bans covering NET (0 or 1).
ban_count() { # NET
    local out
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" ban list --json) \
        || fail "ban list --json failed: $out"
    printf '%s' "$out" | "$SW_PY" "$SW_SHIELD_PY" ban-count "$1" \
        || fail "cannot parse ban list --json: $(printf '%s' "$out" | head -c 300)"
}

# Bounded poll until NET is banned with reason REASON (at most SECONDS).
wait_ban_reason() { # NET REASON SECONDS
    local end=$((SECONDS + $3 + 1)) got=
    while :; do
        got=$(ban_field "$1" reason)
        [ "$got" = "$2" ] && return 0
        [ "$SECONDS" -lt "$end" ] || break
        sleep 0.1
    done
    fail "$1: expected a ban with reason $2 within $3 s, have '${got:-no ban}'"
}

# Assert `ban why NET --json` explains a ban with reason REASON; prints the
# JSON object of the ban (for further checks with json_get).
assert_ban_why() { # NET REASON
    local out rc=0 reason
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" ban why "$1" --json 2>&1) || rc=$?
    [ "$rc" -eq 0 ] || fail "ban why $1 --json exited $rc: $out"
    reason=$(printf '%s' "$out" | "$SW_PY" "$SW_SHIELD_PY" why-field reason) \
        || fail "cannot parse ban why $1 --json: $(printf '%s' "$out" | head -c 400)"
    assert_eq "$reason" "$2" "ban why $1: reason"
    printf '%s' "$out"
}

# Field of the ban object in a `ban why --json` answer.
why_field() { # JSON FIELD
    printf '%s' "$1" | "$SW_PY" "$SW_SHIELD_PY" why-field "$2" \
        || fail "no field $2 in: $(printf '%s' "$1" | head -c 400)"
}

# Sum of the daemon counters NAME... from `stats --json` that exist (fails
# when none does).
stat_sum() { # NAME...
    local out
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" stats --json) \
        || fail "stats --json failed: $out"
    printf '%s' "$out" | "$SW_PY" "$SW_SHIELD_PY" stat-sum "$@" \
        || fail "none of the counters $* in: $(printf '%s' "$out" | head -c 400)"
}

# Daemon counter NAME from `stats --json`.
stat_get() { # NAME
    local out
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" stats --json) \
        || fail "stats --json failed: $out"
    printf '%s' "$out" | "$SW_PY" "$SW_SHIELD_PY" stat "$1" \
        || fail "no counter $1 in: $(printf '%s' "$out" | head -c 400)"
}

# Security event lines of the daemon log with event=TYPE and all further
# key=value words given (e.g. src=127.0.0.2 reason=l1_rate).
events() { # TYPE [KEY=VALUE...]
    local type=$1 kv
    shift
    local pat="sipwarden\[security\]: event=$type "
    local out
    out=$(grep -E -- "$pat" "$SW_DAEMON_LOG" || true)
    for kv in "$@"; do
        out=$(printf '%s\n' "$out" | grep -F -- " $kv" || true)
    done
    printf '%s' "$out"
}

event_count() { # TYPE [KEY=VALUE...]
    local out
    out=$(events "$@")
    if [ -z "$out" ]; then echo 0; else printf '%s\n' "$out" | wc -l; fi
}

# Bounded poll until the daemon log has an event matching TYPE KEY=VALUE...
wait_event() { # SECONDS TYPE [KEY=VALUE...]
    local end=$((SECONDS + $1 + 1)) secs=$1
    shift
    while :; do
        [ "$(event_count "$@")" -ge 1 ] && return 0
        [ "$SECONDS" -lt "$end" ] || break
        sleep 0.1
    done
    fail "no security event '$*' in the daemon log after $secs s"
}

# shield_sipp NAME SRC SCENARIO [sipp args...]: SIPp over UDP from SRC
# (port chosen by the kernel) to the daemon, statistics in
# $SW_E2E_DIR/sipp-NAME.csv (read with sipp_stat). Returns SIPp's exit
# status (failed calls are expected in some runs: check the statistics).
shield_sipp() {
    local name=$1 src=$2 sf=$3 rc=0
    shift 3
    local out="$SW_E2E_DIR/sipp-$name"
    timeout --kill-after=5 120 sipp "$SW_HOST:$SW_UDP_PORT" -sf "$sf" -t u1 \
        -i "$src" -p 0 -auth_uri "$SW_DOMAIN" \
        -buff_size 4194304 -max_socket 4096 \
        -trace_err -error_file "$out.err" \
        -trace_stat -stf "$out.csv" \
        -timeout 100s -nostdin "$@" \
        </dev/null >"$out.screen" 2>&1 || rc=$?
    if [ -s "$out.csv" ]; then
        log "SIPp $name from $src: exit $rc, $(sipp_stat "$name" SuccessfulCall) ok," \
            "$(sipp_stat "$name" FailedCall) failed"
    else
        log "SIPp $name from $src: exit $rc, no statistics: $(tail -n 5 "$out.screen")"
    fi
    return "$rc"
}

# Cumulative counter COUNTER of SIPp run NAME (last line of its statistics
# file), e.g. SuccessfulCall, FailedCall, OutgoingCall.
sipp_stat() { # NAME COUNTER
    "$SW_PY" "$SW_SHIELD_PY" sipp-stat "$SW_E2E_DIR/sipp-$1.csv" "$2(C)" \
        || fail "no $2 in SIPp statistics $SW_E2E_DIR/sipp-$1.csv"
}

# shield_sv NAME SRC [--ua UA] TOOL ARGS...: a SIPVicious tool from SRC,
# output (stdout+stderr) in $SW_E2E_DIR/sv-NAME.out; returns its status.
shield_sv() {
    local name=$1 src=$2 rc=0
    shift 2
    mkdir -p "$SW_E2E_DIR/home"
    HOME="$SW_E2E_DIR/home" timeout --kill-after=5 90 \
        "$SW_PY" "$SW_SV" --src "$src" --sock-timeout 2 "$@" \
        </dev/null >"$SW_E2E_DIR/sv-$name.out" 2>&1 || rc=$?
    log "SIPVicious $name ($*) from $src: exit $rc"
    return "$rc"
}
