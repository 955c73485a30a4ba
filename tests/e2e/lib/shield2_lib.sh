# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the shield e2e cases (shield_kernel, shield_geo,
# shield_restart, shield_whitelist, shield_memory), sourced after lib.sh:
# daemon counters, ban list / why, probes from a chosen source address
# (tests/e2e/lib/shield2_sip.py), bounded polls, nftables set reading.
# Nothing here sleeps to synchronise: waits are bounded polls of a
# condition.

S2_SIP="$SW_E2E_ROOT/lib/shield2_sip.py"
S2_SERVER="$SW_HOST:$SW_UDP_PORT"

# A CLI command that must succeed; its stdout is printed.
s2_cli() { # ARGS...
    local out rc=0
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" "$@" 2>&1) || rc=$?
    [ "$rc" -eq 0 ] || fail "sipwarden $* (exit $rc): $(printf '%s' "$out" | tail -n 10)"
    printf '%s\n' "$out"
}

s2_set() { # KEY VALUE
    s2_cli security set "$1" "$2" >/dev/null
    log "security set $1 $2"
}

# Evaluate a Python expression over a JSON document given on stdin (the
# document is `d`); prints the result (JSON for lists/dicts).
s2_jq() { # EXPR
    "$SW_PY" -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1], {"d": d})
print(json.dumps(v) if isinstance(v, (dict, list)) else v)
' "$1"
}

s2_stats() {
    s2_cli stats --json
}

