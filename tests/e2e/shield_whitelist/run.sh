#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Allow and block lists. `ip allow 127.0.0.7 --descr trunk`: from it, auth
# failures over the threshold, a blacklisted User-Agent and a SIPp flood at
# 3000/s (over Level 1 and 2, with trusted_pps 1000) never ban it, but the
# flood is rate-limited (drop_rate rises, SIPp sees unanswered requests) and
# it is answered right after. The same traffic from non-listed addresses
# does ban (controls). `ip block 127.0.0.8` drops it silently (drop_acl);
# `ip block 127.0.0.1` (own address) and 127.0.0.0/8 are refused with a
# message saying why; the mask form "127.0.9.0 255.255.255.0" is listed as
# 127.0.9.0/24 and blocks that network only.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib/shield2_lib.sh"

TRUNK=127.0.0.7
conf_set firewall nftables off
make_users 2
start_daemon

s2_set auth_fail_threshold 5
s2_set l1_pps 50
s2_set l2_pps 200
s2_set trusted_pps 1000

s2_cli ip allow "$TRUNK" --descr trunk >/dev/null
ipl=$(s2_cli ip list)
line=$(printf '%s\n' "$ipl" | grep "$TRUNK/32" || true)
[ -n "$line" ] || fail "ip list lacks $TRUNK/32: $ipl"
assert_contains "$line" allow "ip list action of $TRUNK"
assert_contains "$line" trunk "ip list description of $TRUNK"

# 1. Failed authentications over the threshold.
res=$(timeout 60 "$SW_PY" "$S2_SIP" auth-fail --server "$S2_SERVER" \
    --src "$TRUNK" --user 1000 --count 7 --timeout 1.2)
log "auth failures from $TRUNK: $res"
case "$res" in
*null*) fail "whitelisted $TRUNK went unanswered during auth failures: $res" ;;
esac
res=$(timeout 60 "$SW_PY" "$S2_SIP" auth-fail --server "$S2_SERVER" \
    --src 127.0.0.10 --user 1000 --count 6 --timeout 1.2)
s2_wait "control: 127.0.0.10 banned for auth failures" 3 s2_is_banned 127.0.0.10

# 2. A blacklisted User-Agent.
got=$(s2_probe "$TRUNK" --ua "friendly-scanner" --timeout 1.6)
log "whitelisted $TRUNK with User-Agent friendly-scanner: '$got'"
got=$(s2_probe 127.0.0.11 --ua "friendly-scanner" --timeout 1.6)
assert_eq "$got" none "control: blacklisted User-Agent from 127.0.0.11"
s2_wait "control: 127.0.0.11 banned for its User-Agent" 3 s2_is_banned 127.0.0.11

# 3. A flood far over Level 1 / Level 2 and over trusted_pps.
s2_wait_quiet
r0=$(s2_stat_rate)
read -r ok failed < <(s2_sipp_flood trunk-flood "$TRUNK" 3000 9000)
r1=$(s2_stat_rate)
log "SIPp from $TRUNK at 3000/s: $ok answered, $failed unanswered;" \
    "drop_rate +$((r1 - r0))"
assert_ge "$failed" 1500 "unanswered OPTIONS in a 3000/s flood with trusted_pps 1000"
# At least the first second's trusted_pps pass (whether a sustained flood
# keeps getting trusted_pps per second through is not agreed: the daemon's
# sliding window counts the dropped packets too).
assert_ge "$ok" 900 "answered OPTIONS in a 3000/s flood with trusted_pps 1000"
assert_ge "$((r1 - r0))" "$((failed * 9 / 10))" "drop_rate rise"
s2_expect_answer "$TRUNK" "whitelisted source after its flood"
res=$(s2_flood 127.0.0.12 200 1)
s2_wait "control: 127.0.0.12 banned for its flood" 3 s2_is_banned 127.0.0.12

s2_is_banned "$TRUNK" && fail "whitelisted $TRUNK was banned: $(s2_ban_of "$TRUNK")"
if grep -q "event=ban src=$TRUNK\b" "$SW_DAEMON_LOG"; then
    fail "a ban of whitelisted $TRUNK was logged"
fi

# 4. Block list.
s2_cli ip block 127.0.0.8 >/dev/null
a0=$(s2_stat drop_acl)
s2_expect_silent 127.0.0.8 "blocked 127.0.0.8"
a1=$(s2_stat drop_acl)
assert_ge "$((a1 - a0))" 1 "drop_acl rise for the blocked source"
s2_expect_answer 127.0.0.13 "a source next to the blocked one"

for net in 127.0.0.1 127.0.0.0/8; do
    rc=0
    out=$(timeout 20 "$SW_BIN" -c "$SW_CONF" ip block "$net" 2>&1) || rc=$?
    [ "$rc" -ne 0 ] || fail "ip block $net (covers the server's own address) accepted: $out"
    printf '%s' "$out" | grep -Eqi "own|this server" \
        || fail "ip block $net refused without saying why (own address): $out"
    log "ip block $net refused: $out"
done
ipl=$(s2_cli ip list)
case "$ipl" in
*127.0.0.1/32* | *127.0.0.0/8*) fail "refused block listed anyway: $ipl" ;;
esac
s2_expect_answer 127.0.0.1 "the server's own address after the refused blocks"

s2_cli ip block "127.0.9.0 255.255.255.0" >/dev/null
ipl=$(s2_cli ip list)
line=$(printf '%s\n' "$ipl" | grep "127.0.9.0/24" || true)
[ -n "$line" ] || fail "mask form not listed as 127.0.9.0/24: $ipl"
assert_contains "$line" block "ip list action of 127.0.9.0/24"
s2_expect_silent 127.0.9.5 "a source in blocked 127.0.9.0/24"
s2_expect_answer 127.0.10.5 "a source outside 127.0.9.0/24"

# Blocked sources are refused by the list, not banned.
s2_is_banned 127.0.0.8 && fail "blocked 127.0.0.8 shows up as a ban"
stop_daemon
