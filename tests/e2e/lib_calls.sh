# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2034
# Helpers for the call cases (call_routing, call_limits, call_trunks,
# call_fraud), sourced after lib.sh: SIPp runs with message traces kept in
# $SW_E2E_DIR, SIPp providers and phones in the background, scenario
# templates rendered with @KEY@ values, CDR and security-event assertions
# (checked once: the daemon records a call before answering it), and the hold/release
# pair that keeps a call up while another one is tried. The SIPp scenarios
# they share live in tests/e2e/call_routing/.

SW_CALLS_SF="$SW_E2E_ROOT/call_routing"
SW_CALLS_BG_PIDS=()
SW_CALLS_CSV_N=0

# --- SIPp -----------------------------------------------------------------------

# Dump the traces of a failed SIPp run named NAME to stderr.
calls_sipp_dump() { # NAME
    local out="$SW_E2E_DIR/sipp-$1"
    echo "--- SIPp $1: screen (tail) ---" >&2
    tail -n 25 "$out.screen" >&2 2>/dev/null || true
    echo "--- SIPp $1: errors ---" >&2
    head -c 3000 "$out.err" >&2 2>/dev/null || true
    echo "--- SIPp $1: message trace ($out.msg) ---" >&2
    tail -c 8000 "$out.msg" >&2 2>/dev/null || true
}

# calls_sipp NAME SRC_IP SCENARIO [sipp args...]: one SIPp run against the
# daemon's UDP port from SRC_IP (-p 0 unless the args give -p), traces in
# $SW_E2E_DIR/sipp-NAME.{msg,err,screen}; fails the test unless SIPp exits 0.
# The digest uri is sip:$SW_CALLS_AUTH_URI (default the test domain).
calls_sipp() {
    local name=$1 src=$2 sf=$3 rc=0 port_args=(-p 0)
    shift 3
    local out="$SW_E2E_DIR/sipp-$name" a
    for a in "$@"; do
        [ "$a" != -p ] || port_args=()
    done
    timeout --kill-after=5 45 sipp "$SW_HOST:$SW_UDP_PORT" -sf "$sf" -t u1 \
        -i "$src" "${port_args[@]}" -auth_uri "${SW_CALLS_AUTH_URI:-$SW_DOMAIN}" \
        -trace_msg -message_file "$out.msg" \
        -trace_err -error_file "$out.err" \
        -timeout 30s -timeout_error -nostdin -default_behaviors all,-bye \
        "$@" </dev/null >"$out.screen" 2>&1 &
    # Recorded, so the harness's cleanup stops it if the test dies early.
    local pid=$!
    track_pid "$pid"
    wait "$pid" || rc=$?
    if [ "$rc" -ne 0 ]; then
        calls_sipp_dump "$name"
        fail "SIPp $name exited $rc (expected 0)"
    fi
    log "SIPp $name: exit 0"
}

# A SIPp server (phone, provider, registrar) on IP:PORT running SCENARIO
# in the background; collect it with calls_wait_bg. Nothing waits for its
# socket: everything sent to it goes over UDP in a client transaction of
# the daemon, which retransmits (500 ms, 1 s, ...) until it answers.
calls_uas() { # NAME IP PORT SCENARIO [sipp args...]
    local name=$1 ip=$2 port=$3 sf=$4
    shift 4
    (calls_sipp "$name" "$ip" "$sf" -p "$port" "$@") &
    SW_CALLS_BG_PIDS+=("$!")
    track_pid "$!"
}

# A UAC in the background (a held call); collect with calls_wait_bg.
calls_uac_bg() { # NAME SRC_IP SCENARIO [sipp args...]
    (calls_sipp "$@") &
    SW_CALLS_BG_PIDS+=("$!")
    track_pid "$!"
}

# Wait for every background SIPp; fail if one failed (its traces were
# printed by calls_sipp). Bounded by calls_sipp's own timeout.
calls_wait_bg() {
    local pid bad=0
    for pid in "${SW_CALLS_BG_PIDS[@]}"; do
        wait "$pid" || bad=1
    done
    SW_CALLS_BG_PIDS=()
    [ "$bad" -eq 0 ] || fail "a background SIPp failed (see its trace above)"
}

