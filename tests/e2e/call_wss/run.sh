#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# SIP over secure WebSocket (RFC 7118) with a real WebRTC client: JsSIP
# (npm) in headless Debian Chromium (playwright-core, tests/portal).
# 1. JsSIP registers extension 100 over wss://127.0.0.1:5065 with digest
#    authentication; `reg list --json` shows the binding from wss:.
# 2. JsSIP calls 200, a SIPp phone on UDP (127.0.0.3:5070) that answers
#    with a DTLS-SRTP SDP Chromium accepts; the proxy crosses WSS -> UDP
#    with two Record-Route entries (RFC 5658, transport=ws on ours); the
#    call is confirmed in JsSIP, JsSIP hangs up, SIPp gets the BYE and its
#    200 reaches JsSIP; SIPp exits 0; the CDR says answered. Then a SIPp
#    phone on UDP (127.0.0.2, as 200) calls 100: the INVITE reaches JsSIP
#    over the WebSocket connection it registered on (its Contact is an
#    .invalid host), JsSIP answers, the phone hangs up.
# 3. The shield: raw `new WebSocket(url, 'sip')` clients from 127.0.0.8
#    (a CONNECT proxy of the test: the daemon never bans its own
#    addresses) answer challenges wrongly until the address is banned
#    (auth_failures); a new WSS connection from it is refused by the WSS
#    listener's accept filter (kernel_sync off, so nftables is not what
#    refuses it).
source "$SW_E2E_ROOT/lib.sh"

NM=$(cd "$SW_E2E_ROOT/../portal" && pwd)/node_modules
[ -f "$NM/playwright-core/package.json" ] && [ -f "$NM/jssip/package.json" ] ||
    fail "playwright-core / jssip not installed: run 'npm ci' in tests/portal (scripts/deps.sh)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium missing (scripts/deps.sh)"

PHONE_IP=127.0.0.3
PHONE_PORT=5070
WSS_PORT=5065
conf_set sip wss "127.0.0.1:$WSS_PORT"
# SIPp answers the first WWW-Authenticate, JsSIP 3.13 the last one and
# only if it is MD5: offer MD5 alone.
conf_set sip digest_algorithms "MD5"
start_daemon
grep -q "listening on wss 127.0.0.1:$WSS_PORT" "$SW_DAEMON_LOG" ||
    fail "no WSS listener in the daemon's output"
make_users 1 100
user_password_var 200 pw200
assert_ok "user add 200" timeout 10 "$SW_BIN" -c "$SW_CONF" user add \
    "200@$SW_DOMAIN" --sip-password "$pw200"

sipp_run() { # NAME SCENARIO [sipp args...]
    local name=$1 sf=$2 rc=0
    shift 2
    local out="$SW_E2E_DIR/sipp-$name"
    timeout --kill-after=5 60 sipp "$SW_HOST:$SW_UDP_PORT" -sf "$sf" -t u1 \
        -i "$PHONE_IP" -auth_uri "$SW_DOMAIN" -trace_err \
        -error_file "$out.err" -trace_msg -message_file "$out.msg" \
        -timeout 45s -timeout_error -nostdin -default_behaviors all,-bye \
        "$@" </dev/null >"$out.screen" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -n 30 "$out.screen" >&2 || true
        head -c 4000 "$out.err" >&2 2>/dev/null || true
        tail -c 6000 "$out.msg" >&2 2>/dev/null || true
        fail "SIPp $name exited $rc (expected 0)"
    fi
    log "SIPp $name: exit 0"
}

# The UDP phone: 200 registers with its Contact at PHONE_IP:PHONE_PORT,
# where a SIPp UAS then waits for the call.
reg_csv="$SW_E2E_DIR/phone.csv"
printf 'SEQUENTIAL\n200;[authentication username=200 password=%s];%s;3600;%s:%s\n' \
    "$pw200" "$SW_DOMAIN" "$PHONE_IP" "$PHONE_PORT" >"$reg_csv"
sipp_run register "$SW_E2E_ROOT/call_basic/register_contact.xml" -p 0 \
    -inf "$reg_csv" -m 1 -l 1
wait_reg_count 1 10 200
(sipp_run uas "$SW_CASE_DIR/uas_webrtc.xml" -p "$PHONE_PORT" -m 1 \
    -key ext 200) &
uas_pid=$!
track_pid "$uas_pid"
for ((i = 0; i < 100; i++)); do
    ss -Hunl "src $PHONE_IP:$PHONE_PORT" | grep -q . && break
    sleep 0.05
