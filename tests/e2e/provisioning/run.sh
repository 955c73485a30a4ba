#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Phone provisioning end to end (see README): files fetched by token path
# over HTTPS, the password in them registers with SIPp, plain HTTP only on
# the provisioning-only listener, guessing gets the guesser banned,
# rotate and disable end the old path.
source "$SW_E2E_ROOT/lib.sh"

HTTPS=127.0.0.1:8887
PLAIN=127.0.0.1:8888
GUESSER=127.0.0.5
NAME='Ann <A&B> "x"'

# curl over HTTPS with the self-signed certificate; extra args pass through.
fetch() { # URL_PATH OUTFILE [curl args...]
    local path=$1 outf=$2
    shift 2
    curl -sk --max-time 10 -A sipwarden-e2e -o "$outf" -D "$outf.hdr" \
        -w '%{http_code}' "$@" "https://$HTTPS$path"
}

# Value of JSON member KEY of the object on stdin.
jget() { # KEY
    "$SW_PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

sipp_compatible_digest
conf_set http listen "$HTTPS"
conf_set firewall nftables on
start_daemon

assert_ok "tenant add" sw tenant add "$SW_DOMAIN"
for ext in 100 101 102 103 104; do
    assert_ok "user add $ext" sw user add "$ext@$SW_DOMAIN" --name "$NAME"
done

# --- enable: one directory per user ----------------------------------------
declare -A TOK
for pair in 100:yealink 101:generic 102:polycom; do
    ext=${pair%%:*}
    vendor=${pair#*:}
    out=$(sw provision enable "$ext@$SW_DOMAIN" --vendor "$vendor" --json) ||
        fail "provision enable $ext: $out"
    TOK[$ext]=$(printf '%s' "$out" | jget token)
    path=$(printf '%s' "$out" | jget path)
    assert_eq "$path" "/prov/${TOK[$ext]}/" "path of $ext"
    [[ ${TOK[$ext]} =~ ^[0-9a-f]{32}$ ]] || fail "token of $ext: ${TOK[$ext]}"
done
out=$(sw provision enable "199@$SW_DOMAIN" 2>&1) &&
    fail "provision enable of an unknown user succeeded"
# The text form prints the URL once.
out=$(sw provision rotate "101@$SW_DOMAIN" --host pbx.example.com) ||
    fail "provision rotate 101: $out"
assert_contains "$out" "https://pbx.example.com:8887/prov/" "rotate prints the URL"
TOK[101]=$(printf '%s' "$out" | sed -n 's|.*/prov/\([0-9a-f]\{32\}\)/.*|\1|p' | head -n 1)
[[ ${TOK[101]} =~ ^[0-9a-f]{32}$ ]] || fail "no token in: $out"

# --- fetch every vendor's files ---------------------------------------------
F="$SW_E2E_DIR/f"
code=$(fetch "/prov/${TOK[100]}/y000000000000.cfg" "$F.y")
assert_eq "$code" 200 "yealink common file"
grep -qi '^cache-control: no-store' "$F.y.hdr" || fail "no Cache-Control: no-store"
code=$(fetch "/prov/${TOK[100]}/001565AABBCC.cfg" "$F.ymac")
assert_eq "$code" 200 "yealink <mac>.cfg"
PW=$(sed -n 's/^account\.1\.password = //p' "$F.y")
[ -n "$PW" ] || fail "no password in the Yealink file: $(cat "$F.y")"
assert_contains "$(cat "$F.y")" "account.1.user_name = 100" "yealink user"
assert_contains "$(cat "$F.y")" "account.1.sip_server.1.port = 5061" "TLS port"
assert_contains "$(cat "$F.y")" "account.1.sip_server.1.transport_type = 2" "TLS"
assert_contains "$(cat "$F.y")" "account.1.display_name = $NAME" "display name"

code=$(fetch "/prov/${TOK[101]}/config.xml" "$F.g")
assert_eq "$code" 200 "generic config.xml"
assert_contains "$(cat "$F.g")" "<display-name>Ann &lt;A&amp;B&gt; &quot;x&quot;</display-name>" \
    "XML escaping"
assert_contains "$(cat "$F.g")" 'host="127.0.0.1" port="5061" transport="tls"' \
    "server from the Host asked"
"$SW_PY" -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$F.g" ||
    fail "config.xml is not well-formed XML"

for f in 000000000000.cfg 0004f2aabbcc.cfg phone.cfg 0004f2aabbcc-phone.cfg; do
    code=$(fetch "/prov/${TOK[102]}/$f" "$F.p")
    assert_eq "$code" 200 "polycom $f"
    "$SW_PY" -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$F.p" ||
        fail "polycom $f is not well-formed XML"
done
assert_contains "$(cat "$F.p")" 'reg.1.address="102@example.com"' "polycom address"

# A vendor's phone asking for another vendor's name: the same 404 as an
# unknown token (nothing tells the two apart).
code=$(fetch "/prov/${TOK[100]}/config.xml" "$F.nf1")
assert_eq "$code" 404 "known token, unknown file"
code=$(fetch "/prov/$(printf '%032x' 7)/config.xml" "$F.nf2")
assert_eq "$code" 404 "unknown token"
cmp -s "$F.nf1" "$F.nf2" || fail "404 bodies differ"

# --- the password in the file registers ------------------------------------
printf 'SEQUENTIAL\n100;[authentication username=100 password=%s];%s;3600\n' \
    "$PW" "$SW_DOMAIN" >"$SW_E2E_DIR/prov.csv"
run_sipp prov-register "$SW_E2E_ROOT/scenarios/register_auth.xml" u1 \
    "$SW_UDP_PORT" -inf "$SW_E2E_DIR/prov.csv" -m 1 -recv_timeout 10000
wait_reg_count 1 10 100

# --- fetches are recorded and logged ------------------------------------------
out=$(sw provision list "$SW_DOMAIN" --json)
n=$(printf '%s' "$out" | "$SW_PY" -c '
import json, sys
rows = {r["ext"]: r for r in json.load(sys.stdin)["provisioning"]}
r = rows["100"]
assert r["vendor"] == "yealink", r
assert r["last_fetch_ip"] == "127.0.0.1", r
assert r["last_fetch_ms"] > 0, r
print(r["fetch_count"])') || fail "provision list: $out"
assert_eq "$n" 2 "fetches of 100"
for ((i = 0; i < 100; i++)); do
    grep -q 'event=prov_fetch src=127.0.0.1 user=100@example.com' \
        "$SW_DAEMON_LOG" && break
    sleep 0.1
done
grep -q 'event=prov_fetch src=127.0.0.1 user=100@example.com' "$SW_DAEMON_LOG" ||
    fail "no prov_fetch event in the daemon log"
grep -q "$PW" "$SW_DAEMON_LOG" && fail "the SIP password is in the log"

# --- plain HTTP is off by default ---------------------------------------------
rc=0
curl -s --max-time 5 -A sipwarden-e2e -o /dev/null \
    "http://$PLAIN/prov/${TOK[101]}/config.xml" || rc=$?
[ "$rc" -ne 0 ] || fail "plain HTTP served a file with plain_listen off"

# --- guessing bans ------------------------------------------------------------
for ((i = 1; i <= 5; i++)); do
    rnd=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    code=$(fetch "/prov/$rnd/config.xml" "$F.guess" --interface "$GUESSER") || true
    assert_eq "$code" 404 "guess $i"
done
banned=
for ((i = 0; i < 100; i++)); do
    bans=$(sw ban list --json)
    if printf '%s' "$bans" | "$SW_PY" -c '
import json, sys
d = json.load(sys.stdin)
bans = d["bans"] if isinstance(d, dict) else d
sys.exit(0 if any(b["net"] in ("127.0.0.5/32", "127.0.0.5") and b["reason"] == "prov_scan"
                  for b in bans) else 1)'; then
        banned=1
        break
    fi
    sleep 0.1
done
[ -n "$banned" ] || fail "127.0.0.5 not banned with prov_scan: $bans"
dropped=
for ((i = 0; i < 50; i++)); do
    rc=0
    curl -sk --max-time 2 -A sipwarden-e2e -o /dev/null --interface "$GUESSER" \
        "https://$HTTPS/prov/${TOK[101]}/config.xml" || rc=$?
    if [ "$rc" -ne 0 ]; then
        dropped=1
        break
    fi
done
[ -n "$dropped" ] || fail "the banned guesser still connects"
# The administrator's address is never banned and still fetches.
code=$(fetch "/prov/${TOK[101]}/config.xml" "$F.g2")
assert_eq "$code" 200 "fetch from 127.0.0.1 after the ban"
grep -q 'event=prov_guess src=127.0.0.5' "$SW_DAEMON_LOG" ||
    fail "no prov_guess event in the daemon log"

# --- rotate and disable -------------------------------------------------------
old=${TOK[100]}
out=$(sw provision rotate "100@$SW_DOMAIN" --json) || fail "rotate 100: $out"
new=$(printf '%s' "$out" | jget token)
assert_eq "$(printf '%s' "$out" | jget vendor)" yealink "rotate keeps the vendor"
code=$(fetch "/prov/$old/y000000000000.cfg" "$F.old")
assert_eq "$code" 404 "old path after rotate"
code=$(fetch "/prov/$new/y000000000000.cfg" "$F.new")
assert_eq "$code" 200 "new path after rotate"
PW2=$(sed -n 's/^account\.1\.password = //p' "$F.new")
[ -n "$PW2" ] && [ "$PW2" != "$PW" ] || fail "rotate did not change the password"
assert_ok "disable 100" sw provision disable "100@$SW_DOMAIN"
code=$(fetch "/prov/$new/y000000000000.cfg" "$F.dis")
assert_eq "$code" 404 "path after disable"
# A password changed any other way ends provisioning too.
assert_ok "user set 102" sw user set "102@$SW_DOMAIN" --generate-password
code=$(fetch "/prov/${TOK[102]}/phone.cfg" "$F.pw")
assert_eq "$code" 404 "path after the password changed elsewhere"

# --- the REST routes (system and tenant administrators) ----------------------
out=$(timeout --kill-after=5 120 "$SW_PY" "$SW_CASE_DIR/rest.py" "$HTTPS" \
    "$SW_DOMAIN" 2>&1) || fail "REST: $(printf '%s' "$out" | tail -n 15)"
log "$(printf '%s' "$out" | tail -n 1)"

# --- plain HTTP listener: provisioning only -----------------------------------
stop_daemon
conf_set provisioning plain_listen "$PLAIN"
start_daemon
code=$(curl -s --max-time 10 -A sipwarden-e2e -o "$F.plain" -w '%{http_code}' \
    "http://$PLAIN/prov/${TOK[101]}/config.xml")
assert_eq "$code" 200 "plain HTTP fetch with plain_listen on"
assert_contains "$(cat "$F.plain")" "<user>101</user>" "plain HTTP file"
for p in /api/v1/tenants /api/v1/auth/me / /index.html /openapi.json; do
    code=$(curl -s --max-time 10 -A sipwarden-e2e -o /dev/null -w '%{http_code}' \
        "http://$PLAIN$p")
    assert_eq "$code" 404 "plain provisioning listener serves no $p"
done
code=$(fetch "/prov/${TOK[101]}/config.xml" "$F.g3")
assert_eq "$code" 200 "HTTPS still serves with plain_listen on"
out=$(sw firewall render --backend nftables) || fail "firewall render: $out"
assert_contains "$out" 'tcp dport 8888 accept comment "phone provisioning"' \
    "the service firewall opens the provisioning port"
stop_daemon