# Render a scenario template: copy IN to $SW_E2E_DIR/OUT replacing every
# @KEY@ by VALUE (literally); prints the path.
calls_render() { # IN OUT KEY=VALUE...
    local in=$1 out="$SW_E2E_DIR/$2"
    shift 2
    "$SW_PY" - "$in" "$out" "$@" <<'EOF' || fail "cannot render $in"
import sys
src, dst, *pairs = sys.argv[1:]
text = open(src, encoding="utf-8").read()
for p in pairs:
    k, _, v = p.partition("=")
    text = text.replace("@" + k + "@", v)
import re
left = re.findall(r"@[A-Z_]+@", text)
if left:
    sys.exit("unreplaced placeholders: %s" % " ".join(sorted(set(left))))
open(dst, "w", encoding="utf-8").write(text)
EOF
    printf '%s' "$out"
}

# Escape a string for a POSIX extended regexp.
calls_re() { # TEXT
    printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'
}

# --- tenants, users, trunks -------------------------------------------------------

# Tenant DOMAIN with the UK-like profile the cases use: country code 44,
# national prefix 0, international prefix 00, time zone UTC.
calls_tenant() { # DOMAIN
    assert_ok "tenant add $1" sw tenant add "$1"
    assert_ok "profile of $1" sw tenant profile set "$1" --country-code 44 \
        --national-prefix 0 --international-prefix 00 --time-zone UTC
}

calls_user() { # EXT DOMAIN ROLE
    local pw
    user_password_var "$1" pw
    assert_ok "user add $1@$2" sw user add "$1@$2" --role "$3" \
        --sip-password "$pw"
}

# Injection file for a caller: EXT;[authentication ...];DOMAIN;NUMBER.
# Prints its path.
calls_caller_csv() { # EXT DOMAIN NUMBER
    local pw f
    user_password_var "$1" pw
    SW_CALLS_CSV_N=$((SW_CALLS_CSV_N + 1))
    f="$SW_E2E_DIR/caller.$SW_CALLS_CSV_N.csv"
    {
        echo SEQUENTIAL
        printf '%s;[authentication username=%s password=%s];%s;%s\n' \
            "$1" "$1" "$pw" "$2" "$3"
    } >"$f"
    printf '%s' "$f"
}

# Register extension EXT@DOMAIN with its Contact at CONTACT (ip:port),
# from CONTACT's address.
calls_register_phone() { # EXT DOMAIN CONTACT_IP CONTACT_PORT
    local pw f="$SW_E2E_DIR/phone-$1.csv"
    user_password_var "$1" pw
    {
        echo SEQUENTIAL
        printf '%s;[authentication username=%s password=%s];%s;3600;%s:%s\n' \
            "$1" "$1" "$pw" "$2" "$3" "$4"
    } >"$f"
    SW_CALLS_AUTH_URI=$2 calls_sipp "register-$1" "$3" \
        "$SW_CALLS_SF/register_contact.xml" -inf "$f" -m 1
}

# --- calls ------------------------------------------------------------------------

# An outbound (or internal) call from EXT@DOMAIN to NUMBER that must be
# answered and hung up.
calls_answered() { # NAME EXT DOMAIN NUMBER [SRC_IP]
    local csv
    csv=$(calls_caller_csv "$2" "$3" "$4")
    SW_CALLS_AUTH_URI=$3 calls_sipp "$1" "${5:-$SW_CALLER_IP}" \
        "$SW_CALLS_SF/uac_call.xml" -inf "$csv" -m 1
}