done
ss -Hunl "src $PHONE_IP:$PHONE_PORT" | grep -q . || fail "SIPp UAS not listening"

user_password_var 100 pw100

# The UDP phone that calls the WebRTC client afterwards (run by wss.mjs
# while the page is up): 200 from CALLER_IP, authenticated, to 100.
CALLER_IP=127.0.0.2
in_csv="$SW_E2E_DIR/inbound.csv"
printf 'SEQUENTIAL\n200;[authentication username=200 password=%s];%s;100\n' \
    "$pw200" "$SW_DOMAIN" >"$in_csv"
sipp_inbound=$("$SW_PY" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' \
    "$SW_HOST:$SW_UDP_PORT" -sf "$SW_CASE_DIR/uac_webrtc.xml" -t u1 \
    -i "$CALLER_IP" -p 0 -auth_uri "$SW_DOMAIN" -inf "$in_csv" -m 1 \
    -trace_err -error_file "$SW_E2E_DIR/sipp-inbound.err" \
    -trace_msg -message_file "$SW_E2E_DIR/sipp-inbound.msg" \
    -timeout 30s -timeout_error -nostdin -default_behaviors all,-bye)

browser() { # PHASE [VAR=VALUE...]
    local phase=$1 rc=0
    shift
    env "$@" SW_NODE_MODULES="$NM" SW_BIN="$SW_BIN" SW_CONF="$SW_CONF" \
        SW_WSS_URL="wss://127.0.0.1:$WSS_PORT" SW_DOMAIN="$SW_DOMAIN" \
        SW_EXT=100 SW_PASSWORD="$pw100" SW_CALLEE=200 SW_E2E_DIR="$SW_E2E_DIR" \
        SW_SIPP_INBOUND="$sipp_inbound" SW_WSS_DEBUG="${SW_WSS_DEBUG:-}" \
        HOME="$SW_E2E_DIR" XDG_CONFIG_HOME="$SW_E2E_DIR/xdg" \
        XDG_CACHE_HOME="$SW_E2E_DIR/xdg" \
        timeout --kill-after=5 120 node "$SW_CASE_DIR/wss.mjs" "$phase" \
        >"$SW_E2E_DIR/browser-$phase.out" 2>&1 || rc=$?
    cat "$SW_E2E_DIR/browser-$phase.out" >&2
    if [ "$rc" -ne 0 ]; then
        for f in "$SW_E2E_DIR"/sipp-inbound.*; do
            [ -f "$f" ] && { echo "--- $f" >&2; tail -c 4000 "$f" >&2; }
        done
        fail "browser phase $phase failed (exit $rc)"
    fi
}

# 1 + 2: register, call, hang up.
browser call
wait_pid_gone "$uas_pid" 30 || fail "SIPp UAS still running after the call"
wait "$uas_pid" || fail "SIPp UAS failed (see above)"

# The CDRs (written behind): both calls answered, 100 -> 200 (WebRTC to
# UDP) and 200 -> 100 (UDP to WebRTC).
cdr=
for ((i = 0; i < 100; i++)); do
    cdr=$(sw cdr list "$SW_DOMAIN" --json | "$SW_PY" -c '
import json, sys
d = json.load(sys.stdin)
rows = d if isinstance(d, list) else d.get("cdrs", [])
def one(a, b):
    return [r for r in rows if r.get("caller") == a and r.get("callee") == b
            and r.get("result") == "answered"]
out, inb = one("100", "200"), one("200", "100")
print(json.dumps([out[0], inb[0]]) if out and inb else "")
')
    [ -n "$cdr" ] && break
    sleep 0.1
done
[ -n "$cdr" ] || { sw cdr list "$SW_DOMAIN" --json >&2 || true; fail "no answered CDRs 100 -> 200 and 200 -> 100"; }
log "CDRs: $cdr"

# 3: the shield bans a WebSocket client failing authentication.
BAN_SRC=127.0.0.8
sw security set auth_fail_threshold 5 >/dev/null || fail "security set failed"
# Bans stay in the daemon (no kernel set) so that the new connection of the
# banned address meets the WSS listener's accept filter, not nftables.
sw security set kernel_sync off >/dev/null || fail "security set failed"
browser shield SW_BAN_SOURCE="$BAN_SRC" SW_AUTH_THRESHOLD=5
why=$(sw ban why "$BAN_SRC" 2>&1 || true)
assert_contains "$why" auth_failures "ban why $BAN_SRC"
stop_daemon