# One daemon counter from `stats --json` ("stats" object, or top level).
s2_stat() { # KEY
    local out v
    out=$(s2_stats)
    v=$(printf '%s' "$out" | "$SW_PY" -c '
import json, sys
d = json.load(sys.stdin)
print((d.get("stats", d))[sys.argv[1]])
' "$1" 2>/dev/null) || fail "no counter $1 in stats --json: $(printf '%s' "$out" | head -c 400)"
    printf '%s\n' "$v"
}

# Packets dropped for their rate: the agreed counter is drop_rate; the
# daemon may name the packet-rate part drop_flood (then drop_flood +
# drop_method is used and the deviation noted).
s2_stat_rate() {
    local out
    out=$(s2_stats)
    printf '%s' "$out" | "$SW_PY" -c '
import json, sys
s = json.load(sys.stdin)
s = s.get("stats", s)
if "drop_rate" in s:
    print(s["drop_rate"])
else:
    print(int(s.get("drop_flood", 0)) + int(s.get("drop_method", 0)))
    with open(sys.argv[1], "a") as f:
        f.write("stats --json has no drop_rate; used drop_flood + drop_method\n")
' "$SW_E2E_DIR/interface-notes" || fail "no rate drop counter in: $out"
}

# Bans as a JSON array (`ban list --json`: {"ok":..,"bans":[...]} or an array).
s2_bans() {
    s2_cli ban list --json | "$SW_PY" -c '
import json, sys
d = json.load(sys.stdin)
if isinstance(d, dict):
    d = d.get("bans", d.get("items", []))
print(json.dumps(d))
'
}

# The ban of NET as a JSON object, "null" when none.
s2_ban_of() { # NET
    s2_bans | "$SW_PY" -c '
import json, sys
want = sys.argv[1]
def norm(n):
    return n if "/" in n else n + ("/128" if ":" in n else "/32")
for b in json.load(sys.stdin):
    if norm(b.get("net", "")) == norm(want):
        print(json.dumps(b)); break
else:
    print("null")
' "$1"
}

s2_is_banned() { # NET
    [ "$(s2_ban_of "$1")" != null ]
}

# Bounded poll: run CMD every 0.1 s until it succeeds, until SECONDS have
# passed (wall clock); fail with WHAT otherwise.
s2_wait() { # WHAT SECONDS CMD...
    local what=$1 deadline
    deadline=$(($(date +%s%N) / 1000000 + $(awk -v s="$2" 'BEGIN { printf "%d", s * 1000 }')))
    shift 2
    while :; do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        [ $(($(date +%s%N) / 1000000)) -lt "$deadline" ] || break
        sleep 0.1
    done
    fail "timed out waiting for: $what"
}

# OPTIONS from SRC; prints the final status or "none".
s2_probe() { # SRC [shield2_sip.py options args...]
    local src=$1
    shift
    timeout 30 "$SW_PY" "$S2_SIP" options --server "$S2_SERVER" \
        --src "$src" "$@" || true
}

s2_expect_answer() { # SRC WHAT
    local got
    got=$(s2_probe "$1")
    [ "$got" = 200 ] || fail "$2: OPTIONS from $1 expected 200, got '$got'"
}

# Silence: no answer to an OPTIONS retransmitted for 2.5 s.
s2_expect_silent() { # SRC WHAT
    local got
    got=$(s2_probe "$1" --timeout 2.5)
    [ "$got" = none ] || fail "$2: OPTIONS from $1 expected no answer, got '$got'"
}

# OPTIONS flood from SRC at PPS for SECONDS; prints {"sent","answered"}.
s2_flood() { # SRC PPS SECONDS [args...]
    local src=$1 pps=$2 secs=$3
    shift 3
    timeout 120 "$SW_PY" "$S2_SIP" flood --server "$S2_SERVER" --src "$src" \
        --pps "$pps" --seconds "$secs" "$@" \
        || fail "flood from $src failed"
}

# Poll until the daemon's packet counter stops moving (two equal readings
# 0.3 s apart, at most 10 s): the receive queues are drained.
s2_wait_quiet() {
    local a b i
    a=$(s2_stat packets)
    for ((i = 0; i < 33; i++)); do
        sleep 0.3
        b=$(s2_stat packets)
        [ "$a" = "$b" ] && return 0
        a=$b
    done
    fail "daemon packet counter still moving after 10 s"
}

# Add 127.0.0.2-style loopback addresses need nothing (127/8 is local);
# IPv6 test sources come from a local route (AnyIP) so they are not
# interface addresses (the daemon never bans those).
s2_ipv6_anyip() { # PREFIX (fd00::/64)
    ip -6 route add local "$1" dev lo
    sysctl -qw net.ipv6.ip_nonlocal_bind=1
}

# --- nftables -----------------------------------------------------------------

S2_NFT_TABLE=${S2_NFT_TABLE:-sipwarden}

# Elements of set SET as lines "ADDR TIMEOUT EXPIRES" (seconds; "-" when
# the element has none).
s2_nft_elems() { # SET
    nft -j list set inet "$S2_NFT_TABLE" "$1" 2>/dev/null | "$SW_PY" -c '
import json, sys
d = json.load(sys.stdin)
for o in d.get("nftables", []):
    s = o.get("set")
    if not s:
        continue
    for e in s.get("elem", []):
        t = x = "-"
        if isinstance(e, dict) and "elem" in e:
            t = e["elem"].get("timeout", "-")
            x = e["elem"].get("expires", "-")
            e = e["elem"]["val"]
        if isinstance(e, dict) and "prefix" in e:
            e = "%s/%s" % (e["prefix"]["addr"], e["prefix"]["len"])
        elif isinstance(e, dict) and "range" in e:
            e = "%s-%s" % tuple(e["range"])
        print(e, t, x)
'
}

s2_nft_has() { # SET ADDR
    s2_nft_elems "$1" | awk -v a="$2" '$1 == a || $1 == a "/32" || $1 == a "/128" { f = 1 } END { exit !f }'
}

# The packet counter of the rules matching "@SET" (sum), 0 when none.
s2_nft_rule_packets() { # SET
    nft -j list table inet "$S2_NFT_TABLE" | "$SW_PY" -c '
import json, sys
want = "@" + sys.argv[1]
total = 0
def refers(x):
    if isinstance(x, dict):
        return any(refers(v) for v in x.values())
    if isinstance(x, list):
        return any(refers(v) for v in x)
    return x == want
for o in json.load(sys.stdin).get("nftables", []):
    r = o.get("rule")
    if not r or not refers(r.get("expr", [])):
        continue
    for e in r["expr"]:
        if isinstance(e, dict) and "counter" in e and isinstance(e["counter"], dict):
            total += e["counter"].get("packets", 0)
print(total)
' "$1"
}

# Negation usable as a command for s2_wait.
s2_not() { # CMD...
    ! "$@"
}

# SIPp OPTIONS flood from SRC: RATE calls/s, COUNT calls, no
# retransmissions, 1 s to answer each. SIPp exits 1 when calls failed,
# which is expected here; prints "SUCCESSFUL FAILED" from its statistics.
s2_sipp_flood() { # NAME SRC RATE COUNT
    local name=$1 src=$2 rate=$3 count=$4 rc=0
    local out="$SW_E2E_DIR/sipp-$name"
    timeout --kill-after=5 120 sipp "$SW_HOST:$SW_UDP_PORT" \
        -sf "$SW_E2E_ROOT/lib/shield2_options.xml" -t u1 -i "$src" -p 0 \
        -nr -r "$rate" -m "$count" -l 100000 \
        -buff_size 4194304 -max_socket 4096 \
        -trace_stat -stf "$out.csv" -fd 1 \
        -timeout 60s -nostdin \
        </dev/null >"$out.screen" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || {
        tail -n 30 "$out.screen" >&2
        fail "SIPp $name exited $rc"
    }
    "$SW_PY" - "$out.csv" <<'PY' || fail "cannot read SIPp statistics $out.csv"
import sys
rows = [l.rstrip("\n").split(";") for l in open(sys.argv[1]) if l.strip()]
head, last = rows[0], rows[-1]
col = {n: i for i, n in enumerate(head)}
print(last[col["SuccessfulCall(C)"]], last[col["FailedCall(C)"]])
PY
}

# True when VAL is an integer within LO..HI.
s2_in_range() { # VAL LO HI
    [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}
