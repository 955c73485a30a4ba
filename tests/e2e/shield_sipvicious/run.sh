#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The shield against SIPVicious 0.3.3, each tool from its own loopback
# address (tests/e2e/lib/shield_sv.py binds it there):
# - svmap (User-Agent "friendly-scanner") from 127.0.0.2 gets no answer,
#   127.0.0.2 is banned with reason ua_blacklist (ban why), the log has
#   event=ua_match and event=ban for it; the same scan with a harmless
#   User-Agent from 127.0.0.12 does find the server (control).
# - svwar --force (REGISTER, disguised User-Agent) from 127.0.0.3 over the
#   existing extensions 100-199 finds none: a real extension answers like
#   the random unknown one svwar calibrates with.
# - svcrack on extension 100 (MD5, disguised User-Agent) from 127.0.0.4
#   with the right password on line 30 of its wordlist and
#   auth_fail_threshold 10: banned for auth_failures before reaching it,
#   no password found, no successful authentication (stats auth_ok), no
#   binding from 127.0.0.4; control from 127.0.0.14 with the threshold at
#   1000 finds the password with the same wordlist.
# - fail2ban-regex with contrib/fail2ban/filter.d/sipwarden.conf on the
#   daemon log finds the attackers 127.0.0.2 and 127.0.0.4.
source "$SW_E2E_ROOT/lib.sh"
source "$SW_E2E_ROOT/lib/shield_lib.sh"

UA_OK="e2e-softphone/1.0" # on no User-Agent blacklist
SV_TARGET=127.0.0.1       # svmap/svwar/svcrack: port 5060 is the default

# svcrack cannot answer SHA-256; the daemon offers only MD5 here.
conf_set sip digest_algorithms MD5
start_daemon
make_users 100 100 # extensions 100..199

# --- svmap: dropped for its User-Agent, banned ---------------------------------

shield_sv svmap-control 127.0.0.12 --ua "$UA_OK" svmap -v -x 127.0.0.12 \
    "$SV_TARGET" || fail "svmap (control) exited non-zero"
out=$(cat "$SW_E2E_DIR/sv-svmap-control.out")
assert_contains "$out" "127.0.0.1:5060" \
    "svmap with a harmless User-Agent finds the server (control)"
assert_eq "$(ban_count 127.0.0.12)" 0 "bans on the svmap control 127.0.0.12"

shield_sv svmap 127.0.0.2 svmap -v -x 127.0.0.2 "$SV_TARGET" \
    || fail "svmap exited non-zero"
out=$(cat "$SW_E2E_DIR/sv-svmap.out")
assert_contains "$out" "found nothing" "svmap (friendly-scanner) output"
case "$out" in
*"127.0.0.1:5060"*) fail "svmap got an answer from the daemon: $out" ;;
esac
wait_ban_reason 127.0.0.2 ua_blacklist 5
why=$(assert_ban_why 127.0.0.2 ua_blacklist)
assert_contains "$(why_field "$why" user_agent)" friendly-scanner \
    "ban why 127.0.0.2: user_agent"
assert_eq "$(why_field "$why" source)" shield "ban why 127.0.0.2: source"
assert_eq "$(why_field "$why" method)" OPTIONS "ban why 127.0.0.2: method"
wait_event 5 ua_match src=127.0.0.2
wait_event 5 ban src=127.0.0.2 reason=ua_blacklist
assert_contains "$(events ban src=127.0.0.2)" 'ua="friendly-scanner"' \
    "event=ban line of 127.0.0.2"
log "svmap: no answer, 127.0.0.2 banned (ua_blacklist)"

# --- svwar: existing extensions are indistinguishable ----------------------------

# --force: svwar would give up at once because an unknown extension gets a
# challenge; forced, it calibrates on a random extension's answer and
# reports every extension answered differently.
shield_sv svwar 127.0.0.3 --ua "$UA_OK" svwar -v --force -x 127.0.0.3 \
    -e 100-199 -m REGISTER --domain "$SW_DOMAIN" --maximumtime 2 \
    "$SV_TARGET" || fail "svwar exited non-zero"
out=$(cat "$SW_E2E_DIR/sv-svwar.out")
assert_contains "$out" "Ok SIP device found" "svwar got its calibration answer"
assert_contains "$out" "found nothing" "svwar result"
case "$out" in
*"exists"* | *"Extension"*) fail "svwar found extensions: $out" ;;
esac
# The answer it could not tell apart is an existing extension's 401.
"$SW_PY" - "$SW_E2E_DIR/sv-svwar.out" <<'PY' || fail "svwar never saw the answer for an existing extension (see $SW_E2E_DIR/sv-svwar.out)"
import re, sys
text = open(sys.argv[1]).read()
exts = [int(m) for m in re.findall(
    r"Response: 'SIP/2\.0 401 [^']*?From: \"(\d+)\"", text)]
sys.exit(0 if any(100 <= e <= 199 for e in exts) else 1)
PY
assert_eq "$(reg_count)" 0 "bindings after svwar"
log "svwar: found nothing among extensions 100-199"

