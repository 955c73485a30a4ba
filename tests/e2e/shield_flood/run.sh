#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Packet-rate levels under a flood, the honest client unharmed:
# - SIPp floods OPTIONS from 127.0.0.2 at 3,000/s for 4 s (12,000, no
#   retransmissions): Level 1 (500 pps) bans it (event=ban reason=l1_rate
#   ban_s=30), then Level 2 (2,000 pps) bans it longer (reason=l2_rate
#   ban_s=3600; ban why says l2_rate and expires in about an hour); once
#   banned it gets no answers (at most the first ~second is answered, none
#   in the last seconds) and the daemon's drop counters rise by the
#   dropped packets;
# - meanwhile SIPp registers from 127.0.0.3 with digest auth at 50/s over
#   the same 5 s: at least 99.9% succeed, and 127.0.0.3 is never banned.
# The kernel firewall is off here so that every packet reaches the daemon
# (Level 2 counts the packets of a source already under a Level 1 ban).
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib/shield_lib.sh"

conf_set firewall nftables off
sipp_compatible_digest
start_daemon
make_users 50 1000
sec_set l1_pps 500 l1_blacklist_s 30 l2_pps 2000 l2_blacklist_s 3600
assert_eq "$(stat_get bans_active)" 0 "active bans before the flood"
# Packets of a banned source are dropped as drop_ban (ban list) or, when
# the rate detector sees them first, as drop_flood (drop_rate in the
# interface page): count both.
DROPS="drop_ban drop_flood drop_rate"
# shellcheck disable=SC2086
drop0=$(stat_sum $DROPS)

N_LEGIT=250 # 50/s for 5 s
N_FLOOD=12000 # 3,000/s for 4 s

shield_sipp legit 127.0.0.3 "$SW_E2E_ROOT/scenarios/register_auth.xml" \
    -inf "$SW_E2E_DIR/users.csv" -m "$N_LEGIT" -r 50 -l 100 \
    -recv_timeout 10000 -timeout_error &
legit_pid=$!
track_pid "$legit_pid"
flood_rc=0
shield_sipp flood 127.0.0.2 "$SW_CASE_DIR/options_flood.xml" \
    -m "$N_FLOOD" -r 3000 -l 6000 -fd 1 || flood_rc=$?
legit_rc=0
wait "$legit_pid" || legit_rc=$?

# --- the honest client ------------------------------------------------------------

ok=$(sipp_stat legit SuccessfulCall)
bad=$(sipp_stat legit FailedCall)
total=$((ok + bad))
assert_eq "$total" "$N_LEGIT" "registrations attempted from 127.0.0.3"
[ $((ok * 1000)) -ge $((total * 999)) ] \
    || fail "honest registrations during the flood: $ok of $total succeeded (< 99.9%)"
assert_eq "$legit_rc" 0 "SIPp exit status of the honest client"
assert_eq "$(ban_count 127.0.0.3)" 0 "bans on the honest 127.0.0.3"
log "honest client: $ok of $total registrations succeeded during the flood"

# --- the flood --------------------------------------------------------------------

f_ok=$(sipp_stat flood SuccessfulCall)
f_bad=$(sipp_stat flood FailedCall)
assert_eq "$((f_ok + f_bad))" "$N_FLOOD" "OPTIONS sent by the flood"
[ "$flood_rc" -ne 0 ] || fail "SIPp flood exited 0: all its OPTIONS were answered"
# Level 1 trips after 500 packets in a second: at most about a second's
# worth can have been answered.
[ "$f_ok" -le 3000 ] \
    || fail "the flood got $f_ok answers of $N_FLOOD (expected at most 3000)"
# No answers at all in the last two periods of SIPp's statistics.
"$SW_PY" - "$SW_E2E_DIR/sipp-flood.csv" <<'PY' || fail "the flood still got answers at its end: $(cut -d';' -f15 "$SW_E2E_DIR/sipp-flood.csv" | tr '\n' ' ')"
import sys
rows = [l.rstrip("\n").split(";") for l in open(sys.argv[1]) if l.strip()]
col = rows[0].index("SuccessfulCall(P)")
data = rows[1:]
sys.exit(0 if len(data) >= 3 and all(int(r[col]) == 0 for r in data[-2:])
         else 1)
PY

# Level 1 first (500 pps, 30 s).
wait_event 5 ban src=127.0.0.2 reason=l1_rate
assert_contains "$(events ban src=127.0.0.2 reason=l1_rate)" "ban_s=30 " \
    "Level 1 ban event"

# shellcheck disable=SC2086
dropped=$(($(stat_sum $DROPS) - drop0))
# Every unanswered OPTIONS reached the daemon (no kernel firewall, large
# buffers) and was dropped there as coming from a banned source.
[ "$dropped" -ge $((f_bad * 9 / 10)) ] \
    || fail "drop counters rose by $dropped, the flood had $f_bad unanswered OPTIONS"

# Then Level 2 (2,000 pps, 3600 s) on top of it.
wait_ban_reason 127.0.0.2 l2_rate 5
why=$(assert_ban_why 127.0.0.2 l2_rate)
assert_eq "$(why_field "$why" threshold)" 2000 "ban why 127.0.0.2: threshold"
assert_ge "$(why_field "$why" count)" 2001 "ban why 127.0.0.2: count"
left=$(($(why_field "$why" expires_at) - $(date +%s)))
if [ "$left" -le 3000 ] || [ "$left" -gt 3600 ]; then
    fail "Level 2 ban of 127.0.0.2 expires in $left s, expected about 3600"
fi
wait_event 5 ban src=127.0.0.2 reason=l2_rate
assert_contains "$(events ban src=127.0.0.2 reason=l2_rate)" "ban_s=3600 " \
    "Level 2 ban event"
l1_line=$(grep -n 'event=ban src=127.0.0.2 .*reason=l1_rate' "$SW_DAEMON_LOG" | head -n1 | cut -d: -f1)
l2_line=$(grep -n 'event=ban src=127.0.0.2 .*reason=l2_rate' "$SW_DAEMON_LOG" | head -n1 | cut -d: -f1)
[ "$l1_line" -lt "$l2_line" ] || fail "Level 2 ban logged before Level 1"
log "flood: $f_ok answered, $f_bad dropped (drop counters +$dropped); l1_rate then l2_rate"

stop_daemon