# A call from EXT@DOMAIN to NUMBER that must be answered STATUS after the
# 407 round, with `Reason: SIP;cause=STATUS;text="RULE"`; a 403 must also
# carry `Warning: 399 sipwarden "..."` and a call_rate 503 a Retry-After.
calls_refused() { # NAME EXT DOMAIN NUMBER STATUS RULE
    local name=$1 csv sf warn=0 ra=0
    csv=$(calls_caller_csv "$2" "$3" "$4")
    [ "$5" != 403 ] || warn=1
    [ "$6" != call_rate ] || ra=1
    sf=$(calls_render "$SW_CALLS_SF/uac_refused.xml.in" "uac_refused_$name.xml" \
        STATUS="$5" RULE="$6" \
        WARNING_CHECK="$([ "$warn" = 1 ] && echo true || echo false)" \
        RETRY_AFTER_CHECK="$([ "$ra" = 1 ] && echo true || echo false)")
    SW_CALLS_AUTH_URI=$3 calls_sipp "$name" "$SW_CALLER_IP" "$sf" \
        -inf "$csv" -m 1
}

# A provider on IP:PORT answering N calls whose Request-URI must be
# sip:USER@IP:PORT (USER literal, e.g. "+33123"); background.
calls_provider() { # NAME IP PORT USER [N]
    local sf re
    re="^INVITE sip:$(calls_re "$4")@$(calls_re "$2"):$3[;> ]"
    sf=$(calls_render "$SW_CALLS_SF/uas_trunk.xml.in" "uas_trunk_$1.xml" \
        RURI="$re")
    calls_uas "$1" "$2" "$3" "$sf" -m "${5:-1}"
}

# A provider on IP:PORT that answers one call STATUS (failover tests);
# the Request-URI is checked as in calls_provider; background.
calls_provider_fail() { # NAME IP PORT USER STATUS
    local sf re
    re="^INVITE sip:$(calls_re "$4")@$(calls_re "$2"):$3[;> ]"
    sf=$(calls_render "$SW_CALLS_SF/uas_trunk_fail.xml.in" \
        "uas_trunk_fail_$1.xml" RURI="$re" STATUS="$5")
    calls_uas "$1" "$2" "$3" "$sf" -m 1
}

# A phone (registered Contact) on IP:PORT answering one call as EXT.
calls_phone() { # NAME IP PORT EXT
    calls_uas "$1" "$2" "$3" "$SW_CALLS_SF/uas_answer.xml" -m 1 -key ext "$4"
}

# calls_hold NAME EXT DOMAIN NUMBER SRC_IP PORT: a call answered and kept
# up until calls_release NAME. Returns once the caller has sent its ACK
# (the scenario writes a line into a FIFO this function reads, 10 s at
# most). SRC_IP:PORT is the caller's fixed address, which calls_release
# sends its trigger to.
calls_hold() {
    local name=$1 csv sf fd flag="$SW_E2E_DIR/held-$1"
    csv=$(calls_caller_csv "$2" "$3" "$4")
    rm -f "$flag"
    mkfifo "$flag"
    exec {fd}<>"$flag" # read-write: opening never blocks, nor SIPp's write
    sf=$(calls_render "$SW_CALLS_SF/uac_hold.xml.in" "uac_hold_$name.xml" \
        FLAG="$flag")
    # SIPp maps answers by its own Call-ID: -cid_str makes it hold-NAME-1@...
    SW_CALLS_AUTH_URI=$3 calls_uac_bg "$name" "$5" "$sf" -p "$6" \
        -inf "$csv" -m 1 \
        -cid_str "hold-$name-%u@e2e.invalid"
    eval "SW_CALLS_HOLD_${name//-/_}=$5:$6"
    if read -r -t 10 -u "$fd" _; then
        exec {fd}<&-
        log "call $name is up (held)"
        return 0
    fi
    exec {fd}<&-
    calls_sipp_dump "$name"
    fail "held call $name not up (answered and ACKed) within 10 s"
}

