#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Kernel enforcement of bans ([firewall] nftables = on): a Level 1 flood
# from 127.0.0.2 bans it; the address appears in `inet sipwarden` set ban4
# with a timeout close to the ban time; while it is there the kernel drops
# its packets (the rule counter rises, the daemon's packets / drop_ban
# counters do not, nothing is answered); it leaves the set on its own at
# expiry and is answered again. A second, long ban lifted with `ban lift`
# leaves the set at once and the address is answered again. The same for an
# IPv6 source (fd00::2 made local with an AnyIP route, so it is not one of
# the daemon's own interface addresses) in set ban6.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib/shield2_lib.sh"

ATT=127.0.0.2
ATT6=fd00::2
BAN_S=8

s2_ipv6_anyip fd00::/64
conf_set firewall nftables on
conf_set sip udp "*:5060" # dual stack: IPv4 and IPv6 sources
start_daemon

kernel=$(s2_stat kernel)
case "$kernel" in
active*) ;;
*) fail "stats kernel '$kernel' with [firewall] nftables = on, expected active" ;;
esac
assert_ok "nft set ban4 exists" nft list set inet sipwarden ban4
assert_ok "nft set ban6 exists" nft list set inet sipwarden ban6
n=$(s2_nft_elems ban4 | wc -l)
assert_eq "$n" 0 "ban4 elements before any ban"

s2_set l1_pps 50
s2_set l1_blacklist_s "$BAN_S"
s2_expect_answer "$ATT" "before the flood"

# --- 1. a ban reaches the kernel and expires there on its own --------------
res=$(s2_flood "$ATT" 200 1)
log "flood 1 from $ATT: $res"
s2_wait "$ATT in nft set ban4" 3 s2_nft_has ban4 "$ATT"
t_seen=$(date +%s.%N)
read -r elem tmo exp1 < <(s2_nft_elems ban4 | head -n 1)
log "ban4 element: $elem timeout $tmo expires $exp1"
s2_in_range "$tmo" $((BAN_S - 1)) $((BAN_S + 1)) \
    || fail "ban4 element timeout '$tmo', expected about $BAN_S s"
ban=$(s2_ban_of "$ATT")
[ "$ban" != null ] || fail "$ATT not in ban list --json while in ban4"
reason=$(printf '%s' "$ban" | s2_jq 'd.get("reason")')
assert_eq "$reason" l1_rate "ban reason of $ATT"

# Kernel drop: the flood's tail is over; new packets from the banned source
# raise the rule counter but never reach the daemon.
s2_wait_quiet
p0=$(s2_stat packets)
d0=$(s2_stat drop_ban)
k0=$(s2_nft_rule_packets ban4)
res=$(s2_flood "$ATT" 100 0.5)
log "flood 2 from banned $ATT: $res"
answered=$(printf '%s' "$res" | s2_jq 'd["answered"]')
sent=$(printf '%s' "$res" | s2_jq 'd["sent"]')
assert_eq "$answered" 0 "answers to a banned source"
k1=$(s2_nft_rule_packets ban4)
p1=$(s2_stat packets)
d1=$(s2_stat drop_ban)
assert_ge "$((k1 - k0))" "$sent" "nft @ban4 rule counter rise for $sent packets"
assert_eq "$p1" "$p0" "daemon packets counter while the kernel drops"
assert_eq "$d1" "$d0" "daemon drop_ban counter while the kernel drops"
log "kernel dropped $((k1 - k0)) packets, daemon saw none"

# Expiry: the element leaves the set on its own, not early.
s2_wait "$ATT to leave ban4 at expiry" $((BAN_S + 3)) \
    s2_not s2_nft_has ban4 "$ATT"
t_gone=$(date +%s.%N)
# It had exp1 (whole) seconds left when first seen.
early=$(awk -v a="$t_seen" -v b="$t_gone" -v x="$exp1" \
    'BEGIN { print (b - a < x - 1) ? 1 : 0 }')
assert_eq "$early" 0 "ban4 element left too early (seen $t_seen with $exp1 s left, gone $t_gone)"
probe_ok() { [ "$(s2_probe "$1" --timeout 0.6)" = 200 ]; }
s2_wait "answers to $ATT after the ban expired" 3 probe_ok "$ATT"
s2_wait "expired ban of $ATT gone from ban list" 3 \
    s2_not s2_is_banned "$ATT"
s2_wait "event=unban cause=expired logged" 3 \
    grep -q "event=unban src=$ATT .*cause=expired" "$SW_DAEMON_LOG"

# --- 2. a lifted ban leaves the kernel at once -------------------------------
s2_set l1_blacklist_s 300
res=$(s2_flood "$ATT" 200 1)
log "flood 3 from $ATT: $res"
s2_wait "$ATT in nft set ban4 again" 3 s2_nft_has ban4 "$ATT"
read -r elem tmo _ < <(s2_nft_elems ban4 | head -n 1)
s2_in_range "$tmo" 290 301 \
    || fail "second ban4 element timeout '$tmo', expected about 300 s"
s2_expect_silent "$ATT" "banned for 300 s"
s2_cli ban lift "$ATT" >/dev/null
s2_wait "$ATT to leave ban4 after ban lift" 1 \
    s2_not s2_nft_has ban4 "$ATT"
s2_expect_answer "$ATT" "after ban lift"
s2_is_banned "$ATT" && fail "$ATT still in ban list after ban lift"
grep -q "event=unban src=$ATT .*cause=lifted" "$SW_DAEMON_LOG" \
    || fail "no event=unban cause=lifted for $ATT in the log"

# --- 3. IPv6 source in ban6 ----------------------------------------------------
S2_SERVER="[::1]:$SW_UDP_PORT"
s2_expect_answer "$ATT6" "IPv6 source before the flood"
res=$(s2_flood "$ATT6" 200 1)
log "flood from $ATT6: $res"
s2_wait "$ATT6 in nft set ban6" 3 s2_nft_has ban6 "$ATT6"
read -r elem tmo _ < <(s2_nft_elems ban6 | head -n 1)
log "ban6 element: $elem timeout $tmo"
case "$elem" in
"$ATT6" | "$ATT6/128") ;;
*) fail "ban6 element '$elem', expected $ATT6 (a /128)" ;;
esac
s2_in_range "$tmo" 290 301 \
    || fail "ban6 element timeout '$tmo', expected about 300 s"
s2_wait_quiet
p0=$(s2_stat packets)
k0=$(s2_nft_rule_packets ban6)
res=$(s2_flood "$ATT6" 100 0.3)
answered=$(printf '%s' "$res" | s2_jq 'd["answered"]')
sent=$(printf '%s' "$res" | s2_jq 'd["sent"]')
assert_eq "$answered" 0 "answers to a banned IPv6 source"
k1=$(s2_nft_rule_packets ban6)
p1=$(s2_stat packets)
assert_ge "$((k1 - k0))" "$sent" "nft @ban6 rule counter rise"
assert_eq "$p1" "$p0" "daemon packets counter while the kernel drops IPv6"
s2_cli ban lift "$ATT6" >/dev/null
s2_wait "$ATT6 to leave ban6 after ban lift" 1 \
    s2_not s2_nft_has ban6 "$ATT6"
s2_expect_answer "$ATT6" "IPv6 source after ban lift"

stop_daemon
