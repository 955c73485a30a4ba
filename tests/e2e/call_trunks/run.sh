#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Trunks (issue #4). Extension 200 registers its Contact on a SIPp phone
# (127.0.0.3:5070); providers and gateways are SIPp on their own
# addresses.
# - ip trunk prov (networks 127.0.0.5/32): an INVITE from 127.0.0.5 to a
#   DID with an inbound rule is not challenged and rings 200; the same
#   INVITE from 127.0.0.9 gets 407; a DID without an inbound rule gets 404;
# - accept_register trunk gw (username gw1, realm gw.example.net): the
#   gateway's INVITE from 127.0.0.8:5090 gets 407 before it registers; it
#   registers (digest with the trunk's password) and the same INVITE then
#   rings 200, while one from 127.0.0.9 still gets 407;
# - register trunk: sipwarden REGISTERs to a SIPp registrar on
#   127.0.0.20:5060 (registrar.xml.in grants 4 s) with correct digests
#   (check_digest.py: SIPp 3.6.1's <verifyauth> refuses correct MD5
#   answers, with or without qop) and re-registers before that runs out.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib_calls.sh"

PHONE_IP=127.0.0.3
PROV_IP=127.0.0.5
OTHER_IP=127.0.0.9
GW_IP=127.0.0.8
GW_PORT=5090
GW_USER=gw1
GW_REALM=gw.example.net
GW_PASSWORD=Gw7-trunk_Qx4
REG_IP=127.0.0.20
D=$SW_DOMAIN
DID_PROV=442071234567
DID_GW=442071230000

sipp_compatible_digest
start_daemon
calls_tenant "$D"
calls_user 200 "$D" standard
calls_register_phone 200 "$D" "$PHONE_IP" 5070
wait_reg_count 1 10 200
assert_ok "trunk prov" sw trunk add prov --kind ip --host "$PROV_IP" \
    --port 5080 --networks "$PROV_IP/32"
assert_ok "inbound prov" sw inbound add "$D" "$DID_PROV" 200 --trunk prov
printf '%s\n' "$GW_PASSWORD" >"$SW_E2E_DIR/gw.pw"
assert_ok "trunk gw" sw trunk add gw --kind accept_register \
    --username "$GW_USER" --realm "$GW_REALM" --password - <"$SW_E2E_DIR/gw.pw"
assert_ok "inbound gw" sw inbound add "$D" "$DID_GW" 200 --trunk gw

# inbound_status NAME SRC_IP[:PORT] DID STATUS: an unauthenticated INVITE
# that must get STATUS.
inbound_status() {
    local sf src=${2%%:*} port=0
    [ "$2" = "$src" ] || port=${2##*:}
    sf=$(calls_render "$SW_CASE_DIR/uac_inbound_status.xml.in" \
        "uac_inbound_$1.xml" STATUS="$4")
    calls_sipp "$1" "$src" "$sf" -p "$port" -key did "$3" -m 1
}

log "ip trunk: from the provider's network, no challenge, inbound rule"
calls_phone ph-prov "$PHONE_IP" 5070 200
calls_sipp in-prov "$PROV_IP" "$SW_CASE_DIR/uac_inbound.xml" \
    -key did "$DID_PROV" -m 1
calls_wait_bg
n407=$(grep -c '^SIP/2.0 407' "$SW_E2E_DIR/sipp-in-prov.msg" || true)
assert_eq "$n407" 0 "407s seen by the trusted provider"

log "ip trunk: the same INVITE from elsewhere is challenged"
inbound_status in-other "$OTHER_IP" "$DID_PROV" 407

log "ip trunk: a DID without an inbound rule gets 404"
inbound_status in-norule "$PROV_IP" 449999999999 404

log "accept_register: refused before the gateway registers"
inbound_status gw-before "$GW_IP:$GW_PORT" "$DID_GW" 407
sf=$(calls_render "$SW_CASE_DIR/register_gw.xml.in" register_gw.xml \
    GW_USER="$GW_USER" GW_REALM="$GW_REALM" GW_PASSWORD="$GW_PASSWORD")
SW_CALLS_AUTH_URI=$GW_REALM calls_sipp gw-register "$GW_IP" "$sf" \
    -p "$GW_PORT" -m 1
log "accept_register: routed once registered"
calls_phone ph-gw "$PHONE_IP" 5070 200
calls_sipp gw-after "$GW_IP" "$SW_CASE_DIR/uac_inbound.xml" -p "$GW_PORT" \
    -key did "$DID_GW" -m 1
calls_wait_bg
log "accept_register: another address is still challenged"
inbound_status gw-other "$OTHER_IP" "$DID_GW" 407

# The two answered inbound calls have their CDRs, each naming its trunk.
calls_expect_cdr 1 "$D" dialed="$DID_PROV" callee=200 result=answered trunk=prov
calls_expect_cdr 1 "$D" dialed="$DID_GW" callee=200 result=answered trunk=gw

log "register trunk: registers, then re-registers before expiry"
REG_USER=trunkuser
REG_REALM=reg.example.net
REG_PASSWORD=Tr9-register_Qz
sf=$(calls_render "$SW_CASE_DIR/registrar.xml.in" registrar.xml \
    USER="$REG_USER" REALM="$REG_REALM" PASSWORD="$REG_PASSWORD" \
    RURI_HOST="$(calls_re "$REG_IP")" GRANT=4 GRANT2=50 REFRESH_MS=3900)
calls_uas registrar "$REG_IP" 5060 "$sf" -m 1
printf '%s\n' "$REG_PASSWORD" >"$SW_E2E_DIR/reg.pw"
assert_ok "trunk reg" sw trunk add reg --kind register --host "$REG_IP" \
    --port 5060 --username "$REG_USER" --realm "$REG_REALM" --expires 60 \
    --password - <"$SW_E2E_DIR/reg.pw"
calls_wait_bg
n=$(grep -c '^REGISTER ' "$SW_E2E_DIR/sipp-registrar.msg" || true)
assert_eq "$n" 4 "REGISTERs seen by the registrar (2 rounds of 2)"
n=$("$SW_PY" "$SW_CASE_DIR/check_digest.py" "$SW_E2E_DIR/sipp-registrar.msg" \
    "$REG_USER" "$REG_PASSWORD" REGISTER) \
    || fail "trunk digest answers (registrar trace) are wrong: $n"
assert_eq "$n" 2 "correct digest answers seen by the registrar"
# The daemon's own view (sipwarden stats): registered, refreshed for 50 s.
reg_state() {
    sw stats --json | "$SW_PY" -c '
import json, sys
d = json.load(sys.stdin)
for t in d.get("stats", d).get("register_trunks", []):
    if t.get("name") == "reg":
        print("%s %s" % (t.get("state"), t.get("granted_s")))
'
}
for ((i = 0; i < 50; i++)); do
    st=$(reg_state)
    [ "$st" = "registered 50" ] && break
    sleep 0.1
done
assert_eq "$st" "registered 50" "trunk reg in sipwarden stats (state granted_s)"

stop_daemon