# End a held call: a NOTIFY with its Call-ID sent straight to the holding
# SIPp, which then sends its BYE through the proxy.
calls_release() { # NAME
    local name=$1 var="SW_CALLS_HOLD_${1//-/_}" addr ip port
    addr=${!var:?no held call $name}
    ip=${addr%:*}
    port=${addr##*:}
    "$SW_PY" - "$ip" "$port" "hold-$name-1@e2e.invalid" <<'EOF' \
        || fail "cannot send the release trigger to $name"
import socket, sys
ip, port, cid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
msg = ("NOTIFY sip:release@%s:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKrelease\r\n"
       "From: <sip:e2e@e2e.invalid>;tag=release\r\n"
       "To: <sip:held@e2e.invalid>\r\n"
       "Call-ID: %s\r\nCSeq: 1 NOTIFY\r\nMax-Forwards: 70\r\n"
       "Event: e2e-release\r\nContent-Length: 0\r\n\r\n") % (ip, port, cid)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.sendto(msg.encode(), (ip, port))
EOF
    log "released $name"
}

# --- CDRs and events -------------------------------------------------------------

# Number of CDRs of DOMAIN matching every KEY=VALUE (caller compares the
# user part; other keys compare the JSON field as text).
calls_cdr_count() { # DOMAIN KEY=VALUE...
    local d=$1 out
    shift
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" cdr list "$d" --limit 1000 --json) \
        || fail "cdr list $d --json failed: $(printf '%s' "$out" | head -c 300)"
    printf '%s' "$out" | "$SW_PY" -c '
import json, sys
rows = json.load(sys.stdin).get("cdrs", [])
want = dict(a.split("=", 1) for a in sys.argv[1:])
def user(v):
    v = "" if v is None else str(v)
    if v.startswith("sip:"):
        v = v[4:]
    return v.split("@")[0]
def ok(r):
    for k, v in want.items():
        got = r.get(k)
        if k in ("caller", "callee"):
            if user(got) != v:
                return False
        elif ("" if got is None else str(got)) != v:
            return False
    return True
print(sum(1 for r in rows if ok(r)))
' "$@"
}

# Exactly WANT CDRs of DOMAIN match the filters. No waiting: the daemon
# records a call's end before its last answer leaves, and `cdr list`
# writes the queued records before it reads.
calls_expect_cdr() { # WANT DOMAIN KEY=VALUE...
    local want=$1 d=$2 got
    shift 2
    got=$(calls_cdr_count "$d" "$@")
    [ "$got" = "$want" ] && return 0
    echo "--- cdr list $d --json ---" >&2
    sw cdr list "$d" --limit 1000 --json >&2 || true
    fail "expected $want CDRs of $d with $*, found $got"
}

# Lines of the daemon's log holding every given substring.
calls_log_count() { # SUBSTRING...
    "$SW_PY" - "$SW_DAEMON_LOG" "$@" <<'EOF'
import sys
path, *subs = sys.argv[1:]
with open(path, encoding="utf-8", errors="replace") as f:
    print(sum(1 for l in f if all(s in l for s in subs)))
EOF
}

# Exactly WANT daemon log lines hold every substring (e.g.
# "event=call_refused" "rule=country_not_allowed"). No waiting: events of
# a call are written before its answer leaves.
calls_expect_log() { # WANT SUBSTRING...
    local want=$1 got
    shift
    got=$(calls_log_count "$@")
    [ "$got" = "$want" ] && return 0
    echo "--- daemon log lines with 'event=' ---" >&2
    grep 'event=' "$SW_DAEMON_LOG" | tail -n 30 >&2 || true
    fail "expected $want daemon log lines with: $*; found $got"
}

# A refusal of EXT@DOMAIN by RULE just happened: wait for its CDR (result
# refused, reason RULE) and its security event line
# (event=call_refused ... rule=RULE). The expected counts are kept here,
# per caller and rule for CDRs and per rule for events, so call this once
# per refused call.
declare -A SW_CALLS_N_CDR=() SW_CALLS_N_EV=()
calls_assert_refusal() { # DOMAIN EXT RULE
    local k="$2@$1/$3"
    SW_CALLS_N_CDR[$k]=$((${SW_CALLS_N_CDR[$k]:-0} + 1))
    SW_CALLS_N_EV[$3]=$((${SW_CALLS_N_EV[$3]:-0} + 1))
    calls_expect_cdr "${SW_CALLS_N_CDR[$k]}" "$1" caller="$2" result=refused \
        reason="$3"
    calls_expect_log "${SW_CALLS_N_EV[$3]}" "event=call_refused" "rule=$3"
}