# --- svcrack: banned before it reaches the password --------------------------------

pw100=$(user_password 100)
words="$SW_E2E_DIR/words.txt"
{
    for i in $(seq 1 29); do echo "Guess-$i.pw"; done
    echo "$pw100"
    for i in $(seq 31 40); do echo "Guess-$i.pw"; done
} >"$words"
assert_eq "$(sed -n 30p "$words")" "$pw100" "wordlist line 30"

# Only the address rule may stop it: no per-user block, no challenge ban.
sec_set user_fail_block 1000 challenge_fail_threshold 1000 \
    auth_fail_threshold 10
assert_eq "$(sec_get auth_fail_threshold)" 10 "auth_fail_threshold in force"

ok0=$(stat_get auth_ok)
shield_sv svcrack 127.0.0.4 --ua "$UA_OK" svcrack -x 127.0.0.4 -u 100 \
    -d "$words" --domain "$SW_DOMAIN" --maximumtime 2 "$SV_TARGET" \
    || fail "svcrack exited non-zero"
out=$(cat "$SW_E2E_DIR/sv-svcrack.out")
case "$out" in
*"The password for"* | *"$pw100"*) fail "svcrack found the password: $out" ;;
esac
assert_contains "$out" "found nothing" "svcrack result"
wait_ban_reason 127.0.0.4 auth_failures 5
why=$(assert_ban_why 127.0.0.4 auth_failures)
assert_eq "$(why_field "$why" threshold)" 10 "ban why 127.0.0.4: threshold"
cnt=$(why_field "$why" count)
if [ "$cnt" -lt 10 ] || [ "$cnt" -ge 30 ]; then
    fail "ban why 127.0.0.4: count $cnt, expected 10..29"
fi
assert_eq "$(why_field "$why" from_user)" 100 "ban why 127.0.0.4: from_user"
wait_event 5 ban src=127.0.0.4 reason=auth_failures
n=$(event_count auth_failure src=127.0.0.4)
if [ "$n" -lt 1 ] || [ "$n" -gt 10 ]; then
    fail "$n auth_failure events of 127.0.0.4, expected 1..10"
fi
reg_json | grep -q '127\.0\.0\.4' \
    && fail "a registration from 127.0.0.4 exists: $(reg_json)"
assert_eq "$(reg_count)" 0 "bindings after svcrack"
assert_eq "$(stat_get auth_ok)" "$ok0" "successful authentications during svcrack"
log "svcrack: banned after $cnt failures, nothing found"

# Control: the same wordlist finds the password when the threshold is high.
sec_set auth_fail_threshold 1000
shield_sv svcrack-control 127.0.0.14 --ua "$UA_OK" svcrack -x 127.0.0.14 \
    -u 100 -d "$words" --domain "$SW_DOMAIN" --maximumtime 2 "$SV_TARGET" \
    || fail "svcrack (control) exited non-zero"
out=$(cat "$SW_E2E_DIR/sv-svcrack-control.out")
# Its result table: "| 100 | <password> |".
printf '%s\n' "$out" | grep -Eq "^\| *100 *\| *${pw100//./\\.} *\|$" \
    || fail "svcrack (control, threshold 1000) did not find the password: $out"
assert_eq "$(reg_count 100)" 1 "binding of 100 made by the svcrack control"
assert_eq "$(stat_get auth_ok)" "$((ok0 + 1))" \
    "successful authentications after the svcrack control"
assert_eq "$(ban_count 127.0.0.14)" 0 "bans on the svcrack control 127.0.0.14"
log "svcrack control: password found at threshold 1000"

# --- fail2ban -----------------------------------------------------------------------

filter="$SW_E2E_ROOT/../../contrib/fail2ban/filter.d/sipwarden.conf"
[ -f "$filter" ] || fail "fail2ban filter $filter missing"
command -v fail2ban-regex >/dev/null || fail "fail2ban-regex not installed"
f2b=$(timeout 60 fail2ban-regex -v "$SW_DAEMON_LOG" "$filter" 2>&1) \
    || fail "fail2ban-regex failed: $(printf '%s' "$f2b" | tail -n 20)"
printf '%s\n' "$f2b" >"$SW_E2E_DIR/fail2ban-regex.out"
hosts=$("$SW_PY" - "$SW_E2E_DIR/fail2ban-regex.out" <<'PY'
import re, sys
# fail2ban-regex -v lists each match as "|  <ip>  <time>".
ips = set(re.findall(r"^\|\s+(\d+\.\d+\.\d+\.\d+)\s", open(sys.argv[1]).read(),
                     re.M))
print(" ".join(sorted(ips)))
PY
)
for ip in 127.0.0.2 127.0.0.4; do
    case " $hosts " in
    *" $ip "*) ;;
    *) fail "fail2ban-regex did not find attacker $ip (found: '$hosts'; see $SW_E2E_DIR/fail2ban-regex.out)" ;;
    esac
done
log "fail2ban-regex finds: $hosts"

stop_daemon
